/* SPDX-License-Identifier: Apache-2.0 */
/* window.c - local days and the windows a range of them is polled in. */
#include "fetch/smarthub.h"

#include "common/error.h"
#include "common/tz.h"

#include <stdlib.h>
#include <string.h>

int fetch_parse_day(int64_t *day, const char *text)
{
    if (strlen(text) != 10 || text[4] != '-' || text[7] != '-')
        return -1;
    int v[3] = {0, 0, 0};
    static const int from[3] = {0, 5, 8}, to[3] = {4, 7, 10};
    for (int k = 0; k < 3; k++)
        for (int i = from[k]; i < to[k]; i++) {
            if (text[i] < '0' || text[i] > '9')
                return -1;
            v[k] = v[k] * 10 + (text[i] - '0');
        }
    if (v[0] < 1970 || v[1] < 1 || v[1] > 12 || v[2] < 1)
        return -1;
    int64_t days = tz_days_from_civil(v[0], v[1], v[2]);
    int64_t y;
    int m, d;
    tz_civil_from_days(days, &y, &m, &d);
    if (y != v[0] || m != v[1] || d != v[2])
        return -1;
    *day = days;
    return 0;
}

int64_t fetch_local_day(const espi_tz *tz, int64_t t)
{
    return tz_days_of(t + espi_tz_offset_at(NULL, tz, t));
}

void fetch_format_day(char out[16], int64_t day)
{
    int64_t y;
    int m, d;
    tz_civil_from_days(day, &y, &m, &d);
    snprintf(out, 16, "%04lld-%02d-%02d", (long long)y, m, d);
}

/* The UTC instant of the local midnight that starts day (the end of the
 * gap, in a zone that skips midnight; the first, in one that repeats it). */
static int64_t midnight(const espi_tz *tz, int64_t day)
{
    int64_t at[2], gap_end = 0;
    int n = espi_tz_wall_to_utc(at, &gap_end, tz, day * 86400);
    return n == 0 ? gap_end : at[0];
}

static const char *frame_word(espi_time_frame frame)
{
    static const char *const words[] = {"hourly", "hourly", "daily", "monthly"};
    return words[frame <= ESPI_TIME_FRAME_MONTHLY ? frame : 0];
}

static void window_at(fetch_window *w, const espi_tz *tz, int64_t first, int64_t last,
                      espi_time_frame frame)
{
    char a[16], b[16];
    fetch_format_day(a, first);
    fetch_format_day(b, last);
    w->first = first;
    w->last = last;
    w->start_ms = midnight(tz, first) * 1000;
    w->end_ms = midnight(tz, last + 1) * 1000;
    w->frame = frame == ESPI_TIME_FRAME_AUTO ? ESPI_TIME_FRAME_HOURLY : frame;
    snprintf(w->label, sizeof w->label, "%s..%s", a, b);
    snprintf(w->name, sizeof w->name, "%s_%s_%s.json", frame_word(w->frame), a, b);
}

int fetch_windows(fetch_window **out, size_t *n, const espi_tz *tz, int64_t first, int64_t last,
                  espi_time_frame frame, espi_error *err)
{
    *out = NULL;
    *n = 0;
    int64_t step = frame == ESPI_TIME_FRAME_MONTHLY ? FETCH_MONTHLY_WINDOW_DAYS : FETCH_WINDOW_DAYS;
    if (last < first)
        return 0;
    if (last - first >= FETCH_MAX_DAYS)
        return err_fail(err, ESPI_E_ARG, "fetch-range", NULL,
                        "%lld days asked for: espi fetches at most %d days at once",
                        (long long)(last - first + 1), FETCH_MAX_DAYS);
    size_t count = (size_t)((last - first) / step + 1);
    fetch_window *w = calloc(count, sizeof *w);
    if (w == NULL)
        return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    for (size_t i = 0; i < count; i++) {
        int64_t a = first + (int64_t)i * step;
        window_at(&w[i], tz, a, a + step - 1 < last ? a + step - 1 : last, frame);
    }
    *out = w;
    *n = count;
    return 0;
}
