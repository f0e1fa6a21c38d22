/* SPDX-License-Identifier: Apache-2.0 */
/* version.c - the versions of libespi and of the libraries it runs with,
 * for `espi --version` and bug reports. libcurl is not linked (the fetch
 * layer opens it with dlopen when a fetch needs it, src/fetch/curl_api.c):
 * its version is asked of ESPI_LIBCURL_SONAME, opened here the same way. */
#include "espi.h"

#include <curl/curl.h>
#include <dlfcn.h>
#include <libxml/parser.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_version.h>
#include <zip.h>

#ifndef ESPI_LIBCURL_SONAME
#error "ESPI_LIBCURL_SONAME (the soname of libcurl, \"libcurl.so.4\") is not defined"
#endif

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static char curl_text[64]; /* "libcurl 7.88.1", or why there is none */

/* libcurl's version from the library itself, which stays open (a fetch
 * would open it again). */
static void ask_curl(void)
{
    snprintf(curl_text, sizeof curl_text, "libcurl cannot be loaded (%s)", ESPI_LIBCURL_SONAME);
    void *lib = dlopen(ESPI_LIBCURL_SONAME, RTLD_NOW | RTLD_LOCAL);
    void *fn = lib ? dlsym(lib, "curl_version_info") : NULL;
    if (fn == NULL) {
        if (lib != NULL)
            dlclose(lib);
        return;
    }
    __typeof__(curl_version_info) *version_info;
    memcpy(&version_info, &fn, sizeof fn); /* a function pointer, as POSIX allows */
    const curl_version_info_data *curl = version_info(CURLVERSION_NOW);
    snprintf(curl_text, sizeof curl_text, "libcurl %s",
             curl && curl->version ? curl->version : "?");
}

const char *espi_version(void)
{
    return ESPI_VERSION;
}

size_t espi_dependency_versions(char *buf, size_t size)
{
    /* xmlParserVersion is "20914" for 2.9.14; yajl_version() 20100 for 2.1.0 */
    long xml = strtol(xmlParserVersion, NULL, 10);
    int yajl = yajl_version();
    pthread_once(&curl_once, ask_curl);
    int n = snprintf(buf, size, "libxml2 %ld.%ld.%ld, yajl %d.%d.%d, libzip %s, %s, %s",
                     xml / 10000, xml / 100 % 100, xml % 100, yajl / 10000, yajl / 100 % 100,
                     yajl % 100, zip_libzip_version(), curl_text, OpenSSL_version(OPENSSL_VERSION));
    return n < 0 ? 0 : (size_t)n;
}
