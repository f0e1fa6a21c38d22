/* SPDX-License-Identifier: Apache-2.0 */
/* cmd_validate.c - espi validate: Green Button files against the bundled
 * schema and the Green Button rules, in one pass each; text or JSON. */
#include "cli.h"

#include "espi.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct validate_opts {
    const char *espi_version;
    const char *profile;
    const char *format;
    const char *max_per_rule;
    bool schema_only;
    bool strict;
    bool quiet;
    bool list_rules;
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
     "text (default) or json (findings and a summary per file)", "text json"},
    {0, "strict", NULL, CLI_FLAG, offsetof(validate_opts, strict),
     "warnings make a file invalid too", NULL},
    {0, "max-per-rule", "N", CLI_STRING, offsetof(validate_opts, max_per_rule),
     "list at most N findings of each rule per file (the rest are counted); default all", NULL},
    {'q', "quiet", NULL, CLI_FLAG, offsetof(validate_opts, quiet),
     "print only the verdict line of each file", NULL},
    {0, "list-rules", NULL, CLI_FLAG, offsetof(validate_opts, list_rules),
     "print every rule (id, severity, GBA test, what it checks) and exit", NULL},
};

/* ------------------------------------------------------------------ */
/* Files                                                               */
/* ------------------------------------------------------------------ */

/* Validates one input into the report; returns its exit code. */
static int validate_one(const cli_io *io, espi_validator *rep, const espi_validate_options *vo,
                        const char *path)
{
    bool from_stdin = strcmp(path, "-") == 0;
    const char *name = from_stdin ? "<stdin>" : path;
    espi_error err;
    FILE *in = from_stdin ? stdin : fopen(path, "rb");
    if (in == NULL) {
        fprintf(io->err, "%s: error: io: cannot open the file: %s\n", path, strerror(errno));
        snprintf(err.message, sizeof err.message, "cannot open the file: %s", strerror(errno));
        espi_validator_unreadable(rep, name, &err);
        return CLI_IO;
    }
    bool valid = false;
    int rc = espi_validator_add(&valid, rep, in, name, vo, &err);
    if (!from_stdin)
        fclose(in);
    if (rc != 0) {
        cli_print_error(io, &err);
        return cli_exit_code(rc);
    }
    return valid ? CLI_OK : CLI_INVALID_INPUT;
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
        fprintf(io->out, "%-22s %-7s %-9s %-8s %s\n", rules[i].id,
                rules[i].severity == ESPI_SEV_ERROR     ? "error"
                : rules[i].severity == ESPI_SEV_WARNING ? "warning"
                                                        : "info",
                rules[i].gba ? rules[i].gba : "-", families[0] ? families : "always",
                rules[i].summary);
    }
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
    if (o->format && strcmp(o->format, "text") != 0 && strcmp(o->format, "json") != 0)
        return cli_usage(io, "validate", "unknown --format '%s': expected text or json", o->format);
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
    return CLI_OK;
}

static int validate_all(const cli_io *io, const validate_opts *o, const espi_validate_options *vo,
                        char **files, int nfiles)
{
    espi_validator_options ro = {o->format && strcmp(o->format, "json") == 0 ? ESPI_VALIDATOR_JSON
                                                                             : ESPI_VALIDATOR_TEXT,
                                 o->quiet, o->strict};
    espi_validator *rep;
    espi_error err;
    if (espi_validator_new(&rep, io->out, &ro, &err) != 0) {
        cli_print_error(io, &err);
        return CLI_IO;
    }
    int code = CLI_OK;
    for (int i = 0; i < nfiles; i++) { /* each file judged on its own; the worst wins */
        int c = validate_one(io, rep, vo, files[i]);
        code = c > code ? c : code;
    }
    if (espi_validator_finish(rep, &err) != 0) {
        cli_print_error(io, &err);
        code = CLI_IO;
    }
    espi_validator_free(rep);
    return code;
}

static int run_validate(const cli_io *io, int argc, char **argv)
{
    validate_opts o = {0};
    char **pos = calloc((size_t)argc + 1, sizeof *pos);
    if (pos == NULL)
        return CLI_IO;
    int npos = 0;
    espi_validate_options vo = {0};
    int code = cli_parse(io, &cli_validate_command, &o, argc, argv, pos, &npos);
    if (code < 0)
        code = CLI_OK; /* --help */
    else if (code == CLI_OK && o.list_rules)
        list_rules(io);
    else if (code == CLI_OK && (code = check_options(io, &o, &vo)) == CLI_OK) {
        if (npos == 0)
            code = cli_usage(io, "validate", "no input file (give paths, or - for stdin)");
        else
            code = validate_all(io, &o, &vo, pos, npos);
    }
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
};

const cli_command cli_validate_command = {
    .name = "validate",
    .usage = "[OPTIONS] FILE...",
    .summary = "Check Green Button (ESPI) files: the ESPI schema and the Green Button rules.",
    .details =
        "Each FILE (- reads stdin) is read once, streaming, with no network access, no DTD\n"
        "loading and no entity expansion: the schema (usage feeds, or customer feeds when\n"
        "the file uses the customer namespace) and every rule of --list-rules are checked\n"
        "in that one pass, every reading included. Findings are printed as\n"
        "FILE:LINE:COL: severity: RULE: message [entry ID], in file order, then one verdict\n"
        "line per file. Rules of the GBA certification families (FB_xx) apply according\n"
        "to --profile, or to what the file's ReadingTypes hold; their findings come last.\n"
        "docs/rules.md explains every rule with a failing and a passing example.\n",
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
