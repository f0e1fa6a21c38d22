/* SPDX-License-Identifier: Apache-2.0 */
/* schema.h - the bundled schemas, compiled once, for the validator's
 * single pass (validate.c) and for espi_schema_validate_*. */
#ifndef SCHEMA_H
#define SCHEMA_H

#include "espi.h"

#include <libxml/xmlschemas.h>
#include <stdbool.h>

/* How much of a file is read first to tell a customer feed from a usage
 * feed: the customer namespace is declared on the root or on the first
 * entries, far inside this. */
#define SCHEMA_SNIFF_BYTES (64 * 1024)

/* The compiled schema set: usage (espi.xsd) or customer (customer.xsd), in
 * ESPI 4.0 or 3.3 form. Compiled on first use, kept for the process; NULL
 * (with err set) when it does not compile. Thread-safe. */
xmlSchemaPtr schema_compiled(espi_schema_set set, bool customer, espi_error *err);

/* Whether a file's head names the customer namespace. */
bool schema_is_customer(const char *head, size_t len);

/* Reads up to size bytes; *failed when reading failed. */
size_t schema_read_head(FILE *in, char *buf, size_t size, bool *failed);

#endif
