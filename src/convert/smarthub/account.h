/* SPDX-License-Identifier: Apache-2.0 */
/* account.h - SmartHub account metadata: the JSON of GET
 * secured/user-data and GET secured/billing (docs/smarthub.md sections 4 and 6).
 * The reader itself, sh_account_read_into, is declared in convert/input.h
 * with the other readers. */
#ifndef SMARTHUB_ACCOUNT_H
#define SMARTHUB_ACCOUNT_H

#include "convert/input.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Whether the first bytes of an input (only the first 64 KiB are looked at)
 * look like user-data or billing JSON: after blanks (and a byte order mark)
 * an array or object holding the key "accountBillingMap", or the key
 * "account" together with "serviceLocationIdToServiceLocationSummary",
 * "primaryServiceLocationId" or "customer". A byte scan, not a parse. */
bool sh_account_sniff(const unsigned char *head, size_t n);

/* sh_account_read_into reading f chunk bytes at a time (chunk > 0), so
 * tests can cut the text anywhere; the reader itself uses 64 KiB. */
int sh_account_read_chunked(const convert_input *in, FILE *f, size_t chunk, espi_error *err);

#endif
