/* SPDX-License-Identifier: Apache-2.0 */
/* links.c - joining what the links do not. espi_read joins a
 * resource to the one its link names; when that link joins nothing, the
 * file may still leave one choice: its only candidate, the one whose href
 * the resource's hrefs lie under, or one whose self link names the same
 * place written differently. Each join is reported with the rule that
 * decided it; where no rule decides, the conversion stops; where the file
 * holds no candidate at all, one is made, named after the links. */
#include "convert/repair/repair.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------------ */
/* Hrefs                                                               */
/* ------------------------------------------------------------------ */

/* href cut before the last "/<marker>" segment: a MeterReading's href from
 * an IntervalBlock's, a UsagePoint's from a MeterReading's. NULL: none. */
static char *parent_of(const char *href, const char *marker)
{
    if (href == NULL)
        return NULL;
    size_t k = strlen(marker);
    const char *found = NULL;
    for (const char *p = strstr(href, marker); p; p = strstr(p + 1, marker))
        if (p > href && p[-1] == '/' && (p[k] == '/' || p[k] == '\0'))
            found = p;
    if (found == NULL)
        return NULL;
    size_t n = (size_t)(found - href) - 1;
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, href, n);
        s[n] = '\0';
    }
    return n ? s : (free(s), NULL);
}

/* Whether href lies at or below base ("…/UsagePoint/1" holds
 * "…/UsagePoint/1/MeterReading/2"). */
static bool within(const char *href, const char *base)
{
    if (href == NULL || base == NULL || base[0] == '\0')
        return false;
    size_t n = strlen(base);
    while (n > 0 && base[n - 1] == '/')
        n--;
    return n > 0 && strncmp(href, base, n) == 0 && (href[n] == '/' || href[n] == '\0');
}

/* Two hrefs that name the same thing written differently: one relative and
 * one absolute ("ReadingType/07", "https://…/resource/ReadingType/07"),
 * or differing in case or a final slash. */
static bool same_place(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return false;
    size_t na = strlen(a), nb = strlen(b);
    while (na > 0 && a[na - 1] == '/')
        na--;
    while (nb > 0 && b[nb - 1] == '/')
        nb--;
    if (na == 0 || nb == 0)
        return false;
    const char *lng = na >= nb ? a : b, *sht = na >= nb ? b : a;
    size_t nl = na >= nb ? na : nb, ns = na >= nb ? nb : na;
    return strncasecmp(lng + nl - ns, sht, ns) == 0 && (nl == ns || lng[nl - ns - 1] == '/');
}

static const char *shown(const char *href)
{
    return href && href[0] ? href : "(none)";
}

/* ------------------------------------------------------------------ */
/* The UsagePoint of a MeterReading or summary                         */
/* ------------------------------------------------------------------ */

/* A UsagePoint the file lacks, named after the href that points to it. */
static up_info *made_up_usage_point(repair *rp, const char *name)
{
    for (size_t i = 0; i < rp->nups; i++)
        if (rp->ups[i]->res == NULL && strcmp(rp->ups[i]->key, name) == 0)
            return rp->ups[i];
    up_info *u = repair_add_up_info(rp, NULL, strdup(name));
    if (u && (u->model = model_feed_usage_point(rp->in->feed, "", u->key)) == NULL)
        return NULL;
    return u;
}

/* The only UsagePoint the resource's hrefs lie under; NULL: none or two. */
static up_info *fitting_usage_point(repair *rp, const up_query *q)
{
    up_info *found = NULL;
    for (size_t i = 0; i < rp->nups; i++) {
        const espi_usage_point_res *res = rp->ups[i]->res;
        if (res == NULL ||
            !(within(q->href[0], res->entry.self) || within(q->href[1], res->entry.self)))
            continue;
        if (found)
            return NULL;
        found = rp->ups[i];
    }
    return found;
}

/* The file holds no UsagePoint: one is made, named after the resource's
 * hrefs (".../UsagePoint/1" of ".../UsagePoint/1/MeterReading/2"). */
static int missing_usage_point(repair *rp, const up_query *q, up_info **out)
{
    static const char *const markers[] = {"MeterReading", "UsageSummary",
                                          "ElectricPowerUsageSummary"};
    char *name = NULL;
    for (size_t i = 0; name == NULL && i < 2 * sizeof markers / sizeof markers[0]; i++)
        name = parent_of(q->href[i % 2], markers[i / 2]);
    *out = made_up_usage_point(rp, name ? name : "usage point (not in the file)");
    repair_note(rp, "repair-missing-usage-point", q->type, q->line,
                "up link(s) to a UsagePoint the file does not hold",
                "a UsagePoint was made for them, named after their links", "%s",
                name ? name : "no link");
    free(name);
    return *out ? 0 : repair_nomem(rp);
}

/* The UsagePoint of a MeterReading or summary: its link's, else the file's
 * only one, else the one its hrefs lie under, else (the file has none) one
 * named after them. */
int repair_resolve_usage_point(repair *rp, const up_query *q, up_info **out)
{
    *out = q->joined ? repair_up_info_of(rp, q->joined) : NULL;
    if (*out)
        return 0;
    const char *how = NULL;
    if (rp->real_ups == 1 && (*out = rp->ups[0]) != NULL) /* the real ones come first */
        how = "joined to the file's only UsagePoint";
    else if ((*out = fitting_usage_point(rp, q)) != NULL)
        how = "joined to the UsagePoint their href lies under";
    if (how) {
        repair_note(rp, "repair-link", q->type, q->line, "up link(s) that match no UsagePoint", how,
                    "%s", shown(q->href[0]));
        return 0;
    }
    if (rp->real_ups > 0)
        return repair_fatal(rp, "repair-link-usage-point", q->line,
                            "this %s's up link %s matches none of the file's %zu UsagePoints, "
                            "and its hrefs lie under none of them: which one it belongs to "
                            "cannot be decided",
                            q->what, shown(q->href[0]), rp->real_ups);
    return missing_usage_point(rp, q, out);
}

/* ------------------------------------------------------------------ */
/* The ReadingType of a MeterReading                                   */
/* ------------------------------------------------------------------ */

typedef bool reading_type_test(const repair *rp, const mr_info *m, const espi_reading_type_res *rt);

/* The only ReadingType of the file that passes test; NULL: none or two. */
static const espi_reading_type_res *only_reading_type(const repair *rp, const mr_info *m,
                                                      reading_type_test *test)
{
    const espi_reading_type_res *found = NULL;
    for (size_t r = 0; r < rp->rts.n; r++) {
        const espi_reading_type_res *rt = rp->rts.items[r];
        if (!test(rp, m, rt))
            continue;
        if (found)
            return NULL;
        found = rt;
    }
    return found;
}

/* One of the MeterReading's links names the ReadingType's self link. */
static bool names_same_place(const repair *rp, const mr_info *m, const espi_reading_type_res *rt)
{
    (void)rp;
    for (size_t i = 0; m->res && i < m->res->entry.nlinks; i++)
        if (same_place(m->res->entry.links[i].href, rt->entry.self))
            return true;
    return false;
}

/* No MeterReading of the file joins to the ReadingType. */
static bool unclaimed(const repair *rp, const mr_info *m, const espi_reading_type_res *rt)
{
    (void)m;
    for (size_t i = 0; i < rp->nmrs; i++)
        if (rp->mrs[i]->res && rp->mrs[i]->res->reading_type == rt)
            return false;
    return true;
}

/* Its link's, else the one it names written differently, else the only one
 * no MeterReading uses, else the file's only one; without any in the file,
 * none (the values are written without a unit). */
int repair_resolve_reading_type(repair *rp, const mr_info *m, const espi_reading_type_res **out)
{
    *out = m->res ? m->res->reading_type : NULL;
    if (*out)
        return 0;
    const char *how = NULL;
    if ((*out = only_reading_type(rp, m, names_same_place)) != NULL)
        how = "joined to the ReadingType whose self link names the same place";
    else if ((*out = only_reading_type(rp, m, unclaimed)) != NULL)
        how = "joined to the only ReadingType no other MeterReading uses";
    else if (rp->rts.n == 1 && (*out = rp->rts.items[0]) != NULL)
        how = "joined to the file's only ReadingType (which another MeterReading uses too)";
    if (how) {
        repair_note(rp, "repair-link", T_MR, m->line, "whose links match no ReadingType", how, "%s",
                    m->key);
        return 0;
    }
    if (rp->rts.n > 0)
        return repair_fatal(rp, "repair-link-reading-type", m->line,
                            "the MeterReading %s links to none of the file's %zu ReadingTypes: "
                            "its unit cannot be decided",
                            m->key, rp->rts.n);
    repair_note(rp, "repair-missing-reading-type", T_MR, m->line,
                "with readings but no ReadingType in the file",
                "written without unit, kind or multiplier: the values stay as they are (convert "
                "the complete download to keep the unit)",
                "%s", m->key);
    return 0;
}

/* ------------------------------------------------------------------ */
/* The MeterReading of blocks whose up link joins none                 */
/* ------------------------------------------------------------------ */

/* The file's only MeterReading, or one the blocks' links lie under (its
 * self link, or its related link to its IntervalBlock collection). */
static bool orphan_fits(const repair *rp, const orphan *o, const espi_meter_reading_res *res)
{
    if (rp->real_mrs == 1 || within(o->up, res->entry.self) || within(o->self, res->entry.self))
        return true;
    for (size_t k = 0; k < res->entry.nlinks; k++) {
        const espi_link *l = &res->entry.links[k];
        if (l->rel && strcmp(l->rel, "related") == 0 &&
            (within(o->self, l->href) || same_place(o->up, l->href)))
            return true;
    }
    return false;
}

/* The one MeterReading of the file the blocks fit (*out NULL: none); two
 * are an error. */
static int fitting_meter_reading(repair *rp, const orphan *o, mr_info **out)
{
    *out = NULL;
    for (size_t i = 0; i < rp->nmrs; i++) {
        if (rp->mrs[i]->res == NULL || !orphan_fits(rp, o, rp->mrs[i]->res))
            continue;
        if (*out)
            return repair_fatal(rp, "repair-link-meter-reading", o->line,
                                "these IntervalBlocks' up link %s joins no MeterReading, and "
                                "their links lie under two (lines %lu and %lu): which one their "
                                "%zu readings belong to cannot be decided",
                                shown(o->up), (*out)->line, rp->mrs[i]->line, o->n);
        *out = rp->mrs[i];
    }
    return 0;
}

/* A MeterReading the file lacks, named after the blocks' links (blocks
 * that name one place share it). NULL: out of memory. */
static mr_info *made_meter_reading(repair *rp, const orphan *o)
{
    char *name = parent_of(o->up, "IntervalBlock");
    if (name == NULL)
        name = parent_of(o->self, "IntervalBlock");
    const char *key = name ? name : "meter reading (not in the file)";
    mr_info *m = NULL;
    for (size_t i = 0; i < rp->nmrs && m == NULL; i++)
        if (rp->mrs[i]->res == NULL && strcmp(rp->mrs[i]->key, key) == 0)
            m = rp->mrs[i];
    if (m == NULL)
        m = repair_add_mr_info(rp, NULL, strdup(key), o->line);
    free(name);
    return m;
}

/* The MeterReading of blocks whose up link joins none: the file's only
 * one, else the one their links lie under, else (the file has none) one
 * named after their links. */
static int resolve_orphan(repair *rp, const orphan *o, mr_info **out)
{
    int rc = fitting_meter_reading(rp, o, out);
    if (rc != 0)
        return rc;
    if (*out) {
        const char *how = rp->real_mrs == 1 ? "joined to the file's only MeterReading"
                                            : "joined to the MeterReading their links lie under";
        repair_note(rp, "repair-link", T_BLOCK, o->line, "up link(s) that match no MeterReading",
                    how, "%s", shown(o->up));
        return 0;
    }
    if (rp->real_mrs > 0)
        return repair_fatal(rp, "repair-link-meter-reading", o->line,
                            "these IntervalBlocks' up link %s matches none of the file's %zu "
                            "MeterReadings: which one their %zu readings belong to cannot be "
                            "decided",
                            shown(o->up), rp->real_mrs, o->n);
    *out = made_meter_reading(rp, o);
    repair_note(rp, "repair-missing-meter-reading", T_BLOCK, o->line,
                "up link(s) to a MeterReading the file does not hold",
                "a MeterReading was made for their readings, named after their links", "%s",
                shown(o->up));
    return *out ? 0 : repair_nomem(rp);
}

/* The readings of blocks whose up link joins no MeterReading go to the
 * one resolve_orphan finds. */
int repair_resolve_orphans(repair *rp)
{
    for (size_t i = 0; i < rp->norphans; i++) {
        orphan *o = rp->orphans[i];
        mr_info *m;
        int rc = resolve_orphan(rp, o, &m);
        for (size_t k = 0; rc == 0 && k < o->n; k++)
            if (repair_push_reading(&m->readings, &m->n, &m->cap, &o->readings[k]) != 0)
                rc = repair_nomem(rp);
        if (rc != 0)
            return rc;
    }
    return 0;
}
