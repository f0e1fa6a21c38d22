/* SPDX-License-Identifier: Apache-2.0 */
/* schema_relay.h - libxml2's schema validator on a thread of its own, fed
 * the SAX events of a parse that runs on the caller's thread (validate.c:
 * the parse and the rules on one core, the schema on the other).
 *
 * Plugged into a parser the way xmlSchemaSAXPlug is, the relay hands each
 * event to the parser's own handlers first, then records it (names are the
 * parser's dictionary strings, which live as long as the parser; text and
 * attribute values are copied) in blocks. A full block goes to the
 * validator's thread, started with the first one, so a small document
 * starts none: its one block is validated when the parse ends, on the
 * caller's thread. Notes the caller records between events reach it, on
 * the validator's side, in the same order: what a schema error's place
 * depends on (validate.c's schema_view). The validator's findings are the
 * same as plugged in directly: the same events, the same lines. */
#ifndef SCHEMA_RELAY_H
#define SCHEMA_RELAY_H

#include <libxml/parser.h>
#include <libxml/xmlschemas.h>
#include <stddef.h>

typedef struct schema_relay schema_relay;

/* A note, on the validator's side, before the events recorded after it. */
typedef void (*relay_note_fn)(void *ctx, const void *note, size_t len);

/* vc: a validation context whose error handler is set; the relay gives it
 * its locator (the line of the event being validated). block: bytes of
 * events per block (0: the default); tests make it small. NULL when out of
 * memory. */
schema_relay *relay_new(xmlSchemaValidCtxtPtr vc, size_t block, relay_note_fn note, void *ctx);

/* As xmlSchemaSAXPlug on the parser's sax and user_data. 0, or -1 when
 * out of memory. */
int relay_plug(schema_relay *r, xmlParserCtxtPtr parser, xmlSAXHandlerPtr *sax, void **user_data);

/* Records a note (at most a block's size) for the validator's side. */
void relay_note(schema_relay *r, const void *note, size_t len);

/* After the parser's last event: the events still recorded are validated,
 * the thread (if one was started) joined, the parser's sax and user_data
 * given back. 0, or -1 when memory ran out (recording: the parse was
 * stopped then; replaying: an event was lost). */
int relay_finish(schema_relay *r);

/* Whether a thread was started (for tests). */
int relay_threaded(const schema_relay *r);

void relay_free(schema_relay *r);

#endif
