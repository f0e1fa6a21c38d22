/* SPDX-License-Identifier: Apache-2.0 */
/* test_smarthub_csv.c - the SmartHub CSV reader: both formats, channels
 * told apart by signs and by best fit of their sums (each channel rounded
 * on its own), demand, costs, gaps, DST per row, the record it leaves for
 * the zone check, and every error with its code and line. */
#include "testutil.h"

#include "common/error.h"
#include "convert/input.h"
#include "convert/model.h"

#include <stdlib.h>
#include <string.h>

/* 2026-06-15, 2026-03-08, 2026-10-19 and 2026-11-01 at 00:00 UTC. */
#define JUNE15 1781481600LL
#define MARCH8 1772928000LL
#define OCT19 1792368000LL
#define NOV1 1793491200LL
#define HOUR 3600LL

/* An export's first lines, then a block header: rows start on line 8. */
#define HEAD "========================================\n Usage Information\n For: 1234567001\n"
#define BLOCK(unit)                                                                                \
    " ========================================\n Meter Reading Information\n"                      \
    " Type of readings: Electricity, Energy Consumption, Real energy in " unit " \n"               \
    " Energy consumption time period,Usage(Real energy in " unit "),Events occurred\n"
#define KWH BLOCK("kilowatt-hours")
#define KW BLOCK("kilowatts")
#define LONG_TEXT "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz"
#define LONG_TEXT_56 "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrst"
#define ROW(s, e, v) " 2026-06-15 " s " to 2026-06-15 " e "," v ",,\n"

typedef struct fixture {
    espi_tz *tz;
    espi_feed *feed;
    espi_error err;
    test_diags diags;
    int rc;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    espi_error err;
    assert_int_equal(espi_tz_load(&f->tz, "America/Los_Angeles", &err), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    espi_feed_free(f->feed);
    espi_tz_free(f->tz);
    free(f);
    return 0;
}

/* Reads n bytes of text (NULs allowed) as input "usage.csv" into a new feed. */
static int read_bytes(fixture *f, const char *text, size_t n, const char *name)
{
    espi_feed_free(f->feed);
    f->feed = NULL;
    memset(&f->diags, 0, sizeof f->diags);
    memset(&f->err, 0, sizeof f->err);
    assert_int_equal(model_feed_new(&f->feed), 0);
    uint16_t source = 0;
    assert_int_equal(model_feed_add_source(f->feed, name, &source, &f->err), 0);
    convert_input in = {.feed = f->feed,
                        .tz = f->tz,
                        .name = name,
                        .source = source,
                        .on_diag = test_collect_diag,
                        .diag_ctx = &f->diags};
    FILE *stream = n ? fmemopen((void *)(uintptr_t)text, n, "r") : fopen("/dev/null", "r");
    assert_non_null(stream);
    f->rc = sh_csv_read_into(&in, stream, &f->err);
    fclose(stream);
    return f->rc;
}

static int read_text(fixture *f, const char *text)
{
    return read_bytes(f, text, strlen(text), "usage.csv");
}

static int read_fixture(fixture *f, const char *name)
{
    char rel[256];
    snprintf(rel, sizeof rel, "smarthub/csv/%s", name);
    FILE *in = fopen(test_fixture(rel), "rb");
    assert_non_null(in);
    static char buf[16384];
    size_t n = fread(buf, 1, sizeof buf, in);
    assert_true(n < sizeof buf);
    fclose(in);
    return read_bytes(f, buf, n, name);
}

static model_usage_point *only_usage_point(const fixture *f, const char *account)
{
    assert_int_equal(f->rc, 0);
    assert_int_equal(f->feed->nusage_points, 1);
    model_usage_point *up = f->feed->usage_points[0];
    assert_string_equal(up->account, account);
    assert_string_equal(up->location, "");
    return up;
}

/* The channel of flow and unit, at whatever resolution the reader found. */
static model_channel *channel(model_usage_point *up, int flow, int uom)
{
    model_channel *ch = NULL;
    for (size_t i = 0; i < up->nchannels && ch == NULL; i++)
        if (up->channels[i]->rt.flow_direction == flow && up->channels[i]->rt.uom == uom)
            ch = up->channels[i];
    assert_non_null(ch);
    assert_string_equal(ch->meter, "");
    return ch;
}

static void expect_energy_type(const model_channel *ch)
{
    assert_int_equal(ch->rt.accumulation, 4);
    assert_int_equal(ch->rt.commodity, 1);
    assert_int_equal(ch->rt.kind, 12);
    assert_int_equal(ch->rt.phase, 769);
    assert_int_equal(ch->rt.power_of_ten, 0);
    assert_int_equal(ch->rt.uom, 72);
    assert_int_equal(ch->rt.interval_length, 0);
}

static void expect_values(const model_channel *ch, const int64_t *values, size_t n)
{
    assert_int_equal(ch->nreadings, n);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(ch->readings[i].value, values[i]);
}

/* Readings that follow each other hour by hour from first. */
static void expect_hourly(const model_channel *ch, int64_t first, size_t n)
{
    assert_int_equal(ch->nreadings, n);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(ch->readings[i].start, first + (int64_t)i * HOUR);
        assert_int_equal(ch->readings[i].duration, HOUR);
    }
}

static void expect_error(fixture *f, const char *text, const char *code, unsigned long line)
{
    assert_int_not_equal(read_text(f, text), 0);
    assert_string_equal(f->err.code, code);
    assert_string_equal(f->err.file, "usage.csv");
    assert_int_equal(f->err.line, line);
    assert_true(strlen(f->err.message) > 10);
}

static void expect_fixture_error(fixture *f, const char *name, const char *code, unsigned long line)
{
    assert_int_equal(read_fixture(f, name), ESPI_E_INPUT);
    assert_string_equal(f->err.code, code);
    assert_string_equal(f->err.file, name);
    assert_int_equal(f->err.line, line);
}

/* ------------------------------------------------------------------ */
/* The fixtures                                                        */
/* ------------------------------------------------------------------ */

static void test_three_blocks_any_order(void **state)
{
    fixture *f = *state;
    read_fixture(f, "valid_export_three_blocks.csv");
    model_usage_point *up = only_usage_point(f, "1234567001");
    assert_int_equal(up->nchannels, 3);
    int64_t start = JUNE15 + 12 * HOUR; /* 05:00 PDT */
    const int64_t cons[] = {662, 900, 1092, 537, 500, 738, 683};
    const int64_t gen[] = {0, 742, 1441, 2056, 2551, 2899, 3077};
    const int64_t net[] = {662, 158, -349, -1519, -2051, -2162, -2394};
    model_channel *c = channel(up, 1, 72), *g = channel(up, 19, 72), *n = channel(up, 4, 72);
    expect_values(c, cons, 7);
    expect_values(g, gen, 7);
    expect_values(n, net, 7);
    expect_hourly(c, start, 7);
    expect_hourly(g, start, 7);
    expect_hourly(n, start, 7);
    expect_energy_type(c);
    expect_energy_type(g);
    expect_energy_type(n);
    assert_int_equal(c->rt.currency, 0);
    assert_false(c->readings[0].has_cost);
    assert_int_equal(n->readings[0].line, 16); /* the net block comes first */
    assert_int_equal(c->readings[0].line, 54);
    /* the fit is said: an info, not a warning */
    assert_int_equal(f->diags.count, 1);
    assert_int_equal(f->diags.warnings, 0);
    assert_int_equal(f->diags.lines[test_diag_find(&f->diags, "csv-fit")], 16);
    assert_non_null(strstr(f->diags.last_message, "in file order, net/generation/consumption "
                                                  "(best fit): net = consumption + generation on "
                                                  "7 of 7 rows within 30 Wh"));
}

static void test_daily_with_demand(void **state)
{
    fixture *f = *state;
    read_fixture(f, "valid_export_daily_demand.csv"); /* CRLF line ends */
    model_usage_point *up = only_usage_point(f, "1234567001");
    assert_int_equal(up->nchannels, 4);
    const int64_t cons[] = {49600, 23030}, net[] = {38570, -6490}, gen[] = {11060, 29520};
    expect_values(channel(up, 1, 72), cons, 2);
    expect_values(channel(up, 4, 72), net, 2);
    expect_values(channel(up, 19, 72), gen, 2);
    model_channel *c = channel(up, 1, 72);
    assert_int_equal(c->readings[0].start, OCT19 + 7 * HOUR);
    assert_int_equal(c->readings[0].duration, 86400);
    assert_int_equal(c->readings[1].start, OCT19 + 31 * HOUR);
    model_channel *d = channel(up, 1, 38);
    assert_int_equal(d->nreadings, 1);
    assert_int_equal(d->readings[0].value, 10672);
    assert_int_equal(d->readings[0].start, OCT19 + 7 * HOUR);
    assert_int_equal(d->readings[0].duration, 2 * 86400);
    assert_int_equal(d->rt.accumulation, 12);
    assert_int_equal(d->rt.kind, 37);
    assert_int_equal(d->rt.uom, 38);
    assert_int_equal(d->rt.flow_direction, 1);
    assert_int_equal(d->rt.commodity, 1);
    assert_int_equal(d->rt.power_of_ten, 0);
    assert_int_equal(f->diags.count, 1); /* the csv-fit info */
    assert_int_equal(f->diags.warnings, 0);
}

static void test_usage_csv_with_cost(void **state)
{
    fixture *f = *state;
    read_fixture(f, "valid_usage_cost.csv");
    model_usage_point *up = only_usage_point(f, ""); /* this format names no account */
    assert_int_equal(up->nchannels, 1);
    model_channel *c = channel(up, 1, 72);
    expect_energy_type(c);
    assert_int_equal(c->rt.currency, 840);
    const int64_t wh[] = {783, 700, 712, 550, 662};
    expect_values(c, wh, 5); /* the 02:00 row is a gap, not a zero */
    const int64_t cost[] = {8610, 7700, 7830, 0, 7282};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(c->readings[i].has_cost, i != 3);
        assert_int_equal(c->readings[i].cost, cost[i]);
    }
    assert_int_equal(c->readings[2].start, JUNE15 + 10 * HOUR); /* 03:00 PDT */
    int gap = test_diag_find(&f->diags, "csv-gap");
    assert_true(gap >= 0);
    assert_int_equal(f->diags.lines[gap], 6);
    int missing = test_diag_find(&f->diags, "cost-missing");
    assert_true(missing >= 0);
    assert_int_equal(f->diags.lines[missing], 8);
    assert_int_equal(f->diags.count, 2);
}

static void test_fall_back_day(void **state)
{
    fixture *f = *state;
    read_fixture(f, "valid_export_fall_back.csv");
    model_channel *c = channel(only_usage_point(f, "1234567001"), 1, 72);
    expect_hourly(c, NOV1 + 7 * HOUR, 25);       /* 00:00 PDT, then 25 hours in a row */
    assert_int_equal(c->readings[1].value, 825); /* 01:00 PDT */
    assert_int_equal(c->readings[2].value, 600); /* 01:00 PST */
    assert_int_equal(c->readings[2].start, NOV1 + 9 * HOUR);
    assert_int_equal(c->readings[24].value, 540);
    assert_int_equal(f->diags.count, 0);
}

static void test_spring_forward_day(void **state)
{
    fixture *f = *state;
    read_fixture(f, "valid_export_spring_forward.csv");
    model_channel *c = channel(only_usage_point(f, "1234567001"), 1, 72);
    expect_hourly(c, MARCH8 + 8 * HOUR, 23); /* 00:00 PST; 01:00 PST is followed by 03:00 PDT */
    assert_int_equal(c->readings[1].value, 540);
    assert_int_equal(c->readings[2].value, 497);
    assert_int_equal(f->diags.count, 0);
}

static void test_fixture_errors(void **state)
{
    fixture *f = *state;
    expect_fixture_error(f, "invalid_csv-channel_two_positive_blocks.csv", "csv-channel", 15);
    assert_non_null(strstr(f->err.message, "block 1 (line 15): 4 values from 0.583 to 0.783 kWh"));
    assert_non_null(strstr(f->err.message, "block 2 (line 31)"));
    assert_non_null(strstr(f->err.message,
                           "consumption/generation (no row to compare) and "
                           "generation/consumption (no row to compare) fit about equally, and so "
                           "do generation/net, net/generation"));
    expect_fixture_error(f, "invalid_csv-empty.csv", "csv-empty", 0);
    expect_fixture_error(f, "invalid_csv-fields_truncated_row.csv", "csv-fields", 18);
    assert_non_null(strstr(f->err.message, "has 2 field(s); expected 4 fields"));
    expect_fixture_error(f, "invalid_csv-html_login_page.csv", "csv-html", 1);
    assert_int_equal(f->err.column, 1);
}

/* ------------------------------------------------------------------ */
/* Channels                                                            */
/* ------------------------------------------------------------------ */

static int flow_of_single(fixture *f, const char *rows)
{
    char text[2048];
    snprintf(text, sizeof text, HEAD KWH "%s", rows);
    assert_int_equal(read_text(f, text), 0);
    model_usage_point *up = only_usage_point(f, "1234567001");
    assert_int_equal(up->nchannels, 1);
    return up->channels[0]->rt.flow_direction;
}

static void test_single_block_by_sign(void **state)
{
    fixture *f = *state;
    assert_int_equal(flow_of_single(f, ROW("00:00", "01:00", "0.000") ROW("01:00", "02:00", "0.1")),
                     1);
    assert_int_equal(flow_of_single(f, ROW("00:00", "01:00", "0.000")), 1);
    assert_int_equal(
        flow_of_single(f, ROW("00:00", "01:00", "-0.5") ROW("01:00", "02:00", "0.250")), 4);
    assert_int_equal(f->feed->usage_points[0]->channels[0]->readings[0].value, -500);
    assert_int_equal(flow_of_single(f, ROW("00:00", "01:00", "-0.5") ROW("01:00", "02:00", "0")),
                     19);
    assert_int_equal(f->feed->usage_points[0]->channels[0]->readings[0].value, 500);
}

static void test_channels_not_identified(void **state)
{
    fixture *f = *state;
    /* three blocks that do not add up: no choice fits */
    expect_error(f,
                 HEAD KWH ROW("00:00", "01:00", "1.000") KWH ROW("00:00", "01:00", "-0.400")
                     KWH ROW("00:00", "01:00", "0.500"),
                 "csv-channel", 8);
    assert_non_null(strstr(f->err.message, "no choice"));
    assert_non_null(strstr(f->err.message, "block 3 (line 18): 1 values from 0.500 to 0.500"));
    /* consumption and generation without net: several choices fit */
    expect_error(f, HEAD KWH ROW("00:00", "01:00", "1.000") KWH ROW("00:00", "01:00", "-0.400"),
                 "csv-channel", 8);
    assert_non_null(strstr(f->err.message, "fit about equally"));
    /* four energy blocks */
    expect_error(f,
                 HEAD KWH ROW("00:00", "01:00", "1") KWH ROW("00:00", "01:00", "2")
                     KWH ROW("00:00", "01:00", "3") KWH ROW("00:00", "01:00", "4"),
                 "csv-channel", 23);
    assert_non_null(strstr(f->err.message, "at most three"));
    /* two demand blocks */
    expect_error(f,
                 HEAD KW ROW("00:00", "01:00", "1") KWH ROW("00:00", "01:00", "2")
                     KW ROW("00:00", "01:00", "3"),
                 "csv-channel", 18);
    assert_non_null(strstr(f->err.message, "block 1 (line 8)"));
    assert_non_null(strstr(f->err.message, "block 3 (line 18)"));
}

static void test_sums_within_rounding(void **state)
{
    fixture *f = *state;
    /* the sample's order: generation, consumption, net; 2 Wh off is rounding */
    read_text(f, HEAD KWH ROW("10:00", "11:00", "-2.551") ROW("11:00", "12:00", "-2.899")
                     KWH ROW("10:00", "11:00", "0.500") ROW("11:00", "12:00", "0.738")
                         KWH ROW("10:00", "11:00", "-2.049") ROW("11:00", "12:00", "-2.161"));
    model_usage_point *up = only_usage_point(f, "1234567001");
    assert_int_equal(channel(up, 19, 72)->readings[0].value, 2551);
    assert_int_equal(channel(up, 1, 72)->readings[1].value, 738);
    assert_int_equal(channel(up, 4, 72)->readings[0].value, -2049);
    /* 11 Wh off is within a 0.01 kWh unit per channel (30 Wh), 51 Wh is not */
    read_text(f, HEAD KWH ROW("10:00", "11:00", "-2.551") KWH ROW("10:00", "11:00", "0.500")
                     KWH ROW("10:00", "11:00", "-2.040"));
    assert_int_equal(channel(only_usage_point(f, "1234567001"), 4, 72)->readings[0].value, -2040);
    assert_non_null(strstr(f->diags.last_message, "the largest difference 11 Wh (line 18, "
                                                  "2026-06-15 10:00)"));
    expect_error(f,
                 HEAD KWH ROW("10:00", "11:00", "-2.551") KWH ROW("10:00", "11:00", "0.500")
                     KWH ROW("10:00", "11:00", "-2.000"),
                 "csv-channel", 8);
    assert_non_null(strstr(f->err.message, "no choice"));
    assert_non_null(strstr(f->err.message, "fits net = consumption + generation on 90 % of the "
                                           "rows (closest: generation/consumption/net, 0 of 1 "
                                           "rows within 30 Wh, up to 51 Wh off at line 18, "
                                           "2026-06-15 10:00); block 1 (line 8)"));
    assert_non_null(strstr(f->err.message, "block 3 (line 18): 1 values from -2.000 to -2.000 "
                                           "kWh, 1 negative"));
}

static void test_blocks_of_zeros(void **state)
{
    fixture *f = *state;
    /* every choice fits, and every one gives the same channels */
    read_text(f, HEAD KWH ROW("00:00", "01:00", "0.000") KWH ROW("00:00", "01:00", "0.000")
                     KWH ROW("00:00", "01:00", "0.000"));
    model_usage_point *up = only_usage_point(f, "1234567001");
    assert_int_equal(up->nchannels, 3);
    assert_int_equal(channel(up, 19, 72)->readings[0].value, 0);
}

/* A net meter's winter export: generation all zero, net equal to
 * consumption. Read with positive generation allowed, "generation = the
 * consumption block, net = the zero block" would fit too; generation
 * written as SmartHub writes it (<= 0) is tried first, so this is decided. */
static void test_winter_net_meter(void **state)
{
    fixture *f = *state;
    read_text(f, HEAD KWH ROW("10:00", "11:00", "1.200") ROW("11:00", "12:00", "0.700")
                     KWH ROW("10:00", "11:00", "0.000") ROW("11:00", "12:00", "0.000")
                         KWH ROW("10:00", "11:00", "1.200") ROW("11:00", "12:00", "0.700"));
    model_usage_point *up = only_usage_point(f, "1234567001");
    assert_int_equal(up->nchannels, 3);
    const int64_t used[] = {1200, 700}, none[] = {0, 0};
    expect_values(channel(up, 1, 72), used, 2);
    expect_values(channel(up, 4, 72), used, 2);
    expect_values(channel(up, 19, 72), none, 2);
}

static void test_generation_written_positive(void **state)
{
    fixture *f = *state;
    read_text(f, HEAD KWH ROW("10:00", "11:00", "0.500") ROW("11:00", "12:00", "0.900")
                     KWH ROW("10:00", "11:00", "2.551") ROW("11:00", "12:00", "0.100")
                         KWH ROW("10:00", "11:00", "-2.051") ROW("11:00", "12:00", "0.800"));
    model_usage_point *up = only_usage_point(f, "1234567001");
    const int64_t gen[] = {2551, 100};
    expect_values(channel(up, 19, 72), gen, 2);
    assert_int_equal(channel(up, 1, 72)->readings[0].line, 8);
}

/* ------------------------------------------------------------------ */
/* Best fit of rounded channels                                        */
/* ------------------------------------------------------------------ */

/* Appends an energy block of hourly rows from 00:00 on 2026-06-15. */
static void add_block(char *buf, size_t size, size_t *len, const char *const *values, size_t n)
{
    str_bufprintf(buf, size, len, "%s", KWH);
    for (size_t i = 0; i < n; i++)
        str_bufprintf(buf, size, len, " 2026-06-15 %02zu:00 to 2026-06-15 %02zu:00,%s,,\n", i,
                      i + 1, values[i]);
}

/* Reads an export of three blocks of n hourly rows each. */
static int read_blocks(fixture *f, const char *const *a, const char *const *b, const char *const *c,
                       size_t n)
{
    static char text[8192];
    size_t len = 0;
    str_bufprintf(text, sizeof text, &len, "%s", HEAD);
    add_block(text, sizeof text, &len, a, n);
    add_block(text, sizeof text, &len, b, n);
    add_block(text, sizeof text, &len, c, n);
    return read_text(f, text);
}

/* United Power's shape: each channel rounded to 0.01 kWh on its own (three
 * decimals shown), so net differs from consumption + generation by 10 Wh on
 * 7 of the 24 hours; blocks in the order net, generation, consumption. */
static void test_rounded_channels(void **state)
{
    fixture *f = *state;
    read_fixture(f, "valid_export_rounded_netmeter.csv");
    model_usage_point *up = only_usage_point(f, "1234567001");
    assert_int_equal(up->nchannels, 3);
    model_channel *c = channel(up, 1, 72), *g = channel(up, 19, 72), *n = channel(up, 4, 72);
    expect_hourly(c, JUNE15 + 7 * HOUR, 24);
    expect_hourly(n, JUNE15 + 7 * HOUR, 24);
    /* 12:00: 1.460 - 3.200 = -1.740, written -1.730 */
    assert_int_equal(c->readings[12].value, 1460);
    assert_int_equal(g->readings[12].value, 3200);
    assert_int_equal(n->readings[12].value, -1730);
    assert_int_equal(n->readings[0].line, 15);
    assert_int_equal(g->readings[0].line, 51);
    assert_int_equal(f->diags.warnings, 0);
    assert_int_equal(f->diags.lines[test_diag_find(&f->diags, "csv-fit")], 15);
    assert_non_null(strstr(f->diags.last_message,
                           "in file order, net/generation/consumption (best fit): net = "
                           "consumption + generation on 24 of 24 rows within 30 Wh (0.01 kWh per "
                           "channel; the file shows 3 decimals), the largest difference 10 Wh "
                           "(line 23, 2026-06-15 08:00); next best: none fits the signs"));
}

/* Generation of at most 10 Wh an hour: consumption and net are each
 * other's mirror within the rounding, and both choices fit as well. */
static void test_ambiguous_refused(void **state)
{
    fixture *f = *state;
    expect_fixture_error(f, "invalid_csv-channel_ambiguous_rounded.csv", "csv-channel", 15);
    assert_non_null(strstr(f->err.message,
                           "in file order, consumption/generation/net (6 of 6 rows within 30 Wh, "
                           "40 Wh off in all) and net/generation/consumption (6 of 6 rows within "
                           "30 Wh, 40 Wh off in all) fit about equally"));
    assert_non_null(strstr(f->err.message, "block 2 (line 33): 6 values from -0.010 to 0.000"));
}

/* A rival that fits every row but is off by more in all than half a unit
 * a row does not stop the best fit; one that fits no row is no rival. */
static void test_rival_by_total(void **state)
{
    fixture *f = *state;
    const char *cons[] = {"0.620", "0.540", "0.510", "0.480", "0.530",
                          "0.700", "0.660", "0.610", "0.590", "0.570"};
    const char *gen[] = {"-0.010", "-0.010", "-0.010", "-0.010", "-0.010",
                         "-0.010", "-0.010", "-0.010", "-0.010", "-0.010"};
    const char *net[] = {"0.610", "0.530", "0.500", "0.470", "0.520",
                         "0.690", "0.650", "0.600", "0.580", "0.560"};
    read_blocks(f, cons, gen, net, 10);
    model_usage_point *up = only_usage_point(f, "1234567001");
    assert_int_equal(channel(up, 1, 72)->readings[0].value, 620);
    assert_int_equal(channel(up, 4, 72)->readings[0].value, 610);
    assert_non_null(strstr(f->diags.last_message,
                           "consumption/generation/net (best fit): net = consumption + generation "
                           "on 10 of 10 rows within 30 Wh"));
    assert_non_null(strstr(f->diags.last_message, "next best: net/generation/consumption (10 of 10 "
                                                  "rows within 30 Wh, 200 Wh off in all)"));
    const char *gen30[] = {"-0.030", "-0.030"}, *net30[] = {"0.590", "0.520"};
    read_blocks(f, cons, gen30, net30, 2);
    assert_int_equal(f->rc, 0);
    assert_non_null(strstr(f->diags.last_message, "next best: net/generation/consumption (0 of 2 "
                                                  "rows within 30 Wh, 110 Wh off in all)"));
}

/* A few rows off by more than the rounding: still the best fit, said in a
 * warning that names the worst row. */
static void test_fit_with_outlier(void **state)
{
    fixture *f = *state;
    const char *cons[] = {"0.500", "0.500", "0.500", "0.500", "0.500",
                          "0.500", "0.500", "0.500", "0.500", "0.500"};
    const char *gen[] = {"0.000",  "-0.200", "-0.400", "-0.600", "-0.800",
                         "-1.000", "-0.800", "-0.600", "-0.400", "0.000"};
    const char *net[] = {"0.500",  "0.300",  "0.100",  "-0.100", "-0.300",
                         "-0.400", "-0.300", "-0.100", "0.100",  "0.500"};
    read_blocks(f, net, cons, gen, 10);
    model_usage_point *up = only_usage_point(f, "1234567001");
    assert_int_equal(channel(up, 4, 72)->readings[5].value, -400);
    assert_int_equal(f->diags.warnings, 1);
    assert_int_equal(f->diags.lines[test_diag_find(&f->diags, "csv-fit-rows")], 8);
    assert_non_null(strstr(f->diags.last_message,
                           "1 of 10 rows are off net = consumption + generation by more than 30 "
                           "Wh; the 3 energy blocks are, in file order, net/consumption/generation "
                           "(best fit): net = consumption + generation on 9 of 10 rows within 30 "
                           "Wh (0.01 kWh per channel; the file shows 3 decimals), the largest "
                           "difference 100 Wh (line 13, 2026-06-15 05:00)"));
    /* two such rows of ten are too many: no choice fits */
    const char *net2[] = {"0.500",  "0.300",  "0.100",  "-0.100", "-0.300",
                          "-0.400", "-0.200", "-0.100", "0.100",  "0.500"};
    assert_int_equal(read_blocks(f, net2, cons, gen, 10), ESPI_E_INPUT);
    assert_string_equal(f->err.code, "csv-channel");
    assert_non_null(strstr(f->err.message, "no choice"));
}

/* The unit is what the file shows, never less than 0.01 kWh. */
static void test_shown_precision(void **state)
{
    fixture *f = *state;
    const char *c2[] = {"0.87", "1.2"}, *g2[] = {"-0.5", "0"}, *n2[] = {"0.38", "1.2"};
    read_blocks(f, c2, g2, n2, 2);
    assert_int_equal(f->rc, 0);
    assert_non_null(strstr(f->diags.last_message,
                           "2 of 2 rows within 30 Wh (0.01 kWh per channel; the file shows 2 "
                           "decimals)"));
    const char *c1[] = {"1.2", "0.9"}, *g1[] = {"-0.5", "0.0"}, *n1[] = {"0.8", "0.9"};
    read_blocks(f, c1, g1, n1, 2); /* 100 Wh off: one display unit, 0.1 kWh */
    assert_int_equal(f->rc, 0);
    assert_non_null(strstr(f->diags.last_message,
                           "within 300 Wh (0.1 kWh per channel; the file shows 1 decimals)"));
}

/* With the converter's account list, the export leaves the record of its
 * account for the zone check (accounts_check_zone). */
static void test_zone_record(void **state)
{
    fixture *f = *state;
    account_info *accounts = NULL;
    size_t naccounts = 0;
    const char *texts[] = {HEAD KWH ROW("00:00", "01:00", "0.5"),
                           "2026-06-15 00:00 to 2026-06-15 01:00,0.5,0.10\n"};
    const char *accounts_named[] = {"1234567001", ""};
    const uint32_t lines[] = {3, 1};
    for (size_t i = 0; i < 2; i++) {
        espi_feed_free(f->feed);
        assert_int_equal(model_feed_new(&f->feed), 0);
        uint16_t source = 0;
        assert_int_equal(model_feed_add_source(f->feed, "usage.csv", &source, &f->err), 0);
        convert_input in = {.feed = f->feed,
                            .tz = f->tz,
                            .name = "usage.csv",
                            .source = source,
                            .accounts = &accounts,
                            .naccounts = &naccounts};
        FILE *stream = test_stream(texts[i]);
        assert_int_equal(sh_csv_read_into(&in, stream, &f->err), 0);
        fclose(stream);
        assert_int_equal(naccounts, i + 1);
        const account_info *a = &accounts[i];
        assert_true(a->wall_clock);
        assert_string_equal(a->account, accounts_named[i]);
        assert_null(a->location);
        assert_int_equal(a->line, lines[i]);
        assert_int_equal(a->read_dates_given, 0);
    }
    for (size_t i = 0; i < naccounts; i++)
        account_info_free(&accounts[i]);
    free(accounts);
}

/* ------------------------------------------------------------------ */
/* Rows                                                                */
/* ------------------------------------------------------------------ */

static void test_gaps_rounding_events(void **state)
{
    fixture *f = *state;
    read_text(f, HEAD KWH ROW("00:00", "01:00", "0.8705") ROW("01:00", "02:00", "") ROW(
                     "02:00", "03:00", "") " 2026-06-15 03:00 to 2026-06-15 04:00,0.1,Outage,\n");
    model_channel *c = channel(only_usage_point(f, "1234567001"), 1, 72);
    const int64_t wh[] = {871, 100};
    expect_values(c, wh, 2);
    assert_int_equal(f->diags.count, 3);
    assert_int_equal(f->diags.lines[test_diag_find(&f->diags, "value-rounded")], 8);
    assert_int_equal(f->diags.lines[test_diag_find(&f->diags, "csv-gap")], 9);
    assert_int_equal(f->diags.lines[test_diag_find(&f->diags, "csv-events")], 11);
}

static void test_block_of_gaps_left_out(void **state)
{
    fixture *f = *state;
    read_text(f, HEAD KWH ROW("00:00", "01:00", "") ROW("01:00", "02:00", "") KW
              " 2026-06-15 00:00 to 2026-06-16 00:00,3.5,,\n");
    model_usage_point *up = only_usage_point(f, "1234567001");
    assert_int_equal(up->nchannels, 1);
    assert_int_equal(channel(up, 1, 38)->readings[0].value, 3500);
    assert_int_equal(channel(up, 1, 38)->readings[0].duration, 86400);
    assert_int_equal(f->diags.lines[test_diag_find(&f->diags, "csv-gap")], 8);
    assert_non_null(strstr(f->diags.last_message, "no MeterReading"));
}

static void test_bom_crlf_and_no_header(void **state)
{
    fixture *f = *state;
    read_text(f, "\xEF\xBB\xBF\r\n2026-06-15 00:00 to 2026-06-15 01:00,0.870,,\r\n"
                 "\t2026-06-15 01:00 to 2026-06-15 02:00 , 0.5 ,,\r\n   \r\n");
    model_channel *c = channel(only_usage_point(f, ""), 1, 72);
    const int64_t wh[] = {870, 500};
    expect_values(c, wh, 2);
    assert_int_equal(c->readings[1].line, 3);
    assert_false(c->readings[0].has_cost);
}

static void test_spring_gap_rows(void **state)
{
    fixture *f = *state;
    read_text(f, HEAD KWH " 2026-03-08 01:00 to 2026-03-08 02:00,0.5,,\n"
                          " 2026-03-08 02:00 to 2026-03-08 03:00,0.000,,\n"
                          " 2026-03-08 03:00 to 2026-03-08 04:00,0.7,,\n");
    model_channel *c = channel(only_usage_point(f, "1234567001"), 1, 72);
    expect_hourly(c, MARCH8 + 9 * HOUR, 2);
    assert_int_equal(f->diags.lines[test_diag_find(&f->diags, "dst-gap-zero")], 9);
    /* a non-zero row in the gap is folded into the hour after it (an error
     * only with --strict, as for poll JSON: wallclock.c) */
    read_text(f, HEAD KWH " 2026-03-08 01:00 to 2026-03-08 02:00,0.5,,\n"
                          " 2026-03-08 02:00 to 2026-03-08 03:00,0.100,,\n");
    c = channel(only_usage_point(f, "1234567001"), 1, 72);
    expect_hourly(c, MARCH8 + 9 * HOUR, 2);
    assert_int_equal(c->readings[1].value, 100);
    assert_int_equal(f->diags.lines[test_diag_find(&f->diags, "dst-gap-folded")], 9);
}

static void test_row_errors(void **state)
{
    fixture *f = *state;
    expect_error(f, HEAD KWH " 2026-06-15 0:00 to 2026-06-15 01:00,1,,\n", "csv-time", 8);
    assert_int_equal(f->err.column, 2);
    expect_error(f, HEAD KWH " 2026-02-30 00:00 to 2026-02-30 01:00,1,,\n", "csv-time", 8);
    expect_error(f, HEAD KWH " 2026-06-15 00:00 - 2026-06-15 01:00,1,,\n", "csv-time", 8);
    expect_error(f, HEAD KWH ROW("01:00", "01:00", "1"), "csv-interval", 8);
    expect_error(f, HEAD KWH ROW("02:00", "01:00", "1"), "csv-interval", 8);
    expect_error(f, HEAD KWH " 2026-06-15 00:00 to 2026-06-15 01:00\n", "csv-fields", 8);
    expect_error(f, HEAD KWH " 2026-06-15 00:00 to 2026-06-15 01:00,1,,x\n", "csv-fields", 8);
    assert_int_equal(f->err.column, 42);
    expect_error(f, HEAD KWH ROW("00:00", "01:00", "1") ROW("01:00", "02:00", "n/a"), "csv-value",
                 9);
    assert_int_equal(f->err.column, 39);
    expect_error(f, "2026-06-15 00:00 to 2026-06-15 01:00,1,$0.12\n", "csv-value", 1);
    /* the input's text is quoted short, without control bytes */
    expect_error(f, "2026-06-15 00:00 to 2026-06-15 01:00,\x1b[2J" LONG_TEXT ",,\n", "csv-value",
                 1);
    assert_non_null(strstr(f->err.message, "'?[2J" LONG_TEXT_56 "...' is not a number"));
    expect_error(f, HEAD KWH ROW("00:00", "01:00", "1e30"), "value-range", 8);
    expect_error(f, HEAD KWH ROW("00:00", "01:00", "1") ROW("00:00", "01:00", "2"),
                 "duplicate-point", 9);
}

static void test_file_errors(void **state)
{
    fixture *f = *state;
    expect_error(f, "\n  \n", "csv-empty", 0);
    expect_error(f, HEAD KWH "\n", "csv-no-rows", 8);
    expect_error(f, HEAD KWH ROW("00:00", "01:00", "") ROW("01:00", "02:00", ""), "csv-no-values",
                 8);
    expect_error(f, "\n  <html><body>Error</body></html>\n", "csv-html", 2);
    assert_int_equal(f->err.column, 3);
    expect_error(f, "{\"status\":\"COMPLETE\"}", "csv-json", 1);
    expect_error(f, HEAD " Type of readings: Gas, Volume, hundred cubic feet\n", "csv-unit", 4);
    expect_error(f, HEAD KWH ROW("00:00", "01:00", "1") " For: 999\n", "csv-account", 9);
    /* a line of 4096 bytes is read; one more byte is too many */
    static char text[8192];
    const char *row = "2026-06-15 00:00 to 2026-06-15 01:00,1,,";
    size_t pad = 4096 - strlen(row);
    memset(text, ' ', pad);
    snprintf(text + pad, sizeof text - pad, "%s\r\n", row);
    assert_int_equal(read_text(f, text), 0);
    memset(text, ' ', pad + 1);
    snprintf(text + pad + 1, sizeof text - pad - 1, "%s\n", row);
    assert_int_equal(read_text(f, text), ESPI_E_LIMIT);
    assert_string_equal(f->err.code, "csv-line-too-long");
    assert_int_equal(f->err.line, 1);
    const char nul[] = "2026-06-15 00:00 to 2026-06-15 01:00,1,,\n\n2026\0";
    assert_int_equal(read_bytes(f, nul, sizeof nul - 1, "usage.csv"), ESPI_E_INPUT);
    assert_string_equal(f->err.code, "csv-binary");
    assert_int_equal(f->err.line, 3);
    assert_int_equal(f->err.column, 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_three_blocks_any_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_daily_with_demand, setup, teardown),
        cmocka_unit_test_setup_teardown(test_usage_csv_with_cost, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fall_back_day, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spring_forward_day, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fixture_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_single_block_by_sign, setup, teardown),
        cmocka_unit_test_setup_teardown(test_channels_not_identified, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sums_within_rounding, setup, teardown),
        cmocka_unit_test_setup_teardown(test_blocks_of_zeros, setup, teardown),
        cmocka_unit_test_setup_teardown(test_winter_net_meter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_generation_written_positive, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rounded_channels, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ambiguous_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rival_by_total, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fit_with_outlier, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shown_precision, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zone_record, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gaps_rounding_events, setup, teardown),
        cmocka_unit_test_setup_teardown(test_block_of_gaps_left_out, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bom_crlf_and_no_header, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spring_gap_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_row_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
