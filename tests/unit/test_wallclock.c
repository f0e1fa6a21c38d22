/* SPDX-License-Identifier: Apache-2.0 */
/* test_wallclock.c - wall-clock points to UTC readings (convert/wallclock.c)
 * as both SmartHub readers hand them over: stray points inside another
 * point's interval, phantoms in the spring-forward gap (folded, or an error
 * when strict), and unaligned first points whose length is a guess. */
#include "testutil.h"

#include "convert/model.h"
#include "convert/wallclock.h"

#include <stdlib.h>
#include <string.h>

/* 2026-06-15 00:00 and 2026-03-08 00:00 as wall-clock seconds. */
#define JUNE15 1781481600LL
#define MARCH8 1772928000LL
#define HOUR 3600LL

typedef struct fixture {
    espi_tz *tz;
    model_channel ch;
    espi_error err;
    test_diags diags;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    espi_error err;
    assert_int_equal(espi_tz_load(&f->tz, "America/Los_Angeles", &err), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    free(f->ch.readings);
    espi_tz_free(f->tz);
    free(f);
    return 0;
}

/* A point with a value; lengths are given (as a CSV row's are) unless
 * guessed is set. */
static wall_point pt(int64_t wall, int64_t length, int64_t value, uint32_t line, bool guessed)
{
    wall_point p = {.wall = wall,
                    .length = length,
                    .value = value,
                    .line = line,
                    .order = line,
                    .has_value = true,
                    .length_guessed = guessed};
    return p;
}

static int run(fixture *f, wall_point *pts, size_t n, bool strict)
{
    free(f->ch.readings);
    memset(&f->ch, 0, sizeof f->ch);
    memset(&f->diags, 0, sizeof f->diags);
    qsort(pts, n, sizeof *pts, wall_point_compare);
    wall_context wc = {f->tz, "in", "S", "Wh", test_collect_diag, &f->diags, 0, strict};
    return wall_points_to_readings(&f->ch, pts, n, &wc, &f->err);
}

/* Hourly points from 00:00 with one more at 00:15 carrying value. */
static size_t with_stray(wall_point *pts, int64_t value, int64_t stray_length)
{
    size_t n = 0;
    for (int i = 0; i < 6; i++)
        pts[n++] = pt(JUNE15 + i * HOUR, HOUR, 1000 + i, (uint32_t)(i + 1), false);
    pts[n++] = pt(JUNE15 + 900, stray_length, value, 10, false);
    return n;
}

static void test_stray_zero_dropped(void **state)
{
    fixture *f = *state;
    wall_point pts[8];
    size_t n = with_stray(pts, 0, HOUR);
    assert_int_equal(run(f, pts, n, false), 0);
    assert_int_equal(f->ch.nreadings, 6);
    assert_int_equal(f->ch.cap, 6); /* room for the readings kept, not for the points */
    assert_int_equal(f->ch.readings[0].duration, HOUR); /* the 00:00 hour is not cut */
    int w = test_diag_find(&f->diags, "stray-point");
    assert_true(w >= 0);
    assert_int_equal(f->diags.lines[w], 10);
    /* a short interval of its own changes nothing: it still lies inside the hour */
    n = with_stray(pts, 0, 900);
    assert_int_equal(run(f, pts, n, false), 0);
    assert_int_equal(f->ch.nreadings, 6);
}

static void test_stray_nonzero_error(void **state)
{
    fixture *f = *state;
    wall_point pts[8];
    size_t n = with_stray(pts, 40, 900);
    assert_int_equal(run(f, pts, n, false), ESPI_E_INPUT);
    assert_string_equal(f->err.code, "stray-point");
    assert_int_equal(f->err.line, 10);
    assert_non_null(strstr(f->err.message, "2026-06-15 00:15"));
    assert_non_null(strstr(f->err.message, "line 1"));
}

/* An off-grid zero with a given length before an on-grid point: it is the
 * stray (the earlier one), dropped; with a guessed length it is a partial
 * first interval and ends where the grid begins. */
static void test_stray_before_the_grid(void **state)
{
    fixture *f = *state;
    wall_point pts[8];
    size_t n = 0;
    pts[n++] = pt(JUNE15 - 2700, HOUR, 0, 1, false);
    for (int i = 0; i < 5; i++)
        pts[n++] = pt(JUNE15 + i * HOUR, HOUR, 500, (uint32_t)(i + 2), false);
    assert_int_equal(run(f, pts, n, false), 0);
    assert_int_equal(f->ch.nreadings, 5);
    assert_true(test_diag_find(&f->diags, "stray-point") >= 0);
    n = 0;
    pts[n++] = pt(JUNE15 - 2700, HOUR, 0, 1, true);
    for (int i = 0; i < 5; i++)
        pts[n++] = pt(JUNE15 + i * HOUR, HOUR, 500, (uint32_t)(i + 2), true);
    assert_int_equal(run(f, pts, n, false), 0);
    assert_int_equal(f->ch.nreadings, 6);
    assert_int_equal(f->ch.readings[0].duration, 2700);
    assert_int_equal(f->diags.count, 0); /* the first reading: nothing to say */
}

/* A phantom's value and cost go to the hour after the gap; strict refuses. */
static void test_phantom_folded(void **state)
{
    fixture *f = *state;
    wall_point pts[3] = {pt(MARCH8 + HOUR, HOUR, 100, 1, false),
                         pt(MARCH8 + 2 * HOUR, HOUR, 250, 2, false),
                         pt(MARCH8 + 3 * HOUR, HOUR, 300, 3, false)};
    pts[1].cost = 1500, pts[1].has_cost = true;
    assert_int_equal(run(f, pts, 3, false), 0);
    assert_int_equal(f->ch.nreadings, 2);
    assert_int_equal(f->ch.readings[1].start, 1772964000); /* 03:00 PDT */
    assert_int_equal(f->ch.readings[1].value, 550);
    assert_true(f->ch.readings[1].has_cost);
    assert_int_equal(f->ch.readings[1].cost, 1500);
    int w = test_diag_find(&f->diags, "dst-gap-folded");
    assert_true(w >= 0);
    assert_int_equal(f->diags.lines[w], 2);
    assert_int_equal(run(f, pts, 3, true), ESPI_E_INPUT);
    assert_string_equal(f->err.code, "dst-gap");
    assert_int_equal(f->err.line, 2);
}

/* Folding cannot pass ESPI's 48-bit values. */
static void test_phantom_overflow(void **state)
{
    fixture *f = *state;
    wall_point pts[2] = {pt(MARCH8 + 2 * HOUR, HOUR, INT48_MAX, 1, false),
                         pt(MARCH8 + 3 * HOUR, HOUR, 1, 2, false)};
    assert_int_equal(run(f, pts, 2, false), ESPI_E_INPUT);
    assert_string_equal(f->err.code, "value-range");
}

/* The fall-back night, points every step seconds from 00:00 to 03:00 wall
 * with each time of the repeated hour given twice: wall order is not UTC
 * order there. With 15 minutes a few readings move (an insertion); with
 * one minute the moves run past the sort's budget (qsort instead). Either
 * way the readings come out in UTC order, one every step. */
static void check_fall_back(fixture *f, int64_t step)
{
    const int64_t nov1 = 1793491200LL; /* 2026-11-01 00:00 as wall seconds */
    size_t per_hour = (size_t)(HOUR / step), n = 0;
    wall_point *pts = calloc(4 * per_hour, sizeof *pts);
    assert_non_null(pts);
    for (int64_t wall = nov1; wall < nov1 + 3 * HOUR; wall += step) {
        int copies = wall >= nov1 + HOUR && wall < nov1 + 2 * HOUR ? 2 : 1;
        for (int c = 0; c < copies; c++, n++)
            pts[n] = pt(wall, step, (int64_t)n + 1, (uint32_t)n + 1, false);
    }
    assert_int_equal(run(f, pts, n, false), 0);
    assert_int_equal(f->ch.nreadings, n);
    assert_int_equal(f->ch.cap, n); /* made once, to size */
    for (size_t i = 0; i < n; i++)
        assert_int_equal(f->ch.readings[i].start, nov1 + 7 * HOUR + (int64_t)i * step);
    /* 01:00 PST (09:00Z) is the second copy of 01:00 */
    size_t second = 2 * per_hour;
    assert_int_equal(f->ch.readings[second].value, per_hour + 2);
    free(pts);
}

static void test_fall_back_order(void **state)
{
    check_fall_back(*state, 15 * 60);
    check_fall_back(*state, 60);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_stray_zero_dropped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stray_nonzero_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stray_before_the_grid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_phantom_folded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_phantom_overflow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fall_back_order, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
