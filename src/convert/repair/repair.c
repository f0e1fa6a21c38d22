/* SPDX-License-Identifier: Apache-2.0 */
/* repair.c - espi convert --from espi: any Green Button file (or a ZIP
 * holding one) read with the streaming reader and built into the feed
 * model, so that the converter writes it again as a clean, current feed:
 * current ESPI names, every link typed and consistent, whole UTC seconds,
 * one IntervalBlock per local day, new stable ids.
 *
 * What the file gets wrong is repaired where the intent is unambiguous,
 * and every kind of repair is reported once per resource type, with a
 * count and the first line (docs/repair.md). What cannot be decided stops
 * the conversion with an error: readings are never dropped silently.
 *
 * This file holds the flow: one pass of the reader, observed as the
 * validator observes it (repair/observe.c) and tapped (repair/tap.c);
 * resources kept as espi_read hands them over; and, when the feed ends,
 * once every link that could join them is known, the model built from
 * them in order (repair.h names the file of each step). */
#include "convert/repair/repair.h"

#include "common/libinit.h"
#include "common/zip_input.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEAD_BYTES 4096 /* sniffed for a ZIP, then handed to the reader */
#define ID_SET_MAX ((size_t)1 << 21)

/* ------------------------------------------------------------------ */
/* Names                                                               */
/* ------------------------------------------------------------------ */

static void pointer_key(char key[32], const void *p)
{
    snprintf(key, 32, "%p", p);
}

/* base, or "base #2", "#3", ... when an earlier resource has that name
 * (entries that share a self link stay resources of their own). */
static char *unique_key(repair *rp, const char *kind, const char *base)
{
    size_t n = strlen(kind) + strlen(base) + 32;
    char *key = malloc(n);
    if (key == NULL)
        return NULL;
    for (unsigned i = 1;; i++) {
        if (i == 1)
            snprintf(key, n, "%s %s", kind, base);
        else
            snprintf(key, n, "%s %s #%u", kind, base, i);
        if (xmlHashLookup(rp->keys, (const xmlChar *)key) == NULL)
            break;
    }
    if (xmlHashAddEntry(rp->keys, (const xmlChar *)key, rp) != 0) {
        free(key);
        return NULL;
    }
    memmove(key, key + strlen(kind) + 1, strlen(key) - strlen(kind)); /* the kind only scoped it */
    return key;
}

/* A stable name for a resource: its self link, else its entry id, else its
 * place in the file. */
static char *name_of(repair *rp, const char *kind, const espi_entry *e, size_t index)
{
    char fallback[64];
    const char *base = e->self && e->self[0] ? e->self : e->id && e->id[0] ? e->id : NULL;
    if (base == NULL) {
        snprintf(fallback, sizeof fallback, "%s %zu", kind, index + 1);
        base = fallback;
    }
    return unique_key(rp, kind, base);
}

/* ------------------------------------------------------------------ */
/* Resources, as they come                                             */
/* ------------------------------------------------------------------ */

static int list_push(list *l, const void *item)
{
    const void **g = grow_array(l->items, &l->cap, l->n, sizeof *g, 16);
    if (g == NULL)
        return -1;
    l->items = g;
    l->items[l->n++] = item;
    return 0;
}

/* A UsagePoint of the file (res), or one made for resources whose
 * UsagePoint it lacks (res NULL). Takes key, even on failure. */
up_info *repair_add_up_info(repair *rp, const espi_usage_point_res *res, char *key)
{
    up_info **g = grow_array(rp->ups, &rp->ups_cap, rp->nups, sizeof *g, 8);
    up_info *u = calloc(1, sizeof *u);
    if (g == NULL || u == NULL || key == NULL) {
        free(u);
        free(key);
        return NULL;
    }
    rp->ups = g;
    u->res = res;
    u->key = key;
    rp->ups[rp->nups++] = u;
    return u;
}

up_info *repair_up_info_of(repair *rp, const espi_usage_point_res *res)
{
    char key[32];
    pointer_key(key, res);
    return xmlHashLookup(rp->by_res, (const xmlChar *)key);
}

static int add_usage_point(repair *rp, const espi_usage_point_res *res)
{
    up_info *u = repair_add_up_info(rp, res, name_of(rp, "usage point", &res->entry, rp->real_ups));
    char key[32];
    pointer_key(key, res);
    if (u == NULL || xmlHashAddEntry(rp->by_res, (const xmlChar *)key, u) != 0)
        return repair_nomem(rp);
    rp->real_ups++;
    repair_take_tapped(rp, u, res->entry.line);
    return 0;
}

/* A MeterReading of the file (res), or one made for blocks whose
 * MeterReading it lacks (res NULL). Takes key, even on failure. */
mr_info *repair_add_mr_info(repair *rp, const espi_meter_reading_res *res, char *key,
                            unsigned long line)
{
    mr_info **g = grow_array(rp->mrs, &rp->mrs_cap, rp->nmrs, sizeof *g, 8);
    mr_info *m = calloc(1, sizeof *m);
    if (g == NULL || m == NULL || key == NULL) {
        free(m);
        free(key);
        return NULL;
    }
    rp->mrs = g;
    m->res = res;
    m->key = key;
    m->line = line;
    rp->mrs[rp->nmrs++] = m;
    return m;
}

/* The info of a MeterReading of the file, made when first asked for (its
 * readings may come before the reader hands it over). */
mr_info *repair_meter_reading_info(repair *rp, const espi_meter_reading_res *res)
{
    if (res == rp->last_mr_res)
        return rp->last_mr;
    char key[32];
    pointer_key(key, res);
    mr_info *m = xmlHashLookup(rp->by_res, (const xmlChar *)key);
    if (m == NULL) {
        m = repair_add_mr_info(rp, res, name_of(rp, "meter reading", &res->entry, rp->real_mrs),
                               res->entry.line);
        if (m == NULL || xmlHashAddEntry(rp->by_res, (const xmlChar *)key, m) != 0)
            return NULL;
        rp->real_mrs++;
    }
    rp->last_mr_res = res;
    rp->last_mr = m;
    return m;
}

static void note_other(repair *rp, const espi_resource *res)
{
    const espi_other_res *o = res->u.other;
    bool customer = o->ns && strstr(o->ns, "customer") != NULL;
    char what[160];
    snprintf(what, sizeof what, "%s resource(s) <%s>", customer ? "customer (PII)" : "ESPI",
             res->name);
    repair_note(rp, "repair-not-carried", T_ENTRY, o->entry.line, what,
                customer ? "not carried: a usage feed holds no personal data (customer resources "
                           "go in a separate feed)"
                         : "not carried: espi writes usage data only",
                NULL);
}

/* ------------------------------------------------------------------ */
/* The end of the feed: the model                                      */
/* ------------------------------------------------------------------ */

static void note_feed(repair *rp, const espi_feed_res *feed)
{
    for (size_t i = 0; i < feed->nlinks; i++) {
        const espi_link *l = &feed->links[i];
        repair_note_untyped_link(rp, T_FEED, feed->line, l);
        if (l->rel && strcmp(l->rel, "self") != 0)
            repair_note(rp, "repair-not-carried", T_FEED, feed->line, "link(s) other than self",
                        "not carried: the feed written links to itself only (a GBA certificate "
                        "link belongs in the utility's own downloads)",
                        "rel=\"%s\" href=\"%s\"", l->rel, l->href);
    }
}

static void note_idle_meter_readings(repair *rp)
{
    for (size_t i = 0; i < rp->nmrs; i++) {
        if (!rp->mrs[i]->res || rp->mrs[i]->carried)
            continue;
        repair_note(rp, "repair-not-carried", T_MR, rp->mrs[i]->line, "without readings",
                    "not carried, with their ReadingTypes: a MeterReading without "
                    "IntervalBlocks holds no data",
                    "%s", rp->mrs[i]->key);
        repair_note_nested(rp, rp->mrs[i], false);
    }
}

/* Usage points first (joins need them), then the readings of blocks that
 * joined nothing, the channels, the summaries, and the zone. */
static int finish(repair *rp, const espi_feed_res *feed)
{
    note_feed(rp, feed);
    repair_find_currency(rp);
    int rc = repair_check_bad_time(rp);
    size_t real = rp->nups;
    for (size_t i = 0; rc == 0 && i < real; i++)
        rc = repair_make_usage_point(rp, rp->ups[i]);
    if (rc == 0) {
        repair_note_block_layouts(rp);
        rc = repair_resolve_orphans(rp);
    }
    for (size_t i = 0; rc == 0 && i < rp->nmrs; i++)
        if (rp->mrs[i]->n > 0)
            rc = repair_make_channel(rp, rp->mrs[i]);
    if (rc == 0)
        note_idle_meter_readings(rp);
    for (size_t i = 0; rc == 0 && i < rp->sums.n; i++)
        rc = repair_add_summary(rp, rp->sums.items[i]);
    if (rc == 0)
        repair_note_empty_usage_points(rp);
    if (rc == 0)
        rc = repair_time_params(rp);
    if (rc == 0 && rp->carried == 0)
        repair_note(rp, "repair-no-usage", T_FEED, feed->line,
                    "without usage data (no IntervalReading with a value, no summary)",
                    "nothing of it can be written: a usage feed needs readings or summaries", NULL);
    return rc;
}

/* ------------------------------------------------------------------ */
/* The reader's callback                                               */
/* ------------------------------------------------------------------ */

static int keep(repair *rp, list *l, const void *item)
{
    return list_push(l, item) ? repair_nomem(rp) : 0;
}

static int on_resource(const espi_resource *res, void *ctx)
{
    repair *rp = ctx;
    int rc = 0;
    switch (res->kind) {
    case ESPI_RES_USAGE_POINT: rc = add_usage_point(rp, res->u.usage_point); break;
    case ESPI_RES_METER_READING:
        rc = repair_meter_reading_info(rp, res->u.meter_reading) ? 0 : repair_nomem(rp);
        break;
    case ESPI_RES_READING_TYPE: rc = keep(rp, &rp->rts, res->u.reading_type); break;
    case ESPI_RES_LOCAL_TIME_PARAMETERS: rc = keep(rp, &rp->ltps, res->u.ltp); break;
    case ESPI_RES_INTERVAL_READING: rc = repair_on_reading(rp, res->u.reading); break;
    case ESPI_RES_USAGE_SUMMARY: rc = keep(rp, &rp->sums, res->u.usage_summary); break;
    case ESPI_RES_QUALITY_SUMMARY:
        repair_note(rp, "repair-not-carried", T_QUALITY, res->u.quality_summary->entry.line,
                    "resource(s)", "not carried: the feed model has no power-quality data", NULL);
        break;
    case ESPI_RES_OTHER: note_other(rp, res); break;
    case ESPI_RES_FEED: rc = finish(rp, res->u.feed); break;
    default: break;
    }
    return rc ? rc : rp->failed ? rp->err->status : 0;
}

/* ------------------------------------------------------------------ */
/* The input                                                           */
/* ------------------------------------------------------------------ */

static void free_resources(repair *rp)
{
    for (size_t i = 0; i < rp->nups; i++) {
        free(rp->ups[i]->key);
        free(rp->ups[i]->tariff);
        free(rp->ups[i]->read_cycle);
        free(rp->ups[i]);
    }
    free(rp->ups);
    for (size_t i = 0; i < rp->nmrs; i++) {
        free(rp->mrs[i]->key);
        free(rp->mrs[i]->readings);
        free(rp->mrs[i]);
    }
    free(rp->mrs);
    for (size_t i = 0; i < rp->norphans; i++) {
        free(rp->orphans[i]->up);
        free(rp->orphans[i]->self);
        free(rp->orphans[i]->readings);
        free(rp->orphans[i]);
    }
    free(rp->orphans);
    free(rp->rts.items);
    free(rp->ltps.items);
    free(rp->sums.items);
}

static void repair_free(repair *rp)
{
    free_resources(rp);
    xmlHashFree(rp->by_res, NULL);
    xmlHashFree(rp->keys, NULL);
    repair_report_free(rp);
    repair_tapped_free(rp);
    hashset_free(&rp->ids);
}

/* One pass of the reader, observed and tapped. */
static int read_feed(repair *rp, FILE *f, const unsigned char *head, size_t head_len)
{
    repair_tap_reset(rp);
    read_observer obs = {.ctx = rp,
                         .field = repair_on_field,
                         .entry = repair_on_entry,
                         .plug = repair_tap_plug,
                         .unplug = repair_tap_unplug,
                         .head = (const char *)head,
                         .head_len = head_len,
                         .uncapped = true};
    /* the model holds every reading anyway: the reader may hold back as many
     * as it takes to join them all, so that joins that only the whole file
     * decides (its only MeterReading, say) are made */
    espi_read_options ro = {repair_on_reader_diag, rp, 0, SIZE_MAX};
    espi_error read_err;
    int rc = reader_run(f, rp->name, &ro, &obs, on_resource, rp, &read_err);
    if (rp->failed)
        return rp->err->status;
    if (rc != 0)
        *rp->err = read_err;
    return rc;
}

int repair_read_into(const convert_input *in, FILE *f, espi_error *err)
{
    libinit_once(); /* before xmlHashCreate: libxml2's first use is not thread-safe */
    repair rp = {.in = in, .name = in->name ? in->name : "<input>", .err = err};
    unsigned char head[HEAD_BYTES];
    size_t n = fread(head, 1, sizeof head, f);
    if (n < sizeof head && ferror(f)) {
        char reason[128];
        err_strerror(errno ? errno : EIO, reason, sizeof reason);
        return err_fail(err, ESPI_E_IO, "io", &(err_loc){rp.name, 0, 0, NULL}, "cannot read: %s",
                        reason);
    }
    zip_input *z = NULL;
    int rc = zip_input_sniff(head, n) ? zip_input_open(&z, f, head, n, rp.name, err) : 0;
    if (rc != 0)
        return rc;
    hashset_init(&rp.ids, ID_SET_MAX);
    rp.by_res = xmlHashCreate(64);
    rp.keys = xmlHashCreate(64);
    if (rp.by_res == NULL || rp.keys == NULL)
        rc = err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    if (rc == 0 && z) {
        rp.name = zip_input_name(z);
        rc = read_feed(&rp, zip_input_stream(z), NULL, 0);
        if (zip_input_check(z, NULL) != 0) /* a damaged member reads as an I/O error */
            rc = zip_input_check(z, err);
    } else if (rc == 0) {
        rc = read_feed(&rp, f, head, n);
    }
    repair_report(&rp);
    repair_free(&rp);
    zip_input_close(z);
    return rc;
}
