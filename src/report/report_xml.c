/* SPDX-License-Identifier: Apache-2.0 */
/* report_xml.c - one file's totals as the report XML
 * (docs/report-format.md): per usage point the channels drawn, headline
 * figures, days, months, bills, the load shape, the tou split and data
 * quality. Energy stays exact: sums of raw values at their power of ten. */
#include "report/report_xml.h"

#include "report/channels.h"
#include "report/load_shape.h"

#include "common/decimal.h"
#include "common/tz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Days drawn at most (ten years): a stray reading decades off would
 * otherwise make a chart of thousands of empty days. */
#define MAX_DAYS 3660

typedef struct up_view {
    up_channels c;
    agg_periods days[2], months[2], hours; /* [0] delivered, [1] received */
    agg_totals total[2];                   /* over the whole file */
    const agg_totals *first, *last;        /* days with a reading of either; NULL: none */
    int64_t days_with_readings;            /* of the delivered channel */
} up_view;

static const char *const commodity_names[] = {
    "none",    "electricity", "electricity", "communication", "air",     "gas",     "oil",   "gas",
    "propane", "water",       "steam",       "waste water",   "heating", "cooling", "water",
};

/* ------------------------------------------------------------------ */
/* Writing                                                             */
/* ------------------------------------------------------------------ */

void xml_attr(xml_cursor *w, const char *name, const char *value)
{
    if (value && value[0] && !w->failed &&
        xmlNewProp(w->node, BAD_CAST name, BAD_CAST value) == NULL)
        w->failed = true;
}

static void attr(xml_cursor *w, const char *name, const char *value)
{
    xml_attr(w, name, value);
}

static void attr_int(xml_cursor *w, const char *name, int64_t v)
{
    if (v == ESPI_ABSENT)
        return;
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", (long long)v);
    attr(w, name, buf);
}

static void attr_utc(xml_cursor *w, const char *name, int64_t t)
{
    if (t == ESPI_ABSENT)
        return;
    char buf[32];
    tz_format_utc(buf, t);
    attr(w, name, buf);
}

static void attr_dec(xml_cursor *w, const char *name, int64_t v, int scale)
{
    char buf[64];
    dec_format_n(buf, sizeof buf, v, scale);
    attr(w, name, buf);
}

static void attr_amount(xml_cursor *w, const char *name, amount a)
{
    if (a.has && !a.overflow)
        attr_dec(w, name, a.v, -a.power);
}

void xml_start(xml_cursor *w, const char *name)
{
    if (w->failed)
        return;
    xmlNodePtr n = xmlNewChild(w->node, w->ns, BAD_CAST name, NULL);
    if (n == NULL)
        w->failed = true;
    else
        w->node = n;
}

void xml_end(xml_cursor *w)
{
    if (!w->failed)
        w->node = w->node->parent;
}

static void start(xml_cursor *w, const char *name)
{
    xml_start(w, name);
}

static void end(xml_cursor *w)
{
    xml_end(w);
}

/* ------------------------------------------------------------------ */
/* Sections                                                            */
/* ------------------------------------------------------------------ */

static void write_channel(xml_cursor *w, const reading_channel *c)
{
    const agg_series *s = c->first;
    start(w, "channel");
    attr(w, "role", c->role);
    attr(w, "meterReading", s->meter_reading);
    attr(w, "title", s->mr_title);
    attr_int(w, "kind", s->kind);
    attr_int(w, "flowDirection", s->flow_direction);
    if (s->interval_length > 0)
        attr_int(w, "intervalLength", s->interval_length);
    attr(w, "unit", s->unit);
    attr_int(w, "readings", c->readings);
    attr(w, "note", c->note);
    end(w);
}

/* The local day periods from the first to the last with a reading, gaps
 * filled with empty days, at most MAX_DAYS (the last ones). */
static int day_list(const up_view *v, agg_periods *out)
{
    const agg_series *s = v->c.delivered->first;
    *out = (agg_periods){NULL, 0, 0};
    if (v->first == NULL)
        return 0;
    int64_t first = v->first->start, last = v->last->start;
    /* from the last day back: at most MAX_DAYS, however far apart */
    out->p = malloc(MAX_DAYS * sizeof *out->p);
    if (out->p == NULL)
        return ESPI_E_NOMEM;
    out->cap = MAX_DAYS;
    for (int64_t t = last; out->n < MAX_DAYS;) {
        agg_totals *p = &out->p[out->n++];
        agg_period_of(AGG_DAY, s->tz, t, p);
        if (p->start <= first || p->start <= INT64_MIN + 1)
            break;
        t = p->start - 1;
    }
    for (size_t i = 0; i < out->n / 2; i++) {
        agg_totals x = out->p[i];
        out->p[i] = out->p[out->n - 1 - i];
        out->p[out->n - 1 - i] = x;
    }
    return 0;
}

static void write_totals_attrs(xml_cursor *w, const up_view *v, const agg_totals *d,
                               const agg_totals *r)
{
    int pd = v->c.delivered->first->power;
    amount ad = amount_of(d, pd);
    attr_amount(w, "delivered", ad);
    if (v->c.net_metered) {
        amount ar = amount_of(r, v->c.received->first->power);
        attr_amount(w, "received", ar);
        if (ad.has || ar.has)
            attr_amount(w, "net", amount_combine(ad, ar, -1));
    }
    if (d && d->has_cost && !d->cost_overflow)
        attr_dec(w, "cost", d->cost, 5);
    attr_int(w, "readings", (d ? d->readings : 0) + (r ? r->readings : 0));
    attr_int(w, "missing", (d ? d->missing : 0) + (r ? r->missing : 0));
    attr_int(w, "estimated", (d ? d->estimated : 0) + (r ? r->estimated : 0));
}

static amount max_of(const agg_periods *ps, const agg_periods *list, int power)
{
    amount best = {false, false, 0, power};
    for (size_t i = 0; i < list->n; i++) {
        const agg_totals *p = periods_find(ps, list->p[i].start);
        amount a = amount_of(p, power);
        if (amount_greater(a, best))
            best = a;
    }
    return best;
}

static void write_days(xml_cursor *w, const up_view *v, const agg_periods *days)
{
    start(w, "days");
    attr_amount(w, "max", max_of(&v->days[0], days, v->c.delivered->first->power));
    if (v->c.net_metered)
        attr_amount(w, "maxReceived", max_of(&v->days[1], days, v->c.received->first->power));
    for (size_t i = 0; i < days->n; i++) {
        const agg_totals *d = periods_find(&v->days[0], days->p[i].start);
        const agg_totals *r = v->c.net_metered ? periods_find(&v->days[1], days->p[i].start) : NULL;
        start(w, "day");
        attr(w, "date", days->p[i].label);
        attr_utc(w, "startUtc", days->p[i].start);
        attr_int(w, "hours", (days->p[i].end - days->p[i].start + 1800) / 3600);
        write_totals_attrs(w, v, d, r);
        if (d && d->has_peak)
            attr_dec(w, "peakDemand", d->peak, 3);
        end(w);
    }
    end(w);
}

static void write_months(xml_cursor *w, const up_view *v)
{
    start(w, "months");
    attr_amount(w, "max", max_of(&v->months[0], &v->months[0], v->c.delivered->first->power));
    if (v->c.net_metered)
        attr_amount(w, "maxReceived",
                    max_of(&v->months[1], &v->months[1], v->c.received->first->power));
    /* the months of either channel, by start */
    size_t i = 0, k = 0;
    const agg_periods *d = &v->months[0], *r = &v->months[1];
    while (i < d->n || (v->c.net_metered && k < r->n)) {
        bool take_d =
            i < d->n && (!v->c.net_metered || k >= r->n || d->p[i].start <= r->p[k].start);
        const agg_totals *pd = take_d ? &d->p[i] : NULL;
        const agg_totals *pr = NULL;
        if (v->c.net_metered && k < r->n && (!take_d || r->p[k].start == d->p[i].start))
            pr = &r->p[k++];
        i += take_d;
        const agg_totals *label = pd ? pd : pr;
        start(w, "month");
        attr(w, "period", label->label);
        attr_utc(w, "startUtc", label->start);
        write_totals_attrs(w, v, pd, pr);
        end(w);
    }
    end(w);
}

/* The month x hour-of-day averages of the grid: the heat map's table. */
static void write_profile(xml_cursor *w, const load_shape *ls)
{
    for (size_t d0 = 0; d0 < ls->ndays;) {
        size_t d1 = d0;
        while (d1 < ls->ndays && strncmp(ls->day[d1].label, ls->day[d0].label, 7) == 0)
            d1++;
        char month[8];
        snprintf(month, sizeof month, "%.7s", ls->day[d0].label);
        start(w, "profile");
        attr(w, "period", month);
        for (int hour = 0; hour < 24; hour++) {
            amount sum = {false, false, 0, ls->max.power};
            int64_t n = 0, avg;
            for (size_t d = d0; d < d1; d++) {
                const amount *c = &ls->cell[d * 24 + (size_t)hour];
                if (c->has) {
                    sum = amount_combine(sum, *c, 1);
                    n++;
                }
            }
            start(w, "average");
            attr_int(w, "hour", hour);
            attr_int(w, "days", n);
            if (amount_per_count(&avg, sum, n))
                attr_dec(w, "value", avg, 3);
            end(w);
        }
        end(w);
        d0 = d1;
    }
}

/* The delivered channel per local day and hour of the last
 * LOAD_SHAPE_DAYS days: the cells, a PNG of them, and their averages. */
static int write_load_shape(xml_cursor *w, const up_view *v, const agg_periods *days)
{
    size_t first = days->n > LOAD_SHAPE_DAYS ? days->n - LOAD_SHAPE_DAYS : 0;
    load_shape ls;
    if (load_shape_make(&ls, &v->hours, days->p + first, days->n - first,
                        v->c.delivered->first->power) != 0)
        return ESPI_E_NOMEM;
    char *image = ls.max.has ? load_shape_png_uri(&ls) : NULL;
    if (ls.max.has && image == NULL) {
        load_shape_free(&ls);
        return ESPI_E_NOMEM;
    }
    start(w, "loadShape");
    attr_amount(w, "max", ls.max);
    if (ls.ndays) {
        attr(w, "firstDay", ls.day[0].label);
        attr(w, "lastDay", ls.day[ls.ndays - 1].label);
        attr_int(w, "days", (int64_t)ls.ndays);
    }
    attr(w, "image", image);
    free(image);
    for (size_t d = 0; d < ls.ndays; d++)
        for (int hour = 0; hour < 24; hour++) {
            amount c = ls.cell[d * 24 + (size_t)hour];
            if (!c.has)
                continue;
            start(w, "cell");
            attr(w, "date", ls.day[d].label);
            attr_int(w, "hour", hour);
            attr_amount(w, "value", c);
            attr_int(w, "step", load_shape_step(&ls, c));
            end(w);
        }
    write_profile(w, &ls);
    end(w);
    load_shape_free(&ls);
    return 0;
}

/* The channel's totals over the whole span. */
static agg_totals whole(const agg_periods *months)
{
    agg_totals t;
    memset(&t, 0, sizeof t);
    for (size_t i = 0; i < months->n; i++)
        agg_merge(&t, &months->p[i]);
    return t;
}

static void attr_local(xml_cursor *w, const char *name, const agg_series *s, int64_t t)
{
    char buf[32];
    agg_local_wall(buf, s, t);
    attr(w, name, buf);
}

/* A local date label "YYYY-MM-DD" as a day number. */
static int64_t day_number(const char *label)
{
    int64_t y = 0;
    int mo = 0, d = 0;
    const char *end;
    if (!dec_integer_prefix(label, &y, &end) || *end != '-')
        return 0;
    mo = (end[1] - '0') * 10 + (end[2] - '0');
    d = (end[4] - '0') * 10 + (end[5] - '0');
    return tz_days_from_civil(y, mo, d);
}

/* The first and last local day with a reading of either channel, over
 * the whole file (the days element holds the last MAX_DAYS of them). */
static void write_span(xml_cursor *w, const up_view *v)
{
    if (v->first == NULL)
        return;
    attr(w, "firstDay", v->first->label);
    attr(w, "lastDay", v->last->label);
    attr_int(w, "days", day_number(v->last->label) - day_number(v->first->label) + 1);
    attr_int(w, "daysWithReadings", v->days_with_readings);
}

static void write_headline(xml_cursor *w, const up_view *v)
{
    const agg_series *s = v->c.delivered->first;
    const agg_totals *d = &v->total[0];
    int64_t avg;
    start(w, "headline");
    write_span(w, v);
    write_totals_attrs(w, v, d, v->c.net_metered ? &v->total[1] : NULL);
    if (amount_per_count(&avg, amount_of(d, s->power), v->days_with_readings))
        attr_dec(w, "averagePerDay", avg, 3);
    char unit[32];
    if (d->has_peak) {
        agg_demand_unit(unit, sizeof unit, s->unit);
        attr_dec(w, "peakDemand", d->peak, 3);
        attr(w, "peakDemandUnit", unit);
        attr_utc(w, "peakStartUtc", d->peak_start);
        attr_local(w, "peakStartLocal", s, d->peak_start);
    }
    if (d->has_min) {
        attr_dec(w, "minDemand", d->min, 3);
        attr_local(w, "minStartLocal", s, d->min_start);
    }
    end(w);
}

static int compare_bills(const void *x, const void *y)
{
    const agg_bill *a = *(const agg_bill *const *)x, *b = *(const agg_bill *const *)y;
    return a->start < b->start ? -1 : a->start > b->start;
}

static void local_date(char buf[32], const agg_series *s, int64_t t)
{
    agg_local_wall(buf, s, t);
    buf[10] = '\0';
}

static void write_bill(xml_cursor *w, const agg_bill *b, const agg_series *s)
{
    char date[32];
    int64_t last; /* the billing period's last second */
    if (__builtin_add_overflow(b->start, b->duration - 1, &last))
        last = INT64_MAX;
    start(w, "bill");
    if (s) {
        local_date(date, s, b->start);
        attr(w, "startDate", date);
        local_date(date, s, last);
        attr(w, "endDate", date);
    } else {
        tz_format_utc(date, b->start);
        date[10] = '\0';
        attr(w, "startDate", date);
        tz_format_utc(date, last);
        date[10] = '\0';
        attr(w, "endDate", date);
    }
    attr_int(w, "days", b->duration / 86400 + (b->duration % 86400 >= 43200));
    attr_utc(w, "startUtc", b->start);
    if (b->cost != ESPI_ABSENT)
        attr_dec(w, "cost", b->cost, 5);
    const espi_summary_measurement *m = &b->consumption;
    int64_t power = m->power_of_ten == ESPI_ABSENT ? 0 : m->power_of_ten;
    if (m->value != ESPI_ABSENT && power >= -24 && power <= 24) {
        attr_dec(w, "consumption", m->value, (int)-power);
        attr(w, "consumptionUnit", m->uom != ESPI_ABSENT ? espi_uom_symbol(m->uom) : NULL);
    }
    end(w);
}

/* The usage point's billing periods, by start. */
static int write_bills(xml_cursor *w, agg *a, const void *up, const agg_series *s)
{
    size_t n, k = 0;
    const agg_bill *all = agg_bills(a, &n);
    const agg_bill **b = malloc((n + 1) * sizeof *b);
    if (b == NULL)
        return ESPI_E_NOMEM;
    for (size_t i = 0; i < n; i++)
        if (all[i].up == up)
            b[k++] = &all[i];
    if (k > 0) {
        qsort(b, k, sizeof *b, compare_bills);
        int64_t max = ESPI_ABSENT, currency = ESPI_ABSENT;
        for (size_t i = 0; i < k; i++) {
            if (b[i]->cost != ESPI_ABSENT && (max == ESPI_ABSENT || b[i]->cost > max))
                max = b[i]->cost;
            if (currency == ESPI_ABSENT)
                currency = b[i]->currency;
        }
        start(w, "bills");
        if (max != ESPI_ABSENT)
            attr_dec(w, "max", max, 5);
        if (currency != ESPI_ABSENT)
            attr(w, "currency", espi_currency_alpha(currency));
        for (size_t i = 0; i < k; i++)
            write_bill(w, b[i], s);
        end(w);
    }
    free(b);
    return 0;
}

static void write_tou(xml_cursor *w, const up_view *v)
{
    const reading_channel *c = v->c.delivered;
    bool any = false;
    for (size_t i = 0; i < c->ns; i++)
        any |= c->s[i]->tou != ESPI_ABSENT;
    if (!any)
        return;
    amount total = amount_of(&v->total[0], c->first->power);
    start(w, "timeOfUse");
    attr(w, "unit", c->first->unit);
    for (size_t i = 0; i < c->ns; i++) {
        const agg_series *s = c->s[i];
        if (s->tou == ESPI_ABSENT)
            continue;
        agg_totals t = whole(&s->per[AGG_MONTH]);
        start(w, "tou");
        attr_int(w, "code", s->tou);
        amount a = amount_of(&t, s->power);
        attr_amount(w, "delivered", a);
        if (t.has_cost && !t.cost_overflow)
            attr_dec(w, "cost", t.cost, 5);
        /* share = a / total, three decimals */
        if (a.has && !a.overflow && total.has && !total.overflow && total.v != 0) {
            __int128 q = agg_div_half_even((__int128)a.v * 1000, total.v);
            attr_dec(w, "share", (int64_t)q, 3);
        }
        end(w);
    }
    end(w);
}

static void write_quality(xml_cursor *w, const up_view *v)
{
    const agg_totals *d = &v->total[0], *r = &v->total[1];
    const agg_series *g = v->c.delivered->first; /* the series that holds the gaps */
    start(w, "quality");
    attr_int(w, "readings", d->readings + (v->c.net_metered ? r->readings : 0));
    attr_int(w, "missing", d->missing + (v->c.net_metered ? r->missing : 0));
    attr_int(w, "estimated", d->estimated + (v->c.net_metered ? r->estimated : 0));
    attr_int(w, "gaps", g->gap_count);
    for (size_t i = 0; i < g->ngaps; i++) {
        start(w, "gap");
        attr_utc(w, "startUtc", g->gaps[i].start);
        attr_local(w, "startLocal", g, g->gaps[i].start);
        attr_int(w, "slots", g->gaps[i].slots);
        end(w);
    }
    end(w);
}

/* ------------------------------------------------------------------ */
/* A usage point                                                       */
/* ------------------------------------------------------------------ */

static void view_free(up_view *v)
{
    up_channels_free(&v->c);
    for (int k = 0; k < 2; k++) {
        free(v->days[k].p);
        free(v->months[k].p);
    }
    free(v->hours.p);
}

static int view_periods(up_view *v)
{
    if (v->c.delivered == NULL)
        return 0;
    if (channel_periods(v->c.delivered, AGG_DAY, &v->days[0]) != 0 ||
        channel_periods(v->c.delivered, AGG_MONTH, &v->months[0]) != 0 ||
        channel_periods(v->c.delivered, AGG_HOUR, &v->hours) != 0)
        return ESPI_E_NOMEM;
    if (v->c.received && (channel_periods(v->c.received, AGG_DAY, &v->days[1]) != 0 ||
                          channel_periods(v->c.received, AGG_MONTH, &v->months[1]) != 0))
        return ESPI_E_NOMEM;
    for (int k = 0; k < 2; k++) {
        v->total[k] = whole(&v->months[k]);
        for (size_t i = 0; i < v->days[k].n; i++) {
            const agg_totals *p = &v->days[k].p[i];
            if (p->readings == 0)
                continue;
            v->days_with_readings += k == 0;
            if (v->first == NULL || p->start < v->first->start)
                v->first = p;
            if (v->last == NULL || p->start > v->last->start)
                v->last = p;
        }
    }
    return 0;
}

static int64_t commodity_of(agg *a, const up_view *v, const void *up)
{
    if (v->c.delivered && v->c.delivered->first->commodity != ESPI_ABSENT)
        return v->c.delivered->first->commodity;
    if (v->c.nch && v->c.ch[0].first->commodity != ESPI_ABSENT)
        return v->c.ch[0].first->commodity;
    size_t n;
    const agg_bill *b = agg_bills(a, &n);
    for (size_t i = 0; i < n; i++)
        if (b[i].up == up && b[i].commodity != ESPI_ABSENT)
            return b[i].commodity;
    return ESPI_ABSENT;
}

/* The zone's name, or for LocalTimeParameters their offsets: "UTC-8,
 * UTC-7 in summer". */
static void write_zone(xml_cursor *w, const agg_series *s, int64_t at)
{
    const char *name = agg_zone_name(s);
    if (s->tz == NULL || strcmp(name, "LocalTimeParameters") != 0) {
        attr(w, "zone", name);
        return;
    }
    int64_t y;
    int mo, d;
    tz_civil_from_days(tz_days_of(at), &y, &mo, &d);
    int32_t winter = espi_tz_offset_at(NULL, s->tz, tz_days_from_civil(y, 1, 15) * 86400);
    int32_t summer = espi_tz_offset_at(NULL, s->tz, tz_days_from_civil(y, 7, 15) * 86400);
    char a[16], b[16], buf[128];
    tz_format_offset(a, winter < summer ? winter : summer);
    tz_format_offset(b, winter < summer ? summer : winter);
    if (winter == summer)
        snprintf(buf, sizeof buf, "%s (LocalTimeParameters)", a);
    else
        snprintf(buf, sizeof buf, "%s, %s with daylight saving time (LocalTimeParameters)", a, b);
    attr(w, "zone", buf);
}

static void write_up_attrs(xml_cursor *w, agg *a, const up_view *v, const void *up)
{
    const espi_usage_point_res *res = up;
    const agg_series *s = v->c.delivered ? v->c.delivered->first
                          : v->c.nch     ? v->c.ch[0].first
                                         : NULL;
    if (res)
        attr(w, "id", res->entry.id && res->entry.id[0] ? res->entry.id : res->entry.self);
    if (res)
        attr(w, "title", res->entry.title);
    int64_t commodity = commodity_of(a, v, up);
    attr_int(w, "commodity", commodity);
    if (commodity >= 0 && commodity < (int64_t)(sizeof commodity_names / sizeof *commodity_names))
        attr(w, "commodityName", commodity_names[commodity]);
    if (s) {
        const agg_periods *m = &s->per[AGG_MONTH];
        write_zone(w, s, m->n ? m->p[0].start : 0);
        attr(w, "unit", s->unit);
        if (s->currency != ESPI_ABSENT)
            attr(w, "currency", espi_currency_alpha(s->currency));
    }
    attr(w, "netMetered", v->c.net_metered ? "true" : "false");
}

static int write_usage_point(xml_cursor *w, agg *a, const void *up)
{
    up_view v;
    memset(&v, 0, sizeof v);
    agg_periods days = {NULL, 0, 0};
    int rc = up_channels_make(&v.c, a, up, AGG_MONTH);
    if (rc == 0)
        rc = view_periods(&v);
    if (rc == 0 && v.c.delivered)
        rc = day_list(&v, &days);
    if (rc != 0) {
        view_free(&v);
        free(days.p);
        return rc;
    }
    start(w, "usagePoint");
    write_up_attrs(w, a, &v, up);
    for (size_t i = 0; i < v.c.nch; i++)
        write_channel(w, &v.c.ch[i]);
    if (v.c.delivered) {
        write_headline(w, &v);
        write_days(w, &v, &days);
        write_months(w, &v);
    }
    rc = write_bills(w, a, up,
                     v.c.delivered ? v.c.delivered->first
                     : v.c.nch     ? v.c.ch[0].first
                                   : NULL);
    if (v.c.delivered) {
        /* readings of an hour or less: a day's or a month's say nothing of the hours */
        int64_t length = v.c.delivered->first->interval_length;
        if (length > 0 && length <= 3600 && rc == 0)
            rc = write_load_shape(w, &v, &days);
        write_tou(w, &v);
        write_quality(w, &v);
    }
    end(w);
    view_free(&v);
    free(days.p);
    return rc;
}

static int compare_rank(const void *x, const void *y)
{
    const size_t *a = x, *b = y;
    if (a[0] != b[0])
        return a[0] < b[0] ? -1 : 1;
    return a[1] < b[1] ? -1 : a[1] > b[1];
}

int report_xml_file(agg *a, xml_cursor *w, const char *name, const espi_feed_res *feed)
{
    start(w, "source");
    attr(w, "name", name);
    if (feed)
        attr(w, "title", feed->title);
    end(w);
    agg_sort(a);
    /* the usage points of series and bills, in file order: (rank, index) pairs */
    size_t ns = agg_count(a), nb, n = 0;
    const agg_bill *bills = agg_bills(a, &nb);
    const void **ups = malloc((ns + nb + 1) * sizeof *ups);
    size_t *rank = malloc((ns + nb + 1) * 2 * sizeof *rank);
    int rc = ups && rank ? 0 : ESPI_E_NOMEM;
    for (size_t i = 0; rc == 0 && i < ns + nb; i++) {
        const void *up = i < ns ? agg_series_at(a, i)->up : bills[i - ns].up;
        bool known = false;
        for (size_t k = 0; k < n && !known; k++)
            known = ups[k] == up;
        if (known)
            continue;
        rank[2 * n] = agg_rank(a, up);
        rank[2 * n + 1] = n;
        ups[n++] = up;
    }
    if (rc == 0)
        qsort(rank, n, 2 * sizeof *rank, compare_rank);
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = write_usage_point(w, a, ups[rank[2 * i + 1]]);
    free(ups);
    free(rank);
    return rc;
}
