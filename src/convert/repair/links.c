/* SPDX-License-Identifier: Apache-2.0 */
/* links.c - joining what the links do not. espi_read joins every resource
 * it can: by ESPI's links, then by the layouts of read/links.h (the 2011
 * format, Opower, hierarchical hrefs, an href written another way, the
 * file's only candidate), so espi dump reads a file as this repair writes
 * it. What is left here: each join the links did not make, said as a
 * repair with the rule that decided it; the joins of the resources this
 * repair makes when the file holds no candidate at all (named after the
 * links that point to them), by the same rules; and, where the file has
 * candidates but no rule decides, an error. */
#include "convert/repair/repair.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Names and words                                                     */
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

static const char *shown(const char *href)
{
    return href && href[0] ? href : "(none)";
}

/* What a join is said as: by the parent's kind, and by its rule, or (when
 * the file holds one candidate) as that one. */
typedef enum parent_kind { P_UP, P_MR, P_RT } parent_kind;

static const char *const only_text[] = {
    "joined to the file's only UsagePoint",
    "joined to the file's only MeterReading",
    "joined to the only ReadingType no other MeterReading uses",
};

static const char *const rule_text[][LINKS_RULES] = {
    [P_UP] = {[LINKS_UP_SELF] = "joined to the UsagePoint whose self link their up link names "
                                "(the 2011 format)",
              [LINKS_RELATED_SELF] = "joined to the UsagePoint whose related link is their self "
                                     "link (as Opower links)",
              [LINKS_PATH] = "joined to the UsagePoint their href lies under",
              [LINKS_SAME_PLACE] = "joined to the UsagePoint whose related link names the same "
                                   "place written differently"},
    [P_MR] = {[LINKS_UP_SELF] = "joined to the MeterReading whose self link their up link names "
                                "(the 2011 format)",
              [LINKS_RELATED_SELF] = "joined to the MeterReading whose related link is their self "
                                     "link (as Opower links)",
              [LINKS_PATH] = "joined to the MeterReading their links lie under",
              [LINKS_SAME_PLACE] = "joined to the MeterReading whose related link names the same "
                                   "place written differently"},
    [P_RT] = {[LINKS_SAME_PLACE] = "joined to the ReadingType whose self link names the same "
                                   "place"},
};

static const char *how(parent_kind kind, links_rule rule, bool only)
{
    const char *text = rule > LINKS_NONE && rule < LINKS_RULES ? rule_text[kind][rule] : NULL;
    return only || text == NULL ? only_text[kind] : text;
}

/* The entries of the file's UsagePoints (the real ones come first). */
static const espi_entry **usage_point_entries(const repair *rp)
{
    const espi_entry **e = calloc(rp->real_ups ? rp->real_ups : 1, sizeof *e);
    for (size_t i = 0; e && i < rp->real_ups; i++)
        e[i] = &rp->ups[i]->res->entry;
    return e;
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

/* The file holds no UsagePoint: one is made, named after the resource's
 * hrefs (".../UsagePoint/1" of ".../UsagePoint/1/MeterReading/2"). */
static int missing_usage_point(repair *rp, const up_query *q, up_info **out)
{
    static const char *const markers[] = {"MeterReading", "UsageSummary",
                                          "ElectricPowerUsageSummary"};
    const char *href[2] = {q->child ? q->child->up : q->name, q->child ? q->child->self : NULL};
    char *name = NULL;
    for (size_t i = 0; name == NULL && i < 2 * sizeof markers / sizeof markers[0]; i++)
        name = parent_of(href[i % 2], markers[i / 2]);
    *out = made_up_usage_point(rp, name ? name : "usage point (not in the file)");
    repair_note(rp, "repair-missing-usage-point", q->type, q->line,
                "up link(s) to a UsagePoint the file does not hold",
                "a UsagePoint was made for them, named after their links", "%s",
                name ? name : "no link");
    free(name);
    return *out ? 0 : repair_nomem(rp);
}

/* The UsagePoint of a MeterReading this repair made (named after its
 * blocks' place), by the reader's rules. */
static const espi_usage_point_res *made_ones_usage_point(repair *rp, const up_query *q,
                                                         links_rule *rule)
{
    const espi_entry **ups = usage_point_entries(rp);
    const espi_entry *up = ups ? links_pick(rule, q->name, NULL, ups, rp->real_ups) : NULL;
    free(ups);
    return (const espi_usage_point_res *)(const void *)up;
}

/* The UsagePoint espi_read joined the resource to; for a MeterReading made
 * here, the one the reader's rules pick; without any in the file, one
 * named after the links. Joins the links did not make are said. */
int repair_resolve_usage_point(repair *rp, const up_query *q, up_info **out)
{
    links_rule rule = LINKS_NONE;
    const espi_usage_point_res *up = q->joined;
    if (up && q->child)
        rule = links_rule_of(q->child->up, q->child->self, &up->entry);
    else if (up == NULL && q->child == NULL && rp->real_ups > 0)
        up = made_ones_usage_point(rp, q, &rule);
    if (up == NULL && rp->real_ups > 0)
        return repair_fatal(rp, "repair-link-usage-point", q->line,
                            "this %s's up link %s matches none of the file's %zu UsagePoints, "
                            "and no other link or href says which it belongs to: that cannot "
                            "be decided",
                            q->what, shown(q->child ? q->child->up : q->name), rp->real_ups);
    if (up == NULL)
        return missing_usage_point(rp, q, out);
    if ((*out = repair_up_info_of(rp, up)) == NULL)
        return repair_nomem(rp);
    if (rule != LINKS_STRICT)
        repair_note(rp, "repair-link", q->type, q->line, "up link(s) that match no UsagePoint",
                    how(P_UP, rule, rp->real_ups == 1), "%s",
                    shown(q->child ? q->child->up : q->name));
    return 0;
}

/* ------------------------------------------------------------------ */
/* The ReadingType of a MeterReading                                   */
/* ------------------------------------------------------------------ */

/* For a MeterReading made here: the only ReadingType none of the file's
 * MeterReadings uses. */
static const espi_reading_type_res *spare_reading_type(const repair *rp)
{
    const espi_entry **rts = calloc(rp->rts.n ? rp->rts.n : 1, sizeof *rts);
    const void **used = calloc(rp->nmrs ? rp->nmrs : 1, sizeof *used);
    const espi_entry *spare = NULL;
    if (rts && used) {
        for (size_t i = 0; i < rp->rts.n; i++)
            rts[i] = &((const espi_reading_type_res *)rp->rts.items[i])->entry;
        for (size_t i = 0; i < rp->nmrs; i++)
            used[i] = rp->mrs[i]->res ? rp->mrs[i]->res->reading_type : NULL;
        spare = links_spare(rts, rp->rts.n, used, rp->nmrs);
    }
    free(rts);
    free((void *)used);
    return (const espi_reading_type_res *)(const void *)spare;
}

/* The ReadingType espi_read joined the MeterReading to; for one made here,
 * the only one no MeterReading uses; without any in the file, none (the
 * values are written without a unit). */
int repair_resolve_reading_type(repair *rp, const mr_info *m, const espi_reading_type_res **out)
{
    const espi_reading_type_res *rt = m->res ? m->res->reading_type : spare_reading_type(rp);
    links_rule rule = LINKS_STRICT; /* a nested ReadingType is its MeterReading's own */
    if (rt && m->res && !rt->nested)
        rule = links_reading_type_rule(&m->res->entry, &rt->entry);
    else if (rt && m->res == NULL)
        rule = LINKS_NONE;
    if ((*out = rt) != NULL) {
        if (rule != LINKS_STRICT)
            repair_note(rp, "repair-link", T_MR, m->line, "whose links match no ReadingType",
                        how(P_RT, rule, false), "%s", m->key);
        return 0;
    }
    if (rp->rts.n > 0)
        return repair_fatal(rp, "repair-link-reading-type", m->line,
                            "the MeterReading %s links to none of the file's %zu ReadingTypes, "
                            "and no other link says which is its: its unit cannot be decided",
                            m->key, rp->rts.n);
    repair_note(rp, "repair-missing-reading-type", T_MR, m->line,
                "with readings but no ReadingType in the file",
                "written without unit, kind or multiplier: the values stay as they are (convert "
                "the complete download to keep the unit)",
                "%s", m->key);
    return 0;
}

/* ------------------------------------------------------------------ */
/* The MeterReading of blocks                                          */
/* ------------------------------------------------------------------ */

/* A block whose readings arrive: when espi_read joined it by a layout, not
 * by its up link, it is counted, to be said at the end. */
void repair_see_block(repair *rp, const espi_interval_block_res *b)
{
    const espi_meter_reading_res *mr = b->meter_reading;
    links_rule rule = mr ? links_rule_of(b->entry.up, b->entry.self, &mr->entry) : LINKS_STRICT;
    if (rule == LINKS_STRICT)
        return;
    if (rp->layout_blocks++ == 0) {
        rp->layout_line = b->entry.line;
        rp->layout_rule = rule;
        str_lcpy(rp->layout_up, shown(b->entry.up), sizeof rp->layout_up);
    }
}

/* Says the blocks joined by a layout, once the count of MeterReadings is
 * known. */
void repair_note_block_layouts(repair *rp)
{
    for (size_t i = 0; i < rp->layout_blocks; i++)
        repair_note(rp, "repair-link", T_BLOCK, rp->layout_line,
                    "up link(s) that match no MeterReading",
                    how(P_MR, rp->layout_rule, rp->real_mrs == 1), "%s", rp->layout_up);
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

/* Blocks espi_read could join to none of the file's MeterReadings: that
 * cannot be decided; without any in the file, one is made for them. */
static int resolve_orphan(repair *rp, const orphan *o, mr_info **out)
{
    if (rp->real_mrs > 0)
        return repair_fatal(rp, "repair-link-meter-reading", o->line,
                            "these IntervalBlocks' up link %s matches none of the file's %zu "
                            "MeterReadings, and no other link or href says which: which one "
                            "their %zu readings belong to cannot be decided",
                            shown(o->up), rp->real_mrs, o->n);
    *out = made_meter_reading(rp, o);
    repair_note(rp, "repair-missing-meter-reading", T_BLOCK, o->line,
                "up link(s) to a MeterReading the file does not hold",
                "a MeterReading was made for their readings, named after their links", "%s",
                shown(o->up));
    return *out ? 0 : repair_nomem(rp);
}

/* The readings of blocks that joined no MeterReading go to the one
 * resolve_orphan makes. */
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
