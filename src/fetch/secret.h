/* SPDX-License-Identifier: Apache-2.0 */
/* secret.h - memory that may hold a secret (a password, a token, a TOTP
 * key, a login request, a response): wiped before it is given back, and
 * growing buffers capped. Everything the fetch layer allocates for text it
 * sends or receives goes through these, so nothing it held stays in freed
 * memory. */
#ifndef FETCH_SECRET_H
#define FETCH_SECRET_H

#include <stdbool.h>
#include <stddef.h>
#include <yajl/yajl_common.h>

/* Overwrites n bytes at p with zeros in a way the compiler keeps. */
void fetch_wipe(void *p, size_t n);

/* A copy of s (NULL for NULL or when out of memory). */
char *fetch_strdup(const char *s);

/* Wipes and frees a string; NULL is a no-op. */
void fetch_strfree(char *s);

/* A growing byte buffer, always NUL-terminated after its data, never larger
 * than max (0: FETCH_BUF_MAX), wiped when it moves and when it is freed. */
typedef struct fetch_buf {
    unsigned char *data;
    size_t len, cap, max;
} fetch_buf;

#define FETCH_BUF_MAX ((size_t)1 << 30)

/* 0; -1 when out of memory; -2 when max would be passed. */
int fetch_buf_add(fetch_buf *b, const void *p, size_t n);
int fetch_buf_puts(fetch_buf *b, const char *s);

/* Empties the buffer, wiping what it held; keeps the memory. */
void fetch_buf_clear(fetch_buf *b);

/* Wipes and frees the data. */
void fetch_buf_free(fetch_buf *b);

/* Allocation functions for yajl that wipe what they give back (a parse of
 * the login's answer holds the token). */
void fetch_wiping_yajl_alloc(yajl_alloc_funcs *funcs);

#endif
