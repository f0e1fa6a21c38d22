/* SPDX-License-Identifier: Apache-2.0 */
/* test_tz.c - calendar arithmetic, POSIX TZ strings, TZif zones, local wall
 * time to UTC, and the ESPI DstRuleType encoding.
 *
 * Expected instants come from Python's zoneinfo (the IANA data) and were
 * checked by hand against the rules; they are literals so that a bug shared
 * by the calendar helpers and the zone code cannot hide itself. */
#include "testutil.h"

#include "common/error.h"
#include "common/tz.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HOUR 3600
#define DAY 86400

#define assert_i64_equal(got, want)                                                                \
    do {                                                                                           \
        int64_t got_ = (got), want_ = (want);                                                      \
        if (got_ != want_)                                                                         \
            fail_msg("%s = %lld, expected %lld", #got, (long long)got_, (long long)want_);         \
    } while (0)

/* A wall-clock time as espi_tz_wall_to_utc wants it: local fields read as UTC. */
static int64_t wall_of(int64_t y, int mo, int d, int h, int mi)
{
    return tz_days_from_civil(y, mo, d) * DAY + h * HOUR + mi * 60;
}

static espi_tz *load(const char *spec)
{
    espi_tz *tz = NULL;
    espi_error err;
    memset(&err, 0, sizeof err);
    int rc = espi_tz_load(&tz, spec, &err);
    if (rc != 0 || tz == NULL)
        fail_msg("loading %s failed (%d): %s", spec, rc, err.message);
    return tz;
}

static bool file_exists(const char *path)
{
    return access(path, R_OK) == 0;
}

/* Asserts that wall maps to exactly the instants given (n of them). */
static void expect_wall(const espi_tz *tz, int64_t wall, int n, int64_t first, int64_t second)
{
    int64_t out[2] = {-1, -1};
    int64_t gap = -1;
    char text[32];
    tz_format_wall(text, wall);
    int got = espi_tz_wall_to_utc(out, &gap, tz, wall);
    if (got != n)
        fail_msg("%s in %s: %d instants, expected %d", text, espi_tz_name(tz), got, n);
    if (n >= 1 && out[0] != first)
        fail_msg("%s in %s: first instant %lld, expected %lld", text, espi_tz_name(tz),
                 (long long)out[0], (long long)first);
    if (n == 2 && out[1] != second)
        fail_msg("%s in %s: second instant %lld, expected %lld", text, espi_tz_name(tz),
                 (long long)out[1], (long long)second);
}

/* Asserts that wall falls in a skipped hour that ends at gap_end. */
static void expect_gap(const espi_tz *tz, int64_t wall, int64_t gap_end)
{
    int64_t out[2], gap = -1;
    char text[32];
    tz_format_wall(text, wall);
    int got = espi_tz_wall_to_utc(out, &gap, tz, wall);
    if (got != 0)
        fail_msg("%s in %s: %d instants, expected a gap", text, espi_tz_name(tz), got);
    if (gap != gap_end)
        fail_msg("%s in %s: gap ends at %lld, expected %lld", text, espi_tz_name(tz),
                 (long long)gap, (long long)gap_end);
}

static void expect_offset(const espi_tz *tz, int64_t utc, int32_t offset, int is_dst)
{
    int dst = -1;
    int32_t got = espi_tz_offset_at(&dst, tz, utc);
    if (got != offset || dst != is_dst)
        fail_msg("%s at %lld: offset %d dst %d, expected %d dst %d", espi_tz_name(tz),
                 (long long)utc, got, dst, offset, is_dst);
}

/* ------------------------------------------------------------------ */
/* Calendar                                                            */
/* ------------------------------------------------------------------ */

static void test_civil_anchors(void **state)
{
    (void)state;
    assert_i64_equal(tz_days_from_civil(1970, 1, 1), 0);
    assert_i64_equal(tz_days_from_civil(1969, 12, 31), -1);
    assert_i64_equal(tz_days_from_civil(2000, 2, 29), 11016);
    assert_i64_equal(tz_days_from_civil(2000, 3, 1), 11017);
    assert_i64_equal(tz_days_from_civil(2026, 3, 8), 20520);
    assert_i64_equal(tz_days_from_civil(2026, 11, 28), 20785);
    assert_i64_equal(tz_days_from_civil(1600, 1, 1), -135140);
    assert_i64_equal(tz_days_from_civil(2400, 12, 31), 157419);
    assert_i64_equal(tz_days_from_civil(1, 1, 1), -719162);
    /* Year 0 (1 BC) is a leap year; 0000-03-01 is the algorithm's own epoch. */
    assert_i64_equal(tz_days_from_civil(0, 3, 1), -719468);
    assert_i64_equal(tz_days_from_civil(0, 2, 29), -719469);
    assert_i64_equal(tz_days_from_civil(0, 1, 1), -719528);

    int64_t y;
    int m, d;
    tz_civil_from_days(20785, &y, &m, &d);
    assert_i64_equal(y, 2026);
    assert_int_equal(m, 11);
    assert_int_equal(d, 28);
    tz_civil_from_days(-719529, &y, &m, &d);
    assert_i64_equal(y, -1);
    assert_int_equal(m, 12);
    assert_int_equal(d, 31);

    assert_int_equal(tz_weekday_from_days(0), 4);       /* Thursday */
    assert_int_equal(tz_weekday_from_days(-1), 3);      /* Wednesday */
    assert_int_equal(tz_weekday_from_days(20520), 0);   /* 2026-03-08, Sunday */
    assert_int_equal(tz_weekday_from_days(20785), 6);   /* 2026-11-28, Saturday */
    assert_int_equal(tz_weekday_from_days(11017), 3);   /* 2000-03-01, Wednesday */
    assert_int_equal(tz_weekday_from_days(-719162), 1); /* 0001-01-01, Monday */
}

static int month_length(int64_t y, int m)
{
    static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : len[m - 1];
}

/* Walks every day from 1200 BC to AD 2400 with a plain counter and checks
 * both conversions and the weekday against it. */
static void test_civil_walk(void **state)
{
    (void)state;
    int64_t y = -1200;
    int m = 1, d = 1;
    int64_t days = tz_days_from_civil(y, m, d);
    int wday = tz_weekday_from_days(days);
    int64_t end = tz_days_from_civil(2400, 12, 31);
    for (; days <= end; days++) {
        int64_t yy;
        int mm, dd;
        tz_civil_from_days(days, &yy, &mm, &dd);
        if (yy != y || mm != m || dd != d || tz_days_from_civil(y, m, d) != days)
            fail_msg("day %lld: got %lld-%d-%d, expected %lld-%d-%d", (long long)days,
                     (long long)yy, mm, dd, (long long)y, m, d);
        if (tz_weekday_from_days(days) != wday)
            fail_msg("day %lld: weekday %d, expected %d", (long long)days,
                     tz_weekday_from_days(days), wday);
        wday = (wday + 1) % 7;
        if (++d > month_length(y, m)) {
            d = 1;
            if (++m > 12)
                m = 1, y++;
        }
    }
    assert_i64_equal(y, 2401);
}

static void test_days_of(void **state)
{
    (void)state;
    assert_i64_equal(tz_days_of(0), 0);
    assert_i64_equal(tz_days_of(86399), 0);
    assert_i64_equal(tz_days_of(86400), 1);
    assert_i64_equal(tz_days_of(-1), -1);
    assert_i64_equal(tz_days_of(-86400), -1);
    assert_i64_equal(tz_days_of(-86401), -2);
}

static void test_format(void **state)
{
    (void)state;
    char buf[32];
    tz_format_utc(buf, 0);
    assert_string_equal(buf, "1970-01-01T00:00:00Z");
    tz_format_utc(buf, 1772964000);
    assert_string_equal(buf, "2026-03-08T10:00:00Z");
    tz_format_utc(buf, -1);
    assert_string_equal(buf, "1969-12-31T23:59:59Z");
    tz_format_utc(buf, 951782400 + 3 * HOUR + 4 * 60 + 5);
    assert_string_equal(buf, "2000-02-29T03:04:05Z");
    tz_format_utc(buf, -3785616000);
    assert_string_equal(buf, "1850-01-15T00:00:00Z");
    tz_format_wall(buf, wall_of(2026, 3, 8, 2, 30));
    assert_string_equal(buf, "2026-03-08 02:30");
    tz_format_wall(buf, -60);
    assert_string_equal(buf, "1969-12-31 23:59");
    tz_format_local(buf, 1772964000, -7 * (int32_t)HOUR);
    assert_string_equal(buf, "2026-03-08T03:00:00-07:00");
}

/* Nonsense times (a validator meets them in broken files) are cut to fit
 * the buffer, zone suffix included, and never overflow. */
static void test_format_extremes(void **state)
{
    (void)state;
    char buf[32];
    const int64_t times[] = {INT64_MAX,           INT64_MIN,     INT64_MAX - 1, (int64_t)1 << 62,
                             -((int64_t)1 << 62), 253402300800LL /* 10000-01-01 */};
    for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
        tz_format_utc(buf, times[i]);
        assert_true(strlen(buf) < sizeof buf);
        assert_int_equal(buf[strlen(buf) - 1], 'Z');
        tz_format_local(buf, times[i], 14 * (int32_t)HOUR);
        assert_true(strlen(buf) < sizeof buf);
        assert_string_equal(buf + strlen(buf) - 6, "+14:00");
        tz_format_local(buf, times[i], -12 * (int32_t)HOUR);
        assert_string_equal(buf + strlen(buf) - 6, "-12:00");
    }
}

static void test_time_parse_accepts(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int64_t want;
    } cases[] = {
        {"2026-03-08T10:00:00Z", 1772964000},
        {"1970-01-01T00:00:00Z", 0},
        {"1969-12-31T23:59:59Z", -1},
        {"2024-02-29T12:00:00Z", 1709208000},
        {"2000-03-01T00:00:00Z", 951868800},
        {"1850-01-15T00:00:00Z", -3785616000},
        {"1772841600", 1772841600},
        {"0", 0},
        {"-86400", -86400},
        {"-3785616000", -3785616000},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t t = 12345;
        if (espi_time_parse(&t, cases[i].text) != 0)
            fail_msg("%s rejected", cases[i].text);
        if (t != cases[i].want)
            fail_msg("%s = %lld, expected %lld", cases[i].text, (long long)t,
                     (long long)cases[i].want);
    }
}

static void test_time_parse_rejects(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "2026-02-30T00:00:00Z", /* no February 30 */
        "2025-02-29T00:00:00Z", /* not a leap year */
        "2100-02-29T00:00:00Z", /* nor is 2100 */
        "2026-04-31T00:00:00Z",
        "2026-03-08T10:00:00",       /* missing Z */
        "2026-03-08T10:00:00+01:00", /* offsets are not UTC */
        "2026-03-08T10:00:00-08:00",
        "2026-03-08T10:00:00.5Z", /* fractions */
        "2026-03-08 10:00:00Z",
        "2026-13-01T00:00:00Z",
        "2026-00-01T00:00:00Z",
        "2026-01-00T00:00:00Z",
        "2026-01-01T24:00:00Z",
        "2026-01-01T00:60:00Z",
        "2026-01-01T00:00:60Z",
        "2026-1-01T00:00:00Z",
        "2026-03-08T10:00:00Zx",
        "26-03-08T10:00:00Z",
        "abc",
        "12abc",
        "1e9",
        "1.5",
        "-",
        "99999999999999999999", /* beyond int64 */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t t = 12345;
        if (espi_time_parse(&t, bad[i]) != ESPI_E_ARG)
            fail_msg("'%s' accepted as %lld", bad[i], (long long)t);
    }
}

/* ------------------------------------------------------------------ */
/* POSIX TZ strings                                                    */
/* ------------------------------------------------------------------ */

static void expect_month_rule(const tz_rule *r, int month, int week, int wday, int32_t time)
{
    assert_int_equal(r->kind, TZ_RULE_MONTH);
    assert_int_equal(r->month, month);
    assert_int_equal(r->week, week);
    assert_int_equal(r->wday, wday);
    assert_int_equal(r->time, time);
}

static void test_posix_us(void **state)
{
    (void)state;
    tz_posix px;
    assert_int_equal(tz_posix_parse(&px, "PST8PDT,M3.2.0,M11.1.0"), 0);
    assert_int_equal(px.std_offset, -8 * HOUR);
    assert_true(px.has_dst);
    assert_int_equal(px.dst_offset, -7 * HOUR);
    expect_month_rule(&px.start, 3, 2, 0, 2 * HOUR);
    expect_month_rule(&px.end, 11, 1, 0, 2 * HOUR);

    /* Without rules the US rules apply, as in glibc's posixrules. */
    assert_int_equal(tz_posix_parse(&px, "EST5EDT"), 0);
    assert_int_equal(px.std_offset, -5 * HOUR);
    assert_int_equal(px.dst_offset, -4 * HOUR);
    expect_month_rule(&px.start, 3, 2, 0, 2 * HOUR);
    expect_month_rule(&px.end, 11, 1, 0, 2 * HOUR);

    /* An explicit DST offset and rule times with minutes and seconds. */
    assert_int_equal(tz_posix_parse(&px, "XST8XDT6:30,M4.1.6/1:02:03,M9.5.3/23:59:59"), 0);
    assert_int_equal(px.dst_offset, -(6 * HOUR + 30 * 60));
    expect_month_rule(&px.start, 4, 1, 6, HOUR + 2 * 60 + 3);
    expect_month_rule(&px.end, 9, 5, 3, 24 * HOUR - 1);

    /* No DST at all; lower-case names are alphabetic too (POSIX). */
    assert_int_equal(tz_posix_parse(&px, "MST7"), 0);
    assert_int_equal(px.std_offset, -7 * HOUR);
    assert_false(px.has_dst);
    assert_int_equal(tz_posix_parse(&px, "abc8"), 0);
    assert_int_equal(px.std_offset, -8 * HOUR);
    assert_int_equal(tz_posix_parse(&px, "UTC0"), 0);
    assert_int_equal(px.std_offset, 0);
}

static void test_posix_quoted_names(void **state)
{
    (void)state;
    tz_posix px;
    assert_int_equal(tz_posix_parse(&px, "<-03>3"), 0);
    assert_int_equal(px.std_offset, -3 * HOUR);
    assert_false(px.has_dst);

    assert_int_equal(tz_posix_parse(&px, "<+0330>-3:30"), 0);
    assert_int_equal(px.std_offset, 3 * HOUR + 30 * 60);
    assert_false(px.has_dst);

    assert_int_equal(tz_posix_parse(&px, "<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45"), 0);
    assert_int_equal(px.std_offset, 12 * HOUR + 45 * 60);
    assert_int_equal(px.dst_offset, 13 * HOUR + 45 * 60);
    expect_month_rule(&px.start, 9, 5, 0, 2 * HOUR + 45 * 60);
    expect_month_rule(&px.end, 4, 1, 0, 3 * HOUR + 45 * 60);
}

static void test_posix_south_and_europe(void **state)
{
    (void)state;
    tz_posix px;
    assert_int_equal(tz_posix_parse(&px, "AEST-10AEDT,M10.1.0,M4.1.0/3"), 0);
    assert_int_equal(px.std_offset, 10 * HOUR);
    assert_int_equal(px.dst_offset, 11 * HOUR);
    expect_month_rule(&px.start, 10, 1, 0, 2 * HOUR);
    expect_month_rule(&px.end, 4, 1, 0, 3 * HOUR);

    assert_int_equal(tz_posix_parse(&px, "CET-1CEST,M3.5.0,M10.5.0/3"), 0);
    assert_int_equal(px.std_offset, HOUR);
    assert_int_equal(px.dst_offset, 2 * HOUR);
    expect_month_rule(&px.start, 3, 5, 0, 2 * HOUR);
    expect_month_rule(&px.end, 10, 5, 0, 3 * HOUR);
}

static void test_posix_day_forms(void **state)
{
    (void)state;
    tz_posix px;
    assert_int_equal(tz_posix_parse(&px, "XXX3YYY,J60,J365/1:30"), 0);
    assert_int_equal(px.start.kind, TZ_RULE_JULIAN1);
    assert_int_equal(px.start.day, 60);
    assert_int_equal(px.start.time, 2 * HOUR);
    assert_int_equal(px.end.kind, TZ_RULE_JULIAN1);
    assert_int_equal(px.end.day, 365);
    assert_int_equal(px.end.time, HOUR + 30 * 60);
    /* Jn never counts February 29: J60 is March 1 in every year. */
    assert_i64_equal(tz_rule_local_time(&px.start, 2024), wall_of(2024, 3, 1, 2, 0));
    assert_i64_equal(tz_rule_local_time(&px.start, 2026), wall_of(2026, 3, 1, 2, 0));
    assert_i64_equal(tz_rule_local_time(&px.start, 2000), wall_of(2000, 3, 1, 2, 0));
    assert_i64_equal(tz_rule_local_time(&px.start, 2100), wall_of(2100, 3, 1, 2, 0));
    assert_i64_equal(tz_rule_local_time(&px.end, 2024), wall_of(2024, 12, 31, 1, 30));
    assert_i64_equal(tz_rule_local_time(&px.end, 2000), wall_of(2000, 12, 31, 1, 30));

    assert_int_equal(tz_posix_parse(&px, "XXX3YYY,59,365"), 0);
    assert_int_equal(px.start.kind, TZ_RULE_JULIAN0);
    assert_int_equal(px.start.day, 59);
    assert_int_equal(px.end.day, 365);
    /* n counts from 0 and does count February 29. */
    assert_i64_equal(tz_rule_local_time(&px.start, 2024), wall_of(2024, 2, 29, 2, 0));
    assert_i64_equal(tz_rule_local_time(&px.start, 2026), wall_of(2026, 3, 1, 2, 0));
    assert_i64_equal(tz_rule_local_time(&px.end, 2024), wall_of(2024, 12, 31, 2, 0));
    assert_int_equal(tz_posix_parse(&px, "XXX3YYY,0,1"), 0);
    assert_i64_equal(tz_rule_local_time(&px.start, 2026), wall_of(2026, 1, 1, 2, 0));

    assert_int_equal(tz_posix_parse(&px, "XXX3YYY,J0,J300"), -1);   /* J starts at 1 */
    assert_int_equal(tz_posix_parse(&px, "XXX3YYY,J366,J300"), -1); /* J ends at 365 */
    assert_int_equal(tz_posix_parse(&px, "XXX3YYY,366,300"), -1);   /* n ends at 365 */
}

static void test_posix_month_rules(void **state)
{
    (void)state;
    tz_rule r = {.kind = TZ_RULE_MONTH, .month = 3, .week = 2, .wday = 0, .time = 2 * HOUR};
    assert_i64_equal(tz_rule_local_time(&r, 2026), wall_of(2026, 3, 8, 2, 0));
    assert_i64_equal(tz_rule_local_time(&r, 2100), wall_of(2100, 3, 14, 2, 0));
    assert_i64_equal(tz_rule_local_time(&r, 1850), wall_of(1850, 3, 10, 2, 0));
    /* Week 5 means the last one, whether the month has four or five. */
    r = (tz_rule){.kind = TZ_RULE_MONTH, .month = 8, .week = 5, .wday = 0};
    assert_i64_equal(tz_rule_local_time(&r, 2026), wall_of(2026, 8, 30, 0, 0));
    r.month = 2;
    assert_i64_equal(tz_rule_local_time(&r, 2026), wall_of(2026, 2, 22, 0, 0));
    r.month = 12;
    assert_i64_equal(tz_rule_local_time(&r, 2026), wall_of(2026, 12, 27, 0, 0));
    r = (tz_rule){.kind = TZ_RULE_MONTH, .month = 8, .week = 4, .wday = 0};
    assert_i64_equal(tz_rule_local_time(&r, 2026), wall_of(2026, 8, 23, 0, 0));
    /* A weekday that starts the month (2026-08-01 is a Saturday). */
    r = (tz_rule){.kind = TZ_RULE_MONTH, .month = 8, .week = 1, .wday = 6, .time = -HOUR};
    assert_i64_equal(tz_rule_local_time(&r, 2026), wall_of(2026, 7, 31, 23, 0));
}

/* RFC 8536 section 3.3: rule times from -167 to 167 hours. */
static void test_posix_extended_times(void **state)
{
    (void)state;
    tz_posix px;
    assert_int_equal(tz_posix_parse(&px, "<-02>2<-01>,M3.5.0/-1,M10.5.0/0"), 0);
    assert_int_equal(px.start.time, -HOUR);
    assert_int_equal(px.end.time, 0);
    assert_int_equal(tz_posix_parse(&px, "EST5EDT,0/0,J365/25"), 0);
    assert_int_equal(px.end.time, 25 * HOUR);
    assert_int_equal(tz_posix_parse(&px, "XXX3YYY,M3.2.0/26,M11.1.0/-1:30"), 0);
    assert_int_equal(px.start.time, 26 * HOUR);
    assert_int_equal(px.end.time, -(HOUR + 30 * 60));
    assert_int_equal(tz_posix_parse(&px, "XXX3YYY,M3.2.0/167,M11.1.0/-167"), 0);
    assert_int_equal(px.start.time, 167 * HOUR);
    assert_int_equal(px.end.time, -167 * HOUR);
    assert_int_equal(tz_posix_parse(&px, "XXX3YYY,M3.2.0/168,M11.1.0"), -1);

    /* DST all year (RFC 8536's own example): one offset, no gap, no repeat. */
    espi_tz *tz = load("EST5EDT,0/0,J365/25");
    int64_t first = wall_of(2026, 1, 1, 0, 0);
    for (int64_t w = first; w < first + 366 * DAY; w += HOUR / 2)
        expect_wall(tz, w, 1, w + 4 * HOUR, 0);
    for (int64_t t = first; t < first + 366 * DAY; t += HOUR)
        expect_offset(tz, t, -4 * HOUR, 1);
    espi_tz_free(tz);

    /* A start 167 hours after December 31 falls in the next January: on
     * 2026-01-03 the zone is still on standard time from the rule of 2025. */
    tz = load("XXX3YYY,J365/167,J10");
    expect_offset(tz, wall_of(2026, 1, 3, 12, 0), -3 * HOUR, 0);
    expect_offset(tz, wall_of(2026, 1, 8, 12, 0), -2 * HOUR, 1);
    expect_offset(tz, wall_of(2026, 1, 11, 12, 0), -3 * HOUR, 0);
    expect_gap(tz, wall_of(2026, 1, 6, 23, 30), wall_of(2026, 1, 7, 2, 0));
    espi_tz_free(tz);
}

static void test_posix_rejects(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "PST",                     /* no offset */
        "PS8",                     /* names need three letters */
        "8",                       /* no name */
        "<AB>3",                   /* quoted names too */
        "<ABC3",                   /* unterminated */
        "<A_C>3",                  /* only letters, digits and signs inside <> */
        "PST25",                   /* offset beyond 24 hours */
        "PST8:60",                 /* minutes up to 59 */
        "PST8PDT,M13.1.0,M11.1.0", /* month 13 */
        "PST8PDT,M0.1.0,M11.1.0",  /* month 0 */
        "PST8PDT,M3.0.0,M11.1.0",  /* week 0 */
        "PST8PDT,M3.6.0,M11.1.0",  /* week 6 */
        "PST8PDT,M3.2.7,M11.1.0",  /* weekday 7 */
        "PST8PDT,M3.2,M11.1.0",    /* weekday missing */
        "PST8PDT,M3.2.0",          /* end rule missing */
        "PST8PDT,M3.2.0,",         /* end rule empty */
        "PST8PDT,",                /* start rule empty */
        "PST8PDT,M3.2.0,M11.1.0x", /* trailing garbage */
        "PST8PDT,M3.2.0,M11.1.0,", /* a third rule */
        "PST8PDT,M3.2.0/,M11.1.0", /* empty time */
        "PST8PDT,M3.2.0,M11.1.0 ", /* trailing space */
        "PST8 ",                   /* trailing space after the offset */
        "PST8x",                   /* a DST name of one letter */
        " PST8",                   /* leading space */
        "PST+",                    /* sign without digits */
        "America/Los_Angeles",     /* a zone name is not a TZ string */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tz_posix px;
        if (tz_posix_parse(&px, bad[i]) != -1)
            fail_msg("'%s' accepted", bad[i]);
    }
}

/* ------------------------------------------------------------------ */
/* Zones                                                               */
/* ------------------------------------------------------------------ */

static void test_los_angeles(void **state)
{
    (void)state;
    espi_tz *tz = load("America/Los_Angeles");
    assert_string_equal(espi_tz_name(tz), "America/Los_Angeles");
    expect_offset(tz, 1768478400, -28800, 0); /* 2026-01-15T12:00Z */
    expect_offset(tz, 1782907200, -25200, 1); /* 2026-07-01T12:00Z */
    expect_offset(tz, 1772964000 - 1, -28800, 0);
    expect_offset(tz, 1772964000, -25200, 1);
    expect_offset(tz, 1793523600 - 1, -25200, 1);
    expect_offset(tz, 1793523600, -28800, 0);
    expect_offset(tz, 0, -28800, 0);

    /* An ordinary time: 2026-01-15 04:00 PST is 12:00Z. */
    expect_wall(tz, wall_of(2026, 1, 15, 4, 0), 1, 1768478400, 0);
    expect_wall(tz, wall_of(2026, 7, 1, 5, 0), 1, 1782907200, 0);

    /* Spring forward: 02:00 to 02:59 do not exist; the gap ends at 10:00Z. */
    expect_wall(tz, wall_of(2026, 3, 8, 1, 59), 1, 1772964000 - 60, 0);
    expect_gap(tz, wall_of(2026, 3, 8, 2, 0), 1772964000);
    expect_gap(tz, wall_of(2026, 3, 8, 2, 30), 1772964000);
    expect_gap(tz, wall_of(2026, 3, 8, 2, 59), 1772964000);
    expect_wall(tz, wall_of(2026, 3, 8, 3, 0), 1, 1772964000, 0);

    /* Fall back: 01:00 to 01:59 happen twice, daylight time first. */
    expect_wall(tz, wall_of(2026, 11, 1, 0, 59), 1, 1793519940, 0);
    expect_wall(tz, wall_of(2026, 11, 1, 1, 0), 2, 1793520000, 1793523600);
    expect_wall(tz, wall_of(2026, 11, 1, 1, 30), 2, 1793521800, 1793525400);
    expect_wall(tz, wall_of(2026, 11, 1, 1, 59), 2, 1793523540, 1793527140);
    expect_wall(tz, wall_of(2026, 11, 1, 2, 0), 1, 1793527200, 0);

    /* gap_end may be NULL. */
    int64_t out[2];
    assert_int_equal(espi_tz_wall_to_utc(out, NULL, tz, wall_of(2026, 3, 8, 2, 30)), 0);
    espi_tz_free(tz);
    espi_tz_free(NULL);
}

static void test_new_york(void **state)
{
    (void)state;
    espi_tz *tz = load("America/New_York");
    expect_offset(tz, 1768478400, -18000, 0);
    expect_offset(tz, 1782907200, -14400, 1);
    expect_wall(tz, wall_of(2026, 1, 15, 7, 0), 1, 1768478400, 0);
    expect_gap(tz, wall_of(2026, 3, 8, 2, 30), 1772953200); /* 07:00Z */
    expect_wall(tz, wall_of(2026, 3, 8, 3, 0), 1, 1772953200, 0);
    expect_wall(tz, wall_of(2026, 11, 1, 1, 30), 2, 1793511000, 1793514600);
    expect_wall(tz, wall_of(2026, 11, 1, 2, 0), 1, 1793516400, 0);
    espi_tz_free(tz);
}

/* The southern hemisphere: DST spans the new year, gap in October, repeat in April. */
static void test_sydney(void **state)
{
    (void)state;
    espi_tz *tz = load("Australia/Sydney");
    expect_offset(tz, 1768478400, 39600, 1); /* January: summer */
    expect_offset(tz, 1782907200, 36000, 0); /* July: winter */
    expect_offset(tz, 1775318400 - 1, 39600, 1);
    expect_offset(tz, 1775318400, 36000, 0); /* 2026-04-04T16:00Z */
    expect_offset(tz, 1791043200 - 1, 36000, 0);
    expect_offset(tz, 1791043200, 39600, 1); /* 2026-10-03T16:00Z */
    expect_wall(tz, wall_of(2026, 4, 5, 2, 30), 2, 1775316600, 1775320200);
    expect_wall(tz, wall_of(2026, 4, 5, 3, 0), 1, 1775322000, 0);
    expect_wall(tz, wall_of(2026, 4, 5, 1, 59), 1, 1775314740, 0);
    expect_gap(tz, wall_of(2026, 10, 4, 2, 0), 1791043200);
    expect_gap(tz, wall_of(2026, 10, 4, 2, 30), 1791043200);
    expect_wall(tz, wall_of(2026, 10, 4, 3, 0), 1, 1791043200, 0);
    expect_wall(tz, wall_of(2026, 12, 25, 12, 0), 1, wall_of(2026, 12, 25, 1, 0), 0);
    espi_tz_free(tz);
}

/* Every half hour of a year has exactly one instant when there is no DST. */
static void expect_fixed(const char *spec, int32_t offset)
{
    espi_tz *tz = load(spec);
    int64_t first = wall_of(2026, 1, 1, 0, 0);
    for (int64_t w = first; w < first + 365 * DAY; w += HOUR / 2)
        expect_wall(tz, w, 1, w - offset, 0);
    for (int64_t t = first; t < first + 365 * DAY; t += HOUR)
        expect_offset(tz, t, offset, 0);
    espi_tz_free(tz);
}

static void test_no_dst(void **state)
{
    (void)state;
    expect_fixed("America/Phoenix", -7 * HOUR);
    expect_fixed("Asia/Tokyo", 9 * HOUR);
    expect_fixed("MST7", -7 * HOUR);
    expect_fixed("<+0330>-3:30", 3 * HOUR + 30 * 60);
    expect_fixed("<-03>3", -3 * HOUR);
    expect_fixed("Etc/UTC", 0);
    expect_fixed("UTC0", 0);
}

/* Beyond the TZif table the footer rule applies; before it, the zone's
 * first type (LMT for Los Angeles: -7:52:58, as zoneinfo says). */
static void test_far_years(void **state)
{
    (void)state;
    espi_tz *tz = load("America/Los_Angeles");
    expect_offset(tz, 4103654400, -28800, 0); /* 2100-01-15 */
    expect_offset(tz, 4118083200, -25200, 1); /* 2100-07-01 */
    expect_gap(tz, wall_of(2100, 3, 14, 2, 30), 4108701600);
    expect_wall(tz, wall_of(2100, 11, 7, 1, 30), 2, 4129259400, 4129263000);
    expect_gap(tz, wall_of(2400, 3, 12, 2, 30), 13575636000);
    expect_wall(tz, wall_of(3000, 11, 2, 1, 30), 2, 32530062600, 32530066200);
    expect_offset(tz, -3785616000, -28378, 0); /* 1850-01-15: LMT */
    expect_offset(tz, -3771187200, -28378, 0); /* 1850-07-01: LMT, no DST */
    expect_wall(tz, wall_of(1850, 7, 1, 0, 0), 1, -3771187200 + 28378, 0);
    /* Extreme times are clamped, never looped over or overflowed. */
    int64_t out[2];
    assert_int_equal(espi_tz_wall_to_utc(out, NULL, tz, INT64_MAX) >= 0, 1);
    assert_int_equal(espi_tz_wall_to_utc(out, NULL, tz, INT64_MIN) >= 0, 1);
    (void)espi_tz_offset_at(NULL, tz, INT64_MAX);
    (void)espi_tz_offset_at(NULL, tz, INT64_MIN);
    espi_tz_free(tz);

    /* A POSIX zone has the rules in every year, 1850 included. */
    tz = load("PST8PDT,M3.2.0,M11.1.0");
    expect_offset(tz, -3785616000, -28800, 0);
    expect_offset(tz, -3771187200, -25200, 1);
    expect_gap(tz, wall_of(1850, 3, 10, 2, 30), -3780914400);
    expect_wall(tz, wall_of(1850, 11, 3, 1, 30), 2, -3760356600, -3760353000);
    expect_gap(tz, wall_of(2100, 3, 14, 2, 30), 4108701600);
    espi_tz_free(tz);
}

/* The same zone from the IANA file and from its POSIX string agree on every
 * hour of a year (the table covers 2026; 2030 may come from the footer). */
static void expect_same_zone(const char *name, const char *posix, int64_t year)
{
    char path[256];
    snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", name);
    if (!file_exists(path)) {
        print_message("note: %s not installed; not compared with %s\n", name, posix);
        return;
    }
    espi_tz *a = load(name), *b = load(posix);
    int64_t first = wall_of(year, 1, 1, 0, 0), last = wall_of(year + 1, 1, 1, 0, 0);
    for (int64_t t = first - DAY; t < last + DAY; t += HOUR) {
        int da, db;
        int32_t oa = espi_tz_offset_at(&da, a, t), ob = espi_tz_offset_at(&db, b, t);
        if (oa != ob || da != db)
            fail_msg("%s at %lld: %d/%d from the file, %d/%d from %s", name, (long long)t, oa, da,
                     ob, db, posix);
    }
    for (int64_t w = first; w < last; w += HOUR / 2) {
        int64_t oa[2] = {0, 0}, ob[2] = {0, 0}, ga = 0, gb = 0;
        int na = espi_tz_wall_to_utc(oa, &ga, a, w), nb = espi_tz_wall_to_utc(ob, &gb, b, w);
        bool same = na == nb && (na < 1 || oa[0] == ob[0]) && (na < 2 || oa[1] == ob[1]) &&
                    (na != 0 || ga == gb);
        if (!same)
            fail_msg("%s wall %lld: %d instants from the file, %d from %s", name, (long long)w, na,
                     nb, posix);
    }
    espi_tz_free(a);
    espi_tz_free(b);
}

static void test_posix_matches_iana(void **state)
{
    (void)state;
    static const int64_t years[] = {2026, 2030};
    for (size_t i = 0; i < 2; i++) {
        expect_same_zone("America/Los_Angeles", "PST8PDT,M3.2.0,M11.1.0", years[i]);
        expect_same_zone("America/New_York", "EST5EDT,M3.2.0,M11.1.0", years[i]);
        expect_same_zone("Australia/Sydney", "AEST-10AEDT,M10.1.0,M4.1.0/3", years[i]);
        expect_same_zone("Europe/Berlin", "CET-1CEST,M3.5.0,M10.5.0/3", years[i]);
        expect_same_zone("America/Phoenix", "MST7", years[i]);
        /* Unusual rules, each footer copied from the zone's TZif file:
         * negative DST (Dublin), changes at 24:00 (Santiago), a 30-minute
         * DST (Lord Howe), 2 hours of DST (Troll), 45-minute offsets (Chatham). */
        expect_same_zone("Europe/Dublin", "IST-1GMT0,M10.5.0,M3.5.0/1", years[i]);
        expect_same_zone("America/Santiago", "<-04>4<-03>,M9.1.6/24,M4.1.6/24", years[i]);
        expect_same_zone("Australia/Lord_Howe", "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0", years[i]);
        expect_same_zone("Antarctica/Troll", "<+00>0<+02>-2,M3.5.0/1,M10.5.0/3", years[i]);
        expect_same_zone("Pacific/Chatham", "<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45",
                         years[i]);
    }
}

/* Greenland since 2023: changes at -1:00 and 0:00 local, so the skipped and
 * the repeated hour are both on the evening before the Sunday. */
static void test_negative_rule_time(void **state)
{
    (void)state;
    espi_tz *tz = load("<-02>2<-01>,M3.5.0/-1,M10.5.0/0");
    expect_wall(tz, wall_of(2026, 3, 28, 22, 59), 1, 1774746000 - 60, 0);
    expect_gap(tz, wall_of(2026, 3, 28, 23, 0), 1774746000); /* 2026-03-29T01:00Z */
    expect_gap(tz, wall_of(2026, 3, 28, 23, 30), 1774746000);
    expect_wall(tz, wall_of(2026, 3, 29, 0, 0), 1, 1774746000, 0);
    expect_wall(tz, wall_of(2026, 10, 24, 23, 30), 2, 1792888200, 1792891800);
    expect_wall(tz, wall_of(2026, 10, 25, 0, 0), 1, 1792893600, 0);
    expect_offset(tz, 1792890000 - 1, -HOUR, 1);
    expect_offset(tz, 1792890000, -2 * HOUR, 0);
    espi_tz_free(tz);
    expect_same_zone("America/Nuuk", "<-02>2<-01>,M3.5.0/-1,M10.5.0/0", 2026);
    expect_same_zone("America/Nuuk", "<-02>2<-01>,M3.5.0/-1,M10.5.0/0", 2030);
}

/* ------------------------------------------------------------------ */
/* LocalTimeParameters                                                 */
/* ------------------------------------------------------------------ */

static void expect_params(const char *spec, int32_t tz_offset, int32_t dst_offset, uint32_t start,
                          uint32_t end)
{
    espi_tz *tz = load(spec);
    espi_time_params p;
    espi_error err;
    memset(&err, 0, sizeof err);
    if (espi_tz_time_params(&p, tz, &err) != 0)
        fail_msg("%s: %s", spec, err.message);
    if (p.tz_offset != tz_offset || p.dst_offset != dst_offset || p.dst_start_rule != start ||
        p.dst_end_rule != end)
        fail_msg("%s: %d %d %08X %08X, expected %d %d %08X %08X", spec, p.tz_offset, p.dst_offset,
                 p.dst_start_rule, p.dst_end_rule, tz_offset, dst_offset, start, end);
    espi_tz_free(tz);
}

static void test_time_params(void **state)
{
    (void)state;
    /* docs/standard.md section 6: the US rules are 360E2000 and B40E2000. */
    expect_params("America/Los_Angeles", -28800, 3600, 0x360E2000, 0xB40E2000);
    expect_params("PST8PDT,M3.2.0,M11.1.0", -28800, 3600, 0x360E2000, 0xB40E2000);
    expect_params("America/New_York", -18000, 3600, 0x360E2000, 0xB40E2000);
    expect_params("EST5EDT", -18000, 3600, 0x360E2000, 0xB40E2000);
    /* Berlin, M3.5.0/2 and M10.5.0/3, by hand from
     * (month<<28)|(op<<25)|(dom<<20)|(dow<<17)|(hour<<12)|seconds, op 7 = last, dow 7 = Sunday:
     *   start (3<<28)|(7<<25)|(0<<20)|(7<<17)|(2<<12) = 0x30000000+0x0E000000+0x000E0000+0x2000
     *   end  (10<<28)|(7<<25)|(0<<20)|(7<<17)|(3<<12) = 0xA0000000+0x0E000000+0x000E0000+0x3000 */
    expect_params("Europe/Berlin", 3600, 3600, 0x3E0E2000, 0xAE0E3000);
    /* Sydney, M10.1.0/2 and M4.1.0/3, op 2 = first:
     *   (10<<28)|(2<<25)|(7<<17)|(2<<12) = 0xA40E2000, (4<<28)|(2<<25)|(7<<17)|(3<<12) = 0x440E3000
     */
    expect_params("Australia/Sydney", 36000, 3600, 0xA40E2000, 0x440E3000);
    /* Non-default DST offset and times with seconds: M4.1.6/1:02:03 is
     * (4<<28)|(2<<25)|(6<<17)|(1<<12)|123 = 0x440C107B. */
    expect_params("XST8XDT6:30,M4.1.6/1:02:03,M9.4.3/23:59:59", -28800, 5400, 0x440C107B,
                  (9u << 28) | (5u << 25) | (3u << 17) | (23u << 12) | 3599u);
    /* No DST: 0xFFFFFFFF twice. */
    expect_params("America/Phoenix", -25200, 0, 0xFFFFFFFF, 0xFFFFFFFF);
    expect_params("Asia/Tokyo", 32400, 0, 0xFFFFFFFF, 0xFFFFFFFF);
    expect_params("<+0330>-3:30", 12600, 0, 0xFFFFFFFF, 0xFFFFFFFF);
}

/* J and n forms become op 0 (on the day of the month) with the day itself. */
static void test_time_params_julian(void **state)
{
    (void)state;
    /* J60 is March 1 (op 0, dom 1); J300 at 1:30 is October 27:
     * (10<<28)|(27<<20)|(1<<12)|1800 = 0xA1B01708. */
    expect_params("XXX3YYY,J60,J300/1:30", -10800, 3600, 0x30102000, 0xA1B01708);
    expect_params("XXX3YYY,J1,J365", -10800, 3600, 0x10102000, 0xC1F02000);
    /* Zero-based days before February 29 do not move: 31 is February 1. */
    expect_params("XXX3YYY,31,58", -10800, 3600, 0x20102000, 0x21C02000);
}

static void expect_params_fail(const char *spec)
{
    espi_tz *tz = load(spec);
    espi_time_params p;
    espi_error err;
    memset(&err, 0, sizeof err);
    int rc = espi_tz_time_params(&p, tz, &err);
    if (rc != ESPI_E_ARG)
        fail_msg("%s: time params returned %d, expected ESPI_E_ARG", spec, rc);
    assert_int_equal(err.status, ESPI_E_ARG);
    assert_string_equal(err.code, "tz-rule");
    assert_non_null(strstr(err.message, "DstRuleType"));
    espi_tz_free(tz);
}

/* The local time an ESPI DstRuleType names in a year, decoded here on its
 * own (docs/standard.md section 6): op 0 on the day of the month, op 1 the weekday on
 * or after it, ops 2-6 the 1st-5th weekday, op 7 the last; dow 1 = Monday. */
static int64_t rule_local(uint32_t bits, int64_t year)
{
    tz_dst_rule r;
    tz_dst_rule_decode(&r, bits);
    int64_t first = tz_days_from_civil(year, r.month, 1);
    int64_t next = r.month == 12 ? tz_days_from_civil(year + 1, 1, 1)
                                 : tz_days_from_civil(year, r.month + 1, 1);
    int target = r.dow % 7; /* 0 = Sunday, as tz_weekday_from_days */
    int64_t day;
    if (r.op == 0) {
        day = first + r.dom - 1;
    } else if (r.op == 1) {
        for (day = first + r.dom - 1; tz_weekday_from_days(day) != target; day++)
            ;
    } else if (r.op == 7) {
        for (day = next - 1; tz_weekday_from_days(day) != target; day--)
            ;
    } else {
        for (day = first; tz_weekday_from_days(day) != target; day++)
            ;
        day += 7 * (r.op - 2);
    }
    return day * 86400 + r.hour * 3600 + r.seconds;
}

/* The zone changes offset exactly where its ESPI rules say, for ten years:
 * the start rule is read in standard time, the end rule in daylight time. */
static void expect_rules_match_zone(const char *spec)
{
    espi_tz *tz = load(spec);
    espi_time_params p;
    espi_error err;
    assert_int_equal(espi_tz_time_params(&p, tz, &err), 0);
    int32_t std = p.tz_offset, dst = p.tz_offset + p.dst_offset;
    for (int64_t year = 2026; year < 2036; year++) {
        int64_t on = rule_local(p.dst_start_rule, year) - std;
        int64_t off = rule_local(p.dst_end_rule, year) - dst;
        if (espi_tz_offset_at(NULL, tz, on - 1) != std || espi_tz_offset_at(NULL, tz, on) != dst ||
            espi_tz_offset_at(NULL, tz, off - 1) != dst || espi_tz_offset_at(NULL, tz, off) != std)
            fail_msg("%s %lld: the rules %08X / %08X do not match the zone", spec, (long long)year,
                     p.dst_start_rule, p.dst_end_rule);
    }
    espi_tz_free(tz);
}

/* Rules whose time leaves the day move to the neighbouring weekday, with
 * op 1 ("weekday on or after day dom"); all by hand from the formula. */
static void test_time_params_shifted(void **state)
{
    (void)state;
    /* Nuuk M3.5.0/-1: the Saturday before the last Sunday of March, 23:00 =
     * Saturday on or after the 24th: (3<<28)|(1<<25)|(24<<20)|(6<<17)|(23<<12).
     * M10.5.0/0: last Sunday of October at 0:00 = 0xAE0E0000. */
    expect_params("<-02>2<-01>,M3.5.0/-1,M10.5.0/0", -7200, 3600, 0x338D7000, 0xAE0E0000);
    /* second Sunday at 24:00 = Monday on or after the 9th at 0:00 */
    expect_params("XXX3YYY,M3.2.0/24,M11.1.0", -10800, 3600, 0x32920000, 0xB40E2000);
    /* first Sunday at 26:00 = Monday on or after the 2nd at 2:00 */
    expect_params("XXX3YYY,M3.2.0,M11.1.0/26", -10800, 3600, 0x360E2000, 0xB2222000);
    /* Jerusalem M3.4.4/26: Friday on or after the 23rd at 2:00 = 0x337A2000 */
    expect_params("IST-2IDT,M3.4.4/26,M10.5.0", 7200, 3600, 0x337A2000, 0xAE0E2000);
    /* Santiago M9.1.6/24 and M4.1.6/24: Sunday on or after the 2nd at 0:00;
     * winter (April) is standard: 0x922E0000 starts DST, 0x422E0000 ends it */
    expect_params("<-04>4<-03>,M9.1.6/24,M4.1.6/24", -14400, 3600, 0x922E0000, 0x422E0000);
    /* Dublin calls summer standard and winter DST (IST-1GMT0,M10.5.0,M3.5.0/1);
     * ESPI gets GMT as standard and the summer hour as DST, start in March */
    expect_params("IST-1GMT0,M10.5.0,M3.5.0/1", 0, 3600, 0x3E0E1000, 0xAE0E2000);
    static const char *const zones[] = {
        "America/Los_Angeles", "Europe/Berlin",    "Australia/Sydney", "America/Nuuk",
        "Asia/Jerusalem",      "America/Santiago", "Europe/Dublin",    "America/Havana",
    };
    for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++) {
        char path[256];
        snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", zones[i]);
        if (file_exists(path))
            expect_rules_match_zone(zones[i]);
        else
            print_message("note: %s not installed; its rules not checked\n", zones[i]);
    }
}

static void test_time_params_unencodable(void **state)
{
    (void)state;
    expect_params_fail("XXX3YYY,M3.1.0/-1,M11.1.0"); /* the day before the month begins */
    expect_params_fail("XXX3YYY,M3.5.0/25,M11.1.0"); /* the day after the last Sunday */
    expect_params_fail("XXX3YYY,M2.5.0/-1,M11.1.0"); /* February's last week moves */
    expect_params_fail("XXX3YYY,59,300");            /* moves with leap years */
    expect_params_fail("XXX3YYY,31,59");
    expect_params_fail("XXX3YYY,J365/24,J300"); /* into the next year */
}

/* ------------------------------------------------------------------ */
/* DstRuleType                                                         */
/* ------------------------------------------------------------------ */

static void test_dst_rule_codec(void **state)
{
    (void)state;
    tz_dst_rule r;
    tz_dst_rule_decode(&r, 0x360E2000);
    assert_int_equal(r.month, 3);
    assert_int_equal(r.op, 3); /* second occurrence */
    assert_int_equal(r.dom, 0);
    assert_int_equal(r.dow, 7); /* Sunday */
    assert_int_equal(r.hour, 2);
    assert_int_equal(r.seconds, 0);
    assert_true(tz_dst_rule_valid(&r));
    assert_int_equal(tz_dst_rule_encode(&r), 0x360E2000);

    tz_dst_rule_decode(&r, 0xB40E2000);
    assert_int_equal(r.month, 11);
    assert_int_equal(r.op, 2); /* first occurrence */
    assert_int_equal(r.dow, 7);
    assert_int_equal(r.hour, 2);
    assert_int_equal(tz_dst_rule_encode(&r), 0xB40E2000);

    /* Every field at its largest valid value, then each alone. */
    tz_dst_rule max = {12, 7, 31, 7, 23, 3599};
    uint32_t bits = tz_dst_rule_encode(&max);
    assert_int_equal(bits,
                     (12u << 28) | (7u << 25) | (31u << 20) | (7u << 17) | (23u << 12) | 3599u);
    tz_dst_rule_decode(&r, bits);
    assert_memory_equal(&r, &max, sizeof r);
    tz_dst_rule one = {0, 0, 0, 0, 0, 1};
    assert_int_equal(tz_dst_rule_encode(&one), 1);
    one = (tz_dst_rule){0, 0, 0, 0, 1, 0};
    assert_int_equal(tz_dst_rule_encode(&one), 1u << 12);
    one = (tz_dst_rule){0, 0, 0, 1, 0, 0};
    assert_int_equal(tz_dst_rule_encode(&one), 1u << 17);
    one = (tz_dst_rule){0, 0, 1, 0, 0, 0};
    assert_int_equal(tz_dst_rule_encode(&one), 1u << 20);
    one = (tz_dst_rule){0, 1, 0, 0, 0, 0};
    assert_int_equal(tz_dst_rule_encode(&one), 1u << 25);
    one = (tz_dst_rule){1, 0, 0, 0, 0, 0};
    assert_int_equal(tz_dst_rule_encode(&one), 1u << 28);

    /* Round trip over every valid combination of the small fields. */
    for (int month = 1; month <= 12; month++)
        for (int op = 0; op <= 7; op++)
            for (int dom = 0; dom <= 31; dom++)
                for (int dow = 0; dow <= 7; dow++) {
                    tz_dst_rule in = {
                        month, op, dom, dow, (month + dom) % 24, (op * 977 + dow * 131) % 3600};
                    tz_dst_rule back;
                    tz_dst_rule_decode(&back, tz_dst_rule_encode(&in));
                    if (memcmp(&in, &back, sizeof in) != 0)
                        fail_msg("rule %d/%d/%d/%d does not round-trip", month, op, dom, dow);
                }
}

static void test_dst_rule_valid(void **state)
{
    (void)state;
    static const struct {
        tz_dst_rule r;
        bool valid;
    } cases[] = {
        {{3, 3, 0, 7, 2, 0}, true},  /* second Sunday in March */
        {{11, 2, 0, 7, 2, 0}, true}, /* first Sunday in November */
        {{10, 7, 0, 7, 3, 0}, true}, /* last Sunday in October */
        {{3, 0, 1, 0, 2, 0}, true},  /* March 1 */
        {{4, 1, 15, 5, 0, 0}, true}, /* Friday on or after April 15 */
        {{12, 0, 31, 0, 23, 3599}, true},
        {{0, 3, 0, 7, 2, 0}, false},  /* month 0 */
        {{13, 3, 0, 7, 2, 0}, false}, /* month 13 */
        {{3, 0, 0, 0, 2, 0}, false},  /* op 0 needs a day of month */
        {{3, 1, 0, 7, 2, 0}, false},  /* op 1 needs a day of month */
        {{3, 1, 15, 0, 2, 0}, false}, /* ... and a weekday */
        {{3, 3, 0, 0, 2, 0}, false},  /* op 3 needs a weekday */
        {{3, 8, 0, 7, 2, 0}, false},  /* op beyond 7 */
        {{3, -1, 0, 7, 2, 0}, false},
        {{3, 3, 32, 7, 2, 0}, false}, /* day of month 32 */
        {{3, 3, 0, 8, 2, 0}, false},  /* weekday 8 */
        {{3, 3, 0, 7, 24, 0}, false}, /* hour 24 */
        {{3, 3, 0, 7, -1, 0}, false},
        {{3, 3, 0, 7, 2, 3600}, false}, /* seconds beyond the hour */
        {{3, 3, 0, 7, 2, -1}, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (tz_dst_rule_valid(&cases[i].r) != cases[i].valid)
            fail_msg("case %zu: valid should be %d", i, cases[i].valid);

    /* Two-octet values (SCE's B40E, B60E) decode to month 0: not valid. */
    static const uint32_t bad[] = {0xB40E, 0xB60E, 0x00000000};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tz_dst_rule r;
        tz_dst_rule_decode(&r, bad[i]);
        if (tz_dst_rule_valid(&r))
            fail_msg("%08X decodes to a valid rule", bad[i]);
    }
    /* An epoch written as a rule (Enbridge's 65ED5A70) has every field in
     * range: June, op 2, dom 30, Saturday, 21:00 + 2672 s. Field ranges
     * alone cannot catch it; the decode must still be exact. */
    tz_dst_rule e;
    tz_dst_rule_decode(&e, 0x65ED5A70);
    tz_dst_rule want = {6, 2, 30, 6, 21, 2672};
    assert_memory_equal(&e, &want, sizeof e);
    tz_dst_rule r;
    tz_dst_rule_decode(&r, TZ_DST_RULE_NONE);
    assert_false(tz_dst_rule_valid(&r));
}

/* ------------------------------------------------------------------ */
/* Loading                                                             */
/* ------------------------------------------------------------------ */

static void expect_load_fail(const char *spec, const char *code)
{
    espi_tz *tz = (espi_tz *)&tz; /* any non-NULL value: the call must clear it */
    espi_error err;
    memset(&err, 0, sizeof err);
    int rc = espi_tz_load(&tz, spec, &err);
    if (rc != ESPI_E_ARG)
        fail_msg("'%s' loaded (%d), expected ESPI_E_ARG", spec, rc);
    assert_null(tz);
    assert_int_equal(err.status, ESPI_E_ARG);
    if (strcmp(err.code, code) != 0)
        fail_msg("'%s': code %s, expected %s", spec, err.code, code);
    assert_true(strlen(err.message) > 10);
}

static void test_load_errors(void **state)
{
    (void)state;
    expect_load_fail("", "tz-empty");
    expect_load_fail("America/Nowhere", "tz-unknown");
    expect_load_fail("../../etc/passwd", "tz-unknown");
    expect_load_fail("America/../../../etc/passwd", "tz-unknown");
    /* Enough ".." to reach /etc from any zone folder: still not looked up. */
    expect_load_fail("../../../../../../../../etc/passwd", "tz-unknown");
    expect_load_fail("America", "tz-unknown"); /* a folder */
    expect_load_fail("PST", "tz-unknown");
    expect_load_fail("/nonexistent/zone", "tz-unknown");
    if (file_exists("/etc/hostname")) {
        expect_load_fail("/etc/hostname", "tz-file");
        espi_error err;
        espi_tz *tz;
        espi_tz_load(&tz, "/etc/hostname", &err);
        assert_non_null(strstr(err.message, "/etc/hostname"));
    } else {
        print_message("note: /etc/hostname absent; non-TZif file not checked\n");
    }
    expect_load_fail("/etc/passwd", "tz-file");
    /* err may be NULL. */
    espi_tz *tz;
    assert_int_equal(espi_tz_load(&tz, "America/Nowhere", NULL), ESPI_E_ARG);
    assert_null(tz);
    /* The ':' prefix of the TZ variable is accepted and not part of the name. */
    tz = load(":America/Los_Angeles");
    assert_string_equal(espi_tz_name(tz), "America/Los_Angeles");
    expect_offset(tz, 1782907200, -25200, 1);
    espi_tz_free(tz);
    tz = load("/usr/share/zoneinfo/Asia/Tokyo");
    expect_offset(tz, 1782907200, 32400, 0);
    espi_tz_free(tz);
}

static void test_load_leap_seconds(void **state)
{
    (void)state;
    if (!file_exists("/usr/share/zoneinfo/right/America/Los_Angeles")) {
        print_message("note: right/America/Los_Angeles not installed; leap-second zone "
                      "not checked\n");
        return;
    }
    expect_load_fail("right/America/Los_Angeles", "tz-leap");
    espi_error err;
    espi_tz *tz;
    espi_tz_load(&tz, "right/America/Los_Angeles", &err);
    assert_non_null(strstr(err.message, "leap seconds"));
}

typedef struct blob {
    unsigned char data[65536];
    size_t size;
} blob;

static void read_blob(blob *b, const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    b->size = fread(b->data, 1, sizeof b->data, f);
    fclose(f);
    assert_true(b->size > 44 && b->size < sizeof b->data);
}

static void write_blob(const char *path, const unsigned char *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, size, f), size);
    assert_int_equal(fclose(f), 0);
}

static uint32_t be32_at(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A temporary folder holding edited copies of the Los Angeles TZif file. */
typedef struct tzif_fixture {
    char dir[64];
    blob la;
    unsigned char copy[65536];
} tzif_fixture;

static const char *const fixture_files[] = {"short", "v1", "Test/Zone", "Test"};

static int tzif_setup(void **state)
{
    tzif_fixture *fx = calloc(1, sizeof *fx);
    if (fx == NULL)
        return -1;
    snprintf(fx->dir, sizeof fx->dir, "/tmp/espi_test_tz_XXXXXX");
    if (mkdtemp(fx->dir) == NULL) {
        free(fx);
        return -1;
    }
    read_blob(&fx->la, "/usr/share/zoneinfo/America/Los_Angeles");
    *state = fx;
    return 0;
}

static int tzif_teardown(void **state)
{
    tzif_fixture *fx = *state;
    char path[128];
    for (size_t i = 0; i < sizeof fixture_files / sizeof fixture_files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", fx->dir, fixture_files[i]);
        remove(path);
    }
    rmdir(fx->dir);
    free(fx);
    return 0;
}

static void test_tzif_damaged(void **state)
{
    tzif_fixture *fx = *state;
    const blob *la = &fx->la;
    char path[128];
    snprintf(path, sizeof path, "%s/short", fx->dir);
    write_blob(path, la->data, 30);
    expect_load_fail(path, "tz-file");
    write_blob(path, la->data, la->size / 2);
    expect_load_fail(path, "tz-file");
    write_blob(path, la->data, la->size - 1); /* footer without its newline */
    expect_load_fail(path, "tz-file");

    /* A footer that is not a TZ string. */
    const unsigned char *nl = memchr(la->data + la->size - 40, '\n', 40);
    assert_non_null(nl);
    size_t body = (size_t)(nl - la->data);
    static const char bad_footer[] = "\nPST8PDT,M13.1.0,M11.1.0\n";
    memcpy(fx->copy, la->data, body);
    memcpy(fx->copy + body, bad_footer, sizeof bad_footer - 1);
    write_blob(path, fx->copy, body + sizeof bad_footer - 1);
    expect_load_fail(path, "tz-file");
}

/* A zone name is looked up in $TZDIR when it is set. */
static void test_tzif_tzdir(void **state)
{
    tzif_fixture *fx = *state;
    char path[128];
    snprintf(path, sizeof path, "%s/Test", fx->dir);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof path, "%s/Test/Zone", fx->dir);
    write_blob(path, fx->la.data, fx->la.size);
    const char *old = getenv("TZDIR");
    char saved[512] = "";
    if (old)
        snprintf(saved, sizeof saved, "%s", old);
    assert_int_equal(setenv("TZDIR", fx->dir, 1), 0);
    espi_tz *tz = load("Test/Zone");
    expect_offset(tz, 1782907200, -25200, 1);
    expect_gap(tz, wall_of(2026, 3, 8, 2, 30), 1772964000);
    espi_tz_free(tz);
    if (old)
        setenv("TZDIR", saved, 1);
    else
        unsetenv("TZDIR");
}

/* Version 1 only: the 32-bit block, no footer. Only a "fat" file has
 * transitions for 2026 in that block. */
static void test_tzif_version1(void **state)
{
    tzif_fixture *fx = *state;
    const unsigned char *h = fx->la.data;
    uint32_t isut = be32_at(h + 20), isstd = be32_at(h + 24), leap = be32_at(h + 28),
             timecnt = be32_at(h + 32), typecnt = be32_at(h + 36), charcnt = be32_at(h + 40);
    size_t v1 = 44 + timecnt * 5 + typecnt * 6 + charcnt + leap * 8 + isstd + isut;
    int64_t last = timecnt ? (int32_t)be32_at(h + 44 + (timecnt - 1) * 4) : 0;
    if (last < 1798761600) { /* 2027-01-01 */
        print_message("note: slim TZif data; version 1 block not checked\n");
        return;
    }
    memcpy(fx->copy, h, v1);
    fx->copy[4] = 0;
    char path[128];
    snprintf(path, sizeof path, "%s/v1", fx->dir);
    write_blob(path, fx->copy, v1);
    espi_tz *tz = load(path);
    expect_offset(tz, 1768478400, -28800, 0);
    expect_offset(tz, 1782907200, -25200, 1);
    expect_wall(tz, wall_of(2026, 11, 1, 1, 30), 2, 1793521800, 1793525400);
    espi_tz_free(tz);
}

/* ------------------------------------------------------------------ */
/* Threads                                                             */
/* ------------------------------------------------------------------ */

#define THREAD_WALLS (2 * 365 * 48)

typedef struct thread_job {
    const char *zone;
    int64_t first;
    int count[THREAD_WALLS];
    int64_t out[THREAD_WALLS][2];
    int64_t gap[THREAD_WALLS];
    long mismatches;
} thread_job;

/* Converts every half hour of two years; when check is set, counts the
 * results that differ from what is already in the job. */
static void convert_all(thread_job *job, const espi_tz *tz, bool check)
{
    for (int i = 0; i < THREAD_WALLS; i++) {
        int64_t out[2] = {0, 0}, gap = 0;
        int n = espi_tz_wall_to_utc(out, &gap, tz, job->first + (int64_t)i * 1800);
        if (!check) {
            job->count[i] = n;
            memcpy(job->out[i], out, sizeof out);
            job->gap[i] = gap;
        } else if (n != job->count[i] || out[0] != job->out[i][0] || out[1] != job->out[i][1] ||
                   gap != job->gap[i]) {
            job->mismatches++;
        }
    }
}

static void *thread_main(void *arg)
{
    thread_job *job = arg;
    espi_tz *tz = NULL;
    if (espi_tz_load(&tz, job->zone, NULL) != 0) {
        job->mismatches = -1;
        return NULL;
    }
    for (int round = 0; round < 8; round++)
        convert_all(job, tz, true);
    espi_tz_free(tz);
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    static thread_job jobs[2];
    jobs[0].zone = "America/Los_Angeles";
    jobs[1].zone = "Australia/Sydney";
    for (int i = 0; i < 2; i++) {
        jobs[i].first = wall_of(2026, 1, 1, 0, 0);
        jobs[i].mismatches = 0;
        espi_tz *tz = load(jobs[i].zone);
        convert_all(&jobs[i], tz, false);
        espi_tz_free(tz);
    }
    /* Sanity: the reference results contain gaps and repeats. */
    int gaps = 0, repeats = 0;
    for (int i = 0; i < THREAD_WALLS; i++)
        gaps += jobs[0].count[i] == 0, repeats += jobs[0].count[i] == 2;
    assert_int_equal(gaps, 2 * 2);    /* two half hours a year, two years */
    assert_int_equal(repeats, 2 * 2); /* the same for the repeated hour */
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&th[i], NULL, thread_main, &jobs[i]), 0);
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);
    assert_int_equal(jobs[0].mismatches, 0);
    assert_int_equal(jobs[1].mismatches, 0);
}

/* Lookups start from the segment this thread found last (a guess checked
 * at each use). Whatever came before, a lookup must answer as a cold one:
 * walked forward, backward, by strides, and with lookups in a zone of a few
 * transitions (Tokyo: a guess past its table) or many in between. The
 * instants span the table's first transition and its end (the POSIX rule). */
#define ORDER_STEPS 4000

typedef struct lookup {
    int32_t offset;
    int dst, found;
    int64_t utc[2], gap_end;
} lookup;

static lookup look_up(const espi_tz *tz, int64_t t)
{
    lookup l = {0, 0, 0, {0, 0}, t};
    l.offset = espi_tz_offset_at(&l.dst, tz, t);
    l.found = espi_tz_wall_to_utc(l.utc, &l.gap_end, tz, t);
    return l;
}

static bool same_lookup(const lookup *a, const lookup *b)
{
    return a->offset == b->offset && a->dst == b->dst && a->found == b->found &&
           a->utc[0] == b->utc[0] && a->utc[1] == b->utc[1] && a->gap_end == b->gap_end;
}

static int64_t order_instant(int i)
{
    /* 1880 to 2045 in steps of about 15 days, and a week of 15 minutes
     * around each 2026 change */
    if (i < 2 * 672) {
        int64_t change = i < 672 ? wall_of(2026, 3, 8, 0, 0) : wall_of(2026, 11, 1, 0, 0);
        return change - 3 * DAY + (i % 672) * 900;
    }
    int64_t from = wall_of(1880, 1, 1, 0, 0), to = wall_of(2045, 1, 1, 0, 0);
    return from + (to - from) / (ORDER_STEPS - 2 * 672) * (i - 2 * 672);
}

static void check_order(const espi_tz *tz, const espi_tz *other, const lookup *want, int stride,
                        bool backward, bool interleave)
{
    for (int k = 0; k < ORDER_STEPS; k++) {
        int i = (int)(((int64_t)k * stride) % ORDER_STEPS);
        if (backward)
            i = ORDER_STEPS - 1 - i;
        if (interleave)
            (void)look_up(other, order_instant((i * 7) % ORDER_STEPS));
        int64_t t = order_instant(i);
        lookup got = look_up(tz, t);
        if (!same_lookup(&got, &want[i]))
            fail_msg("instant %lld (stride %d%s%s): offset %d/%d found %d/%d", (long long)t, stride,
                     backward ? ", backward" : "", interleave ? ", interleaved" : "", got.offset,
                     want[i].offset, got.found, want[i].found);
    }
}

static void test_lookup_order(void **state)
{
    (void)state;
    espi_tz *la = load("America/Los_Angeles"), *tokyo = load("Asia/Tokyo");
    static lookup want[2][ORDER_STEPS];
    espi_tz *zones[2] = {la, tokyo};
    for (int z = 0; z < 2; z++)
        for (int i = 0; i < ORDER_STEPS; i++) {
            /* cold: the other zone looked up last, far from this instant */
            (void)look_up(zones[1 - z], order_instant(ORDER_STEPS - 1 - i));
            want[z][i] = look_up(zones[z], order_instant(i));
        }
    /* Sanity: the instants meet a gap and a repeat, and the POSIX rule. */
    int gaps = 0, repeats = 0;
    for (int i = 0; i < ORDER_STEPS; i++)
        gaps += want[0][i].found == 0, repeats += want[0][i].found == 2;
    assert_true(gaps > 0 && repeats > 0);
    assert_int_equal(want[0][ORDER_STEPS - 1].offset, -8 * HOUR);
    for (int z = 0; z < 2; z++) {
        const int strides[] = {1, 2, 7, 1999};
        for (size_t s = 0; s < sizeof strides / sizeof strides[0]; s++)
            for (int b = 0; b < 2; b++)
                for (int in = 0; in < 2; in++)
                    check_order(zones[z], zones[1 - z], want[z], strides[s], b, in);
    }
    espi_tz_free(la);
    espi_tz_free(tokyo);
}

/* ------------------------------------------------------------------ */
/* Zone advice                                                         */
/* ------------------------------------------------------------------ */

static void test_format_offset(void **state)
{
    (void)state;
    char buf[16];
    const struct {
        int32_t offset;
        const char *text;
    } cases[] = {{-5 * HOUR, "UTC-5"},  {0, "UTC+0"},         {19800, "UTC+5:30"},
                 {20700, "UTC+5:45"},   {-34200, "UTC-9:30"}, {14 * HOUR, "UTC+14"},
                 {-12 * HOUR, "UTC-12"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tz_format_offset(buf, cases[i].offset);
        assert_string_equal(buf, cases[i].text);
    }
}

/* The zones at an offset depend on the instant: UTC-5 is New York in
 * winter and Chicago in summer. */
static void test_zones_at_offset(void **state)
{
    (void)state;
    const char *names[8];
    int64_t winter = wall_of(2026, 1, 15, 5, 0), summer = wall_of(2026, 7, 15, 5, 0);
    size_t n = tz_zones_at_offset(names, 8, winter, -5 * HOUR);
    assert_true(n >= 2);
    assert_string_equal(names[0], "America/New_York");
    n = tz_zones_at_offset(names, 8, summer, -5 * HOUR);
    assert_true(n >= 2);
    assert_string_equal(names[0], "America/Chicago");
    n = tz_zones_at_offset(names, 1, summer, -6 * HOUR);
    assert_int_equal(n, 1);
    assert_string_equal(names[0], "America/Denver");
    n = tz_zones_at_offset(names, 8, summer, 20700);
    assert_int_equal(n, 1);
    assert_string_equal(names[0], "Asia/Kathmandu");
    assert_int_equal(tz_zones_at_offset(names, 8, summer, -8100), 0); /* UTC-2:15 */
    assert_int_equal(tz_zones_at_offset(names, 0, summer, -5 * HOUR), 0);
}

static void test_suggest_zones(void **state)
{
    (void)state;
    char buf[256];
    size_t len = 0;
    tz_suggest_zones(buf, sizeof buf, &len, wall_of(2026, 1, 15, 5, 0), -5 * HOUR);
    assert_string_equal(buf, "give --tz America/New_York or another UTC-5 zone (America/Cancun, "
                             "America/Bogota, America/Lima)");
    len = 0;
    tz_suggest_zones(buf, sizeof buf, &len, wall_of(2026, 7, 15, 5, 0), 20700);
    assert_string_equal(buf, "give --tz Asia/Kathmandu or another UTC+5:45 zone");
    len = 0;
    tz_suggest_zones(buf, sizeof buf, &len, wall_of(2026, 7, 15, 5, 0), -8100);
    assert_string_equal(buf, "give --tz with a zone at UTC-2:15 then");
    /* appended, and cut rather than overrun */
    char small[24] = "x: ";
    len = 3;
    tz_suggest_zones(small, sizeof small, &len, wall_of(2026, 1, 15, 5, 0), -5 * HOUR);
    assert_string_equal(small, "x: give --tz America/Ne");
}

static void test_same_offsets(void **state)
{
    (void)state;
    espi_tz *la = load("America/Los_Angeles"), *posix = load("PST8PDT,M3.2.0,M11.1.0");
    espi_tz *denver = load("America/Denver"), *phoenix = load("America/Phoenix");
    int64_t from = wall_of(2026, 1, 1, 0, 0), until = wall_of(2027, 1, 1, 0, 0), at = 0;
    assert_true(tz_same_offsets(la, posix, from, until, &at));
    assert_true(tz_same_offsets(la, la, from, until, NULL));
    assert_false(tz_same_offsets(la, phoenix, from, until, &at));
    assert_i64_equal(at, from);
    /* the same offset all winter: they differ from Denver's spring-forward on */
    assert_false(tz_same_offsets(denver, phoenix, from, until, &at));
    assert_i64_equal(at, wall_of(2026, 3, 8, 9, 0));
    assert_true(tz_same_offsets(denver, phoenix, from, wall_of(2026, 3, 8, 9, 0), NULL));
    espi_tz_free(la);
    espi_tz_free(posix);
    espi_tz_free(denver);
    espi_tz_free(phoenix);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_civil_anchors),
        cmocka_unit_test(test_civil_walk),
        cmocka_unit_test(test_days_of),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_format_extremes),
        cmocka_unit_test(test_time_parse_accepts),
        cmocka_unit_test(test_time_parse_rejects),
        cmocka_unit_test(test_posix_us),
        cmocka_unit_test(test_posix_quoted_names),
        cmocka_unit_test(test_posix_south_and_europe),
        cmocka_unit_test(test_posix_day_forms),
        cmocka_unit_test(test_posix_month_rules),
        cmocka_unit_test(test_posix_extended_times),
        cmocka_unit_test(test_posix_rejects),
        cmocka_unit_test(test_los_angeles),
        cmocka_unit_test(test_new_york),
        cmocka_unit_test(test_sydney),
        cmocka_unit_test(test_no_dst),
        cmocka_unit_test(test_far_years),
        cmocka_unit_test(test_posix_matches_iana),
        cmocka_unit_test(test_negative_rule_time),
        cmocka_unit_test(test_time_params),
        cmocka_unit_test(test_time_params_julian),
        cmocka_unit_test(test_time_params_shifted),
        cmocka_unit_test(test_time_params_unencodable),
        cmocka_unit_test(test_dst_rule_codec),
        cmocka_unit_test(test_dst_rule_valid),
        cmocka_unit_test(test_load_errors),
        cmocka_unit_test(test_load_leap_seconds),
        cmocka_unit_test_setup_teardown(test_tzif_damaged, tzif_setup, tzif_teardown),
        cmocka_unit_test_setup_teardown(test_tzif_tzdir, tzif_setup, tzif_teardown),
        cmocka_unit_test_setup_teardown(test_tzif_version1, tzif_setup, tzif_teardown),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_lookup_order),
        cmocka_unit_test(test_format_offset),
        cmocka_unit_test(test_zones_at_offset),
        cmocka_unit_test(test_suggest_zones),
        cmocka_unit_test(test_same_offsets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
