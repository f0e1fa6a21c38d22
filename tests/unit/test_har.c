/* SPDX-License-Identifier: Apache-2.0 */
/* test_har.c - SmartHub answers in a wrapping (smarthub/har.c and the top
 * level of smarthub/poll_parse.c): a JSON array of poll responses, a
 * response without "status", the bare {"ELECTRIC": [...]} body, a browser
 * HAR file read at every chunk size, the answers that are not usage (login,
 * account data) named as such, the format sniffs, the body cap, and that no
 * password, token or cookie of a HAR reaches a message. */
#define _GNU_SOURCE /* fopencookie */
#include "testutil.h"

#include "convert/input.h"
#include "convert/model.h"
#include "convert/smarthub/har.h"

#include <stdlib.h>
#include <string.h>

#define HAR_FIXTURE "smarthub/wrap/valid_har_two_polls.har"
#define ARRAY_FIXTURE "smarthub/wrap/valid_array_of_polls.json"
#define NO_USAGE_FIXTURE "smarthub/wrap/invalid_har-no-usage_login_only.har"

/* The fixtures' invented secrets: none may reach a message. */
static const char *const secrets[] = {
    "Fixture-Pa55word",
    "eyJhbGciOiJIUzI1NiJ9",
    "Zml4dHVyZS1zaWduYXR1cmU",
    "7f3a9c2e51b0",
    "b41d77e0",
    "pat.member",
    "Biscuit",
};

/* One hourly USAGE point of meter M1 at wall time x (ms), with the request's
 * start as the true instant of that wall time in Los Angeles (PDT). */
#define ENTRY_FMT                                                                                  \
    "{\"type\":\"USAGE\",\"unitOfMeasure\":\"KWH\",\"accountNumber\":\"4400123001\","              \
    "\"serviceLocationNumber\":\"71005500\",\"timeFrame\":\"HOURLY\",\"startDateTime\":%lld,"      \
    "\"meters\":[{\"meterNumber\":\"M1\",\"seriesId\":\"M1\",\"flowDirection\":\"FORWARD\"}],"     \
    "\"series\":[{\"name\":\"M1\",\"data\":[{\"x\":%lld,\"y\":%s}]}]}"

/* 2026-06-15 00:00 as wall-clock milliseconds. */
#define JUNE15 1781481600000LL
#define HOUR_MS 3600000LL

typedef struct fixture {
    espi_tz *tz;
    espi_feed *feed;
    espi_error err;
    test_diags diags;
    char messages[8192]; /* every diagnostic's file, where and message */
    size_t messages_len;
    int rc;
} fixture;

static void collect(const espi_diag *d, void *ctx)
{
    fixture *f = ctx;
    test_collect_diag(d, &f->diags);
    size_t room = sizeof f->messages - f->messages_len;
    int n =
        snprintf(f->messages + f->messages_len, room, "%s|%s|%s|%s\n", d->file ? d->file : "",
                 d->code ? d->code : "", d->where ? d->where : "", d->message ? d->message : "");
    if (n > 0)
        f->messages_len += (size_t)n < room ? (size_t)n : room - 1;
}

static void clear(fixture *f)
{
    espi_feed_free(f->feed);
    f->feed = NULL;
    memset(&f->diags, 0, sizeof f->diags);
    memset(&f->err, 0, sizeof f->err);
    f->messages[0] = '\0';
    f->messages_len = 0;
}

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
    clear(f);
    espi_tz_free(f->tz);
    free(f);
    return 0;
}

/* Converts the inputs (name i reads texts[i]) with format; f->feed is the
 * finished feed, or NULL with f->err set. */
static int convert(fixture *f, espi_format format, const char *const *texts,
                   const char *const *names, size_t n)
{
    clear(f);
    espi_convert_options co;
    espi_convert_options_init(&co);
    co.tz = f->tz;
    co.tz_explicit = true;
    co.on_diag = collect;
    co.diag_ctx = f;
    espi_converter *c = NULL;
    assert_int_equal(espi_converter_new(&c, &co, &f->err), 0);
    f->rc = 0;
    for (size_t i = 0; i < n && f->rc == 0; i++) {
        FILE *in = test_stream(texts[i]);
        f->rc = espi_converter_add(c, in, names[i], format, &f->err);
        fclose(in);
    }
    if (f->rc == 0)
        f->rc = espi_converter_finish(c, &f->feed, &f->err);
    espi_converter_free(c);
    return f->rc;
}

static int convert_one(fixture *f, espi_format format, const char *text, const char *name)
{
    return convert(f, format, &text, &name, 1);
}

/* The whole of a fixture file, NUL-terminated. */
static char *slurp(const char *relative, size_t *len)
{
    FILE *in = fopen(test_fixture(relative), "rb");
    assert_non_null(in);
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    assert_non_null(buf);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n, in)) > 0) {
        n += got;
        if (n == cap) {
            buf = realloc(buf, (cap *= 2) + 1);
            assert_non_null(buf);
        }
    }
    fclose(in);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

/* The feed written as XML, for byte comparisons. */
static char *feed_xml(const espi_feed *feed)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    assert_non_null(out);
    espi_write_options wo;
    espi_write_options_init(&wo);
    wo.updated = 1795000000;
    espi_error err;
    assert_int_equal(espi_feed_write_xml(out, "test", feed, &wo, &err), 0);
    fclose(out);
    return buf;
}

static void assert_no_secret(const char *text)
{
    for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++)
        if (strstr(text, secrets[i]) != NULL)
            fail_msg("'%s' appears in: %s", secrets[i], text);
}

static void assert_error_has_no_secret(const espi_error *err)
{
    assert_no_secret(err->message);
    assert_no_secret(err->where);
    assert_no_secret(err->file);
}

/* One poll response with one point at x, value y (text). */
static char *poll(const char *head, long long x, const char *y, const char *tail)
{
    size_t n = strlen(head) + strlen(ENTRY_FMT) + strlen(tail) + 64;
    char *s = malloc(n);
    assert_non_null(s);
    int k = snprintf(s, n, "%s", head);
    k += snprintf(s + k, n - (size_t)k, ENTRY_FMT, x + 7 * HOUR_MS, x, y);
    snprintf(s + k, n - (size_t)k, "%s", tail);
    return s;
}

/* ------------------------------------------------------------------ */
/* Arrays of poll responses                                            */
/* ------------------------------------------------------------------ */

static void test_array_of_polls(void **state)
{
    fixture *f = *state;
    char *a = poll("{\"status\":\"COMPLETE\",\"data\":{\"ELECTRIC\":[", JUNE15, "0.5", "]}}");
    char *b =
        poll("{\"status\":\"COMPLETE\",\"data\":{\"ELECTRIC\":[", JUNE15 + HOUR_MS, "0.25", "]}}");
    size_t n = strlen(a) + strlen(b) + 16;
    char *arr = malloc(n);
    assert_non_null(arr);
    snprintf(arr, n, "[\n%s,\n  %s\n]\n", a, b);
    assert_int_equal(convert_one(f, ESPI_FORMAT_AUTO, arr, "polls.json"), 0);
    espi_feed_stats st;
    espi_feed_stats_get(&st, f->feed);
    assert_int_equal(st.channels, 1);
    assert_int_equal(st.readings, 2);
    /* the file, then one input per element */
    assert_int_equal(f->feed->nsources, 3);
    assert_string_equal(f->feed->sources[1], "polls.json[0]");
    assert_string_equal(f->feed->sources[2], "polls.json[1]");
    char *from_array = feed_xml(f->feed);

    /* the same bytes as the two responses given as files */
    const char *texts[] = {a, b}, *names[] = {"a.json", "b.json"};
    assert_int_equal(convert(f, ESPI_FORMAT_AUTO, texts, names, 2), 0);
    char *from_files = feed_xml(f->feed);
    assert_string_equal(from_array, from_files);
    free(from_array);
    free(from_files);
    free(a);
    free(b);
    free(arr);
}

/* Each element is checked as a response of its own, named by its index,
 * and placed at the file's own line and column. */
static void test_array_element_errors(void **state)
{
    fixture *f = *state;
    char *ok = poll("{\"status\":\"COMPLETE\",\"data\":{\"ELECTRIC\":[", JUNE15, "0.5", "]}}");
    size_t n = strlen(ok) + 64;
    char *arr = malloc(n);
    assert_non_null(arr);
    snprintf(arr, n, "[%s,\n\n   {\"status\":\"PENDING\"}]", ok);
    assert_int_equal(convert_one(f, ESPI_FORMAT_AUTO, arr, "p.json"), ESPI_E_INPUT);
    assert_string_equal(f->err.code, "smarthub-pending");
    assert_string_equal(f->err.file, "p.json[1]");
    assert_int_equal(f->err.line, 3);

    snprintf(arr, n, "[%s,\n  {\"status\":\"COMPLETE\",, }]", ok);
    assert_int_equal(convert_one(f, ESPI_FORMAT_SMARTHUB_JSON, arr, "p.json"), ESPI_E_INPUT);
    assert_string_equal(f->err.code, "json-syntax");
    assert_string_equal(f->err.file, "p.json[1]");
    assert_int_equal(f->err.line, 2);
    assert_int_equal(f->err.column, 25); /* where the same text alone would say */

    snprintf(arr, n, "[%s 7]", ok);
    assert_int_equal(convert_one(f, ESPI_FORMAT_SMARTHUB_JSON, arr, "p.json"), ESPI_E_INPUT);
    assert_string_equal(f->err.code, "json-syntax");
    assert_string_equal(f->err.file, "p.json");
    assert_non_null(strstr(f->err.message, "element 0"));

    snprintf(arr, n, "[%s] [", ok);
    assert_int_equal(convert_one(f, ESPI_FORMAT_SMARTHUB_JSON, arr, "p.json"), ESPI_E_INPUT);
    assert_string_equal(f->err.code, "json-syntax");

    assert_int_equal(convert_one(f, ESPI_FORMAT_SMARTHUB_JSON, "[\n]", "p.json"), ESPI_E_INPUT);
    assert_string_equal(f->err.code, "smarthub-bad-structure");
    assert_int_equal(f->err.line, 2);
    assert_int_equal(
        convert_one(f, ESPI_FORMAT_SMARTHUB_JSON, "[{\"status\":\"PENDING\"}, 5]", "p.json"),
        ESPI_E_INPUT);
    assert_string_equal(f->err.code, "smarthub-pending"); /* the first element fails first */
    assert_int_equal(convert_one(f, ESPI_FORMAT_SMARTHUB_JSON, "[\"x\"]", "p.json"), ESPI_E_INPUT);
    assert_string_equal(f->err.code, "smarthub-bad-structure");
    assert_int_equal(convert_one(f, ESPI_FORMAT_SMARTHUB_JSON, "[{\"status\":\"COMPLE", "p.json"),
                     ESPI_E_INPUT);
    assert_string_equal(f->err.code, "json-syntax");
    assert_string_equal(f->err.file, "p.json[0]");
    free(ok);
    free(arr);
}

/* The fixture: two days of one meter, in one file. */
static void test_array_fixture(void **state)
{
    fixture *f = *state;
    char *text = slurp(ARRAY_FIXTURE, NULL);
    assert_int_equal(convert_one(f, ESPI_FORMAT_AUTO, text, "polls.json"), 0);
    espi_feed_stats st;
    espi_feed_stats_get(&st, f->feed);
    assert_int_equal(st.readings, 48);
    assert_int_equal(st.with_cost, 48);
    assert_int_equal(f->diags.warnings, 0);
    free(text);
}

/* ------------------------------------------------------------------ */
/* Responses without status, the bare body, answers that are not usage */
/* ------------------------------------------------------------------ */

static void test_no_status_and_bare_body(void **state)
{
    fixture *f = *state;
    char *no_status = poll("{\"data\":{\"ELECTRIC\":[", JUNE15, "0.5", "]}}");
    char *bare = poll("{\"ELECTRIC\":[", JUNE15, "0.5", "]}");
    char *full = poll("{\"status\":\"COMPLETE\",\"data\":{\"ELECTRIC\":[", JUNE15, "0.5", "]}}");
    assert_int_equal(convert_one(f, ESPI_FORMAT_SMARTHUB_JSON, full, "full.json"), 0);
    char *expected = feed_xml(f->feed);
    const char *const texts[] = {no_status, bare};
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(convert_one(f, ESPI_FORMAT_AUTO, texts[i], "x.json"), 0);
        char *got = feed_xml(f->feed);
        assert_string_equal(got, expected);
        free(got);
    }
    /* an industry key with nothing in it is usage without points */
    assert_int_equal(convert_one(f, ESPI_FORMAT_AUTO, "{\"ELECTRIC\":[]}", "x.json"), ESPI_E_INPUT);
    assert_string_equal(f->err.code, "smarthub-no-points");
    /* no status and no industry: still no status */
    assert_int_equal(convert_one(f, ESPI_FORMAT_SMARTHUB_JSON, "{\"data\":{}}", "x.json"),
                     ESPI_E_INPUT);
    assert_string_equal(f->err.code, "smarthub-no-status");
    free(expected);
    free(no_status);
    free(bare);
    free(full);
}

static void test_login_and_other_answers(void **state)
{
    fixture *f = *state;
    char *login = slurp("smarthub/wrap/invalid_smarthub-login_response.json", NULL);
    assert_int_equal(convert_one(f, ESPI_FORMAT_AUTO, login, "login.json"), ESPI_E_INPUT);
    assert_string_equal(f->err.code, "smarthub-login");
    assert_non_null(strstr(f->err.message, "oauth/auth/v2 login response, not usage data"));
    assert_error_has_no_secret(&f->err);
    assert_int_equal(convert_one(f, ESPI_FORMAT_SMARTHUB_JSON,
                                 "{\"status\":\"FAILURE\",\"isBusinessUser\":false}", "l.json"),
                     ESPI_E_INPUT);
    assert_string_equal(f->err.code, "smarthub-login");
    assert_non_null(strstr(f->err.message, "failed login"));
    /* the token first, the status after it */
    assert_int_equal(convert_one(f, ESPI_FORMAT_SMARTHUB_JSON,
                                 "{\"authorizationToken\":\"eyJhbGciOiJIUzI1NiJ9.x.y\"}", "l.json"),
                     ESPI_E_INPUT);
    assert_string_equal(f->err.code, "smarthub-login");
    assert_error_has_no_secret(&f->err);

    char *user_data = slurp("smarthub/account/valid_user_data_two_locations.json", NULL);
    assert_int_equal(convert_one(f, ESPI_FORMAT_SMARTHUB_JSON, user_data, "u.json"), ESPI_E_INPUT);
    assert_string_equal(f->err.code, "smarthub-not-usage");
    assert_non_null(strstr(f->err.message, "secured/user-data"));
    char *billing = slurp("smarthub/account/valid_billing.json", NULL);
    assert_int_equal(convert_one(f, ESPI_FORMAT_SMARTHUB_JSON, billing, "b.json"), ESPI_E_INPUT);
    assert_string_equal(f->err.code, "smarthub-not-usage");
    assert_non_null(strstr(f->err.message, "secured/billing"));
    char *har = slurp(NO_USAGE_FIXTURE, NULL);
    assert_int_equal(convert_one(f, ESPI_FORMAT_SMARTHUB_JSON, har, "h.har"), ESPI_E_INPUT);
    assert_string_equal(f->err.code, "smarthub-not-usage");
    assert_non_null(strstr(f->err.message, "--from har"));
    /* PENDING alone keeps its own message */
    assert_int_equal(convert_one(f, ESPI_FORMAT_AUTO, "{\"status\":\"PENDING\"}", "p.json"),
                     ESPI_E_INPUT);
    assert_string_equal(f->err.code, "smarthub-pending");
    free(login);
    free(user_data);
    free(billing);
    free(har);
}

/* ------------------------------------------------------------------ */
/* HAR files                                                           */
/* ------------------------------------------------------------------ */

/* The parts of a feed a HAR read gives, to compare chunk sizes. */
typedef struct har_result {
    int rc;
    size_t sources, readings, with_cost, accounts;
    char first_source[160];
} har_result;

static har_result read_har_chunked(fixture *f, const char *text, size_t chunk)
{
    har_result r = {0};
    espi_feed *feed = NULL;
    assert_int_equal(model_feed_new(&feed), 0);
    uint16_t source;
    assert_int_equal(model_feed_add_source(feed, "x.har", &source, &f->err), 0);
    account_info *accounts = NULL;
    size_t naccounts = 0;
    espi_tz *zone = NULL;
    convert_input in;
    memset(&in, 0, sizeof in);
    in.feed = feed;
    in.tz = f->tz;
    in.name = "x.har";
    in.source = source;
    in.on_diag = collect;
    in.diag_ctx = f;
    in.zone = &zone;
    in.accounts = &accounts;
    in.naccounts = &naccounts;
    FILE *s = test_stream(text);
    r.rc = chunk ? sh_har_read_chunked(&in, s, chunk, &f->err) : sh_har_read_into(&in, s, &f->err);
    fclose(s);
    espi_feed_stats st;
    espi_feed_stats_get(&st, feed);
    r.sources = feed->nsources;
    r.readings = st.readings;
    r.with_cost = st.with_cost;
    r.accounts = naccounts;
    if (feed->nsources > 1)
        snprintf(r.first_source, sizeof r.first_source, "%s", feed->sources[1]);
    for (size_t i = 0; i < naccounts; i++)
        account_info_free(&accounts[i]);
    free(accounts);
    espi_tz_free(zone);
    espi_feed_free(feed);
    return r;
}

/* The HAR gives the bytes its answers give as files of their own. */
static void test_har_fixture(void **state)
{
    fixture *f = *state;
    char *text = slurp(HAR_FIXTURE, NULL);
    assert_int_equal(convert_one(f, ESPI_FORMAT_AUTO, text, "home.har"), 0);
    espi_feed_stats st;
    espi_feed_stats_get(&st, f->feed);
    assert_int_equal(st.readings, 48);
    assert_int_equal(f->diags.count, 0);
    char *xml = feed_xml(f->feed);
    assert_no_secret(xml);
    assert_null(strstr(xml, "4400123001"));
    free(xml);
    assert_int_equal(convert_one(f, ESPI_FORMAT_HAR, text, "home.har"), 0);
    free(text);
}

/* A HAR entry made of its parts. */
static char *har_of(const char *const *entries, size_t n)
{
    size_t len = 64;
    for (size_t i = 0; i < n; i++)
        len += strlen(entries[i]) + 2;
    char *s = malloc(len);
    assert_non_null(s);
    size_t at = (size_t)snprintf(s, len, "{\"log\":{\"version\":\"1.2\",\"entries\":[");
    for (size_t i = 0; i < n; i++)
        at += (size_t)snprintf(s + at, len - at, "%s%s", i ? "," : "", entries[i]);
    snprintf(s + at, len - at, "]}}");
    return s;
}

#define POLL_URL "https://x.smarthub.coop/services/secured/utility-usage/poll"
#define SECRET_HEADERS                                                                             \
    "\"headers\":[{\"name\":\"Authorization\",\"value\":\"Bearer eyJhbGciOiJIUzI1NiJ9.e.s\"},"     \
    "{\"name\":\"Cookie\",\"value\":\"SESSION=7f3a9c2e51b0\"}],"                                   \
    "\"postData\":{\"text\":\"password=Fixture-Pa55word\"}"

/* An entry: request method, url; response status and content fields. */
static char *entry(const char *method, const char *url, int status, const char *content)
{
    size_t n = strlen(url) + strlen(content) + 512;
    char *s = malloc(n);
    assert_non_null(s);
    snprintf(s, n,
             "{\"request\":{\"method\":\"%s\",\"url\":\"%s\"," SECRET_HEADERS "},"
             "\"response\":{\"status\":%d,\"headers\":[{\"name\":\"Set-Cookie\",\"value\":"
             "\"SESSION=7f3a9c2e51b0\"}],\"content\":{%s}}}",
             method, url, status, content);
    return s;
}

/* A poll body as the JSON string it is in a HAR. */
static char *poll_text(const char *status, long long x)
{
    char head[64];
    snprintf(head, sizeof head, "{\"status\":\"%s\",\"data\":{\"ELECTRIC\":[", status);
    char *p = poll(head, x, "0.5", "]}}");
    size_t n = strlen(p) * 2 + 32;
    char *s = malloc(n);
    assert_non_null(s);
    size_t at = (size_t)snprintf(s, n, "\"text\":\"");
    for (const char *c = p; *c; c++) {
        if (*c == '"')
            s[at++] = '\\';
        s[at++] = *c;
    }
    snprintf(s + at, n - at, "\"");
    free(p);
    return s;
}

/* The fixture at every chunk size from 1000 bytes up (below that, yajl's
 * rescans of its 80 KB script would make the test slow), a small HAR at
 * every size from 1 byte. */
static void test_har_chunk_sizes(void **state)
{
    fixture *f = *state;
    char *text = slurp(HAR_FIXTURE, NULL);
    const size_t chunks[] = {0, 1000, 4096, 65536, 1 << 20};
    for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
        clear(f);
        har_result r = read_har_chunked(f, text, chunks[i]);
        assert_int_equal(r.rc, 0);
        assert_int_equal(r.sources, 5); /* the file, user-data, billing, two polls */
        assert_int_equal(r.readings, 48);
        assert_int_equal(r.with_cost, 48);
        assert_true(r.accounts >= 2);
        assert_string_equal(r.first_source, "x.har:entry 3 (GET /services/secured/user-data)");
        assert_int_equal(test_diag_find(&f->diags, "har-no-body"), -1);
    }
    free(text);

    char *good = poll_text("COMPLETE", JUNE15), *later = poll_text("COMPLETE", JUNE15 + HOUR_MS);
    char *pending = poll_text("PENDING", JUNE15);
    char *e[] = {
        entry("POST", "https://x.smarthub.coop/services/oauth/auth/v2", 200,
              "\"text\":\"{\\\"status\\\":\\\"SUCCESS\\\"}\""),
        entry("POST", POLL_URL, 200, pending),
        entry("POST", POLL_URL, 200, good),
        entry("POST", POLL_URL, 200, later),
    };
    char *small = har_of((const char *const *)e, sizeof e / sizeof e[0]);
    for (size_t chunk = 1; chunk <= 64; chunk = chunk * 2 + 1) {
        clear(f);
        har_result r = read_har_chunked(f, small, chunk);
        assert_int_equal(r.rc, 0);
        assert_int_equal(r.sources, 3);
        assert_int_equal(r.readings, 2);
        assert_string_equal(r.first_source,
                            "x.har:entry 2 (POST /services/secured/utility-usage/poll)");
    }
    for (size_t i = 0; i < sizeof e / sizeof e[0]; i++)
        free(e[i]);
    free(small);
    free(good);
    free(later);
    free(pending);
}

static void test_har_entries_skipped_and_said(void **state)
{
    fixture *f = *state;
    char *good = poll_text("COMPLETE", JUNE15);
    char *pending = poll_text("PENDING", JUNE15);
    char *failed = poll_text("FAILED", JUNE15);
    char *e[] = {
        entry("POST", "https://x.smarthub.coop/services/oauth/auth/v2", 200,
              "\"text\":\"{\\\"status\\\":\\\"SUCCESS\\\",\\\"authorizationToken\\\":"
              "\\\"eyJhbGciOiJIUzI1NiJ9.a.b\\\"}\""),
        entry("POST", POLL_URL, 200, pending),
        entry("POST", POLL_URL, 200, failed),
        entry("POST", POLL_URL, 401, good),
        entry("POST", POLL_URL, 200, "\"mimeType\":\"application/json\""),
        entry("POST", POLL_URL, 200, "\"text\":\"\""),
        entry("POST", POLL_URL, 200, "\"text\":\"e30=\",\"encoding\":\"gzip\""),
        entry("POST", POLL_URL "?user=pat.member@example.com", 200, good),
        entry("GET", "https://x.smarthub.coop/ui/app.js", 200, "\"text\":\"var a;\""),
    };
    const size_t n = sizeof e / sizeof e[0];
    char *har = har_of((const char *const *)e, n);
    assert_int_equal(convert_one(f, ESPI_FORMAT_AUTO, har, "s.har"), 0);
    espi_feed_stats st;
    espi_feed_stats_get(&st, f->feed);
    assert_int_equal(st.readings, 1);
    assert_true(test_diag_find(&f->diags, "har-poll-status") >= 0);
    assert_true(test_diag_find(&f->diags, "har-http-status") >= 0);
    assert_true(test_diag_find(&f->diags, "har-no-body") >= 0);
    assert_true(test_diag_find(&f->diags, "har-encoding") >= 0);
    size_t said = 0; /* the PENDING poll is skipped unsaid */
    for (size_t i = 0; i < f->diags.count && i < 64; i++)
        said += strncmp(f->diags.codes[i], "har-", 4) == 0;
    assert_int_equal(said, 5);
    assert_non_null(strstr(f->messages, "entry 2 (POST /services/secured/utility-usage/poll)"));
    assert_no_secret(f->messages);
    assert_string_equal(f->feed->sources[1],
                        "s.har:entry 7 (POST /services/secured/utility-usage/poll)");

    /* without the COMPLETE one: nothing to read, and what there was is said */
    char *without = har_of((const char *const *)e, n - 2);
    assert_int_equal(convert_one(f, ESPI_FORMAT_HAR, without, "s.har"), ESPI_E_INPUT);
    assert_string_equal(f->err.code, "har-no-usage");
    assert_non_null(strstr(f->err.message, "holds 7 entries"));
    assert_non_null(strstr(f->err.message, "1 oauth/auth/v2 login"));
    assert_non_null(strstr(f->err.message, "not read: 1 PENDING, 1 with another status, 4 "
                                           "skipped with a warning"));
    assert_error_has_no_secret(&f->err);
    for (size_t i = 0; i < n; i++)
        free(e[i]);
    free(har);
    free(without);
    free(good);
    free(pending);
    free(failed);
}

/* A failing answer stops the conversion, named by its entry. */
static void test_har_answer_errors(void **state)
{
    fixture *f = *state;
    char *e0 = entry("POST", POLL_URL, 200, "\"text\":\"{\\\"status\\\":\\\"COMPLETE\\\",\"");
    char *har = har_of((const char *const *)&e0, 1);
    assert_int_equal(convert_one(f, ESPI_FORMAT_AUTO, har, "e.har"), ESPI_E_INPUT);
    assert_string_equal(f->err.code, "json-syntax");
    assert_string_equal(f->err.file, "e.har:entry 0 (POST /services/secured/utility-usage/poll)");
    free(har);
    free(e0);

    e0 = entry("POST", POLL_URL, 200, "\"text\":\"e30*\",\"encoding\":\"base64\"");
    har = har_of((const char *const *)&e0, 1);
    assert_int_equal(convert_one(f, ESPI_FORMAT_AUTO, har, "e.har"), ESPI_E_INPUT);
    assert_string_equal(f->err.code, "har-base64");
    free(har);
    free(e0);

    /* base64 "{}": a poll without status nor data */
    e0 = entry("POST", POLL_URL, 200, "\"text\":\"e30=\",\"encoding\":\"base64\"");
    har = har_of((const char *const *)&e0, 1);
    assert_int_equal(convert_one(f, ESPI_FORMAT_AUTO, har, "e.har"), ESPI_E_INPUT);
    assert_string_equal(f->err.code, "smarthub-no-status");
    free(har);
    free(e0);

    /* a response before its request: its body is not kept */
    char *good = poll_text("COMPLETE", JUNE15);
    size_t n = strlen(good) + 256;
    char *rev = malloc(n);
    assert_non_null(rev);
    snprintf(rev, n,
             "{\"response\":{\"status\":200,\"content\":{%s}},"
             "\"request\":{\"method\":\"POST\",\"url\":\"" POLL_URL "\"}}",
             good);
    har = har_of((const char *const *)&rev, 1);
    assert_int_equal(convert_one(f, ESPI_FORMAT_AUTO, har, "e.har"), ESPI_E_INPUT);
    assert_string_equal(f->err.code, "har-no-usage");
    assert_true(test_diag_find(&f->diags, "har-entry-order") >= 0);
    free(har);
    free(rev);
    free(good);
}

static void test_har_not_a_har(void **state)
{
    fixture *f = *state;
    static const struct {
        const char *text, *code;
    } cases[] = {
        {"", "har-empty"},
        {"<!doctype html><html></html>", "har-html"},
        {"42", "har-not-json"},
        {"[1]", "har-bad-structure"},
        {"{}", "har-not-har"},
        {"{\"log\":[]}", "har-bad-structure"},
        {"{\"log\":{\"entries\":{}}}", "har-bad-structure"},
        {"{\"log\":{\"entries\":[1]}}", "har-bad-structure"},
        {"{\"log\":{\"entries\":[[]]}}", "har-bad-structure"},
        {"{\"log\":{\"entries\":[{\"request\":[]}]}}", "har-bad-structure"},
        {"{\"log\":{\"entries\":[{\"response\":{\"content\":[]}}]}}", "har-bad-structure"},
        {"{\"log\":{\"entries\":[]}}", "har-no-usage"},
        {"{\"log\":{\"entries\":[}}", "har-json-syntax"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(convert_one(f, ESPI_FORMAT_HAR, cases[i].text, "n.har"), ESPI_E_INPUT);
        assert_string_equal(f->err.code, cases[i].code);
    }
    char deep[200] = "{\"log\":{\"entries\":[{\"request\":";
    size_t at = strlen(deep);
    while (at < sizeof deep - 1)
        deep[at++] = '[';
    deep[at] = '\0';
    assert_int_equal(convert_one(f, ESPI_FORMAT_HAR, deep, "n.har"), ESPI_E_INPUT);
    assert_string_equal(f->err.code, "har-bad-structure");
}

/* A stream of a HAR whose one answer body is size bytes long, made as it
 * is read. */
typedef struct big_har {
    const char *head, *tail;
    size_t head_len, tail_len, size, at;
} big_har;

static ssize_t big_read(void *cookie, char *buf, size_t n)
{
    big_har *b = cookie;
    size_t total = b->head_len + b->size + b->tail_len, k = 0;
    for (; k < n && b->at < total; k++, b->at++) {
        size_t i = b->at;
        buf[k] = i < b->head_len             ? b->head[i]
                 : i < b->head_len + b->size ? ' '
                                             : b->tail[i - b->head_len - b->size];
    }
    return (ssize_t)k;
}

static int big_convert(fixture *f, big_har *b)
{
    cookie_io_functions_t io = {big_read, NULL, NULL, NULL};
    FILE *in = fopencookie(b, "rb", io);
    assert_non_null(in);
    clear(f);
    espi_convert_options co;
    espi_convert_options_init(&co);
    co.tz = f->tz;
    co.on_diag = collect;
    co.diag_ctx = f;
    espi_converter *c = NULL;
    assert_int_equal(espi_converter_new(&c, &co, &f->err), 0);
    f->rc = espi_converter_add(c, in, "big.har", ESPI_FORMAT_HAR, &f->err);
    if (f->rc == 0)
        f->rc = espi_converter_finish(c, &f->feed, &f->err);
    espi_converter_free(c);
    fclose(in);
    return f->rc;
}

/* A long body is read (reads grow inside it); one past the cap is refused
 * with its own code. */
static void test_har_body_cap(void **state)
{
    fixture *f = *state;
    char *good = poll_text("COMPLETE", JUNE15);
    /* the blanks go inside the body, before its closing brace */
    size_t glen = strlen(good);
    char head[4096];
    snprintf(head, sizeof head,
             "{\"log\":{\"entries\":[{\"request\":{\"method\":\"POST\",\"url\":\"" POLL_URL
             "\"},\"response\":{\"status\":200,\"content\":{%.*s",
             (int)(glen - 2), good);
    big_har b = {head, "}\"}}}]}}", strlen(head), 8, (size_t)3 << 20, 0};
    assert_int_equal(big_convert(f, &b), 0);
    espi_feed_stats st;
    espi_feed_stats_get(&st, f->feed);
    assert_int_equal(st.readings, 1);

    b.size = HAR_MAX_BODY;
    b.at = 0;
    assert_int_equal(big_convert(f, &b), ESPI_E_LIMIT);
    assert_string_equal(f->err.code, "har-too-large");
    assert_non_null(strstr(f->err.message, "64 MiB"));
    free(good);
}

/* ------------------------------------------------------------------ */
/* Detection                                                           */
/* ------------------------------------------------------------------ */

static void expect_format(const char *text, espi_format want)
{
    espi_format got = ESPI_FORMAT_AUTO;
    espi_error err;
    assert_int_equal(espi_format_detect(&got, (const unsigned char *)text, strlen(text), "x", &err),
                     0);
    assert_int_equal(got, want);
}

static void test_detection(void **state)
{
    (void)state;
    expect_format("[{\"status\":\"COMPLETE\",\"data\":{}}]", ESPI_FORMAT_SMARTHUB_JSON);
    expect_format(" [\n {\"data\":{\"ELECTRIC\":[]}}]", ESPI_FORMAT_SMARTHUB_JSON);
    expect_format("{\"ELECTRIC\":[]}", ESPI_FORMAT_SMARTHUB_JSON);
    expect_format("{\"GAS\" : []}", ESPI_FORMAT_SMARTHUB_JSON);
    expect_format("{\"status\":\"SUCCESS\",\"authorizationToken\":\"t\"}",
                  ESPI_FORMAT_SMARTHUB_JSON);
    expect_format("{\"log\":{\"version\":\"1.2\",\"creator\":{},\"entries\":[]}}", ESPI_FORMAT_HAR);
    expect_format("\xEF\xBB\xBF {\"log\" : {\"entries\":[{\"response\":{\"status\":200}}]}}",
                  ESPI_FORMAT_HAR);
    expect_format("[{\"account\":\"1\",\"customer\":\"2\",\"status\":\"x\"}]",
                  ESPI_FORMAT_SMARTHUB_ACCOUNT);
    expect_format("[{\"accountBillingMap\":{}}]", ESPI_FORMAT_SMARTHUB_ACCOUNT);
    espi_format got;
    espi_error err;
    const char *not_poll = "[1, {\"status\":1}]";
    assert_int_equal(
        espi_format_detect(&got, (const unsigned char *)not_poll, strlen(not_poll), "x", &err),
        ESPI_E_INPUT);
    const char *no_key = "{\"fuel\":\"ELECTRIC\"}";
    assert_int_equal(
        espi_format_detect(&got, (const unsigned char *)no_key, strlen(no_key), "x", &err),
        ESPI_E_INPUT);
    assert_false(sh_har_sniff((const unsigned char *)"{\"log\":1}", 9));
    assert_false(sh_har_sniff((const unsigned char *)"[{\"log\":{\"entries\":[]}}]", 24));
    assert_int_equal(espi_format_parse(&got, "har"), 0);
    assert_int_equal(got, ESPI_FORMAT_HAR);
    assert_string_equal(espi_format_name(ESPI_FORMAT_HAR), "har");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_array_of_polls, setup, teardown),
        cmocka_unit_test_setup_teardown(test_array_element_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_array_fixture, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_status_and_bare_body, setup, teardown),
        cmocka_unit_test_setup_teardown(test_login_and_other_answers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_har_chunk_sizes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_har_fixture, setup, teardown),
        cmocka_unit_test_setup_teardown(test_har_entries_skipped_and_said, setup, teardown),
        cmocka_unit_test_setup_teardown(test_har_answer_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_har_not_a_har, setup, teardown),
        cmocka_unit_test_setup_teardown(test_har_body_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_detection, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
