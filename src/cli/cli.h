/* SPDX-License-Identifier: Apache-2.0 */
/* cli.h - the espi command-line tool: a table of subcommands, each with an
 * option table that drives both parsing and --help. Uses only espi.h. */
#ifndef CLI_H
#define CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <pthread.h>
#include <stdio.h>

#include "espi.h"

/* Exit codes, documented in README.md. */
enum { CLI_OK = 0, CLI_INVALID_INPUT = 1, CLI_USAGE = 2, CLI_IO = 3 };

typedef enum cli_opt_kind { CLI_FLAG, CLI_STRING, CLI_LIST } cli_opt_kind;

/* The values of a CLI_LIST option, which may be given again and again:
 * each as given, in order (splitting "a,b" is the command's). */
#define CLI_LIST_MAX 64
typedef struct cli_list {
    const char *values[CLI_LIST_MAX];
    size_t n;
} cli_list;

/* One option. The value lands at `offset` in the command's options struct:
 * a bool for flags, a const char * for strings, a cli_list for lists. */
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

/* A library diagnostic, one line to io->err; ctx is the cli_io. */
void cli_print_diag(const espi_diag *d, void *ctx);

/* The library calls the stream it writes "<output>"; messages name the
 * file (target, when there is one). */
void cli_name_output(espi_error *err, const char *target);

/* An option's word and the enum value it stands for. */
typedef struct cli_choice {
    const char *name;
    int value;
} cli_choice;

/* The value of name among n choices; false when it is none of them. */
bool cli_pick(const cli_choice *c, size_t n, const char *name, int *out);

/* The self-check of a written feed: espi_validate (the ESPI 3.3 schema
 * set, which implies 4.0, and the rules, families from the file) on the
 * temporary file, before it is kept. */
typedef struct cli_check {
    bool run;             /* false: not checked (--no-validate) */
    bool quiet;           /* warnings alone are not listed */
    espi_diag_fn on_diag; /* findings that mean a bug in espi's writer */
    void *ctx;
    size_t errors, warnings; /* out: the findings that remain */
    const char *after;       /* "remain after ...": NULL, "conversion" */
} cli_check;

/* A conversion (or fetch, or a FILE validated) under way, from its first
 * read to its output kept: counted so that each can tell whether it has a
 * second core to itself (cli_cores_to_spare: --output-dir -j N and
 * validate -j N run several at once).
 * Where it has, a job may take a thread more to finish sooner; where the
 * cores are all busy, that thread would only add work. */
void cli_job_begin(void);
void cli_job_end(void);
bool cli_cores_to_spare(void);

/* Where a core is spare, compiles the schemas of the check of what
 * convert writes on a thread of their own, while the inputs are read, so
 * that the check does not start with it; true when the thread started
 * (the caller joins it). */
bool cli_schema_warm_begin(pthread_t *thread);

/* Writes feed to path (NULL: stdout) through a temporary file, checked as
 * check says (NULL: not checked). A schema finding is espi's bug: nothing
 * is kept (CLI_IO). Findings of the rules that remain are listed, one line
 * per rule; the feed is kept all the same, and errors among them give
 * CLI_INVALID_INPUT. Prints what went wrong; returns an exit code. */
int cli_write_feed_checked(const cli_io *io, const char *path, const espi_feed *feed,
                           const espi_write_options *wo, cli_check *check);

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

/* The inputs of the FILE arguments (inputs.c): each argument opened with
 * espi_input_open (a file, - for stdin, gzip, each .xml file of a ZIP), with
 * one wording for a missing file, a directory and an unreadable file. */
typedef struct cli_input {
    const char *arg;  /* the argument it comes from */
    const char *name; /* for messages: the path, "<stdin>" or "archive.zip:member.xml" */
    FILE *stream;
    const unsigned char *head; /* its first bytes, which stream still gives */
    size_t head_len;
} cli_input;

typedef struct cli_inputs {
    const cli_io *io;
    /* Reads one input: 0, or an espi status with err filled, which
     * cli_read_inputs prints (or the reason the input layer gives). */
    int (*read)(void *ctx, const cli_input *in, espi_error *err);
    /* Each input or argument that failed, once its error is printed (read:
     * it failed in read, not before); may be NULL. */
    void (*failed)(void *ctx, const char *name, const espi_error *err, bool read);
    void *ctx;
    bool green_button_only; /* SmartHub data are refused, naming espi convert */
    bool stop_at_error;     /* the first failure ends the argument */
} cli_inputs;

/* Reads every input of arg through ci; returns the worst exit code. */
int cli_read_inputs(const cli_inputs *ci, const char *arg);

/* A command's inputs: its positional arguments, then the paths listed by
 * --files-from (for more inputs than a command line holds). */
typedef struct cli_files {
    char **v;
    int n;
    char *text; /* the list's bytes, which v points into */
} cli_files;

/* Gathers pos and the paths of list (NULL: none; "-": stdin), one per
 * line (empty lines skipped; a CR before the LF is not part of the path),
 * or NUL-separated when nul. Returns CLI_OK, or an error it printed: I/O
 * (the list cannot be read) or usage (no input at all, -0 without a list,
 * stdin both the list and an input). */
int cli_files_gather(const cli_io *io, const char *command, char **pos, int npos, const char *list,
                     bool nul, cli_files *out);
void cli_files_free(cli_files *f);

/* Checks --unit (when given) and loads --tz (when given) into *tz, for
 * dump, summary and report; CLI_OK, or the usage error printed. */
int cli_unit_and_zone(const cli_io *io, const char *command, const char *unit, const char *zone,
                      espi_tz **tz);

/* A library object that takes the inputs one by one and writes one
 * output at the end: espi summary's summarizer, espi report's reporter. */
typedef struct cli_sink {
    int (*make)(void **obj, FILE *dest, const void *opts, espi_error *err);
    int (*add)(void *obj, FILE *in, const char *name, espi_error *err);
    int (*finish)(void *obj, espi_error *err);
    void (*destroy)(void *obj);
} cli_sink;

/* Reads every input of files into a sink writing to output (NULL or "-":
 * stdout; else a temporary file renamed at the end, kept only when every
 * input was read). Every input is read even when one fails, unless the
 * output does; returns the worst exit code. */
int cli_run_sink(const cli_io *io, const cli_sink *sink, const void *opts, const char *output,
                 char **files, int nfiles);

/* 0 when in may be Green Button XML; else ESPI_E_INPUT, err saying what it
 * is and the espi convert command that reads it. */
int cli_input_green_button(const cli_input *in, espi_error *err);

extern const cli_command cli_convert_command;
extern const cli_command cli_validate_command;
extern const cli_command cli_dump_command;
extern const cli_command cli_summary_command;
extern const cli_command cli_report_command;
extern const cli_command cli_fetch_command;

int cli_main(int argc, char **argv, FILE *out, FILE *err);

#endif
