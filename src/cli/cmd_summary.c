/* SPDX-License-Identifier: Apache-2.0 */
/* cmd_summary.c - espi summary: readings totalled per local hour, day,
 * week or month (docs/summary-format.md). */
#include "cli.h"

#include "espi.h"

#include <stdlib.h>
#include <string.h>

typedef struct summary_opts {
    const char *files_from;
    bool null_list;
    const char *per;
    const char *format;
    const char *tz;
    const char *unit;
    const char *output;
    bool quiet;
} summary_opts;

static const cli_option summary_options[] = {
    {0, "per", "PERIOD", CLI_STRING, offsetof(summary_opts, per),
     "hour, day, week (from Monday), month (default): local periods of the file's zone; or "
     "bill: the billing periods of its UsageSummaries",
     "hour day week month bill"},
    {0, "format", "FORMAT", CLI_STRING, offsetof(summary_opts, format),
     "text (default: a table to read), csv or json (one row per usage point, meter reading, tou "
     "and period)",
     "text csv json"},
    {0, "unit", "UNIT", CLI_STRING, offsetof(summary_opts, unit),
     "values in this unit when it is a power-of-ten change (kWh, MWh)",
     "Wh kWh MWh VArh kVArh VAh kVAh m3 ft3 therm"},
    {0, "tz", "ZONE", CLI_STRING, offsetof(summary_opts, tz),
     "periods in this zone instead of the file's LocalTimeParameters", NULL},
    {'o', "output", "FILE", CLI_STRING, offsetof(summary_opts, output),
     "write to FILE (a temporary file, then rename; kept only when every input was read); "
     "default or - : stdout",
     NULL},
    {0, "files-from", "LIST", CLI_STRING, offsetof(summary_opts, files_from),
     "also read the input paths listed in LIST, one per line (- : stdin), for more inputs than "
     "a command line holds",
     NULL},
    {'0', "null", NULL, CLI_FLAG, offsetof(summary_opts, null_list),
     "the paths of --files-from are separated by NUL bytes (find -print0)", NULL},
    {'q', "quiet", NULL, CLI_FLAG, offsetof(summary_opts, quiet), "do not print warnings", NULL},
};

static const cli_choice pers[] = {{"hour", ESPI_SUMMARY_HOUR},
                                  {"day", ESPI_SUMMARY_DAY},
                                  {"week", ESPI_SUMMARY_WEEK},
                                  {"month", ESPI_SUMMARY_MONTH},
                                  {"bill", ESPI_SUMMARY_BILL}};
static const cli_choice formats[] = {
    {"text", ESPI_SUMMARY_TEXT}, {"csv", ESPI_SUMMARY_CSV}, {"json", ESPI_SUMMARY_JSON}};

static int sink_make(void **obj, FILE *dest, const void *opts, espi_error *err)
{
    espi_summarizer *m = NULL;
    int rc = espi_summarizer_new(&m, dest, opts, err);
    *obj = m;
    return rc;
}

static int sink_add(void *obj, FILE *in, const char *name, espi_error *err)
{
    return espi_summarizer_add(obj, in, name, err);
}

static int sink_finish(void *obj, espi_error *err)
{
    return espi_summarizer_finish(obj, err);
}

static void sink_destroy(void *obj)
{
    espi_summarizer_free(obj);
}

static const cli_sink summary_sink = {sink_make, sink_add, sink_finish, sink_destroy};

static int summarize(const cli_io *io, const summary_opts *o, char **files, int nfiles)
{
    espi_summary_options sopts;
    espi_summary_options_init(&sopts);
    sopts.unit = o->unit;
    sopts.on_diag = o->quiet ? NULL : cli_print_diag;
    sopts.diag_ctx = (void *)(uintptr_t)io;
    int v;
    if (o->per) {
        if (!cli_pick(pers, sizeof pers / sizeof pers[0], o->per, &v))
            return cli_usage(io, "summary",
                             "unknown --per '%s': expected hour, day, week, month or bill", o->per);
        sopts.per = (espi_summary_per)v;
    }
    if (o->format) {
        if (!cli_pick(formats, sizeof formats / sizeof formats[0], o->format, &v))
            return cli_usage(io, "summary", "unknown --format '%s': expected text, csv or json",
                             o->format);
        sopts.format = (espi_summary_format)v;
    }
    espi_tz *tz = NULL;
    int bad = cli_unit_and_zone(io, "summary", o->unit, o->tz, &tz);
    if (bad != CLI_OK)
        return bad;
    sopts.tz = tz;
    int code = cli_run_sink(io, &summary_sink, &sopts, o->output, files, nfiles);
    espi_tz_free(tz);
    return code;
}

static int run_summary(const cli_io *io, int argc, char **argv)
{
    summary_opts o = {0};
    char **pos = calloc((size_t)argc + 1, sizeof *pos);
    if (pos == NULL)
        return CLI_IO;
    int npos = 0;
    int code = cli_parse(io, &cli_summary_command, &o, argc, argv, pos, &npos);
    cli_files f = {0};
    if (code < 0)
        code = CLI_OK; /* --help */
    else if (code == CLI_OK && (code = cli_files_gather(io, "summary", pos, npos, o.files_from,
                                                        o.null_list, &f)) == CLI_OK)
        code = summarize(io, &o, f.v, f.n);
    cli_files_free(&f);
    free(pos);
    return code;
}

static const cli_example summary_examples[] = {
    {"monthly totals, cost and peak demand as a table", "espi summary usage.xml"},
    {"daily totals in kWh as CSV", "espi summary --per day --unit kWh --format csv usage.xml"},
    {"hourly totals in Chicago time, as one JSON document",
     "espi summary --per hour --tz America/Chicago --format json usage.xml.gz"},
    {"per billing period (the file's UsageSummaries)", "espi summary --per bill usage.xml"},
};

const cli_command cli_summary_command = {
    .name = "summary",
    .usage = "[OPTIONS] FILE...",
    .summary = "Total Green Button readings per local hour, day, week, month or bill: energy, "
               "cost, peak.",
    .details =
        "Each FILE (- reads stdin; .gz and the .xml members of a ZIP as espi dump reads them)\n"
        "is read in one streaming pass; memory grows with the periods, not the readings.\n"
        "Readings are grouped by usage point, meter reading (its ReadingType: commodity,\n"
        "kind, flow direction, unit) and time-of-use period, and each counts in the local\n"
        "period that holds its start: the zone of the usage point's LocalTimeParameters, or\n"
        "--tz, or UTC with a warning. A local day of 23 or 25 hours is one day. --per bill\n"
        "uses the billing periods of the usage point's UsageSummaries (label: the local start\n"
        "date); readings in none are totalled in a row with an empty period, with a warning.\n\n"
        "CSV and JSON columns (docs/summary-format.md): usage_point, meter_reading,\n"
        "commodity, kind, flow_direction, tou, period, period_start_utc, readings, missing,\n"
        "value, unit, cost, currency, peak_demand, peak_demand_unit, peak_start_utc,\n"
        "estimated, min_demand, min_demand_start_utc. value and cost are exact decimal sums\n"
        "of espi dump's columns; missing counts the interval slots no reading covers;\n"
        "estimated the readings of ReadingQuality 8 or 9; peak_demand and min_demand are the\n"
        "largest and smallest reading per hour (Wh -> W).\n",
    .exit_status = "0 every input read; 1 an input is not Green Button XML (the others are\n"
                   "still read); 2 usage error; 3 an input is missing or unreadable, or the\n"
                   "output cannot be written. With -o the file is written only when every\n"
                   "input was read.\n",
    .options = summary_options,
    .noptions = sizeof summary_options / sizeof summary_options[0],
    .examples = summary_examples,
    .nexamples = sizeof summary_examples / sizeof summary_examples[0],
    .run = run_summary,
};
