/* SPDX-License-Identifier: Apache-2.0 */
/* links.c - the rules by which the resources of one file join (links.h).
 *
 * ESPI joins by exact href (ESPI.md section 3): a child's up link is a
 * related link of its parent. Other writers link otherwise, and each of
 * their layouts leaves one reading of the file:
 *   the 2011 format      the child's up link is the parent's self link;
 *   Opower               a related link of the parent is the child's self
 *                        link, and there are no up links;
 *   hierarchical hrefs   .../UsagePoint/1/MeterReading/2/IntervalBlock/3
 *                        lies below .../UsagePoint/1/MeterReading/2;
 *   another spelling     "ReadingType/07" and ".../resource/ReadingType/07";
 *   one candidate        nothing joins, and the file holds one parent.
 * They are tried in that order, after ESPI's own rule. One pair test,
 * links_rule_of, defines each rule; the hash lookups of links_parent are
 * the fast path of the first three. */
#include "read/links.h"

#include "common/error.h"
#include "common/grow.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A related href two entries claim: joins through it are ambiguous. */
typedef struct claim {
    unsigned long first_line, second_line;
    bool warned;
} claim;

static void warn(const links_diag *d, const char *code, unsigned long line, const char *fmt, ...)
    ATTR_PRINTF(4, 5);

static void warn(const links_diag *d, const char *code, unsigned long line, const char *fmt, ...)
{
    err_loc loc = {d->name, line, 0, NULL};
    va_list ap;
    va_start(ap, fmt);
    diag_vemit(d->fn, d->ctx, ESPI_SEV_WARNING, code, &loc, fmt, ap);
    va_end(ap);
}

static bool is_related(const espi_link *l)
{
    return l->rel && strcmp(l->rel, "related") == 0 && l->href;
}

/* ------------------------------------------------------------------ */
/* hrefs                                                               */
/* ------------------------------------------------------------------ */

/* The length of base without its final slashes. */
static size_t trimmed_len(const char *s)
{
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == '/')
        n--;
    return n;
}

/* Whether href lies at or below base (".../UsagePoint/1" holds
 * ".../UsagePoint/1/MeterReading/2"). */
static bool within(const char *href, const char *base)
{
    if (href == NULL || base == NULL)
        return false;
    size_t n = trimmed_len(base);
    return n > 0 && strncmp(href, base, n) == 0 && (href[n] == '/' || href[n] == '\0');
}

/* How much of href base covers when href lies strictly below it
 * (".../MeterReading/2" of ".../MeterReading/2/IntervalBlock/3"); 0 when
 * it does not. */
static size_t below(const char *href, const char *base)
{
    if (!within(href, base))
        return 0;
    size_t n = trimmed_len(base);
    return href[n] == '/' && trimmed_len(href) > n ? n : 0;
}

/* Two hrefs that name one place written differently: one relative and one
 * absolute ("ReadingType/07", "https://.../resource/ReadingType/07"), or
 * differing in case or a final slash. */
static bool same_place(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return false;
    size_t na = trimmed_len(a), nb = trimmed_len(b);
    if (na == 0 || nb == 0)
        return false;
    const char *lng = na >= nb ? a : b, *sht = na >= nb ? b : a;
    size_t nl = na >= nb ? na : nb, ns = na >= nb ? nb : na;
    return strncasecmp(lng + nl - ns, sht, ns) == 0 && (nl == ns || lng[nl - ns - 1] == '/');
}

static bool eq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

/* ------------------------------------------------------------------ */
/* The rules, one pair at a time                                       */
/* ------------------------------------------------------------------ */

static bool related_is(const espi_entry *p, const char *href)
{
    for (size_t i = 0; href && i < p->nlinks; i++)
        if (is_related(&p->links[i]) && strcmp(p->links[i].href, href) == 0)
            return true;
    return false;
}

/* How deep the child's hrefs lie below the parent's (0: they do not). */
static size_t path_depth(const char *up, const char *self, const espi_entry *p)
{
    size_t best = below(self, p->self);
    size_t n = below(up, p->self);
    best = n > best ? n : best;
    for (size_t i = 0; i < p->nlinks; i++)
        if (is_related(&p->links[i]) && (n = below(self, p->links[i].href)) > best)
            best = n;
    return best;
}

static bool related_same_place(const espi_entry *p, const char *href)
{
    for (size_t i = 0; href && i < p->nlinks; i++)
        if (is_related(&p->links[i]) && same_place(href, p->links[i].href))
            return true;
    return false;
}

/* The best rule that joins the pair, and for LINKS_PATH how deep. */
static links_rule rule_and_depth(const char *up, const char *self, const espi_entry *p,
                                 size_t *depth)
{
    *depth = 0;
    if (related_is(p, up))
        return LINKS_STRICT;
    if (eq(up, p->self))
        return LINKS_UP_SELF;
    if (related_is(p, self))
        return LINKS_RELATED_SELF;
    if ((*depth = path_depth(up, self, p)) > 0)
        return LINKS_PATH;
    if (related_same_place(p, up))
        return LINKS_SAME_PLACE;
    return LINKS_NONE;
}

links_rule links_rule_of(const char *up, const char *self, const espi_entry *parent)
{
    size_t depth;
    return parent ? rule_and_depth(up, self, parent, &depth) : LINKS_NONE;
}

/* The best parent by the pair rules: the lowest rule, for hierarchical
 * hrefs the deepest, else the first; two that name the same place written
 * differently are none. */
static const espi_entry *scan(links_rule *rule, const char *up, const char *self,
                              const espi_entry *const *parents, size_t n)
{
    const espi_entry *best = NULL;
    size_t best_depth = 0;
    bool tied = false;
    *rule = LINKS_NONE;
    for (size_t i = 0; i < n; i++) {
        size_t depth;
        links_rule r = rule_and_depth(up, self, parents[i], &depth);
        if (r == LINKS_NONE || (best && r > *rule))
            continue;
        if (best && r == *rule && !(r == LINKS_PATH && depth > best_depth)) {
            tied = tied || (r == LINKS_SAME_PLACE && parents[i] != best);
            continue;
        }
        tied = false;
        best = parents[i];
        *rule = r;
        best_depth = depth;
    }
    if (tied) {
        *rule = LINKS_NONE;
        return NULL;
    }
    return best;
}

const espi_entry *links_pick(links_rule *rule, const char *up, const char *self,
                             const espi_entry *const *parents, size_t n)
{
    const espi_entry *p = scan(rule, up, self, parents, n);
    if (p == NULL && n == 1) {
        *rule = LINKS_ONLY;
        p = parents[0];
    }
    return p;
}

/* ------------------------------------------------------------------ */
/* The index                                                           */
/* ------------------------------------------------------------------ */

int links_index_init(links_index *ix, const char *what, bool self_needed, bool repeats_said)
{
    memset(ix, 0, sizeof *ix);
    ix->what = what;
    ix->self_needed = self_needed;
    ix->repeats_said = repeats_said;
    ix->by_self = xmlHashCreate(16);
    ix->by_related = xmlHashCreate(16);
    ix->claims = xmlHashCreate(16);
    ix->self_claims = xmlHashCreate(16);
    return ix->by_self && ix->by_related && ix->claims && ix->self_claims ? 0 : -1;
}

static void free_claim(void *payload, const xmlChar *name)
{
    (void)name;
    free(payload);
}

void links_index_free(links_index *ix)
{
    if (ix->by_self)
        xmlHashFree(ix->by_self, NULL);
    if (ix->by_related)
        xmlHashFree(ix->by_related, NULL);
    if (ix->claims)
        xmlHashFree(ix->claims, free_claim);
    if (ix->self_claims)
        xmlHashFree(ix->self_claims, free_claim);
    free(ix->items);
    memset(ix, 0, sizeof *ix);
}

/* Remembers that a second entry has href too (once per href). */
static void add_claim(xmlHashTablePtr claims, const char *href, unsigned long first,
                      unsigned long second)
{
    if (xmlHashLookup(claims, (const xmlChar *)href))
        return;
    claim *c = calloc(1, sizeof *c);
    if (c == NULL)
        return;
    c->first_line = first;
    c->second_line = second;
    if (xmlHashAddEntry(claims, (const xmlChar *)href, c) != 0)
        free(c);
}

/* A self href; a second entry with the same one is reported now, or (for
 * kinds whose repeats only matter to joins) when a join goes through it. */
static void index_self(links_index *ix, const espi_entry *e, const links_diag *d)
{
    if (e->self == NULL) {
        if (ix->self_needed)
            warn(d, "link-no-self", e->line,
                 "this %s entry has no self link, so nothing can refer to it", ix->what);
        return;
    }
    if (xmlHashAddEntry(ix->by_self, (const xmlChar *)e->self, (void *)(uintptr_t)e) == 0)
        return;
    const espi_entry *first = xmlHashLookup(ix->by_self, (const xmlChar *)e->self);
    if (ix->repeats_said)
        warn(d, "link-duplicate-self", e->line,
             "the %s at line %lu has the same self link %s; references go to the first", ix->what,
             first->line, e->self);
    else
        add_claim(ix->self_claims, e->self, first->line, e->line);
}

/* Each related href; the first owner wins, and a second one makes joins
 * through it ambiguous, which is said when one is made. Usage points share
 * their time parameters' href, which is no conflict: only joins ask. */
static void index_related(links_index *ix, const espi_entry *e)
{
    for (size_t i = 0; i < e->nlinks; i++) {
        const xmlChar *href = (const xmlChar *)e->links[i].href;
        if (!is_related(&e->links[i]) ||
            xmlHashAddEntry(ix->by_related, href, (void *)(uintptr_t)e) == 0)
            continue;
        const espi_entry *first = xmlHashLookup(ix->by_related, href);
        if (first != e)
            add_claim(ix->claims, e->links[i].href, first->line, e->line);
    }
}

int links_index_keep(links_index *ix, const espi_entry *e)
{
    const espi_entry **g = grow_array(ix->items, &ix->cap, ix->n, sizeof *g, 16);
    if (g == NULL)
        return -1;
    ix->items = g;
    ix->items[ix->n++] = e;
    return 0;
}

int links_index_add(links_index *ix, const espi_entry *e, const links_diag *d)
{
    if (links_index_keep(ix, e) != 0)
        return -1;
    index_related(ix, e);
    index_self(ix, e, d);
    return 0;
}

const espi_entry *links_by_self(const links_index *ix, const char *href)
{
    return href ? xmlHashLookup(ix->by_self, (const xmlChar *)href) : NULL;
}

/* A join through an href two entries claim: said once, with both lines. */
static void say_claim(links_index *ix, xmlHashTablePtr claims, const char *href, const char *rel,
                      const links_diag *d)
{
    claim *c = href ? xmlHashLookup(claims, (const xmlChar *)href) : NULL;
    if (c == NULL || c->warned)
        return;
    c->warned = true;
    warn(d, "link-ambiguous", c->second_line,
         "this %s has the same %s link %s as the one at line %lu; what links up to it is joined "
         "to the first",
         ix->what, rel, href, c->first_line);
}

static const espi_entry *by_related(links_index *ix, const char *href, const links_diag *d)
{
    const espi_entry *found = href ? xmlHashLookup(ix->by_related, (const xmlChar *)href) : NULL;
    if (found)
        say_claim(ix, ix->claims, href, "related", d);
    return found;
}

const espi_entry *links_parent(links_index *ix, links_rule *rule, const char *up, const char *self,
                               const links_diag *d)
{
    const espi_entry *p;
    if ((p = by_related(ix, up, d)) != NULL)
        *rule = LINKS_STRICT;
    else if ((p = links_by_self(ix, up)) != NULL)
        *rule = LINKS_UP_SELF;
    else if ((p = by_related(ix, self, d)) != NULL)
        *rule = LINKS_RELATED_SELF;
    else
        p = scan(rule, up, self, ix->items, ix->n);
    if (p && (*rule == LINKS_UP_SELF || *rule == LINKS_PATH))
        say_claim(ix, ix->self_claims, p->self, "self", d);
    return p;
}

/* ------------------------------------------------------------------ */
/* ReadingTypes                                                        */
/* ------------------------------------------------------------------ */

const espi_entry *links_reading_type(const links_index *rts, links_rule *rule, const espi_entry *mr)
{
    *rule = LINKS_NONE;
    for (size_t i = 0; i < mr->nlinks; i++) {
        const espi_entry *rt =
            is_related(&mr->links[i]) ? links_by_self(rts, mr->links[i].href) : NULL;
        if (rt) {
            *rule = LINKS_STRICT;
            return rt;
        }
    }
    const espi_entry *found = NULL;
    for (size_t r = 0; r < rts->n; r++) {
        if (links_reading_type_rule(mr, rts->items[r]) != LINKS_SAME_PLACE)
            continue;
        if (found)
            return NULL; /* two: which is meant cannot be told */
        found = rts->items[r];
    }
    *rule = found ? LINKS_SAME_PLACE : LINKS_NONE;
    return found;
}

links_rule links_reading_type_rule(const espi_entry *mr, const espi_entry *rt)
{
    if (mr == NULL || rt == NULL)
        return LINKS_NONE;
    if (related_is(mr, rt->self))
        return LINKS_STRICT;
    return related_same_place(mr, rt->self) ? LINKS_SAME_PLACE : LINKS_NONE;
}

const espi_entry *links_spare(const espi_entry *const *rts, size_t n, const void *const *used,
                              size_t nused)
{
    const espi_entry *spare = NULL;
    for (size_t r = 0; r < n; r++) {
        bool taken = false;
        for (size_t k = 0; k < nused && !taken; k++)
            taken = used[k] == (const void *)rts[r];
        if (taken)
            continue;
        if (spare)
            return NULL;
        spare = rts[r];
    }
    return spare;
}

/* ------------------------------------------------------------------ */
/* Saying so                                                           */
/* ------------------------------------------------------------------ */

typedef struct layout {
    links_rule rule;
    const char *code;
    const char *how; /* after "joined to the PARENT at line N, " */
} layout;

static const layout layouts[] = {
    {LINKS_UP_SELF, "link-layout-2011",
     "whose self link it names, as files in the 2011 format link"},
    {LINKS_RELATED_SELF, "link-layout-opower",
     "a related link of which is its self link, as Opower links (without up links)"},
    {LINKS_PATH, "link-layout-hierarchical",
     "whose href its own hrefs lie under (hierarchical hrefs, no link joins them)"},
    {LINKS_SAME_PLACE, "link-layout-href-form",
     "whose link names the same place written differently (relative or absolute, case, a "
     "final slash)"},
    {LINKS_ONLY, "link-layout-single", "the only one the file holds for it"},
};

static const layout *layout_of(links_rule rule)
{
    for (size_t i = 0; i < sizeof layouts / sizeof layouts[0]; i++)
        if (layouts[i].rule == rule)
            return &layouts[i];
    return NULL;
}

void links_say(bool said[LINKS_RULES], const links_diag *d, links_rule rule, const char *child,
               const espi_entry *c, const char *parent, const espi_entry *p)
{
    const layout *l = layout_of(rule);
    if (l == NULL || said[rule])
        return;
    said[rule] = true;
    char expected[600];
    if (strcmp(parent, "ReadingType") == 0)
        snprintf(expected, sizeof expected,
                 "no related link of this %s is a ReadingType's self link (ESPI's join)", child);
    else if (c->up == NULL)
        snprintf(expected, sizeof expected,
                 "this %s has no up link (ESPI's join: up to a %s's related link)", child, parent);
    else
        snprintf(expected, sizeof expected,
                 "this %s's up link %s is no %s's related link (ESPI's join)", child, c->up,
                 parent);
    warn(d, l->code, c->line,
         "%s; joined to the %s at line %lu, %s (every join this file needs the same way is "
         "made alike, and said only here)",
         expected, parent, p->line, l->how);
}
