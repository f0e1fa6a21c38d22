/* convert.c - espi convert's inputs made into one feed: each input's
 * format is detected from its first bytes (or forced), it is read by its
 * reader into the shared model, and when every input is in, account
 * metadata is applied and the model is merged (merge.c). */
#define _GNU_SOURCE /* fopencookie: an input's first bytes are read twice */
#include "convert/convert.h"

#include "common/error.h"
#include "convert/smarthub/account.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
/* Formats                                                             */
/* ------------------------------------------------------------------ */

static const struct {
    espi_format format;
    const char *name;
} format_names[] = {
    {ESPI_FORMAT_AUTO, "auto"},
    {ESPI_FORMAT_SMARTHUB_JSON, "smarthub-json"},
    {ESPI_FORMAT_SMARTHUB_CSV, "smarthub-csv"},
    {ESPI_FORMAT_SMARTHUB_ACCOUNT, "smarthub-account"},
    {ESPI_FORMAT_ESPI, "espi"},
};

const char *espi_format_name(espi_format format)
{
    for (size_t i = 0; i < sizeof format_names / sizeof format_names[0]; i++)
        if (format_names[i].format == format)
            return format_names[i].name;
    return "?";
}

int espi_format_parse(espi_format *out, const char *name)
{
    for (size_t i = 0; i < sizeof format_names / sizeof format_names[0]; i++)
        if (strcmp(format_names[i].name, name) == 0) {
            *out = format_names[i].format;
            return 0;
        }
    return ESPI_E_ARG;
}

/* Whether needle occurs in the n bytes at hay, ignoring ASCII case. */
static bool contains(const unsigned char *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; k <= n && i <= n - k; i++)
        if (strncasecmp((const char *)hay + i, needle, k) == 0)
            return true;
    return false;
}

/* "YYYY-MM-DD HH:MM to YYYY" somewhere: a SmartHub CSV row. */
static bool has_csv_row(const unsigned char *s, size_t n)
{
    static const char shape[] = "dddd-dd-dd dd:dd to dddd";
    size_t k = sizeof shape - 1;
    for (size_t i = 0; k <= n && i <= n - k; i++) {
        size_t j = 0;
        while (j < k && (shape[j] == 'd' ? isdigit(s[i + j]) != 0 : s[i + j] == shape[j]))
            j++;
        if (j == k)
            return true;
    }
    return false;
}

static const char tried[] =
    "SmartHub poll JSON (an object with \"status\" and \"data\"), SmartHub account JSON "
    "(user-data or billing), SmartHub CSV (rows 'YYYY-MM-DD HH:MM to YYYY-MM-DD HH:MM,...'), "
    "Green Button XML (an Atom <feed>) and a ZIP holding one; --from forces a format";

int espi_format_detect(espi_format *out, const unsigned char *head, size_t n, const char *name,
                       espi_error *err)
{
    err_loc loc = {name, 0, 0, NULL};
    size_t i = 0;
    if (n >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF)
        i = 3; /* UTF-8 byte order mark */
    if (n >= 4 && memcmp(head, "PK\003\004", 4) == 0) {
        *out = ESPI_FORMAT_ESPI;
        return 0;
    }
    while (i < n && isspace(head[i]))
        i++;
    if (i == n)
        return err_fail(err, ESPI_E_INPUT, "format-empty", &loc,
                        "the input is empty; expected SmartHub data or a Green Button file");
    const unsigned char *s = head + i;
    size_t len = n - i;
    if (s[0] == '<' && (contains(s, len, "<html") || contains(s, len, "<!doctype html")))
        return err_fail(err, ESPI_E_INPUT, "format-html", &loc,
                        "the input is an HTML page (a login or error page?), not SmartHub data "
                        "or a Green Button file");
    if (s[0] == '<' &&
        (contains(s, len, "http://www.w3.org/2005/Atom") || contains(s, len, "<feed"))) {
        *out = ESPI_FORMAT_ESPI;
        return 0;
    }
    if ((s[0] == '{' || s[0] == '[') && sh_account_sniff(s, len)) {
        *out = ESPI_FORMAT_SMARTHUB_ACCOUNT;
        return 0;
    }
    if (s[0] == '{' && (contains(s, len, "\"status\"") || contains(s, len, "\"data\""))) {
        *out = ESPI_FORMAT_SMARTHUB_JSON;
        return 0;
    }
    if (s[0] != '{' && s[0] != '[' && s[0] != '<' && has_csv_row(s, len)) {
        *out = ESPI_FORMAT_SMARTHUB_CSV;
        return 0;
    }
    return err_fail(err, ESPI_E_INPUT, "format-unknown", &loc,
                    "cannot tell what this input is; tried %s", tried);
}

/* ------------------------------------------------------------------ */
/* An input whose first bytes were read ahead                          */
/* ------------------------------------------------------------------ */

typedef struct replay {
    unsigned char *head;
    size_t n, pos;
    FILE *rest;
} replay;

static ssize_t replay_read(void *cookie, char *buf, size_t size)
{
    replay *r = cookie;
    if (r->pos < r->n) {
        size_t k = r->n - r->pos < size ? r->n - r->pos : size;
        memcpy(buf, r->head + r->pos, k);
        r->pos += k;
        return (ssize_t)k;
    }
    size_t got = fread(buf, 1, size, r->rest);
    return got == 0 && ferror(r->rest) ? -1 : (ssize_t)got;
}

static int replay_close(void *cookie)
{
    (void)cookie; /* the caller owns both the head and the stream */
    return 0;
}

/* Reads up to SNIFF_BYTES of in into r->head. */
static int read_head(replay *r, FILE *in, const char *name, espi_error *err)
{
    r->head = malloc(SNIFF_BYTES);
    if (r->head == NULL)
        return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    r->rest = in;
    while (r->n < SNIFF_BYTES) {
        size_t got = fread(r->head + r->n, 1, SNIFF_BYTES - r->n, in);
        if (got == 0)
            break;
        r->n += got;
    }
    if (ferror(in)) {
        err_loc loc = {name, 0, 0, NULL};
        return err_fail(err, ESPI_E_IO, "io", &loc, "cannot read the input");
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Account metadata                                                    */
/* ------------------------------------------------------------------ */

void account_info_free(account_info *info)
{
    free(info->account);
    free(info->location);
    free(info->tariff_profile);
    free(info->read_cycle);
    for (size_t i = 0; i < info->nmeters; i++)
        free(info->meters[i]);
    free(info->meters);
    memset(info, 0, sizeof *info);
}

static int copy_account(account_info *to, const account_info *from)
{
    memset(to, 0, sizeof *to);
    to->line = from->line;
    to->source = from->source;
    if (model_set_text(&to->account, from->account ? from->account : "") ||
        model_set_text(&to->location, from->location) ||
        model_set_text(&to->tariff_profile, from->tariff_profile) ||
        model_set_text(&to->read_cycle, from->read_cycle))
        return -1;
    if (from->nmeters == 0)
        return 0;
    to->meters = calloc(from->nmeters, sizeof *to->meters);
    if (to->meters == NULL)
        return -1;
    for (; to->nmeters < from->nmeters; to->nmeters++)
        if (model_set_text(&to->meters[to->nmeters], from->meters[to->nmeters]) != 0)
            return -1;
    return 0;
}

int convert_add_account(const convert_input *in, const account_info *info, espi_error *err)
{
    account_info *grown = realloc(*in->accounts, (*in->naccounts + 1) * sizeof *grown);
    if (grown == NULL)
        return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    *in->accounts = grown;
    account_info *slot = &grown[*in->naccounts];
    if (copy_account(slot, info) != 0) {
        account_info_free(slot);
        return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    }
    (*in->naccounts)++;
    return 0;
}

/* The one location the account metadata gives for account; NULL when none
 * or several. */
static const char *only_known_location(const espi_converter *c, const char *account)
{
    const char *found = NULL;
    for (size_t i = 0; i < c->naccounts; i++) {
        const account_info *a = &c->accounts[i];
        if (a->location == NULL || !model_same_name(a->account, account) ||
            (found && strcmp(found, a->location) == 0))
            continue;
        if (found != NULL)
            return NULL;
        found = a->location;
    }
    return found;
}

static bool account_has_location(const espi_feed *f, const char *account)
{
    for (size_t i = 0; i < f->nusage_points; i++)
        if (model_same_name(f->usage_points[i]->account, account) &&
            f->usage_points[i]->location[0])
            return true;
    return false;
}

static bool has_named_meter(const model_usage_point *up)
{
    for (size_t i = 0; i < up->nchannels; i++)
        if (up->channels[i]->meter[0] != '\0')
            return true;
    return false;
}

/* A usage point a CSV export left without location (or meter) gets the
 * one the account metadata names, when no other input names it. */
static int place_by_metadata(espi_converter *c, model_usage_point *up)
{
    if (up->location[0] == '\0' && !account_has_location(c->feed, up->account)) {
        const char *loc = only_known_location(c, up->account);
        if (loc != NULL && model_set_text(&up->location, loc) != 0)
            return -1;
    }
    for (size_t i = 0; i < c->naccounts; i++) {
        const account_info *a = &c->accounts[i];
        if (a->nmeters != 1 || !model_same_name(a->account, up->account) ||
            !model_same_name(a->location, up->location) || has_named_meter(up))
            continue;
        for (size_t k = 0; k < up->nchannels; k++)
            if (model_set_text(&up->channels[k]->meter, a->meters[0]) != 0)
                return -1;
    }
    return 0;
}

/* Whether any record of the input source describes a usage point. */
static bool source_used(const espi_converter *c, uint16_t source, const bool *matched)
{
    for (size_t i = 0; i < c->naccounts; i++)
        if (c->accounts[i].source == source && matched[i])
            return true;
    return false;
}

/* An account file of which no record describes a usage point is reported
 * once (user-data lists every location, so a single unmatched record is
 * the normal case and says nothing). */
static void report_unused(const espi_converter *c, const bool *matched)
{
    for (size_t i = 0; i < c->naccounts; i++) {
        const account_info *a = &c->accounts[i];
        bool first = true;
        for (size_t k = 0; k < i && first; k++)
            first = c->accounts[k].source != a->source;
        if (!first || source_used(c, a->source, matched))
            continue;
        err_loc loc = {c->feed->sources[a->source], a->line, 0, NULL};
        diag_emit(c->opts.on_diag, c->opts.diag_ctx, ESPI_SEV_WARNING, "account-unused", &loc,
                  "no account record of this file matches a usage input (same account and "
                  "service location); nothing of it is written");
    }
}

/* Tariff and read cycle onto the usage points they describe; later inputs
 * win. An account file that describes none is reported. */
static int apply_accounts(espi_converter *c, espi_error *err)
{
    for (size_t u = 0; u < c->feed->nusage_points; u++)
        if (place_by_metadata(c, c->feed->usage_points[u]) != 0)
            return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    bool *used = calloc(c->naccounts + 1, sizeof *used);
    if (used == NULL)
        return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    for (size_t i = 0; i < c->naccounts; i++) {
        const account_info *a = &c->accounts[i];
        size_t matched = 0;
        for (size_t u = 0; u < c->feed->nusage_points; u++) {
            model_usage_point *up = c->feed->usage_points[u];
            if (!model_same_name(a->account, up->account) ||
                (a->location != NULL && !model_same_name(a->location, up->location)))
                continue;
            matched++;
            if ((a->tariff_profile && model_set_text(&up->tariff_profile, a->tariff_profile)) ||
                (a->read_cycle && model_set_text(&up->read_cycle, a->read_cycle))) {
                free(used);
                return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
            }
        }
        used[i] = matched > 0;
    }
    report_unused(c, used);
    free(used);
    return 0;
}

/* ------------------------------------------------------------------ */
/* The converter                                                       */
/* ------------------------------------------------------------------ */

int espi_converter_new(espi_converter **out, const espi_convert_options *opts, espi_error *err)
{
    *out = NULL;
    if (opts == NULL || opts->tz == NULL)
        return err_fail(err, ESPI_E_ARG, "tz", NULL, "the converter needs the co-op's zone");
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

static int read_as(espi_converter *c, const convert_input *in, FILE *f, espi_format format,
                   espi_error *err)
{
    switch (format) {
    case ESPI_FORMAT_SMARTHUB_JSON: return sh_json_read_into(in, f, err);
    case ESPI_FORMAT_SMARTHUB_CSV: return sh_csv_read_into(in, f, err);
    case ESPI_FORMAT_SMARTHUB_ACCOUNT: return sh_account_read_into(in, f, err);
    case ESPI_FORMAT_ESPI: return repair_read_into(in, f, err);
    case ESPI_FORMAT_AUTO: break;
    }
    (void)c;
    return err_fail(err, ESPI_E_ARG, "format", NULL, "no input format");
}

int espi_converter_add(espi_converter *c, FILE *f, const char *name, espi_format format,
                       espi_error *err)
{
    uint16_t source;
    int rc = model_feed_add_source(c->feed, name, &source, err);
    if (rc != 0)
        return rc;
    convert_input in = {c->feed,          c->opts.tz,      name,     source,       c->opts.on_diag,
                        c->opts.diag_ctx, c->opts.dry_run, &c->zone, &c->accounts, &c->naccounts};
    replay r = {NULL, 0, 0, f};
    rc = read_head(&r, f, name, err);
    if (rc == 0 && format == ESPI_FORMAT_AUTO)
        rc = espi_format_detect(&format, r.head, r.n, name, err);
    FILE *whole = NULL;
    if (rc == 0) {
        cookie_io_functions_t io = {replay_read, NULL, NULL, replay_close};
        whole = fopencookie(&r, "rb", io);
        if (whole == NULL)
            rc = err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    }
    if (rc == 0) {
        c->smarthub_inputs += format != ESPI_FORMAT_ESPI;
        rc = read_as(c, &in, whole, format, err);
    }
    if (whole != NULL)
        fclose(whole);
    free(r.head);
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
        c->zone && !c->opts.tz_explicit && c->smarthub_inputs == 0 ? c->zone : c->opts.tz;
    if (c->zone && !c->opts.tz_explicit && c->smarthub_inputs > 0)
        warn_zones(c);
    int rc = apply_accounts(c, err);
    if (rc == 0 && (c->feed->tz_name == NULL || days == c->opts.tz))
        rc = model_feed_set_tz(c->feed, days, err);
    model_merge_options mo = {days, c->opts.strict, c->opts.on_diag, c->opts.diag_ctx};
    if (rc == 0)
        rc = model_feed_finish(c->feed, &mo, err);
    if (rc == 0 && c->feed->nusage_points == 0 && c->smarthub_inputs > 0) {
        /* (a repaired customer feed may hold no usage: that is its content) */
        err_loc loc = {c->feed->nsources ? c->feed->sources[c->feed->nsources - 1] : "", 0, 0,
                       NULL};
        rc = err_fail(err, ESPI_E_INPUT, "convert-empty", &loc,
                      "the inputs hold no reading and no closed billing period: nothing to "
                      "write");
    }
    if (rc != 0)
        return rc;
    *out = c->feed;
    c->feed = NULL;
    return 0;
}

/* The one-input reader of the first version of the API. */
int espi_smarthub_read(espi_feed **out, FILE *in, const char *name,
                       const espi_smarthub_options *opts, espi_error *err)
{
    *out = NULL;
    espi_convert_options co = {opts->tz, true, false, false, opts->on_diag, opts->diag_ctx};
    espi_converter *c = NULL;
    int rc = espi_converter_new(&c, &co, err);
    if (rc == 0)
        rc = espi_converter_add(c, in, name, ESPI_FORMAT_SMARTHUB_JSON, err);
    if (rc == 0)
        rc = espi_converter_finish(c, out, err);
    espi_converter_free(c);
    return rc;
}
