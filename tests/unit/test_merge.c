/* SPDX-License-Identifier: Apache-2.0 */
/* test_merge.c - merging the inputs of one feed (merge.c) and what it
 * derives (summaries.c): resolutions as channels of their own, in any
 * order; whether their sums agree; monthly summaries computed from the
 * readings; bills as billing-period readings. */
#include "testutil.h"

#include "convert/model.h"

#include <stdlib.h>
#include <string.h>

/* 2026-03-05 00:00 PST, a Thursday; 2026-03-31 22:00 PDT; 2026-04-01 00:00 PDT. */
#define MAR05 1772697600
#define MAR31_22 1775019600
#define APR01 1775026800
#define HOUR 3600

typedef struct fixture {
    espi_tz *tz;
    espi_feed *feed;
    test_diags diags;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    espi_error err;
    assert_int_equal(espi_tz_load(&f->tz, "America/Los_Angeles", &err), 0);
    assert_int_equal(model_feed_new(&f->feed), 0);
    uint16_t source;
    assert_int_equal(model_feed_add_source(f->feed, "a.json", &source, &err), 0);
    assert_int_equal(model_feed_add_source(f->feed, "b.json", &source, &err), 0);
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

static int finish(fixture *f)
{
    model_merge_options mo = {f->tz, false, test_collect_diag, &f->diags};
    espi_error err;
    memset(&f->diags, 0, sizeof f->diags);
    return model_feed_finish(f->feed, &mo, &err);
}

static model_usage_point *usage_point(fixture *f)
{
    model_usage_point *up = model_feed_usage_point(f->feed, "4400123001", "71005500");
    assert_non_null(up);
    return up;
}

/* A delta Wh channel of meter, flow and nominal interval, as the readers make it. */
static model_channel *channel(model_usage_point *up, const char *meter, int flow, uint32_t nominal)
{
    model_channel_key key = model_channel_key_make(meter, flow, 72);
    key.interval = nominal;
    model_channel *ch = model_usage_point_channel(up, &key);
    assert_non_null(ch);
    ch->rt.accumulation = 4;
    ch->rt.commodity = 1;
    ch->rt.kind = 12;
    ch->rt.phase = 769;
    return ch;
}

static void add(model_channel *ch, int64_t start, uint32_t duration, int64_t value, int64_t cost,
                uint16_t source, uint32_t line)
{
    model_reading r = {start, value, cost, duration, line, cost >= 0, source, -1};
    if (cost < 0)
        r.cost = 0;
    assert_int_equal(model_channel_append(ch, &r), 0);
}

/* Hourly readings of 2026-03-05 (24, 100 + i Wh) and the daily reading of
 * the same day, from two inputs, the daily one first or second. */
static void hourly_and_daily(fixture *f, bool daily_first, int64_t daily_extra)
{
    model_usage_point *up = usage_point(f);
    for (int pass = 0; pass < 2; pass++) {
        if ((pass == 0) == daily_first) {
            model_channel *d = channel(up, "88120045", 1, 86400);
            add(d, MAR05, 86400, 24 * 100 + 276 + daily_extra, -1, 1, 40);
        } else {
            model_channel *h = channel(up, "88120045", 1, HOUR);
            for (int i = 0; i < 24; i++)
                add(h, MAR05 + i * HOUR, HOUR, 100 + i, -1, 0, (uint32_t)(10 + i));
        }
    }
}

static void test_resolutions_apart(void **state)
{
    fixture *f = *state;
    hourly_and_daily(f, true, 0);
    assert_int_equal(finish(f), 0);
    model_usage_point *up = f->feed->usage_points[0];
    assert_int_equal(up->nchannels, 2);
    assert_int_equal(up->channels[0]->nominal, HOUR); /* finest first, whatever the order */
    assert_int_equal(up->channels[0]->nreadings, 24);
    assert_int_equal(up->channels[0]->rt.interval_length, HOUR);
    assert_int_equal(up->channels[1]->nominal, 86400);
    assert_int_equal(up->channels[1]->nreadings, 1);
    assert_int_equal(up->channels[1]->rt.interval_length, 86400);
    assert_int_equal(test_diag_find(&f->diags, "merge-conflict"), -1);
    int info = test_diag_find(&f->diags, "resolution-sum");
    assert_true(info >= 0);
    assert_int_equal(f->diags.warnings, 0);
    assert_non_null(strstr(f->diags.last_message, "the 1 daily readings covered by hourly"));
}

/* The same inputs the other way round give the same model. */
static void test_resolutions_any_order(void **state)
{
    fixture *f = *state;
    hourly_and_daily(f, false, 0);
    assert_int_equal(finish(f), 0);
    model_usage_point *up = f->feed->usage_points[0];
    assert_int_equal(up->nchannels, 2);
    assert_int_equal(up->channels[0]->nominal, HOUR);
    assert_int_equal(up->channels[1]->nominal, 86400);
    assert_int_equal(up->nsummaries, 1);
    /* the month sums the finer channel (same time covered): 2676 Wh */
    assert_int_equal(up->summaries[0].overall.value, 24 * 100 + 276);
}

/* A daily value 126 Wh from the sum of its 24 hours: more than the
 * rounding of 25 values to 0.01 kWh explains (125 Wh); 125 is not. */
static void test_resolution_sums_differ(void **state)
{
    fixture *f = *state;
    hourly_and_daily(f, false, 126);
    assert_int_equal(finish(f), 0);
    int w = test_diag_find(&f->diags, "resolution-sum");
    assert_true(w >= 0);
    assert_int_equal(f->diags.warnings, 1);
    assert_int_equal(f->diags.lines[w], 40);
    assert_non_null(strstr(f->diags.last_message, "2026-03-05 00:00 local (86400 s)"));
    assert_non_null(strstr(f->diags.last_message, "126 Wh apart"));
    espi_feed_free(f->feed);
    espi_error err;
    uint16_t source;
    assert_int_equal(model_feed_new(&f->feed), 0);
    assert_int_equal(model_feed_add_source(f->feed, "a.json", &source, &err), 0);
    assert_int_equal(model_feed_add_source(f->feed, "b.json", &source, &err), 0);
    hourly_and_daily(f, false, -125);
    assert_int_equal(finish(f), 0);
    assert_int_equal(f->diags.warnings, 0);
}

/* Hourly readings across the end of March (22:00 to 02:00 local) with
 * cost, on two meters, and a net channel that is not summed. */
static void test_month_summaries(void **state)
{
    fixture *f = *state;
    model_usage_point *up = usage_point(f);
    model_channel *a = channel(up, "88120045", 1, HOUR);
    model_channel *b = channel(up, "88120046", 1, HOUR);
    model_channel *net = channel(up, "88120045", 4, HOUR);
    a->rt.currency = 840;
    for (int i = 0; i < 4; i++) {
        add(a, MAR31_22 + i * HOUR, HOUR, 1000 + i, 12000 + i, 0, (uint32_t)i);
        add(b, MAR31_22 + i * HOUR, HOUR, 10, -1, 0, (uint32_t)i);
        add(net, MAR31_22 + i * HOUR, HOUR, -5000, -1, 0, (uint32_t)i);
    }
    assert_int_equal(finish(f), 0);
    assert_int_equal(up->nsummaries, 2);
    const model_summary *mar = &up->summaries[0], *apr = &up->summaries[1];
    assert_int_equal(mar->month, 202603);
    assert_int_equal(mar->billing_start, MAR31_22);
    assert_int_equal(mar->billing_duration, 2 * HOUR); /* a partial month: the data's part */
    assert_int_equal(mar->overall.value, 1000 + 1001 + 20);
    assert_int_equal(mar->overall.uom, 72);
    assert_true(mar->has_bill_last_period && mar->has_bill_to_date && mar->has_cost_additional);
    assert_int_equal(mar->bill_last_period, 24001);
    assert_int_equal(mar->bill_to_date, 24001);
    assert_int_equal(mar->cost_additional, 0);
    assert_int_equal(mar->currency, 840);
    assert_int_equal(mar->quality, 11);
    assert_int_equal(mar->status_time, APR01);
    assert_int_equal(mar->commodity, 1);
    assert_non_null(
        strstr(mar->title, "Usage 2026-03, summed from hourly readings (partial month"));
    assert_int_equal(apr->month, 202604);
    assert_int_equal(apr->billing_start, APR01);
    assert_int_equal(apr->overall.value, 1002 + 1003 + 20);
}

/* Only net energy: the months sum it (signed), as bills do. */
static void test_month_net_only(void **state)
{
    fixture *f = *state;
    model_usage_point *up = usage_point(f);
    model_channel *net = channel(up, "88120045", 4, HOUR);
    model_channel *rev = channel(up, "88120045", 19, HOUR);
    add(net, MAR05, HOUR, -300, -1, 0, 1);
    add(rev, MAR05, HOUR, 900, -1, 0, 1);
    assert_int_equal(finish(f), 0);
    assert_int_equal(up->nsummaries, 1);
    assert_int_equal(up->summaries[0].overall.value, -300);
    assert_false(up->summaries[0].has_bill_last_period);
}

/* Per meter and month the channel covering most of the month is summed:
 * a whole day of hourly readings, not the one 15-minute reading. */
static void test_month_most_covered(void **state)
{
    fixture *f = *state;
    model_usage_point *up = usage_point(f);
    model_channel *q = channel(up, "88120045", 1, 900);
    model_channel *h = channel(up, "88120045", 1, HOUR);
    add(q, MAR05, 900, 7, -1, 0, 1);
    for (int i = 0; i < 24; i++)
        add(h, MAR05 + i * HOUR, HOUR, 100, -1, 1, (uint32_t)i);
    assert_int_equal(finish(f), 0);
    assert_int_equal(up->nsummaries, 1);
    assert_int_equal(up->summaries[0].overall.value, 2400);
    assert_int_equal(up->summaries[0].billing_duration, 86400);
}

static model_summary bill(int64_t start, uint32_t duration, int64_t wh, int64_t cost)
{
    model_summary s;
    model_summary_init(&s);
    s.billing_start = start;
    s.billing_duration = duration;
    s.overall = (model_measure){wh, ESPI_TIME_UNSET, 0, 72, true};
    s.bill_last_period = s.bill_to_date = cost;
    s.has_bill_last_period = s.has_bill_to_date = cost >= 0;
    s.currency = cost >= 0 ? 840 : 0;
    s.quality = 19;
    s.commodity = 1;
    s.status_time = start + duration;
    s.line = 7;
    return s;
}

/* Bills become one reading each of a billing-period channel; a bill that
 * overlaps the one before stays a summary only, with a warning. */
static void test_bills_as_readings(void **state)
{
    fixture *f = *state;
    model_usage_point *up = usage_point(f);
    model_summary s[3] = {bill(MAR05, 2592000, 812000, 9876500),
                          bill(MAR05 + 2592000, 2588400, 700000, 8000000),
                          bill(MAR05 + 2592000 + 86400, 2592000, 1, 1)};
    for (int i = 0; i < 3; i++)
        assert_int_equal(model_usage_point_add_summary(up, &s[i]), 0);
    assert_int_equal(finish(f), 0);
    assert_int_equal(up->nchannels, 1);
    const model_channel *ch = up->channels[0];
    assert_int_equal(ch->nominal, MODEL_NOMINAL_BILLING);
    assert_string_equal(ch->meter, "");
    assert_string_equal(ch->title, "Energy delivered, per billing period");
    assert_int_equal(ch->nreadings, 2);
    assert_int_equal(ch->nblocks, 2);
    assert_int_equal(ch->readings[0].value, 812000);
    assert_int_equal(ch->readings[0].cost, 9876500);
    assert_int_equal(ch->readings[1].duration, 2588400);
    assert_int_equal(ch->rt.currency, 840);
    assert_int_equal(ch->rt.flow_direction, 1);
    assert_int_equal(ch->rt.kind, 12);
    assert_int_equal(ch->rt.interval_length, 2588400); /* the usual: the shorter on a tie */
    assert_true(test_diag_find(&f->diags, "bill-overlap") >= 0);
    assert_int_equal(up->nsummaries, 3); /* bills given: no month computed */
}

/* A repaired Green Button file's usage point gets nothing derived, and a
 * summary that says it is derived is not a bill. */
static void test_nothing_derived(void **state)
{
    fixture *f = *state;
    model_usage_point *repaired = model_feed_usage_point(f->feed, "", "UsagePoint/01");
    model_summary s = bill(MAR05, 2592000, 812000, -1);
    assert_int_equal(model_usage_point_add_summary(repaired, &s), 0);
    model_channel *h = channel(repaired, "MeterReading/01", 1, HOUR);
    add(h, MAR05, HOUR, 100, -1, 0, 1);
    model_usage_point *up = usage_point(f);
    s.quality = 11;
    assert_int_equal(model_usage_point_add_summary(up, &s), 0);
    assert_int_equal(finish(f), 0);
    for (size_t u = 0; u < f->feed->nusage_points; u++) {
        model_usage_point *p = f->feed->usage_points[u];
        for (size_t c = 0; c < p->nchannels; c++)
            assert_int_not_equal(p->channels[c]->nominal, MODEL_NOMINAL_BILLING);
        assert_int_equal(p->nsummaries, 1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_resolutions_apart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resolutions_any_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resolution_sums_differ, setup, teardown),
        cmocka_unit_test_setup_teardown(test_month_summaries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_month_net_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_month_most_covered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bills_as_readings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nothing_derived, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
