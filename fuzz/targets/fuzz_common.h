/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_common.h - what every fuzz target shares: the input as a read-only
 * memory stream, a memory stream to write to, the one time zone, and a
 * diagnostic callback that reads every field (so a bad pointer in a
 * diagnostic is caught). Header-only: each target is one translation unit,
 * built by fuzz/run.sh (clang, libFuzzer) or by tests/fuzz (replay). */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include "espi.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A read-only stream over a private copy of the input (fmemopen cannot take
 * a const buffer, and a size of 0 is refused). *copy is the caller's. */
static inline FILE *fuzz_open_input(const uint8_t *data, size_t size, char **copy)
{
    *copy = malloc(size + 1);
    if (*copy == NULL)
        return NULL;
    if (size > 0)
        memcpy(*copy, data, size);
    (*copy)[size] = '\0';
    FILE *in = fmemopen(*copy, size > 0 ? size : 1, "rb");
    if (in != NULL && size == 0)
        (void)fgetc(in); /* at end of the one NUL byte: an empty input */
    if (in == NULL) {
        free(*copy);
        *copy = NULL;
    }
    return in;
}

/* The co-op zone, loaded once for the process (reachable: no leak). */
static inline const espi_tz *fuzz_tz(void)
{
    static espi_tz *tz;
    if (tz == NULL) {
        espi_error err;
        if (espi_tz_load(&tz, "America/Los_Angeles", &err) != 0)
            abort();
    }
    return tz;
}

/* Reads every field of a diagnostic. */
static inline void fuzz_on_diag(const espi_diag *d, void *ctx)
{
    (void)ctx;
    char line[2048];
    (void)espi_diag_format(line, sizeof line, d);
}

/* Formats the error of a failed call, to read every field. */
static inline void fuzz_touch_error(const espi_error *err)
{
    char line[2048];
    (void)espi_error_format(line, sizeof line, err);
}

/* One run's input (as fuzz_open_input gives it) and an output in memory
 * (out NULL when the memory stream cannot be made). */
typedef struct fuzz_io {
    FILE *in;
    char *copy;
    FILE *out;
    char *buf;
    size_t len;
} fuzz_io;

/* false when the input cannot be opened: nothing to close then. */
static inline bool fuzz_io_open(fuzz_io *io, const uint8_t *data, size_t size)
{
    *io = (fuzz_io){0};
    io->in = fuzz_open_input(data, size, &io->copy);
    if (io->in == NULL)
        return false;
    io->out = open_memstream(&io->buf, &io->len);
    return true;
}

/* Closes both. The output is read lightly (its length and two bytes folded
 * in), so a write past the end or an unterminated buffer is caught. */
static inline void fuzz_io_close(fuzz_io *io)
{
    static volatile unsigned char sink;
    if (io->out != NULL) {
        fclose(io->out);
        if (io->buf != NULL && io->len > 0)
            sink = (unsigned char)(sink + (unsigned char)io->buf[io->len - 1] +
                                   (unsigned char)io->buf[io->len / 2]);
    }
    free(io->buf);
    fclose(io->in);
    free(io->copy);
}

#endif
