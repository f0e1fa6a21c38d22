/* SPDX-License-Identifier: Apache-2.0 */
/* libinit.c - libxml2 and libxslt set up once per process (libinit.h).
 *
 * What is process-wide in those libraries and set here, once, before any
 * of espi's own use of them: libxml2's lazy initialisation (dictionaries,
 * random seeds, the thread-local globals), the external entity loader
 * (global in libxml2, not per thread), libxslt's extension registry, and
 * libxslt's generic error handler (global too). The handlers espi sets per
 * parse (xmlSetStructuredErrorFunc) are per thread in libxml2 2.9 built
 * with threads, so they need nothing here.
 *
 * The bundled schemas import each other by relative path. They are parsed
 * from the URL espi-schema:///NAME (espi-schema:///3.3/NAME for ESPI 3.3),
 * which the loader serves from memory; any other URL goes to the loader
 * that was installed before. */
#include "common/libinit.h"

#include "common/embedded.h"
#include "common/error.h"

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxslt/extensions.h>
#include <libxslt/xslt.h>
#include <libxslt/xsltutils.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ESPI 3.3's Atom schema differs from 4.0's only in requiring link/@type;
 * atom.xsd spells that attribute's use="optional" exactly once. */
#define LINK_TYPE_OPTIONAL "use=\"optional\""
#define LINK_TYPE_REQUIRED "use=\"required\""

/* A libxslt message longer than this is cut (the first words say why). */
#define MESSAGE_MAX 1024

/* Written once, inside pthread_once, and only read afterwards. */
static pthread_once_t once = PTHREAD_ONCE_INIT;
static xmlExternalEntityLoader previous_loader;
static char *atom_33; /* atom.xsd with link/@type required */
static size_t atom_33_size;
static xmlGenericErrorFunc previous_xslt_error;
static void *previous_xslt_error_ctx;

/* Where this thread's libxslt messages go (libinit_xslt_messages). */
static _Thread_local libinit_message_fn message_fn;
static _Thread_local void *message_ctx;

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
    const size_t scheme = strlen(LIBINIT_SCHEMA_URL), variant = strlen(LIBINIT_VARIANT_33);
    if (url == NULL || strncmp(url, LIBINIT_SCHEMA_URL, scheme) != 0)
        return previous_loader ? previous_loader(url, id, ctxt) : NULL;
    const char *name = url + scheme;
    bool v33 = strncmp(name, LIBINIT_VARIANT_33, variant) == 0;
    if (v33)
        name += variant;
    if (v33 && strcmp(name, "atom.xsd") == 0)
        return atom_33 ? memory_input(ctxt, url, atom_33, atom_33_size) : NULL;
    const embedded_file *f = find_embedded(name);
    return f ? memory_input(ctxt, url, (const char *)f->data, f->size) : NULL;
}

static void route_xslt_message(void *ctx, const char *fmt, ...) ATTR_PRINTF(2, 3);

/* libxslt's one handler: the message goes to the thread that raised it. */
static void route_xslt_message(void *ctx, const char *fmt, ...)
{
    (void)ctx;
    char text[MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (message_fn)
        message_fn(message_ctx, text);
    else if (previous_xslt_error)
        previous_xslt_error(previous_xslt_error_ctx, "%s", text);
}

static void init(void)
{
    xmlInitParser();
    make_atom_33();
    previous_loader = xmlGetExternalEntityLoader();
    xmlSetExternalEntityLoader(embedded_loader);
    xsltInitGlobals();
    xsltInit();
    previous_xslt_error = xsltGenericError;
    previous_xslt_error_ctx = xsltGenericErrorContext;
    xsltSetGenericErrorFunc(NULL, route_xslt_message);
}

void libinit_once(void)
{
    pthread_once(&once, init);
}

void libinit_xslt_messages(libinit_message_fn fn, void *ctx)
{
    message_fn = fn;
    message_ctx = ctx;
}
