/* SPDX-License-Identifier: Apache-2.0 */
/* test_smarthub.c - the SmartHub poll reader: status and syntax errors with
 * locations, joins, units, flow directions, costs, gaps, DST per point, the
 * zone guard, stray points, time of use, gas and water, flow names. */
#include "testutil.h"

#include "convert/model.h"

#include <stdlib.h>
#include <string.h>

/* 2026-06-15 00:00 as wall-clock milliseconds (SmartHub's "fake UTC"). */
#define JUNE15 1781481600000LL
#define HOUR_MS 3600000LL
/* 2026-03-08 00:00 and 2026-11-01 00:00, the DST days in Los Angeles. */
#define MARCH8 1772928000000LL
#define NOV1 1793491200000LL

typedef struct fixture {
    espi_tz *tz;
    espi_feed *feed;
    espi_error err;
    test_diags diags;
    int rc;
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
    espi_feed_free(f->feed);
    espi_tz_free(f->tz);
    free(f);
    return 0;
}

static int read_text(fixture *f, const char *json)
{
    espi_feed_free(f->feed);
    f->feed = NULL;
    memset(&f->diags, 0, sizeof f->diags);
    FILE *in = test_stream(json);
    espi_smarthub_options opts = {f->tz, test_collect_diag, &f->diags};
    f->rc = espi_smarthub_read(&f->feed, in, "poll.json", &opts, &f->err);
    fclose(in);
    return f->rc;
}

/* A COMPLETE response with one USAGE entry of one meter. */
#define ONE_SERIES_FMT                                                                             \
    "{\"status\":\"COMPLETE\",\"data\":{\"ELECTRIC\":[{\"type\":\"USAGE\","                        \
    "\"unitOfMeasure\":\"KWH\",\"accountNumber\":\"4400123001\","                                  \
    "\"serviceLocationNumber\":\"71005500\",\"timeFrame\":\"%s\",%s"                               \
    "\"meters\":[{\"meterNumber\":\"88120045\",\"seriesId\":\"S1\","                               \
    "\"flowDirection\":\"%s\"}],"                                                                  \
    "\"series\":[{\"name\":\"S1\",\"data\":[%s]}]}]}}"

static char *one_series(const char *flow, const char *time_frame, const char *points,
                        const char *extra_entry_fields)
{
    size_t n = strlen(ONE_SERIES_FMT) + strlen(points) + strlen(extra_entry_fields) + 64;
    char *s = malloc(n);
    assert_non_null(s);
    snprintf(s, n, ONE_SERIES_FMT, time_frame, extra_entry_fields, flow, points);
    return s;
}

static char *points_hourly(long long start_ms, int count, const char *value)
{
    size_t n = (size_t)count * 64 + 1;
    char *s = malloc(n);
    assert_non_null(s);
    size_t len = 0;
    s[0] = '\0';
    for (int i = 0; i < count; i++)
        len += (size_t)snprintf(s + len, n - len, "%s{\"x\":%lld,\"y\":%s}", i ? "," : "",
                                start_ms + i * HOUR_MS, value);
    return s;
}

static model_channel *channel(const fixture *f, size_t i)
{
    assert_non_null(f->feed);
    assert_true(f->feed->nusage_points >= 1);
    assert_true(f->feed->usage_points[0]->nchannels > i);
    return f->feed->usage_points[0]->channels[i];
}

/* Reads json through the converter with options co (its zone, callback and
 * context are the fixture's): strict, series_flows, tz_explicit. */
static int read_with(fixture *f, const char *json, espi_convert_options *co)
{
    espi_feed_free(f->feed);
    f->feed = NULL;
    memset(&f->diags, 0, sizeof f->diags);
    co->tz = f->tz;
    co->on_diag = test_collect_diag;
    co->diag_ctx = &f->diags;
    espi_converter *c = NULL;
    FILE *in = test_stream(json);
    f->rc = espi_converter_new(&c, co, &f->err);
    if (f->rc == 0)
        f->rc = espi_converter_add(c, in, "poll.json", ESPI_FORMAT_SMARTHUB_JSON, &f->err);
    if (f->rc == 0)
        f->rc = espi_converter_finish(c, &f->feed, &f->err);
    espi_converter_free(c);
    fclose(in);
    return f->rc;
}

static void expect_error(fixture *f, const char *json, const char *code, unsigned long line)
{
    assert_int_equal(read_text(f, json), ESPI_E_INPUT);
    assert_null(f->feed);
    assert_string_equal(f->err.code, code);
    assert_string_equal(f->err.file, "poll.json");
    if (line)
        assert_int_equal(f->err.line, line);
    assert_true(strlen(f->err.message) > 10);
}

/* ------------------------------------------------------------------ */
/* Status and syntax                                                   */
/* ------------------------------------------------------------------ */

static void test_status_errors(void **state)
{
    fixture *f = *state;
    expect_error(f, "{\"status\":\"PENDING\"}", "smarthub-pending", 1);
    assert_non_null(strstr(f->err.message, "poll again"));
    expect_error(f, "{\"status\":\"FAILED\",\"data\":{}}", "smarthub-status", 1);
    assert_non_null(strstr(f->err.message, "FAILED"));
    expect_error(f, "{\n\"data\":{},\n\"status\":\"WEIRD\"}", "smarthub-status", 3);
    expect_error(f, "{\"data\":{}}", "smarthub-no-status", 0);
}

static void test_not_json(void **state)
{
    fixture *f = *state;
    expect_error(f, "\n  <!DOCTYPE html><html><body>Error</body></html>", "smarthub-html", 1);
    expect_error(f, "", "smarthub-empty", 0);
    expect_error(f, " \n\t\n", "smarthub-empty", 0);
    expect_error(f, "[1,2]", "smarthub-bad-structure", 1);
    expect_error(f, "42", "smarthub-not-object", 1);
}

static void test_json_syntax_location(void **state)
{
    fixture *f = *state;
    expect_error(f, "{\n  \"status\": \"COMPLETE\",\n  \"data\": {\n    \"ELECTRIC\": [ }\n",
                 "json-syntax", 4);
    assert_true(f->err.column > 0);
    expect_error(f, "{\"status\":\"COMPLETE\",\n\"data\":{", "json-syntax", 2);
    assert_non_null(strstr(f->err.message, "premature"));
}

/* An error far into a large input is placed on its line, across chunks. */
static void test_error_line_after_many_chunks(void **state)
{
    fixture *f = *state;
    size_t lines = 60000, n = lines * 40 + 256;
    char *json = malloc(n);
    assert_non_null(json);
    size_t len = (size_t)snprintf(json, n, "{\"status\":\"COMPLETE\",\"padding\":[\n");
    for (size_t i = 0; i < lines; i++)
        len += (size_t)snprintf(json + len, n - len, "%zu,\n", i);
    snprintf(json + len, n - len, "1 2]}");
    expect_error(f, json, "json-syntax", lines + 2);
    free(json);
}

static void test_bom_accepted(void **state)
{
    fixture *f = *state;
    char *points = points_hourly(JUNE15, 3, "0.5");
    char *body = one_series("FORWARD", "HOURLY", points, "");
    char *json = malloc(strlen(body) + 4);
    assert_non_null(json);
    memcpy(json, "\xEF\xBB\xBF", 3);
    memcpy(json + 3, body, strlen(body) + 1);
    assert_int_equal(read_text(f, json), 0);
    assert_int_equal(channel(f, 0)->nreadings, 3);
    free(json);
    free(body);
    free(points);
}

static void test_too_deep(void **state)
{
    fixture *f = *state;
    char json[1024];
    size_t len = (size_t)snprintf(json, sizeof json, "{\"status\":\"COMPLETE\",\"x\":");
    for (int i = 0; i < 100; i++)
        json[len++] = '[';
    for (int i = 0; i < 100; i++)
        json[len++] = ']';
    json[len++] = '}';
    json[len] = '\0';
    expect_error(f, json, "json-too-deep", 1);
}

/* ------------------------------------------------------------------ */
/* What is read and what is not                                        */
/* ------------------------------------------------------------------ */

static void test_no_usable_points(void **state)
{
    fixture *f = *state;
    char *points = points_hourly(JUNE15, 4, "null");
    char *json = one_series("FORWARD", "HOURLY", points, "");
    expect_error(f, json, "smarthub-no-points", 0);
    expect_error(f, "{\"status\":\"COMPLETE\",\"data\":{\"ELECTRIC\":[]}}", "smarthub-no-points",
                 0);
    expect_error(f, "{\"status\":\"COMPLETE\",\"data\":{}}", "smarthub-no-points", 0);
    free(json);
    free(points);
}

static void test_gaps_and_zeros(void **state)
{
    fixture *f = *state;
    char points[512];
    snprintf(points, sizeof points,
             "{\"x\":%lld,\"y\":0.5},{\"x\":%lld,\"y\":null},{\"x\":%lld,\"y\":0},"
             "{\"x\":%lld,\"y\":0.0},{\"x\":%lld}",
             JUNE15, JUNE15 + HOUR_MS, JUNE15 + 2 * HOUR_MS, JUNE15 + 3 * HOUR_MS,
             JUNE15 + 4 * HOUR_MS);
    char *json = one_series("FORWARD", "HOURLY", points, "");
    assert_int_equal(read_text(f, json), 0);
    model_channel *ch = channel(f, 0);
    /* null and a missing y are gaps; 0 is a reading */
    assert_int_equal(ch->nreadings, 3);
    assert_int_equal(ch->readings[0].value, 500);
    assert_int_equal(ch->readings[1].value, 0);
    assert_int_equal(ch->readings[2].value, 0);
    assert_int_equal(ch->readings[1].start - ch->readings[0].start, 7200);
    free(json);
}

static void test_exact_watt_hours(void **state)
{
    fixture *f = *state;
    char points[512];
    snprintf(points, sizeof points,
             "{\"x\":%lld,\"y\":0.87},{\"x\":%lld,\"y\":57.029999999999994},"
             "{\"x\":%lld,\"y\":\"1.25\"},{\"x\":%lld,\"y\":1.5e-3},{\"x\":%lld,\"y\":0.0004}",
             JUNE15, JUNE15 + HOUR_MS, JUNE15 + 2 * HOUR_MS, JUNE15 + 3 * HOUR_MS,
             JUNE15 + 4 * HOUR_MS);
    char *json = one_series("FORWARD", "HOURLY", points, "");
    assert_int_equal(read_text(f, json), 0);
    model_channel *ch = channel(f, 0);
    assert_int_equal(ch->nreadings, 5);
    assert_int_equal(ch->readings[0].value, 870);
    assert_int_equal(ch->readings[1].value, 57030);
    assert_int_equal(ch->readings[2].value, 1250);
    assert_int_equal(ch->readings[3].value, 2);
    assert_int_equal(ch->readings[4].value, 0);
    /* float noise passes silently; a real sub-Wh digit is reported once */
    int w = test_diag_find(&f->diags, "value-rounded");
    assert_true(w >= 0);
    assert_int_equal(f->diags.warnings, 1);
    free(json);
}

static void test_bad_points(void **state)
{
    fixture *f = *state;
    static const struct {
        const char *points;
        const char *code;
    } cases[] = {
        {"{\"x\":1781481600000,\"y\":\"n/a\"}", "smarthub-bad-y"},
        {"{\"x\":1781481600000,\"y\":true}", "smarthub-bad-y"},
        {"{\"y\":0.5}", "smarthub-point-no-x"},
        {"{\"x\":1781481600000.5,\"y\":0.5}", "smarthub-bad-x"}, /* not whole ms */
        {"{\"x\":1781481600123,\"y\":0.5}", "smarthub-bad-x"},   /* not whole seconds */
        {"{\"x\":253402300800000,\"y\":0.5}", "smarthub-bad-x"}, /* year 10000 */
        {"[1,2]", "smarthub-bad-structure"},
        {"17", "smarthub-bad-point"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *json = one_series("FORWARD", "HOURLY", cases[i].points, "");
        expect_error(f, json, cases[i].code, 1);
        free(json);
    }
}

static void test_flow_directions(void **state)
{
    fixture *f = *state;
    static const struct {
        const char *name;
        int espi;
        const char *y;
        int64_t wh;
    } cases[] = {
        {"FORWARD", 1, "1.5", 1500}, {"TOTAL", 1, "1.5", 1500},  {"REVERSE", 19, "-1.5", 1500},
        {"RETURN", 19, "1.5", 1500}, {"RETURN", 19, "-2", 2000}, {"NET", 4, "-1.5", -1500},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *points = points_hourly(JUNE15, 2, cases[i].y);
        char *json = one_series(cases[i].name, "HOURLY", points, "");
        assert_int_equal(read_text(f, json), 0);
        assert_int_equal(channel(f, 0)->rt.flow_direction, cases[i].espi);
        assert_int_equal(channel(f, 0)->readings[0].value, cases[i].wh);
        free(json);
        free(points);
    }
    char *points = points_hourly(JUNE15, 2, "1");
    char *json = one_series("SIDEWAYS", "HOURLY", points, "");
    expect_error(f, json, "smarthub-flow", 0);
    assert_non_null(strstr(f->err.message, "SIDEWAYS"));
    free(json);
    free(points);
}

static void test_meters_join(void **state)
{
    fixture *f = *state;
    /* series name with no meter entry of that seriesId */
    const char *no_match =
        "{\"status\":\"COMPLETE\",\"data\":{\"ELECTRIC\":[{\"type\":\"USAGE\","
        "\"meters\":[{\"meterNumber\":\"1\",\"seriesId\":\"A\",\"flowDirection\":\"FORWARD\"}],"
        "\"series\":[{\"name\":\"B\",\"data\":[{\"x\":1781481600000,\"y\":1}]}]}]}}";
    expect_error(f, no_match, "smarthub-no-meter", 1);
    /* no meters at all: read as forward, with a warning */
    const char *no_meters =
        "{\"status\":\"COMPLETE\",\"data\":{\"ELECTRIC\":[{\"type\":\"USAGE\",\"timeFrame\":"
        "\"HOURLY\",\"series\":[{\"name\":\"B\",\"meterNumber\":\"77\",\"data\":[{\"x\":"
        "1781481600000,\"y\":1},{\"x\":1781485200000,\"y\":2}]}]}]}}";
    assert_int_equal(read_text(f, no_meters), 0);
    assert_int_equal(channel(f, 0)->rt.flow_direction, 1);
    assert_string_equal(channel(f, 0)->meter, "77");
    assert_true(test_diag_find(&f->diags, "smarthub-no-meters") >= 0);
}

/* Two meters (house and solar) and three channels at one location. */
static void test_several_meters(void **state)
{
    fixture *f = *state;
    char *p = points_hourly(JUNE15, 3, "1");
    size_t n = 3 * strlen(p) + 1024;
    char *json = malloc(n);
    assert_non_null(json);
    snprintf(json, n,
             "{\"status\":\"COMPLETE\",\"data\":{\"ELECTRIC\":[{\"type\":\"USAGE\","
             "\"accountNumber\":4400123001,\"serviceLocationNumber\":71005500,"
             "\"meters\":["
             "{\"meterNumber\":\"H\",\"seriesId\":\"H - Consumption\",\"flowDirection\":"
             "\"FORWARD\"},"
             "{\"meterNumber\":\"H\",\"seriesId\":\"H - Net\",\"flowDirection\":\"NET\"},"
             "{\"meterNumber\":\"S\",\"seriesId\":\"S\",\"flowDirection\":\"RETURN\"}],"
             "\"series\":[{\"name\":\"H - Consumption\",\"data\":[%s]},"
             "{\"name\":\"H - Net\",\"data\":[%s]},{\"name\":\"S\",\"data\":[%s]}]}]}}",
             p, p, p);
    assert_int_equal(read_text(f, json), 0);
    assert_int_equal(f->feed->nusage_points, 1);
    assert_string_equal(f->feed->usage_points[0]->account, "4400123001");
    assert_int_equal(f->feed->usage_points[0]->nchannels, 3);
    assert_string_equal(channel(f, 2)->meter, "S");
    assert_int_equal(channel(f, 2)->rt.flow_direction, 19);
    free(json);
    free(p);
}

static void test_duplicates_and_other_entries_ignored(void **state)
{
    fixture *f = *state;
    char *p = points_hourly(JUNE15, 2, "1");
    char *junk = points_hourly(JUNE15, 5, "99");
    size_t n = strlen(p) + 3 * strlen(junk) + 2048;
    char *json = malloc(n);
    assert_non_null(json);
    snprintf(json, n,
             "{\"status\":\"COMPLETE\",\"data\":{\"ELECTRIC\":["
             "{\"type\":\"DEMAND\",\"meters\":[{\"seriesId\":\"T\",\"flowDirection\":"
             "\"FORWARD\"}],\"series\":[{\"name\":\"T\",\"data\":[%s]}]},"
             "{\"type\":\"USAGE\",\"baseSeries\":{\"S1\":[%s]},"
             "\"meterToChartData\":{\"Meter{seriesId='S1'}\":[%s]},"
             "\"meters\":[{\"meterNumber\":\"1\",\"seriesId\":\"S1\",\"flowDirection\":"
             "\"FORWARD\"}],\"series\":[{\"name\":\"S1\",\"data\":[%s]}]},"
             "{\"type\":\"WEATHER\"}],"
             "\"SEWER\":[{\"type\":\"USAGE\",\"series\":[{\"name\":\"G\",\"data\":[%s]}]}]}}",
             junk, junk, junk, p, junk);
    assert_int_equal(read_text(f, json), 0);
    assert_int_equal(f->feed->usage_points[0]->nchannels, 1);
    assert_int_equal(channel(f, 0)->nreadings, 2);
    assert_int_equal(channel(f, 0)->readings[0].value, 1000);
    assert_true(test_diag_find(&f->diags, "smarthub-entry-type") >= 0);
    assert_true(test_diag_find(&f->diags, "smarthub-industry") >= 0);
    /* each skipped entry is reported once */
    assert_int_equal(f->diags.warnings, 3);
    free(json);
    free(junk);
    free(p);
}

static void test_units(void **state)
{
    fixture *f = *state;
    char *points = points_hourly(JUNE15, 2, "1");
    char *json = one_series("FORWARD", "HOURLY", points, "");
    char *therm = strstr(json, "KWH");
    memcpy(therm, "CCF", 3);
    expect_error(f, json, "smarthub-unit", 1);
    assert_non_null(strstr(f->err.message, "CCF"));
    free(json);
    json = one_series("FORWARD", "MONTHLY", points, "");
    expect_error(f, json, "smarthub-bill-period", 1); /* MONTHLY without billing periods */
    free(json);
    free(points);
}

/* ------------------------------------------------------------------ */
/* Cost                                                                */
/* ------------------------------------------------------------------ */

static void test_cost_joined_by_time(void **state)
{
    fixture *f = *state;
    char json[2048];
    snprintf(
        json, sizeof json,
        "{\"status\":\"COMPLETE\",\"data\":{\"ELECTRIC\":["
        "{\"type\":\"COST\",\"unitOfMeasure\":\"USD\",\"meters\":[{\"meterNumber\":\"1\","
        "\"seriesId\":\"C\",\"flowDirection\":\"FORWARD\"}],\"series\":[{\"name\":\"C\","
        "\"data\":[{\"x\":%lld,\"y\":0.0152},{\"x\":%lld,\"y\":null},{\"x\":%lld,\"y\":0.5}]}]},"
        "{\"type\":\"USAGE\",\"meters\":[{\"meterNumber\":\"1\",\"seriesId\":\"U\","
        "\"flowDirection\":\"FORWARD\"}],\"series\":[{\"name\":\"U\",\"data\":["
        "{\"x\":%lld,\"y\":0.1},{\"x\":%lld,\"y\":0.2}]}]}]}}",
        JUNE15, JUNE15 + HOUR_MS, JUNE15 + 5 * HOUR_MS, JUNE15, JUNE15 + HOUR_MS);
    assert_int_equal(read_text(f, json), 0);
    model_channel *ch = channel(f, 0);
    assert_int_equal(ch->rt.currency, 840);
    assert_true(ch->readings[0].has_cost);
    assert_int_equal(ch->readings[0].cost, 1520);
    assert_false(ch->readings[1].has_cost);
    /* the cost at 05:00 has no usage reading; the reading at 01:00 has no cost */
    assert_true(test_diag_find(&f->diags, "smarthub-cost-unmatched") >= 0);
    assert_true(test_diag_find(&f->diags, "cost-missing") >= 0);
}

/* Signs the flow direction makes odd are written as specified, and said. */
static void test_sign_warnings(void **state)
{
    fixture *f = *state;
    char points[256];
    snprintf(points, sizeof points, "{\"x\":%lld,\"y\":0.5},{\"x\":%lld,\"y\":-0.04}", JUNE15,
             JUNE15 + HOUR_MS);
    char *json = one_series("FORWARD", "HOURLY", points, "");
    assert_int_equal(read_text(f, json), 0);
    assert_int_equal(channel(f, 0)->readings[1].value, -40);
    assert_true(test_diag_find(&f->diags, "negative-delivered") >= 0);
    free(json);
    json = one_series("REVERSE", "HOURLY", points, "");
    assert_int_equal(read_text(f, json), 0);
    assert_int_equal(channel(f, 0)->readings[1].value, 40);
    assert_true(test_diag_find(&f->diags, "mixed-signs") >= 0);
    free(json);
    json = one_series("NET", "HOURLY", points, "");
    assert_int_equal(read_text(f, json), 0);
    assert_int_equal(f->diags.warnings, 0);
    free(json);
}

/* ------------------------------------------------------------------ */
/* Time                                                                */
/* ------------------------------------------------------------------ */

static void test_fall_back_repeated_hour(void **state)
{
    fixture *f = *state;
    /* 00:00, 01:00 (daylight), 01:00 (standard), 02:00 local */
    char points[512];
    snprintf(points, sizeof points,
             "{\"x\":%lld,\"y\":1},{\"x\":%lld,\"y\":2},{\"x\":%lld,\"y\":3},{\"x\":%lld,\"y\":4}",
             NOV1, NOV1 + HOUR_MS, NOV1 + HOUR_MS, NOV1 + 2 * HOUR_MS);
    char *json = one_series("FORWARD", "HOURLY", points, "");
    assert_int_equal(read_text(f, json), 0);
    model_channel *ch = channel(f, 0);
    assert_int_equal(ch->nreadings, 4);
    assert_int_equal(ch->readings[0].start, 1793516400); /* 07:00Z = 00:00 PDT */
    assert_int_equal(ch->readings[1].start, 1793520000); /* 08:00Z = 01:00 PDT */
    assert_int_equal(ch->readings[1].value, 2000);
    assert_int_equal(ch->readings[2].start, 1793523600); /* 09:00Z = 01:00 PST */
    assert_int_equal(ch->readings[2].value, 3000);
    assert_int_equal(ch->readings[3].start, 1793527200); /* 10:00Z = 02:00 PST */
    assert_int_equal(ch->nblocks, 1);
    free(json);
    /* the repeated hour given once: read as daylight time, with a warning */
    snprintf(points, sizeof points,
             "{\"x\":%lld,\"y\":1},{\"x\":%lld,\"y\":2},{\"x\":%lld,\"y\":4}", NOV1, NOV1 + HOUR_MS,
             NOV1 + 2 * HOUR_MS);
    json = one_series("FORWARD", "HOURLY", points, "");
    assert_int_equal(read_text(f, json), 0);
    assert_int_equal(channel(f, 0)->readings[1].start, 1793520000);
    assert_true(test_diag_find(&f->diags, "dst-repeat-once") >= 0);
    free(json);
}

static void test_fall_back_15_minutes(void **state)
{
    fixture *f = *state;
    /* 01:00..01:45 twice, as SmartHub would send the repeated hour */
    char points[1024];
    size_t len = 0;
    for (int round = 0; round < 2; round++)
        for (int q = 0; q < 4; q++)
            len += (size_t)snprintf(points + len, sizeof points - len, "%s{\"x\":%lld,\"y\":%d}",
                                    len ? "," : "", NOV1 + HOUR_MS + q * 900000LL, round + 1);
    char *json = one_series("FORWARD", "HOURLY", points, "");
    assert_int_equal(read_text(f, json), 0);
    model_channel *ch = channel(f, 0);
    assert_int_equal(ch->nreadings, 8);
    for (size_t i = 0; i < 8; i++) {
        assert_int_equal(ch->readings[i].start, 1793520000 + (int64_t)i * 900);
        assert_int_equal(ch->readings[i].duration, 900);
        assert_int_equal(ch->readings[i].value, i < 4 ? 1000 : 2000);
    }
    free(json);
}

static void test_spring_gap(void **state)
{
    fixture *f = *state;
    char points[512];
    /* 01:00, 02:00 (does not exist), 03:00 */
    snprintf(points, sizeof points,
             "\n{\"x\":%lld,\"y\":1},\n{\"x\":%lld,\"y\":0.61},\n{\"x\":%lld,\"y\":3}",
             MARCH8 + HOUR_MS, MARCH8 + 2 * HOUR_MS, MARCH8 + 3 * HOUR_MS);
    char *json = one_series("FORWARD", "HOURLY", points, "");
    /* folded into the hour after the gap, totals kept, with a warning ... */
    assert_int_equal(read_text(f, json), 0);
    model_channel *ch = channel(f, 0);
    assert_int_equal(ch->nreadings, 2);
    assert_int_equal(ch->readings[1].start, 1772964000); /* 03:00 PDT = 10:00Z */
    assert_int_equal(ch->readings[1].value, 3610);
    assert_int_equal(ch->readings[1].duration, 3600);
    int w = test_diag_find(&f->diags, "dst-gap-folded");
    assert_true(w >= 0);
    assert_int_equal(f->diags.lines[w], 3);
    /* ... an error only when strict */
    espi_convert_options co = {.strict = true};
    assert_int_equal(read_with(f, json, &co), ESPI_E_INPUT);
    assert_string_equal(f->err.code, "dst-gap");
    assert_int_equal(f->err.line, 3);
    assert_non_null(strstr(f->err.message, "02:00"));
    free(json);
    snprintf(points, sizeof points,
             "{\"x\":%lld,\"y\":1},{\"x\":%lld,\"y\":0},{\"x\":%lld,\"y\":3}", MARCH8 + HOUR_MS,
             MARCH8 + 2 * HOUR_MS, MARCH8 + 3 * HOUR_MS);
    json = one_series("FORWARD", "HOURLY", points, "");
    assert_int_equal(read_text(f, json), 0);
    ch = channel(f, 0);
    assert_int_equal(ch->nreadings, 2);
    assert_int_equal(ch->readings[0].start, 1772960400); /* 01:00 PST = 09:00Z */
    assert_int_equal(ch->readings[1].start, 1772964000); /* 03:00 PDT = 10:00Z */
    assert_int_equal(ch->readings[0].duration, 3600);
    assert_true(test_diag_find(&f->diags, "dst-gap-zero") >= 0);
    free(json);
}

static void test_duplicate_point_outside_dst(void **state)
{
    fixture *f = *state;
    char points[256];
    snprintf(points, sizeof points, "{\"x\":%lld,\"y\":1},{\"x\":%lld,\"y\":2}", JUNE15, JUNE15);
    char *json = one_series("FORWARD", "HOURLY", points, "");
    expect_error(f, json, "duplicate-point", 1);
    free(json);
    snprintf(points, sizeof points, "{\"x\":%lld,\"y\":1},{\"x\":%lld,\"y\":1}", JUNE15, JUNE15);
    json = one_series("FORWARD", "HOURLY", points, "");
    assert_int_equal(read_text(f, json), 0);
    assert_int_equal(channel(f, 0)->nreadings, 1);
    assert_true(test_diag_find(&f->diags, "duplicate-point") >= 0);
    free(json);
}

static void test_daily_local_days(void **state)
{
    fixture *f = *state;
    char points[512];
    const long long day = 86400000LL;
    snprintf(
        points, sizeof points,
        "{\"x\":%lld,\"y\":20},{\"x\":%lld,\"y\":21},{\"x\":%lld,\"y\":22},{\"x\":%lld,\"y\":23}",
        MARCH8 - day, MARCH8, NOV1, NOV1 + day);
    char *json = one_series("FORWARD", "DAILY", points, "");
    assert_int_equal(read_text(f, json), 0);
    model_channel *ch = channel(f, 0);
    assert_int_equal(ch->rt.interval_length, 86400);
    assert_int_equal(ch->nreadings, 4);
    assert_int_equal(ch->readings[0].duration, 86400);
    assert_int_equal(ch->readings[1].start, 1772956800); /* 2026-03-08 08:00Z */
    assert_int_equal(ch->readings[1].duration, 82800);
    assert_int_equal(ch->readings[2].start, 1793516400); /* 2026-11-01 07:00Z */
    assert_int_equal(ch->readings[2].duration, 90000);
    assert_int_equal(ch->readings[3].duration, 86400);
    assert_int_equal(ch->nblocks, 4);
    free(json);
}

static void test_interval_lengths(void **state)
{
    fixture *f = *state;
    char points[512], x2oi[512];
    /* 15-minute points; the interval map says so */
    snprintf(points, sizeof points, "{\"x\":%lld,\"y\":1},{\"x\":%lld,\"y\":1}", JUNE15,
             JUNE15 + HOUR_MS);
    snprintf(x2oi, sizeof x2oi,
             "\"xToOrderedInterval\":{\"%lld\":{\"interval\":{\"start\":%lld,\"end\":%lld}},"
             "\"%lld\":{\"interval\":{\"start\":%lld,\"end\":%lld}}},",
             JUNE15, JUNE15, JUNE15 + 900000, JUNE15 + HOUR_MS, JUNE15 + HOUR_MS,
             JUNE15 + HOUR_MS + 900000);
    char *json = one_series("FORWARD", "HOURLY", points, x2oi);
    assert_int_equal(read_text(f, json), 0);
    assert_int_equal(channel(f, 0)->readings[0].duration, 900);
    assert_int_equal(channel(f, 0)->rt.interval_length, 900);
    free(json);
    /* a single point: the time frame decides */
    snprintf(points, sizeof points, "{\"x\":%lld,\"y\":1}", JUNE15);
    json = one_series("FORWARD", "HOURLY", points, "");
    assert_int_equal(read_text(f, json), 0);
    assert_int_equal(channel(f, 0)->readings[0].duration, 3600);
    free(json);
    json = one_series("FORWARD", "WEEKLY", points, "");
    expect_error(f, json, "smarthub-interval", 0);
    free(json);
}

/* A first point off the hour is accepted and ends where the next begins. */
static void test_unaligned_first_point(void **state)
{
    fixture *f = *state;
    char points[512];
    char *rest = points_hourly(JUNE15 + 5 * HOUR_MS, 4, "1");
    snprintf(points, sizeof points, "{\"x\":%lld,\"y\":0},%s", JUNE15 + 4 * HOUR_MS + 900000, rest);
    free(rest);
    char *json = one_series("FORWARD", "HOURLY", points, "");
    assert_int_equal(read_text(f, json), 0);
    model_channel *ch = channel(f, 0);
    assert_int_equal(ch->nreadings, 5);
    assert_int_equal(ch->readings[0].duration, 2700);
    assert_int_equal(ch->readings[1].duration, 3600);
    assert_int_equal(ch->rt.interval_length, 3600);
    assert_int_equal(f->diags.warnings, 0);
    free(json);
}

/* Zones come from the options: the same input in Chicago is two hours
 * earlier in UTC than in Los Angeles. */
static void test_zone_option(void **state)
{
    fixture *f = *state;
    char *points = points_hourly(JUNE15, 1, "1");
    char *json = one_series("FORWARD", "HOURLY", points, "");
    assert_int_equal(read_text(f, json), 0);
    int64_t la = channel(f, 0)->readings[0].start;
    espi_tz *chicago;
    espi_error err;
    assert_int_equal(espi_tz_load(&chicago, "America/Chicago", &err), 0);
    espi_tz *saved = f->tz;
    f->tz = chicago;
    assert_int_equal(read_text(f, json), 0);
    assert_int_equal(la - channel(f, 0)->readings[0].start, 7200);
    assert_int_equal(f->feed->time_params.tz_offset, -21600);
    f->tz = saved;
    espi_tz_free(chicago);
    free(json);
    free(points);
}

/* A null in the first copy of the repeated hour still counts: the value
 * in the second copy is standard time, and its cost finds it. */
static void test_fall_back_null_first_copy(void **state)
{
    fixture *f = *state;
    char json[2048];
    snprintf(json, sizeof json,
             "{\"status\":\"COMPLETE\",\"data\":{\"ELECTRIC\":["
             "{\"type\":\"USAGE\",\"meters\":[{\"meterNumber\":\"1\",\"seriesId\":\"U\","
             "\"flowDirection\":\"FORWARD\"}],\"series\":[{\"name\":\"U\",\"data\":["
             "{\"x\":%lld,\"y\":1},{\"x\":%lld,\"y\":null},{\"x\":%lld,\"y\":0.5},"
             "{\"x\":%lld,\"y\":2}]}]},"
             "{\"type\":\"COST\",\"meters\":[{\"meterNumber\":\"1\",\"seriesId\":\"C\","
             "\"flowDirection\":\"FORWARD\"}],\"series\":[{\"name\":\"C\",\"data\":["
             "{\"x\":%lld,\"y\":0.1},{\"x\":%lld,\"y\":0.2},{\"x\":%lld,\"y\":0.3},"
             "{\"x\":%lld,\"y\":0.4}]}]}]}}",
             NOV1, NOV1 + HOUR_MS, NOV1 + HOUR_MS, NOV1 + 2 * HOUR_MS, NOV1, NOV1 + HOUR_MS,
             NOV1 + HOUR_MS, NOV1 + 2 * HOUR_MS);
    assert_int_equal(read_text(f, json), 0);
    model_channel *ch = channel(f, 0);
    assert_int_equal(ch->nreadings, 3);
    assert_int_equal(ch->readings[1].start, 1793523600); /* 01:00 PST = 09:00Z */
    assert_int_equal(ch->readings[1].value, 500);
    assert_true(ch->readings[1].has_cost);
    assert_int_equal(ch->readings[1].cost, 30000);
    assert_int_equal(test_diag_find(&f->diags, "dst-repeat-once"), -1);
    /* the cost of the null reading has nowhere to go, and says so */
    assert_true(test_diag_find(&f->diags, "smarthub-cost-unmatched") >= 0);
}

/* Gaps do not stretch the spacing: every x counts, nulls included. */
static void test_spacing_counts_nulls(void **state)
{
    fixture *f = *state;
    char points[1024];
    size_t len = 0;
    for (int i = 0; i < 8; i++)
        len += (size_t)snprintf(points + len, sizeof points - len, "%s{\"x\":%lld,\"y\":%s}",
                                i ? "," : "", JUNE15 + i * 900000LL, i % 2 ? "null" : "0.25");
    char *json = one_series("FORWARD", "HOURLY", points, "");
    assert_int_equal(read_text(f, json), 0);
    model_channel *ch = channel(f, 0);
    assert_int_equal(ch->nreadings, 4);
    assert_int_equal(ch->readings[0].duration, 900);
    assert_int_equal(ch->rt.interval_length, 900);
    free(json);
    /* one value among 15-minute nulls: still 15 minutes, not the time frame's hour */
    snprintf(points, sizeof points,
             "{\"x\":%lld,\"y\":null},{\"x\":%lld,\"y\":0.2},{\"x\":%lld,\"y\":null}", JUNE15,
             JUNE15 + 900000, JUNE15 + 1800000);
    json = one_series("FORWARD", "HOURLY", points, "");
    assert_int_equal(read_text(f, json), 0);
    assert_int_equal(channel(f, 0)->readings[0].duration, 900);
    free(json);
}

/* A series with no reading at all is left out, not written empty. */
static void test_all_null_series_left_out(void **state)
{
    fixture *f = *state;
    char *p = points_hourly(JUNE15, 2, "1");
    char *nulls = points_hourly(JUNE15, 2, "null");
    size_t n = strlen(p) + strlen(nulls) + 1024;
    char *json = malloc(n);
    assert_non_null(json);
    snprintf(json, n,
             "{\"status\":\"COMPLETE\",\"data\":{\"ELECTRIC\":[{\"type\":\"USAGE\","
             "\"meters\":[{\"meterNumber\":\"H\",\"seriesId\":\"H\",\"flowDirection\":"
             "\"FORWARD\"},{\"meterNumber\":\"S\",\"seriesId\":\"S\",\"flowDirection\":"
             "\"RETURN\"}],\"series\":[{\"name\":\"H\",\"data\":[%s]},{\"name\":\"S\","
             "\"data\":[%s]}]}]}}",
             p, nulls);
    assert_int_equal(read_text(f, json), 0);
    assert_int_equal(f->feed->usage_points[0]->nchannels, 1);
    assert_string_equal(channel(f, 0)->meter, "H");
    assert_true(test_diag_find(&f->diags, "smarthub-series-empty") >= 0);
    free(json);
    free(nulls);
    free(p);
}

/* Interval lengths that make no sense are not believed. */
static void test_bad_interval_map(void **state)
{
    fixture *f = *state;
    char points[256], x2oi[512];
    snprintf(points, sizeof points, "{\"x\":%lld,\"y\":1},{\"x\":%lld,\"y\":1}", JUNE15,
             JUNE15 + HOUR_MS);
    snprintf(x2oi, sizeof x2oi,
             "\"xToOrderedInterval\":{\"%lld\":{\"interval\":{\"start\":%lld,\"end\":%lld}},"
             "\"%lld\":{\"interval\":{\"start\":0,\"end\":9007199254740992}}},",
             JUNE15, JUNE15, JUNE15 - HOUR_MS, JUNE15 + HOUR_MS);
    char *json = one_series("FORWARD", "HOURLY", points, x2oi);
    assert_int_equal(read_text(f, json), 0);
    assert_int_equal(channel(f, 0)->readings[0].duration, 3600);
    assert_int_equal(channel(f, 0)->readings[1].duration, 3600);
    assert_true(test_diag_find(&f->diags, "smarthub-bad-interval") >= 0);
    free(json);
    /* beyond 2^53 ms it is not a time at all */
    snprintf(x2oi, sizeof x2oi,
             "\"xToOrderedInterval\":{\"%lld\":{\"interval\":{\"start\":0,"
             "\"end\":9223372036854775807}}},",
             JUNE15);
    json = one_series("FORWARD", "HOURLY", points, x2oi);
    expect_error(f, json, "smarthub-bad-interval", 1);
    free(json);
}

static void test_value_limits(void **state)
{
    fixture *f = *state;
    char *json =
        one_series("REVERSE", "HOURLY", "{\"x\":1781481600000,\"y\":-9223372036854775.808}", "");
    expect_error(f, json, "value-range", 1);
    free(json);
    json = one_series("FORWARD", "HOURLY", "{\"x\":1781481600000,\"y\":140737488355.328}", "");
    expect_error(f, json, "value-range", 1);
    free(json);
    json = one_series("FORWARD", "HOURLY", "{\"x\":1781481600000,\"y\":140737488355.327}", "");
    assert_int_equal(read_text(f, json), 0);
    assert_int_equal(channel(f, 0)->readings[0].value, 140737488355327);
    free(json);
}

static void test_hostile_text(void **state)
{
    fixture *f = *state;
    /* a NUL inside a name would join the wrong meter */
    const char *nul = "{\"status\":\"COMPLETE\",\"data\":{\"ELECTRIC\":[{\"type\":\"USAGE\","
                      "\"meters\":[{\"meterNumber\":\"M\",\"seriesId\":\"M\\u0000X\"}]}]}}";
    expect_error(f, nul, "json-nul", 1);
    /* an endless token is refused early, not parsed in quadratic time */
    size_t n = 200000;
    char *json = malloc(n + 64);
    assert_non_null(json);
    size_t len = (size_t)snprintf(json, n + 64, "{\"status\":\"COMPLETE\",\"x\":\"");
    memset(json + len, 'a', n);
    memcpy(json + len + n, "\"}", 3);
    assert_int_equal(read_text(f, json), ESPI_E_LIMIT);
    assert_string_equal(f->err.code, "json-token-too-long");
    assert_int_equal(f->err.line, 1);
    assert_int_equal(f->err.column, len + 65536 + 1);
    free(json);
}

/* ------------------------------------------------------------------ */
/* Zone guard: the request's true UTC bounds against the wall clock    */
/* ------------------------------------------------------------------ */

/* 2026-06-15 00:00 in Los Angeles (PDT) and in New York (EDT), true UTC ms. */
#define JUNE15_LA 1781506800000LL
#define JUNE15_NY 1781496000000LL

static void test_zone_confirmed(void **state)
{
    fixture *f = *state;
    char *points = points_hourly(JUNE15, 24, "0.5");
    char extra[128];
    snprintf(extra, sizeof extra, "\"startDateTime\":%lld,", JUNE15_LA);
    char *json = one_series("FORWARD", "HOURLY", points, extra);
    espi_convert_options co = {.tz_explicit = false};
    assert_int_equal(read_with(f, json, &co), 0);
    assert_int_equal(f->diags.warnings, 0); /* the data confirm the default zone */
    free(json);
    free(points);
}

static void test_zone_mismatch(void **state)
{
    fixture *f = *state;
    char *points = points_hourly(JUNE15, 24, "0.5");
    char extra[256];
    /* an Eastern co-op: local midnight is 04:00Z */
    snprintf(extra, sizeof extra, "\n\"startDateTime\":%lld,", JUNE15_NY);
    char *json = one_series("FORWARD", "HOURLY", points, extra);
    expect_error(f, json, "zone-mismatch", 2);
    assert_non_null(strstr(f->err.message, "UTC-4"));
    assert_non_null(strstr(f->err.message, "America/New_York"));
    assert_non_null(strstr(f->err.message, "America/Los_Angeles is at UTC-7"));
    free(json);
    /* the echo of the request (a string, as clients send it) is evidence too */
    snprintf(extra, sizeof extra, "\"baseUsageParameters\":{\"startDateTime\":\"%lld\"},",
             JUNE15_NY);
    json = one_series("FORWARD", "HOURLY", points, extra);
    expect_error(f, json, "zone-mismatch", 1);
    assert_non_null(strstr(f->err.message, "baseUsageParameters.startDateTime"));
    free(json);
    /* and the end: daily points, the last one ending at local midnight */
    snprintf(extra, sizeof extra, "\"endDateTime\":%lld,", JUNE15_NY + 86400000LL);
    json = one_series("FORWARD", "DAILY", "{\"x\":1781481600000,\"y\":20}", extra);
    expect_error(f, json, "zone-mismatch", 1);
    assert_non_null(strstr(f->err.message, "endDateTime"));
    free(json);
    free(points);
}

/* Bounds that do not fall on local midnight (data from a connect day) do
 * not contradict the zone; with no other evidence the zone is assumed,
 * which is said only when --tz was not given. */
static void test_zone_assumed(void **state)
{
    fixture *f = *state;
    char *points = points_hourly(JUNE15 + 10 * HOUR_MS, 4, "0.5");
    char extra[128];
    snprintf(extra, sizeof extra, "\"startDateTime\":%lld,", JUNE15_NY);
    char *json = one_series("FORWARD", "HOURLY", points, extra);
    espi_convert_options co = {.tz_explicit = false};
    assert_int_equal(read_with(f, json, &co), 0);
    assert_true(test_diag_find(&f->diags, "zone-assumed") >= 0);
    assert_non_null(strstr(f->diags.last_message, "America/Los_Angeles"));
    co.tz_explicit = true;
    assert_int_equal(read_with(f, json, &co), 0);
    assert_int_equal(test_diag_find(&f->diags, "zone-assumed"), -1);
    free(json);
    free(points);
}

/* TIME_OF_USE bounds are wall clock (they would say UTC+0) and MONTHLY
 * points are read dates: neither is evidence. */
static void test_zone_ignores_tou_and_monthly(void **state)
{
    fixture *f = *state;
    char json[2048];
    snprintf(json, sizeof json,
             "{\"status\":\"COMPLETE\",\"data\":{\"ELECTRIC\":["
             "{\"type\":\"USAGE\",\"timeFrame\":\"HOURLY\",\"startDateTime\":%lld,"
             "\"meters\":[{\"meterNumber\":\"M\",\"seriesId\":\"M\",\"flowDirection\":"
             "\"FORWARD\"}],\"series\":[{\"name\":\"M\",\"data\":[{\"x\":%lld,\"y\":1},"
             "{\"x\":%lld,\"y\":2}]}]},"
             "{\"type\":\"TIME_OF_USE\",\"timeFrame\":\"HOURLY\",\"startDateTime\":%lld,"
             "\"series\":[{\"name\":\"M - Off Peak\",\"rateName\":\"Off Peak\",\"data\":["
             "{\"x\":%lld,\"y\":1},{\"x\":%lld,\"y\":2}]}]}]}}",
             JUNE15_LA, JUNE15, JUNE15 + HOUR_MS, JUNE15, JUNE15, JUNE15 + HOUR_MS);
    espi_convert_options co = {.tz_explicit = false};
    assert_int_equal(read_with(f, json, &co), 0);
    assert_int_equal(test_diag_find(&f->diags, "zone-assumed"), -1);
}

/* ------------------------------------------------------------------ */
/* Stray points                                                        */
/* ------------------------------------------------------------------ */

/* Hourly points with one more at 00:15 (Cobb's connect day). */
static char *with_stray(const char *stray_y)
{
    char *rest = points_hourly(JUNE15 + HOUR_MS, 7, "1");
    size_t n = strlen(rest) + 128;
    char *points = malloc(n);
    assert_non_null(points);
    snprintf(points, n, "{\"x\":%lld,\"y\":0.95},\n{\"x\":%lld,\"y\":%s},%s", JUNE15,
             JUNE15 + 900000, stray_y, rest);
    free(rest);
    return points;
}

static void test_stray_zero_dropped(void **state)
{
    fixture *f = *state;
    char *points = with_stray("0.0");
    char *json = one_series("FORWARD", "HOURLY", points, "");
    assert_int_equal(read_text(f, json), 0);
    model_channel *ch = channel(f, 0);
    assert_int_equal(ch->nreadings, 8);
    assert_int_equal(ch->readings[0].value, 950);
    assert_int_equal(ch->readings[0].duration, 3600); /* not cut to 900 s */
    int w = test_diag_find(&f->diags, "stray-point");
    assert_true(w >= 0);
    assert_int_equal(f->diags.lines[w], 2);
    free(json);
    free(points);
}

static void test_stray_nonzero_error(void **state)
{
    fixture *f = *state;
    char *points = with_stray("0.2");
    char *json = one_series("FORWARD", "HOURLY", points, "");
    expect_error(f, json, "stray-point", 2);
    assert_non_null(strstr(f->err.message, "00:15"));
    assert_non_null(strstr(f->err.message, "00:00"));
    assert_non_null(strstr(f->err.message, "line 1"));
    free(json);
    free(points);
}

/* A phantom with no reading after the gap becomes that reading; 15-minute
 * phantoms fold into the quarter an hour later. */
static void test_phantom_alone_and_quarters(void **state)
{
    fixture *f = *state;
    char points[512];
    snprintf(points, sizeof points,
             "{\"x\":%lld,\"y\":1},{\"x\":%lld,\"y\":0.25},{\"x\":%lld,\"y\":2}", MARCH8 + HOUR_MS,
             MARCH8 + 2 * HOUR_MS, MARCH8 + 4 * HOUR_MS);
    char *json = one_series("FORWARD", "HOURLY", points, "");
    assert_int_equal(read_text(f, json), 0);
    model_channel *ch = channel(f, 0);
    assert_int_equal(ch->nreadings, 3);
    assert_int_equal(ch->readings[1].start, 1772964000); /* 03:00 PDT */
    assert_int_equal(ch->readings[1].value, 250);
    assert_true(test_diag_find(&f->diags, "dst-gap-folded") >= 0);
    free(json);
    size_t len = 0;
    for (int q = 0; q < 12; q++) /* 01:00 .. 03:45 every 15 minutes */
        len += (size_t)snprintf(points + len, sizeof points - len, "%s{\"x\":%lld,\"y\":%d}",
                                q ? "," : "", MARCH8 + HOUR_MS + q * 900000LL, q + 1);
    json = one_series("FORWARD", "HOURLY", points, "");
    assert_int_equal(read_text(f, json), 0);
    ch = channel(f, 0);
    assert_int_equal(ch->nreadings, 8);
    assert_int_equal(ch->readings[4].start, 1772964000); /* 03:00 PDT: 9 + 5 kWh */
    assert_int_equal(ch->readings[4].value, 14000);
    assert_int_equal(ch->readings[5].value, 16000); /* 03:15: 10 + 6 */
    free(json);
}

/* ------------------------------------------------------------------ */
/* Time of use                                                         */
/* ------------------------------------------------------------------ */

#define TOU_FMT                                                                                    \
    "{\"status\":\"COMPLETE\",\"data\":{\"ELECTRIC\":["                                            \
    "{\"type\":\"USAGE\",\"timeFrame\":\"HOURLY\",\"meters\":[{\"meterNumber\":\"M\","             \
    "\"seriesId\":\"M\",\"flowDirection\":\"FORWARD\"}],\"series\":[{\"name\":\"M\",\"data\":["    \
    "{\"x\":%lld,\"y\":1},{\"x\":%lld,\"y\":2},{\"x\":%lld,\"y\":3},{\"x\":%lld,\"y\":4}]}]},"     \
    "{\"type\":\"TIME_OF_USE\",\"timeFrame\":\"HOURLY\",\"meters\":["                              \
    "{\"meterNumber\":\"M\",\"seriesId\":\"M - Super Off Pk\",\"flowDirection\":\"FORWARD\","      \
    "\"rateName\":\"Super Off Pk\"},{\"meterNumber\":\"M\",\"seriesId\":\"M - On Peak\","          \
    "\"flowDirection\":\"FORWARD\",\"rateName\":\"On Peak\"}],\"series\":["                        \
    "{\"name\":\"M - Super Off Pk\",\"rateName\":\"Super Off Pk\",\"data\":[{\"x\":%lld,"          \
    "\"y\":1},{\"x\":%lld,\"y\":2}]},{\"name\":\"M - On Peak\",\"data\":[{\"x\":%lld,\"y\":3},"    \
    "{\"x\":%lld,\"y\":%s}]}]}]}}"

static void test_tou_channels(void **state)
{
    fixture *f = *state;
    char json[4096];
    long long x[4] = {JUNE15, JUNE15 + HOUR_MS, JUNE15 + 2 * HOUR_MS, JUNE15 + 3 * HOUR_MS};
    snprintf(json, sizeof json, TOU_FMT, x[0], x[1], x[2], x[3], x[0], x[1], x[2], x[3], "4");
    assert_int_equal(read_text(f, json), 0);
    assert_int_equal(f->diags.warnings, 0); /* the periods partition the usage */
    model_usage_point *up = f->feed->usage_points[0];
    assert_int_equal(up->nchannels, 3);
    /* sorted by tou: the usage (none), then "On Peak" 1, "Super Off Pk" 2 */
    assert_int_equal(up->channels[0]->rt.tou, CODE_NONE);
    assert_int_equal(up->channels[0]->nreadings, 4);
    assert_int_equal(up->channels[1]->rt.tou, 1);
    assert_non_null(strstr(up->channels[1]->title, "On Peak"));
    assert_int_equal(up->channels[1]->readings[0].value, 3000);
    assert_int_equal(up->channels[1]->readings[0].duration, 3600);
    assert_int_equal(up->channels[2]->rt.tou, 2);
    assert_non_null(strstr(up->channels[2]->title, "Super Off Pk"));
    assert_int_equal(up->channels[2]->rt.kind, 12);
    assert_int_equal(up->channels[2]->rt.flow_direction, 1);
    /* a period that does not give the usage of an hour is said, with the hour */
    snprintf(json, sizeof json, TOU_FMT, x[0], x[1], x[2], x[3], x[0], x[1], x[2], x[3], "3.5");
    assert_int_equal(read_text(f, json), 0);
    int w = test_diag_find(&f->diags, "tou-partition");
    assert_true(w >= 0);
    assert_non_null(strstr(f->diags.last_message, "2026-06-15 03:00"));
    assert_int_equal(f->feed->usage_points[0]->channels[1]->readings[1].value, 3500);
}

/* ------------------------------------------------------------------ */
/* Gas and water                                                       */
/* ------------------------------------------------------------------ */

static void test_gas_and_water(void **state)
{
    fixture *f = *state;
    char json[2048];
    snprintf(json, sizeof json,
             "{\"status\":\"COMPLETE\",\"data\":{"
             "\"WATER\":[{\"type\":\"USAGE\",\"unitOfMeasure\":\"GAL\",\"timeFrame\":\"DAILY\","
             "\"serviceLocationNumber\":\"L\",\"meters\":[{\"meterNumber\":\"W\",\"seriesId\":"
             "\"W\",\"flowDirection\":\"FORWARD\"}],\"series\":[{\"name\":\"W\",\"data\":["
             "{\"x\":%lld,\"y\":12.5}]}]}],"
             "\"GAS\":[{\"type\":\"USAGE\",\"unitOfMeasure\":\"CCF\",\"timeFrame\":\"DAILY\","
             "\"serviceLocationNumber\":\"L\",\"meters\":[{\"meterNumber\":\"G\",\"seriesId\":"
             "\"G\",\"flowDirection\":\"FORWARD\"}],\"series\":[{\"name\":\"G\",\"data\":["
             "{\"x\":%lld,\"y\":1.23}]}]}],"
             "\"ELECTRIC\":[{\"type\":\"USAGE\",\"timeFrame\":\"DAILY\",\"serviceLocationNumber\":"
             "\"L\",\"meters\":[{\"meterNumber\":\"E\",\"seriesId\":\"E\",\"flowDirection\":"
             "\"FORWARD\"}],\"series\":[{\"name\":\"E\",\"data\":[{\"x\":%lld,\"y\":20}]}]}]}}",
             JUNE15, JUNE15, JUNE15);
    assert_int_equal(read_text(f, json), 0);
    assert_int_equal(f->feed->nusage_points, 3);
    static const struct {
        int service, commodity, kind, uom, power;
        int64_t value;
    } want[] = {{0, 1, 12, 72, 0, 20000}, {1, 7, 58, 119, 0, 123}, {2, 9, 58, 128, -2, 1250}};
    for (size_t i = 0; i < 3; i++) {
        const model_usage_point *up = f->feed->usage_points[i];
        assert_int_equal(up->service_kind, want[i].service);
        assert_int_equal(up->nchannels, 1);
        const model_channel *ch = up->channels[0];
        assert_int_equal(ch->rt.commodity, want[i].commodity);
        assert_int_equal(ch->rt.kind, want[i].kind);
        assert_int_equal(ch->rt.uom, want[i].uom);
        assert_int_equal(ch->rt.power_of_ten, want[i].power);
        assert_int_equal(ch->rt.phase, i == 0 ? 769 : CODE_NONE);
        assert_int_equal(ch->rt.accumulation, 4);
        assert_int_equal(ch->readings[0].value, want[i].value);
    }
    /* therms are energy; a unit the industry does not have is an error */
    snprintf(json, sizeof json,
             "{\"status\":\"COMPLETE\",\"data\":{\"GAS\":[{\"type\":\"USAGE\",\"unitOfMeasure\":"
             "\"THERM\",\"timeFrame\":\"DAILY\",\"series\":[{\"name\":\"G\",\"data\":["
             "{\"x\":%lld,\"y\":2.125}]}]}]}}",
             JUNE15);
    assert_int_equal(read_text(f, json), 0);
    const model_channel *ch = channel(f, 0);
    assert_int_equal(ch->rt.uom, 169);
    assert_int_equal(ch->rt.kind, 12);
    assert_int_equal(ch->rt.power_of_ten, -3);
    assert_int_equal(ch->readings[0].value, 2125);
    char *kwh = strstr(json, "THERM");
    memcpy(kwh, "KWH\",", 5);
    memmove(kwh + 5, kwh + 7, strlen(kwh + 7) + 1);
    expect_error(f, json, "smarthub-unit", 1);
    assert_non_null(strstr(f->err.message, "CCF"));
}

/* ------------------------------------------------------------------ */
/* Flow names                                                          */
/* ------------------------------------------------------------------ */

#define LABELS_FMT                                                                                 \
    "{\"status\":\"COMPLETE\",\"data\":{\"ELECTRIC\":[{\"type\":\"USAGE\",\"timeFrame\":"          \
    "\"HOURLY\",\"meters\":[{\"meterNumber\":\"H\",\"seriesId\":\"H\",\"flowDirection\":"          \
    "\"FORWARD\"}],\"series\":[{\"name\":\"H - Consumption\",\"data\":[%s]},"                      \
    "{\"name\":\"H - Generation\",\"data\":[%s]},{\"name\":\"%s\",\"data\":[%s]}]}]}}"

static void test_flow_names(void **state)
{
    fixture *f = *state;
    char *p = points_hourly(JUNE15, 2, "-1");
    char json[2048];
    snprintf(json, sizeof json, LABELS_FMT, p, p, "H - Net", p);
    assert_int_equal(read_text(f, json), 0);
    assert_int_equal(f->feed->usage_points[0]->nchannels, 3);
    static const int flows[] = {1, 4, 19};
    for (size_t i = 0; i < 3; i++) {
        assert_string_equal(channel(f, i)->meter, "H");
        assert_int_equal(channel(f, i)->rt.flow_direction, flows[i]);
    }
    assert_int_equal(channel(f, 2)->readings[0].value, 1000); /* received: non-negative */
    /* a label that tells nothing: an error that names the option ... */
    snprintf(json, sizeof json, LABELS_FMT, p, p, "H - Solar", p);
    expect_error(f, json, "smarthub-no-meter", 1);
    assert_non_null(strstr(f->err.message, "--series-flow"));
    /* ... which gives the flow, by the label or by the whole name */
    espi_series_flow by_label[] = {{"Solar", 4}};
    espi_convert_options co = {.series_flows = by_label, .nseries_flows = 1};
    assert_int_equal(read_with(f, json, &co), 0);
    assert_int_equal(channel(f, 1)->rt.flow_direction, 4);
    /* a second reverse series of the meter is refused, as two of any flow are */
    espi_series_flow twice[] = {{"Solar", 19}};
    espi_convert_options co1 = {.series_flows = twice, .nseries_flows = 1};
    assert_int_equal(read_with(f, json, &co1), ESPI_E_INPUT);
    assert_string_equal(f->err.code, "smarthub-duplicate-channel");
    espi_series_flow by_name[] = {{"Solar", 19}, {"H - Solar", 4}};
    espi_convert_options co2 = {.series_flows = by_name, .nseries_flows = 2};
    assert_int_equal(read_with(f, json, &co2), 0);
    assert_int_equal(channel(f, 1)->rt.flow_direction, 4);
    espi_series_flow bad[] = {{"Solar", 7}};
    espi_convert_options co3 = {.series_flows = bad, .nseries_flows = 1};
    assert_int_equal(read_with(f, json, &co3), ESPI_E_ARG);
    assert_string_equal(f->err.code, "series-flow");
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_status_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_json, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_syntax_location, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_line_after_many_chunks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bom_accepted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_too_deep, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_usable_points, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gaps_and_zeros, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exact_watt_hours, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_points, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flow_directions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_meters_join, setup, teardown),
        cmocka_unit_test_setup_teardown(test_several_meters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicates_and_other_entries_ignored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_units, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cost_joined_by_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sign_warnings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fall_back_repeated_hour, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fall_back_15_minutes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spring_gap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_point_outside_dst, setup, teardown),
        cmocka_unit_test_setup_teardown(test_daily_local_days, setup, teardown),
        cmocka_unit_test_setup_teardown(test_interval_lengths, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unaligned_first_point, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zone_option, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fall_back_null_first_copy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spacing_counts_nulls, setup, teardown),
        cmocka_unit_test_setup_teardown(test_all_null_series_left_out, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_interval_map, setup, teardown),
        cmocka_unit_test_setup_teardown(test_value_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_text, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zone_confirmed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zone_mismatch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zone_assumed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zone_ignores_tou_and_monthly, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stray_zero_dropped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stray_nonzero_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_phantom_alone_and_quarters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tou_channels, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gas_and_water, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flow_names, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
