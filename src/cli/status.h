/* SPDX-License-Identifier: Apache-2.0 */
/* status.h - --status FILE: one JSON line per output (convert --output-dir)
 * or per input (validate, dump), written as each is done, for a pipeline
 * to follow (docs/scale.md gives the fields). */
#ifndef CLI_STATUS_H
#define CLI_STATUS_H

#include "cli.h"

#include <stdio.h>

typedef struct cli_status_line {
    const char *output; /* NULL: the line has no "output" (validate, dump) */
    char *const *inputs;
    size_t ninputs;
    const char *status; /* ok, invalid, error, skipped */
    long long readings; /* -1: not known (null) */
    size_t warnings, errors;
    const char *message; /* NULL or "": null */
    long long ms;        /* the time it took */
} cli_status_line;

/* Opens --status path ("-": io->out); *f stays NULL when path is NULL.
 * CLI_OK, or CLI_IO with the reason printed. */
int cli_status_open(const cli_io *io, const char *path, FILE **f);

/* Closes it (flushes stdout); CLI_IO, said, when anything failed to be
 * written. */
int cli_status_close(const cli_io *io, const char *path, FILE **f);

/* One line, flushed. */
void cli_status_put(FILE *f, const cli_status_line *line);

/* The status of an input (validate, dump) by its exit code: ok, invalid
 * (exit 1), else error. */
const char *cli_status_of_code(int code);

/* A monotonic clock in milliseconds, for "seconds". */
long long cli_now_ms(void);

#endif
