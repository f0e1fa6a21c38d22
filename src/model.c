/* model.c - building and freeing the feed model. */
#include "model.h"

#include "error.h"
#include "grow.h"
#include "tz.h"

#include <stdlib.h>
#include <string.h>

int espi_feed_new(espi_feed **out)
{
    *out = calloc(1, sizeof **out);
    return *out ? 0 : -1;
}

static void channel_free(espi_channel *ch)
{
    if (ch == NULL)
        return;
    free(ch->meter);
    free(ch->readings);
    free(ch->blocks);
    free(ch);
}

static void usage_point_free(espi_usage_point *up)
{
    if (up == NULL)
        return;
    for (size_t i = 0; i < up->nchannels; i++)
        channel_free(up->channels[i]);
    free(up->channels);
    free(up->account);
    free(up->location);
    free(up);
}

void espi_feed_free(espi_feed *feed)
{
    if (feed == NULL)
        return;
    for (size_t i = 0; i < feed->nusage_points; i++)
        usage_point_free(feed->usage_points[i]);
    free(feed->usage_points);
    free(feed->tz_name);
    free(feed);
}

int espi_feed_set_tz(espi_feed *feed, const espi_tz *tz, espi_error *err)
{
    int rc = espi_tz_time_params(&feed->time_params, tz, err);
    if (rc != 0)
        return rc;
    free(feed->tz_name);
    feed->tz_name = strdup(espi_tz_name(tz));
    if (feed->tz_name == NULL)
        return espi_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
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

static bool same(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

espi_usage_point *espi_feed_usage_point(espi_feed *feed, const char *account, const char *location)
{
    for (size_t i = 0; i < feed->nusage_points; i++) {
        espi_usage_point *up = feed->usage_points[i];
        if (same(up->account, account) && same(up->location, location))
            return up;
    }
    espi_usage_point *up = calloc(1, sizeof *up);
    if (up == NULL)
        return NULL;
    up->account = strdup(account ? account : "");
    up->location = strdup(location ? location : "");
    void **items = (void **)feed->usage_points;
    if (up->account == NULL || up->location == NULL ||
        push_pointer(&items, &feed->nusage_points, up) != 0) {
        usage_point_free(up);
        return NULL;
    }
    feed->usage_points = (espi_usage_point **)items;
    return up;
}

espi_channel *espi_usage_point_find_channel(espi_usage_point *up, const char *meter, int flow)
{
    for (size_t i = 0; i < up->nchannels; i++) {
        espi_channel *ch = up->channels[i];
        if (ch->rt.flow_direction == flow && same(ch->meter, meter))
            return ch;
    }
    return NULL;
}

espi_channel *espi_usage_point_add_channel(espi_usage_point *up, const char *meter, int flow)
{
    espi_channel *ch = calloc(1, sizeof *ch);
    if (ch == NULL)
        return NULL;
    ch->meter = strdup(meter ? meter : "");
    ch->rt.flow_direction = flow;
    void **items = (void **)up->channels;
    if (ch->meter == NULL || push_pointer(&items, &up->nchannels, ch) != 0) {
        channel_free(ch);
        return NULL;
    }
    up->channels = (espi_channel **)items;
    return ch;
}

int espi_channel_append(espi_channel *ch, const espi_reading *r)
{
    espi_reading *grown = espi_grow(ch->readings, &ch->cap, ch->nreadings, sizeof *grown, 256);
    if (grown == NULL)
        return -1;
    ch->readings = grown;
    ch->readings[ch->nreadings++] = *r;
    return 0;
}

static int by_start(const void *a, const void *b)
{
    const espi_reading *x = a, *y = b;
    return (x->start > y->start) - (x->start < y->start);
}

void espi_readings_sort(espi_reading *readings, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        if (readings[i].start < readings[i - 1].start) {
            qsort(readings, n, sizeof *readings, by_start);
            return;
        }
    }
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

const char *espi_flow_name(int flow)
{
    const flow_info *f = flow_of(flow);
    return f ? f->name : "other";
}

const char *espi_flow_title(int flow)
{
    const flow_info *f = flow_of(flow);
    return f ? f->title : "Energy";
}

static int64_t local_day(const espi_tz *tz, int64_t utc)
{
    return espi_days_of(utc + espi_tz_offset_at(NULL, tz, utc));
}

int espi_channel_split_days(espi_channel *ch, const espi_tz *tz)
{
    espi_readings_sort(ch->readings, ch->nreadings);
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
        espi_block *grown = espi_grow(ch->blocks, &cap, ch->nblocks, sizeof *grown, 64);
        if (grown == NULL)
            return -1;
        ch->blocks = grown;
        ch->blocks[ch->nblocks++] = (espi_block){i, 1, day};
    }
    return 0;
}

int64_t espi_feed_latest_end(const espi_feed *feed)
{
    int64_t latest = ESPI_TIME_UNSET;
    for (size_t u = 0; u < feed->nusage_points; u++) {
        const espi_usage_point *up = feed->usage_points[u];
        for (size_t c = 0; c < up->nchannels; c++) {
            const espi_channel *ch = up->channels[c];
            for (size_t i = 0; i < ch->nreadings; i++) {
                int64_t end = ch->readings[i].start + ch->readings[i].duration;
                if (end > latest)
                    latest = end;
            }
        }
    }
    return latest;
}

void espi_feed_stats_get(espi_feed_stats *out, const espi_feed *feed)
{
    memset(out, 0, sizeof *out);
    out->usage_points = feed->nusage_points;
    for (size_t u = 0; u < feed->nusage_points; u++) {
        const espi_usage_point *up = feed->usage_points[u];
        out->channels += up->nchannels;
        for (size_t c = 0; c < up->nchannels; c++) {
            const espi_channel *ch = up->channels[c];
            out->blocks += ch->nblocks;
            out->readings += ch->nreadings;
            for (size_t i = 0; i < ch->nreadings; i++)
                out->with_cost += ch->readings[i].has_cost;
        }
    }
}
