/* SPDX-License-Identifier: Apache-2.0 */
/* answers.c - the little read from SmartHub's answers: the login's status
 * and token, user-data's accounts and locations (only their numbers, never
 * a name or an address), a poll's status and readings. */
#include "fetch/smarthub.h"

#include "common/error.h"
#include "fetch/json.h"
#include "fetch/secret.h"

#include <stdlib.h>
#include <string.h>

/* user-data locations read at most; more are ignored with the rest. */
#define MAX_LOCATIONS 512
/* the meter numbers kept per location, '\n' after each */
#define MAX_METERS_TEXT 1024

static void copy_text(char *out, size_t size, const char *s, size_t len)
{
    size_t n = len < size - 1 ? len : size - 1;
    memcpy(out, s, n);
    out[n] = '\0';
}

int fetch_list_add(fetch_buf *list, const char *line, size_t len)
{
    const char *p = list->data ? (const char *)list->data : "";
    for (const char *end; *p; p = end + 1) {
        end = strchr(p, '\n');
        if ((size_t)(end - p) == len && memcmp(p, line, len) == 0)
            return 0;
    }
    int rc = fetch_buf_add(list, line, len);
    return rc ? rc : fetch_buf_puts(list, "\n");
}

/* ------------------------------------------------------------------ */
/* The login                                                           */
/* ------------------------------------------------------------------ */

static char *dup_len(const char *s, size_t len)
{
    char *copy = malloc(len + 1);
    if (copy != NULL) {
        memcpy(copy, s, len);
        copy[len] = '\0';
    }
    return copy;
}

static int login_scalar(const fetch_json_path *p, fetch_json_type type, const char *s, size_t len,
                        void *ctx)
{
    fetch_login_answer *a = ctx;
    if (p->depth != 1 || type != FETCH_JSON_STRING)
        return 0;
    const char *key = p->frames[0].key;
    char **slot = strcmp(key, "authorizationToken") == 0 ? &a->token
                  : strcmp(key, "username") == 0         ? &a->username
                  : strcmp(key, "primaryUsername") == 0  ? &a->primary
                                                         : NULL;
    if (strcmp(key, "status") == 0)
        copy_text(a->status, sizeof a->status, s, len);
    if (slot == NULL)
        return 0;
    fetch_strfree(*slot);
    *slot = dup_len(s, len);
    return *slot == NULL;
}

int fetch_login_scan(fetch_login_answer *a, const void *body, size_t len, char *why, size_t size)
{
    memset(a, 0, sizeof a[0]);
    fetch_json_reader r = {login_scalar, NULL, NULL, NULL};
    int rc = fetch_json_read(body, len, &r, a, why, size);
    if (rc == -2)
        snprintf(why, size, "%s", "out of memory");
    return rc == 0 ? 0 : -1;
}

void fetch_login_answer_free(fetch_login_answer *a)
{
    fetch_strfree(a->token);
    fetch_strfree(a->username);
    fetch_strfree(a->primary);
    memset(a, 0, sizeof a[0]);
}

/* ------------------------------------------------------------------ */
/* user-data                                                           */
/* ------------------------------------------------------------------ */

typedef struct ud_location {
    char account[FETCH_ID_MAX];
    char location[FETCH_ID_MAX];
    int active;   /* 1 ACTIVE, -1 another serviceStatus, 0 not said */
    int electric; /* 1 ELECTRIC among its industries, -1 not, 0 not said */
    bool account_inactive;
    char meters[MAX_METERS_TEXT];
} ud_location;

typedef struct ud_reader {
    ud_location *locs;
    size_t n;
    size_t first; /* the locations of the account being read: [first, n) */
    char account[FETCH_ID_MAX];
    char primary[FETCH_ID_MAX];
    bool inactive;
    bool is_array;
} ud_reader;

static ud_location *location_of(ud_reader *u, const char *number)
{
    for (size_t i = u->first; i < u->n; i++)
        if (strcmp(u->locs[i].location, number) == 0)
            return &u->locs[i];
    if (u->n == MAX_LOCATIONS || number[0] == '\0')
        return NULL;
    ud_location *l = &u->locs[u->n++];
    memset(l, 0, sizeof *l);
    copy_text(l->location, sizeof l->location, number, strlen(number));
    return l;
}

static const char summaries[] = "serviceLocationIdToServiceLocationSummary";
static const char user_summaries[] = "serviceLocationToUserDataServiceLocationSummaries";
static const char industries[] = "serviceLocationToIndustries";

static int ud_key(const fetch_json_path *p, void *ctx)
{
    ud_reader *u = ctx;
    if (fetch_json_at(p, "#", summaries, "*", NULL) ||
        fetch_json_at(p, "#", user_summaries, "*", NULL))
        location_of(u, p->frames[2].key);
    if (fetch_json_at(p, "#", summaries, "*", "meterNumbersToExternalMeterBaseIds", "*", NULL)) {
        ud_location *l = location_of(u, p->frames[2].key);
        const char *m = p->frames[4].key;
        size_t len = strlen(l ? l->meters : "");
        if (l && m[strspn(m, " ")] != '\0' && len + strlen(m) + 2 < sizeof l->meters)
            snprintf(l->meters + len, sizeof l->meters - len, "%s\n", m);
    }
    return 0;
}

static void set_status(ud_reader *u, const char *loc, const char *s, size_t len)
{
    ud_location *l = location_of(u, loc);
    if (l && l->active != 1)
        l->active = len == 6 && memcmp(s, "ACTIVE", 6) == 0 ? 1 : -1;
}

static int ud_scalar(const fetch_json_path *p, fetch_json_type type, const char *s, size_t len,
                     void *ctx)
{
    ud_reader *u = ctx;
    bool text = type == FETCH_JSON_STRING || type == FETCH_JSON_NUMBER;
    if (text && fetch_json_at(p, "#", "account", NULL))
        copy_text(u->account, sizeof u->account, s, len);
    else if (text && fetch_json_at(p, "#", "primaryServiceLocationId", NULL))
        copy_text(u->primary, sizeof u->primary, s, len);
    else if (fetch_json_at(p, "#", "inactive", NULL))
        u->inactive = len == 4 && memcmp(s, "true", 4) == 0;
    else if (text && (fetch_json_at(p, "#", summaries, "*", "serviceStatus", NULL) ||
                      fetch_json_at(p, "#", user_summaries, "*", "#", "serviceStatus", NULL)))
        set_status(u, p->frames[2].key, s, len);
    else if (text && fetch_json_at(p, "#", industries, "*", "#", NULL)) {
        ud_location *l = location_of(u, p->frames[2].key);
        if (l && l->electric != 1)
            l->electric = len == 8 && memcmp(s, "ELECTRIC", 8) == 0 ? 1 : -1;
    }
    return 0;
}

static int ud_open(const fetch_json_path *p, bool is_map, void *ctx)
{
    ud_reader *u = ctx;
    if (p->depth == 0)
        u->is_array = !is_map;
    if (p->depth == 1 && is_map) {
        u->first = u->n;
        u->account[0] = u->primary[0] = '\0';
        u->inactive = false;
    }
    return 0;
}

/* An account's object ends: its number goes onto its locations. */
static int ud_close(const fetch_json_path *p, bool is_map, void *ctx)
{
    ud_reader *u = ctx;
    if (p->depth != 1 || !is_map)
        return 0;
    if (u->n == u->first && u->primary[0])
        location_of(u, u->primary);
    for (size_t i = u->first; i < u->n; i++) {
        copy_text(u->locs[i].account, FETCH_ID_MAX, u->account, strlen(u->account));
        u->locs[i].account_inactive = u->inactive;
    }
    u->first = u->n;
    return 0;
}

static bool wanted(const ud_location *l, const espi_smarthub_query *q)
{
    return (q->account == NULL || strcmp(q->account, l->account) == 0) &&
           (q->location == NULL || strcmp(q->location, l->location) == 0);
}

static bool usable(const ud_location *l)
{
    return !l->account_inactive && l->active >= 0 && l->electric >= 0 && l->account[0];
}

/* "account A location L, ..." of the locations that pass, cut to fit. */
static void list_locations(char *out, size_t size, const ud_reader *u, const espi_smarthub_query *q,
                           bool only_usable)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < u->n; i++) {
        const ud_location *l = &u->locs[i];
        if ((only_usable && (!usable(l) || !wanted(l, q))) || !l->account[0])
            continue;
        str_bufprintf(out, size, &len, "%saccount %s location %s%s", len ? ", " : "", l->account,
                      l->location, only_usable ? "" : (usable(l) ? " (active)" : " (inactive)"));
    }
}

static int choose(fetch_session *s, const ud_reader *u, espi_error *err)
{
    const espi_smarthub_query *q = s->q;
    const ud_location *pick = NULL;
    size_t count = 0;
    for (size_t i = 0; i < u->n; i++)
        if (usable(&u->locs[i]) && wanted(&u->locs[i], q)) {
            pick = pick ? pick : &u->locs[i];
            count++;
        }
    char list[400];
    err_loc loc = {s->origin, 0, 0, "user-data"};
    if (count > 1) {
        list_locations(list, sizeof list, u, q, true);
        return err_fail(err, ESPI_E_ARG, "fetch-locations", &loc,
                        "%zu active service locations fit: %s; choose one with --account and "
                        "--location",
                        count, list);
    }
    if (count == 1) {
        snprintf(s->account, sizeof s->account, "%s", pick->account);
        snprintf(s->location, sizeof s->location, "%s", pick->location);
        fetch_buf_clear(&s->meters);
        return fetch_buf_puts(&s->meters, pick->meters)
                   ? err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory")
                   : 0;
    }
    if (q->account && q->location) { /* not listed: asked for as given */
        diag_emit(s->o->on_diag, s->o->diag_ctx, ESPI_SEV_WARNING, "fetch-location-unlisted", &loc,
                  "user-data lists no active account %s with location %s; asking for it "
                  "as given",
                  q->account, q->location);
        snprintf(s->account, sizeof s->account, "%s", q->account);
        snprintf(s->location, sizeof s->location, "%s", q->location);
        return 0;
    }
    list_locations(list, sizeof list, u, q, false);
    return err_fail(err, ESPI_E_ARG, "fetch-locations", &loc,
                    "no active electric service location%s%s%s%s in user-data (it lists: %s); "
                    "check --account and --location",
                    q->account ? " of account " : "", q->account ? q->account : "",
                    q->location ? " numbered " : "", q->location ? q->location : "",
                    list[0] ? list : "nothing");
}

int fetch_discover(fetch_session *s, const void *body, size_t len, espi_error *err)
{
    ud_reader u;
    memset(&u, 0, sizeof u);
    u.locs = calloc(MAX_LOCATIONS, sizeof *u.locs);
    if (u.locs == NULL)
        return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    fetch_json_reader r = {ud_scalar, ud_key, ud_open, ud_close};
    char why[160] = "";
    int rc = fetch_json_read(body, len, &r, &u, why, sizeof why);
    err_loc loc = {s->origin, 0, 0, "user-data"};
    if (rc != 0 || !u.is_array)
        rc = err_fail(err, ESPI_E_INPUT, "fetch-json", &loc,
                      "secured/user-data did not answer with the JSON array of accounts "
                      "expected%s%s; is --url the co-op's SmartHub portal?",
                      why[0] ? ": " : "", why);
    else
        rc = choose(s, &u, err);
    free(u.locs);
    return rc;
}

/* ------------------------------------------------------------------ */
/* A poll's answer                                                     */
/* ------------------------------------------------------------------ */

typedef struct poll_reader {
    fetch_poll_info *info;
    bool usage; /* the entry being read is of type USAGE */
    size_t points;
    int failed;
} poll_reader;

static bool in_entry(const fetch_json_path *p)
{
    return p->depth >= 3 && p->frames[0].is_map && strcmp(p->frames[0].key, "data") == 0 &&
           p->frames[1].is_map && strcmp(p->frames[1].key, "ELECTRIC") == 0 && !p->frames[2].is_map;
}

static int poll_scalar(const fetch_json_path *p, fetch_json_type type, const char *s, size_t len,
                       void *ctx)
{
    poll_reader *r = ctx;
    if (fetch_json_at(p, "status", NULL) && type == FETCH_JSON_STRING)
        copy_text(r->info->status, sizeof r->info->status, s, len);
    if (!in_entry(p))
        return 0;
    if (fetch_json_at(p, "*", "*", "#", "type", NULL))
        r->usage = type == FETCH_JSON_STRING && len == 5 && memcmp(s, "USAGE", 5) == 0;
    else if (fetch_json_at(p, "*", "*", "#", "series", "#", "data", "#", "y", NULL))
        r->points += type != FETCH_JSON_NULL;
    else if (r->info->meters && type == FETCH_JSON_STRING && len > 0 &&
             fetch_json_at(p, "*", "*", "#", "meters", "#", "meterNumber", NULL))
        r->failed = fetch_list_add(r->info->meters, s, len);
    return r->failed;
}

static int poll_open(const fetch_json_path *p, bool is_map, void *ctx)
{
    poll_reader *r = ctx;
    if (is_map && p->depth == 3 && in_entry(p)) {
        r->usage = false;
        r->points = 0;
    }
    return 0;
}

static int poll_close(const fetch_json_path *p, bool is_map, void *ctx)
{
    poll_reader *r = ctx;
    if (is_map && p->depth == 3 && in_entry(p) && r->usage)
        r->info->readings += r->points;
    return 0;
}

int fetch_poll_scan(fetch_poll_info *info, const void *body, size_t len, char *why, size_t size)
{
    info->status[0] = '\0';
    info->readings = 0;
    poll_reader r = {info, false, 0, 0};
    fetch_json_reader jr = {poll_scalar, NULL, poll_open, poll_close};
    int rc = fetch_json_read(body, len, &jr, &r, why, size);
    if (rc == -2)
        snprintf(why, size, "%s", "out of memory");
    return rc == 0 ? 0 : -1;
}
