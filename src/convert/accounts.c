/* SPDX-License-Identifier: Apache-2.0 */
/* accounts.c - account metadata (SmartHub user-data and billing JSON) kept
 * by the converter until every input is read, then put onto the usage
 * points it describes: tariff, read cycle, and the location or meter a CSV
 * export left out; and the zone check of CSV exports against the last bill
 * read dates (true instants at local midnight) of their account. */
#include "convert/input.h"

#include "common/error.h"
#include "common/tz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The records and the feed they are applied to. */
typedef struct account_set {
    const espi_feed *feed;
    const account_info *list;
    size_t n;
    espi_diag_fn on_diag;
    void *diag_ctx;
} account_set;

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
    memcpy(to->read_dates, from->read_dates, sizeof to->read_dates);
    memcpy(to->read_date_lines, from->read_date_lines, sizeof to->read_date_lines);
    to->read_dates_given = from->read_dates_given;
    to->wall_clock = from->wall_clock;
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

int accounts_add(const convert_input *in, const account_info *info, espi_error *err)
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
static const char *only_known_location(const account_set *c, const char *account)
{
    const char *found = NULL;
    for (size_t i = 0; i < c->n; i++) {
        const account_info *a = &c->list[i];
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
static int place_by_metadata(const account_set *c, model_usage_point *up)
{
    if (up->location[0] == '\0' && !account_has_location(c->feed, up->account)) {
        const char *loc = only_known_location(c, up->account);
        if (loc != NULL && model_set_text(&up->location, loc) != 0)
            return -1;
    }
    for (size_t i = 0; i < c->n; i++) {
        const account_info *a = &c->list[i];
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
static bool source_used(const account_set *c, uint16_t source, const bool *matched)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->list[i].source == source && matched[i])
            return true;
    return false;
}

/* An account file of which no record describes a usage point is reported
 * once (user-data lists every location, so a single unmatched record is
 * the normal case and says nothing). */
static void report_unused(const account_set *c, const bool *matched)
{
    for (size_t i = 0; i < c->n; i++) {
        const account_info *a = &c->list[i];
        bool first = true;
        for (size_t k = 0; k < i && first; k++)
            first = c->list[k].source != a->source;
        if (a->wall_clock || !first || source_used(c, a->source, matched))
            continue;
        err_loc loc = {c->feed->sources[a->source], a->line, 0, NULL};
        diag_emit(c->on_diag, c->diag_ctx, ESPI_SEV_WARNING, "account-unused", &loc,
                  "no account record of this file matches a usage input (same account and "
                  "service location); nothing of it is written");
    }
}

/* Tariff and read cycle onto the usage points they describe; later inputs
 * win. An account file that describes none is reported. */
int accounts_apply(espi_feed *feed, const account_info *accounts, size_t n, espi_diag_fn on_diag,
                   void *diag_ctx, espi_error *err)
{
    const account_set set = {feed, accounts, n, on_diag, diag_ctx}, *c = &set;
    for (size_t u = 0; u < c->feed->nusage_points; u++)
        if (place_by_metadata(c, c->feed->usage_points[u]) != 0)
            return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    bool *used = calloc(c->n + 1, sizeof *used);
    if (used == NULL)
        return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    for (size_t i = 0; i < c->n; i++) {
        const account_info *a = &c->list[i];
        size_t matched = 0;
        for (size_t u = 0; !a->wall_clock && u < c->feed->nusage_points; u++) {
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
/* The zone of CSV exports                                             */
/* ------------------------------------------------------------------ */

static const char *const read_date_names[2] = {"lastBillPrevReadDtTm", "lastBillPresReadDtTm"};

/* What the check of one CSV export found. */
typedef struct zone_check {
    const account_set *c;
    const espi_tz *tz;
    const account_info *bad; /* the record of the first read date that is not midnight */
    int bad_k;
    size_t checked; /* read dates that are local midnight in tz */
} zone_check;

/* The usage point a CSV export's readings went into (its location placed
 * by accounts_apply when the metadata names one). */
static const model_usage_point *usage_of_source(const espi_feed *f, uint16_t source)
{
    for (size_t u = 0; u < f->nusage_points; u++) {
        const model_usage_point *up = f->usage_points[u];
        for (size_t k = 0; k < up->nchannels; k++)
            for (size_t i = 0; i < up->channels[k]->nreadings; i++)
                if (up->channels[k]->readings[i].source == source)
                    return up;
    }
    return NULL;
}

/* Whether every account record with read dates is of one location. */
static bool one_dated_location(const account_set *c)
{
    const account_info *first = NULL;
    for (size_t i = 0; i < c->n; i++) {
        const account_info *a = &c->list[i];
        if (a->wall_clock || a->read_dates_given == 0)
            continue;
        if (first == NULL)
            first = a;
        else if (!model_same_name(first->account, a->account) ||
                 !model_same_name(first->location, a->location))
            return false;
    }
    return true;
}

/* Whether the read dates of record a speak for up, a CSV export's usage
 * point: same account, and same location when both name one. An export
 * that names no account (the older usage CSV) takes them only when every
 * dated record is of one location, the one the converter joins it to. */
static bool dates_apply(const account_set *c, const account_info *a, const model_usage_point *up)
{
    if (a->wall_clock || a->read_dates_given == 0)
        return false;
    if (up->account[0] == '\0')
        return one_dated_location(c);
    return model_same_name(a->account, up->account) &&
           (a->location == NULL || up->location[0] == '\0' ||
            model_same_name(a->location, up->location));
}

/* Orders read dates that are not midnight: the earliest, then by input
 * name and line, so that the error does not depend on the input order. */
static bool comes_before(const account_set *c, const account_info *a, int ka, const account_info *b,
                         int kb)
{
    if (a->read_dates[ka] != b->read_dates[kb])
        return a->read_dates[ka] < b->read_dates[kb];
    int by_name = strcmp(c->feed->sources[a->source], c->feed->sources[b->source]);
    if (by_name != 0)
        return by_name < 0;
    return a->read_date_lines[ka] < b->read_date_lines[kb];
}

static void check_dates(zone_check *z, const model_usage_point *up)
{
    const account_set *c = z->c;
    for (size_t i = 0; i < c->n; i++) {
        const account_info *a = &c->list[i];
        if (!dates_apply(c, a, up))
            continue;
        for (int k = 0; k < 2; k++) {
            if (!(a->read_dates_given & (1u << k)))
                continue;
            int64_t t = a->read_dates[k];
            int64_t local = t + espi_tz_offset_at(NULL, z->tz, t);
            if (local - tz_days_of(local) * SECONDS_PER_DAY == 0)
                z->checked++;
            else if (z->bad == NULL || comes_before(c, a, k, z->bad, z->bad_k))
                z->bad = a, z->bad_k = k;
        }
    }
}

/* The offset at which utc is local midnight: within -12 to +12 hours,
 * unless only the other candidate (a day away, up to +14 hours) has a
 * well-known zone. */
static int32_t midnight_offset(int64_t utc)
{
    int64_t tod = utc - tz_days_of(utc) * SECONDS_PER_DAY;
    int32_t near = (int32_t)(tod <= SECONDS_PER_DAY / 2 ? -tod : SECONDS_PER_DAY - tod);
    int32_t far = near > 0 ? near - SECONDS_PER_DAY : near + SECONDS_PER_DAY;
    const char *name;
    if (far <= 14 * 3600 && tz_zones_at_offset(&name, 1, utc, near) == 0 &&
        tz_zones_at_offset(&name, 1, utc, far) == 1)
        return far;
    return near;
}

/* "2026-01-15 05:00Z" */
static void format_instant(char buf[40], int64_t utc)
{
    char wall[32];
    tz_format_wall(wall, utc);
    snprintf(buf, 40, "%sZ", wall);
}

static int zone_error(const zone_check *z, const char *csv, espi_error *err)
{
    const account_info *a = z->bad;
    int64_t t = a->read_dates[z->bad_k];
    int32_t implied = midnight_offset(t), used = espi_tz_offset_at(NULL, z->tz, t);
    char when[40], implied_text[16], used_text[16], local[32], advice[256];
    size_t len = 0;
    format_instant(when, t);
    tz_format_offset(implied_text, implied);
    tz_format_offset(used_text, used);
    tz_format_wall(local, t + used);
    tz_suggest_zones(advice, sizeof advice, &len, t, implied);
    err_loc loc = {z->c->feed->sources[a->source], a->read_date_lines[z->bad_k], 0,
                   read_date_names[z->bad_k]};
    return err_fail(err, ESPI_E_INPUT, "csv-zone", &loc,
                    "the account's last bill read date %s is local midnight at %s, but the CSV "
                    "export %s of the same account was read in %s, where that instant is %s "
                    "(%s); %s",
                    when, implied_text, csv, espi_tz_name(z->tz), local, used_text, advice);
}

/* One CSV export (its wall-clock record w): its read dates, or the warning
 * that its zone is the default one, unchecked. */
static int check_export(const account_set *c, const account_info *w, const espi_tz *tz,
                        bool tz_given, espi_error *err)
{
    const model_usage_point *up = usage_of_source(c->feed, w->source);
    if (up == NULL)
        return 0; /* nothing of it is written */
    zone_check z = {c, tz, NULL, 0, 0};
    check_dates(&z, up);
    const char *csv = c->feed->sources[w->source];
    err_loc loc = {csv, w->line, 0, NULL};
    if (z.bad != NULL)
        return zone_error(&z, csv, err);
    if (z.checked > 0)
        diag_emit(c->on_diag, c->diag_ctx, ESPI_SEV_INFO, "csv-zone-checked", &loc,
                  "the export's wall-clock times were read in %s: the %zu last bill read date(s) "
                  "of its account (true instants) are local midnight there",
                  espi_tz_name(tz), z.checked);
    else if (!tz_given)
        diag_emit(c->on_diag, c->diag_ctx, ESPI_SEV_WARNING, "csv-zone-assumed", &loc,
                  "the export's wall-clock times were read in %s, the default zone, unchecked: "
                  "a CSV export holds no true instant, and no account input (SmartHub "
                  "user-data with the last bill read dates of this account) tells the zone; "
                  "give --tz with the co-op's zone",
                  espi_tz_name(tz));
    return 0;
}

int accounts_check_zone(const espi_feed *feed, const account_info *accounts, size_t n,
                        const espi_tz *tz, bool tz_given, espi_diag_fn on_diag, void *diag_ctx,
                        espi_error *err)
{
    const account_set set = {feed, accounts, n, on_diag, diag_ctx};
    for (size_t i = 0; tz != NULL && i < n; i++) {
        if (!accounts[i].wall_clock)
            continue;
        int rc = check_export(&set, &accounts[i], tz, tz_given, err);
        if (rc != 0)
            return rc;
    }
    return 0;
}
