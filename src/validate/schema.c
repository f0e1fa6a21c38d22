/* SPDX-License-Identifier: Apache-2.0 */
/* schema.c - validation against the bundled schemas (the .xsd files of schemas/, compiled
 * into the library) in one streaming pass.
 *
 * The schemas import each other by relative path. They are parsed from the
 * URL espi-schema:///NAME (espi-schema:///3.3/NAME for ESPI 3.3), which the
 * entity loader of common/libinit.c serves from memory. Documents are
 * parsed by a SAX push parser that feeds libxml2's schema plug, without
 * building a tree: no network access, no DTD loading, no entity
 * substitution. */
#include "validate/schema.h"

#include "common/error.h"
#include "common/libinit.h"

#include <libxml/parser.h>
#include <libxml/xmlschemas.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SCHEME LIBINIT_SCHEMA_URL /* served from memory (common/libinit.c) */
#define VARIANT_33 LIBINIT_VARIANT_33

/* No network; DTDs are neither loaded nor used to substitute entities. */
#define DOC_OPTIONS XML_PARSE_NONET

/* Compiled once per process, by the first thread that needs each one. */
static pthread_mutex_t compile_lock = PTHREAD_MUTEX_INITIALIZER;
static xmlSchemaPtr compiled[2][2]; /* [set][customer] */

/* ------------------------------------------------------------------ */
/* Compiling                                                           */
/* ------------------------------------------------------------------ */

typedef struct collector {
    const char *name;
    espi_diag_fn on_diag;
    void *ctx;
    size_t errors;
    espi_error *first; /* the first error, kept for the caller */
} collector;

static void trim_newline(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
        s[--n] = '\0';
}

static const char *code_of(const xmlError *e)
{
    switch (e->domain) {
    case XML_FROM_SCHEMASV: return "schema";
    case XML_FROM_SCHEMASP: return "schema-compile";
    case XML_FROM_IO: return "io";
    default: return "xml-syntax";
    }
}

static void on_xml_error(void *ctx, xmlErrorPtr e)
{
    collector *c = ctx;
    char message[480];
    str_lcpy(message, e->message ? e->message : "error", sizeof message);
    trim_newline(message);
    espi_severity sev = e->level == XML_ERR_WARNING ? ESPI_SEV_WARNING : ESPI_SEV_ERROR;
    err_loc loc = {c->name, e->line > 0 ? (unsigned long)e->line : 0,
                   e->int2 > 0 ? (unsigned long)e->int2 : 0, NULL};
    if (sev == ESPI_SEV_ERROR && c->errors++ == 0 && c->first)
        err_fail(c->first, ESPI_E_INPUT, code_of(e), &loc, "%s", message);
    diag_emit(c->on_diag, c->ctx, sev, code_of(e), &loc, "%s", message);
}

static xmlSchemaPtr compile(espi_schema_set set, bool customer, espi_error *err)
{
    pthread_mutex_lock(&compile_lock);
    xmlSchemaPtr s = compiled[set][customer];
    if (s == NULL) {
        static const char *const urls[2][2] = {
            {SCHEME "espi.xsd", SCHEME "customer.xsd"},
            {SCHEME VARIANT_33 "espi.xsd", SCHEME VARIANT_33 "customer.xsd"}};
        const char *url = urls[set == ESPI_SCHEMA_ESPI_33][customer];
        collector c = {url, NULL, NULL, 0, err};
        xmlSchemaParserCtxtPtr pc = xmlSchemaNewParserCtxt(url);
        if (pc != NULL) {
            xmlSchemaSetParserStructuredErrors(pc, on_xml_error, &c);
            s = xmlSchemaParse(pc);
            xmlSchemaFreeParserCtxt(pc);
        }
        compiled[set][customer] = s;
    }
    pthread_mutex_unlock(&compile_lock);
    if (s == NULL && err && err->status == ESPI_OK)
        err_fail(err, ESPI_E_IO, "schema-compile", NULL, "the bundled schemas do not compile");
    return s;
}

/* ------------------------------------------------------------------ */
/* Validating                                                          */
/* ------------------------------------------------------------------ */

/* The parser only feeds the schema plug: no tree is built. */
static const xmlSAXHandler silent_sax = {.initialized = XML_SAX2_MAGIC};

/* Tells the validator where the parser is, for schema error lines. */
static int locate(void *ctx, const char **file, unsigned long *line)
{
    xmlParserCtxtPtr parser = ctx;
    *file = NULL;
    *line = parser->input ? (unsigned long)parser->input->line : 0;
    return 0;
}

/* Reads the document for the parser; remembers a read error. */
typedef struct source {
    FILE *in;
    bool failed;
    const char *head; /* read before in (the sniffed head) */
    size_t head_len;
} source;

static int read_source(void *ctx, char *buf, int len)
{
    source *s = ctx;
    if (s->head_len > 0) {
        size_t n = (size_t)len < s->head_len ? (size_t)len : s->head_len;
        memcpy(buf, s->head, n);
        s->head += n;
        s->head_len -= n;
        return (int)n;
    }
    size_t n = fread(buf, 1, (size_t)len, s->in);
    if (n == 0 && ferror(s->in)) {
        s->failed = true;
        return -1;
    }
    return (int)n;
}

typedef struct sax_run {
    xmlParserCtxtPtr parser;
    xmlSchemaValidCtxtPtr vc;
    xmlSchemaSAXPlugPtr plug;
} sax_run;

/* A pull parser (its messages name the unclosed element when a file is
 * cut short) whose SAX events go through the schema plug. */
static int sax_start(sax_run *r, xmlSchemaPtr schema, collector *c, source *src)
{
    r->vc = xmlSchemaNewValidCtxt(schema);
    r->parser = xmlCreateIOParserCtxt((xmlSAXHandlerPtr)(uintptr_t)&silent_sax, NULL, read_source,
                                      NULL, src, XML_CHAR_ENCODING_NONE);
    if (r->vc == NULL || r->parser == NULL)
        return -1;
    xmlCtxtUseOptions(r->parser, DOC_OPTIONS);
    if (r->parser->input && r->parser->input->filename == NULL)
        r->parser->input->filename = (char *)xmlStrdup((const xmlChar *)c->name);
    xmlSchemaSetValidStructuredErrors(r->vc, on_xml_error, c);
    r->plug = xmlSchemaSAXPlug(r->vc, &r->parser->sax, &r->parser->userData);
    if (r->plug == NULL)
        return -1;
    xmlSchemaValidateSetLocator(r->vc, locate, r->parser);
    return 0;
}

static void sax_end(sax_run *r)
{
    if (r->plug)
        xmlSchemaSAXUnplug(r->plug);
    if (r->parser)
        xmlFreeParserCtxt(r->parser);
    xmlSchemaFreeValidCtxt(r->vc);
}

/* Parses and validates in one SAX pass. Parser errors reach the thread's
 * structured error handler (the schema plug keeps none of its own), so it
 * is set for the duration and restored. */
static int validate_stream(source src, const char *name, xmlSchemaPtr schema, collector *c,
                           espi_error *err)
{
    sax_run r = {NULL, NULL, NULL};
    int rc = ESPI_OK;
    xmlStructuredErrorFunc old_fn = xmlStructuredError;
    void *old_ctx = xmlStructuredErrorContext;
    xmlSetStructuredErrorFunc(c, on_xml_error);
    if (sax_start(&r, schema, c, &src) != 0) {
        rc = err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    } else {
        xmlParseDocument(r.parser);
        if (src.failed) {
            err_loc loc = {name, 0, 0, NULL};
            rc = err_fail(err, ESPI_E_IO, "io", &loc, "cannot read the input");
        } else if (!r.parser->wellFormed || xmlSchemaIsValid(r.vc) != 1 || c->errors > 0) {
            rc = ESPI_E_INPUT;
            if (c->errors == 0) {
                err_loc loc = {name, 0, 0, NULL};
                err_fail(err, ESPI_E_INPUT, "schema", &loc, "the document is not valid");
            }
        }
    }
    xmlSetStructuredErrorFunc(old_ctx, old_fn);
    sax_end(&r);
    return rc;
}

xmlSchemaPtr schema_compiled(espi_schema_set set, bool customer, espi_error *err)
{
    libinit_once();
    if (set != ESPI_SCHEMA_ESPI_40 && set != ESPI_SCHEMA_ESPI_33) {
        err_fail(err, ESPI_E_ARG, "schema-set", NULL, "unknown schema set %d", (int)set);
        return NULL;
    }
    return compile(set, customer, err);
}

int espi_schema_load(espi_schema_set set, bool customer, espi_error *err)
{
    espi_error scratch;
    if (err == NULL)
        err = &scratch;
    memset(err, 0, sizeof *err);
    return schema_compiled(set, customer, err) != NULL ? ESPI_OK : err->status;
}

bool schema_is_customer(const char *head, size_t len)
{
    static const char uri[] = "http://naesb.org/espi/customer";
    size_t n = sizeof uri - 1;
    /* UTF-16 (with or without a BOM): ASCII text has every other byte 0 */
    if (len >= 4 && (memchr(head, '\0', len > 512 ? 512 : len) != NULL)) {
        char *ascii = malloc(len);
        if (ascii == NULL)
            return false;
        size_t k = 0;
        for (size_t i = 0; i < len; i++)
            if (head[i] != '\0')
                ascii[k++] = head[i];
        bool found = k != len && schema_is_customer(ascii, k);
        free(ascii);
        if (found)
            return true;
    }
    for (const char *p = head; len >= n && (p = memchr(p, 'h', len - n + 1)) != NULL; p++) {
        if (memcmp(p, uri, n) == 0)
            return true;
        len -= (size_t)(p + 1 - head);
        head = p + 1;
    }
    return false;
}

size_t schema_read_head(FILE *in, char *buf, size_t size, bool *failed)
{
    size_t n = fread(buf, 1, size, in);
    *failed = n < size && ferror(in);
    return n;
}

int espi_schema_validate_stream(FILE *in, const char *name, espi_schema_set set,
                                espi_diag_fn on_diag, void *diag_ctx, espi_error *err)
{
    espi_error scratch;
    if (err == NULL)
        err = &scratch;
    memset(err, 0, sizeof *err);
    char *head = malloc(SCHEMA_SNIFF_BYTES);
    if (head == NULL)
        return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    bool failed;
    size_t n = schema_read_head(in, head, SCHEMA_SNIFF_BYTES, &failed);
    xmlSchemaPtr schema = schema_compiled(set, schema_is_customer(head, n), err);
    int rc = schema ? 0 : err->status;
    if (rc == 0 && failed) {
        err_loc loc = {name, 0, 0, NULL};
        rc = err_fail(err, ESPI_E_IO, "io", &loc, "cannot read the input");
    }
    if (rc == 0) {
        collector c = {name, on_diag, diag_ctx, 0, err};
        rc = validate_stream((source){in, false, head, n}, name, schema, &c, err);
    }
    free(head);
    return rc;
}

int espi_schema_validate_file(const char *path, const char *name, espi_schema_set set,
                              espi_diag_fn on_diag, void *diag_ctx, espi_error *err)
{
    espi_error scratch;
    if (err == NULL)
        err = &scratch;
    FILE *in = fopen(path, "rb");
    if (in == NULL) {
        char reason[128];
        err_strerror(errno, reason, sizeof reason);
        err_loc loc = {name, 0, 0, NULL};
        return err_fail(err, ESPI_E_IO, "io", &loc, "cannot open the file: %s", reason);
    }
    int rc = espi_schema_validate_stream(in, name, set, on_diag, diag_ctx, err);
    fclose(in);
    return rc;
}
