/* cmd_validate.c - espi validate: check Green Button files against the
 * bundled schemas (the Green Button rules beyond the schema come later). */
#include "cli.h"

#include "espi.h"

#include <stdlib.h>
#include <string.h>

typedef struct validate_opts {
    const char *espi_version;
    bool quiet;
} validate_opts;

static const cli_option validate_options[] = {
    {0, "espi", "VERSION", CLI_STRING, offsetof(validate_opts, espi_version),
     "4.0 (default; link type optional) or 3.3 (every link needs a type)"},
    {'q', "quiet", NULL, CLI_FLAG, offsetof(validate_opts, quiet),
     "print nothing; the exit code is the verdict"},
};

typedef struct findings {
    const cli_io *io;
    bool quiet;
    size_t errors;
} findings;

static void print_finding(const espi_diag *d, void *ctx)
{
    findings *f = ctx;
    if (d->severity == ESPI_SEV_ERROR)
        f->errors++;
    if (f->quiet)
        return;
    char line[1400];
    espi_diag_format(line, sizeof line, d);
    fprintf(f->io->out, "%s\n", line);
}

/* Validates one file and prints its verdict; returns its exit code. */
static int validate_one(const cli_io *io, const validate_opts *o, espi_schema_set set,
                        const char *version, const char *path)
{
    findings f = {io, o->quiet, 0};
    espi_error err;
    bool from_stdin = strcmp(path, "-") == 0;
    const char *name = from_stdin ? "<stdin>" : path;
    int rc = from_stdin ? espi_schema_validate_stream(stdin, name, set, print_finding, &f, &err)
                        : espi_schema_validate_file(path, name, set, print_finding, &f, &err);
    if (rc == ESPI_OK || rc == ESPI_E_INPUT) {
        if (rc == ESPI_E_INPUT && f.errors == 0)
            print_finding(&(espi_diag){ESPI_SEV_ERROR, err.code, name, err.line, err.column, NULL,
                                       err.message},
                          &f);
        if (!o->quiet)
            fprintf(io->out, "%s: %s (ESPI %s schema), %zu error%s\n", name,
                    rc == ESPI_OK ? "valid" : "invalid", version, f.errors,
                    f.errors == 1 ? "" : "s");
        return rc == ESPI_OK ? CLI_OK : CLI_INVALID_INPUT;
    }
    if (!o->quiet)
        cli_print_error(io, &err);
    return cli_exit_code(rc);
}

static int run_validate(const cli_io *io, int argc, char **argv)
{
    validate_opts o = {0};
    char **pos = calloc((size_t)argc + 1, sizeof *pos);
    if (pos == NULL)
        return CLI_IO;
    int npos = 0;
    int code = cli_parse(io, &cli_validate_command, &o, argc, argv, pos, &npos);
    const char *version = o.espi_version ? o.espi_version : "4.0";
    espi_schema_set set = strcmp(version, "3.3") == 0 ? ESPI_SCHEMA_ESPI_33 : ESPI_SCHEMA_ESPI_40;
    if (code < 0) {
        code = CLI_OK; /* --help */
    } else if (code == CLI_OK && strcmp(version, "4.0") != 0 && strcmp(version, "3.3") != 0) {
        code = cli_usage(io, "validate", "unknown --espi '%s': expected 4.0 or 3.3", version);
    } else if (code == CLI_OK && npos == 0) {
        code = cli_usage(io, "validate", "no input file (give paths, or - for stdin)");
    } else if (code == CLI_OK) {
        /* every file is judged; the worst outcome decides the exit code */
        for (int i = 0; i < npos; i++) {
            int c = validate_one(io, &o, set, version, pos[i]);
            code = c > code ? c : code;
        }
    }
    free(pos);
    return code;
}

const cli_command cli_validate_command = {
    .name = "validate",
    .usage = "[OPTIONS] FILE...",
    .summary = "Check Green Button (ESPI) files against the bundled ESPI schemas.",
    .details = "Each FILE (- reads stdin) is read in one streaming pass, with no network access,\n"
               "no DTD loading and no entity expansion. Every finding is printed as\n"
               "FILE:LINE:COL: severity: code: message, then one verdict line per file.\n\n"
               "Exit codes: 0 every file valid; 1 some file invalid or not well-formed;\n"
               "2 usage error; 3 a file could not be read (the worst outcome wins).\n",
    .options = validate_options,
    .noptions = sizeof validate_options / sizeof validate_options[0],
    .run = run_validate,
};
