/* SPDX-License-Identifier: Apache-2.0 */
/* test_converter_accounts.c - what espi convert --group account builds on:
 * espi_converter_accounts (the SmartHub accounts and service locations of
 * what was added: usage points, then account records, each once, none for
 * a Green Button file or an inactive account; gas and water usage points
 * as their location's) and the converter options
 * only_account and only_location (the other usage points left out before
 * the merge, with one info). */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#define POLL "smarthub/valid_hourly_netmeter_5h.json" /* 4400123001 / 71005500 */
#define USER_DATA "smarthub/account/valid_user_data_two_locations.json"
#define BILLING "smarthub/account/valid_billing.json"
#define CSV "smarthub/csv/valid_export_fall_back.csv" /* 1234567001, no location */
#define GREEN_BUTTON "espi/valid_minimal_feed.xml"
#define MULTI_UTILITY "smarthub/valid_daily_multi_utility.json" /* electricity, gas, water */

/* Every ref listed, as "U account/location" or "M account/location". */
typedef struct listing {
    char text[1024];
    size_t len, count;
} listing;

static void list_ref(const espi_account_ref *r, void *ctx)
{
    listing *l = ctx;
    int n = snprintf(l->text + l->len, sizeof l->text - l->len, "%s %s/%s\n", r->usage ? "U" : "M",
                     r->account, r->location);
    assert_true(n > 0 && (size_t)n < sizeof l->text - l->len);
    l->len += (size_t)n;
    l->count++;
}

typedef struct run {
    espi_tz *tz;
    espi_converter *conv;
    test_diags diags;
    espi_error err;
} run;

static void start_in(run *r, const char *zone, const char *account, const char *location)
{
    memset(r, 0, sizeof *r);
    assert_int_equal(espi_tz_load(&r->tz, zone, &r->err), 0);
    espi_convert_options o;
    espi_convert_options_init(&o);
    assert_null(o.only_account);
    assert_null(o.only_location);
    o.tz = r->tz;
    o.tz_explicit = true;
    o.on_diag = test_collect_diag;
    o.diag_ctx = &r->diags;
    o.only_account = account;
    o.only_location = location;
    assert_int_equal(espi_converter_new(&r->conv, &o, &r->err), 0);
}

static void start(run *r, const char *account, const char *location)
{
    start_in(r, "America/Los_Angeles", account, location);
}

static void add(run *r, const char *fixture)
{
    FILE *in = fopen(test_fixture(fixture), "rb");
    assert_non_null(in);
    int rc = espi_converter_add(r->conv, in, fixture, ESPI_FORMAT_AUTO, &r->err);
    fclose(in);
    if (rc != 0)
        fail_msg("%s: %s: %s", fixture, r->err.code, r->err.message);
}

static void stop(run *r)
{
    espi_converter_free(r->conv);
    espi_tz_free(r->tz);
}

static void test_nothing_added(void **state)
{
    (void)state;
    run r;
    start(&r, NULL, NULL);
    listing l = {0};
    espi_converter_accounts(r.conv, list_ref, &l);
    assert_int_equal(l.count, 0);
    stop(&r);
}

/* Usage points first, in the order they were made, then the records; the
 * inactive account of the user-data and the Green Button file give none. */
static void test_listing(void **state)
{
    (void)state;
    run r;
    start(&r, NULL, NULL);
    add(&r, USER_DATA);
    add(&r, POLL);
    add(&r, GREEN_BUTTON);
    add(&r, CSV);
    add(&r, BILLING);
    add(&r, POLL); /* again: listed once */
    listing l = {0};
    espi_converter_accounts(r.conv, list_ref, &l);
    assert_string_equal(l.text, "U 4400123001/71005500\n"
                                "U 1234567001/\n"
                                "M 4400123001/71005500\n"
                                "M 4400123001/71005501\n"
                                "M 4400123001/\n"
                                "M 4400123003/\n");
    /* listing merges nothing: the feed still finishes */
    espi_feed *feed = NULL;
    assert_int_equal(espi_converter_finish(r.conv, &feed, &r.err), 0);
    espi_feed_stats st;
    espi_feed_stats_get(&st, feed);
    assert_int_equal(st.usage_points, 3); /* the poll's, the CSV's, the Green Button file's */
    espi_feed_free(feed);
    stop(&r);
}

/* only_account and only_location keep one usage point: the same feed as
 * the inputs of that account alone would give, and one info. */
static void test_only_one(void **state)
{
    (void)state;
    run alone, both;
    start(&alone, NULL, NULL);
    add(&alone, POLL);
    add(&alone, USER_DATA);
    start(&both, "4400123001", "71005500");
    add(&both, CSV);
    add(&both, POLL);
    add(&both, USER_DATA);
    espi_feed *a = NULL, *b = NULL;
    assert_int_equal(espi_converter_finish(alone.conv, &a, &alone.err), 0);
    assert_int_equal(espi_converter_finish(both.conv, &b, &both.err), 0);
    espi_feed_stats sa, sb;
    espi_feed_stats_get(&sa, a);
    espi_feed_stats_get(&sb, b);
    assert_int_equal(sb.usage_points, 1);
    assert_memory_equal(&sa, &sb, sizeof sa);
    int i = test_diag_find(&both.diags, "convert-left-out");
    assert_true(i >= 0);
    assert_int_equal(test_diag_find(&alone.diags, "convert-left-out"), -1);
    char *ta = NULL, *tb = NULL;
    size_t la = 0, lb = 0;
    FILE *fa = open_memstream(&ta, &la), *fb = open_memstream(&tb, &lb);
    assert_int_equal(espi_feed_write_xml(fa, "a.xml", a, NULL, &alone.err), 0);
    assert_int_equal(espi_feed_write_xml(fb, "b.xml", b, NULL, &both.err), 0);
    fclose(fa);
    fclose(fb);
    assert_int_equal(la, lb);
    assert_memory_equal(ta, tb, la);
    free(ta);
    free(tb);
    espi_feed_free(a);
    espi_feed_free(b);
    stop(&alone);
    stop(&both);
}

/* A location of none (a CSV export) is kept with any location asked for,
 * and only_location "" keeps only such usage points. */
static void test_location_of_none(void **state)
{
    (void)state;
    run r;
    start(&r, "1234567001", "");
    add(&r, POLL);
    add(&r, CSV);
    espi_feed *feed = NULL;
    assert_int_equal(espi_converter_finish(r.conv, &feed, &r.err), 0);
    espi_feed_stats st;
    espi_feed_stats_get(&st, feed);
    assert_int_equal(st.usage_points, 1);
    assert_int_equal(st.readings, 25); /* the CSV's */
    espi_feed_free(feed);
    stop(&r);

    start(&r, "4400123001", "71005501"); /* no usage there: nothing to write */
    add(&r, POLL);
    add(&r, CSV);
    assert_int_not_equal(espi_converter_finish(r.conv, &feed, &r.err), 0);
    assert_string_equal(r.err.code, "convert-empty");
    assert_null(feed);
    stop(&r);
}

/* Gas and water usage points at a location are that location's: listed
 * once, and kept with its electricity. */
static void test_gas_and_water(void **state)
{
    (void)state;
    run r;
    start_in(&r, "America/Denver", "4400123001", "71005500");
    add(&r, MULTI_UTILITY);
    listing l = {0};
    espi_converter_accounts(r.conv, list_ref, &l);
    assert_string_equal(l.text, "U 4400123001/71005500\n");
    espi_feed *feed = NULL;
    assert_int_equal(espi_converter_finish(r.conv, &feed, &r.err), 0);
    espi_feed_stats st;
    espi_feed_stats_get(&st, feed);
    assert_int_equal(st.usage_points, 3);
    assert_int_equal(test_diag_find(&r.diags, "convert-left-out"), -1);
    espi_feed_free(feed);
    stop(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nothing_added), cmocka_unit_test(test_listing),
        cmocka_unit_test(test_only_one),      cmocka_unit_test(test_location_of_none),
        cmocka_unit_test(test_gas_and_water),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
