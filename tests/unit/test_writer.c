/* SPDX-License-Identifier: Apache-2.0 */
/* test_writer.c - the ESPI feed writer: structure, stable ids, links that
 * join, options, escaping, write errors; and that the result validates. */
#include "testutil.h"

#include "convert/model.h"
#include "common/uuid.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef struct fixture {
    espi_tz *tz;
    espi_feed *feed;
    char *text;
    size_t size;
} fixture;

/* The ReadingType of an hourly electricity channel in Wh. */
static void set_rt(model_reading_type *rt, int currency, int flow)
{
    *rt = (model_reading_type){.accumulation = 4,
                               .commodity = 1,
                               .currency = currency,
                               .flow_direction = flow,
                               .interval_length = 3600,
                               .kind = 12,
                               .phase = 769,
                               .power_of_ten = 0,
                               .uom = 72};
    model_reading_type_clear_optional(rt);
}

/* One usage point, a forward channel with cost and a net channel, hourly
 * readings over two local days (2026-07-20 22:00 to 07-21 01:00 PDT). */
static void build_feed(fixture *f)
{
    espi_error err;
    assert_int_equal(model_feed_new(&f->feed), 0);
    assert_int_equal(model_feed_set_tz(f->feed, f->tz, &err), 0);
    model_usage_point *up = model_feed_usage_point(f->feed, "4400123001", "71005500");
    assert_non_null(up);
    for (int flow = 1; flow <= 4; flow += 3) {
        model_channel_key key = model_channel_key_make("88120045", flow, 72);
        model_channel *ch = model_usage_point_add_channel(up, &key);
        assert_non_null(ch);
        set_rt(&ch->rt, flow == 1 ? 840 : 0, flow);
        for (int i = 0; i < 4; i++) {
            model_reading r = {1784610000 + i * 3600,
                               100 * (i + 1) * (flow == 4 ? -1 : 1),
                               1500 + i,
                               3600,
                               0,
                               flow == 1,
                               0,
                               -1};
            assert_int_equal(model_channel_append(ch, &r), 0);
        }
        assert_int_equal(model_channel_split_days(ch, f->tz), 0);
    }
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    espi_error err;
    assert_int_equal(espi_tz_load(&f->tz, "America/Los_Angeles", &err), 0);
    build_feed(f);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    free(f->text);
    espi_feed_free(f->feed);
    espi_tz_free(f->tz);
    free(f);
    return 0;
}

static int write_text(fixture *f, const espi_write_options *opts, espi_error *err)
{
    free(f->text);
    f->text = NULL;
    FILE *out = open_memstream(&f->text, &f->size);
    assert_non_null(out);
    int rc = espi_feed_write_xml(out, "out.xml", f->feed, opts, err);
    fclose(out);
    return rc;
}

static size_t count(const char *text, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* The text between `after` and the next '"' or '<'. */
static char *value_after(const char *text, const char *after, char *buf, size_t size)
{
    const char *p = strstr(text, after);
    assert_non_null(p);
    p += strlen(after);
    size_t n = strcspn(p, "\"<");
    assert_true(n < size);
    memcpy(buf, p, n);
    buf[n] = '\0';
    return buf;
}

static void test_structure(void **state)
{
    fixture *f = *state;
    espi_error err;
    assert_int_equal(write_text(f, NULL, &err), 0);
    const char *t = f->text;
    assert_int_equal(strncmp(t, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed ", 44), 0);
    /* LTP, UsagePoint, 2 x (MeterReading, ReadingType), 2 x 2 local days */
    assert_int_equal(count(t, "<entry>"), 1 + 1 + 4 + 4);
    assert_int_equal(count(t, "<espi:IntervalReading>"), 8);
    assert_int_equal(count(t, "<espi:cost>"), 4);
    assert_int_equal(count(t, "<espi:currency>840</espi:currency>"), 1);
    assert_non_null(strstr(t, "<espi:dstStartRule>360E2000</espi:dstStartRule>"));
    assert_non_null(strstr(t, "<espi:dstEndRule>B40E2000</espi:dstEndRule>"));
    assert_non_null(strstr(t, "<espi:tzOffset>-28800</espi:tzOffset>"));
    assert_non_null(strstr(t, "<espi:value>-400</espi:value>"));
    /* 07-20 holds 22:00 and 23:00 PDT, 07-21 holds 00:00 and 01:00 */
    assert_non_null(strstr(t, "<espi:duration>7200</espi:duration>\n"
                              "          <espi:start>1784610000</espi:start>\n"
                              "        </espi:interval>"));
    assert_non_null(strstr(t, "<espi:duration>7200</espi:duration>\n"
                              "          <espi:start>1784617200</espi:start>\n"
                              "        </espi:interval>"));
    /* every link carries a type */
    assert_int_equal(count(t, "<link "), count(t, "\" type=\"espi-"));
    /* nothing identifying goes into titles or hrefs */
    assert_null(strstr(t, "4400123001"));
    assert_null(strstr(t, "71005500"));
    assert_null(strstr(t, "88120045"));
}

/* Links join by identical hrefs (docs/standard.md section 3). */
static void test_links_join(void **state)
{
    fixture *f = *state;
    espi_error err;
    assert_int_equal(write_text(f, NULL, &err), 0);
    const char *t = f->text;
    char up_related[512], mr_up[512], ltp_self[512], up_ltp[512], mr_rt[512], rt_self[512];
    value_after(t, "<link rel=\"related\" href=\"", up_related, sizeof up_related);
    const char *mr = strstr(t, "type=\"espi-entry/MeterReading\"");
    assert_non_null(mr);
    value_after(mr, "<link rel=\"up\" href=\"", mr_up, sizeof mr_up);
    assert_string_equal(up_related, mr_up);
    value_after(t, "<link rel=\"self\" href=\"", ltp_self, sizeof ltp_self); /* feed self */
    const char *ltp = strstr(t, "<entry>");
    value_after(ltp, "<link rel=\"self\" href=\"", ltp_self, sizeof ltp_self);
    const char *upe = strstr(t, "type=\"espi-entry/UsagePoint\"");
    const char *ltp_link = strstr(upe, "type=\"espi-feed/MeterReading\"");
    value_after(ltp_link, "<link rel=\"related\" href=\"", up_ltp, sizeof up_ltp);
    assert_string_equal(ltp_self, up_ltp);
    const char *mr_related = strstr(mr, "type=\"espi-feed/IntervalBlock\"");
    value_after(mr_related, "<link rel=\"related\" href=\"", mr_rt, sizeof mr_rt);
    const char *rt = strstr(t, "type=\"espi-feed/ReadingType\"");
    assert_non_null(rt);
    const char *rt_entry = rt;
    while (rt_entry > t && strncmp(rt_entry, "<entry>", 7) != 0)
        rt_entry--;
    value_after(rt_entry, "<link rel=\"self\" href=\"", rt_self, sizeof rt_self);
    assert_string_equal(mr_rt, rt_self);
}

/* Ids are version 5 UUIDs of stable names: the same on every run. */
static void test_stable_ids(void **state)
{
    fixture *f = *state;
    espi_error err;
    assert_int_equal(write_text(f, NULL, &err), 0);
    char *first = strdup(f->text);
    assert_int_equal(write_text(f, NULL, &err), 0);
    assert_string_equal(first, f->text);
    free(first);
    char id[64];
    const char *up = strstr(f->text, "type=\"espi-feed/LocalTimeParameters\"");
    value_after(strstr(up, "<entry>"), "<id>urn:uuid:", id, sizeof id);
    /* the UsagePoint id is the v5 UUID of the length-prefixed name parts
     * "smarthub", "usage-point", account, location */
    uuid_bytes u;
    const char *name = "8:smarthub11:usage-point10:44001230018:71005500";
    assert_int_equal(uuid_v5(&u, &uuid_ns_espi, name, strlen(name)), 0);
    char want[37];
    uuid_format(want, &u);
    assert_string_equal(id, want);
    assert_int_equal(id[14], '5');
}

static void test_options(void **state)
{
    fixture *f = *state;
    espi_error err;
    espi_write_options o;
    espi_write_options_init(&o);
    assert_int_equal(write_text(f, &o, &err), 0);
    /* default updated: the end of the newest reading, 2026-07-21T09:00:00Z */
    assert_non_null(strstr(f->text, "<updated>2026-07-21T09:00:00Z</updated>"));
    o.updated = 1795824000;
    o.base_url = "https://data.example.coop/espi";
    o.title = "Ann's \"usage\" & <costs>";
    assert_int_equal(write_text(f, &o, &err), 0);
    assert_non_null(strstr(f->text, "<updated>2026-11-28T00:00:00Z</updated>"));
    assert_non_null(strstr(f->text, "<published>2026-11-28T00:00:00Z</published>"));
    assert_non_null(strstr(f->text, "<title>Ann's &quot;usage&quot; &amp; &lt;costs&gt;</title>"));
    assert_non_null(strstr(f->text, "href=\"https://data.example.coop/espi/LocalTimeParameters/"));
    char longer[400];
    memset(longer, 'a', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    o.base_url = longer;
    assert_int_equal(write_text(f, &o, &err), ESPI_E_ARG);
    assert_string_equal(err.code, "base-url");
}

static void test_write_error(void **state)
{
    fixture *f = *state;
    FILE *full = fopen("/dev/full", "w");
    if (full == NULL) {
        print_message("skipped: no /dev/full here\n");
        return;
    }
    espi_error err;
    assert_int_equal(espi_feed_write_xml(full, "full.xml", f->feed, NULL, &err), ESPI_E_IO);
    assert_string_equal(err.file, "full.xml");
    assert_non_null(strstr(err.message, "No space left"));
    fclose(full);
}

/* What the writer produces is valid for both schema sets. */
static void test_output_validates(void **state)
{
    fixture *f = *state;
    espi_error err;
    assert_int_equal(write_text(f, NULL, &err), 0);
    for (int set = ESPI_SCHEMA_ESPI_40; set <= ESPI_SCHEMA_ESPI_33; set++) {
        FILE *in = test_stream(f->text);
        test_diags d = {0};
        int rc = espi_schema_validate_stream(in, "out.xml", (espi_schema_set)set, test_collect_diag,
                                             &d, &err);
        fclose(in);
        if (rc != 0)
            print_message("%s\n", d.last_message);
        assert_int_equal(rc, 0);
        assert_int_equal(d.count, 0);
    }
}

static void test_stats(void **state)
{
    fixture *f = *state;
    espi_feed_stats st;
    espi_feed_stats_get(&st, f->feed);
    assert_int_equal(st.usage_points, 1);
    assert_int_equal(st.channels, 2);
    assert_int_equal(st.blocks, 4);
    assert_int_equal(st.readings, 8);
    assert_int_equal(st.with_cost, 4);
}

/* Names with the separator in them do not collide: ("A/B", "C") and
 * ("A", "B/C") are two usage points with two ids. */
/* A feed without usage points (which espi convert refuses to write) still
 * gets a whole id: never "urn:uuid:" alone. */
static void test_empty_feed_id(void **state)
{
    fixture *f = *state;
    espi_feed_free(f->feed);
    espi_error err;
    assert_int_equal(model_feed_new(&f->feed), 0);
    assert_int_equal(model_feed_set_tz(f->feed, f->tz, &err), 0);
    assert_int_equal(write_text(f, NULL, &err), 0);
    char id[64];
    value_after(f->text, "<id>urn:uuid:", id, sizeof id);
    assert_int_equal(strlen(id), 36);
}

static void test_ids_unique(void **state)
{
    fixture *f = *state;
    espi_feed_free(f->feed);
    espi_error err;
    assert_int_equal(model_feed_new(&f->feed), 0);
    assert_int_equal(model_feed_set_tz(f->feed, f->tz, &err), 0);
    const char *names[2][2] = {{"A/B", "C"}, {"A", "B/C"}};
    for (int u = 0; u < 2; u++) {
        model_usage_point *up = model_feed_usage_point(f->feed, names[u][0], names[u][1]);
        model_channel_key key = model_channel_key_make("M/1", 1, 72);
        model_channel *ch = model_usage_point_add_channel(up, &key);
        set_rt(&ch->rt, 0, 1);
        model_reading r = {1784610000, 100, 0, 3600, 0, false, 0, -1};
        assert_int_equal(model_channel_append(ch, &r), 0);
        assert_int_equal(model_channel_split_days(ch, f->tz), 0);
    }
    assert_int_equal(write_text(f, NULL, &err), 0);
    char ids[16][64];
    size_t n = 0;
    for (const char *p = strstr(f->text, "<id>"); p; p = strstr(p + 1, "<id>")) {
        assert_true(n < 16);
        value_after(p, "<id>", ids[n], sizeof ids[n]);
        for (size_t k = 0; k < n; k++)
            assert_string_not_equal(ids[k], ids[n]);
        n++;
    }
    assert_int_equal(n, 1 + 1 + 2 * 4); /* feed, LTP, 2 x (UP, MR, RT, block) */
}

/* The v5 UUID text of a stable name's parts. */
static void name_id(char out[37], const char *const *parts, size_t n)
{
    uuid_bytes u;
    assert_int_equal(uuid_v5_parts(&u, &uuid_ns_espi, parts, n), 0);
    uuid_format(out, &u);
}

/* Whether the MeterReading of this id is in the text. */
static bool has_entry(const char *text, const char *id)
{
    char want[96];
    snprintf(want, sizeof want, "<id>urn:uuid:%s</id>", id);
    return strstr(text, want) != NULL;
}

/* Resolutions are channels: the resolution is in every channel's names, so
 * the hourly channel's ids are the same whether or not a daily channel of
 * the same meter and direction comes along, and the two never share one. */
static void test_resolution_ids(void **state)
{
    fixture *f = *state;
    espi_error err;
    char hourly[37], daily[37], rt_daily[37];
    const char *mr_hourly[] = {"smarthub", "meter-reading", "4400123001",
                               "71005500", "88120045",      "forward/3600s"};
    const char *mr_daily[] = {"smarthub", "meter-reading", "4400123001",
                              "71005500", "88120045",      "forward/86400s"};
    const char *rt_name[] = {"smarthub", "reading-type", "4400123001",
                             "71005500", "88120045",     "forward/86400s"};
    name_id(hourly, mr_hourly, 6);
    name_id(daily, mr_daily, 6);
    name_id(rt_daily, rt_name, 6);
    assert_int_equal(write_text(f, NULL, &err), 0);
    assert_true(has_entry(f->text, hourly)); /* nominal unstated: its intervalLength */
    char *alone = strdup(f->text);
    model_usage_point *up = f->feed->usage_points[0];
    model_channel_key key = model_channel_key_make("88120045", 1, 72);
    key.interval = 86400;
    assert_null(model_usage_point_find_channel(up, &key)); /* not the hourly one */
    model_channel *ch = model_usage_point_add_channel(up, &key);
    set_rt(&ch->rt, 0, 1);
    ch->rt.interval_length = 86400;
    model_reading r = {1784530800, 12000, 0, 86400, 0, false, 0, -1};
    assert_int_equal(model_channel_append(ch, &r), 0);
    assert_int_equal(model_channel_split_days(ch, f->tz), 0);
    assert_int_equal(write_text(f, NULL, &err), 0);
    assert_true(has_entry(f->text, hourly));
    assert_true(has_entry(f->text, daily));
    assert_true(has_entry(f->text, rt_daily));
    /* every id of the hourly feed is still there: no other channel's id moved */
    size_t ids = 0;
    for (const char *p = strstr(alone, "<id>urn:uuid:"); p; p = strstr(p + 1, "<id>urn:uuid:")) {
        char id[64];
        value_after(p, "<id>urn:uuid:", id, sizeof id);
        assert_true(has_entry(f->text, id) || strstr(f->text, id) != NULL);
        ids++;
    }
    assert_int_equal(ids, 1 + 1 + 1 + 2 * 2 + 4); /* feed, LTP, UP, 2 x (MR, RT), 4 blocks */
    free(alone);
    assert_non_null(strstr(f->text, "<title>Energy delivered, daily</title>"));
}

/* A monthly summary computed from readings is named by its month, so it
 * keeps its id while the month's data grow; a billing period by its start. */
static void test_summary_ids(void **state)
{
    fixture *f = *state;
    espi_error err;
    model_usage_point *up = f->feed->usage_points[0];
    model_summary s;
    model_summary_init(&s);
    s.billing_start = 1784610000;
    s.billing_duration = 14400;
    s.overall = (model_measure){1000, ESPI_TIME_UNSET, 0, 72, true};
    s.quality = 11;
    s.month = 202607;
    assert_int_equal(model_usage_point_add_summary(up, &s), 0);
    s.month = 0;
    s.billing_start = 1775026800;
    s.quality = 19;
    assert_int_equal(model_usage_point_add_summary(up, &s), 0);
    assert_int_equal(write_text(f, NULL, &err), 0);
    char month[37], bill[37];
    const char *month_name[] = {"smarthub", "usage-summary", "4400123001", "71005500",
                                "month-2026-07"};
    const char *bill_name[] = {"smarthub", "usage-summary", "4400123001", "71005500", "1775026800"};
    name_id(month, month_name, 5);
    name_id(bill, bill_name, 5);
    assert_true(has_entry(f->text, month));
    assert_true(has_entry(f->text, bill));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_structure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_links_join, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stable_ids, setup, teardown),
        cmocka_unit_test_setup_teardown(test_options, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_output_validates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stats, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_feed_id, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ids_unique, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resolution_ids, setup, teardown),
        cmocka_unit_test_setup_teardown(test_summary_ids, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
