/* SPDX-License-Identifier: Apache-2.0 */
/* cmd_dump.c - espi dump: Green Button files to CSV or JSON rows. */
#include "cli.h"

#include "espi.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct dump_opts {
    const char *files_from;
    bool null_list;
    const char *format;
    const char *what;
    const char *tz;
    const char *unit;
    const char *output;
    bool quiet;
    bool keep_going;
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
    {0, "keep-going", NULL, CLI_FLAG, offsetof(dump_opts, keep_going),
     "with -o, write the rows of the inputs that could be read when others could not (by "
     "default nothing is written then); the exit code still tells",
     NULL},
    {0, "files-from", "LIST", CLI_STRING, offsetof(dump_opts, files_from),
     "also read the input paths listed in LIST, one per line (- : stdin), for more inputs than "
     "a command line holds",
     NULL},
    {'0', "null", NULL, CLI_FLAG, offsetof(dump_opts, null_list),
     "the paths of --files-from are separated by NUL bytes (find -print0)", NULL},
    {'q', "quiet", NULL, CLI_FLAG, offsetof(dump_opts, quiet), "do not print warnings", NULL},
};

static const cli_choice formats[] = {
    {"csv", ESPI_DUMP_CSV}, {"jsonl", ESPI_DUMP_JSONL}, {"json", ESPI_DUMP_JSON}};
static const cli_choice whats[] = {{"readings", ESPI_DUMP_READINGS},
                                   {"summaries", ESPI_DUMP_SUMMARIES},
                                   {"usage-points", ESPI_DUMP_USAGE_POINTS},
                                   {"reading-types", ESPI_DUMP_READING_TYPES}};

#define NAMES_SHOWN 3 /* inputs that failed, named in the closing message */

/* The inputs of every argument, into one dumper. */
typedef struct dumping {
    espi_dumper *d;
    cli_inputs *ci;
    const char *target; /* -o FILE; NULL: stdout */
    bool output_failed;
    size_t inputs, failed;
    size_t partial; /* inputs that failed while read: on stdout, their rows so far stay */
    char names[NAMES_SHOWN][256];
} dumping;

static int dump_input(void *ctx, const cli_input *in, espi_error *err)
{
    dumping *s = ctx;
    s->inputs++;
    int rc = espi_dumper_add(s->d, in->stream, in->name, err);
    if (rc != 0)
        cli_name_output(err, s->target);
    if (rc == ESPI_E_IO && strcmp(err->code, "write") == 0) {
        s->output_failed = true;
        s->ci->stop_at_error = true; /* later inputs cannot be written either */
    }
    return rc;
}

static void dump_failed(void *ctx, const char *name, const espi_error *err, bool read)
{
    (void)err;
    dumping *s = ctx;
    if (!read)
        s->inputs++; /* it failed before it could be read: dump_input did not count it */
    else
        s->partial++;
    if (s->output_failed)
        return;
    if (s->failed < NAMES_SHOWN)
        snprintf(s->names[s->failed], sizeof s->names[0], "%s", name);
    s->failed++;
}

/* "a.xml", "a.xml, b.xml and 4 more" */
static void failed_names(const dumping *s, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < s->failed && i < NAMES_SHOWN; i++) {
        int n = snprintf(buf + len, size - len, "%s%s", i ? ", " : "", s->names[i]);
        if (n < 0 || (size_t)n >= size - len)
            return;
        len += (size_t)n;
    }
    if (s->failed > NAMES_SHOWN)
        snprintf(buf + len, size - len, " and %zu more", s->failed - NAMES_SHOWN);
}

static const char *inputs_word(size_t n)
{
    return n == 1 ? "input" : "inputs";
}

/* What was and was not written, once some input could not be read. */
static void say_what_was_written(const cli_io *io, const dumping *s, bool kept)
{
    char names[900];
    failed_names(s, names, sizeof names);
    size_t good = s->inputs - s->failed;
    if (s->target && !kept && good == 0)
        fprintf(io->err, "espi: wrote nothing to %s: no input could be read (%s)\n", s->target,
                names);
    else if (s->target && !kept)
        fprintf(io->err,
                "espi: wrote nothing to %s: %zu of %zu %s could not be read (%s); --keep-going "
                "writes the rows of the %zu readable %s\n",
                s->target, s->failed, s->inputs, inputs_word(s->inputs), names, good,
                inputs_word(good));
    else if (s->target)
        fprintf(io->err,
                "espi: wrote %s with the rows of %zu of %zu %s; skipped %zu that could not be "
                "read (%s)\n",
                s->target, good, s->inputs, inputs_word(s->inputs), s->failed, names);
    else if (s->inputs > 1) /* one input: its error says it all */
        fprintf(io->err,
                "espi: dump: wrote the rows of %zu of %zu %s; %zu could not be read (%s)%s\n", good,
                s->inputs, inputs_word(s->inputs), s->failed, names,
                s->partial ? "; the rows read before an error are in the output too" : "");
}

/* Every input is read even when one fails (unless the output fails); the
 * worst outcome decides the exit code. With -o the file is kept only when
 * every input was read, or with --keep-going (the rows of an input that
 * failed are cut off it then); a message says what was not written. */
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
    dopts->drop_failed = target != NULL;
    dumping s = {.target = target};
    cli_inputs ci = {io, dump_input, dump_failed, &s, true, false};
    s.ci = &ci;
    int code = CLI_OK;
    if (espi_dumper_new(&s.d, out ? espi_output_stream(out) : io->out, dopts, &err) != 0) {
        cli_print_error(io, &err);
        code = err.status == ESPI_E_ARG ? CLI_USAGE : cli_exit_code(err.status);
    }
    for (int i = 0; s.d && i < nfiles && !s.output_failed; i++) {
        int c = cli_read_inputs(&ci, files[i]);
        code = c > code ? c : code;
    }
    if (s.d && !s.output_failed && espi_dumper_finish(s.d, &err) != 0) {
        cli_name_output(&err, target);
        cli_print_error(io, &err);
        s.output_failed = true;
        code = CLI_IO;
    }
    bool keep = out && s.d && !s.output_failed && (s.failed == 0 || o->keep_going);
    espi_dumper_free(s.d);
    if (keep && espi_output_commit(out, NULL, &err) != 0) {
        cli_print_error(io, &err);
        code = cli_exit_code(err.status);
        keep = false;
    } else if (out && !keep) {
        espi_output_abort(out);
    }
    if (s.failed > 0 && !s.output_failed)
        say_what_was_written(io, &s, keep);
    return code;
}

static int dump(const cli_io *io, const dump_opts *o, char **files, int nfiles)
{
    espi_dump_options dopts;
    espi_dump_options_init(&dopts);
    dopts.unit = o->unit;
    dopts.on_diag = o->quiet ? NULL : cli_print_diag;
    dopts.diag_ctx = (void *)(uintptr_t)io;
    int v;
    if (o->format) {
        if (!cli_pick(formats, sizeof formats / sizeof formats[0], o->format, &v))
            return cli_usage(io, "dump", "unknown --format '%s': expected csv, jsonl or json",
                             o->format);
        dopts.format = (espi_dump_format)v;
    }
    if (o->what) {
        if (!cli_pick(whats, sizeof whats / sizeof whats[0], o->what, &v))
            return cli_usage(io, "dump",
                             "unknown --what '%s': expected readings, summaries, usage-points or "
                             "reading-types",
                             o->what);
        dopts.what = (espi_dump_what)v;
    }
    espi_tz *tz = NULL;
    int bad = cli_unit_and_zone(io, "dump", o->unit, o->tz, &tz);
    if (bad != CLI_OK)
        return bad;
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
    cli_files f = {0};
    if (code < 0)
        code = CLI_OK; /* --help */
    else if (code == CLI_OK && (code = cli_files_gather(io, "dump", pos, npos, o.files_from,
                                                        o.null_list, &f)) == CLI_OK)
        code = dump(io, &o, f.v, f.n);
    cli_files_free(&f);
    free(pos);
    return code;
}

static const cli_example dump_examples[] = {
    {"one CSV row per reading", "espi dump usage.xml > usage.csv"},
    {"values in kWh and local times in Chicago, two files in one table",
     "espi dump --unit kWh --tz America/Chicago a.xml b.xml > both.csv"},
    {"one JSON object per reading", "espi dump --format jsonl usage.xml | jq .value"},
    {"the billing periods (UsageSummary)", "espi dump --what summaries usage.xml"},
    {"every XML file of a ZIP and a gzipped file, into one table; the readable ones even when "
     "some are not",
     "espi dump --keep-going -o all.csv greenButtonDownload.zip old.xml.gz"},
};

const cli_command cli_dump_command = {
    .name = "dump",
    .usage = "[OPTIONS] FILE...",
    .summary = "Stream Green Button (ESPI) files into CSV or JSON rows, with units and time right.",
    .details =
        "Each FILE (- reads stdin) is read in one streaming pass; memory stays flat however\n"
        "large the file. Gzip data (a .gz) are inflated as they are read, and each .xml file\n"
        "of a ZIP is an input of its own, named archive.zip:member.xml (the archive itself is\n"
        "held in memory, up to 512 MiB): the first bytes tell, not the name\n"
        "(docs/inputs.md). SmartHub JSON, CSV and HAR files are not read: the\n"
        "message names the espi convert command that reads them. Any version and dialect of\n"
        "Green Button XML is read: ESPI 4.0, 3.3, 1.x and the 2011 format, any namespace\n"
        "prefix, relative or absolute links, entries in any order. What is odd but readable\n"
        "is read and reported as a warning on stderr, and so is a DOCTYPE (its DTD is not\n"
        "read).\n\n"
        "CSV columns (docs/dump-format.md): usage_point, meter_reading, commodity, kind,\n"
        "flow_direction, accumulation, start_utc, start_local, duration_s, value_raw,\n"
        "value, unit, cost_raw, cost, currency, quality, power_of_ten, file, line, tou.\n"
        "value is value_raw scaled by powerOfTenMultiplier, exactly; cost is in currency\n"
        "units (the file holds hundred-thousandths).\n",
    .exit_status = "0 every input read; 1 an input is not Green Button XML (not well-formed,\n"
                   "neither an Atom feed nor one Atom entry, SmartHub data, a damaged .gz or\n"
                   "ZIP; the others are still read); 2 usage error; 3 an input is missing, a\n"
                   "directory or unreadable, or the output cannot be written. With -o the file\n"
                   "is written only when every input was read, unless --keep-going: then it\n"
                   "holds the rows of the inputs that were read whole. Either way a message\n"
                   "says which inputs were not written.\n",
    .options = dump_options,
    .noptions = sizeof dump_options / sizeof dump_options[0],
    .examples = dump_examples,
    .nexamples = sizeof dump_examples / sizeof dump_examples[0],
    .run = run_dump,
};
