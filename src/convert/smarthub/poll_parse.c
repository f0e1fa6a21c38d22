/* SPDX-License-Identifier: Apache-2.0 */
/* poll_parse.c - streaming parse of a SmartHub poll response with yajl.
 *
 * Only status, data.<INDUSTRY>[].{type, unitOfMeasure, accountNumber,
 * serviceLocationNumber, timeFrame, startDateTime, endDateTime,
 * baseUsageParameters.{startDateTime, endDateTime}, meters[], series[],
 * xToOrderedInterval} are kept; everything else (baseSeries and
 * meterToChartData, which repeat every point) is skipped as it streams
 * past, so memory follows the number of points, not the size of the text. Numbers arrive as text
 * and are kept as exact decimals. */
#include "common/error.h"
#include "common/grow.h"
#include "convert/smarthub/json_stream.h"
#include "convert/smarthub/poll.h"

#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64
#define MAX_STRING 1024
/* Millisecond times beyond +-2^53 are not times (nor exact in JavaScript,
 * where they come from); the bound also keeps end - start from overflowing. */
#define MAX_MS ((int64_t)1 << 53)

/* What the container on top of the stack is. */
typedef enum kind {
    K_TOP,
    K_ROOT,
    K_DATA,
    K_INDUSTRY,
    K_ENTRY,
    K_METERS,
    K_METER,
    K_SERIES_LIST,
    K_SERIES,
    K_POINTS,
    K_POINT,
    K_X2OI,
    K_X2OI_ITEM,
    K_X2OI_INTERVAL,
    K_BUP, /* baseUsageParameters: the request, echoed */
    K_SKIP
} kind;

/* The fields espi reads; F_OTHER is any other key. */
typedef enum field {
    F_NONE,
    F_OTHER,
    F_STATUS,
    F_DATA,
    F_TYPE,
    F_UNIT,
    F_ACCOUNT,
    F_LOCATION,
    F_TIME_FRAME,
    F_METERS,
    F_SERIES,
    F_X2OI,
    F_METER_NUMBER,
    F_SERIES_ID,
    F_FLOW,
    F_NAME,
    F_POINTS,
    F_X,
    F_Y,
    F_INTERVAL,
    F_START,
    F_END,
    F_INDUSTRY_KEY,
    F_ENTRY_END,
    F_ENTRY_START,
    F_BUP,
    F_BUP_START,
    F_BUP_END,
    F_RATE_NAME
} field;

typedef struct field_name {
    kind in;
    const char *name;
    field f;
} field_name;

static const field_name field_names[] = {
    {K_ROOT, "status", F_STATUS},
    {K_ROOT, "data", F_DATA},
    {K_ENTRY, "type", F_TYPE},
    {K_ENTRY, "unitOfMeasure", F_UNIT},
    {K_ENTRY, "accountNumber", F_ACCOUNT},
    {K_ENTRY, "serviceLocationNumber", F_LOCATION},
    {K_ENTRY, "timeFrame", F_TIME_FRAME},
    {K_ENTRY, "meters", F_METERS},
    {K_ENTRY, "series", F_SERIES},
    {K_ENTRY, "xToOrderedInterval", F_X2OI},
    {K_ENTRY, "endDateTime", F_ENTRY_END},
    {K_ENTRY, "startDateTime", F_ENTRY_START},
    {K_ENTRY, "baseUsageParameters", F_BUP},
    {K_BUP, "startDateTime", F_BUP_START},
    {K_BUP, "endDateTime", F_BUP_END},
    {K_METER, "rateName", F_RATE_NAME},
    {K_SERIES, "rateName", F_RATE_NAME},
    {K_METER, "meterNumber", F_METER_NUMBER},
    {K_METER, "seriesId", F_SERIES_ID},
    {K_METER, "flowDirection", F_FLOW},
    {K_SERIES, "name", F_NAME},
    {K_SERIES, "meterNumber", F_METER_NUMBER},
    {K_SERIES, "data", F_POINTS},
    {K_POINT, "x", F_X},
    {K_POINT, "y", F_Y},
    {K_X2OI_ITEM, "interval", F_INTERVAL},
    {K_X2OI_INTERVAL, "start", F_START},
    {K_X2OI_INTERVAL, "end", F_END},
};

/* Which container a field opens: (parent, field, is_map) -> child. */
typedef struct child_rule {
    kind parent;
    field f;
    bool is_map;
    kind child;
    const char *expect; /* for the error when the type is wrong */
} child_rule;

static const child_rule child_rules[] = {
    {K_TOP, F_NONE, true, K_ROOT, "the response to be a JSON object"},
    {K_ROOT, F_DATA, true, K_DATA, "\"data\" to be an object"},
    {K_DATA, F_INDUSTRY_KEY, false, K_INDUSTRY, NULL},
    {K_DATA, F_INDUSTRY_KEY, true, K_SKIP, NULL},      /* not an industry: ignored */
    {K_ROOT, F_INDUSTRY_KEY, false, K_INDUSTRY, NULL}, /* the older bare body */
    {K_ROOT, F_INDUSTRY_KEY, true, K_SKIP, NULL},
    {K_INDUSTRY, F_NONE, true, K_ENTRY, "each usage entry to be an object"},
    {K_ENTRY, F_METERS, false, K_METERS, "\"meters\" to be an array"},
    {K_METERS, F_NONE, true, K_METER, "each meter to be an object"},
    {K_ENTRY, F_SERIES, false, K_SERIES_LIST, "\"series\" to be an array"},
    {K_SERIES_LIST, F_NONE, true, K_SERIES, "each series to be an object"},
    {K_SERIES, F_POINTS, false, K_POINTS, "a series' \"data\" to be an array"},
    {K_POINTS, F_NONE, true, K_POINT, "each data point to be an object {\"x\", \"y\"}"},
    {K_ENTRY, F_X2OI, true, K_X2OI, "\"xToOrderedInterval\" to be an object"},
    {K_X2OI, F_OTHER, true, K_X2OI_ITEM, "each xToOrderedInterval value to be an object"},
    {K_X2OI_ITEM, F_INTERVAL, true, K_X2OI_INTERVAL, "\"interval\" to be an object"},
    {K_ENTRY, F_BUP, true, K_BUP, NULL},
    {K_ENTRY, F_BUP, false, K_SKIP, NULL}, /* not the echo espi knows: ignored */
};

typedef struct frame {
    kind k;
    field key;     /* last key read in this map */
    int64_t key_x; /* K_X2OI: the key as a number */
    bool key_x_ok;
} frame;

typedef struct parser {
    sh_doc *doc;
    espi_error *err;
    json_stream js;
    frame stack[MAX_DEPTH];
    int depth;
    /* what is being built */
    sh_entry entry;
    sh_meter meter;
    sh_series series;
    sh_point point;
    bool point_has_x;
    sh_interval interval;
    bool interval_start, interval_end;
    char industry[64];
    /* the top level, judged when the parse ends (check_document) */
    unsigned root_marks; /* ROOT_* keys seen */
    bool saw_industry;   /* an industry array, under "data" or bare */
} parser;

/* ------------------------------------------------------------------ */
/* Locations                                                           */
/* ------------------------------------------------------------------ */

/* Location of the end of the token just read. */
static err_loc here(parser *p, const char *where)
{
    return json_stream_here(&p->js, where);
}

/* Sets a located input error; series (may be NULL) names the series. */
static int fail(parser *p, const char *code, const char *series, const char *fmt, ...)
    ATTR_PRINTF(4, 5);

static int fail(parser *p, const char *code, const char *series, const char *fmt, ...)
{
    char where[160];
    if (series)
        snprintf(where, sizeof where, "series %s", series);
    err_loc loc = here(p, series ? where : NULL);
    va_list ap;
    va_start(ap, fmt);
    err_vfail(p->err, ESPI_E_INPUT, code, &loc, fmt, ap);
    va_end(ap);
    return 0; /* cancels the yajl parse */
}

static int fail_nomem(parser *p)
{
    err_fail(p->err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    return 0;
}

/* ------------------------------------------------------------------ */
/* Building the document                                               */
/* ------------------------------------------------------------------ */

static char *copy_text(const unsigned char *s, size_t len)
{
    char *c = malloc(len + 1);
    if (c) {
        memcpy(c, s, len);
        c[len] = '\0';
    }
    return c;
}

/* Replaces *slot with a copy of s; 0 on failure (message set). */
static int set_text(parser *p, char **slot, const unsigned char *s, size_t len)
{
    if (len > MAX_STRING)
        return fail(p, "json-string-too-long", NULL, "a text field is longer than %s characters",
                    "1024");
    if (memchr(s, '\0', len) != NULL)
        return fail(p, "json-nul", NULL, "a text field contains a NUL character (%s)", "\\u0000");
    char *c = copy_text(s, len);
    if (c == NULL)
        return fail_nomem(p);
    free(*slot);
    *slot = c;
    return 1;
}

static void meter_free(sh_meter *m)
{
    free(m->meter_number);
    free(m->series_id);
    free(m->flow_direction);
    free(m->rate_name);
}

static void series_free(sh_series *s)
{
    free(s->name);
    free(s->meter_number);
    free(s->rate_name);
    free(s->points);
}

static void entry_free(sh_entry *e)
{
    free(e->industry);
    free(e->type);
    free(e->unit);
    free(e->account);
    free(e->location);
    free(e->time_frame);
    for (size_t i = 0; i < e->nmeters; i++)
        meter_free(&e->meters[i]);
    free(e->meters);
    for (size_t i = 0; i < e->nseries; i++)
        series_free(&e->series[i]);
    free(e->series);
    free(e->intervals);
}

void sh_doc_free(sh_doc *doc)
{
    free(doc->status);
    for (size_t i = 0; i < doc->nentries; i++)
        entry_free(&doc->entries[i]);
    free(doc->entries);
    memset(doc, 0, sizeof *doc);
}

/* Appends *item (size bytes) to a growable array; 0 on failure. */
static int push(parser *p, void **items, size_t *n, size_t *cap, const void *item, size_t size)
{
    void *g = grow_array(*items, cap, *n, size, 16);
    if (g == NULL)
        return fail_nomem(p);
    memcpy((char *)g + *n * size, item, size);
    *items = g;
    (*n)++;
    return 1;
}

static int finish_point(parser *p)
{
    if (!p->point_has_x)
        return fail(p, "smarthub-point-no-x", p->series.name,
                    "a data point has no \"x\"; expected {\"x\": <ms>, \"y\": <%s>}",
                    "number or null");
    if (++p->doc->npoints > SH_MAX_POINTS) {
        err_loc loc = here(p, NULL);
        err_fail(p->err, ESPI_E_LIMIT, "smarthub-too-many-points", &loc,
                 "the response holds more than %u data points", SH_MAX_POINTS);
        return 0;
    }
    return push(p, (void **)&p->series.points, &p->series.npoints, &p->series.cap, &p->point,
                sizeof p->point);
}

static int finish_series(parser *p)
{
    if (!push(p, (void **)&p->entry.series, &p->entry.nseries, &p->entry.series_cap, &p->series,
              sizeof p->series)) {
        series_free(&p->series);
        memset(&p->series, 0, sizeof p->series);
        return 0;
    }
    memset(&p->series, 0, sizeof p->series);
    return 1;
}

static int finish_meter(parser *p)
{
    int ok = push(p, (void **)&p->entry.meters, &p->entry.nmeters, &p->entry.meters_cap, &p->meter,
                  sizeof p->meter);
    if (!ok)
        meter_free(&p->meter);
    memset(&p->meter, 0, sizeof p->meter);
    return ok;
}

static int finish_interval(parser *p)
{
    if (!p->interval_start || !p->interval_end)
        return 1; /* an item without a usable interval says nothing */
    return push(p, (void **)&p->entry.intervals, &p->entry.nintervals, &p->entry.intervals_cap,
                &p->interval, sizeof p->interval);
}

static int by_x(const void *a, const void *b)
{
    const sh_interval *x = a, *y = b;
    return (x->x_ms > y->x_ms) - (x->x_ms < y->x_ms);
}

static int finish_entry(parser *p)
{
    if (p->entry.nintervals > 1)
        sort_array(p->entry.intervals, p->entry.nintervals, sizeof *p->entry.intervals, by_x);
    p->entry.industry = strdup(p->industry);
    int ok = p->entry.industry != NULL && push(p, (void **)&p->doc->entries, &p->doc->nentries,
                                               &p->doc->entries_cap, &p->entry, sizeof p->entry);
    if (!ok) {
        entry_free(&p->entry);
        if (p->err->status == ESPI_OK)
            fail_nomem(p);
    }
    memset(&p->entry, 0, sizeof p->entry);
    return ok;
}

/* The first item of intervals[lo, hi) whose x is not below x_ms; hi if none. */
static size_t interval_lower_bound(const sh_entry *e, size_t lo, size_t hi, int64_t x_ms)
{
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (e->intervals[mid].x_ms < x_ms)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static const sh_interval *interval_at(const sh_entry *e, size_t i, int64_t x_ms)
{
    return i < e->nintervals && e->intervals[i].x_ms == x_ms ? &e->intervals[i] : NULL;
}

const sh_interval *sh_entry_interval(const sh_entry *e, int64_t x_ms)
{
    return interval_at(e, interval_lower_bound(e, 0, e->nintervals, x_ms), x_ms);
}

const sh_interval *sh_entry_interval_from(const sh_entry *e, int64_t x_ms, size_t *cursor)
{
    size_t n = e->nintervals, i = *cursor < n ? *cursor : n;
    if (i > 0 && e->intervals[i - 1].x_ms >= x_ms) {
        i = interval_lower_bound(e, 0, i, x_ms); /* x went back */
    } else {
        /* The item is at i or after: almost always i, else one after a gap. */
        for (int step = 0; step < 2 && i < n && e->intervals[i].x_ms < x_ms; step++)
            i++;
        if (i < n && e->intervals[i].x_ms < x_ms)
            i = interval_lower_bound(e, i + 1, n, x_ms);
    }
    *cursor = i;
    return interval_at(e, i, x_ms);
}

/* ------------------------------------------------------------------ */
/* Scalars                                                             */
/* ------------------------------------------------------------------ */

/* An integer in JSON number syntax (milliseconds); 0 when it is not one. */
static int parse_ms(const unsigned char *s, size_t len, int64_t *out)
{
    dec_info info;
    if (dec_scale(out, &info, (const char *)s, len, 0) != DEC_OK)
        return 0;
    return !info.rounded && *out >= -MAX_MS && *out <= MAX_MS;
}

static int point_scalar(parser *p, field f, json_scalar t, const unsigned char *s, size_t len)
{
    if (f == F_X) {
        if ((t != JSON_NUMBER && t != JSON_STRING) || !parse_ms(s, len, &p->point.x_ms))
            return fail(p, "smarthub-bad-x", p->series.name,
                        "\"x\" is not a whole number of milliseconds; expected %s",
                        "an integer such as 1772841600000");
        p->point_has_x = true;
        return 1;
    }
    if (f != F_Y)
        return 1;
    if (t == JSON_NULL) {
        p->point.has_y = false;
        return 1;
    }
    if ((t != JSON_NUMBER && t != JSON_STRING) ||
        dec_parse(&p->point.y, (const char *)s, len) != DEC_OK)
        return fail(p, "smarthub-bad-y", p->series.name, "\"y\" is not a number; expected %s",
                    "a number, or null for a missing reading");
    p->point.has_y = true;
    return 1;
}

static int interval_scalar(parser *p, field f, json_scalar t, const unsigned char *s, size_t len)
{
    if ((f != F_START && f != F_END) || t == JSON_NULL)
        return 1;
    int64_t v;
    if (t != JSON_NUMBER || !parse_ms(s, len, &v))
        return fail(p, "smarthub-bad-interval", NULL, "xToOrderedInterval has a non-integer %s",
                    f == F_START ? "start" : "end");
    if (f == F_START)
        p->interval.start_ms = v, p->interval_start = true;
    else
        p->interval.end_ms = v, p->interval_end = true;
    return 1;
}

/* Text fields: strings, or numbers written without quotes. */
static char **text_slot(parser *p, kind k, field f)
{
    if (k == K_ROOT && f == F_STATUS)
        return &p->doc->status;
    if (k == K_ENTRY) {
        switch (f) {
        case F_TYPE: return &p->entry.type;
        case F_UNIT: return &p->entry.unit;
        case F_ACCOUNT: return &p->entry.account;
        case F_LOCATION: return &p->entry.location;
        case F_TIME_FRAME: return &p->entry.time_frame;
        default: return NULL;
        }
    }
    if (k == K_METER) {
        switch (f) {
        case F_METER_NUMBER: return &p->meter.meter_number;
        case F_SERIES_ID: return &p->meter.series_id;
        case F_FLOW: return &p->meter.flow_direction;
        case F_RATE_NAME: return &p->meter.rate_name;
        default: return NULL;
        }
    }
    if (k == K_SERIES && f == F_NAME)
        return &p->series.name;
    if (k == K_SERIES && f == F_METER_NUMBER)
        return &p->series.meter_number;
    if (k == K_SERIES && f == F_RATE_NAME)
        return &p->series.rate_name;
    return NULL;
}

/* The request bounds an entry echoes: startDateTime, and the start and
 * end of baseUsageParameters. */
static sh_instant *instant_slot(parser *p, kind k, field f)
{
    if (k == K_ENTRY && f == F_ENTRY_START)
        return &p->entry.start;
    if (k == K_BUP && f == F_BUP_START)
        return &p->entry.bup_start;
    if (k == K_BUP && f == F_BUP_END)
        return &p->entry.bup_end;
    return NULL;
}

static int on_scalar(json_scalar t, const unsigned char *s, size_t len, void *ctx)
{
    parser *p = ctx;
    frame *top = &p->stack[p->depth - 1];
    if (top->k == K_TOP)
        return fail(p, "smarthub-not-object", NULL, "the response is %s, not a JSON object",
                    "a bare value");
    if (top->k == K_POINTS)
        return fail(p, "smarthub-bad-point", p->series.name,
                    "a data point is %s; expected an object {\"x\", \"y\"}", "not an object");
    if (top->k == K_POINT)
        return point_scalar(p, top->key, t, s, len);
    if (top->k == K_X2OI_INTERVAL)
        return interval_scalar(p, top->key, t, s, len);
    if (top->k == K_ENTRY && top->key == F_ENTRY_END) {
        /* the request's end, a true UTC instant: "as of" for bills; a value
         * that is not milliseconds is left out, as nothing depends on it */
        p->entry.has_end =
            (t == JSON_NUMBER || t == JSON_STRING) && parse_ms(s, len, &p->entry.end_ms);
        p->entry.end_line = (uint32_t)here(p, NULL).line;
        return 1;
    }
    sh_instant *when = instant_slot(p, top->k, top->key);
    if (when != NULL) {
        /* evidence of the zone (poll_model.c); not milliseconds: no evidence */
        when->given = (t == JSON_NUMBER || t == JSON_STRING) && parse_ms(s, len, &when->ms);
        when->line = (uint32_t)here(p, NULL).line;
        return 1;
    }
    char **slot = text_slot(p, top->k, top->key);
    if (slot == NULL || t == JSON_NULL)
        return 1;
    if (t == JSON_BOOL)
        return fail(p, "smarthub-bad-field", NULL, "a field espi reads is %s; expected text",
                    "true or false");
    if (top->k == K_ROOT && top->key == F_STATUS)
        p->doc->status_line = (uint32_t)here(p, NULL).line;
    return set_text(p, slot, s, len);
}

/* ------------------------------------------------------------------ */
/* The top level: wrappings, and answers that are not usage           */
/* ------------------------------------------------------------------ */

/* Industries that SmartHub's older synchronous secured/utility-usage
 * request answers at the top level, without "status" and "data". */
static const char *const bare_industries[] = {"ELECTRIC", "GAS", "WATER"};

/* Top-level keys of other SmartHub answers; their values are never read
 * (the login answer's token among them). */
enum { ROOT_LOGIN = 1, ROOT_USER_DATA = 2, ROOT_BILLING = 4, ROOT_HAR = 8 };

static const struct root_mark {
    const char *name;
    unsigned mark;
} root_marks[] = {
    {"authorizationToken", ROOT_LOGIN},
    {"isBusinessUser", ROOT_LOGIN},
    {"primaryUsername", ROOT_LOGIN},
    {"isSecondaryRegistration", ROOT_LOGIN},
    {"serviceLocationIdToServiceLocationSummary", ROOT_USER_DATA},
    {"primaryServiceLocationId", ROOT_USER_DATA},
    {"customer", ROOT_USER_DATA},
    {"accountBillingMap", ROOT_BILLING},
    {"customerSummary", ROOT_BILLING},
    {"log", ROOT_HAR},
};

static bool same_key(const char *name, const unsigned char *s, size_t len)
{
    return strlen(name) == len && memcmp(name, s, len) == 0;
}

/* A top-level key: an industry of the bare body is read as if it were
 * under "data"; the keys of other answers are noted. */
static void root_key(parser *p, const unsigned char *s, size_t len)
{
    for (size_t i = 0; i < sizeof root_marks / sizeof root_marks[0]; i++)
        if (same_key(root_marks[i].name, s, len))
            p->root_marks |= root_marks[i].mark;
    for (size_t i = 0; i < sizeof bare_industries / sizeof bare_industries[0]; i++)
        if (same_key(bare_industries[i], s, len)) {
            memcpy(p->industry, s, len);
            p->industry[len] = '\0';
        }
}

/* Names an answer that is not usage: SmartHub's login answer, or account
 * data given as a poll (--from smarthub-json). */
static int check_not_usage(parser *p)
{
    const char *status = p->doc->status ? p->doc->status : "";
    bool failed = strcmp(status, "FAILURE") == 0;
    err_loc loc = {p->js.name, p->doc->status_line, 0, NULL};
    if ((p->root_marks & ROOT_LOGIN) || failed || strcmp(status, "SUCCESS") == 0)
        return err_fail(p->err, ESPI_E_INPUT, "smarthub-login", &loc,
                        "this is the oauth/auth/v2 login response%s, not usage data; expected "
                        "the answer of POST secured/utility-usage/poll with status COMPLETE, or "
                        "a HAR file of the usage page",
                        failed ? " (of a failed login)" : "");
    if (p->root_marks & ROOT_HAR)
        return err_fail(p->err, ESPI_E_INPUT, "smarthub-not-usage", &loc,
                        "this is a browser HAR file, not a poll response; read it without "
                        "--from smarthub-json, or with --from har");
    if (p->root_marks & (ROOT_USER_DATA | ROOT_BILLING))
        return err_fail(p->err, ESPI_E_INPUT, "smarthub-not-usage", &loc,
                        "this is the secured/%s response (account data), not usage data; read it "
                        "as account data: without --from smarthub-json, or with --from "
                        "smarthub-account",
                        (p->root_marks & ROOT_BILLING) ? "billing" : "user-data");
    return 0;
}

/* Once parsed: an answer with industry data but no "status" (the bare
 * body, or "data" saved alone) is read as COMPLETE; one without industry
 * data may be another answer, named as such. */
static int check_document(parser *p)
{
    if (!p->saw_industry)
        return check_not_usage(p);
    if (p->doc->status == NULL && (p->doc->status = strdup("COMPLETE")) == NULL)
        return err_fail(p->err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    return 0;
}

/* ------------------------------------------------------------------ */
/* Containers                                                          */
/* ------------------------------------------------------------------ */

/* Called for every key of the file, points and skipped lists included:
 * those two are answered first. */
static field lookup_field(kind k, const unsigned char *s, size_t len)
{
    if (k == K_SKIP)
        return F_OTHER; /* no field is read under a skipped value */
    /* a point's only fields are x and y */
    if (k == K_POINT)
        return len != 1 ? F_OTHER : s[0] == 'x' ? F_X : s[0] == 'y' ? F_Y : F_OTHER;
    if (k == K_DATA)
        return F_INDUSTRY_KEY;
    for (size_t i = 0; i < sizeof field_names / sizeof field_names[0]; i++) {
        const field_name *fn = &field_names[i];
        if (fn->in == k && strlen(fn->name) == len && memcmp(fn->name, s, len) == 0)
            return fn->f;
    }
    return F_OTHER;
}

/* The field a key names in a container of kind k: the older bare body
 * has its industries at the top. */
static field field_of(kind k, const unsigned char *s, size_t len)
{
    if (k == K_ROOT)
        for (size_t i = 0; i < sizeof bare_industries / sizeof bare_industries[0]; i++)
            if (same_key(bare_industries[i], s, len))
                return F_INDUSTRY_KEY;
    return lookup_field(k, s, len);
}

static int on_key(const unsigned char *s, size_t len, void *ctx)
{
    parser *p = ctx;
    frame *top = &p->stack[p->depth - 1];
    top->key = field_of(top->k, s, len);
    if (top->k == K_ROOT)
        root_key(p, s, len);
    if (top->k == K_DATA) {
        if (len >= sizeof p->industry || memchr(s, '\0', len) != NULL)
            return fail(p, "smarthub-bad-industry", NULL, "an industry name under \"data\" is %s",
                        "too long");
        memcpy(p->industry, s, len);
        p->industry[len] = '\0';
    }
    if (top->k == K_X2OI)
        top->key_x_ok = parse_ms(s, len, &top->key_x);
    return 1;
}

/* The kind of a container opened as field f of a container of kind
 * parent (K_SKIP: ignored, and all in it); *refused is the rule it breaks
 * (an array where a map is expected, or the other way), else NULL. */
static kind child_of(kind parent, field f, bool is_map, const child_rule **refused)
{
    *refused = NULL;
    if (parent == K_SKIP)
        return K_SKIP;
    for (size_t i = 0; i < sizeof child_rules / sizeof child_rules[0]; i++) {
        const child_rule *r = &child_rules[i];
        if (r->parent != parent || r->f != f)
            continue;
        if (r->is_map == is_map)
            return r->child;
        *refused = r;
    }
    return K_SKIP;
}

/* The kind of a container opened in the current position. */
static int child_kind(parser *p, bool is_map, kind *out)
{
    frame *top = &p->stack[p->depth - 1];
    const child_rule *refused;
    *out = child_of(top->k, top->key, is_map, &refused);
    if (refused != NULL)
        return fail(p, "smarthub-bad-structure", NULL, "unexpected JSON structure: expected %s",
                    refused->expect);
    return 1;
}

static void begin(parser *p, kind k)
{
    switch (k) {
    case K_ENTRY:
        memset(&p->entry, 0, sizeof p->entry);
        p->entry.line = (uint32_t)here(p, NULL).line;
        break;
    case K_METER:
        memset(&p->meter, 0, sizeof p->meter);
        p->meter.line = (uint32_t)here(p, NULL).line;
        break;
    case K_SERIES:
        memset(&p->series, 0, sizeof p->series);
        p->series.line = (uint32_t)here(p, NULL).line;
        break;
    case K_POINT:
        memset(&p->point, 0, sizeof p->point);
        p->point.line = (uint32_t)here(p, NULL).line;
        p->point_has_x = false;
        break;
    case K_X2OI_ITEM: {
        frame *parent = &p->stack[p->depth - 1];
        memset(&p->interval, 0, sizeof p->interval);
        p->interval.x_ms = parent->key_x;
        p->interval_start = p->interval_end = false;
        break;
    }
    default: break;
    }
}

static int open_container(bool is_map, void *ctx)
{
    parser *p = ctx;
    kind k = K_SKIP;
    if (!child_kind(p, is_map, &k))
        return 0; /* json_stream refused one too many (spec.max_depth) */
    begin(p, k);
    p->saw_industry |= k == K_INDUSTRY;
    p->stack[p->depth++] = (frame){k, F_NONE, 0, false};
    return 1;
}

static int close_container(void *ctx)
{
    parser *p = ctx;
    kind k = p->stack[--p->depth].k;
    switch (k) {
    case K_POINT: return finish_point(p);
    case K_SERIES: return finish_series(p);
    case K_METER: return finish_meter(p);
    case K_X2OI_ITEM: return p->stack[p->depth - 1].key_x_ok ? finish_interval(p) : 1;
    case K_ENTRY: return finish_entry(p);
    default: return 1;
    }
}

static const json_handlers handlers = {on_scalar, on_key, open_container, close_container};

/* The path the reading thread follows to elide what is ignored
 * (meterToChartData and baseSeries, which repeat every point). */
static int shadow_field(int k, const unsigned char *s, size_t len)
{
    return (int)field_of((kind)k, s, len);
}

static int shadow_child(int parent, int f, bool is_map)
{
    const child_rule *refused;
    kind k = child_of((kind)parent, (field)f, is_map, &refused);
    return refused != NULL ? -1 : (int)k;
}

static const json_skip_rules skip_rules = {K_TOP, F_NONE, K_SKIP, shadow_field, shadow_child};

static const json_stream_spec spec = {
    .chunk = 65536,
    /* longest JSON string or bare value accepted anywhere */
    .max_token = 65536,
    .html_code = "smarthub-html",
    .html_text = "the file is an HTML or XML page, not SmartHub JSON (a portal error or login "
                 "page?); expected the JSON body of secured/utility-usage/poll",
    .empty_code = "smarthub-empty",
    .empty_text = "the file is empty; expected the JSON body of a SmartHub poll response",
    .token_code = "json-token-too-long",
    .syntax_code = "json-syntax",
    .max_depth = MAX_DEPTH - 1, /* the stack's frames: the top, then one per container */
    .depth_code = "json-too-deep",
    .depth_text = "JSON nesting deeper than 64 levels",
    .skip = &skip_rules,
};

int sh_parse(sh_doc *doc, FILE *in, const char *name, bool alone, espi_error *err)
{
    memset(doc, 0, sizeof *doc);
    memset(err, 0, sizeof *err);
    parser *p = calloc(1, sizeof *p);
    if (p == NULL)
        return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    p->doc = doc;
    p->err = err;
    p->stack[p->depth++] = (frame){K_TOP, F_NONE, 0, false};
    int rc = alone ? json_stream_parse_alone(&p->js, &spec, &handlers, p, in, name, err)
                   : json_stream_parse(&p->js, &spec, &handlers, p, in, name, err);
    if (rc == 0)
        rc = check_document(p);
    /* pieces still under construction when an error stopped the parse */
    entry_free(&p->entry);
    meter_free(&p->meter);
    series_free(&p->series);
    free(p);
    return rc;
}
