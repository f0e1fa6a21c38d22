/* SPDX-License-Identifier: Apache-2.0 */
/* validate.c - espi_validate: the schema and the Green Button rules in one
 * streaming pass over the reader (reader.h).
 *
 * The schema validator is plugged into the reader's SAX stream. Rules are
 * checked where their facts appear: a field's value when it is read (with
 * its own line), an entry when it ends, a reading and a block when they
 * are delivered, and what needs the whole file (links, what the feed must
 * hold) at its end, from the small resources the reader keeps. Per meter
 * reading, covered time is kept as merged ranges, so overlaps and gaps are
 * found for every reading in memory that follows the gaps, not the
 * readings. Rules of a certification family (espi_rule.families) wait for
 * the end when the families are chosen from the file's ReadingTypes. */
#include "common/codes.h"
#include "common/decimal.h"
#include "common/error.h"
#include "common/grow.h"
#include "common/hashset.h"
#include "read/links.h"
#include "read/reader.h"
#include "validate/schema.h"
#include "common/tz.h"

#include <libxml/hash.h>
#include <libxml/xmlschemas.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Most findings a deferred rule keeps for the end; the rest are counted. */
#define DEFERRED_PER_RULE 1000
/* Entry ids and self links are checked for repeats in sets of at most 2^21
 * slots each (24 MB, a million entries), so memory stays bounded. */
#define ID_SET_MAX ((size_t)1 << 21)

#define YEAR_1990 631152000LL
#define YEAR_2100 4102444800LL
#define MILLISECONDS_FROM 100000000000LL /* year 5138 in seconds */

/* ------------------------------------------------------------------ */
/* State                                                               */
/* ------------------------------------------------------------------ */

typedef struct range {
    int64_t start, end;
} range;

/* Time covered so far by a meter reading's readings (or blocks): sorted,
 * disjoint, merged when they touch. */
typedef struct coverage {
    range *r;
    size_t n, cap;
} coverage;

typedef struct mr_state {
    const void *mr; /* the meter reading (NULL: readings that reach none) */
    coverage readings, blocks;
    size_t nblocks;
    int64_t last_start; /* of the reading before: a repeat is usually right after */
    size_t nreadings;
} mr_state;

/* A block whose readings are being delivered. */
typedef struct block_state {
    const espi_interval_block_res *block;
    size_t readings, with_cost, cost_without_currency;
    int64_t first_start;
    unsigned long first_line;
    bool cover_reported;
} block_state;

typedef struct finding {
    const espi_rule *rule;
    unsigned long line, column;
    char *where;
    char *message;
} finding;

typedef struct rule_count {
    size_t reported, dropped;
} rule_count;

typedef struct validator {
    const char *name;
    espi_validate_options o;
    espi_validate_summary *sum;
    bool families_known;
    /* per-rule counts and findings kept for the end */
    const espi_rule *rules;
    size_t nrules;
    rule_count *counts;
    finding *deferred;
    size_t ndeferred, deferred_cap;
    /* the current entry, for [entry ...] */
    char entry_id[128];
    /* schema */
    xmlSchemaPtr schema;
    xmlSchemaValidCtxtPtr vc;
    xmlSchemaSAXPlugPtr plug;
    xmlParserCtxtPtr parser;
    bool reported_1x;
    /* repeats */
    hashset ids, selfs;
    /* resources kept by the reader until the end */
    const espi_usage_point_res **ups;
    size_t nups, ups_cap;
    const espi_meter_reading_res **mrs;
    size_t nmrs, mrs_cap;
    const espi_reading_type_res **rts;
    size_t nrts, rts_cap;
    const espi_ltp_res **ltps;
    size_t nltps, ltps_cap;
    size_t nsummaries, nblocks_total;
    bool any_cost;
    /* hrefs that resources point up to, for dangling related links */
    hashset ups_pointed;
    hashset ib_ups;             /* up hrefs of IntervalBlocks, for dangling related links */
    hashset hrefs;              /* at the end: selfs and related links, salted by what they are */
    xmlHashTablePtr mr_related; /* related href of MeterReadings -> how many have it */
    mr_state *mrstates;
    size_t nmrstates, mrstates_cap;
    size_t last_mr;
    block_state *open;
    size_t nopen, open_cap;
    const espi_feed_res *feed;
    unsigned long tz_offset_line; /* of the LocalTimeParameters being read */
    const espi_usage_summary_res **sums;
    size_t nsums, sums_cap;
    /* start lines of the open elements, by depth */
    unsigned long open_lines[260];
    int depth;
    bool fragment; /* the root is one entry: rules that need the whole feed cannot apply */
} validator;

/* ------------------------------------------------------------------ */
/* Findings                                                            */
/* ------------------------------------------------------------------ */

static const espi_rule *rule(validator *v, const char *id)
{
    for (size_t i = 0; i < v->nrules; i++)
        if (strcmp(v->rules[i].id, id) == 0)
            return &v->rules[i];
    return NULL;
}

static void count_severity(validator *v, espi_severity sev, size_t n)
{
    if (sev == ESPI_SEV_ERROR)
        v->sum->errors += n;
    else if (sev == ESPI_SEV_WARNING)
        v->sum->warnings += n;
    else
        v->sum->infos += n;
}

static void emit(validator *v, const espi_rule *r, unsigned long line, unsigned long column,
                 const char *where, const char *message)
{
    rule_count *c = &v->counts[r - v->rules];
    count_severity(v, r->severity, 1);
    if (v->o.max_per_rule && c->reported >= v->o.max_per_rule) {
        c->dropped++;
        return;
    }
    c->reported++;
    if (v->o.on_finding == NULL)
        return;
    char where_text[160];
    if (where && where[0])
        snprintf(where_text, sizeof where_text, "entry %s", where);
    espi_diag d = {r->severity, r->id, v->name, line, column, where && where[0] ? where_text : NULL,
                   message};
    v->o.on_finding(&d, v->o.finding_ctx);
}

static void keep(validator *v, const espi_rule *r, unsigned long line, unsigned long column,
                 const char *where, const char *message)
{
    rule_count *c = &v->counts[r - v->rules];
    if (c->reported >= DEFERRED_PER_RULE) {
        c->dropped++;
        return;
    }
    finding *f = grow_array(v->deferred, &v->deferred_cap, v->ndeferred, sizeof *f, 64);
    if (f == NULL)
        return;
    v->deferred = f;
    f = &v->deferred[v->ndeferred];
    *f = (finding){r, line, column, where ? strdup(where) : NULL, strdup(message)};
    if (f->message == NULL)
        return;
    v->ndeferred++;
    c->reported++;
}

static void vfind(validator *v, const char *id, unsigned long line, const char *where,
                  const char *fmt, va_list ap) ATTR_PRINTF(5, 0);

static void vfind(validator *v, const char *id, unsigned long line, const char *where,
                  const char *fmt, va_list ap)
{
    const espi_rule *r = rule(v, id);
    if (r == NULL)
        return;
    if (v->o.schema_only && strcmp(id, "schema") != 0)
        return;
    if (r->families && v->families_known && !(r->families & v->sum->families))
        return;
    char message[512];
    vsnprintf(message, sizeof message, fmt, ap);
    if (r->families && !v->families_known)
        keep(v, r, line, 0, where, message);
    else
        emit(v, r, line, 0, where, message);
}

/* A finding of rule id at line, about the current entry. */
static void find(validator *v, const char *id, unsigned long line, const char *fmt, ...)
    ATTR_PRINTF(4, 5);
static void find(validator *v, const char *id, unsigned long line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfind(v, id, line, v->entry_id, fmt, ap);
    va_end(ap);
}

/* The same at a line of a given entry (a block read earlier). */
static void find_in(validator *v, const char *id, unsigned long line, const espi_entry *e,
                    const char *fmt, ...) ATTR_PRINTF(5, 6);
static void find_in(validator *v, const char *id, unsigned long line, const espi_entry *e,
                    const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfind(v, id, line, e && e->id ? e->id : NULL, fmt, ap);
    va_end(ap);
}

/* The same about a given entry (a resource read earlier). */
static void find_at(validator *v, const char *id, const espi_entry *e, const char *fmt, ...)
    ATTR_PRINTF(4, 5);
static void find_at(validator *v, const char *id, const espi_entry *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfind(v, id, e ? e->line : 0, e && e->id ? e->id : NULL, fmt, ap);
    va_end(ap);
}

/* Deferred findings of the families now chosen, in the order found; then
 * the counts of what max_per_rule held back. */
static void flush_deferred(validator *v)
{
    rule_count *saved = calloc(v->nrules, sizeof *saved);
    for (size_t i = 0; saved && i < v->nrules; i++)
        if (v->rules[i].families) { /* counted while kept: counted again as emitted */
            saved[i] = v->counts[i];
            v->counts[i] = (rule_count){0, 0};
        }
    for (size_t i = 0; i < v->ndeferred; i++) {
        finding *f = &v->deferred[i];
        if (f->rule->families & v->sum->families)
            emit(v, f->rule, f->line, f->column, f->where, f->message);
    }
    for (size_t i = 0; saved && i < v->nrules; i++) {
        const espi_rule *r = &v->rules[i];
        if (r->families && saved[i].dropped && (r->families & v->sum->families)) {
            count_severity(v, r->severity, saved[i].dropped);
            v->counts[i].dropped += saved[i].dropped;
        }
    }
    free(saved);
}

static void report_dropped(validator *v)
{
    for (size_t i = 0; i < v->nrules; i++) {
        if (v->counts[i].dropped == 0 || v->o.on_finding == NULL)
            continue;
        char message[160];
        snprintf(message, sizeof message, "%zu more finding(s) of this rule were not listed",
                 v->counts[i].dropped);
        espi_diag d = {v->rules[i].severity, v->rules[i].id, v->name, 0, 0, NULL, message};
        v->o.on_finding(&d, v->o.finding_ctx);
    }
}

/* ------------------------------------------------------------------ */
/* Values                                                              */
/* ------------------------------------------------------------------ */

/* An integer, as XML Schema writes one (sign, digits); false otherwise. */
static bool integer_text(const char *s, int64_t *out)
{
    const char *end;
    return dec_integer_prefix(s, out, &end) && *end == '\0';
}

static bool fraction_text(const char *s)
{
    s += *s == '-' || *s == '+';
    size_t digits = strspn(s, "0123456789");
    return digits > 0 && s[digits] == '.' && strspn(s + digits + 1, "0123456789") > 0 &&
           s[digits + 1 + strspn(s + digits + 1, "0123456789")] == '\0';
}

/* YYYY-MM-DDTHH:MM:SS, an optional fraction, then Z. */
static bool atom_utc_time(const char *s)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:dd";
    for (size_t i = 0; shape[i]; i++)
        if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i])
            return false;
    s += sizeof shape - 1;
    if (*s == '.') {
        size_t n = strspn(s + 1, "0123456789");
        if (n == 0)
            return false;
        s += 1 + n;
    }
    return s[0] == 'Z' && s[1] == '\0';
}

static bool hex_digit(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* urn:uuid: and 8-4-4-4-12 hex digits. */
static bool uuid_urn(const char *s)
{
    if (strncmp(s, "urn:uuid:", 9) != 0)
        return false;
    s += 9;
    static const int groups[] = {8, 4, 4, 4, 12};
    for (int g = 0; g < 5; g++) {
        for (int i = 0; i < groups[g]; i++, s++)
            if (!hex_digit(*s))
                return false;
        if (g < 4 && *s++ != '-')
            return false;
    }
    return *s == '\0';
}

static const char *last_part(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static bool is_time_path(const char *path)
{
    const char *p = last_part(path);
    return strcmp(p, "start") == 0 || strcmp(p, "statusTimeStamp") == 0 ||
           strcmp(p, "timeStamp") == 0;
}

/* ------------------------------------------------------------------ */
/* Fields, as they are read                                            */
/* ------------------------------------------------------------------ */

static void check_time_text(validator *v, const char *path, const char *text, unsigned long line)
{
    int64_t t;
    if (fraction_text(text)) {
        find(v, "time-fraction", line, "<%s> is %s; ESPI times are whole seconds", last_part(path),
             text);
        return;
    }
    if (!integer_text(text, &t))
        return; /* "number" says it */
    if (t >= MILLISECONDS_FROM || t <= -MILLISECONDS_FROM)
        find(v, "time-milliseconds", line,
             "<%s> is %s, which reads as milliseconds (year %lld in seconds); ESPI times are "
             "seconds since 1970",
             last_part(path), text, (long long)(1970 + t / 31556952));
    else if (t < YEAR_1990 || t > YEAR_2100)
        find(v, "time-range", line,
             "<%s> is %s, outside 1990-2100; a reading time there is more likely a mistake",
             last_part(path), text);
}

static void check_rule_text(validator *v, const char *path, const char *text, unsigned long line)
{
    size_t n = strlen(text);
    if (n != 8 || strspn(text, "0123456789abcdefABCDEF") != 8) {
        find(v, "ltp-rule", line,
             "<%s> is '%s'; a DstRuleType is 8 hex digits (4 octets), such as 360E2000", path,
             text);
        return;
    }
    uint32_t bits = (uint32_t)strtoul(text, NULL, 16);
    if (bits == TZ_DST_RULE_NONE)
        return;
    tz_dst_rule r;
    tz_dst_rule_decode(&r, bits);
    /* beyond the field ranges: a weekday rule has no day of month (but "on or
     * after"), a date rule no weekday, and clocks change on the minute */
    bool plain =
        (r.op >= 2 ? r.dom == 0 : true) && (r.op == 0 ? r.dow == 0 : true) && r.seconds % 60 == 0;
    if (!tz_dst_rule_valid(&r) || !plain)
        find(v, "ltp-rule", line,
             "<%s> %s does not decode to a DST rule (month %d, operator %d, day %d, weekday %d, "
             "hour %d); an epoch time or a bare date is not a DstRuleType",
             path, text, r.month, r.op, r.dom, r.dow, r.hour);
}

static void check_code(validator *v, code_table t, const char *path, int64_t value,
                       unsigned long line)
{
    if (!code_known(t, value))
        find(v, "code", line, "<%s> %lld is not a %s code", last_part(path), (long long)value,
             code_table_name(t));
}

typedef struct code_field {
    const char *path;
    code_table table;
} code_field;

static const code_field rt_codes[] = {
    {"accumulationBehaviour", CODE_ACCUMULATION},
    {"commodity", CODE_COMMODITY},
    {"currency", CODE_CURRENCY},
    {"dataQualifier", CODE_QUALIFIER},
    {"defaultQuality", CODE_QUALITY},
    {"flowDirection", CODE_FLOW},
    {"kind", CODE_KIND},
    {"phase", CODE_PHASE},
    {"powerOfTenMultiplier", CODE_MULTIPLIER},
    {"timeAttribute", CODE_TIME_ATTRIBUTE},
    {"uom", CODE_UNIT},
};

static const code_field other_codes[] = {
    {"ServiceCategory/kind", CODE_SERVICE},
    {"ReadingQuality/quality", CODE_QUALITY},
    {"qualityOfReading", CODE_QUALITY},
    {"currency", CODE_CURRENCY},
    {"commodity", CODE_COMMODITY},
    {"uom", CODE_UNIT},
    {"powerOfTenMultiplier", CODE_MULTIPLIER},
};

static void check_codes(validator *v, espi_resource_kind kind, const char *path, int64_t value,
                        unsigned long line)
{
    const code_field *list = kind == ESPI_RES_READING_TYPE ? rt_codes : other_codes;
    size_t n = kind == ESPI_RES_READING_TYPE ? sizeof rt_codes / sizeof rt_codes[0]
                                             : sizeof other_codes / sizeof other_codes[0];
    /* a summary's measurements: "overallConsumptionLastPeriod/uom" is a uom */
    const char *key = kind == ESPI_RES_USAGE_SUMMARY && strchr(path, '/') &&
                              strncmp(path, "billingPeriod/", 14) != 0
                          ? last_part(path)
                          : path;
    for (size_t i = 0; i < n; i++)
        if (strcmp(key, list[i].path) == 0) {
            check_code(v, list[i].table, path, value, line);
            return;
        }
}

static void check_ltp_number(validator *v, const char *path, int64_t value, unsigned long line)
{
    if (strcmp(path, "tzOffset") == 0 &&
        (value < -14 * 3600 || value > 14 * 3600 || value % 900 != 0))
        find(v, "ltp-offset", line,
             "tzOffset %lld s is not a time zone's standard offset (whole quarter hours, at most "
             "14 h from UTC)",
             (long long)value);
    if (strcmp(path, "dstOffset") == 0 && (value < 0 || value > 7200))
        find(v, "ltp-offset", line,
             "dstOffset %lld s is not a daylight-saving shift (ESPI writes 3600; 0 to 7200 s "
             "occur)",
             (long long)value);
}

static void on_field(void *ctx, read_scope scope, espi_resource_kind kind, const void *res,
                     const char *path, const char *text, unsigned long line)
{
    (void)res;
    validator *v = ctx;
    if (scope == SCOPE_FEED || scope == SCOPE_ENTRY) {
        if (strcmp(path, "updated") == 0 || strcmp(path, "published") == 0) {
            if (!atom_utc_time(text))
                find(v, "atom-time", line,
                     "<%s> is '%.40s'; Atom times must be UTC date-times ending in Z", path, text);
        } else if (scope == SCOPE_ENTRY && strcmp(path, "id") == 0) {
            snprintf(v->entry_id, sizeof v->entry_id, "%s", text);
        }
        return;
    }
    if (kind == ESPI_RES_OTHER)
        return;
    if (scope == SCOPE_READING) { /* the hot path: a million times per file */
        int64_t value;
        if (strcmp(path, "timePeriod/start") == 0)
            check_time_text(v, path, text, line);
        else if (!integer_text(text, &value))
            find(v, "number", line, "<%s> is '%.40s', not an integer", last_part(path), text);
        else if (strcmp(path, "ReadingQuality/quality") == 0)
            check_code(v, CODE_QUALITY, path, value, line);
        return;
    }
    if (kind == ESPI_RES_LOCAL_TIME_PARAMETERS &&
        (strcmp(path, "dstStartRule") == 0 || strcmp(path, "dstEndRule") == 0)) {
        check_rule_text(v, path, text, line);
        return;
    }
    if (strcmp(path, "tariffProfile") == 0 || strcmp(path, "readCycle") == 0)
        return; /* text fields */
    if (is_time_path(path)) {
        check_time_text(v, path, text, line);
        return;
    }
    int64_t value;
    if (!integer_text(text, &value)) {
        find(v, "number", line, "<%s> is '%.40s', not an integer", last_part(path), text);
        return;
    }
    if (kind == ESPI_RES_LOCAL_TIME_PARAMETERS) {
        check_ltp_number(v, path, value, line);
        if (strcmp(path, "tzOffset") == 0)
            v->tz_offset_line = line;
    } else
        check_codes(v, kind, path, value, line);
    if (kind == ESPI_RES_READING_TYPE && strcmp(path, "intervalLength") == 0 && value % 60 != 0)
        find(v, "rt-interval-odd", line,
             "intervalLength %lld s is not a whole number of minutes (an interval of 900 s "
             "written as 899?)",
             (long long)value);
}

/* ------------------------------------------------------------------ */
/* Entries                                                             */
/* ------------------------------------------------------------------ */

static const char *kind_name(espi_resource_kind k)
{
    static const char *const names[] = {"UsagePoint",    "MeterReading",
                                        "ReadingType",   "LocalTimeParameters",
                                        "IntervalBlock", "IntervalReading",
                                        "UsageSummary",  "ElectricPowerQualitySummary",
                                        "resource",      "feed"};
    return (size_t)k < sizeof names / sizeof names[0] ? names[k] : "resource";
}

static void on_entry(void *ctx, const espi_entry *e, espi_resource_kind kind, size_t resources)
{
    validator *v = ctx;
    (void)resources;
    const char *what = kind_name(kind);
    if (e->id == NULL)
        find(v, "entry-id", e->line, "this %s entry has no <id>", what);
    else {
        if (!uuid_urn(e->id))
            find(v, "entry-id-form", e->line,
                 "id '%.60s' is not urn:uuid: followed by a UUID (8-4-4-4-12 hex digits)", e->id);
        unsigned long first = hashset_add(&v->ids, hashset_hash(e->id, 0), e->line);
        if (first)
            find(v, "entry-id-duplicate", e->line, "the entry at line %lu has the same id %.60s",
                 first, e->id);
    }
    if (e->title == NULL)
        find(v, "entry-title", e->line, "this %s entry has no <title>", what);
    if (e->published == NULL)
        find(v, "entry-published", e->line, "this %s entry has no <published>", what);
    if (e->updated == NULL)
        find(v, "entry-updated", e->line, "this %s entry has no <updated>", what);
    size_t selves = 0;
    for (size_t i = 0; i < e->nlinks; i++)
        selves += e->links[i].rel && strcmp(e->links[i].rel, "self") == 0;
    if (selves > 1)
        find(v, "link-self-duplicate", e->line, "this %s entry has %zu self links; it needs one",
             what, selves);
    if (e->self == NULL)
        find(v, "entry-self", e->line, "this %s entry has no link rel=\"self\"", what);
    else if (kind != ESPI_RES_OTHER) {
        unsigned long first =
            hashset_add(&v->selfs, hashset_hash(e->self, (uint64_t)kind + 1), e->line);
        if (first)
            find(v, "link-self-duplicate", e->line, "the %s at line %lu has the same self link %s",
                 what, first, e->self);
    }
    if (e->up == NULL)
        find(v, "entry-up", e->line, "this %s entry has no link rel=\"up\"", what);
    v->entry_id[0] = '\0';
}

/* ------------------------------------------------------------------ */
/* Coverage of time                                                    */
/* ------------------------------------------------------------------ */

/* Adds [start, end) to c. Returns the range it meets (an overlap, or the
 * same start), NULL when it touches nothing; *gap_before is set to the
 * gap between it and the range before, when it comes after all of them. */
static const range *cover(coverage *c, int64_t start, int64_t end, int64_t *gap_from)
{
    *gap_from = INT64_MIN;
    size_t lo = 0, hi = c->n;
    while (lo < hi) { /* the first range that ends after start */
        size_t mid = (lo + hi) / 2;
        if (c->r[mid].end <= start)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < c->n && c->r[lo].start < (end > start ? end : start + 1))
        return &c->r[lo]; /* overlaps, or starts together */
    if (lo == c->n && c->n > 0 && c->r[c->n - 1].end < start)
        *gap_from = c->r[c->n - 1].end;
    bool join_prev = lo > 0 && c->r[lo - 1].end == start;
    bool join_next = lo < c->n && c->r[lo].start == end;
    if (join_prev && join_next) {
        c->r[lo - 1].end = c->r[lo].end;
        memmove(&c->r[lo], &c->r[lo + 1], (c->n - lo - 1) * sizeof *c->r);
        c->n--;
    } else if (join_prev) {
        c->r[lo - 1].end = end;
    } else if (join_next) {
        c->r[lo].start = start;
    } else {
        range *g = grow_array(c->r, &c->cap, c->n, sizeof *g, 8);
        if (g == NULL)
            return NULL;
        c->r = g;
        memmove(&c->r[lo + 1], &c->r[lo], (c->n - lo) * sizeof *c->r);
        c->r[lo] = (range){start, end};
        c->n++;
    }
    return NULL;
}

static mr_state *state_of(validator *v, const void *mr)
{
    if (v->last_mr < v->nmrstates && v->mrstates[v->last_mr].mr == mr)
        return &v->mrstates[v->last_mr];
    for (size_t i = 0; i < v->nmrstates; i++)
        if (v->mrstates[i].mr == mr) {
            v->last_mr = i;
            return &v->mrstates[i];
        }
    mr_state *g = grow_array(v->mrstates, &v->mrstates_cap, v->nmrstates, sizeof *g, 16);
    if (g == NULL)
        return NULL;
    v->mrstates = g;
    v->mrstates[v->nmrstates] = (mr_state){mr, {NULL, 0, 0}, {NULL, 0, 0}, 0, ESPI_ABSENT, 0};
    v->last_mr = v->nmrstates;
    return &v->mrstates[v->nmrstates++];
}

/* ------------------------------------------------------------------ */
/* Readings and blocks                                                 */
/* ------------------------------------------------------------------ */

static block_state *open_block(validator *v, const espi_interval_block_res *b)
{
    for (size_t i = 0; i < v->nopen; i++)
        if (v->open[i].block == b)
            return &v->open[i];
    block_state *g = grow_array(v->open, &v->open_cap, v->nopen, sizeof *g, 4);
    if (g == NULL)
        return NULL;
    v->open = g;
    v->open[v->nopen] = (block_state){b, 0, 0, 0, ESPI_ABSENT, 0, false};
    return &v->open[v->nopen++];
}

/* Durations that differ from intervalLength on purpose: local days of 23 or
 * 25 hours at DST changes. (Billing periods, 28 days and longer, vary and
 * are not compared at all.) */
static bool duration_fits(int64_t duration, int64_t interval)
{
    return duration == interval || (interval == 86400 && (duration == 82800 || duration == 90000));
}

static void check_reading_overlap(validator *v, const espi_interval_reading_res *r,
                                  const espi_meter_reading_res *mr, const espi_reading_type_res *rt)
{
    mr_state *s = state_of(v, mr);
    if (s == NULL || r->start == ESPI_ABSENT)
        return;
    /* a reading without a duration covers the ReadingType's interval (ESPI
     * lets timePeriod be omitted for that), else a second */
    int64_t duration = r->duration != ESPI_ABSENT && r->duration > 0 ? r->duration
                       : rt && rt->interval_length != ESPI_ABSENT && rt->interval_length > 0
                           ? rt->interval_length
                           : 1;
    const espi_entry *e = &r->block->entry;
    int64_t gap_from;
    const range *met = cover(&s->readings, r->start, r->start + duration, &gap_from);
    bool repeat = r->start == s->last_start || (met && met->start == r->start);
    s->last_start = r->start;
    if (met && repeat)
        find_in(v, "reading-duplicate", r->line, e,
                "a reading of this MeterReading already starts at %lld (the same start twice)",
                (long long)r->start);
    else if (met)
        find_in(v, "reading-overlap", r->line, e,
                "this reading (%lld + %lld s) overlaps readings of the same MeterReading (%lld to "
                "%lld)",
                (long long)r->start, (long long)duration, (long long)met->start,
                (long long)met->end);
    else if (gap_from != INT64_MIN)
        find_in(v, "reading-gap", r->line, e,
                "no reading covers %lld to %lld (%lld s) before this one", (long long)gap_from,
                (long long)r->start, (long long)(r->start - gap_from));
}

static void on_reading(validator *v, const espi_interval_reading_res *r)
{
    const espi_interval_block_res *b = r->block;
    const espi_meter_reading_res *mr = b->meter_reading;
    const espi_reading_type_res *rt = mr ? mr->reading_type : NULL;
    const espi_entry *e = &b->entry;
    if (r->start == ESPI_ABSENT || r->duration == ESPI_ABSENT || r->value == ESPI_ABSENT)
        find_in(v, "reading-field", r->line, e, "this IntervalReading has no %s",
                r->start == ESPI_ABSENT      ? "timePeriod/start"
                : r->duration == ESPI_ABSENT ? "timePeriod/duration"
                                             : "value");
    block_state *bs = open_block(v, b);
    if (bs) {
        if (bs->readings++ == 0) {
            bs->first_start = r->start;
            bs->first_line = r->line;
        }
        bs->with_cost += r->cost != ESPI_ABSENT;
        if (r->cost != ESPI_ABSENT && rt && rt->currency == ESPI_ABSENT)
            bs->cost_without_currency++; /* (no ReadingType: link-ib-up says it) */
        if (!bs->cover_reported && b->start != ESPI_ABSENT && b->duration != ESPI_ABSENT &&
            r->start != ESPI_ABSENT &&
            (r->start < b->start ||
             r->start + (r->duration == ESPI_ABSENT ? 0 : r->duration) > b->start + b->duration)) {
            bs->cover_reported = true;
            find_in(
                v, "block-cover", r->line, e,
                "this reading (%lld + %lld s) lies outside its block's interval (%lld + %lld s)",
                (long long)r->start, (long long)(r->duration == ESPI_ABSENT ? 0 : r->duration),
                (long long)b->start, (long long)b->duration);
        }
    }
    /* data may start inside an interval: a first reading shorter than the
     * rest is a partial interval, not a wrong one */
    mr_state *ms = mr ? state_of(v, mr) : NULL;
    bool first = ms && ms->nreadings++ == 0;
    if (rt && rt->interval_length != ESPI_ABSENT && rt->interval_length < 28 * 86400 &&
        r->duration != ESPI_ABSENT && !duration_fits(r->duration, rt->interval_length) &&
        !(first && r->duration > 0 && r->duration < rt->interval_length))
        find_in(v, "reading-duration", r->line, e,
                "this reading lasts %lld s; its ReadingType's intervalLength is %lld s",
                (long long)r->duration, (long long)rt->interval_length);
    if (mr)
        check_reading_overlap(v, r, mr, rt);
    v->any_cost = v->any_cost || r->cost != ESPI_ABSENT;
}

/* link-ib-up by ESPI's join alone: a block the reader joined by another
 * layout (read/links.h) still fails D037. In a fragment its MeterReading
 * is not in the document. */
static void check_block_up(validator *v, const espi_entry *e)
{
    size_t claimants =
        e->up ? (size_t)(uintptr_t)xmlHashLookup(v->mr_related, (const xmlChar *)e->up) : 0;
    if (v->fragment || e->up == NULL)
        return;
    if (claimants > 1)
        find_at(v, "link-ib-up", e,
                "this IntervalBlock's up link %s is a related link of %zu MeterReadings; it must "
                "name one",
                e->up, claimants);
    else if (claimants == 0)
        find_at(v, "link-ib-up", e,
                "this IntervalBlock's up link %s is no MeterReading's related link", e->up);
}

static void on_block(validator *v, const espi_interval_block_res *b)
{
    v->nblocks_total++;
    /* findings name the IntervalBlock's own line (an entry may hold many) */
    espi_entry at = b->entry;
    at.line = b->line ? b->line : b->entry.line;
    const espi_entry *e = &at;
    block_state st = {b, 0, 0, 0, ESPI_ABSENT, 0, false};
    for (size_t i = 0; i < v->nopen; i++)
        if (v->open[i].block == b) {
            st = v->open[i];
            v->open[i] = v->open[--v->nopen];
            break;
        }
    if (b->start == ESPI_ABSENT || b->duration == ESPI_ABSENT)
        find_at(v, "block-interval", e, "this IntervalBlock has no interval %s",
                b->start == ESPI_ABSENT ? "start" : "duration");
    if (st.readings == 0)
        find_at(v, "block-empty", e, "this IntervalBlock holds no IntervalReading");
    else if (b->start != ESPI_ABSENT && st.first_start != ESPI_ABSENT && st.first_start != b->start)
        find_at(v, "block-start", e,
                "the block starts at %lld, its first reading (line %lu) at %lld",
                (long long)b->start, st.first_line, (long long)st.first_start);
    const espi_meter_reading_res *mr = b->meter_reading;
    if (e->up)
        hashset_add(&v->ib_ups, hashset_hash(e->up, 11), e->line);
    check_block_up(v, e);
    const espi_reading_type_res *rt = mr ? mr->reading_type : NULL;
    if (st.cost_without_currency)
        find_at(v, "cost-currency", e,
                "%zu reading(s) of this block have a cost, but their ReadingType has no currency",
                st.cost_without_currency);
    bool cost_asked = (rt && rt->currency != ESPI_ABSENT) || (v->o.families & ESPI_FB_COST);
    if (cost_asked && st.readings > st.with_cost)
        find_at(v, "cost-missing", e,
                "%zu of this block's %zu readings have no cost, though the ReadingType has a "
                "currency",
                st.readings - st.with_cost, st.readings);
    if (mr && b->start != ESPI_ABSENT) {
        mr_state *s = state_of(v, mr);
        if (s) {
            s->nblocks++;
            int64_t gap, end = b->start + (b->duration == ESPI_ABSENT ? 0 : b->duration);
            const range *met = cover(&s->blocks, b->start, end, &gap);
            if (met)
                find_at(v, "block-duplicate", e,
                        "this block (%lld + %lld s) overlaps another block of the same "
                        "MeterReading%s",
                        (long long)b->start, (long long)(end - b->start),
                        met->start == b->start ? " (the same start)" : "");
        }
    } else if (mr) {
        mr_state *s = state_of(v, mr);
        if (s)
            s->nblocks++;
    }
}

/* ------------------------------------------------------------------ */
/* Small resources                                                     */
/* ------------------------------------------------------------------ */

#define KEEP(v, list, n, cap, item)                                                                \
    do {                                                                                           \
        void *g_ = grow_array((void *)(v)->list, &(v)->cap, (v)->n, sizeof *(v)->list, 16);        \
        if (g_) {                                                                                  \
            (v)->list = g_;                                                                        \
            (v)->list[(v)->n++] = (item);                                                          \
        }                                                                                          \
    } while (0)

static bool is_energy_unit(int64_t uom)
{
    return uom == 72 || uom == 71 || uom == 73 || uom == 31 || uom == 132 || uom == 169 ||
           uom == 106;
}

static bool is_volume_unit(int64_t uom)
{
    return uom == 42 || uom == 119 || uom == 120 || uom == 128 || uom == 134;
}

static bool is_power_unit(int64_t uom)
{
    return uom == 38 || uom == 61 || uom == 63 || uom == 133;
}

/* Whether a unit can measure a kind (only kinds whose units are plain). */
static const char *unit_mismatch(int64_t kind, int64_t uom)
{
    if (kind == ESPI_ABSENT || uom == ESPI_ABSENT)
        return NULL;
    if (kind == 12 && !is_energy_unit(uom))
        return "energy (kind 12) needs an energy unit: Wh, VAh, VArh, J, BTU or therm";
    if (kind == 58 && !is_volume_unit(uom))
        return "volume (kind 58) needs a volume unit: m3, ft3, US gal or L";
    if ((kind == 37 || kind == 8) && !is_power_unit(uom) && !is_energy_unit(uom))
        return "power and demand (kinds 37, 8) need W, VA, VAr or BTU/h";
    if (kind == 46 && uom != 6 && uom != 23)
        return "temperature (kind 46) needs K or degC";
    if (kind == 54 && uom != 29)
        return "voltage (kind 54) needs V";
    if (kind == 4 && uom != 5)
        return "current (kind 4) needs A";
    return NULL;
}

static void on_reading_type(validator *v, const espi_reading_type_res *rt)
{
    if (rt->nested)
        return; /* inside a MeterReading: the schema says so; it is no ReadingType entry */
    KEEP(v, rts, nrts, rts_cap, rt);
    const espi_entry *e = &rt->entry;
    const struct {
        int64_t value;
        const char *name;
    } required[] = {{rt->interval_length, "intervalLength"},
                    {rt->kind, "kind"},
                    {rt->power_of_ten, "powerOfTenMultiplier"},
                    {rt->uom, "uom"}};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
        if (required[i].value == ESPI_ABSENT)
            find_at(v, "rt-field", e, "this ReadingType has no <%s>", required[i].name);
    const char *why = unit_mismatch(rt->kind, rt->uom);
    if (why)
        find_at(v, "rt-kind-unit", e, "kind %lld with uom %lld: %s", (long long)rt->kind,
                (long long)rt->uom, why);
    if ((rt->commodity == 1 || rt->commodity == 2 || rt->commodity == 26) &&
        rt->phase == ESPI_ABSENT)
        find_at(v, "rt-phase", e, "this electricity ReadingType has no <phase> (769 for a home)");
}

/* The US rules (second Sunday in March to first Sunday in November, 2:00)
 * belong with the offsets of US zones that keep DST: Hawaii-Aleutian to
 * Atlantic. */
static void check_ltp(validator *v, const espi_ltp_res *ltp)
{
    bool us = ltp->dst_start_rule == 0x360E2000 && ltp->dst_end_rule == 0xB40E2000;
    int64_t tz = ltp->tz_offset;
    if (us && tz != ESPI_ABSENT && (tz < -36000 || tz > -14400))
        find_in(v, "ltp-offset", v->tz_offset_line ? v->tz_offset_line : ltp->entry.line,
                &ltp->entry,
                "tzOffset %lld s with the US DST rules 360E2000/B40E2000: US zones are UTC-10 "
                "to UTC-4 (tzOffset -36000 to -14400), standard time, without DST",
                (long long)tz);
    v->tz_offset_line = 0;
}

static void on_summary(validator *v, const espi_usage_summary_res *us)
{
    v->nsummaries++;
    KEEP(v, sums, nsums, sums_cap, us);
    const espi_entry *e = &us->entry;
    const struct {
        bool missing;
        const char *rule, *name;
    } fields[] = {
        {us->billing_start == ESPI_ABSENT, "summary-field", "billingPeriod"},
        {us->overall_consumption_last_period.value == ESPI_ABSENT, "summary-field",
         "overallConsumptionLastPeriod"},
        {us->quality_of_reading == ESPI_ABSENT, "summary-field", "qualityOfReading"},
        {us->status_time_stamp == ESPI_ABSENT, "summary-field", "statusTimeStamp"},
        {us->bill_last_period == ESPI_ABSENT, "summary-cost-field", "billLastPeriod"},
        {us->bill_to_date == ESPI_ABSENT, "summary-cost-field", "billToDate"},
        {us->cost_additional_last_period == ESPI_ABSENT, "summary-cost-field",
         "costAdditionalLastPeriod"},
        {us->currency == ESPI_ABSENT, "summary-cost-field", "currency"},
    };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) /* each, as GBA lists them */
        if (fields[i].missing)
            find_at(v, fields[i].rule, e, "this summary has no <%s>", fields[i].name);
    const espi_summary_measurement *m = &us->current_billing_period_overall_consumption;
    bool any = m->power_of_ten != ESPI_ABSENT || m->time_stamp != ESPI_ABSENT ||
               m->uom != ESPI_ABSENT || m->value != ESPI_ABSENT;
    bool all = m->power_of_ten != ESPI_ABSENT && m->time_stamp != ESPI_ABSENT &&
               m->uom != ESPI_ABSENT && m->value != ESPI_ABSENT;
    if (any && !all)
        find_at(v, "summary-current", e, "currentBillingPeriodOverAllConsumption lacks %s",
                m->power_of_ten == ESPI_ABSENT ? "powerOfTenMultiplier"
                : m->time_stamp == ESPI_ABSENT ? "timeStamp"
                : m->uom == ESPI_ABSENT        ? "uom"
                                               : "value");
}

/* ------------------------------------------------------------------ */
/* Diagnostics of the reader                                           */
/* ------------------------------------------------------------------ */

/* The reader's warnings that are rule findings; the others are covered by
 * the schema or by checks of this file. */
static const struct {
    const char *code, *rule;
} reader_codes[] = {
    {"xml-namespace", "xml-namespace"},
    {"outside-content", "outside-content"},
    {"entry-content-twice", "entry-content-twice"},
    {"reading-misplaced", "reading-misplaced"},
    {"unknown-resource", "resource-unknown"},
    {"resource-name-case", "resource-unknown"},
    {"content-unknown", "resource-unknown"},
    {"link-ambiguous", "link-ambiguous"},
};

static void on_reader_diag(const espi_diag *d, void *ctx)
{
    validator *v = ctx;
    if (d->code && strcmp(d->code, "espi-1x-name") == 0) {
        if (!v->reported_1x)
            find(v, "espi-1x", d->line,
                 "<ServiceDeliveryPoint> is the ESPI 1.x spelling: this file is in the ESPI 1.x "
                 "dialect, which ESPI 3.3 and 4.0 reject (they spell it serviceDeliveryPoint)");
        v->reported_1x = true;
        return;
    }
    for (size_t i = 0; d->code && i < sizeof reader_codes / sizeof reader_codes[0]; i++)
        if (strcmp(d->code, reader_codes[i].code) == 0) {
            find(v, reader_codes[i].rule, d->line, "%s", d->message);
            return;
        }
}

/* ------------------------------------------------------------------ */
/* The end of the file                                                 */
/* ------------------------------------------------------------------ */

/* Salts of the hrefs put in one set at the end, by what they are. */
enum { HREF_RT_SELF = 21, HREF_LTP_SELF, HREF_UP_RELATED };

static bool is_related_link(const espi_link *l)
{
    return l->rel && strcmp(l->rel, "related") == 0 && l->href;
}

/* How many of an entry's related links are in the set under salt. */
static size_t related_in(const validator *v, const espi_entry *e, uint64_t salt)
{
    size_t n = 0;
    for (size_t k = 0; k < e->nlinks; k++)
        n += is_related_link(&e->links[k]) &&
             hashset_find(&v->hrefs, hashset_hash(e->links[k].href, salt)) != 0;
    return n;
}

static void check_service(validator *v, const espi_meter_reading_res *mr)
{
    const espi_usage_point_res *up = mr->usage_point;
    const espi_reading_type_res *rt = mr->reading_type;
    if (!up || !rt || up->service_kind == ESPI_ABSENT || rt->commodity == ESPI_ABSENT)
        return;
    int64_t sk = up->service_kind, c = rt->commodity;
    /* ServiceKind to CommodityKind (docs/standard.md section 5); time (3) and rates (7)
     * have no commodity of their own, commodity 0 is "none" */
    bool fits = c == 0 || sk == 3 || sk == 7 || sk > 9 ||
                (sk == 0 && (c == 1 || c == 2 || c == 26)) || (sk == 1 && (c == 7 || c == 8)) ||
                (sk == 2 && (c == 9 || c == 14)) || (sk == 4 && (c == 10 || c == 12 || c == 13)) ||
                (sk == 5 && c == 25) || (sk == 6 && c == 11) || (sk == 8 && c == 23) ||
                (sk == 9 && c == 24);
    if (!fits)
        find_at(v, "rt-service", &rt->entry,
                "commodity %lld does not fit ServiceCategory kind %lld of the UsagePoint at line "
                "%lu",
                (long long)c, (long long)sk, up->entry.line);
}

/* The link rules hold ESPI's join alone (exact hrefs): a resource the
 * reader joined by another layout (links.h) still fails them. */
static void check_meter_reading(validator *v, const espi_meter_reading_res *mr)
{
    if (mr->entry.up == NULL ||
        !hashset_find(&v->hrefs, hashset_hash(mr->entry.up, HREF_UP_RELATED)))
        find_at(v, "link-mr-up", &mr->entry,
                "this MeterReading's up link %s is no UsagePoint's related link",
                mr->entry.up ? mr->entry.up : "(none)");
    size_t rts = related_in(v, &mr->entry, HREF_RT_SELF);
    if (rts != 1 || (mr->reading_type && mr->reading_type->nested))
        find_at(v, "link-mr-rt", &mr->entry,
                "this MeterReading links to %zu ReadingTypes; it needs exactly one", rts);
    for (size_t k = 0; k < mr->entry.nlinks; k++) {
        const espi_link *l = &mr->entry.links[k];
        if (is_related_link(l) && !hashset_find(&v->ib_ups, hashset_hash(l->href, 11)) &&
            !hashset_find(&v->hrefs, hashset_hash(l->href, HREF_RT_SELF)))
            find_at(v, "link-dangling", &mr->entry,
                    "related link %s leads to no ReadingType and no IntervalBlock", l->href);
    }
    mr_state *s = state_of(v, mr);
    if (s && s->nblocks == 0)
        find_at(v, "mr-no-block", &mr->entry, "no IntervalBlock links up to this MeterReading");
    check_service(v, mr);
}

static void check_usage_point(validator *v, const espi_usage_point_res *up)
{
    size_t n = related_in(v, &up->entry, HREF_LTP_SELF);
    if (n != 1)
        find_at(v, "link-up-ltp", &up->entry,
                "this UsagePoint links to %zu LocalTimeParameters; it needs exactly one", n);
    for (size_t k = 0; k < up->entry.nlinks; k++) {
        const espi_link *l = &up->entry.links[k];
        if (is_related_link(l) && !hashset_find(&v->ups_pointed, hashset_hash(l->href, 7)) &&
            !hashset_find(&v->hrefs, hashset_hash(l->href, HREF_LTP_SELF)))
            find_at(v, "link-dangling", &up->entry,
                    "related link %s leads to no MeterReading, summary or LocalTimeParameters",
                    l->href);
    }
}

/* The joins of docs/standard.md section 3, once the whole file is read: sets of the
 * hrefs each side offers, so that each check is a lookup. */
static void check_links(validator *v)
{
    for (size_t k = 0; k < v->nrts; k++)
        if (v->rts[k]->entry.self)
            hashset_add(&v->hrefs, hashset_hash(v->rts[k]->entry.self, HREF_RT_SELF), 1);
    for (size_t k = 0; k < v->nltps; k++)
        if (v->ltps[k]->entry.self)
            hashset_add(&v->hrefs, hashset_hash(v->ltps[k]->entry.self, HREF_LTP_SELF), 1);
    for (size_t i = 0; i < v->nups; i++)
        for (size_t k = 0; k < v->ups[i]->entry.nlinks; k++)
            if (is_related_link(&v->ups[i]->entry.links[k]))
                hashset_add(&v->hrefs,
                            hashset_hash(v->ups[i]->entry.links[k].href, HREF_UP_RELATED), 1);
    for (size_t i = 0; i < v->nmrs; i++)
        check_meter_reading(v, v->mrs[i]);
    for (size_t i = 0; i < v->nups; i++)
        check_usage_point(v, v->ups[i]);
    for (size_t k = 0; k < v->nsums; k++) { /* the 2011 format's up = UsagePoint self is not it */
        const espi_usage_summary_res *us = v->sums[k];
        if (!us->entry.up || !hashset_find(&v->hrefs, hashset_hash(us->entry.up, HREF_UP_RELATED)))
            find_at(v, "link-summary-up", &us->entry,
                    "this summary's up link %s is no UsagePoint's related link",
                    us->entry.up ? us->entry.up : "(none)");
    }
    for (size_t k = 0; k < v->nltps; k++) {
        const char *self = v->ltps[k]->entry.self;
        if (!self || !hashset_find(&v->hrefs, hashset_hash(self, HREF_UP_RELATED)))
            find_at(v, "link-ltp-unused", &v->ltps[k]->entry,
                    "no UsagePoint links to these LocalTimeParameters");
    }
}

/* The families a file asks for: from its ReadingTypes' commodities and
 * kinds, with cost when a currency or a cost appears. */
static unsigned infer_families(validator *v)
{
    unsigned f = 0;
    bool cost = v->any_cost;
    for (size_t i = 0; i < v->nsums; i++)
        cost = cost || v->sums[i]->currency != ESPI_ABSENT ||
               v->sums[i]->bill_last_period != ESPI_ABSENT ||
               v->sums[i]->bill_to_date != ESPI_ABSENT;
    for (size_t i = 0; i < v->nrts; i++) {
        const espi_reading_type_res *rt = v->rts[i];
        cost = cost || rt->currency != ESPI_ABSENT;
        if (rt->kind == 46)
            f |= ESPI_FB_TEMPERATURE;
        else if (rt->commodity == 7 || rt->commodity == 8)
            f |= ESPI_FB_GAS;
        else if (rt->commodity == 9 || rt->commodity == 14)
            f |= ESPI_FB_WATER;
        else
            f |= ESPI_FB_ELECTRICITY;
    }
    if (v->nups == 0 && v->nrts == 0 && v->nmrs == 0 && v->nblocks_total == 0 && v->nsummaries == 0)
        return 0; /* no usage data: a customer feed, or an empty one */
    /* bills alone (a billing history) ask for no interval data */
    bool interval = v->nrts > 0 || v->nmrs > 0 || v->nblocks_total > 0 || v->nsummaries == 0;
    if (f == 0 && interval)
        f = ESPI_FB_ELECTRICITY; /* no ReadingType to tell: the usual case */
    f |= ESPI_FB_COMMON | (interval ? ESPI_FB_INTERVAL : 0) | (cost && interval ? ESPI_FB_COST : 0);
    /* bills are checked when the file has some: interval data alone (what
     * espi convert writes from a usage export) asks for no UsageSummary;
     * --profile asks for them whatever the file holds */
    if (v->nsummaries > 0 &&
        (!interval || (f & (ESPI_FB_ELECTRICITY | ESPI_FB_GAS | ESPI_FB_WATER))))
        f |= ESPI_FB_SUMMARY | (cost ? ESPI_FB_SUMMARY_COST : 0);
    return f;
}

/* Whether a meter reading is joined to its usage point and reading type
 * by ESPI's links (the certification's joins), not by another layout. */
static bool joined_by_espi(const espi_meter_reading_res *mr)
{
    const espi_usage_point_res *up = mr->usage_point;
    const espi_reading_type_res *rt = mr->reading_type;
    return up && rt && links_rule_of(mr->entry.up, mr->entry.self, &up->entry) == LINKS_STRICT &&
           (rt->nested || links_reading_type_rule(&mr->entry, &rt->entry) == LINKS_STRICT);
}

/* Whether some ReadingType of a UsagePoint of service kind sk passes test,
 * joined as the certification joins them. */
static bool has_combination(validator *v, int64_t sk, bool (*test)(const espi_reading_type_res *rt))
{
    for (size_t i = 0; i < v->nmrs; i++) {
        const espi_meter_reading_res *mr = v->mrs[i];
        if (joined_by_espi(mr) && (sk == ESPI_ABSENT || mr->usage_point->service_kind == sk) &&
            test(mr->reading_type))
            return true;
    }
    return false;
}

static bool electricity_interval(const espi_reading_type_res *rt)
{
    return rt->accumulation == 4 && rt->commodity == 1 && rt->flow_direction == 1 &&
           rt->kind == 12 && rt->uom == 72;
}

static bool gas_interval(const espi_reading_type_res *rt)
{
    return rt->accumulation == 4 && rt->commodity == 7 && rt->flow_direction == 1 &&
           ((rt->kind == 12 && (rt->uom == 31 || rt->uom == 132 || rt->uom == 169)) ||
            (rt->kind == 58 && (rt->uom == 42 || rt->uom == 119)));
}

static bool water_interval(const espi_reading_type_res *rt)
{
    return rt->accumulation == 4 && rt->commodity == 9 && rt->flow_direction == 1 &&
           rt->kind == 58 && (rt->uom == 128 || rt->uom == 119 || rt->uom == 42);
}

static bool temperature(const espi_reading_type_res *rt)
{
    return rt->kind == 46 && rt->uom == 6;
}

static void check_feed(validator *v, const espi_feed_res *feed)
{
    const espi_entry at = {NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL, feed->line};
    if (feed->id == NULL)
        find_at(v, "feed-id", &at, "the feed has no <id>");
    if (feed->title == NULL)
        find_at(v, "feed-title", &at, "the feed has no <title>");
    if (feed->updated == NULL)
        find_at(v, "feed-updated", &at, "the feed has no <updated>");
    if (v->sum->families == 0)
        return; /* a customer feed: no usage data is expected */
    if (v->nups == 0)
        find_at(v, "feed-usage-point", &at, "the feed has no UsagePoint");
    if (v->nltps == 0)
        find_at(v, "feed-ltp", &at, "the feed has no LocalTimeParameters");
    if (v->nmrs == 0)
        find_at(v, "feed-meter-reading", &at, "the feed has no MeterReading");
    if (v->nrts == 0)
        find_at(v, "feed-reading-type", &at, "the feed has no ReadingType");
    if (v->nblocks_total == 0)
        find_at(v, "feed-interval-block", &at, "the feed has no IntervalBlock");
    if (v->nsummaries == 0)
        find_at(v, "feed-summary", &at, "the feed has no UsageSummary");
    if (!has_combination(v, 0, electricity_interval))
        find_at(v, "fb-electricity", &at,
                "no ReadingType of an electricity UsagePoint (ServiceCategory 0) is interval "
                "energy delivered in Wh (accumulationBehaviour 4, commodity 1, flowDirection 1, "
                "kind 12, uom 72)");
    if (!has_combination(v, 1, gas_interval))
        find_at(v, "fb-gas", &at,
                "no ReadingType of a gas UsagePoint (ServiceCategory 1) is gas interval data "
                "(accumulationBehaviour 4, commodity 7, flowDirection 1, kind 12 in J/BTU/therm "
                "or kind 58 in m3/ft3)");
    if (!has_combination(v, 2, water_interval))
        find_at(v, "fb-water", &at,
                "no ReadingType of a water UsagePoint (ServiceCategory 2) is water interval "
                "volume (accumulationBehaviour 4, commodity 9, flowDirection 1, kind 58, uom "
                "128/119/42)");
    if (!has_combination(v, ESPI_ABSENT, temperature))
        find_at(v, "fb-temperature", &at, "no ReadingType is a temperature in K (kind 46, uom 6)");
}

/* The rules that need the whole feed: its own fields, the joins between
 * its entries, what it must hold. A fragment cannot be held to them. */
static const char *const whole_feed_rules[] = {
    "feed-id",
    "feed-title",
    "feed-updated",
    "link-mr-up",
    "link-ib-up",
    "link-mr-rt",
    "link-up-ltp",
    "link-ltp-unused",
    "link-summary-up",
    "link-dangling",
    "mr-no-block",
    "feed-usage-point",
    "feed-ltp",
    "feed-meter-reading",
    "feed-reading-type",
    "feed-interval-block",
    "feed-summary",
    "fb-electricity",
    "fb-gas",
    "fb-water",
    "fb-temperature",
};

/* A document of one entry: says which of the rules it would be held to
 * (always, or by its families) cannot apply to it. */
static void report_fragment(validator *v, const espi_feed_res *feed)
{
    char names[400];
    size_t len = 0, n = 0;
    names[0] = '\0';
    for (size_t i = 0; i < sizeof whole_feed_rules / sizeof whole_feed_rules[0]; i++) {
        const espi_rule *r = rule(v, whole_feed_rules[i]);
        if (r == NULL || (r->families && !(r->families & v->sum->families)))
            continue;
        str_bufprintf(names, sizeof names, &len, "%s%s", n++ ? ", " : "", r->id);
    }
    const espi_entry at = {NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL, feed->line};
    find_at(v, "fragment", &at,
            "the document is one <entry> (an ESPI API's answer for one resource), checked as a "
            "feed of it: the %zu rules that need a whole feed cannot apply: %s",
            n, names);
}

static void on_feed(validator *v, const espi_feed_res *feed)
{
    v->feed = feed;
    if (!feed->fragment)
        check_links(v);
    if (!v->families_known) {
        v->sum->families = infer_families(v);
        v->families_known = true;
        flush_deferred(v);
    }
    if (feed->fragment)
        report_fragment(v, feed);
    else
        check_feed(v, feed);
}

/* ------------------------------------------------------------------ */
/* Resources                                                           */
/* ------------------------------------------------------------------ */

static int on_resource(const espi_resource *res, void *ctx)
{
    validator *v = ctx;
    if (v->o.schema_only)
        return 0;
    switch (res->kind) {
    case ESPI_RES_INTERVAL_READING: on_reading(v, res->u.reading); break;
    case ESPI_RES_INTERVAL_BLOCK: on_block(v, res->u.interval_block); break;
    case ESPI_RES_USAGE_POINT: KEEP(v, ups, nups, ups_cap, res->u.usage_point); break;
    case ESPI_RES_METER_READING: {
        const espi_meter_reading_res *mr = res->u.meter_reading;
        KEEP(v, mrs, nmrs, mrs_cap, mr);
        for (size_t k = 0; v->mr_related && k < mr->entry.nlinks; k++)
            if (is_related_link(&mr->entry.links[k])) {
                const xmlChar *href = (const xmlChar *)mr->entry.links[k].href;
                uintptr_t n = (uintptr_t)xmlHashLookup(v->mr_related, href);
                xmlHashUpdateEntry(v->mr_related, href, (void *)(n + 1), NULL);
            }
        if (mr->entry.up)
            hashset_add(&v->ups_pointed, hashset_hash(mr->entry.up, 7), mr->entry.line);
        break;
    }
    case ESPI_RES_READING_TYPE: on_reading_type(v, res->u.reading_type); break;
    case ESPI_RES_LOCAL_TIME_PARAMETERS:
        KEEP(v, ltps, nltps, ltps_cap, res->u.ltp);
        check_ltp(v, res->u.ltp);
        break;
    case ESPI_RES_USAGE_SUMMARY:
        if (res->u.usage_summary->entry.up)
            hashset_add(&v->ups_pointed, hashset_hash(res->u.usage_summary->entry.up, 7), 1);
        on_summary(v, res->u.usage_summary);
        break;
    case ESPI_RES_QUALITY_SUMMARY:
        if (res->u.quality_summary->entry.up)
            hashset_add(&v->ups_pointed, hashset_hash(res->u.quality_summary->entry.up, 7), 1);
        break;
    case ESPI_RES_FEED: on_feed(v, res->u.feed); break;
    default: break;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* The schema, plugged into the reader's stream                        */
/* ------------------------------------------------------------------ */

static void on_schema_error(void *ctx, xmlErrorPtr e)
{
    validator *v = ctx;
    if (e->level == XML_ERR_WARNING)
        return;
    char message[480];
    str_lcpy(message, e->message ? e->message : "not valid", sizeof message);
    size_t n = strlen(message);
    while (n > 0 && (message[n - 1] == '\n' || message[n - 1] == ' '))
        message[--n] = '\0';
    if (!v->o.schema_only && strstr(message, "ServiceDeliveryPoint"))
        return; /* said once, plainly, by espi-1x */
    const espi_rule *r = rule(v, "schema");
    unsigned long line = e->line > 0 ? (unsigned long)e->line : 0;
    /* checked at the end tag, about the element: its start tag's line, as
     * xmllint gives it. The plug hands the end to the reader first, so the
     * element has just been closed: it is the one at the current depth. */
    if (strstr(message, "Missing child element") && v->depth >= 0 &&
        v->depth < (int)(sizeof v->open_lines / sizeof v->open_lines[0]))
        line = v->open_lines[v->depth];
    emit(v, r, line, e->int2 > 0 ? (unsigned long)e->int2 : 0, v->entry_id, message);
}

static void on_root(void *ctx, bool fragment, unsigned long line)
{
    validator *v = ctx;
    (void)line;
    v->fragment = fragment;
}

static void on_element(void *ctx, int depth, unsigned long line)
{
    validator *v = ctx;
    if (depth >= 0 && depth < (int)(sizeof v->open_lines / sizeof v->open_lines[0]) && line)
        v->open_lines[depth] = line;
    v->depth = line ? depth + 1 : depth;
}

static int locate(void *ctx, const char **file, unsigned long *line)
{
    validator *v = ctx;
    *file = NULL;
    *line = v->parser && v->parser->input ? (unsigned long)v->parser->input->line : 0;
    return 0;
}

static int plug(void *ctx, xmlParserCtxtPtr parser, xmlSAXHandlerPtr *sax, void **user_data)
{
    validator *v = ctx;
    v->parser = parser;
    v->vc = xmlSchemaNewValidCtxt(v->schema);
    if (v->vc == NULL)
        return ESPI_E_NOMEM;
    xmlSchemaSetValidStructuredErrors(v->vc, on_schema_error, v);
    v->plug = xmlSchemaSAXPlug(v->vc, sax, user_data);
    if (v->plug == NULL)
        return ESPI_E_NOMEM;
    xmlSchemaValidateSetLocator(v->vc, locate, v);
    return 0;
}

static void unplug(void *ctx)
{
    validator *v = ctx;
    if (v->plug)
        xmlSchemaSAXUnplug(v->plug);
    v->plug = NULL;
}

/* ------------------------------------------------------------------ */
/* The pass                                                            */
/* ------------------------------------------------------------------ */

static void validator_free(validator *v)
{
    for (size_t i = 0; i < v->ndeferred; i++) {
        free(v->deferred[i].where);
        free(v->deferred[i].message);
    }
    free(v->deferred);
    free(v->counts);
    hashset_free(&v->ids);
    hashset_free(&v->selfs);
    hashset_free(&v->ups_pointed);
    hashset_free(&v->ib_ups);
    hashset_free(&v->hrefs);
    if (v->mr_related)
        xmlHashFree(v->mr_related, NULL);
    free(v->ups);
    free(v->mrs);
    free(v->rts);
    free(v->ltps);
    free(v->sums);
    for (size_t i = 0; i < v->nmrstates; i++) {
        free(v->mrstates[i].readings.r);
        free(v->mrstates[i].blocks.r);
    }
    free(v->mrstates);
    free(v->open);
    if (v->vc)
        xmlSchemaFreeValidCtxt(v->vc);
}

/* A DOCTYPE in the file's head (it comes before the root element): its DTD
 * is never read, its entities never expanded; that is said, since a file
 * that needs them is not what it seems. */
static void check_doctype(validator *v, const char *head, size_t n)
{
    static const char tag[] = "<!DOCTYPE";
    unsigned long line = 1;
    for (size_t i = 0; i + sizeof tag - 1 <= n; i++) {
        if (head[i] == '\n')
            line++;
        else if (head[i] == '<' && i + 4 <= n && memcmp(head + i, "<!--", 4) == 0) {
            const char *end = NULL;
            for (size_t k = i + 4; k + 3 <= n && !end; k++)
                if (memcmp(head + k, "-->", 3) == 0)
                    end = head + k;
            if (end == NULL)
                return;
            for (; head + i < end; i++)
                line += head[i] == '\n';
        } else if (head[i] == '<' && memcmp(head + i, tag, sizeof tag - 1) == 0) {
            find(v, "xml-dtd", line,
                 "the file declares a DTD (<!DOCTYPE ...>); espi reads no DTD and expands no "
                 "entity, so what it would add is not checked");
            return;
        } else if (head[i] == '<' && i + 1 < n && head[i + 1] != '?' && head[i + 1] != '!') {
            return; /* the root element: no DOCTYPE after it */
        }
    }
}

/* A fatal error of the reader (not well-formed, not a feed, a limit) is a
 * finding too; the reading stops there. */
static void report_fatal(validator *v, const espi_error *err)
{
    const char *id = espi_rule_find(err->code) ? err->code : "xml-syntax";
    if (v->o.schema_only && strcmp(id, "not-a-feed") == 0)
        return; /* the schema said it */
    const espi_rule *r = rule(v, id);
    if (r)
        emit(v, r, err->line, err->column, NULL, err->message);
}

void espi_validate_options_init(espi_validate_options *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->set = ESPI_SCHEMA_ESPI_40;
}

int espi_validate(espi_validate_summary *summary, FILE *in, const char *name,
                  const espi_validate_options *opts, espi_error *err)
{
    espi_error scratch;
    espi_validate_summary sum_scratch;
    if (err == NULL)
        err = &scratch;
    if (summary == NULL)
        summary = &sum_scratch;
    espi_validate_options defaults;
    if (opts == NULL) {
        espi_validate_options_init(&defaults);
        opts = &defaults;
    }
    memset(err, 0, sizeof *err);
    memset(summary, 0, sizeof *summary);
    validator v;
    memset(&v, 0, sizeof v);
    v.name = name;
    v.o = *opts;
    v.sum = summary;
    v.rules = espi_rules(&v.nrules);
    v.counts = calloc(v.nrules, sizeof *v.counts);
    v.sum->families = opts->families;
    v.families_known = opts->families != 0 || opts->schema_only;
    hashset_init(&v.ids, ID_SET_MAX);
    hashset_init(&v.selfs, ID_SET_MAX);
    hashset_init(&v.ups_pointed, ID_SET_MAX);
    hashset_init(&v.ib_ups, ID_SET_MAX);
    hashset_init(&v.hrefs, ID_SET_MAX);
    v.mr_related = xmlHashCreate(64);
    char *head = malloc(SCHEMA_SNIFF_BYTES);
    if (v.counts == NULL || head == NULL) {
        free(head);
        validator_free(&v);
        return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    }
    bool failed;
    size_t n = schema_read_head(in, head, SCHEMA_SNIFF_BYTES, &failed);
    summary->customer = schema_is_customer(head, n);
    int rc = failed ? err_fail(err, ESPI_E_IO, "io", &(err_loc){name, 0, 0, NULL},
                               "cannot read the input")
                    : 0;
    if (rc == 0 && (v.schema = schema_compiled(opts->set, summary->customer, err)) == NULL)
        rc = err->status;
    if (rc == 0 && !opts->schema_only)
        check_doctype(&v, head, n);
    if (rc == 0) {
        read_observer obs = {&v,     on_field, on_entry, on_element, plug,
                             unplug, head,     n,        true,       on_root};
        if (opts->schema_only)
            obs.field = NULL, obs.entry = NULL;
        espi_read_options ro = {on_reader_diag, &v, 0, 0};
        rc = reader_run(in, name, &ro, &obs, on_resource, &v, err);
        if (rc == ESPI_E_INPUT)
            report_fatal(&v, err);
        if (rc == ESPI_E_INPUT || rc == ESPI_OK) {
            if (!v.families_known) { /* the file stopped before its end */
                v.sum->families = 0;
                v.families_known = true;
            }
            report_dropped(&v);
            memset(err, 0, sizeof *err);
            rc = summary->errors ? ESPI_E_INPUT : ESPI_OK;
            if (rc == ESPI_E_INPUT)
                err_fail(err, ESPI_E_INPUT, "invalid", &(err_loc){name, 0, 0, NULL}, "%zu error(s)",
                         summary->errors);
        }
    }
    free(head);
    validator_free(&v);
    return rc;
}
