/* SPDX-License-Identifier: Apache-2.0 */
/* poll.h - the parts of a SmartHub utility-usage poll response that
 * espi reads, as parsed from JSON and before any interpretation. */
#ifndef SMARTHUB_H
#define SMARTHUB_H

#include "common/decimal.h"
#include "espi.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Points a response may hold in all: far above years of 15-minute data. */
#define SH_MAX_POINTS 20000000u

typedef struct sh_point {
    int64_t x_ms; /* wall clock as if UTC, milliseconds */
    dec_number y; /* valid when has_y */
    uint32_t line;
    bool has_y; /* false: null, a gap */
} sh_point;

typedef struct sh_series {
    char *name;
    char *meter_number;
    char *rate_name; /* rateName: the time-of-use period of a TIME_OF_USE series */
    sh_point *points;
    size_t npoints;
    size_t cap;
    uint32_t line;
} sh_series;

typedef struct sh_meter {
    char *meter_number;
    char *series_id;
    char *flow_direction;
    char *rate_name; /* rateName: the time-of-use period of a TIME_OF_USE meter */
    uint32_t line;
} sh_meter;

/* xToOrderedInterval[x].interval, in the same wall-as-UTC milliseconds. */
typedef struct sh_interval {
    int64_t x_ms;
    int64_t start_ms;
    int64_t end_ms;
} sh_interval;

/* An epoch-millisecond field of an entry, with where it was read. */
typedef struct sh_instant {
    int64_t ms;
    uint32_t line;
    bool given;
} sh_instant;

typedef struct sh_entry {
    char *industry; /* key under "data": ELECTRIC, GAS, ... */
    char *type;     /* USAGE, COST, TIME_OF_USE, ... */
    char *unit;
    char *account;
    char *location;
    char *time_frame;
    int64_t end_ms; /* endDateTime: the request's end, true UTC; when has_end */
    bool has_end;
    /* The request's bounds as true UTC instants (docs/smarthub.md section 5.4):
     * startDateTime, and baseUsageParameters.startDateTime / endDateTime
     * (the request echoed). Fake UTC in TIME_OF_USE entries. */
    sh_instant start, bup_start, bup_end;
    uint32_t end_line;
    sh_meter *meters;
    size_t nmeters;
    size_t meters_cap;
    sh_series *series;
    size_t nseries;
    size_t series_cap;
    sh_interval *intervals; /* sorted by x_ms after parsing */
    size_t nintervals;
    size_t intervals_cap;
    uint32_t line;
} sh_entry;

typedef struct sh_doc {
    char *status;
    uint32_t status_line;
    sh_entry *entries;
    size_t nentries;
    size_t entries_cap;
    size_t npoints;
} sh_doc;

/* Parses the JSON text from in. On error fills err with file, line and
 * column; the doc is freed either way by sh_doc_free. alone: on the
 * calling thread only (espi_convert_options.threads 1). */
int sh_parse(sh_doc *doc, FILE *in, const char *name, bool alone, espi_error *err);

void sh_doc_free(sh_doc *doc);

/* The xToOrderedInterval item of x; NULL when the entry has none. */
const sh_interval *sh_entry_interval(const sh_entry *e, int64_t x_ms);

/* The same, for x looked up in ascending order (points sorted by x): the
 * search starts at *cursor (0 at first), where the last lookup ended, and
 * leaves it where this one ends, so that a run of points costs a step each
 * rather than a binary search each. Any order of x still gives the right
 * item, only slower. */
const sh_interval *sh_entry_interval_from(const sh_entry *e, int64_t x_ms, size_t *cursor);

#endif
