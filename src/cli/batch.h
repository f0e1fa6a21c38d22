/* SPDX-License-Identifier: Apache-2.0 */
/* batch.h - espi convert --output-dir: many feeds from one run, each output
 * made of its group of FILEs, on -j worker threads (docs/scale.md). */
#ifndef CLI_BATCH_H
#define CLI_BATCH_H

#include "cli.h"

#include <stdbool.h>
#include <stddef.h>

/* What one output came to, for its status line and the closing totals. */
typedef struct batch_outcome {
    size_t warnings, errors;
    size_t readings; /* in the feed written; 0 when none was */
    bool written;
    bool message_is_error;
    char message[1400]; /* the first error, else the first warning; "" when none */
} batch_outcome;

/* Keeps line as the message unless one is kept already (an error replaces
 * a warning). */
void batch_remember(batch_outcome *oc, espi_severity severity, const char *line);

/* A finding counted (infos are not) and remembered. */
void batch_note(batch_outcome *oc, espi_severity severity, const char *line);

/* Converts inputs into one feed written to output, printing to io (a
 * worker's own streams); oc gets what it came to. Returns the exit code. */
typedef int (*batch_convert_fn)(void *ctx, const cli_io *io, const char *output, char **inputs,
                                int ninputs, batch_outcome *oc);

typedef struct batch_options {
    const char *dir;    /* --output-dir */
    const char *group;  /* --group: NULL or "input" */
    const char *status; /* --status: NULL, a path, "-" */
    bool skip_existing;
    bool quiet;
    unsigned workers; /* -j */
    batch_convert_fn convert;
    void *ctx;
} batch_options;

/* One output and the FILEs it is made of. */
typedef struct batch_item {
    char **args; /* its FILEs, in command-line order */
    size_t nargs;
    char *path;       /* DIR/NAME.xml */
    const char *name; /* NAME.xml, inside path */
    size_t index;     /* of its first FILE on the command line */
} batch_item;

/* Plans the outputs, makes DIR, converts each group (a failing one does
 * not stop the others), writes the status lines and the closing totals;
 * returns the worst exit code. */
int batch_run(const cli_io *io, const batch_options *bo, char **inputs, int ninputs);

#endif
