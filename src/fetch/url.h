/* SPDX-License-Identifier: Apache-2.0 */
/* url.h - what URLs espi fetches (https://, or http:// to a loopback
 * address), how they are shown (never a query or a password), and the
 * escaping of form fields, query values and JSON strings. */
#ifndef FETCH_URL_H
#define FETCH_URL_H

#include "espi.h"
#include "fetch/secret.h"

#include <stdbool.h>
#include <stddef.h>

/* Longest URL accepted (a next link, a portal's origin). */
#define FETCH_URL_MAX 4096

/* Whether host (as a URL writes it: "127.0.0.1", "[::1]", "localhost") is a
 * loopback address: 127.0.0.0/8, ::1 or localhost. */
bool fetch_host_is_loopback(const char *host);

/* Checks that url may be fetched: an absolute http(s) URL without a user
 * name or password, https:// or http:// to a loopback address. what names
 * it in the message ("--url"). ESPI_E_ARG otherwise. These functions parse
 * with libcurl: ESPI_E_IO ("fetch-libcurl") when it cannot be loaded
 * (fetch/curl_api.h); fetch_url_shown and fetch_url_path then give
 * "(a URL)". */
int fetch_url_check(const char *url, const char *what, espi_error *err);

/* "scheme://host[:port]" of url into out (size FETCH_URL_MAX), lower case
 * as libcurl normalises it. */
int fetch_url_origin(char *out, const char *url, espi_error *err);

/* url without its query and fragment, for messages and names; on a URL
 * libcurl cannot parse, "(a URL)". */
void fetch_url_shown(char *out, size_t size, const char *url);

/* The path of url (no query), for --verbose. */
void fetch_url_path(char *out, size_t size, const char *url);

/* Resolves ref (absolute or relative) against base into out (size
 * FETCH_URL_MAX). */
int fetch_url_resolve(char *out, const char *base, const char *ref, espi_error *err);

/* Appends text percent-encoded for a form body or a query value: letters,
 * digits and -._~ as they are, every other byte as %XX. 0, or what
 * fetch_buf_add returns. */
int fetch_escape_form(fetch_buf *b, const char *text);

/* Appends text as a JSON string, quotes included. */
int fetch_escape_json(fetch_buf *b, const char *text);

#endif
