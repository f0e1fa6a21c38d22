/* SPDX-License-Identifier: Apache-2.0 */
/* outbuf.c - the buffered sink of outbuf.h. */
#include "common/outbuf.h"

#include <errno.h>
#include <string.h>

void outbuf_init(outbuf *o, FILE *f)
{
    o->f = f;
    o->len = 0;
    o->failed = false;
    o->err_no = 0;
}

static void drain(outbuf *o)
{
    if (o->len > 0 && !o->failed && fwrite(o->buf, 1, o->len, o->f) != o->len) {
        o->failed = true;
        o->err_no = errno;
    }
    o->len = 0;
}

bool outbuf_flush(outbuf *o)
{
    drain(o);
    return !o->failed;
}

void outbuf_put(outbuf *o, const char *s, size_t n)
{
    if (o->len + n > OUTBUF_SIZE)
        drain(o);
    if (n > OUTBUF_SIZE) {
        if (!o->failed && fwrite(s, 1, n, o->f) != n)
            o->failed = true, o->err_no = errno;
        return;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}

void outbuf_puts(outbuf *o, const char *s)
{
    outbuf_put(o, s, strlen(s));
}

void outbuf_putc(outbuf *o, char c)
{
    if (o->len == OUTBUF_SIZE)
        drain(o);
    o->buf[o->len++] = c;
}

void outbuf_int(outbuf *o, int64_t v)
{
    char tmp[24];
    size_t i = sizeof tmp;
    uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[--i] = (char)('0' + mag % 10);
        mag /= 10;
    } while (mag > 0);
    if (v < 0)
        tmp[--i] = '-';
    outbuf_put(o, tmp + i, sizeof tmp - i);
}

void outbuf_put_csv(outbuf *o, const char *s)
{
    if (strpbrk(s, ",\"\r\n") == NULL) {
        outbuf_puts(o, s);
        return;
    }
    outbuf_putc(o, '"');
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            outbuf_putc(o, '"');
        outbuf_putc(o, *p);
    }
    outbuf_putc(o, '"');
}
