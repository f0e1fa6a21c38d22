/* SPDX-License-Identifier: Apache-2.0 */
/* zip_input.h - the XML files inside a ZIP archive (SmartHub's
 * greenButtonDownload holds green_button_data_<ms>.xml and an HTML view of
 * it; other utilities zip several files): the archive is read into memory,
 * within bounds, and its .xml members are streamed one at a time through a
 * FILE, in archive order. A member is named "archive.zip:member.xml". */
#ifndef ZIP_INPUT_H
#define ZIP_INPUT_H

#include "espi.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Limits: the archive read into memory, its entries, and one member's
 * uncompressed size, which is also the cap of the .xml members together
 * (a zip bomb declares, or inflates to, far more than any Green Button
 * file holds; an overlapping one repeats one member many times). */
#define ZIP_INPUT_MAX_ARCHIVE ((size_t)512 * 1024 * 1024)
#define ZIP_INPUT_MAX_MEMBER ((uint64_t)4 * 1024 * 1024 * 1024)
#define ZIP_INPUT_MAX_ENTRIES 65536

typedef struct zip_input zip_input;

/* Whether the first bytes of an input are a ZIP local file header. */
bool zip_input_sniff(const unsigned char *head, size_t n);

/* Reads the rest of in (head holds the bytes already read from it) and
 * opens it as an archive; name is the input's, for messages; max_member
 * caps a member's size (0: ZIP_INPUT_MAX_MEMBER). Returns 0; ESPI_E_LIMIT
 * when the archive is over ZIP_INPUT_MAX_ARCHIVE; ESPI_E_INPUT
 * ("zip-members") when it holds no .xml member (the message lists what it
 * holds), "zip-corrupt" when it is not a readable ZIP, "zip-entries" when
 * it lists too many; ESPI_E_IO when in cannot be read. */
int zip_input_open_archive(zip_input **out, FILE *in, const unsigned char *head, size_t head_len,
                           const char *name, uint64_t max_member, espi_error *err);

/* How many .xml members the archive holds. */
size_t zip_input_members(const zip_input *z);

/* Opens the k-th .xml member (0-based, archive order), closing the one
 * open before. Returns 0; ESPI_E_INPUT when it is encrypted, uses an
 * unknown compression, or is too large alone or with the members opened
 * before it (err names the member). */
int zip_input_member(zip_input *z, size_t k, espi_error *err);

/* Reads in as above and opens its single .xml member: several are
 * ESPI_E_INPUT ("zip-members", listing them), for a caller that takes one
 * file (espi_converter_add). */
int zip_input_open(zip_input **out, FILE *in, const unsigned char *head, size_t head_len,
                   const char *name, espi_error *err);

/* The open member's bytes, uncompressed. Reading fails (ferror, errno EIO)
 * when the member turns out damaged; zip_input_check then says why. */
FILE *zip_input_stream(zip_input *z);

/* "archive.zip:green_button_data_1760853600000.xml", for messages. */
const char *zip_input_name(const zip_input *z);

/* After the member was read: 0, or ESPI_E_INPUT with what was wrong with
 * it (bad CRC, truncated data, more bytes than it declared). */
int zip_input_check(const zip_input *z, espi_error *err);

/* Closes the stream and frees everything. NULL is a no-op. */
void zip_input_close(zip_input *z);

#endif
