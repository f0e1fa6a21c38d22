/* SPDX-License-Identifier: Apache-2.0 */
/* cli.c - subcommand dispatch, global options and shared reporting. */
#include "cli.h"

#include "espi.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

static const cli_command *const commands[] = {
    &cli_convert_command,
    &cli_validate_command,
    &cli_dump_command,
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

static const char exit_codes_text[] =
    "Exit codes:\n"
    "  0  success\n"
    "  1  invalid input (the data or the file is wrong; the message says where)\n"
    "  2  usage error (unknown option, missing argument, unknown time zone)\n"
    "  3  I/O or system error (cannot read or write a file, out of memory)\n";

static void print_overview(FILE *out)
{
    fprintf(
        out,
        "Usage: espi COMMAND [OPTIONS] [FILE...]\n\n"
        "Green Button (ESPI) energy data: convert SmartHub exports, validate and read feeds.\n\n"
        "Commands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
    fprintf(out,
            "\n'espi COMMAND --help' or 'espi help COMMAND' describes a command.\n"
            "'espi --version' prints the version.\n\n%s",
            exit_codes_text);
}

static const cli_command *find_command(const char *name)
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

static int help_command(const cli_io *io, int argc, char **argv)
{
    if (argc < 3) {
        print_overview(io->out);
        return CLI_OK;
    }
    const cli_command *cmd = find_command(argv[2]);
    if (cmd == NULL) {
        fprintf(io->err, "%s: unknown command '%s'\nTry '%s --help'.\n", io->prog, argv[2],
                io->prog);
        return CLI_USAGE;
    }
    cli_print_help(io->out, cmd);
    return CLI_OK;
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
        sigemptyset(&sa.sa_mask);
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
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
        print_overview(out);
        return CLI_OK;
    }
    if (strcmp(name, "--version") == 0) {
        fprintf(out, "espi %s\n", ESPI_VERSION);
        return CLI_OK;
    }
    if (strcmp(name, "help") == 0)
        return help_command(&io, argc, argv);
    const cli_command *cmd = find_command(name);
    if (cmd == NULL) {
        fprintf(err, "%s: unknown command '%s'\nTry '%s --help'.\n", io.prog, name, io.prog);
        return CLI_USAGE;
    }
    return cmd->run(&io, argc - 1, argv + 1);
}
