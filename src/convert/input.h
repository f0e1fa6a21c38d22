/* SPDX-License-Identifier: Apache-2.0 */
/* input.h - what every input reader of espi convert is handed (the feed
 * being built and where its data comes from) and the table of input
 * formats the converter walks (formats.c). Readers add usage points,
 * channels, readings and summaries to the feed; convert.c keeps account
 * metadata until every input is read (accounts.c) and finishes the feed
 * (merge.c), so the result does not depend on the order of the inputs.
 * Adding a format is one row in formats.c and one module that defines its
 * sniff and read functions. */
#ifndef CONVERT_INPUT_H
#define CONVERT_INPUT_H

#include "espi.h"
#include "convert/model.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Account metadata (SmartHub user-data and billing JSON), kept until the
 * end: it may come before or after the usage it describes. Nothing
 * personal is kept: names, addresses, e-mail and hint answers are skipped
 * as they are parsed. */
typedef struct account_info {
    char *account;
    char *location;       /* service location number; NULL: every location of the account */
    char *tariff_profile; /* rate schedule(s), e.g. "R1:CEC"; NULL when unknown */
    char *read_cycle;     /* billing cycle, e.g. "3"; NULL when unknown */
    char **meters;        /* meter numbers at the location */
    size_t nmeters;
    uint32_t line;
    uint16_t source;
    /* user-data: the location's last bill read dates (lastBillPrevReadDtTm,
     * lastBillPresReadDtTm): true UTC seconds at the co-op's local midnight,
     * which tell the zone's offset then (accounts_check_zone). Bit k of
     * read_dates_given says whether read_dates[k] is given. */
    int64_t read_dates[2];
    uint32_t read_date_lines[2];
    uint8_t read_dates_given;
    /* Not account metadata: the account a CSV export names (maybe ""),
     * kept so that accounts_check_zone can check the zone its wall-clock
     * times were read in against the read dates of the same account. */
    bool wall_clock;
} account_info;

/* One input being read. */
typedef struct convert_input {
    espi_feed *feed;
    const espi_tz *tz; /* the co-op's zone (SmartHub wall times) */
    const char *name;  /* input name, for messages */
    uint16_t source;   /* index in feed->sources, stamped on readings and summaries */
    espi_diag_fn on_diag;
    void *diag_ctx;
    bool dry_run; /* repair: report repairs, the feed is not written */
    /* An input that states its own zone (an ESPI file's LocalTimeParameters)
     * may set *zone when it is NULL; the converter owns and frees it, and
     * uses it for the local days of blocks when no --tz was given. */
    espi_tz **zone;
    /* account metadata found by the input; owned by the converter */
    account_info **accounts;
    size_t *naccounts;
    /* tz was given (--tz), not the default: it is applied even to an
     * input that states its own zone (repair says when they disagree) */
    bool tz_explicit;
    /* the converter's options (strict, series_flows); NULL: the defaults */
    const espi_convert_options *opts;
} convert_input;

/* Account records (accounts.c). accounts_add copies one into the list an
 * input points to; accounts_apply puts tariff, read cycle, location and
 * meter onto the usage points they describe, once every input is read. */
int accounts_add(const convert_input *in, const account_info *info, espi_error *err);
int accounts_apply(espi_feed *feed, const account_info *accounts, size_t n, espi_diag_fn on_diag,
                   void *diag_ctx, espi_error *err);
void account_info_free(account_info *info);

/* The zone SmartHub CSV exports were read in (tz, given with --tz when
 * tz_given, else the default) against the last bill read dates of account
 * records of the same account: a read date that is not local midnight in
 * tz is the error csv-zone, naming the offset it implies and zones that
 * have it; a default zone with no read date to check is the warning
 * csv-zone-assumed. Call after accounts_apply (locations are placed). */
int accounts_check_zone(const espi_feed *feed, const account_info *accounts, size_t n,
                        const espi_tz *tz, bool tz_given, espi_diag_fn on_diag, void *diag_ctx,
                        espi_error *err);

/* An input format: its name (--from), whether an input's first bytes look
 * like it (after a byte order mark and blanks: text, len; raw: the bytes as
 * read), and its reader, which reads the whole input and returns 0 or fills
 * err with the file, the line and what was wrong. */
typedef struct convert_format {
    espi_format format;
    const char *name;
    bool (*sniff)(const unsigned char *raw, size_t n, const unsigned char *text, size_t len);
    int (*read_into)(const convert_input *in, FILE *f, espi_error *err);
} convert_format;

/* The row of a format; NULL for ESPI_FORMAT_AUTO or an unknown one. */
const convert_format *convert_format_of(espi_format format);

/* The readers and their sniffs, one module each. */
int sh_json_read_into(const convert_input *in, FILE *f,
                      espi_error *err);                                  /* smarthub/poll_model.c */
int sh_csv_read_into(const convert_input *in, FILE *f, espi_error *err); /* smarthub/csv.c */
int sh_account_read_into(const convert_input *in, FILE *f,
                         espi_error *err);                               /* smarthub/account.c */
int repair_read_into(const convert_input *in, FILE *f, espi_error *err); /* repair/repair.c */

/* Wrappings (smarthub/har.c): a poll response, or a JSON array of them,
 * each element an input of its own; and a browser HAR file, whose poll,
 * user-data and billing answers become inputs of their own. */
int sh_polls_read_into(const convert_input *in, FILE *f, espi_error *err);
int sh_har_read_into(const convert_input *in, FILE *f, espi_error *err);

#endif
