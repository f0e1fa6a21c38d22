/* SPDX-License-Identifier: Apache-2.0 */
/* url.c - URL checks (with libcurl's URL parser, through fetch/curl_api.h) and
 * escaping. */
#include "fetch/url.h"

#include "common/error.h"
#include "fetch/curl_api.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <string.h>
#include <strings.h>

bool fetch_host_is_loopback(const char *host)
{
    if (host == NULL)
        return false;
    if (strcasecmp(host, "localhost") == 0 || strcasecmp(host, "localhost.") == 0)
        return true;
    struct in_addr a4;
    if (inet_pton(AF_INET, host, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    size_t n = strlen(host);
    char inner[64];
    if (n < 3 || n - 2 >= sizeof inner || host[0] != '[' || host[n - 1] != ']')
        return false;
    memcpy(inner, host + 1, n - 2);
    inner[n - 2] = '\0';
    struct in6_addr a6;
    return inet_pton(AF_INET6, inner, &a6) == 1 && memcmp(&a6, &in6addr_loopback, sizeof a6) == 0;
}

/* The part of a parsed URL, or NULL when it has none. */
static char *part(const fetch_curl_api *cu, CURLU *u, CURLUPart what)
{
    char *s = NULL;
    if (cu->url_get(u, what, &s, 0) != CURLUE_OK)
        return NULL;
    return s;
}

static CURLU *parse(const fetch_curl_api *cu, const char *url)
{
    CURLU *u = cu->url();
    if (u != NULL && (strlen(url) >= FETCH_URL_MAX ||
                      cu->url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK)) {
        cu->url_cleanup(u);
        return NULL;
    }
    return u;
}

/* Why url may not be fetched; NULL when it may. */
static const char *refusal(const fetch_curl_api *cu, CURLU *u)
{
    char *scheme = part(cu, u, CURLUPART_SCHEME), *host = part(cu, u, CURLUPART_HOST);
    char *user = part(cu, u, CURLUPART_USER), *password = part(cu, u, CURLUPART_PASSWORD);
    const char *why = NULL;
    if (user != NULL || password != NULL)
        why = "holds a user name or password: give the login with --user and the password "
              "as the options say, never in a URL";
    else if (scheme == NULL || host == NULL || host[0] == '\0')
        why = "is not an absolute URL (https://HOST...)";
    else if (strcmp(scheme, "http") == 0 && !fetch_host_is_loopback(host))
        why = "is http://: only https:// is fetched (http:// only to a loopback address, "
              "for tests)";
    else if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)
        why = "is not https://";
    cu->mem_free(scheme);
    cu->mem_free(host);
    cu->mem_free(user);
    cu->mem_free(password);
    return why;
}

int fetch_url_check(const char *url, const char *what, espi_error *err)
{
    const fetch_curl_api *cu = fetch_curl(err);
    if (cu == NULL)
        return ESPI_E_IO;
    CURLU *u = parse(cu, url);
    const char *why = u ? refusal(cu, u) : "is not a URL libcurl can read";
    cu->url_cleanup(u);
    if (why == NULL)
        return 0;
    char shown[256];
    fetch_url_shown(shown, sizeof shown, url);
    return err_fail(err, ESPI_E_ARG, "fetch-url", NULL, "%s '%s' %s", what, shown, why);
}

int fetch_url_origin(char *out, const char *url, espi_error *err)
{
    const fetch_curl_api *cu = fetch_curl(err);
    if (cu == NULL)
        return ESPI_E_IO;
    CURLU *u = parse(cu, url);
    char *scheme = u ? part(cu, u, CURLUPART_SCHEME) : NULL;
    char *host = u ? part(cu, u, CURLUPART_HOST) : NULL;
    char *port = u ? part(cu, u, CURLUPART_PORT) : NULL;
    int rc = 0;
    if (scheme == NULL || host == NULL)
        rc = err_fail(err, ESPI_E_ARG, "fetch-url", NULL, "'%s' is not a URL", url);
    else
        snprintf(out, FETCH_URL_MAX, "%s://%s%s%s", scheme, host, port ? ":" : "",
                 port ? port : "");
    for (char *p = out; rc == 0 && *p; p++) /* host names are not case-sensitive */
        *p = (char)tolower((unsigned char)*p);
    cu->mem_free(scheme);
    cu->mem_free(host);
    cu->mem_free(port);
    cu->url_cleanup(u);
    return rc;
}

/* out = origin and path of url (no query, fragment, user or password);
 * "(a URL)" when libcurl cannot parse it, or cannot be loaded. */
static void shown_parts(char *out, size_t size, const char *url, bool with_origin)
{
    const fetch_curl_api *cu = fetch_curl(NULL);
    if (cu == NULL) {
        snprintf(out, size, "%s", "(a URL)");
        return;
    }
    CURLU *u = parse(cu, url);
    char *scheme = u ? part(cu, u, CURLUPART_SCHEME) : NULL;
    char *host = u ? part(cu, u, CURLUPART_HOST) : NULL;
    char *port = u ? part(cu, u, CURLUPART_PORT) : NULL;
    char *path = u ? part(cu, u, CURLUPART_PATH) : NULL;
    if (scheme == NULL || host == NULL)
        snprintf(out, size, "%s", "(a URL)");
    else if (with_origin)
        snprintf(out, size, "%s://%s%s%s%s", scheme, host, port ? ":" : "", port ? port : "",
                 path ? path : "/");
    else
        snprintf(out, size, "%s", path ? path : "/");
    cu->mem_free(scheme);
    cu->mem_free(host);
    cu->mem_free(port);
    cu->mem_free(path);
    cu->url_cleanup(u);
}

void fetch_url_shown(char *out, size_t size, const char *url)
{
    shown_parts(out, size, url, true);
}

void fetch_url_path(char *out, size_t size, const char *url)
{
    shown_parts(out, size, url, false);
}

int fetch_url_resolve(char *out, const char *base, const char *ref, espi_error *err)
{
    const fetch_curl_api *cu = fetch_curl(err);
    if (cu == NULL)
        return ESPI_E_IO;
    CURLU *u = parse(cu, base);
    char *full = NULL;
    int rc = 0;
    if (u == NULL || strlen(ref) >= FETCH_URL_MAX ||
        cu->url_set(u, CURLUPART_URL, ref, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK ||
        cu->url_get(u, CURLUPART_URL, &full, 0) != CURLUE_OK || strlen(full) >= FETCH_URL_MAX)
        rc = err_fail(err, ESPI_E_INPUT, "fetch-next", NULL,
                      "a rel=\"next\" link is not a URL that can be followed");
    else
        memcpy(out, full, strlen(full) + 1);
    cu->mem_free(full);
    cu->url_cleanup(u);
    return rc;
}

int fetch_escape_form(fetch_buf *b, const char *text)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        int rc;
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~", *p) != NULL) {
            rc = fetch_buf_add(b, p, 1);
        } else {
            char enc[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            rc = fetch_buf_add(b, enc, 3);
            fetch_wipe(enc, sizeof enc);
        }
        if (rc != 0)
            return rc;
    }
    return 0;
}

int fetch_escape_json(fetch_buf *b, const char *text)
{
    int rc = fetch_buf_puts(b, "\"");
    for (const unsigned char *p = (const unsigned char *)text; rc == 0 && *p; p++) {
        char enc[8];
        if (*p == '"' || *p == '\\')
            snprintf(enc, sizeof enc, "\\%c", *p);
        else if (*p < 0x20)
            snprintf(enc, sizeof enc, "\\u%04x", *p);
        else
            snprintf(enc, sizeof enc, "%c", *p);
        rc = fetch_buf_puts(b, enc);
    }
    return rc == 0 ? fetch_buf_puts(b, "\"") : rc;
}
