/* SPDX-License-Identifier: Apache-2.0 */
/* aggregate.h - the totals engine behind espi summary and espi report:
 * readings totalled per usage point, meter reading, tou and local period,
 * several kinds of period at once. Fed one resource at a time by the
 * streaming reader; each series keeps one total per period, so memory
 * grows with the periods, not the readings. */
#ifndef AGGREGATE_H
#define AGGREGATE_H

#include "common/error.h"
#include "espi.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The kinds of period; AGG_SLOT is the UTC quarter hour from which
 * billing periods are added up when a file's UsageSummaries are known. */
typedef enum agg_per { AGG_HOUR, AGG_DAY, AGG_WEEK, AGG_MONTH, AGG_SLOT, AGG_NPER } agg_per;
#define AGG_BIT(per) (1u << (per))
#define AGG_SLOT_SECONDS 900

typedef struct agg_totals {
    int64_t start, end; /* UTC [start, end); ESPI_ABSENT for "in no billing period" */
    char label[40];
    int64_t readings, missing, estimated;
    int64_t value; /* sum of value_raw, at the series' power */
    bool has_value, value_overflow;
    int64_t cost; /* hundred-thousandths */
    bool has_cost, cost_overflow;
    bool has_peak, has_min;
    int64_t peak, peak_start; /* thousandths of the unit per hour, rounded half to even */
    int64_t min, min_start;
} agg_totals;

typedef struct agg_periods {
    agg_totals *p; /* sorted by start */
    size_t n, cap;
} agg_periods;

/* A stretch no reading of a meter reading covers (kept for the first few). */
typedef struct agg_gap {
    int64_t start, end, slots;
} agg_gap;
#define AGG_MAX_GAPS 50

/* The span of one offset of a zone found last, for the next instant. */
typedef struct agg_zone_span {
    const espi_tz *tz;
    int64_t from, until;
    int32_t off;
    bool known;
} agg_zone_span;

typedef struct agg_series {
    const void *mr, *up; /* keys: compared, never followed once the file ended */
    int64_t tou;
    char *usage_point, *meter_reading, *up_title, *mr_title; /* copies; NULL when absent */
    int64_t commodity, kind, flow_direction, currency, interval_length, accumulation, uom;
    int power; /* value = sum * 10^power, in unit */
    const char *unit;
    char unit_buf[24];
    size_t first_seen;
    const espi_tz *tz; /* the zone of its first reading (NULL: UTC) */
    agg_zone_span span;
    agg_periods per[AGG_NPER];
    agg_gap gaps[AGG_MAX_GAPS]; /* of the meter reading, in its series without a tou */
    size_t ngaps;
    int64_t gap_count;
} agg_series;

/* A UsageSummary's billing period and what it says about it. */
typedef struct agg_bill {
    const void *up;
    int64_t start, duration;
    int64_t cost, currency; /* billLastPeriod (hundred-thousandths); ESPI_ABSENT when absent */
    int64_t commodity;
    espi_summary_measurement consumption; /* overallConsumptionLastPeriod */
} agg_bill;

typedef struct agg_options {
    unsigned pers;     /* AGG_BIT()s of the periods to total */
    const espi_tz *tz; /* NULL: each usage point's LocalTimeParameters (else UTC) */
    const char *unit;  /* values in this variant of their unit; NULL: their own */
    bool unit_quiet;   /* values the unit does not apply to keep theirs without a warning */
    /* AGG_HOUR keeps only the latest hours (at least this many; 0: all):
     * what a heat map of the last year needs, whatever the file's span */
    size_t hours_kept;
    unsigned no_missing; /* AGG_BIT()s of periods whose missing slots are not counted */
    espi_diag_fn on_diag;
    void *diag_ctx;
} agg_options;

typedef struct agg agg;

/* ESPI_E_ARG for an unknown unit. */
int agg_new(agg **out, const agg_options *opts, espi_error *err);
void agg_free(agg *a);

/* Starts a file: its warnings name it. */
void agg_begin(agg *a, const char *file);

/* Takes one resource of the reader (ESPI_RES_FEED is left to the caller).
 * Returns 0 or ESPI_E_NOMEM. */
int agg_take(agg *a, const espi_resource *res);

/* Puts the series in row order: usage point, meter reading (file order),
 * tou (none first), first reading. */
void agg_sort(agg *a);

size_t agg_count(const agg *a);
agg_series *agg_series_at(agg *a, size_t i);

/* The file's billing periods (deduplicated, in file order). */
const agg_bill *agg_bills(const agg *a, size_t *n);

/* The AGG_SLOT totals of s added up per billing period of its usage point
 * (the earliest that holds a slot's start), then those in none (label
 * empty, start ESPI_ABSENT; *outside set). out is the caller's to free. */
int agg_bill_totals(agg *a, const agg_series *s, agg_periods *out, bool *outside);

/* The file's zone name for usage point up's readings ("UTC" when none). */
const char *agg_zone_name(const agg_series *s);

/* The period of kind per that holds t, in zone tz (NULL: UTC). */
void agg_period_of(agg_per per, const espi_tz *tz, int64_t t, agg_totals *p);

/* round_half_even(num / den), den > 0. */
__int128 agg_div_half_even(__int128 num, __int128 den);

/* Where a usage point or meter reading came in the file (after all of
 * them when it did not). */
size_t agg_rank(const agg *a, const void *ptr);

/* t as the series' local wall time, "YYYY-MM-DD HH:MM". */
void agg_local_wall(char buf[32], const agg_series *s, int64_t t);

/* Adds from's totals into to (same span). */
void agg_merge(agg_totals *to, const agg_totals *from);

/* A warning about the file being read. */
void agg_warn(agg *a, const char *code, unsigned long line, const char *fmt, ...) ATTR_PRINTF(4, 5);

/* Forgets the file (series, bills, zones); the options stay. */
void agg_end(agg *a);

/* The unit of a demand: Wh -> W, kWh -> kW, else UNIT/h. */
void agg_demand_unit(char *buf, size_t size, const char *unit);

#endif
