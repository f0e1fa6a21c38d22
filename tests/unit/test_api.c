/* SPDX-License-Identifier: Apache-2.0 */
/* test_api.c - the evenness of the public API: every options struct has an
 * init that sets the documented defaults, every function that takes options
 * accepts NULL for them, and the version functions agree with the header. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

static int count_readings(const espi_resource *res, void *ctx)
{
    if (res->kind == ESPI_RES_INTERVAL_READING)
        ++*(size_t *)ctx;
    return 0;
}

static void test_version(void **state)
{
    (void)state;
    assert_string_equal(espi_version(), ESPI_VERSION);
    assert_true(ESPI_VERSION_NUMBER ==
                ESPI_VERSION_MAJOR * 10000 + ESPI_VERSION_MINOR * 100 + ESPI_VERSION_PATCH);
    char text[512];
    size_t need = espi_dependency_versions(text, sizeof text);
    assert_int_equal(need, strlen(text));
    assert_non_null(strstr(text, "libxml2 2."));
    assert_non_null(strstr(text, "yajl 2."));
    assert_non_null(strstr(text, "libzip "));
    char tiny[8];
    assert_int_equal(espi_dependency_versions(tiny, sizeof tiny), need);
    assert_int_equal(strlen(tiny), sizeof tiny - 1);
}

static void test_inits(void **state)
{
    (void)state;
    espi_validate_options vo;
    memset(&vo, 0xAB, sizeof vo);
    espi_validate_options_init(&vo);
    assert_int_equal(vo.set, ESPI_SCHEMA_ESPI_40);
    assert_false(vo.schema_only);
    assert_int_equal(vo.families, 0);
    assert_null(vo.on_finding);
    assert_int_equal(vo.max_per_rule, 0);
    assert_int_equal(vo.nignore + vo.nonly, 0); /* every rule */
    assert_null(vo.on_suppressed);
    assert_false(vo.skip_schema);

    espi_validator_options ro;
    memset(&ro, 0xAB, sizeof ro);
    espi_validator_options_init(&ro);
    assert_int_equal(ro.format, ESPI_VALIDATOR_TEXT);
    assert_false(ro.quiet);
    assert_false(ro.strict);
    assert_false(ro.summary);

    espi_dump_options dopts;
    memset(&dopts, 0xAB, sizeof dopts);
    espi_dump_options_init(&dopts);
    assert_int_equal(dopts.format, ESPI_DUMP_CSV);
    assert_int_equal(dopts.what, ESPI_DUMP_READINGS);
    assert_null(dopts.tz);
    assert_null(dopts.unit);
    assert_int_equal(dopts.chunk_size, 0);
    assert_false(dopts.drop_failed);

    espi_input_options io;
    memset(&io, 0xAB, sizeof io);
    espi_input_options_init(&io);
    assert_true(io.max_unpacked == ESPI_INPUT_MAX_UNPACKED);

    espi_read_options rd;
    memset(&rd, 0xAB, sizeof rd);
    espi_read_options_init(&rd);
    assert_null(rd.on_diag);
    assert_int_equal(rd.chunk_size, 0);
    assert_int_equal(rd.max_held, 0);

    espi_convert_options co;
    memset(&co, 0xAB, sizeof co);
    espi_convert_options_init(&co);
    assert_null(co.tz);
    assert_false(co.tz_explicit);
    assert_false(co.strict);
    assert_false(co.dry_run);

    espi_smarthub_options so;
    memset(&so, 0xAB, sizeof so);
    espi_smarthub_options_init(&so);
    assert_null(so.tz);
    assert_null(so.on_diag);

    espi_write_options wo;
    espi_write_options_init(&wo);
    assert_true(wo.updated == ESPI_TIME_UNSET);
}

/* NULL options read, validate and dump a Green Button file as the defaults. */
static void test_null_options_read_side(void **state)
{
    (void)state;
    const char *path = test_fixture("espi/valid_dump_dst_days.xml");
    espi_error err;
    size_t n = 0;
    FILE *in = fopen(path, "rb");
    assert_non_null(in);
    assert_int_equal(espi_read(in, "f.xml", NULL, count_readings, &n, &err), 0);
    fclose(in);
    assert_true(n > 0);

    in = fopen(path, "rb");
    assert_int_equal(espi_validate(NULL, in, "f.xml", NULL, NULL), 0);
    fclose(in);

    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    espi_dumper *d = NULL;
    assert_int_equal(espi_dumper_new(&d, out, NULL, &err), 0);
    in = fopen(path, "rb");
    assert_int_equal(espi_dumper_add(d, in, "f.xml", &err), 0);
    fclose(in);
    assert_int_equal(espi_dumper_finish(d, &err), 0);
    espi_dumper_free(d);
    fclose(out);
    size_t rows = 0;
    for (size_t i = 0; i < len; i++)
        rows += text[i] == '\n';
    assert_int_equal(rows, n + 1); /* the header, then a row a reading */
    free(text);

    out = open_memstream(&text, &len);
    espi_validator *v = NULL;
    bool valid = false;
    assert_int_equal(espi_validator_new(&v, out, NULL, &err), 0);
    in = fopen(path, "rb");
    assert_int_equal(espi_validator_add(&valid, v, in, "f.xml", NULL, &err), 0);
    fclose(in);
    assert_true(valid);
    assert_int_equal(espi_validator_finish(v, &err), 0);
    espi_validator_free(v);
    fclose(out);
    assert_non_null(strstr(text, "f.xml: valid"));
    free(text);
}

/* NULL options convert a Green Button file (it states its own zone); SmartHub
 * data need a zone, and saying so is an argument error, not a crash. */
static void test_null_options_convert(void **state)
{
    (void)state;
    espi_error err;
    espi_converter *c = NULL;
    assert_int_equal(espi_converter_new(&c, NULL, &err), 0);
    FILE *in = fopen(test_fixture("espi/valid_dump_dst_days.xml"), "rb");
    assert_int_equal(espi_converter_add(c, in, "f.xml", ESPI_FORMAT_AUTO, &err), 0);
    fclose(in);
    espi_feed *feed = NULL;
    assert_int_equal(espi_converter_finish(c, &feed, &err), 0);
    espi_converter_free(c);
    espi_feed_stats stats;
    espi_feed_stats_get(&stats, feed);
    assert_true(stats.readings > 0);
    assert_int_equal(espi_write_options_check(NULL, &err), 0);
    FILE *out = fopen("/dev/null", "wb");
    assert_int_equal(espi_feed_write_xml(out, "out.xml", feed, NULL, &err), 0);
    fclose(out);
    espi_feed_free(feed);

    const char *poll = test_fixture("smarthub/valid_15min_netmeter_cost_week.json");
    assert_int_equal(espi_converter_new(&c, NULL, &err), 0);
    in = fopen(poll, "rb");
    assert_int_equal(espi_converter_add(c, in, "poll.json", ESPI_FORMAT_AUTO, &err), ESPI_E_ARG);
    fclose(in);
    assert_string_equal(err.code, "tz");
    assert_string_equal(err.file, "poll.json");
    espi_converter_free(c);

    in = fopen(poll, "rb");
    assert_int_equal(espi_smarthub_read(&feed, in, "poll.json", NULL, &err), ESPI_E_ARG);
    fclose(in);
    assert_null(feed);
    assert_string_equal(err.code, "tz");
}

/* A Green Button file that states no zone is written in UTC, with a warning
 * (docs/repair.md); a converter given no input and no zone cannot place the
 * local days of anything, which is said. */
static void test_no_zone_anywhere(void **state)
{
    (void)state;
    espi_error err;
    test_diags diags = {0};
    espi_convert_options opts;
    espi_convert_options_init(&opts);
    opts.on_diag = test_collect_diag;
    opts.diag_ctx = &diags;
    espi_converter *c = NULL;
    assert_int_equal(espi_converter_new(&c, &opts, &err), 0);
    FILE *in = fopen(test_fixture("espi/valid_dump_no_ltp.xml"), "rb");
    assert_int_equal(espi_converter_add(c, in, "f.xml", ESPI_FORMAT_AUTO, &err), 0);
    fclose(in);
    espi_feed *feed = NULL;
    assert_int_equal(espi_converter_finish(c, &feed, &err), 0);
    assert_true(test_diag_find(&diags, "repair-ltp-missing") >= 0);
    espi_feed_free(feed);
    espi_converter_free(c);

    assert_int_equal(espi_converter_new(&c, NULL, &err), 0);
    assert_int_equal(espi_converter_finish(c, &feed, &err), ESPI_E_ARG);
    assert_string_equal(err.code, "tz");
    assert_null(feed);
    espi_converter_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version),
        cmocka_unit_test(test_inits),
        cmocka_unit_test(test_null_options_read_side),
        cmocka_unit_test(test_null_options_convert),
        cmocka_unit_test(test_no_zone_anywhere),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
