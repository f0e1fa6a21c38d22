/* SPDX-License-Identifier: Apache-2.0 */
/* test_parts.c - a report or a table made in parts (one validator or dumper
 * per file, as espi validate -j and espi dump -j make them on worker
 * threads) and joined in order is the report or table one object makes of
 * all the files: espi_validator_options.part, espi_validator_merge and
 * espi_validator_totals_get; espi_dump_options.no_header and
 * espi_dumper_rows. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

/* Files of every kind a report holds: valid, with findings, not
 * well-formed, and one that is not even read (NULL: "unreadable"). */
static const char *const files[] = {
    "rules/atom-time.pass.xml",  "validate/mixed_findings.xml", NULL, "bad/empty.xml",
    "espi/valid_dump_water.xml",
};
#define NFILES (sizeof files / sizeof files[0])

/* A stream that collects what is written to it. */
typedef struct sink {
    char *text;
    size_t len;
    FILE *f;
} sink;

static void sink_open(sink *s)
{
    s->text = NULL;
    s->len = 0;
    s->f = open_memstream(&s->text, &s->len);
    assert_non_null(s->f);
}

static void sink_close(sink *s)
{
    assert_int_equal(fclose(s->f), 0);
}

/* File i of files into r (as the CLI puts it: checked, or unreadable). */
static void add_file(espi_validator *r, size_t i, const espi_validate_options *vo)
{
    espi_error err;
    if (files[i] == NULL) {
        memset(&err, 0, sizeof err);
        err.status = ESPI_E_IO;
        snprintf(err.file, sizeof err.file, "missing.xml");
        snprintf(err.message, sizeof err.message, "no such file");
        espi_validator_unreadable(r, "missing.xml", &err);
        return;
    }
    FILE *in = fopen(test_fixture(files[i]), "rb");
    assert_non_null(in);
    bool valid;
    assert_int_equal(espi_validator_add(&valid, r, in, files[i], vo, &err), 0);
    fclose(in);
}

/* The whole report made by one validator. */
static char *whole_report(const espi_validator_options *ro, const espi_validate_options *vo)
{
    sink s;
    sink_open(&s);
    espi_validator *r;
    espi_error err;
    assert_int_equal(espi_validator_new(&r, s.f, ro, &err), 0);
    for (size_t i = 0; i < NFILES; i++)
        add_file(r, i, vo);
    assert_int_equal(espi_validator_finish(r, &err), 0);
    espi_validator_free(r);
    sink_close(&s);
    return s.text;
}

typedef struct counted {
    size_t findings;
} counted;

static void count_finding(const espi_diag *d, void *ctx)
{
    (void)d;
    ((counted *)ctx)->findings++;
}

/* The same report in parts: the framing validator's beginning, each file's
 * part (written to a stream of its own, then merged), the framing end. */
static char *report_in_parts(const espi_validator_options *ro, const espi_validate_options *vo,
                             espi_validator_totals *sum, counted *seen)
{
    sink framing;
    sink_open(&framing);
    espi_validator *r;
    espi_error err;
    assert_int_equal(espi_validator_new(&r, framing.f, ro, &err), 0);
    fflush(framing.f);
    char *joined = NULL;
    size_t len = 0;
    FILE *all = open_memstream(&joined, &len);
    assert_non_null(all);
    fwrite(framing.text, 1, framing.len, all);
    size_t head = framing.len;
    memset(sum, 0, sizeof *sum);
    for (size_t i = 0; i < NFILES; i++) {
        espi_validator_options po = *ro;
        po.part = true;
        po.first_part = i == 0;
        po.on_finding = count_finding;
        po.finding_ctx = seen;
        sink s;
        sink_open(&s);
        espi_validator *part;
        assert_int_equal(espi_validator_new(&part, s.f, &po, &err), 0);
        add_file(part, i, vo);
        assert_int_equal(espi_validator_finish(part, &err), 0);
        espi_validator_totals t;
        espi_validator_totals_get(&t, part);
        assert_int_equal(t.files, 1);
        sum->errors += t.errors;
        sum->warnings += t.warnings;
        sum->infos += t.infos;
        espi_validator_merge(r, part);
        espi_validator_free(part);
        sink_close(&s);
        fwrite(s.text, 1, s.len, all);
        free(s.text);
    }
    assert_int_equal(espi_validator_finish(r, &err), 0);
    espi_validator_totals t;
    espi_validator_totals_get(&t, r);
    sum->files = t.files;
    sum->valid = t.valid;
    sum->invalid = t.invalid;
    sum->unreadable = t.unreadable;
    assert_int_equal(t.errors, sum->errors);
    assert_int_equal(t.warnings, sum->warnings);
    espi_validator_free(r);
    sink_close(&framing);
    fwrite(framing.text + head, 1, framing.len - head, all);
    free(framing.text);
    assert_int_equal(fclose(all), 0);
    return joined;
}

static void check_parts(espi_validator_format format, bool summary, bool quiet, size_t max)
{
    espi_validator_options ro;
    espi_validator_options_init(&ro);
    ro.format = format;
    ro.summary = summary;
    ro.quiet = quiet;
    espi_validate_options vo;
    espi_validate_options_init(&vo);
    vo.max_per_rule = max;
    char *whole = whole_report(&ro, &vo);
    espi_validator_totals sum;
    counted seen = {0};
    char *parts = report_in_parts(&ro, &vo, &sum, &seen);
    assert_string_equal(parts, whole);
    assert_int_equal(sum.files, NFILES);
    assert_int_equal(sum.unreadable, 1);
    assert_int_equal(sum.valid + sum.invalid + sum.unreadable, NFILES);
    assert_true(sum.invalid >= 2);
    assert_true(sum.errors >= 2);
    /* every finding listed reaches on_finding, also when quiet lists none */
    if (max == 0)
        assert_int_equal(seen.findings, sum.errors + sum.warnings + sum.infos);
    free(whole);
    free(parts);
}

static void test_validator_parts_text(void **state)
{
    (void)state;
    check_parts(ESPI_VALIDATOR_TEXT, false, false, 0);
    check_parts(ESPI_VALIDATOR_TEXT, true, false, 0);
    check_parts(ESPI_VALIDATOR_TEXT, true, true, 0);
    check_parts(ESPI_VALIDATOR_TEXT, false, false, 1);
}

static void test_validator_parts_json(void **state)
{
    (void)state;
    check_parts(ESPI_VALIDATOR_JSON, false, false, 0);
    check_parts(ESPI_VALIDATOR_JSON, true, true, 0);
    check_parts(ESPI_VALIDATOR_JSON, false, false, 1);
}

static void test_validator_parts_jsonl(void **state)
{
    (void)state;
    check_parts(ESPI_VALIDATOR_JSONL, false, false, 0);
    check_parts(ESPI_VALIDATOR_JSONL, true, false, 0);
    check_parts(ESPI_VALIDATOR_JSONL, true, true, 1);
}

/* A part writes no summary and, in JSON, no bracket: the first part begins
 * with its object, a later one with the separator. */
static void test_validator_part_alone(void **state)
{
    (void)state;
    for (int first = 0; first < 2; first++) {
        espi_validator_options ro;
        espi_validator_options_init(&ro);
        ro.format = ESPI_VALIDATOR_JSON;
        ro.summary = true;
        ro.part = true;
        ro.first_part = first;
        sink s;
        sink_open(&s);
        espi_validator *r;
        espi_error err;
        assert_int_equal(espi_validator_new(&r, s.f, &ro, &err), 0);
        add_file(r, 0, NULL);
        assert_int_equal(espi_validator_finish(r, &err), 0);
        espi_validator_free(r);
        sink_close(&s);
        const char *expect = first ? "    {\n" : ",\n    {\n";
        assert_memory_equal(s.text, expect, strlen(expect));
        assert_int_equal(s.text[s.len - 1], '}'); /* no "]", no summary */
        free(s.text);
    }
}

/* ------------------------------------------------------------------ */
/* Dump                                                                */
/* ------------------------------------------------------------------ */

static const char *const dumped[] = {
    "espi/valid_dump_water.xml",          "bad/empty.xml", "espi/valid_dump_temperature.xml",
    "inputs/valid_three_feeds.zip", /* not read as a ZIP here: an error */
    "espi/valid_dump_summary_fields.xml",
};
#define NDUMPED (sizeof dumped / sizeof dumped[0])

static void dump_into(espi_dumper *d, const char *file)
{
    FILE *in = fopen(test_fixture(file), "rb");
    assert_non_null(in);
    espi_error err;
    espi_dumper_add(d, in, file, &err); /* a failure leaves what it leaves */
    fclose(in);
}

static size_t lines_of(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += s[i] == '\n';
    return n;
}

static void check_dump_parts(espi_dump_format format, espi_dump_what what)
{
    espi_dump_options o;
    espi_dump_options_init(&o);
    o.format = format;
    o.what = what;
    espi_error err;
    sink whole;
    sink_open(&whole);
    espi_dumper *d;
    assert_int_equal(espi_dumper_new(&d, whole.f, &o, &err), 0);
    for (size_t i = 0; i < NDUMPED; i++)
        dump_into(d, dumped[i]);
    assert_int_equal(espi_dumper_finish(d, &err), 0);
    size_t rows = espi_dumper_rows(d);
    espi_dumper_free(d);
    sink_close(&whole);

    char *joined = NULL;
    size_t len = 0, sum = 0;
    FILE *all = open_memstream(&joined, &len);
    assert_non_null(all);
    for (size_t i = 0; i < NDUMPED; i++) {
        espi_dump_options po = o;
        po.no_header = i > 0;
        sink s;
        sink_open(&s);
        assert_int_equal(espi_dumper_new(&d, s.f, &po, &err), 0);
        dump_into(d, dumped[i]);
        assert_int_equal(espi_dumper_finish(d, &err), 0);
        sum += espi_dumper_rows(d);
        espi_dumper_free(d);
        sink_close(&s);
        fwrite(s.text, 1, s.len, all);
        free(s.text);
    }
    assert_int_equal(fclose(all), 0);
    assert_int_equal(len, whole.len);
    assert_memory_equal(joined, whole.text, len);
    assert_int_equal(sum, rows);
    assert_true(rows > 0);
    if (format != ESPI_DUMP_JSON) /* a row a line, and the header */
        assert_int_equal(rows + (format == ESPI_DUMP_CSV), lines_of(whole.text, whole.len));
    free(joined);
    free(whole.text);
}

static void test_dumper_parts(void **state)
{
    (void)state;
    for (int f = ESPI_DUMP_CSV; f <= ESPI_DUMP_JSON; f++)
        for (int w = ESPI_DUMP_READINGS; w <= ESPI_DUMP_READING_TYPES; w++)
            check_dump_parts((espi_dump_format)f, (espi_dump_what)w);
}

/* no_header: a part with no rows writes nothing at all; the first part,
 * the header even with no rows. */
static void test_dumper_no_header_empty(void **state)
{
    (void)state;
    for (int no_header = 0; no_header < 2; no_header++) {
        espi_dump_options o;
        espi_dump_options_init(&o);
        o.no_header = no_header;
        sink s;
        sink_open(&s);
        espi_dumper *d;
        espi_error err;
        assert_int_equal(espi_dumper_new(&d, s.f, &o, &err), 0);
        dump_into(d, "bad/empty.xml");
        assert_int_equal(espi_dumper_finish(d, &err), 0);
        assert_int_equal(espi_dumper_rows(d), 0);
        espi_dumper_free(d);
        sink_close(&s);
        if (no_header)
            assert_int_equal(s.len, 0);
        else
            assert_memory_equal(s.text, "usage_point,meter_reading,", 26);
        free(s.text);
    }
}

/* Rows cut off with a file that failed (drop_failed) are not counted. */
static void test_dumper_rows_dropped(void **state)
{
    (void)state;
    espi_dump_options o;
    espi_dump_options_init(&o);
    o.drop_failed = true;
    FILE *dest = tmpfile();
    assert_non_null(dest);
    espi_dumper *d;
    espi_error err;
    assert_int_equal(espi_dumper_new(&d, dest, &o, &err), 0);
    dump_into(d, "espi/valid_dump_water.xml");
    size_t good = espi_dumper_rows(d);
    assert_true(good > 0);
    dump_into(d, "bad/truncated_xml_in_text.xml");
    assert_int_equal(espi_dumper_rows(d), good);
    assert_int_equal(espi_dumper_finish(d, &err), 0);
    espi_dumper_free(d);
    fclose(dest);
}

/* The new fields default to a whole report and a whole table. */
static void test_defaults(void **state)
{
    (void)state;
    espi_validator_options ro;
    memset(&ro, 0xAB, sizeof ro);
    espi_validator_options_init(&ro);
    assert_false(ro.part);
    assert_false(ro.first_part);
    assert_null(ro.on_finding);
    espi_dump_options o;
    memset(&o, 0xAB, sizeof o);
    espi_dump_options_init(&o);
    assert_false(o.no_header);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_validator_parts_text),
        cmocka_unit_test(test_validator_parts_json),
        cmocka_unit_test(test_validator_parts_jsonl),
        cmocka_unit_test(test_validator_part_alone),
        cmocka_unit_test(test_dumper_parts),
        cmocka_unit_test(test_dumper_no_header_empty),
        cmocka_unit_test(test_dumper_rows_dropped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
