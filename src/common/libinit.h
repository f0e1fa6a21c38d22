/* SPDX-License-Identifier: Apache-2.0 */
/* libinit.h - the one place where espi sets up libxml2 and libxslt for the
 * whole process, once, from whichever thread gets there first. Everything
 * process-wide that espi does to those libraries is here, so the rest of
 * the library only touches objects of its own call and is safe to run on
 * several threads at once. */
#ifndef LIBINIT_H
#define LIBINIT_H

#include <stddef.h>

/* The bundled files served from memory by the entity loader installed
 * here: SCHEMA_URL "espi.xsd", and under VARIANT_33 the ESPI 3.3 set
 * (atom.xsd with link/@type required). */
#define LIBINIT_SCHEMA_URL "espi-schema:///"
#define LIBINIT_VARIANT_33 "3.3/"

/* Initialises libxml2 (xmlInitParser) and libxslt, installs the entity
 * loader and the libxslt message router below; the first call does it,
 * every later one returns at once. libxml2 2.9 sets itself up lazily on
 * first use, which is not thread-safe, so every function of the library
 * that reaches libxml2 or libxslt calls this first. */
void libinit_once(void);

/* Receives one message of libxslt (a line or a part of one). */
typedef void (*libinit_message_fn)(void *ctx, const char *text);

/* Sends libxslt's messages raised on this thread to fn (NULL: back to the
 * handler that was there before espi). libxslt has one process-wide
 * handler for the messages of stylesheet compilation; it is set once, in
 * libinit_once, and dispatches per thread. */
void libinit_xslt_messages(libinit_message_fn fn, void *ctx);

#endif
