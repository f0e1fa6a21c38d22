/* SPDX-License-Identifier: Apache-2.0 */
/* outbuf.h - a buffered byte sink over a FILE, shared by the writers (XML,
 * CSV): fixed element sets are formatted straight into a buffer, and the
 * first write error is kept rather than checked after every call. */
#ifndef OUTBUF_H
#define OUTBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define OUTBUF_SIZE (1 << 16)

typedef struct outbuf {
    FILE *f;
    char buf[OUTBUF_SIZE];
    size_t len;
    bool failed;
    int err_no; /* errno of the failed write */
} outbuf;

void outbuf_init(outbuf *o, FILE *f);
void outbuf_put(outbuf *o, const char *s, size_t n);
void outbuf_puts(outbuf *o, const char *s);
void outbuf_putc(outbuf *o, char c);
void outbuf_int(outbuf *o, int64_t v);
/* One CSV field (RFC 4180): quoted, with quotes doubled, only when it
 * holds a comma, a quote or a line end. */
void outbuf_put_csv(outbuf *o, const char *s);

/* Writes what is buffered; false once any write has failed. */
bool outbuf_flush(outbuf *o);

#endif
