/* SPDX-License-Identifier: Apache-2.0 */
/* update.c - espi_fetch_smarthub_update: a feed espi fetch made, brought up
 * to date. Its readings are read back and given to the converter first, as
 * a poll answer of the same account, location, meters and directions (so
 * they keep their ids and merge with what is fetched); then the days from
 * the last reading's day minus 2 are fetched again and given after them,
 * so SmartHub's revisions win. Which meter and direction a MeterReading of
 * the feed is, is found by converting a one-point answer of each candidate
 * and reading back its MeterReading's id (the ids are stable names). */
#include "fetch/smarthub.h"

#include "common/decimal.h"
#include "common/error.h"
#include "common/grow.h"
#include "common/tz.h"

#include <stdlib.h>
#include <string.h>

/* Readings read back from a feed at most (ten years of three 15-minute
 * channels need about 1.1 million). */
#define UPDATE_MAX_READINGS 20000000u
/* MeterReadings of a feed at most. */
#define UPDATE_MAX_CHANNELS 64
/* The days re-fetched before the last reading's: SmartHub revises them. */
#define UPDATE_OVERLAP_DAYS 2
/* QualityOfReading of a bill (a MONTHLY billing period). */
#define QUALITY_REVENUE 19

typedef struct old_reading {
    int64_t start, value, cost;
    uint32_t duration;
    bool has_cost;
} old_reading;

typedef struct old_channel {
    char id[96]; /* the MeterReading's atom:id */
    int64_t flow, interval, uom, power, tou;
    old_reading *readings;
    size_t n, cap;
    char meter[FETCH_ID_MAX]; /* found by identify() */
    bool known;
    bool bills; /* billing periods as readings (from a MONTHLY answer): fetched again */
} old_channel;

typedef struct old_feed {
    old_channel ch[UPDATE_MAX_CHANNELS];
    size_t nch;
    size_t readings;
    int64_t first_start, last_start;
    int64_t first_bill; /* billing start of the oldest bill; INT64_MAX when none */
    int64_t last_bill;  /* start of the newest bill written as a reading; INT64_MIN: none */
    bool too_many;
    int failed; /* an espi_status */
} old_feed;

/* ------------------------------------------------------------------ */
/* Reading the feed back                                               */
/* ------------------------------------------------------------------ */

static old_channel *channel_of(old_feed *f, const espi_meter_reading_res *mr)
{
    const char *id = mr && mr->entry.id ? mr->entry.id : "";
    for (size_t i = f->nch; i-- > 0;)
        if (strcmp(f->ch[i].id, id) == 0)
            return &f->ch[i];
    if (f->nch == UPDATE_MAX_CHANNELS) {
        f->too_many = true;
        return NULL;
    }
    old_channel *c = &f->ch[f->nch++];
    memset(c, 0, sizeof *c);
    snprintf(c->id, sizeof c->id, "%s", id);
    const espi_reading_type_res *rt = mr ? mr->reading_type : NULL;
    c->flow = rt ? rt->flow_direction : ESPI_ABSENT;
    c->interval = rt ? rt->interval_length : ESPI_ABSENT;
    c->uom = rt ? rt->uom : ESPI_ABSENT;
    c->power = rt ? rt->power_of_ten : ESPI_ABSENT;
    c->tou = rt ? rt->tou : ESPI_ABSENT;
    c->bills = c->interval != ESPI_ABSENT && c->interval > 86400;
    return c;
}

static int add_reading(old_feed *f, const espi_interval_reading_res *r)
{
    old_channel *c = channel_of(f, r->block ? r->block->meter_reading : NULL);
    if (c == NULL || f->readings >= UPDATE_MAX_READINGS || r->start == ESPI_ABSENT ||
        r->value == ESPI_ABSENT || r->duration == ESPI_ABSENT || r->duration <= 0 ||
        r->duration > UINT32_MAX) {
        f->too_many = f->too_many || f->readings >= UPDATE_MAX_READINGS;
        f->failed = c && !f->too_many ? ESPI_E_INPUT : ESPI_E_LIMIT;
        return 1;
    }
    old_reading *p = grow_array(c->readings, &c->cap, c->n, sizeof *p, 1024);
    if (p == NULL) {
        f->failed = ESPI_E_NOMEM;
        return 1;
    }
    c->readings = p;
    p[c->n++] =
        (old_reading){r->start, r->value, r->cost, (uint32_t)r->duration, r->cost != ESPI_ABSENT};
    if (c->bills) { /* a bill: not a reading to update from */
        f->first_bill = r->start < f->first_bill ? r->start : f->first_bill;
        f->last_bill = r->start > f->last_bill ? r->start : f->last_bill;
        return 0;
    }
    f->readings++;
    f->first_start = r->start < f->first_start ? r->start : f->first_start;
    f->last_start = r->start > f->last_start ? r->start : f->last_start;
    return 0;
}

static int on_old(const espi_resource *res, void *ctx)
{
    old_feed *f = ctx;
    if (res->kind == ESPI_RES_INTERVAL_READING)
        return add_reading(f, res->u.reading);
    if (res->kind == ESPI_RES_USAGE_SUMMARY) {
        const espi_usage_summary_res *s = res->u.usage_summary;
        if (s->quality_of_reading == QUALITY_REVENUE && s->billing_start != ESPI_ABSENT &&
            s->billing_start < f->first_bill)
            f->first_bill = s->billing_start;
    }
    return 0;
}

static void old_free(old_feed *f)
{
    for (size_t i = 0; i < f->nch; i++)
        free(f->ch[i].readings);
}

static int read_old(old_feed *f, FILE *in, const char *name, espi_error *err)
{
    memset(f, 0, sizeof *f);
    f->first_start = INT64_MAX;
    f->last_start = INT64_MIN;
    f->first_bill = INT64_MAX;
    f->last_bill = INT64_MIN;
    int rc = espi_read(in, name, NULL, on_old, f, err);
    err_loc loc = {name, 0, 0, NULL};
    if (rc > 0 && f->failed == ESPI_E_NOMEM)
        return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    if (rc > 0)
        return err_fail(err, f->failed, "update-feed", &loc,
                        f->too_many ? "the feed holds more MeterReadings or readings than "
                                      "--update reads back (%d, %u)"
                                    : "a reading of the feed has no start, value or duration, "
                                      "or no MeterReading (%d, %u): --update reads only feeds "
                                      "espi fetch wrote",
                        UPDATE_MAX_CHANNELS, UPDATE_MAX_READINGS);
    if (rc == 0 && f->readings == 0 && f->last_bill != INT64_MIN) { /* bills only */
        f->first_start = f->first_bill;
        f->last_start = f->last_bill;
    } else if (rc == 0 && f->readings == 0) {
        rc = err_fail(err, ESPI_E_INPUT, "update-empty", &loc,
                      "the feed holds no reading to update from: fetch it whole with --start");
    }
    return rc;
}

/* ------------------------------------------------------------------ */
/* Poll JSON                                                           */
/* ------------------------------------------------------------------ */

static const char *flow_word(int64_t flow)
{
    return flow == 1 ? "FORWARD" : flow == 19 ? "REVERSE" : flow == 4 ? "NET" : NULL;
}

typedef struct json_out {
    fetch_buf b;
    int failed;
} json_out;

static void put(json_out *j, const char *s)
{
    if (!j->failed)
        j->failed = fetch_buf_puts(&j->b, s);
}

static void put_str(json_out *j, const char *s)
{
    if (!j->failed)
        j->failed = fetch_escape_json(&j->b, s);
}

static void put_int(json_out *j, int64_t v)
{
    char text[32];
    snprintf(text, sizeof text, "%lld", (long long)v);
    put(j, text);
}

/* The entry's fields before its meters. */
static void entry_head(json_out *j, const fetch_session *s, const char *type, int64_t interval)
{
    put(j, "{\"type\":\"");
    put(j, type);
    put(j, "\",\"industry\":\"ELECTRIC\",\"accountNumber\":");
    put_str(j, s->account);
    put(j, ",\"serviceLocationNumber\":");
    put_str(j, s->location);
    put(j, interval >= 86400 ? ",\"timeFrame\":\"DAILY\"" : ",\"timeFrame\":\"HOURLY\"");
    put(j, strcmp(type, "COST") == 0 ? ",\"unitOfMeasure\":\"USD\"" : ",\"unitOfMeasure\":\"KWH\"");
}

/* The series id of a channel: its meter and direction. */
static void series_id(char out[FETCH_ID_MAX + 16], const char *meter, int64_t flow)
{
    snprintf(out, FETCH_ID_MAX + 16, "%s:%s", meter, flow_word(flow));
}

static void put_meter(json_out *j, const char *meter, int64_t flow, bool first)
{
    char id[FETCH_ID_MAX + 16];
    series_id(id, meter, flow);
    put(j, first ? "{\"meterNumber\":" : ",{\"meterNumber\":");
    put_str(j, meter);
    put(j, ",\"seriesId\":");
    put_str(j, id);
    put(j, ",\"flowDirection\":\"");
    put(j, flow_word(flow));
    put(j, "\"}");
}

/* One point: x (wall clock as if UTC, ms) and y. */
static void put_point(json_out *j, int64_t x, const char *y, bool first)
{
    put(j, first ? "{\"x\":" : ",{\"x\":");
    put_int(j, x);
    put(j, ",\"y\":");
    put(j, y);
    put(j, "}");
}

static void put_interval(json_out *j, int64_t x, int64_t interval, bool first)
{
    put(j, first ? "\"" : ",\"");
    put_int(j, x);
    put(j, "\":{\"interval\":{\"start\":");
    put_int(j, x);
    put(j, ",\"end\":");
    put_int(j, x + interval * 1000);
    put(j, "}}");
}

/* ------------------------------------------------------------------ */
/* Which meter a MeterReading is                                       */
/* ------------------------------------------------------------------ */

/* The days since 1970 of 2021-01-15, a day with no DST change anywhere. */
#define PROBE_DAY 18642

/* A one-point answer of (meter, flow, interval) of the session's location. */
static void probe_json(json_out *j, const fetch_session *s, const char *meter, int64_t flow,
                       int64_t interval)
{
    char id[FETCH_ID_MAX + 16];
    int64_t x = (int64_t)PROBE_DAY * 86400000;
    series_id(id, meter, flow);
    put(j, "{\"status\":\"COMPLETE\",\"data\":{\"ELECTRIC\":[");
    entry_head(j, s, "USAGE", interval);
    put(j, ",\"meters\":[");
    put_meter(j, meter, flow, true);
    put(j, "],\"series\":[{\"name\":");
    put_str(j, id);
    put(j, ",\"meterNumber\":");
    put_str(j, meter);
    put(j, ",\"data\":[");
    put_point(j, x, "1", true);
    put(j, "]}],\"xToOrderedInterval\":{");
    put_interval(j, x, interval, true);
    put(j, "}}]}}");
}

typedef struct probe_id {
    char id[96];
} probe_id;

static int on_probe(const espi_resource *res, void *ctx)
{
    probe_id *p = ctx;
    if (res->kind == ESPI_RES_METER_READING && res->u.meter_reading->entry.id)
        snprintf(p->id, sizeof p->id, "%s", res->u.meter_reading->entry.id);
    return 0;
}

/* The id of the MeterReading the converter makes for (meter, flow,
 * interval) of the session's location. */
static int probe(char out[96], const fetch_session *s, const char *meter, int64_t flow,
                 int64_t interval, espi_error *err)
{
    json_out j = {{0}, 0};
    probe_json(&j, s, meter, flow, interval);
    espi_convert_options co;
    espi_convert_options_init(&co);
    co.tz = s->q->tz;
    co.tz_explicit = true;
    espi_converter *conv = NULL;
    espi_feed *feed = NULL;
    char *xml = NULL;
    size_t xml_len = 0;
    FILE *mem = NULL;
    int rc = j.failed ? err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory") : 0;
    if (rc == 0)
        rc = espi_converter_new(&conv, &co, err);
    if (rc == 0)
        rc = fetch_add_bytes(conv, j.b.data, j.b.len, "probe", ESPI_FORMAT_SMARTHUB_JSON, err);
    if (rc == 0)
        rc = espi_converter_finish(conv, &feed, err);
    if (rc == 0 && (mem = open_memstream(&xml, &xml_len)) == NULL)
        rc = err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    if (rc == 0)
        rc = espi_feed_write_xml(mem, "probe", feed, NULL, err);
    if (mem != NULL && fclose(mem) != 0 && rc == 0)
        rc = err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    probe_id found = {""};
    if (rc == 0) {
        FILE *in = fmemopen(xml, xml_len, "rb");
        rc = in ? espi_read(in, "probe", NULL, on_probe, &found, err) : ESPI_E_NOMEM;
        if (in)
            fclose(in);
    }
    memcpy(out, found.id, sizeof found.id);
    free(xml);
    espi_feed_free(feed);
    espi_converter_free(conv);
    fetch_buf_free(&j.b);
    return rc;
}

typedef struct probe_cache {
    char meter[FETCH_ID_MAX];
    int64_t flow, interval;
    char id[96];
} probe_cache;

/* The candidates probed: meters times the directions and intervals of the
 * feed. */
#define MAX_PROBES 256

typedef struct prober {
    probe_cache done[MAX_PROBES];
    size_t n;
} prober;

static int probed_id(const char **id, prober *pr, const fetch_session *s, const char *meter,
                     int64_t flow, int64_t interval, espi_error *err)
{
    for (size_t i = 0; i < pr->n; i++)
        if (pr->done[i].flow == flow && pr->done[i].interval == interval &&
            strcmp(pr->done[i].meter, meter) == 0) {
            *id = pr->done[i].id;
            return 0;
        }
    if (pr->n == MAX_PROBES) {
        *id = "";
        return 0;
    }
    probe_cache *p = &pr->done[pr->n++];
    snprintf(p->meter, sizeof p->meter, "%s", meter);
    p->flow = flow;
    p->interval = interval;
    *id = p->id;
    return probe(p->id, s, meter, flow, interval, err);
}

/* Whether espi fetch can have made the channel: energy in Wh from a
 * FORWARD, REVERSE or NET meter, no time-of-use period. */
static bool fetchable(const old_channel *c)
{
    return flow_word(c->flow) != NULL && c->uom == 72 && c->power == 0 && c->tou == ESPI_ABSENT &&
           c->interval > 0 && c->interval <= 86400;
}

/* Finds the meter of each channel of the feed among meters ('\n' after
 * each). */
static int identify(old_feed *f, const fetch_session *s, const fetch_buf *meters, const char *name,
                    espi_error *err)
{
    prober *pr = calloc(1, sizeof *pr);
    if (pr == NULL)
        return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    int rc = 0;
    const char *list = meters->data ? (const char *)meters->data : "";
    for (size_t i = 0; rc == 0 && i < f->nch; i++) {
        old_channel *c = &f->ch[i];
        c->known = c->known || c->bills;
        for (const char *m = list, *end; rc == 0 && !c->known && fetchable(c) && *m; m = end + 1) {
            end = strchr(m, '\n');
            char meter[FETCH_ID_MAX];
            snprintf(meter, sizeof meter, "%.*s", (int)(end - m), m);
            const char *id;
            rc = probed_id(&id, pr, s, meter, c->flow, c->interval, err);
            if (rc == 0 && strcmp(id, c->id) == 0) {
                snprintf(c->meter, sizeof c->meter, "%s", meter);
                c->known = true;
            }
        }
        if (rc == 0 && !c->known) {
            char shown[256];
            snprintf(shown, sizeof shown, "%s", list[0] ? list : "none");
            for (char *p = shown; (p = strchr(p, '\n')) != NULL;)
                *p = p[1] ? ' ' : '\0';
            err_loc loc = {name, 0, 0, c->id};
            rc = err_fail(err, ESPI_E_INPUT, "update-channel", &loc,
                          "a MeterReading of the feed (flowDirection %lld, %lld s) is none of the "
                          "channels of account %s location %s (meters: %s): --update adds to a "
                          "feed that espi fetch wrote for the same location; fetch it whole again "
                          "with --start",
                          (long long)c->flow, (long long)c->interval, s->account, s->location,
                          shown);
        }
    }
    free(pr);
    return rc;
}

/* ------------------------------------------------------------------ */
/* The feed's readings as a poll answer                                */
/* ------------------------------------------------------------------ */

static int by_start(const void *a, const void *b)
{
    const old_reading *x = a, *y = b;
    return (x->start > y->start) - (x->start < y->start);
}

static int by_value(const void *a, const void *b)
{
    const int64_t *x = a, *y = b;
    return (*x > *y) - (*x < *y);
}

/* The wall clock of a UTC second, as SmartHub writes it (ms as if UTC). */
static int64_t wall_ms(const espi_tz *tz, int64_t t)
{
    return (t + espi_tz_offset_at(NULL, tz, t)) * 1000;
}

/* One series per channel of interval: values (Wh as kWh) or costs. */
static void put_series(json_out *j, const old_feed *f, const espi_tz *tz, int64_t interval,
                       bool cost)
{
    bool first_series = true;
    for (size_t i = 0; i < f->nch; i++) {
        const old_channel *c = &f->ch[i];
        if (c->interval != interval)
            continue;
        char id[FETCH_ID_MAX + 16];
        series_id(id, c->meter, c->flow);
        put(j, first_series ? "{\"name\":" : ",{\"name\":");
        first_series = false;
        put_str(j, id);
        put(j, ",\"meterNumber\":");
        put_str(j, c->meter);
        put(j, ",\"data\":[");
        bool first = true;
        for (size_t k = 0; k < c->n; k++) {
            const old_reading *r = &c->readings[k];
            if (cost && !r->has_cost)
                continue;
            char y[48];
            dec_format(y, cost ? r->cost : r->value, cost ? 5 : 3);
            put_point(j, wall_ms(tz, r->start), y, first);
            first = false;
        }
        put(j, "]}");
    }
}

/* xToOrderedInterval: every x of the channels of interval, once. */
static int put_intervals(json_out *j, const old_feed *f, const espi_tz *tz, int64_t interval)
{
    size_t n = 0;
    for (size_t i = 0; i < f->nch; i++)
        n += f->ch[i].interval == interval ? f->ch[i].n : 0;
    int64_t *xs = malloc((n ? n : 1) * sizeof *xs);
    if (xs == NULL)
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < f->nch; i++)
        for (size_t r = 0; f->ch[i].interval == interval && r < f->ch[i].n; r++)
            xs[k++] = wall_ms(tz, f->ch[i].readings[r].start);
    qsort(xs, n, sizeof *xs, by_value);
    put(j, ",\"xToOrderedInterval\":{");
    for (size_t i = 0; i < n; i++)
        if (i == 0 || xs[i] != xs[i - 1])
            put_interval(j, xs[i], interval, i == 0);
    put(j, "}");
    free(xs);
    return 0;
}

static bool has_cost(const old_feed *f, int64_t interval)
{
    for (size_t i = 0; i < f->nch; i++)
        for (size_t k = 0; f->ch[i].interval == interval && k < f->ch[i].n; k++)
            if (f->ch[i].readings[k].has_cost)
                return true;
    return false;
}

/* startDateTime and endDateTime: the true UTC span of the readings, which
 * tells the converter the zone's offset, as a real answer's bounds do. */
static void put_bounds(json_out *j, const old_feed *f, int64_t interval)
{
    int64_t first = INT64_MAX, end = INT64_MIN;
    for (size_t i = 0; i < f->nch; i++)
        for (size_t k = 0; f->ch[i].interval == interval && k < f->ch[i].n; k++) {
            const old_reading *r = &f->ch[i].readings[k];
            first = r->start < first ? r->start : first;
            end = r->start + r->duration > end ? r->start + r->duration : end;
        }
    put(j, ",\"startDateTime\":");
    put_int(j, first * 1000);
    put(j, ",\"endDateTime\":");
    put_int(j, end * 1000);
}

static int put_entry(json_out *j, const old_feed *f, const fetch_session *s, int64_t interval,
                     bool cost)
{
    entry_head(j, s, cost ? "COST" : "USAGE", interval);
    put_bounds(j, f, interval);
    put(j, ",\"meters\":[");
    bool first = true;
    for (size_t i = 0; i < f->nch; i++)
        if (f->ch[i].interval == interval) {
            put_meter(j, f->ch[i].meter, f->ch[i].flow, first);
            first = false;
        }
    put(j, "],\"series\":[");
    put_series(j, f, s->q->tz, interval, cost);
    put(j, "]");
    int rc = put_intervals(j, f, s->q->tz, interval);
    put(j, "}");
    return rc;
}

/* Adds the feed's readings of every interval to conv, one answer each. */
static int add_old(espi_converter *conv, old_feed *f, const fetch_session *s, const char *name,
                   espi_error *err)
{
    for (size_t i = 0; i < f->nch; i++)
        qsort(f->ch[i].readings, f->ch[i].n, sizeof *f->ch[i].readings, by_start);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < f->nch; i++) {
        bool seen = f->ch[i].bills;
        for (size_t k = 0; k < i; k++)
            seen = seen || f->ch[k].interval == f->ch[i].interval;
        if (seen)
            continue;
        int64_t interval = f->ch[i].interval;
        json_out j = {{0}, 0};
        put(&j, "{\"status\":\"COMPLETE\",\"data\":{\"ELECTRIC\":[");
        int failed = put_entry(&j, f, s, interval, false);
        if (has_cost(f, interval)) {
            put(&j, ",");
            failed = failed ? failed : put_entry(&j, f, s, interval, true);
        }
        put(&j, "]}}");
        if (failed || j.failed)
            rc = err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
        else
            rc = fetch_add_bytes(conv, j.b.data, j.b.len, name, ESPI_FORMAT_SMARTHUB_JSON, err);
        fetch_buf_free(&j.b);
    }
    return rc;
}

/* ------------------------------------------------------------------ */
/* The update                                                          */
/* ------------------------------------------------------------------ */

typedef struct kept_answer {
    fetch_buf body;
    char name[64];
} kept_answer;

typedef struct kept_answers {
    kept_answer *items;
    size_t n, cap;
    fetch_buf meters; /* of every answer, '\n' after each */
} kept_answers;

static void kept_free(kept_answers *k)
{
    for (size_t i = 0; i < k->n; i++)
        fetch_buf_free(&k->items[i].body);
    free(k->items);
    fetch_buf_free(&k->meters);
}

/* Polls the windows of frame over [first, last], keeping the answers. */
static int fetch_kept(fetch_session *s, kept_answers *k, int64_t first, int64_t last,
                      espi_time_frame frame, espi_error *err)
{
    fetch_window *w = NULL;
    size_t n = 0;
    int rc = fetch_windows(&w, &n, s->q->tz, first, last, frame, err);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        size_t readings = 0;
        rc = fetch_session_window(s, &w[i], &readings, err);
        if (rc == 0)
            rc = fetch_session_keep(s, NULL, w[i].name, ESPI_FORMAT_SMARTHUB_JSON, err);
        kept_answer *a = rc == 0 ? grow_array(k->items, &k->cap, k->n, sizeof *a, 8) : NULL;
        if (rc == 0 && a == NULL)
            rc = err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
        if (rc != 0)
            break;
        k->items = a;
        a[k->n].body = s->rs.body; /* taken over */
        memset(&s->rs.body, 0, sizeof s->rs.body);
        snprintf(a[k->n].name, sizeof a[k->n].name, "%s", w[i].name);
        fetch_poll_info info = {"", 0, &k->meters};
        char why[8];
        fetch_poll_scan(&info, a[k->n].body.data, a[k->n].body.len, why, sizeof why);
        k->n++;
        fetch_session_window_done(s, &w[i], readings);
    }
    free(w);
    return rc;
}

/* The time frame of an update: the one asked for, else the finest the feed
 * holds. */
static espi_time_frame update_frame(const old_feed *f, espi_time_frame asked)
{
    if (asked != ESPI_TIME_FRAME_AUTO)
        return asked;
    int64_t finest = INT64_MAX;
    for (size_t i = 0; i < f->nch; i++)
        finest = f->ch[i].interval < finest ? f->ch[i].interval : finest;
    return finest <= 3600    ? ESPI_TIME_FRAME_HOURLY
           : finest <= 86400 ? ESPI_TIME_FRAME_DAILY
                             : ESPI_TIME_FRAME_MONTHLY;
}

static int fetch_new(fetch_session *s, kept_answers *k, const old_feed *f, const int64_t days[2],
                     espi_error *err)
{
    const espi_tz *tz = s->q->tz;
    espi_time_frame frame = update_frame(f, s->q->time_frame);
    /* bills are few: they are all fetched again, from the feed's first day */
    int64_t from = fetch_local_day(tz, f->first_start);
    if (f->first_bill != INT64_MAX && fetch_local_day(tz, f->first_bill) < from)
        from = fetch_local_day(tz, f->first_bill);
    if (frame == ESPI_TIME_FRAME_MONTHLY)
        return fetch_kept(s, k, from, days[1], frame, err);
    int64_t first = fetch_local_day(tz, f->last_start) - UPDATE_OVERLAP_DAYS;
    int rc = fetch_kept(s, k, first, days[1], frame, err);
    if (rc == 0 && (s->q->bills || f->first_bill != INT64_MAX))
        rc = fetch_kept(s, k, from, days[1], ESPI_TIME_FRAME_MONTHLY, err);
    return rc;
}

static int update(espi_converter *conv, old_feed *f, const char *name, fetch_session *s,
                  const int64_t days[2], espi_error *err)
{
    kept_answers k;
    memset(&k, 0, sizeof k);
    int rc = fetch_session_user_data(s, err);
    if (rc == 0)
        rc = fetch_session_keep(s, conv, "user-data.json", ESPI_FORMAT_SMARTHUB_ACCOUNT, err);
    if (rc == 0)
        rc = fetch_new(s, &k, f, days, err);
    const char *m = s->meters.data ? (const char *)s->meters.data : "";
    for (const char *end; rc == 0 && *m; m = end + 1) {
        end = strchr(m, '\n');
        rc = fetch_list_add(&k.meters, m, (size_t)(end - m)) ? ESPI_E_NOMEM : 0;
    }
    if (rc == ESPI_E_NOMEM)
        rc = err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    if (rc == 0)
        rc = identify(f, s, &k.meters, name, err);
    if (rc == 0)
        rc = add_old(conv, f, s, name, err);
    for (size_t i = 0; rc == 0 && i < k.n; i++)
        rc = fetch_add_bytes(conv, k.items[i].body.data, k.items[i].body.len, k.items[i].name,
                             ESPI_FORMAT_SMARTHUB_JSON, err);
    kept_free(&k);
    return rc;
}

int espi_fetch_smarthub_update(espi_converter *conv, FILE *in, const char *name,
                               const espi_smarthub_query *q, const espi_fetch_options *opts,
                               espi_error *err)
{
    espi_fetch_options defaults;
    int64_t days[2] = {0, 0};
    int rc = fetch_check(&opts, &defaults, q, false, days, err);
    if (rc != 0)
        return rc;
    old_feed *f = malloc(sizeof *f);
    if (f == NULL)
        return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    rc = read_old(f, in, name, err);
    fetch_session s;
    if (rc == 0)
        rc = fetch_session_open(&s, q, opts, err);
    if (rc == 0) {
        rc = update(conv, f, name, &s, days, err);
        fetch_session_close(&s);
    }
    old_free(f);
    free(f);
    return rc;
}
