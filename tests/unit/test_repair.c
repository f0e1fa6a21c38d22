/* SPDX-License-Identifier: Apache-2.0 */
/* test_repair.c - repair_read_into: the model built from broken
 * Green Button files (testdata/espi/repair/), each repair reported once per
 * resource type with its count and first line, the zone handed to the
 * converter, ZIP archives (SmartHub's greenButtonDownload) and what is
 * refused: undecidable links, unusable times, damaged archives. */
#include "testutil.h"

#include "convert/input.h"
#include "convert/model.h"

#include <stdlib.h>
#include <string.h>

#define S0 1722484800 /* 2024-08-01T04:00:00Z, local midnight in New York */
#define D0 1760853600 /* 2025-10-19T06:00:00Z, local midnight in Denver */

typedef struct seen {
    char code[48];
    char file[256];
    unsigned long line;
    char message[512];
} seen;

typedef struct fixture {
    espi_feed *feed;
    espi_tz *zone;
    account_info *accounts;
    size_t naccounts;
    espi_error err;
    int rc;
    seen diags[96];
    size_t ndiags;
} fixture;

static void collect(const espi_diag *d, void *ctx)
{
    fixture *f = ctx;
    if (f->ndiags == sizeof f->diags / sizeof f->diags[0])
        return;
    seen *s = &f->diags[f->ndiags++];
    snprintf(s->code, sizeof s->code, "%s", d->code ? d->code : "");
    snprintf(s->file, sizeof s->file, "%s", d->file ? d->file : "");
    s->line = d->line;
    snprintf(s->message, sizeof s->message, "%s", d->message ? d->message : "");
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    *state = f;
    return 0;
}

static void reset(fixture *f)
{
    espi_feed_free(f->feed);
    espi_tz_free(f->zone);
    for (size_t i = 0; i < f->naccounts; i++)
        account_info_free(&f->accounts[i]);
    free(f->accounts);
    f->feed = NULL;
    f->zone = NULL;
    f->accounts = NULL;
    f->naccounts = 0;
    f->ndiags = 0;
    memset(&f->err, 0, sizeof f->err);
}

static int teardown(void **state)
{
    fixture *f = *state;
    reset(f);
    free(f);
    return 0;
}

static int read_stream(fixture *f, FILE *in, const char *name, bool dry_run)
{
    reset(f);
    assert_int_equal(model_feed_new(&f->feed), 0);
    uint16_t source;
    assert_int_equal(model_feed_add_source(f->feed, name, &source, &f->err), 0);
    convert_input ci = {.feed = f->feed,
                        .name = name,
                        .source = source,
                        .on_diag = collect,
                        .diag_ctx = f,
                        .dry_run = dry_run,
                        .zone = &f->zone,
                        .accounts = &f->accounts,
                        .naccounts = &f->naccounts};
    f->rc = repair_read_into(&ci, in, &f->err);
    return f->rc;
}

/* Reads testdata/espi/repair/NAME. */
static int read_fixture(fixture *f, const char *name)
{
    char rel[256];
    snprintf(rel, sizeof rel, "espi/repair/%s", name);
    FILE *in = fopen(test_fixture(rel), "rb");
    assert_non_null(in);
    int rc = read_stream(f, in, name, false);
    fclose(in);
    return rc;
}

static int read_text(fixture *f, const char *text)
{
    FILE *in = test_stream(text);
    int rc = read_stream(f, in, "text.xml", false);
    fclose(in);
    return rc;
}

/* The report of code for resource type ("IntervalReading"): its message
 * starts with "TYPE: COUNT ". NULL when there is none. */
static const seen *report_of(const fixture *f, const char *code, const char *type)
{
    size_t n = strlen(type);
    for (size_t i = 0; i < f->ndiags; i++)
        if (strcmp(f->diags[i].code, code) == 0 && strncmp(f->diags[i].message, type, n) == 0 &&
            f->diags[i].message[n] == ':')
            return &f->diags[i];
    return NULL;
}

static void assert_report(const fixture *f, const char *code, const char *type, int count,
                          unsigned long line)
{
    const seen *s = report_of(f, code, type);
    if (s == NULL)
        fail_msg("no %s report for %s", code, type);
    char head[96];
    snprintf(head, sizeof head, "%s: %d ", type, count);
    if (strncmp(s->message, head, strlen(head)) != 0)
        fail_msg("%s: expected \"%s...\", got \"%s\"", code, head, s->message);
    if (line)
        assert_int_equal(s->line, line);
}

static size_t count_code(const fixture *f, const char *code)
{
    size_t n = 0;
    for (size_t i = 0; i < f->ndiags; i++)
        n += strcmp(f->diags[i].code, code) == 0;
    return n;
}

static model_usage_point *only_usage_point(const fixture *f)
{
    assert_int_equal(f->feed->nusage_points, 1);
    return f->feed->usage_points[0];
}

static model_channel *channel(model_usage_point *up, int flow, int uom)
{
    for (size_t i = 0; i < up->nchannels; i++)
        if (up->channels[i]->rt.flow_direction == flow && up->channels[i]->rt.uom == uom)
            return up->channels[i];
    fail_msg("no channel of flow %d, uom %d", flow, uom);
    return NULL;
}

static void assert_reading(const model_reading *r, int64_t start, uint32_t duration, int64_t value)
{
    assert_int_equal(r->start, start);
    assert_int_equal(r->duration, duration);
    assert_int_equal(r->value, value);
}

/* ------------------------------------------------------------------ */
/* Times                                                               */
/* ------------------------------------------------------------------ */

static void test_milliseconds(void **state)
{
    fixture *f = *state;
    assert_int_equal(read_fixture(f, "repair_milliseconds.xml"), 0);
    model_usage_point *up = only_usage_point(f);
    model_channel *ch = channel(up, 1, 72);
    assert_int_equal(ch->nreadings, 3);
    assert_reading(&ch->readings[0], S0, 3600, 500);
    assert_reading(&ch->readings[1], S0 + 3600, 3600, 600);
    assert_reading(&ch->readings[2], S0 + 7200, 3600, 700);
    assert_true(ch->readings[0].has_cost);
    assert_int_equal(ch->readings[0].cost, 5000);
    assert_int_equal(ch->readings[0].line, 96); /* its <IntervalReading> */
    assert_int_equal(up->nsummaries, 1);
    assert_int_equal(up->summaries[0].billing_start, 1719806400);
    assert_int_equal(up->summaries[0].billing_duration, 2678400);
    assert_int_equal(up->summaries[0].status_time, 1722560777);
    assert_int_equal(up->summaries[0].bill_last_period, 9876500);
    assert_true(up->summaries[0].overall.present);
    assert_int_equal(up->summaries[0].overall.value, 612000);
    assert_report(f, "repair-milliseconds", "IntervalBlock", 1, 94);
    assert_report(f, "repair-milliseconds", "IntervalReading", 2, 100);
    assert_report(f, "repair-milliseconds", "UsageSummary", 2, 134);
    assert_int_equal(f->ndiags, 3); /* nothing else is wrong with the file */
}

static void test_fractional_times(void **state)
{
    fixture *f = *state;
    assert_int_equal(read_fixture(f, "repair_fractional_times.xml"), 0);
    model_channel *ch = channel(only_usage_point(f), 1, 72);
    assert_int_equal(ch->nreadings, 3);
    assert_reading(&ch->readings[0], S0, 3600, 100);
    assert_reading(&ch->readings[1], S0 + 3600, 3600, 200);
    assert_reading(&ch->readings[2], S0 + 7200, 3600, 300);
    assert_report(f, "repair-fractional-time", "IntervalBlock", 1, 91);
    assert_report(f, "repair-fractional-time", "IntervalReading", 2, 96);
    assert_report(f, "repair-not-carried", "ReadingType", 1, 61); /* 840, and no cost */
    assert_int_equal(f->ndiags, 3);
}

static void test_missing_times(void **state)
{
    fixture *f = *state;
    assert_int_equal(read_fixture(f, "repair_missing_times.xml"), 0);
    model_channel *ch = channel(only_usage_point(f), 1, 72);
    assert_int_equal(ch->nreadings, 4);
    for (size_t i = 0; i < 4; i++)
        assert_reading(&ch->readings[i], S0 + 900 * (int64_t)i, 900, 10 + (int64_t)i);
    assert_report(f, "repair-reading-start", "IntervalReading", 2, 95);
    assert_report(f, "repair-reading-duration", "IntervalReading", 2, 95);
    assert_report(f, "repair-zero-duration", "IntervalReading", 1, 101);
    assert_report(f, "repair-not-carried", "IntervalReading", 1, 115);
}

static void test_bad_time_is_refused(void **state)
{
    fixture *f = *state;
    assert_int_equal(read_fixture(f, "invalid_repair-bad-time_microseconds.xml"), ESPI_E_INPUT);
    assert_string_equal(f->err.code, "repair-bad-time");
    assert_int_equal(f->err.line, 101);
    assert_non_null(strstr(f->err.message, "1722488400000000"));
}

/* ------------------------------------------------------------------ */
/* Names, links and ids                                                */
/* ------------------------------------------------------------------ */

static void test_untyped_links(void **state)
{
    fixture *f = *state;
    assert_int_equal(read_fixture(f, "repair_untyped_links.xml"), 0);
    assert_int_equal(channel(only_usage_point(f), 1, 72)->nreadings, 2);
    assert_report(f, "repair-link-type", "feed", 1, 8);
    assert_report(f, "repair-link-type", "LocalTimeParameters", 2, 13);
    assert_report(f, "repair-link-type", "UsagePoint", 5, 29);
    assert_report(f, "repair-link-type", "MeterReading", 4, 47);
    assert_report(f, "repair-link-type", "ReadingType", 2, 60);
    assert_report(f, "repair-link-type", "IntervalBlock", 2, 81);
    assert_report(f, "repair-not-carried", "ReadingType", 1, 60); /* 840, and no cost */
    assert_int_equal(f->ndiags, 7);
}

static void test_espi_1x(void **state)
{
    fixture *f = *state;
    assert_int_equal(read_fixture(f, "repair_espi1x_service_delivery_point.xml"), 0);
    model_usage_point *up = only_usage_point(f);
    assert_string_equal(up->tariff_profile, "E-TOU-C");
    assert_string_equal(up->read_cycle, "12");
    assert_string_equal(up->title, "Home");
    assert_int_equal(up->service_kind, 0);
    assert_int_equal(up->nsummaries, 1);
    assert_int_equal(up->summaries[0].billing_start, 1719806400);
    assert_int_equal(up->summaries[0].quality, 14);
    assert_report(f, "repair-espi-1x-name", "UsagePoint", 1, 45);
    assert_report(f, "repair-deprecated-name", "UsageSummary", 1, 121);
    assert_non_null(strstr(report_of(f, "repair-not-carried", "UsagePoint")->message, "<status>"));
    assert_int_equal(count_code(f, "repair-not-carried"),
                     2);                                /* <status>, serviceDeliveryPoint/name */
    assert_int_equal(count_code(f, "espi-1x-name"), 0); /* the reader's own, made a repair */
}

static void test_broken_links(void **state)
{
    fixture *f = *state;
    assert_int_equal(read_fixture(f, "repair_broken_links.xml"), 0);
    model_usage_point *up = only_usage_point(f);
    assert_string_equal(up->location, "/espi/1_1/resource/RetailCustomer/7/UsagePoint/1");
    model_channel *ch = channel(up, 1, 72);
    assert_string_equal(ch->meter,
                        "/espi/1_1/resource/RetailCustomer/7/UsagePoint/1/MeterReading/1");
    assert_int_equal(ch->nreadings, 2);
    assert_int_equal(ch->rt.kind, 12);
    assert_int_equal(count_code(f, "repair-link"), 3);
    assert_report(f, "repair-link", "IntervalBlock", 1, 84);
    assert_int_equal(count_code(f, "link-block-broken"), 0); /* said as a repair instead */
}

static void test_ambiguous_link_is_refused(void **state)
{
    fixture *f = *state;
    assert_int_equal(read_fixture(f, "invalid_repair-link-meter-reading_ambiguous.xml"),
                     ESPI_E_INPUT);
    assert_string_equal(f->err.code, "repair-link-meter-reading");
    assert_int_equal(f->err.line, 116);
    assert_non_null(strstr(f->err.message, "2 readings"));
}

static void test_duplicates(void **state)
{
    fixture *f = *state;
    assert_int_equal(read_fixture(f, "repair_duplicates.xml"), 0);
    model_channel *ch = channel(only_usage_point(f), 1, 72);
    assert_int_equal(ch->nreadings, 2);
    assert_false(ch->keep_interval);
    assert_report(f, "repair-duplicate-id", "UsagePoint", 1, 31);
    assert_report(f, "repair-duplicate-id", "IntervalBlock", 2, 83);
    assert_report(f, "repair-duplicate-reading", "IntervalReading", 2, 0);
    assert_report(f, "repair-interval-length", "ReadingType", 1, 62);
    assert_non_null(strstr(report_of(f, "repair-interval-length", "ReadingType")->message,
                           "900 s in the file, 3600 s in the readings"));
    assert_int_equal(count_code(f, "repair-duplicate-self"), 1);
}

/* Blocks of a MeterReading, UsagePoint and ReadingType the file does not
 * hold (PG&E's API answers with IntervalBlocks only): they are named after
 * the blocks' links, and the values stay without a unit. */
static void test_blocks_only(void **state)
{
    fixture *f = *state;
    const char *text =
        "<feed xmlns=\"http://www.w3.org/2005/Atom\" xmlns:espi=\"http://naesb.org/espi\">\n"
        "<entry><link rel=\"self\" href=\"/S/0/UsagePoint/1/MeterReading/M/IntervalBlock/1\"/>\n"
        "<link rel=\"up\" href=\"/S/0/UsagePoint/1/MeterReading/M/IntervalBlock\"/>\n"
        "<content><espi:IntervalBlock><espi:IntervalReading><espi:timePeriod>"
        "<espi:duration>3600</espi:duration><espi:start>1430377200</espi:start>"
        "</espi:timePeriod><espi:value>86400</espi:value></espi:IntervalReading>"
        "</espi:IntervalBlock></content></entry>\n</feed>\n";
    assert_int_equal(read_text(f, text), 0);
    model_usage_point *up = only_usage_point(f);
    assert_string_equal(up->location, "/S/0/UsagePoint/1");
    assert_int_equal(up->nchannels, 1);
    model_channel *ch = up->channels[0];
    assert_string_equal(ch->meter, "/S/0/UsagePoint/1/MeterReading/M");
    assert_int_equal(ch->rt.flow_direction, 1);
    assert_int_equal(ch->rt.uom, CODE_NONE);
    assert_int_equal(ch->rt.kind, CODE_NONE);
    assert_int_equal(ch->rt.power_of_ten, 0);
    assert_int_equal(ch->nreadings, 1);
    assert_reading(&ch->readings[0], 1430377200, 3600, 86400);
    assert_report(f, "repair-missing-meter-reading", "IntervalBlock", 1, 2);
    assert_report(f, "repair-missing-reading-type", "MeterReading", 1, 2);
    assert_report(f, "repair-missing-usage-point", "MeterReading", 1, 2);
    assert_report(f, "repair-flow-direction", "MeterReading", 1, 2);
    assert_report(f, "repair-ltp-missing", "feed", 1, 0);
    assert_string_equal(espi_tz_name(f->zone), "UTC0");
}

/* ------------------------------------------------------------------ */
/* SmartHub's download (docs/smarthub.md section 8)                         */
/* ------------------------------------------------------------------ */

static void assert_nisc_model(const fixture *f)
{
    model_usage_point *up = only_usage_point(f);
    assert_string_equal(up->tariff_profile, "NNTCO,NNTGE,R1");
    assert_int_equal(up->nchannels, 4);
    assert_int_equal(up->nsummaries, 0); /* the empty summary is not carried */
    const struct {
        int flow, uom;
        int64_t values[2];
        size_t n;
    } want[] = {{1, 72, {49600, 23030}, 2},
                {4, 72, {38600, -6490}, 2},
                {19, 72, {11000, 29520}, 2}, /* received energy: non-negative */
                {1, 38, {10672, 0}, 1}};
    for (size_t i = 0; i < 4; i++) {
        model_channel *ch = channel(up, want[i].flow, want[i].uom);
        assert_int_equal(ch->rt.power_of_ten, 0); /* the reading's 3 is dropped */
        assert_string_equal(ch->title, i == 3 ? "Energy (KW)" : "Energy (KWH)");
        assert_int_equal(ch->nreadings, want[i].n);
        for (size_t k = 0; k < want[i].n; k++)
            assert_reading(&ch->readings[k], D0 + 86400 * (int64_t)k, 86400, want[i].values[k]);
    }
    assert_report(f, "repair-reading-multiplier", "IntervalReading", 7, 116);
    assert_report(f, "repair-espi-1x-name", "UsagePoint", 1, 47);
    assert_report(f, "repair-not-carried", "UsageSummary", 1, 56);
    assert_int_equal(f->feed->time_params.tz_offset, -25200);
    assert_int_equal(f->feed->time_params.dst_offset, 3600);
    assert_int_equal(f->feed->time_params.dst_start_rule, 0x360E2000u);
    assert_int_equal(f->feed->time_params.dst_end_rule, 0xB40E2000u);
    assert_string_equal(f->feed->tz_name, "STD7DST,M3.2.0/2,M11.1.0/2");
    assert_non_null(f->zone);
    assert_string_equal(espi_tz_name(f->zone), "STD7DST,M3.2.0/2,M11.1.0/2");
    /* local midnight in Denver, summer and winter */
    assert_int_equal(espi_tz_offset_at(NULL, f->zone, D0), -21600);
    assert_int_equal(espi_tz_offset_at(NULL, f->zone, 1767225600), -25200);
}

static void test_nisc_reading_multiplier(void **state)
{
    fixture *f = *state;
    assert_int_equal(read_fixture(f, "repair_nisc_reading_multiplier.xml"), 0);
    assert_nisc_model(f);
}

static void test_nisc_zip(void **state)
{
    fixture *f = *state;
    assert_int_equal(read_fixture(f, "repair_nisc.zip"), 0);
    assert_nisc_model(f);
    const seen *s = report_of(f, "repair-reading-multiplier", "IntervalReading");
    assert_string_equal(s->file, "repair_nisc.zip:green_button_data_1760853600000.xml");
}

/* The same file read through a pipe-like stream, one byte short of a
 * chunk at a time, with the archive announced by its first bytes only. */
static void test_zip_from_memory(void **state)
{
    fixture *f = *state;
    FILE *in = fopen(test_fixture("espi/repair/repair_nisc.zip"), "rb");
    assert_non_null(in);
    char buf[8192];
    size_t n = fread(buf, 1, sizeof buf, in);
    fclose(in);
    FILE *mem = fmemopen(buf, n, "rb");
    assert_non_null(mem);
    assert_int_equal(read_stream(f, mem, "<stdin>", true), 0); /* dry run: the same model */
    fclose(mem);
    assert_nisc_model(f);
}

static void test_zip_errors(void **state)
{
    fixture *f = *state;
    const struct {
        const char *file, *code, *words;
    } cases[] = {
        {"invalid_zip-members_two_xml.zip", "zip-members", "copy.xml"},
        {"invalid_zip-members_no_xml.zip", "zip-members", "_formatted.html"},
        {"invalid_zip-corrupt_crc.zip", "zip-corrupt", "CRC"},
        {"invalid_zip-corrupt_truncated.zip", "zip-corrupt", "cannot be opened"},
        {"invalid_zip-bomb_declared_5gib.zip", "zip-bomb", "5368709120"},
        {"invalid_zip-encrypted.zip", "zip-encrypted", "encrypted"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(read_fixture(f, cases[i].file), ESPI_E_INPUT);
        assert_string_equal(f->err.code, cases[i].code);
        if (strstr(f->err.message, cases[i].words) == NULL)
            fail_msg("%s: \"%s\" lacks \"%s\"", cases[i].file, f->err.message, cases[i].words);
        assert_non_null(strstr(f->err.file, cases[i].file));
    }
}

/* ------------------------------------------------------------------ */
/* Time parameters and what is not carried                             */
/* ------------------------------------------------------------------ */

static void test_ltp_bad_rules(void **state)
{
    fixture *f = *state;
    assert_int_equal(read_fixture(f, "repair_ltp_bad_rules.xml"), 0);
    assert_int_equal(f->feed->time_params.tz_offset, -28800);
    assert_int_equal(f->feed->time_params.dst_offset, 0);
    assert_int_equal(f->feed->time_params.dst_start_rule, 0xFFFFFFFFu);
    assert_string_equal(espi_tz_name(f->zone), "STD8");
    assert_report(f, "repair-ltp-dst", "LocalTimeParameters", 1, 13);
}

/* A zone the converter already has (--tz, or an earlier input) is kept. */
static void test_zone_already_given(void **state)
{
    fixture *f = *state;
    reset(f);
    espi_tz *given = NULL;
    espi_error err;
    assert_int_equal(espi_tz_load(&given, "America/Chicago", &err), 0);
    assert_int_equal(model_feed_new(&f->feed), 0);
    uint16_t source;
    assert_int_equal(model_feed_add_source(f->feed, "a.xml", &source, &err), 0);
    espi_tz *zone = given;
    convert_input ci = {.feed = f->feed,
                        .name = "a.xml",
                        .source = source,
                        .on_diag = collect,
                        .diag_ctx = f,
                        .zone = &zone,
                        .accounts = &f->accounts,
                        .naccounts = &f->naccounts};
    FILE *in = fopen(test_fixture("espi/repair/repair_milliseconds.xml"), "rb");
    assert_non_null(in);
    assert_int_equal(repair_read_into(&ci, in, &f->err), 0);
    fclose(in);
    assert_ptr_equal(zone, given);
    assert_string_equal(f->feed->tz_name, "STD5DST,M3.2.0/2,M11.1.0/2");
    espi_tz_free(given);
}

/* Reads repair_milliseconds.xml (New York's LocalTimeParameters) with the
 * zone tz of --tz (explicit) or of the default. */
static void read_with_tz(fixture *f, const char *tz, bool explicit)
{
    reset(f);
    espi_tz *given = NULL;
    espi_error err;
    assert_int_equal(espi_tz_load(&given, tz, &err), 0);
    assert_int_equal(model_feed_new(&f->feed), 0);
    uint16_t source;
    assert_int_equal(model_feed_add_source(f->feed, "a.xml", &source, &err), 0);
    convert_input ci = {.feed = f->feed,
                        .tz = given,
                        .name = "a.xml",
                        .source = source,
                        .on_diag = collect,
                        .diag_ctx = f,
                        .zone = &f->zone,
                        .accounts = &f->accounts,
                        .naccounts = &f->naccounts,
                        .tz_explicit = explicit};
    FILE *in = fopen(test_fixture("espi/repair/repair_milliseconds.xml"), "rb");
    assert_non_null(in);
    assert_int_equal(repair_read_into(&ci, in, &f->err), 0);
    fclose(in);
    espi_tz_free(given);
}

/* A --tz that disagrees with the file's LocalTimeParameters is said, naming
 * both; the same zone (however written) or the default zone is not. */
static void test_given_zone_disagrees(void **state)
{
    fixture *f = *state;
    read_with_tz(f, "America/Chicago", true);
    assert_report(f, "repair-tz-given", "LocalTimeParameters", 1, 0);
    const char *m = report_of(f, "repair-tz-given", "LocalTimeParameters")->message;
    assert_non_null(strstr(m, "disagree with --tz America/Chicago (tzOffset -21600, dstOffset "
                              "3600, rules 360E2000/B40E2000; the offsets first differ at "));
    assert_non_null(strstr(m, "(the first: tzOffset -18000, dstOffset 3600, rules "
                              "360E2000/B40E2000); --tz is applied"));
    read_with_tz(f, "America/Phoenix", true); /* no DST: the rules differ */
    assert_int_equal(count_code(f, "repair-tz-given"), 1);
    read_with_tz(f, "America/New_York", true);
    assert_int_equal(count_code(f, "repair-tz-given"), 0);
    read_with_tz(f, "EST5EDT,M3.2.0,M11.1.0", true);
    assert_int_equal(count_code(f, "repair-tz-given"), 0);
    read_with_tz(f, "America/Chicago", false); /* the default: the file's own zone is used */
    assert_int_equal(count_code(f, "repair-tz-given"), 0);
}

static void test_customer_feed(void **state)
{
    fixture *f = *state;
    FILE *in = fopen(test_fixture("espi/valid_customer_full.xml"), "rb");
    assert_non_null(in);
    assert_int_equal(read_stream(f, in, "customer.xml", false), 0);
    fclose(in);
    assert_int_equal(f->feed->nusage_points, 0);
    assert_report(f, "repair-no-usage", "feed", 1, 0);
    assert_report(f, "repair-ltp-missing", "feed", 1, 0);
    bool customer = false;
    for (size_t i = 0; i < f->ndiags; i++)
        customer = customer || (strcmp(f->diags[i].code, "repair-not-carried") == 0 &&
                                strstr(f->diags[i].message, "customer (PII)"));
    assert_true(customer);
    assert_string_equal(espi_tz_name(f->zone), "UTC0");
}

/* ------------------------------------------------------------------ */
/* What a ReadingType, a sign or a zone says wrong (docs/repair.md)     */
/* ------------------------------------------------------------------ */

/* A small feed: LocalTimeParameters of tz_offset (US rules), one
 * UsagePoint of service, one MeterReading whose ReadingType holds
 * rt_fields, one block of readings, and extra entries. */
static int read_small(fixture *f, int tz_offset, int service, const char *rt_fields,
                      const char *readings, const char *extra)
{
    static char text[16384];
    snprintf(text, sizeof text,
             "<feed xmlns=\"http://www.w3.org/2005/Atom\" xmlns:espi=\"http://naesb.org/espi\">\n"
             "<id>urn:uuid:00000000-0000-5000-8000-000000000000</id><title>t</title>\n"
             "<entry><link rel=\"self\" href=\"/LocalTimeParameters/1\"/><content>\n"
             "<espi:LocalTimeParameters><espi:dstEndRule>B40E2000</espi:dstEndRule>"
             "<espi:dstOffset>3600</espi:dstOffset><espi:dstStartRule>360E2000</espi:dstStartRule>"
             "<espi:tzOffset>%d</espi:tzOffset></espi:LocalTimeParameters></content></entry>\n"
             "<entry><link rel=\"self\" href=\"/UsagePoint/1\"/>"
             "<link rel=\"related\" href=\"/LocalTimeParameters/1\"/><content>\n"
             "<espi:UsagePoint><espi:ServiceCategory><espi:kind>%d</espi:kind>"
             "</espi:ServiceCategory></espi:UsagePoint></content></entry>\n"
             "<entry><link rel=\"self\" href=\"/UsagePoint/1/MeterReading/1\"/>"
             "<link rel=\"up\" href=\"/UsagePoint/1/MeterReading\"/>"
             "<link rel=\"related\" href=\"/ReadingType/1\"/><content>\n"
             "<espi:MeterReading/></content></entry>\n"
             "<entry><link rel=\"self\" href=\"/ReadingType/1\"/><content>\n"
             "<espi:ReadingType>%s<espi:intervalLength>3600</espi:intervalLength>"
             "</espi:ReadingType></content></entry>\n"
             "<entry><link rel=\"self\" href=\"/UsagePoint/1/MeterReading/1/IntervalBlock/1\"/>"
             "<link rel=\"up\" href=\"/UsagePoint/1/MeterReading/1/IntervalBlock\"/><content>\n"
             "<espi:IntervalBlock><espi:interval><espi:duration>7200</espi:duration>"
             "<espi:start>1722484800</espi:start></espi:interval>%s</espi:IntervalBlock>"
             "</content></entry>\n%s</feed>\n",
             tz_offset, service, rt_fields, readings, extra ? extra : "");
    return read_text(f, text);
}

#define TWO_READINGS                                                                               \
    "<espi:IntervalReading><espi:timePeriod><espi:duration>3600</espi:duration>"                   \
    "<espi:start>1722484800</espi:start></espi:timePeriod><espi:value>-50</espi:value>"            \
    "</espi:IntervalReading><espi:IntervalReading><espi:timePeriod>"                               \
    "<espi:duration>3600</espi:duration><espi:start>1722488400</espi:start></espi:timePeriod>"     \
    "<espi:value>70</espi:value></espi:IntervalReading>"

#define COSTED_READING                                                                             \
    "<espi:IntervalReading><espi:cost>1500</espi:cost><espi:timePeriod>"                           \
    "<espi:duration>3600</espi:duration><espi:start>1722484800</espi:start></espi:timePeriod>"     \
    "<espi:value>50</espi:value></espi:IntervalReading>"

#define BILL_SUMMARY(currency)                                                                     \
    "<entry><link rel=\"self\" href=\"/UsagePoint/1/UsageSummary/1\"/>"                            \
    "<link rel=\"up\" href=\"/UsagePoint/1/UsageSummary\"/><content><espi:UsageSummary>"           \
    "<espi:billingPeriod><espi:duration>2678400</espi:duration>"                                   \
    "<espi:start>1719806400</espi:start></espi:billingPeriod>"                                     \
    "<espi:billLastPeriod>9876500</espi:billLastPeriod>" currency                                  \
    "<espi:statusTimeStamp>1722560777</espi:statusTimeStamp></espi:UsageSummary></content>"        \
    "</entry>\n"

/* SmartHub's download: the W channel is demand, received energy is
 * written non-negative, <uom> inside interval is dropped and said. */
static void test_smarthub_download(void **state)
{
    fixture *f = *state;
    assert_int_equal(read_fixture(f, "repair_smarthub_download.xml"), 0);
    model_usage_point *up = only_usage_point(f);
    model_channel *w = channel(up, 1, 38);
    assert_int_equal(w->rt.kind, 37);
    assert_int_equal(w->rt.accumulation, 12);
    model_channel *wh = channel(up, 1, 72);
    assert_int_equal(wh->rt.kind, 12);
    assert_int_equal(wh->rt.accumulation, 4);
    assert_int_equal(wh->rt.commodity, 1);
    assert_int_equal(wh->rt.currency, 0); /* 840, but no reading has a cost */
    model_channel *rev = channel(up, 19, 72);
    assert_int_equal(rev->nreadings, 2);
    assert_int_equal(rev->readings[0].value, 11000);
    assert_int_equal(rev->readings[1].value, 29520);
    model_channel *net = channel(up, 4, 72);
    assert_int_equal(net->readings[1].value, -6490); /* net keeps its sign */
    assert_report(f, "repair-demand-kind", "ReadingType", 1, 280);
    assert_report(f, "repair-reverse-sign", "IntervalReading", 2, 246);
    assert_report(f, "repair-not-carried", "IntervalBlock", 4, 114);
    assert_report(f, "repair-commodity", "ReadingType", 4, 0);
    const seen *s = report_of(f, "repair-not-carried", "IntervalBlock");
    assert_non_null(strstr(s->message, "<uom>"));
    assert_report(f, "repair-reading-multiplier", "IntervalReading", 7, 0);
}

static void test_currency_from_the_file(void **state)
{
    fixture *f = *state;
    /* the summary states 124: the readings' cost is in it */
    assert_int_equal(read_small(f, -18000, 0, "<espi:kind>12</espi:kind><espi:uom>72</espi:uom>",
                                COSTED_READING, BILL_SUMMARY("<espi:currency>124</espi:currency>")),
                     0);
    assert_int_equal(channel(only_usage_point(f), 1, 72)->rt.currency, 124);
    assert_report(f, "repair-currency", "ReadingType", 1, 0);
    /* none anywhere: none is guessed, and that is said */
    assert_int_equal(read_small(f, -18000, 0, "<espi:kind>12</espi:kind><espi:uom>72</espi:uom>",
                                COSTED_READING, BILL_SUMMARY("")),
                     0);
    assert_int_equal(channel(only_usage_point(f), 1, 72)->rt.currency, 0);
    assert_report(f, "repair-currency-unknown", "ReadingType", 1, 0);
    assert_report(f, "repair-currency-unknown", "UsageSummary", 1, 0);
    /* the ReadingType's own currency goes to the bill without one */
    assert_int_equal(read_small(f, -18000, 0,
                                "<espi:currency>840</espi:currency><espi:kind>12</espi:kind>"
                                "<espi:uom>72</espi:uom>",
                                COSTED_READING, BILL_SUMMARY("")),
                     0);
    assert_int_equal(only_usage_point(f)->summaries[0].currency, 840);
    assert_report(f, "repair-currency", "UsageSummary", 1, 0);
    assert_int_equal(count_code(f, "repair-currency-unknown"), 0);
}

static void test_kind_from_unit(void **state)
{
    fixture *f = *state;
    /* the GBA's water sample: kind 12 in US gallons */
    assert_int_equal(read_small(f, -18000, 2, "<espi:kind>12</espi:kind><espi:uom>128</espi:uom>",
                                TWO_READINGS, NULL),
                     0);
    model_channel *ch = channel(only_usage_point(f), 1, 128);
    assert_int_equal(ch->rt.kind, 58);
    assert_int_equal(ch->rt.commodity, 9);
    assert_report(f, "repair-kind", "ReadingType", 1, 0);
    /* no kind and no accumulationBehaviour, in Wh (UtilityAPI-style) */
    assert_int_equal(read_small(f, -18000, 0, "<espi:uom>72</espi:uom>", TWO_READINGS, NULL), 0);
    ch = channel(only_usage_point(f), 1, 72);
    assert_int_equal(ch->rt.kind, 12);
    assert_int_equal(ch->rt.accumulation, 4);
    assert_report(f, "repair-accumulation", "ReadingType", 1, 0);
    /* FB_06's own VA demand is left alone */
    assert_int_equal(read_small(f, -18000, 0,
                                "<espi:accumulationBehaviour>12</espi:accumulationBehaviour>"
                                "<espi:commodity>1</espi:commodity><espi:kind>12</espi:kind>"
                                "<espi:uom>61</espi:uom>",
                                TWO_READINGS, NULL),
                     0);
    ch = channel(only_usage_point(f), 1, 61);
    assert_int_equal(ch->rt.kind, 12);
    assert_int_equal(count_code(f, "repair-demand-kind") + count_code(f, "repair-kind"), 0);
}

static void test_reverse_and_offset_sign(void **state)
{
    fixture *f = *state;
    /* NGMA's +18000 with the US rules */
    assert_int_equal(
        read_small(f, 18000, 0,
                   "<espi:flowDirection>19</espi:flowDirection><espi:kind>12</espi:kind>"
                   "<espi:uom>72</espi:uom>",
                   TWO_READINGS, NULL),
        0);
    assert_int_equal(f->feed->time_params.tz_offset, -18000);
    assert_report(f, "repair-ltp-offset-sign", "LocalTimeParameters", 1, 0);
    model_channel *ch = channel(only_usage_point(f), 19, 72);
    assert_int_equal(ch->readings[0].value, 50);
    assert_int_equal(ch->readings[1].value, 70);
    assert_report(f, "repair-reverse-sign", "IntervalReading", 1, 0);
    /* forward energy keeps its sign: it is not said to be wrong here */
    assert_int_equal(read_small(f, -18000, 0, "<espi:kind>12</espi:kind><espi:uom>72</espi:uom>",
                                TWO_READINGS, NULL),
                     0);
    assert_int_equal(channel(only_usage_point(f), 1, 72)->readings[0].value, -50);
    assert_int_equal(count_code(f, "repair-reverse-sign") + count_code(f, "repair-ltp-offset-sign"),
                     0);
}

/* The GBA's 4.x usage sample: a UsagePoint and a MeterReading with its
 * ReadingType nested, and no reading: each said not carried. */
static void test_nothing_to_carry(void **state)
{
    fixture *f = *state;
    assert_int_equal(read_text(f,
                               "<feed xmlns=\"http://www.w3.org/2005/Atom\" "
                               "xmlns:espi=\"http://naesb.org/espi\">\n"
                               "<entry><link rel=\"self\" href=\"/UsagePoint/1\"/><content>\n"
                               "<espi:UsagePoint><espi:ServiceCategory><espi:kind>0</espi:kind>"
                               "</espi:ServiceCategory></espi:UsagePoint></content></entry>\n"
                               "<entry><link rel=\"self\" href=\"/UsagePoint/1/MeterReading/1\"/>"
                               "<link rel=\"up\" href=\"/UsagePoint/1/MeterReading\"/><content>\n"
                               "<espi:MeterReading><espi:ReadingType><espi:kind>12</espi:kind>"
                               "</espi:ReadingType></espi:MeterReading></content></entry>\n"
                               "</feed>\n"),
                     0);
    assert_report(f, "repair-not-carried", "UsagePoint", 1, 2);
    assert_report(f, "repair-not-carried", "MeterReading", 1, 4);
    const seen *s = report_of(f, "repair-nested-reading-type", "MeterReading");
    assert_non_null(s);
    assert_null(strstr(s->message, "written as an entry of its own"));
    assert_non_null(strstr(s->message, "not carried"));
    assert_report(f, "repair-no-usage", "feed", 1, 0);
}

static void test_quality_summary_and_measurements(void **state)
{
    fixture *f = *state;
    FILE *in = fopen(test_fixture("espi/valid_dump_billing_only.xml"), "rb");
    assert_non_null(in);
    assert_int_equal(read_stream(f, in, "billing.xml", false), 0);
    fclose(in);
    assert_true(f->feed->nusage_points >= 1);
    size_t summaries = 0;
    for (size_t i = 0; i < f->feed->nusage_points; i++)
        summaries += f->feed->usage_points[i]->nsummaries;
    assert_true(summaries >= 1);
}

/* Every fixture of espi dump reads without an error, and not a reading
 * is lost: what the model holds is what espi_read hands over. */
static int count_readings(const espi_resource *res, void *ctx)
{
    if (res->kind == ESPI_RES_INTERVAL_READING && res->u.reading->value != ESPI_ABSENT)
        (*(size_t *)ctx)++;
    return 0;
}

static void test_dump_fixtures(void **state)
{
    fixture *f = *state;
    const char *files[] = {
        "valid_dump_1x_service_delivery_point.xml",
        "valid_dump_40_prefixed.xml",
        "valid_dump_billing_only.xml",
        "valid_dump_blocks_only.xml",
        "valid_dump_broken_links.xml",
        "valid_dump_default_ns.xml",
        "valid_dump_dst_days.xml",
        "valid_dump_entries_out_of_order.xml",
        "valid_dump_epus_2011.xml",
        "valid_dump_fractional_seconds.xml",
        "valid_dump_gas.xml",
        "valid_dump_milliseconds.xml",
        "valid_dump_no_ltp.xml",
        "valid_dump_other_prefixes.xml",
        "valid_dump_temperature.xml",
        "valid_dump_two_usage_points.xml",
        "valid_dump_unknown_elements.xml",
        "valid_dump_water.xml",
        "valid_dump_xml_base.xml",
        "valid_minimal_feed.xml",
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        if (strcmp(files[i], "valid_dump_broken_links.xml") == 0) {
            /* a block whose up link names a third MeterReading of two */
            FILE *in = fopen(test_fixture("espi/valid_dump_broken_links.xml"), "rb");
            assert_non_null(in);
            assert_int_equal(read_stream(f, in, files[i], false), ESPI_E_INPUT);
            fclose(in);
            assert_string_equal(f->err.code, "repair-link-meter-reading");
            continue;
        }
        char rel[128];
        snprintf(rel, sizeof rel, "espi/%s", files[i]);
        size_t expected = 0;
        espi_error err;
        FILE *in = fopen(test_fixture(rel), "rb");
        assert_non_null(in);
        assert_int_equal(espi_read(in, files[i], NULL, count_readings, &expected, &err), 0);
        rewind(in);
        if (read_stream(f, in, files[i], false) != 0)
            fail_msg("%s: %s: %s", files[i], f->err.code, f->err.message);
        fclose(in);
        size_t got = 0;
        for (size_t u = 0; u < f->feed->nusage_points; u++)
            for (size_t c = 0; c < f->feed->usage_points[u]->nchannels; c++)
                got += f->feed->usage_points[u]->channels[c]->nreadings;
        size_t repeats = 0;
        const seen *s = report_of(f, "repair-duplicate-reading", "IntervalReading");
        if (s)
            repeats = strtoul(s->message + strlen("IntervalReading: "), NULL, 10);
        if (got + repeats != expected)
            fail_msg("%s: %zu readings in the model (+%zu repeats), %zu in the file", files[i], got,
                     repeats, expected);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_milliseconds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fractional_times, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_times, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_time_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_untyped_links, setup, teardown),
        cmocka_unit_test_setup_teardown(test_espi_1x, setup, teardown),
        cmocka_unit_test_setup_teardown(test_broken_links, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ambiguous_link_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_blocks_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nisc_reading_multiplier, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nisc_zip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zip_from_memory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zip_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ltp_bad_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zone_already_given, setup, teardown),
        cmocka_unit_test_setup_teardown(test_given_zone_disagrees, setup, teardown),
        cmocka_unit_test_setup_teardown(test_customer_feed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_smarthub_download, setup, teardown),
        cmocka_unit_test_setup_teardown(test_currency_from_the_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kind_from_unit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reverse_and_offset_sign, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nothing_to_carry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quality_summary_and_measurements, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dump_fixtures, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
