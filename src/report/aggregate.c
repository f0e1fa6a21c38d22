/* SPDX-License-Identifier: Apache-2.0 */
/* aggregate.c - the totals engine of espi summary and espi report
 * (docs/summary-format.md): readings totalled per usage point, meter
 * reading, tou and local period, each reading in the period of its start
 * in the local time of that instant. */
#include "report/aggregate.h"

#include "common/grow.h"
#include "common/tz.h"
#include "read/reader.h"
#include "read/zones.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* powerOfTenMultiplier beyond SI's yocto..yotta gives no value (as dump). */
#define MAX_POWER 24

/* Readings outside the years 1 to 9999 are left out (with a warning):
 * local times and calendar periods are not defined for them here. */
#define MIN_START ((int64_t)-62135596800)
#define MAX_START ((int64_t)253402300799)

/* A gap longer than this (20 years) is not counted slot by slot: a
 * reading dated centuries off would make millions of empty periods. */
#define MAX_GAP ((int64_t)20 * 366 * 86400)

/* Periods a file's gaps may add (29 MB of totals): a small hostile file
 * of readings decades apart would otherwise ask for millions of empty
 * hours. Gaps beyond it are not counted (warned). */
#define MAX_GAP_PERIODS ((int64_t)200000)

/* Resources in their file order (usage points and meter readings). */
typedef struct seen {
    const void *ptr;
    size_t order;
} seen;

/* What a meter reading's readings cover, whatever their tou: missing
 * slots are counted per meter reading, in its series without a tou. */
typedef struct channel {
    const void *mr;
    int64_t covered_until; /* end of the readings so far (ESPI_ABSENT: none) */
} channel;

struct agg {
    agg_options opts;
    const char *file;
    int unit_power;
    const char *unit_symbol;
    bool warned_unit, warned_utc, warned_power, warned_overflow, warned_gap, warned_range;
    bool warned_gap_periods; /* and gaps are no longer counted */
    int64_t gap_periods;     /* added by this file's gaps so far */
    agg_series *s;
    size_t ns, scap, last_s; /* last_s: the series found last */
    seen *order;
    size_t norder, ocap;
    const void *noted[2]; /* the last two resources noted in order */
    ltp_zones zones;      /* of the file's time parameters */
    channel *ch;
    size_t nch, chcap, last_ch;
    agg_bill *bills;
    size_t nbills, bcap;
};

void agg_warn(agg *a, const char *code, unsigned long line, const char *fmt, ...)
{
    err_loc loc = {a->file, line, 0, NULL};
    va_list ap;
    va_start(ap, fmt);
    diag_vemit(a->opts.on_diag, a->opts.diag_ctx, ESPI_SEV_WARNING, code, &loc, fmt, ap);
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
static const espi_tz *zone_of(agg *a, const espi_ltp_res *ltp, unsigned long line)
{
    if (a->opts.tz)
        return a->opts.tz;
    const espi_tz *tz = ltp_zones_get(&a->zones, ltp, a->file, a->opts.on_diag, a->opts.diag_ctx);
    if (tz == NULL && !a->warned_utc) {
        a->warned_utc = true;
        agg_warn(
            a, "summary-utc", line,
            "no usable LocalTimeParameters for these readings: their periods are in UTC (give --tz "
            "for the real zone)");
    }
    return tz;
}

static int32_t offset_of(const espi_tz *tz, int64_t t)
{
    return tz ? espi_tz_offset_at(NULL, tz, t) : 0;
}

const char *agg_zone_name(const agg_series *s)
{
    const char *name = s->tz ? espi_tz_name(s->tz) : NULL;
    return name && name[0] ? name : "UTC";
}

/* A wall time maps to instants of every offset within a zone's widest
 * reach (26 hours) of it: this far from a change of offset, only one. */
#define CLEAR_OF_CHANGES ((int64_t)53 * 3600)

/* The offset at t, through the span of one offset found last (readings
 * come in order: a year of them asks the zone twice). span may be NULL. */
static int32_t span_offset(agg_zone_span *span, const espi_tz *tz, int64_t t)
{
    if (tz == NULL)
        return 0;
    if (span == NULL)
        return offset_of(tz, t);
    if (!span->known || span->tz != tz || t < span->from || t >= span->until) {
        span->off = tz_offset_span(tz, t, &span->from, &span->until);
        span->tz = tz;
        span->known = true;
    }
    return span->off;
}

/* True when t is far from any change of offset (span holds t). */
static bool span_clear(const agg_zone_span *span, int64_t t)
{
    return span && span->known && span->from <= t - CLEAR_OF_CHANGES &&
           span->until > t + CLEAR_OF_CHANGES;
}

/* The first instant of a local wall time (the gap's end when it is skipped). */
static int64_t wall_start(agg_zone_span *span, const espi_tz *tz, int64_t wall)
{
    if (tz == NULL)
        return wall;
    if (span && span->known && span->tz == tz) {
        int64_t t = wall - span->off;
        if (span_clear(span, t))
            return t;
    }
    int64_t out[2], gap_end = wall;
    int n = espi_tz_wall_to_utc(out, &gap_end, tz, wall);
    return n > 0 ? out[0] : gap_end;
}

static int64_t floor_mod(int64_t a, int64_t b)
{
    int64_t r = a % b;
    return r < 0 ? r + b : r;
}

static void hour_of(agg_zone_span *span, const espi_tz *tz, int64_t t, agg_totals *p)
{
    int32_t off = span_offset(span, tz, t);
    int64_t local = t + off, y, out[2];
    int mo, d, hour = (int)(floor_mod(local, SECONDS_PER_DAY) / 3600);
    tz_civil_from_days(tz_days_of(local), &y, &mo, &d);
    p->start = t - floor_mod(local, 3600);
    p->end = p->start + 3600;
    snprintf(p->label, sizeof p->label, "%04lld-%02d-%02dT%02d", (long long)y, mo, d, hour);
    /* an hour that occurs twice carries its offset */
    if (tz && !span_clear(span, t) &&
        espi_tz_wall_to_utc(out, NULL, tz, local - floor_mod(local, 3600)) == 2) {
        char o[16];
        int32_t abs_off = off < 0 ? -off : off;
        snprintf(o, sizeof o, "%c%02d:%02d", off < 0 ? '-' : '+', (int)(abs_off / 3600),
                 (int)(abs_off % 3600 / 60));
        size_t n = strlen(p->label);
        snprintf(p->label + n, sizeof p->label - n, "%s", o);
    }
}

static void period_in(agg_zone_span *span, agg_per per, const espi_tz *tz, int64_t t, agg_totals *p)
{
    memset(p, 0, sizeof *p);
    if (per == AGG_HOUR) {
        hour_of(span, tz, t, p);
        return;
    }
    if (per == AGG_SLOT) {
        p->start = t - floor_mod(t, AGG_SLOT_SECONDS);
        p->end = p->start + AGG_SLOT_SECONDS;
        return;
    }
    int64_t days = tz_days_of(t + span_offset(span, tz, t)), y, first, next;
    int mo, d;
    tz_civil_from_days(days, &y, &mo, &d);
    if (per == AGG_MONTH) {
        first = tz_days_from_civil(y, mo, 1);
        next = mo == 12 ? tz_days_from_civil(y + 1, 1, 1) : tz_days_from_civil(y, mo + 1, 1);
        snprintf(p->label, sizeof p->label, "%04lld-%02d", (long long)y, mo);
    } else {
        first = per == AGG_WEEK ? days - (tz_weekday_from_days(days) + 6) % 7 : days;
        next = first + (per == AGG_WEEK ? 7 : 1);
        tz_civil_from_days(first, &y, &mo, &d);
        snprintf(p->label, sizeof p->label, "%04lld-%02d-%02d", (long long)y, mo, d);
    }
    p->start = wall_start(span, tz, first * SECONDS_PER_DAY);
    p->end = wall_start(span, tz, next * SECONDS_PER_DAY);
}

void agg_period_of(agg_per per, const espi_tz *tz, int64_t t, agg_totals *p)
{
    period_in(NULL, per, tz, t, p);
}

/* ------------------------------------------------------------------ */
/* Series and periods                                                  */
/* ------------------------------------------------------------------ */

static size_t order_of(const agg *a, const void *ptr)
{
    for (size_t i = 0; i < a->norder; i++)
        if (a->order[i].ptr == ptr)
            return a->order[i].order;
    return (size_t)-1;
}

static void note_order(agg *a, const void *ptr)
{
    /* readings come in runs of one meter reading: the last two noted cover them */
    if (ptr == a->noted[0] || ptr == a->noted[1])
        return;
    a->noted[1] = a->noted[0];
    a->noted[0] = ptr;
    if (order_of(a, ptr) != (size_t)-1)
        return;
    seen *g = grow_array(a->order, &a->ocap, a->norder, sizeof *g, 16);
    if (g == NULL)
        return; /* the order falls back to first reading */
    a->order = g;
    a->order[a->norder] = (seen){ptr, a->norder};
    a->norder++;
}

/* A copy, or NULL for none or "" (the rows write nothing for either). */
static char *dup_text(const char *s)
{
    return s && s[0] ? strdup(s) : NULL;
}

static void series_unit(agg *a, agg_series *s, const espi_reading_type_res *rt, unsigned long line)
{
    int64_t power = rt && rt->power_of_ten != ESPI_ABSENT ? rt->power_of_ten : 0;
    if (power < -MAX_POWER || power > MAX_POWER) {
        if (!a->warned_power)
            agg_warn(a, "power-of-ten-range", line,
                     "powerOfTenMultiplier %lld is outside %d..%d; these readings are left out",
                     (long long)power, -MAX_POWER, MAX_POWER);
        a->warned_power = true;
        power = 0;
    }
    s->power = (int)power;
    int64_t uom = rt ? rt->uom : ESPI_ABSENT;
    const char *symbol = uom == ESPI_ABSENT ? NULL : espi_uom_symbol(uom);
    s->unit = symbol;
    if (a->unit_symbol && symbol && strcmp(symbol, a->unit_symbol) == 0) {
        s->power -= a->unit_power;
        s->unit = a->opts.unit;
    } else if (a->unit_symbol && rt && !a->warned_unit && !a->opts.unit_quiet) {
        a->warned_unit = true;
        agg_warn(a, "unit-mismatch", line,
                 "--unit %s does not apply to values in %s; they keep their own unit", a->opts.unit,
                 symbol ? symbol : "an unknown unit");
    }
    if (s->unit == NULL && uom != ESPI_ABSENT) {
        snprintf(s->unit_buf, sizeof s->unit_buf, "uom%lld", (long long)uom);
        s->unit = s->unit_buf;
    }
}

static bool series_fresh(const agg_series *s)
{
    for (agg_per per = 0; per < AGG_NPER; per++)
        if (s->per[per].n > 0)
            return false;
    return true;
}

static agg_series *series_for(agg *a, const espi_meter_reading_res *mr, int64_t tou,
                              unsigned long line)
{
    if (a->last_s < a->ns && a->s[a->last_s].mr == mr && a->s[a->last_s].tou == tou)
        return &a->s[a->last_s]; /* the series of the reading before, mostly */
    for (size_t i = a->ns; i-- > 0;)
        if (a->s[i].mr == mr && a->s[i].tou == tou) {
            a->last_s = i;
            return &a->s[i];
        }
    agg_series *g = grow_array(a->s, &a->scap, a->ns, sizeof *g, 8);
    if (g == NULL)
        return NULL;
    a->s = g;
    agg_series *s = &a->s[a->ns];
    memset(s, 0, sizeof *s);
    const espi_reading_type_res *rt = mr ? mr->reading_type : NULL;
    const espi_usage_point_res *up = mr ? mr->usage_point : NULL;
    s->mr = mr;
    s->up = up;
    s->tou = tou;
    s->usage_point = dup_text(up ? identity(&up->entry) : NULL);
    s->meter_reading = dup_text(mr ? identity(&mr->entry) : NULL);
    s->up_title = dup_text(up ? up->entry.title : NULL);
    s->mr_title = dup_text(mr ? mr->entry.title : NULL);
    s->commodity = rt ? rt->commodity : ESPI_ABSENT;
    s->kind = rt ? rt->kind : ESPI_ABSENT;
    s->flow_direction = rt ? rt->flow_direction : ESPI_ABSENT;
    s->currency = rt ? rt->currency : ESPI_ABSENT;
    s->accumulation = rt ? rt->accumulation : ESPI_ABSENT;
    s->uom = rt ? rt->uom : ESPI_ABSENT;
    s->interval_length = rt && rt->interval_length > 0 ? rt->interval_length : 0;
    s->first_seen = a->ns;
    series_unit(a, s, rt, line);
    a->ns++;
    return s;
}

/* The totals of the period of kind per that holds t. */
/* Forgets the oldest hours once twice as many as kept are held: one move
 * per that many new hours. */
static void prune_hours(const agg *a, agg_periods *ps)
{
    size_t keep = a->opts.hours_kept;
    if (keep == 0 || ps->n < 2 * keep)
        return;
    memmove(ps->p, ps->p + (ps->n - keep), keep * sizeof *ps->p);
    ps->n = keep;
}

static agg_totals *period_for(const agg *a, agg_series *s, agg_per per, int64_t t)
{
    agg_periods *ps = &s->per[per];
    size_t lo = 0, hi = ps->n;
    if (hi > 0 && ps->p[hi - 1].start <= t && t < ps->p[hi - 1].end)
        return &ps->p[hi - 1]; /* readings come in order: the last period, mostly */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ps->p[mid].end <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < ps->n && ps->p[lo].start <= t)
        return &ps->p[lo];
    if (per == AGG_HOUR && lo == ps->n) {
        prune_hours(a, ps);
        lo = ps->n;
    }
    agg_totals p;
    period_in(&s->span, per, s->tz, t, &p);
    agg_totals *g = grow_array(ps->p, &ps->cap, ps->n, sizeof *g, 16);
    if (g == NULL)
        return NULL;
    ps->p = g;
    memmove(&ps->p[lo + 1], &ps->p[lo], (ps->n - lo) * sizeof *ps->p);
    ps->p[lo] = p;
    ps->n++;
    return &ps->p[lo];
}

__int128 agg_div_half_even(__int128 num, __int128 den)
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

static channel *channel_for(agg *a, const void *mr)
{
    if (a->last_ch < a->nch && a->ch[a->last_ch].mr == mr)
        return &a->ch[a->last_ch];
    for (size_t i = a->nch; i-- > 0;)
        if (a->ch[i].mr == mr) {
            a->last_ch = i;
            return &a->ch[i];
        }
    channel *g = grow_array(a->ch, &a->chcap, a->nch, sizeof *g, 8);
    if (g == NULL)
        return NULL;
    a->ch = g;
    a->ch[a->nch] = (channel){mr, ESPI_ABSENT};
    return &a->ch[a->nch++];
}

/* Whole intervalLength slots from what the meter reading's readings
 * cover up to this reading's start, each counted in the period of its
 * start. Readings are taken in file order: one that starts before the end
 * of those before it fills no gap. */
/* The most periods of kind per a stretch of seconds can touch. */
static int64_t periods_in(agg_per per, int64_t seconds)
{
    static const int64_t shortest[AGG_NPER] = {3600, 23 * 3600, 7 * 86400 - 3600, 28 * 86400 - 3600,
                                               AGG_SLOT_SECONDS};
    return seconds / shortest[per] + 2;
}

static int count_missing(agg *a, agg_series *s, int64_t from, int64_t start, unsigned long line)
{
    int64_t len = s->interval_length, all = (start - from) / len, need = 0;
    unsigned pers = a->opts.pers & ~a->opts.no_missing;
    for (agg_per per = 0; per < AGG_NPER; per++)
        need += pers & AGG_BIT(per) ? periods_in(per, start - from) : 0;
    if (a->warned_gap_periods || need > MAX_GAP_PERIODS - a->gap_periods) {
        if (!a->warned_gap_periods)
            agg_warn(a, "summary-long-gap", line,
                     "the gaps of this file would make more than %lld empty periods; this one "
                     "(%lld days) and any beyond it are not counted in missing",
                     (long long)MAX_GAP_PERIODS, (long long)((start - from) / 86400));
        a->warned_gap_periods = true;
        return 0;
    }
    a->gap_periods += need;
    if (s->ngaps < AGG_MAX_GAPS)
        s->gaps[s->ngaps++] = (agg_gap){from, from + all * len, all};
    s->gap_count++;
    for (agg_per per = 0; per < AGG_NPER; per++) {
        if (!(pers & AGG_BIT(per)))
            continue;
        int64_t t = from, slots = all;
        while (slots > 0) {
            agg_totals *p = period_for(a, s, per, t);
            if (p == NULL)
                return ESPI_E_NOMEM;
            int64_t in = (p->end - t + len - 1) / len; /* slots starting in this period */
            if (in > slots || in <= 0)
                in = slots;
            p->missing += in;
            slots -= in;
            t += in * len;
        }
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
    __int128 q = agg_div_half_even(num, den);
    if (q > INT64_MAX || q < -INT64_MAX)
        return false;
    *out = (int64_t)q;
    return true;
}

/* What one reading brings to every period it counts in. */
typedef struct reading_facts {
    const espi_interval_reading_res *ir;
    bool has_rate, estimated;
    int64_t rate;
} reading_facts;

static void add_to(agg *a, agg_totals *p, const reading_facts *f)
{
    const espi_interval_reading_res *ir = f->ir;
    if (ir->value != ESPI_ABSENT) {
        p->readings++;
        p->estimated += f->estimated;
        if (__builtin_add_overflow(p->value, ir->value, &p->value))
            p->value_overflow = true;
        p->has_value = true;
    }
    if (f->has_rate) {
        if (!p->has_peak || f->rate > p->peak ||
            (f->rate == p->peak && ir->start < p->peak_start)) {
            p->has_peak = true;
            p->peak = f->rate;
            p->peak_start = ir->start;
        }
        if (!p->has_min || f->rate < p->min || (f->rate == p->min && ir->start < p->min_start)) {
            p->has_min = true;
            p->min = f->rate;
            p->min_start = ir->start;
        }
    }
    if (ir->cost != ESPI_ABSENT) {
        if (__builtin_add_overflow(p->cost, ir->cost, &p->cost))
            p->cost_overflow = true;
        p->has_cost = true;
    }
    if ((p->value_overflow || p->cost_overflow) && !a->warned_overflow) {
        a->warned_overflow = true;
        agg_warn(a, "summary-overflow", ir->line,
                 "a period's total does not fit 64 bits; it is left empty");
    }
}

/* Counts the slots between what the meter reading covered and this
 * reading, in its series without a tou. */
static int note_gap(agg *a, const espi_meter_reading_res *mr, agg_series *s,
                    const espi_interval_reading_res *ir, const espi_tz *tz)
{
    channel *c = channel_for(a, mr);
    if (c == NULL)
        return ESPI_E_NOMEM;
    int64_t from = c->covered_until, end = ir->start, gap = 0;
    if (ir->duration > 0 && __builtin_add_overflow(ir->start, ir->duration, &end))
        end = INT64_MAX;
    if (from == ESPI_ABSENT || end > from)
        c->covered_until = end;
    if (from == ESPI_ABSENT || s->interval_length <= 0)
        return 0;
    if (__builtin_sub_overflow(ir->start, from, &gap))
        gap = INT64_MAX;
    if (gap < s->interval_length)
        return 0;
    if (gap > MAX_GAP) {
        if (!a->warned_gap)
            agg_warn(a, "summary-long-gap", ir->line,
                     "no reading covers the %lld days before this one; a gap longer than 20 "
                     "years is not counted in missing",
                     (long long)(gap / 86400));
        a->warned_gap = true;
        return 0;
    }
    agg_series *g = s->tou == ESPI_ABSENT ? s : series_for(a, mr, ESPI_ABSENT, ir->line);
    if (g == NULL)
        return ESPI_E_NOMEM;
    if (series_fresh(g))
        g->tz = tz;
    return count_missing(a, g, from, ir->start, ir->line);
}

static bool is_estimated(int64_t quality)
{
    return quality == 8 || quality == 9;
}

static int on_reading(agg *a, const espi_interval_reading_res *ir)
{
    if (ir->start == ESPI_ABSENT)
        return 0;
    if (ir->start < MIN_START || ir->start > MAX_START) {
        if (!a->warned_range)
            agg_warn(a, "summary-time-range", ir->line,
                     "a reading starts at %lld, outside the years 1 to 9999; it is left out of "
                     "the totals",
                     (long long)ir->start);
        a->warned_range = true;
        return 0;
    }
    const espi_meter_reading_res *mr = ir->block ? ir->block->meter_reading : NULL;
    const espi_reading_type_res *rt = mr ? mr->reading_type : NULL;
    const espi_usage_point_res *up = mr ? mr->usage_point : NULL;
    const espi_tz *tz = zone_of(a, up ? up->ltp : NULL, ir->line);
    int64_t tou = ir->tou != ESPI_ABSENT ? ir->tou : rt ? rt->tou : ESPI_ABSENT;
    agg_series *s = series_for(a, mr, tou, ir->line);
    if (s == NULL)
        return ESPI_E_NOMEM;
    if (series_fresh(s))
        s->tz = tz;
    if (note_gap(a, mr, s, ir, tz) != 0)
        return ESPI_E_NOMEM;
    reading_facts f = {ir, false, false, 0};
    int64_t quality = ir->quality != ESPI_ABSENT ? ir->quality
                      : rt                       ? rt->default_quality
                                                 : ESPI_ABSENT;
    f.estimated = is_estimated(quality);
    f.has_rate = ir->value != ESPI_ABSENT && ir->duration > 0 &&
                 rate_of(&f.rate, ir->value, ir->duration, s->power);
    for (agg_per per = 0; per < AGG_NPER; per++) {
        if (!(a->opts.pers & AGG_BIT(per)))
            continue;
        agg_totals *p = period_for(a, s, per, ir->start);
        if (p == NULL)
            return ESPI_E_NOMEM;
        add_to(a, p, &f);
    }
    return 0;
}

static void note_bill(agg *a, const espi_usage_summary_res *us)
{
    if (us->billing_start == ESPI_ABSENT || us->billing_duration == ESPI_ABSENT ||
        us->billing_duration <= 0)
        return;
    for (size_t i = 0; i < a->nbills; i++)
        if (a->bills[i].up == us->usage_point && a->bills[i].start == us->billing_start &&
            a->bills[i].duration == us->billing_duration)
            return;
    agg_bill *g = grow_array(a->bills, &a->bcap, a->nbills, sizeof *g, 16);
    if (g == NULL)
        return; /* its readings go to the row of no billing period */
    a->bills = g;
    a->bills[a->nbills++] = (agg_bill){us->usage_point,
                                       us->billing_start,
                                       us->billing_duration,
                                       us->bill_last_period,
                                       us->currency,
                                       us->commodity,
                                       us->overall_consumption_last_period};
}

int agg_take(agg *a, const espi_resource *res)
{
    switch (res->kind) {
    case ESPI_RES_USAGE_POINT: note_order(a, res->u.usage_point); break;
    case ESPI_RES_METER_READING: note_order(a, res->u.meter_reading); break;
    case ESPI_RES_USAGE_SUMMARY:
        note_order(a, res->u.usage_summary->usage_point);
        note_bill(a, res->u.usage_summary);
        break;
    case ESPI_RES_INTERVAL_READING: {
        const espi_interval_reading_res *ir = res->u.reading;
        const espi_meter_reading_res *mr = ir->block ? ir->block->meter_reading : NULL;
        if (mr) {
            note_order(a, mr->usage_point);
            note_order(a, mr);
        }
        return on_reading(a, ir);
    }
    default: break;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* After the file                                                      */
/* ------------------------------------------------------------------ */

size_t agg_rank(const agg *a, const void *ptr)
{
    size_t o = ptr ? order_of(a, ptr) : (size_t)-1;
    return o == (size_t)-1 ? a->norder : o;
}

void agg_local_wall(char buf[32], const agg_series *s, int64_t t)
{
    tz_format_wall(buf, t + offset_of(s->tz, t));
}

static size_t rank_of(const agg *a, const void *ptr, size_t fallback)
{
    size_t o = ptr ? order_of(a, ptr) : (size_t)-1;
    return o == (size_t)-1 ? a->norder + fallback : o;
}

static bool series_before(const agg *a, const agg_series *x, const agg_series *y)
{
    size_t ux = rank_of(a, x->up, x->first_seen), uy = rank_of(a, y->up, y->first_seen);
    if (ux != uy)
        return ux < uy;
    size_t mx = rank_of(a, x->mr, x->first_seen), my = rank_of(a, y->mr, y->first_seen);
    if (mx != my)
        return mx < my;
    if (x->tou != y->tou)
        return x->tou == ESPI_ABSENT || (y->tou != ESPI_ABSENT && x->tou < y->tou);
    return x->first_seen < y->first_seen;
}

void agg_sort(agg *a)
{
    for (size_t i = 1; i < a->ns; i++) /* insertion sort: few series */
        for (size_t k = i; k > 0 && series_before(a, &a->s[k], &a->s[k - 1]); k--) {
            agg_series t = a->s[k];
            a->s[k] = a->s[k - 1];
            a->s[k - 1] = t;
        }
}

size_t agg_count(const agg *a)
{
    return a->ns;
}

agg_series *agg_series_at(agg *a, size_t i)
{
    return i < a->ns ? &a->s[i] : NULL;
}

const agg_bill *agg_bills(const agg *a, size_t *n)
{
    *n = a->nbills;
    return a->bills;
}

void agg_merge(agg_totals *to, const agg_totals *from)
{
    to->readings += from->readings;
    to->missing += from->missing;
    to->estimated += from->estimated;
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
    if (from->has_min && (!to->has_min || from->min < to->min ||
                          (from->min == to->min && from->min_start < to->min_start))) {
        to->has_min = true;
        to->min = from->min;
        to->min_start = from->min_start;
    }
}

/* The billing periods of usage point up, by start. */
static agg_bill *bills_of(const agg *a, const void *up, size_t *n)
{
    agg_bill *b = malloc((a->nbills + 1) * sizeof *b);
    if (b == NULL)
        return NULL;
    size_t nb = 0;
    for (size_t i = 0; i < a->nbills; i++)
        if (a->bills[i].up == up) {
            size_t k = nb++;
            for (; k > 0 && b[k - 1].start > a->bills[i].start; k--)
                b[k] = b[k - 1];
            b[k] = a->bills[i];
        }
    *n = nb;
    return b;
}

int agg_bill_totals(agg *a, const agg_series *s, agg_periods *out, bool *outside)
{
    size_t nb;
    agg_bill *b = bills_of(a, s->up, &nb);
    agg_totals *t = b ? calloc(nb + 1, sizeof *t) : NULL;
    if (t == NULL) {
        free(b);
        return ESPI_E_NOMEM;
    }
    const agg_periods *slots = &s->per[AGG_SLOT];
    for (size_t i = 0; i < slots->n; i++) {
        size_t k = 0;
        int64_t at = slots->p[i].start;
        while (k < nb && !(b[k].start <= at && at - b[k].start < b[k].duration))
            k++;
        agg_merge(&t[k], &slots->p[i]);
    }
    size_t n = 0;
    for (size_t k = 0; k <= nb; k++) {
        if (t[k].readings == 0 && t[k].missing == 0 && !t[k].has_cost)
            continue;
        agg_totals *r = &t[n++];
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
    *out = (agg_periods){t, n, nb + 1};
    return 0;
}

void agg_demand_unit(char *buf, size_t size, const char *unit)
{
    size_t n = strlen(unit);
    if (n > 1 && unit[n - 1] == 'h' && strcmp(unit, "h") != 0)
        snprintf(buf, size, "%.*s", (int)(n - 1), unit);
    else
        snprintf(buf, size, "%s/h", unit);
}

/* ------------------------------------------------------------------ */
/* Life                                                                */
/* ------------------------------------------------------------------ */

void agg_begin(agg *a, const char *file)
{
    a->file = file;
}

void agg_end(agg *a)
{
    for (size_t i = 0; i < a->ns; i++) {
        agg_series *s = &a->s[i];
        free(s->usage_point);
        free(s->meter_reading);
        free(s->up_title);
        free(s->mr_title);
        for (agg_per per = 0; per < AGG_NPER; per++)
            free(s->per[per].p);
    }
    a->ns = 0;
    a->norder = 0;
    a->nch = 0;
    a->noted[0] = a->noted[1] = NULL; /* the next file's resources may reuse the addresses */
    a->nbills = 0;
    ltp_zones_clear(&a->zones);
    a->warned_unit = a->warned_utc = a->warned_power = a->warned_overflow = a->warned_gap =
        a->warned_range = a->warned_gap_periods = false;
    a->gap_periods = 0;
}

int agg_new(agg **out, const agg_options *opts, espi_error *err)
{
    *out = NULL;
    agg *a = calloc(1, sizeof *a);
    if (a == NULL)
        return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    a->opts = *opts;
    if (opts->unit && !espi_unit_parse(&a->unit_power, &a->unit_symbol, opts->unit)) {
        agg_free(a);
        return err_fail(err, ESPI_E_ARG, "unit", NULL,
                        "unknown unit '%s': expected an ESPI unit such as Wh, m3 or therm, with "
                        "an SI prefix or none (kWh, MWh)",
                        opts->unit);
    }
    *out = a;
    return 0;
}

void agg_free(agg *a)
{
    if (a == NULL)
        return;
    agg_end(a);
    free(a->s);
    free(a->order);
    ltp_zones_free(&a->zones);
    free(a->ch);
    free(a->bills);
    free(a);
}
