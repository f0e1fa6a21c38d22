/* SPDX-License-Identifier: Apache-2.0 */
/* version.c - the versions of libespi and of the libraries it runs with,
 * for `espi --version` and bug reports. */
#include "espi.h"

#include <curl/curl.h>
#include <libxml/parser.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <yajl/yajl_version.h>
#include <zip.h>

const char *espi_version(void)
{
    return ESPI_VERSION;
}

size_t espi_dependency_versions(char *buf, size_t size)
{
    /* xmlParserVersion is "20914" for 2.9.14; yajl_version() 20100 for 2.1.0 */
    long xml = strtol(xmlParserVersion, NULL, 10);
    int yajl = yajl_version();
    const curl_version_info_data *curl = curl_version_info(CURLVERSION_NOW);
    int n = snprintf(buf, size, "libxml2 %ld.%ld.%ld, yajl %d.%d.%d, libzip %s, libcurl %s, %s",
                     xml / 10000, xml / 100 % 100, xml % 100, yajl / 10000, yajl / 100 % 100,
                     yajl % 100, zip_libzip_version(), curl ? curl->version : "?",
                     OpenSSL_version(OPENSSL_VERSION));
    return n < 0 ? 0 : (size_t)n;
}
