/* SPDX-License-Identifier: Apache-2.0 */
/* cmd_convert.c - espi convert: SmartHub data (poll JSON, CSV exports,
 * account metadata) and Green Button files to repair, into one feed; or,
 * with --output-dir, each FILE into a feed of its own (docs/scale.md). */
#include "cli.h"

#include "batch.h"
#include "pool.h"

#include "espi.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

typedef struct convert_opts {
    const char *output;
    const char *output_dir;
    const char *group;
    const char *status;
    bool skip_existing;
    const char *jobs;
    const char *files_from;
    bool null_list;
    const char *tz;
    const char *from;
    const char *updated;
    const char *base_url;
    const char *title;
    const char *series_flow;
    bool no_validate;
    bool quiet;
    bool strict;
    bool dry_run;
} convert_opts;

static const cli_option convert_options[] = {
    {'o', "output", "FILE", CLI_STRING, offsetof(convert_opts, output),
     "write the feed to FILE (a temporary file, then rename); default or - : stdout", NULL},
    {0, "output-dir", "DIR", CLI_STRING, offsetof(convert_opts, output_dir),
     "convert each FILE on its own, as -o DIR/NAME.xml would, NAME its file name without its "
     "extension (and .gz); DIR is made when missing; a failing FILE does not stop the others",
     NULL},
    {0, "group", "GROUP", CLI_STRING, offsetof(convert_opts, group),
     "with --output-dir, what makes one output: input (the default: each FILE, a ZIP with all "
     "its .xml files) or account (the FILEs of each SmartHub account and service location, "
     "merged into DIR/ACCOUNT-LOCATION.xml; a FILE without one is a group of its own)",
     NULL},
    {0, "status", "FILE", CLI_STRING, offsetof(convert_opts, status),
     "with --output-dir, one JSON line per output to FILE (- : stdout) as each is done: "
     "output, inputs, status (ok, invalid, error, skipped), readings, warnings, errors, "
     "message, seconds",
     NULL},
    {0, "skip-existing", NULL, CLI_FLAG, offsetof(convert_opts, skip_existing),
     "with --output-dir, keep an output that is newer than its FILE (with --group account: "
     "every FILE of its group; status skipped), so a run again redoes only what changed",
     NULL},
    {'j', "jobs", "N", CLI_STRING, offsetof(convert_opts, jobs),
     "with --output-dir, convert N outputs at once on worker threads of this one process "
     "(default: the number of cores, at most 16); the outputs, status lines and messages are "
     "those of -j 1, in the same order",
     NULL},
    {0, "tz", "ZONE", CLI_STRING, offsetof(convert_opts, tz),
     "the co-op's time zone, IANA or POSIX TZ (default America/Los_Angeles)", NULL},
    {0, "from", "FORMAT", CLI_STRING, offsetof(convert_opts, from),
     "input format of every FILE: auto (default: detected from the content), smarthub-json, "
     "smarthub-csv, smarthub-account, har (a browser HAR file: its poll, user-data and billing "
     "answers) or espi (a Green Button file or .zip to repair)",
     "auto smarthub-json smarthub-csv smarthub-account har espi"},
    {0, "updated", "TIME", CLI_STRING, offsetof(convert_opts, updated),
     "Atom published/updated: 2026-11-28T10:00:00Z, epoch seconds or 'now'", NULL},
    {0, "base-url", "URL", CLI_STRING, offsetof(convert_opts, base_url),
     "prefix of every link href (default /espi/1_1/resource)", NULL},
    {0, "title", "TEXT", CLI_STRING, offsetof(convert_opts, title),
     "feed title (default 'Green Button Usage Feed')", NULL},
    {0, "series-flow", "NAME=FLOW", CLI_STRING, offsetof(convert_opts, series_flow),
     "the flow of poll series whose meter and name do not tell it: NAME (a series name, or "
     "the text after its last ' - ') = forward, reverse or net; several separated by commas",
     "NAME=forward NAME=reverse NAME=net"},
    {0, "no-validate", NULL, CLI_FLAG, offsetof(convert_opts, no_validate),
     "skip the check of the output (schema and rules, as espi validate) before it is written",
     NULL},
    {0, "strict", NULL, CLI_FLAG, offsetof(convert_opts, strict),
     "inputs that disagree (readings or bills for the same time) are an error, not a warning",
     NULL},
    {0, "dry-run", NULL, CLI_FLAG, offsetof(convert_opts, dry_run),
     "read every input, report warnings and repairs, write nothing (the check of the output "
     "needs an output: it does not run)",
     NULL},
    {0, "files-from", "LIST", CLI_STRING, offsetof(convert_opts, files_from),
     "also read the input paths listed in LIST, one per line (- : stdin), for more inputs than "
     "a command line holds",
     NULL},
    {'0', "null", NULL, CLI_FLAG, offsetof(convert_opts, null_list),
     "the paths of --files-from are separated by NUL bytes (find -print0)", NULL},
    {'q', "quiet", NULL, CLI_FLAG, offsetof(convert_opts, quiet), "do not print warnings", NULL},
};

#define SERIES_FLOWS_MAX 64 /* NAME=FLOW pairs --series-flow takes */

/* --series-flow, cut into the pairs espi_convert_options takes. */
typedef struct series_flows {
    char *text; /* a copy of the option, its names cut out in place */
    espi_series_flow items[SERIES_FLOWS_MAX];
    size_t n;
} series_flows;

typedef struct flow_word {
    const char *word;
    int code; /* FlowDirectionKind */
} flow_word;

static const flow_word flow_words[] = {{"forward", 1}, {"reverse", 19}, {"net", 4}};

static int flow_code(const char *word)
{
    for (size_t i = 0; i < sizeof flow_words / sizeof flow_words[0]; i++)
        if (strcmp(flow_words[i].word, word) == 0)
            return flow_words[i].code;
    return 0;
}

/* 'NAME=FLOW[,NAME=FLOW...]'; a NAME may hold '=' (the last one splits). */
static int parse_series_flows(const cli_io *io, const char *text, series_flows *sf)
{
    sf->n = 0;
    sf->text = text ? strdup(text) : NULL;
    if (text != NULL && sf->text == NULL)
        return CLI_IO;
    char *next = NULL;
    for (char *item = sf->text; item != NULL; item = next) {
        next = strchr(item, ',');
        if (next != NULL)
            *next++ = '\0';
        char *eq = strrchr(item, '=');
        int code = eq ? flow_code(eq + 1) : 0;
        if (eq == NULL || eq == item || code == 0)
            return cli_usage(io, "convert",
                             "--series-flow '%s': expected NAME=forward, NAME=reverse or "
                             "NAME=net, several separated by commas",
                             text);
        if (sf->n == SERIES_FLOWS_MAX)
            return cli_usage(io, "convert", "--series-flow takes at most %d series",
                             SERIES_FLOWS_MAX);
        *eq = '\0';
        sf->items[sf->n++] = (espi_series_flow){item, code};
    }
    return CLI_OK;
}

typedef struct reporter {
    const cli_io *io;
    bool quiet;
    batch_outcome *tally; /* NULL: one feed, no status line */
} reporter;

static void print_diag(const espi_diag *d, void *ctx)
{
    reporter *r = ctx;
    char line[1400];
    espi_diag_format(line, sizeof line, d);
    batch_note(r->tally, d->severity, line);
    if (r->quiet && d->severity != ESPI_SEV_ERROR)
        return;
    fprintf(r->io->err, "%s\n", line);
}

/* An error the library gave: printed, and counted. */
static void print_error(const reporter *r, const espi_error *err)
{
    cli_print_error(r->io, err);
    if (r->tally == NULL)
        return;
    char line[1400];
    espi_error_format(line, sizeof line, err);
    batch_note(r->tally, ESPI_SEV_ERROR, line);
}

/* The Atom time: --updated, else SOURCE_DATE_EPOCH, else from the data. */
static int resolve_updated(const cli_io *io, const char *text, int64_t *out)
{
    *out = ESPI_TIME_UNSET;
    if (text != NULL) {
        if (strcmp(text, "now") == 0) {
            *out = (int64_t)time(NULL);
            return CLI_OK;
        }
        if (espi_time_parse(out, text) == 0)
            return CLI_OK;
        return cli_usage(io, "convert",
                         "--updated '%s' is not a time: expected 2026-11-28T10:00:00Z, epoch "
                         "seconds or 'now'",
                         text);
    }
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    if (sde != NULL && sde[0] != '\0' && espi_time_parse(out, sde) != 0)
        return cli_usage(io, "convert", "SOURCE_DATE_EPOCH='%s' is not a number of seconds", sde);
    return CLI_OK;
}

static const char *plural(size_t n)
{
    return n == 1 ? "" : "s";
}

/* The verdict of the self-check, as espi validate would give it. */
static void verdict(char *buf, size_t size, const cli_check *check)
{
    if (!check->run)
        buf[0] = '\0'; /* --no-validate: nothing is said either way */
    else if (check->errors > 0)
        snprintf(buf, size, "; invalid: %zu error%s remain%s (the feed is written all the same)",
                 check->errors, plural(check->errors), check->errors == 1 ? "s" : "");
    else if (check->warnings > 0)
        snprintf(buf, size, "; valid (ESPI 3.3 schema and the Green Button rules), %zu warning%s",
                 check->warnings, plural(check->warnings));
    else
        snprintf(buf, size, "; valid (ESPI 3.3 schema and the Green Button rules)");
}

static void print_summary(const cli_io *io, const char *path, const espi_feed *feed,
                          const cli_check *check)
{
    espi_feed_stats st;
    espi_feed_stats_get(&st, feed);
    char bills[64] = "", said[128];
    if (st.summaries > 0)
        snprintf(bills, sizeof bills, ", %zu billing summar%s", st.summaries,
                 st.summaries == 1 ? "y" : "ies");
    verdict(said, sizeof said, check);
    fprintf(io->err,
            "espi: wrote %s: %zu usage point%s, %zu channel%s, %zu interval block%s, "
            "%zu reading%s (%zu with cost)%s%s\n",
            path, st.usage_points, plural(st.usage_points), st.channels, plural(st.channels),
            st.blocks, plural(st.blocks), st.readings, plural(st.readings), st.with_cost, bills,
            said);
}

/* The status line's account of a write: the findings that remain, and
 * whether a feed was kept. */
static void tally_write(reporter *rep, const char *path, const espi_feed *feed,
                        const cli_check *check, int rc)
{
    batch_outcome *oc = rep->tally;
    oc->errors += check->errors;
    oc->warnings += check->warnings;
    oc->written = rc == CLI_OK || (rc == CLI_INVALID_INPUT && check->errors > 0);
    char line[1400];
    if (oc->written) {
        espi_feed_stats st;
        espi_feed_stats_get(&st, feed);
        oc->readings = st.readings;
    }
    if (oc->written && check->errors > 0) {
        snprintf(line, sizeof line,
                 "%s: invalid: %zu error%s remain%s after conversion (the feed is written all "
                 "the same); run espi validate %s for all",
                 path, check->errors, plural(check->errors), check->errors == 1 ? "s" : "", path);
        batch_remember(oc, ESPI_SEV_ERROR, line);
    } else if (oc->written && check->warnings > 0) {
        snprintf(line, sizeof line,
                 "%s: %zu warning%s remain%s after conversion; run espi validate %s for all", path,
                 check->warnings, plural(check->warnings), check->warnings == 1 ? "s" : "", path);
        batch_remember(oc, ESPI_SEV_WARNING, line);
    } else if (!oc->written && !oc->message_is_error) {
        /* cli_write_feed_checked printed why; it does not hand it over */
        snprintf(line, sizeof line, "%s: not written (stderr says why)", path);
        batch_note(oc, ESPI_SEV_ERROR, line);
    }
}

/* Writes the feed to path (NULL: stdout), checked as espi validate checks
 * it unless --no-validate (the findings that remain are listed), and says
 * what was written. Errors that remain give exit 1, the feed written all
 * the same. */
static int write_output(const cli_io *io, const convert_opts *o, const char *path,
                        const espi_feed *feed, const espi_write_options *wo, reporter *rep)
{
    cli_check check = {!o->no_validate, o->quiet, print_diag, rep, 0, 0, "conversion"};
    int rc = cli_write_feed_checked(io, path, feed, wo, &check);
    if (rep->tally)
        tally_write(rep, path, feed, &check, rc);
    if (rc != CLI_OK && rc != CLI_INVALID_INPUT)
        return rc;
    if (path && (!o->quiet || rc != CLI_OK))
        print_summary(io, path, feed, &check);
    return rc;
}

#define MEMBERS_SHOWN 8 /* ZIP members named in the line that lists them */

typedef struct adding {
    espi_converter *conv;
    espi_format format;
    reporter *rep;
    size_t members; /* of the argument read now: inputs named "ARG:MEMBER" */
    char names[400];
    size_t len;
} adding;

static int add_input(void *ctx, const cli_input *in, espi_error *err)
{
    adding *a = ctx;
    const char *archive = strcmp(in->arg, "-") == 0 ? "<stdin>" : in->arg;
    size_t n = strlen(archive);
    if (strncmp(in->name, archive, n) == 0 && in->name[n] == ':' && a->members++ < MEMBERS_SHOWN) {
        int k = snprintf(a->names + a->len, sizeof a->names - a->len, "%s%s", a->len ? ", " : "",
                         in->name + n + 1);
        if (k > 0 && (size_t)k < sizeof a->names - a->len)
            a->len += (size_t)k;
    }
    return espi_converter_add(a->conv, in->stream, in->name, a->format, err);
}

/* An input that could not be read, already printed: counted. */
static void input_failed(void *ctx, const char *name, const espi_error *err, bool read)
{
    (void)name;
    (void)read;
    adding *a = ctx;
    if (a->rep->tally == NULL)
        return;
    char line[1400];
    espi_error_format(line, sizeof line, err);
    batch_note(a->rep->tally, ESPI_SEV_ERROR, line);
}

/* Which files of a ZIP were read, as their warnings would not say it of
 * a clean one: "espi: read download.zip: 3 .xml files (a.xml, ...)". */
static void say_members(const cli_io *io, const char *arg, const adding *a)
{
    fprintf(io->err, "espi: read %s: %zu .xml file%s (%s%s)\n", arg, a->members, plural(a->members),
            a->names, a->members > MEMBERS_SHOWN ? ", ..." : "");
}

/* Reads every input into the converter (a .gz inflated, each .xml file of
 * a ZIP an input of its own, named unless quiet); stops at the first that
 * fails. */
static int read_inputs(const cli_io *io, const convert_opts *o, espi_converter *conv,
                       espi_format format, reporter *rep, char **inputs, int ninputs)
{
    adding a = {conv, format, rep, 0, "", 0};
    cli_inputs ci = {io, add_input, input_failed, &a, false, true};
    for (int i = 0; i < ninputs; i++) {
        a.members = a.len = 0;
        a.names[0] = '\0';
        int code = cli_read_inputs(&ci, inputs[i]);
        if (code != CLI_OK)
            return code;
        if (a.members > 0 && !o->quiet)
            say_members(io, strcmp(inputs[i], "-") == 0 ? "<stdin>" : inputs[i], &a);
    }
    return CLI_OK;
}

static int stdin_once(const cli_io *io, char **inputs, int ninputs)
{
    int dashes = 0;
    for (int i = 0; i < ninputs; i++)
        dashes += strcmp(inputs[i], "-") == 0;
    if (dashes > 1)
        return cli_usage(io, "convert", "- (stdin) can be given once");
    return CLI_OK;
}

static void say_dry_run(const cli_io *io, const espi_feed *feed)
{
    espi_feed_stats st;
    espi_feed_stats_get(&st, feed);
    fprintf(io->err,
            "espi: dry run: %zu usage point%s, %zu channel%s, %zu reading%s, %zu billing "
            "summar%s; nothing written\n",
            st.usage_points, plural(st.usage_points), st.channels, plural(st.channels), st.readings,
            plural(st.readings), st.summaries, st.summaries == 1 ? "y" : "ies");
}

/* What every feed of a run shares, settled once from the options. */
typedef struct convert_setup {
    espi_format format;
    espi_write_options wo;
    espi_tz *tz;
    series_flows sf;
} convert_setup;

static void setup_free(convert_setup *s)
{
    espi_tz_free(s->tz);
    free(s->sf.text);
}

/* The options every feed takes: format, Atom times and texts, zone, series
 * flows; CLI_OK, or the usage error printed (s is freed either way by
 * setup_free). */
static int setup_make(const cli_io *io, const convert_opts *o, convert_setup *s)
{
    s->format = ESPI_FORMAT_AUTO;
    if (o->from && espi_format_parse(&s->format, o->from) != 0)
        return cli_usage(io, "convert",
                         "unknown --from '%s': expected auto, smarthub-json, smarthub-csv, "
                         "smarthub-account, har or espi",
                         o->from);
    espi_write_options_init(&s->wo);
    s->wo.base_url = o->base_url;
    s->wo.title = o->title;
    int code = resolve_updated(io, o->updated, &s->wo.updated);
    if (code != CLI_OK)
        return code;
    espi_error err;
    if (espi_write_options_check(&s->wo, &err) != 0)
        return cli_usage(io, "convert", "--%s: %s", err.code, err.message);
    espi_time_params tp;
    if (espi_tz_load(&s->tz, o->tz ? o->tz : "America/Los_Angeles", &err) != 0 ||
        espi_tz_time_params(&tp, s->tz, &err) != 0)
        return cli_usage(io, "convert", "--tz: %s", err.message);
    return parse_series_flows(io, o->series_flow, &s->sf);
}

/* The library's options for a feed of this run. */
static espi_convert_options convert_options_of(const convert_opts *o, const convert_setup *s,
                                               espi_diag_fn on_diag, void *diag_ctx)
{
    espi_convert_options co;
    espi_convert_options_init(&co);
    co.tz = s->tz;
    co.tz_explicit = o->tz != NULL;
    co.strict = o->strict;
    co.dry_run = o->dry_run;
    co.on_diag = on_diag;
    co.diag_ctx = diag_ctx;
    co.series_flows = s->sf.items;
    co.nseries_flows = s->sf.n;
    return co;
}

/* One feed from inputs, written to output (NULL: stdout) unless --dry-run;
 * only the usage of account and location when account is not NULL
 * (--group account); tally (may be NULL) gets what it came to. Returns the
 * exit code. */
static int convert_one(const cli_io *io, const convert_opts *o, const convert_setup *s,
                       const char *output, char **inputs, int ninputs, const char *account,
                       const char *location, batch_outcome *tally)
{
    reporter rep = {io, o->quiet, tally};
    espi_convert_options co = convert_options_of(o, s, print_diag, &rep);
    co.only_account = account;
    co.only_location = account ? location : NULL;
    cli_job_begin();
    co.threads = cli_cores_to_spare() ? 0 : 1;
    pthread_t warm;
    bool warming = !o->dry_run && !o->no_validate && cli_schema_warm_begin(&warm);
    espi_converter *conv = NULL;
    espi_feed *feed = NULL;
    espi_error err;
    int code = CLI_OK;
    int rc = espi_converter_new(&conv, &co, &err);
    if (rc != 0) {
        print_error(&rep, &err);
        code = cli_exit_code(rc);
    } else {
        code = read_inputs(io, o, conv, s->format, &rep, inputs, ninputs);
    }
    if (code == CLI_OK && (rc = espi_converter_finish(conv, &feed, &err)) != 0) {
        print_error(&rep, &err);
        code = cli_exit_code(rc);
    }
    if (code == CLI_OK && o->dry_run) {
        if (!o->quiet) /* -q: nothing said, and still nothing written */
            say_dry_run(io, feed);
    } else if (code == CLI_OK) {
        code = write_output(io, o, output, feed, &s->wo, &rep);
    }
    espi_feed_free(feed);
    espi_converter_free(conv);
    if (warming)
        pthread_join(warm, NULL);
    cli_job_end();
    return code;
}

/* The options only --output-dir takes, and those it does not. */
static int check_batch_options(const cli_io *io, const convert_opts *o)
{
    const char *needs = o->group           ? "--group"
                        : o->status        ? "--status"
                        : o->skip_existing ? "--skip-existing"
                        : o->jobs          ? "-j"
                                           : NULL;
    if (o->output_dir == NULL && needs != NULL)
        return cli_usage(io, "convert", "%s goes with --output-dir DIR", needs);
    if (o->output_dir == NULL)
        return CLI_OK;
    if (o->output)
        return cli_usage(io, "convert",
                         "-o writes one feed of every FILE, --output-dir one feed per FILE: "
                         "give one of them");
    if (o->dry_run)
        return cli_usage(io, "convert", "--dry-run writes nothing: give it without --output-dir");
    if (o->output_dir[0] == '\0')
        return cli_usage(io, "convert", "--output-dir needs a folder");
    if (o->group && strcmp(o->group, "input") != 0 && strcmp(o->group, "account") != 0)
        return cli_usage(io, "convert",
                         "unknown --group '%s': expected input (a feed per FILE) or account (a "
                         "feed per SmartHub account and service location)",
                         o->group);
    return CLI_OK;
}

/* A job of --output-dir: the group's FILEs into one feed at output. */
typedef struct batch_ctx {
    const convert_opts *o;
    const convert_setup *s;
} batch_ctx;

static int convert_group(void *ctx, const cli_io *io, const char *output, char **inputs,
                         int ninputs, const char *account, const char *location, batch_outcome *oc)
{
    const batch_ctx *bc = ctx;
    return convert_one(io, bc->o, bc->s, output, inputs, ninputs, account, location, oc);
}

/* --group account: one FILE read into a converter of its own (a Green
 * Button file is not: it names no account), to list its accounts. */
typedef struct scanning {
    espi_converter *conv;
    espi_format format;
    batch_outcome *oc;
} scanning;

static int scan_input(void *ctx, const cli_input *in, espi_error *err)
{
    scanning *sc = ctx;
    espi_format format = sc->format;
    if (format == ESPI_FORMAT_AUTO &&
        espi_format_detect(&format, in->head, in->head_len, in->name, err) != 0)
        return err->status;
    if (format == ESPI_FORMAT_ESPI)
        return 0;
    return espi_converter_add(sc->conv, in->stream, in->name, format, err);
}

static void scan_failed(void *ctx, const char *name, const espi_error *err, bool read)
{
    (void)name;
    (void)read;
    scanning *sc = ctx;
    char line[1400];
    espi_error_format(line, sizeof line, err);
    batch_note(sc->oc, ESPI_SEV_ERROR, line);
}

static int scan_group(void *ctx, const cli_io *io, const char *input, espi_account_fn found,
                      void *found_ctx, batch_outcome *oc)
{
    const batch_ctx *bc = ctx;
    espi_convert_options co = convert_options_of(bc->o, bc->s, NULL, NULL);
    co.strict = false; /* what --strict refuses refuses the FILE's group, as with -o */
    scanning sc = {NULL, bc->s->format, oc};
    espi_error err;
    cli_job_begin();
    co.threads = cli_cores_to_spare() ? 0 : 1;
    int rc = espi_converter_new(&sc.conv, &co, &err);
    int code = CLI_OK;
    if (rc != 0) {
        cli_print_error(io, &err);
        scan_failed(&sc, input, &err, false);
        code = cli_exit_code(rc);
    } else {
        cli_inputs ci = {io, scan_input, scan_failed, &sc, false, true};
        code = cli_read_inputs(&ci, input);
        if (code == CLI_OK)
            espi_converter_accounts(sc.conv, found, found_ctx);
        espi_converter_free(sc.conv);
    }
    cli_job_end();
    return code;
}

/* --output-dir: each group of FILEs converted on its own, -j at once; one
 * failing does not stop the others; the exit code is the worst of all. */
static int convert_batch(const cli_io *io, const convert_opts *o, const convert_setup *s,
                         char **inputs, int ninputs)
{
    batch_ctx bc = {o, s};
    batch_options bo = {o->output_dir, o->group,   o->status, o->skip_existing, o->quiet, 1,
                        convert_group, scan_group, &bc};
    int code = cli_pool_workers(io, "convert", o->jobs, inputs, ninputs, &bo.workers);
    return code == CLI_OK ? batch_run(io, &bo, inputs, ninputs) : code;
}

static int convert(const cli_io *io, const convert_opts *o, char **inputs, int ninputs)
{
    int code = check_batch_options(io, o);
    if (code == CLI_OK && o->output_dir == NULL)
        code = stdin_once(io, inputs, ninputs);
    if (code != CLI_OK)
        return code;
    convert_setup s = {0};
    code = setup_make(io, o, &s);
    if (code == CLI_OK && o->output_dir)
        code = convert_batch(io, o, &s, inputs, ninputs);
    else if (code == CLI_OK) /* "-o -" is stdout, as for the input */
        code = convert_one(io, o, &s, o->output && strcmp(o->output, "-") != 0 ? o->output : NULL,
                           inputs, ninputs, NULL, NULL, NULL);
    setup_free(&s);
    return code;
}

static int run_convert(const cli_io *io, int argc, char **argv)
{
    convert_opts o = {0};
    char **pos = calloc((size_t)argc + 1, sizeof *pos);
    if (pos == NULL)
        return CLI_IO;
    int npos = 0;
    int code = cli_parse(io, &cli_convert_command, &o, argc, argv, pos, &npos);
    cli_files f = {0};
    if (code < 0)
        code = CLI_OK; /* --help */
    else if (code == CLI_OK && npos == 0 && o.files_from == NULL && !o.null_list)
        code = cli_usage(io, "convert", "no input file (give a path, or - for stdin)");
    else if (code == CLI_OK && (code = cli_files_gather(io, "convert", pos, npos, o.files_from,
                                                        o.null_list, &f)) == CLI_OK)
        code = convert(io, &o, f.v, f.n);
    cli_files_free(&f);
    free(pos);
    return code;
}

static const cli_example convert_examples[] = {
    {"SmartHub usage, saved from the browser, into a Green Button file",
     "espi convert --tz America/Los_Angeles -o usage.xml usage.json"},
    {"months of usage, the billing history, a CSV export and account data, in one feed",
     "espi convert -o home.xml june.json july.json bills.json export.csv user-data.json"},
    {"what repairs another utility's Green Button file needs; nothing is written",
     "espi convert --dry-run utility.xml"},
    {"from stdin to stdout, with fixed Atom times",
     "espi convert --updated 2026-11-28T10:00:00Z - < usage.json > usage.xml"},
    {"a feed per download, a JSON status line each, what is up to date left as it is",
     "espi convert --output-dir feeds --status status.jsonl --skip-existing downloads/*.zip"},
};

const cli_command cli_convert_command = {
    .name = "convert",
    .usage = "[OPTIONS] FILE...",
    .summary = "Convert SmartHub data, or repair Green Button files, into one Green Button (ESPI) "
               "feed.",
    .details =
        "Each FILE (- reads stdin) is one of (detected from its content, or forced with --from):\n"
        "  smarthub-json     the JSON body of SmartHub's POST secured/utility-usage/poll, status\n"
        "                    COMPLETE: 15-minute, hourly or daily usage (with or without cost,\n"
        "                    net-metering channels), or MONTHLY billing periods, which become\n"
        "                    UsageSummaries;\n"
        "  smarthub-csv      SmartHub's Green Button CSV export, or the older usage CSV with "
        "cost;\n"
        "  smarthub-account  user-data or billing JSON: rate schedule and billing cycle of the\n"
        "                    usage points (nothing personal is read);\n"
        "  har               a browser HAR file (devtools \"Save all as HAR\"): its COMPLETE "
        "poll,\n"
        "                    user-data and billing answers, each read as an input of its own;\n"
        "  espi              any Green Button XML file, or the .zip SmartHub delivers, rewritten "
        "as\n"
        "                    a clean current feed; each repair is reported with its line.\n"
        "A FILE may also be gzip data (inflated as read) or a ZIP, each .xml file in it an input\n"
        "of its own named archive.zip:member.xml (stderr lists those read); the first bytes\n"
        "tell, not the name (docs/inputs.md).\n"
        "Inputs for the same service location are merged into one usage point: channels by meter\n"
        "and direction, readings by time (kept once when they agree; when they differ the later\n"
        "input wins with a warning, or --strict makes it an error), bills by billing period.\n"
        "Times in SmartHub data are the co-op's wall clock; each point is converted to UTC with\n"
        "--tz, so DST days are right. The same inputs and options always give the same bytes,\n"
        "whatever their order (unless they disagree: then the later input wins).\n"
        "Before the feed is kept it is checked as espi validate checks it (the ESPI 3.3 schema\n"
        "and the Green Button rules, one pass). Findings that no repair could settle are listed\n"
        "on stderr, one rule each with its count and first place; the closing line says valid\n"
        "only when espi validate would, else \"invalid: N errors remain\". When errors remain\n"
        "the feed is written all the same and the exit code is 1. Inputs without usage data\n"
        "(a customer feed, a feed without readings or summaries) are an error.\n"
        "With --output-dir DIR, each FILE (a ZIP with all its .xml files) is converted on its\n"
        "own, in order, to DIR/NAME.xml: NAME is its file name without .gz and one more\n"
        "extension, and the bytes are those of espi convert -o DIR/NAME.xml FILE. Two FILEs\n"
        "with one NAME (in any case), - (stdin) and an output that would replace its FILE are\n"
        "refused before anything is done. A FILE that fails does not stop the others; a\n"
        "closing line on stderr counts the outputs ok, invalid (written with errors that\n"
        "remain), errors (nothing written) and skipped (docs/scale.md).\n"
        "With --group account, each FILE is first read to tell the SmartHub accounts and\n"
        "service locations it holds; the FILEs of each account and location (poll windows,\n"
        "HAR files, user-data and billing JSON, a CSV export of the account when the run has\n"
        "usage of one location of it) are merged into DIR/ACCOUNT-LOCATION.xml, in the order\n"
        "of the accounts, as espi convert -o would merge them; a FILE holding several accounts\n"
        "joins each group, which keeps its own usage point only. A FILE without an account (a\n"
        "Green Button file) is a group of its own, named as with --group input; one that\n"
        "cannot be read is reported as an error of its own, its group not known.\n",
    .exit_status = "0 written, and valid; 1 invalid input, nothing written, or written with\n"
                   "errors that remain (listed on stderr); 2 usage error; 3 I/O or system error.\n"
                   "With --output-dir, the worst of all its outputs' codes.\n",
    .options = convert_options,
    .noptions = sizeof convert_options / sizeof convert_options[0],
    .examples = convert_examples,
    .nexamples = sizeof convert_examples / sizeof convert_examples[0],
    .run = run_convert,
};
