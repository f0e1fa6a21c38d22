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
    /* The values it takes, space-separated, for shell completion: every
     * one for an enumeration, the common ones where any of a family goes
     * (--unit); NULL for free text. FILE and ZONE complete as such. */
    const char *values;
} cli_option;

/* One example of a command's use, for --help and the man page. */
typedef struct cli_example {
    const char *what; /* what it does, a sentence */
    const char *line; /* the command line */
} cli_example;

typedef struct cli_io {
    FILE *out;
    FILE *err;
    const char *prog;
} cli_io;

typedef struct cli_command {
    const char *name;
    const char *usage;   /* after "espi NAME " */
    const char *summary; /* one line */
    /* Paragraphs after the options, may be NULL. Lines that start with two
     * spaces are items of a list ("  term   text"), lines indented further
     * continue the item; the man page turns them into tagged paragraphs. */
    const char *details;
    const char *exit_status; /* after "Exit codes: ", may be NULL */
    const cli_option *options;
    size_t noptions;
    const cli_example *examples;
    size_t nexamples;
    int (*run)(const cli_io *io, int argc, char **argv);
} cli_command;

/* Parses argv (argv[0] is the command name) into opts; positional
 * arguments are gathered, in order, into pos (capacity argc). Returns
 * CLI_OK, CLI_USAGE (after a message) or -1 when --help was given and
 * printed. */
int cli_parse(const cli_io *io, const cli_command *cmd, void *opts, int argc, char **argv,
              char **pos, int *npos);

void cli_print_help(FILE *out, const cli_command *cmd);

/* The help of every command's -h, --help, which no option table holds. */
extern const char cli_help_option_text[];

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

/* Writes feed to path (NULL: stdout) through a temporary file; with
 * validate, checks it against the stricter ESPI 3.3 schema set (which
 * implies 4.0), findings to on_diag, before keeping it. Prints what went
 * wrong; returns an exit code. */
int cli_write_feed(const cli_io *io, const char *path, const espi_feed *feed,
                   const espi_write_options *wo, bool validate, espi_diag_fn on_diag, void *ctx);

/* The commands, in the order --help lists them. */
const cli_command *const *cli_commands(size_t *n);
const cli_command *cli_find_command(const char *name);

/* An option of espi itself, given before any command. */
typedef struct cli_global_option {
    char short_name;
    const char *long_name;
    const char *arg_name;
    const char *help; /* NULL: hidden from --help, the man page and completion */
    int (*run)(const cli_io *io, int argc, char **argv); /* argv[0] is the option */
} cli_global_option;

const cli_global_option *cli_global_options(size_t *n);

/* One exit code and what it means, as --help and espi(1) list them. */
typedef struct cli_exit_code_doc {
    int code;
    const char *meaning;
} cli_exit_code_doc;

extern const cli_exit_code_doc cli_exit_codes[];
extern const size_t cli_nexit_codes;
extern const char cli_overview_usage[]; /* after "espi " */
extern const char cli_tagline[];        /* what espi is, one line */
extern const char cli_description[];    /* what espi is, a paragraph for espi(1) */

/* "espi --generate WHAT [COMMAND]": the documentation, from these tables. */
int cli_generate_man(const cli_io *io, const cli_command *cmd); /* NULL: espi(1) */
int cli_generate_bash(const cli_io *io);
int cli_generate_zsh(const cli_io *io);

extern const cli_command cli_convert_command;
extern const cli_command cli_validate_command;
extern const cli_command cli_dump_command;
extern const cli_command cli_fetch_command;

int cli_main(int argc, char **argv, FILE *out, FILE *err);

#endif
