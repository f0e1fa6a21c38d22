/* SPDX-License-Identifier: Apache-2.0 */
/* cmd_report.c - espi report: one HTML page with charts of a Green Button
 * file's usage, or the report XML behind it (docs/report-format.md). */
#include "cli.h"

#include "espi.h"

#include <stdlib.h>
#include <string.h>

typedef struct report_opts {
    const char *files_from;
    bool null_list;
    const char *format;
    const char *stylesheet;
    const char *tz;
    const char *unit;
    const char *output;
    bool validate;
    bool quiet;
} report_opts;

static const cli_option report_options[] = {
    {'o', "output", "FILE", CLI_STRING, offsetof(report_opts, output),
     "write to FILE (a temporary file, then rename; kept only when every input was read); "
     "default or - : stdout",
     NULL},
    {0, "format", "FORMAT", CLI_STRING, offsetof(report_opts, format),
     "html (default: one self-contained page with charts) or xml (the totals the page is "
     "made from)",
     "html xml"},
    {0, "stylesheet", "FILE.xsl", CLI_STRING, offsetof(report_opts, stylesheet),
     "transform the report XML with this XSLT 1.0 stylesheet instead of the bundled one (one "
     "file; it may read or write nothing)",
     NULL},
    {0, "validate", NULL, CLI_FLAG, offsetof(report_opts, validate),
     "add the findings of espi validate, by rule", NULL},
    {0, "unit", "UNIT", CLI_STRING, offsetof(report_opts, unit),
     "values in this unit when it is a power-of-ten change (default: kWh for Wh readings)",
     "Wh kWh MWh VArh kVArh VAh kVAh m3 ft3 therm"},
    {0, "tz", "ZONE", CLI_STRING, offsetof(report_opts, tz),
     "days and months in this zone instead of the file's LocalTimeParameters", NULL},
    {0, "files-from", "LIST", CLI_STRING, offsetof(report_opts, files_from),
     "also read the input paths listed in LIST, one per line (- : stdin), for more inputs than "
     "a command line holds",
     NULL},
    {'0', "null", NULL, CLI_FLAG, offsetof(report_opts, null_list),
     "the paths of --files-from are separated by NUL bytes (find -print0)", NULL},
    {'q', "quiet", NULL, CLI_FLAG, offsetof(report_opts, quiet), "do not print warnings", NULL},
};

static const cli_choice formats[] = {{"html", ESPI_REPORT_HTML}, {"xml", ESPI_REPORT_XML}};

static int sink_make(void **obj, FILE *dest, const void *opts, espi_error *err)
{
    espi_reporter *m = NULL;
    int rc = espi_reporter_new(&m, dest, opts, err);
    *obj = m;
    return rc;
}

static int sink_add(void *obj, FILE *in, const char *name, espi_error *err)
{
    return espi_reporter_add(obj, in, name, err);
}

static int sink_finish(void *obj, espi_error *err)
{
    return espi_reporter_finish(obj, err);
}

static void sink_destroy(void *obj)
{
    espi_reporter_free(obj);
}

static const cli_sink report_sink = {sink_make, sink_add, sink_finish, sink_destroy};

static int make_report(const cli_io *io, const report_opts *o, char **files, int nfiles)
{
    espi_report_options ropts;
    espi_report_options_init(&ropts);
    ropts.unit = o->unit;
    ropts.stylesheet = o->stylesheet;
    ropts.validate = o->validate;
    ropts.on_diag = o->quiet ? NULL : cli_print_diag;
    ropts.diag_ctx = (void *)(uintptr_t)io;
    int v;
    if (o->format) {
        if (!cli_pick(formats, sizeof formats / sizeof formats[0], o->format, &v))
            return cli_usage(io, "report", "unknown --format '%s': expected html or xml",
                             o->format);
        ropts.format = (espi_report_format)v;
    }
    if (o->stylesheet && ropts.format == ESPI_REPORT_XML)
        return cli_usage(io, "report", "--stylesheet transforms the XML: not with --format xml");
    espi_tz *tz = NULL;
    int bad = cli_unit_and_zone(io, "report", o->unit, o->tz, &tz);
    if (bad != CLI_OK)
        return bad;
    ropts.tz = tz;
    int code = cli_run_sink(io, &report_sink, &ropts, o->output, files, nfiles);
    espi_tz_free(tz);
    return code;
}

static int run_report(const cli_io *io, int argc, char **argv)
{
    report_opts o = {0};
    char **pos = calloc((size_t)argc + 1, sizeof *pos);
    if (pos == NULL)
        return CLI_IO;
    int npos = 0;
    int code = cli_parse(io, &cli_report_command, &o, argc, argv, pos, &npos);
    cli_files f = {0};
    if (code < 0)
        code = CLI_OK; /* --help */
    else if (code == CLI_OK && (code = cli_files_gather(io, "report", pos, npos, o.files_from,
                                                        o.null_list, &f)) == CLI_OK)
        code = make_report(io, &o, f.v, f.n);
    cli_files_free(&f);
    free(pos);
    return code;
}

static const cli_example report_examples[] = {
    {"a page with charts of the usage, cost and data quality",
     "espi report usage.xml -o report.html"},
    {"with the findings of espi validate", "espi report --validate usage.xml -o report.html"},
    {"the totals as XML, for other tools", "espi report --format xml usage.xml -o report.xml"},
    {"your own XSLT 1.0 stylesheet on that XML",
     "espi report --stylesheet mine.xsl usage.xml -o mine.html"},
};

const cli_command cli_report_command = {
    .name = "report",
    .usage = "[OPTIONS] FILE...",
    .summary = "Write one HTML page with charts of Green Button usage: days, months, bills, "
               "load shape.",
    .details =
        "Each FILE (- reads stdin; .gz and the .xml members of a ZIP as espi dump reads them)\n"
        "is totalled as espi summary totals it (one streaming pass; memory grows with the\n"
        "periods, not the readings), per usage point: headline figures, daily bars (received\n"
        "energy below the axis for net metering), monthly bars and the bills of its\n"
        "UsageSummaries, a heat map of the hour of day by day, the time-of-use split and the\n"
        "data quality (missing slots, estimated readings). The page is self-contained: inline\n"
        "CSS and SVG, no script, nothing fetched. Every chart has its numbers in a table.\n\n"
        "The page is made by an XSLT 1.0 stylesheet from an XML document of the totals\n"
        "(--format xml writes it; docs/report-format.md). --stylesheet runs another one on\n"
        "it, with file and network access forbidden.\n",
    .exit_status = "0 every input read; 1 an input is not Green Button XML, or the\n"
                   "stylesheet cannot be used; 2 usage error; 3 an input is missing or\n"
                   "unreadable, or the output cannot be written. With -o the file is written\n"
                   "only when every input was read.\n",
    .options = report_options,
    .noptions = sizeof report_options / sizeof report_options[0],
    .examples = report_examples,
    .nexamples = sizeof report_examples / sizeof report_examples[0],
    .run = run_report,
};
