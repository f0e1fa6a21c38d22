/* SPDX-License-Identifier: Apache-2.0 */
/* load_shape.h - the delivered energy per local day and hour of day (the
 * report's heat map) as a grid, drawn once as a small PNG so a stylesheet
 * need not draw thousands of rectangles, and averaged per month and hour. */
#ifndef LOAD_SHAPE_H
#define LOAD_SHAPE_H

#include "report/channels.h"

/* Days of the heat map at most: the last year of the file. */
#define LOAD_SHAPE_DAYS 366

/* Steps of the heat map's colour scale (the legend's). */
#define LOAD_SHAPE_STEPS 6

typedef struct load_shape {
    size_t ndays;          /* columns: the days given */
    const agg_totals *day; /* their periods (label: the local date) */
    amount *cell;          /* ndays x 24, row-major by day; .has false: no reading */
    amount max;            /* the largest cell */
} load_shape;

/* The hours (sorted by start, labels "YYYY-MM-DDTHH...") added into the
 * grid of the ndays days (sorted; hours of other days are left out). */
int load_shape_make(load_shape *ls, const agg_periods *hours, const agg_totals *days, size_t ndays,
                    int power);
void load_shape_free(load_shape *ls);

/* The colour step of a cell: floor(value / max x 6), 0..5; -1 for none. */
int load_shape_step(const load_shape *ls, amount cell);

/* The grid as a PNG of ndays x 24 pixels, one per cell (palette: the
 * steps, transparent for none), base64 in a "data:image/png;base64,"
 * URI; NULL when out of memory. The caller frees it. */
char *load_shape_png_uri(const load_shape *ls);

#endif
