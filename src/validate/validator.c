/* SPDX-License-Identifier: Apache-2.0 */
/* validator.c - validation reports: findings and verdicts as text lines,
 * as a JSON array of per-file objects, or as JSON lines (one object per
 * file), streamed as findings come and flushed as each file ends, so that
 * a pipe or a parallel run sees each file whole as soon as it is done. */
#include "common/error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>

struct espi_validator {
    FILE *out;
    espi_validator_options o;
    yajl_gen json; /* NULL for text */
    int write_errno;
    /* the file being checked: per rule, its findings (listed or held back)
     * and those max_per_rule held back */
    const espi_rule *rules;
    size_t nrules;
    size_t *found, *suppressed;
    /* every file so far, for the summary (a part's are merged into it) */
    size_t files, valid, invalid, unreadable;
    size_t errors, warnings, infos;
    size_t readings; /* of the files checked */
    bool discard;    /* a part's JSON: what frames it is not printed */
};

static void note_errno(espi_validator *r)
{
    if (r->write_errno == 0)
        r->write_errno = errno ? errno : EIO;
}

static void print_json(void *ctx, const char *s, size_t len)
{
    espi_validator *r = ctx;
    if (!r->discard && fwrite(s, 1, len, r->out) != len)
        note_errno(r);
}

static void put(espi_validator *r, const char *fmt, ...) ATTR_PRINTF(2, 3);
static void put(espi_validator *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (vfprintf(r->out, fmt, ap) < 0)
        note_errno(r);
    va_end(ap);
}

static void text(yajl_gen g, const char *s)
{
    yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

static void key_text(yajl_gen g, const char *key, const char *value)
{
    text(g, key);
    if (value)
        text(g, value);
    else
        yajl_gen_null(g);
}

static void key_int(yajl_gen g, const char *key, long long value)
{
    text(g, key);
    yajl_gen_integer(g, value);
}

/* A line or column: null when not known (0). */
static void key_position(yajl_gen g, const char *key, unsigned long value)
{
    text(g, key);
    if (value)
        yajl_gen_integer(g, (long long)value);
    else
        yajl_gen_null(g);
}

static const char *severity_name(espi_severity s)
{
    return s == ESPI_SEV_ERROR ? "error" : s == ESPI_SEV_WARNING ? "warning" : "info";
}

/* The JSON array of the report. A part's is opened unseen, with an unseen
 * element when it is not the first part: its objects are then printed as
 * the framing report's array would print them, separator and indent
 * included. */
static void open_array(espi_validator *r)
{
    r->discard = r->o.part;
    yajl_gen_array_open(r->json);
    if (r->o.part && !r->o.first_part)
        yajl_gen_null(r->json);
    r->discard = false;
}

void espi_validator_options_init(espi_validator_options *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->format = ESPI_VALIDATOR_TEXT;
}

int espi_validator_new(espi_validator **out, FILE *dest, const espi_validator_options *opts,
                       espi_error *err)
{
    *out = NULL;
    espi_validator_options defaults;
    if (opts == NULL) {
        espi_validator_options_init(&defaults);
        opts = &defaults;
    }
    espi_validator *r = calloc(1, sizeof *r);
    if (r == NULL)
        return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    r->out = dest;
    r->o = *opts;
    r->rules = espi_rules(&r->nrules);
    r->found = calloc(r->nrules, sizeof *r->found);
    r->suppressed = calloc(r->nrules, sizeof *r->suppressed);
    if (r->found == NULL || r->suppressed == NULL)
        goto nomem;
    if (opts->format != ESPI_VALIDATOR_TEXT) {
        r->json = yajl_gen_alloc(NULL);
        if (r->json == NULL)
            goto nomem;
        if (opts->format == ESPI_VALIDATOR_JSON)
            yajl_gen_config(r->json, yajl_gen_beautify, 1);
        yajl_gen_config(r->json, yajl_gen_print_callback, print_json, r);
        if (opts->format == ESPI_VALIDATOR_JSON)
            open_array(r);
    }
    *out = r;
    return 0;
nomem:
    espi_validator_free(r);
    return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
}

static size_t rule_index(const espi_validator *r, const espi_rule *rule)
{
    return rule ? (size_t)(rule - r->rules) : r->nrules;
}

static void on_finding(const espi_diag *d, void *ctx)
{
    espi_validator *r = ctx;
    const espi_rule *rule = espi_rule_find(d->code);
    size_t i = rule_index(r, rule);
    if (i < r->nrules)
        r->found[i]++;
    if (r->o.on_finding)
        r->o.on_finding(d, r->o.finding_ctx);
    if (r->o.quiet)
        return;
    if (r->json == NULL) {
        char line[1600];
        espi_diag_format(line, sizeof line, d);
        put(r, "%s\n", line);
        return;
    }
    yajl_gen g = r->json;
    yajl_gen_map_open(g);
    key_text(g, "severity", severity_name(d->severity));
    key_text(g, "rule", d->code);
    key_text(g, "gba", rule ? rule->gba : NULL);
    key_position(g, "line", d->line);
    key_position(g, "column", d->column);
    /* where is "entry ID" */
    key_text(g, "entry", d->where && strncmp(d->where, "entry ", 6) == 0 ? d->where + 6 : d->where);
    key_text(g, "message", d->message);
    text(g, "repairable");
    yajl_gen_bool(g, rule && rule->repairable);
    yajl_gen_map_close(g);
}

/* max_per_rule held findings back: kept per rule, said once the file's
 * findings are listed (in text, a line that is not a finding). */
static void on_suppressed(const espi_rule *rule, size_t count, void *ctx)
{
    espi_validator *r = ctx;
    size_t i = rule_index(r, rule);
    if (i >= r->nrules)
        return;
    r->found[i] += count;
    r->suppressed[i] += count;
}

static void json_families(yajl_gen g, unsigned families)
{
    text(g, "families");
    yajl_gen_array_open(g);
    for (unsigned bit = 1; bit <= ESPI_FB_TEMPERATURE; bit <<= 1)
        if (families & bit) {
            char name[16];
            espi_families_format(name, sizeof name, bit);
            text(g, name);
        }
    yajl_gen_array_close(g);
}

/* Ends a file's object (findings closed), then the line of JSON lines. */
static void json_summary(espi_validator *r, const espi_validate_options *vo,
                         const espi_validate_summary *s, bool valid, const espi_error *failure)
{
    yajl_gen g = r->json;
    yajl_gen_array_close(g);
    text(g, "suppressed");
    yajl_gen_map_open(g);
    for (size_t i = 0; i < r->nrules; i++)
        if (r->suppressed[i])
            key_int(g, r->rules[i].id, (long long)r->suppressed[i]);
    yajl_gen_map_close(g);
    if (failure)
        key_text(g, "error", failure->message);
    text(g, "valid");
    yajl_gen_bool(g, valid);
    key_text(g, "espi", vo && vo->set == ESPI_SCHEMA_ESPI_33 ? "3.3" : "4.0");
    key_text(g, "schema", s->customer ? "customer" : "usage");
    json_families(g, s->families);
    key_int(g, "errors", (long long)s->errors);
    key_int(g, "warnings", (long long)s->warnings);
    key_int(g, "infos", (long long)s->infos);
    key_int(g, "ignored", (long long)s->ignored);
    yajl_gen_map_close(g);
    if (r->o.format == ESPI_VALIDATOR_JSONL)
        yajl_gen_reset(g, "\n"); /* a new document on the next line */
}

static void json_open_file(espi_validator *r, const char *name)
{
    yajl_gen_map_open(r->json);
    key_text(r->json, "file", name);
    text(r->json, "findings");
    yajl_gen_array_open(r->json);
}

static bool filtered(const espi_validate_options *vo)
{
    return vo->nignore > 0 || vo->nonly > 0;
}

/* What max_per_rule held back, and which findings espi convert repairs:
 * lines about the file, not findings (no severity, no rule in its place). */
static void text_notes(espi_validator *r, const char *name)
{
    for (size_t i = 0; i < r->nrules; i++)
        if (r->suppressed[i])
            put(r, "%s: %zu more finding%s of %s not listed\n", name, r->suppressed[i],
                r->suppressed[i] == 1 ? "" : "s", r->rules[i].id);
    char list[512];
    size_t len = 0, total = 0;
    list[0] = '\0';
    for (size_t i = 0; i < r->nrules; i++)
        if (r->found[i] && r->rules[i].repairable) {
            str_bufprintf(list, sizeof list, &len, "%s%s %zu", total ? ", " : "", r->rules[i].id,
                          r->found[i]);
            total += r->found[i];
        }
    if (total)
        put(r, "%s: espi convert repairs %zu finding%s: %s\n", name, total, total == 1 ? "" : "s",
            list);
}

static void text_verdict(espi_validator *r, const char *name, const espi_validate_options *vo,
                         const espi_validate_summary *s, bool valid)
{
    char families[160], ignored[48] = "";
    espi_families_format(families, sizeof families, s->families);
    if (filtered(vo))
        snprintf(ignored, sizeof ignored, ", %zu ignored", s->ignored);
    put(r, "%s: %s (ESPI %s %s%s%s%s), %zu error%s, %zu warning%s, %zu info%s%s\n", name,
        valid ? "valid" : "invalid", vo->set == ESPI_SCHEMA_ESPI_33 ? "3.3" : "4.0",
        s->customer ? "customer" : "usage", vo->schema_only ? " schema only" : "",
        families[0] ? "; " : "", families, s->errors, s->errors == 1 ? "" : "s", s->warnings,
        s->warnings == 1 ? "" : "s", s->infos, s->infos == 1 ? "" : "s", ignored);
}

/* A file is done: what was written reaches the reader now. */
static void file_done(espi_validator *r)
{
    if (fflush(r->out) != 0)
        note_errno(r);
    memset(r->found, 0, r->nrules * sizeof *r->found);
    memset(r->suppressed, 0, r->nrules * sizeof *r->suppressed);
}

int espi_validator_add(bool *valid, espi_validator *r, FILE *in, const char *name,
                       const espi_validate_options *opts, espi_error *err)
{
    espi_validate_options vo;
    if (opts)
        vo = *opts;
    else
        espi_validate_options_init(&vo);
    vo.on_finding = on_finding;
    vo.on_suppressed = on_suppressed;
    vo.finding_ctx = r;
    espi_validate_summary s;
    if (r->json)
        json_open_file(r, name);
    int rc = espi_validate(&s, in, name, &vo, err);
    bool checked = rc == ESPI_OK || rc == ESPI_E_INPUT;
    *valid = rc == ESPI_OK && !(r->o.strict && s.warnings > 0);
    r->files++;
    if (checked) {
        r->errors += s.errors;
        r->warnings += s.warnings;
        r->infos += s.infos;
        r->readings += s.readings;
    }
    if (!checked)
        r->unreadable++;
    else if (*valid)
        r->valid++;
    else
        r->invalid++;
    if (r->json)
        json_summary(r, &vo, &s, *valid, checked ? NULL : err);
    else if (checked) {
        if (!r->o.quiet)
            text_notes(r, name);
        text_verdict(r, name, &vo, &s, *valid);
    }
    file_done(r);
    if (!checked)
        return rc;
    memset(err, 0, sizeof *err);
    return 0;
}

void espi_validator_unreadable(espi_validator *r, const char *name, const espi_error *err)
{
    r->files++;
    if (err && err->status == ESPI_E_INPUT)
        r->invalid++; /* read, but not Green Button XML (SmartHub data, a bad archive) */
    else
        r->unreadable++;
    if (r->json == NULL)
        return;
    espi_validate_summary s;
    memset(&s, 0, sizeof s);
    json_open_file(r, name);
    json_summary(r, NULL, &s, false, err);
    file_done(r);
}

/* The closing totals: a line of text, or one more JSON line. */
static void summary(espi_validator *r)
{
    if (r->o.format == ESPI_VALIDATOR_TEXT) {
        put(r, "%zu file%s: %zu valid, %zu invalid, %zu unreadable\n", r->files,
            r->files == 1 ? "" : "s", r->valid, r->invalid, r->unreadable);
        return;
    }
    if (r->o.format != ESPI_VALIDATOR_JSONL)
        return; /* the JSON array holds file objects only */
    yajl_gen g = r->json;
    yajl_gen_map_open(g);
    text(g, "summary");
    yajl_gen_map_open(g);
    key_int(g, "files", (long long)r->files);
    key_int(g, "valid", (long long)r->valid);
    key_int(g, "invalid", (long long)r->invalid);
    key_int(g, "unreadable", (long long)r->unreadable);
    yajl_gen_map_close(g);
    yajl_gen_map_close(g);
    yajl_gen_reset(g, "\n");
}

int espi_validator_finish(espi_validator *r, espi_error *err)
{
    if (r->o.format == ESPI_VALIDATOR_JSON && !r->o.part)
        yajl_gen_array_close(r->json);
    if (r->o.summary && !r->o.part)
        summary(r);
    if ((fflush(r->out) != 0 || ferror(r->out)) && r->write_errno == 0)
        r->write_errno = errno ? errno : EIO;
    if (r->write_errno) {
        char reason[128];
        err_strerror(r->write_errno, reason, sizeof reason);
        err_loc loc = {"<output>", 0, 0, NULL};
        return err_fail(err, ESPI_E_IO, "write", &loc, "cannot write the report: %s", reason);
    }
    return 0;
}

void espi_validator_totals_get(espi_validator_totals *out, const espi_validator *r)
{
    *out = (espi_validator_totals){.files = r->files,
                                   .valid = r->valid,
                                   .invalid = r->invalid,
                                   .unreadable = r->unreadable,
                                   .errors = r->errors,
                                   .warnings = r->warnings,
                                   .infos = r->infos,
                                   .readings = r->readings};
}

void espi_validator_merge(espi_validator *r, const espi_validator *part)
{
    r->files += part->files;
    r->valid += part->valid;
    r->invalid += part->invalid;
    r->unreadable += part->unreadable;
    r->errors += part->errors;
    r->warnings += part->warnings;
    r->infos += part->infos;
    r->readings += part->readings;
    if (r->write_errno == 0)
        r->write_errno = part->write_errno;
}

void espi_validator_free(espi_validator *r)
{
    if (r == NULL)
        return;
    if (r->json)
        yajl_gen_free(r->json);
    free(r->found);
    free(r->suppressed);
    free(r);
}
