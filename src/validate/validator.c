/* SPDX-License-Identifier: Apache-2.0 */
/* validator.c - validation reports: findings and verdicts as text lines or
 * as a JSON array of per-file objects, streamed as findings come. */
#include "common/error.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>

struct espi_validator {
    FILE *out;
    espi_validator_options o;
    yajl_gen json; /* NULL for text */
    int write_errno;
};

static void print_json(void *ctx, const char *s, size_t len)
{
    espi_validator *r = ctx;
    if (fwrite(s, 1, len, r->out) != len && r->write_errno == 0)
        r->write_errno = errno ? errno : EIO;
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

static const char *severity_name(espi_severity s)
{
    return s == ESPI_SEV_ERROR ? "error" : s == ESPI_SEV_WARNING ? "warning" : "info";
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
    if (opts->format == ESPI_VALIDATOR_JSON) {
        r->json = yajl_gen_alloc(NULL);
        if (r->json == NULL) {
            free(r);
            return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
        }
        yajl_gen_config(r->json, yajl_gen_beautify, 1);
        yajl_gen_config(r->json, yajl_gen_print_callback, print_json, r);
        yajl_gen_array_open(r->json);
    }
    *out = r;
    return 0;
}

static void on_finding(const espi_diag *d, void *ctx)
{
    espi_validator *r = ctx;
    if (r->o.quiet)
        return;
    if (r->json == NULL) {
        char line[1600];
        espi_diag_format(line, sizeof line, d);
        if (fprintf(r->out, "%s\n", line) < 0 && r->write_errno == 0)
            r->write_errno = errno ? errno : EIO;
        return;
    }
    const espi_rule *rule = espi_rule_find(d->code);
    yajl_gen g = r->json;
    yajl_gen_map_open(g);
    key_text(g, "severity", severity_name(d->severity));
    key_text(g, "rule", d->code);
    key_text(g, "gba", rule ? rule->gba : NULL);
    key_int(g, "line", (long long)d->line);
    key_int(g, "column", (long long)d->column);
    /* where is "entry ID" */
    key_text(g, "entry", d->where && strncmp(d->where, "entry ", 6) == 0 ? d->where + 6 : d->where);
    key_text(g, "message", d->message);
    yajl_gen_map_close(g);
}

static void json_summary(espi_validator *r, const espi_validate_options *vo,
                         const espi_validate_summary *s, bool valid, const espi_error *failure)
{
    yajl_gen g = r->json;
    yajl_gen_array_close(g);
    if (failure)
        key_text(g, "error", failure->message);
    text(g, "valid");
    yajl_gen_bool(g, valid);
    key_text(g, "espi", vo && vo->set == ESPI_SCHEMA_ESPI_33 ? "3.3" : "4.0");
    key_text(g, "schema", s->customer ? "customer" : "usage");
    text(g, "families");
    yajl_gen_array_open(g);
    for (unsigned bit = 1; bit <= ESPI_FB_TEMPERATURE; bit <<= 1)
        if (s->families & bit) {
            char name[16];
            espi_families_format(name, sizeof name, bit);
            text(g, name);
        }
    yajl_gen_array_close(g);
    key_int(g, "errors", (long long)s->errors);
    key_int(g, "warnings", (long long)s->warnings);
    key_int(g, "infos", (long long)s->infos);
    yajl_gen_map_close(g);
}

static void json_open_file(espi_validator *r, const char *name)
{
    yajl_gen_map_open(r->json);
    key_text(r->json, "file", name);
    text(r->json, "findings");
    yajl_gen_array_open(r->json);
}

static void text_verdict(espi_validator *r, const char *name, const espi_validate_options *vo,
                         const espi_validate_summary *s, bool valid)
{
    char families[160];
    espi_families_format(families, sizeof families, s->families);
    int n =
        fprintf(r->out, "%s: %s (ESPI %s %s%s%s%s), %zu error%s, %zu warning%s, %zu info%s\n", name,
                valid ? "valid" : "invalid", vo->set == ESPI_SCHEMA_ESPI_33 ? "3.3" : "4.0",
                s->customer ? "customer" : "usage", vo->schema_only ? " schema only" : "",
                families[0] ? "; " : "", families, s->errors, s->errors == 1 ? "" : "s",
                s->warnings, s->warnings == 1 ? "" : "s", s->infos, s->infos == 1 ? "" : "s");
    if (n < 0 && r->write_errno == 0)
        r->write_errno = errno ? errno : EIO;
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
    vo.finding_ctx = r;
    espi_validate_summary s;
    if (r->json)
        json_open_file(r, name);
    int rc = espi_validate(&s, in, name, &vo, err);
    bool checked = rc == ESPI_OK || rc == ESPI_E_INPUT;
    *valid = rc == ESPI_OK && !(r->o.strict && s.warnings > 0);
    if (r->json)
        json_summary(r, &vo, &s, *valid, checked ? NULL : err);
    else if (checked)
        text_verdict(r, name, &vo, &s, *valid);
    if (!checked)
        return rc;
    memset(err, 0, sizeof *err);
    return 0;
}

void espi_validator_unreadable(espi_validator *r, const char *name, const espi_error *err)
{
    if (r->json == NULL)
        return;
    espi_validate_summary s;
    memset(&s, 0, sizeof s);
    json_open_file(r, name);
    json_summary(r, NULL, &s, false, err);
}

int espi_validator_finish(espi_validator *r, espi_error *err)
{
    if (r->json)
        yajl_gen_array_close(r->json);
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

void espi_validator_free(espi_validator *r)
{
    if (r == NULL)
        return;
    if (r->json)
        yajl_gen_free(r->json);
    free(r);
}
