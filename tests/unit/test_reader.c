/* SPDX-License-Identifier: Apache-2.0 */
/* test_reader.c - the streaming ESPI reader: the same events whatever the
 * chunk size, readings streamed as soon as they join, held back when they
 * cannot yet, flat memory, stopping, and located errors. */
#include "testutil.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>

/* Events as one line each, to compare two reads. */
typedef struct event_log {
    char *text;
    size_t len, cap;
    size_t readings, blocks, feeds;
    size_t readings_before_first_block_end;
    size_t readings_without_meter_reading;
    int stop_after; /* readings; 0: never */
    size_t heap_samples;
    size_t heap_at[2];
    size_t sample_at[2];
} event_log;

static void append(event_log *l, const char *s)
{
    size_t n = strlen(s);
    if (l->len + n + 1 > l->cap) {
        l->cap = (l->len + n + 1) * 2;
        l->text = realloc(l->text, l->cap);
        assert_non_null(l->text);
    }
    memcpy(l->text + l->len, s, n + 1);
    l->len += n;
}

static void sample_heap(event_log *l)
{
    for (size_t i = 0; i < 2; i++)
        if (l->readings == l->sample_at[i] && l->sample_at[i] > 0) {
            struct mallinfo2 mi = mallinfo2();
            l->heap_at[i] = mi.uordblks;
            l->heap_samples++;
        }
}

static int record(const espi_resource *res, void *ctx)
{
    event_log *l = ctx;
    char line[256];
    switch (res->kind) {
    case ESPI_RES_INTERVAL_READING: {
        const espi_interval_reading_res *r = res->u.reading;
        snprintf(line, sizeof line, "R %lld %lld %lld %lld %s\n", (long long)r->start,
                 (long long)r->duration, (long long)r->value, (long long)r->cost,
                 r->block->meter_reading ? "joined" : "unjoined");
        l->readings++;
        if (l->blocks == 0)
            l->readings_before_first_block_end++;
        if (r->block->meter_reading == NULL)
            l->readings_without_meter_reading++;
        sample_heap(l);
        break;
    }
    case ESPI_RES_INTERVAL_BLOCK:
        snprintf(line, sizeof line, "B %s\n", res->u.interval_block->entry.self);
        l->blocks++;
        break;
    case ESPI_RES_FEED:
        snprintf(line, sizeof line, "F %zu %zu\n", res->u.feed->entries, res->u.feed->readings);
        l->feeds++;
        break;
    default: snprintf(line, sizeof line, "%s\n", res->name); break;
    }
    append(l, line);
    return l->stop_after && (int)l->readings == l->stop_after ? 42 : 0;
}

static int read_text(event_log *l, const char *xml, size_t chunk, espi_error *err)
{
    memset(l, 0, sizeof *l);
    FILE *in = test_stream(xml);
    espi_read_options o = {NULL, NULL, chunk, 0};
    int rc = espi_read(in, "feed.xml", &o, record, l, err);
    fclose(in);
    return rc;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    assert_non_null(s);
    assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = '\0';
    fclose(f);
    return s;
}

/* ------------------------------------------------------------------ */
/* A feed written here: n readings in blocks of 24, in entry order.    */
/* ------------------------------------------------------------------ */

#define BASE "/espi/1_1/resource"
#define UP_HREF BASE "/RetailCustomer/1/UsagePoint/1"
#define MR_HREF UP_HREF "/MeterReading/1"

static void entry(FILE *f, const char *links, const char *content)
{
    fprintf(f, "<entry><id>urn:uuid:x</id>%s<title>t</title><content>%s</content></entry>\n", links,
            content);
}

static void feed_head(FILE *f)
{
    fputs("<?xml version=\"1.0\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" "
          "xmlns:espi=\"http://naesb.org/espi\"><id>urn:uuid:f</id><title>f</title>"
          "<updated>2026-11-28T00:00:00Z</updated>\n",
          f);
}

static void small_entries(FILE *f)
{
    entry(f,
          "<link rel=\"self\" href=\"" BASE
          "/LocalTimeParameters/1\"/><link rel=\"up\" href=\"" BASE "/LocalTimeParameters\"/>",
          "<espi:LocalTimeParameters><espi:dstEndRule>B40E2000</espi:dstEndRule><espi:dstOffset>"
          "3600</espi:dstOffset><espi:dstStartRule>360E2000</espi:dstStartRule><espi:tzOffset>"
          "-28800</espi:tzOffset></espi:LocalTimeParameters>");
    entry(f,
          "<link rel=\"self\" href=\"" UP_HREF "\"/><link rel=\"up\" href=\"" BASE
          "/RetailCustomer/1/UsagePoint\"/><link rel=\"related\" href=\"" UP_HREF
          "/MeterReading\"/><link rel=\"related\" href=\"" BASE "/LocalTimeParameters/1\"/>",
          "<espi:UsagePoint><espi:ServiceCategory><espi:kind>0</espi:kind></espi:ServiceCategory>"
          "</espi:UsagePoint>");
    entry(f,
          "<link rel=\"self\" href=\"" MR_HREF "\"/><link rel=\"up\" href=\"" UP_HREF
          "/MeterReading\"/><link rel=\"related\" href=\"" MR_HREF
          "/IntervalBlock\"/><link rel=\"related\" href=\"" BASE "/ReadingType/1\"/>",
          "<espi:MeterReading/>");
    entry(f,
          "<link rel=\"self\" href=\"" BASE "/ReadingType/1\"/><link rel=\"up\" href=\"" BASE
          "/ReadingType\"/>",
          "<espi:ReadingType><espi:powerOfTenMultiplier>0</espi:powerOfTenMultiplier>"
          "<espi:uom>72</espi:uom></espi:ReadingType>");
}

static void blocks(FILE *f, size_t n)
{
    for (size_t b = 0; b * 24 < n; b++) {
        fprintf(f,
                "<entry><id>urn:uuid:b</id><link rel=\"self\" href=\"" MR_HREF
                "/IntervalBlock/%zu\"/><link rel=\"up\" href=\"" MR_HREF
                "/IntervalBlock\"/><content><espi:IntervalBlock>",
                b);
        for (size_t i = b * 24; i < n && i < (b + 1) * 24; i++)
            fprintf(f,
                    "<espi:IntervalReading><espi:cost>%zu</espi:cost><espi:timePeriod>"
                    "<espi:duration>3600</espi:duration><espi:start>%zu</espi:start>"
                    "</espi:timePeriod><espi:value>%zu</espi:value></espi:IntervalReading>\n",
                    i * 3, 1700000000 + i * 3600, i % 997);
        fputs("</espi:IntervalBlock></content></entry>\n", f);
    }
}

/* small_first: the small resources come before the blocks (the usual
 * order) or after them (legal, and the reader must hold blocks back). */
static char *make_feed(size_t n, bool small_first)
{
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    assert_non_null(f);
    feed_head(f);
    if (small_first)
        small_entries(f);
    blocks(f, n);
    if (!small_first)
        small_entries(f);
    fputs("</feed>\n", f);
    fclose(f);
    return text;
}

/* ------------------------------------------------------------------ */
/* Tests                                                               */
/* ------------------------------------------------------------------ */

static void assert_chunks_agree(const char *xml)
{
    /* 1 is raised to the 512-byte floor; the primes move every buffer
     * boundary to a new place in the text. */
    static const size_t chunks[] = {1, 509, 1021, 4093, 65536};
    event_log first, other;
    espi_error err;
    assert_int_equal(read_text(&first, xml, chunks[0], &err), 0);
    assert_true(first.readings > 0);
    for (size_t c = 1; c < sizeof chunks / sizeof chunks[0]; c++) {
        assert_int_equal(read_text(&other, xml, chunks[c], &err), 0);
        assert_string_equal(first.text, other.text);
        free(other.text);
    }
    free(first.text);
}

static void test_chunk_sizes_agree(void **state)
{
    (void)state;
    static const char *const files[] = {"espi/valid_dump_entries_out_of_order.xml",
                                        "espi/valid_dump_40_prefixed.xml",
                                        "espi/valid_dump_xml_base.xml",
                                        "espi/valid_dump_layout_hierarchical.xml",
                                        "espi/valid_dump_layout_opower.xml",
                                        "espi/valid_dump_layout_no_links.xml",
                                        "espi/valid_dump_entry_root.xml"};
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        char *xml = slurp(test_fixture(files[f]));
        assert_chunks_agree(xml);
        free(xml);
    }
    char *xml = make_feed(500, true);
    assert_chunks_agree(xml);
    free(xml);
}

/* In the usual order, readings go out while their block is still being
 * read; when the meter reading comes last, they wait for it. */
static void test_streaming_and_holding_back(void **state)
{
    (void)state;
    event_log l;
    espi_error err;
    char *xml = make_feed(100, true);
    assert_int_equal(read_text(&l, xml, 0, &err), 0);
    assert_int_equal(l.readings, 100);
    assert_int_equal(l.readings_before_first_block_end, 24);
    assert_int_equal(l.readings_without_meter_reading, 0);
    assert_non_null(strstr(l.text, "R 1700000000 3600 0 0 joined\n"));
    free(l.text);
    free(xml);
    xml = make_feed(100, false);
    assert_int_equal(read_text(&l, xml, 0, &err), 0);
    assert_int_equal(l.readings, 100);
    assert_int_equal(l.readings_without_meter_reading, 0);
    /* every reading waited for the meter reading, reading type and time parameters */
    const char *mr = strstr(l.text, "MeterReading\n"), *r = strstr(l.text, "R ");
    assert_true(mr && r && mr < r);
    free(l.text);
    free(xml);
}

/* Held-back readings are bounded: past the bound the oldest blocks go out
 * unjoined rather than memory growing. */
static void test_hold_back_bound(void **state)
{
    (void)state;
    char *xml = make_feed(240, false);
    event_log l;
    memset(&l, 0, sizeof l);
    FILE *in = test_stream(xml);
    test_diags d = {0};
    espi_read_options o = {test_collect_diag, &d, 0, 48};
    espi_error err;
    assert_int_equal(espi_read(in, "feed.xml", &o, record, &l, &err), 0);
    fclose(in);
    assert_int_equal(l.readings, 240);
    assert_true(l.readings_without_meter_reading >= 240 - 48 - 24);
    assert_true(test_diag_find(&d, "link-block-broken") >= 0);
    free(l.text);
    free(xml);
}

/* Memory in use while reading reading 20,000 and reading 180,000 differs
 * by far less than the 160,000 readings in between. */
static void test_memory_flat(void **state)
{
    (void)state;
    if (getenv("ESPI_SANITIZED")) {
        /* AddressSanitizer's allocator does not report through mallinfo2 */
        print_message("skipped under sanitizers: heap use is not measurable there\n");
        skip();
    }
    char *xml = make_feed(200000, true);
    event_log l;
    memset(&l, 0, sizeof l);
    l.sample_at[0] = 20000;
    l.sample_at[1] = 180000;
    FILE *in = test_stream(xml);
    espi_error err;
    assert_int_equal(espi_read(in, "feed.xml", NULL, record, &l, &err), 0);
    fclose(in);
    assert_int_equal(l.heap_samples, 2);
    assert_true(l.heap_at[0] > 0); /* the measure works at all */
    /* the event log itself grows ~40 bytes a reading: allow for it */
    size_t log_growth = 160000 * 48;
    size_t growth = l.heap_at[1] > l.heap_at[0] ? l.heap_at[1] - l.heap_at[0] : 0;
    print_message("heap growth over 160000 readings: %zu bytes (log: up to %zu)\n", growth,
                  log_growth);
    assert_true(growth < log_growth + 512 * 1024);
    free(l.text);
    free(xml);
}

static void test_stop(void **state)
{
    (void)state;
    char *xml = make_feed(100, true);
    event_log l;
    memset(&l, 0, sizeof l);
    l.stop_after = 30;
    FILE *in = test_stream(xml);
    espi_error err;
    assert_int_equal(espi_read(in, "feed.xml", NULL, record, &l, &err), 42);
    fclose(in);
    assert_int_equal(l.readings, 30);
    assert_int_equal(l.feeds, 0);
    free(l.text);
    free(xml);
}

static void test_errors(void **state)
{
    (void)state;
    event_log l;
    espi_error err;
    assert_int_equal(
        read_text(&l, "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n<entry>\n", 0, &err),
        ESPI_E_INPUT);
    assert_string_equal(err.code, "xml-syntax");
    assert_string_equal(err.file, "feed.xml");
    assert_int_equal(err.line, 3);
    free(l.text);
    /* one atom:entry is a feed of that entry; an entry of another vocabulary is not */
    assert_int_equal(read_text(&l, "<entry xmlns=\"http://www.w3.org/2005/Atom\"/>", 0, &err),
                     ESPI_OK);
    assert_string_equal(l.text, "F 1 0\n");
    free(l.text);
    assert_int_equal(read_text(&l, "<entry xmlns=\"http://purl.org/atom/ns#\"/>", 0, &err),
                     ESPI_E_INPUT);
    assert_string_equal(err.code, "not-a-feed");
    assert_non_null(strstr(err.message, "not an Atom feed"));
    free(l.text);
    assert_int_equal(read_text(&l, "<feed/>", 0, &err), ESPI_E_INPUT);
    assert_string_equal(err.code, "not-a-feed");
    free(l.text);
    /* not well-formed after a wrong root: the syntax error is what is reported */
    assert_int_equal(
        read_text(&l, "<xyz/>\n<feed xmlns=\"http://www.w3.org/2005/Atom\"/>", 0, &err),
        ESPI_E_INPUT);
    assert_string_equal(err.code, "xml-syntax");
    assert_int_equal(err.line, 2);
    free(l.text);
    assert_int_equal(read_text(&l, "", 0, &err), ESPI_E_INPUT);
    free(l.text);
    FILE *out = fopen("/dev/full", "w");
    if (out) {
        memset(&l, 0, sizeof l);
        assert_int_equal(espi_read(out, "full", NULL, record, &l, &err), ESPI_E_IO);
        fclose(out);
        free(l.text);
    }
}

/* Prefixes do not matter, only namespace URIs. */
static void test_prefixes(void **state)
{
    (void)state;
    char *xml = make_feed(30, true), *renamed = strdup(xml);
    assert_non_null(renamed);
    for (char *p = strstr(renamed, "espi:"); p; p = strstr(p + 1, "espi:"))
        memcpy(p, "ns9x:", 5);
    char *decl = strstr(renamed, "xmlns:espi=");
    assert_non_null(decl);
    memcpy(decl, "xmlns:ns9x=", 11);
    event_log a, b;
    espi_error err;
    assert_int_equal(read_text(&a, xml, 0, &err), 0);
    assert_int_equal(read_text(&b, renamed, 0, &err), 0);
    assert_string_equal(a.text, b.text);
    free(a.text);
    free(b.text);
    free(xml);
    free(renamed);
}

/* Counts what a text gives: readings, and diagnostics by code. */
typedef struct odd_read {
    event_log log;
    test_diags diags;
    espi_error err;
    int rc;
} odd_read;

static void read_odd(odd_read *o, const char *xml)
{
    memset(o, 0, sizeof *o);
    FILE *in = test_stream(xml);
    espi_read_options opts = {test_collect_diag, &o->diags, 0, 0};
    o->rc = espi_read(in, "odd.xml", &opts, record, &o->log, &o->err);
    fclose(in);
}

#define ATOM "xmlns=\"http://www.w3.org/2005/Atom\""
#define ESPI_NS "xmlns:espi=\"http://naesb.org/espi\""
#define ONE_READING                                                                                \
    "<IntervalReading><timePeriod><duration>900</duration><start>1700000000</start>"               \
    "</timePeriod><value>5</value></IntervalReading>"

/* Namespace errors leave the file readable (and once crashed the reader). */
static void test_namespace_errors_are_warnings(void **state)
{
    (void)state;
    odd_read o;
    read_odd(&o, "<feed " ATOM " xsi:schemaLocation=\"x\"><a:x/><b/><c/>"
                 "<entry><content><IntervalBlock xmlns=\"http://naesb.org/espi\">" ONE_READING
                 "</IntervalBlock></content></entry></feed>");
    assert_int_equal(o.rc, 0);
    assert_int_equal(o.log.readings, 1);
    assert_true(test_diag_find(&o.diags, "xml-namespace") >= 0);
    free(o.log.text);
}

/* ESPI elements in the wrong namespace, a resource name in the wrong
 * case, a block outside any entry, an entry inside another element: all
 * read, each with a warning. */
static void test_odd_placement_read(void **state)
{
    (void)state;
    static const struct {
        const char *xml, *code;
    } cases[] = {
        {"<feed " ATOM "><entry><content><IntervalBlock xmlns=\"\">" ONE_READING
         "</IntervalBlock></content></entry></feed>",
         "no-namespace"},
        {"<feed " ATOM " " ESPI_NS "><entry><content><espi:IntervalBlock>" ONE_READING
         "</espi:IntervalBlock></content></entry></feed>",
         "namespace-inside-resource"},
        {"<feed " ATOM " " ESPI_NS "><entry><content><espi:intervalBlock>"
         "<espi:IntervalReading><espi:value>5</espi:value></espi:IntervalReading>"
         "</espi:intervalBlock></content></entry></feed>",
         "resource-name-case"},
        {"<feed " ATOM " " ESPI_NS "><espi:IntervalBlock><espi:IntervalReading><espi:value>5"
         "</espi:value></espi:IntervalReading></espi:IntervalBlock></feed>",
         "outside-content"},
        {"<feed " ATOM " " ESPI_NS "><group><entry><content><espi:IntervalBlock>"
         "<espi:IntervalReading><espi:value>5</espi:value></espi:IntervalReading>"
         "</espi:IntervalBlock></content></entry></group></feed>",
         "entry-misplaced"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        odd_read o;
        read_odd(&o, cases[i].xml);
        assert_int_equal(o.rc, 0);
        assert_int_equal(o.log.readings, 1);
        assert_true(test_diag_find(&o.diags, cases[i].code) >= 0);
        free(o.log.text);
    }
    /* a name that is no ESPI resource at all is said to be skipped */
    odd_read o;
    read_odd(&o,
             "<feed " ATOM " " ESPI_NS "><entry><content><espi:Gizmo/></content></entry></feed>");
    assert_int_equal(o.rc, 0);
    assert_true(test_diag_find(&o.diags, "unknown-resource") >= 0);
    free(o.log.text);
}

/* One letter a resource (U usage point, M meter reading, B block, R reading, by its block),
 * in upper case when it is read only anyway (espi_entry.anyway). */
static int note_anyway(const espi_resource *res, void *ctx)
{
    char *out = ctx;
    size_t n = strlen(out);
    if (n + 2 > 64)
        return 0;
    switch (res->kind) {
    case ESPI_RES_USAGE_POINT: out[n] = res->u.usage_point->entry.anyway ? 'U' : 'u'; break;
    case ESPI_RES_METER_READING: out[n] = res->u.meter_reading->entry.anyway ? 'M' : 'm'; break;
    case ESPI_RES_INTERVAL_BLOCK: out[n] = res->u.interval_block->entry.anyway ? 'B' : 'b'; break;
    case ESPI_RES_INTERVAL_READING: out[n] = res->u.reading->block->entry.anyway ? 'R' : 'r'; break;
    default: return 0;
    }
    out[n + 1] = '\0';
    return 0;
}

/* A resource outside content or under a name in another case is marked as
 * read anyway, and only that resource: not the others of its entry, not
 * the resources in their places. */
static void test_anyway_marked(void **state)
{
    (void)state;
    static const char xml[] =
        "<feed " ATOM " " ESPI_NS ">"
        "<entry><content><espi:UsagePoint/></content></entry>"
        "<entry><content><espi:usagePoint/></content></entry>"
        "<entry><espi:UsagePoint/><content><espi:MeterReading/></content></entry>"
        "<entry><content><espi:meterReading/></content></entry>"
        "<espi:IntervalBlock>" ONE_READING "</espi:IntervalBlock>"
        "<entry><content><espi:intervalBlock>" ONE_READING "</espi:intervalBlock>"
        "<espi:IntervalBlock>" ONE_READING "</espi:IntervalBlock></content></entry></feed>";
    char seen[64] = "";
    espi_error err;
    FILE *in = test_stream(xml);
    int rc = espi_read(in, "anyway.xml", NULL, note_anyway, seen, &err);
    fclose(in);
    assert_int_equal(rc, 0);
    /* blocks without links go out at the end, in the order read */
    assert_string_equal(seen, "uUUmMRBRBrb");
}

static int self_of_usage_point(const espi_resource *res, void *ctx)
{
    if (res->kind == ESPI_RES_USAGE_POINT)
        snprintf(ctx, 8192, "%s|%s", res->u.usage_point->entry.self, res->u.usage_point->entry.id);
    return 0;
}

/* &amp; in an href or xml:base is "&"; a text cut at 4096 bytes is cut between
 * characters, and said once however long it is. */
static void test_attribute_and_text_values(void **state)
{
    (void)state;
    size_t n = 200000;
    char *xml = malloc(n + 512);
    assert_non_null(xml);
    char *p =
        xml + sprintf(xml, "<feed " ATOM " " ESPI_NS " xml:base=\"http://h/a&amp;b/\"><entry><id>");
    memset(p, 'a', 4095);
    p += 4095;
    for (size_t i = 0; i < (n - 4095) / 2; i++, p += 2)
        memcpy(p, "\xc3\xa9", 2); /* é */
    sprintf(p, "</id><link rel=\"self\" href=\"UP/1?x=1&amp;y=2\"/><content><espi:UsagePoint/>"
               "</content></entry></feed>");
    char got[8192];
    test_diags d = {0};
    FILE *in = test_stream(xml);
    espi_read_options o = {test_collect_diag, &d, 0, 0};
    espi_error err;
    assert_int_equal(espi_read(in, "t.xml", &o, self_of_usage_point, got, &err), 0);
    fclose(in);
    assert_memory_equal(got, "http://h/a&b/UP/1?x=1&y=2|aaaa", 30);
    assert_int_equal(strlen(got), strlen("http://h/a&b/UP/1?x=1&y=2|") + 4095);
    assert_int_equal(d.warnings, 1);
    assert_string_equal(d.codes[0], "text-too-long");
    free(xml);
}

/* Entities are never expanded: a file that uses them is refused, saying why. */
static void test_entities_refused(void **state)
{
    (void)state;
    odd_read o;
    read_odd(&o, "<?xml version=\"1.0\"?>\n<!DOCTYPE feed [<!ENTITY a \"aaaaaaaaaa\">"
                 "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]>\n"
                 "<feed " ATOM "><title>&b;</title></feed>");
    assert_int_equal(o.rc, ESPI_E_INPUT);
    assert_string_equal(o.err.code, "xml-entity");
    assert_int_equal(o.err.line, 3);
    assert_non_null(strstr(o.err.message, "expands no entity"));
    free(o.log.text);
}

/* A file cut short says how many readings it read but could not write. */
static void test_cut_file_counts_what_waited(void **state)
{
    (void)state;
    char *xml = make_feed(100, false);
    xml[strlen(xml) * 3 / 4] = '\0';
    odd_read o;
    read_odd(&o, xml);
    assert_int_equal(o.rc, ESPI_E_INPUT);
    assert_int_equal(o.log.readings, 0);
    assert_non_null(strstr(o.err.message, "reading(s) and 0 summary(ies) read before this point"));
    free(o.log.text);
    free(xml);
}

/* A fraction is dropped toward zero, as the warning says. */
static void test_fraction_toward_zero(void **state)
{
    (void)state;
    odd_read o;
    read_odd(&o, "<feed " ATOM " " ESPI_NS "><entry><content><espi:IntervalBlock>"
                 "<espi:IntervalReading><espi:timePeriod><espi:duration>900</espi:duration>"
                 "<espi:start>1700000000</espi:start></espi:timePeriod><espi:value>-2.5"
                 "</espi:value></espi:IntervalReading></espi:IntervalBlock></content></entry>"
                 "</feed>");
    assert_int_equal(o.rc, 0);
    assert_non_null(strstr(o.log.text, "R 1700000000 900 -2 "));
    assert_true(test_diag_find(&o.diags, "fractional-number") >= 0);
    free(o.log.text);
}

/* What a reading of one fixture saw of its feed and summaries. */
typedef struct seen {
    bool fragment;
    size_t readings, entries;
    size_t summaries, items, riders;
    int64_t current, item_amount, rider_date, ratchet_start, ratchet_power;
    char note[64], rider[64], agency[64], ref[64];
} seen;

static void copy(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src ? src : "(null)");
}

static int look(const espi_resource *res, void *ctx)
{
    seen *s = ctx;
    if (res->kind == ESPI_RES_INTERVAL_READING)
        s->readings++;
    if (res->kind == ESPI_RES_FEED) {
        s->fragment = res->u.feed->fragment;
        s->entries = res->u.feed->entries;
    }
    if (res->kind != ESPI_RES_USAGE_SUMMARY || s->summaries++ > 0)
        return 0;
    const espi_usage_summary_res *us = res->u.usage_summary;
    s->current = us->current_billing_period_overall_consumption.value;
    s->items = us->line_items;
    s->riders = us->ntariff_riders;
    if (s->items >= 2) {
        s->item_amount = us->items[1].amount;
        copy(s->note, sizeof s->note, us->items[1].note);
    }
    if (s->riders >= 2) {
        s->rider_date = us->tariff_riders[0].effective_date;
        copy(s->rider, sizeof s->rider, us->tariff_riders[1].enrollment_status);
    }
    copy(s->agency, sizeof s->agency, us->billing_charge_source);
    copy(s->ref, sizeof s->ref, us->reading_type_refs[5]); /* peakDemand's */
    s->ratchet_start = us->ratchet_demand_period_start;
    s->ratchet_power = us->ratchet_demand.power_of_ten;
    return 0;
}

static void read_fixture(seen *s, const char *rel)
{
    memset(s, 0, sizeof *s);
    FILE *in = fopen(test_fixture(rel), "rb");
    assert_non_null(in);
    espi_error err;
    assert_int_equal(espi_read(in, rel, NULL, look, s, &err), ESPI_OK);
    fclose(in);
}

/* The root is one atom:entry (an ESPI API's answer for one resource): a
 * feed of that entry, its readings read. */
static void test_entry_root(void **state)
{
    (void)state;
    seen s;
    read_fixture(&s, "espi/valid_dump_entry_root.xml");
    assert_true(s.fragment);
    assert_int_equal(s.entries, 1);
    assert_int_equal(s.readings, 3);
    read_fixture(&s, "espi/valid_dump_40_prefixed.xml");
    assert_false(s.fragment);
}

/* Every field of a UsageSummary: line items, tariff riders, the ten
 * measurements with their readingTypeRef, ratchetDemandPeriod,
 * billingChargeSource. */
static void test_summary_fields(void **state)
{
    (void)state;
    seen s;
    read_fixture(&s, "espi/valid_dump_summary_fields.xml");
    assert_int_equal(s.summaries, 2);
    assert_int_equal(s.current, 610314);
    assert_int_equal(s.items, 2);
    assert_int_equal(s.item_amount, 234500);
    assert_string_equal(s.note, "State tax, 6.25% \"energy\"");
    assert_int_equal(s.riders, 2);
    assert_int_equal(s.rider_date, 1672556400);
    assert_string_equal(s.rider, "unenrolled");
    assert_string_equal(s.agency, "Example Electric Cooperative");
    assert_string_equal(s.ref, "/espi/1_1/resource/ReadingType/2");
    assert_int_equal(s.ratchet_start, 1672556400);
    assert_int_equal(s.ratchet_power, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chunk_sizes_agree),
        cmocka_unit_test(test_streaming_and_holding_back),
        cmocka_unit_test(test_hold_back_bound),
        cmocka_unit_test(test_memory_flat),
        cmocka_unit_test(test_stop),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_prefixes),
        cmocka_unit_test(test_namespace_errors_are_warnings),
        cmocka_unit_test(test_odd_placement_read),
        cmocka_unit_test(test_anyway_marked),
        cmocka_unit_test(test_attribute_and_text_values),
        cmocka_unit_test(test_entities_refused),
        cmocka_unit_test(test_cut_file_counts_what_waited),
        cmocka_unit_test(test_fraction_toward_zero),
        cmocka_unit_test(test_entry_root),
        cmocka_unit_test(test_summary_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
