/* SPDX-License-Identifier: Apache-2.0 */
/* testutil.h - small helpers shared by the cmocka unit tests. */
#ifndef TESTUTIL_H
#define TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "espi.h"

/* A FILE* reading the given bytes (fmemopen); fails the test if it cannot. */
FILE *test_stream(const char *text);

/* The entries of folder dir, "." and ".." left out; fails the test if it
 * cannot be read. */
size_t test_dir_entries(const char *dir);

/* Path of a fixture under testdata/ ($ESPI_TESTDATA); static buffer. */
const char *test_fixture(const char *relative);

/* Collected diagnostics, for assertions on warnings. */
typedef struct test_diags {
    size_t count;
    size_t warnings;
    char codes[64][48];
    unsigned long lines[64];
    char last_message[512];
} test_diags;

void test_collect_diag(const espi_diag *d, void *ctx);

/* Index of the first diagnostic with this code, or -1. */
int test_diag_find(const test_diags *d, const char *code);

#endif
