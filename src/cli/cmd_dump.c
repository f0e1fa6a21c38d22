/* SPDX-License-Identifier: Apache-2.0 */
/* cmd_dump.c - espi dump: Green Button files to CSV or JSON rows. */
#include "batch.h"
#include "cli.h"
#include "pool.h"
#include "status.h"

#include "espi.h"

#include <errno.h>
#include <stdatomic.h>
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
    const char *jobs;
    const char *status;
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
    {'j', "jobs", "N", CLI_STRING, offsetof(dump_opts, jobs),
     "read N FILEs at once on worker threads of this one process (default: the number of "
     "cores, at most 16); the rows, messages and exit code are those of -j 1, in the same order",
     NULL},
    {0, "status", "FILE", CLI_STRING, offsetof(dump_opts, status),
     "one JSON line per FILE to FILE as each is done: input, status (ok, invalid, error), "
     "readings (the rows written), warnings, errors, message, seconds (docs/scale.md); - : "
     "stdout, with -o FILE only",
     NULL},
    {'q', "quiet", NULL, CLI_FLAG, offsetof(dump_opts, quiet), "do not print warnings", NULL},
};

static const cli_choice formats[] = {
    {"csv", ESPI_DUMP_CSV}, {"jsonl", ESPI_DUMP_JSONL}, {"json", ESPI_DUMP_JSON}};
static const cli_choice whats[] = {{"readings", ESPI_DUMP_READINGS},
                                   {"summaries", ESPI_DUMP_SUMMARIES},
                                   {"usage-points", ESPI_DUMP_USAGE_POINTS},
                                   {"reading-types", ESPI_DUMP_READING_TYPES}};

#define NAMES_SHOWN 3 /* inputs that failed, named in the closing message */

/* What the inputs of one or more arguments came to. */
typedef struct dumping {
    const char *target; /* -o FILE; NULL: stdout */
    bool output_failed;
    size_t inputs, failed;
    size_t partial; /* inputs that failed while read: on stdout, their rows so far stay */
    char names[NAMES_SHOWN][256];
} dumping;

/* One FILE argument, on a worker thread: its inputs into a dumper of its
 * own, writing to the job's stdout (the first FILE's with the CSV header,
 * the others' without: joined in order, they are the table of -j 1). */
typedef struct dump_job {
    espi_dumper *d;
    cli_inputs *ci;
    const cli_io *io;
    bool quiet;
    dumping s;
    batch_outcome oc; /* the status line's counts and first message */
    size_t rows;
    long long ms;
} dump_job;

/* A warning: counted for the status line, printed unless -q. */
static void dump_diag(const espi_diag *d, void *ctx)
{
    dump_job *j = ctx;
    char line[1400];
    espi_diag_format(line, sizeof line, d);
    batch_note(&j->oc, d->severity, line);
    if (!j->quiet)
        fprintf(j->io->err, "%s\n", line);
}

static int dump_input(void *ctx, const cli_input *in, espi_error *err)
{
    dump_job *j = ctx;
    j->s.inputs++;
    int rc = espi_dumper_add(j->d, in->stream, in->name, err);
    if (rc != 0)
        cli_name_output(err, j->s.target);
    if (rc == ESPI_E_IO && strcmp(err->code, "write") == 0) {
        j->s.output_failed = true;
        j->ci->stop_at_error = true; /* later inputs cannot be written either */
    }
    return rc;
}

static void dump_failed(void *ctx, const char *name, const espi_error *err, bool read)
{
    dump_job *j = ctx;
    dumping *s = &j->s;
    char line[1400];
    espi_error_format(line, sizeof line, err);
    batch_note(&j->oc, ESPI_SEV_ERROR, line);
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

/* The run: every FILE a job of the pool, the counts of all of them. */
typedef struct dump_run {
    const cli_io *io;
    const espi_dump_options *dopts;
    bool quiet;
    char **files;
    dump_job **jobs; /* a job's, from its start until its status line */
    dumping all;
    atomic_bool output_failed; /* no FILE is read after that, as in one thread */
    FILE *status;
} dump_run;

/* One FILE, on a worker: its rows to the job's own stdout, flushed. */
static int dump_job_run(void *ctx, size_t index, const cli_io *io)
{
    dump_run *run = ctx;
    if (atomic_load(&run->output_failed))
        return CLI_OK;
    dump_job *j = calloc(1, sizeof *j);
    if (j == NULL) {
        fprintf(io->err, "espi: out of memory\n");
        return CLI_IO;
    }
    run->jobs[index] = j;
    long long start = cli_now_ms();
    j->io = io;
    j->quiet = run->quiet;
    j->s.target = run->all.target;
    espi_dump_options dopts = *run->dopts;
    dopts.no_header = index > 0;
    dopts.on_diag = dump_diag;
    dopts.diag_ctx = j;
    espi_error err;
    if (espi_dumper_new(&j->d, io->out, &dopts, &err) != 0) {
        cli_print_error(io, &err);
        return err.status == ESPI_E_ARG ? CLI_USAGE : cli_exit_code(err.status);
    }
    cli_inputs ci = {io, dump_input, dump_failed, j, true, false};
    j->ci = &ci;
    int code = cli_read_inputs(&ci, run->files[index]);
    if (!j->s.output_failed && espi_dumper_finish(j->d, &err) != 0) {
        cli_name_output(&err, j->s.target);
        cli_print_error(io, &err);
        j->s.output_failed = true;
        code = CLI_IO;
    }
    if (j->s.output_failed)
        atomic_store(&run->output_failed, true);
    j->rows = espi_dumper_rows(j->d);
    espi_dumper_free(j->d);
    j->d = NULL;
    j->ms = cli_now_ms() - start;
    return code;
}

/* The status line of one FILE. */
static void put_status(FILE *status, char *file, const dump_job *j, int code)
{
    cli_status_line line = {NULL,
                            &file,
                            1,
                            cli_status_of_code(code),
                            (long long)j->rows,
                            j->oc.warnings,
                            j->oc.errors,
                            j->oc.message,
                            j->ms};
    cli_status_put(status, &line);
}

/* In order, on the calling thread: the counts, the status line. */
static void dump_job_done(void *ctx, size_t index, int code)
{
    dump_run *run = ctx;
    dump_job *j = run->jobs[index];
    run->jobs[index] = NULL;
    if (j == NULL) /* not run: the output had failed; or out of memory, said */
        return;
    dumping *all = &run->all;
    for (size_t i = 0; i < j->s.failed && all->failed + i < NAMES_SHOWN; i++)
        snprintf(all->names[all->failed + i], sizeof all->names[0], "%s", j->s.names[i]);
    all->inputs += j->s.inputs;
    all->failed += j->s.failed;
    all->partial += j->s.partial;
    all->output_failed |= j->s.output_failed;
    if (run->status != NULL)
        put_status(run->status, run->files[index], j, code);
    free(j);
}

/* The jobs, their output to dest (stdout or the temporary file of -o). */
static int run_jobs(dump_run *run, FILE *dest, unsigned workers, int nfiles)
{
    run->jobs = calloc((size_t)nfiles, sizeof *run->jobs);
    if (run->jobs == NULL) {
        fprintf(run->io->err, "espi: out of memory\n");
        run->all.output_failed = true; /* nothing written: nothing kept */
        return CLI_IO;
    }
    cli_io to = {dest, run->io->err, run->io->prog};
    cli_pool pool = {.njobs = (size_t)nfiles,
                     .workers = workers,
                     .run = dump_job_run,
                     .done = dump_job_done,
                     .ctx = run,
                     .progress = !run->quiet && cli_pool_progress_wanted(run->io),
                     .what = "files",
                     .out_name = run->all.target ? run->all.target : "<stdout>",
                     .out_written = "the output"};
    int code = cli_pool_run(&to, &pool);
    if (ferror(dest)) /* the pool could not give a job's rows out (said) */
        run->all.output_failed = true;
    for (int i = 0; i < nfiles; i++)
        free(run->jobs[i]); /* those a failed output left */
    free(run->jobs);
    return code;
}

/* The options, checked as a dumper takes them, before any job. */
static int check_dump_options(const cli_io *io, const espi_dump_options *dopts)
{
    espi_dumper *d;
    espi_error err;
    if (espi_dumper_new(&d, io->out, dopts, &err) == 0) {
        espi_dumper_free(d);
        return CLI_OK;
    }
    cli_print_error(io, &err);
    return err.status == ESPI_E_ARG ? CLI_USAGE : cli_exit_code(err.status);
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
    unsigned workers;
    int code = cli_pool_workers(io, "dump", o->jobs, files, nfiles, &workers);
    if (code != CLI_OK)
        return code;
    if (o->status && strcmp(o->status, "-") == 0 && target == NULL)
        return cli_usage(io, "dump",
                         "--status - would mix the status lines into the rows on stdout; give a "
                         "file (--status FILE), or the rows one (-o FILE)");
    if (target && espi_output_open(&out, target, &err) != 0) {
        cli_print_error(io, &err);
        return cli_exit_code(err.status);
    }
    dopts->drop_failed = target != NULL;
    dump_run run = {.io = io, .dopts = dopts, .quiet = o->quiet, .files = files};
    run.all.target = target;
    atomic_init(&run.output_failed, false);
    code = check_dump_options(io, dopts);
    bool ran = code == CLI_OK && (code = cli_status_open(io, o->status, &run.status)) == CLI_OK;
    if (ran)
        code = run_jobs(&run, out ? espi_output_stream(out) : io->out, workers, nfiles);
    dumping *s = &run.all;
    bool keep = out && ran && !s->output_failed && (s->failed == 0 || o->keep_going);
    if (keep && espi_output_commit(out, NULL, &err) != 0) {
        cli_print_error(io, &err);
        code = cli_exit_code(err.status);
        keep = false;
    } else if (out && !keep) {
        espi_output_abort(out);
    }
    if (s->failed > 0 && !s->output_failed)
        say_what_was_written(io, s, keep);
    int closed = cli_status_close(io, o->status, &run.status);
    return closed > code ? closed : code;
}

static int dump(const cli_io *io, const dump_opts *o, char **files, int nfiles)
{
    espi_dump_options dopts;
    espi_dump_options_init(&dopts);
    dopts.unit = o->unit;
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
    {"thousands of files, two at a time, into one table, with a JSON status line per file",
     "find data -name '*.xml' -print0 | espi dump -j 2 -o all.csv --status - --files-from - -0"},
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
        "With -j N, N FILEs are read at once on worker threads; each FILE's rows are written\n"
        "once it and the FILEs before it are done (held in a temporary file until then), so\n"
        "the rows, the messages and the exit code are those of -j 1. --status FILE writes a\n"
        "JSON line per FILE as it is done (docs/scale.md).\n\n"
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
