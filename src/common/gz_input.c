/* SPDX-License-Identifier: Apache-2.0 */
/* gz_input.c - a gzip input inflated as it is read (zlib's inflate behind
 * fopencookie, glibc): one 64 KiB buffer of compressed bytes, the output
 * written straight into the reader's buffer, and a cap on the bytes
 * unpacked, so a small file that inflates without end is stopped. */
#define _GNU_SOURCE /* fopencookie */
#include "common/gz_input.h"

#include "common/error.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define IN_CHUNK 65536 /* compressed bytes read at a time */

struct gz_input {
    FILE *in;
    z_stream zs;
    unsigned char *buf; /* compressed bytes */
    size_t cap;
    bool in_eof;
    bool member_open; /* inside a gzip member: its end is still to come */
    bool done;        /* the last member ended with the input */
    uint64_t max, total;
    char *name;
    FILE *stream;
    espi_status status; /* of the problem */
    const char *code;
    char problem[256]; /* "" while all is well */
};

bool gz_input_sniff(const unsigned char *head, size_t n)
{
    return n >= 2 && head[0] == 0x1f && head[1] == 0x8b;
}

static void fail(gz_input *g, espi_status status, const char *code, const char *what,
                 const char *detail)
{
    if (g->problem[0] != '\0')
        return;
    g->status = status;
    g->code = code;
    snprintf(g->problem, sizeof g->problem, "%s%s%s", what, detail ? ": " : "",
             detail ? detail : "");
}

/* More compressed bytes; false at the end of the input or on an error. */
static bool refill(gz_input *g)
{
    if (g->in_eof)
        return false;
    size_t n = fread(g->buf, 1, g->cap, g->in);
    if (n == 0) {
        g->in_eof = true;
        if (ferror(g->in)) {
            char reason[128];
            err_strerror(errno, reason, sizeof reason);
            fail(g, ESPI_E_IO, "io", "cannot read", reason);
        }
        return false;
    }
    g->zs.next_in = g->buf;
    g->zs.avail_in = (uInt)n;
    return true;
}

/* After a member: zeros to the end (block padding, which gunzip ignores)
 * end the data as the end of the input does. */
static bool only_zeros_left(gz_input *g)
{
    for (;;) {
        while (g->zs.avail_in > 0 && *g->zs.next_in == 0) {
            g->zs.next_in++;
            g->zs.avail_in--;
        }
        if (g->zs.avail_in > 0)
            return false;
        if (!refill(g))
            return true;
    }
}

/* Inflates into out until something comes out, the data end, or fail. */
static size_t inflate_some(gz_input *g, unsigned char *out, size_t size)
{
    uInt room = size > UINT_MAX ? UINT_MAX : (uInt)size;
    if (room == 0)
        return 0;
    uint64_t left = g->max - g->total; /* total never passes max unnoticed */
    if (left < (uint64_t)room - 1)
        room = (uInt)(left + 1); /* one byte over the cap tells a bomb */
    g->zs.next_out = out;
    g->zs.avail_out = room;
    while (g->zs.avail_out == room && g->problem[0] == '\0') {
        if (g->zs.avail_in == 0 && !refill(g)) {
            if (g->member_open)
                fail(g, ESPI_E_INPUT, "gz-corrupt",
                     "the gzip data end before their end mark (a truncated file?)", NULL);
            else
                g->done = true;
            break;
        }
        if (!g->member_open && only_zeros_left(g)) {
            g->done = true;
            break;
        }
        if (!g->member_open) { /* another member follows (gzip -c a b > c) */
            inflateReset(&g->zs);
            g->member_open = true;
        }
        int rc = inflate(&g->zs, Z_NO_FLUSH);
        if (rc == Z_STREAM_END)
            g->member_open = false;
        else if (rc == Z_MEM_ERROR)
            fail(g, ESPI_E_NOMEM, "nomem", "out of memory", NULL);
        else if (rc != Z_OK && (rc != Z_BUF_ERROR || g->zs.avail_in != 0)) /* stuck */
            fail(g, ESPI_E_INPUT, "gz-corrupt", "the gzip data are damaged",
                 g->zs.msg ? g->zs.msg : "invalid data");
    }
    return room - g->zs.avail_out;
}

static ssize_t cookie_read(void *ctx, char *buf, size_t size)
{
    gz_input *g = ctx;
    size_t n = g->problem[0] || g->done ? 0 : inflate_some(g, (unsigned char *)buf, size);
    g->total += n;
    if (g->problem[0] == '\0' && g->total > g->max) {
        char what[128];
        snprintf(what, sizeof what,
                 "the gzip data unpack to more than %llu bytes, the most espi reads (a gzip "
                 "bomb?)",
                 (unsigned long long)g->max);
        fail(g, ESPI_E_INPUT, "gz-bomb", what, NULL);
    }
    if (g->problem[0] != '\0') {
        errno = EIO;
        return -1;
    }
    return (ssize_t)n;
}

static int cookie_close(void *ctx)
{
    (void)ctx; /* gz_input_close frees */
    return 0;
}

int gz_input_open(gz_input **out, FILE *in, const unsigned char *head, size_t head_len,
                  const char *name, uint64_t max, espi_error *err)
{
    *out = NULL;
    gz_input *g = calloc(1, sizeof *g);
    size_t cap = head_len > IN_CHUNK ? head_len : IN_CHUNK;
    if (g == NULL || (g->buf = malloc(cap)) == NULL || (g->name = strdup(name)) == NULL) {
        gz_input_close(g);
        return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    }
    g->in = in;
    g->cap = cap;
    g->max = max ? max : GZ_INPUT_MAX_UNPACKED;
    memcpy(g->buf, head, head_len);
    g->zs.next_in = g->buf;
    g->zs.avail_in = (uInt)head_len;
    /* 15 + 16: a gzip wrapper (header, CRC-32 and size checked), 32 KiB window */
    if (inflateInit2(&g->zs, 15 + 16) != Z_OK) {
        free(g->buf);
        free(g->name);
        free(g);
        return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    }
    g->member_open = true;
    cookie_io_functions_t io = {cookie_read, NULL, NULL, cookie_close};
    if ((g->stream = fopencookie(g, "r", io)) == NULL) {
        gz_input_close(g);
        return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    }
    *out = g;
    return 0;
}

FILE *gz_input_stream(gz_input *g)
{
    return g->stream;
}

int gz_input_check(const gz_input *g, espi_error *err)
{
    if (g->problem[0] == '\0')
        return 0;
    err_loc loc = {g->name, 0, 0, NULL};
    return err_fail(err, g->status, g->code, &loc, "%s", g->problem);
}

void gz_input_close(gz_input *g)
{
    if (g == NULL)
        return;
    if (g->stream)
        fclose(g->stream);
    if (g->buf && g->cap) /* set once inflateInit2 may have run */
        inflateEnd(&g->zs);
    free(g->buf);
    free(g->name);
    free(g);
}
