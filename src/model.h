/* model.h - the feed model: usage points, channels (MeterReading with its
 * ReadingType), IntervalBlocks and IntervalReadings. Readers build it,
 * writers walk it. Names that identify the account enter UUID names only. */
#ifndef ESPI_MODEL_H
#define ESPI_MODEL_H

#include "espi.h"

#include <stdbool.h>
#include <stdint.h>

/* ESPI values and costs are Int48; the schema's bound is 2^47, the
 * symmetric one below keeps negation safe. */
#define ESPI_INT48_MAX ((int64_t)140737488355327)

/* One IntervalReading. Times are UTC seconds. */
typedef struct espi_reading {
    int64_t start;
    int64_t value; /* in uom * 10^power_of_ten */
    int64_t cost;  /* hundred-thousandths of the currency */
    uint32_t duration;
    uint32_t line; /* source line, for messages; 0 when unknown */
    bool has_cost;
} espi_reading;

/* ReadingType fields written by espi (codes from ESPI.md section 5). */
typedef struct espi_reading_type {
    int accumulation;   /* AccumulationKind, 4 = deltaData */
    int commodity;      /* CommodityKind, 1 = electricity secondary metered */
    int currency;       /* ISO 4217 numeric; 0 = none */
    int flow_direction; /* 1 forward, 4 net, 19 reverse */
    uint32_t interval_length;
    int kind;  /* MeasurementKind, 12 = energy */
    int phase; /* PhaseCodeKind, 769 = S12N */
    int power_of_ten;
    int uom; /* UnitSymbolKind, 72 = Wh */
} espi_reading_type;

/* A run of readings in one local day: readings[first .. first+count). */
typedef struct espi_block {
    size_t first;
    size_t count;
    int64_t local_day; /* days since 1970-01-01 in the zone */
} espi_block;

typedef struct espi_channel {
    char *meter; /* meter number: UUID names only */
    espi_reading_type rt;
    espi_reading *readings;
    size_t nreadings;
    size_t cap;
    espi_block *blocks;
    size_t nblocks;
} espi_channel;

typedef struct espi_usage_point {
    char *account;    /* UUID names only */
    char *location;   /* UUID names only */
    int service_kind; /* ServiceKind, 0 = electricity */
    espi_channel **channels;
    size_t nchannels;
} espi_usage_point;

struct espi_feed {
    espi_usage_point **usage_points;
    size_t nusage_points;
    char *tz_name;
    espi_time_params time_params;
};

int espi_feed_new(espi_feed **out);

/* Sets the zone the feed's LocalTimeParameters describe. */
int espi_feed_set_tz(espi_feed *feed, const espi_tz *tz, espi_error *err);

/* Finds or adds the usage point for (account, location). */
espi_usage_point *espi_feed_usage_point(espi_feed *feed, const char *account, const char *location);

/* Finds the channel of (meter, flow direction); NULL when there is none. */
espi_channel *espi_usage_point_find_channel(espi_usage_point *up, const char *meter, int flow);

/* Adds a channel; NULL when out of memory. */
espi_channel *espi_usage_point_add_channel(espi_usage_point *up, const char *meter, int flow);

/* Appends a reading; -1 when out of memory. */
int espi_channel_append(espi_channel *ch, const espi_reading *r);

/* Sorts readings by start. */
void espi_readings_sort(espi_reading *readings, size_t n);

/* Sorts readings by start (when they are not) and groups them into one
 * block per local day. */
int espi_channel_split_days(espi_channel *ch, const espi_tz *tz);

/* FlowDirectionKind codes espi writes: a short name for UUID names and a
 * title for people ("forward", "Energy delivered"). */
const char *espi_flow_name(int flow);
const char *espi_flow_title(int flow);

/* End of the newest reading in the feed; ESPI_TIME_UNSET when empty. */
int64_t espi_feed_latest_end(const espi_feed *feed);

#endif
