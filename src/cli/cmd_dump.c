/* SPDX-License-Identifier: Apache-2.0 */
/* cmd_dump.c - espi dump: Green Button files to CSV or JSON rows. */
#include "cli.h"

#include "espi.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct dump_opts {
    const char *format;
    const char *what;
    const char *tz;
    const char *unit;
    const char *output;
    bool quiet;
} dump_opts;

static const cli_option dump_options[] = {
    {0, "format", "FORMAT", CLI_STRING, offsetof(dump_opts, format),
     "csv (default), jsonl (one JSON object per row) or json (one document per file)",
     "csv jsonl json"},
    {0, "what", "WHAT", CLI_STRING, offsetof(dump_opts, what),
     "readings (default), summaries, usage-points or reading-types",
     "readings summaries usage-points reading-types"},
    {0, "tz", "ZONE", CLI_STRING, offsetof(dump_opts, tz),
     "local times in this zone instead of the file's LocalTimeParameters", NULL},
    {0, "unit", "UNIT", CLI_STRING, offsetof(dump_opts, unit),
     "values in this unit when it is a power-of-ten change (kWh, MWh, kW)",
     "Wh kWh MWh W kW MW VArh kVArh VAh kVAh m3 ft3 therm"},
    {'o', "output", "FILE", CLI_STRING, offsetof(dump_opts, output),
     "write to FILE (a temporary file, then rename); default or - : stdout", NULL},
    {'q', "quiet", NULL, CLI_FLAG, offsetof(dump_opts, quiet), "do not print warnings", NULL},
};

typedef struct choice {
    const char *name;
    int value;
} choice;

static const choice formats[] = {
    {"csv", ESPI_DUMP_CSV}, {"jsonl", ESPI_DUMP_JSONL}, {"json", ESPI_DUMP_JSON}};
static const choice whats[] = {{"readings", ESPI_DUMP_READINGS},
                               {"summaries", ESPI_DUMP_SUMMARIES},
                               {"usage-points", ESPI_DUMP_USAGE_POINTS},
                               {"reading-types", ESPI_DUMP_READING_TYPES}};

static bool pick(const choice *c, size_t n, const char *name, int *out)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(c[i].name, name) == 0) {
            *out = c[i].value;
            return true;
        }
    return false;
}

static void print_diag(const espi_diag *d, void *ctx)
{
    const cli_io *io = ctx;
    char line[1400];
    espi_diag_format(line, sizeof line, d);
    fprintf(io->err, "%s\n", line);
}

/* The library calls the stream it writes "<output>"; messages name the file. */
static void name_output(espi_error *err, const char *target)
{
    if (target && strcmp(err->file, "<output>") == 0)
        snprintf(err->file, sizeof err->file, "%s", target);
}

/* Reads one input into the dumper; returns its exit code, and sets
 * *output_failed when the output can no longer be written. */
static int dump_one(const cli_io *io, espi_dumper *d, const char *path, const char *target,
                    bool *output_failed)
{
    *output_failed = false;
    bool from_stdin = strcmp(path, "-") == 0;
    const char *name = from_stdin ? "<stdin>" : path;
    FILE *in = from_stdin ? stdin : fopen(path, "rb");
    if (in == NULL) {
        fprintf(io->err, "%s: error: io: cannot open the input: %s\n", path, strerror(errno));
        return CLI_IO;
    }
    espi_error err;
    int rc = espi_dumper_add(d, in, name, &err);
    if (!from_stdin)
        fclose(in);
    if (rc != 0) {
        name_output(&err, target);
        cli_print_error(io, &err);
    }
    *output_failed = rc == ESPI_E_IO && strcmp(err.code, "write") == 0;
    return cli_exit_code(rc);
}

/* Every file is read even when one fails (unless the output fails); the
 * worst outcome decides the exit code, and an output file is kept only when
 * all went well. */
static int dump_all(const cli_io *io, const dump_opts *o, espi_dump_options *dopts, char **files,
                    int nfiles)
{
    espi_error err;
    espi_output *out = NULL;
    const char *target = o->output && strcmp(o->output, "-") != 0 ? o->output : NULL;
    if (target && espi_output_open(&out, target, &err) != 0) {
        cli_print_error(io, &err);
        return cli_exit_code(err.status);
    }
    espi_dumper *d = NULL;
    int code = CLI_OK;
    if (espi_dumper_new(&d, out ? espi_output_stream(out) : io->out, dopts, &err) != 0) {
        cli_print_error(io, &err);
        code = err.status == ESPI_E_ARG ? CLI_USAGE : cli_exit_code(err.status);
    }
    bool output_failed = false;
    for (int i = 0; d && i < nfiles && !output_failed; i++) {
        int c = dump_one(io, d, files[i], target, &output_failed);
        code = c > code ? c : code;
    }
    if (d && !output_failed && espi_dumper_finish(d, &err) != 0) {
        name_output(&err, target);
        cli_print_error(io, &err);
        code = CLI_IO;
    }
    espi_dumper_free(d);
    if (out && code == CLI_OK && espi_output_commit(out, NULL, &err) != 0) {
        cli_print_error(io, &err);
        code = cli_exit_code(err.status);
    } else if (out && code != CLI_OK) {
        espi_output_abort(out);
    }
    return code;
}

static int dump(const cli_io *io, const dump_opts *o, char **files, int nfiles)
{
    espi_dump_options dopts = {ESPI_DUMP_CSV,
                               ESPI_DUMP_READINGS,
                               NULL,
                               o->unit,
                               o->quiet ? NULL : print_diag,
                               (void *)(uintptr_t)io,
                               0};
    int v;
    if (o->format) {
        if (!pick(formats, sizeof formats / sizeof formats[0], o->format, &v))
            return cli_usage(io, "dump", "unknown --format '%s': expected csv, jsonl or json",
                             o->format);
        dopts.format = (espi_dump_format)v;
    }
    if (o->what) {
        if (!pick(whats, sizeof whats / sizeof whats[0], o->what, &v))
            return cli_usage(io, "dump",
                             "unknown --what '%s': expected readings, summaries, usage-points or "
                             "reading-types",
                             o->what);
        dopts.what = (espi_dump_what)v;
    }
    int power;
    const char *symbol;
    if (o->unit && !espi_unit_parse(&power, &symbol, o->unit))
        return cli_usage(io, "dump",
                         "unknown --unit '%s': expected an ESPI unit such as Wh, W, VArh, m3 or "
                         "therm, with an SI prefix or none (kWh, MWh, kW)",
                         o->unit);
    espi_tz *tz = NULL;
    espi_error err;
    if (o->tz && espi_tz_load(&tz, o->tz, &err) != 0)
        return cli_usage(io, "dump", "--tz: %s", err.message);
    dopts.tz = tz;
    int code = dump_all(io, o, &dopts, files, nfiles);
    espi_tz_free(tz);
    return code;
}

static int run_dump(const cli_io *io, int argc, char **argv)
{
    dump_opts o = {0};
    char **pos = calloc((size_t)argc + 1, sizeof *pos);
    if (pos == NULL)
        return CLI_IO;
    int npos = 0;
    int code = cli_parse(io, &cli_dump_command, &o, argc, argv, pos, &npos);
    if (code < 0)
        code = CLI_OK; /* --help */
    else if (code == CLI_OK && npos == 0)
        code = cli_usage(io, "dump", "no input file (give paths, or - for stdin)");
    else if (code == CLI_OK)
        code = dump(io, &o, pos, npos);
    free(pos);
    return code;
}

static const cli_example dump_examples[] = {
    {"one CSV row per reading", "espi dump usage.xml > usage.csv"},
    {"values in kWh and local times in Chicago, two files in one table",
     "espi dump --unit kWh --tz America/Chicago a.xml b.xml > both.csv"},
    {"one JSON object per reading", "espi dump --format jsonl usage.xml | jq .value"},
    {"the billing periods (UsageSummary)", "espi dump --what summaries usage.xml"},
};

const cli_command cli_dump_command = {
    .name = "dump",
    .usage = "[OPTIONS] FILE...",
    .summary = "Stream Green Button (ESPI) files into CSV or JSON rows, with units and time right.",
    .details =
        "Each FILE (- reads stdin) is read in one streaming pass; memory stays flat however\n"
        "large the file. Any version and dialect is read: ESPI 4.0, 3.3, 1.x and the 2011\n"
        "format, any namespace prefix, relative or absolute links, entries in any order.\n"
        "What is odd but readable is read and reported as a warning on stderr.\n\n"
        "CSV columns (docs/dump-format.md): usage_point, meter_reading, commodity, kind,\n"
        "flow_direction, accumulation, start_utc, start_local, duration_s, value_raw,\n"
        "value, unit, cost_raw, cost, currency, quality, power_of_ten, file, line, tou.\n"
        "value is value_raw scaled by powerOfTenMultiplier, exactly; cost is in currency\n"
        "units (the file holds hundred-thousandths).\n",
    .exit_status = "0 every file read; 1 a file is not well-formed XML or neither an Atom feed\n"
                   "nor one Atom entry (the others are still read); 2 usage error; 3 I/O error.\n"
                   "With -o the file\n"
                   "is written only when every input was read.\n",
    .options = dump_options,
    .noptions = sizeof dump_options / sizeof dump_options[0],
    .examples = dump_examples,
    .nexamples = sizeof dump_examples / sizeof dump_examples[0],
    .run = run_dump,
};
