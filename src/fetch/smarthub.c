/* SPDX-License-Identifier: Apache-2.0 */
/* smarthub.c - espi_fetch_smarthub: log in, find the account and location
 * in user-data, poll each window, and hand every answer to the converter
 * (and to on_body, for --save-raw). */
#include "fetch/smarthub.h"

#include "common/error.h"
#include "fetch/secret.h"
#include "fetch/totp.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

void espi_fetch_options_init(espi_fetch_options *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->connect_timeout_ms = 20000;
    opts->timeout_ms = 120000;
    opts->poll_interval_ms = 2000;
    opts->budget_ms = 60000;
    opts->max_body = (size_t)256 << 20;
}

void espi_smarthub_query_init(espi_smarthub_query *q)
{
    memset(q, 0, sizeof *q);
}

static int check_options(const espi_fetch_options *o, espi_error *err)
{
    const char *bad = o->connect_timeout_ms <= 0 ? "connect_timeout_ms"
                      : o->timeout_ms <= 0       ? "timeout_ms"
                      : o->poll_interval_ms < 0  ? "poll_interval_ms"
                      : o->budget_ms < 0         ? "budget_ms"
                      : o->max_body == 0         ? "max_body"
                                                 : NULL;
    if (bad)
        return err_fail(err, ESPI_E_ARG, "fetch-options", NULL,
                        "espi_fetch_options.%s is out of range", bad);
    return 0;
}

static bool blank(const char *s)
{
    return s == NULL || s[0] == '\0';
}

/* The query's fields that must be there (the password is checked apart). */
static int check_query(const espi_smarthub_query *q, espi_error *err)
{
    const char *missing = blank(q->url)    ? "the portal's URL (--url)"
                          : blank(q->user) ? "the login (--user)"
                          : q->tz == NULL  ? "the co-op's time zone"
                                           : NULL;
    if (missing)
        return err_fail(err, ESPI_E_ARG, "fetch-query", NULL, "no %s was given", missing);
    if (q->time_frame > ESPI_TIME_FRAME_MONTHLY)
        return err_fail(err, ESPI_E_ARG, "fetch-query", NULL, "unknown time frame %d",
                        (int)q->time_frame);
    if (q->totp_code && (strlen(q->totp_code) < 6 || strlen(q->totp_code) > 8 ||
                         strspn(q->totp_code, "0123456789") != strlen(q->totp_code)))
        return err_fail(err, ESPI_E_ARG, "fetch-totp", NULL,
                        "--totp-code: the MFA code must be the 6 to 8 digits the authenticator "
                        "shows");
    char code[16];
    int rc = q->totp_secret ? fetch_totp(code, q->totp_secret, 0, err) : 0;
    fetch_wipe(code, sizeof code);
    return rc ? rc : fetch_url_check(q->url, "--url", err);
}

static int parse_day(int64_t *day, const char *text, const char *what, espi_error *err)
{
    if (fetch_parse_day(day, text) == 0)
        return 0;
    return err_fail(err, ESPI_E_ARG, "fetch-date", NULL,
                    "%s '%s' is not a date: expected YYYY-MM-DD (a local day of the co-op)", what,
                    text);
}

/* The query's local days: [start, end]; days[0] is left when there is no
 * start. */
static int query_days(const espi_smarthub_query *q, int64_t days[2], espi_error *err)
{
    int rc = check_query(q, err);
    if (rc == 0 && q->start)
        rc = parse_day(&days[0], q->start, "--start", err);
    days[1] = fetch_local_day(q->tz, (int64_t)time(NULL)) - 1;
    if (rc == 0 && q->end)
        rc = parse_day(&days[1], q->end, "--end", err);
    if (rc == 0 && q->start && days[0] > days[1])
        rc = err_fail(err, ESPI_E_ARG, "fetch-date", NULL,
                      "the first day (%s) is after the last (%s%s)", q->start,
                      q->end ? q->end : "yesterday", q->end ? "" : ", the default of --end");
    return rc;
}

int espi_smarthub_query_check(const espi_smarthub_query *q, espi_error *err)
{
    int64_t days[2];
    return query_days(q, days, err);
}

int espi_fetch_url_check(const char *url, espi_error *err)
{
    return fetch_url_check(url ? url : "", "the URL", err);
}

int fetch_check(const espi_fetch_options **opts, espi_fetch_options *defaults,
                const espi_smarthub_query *q, bool need_start, int64_t days[2], espi_error *err)
{
    if (*opts == NULL) {
        espi_fetch_options_init(defaults);
        *opts = defaults;
    }
    int rc = check_options(*opts, err);
    if (rc == 0 && q->password == NULL)
        rc = err_fail(err, ESPI_E_ARG, "fetch-query", NULL, "no password was given");
    if (rc == 0 && need_start && q->start == NULL)
        rc = err_fail(err, ESPI_E_ARG, "fetch-date", NULL,
                      "no first day (--start YYYY-MM-DD) was given");
    return rc ? rc : query_days(q, days, err);
}

/* Polls every window of frame over [first, last] into conv. */
static int fetch_frame(fetch_session *s, espi_converter *conv, int64_t first, int64_t last,
                       espi_time_frame frame, espi_error *err)
{
    fetch_window *w = NULL;
    size_t n = 0;
    int rc = fetch_windows(&w, &n, s->q->tz, first, last, frame, err);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        size_t readings = 0;
        rc = fetch_session_window(s, &w[i], &readings, err);
        if (rc == 0)
            rc = fetch_session_keep(s, conv, w[i].name, ESPI_FORMAT_SMARTHUB_JSON, err);
        if (rc == 0)
            fetch_session_window_done(s, &w[i], readings);
    }
    free(w);
    return rc;
}

int espi_fetch_smarthub(espi_converter *conv, const espi_smarthub_query *q,
                        const espi_fetch_options *opts, espi_error *err)
{
    espi_fetch_options defaults;
    int64_t days[2];
    int rc = fetch_check(&opts, &defaults, q, true, days, err);
    if (rc != 0)
        return rc;
    fetch_session s;
    rc = fetch_session_open(&s, q, opts, err);
    if (rc != 0)
        return rc;
    rc = fetch_session_user_data(&s, err);
    if (rc == 0)
        rc = fetch_session_keep(&s, conv, "user-data.json", ESPI_FORMAT_SMARTHUB_ACCOUNT, err);
    if (rc == 0)
        rc = fetch_frame(&s, conv, days[0], days[1], q->time_frame, err);
    if (rc == 0 && q->bills && q->time_frame != ESPI_TIME_FRAME_MONTHLY)
        rc = fetch_frame(&s, conv, days[0], days[1], ESPI_TIME_FRAME_MONTHLY, err);
    fetch_session_close(&s);
    return rc;
}
