/* SPDX-License-Identifier: Apache-2.0 */
/* report.c - espi report: the engine's totals as the report XML
 * (report_xml.c), with espi validate's findings by rule, transformed by
 * the bundled XSLT (or a user's) into one HTML page. libxslt runs with
 * security preferences that forbid reading and writing files and the
 * network, so neither the file nor the stylesheet can fetch anything. */
#include "common/embedded.h"
#include "common/error.h"
#include "common/libinit.h"
#include "read/reader.h"
#include "report/aggregate.h"
#include "report/report_xml.h"

#include <errno.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxslt/security.h>
#include <libxslt/transform.h>
#include <libxslt/xsltInternals.h>
#include <libxslt/xsltutils.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XSLT_NS "http://www.w3.org/1999/XSL/Transform"

/* Findings kept per rule for the page: the rest are counted. */
#define FINDINGS_PER_RULE 10

typedef struct finding {
    unsigned long line, column;
    char *message;
} finding;

typedef struct rule_findings {
    const espi_rule *rule;
    char *file;
    size_t count;
    finding kept[FINDINGS_PER_RULE];
    size_t nkept;
} rule_findings;

struct espi_reporter {
    espi_report_options opts;
    FILE *dest;
    agg *agg;
    xmlDocPtr doc;
    xml_cursor w;
    xsltStylesheetPtr style;
    bool nomem;
    rule_findings *rules;
    size_t nrules, rcap;
    size_t errors, warnings;
    bool validated;
};

/* ------------------------------------------------------------------ */
/* Findings                                                            */
/* ------------------------------------------------------------------ */

static rule_findings *rule_entry(espi_reporter *r, const char *id, const char *file)
{
    for (size_t i = 0; i < r->nrules; i++)
        if (strcmp(r->rules[i].rule->id, id) == 0 && strcmp(r->rules[i].file, file) == 0)
            return &r->rules[i];
    const espi_rule *rule = espi_rule_find(id);
    if (rule == NULL)
        return NULL;
    if (r->nrules == r->rcap) {
        size_t cap = r->rcap ? 2 * r->rcap : 16;
        rule_findings *g = realloc(r->rules, cap * sizeof *g);
        if (g == NULL)
            return NULL;
        r->rules = g;
        r->rcap = cap;
    }
    rule_findings *e = &r->rules[r->nrules];
    memset(e, 0, sizeof *e);
    e->rule = rule;
    e->file = strdup(file);
    if (e->file == NULL)
        return NULL;
    r->nrules++;
    return e;
}

static void on_finding(const espi_diag *d, void *ctx)
{
    espi_reporter *r = ctx;
    if (d->severity == ESPI_SEV_ERROR)
        r->errors++;
    else if (d->severity == ESPI_SEV_WARNING)
        r->warnings++;
    rule_findings *e = rule_entry(r, d->code ? d->code : "", d->file ? d->file : "");
    if (e == NULL)
        return; /* not a rule (an input error): it is in the counts */
    e->count++;
    if (e->nkept < FINDINGS_PER_RULE) {
        finding *f = &e->kept[e->nkept];
        f->line = d->line;
        f->column = d->column;
        f->message = strdup(d->message ? d->message : "");
        if (f->message)
            e->nkept++;
    }
}

static void on_suppressed(const espi_rule *rule, size_t count, void *ctx)
{
    espi_reporter *r = ctx;
    for (size_t i = r->nrules; i-- > 0;)
        if (r->rules[i].rule == rule) {
            r->rules[i].count += count;
            return;
        }
}

/* Runs espi_validate on in (seekable, at its start). */
static int validate_input(espi_reporter *r, FILE *in, const char *name, espi_error *err)
{
    espi_validate_options vo;
    espi_validate_options_init(&vo);
    vo.on_finding = on_finding;
    vo.finding_ctx = r;
    vo.on_suppressed = on_suppressed;
    int rc = espi_validate(NULL, in, name, &vo, err);
    r->validated = true;
    return rc == ESPI_E_INPUT ? 0 : rc; /* an invalid file is reported, not refused */
}

static void attr_size(xml_cursor *w, const char *name, size_t v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%zu", v);
    xml_attr(w, name, buf);
}

static void write_validation(espi_reporter *r)
{
    static const char *const severities[] = {"info", "warning", "error"};
    xml_cursor *w = &r->w;
    xml_start(w, "validation");
    xml_attr(w, "valid", r->errors ? "false" : "true");
    attr_size(w, "errors", r->errors);
    attr_size(w, "warnings", r->warnings);
    for (size_t i = 0; i < r->nrules; i++) {
        const rule_findings *e = &r->rules[i];
        unsigned sev = (unsigned)e->rule->severity;
        xml_start(w, "rule");
        xml_attr(w, "id", e->rule->id);
        xml_attr(w, "file", e->file);
        xml_attr(w, "severity", sev < 3 ? severities[sev] : "error");
        attr_size(w, "count", e->count);
        xml_attr(w, "summary", e->rule->summary);
        for (size_t k = 0; k < e->nkept; k++) {
            xml_start(w, "finding");
            attr_size(w, "line", e->kept[k].line);
            attr_size(w, "column", e->kept[k].column);
            xml_attr(w, "message", e->kept[k].message);
            xml_end(w);
        }
        xml_end(w);
    }
    xml_end(w);
}

/* ------------------------------------------------------------------ */
/* Reading                                                             */
/* ------------------------------------------------------------------ */

typedef struct file_run {
    espi_reporter *r;
    const char *name;
    bool written;
} file_run;

static int on_resource(const espi_resource *res, void *ctx)
{
    file_run *f = ctx;
    if (res->kind == ESPI_RES_FEED) {
        f->written = true;
        return report_xml_file(f->r->agg, &f->r->w, f->name, res->u.feed);
    }
    return agg_take(f->r->agg, res);
}

/* A copy of a stream that cannot seek, so it can be read twice. */
static FILE *spool(FILE *in, const char *name, espi_error *err)
{
    FILE *t = tmpfile();
    if (t == NULL) {
        char reason[128];
        err_strerror(errno, reason, sizeof reason); /* strerror is not thread-safe */
        err_fail(err, ESPI_E_IO, "io", NULL, "%s: no temporary file to read it twice: %s", name,
                 reason);
        return NULL;
    }
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, t) != n)
            break;
    if (ferror(in) || ferror(t) || fseek(t, 0, SEEK_SET) != 0) {
        err_fail(err, ESPI_E_IO, "io", NULL, "%s: cannot copy it to read it twice", name);
        fclose(t);
        return NULL;
    }
    return t;
}

int espi_reporter_add(espi_reporter *r, FILE *in, const char *name, espi_error *err)
{
    FILE *copy = NULL;
    long at = -1;
    if (r->opts.validate) {
        at = ftell(in);
        if (at < 0 || fseek(in, at, SEEK_SET) != 0) {
            if ((copy = spool(in, name, err)) == NULL)
                return ESPI_E_IO;
            in = copy;
            at = 0;
        }
    }
    agg_begin(r->agg, name);
    espi_read_options ro = {r->opts.on_diag, r->opts.diag_ctx, r->opts.chunk_size, 0};
    file_run f = {r, name, false};
    int rc = reader_run(in, name, &ro, NULL, on_resource, &f, err);
    if (rc == ESPI_E_NOMEM)
        r->nomem = true;
    agg_end(r->agg);
    if (rc == 0 && r->opts.validate) {
        if (fseek(in, at, SEEK_SET) != 0)
            rc = err_fail(err, ESPI_E_IO, "io", NULL, "%s: cannot read it again to validate it",
                          name);
        else
            rc = validate_input(r, in, name, err);
    }
    if (copy)
        fclose(copy);
    return rc;
}

/* ------------------------------------------------------------------ */
/* The stylesheet                                                      */
/* ------------------------------------------------------------------ */

/* libxslt's messages, while a stylesheet is parsed or run, kept for the
 * error espi returns: the first ones, made one line; nothing is printed.
 * libxslt's handler is process-wide; common/libinit.c sets it once and
 * hands each message to the thread that raised it. */
typedef struct xslt_message {
    char *text;
    size_t size;
} xslt_message;

static void keep_xslt_message(void *ctx, const char *text)
{
    xslt_message *m = ctx;
    size_t n = strlen(m->text);
    if (n + 2 >= m->size)
        return; /* full: the first messages say why */
    str_lcpy(m->text + n, text, m->size - n);
    /* one line: libxslt ends its messages (or their parts) with a newline */
    for (char *c = m->text + n; *c; c++)
        if (*c == '\n')
            *c = *(c + 1) ? ' ' : '\0';
    n = strlen(m->text);
    if (n > 0 && n + 2 < m->size && m->text[n - 1] != ' ')
        memcpy(m->text + n, " ", 2);
}

static void capture_xslt(xslt_message *m, char *buf, size_t size)
{
    buf[0] = '\0';
    *m = (xslt_message){buf, size};
    libinit_xslt_messages(keep_xslt_message, m);
}

static void end_capture(xslt_message *m)
{
    libinit_xslt_messages(NULL, NULL);
    size_t n = strlen(m->text);
    while (n > 0 && m->text[n - 1] == ' ')
        m->text[--n] = '\0';
}

static const embedded_file *bundled(const char *name)
{
    for (const embedded_file *f = embedded_files; f->name; f++)
        if (strcmp(f->name, name) == 0)
            return f;
    return NULL;
}

/* True when the tree has an element of the XSLT namespace called name. */
static bool has_xslt_element(xmlNodePtr n, const char *name)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (n->ns && xmlStrEqual(n->ns->href, (const xmlChar *)XSLT_NS) &&
            xmlStrEqual(n->name, (const xmlChar *)name))
            return true;
        if (has_xslt_element(n->children, name))
            return true;
    }
    return false;
}

/* Parses a stylesheet with no network, no DTD and no entities; one file
 * only, since xsl:include and xsl:import would load others. */
static int load_stylesheet(espi_reporter *r, espi_error *err)
{
    const int options =
        XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_NOWARNING | XML_PARSE_NOERROR;
    const char *path = r->opts.stylesheet;
    err_loc loc = {path ? path : "report.xsl", 0, 0, NULL};
    xmlDocPtr doc;
    if (path)
        doc = xmlReadFile(path, NULL, options);
    else {
        const embedded_file *f = bundled("report.xsl");
        doc = f ? xmlReadMemory((const char *)f->data, (int)f->size, "report.xsl", NULL, options)
                : NULL;
    }
    if (doc == NULL) {
        const xmlError *e = xmlGetLastError();
        loc.line = e ? (unsigned long)e->line : 0;
        return err_fail(err, ESPI_E_INPUT, "stylesheet", &loc, "cannot read the stylesheet: %s",
                        e && e->message ? e->message : "not well-formed XML");
    }
    if (has_xslt_element(xmlDocGetRootElement(doc), "include") ||
        has_xslt_element(xmlDocGetRootElement(doc), "import")) {
        xmlFreeDoc(doc);
        return err_fail(err, ESPI_E_INPUT, "stylesheet", &loc,
                        "xsl:include and xsl:import are not supported: put the stylesheet in one "
                        "file");
    }
    char why[256];
    xslt_message m;
    capture_xslt(&m, why, sizeof why);
    r->style = xsltParseStylesheetDoc(doc); /* owns doc from here */
    end_capture(&m);
    if (r->style == NULL || r->style->errors > 0) {
        if (r->style == NULL)
            xmlFreeDoc(doc);
        return err_fail(err, ESPI_E_INPUT, "stylesheet", &loc,
                        "not an XSLT 1.0 stylesheet espi can run%s%s", why[0] ? ": " : "", why);
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Public                                                              */
/* ------------------------------------------------------------------ */

void espi_report_options_init(espi_report_options *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->format = ESPI_REPORT_HTML;
}

static int start_document(espi_reporter *r)
{
    char generator[64];
    snprintf(generator, sizeof generator, "espi %s", espi_version());
    r->doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr root = r->doc ? xmlNewDocNode(r->doc, NULL, BAD_CAST "report", NULL) : NULL;
    if (root == NULL)
        return ESPI_E_NOMEM;
    xmlDocSetRootElement(r->doc, root);
    r->doc->encoding = xmlStrdup(BAD_CAST "UTF-8");
    r->w = (xml_cursor){root, xmlNewNs(root, BAD_CAST REPORT_NS, NULL), false};
    if (r->w.ns == NULL || r->doc->encoding == NULL)
        return ESPI_E_NOMEM;
    xmlSetNs(root, r->w.ns);
    xml_attr(&r->w, "version", "1");
    xml_attr(&r->w, "generator", generator);
    return r->w.failed ? ESPI_E_NOMEM : 0;
}

int espi_reporter_new(espi_reporter **out, FILE *dest, const espi_report_options *opts,
                      espi_error *err)
{
    *out = NULL;
    libinit_once(); /* libxml2 and libxslt set themselves up on first use: not thread-safe */
    espi_report_options defaults;
    if (opts == NULL) {
        espi_report_options_init(&defaults);
        opts = &defaults;
    }
    espi_reporter *r = calloc(1, sizeof *r);
    if (r == NULL)
        return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    r->opts = *opts;
    r->dest = dest;
    agg_options ao = {.pers = REPORT_PERS,
                      .tz = opts->tz,
                      .unit = opts->unit ? opts->unit : "kWh",
                      .unit_quiet = !opts->unit, /* kWh where it applies, silently */
                      .hours_kept = REPORT_HOURS_KEPT,
                      .no_missing = AGG_BIT(AGG_HOUR), /* the heat map shows values only */
                      .on_diag = opts->on_diag,
                      .diag_ctx = opts->diag_ctx};
    int rc = agg_new(&r->agg, &ao, err);
    if (rc == 0 && opts->format == ESPI_REPORT_HTML)
        rc = load_stylesheet(r, err);
    if (rc == 0 && start_document(r) != 0)
        rc = err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    if (rc != 0) {
        espi_reporter_free(r);
        return rc;
    }
    *out = r;
    return 0;
}

static int write_failed(espi_error *err, int err_no)
{
    char reason[128];
    err_strerror(err_no, reason, sizeof reason);
    err_loc loc = {"<output>", 0, 0, NULL};
    return err_fail(err, ESPI_E_IO, "write", &loc, "cannot write the output: %s", reason);
}

/* Transforms the document with every file and network access forbidden. */
static int transform(espi_reporter *r, espi_error *err)
{
    xsltSecurityPrefsPtr prefs = xsltNewSecurityPrefs();
    xsltTransformContextPtr ctxt = xsltNewTransformContext(r->style, r->doc);
    int rc = 0;
    if (prefs == NULL || ctxt == NULL ||
        xsltSetSecurityPrefs(prefs, XSLT_SECPREF_READ_FILE, xsltSecurityForbid) != 0 ||
        xsltSetSecurityPrefs(prefs, XSLT_SECPREF_WRITE_FILE, xsltSecurityForbid) != 0 ||
        xsltSetSecurityPrefs(prefs, XSLT_SECPREF_CREATE_DIRECTORY, xsltSecurityForbid) != 0 ||
        xsltSetSecurityPrefs(prefs, XSLT_SECPREF_READ_NETWORK, xsltSecurityForbid) != 0 ||
        xsltSetSecurityPrefs(prefs, XSLT_SECPREF_WRITE_NETWORK, xsltSecurityForbid) != 0 ||
        xsltSetCtxtSecurityPrefs(prefs, ctxt) != 0)
        rc = err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    char why[512];
    xslt_message m;
    capture_xslt(&m, why, sizeof why);
    xmlDocPtr res = rc ? NULL : xsltApplyStylesheetUser(r->style, r->doc, NULL, NULL, NULL, ctxt);
    end_capture(&m);
    if (rc == 0 && (res == NULL || ctxt->state != XSLT_STATE_OK)) {
        err_loc loc = {r->opts.stylesheet ? r->opts.stylesheet : "report.xsl", 0, 0, NULL};
        rc = err_fail(err, ESPI_E_INPUT, "stylesheet", &loc,
                      "the transformation failed (a stylesheet may not read or write files or "
                      "the network): %s",
                      why[0] ? why : "no reason given");
    }
    if (rc == 0) {
        errno = 0;
        if (xsltSaveResultToFile(r->dest, res, r->style) < 0 || fflush(r->dest) != 0)
            rc = write_failed(err, errno ? errno : EIO);
    }
    xmlFreeDoc(res);
    xsltFreeTransformContext(ctxt);
    xsltFreeSecurityPrefs(prefs);
    return rc;
}

int espi_reporter_finish(espi_reporter *r, espi_error *err)
{
    if (r->opts.validate)
        write_validation(r);
    if (r->w.failed || r->nomem)
        return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    if (r->opts.format == ESPI_REPORT_XML) {
        errno = 0;
        if (xmlDocFormatDump(r->dest, r->doc, 1) < 0 || fflush(r->dest) != 0)
            return write_failed(err, errno ? errno : EIO);
        return 0;
    }
    return transform(r, err);
}

void espi_reporter_free(espi_reporter *r)
{
    if (r == NULL)
        return;
    xmlFreeDoc(r->doc);
    if (r->style)
        xsltFreeStylesheet(r->style);
    agg_free(r->agg);
    for (size_t i = 0; i < r->nrules; i++) {
        for (size_t k = 0; k < r->rules[i].nkept; k++)
            free(r->rules[i].kept[k].message);
        free(r->rules[i].file);
    }
    free(r->rules);
    free(r);
}
