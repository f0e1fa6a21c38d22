/* SPDX-License-Identifier: Apache-2.0 */
/* poll_model.c - from a parsed SmartHub poll response to the feed model:
 * status check, meters joined to series, units, flow directions, costs
 * joined to usage by wall time, and per-point DST handling.
 *
 * The JSON streams in (smarthub/poll_parse.c), but the model is built whole
 * before anything is written: a response's key order is free, so meters,
 * costs and interval lengths may come after the points they describe, and
 * the feed groups readings by channel and local day. Memory therefore
 * follows the number of points (tens of bytes each), not the text. */
#include "convert/input.h"
#include "common/error.h"
#include "convert/model.h"
#include "convert/smarthub/poll.h"
#include "common/tz.h"
#include "convert/wallclock.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* What a SmartHub flowDirection becomes in ESPI. */
typedef struct flow_map {
    const char *name;
    int espi;       /* FlowDirectionKind */
    bool magnitude; /* values made non-negative: co-ops sign returns either way */
} flow_map;

static const flow_map flows[] = {
    {"FORWARD", 1, false}, {"TOTAL", 1, false}, {"REVERSE", 19, true},
    {"RETURN", 19, true},  {"NET", 4, false},
};

/* Units espi converts: the decimal scale to reach ESPI's integers. */
typedef struct unit_map {
    const char *name;
    int scale; /* kWh -> Wh: 3; dollars -> hundred-thousandths: 5 */
    int code;  /* uom, or ISO 4217 currency for cost */
} unit_map;

static const unit_map usage_units[] = {{"KWH", 3, 72}};
static const unit_map cost_units[] = {{"USD", 5, 840}, {"CAD", 5, 124}};

typedef struct converter {
    const sh_doc *doc;
    const char *name;
    const convert_input *in;
    espi_error *err;
    size_t summaries; /* billing periods read (MONTHLY) */
} converter;

static err_loc entry_loc(const converter *c, const sh_entry *e, uint32_t line)
{
    return (err_loc){c->name, line ? line : e->line, 0, NULL};
}

static void warn(const converter *c, const char *code, const err_loc *loc, const char *fmt, ...)
    ATTR_PRINTF(4, 5);

static void warn(const converter *c, const char *code, const err_loc *loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_vemit(c->in->on_diag, c->in->diag_ctx, ESPI_SEV_WARNING, code, loc, fmt, ap);
    va_end(ap);
}

static int check_status(const converter *c)
{
    const sh_doc *d = c->doc;
    err_loc loc = {c->name, d->status_line, 0, NULL};
    if (d->status == NULL)
        return err_fail(c->err, ESPI_E_INPUT, "smarthub-no-status", &loc,
                        "the JSON has no \"status\"; expected a SmartHub poll response with "
                        "\"status\": \"COMPLETE\"");
    if (strcmp(d->status, "COMPLETE") == 0)
        return 0;
    if (strcmp(d->status, "PENDING") == 0)
        return err_fail(c->err, ESPI_E_INPUT, "smarthub-pending", &loc,
                        "the poll response is PENDING: SmartHub had not finished preparing the "
                        "data; poll again with the same request until it says COMPLETE");
    return err_fail(c->err, ESPI_E_INPUT, "smarthub-status", &loc,
                    "the poll response status is \"%s\"; expected \"COMPLETE\"", d->status);
}

static const unit_map *find_unit(const unit_map *units, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(units[i].name, name) == 0)
            return &units[i];
    return NULL;
}

static const flow_map *find_flow(const char *name)
{
    for (size_t i = 0; i < sizeof flows / sizeof flows[0]; i++)
        if (strcmp(flows[i].name, name) == 0)
            return &flows[i];
    return NULL;
}

/* The meter and flow of a series, joined by meters[].seriesId == name. */
static int series_meter(const converter *c, const sh_entry *e, const sh_series *s,
                        const char **meter, const flow_map **flow)
{
    const char *name = s->name ? s->name : "";
    for (size_t i = 0; i < e->nmeters; i++) {
        const sh_meter *m = &e->meters[i];
        if (m->series_id == NULL || strcmp(m->series_id, name) != 0)
            continue;
        err_loc loc = entry_loc(c, e, m->line);
        *meter = m->meter_number ? m->meter_number : name;
        if (m->flow_direction == NULL) {
            warn(c, "smarthub-no-flow", &loc,
                 "meter for series '%s' has no flowDirection; read as FORWARD", name);
            *flow = &flows[0];
            return 0;
        }
        *flow = find_flow(m->flow_direction);
        if (*flow == NULL)
            return err_fail(c->err, ESPI_E_INPUT, "smarthub-flow", &loc,
                            "unknown flowDirection \"%s\" for series '%s'; expected FORWARD, "
                            "TOTAL, REVERSE, RETURN or NET",
                            m->flow_direction, name);
        return 0;
    }
    err_loc loc = entry_loc(c, e, s->line);
    if (e->nmeters > 0)
        return err_fail(c->err, ESPI_E_INPUT, "smarthub-no-meter", &loc,
                        "series '%s' has no meter with that seriesId in \"meters\", so its flow "
                        "direction is unknown",
                        name);
    warn(c, "smarthub-no-meters", &loc,
         "the entry lists no meters; series '%s' is read as FORWARD (delivered)", name);
    *meter = s->meter_number ? s->meter_number : name;
    *flow = &flows[0];
    return 0;
}

/* Checks x: whole seconds, between 1900 and 2200. */
static int point_wall(const converter *c, const sh_series *s, const sh_point *pt, int64_t *wall)
{
    const int64_t lo = -2208988800LL * 1000, hi = 7258118400LL * 1000;
    err_loc loc = {c->name, pt->line, 0, NULL};
    if (pt->x_ms % 1000 != 0 || pt->x_ms < lo || pt->x_ms >= hi)
        return err_fail(c->err, ESPI_E_INPUT, "smarthub-bad-x", &loc,
                        "series '%s' has x = %lld, which is not a time in whole seconds between "
                        "1900 and 2200",
                        s->name ? s->name : "", (long long)pt->x_ms);
    *wall = pt->x_ms / 1000;
    return 0;
}

/* Tracks values that lost digits below the unit, to say so once per series. */
typedef struct rounding_note {
    size_t count;
    uint32_t first_line;
} rounding_note;

/* y scaled to ESPI's integers, which are 48-bit. */
static int scaled(const converter *c, const sh_point *pt, int scale, rounding_note *note,
                  int64_t *out)
{
    dec_info info;
    dec_status st = dec_to_scaled(out, &info, pt->y, scale);
    if (st != DEC_OK || *out > INT48_MAX || *out < -INT48_MAX) {
        err_loc loc = {c->name, pt->line, 0, NULL};
        return err_fail(c->err, ESPI_E_INPUT, "value-range", &loc,
                        "a value is too large: ESPI values and costs are 48-bit integers (at "
                        "most %lld)",
                        (long long)INT48_MAX);
    }
    if (info.rounded && !info.noise && note->count++ == 0)
        note->first_line = pt->line;
    return 0;
}

static void report_rounding(const converter *c, const char *series, const rounding_note *note,
                            const char *unit)
{
    if (note->count == 0)
        return;
    err_loc loc = {c->name, note->first_line, 0, NULL};
    warn(c, "value-rounded", &loc,
         "series '%s': %zu value(s) have digits below 1 %s and were rounded to whole %s", series,
         note->count, unit, unit);
}

/* Every point of a series, nulls included (they count when a repeated wall
 * time is numbered), in wall_point_compare order, with y scaled. */
static int read_points(const converter *c, const sh_series *s, int scale, const char *unit,
                       wall_point **out, size_t *nvalues)
{
    wall_point *w = calloc(s->npoints ? s->npoints : 1, sizeof *w);
    if (w == NULL)
        return err_fail(c->err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    rounding_note note = {0, 0};
    size_t values = 0;
    int rc = 0;
    for (size_t i = 0; i < s->npoints && rc == 0; i++) {
        const sh_point *pt = &s->points[i];
        w[i].line = pt->line;
        w[i].order = (uint32_t)i;
        rc = point_wall(c, s, pt, &w[i].wall);
        if (rc == 0 && pt->has_y) {
            rc = scaled(c, pt, scale, &note, &w[i].value);
            w[i].has_value = true;
            values++;
        }
    }
    if (rc != 0) {
        free(w);
        return rc;
    }
    if (s->npoints > 1)
        qsort(w, s->npoints, sizeof *w, wall_point_compare);
    report_rounding(c, s->name ? s->name : "", &note, unit);
    *out = w;
    *nvalues = values;
    return 0;
}

/* Signs seen in a series, to report the ones the flow direction makes odd. */
typedef struct sign_note {
    size_t negative, positive;
    uint32_t first_negative, first_positive;
} sign_note;

static void note_sign(sign_note *n, int64_t value, uint32_t line)
{
    if (value < 0 && n->negative++ == 0)
        n->first_negative = line;
    if (value > 0 && n->positive++ == 0)
        n->first_positive = line;
}

/* Delivered energy below zero, or received energy given with both signs,
 * is written as specified but deserves a look. */
static void report_signs(const converter *c, const char *series, const flow_map *flow,
                         const sign_note *n)
{
    if (flow->espi == 1 && n->negative > 0) {
        err_loc loc = {c->name, n->first_negative, 0, NULL};
        warn(c, "negative-delivered", &loc,
             "series '%s' (%s): %zu negative value(s) on a delivered-energy channel are written "
             "as negative Wh",
             series, flow->name, n->negative);
    } else if (flow->magnitude && n->negative > 0 && n->positive > 0) {
        bool fewer_positive = n->positive < n->negative;
        err_loc loc = {c->name, fewer_positive ? n->first_positive : n->first_negative, 0, NULL};
        warn(c, "mixed-signs", &loc,
             "series '%s' (%s) has %zu positive and %zu negative values; all are written as "
             "received energy, made non-negative",
             series, flow->name, n->positive, n->negative);
    }
}

/* Makes received energy non-negative, as co-ops sign it either way. */
static void apply_flow(const converter *c, const sh_series *s, const flow_map *flow, wall_point *w,
                       size_t n)
{
    sign_note signs = {0, 0, 0, 0};
    for (size_t i = 0; i < n; i++) {
        if (!w[i].has_value)
            continue;
        note_sign(&signs, w[i].value, w[i].line);
        if (flow->magnitude && w[i].value < 0)
            w[i].value = -w[i].value;
    }
    report_signs(c, s->name ? s->name : "", flow, &signs);
}

/* Nominal length of a point from xToOrderedInterval: seconds, 0 when the
 * map has no usable entry (absent, or not 1 s .. a year in whole seconds). */
static int64_t mapped_length(const sh_entry *e, int64_t x_ms, bool *unusable)
{
    int64_t ms = sh_entry_interval_ms(e, x_ms);
    if (ms == 0)
        return 0;
    if (ms < 0 || ms % 1000 != 0 || ms / 1000 > WALL_MAX_LENGTH) {
        *unusable = true;
        return 0;
    }
    return ms / 1000;
}

/* The length when the map has none: the usual spacing of the series, else
 * what the time frame says. */
static int fallback_length(const converter *c, const sh_entry *e, const sh_series *s,
                           int64_t spacing, int64_t *out)
{
    const char *tf = e->time_frame ? e->time_frame : "";
    if (spacing > 0 && spacing <= WALL_MAX_LENGTH)
        *out = spacing;
    else if (strcmp(tf, "HOURLY") == 0 || strcmp(tf, "DAILY") == 0)
        *out = tf[0] == 'H' ? 3600 : 86400;
    else {
        err_loc loc = entry_loc(c, e, s->line);
        return err_fail(c->err, ESPI_E_INPUT, "smarthub-interval", &loc,
                        "cannot tell the interval length of series '%s': no usable "
                        "xToOrderedInterval, a single point, and timeFrame \"%s\"",
                        s->name ? s->name : "", tf);
    }
    return 0;
}

/* Nominal length of every point: xToOrderedInterval, else the fallback.
 * Spacing counts every x, nulls included, so gaps do not stretch it. */
static int set_lengths(const converter *c, const sh_entry *e, const sh_series *s, wall_point *w,
                       size_t n)
{
    int64_t fallback = 0;
    bool unusable = false, have_fallback = false;
    for (size_t i = 0; i < n; i++) {
        w[i].length = mapped_length(e, w[i].wall * 1000, &unusable);
        if (w[i].length > 0)
            continue;
        if (!have_fallback) {
            int rc = fallback_length(c, e, s, wall_points_spacing(w, n), &fallback);
            if (rc != 0)
                return rc;
            have_fallback = true;
        }
        w[i].length = fallback;
    }
    if (unusable) {
        err_loc loc = entry_loc(c, e, s->line);
        warn(c, "smarthub-bad-interval", &loc,
             "series '%s': some xToOrderedInterval lengths are not between 1 s and a year; the "
             "point spacing is used for those points",
             s->name ? s->name : "");
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Channels                                                            */
/* ------------------------------------------------------------------ */

/* A channel being assembled: where it comes from and its points. */
typedef struct pending {
    const sh_entry *entry;
    const sh_series *series;
    const char *meter;
    const flow_map *flow;
    const unit_map *unit;
    wall_point *points; /* every point, nulls included, sorted */
    size_t npoints;
    int currency;
} pending;

typedef struct pending_list {
    pending *items;
    size_t n;
} pending_list;

static void pending_free(pending_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->items[i].points);
    free(l->items);
}

static pending *find_pending(pending_list *l, const sh_entry *e, const char *meter, int flow)
{
    for (size_t i = 0; i < l->n; i++) {
        pending *p = &l->items[i];
        if (p->flow->espi == flow && strcmp(p->meter, meter) == 0 &&
            model_same_name(p->entry->account, e->account) &&
            model_same_name(p->entry->location, e->location))
            return p;
    }
    return NULL;
}

/* Keeps a USAGE series as a channel to be; one that has no reading at all
 * (every y null) is left out with a warning rather than written empty. */
static int add_usage_series(converter *c, pending_list *l, const sh_entry *e, const sh_series *s,
                            const unit_map *unit)
{
    const char *meter, *name = s->name ? s->name : "";
    const flow_map *flow;
    int rc = series_meter(c, e, s, &meter, &flow);
    if (rc != 0)
        return rc;
    err_loc loc = entry_loc(c, e, s->line);
    if (find_pending(l, e, meter, flow->espi) != NULL)
        return err_fail(c->err, ESPI_E_INPUT, "smarthub-duplicate-channel", &loc,
                        "series '%s' repeats meter %s with flowDirection %s; expected one series "
                        "per meter and direction",
                        name, meter, flow->name);
    pending p = {e, s, meter, flow, unit, NULL, 0, 0};
    size_t values = 0;
    rc = read_points(c, s, unit->scale, "Wh", &p.points, &values);
    p.npoints = s->npoints;
    if (rc == 0 && values > 0) {
        apply_flow(c, s, flow, p.points, p.npoints);
        rc = set_lengths(c, e, s, p.points, p.npoints);
    }
    pending *g = rc == 0 && values > 0 ? realloc(l->items, (l->n + 1) * sizeof *g) : NULL;
    if (g != NULL) {
        l->items = g;
        l->items[l->n++] = p;
        return 0;
    }
    free(p.points);
    if (rc == 0 && values == 0)
        warn(c, "smarthub-series-empty", &loc,
             "series '%s' has no reading (every y is null); no MeterReading is written for it",
             name);
    else if (rc == 0)
        rc = err_fail(c->err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    return rc;
}

/* The usage point with the same wall time and occurrence as a cost point. */
static wall_point *match_usage(wall_point *w, size_t n, int64_t wall, int occurrence)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (w[mid].wall < wall)
            lo = mid + 1;
        else
            hi = mid;
    }
    lo += (size_t)occurrence;
    return lo < n && w[lo].wall == wall && w[lo].has_value ? &w[lo] : NULL;
}

/* Readings of a costed channel that got no cost: blocks without any cost
 * break the Green Button cost rule (FB_12), so the user should know. */
static void report_missing_cost(const converter *c, const pending *p)
{
    size_t missing = 0, readings = 0;
    uint32_t first = 0;
    for (size_t i = 0; i < p->npoints; i++) {
        readings += p->points[i].has_value;
        if (p->points[i].has_value && !p->points[i].has_cost && missing++ == 0)
            first = p->points[i].line;
    }
    if (missing == 0)
        return;
    err_loc loc = {c->name, first, 0, NULL};
    warn(c, "cost-missing", &loc,
         "series '%s': %zu of %zu readings have no cost (no COST point at their time)",
         p->series->name ? p->series->name : "", missing, readings);
}

/* Puts each cost on the usage reading of the same wall time and occurrence
 * (the repeated fall-back hour has two); counts the ones that find none. */
static void attach_costs(pending *p, const wall_point *cost, size_t n, size_t *unmatched,
                         uint32_t *first_line)
{
    int occurrence = 0;
    for (size_t k = 0; k < n; k++) {
        occurrence = k > 0 && cost[k].wall == cost[k - 1].wall ? occurrence + 1 : 0;
        if (!cost[k].has_value)
            continue;
        wall_point *w = match_usage(p->points, p->npoints, cost[k].wall, occurrence);
        if (w == NULL) {
            if ((*unmatched)++ == 0 || cost[k].line < *first_line)
                *first_line = cost[k].line;
            continue;
        }
        w->cost = cost[k].value;
        w->has_cost = true;
    }
}

static int add_cost_series(converter *c, pending_list *l, const sh_entry *e, const sh_series *s,
                           const unit_map *unit)
{
    const char *meter, *name = s->name ? s->name : "";
    const flow_map *flow;
    int rc = series_meter(c, e, s, &meter, &flow);
    if (rc != 0)
        return rc;
    pending *p = find_pending(l, e, meter, flow->espi);
    if (p == NULL) {
        err_loc loc = entry_loc(c, e, s->line);
        warn(c, "smarthub-cost-alone", &loc,
             "COST series '%s' has no USAGE readings for its meter and direction; its costs are "
             "not written",
             name);
        return 0;
    }
    wall_point *cost;
    size_t values, unmatched = 0;
    uint32_t first_line = 0;
    if ((rc = read_points(c, s, unit->scale, "hundred-thousandth", &cost, &values)) != 0)
        return rc;
    p->currency = unit->code;
    attach_costs(p, cost, s->npoints, &unmatched, &first_line);
    free(cost);
    report_missing_cost(c, p);
    if (unmatched > 0) {
        err_loc loc = {c->name, first_line, 0, NULL};
        warn(c, "smarthub-cost-unmatched", &loc,
             "COST series '%s': %zu cost point(s) have no usage reading at the same time and are "
             "not written",
             name, unmatched);
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Entries                                                             */
/* ------------------------------------------------------------------ */

typedef enum entry_role { ROLE_SKIP, ROLE_USAGE, ROLE_COST } entry_role;

/* MONTHLY entries hold billing periods, read as summaries (bills below). */
static bool is_monthly(const sh_entry *e)
{
    return e->time_frame && strcmp(e->time_frame, "MONTHLY") == 0;
}

/* Decides what an entry is, warning about the ones espi leaves out. */
static int entry_role_of(const converter *c, const sh_entry *e, bool quiet, const unit_map **unit,
                         entry_role *role)
{
    const char *type = e->type ? e->type : "";
    err_loc loc = entry_loc(c, e, 0);
    *role = ROLE_SKIP;
    if (strcmp(e->industry, "ELECTRIC") != 0) {
        if (!quiet)
            warn(c, "smarthub-industry", &loc,
                 "skipping %s data: only ELECTRIC usage is converted so far", e->industry);
        return 0;
    }
    bool usage = strcmp(type, "USAGE") == 0, cost = strcmp(type, "COST") == 0;
    if (!usage && !cost) {
        if (!quiet)
            warn(c, "smarthub-entry-type", &loc,
                 "skipping an entry of type \"%s\": only USAGE and COST are read%s", type,
                 strcmp(type, "TIME_OF_USE") == 0 ? " (time-of-use series repeat the usage)" : "");
        return 0;
    }
    const char *unit_name = e->unit ? e->unit : usage ? "KWH" : "USD";
    *unit = usage ? find_unit(usage_units, 1, unit_name)
                  : find_unit(cost_units, sizeof cost_units / sizeof cost_units[0], unit_name);
    if (*unit == NULL)
        return err_fail(c->err, ESPI_E_INPUT, "smarthub-unit", &loc,
                        "%s entry has unitOfMeasure \"%s\"; expected %s", type, unit_name,
                        usage ? "KWH" : "USD or CAD");
    *role = usage ? ROLE_USAGE : ROLE_COST;
    return 0;
}

/* USAGE entries first, so costs find their readings whatever the order. */
static int collect(converter *c, pending_list *l)
{
    for (int pass = ROLE_USAGE; pass <= ROLE_COST; pass++) {
        for (size_t i = 0; i < c->doc->nentries; i++) {
            const sh_entry *e = &c->doc->entries[i];
            const unit_map *unit = NULL;
            entry_role role;
            int rc = entry_role_of(c, e, pass == ROLE_COST, &unit, &role);
            if (rc != 0)
                return rc;
            if ((int)role != pass || is_monthly(e))
                continue;
            for (size_t k = 0; k < e->nseries && rc == 0; k++)
                rc = pass == ROLE_USAGE ? add_usage_series(c, l, e, &e->series[k], unit)
                                        : add_cost_series(c, l, e, &e->series[k], unit);
            if (rc != 0)
                return rc;
        }
    }
    return 0;
}

/* ReadingType of an electricity channel in Wh (docs/standard.md section 11 rule 6).
 * intervalLength is set when the inputs are merged. A currency is never
 * cleared: another input may give the costs of the same channel. */
static void set_reading_type(model_channel *ch, const pending *p)
{
    ch->rt.accumulation = 4;
    ch->rt.commodity = 1;
    if (p->currency != 0)
        ch->rt.currency = p->currency;
    ch->rt.kind = 12;
    ch->rt.phase = 769;
    ch->rt.power_of_ten = 0;
}

/* Puts the channel into the model: its usage point, its readings in UTC
 * (merged with other inputs' and grouped into days later). */
static int convert_channel(converter *c, const pending *p)
{
    model_usage_point *up =
        model_feed_usage_point(c->in->feed, p->entry->account, p->entry->location);
    model_channel_key key = model_channel_key_make(p->meter, p->flow->espi, p->unit->code);
    model_channel *ch = up ? model_usage_point_channel(up, &key) : NULL;
    if (ch == NULL)
        return err_fail(c->err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    set_reading_type(ch, p);
    wall_context wc = {c->in->tz,      c->name,         p->series->name, "Wh",
                       c->in->on_diag, c->in->diag_ctx, c->in->source};
    return wall_points_to_readings(ch, p->points, p->npoints, &wc, c->err);
}

static int convert_channels(converter *c, pending_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        int rc = convert_channel(c, &l->items[i]);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Bills: a MONTHLY response, one UsageSummary per billing period      */
/* ------------------------------------------------------------------ */

/* The open billing cycle is dated December 9999 ("Dec 9999"). */
#define OPEN_CYCLE_MS ((int64_t)253370764800000) /* 9999-01-01 */

/* One billing period being summed over the meters of a location. */
typedef struct bill {
    int64_t start_ms, end_ms; /* wall clock as if UTC */
    int64_t wh, cost;
    bool has_cost, open;
    uint32_t line;
} bill;

typedef struct bill_list {
    const sh_entry *entry; /* the USAGE entry: account and location */
    bill *items;
    size_t n, cap;
} bill_list;

/* The flow a MONTHLY series is summarised under: delivered energy, else
 * net; other series are left out of the summaries with a warning. */
static int bill_flow(const sh_entry *e, const converter *c)
{
    int best = 0;
    for (size_t i = 0; i < e->nseries; i++) {
        const char *meter;
        const flow_map *flow;
        espi_error scratch;
        convert_input silent = *c->in; /* the series are read again below, with warnings */
        silent.on_diag = NULL;
        converter quiet = *c;
        quiet.in = &silent;
        quiet.err = &scratch;
        if (series_meter(&quiet, e, &e->series[i], &meter, &flow) != 0)
            continue;
        if (flow->espi == 1)
            return 1;
        if (flow->espi == 4)
            best = 4;
    }
    return best;
}

static bill *find_bill(bill_list *l, int64_t start_ms)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->items[i].start_ms == start_ms)
            return &l->items[i];
    return NULL;
}

/* The billing period of a point, from xToOrderedInterval. */
static int bill_of(converter *c, bill_list *l, const sh_entry *e, const sh_series *s,
                   const sh_point *pt, bool create, bill **out)
{
    const sh_interval *iv = sh_entry_interval(e, pt->x_ms);
    err_loc loc = {c->name, pt->line, 0, NULL};
    if (iv == NULL || iv->end_ms <= iv->start_ms || iv->start_ms % 1000 || iv->end_ms % 1000)
        return err_fail(c->err, ESPI_E_INPUT, "smarthub-bill-period", &loc,
                        "series '%s': the MONTHLY point x = %lld has no usable billing period "
                        "in xToOrderedInterval (start before end, whole seconds)",
                        s->name ? s->name : "", (long long)pt->x_ms);
    *out = find_bill(l, iv->start_ms);
    if (*out != NULL || !create)
        return 0;
    bill *grown = realloc(l->items, (l->n + 1) * sizeof *grown);
    if (grown == NULL)
        return err_fail(c->err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    l->items = grown;
    *out = &l->items[l->n++];
    **out = (bill){iv->start_ms,
                   iv->end_ms,
                   0,
                   0,
                   false,
                   pt->x_ms >= OPEN_CYCLE_MS || iv->end_ms >= OPEN_CYCLE_MS,
                   pt->line};
    return 0;
}

/* Adds the points of the entry's series of the given flow to the bills:
 * kWh to Wh (cost false) or dollars to hundred-thousandths (cost true). */
static int add_bill_points(converter *c, bill_list *l, const sh_entry *e, int flow_code, bool cost)
{
    for (size_t i = 0; i < e->nseries; i++) {
        const sh_series *s = &e->series[i];
        const char *meter;
        const flow_map *flow;
        int rc = series_meter(c, e, s, &meter, &flow);
        if (rc != 0)
            return rc;
        if (flow->espi != flow_code) {
            if (!cost) {
                err_loc loc = entry_loc(c, e, s->line);
                warn(c, "smarthub-bill-flow", &loc,
                     "MONTHLY series '%s' (%s) is not summarised: bills carry the %s energy",
                     s->name ? s->name : "", flow->name, flow_code == 1 ? "delivered" : "net");
            }
            continue;
        }
        rounding_note note = {0, 0};
        for (size_t k = 0; k < s->npoints; k++) {
            const sh_point *pt = &s->points[k];
            bill *b = NULL;
            int64_t v;
            if (!pt->has_y)
                continue;
            if ((rc = bill_of(c, l, e, s, pt, !cost, &b)) != 0 ||
                (rc = scaled(c, pt, cost ? 5 : 3, &note, &v)) != 0)
                return rc;
            if (b == NULL) {
                err_loc loc = {c->name, pt->line, 0, NULL};
                warn(c, "smarthub-cost-unmatched", &loc,
                     "MONTHLY COST point x = %lld has no usage for its billing period; it is "
                     "not written",
                     (long long)pt->x_ms);
                continue;
            }
            int64_t *sum = cost ? &b->cost : &b->wh;
            if ((v > 0 && *sum > INT48_MAX - v) || (v < 0 && *sum < -INT48_MAX - v)) {
                err_loc loc = {c->name, pt->line, 0, NULL};
                return err_fail(c->err, ESPI_E_INPUT, "value-range", &loc,
                                "the billing period's total passes ESPI's 48-bit limit (%lld) "
                                "with this value",
                                (long long)INT48_MAX);
            }
            *sum += v;
            b->has_cost = b->has_cost || cost;
        }
        report_rounding(c, s->name ? s->name : "", &note, cost ? "hundred-thousandth" : "Wh");
    }
    return 0;
}

/* A wall-clock time of the co-op as a UTC instant (a time in the spring
 * gap is where the gap ends). */
static int64_t wall_utc(const converter *c, int64_t wall)
{
    int64_t t[2], gap_end = wall;
    int n = espi_tz_wall_to_utc(t, &gap_end, c->in->tz, wall);
    return n > 0 ? t[0] : gap_end;
}

static void local_date(const converter *c, char buf[16], int64_t utc)
{
    int64_t y;
    int m, d;
    tz_civil_from_days(tz_days_of(utc + espi_tz_offset_at(NULL, c->in->tz, utc)), &y, &m, &d);
    snprintf(buf, 16, "%04lld-%02d-%02d", (long long)y % 10000, m, d);
}

/* A closed billing period as a summary: consumption, the bill when there
 * is one, and revenue quality (these are the amounts the co-op billed). */
static int closed_summary(converter *c, model_summary *s, const bill *b, int currency)
{
    model_summary_init(s);
    int64_t start = wall_utc(c, b->start_ms / 1000), end = wall_utc(c, b->end_ms / 1000);
    if (end <= start || end - start > WALL_MAX_LENGTH) {
        err_loc loc = {c->name, b->line, 0, NULL};
        return err_fail(c->err, ESPI_E_INPUT, "smarthub-bill-period", &loc,
                        "a billing period must last between 1 s and a year; this one is %lld s",
                        (long long)(end - start));
    }
    s->billing_start = start;
    s->billing_duration = (uint32_t)(end - start);
    s->overall = (model_measure){b->wh, ESPI_TIME_UNSET, 0, 72, true};
    if (b->has_cost) {
        /* SmartHub gives a bill's total only: the whole bill to date, no
         * itemised additional cost (certification asks for all three) */
        s->bill_last_period = s->bill_to_date = b->cost;
        s->has_bill_last_period = s->has_bill_to_date = true;
        s->cost_additional = 0;
        s->has_cost_additional = true;
        s->currency = currency;
    }
    s->quality = 19; /* revenue-quality */
    s->status_time = end;
    s->commodity = 1;
    s->line = b->line;
    s->source = c->in->source;
    return 0;
}

/* The open cycle is not a bill. It is kept as an open-cycle summary: when
 * the inputs are merged, the newest one goes on the newest closed period's
 * summary as its consumption so far (and cost to date). */
static void open_cycle(converter *c, const sh_entry *e, model_summary *s, const bill *b,
                       int currency)
{
    model_summary_init(s);
    s->open_cycle = true;
    s->billing_start = wall_utc(c, b->start_ms / 1000);
    /* as of the end of the request, or failing that the cycle's start */
    int64_t as_of = e->has_end ? e->end_ms / 1000 : s->billing_start;
    s->current = (model_measure){b->wh, as_of, 0, 72, true};
    s->status_time = as_of;
    if (b->has_cost) {
        s->bill_to_date = b->cost;
        s->has_bill_to_date = true;
        s->currency = currency;
    }
    s->line = b->line;
    s->source = c->in->source;
}

static void summary_title(const converter *c, char title[96], const model_summary *s)
{
    char from[16], to[16];
    local_date(c, from, s->billing_start);
    local_date(c, to, s->billing_start + s->billing_duration);
    if (s->open_cycle)
        snprintf(title, 96, "Open billing period from %s", from);
    else
        snprintf(title, 96, "Billing period %s to %s", from, to);
}

static int store_bills(converter *c, const bill_list *l, int currency)
{
    model_usage_point *up =
        model_feed_usage_point(c->in->feed, l->entry->account, l->entry->location);
    if (up == NULL)
        return err_fail(c->err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    int rc = 0;
    for (size_t i = 0; i < l->n && rc == 0; i++) {
        model_summary s;
        if (l->items[i].open)
            open_cycle(c, l->entry, &s, &l->items[i], currency);
        else
            rc = closed_summary(c, &s, &l->items[i], currency);
        if (rc != 0)
            break;
        char title[96];
        summary_title(c, title, &s);
        s.title = title;
        if (model_usage_point_add_summary(up, &s) != 0)
            rc = err_fail(c->err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
        c->summaries++;
    }
    return rc;
}

/* The COST entry of the same location and time frame as a USAGE entry. */
static const sh_entry *cost_entry_for(const converter *c, const sh_entry *usage,
                                      const unit_map **unit)
{
    for (size_t i = 0; i < c->doc->nentries; i++) {
        const sh_entry *e = &c->doc->entries[i];
        if (!is_monthly(e) || strcmp(e->industry, usage->industry) != 0 || e->type == NULL ||
            strcmp(e->type, "COST") != 0 || !model_same_name(e->account, usage->account) ||
            !model_same_name(e->location, usage->location))
            continue;
        *unit = find_unit(cost_units, sizeof cost_units / sizeof cost_units[0],
                          e->unit ? e->unit : "USD");
        return *unit ? e : NULL;
    }
    return NULL;
}

static int read_bills_of(converter *c, const sh_entry *e)
{
    int flow = bill_flow(e, c);
    if (flow == 0) {
        err_loc loc = entry_loc(c, e, 0);
        return err_fail(c->err, ESPI_E_INPUT, "smarthub-bill-flow", &loc,
                        "the MONTHLY USAGE entry has no FORWARD, TOTAL or NET series to "
                        "summarise");
    }
    bill_list l = {e, NULL, 0, 0};
    const unit_map *cost_unit = NULL;
    const sh_entry *cost = cost_entry_for(c, e, &cost_unit);
    int rc = add_bill_points(c, &l, e, flow, false);
    if (rc == 0 && cost != NULL)
        rc = add_bill_points(c, &l, cost, flow, true);
    if (rc == 0)
        rc = store_bills(c, &l, cost_unit ? cost_unit->code : 0);
    free(l.items);
    return rc;
}

static int read_bills(converter *c)
{
    for (size_t i = 0; i < c->doc->nentries; i++) {
        const sh_entry *e = &c->doc->entries[i];
        const unit_map *unit = NULL;
        entry_role role;
        int rc = entry_role_of(c, e, true, &unit, &role);
        if (rc == 0 && role == ROLE_USAGE && is_monthly(e))
            rc = read_bills_of(c, e);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int check_not_empty(const converter *c, size_t readings_before)
{
    espi_feed_stats st;
    espi_feed_stats_get(&st, c->in->feed);
    if (st.readings > readings_before || c->summaries > 0)
        return 0;
    err_loc loc = {c->name, 0, 0, NULL};
    return err_fail(c->err, ESPI_E_INPUT, "smarthub-no-points", &loc,
                    "the response holds no usable points: no USAGE series with a non-null "
                    "reading under data.ELECTRIC");
}

int sh_json_read_into(const convert_input *in, FILE *f, espi_error *err)
{
    sh_doc doc;
    pending_list pend = {NULL, 0};
    converter c = {&doc, in->name, in, err, 0};
    espi_feed_stats before;
    espi_feed_stats_get(&before, in->feed);
    int rc = sh_parse(&doc, f, in->name, err);
    if (rc == 0)
        rc = check_status(&c);
    if (rc == 0)
        rc = collect(&c, &pend);
    if (rc == 0)
        rc = convert_channels(&c, &pend);
    if (rc == 0)
        rc = read_bills(&c);
    if (rc == 0)
        rc = check_not_empty(&c, before.readings);
    pending_free(&pend);
    sh_doc_free(&doc);
    return rc;
}
