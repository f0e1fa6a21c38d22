/* graph.c - store, join and deliver the resources of one file.
 *
 * Joins follow ESPI.md section 3, by exact (xml:base-resolved) href:
 *   IntervalBlock.up   = a related href of a MeterReading
 *   MeterReading.up    = a related href of a UsagePoint
 *   MeterReading related = ReadingType.self
 *   UsagePoint related = LocalTimeParameters.self
 *   summary.up         = a related href of a UsagePoint
 * Entries come in any order, so a block whose context is not known yet is
 * held back (its readings with it) and handed over once it is, or at the
 * end. Only usage points, meter readings, reading types, time parameters
 * and summaries are kept for the whole file. */
#include "graph.h"

#include "error.h"

#include <libxml/hash.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct ptr_list {
    void **items;
    size_t n, cap;
} ptr_list;

struct graph {
    graph_callbacks cb;
    int stopped;
    ptr_list ups, mrs, rts, ltps, summaries, quality;
    xmlHashTablePtr up_by_related, up_by_self, mr_by_related, rt_by_self, ltp_by_self;
    graph_block *held_head, *held_tail;
    size_t held_readings;
    size_t summaries_delivered; /* summaries go out in file order */
    size_t readings;
};

static int push(ptr_list *l, void *item)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        void **g = realloc(l->items, cap * sizeof *g);
        if (g == NULL)
            return -1;
        l->items = g;
        l->cap = cap;
    }
    l->items[l->n++] = item;
    return 0;
}

static void warn(graph *g, const char *code, unsigned long line, const char *fmt, ...)
    ESPI_PRINTF(4, 5);

static void warn(graph *g, const char *code, unsigned long line, const char *fmt, ...)
{
    if (g->cb.on_diag == NULL)
        return;
    char message[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    espi_loc loc = {g->cb.name, line, 0, NULL};
    espi_emit(g->cb.on_diag, g->cb.diag_ctx, ESPI_SEV_WARNING, code, &loc, "%s", message);
}

static int deliver(graph *g, espi_resource_kind kind, const char *name, const void *res)
{
    if (g->stopped)
        return g->stopped;
    espi_resource r = {kind, name, {0}};
    r.u.usage_point = res; /* every member is a pointer to const */
    int rc = g->cb.fn ? g->cb.fn(&r, g->cb.ctx) : 0;
    if (rc != 0)
        g->stopped = rc;
    return rc;
}

graph *graph_new(const graph_callbacks *cb)
{
    graph *g = calloc(1, sizeof *g);
    if (g == NULL)
        return NULL;
    g->cb = *cb;
    if (g->cb.max_held == 0)
        g->cb.max_held = GRAPH_MAX_HELD;
    g->up_by_related = xmlHashCreate(16);
    g->up_by_self = xmlHashCreate(16);
    g->mr_by_related = xmlHashCreate(16);
    g->rt_by_self = xmlHashCreate(16);
    g->ltp_by_self = xmlHashCreate(16);
    if (!g->up_by_related || !g->up_by_self || !g->mr_by_related || !g->rt_by_self ||
        !g->ltp_by_self) {
        graph_free(g);
        return NULL;
    }
    return g;
}

int graph_stopped(const graph *g)
{
    return g->stopped;
}

/* ------------------------------------------------------------------ */
/* Entries                                                             */
/* ------------------------------------------------------------------ */

void graph_entry_clear(espi_entry *e)
{
    free((char *)(uintptr_t)e->id);
    free((char *)(uintptr_t)e->title);
    free((char *)(uintptr_t)e->published);
    free((char *)(uintptr_t)e->updated);
    for (size_t i = 0; i < e->nlinks; i++) {
        free((char *)(uintptr_t)e->links[i].rel);
        free((char *)(uintptr_t)e->links[i].href);
        free((char *)(uintptr_t)e->links[i].type);
    }
    free((espi_link *)(uintptr_t)e->links);
    memset(e, 0, sizeof *e);
}

static bool is_related(const espi_link *l)
{
    return l->rel && strcmp(l->rel, "related") == 0 && l->href;
}

/* Indexes each related href of an entry (the first owner of an href wins). */
static void index_related(xmlHashTablePtr map, const espi_entry *e, void *owner)
{
    for (size_t i = 0; i < e->nlinks; i++)
        if (is_related(&e->links[i]))
            xmlHashAddEntry(map, (const xmlChar *)e->links[i].href, owner);
}

/* Indexes a self href; a second resource with the same one is reported. */
static void index_self(graph *g, xmlHashTablePtr map, const espi_entry *e, void *owner,
                       const char *what)
{
    if (e->self == NULL) {
        warn(g, "link-no-self", e->line,
             "this %s entry has no self link, so nothing can refer to it", what);
        return;
    }
    if (xmlHashAddEntry(map, (const xmlChar *)e->self, owner) != 0)
        warn(g, "link-duplicate-self", e->line,
             "another %s has the same self link %s; references go to the first", what, e->self);
}

/* ------------------------------------------------------------------ */
/* Joins                                                               */
/* ------------------------------------------------------------------ */

static void *lookup(xmlHashTablePtr map, const char *href)
{
    return href ? xmlHashLookup(map, (const xmlChar *)href) : NULL;
}

static void join_usage_point(graph *g, espi_usage_point_res *up)
{
    for (size_t i = 0; i < up->entry.nlinks && up->ltp == NULL; i++)
        if (is_related(&up->entry.links[i]))
            up->ltp = lookup(g->ltp_by_self, up->entry.links[i].href);
}

static void join_meter_reading(graph *g, espi_meter_reading_res *mr)
{
    if (mr->usage_point == NULL) {
        espi_usage_point_res *up = lookup(g->up_by_related, mr->entry.up);
        mr->usage_point = up;
    }
    for (size_t i = 0; i < mr->entry.nlinks && mr->reading_type == NULL; i++)
        if (is_related(&mr->entry.links[i]))
            mr->reading_type = lookup(g->rt_by_self, mr->entry.links[i].href);
    if (mr->usage_point)
        join_usage_point(g, (espi_usage_point_res *)(uintptr_t)mr->usage_point);
}

/* A related link that names LocalTimeParameters (by type, or by the path
 * the reference implementation uses). */
static bool names_ltp(const espi_link *l)
{
    return is_related(l) && ((l->type && strstr(l->type, "LocalTimeParameters")) ||
                             strstr(l->href, "LocalTimeParameters") != NULL);
}

static bool waits_for_ltp(const espi_usage_point_res *up)
{
    if (up->ltp != NULL)
        return false;
    for (size_t i = 0; i < up->entry.nlinks; i++)
        if (names_ltp(&up->entry.links[i]))
            return true;
    return false;
}

/* True when everything a reading of b refers to is known. */
static bool block_ready(graph *g, graph_block *b)
{
    if (b->res.meter_reading == NULL)
        b->res.meter_reading = lookup(g->mr_by_related, b->res.entry.up);
    espi_meter_reading_res *mr = (espi_meter_reading_res *)(uintptr_t)b->res.meter_reading;
    if (mr == NULL)
        return false;
    join_meter_reading(g, mr);
    return mr->reading_type != NULL && mr->usage_point != NULL && !waits_for_ltp(mr->usage_point);
}

/* ------------------------------------------------------------------ */
/* Blocks and readings                                                 */
/* ------------------------------------------------------------------ */

static void block_free(graph_block *b)
{
    graph_entry_clear(&b->res.entry);
    free(b->held);
    free(b);
}

void graph_block_abort(graph_block *b)
{
    block_free(b);
}

static int deliver_block(graph *g, graph_block *b)
{
    for (size_t i = 0; i < b->nheld && !g->stopped; i++) {
        b->held[i].block = &b->res;
        deliver(g, ESPI_RES_INTERVAL_READING, "IntervalReading", &b->held[i]);
    }
    g->readings += b->nheld;
    b->nheld = 0;
    return deliver(g, ESPI_RES_INTERVAL_BLOCK, "IntervalBlock", &b->res);
}

/* Says what a block that is handed over unjoined lacks. */
static void warn_unjoined(graph *g, graph_block *b)
{
    const espi_meter_reading_res *mr = b->res.meter_reading;
    unsigned long line = b->res.entry.line;
    if (b->res.entry.up == NULL)
        warn(g, "link-block-no-up", line,
             "IntervalBlock has no up link; its %zu reading(s) have no meter reading or reading "
             "type",
             b->nheld);
    else if (mr == NULL)
        warn(g, "link-block-broken", line,
             "IntervalBlock up link %s matches no MeterReading related link; its %zu reading(s) "
             "have no meter reading or reading type",
             b->res.entry.up, b->nheld);
    else if (mr->reading_type == NULL)
        warn(g, "link-no-reading-type", line,
             "the MeterReading of this IntervalBlock (line %lu) links to no ReadingType; values "
             "cannot be scaled",
             mr->entry.line);
    else if (mr->usage_point == NULL)
        warn(g, "link-no-usage-point", line,
             "the MeterReading of this IntervalBlock (line %lu) has an up link that matches no "
             "UsagePoint",
             mr->entry.line);
}

/* Hands over the oldest held blocks while too many readings wait. */
static int release_oldest(graph *g, size_t limit)
{
    while (g->held_head && g->held_readings > limit && !g->stopped) {
        graph_block *b = g->held_head;
        g->held_head = b->next;
        if (g->held_head == NULL)
            g->held_tail = NULL;
        g->held_readings -= b->nheld;
        warn_unjoined(g, b);
        deliver_block(g, b);
        block_free(b);
    }
    return g->stopped;
}

/* Hands over, in file order, every held block whose context is now known. */
static int release_ready(graph *g)
{
    graph_block **link = &g->held_head, *prev = NULL;
    while (*link && !g->stopped) {
        graph_block *b = *link;
        if (!block_ready(g, b)) {
            prev = b;
            link = &b->next;
            continue;
        }
        *link = b->next;
        if (g->held_tail == b)
            g->held_tail = prev;
        g->held_readings -= b->nheld;
        deliver_block(g, b);
        block_free(b);
    }
    return g->stopped;
}

graph_block *graph_block_begin(graph *g, espi_interval_block_res *res)
{
    graph_block *b = calloc(1, sizeof *b);
    if (b == NULL)
        return NULL;
    b->res = *res;
    memset(res, 0, sizeof *res);
    b->delivering = b->res.entry.up != NULL && block_ready(g, b);
    return b;
}

static int hold_reading(graph_block *b, const espi_interval_reading_res *r)
{
    if (b->nheld == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 32;
        espi_interval_reading_res *grown = realloc(b->held, cap * sizeof *grown);
        if (grown == NULL)
            return ESPI_E_NOMEM;
        b->held = grown;
        b->cap = cap;
    }
    b->held[b->nheld++] = *r;
    return 0;
}

int graph_block_reading(graph *g, graph_block *b, const espi_interval_reading_res *r)
{
    if (!b->delivering)
        return hold_reading(b, r);
    espi_interval_reading_res copy = *r;
    copy.block = &b->res;
    g->readings++;
    return deliver(g, ESPI_RES_INTERVAL_READING, "IntervalReading", &copy);
}

int graph_block_end(graph *g, graph_block *b)
{
    if (b->delivering || block_ready(g, b)) {
        int rc = deliver_block(g, b);
        block_free(b);
        return rc;
    }
    if (g->held_tail)
        g->held_tail->next = b;
    else
        g->held_head = b;
    g->held_tail = b;
    g->held_readings += b->nheld;
    return release_oldest(g, g->cb.max_held);
}

/* ------------------------------------------------------------------ */
/* Small resources                                                     */
/* ------------------------------------------------------------------ */

static int nomem(graph *g)
{
    (void)g;
    return ESPI_E_NOMEM;
}

/* After any small resource: held blocks and summaries may now join. */
static int after_small(graph *g);

int graph_add_usage_point(graph *g, espi_usage_point_res *up)
{
    if (push(&g->ups, up) != 0)
        return nomem(g);
    index_related(g->up_by_related, &up->entry, up);
    if (up->entry.self)
        xmlHashAddEntry(g->up_by_self, (const xmlChar *)up->entry.self, up);
    join_usage_point(g, up);
    deliver(g, ESPI_RES_USAGE_POINT, "UsagePoint", up);
    return after_small(g);
}

int graph_add_reading_type(graph *g, espi_reading_type_res *rt)
{
    if (push(&g->rts, rt) != 0)
        return nomem(g);
    index_self(g, g->rt_by_self, &rt->entry, rt, "ReadingType");
    deliver(g, ESPI_RES_READING_TYPE, "ReadingType", rt);
    return after_small(g);
}

int graph_add_meter_reading(graph *g, espi_meter_reading_res *mr, espi_reading_type_res *nested)
{
    if (push(&g->mrs, mr) != 0)
        return nomem(g);
    if (nested != NULL) {
        /* GBA's 2025 test feed nests the ReadingType: it is this one's */
        if (push(&g->rts, nested) != 0)
            return nomem(g);
        mr->reading_type = nested;
        deliver(g, ESPI_RES_READING_TYPE, "ReadingType", nested);
    }
    index_related(g->mr_by_related, &mr->entry, mr);
    join_meter_reading(g, mr);
    deliver(g, ESPI_RES_METER_READING, "MeterReading", mr);
    return after_small(g);
}

int graph_add_ltp(graph *g, espi_ltp_res *ltp)
{
    if (push(&g->ltps, ltp) != 0)
        return nomem(g);
    index_self(g, g->ltp_by_self, &ltp->entry, ltp, "LocalTimeParameters");
    deliver(g, ESPI_RES_LOCAL_TIME_PARAMETERS, "LocalTimeParameters", ltp);
    return after_small(g);
}

/* A summary's usage point: its up link names the usage point's summary
 * collection (a related link), or, in the 2011 format, the usage point. */
static const espi_usage_point_res *summary_usage_point(graph *g, const espi_entry *e)
{
    espi_usage_point_res *up = lookup(g->up_by_related, e->up);
    return up ? up : lookup(g->up_by_self, e->up);
}

/* Summaries are delivered once their usage point is known, or at the end. */
static bool summary_ready(graph *g, espi_usage_summary_res *us)
{
    if (us->usage_point == NULL)
        us->usage_point = summary_usage_point(g, &us->entry);
    return us->usage_point != NULL;
}

int graph_add_usage_summary(graph *g, espi_usage_summary_res *us)
{
    if (push(&g->summaries, us) != 0)
        return nomem(g);
    return after_small(g);
}

int graph_add_quality_summary(graph *g, espi_quality_summary_res *qs)
{
    if (push(&g->quality, qs) != 0)
        return nomem(g);
    qs->usage_point = summary_usage_point(g, &qs->entry);
    return deliver(g, ESPI_RES_QUALITY_SUMMARY, "ElectricPowerQualitySummary", qs);
}

int graph_add_other(graph *g, const char *name, espi_other_res *other)
{
    int rc = deliver(g, ESPI_RES_OTHER, name, other);
    graph_entry_clear(&other->entry);
    free(other);
    return rc;
}

/* Summaries go out in file order as their usage points become known; at
 * the end (all) the rest go out as they are. */
static int release_summaries(graph *g, bool all)
{
    while (g->summaries_delivered < g->summaries.n && !g->stopped) {
        espi_usage_summary_res *us = g->summaries.items[g->summaries_delivered];
        if (!summary_ready(g, us) && !all)
            break;
        if (us->usage_point == NULL)
            warn(g, "link-summary-broken", us->entry.line,
                 "this summary's up link %s matches no UsagePoint related link",
                 us->entry.up ? us->entry.up : "(none)");
        g->summaries_delivered++;
        deliver(g, ESPI_RES_USAGE_SUMMARY,
                us->deprecated ? "ElectricPowerUsageSummary" : "UsageSummary", us);
    }
    return g->stopped;
}

static int after_small(graph *g)
{
    if (g->held_head)
        release_ready(g);
    return release_summaries(g, false);
}

/* ------------------------------------------------------------------ */
/* The end                                                             */
/* ------------------------------------------------------------------ */

static void warn_meter_readings(graph *g)
{
    for (size_t i = 0; i < g->mrs.n; i++) {
        espi_meter_reading_res *mr = g->mrs.items[i];
        join_meter_reading(g, mr);
        if (mr->reading_type == NULL)
            warn(g, "link-no-reading-type", mr->entry.line,
                 "this MeterReading has no related link to a ReadingType in the file");
        if (mr->usage_point == NULL)
            warn(g, "link-no-usage-point", mr->entry.line,
                 "this MeterReading's up link %s matches no UsagePoint related link",
                 mr->entry.up ? mr->entry.up : "(none)");
    }
}

int graph_finish(graph *g, espi_feed_res *feed)
{
    warn_meter_readings(g);
    for (size_t i = 0; i < g->ups.n; i++)
        join_usage_point(g, g->ups.items[i]);
    release_ready(g);
    release_oldest(g, 0);
    release_summaries(g, true);
    feed->readings = g->readings;
    return deliver(g, ESPI_RES_FEED, "feed", feed);
}

static void free_list(ptr_list *l, size_t entry_offset)
{
    for (size_t i = 0; i < l->n; i++) {
        graph_entry_clear((espi_entry *)(void *)((char *)l->items[i] + entry_offset));
        free(l->items[i]);
    }
    free(l->items);
}

void graph_free(graph *g)
{
    if (g == NULL)
        return;
    while (g->held_head) {
        graph_block *b = g->held_head;
        g->held_head = b->next;
        block_free(b);
    }
    free_list(&g->ups, offsetof(espi_usage_point_res, entry));
    free_list(&g->mrs, offsetof(espi_meter_reading_res, entry));
    free_list(&g->rts, offsetof(espi_reading_type_res, entry));
    free_list(&g->ltps, offsetof(espi_ltp_res, entry));
    for (size_t i = 0; i < g->summaries.n; i++) {
        espi_usage_summary_res *us = g->summaries.items[i];
        free((char *)(uintptr_t)us->tariff_profile);
        free((char *)(uintptr_t)us->read_cycle);
    }
    free_list(&g->summaries, offsetof(espi_usage_summary_res, entry));
    free_list(&g->quality, offsetof(espi_quality_summary_res, entry));
    xmlHashFree(g->up_by_related, NULL);
    xmlHashFree(g->up_by_self, NULL);
    xmlHashFree(g->mr_by_related, NULL);
    xmlHashFree(g->rt_by_self, NULL);
    xmlHashFree(g->ltp_by_self, NULL);
    free(g);
}
