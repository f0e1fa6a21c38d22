/* SPDX-License-Identifier: Apache-2.0 */
/* summaries.c - what the merge derives from a usage point's merged readings
 * and bills (docs/summaries.md):
 *  - resolutions: where a finer and a coarser channel of one meter and
 *    direction cover the same period, whether their sums agree;
 *  - bills as readings: each bill (a closed billing period with its
 *    consumption) also as one reading of a billing-period MeterReading, as
 *    the GBA's monthly sample has them, so that a bills-only feed has the
 *    MeterReading, ReadingType and IntervalBlock certification asks for;
 *  - monthly summaries: a usage point no input gave a summary gets one per
 *    calendar month of the zone, summed exactly from its interval readings,
 *    so that an interval-only feed has the UsageSummary certification asks
 *    for (FB_15, and FB_16/28 when the readings carry cost). */
#include "common/error.h"
#include "common/grow.h"
#include "common/tz.h"
#include "convert/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Periods named one by one per pair of resolutions; the rest are counted. */
#define SUM_DIFFS_SHOWN 5

/* Half of SmartHub's display unit, 0.01 kWh, in Wh: the most by which
 * each value shown can be off. */
#define HALF_DISPLAY_WH 5

/* Interval readings summed into months: a day or shorter. */
#define MONTH_MAX_RESOLUTION 86400

/* qualityOfReading of a computed summary: 11, derived. */
#define QUALITY_DERIVED 11

static const char *source_name(const espi_feed *feed, uint16_t source)
{
    return source < feed->nsources ? feed->sources[source] : "?";
}

/* "YYYY-MM-DD HH:MM" on the zone's clock. */
static void wall_text(char buf[32], const espi_tz *tz, int64_t utc)
{
    tz_format_wall(buf, utc + espi_tz_offset_at(NULL, tz, utc));
}

/* Adds v to *sum unless that passes ESPI's 48-bit range. */
static bool add_within(int64_t *sum, int64_t v)
{
    if ((v > 0 && *sum > INT48_MAX - v) || (v < 0 && *sum < -INT48_MAX - v))
        return false;
    *sum += v;
    return true;
}

/* ------------------------------------------------------------------ */
/* Resolutions                                                         */
/* ------------------------------------------------------------------ */

/* Two channels whose sums say the same thing at two resolutions: Wh of
 * delta data, one meter, direction, time-of-use period and scale. */
static bool comparable(const model_channel *fine, const model_channel *coarse)
{
    uint32_t f = model_channel_resolution(fine), c = model_channel_resolution(coarse);
    return f > 0 && f < c && c != MODEL_NOMINAL_BILLING && fine->rt.uom == 72 &&
           coarse->rt.uom == 72 && fine->rt.accumulation == 4 && coarse->rt.accumulation == 4 &&
           fine->rt.flow_direction == coarse->rt.flow_direction && fine->rt.tou == coarse->rt.tou &&
           fine->rt.power_of_ten == coarse->rt.power_of_ten && fine->rt.power_of_ten >= -9 &&
           fine->rt.power_of_ten <= 9 && strcmp(fine->meter, coarse->meter) == 0;
}

/* Whether a difference of diff (in units of 10^p Wh) is more than the
 * rounding of n + 1 values to 0.01 kWh explains. */
static bool beyond_rounding(int64_t diff, int p, size_t n)
{
    int64_t tol = HALF_DISPLAY_WH * (int64_t)(n + 1), scale = 1;
    for (int i = 0; i < (p < 0 ? -p : p); i++)
        scale *= 10;
    int64_t d = diff < 0 ? -diff : diff;
    return p >= 0 ? d > tol / scale : d > tol * scale;
}

typedef struct pair_check {
    const espi_feed *feed;
    const model_merge_options *mo;
    const model_channel *fine, *coarse;
    char fine_words[32], coarse_words[32];
    const char *flow; /* for messages: "Energy delivered" */
    size_t compared, differ;
    const model_reading *first_compared, *first_unreported;
} pair_check;

static void report_difference(pair_check *pc, const model_reading *r, int64_t sum, size_t n)
{
    if (pc->differ++ == SUM_DIFFS_SHOWN)
        pc->first_unreported = r;
    if (pc->differ > SUM_DIFFS_SHOWN)
        return;
    char when[32], unit[16] = "Wh";
    wall_text(when, pc->mo->tz, r->start);
    if (pc->coarse->rt.power_of_ten != 0)
        snprintf(unit, sizeof unit, "x 10^%d Wh", pc->coarse->rt.power_of_ten);
    int64_t diff = sum > r->value ? sum - r->value : r->value - sum;
    err_loc loc = {source_name(pc->feed, r->source), r->line, 0, NULL};
    diag_emit(pc->mo->on_diag, pc->mo->diag_ctx, ESPI_SEV_WARNING, "resolution-sum", &loc,
              "%s: the %s reading of %s local (%u s) is %lld %s, but the %zu %s readings of the "
              "same period sum to %lld %s: %lld %s apart, more than rounding each value shown "
              "to 0.01 kWh explains (%lld Wh)",
              pc->flow, pc->coarse_words, when, r->duration, (long long)r->value, unit, n,
              pc->fine_words, (long long)sum, unit, (long long)diff, unit,
              (long long)(HALF_DISPLAY_WH * (int64_t)(n + 1)));
}

/* The finer readings that tile [r.start, r.start + r.duration) exactly,
 * from *j on: their sum and count; 0 readings when they do not tile it. */
static size_t tile(const model_channel *fine, size_t *j, const model_reading *r, int64_t *sum)
{
    const model_reading *f = fine->readings;
    while (*j < fine->nreadings && f[*j].start < r->start)
        (*j)++;
    int64_t at = r->start, end = r->start + r->duration;
    size_t k = *j;
    *sum = 0;
    while (k < fine->nreadings && f[k].start == at && at < end) {
        if (!add_within(sum, f[k].value))
            return 0; /* no sum to compare */
        at += f[k].duration;
        k++;
    }
    return at == end ? k - *j : 0;
}

static void compare_pair(pair_check *pc)
{
    size_t j = 0;
    for (size_t i = 0; i < pc->coarse->nreadings; i++) {
        const model_reading *r = &pc->coarse->readings[i];
        int64_t sum;
        size_t n = tile(pc->fine, &j, r, &sum);
        if (n == 0)
            continue;
        if (pc->compared++ == 0)
            pc->first_compared = r;
        if (beyond_rounding(sum - r->value, pc->coarse->rt.power_of_ten, n))
            report_difference(pc, r, sum, n);
    }
}

/* One line for the pair: how many periods were compared and how they came out. */
static void report_pair(pair_check *pc)
{
    if (pc->compared == 0)
        return;
    const model_reading *r =
        pc->differ > SUM_DIFFS_SHOWN ? pc->first_unreported : pc->first_compared;
    err_loc loc = {source_name(pc->feed, r->source), r->line, 0, NULL};
    if (pc->differ > SUM_DIFFS_SHOWN)
        diag_emit(pc->mo->on_diag, pc->mo->diag_ctx, ESPI_SEV_WARNING, "resolution-sum", &loc,
                  "%s: %zu more %s readings differ from the sums of the %s readings of their "
                  "periods, from here on (%zu of %zu compared differ)",
                  pc->flow, pc->differ - SUM_DIFFS_SHOWN, pc->coarse_words, pc->fine_words,
                  pc->differ, pc->compared);
    else if (pc->differ == 0)
        diag_emit(pc->mo->on_diag, pc->mo->diag_ctx, ESPI_SEV_INFO, "resolution-sum", &loc,
                  "%s: the %zu %s readings covered by %s readings agree with their sums, within "
                  "the rounding of each value shown to 0.01 kWh",
                  pc->flow, pc->compared, pc->coarse_words, pc->fine_words);
}

void model_check_resolutions(const espi_feed *feed, const model_usage_point *up,
                             const model_merge_options *mo)
{
    for (size_t a = 0; a < up->nchannels; a++) {
        for (size_t b = 0; b < up->nchannels; b++) {
            const model_channel *fine = up->channels[a], *coarse = up->channels[b];
            if (!comparable(fine, coarse))
                continue;
            pair_check pc = {
                feed, mo, fine, coarse, "", "", model_flow_title(fine->rt.flow_direction),
                0,    0,  NULL, NULL};
            model_interval_words(pc.fine_words, sizeof pc.fine_words,
                                 model_channel_resolution(fine));
            model_interval_words(pc.coarse_words, sizeof pc.coarse_words,
                                 model_channel_resolution(coarse));
            compare_pair(&pc);
            report_pair(&pc);
        }
    }
}

/* ------------------------------------------------------------------ */
/* Bills as readings                                                   */
/* ------------------------------------------------------------------ */

/* A bill: a closed billing period with its consumption in Wh. A summary
 * that says it is derived (computed from readings, as espi's own monthly
 * ones) is not a bill. */
static bool is_bill(const model_summary *s)
{
    return !s->open_cycle && s->month == 0 && s->billing_start != ESPI_TIME_UNSET &&
           s->billing_duration > 0 && s->overall.present && s->overall.uom == 72 &&
           s->quality != QUALITY_DERIVED;
}

/* Whether a channel already holds a reading of exactly this period (a
 * repaired file that has its bills as readings too). */
static bool held_as_reading(const model_usage_point *up, const model_summary *s)
{
    for (size_t c = 0; c < up->nchannels; c++) {
        const model_channel *ch = up->channels[c];
        for (size_t i = 0; i < ch->nreadings; i++)
            if (ch->readings[i].start == s->billing_start &&
                ch->readings[i].duration == s->billing_duration)
                return true;
    }
    return false;
}

/* value * 10^(from - to), to <= from; false past 48 bits. */
static bool rescale(int64_t *out, int64_t value, int from, int to)
{
    for (int i = to; i < from; i++) {
        if (value > INT48_MAX / 10 || value < -INT48_MAX / 10)
            return false;
        value *= 10;
    }
    *out = value;
    return true;
}

/* intervalLength of billing periods: the usual one, at least the longest
 * when the usual is shorter than 28 days (the validator and readers take
 * 28 days and more for "monthly"). */
static uint32_t billing_interval(const model_channel *ch)
{
    uint32_t usual = model_readings_usual_duration(ch->readings, ch->nreadings), longest = 0;
    for (size_t i = 0; i < ch->nreadings; i++)
        if (ch->readings[i].duration > longest)
            longest = ch->readings[i].duration;
    return usual >= 28 * 86400 ? usual : longest;
}

static void bill_overlap(const model_merge_options *mo, const espi_feed *feed,
                         const model_summary *s)
{
    char when[32];
    wall_text(when, mo->tz, s->billing_start);
    err_loc loc = {source_name(feed, s->source), s->line, 0, NULL};
    diag_emit(mo->on_diag, mo->diag_ctx, ESPI_SEV_WARNING, "bill-overlap", &loc,
              "the billing period from %s local overlaps the one before it; it is written as a "
              "summary only, not as a reading of the billing-period MeterReading",
              when);
}

/* The reading of one bill; 1 when it is left out (overlap), -1 past 48 bits. */
static int bill_reading(model_reading *r, const model_summary *s, int power)
{
    memset(r, 0, sizeof *r);
    r->start = s->billing_start;
    r->duration = s->billing_duration;
    r->line = s->line;
    r->source = s->source;
    r->quality = s->quality >= 0 && s->quality <= INT16_MAX ? (int16_t)s->quality : -1;
    r->has_cost = s->has_bill_last_period && s->currency != 0;
    r->cost = r->has_cost ? s->bill_last_period : 0;
    return rescale(&r->value, s->overall.value, s->overall.power_of_ten, power) ? 0 : -1;
}

static int add_bills(model_channel *ch, const model_usage_point *up, const espi_feed *feed,
                     const model_merge_options *mo, espi_error *err)
{
    int64_t end = ESPI_TIME_UNSET;
    for (size_t i = 0; i < up->nsummaries; i++) {
        const model_summary *s = &up->summaries[i];
        if (!is_bill(s) || held_as_reading(up, s))
            continue;
        if (end != ESPI_TIME_UNSET && s->billing_start < end) {
            bill_overlap(mo, feed, s);
            continue;
        }
        model_reading r;
        if (bill_reading(&r, s, ch->rt.power_of_ten) != 0) {
            err_loc loc = {source_name(feed, s->source), s->line, 0, NULL};
            return err_fail(err, ESPI_E_INPUT, "value-range", &loc,
                            "the billing period's consumption passes ESPI's 48-bit limit "
                            "(%lld) when scaled to the others'",
                            (long long)INT48_MAX);
        }
        if (r.has_cost)
            ch->rt.currency = s->currency;
        if (model_channel_append(ch, &r) != 0)
            return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
        end = s->billing_start + s->billing_duration;
    }
    return 0;
}

int model_bills_as_readings(const espi_feed *feed, model_usage_point *up,
                            const model_merge_options *mo, espi_error *err)
{
    int power = INT32_MAX, commodity = CODE_NONE;
    if (model_usage_point_repaired(up))
        return 0;
    for (size_t i = 0; i < up->nsummaries; i++) {
        const model_summary *s = &up->summaries[i];
        if (!is_bill(s) || held_as_reading(up, s))
            continue;
        if (s->overall.power_of_ten < power)
            power = s->overall.power_of_ten;
        if (commodity == CODE_NONE)
            commodity = s->commodity;
    }
    if (power == INT32_MAX)
        return 0;
    model_channel_key key = {"", 1, 72, MODEL_NOMINAL_BILLING, CODE_NONE};
    model_channel *ch = model_usage_point_add_channel(up, &key);
    if (ch == NULL || model_set_text(&ch->title, "Energy delivered, per billing period") != 0)
        return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    ch->rt.accumulation = 4;
    ch->rt.commodity = commodity == CODE_NONE ? 1 : commodity;
    ch->rt.kind = 12;
    ch->rt.phase = 769;
    ch->rt.power_of_ten = power;
    int rc = add_bills(ch, up, feed, mo, err);
    if (rc != 0)
        return rc;
    ch->keep_interval = true;
    ch->rt.interval_length = billing_interval(ch);
    if (model_channel_split_days(ch, mo->tz) != 0)
        return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    return 0;
}

/* ------------------------------------------------------------------ */
/* Monthly summaries                                                   */
/* ------------------------------------------------------------------ */

/* A channel's readings of one calendar month of the zone. */
typedef struct month_part {
    int32_t month;  /* year * 12 + month - 1 */
    size_t channel; /* index in the usage point's channels */
    const char *meter;
    uint32_t resolution;
    int64_t start;   /* the first reading's start */
    int64_t end;     /* the latest reading end */
    int64_t covered; /* seconds the readings last */
    int64_t value, cost;
    size_t readings, with_cost;
    const model_reading *first;
} month_part;

typedef struct part_list {
    month_part *items;
    size_t n, cap;
} part_list;

/* Which channels are summed: delta data of a day or shorter with no
 * time-of-use period, of the flow (delivered, else net), unit (Wh, else
 * the smallest code) and scale of the first such channel. */
typedef struct month_pick {
    int flow, uom, power, currency;
    uint32_t resolution; /* of the first picked channel, for the title */
} month_pick;

static bool summable(const model_channel *ch)
{
    uint32_t res = model_channel_resolution(ch);
    return ch->nreadings > 0 && ch->rt.accumulation == 4 && ch->rt.tou == CODE_NONE && res > 0 &&
           res <= MONTH_MAX_RESOLUTION;
}

static bool picked(const model_channel *ch, const month_pick *pk)
{
    return summable(ch) && ch->rt.flow_direction == pk->flow && ch->rt.uom == pk->uom &&
           ch->rt.power_of_ten == pk->power;
}

static bool pick_channels(const model_usage_point *up, month_pick *pk)
{
    memset(pk, 0, sizeof *pk);
    for (size_t c = 0; c < up->nchannels; c++) {
        const model_channel *ch = up->channels[c];
        if (summable(ch) &&
            (ch->rt.flow_direction == 1 || (ch->rt.flow_direction == 4 && !pk->flow)))
            pk->flow = ch->rt.flow_direction;
    }
    for (size_t c = 0; pk->flow && c < up->nchannels; c++) {
        const model_channel *ch = up->channels[c];
        if (summable(ch) && ch->rt.flow_direction == pk->flow && pk->uom != 72 &&
            (pk->uom == 0 || ch->rt.uom == 72 || ch->rt.uom < pk->uom))
            pk->uom = ch->rt.uom;
    }
    bool first = true;
    for (size_t c = 0; pk->flow && c < up->nchannels; c++) {
        const model_channel *ch = up->channels[c];
        if (!summable(ch) || ch->rt.flow_direction != pk->flow || ch->rt.uom != pk->uom)
            continue;
        if (first) {
            pk->power = ch->rt.power_of_ten;
            pk->resolution = model_channel_resolution(ch);
            first = false;
        }
        if (pk->currency == 0 && ch->rt.power_of_ten == pk->power)
            pk->currency = ch->rt.currency;
    }
    return pk->flow != 0;
}

static int32_t month_of(const espi_tz *tz, int64_t utc)
{
    int64_t y;
    int m, d;
    tz_civil_from_days(tz_days_of(utc + espi_tz_offset_at(NULL, tz, utc)), &y, &m, &d);
    return (int32_t)(y * 12 + m - 1);
}

/* The UTC instant of local midnight starting a month (the end of a gap
 * when midnight is skipped). */
static int64_t month_start(const espi_tz *tz, int32_t month)
{
    int64_t wall = tz_days_from_civil(month / 12, month % 12 + 1, 1) * 86400, t[2], gap_end = wall;
    int n = espi_tz_wall_to_utc(t, &gap_end, tz, wall);
    return n > 0 ? t[0] : gap_end;
}

/* Adds a reading to the channel's part of its month, opening it. */
static int add_to_part(part_list *l, const model_channel *ch, size_t channel, int32_t month,
                       const model_reading *r, bool with_cost)
{
    month_part *p = l->n > 0 ? &l->items[l->n - 1] : NULL;
    if (p == NULL || p->channel != channel || p->month != month) {
        month_part *grown = grow_array(l->items, &l->cap, l->n, sizeof *grown, 16);
        if (grown == NULL)
            return -1;
        l->items = grown;
        p = &l->items[l->n++];
        *p = (month_part){month,    channel,  ch->meter, model_channel_resolution(ch),
                          r->start, r->start, 0,         0,
                          0,        0,        0,         r};
    }
    if (r->start + r->duration > p->end)
        p->end = r->start + r->duration;
    p->covered += r->duration;
    p->readings++;
    if (!add_within(&p->value, r->value) || (with_cost && !add_within(&p->cost, r->cost)))
        return -2;
    p->with_cost += with_cost;
    return 0;
}

static int add_parts(part_list *l, const model_usage_point *up, size_t channel,
                     const month_pick *pk, const espi_feed *feed, const model_merge_options *mo,
                     espi_error *err)
{
    const model_channel *ch = up->channels[channel];
    bool costed = pk->currency != 0 && ch->rt.currency == pk->currency;
    for (size_t i = 0; i < ch->nreadings; i++) {
        const model_reading *r = &ch->readings[i];
        int rc = add_to_part(l, ch, channel, month_of(mo->tz, r->start), r, costed && r->has_cost);
        if (rc == -1)
            return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
        if (rc != 0) {
            err_loc loc = {source_name(feed, r->source), r->line, 0, NULL};
            return err_fail(err, ESPI_E_INPUT, "value-range", &loc,
                            "the month's total passes ESPI's 48-bit limit (%lld) with this "
                            "reading; no monthly summary can hold it",
                            (long long)INT48_MAX);
        }
    }
    return 0;
}

/* By month, then meter; within a meter the part covering most time first,
 * the finest resolution on a tie. */
static int by_month_meter(const void *a, const void *b)
{
    const month_part *x = a, *y = b;
    if (x->month != y->month)
        return x->month < y->month ? -1 : 1;
    int c = strcmp(x->meter, y->meter);
    if (c != 0)
        return c;
    if (x->covered != y->covered)
        return x->covered > y->covered ? -1 : 1;
    if (x->resolution != y->resolution)
        return x->resolution < y->resolution ? -1 : 1;
    return (x->channel > y->channel) - (x->channel < y->channel);
}

/* What one month sums: the first part of each meter (the one covering
 * most of the month, at the finest resolution on a tie). */
typedef struct month_total {
    int32_t month;
    int64_t start, end, value, cost;
    int64_t missing; /* the most time a meter's readings leave uncovered */
    size_t with_cost;
    const month_part *first;
} month_total;

/* Totals parts[from .. to) (one month, sorted); -1 past 48 bits, with
 * *over the part whose sum passed it. */
static int total_month(month_total *t, const month_part *parts, size_t from, size_t to,
                       const month_part **over)
{
    *t = (month_total){parts[from].month, INT64_MAX, INT64_MIN, 0, 0, 0, 0, &parts[from]};
    for (size_t k = from; k < to; k++) {
        const month_part *p = &parts[k];
        if (k > from && strcmp(p->meter, parts[k - 1].meter) == 0)
            continue;
        t->start = p->start < t->start ? p->start : t->start;
        t->end = p->end > t->end ? p->end : t->end;
        t->with_cost += p->with_cost;
        if (!add_within(&t->value, p->value) || !add_within(&t->cost, p->cost)) {
            *over = p;
            return -1;
        }
    }
    for (size_t k = from; k < to; k++) {
        const month_part *p = &parts[k];
        int64_t missing = (t->end - t->start) - p->covered;
        if ((k == from || strcmp(p->meter, parts[k - 1].meter) != 0) && missing > t->missing)
            t->missing = missing;
    }
    return 0;
}

/* The title says what was summed and, for a partial month or one with
 * gaps, what the sum leaves out. */
static void month_title(char *buf, size_t size, const month_total *t, const espi_tz *tz)
{
    char every[32];
    model_interval_words(every, sizeof every, t->first->resolution);
    size_t len = 0;
    str_bufprintf(buf, size, &len, "Usage %04d-%02d, summed from %s readings", (int)(t->month / 12),
                  (int)(t->month % 12 + 1), every);
    if (t->start != month_start(tz, t->month) || t->end != month_start(tz, t->month + 1)) {
        char from[32], to[32];
        wall_text(from, tz, t->start);
        wall_text(to, tz, t->end);
        str_bufprintf(buf, size, &len, " (partial month: %s to %s)", from, to);
    }
    if (t->missing > 0 && t->missing % 3600 == 0)
        str_bufprintf(buf, size, &len, "; %lld h without readings", (long long)(t->missing / 3600));
    else if (t->missing > 0)
        str_bufprintf(buf, size, &len, "; %lld min without readings",
                      (long long)((t->missing + 59) / 60));
}

static int add_month(model_usage_point *up, const month_total *t, const month_pick *pk,
                     const model_merge_options *mo, espi_error *err)
{
    const model_channel *ch = up->channels[t->first->channel];
    model_summary s;
    model_summary_init(&s);
    s.billing_start = t->start;
    s.billing_duration = (uint32_t)(t->end - t->start); /* a month or less */
    s.overall = (model_measure){t->value, ESPI_TIME_UNSET, pk->power, pk->uom, true};
    if (t->with_cost > 0) {
        /* the readings' costs: the bill of the energy, no other charge known */
        s.bill_last_period = s.bill_to_date = t->cost;
        s.has_bill_last_period = s.has_bill_to_date = true;
        s.cost_additional = 0;
        s.has_cost_additional = true;
        s.currency = pk->currency;
    }
    s.quality = QUALITY_DERIVED;
    s.status_time = t->end;
    s.commodity = ch->rt.commodity;
    s.line = t->first->first->line;
    s.source = t->first->first->source;
    s.month = (t->month / 12) * 100 + t->month % 12 + 1;
    char title[256];
    month_title(title, sizeof title, t, mo->tz);
    s.title = title;
    if (model_usage_point_add_summary(up, &s) != 0)
        return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    return 0;
}

static int add_months(model_usage_point *up, part_list *l, const month_pick *pk,
                      const espi_feed *feed, const model_merge_options *mo, espi_error *err)
{
    qsort(l->items, l->n, sizeof *l->items, by_month_meter);
    int rc = 0;
    for (size_t from = 0, to; rc == 0 && from < l->n; from = to) {
        for (to = from + 1; to < l->n && l->items[to].month == l->items[from].month; to++)
            ;
        month_total t;
        const month_part *over = NULL;
        if (total_month(&t, l->items, from, to, &over) != 0) {
            err_loc loc = {source_name(feed, over->first->source), over->first->line, 0, NULL};
            return err_fail(err, ESPI_E_INPUT, "value-range", &loc,
                            "the month's total passes ESPI's 48-bit limit (%lld); no monthly "
                            "summary can hold it",
                            (long long)INT48_MAX);
        }
        rc = add_month(up, &t, pk, mo, err);
    }
    return rc;
}

int model_month_summaries(const espi_feed *feed, model_usage_point *up,
                          const model_merge_options *mo, espi_error *err)
{
    month_pick pk;
    if (up->nsummaries > 0 || model_usage_point_repaired(up) || !pick_channels(up, &pk))
        return 0;
    part_list l = {NULL, 0, 0};
    int rc = 0;
    for (size_t c = 0; rc == 0 && c < up->nchannels; c++)
        if (picked(up->channels[c], &pk))
            rc = add_parts(&l, up, c, &pk, feed, mo, err);
    if (rc == 0)
        rc = add_months(up, &l, &pk, feed, mo, err);
    free(l.items);
    return rc;
}
