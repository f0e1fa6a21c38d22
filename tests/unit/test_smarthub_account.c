/* SPDX-License-Identifier: Apache-2.0 */
/* test_smarthub_account.c - the SmartHub account metadata reader (user-data
 * and billing JSON): the records it hands the converter, at every chunk
 * size; the errors, with their locations; its limits; the format sniff;
 * that nothing personal (names, addresses, e-mail, phone, the hint answer)
 * reaches a record or a message; and the zone check of CSV exports against
 * the last bill read dates (accounts_check_zone). */
#include "testutil.h"

#include "convert/input.h"
#include "convert/model.h"
#include "convert/smarthub/account.h"

#include <stdlib.h>
#include <string.h>

#define USER_DATA "smarthub/account/valid_user_data_two_locations.json"
#define BILLING "smarthub/account/valid_billing.json"
#define MALFORMED "smarthub/account/invalid_account-json-syntax_missing_comma.json"
#define HTML "smarthub/account/invalid_account-html_error_page.json"
#define POLL "smarthub/valid_hourly_netmeter_5h.json"

/* Text of the fixtures that must never be kept or shown. */
static const char *const personal[] = {
    "PAT",      "MEMBER",  "pat.member", "example",   "541-555", "EXAMPLE RD", "BEND",
    "97701",    "Biscuit", "Corgi",      "first pet", "hint",    "LEE FORMER", "lee.former",
    "OLD MILL", "REDMOND", "700456",     "Home",      "Shop",    "3021045000", "4400199002",
};

typedef struct fixture {
    account_info *accounts;
    size_t naccounts;
    espi_error err;
    test_diags diags;
    char messages[4096]; /* every diagnostic: file, where and message */
    size_t messages_len;
    int rc;
} fixture;

static void collect(const espi_diag *d, void *ctx)
{
    fixture *f = ctx;
    test_collect_diag(d, &f->diags);
    size_t room = sizeof f->messages - f->messages_len;
    int n = snprintf(f->messages + f->messages_len, room, "%s|%s|%s\n", d->file ? d->file : "",
                     d->where ? d->where : "", d->message ? d->message : "");
    if (n > 0)
        f->messages_len += (size_t)n < room ? (size_t)n : room - 1;
}

static void clear(fixture *f)
{
    for (size_t i = 0; i < f->naccounts; i++)
        account_info_free(&f->accounts[i]);
    free(f->accounts);
    f->accounts = NULL;
    f->naccounts = 0;
    memset(&f->diags, 0, sizeof f->diags);
    f->messages[0] = '\0';
    f->messages_len = 0;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    clear(f);
    free(f);
    return 0;
}

/* Reads in chunk bytes at a time (0: the reader's own size). */
static int read_stream(fixture *f, FILE *s, const char *name, size_t chunk)
{
    clear(f);
    convert_input in = {0};
    in.name = name;
    in.source = 3;
    in.on_diag = collect;
    in.diag_ctx = f;
    in.accounts = &f->accounts;
    in.naccounts = &f->naccounts;
    f->rc = chunk ? sh_account_read_chunked(&in, s, chunk, &f->err)
                  : sh_account_read_into(&in, s, &f->err);
    return f->rc;
}

static int read_text(fixture *f, const char *json, size_t chunk)
{
    FILE *s = test_stream(json);
    int rc = read_stream(f, s, "account.json", chunk);
    fclose(s);
    return rc;
}

static int read_file(fixture *f, const char *relative, size_t chunk)
{
    FILE *s = fopen(test_fixture(relative), "rb");
    assert_non_null(s);
    int rc = read_stream(f, s, relative, chunk);
    fclose(s);
    return rc;
}

static bool same_text(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* The record for (account, location); location NULL: the account-wide one. */
static const account_info *record(const fixture *f, const char *account, const char *location)
{
    for (size_t i = 0; i < f->naccounts; i++)
        if (same_text(f->accounts[i].account, account) &&
            same_text(f->accounts[i].location, location))
            return &f->accounts[i];
    fail_msg("no record for account %s, location %s", account, location ? location : "(all)");
    return NULL;
}

static void expect_record(const fixture *f, const char *account, const char *location,
                          const char *tariff, const char *cycle, const char *meters, uint32_t line)
{
    const account_info *r = record(f, account, location);
    assert_true(same_text(r->tariff_profile, tariff));
    assert_true(same_text(r->read_cycle, cycle));
    char joined[256] = "";
    size_t len = 0;
    for (size_t i = 0; i < r->nmeters; i++)
        len +=
            (size_t)snprintf(joined + len, sizeof joined - len, "%s%s", i ? "," : "", r->meters[i]);
    assert_string_equal(joined, meters);
    assert_int_equal(r->line, line);
    assert_int_equal(r->source, 3);
}

static void expect_error(fixture *f, const char *json, int status, const char *code,
                         unsigned long line)
{
    assert_int_equal(read_text(f, json, 0), status);
    assert_string_equal(f->err.code, code);
    assert_string_equal(f->err.file, "account.json");
    if (line)
        assert_int_equal(f->err.line, line);
    assert_true(strlen(f->err.message) > 10);
}

/* ------------------------------------------------------------------ */
/* The fixtures                                                        */
/* ------------------------------------------------------------------ */

static void test_user_data(void **state)
{
    fixture *f = *state;
    assert_int_equal(read_file(f, USER_DATA, 0), 0);
    assert_int_equal(f->naccounts, 2);
    /* both location maps, schedules merged; the " " meter key left out */
    expect_record(f, "4400123001", "71005500", "R1:CEC,NM1:CEC", NULL, "88120045", 15);
    expect_record(f, "4400123001", "71005501", "GS1:CEC", NULL, "88120046", 25);
    /* the last bill read dates (ms) of the location that has them, as seconds */
    const account_info *home = record(f, "4400123001", "71005500");
    assert_int_equal(home->read_dates_given, 3);
    assert_int_equal(home->read_dates[0], 1790060400);
    assert_int_equal(home->read_dates[1], 1792652400);
    assert_int_equal(home->read_date_lines[0], 20);
    assert_int_equal(home->read_date_lines[1], 21);
    assert_false(home->wall_clock);
    assert_int_equal(record(f, "4400123001", "71005501")->read_dates_given, 0); /* null */
    assert_int_equal(f->diags.warnings, 1);
    int i = test_diag_find(&f->diags, "account-inactive");
    assert_true(i >= 0);
    assert_int_equal(f->diags.lines[i], 62);
    assert_non_null(strstr(f->diags.last_message, "account #2"));
}

static void test_billing(void **state)
{
    fixture *f = *state;
    assert_int_equal(read_file(f, BILLING, 0), 0);
    assert_int_equal(f->naccounts, 3);
    expect_record(f, "4400123001", NULL, "NiteFlex On Peak", "3", "", 16);
    expect_record(f, "4400123001", "71005500", "NiteFlex On Peak,NiteFlex Off Peak", NULL,
                  "88120045,88120047", 35);
    expect_record(f, "4400123003", NULL, NULL, "7", "", 50);
    /* the account-wide record comes first, so the location's own wins */
    assert_null(f->accounts[0].location);
    assert_string_equal(f->accounts[1].location, "71005500");
    assert_int_equal(f->diags.count, 0);
}

static void assert_clean(const char *text, const char *what)
{
    if (text == NULL)
        return;
    for (size_t i = 0; i < sizeof personal / sizeof personal[0]; i++)
        if (strstr(text, personal[i]) != NULL)
            fail_msg("%s holds personal text \"%s\": %s", what, personal[i], text);
}

static void assert_nothing_personal(const fixture *f)
{
    for (size_t i = 0; i < f->naccounts; i++) {
        const account_info *r = &f->accounts[i];
        assert_clean(r->account, "account");
        assert_clean(r->location, "location");
        assert_clean(r->tariff_profile, "tariff profile");
        assert_clean(r->read_cycle, "read cycle");
        for (size_t m = 0; m < r->nmeters; m++)
            assert_clean(r->meters[m], "meter");
    }
    assert_clean(f->messages, "a diagnostic");
    assert_clean(f->err.message, "the error");
    assert_clean(f->err.where, "the error's place");
}

/* Also when the parse stops inside the personal part. */
static void test_nothing_personal(void **state)
{
    fixture *f = *state;
    const char *files[] = {USER_DATA, BILLING, MALFORMED};
    for (size_t i = 0; i < 3; i++) {
        read_file(f, files[i], 0);
        assert_nothing_personal(f);
    }
    FILE *s = fopen(test_fixture(BILLING), "rb");
    assert_non_null(s);
    char text[8192];
    size_t n = fread(text, 1, sizeof text - 1, s);
    fclose(s);
    text[n] = '\0';
    char *cut = strstr(text, "Biscuit");
    assert_non_null(cut);
    cut[4] = '\0'; /* "Bisc": an unterminated string */
    assert_int_equal(read_text(f, text, 0), ESPI_E_INPUT);
    assert_string_equal(f->err.code, "account-json-syntax");
    assert_nothing_personal(f);
    /* a number in the error would identify the member */
    read_file(f, MALFORMED, 0);
    assert_null(strstr(f->err.message, "4400123001"));
    assert_null(strstr(f->err.message, "71005500"));
}

static void expect_same_records(const fixture *a, const fixture *b)
{
    assert_int_equal(a->naccounts, b->naccounts);
    for (size_t i = 0; i < a->naccounts; i++) {
        const account_info *x = &a->accounts[i], *y = &b->accounts[i];
        assert_true(same_text(x->account, y->account));
        assert_true(same_text(x->location, y->location));
        assert_true(same_text(x->tariff_profile, y->tariff_profile));
        assert_true(same_text(x->read_cycle, y->read_cycle));
        assert_int_equal(x->nmeters, y->nmeters);
        for (size_t m = 0; m < x->nmeters; m++)
            assert_string_equal(x->meters[m], y->meters[m]);
        assert_int_equal(x->line, y->line);
        assert_int_equal(x->read_dates_given, y->read_dates_given);
        for (int k = 0; k < 2; k++)
            if (x->read_dates_given & (1u << k)) {
                assert_int_equal(x->read_dates[k], y->read_dates[k]);
                assert_int_equal(x->read_date_lines[k], y->read_date_lines[k]);
            }
    }
}

static void test_chunk_sizes(void **state)
{
    fixture *whole = *state;
    fixture *cut = calloc(1, sizeof *cut);
    assert_non_null(cut);
    const size_t chunks[] = {1, 2, 3, 7, 64, 1000};
    const char *files[] = {USER_DATA, BILLING};
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(read_file(whole, files[i], 0), 0);
        for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
            assert_int_equal(read_file(cut, files[i], chunks[c]), 0);
            expect_same_records(whole, cut);
            assert_int_equal(cut->diags.count, whole->diags.count);
        }
    }
    /* The line holds at any cut. The column may not: yajl steps back over
     * the offending token, but not past the start of the chunk it got. */
    assert_int_equal(read_file(whole, MALFORMED, 0), ESPI_E_INPUT);
    for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
        assert_int_equal(read_file(cut, MALFORMED, chunks[c]), ESPI_E_INPUT);
        assert_string_equal(cut->err.code, whole->err.code);
        assert_int_equal(cut->err.line, whole->err.line);
        assert_true(cut->err.column >= 1 && cut->err.column <= 40);
    }
    clear(cut);
    free(cut);
}

/* ------------------------------------------------------------------ */
/* Errors                                                              */
/* ------------------------------------------------------------------ */

static void test_malformed(void **state)
{
    fixture *f = *state;
    assert_int_equal(read_file(f, MALFORMED, 0), ESPI_E_INPUT);
    assert_string_equal(f->err.code, "account-json-syntax");
    assert_int_equal(f->err.line, 8);
    assert_int_equal(f->err.column, 7); /* inside "activeRateSchedules" */
    assert_non_null(strstr(f->err.message, "malformed JSON"));
    assert_int_equal(f->naccounts, 0);
    expect_error(f, "[{\"account\":\"1\",\n\"inactive\":", ESPI_E_INPUT, "account-json-syntax", 2);
    assert_non_null(strstr(f->err.message, "premature"));
}

static void test_not_json(void **state)
{
    fixture *f = *state;
    assert_int_equal(read_file(f, HTML, 0), ESPI_E_INPUT);
    assert_string_equal(f->err.code, "account-html");
    assert_int_equal(f->err.line, 2);
    assert_non_null(strstr(f->err.message, "user-data"));
    expect_error(f, "", ESPI_E_INPUT, "account-empty", 0);
    expect_error(f, " \n\t\r\n", ESPI_E_INPUT, "account-empty", 0);
    expect_error(f, "\xEF\xBB\xBF", ESPI_E_INPUT, "account-empty", 0);
    expect_error(f, "Date,Usage\n2026-06-15 00:00 to 2026-06-15 01:00,1.2\n", ESPI_E_INPUT,
                 "account-not-json", 1);
    expect_error(f, "\n\n42", ESPI_E_INPUT, "account-not-json", 3);
    expect_error(f, "\"account\"", ESPI_E_INPUT, "account-not-json", 1);
    assert_non_null(strstr(f->err.message, "secured/billing"));
}

/* JSON, but neither user-data nor billing. */
static void test_unknown_document(void **state)
{
    fixture *f = *state;
    expect_error(f, "[]", ESPI_E_INPUT, "account-unknown-document", 0);
    expect_error(f, "{\"status\":\"FAILURE\",\"isBusinessUser\":false}", ESPI_E_INPUT,
                 "account-unknown-document", 0);
    expect_error(f, "[{\"customerSummary\":{\"hintAnswer\":\"x\"}}]", ESPI_E_INPUT,
                 "account-unknown-document", 0);
    assert_non_null(strstr(f->err.message, "accountBillingMap"));
    assert_int_equal(read_file(f, POLL, 0), ESPI_E_INPUT);
    assert_string_equal(f->err.code, "account-unknown-document");
}

static void test_bad_structure(void **state)
{
    fixture *f = *state;
    expect_error(f, "[1]", ESPI_E_INPUT, "account-bad-structure", 1);
    expect_error(f, "[{\"account\":\"1\"},\n[]]", ESPI_E_INPUT, "account-bad-structure", 2);
    expect_error(f, "[{\"account\":\"1\",\"serviceLocationIdToServiceLocationSummary\":[]}]",
                 ESPI_E_INPUT, "account-bad-structure", 1);
    assert_non_null(strstr(f->err.message, "serviceLocationIdToServiceLocationSummary"));
    expect_error(f, "[{\"accountBillingMap\":{\"1\":[]}}]", ESPI_E_INPUT, "account-bad-structure",
                 1);
    expect_error(f,
                 "[{\"account\":\"1\",\"serviceLocationIdToServiceLocationSummary\":{\"9\":{"
                 "\"meterNumbersToExternalMeterBaseIds\":[\"m\"]}}}]",
                 ESPI_E_INPUT, "account-bad-structure", 1);
    expect_error(f, "[{\"account\":true}]", ESPI_E_INPUT, "account-bad-field", 1);
    assert_non_null(strstr(f->err.message, "\"account\""));
    expect_error(f, "[{\"accountBillingMap\":{\"1\":{\"billingCycle\":false}}}]", ESPI_E_INPUT,
                 "account-bad-field", 1);
}

/* A document that fails adds nothing, not even the accounts before the
 * error; what the converter held before stays. */
static void test_all_or_nothing(void **state)
{
    fixture *f = *state;
    const char *json = "[{\"account\":\"1\",\"primaryServiceLocationId\":\"9\"},\n"
                       "{\"account\":\"2\",\"primaryServiceLocationId\":\"8\"},\n"
                       "{\"account\":true}]";
    assert_int_equal(read_text(f, json, 0), ESPI_E_INPUT);
    assert_int_equal(f->err.line, 3);
    assert_int_equal(f->naccounts, 0);

    assert_int_equal(read_file(f, BILLING, 0), 0);
    assert_int_equal(f->naccounts, 3);
    convert_input in = {0};
    in.name = "second.json";
    in.accounts = &f->accounts;
    in.naccounts = &f->naccounts;
    FILE *s = test_stream(json);
    assert_int_equal(sh_account_read_chunked(&in, s, 5, &f->err), ESPI_E_INPUT);
    fclose(s);
    assert_int_equal(f->naccounts, 3);
    expect_record(f, "4400123003", NULL, NULL, "7", "", 50);
}

static void test_limits(void **state)
{
    fixture *f = *state;
    char json[4096];
    size_t len = (size_t)snprintf(json, sizeof json, "[{\"account\":\"1\",\"x\":");
    for (int i = 0; i < 100; i++)
        json[len++] = '[';
    for (int i = 0; i < 100; i++)
        json[len++] = ']';
    snprintf(json + len, sizeof json - len, "}]");
    expect_error(f, json, ESPI_E_INPUT, "account-too-deep", 1);

    /* a long personal field is skipped; a long kept one is refused */
    size_t big = 70000;
    char *text = malloc(big + 128);
    assert_non_null(text);
    len = (size_t)snprintf(text, 128, "[{\"account\":\"1\",\"customer\":\"2\",\"customerName\":\"");
    memset(text + len, 'A', 5000);
    snprintf(text + len + 5000, 128, "\"}]");
    assert_int_equal(read_text(f, text, 0), 0);
    assert_int_equal(f->naccounts, 1);
    memset(text + len, 'A', big);
    snprintf(text + len + big, 128, "\"}]");
    expect_error(f, text, ESPI_E_LIMIT, "account-token-too-long", 1);
    len = (size_t)snprintf(text, 128, "[{\"account\":\"");
    memset(text + len, '7', 300);
    snprintf(text + len + 300, 128, "\"}]");
    expect_error(f, text, ESPI_E_LIMIT, "account-text-too-long", 1);
    free(text);
    expect_error(f, "[{\"account\":\"1\\u00002\"}]", ESPI_E_INPUT, "account-nul", 1);

    char *many = malloc(64 * 16 + 256);
    assert_non_null(many);
    len = (size_t)snprintf(many, 256,
                           "[{\"account\":\"1\",\"serviceLocationIdToServiceLocation"
                           "Summary\":{\"9\":{\"activeRateSchedules\":[");
    for (int i = 0; i < 33; i++)
        len += (size_t)snprintf(many + len, 16, "%s\"R%d\"", i ? "," : "", i);
    snprintf(many + len, 256, "]}}}]");
    expect_error(f, many, ESPI_E_LIMIT, "account-too-many", 1);
    free(many);
}

/* ------------------------------------------------------------------ */
/* What is read                                                        */
/* ------------------------------------------------------------------ */

/* Keys in any order; both location maps merged; blanks and nulls skipped. */
static void test_order_and_merging(void **state)
{
    fixture *f = *state;
    const char *json =
        "[{\"serviceLocationToUserDataServiceLocationSummaries\":{\"9\":[{\"activeRate"
        "Schedules\":[\"B\",\"\",\" \",null]}],\" \":[{\"activeRateSchedules\":[\"X\"]}]},\n"
        "\"serviceLocationIdToServiceLocationSummary\":{\"9\":{\"activeRateSchedules\":[\"A\","
        "\"B\"],\"meterNumbersToExternalMeterBaseIds\":{\"m1\":\"9+1\",\"\":\"9+2\","
        "\"m1\":\"9+3\",\"m2\":null}},\"8\":null},\n"
        "\"inactive\":false,\"account\":4400123001}]";
    assert_int_equal(read_text(f, json, 0), 0);
    assert_int_equal(f->naccounts, 2);
    expect_record(f, "4400123001", "9", "B,A", NULL, "m1,m2", 1);
    expect_record(f, "4400123001", "8", NULL, NULL, "", 2);
    assert_int_equal(f->diags.count, 0);
}

static void test_account_without_locations(void **state)
{
    fixture *f = *state;
    assert_int_equal(read_text(f,
                               "[{\"account\":\"1\",\"primaryServiceLocationId\":\"9\"},\n"
                               "{\"account\":\"2\",\"customer\":\"5\"}]",
                               0),
                     0);
    assert_int_equal(f->naccounts, 2);
    expect_record(f, "1", "9", NULL, NULL, "", 1);
    expect_record(f, "2", NULL, NULL, NULL, "", 2);
    /* one object instead of an array */
    assert_int_equal(read_text(f, "{\"account\":\"3\"}", 0), 0);
    expect_record(f, "3", NULL, NULL, NULL, "", 1);
}

static void test_skipped_accounts(void **state)
{
    fixture *f = *state;
    assert_int_equal(
        read_text(f,
                  "[{\"account\":\"1\",\"inactive\":\"true\"},\n"
                  "{\"serviceLocationIdToServiceLocationSummary\":{\"9\":{}}},\n"
                  "{\"account\":\" \",\"primaryServiceLocationId\":\"9\"},\n"
                  "{\"account\":\"4\",\"inactive\":true,\"primaryServiceLocationId\":\"9\"}]",
                  0),
        0);
    assert_int_equal(f->naccounts, 0);
    assert_int_equal(f->diags.warnings, 4);
    assert_string_equal(f->diags.codes[0], "account-inactive");
    assert_int_equal(f->diags.lines[0], 1);
    assert_string_equal(f->diags.codes[1], "account-no-number");
    assert_int_equal(f->diags.lines[1], 2);
    assert_string_equal(f->diags.codes[2], "account-no-number");
    assert_string_equal(f->diags.codes[3], "account-inactive");
    assert_non_null(strstr(f->diags.last_message, "account #4"));
    assert_int_equal(read_text(f, "[{\"accountBillingMap\":{\"\":{\"billingCycle\":\"1\"}}}]", 0),
                     0);
    assert_int_equal(f->naccounts, 0);
    assert_int_equal(test_diag_find(&f->diags, "account-no-number"), 0);
}

/* primaryRateSchedule on the account, serviceLocationMap right under the
 * service (no providerBillingMap), meters without a rate schedule. */
static void test_billing_shapes(void **state)
{
    fixture *f = *state;
    const char *json =
        "[{\"accountBillingMap\":{\"1\":{\"primaryRateSchedule\":\"R1\",\"serviceBillingMap\":"
        "{\"ELEC\":{\"serviceLocationMap\":{\"9\":{\"meters\":{\"m1\":{\"rateSchedule\":\"R1\"},"
        "\" \":{\"rateSchedule\":\"Z\"},\"m2\":{}}}}}},\n"
        "\"billingCycle\":3},\n"
        "\"2\":{\"serviceBillingMap\":{\"ELEC\":{\"providerBillingMap\":{\"A\":{\"primaryRate"
        "Schedule\":\"P\",\"serviceLocationMap\":{\"7\":{\"meters\":{\"m3\":{}}}}},\"B\":{"
        "\"primaryRateSchedule\":\"Q\"}}}}}}}]";
    assert_int_equal(read_text(f, json, 0), 0);
    assert_int_equal(f->naccounts, 4);
    expect_record(f, "1", NULL, "R1", "3", "", 1);
    expect_record(f, "1", "9", "R1", NULL, "m1,m2", 1);
    expect_record(f, "2", NULL, "P,Q", NULL, "", 3);
    expect_record(f, "2", "7", NULL, NULL, "m3", 3);
}

static void test_byte_order_mark(void **state)
{
    fixture *f = *state;
    const char *json = "\xEF\xBB\xBF\n[{\"account\":\"1\",\"primaryServiceLocationId\":\"9\"}]";
    for (size_t chunk = 0; chunk < 5; chunk++) {
        assert_int_equal(read_text(f, json, chunk), 0);
        expect_record(f, "1", "9", NULL, NULL, "", 2);
    }
    expect_error(f, "\xEF\xBB[]", ESPI_E_INPUT, "account-not-json", 1);
}

/* ------------------------------------------------------------------ */
/* Format detection                                                    */
/* ------------------------------------------------------------------ */

static bool sniff_text(const char *s)
{
    return sh_account_sniff((const unsigned char *)s, strlen(s));
}

static bool sniff_file(const char *relative)
{
    FILE *s = fopen(test_fixture(relative), "rb");
    assert_non_null(s);
    static unsigned char head[65536];
    size_t n = fread(head, 1, sizeof head, s);
    fclose(s);
    return sh_account_sniff(head, n);
}

static void test_sniff(void **state)
{
    (void)state;
    assert_true(sniff_file(USER_DATA));
    assert_true(sniff_file(BILLING));
    assert_true(sniff_file(MALFORMED));
    assert_false(sniff_file(HTML));
    assert_false(sniff_file(POLL));
    assert_true(sniff_text("\xEF\xBB\xBF \n[{\"accountBillingMap\" : {}}]"));
    assert_true(sniff_text("[{\"account\":\"1\",\"customer\":\"2\"}]"));
    assert_true(sniff_text("{\"primaryServiceLocationId\":\"9\",\"account\" :\"1\"}"));
    assert_false(sniff_text("{\"account\":\"1\"}"));
    assert_false(sniff_text("[{\"x\":\"account\",\"customer\":\"1\"}]"));
    assert_false(sniff_text("[{\"accountNumber\":\"1\",\"customerName\":\"2\"}]"));
    assert_false(sniff_text("x[{\"accountBillingMap\":{}}]"));
    assert_false(sniff_text("accountBillingMap"));
    assert_false(sniff_text(""));
    assert_false(sh_account_sniff((const unsigned char *)"[", 0));
    /* only the first 64 KiB count */
    size_t pad = 70000;
    char *late = malloc(pad + 65);
    assert_non_null(late);
    late[0] = '[';
    memset(late + 1, ' ', pad);
    snprintf(late + 1 + pad, 64, "{\"accountBillingMap\":{}}]");
    assert_false(sniff_text(late));
    free(late);
}

/* Read dates as strings are read too; one that is not a time is left out
 * with a warning (it only serves the zone check). */
static void test_read_dates(void **state)
{
    fixture *f = *state;
    assert_int_equal(
        read_text(f,
                  "[{\"account\": \"1\", \"serviceLocationIdToServiceLocationSummary\": "
                  "{\"7\": {\"lastBillPrevReadDtTm\": \"1768453200000\",\n"
                  "\"lastBillPresReadDtTm\": \"soon\"},\n"
                  "\"8\": {\"lastBillPresReadDtTm\": -5}}}]",
                  0),
        0);
    const account_info *a = record(f, "1", "7");
    assert_int_equal(a->read_dates_given, 1);
    assert_int_equal(a->read_dates[0], 1768453200); /* 2026-01-15 05:00Z */
    assert_int_equal(a->read_date_lines[0], 1);
    assert_int_equal(record(f, "1", "8")->read_dates_given, 0);
    assert_int_equal(f->diags.warnings, 2);
    int i = test_diag_find(&f->diags, "account-read-date");
    assert_int_equal(f->diags.lines[i], 2);
    assert_int_equal(f->diags.lines[i + 1], 3);
    assert_non_null(strstr(f->diags.last_message, "\"lastBillPresReadDtTm\" of service location "
                                                  "#2 is not a time in epoch milliseconds"));
}

/* ------------------------------------------------------------------ */
/* The zone of CSV exports                                             */
/* ------------------------------------------------------------------ */

#define MAY15_06Z 1778824800  /* 2026-05-15 06:00Z: midnight MDT */
#define JUNE15_06Z 1781503200 /* 2026-06-15 06:00Z: midnight MDT */
#define JAN15_05Z 1768453200  /* 2026-01-15 05:00Z: midnight EST */

typedef struct zone_case {
    espi_feed *feed;
    char csv_account[16], account[16], location[2][16];
    account_info records[3];
    size_t n;
    espi_error err;
    fixture diags; /* for its collector */
} zone_case;

/* A feed with the usage point of a CSV export (source 0, account csv_account)
 * and its wall-clock record; an account file (source 1) with read dates. */
static void zone_case_init(zone_case *z, const char *csv_account, const char *account, int64_t prev,
                           int64_t pres)
{
    memset(z, 0, sizeof *z);
    snprintf(z->csv_account, sizeof z->csv_account, "%s", csv_account);
    snprintf(z->account, sizeof z->account, "%s", account);
    snprintf(z->location[0], sizeof z->location[0], "80012345");
    snprintf(z->location[1], sizeof z->location[1], "80012346");
    assert_int_equal(model_feed_new(&z->feed), 0);
    uint16_t source;
    espi_error err;
    assert_int_equal(model_feed_add_source(z->feed, "usage.csv", &source, &err), 0);
    assert_int_equal(model_feed_add_source(z->feed, "user_data.json", &source, &err), 0);
    model_usage_point *up = model_feed_usage_point(z->feed, csv_account, "");
    assert_non_null(up);
    model_channel_key key = model_channel_key_make("", 1, 72);
    model_channel *ch = model_usage_point_channel(up, &key);
    assert_non_null(ch);
    model_reading r = {.start = JUNE15_06Z, .value = 500, .duration = 3600, .source = 0};
    assert_int_equal(model_channel_append(ch, &r), 0);
    z->records[0] = (account_info){.account = z->csv_account, .line = 3, .wall_clock = true};
    z->records[1] = (account_info){.account = z->account,
                                   .location = z->location[0],
                                   .line = 15,
                                   .source = 1,
                                   .read_dates = {prev, pres},
                                   .read_date_lines = {18, 19},
                                   .read_dates_given = (uint8_t)((prev ? 1 : 0) | (pres ? 2 : 0))};
    z->n = 2;
}

static int zone_check(zone_case *z, const char *tz_name, bool given)
{
    espi_tz *tz = NULL;
    espi_error err;
    assert_int_equal(espi_tz_load(&tz, tz_name, &err), 0);
    clear(&z->diags);
    memset(&z->err, 0, sizeof z->err);
    int rc = accounts_check_zone(z->feed, z->records, z->n, tz, given, collect, &z->diags, &z->err);
    espi_tz_free(tz);
    return rc;
}

static void test_zone_of_csv(void **state)
{
    (void)state;
    zone_case z;
    zone_case_init(&z, "1234567001", "1234567001", MAY15_06Z, JUNE15_06Z);
    /* read in the right zone: said as an info */
    assert_int_equal(zone_check(&z, "America/Denver", true), 0);
    assert_int_equal(z.diags.diags.count, 1);
    assert_int_equal(z.diags.diags.warnings, 0);
    assert_string_equal(z.diags.diags.codes[0], "csv-zone-checked");
    assert_int_equal(z.diags.diags.lines[0], 3);
    assert_non_null(strstr(z.diags.diags.last_message, "read in America/Denver: the 2 last bill"));
    /* in the default zone: an error at the earliest read date, naming the zone it implies */
    assert_int_equal(zone_check(&z, "America/Los_Angeles", false), ESPI_E_INPUT);
    assert_string_equal(z.err.code, "csv-zone");
    assert_string_equal(z.err.file, "user_data.json");
    assert_int_equal(z.err.line, 18);
    assert_string_equal(z.err.where, "lastBillPrevReadDtTm");
    assert_string_equal(z.err.message,
                        "the account's last bill read date 2026-05-15 06:00Z is local midnight at "
                        "UTC-6, but the CSV export usage.csv of the same account was read in "
                        "America/Los_Angeles, where that instant is 2026-05-14 23:00 (UTC-7); give "
                        "--tz America/Denver or another UTC-6 zone (America/Regina, "
                        "America/Mexico_City)");
    assert_null(strstr(z.err.message, "1234567001")); /* no account number in messages */
    espi_feed_free(z.feed);

    /* an Eastern co-op's bill read in winter */
    zone_case_init(&z, "1234567001", "1234567001", JAN15_05Z, 0);
    assert_int_equal(zone_check(&z, "America/Chicago", true), ESPI_E_INPUT);
    assert_non_null(strstr(z.err.message, "2026-01-15 05:00Z is local midnight at UTC-5"));
    assert_non_null(strstr(z.err.message, "give --tz America/New_York or another UTC-5 zone"));
    assert_int_equal(zone_check(&z, "America/New_York", true), 0);
    espi_feed_free(z.feed);
}

/* No read date of the export's account: the default zone is said to be
 * assumed; a zone given with --tz is taken as it is. */
static void test_zone_without_evidence(void **state)
{
    (void)state;
    zone_case z;
    zone_case_init(&z, "1234567001", "4400123001", MAY15_06Z, JUNE15_06Z); /* another account */
    assert_int_equal(zone_check(&z, "America/Los_Angeles", false), 0);
    assert_int_equal(z.diags.diags.warnings, 1);
    assert_string_equal(z.diags.diags.codes[0], "csv-zone-assumed");
    assert_non_null(strstr(z.diags.diags.last_message, "read in America/Los_Angeles, the default "
                                                       "zone, unchecked"));
    assert_int_equal(zone_check(&z, "America/Los_Angeles", true), 0);
    assert_int_equal(z.diags.diags.count, 0);
    espi_feed_free(z.feed);
    zone_case_init(&z, "1234567001", "1234567001", 0, 0); /* the dates are null */
    assert_int_equal(zone_check(&z, "America/Los_Angeles", false), 0);
    assert_string_equal(z.diags.diags.codes[0], "csv-zone-assumed");
    espi_feed_free(z.feed);
    /* the older usage CSV names no account: the only dated location speaks for it */
    zone_case_init(&z, "", "1234567001", MAY15_06Z, 0);
    assert_int_equal(zone_check(&z, "America/Los_Angeles", false), ESPI_E_INPUT);
    assert_string_equal(z.err.code, "csv-zone");
    z.records[2] = z.records[1];
    z.records[2].location = z.location[1];
    z.n = 3; /* two dated locations: which is its own is not known */
    assert_int_equal(zone_check(&z, "America/Los_Angeles", false), 0);
    assert_string_equal(z.diags.diags.codes[0], "csv-zone-assumed");
    espi_feed_free(z.feed);
}

/* The converter's detection picks this reader, and the records reach the
 * usage point they describe. */
static void test_through_converter(void **state)
{
    (void)state;
    unsigned char head[4096];
    FILE *s = fopen(test_fixture(BILLING), "rb");
    assert_non_null(s);
    size_t n = fread(head, 1, sizeof head, s);
    fclose(s);
    espi_format format = ESPI_FORMAT_AUTO;
    espi_error err;
    assert_int_equal(espi_format_detect(&format, head, n, "billing.json", &err), 0);
    assert_int_equal(format, ESPI_FORMAT_SMARTHUB_ACCOUNT);

    espi_tz *tz = NULL;
    assert_int_equal(espi_tz_load(&tz, "America/Los_Angeles", &err), 0);
    espi_convert_options opts = {.tz = tz};
    espi_converter *c = NULL;
    assert_int_equal(espi_converter_new(&c, &opts, &err), 0);
    const char *inputs[] = {BILLING, POLL};
    for (size_t i = 0; i < 2; i++) {
        FILE *in = fopen(test_fixture(inputs[i]), "rb");
        assert_non_null(in);
        int rc = espi_converter_add(c, in, inputs[i], ESPI_FORMAT_AUTO, &err);
        fclose(in);
        if (rc != 0)
            fail_msg("%s: %s: %s", inputs[i], err.code, err.message);
    }
    espi_feed *feed = NULL;
    assert_int_equal(espi_converter_finish(c, &feed, &err), 0);
    assert_int_equal(feed->nusage_points, 1);
    assert_string_equal(feed->usage_points[0]->tariff_profile,
                        "NiteFlex On Peak,NiteFlex Off Peak");
    assert_string_equal(feed->usage_points[0]->read_cycle, "3");
    espi_feed_free(feed);
    espi_converter_free(c);
    espi_tz_free(tz);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_user_data, setup, teardown),
        cmocka_unit_test_setup_teardown(test_billing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nothing_personal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_chunk_sizes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_json, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_document, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_structure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_all_or_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_order_and_merging, setup, teardown),
        cmocka_unit_test_setup_teardown(test_account_without_locations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_skipped_accounts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_billing_shapes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_byte_order_mark, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sniff, setup, teardown),
        cmocka_unit_test(test_through_converter),
        cmocka_unit_test_setup_teardown(test_read_dates, setup, teardown),
        cmocka_unit_test(test_zone_of_csv),
        cmocka_unit_test(test_zone_without_evidence),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
