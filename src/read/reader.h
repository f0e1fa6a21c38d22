/* SPDX-License-Identifier: Apache-2.0 */
/* reader.h - what the validator sees of the reader beyond espi_read:
 * every field's text with its line and column as it is read, where each
 * entry's parts stand, every diagnostic with no cap, and a place to plug
 * libxml2's schema validator into the same SAX stream, so that schema and
 * rules take one pass. */
#ifndef READER_H
#define READER_H

#include "espi.h"

#include <libxml/parser.h>
#include <stdbool.h>

/* Element depths whose start is kept (libxml2 nests 256 at most, and some). */
#define READ_MAX_NESTING 260

/* Where an element starts: the line and column of its start tag's '<'.
 * Columns count characters from 1 (a UTF-8 sequence once), as libxml2's
 * own do; 0 when not known. */
typedef struct read_pos {
    unsigned long line, column;
} read_pos;

/* Where a resource and its entry's parts stand (read_observer.resource). */
typedef struct read_places {
    read_pos entry;        /* <entry>; the resource's element when it is outside any entry */
    read_pos element;      /* the resource's element (<ReadingType>, <IntervalBlock>, ...) */
    const read_pos *links; /* each <link>, in the order of the entry's links */
    size_t nlinks;
} read_places;

/* Where a field stands. */
typedef enum read_scope {
    SCOPE_FEED,     /* atom:feed's id, title, updated */
    SCOPE_ENTRY,    /* an entry's id, title, published, updated */
    SCOPE_RESOURCE, /* a resource's field: kind says which resource */
    SCOPE_READING   /* an IntervalReading's field */
} read_scope;

typedef struct read_observer {
    void *ctx;
    /* Each leaf field read: its path below the resource ("interval/start",
     * "dstStartRule"; the element name for feed and entry fields), its
     * text with white space trimmed, and its line. For resources, res is
     * the resource being filled (the same pointer later delivered); for
     * readings, the reading's fields so far. */
    void (*field)(void *ctx, read_scope scope, espi_resource_kind kind, const void *res,
                  const char *path, const char *text, unsigned long line);
    /* Each entry once it has ended, complete, before its resources are
     * handed over: kind is its first resource's (ESPI_RES_OTHER when it
     * has none), resources how many it holds. */
    void (*entry)(void *ctx, const espi_entry *e, espi_resource_kind kind, size_t resources);
    /* Each element's start (line > 0) and end (line 0), with its depth (the
     * root is 0): schema errors found at an end tag name the start's line. */
    void (*element)(void *ctx, int depth, unsigned long line);
    /* Once the parser is made: may plug into its SAX handler (sax and
     * user_data are the parser's own; xmlSchemaSAXPlug takes them).
     * Returns 0, or an espi_status that stops the reading. */
    int (*plug)(void *ctx, xmlParserCtxtPtr parser, xmlSAXHandlerPtr *sax, void **user_data);
    /* After the last event, before the parser is freed. */
    void (*unplug)(void *ctx);
    /* Bytes already read from the stream (to sniff it), read first. */
    const char *head;
    size_t head_len;
    /* Every diagnostic goes to the caller, none counted away. */
    bool uncapped;
    /* Once the root is read, when it is an Atom feed or entry: fragment
     * when it is one entry (read as a feed of that entry); line is its. */
    void (*root)(void *ctx, bool fragment, unsigned long line);
    /* When set, the reader stores here, before each field, entry, element
     * and root call, where the element that call is about starts (the
     * field's start tag, the <entry>, the element). */
    read_pos *at;
    /* Each resource of an entry (a MeterReading's nested ReadingType too),
     * once the entry has ended and before the resource is handed over:
     * res is the pointer later delivered (and given to field before). */
    void (*resource)(void *ctx, const void *res, espi_resource_kind kind, const read_places *p);
} read_observer;

/* espi_read, observed. obs may be NULL. */
int reader_run(FILE *in, const char *name, const espi_read_options *opts, const read_observer *obs,
               espi_resource_fn fn, void *ctx, espi_error *err);

#endif
