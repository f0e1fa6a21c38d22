/* SPDX-License-Identifier: Apache-2.0 */
/* test_validate_report.c - what espi_validate reports and how: rules left
 * out with ignore and only (counted, never in the verdict; a finding that
 * stops the reading kept), the counts max_per_rule holds back (a callback,
 * not a finding), a rule's explanation from docs/rules.md, the repairable
 * flag, and the validator's text, JSON and JSON-lines reports parsed back. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

typedef struct tally {
    size_t n;
    char codes[128][32];
    size_t suppressed_calls, suppressed;
    char suppressed_rule[32];
} tally;

static void on_finding(const espi_diag *d, void *ctx)
{
    tally *t = ctx;
    if (t->n < 128)
        snprintf(t->codes[t->n], sizeof t->codes[0], "%s", d->code);
    t->n++;
}

static void on_suppressed(const espi_rule *rule, size_t count, void *ctx)
{
    tally *t = ctx;
    t->suppressed_calls++;
    t->suppressed += count;
    snprintf(t->suppressed_rule, sizeof t->suppressed_rule, "%s", rule->id);
}

static size_t count(const tally *t, const char *code)
{
    size_t n = 0;
    for (size_t i = 0; i < t->n && i < 128; i++)
        n += strcmp(t->codes[i], code) == 0;
    return n;
}

static int run(const char *fixture, espi_validate_options o, tally *t, espi_validate_summary *s,
               espi_error *err)
{
    memset(t, 0, sizeof *t);
    o.on_finding = on_finding;
    o.on_suppressed = on_suppressed;
    o.finding_ctx = t;
    FILE *in = fopen(test_fixture(fixture), "rb");
    assert_non_null(in);
    int rc = espi_validate(s, in, fixture, &o, err);
    fclose(in);
    return rc;
}

/* Findings of atom-time and reading-duplicate (errors) and entry-id-form (a warning). */
#define FIXTURE "validate/mixed_findings.xml"

/* ignore: the rules' findings are neither listed nor counted as errors; the
 * summary counts them as ignored. */
static void test_ignore(void **state)
{
    (void)state;
    tally all, t;
    espi_validate_summary s_all, s;
    espi_error err;
    espi_validate_options o;
    espi_validate_options_init(&o);
    assert_int_equal(run(FIXTURE, o, &all, &s_all, &err), ESPI_E_INPUT);
    size_t times = count(&all, "atom-time"), repeats = count(&all, "reading-duplicate");
    assert_true(times > 0 && repeats > 0 && count(&all, "entry-id-form") > 0);
    assert_int_equal(s_all.errors, times + repeats);
    assert_int_equal(s_all.ignored, 0);
    const char *const ignore[] = {"atom-time", "reading-duplicate"};
    o.ignore = ignore;
    o.nignore = 2;
    assert_int_equal(run(FIXTURE, o, &t, &s, &err), ESPI_OK); /* its errors ignored: valid */
    assert_int_equal(count(&t, "atom-time"), 0);
    assert_int_equal(count(&t, "reading-duplicate"), 0);
    assert_int_equal(t.n, all.n - times - repeats);
    assert_int_equal(s.errors, 0);
    assert_int_equal(s.warnings, s_all.warnings);
    assert_int_equal(s.ignored, times + repeats);
    /* every rule left out: nothing is listed, everything counted as ignored */
    size_t n;
    const espi_rule *rules = espi_rules(&n);
    const char **every = calloc(n, sizeof *every);
    assert_non_null(every);
    for (size_t i = 0; i < n; i++)
        every[i] = rules[i].id;
    o.ignore = every;
    o.nignore = n;
    assert_int_equal(run(FIXTURE, o, &t, &s, &err), ESPI_OK);
    assert_int_equal(t.n, 0);
    assert_int_equal(s.errors + s.warnings + s.infos, 0);
    assert_int_equal(s.ignored, s_all.errors + s_all.warnings + s_all.infos);
    free(every);
}

/* only: those rules alone; with ignore, less those. */
static void test_only(void **state)
{
    (void)state;
    tally all, t;
    espi_validate_summary s_all, s;
    espi_error err;
    espi_validate_options o;
    espi_validate_options_init(&o);
    assert_int_equal(run(FIXTURE, o, &all, &s_all, &err), ESPI_E_INPUT);
    size_t total = s_all.errors + s_all.warnings + s_all.infos;
    const char *const only[] = {"entry-id-form", "reading-duplicate"};
    o.only = only;
    o.nonly = 2;
    assert_int_equal(run(FIXTURE, o, &t, &s, &err), ESPI_E_INPUT);
    assert_int_equal(t.n, count(&all, "entry-id-form") + count(&all, "reading-duplicate"));
    assert_int_equal(t.n, count(&t, "entry-id-form") + count(&t, "reading-duplicate"));
    assert_int_equal(s.ignored, total - t.n);
    const char *const ignore[] = {"reading-duplicate"};
    o.ignore = ignore;
    o.nignore = 1;
    assert_int_equal(run(FIXTURE, o, &t, &s, &err), ESPI_OK);
    assert_int_equal(count(&t, "reading-duplicate"), 0);
    assert_int_equal(t.n, count(&all, "entry-id-form"));
    assert_int_equal(s.ignored, total - t.n);
}

/* An id that is not a rule: ESPI_E_ARG, named, nothing read. */
static void test_unknown_rule(void **state)
{
    (void)state;
    tally t;
    espi_validate_summary s;
    espi_error err;
    espi_validate_options o;
    espi_validate_options_init(&o);
    const char *const ignore[] = {"entry-id", "no-such-rule"};
    o.ignore = ignore;
    o.nignore = 2;
    assert_int_equal(run(FIXTURE, o, &t, &s, &err), ESPI_E_ARG);
    assert_non_null(strstr(err.message, "'no-such-rule'"));
    assert_int_equal(t.n, 0);
    o.nignore = 0;
    o.only = ignore + 1;
    o.nonly = 1;
    assert_int_equal(run(FIXTURE, o, &t, &s, &err), ESPI_E_ARG);
}

/* A finding that stops the reading is reported even when left out: the
 * rest of the file was not checked, so it cannot pass. */
static void test_fatal_kept(void **state)
{
    (void)state;
    tally t;
    espi_validate_summary s;
    espi_error err;
    espi_validate_options o;
    espi_validate_options_init(&o);
    const char *const ignore[] = {"xml-syntax"};
    o.ignore = ignore;
    o.nignore = 1;
    assert_int_equal(run("rules/xml-syntax.fail.xml", o, &t, &s, &err), ESPI_E_INPUT);
    assert_int_equal(count(&t, "xml-syntax"), 1);
    assert_int_equal(s.errors, 1);
    const char *const only[] = {"schema"};
    o.nignore = 0;
    o.only = only;
    o.nonly = 1;
    assert_int_equal(run("rules/xml-syntax.fail.xml", o, &t, &s, &err), ESPI_E_INPUT);
    assert_int_equal(count(&t, "xml-syntax"), 1);
}

#define FEED_HEAD                                                                                  \
    "<feed xmlns=\"http://www.w3.org/2005/Atom\" xmlns:espi=\"http://naesb.org/espi\">\n"          \
    "<id>urn:uuid:00000000-0000-5000-8000-000000000001</id><title>t</title>"                       \
    "<updated>2026-01-01T00:00:00Z</updated>\n"

/* A feed of 30 entries whose ids are not UUIDs: 30 entry-id-form warnings. */
static char *thirty_bad_ids(void)
{
    char *xml = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&xml, &size);
    assert_non_null(f);
    fputs(FEED_HEAD, f);
    for (int i = 0; i < 30; i++)
        fprintf(f,
                "<entry><id>x%d</id><title>t</title><published>2026-01-01T00:00:00Z"
                "</published><updated>2026-01-01T00:00:00Z</updated><link rel=\"self\" "
                "href=\"/o/%d\"/><link rel=\"up\" href=\"/o\"/><content><espi:ServiceStatus>"
                "<espi:currentStatus>0</espi:currentStatus></espi:ServiceStatus></content>"
                "</entry>\n",
                i, i);
    fputs("</feed>\n", f);
    fclose(f);
    return xml;
}

/* max_per_rule: what is held back comes as a count per rule through
 * on_suppressed, never as a finding; the totals keep it. */
static void test_suppressed(void **state)
{
    (void)state;
    char *xml = thirty_bad_ids();
    tally t;
    memset(&t, 0, sizeof t);
    espi_validate_options o;
    espi_validate_options_init(&o);
    o.max_per_rule = 5;
    o.on_finding = on_finding;
    o.on_suppressed = on_suppressed;
    o.finding_ctx = &t;
    espi_validate_summary s;
    espi_error err;
    FILE *in = test_stream(xml);
    assert_int_equal(espi_validate(&s, in, "t.xml", &o, &err), ESPI_OK);
    fclose(in);
    assert_int_equal(count(&t, "entry-id-form"), 5);
    assert_int_equal(t.suppressed_calls, 1);
    assert_int_equal(t.suppressed, 25);
    assert_string_equal(t.suppressed_rule, "entry-id-form");
    assert_int_equal(s.suppressed, 25);
    assert_int_equal(s.warnings, 30);
    /* left out, a rule holds nothing back: its findings are only ignored */
    const char *const ignore[] = {"entry-id-form"};
    o.ignore = ignore;
    o.nignore = 1;
    memset(&t, 0, sizeof t);
    in = test_stream(xml);
    assert_int_equal(espi_validate(&s, in, "t.xml", &o, &err), ESPI_OK);
    fclose(in);
    assert_int_equal(t.suppressed_calls, 0);
    assert_int_equal(s.suppressed, 0);
    assert_int_equal(s.ignored, 30);
    assert_int_equal(s.warnings, 0);
    free(xml);
}

/* --verbose lists the readings behind a summing finding, which are no
 * findings: left out, the rule counts one ignored finding, not one per reading. */
static void test_ignore_verbose(void **state)
{
    (void)state;
    const char *const ignore[] = {"reading-duration"};
    espi_validate_options o;
    espi_validate_options_init(&o);
    o.verbose = true;
    tally t;
    espi_validate_summary s;
    espi_error err;
    assert_int_equal(run("rules/reading-duration.fail.xml", o, &t, &s, &err), ESPI_OK);
    assert_int_equal(count(&t, "reading-duration"), 3); /* the finding and its 2 readings */
    assert_int_equal(s.warnings, 1);
    o.ignore = ignore;
    o.nignore = 1;
    assert_int_equal(run("rules/reading-duration.fail.xml", o, &t, &s, &err), ESPI_OK);
    assert_int_equal(t.n, 0);
    assert_int_equal(s.warnings, 0);
    assert_int_equal(s.ignored, 1);
}

/* Every rule has its explanation: its section of docs/rules.md, with a
 * failing and a passing example, and no other rule's section. */
static void test_explain(void **state)
{
    (void)state;
    size_t n;
    const espi_rule *rules = espi_rules(&n);
    for (size_t i = 0; i < n; i++) {
        const char *text;
        size_t len;
        if (espi_rule_explain(&text, &len, rules[i].id) != 0)
            fail_msg("rule %s: no '### %s' section in docs/rules.md", rules[i].id, rules[i].id);
        char *copy = strndup(text, len);
        assert_non_null(copy);
        char heading[64];
        snprintf(heading, sizeof heading, "### %s\n", rules[i].id);
        assert_memory_equal(copy, heading, strlen(heading));
        assert_null(strstr(copy + 4, "\n### "));
        assert_null(strstr(copy, "\n## "));
        assert_non_null(strstr(copy, "\nFails ("));
        assert_non_null(strstr(copy, "\nPasses ("));
        assert_true(len > 0 && copy[len - 1] != '\n'); /* trailing blank lines trimmed */
        free(copy);
    }
    const char *text = "x";
    size_t len = 1;
    assert_int_equal(espi_rule_explain(&text, &len, "no-such-rule"), ESPI_E_ARG);
    assert_null(text);
    assert_int_equal(len, 0);
    assert_int_equal(espi_rule_explain(&text, &len, "### reading"), ESPI_E_ARG);
}

/* The repairable flag follows what espi convert repairs (docs/repair.md). */
static void test_repairable(void **state)
{
    (void)state;
    assert_true(espi_rule_find("entry-id-form")->repairable);
    assert_true(espi_rule_find("link-mr-up")->repairable);
    assert_true(espi_rule_find("time-milliseconds")->repairable);
    assert_false(espi_rule_find("xml-syntax")->repairable);
    assert_false(espi_rule_find("reading-overlap")->repairable);
    assert_false(espi_rule_find("time-range")->repairable);
}

/* A whole report into memory. */
static char *report(espi_validator_options ro, const char *xml, const espi_validate_options *vo)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    espi_validator *rep;
    espi_error err;
    assert_int_equal(espi_validator_new(&rep, out, &ro, &err), 0);
    bool valid = false;
    FILE *in = test_stream(xml);
    assert_int_equal(espi_validator_add(&valid, rep, in, "a.xml", vo, &err), 0);
    fclose(in);
    assert_true(valid);
    in = fopen(test_fixture("rules/reading-duplicate.fail.xml"), "rb");
    assert_non_null(in);
    assert_int_equal(espi_validator_add(&valid, rep, in, "b.xml", vo, &err), 0);
    fclose(in);
    assert_false(valid);
    espi_validator_unreadable(rep, "c.xml", &(espi_error){.message = "cannot open"});
    assert_int_equal(espi_validator_finish(rep, &err), 0);
    espi_validator_free(rep);
    fclose(out);
    return text;
}

/* Text: a line per rule cut short and one on what espi convert repairs,
 * neither shaped as a finding; the closing totals. */
static void test_text_report(void **state)
{
    (void)state;
    char *xml = thirty_bad_ids();
    espi_validator_options ro;
    espi_validator_options_init(&ro);
    ro.summary = true;
    espi_validate_options vo;
    espi_validate_options_init(&vo);
    vo.max_per_rule = 5;
    char *text = report(ro, xml, &vo);
    assert_non_null(strstr(text, "\na.xml: 25 more findings of entry-id-form not listed\n"));
    assert_non_null(strstr(text, "\na.xml: espi convert repairs 30 findings: entry-id-form 30\n"));
    assert_null(strstr(text, "warning: entry-id-form: 25"));
    assert_non_null(strstr(text, "\n3 files: 1 valid, 1 invalid, 1 unreadable\n"));
    free(text);
    ro.quiet = true; /* verdicts (and totals) only */
    text = report(ro, xml, &vo);
    assert_null(strstr(text, "not listed"));
    assert_null(strstr(text, "espi convert"));
    assert_non_null(strstr(text, "a.xml: valid"));
    free(text);
    free(xml);
}

static yajl_val get(yajl_val obj, const char *key)
{
    const char *path[] = {key, NULL};
    return yajl_tree_get(obj, path, yajl_t_any);
}

/* A position is a positive integer, or null when not known; never 0. */
static void check_finding(yajl_val f)
{
    const char *keys[] = {"line", "column"};
    for (size_t k = 0; k < 2; k++) {
        yajl_val v = get(f, keys[k]);
        assert_non_null(v);
        assert_true(YAJL_IS_NULL(v) || (YAJL_IS_INTEGER(v) && YAJL_GET_INTEGER(v) > 0));
    }
    yajl_val r = get(f, "repairable");
    assert_true(r && (YAJL_IS_TRUE(r) || YAJL_IS_FALSE(r)));
}

/* JSON lines: one object per file and line, the summary last; held-back
 * findings a count per rule. */
static void test_jsonl_report(void **state)
{
    (void)state;
    char *xml = thirty_bad_ids();
    espi_validator_options ro;
    espi_validator_options_init(&ro);
    ro.format = ESPI_VALIDATOR_JSONL;
    ro.summary = true;
    espi_validate_options vo;
    espi_validate_options_init(&vo);
    vo.max_per_rule = 5;
    char *text = report(ro, xml, &vo);
    const char *names[] = {"a.xml", "b.xml", "c.xml"};
    char *line = text;
    for (int i = 0; i < 4; i++) {
        char *nl = strchr(line, '\n');
        assert_non_null(nl);
        *nl = '\0';
        char errbuf[256];
        yajl_val doc = yajl_tree_parse(line, errbuf, sizeof errbuf);
        assert_non_null(doc);
        assert_true(YAJL_IS_OBJECT(doc));
        if (i == 3) {
            yajl_val sum = get(doc, "summary");
            assert_non_null(sum);
            assert_int_equal(YAJL_GET_INTEGER(get(sum, "files")), 3);
            assert_int_equal(YAJL_GET_INTEGER(get(sum, "valid")), 1);
            assert_int_equal(YAJL_GET_INTEGER(get(sum, "invalid")), 1);
            assert_int_equal(YAJL_GET_INTEGER(get(sum, "unreadable")), 1);
        } else {
            assert_string_equal(YAJL_GET_STRING(get(doc, "file")), names[i]);
            yajl_val findings = get(doc, "findings");
            assert_true(YAJL_IS_ARRAY(findings));
            for (size_t k = 0; k < findings->u.array.len; k++)
                check_finding(findings->u.array.values[k]);
            yajl_val suppressed = get(doc, "suppressed");
            assert_true(YAJL_IS_OBJECT(suppressed));
            if (i == 0) {
                assert_int_equal(findings->u.array.len, 5);
                assert_int_equal(suppressed->u.object.len, 1);
                assert_int_equal(YAJL_GET_INTEGER(get(suppressed, "entry-id-form")), 25);
                assert_int_equal(YAJL_GET_INTEGER(get(doc, "warnings")), 30);
            }
            assert_int_equal(YAJL_GET_INTEGER(get(doc, "ignored")), 0);
            if (i == 2)
                assert_string_equal(YAJL_GET_STRING(get(doc, "error")), "cannot open");
        }
        yajl_tree_free(doc);
        line = nl + 1;
    }
    assert_string_equal(line, "");
    free(text);
    /* the JSON array stays one array of file objects: no summary in it */
    ro.format = ESPI_VALIDATOR_JSON;
    text = report(ro, xml, &vo);
    char errbuf[256];
    yajl_val doc = yajl_tree_parse(text, errbuf, sizeof errbuf);
    assert_non_null(doc);
    assert_true(YAJL_IS_ARRAY(doc));
    assert_int_equal(doc->u.array.len, 3);
    yajl_tree_free(doc);
    free(text);
    free(xml);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ignore),       cmocka_unit_test(test_only),
        cmocka_unit_test(test_unknown_rule), cmocka_unit_test(test_fatal_kept),
        cmocka_unit_test(test_suppressed),   cmocka_unit_test(test_ignore_verbose),
        cmocka_unit_test(test_explain),      cmocka_unit_test(test_repairable),
        cmocka_unit_test(test_text_report),  cmocka_unit_test(test_jsonl_report),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
