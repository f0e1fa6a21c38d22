/* repair.c - espi convert --from espi: any Green Button file (or a ZIP
 * holding one) read with the streaming reader and built into the feed
 * model, so that the converter writes it again as a clean, current feed:
 * current ESPI names, every link typed and consistent, whole UTC seconds,
 * one IntervalBlock per local day, new stable ids.
 *
 * What the file gets wrong is repaired where the intent is unambiguous,
 * and every kind of repair is reported once per resource type, with a
 * count and the first line (docs/repair.md). What cannot be decided stops
 * the conversion with an error: readings are never dropped silently.
 *
 * The reader is observed as the validator observes it (reader.h): the raw
 * text of each time field tells milliseconds and fractions apart, entries
 * tell untyped links and repeated ids, and a tap on the SAX stream sees
 * what the reader's tables do not read (NISC's per-reading
 * powerOfTenMultiplier, serviceDeliveryPoint/tariffProfile, readCycle).
 * Resources are kept as espi_read hands them over; the model is built when
 * the feed ends, once every link that could join them is known. */
#include "convert.h"
#include "error.h"
#include "grow.h"
#include "hashset.h"
#include "model.h"
#include "reader.h"
#include "tz.h"
#include "zip_input.h"

#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HEAD_BYTES 4096                 /* sniffed for a ZIP, then handed to the reader */
#define FORWARD_PER_CODE 10             /* reader warnings passed on per code; then counted */
#define MS_FROM ((int64_t)100000000000) /* epoch seconds after year 5138: milliseconds */
#define YEAR_2100 ((int64_t)4102444800)
#define ID_SET_MAX ((size_t)1 << 21)
#define MAX_CAPTURE 256 /* bytes of a tapped element's text */
#define RUN_SCAN 64     /* readings of one start compared with each other, at most */

#define NS_ESPI "http://naesb.org/espi"

/* Resource types repairs are counted by. */
typedef enum rtype {
    T_FEED,
    T_UP,
    T_MR,
    T_RT,
    T_LTP,
    T_BLOCK,
    T_READING,
    T_SUMMARY,
    T_QUALITY,
    T_ENTRY,
    T_COUNT
} rtype;

static const char *const type_names[T_COUNT] = {"feed",
                                                "UsagePoint",
                                                "MeterReading",
                                                "ReadingType",
                                                "LocalTimeParameters",
                                                "IntervalBlock",
                                                "IntervalReading",
                                                "UsageSummary",
                                                "ElectricPowerQualitySummary",
                                                "entry"};

/* One kind of repair of one resource type: reported once, at the end. */
typedef struct tally {
    const char *code;
    rtype type;
    char *what;         /* "time value(s) in milliseconds" */
    const char *action; /* "divided by 1000" */
    char *first;        /* the first occurrence, briefly; NULL: none */
    size_t count;
    unsigned long line;
    size_t order;
} tally;

typedef struct forwarded {
    char code[48];
    size_t n;
} forwarded;

typedef struct up_info {
    const espi_usage_point_res *res; /* NULL: made for resources whose UsagePoint is missing */
    char *key;                       /* its name in the model */
    espi_usage_point *model;
    char *tariff, *read_cycle; /* tapped from the XML */
} up_info;

typedef struct mr_info {
    const espi_meter_reading_res *res; /* NULL: made for blocks whose MeterReading is missing */
    char *key;
    espi_reading *readings;
    size_t n, cap;
    unsigned long line; /* its entry's, or its first block's */
    bool carried;       /* its readings went into the model */
} mr_info;

/* Readings of blocks whose up link joins no MeterReading, by that link. */
typedef struct orphan {
    char *up;   /* "" when the blocks have none */
    char *self; /* the first block's self link; "" when none */
    unsigned long line;
    espi_reading *readings;
    size_t n, cap;
} orphan;

/* What the tap read in a UsagePoint, until the reader hands it over. */
typedef struct tap_up {
    unsigned long line;
    char *tariff, *read_cycle;
} tap_up;

typedef struct list {
    const void **items;
    size_t n, cap;
} list;

typedef struct repair repair;

/* The tap on the parser's SAX stream, forwarding every event. */
typedef enum capture_kind { CAP_NONE, CAP_MULTIPLIER, CAP_TARIFF, CAP_READ_CYCLE } capture_kind;

typedef struct tap {
    repair *rp;
    xmlParserCtxtPtr parser;
    xmlSAXHandlerPtr *sax_slot;
    void **user_slot;
    xmlSAXHandlerPtr orig;
    void *orig_user;
    xmlSAXHandler mine;
    bool plugged;
    int depth, reading_depth, up_depth, sdp_depth, capture_depth;
    capture_kind capture;
    unsigned long capture_line;
    char text[MAX_CAPTURE + 1];
    size_t len;
    tap_up current;
} tap;

struct repair {
    const convert_input *in;
    const char *name; /* for messages: the input's, or "archive.zip(member.xml)" */
    espi_error *err;
    bool failed;
    /* resources as espi_read hands them over (valid until it returns) */
    up_info **ups;
    size_t nups, ups_cap, real_ups;
    mr_info **mrs;
    size_t nmrs, mrs_cap, real_mrs;
    orphan **orphans;
    size_t norphans, orphans_cap;
    list rts, ltps, sums;
    xmlHashTablePtr by_res;  /* "%p" of a UsagePoint or MeterReading -> its info */
    xmlHashTablePtr keys;    /* names given, so that each is unique */
    const void *last_mr_res; /* readings come in runs */
    mr_info *last_mr;
    orphan *last_orphan;
    const espi_interval_block_res *block; /* whose readings are arriving */
    unsigned long block_line;
    int64_t prev_end; /* end of the block's reading before, for a missing start */
    /* a time no repair can save, found by the observer */
    unsigned long bad_time_line;
    char bad_time[160];
    /* reports */
    tally *tallies;
    size_t ntallies, tallies_cap;
    forwarded fwd[32];
    size_t nfwd;
    hashset ids;
    tap_up *tapped;
    size_t ntapped, tapped_cap, tapped_next;
    tap tap;
    size_t carried; /* readings and summaries put into the model */
};

/* ------------------------------------------------------------------ */
/* Reports                                                             */
/* ------------------------------------------------------------------ */

static int fatal(repair *rp, const char *code, unsigned long line, const char *fmt, ...)
    ESPI_PRINTF(4, 5);

/* The first error stops the conversion; later ones are not kept. */
static int fatal(repair *rp, const char *code, unsigned long line, const char *fmt, ...)
{
    if (rp->failed)
        return rp->err->status;
    espi_loc loc = {rp->name, line, 0, NULL};
    va_list ap;
    va_start(ap, fmt);
    espi_vfail(rp->err, ESPI_E_INPUT, code, &loc, fmt, ap);
    va_end(ap);
    rp->failed = true;
    return ESPI_E_INPUT;
}

static int nomem(repair *rp)
{
    if (!rp->failed)
        espi_fail(rp->err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    rp->failed = true;
    return rp->err->status;
}

static tally *tally_of(repair *rp, const char *code, rtype type, const char *what)
{
    for (size_t i = rp->ntallies; i-- > 0;) {
        tally *t = &rp->tallies[i];
        if (t->type == type && strcmp(t->code, code) == 0 && strcmp(t->what, what) == 0)
            return t;
    }
    tally *g = espi_grow(rp->tallies, &rp->tallies_cap, rp->ntallies, sizeof *g, 16);
    if (g == NULL)
        return NULL;
    rp->tallies = g;
    tally *t = &g[rp->ntallies];
    *t = (tally){code, type, strdup(what), NULL, NULL, 0, 0, rp->ntallies};
    if (t->what == NULL)
        return NULL;
    rp->ntallies++;
    return t;
}

static void note(repair *rp, const char *code, rtype type, unsigned long line, const char *what,
                 const char *action, const char *fmt, ...) ESPI_PRINTF(7, 8);

/* Counts one occurrence of a repair (or of something not carried); the
 * first one's line and description are kept for the report. */
static void note(repair *rp, const char *code, rtype type, unsigned long line, const char *what,
                 const char *action, const char *fmt, ...)
{
    tally *t = tally_of(rp, code, type, what);
    if (t == NULL)
        return; /* out of memory: the report is shorter, the conversion goes on */
    if (t->count++ > 0)
        return;
    t->line = line;
    t->action = action;
    if (fmt == NULL)
        return;
    char first[200];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(first, sizeof first, fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof first)
        memcpy(first + sizeof first - 4, "...", 4);
    t->first = strdup(first);
}

static int by_line(const void *a, const void *b)
{
    const tally *x = *(tally *const *)a, *y = *(tally *const *)b;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* Every tally, in the order of their first lines. */
static void report(repair *rp)
{
    tally **sorted = calloc(rp->ntallies ? rp->ntallies : 1, sizeof *sorted);
    for (size_t i = 0; sorted && i < rp->ntallies; i++)
        sorted[i] = &rp->tallies[i];
    if (sorted)
        qsort(sorted, rp->ntallies, sizeof *sorted, by_line);
    for (size_t i = 0; i < rp->ntallies; i++) {
        const tally *t = sorted ? sorted[i] : &rp->tallies[i];
        espi_loc loc = {rp->name, t->line, 0, NULL};
        espi_emit(rp->in->on_diag, rp->in->diag_ctx, ESPI_SEV_WARNING, t->code, &loc,
                  "%s: %zu %s%s%s%s; %s", type_names[t->type], t->count, t->what,
                  t->first ? " (the first: " : "", t->first ? t->first : "", t->first ? ")" : "",
                  t->action ? t->action : "");
    }
    free(sorted);
    for (size_t i = 0; i < rp->nfwd; i++) {
        if (rp->fwd[i].n <= FORWARD_PER_CODE)
            continue;
        espi_loc loc = {rp->name, 0, 0, NULL};
        espi_emit(rp->in->on_diag, rp->in->diag_ctx, ESPI_SEV_WARNING, rp->fwd[i].code, &loc,
                  "%zu more warning(s) like the ones above", rp->fwd[i].n - FORWARD_PER_CODE);
    }
}

/* ------------------------------------------------------------------ */
/* The reader's own warnings                                           */
/* ------------------------------------------------------------------ */

/* Reader warnings about what the output puts right become repairs; those
 * this module reports itself (times, joins) are left out; the rest pass. */
typedef struct translation {
    const char *code;
    const char *repair; /* NULL: reported here in other words */
    rtype type;
    const char *what;
    const char *action;
} translation;

static const translation translations[] = {
    {"milliseconds", NULL, T_ENTRY, NULL, NULL},
    {"fractional-number", NULL, T_ENTRY, NULL, NULL},
    {"link-block-no-up", NULL, T_ENTRY, NULL, NULL},
    {"link-block-broken", NULL, T_ENTRY, NULL, NULL},
    {"link-no-reading-type", NULL, T_ENTRY, NULL, NULL},
    {"link-no-usage-point", NULL, T_ENTRY, NULL, NULL},
    {"link-summary-broken", NULL, T_ENTRY, NULL, NULL},
    {"link-ltp-missing", NULL, T_ENTRY, NULL, NULL},
    {"ltp-late", NULL, T_ENTRY, NULL, NULL},
    {"hold-limit", NULL, T_ENTRY, NULL, NULL},
    {"link-no-self", "repair-link-self", T_ENTRY, "without a self link",
     "every entry written has one"},
    {"link-duplicate-self", "repair-duplicate-self", T_ENTRY,
     "with the self link of an earlier entry",
     "each resource is written as its own, with links of its own"},
    {"link-ambiguous", "repair-link-ambiguous", T_ENTRY, "related link(s) claimed by two entries",
     "what links up to one is joined to the first, as the reader does; every link written is "
     "unique"},
    {"espi-1x-name", "repair-espi-1x-name", T_UP, "ESPI 1.x element(s) <ServiceDeliveryPoint>",
     "the output uses the ESPI 3.3/4.0 names"},
    {"resource-name-case", "repair-name", T_ENTRY, "resource name(s) spelt in the wrong case",
     "read as the resource they spell and written with its name"},
    {"no-namespace", "repair-namespace", T_ENTRY, "resource(s) without the ESPI namespace",
     "read as ESPI and written in its namespace"},
    {"namespace-inside-resource", "repair-namespace", T_ENTRY,
     "element(s) in no or the Atom namespace inside an ESPI resource",
     "read as ESPI and written in its namespace"},
    {"nested-reading-type", "repair-nested-reading-type", T_MR,
     "ReadingType(s) nested inside a MeterReading",
     "written as an entry of its own, linked from its MeterReading"},
    {"outside-content", "repair-outside-content", T_ENTRY,
     "resource(s) outside an entry's <content>", "written inside <content>"},
};

static void forward(repair *rp, const espi_diag *d)
{
    forwarded *f = NULL;
    for (size_t i = 0; i < rp->nfwd && f == NULL; i++)
        if (strcmp(rp->fwd[i].code, d->code) == 0)
            f = &rp->fwd[i];
    if (f == NULL && rp->nfwd < sizeof rp->fwd / sizeof rp->fwd[0]) {
        f = &rp->fwd[rp->nfwd++];
        espi_strlcpy(f->code, d->code, sizeof f->code);
        f->n = 0;
    }
    if (f && ++f->n > FORWARD_PER_CODE)
        return;
    if (rp->in->on_diag)
        rp->in->on_diag(d, rp->in->diag_ctx);
}

static void on_reader_diag(const espi_diag *d, void *ctx)
{
    repair *rp = ctx;
    const char *code = d->code ? d->code : "";
    for (size_t i = 0; i < sizeof translations / sizeof translations[0]; i++) {
        const translation *t = &translations[i];
        if (strcmp(code, t->code) != 0)
            continue;
        if (t->repair)
            note(rp, t->repair, t->type, d->line, t->what, t->action, "%s", d->message);
        return;
    }
    forward(rp, d);
}

/* ------------------------------------------------------------------ */
/* Observing fields and entries                                        */
/* ------------------------------------------------------------------ */

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

static const char *leaf_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* A number as the reader takes it: an integer, maybe with a fraction. */
static bool scan_number(const char *s, int64_t *out, bool *fraction)
{
    bool negative = *s == '-';
    s += (*s == '-' || *s == '+');
    if (*s < '0' || *s > '9')
        return false;
    uint64_t v = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        if (v > ((uint64_t)INT64_MAX - (uint64_t)(*s - '0')) / 10)
            return false;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *fraction = false;
    if (*s == '.')
        for (s++; *s >= '0' && *s <= '9'; s++)
            *fraction = *fraction || *s != '0';
    *out = negative ? -(int64_t)v : (int64_t)v;
    return *s == '\0';
}

static rtype type_of_kind(espi_resource_kind k)
{
    switch (k) {
    case ESPI_RES_USAGE_POINT: return T_UP;
    case ESPI_RES_METER_READING: return T_MR;
    case ESPI_RES_READING_TYPE: return T_RT;
    case ESPI_RES_LOCAL_TIME_PARAMETERS: return T_LTP;
    case ESPI_RES_INTERVAL_BLOCK: return T_BLOCK;
    case ESPI_RES_INTERVAL_READING: return T_READING;
    case ESPI_RES_USAGE_SUMMARY: return T_SUMMARY;
    case ESPI_RES_QUALITY_SUMMARY: return T_QUALITY;
    case ESPI_RES_FEED: return T_FEED;
    default: return T_ENTRY;
    }
}

/* A time the reader divided by 1000 (milliseconds) or cut to whole
 * seconds; one still beyond 2100 cannot be a reading's or a bill's. */
static void observe_time(repair *rp, rtype t, const char *path, const char *text, int64_t v,
                         bool fraction, unsigned long line)
{
    if (v >= MS_FROM || v <= -MS_FROM) {
        int64_t s = v / 1000;
        if (s >= 0 && s < YEAR_2100) {
            note(rp, "repair-milliseconds", t, line, "time value(s) in milliseconds",
                 "divided by 1000 into seconds since 1970 (a fraction of a second dropped)",
                 "<%s> %s", leaf_of(path), text);
        } else if ((t == T_READING || t == T_SUMMARY) && rp->bad_time_line == 0) {
            rp->bad_time_line = line;
            snprintf(rp->bad_time, sizeof rp->bad_time, "<%s> %.60s", leaf_of(path), text);
        }
    } else if (fraction) {
        note(rp, "repair-fractional-time", t, line, "time value(s) with a fraction of a second",
             "the fraction is dropped: ESPI times are whole seconds", "<%s> %s", leaf_of(path),
             text);
    }
}

static void on_field(void *ctx, read_scope scope, espi_resource_kind kind, const void *res,
                     const char *path, const char *text, unsigned long line)
{
    (void)res;
    repair *rp = ctx;
    if ((scope != SCOPE_RESOURCE && scope != SCOPE_READING) ||
        kind == ESPI_RES_LOCAL_TIME_PARAMETERS || strcmp(path, "tariffProfile") == 0 ||
        strcmp(path, "readCycle") == 0)
        return;
    int64_t v;
    bool fraction;
    if (!scan_number(text, &v, &fraction))
        return; /* the reader says so */
    rtype t = scope == SCOPE_READING ? T_READING : type_of_kind(kind);
    if (ends_with(path, "/start") || ends_with(path, "imeStamp"))
        observe_time(rp, t, path, text, v, fraction, line);
    else if (fraction)
        note(rp, "repair-fractional-number", t, line, "number(s) with a fraction",
             "the fraction is dropped (toward zero), as other readers of the file read it",
             "<%s> %s", leaf_of(path), text);
}

static void on_entry(void *ctx, const espi_entry *e, espi_resource_kind kind, size_t resources)
{
    repair *rp = ctx;
    rtype t = resources ? type_of_kind(kind) : T_ENTRY;
    if (resources == 0)
        note(rp, "repair-not-carried", T_ENTRY, e->line, "without a resource in their content",
             "not carried: their <content> holds no ESPI or customer resource", NULL);
    for (size_t i = 0; i < e->nlinks; i++)
        if (e->links[i].type == NULL || e->links[i].type[0] == '\0')
            note(rp, "repair-link-type", t, e->line, "link(s) without a type",
                 "every link written has its type (ESPI 3.3 requires it)", "rel=\"%s\" href=\"%s\"",
                 e->links[i].rel ? e->links[i].rel : "", e->links[i].href);
    if (e->id == NULL || e->id[0] == '\0')
        return;
    unsigned long first = hashset_add(&rp->ids, hashset_hash(e->id, 0), e->line ? e->line : 1);
    if (first != 0 && first != e->line)
        note(rp, "repair-duplicate-id", t, e->line, "entry id(s) already used by an earlier entry",
             "every entry written gets a new stable id", "%s, used first at line %lu", e->id,
             first);
}

/* ------------------------------------------------------------------ */
/* The tap on the SAX stream                                           */
/* ------------------------------------------------------------------ */

static bool named(const xmlChar *name, const char *s)
{
    return xmlStrEqual(name, (const xmlChar *)s) != 0;
}

static unsigned long tap_line(const tap *t)
{
    int line = t->parser && t->parser->input ? t->parser->input->line : 0;
    return line > 0 ? (unsigned long)line : 0;
}

static void begin_capture(tap *t, capture_kind kind, int depth)
{
    t->capture = kind;
    t->capture_depth = depth;
    t->capture_line = tap_line(t);
    t->len = 0;
    t->text[0] = '\0';
}

static void tap_not_carried(tap *t, const char *where, const xmlChar *name)
{
    char what[160];
    snprintf(what, sizeof what, "<%s%s> element(s)", where, (const char *)name);
    note(t->rp, "repair-not-carried", T_UP, tap_line(t), what,
         "not carried: the feed model has no place for it", NULL);
}

static void usage_point_child(tap *t, const xmlChar *name, int depth)
{
    if (named(name, "serviceDeliveryPoint") || named(name, "ServiceDeliveryPoint"))
        t->sdp_depth = depth;
    else if (named(name, "readCycle"))
        begin_capture(t, CAP_READ_CYCLE, depth);
    else if (!named(name, "ServiceCategory"))
        tap_not_carried(t, "", name);
}

static void tap_observe_start(tap *t, const xmlChar *name, const xmlChar *uri, int depth)
{
    if (uri != NULL && !xmlStrEqual(uri, (const xmlChar *)NS_ESPI))
        return;
    if (t->reading_depth < 0 && named(name, "IntervalReading"))
        t->reading_depth = depth;
    else if (t->reading_depth >= 0 && depth == t->reading_depth + 1 &&
             named(name, "powerOfTenMultiplier"))
        begin_capture(t, CAP_MULTIPLIER, depth);
    else if (t->up_depth < 0 && named(name, "UsagePoint")) {
        t->up_depth = depth;
        t->current = (tap_up){tap_line(t), NULL, NULL};
    } else if (t->up_depth >= 0 && depth == t->up_depth + 1)
        usage_point_child(t, name, depth);
    else if (t->sdp_depth >= 0 && depth == t->sdp_depth + 1) {
        if (named(name, "tariffProfile"))
            begin_capture(t, CAP_TARIFF, depth);
        else
            tap_not_carried(t, "serviceDeliveryPoint/", name);
    }
}

static char *trimmed_copy(const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        n--;
    char *copy = malloc(n + 1);
    if (copy) {
        memcpy(copy, s, n);
        copy[n] = '\0';
    }
    return copy;
}

static void end_capture(tap *t)
{
    char *text = trimmed_copy(t->text);
    if (t->capture == CAP_MULTIPLIER) {
        note(t->rp, "repair-reading-multiplier", T_READING, t->capture_line,
             "non-schema <powerOfTenMultiplier> element(s) inside IntervalReading",
             "dropped: the values stay in their ReadingType's unit and multiplier, as "
             "schema-following readers read them",
             "<powerOfTenMultiplier>%s</powerOfTenMultiplier>", text ? text : "");
        free(text);
    } else if (t->capture == CAP_TARIFF && t->current.tariff == NULL) {
        t->current.tariff = text;
    } else if (t->capture == CAP_READ_CYCLE && t->current.read_cycle == NULL) {
        t->current.read_cycle = text;
    } else {
        free(text);
    }
    t->capture = CAP_NONE;
}

/* A UsagePoint's tapped fields wait for the reader to hand it over. */
static void keep_tapped(tap *t)
{
    repair *rp = t->rp;
    tap_up *g = espi_grow(rp->tapped, &rp->tapped_cap, rp->ntapped, sizeof *g, 8);
    if (g == NULL) {
        free(t->current.tariff);
        free(t->current.read_cycle);
    } else {
        rp->tapped = g;
        rp->tapped[rp->ntapped++] = t->current;
    }
    t->current = (tap_up){0, NULL, NULL};
}

static void tap_observe_end(tap *t, int depth)
{
    if (t->capture != CAP_NONE && depth == t->capture_depth)
        end_capture(t);
    if (depth == t->reading_depth)
        t->reading_depth = -1;
    if (depth == t->sdp_depth)
        t->sdp_depth = -1;
    if (depth == t->up_depth) {
        t->up_depth = -1;
        keep_tapped(t);
    }
}

static void tap_start(void *ctx, const xmlChar *name, const xmlChar *prefix, const xmlChar *uri,
                      int nb_namespaces, const xmlChar **namespaces, int nb_attributes,
                      int nb_defaulted, const xmlChar **attributes)
{
    tap *t = ctx;
    tap_observe_start(t, name, uri, t->depth++);
    if (t->orig->startElementNs)
        t->orig->startElementNs(t->orig_user, name, prefix, uri, nb_namespaces, namespaces,
                                nb_attributes, nb_defaulted, attributes);
}

static void tap_end(void *ctx, const xmlChar *name, const xmlChar *prefix, const xmlChar *uri)
{
    tap *t = ctx;
    if (t->depth > 0)
        tap_observe_end(t, --t->depth);
    if (t->orig->endElementNs)
        t->orig->endElementNs(t->orig_user, name, prefix, uri);
}

static void tap_text(void *ctx, const xmlChar *ch, int len)
{
    tap *t = ctx;
    if (t->capture != CAP_NONE && len > 0) {
        size_t n = (size_t)len;
        if (n > MAX_CAPTURE - t->len)
            n = MAX_CAPTURE - t->len;
        memcpy(t->text + t->len, ch, n);
        t->len += n;
        t->text[t->len] = '\0';
    }
    if (t->orig->characters)
        t->orig->characters(t->orig_user, ch, len);
}

static void tap_cdata(void *ctx, const xmlChar *ch, int len)
{
    tap *t = ctx;
    if (t->capture != CAP_NONE && len > 0) {
        size_t n = (size_t)len < MAX_CAPTURE - t->len ? (size_t)len : MAX_CAPTURE - t->len;
        memcpy(t->text + t->len, ch, n);
        t->len += n;
        t->text[t->len] = '\0';
    }
    if (t->orig->cdataBlock)
        t->orig->cdataBlock(t->orig_user, ch, len);
}

static void tap_error(void *ctx, xmlErrorPtr e)
{
    tap *t = ctx;
    if (t->orig->serror)
        t->orig->serror(t->orig_user, e);
}

/* Puts the tap between the parser and the reader: the parser's handler
 * and user data become the tap's, which passes every event on. */
static int tap_plug(void *ctx, xmlParserCtxtPtr parser, xmlSAXHandlerPtr *sax, void **user_data)
{
    tap *t = &((repair *)ctx)->tap;
    t->parser = parser;
    t->sax_slot = sax;
    t->user_slot = user_data;
    t->orig = *sax;
    t->orig_user = *user_data;
    t->mine = **sax;
    t->mine.startElementNs = tap_start;
    t->mine.endElementNs = tap_end;
    t->mine.characters = tap_text;
    t->mine.cdataBlock = tap_cdata;
    t->mine.serror = tap_error;
    *sax = &t->mine;
    *user_data = t;
    t->plugged = true;
    return 0;
}

/* Gives the parser its own handler back before it is freed. */
static void tap_unplug(void *ctx)
{
    tap *t = &((repair *)ctx)->tap;
    if (!t->plugged)
        return;
    *t->sax_slot = t->orig;
    *t->user_slot = t->orig_user;
    t->plugged = false;
    free(t->current.tariff);
    free(t->current.read_cycle);
    t->current = (tap_up){0, NULL, NULL};
}

/* ------------------------------------------------------------------ */
/* Names                                                               */
/* ------------------------------------------------------------------ */

static int list_push(list *l, const void *item)
{
    const void **g = espi_grow(l->items, &l->cap, l->n, sizeof *g, 16);
    if (g == NULL)
        return -1;
    l->items = g;
    l->items[l->n++] = item;
    return 0;
}

static void pointer_key(char key[32], const void *p)
{
    snprintf(key, 32, "%p", p);
}

/* base, or "base #2", "#3", ... when an earlier resource has that name
 * (entries that share a self link stay resources of their own). */
static char *unique_key(repair *rp, const char *kind, const char *base)
{
    size_t n = strlen(kind) + strlen(base) + 32;
    char *key = malloc(n);
    if (key == NULL)
        return NULL;
    for (unsigned i = 1;; i++) {
        if (i == 1)
            snprintf(key, n, "%s %s", kind, base);
        else
            snprintf(key, n, "%s %s #%u", kind, base, i);
        if (xmlHashLookup(rp->keys, (const xmlChar *)key) == NULL)
            break;
    }
    if (xmlHashAddEntry(rp->keys, (const xmlChar *)key, rp) != 0) {
        free(key);
        return NULL;
    }
    memmove(key, key + strlen(kind) + 1, strlen(key) - strlen(kind)); /* the kind only scoped it */
    return key;
}

/* A stable name for a resource: its self link, else its entry id, else its
 * place in the file. */
static char *name_of(repair *rp, const char *kind, const espi_entry *e, size_t index)
{
    char fallback[64];
    const char *base = e->self && e->self[0] ? e->self : e->id && e->id[0] ? e->id : NULL;
    if (base == NULL) {
        snprintf(fallback, sizeof fallback, "%s %zu", kind, index + 1);
        base = fallback;
    }
    return unique_key(rp, kind, base);
}

/* href cut before the last "/<marker>" segment: a MeterReading's href from
 * an IntervalBlock's, a UsagePoint's from a MeterReading's. NULL: none. */
static char *parent_of(const char *href, const char *marker)
{
    if (href == NULL)
        return NULL;
    size_t k = strlen(marker);
    const char *found = NULL;
    for (const char *p = strstr(href, marker); p; p = strstr(p + 1, marker))
        if (p > href && p[-1] == '/' && (p[k] == '/' || p[k] == '\0'))
            found = p;
    if (found == NULL)
        return NULL;
    size_t n = (size_t)(found - href) - 1;
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, href, n);
        s[n] = '\0';
    }
    return n ? s : (free(s), NULL);
}

/* Whether href lies at or below base ("…/UsagePoint/1" holds
 * "…/UsagePoint/1/MeterReading/2"). */
static bool within(const char *href, const char *base)
{
    if (href == NULL || base == NULL || base[0] == '\0')
        return false;
    size_t n = strlen(base);
    while (n > 0 && base[n - 1] == '/')
        n--;
    return n > 0 && strncmp(href, base, n) == 0 && (href[n] == '/' || href[n] == '\0');
}

/* Two hrefs that name the same thing written differently: one relative and
 * one absolute ("ReadingType/07", "https://…/resource/ReadingType/07"),
 * or differing in case or a final slash. */
static bool same_place(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return false;
    size_t na = strlen(a), nb = strlen(b);
    while (na > 0 && a[na - 1] == '/')
        na--;
    while (nb > 0 && b[nb - 1] == '/')
        nb--;
    if (na == 0 || nb == 0)
        return false;
    const char *lng = na >= nb ? a : b, *sht = na >= nb ? b : a;
    size_t nl = na >= nb ? na : nb, ns = na >= nb ? nb : na;
    return strncasecmp(lng + nl - ns, sht, ns) == 0 && (nl == ns || lng[nl - ns - 1] == '/');
}

/* ------------------------------------------------------------------ */
/* Usage points and meter readings, as they come                       */
/* ------------------------------------------------------------------ */

static up_info *add_up_info(repair *rp, const espi_usage_point_res *res, char *key)
{
    up_info **g = espi_grow(rp->ups, &rp->ups_cap, rp->nups, sizeof *g, 8);
    up_info *u = calloc(1, sizeof *u);
    if (g == NULL || u == NULL || key == NULL) {
        free(u);
        free(key);
        return NULL;
    }
    rp->ups = g;
    u->res = res;
    u->key = key;
    rp->ups[rp->nups++] = u;
    return u;
}

/* The tapped fields of the UsagePoint whose entry starts at line. */
static void take_tapped(repair *rp, up_info *u, unsigned long line)
{
    while (rp->tapped_next < rp->ntapped) {
        tap_up *tu = &rp->tapped[rp->tapped_next++];
        if (tu->line < line)
            continue; /* a UsagePoint the reader did not hand over */
        u->tariff = tu->tariff;
        u->read_cycle = tu->read_cycle;
        tu->tariff = tu->read_cycle = NULL;
        return;
    }
}

static int add_usage_point(repair *rp, const espi_usage_point_res *res)
{
    up_info *u = add_up_info(rp, res, name_of(rp, "usage point", &res->entry, rp->real_ups));
    char key[32];
    pointer_key(key, res);
    if (u == NULL || xmlHashAddEntry(rp->by_res, (const xmlChar *)key, u) != 0)
        return nomem(rp);
    rp->real_ups++;
    take_tapped(rp, u, res->entry.line);
    return 0;
}

static mr_info *add_mr_info(repair *rp, const espi_meter_reading_res *res, char *key,
                            unsigned long line)
{
    mr_info **g = espi_grow(rp->mrs, &rp->mrs_cap, rp->nmrs, sizeof *g, 8);
    mr_info *m = calloc(1, sizeof *m);
    if (g == NULL || m == NULL || key == NULL) {
        free(m);
        free(key);
        return NULL;
    }
    rp->mrs = g;
    m->res = res;
    m->key = key;
    m->line = line;
    rp->mrs[rp->nmrs++] = m;
    return m;
}

static mr_info *meter_reading_info(repair *rp, const espi_meter_reading_res *res)
{
    if (res == rp->last_mr_res)
        return rp->last_mr;
    char key[32];
    pointer_key(key, res);
    mr_info *m = xmlHashLookup(rp->by_res, (const xmlChar *)key);
    if (m == NULL) {
        m = add_mr_info(rp, res, name_of(rp, "meter reading", &res->entry, rp->real_mrs),
                        res->entry.line);
        if (m == NULL || xmlHashAddEntry(rp->by_res, (const xmlChar *)key, m) != 0)
            return NULL;
        rp->real_mrs++;
    }
    rp->last_mr_res = res;
    rp->last_mr = m;
    return m;
}

static orphan *orphan_of(repair *rp, const espi_interval_block_res *b, unsigned long line)
{
    const char *up = b && b->entry.up ? b->entry.up : "";
    if (rp->last_orphan && strcmp(rp->last_orphan->up, up) == 0)
        return rp->last_orphan;
    for (size_t i = 0; i < rp->norphans; i++)
        if (strcmp(rp->orphans[i]->up, up) == 0)
            return rp->last_orphan = rp->orphans[i];
    orphan **g = espi_grow(rp->orphans, &rp->orphans_cap, rp->norphans, sizeof *g, 4);
    orphan *o = calloc(1, sizeof *o);
    if (g == NULL || o == NULL) {
        free(o);
        return NULL;
    }
    rp->orphans = g;
    o->up = strdup(up);
    o->self = strdup(b && b->entry.self ? b->entry.self : "");
    o->line = b ? b->entry.line : line;
    if (o->up == NULL || o->self == NULL) {
        free(o->up);
        free(o->self);
        free(o);
        return NULL;
    }
    rp->orphans[rp->norphans++] = o;
    return rp->last_orphan = o;
}

/* ------------------------------------------------------------------ */
/* Readings                                                            */
/* ------------------------------------------------------------------ */

static bool int48(int64_t v)
{
    return v >= -ESPI_INT48_MAX && v <= ESPI_INT48_MAX;
}

static int push_reading(espi_reading **items, size_t *n, size_t *cap, const espi_reading *r)
{
    espi_reading *g = espi_grow(*items, cap, *n, sizeof *g, 64);
    if (g == NULL)
        return -1;
    *items = g;
    g[(*n)++] = *r;
    return 0;
}

/* The interval length of the reading's ReadingType, when it is joined. */
static int64_t joined_interval(const espi_interval_reading_res *ir)
{
    const espi_meter_reading_res *mr = ir->block ? ir->block->meter_reading : NULL;
    const espi_reading_type_res *rt = mr ? mr->reading_type : NULL;
    return rt && rt->interval_length != ESPI_ABSENT ? rt->interval_length : 0;
}

/* When a reading lacks its start or duration, ESPI says readings follow
 * each other, intervalLength apart, from the block's start. */
static int reading_times(repair *rp, const espi_interval_reading_res *ir, int64_t *start,
                         int64_t *duration)
{
    *start = ir->start;
    *duration = ir->duration;
    if (*start == ESPI_ABSENT) {
        if (rp->prev_end == ESPI_ABSENT)
            return fatal(rp, "repair-no-start", ir->line,
                         "this IntervalReading has no timePeriod start, and neither its "
                         "IntervalBlock's interval nor a reading before it says when it starts");
        *start = rp->prev_end;
        note(rp, "repair-reading-start", T_READING, ir->line, "without a timePeriod start",
             "each starts where the reading before it ends (the first at its block's start), "
             "as ESPI defines readings without a timePeriod",
             NULL);
    }
    if (*duration == ESPI_ABSENT) {
        int64_t len = joined_interval(ir);
        if (len <= 0)
            return fatal(rp, "repair-no-duration", ir->line,
                         "this IntervalReading has no timePeriod duration, and its ReadingType "
                         "no intervalLength to take it from");
        *duration = len;
        note(rp, "repair-reading-duration", T_READING, ir->line, "without a timePeriod duration",
             "given their ReadingType's intervalLength", NULL);
    }
    if (*duration < 0 || *duration > (int64_t)UINT32_MAX)
        return fatal(rp, "repair-bad-duration", ir->line,
                     "this IntervalReading lasts %lld s; a duration is 0 to 4294967295 s",
                     (long long)*duration);
    return 0;
}

static void note_reading_extras(repair *rp, const espi_interval_reading_res *ir)
{
    if (ir->consumption_tier != ESPI_ABSENT || ir->tou != ESPI_ABSENT || ir->cpp != ESPI_ABSENT)
        note(rp, "repair-not-carried", T_READING, ir->line,
             "<consumptionTier>, <tou> or <cpp> element(s)",
             "not carried: the feed model keeps these on the ReadingType only", NULL);
}

/* The model's reading, or 1 when it has no value to carry. */
static int make_reading(repair *rp, const espi_interval_reading_res *ir, espi_reading *r)
{
    if (ir->value == ESPI_ABSENT) {
        note(rp, "repair-not-carried", T_READING, ir->line, "without a <value>",
             "not carried: a reading without a value says nothing", NULL);
        return 1;
    }
    int64_t start, duration;
    int rc = reading_times(rp, ir, &start, &duration);
    if (rc != 0)
        return rc;
    if (!int48(ir->value) || (ir->cost != ESPI_ABSENT && !int48(ir->cost)))
        return fatal(rp, "repair-int48", ir->line,
                     "this IntervalReading's value or cost is beyond ESPI's 48-bit range");
    note_reading_extras(rp, ir);
    *r = (espi_reading){
        .start = start,
        .value = ir->value,
        .cost = ir->cost == ESPI_ABSENT ? 0 : ir->cost,
        .duration = (uint32_t)duration,
        .line = ir->line > UINT32_MAX ? UINT32_MAX : (uint32_t)ir->line,
        .has_cost = ir->cost != ESPI_ABSENT,
        .source = rp->in->source,
        .quality = ir->quality >= 0 && ir->quality <= INT16_MAX ? (int16_t)ir->quality : -1,
    };
    return 0;
}

static int on_reading(repair *rp, const espi_interval_reading_res *ir)
{
    if (rp->bad_time_line)
        return fatal(rp, "repair-bad-time", rp->bad_time_line,
                     "%s is neither seconds nor milliseconds since 1970 (before 2100); this time "
                     "cannot be repaired",
                     rp->bad_time);
    const espi_interval_block_res *b = ir->block;
    if (b != rp->block || (b && b->line != rp->block_line)) {
        rp->block = b;
        rp->block_line = b ? b->line : 0;
        rp->prev_end = b ? b->start : ESPI_ABSENT;
    }
    espi_reading r = {0};
    int rc = make_reading(rp, ir, &r);
    if (rc != 0)
        return rc < 0 ? rc : 0;
    rp->prev_end = r.start + r.duration;
    if (b && b->meter_reading) {
        mr_info *m = meter_reading_info(rp, b->meter_reading);
        if (m == NULL || push_reading(&m->readings, &m->n, &m->cap, &r) != 0)
            return nomem(rp);
        return 0;
    }
    orphan *o = orphan_of(rp, b, ir->line);
    if (o == NULL || push_reading(&o->readings, &o->n, &o->cap, &r) != 0)
        return nomem(rp);
    return 0;
}

/* ------------------------------------------------------------------ */
/* Joining what the links do not                                       */
/* ------------------------------------------------------------------ */

static up_info *up_info_of(repair *rp, const espi_usage_point_res *res)
{
    char key[32];
    pointer_key(key, res);
    return xmlHashLookup(rp->by_res, (const xmlChar *)key);
}

/* A UsagePoint the file lacks, named after the href that points to it. */
static up_info *made_up_usage_point(repair *rp, const char *name)
{
    for (size_t i = 0; i < rp->nups; i++)
        if (rp->ups[i]->res == NULL && strcmp(rp->ups[i]->key, name) == 0)
            return rp->ups[i];
    up_info *u = add_up_info(rp, NULL, strdup(name));
    if (u && (u->model = espi_feed_usage_point(rp->in->feed, "", u->key)) == NULL)
        return NULL;
    return u;
}

typedef struct up_query {
    const espi_usage_point_res *joined;
    const char *href[2]; /* the resource's up and self links */
    rtype type;
    unsigned long line;
    const char *what; /* "MeterReading", for messages */
} up_query;

static up_info *fitting_usage_point(repair *rp, const up_query *q)
{
    up_info *found = NULL;
    for (size_t i = 0; i < rp->nups; i++) {
        const espi_usage_point_res *res = rp->ups[i]->res;
        if (res == NULL ||
            !(within(q->href[0], res->entry.self) || within(q->href[1], res->entry.self)))
            continue;
        if (found)
            return NULL;
        found = rp->ups[i];
    }
    return found;
}

static const char *shown(const char *href)
{
    return href && href[0] ? href : "(none)";
}

/* The UsagePoint of a MeterReading or summary: its link's, else the file's
 * only one, else the one its hrefs lie under, else (the file has none) one
 * named after them. */
static int resolve_usage_point(repair *rp, const up_query *q, up_info **out)
{
    *out = q->joined ? up_info_of(rp, q->joined) : NULL;
    if (*out)
        return 0;
    if (rp->real_ups == 1) {
        *out = rp->ups[0]; /* the real ones come first */
        note(rp, "repair-link", q->type, q->line, "up link(s) that match no UsagePoint",
             "joined to the file's only UsagePoint", "%s", shown(q->href[0]));
        return 0;
    }
    if ((*out = fitting_usage_point(rp, q)) != NULL) {
        note(rp, "repair-link", q->type, q->line, "up link(s) that match no UsagePoint",
             "joined to the UsagePoint their href lies under", "%s", shown(q->href[0]));
        return 0;
    }
    if (rp->real_ups > 0)
        return fatal(rp, "repair-link-usage-point", q->line,
                     "this %s's up link %s matches none of the file's %zu UsagePoints, and its "
                     "hrefs lie under none of them: which one it belongs to cannot be decided",
                     q->what, shown(q->href[0]), rp->real_ups);
    static const char *const markers[] = {"MeterReading", "UsageSummary",
                                          "ElectricPowerUsageSummary"};
    char *name = NULL;
    for (size_t i = 0; name == NULL && i < 2 * sizeof markers / sizeof markers[0]; i++)
        name = parent_of(q->href[i % 2], markers[i / 2]);
    *out = made_up_usage_point(rp, name ? name : "usage point (not in the file)");
    note(rp, "repair-missing-usage-point", q->type, q->line,
         "up link(s) to a UsagePoint the file does not hold",
         "a UsagePoint was made for them, named after their links", "%s", name ? name : "no link");
    free(name);
    return *out ? 0 : nomem(rp);
}

static const espi_reading_type_res *fitting_reading_type(repair *rp, const mr_info *m)
{
    const espi_reading_type_res *found = NULL;
    for (size_t r = 0; m->res && r < rp->rts.n; r++) {
        const espi_reading_type_res *rt = rp->rts.items[r];
        bool fits = false;
        for (size_t i = 0; i < m->res->entry.nlinks && !fits; i++)
            fits = same_place(m->res->entry.links[i].href, rt->entry.self);
        if (!fits)
            continue;
        if (found)
            return NULL;
        found = rt;
    }
    return found;
}

/* The only ReadingType no MeterReading of the file joins to. */
static const espi_reading_type_res *unclaimed_reading_type(repair *rp)
{
    const espi_reading_type_res *found = NULL;
    for (size_t r = 0; r < rp->rts.n; r++) {
        bool claimed = false;
        for (size_t i = 0; i < rp->nmrs && !claimed; i++)
            claimed = rp->mrs[i]->res && rp->mrs[i]->res->reading_type == rp->rts.items[r];
        if (claimed)
            continue;
        if (found)
            return NULL;
        found = rp->rts.items[r];
    }
    return found;
}

static int resolve_reading_type(repair *rp, const mr_info *m, const espi_reading_type_res **out)
{
    *out = m->res ? m->res->reading_type : NULL;
    if (*out)
        return 0;
    const char *how = NULL;
    if ((*out = fitting_reading_type(rp, m)) != NULL)
        how = "joined to the ReadingType whose self link names the same place";
    else if ((*out = unclaimed_reading_type(rp)) != NULL)
        how = "joined to the only ReadingType no other MeterReading uses";
    else if (rp->rts.n == 1 && (*out = rp->rts.items[0]) != NULL)
        how = "joined to the file's only ReadingType (which another MeterReading uses too)";
    if (how) {
        note(rp, "repair-link", T_MR, m->line, "whose links match no ReadingType", how, "%s",
             m->key);
        return 0;
    }
    if (rp->rts.n > 0)
        return fatal(rp, "repair-link-reading-type", m->line,
                     "the MeterReading %s links to none of the file's %zu ReadingTypes: its "
                     "unit cannot be decided",
                     m->key, rp->rts.n);
    note(rp, "repair-missing-reading-type", T_MR, m->line,
         "with readings but no ReadingType in the file",
         "written without unit, kind or multiplier: the values stay as they are (convert the "
         "complete download to keep the unit)",
         "%s", m->key);
    return 0;
}

/* The MeterReading of blocks whose up link joins none: the file's only
 * one, else the one their links lie under, else (the file has none) one
 * named after their links. */
static int resolve_orphan(repair *rp, const orphan *o, mr_info **out)
{
    *out = NULL;
    const char *how = NULL;
    for (size_t i = 0; i < rp->nmrs; i++) {
        const espi_meter_reading_res *res = rp->mrs[i]->res;
        if (res == NULL)
            continue;
        bool fits =
            rp->real_mrs == 1 || within(o->up, res->entry.self) || within(o->self, res->entry.self);
        for (size_t k = 0; k < res->entry.nlinks && !fits; k++) {
            const espi_link *l = &res->entry.links[k]; /* its IntervalBlock collection */
            fits = l->rel && strcmp(l->rel, "related") == 0 &&
                   (within(o->self, l->href) || same_place(o->up, l->href));
        }
        if (fits && *out)
            return fatal(rp, "repair-link-meter-reading", o->line,
                         "these IntervalBlocks' up link %s joins no MeterReading, and their links "
                         "lie under two (lines %lu and %lu): which one their %zu readings belong "
                         "to cannot be decided",
                         shown(o->up), (*out)->line, rp->mrs[i]->line, o->n);
        if (fits)
            *out = rp->mrs[i];
    }
    if (*out) {
        how = rp->real_mrs == 1 ? "joined to the file's only MeterReading"
                                : "joined to the MeterReading their links lie under";
        note(rp, "repair-link", T_BLOCK, o->line, "up link(s) that match no MeterReading", how,
             "%s", shown(o->up));
        return 0;
    }
    if (rp->real_mrs > 0)
        return fatal(rp, "repair-link-meter-reading", o->line,
                     "these IntervalBlocks' up link %s matches none of the file's %zu "
                     "MeterReadings: which one their %zu readings belong to cannot be decided",
                     shown(o->up), rp->real_mrs, o->n);
    char *name = parent_of(o->up, "IntervalBlock");
    if (name == NULL)
        name = parent_of(o->self, "IntervalBlock");
    const char *key = name ? name : "meter reading (not in the file)";
    for (size_t i = 0; i < rp->nmrs && *out == NULL; i++)
        if (rp->mrs[i]->res == NULL && strcmp(rp->mrs[i]->key, key) == 0)
            *out = rp->mrs[i];
    if (*out == NULL)
        *out = add_mr_info(rp, NULL, strdup(key), o->line);
    note(rp, "repair-missing-meter-reading", T_BLOCK, o->line,
         "up link(s) to a MeterReading the file does not hold",
         "a MeterReading was made for their readings, named after their links", "%s", shown(o->up));
    free(name);
    return *out ? 0 : nomem(rp);
}

static int resolve_orphans(repair *rp)
{
    for (size_t i = 0; i < rp->norphans; i++) {
        orphan *o = rp->orphans[i];
        mr_info *m;
        int rc = resolve_orphan(rp, o, &m);
        for (size_t k = 0; rc == 0 && k < o->n; k++)
            if (push_reading(&m->readings, &m->n, &m->cap, &o->readings[k]) != 0)
                rc = nomem(rp);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Channels                                                            */
/* ------------------------------------------------------------------ */

static int code_of(int64_t v)
{
    return v == ESPI_ABSENT || v < -INT_MAX || v > INT_MAX ? ESPI_CODE_NONE : (int)v;
}

static void copy_reading_type(espi_reading_type *dst, const espi_reading_type_res *rt)
{
    espi_reading_type_clear_optional(dst);
    dst->accumulation = dst->commodity = dst->kind = dst->phase = ESPI_CODE_NONE;
    dst->currency = dst->power_of_ten = 0;
    dst->interval_length = 0;
    if (rt == NULL)
        return;
    dst->accumulation = code_of(rt->accumulation);
    dst->commodity = code_of(rt->commodity);
    dst->currency = rt->currency == ESPI_ABSENT ? 0 : code_of(rt->currency);
    dst->kind = code_of(rt->kind);
    dst->phase = code_of(rt->phase);
    dst->power_of_ten = rt->power_of_ten == ESPI_ABSENT ? 0 : code_of(rt->power_of_ten);
    dst->consumption_tier = code_of(rt->consumption_tier);
    dst->data_qualifier = code_of(rt->data_qualifier);
    dst->default_quality = code_of(rt->default_quality);
    dst->time_attribute = code_of(rt->time_attribute);
    dst->tou = code_of(rt->tou);
    dst->cpp = code_of(rt->cpp);
    dst->measuring_period =
        rt->measuring_period == ESPI_ABSENT ? ESPI_CODE_NONE : rt->measuring_period;
    if (rt->interval_length > 0 && rt->interval_length <= (int64_t)UINT32_MAX)
        dst->interval_length = (uint32_t)rt->interval_length;
}

static int by_start_line(const void *a, const void *b)
{
    const espi_reading *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return (x->line > y->line) - (x->line < y->line);
}

static bool same_reading(const espi_reading *a, const espi_reading *b)
{
    return a->start == b->start && a->duration == b->duration && a->value == b->value &&
           a->has_cost == b->has_cost && (!a->has_cost || a->cost == b->cost) &&
           a->quality == b->quality;
}

/* Readings given twice alike are kept once; readings of one start that
 * differ are all kept, as the file has them, and said. */
static void drop_repeats(repair *rp, mr_info *m)
{
    size_t kept = 0;
    for (size_t i = 0; i < m->n; i++) {
        espi_reading r = m->readings[i];
        bool repeat = false, clash = false;
        for (size_t k = kept, scanned = 0;
             k > 0 && scanned < RUN_SCAN && m->readings[k - 1].start == r.start; k--, scanned++) {
            if (same_reading(&m->readings[k - 1], &r))
                repeat = true;
            else
                clash = true;
        }
        if (repeat) {
            note(rp, "repair-duplicate-reading", T_READING, r.line,
                 "that repeat an earlier one exactly",
                 "kept once (same start, duration, value, cost and quality)", NULL);
            continue;
        }
        if (clash)
            note(rp, "reading-overlap", T_READING, r.line,
                 "that start with another reading of the same MeterReading but differ "
                 "from it",
                 "all are kept, as the file has them: which is right cannot be decided (espi "
                 "validate reports them)",
                 NULL);
        m->readings[kept++] = r;
    }
    m->n = kept;
}

/* A reading of 0 s among readings intervalLength apart lasts intervalLength
 * (the GBA CMD data writes duration 0 with intervalLength 60). */
static void fill_zero_durations(repair *rp, mr_info *m, uint32_t interval)
{
    if (interval == 0)
        return;
    for (size_t i = 0; i < m->n; i++) {
        espi_reading *r = &m->readings[i];
        if (r->duration != 0)
            continue;
        bool next_fits = i + 1 < m->n ? m->readings[i + 1].start == r->start + interval
                                      : i > 0 && m->readings[i - 1].start + interval == r->start;
        bool prev_fits =
            i == 0 || m->readings[i - 1].start + m->readings[i - 1].duration <= r->start;
        if (!next_fits || !prev_fits)
            continue;
        r->duration = interval;
        note(rp, "repair-zero-duration", T_READING, r->line,
             "of 0 s among readings intervalLength apart",
             "given their ReadingType's intervalLength", NULL);
    }
}

/* The most common reading duration (the smallest on a tie), which the
 * converter writes as intervalLength. */
static uint32_t usual_duration(const mr_info *m)
{
    enum { SLOTS = 16 };
    uint32_t len[SLOTS];
    size_t count[SLOTS], n = 0, best_count = 0;
    uint32_t best = 0;
    for (size_t i = 0; i < m->n; i++) {
        size_t k = 0;
        while (k < n && len[k] != m->readings[i].duration)
            k++;
        if (k == n && n < SLOTS) {
            len[n] = m->readings[i].duration;
            count[n++] = 0;
        }
        if (k < n)
            count[k]++;
    }
    for (size_t k = 0; k < n; k++)
        if (count[k] > best_count || (count[k] == best_count && len[k] < best)) {
            best = len[k];
            best_count = count[k];
        }
    return best;
}

static void check_interval(repair *rp, const mr_info *m, const espi_reading_type_res *rt)
{
    uint32_t usual = usual_duration(m);
    unsigned long line = rt ? rt->entry.line : m->line;
    if (rt && rt->interval_length == ESPI_ABSENT)
        note(rp, "repair-interval-length", T_RT, line, "without an intervalLength",
             "written with the readings' most common duration", "%u s", usual);
    else if (rt && rt->interval_length != (int64_t)usual)
        note(rp, "repair-interval-length", T_RT, line,
             "intervalLength(s) that do not match the readings",
             "written as the readings' most common duration",
             "%lld s in the file, %u s in the "
             "readings",
             (long long)rt->interval_length, usual);
}

static int flow_of(repair *rp, const mr_info *m, const espi_reading_type_res *rt)
{
    if (rt && rt->flow_direction != ESPI_ABSENT && code_of(rt->flow_direction) != ESPI_CODE_NONE)
        return code_of(rt->flow_direction);
    note(rp, "repair-flow-direction", rt ? T_RT : T_MR, rt ? rt->entry.line : m->line,
         "without a flowDirection", "written as 1 (forward: energy delivered)", NULL);
    return 1;
}

static int hand_readings(espi_channel *ch, mr_info *m)
{
    if (ch->nreadings == 0 && ch->readings == NULL) {
        ch->readings = m->readings;
        ch->nreadings = m->n;
        ch->cap = m->cap;
        m->readings = NULL;
        m->n = m->cap = 0;
        return 0;
    }
    for (size_t i = 0; i < m->n; i++)
        if (espi_channel_append(ch, &m->readings[i]) != 0)
            return -1;
    return 0;
}

static int make_channel(repair *rp, mr_info *m)
{
    const espi_reading_type_res *rt;
    up_info *u;
    const espi_entry *e = m->res ? &m->res->entry : NULL;
    up_query q = {m->res ? m->res->usage_point : NULL,
                  {e ? e->up : m->key, e ? e->self : NULL},
                  T_MR,
                  m->line,
                  "MeterReading"};
    int rc = resolve_reading_type(rp, m, &rt);
    if (rc == 0)
        rc = resolve_usage_point(rp, &q, &u);
    if (rc != 0)
        return rc;
    qsort(m->readings, m->n, sizeof *m->readings, by_start_line);
    drop_repeats(rp, m);
    espi_reading_type type;
    copy_reading_type(&type, rt);
    fill_zero_durations(rp, m, type.interval_length);
    check_interval(rp, m, rt);
    int flow = flow_of(rp, m, rt);
    int uom = rt ? code_of(rt->uom) : ESPI_CODE_NONE;
    espi_channel *ch = espi_usage_point_channel(u->model, m->key, flow, uom);
    if (ch == NULL)
        return nomem(rp);
    type.flow_direction = flow;
    type.uom = uom;
    ch->rt = type;
    ch->keep_interval = false; /* the converter recomputes it from the readings */
    if ((e && e->title && e->title[0] && espi_set_text(&ch->title, e->title) != 0) ||
        hand_readings(ch, m) != 0)
        return nomem(rp);
    rp->carried += ch->nreadings;
    m->carried = true;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Usage points and summaries                                          */
/* ------------------------------------------------------------------ */

static int make_usage_point(repair *rp, up_info *u)
{
    const espi_usage_point_res *res = u->res;
    espi_usage_point *up = espi_feed_usage_point(rp->in->feed, "", u->key);
    if (up == NULL)
        return nomem(rp);
    u->model = up;
    int kind = code_of(res->service_kind);
    if (kind == ESPI_CODE_NONE || kind < 0 || kind > 65535) {
        note(rp, "repair-service-kind", T_UP, res->entry.line,
             "without a usable ServiceCategory kind", "written as 0 (electricity)", NULL);
        kind = 0;
    }
    up->service_kind = kind;
    if ((res->entry.title && res->entry.title[0] && espi_set_text(&up->title, res->entry.title)) ||
        (u->tariff && u->tariff[0] && espi_set_text(&up->tariff_profile, u->tariff)) ||
        (u->read_cycle && u->read_cycle[0] && espi_set_text(&up->read_cycle, u->read_cycle)))
        return nomem(rp);
    return 0;
}

static const char *const other_measurements[] = {
    "currentDayLastYearNetConsumption",      "currentDayNetConsumption",
    "currentDayOverallConsumption",          "peakDemand",
    "previousDayLastYearOverallConsumption", "previousDayNetConsumption",
    "previousDayOverallConsumption",         "ratchetDemand",
};

static bool measurement_given(const espi_summary_measurement *m)
{
    return m->value != ESPI_ABSENT || m->uom != ESPI_ABSENT || m->time_stamp != ESPI_ABSENT ||
           m->power_of_ten != ESPI_ABSENT;
}

static void copy_measure(espi_measure *out, const espi_summary_measurement *m)
{
    out->present = m->value != ESPI_ABSENT;
    out->value = m->value == ESPI_ABSENT ? 0 : m->value;
    out->power_of_ten = m->power_of_ten == ESPI_ABSENT ? 0 : code_of(m->power_of_ten);
    out->uom = code_of(m->uom);
    out->time_stamp = m->time_stamp == ESPI_ABSENT ? ESPI_TIME_UNSET : m->time_stamp;
}

/* What the model has no place for: said once per field. */
static void note_summary_extras(repair *rp, const espi_usage_summary_res *us)
{
    const espi_summary_measurement *ms[] = {&us->current_day_last_year_net_consumption,
                                            &us->current_day_net_consumption,
                                            &us->current_day_overall_consumption,
                                            &us->peak_demand,
                                            &us->previous_day_last_year_overall_consumption,
                                            &us->previous_day_net_consumption,
                                            &us->previous_day_overall_consumption,
                                            &us->ratchet_demand};
    for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++) {
        if (!measurement_given(ms[i]))
            continue;
        char what[96];
        snprintf(what, sizeof what, "<%s> element(s)", other_measurements[i]);
        note(rp, "repair-not-carried", T_SUMMARY, us->entry.line, what,
             "not carried: the feed model keeps overallConsumptionLastPeriod and "
             "currentBillingPeriodOverAllConsumption",
             NULL);
    }
    if (us->line_items > 0)
        note(rp, "repair-not-carried", T_SUMMARY, us->entry.line,
             "with <costAdditionalDetailLastPeriod> line items",
             "not carried: the feed model keeps costAdditionalLastPeriod, their total", NULL);
    if (us->deprecated)
        note(rp, "repair-deprecated-name", T_SUMMARY, us->entry.line,
             "ElectricPowerUsageSummary (deprecated) resource(s)", "written as UsageSummary", NULL);
}

static bool bill_ok(int64_t v)
{
    return v == ESPI_ABSENT || int48(v);
}

static int fill_summary(repair *rp, const espi_usage_summary_res *us, espi_summary *s)
{
    espi_summary_init(s);
    if (!bill_ok(us->bill_last_period) || !bill_ok(us->bill_to_date) ||
        !bill_ok(us->cost_additional_last_period))
        return fatal(rp, "repair-int48", us->entry.line,
                     "this summary's bill is beyond ESPI's 48-bit range");
    if (us->billing_start != ESPI_ABSENT) {
        s->billing_start = us->billing_start;
        s->billing_duration = us->billing_duration > 0 && us->billing_duration <= UINT32_MAX
                                  ? (uint32_t)us->billing_duration
                                  : 0;
    }
    s->has_bill_last_period = us->bill_last_period != ESPI_ABSENT;
    s->bill_last_period = s->has_bill_last_period ? us->bill_last_period : 0;
    s->has_bill_to_date = us->bill_to_date != ESPI_ABSENT;
    s->bill_to_date = s->has_bill_to_date ? us->bill_to_date : 0;
    s->has_cost_additional = us->cost_additional_last_period != ESPI_ABSENT;
    s->cost_additional = s->has_cost_additional ? us->cost_additional_last_period : 0;
    s->currency = us->currency == ESPI_ABSENT ? 0 : code_of(us->currency);
    copy_measure(&s->overall, &us->overall_consumption_last_period);
    copy_measure(&s->current, &us->current_billing_period_overall_consumption);
    s->quality = code_of(us->quality_of_reading);
    s->status_time = us->status_time_stamp == ESPI_ABSENT ? ESPI_TIME_UNSET : us->status_time_stamp;
    s->commodity = code_of(us->commodity);
    s->tariff_profile = (char *)(uintptr_t)us->tariff_profile; /* copied by add_summary */
    s->read_cycle = (char *)(uintptr_t)us->read_cycle;
    s->title = us->entry.title && us->entry.title[0] ? (char *)(uintptr_t)us->entry.title : NULL;
    s->line = us->entry.line > UINT32_MAX ? UINT32_MAX : (uint32_t)us->entry.line;
    s->source = rp->in->source;
    return 0;
}

static bool summary_says_something(const espi_summary *s)
{
    return s->billing_start != ESPI_TIME_UNSET || s->has_bill_last_period || s->has_bill_to_date ||
           s->has_cost_additional || s->overall.present || s->current.present;
}

/* statusTimeStamp is required: a summary without one is as of the end of
 * its billing period. */
static bool fix_status_time(repair *rp, espi_summary *s, unsigned long line)
{
    if (s->status_time != ESPI_TIME_UNSET)
        return true;
    if (s->billing_start == ESPI_TIME_UNSET)
        return false;
    s->status_time = s->billing_start + s->billing_duration;
    note(rp, "repair-status-time", T_SUMMARY, line, "without a statusTimeStamp",
         "given the end of their billing period", NULL);
    return true;
}

static int add_summary(repair *rp, const espi_usage_summary_res *us)
{
    espi_summary s;
    int rc = fill_summary(rp, us, &s);
    if (rc != 0)
        return rc;
    if (!summary_says_something(&s) || !fix_status_time(rp, &s, us->entry.line)) {
        note(rp, "repair-not-carried", T_SUMMARY, us->entry.line,
             summary_says_something(&s) ? "without a statusTimeStamp or billing period"
                                        : "without a billing period or any amount",
             "not carried: there is nothing to date or say", NULL);
        return 0;
    }
    up_info *u;
    up_query q = {us->usage_point,
                  {us->entry.up, us->entry.self},
                  T_SUMMARY,
                  us->entry.line,
                  us->deprecated ? "ElectricPowerUsageSummary" : "UsageSummary"};
    if ((rc = resolve_usage_point(rp, &q, &u)) != 0)
        return rc;
    note_summary_extras(rp, us);
    if (espi_usage_point_add_summary(u->model, &s) != 0)
        return nomem(rp);
    rp->carried++;
    return 0;
}

/* ------------------------------------------------------------------ */
/* LocalTimeParameters                                                 */
/* ------------------------------------------------------------------ */

/* POSIX offsets are hours west: -28800 s east is "8", 19800 is "-5:30". */
static void posix_offset(char *buf, size_t size, size_t *len, int32_t east)
{
    int32_t west = -east;
    int32_t a = west < 0 ? -west : west;
    espi_bufprintf(buf, size, len, "%s%d", west < 0 ? "-" : "", (int)(a / 3600));
    if (a % 3600)
        espi_bufprintf(buf, size, len, ":%02d", (int)(a % 3600 / 60));
    if (a % 60)
        espi_bufprintf(buf, size, len, ":%02d", (int)(a % 60));
}

static int days_in(int month)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return days[month - 1];
}

/* A DstRuleType as a POSIX rule ("M3.2.0/2"); false when POSIX has no
 * form for it (a weekday on or after a day other than 1, 8, 15, 22 or the
 * last seven). */
static bool posix_rule(char *buf, size_t size, size_t *len, const espi_dst_rule *r)
{
    int wday = r->dow % 7, week;
    if (r->op == 0) {
        if (r->dom > days_in(r->month))
            return false;
        int64_t day =
            espi_days_from_civil(2001, r->month, r->dom) - espi_days_from_civil(2001, 1, 1) + 1;
        espi_bufprintf(buf, size, len, ",J%d", (int)day);
    } else {
        if (r->op == 1 && r->dom % 7 == 1 && r->dom <= 22)
            week = (r->dom + 6) / 7;
        else if (r->op == 1 && r->month != 2 && r->dom == days_in(r->month) - 6)
            week = 5;
        else if (r->op == 1)
            return false;
        else
            week = r->op == 7 ? 5 : r->op - 1;
        espi_bufprintf(buf, size, len, ",M%d.%d.%d", r->month, week, wday);
    }
    int t = r->hour * 3600 + r->seconds;
    espi_bufprintf(buf, size, len, "/%d", t / 3600);
    if (t % 3600)
        espi_bufprintf(buf, size, len, ":%02d", t % 3600 / 60);
    if (t % 60)
        espi_bufprintf(buf, size, len, ":%02d", t % 60);
    return true;
}

/* A rule that decodes to a plain DST change (what espi validate accepts). */
static bool usable_rule(int64_t bits, espi_dst_rule *r)
{
    if (bits == ESPI_ABSENT || bits < 0 || bits > 0xFFFFFFFF || bits == ESPI_DST_RULE_NONE)
        return false;
    espi_dst_rule_decode(r, (uint32_t)bits);
    bool plain = (r->op >= 2 ? r->dom == 0 : true) && (r->op == 0 ? r->dow == 0 : true) &&
                 r->seconds % 60 == 0;
    return plain && espi_dst_rule_valid(r);
}

/* The DST part of the file's parameters, or none, said when it is dropped. */
static void dst_part(repair *rp, const espi_ltp_res *ltp, espi_time_params *tp)
{
    espi_dst_rule a, b;
    bool none = (ltp->dst_start_rule == ESPI_DST_RULE_NONE || ltp->dst_start_rule == ESPI_ABSENT) &&
                (ltp->dst_end_rule == ESPI_DST_RULE_NONE || ltp->dst_end_rule == ESPI_ABSENT);
    bool offset_ok =
        ltp->dst_offset != ESPI_ABSENT && ltp->dst_offset > 0 && ltp->dst_offset <= TZ_LTP_MAX_DST;
    tp->dst_offset = 0;
    tp->dst_start_rule = tp->dst_end_rule = ESPI_DST_RULE_NONE;
    if (none && (ltp->dst_offset == ESPI_ABSENT || ltp->dst_offset == 0))
        return; /* no DST, and the file says so */
    if (!none && offset_ok && usable_rule(ltp->dst_start_rule, &a) &&
        usable_rule(ltp->dst_end_rule, &b)) {
        tp->dst_offset = (int32_t)ltp->dst_offset;
        tp->dst_start_rule = (uint32_t)ltp->dst_start_rule;
        tp->dst_end_rule = (uint32_t)ltp->dst_end_rule;
        return;
    }
    note(rp, "repair-ltp-dst", T_LTP, ltp->entry.line,
         "daylight-saving part(s) that are not valid (a rule that does not decode, or a "
         "dstOffset that is none or beyond 4 hours)",
         "dropped: the zone keeps its standard offset all year (give --tz for the real zone)",
         "dstOffset %lld, rules %llX / %llX",
         (long long)(ltp->dst_offset == ESPI_ABSENT ? 0 : ltp->dst_offset),
         (unsigned long long)(ltp->dst_start_rule == ESPI_ABSENT ? 0 : ltp->dst_start_rule),
         (unsigned long long)(ltp->dst_end_rule == ESPI_ABSENT ? 0 : ltp->dst_end_rule));
}

/* "STD8DST,M3.2.0/2,M11.1.0/2"; false when the rules have no POSIX form. */
static bool posix_zone(char *buf, size_t size, const espi_time_params *tp)
{
    size_t len = 0;
    buf[0] = '\0';
    espi_bufprintf(buf, size, &len, "STD");
    posix_offset(buf, size, &len, tp->tz_offset);
    if (tp->dst_start_rule == ESPI_DST_RULE_NONE)
        return true;
    espi_dst_rule a, b;
    espi_dst_rule_decode(&a, tp->dst_start_rule);
    espi_dst_rule_decode(&b, tp->dst_end_rule);
    espi_bufprintf(buf, size, &len, "DST");
    if (tp->dst_offset != 3600) /* POSIX's default: an hour ahead */
        posix_offset(buf, size, &len, tp->tz_offset + tp->dst_offset);
    return posix_rule(buf, size, &len, &a) && posix_rule(buf, size, &len, &b);
}

/* The LocalTimeParameters the usage points link to (the first, in file
 * order), else the file's first. Others that differ are not carried. */
static const espi_ltp_res *chosen_ltp(repair *rp)
{
    const espi_ltp_res *ltp = NULL;
    for (size_t i = 0; i < rp->nups && ltp == NULL; i++)
        ltp = rp->ups[i]->res ? rp->ups[i]->res->ltp : NULL;
    if (ltp == NULL && rp->ltps.n > 0)
        ltp = rp->ltps.items[0];
    for (size_t i = 0; ltp && i < rp->ltps.n; i++) {
        const espi_ltp_res *o = rp->ltps.items[i];
        if (o != ltp &&
            (o->tz_offset != ltp->tz_offset || o->dst_offset != ltp->dst_offset ||
             o->dst_start_rule != ltp->dst_start_rule || o->dst_end_rule != ltp->dst_end_rule))
            note(rp, "repair-not-carried", T_LTP, o->entry.line, "that differ from the ones used",
                 "not carried: a feed written by espi has one", NULL);
    }
    return ltp;
}

/* The zone for the converter, when it has none yet (it then owns it). */
static int hand_zone(repair *rp, const char *posix, const espi_time_params *tp, const char *name)
{
    if (rp->in->zone == NULL || *rp->in->zone != NULL)
        return 0;
    espi_tz *zone = NULL;
    espi_error e;
    bool ignored;
    if (posix ? espi_tz_load(&zone, posix, &e) != 0
              : tz_from_time_params(&zone, tp, name, &ignored) != 0)
        return fatal(rp, "repair-zone", 0, "the file's LocalTimeParameters (%s) give no zone",
                     name);
    *rp->in->zone = zone;
    return 0;
}

static int no_time_params(repair *rp, const espi_ltp_res *ltp)
{
    unsigned long line = ltp ? ltp->entry.line : 0;
    bool own = rp->in->zone && *rp->in->zone == NULL;
    const char *action = own ? "the feed is written in UTC (give --tz for the real zone)"
                             : "the zone already given (--tz or an earlier input) is used";
    if (ltp == NULL)
        note(rp, "repair-ltp-missing", T_FEED, line, "without LocalTimeParameters", action, NULL);
    else
        note(rp, "repair-ltp-offset", T_LTP, line, "without a usable tzOffset", action,
             "tzOffset %lld", (long long)(ltp->tz_offset == ESPI_ABSENT ? 0 : ltp->tz_offset));
    if (!own)
        return 0;
    espi_time_params tp = {0, 0, ESPI_DST_RULE_NONE, ESPI_DST_RULE_NONE};
    espi_error e;
    if (espi_feed_set_time_params(rp->in->feed, "UTC0", &tp, &e) != 0)
        return nomem(rp);
    return hand_zone(rp, "UTC0", &tp, "UTC0");
}

static int time_params(repair *rp)
{
    const espi_ltp_res *ltp = chosen_ltp(rp);
    if (ltp == NULL || ltp->tz_offset == ESPI_ABSENT || ltp->tz_offset < -TZ_LTP_MAX_OFFSET ||
        ltp->tz_offset > TZ_LTP_MAX_OFFSET)
        return no_time_params(rp, ltp);
    espi_time_params tp = {(int32_t)ltp->tz_offset, 0, ESPI_DST_RULE_NONE, ESPI_DST_RULE_NONE};
    dst_part(rp, ltp, &tp);
    char posix[96], name[96];
    bool has_posix = posix_zone(posix, sizeof posix, &tp);
    if (has_posix)
        espi_strlcpy(name, posix, sizeof name);
    else
        snprintf(name, sizeof name, "tzOffset %d, dstOffset %d, rules %08X/%08X", tp.tz_offset,
                 tp.dst_offset, tp.dst_start_rule, tp.dst_end_rule);
    espi_error e;
    if (espi_feed_set_time_params(rp->in->feed, name, &tp, &e) != 0)
        return nomem(rp);
    return hand_zone(rp, has_posix ? posix : NULL, &tp, name);
}

/* ------------------------------------------------------------------ */
/* The end of the feed: the model                                      */
/* ------------------------------------------------------------------ */

static void note_feed(repair *rp, const espi_feed_res *feed)
{
    for (size_t i = 0; i < feed->nlinks; i++) {
        const espi_link *l = &feed->links[i];
        if (l->type == NULL || l->type[0] == '\0')
            note(rp, "repair-link-type", T_FEED, feed->line, "link(s) without a type",
                 "every link written has its type (ESPI 3.3 requires it)", "rel=\"%s\" href=\"%s\"",
                 l->rel ? l->rel : "", l->href);
        if (l->rel && strcmp(l->rel, "self") != 0)
            note(rp, "repair-not-carried", T_FEED, feed->line, "link(s) other than self",
                 "not carried: the feed written links to itself only (a GBA certificate link "
                 "belongs in the utility's own downloads)",
                 "rel=\"%s\" href=\"%s\"", l->rel, l->href);
    }
}

static void note_idle_meter_readings(repair *rp)
{
    for (size_t i = 0; i < rp->nmrs; i++)
        if (rp->mrs[i]->res && !rp->mrs[i]->carried)
            note(rp, "repair-not-carried", T_MR, rp->mrs[i]->line, "without readings",
                 "not carried, with their ReadingTypes: a MeterReading without IntervalBlocks "
                 "holds no data",
                 "%s", rp->mrs[i]->key);
}

static int finish(repair *rp, const espi_feed_res *feed)
{
    note_feed(rp, feed);
    int rc = rp->bad_time_line ? fatal(rp, "repair-bad-time", rp->bad_time_line,
                                       "%s is neither seconds nor milliseconds since 1970 (before "
                                       "2100); this time cannot be repaired",
                                       rp->bad_time)
                               : 0;
    size_t real = rp->nups;
    for (size_t i = 0; rc == 0 && i < real; i++)
        rc = make_usage_point(rp, rp->ups[i]);
    if (rc == 0)
        rc = resolve_orphans(rp);
    for (size_t i = 0; rc == 0 && i < rp->nmrs; i++)
        if (rp->mrs[i]->n > 0)
            rc = make_channel(rp, rp->mrs[i]);
    if (rc == 0)
        note_idle_meter_readings(rp);
    for (size_t i = 0; rc == 0 && i < rp->sums.n; i++)
        rc = add_summary(rp, rp->sums.items[i]);
    if (rc == 0)
        rc = time_params(rp);
    if (rc == 0 && rp->nups == 0 && rp->carried == 0)
        note(rp, "repair-no-usage", T_FEED, feed->line,
             "without usage data (no UsagePoint, reading or summary)",
             "the feed written holds none either", NULL);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Resources as espi_read hands them over                              */
/* ------------------------------------------------------------------ */

static void note_other(repair *rp, const espi_resource *res)
{
    const espi_other_res *o = res->u.other;
    bool customer = o->ns && strstr(o->ns, "customer") != NULL;
    char what[160];
    snprintf(what, sizeof what, "%s resource(s) <%s>", customer ? "customer (PII)" : "ESPI",
             res->name);
    note(rp, "repair-not-carried", T_ENTRY, o->entry.line, what,
         customer ? "not carried: a usage feed holds no personal data (customer resources go "
                    "in a separate feed)"
                  : "not carried: espi writes usage data only",
         NULL);
}

static int on_resource(const espi_resource *res, void *ctx)
{
    repair *rp = ctx;
    int rc = 0;
    switch (res->kind) {
    case ESPI_RES_USAGE_POINT: rc = add_usage_point(rp, res->u.usage_point); break;
    case ESPI_RES_METER_READING:
        rc = meter_reading_info(rp, res->u.meter_reading) ? 0 : nomem(rp);
        break;
    case ESPI_RES_READING_TYPE:
        rc = list_push(&rp->rts, res->u.reading_type) ? nomem(rp) : 0;
        break;
    case ESPI_RES_LOCAL_TIME_PARAMETERS:
        rc = list_push(&rp->ltps, res->u.ltp) ? nomem(rp) : 0;
        break;
    case ESPI_RES_INTERVAL_READING: rc = on_reading(rp, res->u.reading); break;
    case ESPI_RES_USAGE_SUMMARY:
        rc = list_push(&rp->sums, res->u.usage_summary) ? nomem(rp) : 0;
        break;
    case ESPI_RES_QUALITY_SUMMARY:
        note(rp, "repair-not-carried", T_QUALITY, res->u.quality_summary->entry.line, "resource(s)",
             "not carried: the feed model has no power-quality data", NULL);
        break;
    case ESPI_RES_OTHER: note_other(rp, res); break;
    case ESPI_RES_FEED: rc = finish(rp, res->u.feed); break;
    default: break;
    }
    return rc ? rc : rp->failed ? rp->err->status : 0;
}

/* ------------------------------------------------------------------ */
/* The input                                                           */
/* ------------------------------------------------------------------ */

static void repair_free(repair *rp)
{
    for (size_t i = 0; i < rp->nups; i++) {
        free(rp->ups[i]->key);
        free(rp->ups[i]->tariff);
        free(rp->ups[i]->read_cycle);
        free(rp->ups[i]);
    }
    free(rp->ups);
    for (size_t i = 0; i < rp->nmrs; i++) {
        free(rp->mrs[i]->key);
        free(rp->mrs[i]->readings);
        free(rp->mrs[i]);
    }
    free(rp->mrs);
    for (size_t i = 0; i < rp->norphans; i++) {
        free(rp->orphans[i]->up);
        free(rp->orphans[i]->self);
        free(rp->orphans[i]->readings);
        free(rp->orphans[i]);
    }
    free(rp->orphans);
    free(rp->rts.items);
    free(rp->ltps.items);
    free(rp->sums.items);
    xmlHashFree(rp->by_res, NULL);
    xmlHashFree(rp->keys, NULL);
    for (size_t i = 0; i < rp->ntallies; i++) {
        free(rp->tallies[i].what);
        free(rp->tallies[i].first);
    }
    free(rp->tallies);
    for (size_t i = 0; i < rp->ntapped; i++) {
        free(rp->tapped[i].tariff);
        free(rp->tapped[i].read_cycle);
    }
    free(rp->tapped);
    hashset_free(&rp->ids);
}

/* One pass of the reader, observed and tapped. */
static int read_feed(repair *rp, FILE *f, const unsigned char *head, size_t head_len)
{
    rp->tap = (tap){.rp = rp, .reading_depth = -1, .up_depth = -1, .sdp_depth = -1};
    read_observer obs = {rp,         on_field,           on_entry, NULL, tap_plug,
                         tap_unplug, (const char *)head, head_len, true};
    espi_read_options ro = {on_reader_diag, rp, 0, 0};
    espi_error read_err;
    int rc = reader_run(f, rp->name, &ro, &obs, on_resource, rp, &read_err);
    if (rp->failed)
        return rp->err->status;
    if (rc != 0)
        *rp->err = read_err;
    return rc;
}

int espi_repair_read_into(const convert_input *in, FILE *f, espi_error *err)
{
    repair rp = {.in = in, .name = in->name ? in->name : "<input>", .err = err};
    unsigned char head[HEAD_BYTES];
    size_t n = fread(head, 1, sizeof head, f);
    if (n < sizeof head && ferror(f))
        return espi_fail(err, ESPI_E_IO, "io", &(espi_loc){rp.name, 0, 0, NULL},
                         "cannot read the input");
    zip_input *z = NULL;
    int rc = zip_input_sniff(head, n) ? zip_input_open(&z, f, head, n, rp.name, err) : 0;
    if (rc != 0)
        return rc;
    hashset_init(&rp.ids, ID_SET_MAX);
    rp.by_res = xmlHashCreate(64);
    rp.keys = xmlHashCreate(64);
    if (rp.by_res == NULL || rp.keys == NULL)
        rc = espi_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    if (rc == 0 && z) {
        rp.name = zip_input_name(z);
        rc = read_feed(&rp, zip_input_stream(z), NULL, 0);
        if (zip_input_check(z, NULL) != 0) /* a damaged member reads as an I/O error */
            rc = zip_input_check(z, err);
    } else if (rc == 0) {
        rc = read_feed(&rp, f, head, n);
    }
    report(&rp);
    repair_free(&rp);
    zip_input_close(z);
    return rc;
}
