/* SPDX-License-Identifier: Apache-2.0 */
/* pool.h - -j N: a command's jobs (one per FILE, or per output of convert
 * --output-dir) on N worker threads in one process, so they share the
 * compiled schemas. Each job writes to a stdout and a stderr of its own,
 * given out in job order once it is done: -j N prints the bytes -j 1 does. */
#ifndef CLI_POOL_H
#define CLI_POOL_H

#include "cli.h"

#include <stdbool.h>
#include <stddef.h>

/* Threads at most, whatever -j says: each job in flight holds temporary
 * files and the library tracks at most so many at once (espi_output). */
#define CLI_POOL_MAX_WORKERS 16

typedef struct cli_pool {
    size_t njobs;
    unsigned workers; /* 1: each job in the calling thread, straight to its io */
    /* Runs job index; prints to io (the job's own streams); returns its
     * exit code. Called on a worker thread unless workers is 1. */
    int (*run)(void *ctx, size_t index, const cli_io *io);
    /* In the calling thread, in job order, once the job's output is out:
     * counts, status lines. May be NULL. */
    void (*done)(void *ctx, size_t index, int code);
    void *ctx;
    /* On a terminal, a line "N/TOTAL what, rate/s, time left" on stderr,
     * rewritten as jobs finish and cleared at the end. */
    bool progress;
    const char *what; /* "outputs", "files" */
    /* When a job's stdout cannot be given out: "NAME: error: write: cannot
     * write WRITTEN: reason", as the command says it in one thread; NULL:
     * "<stdout>", "the output". */
    const char *out_name, *out_written;
} cli_pool;

/* Runs every job (in the calling thread when no worker can be started);
 * returns the worst of their exit codes, or CLI_IO when a job's output
 * could not be written out (printed; no job is started after that). */
int cli_pool_run(const cli_io *io, const cli_pool *p);

/* -j N: 1 to CLI_POOL_MAX_WORKERS; NULL gives the number of cores (capped
 * so); 1 when - (stdin) is among files more than once, since each reads
 * what the one before left. CLI_OK, or the usage error printed. */
int cli_pool_workers(const cli_io *io, const char *command, const char *text, char **files,
                     int nfiles, unsigned *out);

/* Whether stderr shows a progress line: a terminal, TERM not "dumb". */
bool cli_pool_progress_wanted(const cli_io *io);

#endif
