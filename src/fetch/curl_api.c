/* SPDX-License-Identifier: Apache-2.0 */
/* curl_api.c - libcurl opened with dlopen when a fetch first needs it
 * (curl_api.h says why). */
#include "fetch/curl_api.h"

#include "common/error.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>
#include <string.h>

#ifndef ESPI_LIBCURL_SONAME
#error "ESPI_LIBCURL_SONAME (the soname of libcurl, \"libcurl.so.4\") is not defined"
#endif

/* dlsym gives a void *, stored as the function pointer it is (POSIX
 * requires the two to have one representation). */
_Static_assert(sizeof(void *) == sizeof(void (*)(void)),
               "a function pointer is not the size of a void *");

/* curl_NAME into the member NAME */
#define FN(member) "curl_" #member, offsetof(fetch_curl_api, member)

static const struct {
    const char *name;
    size_t offset;
} functions[] = {
    {FN(global_init)},  {FN(global_cleanup)},
    {FN(easy_init)},    {FN(easy_cleanup)},
    {FN(easy_setopt)},  {FN(easy_getinfo)},
    {FN(easy_perform)}, {FN(easy_strerror)},
    {FN(slist_append)}, {FN(slist_free_all)},
    {FN(url)},          {FN(url_cleanup)},
    {FN(url_get)},      {FN(url_set)},
    {FN(version_info)}, {"curl_free", offsetof(fetch_curl_api, mem_free)},
};

#undef FN

static int cannot_load(fetch_curl_api *api, const char *soname, const char *why, espi_error *err)
{
    memset(api, 0, sizeof *api);
    return err_fail(err, ESPI_E_IO, "fetch-libcurl", NULL,
                    "espi fetch needs libcurl (%s, Debian package libcurl4), which cannot be "
                    "loaded: %s",
                    soname, why ? why : "no reason given");
}

int fetch_curl_load_named(fetch_curl_api *api, const char *soname, espi_error *err)
{
    memset(api, 0, sizeof *api);
    dlerror(); /* forget an earlier failure */
    void *lib = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL)
        return cannot_load(api, soname, dlerror(), err);
    for (size_t i = 0; i < sizeof functions / sizeof functions[0]; i++) {
        dlerror();
        void *fn = dlsym(lib, functions[i].name);
        if (fn == NULL) {
            /* copied: dlclose may free the text dlerror gives */
            char why[256];
            const char *text = dlerror();
            str_lcpy(why, text ? text : functions[i].name, sizeof why);
            dlclose(lib);
            return cannot_load(api, soname, why, err);
        }
        memcpy((char *)api + functions[i].offset, &fn, sizeof fn);
    }
    return 0;
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static fetch_curl_api loaded;
static espi_error load_error; /* why loaded is empty */

static void load(void)
{
    (void)fetch_curl_load_named(&loaded, ESPI_LIBCURL_SONAME, &load_error); /* zeroed on failure */
}

const fetch_curl_api *fetch_curl(espi_error *err)
{
    pthread_once(&once, load);
    if (loaded.easy_init != NULL)
        return &loaded;
    if (err != NULL)
        *err = load_error;
    return NULL;
}
