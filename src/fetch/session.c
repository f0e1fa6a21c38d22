/* SPDX-License-Identifier: Apache-2.0 */
/* session.c - one SmartHub session: the login (form-encoded, every field
 * escaped, MFA code from the TOTP secret), secured calls with the bearer
 * token (a 401 logs in again once), waits for 429 and 503 within the
 * window's budget, and the poll loop (PENDING re-posted with the identical
 * body). Every refusal is an error that names the window and what to do. */
#include "fetch/smarthub.h"

#include "common/error.h"
#include "fetch/secret.h"
#include "fetch/totp.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char login_path[] = "/services/oauth/auth/v2";
static const char poll_path[] = "/services/secured/utility-usage/poll";
static const char user_data_path[] = "/services/secured/user-data?userId=";

static const char lockout_note[] =
    "espi does not try again: accounts lock after a few failed logins";

static err_loc where(const fetch_session *s, const char *what)
{
    return (err_loc){s->origin, 0, 0, what};
}

/* ------------------------------------------------------------------ */
/* Waiting                                                             */
/* ------------------------------------------------------------------ */

static void tell_wait(const fetch_session *s, const char *what, const char *reason, double secs)
{
    if (s->o->on_event == NULL)
        return;
    espi_fetch_event ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = ESPI_FETCH_WAIT;
    ev.window = what;
    ev.reason = reason;
    ev.seconds = secs;
    s->o->on_event(&ev, s->o->event_ctx);
}

/* An answer that asks to come back later: 429, or 503 with Retry-After (a
 * 503 without it is a maintenance page or an outage: an error at once). */
static bool busy(const fetch_response *rs)
{
    return rs->status == 429 || (rs->status == 503 && rs->retry_after >= 0);
}

/* Waits as long as Retry-After says (the poll interval when it says
 * nothing), if the budget has that much left. */
static int wait_busy(fetch_session *s, const char *what, double deadline, espi_error *err)
{
    long ms = s->rs.retry_after >= 0 ? s->rs.retry_after * 1000 : s->o->poll_interval_ms;
    double left = deadline - fetch_now();
    err_loc loc = where(s, what);
    if ((double)ms / 1000 > left)
        return err_fail(err, ESPI_E_IO, "fetch-busy", &loc,
                        "SmartHub is busy (HTTP %ld) and asks to wait %.3g s, beyond the %.3g s "
                        "left of the budget (--budget): try again later",
                        s->rs.status, (double)ms / 1000, left > 0 ? left : 0);
    char reason[32];
    snprintf(reason, sizeof reason, "HTTP %ld", s->rs.status);
    tell_wait(s, what, reason, (double)ms / 1000);
    fetch_sleep_ms(ms);
    return 0;
}

/* ------------------------------------------------------------------ */
/* Answers that are not what was asked for                             */
/* ------------------------------------------------------------------ */

static int web_page(fetch_session *s, const char *what, espi_error *err)
{
    err_loc loc = where(s, what);
    return err_fail(err, ESPI_E_IO, "fetch-html", &loc,
                    "SmartHub answered with a web page, not JSON (HTTP %ld%s%s): the portal may "
                    "be down for maintenance, or --url is not its address; open %s in a "
                    "browser, and try again later",
                    s->rs.status, s->rs.content_type[0] ? ", " : "", s->rs.content_type, s->origin);
}

typedef struct status_text {
    long status;
    espi_status code;
    const char *advice;
} status_text;

static const status_text statuses[] = {
    {400, ESPI_E_INPUT, "SmartHub refused the request as malformed"},
    {403, ESPI_E_INPUT,
     "SmartHub refused access: check that --account and --location belong to this login"},
    {404, ESPI_E_INPUT, "no such address: check that --url is the co-op's SmartHub portal"},
    {405, ESPI_E_INPUT, "the portal does not take this request: check --url"},
};

static int http_error(fetch_session *s, const char *what, espi_error *err)
{
    err_loc loc = where(s, what);
    if (fetch_response_is_html(&s->rs))
        return web_page(s, what, err);
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
        if (statuses[i].status == s->rs.status)
            return err_fail(err, statuses[i].code, "fetch-http", &loc, "HTTP %ld: %s", s->rs.status,
                            statuses[i].advice);
    if (s->rs.status >= 300 && s->rs.status < 400) /* redirects are not followed */
        return err_fail(err, ESPI_E_INPUT, "fetch-http", &loc,
                        "HTTP %ld: the portal sends the request elsewhere (to a login page?): "
                        "check that --url is the co-op's SmartHub portal",
                        s->rs.status);
    return err_fail(err, ESPI_E_IO, "fetch-http", &loc,
                    "HTTP %ld: the portal failed to answer; try again later", s->rs.status);
}

/* ------------------------------------------------------------------ */
/* Login                                                               */
/* ------------------------------------------------------------------ */

/* The form body of the login, in b (wiped by the caller). */
static int login_form(fetch_session *s, fetch_buf *b, espi_error *err)
{
    const espi_smarthub_query *q = s->q;
    char code[16] = "";
    int rc = 0;
    if (q->totp_secret)
        rc = fetch_totp(code, q->totp_secret, (int64_t)time(NULL), err);
    else if (q->totp_code)
        snprintf(code, sizeof code, "%s", q->totp_code);
    if (rc != 0)
        return rc;
    int f = fetch_buf_puts(b, "userId=");
    f = f ? f : fetch_escape_form(b, q->user);
    f = f ? f : fetch_buf_puts(b, "&password=");
    f = f ? f : fetch_escape_form(b, q->password);
    if (!f && code[0]) {
        f = fetch_buf_puts(b, "&twoFactorCode=");
        f = f ? f : fetch_escape_form(b, code);
    }
    fetch_wipe(code, sizeof code);
    return f ? err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory") : 0;
}

static bool mfa_refusal(const fetch_response *rs)
{
    return rs->status == 500 && rs->body.data &&
           strstr((const char *)rs->body.data, "could not be verified") != NULL;
}

static int login_refused(fetch_session *s, espi_error *err)
{
    err_loc loc = where(s, "login");
    const espi_smarthub_query *q = s->q;
    if (mfa_refusal(&s->rs) && (q->totp_secret || q->totp_code))
        return err_fail(err, ESPI_E_INPUT, "fetch-mfa-refused", &loc,
                        "SmartHub did not accept the MFA code (HTTP 500, \"could not be "
                        "verified\"): check the secret in --totp-secret-file (and the clock), or "
                        "give a fresh --totp-code; %s",
                        lockout_note);
    if (mfa_refusal(&s->rs))
        return err_fail(err, ESPI_E_INPUT, "fetch-mfa-refused", &loc,
                        "SmartHub asks for an MFA code (HTTP 500, \"could not be verified\"): "
                        "give --totp-secret-file with the account's TOTP secret, or "
                        "--totp-code; %s",
                        lockout_note);
    return err_fail(err, ESPI_E_INPUT, "fetch-login-refused", &loc,
                    "SmartHub refused the login of %s (%s): check --user and the password; %s",
                    q->user, s->rs.status == 200 ? "status FAILURE" : "HTTP 401", lockout_note);
}

/* Whether s can go into a header line: no control character (a CR or LF
 * would start another header). */
static bool header_safe(const char *s)
{
    for (; s && *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return false;
    return true;
}

/* Takes the token and the user names out of a SUCCESS answer. */
static int take_login(fetch_session *s, espi_error *err)
{
    fetch_login_answer a;
    char why[160];
    err_loc loc = where(s, "login");
    if (fetch_login_scan(&a, s->rs.body.data, s->rs.body.len, why, sizeof why) != 0) {
        fetch_login_answer_free(&a);
        return err_fail(err, ESPI_E_INPUT, "fetch-json", &loc,
                        "the login's answer is not the JSON expected (%s): is --url the co-op's "
                        "SmartHub portal?",
                        why);
    }
    int rc = 0;
    if (strcmp(a.status, "FAILURE") == 0)
        rc = login_refused(s, err);
    else if (strcmp(a.status, "SUCCESS") != 0 || a.token == NULL || a.token[0] == '\0')
        rc = err_fail(err, ESPI_E_INPUT, "fetch-login", &loc,
                      "the login's answer has status '%s' and %s token: espi knows SUCCESS and "
                      "FAILURE only",
                      a.status, a.token ? "a" : "no");
    else if (!header_safe(a.token) || !header_safe(a.username) || !header_safe(a.primary))
        rc = err_fail(err, ESPI_E_INPUT, "fetch-login", &loc,
                      "the login's answer holds a token or user name with control characters");
    if (rc == 0) {
        fetch_strfree(s->token);
        fetch_strfree(s->username);
        fetch_strfree(s->primary);
        s->token = a.token;
        s->username = a.username ? a.username : fetch_strdup(s->q->user);
        s->primary = a.primary ? a.primary : fetch_strdup(s->username);
        a.token = a.username = a.primary = NULL;
        if (s->username == NULL || s->primary == NULL)
            rc = err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    }
    fetch_login_answer_free(&a);
    return rc;
}

/* One login. A refusal (FAILURE, 401, the MFA 500) is final. */
static int login(fetch_session *s, const char *reason, espi_error *err)
{
    err_loc loc = where(s, "login");
    if (s->logins >= FETCH_MAX_LOGINS)
        return err_fail(err, ESPI_E_IO, "fetch-logins", &loc,
                        "%d logins in one fetch: SmartHub keeps expiring the token; try again "
                        "later",
                        s->logins);
    char url[FETCH_URL_MAX + 64];
    snprintf(url, sizeof url, "%s%s", s->origin, login_path);
    static const char *const headers[] = {"Content-Type: application/x-www-form-urlencoded",
                                          "Accept: application/json", NULL};
    fetch_buf form = {0};
    int rc = login_form(s, &form, err);
    double deadline = fetch_now() + (double)s->o->budget_ms / 1000;
    fetch_request rq = {"POST", url, headers, form.data, form.len, "login", s->origin};
    while (rc == 0) {
        s->logins++;
        rc = fetch_http_send(s->http, &rq, &s->rs, err);
        if (rc != 0 || !busy(&s->rs))
            break;
        rc = wait_busy(s, "login", deadline, err);
    }
    fetch_buf_free(&form);
    if (rc != 0)
        return rc;
    if (s->rs.status == 401 || mfa_refusal(&s->rs))
        rc = login_refused(s, err);
    else if (fetch_response_is_html(&s->rs))
        rc = web_page(s, "login", err);
    else if (s->rs.status != 200)
        rc = http_error(s, "login", err);
    else
        rc = take_login(s, err);
    fetch_buf_clear(&s->rs.body); /* it held the token */
    if (rc == 0 && s->o->on_event) {
        espi_fetch_event ev;
        memset(&ev, 0, sizeof ev);
        ev.kind = ESPI_FETCH_LOGIN;
        ev.reason = reason;
        s->o->on_event(&ev, s->o->event_ctx);
    }
    return rc;
}

int fetch_session_open(fetch_session *s, const espi_smarthub_query *q, const espi_fetch_options *o,
                       espi_error *err)
{
    memset(s, 0, sizeof *s);
    s->q = q;
    s->o = o;
    int rc = fetch_url_origin(s->origin, q->url, err);
    if (rc == 0)
        rc = fetch_http_new(&s->http, o, err);
    if (rc == 0)
        rc = login(s, NULL, err);
    if (rc != 0)
        fetch_session_close(s);
    return rc;
}

void fetch_session_close(fetch_session *s)
{
    fetch_http_free(s->http);
    fetch_strfree(s->token);
    fetch_strfree(s->username);
    fetch_strfree(s->primary);
    fetch_response_free(&s->rs);
    fetch_buf_free(&s->meters);
    s->http = NULL;
    s->token = s->username = s->primary = NULL;
}

/* ------------------------------------------------------------------ */
/* Secured calls                                                       */
/* ------------------------------------------------------------------ */

/* The headers of a secured call (secret: they hold the token). */
static int secured_headers(fetch_session *s, fetch_buf *auth, fetch_buf *user, bool json_body,
                           const char *headers[5], espi_error *err)
{
    fetch_buf_clear(auth);
    fetch_buf_clear(user);
    int f = fetch_buf_puts(auth, "Authorization: Bearer ");
    f = f ? f : fetch_buf_puts(auth, s->token);
    f = f ? f : fetch_buf_puts(user, "X-NISC-SMARTHUB-USERNAME: ");
    f = f ? f : fetch_buf_puts(user, s->username);
    if (f)
        return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    size_t n = 0;
    headers[n++] = (const char *)auth->data;
    headers[n++] = (const char *)user->data;
    headers[n++] = "Accept: application/json";
    if (json_body)
        headers[n++] = "Content-Type: application/json";
    headers[n] = NULL;
    return 0;
}

/* Sends a secured request; a 401 logs in again, once, and sends it again.
 * 429 and 503 wait within the deadline. */
static int secured(fetch_session *s, const char *method, const char *url, const fetch_buf *body,
                   const char *what, double deadline, espi_error *err)
{
    fetch_buf auth = {0}, user = {0};
    const char *headers[5];
    bool relogged = false;
    int rc = 0;
    for (;;) {
        rc = secured_headers(s, &auth, &user, body != NULL, headers, err);
        fetch_request rq = {
            method, url, headers, body ? body->data : NULL, body ? body->len : 0, what, s->origin};
        if (rc == 0)
            rc = fetch_http_send(s->http, &rq, &s->rs, err);
        if (rc == 0 && busy(&s->rs)) {
            rc = wait_busy(s, what, deadline, err);
            if (rc == 0)
                continue;
        }
        if (rc != 0 || s->rs.status != 401)
            break;
        err_loc loc = where(s, what);
        if (relogged) {
            rc = err_fail(err, ESPI_E_INPUT, "fetch-unauthorized", &loc,
                          "SmartHub refused a fresh token too (HTTP 401): this login may not "
                          "see --account/--location; check them in the portal");
            break;
        }
        relogged = true;
        rc = login(s, "token expired", err);
        if (rc != 0)
            break;
    }
    fetch_buf_free(&auth);
    fetch_buf_free(&user);
    return rc;
}

/* ------------------------------------------------------------------ */
/* user-data                                                           */
/* ------------------------------------------------------------------ */

int fetch_session_user_data(fetch_session *s, espi_error *err)
{
    fetch_buf url = {0};
    int f = fetch_buf_puts(&url, s->origin);
    f = f ? f : fetch_buf_puts(&url, user_data_path);
    f = f ? f : fetch_escape_form(&url, s->primary);
    if (f) {
        fetch_buf_free(&url);
        return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    }
    double deadline = fetch_now() + (double)s->o->budget_ms / 1000;
    int rc = secured(s, "GET", (const char *)url.data, NULL, "user-data", deadline, err);
    fetch_buf_free(&url);
    if (rc == 0 && (s->rs.status != 200 || fetch_response_is_html(&s->rs)))
        rc = http_error(s, "user-data", err);
    if (rc == 0)
        rc = fetch_discover(s, s->rs.body.data, s->rs.body.len, err);
    return rc;
}

/* ------------------------------------------------------------------ */
/* The poll                                                            */
/* ------------------------------------------------------------------ */

static const char *frame_name(espi_time_frame frame)
{
    static const char *const names[] = {"HOURLY", "HOURLY", "DAILY", "MONTHLY"};
    return names[frame <= ESPI_TIME_FRAME_MONTHLY ? frame : 0];
}

/* The poll's JSON body; the same bytes for every poll of a window. */
static int poll_body(fetch_session *s, const fetch_window *w, fetch_buf *b)
{
    char tail[160];
    snprintf(tail, sizeof tail,
             ",\"industries\":[\"ELECTRIC\"],\"startDateTime\":%lld,\"endDateTime\":%lld}",
             (long long)w->start_ms, (long long)w->end_ms);
    int f = fetch_buf_puts(b, "{\"timeFrame\":\"");
    f = f ? f : fetch_buf_puts(b, frame_name(w->frame));
    f = f ? f : fetch_buf_puts(b, "\",\"userId\":");
    f = f ? f : fetch_escape_json(b, s->username);
    f = f ? f
          : fetch_buf_puts(b, ",\"screen\":\"USAGE_EXPLORER\",\"includeDemand\":false,"
                              "\"serviceLocationNumber\":");
    f = f ? f : fetch_escape_json(b, s->location);
    f = f ? f : fetch_buf_puts(b, ",\"accountNumber\":");
    f = f ? f : fetch_escape_json(b, s->account);
    f = f ? f : fetch_buf_puts(b, tail);
    return f;
}

/* One answer of the poll: 1 to poll again, 0 when COMPLETE, or an error. */
static int judge_poll(fetch_session *s, const fetch_window *w, size_t *readings, espi_error *err)
{
    err_loc loc = where(s, w->label);
    if (s->rs.status != 200 || fetch_response_is_html(&s->rs))
        return http_error(s, w->label, err);
    fetch_poll_info info = {"", 0, NULL};
    char why[160];
    if (fetch_poll_scan(&info, s->rs.body.data, s->rs.body.len, why, sizeof why) != 0)
        return err_fail(err, ESPI_E_INPUT, "fetch-json", &loc,
                        "the poll's answer is not JSON (%s); try again later", why);
    *readings = info.readings;
    if (strcmp(info.status, "PENDING") == 0)
        return 1;
    if (strcmp(info.status, "FAILED") == 0)
        return err_fail(err, ESPI_E_INPUT, "fetch-failed", &loc,
                        "SmartHub answered FAILED: it refuses this request (windows longer than "
                        "45 days, another screen, a location without usage data): check "
                        "--account, --location and --time-frame");
    if (strcmp(info.status, "COMPLETE") != 0)
        return err_fail(err, ESPI_E_INPUT, "fetch-status", &loc,
                        "SmartHub answered status '%s': espi knows PENDING, COMPLETE and FAILED",
                        info.status);
    if (info.readings == 0)
        return err_fail(err, ESPI_E_INPUT, "fetch-empty", &loc,
                        "SmartHub answered COMPLETE with no reading: it has no %s data for these "
                        "days (readings arrive a day or so late); choose other days with --start "
                        "and --end",
                        w->frame == ESPI_TIME_FRAME_MONTHLY ? "billing" : "usage");
    return 0;
}

int fetch_session_window(fetch_session *s, const fetch_window *w, size_t *readings, espi_error *err)
{
    char url[FETCH_URL_MAX + 64];
    snprintf(url, sizeof url, "%s%s", s->origin, poll_path);
    fetch_buf body = {0};
    if (poll_body(s, w, &body) != 0) {
        fetch_buf_free(&body);
        return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    }
    double start = fetch_now(), deadline = start + (double)s->o->budget_ms / 1000;
    int rc;
    int polls = 0;
    while ((rc = secured(s, "POST", url, &body, w->label, deadline, err)) == 0) {
        polls++;
        rc = judge_poll(s, w, readings, err);
        if (rc != 1)
            break;
        double wait = (double)s->o->poll_interval_ms / 1000;
        if (fetch_now() + wait > deadline) {
            err_loc loc = where(s, w->label);
            rc = err_fail(err, ESPI_E_IO, "fetch-pending", &loc,
                          "SmartHub still answered PENDING after %.3g s (%d polls): the portal "
                          "is slow; try again later, or give a larger --budget",
                          fetch_now() - start, polls);
            break;
        }
        tell_wait(s, w->label, "PENDING", wait);
        fetch_sleep_ms(s->o->poll_interval_ms);
    }
    fetch_buf_free(&body);
    return rc;
}

int fetch_add_bytes(espi_converter *conv, const void *data, size_t size, const char *name,
                    espi_format format, espi_error *err)
{
    FILE *in = size ? fmemopen((void *)(uintptr_t)data, size, "rb") : NULL;
    if (in == NULL)
        return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "cannot open the answer as a stream");
    int rc = espi_converter_add(conv, in, name, format, err);
    fclose(in);
    return rc;
}

int fetch_session_keep(fetch_session *s, espi_converter *conv, const char *name, espi_format format,
                       espi_error *err)
{
    int rc = 0;
    if (s->o->on_body)
        rc = s->o->on_body(name, s->rs.body.data, s->rs.body.len, err, s->o->body_ctx);
    if (rc == 0 && conv)
        rc = fetch_add_bytes(conv, s->rs.body.data, s->rs.body.len, name, format, err);
    return rc;
}

void fetch_session_window_done(fetch_session *s, const fetch_window *w, size_t readings)
{
    if (s->o->on_event == NULL)
        return;
    espi_fetch_event ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = ESPI_FETCH_WINDOW;
    ev.window = w->label;
    ev.readings = readings;
    s->o->on_event(&ev, s->o->event_ctx);
}
