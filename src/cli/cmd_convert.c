/* cmd_convert.c - espi convert: SmartHub poll JSON to a Green Button feed. */
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
    bool no_validate;
    bool quiet;
} convert_opts;

static const cli_option convert_options[] = {
    {'o', "output", "FILE", CLI_STRING, offsetof(convert_opts, output),
     "write the feed to FILE (a temporary file, then rename); default or - : stdout"},
    {0, "tz", "ZONE", CLI_STRING, offsetof(convert_opts, tz),
     "the co-op's time zone, IANA or POSIX TZ (default America/Los_Angeles)"},
    {0, "from", "FORMAT", CLI_STRING, offsetof(convert_opts, from),
     "input format: smarthub-json (the default and, so far, the only one)"},
    {0, "updated", "TIME", CLI_STRING, offsetof(convert_opts, updated),
     "Atom published/updated: 2026-11-28T10:00:00Z, epoch seconds or 'now'"},
    {0, "base-url", "URL", CLI_STRING, offsetof(convert_opts, base_url),
     "prefix of every link href (default /espi/1_1/resource)"},
    {0, "title", "TEXT", CLI_STRING, offsetof(convert_opts, title),
     "feed title (default 'Green Button Usage Feed')"},
    {0, "no-validate", NULL, CLI_FLAG, offsetof(convert_opts, no_validate),
     "skip the schema check of the output before it is written"},
    {'q', "quiet", NULL, CLI_FLAG, offsetof(convert_opts, quiet), "do not print warnings"},
};

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

static int open_input(const cli_io *io, const char *path, FILE **in, const char **name)
{
    if (strcmp(path, "-") == 0) {
        *in = stdin;
        *name = "<stdin>";
        return CLI_OK;
    }
    *name = path;
    *in = fopen(path, "rb");
    if (*in != NULL)
        return CLI_OK;
    fprintf(io->err, "%s: error: io: cannot open the input: %s\n", path, strerror(errno));
    return CLI_IO;
}

static const char *plural(size_t n)
{
    return n == 1 ? "" : "s";
}

static void print_summary(const cli_io *io, const char *path, const espi_feed *feed, bool validated)
{
    espi_feed_stats st;
    espi_feed_stats_get(&st, feed);
    fprintf(io->err,
            "espi: wrote %s: %zu usage point%s, %zu channel%s, %zu interval block%s, "
            "%zu reading%s (%zu with cost)%s\n",
            path, st.usage_points, plural(st.usage_points), st.channels, plural(st.channels),
            st.blocks, plural(st.blocks), st.readings, plural(st.readings), st.with_cost,
            validated ? "; valid against the bundled ESPI 4.0 and 3.3 schemas" : "");
}

/* Writes the feed to a temporary file, checks it against the stricter
 * (3.3: every link typed) schema set, which implies 4.0, then keeps it. */
static int write_output(const cli_io *io, const convert_opts *o, const espi_feed *feed,
                        const espi_write_options *wo, reporter *rep)
{
    espi_error err;
    espi_output *out = NULL;
    const char *shown = o->output ? o->output : "<stdout>";
    int rc = espi_output_open(&out, o->output, &err);
    if (rc == 0)
        rc = espi_feed_write_xml(espi_output_stream(out), shown, feed, wo, &err);
    if (rc == 0 && !o->no_validate) {
        fflush(espi_output_stream(out));
        rc = espi_schema_validate_file(espi_output_temp_path(out), shown, ESPI_SCHEMA_ESPI_33,
                                       print_diag, rep, &err);
        if (rc == ESPI_E_INPUT) {
            fprintf(io->err,
                    "%s: error: self-check: the generated feed does not pass the ESPI "
                    "schema; this is a bug in espi, please report it with the input\n",
                    shown);
            espi_output_abort(out);
            return CLI_IO;
        }
    }
    if (rc == 0) {
        rc = espi_output_commit(out, io->out, &err);
        out = NULL;
    }
    espi_output_abort(out);
    if (rc != 0) {
        cli_print_error(io, &err);
        return cli_exit_code(rc);
    }
    if (o->output && !o->quiet)
        print_summary(io, o->output, feed, !o->no_validate);
    return CLI_OK;
}

static int convert(const cli_io *io, const convert_opts *o, const char *input)
{
    if (o->from && strcmp(o->from, "smarthub-json") != 0)
        return cli_usage(io, "convert", "unknown --from '%s': expected smarthub-json", o->from);
    espi_write_options wo;
    espi_write_options_init(&wo);
    wo.base_url = o->base_url;
    wo.title = o->title;
    int code = resolve_updated(io, o->updated, &wo.updated);
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
    FILE *in;
    const char *name;
    reporter rep = {io, o->quiet};
    espi_feed *feed = NULL;
    code = open_input(io, input, &in, &name);
    if (code == CLI_OK) {
        espi_smarthub_options so = {tz, print_diag, &rep};
        int rc = espi_smarthub_read(&feed, in, name, &so, &err);
        if (in != stdin)
            fclose(in);
        if (rc != 0) {
            cli_print_error(io, &err);
            code = cli_exit_code(rc);
        }
    }
    if (code == CLI_OK)
        code = write_output(io, o, feed, &wo, &rep);
    espi_feed_free(feed);
    espi_tz_free(tz);
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
    else if (code == CLI_OK && npos > 1)
        code = cli_usage(io, "convert",
                         "one input file at a time (merging several is not supported yet)");
    else if (code == CLI_OK) {
        if (o.output && strcmp(o.output, "-") == 0)
            o.output = NULL; /* "-o -" is stdout, as for the input */
        code = convert(io, &o, pos[0]);
    }
    free(pos);
    return code;
}

const cli_command cli_convert_command = {
    .name = "convert",
    .usage = "[OPTIONS] FILE",
    .summary = "Convert a SmartHub usage poll response (JSON) into a Green Button (ESPI) feed.",
    .details =
        "FILE is the JSON body of SmartHub's POST secured/utility-usage/poll, status COMPLETE\n"
        "(15-minute, hourly or daily data, with or without cost, one or more meters, net\n"
        "metering channels); - reads stdin. Times in the poll are the co-op's wall clock;\n"
        "each point is converted to UTC with --tz, so DST days are right. The feed is\n"
        "checked against the bundled ESPI schemas before anything is written, and the same\n"
        "input and options always give the same bytes.\n\n"
        "Exit codes: 0 written; 1 invalid input; 2 usage error; 3 I/O or system error.\n",
    .options = convert_options,
    .noptions = sizeof convert_options / sizeof convert_options[0],
    .run = run_convert,
};
