/* SPDX-License-Identifier: Apache-2.0 */
/* secret.c - wiped memory: strings, capped buffers, and an allocator for
 * yajl that wipes what it frees. */
#include "fetch/secret.h"

#include <openssl/crypto.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_common.h>

void fetch_wipe(void *p, size_t n)
{
    if (p != NULL && n > 0)
        OPENSSL_cleanse(p, n);
}

char *fetch_strdup(const char *s)
{
    if (s == NULL)
        return NULL;
    size_t n = strlen(s) + 1;
    char *copy = malloc(n);
    if (copy != NULL)
        memcpy(copy, s, n);
    return copy;
}

void fetch_strfree(char *s)
{
    if (s == NULL)
        return;
    fetch_wipe(s, strlen(s));
    free(s);
}

/* Moves the buffer to a larger block; the old one is wiped. */
static int grow(fetch_buf *b, size_t need)
{
    size_t max = b->max ? b->max : FETCH_BUF_MAX;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > max / 2 ? max : cap * 2;
    unsigned char *data = malloc(cap + 1);
    if (data == NULL)
        return -1;
    if (b->data != NULL) {
        memcpy(data, b->data, b->len);
        fetch_wipe(b->data, b->cap + 1);
        free(b->data);
    }
    b->data = data;
    b->cap = cap;
    return 0;
}

int fetch_buf_add(fetch_buf *b, const void *p, size_t n)
{
    size_t max = b->max ? b->max : FETCH_BUF_MAX;
    if (n > max || b->len > max - n)
        return -2;
    if (b->data == NULL || b->len + n > b->cap) {
        int rc = grow(b, b->len + n);
        if (rc != 0)
            return rc;
    }
    if (n > 0)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int fetch_buf_puts(fetch_buf *b, const char *s)
{
    return fetch_buf_add(b, s, strlen(s));
}

void fetch_buf_clear(fetch_buf *b)
{
    if (b->data != NULL) {
        fetch_wipe(b->data, b->len);
        b->data[0] = '\0';
    }
    b->len = 0;
}

void fetch_buf_free(fetch_buf *b)
{
    if (b->data != NULL) {
        fetch_wipe(b->data, b->cap + 1);
        free(b->data);
    }
    b->data = NULL;
    b->len = b->cap = 0;
}

/* yajl's blocks carry their size in front, so they can be wiped whole. */
#define HEAD sizeof(max_align_t)

static void *wiping_malloc(void *ctx, size_t size)
{
    (void)ctx;
    if (size > SIZE_MAX - HEAD)
        return NULL;
    unsigned char *p = malloc(HEAD + size);
    if (p == NULL)
        return NULL;
    memcpy(p, &size, sizeof size);
    return p + HEAD;
}

static void wiping_free(void *ctx, void *ptr)
{
    (void)ctx;
    if (ptr == NULL)
        return;
    unsigned char *p = (unsigned char *)ptr - HEAD;
    size_t size;
    memcpy(&size, p, sizeof size);
    fetch_wipe(p, HEAD + size);
    free(p);
}

static void *wiping_realloc(void *ctx, void *ptr, size_t size)
{
    if (ptr == NULL)
        return wiping_malloc(ctx, size);
    unsigned char *old = (unsigned char *)ptr - HEAD;
    size_t old_size;
    memcpy(&old_size, old, sizeof old_size);
    void *p = wiping_malloc(ctx, size);
    if (p == NULL)
        return NULL;
    memcpy(p, ptr, old_size < size ? old_size : size);
    wiping_free(ctx, ptr);
    return p;
}

void fetch_wiping_yajl_alloc(yajl_alloc_funcs *funcs)
{
    funcs->malloc = wiping_malloc;
    funcs->realloc = wiping_realloc;
    funcs->free = wiping_free;
    funcs->ctx = NULL;
}
