/* SPDX-License-Identifier: Apache-2.0 */
/* test_fetch.c - the fetch layer's parts that need no network: TOTP against
 * the test vectors of RFC 4226 and RFC 6238, base32, the URL rules, the
 * escaping of form fields and JSON strings, windows and local days, what is
 * read from the login's, user-data's and a poll's answers, and the public
 * defaults and checks. */
#include "testutil.h"

#include "fetch/json.h"
#include "fetch/smarthub.h"
#include "fetch/totp.h"
#include "fetch/url.h"

#include <stdlib.h>
#include <string.h>

static const unsigned char rfc_key[] = "12345678901234567890";

/* RFC 4226 appendix D: HOTP of the counters 0 to 9. */
static void test_hotp_rfc4226(void **state)
{
    (void)state;
    static const char *const want[] = {"755224", "287082", "359152", "969429", "338314",
                                       "254676", "287922", "162583", "399871", "520489"};
    for (uint64_t c = 0; c < 10; c++) {
        char code[16];
        assert_int_equal(fetch_hotp(code, rfc_key, 20, c, 6), 0);
        assert_string_equal(code, want[c]);
    }
}

/* RFC 6238 appendix B, SHA-1: T0 = 0, X = 30, 8 digits. */
static void test_totp_rfc6238(void **state)
{
    (void)state;
    static const struct {
        int64_t t;
        const char *code;
    } vectors[] = {{59, "94287082"},         {1111111109, "07081804"}, {1111111111, "14050471"},
                   {1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"}};
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
        char code[16];
        assert_int_equal(fetch_hotp(code, rfc_key, 20, (uint64_t)vectors[i].t / 30, 8), 0);
        assert_string_equal(code, vectors[i].code);
    }
    /* the same key as base32, 6 digits: the last 6 of the 8 */
    char code[16];
    espi_error err;
    assert_int_equal(fetch_totp(code, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 59, &err), 0);
    assert_string_equal(code, "287082");
    assert_int_equal(
        fetch_totp(code, "gezd gnbv gy3t qojq gezd gnbv gy3t qojq\n", 1111111109, &err), 0);
    assert_string_equal(code, "081804");
    assert_int_equal(fetch_totp(code,
                                "otpauth://totp/CEC:pat?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
                                "&issuer=CEC",
                                1234567890, &err),
                     0);
    assert_string_equal(code, "005924");
}

static void test_base32(void **state)
{
    (void)state;
    unsigned char out[64];
    assert_int_equal(fetch_base32_decode(out, sizeof out, "MZXW6YTBOI======"), 6);
    assert_memory_equal(out, "foobar", 6);
    assert_int_equal(fetch_base32_decode(out, sizeof out, "mzxw-6ytb-oi"), 6);
    assert_int_equal(fetch_base32_decode(out, sizeof out, "MZXW6YTB01"), -1); /* 0, 1 */
    assert_int_equal(fetch_base32_decode(out, sizeof out, ""), -1);
    assert_int_equal(fetch_base32_decode(out, 3, "MZXW6YTBOI"), -1); /* too long */
    espi_error err;
    char code[16];
    assert_int_equal(fetch_totp(code, "not base32!", 0, &err), ESPI_E_ARG);
    assert_string_equal(err.code, "totp-secret");
    assert_null(strstr(err.message, "not base32!")); /* the secret is never repeated */
    assert_int_equal(fetch_totp(code, "MZXW6YTB", 0, &err), ESPI_E_ARG); /* 5 bytes: too short */
}

static void test_url_rules(void **state)
{
    (void)state;
    espi_error err;
    static const char *const allowed[] = {
        "https://cec.smarthub.coop",
        "https://cec.smarthub.coop/ui/#/login",
        "http://127.0.0.1:8080",
        "http://127.9.8.7/x",
        "http://localhost:1234/services",
        "http://[::1]:5000/",
        "https://api.example.com/espi/1_1/resource/Batch/Subscription/42?x=1",
    };
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
        assert_int_equal(fetch_url_check(allowed[i], "--url", &err), 0);
    static const char *const refused[] = {
        "http://cec.smarthub.coop",
        "http://128.0.0.1/",
        "http://[::2]/",
        "ftp://127.0.0.1/",
        "file:///etc/passwd",
        "cec.smarthub.coop",
        "https://me:pw@example.com/",
        "https://me@example.com/",
        "",
        "http://127.0.0.1.example.com/",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        assert_int_equal(fetch_url_check(refused[i], "--url", &err), ESPI_E_ARG);
        assert_string_equal(err.code, "fetch-url");
        assert_null(strstr(err.message, "pw@")); /* a password in a URL is not repeated */
    }
    assert_true(fetch_host_is_loopback("127.0.0.1"));
    assert_true(fetch_host_is_loopback("LOCALHOST"));
    assert_true(fetch_host_is_loopback("[::1]"));
    assert_false(fetch_host_is_loopback("[::ffff:8.8.8.8]"));
    assert_false(fetch_host_is_loopback("10.0.0.1"));
    assert_int_equal(espi_fetch_url_check("https://x.example/", &err), 0);
    assert_int_equal(espi_fetch_url_check("http://x.example/", &err), ESPI_E_ARG);
}

static void test_url_parts(void **state)
{
    (void)state;
    espi_error err;
    char out[FETCH_URL_MAX];
    assert_int_equal(fetch_url_origin(out, "https://CEC.smarthub.coop/ui/#/x?y=1", &err), 0);
    assert_string_equal(out, "https://cec.smarthub.coop");
    assert_int_equal(fetch_url_origin(out, "http://127.0.0.1:8080/a", &err), 0);
    assert_string_equal(out, "http://127.0.0.1:8080");
    char shown[256];
    fetch_url_shown(shown, sizeof shown, "https://h.example/dl/file.xml?token=SECRET#frag");
    assert_string_equal(shown, "https://h.example/dl/file.xml");
    fetch_url_path(shown, sizeof shown, "https://h.example/services/secured/user-data?userId=x");
    assert_string_equal(shown, "/services/secured/user-data");
    assert_int_equal(fetch_url_resolve(out, "https://h.example/espi/feed?page=1", "?page=2", &err),
                     0);
    assert_string_equal(out, "https://h.example/espi/feed?page=2");
    assert_int_equal(fetch_url_resolve(out, "https://h.example/a/b", "../c", &err), 0);
    assert_string_equal(out, "https://h.example/c");
}

static void test_escaping(void **state)
{
    (void)state;
    fetch_buf b = {0};
    assert_int_equal(fetch_escape_form(&b, "p&ss=w\xc3\xb6rd %+\"x'#;~-._"), 0);
    assert_string_equal((const char *)b.data, "p%26ss%3Dw%C3%B6rd%20%25%2B%22x%27%23%3B~-._");
    fetch_buf_clear(&b);
    assert_int_equal(b.len, 0);
    assert_int_equal(fetch_escape_json(&b, "a\"b\\c\n\x01"), 0);
    assert_string_equal((const char *)b.data, "\"a\\\"b\\\\c\\u000a\\u0001\"");
    fetch_buf_free(&b);
    assert_null(b.data);
    fetch_buf capped = {NULL, 0, 0, 4};
    assert_int_equal(fetch_buf_puts(&capped, "1234"), 0);
    assert_int_equal(fetch_buf_puts(&capped, "5"), -2);
    fetch_buf_free(&capped);
}

static void test_days_and_windows(void **state)
{
    (void)state;
    int64_t day;
    assert_int_equal(fetch_parse_day(&day, "2026-03-08"), 0);
    char text[16];
    fetch_format_day(text, day);
    assert_string_equal(text, "2026-03-08");
    assert_int_equal(fetch_parse_day(&day, "2026-02-29"), -1);
    assert_int_equal(fetch_parse_day(&day, "2026-3-08"), -1);
    assert_int_equal(fetch_parse_day(&day, "2026-03-08T00"), -1);
    assert_int_equal(fetch_parse_day(&day, "1969-12-31"), -1);

    espi_tz *tz;
    espi_error err;
    assert_int_equal(espi_tz_load(&tz, "America/Los_Angeles", &err), 0);
    int64_t first, last;
    fetch_parse_day(&first, "2026-01-20");
    fetch_parse_day(&last, "2026-04-29");
    fetch_window *w;
    size_t n;
    assert_int_equal(fetch_windows(&w, &n, tz, first, last, ESPI_TIME_FRAME_HOURLY, &err), 0);
    assert_int_equal(n, 4);
    assert_string_equal(w[0].label, "2026-01-20..2026-02-18");
    assert_string_equal(w[0].name, "hourly_2026-01-20_2026-02-18.json");
    assert_int_equal(w[0].start_ms, 1768896000000); /* 08:00Z: midnight PST */
    assert_int_equal(w[1].end_ms, 1774076400000);   /* 2026-03-21 07:00Z: midnight PDT */
    assert_int_equal(w[1].end_ms, w[2].start_ms);
    assert_string_equal(w[3].label, "2026-04-20..2026-04-29");
    for (size_t i = 0; i < n; i++)
        assert_true(w[i].last - w[i].first < FETCH_WINDOW_DAYS);
    free(w);
    assert_int_equal(fetch_windows(&w, &n, tz, first, last, ESPI_TIME_FRAME_MONTHLY, &err), 0);
    assert_int_equal(n, 1);
    assert_string_equal(w[0].name, "monthly_2026-01-20_2026-04-29.json");
    free(w);
    assert_int_equal(
        fetch_windows(&w, &n, tz, first, first + FETCH_MAX_DAYS, ESPI_TIME_FRAME_DAILY, &err),
        ESPI_E_ARG);
    assert_int_equal(fetch_local_day(tz, 1772956800), first + 47); /* 2026-03-08T08:00Z */
    espi_tz_free(tz);
}

static void test_login_answer(void **state)
{
    (void)state;
    static const char body[] =
        "{\"status\":\"SUCCESS\",\"authorizationToken\":\"eyJ.abc\",\"username\":\"pat\","
        "\"expiresIn\":299,\"primaryUsername\":\"pat@example.com\",\"nested\":{\"status\":\"x\"}}";
    fetch_login_answer a;
    char why[160];
    assert_int_equal(fetch_login_scan(&a, body, strlen(body), why, sizeof why), 0);
    assert_string_equal(a.status, "SUCCESS");
    assert_string_equal(a.token, "eyJ.abc");
    assert_string_equal(a.username, "pat");
    assert_string_equal(a.primary, "pat@example.com");
    fetch_login_answer_free(&a);
    assert_null(a.token);
    assert_int_equal(fetch_login_scan(&a, "<html>", 6, why, sizeof why), -1);
    fetch_login_answer_free(&a);
}

static const char user_data_two[] =
    "[{\"account\":\"1001\",\"customerName\":\"PAT MEMBER\",\"inactive\":false,"
    "\"serviceLocationIdToServiceLocationSummary\":{\"L1\":{\"serviceStatus\":\"ACTIVE\","
    "\"meterNumbersToExternalMeterBaseIds\":{\"M1\":\"x\",\" \":\"y\"}}},"
    "\"serviceLocationToUserDataServiceLocationSummaries\":{\"L1\":[{\"description\":\"Home\"}]}},"
    "{\"account\":1002,\"serviceLocationToUserDataServiceLocationSummaries\":{\"L2\":[{"
    "\"serviceStatus\":\"ACTIVE\"}],\"L3\":[{\"serviceStatus\":\"INACTIVE\"}]}},"
    "{\"inactive\":true,\"serviceLocationIdToServiceLocationSummary\":{\"L4\":{}},\"account\":"
    "\"1003\"}]";

static int discover(fetch_session *s, espi_smarthub_query *q, const char *account,
                    const char *location, espi_error *err)
{
    espi_smarthub_query_init(q);
    q->account = account;
    q->location = location;
    espi_fetch_options o;
    espi_fetch_options_init(&o);
    memset(s, 0, sizeof *s);
    s->q = q;
    s->o = &o;
    snprintf(s->origin, sizeof s->origin, "%s", "https://x.example");
    int rc = fetch_discover(s, user_data_two, strlen(user_data_two), err);
    s->o = NULL;
    return rc;
}

static void test_discover(void **state)
{
    (void)state;
    fetch_session s;
    espi_smarthub_query q;
    espi_error err;
    assert_int_equal(discover(&s, &q, NULL, NULL, &err), ESPI_E_ARG);
    assert_string_equal(err.code, "fetch-locations");
    assert_non_null(strstr(err.message, "account 1001 location L1, account 1002 location L2;"));
    assert_null(strstr(err.message, "PAT")); /* numbers only */
    assert_null(strstr(err.message, "Home"));
    assert_int_equal(discover(&s, &q, "1001", NULL, &err), 0);
    assert_string_equal(s.account, "1001");
    assert_string_equal(s.location, "L1");
    assert_string_equal((const char *)s.meters.data, "M1\n"); /* the blank key left out */
    fetch_buf_free(&s.meters);
    assert_int_equal(discover(&s, &q, NULL, "L2", &err), 0);
    assert_string_equal(s.account, "1002"); /* a number without quotes */
    fetch_buf_free(&s.meters);
    assert_int_equal(discover(&s, &q, NULL, "L3", &err), ESPI_E_ARG); /* inactive */
    assert_non_null(strstr(err.message, "L3 (inactive)"));
    assert_int_equal(discover(&s, &q, "1003", NULL, &err), ESPI_E_ARG); /* inactive account */
    fetch_buf_free(&s.meters);
}

static void test_poll_scan(void **state)
{
    (void)state;
    static const char body[] =
        "{\"data\":{\"ELECTRIC\":[{\"series\":[{\"data\":[{\"x\":1,\"y\":0.5},{\"x\":2,\"y\":null},"
        "{\"x\":3,\"y\":0}]}],\"type\":\"USAGE\",\"meters\":[{\"meterNumber\":\"M1\"}]},"
        "{\"type\":\"COST\",\"series\":[{\"data\":[{\"x\":1,\"y\":0.1}]}]}],"
        "\"GAS\":[{\"type\":\"USAGE\",\"series\":[{\"data\":[{\"x\":1,\"y\":4}]}]}]},"
        "\"status\":\"COMPLETE\"}";
    fetch_buf meters = {0};
    fetch_poll_info info = {"", 0, &meters};
    char why[160];
    assert_int_equal(fetch_poll_scan(&info, body, strlen(body), why, sizeof why), 0);
    assert_string_equal(info.status, "COMPLETE");
    assert_int_equal(info.readings, 2); /* USAGE of ELECTRIC, nulls left out; y 0 counts */
    assert_string_equal((const char *)meters.data, "M1\n");
    fetch_buf_free(&meters);
    info.meters = NULL;
    assert_int_equal(fetch_poll_scan(&info, "{\"status\":\"PENDING\"}", 20, why, sizeof why), 0);
    assert_string_equal(info.status, "PENDING");
    assert_int_equal(fetch_poll_scan(&info, "{\"status\":", 10, why, sizeof why), -1);
    /* too deep to be SmartHub's */
    char deep[200];
    memset(deep, '[', 100);
    deep[100] = '\0';
    assert_int_equal(fetch_poll_scan(&info, deep, 100, why, sizeof why), -1);
    assert_non_null(strstr(why, "deeper"));
}

static void test_defaults_and_checks(void **state)
{
    (void)state;
    espi_fetch_options o;
    memset(&o, 0xAB, sizeof o);
    espi_fetch_options_init(&o);
    assert_null(o.cacert);
    assert_int_equal(o.connect_timeout_ms, 20000);
    assert_int_equal(o.timeout_ms, 120000);
    assert_int_equal(o.poll_interval_ms, 2000);
    assert_int_equal(o.budget_ms, 60000);
    assert_int_equal(o.max_body, (size_t)256 << 20);
    assert_null(o.on_event);
    assert_null(o.on_body);
    assert_null(o.on_diag);
    espi_smarthub_query q;
    memset(&q, 0xAB, sizeof q);
    espi_smarthub_query_init(&q);
    assert_null(q.url);
    assert_int_equal(q.time_frame, ESPI_TIME_FRAME_AUTO);
    assert_false(q.bills);

    espi_tz *tz;
    espi_error err;
    assert_int_equal(espi_tz_load(&tz, "America/Chicago", &err), 0);
    q.url = "https://x.smarthub.coop";
    q.user = "pat";
    q.tz = tz;
    q.start = "2026-03-01";
    q.end = "2026-03-31";
    assert_int_equal(espi_smarthub_query_check(&q, &err), 0); /* no password needed yet */
    q.end = "2026-02-28";
    assert_int_equal(espi_smarthub_query_check(&q, &err), ESPI_E_ARG);
    assert_string_equal(err.code, "fetch-date");
    q.end = NULL;
    q.totp_code = "12a456";
    assert_int_equal(espi_smarthub_query_check(&q, &err), ESPI_E_ARG);
    q.totp_code = NULL;
    q.totp_secret = "!!";
    assert_int_equal(espi_smarthub_query_check(&q, &err), ESPI_E_ARG);
    q.totp_secret = NULL;
    q.url = "http://x.smarthub.coop";
    assert_int_equal(espi_smarthub_query_check(&q, &err), ESPI_E_ARG);
    /* the fetch itself refuses before any request: no password */
    q.url = "https://x.smarthub.coop";
    assert_int_equal(espi_fetch_smarthub(NULL, &q, NULL, &err), ESPI_E_ARG);
    assert_non_null(strstr(err.message, "password"));
    espi_tz_free(tz);
}

static void test_json_paths(void **state)
{
    (void)state;
    fetch_json_path p;
    memset(&p, 0, sizeof p);
    p.depth = 3;
    p.frames[0].is_map = true;
    snprintf(p.frames[0].key, FETCH_JSON_KEY, "%s", "data");
    p.frames[1].is_map = true;
    snprintf(p.frames[1].key, FETCH_JSON_KEY, "%s", "ELECTRIC");
    p.frames[2].is_map = false;
    assert_true(fetch_json_at(&p, "data", "ELECTRIC", "#", NULL));
    assert_true(fetch_json_at(&p, "*", "*", "*", NULL));
    assert_false(fetch_json_at(&p, "data", "#", "#", NULL));
    assert_false(fetch_json_at(&p, "data", "ELECTRIC", NULL));
    assert_string_equal(fetch_json_key(&p, 1), "ELECTRIC");
    assert_string_equal(fetch_json_key(&p, 2), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hotp_rfc4226),
        cmocka_unit_test(test_totp_rfc6238),
        cmocka_unit_test(test_base32),
        cmocka_unit_test(test_url_rules),
        cmocka_unit_test(test_url_parts),
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_days_and_windows),
        cmocka_unit_test(test_login_answer),
        cmocka_unit_test(test_discover),
        cmocka_unit_test(test_poll_scan),
        cmocka_unit_test(test_defaults_and_checks),
        cmocka_unit_test(test_json_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
