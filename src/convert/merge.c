/* SPDX-License-Identifier: Apache-2.0 */
/* merge.c - the inputs of one feed made into one model: usage points and
 * channels the inputs left unnamed are joined to the ones they belong to,
 * overlapping readings and repeated billing periods are kept once, and
 * everything is sorted by name and time, so that the feed does not depend
 * on the order of the inputs (except where they disagree: later wins). */
#include "common/grow.h"
#include "common/error.h"
#include "convert/model.h"
#include "common/tz.h"

#include <stdlib.h>
#include <string.h>

typedef struct merger {
    espi_feed *feed;
    const model_merge_options *mo;
    espi_error *err;
    size_t agreed;                  /* readings found twice with the same values */
    size_t replaced;                /* readings an earlier input gave differently */
    size_t channel_conflicts;       /* in the channel being merged */
    model_reading first_unreported; /* the first conflict not reported on its own */
} merger;

/* Conflicts reported one by one per channel; the rest are counted. */
#define CONFLICTS_SHOWN 5

static const char *source_name(const merger *m, uint16_t source)
{
    return source < m->feed->nsources ? m->feed->sources[source] : "?";
}

/* ------------------------------------------------------------------ */
/* Joining what an input left unnamed                                  */
/* ------------------------------------------------------------------ */

static void remove_pointer(void **items, size_t *n, size_t at)
{
    memmove(items + at, items + at + 1, (*n - at - 1) * sizeof *items);
    (*n)--;
}

static int append_readings(model_channel *to, const model_channel *from)
{
    for (size_t i = 0; i < from->nreadings; i++)
        if (model_channel_append(to, &from->readings[i]) != 0)
            return -1;
    return 0;
}

/* Moves channel ch (owned by no usage point any more) into up, joining the
 * channel of the same key (meter, flow, unit, resolution, tou) when up has
 * one. */
static int adopt_channel(model_usage_point *up, model_channel *ch, const char *meter)
{
    model_channel_key key = model_channel_key_of(ch);
    key.meter = meter;
    model_channel *same = model_usage_point_find_channel(up, &key);
    if (same != NULL && same != ch) {
        int rc = append_readings(same, ch);
        if (rc == 0 && same->rt.currency == 0)
            same->rt.currency = ch->rt.currency;
        model_channel_free(ch);
        return rc;
    }
    if (model_set_text(&ch->meter, meter) != 0)
        return -1;
    if (same == ch)
        return 0;
    model_channel **grown = realloc(up->channels, (up->nchannels + 1) * sizeof *grown);
    if (grown == NULL) {
        model_channel_free(ch);
        return -1;
    }
    up->channels = grown;
    up->channels[up->nchannels++] = ch;
    return 0;
}

/* The only non-empty location of the account among the usage points (of
 * any account, for an input that names none, like the older usage CSV);
 * NULL when there is none or several. */
static model_usage_point *only_location(espi_feed *feed, const model_usage_point *unplaced)
{
    model_usage_point *found = NULL;
    bool any_account = unplaced->account[0] == '\0';
    for (size_t i = 0; i < feed->nusage_points; i++) {
        model_usage_point *up = feed->usage_points[i];
        if (up == unplaced || up->location[0] == '\0' ||
            (!any_account && strcmp(up->account, unplaced->account) != 0))
            continue;
        if (found != NULL)
            return NULL;
        found = up;
    }
    return found;
}

static int move_summaries(model_usage_point *to, model_usage_point *from)
{
    for (size_t i = 0; i < from->nsummaries; i++)
        if (model_usage_point_add_summary(to, &from->summaries[i]) != 0)
            return -1;
    return 0;
}

/* A usage point without a location (a CSV export names only the account)
 * joins the account's only located usage point. */
static int place_usage_points(merger *m)
{
    espi_feed *f = m->feed;
    for (size_t i = 0; i < f->nusage_points;) {
        model_usage_point *up = f->usage_points[i];
        model_usage_point *to = up->location[0] == '\0' ? only_location(f, up) : NULL;
        if (to == NULL) {
            i++;
            continue;
        }
        for (size_t c = 0; c < up->nchannels; c++) {
            model_channel *ch = up->channels[c];
            up->channels[c] = NULL;
            if (adopt_channel(to, ch, ch->meter) != 0)
                return err_fail(m->err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
        }
        up->nchannels = 0;
        if (move_summaries(to, up) != 0)
            return err_fail(m->err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
        if (to->tariff_profile == NULL && model_set_text(&to->tariff_profile, up->tariff_profile))
            return err_fail(m->err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
        remove_pointer((void **)f->usage_points, &f->nusage_points, i);
        model_usage_point_free(up);
    }
    return 0;
}

/* The only meter number the usage point's named channels have. */
static const char *only_meter(const model_usage_point *up)
{
    const char *found = NULL;
    for (size_t i = 0; i < up->nchannels; i++) {
        const char *meter = up->channels[i]->meter;
        if (meter[0] == '\0' || (found != NULL && strcmp(found, meter) == 0))
            continue;
        if (found != NULL)
            return NULL;
        found = meter;
    }
    return found;
}

/* A channel without a meter number joins the location's only meter. */
static int name_meters(merger *m, model_usage_point *up)
{
    const char *meter = only_meter(up);
    if (meter == NULL)
        return 0;
    char *name = strdup(meter);
    if (name == NULL)
        return err_fail(m->err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    for (size_t i = 0; i < up->nchannels;) {
        model_channel *ch = up->channels[i];
        if (ch->meter[0] != '\0') {
            i++;
            continue;
        }
        remove_pointer((void **)up->channels, &up->nchannels, i);
        if (adopt_channel(up, ch, name) != 0) {
            free(name);
            return err_fail(m->err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
        }
        i = 0; /* the list changed; unnamed channels are few */
    }
    free(name);
    return 0;
}

/* ------------------------------------------------------------------ */
/* Order                                                               */
/* ------------------------------------------------------------------ */

static int by_usage_point(const void *a, const void *b)
{
    const model_usage_point *x = *(model_usage_point *const *)a,
                            *y = *(model_usage_point *const *)b;
    int c = strcmp(x->account, y->account);
    return c ? c : strcmp(x->location, y->location);
}

static int by_channel(const void *a, const void *b)
{
    const model_channel *x = *(model_channel *const *)a, *y = *(model_channel *const *)b;
    int c = strcmp(x->meter, y->meter);
    if (c == 0)
        c = (x->rt.flow_direction > y->rt.flow_direction) -
            (x->rt.flow_direction < y->rt.flow_direction);
    if (c == 0)
        c = (x->rt.uom > y->rt.uom) - (x->rt.uom < y->rt.uom);
    if (c == 0)
        c = (x->rt.tou > y->rt.tou) - (x->rt.tou < y->rt.tou);
    if (c == 0) /* resolutions of one meter and direction: finest first */
        c = (x->nominal > y->nominal) - (x->nominal < y->nominal);
    return c;
}

static int by_start_source(const void *a, const void *b)
{
    const model_reading *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->source != y->source)
        return x->source < y->source ? -1 : 1;
    return (x->line > y->line) - (x->line < y->line);
}

/* Closed periods first (by start, then input), open cycles after. */
static int by_billing_period(const void *a, const void *b)
{
    const model_summary *x = a, *y = b;
    if (x->open_cycle != y->open_cycle)
        return x->open_cycle ? 1 : -1;
    if (x->billing_start != y->billing_start)
        return x->billing_start < y->billing_start ? -1 : 1;
    if (x->source != y->source)
        return x->source < y->source ? -1 : 1;
    return (x->line > y->line) - (x->line < y->line);
}

/* ------------------------------------------------------------------ */
/* Readings covering the same time                                     */
/* ------------------------------------------------------------------ */

static bool same_reading(const model_reading *a, const model_reading *b)
{
    return a->start == b->start && a->duration == b->duration && a->value == b->value &&
           a->quality == b->quality && (!a->has_cost || !b->has_cost || a->cost == b->cost);
}

/* Two inputs give different readings for the same time: the later input's
 * is kept, with a warning (an error when strict). */
static int disagree(merger *m, const model_reading *kept, const model_reading *later)
{
    char when[32];
    tz_format_utc(when, later->start);
    err_loc loc = {source_name(m, later->source), later->line, 0, NULL};
    if (m->mo->strict)
        return err_fail(m->err, ESPI_E_INPUT, "merge-conflict", &loc,
                        "the reading at %s (%lld, %u s) differs from the one at %s:%u (%lld, %u "
                        "s) for the same channel and time; without --strict the later input wins",
                        when, (long long)later->value, later->duration,
                        source_name(m, kept->source), kept->line, (long long)kept->value,
                        kept->duration);
    m->replaced++;
    if (m->channel_conflicts++ == CONFLICTS_SHOWN)
        m->first_unreported = *later;
    if (m->channel_conflicts > CONFLICTS_SHOWN)
        return 0;
    diag_emit(m->mo->on_diag, m->mo->diag_ctx, ESPI_SEV_WARNING, "merge-conflict", &loc,
              "the reading at %s (%lld, %u s) differs from the one at %s:%u (%lld, %u s) for the "
              "same channel and time; this later input's is kept",
              when, (long long)later->value, later->duration, source_name(m, kept->source),
              kept->line, (long long)kept->value, kept->duration);
    return 0;
}

/* The conflicts of a channel beyond the ones shown, in one line. */
static void report_more_conflicts(merger *m)
{
    if (m->channel_conflicts <= CONFLICTS_SHOWN)
        return;
    const model_reading *r = &m->first_unreported;
    err_loc loc = {source_name(m, r->source), r->line, 0, NULL};
    diag_emit(m->mo->on_diag, m->mo->diag_ctx, ESPI_SEV_WARNING, "merge-conflict", &loc,
              "%zu more readings of this channel differ between inputs, from here on; the later "
              "input's are kept",
              m->channel_conflicts - CONFLICTS_SHOWN);
}

/* Readings of one input are kept as they are (a file's own overlaps are
 * its own business: the validator reports them); readings of two inputs
 * that cover the same time are one reading. */
static int merge_readings(merger *m, model_channel *ch)
{
    if (ch->nreadings < 2)
        return 0;
    sort_array(ch->readings, ch->nreadings, sizeof *ch->readings, by_start_source);
    size_t kept = 0;
    for (size_t i = 0; i < ch->nreadings; i++) {
        model_reading r = ch->readings[i];
        bool dropped = false;
        while (kept > 0) {
            model_reading *k = &ch->readings[kept - 1];
            if (k->source == r.source || k->start + k->duration <= r.start)
                break;
            if (same_reading(k, &r)) {
                if (!k->has_cost && r.has_cost) {
                    k->cost = r.cost;
                    k->has_cost = true;
                }
                m->agreed++;
                dropped = true;
                break;
            }
            const model_reading *earlier = k->source < r.source ? k : &r;
            const model_reading *later = k->source < r.source ? &r : k;
            int rc = disagree(m, earlier, later);
            if (rc != 0)
                return rc;
            if (later == k) {
                dropped = true;
                break;
            }
            kept--; /* the later input's reading replaces the earlier one */
        }
        if (!dropped)
            ch->readings[kept++] = r;
    }
    ch->nreadings = kept;
    return 0;
}

static int finish_channel(merger *m, model_channel *ch)
{
    m->channel_conflicts = 0;
    int rc = merge_readings(m, ch);
    if (rc != 0)
        return rc;
    report_more_conflicts(m);
    if (!ch->keep_interval)
        ch->rt.interval_length = model_readings_usual_duration(ch->readings, ch->nreadings);
    if (model_channel_split_days(ch, m->mo->tz) != 0)
        return err_fail(m->err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    return 0;
}

/* ------------------------------------------------------------------ */
/* Billing periods                                                     */
/* ------------------------------------------------------------------ */

static bool same_measure(const model_measure *a, const model_measure *b)
{
    return a->present == b->present &&
           (!a->present || (a->value == b->value && a->power_of_ten == b->power_of_ten &&
                            a->uom == b->uom && a->time_stamp == b->time_stamp));
}

static bool same_text_or_null(const char *a, const char *b)
{
    return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Every field, so that which of two agreeing inputs is kept cannot show. */
static bool same_summary(const model_summary *a, const model_summary *b)
{
    return a->billing_duration == b->billing_duration &&
           a->has_bill_last_period == b->has_bill_last_period &&
           a->bill_last_period == b->bill_last_period &&
           a->has_bill_to_date == b->has_bill_to_date && a->bill_to_date == b->bill_to_date &&
           a->has_cost_additional == b->has_cost_additional &&
           a->cost_additional == b->cost_additional && a->currency == b->currency &&
           same_measure(&a->overall, &b->overall) && same_measure(&a->current, &b->current) &&
           a->quality == b->quality && a->status_time == b->status_time &&
           a->commodity == b->commodity &&
           same_text_or_null(a->tariff_profile, b->tariff_profile) &&
           same_text_or_null(a->read_cycle, b->read_cycle) && same_text_or_null(a->title, b->title);
}

static int bill_conflict(merger *m, const model_summary *kept, const model_summary *later)
{
    err_loc loc = {source_name(m, later->source), later->line, 0, NULL};
    char when[32];
    tz_format_utc(when, later->billing_start);
    if (m->mo->strict)
        return err_fail(m->err, ESPI_E_INPUT, "merge-bill-conflict", &loc,
                        "the billing period starting %s differs from the one at %s:%u; "
                        "without --strict the later input wins",
                        when, source_name(m, kept->source), kept->line);
    diag_emit(m->mo->on_diag, m->mo->diag_ctx, ESPI_SEV_WARNING, "merge-bill-conflict", &loc,
              "the billing period starting %s differs from the one at %s:%u; this later "
              "input's is kept",
              when, source_name(m, kept->source), kept->line);
    return 0;
}

/* Closed summaries of the same billing period from two inputs are one;
 * summaries without a billing period (repaired files) are kept as they
 * are. Works in place on sums[0..*n). */
static int merge_closed(merger *m, model_summary *sums, size_t *n)
{
    size_t kept = 0, i = 0;
    int rc = 0;
    for (; i < *n && rc == 0; i++) {
        model_summary *s = &sums[i];
        model_summary *k = kept > 0 ? &sums[kept - 1] : NULL;
        if (k == NULL || k->billing_start == ESPI_TIME_UNSET || k->source == s->source ||
            k->billing_start != s->billing_start) {
            sums[kept++] = *s;
            continue;
        }
        if (same_summary(k, s)) {
            model_summary_free_strings(s);
            continue;
        }
        rc = bill_conflict(m, k, s);
        if (rc != 0) {
            sums[kept++] = *s; /* keep every string owned once for the free */
            continue;
        }
        model_summary_free_strings(k);
        *k = *s; /* sorted by source within a period: s is the later */
    }
    for (; i < *n; i++)
        sums[kept++] = sums[i];
    *n = kept;
    return rc;
}

/* Which of two open cycles is newer: the later start, then the later "as
 * of", then the later input. */
static bool newer_open(const model_summary *a, const model_summary *b)
{
    if (a->billing_start != b->billing_start)
        return a->billing_start > b->billing_start;
    if (a->current.time_stamp != b->current.time_stamp)
        return a->current.time_stamp > b->current.time_stamp;
    return a->source > b->source;
}

/* The newest open cycle goes onto the newest closed period's summary, as
 * its consumption so far and its bill to date; an open cycle of a period
 * that has closed since (in another input) is stale. */
static int settle_open_cycles(merger *m, model_usage_point *up)
{
    model_summary *open = NULL, *newest = NULL;
    for (size_t i = 0; i < up->nsummaries; i++) {
        model_summary *s = &up->summaries[i];
        /* two inputs with the same cycle as of the same time must agree */
        if (s->open_cycle && open != NULL && s->source != open->source &&
            s->billing_start == open->billing_start &&
            s->current.time_stamp == open->current.time_stamp && !same_summary(s, open)) {
            int rc =
                bill_conflict(m, newer_open(s, open) ? open : s, newer_open(s, open) ? s : open);
            if (rc != 0)
                return rc;
        }
        if (s->open_cycle && (open == NULL || newer_open(s, open)))
            open = s;
        if (!s->open_cycle && s->billing_start != ESPI_TIME_UNSET &&
            (newest == NULL || s->billing_start > newest->billing_start))
            newest = s;
    }
    if (open != NULL && newest == NULL) {
        err_loc loc = {source_name(m, open->source), open->line, 0, NULL};
        diag_emit(m->mo->on_diag, m->mo->diag_ctx, ESPI_SEV_WARNING, "bill-open-cycle-alone", &loc,
                  "the open billing cycle is not a bill and no closed billing period comes with "
                  "it; its consumption so far is not written");
    } else if (open != NULL && open->billing_start > newest->billing_start) {
        newest->current = open->current;
        if (open->has_bill_to_date) {
            newest->bill_to_date = open->bill_to_date;
            newest->has_bill_to_date = true;
            newest->currency = open->currency;
        }
    }
    size_t kept = 0;
    for (size_t i = 0; i < up->nsummaries; i++) {
        if (up->summaries[i].open_cycle)
            model_summary_free_strings(&up->summaries[i]);
        else
            up->summaries[kept++] = up->summaries[i];
    }
    up->nsummaries = kept;
    return 0;
}

static int merge_summaries(merger *m, model_usage_point *up)
{
    if (up->nsummaries == 0)
        return 0;
    qsort(up->summaries, up->nsummaries, sizeof *up->summaries, by_billing_period);
    size_t closed = 0;
    while (closed < up->nsummaries && !up->summaries[closed].open_cycle)
        closed++;
    size_t open = up->nsummaries - closed, merged = closed;
    int rc = merge_closed(m, up->summaries, &merged);
    memmove(up->summaries + merged, up->summaries + closed, open * sizeof *up->summaries);
    up->nsummaries = merged + open;
    return rc == 0 ? settle_open_cycles(m, up) : rc;
}

/* What the merged data give besides (summaries.c): the resolutions
 * compared, bills as readings, monthly summaries where no input gave any. */
static int derive(merger *m, model_usage_point *up)
{
    model_check_resolutions(m->feed, up, m->mo);
    size_t before = up->nchannels;
    int rc = model_bills_as_readings(m->feed, up, m->mo, m->err);
    if (rc == 0 && up->nchannels != before)
        qsort(up->channels, up->nchannels, sizeof *up->channels, by_channel);
    return rc == 0 ? model_month_summaries(m->feed, up, m->mo, m->err) : rc;
}

/* A usage point left with nothing (an open billing cycle alone) is not
 * written: a UsagePoint entry without data only breaks the feed's rules. */
static void drop_empty_usage_points(espi_feed *feed)
{
    for (size_t i = 0; i < feed->nusage_points;) {
        model_usage_point *up = feed->usage_points[i];
        if (up->nchannels > 0 || up->nsummaries > 0) {
            i++;
            continue;
        }
        remove_pointer((void **)feed->usage_points, &feed->nusage_points, i);
        model_usage_point_free(up);
    }
}

int model_feed_finish(espi_feed *feed, const model_merge_options *mo, espi_error *err)
{
    merger m = {.feed = feed, .mo = mo, .err = err};
    int rc = place_usage_points(&m);
    for (size_t u = 0; rc == 0 && u < feed->nusage_points; u++)
        rc = name_meters(&m, feed->usage_points[u]);
    if (rc != 0)
        return rc;
    if (feed->nusage_points > 1)
        qsort(feed->usage_points, feed->nusage_points, sizeof *feed->usage_points, by_usage_point);
    for (size_t u = 0; rc == 0 && u < feed->nusage_points; u++) {
        model_usage_point *up = feed->usage_points[u];
        if (up->nchannels > 1)
            qsort(up->channels, up->nchannels, sizeof *up->channels, by_channel);
        for (size_t c = 0; rc == 0 && c < up->nchannels; c++)
            rc = finish_channel(&m, up->channels[c]);
        if (rc == 0)
            rc = merge_summaries(&m, up);
        if (rc == 0)
            rc = derive(&m, up);
    }
    if (rc == 0)
        drop_empty_usage_points(feed);
    return rc;
}
