/* SPDX-License-Identifier: Apache-2.0 */
/* schema.c - validation against the bundled schemas (the .xsd files of schemas/, compiled
 * into the library) in one streaming pass.
 *
 * The schemas import each other by relative path. They are parsed from the
 * URL espi-schema:///NAME (espi-schema:///3.3/NAME for ESPI 3.3), which an
 * entity loader serves from memory; any other URL goes to the loader that
 * was installed before. Documents are parsed by a SAX push parser that
 * feeds libxml2's schema plug, without building a tree: no network access,
 * no DTD loading, no entity substitution. */
#include "validate/schema.h"

#include "common/embedded.h"
#include "common/error.h"

#include <libxml/parser.h>
#include <libxml/xmlschemas.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SCHEME "espi-schema:///"
#define VARIANT_33 "3.3/"

/* ESPI 3.3's Atom schema differs from 4.0's only in requiring link/@type;
 * atom.xsd spells that attribute's use="optional" exactly once. */
#define LINK_TYPE_OPTIONAL "use=\"optional\""
#define LINK_TYPE_REQUIRED "use=\"required\""

/* No network; DTDs are neither loaded nor used to substitute entities. */
#define DOC_OPTIONS XML_PARSE_NONET

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t compile_lock = PTHREAD_MUTEX_INITIALIZER;
static xmlExternalEntityLoader previous_loader;
static char *atom_33; /* atom.xsd with link/@type required */
static size_t atom_33_size;
static xmlSchemaPtr compiled[2][2]; /* [set][customer] */

static const embedded_file *find_embedded(const char *name)
{
    for (const embedded_file *f = embedded_files; f->name; f++)
        if (strcmp(f->name, name) == 0)
            return f;
    return NULL;
}

/* Makes the 3.3 variant of atom.xsd: same text, link type required. */
static void make_atom_33(void)
{
    const embedded_file *atom = find_embedded("atom.xsd");
    if (atom == NULL)
        return;
    const char *text = (const char *)atom->data;
    const char *at = strstr(text, LINK_TYPE_OPTIONAL);
    if (at == NULL || strstr(at + 1, LINK_TYPE_OPTIONAL) != NULL)
        return; /* the marker must be unique; compiling 3.3 then fails loudly */
    size_t head = (size_t)(at - text), tail = atom->size - head - strlen(LINK_TYPE_OPTIONAL);
    size_t size = head + strlen(LINK_TYPE_REQUIRED) + tail;
    char *copy = malloc(size + 1);
    if (copy == NULL)
        return;
    memcpy(copy, text, head);
    memcpy(copy + head, LINK_TYPE_REQUIRED, strlen(LINK_TYPE_REQUIRED));
    memcpy(copy + head + strlen(LINK_TYPE_REQUIRED), at + strlen(LINK_TYPE_OPTIONAL), tail);
    copy[size] = '\0';
    atom_33 = copy;
    atom_33_size = size;
}

static xmlParserInputPtr memory_input(xmlParserCtxtPtr ctxt, const char *url, const char *data,
                                      size_t size)
{
    xmlParserInputBufferPtr buf =
        xmlParserInputBufferCreateMem(data, (int)size, XML_CHAR_ENCODING_NONE);
    if (buf == NULL)
        return NULL;
    xmlParserInputPtr in = xmlNewIOInputStream(ctxt, buf, XML_CHAR_ENCODING_NONE);
    if (in == NULL) {
        xmlFreeParserInputBuffer(buf);
        return NULL;
    }
    in->filename = (char *)xmlStrdup((const xmlChar *)url); /* relative imports resolve here */
    return in;
}

static xmlParserInputPtr embedded_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
    if (url == NULL || strncmp(url, SCHEME, strlen(SCHEME)) != 0)
        return previous_loader ? previous_loader(url, id, ctxt) : NULL;
    const char *name = url + strlen(SCHEME);
    bool v33 = strncmp(name, VARIANT_33, strlen(VARIANT_33)) == 0;
    if (v33)
        name += strlen(VARIANT_33);
    if (v33 && strcmp(name, "atom.xsd") == 0)
        return atom_33 ? memory_input(ctxt, url, atom_33, atom_33_size) : NULL;
    const embedded_file *f = find_embedded(name);
    return f ? memory_input(ctxt, url, (const char *)f->data, f->size) : NULL;
}

static void init_libxml(void)
{
    xmlInitParser();
    make_atom_33();
    previous_loader = xmlGetExternalEntityLoader();
    xmlSetExternalEntityLoader(embedded_loader);
}

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
    pthread_once(&init_once, init_libxml);
    if (set != ESPI_SCHEMA_ESPI_40 && set != ESPI_SCHEMA_ESPI_33) {
        err_fail(err, ESPI_E_ARG, "schema-set", NULL, "unknown schema set %d", (int)set);
        return NULL;
    }
    return compile(set, customer, err);
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
