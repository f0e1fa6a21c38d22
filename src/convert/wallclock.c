/* SPDX-License-Identifier: Apache-2.0 */
/* wallclock.c - local wall-clock readings to UTC readings, point by point. */
#include "convert/wallclock.h"

#include "common/error.h"
#include "common/grow.h"
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

/* A reading being made, with what the rules on overlaps need. */
typedef struct made {
    model_reading r;
    int64_t wall;   /* local wall time, for messages */
    uint32_t order; /* position among the points, to keep sorting stable */
    bool on_grid;   /* starts on the series' usual grid */
    bool guessed;   /* its length is a guess */
    bool phantom;   /* in a spring-forward gap: r.start is where it folds to */
} made;

typedef struct walker {
    const wall_context *wc;
    espi_error *err;
    char where[160];
    bool warned_single_repeat;
    int64_t grid;  /* the series' usual length (s); 0 when none */
    int64_t phase; /* the usual start within it: wall mod grid */
    made *items;   /* one per point at most */
    size_t n;
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

static bool zero_point(const wall_point *pt)
{
    return pt->value == 0 && (!pt->has_cost || pt->cost == 0);
}

/* A sub-day point in a spring-forward gap: a zero one is dropped (1); with
 * strict any other is an error; else it is a phantom (2) whose wall time,
 * read on the clock before the change, is the instant *at it folds into. */
static int gap_point(walker *w, const wall_point *pt, int64_t gap_end, int64_t *at)
{
    err_loc loc = loc_at(w, pt->line);
    char when[32];
    tz_format_wall(when, pt->wall);
    bool costs = pt->has_cost && pt->cost != 0;
    if (zero_point(pt)) {
        diag_emit(w->wc->on_diag, w->wc->diag_ctx, ESPI_SEV_WARNING, "dst-gap-zero", &loc,
                  "local time %s does not exist (the clock springs forward); its zero reading "
                  "is dropped",
                  when);
        return 1;
    }
    if (w->wc->strict)
        return err_fail(w->err, ESPI_E_INPUT, "dst-gap", &loc,
                        "local time %s does not exist in %s (the clock springs forward over it), "
                        "yet it carries %lld %s%s; expected no reading, or a zero one, in the "
                        "skipped hour (without --strict it is folded into the hour that follows)",
                        when, espi_tz_name(w->wc->tz), (long long)pt->value, w->wc->unit,
                        costs ? " and a cost" : "");
    *at = pt->wall - espi_tz_offset_at(NULL, w->wc->tz, gap_end - 1);
    return 2;
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
 * time, into *start. Returns 0, 1 to skip the point, 2 for a phantom (in a
 * spring-forward gap; *start is where it folds to), or a negative status. */
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
        return gap_point(w, pt, gap_end, start);
    if (occurrence >= found)
        return repeated_point(w, pt, earlier_copy(pts, i));
    *start = t[occurrence];
    if (found == 2 && occurrence == 0 && !(i + 1 < n && pts[i + 1].wall == pt->wall))
        warn_single_repeat(w, pt, t[0]);
    return 0;
}

static int64_t floor_mod(int64_t a, int64_t m)
{
    int64_t r = a % m;
    return r < 0 ? r + m : r;
}

/* The series' grid: its usual length, and the usual start within it among
 * the points of that length. Days are always on the grid (local days). */
static void find_grid(walker *w, const wall_point *pts, size_t n)
{
    w->grid = wall_points_usual_length(pts, n);
    if (w->grid <= 0 || w->grid >= SECONDS_PER_DAY)
        return;
    tally t = {.n = 0};
    for (size_t i = 0; i < n; i++)
        if (pts[i].has_value && pts[i].length == w->grid)
            tally_add(&t, floor_mod(pts[i].wall, w->grid));
    w->phase = tally_mode(&t);
}

static bool on_grid(const walker *w, int64_t wall, int64_t length)
{
    return w->grid <= 0 || w->grid >= SECONDS_PER_DAY || whole_days(length) ||
           floor_mod(wall, w->grid) == w->phase;
}

/* First pass: UTC start and duration of every point that gives a reading. */
static int resolve_all(walker *w, const wall_point *pts, size_t n)
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
        if (rc == 1)
            continue;
        int64_t duration = pts[i].length;
        if (whole_days(pts[i].length))
            duration = day_boundary(w->wc->tz, pts[i].wall + pts[i].length) - start;
        made *m = &w->items[w->n++];
        m->r = (model_reading){start,       pts[i].value,    pts[i].cost,   (uint32_t)duration,
                               pts[i].line, pts[i].has_cost, w->wc->source, -1};
        m->wall = pts[i].wall;
        m->order = (uint32_t)i;
        m->on_grid = on_grid(w, pts[i].wall, pts[i].length);
        m->guessed = pts[i].length_guessed;
        m->phantom = rc == 2;
    }
    return 0;
}

static int by_start_order(const void *a, const void *b)
{
    const made *x = a, *y = b;
    if (x->r.start != y->r.start)
        return x->r.start < y->r.start ? -1 : 1;
    return (x->order > y->order) - (x->order < y->order);
}

/* The reading (not a phantom) whose interval holds the instant at. */
static made *covering(walker *w, int64_t at)
{
    for (size_t i = 0; i < w->n; i++) {
        made *m = &w->items[i];
        if (!m->phantom && m->r.start <= at && at < m->r.start + (int64_t)m->r.duration)
            return m;
    }
    return NULL;
}

static int add_checked(walker *w, int64_t *sum, int64_t v, uint32_t line)
{
    if ((v > 0 && *sum > INT48_MAX - v) || (v < 0 && *sum < -INT48_MAX - v)) {
        err_loc loc = loc_at(w, line);
        return err_fail(w->err, ESPI_E_INPUT, "value-range", &loc,
                        "folding this reading into the next hour passes ESPI's 48-bit limit "
                        "(%lld)",
                        (long long)INT48_MAX);
    }
    *sum += v;
    return 0;
}

/* A phantom's energy (and cost) goes to the reading that follows the gap;
 * when there is none, the phantom becomes that reading. */
static int fold_phantom(walker *w, made *p)
{
    made *to = covering(w, p->r.start);
    err_loc loc = loc_at(w, p->r.line);
    char when[32], into[32];
    tz_format_wall(when, p->wall);
    int64_t local = p->r.start + espi_tz_offset_at(NULL, w->wc->tz, p->r.start);
    tz_format_wall(into, to ? to->wall : local);
    if (to == NULL) {
        p->phantom = false;
        p->wall = local;
        p->on_grid = on_grid(w, local, p->r.duration);
        diag_emit(w->wc->on_diag, w->wc->diag_ctx, ESPI_SEV_WARNING, "dst-gap-folded", &loc,
                  "local time %s does not exist (the clock springs forward) yet carries %lld %s; "
                  "no reading follows it, so it is written as the reading at %s",
                  when, (long long)p->r.value, w->wc->unit, into);
        return 0;
    }
    int rc = add_checked(w, &to->r.value, p->r.value, p->r.line);
    if (rc == 0 && p->r.has_cost)
        rc = add_checked(w, &to->r.cost, p->r.cost, p->r.line);
    if (rc != 0)
        return rc;
    to->r.has_cost = to->r.has_cost || p->r.has_cost;
    diag_emit(w->wc->on_diag, w->wc->diag_ctx, ESPI_SEV_WARNING, "dst-gap-folded", &loc,
              "local time %s does not exist (the clock springs forward) yet carries %lld %s; it "
              "is added to the reading at %s (line %u), which follows the gap (--strict: an "
              "error)",
              when, (long long)p->r.value, w->wc->unit, into, to->r.line);
    return 0;
}

static int fold_phantoms(walker *w)
{
    for (size_t i = 0; i < w->n; i++) {
        if (!w->items[i].phantom)
            continue;
        int rc = fold_phantom(w, &w->items[i]);
        if (rc != 0)
            return rc;
    }
    return 0;
}

enum { KEEP_BOTH, DROP_LATER, DROP_EARLIER };

/* Of two readings where b starts inside a's interval: which one is the
 * stray. An unaligned first point whose length is a guess just ends where
 * the next begins; a zero stray is dropped; any other is an error. */
static int settle_overlap(walker *w, made *a, made *b, bool a_first)
{
    bool stray_a = !a->on_grid && b->on_grid;
    char when[32], other[32];
    if (stray_a && a->guessed) {
        a->r.duration = (uint32_t)(b->r.start - a->r.start);
        err_loc loc = loc_at(w, a->r.line);
        tz_format_wall(when, a->wall);
        if (!a_first)
            diag_emit(w->wc->on_diag, w->wc->diag_ctx, ESPI_SEV_WARNING, "overlap-trimmed", &loc,
                      "the reading at local %s runs into the next one; shortened to %u s", when,
                      a->r.duration);
        return KEEP_BOTH;
    }
    made *stray = stray_a ? a : b, *host = stray_a ? b : a;
    err_loc loc = loc_at(w, stray->r.line);
    tz_format_wall(when, stray->wall);
    tz_format_wall(other, host->wall);
    if (stray->r.value == 0 && (!stray->r.has_cost || stray->r.cost == 0)) {
        diag_emit(w->wc->on_diag, w->wc->diag_ctx, ESPI_SEV_WARNING, "stray-point", &loc,
                  "the zero reading at local %s lies inside the interval of the reading at "
                  "local %s (line %u, %u s); it is dropped rather than cut that interval short",
                  when, other, host->r.line, host->r.duration);
        return stray_a ? DROP_EARLIER : DROP_LATER;
    }
    return err_fail(w->err, ESPI_E_INPUT, "stray-point", &loc,
                    "the reading at local %s (%lld %s) lies inside the interval of the reading at "
                    "local %s (line %u, %u s); expected one reading per interval (a zero one "
                    "there would be dropped)",
                    when, (long long)stray->r.value, w->wc->unit, other, host->r.line,
                    host->r.duration);
}

/* Second pass: readings in UTC order must not overlap (see settle_overlap);
 * the ones kept are compacted to the front of w->items. */
static int settle_overlaps(walker *w, size_t *kept_out)
{
    size_t kept = 0;
    for (size_t i = 0; i < w->n; i++) {
        made b = w->items[i];
        if (b.phantom)
            continue; /* folded into another */
        bool dropped = false;
        while (kept > 0) {
            made *a = &w->items[kept - 1];
            if (a->r.start + (int64_t)a->r.duration <= b.r.start)
                break;
            if (a->r.start == b.r.start) {
                char when[32];
                tz_format_utc(when, a->r.start);
                err_loc loc = loc_at(w, b.r.line);
                return err_fail(w->err, ESPI_E_INPUT, "duplicate-start", &loc,
                                "this reading and the one of line %u both start at %s; expected "
                                "one reading per interval",
                                a->r.line, when);
            }
            int rc = settle_overlap(w, a, &b, kept == 1);
            if (rc < 0)
                return rc;
            if (rc == DROP_EARLIER) {
                kept--; /* b may lie inside the reading before too */
                continue;
            }
            dropped = rc == DROP_LATER;
            break; /* KEEP_BOTH: a now ends where b begins */
        }
        if (!dropped)
            w->items[kept++] = b;
    }
    *kept_out = kept;
    return 0;
}

int wall_points_to_readings(model_channel *ch, const wall_point *pts, size_t n,
                            const wall_context *wc, espi_error *err)
{
    walker w = {.wc = wc, .err = err};
    snprintf(w.where, sizeof w.where, "series %s", wc->series ? wc->series : "?");
    w.items = malloc((n ? n : 1) * sizeof *w.items);
    if (w.items == NULL)
        return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    find_grid(&w, pts, n);
    size_t kept = 0;
    int rc = resolve_all(&w, pts, n);
    if (rc == 0)
        sort_array(w.items, w.n, sizeof *w.items, by_start_order);
    if (rc == 0)
        rc = fold_phantoms(&w);
    if (rc == 0)
        sort_array(w.items, w.n, sizeof *w.items, by_start_order); /* a phantom may stand alone */
    if (rc == 0)
        rc = settle_overlaps(&w, &kept);
    /* kept is what is appended: room for just that, made once, then copied in */
    if (rc == 0 && model_channel_reserve(ch, kept) != 0)
        rc = err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    for (size_t i = 0; rc == 0 && i < kept; i++)
        ch->readings[ch->nreadings++] = w.items[i].r;
    free(w.items);
    return rc;
}
