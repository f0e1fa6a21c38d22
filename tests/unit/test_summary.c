/* SPDX-License-Identifier: Apache-2.0 */
/* test_summary.c - espi summary's totals: local days of 23 and 25 hours
 * (America/Los_Angeles rules from LocalTimeParameters, and --tz), months,
 * exact value and cost sums, --unit kWh, missing interval slots, peak
 * demand with its rounding and tie rule, the JSON document and its types,
 * billing periods. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#define NS "xmlns=\"http://www.w3.org/2005/Atom\" xmlns:espi=\"http://naesb.org/espi\""

/* A feed: Pacific LocalTimeParameters (when ltp), one meter reading of Wh
 * (powerOfTenMultiplier power, intervalLength interval when not 0), and
 * the given IntervalReading elements. */
static char *make_feed_extra(bool ltp, int power, int interval, const char *readings,
                             const char *extra)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    fprintf(f, "<?xml version=\"1.0\"?>\n<feed " NS ">\n<id>urn:uuid:feed</id>\n");
    if (ltp)
        fprintf(f,
                "<entry><id>urn:uuid:ltp</id><link rel=\"self\" href=\"/LocalTimeParameters/1\"/>"
                "<content><espi:LocalTimeParameters><espi:dstEndRule>B40E2000</espi:dstEndRule>"
                "<espi:dstOffset>3600</espi:dstOffset><espi:dstStartRule>360E2000"
                "</espi:dstStartRule><espi:tzOffset>-28800</espi:tzOffset>"
                "</espi:LocalTimeParameters></content></entry>\n");
    fprintf(f,
            "<entry><id>urn:uuid:up</id><link rel=\"self\" href=\"/UsagePoint/1\"/>"
            "<link rel=\"related\" href=\"/UsagePoint/1/MeterReading\"/>"
            "<link rel=\"related\" href=\"/UsagePoint/1/UsageSummary\"/>%s"
            "<content><espi:UsagePoint><espi:ServiceCategory><espi:kind>0</espi:kind>"
            "</espi:ServiceCategory></espi:UsagePoint></content></entry>\n",
            ltp ? "<link rel=\"related\" href=\"/LocalTimeParameters/1\"/>" : "");
    fprintf(f,
            "<entry><id>urn:uuid:mr</id><link rel=\"self\" href=\"/UsagePoint/1/MeterReading/1\"/>"
            "<link rel=\"up\" href=\"/UsagePoint/1/MeterReading\"/>"
            "<link rel=\"related\" href=\"/UsagePoint/1/MeterReading/1/IntervalBlock\"/>"
            "<link rel=\"related\" href=\"/ReadingType/1\"/>"
            "<content><espi:MeterReading/></content></entry>\n");
    char il[80] = "";
    if (interval)
        snprintf(il, sizeof il, "<espi:intervalLength>%d</espi:intervalLength>", interval);
    fprintf(f,
            "<entry><id>urn:uuid:rt</id><link rel=\"self\" href=\"/ReadingType/1\"/>"
            "<content><espi:ReadingType><espi:accumulationBehaviour>4</espi:accumulationBehaviour>"
            "<espi:commodity>1</espi:commodity><espi:currency>840</espi:currency>"
            "<espi:flowDirection>1</espi:flowDirection>%s<espi:kind>12</espi:kind>"
            "<espi:powerOfTenMultiplier>%d</espi:powerOfTenMultiplier>"
            "<espi:uom>72</espi:uom></espi:ReadingType></content></entry>\n",
            il, power);
    fprintf(f,
            "<entry><id>urn:uuid:ib</id><link rel=\"self\" "
            "href=\"/UsagePoint/1/MeterReading/1/IntervalBlock/1\"/>"
            "<link rel=\"up\" href=\"/UsagePoint/1/MeterReading/1/IntervalBlock\"/>"
            "<content><espi:IntervalBlock>%s</espi:IntervalBlock></content></entry>\n%s</feed>\n",
            readings, extra ? extra : "");
    fclose(f);
    return text;
}

static char *make_feed(bool ltp, int power, int interval, const char *readings)
{
    return make_feed_extra(ltp, power, interval, readings, NULL);
}

/* Appends an IntervalReading (cost < 0: none). */
static void add_reading(char **buf, size_t *len, FILE *f, long long start, long long duration,
                        long long value, long long cost)
{
    (void)buf;
    (void)len;
    fprintf(f, "<espi:IntervalReading>");
    if (cost >= 0)
        fprintf(f, "<espi:cost>%lld</espi:cost>", cost);
    fprintf(f,
            "<espi:timePeriod><espi:duration>%lld</espi:duration><espi:start>%lld</espi:start>"
            "</espi:timePeriod><espi:value>%lld</espi:value></espi:IntervalReading>",
            duration, start, value);
}

/* n hourly readings of value Wh from start. */
static char *hourly(long long start, int n, long long value)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    for (int i = 0; i < n; i++)
        add_reading(&text, &len, f, start + 3600LL * i, 3600, value, -1);
    fclose(f);
    return text;
}

typedef struct summed {
    char *text;
    size_t len;
    int rc;
    espi_error err;
    test_diags diags;
} summed;

static void summarize(summed *out, const espi_summary_options *base, const char *feed)
{
    memset(out, 0, sizeof *out);
    FILE *dest = open_memstream(&out->text, &out->len);
    assert_non_null(dest);
    espi_summary_options o = *base;
    o.on_diag = test_collect_diag;
    o.diag_ctx = &out->diags;
    espi_summarizer *m = NULL;
    out->rc = espi_summarizer_new(&m, dest, &o, &out->err);
    if (out->rc == 0) {
        FILE *in = test_stream(feed);
        out->rc = espi_summarizer_add(m, in, "feed.xml", &out->err);
        fclose(in);
    }
    if (out->rc == 0)
        out->rc = espi_summarizer_finish(m, &out->err);
    espi_summarizer_free(m);
    fclose(dest);
}

static void csv_options(espi_summary_options *o, espi_summary_per per)
{
    espi_summary_options_init(o);
    o->format = ESPI_SUMMARY_CSV;
    o->per = per;
}

/* Cell col of the CSV row whose period is label (no quoted cells). */
static const char *cell_of(const char *text, const char *label, int col, char *buf, size_t size)
{
    for (const char *p = text; p && *p;) {
        const char *end = strchr(p, '\n');
        assert_non_null(end);
        const char *c = p;
        for (int i = 0; i < 6 && c; i++)
            c = memchr(c, ',', (size_t)(end - c))
                    ? (const char *)memchr(c, ',', (size_t)(end - c)) + 1
                    : NULL;
        size_t ll = strlen(label);
        if (c && strncmp(c, label, ll) == 0 && c[ll] == ',') {
            const char *v = p;
            for (int i = 0; i < col; i++)
                v = (const char *)memchr(v, ',', (size_t)(end - v)) + 1;
            const char *ve = memchr(v, ',', (size_t)(end - v));
            if (ve == NULL)
                ve = end;
            size_t n = (size_t)(ve - v);
            assert_true(n < size);
            memcpy(buf, v, n);
            buf[n] = '\0';
            return buf;
        }
        p = end + 1;
    }
    fail_msg("no row for period %s in:\n%s", label, text);
    return NULL;
}

static size_t count_lines(const char *text)
{
    size_t n = 0;
    for (const char *p = text; *p; p++)
        n += *p == '\n';
    return n;
}

enum {
    C_PERIOD = 6,
    C_START,
    C_READINGS,
    C_MISSING,
    C_VALUE,
    C_UNIT,
    C_COST,
    C_CURRENCY,
    C_PEAK,
    C_PEAK_UNIT,
    C_PEAK_START
};

#define SPRING_2024 1710057600LL /* 2024-03-10T08:00:00Z: local midnight PST */
#define FALL_2024 1730617200LL   /* 2024-11-03T07:00:00Z: local midnight PDT */

/* 2024-03-10 in Los Angeles has 23 hours: 23 hourly readings fill it, the
 * 24th is the next day's first. */
static void test_day_of_23_hours(void **state)
{
    (void)state;
    char *r = hourly(SPRING_2024, 24, 100);
    char *feed = make_feed(true, 0, 3600, r);
    espi_summary_options o;
    csv_options(&o, ESPI_SUMMARY_DAY);
    summed s;
    summarize(&s, &o, feed);
    assert_int_equal(s.rc, 0);
    char b[64];
    assert_int_equal(count_lines(s.text), 3);
    assert_string_equal(cell_of(s.text, "2024-03-10", C_READINGS, b, sizeof b), "23");
    assert_string_equal(cell_of(s.text, "2024-03-10", C_START, b, sizeof b),
                        "2024-03-10T08:00:00Z");
    assert_string_equal(cell_of(s.text, "2024-03-10", C_VALUE, b, sizeof b), "2300");
    assert_string_equal(cell_of(s.text, "2024-03-10", C_MISSING, b, sizeof b), "0");
    assert_string_equal(cell_of(s.text, "2024-03-11", C_READINGS, b, sizeof b), "1");
    assert_string_equal(cell_of(s.text, "2024-03-11", C_START, b, sizeof b),
                        "2024-03-11T07:00:00Z");
    assert_int_equal(s.diags.warnings, 0);
    free(s.text);
    free(feed);
    free(r);
}

/* 2024-11-03 has 25 hours; its hours carry the offset where they repeat. */
static void test_day_of_25_hours(void **state)
{
    (void)state;
    char *r = hourly(FALL_2024, 26, 10);
    char *feed = make_feed(true, 0, 3600, r);
    espi_summary_options o;
    csv_options(&o, ESPI_SUMMARY_DAY);
    summed s;
    summarize(&s, &o, feed);
    assert_int_equal(s.rc, 0);
    char b[64];
    assert_string_equal(cell_of(s.text, "2024-11-03", C_READINGS, b, sizeof b), "25");
    assert_string_equal(cell_of(s.text, "2024-11-03", C_VALUE, b, sizeof b), "250");
    assert_string_equal(cell_of(s.text, "2024-11-04", C_START, b, sizeof b),
                        "2024-11-04T08:00:00Z");
    free(s.text);
    csv_options(&o, ESPI_SUMMARY_HOUR);
    summarize(&s, &o, feed);
    assert_int_equal(s.rc, 0);
    assert_string_equal(cell_of(s.text, "2024-11-03T01-07:00", C_START, b, sizeof b),
                        "2024-11-03T08:00:00Z");
    assert_string_equal(cell_of(s.text, "2024-11-03T01-08:00", C_START, b, sizeof b),
                        "2024-11-03T09:00:00Z");
    assert_string_equal(cell_of(s.text, "2024-11-03T02", C_READINGS, b, sizeof b), "1");
    free(s.text);
    free(feed);
    free(r);
}

/* --tz gives the zone when the file has none; without either, UTC and a warning. */
static void test_tz_and_utc(void **state)
{
    (void)state;
    char *r = hourly(SPRING_2024, 24, 100);
    char *feed = make_feed(false, 0, 3600, r);
    espi_summary_options o;
    csv_options(&o, ESPI_SUMMARY_DAY);
    summed s;
    summarize(&s, &o, feed);
    char b[64];
    assert_string_equal(cell_of(s.text, "2024-03-10", C_READINGS, b, sizeof b), "16");
    assert_true(test_diag_find(&s.diags, "summary-utc") >= 0);
    free(s.text);
    espi_tz *tz = NULL;
    espi_error err;
    assert_int_equal(espi_tz_load(&tz, "America/Los_Angeles", &err), 0);
    o.tz = tz;
    summarize(&s, &o, feed);
    assert_string_equal(cell_of(s.text, "2024-03-10", C_READINGS, b, sizeof b), "23");
    assert_int_equal(test_diag_find(&s.diags, "summary-utc"), -1);
    free(s.text);
    espi_tz_free(tz);
    free(feed);
    free(r);
}

/* Months: exact sums of value and cost, the scale kept, --unit kWh. */
static void test_month_sums_and_unit(void **state)
{
    (void)state;
    char *r = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&r, &len);
    add_reading(&r, &len, f, 1704096000LL, 3600, 1000, 12345); /* 2024-01-01T08:00Z */
    add_reading(&r, &len, f, 1704099600LL, 3600, 500, 100);
    add_reading(&r, &len, f, 1706774400LL, 3600, 7, -1); /* 2024-02-01T08:00Z */
    fclose(f);
    char *feed = make_feed(true, 0, 0, r);
    espi_summary_options o;
    csv_options(&o, ESPI_SUMMARY_MONTH);
    summed s;
    summarize(&s, &o, feed);
    assert_int_equal(s.rc, 0);
    char b[64];
    assert_string_equal(cell_of(s.text, "2024-01", C_VALUE, b, sizeof b), "1500");
    assert_string_equal(cell_of(s.text, "2024-01", C_COST, b, sizeof b), "0.12445");
    assert_string_equal(cell_of(s.text, "2024-01", C_CURRENCY, b, sizeof b), "USD");
    assert_string_equal(cell_of(s.text, "2024-01", C_START, b, sizeof b), "2024-01-01T08:00:00Z");
    assert_string_equal(cell_of(s.text, "2024-02", C_COST, b, sizeof b), "");
    assert_string_equal(cell_of(s.text, "2024-02", C_MISSING, b, sizeof b), "0");
    free(s.text);
    o.unit = "kWh";
    summarize(&s, &o, feed);
    assert_int_equal(s.rc, 0);
    assert_string_equal(cell_of(s.text, "2024-01", C_VALUE, b, sizeof b), "1.500");
    assert_string_equal(cell_of(s.text, "2024-01", C_UNIT, b, sizeof b), "kWh");
    assert_string_equal(cell_of(s.text, "2024-01", C_PEAK, b, sizeof b), "1.000");
    assert_string_equal(cell_of(s.text, "2024-01", C_PEAK_UNIT, b, sizeof b), "kW");
    assert_string_equal(cell_of(s.text, "2024-02", C_VALUE, b, sizeof b), "0.007");
    free(s.text);
    free(feed);
    free(r);
}

/* Slots no reading covers count in the period of their start. */
static void test_missing_slots(void **state)
{
    (void)state;
    char *r = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&r, &len);
    long long day = SPRING_2024 - 86400; /* 2024-03-09T08:00Z, a 24-hour day */
    add_reading(&r, &len, f, day, 3600, 1, -1);
    add_reading(&r, &len, f, day + 3600, 3600, 1, -1);
    add_reading(&r, &len, f, day + 4 * 3600, 3600, 1, -1);     /* 2 missing before */
    add_reading(&r, &len, f, day + 86400 + 3600, 3600, 1, -1); /* 19 + 1 missing */
    fclose(f);
    char *feed = make_feed(true, 0, 3600, r);
    espi_summary_options o;
    csv_options(&o, ESPI_SUMMARY_DAY);
    summed s;
    summarize(&s, &o, feed);
    char b[64];
    assert_string_equal(cell_of(s.text, "2024-03-09", C_MISSING, b, sizeof b), "21");
    assert_string_equal(cell_of(s.text, "2024-03-09", C_READINGS, b, sizeof b), "3");
    assert_string_equal(cell_of(s.text, "2024-03-10", C_MISSING, b, sizeof b), "1");
    free(s.text);
    free(feed);
    free(r);
}

/* Peak demand: value x 3600 / duration, half-even to 3 decimals, the
 * earliest on a tie; readings of no duration are not considered. */
static void test_peak_demand(void **state)
{
    (void)state;
    char *r = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&r, &len);
    long long t = 1704096000LL; /* 2024-01-01T08:00Z */
    add_reading(&r, &len, f, t, 3600, 500, -1);
    add_reading(&r, &len, f, t + 3600, 900, 250, -1);  /* 1000 W */
    add_reading(&r, &len, f, t + 4500, 2700, 750, -1); /* 1000 W: a tie, later */
    add_reading(&r, &len, f, t + 7200, 0, 99999, -1);  /* no duration */
    fclose(f);
    char *feed = make_feed(true, 0, 0, r);
    espi_summary_options o;
    csv_options(&o, ESPI_SUMMARY_MONTH);
    summed s;
    summarize(&s, &o, feed);
    char b[64];
    assert_string_equal(cell_of(s.text, "2024-01", C_PEAK, b, sizeof b), "1000.000");
    assert_string_equal(cell_of(s.text, "2024-01", C_PEAK_UNIT, b, sizeof b), "W");
    assert_string_equal(cell_of(s.text, "2024-01", C_PEAK_START, b, sizeof b),
                        "2024-01-01T09:00:00Z");
    assert_string_equal(cell_of(s.text, "2024-01", C_READINGS, b, sizeof b), "4");
    free(s.text);
    free(feed);
    free(r);
    /* 0.0005 W rounds to 0.000, 0.0015 W to 0.002 (half to even) */
    const long long values[2] = {1, 3};
    const char *want[2] = {"0.000", "0.002"};
    for (int i = 0; i < 2; i++) {
        f = open_memstream(&r, &len);
        add_reading(&r, &len, f, t, 7200000, values[i], -1);
        fclose(f);
        feed = make_feed(true, 0, 0, r);
        summarize(&s, &o, feed);
        assert_string_equal(cell_of(s.text, "2024-01", C_PEAK, b, sizeof b), want[i]);
        free(s.text);
        free(feed);
        free(r);
    }
}

/* The JSON document: version, per, exact decimals as strings, counts as numbers. */
static void test_json(void **state)
{
    (void)state;
    char *r = hourly(SPRING_2024, 2, 1);
    char *feed = make_feed(true, -1, 3600, r);
    espi_summary_options o;
    espi_summary_options_init(&o);
    o.format = ESPI_SUMMARY_JSON;
    summed s;
    summarize(&s, &o, feed);
    assert_int_equal(s.rc, 0);
    char ebuf[256];
    yajl_val doc = yajl_tree_parse(s.text, ebuf, sizeof ebuf);
    assert_non_null(doc);
    const char *vp[] = {"version", NULL}, *pp[] = {"per", NULL}, *rp[] = {"rows", NULL};
    assert_int_equal(YAJL_GET_INTEGER(yajl_tree_get(doc, vp, yajl_t_number)), 1);
    assert_string_equal(YAJL_GET_STRING(yajl_tree_get(doc, pp, yajl_t_string)), "month");
    yajl_val rows = yajl_tree_get(doc, rp, yajl_t_array);
    assert_non_null(rows);
    assert_int_equal(YAJL_GET_ARRAY(rows)->len, 1);
    yajl_val row = YAJL_GET_ARRAY(rows)->values[0];
    const char *value[] = {"value", NULL}, *readings[] = {"readings", NULL},
               *cost[] = {"cost", NULL}, *period[] = {"period", NULL};
    assert_string_equal(YAJL_GET_STRING(yajl_tree_get(row, value, yajl_t_string)), "0.2");
    assert_int_equal(YAJL_GET_INTEGER(yajl_tree_get(row, readings, yajl_t_number)), 2);
    assert_non_null(yajl_tree_get(row, cost, yajl_t_null));
    assert_string_equal(YAJL_GET_STRING(yajl_tree_get(row, period, yajl_t_string)), "2024-03");
    yajl_tree_free(doc);
    free(s.text);
    free(feed);
    free(r);
}

/* --per bill: the UsageSummary's billing period (after the readings in
 * the file) labelled by its local start date; readings outside it in a
 * row of their own, with a warning. */
static void test_bill(void **state)
{
    (void)state;
    char *r = hourly(SPRING_2024 - 3600, 26, 100); /* from 2024-03-09T23:00 local */
    char *feed = make_feed_extra(
        true, 0, 3600, r,
        "<entry><id>urn:uuid:us</id><link rel=\"self\" href=\"/UsagePoint/1/UsageSummary/1\"/>"
        "<link rel=\"up\" href=\"/UsagePoint/1/UsageSummary\"/>"
        "<content><espi:UsageSummary><espi:billingPeriod><espi:duration>82800"
        "</espi:duration><espi:start>1710057600</espi:start></espi:billingPeriod>"
        "<espi:currency>840</espi:currency></espi:UsageSummary></content></entry>\n");
    espi_summary_options o;
    csv_options(&o, ESPI_SUMMARY_BILL);
    summed s;
    summarize(&s, &o, feed);
    assert_int_equal(s.rc, 0);
    char b[64];
    assert_int_equal(count_lines(s.text), 3);
    assert_string_equal(cell_of(s.text, "2024-03-10", C_READINGS, b, sizeof b), "23");
    assert_string_equal(cell_of(s.text, "2024-03-10", C_START, b, sizeof b),
                        "2024-03-10T08:00:00Z");
    assert_string_equal(cell_of(s.text, "2024-03-10", C_VALUE, b, sizeof b), "2300");
    assert_string_equal(cell_of(s.text, "", C_READINGS, b, sizeof b), "3");
    assert_string_equal(cell_of(s.text, "", C_START, b, sizeof b), "");
    assert_true(test_diag_find(&s.diags, "summary-no-bill") >= 0);
    free(s.text);
    free(feed);
    free(r);
}

/* An unknown unit and an unknown period are argument errors. */
static void test_arguments(void **state)
{
    (void)state;
    espi_summary_options o;
    espi_summary_options_init(&o);
    o.unit = "furlong";
    espi_summarizer *m = NULL;
    espi_error err;
    assert_int_equal(espi_summarizer_new(&m, stdout, &o, &err), ESPI_E_ARG);
    assert_null(m);
    espi_summary_options_init(&o);
    o.per = (espi_summary_per)42;
    assert_int_equal(espi_summarizer_new(&m, stdout, &o, &err), ESPI_E_ARG);
    assert_int_equal(espi_summarizer_new(&m, stdout, NULL, &err), 0);
    espi_summarizer_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_day_of_23_hours),
        cmocka_unit_test(test_day_of_25_hours),
        cmocka_unit_test(test_tz_and_utc),
        cmocka_unit_test(test_month_sums_and_unit),
        cmocka_unit_test(test_missing_slots),
        cmocka_unit_test(test_peak_demand),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_arguments),
        cmocka_unit_test(test_bill),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
