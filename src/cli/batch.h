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
 * worker's own streams), keeping only the usage of account and location
 * when account is not NULL (--group account); oc gets what it came to.
 * Returns the exit code. */
typedef int (*batch_convert_fn)(void *ctx, const cli_io *io, const char *output, char **inputs,
                                int ninputs, const char *account, const char *location,
                                batch_outcome *oc);

/* --group account: reads input (one FILE) as a group's conversion would,
 * writing nothing and saying no warning, and calls found for each SmartHub
 * account and location it holds (espi_converter_accounts). An error is
 * printed to io and noted in oc; returns the exit code. */
typedef int (*batch_scan_fn)(void *ctx, const cli_io *io, const char *input, espi_account_fn found,
                             void *found_ctx, batch_outcome *oc);

typedef struct batch_options {
    const char *dir;    /* --output-dir */
    const char *group;  /* --group: NULL, "input" or "account" */
    const char *status; /* --status: NULL, a path, "-" */
    bool skip_existing;
    bool quiet;
    unsigned workers; /* -j */
    batch_convert_fn convert;
    batch_scan_fn scan; /* --group account */
    void *ctx;          /* of convert and scan */
} batch_options;

/* One output and the FILEs it is made of. */
typedef struct batch_item {
    char **args; /* its FILEs, in command-line order */
    size_t nargs;
    char *path;       /* DIR/NAME.xml */
    const char *name; /* NAME.xml, inside path */
    size_t index;     /* of its first FILE on the command line */
    /* --group account (batch_account.c): */
    char **owned;         /* args, when made for the item; freed with it */
    char *account;        /* its account and location ("" none); NULL: a */
    char *location;       /* FILE without a SmartHub account, its own group */
    batch_outcome *noted; /* what planning said of it, counted in its line; NULL */
    int failed;           /* not CLI_OK: its FILE could not be read when planned */
} batch_item;

/* NAME of FILE's output (--group input): its base name without ".gz" and
 * one more extension; its length (0: none). */
size_t batch_output_stem(const char *arg, const char **stem);

/* DIR/NAME.xml, NAME the len bytes of stem; *name_at is where NAME.xml
 * starts. NULL when out of memory. */
char *batch_output_path(const char *dir, const char *stem, size_t len, size_t *name_at);

/* Frees what batch_plan_accounts made for an item (not the item). */
void batch_item_free(batch_item *it);

/* --group account: reads every FILE once (on the -j pool) to tell the
 * SmartHub accounts and locations it holds, and plans one item per
 * account and location (DIR/ACCOUNT-LOCATION.xml) with every FILE that
 * holds it, then one per FILE that holds none (named as --group input
 * names it), sorted so; *items is the caller's (batch_item_free each).
 * Returns CLI_OK or the usage error printed. docs/scale.md. */
int batch_plan_accounts(const cli_io *io, const batch_options *bo, char **inputs, int ninputs,
                        batch_item **items, size_t *n);

/* Plans the outputs, makes DIR, converts each group (a failing one does
 * not stop the others), writes the status lines and the closing totals;
 * returns the worst exit code. */
int batch_run(const cli_io *io, const batch_options *bo, char **inputs, int ninputs);

#endif
