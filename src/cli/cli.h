/* SPDX-License-Identifier: Apache-2.0 */
/* cli.h - the espi command-line tool: a table of subcommands, each with an
 * option table that drives both parsing and --help. Uses only espi.h. */
#ifndef CLI_H
#define CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "espi.h"

/* Exit codes, documented in README.md. */
enum { CLI_OK = 0, CLI_INVALID_INPUT = 1, CLI_USAGE = 2, CLI_IO = 3 };

typedef enum cli_opt_kind { CLI_FLAG, CLI_STRING } cli_opt_kind;

/* One option. The value lands at `offset` in the command's options struct:
 * a bool for flags, a const char * for strings. */
typedef struct cli_option {
    char short_name; /* 0 when there is none */
    const char *long_name;
    const char *arg_name; /* NULL for flags */
    cli_opt_kind kind;
    size_t offset;
    const char *help;
} cli_option;

typedef struct cli_io {
    FILE *out;
    FILE *err;
    const char *prog;
} cli_io;

typedef struct cli_command {
    const char *name;
    const char *usage;   /* after "espi NAME " */
    const char *summary; /* one line */
    const char *details; /* paragraphs after the options, may be NULL */
    const cli_option *options;
    size_t noptions;
    int (*run)(const cli_io *io, int argc, char **argv);
} cli_command;

/* Parses argv (argv[0] is the command name) into opts; positional
 * arguments are gathered, in order, into pos (capacity argc). Returns
 * CLI_OK, CLI_USAGE (after a message) or -1 when --help was given and
 * printed. */
int cli_parse(const cli_io *io, const cli_command *cmd, void *opts, int argc, char **argv,
              char **pos, int *npos);

void cli_print_help(FILE *out, const cli_command *cmd);

/* Prints "espi CMD: message" and a hint to stderr; returns CLI_USAGE. */
int cli_usage(const cli_io *io, const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* The exit code for a library status. */
int cli_exit_code(int status);

/* Prints a library error to io->err. */
void cli_print_error(const cli_io *io, const espi_error *err);

extern const cli_command cli_convert_command;
extern const cli_command cli_validate_command;
extern const cli_command cli_dump_command;

int cli_main(int argc, char **argv, FILE *out, FILE *err);

#endif
