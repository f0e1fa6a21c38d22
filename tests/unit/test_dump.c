/* SPDX-License-Identifier: Apache-2.0 */
/* test_dump.c - espi dump's rows: CSV quoting, exact scaling, --unit,
 * local time per instant, JSON Lines and the JSON document (parsed back
 * with yajl), the header once for many files, summaries, listings,
 * readings that cannot be joined, write errors, the DOCTYPE warning, and
 * the rows of a failed file cut off the output (drop_failed). */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

/* ------------------------------------------------------------------ */
/* A small feed, put together per test                                 */
/* ------------------------------------------------------------------ */

typedef struct feed_spec {
    const char *up_id;    /* UsagePoint's Atom id */
    int power;            /* ReadingType powerOfTenMultiplier */
    int uom;              /* ReadingType uom */
    bool with_ltp;        /* US Eastern time parameters */
    const char *readings; /* IntervalReading elements */
    const char *extra;    /* more entries, e.g. a UsageSummary */
} feed_spec;

#define NS "xmlns=\"http://www.w3.org/2005/Atom\" xmlns:espi=\"http://naesb.org/espi\""

static char *make_feed(const feed_spec *s)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    fprintf(f, "<?xml version=\"1.0\"?>\n<feed " NS ">\n<id>urn:uuid:feed</id>\n");
    if (s->with_ltp)
        fprintf(f,
                "<entry><id>urn:uuid:ltp</id><link rel=\"self\" href=\"/LocalTimeParameters/1\"/>"
                "<content><espi:LocalTimeParameters><espi:dstEndRule>B40E2000</espi:dstEndRule>"
                "<espi:dstOffset>3600</espi:dstOffset><espi:dstStartRule>360E2000"
                "</espi:dstStartRule><espi:tzOffset>-18000</espi:tzOffset>"
                "</espi:LocalTimeParameters></content></entry>\n");
    fprintf(f,
            "<entry><id>%s</id><link rel=\"self\" href=\"/UsagePoint/1\"/>"
            "<link rel=\"related\" href=\"/UsagePoint/1/MeterReading\"/>%s"
            "<link rel=\"related\" href=\"/UsagePoint/1/UsageSummary\"/>"
            "<content><espi:UsagePoint><espi:ServiceCategory><espi:kind>0</espi:kind>"
            "</espi:ServiceCategory></espi:UsagePoint></content></entry>\n",
            s->up_id ? s->up_id : "urn:uuid:up",
            s->with_ltp ? "<link rel=\"related\" href=\"/LocalTimeParameters/1\"/>" : "");
    fprintf(f,
            "<entry><id>urn:uuid:mr</id><link rel=\"self\" href=\"/UsagePoint/1/MeterReading/1\"/>"
            "<link rel=\"up\" href=\"/UsagePoint/1/MeterReading\"/>"
            "<link rel=\"related\" href=\"/UsagePoint/1/MeterReading/1/IntervalBlock\"/>"
            "<link rel=\"related\" href=\"/ReadingType/1\"/>"
            "<content><espi:MeterReading/></content></entry>\n");
    fprintf(f,
            "<entry><id>urn:uuid:rt</id><link rel=\"self\" href=\"/ReadingType/1\"/>"
            "<content><espi:ReadingType><espi:accumulationBehaviour>4</espi:accumulationBehaviour>"
            "<espi:commodity>1</espi:commodity><espi:currency>840</espi:currency>"
            "<espi:flowDirection>1</espi:flowDirection><espi:kind>12</espi:kind>"
            "<espi:powerOfTenMultiplier>%d</espi:powerOfTenMultiplier>"
            "<espi:uom>%d</espi:uom></espi:ReadingType></content></entry>\n",
            s->power, s->uom);
    fprintf(f,
            "<entry><id>urn:uuid:ib</id><link rel=\"self\" "
            "href=\"/UsagePoint/1/MeterReading/1/IntervalBlock/1\"/>"
            "<link rel=\"up\" href=\"/UsagePoint/1/MeterReading/1/IntervalBlock\"/>"
            "<content><espi:IntervalBlock>%s</espi:IntervalBlock></content></entry>\n",
            s->readings);
    fprintf(f, "%s</feed>\n", s->extra ? s->extra : "");
    fclose(f);
    return text;
}

/* An hour-long IntervalReading. */
static char *reading(char *buf, size_t n, long long start, long long value, long long cost)
{
    snprintf(buf, n,
             "<espi:IntervalReading><espi:cost>%lld</espi:cost><espi:timePeriod>"
             "<espi:duration>3600</espi:duration><espi:start>%lld</espi:start></espi:timePeriod>"
             "<espi:value>%lld</espi:value></espi:IntervalReading>",
             cost, start, value);
    return buf;
}

/* ------------------------------------------------------------------ */
/* Dumping to memory                                                   */
/* ------------------------------------------------------------------ */

typedef struct dumped {
    char *text;
    size_t len;
    int rc;
    espi_error err;
    test_diags diags;
} dumped;

/* Dumps each of texts (NULL-terminated) as one file, named file1, file2... */
static void dump_texts(dumped *out, const espi_dump_options *base, const char *const *texts)
{
    memset(out, 0, sizeof *out);
    FILE *dest = open_memstream(&out->text, &out->len);
    assert_non_null(dest);
    espi_dump_options o = *base;
    o.on_diag = test_collect_diag;
    o.diag_ctx = &out->diags;
    espi_dumper *d = NULL;
    out->rc = espi_dumper_new(&d, dest, &o, &out->err);
    for (size_t i = 0; out->rc == 0 && texts[i]; i++) {
        char name[32];
        snprintf(name, sizeof name, "file%zu", i + 1);
        FILE *in = test_stream(texts[i]);
        out->rc = espi_dumper_add(d, in, name, &out->err);
        fclose(in);
    }
    if (out->rc == 0)
        out->rc = espi_dumper_finish(d, &out->err);
    espi_dumper_free(d);
    fclose(dest);
}

static void dump_one(dumped *out, const espi_dump_options *o, const char *text)
{
    const char *texts[] = {text, NULL};
    dump_texts(out, o, texts);
}

/* Line n (0: the first) of text, copied into buf. */
static const char *line_of(const char *text, int n, char *buf, size_t size)
{
    const char *p = text;
    for (int i = 0; i < n && p; i++) {
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    assert_non_null(p);
    const char *end = strchr(p, '\n');
    assert_non_null(end);
    size_t len = (size_t)(end - p);
    assert_true(len < size);
    memcpy(buf, p, len);
    buf[len] = '\0';
    return buf;
}

/* Cell col (0-based) of a CSV line without quoted commas. */
static const char *cell(const char *line, int col, char *buf, size_t size)
{
    const char *p = line;
    for (int i = 0; i < col; i++) {
        p = strchr(p, ',');
        assert_non_null(p);
        p++;
    }
    size_t len = strcspn(p, ",");
    assert_true(len < size);
    memcpy(buf, p, len);
    buf[len] = '\0';
    return buf;
}

static size_t count_lines(const char *text)
{
    size_t n = 0;
    for (const char *p = text; (p = strchr(p, '\n')) != NULL; p++)
        n++;
    return n;
}

enum {
    C_UP,
    C_MR,
    C_COMMODITY,
    C_KIND,
    C_FLOW,
    C_ACC,
    C_START_UTC,
    C_START_LOCAL,
    C_DURATION,
    C_VALUE_RAW,
    C_VALUE,
    C_UNIT,
    C_COST_RAW,
    C_COST,
    C_CURRENCY,
    C_QUALITY,
    C_POWER,
    C_FILE,
    C_LINE
};

static const char HEADER[] =
    "usage_point,meter_reading,commodity,kind,flow_direction,accumulation,start_utc,"
    "start_local,duration_s,value_raw,value,unit,cost_raw,cost,currency,quality,power_of_ten,"
    "file,line,tou";

/* ------------------------------------------------------------------ */
/* Tests                                                               */
/* ------------------------------------------------------------------ */

static void test_csv_columns(void **state)
{
    (void)state;
    char r[512], line[1024], c[128];
    feed_spec s = {NULL, 0, 72, true, reading(r, sizeof r, 1717214400, 1250, 8400), NULL};
    char *xml = make_feed(&s);
    espi_dump_options o = {0};
    dumped out;
    dump_one(&out, &o, xml);
    assert_int_equal(out.rc, 0);
    assert_int_equal(count_lines(out.text), 2);
    assert_string_equal(line_of(out.text, 0, line, sizeof line), HEADER);
    line_of(out.text, 1, line, sizeof line);
    assert_string_equal(cell(line, C_UP, c, sizeof c), "urn:uuid:up");
    assert_string_equal(cell(line, C_MR, c, sizeof c), "urn:uuid:mr");
    assert_string_equal(cell(line, C_COMMODITY, c, sizeof c), "1");
    assert_string_equal(cell(line, C_KIND, c, sizeof c), "12");
    assert_string_equal(cell(line, C_FLOW, c, sizeof c), "1");
    assert_string_equal(cell(line, C_ACC, c, sizeof c), "4");
    assert_string_equal(cell(line, C_START_UTC, c, sizeof c), "2024-06-01T04:00:00Z");
    assert_string_equal(cell(line, C_START_LOCAL, c, sizeof c), "2024-06-01T00:00:00-04:00");
    assert_string_equal(cell(line, C_DURATION, c, sizeof c), "3600");
    assert_string_equal(cell(line, C_VALUE_RAW, c, sizeof c), "1250");
    assert_string_equal(cell(line, C_VALUE, c, sizeof c), "1250");
    assert_string_equal(cell(line, C_UNIT, c, sizeof c), "Wh");
    assert_string_equal(cell(line, C_COST_RAW, c, sizeof c), "8400");
    assert_string_equal(cell(line, C_COST, c, sizeof c), "0.08400");
    assert_string_equal(cell(line, C_CURRENCY, c, sizeof c), "USD");
    assert_string_equal(cell(line, C_QUALITY, c, sizeof c), "");
    assert_string_equal(cell(line, C_POWER, c, sizeof c), "0");
    assert_string_equal(cell(line, C_FILE, c, sizeof c), "file1");
    assert_string_equal(cell(line, C_LINE, c, sizeof c), "8");
    assert_int_equal(out.diags.warnings, 0);
    free(out.text);
    free(xml);
}

/* RFC 4180: quoted only when needed, quotes doubled, line breaks kept. */
static void test_csv_quoting(void **state)
{
    (void)state;
    char r[512];
    feed_spec s = {"urn:a,\"b\"\nc", 0, 72, false, reading(r, sizeof r, 1717214400, 1, 0), NULL};
    char *xml = make_feed(&s);
    espi_dump_options o = {0};
    dumped out;
    dump_one(&out, &o, xml);
    assert_int_equal(out.rc, 0);
    const char *row = strchr(out.text, '\n') + 1;
    assert_memory_equal(row, "\"urn:a,\"\"b\"\"\nc\",urn:uuid:mr,", 28);
    free(out.text);
    free(xml);
}

/* value_raw x 10^power, written exactly; cost in hundred-thousandths. */
static void test_exact_scaling(void **state)
{
    (void)state;
    static const struct {
        int power;
        long long value, cost;
        const char *scaled, *cost_text;
    } cases[] = {
        {-3, 1234, 8400, "1.234", "0.08400"},
        {-3, -5, -12345, "-0.005", "-0.12345"},
        {3, 5, 100000, "5000", "1.00000"},
        {0, 0, 0, "0", "0.00000"},
        {-1, 10, 1, "1.0", "0.00001"},
        {-3, 140737488355327LL, 140737488355327LL, "140737488355.327", "1407374883.55327"},
        {-3, -140737488355328LL, -1, "-140737488355.328", "-0.00001"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char r[512], line[1024], c[128];
        feed_spec s = {NULL,
                       cases[i].power,
                       72,
                       false,
                       reading(r, sizeof r, 1717214400, cases[i].value, cases[i].cost),
                       NULL};
        char *xml = make_feed(&s);
        espi_dump_options o = {0};
        dumped out;
        dump_one(&out, &o, xml);
        assert_int_equal(out.rc, 0);
        line_of(out.text, 1, line, sizeof line);
        assert_string_equal(cell(line, C_VALUE, c, sizeof c), cases[i].scaled);
        assert_string_equal(cell(line, C_COST, c, sizeof c), cases[i].cost_text);
        char power[16];
        snprintf(power, sizeof power, "%d", cases[i].power);
        assert_string_equal(cell(line, C_POWER, c, sizeof c), power);
        free(out.text);
        free(xml);
    }
}

static void test_unit_option(void **state)
{
    (void)state;
    char r[512], line[1024], c[128];
    feed_spec s = {NULL, 0, 72, false, reading(r, sizeof r, 1717214400, 1500, 0), NULL};
    char *xml = make_feed(&s);
    static const struct {
        const char *unit, *value, *shown;
    } cases[] = {/* as many decimals as the change of unit calls for */
                 {"kWh", "1.500", "kWh"},
                 {"MWh", "0.001500", "MWh"},
                 {"Wh", "1500", "Wh"},
                 {"mWh", "1500000", "mWh"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        espi_dump_options o = {0};
        o.unit = cases[i].unit;
        dumped out;
        dump_one(&out, &o, xml);
        assert_int_equal(out.rc, 0);
        line_of(out.text, 1, line, sizeof line);
        assert_string_equal(cell(line, C_VALUE, c, sizeof c), cases[i].value);
        assert_string_equal(cell(line, C_UNIT, c, sizeof c), cases[i].shown);
        assert_string_equal(cell(line, C_VALUE_RAW, c, sizeof c), "1500");
        assert_int_equal(out.diags.warnings, 0);
        free(out.text);
    }
    /* another quantity: values keep their own unit, with one warning */
    espi_dump_options o = {0};
    o.unit = "therm";
    dumped out;
    dump_one(&out, &o, xml);
    assert_int_equal(out.rc, 0);
    line_of(out.text, 1, line, sizeof line);
    assert_string_equal(cell(line, C_VALUE, c, sizeof c), "1500");
    assert_string_equal(cell(line, C_UNIT, c, sizeof c), "Wh");
    assert_int_equal(out.diags.warnings, 1);
    assert_true(test_diag_find(&out.diags, "unit-mismatch") >= 0);
    free(out.text);
    /* not a unit at all: refused before anything is written */
    o.unit = "furlongs";
    espi_dumper *d = (espi_dumper *)1;
    espi_error err;
    assert_int_equal(espi_dumper_new(&d, stdout, &o, &err), ESPI_E_ARG);
    assert_null(d);
    assert_non_null(strstr(err.message, "furlongs"));
    free(xml);
}

/* Each instant gets the offset in force at it: the spring change of
 * 2024 (10 March, 07:00 UTC) splits these two readings. */
static void test_local_time_per_instant(void **state)
{
    (void)state;
    char r1[512], r2[512], both[1100], line[1024], c[128];
    snprintf(both, sizeof both, "%s%s", reading(r1, sizeof r1, 1710050400, 1, 0),
             reading(r2, sizeof r2, 1710054000, 2, 0));
    feed_spec s = {NULL, 0, 72, true, both, NULL};
    char *xml = make_feed(&s);
    espi_dump_options o = {0};
    dumped out;
    dump_one(&out, &o, xml);
    assert_int_equal(out.rc, 0);
    assert_string_equal(cell(line_of(out.text, 1, line, sizeof line), C_START_LOCAL, c, sizeof c),
                        "2024-03-10T01:00:00-05:00");
    assert_string_equal(cell(line_of(out.text, 2, line, sizeof line), C_START_LOCAL, c, sizeof c),
                        "2024-03-10T03:00:00-04:00");
    free(out.text);
    /* --tz replaces the file's parameters */
    espi_tz *tz = NULL;
    espi_error err;
    assert_int_equal(espi_tz_load(&tz, "Asia/Kolkata", &err), 0);
    o.tz = tz;
    dump_one(&out, &o, xml);
    assert_int_equal(out.rc, 0);
    assert_string_equal(cell(line_of(out.text, 1, line, sizeof line), C_START_LOCAL, c, sizeof c),
                        "2024-03-10T11:30:00+05:30");
    free(out.text);
    espi_tz_free(tz);
    free(xml);
    /* no time parameters and no --tz: the cell is empty */
    s.with_ltp = false;
    xml = make_feed(&s);
    o.tz = NULL;
    dump_one(&out, &o, xml);
    assert_int_equal(out.rc, 0);
    assert_string_equal(cell(line_of(out.text, 1, line, sizeof line), C_START_LOCAL, c, sizeof c),
                        "");
    assert_string_equal(cell(line_of(out.text, 1, line, sizeof line), C_START_UTC, c, sizeof c),
                        "2024-03-10T06:00:00Z");
    free(out.text);
    free(xml);
}

/* JSON Lines: one object a row, the CSV's keys, numbers as numbers and
 * empty cells as null. */
static void test_jsonl(void **state)
{
    (void)state;
    char r1[512], r2[512], both[1100];
    snprintf(both, sizeof both, "%s%s", reading(r1, sizeof r1, 1717214400, 1234, 8400),
             reading(r2, sizeof r2, 1717218000, 5, 0));
    feed_spec s = {"urn:\"q\"", -3, 72, true, both, NULL};
    char *xml = make_feed(&s);
    espi_dump_options o = {0};
    o.format = ESPI_DUMP_JSONL;
    dumped out;
    dump_one(&out, &o, xml);
    assert_int_equal(out.rc, 0);
    assert_int_equal(count_lines(out.text), 2);
    char line[2048], errbuf[256];
    line_of(out.text, 0, line, sizeof line);
    yajl_val v = yajl_tree_parse(line, errbuf, sizeof errbuf);
    assert_non_null(v);
    assert_true(YAJL_IS_OBJECT(v));
    assert_int_equal(v->u.object.len, 20);
    static const char *const keys[] = {
        "usage_point",  "meter_reading", "commodity",   "kind",       "flow_direction",
        "accumulation", "start_utc",     "start_local", "duration_s", "value_raw",
        "value",        "unit",          "cost_raw",    "cost",       "currency",
        "quality",      "power_of_ten",  "file",        "line",       "tou"};
    for (size_t i = 0; i < 20; i++)
        assert_string_equal(v->u.object.keys[i], keys[i]);
    const char *up_path[] = {"usage_point", NULL}, *value_path[] = {"value", NULL},
               *quality_path[] = {"quality", NULL}, *cost_path[] = {"cost", NULL};
    assert_string_equal(YAJL_GET_STRING(yajl_tree_get(v, up_path, yajl_t_string)), "urn:\"q\"");
    yajl_val value = yajl_tree_get(v, value_path, yajl_t_number);
    assert_non_null(value);
    assert_string_equal(YAJL_GET_NUMBER(value), "1.234"); /* the exact text */
    assert_string_equal(YAJL_GET_NUMBER(yajl_tree_get(v, cost_path, yajl_t_number)), "0.08400");
    assert_true(YAJL_IS_NULL(yajl_tree_get(v, quality_path, yajl_t_any)));
    yajl_tree_free(v);
    free(out.text);
    free(xml);
}

static yajl_val get(yajl_val v, const char *key)
{
    const char *path[] = {key, NULL};
    yajl_val r = yajl_tree_get(v, path, yajl_t_any);
    assert_non_null(r);
    return r;
}

/* The document nests readings under their meter reading under their usage
 * point, and keeps summaries beside them. */
static void test_json_document(void **state)
{
    (void)state;
    char r1[512], r2[512], both[1100];
    snprintf(both, sizeof both, "%s%s", reading(r1, sizeof r1, 1717214400, 1234, 8400),
             reading(r2, sizeof r2, 1717218000, 5, 0));
    feed_spec s = {
        NULL,
        -3,
        72,
        true,
        both,
        "<entry><id>urn:uuid:us</id><link rel=\"self\" href=\"/UsagePoint/1/UsageSummary/1\"/>"
        "<link rel=\"up\" href=\"/UsagePoint/1/UsageSummary\"/>"
        "<content><espi:UsageSummary><espi:billingPeriod><espi:duration>2592000"
        "</espi:duration><espi:start>1717214400</espi:start></espi:billingPeriod>"
        "<espi:billLastPeriod>4567000</espi:billLastPeriod>"
        "<espi:currency>840</espi:currency></espi:UsageSummary></content></entry>\n"};
    char *xml = make_feed(&s);
    espi_dump_options o = {0};
    o.format = ESPI_DUMP_JSON;
    dumped out;
    dump_one(&out, &o, xml);
    assert_int_equal(out.rc, 0);
    char errbuf[256];
    yajl_val doc = yajl_tree_parse(out.text, errbuf, sizeof errbuf);
    assert_non_null(doc);
    assert_string_equal(YAJL_GET_STRING(get(doc, "file")), "file1");
    assert_string_equal(YAJL_GET_STRING(get(get(doc, "feed"), "id")), "urn:uuid:feed");
    yajl_val ups = get(doc, "usage_points");
    assert_true(YAJL_IS_ARRAY(ups));
    assert_int_equal(ups->u.array.len, 1);
    yajl_val up = ups->u.array.values[0];
    yajl_val mrs = get(up, "meter_readings");
    assert_int_equal(mrs->u.array.len, 1);
    yajl_val mr = mrs->u.array.values[0];
    assert_string_equal(YAJL_GET_STRING(get(mr, "meter_reading")), "urn:uuid:mr");
    yajl_val readings = get(mr, "readings");
    assert_int_equal(readings->u.array.len, 2);
    assert_string_equal(YAJL_GET_NUMBER(get(readings->u.array.values[1], "value")), "0.005");
    yajl_val summaries = get(up, "summaries");
    assert_int_equal(summaries->u.array.len, 1);
    assert_string_equal(YAJL_GET_NUMBER(get(summaries->u.array.values[0], "bill_last_period")),
                        "45.67000");
    yajl_tree_free(doc);
    free(out.text);
    free(xml);
}

/* Several files: the header once, each row naming its file. */
static void test_many_files(void **state)
{
    (void)state;
    char r[512], line[1024], c[128];
    feed_spec s = {NULL, 0, 72, false, reading(r, sizeof r, 1717214400, 7, 0), NULL};
    char *xml = make_feed(&s);
    const char *texts[] = {xml, xml, xml, NULL};
    espi_dump_options o = {0};
    dumped out;
    dump_texts(&out, &o, texts);
    assert_int_equal(out.rc, 0);
    assert_int_equal(count_lines(out.text), 4);
    assert_string_equal(line_of(out.text, 0, line, sizeof line), HEADER);
    assert_string_equal(cell(line_of(out.text, 3, line, sizeof line), C_FILE, c, sizeof c),
                        "file3");
    free(out.text);
    /* no file at all still gives the header */
    const char *none[] = {NULL};
    dump_texts(&out, &o, none);
    assert_int_equal(out.rc, 0);
    assert_string_equal(line_of(out.text, 0, line, sizeof line), HEADER);
    assert_int_equal(count_lines(out.text), 1);
    free(out.text);
    free(xml);
}

static void test_summaries(void **state)
{
    (void)state;
    char r[512], line[8192], c[128];
    feed_spec s = {
        NULL,
        0,
        72,
        true,
        reading(r, sizeof r, 1717214400, 7, 0),
        "<entry><id>urn:uuid:us</id><link rel=\"self\" href=\"/UsagePoint/1/UsageSummary/1\"/>"
        "<link rel=\"up\" href=\"/UsagePoint/1/UsageSummary\"/>"
        "<content><espi:UsageSummary><espi:billingPeriod><espi:duration>2592000"
        "</espi:duration><espi:start>1717214400</espi:start></espi:billingPeriod>"
        "<espi:billLastPeriod>4567000</espi:billLastPeriod>"
        "<espi:billToDate>-250000</espi:billToDate>"
        "<espi:costAdditionalLastPeriod>12</espi:costAdditionalLastPeriod>"
        "<espi:currency>840</espi:currency>"
        "<espi:overallConsumptionLastPeriod><espi:powerOfTenMultiplier>3"
        "</espi:powerOfTenMultiplier><espi:uom>72</espi:uom><espi:value>812"
        "</espi:value></espi:overallConsumptionLastPeriod>"
        "<espi:qualityOfReading>14</espi:qualityOfReading>"
        "<espi:statusTimeStamp>1719792000</espi:statusTimeStamp>"
        "</espi:UsageSummary></content></entry>\n"};
    char *xml = make_feed(&s);
    espi_dump_options o = {0};
    o.what = ESPI_DUMP_SUMMARIES;
    dumped out;
    dump_one(&out, &o, xml);
    assert_int_equal(out.rc, 0);
    assert_int_equal(count_lines(out.text), 2);
    /* the columns of 0.1.0 first, the rest of what ESPI defines after them */
    static const char first[] =
        "usage_point,summary,billing_start_utc,billing_start_local,billing_duration_s,"
        "consumption_raw,consumption,consumption_unit,bill_last_period_raw,bill_last_period,"
        "bill_to_date_raw,bill_to_date,cost_additional_last_period_raw,"
        "cost_additional_last_period,currency,quality_of_reading,status_time_stamp_utc,"
        "commodity,tariff_profile,read_cycle,file,line,consumption_power_of_ten,";
    line_of(out.text, 0, line, sizeof line);
    assert_int_equal(strncmp(line, first, sizeof first - 1), 0);
    assert_string_equal(strrchr(line, ',') + 1, "billing_charge_source_agency_name");
    line_of(out.text, 1, line, sizeof line);
    static const char *const want[] = {"urn:uuid:up",
                                       "UsageSummary",
                                       "2024-06-01T04:00:00Z",
                                       "2024-06-01T00:00:00-04:00",
                                       "2592000",
                                       "812",
                                       "812000",
                                       "Wh",
                                       "4567000",
                                       "45.67000",
                                       "-250000",
                                       "-2.50000",
                                       "12",
                                       "0.00012",
                                       "USD",
                                       "14",
                                       "2024-07-01T00:00:00Z",
                                       "",
                                       "",
                                       "",
                                       "file1"};
    for (int i = 0; i < (int)(sizeof want / sizeof want[0]); i++)
        assert_string_equal(cell(line, i, c, sizeof c), want[i]);
    free(out.text);
    /* --unit applies to the consumption too */
    o.unit = "MWh";
    dump_one(&out, &o, xml);
    assert_int_equal(out.rc, 0);
    line_of(out.text, 1, line, sizeof line);
    assert_string_equal(cell(line, 5, c, sizeof c), "812");
    assert_string_equal(cell(line, 6, c, sizeof c), "0.812");
    assert_string_equal(cell(line, 7, c, sizeof c), "MWh");
    free(out.text);
    free(xml);
}

/* The index of a column by its name in a CSV header. */
static int column(const char *header, const char *name)
{
    int i = 0;
    size_t n = strlen(name);
    for (const char *p = header; p; p = strchr(p, ','), p = p ? p + 1 : NULL, i++)
        if (strncmp(p, name, n) == 0 && (p[n] == ',' || p[n] == '\0'))
            return i;
    fail_msg("no column %s", name);
    return -1;
}

/* Every field of a UsageSummary has its column: the measurements each with
 * value, unit, multiplier, time stamp and readingTypeRef; the line items
 * and tariff riders as JSON text (quoted as CSV wants); nothing said about
 * measurements the file does not give, under --unit. */
static void test_summary_every_field(void **state)
{
    (void)state;
    FILE *in = fopen(test_fixture("espi/valid_dump_summary_fields.xml"), "rb");
    assert_non_null(in);
    char *xml = NULL;
    size_t size = 0;
    FILE *copy = open_memstream(&xml, &size);
    int ch;
    while ((ch = fgetc(in)) != EOF)
        fputc(ch, copy);
    fclose(copy);
    fclose(in);
    espi_dump_options o = {0};
    o.what = ESPI_DUMP_SUMMARIES;
    dumped out;
    dump_one(&out, &o, xml);
    assert_int_equal(out.rc, 0);
    assert_int_equal(count_lines(out.text), 3);
    char header[8192], row[8192], c[256];
    line_of(out.text, 0, header, sizeof header);
    line_of(out.text, 1, row, sizeof row);
    static const struct {
        const char *column, *value;
    } want[] = {
        {"current_billing_period_overall_consumption", "610314"},
        {"current_billing_period_overall_consumption_unit", "Wh"},
        {"current_billing_period_overall_consumption_reading_type_ref",
         "/espi/1_1/resource/ReadingType/1"},
        {"previous_day_net_consumption", "20500.750"},
        {"previous_day_net_consumption_power_of_ten", "-3"},
        {"peak_demand_unit", "W"},
        {"ratchet_demand", "6000"},
        {"ratchet_demand_period_start_utc", "2023-01-01T07:00:00Z"},
        {"ratchet_demand_period_duration_s", "31536000"},
        {"consumption_time_stamp_utc", "2024-03-01T07:00:00Z"},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) /* all before the lists */
        assert_string_equal(cell(row, column(header, want[i].column), c, sizeof c), want[i].value);
    assert_string_equal(strrchr(row, ',') + 1, "Example Electric Cooperative");
    assert_non_null(strstr(row, ",\"[{\"\"amount_raw\"\":1000000,\"\"amount\"\":10.00000,"));
    assert_non_null(strstr(row, "\"\"note\"\":\"\"State tax, 6.25% \\\"\"energy\\\"\"\"\""));
    assert_non_null(strstr(row, "\"\"enrollment_status\"\":\"\"unenrolled\"\""));
    free(out.text);
    o.format = ESPI_DUMP_JSONL;
    o.unit = "kWh";
    dump_one(&out, &o, xml);
    assert_int_equal(out.rc, 0);
    assert_non_null(strstr(out.text, "\"cost_additional_detail_last_period\":[{\"amount_raw\":"));
    assert_non_null(strstr(out.text, "\"tariff_rider_refs\":[{\"rider_type\":\"Solar net"));
    assert_non_null(strstr(out.text, "\"current_billing_period_overall_consumption\":610.314,"));
    /* W keeps its unit, said once; the measurements the file lacks say nothing */
    assert_int_equal(out.diags.warnings, 1);
    free(out.text);
    free(xml);
}

static void test_listings(void **state)
{
    (void)state;
    char r[512], line[1024], c[128];
    feed_spec s = {NULL, -3, 72, true, reading(r, sizeof r, 1717214400, 7, 0), NULL};
    char *xml = make_feed(&s);
    espi_dump_options o = {0};
    o.what = ESPI_DUMP_USAGE_POINTS;
    dumped out;
    dump_one(&out, &o, xml);
    assert_int_equal(out.rc, 0);
    assert_int_equal(count_lines(out.text), 2);
    assert_string_equal(line_of(out.text, 0, line, sizeof line),
                        "usage_point,self,service_kind,status,tz_offset,dst_offset,"
                        "dst_start_rule,dst_end_rule,file,line");
    line_of(out.text, 1, line, sizeof line);
    assert_string_equal(cell(line, 0, c, sizeof c), "urn:uuid:up");
    assert_string_equal(cell(line, 1, c, sizeof c), "/UsagePoint/1");
    assert_string_equal(cell(line, 2, c, sizeof c), "0");
    assert_string_equal(cell(line, 4, c, sizeof c), "-18000");
    assert_string_equal(cell(line, 5, c, sizeof c), "3600");
    assert_string_equal(cell(line, 6, c, sizeof c), "360E2000");
    assert_string_equal(cell(line, 7, c, sizeof c), "B40E2000");
    free(out.text);
    o.what = ESPI_DUMP_READING_TYPES;
    dump_one(&out, &o, xml);
    assert_int_equal(out.rc, 0);
    assert_int_equal(count_lines(out.text), 2);
    line_of(out.text, 1, line, sizeof line);
    assert_string_equal(cell(line, 0, c, sizeof c), "urn:uuid:rt");
    assert_string_equal(cell(line, 11, c, sizeof c), "-3"); /* power_of_ten */
    assert_string_equal(cell(line, 14, c, sizeof c), "72"); /* uom */
    assert_string_equal(cell(line, 15, c, sizeof c), "Wh"); /* unit */
    free(out.text);
    free(xml);
}

/* A block whose meter reading never comes: its readings still get rows,
 * with the cells that need the reading type empty, and a warning. */
static void test_unjoined_readings_kept(void **state)
{
    (void)state;
    const char *xml =
        "<feed " NS "><entry><id>urn:uuid:ib</id><link rel=\"self\" href=\"/IB/1\"/>"
        "<link rel=\"up\" href=\"/nowhere\"/><content><espi:IntervalBlock>"
        "<espi:IntervalReading><espi:timePeriod><espi:duration>900</espi:duration>"
        "<espi:start>1717214400</espi:start></espi:timePeriod><espi:value>42</espi:value>"
        "</espi:IntervalReading><espi:IntervalReading><espi:timePeriod><espi:duration>900"
        "</espi:duration><espi:start>1717215300</espi:start></espi:timePeriod>"
        "<espi:value>43</espi:value></espi:IntervalReading></espi:IntervalBlock></content>"
        "</entry></feed>\n";
    espi_dump_options o = {0};
    dumped out;
    dump_one(&out, &o, xml);
    assert_int_equal(out.rc, 0);
    assert_int_equal(count_lines(out.text), 3);
    char line[1024], c[128];
    line_of(out.text, 2, line, sizeof line);
    assert_string_equal(cell(line, C_UP, c, sizeof c), "");
    assert_string_equal(cell(line, C_VALUE_RAW, c, sizeof c), "43");
    assert_string_equal(cell(line, C_VALUE, c, sizeof c), "");
    assert_string_equal(cell(line, C_DURATION, c, sizeof c), "900");
    assert_true(out.diags.warnings >= 1);
    free(out.text);
}

/* A file that is not well-formed: an error with its line; the rows read
 * before it stay written. */
static void test_broken_file(void **state)
{
    (void)state;
    char r[512];
    feed_spec s = {NULL, 0, 72, false, reading(r, sizeof r, 1717214400, 7, 0), NULL};
    char *xml = make_feed(&s);
    char *cut = strstr(xml, "</espi:IntervalBlock>");
    assert_non_null(cut);
    strcpy(cut, "<oops></espi:IntervalBlock>\n");
    espi_dump_options o = {0};
    dumped out;
    dump_one(&out, &o, xml);
    assert_int_equal(out.rc, ESPI_E_INPUT);
    assert_string_equal(out.err.file, "file1");
    assert_int_equal(out.err.line, 7);
    assert_string_equal(out.err.code, "xml-syntax");
    free(out.text);
    free(xml);
}

/* A full disk is an I/O error, not a silent loss. */
static void test_write_error(void **state)
{
    (void)state;
    FILE *dest = fopen("/dev/full", "w");
    if (dest == NULL)
        skip();
    char *readings = malloc(200 * 512);
    assert_non_null(readings);
    readings[0] = '\0';
    for (int i = 0; i < 200; i++) {
        char r[512];
        strcat(readings, reading(r, sizeof r, 1717214400 + 3600LL * i, i, i));
    }
    feed_spec s = {NULL, 0, 72, false, readings, NULL};
    char *xml = make_feed(&s);
    espi_dump_options o = {0};
    espi_dumper *d = NULL;
    espi_error err;
    assert_int_equal(espi_dumper_new(&d, dest, &o, &err), 0);
    FILE *in = test_stream(xml);
    int rc = espi_dumper_add(d, in, "file1", &err);
    fclose(in);
    if (rc == 0)
        rc = espi_dumper_finish(d, &err);
    assert_int_equal(rc, ESPI_E_IO);
    assert_non_null(strstr(err.message, "cannot write"));
    espi_dumper_free(d);
    fclose(dest);
    free(xml);
    free(readings);
}

/* Ten usage points, each with its own time parameters: all get local times. */
static void test_many_time_parameters(void **state)
{
    (void)state;
    char *xml = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&xml, &size);
    assert_non_null(f);
    fprintf(f, "<feed " NS ">\n");
    for (int i = 0; i < 10; i++)
        fprintf(f,
                "<entry><link rel=\"self\" href=\"/LTP/%d\"/><content><espi:LocalTimeParameters>"
                "<espi:tzOffset>%d</espi:tzOffset></espi:LocalTimeParameters></content></entry>\n"
                "<entry><link rel=\"self\" href=\"/UP/%d\"/><link rel=\"related\" "
                "href=\"/UP/%d/MR\"/><link rel=\"related\" href=\"/LTP/%d\"/><content>"
                "<espi:UsagePoint/></content></entry>\n"
                "<entry><link rel=\"up\" href=\"/UP/%d/MR\"/><link rel=\"related\" "
                "href=\"/IB/%d\"/><link rel=\"related\" href=\"/RT\"/><content>"
                "<espi:MeterReading/></content></entry>\n"
                "<entry><link rel=\"up\" href=\"/IB/%d\"/><content><espi:IntervalBlock>"
                "<espi:IntervalReading><espi:timePeriod><espi:duration>60</espi:duration>"
                "<espi:start>1700000000</espi:start></espi:timePeriod><espi:value>1</espi:value>"
                "</espi:IntervalReading></espi:IntervalBlock></content></entry>\n",
                i, i * 3600, i, i, i, i, i, i);
    fprintf(f, "<entry><link rel=\"self\" href=\"/RT\"/><content><espi:ReadingType><espi:uom>72"
               "</espi:uom></espi:ReadingType></content></entry></feed>\n");
    fclose(f);
    espi_dump_options o = {0};
    dumped out;
    dump_one(&out, &o, xml);
    assert_int_equal(out.rc, 0);
    assert_int_equal(count_lines(out.text), 11);
    char line[1024], c[128];
    for (int i = 0; i < 10; i++) { /* 22:13:20 UTC, i hours east */
        char want[64];
        snprintf(want, sizeof want, "2023-11-%02dT%02d:13:20+%02d:00", 14 + (22 + i) / 24,
                 (22 + i) % 24, i);
        assert_string_equal(
            cell(line_of(out.text, i + 1, line, sizeof line), C_START_LOCAL, c, sizeof c), want);
    }
    free(out.text);
    free(xml);
}

/* Numbers no zone or unit can have: the cells stay empty, with a warning,
 * rather than showing a wrong value. */
static void test_out_of_range_scales(void **state)
{
    (void)state;
    char r[512], line[1024], c[128];
    feed_spec s = {NULL, 25, 72, false, reading(r, sizeof r, 1717214400, 7, 0), NULL};
    char *xml = make_feed(&s);
    espi_dump_options o = {0};
    dumped out;
    dump_one(&out, &o, xml);
    assert_int_equal(out.rc, 0);
    line_of(out.text, 1, line, sizeof line);
    assert_string_equal(cell(line, C_VALUE, c, sizeof c), "");
    assert_string_equal(cell(line, C_VALUE_RAW, c, sizeof c), "7");
    assert_string_equal(cell(line, C_POWER, c, sizeof c), "25");
    assert_int_equal(test_diag_find(&out.diags, "power-of-ten-range"), 0);
    free(out.text);
    free(xml);
    s.power = -24; /* the edge is fine */
    xml = make_feed(&s);
    dump_one(&out, &o, xml);
    assert_string_equal(cell(line_of(out.text, 1, line, sizeof line), C_VALUE, c, sizeof c),
                        "0.000000000000000000000007");
    free(out.text);
    free(xml);
    /* a tzOffset of 27 hours */
    s.power = 0;
    s.with_ltp = true;
    xml = make_feed(&s);
    char *tz = strstr(xml, "<espi:tzOffset>-18000<");
    assert_non_null(tz);
    memcpy(tz, "<espi:tzOffset>-99999", 21);
    dump_one(&out, &o, xml);
    assert_int_equal(out.rc, 0);
    assert_string_equal(cell(line_of(out.text, 1, line, sizeof line), C_START_LOCAL, c, sizeof c),
                        "");
    assert_true(test_diag_find(&out.diags, "ltp-bad-offset") >= 0);
    free(out.text);
    free(xml);
}

/* JSON is UTF-8 even when a file's name is not. */
static void test_json_file_name_not_utf8(void **state)
{
    (void)state;
    char r[512];
    feed_spec s = {NULL, 0, 72, false, reading(r, sizeof r, 1717214400, 7, 0), NULL};
    char *xml = make_feed(&s);
    char *text = NULL;
    size_t len = 0;
    FILE *dest = open_memstream(&text, &len);
    assert_non_null(dest);
    espi_dump_options o = {0};
    o.format = ESPI_DUMP_JSONL;
    espi_dumper *d = NULL;
    espi_error err;
    assert_int_equal(espi_dumper_new(&d, dest, &o, &err), 0);
    FILE *in = test_stream(xml);
    assert_int_equal(espi_dumper_add(d, in, "caf\xe9.xml", &err), 0);
    fclose(in);
    assert_int_equal(espi_dumper_finish(d, &err), 0);
    espi_dumper_free(d);
    fclose(dest);
    char errbuf[128];
    yajl_val v = yajl_tree_parse(text, errbuf, sizeof errbuf);
    assert_non_null(v); /* yajl checks UTF-8 */
    assert_string_equal(YAJL_GET_STRING(get(v, "file")), "caf\xef\xbf\xbd.xml");
    yajl_tree_free(v);
    free(text);
    free(xml);
}

static void test_unit_names(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        bool ok;
        int power;
        const char *symbol;
    } cases[] = {
        {"kWh", true, 3, "Wh"},     {"Wh", true, 0, "Wh"},       {"MW", true, 6, "W"},
        {"m3", true, 0, "m3"},      {"dm3", true, -3, "m3"},     {"cm3", true, -6, "m3"},
        {"kBTU", true, 3, "BTU"},   {"therm", true, 0, "therm"}, {"kft3", false, 0, NULL},
        {"kUSgal", false, 0, NULL}, {"kh", false, 0, NULL},      {"kWhh", false, 0, NULL},
        {"", false, 0, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int power = 99;
        const char *symbol = NULL;
        assert_int_equal(espi_unit_parse(&power, &symbol, cases[i].text), cases[i].ok);
        if (cases[i].ok) {
            assert_int_equal(power, cases[i].power);
            assert_string_equal(symbol, cases[i].symbol);
        }
    }
}

/* A DOCTYPE is a warning once per file, at its line; the rows are as
 * without it. After the root element, "<!DOCTYPE" is no DOCTYPE. */
static void test_doctype_warning(void **state)
{
    (void)state;
    char r[512];
    feed_spec s = {NULL, 0, 72, false, reading(r, sizeof r, 1717214400, 1250, 0), NULL};
    char *xml = make_feed(&s);
    const char *decl_end = strstr(xml, "?>\n") + 3;
    char *with_dtd = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&with_dtd, &len);
    assert_non_null(f);
    fprintf(f, "%.*s<!-- a comment\n over lines -->\n<!DOCTYPE feed [<!ENTITY x \"y\">]>\n%s",
            (int)(decl_end - xml), xml, decl_end);
    fclose(f);
    const char *texts[] = {with_dtd, xml, with_dtd, NULL};
    espi_dump_options o = {0};
    dumped out;
    dump_texts(&out, &o, texts);
    assert_int_equal(out.rc, 0);
    assert_int_equal(count_lines(out.text), 4); /* the header, a row per file */
    size_t dtd = 0;
    for (size_t i = 0; i < out.diags.count && i < 64; i++)
        if (strcmp(out.diags.codes[i], "xml-dtd") == 0) {
            dtd++;
            assert_int_equal(out.diags.lines[i], 4);
        }
    assert_int_equal(dtd, 2); /* file1 and file3, once each */
    free(out.text);
    free(with_dtd);
    free(xml);
}

/* drop_failed: the rows a file gave before its error are cut off a
 * regular file, so the output holds the files that were read whole. */
static void test_drop_failed(void **state)
{
    (void)state;
    char r[512], r2[512];
    feed_spec good = {NULL, 0, 72, false, reading(r, sizeof r, 1717214400, 1250, 0), NULL};
    feed_spec two = {NULL, 0, 72, false, NULL, NULL};
    char both[1100];
    reading(r2, sizeof r2, 1717218000, 7, 0);
    snprintf(both, sizeof both, "%s%s", r, r2);
    two.readings = both;
    char *xml = make_feed(&good);
    char *broken = make_feed(&two);
    char *cut = strstr(broken, "</feed>"); /* readings out, then not well-formed */
    assert_non_null(cut);
    memcpy(cut, "<oops", 6);
    for (int drop = 0; drop <= 1; drop++) {
        FILE *dest = tmpfile();
        assert_non_null(dest);
        espi_dump_options o;
        espi_dump_options_init(&o);
        o.drop_failed = drop;
        espi_dumper *d = NULL;
        espi_error err;
        assert_int_equal(espi_dumper_new(&d, dest, &o, &err), 0);
        const char *texts[] = {xml, broken, xml};
        int want[] = {0, ESPI_E_INPUT, 0};
        for (size_t i = 0; i < 3; i++) {
            FILE *in = test_stream(texts[i]);
            assert_int_equal(espi_dumper_add(d, in, "f", &err), want[i]);
            fclose(in);
        }
        assert_int_equal(espi_dumper_finish(d, &err), 0);
        espi_dumper_free(d);
        rewind(dest);
        char text[4096];
        size_t n = fread(text, 1, sizeof text - 1, dest);
        text[n] = '\0';
        fclose(dest);
        assert_int_equal(count_lines(text), drop ? 3 : 5); /* header, the good rows (+2) */
    }
    free(xml);
    free(broken);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_columns),
        cmocka_unit_test(test_csv_quoting),
        cmocka_unit_test(test_exact_scaling),
        cmocka_unit_test(test_unit_option),
        cmocka_unit_test(test_local_time_per_instant),
        cmocka_unit_test(test_jsonl),
        cmocka_unit_test(test_json_document),
        cmocka_unit_test(test_many_files),
        cmocka_unit_test(test_summaries),
        cmocka_unit_test(test_summary_every_field),
        cmocka_unit_test(test_listings),
        cmocka_unit_test(test_unjoined_readings_kept),
        cmocka_unit_test(test_broken_file),
        cmocka_unit_test(test_write_error),
        cmocka_unit_test(test_many_time_parameters),
        cmocka_unit_test(test_out_of_range_scales),
        cmocka_unit_test(test_json_file_name_not_utf8),
        cmocka_unit_test(test_unit_names),
        cmocka_unit_test(test_doctype_warning),
        cmocka_unit_test(test_drop_failed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
