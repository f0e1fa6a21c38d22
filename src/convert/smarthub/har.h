/* SPDX-License-Identifier: Apache-2.0 */
/* har.h - SmartHub answers saved in a wrapping (docs/smarthub.md section
 * 13): a JSON array of poll responses, and a browser HAR file. The readers
 * themselves, sh_polls_read_into and sh_har_read_into, are declared in
 * convert/input.h with the other readers. */
#ifndef SMARTHUB_HAR_H
#define SMARTHUB_HAR_H

#include "convert/input.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* The longest JSON string a HAR may hold, so the largest answer body espi
 * reads (a base64 body decodes to three quarters of it): 64 MiB. */
#define HAR_MAX_BODY (64u << 20)

/* Whether the first bytes of an input (after blanks and a byte order mark)
 * look like a HAR file: an object whose first 64 KiB hold the keys "log"
 * and "entries" or "creator". A byte scan, not a parse. */
bool sh_har_sniff(const unsigned char *head, size_t n);

/* sh_har_read_into reading f chunk bytes at a time (chunk > 0), never more,
 * so tests can cut the text anywhere; the reader itself starts at 64 KiB
 * and reads more at once inside a long string. */
int sh_har_read_chunked(const convert_input *in, FILE *f, size_t chunk, espi_error *err);

#endif
