/* SPDX-License-Identifier: Apache-2.0 */
/* client.c - HTTP over one libcurl easy handle (libcurl called through
 * fetch/curl_api.h, opened by the first fetch_http_new). */
#include "fetch/client.h"

#include "common/error.h"
#include "fetch/curl_api.h"
#include "fetch/url.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

struct fetch_http {
    const fetch_curl_api *cu;
    CURL *curl;
    const espi_fetch_options *opts;
    char errbuf[CURL_ERROR_SIZE];
    fetch_buf *sink; /* the body being received */
    bool too_large;
};

double fetch_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void fetch_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (ms > 0 && nanosleep(&ts, &ts) != 0 && errno == EINTR)
        continue;
}

static size_t on_data(char *p, size_t size, size_t n, void *ctx)
{
    fetch_http *h = ctx;
    if (fetch_buf_add(h->sink, p, size * n) != 0) {
        h->too_large = true;
        return 0; /* CURLE_WRITE_ERROR */
    }
    return size * n;
}

/* The options every request shares. */
static CURLcode setup(fetch_http *h)
{
    const espi_fetch_options *o = h->opts;
    CURL *c = h->curl;
    const fetch_curl_api *cu = h->cu;
    CURLcode rc = CURLE_OK;
    static const char agent[] = "espi/" ESPI_VERSION " (Green Button; libcurl)";
    if (!rc)
        rc = cu->easy_setopt(c, CURLOPT_USERAGENT, agent);
    if (!rc)
        rc = cu->easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    if (!rc)
        rc = cu->easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    if (!rc)
        rc = cu->easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    if (!rc)
        rc = cu->easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!rc && o->cacert)
        rc = cu->easy_setopt(c, CURLOPT_CAINFO, o->cacert);
    if (!rc)
        rc = cu->easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
    if (!rc)
        rc = cu->easy_setopt(c, CURLOPT_TIMEOUT_MS, o->timeout_ms);
    if (!rc)
        rc = cu->easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (!rc)
        rc = cu->easy_setopt(c, CURLOPT_ERRORBUFFER, h->errbuf);
    if (!rc)
        rc = cu->easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    if (!rc)
        rc = cu->easy_setopt(c, CURLOPT_WRITEDATA, h);
    if (!rc)
        rc = cu->easy_setopt(c, CURLOPT_ACCEPT_ENCODING, ""); /* what libcurl can decode */
    return rc;
}

int fetch_http_new(fetch_http **out, const espi_fetch_options *opts, espi_error *err)
{
    *out = NULL;
    const fetch_curl_api *cu = fetch_curl(err);
    if (cu == NULL)
        return ESPI_E_IO;
    /* reference-counted, and thread-safe since libcurl 7.84 */
    if (cu->global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return err_fail(err, ESPI_E_IO, "fetch-init", NULL, "libcurl cannot start");
    fetch_http *h = calloc(1, sizeof *h);
    if (h == NULL) {
        cu->global_cleanup();
        return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    }
    h->cu = cu;
    h->opts = opts;
    h->curl = cu->easy_init();
    if (h->curl == NULL || setup(h) != CURLE_OK) {
        fetch_http_free(h);
        return err_fail(err, ESPI_E_IO, "fetch-init", NULL,
                        "libcurl cannot make a connection handle with espi's settings "
                        "(libcurl 7.85 or later is needed)");
    }
    *out = h;
    return 0;
}

void fetch_http_free(fetch_http *h)
{
    if (h == NULL)
        return;
    const fetch_curl_api *cu = h->cu;
    if (h->curl)
        cu->easy_cleanup(h->curl);
    free(h);
    cu->global_cleanup();
}

void fetch_response_free(fetch_response *rs)
{
    fetch_buf_free(&rs->body);
}

/* The header list of rq; its strings are wiped before it is freed. */
static struct curl_slist *header_list(const fetch_curl_api *cu, const fetch_request *rq,
                                      bool *failed)
{
    /* libcurl would add "Expect: 100-continue" to a larger body: a round trip */
    static const char *const always[] = {"Expect:", NULL};
    const char *const *groups[] = {rq->headers, always};
    struct curl_slist *list = NULL;
    *failed = false;
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++)
        for (const char *const *p = groups[g]; p && *p; p++) {
            struct curl_slist *next = cu->slist_append(list, *p);
            if (next == NULL) {
                *failed = true;
                return list;
            }
            list = next;
        }
    return list;
}

static void free_headers(const fetch_curl_api *cu, struct curl_slist *list)
{
    for (struct curl_slist *p = list; p; p = p->next)
        fetch_wipe(p->data, strlen(p->data));
    cu->slist_free_all(list);
}

static bool loopback_url(const fetch_curl_api *cu, const char *url)
{
    CURLU *u = cu->url();
    char *host = NULL;
    bool yes = u && cu->url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
               cu->url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
               fetch_host_is_loopback(host);
    cu->mem_free(host);
    cu->url_cleanup(u);
    return yes;
}

static CURLcode set_request(fetch_http *h, const fetch_request *rq, struct curl_slist *headers)
{
    CURL *c = h->curl;
    const fetch_curl_api *cu = h->cu;
    CURLcode rc = cu->easy_setopt(c, CURLOPT_URL, rq->url);
    /* NULL: the environment's proxy; "": none, for a loopback address */
    if (!rc)
        rc = cu->easy_setopt(c, CURLOPT_PROXY, loopback_url(cu, rq->url) ? "" : NULL);
    if (!rc)
        rc = cu->easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    if (!rc && rq->body) {
        rc = cu->easy_setopt(c, CURLOPT_POST, 1L);
        if (!rc)
            rc = cu->easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body_len);
        if (!rc)
            rc = cu->easy_setopt(c, CURLOPT_POSTFIELDS, rq->body);
    } else if (!rc) {
        rc = cu->easy_setopt(c, CURLOPT_HTTPGET, 1L);
    }
    return rc;
}

/* A transfer error, in words a member can act on. */
typedef struct curl_failure {
    CURLcode code;
    const char *err_code;
    const char *what;
} curl_failure;

static const curl_failure failures[] = {
    {CURLE_OPERATION_TIMEDOUT, "fetch-timeout",
     "no answer in time: the portal is slow or unreachable; try again later, or give a "
     "longer --timeout"},
    {CURLE_COULDNT_CONNECT, "fetch-connect",
     "the connection was refused or could not be made: check the URL and the network"},
    {CURLE_COULDNT_RESOLVE_HOST, "fetch-dns", "the host name cannot be resolved: check the URL"},
    {CURLE_COULDNT_RESOLVE_PROXY, "fetch-dns",
     "the proxy's name cannot be resolved: check https_proxy / HTTPS_PROXY"},
    {CURLE_PEER_FAILED_VERIFICATION, "fetch-tls",
     "the server's certificate cannot be verified (espi always checks it): give --cacert "
     "with the CA that signed it when the server uses a private one"},
    {CURLE_SSL_CACERT_BADFILE, "fetch-tls", "the --cacert file cannot be read as PEM certificates"},
    {CURLE_SSL_CONNECT_ERROR, "fetch-tls",
     "the TLS handshake failed: the server's certificate cannot be verified or it speaks no "
     "TLS espi accepts; give --cacert when the server uses a private CA"},
    {CURLE_SSL_CERTPROBLEM, "fetch-tls", "a certificate problem in TLS"},
    {CURLE_GOT_NOTHING, "fetch-empty-reply",
     "the server closed the connection without answering; try again later"},
    {CURLE_RECV_ERROR, "fetch-network", "the connection broke while receiving; try again"},
    {CURLE_SEND_ERROR, "fetch-network", "the connection broke while sending; try again"},
};

static int transfer_failed(fetch_http *h, const fetch_request *rq, const char *path, CURLcode code,
                           espi_error *err)
{
    err_loc loc = {rq->origin, 0, 0, rq->where};
    if (h->too_large)
        return err_fail(err, ESPI_E_LIMIT, "fetch-too-large", &loc,
                        "%s %s: the answer is larger than %zu bytes, the most espi accepts",
                        rq->method, path, h->opts->max_body);
    const char *detail = h->errbuf[0] ? h->errbuf : h->cu->easy_strerror(code);
    if (strstr(detail, "CONNECT tunnel failed") != NULL || code == CURLE_PROXY)
        return err_fail(err, ESPI_E_IO, "fetch-proxy", &loc,
                        "%s %s: the proxy refused to connect to the server: check https_proxy, "
                        "HTTPS_PROXY, ALL_PROXY and NO_PROXY (%s)",
                        rq->method, path, detail);
    for (size_t i = 0; i < sizeof failures / sizeof failures[0]; i++)
        if (failures[i].code == code)
            return err_fail(err, ESPI_E_IO, failures[i].err_code, &loc, "%s %s: %s (%s)",
                            rq->method, path, failures[i].what, detail);
    return err_fail(err, ESPI_E_IO, "fetch-network", &loc, "%s %s: %s", rq->method, path, detail);
}

/* Status, Content-Type and Retry-After of the answer just received. */
static void read_answer(fetch_http *h, fetch_response *rs)
{
    char *type = NULL;
    curl_off_t retry = -1;
    h->cu->easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &rs->status);
    h->cu->easy_getinfo(h->curl, CURLINFO_CONTENT_TYPE, &type);
    snprintf(rs->content_type, sizeof rs->content_type, "%s", type ? type : "");
    rs->retry_after = -1;
    if (h->cu->easy_getinfo(h->curl, CURLINFO_RETRY_AFTER, &retry) == CURLE_OK && retry > 0)
        rs->retry_after = retry > 86400 ? 86400 : (long)retry;
}

static void tell(fetch_http *h, const fetch_request *rq, const char *path, long status,
                 double seconds)
{
    if (h->opts->on_event == NULL)
        return;
    espi_fetch_event ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = ESPI_FETCH_HTTP;
    ev.method = rq->method;
    ev.path = path;
    ev.status = status;
    ev.seconds = seconds;
    ev.window = rq->where;
    h->opts->on_event(&ev, h->opts->event_ctx);
}

int fetch_http_send(fetch_http *h, const fetch_request *rq, fetch_response *rs, espi_error *err)
{
    char path[256];
    fetch_url_path(path, sizeof path, rq->url);
    fetch_buf_clear(&rs->body);
    rs->body.max = h->opts->max_body;
    rs->status = 0;
    rs->content_type[0] = '\0';
    rs->retry_after = -1;
    h->sink = &rs->body;
    h->too_large = false;
    h->errbuf[0] = '\0';
    bool failed;
    struct curl_slist *headers = header_list(h->cu, rq, &failed);
    CURLcode code = failed ? CURLE_OUT_OF_MEMORY : set_request(h, rq, headers);
    double t0 = fetch_now();
    if (code == CURLE_OK)
        code = h->cu->easy_perform(h->curl);
    double took = fetch_now() - t0;
    h->cu->easy_setopt(h->curl, CURLOPT_HTTPHEADER, NULL);
    h->cu->easy_setopt(h->curl, CURLOPT_POSTFIELDS, NULL);
    free_headers(h->cu, headers);
    h->sink = NULL;
    if (code == CURLE_OK)
        read_answer(h, rs);
    tell(h, rq, path, code == CURLE_OK ? rs->status : 0, took);
    if (code == CURLE_OUT_OF_MEMORY)
        return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    return code == CURLE_OK ? 0 : transfer_failed(h, rq, path, code, err);
}

/* The first bytes of the body, after blanks, lower case. */
static void body_head(char *out, size_t size, const fetch_buf *b)
{
    size_t i = 0, n = 0;
    while (i < b->len && isspace(b->data[i]))
        i++;
    for (; i < b->len && n + 1 < size; i++)
        out[n++] = (char)tolower(b->data[i]);
    out[n] = '\0';
}

bool fetch_response_is_html(const fetch_response *rs)
{
    char head[16];
    body_head(head, sizeof head, &rs->body);
    return strstr(rs->content_type, "html") != NULL || strncmp(head, "<!doctype html", 14) == 0 ||
           strncmp(head, "<html", 5) == 0;
}
