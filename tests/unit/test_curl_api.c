/* SPDX-License-Identifier: Apache-2.0 */
/* test_curl_api.c - libcurl opened with dlopen (fetch/curl_api.h): the
 * clear error, and nothing filled in, when the library cannot be opened or
 * is not libcurl; the table of the real one, opened once however many
 * threads ask at the same time, and the version espi --version names. */
#include "testutil.h"

#include "fetch/curl_api.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Whether every byte of api is zero. */
static bool all_zero(const fetch_curl_api *api)
{
    const unsigned char *p = (const unsigned char *)api;
    for (size_t i = 0; i < sizeof *api; i++)
        if (p[i] != 0)
            return false;
    return true;
}

static void test_missing_library(void **state)
{
    (void)state;
    fetch_curl_api api;
    memset(&api, 0xAB, sizeof api);
    espi_error err;
    assert_int_equal(fetch_curl_load_named(&api, "libcurl-does-not-exist.so.4", &err), ESPI_E_IO);
    assert_int_equal(err.status, ESPI_E_IO);
    assert_string_equal(err.code, "fetch-libcurl");
    /* what is needed, the package, and the loader's words */
    const char *want = "espi fetch needs libcurl (libcurl-does-not-exist.so.4, Debian package "
                       "libcurl4), which cannot be loaded: libcurl-does-not-exist.so.4: ";
    assert_memory_equal(err.message, want, strlen(want));
    assert_non_null(strstr(err.message, "No such file or directory"));
    assert_true(all_zero(&api));
    /* err may be NULL */
    assert_int_equal(fetch_curl_load_named(&api, "libcurl-does-not-exist.so.4", NULL), ESPI_E_IO);
}

/* A library that opens but is not libcurl: the first function missing is named. */
static void test_not_libcurl(void **state)
{
    (void)state;
    fetch_curl_api api;
    memset(&api, 0xAB, sizeof api);
    espi_error err;
    assert_int_equal(fetch_curl_load_named(&api, "libz.so.1", &err), ESPI_E_IO);
    assert_string_equal(err.code, "fetch-libcurl");
    assert_non_null(strstr(err.message, "espi fetch needs libcurl (libz.so.1, "));
    assert_non_null(strstr(err.message, "undefined symbol: curl_global_init"));
    assert_true(all_zero(&api));
}

static void test_real_library(void **state)
{
    (void)state;
    espi_error err;
    memset(&err, 0, sizeof err);
    const fetch_curl_api *cu = fetch_curl(&err);
    assert_non_null(cu);
    assert_int_equal(err.status, ESPI_OK); /* untouched */
    assert_ptr_equal(fetch_curl(NULL), cu);
    /* every member filled */
    for (size_t off = 0; off < sizeof *cu; off += sizeof(void *)) {
        void *fn;
        memcpy(&fn, (const char *)cu + off, sizeof fn);
        assert_non_null(fn);
    }
    /* the same library as a second opening of the soname */
    fetch_curl_api again;
    assert_int_equal(fetch_curl_load_named(&again, ESPI_LIBCURL_SONAME, &err), 0);
    assert_memory_equal(&again, cu, sizeof again);

    /* calls go through: the URL parser, the version */
    CURLU *u = cu->url();
    assert_non_null(u);
    char *host = NULL;
    assert_int_equal(cu->url_set(u, CURLUPART_URL, "https://example.com:8443/a?b", 0), CURLUE_OK);
    assert_int_equal(cu->url_get(u, CURLUPART_HOST, &host, 0), CURLUE_OK);
    assert_string_equal(host, "example.com");
    cu->mem_free(host);
    cu->url_cleanup(u);
    const curl_version_info_data *v = cu->version_info(CURLVERSION_NOW);
    assert_non_null(v);
    assert_true(v->version_num >= 0x075500); /* CURLOPT_PROTOCOLS_STR: 7.85 */
    char text[512], want[64];
    espi_dependency_versions(text, sizeof text);
    snprintf(want, sizeof want, ", libcurl %s, ", v->version);
    assert_non_null(strstr(text, want));
    assert_string_equal(cu->easy_strerror(CURLE_OK), "No error");
}

/* Many threads ask at once: one table. */
static void *ask(void *out)
{
    *(const fetch_curl_api **)out = fetch_curl(NULL);
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    enum { N = 8 };
    pthread_t t[N];
    const fetch_curl_api *got[N];
    for (int i = 0; i < N; i++)
        assert_int_equal(pthread_create(&t[i], NULL, ask, &got[i]), 0);
    for (int i = 0; i < N; i++)
        assert_int_equal(pthread_join(t[i], NULL), 0);
    for (int i = 0; i < N; i++) {
        assert_non_null(got[i]);
        assert_ptr_equal(got[i], got[0]);
    }
}

int main(void)
{
    /* the threads first, so that they race for the first opening */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_missing_library),
        cmocka_unit_test(test_not_libcurl),
        cmocka_unit_test(test_real_library),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
