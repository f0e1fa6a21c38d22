/* SPDX-License-Identifier: Apache-2.0 */
/* cli.c - subcommand dispatch, global options and shared reporting. */
#include "cli.h"

#include "espi.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const cli_command *const commands[] = {
    &cli_convert_command, &cli_validate_command, &cli_dump_command,
    &cli_summary_command, &cli_report_command,   &cli_fetch_command,
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

const cli_command *const *cli_commands(size_t *n)
{
    *n = NCOMMANDS;
    return commands;
}

const char cli_overview_usage[] = "COMMAND [OPTIONS] [FILE...]";

const char cli_tagline[] =
    "Green Button (ESPI) energy data: convert SmartHub exports, validate and read feeds.";

const char cli_description[] =
    "espi reads and writes Green Button files (NAESB REQ.21 ESPI: an Atom feed of UsagePoint,\n"
    "MeterReading, ReadingType, IntervalBlock and LocalTimeParameters). It turns what the\n"
    "SmartHub portals of electric co-ops give (usage JSON, CSV exports, billing history,\n"
    "account data) into one Green Button file and repairs Green Button files that are off\n"
    "the standard (espi convert), checks any Green Button file against the ESPI schemas and\n"
    "the Green Button rules (espi validate), streams any Green Button file into CSV or\n"
    "JSON rows (espi dump), and downloads a member's data from a SmartHub portal's API, or a\n"
    "Green Button file by URL, into one feed (espi fetch). Messages go to stderr as\n"
    "FILE:LINE: severity: code: message.\n";

const cli_exit_code_doc cli_exit_codes[] = {
    {CLI_OK, "success"},
    {CLI_INVALID_INPUT, "invalid input (the data or the file is wrong; the message says where)"},
    {CLI_USAGE, "usage error (unknown option, missing argument, unknown time zone)"},
    {CLI_IO, "I/O or system error (cannot read or write a file, out of memory)"},
};

const size_t cli_nexit_codes = sizeof cli_exit_codes / sizeof cli_exit_codes[0];

static void print_overview(FILE *out)
{
    fprintf(out, "Usage: espi %s\n\n%s\n\nCommands:\n", cli_overview_usage, cli_tagline);
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
    fprintf(out, "\n'espi COMMAND --help' or 'espi help COMMAND' describes a command.\n"
                 "'espi --version' prints the version.\n\nExit codes:\n");
    for (size_t i = 0; i < cli_nexit_codes; i++)
        fprintf(out, "  %d  %s\n", cli_exit_codes[i].code, cli_exit_codes[i].meaning);
}

const cli_command *cli_find_command(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i]->name, name) == 0)
            return commands[i];
    return NULL;
}

int cli_usage(const cli_io *io, const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(io->err, "%s %s: ", io->prog, cmd);
    vfprintf(io->err, fmt, ap);
    fprintf(io->err, "\nTry '%s %s --help'.\n", io->prog, cmd);
    va_end(ap);
    return CLI_USAGE;
}

int cli_exit_code(int status)
{
    switch (status) {
    case ESPI_OK: return CLI_OK;
    case ESPI_E_INPUT:
    case ESPI_E_LIMIT: return CLI_INVALID_INPUT;
    case ESPI_E_ARG: return CLI_USAGE;
    default: return CLI_IO;
    }
}

void cli_print_error(const cli_io *io, const espi_error *err)
{
    char line[1400];
    espi_error named = *err;
    if (strcmp(named.file, "<output>") == 0) /* the library's name for the stream it writes */
        snprintf(named.file, sizeof named.file, "%s", "<stdout>");
    espi_error_format(line, sizeof line, &named);
    fprintf(io->err, "%s\n", line);
}

void cli_print_diag(const espi_diag *d, void *ctx)
{
    const cli_io *io = ctx;
    char line[1400];
    espi_diag_format(line, sizeof line, d);
    fprintf(io->err, "%s\n", line);
}

void cli_name_output(espi_error *err, const char *target)
{
    if (target && strcmp(err->file, "<output>") == 0)
        snprintf(err->file, sizeof err->file, "%s", target);
}

bool cli_pick(const cli_choice *c, size_t n, const char *name, int *out)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(c[i].name, name) == 0) {
            *out = c[i].value;
            return true;
        }
    return false;
}

static int help_command(const cli_io *io, int argc, char **argv)
{
    if (argc < 3) {
        print_overview(io->out);
        return CLI_OK;
    }
    const cli_command *cmd = cli_find_command(argv[2]);
    if (cmd == NULL) {
        fprintf(io->err, "%s: unknown command '%s'\nTry '%s --help'.\n", io->prog, argv[2],
                io->prog);
        return CLI_USAGE;
    }
    cli_print_help(io->out, cmd);
    return CLI_OK;
}

static int run_overview(const cli_io *io, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    print_overview(io->out);
    return CLI_OK;
}

/* The tool's version, then the library's and those of the libraries it runs
 * with, as a bug report wants them. */
static int run_version(const cli_io *io, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    char deps[512];
    espi_dependency_versions(deps, sizeof deps);
    fprintf(io->out, "espi %s\nlibespi %s (%s)\n", ESPI_VERSION, espi_version(), deps);
    return CLI_OK;
}

static int generate_man(const cli_io *io, const cli_command *cmd)
{
    return cli_generate_man(io, cmd);
}

static int generate_bash(const cli_io *io, const cli_command *cmd)
{
    (void)cmd;
    return cli_generate_bash(io);
}

static int generate_zsh(const cli_io *io, const cli_command *cmd)
{
    (void)cmd;
    return cli_generate_zsh(io);
}

typedef struct generator {
    const char *what;
    bool per_command; /* takes an optional COMMAND */
    int (*run)(const cli_io *io, const cli_command *cmd);
} generator;

static const generator generators[] = {
    {"man", true, generate_man},
    {"bash-completion", false, generate_bash},
    {"zsh-completion", false, generate_zsh},
};

static int generate_usage(const cli_io *io, const char *why, const char *what)
{
    fprintf(io->err,
            "%s --generate: %s%s\nUsage: %s --generate man [COMMAND] | bash-completion | "
            "zsh-completion\n",
            io->prog, why, what, io->prog);
    return CLI_USAGE;
}

static const generator *find_generator(const char *what)
{
    for (size_t i = 0; i < sizeof generators / sizeof generators[0]; i++)
        if (strcmp(generators[i].what, what) == 0)
            return &generators[i];
    return NULL;
}

/* "espi --generate WHAT [COMMAND]": a man page or a completion script on
 * stdout, for the build; hidden from --help. */
static int run_generate(const cli_io *io, int argc, char **argv)
{
    if (argc < 2)
        return generate_usage(io, "what to generate?", "");
    const generator *g = find_generator(argv[1]);
    if (g == NULL)
        return generate_usage(io, "unknown document ", argv[1]);
    if (argc > (g->per_command ? 3 : 2))
        return generate_usage(io, "too many arguments", "");
    const cli_command *cmd = argc == 3 ? cli_find_command(argv[2]) : NULL;
    if (argc == 3 && cmd == NULL)
        return generate_usage(io, "unknown command ", argv[2]);
    int code = g->run(io, cmd);
    if (code == CLI_OK && (fflush(io->out) != 0 || ferror(io->out))) {
        fprintf(io->err, "<stdout>: error: write: %s\n", strerror(errno));
        code = CLI_IO;
    }
    return code;
}

static const cli_global_option global_options[] = {
    {'h', "help", NULL, "print the commands and the exit codes, and exit", run_overview},
    {0, "version", NULL,
     "print the versions of espi, of libespi and of the libraries it runs with, and exit",
     run_version},
    {0, "generate", "WHAT", NULL, run_generate},
};

const cli_global_option *cli_global_options(size_t *n)
{
    *n = sizeof global_options / sizeof global_options[0];
    return global_options;
}

static const cli_global_option *find_global(const char *arg)
{
    for (size_t i = 0; i < sizeof global_options / sizeof global_options[0]; i++) {
        const cli_global_option *g = &global_options[i];
        if ((arg[0] == '-' && arg[1] == '-' && strcmp(arg + 2, g->long_name) == 0) ||
            (g->short_name && arg[0] == '-' && arg[1] == g->short_name && arg[2] == '\0'))
            return g;
    }
    return NULL;
}

/* Interrupted: no temporary file may stay beside the output; then die of the
 * same signal, so the caller sees 128+n as from any interrupted program. */
static void on_fatal_signal(int sig)
{
    espi_output_remove_pending(STDERR_FILENO);
    signal(sig, SIG_DFL);
    raise(sig);
}

static void catch_fatal_signals(void)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction sa;
        if (sigaction(sigs[i], NULL, &sa) == 0 && sa.sa_handler == SIG_IGN)
            continue; /* ignored by whoever started us (nohup, a background job) */
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_fatal_signal;
        /* a second one waits until the first has removed every file */
        sigemptyset(&sa.sa_mask);
        for (size_t k = 0; k < sizeof sigs / sizeof sigs[0]; k++)
            sigaddset(&sa.sa_mask, sigs[k]);
        sigaction(sigs[i], &sa, NULL);
    }
}

/* A closed stdin, stdout or stderr gets /dev/null opened the wrong way round:
 * the descriptor stays taken, so no temporary file gets it (and the output
 * meant for stdout with it), and reading or writing it fails with EBADF as a
 * closed one would, which is reported. */
static void reserve_std_fds(void)
{
    for (int fd = 0; fd <= 2; fd++)
        if (fcntl(fd, F_GETFD) < 0 && errno == EBADF)
            (void)open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY); /* lowest free: fd */
}

int cli_main(int argc, char **argv, FILE *out, FILE *err)
{
    cli_io io = {out, err, "espi"};
    /* A closed pipe must be an error we report, not a silent death. */
    signal(SIGPIPE, SIG_IGN);
    /* A file size limit (ulimit -f) must be a write error (EFBIG), not a death
     * that leaves the temporary file behind. */
    signal(SIGXFSZ, SIG_IGN);
    reserve_std_fds();
    catch_fatal_signals();
    if (argc < 2) {
        print_overview(err);
        return CLI_USAGE;
    }
    const char *name = argv[1];
    const cli_global_option *g = find_global(name);
    if (g != NULL)
        return g->run(&io, argc - 1, argv + 1);
    if (strcmp(name, "help") == 0)
        return help_command(&io, argc, argv);
    const cli_command *cmd = cli_find_command(name);
    if (cmd == NULL) {
        fprintf(err, "%s: unknown command '%s'\nTry '%s --help'.\n", io.prog, name, io.prog);
        return CLI_USAGE;
    }
    return cmd->run(&io, argc - 1, argv + 1);
}
