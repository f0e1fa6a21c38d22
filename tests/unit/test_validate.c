/* SPDX-License-Identifier: Apache-2.0 */
/* test_validate.c - espi_validate and its reports: findings in file order
 * with rule ids and lines, families chosen from the file or given, rules
 * of other families left out, the count cap, schema only, customer feeds,
 * and the JSON report parsed back. The rules one by one are
 * tests/feed/rules.sh's, over testdata/rules/. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

typedef struct collected {
    char codes[256][32];
    unsigned long lines[256];
    size_t n;
} collected;

static void collect(const espi_diag *d, void *ctx)
{
    collected *c = ctx;
    if (c->n < 256) {
        snprintf(c->codes[c->n], sizeof c->codes[0], "%s", d->code ? d->code : "");
        c->lines[c->n] = d->line;
    }
    c->n++;
}

static int count(const collected *c, const char *code)
{
    int n = 0;
    for (size_t i = 0; i < c->n && i < 256; i++)
        n += strcmp(c->codes[i], code) == 0;
    return n;
}

static int validate_text(const char *xml, espi_validate_options o, collected *c,
                         espi_validate_summary *s)
{
    memset(c, 0, sizeof *c);
    o.on_finding = collect;
    o.finding_ctx = c;
    FILE *in = test_stream(xml);
    espi_error err;
    int rc = espi_validate(s, in, "t.xml", &o, &err);
    fclose(in);
    return rc;
}

static int validate_file(const char *fixture, espi_validate_options o, collected *c,
                         espi_validate_summary *s)
{
    memset(c, 0, sizeof *c);
    o.on_finding = collect;
    o.finding_ctx = c;
    FILE *in = fopen(test_fixture(fixture), "rb");
    assert_non_null(in);
    espi_error err;
    int rc = espi_validate(s, in, fixture, &o, &err);
    fclose(in);
    return rc;
}

/* A feed espi convert wrote: valid, no finding, families from its ReadingTypes. */
static void test_clean_feed(void **state)
{
    (void)state;
    collected c;
    espi_validate_summary s;
    espi_validate_options o = {0};
    FILE *in = fopen(test_fixture("../tests/cli/expected/convert_netmeter_5h.xml"), "rb");
    assert_non_null(in);
    memset(&c, 0, sizeof c);
    o.on_finding = collect;
    o.finding_ctx = &c;
    espi_error err;
    assert_int_equal(espi_validate(&s, in, "f.xml", &o, &err), 0);
    fclose(in);
    assert_int_equal(c.n, 0);
    assert_int_equal(s.errors + s.warnings + s.infos, 0);
    /* electricity with cost, and its monthly summary computed from the readings */
    assert_int_equal(s.families, ESPI_FB_COMMON | ESPI_FB_INTERVAL | ESPI_FB_ELECTRICITY |
                                     ESPI_FB_COST | ESPI_FB_SUMMARY | ESPI_FB_SUMMARY_COST);
    assert_false(s.customer);
}

#define FEED_HEAD                                                                                  \
    "<feed xmlns=\"http://www.w3.org/2005/Atom\" xmlns:espi=\"http://naesb.org/espi\">\n"          \
    "<id>urn:uuid:00000000-0000-5000-8000-000000000001</id><title>t</title>"                       \
    "<updated>2026-01-01T00:00:00Z</updated>\n"

/* Findings come in file order, with the lines of what they are about;
 * the same file gives the same findings every time. */
static void test_findings_in_order(void **state)
{
    (void)state;
    const char *xml = FEED_HEAD
        "<entry><id>not-a-uuid</id><title>a</title><published>2026-01-01T00:00:00+01:00"
        "</published><updated>2026-01-01T00:00:00Z</updated>"
        "<link rel=\"self\" href=\"/a\"/><link rel=\"up\" href=\"/\"/>"
        "<content><espi:LocalTimeParameters><espi:dstEndRule>B40E</espi:dstEndRule>\n"
        "<espi:dstOffset>3600</espi:dstOffset><espi:dstStartRule>360E2000</espi:dstStartRule>\n"
        "<espi:tzOffset>-18000</espi:tzOffset></espi:LocalTimeParameters></content></entry>\n"
        "</feed>\n";
    collected a, b;
    espi_validate_summary s;
    espi_validate_options o = {0};
    assert_int_equal(validate_text(xml, o, &a, &s), ESPI_E_INPUT);
    assert_int_equal(validate_text(xml, o, &b, &s), ESPI_E_INPUT);
    assert_int_equal(a.n, b.n);
    for (size_t i = 0; i < a.n; i++) {
        assert_string_equal(a.codes[i], b.codes[i]);
        assert_int_equal(a.lines[i], b.lines[i]);
        if (i > 0 && a.lines[i] && a.lines[i - 1] && strcmp(a.codes[i], "feed-usage-point") != 0)
            assert_true(a.lines[i] >= a.lines[i - 1] || strncmp(a.codes[i], "link-", 5) == 0);
    }
    assert_int_equal(count(&a, "atom-time"), 1);
    assert_int_equal(count(&a, "ltp-rule"), 1);
    assert_int_equal(count(&a, "entry-id-form"), 1);
    for (size_t i = 0; i < a.n; i++)
        if (strcmp(a.codes[i], "ltp-rule") == 0)
            assert_int_equal(a.lines[i], 3); /* dstEndRule B40E */
}

/* Rules of a family apply when the profile has it, and not otherwise. */
static void test_profiles(void **state)
{
    (void)state;
    collected c;
    espi_validate_summary s;
    espi_validate_options o = {0};
    /* the feed espi convert writes passes Electricity with cost (its monthly summary is
     * computed from the readings); a feed without a summary fails FB_15 only when the
     * profile asks for it */
    assert_int_equal(validate_file("../tests/cli/expected/convert_netmeter_5h.xml", o, &c, &s), 0);
    assert_int_equal(validate_file("rules/feed-summary.fail.xml", o, &c, &s), 0);
    assert_int_equal(espi_profile_parse(&o.families, "electricity-cost"), 0);
    assert_int_equal(validate_file("../tests/cli/expected/convert_netmeter_5h.xml", o, &c, &s), 0);
    assert_int_equal(count(&c, "feed-summary"), 0);
    assert_int_equal(s.families, o.families);
    assert_int_equal(validate_file("rules/feed-summary.fail.xml", o, &c, &s), ESPI_E_INPUT);
    assert_int_equal(count(&c, "feed-summary"), 1);
    assert_int_equal(espi_profile_parse(&o.families, "temperature"), 0);
    assert_int_equal(validate_file("../tests/cli/expected/convert_netmeter_5h.xml", o, &c, &s),
                     ESPI_E_INPUT);
    assert_int_equal(count(&c, "fb-temperature"), 1);
    assert_int_equal(count(&c, "feed-summary"), 0);
    assert_int_equal(espi_profile_parse(&o.families, "plutonium"), ESPI_E_ARG);
    char text[128];
    espi_families_format(text, sizeof text, ESPI_FB_COMMON | ESPI_FB_GAS);
    assert_string_equal(text, "FB_01 FB_10");
}

/* --schema-only: the schema's verdict alone, as xmllint gives it. */
static void test_schema_only(void **state)
{
    (void)state;
    collected c;
    espi_validate_summary s;
    espi_validate_options o = {0};
    o.schema_only = true;
    assert_int_equal(validate_file("espi/valid_minimal_feed.xml", o, &c, &s), 0);
    assert_int_equal(c.n, 0);
    o.schema_only = false;
    assert_int_equal(validate_file("espi/valid_minimal_feed.xml", o, &c, &s), ESPI_E_INPUT);
    assert_true(c.n > 0);
    o.schema_only = true;
    assert_int_equal(validate_file("espi/invalid_schema_start_before_duration.xml", o, &c, &s),
                     ESPI_E_INPUT);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.codes[0], "schema");
    assert_int_equal(c.lines[0], 53);
}

/* skip_schema: the rules alone, with no schema finding; what the rules
 * find is what the full check finds (espi convert runs the schema on
 * another thread at the same time). */
static void test_skip_schema(void **state)
{
    (void)state;
    collected full, rules;
    espi_validate_summary s;
    espi_validate_options o = {0};
    validate_file("validate/invalid_huge_durations.xml", o, &full, &s);
    o.skip_schema = true;
    assert_int_equal(validate_file("validate/invalid_huge_durations.xml", o, &rules, &s),
                     ESPI_E_INPUT);
    assert_int_equal(count(&rules, "schema"), 0);
    assert_int_equal(count(&full, "schema"), 3);
    assert_int_equal(rules.n, full.n - 3);
    for (size_t i = 0, j = 0; i < full.n && i < 256; i++) {
        if (strcmp(full.codes[i], "schema") == 0)
            continue;
        assert_string_equal(rules.codes[j], full.codes[i]);
        assert_int_equal(rules.lines[j], full.lines[i]);
        j++;
    }
    validate_file("espi/invalid_schema_start_before_duration.xml", o, &rules, &s);
    assert_int_equal(count(&rules, "schema"), 0);
    o.schema_only = true; /* wins: the schema alone */
    assert_int_equal(validate_file("espi/invalid_schema_start_before_duration.xml", o, &rules, &s),
                     ESPI_E_INPUT);
    assert_int_equal(count(&rules, "schema"), 1);
}

/* Durations near 2^63: the ends they give are held at the int64 bounds (no
 * overflow, which the sanitizer build stops on), so the block still holds
 * both readings and the second falls inside the first. */
static void test_huge_durations(void **state)
{
    (void)state;
    collected c;
    espi_validate_summary s;
    espi_validate_options o = {0};
    assert_int_equal(validate_file("validate/invalid_huge_durations.xml", o, &c, &s), ESPI_E_INPUT);
    assert_int_equal(count(&c, "schema"), 3); /* no UInt32 */
    assert_int_equal(count(&c, "reading-overlap"), 1);
    assert_int_equal(count(&c, "block-cover"), 0);
    assert_int_equal(count(&c, "reading-duration"), 1); /* one, on the intervalLength */
}

/* A customer feed is checked against the customer schema, with no usage
 * families. */
static void test_customer(void **state)
{
    (void)state;
    collected c;
    espi_validate_summary s;
    espi_validate_options o = {0};
    o.schema_only = true;
    assert_int_equal(validate_file("espi/valid_customer_full.xml", o, &c, &s), 0);
    assert_true(s.customer);
    o.schema_only = false;
    validate_file("espi/valid_customer_full.xml", o, &c, &s);
    assert_true(s.customer);
    assert_int_equal(s.families, 0);
    assert_int_equal(count(&c, "feed-usage-point"), 0);
}

/* The JSON report parses, with a file object holding findings and counts. */
static void test_json_report(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    espi_validator *rep;
    espi_error err;
    espi_validator_options ro;
    espi_validator_options_init(&ro);
    ro.format = ESPI_VALIDATOR_JSON;
    assert_int_equal(espi_validator_new(&rep, out, &ro, &err), 0);
    FILE *in = fopen(test_fixture("espi/invalid_schema_start_before_duration.xml"), "rb");
    assert_non_null(in);
    bool valid = true;
    espi_validate_options o = {0};
    assert_int_equal(espi_validator_add(&valid, rep, in, "bad.xml", &o, &err), 0);
    fclose(in);
    assert_false(valid);
    espi_validator_unreadable(rep, "missing.xml", &(espi_error){.message = "cannot open"});
    assert_int_equal(espi_validator_finish(rep, &err), 0);
    espi_validator_free(rep);
    fclose(out);
    char errbuf[256];
    yajl_val doc = yajl_tree_parse(text, errbuf, sizeof errbuf);
    assert_non_null(doc);
    assert_true(YAJL_IS_ARRAY(doc));
    assert_int_equal(doc->u.array.len, 2);
    yajl_val file = doc->u.array.values[0];
    const char *p_file[] = {"file", NULL}, *p_valid[] = {"valid", NULL},
               *p_findings[] = {"findings", NULL}, *p_errors[] = {"errors", NULL},
               *p_rule[] = {"rule", NULL}, *p_line[] = {"line", NULL}, *p_error[] = {"error", NULL};
    assert_string_equal(YAJL_GET_STRING(yajl_tree_get(file, p_file, yajl_t_string)), "bad.xml");
    assert_true(YAJL_IS_FALSE(yajl_tree_get(file, p_valid, yajl_t_any)));
    yajl_val findings = yajl_tree_get(file, p_findings, yajl_t_array);
    assert_non_null(findings);
    assert_true(findings->u.array.len >= 1);
    /* in file order: the feed's findings (on <feed>, line 3) before the schema's */
    size_t last = findings->u.array.len - 1;
    assert_string_equal(
        YAJL_GET_STRING(yajl_tree_get(findings->u.array.values[last], p_rule, yajl_t_string)),
        "schema");
    assert_int_equal(
        YAJL_GET_INTEGER(yajl_tree_get(findings->u.array.values[last], p_line, yajl_t_number)), 53);
    long long previous = 0;
    for (size_t i = 0; i < findings->u.array.len; i++) {
        long long line =
            YAJL_GET_INTEGER(yajl_tree_get(findings->u.array.values[i], p_line, yajl_t_number));
        assert_true(line >= previous);
        previous = line;
    }
    assert_int_equal(YAJL_GET_INTEGER(yajl_tree_get(file, p_errors, yajl_t_number)),
                     (long long)findings->u.array.len -
                         0 /* every finding of this file is an error */);
    assert_string_equal(
        YAJL_GET_STRING(yajl_tree_get(doc->u.array.values[1], p_error, yajl_t_string)),
        "cannot open");
    yajl_tree_free(doc);
    free(text);
}

/* The catalogue: ids unique, each with a severity and a summary. */
static void test_catalogue(void **state)
{
    (void)state;
    size_t n;
    const espi_rule *rules = espi_rules(&n);
    assert_true(n > 60);
    for (size_t i = 0; i < n; i++) {
        assert_non_null(rules[i].summary);
        assert_ptr_equal(espi_rule_find(rules[i].id), &rules[i]);
        for (size_t k = i + 1; k < n; k++)
            assert_string_not_equal(rules[i].id, rules[k].id);
    }
    assert_null(espi_rule_find("no-such-rule"));
    assert_string_equal(espi_rule_find("reading-duplicate")->gba, "D145");
}

/* A document of one entry: checked as a feed of it, valid, with one info
 * that names the rules it cannot be held to, and none of their findings. */
static void test_fragment(void **state)
{
    (void)state;
    collected c;
    espi_validate_summary s;
    espi_validate_options o = {0};
    assert_int_equal(validate_file("espi/valid_dump_entry_root.xml", o, &c, &s), ESPI_OK);
    assert_int_equal(s.errors + s.warnings, 0);
    assert_int_equal(count(&c, "fragment"), 1);
    assert_int_equal(c.lines[0], 13);
    static const char *const whole[] = {"feed-id", "link-ib-up", "feed-usage-point",
                                        "fb-electricity"};
    for (size_t i = 0; i < sizeof whole / sizeof whole[0]; i++)
        assert_int_equal(count(&c, whole[i]), 0);
    /* a profile asks for more, which cannot apply either and is not reported; but it holds
     * the file to a GBA preset, whose D000 fails a lone entry: the info is then an error */
    o.families = ESPI_FB_COMMON | ESPI_FB_INTERVAL | ESPI_FB_SUMMARY;
    assert_int_equal(validate_file("espi/valid_dump_entry_root.xml", o, &c, &s), ESPI_E_INPUT);
    assert_int_equal(count(&c, "feed-summary"), 0);
    assert_int_equal(count(&c, "fragment"), 1);
    assert_int_equal(s.errors, 1);
}

/* Files the reader joins by another layout still break ESPI's link rules
 * (the certification joins by exact href), but their readings are checked
 * per meter reading: the hourly and register series of one meter, at the
 * same instants, are no repeats of each other. */
static void test_layouts_keep_link_rules(void **state)
{
    (void)state;
    collected c;
    espi_validate_summary s;
    espi_validate_options o = {0};
    assert_int_equal(validate_file("espi/valid_dump_layout_hierarchical.xml", o, &c, &s),
                     ESPI_E_INPUT);
    assert_int_equal(count(&c, "link-ib-up"), 2);
    assert_int_equal(count(&c, "link-mr-up"), 2);
    assert_int_equal(count(&c, "reading-duplicate"), 0);
    assert_int_equal(count(&c, "reading-overlap"), 0);
    assert_int_equal(count(&c, "fb-electricity"), 1); /* no UsagePoint links its readings */
    assert_int_equal(validate_file("espi/valid_dump_layout_opower.xml", o, &c, &s), ESPI_E_INPUT);
    assert_int_equal(count(&c, "link-mr-up"), 2);
    assert_int_equal(count(&c, "entry-up"), 9); /* no entry has one */
}

/* IntervalReading elements as a test feed writes them: one hour from START. */
#define READING(start)                                                                             \
    "<espi:IntervalReading><espi:timePeriod><espi:duration>3600</espi:duration><espi:start>" start \
    "</espi:start></espi:timePeriod><espi:value>1</espi:value></espi:IntervalReading>\n"
#define BLOCK_ENTRY(self, start, readings)                                                         \
    "<entry><id>urn:uuid:00000000-0000-5000-8000-0000000000" self "</id><title>b</title>"          \
    "<link rel=\"self\" href=\"/ib/" self "\"/><link rel=\"up\" href=\"/mr/1/ib\"/><content>"      \
    "<espi:IntervalBlock><espi:interval><espi:duration>10800</espi:duration><espi:start>" start    \
    "</espi:start></espi:interval>\n" readings "</espi:IntervalBlock></content></entry>\n"
#define TWO_READINGS BLOCK_ENTRY("11", "1700000000", READING("1700000000") READING("1700003600"))
#define THREE_READINGS                                                                             \
    BLOCK_ENTRY("12", "1700010800",                                                                \
                READING("1700010800") READING("1700014400") READING("1700018000"))
/* a reading that stands directly in <content>, in no block */
#define MISPLACED                                                                                  \
    "<entry><id>urn:uuid:00000000-0000-5000-8000-000000000013</id><title>m</title>"                \
    "<content>\n" READING("1700021600") "</content></entry>\n"

/* summary.readings counts the IntervalReadings checked: those of every block (5 in two
 * blocks here, the same under schema_only), not one that stands outside a block, which is
 * not read; 0 for a feed without readings. A validator's totals add them up over its files
 * and the parts merged into it. */
static void test_readings_counted(void **state)
{
    (void)state;
    const char *two_blocks = FEED_HEAD TWO_READINGS THREE_READINGS MISPLACED "</feed>\n";
    const char *none = FEED_HEAD "</feed>\n";
    collected c;
    espi_validate_summary s;
    espi_validate_options o = {0};
    memset(&s, 0xff, sizeof s); /* espi_validate sets every count */
    assert_int_equal(validate_text(two_blocks, o, &c, &s), ESPI_E_INPUT);
    assert_int_equal(s.readings, 5);
    assert_int_equal(count(&c, "reading-misplaced"), 1); /* the sixth, not read */
    assert_int_equal(count(&c, "block-empty"), 0);
    o.schema_only = true;
    validate_text(two_blocks, o, &c, &s);
    assert_int_equal(s.readings, 5);
    o.schema_only = false;
    memset(&s, 0xff, sizeof s);
    validate_text(none, o, &c, &s);
    assert_int_equal(s.readings, 0);

    /* a report's totals: the files of a part, merged into the report that frames it */
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    espi_validator *rep, *part;
    espi_error err;
    espi_validator_options ro;
    espi_validator_options_init(&ro);
    ro.quiet = true;
    assert_int_equal(espi_validator_new(&rep, out, &ro, &err), 0);
    ro.part = true;
    ro.first_part = true;
    assert_int_equal(espi_validator_new(&part, out, &ro, &err), 0);
    const char *inputs[] = {two_blocks, none, two_blocks};
    for (size_t i = 0; i < 3; i++) {
        FILE *in = test_stream(inputs[i]);
        bool valid;
        assert_int_equal(espi_validator_add(&valid, i == 2 ? rep : part, in, "t.xml", NULL, &err),
                         0);
        fclose(in);
    }
    espi_validator_unreadable(part, "missing.xml", &(espi_error){.message = "cannot open"});
    espi_validator_totals t;
    espi_validator_totals_get(&t, part);
    assert_int_equal(t.files, 3);
    assert_int_equal(t.readings, 5);
    assert_int_equal(espi_validator_finish(part, &err), 0);
    espi_validator_merge(rep, part);
    espi_validator_totals_get(&t, rep);
    assert_int_equal(t.files, 4);
    assert_int_equal(t.readings, 10);
    assert_int_equal(espi_validator_finish(rep, &err), 0);
    espi_validator_free(part);
    espi_validator_free(rep);
    fclose(out);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean_feed),
        cmocka_unit_test(test_findings_in_order),
        cmocka_unit_test(test_profiles),
        cmocka_unit_test(test_huge_durations),
        cmocka_unit_test(test_schema_only),
        cmocka_unit_test(test_skip_schema),
        cmocka_unit_test(test_customer),
        cmocka_unit_test(test_json_report),
        cmocka_unit_test(test_catalogue),
        cmocka_unit_test(test_fragment),
        cmocka_unit_test(test_layouts_keep_link_rules),
        cmocka_unit_test(test_readings_counted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
