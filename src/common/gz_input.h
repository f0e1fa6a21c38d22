/* SPDX-License-Identifier: Apache-2.0 */
/* gz_input.h - a gzip-compressed input (RFC 1952), told by its first two
 * bytes, not by its name, and inflated as it is read through a FILE:
 * memory stays bounded whatever its size, and what it unpacks to is
 * capped, which stops gzip bombs. Concatenated gzip members (gzip -c a b)
 * read as one stream, as gunzip reads them. */
#ifndef GZ_INPUT_H
#define GZ_INPUT_H

#include "espi.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* What one gzip input may unpack to, unless the caller says otherwise: as
 * much as a ZIP member (ZIP_INPUT_MAX_MEMBER). */
#define GZ_INPUT_MAX_UNPACKED ((uint64_t)4 * 1024 * 1024 * 1024)

typedef struct gz_input gz_input;

/* Whether the first bytes of an input are gzip's magic number (1f 8b). */
bool gz_input_sniff(const unsigned char *head, size_t n);

/* Inflates in, whose first head_len bytes were read already (head); name is
 * the input's, for messages; max caps what it unpacks to (0:
 * GZ_INPUT_MAX_UNPACKED). in stays the caller's. */
int gz_input_open(gz_input **out, FILE *in, const unsigned char *head, size_t head_len,
                  const char *name, uint64_t max, espi_error *err);

/* The uncompressed bytes. Reading fails (ferror, errno EIO) when the data
 * are damaged or truncated, or unpack to more than the cap; gz_input_check
 * then says why. */
FILE *gz_input_stream(gz_input *g);

/* After reading: 0, or what was wrong (ESPI_E_INPUT "gz-corrupt" or
 * "gz-bomb", ESPI_E_IO "io" when in could not be read). */
int gz_input_check(const gz_input *g, espi_error *err);

/* Closes the stream and frees everything (not in). NULL is a no-op. */
void gz_input_close(gz_input *g);

#endif
