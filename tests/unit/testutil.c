/* SPDX-License-Identifier: Apache-2.0 */
/* testutil.c - helpers shared by the unit tests. */
#include "testutil.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

FILE *test_stream(const char *text)
{
    FILE *f = fmemopen((void *)(uintptr_t)text, strlen(text), "r");
    assert_non_null(f);
    return f;
}

const char *test_fixture(const char *relative)
{
    static char path[1024];
    const char *dir = getenv("ESPI_TESTDATA");
    snprintf(path, sizeof path, "%s/%s", dir ? dir : "testdata", relative);
    return path;
}

void test_collect_diag(const espi_diag *d, void *ctx)
{
    test_diags *t = ctx;
    if (d->severity == ESPI_SEV_WARNING)
        t->warnings++;
    if (t->count < 64) {
        snprintf(t->codes[t->count], sizeof t->codes[0], "%s", d->code ? d->code : "");
        t->lines[t->count] = d->line;
    }
    snprintf(t->last_message, sizeof t->last_message, "%s", d->message ? d->message : "");
    t->count++;
}

int test_diag_find(const test_diags *d, const char *code)
{
    for (size_t i = 0; i < d->count && i < 64; i++)
        if (strcmp(d->codes[i], code) == 0)
            return (int)i;
    return -1;
}

size_t test_dir_entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}
