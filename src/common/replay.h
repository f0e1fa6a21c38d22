/* SPDX-License-Identifier: Apache-2.0 */
/* replay.h - a stream whose first bytes were read ahead, to tell what it
 * holds, given whole again: those bytes, then the rest of it (fopencookie,
 * glibc; the includer defines _GNU_SOURCE). Used by the input layer
 * (input.c) and by espi_converter_add (convert.c). */
#ifndef REPLAY_H
#define REPLAY_H

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

typedef struct replay {
    const unsigned char *head; /* the bytes read ahead (the caller's) */
    size_t len, pos;
    FILE *rest;     /* what follows them (the caller's) */
    int read_errno; /* rest failed to read: why; 0 while it has not */
} replay;

/* Reads up to cap bytes of in into buf, as r's head (r->rest is in):
 * false, with r->read_errno, when in fails to read. */
static inline bool replay_fill(replay *r, unsigned char *buf, size_t cap, FILE *in)
{
    *r = (replay){buf, 0, 0, in, 0};
    while (r->len < cap) {
        size_t got = fread(buf + r->len, 1, cap - r->len, in);
        if (got == 0)
            break;
        r->len += got;
    }
    if (ferror(in))
        r->read_errno = errno ? errno : EIO;
    return !ferror(in);
}

static inline ssize_t replay_read(void *cookie, char *buf, size_t size)
{
    replay *r = cookie;
    if (r->pos < r->len) {
        size_t k = r->len - r->pos < size ? r->len - r->pos : size;
        memcpy(buf, r->head + r->pos, k);
        r->pos += k;
        return (ssize_t)k;
    }
    size_t got = fread(buf, 1, size, r->rest);
    if (got == 0 && ferror(r->rest)) {
        r->read_errno = errno ? errno : EIO;
        return -1;
    }
    return (ssize_t)got;
}

static inline int replay_close(void *cookie)
{
    (void)cookie; /* the head and the rest stay the caller's */
    return 0;
}

/* Whether f is a regular file, now wound back to start, its position
 * before its first bytes were read to tell what it holds (ftello; -1 when
 * it could not tell). Such a file needs no replay: it is handed out
 * itself, so that its reader takes one copy less and sees a file (fileno,
 * fstat) that it may read ahead on another thread. A pipe or an inflated
 * stream is replayed. */
static inline bool stream_rewind(FILE *f, off_t start)
{
    struct stat st;
    int fd = fileno(f);
    return start >= 0 && !ferror(f) && fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
           fseeko(f, start, SEEK_SET) == 0;
}

/* stream_rewind of r's rest, when it read with no error. */
static inline bool replay_rewind(replay *r, off_t start)
{
    return r->read_errno == 0 && stream_rewind(r->rest, start);
}

/* A read-only FILE over r, which must outlive it; NULL when out of
 * memory. Closing it closes neither the head nor the rest. */
static inline FILE *replay_open(replay *r)
{
    cookie_io_functions_t io = {replay_read, NULL, NULL, replay_close};
    return fopencookie(r, "rb", io);
}

#endif
