/* SPDX-License-Identifier: Apache-2.0 */
/* client.h - HTTP over libcurl for the fetch layer: one easy handle, so one
 * connection reused, requests one at a time; timeouts, certificate
 * verification always on, proxies from the environment (never for a
 * loopback address), no cookies kept, a User-Agent naming espi, bodies
 * capped; every exchange told to the caller's on_event (method, path,
 * status, time), nothing else. */
#ifndef FETCH_CLIENT_H
#define FETCH_CLIENT_H

#include "espi.h"
#include "fetch/secret.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct fetch_http fetch_http;

/* One request. headers are "Name: value" lines (NULL-terminated; may be
 * NULL), wiped once sent; body NULL for a GET. where names the request in
 * messages (a window, "login"), origin is the file of messages. */
typedef struct fetch_request {
    const char *method;
    const char *url;
    const char *const *headers;
    const void *body;
    size_t body_len;
    const char *where;
    const char *origin;
} fetch_request;

typedef struct fetch_response {
    long status;
    char content_type[128]; /* "" when none */
    long retry_after;       /* seconds the server asked to wait; -1 when it did not */
    fetch_buf body;         /* capped at the options' max_body */
} fetch_response;

/* opts must stay valid until fetch_http_free. ESPI_E_IO ("fetch-libcurl")
 * when libcurl cannot be loaded (fetch/curl_api.h). */
int fetch_http_new(fetch_http **out, const espi_fetch_options *opts, espi_error *err);
void fetch_http_free(fetch_http *h);

/* Sends rq and fills rs (whose body is emptied first). Returns 0 when an
 * answer came, whatever its status; ESPI_E_IO when none did (timeout,
 * refused connection, TLS, name resolution), ESPI_E_LIMIT when the body
 * passes the cap, with err naming rq->where and saying what to do. */
int fetch_http_send(fetch_http *h, const fetch_request *rq, fetch_response *rs, espi_error *err);

void fetch_response_free(fetch_response *rs);

/* Whether the answer is a web page rather than the JSON or XML asked for:
 * an HTML Content-Type, or a body that starts with <!DOCTYPE html or <html. */
bool fetch_response_is_html(const fetch_response *rs);

/* The seconds since an arbitrary start, on a clock that does not jump. */
double fetch_now(void);

/* Sleeps for ms milliseconds (0: returns at once). */
void fetch_sleep_ms(long ms);

#endif
