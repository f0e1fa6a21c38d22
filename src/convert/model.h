/* SPDX-License-Identifier: Apache-2.0 */
/* model.h - the feed model: usage points, channels (MeterReading with its
 * ReadingType), IntervalBlocks and IntervalReadings. Readers build it,
 * writers walk it. Names that identify the account enter UUID names only. */
#ifndef MODEL_H
#define MODEL_H

#include "espi.h"

#include <stdbool.h>
#include <stdint.h>

/* ESPI values and costs are Int48; the schema's bound is 2^47, the
 * symmetric one below keeps negation safe. */
#define INT48_MAX ((int64_t)140737488355327)

/* An optional code that is absent (ReadingType, summary and reading fields). */
#define CODE_NONE INT32_MIN

/* One IntervalReading. Times are UTC seconds. */
typedef struct model_reading {
    int64_t start;
    int64_t value; /* in uom * 10^power_of_ten */
    int64_t cost;  /* hundred-thousandths of the currency */
    uint32_t duration;
    uint32_t line; /* source line, for messages; 0 when unknown */
    bool has_cost;
    uint16_t source; /* index of the input it came from (espi_feed.sources) */
    int16_t quality; /* QualityOfReading; -1 when absent */
} model_reading;

/* ReadingType fields (codes from docs/standard.md section 5). The optional ones are
 * CODE_NONE when absent; SmartHub channels leave them so. */
typedef struct model_reading_type {
    int accumulation;   /* AccumulationKind, 4 = deltaData, 12 = indicating */
    int commodity;      /* CommodityKind, 1 = electricity secondary metered */
    int currency;       /* ISO 4217 numeric; 0 = none */
    int flow_direction; /* 1 forward, 4 net, 19 reverse */
    uint32_t interval_length;
    int kind;  /* MeasurementKind, 12 = energy, 37 = power (demand) */
    int phase; /* PhaseCodeKind, 769 = S12N */
    int power_of_ten;
    int uom; /* UnitSymbolKind, 72 = Wh, 38 = W */
    int consumption_tier, data_qualifier, default_quality, time_attribute, tou, cpp;
    int64_t measuring_period;
} model_reading_type;

/* Sets the optional fields to CODE_NONE. */
void model_reading_type_clear_optional(model_reading_type *rt);

/* A run of readings in one local day: readings[first .. first+count). */
typedef struct model_block {
    size_t first;
    size_t count;
    int64_t local_day; /* days since 1970-01-01 in the zone */
} model_block;

/* The nominal interval of a channel of billing-period readings (bills
 * written as readings): they last a month or so, never a fixed length. */
#define MODEL_NOMINAL_BILLING UINT32_MAX

typedef struct model_channel {
    char *meter;      /* meter number: UUID names only; "" when the input does not say */
    uint32_t nominal; /* the input's interval length (s) in the channel's identity; 0: unstated */
    char *title;      /* MeterReading title; NULL: made from the reading type */
    model_reading_type rt;
    bool keep_interval; /* rt.interval_length as given, not from the readings */
    model_reading *readings;
    size_t nreadings;
    size_t cap;
    model_block *blocks;
    size_t nblocks;
} model_channel;

/* A SummaryMeasurement; present says whether it is written. */
typedef struct model_measure {
    int64_t value;
    int64_t time_stamp; /* ESPI_TIME_UNSET when absent */
    int power_of_ten;
    int uom;
    bool present;
} model_measure;

/* A UsageSummary: one billing period (SmartHub MONTHLY, or a repaired
 * file's summaries). Money in hundred-thousandths of the currency. */
typedef struct model_summary {
    int64_t billing_start; /* ESPI_TIME_UNSET when there is no billingPeriod */
    uint32_t billing_duration;
    int64_t bill_last_period, bill_to_date, cost_additional;
    bool has_bill_last_period, has_bill_to_date, has_cost_additional;
    int currency;          /* 0 = none */
    model_measure overall; /* overallConsumptionLastPeriod */
    model_measure current; /* currentBillingPeriodOverAllConsumption */
    int quality;           /* qualityOfReading; CODE_NONE when absent */
    int64_t status_time;   /* statusTimeStamp (required) */
    int commodity;         /* CODE_NONE when absent */
    char *tariff_profile;  /* NULL when absent */
    char *read_cycle;      /* NULL when absent */
    char *title;           /* NULL: made from the billing period */
    uint32_t line;
    uint16_t source;
    /* The open (unbilled) cycle of a SmartHub billing history: billing_start
     * is its start, current its consumption so far as of current.time_stamp,
     * bill_to_date its cost so far. Not written itself: merging puts the
     * newest onto the newest closed period's summary. */
    bool open_cycle;
    /* Computed by the merge from interval readings (summaries.c): the
     * calendar month it sums, year * 100 + month, which names its id; 0 for
     * a summary an input gave. */
    int32_t month;
} model_summary;

typedef struct model_usage_point {
    char *account;        /* UUID names only */
    char *location;       /* UUID names only; "" when the input does not say */
    int service_kind;     /* ServiceKind, 0 = electricity */
    char *tariff_profile; /* serviceDeliveryPoint/tariffProfile; NULL when unknown */
    char *read_cycle;     /* readCycle; NULL when unknown */
    char *title;          /* NULL: made from the service kind */
    model_channel **channels;
    size_t nchannels;
    model_summary *summaries;
    size_t nsummaries;
    size_t summaries_cap;
} model_usage_point;

struct espi_feed {
    model_usage_point **usage_points;
    size_t nusage_points;
    char *tz_name;
    espi_time_params time_params;
    char **sources; /* input names, by model_reading.source */
    size_t nsources;
};

int model_feed_new(espi_feed **out);

/* Adds an input name; its index goes into the readings it gives. */
int model_feed_add_source(espi_feed *feed, const char *name, uint16_t *index, espi_error *err);

/* Sets the feed's LocalTimeParameters directly (a repaired file's own). */
int model_feed_set_time_params(espi_feed *feed, const char *name, const espi_time_params *tp,
                               espi_error *err);

/* Sets the zone the feed's LocalTimeParameters describe. */
int model_feed_set_tz(espi_feed *feed, const espi_tz *tz, espi_error *err);

/* Frees a channel and its readings and blocks. */
void model_channel_free(model_channel *ch);

/* Frees a usage point and everything in it. */
void model_usage_point_free(model_usage_point *up);

/* Whether a usage point is a repaired Green Button file's: it is named by
 * its UsagePoint's key alone, with no account (repair/usage.c). Repair
 * carries what the file has, so the merge derives nothing for it (no bills
 * as readings, no monthly summaries). */
bool model_usage_point_repaired(const model_usage_point *up);

/* Finds or adds the usage point for (account, location). */
model_usage_point *model_feed_usage_point(espi_feed *feed, const char *account,
                                          const char *location);

/* What tells the channels of a usage point apart. Readers fill what they
 * know; a field an input does not state is 0 (interval) or CODE_NONE (tou),
 * and then matches only channels that leave it unstated too. */
typedef struct model_channel_key {
    const char *meter; /* meter number; NULL or "" when the input does not say */
    int flow;          /* FlowDirectionKind */
    int uom;           /* UnitSymbolKind */
    uint32_t interval; /* the input's nominal interval length, seconds; 0: unstated */
    int tou;           /* time-of-use period (ReadingType tou); CODE_NONE: none */
} model_channel_key;

/* A key with meter, flow and unit, the rest unstated. */
model_channel_key model_channel_key_make(const char *meter, int flow, int uom);

/* The key of an existing channel. */
model_channel_key model_channel_key_of(const model_channel *ch);

/* Finds the channel of key; NULL when there is none. */
model_channel *model_usage_point_find_channel(model_usage_point *up, const model_channel_key *key);

/* Adds a channel with the key's fields set (rt.flow_direction, rt.uom,
 * rt.tou, nominal) and the other optional ReadingType fields absent; NULL
 * when out of memory. */
model_channel *model_usage_point_add_channel(model_usage_point *up, const model_channel_key *key);

/* Finds the channel of key or adds it. */
model_channel *model_usage_point_channel(model_usage_point *up, const model_channel_key *key);

/* Appends a summary (copied; its strings are duplicated); -1 when out of memory. */
int model_usage_point_add_summary(model_usage_point *up, const model_summary *s);

/* An empty summary: every optional field absent. */
void model_summary_init(model_summary *s);

/* Frees a summary's strings (not the summary). */
void model_summary_free_strings(model_summary *s);

/* Whether two names are the same, a NULL one being "" (an input that does
 * not say). */
bool model_same_name(const char *a, const char *b);

/* Sets *slot to a copy of text (NULL clears it); -1 when out of memory. */
int model_set_text(char **slot, const char *text);

/* Appends a reading; -1 when out of memory. */
int model_channel_append(model_channel *ch, const model_reading *r);

/* Makes room for n more readings, where their number is known before they
 * are appended: appending a year of 15-minute readings one by one grows the
 * array nine times, each a copy and fresh pages. An empty channel gets room for
 * exactly n; one that has readings already (another input of the same
 * channel) at least doubles, as appending would, so inputs that add to one
 * channel in turn stay linear. 0 when there is room (n = 0 asks for
 * nothing); -1 when out of memory or n is beyond any array, the channel
 * left as it was. */
int model_channel_reserve(model_channel *ch, size_t n);

/* The most common duration among readings (the smallest on a tie; only
 * the first 16 distinct lengths count); 0 when there are none. */
uint32_t model_readings_usual_duration(const model_reading *readings, size_t n);

/* Sorts readings by start. */
void model_readings_sort(model_reading *readings, size_t n);

/* Sorts readings by start (when they are not) and groups them into one
 * block per local day. */
int model_channel_split_days(model_channel *ch, const espi_tz *tz);

/* Merging the inputs of one feed (merge.c). */
typedef struct model_merge_options {
    const espi_tz *tz; /* blocks are local days of this zone */
    bool strict;       /* readings or summaries that disagree are errors, not warnings */
    espi_diag_fn on_diag;
    void *diag_ctx;
} model_merge_options;

/* Makes the model ready to write, whatever order the inputs came in:
 *  - a usage point without a location (a CSV export names only the
 *    account) joins the account's only other location, and a channel
 *    without a meter number the location's only meter;
 *  - usage points, channels and summaries are sorted by their names;
 *    channels of one meter, direction and unit at different resolutions
 *    (nominal intervals) stay apart, finest first;
 *  - readings that cover the same time are kept once when they agree; when
 *    they disagree the later input wins with a warning (an error when
 *    strict); summaries of the same billing period likewise;
 *  - intervalLength is the most common reading duration (unless kept);
 *  - readings are grouped into one block per local day;
 *  - then summaries.c: resolutions compared, bills also written as readings,
 *    monthly summaries computed where no input gave any. */
int model_feed_finish(espi_feed *feed, const model_merge_options *mo, espi_error *err);

/* What the merge derives once the channels and summaries of a usage point
 * are merged (summaries.c; docs/summaries.md). */

/* Where a finer and a coarser channel of one meter, direction and unit (Wh
 * delta data) cover the same period, says whether their sums agree: a
 * warning naming each period whose sums differ by more than the rounding of
 * the values to 0.01 kWh explains, an info when all agree. */
void model_check_resolutions(const espi_feed *feed, const model_usage_point *up,
                             const model_merge_options *mo);

/* Writes each closed billing period with its consumption (a bill) also as
 * one reading of a billing-period channel (nominal MODEL_NOMINAL_BILLING),
 * with the bill as its cost, unless a channel already holds a reading of
 * that very period. The channel is added finished (blocks made). */
int model_bills_as_readings(const espi_feed *feed, model_usage_point *up,
                            const model_merge_options *mo, espi_error *err);

/* A usage point without any summary gets one per calendar month of the
 * zone, summed exactly from its interval readings (a day or shorter) of
 * energy delivered (else net). */
int model_month_summaries(const espi_feed *feed, model_usage_point *up,
                          const model_merge_options *mo, espi_error *err);

/* Words for an interval length: "15-minute", "hourly", "daily", "2-day". */
void model_interval_words(char *buf, size_t size, uint32_t seconds);

/* The resolution a channel stands for: its nominal interval, else its
 * intervalLength. */
uint32_t model_channel_resolution(const model_channel *ch);

/* FlowDirectionKind codes espi writes: a short name for UUID names and a
 * title for people ("forward", "Energy delivered"). */
const char *model_flow_name(int flow);
const char *model_flow_title(int flow);

/* End of the newest reading in the feed; ESPI_TIME_UNSET when empty. */
int64_t model_feed_latest_end(const espi_feed *feed);

#endif
