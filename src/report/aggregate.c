/* SPDX-License-Identifier: Apache-2.0 */
/* aggregate.c - espi summary: readings totalled per usage point, meter
 * reading, tou and local period (docs/summary-format.md). Fed by the
 * streaming reader as dump is; each series keeps one total per period, so
 * memory grows with the periods, not the readings. A file's rows are
 * written when the file ends. */
#include "common/decimal.h"
#include "common/error.h"
#include "common/grow.h"
#include "common/outbuf.h"
#include "common/tz.h"
#include "read/reader.h"
#include "read/zones.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>

/* powerOfTenMultiplier beyond SI's yocto..yotta gives no value (as dump). */
#define MAX_POWER 24

typedef struct totals {
    int64_t start, end; /* UTC [start, end) */
    char label[40];
    int64_t readings, missing;
    int64_t value; /* sum of value_raw, at the series' power */
    bool has_value, value_overflow;
    int64_t cost; /* hundred-thousandths */
    bool has_cost, cost_overflow;
    bool has_peak;
    int64_t peak, peak_start; /* peak: thousandths of the unit per hour, rounded */
} totals;

typedef struct series {
    const void *mr; /* key: the meter reading (NULL: unjoined) and the tou */
    int64_t tou;
    const void *up;
    char *usage_point, *meter_reading;
    int64_t commodity, kind, flow_direction, currency, interval_length;
    int power; /* value = sum * 10^power */
    const char *unit;
    char unit_buf[24];
    size_t first_seen;
    const espi_tz *tz; /* the zone of its first reading (NULL: UTC) */
    totals *p;
    size_t np, cap;
} series;

/* Resources in their file order (usage points and meter readings). */
typedef struct seen {
    const void *ptr;
    size_t order;
} seen;

/* What a meter reading's readings cover, whatever their tou: missing
 * slots are counted per meter reading, in its row without a tou. */
typedef struct channel {
    const void *mr;
    int64_t tou;
    int64_t covered_until; /* end of the readings so far (ESPI_ABSENT: none) */
} channel;

/* A UsageSummary's billing period, for --per bill. */
typedef struct bill {
    const void *up; /* compared, never followed: it may be gone when rows are written */
    int64_t start, duration;
} bill;

/* --per bill totals readings first per quarter hour (every zone's offset
 * is a multiple of it), then adds those up per billing period once the
 * file's UsageSummaries are known: they come after the readings. */
#define BILL_SLOT 900

/* A gap longer than this (20 years) is not counted slot by slot: a
 * reading dated centuries off would make millions of empty periods. */
#define MAX_GAP ((int64_t)20 * 366 * 86400)

struct espi_summarizer {
    espi_summary_options opts;
    outbuf *out;
    yajl_gen gen;
    bool started;
    bool written; /* this file's rows */
    const char *file;
    int unit_power;
    const char *unit_symbol;
    bool warned_unit, warned_utc, warned_power, warned_overflow, warned_gap;
    series *s;
    size_t ns, scap;
    seen *order;
    size_t norder, ocap;
    ltp_zones zones; /* of the file's time parameters */
    channel *ch;
    size_t nch, chcap;
    bill *bills;
    size_t nbills, bcap;
};

static const char *const columns[] = {
    "usage_point",    "meter_reading", "commodity",   "kind",
    "flow_direction", "tou",           "period",      "period_start_utc",
    "readings",       "missing",       "value",       "unit",
    "cost",           "currency",      "peak_demand", "peak_demand_unit",
    "peak_start_utc",
};
#define NCOLUMNS (sizeof columns / sizeof columns[0])

static const char *const per_names[] = {"hour", "day", "week", "month", "bill"};

static void warn(espi_summarizer *m, const char *code, unsigned long line, const char *fmt, ...)
    ATTR_PRINTF(4, 5);

static void warn(espi_summarizer *m, const char *code, unsigned long line, const char *fmt, ...)
{
    err_loc loc = {m->file, line, 0, NULL};
    va_list ap;
    va_start(ap, fmt);
    diag_vemit(m->opts.on_diag, m->opts.diag_ctx, ESPI_SEV_WARNING, code, &loc, fmt, ap);
    va_end(ap);
}

static const char *identity(const espi_entry *e)
{
    return e->id && e->id[0] ? e->id : e->self;
}

/* ------------------------------------------------------------------ */
/* Local time                                                          */
/* ------------------------------------------------------------------ */

/* The zone of a usage point's time parameters (made once per file); NULL:
 * UTC, said once per file. */
static const espi_tz *zone_of(espi_summarizer *m, const espi_ltp_res *ltp, unsigned long line)
{
    if (m->opts.tz)
        return m->opts.tz;
    const espi_tz *tz = ltp_zones_get(&m->zones, ltp, m->file, m->opts.on_diag, m->opts.diag_ctx);
    if (tz == NULL && !m->warned_utc) {
        m->warned_utc = true;
        warn(
            m, "summary-utc", line,
            "no usable LocalTimeParameters for these readings: their periods are in UTC (give --tz "
            "for the real zone)");
    }
    return tz;
}

static int32_t offset_of(const espi_tz *tz, int64_t t)
{
    return tz ? espi_tz_offset_at(NULL, tz, t) : 0;
}

/* The first instant of a local wall time (the gap's end when it is skipped). */
static int64_t wall_start(const espi_tz *tz, int64_t wall)
{
    if (tz == NULL)
        return wall;
    int64_t out[2], gap_end = wall;
    int n = espi_tz_wall_to_utc(out, &gap_end, tz, wall);
    return n > 0 ? out[0] : gap_end;
}

static int64_t floor_mod(int64_t a, int64_t b)
{
    int64_t r = a % b;
    return r < 0 ? r + b : r;
}

/* The period that holds t: its UTC span and its label. */
static void period_of(const espi_summarizer *m, const espi_tz *tz, int64_t t, totals *p)
{
    int32_t off = offset_of(tz, t);
    int64_t local = t + off, days = tz_days_of(local), y, y2;
    int mo, d, mo2, d2;
    tz_civil_from_days(days, &y, &mo, &d);
    memset(p, 0, sizeof *p);
    switch (m->opts.per) {
    case ESPI_SUMMARY_HOUR: {
        p->start = t - floor_mod(local, 3600);
        p->end = p->start + 3600;
        int64_t out[2];
        int hour = (int)(floor_mod(local, SECONDS_PER_DAY) / 3600);
        snprintf(p->label, sizeof p->label, "%04lld-%02d-%02dT%02d", (long long)y, mo, d, hour);
        if (tz && espi_tz_wall_to_utc(out, NULL, tz, local - floor_mod(local, 3600)) == 2) {
            char o[16];
            int32_t a = off < 0 ? -off : off;
            snprintf(o, sizeof o, "%c%02d:%02d", off < 0 ? '-' : '+', (int)(a / 3600),
                     (int)(a % 3600 / 60));
            size_t n = strlen(p->label);
            snprintf(p->label + n, sizeof p->label - n, "%s", o);
        }
        return;
    }
    case ESPI_SUMMARY_WEEK: {
        int64_t monday = days - (tz_weekday_from_days(days) + 6) % 7;
        tz_civil_from_days(monday, &y, &mo, &d);
        p->start = wall_start(tz, monday * SECONDS_PER_DAY);
        p->end = wall_start(tz, (monday + 7) * SECONDS_PER_DAY);
        break;
    }
    case ESPI_SUMMARY_BILL:
        p->start = t - floor_mod(t, BILL_SLOT);
        p->end = p->start + BILL_SLOT;
        return;
    case ESPI_SUMMARY_MONTH:
        y2 = mo == 12 ? y + 1 : y;
        mo2 = mo == 12 ? 1 : mo + 1;
        d2 = 1;
        d = 1;
        p->start = wall_start(tz, tz_days_from_civil(y, mo, 1) * SECONDS_PER_DAY);
        p->end = wall_start(tz, tz_days_from_civil(y2, mo2, d2) * SECONDS_PER_DAY);
        snprintf(p->label, sizeof p->label, "%04lld-%02d", (long long)y, mo);
        return;
    default: /* day */
        p->start = wall_start(tz, days * SECONDS_PER_DAY);
        p->end = wall_start(tz, (days + 1) * SECONDS_PER_DAY);
        break;
    }
    snprintf(p->label, sizeof p->label, "%04lld-%02d-%02d", (long long)y, mo, d);
}

/* ------------------------------------------------------------------ */
/* Series and periods                                                  */
/* ------------------------------------------------------------------ */

static size_t order_of(espi_summarizer *m, const void *ptr)
{
    for (size_t i = 0; i < m->norder; i++)
        if (m->order[i].ptr == ptr)
            return m->order[i].order;
    return (size_t)-1;
}

static void note_order(espi_summarizer *m, const void *ptr)
{
    if (order_of(m, ptr) != (size_t)-1)
        return;
    seen *g = grow_array(m->order, &m->ocap, m->norder, sizeof *g, 16);
    if (g == NULL)
        return; /* the order falls back to first reading */
    m->order = g;
    m->order[m->norder] = (seen){ptr, m->norder};
    m->norder++;
}

static char *dup_text(const char *s)
{
    if (s == NULL)
        return NULL;
    size_t n = strlen(s) + 1;
    char *c = malloc(n);
    if (c)
        memcpy(c, s, n);
    return c;
}

static void series_unit(espi_summarizer *m, series *s, const espi_reading_type_res *rt,
                        unsigned long line)
{
    int64_t power = rt && rt->power_of_ten != ESPI_ABSENT ? rt->power_of_ten : 0;
    if (power < -MAX_POWER || power > MAX_POWER) {
        if (!m->warned_power)
            warn(m, "power-of-ten-range", line,
                 "powerOfTenMultiplier %lld is outside %d..%d; these readings are left out",
                 (long long)power, -MAX_POWER, MAX_POWER);
        m->warned_power = true;
        power = 0;
    }
    s->power = (int)power;
    int64_t uom = rt ? rt->uom : ESPI_ABSENT;
    const char *symbol = uom == ESPI_ABSENT ? NULL : espi_uom_symbol(uom);
    s->unit = symbol;
    if (m->unit_symbol && symbol && strcmp(symbol, m->unit_symbol) == 0) {
        s->power -= m->unit_power;
        s->unit = m->opts.unit;
    } else if (m->unit_symbol && rt && !m->warned_unit) {
        m->warned_unit = true;
        warn(m, "unit-mismatch", line,
             "--unit %s does not apply to values in %s; they keep their own unit", m->opts.unit,
             symbol ? symbol : "an unknown unit");
    }
    if (s->unit == NULL && uom != ESPI_ABSENT) {
        snprintf(s->unit_buf, sizeof s->unit_buf, "uom%lld", (long long)uom);
        s->unit = s->unit_buf;
    }
}

static series *series_for(espi_summarizer *m, const espi_meter_reading_res *mr, int64_t tou,
                          unsigned long line)
{
    const espi_reading_type_res *rt = mr ? mr->reading_type : NULL;
    for (size_t i = m->ns; i-- > 0;)
        if (m->s[i].mr == mr && m->s[i].tou == tou)
            return &m->s[i];
    series *g = grow_array(m->s, &m->scap, m->ns, sizeof *g, 8);
    if (g == NULL)
        return NULL;
    m->s = g;
    series *s = &m->s[m->ns];
    memset(s, 0, sizeof *s);
    const espi_usage_point_res *up = mr ? mr->usage_point : NULL;
    s->mr = mr;
    s->up = up;
    s->tou = tou;
    s->usage_point = dup_text(up ? identity(&up->entry) : NULL);
    s->meter_reading = dup_text(mr ? identity(&mr->entry) : NULL);
    s->commodity = rt ? rt->commodity : ESPI_ABSENT;
    s->kind = rt ? rt->kind : ESPI_ABSENT;
    s->flow_direction = rt ? rt->flow_direction : ESPI_ABSENT;
    s->currency = rt ? rt->currency : ESPI_ABSENT;
    s->interval_length = rt && rt->interval_length > 0 ? rt->interval_length : 0;
    s->first_seen = m->ns;
    series_unit(m, s, rt, line);
    m->ns++;
    return s;
}

/* The totals of the period that holds t (periods kept sorted by start). */
static totals *period_for(espi_summarizer *m, series *s, const espi_tz *tz, int64_t t)
{
    size_t lo = 0, hi = s->np;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->p[mid].end <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < s->np && s->p[lo].start <= t)
        return &s->p[lo];
    totals p;
    period_of(m, tz, t, &p);
    totals *g = grow_array(s->p, &s->cap, s->np, sizeof *g, 16);
    if (g == NULL)
        return NULL;
    s->p = g;
    memmove(&s->p[lo + 1], &s->p[lo], (s->np - lo) * sizeof *s->p);
    s->p[lo] = p;
    s->np++;
    return &s->p[lo];
}

/* round_half_even(num / den), den > 0. */
static __int128 div_half_even(__int128 num, __int128 den)
{
    __int128 q = num / den, r = num % den;
    if (r < 0) {
        q -= 1;
        r += den;
    }
    if (2 * r > den || (2 * r == den && (q % 2 != 0)))
        q += 1;
    return q;
}

static channel *channel_for(espi_summarizer *m, const void *mr, int64_t tou)
{
    for (size_t i = m->nch; i-- > 0;)
        if (m->ch[i].mr == mr && m->ch[i].tou == tou)
            return &m->ch[i];
    channel *g = grow_array(m->ch, &m->chcap, m->nch, sizeof *g, 8);
    if (g == NULL)
        return NULL;
    m->ch = g;
    m->ch[m->nch] = (channel){mr, tou, ESPI_ABSENT};
    return &m->ch[m->nch++];
}

/* Whole intervalLength slots from what the series' readings cover up to
 * this reading's start, each counted in the period of its start. Readings are taken
 * in file order: one that starts before the end of those before it
 * fills no gap. */
static int count_missing(espi_summarizer *m, series *s, const espi_tz *tz, int64_t from,
                         int64_t start)
{
    int64_t len = s->interval_length, t = from, slots = (start - from) / len;
    while (slots > 0) {
        totals *p = period_for(m, s, tz, t);
        if (p == NULL)
            return ESPI_E_NOMEM;
        int64_t in = (p->end - t + len - 1) / len; /* slots starting in this period */
        if (in > slots || in <= 0)
            in = slots;
        p->missing += in;
        slots -= in;
        t += in * len;
    }
    return 0;
}

/* value x 3600 / duration, in thousandths of the unit (10^power) per
 * hour, rounded half to even; false when it does not fit. */
static bool rate_of(int64_t *out, int64_t value, int64_t duration, int power)
{
    __int128 num = (__int128)value * 3600, den = duration;
    int e = power + 3;
    for (; e > 0; e--) {
        if (num > (__int128)INT64_MAX * 1000000 || num < -(__int128)INT64_MAX * 1000000)
            return false;
        num *= 10;
    }
    for (; e < 0; e++) {
        if (den > (__int128)INT64_MAX * 1000000)
            return false;
        den *= 10;
    }
    __int128 q = div_half_even(num, den);
    if (q > INT64_MAX || q < -INT64_MAX)
        return false;
    *out = (int64_t)q;
    return true;
}

static void add_to(espi_summarizer *m, const series *s, totals *p,
                   const espi_interval_reading_res *ir)
{
    int64_t rate;
    if (ir->value != ESPI_ABSENT) {
        p->readings++;
        if (__builtin_add_overflow(p->value, ir->value, &p->value))
            p->value_overflow = true;
        p->has_value = true;
        if (ir->duration > 0 && rate_of(&rate, ir->value, ir->duration, s->power) &&
            (!p->has_peak || rate > p->peak || (rate == p->peak && ir->start < p->peak_start))) {
            p->has_peak = true;
            p->peak = rate;
            p->peak_start = ir->start;
        }
    }
    if (ir->cost != ESPI_ABSENT) {
        if (__builtin_add_overflow(p->cost, ir->cost, &p->cost))
            p->cost_overflow = true;
        p->has_cost = true;
    }
    if ((p->value_overflow || p->cost_overflow) && !m->warned_overflow) {
        m->warned_overflow = true;
        warn(m, "summary-overflow", ir->line,
             "a period's total does not fit 64 bits; it is left empty");
    }
}

static int on_reading(espi_summarizer *m, const espi_interval_reading_res *ir)
{
    if (ir->start == ESPI_ABSENT)
        return 0;
    const espi_meter_reading_res *mr = ir->block ? ir->block->meter_reading : NULL;
    const espi_reading_type_res *rt = mr ? mr->reading_type : NULL;
    const espi_usage_point_res *up = mr ? mr->usage_point : NULL;
    const espi_tz *tz = zone_of(m, up ? up->ltp : NULL, ir->line);
    int64_t tou = ir->tou != ESPI_ABSENT ? ir->tou : rt ? rt->tou : ESPI_ABSENT;
    /* gaps are the meter reading's: a slot no reading covers has no tou */
    channel *c = channel_for(m, mr, ESPI_ABSENT);
    if (c == NULL)
        return ESPI_E_NOMEM;
    int64_t from = c->covered_until;
    int64_t end = ir->start, gap = 0;
    if (ir->duration > 0 && __builtin_add_overflow(ir->start, ir->duration, &end))
        end = INT64_MAX;
    if (from == ESPI_ABSENT || end > from)
        c->covered_until = end;
    series *s = series_for(m, mr, tou, ir->line);
    if (s == NULL)
        return ESPI_E_NOMEM;
    if (s->np == 0)
        s->tz = tz;
    if (from != ESPI_ABSENT && __builtin_sub_overflow(ir->start, from, &gap))
        gap = INT64_MAX;
    if (s->interval_length > 0 && from != ESPI_ABSENT && gap >= s->interval_length) {
        if (gap > MAX_GAP) {
            if (!m->warned_gap)
                warn(m, "summary-long-gap", ir->line,
                     "no reading covers the %lld days before this one; a gap longer than 20 "
                     "years is not counted in missing",
                     (long long)(gap / 86400));
            m->warned_gap = true;
        } else {
            series *g = tou == ESPI_ABSENT ? s : series_for(m, mr, ESPI_ABSENT, ir->line);
            if (g == NULL)
                return ESPI_E_NOMEM;
            if (g->np == 0)
                g->tz = tz;
            if (count_missing(m, g, tz, from, ir->start) != 0)
                return ESPI_E_NOMEM;
        }
    }
    totals *p = period_for(m, s, tz, ir->start);
    if (p == NULL)
        return ESPI_E_NOMEM;
    add_to(m, s, p, ir);
    return 0;
}

/* ------------------------------------------------------------------ */
/* Rows                                                                */
/* ------------------------------------------------------------------ */

typedef struct cells {
    const char *v[NCOLUMNS]; /* NULL: empty */
    bool number[NCOLUMNS];   /* an integer (JSON writes it as a number) */
    char buf[NCOLUMNS][100];
} cells;

static void set_int(cells *c, size_t i, int64_t v)
{
    if (v == ESPI_ABSENT) {
        c->v[i] = NULL;
        return;
    }
    snprintf(c->buf[i], sizeof c->buf[i], "%lld", (long long)v);
    c->v[i] = c->buf[i];
}

static void set_utc(cells *c, size_t i, int64_t t)
{
    if (t == ESPI_ABSENT) {
        c->v[i] = NULL;
        return;
    }
    tz_format_utc(c->buf[i], t);
    c->v[i] = c->buf[i];
}

static void peak_unit(char *buf, size_t size, const char *unit)
{
    size_t n = strlen(unit);
    if (n > 1 && unit[n - 1] == 'h' && strcmp(unit, "h") != 0)
        snprintf(buf, size, "%.*s", (int)(n - 1), unit);
    else
        snprintf(buf, size, "%s/h", unit);
}

static void fill_row(cells *c, const series *s, const totals *p)
{
    memset(c->v, 0, sizeof c->v);
    memset(c->number, 0, sizeof c->number);
    c->v[0] = s->usage_point;
    c->v[1] = s->meter_reading;
    set_int(c, 2, s->commodity);
    set_int(c, 3, s->kind);
    set_int(c, 4, s->flow_direction);
    set_int(c, 5, s->tou);
    for (size_t i = 2; i <= 5; i++)
        c->number[i] = true;
    c->v[6] = p->label;
    set_utc(c, 7, p->start);
    set_int(c, 8, p->readings);
    set_int(c, 9, p->missing);
    c->number[8] = c->number[9] = true;
    if (p->has_value && !p->value_overflow) {
        dec_format_n(c->buf[10], sizeof c->buf[10], p->value, -s->power);
        c->v[10] = c->buf[10];
    }
    c->v[11] = s->unit;
    if (p->has_cost && !p->cost_overflow) {
        dec_format_n(c->buf[12], sizeof c->buf[12], p->cost, 5);
        c->v[12] = c->buf[12];
    }
    const char *cur = s->currency != ESPI_ABSENT ? espi_currency_alpha(s->currency) : NULL;
    if (cur)
        c->v[13] = cur;
    else
        set_int(c, 13, s->currency);
    if (p->has_peak && s->unit) {
        dec_format_n(c->buf[14], sizeof c->buf[14], p->peak, 3);
        c->v[14] = c->buf[14];
        peak_unit(c->buf[15], sizeof c->buf[15], s->unit);
        c->v[15] = c->buf[15];
        set_utc(c, 16, p->peak_start);
    }
}

static void csv_row(espi_summarizer *m, const cells *c)
{
    for (size_t i = 0; i < NCOLUMNS; i++) {
        if (i)
            outbuf_putc(m->out, ',');
        if (c->v[i])
            outbuf_put_csv(m->out, c->v[i]);
    }
    outbuf_putc(m->out, '\n');
}

static void json_str(yajl_gen g, const char *s)
{
    yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

static void json_row(espi_summarizer *m, const cells *c)
{
    yajl_gen_map_open(m->gen);
    for (size_t i = 0; i < NCOLUMNS; i++) {
        json_str(m->gen, columns[i]);
        if (c->v[i] == NULL)
            yajl_gen_null(m->gen);
        else if (c->number[i])
            yajl_gen_number(m->gen, c->v[i], strlen(c->v[i]));
        else
            json_str(m->gen, c->v[i]);
    }
    yajl_gen_map_close(m->gen);
}

static void text_heading(espi_summarizer *m, const series *s)
{
    char line[600];
    char tou[32] = "";
    if (s->tou != ESPI_ABSENT)
        snprintf(tou, sizeof tou, ", tou %lld", (long long)s->tou);
    snprintf(line, sizeof line, "\n%s / %s (commodity %lld, kind %lld, flow %lld%s)\n",
             s->usage_point ? s->usage_point : "(no usage point)",
             s->meter_reading ? s->meter_reading : "(no meter reading)",
             (long long)(s->commodity == ESPI_ABSENT ? -1 : s->commodity),
             (long long)(s->kind == ESPI_ABSENT ? -1 : s->kind),
             (long long)(s->flow_direction == ESPI_ABSENT ? -1 : s->flow_direction), tou);
    outbuf_puts(m->out, line);
    snprintf(line, sizeof line, "  %-22s %8s %7s %20s %-6s %14s %-4s %16s %-6s %s\n", "period",
             "readings", "missing", "value", "unit", "cost", "", "peak", "", "peak at (UTC)");
    outbuf_puts(m->out, line);
}

static void text_row(espi_summarizer *m, const cells *c)
{
    char line[700];
#define T(i) (c->v[i] ? c->v[i] : "")
    snprintf(line, sizeof line, "  %-22s %8s %7s %20s %-6s %14s %-4s %16s %-6s %s\n",
             c->v[6] && c->v[6][0] ? c->v[6] : "(none)", T(8), T(9), T(10), T(11), T(12), T(13),
             T(14), T(15), T(16));
#undef T
    outbuf_puts(m->out, line);
}

static size_t series_rank(espi_summarizer *m, const void *ptr, size_t fallback)
{
    size_t o = ptr ? order_of(m, ptr) : (size_t)-1;
    return o == (size_t)-1 ? m->norder + fallback : o;
}

/* Row order: usage point, meter reading (file order), tou (none first). */
static bool series_before(espi_summarizer *m, const series *a, const series *b)
{
    size_t ua = series_rank(m, a->up, a->first_seen), ub = series_rank(m, b->up, b->first_seen);
    if (ua != ub)
        return ua < ub;
    size_t ma = series_rank(m, a->mr, a->first_seen), mb = series_rank(m, b->mr, b->first_seen);
    if (ma != mb)
        return ma < mb;
    if (a->tou != b->tou)
        return a->tou == ESPI_ABSENT || (b->tou != ESPI_ABSENT && a->tou < b->tou);
    return a->first_seen < b->first_seen;
}

static void note_bill(espi_summarizer *m, const espi_usage_summary_res *us)
{
    if (us->billing_start == ESPI_ABSENT || us->billing_duration == ESPI_ABSENT ||
        us->billing_duration <= 0)
        return;
    for (size_t i = 0; i < m->nbills; i++)
        if (m->bills[i].up == us->usage_point && m->bills[i].start == us->billing_start &&
            m->bills[i].duration == us->billing_duration)
            return;
    bill *g = grow_array(m->bills, &m->bcap, m->nbills, sizeof *g, 16);
    if (g == NULL)
        return; /* its readings go to the row of no billing period */
    m->bills = g;
    m->bills[m->nbills++] = (bill){us->usage_point, us->billing_start, us->billing_duration};
}

static void merge(totals *to, const totals *from)
{
    to->readings += from->readings;
    to->missing += from->missing;
    if (from->has_value && to->has_value)
        to->value_overflow |= __builtin_add_overflow(to->value, from->value, &to->value);
    else if (from->has_value)
        to->value = from->value;
    to->has_value |= from->has_value;
    to->value_overflow |= from->value_overflow;
    if (from->has_cost && to->has_cost)
        to->cost_overflow |= __builtin_add_overflow(to->cost, from->cost, &to->cost);
    else if (from->has_cost)
        to->cost = from->cost;
    to->has_cost |= from->has_cost;
    to->cost_overflow |= from->cost_overflow;
    if (from->has_peak && (!to->has_peak || from->peak > to->peak ||
                           (from->peak == to->peak && from->peak_start < to->peak_start))) {
        to->has_peak = true;
        to->peak = from->peak;
        to->peak_start = from->peak_start;
    }
}

/* The quarter hours of s added up per billing period of its usage point
 * (the first, by start, that holds a slot's start), and those in none in
 * a last row with an empty label. */
static int bill_series(espi_summarizer *m, series *s, bool *outside)
{
    size_t nb = 0;
    for (size_t i = 0; i < m->nbills; i++)
        nb += m->bills[i].up == s->up;
    bill *b = malloc((nb + 1) * sizeof *b);
    totals *t = calloc(nb + 1, sizeof *t);
    if (b == NULL || t == NULL) {
        free(b);
        free(t);
        return ESPI_E_NOMEM;
    }
    nb = 0;
    for (size_t i = 0; i < m->nbills; i++)
        if (m->bills[i].up == s->up) {
            size_t k = nb++;
            for (; k > 0 && b[k - 1].start > m->bills[i].start; k--)
                b[k] = b[k - 1];
            b[k] = m->bills[i];
        }
    for (size_t i = 0; i < s->np; i++) {
        size_t k = 0;
        while (k < nb &&
               !(b[k].start <= s->p[i].start && s->p[i].start - b[k].start < b[k].duration))
            k++;
        merge(&t[k], &s->p[i]);
    }
    size_t n = 0;
    for (size_t k = 0; k <= nb; k++) {
        if (t[k].readings == 0 && t[k].missing == 0 && !t[k].has_cost)
            continue;
        totals *r = &t[n++];
        if (r != &t[k])
            *r = t[k];
        if (k == nb) {
            r->start = r->end = ESPI_ABSENT;
            r->label[0] = '\0';
            *outside = true;
            continue;
        }
        r->start = b[k].start;
        r->end = b[k].start + b[k].duration;
        int64_t y;
        int mo, d;
        tz_civil_from_days(tz_days_of(r->start + offset_of(s->tz, r->start)), &y, &mo, &d);
        snprintf(r->label, sizeof r->label, "%04lld-%02d-%02d", (long long)y, mo, d);
    }
    free(b);
    free(s->p);
    s->p = t;
    s->np = n;
    s->cap = nb + 1;
    return 0;
}

static void write_file_rows(espi_summarizer *m)
{
    bool outside = false;
    for (size_t i = 0; m->opts.per == ESPI_SUMMARY_BILL && i < m->ns; i++)
        if (bill_series(m, &m->s[i], &outside) != 0) {
            m->out->failed = true;
            m->out->err_no = ENOMEM;
            return;
        }
    if (outside)
        warn(m, "summary-no-bill", 0,
             "some readings are in no billing period (UsageSummary) of their usage point; they "
             "are totalled in rows with an empty period");
    for (size_t i = 1; i < m->ns; i++) /* insertion sort: few series */
        for (size_t k = i; k > 0 && series_before(m, &m->s[k], &m->s[k - 1]); k--) {
            series t = m->s[k];
            m->s[k] = m->s[k - 1];
            m->s[k - 1] = t;
        }
    for (size_t i = 0; i < m->ns; i++) {
        const series *s = &m->s[i];
        if (m->opts.format == ESPI_SUMMARY_TEXT)
            text_heading(m, s);
        for (size_t k = 0; k < s->np; k++) {
            cells c;
            fill_row(&c, s, &s->p[k]);
            if (m->opts.format == ESPI_SUMMARY_CSV)
                csv_row(m, &c);
            else if (m->opts.format == ESPI_SUMMARY_JSON)
                json_row(m, &c);
            else
                text_row(m, &c);
        }
    }
}

static void clear_file(espi_summarizer *m)
{
    for (size_t i = 0; i < m->ns; i++) {
        free(m->s[i].usage_point);
        free(m->s[i].meter_reading);
        free(m->s[i].p);
    }
    m->ns = 0;
    m->norder = 0;
    m->nch = 0;
    m->nbills = 0;
    ltp_zones_clear(&m->zones);
    m->warned_unit = m->warned_utc = m->warned_power = m->warned_overflow = m->warned_gap = false;
}

/* ------------------------------------------------------------------ */
/* Public                                                              */
/* ------------------------------------------------------------------ */

static int on_resource(const espi_resource *res, void *ctx)
{
    espi_summarizer *m = ctx;
    switch (res->kind) {
    case ESPI_RES_USAGE_POINT: note_order(m, res->u.usage_point); break;
    case ESPI_RES_METER_READING: note_order(m, res->u.meter_reading); break;
    case ESPI_RES_USAGE_SUMMARY: note_bill(m, res->u.usage_summary); break;
    case ESPI_RES_INTERVAL_READING: {
        const espi_interval_reading_res *ir = res->u.reading;
        const espi_meter_reading_res *mr = ir->block ? ir->block->meter_reading : NULL;
        if (mr) {
            note_order(m, mr->usage_point);
            note_order(m, mr);
        }
        return on_reading(m, ir);
    }
    case ESPI_RES_FEED:
        write_file_rows(m);
        m->written = true;
        break;
    default: break;
    }
    return m->out->failed ? ESPI_E_IO : 0;
}

static int write_failed(espi_summarizer *m, espi_error *err)
{
    char reason[128];
    err_strerror(m->out->err_no, reason, sizeof reason);
    err_loc loc = {"<output>", 0, 0, NULL};
    return err_fail(err, ESPI_E_IO, "write", &loc, "cannot write the output: %s", reason);
}

static void print_json(void *ctx, const char *s, size_t len)
{
    outbuf_put(ctx, s, len);
}

static void start(espi_summarizer *m)
{
    if (m->started)
        return;
    m->started = true;
    if (m->opts.format == ESPI_SUMMARY_CSV) {
        for (size_t i = 0; i < NCOLUMNS; i++) {
            if (i)
                outbuf_putc(m->out, ',');
            outbuf_puts(m->out, columns[i]);
        }
        outbuf_putc(m->out, '\n');
    } else if (m->opts.format == ESPI_SUMMARY_JSON) {
        yajl_gen_map_open(m->gen);
        json_str(m->gen, "version");
        yajl_gen_integer(m->gen, 1);
        json_str(m->gen, "per");
        json_str(m->gen, per_names[m->opts.per]);
        json_str(m->gen, "rows");
        yajl_gen_array_open(m->gen);
    }
}

int espi_summarizer_add(espi_summarizer *m, FILE *in, const char *name, espi_error *err)
{
    start(m);
    m->file = name;
    espi_read_options ro = {m->opts.on_diag, m->opts.diag_ctx, m->opts.chunk_size, 0};
    m->written = false;
    int rc = reader_run(in, name, &ro, NULL, on_resource, m, err);
    if (rc == 0 && !m->written)
        write_file_rows(m);
    clear_file(m);
    if (m->out->failed)
        return write_failed(m, err);
    return rc;
}

void espi_summary_options_init(espi_summary_options *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->per = ESPI_SUMMARY_MONTH;
    opts->format = ESPI_SUMMARY_TEXT;
}

int espi_summarizer_new(espi_summarizer **out, FILE *dest, const espi_summary_options *opts,
                        espi_error *err)
{
    *out = NULL;
    espi_summary_options defaults;
    if (opts == NULL) {
        espi_summary_options_init(&defaults);
        opts = &defaults;
    }
    if ((unsigned)opts->per > ESPI_SUMMARY_BILL)
        return err_fail(err, ESPI_E_ARG, "per", NULL,
                        "unknown period %d: expected hour, day, week, month or bill",
                        (int)opts->per);
    espi_summarizer *m = calloc(1, sizeof *m);
    if (m == NULL || (m->out = malloc(sizeof *m->out)) == NULL) {
        free(m);
        return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    }
    m->opts = *opts;
    outbuf_init(m->out, dest);
    if (opts->unit && !espi_unit_parse(&m->unit_power, &m->unit_symbol, opts->unit)) {
        espi_summarizer_free(m);
        return err_fail(err, ESPI_E_ARG, "unit", NULL,
                        "unknown unit '%s': expected an ESPI unit such as Wh, m3 or therm, with "
                        "an SI prefix or none (kWh, MWh)",
                        opts->unit);
    }
    if (opts->format == ESPI_SUMMARY_JSON) {
        m->gen = yajl_gen_alloc(NULL);
        if (m->gen == NULL) {
            espi_summarizer_free(m);
            return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
        }
        yajl_gen_config(m->gen, yajl_gen_print_callback, print_json, m->out);
    }
    *out = m;
    return 0;
}

int espi_summarizer_finish(espi_summarizer *m, espi_error *err)
{
    start(m);
    if (m->opts.format == ESPI_SUMMARY_JSON) {
        yajl_gen_array_close(m->gen);
        yajl_gen_map_close(m->gen);
        outbuf_putc(m->out, '\n');
    }
    if (!outbuf_flush(m->out) || fflush(m->out->f) != 0) {
        if (m->out->err_no == 0)
            m->out->err_no = errno;
        return write_failed(m, err);
    }
    return 0;
}

void espi_summarizer_free(espi_summarizer *m)
{
    if (m == NULL)
        return;
    clear_file(m);
    free(m->s);
    free(m->order);
    ltp_zones_free(&m->zones);
    free(m->ch);
    free(m->bills);
    if (m->gen)
        yajl_gen_free(m->gen);
    free(m->out);
    free(m);
}
