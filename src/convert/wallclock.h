/* SPDX-License-Identifier: Apache-2.0 */
/* wallclock.h - turning readings stamped with local wall-clock times into
 * UTC readings, point by point. SmartHub (JSON and CSV) stamps readings with
 * the co-op's wall clock; DST makes one hour repeat and one vanish each year,
 * so no single offset can be applied. */
#ifndef WALLCLOCK_H
#define WALLCLOCK_H

#include "convert/model.h"

#include <stdbool.h>
#include <stdint.h>

/* Longest interval a point may claim: a year, leap day included. */
#define WALL_MAX_LENGTH (366 * 86400)

/* One point of a series as the source gives it. Points without a value (a
 * null in SmartHub JSON) are kept too: they count when a repeated wall time
 * is numbered and when the usual spacing is measured, but give no reading. */
typedef struct wall_point {
    int64_t wall;   /* local wall-clock seconds since 1970, read as if UTC */
    int64_t length; /* nominal interval length in wall-clock seconds, 1..WALL_MAX_LENGTH */
    int64_t value;
    int64_t cost;
    uint32_t line;  /* source line, for messages */
    uint32_t order; /* input position, keeps repeated walls in input order */
    bool has_value;
    bool has_cost;
    /* length is a guess (the series' spacing, the time frame's), not given
     * by the source: such a point off the series' grid may end early */
    bool length_guessed;
} wall_point;

typedef struct wall_context {
    const espi_tz *tz;
    const char *file;   /* input name */
    const char *series; /* series name, for messages */
    const char *unit;   /* unit of value for messages, e.g. "Wh" */
    espi_diag_fn on_diag;
    void *diag_ctx;
    uint16_t source; /* input index stamped on each reading */
    bool strict;     /* a non-zero point in a spring-forward gap is an error, not folded */
} wall_context;

/* Orders points by wall time, then input position (a qsort comparator). */
int wall_point_compare(const void *a, const void *b);

/* Converts pts to readings appended to ch. pts must be sorted with
 * wall_point_compare. The n-th point at a wall time is its n-th occurrence:
 *  - a wall time repeated by a fall-back change maps to the daylight instant
 *    on its first occurrence and to the standard one on its second;
 *  - a sub-day point in a spring-forward gap (a phantom) is dropped with a
 *    warning when its value (and cost) are zero; otherwise it is folded into
 *    the reading that follows the gap (its wall time read on the clock before
 *    the change, as 02:15 is 03:15 daylight time), totals kept, with a
 *    warning; with wc->strict it is an error;
 *  - a reading whose length is whole days lasts from its local start to its
 *    local end (23 or 25 hours on DST days);
 *  - a point that starts inside another's interval (a stray: of two, the one
 *    off the series' usual grid, else the later) never shortens that
 *    interval: a zero stray is dropped with a warning, any other is an
 *    error naming both; only a point off the grid whose length is a guess
 *    (an unaligned first point) ends where the next one begins. */
int wall_points_to_readings(model_channel *ch, const wall_point *pts, size_t n,
                            const wall_context *wc, espi_error *err);

/* Most frequent positive gap between consecutive distinct walls of sorted
 * pts (the smallest on a tie); 0 when there are fewer than two. */
int64_t wall_points_spacing(const wall_point *pts, size_t n);

/* Most frequent length among the points that have a value (the smallest on
 * a tie); 0 when there are none. */
int64_t wall_points_usual_length(const wall_point *pts, size_t n);

#endif
