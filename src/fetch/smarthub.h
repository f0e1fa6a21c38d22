/* SPDX-License-Identifier: Apache-2.0 */
/* smarthub.h - SmartHub's API as the fetch layer speaks it (docs/fetch.md):
 * a session logs in, reads user-data to find the account and service
 * location, and polls secured/utility-usage/poll one window at a time,
 * re-posting while the answer is PENDING, logging in again after a 401 on
 * an expired token, never after a refused login. */
#ifndef FETCH_SMARTHUB_H
#define FETCH_SMARTHUB_H

#include "espi.h"
#include "fetch/client.h"
#include "fetch/url.h"

#include <stdbool.h>
#include <stdint.h>

/* Windows of usage (HOURLY, DAILY) are at most this many days long (the
 * portal refuses more than 45); MONTHLY windows, of bills, a year. */
#define FETCH_WINDOW_DAYS 30
#define FETCH_MONTHLY_WINDOW_DAYS 366
/* The longest range asked for, in days (ten years of windows). */
#define FETCH_MAX_DAYS 3660
/* Logins in one fetch at most (the first, then one per expired token). */
#define FETCH_MAX_LOGINS 64
/* Account and location numbers are kept this long. */
#define FETCH_ID_MAX 64

/* One request of the poll: local days [first, last], their true UTC span. */
typedef struct fetch_window {
    int64_t first, last;      /* days since 1970-01-01, local */
    int64_t start_ms, end_ms; /* local midnight of first, and after last, as UTC ms */
    espi_time_frame frame;    /* HOURLY, DAILY or MONTHLY */
    char label[40];           /* "2026-03-01..2026-03-30" */
    char name[64];            /* "hourly_2026-03-01_2026-03-30.json" */
} fetch_window;

/* The windows of local days [first, last] for frame; *out is the caller's
 * (free). */
int fetch_windows(fetch_window **out, size_t *n, const espi_tz *tz, int64_t first, int64_t last,
                  espi_time_frame frame, espi_error *err);

/* "YYYY-MM-DD" to days since 1970-01-01; -1 when text is not a date. */
int fetch_parse_day(int64_t *day, const char *text);

/* The local day of the UTC second t in tz. */
int64_t fetch_local_day(const espi_tz *tz, int64_t t);

/* "2026-03-01" */
void fetch_format_day(char out[16], int64_t day);

typedef struct fetch_session {
    fetch_http *http;
    const espi_smarthub_query *q;
    const espi_fetch_options *o;
    char origin[FETCH_URL_MAX];
    char *token;    /* the bearer token: secret */
    char *username; /* as the login's answer names the user */
    char *primary;  /* primaryUsername: for user-data */
    int logins;
    char account[FETCH_ID_MAX], location[FETCH_ID_MAX];
    fetch_buf meters;  /* the location's meter numbers in user-data, '\n' after each */
    fetch_response rs; /* the last answer */
} fetch_session;

/* Checks opts (NULL: defaults, into *defaults) and q; fills *days with the
 * local days asked for (start may be NULL for an update: then days[0] is
 * left). */
int fetch_check(const espi_fetch_options **opts, espi_fetch_options *defaults,
                const espi_smarthub_query *q, bool need_start, int64_t days[2], espi_error *err);

/* Logs in. On failure the session is closed. */
int fetch_session_open(fetch_session *s, const espi_smarthub_query *q, const espi_fetch_options *o,
                       espi_error *err);
void fetch_session_close(fetch_session *s);

/* GETs user-data and chooses the account and location (the query's, or
 * the only active one). The answer stays in s->rs. */
int fetch_session_user_data(fetch_session *s, espi_error *err);

/* Polls one window until COMPLETE; the answer stays in s->rs, its readings
 * (points with a value in USAGE entries) in *readings. */
int fetch_session_window(fetch_session *s, const fetch_window *w, size_t *readings,
                         espi_error *err);

/* Hands s->rs's body to the options' on_body as name, then to conv. */
int fetch_session_keep(fetch_session *s, espi_converter *conv, const char *name, espi_format format,
                       espi_error *err);

/* Tells on_event that a window was read. */
void fetch_session_window_done(fetch_session *s, const fetch_window *w, size_t readings);

/* Adds size bytes at data to conv as name. */
int fetch_add_bytes(espi_converter *conv, const void *data, size_t size, const char *name,
                    espi_format format, espi_error *err);

/* What the login's answer says; token, username and primary are the
 * caller's (fetch_login_answer_free). */
typedef struct fetch_login_answer {
    char status[32];
    char *token; /* secret */
    char *username;
    char *primary;
} fetch_login_answer;

/* -1 when the body is not JSON (why says so). */
int fetch_login_scan(fetch_login_answer *a, const void *body, size_t len, char *why, size_t size);
void fetch_login_answer_free(fetch_login_answer *a);

/* Chooses the account and location from a user-data body into s: the
 * query's account and location (NULL: any) among the active electric ones,
 * and keeps the location's meter numbers. ESPI_E_ARG when none or several
 * fit (the message lists their numbers), ESPI_E_INPUT when the body is not
 * user-data. */
int fetch_discover(fetch_session *s, const void *body, size_t len, espi_error *err);

/* What a poll answer says: its status ("" when none), its readings (points
 * with a value in USAGE entries of ELECTRIC), and the meter numbers of its
 * entries (appended to meters, '\n' after each, when meters is not NULL). */
typedef struct fetch_poll_info {
    char status[32];
    size_t readings;
    fetch_buf *meters;
} fetch_poll_info;

/* -1 when the body is not JSON (why says so). */
int fetch_poll_scan(fetch_poll_info *info, const void *body, size_t len, char *why, size_t size);

/* Appends line and a '\n' to list unless it is there already. */
int fetch_list_add(fetch_buf *list, const char *line, size_t len);

#endif
