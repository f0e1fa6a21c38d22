/* SPDX-License-Identifier: Apache-2.0 */
/* test_graph.c - joining resources by href whatever the entry order:
 * blocks wait for their context and go out when it is known, within a
 * bound that counts blocks as well as readings; what cannot be joined goes
 * out with one warning per cause; late or missing time parameters,
 * repeated self links and ambiguous related links are reported; summaries
 * join usage points that come after them. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#define FEED_OPEN                                                                                  \
    "<feed xmlns=\"http://www.w3.org/2005/Atom\" xmlns:espi=\"http://naesb.org/espi\">\n"
#define FEED_CLOSE "</feed>\n"
#define LINK(rel, href) "<link rel=\"" rel "\" href=\"" href "\"/>"
#define ENTRY(links, content) "<entry>" links "<content>" content "</content></entry>\n"
#define UP(self, rel1, rel2)                                                                       \
    ENTRY(LINK("self", self) LINK("related", rel1) LINK("related", rel2), "<espi:UsagePoint/>")
#define MR(self, up, ib, rt)                                                                       \
    ENTRY(LINK("self", self) LINK("up", up) LINK("related", ib) LINK("related", rt),               \
          "<espi:MeterReading/>")
#define RT(self, uom)                                                                              \
    ENTRY(LINK("self", self), "<espi:ReadingType><espi:uom>" uom "</espi:uom></espi:ReadingType>")
#define LTP(self)                                                                                  \
    ENTRY(LINK("self", self), "<espi:LocalTimeParameters><espi:dstEndRule>B40E2000"                \
                              "</espi:dstEndRule><espi:dstOffset>3600</espi:dstOffset>"            \
                              "<espi:dstStartRule>360E2000</espi:dstStartRule>"                    \
                              "<espi:tzOffset>-18000</espi:tzOffset></espi:LocalTimeParameters>")
#define IB(self, up, readings)                                                                     \
    ENTRY(LINK("self", self) LINK("up", up),                                                       \
          "<espi:IntervalBlock>" readings "</espi:IntervalBlock>")
#define IB_NO_UP(self, readings)                                                                   \
    ENTRY(LINK("self", self), "<espi:IntervalBlock>" readings "</espi:IntervalBlock>")
#define R(start)                                                                                   \
    "<espi:IntervalReading><espi:timePeriod><espi:duration>3600</espi:duration><espi:start>" start \
    "</espi:start></espi:timePeriod><espi:value>1</espi:value></espi:IntervalReading>"

/* The usual small resources of one usage point (time parameters named). */
#define SMALL                                                                                      \
    UP("/UP/1", "/UP/1/MR", "/LocalTimeParameters/1")                                              \
    MR("/UP/1/MR/1", "/UP/1/MR", "/UP/1/MR/1/IB", "/RT/1")                                         \
    RT("/RT/1", "72") LTP("/LocalTimeParameters/1")

typedef struct events {
    char text[8192];
    size_t readings, joined, with_ltp;
    size_t to_second;     /* readings joined to a meter reading whose self link ends in /2 */
    size_t blocks_joined; /* IntervalBlock events with their meter reading */
    size_t readings_before_other; /* readings delivered before the first non-reading event */
    bool other_seen;
    test_diags diags;
} events;

static int record(const espi_resource *res, void *ctx)
{
    events *e = ctx;
    char line[160];
    line[0] = '\0';
    if (res->kind == ESPI_RES_INTERVAL_READING) {
        const espi_interval_reading_res *r = res->u.reading;
        const espi_meter_reading_res *mr = r->block->meter_reading;
        bool joined = mr && mr->reading_type && mr->usage_point;
        bool ltp = joined && mr->usage_point->ltp;
        e->readings++;
        e->joined += joined;
        const char *self = mr ? mr->entry.self : NULL;
        e->to_second += self && strlen(self) > 2 && strcmp(self + strlen(self) - 2, "/2") == 0;
        e->with_ltp += ltp;
        if (!e->other_seen)
            e->readings_before_other++;
        if (e->readings <= 40)
            snprintf(line, sizeof line, "R%lld%s%s ", (long long)r->start, joined ? "j" : "",
                     ltp ? "t" : "");
    } else {
        e->other_seen = e->other_seen || res->kind != ESPI_RES_INTERVAL_BLOCK;
        if (res->kind == ESPI_RES_INTERVAL_BLOCK && res->u.interval_block->meter_reading)
            e->blocks_joined++;
        if (res->kind == ESPI_RES_USAGE_SUMMARY) {
            const espi_usage_summary_res *us = res->u.usage_summary;
            snprintf(line, sizeof line, "S:%s:%s ", us->entry.id ? us->entry.id : "",
                     us->usage_point ? "up" : "none");
        } else if (res->kind == ESPI_RES_QUALITY_SUMMARY) {
            snprintf(line, sizeof line, "Q:%s ",
                     res->u.quality_summary->usage_point ? "up" : "none");
        } else if (res->kind == ESPI_RES_READING_TYPE) {
            snprintf(line, sizeof line, "T%lld ", (long long)res->u.reading_type->uom);
        } else if (res->kind != ESPI_RES_INTERVAL_BLOCK) {
            snprintf(line, sizeof line, "%s ", res->name);
        }
    }
    size_t n = strlen(e->text);
    snprintf(e->text + n, sizeof e->text - n, "%s", line);
    return 0;
}

static int read_xml(events *e, const char *xml, size_t max_held)
{
    memset(e, 0, sizeof *e);
    FILE *in = test_stream(xml);
    espi_read_options o = {test_collect_diag, &e->diags, 0, max_held};
    espi_error err;
    int rc = espi_read(in, "g.xml", &o, record, e, &err);
    fclose(in);
    return rc;
}

static size_t count_code(const test_diags *d, const char *code)
{
    size_t n = 0;
    for (size_t i = 0; i < d->count && i < 64; i++)
        n += strcmp(d->codes[i], code) == 0;
    return n;
}

/* ------------------------------------------------------------------ */

/* Blocks first, context last: every reading still joined, with local time. */
static void test_any_order(void **state)
{
    (void)state;
    events a, b;
    const char *usual =
        FEED_OPEN SMALL IB("/IB/1", "/UP/1/MR/1/IB", R("1700000000") R("1700003600")) FEED_CLOSE;
    const char *reversed = FEED_OPEN IB("/IB/1", "/UP/1/MR/1/IB", R("1700000000") R("1700003600"))
        LTP("/LocalTimeParameters/1") RT("/RT/1", "72")
            MR("/UP/1/MR/1", "/UP/1/MR", "/UP/1/MR/1/IB", "/RT/1")
                UP("/UP/1", "/UP/1/MR", "/LocalTimeParameters/1") FEED_CLOSE;
    assert_int_equal(read_xml(&a, usual, 0), 0);
    assert_int_equal(read_xml(&b, reversed, 0), 0);
    assert_int_equal(a.readings, 2);
    assert_int_equal(a.with_ltp, 2);
    assert_int_equal(b.readings, 2);
    assert_int_equal(b.with_ltp, 2);
    assert_non_null(strstr(b.text, "R1700000000jt R1700003600jt"));
    assert_int_equal(a.diags.warnings, 0);
    assert_int_equal(b.diags.warnings, 0);
}

/* Time parameters named by the usage point but never given: the blocks
 * wait, then go out at the end with one warning, not one per block. */
static void test_missing_ltp_one_warning(void **state)
{
    (void)state;
    events e;
    const char *xml = FEED_OPEN UP("/UP/1", "/UP/1/MR", "/LocalTimeParameters/9")
        MR("/UP/1/MR/1", "/UP/1/MR", "/UP/1/MR/1/IB", "/RT/1") RT("/RT/1", "72")
            IB("/IB/1", "/UP/1/MR/1/IB", R("1")) IB("/IB/2", "/UP/1/MR/1/IB", R("2"))
                IB("/IB/3", "/UP/1/MR/1/IB", R("3")) FEED_CLOSE;
    assert_int_equal(read_xml(&e, xml, 0), 0);
    assert_int_equal(e.readings, 3);
    assert_int_equal(e.joined, 3);
    assert_int_equal(e.with_ltp, 0);
    assert_int_equal(count_code(&e.diags, "link-ltp-missing"), 1);
    assert_int_equal(e.diags.warnings, 1);
}

/* Time parameters whose href does not say what they are, after the
 * blocks: readings could not wait for them, and that is said. */
static void test_late_ltp_reported(void **state)
{
    (void)state;
    events e;
    const char *xml = FEED_OPEN UP("/UP/1", "/UP/1/MR", "/TP/1")
        MR("/UP/1/MR/1", "/UP/1/MR", "/UP/1/MR/1/IB", "/RT/1") RT("/RT/1", "72")
            IB("/IB/1", "/UP/1/MR/1/IB", R("1")) LTP("/TP/1") FEED_CLOSE;
    assert_int_equal(read_xml(&e, xml, 0), 0);
    assert_int_equal(e.readings, 1);
    assert_int_equal(e.with_ltp, 0);
    assert_int_equal(count_code(&e.diags, "ltp-late"), 1);
}

/* Held blocks are bounded by readings and by blocks: a hundred one-reading
 * blocks with a bound of 70 mean at most 10 wait (a block counts 6 more). */
static void test_bound_counts_blocks(void **state)
{
    (void)state;
    char *xml = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&xml, &size);
    assert_non_null(f);
    fputs(FEED_OPEN, f);
    for (int i = 0; i < 100; i++)
        fprintf(f, IB("/IB/%d", "/UP/1/MR/1/IB", R("%d")), i, 1700000000 + 3600 * i);
    fputs(SMALL FEED_CLOSE, f);
    fclose(f);
    events e;
    assert_int_equal(read_xml(&e, xml, 70), 0);
    assert_int_equal(e.readings, 100);
    assert_true(e.readings_before_other >= 90);
    assert_true(e.joined <= 10);
    assert_int_equal(count_code(&e.diags, "link-block-broken"), 1);
    free(xml);
}

/* One block larger than the bound, before its meter reading: its readings
 * stream out unjoined instead of filling memory. */
static void test_big_block_streams(void **state)
{
    (void)state;
    char *xml = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&xml, &size);
    assert_non_null(f);
    fputs(FEED_OPEN "<entry>" LINK("self", "/IB/1")
              LINK("up", "/UP/1/MR/1/IB") "<content><espi:IntervalBlock>",
          f);
    for (int i = 0; i < 1000; i++)
        fprintf(f, R("%d"), 1700000000 + 3600 * i);
    fputs("</espi:IntervalBlock></content></entry>\n" SMALL FEED_CLOSE, f);
    fclose(f);
    events e;
    assert_int_equal(read_xml(&e, xml, 100), 0);
    assert_int_equal(e.readings, 1000);
    assert_int_equal(e.readings_before_other, 1000);
    assert_int_equal(count_code(&e.diags, "hold-limit"), 1);
    free(xml);
}

/* A block without an up link waits: a meter reading may name it (Opower),
 * or be the file's only one (known at its end). With two, it goes out
 * unjoined at the end, said once. */
static void test_block_without_up_waits(void **state)
{
    (void)state;
    events e;
    const char *one =
        FEED_OPEN ENTRY(LINK("self", "/IB/1"),
                        "<espi:IntervalBlock>" R("1") "</espi:IntervalBlock>") SMALL FEED_CLOSE;
    assert_int_equal(read_xml(&e, one, 0), 0);
    assert_int_equal(e.readings, 1);
    assert_int_equal(e.joined, 1);
    assert_int_equal(e.readings_before_other, 0);
    assert_int_equal(count_code(&e.diags, "link-layout-single"), 1);
    assert_int_equal(count_code(&e.diags, "link-block-no-up"), 0);
    const char *two = FEED_OPEN ENTRY(LINK("self", "/IB/1"),
                                      "<espi:IntervalBlock>" R("1") "</espi:IntervalBlock>")
        SMALL MR("/UP/1/MR/2", "/UP/1/MR", "/UP/1/MR/2/IB", "/RT/1") FEED_CLOSE;
    assert_int_equal(read_xml(&e, two, 0), 0);
    assert_int_equal(e.readings, 1);
    assert_int_equal(e.joined, 0);
    assert_int_equal(count_code(&e.diags, "link-block-no-up"), 1);
}

static void test_repeated_and_ambiguous_links(void **state)
{
    (void)state;
    events e;
    const char *xml = FEED_OPEN SMALL UP("/UP/1", "/UP/9/MR", "/LocalTimeParameters/1")
        MR("/UP/1/MR/2", "/UP/1/MR", "/UP/1/MR/1/IB", "/RT/1") IB("/IB/1", "/UP/1/MR/1/IB", R("1"))
            IB("/IB/1", "/UP/1/MR/1/IB", R("2")) FEED_CLOSE;
    assert_int_equal(read_xml(&e, xml, 0), 0);
    assert_int_equal(e.readings, 2); /* both blocks are read */
    /* the usage point and the block repeat a self link */
    assert_int_equal(count_code(&e.diags, "link-duplicate-self"), 2);
    /* two meter readings claim the block collection */
    assert_int_equal(count_code(&e.diags, "link-ambiguous"), 1);
}

/* Summaries wait for their usage point, each on its own: a broken one does
 * not hold back the others; quality summaries join like usage summaries. */
static void test_summaries_join_later_usage_points(void **state)
{
    (void)state;
    events e;
    const char *xml = FEED_OPEN ENTRY("<id>A</id>" LINK("up", "/nowhere"), "<espi:UsageSummary/>")
        ENTRY("<id>B</id>" LINK("up", "/UP/1/US"), "<espi:UsageSummary/>")
            ENTRY(LINK("up", "/UP/1/US"), "<espi:ElectricPowerQualitySummary/>")
                UP("/UP/1", "/UP/1/MR", "/UP/1/US") UP("/UP/2", "/UP/2/MR", "/UP/2/US") FEED_CLOSE;
    assert_int_equal(read_xml(&e, xml, 0), 0);
    const char *b = strstr(e.text, "S:B:up"), *q = strstr(e.text, "Q:up"),
               *a = strstr(e.text, "S:A:none"), *feed = strstr(e.text, "feed");
    assert_true(b && q && a && feed);
    assert_true(b < a && q < a && a < feed);
    assert_int_equal(count_code(&e.diags, "link-summary-broken"), 1);
}

/* Two meter readings in one entry, each with its ReadingType nested: each
 * keeps its own. */
static void test_nested_reading_types(void **state)
{
    (void)state;
    events e;
    const char *xml = FEED_OPEN UP("/UP/1", "/UP/1/MR", "/x")
        ENTRY(LINK("self", "/UP/1/MR/1") LINK("up", "/UP/1/MR") LINK("related", "/IB/a"),
              "<espi:MeterReading><espi:ReadingType><espi:uom>72</espi:uom></espi:ReadingType>"
              "</espi:MeterReading><espi:MeterReading><espi:ReadingType><espi:uom>38</espi:uom>"
              "</espi:ReadingType></espi:MeterReading>") FEED_CLOSE;
    assert_int_equal(read_xml(&e, xml, 0), 0);
    assert_non_null(strstr(e.text, "T72 "));
    assert_non_null(strstr(e.text, "T38 "));
}

/* An entry of many blocks (as the GBA SDK writes them) whose meter reading
 * comes last: the bound holds across the entry's blocks too. */
static void test_bound_across_one_entry(void **state)
{
    (void)state;
    char *xml = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&xml, &size);
    assert_non_null(f);
    fputs(FEED_OPEN "<entry>" LINK("up", "/UP/1/MR/1/IB") "<content>", f);
    for (int b = 0; b < 20; b++) {
        fputs("<espi:IntervalBlock>", f);
        for (int i = 0; i < 10; i++)
            fprintf(f, R("%d"), 1700000000 + 3600 * (10 * b + i));
        fputs("</espi:IntervalBlock>", f);
    }
    fputs("</content></entry>\n" SMALL FEED_CLOSE, f);
    fclose(f);
    events e;
    assert_int_equal(read_xml(&e, xml, 30), 0);
    assert_int_equal(e.readings, 200);
    assert_true(e.readings_before_other >= 160); /* at most 30 wait for the context */
    assert_true(count_code(&e.diags, "hold-limit") >= 1);
    free(xml);
}

/* A block given up on before its up link (after its content) was read:
 * the block itself still gets its meter reading, and the warning says why. */
static void test_give_up_before_links(void **state)
{
    (void)state;
    events e;
    const char *xml = FEED_OPEN SMALL "<entry><content><espi:IntervalBlock>" R("1") R("2") R("3")
        R("4") R("5") R("6") R("7") R("8") "</espi:IntervalBlock></content>" LINK(
            "up", "/UP/1/MR/1/IB") "</entry>\n" FEED_CLOSE;
    assert_int_equal(read_xml(&e, xml, 5), 0);
    assert_int_equal(e.readings, 8);
    assert_int_equal(e.blocks_joined, 1);
    assert_true(test_diag_find(&e.diags, "hold-limit") >= 0);
    assert_non_null(strstr(e.diags.last_message, "up link"));
    assert_int_equal(count_code(&e.diags, "link-block-no-up"), 0);
}

/* An entry inside an entry: two entries, each block with its own links. */
static void test_nested_entry_keeps_its_links(void **state)
{
    (void)state;
    events e;
    const char *xml =
        FEED_OPEN SMALL "<entry>" LINK("up", "/UP/1/MR/1/IB") "<content><espi:IntervalBlock>" R(
            "1") "</espi:IntervalBlock></content>"
                 "<entry>" LINK("up", "/elsewhere") "<content><espi:IntervalBlock>" R(
                     "2") "</espi:IntervalBlock></content></entry></entry>\n" MR("/UP/1/MR/2",
                                                                                 "/UP/1/MR",
                                                                                 "/UP/1/MR/2/IB",
                                                                                 "/RT/1")
                     FEED_CLOSE;
    assert_int_equal(read_xml(&e, xml, 0), 0);
    assert_int_equal(e.readings, 2);
    assert_non_null(strstr(e.text, "R1jt "));
    assert_non_null(strstr(e.text, "R2 "));
    assert_int_equal(count_code(&e.diags, "entry-nested"), 1);
}

/* Readings where no block holds them cannot be read: each is said. */
static void test_misplaced_readings_said(void **state)
{
    (void)state;
    events e;
    const char *xml =
        FEED_OPEN SMALL ENTRY("", R("1")) "<espi:UsagePoint><espi:IntervalBlock>" R("2")
            R("3") "</espi:IntervalBlock></espi:UsagePoint>\n" IB(
                "/IB/9", "/UP/1/MR/1/IB", "<espi:IntervalBlock>" R("4") "</espi:IntervalBlock>")
                FEED_CLOSE;
    assert_int_equal(read_xml(&e, xml, 0), 0);
    assert_int_equal(e.readings, 0);
    assert_int_equal(count_code(&e.diags, "reading-misplaced"), 4);
}

/* A meter reading dropped for too many resources in one entry takes its
 * nested ReadingType with it: the next meter reading does not get it. */
static void test_dropped_meter_reading_takes_nested_type(void **state)
{
    (void)state;
    char *xml = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&xml, &size);
    assert_non_null(f);
    fputs(FEED_OPEN "<entry><content>", f);
    for (int i = 0; i < 16; i++)
        fputs("<espi:ReadingType><espi:uom>72</espi:uom></espi:ReadingType>", f);
    fputs("<espi:MeterReading><espi:ReadingType><espi:uom>999</espi:uom></espi:ReadingType>"
          "</espi:MeterReading></content></entry>\n" ENTRY(LINK("up", "/UP/1/MR"),
                                                           "<espi:MeterReading/>") FEED_CLOSE,
          f);
    fclose(f);
    events e;
    assert_int_equal(read_xml(&e, xml, 0), 0);
    assert_null(strstr(e.text, "T999"));
    assert_int_equal(count_code(&e.diags, "entry-many-resources"), 1);
    free(xml);
}

/* ------------------------------------------------------------------ */
/* Layouts other than ESPI's (read/links.h)                            */
/* ------------------------------------------------------------------ */

/* The 2011 format: up links name the parent's self link. Joined, with
 * local time, and said once for the file. */
static void test_layout_2011(void **state)
{
    (void)state;
    events e;
    const char *xml =
        FEED_OPEN UP("/UP/1", "/UP/1/MR", "/LocalTimeParameters/1") LTP("/LocalTimeParameters/1")
            ENTRY(LINK("self", "/UP/1/MR/1") LINK("up", "/UP/1") LINK("related", "/RT/1"),
                  "<espi:MeterReading/>") RT("/RT/1", "72")
                IB("/UP/1/MR/1/IB/1", "/UP/1/MR/1", R("1") R("2"))
                    IB("/UP/1/MR/1/IB/2", "/UP/1/MR/1", R("3")) FEED_CLOSE;
    assert_int_equal(read_xml(&e, xml, 0), 0);
    assert_int_equal(e.readings, 3);
    assert_int_equal(e.with_ltp, 3);
    assert_int_equal(e.readings_before_other, 0); /* streamed: the context came first */
    assert_int_equal(count_code(&e.diags, "link-layout-2011"), 1);
    assert_int_equal(e.diags.warnings, 1);
}

/* Opower: no up links; a related link of the meter reading is the block's
 * self link, one of the usage point the meter reading's. Blocks before
 * their meter reading wait for it. */
static void test_layout_opower(void **state)
{
    (void)state;
    events e;
    const char *xml = FEED_OPEN IB_NO_UP("/IB/a", R("1"))
        UP("/UP/1", "/MR/m", "/LocalTimeParameters/1") LTP("/LocalTimeParameters/1")
            RT("/RT/1", "72") ENTRY(LINK("self", "/MR/m") LINK("related", "/IB/a")
                                        LINK("related", "/IB/b") LINK("related", "/RT/1"),
                                    "<espi:MeterReading/>") IB_NO_UP("/IB/b", R("2")) FEED_CLOSE;
    assert_int_equal(read_xml(&e, xml, 0), 0);
    assert_int_equal(e.readings, 2);
    assert_int_equal(e.with_ltp, 2);
    assert_int_equal(count_code(&e.diags, "link-layout-opower"), 1);
    assert_int_equal(count_code(&e.diags, "link-block-broken"), 0);
}

/* Hierarchical hrefs, no related links to the collections: an hourly and a
 * register series of one meter, at the same instants, each joined to its
 * own meter reading (blocks first, context after). */
static void test_layout_hierarchical_keeps_series_apart(void **state)
{
    (void)state;
    events e;
    const char *xml = FEED_OPEN IB("/UP/1/MR/1/IB/1", "/UP/1/MR/1/IB", R("1") R("2"))
        IB("/UP/1/MR/2/IB/1", "/UP/1/MR/2/IB", R("1") R("2")) ENTRY(
            LINK("self", "/UP/1") LINK("related", "/LocalTimeParameters/1"), "<espi:UsagePoint/>")
            LTP("/LocalTimeParameters/1") MR("/UP/1/MR/1", "/UP/1/MR", "/x", "/RT/1")
                MR("/UP/1/MR/2", "/UP/1/MR", "/y", "/RT/2") RT("/RT/1", "72") RT("/RT/2", "72")
                    FEED_CLOSE;
    assert_int_equal(read_xml(&e, xml, 0), 0);
    assert_int_equal(e.readings, 4);
    assert_int_equal(e.with_ltp, 4);
    assert_int_equal(e.to_second, 2);
    assert_int_equal(count_code(&e.diags, "link-layout-hierarchical"), 1);
}

/* No links at all: once the file is read, the only meter reading, usage
 * point and reading type join. */
static void test_layout_single_candidates(void **state)
{
    (void)state;
    events e;
    const char *xml =
        FEED_OPEN ENTRY("", "<espi:IntervalBlock>" R("1") R("2") "</espi:IntervalBlock>")
            ENTRY("", "<espi:UsagePoint/>") ENTRY("", "<espi:MeterReading/>")
                ENTRY("", "<espi:ReadingType><espi:uom>72</espi:uom></espi:ReadingType>")
                    FEED_CLOSE;
    assert_int_equal(read_xml(&e, xml, 0), 0);
    assert_int_equal(e.readings, 2);
    assert_int_equal(e.joined, 2);
    assert_int_equal(count_code(&e.diags, "link-layout-single"), 1);
    /* two ReadingTypes, neither linked: which one cannot be told */
    const char *two = FEED_OPEN ENTRY("", "<espi:IntervalBlock>" R("1") "</espi:IntervalBlock>")
        ENTRY("", "<espi:UsagePoint/>") ENTRY("", "<espi:MeterReading/>")
            ENTRY("", "<espi:ReadingType><espi:uom>72</espi:uom></espi:ReadingType>")
                ENTRY("", "<espi:ReadingType><espi:uom>38</espi:uom></espi:ReadingType>")
                    FEED_CLOSE;
    assert_int_equal(read_xml(&e, two, 0), 0);
    assert_int_equal(e.joined, 0);
    assert_int_equal(count_code(&e.diags, "link-no-reading-type"), 2); /* the entry, the block */
}

/* ESPI's own join wins: a meter reading whose related link is the block's
 * up link is chosen over one whose self link it is (the 2011 reading). */
static void test_espi_join_first(void **state)
{
    (void)state;
    events e;
    const char *xml = FEED_OPEN SMALL MR("/UP/1/MR/1/IB", "/UP/1/MR", "/z", "/RT/1")
        IB("/IB/1", "/UP/1/MR/1/IB", R("1")) FEED_CLOSE;
    assert_int_equal(read_xml(&e, xml, 0), 0);
    assert_int_equal(e.joined, 1);
    assert_int_equal(e.to_second, 0);
    assert_int_equal(count_code(&e.diags, "link-layout-2011"), 0);
}

/* Blocks that only the end of the file can join (no links) still wait
 * within the bound: beyond it the oldest go out unjoined, said once. */
static void test_layouts_stay_bounded(void **state)
{
    (void)state;
    char *xml = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&xml, &size);
    assert_non_null(f);
    fputs(FEED_OPEN, f);
    for (int i = 0; i < 100; i++)
        fprintf(f, ENTRY("", "<espi:IntervalBlock>" R("%d") "</espi:IntervalBlock>"),
                1700000000 + 3600 * i);
    fputs(SMALL FEED_CLOSE, f);
    fclose(f);
    events e;
    assert_int_equal(read_xml(&e, xml, 70), 0);
    assert_int_equal(e.readings, 100);
    assert_true(e.readings_before_other >= 90);
    assert_true(e.joined <= 10 && e.joined > 0);
    assert_int_equal(count_code(&e.diags, "link-block-no-up"), 1);
    free(xml);
}

/* Two meter readings with one self and one related href (a redacted file):
 * joins through either are said, naming both lines, and go to the first. */
static void test_shared_hrefs_stay_loud(void **state)
{
    (void)state;
    events e;
    const char *related = FEED_OPEN SMALL MR("/UP/1/MR/1", "/UP/1/MR", "/UP/1/MR/1/IB", "/RT/1")
        IB("/IB/1", "/UP/1/MR/1/IB", R("1")) FEED_CLOSE;
    assert_int_equal(read_xml(&e, related, 0), 0);
    assert_int_equal(e.joined, 1);
    assert_int_equal(count_code(&e.diags, "link-ambiguous"), 1);
    assert_non_null(strstr(e.diags.last_message, "at line"));
    const char *self = FEED_OPEN SMALL MR("/UP/1/MR/1", "/UP/1/MR", "/q", "/RT/1")
        IB("/IB/1", "/UP/1/MR/1", R("1")) FEED_CLOSE;
    assert_int_equal(read_xml(&e, self, 0), 0);
    assert_int_equal(e.joined, 1);
    assert_int_equal(count_code(&e.diags, "link-ambiguous"), 1);
    assert_int_equal(count_code(&e.diags, "link-layout-2011"), 1);
}

/* A summary whose up link joins nothing belongs to the file's only usage
 * point, once the file is read. */
static void test_summary_joins_only_usage_point(void **state)
{
    (void)state;
    events e;
    const char *xml = FEED_OPEN ENTRY("<id>A</id>" LINK("up", "/nowhere"), "<espi:UsageSummary/>")
        UP("/UP/1", "/UP/1/MR", "/UP/1/US") FEED_CLOSE;
    assert_int_equal(read_xml(&e, xml, 0), 0);
    assert_non_null(strstr(e.text, "S:A:up"));
    assert_int_equal(count_code(&e.diags, "link-layout-single"), 1);
    assert_int_equal(count_code(&e.diags, "link-summary-broken"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_any_order),
        cmocka_unit_test(test_missing_ltp_one_warning),
        cmocka_unit_test(test_late_ltp_reported),
        cmocka_unit_test(test_bound_counts_blocks),
        cmocka_unit_test(test_big_block_streams),
        cmocka_unit_test(test_block_without_up_waits),
        cmocka_unit_test(test_layout_2011),
        cmocka_unit_test(test_layout_opower),
        cmocka_unit_test(test_layout_hierarchical_keeps_series_apart),
        cmocka_unit_test(test_layout_single_candidates),
        cmocka_unit_test(test_espi_join_first),
        cmocka_unit_test(test_layouts_stay_bounded),
        cmocka_unit_test(test_shared_hrefs_stay_loud),
        cmocka_unit_test(test_summary_joins_only_usage_point),
        cmocka_unit_test(test_repeated_and_ambiguous_links),
        cmocka_unit_test(test_summaries_join_later_usage_points),
        cmocka_unit_test(test_nested_reading_types),
        cmocka_unit_test(test_bound_across_one_entry),
        cmocka_unit_test(test_give_up_before_links),
        cmocka_unit_test(test_nested_entry_keeps_its_links),
        cmocka_unit_test(test_misplaced_readings_said),
        cmocka_unit_test(test_dropped_meter_reading_takes_nested_type),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
