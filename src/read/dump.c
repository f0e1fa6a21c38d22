/* SPDX-License-Identifier: Apache-2.0 */
/* dump.c - Green Button resources as rows: CSV (RFC 4180), JSON lines, or
 * one JSON document per file (docs/dump-format.md). The rows come from
 * espi_read's stream; readings are written as they arrive, so memory
 * stays flat, except for the JSON document, which nests readings under
 * their meter reading and therefore holds them until the file ends. */
#include "common/codes.h"
#include "common/decimal.h"
#include "common/error.h"
#include "common/grow.h"
#include "common/outbuf.h"
#include "common/tz.h"
#include "read/reader.h"
#include "read/zones.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>

/* A cell: absent (empty), an integer, a decimal text, a text, or a list
 * of a summary's (its line items, its tariff riders: a JSON array, as
 * text in CSV). */
typedef enum cell_kind { C_NONE, C_INT, C_NUMBER, C_TEXT, C_ITEMS, C_RIDERS } cell_kind;

typedef struct cell {
    cell_kind kind;
    int64_t i;
    const char *s;                       /* C_NUMBER: decimal text; C_TEXT: any text */
    const espi_usage_summary_res *owner; /* C_ITEMS, C_RIDERS: whose list */
} cell;

#define MAX_COLUMNS 88
/* powerOfTenMultiplier beyond SI's yocto..yotta gives no value: the
 * decimal text would be absurd, and --unit's prefix must still fit. */
#define MAX_POWER 24

/* A row is filled cell by cell and never zeroed whole: a reading's row is
 * made 175,000 times a second. */
typedef struct row {
    cell cells[MAX_COLUMNS];
    size_t n;
    char scratch[40][96]; /* texts the row formats itself (a summary row uses 38) */
    size_t nscratch;
} row;

static void row_init(row *r)
{
    r->n = 0;
    r->nscratch = 0;
}

/* A reading kept for the JSON document. */
typedef struct kept_reading {
    int64_t start, duration, value, cost, quality;
    unsigned long line;
} kept_reading;

typedef struct kept_list {
    const void *owner; /* the meter reading (NULL: unjoined) */
    kept_reading *items;
    size_t n, cap;
} kept_list;

struct espi_dumper {
    espi_dump_options opts;
    outbuf *out;
    yajl_gen gen;
    bool header_done;
    size_t rows; /* written, for espi_dumper_rows */
    const char *file;
    int unit_power; /* --unit: its prefix power and symbol */
    const char *unit_symbol;
    bool warned_unit, warned_power;
    bool warned_duration; /* a negative duration, once per file */
    ltp_zones zones;      /* of the file's time parameters */
    /* the offset found last, and the span it holds over */
    const espi_tz *span_tz;
    int64_t span_from, span_until;
    int32_t span_offset;
    /* resources to list when a file ends (kinds beside them) */
    espi_resource *listed;
    size_t nlisted, listed_cap;
    kept_list *kept;
    size_t nkept, kept_cap;
};

/* ------------------------------------------------------------------ */
/* Columns                                                             */
/* ------------------------------------------------------------------ */

static const char *const reading_columns[] = {
    "usage_point",  "meter_reading", "commodity",   "kind",       "flow_direction",
    "accumulation", "start_utc",     "start_local", "duration_s", "value_raw",
    "value",        "unit",          "cost_raw",    "cost",       "currency",
    "quality",      "power_of_ten",  "file",        "line",       "tou",
};

/* A SummaryMeasurement: value as in the file, scaled, its unit, its
 * powerOfTenMultiplier, its timeStamp, its readingTypeRef. */
#define MEASUREMENT_COLUMNS(m)                                                                     \
    m "_raw", m, m "_unit", m "_power_of_ten", m "_time_stamp_utc", m "_reading_type_ref"

static const char *const summary_columns[] = {
    "usage_point",
    "summary",
    "billing_start_utc",
    "billing_start_local",
    "billing_duration_s",
    "consumption_raw",
    "consumption",
    "consumption_unit",
    "bill_last_period_raw",
    "bill_last_period",
    "bill_to_date_raw",
    "bill_to_date",
    "cost_additional_last_period_raw",
    "cost_additional_last_period",
    "currency",
    "quality_of_reading",
    "status_time_stamp_utc",
    "commodity",
    "tariff_profile",
    "read_cycle",
    "file",
    "line",
    /* the rest of what ESPI defines (added after the columns above) */
    "consumption_power_of_ten",
    "consumption_time_stamp_utc",
    "consumption_reading_type_ref",
    MEASUREMENT_COLUMNS("current_billing_period_overall_consumption"),
    MEASUREMENT_COLUMNS("current_day_last_year_net_consumption"),
    MEASUREMENT_COLUMNS("current_day_net_consumption"),
    MEASUREMENT_COLUMNS("current_day_overall_consumption"),
    MEASUREMENT_COLUMNS("peak_demand"),
    MEASUREMENT_COLUMNS("previous_day_last_year_overall_consumption"),
    MEASUREMENT_COLUMNS("previous_day_net_consumption"),
    MEASUREMENT_COLUMNS("previous_day_overall_consumption"),
    MEASUREMENT_COLUMNS("ratchet_demand"),
    "ratchet_demand_period_start_utc",
    "ratchet_demand_period_duration_s",
    "cost_additional_detail_last_period",
    "tariff_rider_refs",
    "billing_charge_source_agency_name",
};

/* The keys of a line item and of a tariff rider, in JSON (and in the JSON
 * text of a CSV cell). */
static const char *const line_item_columns[] = {
    "amount_raw",
    "amount",
    "rounding_raw",
    "rounding",
    "date_time_utc",
    "note",
    "measurement_raw",
    "measurement",
    "measurement_unit",
    "measurement_power_of_ten",
    "measurement_time_stamp_utc",
    "measurement_reading_type_ref",
    "item_kind",
    "unit_cost_raw",
    "unit_cost",
    "item_period_start_utc",
    "item_period_duration_s",
};

static const char *const tariff_rider_columns[] = {"rider_type", "enrollment_status",
                                                   "effective_date_utc"};

/* The measurements after overallConsumptionLastPeriod, in their columns'
 * order (espi.h's, which indexes reading_type_refs). */
static const size_t more_measurements[ESPI_SUMMARY_MEASUREMENTS - 1] = {
    offsetof(espi_usage_summary_res, current_billing_period_overall_consumption),
    offsetof(espi_usage_summary_res, current_day_last_year_net_consumption),
    offsetof(espi_usage_summary_res, current_day_net_consumption),
    offsetof(espi_usage_summary_res, current_day_overall_consumption),
    offsetof(espi_usage_summary_res, peak_demand),
    offsetof(espi_usage_summary_res, previous_day_last_year_overall_consumption),
    offsetof(espi_usage_summary_res, previous_day_net_consumption),
    offsetof(espi_usage_summary_res, previous_day_overall_consumption),
    offsetof(espi_usage_summary_res, ratchet_demand),
};

static const char *const usage_point_columns[] = {
    "usage_point", "self",           "service_kind", "status", "tz_offset",
    "dst_offset",  "dst_start_rule", "dst_end_rule", "file",   "line",
};

static const char *const reading_type_columns[] = {
    "reading_type",
    "self",
    "accumulation",
    "commodity",
    "currency",
    "data_qualifier",
    "default_quality",
    "flow_direction",
    "interval_length",
    "kind",
    "phase",
    "power_of_ten",
    "time_attribute",
    "tou",
    "uom",
    "unit",
    "file",
    "line",
};

typedef struct column_set {
    const char *const *names;
    size_t n;
} column_set;

static column_set columns_of(espi_dump_what what)
{
#define SET(a)                                                                                     \
    (column_set)                                                                                   \
    {                                                                                              \
        a, sizeof a / sizeof a[0]                                                                  \
    }
    switch (what) {
    case ESPI_DUMP_SUMMARIES: return SET(summary_columns);
    case ESPI_DUMP_USAGE_POINTS: return SET(usage_point_columns);
    case ESPI_DUMP_READING_TYPES: return SET(reading_type_columns);
    default: return SET(reading_columns);
    }
#undef SET
}

/* ------------------------------------------------------------------ */
/* Cells                                                               */
/* ------------------------------------------------------------------ */

static void add_int(row *r, int64_t v)
{
    r->cells[r->n++] =
        v == ESPI_ABSENT ? (cell){C_NONE, 0, NULL, NULL} : (cell){C_INT, v, NULL, NULL};
}

static void add_text(row *r, const char *s)
{
    r->cells[r->n++] = s && s[0] ? (cell){C_TEXT, 0, s, NULL} : (cell){C_NONE, 0, NULL, NULL};
}

static char *scratch(row *r)
{
    size_t n = sizeof r->scratch / sizeof r->scratch[0];
    assert(r->nscratch < n);
    return r->scratch[r->nscratch < n ? r->nscratch++ : n - 1];
}

/* v * 10^power as exact decimal text. */
static void add_scaled(row *r, int64_t v, int power)
{
    if (v == ESPI_ABSENT) {
        add_int(r, v);
        return;
    }
    char *s = scratch(r);
    dec_format_n(s, 96, v, -power);
    r->cells[r->n++] = (cell){C_NUMBER, 0, s, NULL};
}

static void add_utc(row *r, int64_t t)
{
    if (t == ESPI_ABSENT) {
        add_int(r, t);
        return;
    }
    char *s = scratch(r);
    tz_format_utc(s, t);
    add_text(r, s);
}

static void add_hex(row *r, int64_t v)
{
    if (v == ESPI_ABSENT) {
        add_int(r, v);
        return;
    }
    char *s = scratch(r);
    snprintf(s, 96, "%08llX", (unsigned long long)v);
    add_text(r, s);
}

static const char *identity(const espi_entry *e)
{
    return e->id && e->id[0] ? e->id : e->self;
}

/* ------------------------------------------------------------------ */
/* Local time                                                          */
/* ------------------------------------------------------------------ */

static void warn(espi_dumper *d, const char *code, unsigned long line, const char *fmt, ...)
    ATTR_PRINTF(4, 5);

static void warn(espi_dumper *d, const char *code, unsigned long line, const char *fmt, ...)
{
    err_loc loc = {d->file, line, 0, NULL};
    va_list ap;
    va_start(ap, fmt);
    diag_vemit(d->opts.on_diag, d->opts.diag_ctx, ESPI_SEV_WARNING, code, &loc, fmt, ap);
    va_end(ap);
}

/* The zone of a usage point's time parameters, made once per file. */
static const espi_tz *zone_of(espi_dumper *d, const espi_ltp_res *ltp)
{
    if (d->opts.tz)
        return d->opts.tz;
    return ltp_zones_get(&d->zones, ltp, d->file, d->opts.on_diag, d->opts.diag_ctx);
}

/* Offsets change twice a year: consecutive readings reuse the last span. */
static int32_t offset_at(espi_dumper *d, const espi_tz *tz, int64_t t)
{
    if (tz != d->span_tz || t < d->span_from || t >= d->span_until) {
        d->span_tz = tz;
        d->span_offset = tz_offset_span(tz, t, &d->span_from, &d->span_until);
    }
    return d->span_offset;
}

static void add_local(espi_dumper *d, row *r, int64_t t, const espi_usage_point_res *up)
{
    const espi_tz *tz = zone_of(d, up ? up->ltp : NULL);
    if (t == ESPI_ABSENT || tz == NULL) {
        add_int(r, ESPI_ABSENT);
        return;
    }
    char *s = scratch(r);
    tz_format_local(s, t, offset_at(d, tz, t));
    add_text(r, s);
}

/* ------------------------------------------------------------------ */
/* Rows                                                                */
/* ------------------------------------------------------------------ */

/* A value scaled by its power of ten, and its unit's name: in --unit when
 * that is the same quantity, uom<N> for a code without a name. */
static void value_cells(espi_dumper *d, row *r, int64_t value, int64_t power_of_ten, int64_t uom,
                        unsigned long line)
{
    if (power_of_ten != ESPI_ABSENT && (power_of_ten < -MAX_POWER || power_of_ten > MAX_POWER)) {
        if (!d->warned_power) /* no exact decimal to show: none rather than a wrong one */
            warn(d, "power-of-ten-range", line,
                 "powerOfTenMultiplier %lld is outside %d..%d; values it applies to are left "
                 "empty",
                 (long long)power_of_ten, -MAX_POWER, MAX_POWER);
        d->warned_power = true;
        value = ESPI_ABSENT;
        power_of_ten = 0;
    }
    int power = power_of_ten == ESPI_ABSENT ? 0 : (int)power_of_ten;
    const char *symbol = uom == ESPI_ABSENT ? NULL : espi_uom_symbol(uom);
    const char *unit = symbol;
    if (d->unit_symbol && symbol && strcmp(symbol, d->unit_symbol) == 0) {
        power -= d->unit_power;
        unit = d->opts.unit;
    } else if (d->unit_symbol && !d->warned_unit) {
        d->warned_unit = true;
        warn(d, "unit-mismatch", line,
             "--unit %s does not apply to values in %s; they keep their own unit", d->opts.unit,
             symbol ? symbol : "an unknown unit");
    }
    add_scaled(r, value, power);
    if (unit == NULL && uom != ESPI_ABSENT) {
        char *s = scratch(r);
        snprintf(s, 96, "uom%lld", (long long)uom);
        unit = s;
    }
    add_text(r, unit);
}

static void reading_row(espi_dumper *d, row *r, const espi_interval_reading_res *ir)
{
    const espi_meter_reading_res *mr = ir->block ? ir->block->meter_reading : NULL;
    const espi_usage_point_res *up = mr ? mr->usage_point : NULL;
    const espi_reading_type_res *rt = mr ? mr->reading_type : NULL;
    add_text(r, up ? identity(&up->entry) : NULL);
    add_text(r, mr ? identity(&mr->entry) : NULL);
    add_int(r, rt ? rt->commodity : ESPI_ABSENT);
    add_int(r, rt ? rt->kind : ESPI_ABSENT);
    add_int(r, rt ? rt->flow_direction : ESPI_ABSENT);
    add_int(r, rt ? rt->accumulation : ESPI_ABSENT);
    add_utc(r, ir->start);
    add_local(d, r, ir->start, up);
    if (ir->duration < 0 && ir->duration != ESPI_ABSENT && !d->warned_duration) {
        d->warned_duration = true;
        warn(d, "negative-duration", ir->line,
             "a reading lasts %lld s; a duration cannot be negative (written as the file gives "
             "it; said once per file)",
             (long long)ir->duration);
    }
    add_int(r, ir->duration);
    add_int(r, ir->value);
    if (rt) {
        value_cells(d, r, ir->value, rt->power_of_ten, rt->uom, ir->line);
    } else { /* no unit, no scale */
        add_text(r, NULL);
        add_text(r, NULL);
    }
    add_int(r, ir->cost);
    add_scaled(r, ir->cost, -5);
    const char *cur = rt && rt->currency != ESPI_ABSENT ? espi_currency_alpha(rt->currency) : NULL;
    if (cur)
        add_text(r, cur);
    else
        add_int(r, rt ? rt->currency : ESPI_ABSENT);
    add_int(r, ir->quality);
    add_int(r, rt ? (rt->power_of_ten == ESPI_ABSENT ? 0 : rt->power_of_ten) : ESPI_ABSENT);
    add_text(r, d->file);
    add_int(r, (int64_t)ir->line);
    /* the reading's own time-of-use period, else its ReadingType's (appended last, so the
     * columns before keep their places) */
    add_int(r, ir->tou != ESPI_ABSENT ? ir->tou : rt ? rt->tou : ESPI_ABSENT);
}

static void measurement_cells(espi_dumper *d, row *r, const espi_summary_measurement *m,
                              unsigned long line)
{
    add_int(r, m->value);
    value_cells(d, r, m->value, m->power_of_ten, m->uom, line);
}

/* A measurement's powerOfTenMultiplier: as given, else 0 (ESPI's default)
 * when it has a value. */
static int64_t measurement_power(const espi_summary_measurement *m)
{
    if (m->power_of_ten != ESPI_ABSENT)
        return m->power_of_ten;
    return m->value != ESPI_ABSENT ? 0 : ESPI_ABSENT;
}

static bool measurement_given(const espi_summary_measurement *m)
{
    return m->value != ESPI_ABSENT || m->uom != ESPI_ABSENT || m->power_of_ten != ESPI_ABSENT ||
           m->time_stamp != ESPI_ABSENT;
}

/* The six cells of MEASUREMENT_COLUMNS; empty ones (and no word about
 * --unit) for a measurement the file does not give. */
static void measurement_all(espi_dumper *d, row *r, const espi_summary_measurement *m,
                            const char *ref, unsigned long line)
{
    if (measurement_given(m)) {
        measurement_cells(d, r, m, line);
    } else {
        for (int i = 0; i < 3; i++)
            add_int(r, ESPI_ABSENT);
    }
    add_int(r, measurement_power(m));
    add_utc(r, m->time_stamp);
    add_text(r, ref);
}

static void list_cell(row *r, cell_kind kind, const espi_usage_summary_res *us, size_t n)
{
    r->cells[r->n++] = n ? (cell){kind, 0, NULL, us} : (cell){C_NONE, 0, NULL, NULL};
}

/* The columns after "line": the rest of what ESPI defines. */
static void summary_rest(espi_dumper *d, row *r, const espi_usage_summary_res *us)
{
    const espi_summary_measurement *overall = &us->overall_consumption_last_period;
    add_int(r, measurement_power(overall));
    add_utc(r, overall->time_stamp);
    add_text(r, us->reading_type_refs[0]);
    for (size_t i = 0; i < sizeof more_measurements / sizeof more_measurements[0]; i++) {
        const espi_summary_measurement *m =
            (const espi_summary_measurement *)(const void *)((const char *)us +
                                                             more_measurements[i]);
        measurement_all(d, r, m, us->reading_type_refs[i + 1], us->entry.line);
    }
    add_utc(r, us->ratchet_demand_period_start);
    add_int(r, us->ratchet_demand_period_duration);
    list_cell(r, C_ITEMS, us, us->items ? us->line_items : 0);
    list_cell(r, C_RIDERS, us, us->ntariff_riders);
    add_text(r, us->billing_charge_source);
}

/* A line item, in line_item_columns. */
static void line_item_row(espi_dumper *d, row *r, const espi_line_item *it, unsigned long line)
{
    add_int(r, it->amount);
    add_scaled(r, it->amount, -5);
    add_int(r, it->rounding);
    add_scaled(r, it->rounding, -5);
    add_utc(r, it->date_time);
    add_text(r, it->note);
    measurement_all(d, r, &it->measurement, it->measurement_reading_type_ref, line);
    add_int(r, it->item_kind);
    add_int(r, it->unit_cost);
    add_scaled(r, it->unit_cost, -5);
    add_utc(r, it->item_period_start);
    add_int(r, it->item_period_duration);
}

static void tariff_rider_row(row *r, const espi_tariff_rider *t)
{
    add_text(r, t->rider_type);
    add_text(r, t->enrollment_status);
    add_utc(r, t->effective_date);
}

static void summary_row(espi_dumper *d, row *r, const espi_usage_summary_res *us, const char *name)
{
    add_text(r, us->usage_point ? identity(&us->usage_point->entry) : NULL);
    add_text(r, name);
    add_utc(r, us->billing_start);
    add_local(d, r, us->billing_start, us->usage_point);
    add_int(r, us->billing_duration);
    measurement_cells(d, r, &us->overall_consumption_last_period, us->entry.line);
    add_int(r, us->bill_last_period);
    add_scaled(r, us->bill_last_period, -5);
    add_int(r, us->bill_to_date);
    add_scaled(r, us->bill_to_date, -5);
    add_int(r, us->cost_additional_last_period);
    add_scaled(r, us->cost_additional_last_period, -5);
    const char *cur = us->currency != ESPI_ABSENT ? espi_currency_alpha(us->currency) : NULL;
    if (cur)
        add_text(r, cur);
    else
        add_int(r, us->currency);
    add_int(r, us->quality_of_reading);
    add_utc(r, us->status_time_stamp);
    add_int(r, us->commodity);
    add_text(r, us->tariff_profile);
    add_text(r, us->read_cycle);
    add_text(r, d->file);
    add_int(r, (int64_t)us->entry.line);
    summary_rest(d, r, us);
}

static void usage_point_row(espi_dumper *d, row *r, const espi_usage_point_res *up)
{
    const espi_ltp_res *ltp = up->ltp;
    add_text(r, identity(&up->entry));
    add_text(r, up->entry.self);
    add_int(r, up->service_kind);
    add_int(r, up->status);
    add_int(r, ltp ? ltp->tz_offset : ESPI_ABSENT);
    add_int(r, ltp ? ltp->dst_offset : ESPI_ABSENT);
    add_hex(r, ltp ? ltp->dst_start_rule : ESPI_ABSENT);
    add_hex(r, ltp ? ltp->dst_end_rule : ESPI_ABSENT);
    add_text(r, d->file);
    add_int(r, (int64_t)up->entry.line);
}

static void reading_type_row(espi_dumper *d, row *r, const espi_reading_type_res *rt)
{
    add_text(r, identity(&rt->entry));
    add_text(r, rt->entry.self);
    const int64_t codes[] = {rt->accumulation,
                             rt->commodity,
                             rt->currency,
                             rt->data_qualifier,
                             rt->default_quality,
                             rt->flow_direction,
                             rt->interval_length,
                             rt->kind,
                             rt->phase,
                             rt->power_of_ten,
                             rt->time_attribute,
                             rt->tou,
                             rt->uom};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        add_int(r, codes[i]);
    add_text(r, rt->uom == ESPI_ABSENT ? NULL : espi_uom_symbol(rt->uom));
    add_text(r, d->file);
    add_int(r, (int64_t)rt->entry.line);
}

/* ------------------------------------------------------------------ */
/* Writing rows                                                        */
/* ------------------------------------------------------------------ */

static void csv_header(espi_dumper *d)
{
    column_set cs = columns_of(d->opts.what);
    for (size_t i = 0; i < cs.n; i++) {
        if (i)
            outbuf_putc(d->out, ',');
        outbuf_puts(d->out, cs.names[i]);
    }
    outbuf_putc(d->out, '\n');
}

static void json_list(espi_dumper *d, yajl_gen g, const cell *c);

/* Text that a yajl generator prints, for a CSV cell. */
typedef struct text {
    char *s;
    size_t n, cap;
    bool failed;
} text;

static void text_put(void *ctx, const char *s, size_t len)
{
    text *t = ctx;
    if (t->failed)
        return;
    if (t->n + len + 1 > t->cap) {
        size_t cap = 2 * (t->n + len + 1);
        char *g = realloc(t->s, cap);
        if (g == NULL) {
            t->failed = true;
            return;
        }
        t->s = g;
        t->cap = cap;
    }
    memcpy(t->s + t->n, s, len);
    t->n += len;
    t->s[t->n] = '\0';
}

/* A list cell as compact JSON text; out of memory fails the output, so
 * that no cell goes missing without a word. */
static void csv_list(espi_dumper *d, const cell *c)
{
    text t = {NULL, 0, 0, false};
    yajl_gen g = yajl_gen_alloc(NULL);
    if (g) {
        yajl_gen_config(g, yajl_gen_print_callback, text_put, &t);
        json_list(d, g, c);
        yajl_gen_free(g);
    }
    if (g == NULL || t.failed) {
        d->out->failed = true;
        d->out->err_no = ENOMEM;
    } else if (t.s) {
        outbuf_put_csv(d->out, t.s);
    }
    free(t.s);
}

static void csv_row(espi_dumper *d, const row *r)
{
    for (size_t i = 0; i < r->n; i++) {
        if (i)
            outbuf_putc(d->out, ',');
        const cell *c = &r->cells[i];
        if (c->kind == C_INT)
            outbuf_int(d->out, c->i);
        else if (c->kind == C_NUMBER)
            outbuf_puts(d->out, c->s);
        else if (c->kind == C_TEXT)
            outbuf_put_csv(d->out, c->s);
        else if (c->kind == C_ITEMS || c->kind == C_RIDERS)
            csv_list(d, c);
    }
    outbuf_putc(d->out, '\n');
}

/* Length of the valid UTF-8 sequence at s, or 0. */
static size_t utf8_char(const unsigned char *s)
{
    if (s[0] < 0x80)
        return 1;
    size_t n = s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 ? 2 : 0;
    if (n == 0 || (s[0] >= 0xF0 && n != 4))
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    if ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] >= 0xA0) ||
        (s[0] == 0xF0 && s[1] < 0x90) || (s[0] == 0xF4 && s[1] >= 0x90))
        return 0; /* overlong, surrogate or beyond U+10FFFF */
    return n;
}

/* JSON must be UTF-8: text from the XML always is, but a file name may not
 * be; its stray bytes become U+FFFD. */
static void json_string(yajl_gen g, const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t n = strlen(s), i = 0, k;
    while (i < n && (k = utf8_char(u + i)) != 0)
        i += k;
    if (i == n) {
        yajl_gen_string(g, u, n);
        return;
    }
    unsigned char *fixed = malloc(3 * n + 1), *p = fixed;
    if (fixed == NULL)
        return;
    for (i = 0; i < n; i += k ? k : 1) {
        k = utf8_char(u + i);
        if (k) {
            memcpy(p, u + i, k);
            p += k;
        } else {
            memcpy(p, "\xEF\xBF\xBD", 3);
            p += 3;
        }
    }
    yajl_gen_string(g, fixed, (size_t)(p - fixed));
    free(fixed);
}

static void json_cell(espi_dumper *d, yajl_gen g, const cell *c)
{
    switch (c->kind) {
    case C_INT: yajl_gen_integer(g, c->i); break;
    case C_NUMBER: yajl_gen_number(g, c->s, strlen(c->s)); break;
    case C_TEXT: json_string(g, c->s); break;
    case C_ITEMS:
    case C_RIDERS: json_list(d, g, c); break;
    default: yajl_gen_null(g);
    }
}

/* A summary's line items or tariff riders: an array of objects. */
static void json_list(espi_dumper *d, yajl_gen g, const cell *c)
{
    const espi_usage_summary_res *us = c->owner;
    bool items = c->kind == C_ITEMS;
    size_t n = items ? us->line_items : us->ntariff_riders;
    const char *const *names = items ? line_item_columns : tariff_rider_columns;
    yajl_gen_array_open(g);
    for (size_t i = 0; i < n; i++) {
        row r;
        row_init(&r);
        if (items)
            line_item_row(d, &r, &us->items[i], us->entry.line);
        else
            tariff_rider_row(&r, &us->tariff_riders[i]);
        yajl_gen_map_open(g);
        for (size_t k = 0; k < r.n; k++) {
            json_string(g, names[k]);
            json_cell(d, g, &r.cells[k]);
        }
        yajl_gen_map_close(g);
    }
    yajl_gen_array_close(g);
}

/* The row's cells as members of the open JSON object, from column `from`
 * on (the JSON document leaves out what its nesting already says). */
static void json_members(espi_dumper *d, const row *r, size_t from)
{
    column_set cs = columns_of(d->opts.what);
    for (size_t i = from; i < r->n && i < cs.n; i++) {
        json_string(d->gen, cs.names[i]);
        json_cell(d, d->gen, &r->cells[i]);
    }
}

static void emit_row(espi_dumper *d, const row *r)
{
    d->rows++;
    if (d->opts.format == ESPI_DUMP_CSV) {
        csv_row(d, r);
        return;
    }
    yajl_gen_map_open(d->gen);
    json_members(d, r, 0);
    yajl_gen_map_close(d->gen);
    yajl_gen_reset(d->gen, "\n");
}

static void print_json(void *ctx, const char *s, size_t len)
{
    outbuf_put(ctx, s, len);
}

/* ------------------------------------------------------------------ */
/* The JSON document                                                   */
/* ------------------------------------------------------------------ */

static int remember(espi_dumper *d, const espi_resource *res)
{
    espi_resource *g = grow_array(d->listed, &d->listed_cap, d->nlisted, sizeof *g, 32);
    if (g == NULL)
        return ESPI_E_NOMEM;
    d->listed = g;
    d->listed[d->nlisted++] = *res;
    return 0;
}

static kept_list *kept_for(espi_dumper *d, const void *owner)
{
    for (size_t i = d->nkept; i-- > 0;)
        if (d->kept[i].owner == owner)
            return &d->kept[i];
    kept_list *g = grow_array(d->kept, &d->kept_cap, d->nkept, sizeof *g, 8);
    if (g == NULL)
        return NULL;
    d->kept = g;
    d->kept[d->nkept] = (kept_list){owner, NULL, 0, 0};
    return &d->kept[d->nkept++];
}

static int keep_reading(espi_dumper *d, const espi_interval_reading_res *ir)
{
    kept_list *l = kept_for(d, ir->block ? ir->block->meter_reading : NULL);
    if (l == NULL)
        return ESPI_E_NOMEM;
    kept_reading *g = grow_array(l->items, &l->cap, l->n, sizeof *g, 64);
    if (g == NULL)
        return ESPI_E_NOMEM;
    l->items = g;
    l->items[l->n++] =
        (kept_reading){ir->start, ir->duration, ir->value, ir->cost, ir->quality, ir->line};
    return 0;
}

static void json_key(espi_dumper *d, const char *key)
{
    json_string(d->gen, key);
}

/* A kept reading as the reading row of its meter reading, less the
 * columns its place in the document already gives. */
static void json_reading(espi_dumper *d, const kept_reading *k, const espi_meter_reading_res *mr)
{
    espi_interval_block_res block = {.meter_reading = mr};
    espi_interval_reading_res ir = {.start = k->start,
                                    .duration = k->duration,
                                    .value = k->value,
                                    .cost = k->cost,
                                    .quality = k->quality,
                                    .consumption_tier = ESPI_ABSENT,
                                    .tou = ESPI_ABSENT,
                                    .cpp = ESPI_ABSENT,
                                    .line = k->line,
                                    .block = &block,
                                    .column = 0};
    row r;
    row_init(&r);
    reading_row(d, &r, &ir);
    d->rows++;
    yajl_gen_map_open(d->gen);
    json_members(d, &r, 6); /* from start_utc on */
    yajl_gen_map_close(d->gen);
}

static void json_readings(espi_dumper *d, const void *owner, const espi_meter_reading_res *mr)
{
    yajl_gen_array_open(d->gen);
    for (size_t i = 0; i < d->nkept; i++)
        if (d->kept[i].owner == owner)
            for (size_t k = 0; k < d->kept[i].n; k++)
                json_reading(d, &d->kept[i].items[k], mr);
    yajl_gen_array_close(d->gen);
}

static void json_object_of(espi_dumper *d, const row *r, espi_dump_what what)
{
    espi_dump_what saved = d->opts.what;
    d->opts.what = what;
    yajl_gen_map_open(d->gen);
    json_members(d, r, 0);
    d->opts.what = saved;
}

static void json_meter_reading(espi_dumper *d, const espi_meter_reading_res *mr)
{
    yajl_gen_map_open(d->gen);
    json_key(d, "meter_reading");
    json_string(d->gen, identity(&mr->entry) ? identity(&mr->entry) : "");
    json_key(d, "reading_type");
    if (mr->reading_type) {
        row r;
        row_init(&r);
        reading_type_row(d, &r, mr->reading_type);
        json_object_of(d, &r, ESPI_DUMP_READING_TYPES);
        yajl_gen_map_close(d->gen);
    } else {
        yajl_gen_null(d->gen);
    }
    json_key(d, "readings");
    json_readings(d, mr, mr);
    yajl_gen_map_close(d->gen);
}

static void json_summary(espi_dumper *d, const espi_resource *res)
{
    row r;
    row_init(&r);
    summary_row(d, &r, res->u.usage_summary, res->name);
    json_object_of(d, &r, ESPI_DUMP_SUMMARIES);
    yajl_gen_map_close(d->gen);
}

/* Members "meter_readings" and "summaries" of a usage point (NULL: those
 * that belong to none). */
static void json_children(espi_dumper *d, const espi_usage_point_res *up)
{
    json_key(d, "meter_readings");
    yajl_gen_array_open(d->gen);
    for (size_t i = 0; i < d->nlisted; i++) {
        const espi_resource *res = &d->listed[i];
        if (res->kind == ESPI_RES_METER_READING && res->u.meter_reading->usage_point == up)
            json_meter_reading(d, res->u.meter_reading);
    }
    yajl_gen_array_close(d->gen);
    json_key(d, "summaries");
    yajl_gen_array_open(d->gen);
    for (size_t i = 0; i < d->nlisted; i++) {
        const espi_resource *res = &d->listed[i];
        if (res->kind == ESPI_RES_USAGE_SUMMARY && res->u.usage_summary->usage_point == up)
            json_summary(d, res);
    }
    yajl_gen_array_close(d->gen);
}

static void json_feed(espi_dumper *d, const espi_feed_res *feed)
{
    json_key(d, "file");
    json_string(d->gen, d->file);
    json_key(d, "feed");
    yajl_gen_map_open(d->gen);
    const char *fields[3][2] = {
        {"id", feed->id}, {"title", feed->title}, {"updated", feed->updated}};
    for (size_t i = 0; i < 3; i++) {
        json_key(d, fields[i][0]);
        if (fields[i][1])
            json_string(d->gen, fields[i][1]);
        else
            yajl_gen_null(d->gen);
    }
    yajl_gen_map_close(d->gen);
}

/* The whole graph of one file: usage points, their meter readings (each
 * with its reading type and readings) and summaries; what joins nothing
 * follows under "unjoined". */
static void json_document(espi_dumper *d, const espi_feed_res *feed)
{
    yajl_gen_map_open(d->gen);
    json_feed(d, feed);
    json_key(d, "usage_points");
    yajl_gen_array_open(d->gen);
    for (size_t i = 0; i < d->nlisted; i++) {
        if (d->listed[i].kind != ESPI_RES_USAGE_POINT)
            continue;
        const espi_usage_point_res *up = d->listed[i].u.usage_point;
        row r;
        row_init(&r);
        usage_point_row(d, &r, up);
        json_object_of(d, &r, ESPI_DUMP_USAGE_POINTS);
        json_children(d, up);
        yajl_gen_map_close(d->gen);
    }
    yajl_gen_array_close(d->gen);
    json_key(d, "unjoined");
    yajl_gen_map_open(d->gen);
    json_children(d, NULL);
    json_key(d, "readings");
    json_readings(d, NULL, NULL);
    yajl_gen_map_close(d->gen);
    yajl_gen_map_close(d->gen);
    yajl_gen_reset(d->gen, NULL); /* beautified output already ends with a line break */
}

/* --what summaries|usage-points|reading-types as one JSON document. */
static void json_listing(espi_dumper *d)
{
    yajl_gen_map_open(d->gen);
    json_key(d, "file");
    json_string(d->gen, d->file);
    json_key(d, d->opts.what == ESPI_DUMP_SUMMARIES      ? "summaries"
                : d->opts.what == ESPI_DUMP_USAGE_POINTS ? "usage_points"
                                                         : "reading_types");
    yajl_gen_array_open(d->gen);
    for (size_t i = 0; i < d->nlisted; i++) {
        row r;
        row_init(&r);
        const espi_resource *res = &d->listed[i];
        if (res->kind == ESPI_RES_USAGE_SUMMARY)
            summary_row(d, &r, res->u.usage_summary, res->name);
        else if (res->kind == ESPI_RES_USAGE_POINT)
            usage_point_row(d, &r, res->u.usage_point);
        else
            reading_type_row(d, &r, res->u.reading_type);
        d->rows++;
        json_object_of(d, &r, d->opts.what);
        yajl_gen_map_close(d->gen);
    }
    yajl_gen_array_close(d->gen);
    yajl_gen_map_close(d->gen);
    yajl_gen_reset(d->gen, NULL); /* beautified output already ends with a line break */
}

/* ------------------------------------------------------------------ */
/* Per file                                                            */
/* ------------------------------------------------------------------ */

static bool wanted_listing(const espi_dumper *d, espi_resource_kind k)
{
    switch (d->opts.what) {
    case ESPI_DUMP_SUMMARIES: return k == ESPI_RES_USAGE_SUMMARY;
    case ESPI_DUMP_USAGE_POINTS: return k == ESPI_RES_USAGE_POINT;
    case ESPI_DUMP_READING_TYPES: return k == ESPI_RES_READING_TYPE;
    default:
        return d->opts.format == ESPI_DUMP_JSON &&
               (k == ESPI_RES_USAGE_POINT || k == ESPI_RES_METER_READING ||
                k == ESPI_RES_USAGE_SUMMARY);
    }
}

/* Listings wait for the end of the file, when every join is known;
 * summary rows in CSV and JSON lines do not (they join when delivered). */
static void end_of_file(espi_dumper *d, const espi_feed_res *feed)
{
    if (d->opts.format == ESPI_DUMP_JSON) {
        if (d->opts.what == ESPI_DUMP_READINGS)
            json_document(d, feed);
        else
            json_listing(d);
        return;
    }
    for (size_t i = 0; i < d->nlisted; i++) {
        row r;
        row_init(&r);
        const espi_resource *res = &d->listed[i];
        if (res->kind == ESPI_RES_USAGE_POINT)
            usage_point_row(d, &r, res->u.usage_point);
        else if (res->kind == ESPI_RES_READING_TYPE)
            reading_type_row(d, &r, res->u.reading_type);
        else
            continue;
        emit_row(d, &r);
    }
}

static int on_resource(const espi_resource *res, void *ctx)
{
    espi_dumper *d = ctx;
    bool json_doc = d->opts.format == ESPI_DUMP_JSON;
    if (res->kind == ESPI_RES_INTERVAL_READING && d->opts.what == ESPI_DUMP_READINGS) {
        if (json_doc)
            return keep_reading(d, res->u.reading);
        row r;
        row_init(&r);
        reading_row(d, &r, res->u.reading);
        emit_row(d, &r);
    } else if (res->kind == ESPI_RES_USAGE_SUMMARY && d->opts.what == ESPI_DUMP_SUMMARIES &&
               !json_doc) {
        row r;
        row_init(&r);
        summary_row(d, &r, res->u.usage_summary, res->name);
        emit_row(d, &r);
    } else if (wanted_listing(d, res->kind)) {
        return remember(d, res);
    } else if (res->kind == ESPI_RES_FEED) {
        end_of_file(d, res->u.feed);
    }
    return d->out->failed ? ESPI_E_IO : 0;
}

static void clear_file(espi_dumper *d)
{
    for (size_t i = 0; i < d->nkept; i++)
        free(d->kept[i].items);
    d->nkept = 0;
    d->nlisted = 0;
    ltp_zones_clear(&d->zones);
    d->span_tz = NULL;
    d->warned_unit = d->warned_power = false;
}

static int write_failed(espi_dumper *d, espi_error *err)
{
    char reason[128];
    err_strerror(d->out->err_no, reason, sizeof reason);
    err_loc loc = {"<output>", 0, 0, NULL};
    return err_fail(err, ESPI_E_IO, "write", &loc, "cannot write the output: %s", reason);
}

/* Bytes read ahead to find a DOCTYPE: it comes in the prolog, before the
 * root element, after at most the XML declaration and a few comments. */
#define PROLOG_BYTES 4096

/* The line of a DOCTYPE in the prolog at s (0: none). The prolog holds the
 * XML declaration, processing instructions, comments and white space. */
static unsigned long doctype_line(const char *s, size_t n)
{
    unsigned long line = 1;
    size_t i = 0;
    while (i < n) {
        if (s[i] != '<') {
            line += s[i++] == '\n';
            continue;
        }
        const char *close = i + 1 < n && s[i + 1] == '?'                  ? "?>"
                            : i + 4 <= n && memcmp(s + i, "<!--", 4) == 0 ? "-->"
                                                                          : NULL;
        if (close == NULL)
            return n - i >= 9 && memcmp(s + i, "<!DOCTYPE", 9) == 0 ? line : 0;
        size_t k = i + 2, len = strlen(close);
        while (k + len <= n && memcmp(s + k, close, len) != 0)
            line += s[k++] == '\n';
        i = k + len;
    }
    return 0;
}

/* A DOCTYPE is said once per file: espi reads no DTD, so what it would add
 * (defaults, entities) is not in the rows. */
static void warn_doctype(const espi_dumper *d, const char *name, const char *head, size_t n)
{
    unsigned long line = doctype_line(head, n);
    if (line == 0)
        return;
    err_loc loc = {name, line, 0, NULL};
    diag_emit(d->opts.on_diag, d->opts.diag_ctx, ESPI_SEV_WARNING, "xml-dtd", &loc,
              "the file declares a DTD (<!DOCTYPE ...>); espi reads no DTD and expands no entity, "
              "so the rows hold what the file says without it");
}

/* Where the rows of the next file begin, when they can be taken back: the
 * output flushed, and its offset (-1 when it is not a regular file). */
static off_t mark_rows(espi_dumper *d)
{
    if (!d->opts.drop_failed || !outbuf_flush(d->out) || fflush(d->out->f) != 0)
        return -1;
    return ftello(d->out->f);
}

/* The rows of a file that failed are cut off the output. */
static void drop_rows(espi_dumper *d, off_t mark, size_t rows)
{
    d->rows = rows;
    d->out->len = 0;
    if (fflush(d->out->f) == 0 && ftruncate(fileno(d->out->f), mark) == 0)
        fseeko(d->out->f, mark, SEEK_SET);
}

/* The CSV header, once, before the first rows (or at the end when there
 * are none); a part (no_header) leaves it to the dumper of the first part. */
static void write_header(espi_dumper *d)
{
    if (!d->header_done && d->opts.format == ESPI_DUMP_CSV && !d->opts.no_header)
        csv_header(d);
    d->header_done = true;
}

int espi_dumper_add(espi_dumper *d, FILE *in, const char *name, espi_error *err)
{
    write_header(d);
    d->file = name;
    d->warned_duration = false;
    off_t mark = mark_rows(d);
    size_t rows = d->rows;
    char head[PROLOG_BYTES];
    size_t n = fread(head, 1, sizeof head, in);
    warn_doctype(d, name, head, n);
    read_observer obs = {.head = head, .head_len = n};
    espi_read_options ro = {d->opts.on_diag, d->opts.diag_ctx, d->opts.chunk_size, 0};
    int rc = reader_run(in, name, &ro, &obs, on_resource, d, err);
    clear_file(d);
    if (d->out->failed)
        return write_failed(d, err);
    if (rc != 0 && mark >= 0)
        drop_rows(d, mark, rows);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Life                                                                */
/* ------------------------------------------------------------------ */

void espi_dump_options_init(espi_dump_options *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->format = ESPI_DUMP_CSV;
    opts->what = ESPI_DUMP_READINGS;
}

int espi_dumper_new(espi_dumper **out, FILE *dest, const espi_dump_options *opts, espi_error *err)
{
    *out = NULL;
    espi_dump_options defaults;
    if (opts == NULL) {
        espi_dump_options_init(&defaults);
        opts = &defaults;
    }
    espi_dumper *d = calloc(1, sizeof *d);
    if (d == NULL || (d->out = malloc(sizeof *d->out)) == NULL) {
        free(d);
        return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    }
    d->opts = *opts;
    outbuf_init(d->out, dest);
    if (opts->unit && !espi_unit_parse(&d->unit_power, &d->unit_symbol, opts->unit)) {
        espi_dumper_free(d);
        return err_fail(err, ESPI_E_ARG, "unit", NULL,
                        "unknown unit '%s': expected an ESPI unit such as Wh, W, m3 or therm, "
                        "with an SI prefix or none (kWh, MWh, kW)",
                        opts->unit);
    }
    if (opts->format != ESPI_DUMP_CSV) {
        d->gen = yajl_gen_alloc(NULL);
        if (d->gen == NULL) {
            espi_dumper_free(d);
            return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
        }
        yajl_gen_config(d->gen, yajl_gen_print_callback, print_json, d->out);
        yajl_gen_config(d->gen, yajl_gen_beautify, opts->format == ESPI_DUMP_JSON);
    }
    *out = d;
    return 0;
}

int espi_dumper_finish(espi_dumper *d, espi_error *err)
{
    write_header(d);
    if (!outbuf_flush(d->out) || fflush(d->out->f) != 0) {
        if (d->out->err_no == 0)
            d->out->err_no = errno;
        return write_failed(d, err);
    }
    return 0;
}

size_t espi_dumper_rows(const espi_dumper *d)
{
    return d->rows;
}

void espi_dumper_free(espi_dumper *d)
{
    if (d == NULL)
        return;
    clear_file(d);
    ltp_zones_free(&d->zones);
    free(d->kept);
    free(d->listed);
    if (d->gen)
        yajl_gen_free(d->gen);
    free(d->out);
    free(d);
}
