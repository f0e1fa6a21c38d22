/* SPDX-License-Identifier: Apache-2.0 */
/* account.c - account metadata from SmartHub user-data and billing
 * JSON (docs/smarthub.md sections 4 and 6), streamed with yajl.
 *
 * Kept: account numbers, service location numbers (map keys), meter numbers
 * (map keys), rate schedules, the billing cycle and a location's last bill
 * read dates (for the zone check of CSV exports). Everything else streams
 * past unread: names, addresses, e-mail, phone numbers and the hint question
 * and answer of "customerSummary" are never copied, and messages name an
 * account by its position and line, never by its number.
 *
 * JSON objects are unordered, so an account's pieces are gathered until its
 * object closes and only then handed to accounts_add. */
#include "convert/smarthub/account.h"

#include "common/decimal.h"
#include "common/error.h"
#include "common/grow.h"
#include "convert/smarthub/json_stream.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK 65536
#define SNIFF_BYTES 65536
#define MAX_DEPTH 64
#define MAX_TOKEN 65536    /* longest JSON string or bare value accepted */
#define MAX_ID 256         /* longest number or rate schedule name kept */
#define MAX_SCHEDULES 32   /* rate schedules of one location or account */
#define MAX_METERS 1024    /* meters of one location */
#define MAX_LOCATIONS 4096 /* service locations of one account */
#define MAX_KEPT 65536     /* locations, meters and schedules of a document */
#define NO_LOCATION SIZE_MAX
#define READ_DATE_MAX 7258118400LL /* 2200-01-01: a later read date is not one */

/* What the container on top of the stack is. */
typedef enum kind {
    K_TOP,
    K_DOCS,          /* the top-level array */
    K_ELEM,          /* one element: a user-data account or a billing object */
    K_UD_SUMMARIES,  /* serviceLocationIdToServiceLocationSummary: loc -> {} */
    K_UD_LISTS,      /* serviceLocationToUserDataServiceLocationSummaries: loc -> [] */
    K_UD_LIST,       /* [summary, ...] */
    K_UD_LOC,        /* a location summary */
    K_UD_SCHEDULES,  /* activeRateSchedules */
    K_UD_METERS,     /* meterNumbersToExternalMeterBaseIds: meter -> id */
    K_BILL_ACCOUNTS, /* accountBillingMap: account -> {} */
    K_BILL_ACCOUNT,
    K_BILL_SERVICES, /* serviceBillingMap or providerBillingMap: name -> {} */
    K_BILL_SERVICE,  /* a service or a provider */
    K_BILL_LOCS,     /* serviceLocationMap: loc -> {} */
    K_BILL_LOC,
    K_BILL_METERS, /* meters: meter -> {} */
    K_BILL_METER,
    K_SKIP
} kind;

/* The keys espi reads; F_KEY is a key that is data (a number or a name),
 * F_OTHER any other key. */
typedef enum field {
    F_NONE,
    F_OTHER,
    F_KEY,
    F_ACCOUNT,
    F_INACTIVE,
    F_PRIMARY_LOCATION,
    F_UD_SUMMARIES,
    F_UD_LISTS,
    F_SCHEDULES,
    F_METER_IDS,
    F_BILLING_MAP,
    F_CYCLE,
    F_PRIMARY_RATE,
    F_SERVICE_MAP,
    F_PROVIDER_MAP,
    F_LOCATION_MAP,
    F_METERS,
    F_RATE,
    F_PREV_READ,
    F_PRES_READ
} field;

static const struct field_name {
    kind in;
    const char *name;
    field f;
} field_names[] = {
    {K_ELEM, "account", F_ACCOUNT},
    {K_ELEM, "inactive", F_INACTIVE},
    {K_ELEM, "primaryServiceLocationId", F_PRIMARY_LOCATION},
    {K_ELEM, "serviceLocationIdToServiceLocationSummary", F_UD_SUMMARIES},
    {K_ELEM, "serviceLocationToUserDataServiceLocationSummaries", F_UD_LISTS},
    {K_ELEM, "accountBillingMap", F_BILLING_MAP},
    {K_UD_LOC, "activeRateSchedules", F_SCHEDULES},
    {K_UD_LOC, "meterNumbersToExternalMeterBaseIds", F_METER_IDS},
    {K_UD_LOC, "lastBillPrevReadDtTm", F_PREV_READ},
    {K_UD_LOC, "lastBillPresReadDtTm", F_PRES_READ},
    {K_BILL_ACCOUNT, "billingCycle", F_CYCLE},
    {K_BILL_ACCOUNT, "primaryRateSchedule", F_PRIMARY_RATE},
    {K_BILL_ACCOUNT, "serviceBillingMap", F_SERVICE_MAP},
    {K_BILL_ACCOUNT, "serviceLocationMap", F_LOCATION_MAP},
    {K_BILL_SERVICE, "providerBillingMap", F_PROVIDER_MAP},
    {K_BILL_SERVICE, "primaryRateSchedule", F_PRIMARY_RATE},
    {K_BILL_SERVICE, "serviceLocationMap", F_LOCATION_MAP},
    {K_BILL_LOC, "meters", F_METERS},
    {K_BILL_METER, "rateSchedule", F_RATE},
};

/* Which container a field opens: (parent, field, is_map) -> child. A
 * container of the other type is an error; any other one is skipped
 * ("customerSummary" among them, unread). */
static const struct child_rule {
    kind parent;
    field f;
    bool is_map;
    kind child;
    const char *expect;
} child_rules[] = {
    {K_TOP, F_NONE, false, K_DOCS, NULL},
    {K_TOP, F_NONE, true, K_ELEM, NULL},
    {K_DOCS, F_NONE, true, K_ELEM, "each element of the top-level array to be an object"},
    {K_ELEM, F_UD_SUMMARIES, true, K_UD_SUMMARIES,
     "\"serviceLocationIdToServiceLocationSummary\" to be an object"},
    {K_ELEM, F_UD_LISTS, true, K_UD_LISTS,
     "\"serviceLocationToUserDataServiceLocationSummaries\" to be an object"},
    {K_ELEM, F_BILLING_MAP, true, K_BILL_ACCOUNTS, "\"accountBillingMap\" to be an object"},
    {K_UD_SUMMARIES, F_KEY, true, K_UD_LOC, "each service location summary to be an object"},
    {K_UD_LISTS, F_KEY, false, K_UD_LIST, "each location's summaries to be an array"},
    {K_UD_LIST, F_NONE, true, K_UD_LOC, "each service location summary to be an object"},
    {K_UD_LOC, F_SCHEDULES, false, K_UD_SCHEDULES, "\"activeRateSchedules\" to be an array"},
    {K_UD_LOC, F_METER_IDS, true, K_UD_METERS,
     "\"meterNumbersToExternalMeterBaseIds\" to be an object"},
    {K_BILL_ACCOUNTS, F_KEY, true, K_BILL_ACCOUNT, "each account's billing to be an object"},
    {K_BILL_ACCOUNT, F_SERVICE_MAP, true, K_BILL_SERVICES, "\"serviceBillingMap\" to be an object"},
    {K_BILL_ACCOUNT, F_LOCATION_MAP, true, K_BILL_LOCS, "\"serviceLocationMap\" to be an object"},
    {K_BILL_SERVICES, F_KEY, true, K_BILL_SERVICE, "each service or provider to be an object"},
    {K_BILL_SERVICE, F_PROVIDER_MAP, true, K_BILL_SERVICES,
     "\"providerBillingMap\" to be an object"},
    {K_BILL_SERVICE, F_LOCATION_MAP, true, K_BILL_LOCS, "\"serviceLocationMap\" to be an object"},
    {K_BILL_LOCS, F_KEY, true, K_BILL_LOC, "each service location to be an object"},
    {K_BILL_LOC, F_METERS, true, K_BILL_METERS, "\"meters\" to be an object keyed by meter"},
    {K_BILL_METERS, F_KEY, true, K_BILL_METER, "each meter to be an object"},
};

/* What a scalar value at (container, key) is for. */
typedef enum action {
    A_ACCOUNT,
    A_INACTIVE,
    A_PRIMARY_LOCATION,
    A_UD_SCHEDULE,
    A_CYCLE,
    A_PRIMARY_RATE,
    A_METER_RATE,
    A_PREV_READ, /* read_dates[0] */
    A_PRES_READ  /* read_dates[1] */
} action;

static const struct scalar_rule {
    kind in;
    field f;
    action a;
    const char *name; /* for messages */
} scalar_rules[] = {
    {K_ELEM, F_ACCOUNT, A_ACCOUNT, "account"},
    {K_ELEM, F_INACTIVE, A_INACTIVE, "inactive"},
    {K_ELEM, F_PRIMARY_LOCATION, A_PRIMARY_LOCATION, "primaryServiceLocationId"},
    {K_UD_LOC, F_SCHEDULES, A_UD_SCHEDULE, "activeRateSchedules"},
    {K_UD_SCHEDULES, F_NONE, A_UD_SCHEDULE, "activeRateSchedules"},
    {K_BILL_ACCOUNT, F_CYCLE, A_CYCLE, "billingCycle"},
    {K_BILL_ACCOUNT, F_PRIMARY_RATE, A_PRIMARY_RATE, "primaryRateSchedule"},
    {K_BILL_SERVICE, F_PRIMARY_RATE, A_PRIMARY_RATE, "primaryRateSchedule"},
    {K_BILL_METER, F_RATE, A_METER_RATE, "rateSchedule"},
    {K_UD_LOC, F_PREV_READ, A_PREV_READ, "lastBillPrevReadDtTm"},
    {K_UD_LOC, F_PRES_READ, A_PRES_READ, "lastBillPresReadDtTm"},
};

typedef struct strlist {
    char **v;
    size_t n, cap;
} strlist;

typedef struct location {
    char *id;
    strlist schedules;
    strlist meters;
    uint32_t line;
    int64_t read_dates[2]; /* last bill's read dates, UTC seconds (account_info) */
    uint32_t read_date_lines[2];
    uint8_t read_dates_given;
} location;

/* One account being gathered. */
typedef struct account {
    char *number;
    char *primary_location; /* user-data: used when no location is listed */
    char *cycle;            /* billing */
    strlist primaries;      /* billing: primaryRateSchedule(s) */
    location *locs;
    size_t nlocs, cap;
    size_t cur; /* the location being read, or NO_LOCATION */
    uint32_t line;
    bool inactive;
    bool seen; /* user-data: the element is an account */
} account;

typedef struct frame {
    kind k;
    field key; /* last key read in this map */
} frame;

typedef struct parser {
    const convert_input *in;
    espi_error *err;
    json_stream js;
    frame stack[MAX_DEPTH];
    int depth;
    account ud;                     /* the user-data element being read */
    account bill;                   /* the accountBillingMap entry being read */
    size_t elements, bill_accounts; /* for "account #N" */
    size_t kept;
    bool blank_meter; /* the billing meter being read has a blank number */
    bool is_user_data, is_billing;
} parser;

static bool is_blank(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool all_blank(const unsigned char *s, size_t len)
{
    while (len > 0 && is_blank(*s))
        s++, len--;
    return len == 0;
}

/* ------------------------------------------------------------------ */
/* Sniffing                                                            */
/* ------------------------------------------------------------------ */

bool sh_account_sniff(const unsigned char *head, size_t n)
{
    if (n > SNIFF_BYTES)
        n = SNIFF_BYTES;
    size_t i = json_stream_text_start(head, n);
    if (i == n || (head[i] != '[' && head[i] != '{'))
        return false;
    head += i, n -= i;
    if (json_stream_has_key(head, n, "accountBillingMap"))
        return true;
    return json_stream_has_key(head, n, "account") &&
           (json_stream_has_key(head, n, "serviceLocationIdToServiceLocationSummary") ||
            json_stream_has_key(head, n, "primaryServiceLocationId") ||
            json_stream_has_key(head, n, "customer"));
}

/* ------------------------------------------------------------------ */
/* Locations in the text and errors                                    */
/* ------------------------------------------------------------------ */

/* Where the token just read ends. */
static err_loc here(parser *p)
{
    return json_stream_here(&p->js, NULL);
}

static uint32_t here_line(parser *p)
{
    unsigned long line = here(p).line;
    return line > UINT32_MAX ? UINT32_MAX : (uint32_t)line;
}

/* Sets a located error and returns 0, which cancels the yajl parse. */
static int fail(parser *p, espi_status status, const char *code, const char *fmt, ...)
    ATTR_PRINTF(4, 5);

static int fail(parser *p, espi_status status, const char *code, const char *fmt, ...)
{
    err_loc loc = here(p);
    va_list ap;
    va_start(ap, fmt);
    err_vfail(p->err, status, code, &loc, fmt, ap);
    va_end(ap);
    return 0;
}

static int fail_nomem(parser *p)
{
    err_fail(p->err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    return 0;
}

static void warn(parser *p, const char *code, uint32_t line, const char *fmt, ...)
    ATTR_PRINTF(4, 5);

static void warn(parser *p, const char *code, uint32_t line, const char *fmt, ...)
{
    err_loc loc = {p->in->name, line, 0, NULL};
    va_list ap;
    va_start(ap, fmt);
    diag_vemit(p->in->on_diag, p->in->diag_ctx, ESPI_SEV_WARNING, code, &loc, fmt, ap);
    va_end(ap);
}

/* ------------------------------------------------------------------ */
/* What is kept                                                        */
/* ------------------------------------------------------------------ */

/* Checks a value about to be kept; 0 with the error set when it cannot be. */
static int check_id(parser *p, const unsigned char *s, size_t len)
{
    if (len > MAX_ID)
        return fail(p, ESPI_E_LIMIT, "account-text-too-long",
                    "a number or rate schedule name is longer than %d bytes", MAX_ID);
    if (memchr(s, '\0', len) != NULL)
        return fail(p, ESPI_E_INPUT, "account-nul",
                    "a number or rate schedule name contains a NUL character (%s)", "\\u0000");
    return 1;
}

static char *copy_text(const unsigned char *s, size_t len)
{
    char *c = malloc(len + 1);
    if (c != NULL) {
        memcpy(c, s, len);
        c[len] = '\0';
    }
    return c;
}

/* Replaces *slot with a copy of s; a blank value leaves *slot NULL. */
static int set_id(parser *p, char **slot, const unsigned char *s, size_t len)
{
    if (!check_id(p, s, len))
        return 0;
    free(*slot);
    *slot = NULL;
    if (all_blank(s, len))
        return 1;
    *slot = copy_text(s, len);
    return *slot != NULL ? 1 : fail_nomem(p);
}

static bool same(const char *kept, const unsigned char *s, size_t len)
{
    return strlen(kept) == len && memcmp(kept, s, len) == 0;
}

static int count_kept(parser *p)
{
    if (++p->kept <= MAX_KEPT)
        return 1;
    return fail(p, ESPI_E_LIMIT, "account-too-large",
                "the document names more than %d locations, meters and rate schedules in all",
                MAX_KEPT);
}

static void strlist_free(strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

/* Adds a copy of s unless it is blank or there already; max bounds l. */
static int strlist_add(parser *p, strlist *l, size_t max, const char *what, const unsigned char *s,
                       size_t len)
{
    if (!check_id(p, s, len))
        return 0;
    if (all_blank(s, len))
        return 1;
    for (size_t i = 0; i < l->n; i++)
        if (same(l->v[i], s, len))
            return 1;
    if (l->n >= max)
        return fail(p, ESPI_E_LIMIT, "account-too-many", "more than %zu %s", max, what);
    if (!count_kept(p))
        return 0;
    char **grown = grow_array(l->v, &l->cap, l->n, sizeof *l->v, 4);
    if (grown == NULL)
        return fail_nomem(p);
    l->v = grown;
    if ((l->v[l->n] = copy_text(s, len)) == NULL)
        return fail_nomem(p);
    l->n++;
    return 1;
}

/* Joins l with ","; *out is NULL when l is empty. 0 when out of memory. */
static int strlist_join(const strlist *l, char **out)
{
    *out = NULL;
    if (l->n == 0)
        return 1;
    size_t size = 0;
    for (size_t i = 0; i < l->n; i++)
        size += strlen(l->v[i]) + 1;
    char *s = malloc(size);
    if (s == NULL)
        return 0;
    size_t at = 0;
    for (size_t i = 0; i < l->n; i++) {
        size_t k = strlen(l->v[i]);
        if (i > 0)
            s[at++] = ',';
        memcpy(s + at, l->v[i], k);
        at += k;
    }
    s[at] = '\0';
    *out = s;
    return 1;
}

static void account_reset(account *a)
{
    free(a->number);
    free(a->primary_location);
    free(a->cycle);
    strlist_free(&a->primaries);
    for (size_t i = 0; i < a->nlocs; i++) {
        free(a->locs[i].id);
        strlist_free(&a->locs[i].schedules);
        strlist_free(&a->locs[i].meters);
    }
    free(a->locs);
    memset(a, 0, sizeof *a);
    a->cur = NO_LOCATION;
}

/* Makes the location named s (found or added) the current one of a. */
static int location_at(parser *p, account *a, const unsigned char *s, size_t len)
{
    a->cur = NO_LOCATION;
    if (!check_id(p, s, len))
        return 0;
    if (all_blank(s, len))
        return 1;
    for (size_t i = 0; i < a->nlocs; i++)
        if (same(a->locs[i].id, s, len)) {
            a->cur = i;
            return 1;
        }
    if (a->nlocs >= MAX_LOCATIONS)
        return fail(p, ESPI_E_LIMIT, "account-too-many",
                    "more than %d service locations in one account", MAX_LOCATIONS);
    if (!count_kept(p))
        return 0;
    location *grown = grow_array(a->locs, &a->cap, a->nlocs, sizeof *a->locs, 4);
    if (grown == NULL)
        return fail_nomem(p);
    a->locs = grown;
    location *l = &a->locs[a->nlocs];
    memset(l, 0, sizeof *l);
    if ((l->id = copy_text(s, len)) == NULL)
        return fail_nomem(p);
    l->line = here_line(p);
    a->cur = a->nlocs++;
    return 1;
}

static int add_meter(parser *p, account *a, const unsigned char *s, size_t len)
{
    if (a->cur == NO_LOCATION)
        return 1;
    return strlist_add(p, &a->locs[a->cur].meters, MAX_METERS, "meters at one service location", s,
                       len);
}

static int add_schedule(parser *p, account *a, const unsigned char *s, size_t len)
{
    if (a->cur == NO_LOCATION)
        return 1;
    return strlist_add(p, &a->locs[a->cur].schedules, MAX_SCHEDULES,
                       "rate schedules at one service location", s, len);
}

/* ------------------------------------------------------------------ */
/* Records                                                             */
/* ------------------------------------------------------------------ */

/* Hands one record to the converter (which copies it); schedules and
 * meters may be NULL, and so may dates (the location whose read dates go
 * with the record). */
static int emit(parser *p, const account *a, char *loc, const strlist *schedules, char *cycle,
                const strlist *meters, uint32_t line, const location *dates)
{
    account_info info = {0};
    if (dates != NULL) {
        memcpy(info.read_dates, dates->read_dates, sizeof info.read_dates);
        memcpy(info.read_date_lines, dates->read_date_lines, sizeof info.read_date_lines);
        info.read_dates_given = dates->read_dates_given;
    }
    if (schedules != NULL && !strlist_join(schedules, &info.tariff_profile))
        return fail_nomem(p);
    info.account = a->number;
    info.location = loc;
    info.read_cycle = cycle;
    info.meters = meters ? meters->v : NULL;
    info.nmeters = meters ? meters->n : 0;
    info.line = line;
    info.source = p->in->source;
    int rc = accounts_add(p->in, &info, p->err);
    free(info.tariff_profile);
    if (rc != 0 && p->err->status == ESPI_OK)
        err_fail(p->err, rc, "account-add", NULL, "the account record cannot be kept");
    return rc == 0;
}

static int emit_locations(parser *p, const account *a)
{
    for (size_t i = 0; i < a->nlocs; i++) {
        const location *l = &a->locs[i];
        if (!emit(p, a, l->id, &l->schedules, NULL, &l->meters, l->line, l))
            return 0;
    }
    return 1;
}

/* A user-data element closes: one record per service location. */
static int finish_user_data(parser *p)
{
    account *a = &p->ud;
    int ok = 1;
    if (!a->seen)
        goto done; /* not an account (a billing object, say) */
    if (a->number == NULL) {
        warn(p, "account-no-number", a->line,
             "account #%zu has no \"account\" number; it is skipped", p->elements);
        goto done;
    }
    if (a->inactive) {
        warn(p, "account-inactive", a->line,
             "account #%zu is inactive (\"inactive\": true); it is skipped", p->elements);
        goto done;
    }
    ok = emit_locations(p, a);
    if (ok && a->nlocs == 0)
        ok = emit(p, a, a->primary_location, NULL, NULL, NULL, a->line, NULL);
done:
    account_reset(a);
    return ok;
}

/* A billing account closes: the billing cycle and primary rate schedule
 * hold for every location (location NULL), then each location's meters
 * and their rate schedules, which the converter applies after it. */
static int finish_billing(parser *p)
{
    account *a = &p->bill;
    int ok = 1;
    if (a->number == NULL) {
        warn(p, "account-no-number", a->line,
             "account #%zu of \"accountBillingMap\" has a blank number; it is skipped",
             p->bill_accounts);
        goto done;
    }
    if (a->cycle != NULL || a->primaries.n > 0 || a->nlocs == 0)
        ok = emit(p, a, NULL, &a->primaries, a->cycle, NULL, a->line, NULL);
    if (ok)
        ok = emit_locations(p, a);
done:
    account_reset(a);
    return ok;
}

/* ------------------------------------------------------------------ */
/* Scalars and keys                                                    */
/* ------------------------------------------------------------------ */

static const struct scalar_rule *find_scalar_rule(kind k, field f)
{
    for (size_t i = 0; i < sizeof scalar_rules / sizeof scalar_rules[0]; i++)
        if (scalar_rules[i].in == k && scalar_rules[i].f == f)
            return &scalar_rules[i];
    return NULL;
}

/* A last bill read date: epoch milliseconds (a number, or a string of
 * one). One that is not a time between 1970 and 2200 is not used, with a
 * warning: it only serves to check the zone. */
static int read_date(parser *p, int k, const char *name, const unsigned char *s, size_t len)
{
    account *a = &p->ud;
    if (a->cur == NO_LOCATION)
        return 1;
    int64_t t = 0;
    dec_info info;
    if (dec_scale(&t, &info, (const char *)s, len, -3) != DEC_OK || t <= 0 || t >= READ_DATE_MAX) {
        warn(p, "account-read-date", here_line(p),
             "\"%s\" of service location #%zu is not a time in epoch milliseconds "
             "(1970-2200); it is not used to check the zone",
             name, a->cur + 1);
        return 1;
    }
    location *l = &a->locs[a->cur];
    l->read_dates[k] = t;
    l->read_date_lines[k] = here_line(p);
    l->read_dates_given |= (uint8_t)(1u << k);
    return 1;
}

static int apply_text(parser *p, action a, const unsigned char *s, size_t len)
{
    switch (a) {
    case A_ACCOUNT: p->ud.seen = p->is_user_data = true; return set_id(p, &p->ud.number, s, len);
    case A_PRIMARY_LOCATION: return set_id(p, &p->ud.primary_location, s, len);
    case A_UD_SCHEDULE: return add_schedule(p, &p->ud, s, len);
    case A_CYCLE: return set_id(p, &p->bill.cycle, s, len);
    case A_PRIMARY_RATE:
        return strlist_add(p, &p->bill.primaries, MAX_SCHEDULES,
                           "primary rate schedules in one account", s, len);
    case A_METER_RATE: return p->blank_meter ? 1 : add_schedule(p, &p->bill, s, len);
    case A_PREV_READ: return read_date(p, 0, "lastBillPrevReadDtTm", s, len);
    case A_PRES_READ: return read_date(p, 1, "lastBillPresReadDtTm", s, len);
    case A_INACTIVE: break;
    }
    return 1;
}

static int on_scalar(json_scalar t, const unsigned char *s, size_t len, void *ctx)
{
    parser *p = ctx;
    const frame *top = &p->stack[p->depth - 1];
    if (top->k == K_DOCS)
        return fail(p, ESPI_E_INPUT, "account-bad-structure",
                    "unexpected JSON structure: expected %s",
                    "each element of the top-level array to be an object");
    const struct scalar_rule *r = find_scalar_rule(top->k, top->key);
    if (r == NULL || t == JSON_NULL)
        return 1;
    if (r->a == A_INACTIVE) {
        p->ud.inactive = t != JSON_NUMBER && len == 4 && memcmp(s, "true", 4) == 0;
        return 1;
    }
    if (t == JSON_BOOL)
        return fail(p, ESPI_E_INPUT, "account-bad-field", "\"%s\" is %s; expected text", r->name,
                    "true or false");
    return apply_text(p, r->a, s, len);
}

/* Maps whose keys are numbers or names rather than field names. */
static bool keys_are_data(kind k)
{
    return k == K_UD_SUMMARIES || k == K_UD_LISTS || k == K_UD_METERS || k == K_BILL_ACCOUNTS ||
           k == K_BILL_SERVICES || k == K_BILL_LOCS || k == K_BILL_METERS;
}

static field lookup_field(kind k, const unsigned char *s, size_t len)
{
    if (keys_are_data(k))
        return F_KEY;
    for (size_t i = 0; i < sizeof field_names / sizeof field_names[0]; i++) {
        const struct field_name *fn = &field_names[i];
        if (fn->in == k && same(fn->name, s, len))
            return fn->f;
    }
    return F_OTHER;
}

/* A new entry of accountBillingMap: its key is the account number. */
static int begin_billing_account(parser *p, const unsigned char *s, size_t len)
{
    account_reset(&p->bill);
    p->bill_accounts++;
    return set_id(p, &p->bill.number, s, len);
}

static int on_key(const unsigned char *s, size_t len, void *ctx)
{
    parser *p = ctx;
    frame *top = &p->stack[p->depth - 1];
    top->key = lookup_field(top->k, s, len);
    switch (top->k) {
    case K_UD_SUMMARIES:
    case K_UD_LISTS: return location_at(p, &p->ud, s, len);
    case K_UD_METERS: return add_meter(p, &p->ud, s, len);
    case K_BILL_ACCOUNTS: return begin_billing_account(p, s, len);
    case K_BILL_LOCS: return location_at(p, &p->bill, s, len);
    case K_BILL_METERS: p->blank_meter = all_blank(s, len); return add_meter(p, &p->bill, s, len);
    default: return 1;
    }
}

/* ------------------------------------------------------------------ */
/* Containers                                                          */
/* ------------------------------------------------------------------ */

/* The kind of a container opened at the current position. */
static int child_kind(parser *p, bool is_map, kind *out)
{
    const frame *top = &p->stack[p->depth - 1];
    *out = K_SKIP;
    if (top->k == K_SKIP)
        return 1;
    const struct child_rule *other = NULL;
    for (size_t i = 0; i < sizeof child_rules / sizeof child_rules[0]; i++) {
        const struct child_rule *r = &child_rules[i];
        if (r->parent != top->k || r->f != top->key)
            continue;
        if (r->is_map == is_map) {
            *out = r->child;
            return 1;
        }
        other = r;
    }
    if (other != NULL && other->expect != NULL)
        return fail(p, ESPI_E_INPUT, "account-bad-structure",
                    "unexpected JSON structure: expected %s", other->expect);
    return 1;
}

static void begin(parser *p, kind k)
{
    switch (k) {
    case K_ELEM:
        account_reset(&p->ud);
        p->ud.line = here_line(p);
        p->elements++;
        break;
    case K_UD_SUMMARIES:
    case K_UD_LISTS: p->ud.seen = p->is_user_data = true; break;
    case K_BILL_ACCOUNTS: p->is_billing = true; break;
    case K_BILL_ACCOUNT: p->bill.line = here_line(p); break;
    default: break;
    }
}

static int open_container(bool is_map, void *ctx)
{
    parser *p = ctx;
    kind k;
    if (!child_kind(p, is_map, &k))
        return 0;
    if (p->depth >= MAX_DEPTH)
        return fail(p, ESPI_E_INPUT, "account-too-deep", "JSON nesting deeper than %d levels",
                    MAX_DEPTH);
    begin(p, k);
    p->stack[p->depth++] = (frame){k, F_NONE};
    return 1;
}

static int close_container(void *ctx)
{
    parser *p = ctx;
    switch (p->stack[--p->depth].k) {
    case K_ELEM: return finish_user_data(p);
    case K_BILL_ACCOUNT: return finish_billing(p);
    default: return 1;
    }
}

static const json_handlers handlers = {on_scalar, on_key, open_container, close_container};

/* ------------------------------------------------------------------ */
/* Driving the parse                                                   */
/* ------------------------------------------------------------------ */

#define EXPECTED                                                                                   \
    "expected the JSON body of SmartHub secured/user-data (an array of accounts) or "              \
    "secured/billing (an array with \"accountBillingMap\")"

static const json_stream_spec spec = {
    .chunk = CHUNK,
    .max_token = MAX_TOKEN,
    .not_json_code = "account-not-json",
    .not_json_text = "the file is not a JSON array or object; " EXPECTED,
    .html_code = "account-html",
    .html_text =
        "the file is an HTML or XML page, not JSON (a portal error or login page?); " EXPECTED,
    .empty_code = "account-empty",
    .empty_text = "the file is empty; " EXPECTED,
    .token_code = "account-token-too-long",
    .syntax_code = "account-json-syntax",
};

/* The parse, then the check that the text was an account document. */
static int parse_document(parser *p, FILE *f, size_t chunk)
{
    json_stream_spec sp = spec;
    sp.chunk = chunk;
    int rc = json_stream_parse(&p->js, &sp, &handlers, p, f, p->in->name, p->err);
    if (rc != 0 || p->is_user_data || p->is_billing)
        return rc;
    err_loc loc = {p->in->name, 0, 0, NULL};
    return err_fail(p->err, ESPI_E_INPUT, "account-unknown-document", &loc,
                    "the JSON holds no SmartHub account (no \"account\" nor "
                    "\"accountBillingMap\"); " EXPECTED);
}

/* A document that fails adds nothing: the records it handed over before
 * the error are taken back from the converter's list. */
static void take_back(const convert_input *in, size_t keep)
{
    for (size_t i = keep; i < *in->naccounts; i++)
        account_info_free(&(*in->accounts)[i]);
    *in->naccounts = keep;
}

int sh_account_read_chunked(const convert_input *in, FILE *f, size_t chunk, espi_error *err)
{
    assert(chunk > 0);
    size_t had = *in->naccounts;
    memset(err, 0, sizeof *err);
    parser *p = calloc(1, sizeof *p);
    if (p == NULL)
        return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    p->in = in;
    p->err = err;
    p->ud.cur = p->bill.cur = NO_LOCATION;
    p->stack[p->depth++] = (frame){K_TOP, F_NONE};
    int rc = parse_document(p, f, chunk);
    account_reset(&p->ud); /* what an error left half gathered */
    account_reset(&p->bill);
    free(p);
    if (rc != 0)
        take_back(in, had);
    return rc;
}

int sh_account_read_into(const convert_input *in, FILE *f, espi_error *err)
{
    return sh_account_read_chunked(in, f, CHUNK, err);
}
