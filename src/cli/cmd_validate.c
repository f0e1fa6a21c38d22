/* SPDX-License-Identifier: Apache-2.0 */
/* cmd_validate.c - espi validate: Green Button files against the bundled
 * schema and the Green Button rules, in one pass each; text or JSON. */
#include "batch.h"
#include "cli.h"
#include "pool.h"
#include "status.h"

#include "espi.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct validate_opts {
    const char *files_from;
    bool null_list;
    const char *espi_version;
    const char *profile;
    const char *format;
    const char *max_per_rule;
    const char *explain;
    const char *jobs;
    const char *status;
    cli_list ignore, only; /* RULE,... each */
    bool schema_only;
    bool strict;
    bool quiet;
    bool list_rules;
    bool summary, no_summary;
    bool verbose;
} validate_opts;

static const cli_option validate_options[] = {
    {0, "espi", "VERSION", CLI_STRING, offsetof(validate_opts, espi_version),
     "4.0 (default; link type optional) or 3.3 (every link needs a type)", "4.0 3.3"},
    {0, "profile", "NAME", CLI_STRING, offsetof(validate_opts, profile),
     "electricity, electricity-cost, gas, gas-cost, water or temperature (default: from the "
     "file)",
     "electricity electricity-cost gas gas-cost water temperature"},
    {0, "schema-only", NULL, CLI_FLAG, offsetof(validate_opts, schema_only),
     "the schema check alone (as xmllint --schema would judge)", NULL},
    {0, "format", "FORMAT", CLI_STRING, offsetof(validate_opts, format),
     "text (default), json (one array, an object per file) or jsonl (an object per file and "
     "line, each written as its file is done)",
     "text json jsonl"},
    {0, "strict", NULL, CLI_FLAG, offsetof(validate_opts, strict),
     "warnings make a file invalid too", NULL},
    {0, "max-per-rule", "N", CLI_STRING, offsetof(validate_opts, max_per_rule),
     "list at most N findings of each rule per file (the rest are counted); default 0: all, "
     "up to 1,000",
     NULL},
    {0, "ignore", "RULE,...", CLI_LIST, offsetof(validate_opts, ignore),
     "leave these rules out: their findings are not listed and make no file invalid, only "
     "counted as ignored (may be given again)",
     NULL},
    {0, "only", "RULE,...", CLI_LIST, offsetof(validate_opts, only),
     "check these rules alone (may be given again; --ignore then leaves some of them out)", NULL},
    {0, "files-from", "LIST", CLI_STRING, offsetof(validate_opts, files_from),
     "also read the input paths listed in LIST, one per line (- : stdin), for more inputs than "
     "a command line holds",
     NULL},
    {'0', "null", NULL, CLI_FLAG, offsetof(validate_opts, null_list),
     "the paths of --files-from are separated by NUL bytes (find -print0)", NULL},
    {'j', "jobs", "N", CLI_STRING, offsetof(validate_opts, jobs),
     "validate N FILEs at once on worker threads of this one process (default: the number of "
     "cores, at most 16); the report, messages and exit code are those of -j 1, in the same "
     "order",
     NULL},
    {0, "status", "FILE", CLI_STRING, offsetof(validate_opts, status),
     "one JSON line per FILE to FILE as each is done: input, status (ok, invalid, error), "
     "readings (the IntervalReadings checked; null when no input of FILE could be checked), "
     "warnings, errors, message, seconds (docs/scale.md); not - : stdout holds the report",
     NULL},
    {'q', "quiet", NULL, CLI_FLAG, offsetof(validate_opts, quiet),
     "print only the verdict line of each file", NULL},
    {'v', "verbose", NULL, CLI_FLAG, offsetof(validate_opts, verbose),
     "also list each reading behind a finding that sums many up (an intervalLength that "
     "disagrees with its readings: one finding, with a count); these are not counted",
     NULL},
    {0, "summary", NULL, CLI_FLAG, offsetof(validate_opts, summary),
     "end with a line 'N files: N valid, N invalid, N unreadable' (jsonl: a summary object); "
     "the default for text on a terminal",
     NULL},
    {0, "no-summary", NULL, CLI_FLAG, offsetof(validate_opts, no_summary),
     "no closing summary, even on a terminal", NULL},
    {0, "list-rules", NULL, CLI_FLAG, offsetof(validate_opts, list_rules),
     "print every rule (id, severity, GBA test, family, what it checks, whether espi convert "
     "repairs it) and exit",
     NULL},
    {0, "explain", "RULE", CLI_STRING, offsetof(validate_opts, explain),
     "print what RULE checks and why, its severity, family and GBA test, and a failing and a "
     "passing example (docs/rules.md), and exit",
     NULL},
};

/* ------------------------------------------------------------------ */
/* Files                                                               */
/* ------------------------------------------------------------------ */

/* One FILE argument: its inputs into a part of the report of its own,
 * on a worker thread; what it came to, for the report's totals and its
 * status line. */
typedef struct validating {
    espi_validator *part;
    const espi_validate_options *vo;
    bool invalid;
    size_t checked;   /* inputs checked (valid or not), whose readings are counted */
    size_t failed;    /* inputs that could not be checked */
    batch_outcome oc; /* the first message, the findings counted */
    long long ms;
} validating;

static void note_finding(const espi_diag *d, void *ctx)
{
    validating *v = ctx;
    if (d->severity == ESPI_SEV_INFO)
        return;
    char line[1400];
    espi_diag_format(line, sizeof line, d);
    batch_remember(&v->oc, d->severity, line);
}

static int validate_input(void *ctx, const cli_input *in, espi_error *err)
{
    validating *v = ctx;
    bool valid = false;
    int rc = espi_validator_add(&valid, v->part, in->stream, in->name, v->vo, err);
    v->invalid |= rc == 0 && !valid;
    v->checked += rc == 0;
    return rc;
}

/* An input that was never checked (missing, a directory, SmartHub data)
 * is in the report too, unreadable or (SmartHub data) invalid; one that
 * was read is there already. */
static void validate_failed(void *ctx, const char *name, const espi_error *err, bool read)
{
    validating *v = ctx;
    char line[1400];
    espi_error_format(line, sizeof line, err);
    batch_remember(&v->oc, ESPI_SEV_ERROR, line);
    v->failed++;
    if (!read)
        espi_validator_unreadable(v->part, name, err);
}

/* Validates the inputs of one argument (a file, stdin, a .gz, each .xml
 * file of a ZIP) into its part of the report; returns the exit code. */
static int validate_one(const cli_io *io, validating *v, const char *path)
{
    cli_inputs ci = {io, validate_input, validate_failed, v, true, false};
    int code = cli_read_inputs(&ci, path);
    return v->invalid && code < CLI_INVALID_INPUT ? CLI_INVALID_INPUT : code;
}

/* ------------------------------------------------------------------ */
/* The FILEs, -j at once                                               */
/* ------------------------------------------------------------------ */

/* The run: the report that frames the parts, one part per FILE. Every FILE
 * gives the report at least one line or object (an input, or the error
 * that none could be read), so the part of FILE 0 is the first. */
typedef struct validate_run {
    const cli_io *io;
    espi_validator *rep;
    espi_validator_options ro; /* of the parts */
    const espi_validate_options *vo;
    char **files;
    validating **jobs; /* a job's, from its start until its status line */
    FILE *status;
} validate_run;

static void validating_free(validating *v)
{
    if (v == NULL)
        return;
    espi_validator_free(v->part);
    free(v);
}

/* One FILE, on a worker: its part of the report to the job's own stdout. */
static int validate_job(void *ctx, size_t index, const cli_io *io)
{
    validate_run *run = ctx;
    validating *v = calloc(1, sizeof *v);
    if (v == NULL) {
        fprintf(io->err, "espi: out of memory\n");
        return CLI_IO;
    }
    run->jobs[index] = v;
    long long start = cli_now_ms();
    espi_validator_options ro = run->ro;
    ro.first_part = index == 0;
    ro.finding_ctx = v;
    espi_error err;
    if (espi_validator_new(&v->part, io->out, &ro, &err) != 0) {
        cli_print_error(io, &err);
        return CLI_IO;
    }
    /* the schema on a thread of its own where each file under way has two cores */
    espi_validate_options vo = *run->vo;
    cli_job_begin();
    vo.threads = cli_cores_to_spare() ? 0 : 1;
    v->vo = &vo;
    int code = validate_one(io, v, run->files[index]);
    cli_job_end();
    v->vo = NULL;
    espi_validator_finish(v->part, &err); /* a write error: the report's, said at its end */
    v->ms = cli_now_ms() - start;
    return code;
}

/* In order, on the calling thread: the part's counts into the report,
 * the status line. */
static void validate_done(void *ctx, size_t index, int code)
{
    validate_run *run = ctx;
    validating *v = run->jobs[index];
    run->jobs[index] = NULL;
    validating none = {.failed = 1}; /* out of memory, said */
    espi_validator_totals t = {0};
    if (v == NULL)
        v = &none;
    else if (v->part) { /* NULL: it could not be made (said) */
        espi_validator_merge(run->rep, v->part);
        espi_validator_totals_get(&t, v->part);
    }
    if (run->status) { /* readings: null when no input of the FILE could be checked */
        cli_status_line line = {.inputs = &run->files[index],
                                .ninputs = 1,
                                .status = cli_status_of_code(code),
                                .readings = v->checked ? (long long)t.readings : -1,
                                .warnings = t.warnings,
                                .errors = t.errors + v->failed,
                                .message = v->oc.message,
                                .ms = v->ms};
        cli_status_put(run->status, &line);
    }
    if (v != &none)
        validating_free(v);
}

/* ------------------------------------------------------------------ */
/* The command                                                         */
/* ------------------------------------------------------------------ */

static void list_rules(const cli_io *io)
{
    size_t n;
    const espi_rule *rules = espi_rules(&n);
    for (size_t i = 0; i < n; i++) {
        char families[64];
        espi_families_format(families, sizeof families, rules[i].families);
        fprintf(io->out, "%-22s %-7s %-9s %-8s %s%s\n", rules[i].id,
                rules[i].severity == ESPI_SEV_ERROR     ? "error"
                : rules[i].severity == ESPI_SEV_WARNING ? "warning"
                                                        : "info",
                rules[i].gba ? rules[i].gba : "-", families[0] ? families : "always",
                rules[i].summary, rules[i].repairable ? " (espi convert repairs it)" : "");
    }
}

/* --explain RULE: the rule's section of docs/rules.md, as the library holds it. */
static int explain(const cli_io *io, const char *id)
{
    const char *text;
    size_t len;
    if (espi_rule_explain(&text, &len, id) != 0)
        return cli_usage(io, "validate",
                         "unknown rule '%s' for --explain: espi validate --list-rules lists them",
                         id);
    const espi_rule *rule = espi_rule_find(id);
    fprintf(io->out, "%.*s\n\nespi convert %s what this rule finds.\n", (int)len, text,
            rule->repairable ? "repairs" : "does not repair");
    return CLI_OK;
}

/* The rule ids of --ignore or --only: each value split at commas, each id
 * a rule. ids (the caller frees it and each id) gets them; a usage error
 * names the first id that is not a rule. */
typedef struct rule_ids {
    char **ids;
    size_t n;
} rule_ids;

static void rule_ids_free(rule_ids *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->ids[i]);
    free(r->ids);
    *r = (rule_ids){NULL, 0};
}

static int split_rules(const cli_io *io, const char *option, const cli_list *list, rule_ids *out)
{
    size_t cap = 0;
    for (size_t i = 0; i < list->n; i++)
        cap += 1 + strlen(list->values[i]) / 2; /* "a,b,c": at most (len + 1) / 2 ids */
    out->ids = calloc(cap ? cap : 1, sizeof *out->ids);
    if (out->ids == NULL)
        return CLI_IO;
    for (size_t i = 0; i < list->n; i++) {
        const char *p = list->values[i];
        for (;;) {
            size_t len = strcspn(p, ",");
            char *id = strndup(p, len);
            if (id == NULL)
                return CLI_IO;
            out->ids[out->n++] = id;
            if (len == 0)
                return cli_usage(io, "validate", "--%s '%s': an empty rule id", option,
                                 list->values[i]);
            if (espi_rule_find(id) == NULL)
                return cli_usage(io, "validate",
                                 "--%s: unknown rule '%s' (espi validate --list-rules lists "
                                 "them)",
                                 option, id);
            if (p[len] == '\0')
                break;
            p += len + 1;
        }
    }
    return CLI_OK;
}

static int check_options(const cli_io *io, const validate_opts *o, espi_validate_options *vo)
{
    const char *version = o->espi_version ? o->espi_version : "4.0";
    if (strcmp(version, "4.0") != 0 && strcmp(version, "3.3") != 0)
        return cli_usage(io, "validate", "unknown --espi '%s': expected 4.0 or 3.3", version);
    vo->set = strcmp(version, "3.3") == 0 ? ESPI_SCHEMA_ESPI_33 : ESPI_SCHEMA_ESPI_40;
    if (o->profile && espi_profile_parse(&vo->families, o->profile) != 0)
        return cli_usage(io, "validate",
                         "unknown --profile '%s': expected electricity, electricity-cost, gas, "
                         "gas-cost, water or temperature",
                         o->profile);
    if (o->format && strcmp(o->format, "text") != 0 && strcmp(o->format, "json") != 0 &&
        strcmp(o->format, "jsonl") != 0)
        return cli_usage(io, "validate", "unknown --format '%s': expected text, json or jsonl",
                         o->format);
    if (o->summary && o->no_summary)
        return cli_usage(io, "validate", "--summary and --no-summary: give one of them");
    if (o->max_per_rule) {
        char *end;
        unsigned long long n = strtoull(o->max_per_rule, &end, 10);
        if (*end || end == o->max_per_rule || o->max_per_rule[0] == '-')
            return cli_usage(io, "validate",
                             "--max-per-rule '%s': expected a whole number (0: all)",
                             o->max_per_rule);
        vo->max_per_rule = (size_t)n;
    }
    vo->schema_only = o->schema_only;
    vo->verbose = o->verbose;
    return CLI_OK;
}

static espi_validator_format format_of(const char *name)
{
    if (name && strcmp(name, "json") == 0)
        return ESPI_VALIDATOR_JSON;
    if (name && strcmp(name, "jsonl") == 0)
        return ESPI_VALIDATOR_JSONL;
    return ESPI_VALIDATOR_TEXT;
}

/* Every FILE a job of the pool, its part of the report given out in order
 * between the report's own beginning and end: the bytes of -j 1. */
static int run_jobs(validate_run *run, const validate_opts *o, unsigned workers, int nfiles)
{
    run->jobs = calloc((size_t)nfiles, sizeof *run->jobs);
    if (run->jobs == NULL) {
        fprintf(run->io->err, "espi: out of memory\n");
        return CLI_IO;
    }
    cli_pool pool = {.njobs = (size_t)nfiles,
                     .workers = workers,
                     .run = validate_job,
                     .done = validate_done,
                     .ctx = run,
                     .progress = !o->quiet && cli_pool_progress_wanted(run->io),
                     .what = "files",
                     .out_written = "the report"};
    int code = cli_pool_run(run->io, &pool);
    for (int i = 0; i < nfiles; i++)
        validating_free(run->jobs[i]); /* those a failed output left */
    free(run->jobs);
    return code;
}

static int validate_all(const cli_io *io, const validate_opts *o, const espi_validate_options *vo,
                        char **files, int nfiles)
{
    unsigned workers;
    int code = cli_pool_workers(io, "validate", o->jobs, files, nfiles, &workers);
    if (code != CLI_OK)
        return code;
    if (o->status && strcmp(o->status, "-") == 0)
        return cli_usage(io, "validate",
                         "--status - would mix the status lines into the report on stdout; give "
                         "a file (--status FILE)");
    espi_validator_options ro;
    espi_validator_options_init(&ro);
    ro.format = format_of(o->format);
    ro.quiet = o->quiet;
    ro.strict = o->strict;
    /* the totals by default where a person reads them: text on a terminal */
    ro.summary = o->summary ||
                 (!o->no_summary && ro.format == ESPI_VALIDATOR_TEXT && isatty(fileno(io->out)));
    validate_run run = {.io = io, .ro = ro, .vo = vo, .files = files};
    run.ro.summary = false;
    run.ro.part = true;
    run.ro.on_finding = note_finding;
    if ((code = cli_status_open(io, o->status, &run.status)) != CLI_OK)
        return code;
    espi_error err;
    if (espi_validator_new(&run.rep, io->out, &ro, &err) != 0) {
        cli_print_error(io, &err);
        cli_status_close(io, o->status, &run.status);
        return CLI_IO;
    }
    /* each file judged on its own; the worst wins */
    code = run_jobs(&run, o, workers, nfiles);
    /* on threads, stdout failing is said by the pool, which writes the parts */
    bool said = workers > 1 && nfiles > 1 && ferror(io->out);
    if (espi_validator_finish(run.rep, &err) != 0) {
        if (!said)
            cli_print_error(io, &err);
        code = CLI_IO;
    }
    espi_validator_free(run.rep);
    int closed = cli_status_close(io, o->status, &run.status);
    return closed > code ? closed : code;
}

static int run_validate(const cli_io *io, int argc, char **argv)
{
    validate_opts o = {0};
    char **pos = calloc((size_t)argc + 1, sizeof *pos);
    if (pos == NULL)
        return CLI_IO;
    int npos = 0;
    espi_validate_options vo;
    espi_validate_options_init(&vo);
    rule_ids ignore = {NULL, 0}, only = {NULL, 0};
    int code = cli_parse(io, &cli_validate_command, &o, argc, argv, pos, &npos);
    if (code < 0)
        code = CLI_OK; /* --help */
    else if (code == CLI_OK && o.list_rules)
        list_rules(io);
    else if (code == CLI_OK && o.explain)
        code = explain(io, o.explain);
    else if (code == CLI_OK && (code = check_options(io, &o, &vo)) == CLI_OK &&
             (code = split_rules(io, "ignore", &o.ignore, &ignore)) == CLI_OK &&
             (code = split_rules(io, "only", &o.only, &only)) == CLI_OK) {
        vo.ignore = (const char *const *)ignore.ids;
        vo.nignore = ignore.n;
        vo.only = (const char *const *)only.ids;
        vo.nonly = only.n;
        cli_files f = {0};
        if ((code = cli_files_gather(io, "validate", pos, npos, o.files_from, o.null_list, &f)) ==
            CLI_OK)
            code = validate_all(io, &o, &vo, f.v, f.n);
        cli_files_free(&f);
    }
    rule_ids_free(&ignore);
    rule_ids_free(&only);
    free(pos);
    return code;
}

static const cli_example validate_examples[] = {
    {"the ESPI 4.0 schema and every Green Button rule", "espi validate usage.xml bills.xml"},
    {"ESPI 3.3 (every link typed) and the GBA families for gas with cost",
     "espi validate --espi 3.3 --profile gas-cost usage.xml"},
    {"findings and a summary per file as JSON, for programs",
     "espi validate --format json usage.xml"},
    {"every rule, its severity and its GBA test", "espi validate --list-rules"},
    {"what a rule checks, with a failing and a passing example",
     "espi validate --explain reading-duplicate"},
    {"all but two rules, four files at a time, one JSON line per file and a status line per file",
     "espi validate -j 4 --ignore time-range,reading-gap --format jsonl --status status.jsonl "
     "*.xml"},
};

const cli_command cli_validate_command = {
    .name = "validate",
    .usage = "[OPTIONS] FILE...",
    .summary = "Check Green Button (ESPI) files: the ESPI schema and the Green Button rules.",
    .details = "Each FILE (- reads stdin) is read once, streaming, with no network access, no DTD\n"
               "loading and no entity expansion. A FILE may be gzip-compressed, or a ZIP whose\n"
               "XML members are each an input (archive.zip:member.xml); SmartHub JSON, CSV and\n"
               "HAR files are named as such, with the espi convert command that reads them.\n"
               "The schema (usage feeds, or customer feeds when the file uses the customer\n"
               "namespace) and every rule of --list-rules are checked in that one pass, every\n"
               "reading included. Findings are printed in file order as\n"
               "FILE:LINE:COL: severity: RULE: message [entry ID], the place being that of the\n"
               "element at fault; a mismatch repeated over many readings for one cause is one\n"
               "finding with a count (--verbose lists the readings). Then one verdict line per\n"
               "file. Rules of the GBA certification families (FB_xx) apply according to\n"
               "--profile, or to what the file holds; under --profile, a rule that stands for a\n"
               "GBA test is an error, as the GBA preset fails the file. A file's findings are\n"
               "followed by a line per rule that --max-per-rule cut short, and one naming the\n"
               "findings espi convert repairs, if any. Each file's lines (or JSON object) are\n"
               "written as soon as the file is done. --ignore and --only choose rules; a finding\n"
               "that stops the reading (xml-syntax, a limit) is always reported.\n"
               "With -j N, N FILEs are read at once on worker threads; each FILE's part of the\n"
               "report is written once it and the FILEs before it are done, so the report, the\n"
               "messages and the exit code are those of -j 1. --status FILE writes a JSON line\n"
               "per FILE as it is done (docs/scale.md).\n"
               "docs/rules.md explains every rule with a failing and a passing example\n"
               "(--explain RULE prints it); docs/inputs.md the inputs.\n",
    .exit_status =
        "0 every file valid (warnings allowed, unless --strict); 1 some file\n"
        "invalid or not well-formed; 2 usage error; 3 a file could not be read (the worst\n"
        "outcome wins).\n",
    .options = validate_options,
    .noptions = sizeof validate_options / sizeof validate_options[0],
    .examples = validate_examples,
    .nexamples = sizeof validate_examples / sizeof validate_examples[0],
    .run = run_validate,
};
