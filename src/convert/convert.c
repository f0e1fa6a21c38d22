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
    off_t start = ftello(f);
    rc = read_head(&r, &head, f, name, err);
    if (rc == 0 && format == ESPI_FORMAT_AUTO)
        rc = espi_format_detect(&format, r.head, r.len, name, err);
    if (rc == 0 && format != ESPI_FORMAT_ESPI && c->opts.tz == NULL)
        rc = err_fail(err, ESPI_E_ARG, "tz", &(err_loc){name, 0, 0, NULL},
                      "SmartHub data are stamped with the co-op's wall clock: the converter needs "
                      "the co-op's zone (espi_convert_options.tz, --tz)");
    FILE *whole = NULL;
    if (rc == 0 && replay_rewind(&r, start))
        whole = f;
    else if (rc == 0) {
        whole = replay_open(&r);
        if (whole == NULL)
            rc = err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    }
    if (rc == 0) {
        c->smarthub_inputs += format != ESPI_FORMAT_ESPI;
        rc = read_as(&in, whole, format, err);
    }
    if (whole != NULL && whole != f)
        fclose(whole);
    free(head);
    return rc;
}

/* ------------------------------------------------------------------ */
/* The accounts of the inputs (espi convert --group account)           */
/* ------------------------------------------------------------------ */

/* Whether record i repeats an earlier one's account and location. */
static bool record_seen(const espi_converter *c, size_t i)
{
    const account_info *a = &c->accounts[i];
    for (size_t k = 0; k < i; k++) {
        const account_info *b = &c->accounts[k];
        if (!b->wall_clock && model_same_name(a->account, b->account) &&
            model_same_name(a->location, b->location))
            return true;
    }
    return false;
}

/* The length of a usage point's service location number: its model name
 * up to the suffix of a gas or water usage point ("71005500/gas"). */
static size_t location_len(const char *location)
{
    return strcspn(location, "/");
}

static bool same_location(const char *a, const char *b)
{
    size_t n = location_len(a);
    return n == location_len(b) && strncmp(a, b, n) == 0;
}

/* Whether usage point i repeats an earlier one's account and location. */
static bool usage_seen(const espi_feed *f, size_t i)
{
    const model_usage_point *a = f->usage_points[i];
    for (size_t k = 0; k < i; k++)
        if (strcmp(a->account, f->usage_points[k]->account) == 0 &&
            same_location(a->location, f->usage_points[k]->location))
            return true;
    return false;
}

void espi_converter_accounts(const espi_converter *c, espi_account_fn fn, void *ctx)
{
    for (size_t i = 0; i < c->feed->nusage_points; i++) {
        const model_usage_point *up = c->feed->usage_points[i];
        if (up->account[0] == '\0' || usage_seen(c->feed, i))
            continue;
        char location[1040]; /* a location number as the poll reader keeps it, and more */
        size_t n = location_len(up->location);
        if (n >= sizeof location) { /* too long for the stack: not cut */
            fn(&(espi_account_ref){up->account, up->location, true}, ctx);
            continue;
        }
        memcpy(location, up->location, n);
        location[n] = '\0';
        fn(&(espi_account_ref){up->account, location, true}, ctx);
    }
    for (size_t i = 0; i < c->naccounts; i++) {
        const account_info *a = &c->accounts[i];
        /* a CSV export's own record: its usage point says it */
        if (a->wall_clock || a->account == NULL || a->account[0] == '\0' || record_seen(c, i))
            continue;
        fn(&(espi_account_ref){a->account, a->location ? a->location : "", false}, ctx);
    }
}

/* Whether a usage point is of only_account and only_location (or of no
 * location, which the merge joins to the account's only other one). */
static bool kept(const espi_convert_options *o, const model_usage_point *up)
{
    if (o->only_account != NULL && strcmp(up->account, o->only_account) != 0)
        return false;
    return o->only_location == NULL || up->location[0] == '\0' ||
           same_location(up->location, o->only_location);
}

/* espi_convert_options.only_account/only_location: the other usage points
 * (a HAR or user-data of several accounts) left out before the merge. */
static void keep_only(espi_converter *c)
{
    if (c->opts.only_account == NULL && c->opts.only_location == NULL)
        return;
    espi_feed *f = c->feed;
    size_t n = 0, out = 0;
    for (size_t i = 0; i < f->nusage_points; i++) {
        if (kept(&c->opts, f->usage_points[i])) {
            f->usage_points[n++] = f->usage_points[i];
            continue;
        }
        model_usage_point_free(f->usage_points[i]);
        out++;
    }
    f->nusage_points = n;
    if (out > 0)
        diag_emit(c->opts.on_diag, c->opts.diag_ctx, ESPI_SEV_INFO, "convert-left-out", NULL,
                  "%zu usage point%s of another account or service location left out: the feed "
                  "holds the one asked for (espi_convert_options.only_account, --group account)",
                  out, out == 1 ? "" : "s");
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
    keep_only(c);
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
    espi_convert_options co;
    espi_convert_options_init(&co);
    co.tz = opts->tz;
    co.tz_explicit = true;
    co.on_diag = opts->on_diag;
    co.diag_ctx = opts->diag_ctx;
    espi_converter *c = NULL;
    int rc = espi_converter_new(&c, &co, err);
    if (rc == 0)
        rc = espi_converter_add(c, in, name, ESPI_FORMAT_SMARTHUB_JSON, err);
    if (rc == 0)
        rc = espi_converter_finish(c, out, err);
    espi_converter_free(c);
    return rc;
}
