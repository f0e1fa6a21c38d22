/* SPDX-License-Identifier: Apache-2.0 */
/* model.c - building and freeing the feed model. */
#include "convert/model.h"

#include "common/error.h"
#include "common/grow.h"
#include "common/tz.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int model_feed_new(espi_feed **out)
{
    *out = calloc(1, sizeof **out);
    return *out ? 0 : -1;
}

void model_channel_free(model_channel *ch)
{
    if (ch == NULL)
        return;
    free(ch->meter);
    free(ch->title);
    free(ch->readings);
    free(ch->blocks);
    free(ch);
}

void model_usage_point_free(model_usage_point *up)
{
    if (up == NULL)
        return;
    for (size_t i = 0; i < up->nchannels; i++)
        model_channel_free(up->channels[i]);
    free(up->channels);
    for (size_t i = 0; i < up->nsummaries; i++)
        model_summary_free_strings(&up->summaries[i]);
    free(up->summaries);
    free(up->account);
    free(up->location);
    free(up->tariff_profile);
    free(up->read_cycle);
    free(up->title);
    free(up);
}

void espi_feed_free(espi_feed *feed)
{
    if (feed == NULL)
        return;
    for (size_t i = 0; i < feed->nusage_points; i++)
        model_usage_point_free(feed->usage_points[i]);
    free(feed->usage_points);
    free(feed->tz_name);
    for (size_t i = 0; i < feed->nsources; i++)
        free(feed->sources[i]);
    free(feed->sources);
    free(feed);
}

int model_feed_add_source(espi_feed *feed, const char *name, uint16_t *index, espi_error *err)
{
    if (feed->nsources >= UINT16_MAX)
        return err_fail(err, ESPI_E_LIMIT, "limit-inputs", NULL,
                        "too many inputs: at most %u files make one feed", UINT16_MAX);
    char **grown = realloc(feed->sources, (feed->nsources + 1) * sizeof *grown);
    if (grown == NULL)
        return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    feed->sources = grown;
    grown[feed->nsources] = strdup(name ? name : "");
    if (grown[feed->nsources] == NULL)
        return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    *index = (uint16_t)feed->nsources++;
    return 0;
}

int model_feed_set_time_params(espi_feed *feed, const char *name, const espi_time_params *tp,
                               espi_error *err)
{
    if (model_set_text(&feed->tz_name, name) != 0)
        return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    feed->time_params = *tp;
    return 0;
}

int model_set_text(char **slot, const char *text)
{
    char *copy = NULL;
    if (text != NULL && (copy = strdup(text)) == NULL)
        return -1;
    free(*slot);
    *slot = copy;
    return 0;
}

void model_reading_type_clear_optional(model_reading_type *rt)
{
    rt->consumption_tier = rt->data_qualifier = rt->default_quality = CODE_NONE;
    rt->time_attribute = rt->tou = rt->cpp = CODE_NONE;
    rt->measuring_period = CODE_NONE;
}

void model_summary_init(model_summary *s)
{
    memset(s, 0, sizeof *s);
    s->billing_start = ESPI_TIME_UNSET;
    s->overall.time_stamp = s->current.time_stamp = ESPI_TIME_UNSET;
    s->quality = s->commodity = CODE_NONE;
    s->status_time = ESPI_TIME_UNSET;
}

void model_summary_free_strings(model_summary *s)
{
    free(s->tariff_profile);
    free(s->read_cycle);
    free(s->title);
    s->tariff_profile = s->read_cycle = s->title = NULL;
}

int model_usage_point_add_summary(model_usage_point *up, const model_summary *s)
{
    model_summary copy = *s;
    copy.tariff_profile = copy.read_cycle = copy.title = NULL;
    if (model_set_text(&copy.tariff_profile, s->tariff_profile) != 0 ||
        model_set_text(&copy.read_cycle, s->read_cycle) != 0 ||
        model_set_text(&copy.title, s->title) != 0) {
        model_summary_free_strings(&copy);
        return -1;
    }
    model_summary *grown =
        grow_array(up->summaries, &up->summaries_cap, up->nsummaries, sizeof *grown, 16);
    if (grown == NULL) {
        model_summary_free_strings(&copy);
        return -1;
    }
    up->summaries = grown;
    up->summaries[up->nsummaries++] = copy;
    return 0;
}

int model_feed_set_tz(espi_feed *feed, const espi_tz *tz, espi_error *err)
{
    int rc = espi_tz_time_params(&feed->time_params, tz, err);
    if (rc != 0)
        return rc;
    free(feed->tz_name);
    feed->tz_name = strdup(espi_tz_name(tz));
    if (feed->tz_name == NULL)
        return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    return 0;
}

/* Grows an array of pointers by one slot; -1 when out of memory. */
static int push_pointer(void ***items, size_t *n, void *item)
{
    void **grown = realloc(*items, (*n + 1) * sizeof *grown);
    if (grown == NULL)
        return -1;
    grown[(*n)++] = item;
    *items = grown;
    return 0;
}

bool model_same_name(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

bool model_usage_point_repaired(const model_usage_point *up)
{
    return up->account[0] == '\0' && up->location[0] != '\0';
}

model_usage_point *model_feed_usage_point(espi_feed *feed, const char *account,
                                          const char *location)
{
    for (size_t i = 0; i < feed->nusage_points; i++) {
        model_usage_point *up = feed->usage_points[i];
        if (model_same_name(up->account, account) && model_same_name(up->location, location))
            return up;
    }
    model_usage_point *up = calloc(1, sizeof *up);
    if (up == NULL)
        return NULL;
    up->account = strdup(account ? account : "");
    up->location = strdup(location ? location : "");
    void **items = (void **)feed->usage_points;
    if (up->account == NULL || up->location == NULL ||
        push_pointer(&items, &feed->nusage_points, up) != 0) {
        model_usage_point_free(up);
        return NULL;
    }
    feed->usage_points = (model_usage_point **)items;
    return up;
}

model_channel_key model_channel_key_make(const char *meter, int flow, int uom)
{
    model_channel_key key = {meter, flow, uom, 0, CODE_NONE};
    return key;
}

model_channel_key model_channel_key_of(const model_channel *ch)
{
    model_channel_key key = {ch->meter, ch->rt.flow_direction, ch->rt.uom, ch->nominal, ch->rt.tou};
    return key;
}

static bool key_matches(const model_channel *ch, const model_channel_key *key)
{
    return ch->rt.flow_direction == key->flow && ch->rt.uom == key->uom &&
           ch->nominal == key->interval && ch->rt.tou == key->tou &&
           model_same_name(ch->meter, key->meter);
}

model_channel *model_usage_point_find_channel(model_usage_point *up, const model_channel_key *key)
{
    for (size_t i = 0; i < up->nchannels; i++)
        if (key_matches(up->channels[i], key))
            return up->channels[i];
    return NULL;
}

model_channel *model_usage_point_channel(model_usage_point *up, const model_channel_key *key)
{
    model_channel *ch = model_usage_point_find_channel(up, key);
    return ch ? ch : model_usage_point_add_channel(up, key);
}

model_channel *model_usage_point_add_channel(model_usage_point *up, const model_channel_key *key)
{
    model_channel *ch = calloc(1, sizeof *ch);
    if (ch == NULL)
        return NULL;
    ch->meter = strdup(key->meter ? key->meter : "");
    ch->rt.phase = CODE_NONE;
    model_reading_type_clear_optional(&ch->rt);
    ch->rt.flow_direction = key->flow;
    ch->rt.uom = key->uom;
    ch->rt.tou = key->tou;
    ch->nominal = key->interval;
    void **items = (void **)up->channels;
    if (ch->meter == NULL || push_pointer(&items, &up->nchannels, ch) != 0) {
        model_channel_free(ch);
        return NULL;
    }
    up->channels = (model_channel **)items;
    return ch;
}

int model_channel_append(model_channel *ch, const model_reading *r)
{
    model_reading *grown = grow_array(ch->readings, &ch->cap, ch->nreadings, sizeof *grown, 256);
    if (grown == NULL)
        return -1;
    ch->readings = grown;
    ch->readings[ch->nreadings++] = *r;
    return 0;
}

int model_channel_reserve(model_channel *ch, size_t n)
{
    const size_t most = PTRDIFF_MAX / sizeof *ch->readings; /* the largest array there can be */
    if (n <= ch->cap - ch->nreadings)
        return 0;
    if (n > most - ch->nreadings)
        return -1;
    size_t cap = ch->nreadings + n;
    /* a channel with readings gets more: another input may add as many */
    if (ch->nreadings > 0 && ch->cap <= most / 2 && cap < ch->cap * 2)
        cap = ch->cap * 2;
    model_reading *grown = realloc(ch->readings, cap * sizeof *grown);
    if (grown == NULL)
        return -1;
    ch->readings = grown;
    ch->cap = cap;
    return 0;
}

uint32_t model_readings_usual_duration(const model_reading *readings, size_t n)
{
    enum { SLOTS = 16 }; /* readings come in few distinct lengths */
    uint32_t len[SLOTS], best = 0;
    size_t count[SLOTS], used = 0, best_count = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k = 0;
        while (k < used && len[k] != readings[i].duration)
            k++;
        if (k == used && used < SLOTS) {
            len[used] = readings[i].duration;
            count[used++] = 0;
        }
        if (k < used)
            count[k]++;
    }
    for (size_t k = 0; k < used; k++)
        if (count[k] > best_count || (count[k] == best_count && len[k] < best)) {
            best = len[k];
            best_count = count[k];
        }
    return best;
}

void model_interval_words(char *buf, size_t size, uint32_t seconds)
{
    if (seconds % 86400 == 0 && seconds > 0)
        snprintf(buf, size, seconds == 86400 ? "daily" : "%u-day", seconds / 86400);
    else if (seconds % 3600 == 0 && seconds > 0)
        snprintf(buf, size, seconds == 3600 ? "hourly" : "%u-hour", seconds / 3600);
    else if (seconds % 60 == 0 && seconds > 0)
        snprintf(buf, size, "%u-minute", seconds / 60);
    else
        snprintf(buf, size, "%u-second", seconds);
}

uint32_t model_channel_resolution(const model_channel *ch)
{
    return ch->nominal != 0 ? ch->nominal : ch->rt.interval_length;
}

static int by_start(const void *a, const void *b)
{
    const model_reading *x = a, *y = b;
    return (x->start > y->start) - (x->start < y->start);
}

void model_readings_sort(model_reading *readings, size_t n)
{
    sort_array(readings, n, sizeof *readings, by_start);
}

typedef struct flow_info {
    int code;
    const char *name;
    const char *title;
} flow_info;

static const flow_info flow_table[] = {
    {1, "forward", "Energy delivered"},
    {4, "net", "Net energy (delivered minus received)"},
    {19, "reverse", "Energy received"},
};

static const flow_info *flow_of(int flow)
{
    for (size_t i = 0; i < sizeof flow_table / sizeof flow_table[0]; i++)
        if (flow_table[i].code == flow)
            return &flow_table[i];
    return NULL;
}

const char *model_flow_name(int flow)
{
    const flow_info *f = flow_of(flow);
    return f ? f->name : "other";
}

const char *model_flow_title(int flow)
{
    const flow_info *f = flow_of(flow);
    return f ? f->title : "Energy";
}

static int64_t local_day(const espi_tz *tz, int64_t utc)
{
    return tz_days_of(utc + espi_tz_offset_at(NULL, tz, utc));
}

int model_channel_split_days(model_channel *ch, const espi_tz *tz)
{
    model_readings_sort(ch->readings, ch->nreadings);
    free(ch->blocks);
    ch->blocks = NULL;
    ch->nblocks = 0;
    size_t cap = 0;
    for (size_t i = 0; i < ch->nreadings; i++) {
        int64_t day = local_day(tz, ch->readings[i].start);
        if (ch->nblocks > 0 && ch->blocks[ch->nblocks - 1].local_day == day) {
            ch->blocks[ch->nblocks - 1].count++;
            continue;
        }
        model_block *grown = grow_array(ch->blocks, &cap, ch->nblocks, sizeof *grown, 64);
        if (grown == NULL)
            return -1;
        ch->blocks = grown;
        ch->blocks[ch->nblocks++] = (model_block){i, 1, day};
    }
    return 0;
}

int64_t model_feed_latest_end(const espi_feed *feed)
{
    int64_t latest = ESPI_TIME_UNSET;
    for (size_t u = 0; u < feed->nusage_points; u++) {
        const model_usage_point *up = feed->usage_points[u];
        for (size_t c = 0; c < up->nchannels; c++) {
            const model_channel *ch = up->channels[c];
            for (size_t i = 0; i < ch->nreadings; i++) {
                int64_t end = ch->readings[i].start + ch->readings[i].duration;
                if (end > latest)
                    latest = end;
            }
        }
        for (size_t i = 0; i < up->nsummaries; i++) {
            const model_summary *s = &up->summaries[i];
            int64_t end = s->billing_start != ESPI_TIME_UNSET
                              ? s->billing_start + s->billing_duration
                              : ESPI_TIME_UNSET;
            if (s->status_time != ESPI_TIME_UNSET && s->status_time > end)
                end = s->status_time;
            if (end > latest)
                latest = end;
        }
    }
    return latest;
}

void espi_feed_stats_get(espi_feed_stats *out, const espi_feed *feed)
{
    memset(out, 0, sizeof *out);
    out->usage_points = feed->nusage_points;
    for (size_t u = 0; u < feed->nusage_points; u++) {
        const model_usage_point *up = feed->usage_points[u];
        out->channels += up->nchannels;
        for (size_t c = 0; c < up->nchannels; c++) {
            const model_channel *ch = up->channels[c];
            out->blocks += ch->nblocks;
            out->readings += ch->nreadings;
            for (size_t i = 0; i < ch->nreadings; i++)
                out->with_cost += ch->readings[i].has_cost;
        }
        out->summaries += up->nsummaries;
    }
}
