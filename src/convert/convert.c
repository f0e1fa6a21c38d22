/* SPDX-License-Identifier: Apache-2.0 */
/* convert.c - espi convert's inputs made into one feed: each input's
 * format is detected from its first bytes (or forced; formats.c), it is
 * read by its reader into the shared model, and when every input is in,
 * account metadata is applied (accounts.c) and the model is merged
 * (merge.c). */
#define _GNU_SOURCE /* fopencookie: an input's first bytes are read twice */
#include "convert/input.h"

#include "common/error.h"
#include "common/replay.h"

#include <stdlib.h>
#include <string.h>

/* Bytes read ahead to tell the format. */
#define SNIFF_BYTES 65536

struct espi_converter {
    espi_convert_options opts;
    espi_feed *feed;
    account_info *accounts;
    size_t naccounts;
    espi_tz *zone;          /* an ESPI input's own zone, when one gave it */
    size_t smarthub_inputs; /* inputs other than Green Button files */
};

/* ------------------------------------------------------------------ */
/* An input whose first bytes were read ahead                          */
/* ------------------------------------------------------------------ */

/* Reads up to SNIFF_BYTES of in into *head (the caller frees it), as r's
 * head; r->rest is in. */
static int read_head(replay *r, unsigned char **head, FILE *in, const char *name, espi_error *err)
{
    *head = malloc(SNIFF_BYTES);
    if (*head == NULL)
        return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    if (replay_fill(r, *head, SNIFF_BYTES, in))
        return 0;
    char reason[128];
    err_strerror(r->read_errno, reason, sizeof reason);
    return err_fail(err, ESPI_E_IO, "io", &(err_loc){name, 0, 0, NULL}, "cannot read: %s", reason);
}

/* ------------------------------------------------------------------ */
/* The converter                                                       */
/* ------------------------------------------------------------------ */

void espi_convert_options_init(espi_convert_options *opts)
{
    memset(opts, 0, sizeof *opts);
}

int espi_converter_new(espi_converter **out, const espi_convert_options *opts, espi_error *err)
{
    *out = NULL;
    espi_convert_options defaults;
    if (opts == NULL) {
        espi_convert_options_init(&defaults);
        opts = &defaults;
    }
    espi_converter *c = calloc(1, sizeof *c);
    if (c == NULL || model_feed_new(&c->feed) != 0) {
        free(c);
        return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    }
    c->opts = *opts;
    *out = c;
    return 0;
}

void espi_converter_free(espi_converter *c)
{
    if (c == NULL)
        return;
    espi_feed_free(c->feed);
    for (size_t i = 0; i < c->naccounts; i++)
        account_info_free(&c->accounts[i]);
    free(c->accounts);
    espi_tz_free(c->zone);
    free(c);
}

/* Reads f with the reader of its format. */
static int read_as(const convert_input *in, FILE *f, espi_format format, espi_error *err)
{
    const convert_format *row = convert_format_of(format);
    if (row == NULL)
        return err_fail(err, ESPI_E_ARG, "format", NULL, "no input format");
    return row->read_into(in, f, err);
}

int espi_converter_add(espi_converter *c, FILE *f, const char *name, espi_format format,
                       espi_error *err)
{
    uint16_t source;
    int rc = model_feed_add_source(c->feed, name, &source, err);
    if (rc != 0)
        return rc;
    convert_input in = {c->feed,
                        c->opts.tz,
                        name,
                        source,
                        c->opts.on_diag,
                        c->opts.diag_ctx,
                        c->opts.dry_run,
                        &c->zone,
                        &c->accounts,
                        &c->naccounts,
                        c->opts.tz_explicit,
                        &c->opts};
    replay r = {NULL, 0, 0, f, 0};
    unsigned char *head = NULL;
    rc = read_head(&r, &head, f, name, err);
    if (rc == 0 && format == ESPI_FORMAT_AUTO)
        rc = espi_format_detect(&format, r.head, r.len, name, err);
    if (rc == 0 && format != ESPI_FORMAT_ESPI && c->opts.tz == NULL)
        rc = err_fail(err, ESPI_E_ARG, "tz", &(err_loc){name, 0, 0, NULL},
                      "SmartHub data are stamped with the co-op's wall clock: the converter needs "
                      "the co-op's zone (espi_convert_options.tz, --tz)");
    FILE *whole = NULL;
    if (rc == 0) {
        whole = replay_open(&r);
        if (whole == NULL)
            rc = err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    }
    if (rc == 0) {
        c->smarthub_inputs += format != ESPI_FORMAT_ESPI;
        rc = read_as(&in, whole, format, err);
    }
    if (whole != NULL)
        fclose(whole);
    free(head);
    return rc;
}

/* A Green Button input names its zone, SmartHub inputs were read in the
 * default --tz: say so when the two differ. */
static void warn_zones(const espi_converter *c)
{
    espi_time_params own, given;
    espi_error ignored;
    if (espi_tz_time_params(&own, c->zone, &ignored) != 0 ||
        espi_tz_time_params(&given, c->opts.tz, &ignored) != 0 ||
        memcmp(&own, &given, sizeof own) == 0)
        return;
    err_loc loc = {c->feed->sources[0], 0, 0, NULL};
    diag_emit(c->opts.on_diag, c->opts.diag_ctx, ESPI_SEV_WARNING, "convert-zone", &loc,
              "a Green Button input states its own time zone (%s), but the SmartHub inputs' wall "
              "times were read in %s, which the feed uses; give --tz to choose",
              espi_tz_name(c->zone), espi_tz_name(c->opts.tz));
}

int espi_converter_finish(espi_converter *c, espi_feed **out, espi_error *err)
{
    *out = NULL;
    /* a repaired file's own zone, unless --tz was given or SmartHub inputs,
     * whose wall times were read in --tz, share the feed */
    const espi_tz *days =
        c->zone && (!c->opts.tz_explicit || c->opts.tz == NULL) && c->smarthub_inputs == 0
            ? c->zone
            : c->opts.tz;
    if (days == NULL)
        return err_fail(err, ESPI_E_ARG, "tz", NULL,
                        "no input states a time zone and none was given "
                        "(espi_convert_options.tz, --tz): the local days of the blocks are "
                        "unknown");
    if (c->zone && !c->opts.tz_explicit && c->smarthub_inputs > 0)
        warn_zones(c);
    int rc =
        accounts_apply(c->feed, c->accounts, c->naccounts, c->opts.on_diag, c->opts.diag_ctx, err);
    if (rc == 0)
        rc = accounts_check_zone(c->feed, c->accounts, c->naccounts, c->opts.tz,
                                 c->opts.tz_explicit, c->opts.on_diag, c->opts.diag_ctx, err);
    if (rc == 0 && (c->feed->tz_name == NULL || days == c->opts.tz))
        rc = model_feed_set_tz(c->feed, days, err);
    model_merge_options mo = {days, c->opts.strict, c->opts.on_diag, c->opts.diag_ctx};
    if (rc == 0)
        rc = model_feed_finish(c->feed, &mo, err);
    if (rc == 0 && c->feed->nusage_points == 0) {
        /* a customer (PII) feed, or a Green Button file without readings,
         * would give an empty feed: that is no conversion */
        err_loc loc = {c->feed->nsources ? c->feed->sources[c->feed->nsources - 1] : "", 0, 0,
                       NULL};
        rc = err_fail(err, ESPI_E_INPUT, "convert-empty", &loc,
                      c->smarthub_inputs > 0
                          ? "the inputs hold no reading and no closed billing period: nothing to "
                            "write"
                          : "the inputs hold no usage data (no IntervalReading with a value, no "
                            "summary with a billing period or an amount): nothing to write; a "
                            "customer (PII) feed has none, and espi writes usage feeds only");
    }
    if (rc != 0)
        return rc;
    *out = c->feed;
    c->feed = NULL;
    return 0;
}

void espi_smarthub_options_init(espi_smarthub_options *opts)
{
    memset(opts, 0, sizeof *opts);
}

/* The one-input reader of the first version of the API. */
int espi_smarthub_read(espi_feed **out, FILE *in, const char *name,
                       const espi_smarthub_options *opts, espi_error *err)
{
    *out = NULL;
    espi_smarthub_options defaults;
    if (opts == NULL) {
        espi_smarthub_options_init(&defaults);
        opts = &defaults;
    }
    if (opts->tz == NULL)
        return err_fail(err, ESPI_E_ARG, "tz", &(err_loc){name, 0, 0, NULL},
                        "SmartHub data are stamped with the co-op's wall clock: give the co-op's "
                        "zone (espi_smarthub_options.tz)");
    espi_convert_options co = {opts->tz,      true,           false, false,
                               opts->on_diag, opts->diag_ctx, NULL,  0};
    espi_converter *c = NULL;
    int rc = espi_converter_new(&c, &co, err);
    if (rc == 0)
        rc = espi_converter_add(c, in, name, ESPI_FORMAT_SMARTHUB_JSON, err);
    if (rc == 0)
        rc = espi_converter_finish(c, out, err);
    espi_converter_free(c);
    return rc;
}
