/* SPDX-License-Identifier: Apache-2.0 */
/* accounts.c - account metadata (SmartHub user-data and billing JSON) kept
 * by the converter until every input is read, then put onto the usage
 * points it describes: tariff, read cycle, and the location or meter a CSV
 * export left out. */
#include "convert/input.h"

#include "common/error.h"

#include <stdlib.h>
#include <string.h>

/* The records and the feed they are applied to. */
typedef struct account_set {
    espi_feed *feed;
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
        if (!first || source_used(c, a->source, matched))
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
