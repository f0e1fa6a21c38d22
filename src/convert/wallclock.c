/* SPDX-License-Identifier: Apache-2.0 */
/* wallclock.c - local wall-clock readings to UTC readings, point by point. */
#include "convert/wallclock.h"

#include "common/error.h"
#include "common/tz.h"

#include <stdlib.h>
#include <string.h>

int wall_point_compare(const void *a, const void *b)
{
    const wall_point *x = a, *y = b;
    if (x->wall != y->wall)
        return (x->wall > y->wall) - (x->wall < y->wall);
    return (x->order > y->order) - (x->order < y->order);
}

/* Counts of a few distinct values (gaps of 900, 3600, a DST hole...): a
 * small table beats sorting. Values beyond the table's size are ignored. */
typedef struct tally {
    int64_t value[16];
    size_t count[16];
    size_t n;
} tally;

static void tally_add(tally *t, int64_t v)
{
    size_t k = 0;
    while (k < t->n && t->value[k] != v)
        k++;
    if (k == t->n) {
        if (t->n == 16)
            return;
        t->value[t->n] = v, t->count[t->n++] = 0;
    }
    t->count[k]++;
}

/* The most frequent value, the smallest on a tie; 0 when empty. */
static int64_t tally_mode(const tally *t)
{
    int64_t best = 0;
    size_t best_count = 0;
    for (size_t k = 0; k < t->n; k++)
        if (t->count[k] > best_count || (t->count[k] == best_count && t->value[k] < best))
            best = t->value[k], best_count = t->count[k];
    return best;
}

int64_t wall_points_spacing(const wall_point *pts, size_t n)
{
    tally t = {.n = 0};
    for (size_t i = 1; i < n; i++)
        if (pts[i].wall > pts[i - 1].wall)
            tally_add(&t, pts[i].wall - pts[i - 1].wall);
    return tally_mode(&t);
}

int64_t wall_points_usual_length(const wall_point *pts, size_t n)
{
    tally t = {.n = 0};
    for (size_t i = 0; i < n; i++)
        if (pts[i].has_value)
            tally_add(&t, pts[i].length);
    return tally_mode(&t);
}

static bool whole_days(int64_t length)
{
    return length >= SECONDS_PER_DAY && length % SECONDS_PER_DAY == 0;
}

typedef struct walker {
    const wall_context *wc;
    espi_error *err;
    char where[160];
    bool warned_single_repeat;
} walker;

static err_loc loc_at(walker *w, uint32_t line)
{
    return (err_loc){w->wc->file, line, 0, w->where};
}

static void tz_abbrev(char *buf, size_t size, const espi_tz *tz, int64_t utc)
{
    int dst = 0;
    int32_t off = espi_tz_offset_at(&dst, tz, utc);
    snprintf(buf, size, "UTC%+d:%02d%s", off / 3600, abs(off % 3600) / 60, dst ? " daylight" : "");
}

/* Instant a local day begins: a skipped midnight begins it when the gap
 * ends; a repeated one at its first occurrence, as the day's start does. */
static int64_t day_boundary(const espi_tz *tz, int64_t wall)
{
    int64_t t[2], gap_end = wall;
    int n = espi_tz_wall_to_utc(t, &gap_end, tz, wall);
    return n == 0 ? gap_end : t[0];
}

/* The point before pts[i] if it has the same wall time and a value. */
static const wall_point *earlier_copy(const wall_point *pts, size_t i)
{
    return i > 0 && pts[i - 1].wall == pts[i].wall && pts[i - 1].has_value ? &pts[i - 1] : NULL;
}

/* A wall time given more often than the zone has it. An exact copy of the
 * previous point is dropped with a warning; anything else is an error. */
static int repeated_point(walker *w, const wall_point *pt, const wall_point *prev)
{
    err_loc loc = loc_at(w, pt->line);
    char when[32];
    tz_format_wall(when, pt->wall);
    if (prev && pt->value == prev->value && pt->cost == prev->cost &&
        pt->has_cost == prev->has_cost) {
        diag_emit(w->wc->on_diag, w->wc->diag_ctx, ESPI_SEV_WARNING, "duplicate-point", &loc,
                  "local time %s appears again with the same value; the copy is dropped", when);
        return 1; /* skip it */
    }
    return err_fail(w->err, ESPI_E_INPUT, "duplicate-point", &loc,
                    "local time %s appears more often than the clock shows it (with %lld %s "
                    "this time); expected one reading per interval, two in the hour a DST "
                    "change repeats",
                    when, (long long)pt->value, w->wc->unit);
}

/* A sub-day point in a spring-forward gap. */
static int gap_point(walker *w, const wall_point *pt)
{
    err_loc loc = loc_at(w, pt->line);
    char when[32];
    tz_format_wall(when, pt->wall);
    bool costs = pt->has_cost && pt->cost != 0;
    if (pt->value == 0 && !costs) {
        diag_emit(w->wc->on_diag, w->wc->diag_ctx, ESPI_SEV_WARNING, "dst-gap-zero", &loc,
                  "local time %s does not exist (the clock springs forward); its zero reading "
                  "is dropped",
                  when);
        return 1;
    }
    return err_fail(w->err, ESPI_E_INPUT, "dst-gap", &loc,
                    "local time %s does not exist in %s (the clock springs forward over it), yet "
                    "it carries %lld %s%s; expected no reading, or a zero one, in the skipped "
                    "hour",
                    when, espi_tz_name(w->wc->tz), (long long)pt->value, w->wc->unit,
                    costs ? " and a cost" : "");
}

static void warn_single_repeat(walker *w, const wall_point *pt, int64_t first)
{
    if (w->warned_single_repeat)
        return;
    w->warned_single_repeat = true;
    err_loc loc = loc_at(w, pt->line);
    char when[32], zone[32];
    tz_format_wall(when, pt->wall);
    tz_abbrev(zone, sizeof zone, w->wc->tz, first);
    diag_emit(w->wc->on_diag, w->wc->diag_ctx, ESPI_SEV_WARNING, "dst-repeat-once", &loc,
              "local time %s occurs twice (the clock falls back) but the series has it once; "
              "it is read as the first occurrence (%s)",
              when, zone);
}

/* Resolves the UTC start of pts[i], its occurrence-th copy of that wall
 * time, into *start. Returns 0, 1 to skip the point, or a negative status. */
static int resolve_start(walker *w, const wall_point *pts, size_t i, size_t n, int occurrence,
                         int64_t *start)
{
    const wall_point *pt = &pts[i];
    int64_t t[2], gap_end = pt->wall;
    int found = espi_tz_wall_to_utc(t, &gap_end, w->wc->tz, pt->wall);
    if (whole_days(pt->length)) {
        if (occurrence > 0)
            return repeated_point(w, pt, earlier_copy(pts, i));
        *start = found == 0 ? gap_end : t[0];
        return 0;
    }
    if (found == 0)
        return gap_point(w, pt);
    if (occurrence >= found)
        return repeated_point(w, pt, earlier_copy(pts, i));
    *start = t[occurrence];
    if (found == 2 && occurrence == 0 && !(i + 1 < n && pts[i + 1].wall == pt->wall))
        warn_single_repeat(w, pt, t[0]);
    return 0;
}

/* First pass: UTC start and duration of every point that gives a reading. */
static int resolve_all(walker *w, model_channel *ch, const wall_point *pts, size_t n)
{
    int occurrence = 0;
    for (size_t i = 0; i < n; i++) {
        occurrence = i > 0 && pts[i].wall == pts[i - 1].wall ? occurrence + 1 : 0;
        if (!pts[i].has_value)
            continue;
        int64_t start = 0;
        int rc = resolve_start(w, pts, i, n, occurrence, &start);
        if (rc < 0)
            return rc;
        if (rc > 0)
            continue;
        int64_t duration = pts[i].length;
        if (whole_days(pts[i].length))
            duration = day_boundary(w->wc->tz, pts[i].wall + pts[i].length) - start;
        model_reading r = {start,       pts[i].value,    pts[i].cost,   (uint32_t)duration,
                           pts[i].line, pts[i].has_cost, w->wc->source, -1};
        if (model_channel_append(ch, &r) != 0)
            return err_fail(w->err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    }
    return 0;
}

/* Second pass: readings in UTC order must not overlap; a reading that runs
 * into the next (an unaligned first point, say) is shortened to meet it. */
static int trim_overlaps(walker *w, model_channel *ch, size_t from)
{
    size_t n = ch->nreadings - from;
    if (n < 2)
        return 0;
    model_reading *r = ch->readings + from;
    model_readings_sort(r, n);
    for (size_t i = 0; i + 1 < n; i++) {
        int64_t end = r[i].start + r[i].duration;
        if (end <= r[i + 1].start)
            continue;
        char when[32];
        tz_format_utc(when, r[i].start);
        err_loc loc = loc_at(w, r[i + 1].line);
        if (r[i + 1].start == r[i].start)
            return err_fail(w->err, ESPI_E_INPUT, "duplicate-start", &loc,
                            "this reading and the one of line %u both start at %s; expected "
                            "one reading per interval",
                            r[i].line, when);
        r[i].duration = (uint32_t)(r[i + 1].start - r[i].start);
        loc.line = r[i].line;
        if (i > 0)
            diag_emit(w->wc->on_diag, w->wc->diag_ctx, ESPI_SEV_WARNING, "overlap-trimmed", &loc,
                      "the reading at %s runs into the next one; shortened to %u s", when,
                      r[i].duration);
    }
    return 0;
}

int wall_points_to_readings(model_channel *ch, const wall_point *pts, size_t n,
                            const wall_context *wc, espi_error *err)
{
    walker w = {.wc = wc, .err = err};
    snprintf(w.where, sizeof w.where, "series %s", wc->series ? wc->series : "?");
    size_t from = ch->nreadings;
    int rc = resolve_all(&w, ch, pts, n);
    if (rc == 0)
        rc = trim_overlaps(&w, ch, from);
    return rc;
}
