/* SPDX-License-Identifier: Apache-2.0 */
/* poll_model.c - from a parsed SmartHub poll response to the feed model:
 * status check, the zone guard (the request's true UTC bounds against the
 * wall clock), meters joined to series (or flows told by series names),
 * units of electricity, gas and water, time-of-use periods as channels of
 * their own, costs joined to usage by wall time, and per-point DST handling
 * (docs/smarthub.md sections 5.4-5.7).
 *
 * The JSON streams in (smarthub/poll_parse.c), but the model is built whole
 * before anything is written: a response's key order is free, so meters,
 * costs and interval lengths may come after the points they describe, and
 * the feed groups readings by channel and local day. Memory therefore
 * follows the number of points (tens of bytes each), not the text. */
#include "convert/input.h"
#include "common/error.h"
#include "common/grow.h"
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

/* Flow directions a series name tells by its label, the text after its
 * last " - " ("88120045 - Generation"; docs/smarthub.md section 5.5). */
typedef struct flow_label {
    const char *label;
    size_t flow; /* index in flows[] */
} flow_label;

static const flow_label flow_labels[] = {
    {"Consumption", 0}, {"Delivered", 0}, {"Generation", 2}, {"Received", 2}, {"Net", 4},
};

/* Units espi converts: the decimal scale to reach ESPI's integers, and what
 * the ReadingType says of them (docs/smarthub.md section 5.6). */
typedef struct unit_map {
    const char *name;
    int scale;        /* digits kept: kWh -> Wh 3, CCF -> ft3 2; dollars -> 10^-5: 5 */
    int code;         /* uom, or ISO 4217 currency for cost */
    int kind;         /* MeasurementKind: 12 energy, 58 volume; 0 for cost */
    int power_of_ten; /* ReadingType powerOfTenMultiplier of the scaled values */
    const char *unit; /* what one scaled unit is, for messages */
} unit_map;

static const unit_map usage_units[] = {
    {"KWH", 3, 72, 12, 0, "Wh"},
    {"CCF", 2, 119, 58, 0, "ft3"},
    {"HCF", 2, 119, 58, 0, "ft3"},
    {"MCF", 3, 119, 58, 0, "ft3"},
    {"THERM", 3, 169, 12, -3, "millitherm"},
    {"THERMS", 3, 169, 12, -3, "millitherm"},
    {"GAL", 2, 128, 58, -2, "centigallon"},
    {"GALLONS", 2, 128, 58, -2, "centigallon"},
    {"KGAL", 3, 128, 58, 0, "gal"},
};
static const unit_map cost_units[] = {{"USD", 5, 840, 0, 0, "hundred-thousandth"},
                                      {"CAD", 5, 124, 0, 0, "hundred-thousandth"}};

/* Industries (keys under "data") espi converts: each becomes usage points
 * of its own ServiceCategory, at the same service location. */
typedef struct industry_map {
    const char *name;
    int service_kind;   /* ServiceKind: 0 electricity, 1 gas, 2 water */
    int commodity;      /* CommodityKind: 1 electricity, 7 natural gas, 9 potable water */
    const char *units;  /* the usage units it takes, space-separated */
    const char *suffix; /* of its usage points' location in the model ("" for electricity) */
} industry_map;

static const industry_map industries[] = {
    {"ELECTRIC", 0, 1, "KWH", ""},
    {"GAS", 1, 7, "CCF HCF MCF THERM THERMS", "/gas"},
    {"WATER", 2, 9, "GAL GALLONS KGAL CCF HCF", "/water"},
};

/* A service location number (1024 bytes at most as parsed) with the suffix
 * of its industry. */
#define LOCATION_NAME_MAX 1040

/* Strings made while reading (meter numbers cut from series names), freed
 * at the end; at most one per series. */
typedef struct string_pool {
    char **items;
    size_t n;
} string_pool;

typedef struct converter {
    const sh_doc *doc;
    const char *name;
    const convert_input *in;
    espi_error *err;
    size_t summaries; /* billing periods read (MONTHLY) */
    string_pool pool;
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

/* The meters[] item of a series: meters[].seriesId == the series' name. */
static const sh_meter *meter_of(const sh_entry *e, const char *name)
{
    for (size_t i = 0; i < e->nmeters; i++)
        if (e->meters[i].series_id != NULL && strcmp(e->meters[i].series_id, name) == 0)
            return &e->meters[i];
    return NULL;
}

/* The label of a series name: the text after its last " - "; NULL when
 * there is none. */
static const char *name_label(const char *name)
{
    const char *label = NULL;
    for (const char *p = strstr(name, " - "); p != NULL; p = strstr(p + 1, " - "))
        label = p + 3;
    return label != NULL && label[0] != '\0' ? label : NULL;
}

static const flow_map *label_flow(const char *name)
{
    const char *label = name_label(name);
    for (size_t i = 0; label != NULL && i < sizeof flow_labels / sizeof flow_labels[0]; i++)
        if (strcasecmp(flow_labels[i].label, label) == 0)
            return &flows[flow_labels[i].flow];
    return NULL;
}

/* The flow espi_convert_options.series_flows gives a series: by its whole
 * name first, else by its label. */
static const flow_map *option_flow(const converter *c, const char *name)
{
    const espi_convert_options *o = c->in->opts;
    const char *label = name_label(name);
    for (int by_label = 0; o != NULL && by_label < 2; by_label++) {
        const char *want = by_label ? label : name;
        for (size_t i = 0; want != NULL && i < o->nseries_flows; i++) {
            const espi_series_flow *sf = &o->series_flows[i];
            if (sf->series == NULL || strcmp(sf->series, want) != 0)
                continue;
            for (size_t k = 0; k < sizeof flows / sizeof flows[0]; k++)
                if (flows[k].espi == sf->flow) /* FORWARD, REVERSE or NET: the first of each */
                    return &flows[k];
            return NULL; /* another code: refused by check_series_flows */
        }
    }
    return NULL;
}

/* The meter number of a series without a meters[] item: its meterNumber,
 * else the text before the label of a "<meter> - <label>" name. */
static int series_meter_number(converter *c, const sh_series *s, const char *name,
                               const char **meter)
{
    const char *label = name_label(name);
    *meter = s->meter_number ? s->meter_number : name;
    if (s->meter_number != NULL || label == NULL)
        return 0;
    char **grown = realloc(c->pool.items, (c->pool.n + 1) * sizeof *grown);
    char *cut = grown ? strndup(name, (size_t)(label - 3 - name)) : NULL;
    if (grown != NULL)
        c->pool.items = grown;
    if (cut == NULL)
        return err_fail(c->err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    c->pool.items[c->pool.n++] = cut;
    *meter = cut;
    return 0;
}

/* A series whose flow nothing tells is an error that names the option. */
static int unknown_flow(const converter *c, const sh_entry *e, const sh_series *s,
                        const sh_meter *m, const char *name)
{
    err_loc loc = entry_loc(c, e, m ? m->line : s->line);
    if (m != NULL)
        return err_fail(c->err, ESPI_E_INPUT, "smarthub-flow", &loc,
                        "unknown flowDirection \"%s\" for series '%s'; expected FORWARD, TOTAL, "
                        "REVERSE, RETURN or NET, or give it with --series-flow '%s=forward|"
                        "reverse|net' (espi_convert_options.series_flows)",
                        m->flow_direction, name, name);
    return err_fail(c->err, ESPI_E_INPUT, "smarthub-no-meter", &loc,
                    "series '%s' has no meter with that seriesId in \"meters\" and its name "
                    "does not end in Consumption, Generation, Net, Received or Delivered, so its "
                    "flow direction is unknown; give it with --series-flow '%s=forward|reverse|"
                    "net' (espi_convert_options.series_flows)",
                    name, name);
}

/* The meter and flow of a series: its meters[] item (seriesId == name),
 * else the label of its name ("<meter> - Generation"), else the
 * series_flows option; docs/smarthub.md section 5.5. */
static int series_meter(converter *c, const sh_entry *e, const sh_series *s, const char **meter,
                        const flow_map **flow)
{
    const char *name = s->name ? s->name : "";
    const sh_meter *m = meter_of(e, name);
    *flow = m && m->flow_direction ? find_flow(m->flow_direction) : NULL;
    if (*flow != NULL) {
        *meter = m->meter_number ? m->meter_number : name;
        return 0;
    }
    const flow_map *told = label_flow(name);
    if (told == NULL)
        told = option_flow(c, name);
    if (m != NULL && m->flow_direction != NULL && told == NULL)
        return unknown_flow(c, e, s, m, name);
    if (told != NULL || m != NULL) {
        *flow = told ? told : &flows[0];
        if (told == NULL) {
            err_loc loc = entry_loc(c, e, m->line);
            warn(c, "smarthub-no-flow", &loc,
                 "meter for series '%s' has no flowDirection; read as FORWARD", name);
        }
        if (m != NULL && m->meter_number != NULL) {
            *meter = m->meter_number;
            return 0;
        }
        return series_meter_number(c, s, name, meter);
    }
    if (e->nmeters > 0)
        return unknown_flow(c, e, s, NULL, name);
    err_loc loc = entry_loc(c, e, s->line);
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
    sort_array(w, s->npoints, sizeof *w, wall_point_compare);
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
 * map has no usable entry (absent, or not 1 s .. a year in whole seconds).
 * cursor: see sh_entry_interval_from. */
static int64_t mapped_length(const sh_entry *e, int64_t x_ms, size_t *cursor, bool *unusable)
{
    const sh_interval *iv = sh_entry_interval_from(e, x_ms, cursor);
    int64_t ms = iv ? iv->end_ms - iv->start_ms : 0;
    if (ms == 0)
        return 0;
    if (ms < 0 || ms % 1000 != 0 || ms / 1000 > WALL_MAX_LENGTH) {
        *unusable = true;
        return 0;
    }
    return ms / 1000;
}

/* The length when the map has none: the hint (a time-of-use series' usage
 * length), else the usual spacing of the series, else what the time frame
 * says. */
static int fallback_length(const converter *c, const sh_entry *e, const sh_series *s, int64_t hint,
                           int64_t spacing, int64_t *out)
{
    const char *tf = e->time_frame ? e->time_frame : "";
    if (hint > 0)
        *out = hint;
    else if (spacing > 0 && spacing <= WALL_MAX_LENGTH)
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

/* Nominal length of every point: xToOrderedInterval, else the fallback
 * (a guess, which wallclock.c treats as such). Spacing counts every x,
 * nulls included, so gaps do not stretch it. */
static int set_lengths(const converter *c, const sh_entry *e, const sh_series *s, wall_point *w,
                       size_t n, int64_t hint)
{
    int64_t fallback = 0;
    size_t cursor = 0; /* w is sorted by wall, so the lookups go forward */
    bool unusable = false, have_fallback = false;
    for (size_t i = 0; i < n; i++) {
        w[i].length = mapped_length(e, w[i].wall * 1000, &cursor, &unusable);
        if (w[i].length > 0)
            continue;
        if (!have_fallback) {
            int rc = fallback_length(c, e, s, hint, wall_points_spacing(w, n), &fallback);
            if (rc != 0)
                return rc;
            have_fallback = true;
        }
        w[i].length = fallback;
        w[i].length_guessed = true;
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
/* Zone guard: the request's true UTC bounds against the wall clock    */
/* ------------------------------------------------------------------ */

static bool is_monthly(const sh_entry *e);

/* What the request bounds of a response say about the zone. */
typedef struct zone_evidence {
    size_t confirmed;  /* bounds whose wall time --tz gives */
    bool contradicted; /* a bound at local midnight with another offset */
    int64_t utc, wall; /* the first such bound */
    int32_t implied, expected;
    uint32_t line;
    const char *field;
} zone_evidence;

/* One bound: utc is a true instant, wall the wall time the data give for
 * it (the first point's x, or the last one's end). It confirms the zone
 * when --tz gives that wall time. It contradicts it only when the wall time
 * is local midnight (requests are whole local days; a window that starts
 * or ends in mid-day, as data from a connect day do, says little) and the
 * offset it implies is one a zone can have: whole quarter hours, UTC-12 to
 * UTC+14. */
static void weigh(const converter *c, zone_evidence *ev, const sh_instant *at, int64_t wall,
                  bool end, const char *field)
{
    if (!at->given || at->ms % 1000 != 0)
        return;
    int64_t utc = at->ms / 1000, implied = wall - utc;
    int32_t expected = espi_tz_offset_at(NULL, c->in->tz, end ? utc - 1 : utc);
    if (implied == expected) {
        ev->confirmed++;
        return;
    }
    if (ev->contradicted || (wall % SECONDS_PER_DAY + SECONDS_PER_DAY) % SECONDS_PER_DAY != 0 ||
        implied % 900 != 0 || implied < -12 * 3600 || implied > 14 * 3600)
        return;
    *ev = (zone_evidence){ev->confirmed,    true,     utc,      wall,
                          (int32_t)implied, expected, at->line, field};
}

/* The first x of an entry and the end of its last point (0 when the
 * interval map does not give it, except for daily data), in wall seconds. */
static bool entry_span(const sh_entry *e, int64_t *first, int64_t *end)
{
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (size_t i = 0; i < e->nseries; i++)
        for (size_t k = 0; k < e->series[i].npoints; k++) {
            int64_t x = e->series[i].points[k].x_ms;
            lo = x < lo ? x : lo;
            hi = x > hi ? x : hi;
        }
    if (lo > hi || lo % 1000 != 0)
        return false;
    *first = lo / 1000;
    const sh_interval *iv = sh_entry_interval(e, hi);
    bool daily = e->time_frame && strcmp(e->time_frame, "DAILY") == 0;
    int64_t end_ms = iv && iv->end_ms > iv->start_ms ? hi + (iv->end_ms - iv->start_ms)
                     : daily                         ? hi + (int64_t)SECONDS_PER_DAY * 1000
                                                     : 0;
    *end = end_ms % 1000 == 0 ? end_ms / 1000 : 0;
    return true;
}

/* Every USAGE and COST entry but MONTHLY ones (whose periods are read
 * dates, not the request's) weighs its bounds. TIME_OF_USE entries are
 * left out: their startDateTime and endDateTime are wall clock too. */
static void gather_evidence(const converter *c, zone_evidence *ev)
{
    for (size_t i = 0; i < c->doc->nentries; i++) {
        const sh_entry *e = &c->doc->entries[i];
        const char *type = e->type ? e->type : "";
        int64_t first, end;
        if ((strcmp(type, "USAGE") != 0 && strcmp(type, "COST") != 0) || is_monthly(e) ||
            !entry_span(e, &first, &end))
            continue;
        sh_instant end_at = {e->end_ms, e->end_line, e->has_end};
        weigh(c, ev, &e->start, first, false, "startDateTime");
        weigh(c, ev, &e->bup_start, first, false, "baseUsageParameters.startDateTime");
        if (end != 0) {
            weigh(c, ev, &end_at, end, true, "endDateTime");
            weigh(c, ev, &e->bup_end, end, true, "baseUsageParameters.endDateTime");
        }
    }
}

/* The zone guard (docs/smarthub.md section 5.4): the co-op's zone is the one
 * --tz gives when the data confirm it; an error when they show another
 * offset; a warning when they show none and --tz was not given. */
static int check_zone(const converter *c)
{
    zone_evidence ev = {.confirmed = 0};
    gather_evidence(c, &ev);
    if (ev.confirmed > 0)
        return 0;
    const char *zone = espi_tz_name(c->in->tz);
    if (!ev.contradicted) {
        err_loc loc = {c->name, 0, 0, NULL};
        if (!c->in->tz_explicit)
            warn(c, "zone-assumed", &loc,
                 "nothing in this poll shows the co-op's offset from UTC (no USAGE or COST entry "
                 "whose startDateTime or endDateTime is the time of its first point or the end "
                 "of its last), so its wall-clock times were read in %s, the default; give the "
                 "co-op's zone with --tz",
                 zone);
        return 0;
    }
    char implied[16], expected[16], when[32], utc[32], advice[256];
    size_t len = 0;
    tz_format_offset(implied, ev.implied);
    tz_format_offset(expected, ev.expected);
    tz_format_wall(when, ev.wall);
    tz_format_utc(utc, ev.utc);
    tz_suggest_zones(advice, sizeof advice, &len, ev.utc, ev.implied);
    err_loc loc = {c->name, ev.line, 0, NULL};
    return err_fail(c->err, ESPI_E_INPUT, "zone-mismatch", &loc,
                    "%s %s is local midnight %s in the data, so the co-op's clock is at %s then, "
                    "but %s is at %s; %s",
                    ev.field, utc, when, implied, zone, expected, advice);
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
    const industry_map *industry;
    wall_point *points; /* every point, nulls included, sorted */
    size_t npoints;
    int currency;
    int tou;          /* time-of-use period (ReadingType tou); CODE_NONE: usage */
    const char *rate; /* its rate name ("On Peak"); NULL: usage */
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

static pending *find_pending(pending_list *l, const sh_entry *e, const char *meter, int flow,
                             int tou)
{
    for (size_t i = 0; i < l->n; i++) {
        pending *p = &l->items[i];
        if (p->flow->espi == flow && p->tou == tou && strcmp(p->meter, meter) == 0 &&
            strcmp(p->entry->industry, e->industry) == 0 &&
            model_same_name(p->entry->account, e->account) &&
            model_same_name(p->entry->location, e->location))
            return p;
    }
    return NULL;
}

/* Reads the points of p's series into p (scaled, signed for its flow, with
 * lengths; hint: see fallback_length) and keeps p in l; a series that has
 * no reading at all (every y null) is left out with a warning rather than
 * written empty. */
static int keep_series(converter *c, pending_list *l, pending p, int64_t hint)
{
    const sh_series *s = p.series;
    const char *name = s->name ? s->name : "";
    size_t values = 0;
    int rc = read_points(c, s, p.unit->scale, p.unit->unit, &p.points, &values);
    p.npoints = s->npoints;
    if (rc == 0 && values > 0) {
        apply_flow(c, s, p.flow, p.points, p.npoints);
        rc = set_lengths(c, p.entry, s, p.points, p.npoints, hint);
    }
    pending *g = rc == 0 && values > 0 ? realloc(l->items, (l->n + 1) * sizeof *g) : NULL;
    if (g != NULL) {
        l->items = g;
        l->items[l->n++] = p;
        return 0;
    }
    free(p.points);
    err_loc loc = entry_loc(c, p.entry, s->line);
    if (rc == 0 && values == 0)
        warn(c, "smarthub-series-empty", &loc,
             "series '%s' has no reading (every y is null); no MeterReading is written for it",
             name);
    else if (rc == 0)
        rc = err_fail(c->err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    return rc;
}

/* Keeps a USAGE series as a channel to be. */
static int add_usage_series(converter *c, pending_list *l, const sh_entry *e, const sh_series *s,
                            const unit_map *unit, const industry_map *ind)
{
    const char *meter, *name = s->name ? s->name : "";
    const flow_map *flow;
    int rc = series_meter(c, e, s, &meter, &flow);
    if (rc != 0)
        return rc;
    err_loc loc = entry_loc(c, e, s->line);
    if (find_pending(l, e, meter, flow->espi, CODE_NONE) != NULL)
        return err_fail(c->err, ESPI_E_INPUT, "smarthub-duplicate-channel", &loc,
                        "series '%s' repeats meter %s with flowDirection %s; expected one series "
                        "per meter and direction",
                        name, meter, flow->name);
    pending p = {e, s, meter, flow, unit, ind, NULL, 0, 0, CODE_NONE, NULL};
    return keep_series(c, l, p, 0);
}

/* The first of w[lo, hi) whose wall is not below wall; hi if none. */
static size_t wall_lower_bound(const wall_point *w, size_t lo, size_t hi, int64_t wall)
{
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (w[mid].wall < wall)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The usage point with the same wall time and occurrence as a cost point.
 * Cost points come in wall order as the usage points do, so the search
 * starts at *cursor, where the last one ended: mostly a step or two. */
static wall_point *match_usage(wall_point *w, size_t n, int64_t wall, int occurrence,
                               size_t *cursor)
{
    size_t lo = *cursor < n ? *cursor : n;
    if (lo > 0 && w[lo - 1].wall >= wall) {
        lo = wall_lower_bound(w, 0, lo, wall); /* wall went back */
    } else {
        for (int step = 0; step < 2 && lo < n && w[lo].wall < wall; step++)
            lo++;
        if (lo < n && w[lo].wall < wall)
            lo = wall_lower_bound(w, lo + 1, n, wall);
    }
    *cursor = lo;
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
    size_t cursor = 0;
    for (size_t k = 0; k < n; k++) {
        occurrence = k > 0 && cost[k].wall == cost[k - 1].wall ? occurrence + 1 : 0;
        if (!cost[k].has_value)
            continue;
        wall_point *w = match_usage(p->points, p->npoints, cost[k].wall, occurrence, &cursor);
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
    pending *p = find_pending(l, e, meter, flow->espi, CODE_NONE);
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
/* Time of use: TIME_OF_USE series, each a period of the usage         */
/* ------------------------------------------------------------------ */

/* The rate name of a TIME_OF_USE series: its rateName, else its meter's,
 * else the label of its name ("<meter> - On Peak"), else its name. */
static const char *tou_rate(const sh_entry *e, const sh_series *s)
{
    const char *name = s->name ? s->name : "";
    const sh_meter *m = meter_of(e, name);
    if (s->rate_name != NULL && s->rate_name[0] != '\0')
        return s->rate_name;
    if (m != NULL && m->rate_name != NULL && m->rate_name[0] != '\0')
        return m->rate_name;
    return name_label(name) ? name_label(name) : name;
}

static bool is_tou(const sh_entry *e)
{
    return e->type != NULL && strcmp(e->type, "TIME_OF_USE") == 0;
}

/* The ReadingType tou of a rate: the periods of a response are numbered 1,
 * 2, 3 ... by their rate names in byte order ("Off Peak" 1, "On Peak" 2,
 * "Super Off Pk" 3; docs/smarthub.md section 5.6). */
static int tou_code(const sh_doc *doc, const char *rate)
{
    int code = 1;
    const char **seen = NULL;
    size_t nseen = 0;
    for (size_t i = 0; i < doc->nentries; i++) {
        const sh_entry *e = &doc->entries[i];
        for (size_t k = 0; is_tou(e) && k < e->nseries; k++) {
            const char *r = tou_rate(e, &e->series[k]);
            bool dup = false;
            for (size_t j = 0; j < nseen && !dup; j++)
                dup = strcmp(seen[j], r) == 0;
            if (dup || strcmp(r, rate) >= 0)
                continue;
            const char **grown = realloc(seen, (nseen + 1) * sizeof *grown);
            if (grown == NULL)
                continue; /* out of memory: caught when the channel is made */
            seen = grown;
            seen[nseen++] = r;
            code++;
        }
    }
    free(seen);
    return code;
}

/* Keeps a TIME_OF_USE series as a channel of its own (its period's tou).
 * Its meter and flow are its meters[] item's (FORWARD when it does not say:
 * periods divide the energy delivered). */
static int add_tou_series(converter *c, pending_list *l, const sh_entry *e, const sh_series *s,
                          const unit_map *unit, const industry_map *ind)
{
    const char *name = s->name ? s->name : "", *meter = NULL;
    const sh_meter *m = meter_of(e, name);
    const flow_map *flow = m && m->flow_direction ? find_flow(m->flow_direction) : NULL;
    if (flow == NULL)
        flow = &flows[0];
    int rc = 0;
    if (m != NULL && m->meter_number != NULL)
        meter = m->meter_number;
    else if ((rc = series_meter_number(c, s, name, &meter)) != 0)
        return rc;
    const char *rate = tou_rate(e, s);
    int tou = tou_code(c->doc, rate);
    if (find_pending(l, e, meter, flow->espi, tou) != NULL) {
        err_loc loc = entry_loc(c, e, s->line);
        return err_fail(c->err, ESPI_E_INPUT, "smarthub-duplicate-channel", &loc,
                        "time-of-use series '%s' repeats the period '%s' of meter %s; expected "
                        "one series per meter and period",
                        name, rate, meter);
    }
    const pending *usage = find_pending(l, e, meter, flow->espi, CODE_NONE);
    int64_t hint = usage ? wall_points_usual_length(usage->points, usage->npoints) : 0;
    pending p = {e, s, meter, flow, unit, ind, NULL, 0, 0, tou, rate};
    return keep_series(c, l, p, hint);
}

/* One time-of-use value at a wall time (and its occurrence). */
typedef struct tou_value {
    int64_t wall;
    int occurrence;
    int64_t value;
} tou_value;

static int by_wall_occurrence(const void *a, const void *b)
{
    const tou_value *x = a, *y = b;
    if (x->wall != y->wall)
        return x->wall < y->wall ? -1 : 1;
    return (x->occurrence > y->occurrence) - (x->occurrence < y->occurrence);
}

static bool same_group(const pending *a, const pending *b)
{
    return a->flow->espi == b->flow->espi && strcmp(a->meter, b->meter) == 0 &&
           strcmp(a->entry->industry, b->entry->industry) == 0 &&
           model_same_name(a->entry->account, b->entry->account) &&
           model_same_name(a->entry->location, b->entry->location);
}

/* The values of every period of usage's meter, summed per wall time. */
static int period_sums(const pending_list *l, const pending *usage, tou_value **out, size_t *n)
{
    size_t total = 0, k = 0;
    for (size_t i = 0; i < l->n; i++)
        if (l->items[i].tou != CODE_NONE && same_group(&l->items[i], usage))
            total += l->items[i].npoints;
    tou_value *v = malloc((total ? total : 1) * sizeof *v);
    if (v == NULL)
        return -1;
    for (size_t i = 0; i < l->n; i++) {
        const pending *p = &l->items[i];
        for (size_t j = 0, occ = 0; p->tou != CODE_NONE && same_group(p, usage) && j < p->npoints;
             j++) {
            occ = j > 0 && p->points[j].wall == p->points[j - 1].wall ? occ + 1 : 0;
            if (p->points[j].has_value)
                v[k++] = (tou_value){p->points[j].wall, (int)occ, p->points[j].value};
        }
    }
    if (k > 1)
        qsort(v, k, sizeof *v, by_wall_occurrence);
    size_t m = 0;
    for (size_t i = 0; i < k; i++) {
        if (m > 0 && by_wall_occurrence(&v[m - 1], &v[i]) == 0)
            v[m - 1].value += v[i].value; /* 48-bit values: no overflow in 64 */
        else
            v[m++] = v[i];
    }
    *out = v;
    *n = m;
    return 0;
}

/* Where the periods do not give the usage: how often, and the first time. */
typedef struct tou_miss {
    size_t count, times;
    int64_t wall, usage, periods;
    bool has_usage, has_periods;
    uint32_t line;
} tou_miss;

/* Compares one time: the usage point u (NULL: none) and the periods' sum v
 * (NULL: no period has the time). */
static void note_time(tou_miss *t, int64_t wall, const wall_point *u, const tou_value *v)
{
    bool has_usage = u != NULL && u->has_value;
    int64_t usage = has_usage ? u->value : 0, periods = v ? v->value : 0;
    if (!has_usage && v == NULL)
        return; /* a null usage point no period has: nothing to compare */
    t->times++;
    if (usage == periods && has_usage)
        return;
    if (t->count++ == 0) {
        t->wall = wall, t->usage = usage, t->periods = periods;
        t->has_usage = has_usage, t->has_periods = v != NULL;
        t->line = u ? u->line : 0;
    }
}

/* Walks the usage points and the period sums together, both in (wall
 * time, occurrence) order. */
static void compare_partition(const pending *usage, const tou_value *v, size_t nv, tou_miss *t)
{
    size_t i = 0, j = 0;
    int occ = 0; /* occurrence of usage->points[i] */
    while (i < usage->npoints || j < nv) {
        const wall_point *u = i < usage->npoints ? &usage->points[i] : NULL;
        tou_value at = u ? (tou_value){u->wall, occ, 0} : (tou_value){0, 0, 0};
        int cmp = u == NULL ? 1 : j == nv ? -1 : by_wall_occurrence(&at, &v[j]);
        if (cmp > 0) { /* a period value at a time the usage does not give */
            note_time(t, v[j].wall, NULL, &v[j]);
            j++;
            continue;
        }
        note_time(t, u->wall, u, cmp == 0 ? &v[j] : NULL);
        j += cmp == 0;
        i++;
        occ = i < usage->npoints && usage->points[i].wall == u->wall ? occ + 1 : 0;
    }
}

/* The time-of-use series of a meter must partition its usage: at each time
 * the periods' values add up to the usage value (docs/smarthub.md section
 * 5.6). Where they do not, a warning names the first such time. */
static int check_partition(const converter *c, const pending_list *l, const pending *usage)
{
    tou_value *v = NULL;
    size_t nv = 0;
    if (period_sums(l, usage, &v, &nv) != 0)
        return err_fail(c->err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    tou_miss t = {.count = 0};
    compare_partition(usage, v, nv, &t);
    free(v);
    if (t.count == 0)
        return 0;
    char when[32];
    tz_format_wall(when, t.wall);
    err_loc loc = {c->name, t.line ? t.line : usage->series->line, 0, NULL};
    warn(c, "tou-partition", &loc,
         "the time-of-use series of meter %s do not add up to its usage at %zu of %zu times; "
         "the first, local %s: usage %s%lld %s, periods %s%lld %s; both are written as given",
         usage->meter, t.count, t.times, when, t.has_usage ? "" : "none, ", (long long)t.usage,
         usage->unit->unit, t.has_periods ? "" : "none, ", (long long)t.periods, usage->unit->unit);
    return 0;
}

/* Each usage channel with time-of-use series is checked; periods of a
 * meter without usage are said. */
static int check_partitions(const converter *c, const pending_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        const pending *p = &l->items[i];
        bool usage = p->tou == CODE_NONE, other = false;
        for (size_t k = 0; k < l->n && !other; k++)
            other = k != i && same_group(p, &l->items[k]) &&
                    (usage ? l->items[k].tou != CODE_NONE : l->items[k].tou == CODE_NONE || k < i);
        if (usage && other) {
            int rc = check_partition(c, l, p);
            if (rc != 0)
                return rc;
        } else if (!usage && !other) {
            err_loc loc = entry_loc(c, p->entry, p->series->line);
            warn(c, "tou-partition", &loc,
                 "time-of-use series '%s' has no USAGE series of its meter to divide; it is "
                 "written as given",
                 p->series->name ? p->series->name : "");
        }
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Entries                                                             */
/* ------------------------------------------------------------------ */

typedef enum entry_role { ROLE_SKIP, ROLE_USAGE, ROLE_TOU, ROLE_COST } entry_role;

/* MONTHLY entries hold billing periods, read as summaries (bills below). */
static bool is_monthly(const sh_entry *e)
{
    return e->time_frame && strcmp(e->time_frame, "MONTHLY") == 0;
}

static const industry_map *find_industry(const char *name)
{
    for (size_t i = 0; i < sizeof industries / sizeof industries[0]; i++)
        if (strcmp(industries[i].name, name) == 0)
            return &industries[i];
    return NULL;
}

/* Whether a usage unit is one of an industry's (a word of ind->units). */
static bool industry_unit(const industry_map *ind, const char *unit)
{
    size_t len = strlen(unit);
    for (const char *p = ind->units; len > 0 && (p = strstr(p, unit)) != NULL; p += len)
        if ((p == ind->units || p[-1] == ' ') && (p[len] == ' ' || p[len] == '\0'))
            return true;
    return false;
}

/* The unit of a USAGE or TIME_OF_USE entry (the industry's first when the
 * entry does not say), or of a COST entry. */
static int entry_unit(const converter *c, const sh_entry *e, const industry_map *ind, bool usage,
                      const unit_map **unit)
{
    const char *type = e->type ? e->type : "";
    char first[16];
    snprintf(first, sizeof first, "%.*s", (int)strcspn(ind->units, " "), ind->units);
    const char *unit_name = e->unit ? e->unit : usage ? first : "USD";
    *unit = usage ? find_unit(usage_units, sizeof usage_units / sizeof usage_units[0], unit_name)
                  : find_unit(cost_units, sizeof cost_units / sizeof cost_units[0], unit_name);
    if (*unit != NULL && (!usage || industry_unit(ind, (*unit)->name)))
        return 0;
    err_loc loc = entry_loc(c, e, 0);
    return err_fail(c->err, ESPI_E_INPUT, "smarthub-unit", &loc,
                    "%s %s entry has unitOfMeasure \"%s\"; expected %s", ind->name, type, unit_name,
                    usage ? ind->units : "USD or CAD");
}

/* Decides what an entry is, warning about the ones espi leaves out. */
static int entry_role_of(const converter *c, const sh_entry *e, bool quiet, const unit_map **unit,
                         const industry_map **ind, entry_role *role)
{
    const char *type = e->type ? e->type : "";
    err_loc loc = entry_loc(c, e, 0);
    *role = ROLE_SKIP;
    *ind = find_industry(e->industry);
    if (*ind == NULL) {
        if (!quiet)
            warn(c, "smarthub-industry", &loc,
                 "skipping %s data: ELECTRIC, GAS and WATER usage is converted", e->industry);
        return 0;
    }
    bool usage = strcmp(type, "USAGE") == 0, cost = strcmp(type, "COST") == 0;
    bool tou = is_tou(e) && !is_monthly(e);
    if (!usage && !cost && !tou) {
        if (!quiet)
            warn(c, "smarthub-entry-type", &loc,
                 "skipping an entry of type \"%s\": only USAGE, COST and TIME_OF_USE are read",
                 type);
        return 0;
    }
    int rc = entry_unit(c, e, *ind, !cost, unit);
    if (rc == 0)
        *role = usage ? ROLE_USAGE : tou ? ROLE_TOU : ROLE_COST;
    return rc;
}

/* USAGE entries first, so periods and costs find their usage whatever the
 * order; then the periods are checked against the usage. */
static int collect(converter *c, pending_list *l)
{
    for (int pass = ROLE_USAGE; pass <= ROLE_COST; pass++) {
        for (size_t i = 0; i < c->doc->nentries; i++) {
            const sh_entry *e = &c->doc->entries[i];
            const unit_map *unit = NULL;
            const industry_map *ind = NULL;
            entry_role role;
            int rc = entry_role_of(c, e, pass != ROLE_USAGE, &unit, &ind, &role);
            if (rc != 0)
                return rc;
            if ((int)role != pass || is_monthly(e))
                continue;
            for (size_t k = 0; k < e->nseries && rc == 0; k++) {
                const sh_series *s = &e->series[k];
                rc = pass == ROLE_USAGE ? add_usage_series(c, l, e, s, unit, ind)
                     : pass == ROLE_TOU ? add_tou_series(c, l, e, s, unit, ind)
                                        : add_cost_series(c, l, e, s, unit);
            }
            if (rc != 0)
                return rc;
        }
    }
    return check_partitions(c, l);
}

/* ReadingType of a channel (docs/standard.md section 5; section 11 rule 6):
 * delta data in the unit's kind, with phase for electricity only.
 * intervalLength is set when the inputs are merged. A currency is never
 * cleared: another input may give the costs of the same channel. */
static void set_reading_type(model_channel *ch, const pending *p)
{
    ch->rt.accumulation = 4;
    ch->rt.commodity = p->industry->commodity;
    if (p->currency != 0)
        ch->rt.currency = p->currency;
    ch->rt.kind = p->unit->kind;
    ch->rt.phase = p->industry->service_kind == 0 ? 769 : CODE_NONE;
    ch->rt.power_of_ten = p->unit->power_of_ten;
}

/* The usage point of an entry's industry at its service location. Gas and
 * water are usage points of their own at the same location: the model
 * tells them apart by a suffix of their location ("71005500/gas"), which
 * enters their UUID names only. */
static model_usage_point *usage_point_of(const converter *c, const sh_entry *e,
                                         const industry_map *ind)
{
    char location[LOCATION_NAME_MAX];
    int n =
        snprintf(location, sizeof location, "%s%s", e->location ? e->location : "", ind->suffix);
    if (n < 0 || (size_t)n >= sizeof location)
        return NULL;
    model_usage_point *up = model_feed_usage_point(c->in->feed, e->account, location);
    if (up != NULL)
        up->service_kind = ind->service_kind;
    return up;
}

/* The MeterReading title of a time-of-use channel names its period. */
static int tou_title(converter *c, model_channel *ch, const pending *p)
{
    char every[32], title[256];
    model_interval_words(every, sizeof every,
                         (uint32_t)wall_points_usual_length(p->points, p->npoints));
    snprintf(title, sizeof title, "%s, %s, time of use: %s", model_flow_title(p->flow->espi), every,
             p->rate);
    if (ch->title != NULL && strcmp(ch->title, title) != 0) {
        err_loc loc = entry_loc(c, p->entry, p->series->line);
        return err_fail(c->err, ESPI_E_INPUT, "smarthub-tou-period", &loc,
                        "time-of-use period %d of meter %s is '%s' here but another input gives "
                        "\"%s\"; periods are numbered by their names in each response, so the "
                        "inputs must name the same periods",
                        p->tou, p->meter, p->rate, ch->title);
    }
    if (model_set_text(&ch->title, title) != 0)
        return err_fail(c->err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    return 0;
}

/* Puts the channel into the model: its usage point, its readings in UTC
 * (merged with other inputs' and grouped into days later). */
static int convert_channel(converter *c, const pending *p)
{
    model_usage_point *up = usage_point_of(c, p->entry, p->industry);
    model_channel_key key = model_channel_key_make(p->meter, p->flow->espi, p->unit->code);
    key.interval = (uint32_t)wall_points_usual_length(p->points, p->npoints); /* resolution */
    key.tou = p->tou;
    model_channel *ch = up ? model_usage_point_channel(up, &key) : NULL;
    if (ch == NULL)
        return err_fail(c->err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    set_reading_type(ch, p);
    int rc = p->tou != CODE_NONE ? tou_title(c, ch, p) : 0;
    wall_context wc = {c->in->tz,       c->name,
                       p->series->name, p->unit->unit,
                       c->in->on_diag,  c->in->diag_ctx,
                       c->in->source,   c->in->opts != NULL && c->in->opts->strict};
    return rc != 0 ? rc : wall_points_to_readings(ch, p->points, p->npoints, &wc, c->err);
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
    const unit_map *unit;  /* of its consumption */
    const industry_map *industry;
    bill *items;
    size_t n, cap;
} bill_list;

/* The flow a MONTHLY series is summarised under: delivered energy, else
 * net; other series are left out of the summaries with a warning. */
static int bill_flow(const sh_entry *e, converter *c)
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
        int rc = series_meter(&quiet, e, &e->series[i], &meter, &flow);
        c->pool = quiet.pool; /* strings it made are freed with the others */
        if (rc != 0)
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
                (rc = scaled(c, pt, cost ? 5 : l->unit->scale, &note, &v)) != 0)
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
        report_rounding(c, s->name ? s->name : "", &note,
                        cost ? "hundred-thousandth" : l->unit->unit);
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
static int closed_summary(converter *c, const bill_list *l, model_summary *s, const bill *b,
                          int currency)
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
    s->overall =
        (model_measure){b->wh, ESPI_TIME_UNSET, l->unit->power_of_ten, l->unit->code, true};
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
    s->commodity = l->industry->commodity;
    s->line = b->line;
    s->source = c->in->source;
    return 0;
}

/* The open cycle is not a bill. It is kept as an open-cycle summary: when
 * the inputs are merged, the newest one goes on the newest closed period's
 * summary as its consumption so far (and cost to date). */
static void open_cycle(converter *c, const bill_list *l, model_summary *s, const bill *b,
                       int currency)
{
    const sh_entry *e = l->entry;
    model_summary_init(s);
    s->open_cycle = true;
    s->billing_start = wall_utc(c, b->start_ms / 1000);
    /* as of the end of the request, or failing that the cycle's start */
    int64_t as_of = e->has_end ? e->end_ms / 1000 : s->billing_start;
    s->current = (model_measure){b->wh, as_of, l->unit->power_of_ten, l->unit->code, true};
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
    model_usage_point *up = usage_point_of(c, l->entry, l->industry);
    if (up == NULL)
        return err_fail(c->err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    int rc = 0;
    for (size_t i = 0; i < l->n && rc == 0; i++) {
        model_summary s;
        if (l->items[i].open)
            open_cycle(c, l, &s, &l->items[i], currency);
        else
            rc = closed_summary(c, l, &s, &l->items[i], currency);
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

static int read_bills_of(converter *c, const sh_entry *e, const unit_map *unit,
                         const industry_map *ind)
{
    int flow = bill_flow(e, c);
    if (flow == 0) {
        err_loc loc = entry_loc(c, e, 0);
        return err_fail(c->err, ESPI_E_INPUT, "smarthub-bill-flow", &loc,
                        "the MONTHLY USAGE entry has no FORWARD, TOTAL or NET series to "
                        "summarise");
    }
    bill_list l = {e, unit, ind, NULL, 0, 0};
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
        const industry_map *ind = NULL;
        entry_role role;
        int rc = entry_role_of(c, e, true, &unit, &ind, &role);
        if (rc == 0 && role == ROLE_USAGE && is_monthly(e))
            rc = read_bills_of(c, e, unit, ind);
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
                    "reading under data.ELECTRIC, GAS or WATER");
}

/* espi_convert_options.series_flows: each a name and a flow espi writes. */
static int check_series_flows(const converter *c)
{
    const espi_convert_options *o = c->in->opts;
    for (size_t i = 0; o != NULL && i < o->nseries_flows; i++) {
        const espi_series_flow *sf = &o->series_flows[i];
        if (sf->series == NULL || sf->series[0] == '\0' ||
            (sf->flow != 1 && sf->flow != 4 && sf->flow != 19))
            return err_fail(c->err, ESPI_E_ARG, "series-flow", NULL,
                            "series_flows[%zu] (--series-flow) needs a series name and the flow "
                            "1 (forward), 19 (reverse) or 4 (net); it has %d",
                            i, sf->flow);
    }
    return 0;
}

int sh_json_read_into(const convert_input *in, FILE *f, espi_error *err)
{
    sh_doc doc;
    pending_list pend = {NULL, 0};
    converter c = {&doc, in->name, in, err, 0, {NULL, 0}};
    espi_feed_stats before;
    espi_feed_stats_get(&before, in->feed);
    int rc = sh_parse(&doc, f, in->name, in->opts != NULL && in->opts->threads == 1, err);
    if (rc == 0)
        rc = check_status(&c);
    if (rc == 0)
        rc = check_series_flows(&c);
    if (rc == 0)
        rc = check_zone(&c);
    if (rc == 0)
        rc = collect(&c, &pend);
    if (rc == 0)
        rc = convert_channels(&c, &pend);
    if (rc == 0)
        rc = read_bills(&c);
    if (rc == 0)
        rc = check_not_empty(&c, before.readings);
    pending_free(&pend);
    for (size_t i = 0; i < c.pool.n; i++)
        free(c.pool.items[i]);
    free(c.pool.items);
    sh_doc_free(&doc);
    return rc;
}
