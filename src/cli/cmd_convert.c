/* SPDX-License-Identifier: Apache-2.0 */
/* cmd_convert.c - espi convert: SmartHub data (poll JSON, CSV exports,
 * account metadata) and Green Button files to repair, into one feed. */
#include "cli.h"

#include "espi.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct convert_opts {
    const char *output;
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
} reporter;

static void print_diag(const espi_diag *d, void *ctx)
{
    reporter *r = ctx;
    if (r->quiet && d->severity != ESPI_SEV_ERROR)
        return;
    char line[1400];
    espi_diag_format(line, sizeof line, d);
    fprintf(r->io->err, "%s\n", line);
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

/* Writes the feed, checked as espi validate checks it unless --no-validate
 * (the findings that remain are listed), and says what was written. Errors
 * that remain give exit 1, the feed written all the same. */
static int write_output(const cli_io *io, const convert_opts *o, const espi_feed *feed,
                        const espi_write_options *wo, reporter *rep)
{
    cli_check check = {!o->no_validate, o->quiet, print_diag, rep, 0, 0, "conversion"};
    int rc = cli_write_feed_checked(io, o->output, feed, wo, &check);
    if (rc != CLI_OK && rc != CLI_INVALID_INPUT)
        return rc;
    if (o->output && (!o->quiet || rc != CLI_OK))
        print_summary(io, o->output, feed, &check);
    return rc;
}

#define MEMBERS_SHOWN 8 /* ZIP members named in the line that lists them */

typedef struct adding {
    espi_converter *conv;
    espi_format format;
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
                       espi_format format, char **inputs, int ninputs)
{
    adding a = {conv, format, 0, "", 0};
    cli_inputs ci = {io, add_input, NULL, &a, false, true};
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

static int convert(const cli_io *io, const convert_opts *o, char **inputs, int ninputs)
{
    espi_format format = ESPI_FORMAT_AUTO;
    if (o->from && espi_format_parse(&format, o->from) != 0)
        return cli_usage(io, "convert",
                         "unknown --from '%s': expected auto, smarthub-json, smarthub-csv, "
                         "smarthub-account, har or espi",
                         o->from);
    int code = stdin_once(io, inputs, ninputs);
    if (code != CLI_OK)
        return code;
    espi_write_options wo;
    espi_write_options_init(&wo);
    wo.base_url = o->base_url;
    wo.title = o->title;
    code = resolve_updated(io, o->updated, &wo.updated);
    if (code != CLI_OK)
        return code;
    espi_error err;
    if (espi_write_options_check(&wo, &err) != 0)
        return cli_usage(io, "convert", "--%s: %s", err.code, err.message);
    espi_tz *tz = NULL;
    espi_time_params tp;
    if (espi_tz_load(&tz, o->tz ? o->tz : "America/Los_Angeles", &err) != 0 ||
        espi_tz_time_params(&tp, tz, &err) != 0) {
        espi_tz_free(tz);
        return cli_usage(io, "convert", "--tz: %s", err.message);
    }
    reporter rep = {io, o->quiet};
    series_flows sf;
    code = parse_series_flows(io, o->series_flow, &sf);
    if (code != CLI_OK) {
        free(sf.text);
        espi_tz_free(tz);
        return code;
    }
    espi_convert_options co = {tz,         o->tz != NULL, o->strict, o->dry_run,
                               print_diag, &rep,          sf.items,  sf.n};
    espi_converter *conv = NULL;
    espi_feed *feed = NULL;
    int rc = espi_converter_new(&conv, &co, &err);
    code = rc == 0 ? read_inputs(io, o, conv, format, inputs, ninputs) : cli_exit_code(rc);
    if (code == CLI_OK && (rc = espi_converter_finish(conv, &feed, &err)) != 0) {
        cli_print_error(io, &err);
        code = cli_exit_code(rc);
    }
    if (code == CLI_OK && o->dry_run) {
        if (!o->quiet) /* -q: nothing said, and still nothing written */
            say_dry_run(io, feed);
    } else if (code == CLI_OK) {
        code = write_output(io, o, feed, &wo, &rep);
    }
    espi_feed_free(feed);
    espi_converter_free(conv);
    espi_tz_free(tz);
    free(sf.text);
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
    if (code < 0)
        code = CLI_OK; /* --help */
    else if (code == CLI_OK && npos == 0)
        code = cli_usage(io, "convert", "no input file (give a path, or - for stdin)");
    else if (code == CLI_OK) {
        if (o.output && strcmp(o.output, "-") == 0)
            o.output = NULL; /* "-o -" is stdout, as for the input */
        code = convert(io, &o, pos, npos);
    }
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
        "(a customer feed, a feed without readings or summaries) are an error.\n",
    .exit_status = "0 written, and valid; 1 invalid input, nothing written, or written with\n"
                   "errors that remain (listed on stderr); 2 usage error; 3 I/O or system error.\n",
    .options = convert_options,
    .noptions = sizeof convert_options / sizeof convert_options[0],
    .examples = convert_examples,
    .nexamples = sizeof convert_examples / sizeof convert_examples[0],
    .run = run_convert,
};
