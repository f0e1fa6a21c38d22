/* SPDX-License-Identifier: Apache-2.0 */
/* embedded.h - files compiled into the library (the bundled schemas, and
 * docs/rules.md for espi_rule_explain). */
#ifndef EMBEDDED_H
#define EMBEDDED_H

#include <stddef.h>

typedef struct embedded_file {
    const char *name;          /* file name, e.g. "espi.xsd" */
    const unsigned char *data; /* NUL-terminated */
    size_t size;               /* without the NUL */
} embedded_file;

/* Terminated by an entry whose name is NULL. */
extern const embedded_file embedded_files[];

#endif
