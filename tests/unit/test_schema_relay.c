/* SPDX-License-Identifier: Apache-2.0 */
/* test_schema_relay.c - the schema validator fed recorded events on a
 * thread of its own (schema_relay.c) says what it says plugged in
 * directly: every fixture under testdata/ and a large damaged feed give
 * espi_validate the same findings (rule, place, entry, message, in order),
 * counts and errors with threads 1 and 0; the relay alone, with small
 * blocks, gives libxml2's schema errors, lines included, and starts its
 * thread only for a document larger than a block. */
#include "testutil.h"

#include "validate/schema.h"
#include "validate/schema_relay.h"

#include <dirent.h>
#include <libxml/parserInternals.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ------------------------------------------------------------------ */
/* A growing text                                                      */
/* ------------------------------------------------------------------ */

typedef struct text {
    char *s;
    size_t n, cap;
} text;

static void add(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    assert_true(k >= 0);
    if (t->n + (size_t)k + 1 > t->cap) {
        t->cap = (t->n + (size_t)k + 1) * 2;
        t->s = realloc(t->s, t->cap);
        assert_non_null(t->s);
    }
    va_start(ap, fmt);
    vsnprintf(t->s + t->n, t->cap - t->n, fmt, ap);
    va_end(ap);
    t->n += (size_t)k;
}

/* ------------------------------------------------------------------ */
/* espi_validate both ways                                             */
/* ------------------------------------------------------------------ */

static void on_finding(const espi_diag *d, void *ctx)
{
    add(ctx, "%d %s %lu:%lu [%s] %s\n", (int)d->severity, d->code ? d->code : "", d->line,
        d->column, d->where ? d->where : "", d->message ? d->message : "");
}

static void on_suppressed(const espi_rule *r, size_t count, void *ctx)
{
    add(ctx, "suppressed %s %zu\n", r->id, count);
}

/* Everything espi_validate says of bytes, as one text. */
static char *validate_said(const char *bytes, size_t len, espi_validate_options o)
{
    text t = {0};
    o.on_finding = on_finding;
    o.on_suppressed = on_suppressed;
    o.finding_ctx = &t;
    FILE *in = fmemopen((void *)(uintptr_t)bytes, len, "rb");
    assert_non_null(in);
    espi_validate_summary s;
    espi_error err;
    int rc = espi_validate(&s, in, "t.xml", &o, &err);
    fclose(in);
    add(&t, "rc %d errors %zu warnings %zu infos %zu ignored %zu suppressed %zu readings %zu\n", rc,
        s.errors, s.warnings, s.infos, s.ignored, s.suppressed, s.readings);
    add(&t, "err %s %lu:%lu %s\n", err.code, err.line, err.column, err.message);
    return t.s;
}

/* threads 1 (the schema plugged in) and 0 (the relay) say the same. */
static void assert_same_both_ways(const char *bytes, size_t len, espi_validate_options o,
                                  const char *what)
{
    o.threads = 1;
    char *direct = validate_said(bytes, len, o);
    o.threads = 0;
    char *relayed = validate_said(bytes, len, o);
    if (strcmp(direct, relayed) != 0)
        fail_msg("%s: threads 1 and 0 differ\n--- 1:\n%s--- 0:\n%s", what, direct, relayed);
    free(direct);
    free(relayed);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    text t = {0};
    char buf[65536];
    size_t n;
    add(&t, "%s", "");
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        if (t.n + n + 1 > t.cap) {
            t.cap = (t.n + n + 1) * 2;
            t.s = realloc(t.s, t.cap);
            assert_non_null(t.s);
        }
        memcpy(t.s + t.n, buf, n);
        t.n += n;
    }
    fclose(f);
    *len = t.n;
    return t.s;
}

static size_t fixtures_checked;

static void check_tree(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        assert_int_equal(stat(path, &st), 0);
        size_t n = strlen(e->d_name);
        if (S_ISDIR(st.st_mode)) {
            check_tree(path);
        } else if (n > 4 && strcmp(e->d_name + n - 4, ".xml") == 0) {
            size_t len;
            char *bytes = slurp(path, &len);
            espi_validate_options o;
            espi_validate_options_init(&o);
            assert_same_both_ways(bytes, len, o, path);
            o.set = ESPI_SCHEMA_ESPI_33;
            assert_same_both_ways(bytes, len, o, path);
            free(bytes);
            fixtures_checked++;
        }
    }
    closedir(d);
}

static void every_fixture_agrees(void **state)
{
    (void)state;
    char root[4096];
    snprintf(root, sizeof root, "%s", test_fixture(""));
    check_tree(root);
    assert_true(fixtures_checked > 200); /* testdata/ has some 250 */
}

/* ------------------------------------------------------------------ */
/* A large feed, damaged                                               */
/* ------------------------------------------------------------------ */

#define BLOCKS 12
#define READINGS 4000 /* a block's: about 9 MB in all */

static const char *feed_head =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<feed xmlns=\"http://www.w3.org/2005/Atom\" xmlns:espi=\"http://naesb.org/espi\">\n"
    "  <id>urn:uuid:0c4b7f0e-2f6a-5c55-9c1e-7a1d3c2b4e10</id>\n"
    "  <title>Large feed</title>\n"
    "  <updated>2026-11-28T00:00:00Z</updated>\n"
    "  <link rel=\"self\" href=\"/espi/1_1/resource/Batch/RetailCustomer/1/UsagePoint\" "
    "type=\"espi-feed/UsagePoint\"/>\n"
    "  <entry>\n"
    "    <id>urn:uuid:7a6e2d1c-4b3f-5a09-9e8d-1c2b3a4f5e60</id>\n"
    "    <link rel=\"self\" href=\"/espi/1_1/resource/RetailCustomer/1/UsagePoint/1\" "
    "type=\"espi-entry/UsagePoint\"/>\n"
    "    <link rel=\"up\" href=\"/espi/1_1/resource/RetailCustomer/1/UsagePoint\" "
    "type=\"espi-feed/UsagePoint\"/>\n"
    "    <title>Electricity service</title>\n"
    "    <content>\n"
    "      <espi:UsagePoint>\n"
    "        <espi:ServiceCategory><espi:kind>0</espi:kind></espi:ServiceCategory>\n"
    "      </espi:UsagePoint>\n"
    "    </content>\n"
    "    <published>2026-11-28T00:00:00Z</published>\n"
    "    <updated>2026-11-28T00:00:00Z</updated>\n"
    "  </entry>\n";

/* One reading, damaged now and then: for the schema (a value that is no
 * number, start before duration, an element not in the schema, an
 * attribute not allowed, a CDATA value) and for the rules (a reading
 * outside its block, a repeated start). */
static void add_reading(text *t, long i, long start)
{
    const char *value = i % 37 == 5 ? "x1" : "380";
    if (i % 1301 == 7) {
        add(t,
            "        <espi:IntervalReading>\n          <espi:timePeriod>\n"
            "            <espi:start>%ld</espi:start>\n            "
            "<espi:duration>900</espi:duration>\n"
            "          </espi:timePeriod>\n          <espi:value>%s</espi:value>\n"
            "        </espi:IntervalReading>\n",
            start, value);
        return;
    }
    if (i % 1777 == 3)
        start += 86400L * 400; /* far outside the block */
    if (i % 2003 == 11)
        start -= 900; /* the start before it again */
    add(t,
        "        <espi:IntervalReading%s>\n          <espi:timePeriod>\n"
        "            <espi:duration>900</espi:duration>\n            <espi:start>%ld</espi:start>\n"
        "          </espi:timePeriod>\n          <espi:value>%s</espi:value>%s\n"
        "        </espi:IntervalReading>\n",
        i % 2411 == 9 ? " extra=\"1\"" : "", start, i % 3001 == 17 ? "<![CDATA[42]]>" : value,
        i % 1523 == 1 ? "<espi:note>no such element</espi:note>" : "");
}

static char *large_feed(size_t *len)
{
    text t = {0};
    add(&t, "%s", feed_head);
    long start = 1735689600; /* 2025-01-01 */
    for (int b = 0; b < BLOCKS; b++) {
        add(&t,
            "  <entry>\n    <id>urn:uuid:9b8a7c6d-5e4f-5321-a0b1-%012d</id>\n"
            "    <link rel=\"self\" href=\"/espi/1_1/resource/RetailCustomer/1/UsagePoint/1/"
            "MeterReading/1/IntervalBlock/%d\" type=\"espi-entry/IntervalBlock\"/>\n"
            "    <link rel=\"up\" href=\"/espi/1_1/resource/RetailCustomer/1/UsagePoint/1/"
            "MeterReading/1/IntervalBlock\" type=\"espi-feed/IntervalBlock\"/>\n"
            "    <title>Block %d</title>\n    <content>\n      <espi:IntervalBlock>\n"
            "        <espi:interval><espi:duration>%d</espi:duration>"
            "<espi:start>%ld</espi:start></espi:interval>\n",
            b, b + 1, b + 1, READINGS * 900, start);
        for (long i = 0; i < READINGS; i++)
            add_reading(&t, (long)b * READINGS + i, start + i * 900);
        start += (long)READINGS * 900;
        add(&t, "      </espi:IntervalBlock>\n    </content>\n"
                "    <published>2026-11-28T00:00:00Z</published>\n"
                "    <updated>2026-11-28T00:00:00Z</updated>\n  </entry>\n");
    }
    add(&t, "</feed>\n");
    *len = t.n;
    return t.s;
}

static void large_feed_agrees(void **state)
{
    (void)state;
    size_t len;
    char *feed = large_feed(&len);
    assert_true(len > 8 * 1024 * 1024);
    espi_validate_options o;
    espi_validate_options_init(&o);
    assert_same_both_ways(feed, len, o, "large feed");

    /* the schema findings are many: each way keeps the same 1,000 and counts the rest */
    o.threads = 0;
    char *said = validate_said(feed, len, o);
    assert_non_null(strstr(said, "suppressed schema "));
    assert_non_null(strstr(said, "[entry urn:uuid:9b8a7c6d-5e4f-5321-a0b1-000000000005] Element"));
    free(said);

    o.max_per_rule = 3;
    assert_same_both_ways(feed, len, o, "large feed, max_per_rule 3");
    o.max_per_rule = 0;
    const char *schema_rule[] = {"schema"};
    o.ignore = schema_rule;
    o.nignore = 1;
    assert_same_both_ways(feed, len, o, "large feed, schema ignored");
    o.ignore = NULL;
    o.nignore = 0;
    o.only = schema_rule;
    o.nonly = 1;
    assert_same_both_ways(feed, len, o, "large feed, schema only rule");
    o.only = NULL;
    o.nonly = 0;
    o.verbose = true;
    o.set = ESPI_SCHEMA_ESPI_33;
    assert_same_both_ways(feed, len, o, "large feed, 3.3, verbose");
    o.verbose = false;
    o.schema_only = true;
    assert_same_both_ways(feed, len, o, "large feed, schema alone");
    /* cut short in the middle of a block */
    o.schema_only = false;
    assert_same_both_ways(feed, len / 2 + 3, o, "large feed cut short");
    free(feed);
}

/* ------------------------------------------------------------------ */
/* The relay alone                                                     */
/* ------------------------------------------------------------------ */

static void on_schema_error(void *ctx, xmlErrorPtr e)
{
    add(ctx, "%d %d %s", e->level, e->line, e->message ? e->message : "");
}

static int locate_parser(void *ctx, const char **file, unsigned long *line)
{
    xmlParserCtxtPtr p = ctx;
    *file = NULL;
    *line = p->input ? (unsigned long)p->input->line : 0;
    return 0;
}

static const xmlSAXHandler no_handlers = {.initialized = XML_SAX2_MAGIC};

/* libxml2's schema errors on bytes: plugged in directly (block 0) or
 * through a relay with blocks of block bytes; *threaded: whether the
 * relay started its thread. */
static char *schema_errors(const char *bytes, size_t len, size_t block, int *threaded)
{
    espi_error err;
    xmlSchemaPtr schema = schema_compiled(ESPI_SCHEMA_ESPI_40, false, &err);
    assert_non_null(schema);
    xmlSchemaValidCtxtPtr vc = xmlSchemaNewValidCtxt(schema);
    xmlParserCtxtPtr p =
        xmlCreatePushParserCtxt((xmlSAXHandlerPtr)(uintptr_t)&no_handlers, NULL, NULL, 0, "t");
    assert_non_null(vc);
    assert_non_null(p);
    xmlCtxtUseOptions(p, XML_PARSE_NONET);
    text t = {0};
    add(&t, "%s", "");
    xmlSchemaSetValidStructuredErrors(vc, on_schema_error, &t);
    xmlSchemaSAXPlugPtr plug = NULL;
    schema_relay *r = NULL;
    if (block == 0) {
        plug = xmlSchemaSAXPlug(vc, &p->sax, &p->userData);
        assert_non_null(plug);
        xmlSchemaValidateSetLocator(vc, locate_parser, p);
    } else {
        r = relay_new(vc, block, NULL, NULL);
        assert_non_null(r);
        assert_int_equal(relay_plug(r, p, &p->sax, &p->userData), 0);
    }
    for (size_t at = 0; at < len; at += 4096) /* fed in pieces, as a file is read */
        xmlParseChunk(p, bytes + at, (int)(len - at < 4096 ? len - at : 4096), 0);
    xmlParseChunk(p, NULL, 0, 1);
    if (r) {
        assert_int_equal(relay_finish(r), 0);
        *threaded = relay_threaded(r);
        relay_free(r);
    } else {
        xmlSchemaSAXUnplug(plug);
    }
    add(&t, "valid %d well-formed %d\n", xmlSchemaIsValid(vc), p->wellFormed);
    xmlFreeParserCtxt(p);
    xmlSchemaFreeValidCtxt(vc);
    return t.s;
}

static void relay_gives_the_plug_errors(void **state)
{
    (void)state;
    size_t len;
    char *feed = large_feed(&len);
    int threaded = 0;
    char *direct = schema_errors(feed, len, 0, &threaded);
    assert_non_null(strstr(direct, "x1"));    /* the errors are there to compare */
    assert_non_null(strstr(direct, "extra")); /* an attribute */
    for (size_t block = 512; block <= 256 * 1024; block *= 16) {
        char *relayed = schema_errors(feed, len, block, &threaded);
        assert_string_equal(direct, relayed);
        assert_true(threaded); /* the document is many blocks */
        free(relayed);
    }
    free(direct);
    free(feed);

    char *small = slurp(test_fixture("espi/invalid_schema_start_before_duration.xml"), &len);
    direct = schema_errors(small, len, 0, &threaded);
    char *relayed = schema_errors(small, len, 64 * 1024, &threaded);
    assert_string_equal(direct, relayed);
    assert_false(threaded); /* one block: validated at the end, on the caller's thread */
    assert_non_null(strstr(direct, "valid 0"));
    free(direct);
    free(relayed);
    free(small);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_fixture_agrees),
        cmocka_unit_test(large_feed_agrees),
        cmocka_unit_test(relay_gives_the_plug_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
