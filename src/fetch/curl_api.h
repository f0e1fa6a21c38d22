/* SPDX-License-Identifier: Apache-2.0 */
/* curl_api.h - libcurl, opened with dlopen the first time a fetch needs it,
 * so that every other use of libespi (convert, validate, dump, ... run
 * thousands of times in shell loops) does not pay for loading libcurl and
 * the thirty-odd libraries it needs. <curl/curl.h> still gives the types
 * and constants; the functions are called through this table. */
#ifndef FETCH_CURL_API_H
#define FETCH_CURL_API_H

#include "espi.h"

#include <curl/curl.h>

/* Each member has the very type <curl/curl.h> gives curl_NAME (the
 * handle of curl_url_get became const in newer versions, for one). */
#define FETCH_CURL_FN(name) __typeof__(curl_##name) *name

/* The libcurl functions espi calls; curl_NAME is called as api->NAME
 * (curl_free as api->mem_free). */
typedef struct fetch_curl_api {
    FETCH_CURL_FN(global_init);
    FETCH_CURL_FN(global_cleanup);
    FETCH_CURL_FN(easy_init);
    FETCH_CURL_FN(easy_cleanup);
    FETCH_CURL_FN(easy_setopt);
    FETCH_CURL_FN(easy_getinfo);
    FETCH_CURL_FN(easy_perform);
    FETCH_CURL_FN(easy_strerror);
    FETCH_CURL_FN(slist_append);
    FETCH_CURL_FN(slist_free_all);
    FETCH_CURL_FN(url);
    FETCH_CURL_FN(url_cleanup);
    FETCH_CURL_FN(url_get);
    FETCH_CURL_FN(url_set);
    FETCH_CURL_FN(version_info);
    __typeof__(curl_free) *mem_free;
} fetch_curl_api;

/* libcurl's functions, from ESPI_LIBCURL_SONAME (the build sets it, in
 * CMakeLists.txt: that of the libcurl pkg-config found) opened once per process
 * (thread-safe; never closed). NULL when it cannot be opened, or lacks a
 * function: err (when not NULL) is then ESPI_E_IO, code "fetch-libcurl",
 * saying what to install, with the loader's words. */
const fetch_curl_api *fetch_curl(espi_error *err);

/* Opens soname (RTLD_NOW | RTLD_LOCAL) and fills api: 0, or ESPI_E_IO as
 * fetch_curl says, api zeroed and the library closed again. fetch_curl's
 * work, apart for the tests (a soname that does not exist, a library that
 * is not libcurl). A library opened is not closed. */
int fetch_curl_load_named(fetch_curl_api *api, const char *soname, espi_error *err);

#endif
