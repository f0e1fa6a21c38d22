/* SPDX-License-Identifier: Apache-2.0 */
/* channels.c - a usage point's meter readings taken together, their roles
 * (delivered, received, other), and exact amounts at mixed powers of ten. */
#include "report/channels.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Exact amounts                                                       */
/* ------------------------------------------------------------------ */

amount amount_of(const agg_totals *p, int power)
{
    return (amount){p && p->has_value, p && p->value_overflow, p ? p->value : 0, power};
}

/* v at power from, as a value at power to (to <= from). */
static bool repower(int64_t *out, int64_t v, int from, int to)
{
    for (int e = from; e > to; e--)
        if (__builtin_mul_overflow(v, 10, &v))
            return false;
    *out = v;
    return true;
}

amount amount_combine(amount a, amount b, int sign)
{
    if (!b.has)
        return a;
    if (!a.has) {
        if (sign < 0 && __builtin_mul_overflow(b.v, -1, &b.v))
            b.overflow = true;
        return b;
    }
    amount r = {true, a.overflow || b.overflow, 0, a.power < b.power ? a.power : b.power};
    int64_t x, y;
    if (!repower(&x, a.v, a.power, r.power) || !repower(&y, b.v, b.power, r.power) ||
        (sign > 0 ? __builtin_add_overflow(x, y, &r.v) : __builtin_sub_overflow(x, y, &r.v)))
        r.overflow = true;
    return r;
}

bool amount_per_count(int64_t *out, amount a, int64_t n)
{
    if (!a.has || a.overflow || n <= 0 || a.power + 3 > 18 || a.power + 3 < -18)
        return false; /* beyond 10^18 the __int128 below could overflow */
    __int128 num = a.v, den = n;
    for (int e = a.power + 3; e > 0; e--)
        num *= 10;
    for (int e = a.power + 3; e < 0; e++)
        den *= 10;
    __int128 q = agg_div_half_even(num, den);
    if (q > INT64_MAX || q < INT64_MIN)
        return false;
    *out = (int64_t)q;
    return true;
}

bool amount_greater(amount a, amount b)
{
    if (!a.has || a.overflow)
        return false;
    if (!b.has || b.overflow)
        return true;
    amount d = amount_combine(a, b, -1);
    return !d.overflow && d.v > 0;
}

/* ------------------------------------------------------------------ */
/* Channels and their roles                                            */
/* ------------------------------------------------------------------ */

static bool is_flow(const agg_series *s, int64_t flow)
{
    if (flow == 1)
        return s->flow_direction == ESPI_ABSENT || s->flow_direction == 0 || s->flow_direction == 1;
    return s->flow_direction == flow;
}

static bool is_quantity(const agg_series *s)
{
    return (s->kind == 12 || s->kind == 58 || s->kind == ESPI_ABSENT) && s->unit != NULL;
}

/* Shortest intervalLength (none counts as longest), then most readings. */
static bool better(const reading_channel *a, const reading_channel *b)
{
    int64_t la = a->first->interval_length, lb = b->first->interval_length;
    if (la != lb)
        return lb == 0 || (la != 0 && la < lb);
    return a->readings > b->readings;
}

/* Real meters read active energy first; reactive and apparent energy
 * (VArh, VAh) ride along on the same meter and are never the usage. */
static int unit_rank(const agg_series *s)
{
    if (s->uom == 72)
        return 0; /* Wh */
    if (s->uom == 73 || s->uom == 71)
        return 2; /* VArh, VAh */
    return 1;
}

static reading_channel *best_of(up_channels *v, int64_t flow, const reading_channel *like)
{
    reading_channel *best = NULL;
    for (size_t i = 0; i < v->nch; i++) {
        reading_channel *c = &v->ch[i];
        if (c->role || !is_quantity(c->first) || !is_flow(c->first, flow))
            continue;
        if (like && strcmp(c->first->unit, like->first->unit) != 0)
            continue;
        if (best == NULL || better(c, best))
            best = c;
    }
    return best;
}

/* The delivered channel: one with a received partner in its unit if
 * there is, then active energy before other units, then better(). */
static reading_channel *pick_delivered(up_channels *v, int64_t flow)
{
    reading_channel *best = NULL;
    bool best_paired = false;
    for (size_t i = 0; i < v->nch; i++) {
        reading_channel *c = &v->ch[i];
        if (!is_quantity(c->first) || !is_flow(c->first, flow))
            continue;
        bool paired = best_of(v, 19, c) != NULL;
        if (best == NULL || paired > best_paired ||
            (paired == best_paired &&
             (unit_rank(c->first) < unit_rank(best->first) ||
              (unit_rank(c->first) == unit_rank(best->first) && better(c, best))))) {
            best = c;
            best_paired = paired;
        }
    }
    return best;
}

static void assign_roles(up_channels *v)
{
    v->delivered = pick_delivered(v, 1);
    if (v->delivered == NULL)
        v->delivered = pick_delivered(v, 4);
    if (v->delivered)
        v->delivered->role = "delivered";
    v->received = v->delivered ? best_of(v, 19, v->delivered) : NULL;
    if (v->received)
        v->received->role = "received";
    v->net_metered = v->received != NULL;
    for (size_t i = 0; i < v->nch; i++) {
        reading_channel *c = &v->ch[i];
        if (c->role)
            continue;
        c->role = "other";
        if (v->delivered && is_quantity(c->first) &&
            c->first->flow_direction == v->delivered->first->flow_direction &&
            strcmp(c->first->unit, v->delivered->first->unit) == 0)
            c->note = "another meter reading of the delivered quantity (a second resolution, "
                      "say): not added in";
        else if (v->received && is_quantity(c->first) && is_flow(c->first, 19))
            c->note = "another meter reading of the received quantity: not added in";
        else
            c->note = "another quantity, direction or unit: not drawn (espi summary totals it)";
    }
}

static int compare_start(const void *x, const void *y)
{
    const agg_totals *a = x, *b = y;
    return a->start < b->start ? -1 : a->start > b->start;
}

/* The periods of kind per of all the reading_channel's series (one per tou),
 * added up by start: sorted together, then the equal ones merged. */
int channel_periods(const reading_channel *c, agg_per per, agg_periods *out)
{
    size_t total = 0;
    for (size_t i = 0; i < c->ns; i++)
        total += c->s[i]->per[per].n;
    *out = (agg_periods){calloc(total + 1, sizeof(agg_totals)), 0, total + 1};
    if (out->p == NULL)
        return ESPI_E_NOMEM;
    for (size_t i = 0; i < c->ns; i++) {
        const agg_periods *ps = &c->s[i]->per[per];
        if (ps->n)
            memcpy(out->p + out->n, ps->p, ps->n * sizeof *ps->p);
        out->n += ps->n;
    }
    if (c->ns > 1)
        qsort(out->p, out->n, sizeof *out->p, compare_start);
    size_t n = 0;
    for (size_t i = 0; i < out->n; i++) {
        if (n > 0 && out->p[n - 1].start == out->p[i].start)
            agg_merge(&out->p[n - 1], &out->p[i]);
        else
            out->p[n++] = out->p[i];
    }
    out->n = n;
    return 0;
}

const agg_totals *periods_find(const agg_periods *ps, int64_t start)
{
    size_t lo = 0, hi = ps->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ps->p[mid].start < start)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < ps->n && ps->p[lo].start == start ? &ps->p[lo] : NULL;
}

void up_channels_free(up_channels *v)
{
    for (size_t i = 0; i < v->nch; i++)
        free(v->ch[i].s);
    free(v->ch);
    memset(v, 0, sizeof *v);
}

int up_channels_make(up_channels *v, agg *a, const void *up, agg_per per)
{
    memset(v, 0, sizeof *v);
    size_t n = agg_count(a);
    v->ch = calloc(n + 1, sizeof *v->ch);
    if (v->ch == NULL)
        return ESPI_E_NOMEM;
    for (size_t i = 0; i < n; i++) {
        agg_series *s = agg_series_at(a, i);
        if (s->up != up)
            continue;
        reading_channel *c = v->nch ? &v->ch[v->nch - 1] : NULL;
        if (c == NULL || c->first->mr != s->mr) {
            c = &v->ch[v->nch++];
            c->first = s;
            c->s = calloc(n, sizeof *c->s);
            if (c->s == NULL)
                return ESPI_E_NOMEM;
        }
        c->s[c->ns++] = s;
        for (size_t k = 0; k < s->per[per].n; k++)
            c->readings += s->per[per].p[k].readings;
    }
    assign_roles(v);
    return 0;
}

int net_periods(const agg_periods *d, int pd, const agg_periods *r, int pr, agg_periods *out,
                int *power)
{
    *power = pd < pr ? pd : pr;
    *out = (agg_periods){calloc(d->n + r->n + 1, sizeof(agg_totals)), 0, d->n + r->n + 1};
    if (out->p == NULL)
        return ESPI_E_NOMEM;
    size_t i = 0, k = 0;
    while (i < d->n || k < r->n) {
        const agg_totals *x = i < d->n ? &d->p[i] : NULL, *y = k < r->n ? &r->p[k] : NULL;
        if (x && y && x->start != y->start) {
            if (x->start < y->start)
                y = NULL;
            else
                x = NULL;
        }
        i += x != NULL;
        k += y != NULL;
        agg_totals *t = &out->p[out->n++];
        const agg_totals *span = x ? x : y;
        t->start = span->start;
        t->end = span->end;
        memcpy(t->label, span->label, sizeof t->label);
        for (int side = 0; side < 2; side++) {
            const agg_totals *p = side ? y : x;
            if (p == NULL)
                continue;
            t->readings += p->readings;
            t->missing += p->missing;
            t->estimated += p->estimated;
            if (p->has_cost) {
                int64_t c = side ? -p->cost : p->cost;
                t->cost_overflow |=
                    p->cost_overflow || __builtin_add_overflow(t->cost, c, &t->cost);
                t->has_cost = true;
            }
        }
        amount net = amount_combine(amount_of(x, pd), amount_of(y, pr), -1);
        if (net.has) {
            int64_t v = net.v;
            for (int e = net.power; e > *power && !net.overflow; e--)
                net.overflow = __builtin_mul_overflow(v, 10, &v);
            t->has_value = true;
            t->value = v;
            t->value_overflow = net.overflow;
        }
    }
    return 0;
}
