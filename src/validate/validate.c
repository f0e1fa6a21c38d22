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
 * readings. Findings are kept until the file's end (at most
 * DEFERRED_PER_RULE of a rule, the rest counted), then those of the rules
 * whose family applies (the families may be chosen from the file's
 * ReadingTypes, known only then) are sorted into file order and handed on. */
#include "common/codes.h"
#include "common/decimal.h"
#include "common/error.h"
#include "common/grow.h"
#include "common/hashset.h"
#include "common/libinit.h"
#include "read/links.h"
#include "read/reader.h"
#include "validate/schema.h"
#include "validate/schema_relay.h"
#include "common/tz.h"

#include <libxml/hash.h>
#include <libxml/xmlschemas.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Most findings of one rule kept for the end of a file; the rest are counted. */
#define DEFERRED_PER_RULE 1000
/* Entry ids and self links are checked for repeats in sets of at most 2^21
 * slots each (24 MB, a million entries), so memory stays bounded. */
#define ID_SET_MAX ((size_t)1 << 21)
/* Readings whose start has a fraction of a second are noted (for
 * block-start) in a set of at most 2^16 slots, two a reading: past 16,384
 * such readings, more go unnoticed (each is a time-fraction error anyway). */
#define FRACTION_SET_MAX ((size_t)1 << 16)

#define YEAR_1 (-62135596800LL)   /* 0001-01-01T00:00:00Z */
#define YEAR_10000 253402300800LL /* 10000-01-01T00:00:00Z */
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
    int64_t last_start; /* of the reading before: a repeat is usually right after */
    size_t nreadings;
} mr_state;

/* A block whose readings are being delivered. */
typedef struct block_state {
    const espi_interval_block_res *block;
    size_t readings, with_cost;
    int64_t first_start;
    read_pos first_at;
    uint64_t start_fraction; /* of the block's own start (fraction_of); 0: whole seconds */
    size_t outside;          /* readings outside the block's interval: the first and last */
    read_pos outside_first, outside_last;
    int64_t outside_first_start, outside_last_start;
} block_state;

typedef struct finding {
    const espi_rule *rule;
    unsigned long line, column;
    char *where;
    char *message;
    size_t seq;  /* the order found: ties in file order keep it */
    size_t sub;  /* schema findings made on their own thread at one seq: their order */
    bool detail; /* one reading behind a summing finding (verbose): not counted */
} finding;

/* The fields whose place the rules name (a field's first occurrence). */
typedef enum loc_field {
    LF_KIND,      /* ReadingType kind; UsagePoint ServiceCategory/kind */
    LF_INTERVAL,  /* intervalLength */
    LF_CURRENCY,  /* a ReadingType's */
    LF_COMMODITY, /* a ReadingType's */
    LF_START,     /* an IntervalBlock's interval/start */
    LF_TZ_OFFSET, /* tzOffset */
    LF_COUNT
} loc_field;

/* Where a resource and its entry's parts stand, while the resource lives
 * (to the end for the small resources kept; a block's until it ends). */
typedef struct locs {
    const void *res;
    read_pos entry, element;
    read_pos *links; /* by the index of the entry's links */
    size_t nlinks;
    read_pos fields[LF_COUNT];
} locs;

/* locs by resource pointer: open addressing, linear probing. */
typedef struct loc_map {
    locs **slot;
    size_t cap, n;
} loc_map;

/* Readings that disagree with one cause (a ReadingType), summed up into
 * one finding at the end: how many, their first and last. What the
 * finding says of its cause is copied: the cause is gone by then. */
typedef struct tally {
    const void *cause;
    const char *rule;
    size_t n;
    int64_t value;     /* the first one's duration (reading-duration) */
    bool mixed;        /* not all of them the same value */
    const espi_tz *tz; /* for local times (v->zones holds it) */
    read_pos first, last;
    int64_t first_start, last_start;
    read_pos at;        /* the cause's element the finding names */
    int64_t interval;   /* the ReadingType's intervalLength */
    bool currency;      /* the ReadingType has one */
    char entry_id[128]; /* the cause's entry */
} tally;

/* A zone built from LocalTimeParameters, for local times in messages. */
typedef struct zone {
    const espi_ltp_res *ltp;
    espi_tz *tz; /* NULL: the offsets are beyond any zone's */
} zone;

/* What a schema finding's place and entry depend on, kept as the reader
 * goes. With the schema on its own thread (schema_relay.h), that thread
 * keeps a copy, from notes recorded between the events. */
typedef struct schema_view {
    read_pos open_at[READ_MAX_NESTING]; /* where the open elements start, by depth */
    int depth;
    bool last_was_start; /* the last element event was a start tag */
    char entry_id[128];  /* the current entry, for [entry ...] */
    size_t seq;          /* the next finding's order: odd (schema_side's are even) */
} schema_view;

typedef enum view_change { VIEW_ELEMENT, VIEW_ENTRY, VIEW_SEQ } view_change;

/* A note to the schema's thread: one change of the view, as short as it
 * can be (there are two an element): VIEW_ELEMENT at an element's end, and
 * VIEW_ENTRY, stop after depth (VIEW_ENTRY's id follows there, with its
 * NUL). */
typedef struct view_note {
    int32_t change; /* view_change */
    int32_t depth;  /* VIEW_ELEMENT */
    union {
        read_pos at; /* VIEW_ELEMENT at a start: where the element starts (its line, > 0) */
        size_t seq;  /* VIEW_SEQ */
    } u;
} view_note;

#define NOTE_SHORT offsetof(view_note, u) /* a note without u */

typedef struct validator validator;

/* The schema on its own thread: its copy of the view, and what it found,
 * handed to the validator once the thread has ended. */
typedef struct schema_side {
    const validator *v; /* read there: options and rules only */
    const espi_rule *rule;
    schema_relay *relay;
    schema_view view;
    finding *found;
    size_t nfound, cap;
    size_t uncounted; /* past keep_cap(), or no memory to keep: counted at the merge */
    bool nomem;       /* the relay ran out: the validation failed */
} schema_side;

typedef struct rule_count {
    size_t reported, dropped;
} rule_count;

struct validator {
    const char *name;
    espi_validate_options o;
    espi_validate_summary *sum;
    bool families_known;
    /* per-rule counts and findings kept for the end */
    const espi_rule *rules;
    size_t nrules;
    rule_count *counts;
    size_t *left_out; /* per rule: findings not wanted (ignore, only), counted; NULL: all wanted */
    finding *deferred;
    size_t ndeferred, deferred_cap;
    schema_view view; /* the current entry, the open elements, the order of findings */
    /* schema */
    xmlSchemaPtr schema;
    xmlSchemaValidCtxtPtr vc;
    xmlSchemaSAXPlugPtr plug;
    xmlParserCtxtPtr parser;
    schema_side *side; /* the schema on its own thread; NULL: plugged in directly */
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
    hashset fractions;          /* readings whose start has a fraction of a second (block-start) */
    xmlHashTablePtr mr_related; /* related href of MeterReadings -> how many have it */
    xmlHashTablePtr up_related; /* at the end: related href of UsagePoints -> how many */
    mr_state *mrstates;
    size_t nmrstates, mrstates_cap;
    size_t last_mr;
    block_state *open;
    size_t nopen, open_cap;
    /* the entry being read: where its id and links stand (links: from on_places) */
    read_pos entry_id_at;
    read_pos *entry_links;
    size_t nentry_links, entry_links_cap;
    const espi_usage_summary_res **sums;
    size_t nsums, sums_cap;
    read_pos at; /* where the reader's current call is about (read_observer.at) */
    loc_map locs;
    tally *tallies;
    size_t ntallies, tallies_cap;
    zone *zones;
    size_t nzones, zones_cap;
    size_t ndetails; /* kept findings that are one reading of a summing one (verbose) */
    bool fragment;   /* the root is one entry: rules that need the whole feed cannot apply */
};

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

/* Under a profile (the caller chose the families: a GBA preset), a rule
 * that stands for a GBA test (a D code) is an error whatever its catalogue
 * severity, since the preset fails the file (docs/rules.md, "Families and
 * profiles"). */
static espi_severity severity_of(const validator *v, const espi_rule *r)
{
    return v->o.families && r->gba && r->gba[0] == 'D' ? ESPI_SEV_ERROR : r->severity;
}

/* Whether ignore/only leave rule r out: its finding is then only counted
 * (and that count added to the summary at the end, if its family applies). */
static bool left_out(validator *v, const espi_rule *r)
{
    if (v->left_out == NULL || v->left_out[r - v->rules] == SIZE_MAX)
        return false;
    v->left_out[r - v->rules]++;
    return true;
}

/* Whether rule r is of a family the file is known not to be held to. */
static bool excluded(const validator *v, const espi_rule *r)
{
    return r->families && v->families_known && !(r->families & v->sum->families);
}

/* How many findings of one rule are kept: DEFERRED_PER_RULE, or fewer with
 * max_per_rule. */
static size_t keep_cap(const validator *v)
{
    return v->o.max_per_rule && v->o.max_per_rule < DEFERRED_PER_RULE ? v->o.max_per_rule
                                                                      : DEFERRED_PER_RULE;
}

/* ------------------------------------------------------------------ */
/* The schema view, and its notes to the schema's thread               */
/* ------------------------------------------------------------------ */

/* A change of the view, for the schema's thread: len bytes of n. Only
 * while the relay runs (between plug and unplug). */
static void note_view(validator *v, const view_note *n, size_t len)
{
    if (v->side && v->side->relay)
        relay_note(v->side->relay, n, len);
}

static void note_seq(validator *v)
{
    view_note n = {.change = VIEW_SEQ, .u.seq = v->view.seq};
    note_view(v, &n, sizeof n);
}

static void set_entry_id(validator *v, const char *id)
{
    snprintf(v->view.entry_id, sizeof v->view.entry_id, "%s", id);
    if (v->side == NULL)
        return;
    struct {
        int32_t change, pad;
        char id[sizeof v->view.entry_id];
    } note = {.change = VIEW_ENTRY};
    size_t len = strlen(v->view.entry_id);
    memcpy(note.id, v->view.entry_id, len + 1);
    note_view(v, (const view_note *)(const void *)&note, NOTE_SHORT + len + 1);
}

/* An element's start (line > 0) at depth, where it starts; or its end (line 0). */
static void view_element(schema_view *w, int depth, unsigned long line, read_pos at)
{
    if (depth >= 0 && depth < READ_MAX_NESTING && line)
        w->open_at[depth] = at;
    w->depth = line ? depth + 1 : depth;
    w->last_was_start = line != 0;
}

/* On the schema's thread: the view changes as the validator's did there. */
static void on_view_note(void *ctx, const void *note, size_t len)
{
    schema_side *s = ctx;
    const view_note *n = note; /* recorded at an 8-byte boundary */
    switch ((view_change)n->change) {
    case VIEW_ELEMENT:
        if (len == sizeof *n) /* a start */
            view_element(&s->view, n->depth, n->u.at.line, n->u.at);
        else
            view_element(&s->view, n->depth, 0, (read_pos){0, 0});
        break;
    case VIEW_ENTRY:
        snprintf(s->view.entry_id, sizeof s->view.entry_id, "%.*s", (int)(len - NOTE_SHORT),
                 (const char *)note + NOTE_SHORT);
        break;
    case VIEW_SEQ: s->view.seq = n->u.seq; break;
    }
}

/* ------------------------------------------------------------------ */
/* Keeping findings                                                    */
/* ------------------------------------------------------------------ */

/* Every finding of a file is kept until its end, then sorted into file
 * order (flush_deferred): at most keep_cap() of a rule, the rest (and any
 * that memory cannot hold) counted, so memory stays bounded. A detail (one
 * reading behind a summing finding) is no finding: never counted. seq and
 * sub order findings at one place. Whether it was kept. */
static bool keep_as(validator *v, const espi_rule *r, read_pos at, const char *where,
                    const char *message, bool detail, size_t seq, size_t sub)
{
    if (detail ? v->left_out && v->left_out[r - v->rules] != SIZE_MAX : left_out(v, r))
        return false;
    rule_count *c = &v->counts[r - v->rules];
    if (detail ? v->ndetails >= DEFERRED_PER_RULE : c->reported >= keep_cap(v)) {
        c->dropped += !detail;
        return false;
    }
    finding *f = grow_array(v->deferred, &v->deferred_cap, v->ndeferred, sizeof *f, 64);
    if (f != NULL) {
        v->deferred = f;
        f = &v->deferred[v->ndeferred];
        *f = (finding){
            r,   at.line, at.column, where && where[0] ? strdup(where) : NULL, strdup(message),
            seq, sub,     detail};
    }
    if (f == NULL || f->message == NULL || (where && where[0] && f->where == NULL)) {
        if (f)
            free(f->where), free(f->message);
        c->dropped += !detail; /* still counted: an error must not vanish */
        return false;
    }
    v->ndeferred++;
    if (detail)
        v->ndetails++;
    else
        c->reported++;
    return true;
}

/* A finding in the order found. */
static void keep(validator *v, const espi_rule *r, read_pos at, const char *where,
                 const char *message, bool detail)
{
    if (keep_as(v, r, at, where, message, detail, v->view.seq, 0)) {
        v->view.seq += 2;
        note_seq(v);
    }
}

static void vfind(validator *v, const char *id, read_pos at, const char *where, bool detail,
                  const char *fmt, va_list ap) ATTR_PRINTF(6, 0);

static void vfind(validator *v, const char *id, read_pos at, const char *where, bool detail,
                  const char *fmt, va_list ap)
{
    const espi_rule *r = rule(v, id);
    if (r == NULL)
        return;
    if (v->o.schema_only && strcmp(id, "schema") != 0)
        return;
    if (excluded(v, r))
        return;
    char message[512];
    vsnprintf(message, sizeof message, fmt, ap);
    keep(v, r, at, where, message, detail);
}

/* A finding of rule id at a place, about the current entry. */
static void find(validator *v, const char *id, read_pos at, const char *fmt, ...) ATTR_PRINTF(4, 5);
static void find(validator *v, const char *id, read_pos at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfind(v, id, at, v->view.entry_id, false, fmt, ap);
    va_end(ap);
}

/* The same about a given entry (a resource or block read earlier). */
static void find_in(validator *v, const char *id, read_pos at, const espi_entry *e, const char *fmt,
                    ...) ATTR_PRINTF(5, 6);
static void find_in(validator *v, const char *id, read_pos at, const espi_entry *e, const char *fmt,
                    ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfind(v, id, at, e && e->id ? e->id : NULL, false, fmt, ap);
    va_end(ap);
}

/* One reading behind a finding that sums many up: listed with --verbose
 * only, and not counted (the summing finding is). */
static void find_detail(validator *v, const char *id, read_pos at, const espi_entry *e,
                        const char *fmt, ...) ATTR_PRINTF(5, 6);
static void find_detail(validator *v, const char *id, read_pos at, const espi_entry *e,
                        const char *fmt, ...)
{
    if (!v->o.verbose)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfind(v, id, at, e && e->id ? e->id : NULL, true, fmt, ap);
    va_end(ap);
}

/* Whether a finding of rule id would only be counted (its rule left out,
 * or as many kept as may be): then it is counted here, and the caller need
 * not format it (the per-reading rules, a million times in a file). */
static bool over_cap(validator *v, const char *id)
{
    const espi_rule *r = rule(v, id);
    if (r == NULL || (v->o.schema_only && strcmp(id, "schema") != 0) || excluded(v, r))
        return true;
    rule_count *c = &v->counts[r - v->rules];
    if (c->reported < keep_cap(v))
        return false;
    if (!left_out(v, r))
        c->dropped++;
    return true;
}

/* Where a reading's <IntervalReading> starts. */
static read_pos reading_pos(const espi_interval_reading_res *r)
{
    return (read_pos){r->line, r->column};
}

/* File order: by line, then column, then the order found; a finding with
 * no place (line 0) after those with one. */
static int by_place(const void *a, const void *b)
{
    const finding *x = a, *y = b;
    unsigned long xl = x->line ? x->line : (unsigned long)-1;
    unsigned long yl = y->line ? y->line : (unsigned long)-1;
    if (xl != yl)
        return xl < yl ? -1 : 1;
    if (x->column != y->column)
        return x->column < y->column ? -1 : 1;
    if (x->seq != y->seq)
        return x->seq < y->seq ? -1 : 1;
    return (x->sub > y->sub) - (x->sub < y->sub);
}

/* Whether rule r applies, once the file's families are known. */
static bool applies(const validator *v, const espi_rule *r)
{
    return r->families == 0 || (r->families & v->sum->families);
}

/* Hands a kept finding to the caller. */
static void deliver(validator *v, const finding *f)
{
    if (v->o.on_finding == NULL)
        return;
    char where_text[160];
    if (f->where)
        snprintf(where_text, sizeof where_text, "entry %s", f->where);
    espi_diag d = {severity_of(v, f->rule),      f->rule->id, v->name, f->line, f->column,
                   f->where ? where_text : NULL, f->message};
    v->o.on_finding(&d, v->o.finding_ctx);
}

/* At the end of the file: the findings kept, of the rules whose family
 * applies, in file order, counted by severity (details are not). */
static void flush_deferred(validator *v)
{
    if (v->ndeferred > 1)
        qsort(v->deferred, v->ndeferred, sizeof *v->deferred, by_place);
    for (size_t i = 0; i < v->ndeferred; i++) {
        const finding *f = &v->deferred[i];
        if (!applies(v, f->rule))
            continue;
        if (!f->detail)
            count_severity(v, severity_of(v, f->rule), 1);
        deliver(v, f);
    }
}

/* At the end of the file, for the rules whose family applies: per rule, how
 * many findings the caps held back (counted by severity; said as counts,
 * not findings: a program must not read them as one), and how many the
 * rules left out by ignore/only had. */
static void report_dropped(validator *v)
{
    for (size_t i = 0; i < v->nrules; i++) {
        const espi_rule *r = &v->rules[i];
        if (!applies(v, r))
            continue;
        if (v->left_out && v->left_out[i] != SIZE_MAX)
            v->sum->ignored += v->left_out[i];
        size_t dropped = v->counts[i].dropped;
        if (dropped == 0)
            continue;
        count_severity(v, severity_of(v, r), dropped);
        v->sum->suppressed += dropped;
        if (v->o.on_suppressed)
            v->o.on_suppressed(r, dropped, v->o.finding_ctx);
    }
}

/* The rules ignore/only leave out, marked in v->left_out (SIZE_MAX: wanted);
 * ESPI_E_ARG for an id that is not a rule. */
static int choose_rules(validator *v, espi_error *err)
{
    const espi_validate_options *o = &v->o;
    if (o->nignore == 0 && o->nonly == 0)
        return 0;
    v->left_out = malloc(v->nrules * sizeof *v->left_out);
    if (v->left_out == NULL)
        return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    for (size_t i = 0; i < v->nrules; i++)
        v->left_out[i] = o->nonly ? 0 : SIZE_MAX;
    for (int pass = 0; pass < 2; pass++) {
        size_t n = pass ? o->nignore : o->nonly;
        const char *const *ids = pass ? o->ignore : o->only;
        for (size_t k = 0; k < n; k++) {
            const espi_rule *r = ids ? rule(v, ids[k]) : NULL;
            if (r == NULL)
                return err_fail(err, ESPI_E_ARG, "unknown-rule", NULL,
                                "unknown rule '%s' in %s: espi_rules() lists the rules",
                                ids && ids[k] ? ids[k] : "(null)", pass ? "ignore" : "only");
            v->left_out[r - v->rules] = pass ? 0 : SIZE_MAX;
        }
    }
    return 0;
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
/* Places: where the elements a finding names stand                    */
/* ------------------------------------------------------------------ */

static size_t ptr_hash(const void *p, size_t cap)
{
    uint64_t x = (uint64_t)(uintptr_t)p;
    x ^= x >> 29;
    x *= 0x9E3779B97F4A7C15ULL;
    return (size_t)(x >> 32) & (cap - 1);
}

static size_t locs_index(const loc_map *m, const void *res)
{
    size_t i = ptr_hash(res, m->cap);
    while (m->slot[i] && m->slot[i]->res != res)
        i = (i + 1) & (m->cap - 1);
    return i;
}

static int locs_grow(loc_map *m)
{
    size_t cap = m->cap ? m->cap * 2 : 64;
    locs **slot = calloc(cap, sizeof *slot);
    if (slot == NULL)
        return -1;
    loc_map g = {slot, cap, m->n};
    for (size_t i = 0; i < m->cap; i++)
        if (m->slot[i])
            g.slot[locs_index(&g, m->slot[i]->res)] = m->slot[i];
    free(m->slot);
    *m = g;
    return 0;
}

/* The places of a resource; made when make is set (NULL when out of memory). */
static locs *locs_of(validator *v, const void *res, bool make)
{
    loc_map *m = &v->locs;
    if (res == NULL)
        return NULL;
    if (make && (m->n + 1) * 4 > m->cap * 3 && locs_grow(m) != 0)
        return NULL;
    if (m->cap == 0)
        return NULL;
    size_t i = locs_index(m, res);
    if (m->slot[i] || !make)
        return m->slot[i];
    locs *l = calloc(1, sizeof *l);
    if (l == NULL)
        return NULL;
    l->res = res;
    m->slot[i] = l;
    m->n++;
    return l;
}

/* A block's places, once it has ended (its address may be used again). */
static void locs_drop(validator *v, const void *res)
{
    loc_map *m = &v->locs;
    if (m->cap == 0)
        return;
    size_t i = locs_index(m, res);
    if (m->slot[i] == NULL)
        return;
    free(m->slot[i]->links);
    free(m->slot[i]);
    m->slot[i] = NULL;
    m->n--;
    for (size_t j = (i + 1) & (m->cap - 1); m->slot[j]; j = (j + 1) & (m->cap - 1)) {
        locs *l = m->slot[j]; /* moved back where a lookup will meet it */
        m->slot[j] = NULL;
        m->slot[locs_index(m, l->res)] = l;
    }
}

static void locs_free(loc_map *m)
{
    for (size_t i = 0; i < m->cap; i++)
        if (m->slot[i]) {
            free(m->slot[i]->links);
            free(m->slot[i]);
        }
    free(m->slot);
}

/* Where the reader said a resource's entry and its parts stand. */
static void on_places(void *ctx, const void *res, espi_resource_kind kind, const read_places *p)
{
    validator *v = ctx;
    v->nentry_links = 0;
    if (p->nlinks > v->entry_links_cap) {
        read_pos *g = realloc(v->entry_links, p->nlinks * sizeof *g);
        if (g) {
            v->entry_links = g;
            v->entry_links_cap = p->nlinks;
        }
    }
    if (p->links && p->nlinks > 0 && p->nlinks <= v->entry_links_cap) { /* for on_entry next */
        memcpy(v->entry_links, p->links, p->nlinks * sizeof *v->entry_links);
        v->nentry_links = p->nlinks;
    }
    if (kind == ESPI_RES_OTHER || kind == ESPI_RES_QUALITY_SUMMARY)
        return; /* not kept: their address may be used again */
    locs *l = locs_of(v, res, true);
    if (l == NULL)
        return;
    l->entry = p->entry;
    l->element = p->element;
    free(l->links);
    l->links = p->nlinks ? malloc(p->nlinks * sizeof *l->links) : NULL;
    l->nlinks = l->links ? p->nlinks : 0;
    if (l->links)
        memcpy(l->links, p->links, p->nlinks * sizeof *l->links);
}

static bool known(read_pos p)
{
    return p.line > 0;
}

/* The first place known of: a, b, c. */
static read_pos first_of(read_pos a, read_pos b, read_pos c)
{
    return known(a) ? a : known(b) ? b : c;
}

/* A resource's entry start tag; the entry's line when the reader said no more. */
static read_pos entry_pos(validator *v, const void *res, const espi_entry *e)
{
    const locs *l = locs_of(v, res, false);
    return first_of(l ? l->entry : (read_pos){0, 0}, (read_pos){0, 0},
                    (read_pos){e ? e->line : 0, 0});
}

/* A resource's own element (<ReadingType>, ...), else its entry. */
static read_pos element_pos(validator *v, const void *res, const espi_entry *e)
{
    const locs *l = locs_of(v, res, false);
    return l && known(l->element) ? l->element : entry_pos(v, res, e);
}

/* A field of a resource, else the resource's element. */
static read_pos field_pos(validator *v, const void *res, const espi_entry *e, loc_field f)
{
    const locs *l = locs_of(v, res, false);
    return l && known(l->fields[f]) ? l->fields[f] : element_pos(v, res, e);
}

/* The entry's k-th link, else the entry. */
static read_pos link_pos(validator *v, const void *res, const espi_entry *e, size_t k)
{
    const locs *l = locs_of(v, res, false);
    return l && k < l->nlinks && known(l->links[k]) ? l->links[k] : entry_pos(v, res, e);
}

/* The entry's link whose href is href (the pointer: e->up, e->self), else the entry. */
static read_pos href_pos(validator *v, const void *res, const espi_entry *e, const char *href)
{
    for (size_t k = 0; e && href && k < e->nlinks; k++)
        if (e->links[k].href == href)
            return link_pos(v, res, e, k);
    return entry_pos(v, res, e);
}

static read_pos pos_at(unsigned long line, unsigned long column)
{
    return (read_pos){line, column};
}

/* ------------------------------------------------------------------ */
/* Times and durations in messages                                     */
/* ------------------------------------------------------------------ */

/* The zone of LocalTimeParameters, built once; NULL when they give none. */
static const espi_tz *zone_of(validator *v, const espi_ltp_res *ltp)
{
    if (ltp == NULL || ltp->tz_offset == ESPI_ABSENT)
        return NULL;
    for (size_t i = 0; i < v->nzones; i++)
        if (v->zones[i].ltp == ltp)
            return v->zones[i].tz;
    zone *z = grow_array(v->zones, &v->zones_cap, v->nzones, sizeof *z, 4);
    if (z == NULL)
        return NULL;
    v->zones = z;
    espi_tz *tz = NULL;
    int64_t dst = ltp->dst_offset == ESPI_ABSENT ? 0 : ltp->dst_offset;
    if (ltp->tz_offset >= -TZ_LTP_MAX_OFFSET && ltp->tz_offset <= TZ_LTP_MAX_OFFSET &&
        dst >= -TZ_LTP_MAX_DST && dst <= TZ_LTP_MAX_DST) {
        espi_time_params p = {
            (int32_t)ltp->tz_offset, (int32_t)dst,
            ltp->dst_start_rule == ESPI_ABSENT ? TZ_DST_RULE_NONE : (uint32_t)ltp->dst_start_rule,
            ltp->dst_end_rule == ESPI_ABSENT ? TZ_DST_RULE_NONE : (uint32_t)ltp->dst_end_rule};
        bool ignored;
        if (tz_from_time_params(&tz, &p, "LocalTimeParameters", &ignored) != 0)
            tz = NULL;
    }
    v->zones[v->nzones++] = (zone){ltp, tz};
    return tz;
}

/* A resource read only anyway (espi_entry.anyway: outside any entry's
 * content, or under a name ESPI does not define) gets its own finding and
 * is not that resource for the rules that need the whole feed: it joins
 * nothing and nothing joins it, though the reader joined it. These give a
 * resource's joins as the rules see them. */
static const espi_meter_reading_res *block_mr(const espi_interval_block_res *b)
{
    const espi_meter_reading_res *mr = b->meter_reading;
    return b->entry.anyway || mr == NULL || mr->entry.anyway ? NULL : mr;
}

static const espi_usage_point_res *mr_up(const espi_meter_reading_res *mr)
{
    const espi_usage_point_res *up = mr ? mr->usage_point : NULL;
    return up && !up->entry.anyway ? up : NULL;
}

static const espi_reading_type_res *mr_rt(const espi_meter_reading_res *mr)
{
    const espi_reading_type_res *rt = mr ? mr->reading_type : NULL;
    return rt && !rt->entry.anyway ? rt : NULL;
}

/* The LocalTimeParameters of a meter reading's usage point; the file's
 * only ones when the link is not known. */
static const espi_ltp_res *ltp_of(const validator *v, const espi_meter_reading_res *mr)
{
    const espi_usage_point_res *up = mr_up(mr);
    if (up && up->ltp && !up->ltp->entry.anyway)
        return up->ltp;
    return v->nltps == 1 ? v->ltps[0] : NULL;
}

/* A time for a message: ISO 8601 UTC, and the local time of the file's
 * LocalTimeParameters (zone_of: DST as at that instant) in parentheses
 * when it gives them, for years 1 to 9999 (an end held at the int64 bound,
 * end_of, lies far beyond: its local time would not fit tz_format_local's
 * 32 bytes, and adding the offset would overflow). */
static const char *when(char buf[80], const espi_tz *tz, int64_t t)
{
    char utc[32], local[32];
    tz_format_utc(utc, t);
    if (tz == NULL || t < YEAR_1 || t > YEAR_10000) {
        snprintf(buf, 80, "%s", utc);
        return buf;
    }
    tz_format_local(local, t, espi_tz_offset_at(NULL, tz, t));
    snprintf(buf, 80, "%s (%s local)", utc, local);
    return buf;
}

/* A duration for a message: "98 days", "1 day 2 h", "15 min", "899 s". */
static const char *span(char buf[64], int64_t secs)
{
    size_t len = 0;
    buf[0] = '\0';
    if (secs < 0) {
        str_bufprintf(buf, 64, &len, "-");
        secs = -secs;
    }
    static const struct {
        int64_t size;
        const char *one, *many;
    } units[] = {
        {86400, " day", " days"}, {3600, " h", " h"}, {60, " min", " min"}, {1, " s", " s"}};
    bool any = false;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        int64_t n = secs / units[i].size;
        secs %= units[i].size;
        if (n == 0)
            continue;
        str_bufprintf(buf, 64, &len, "%s%lld%s", any ? " " : "", (long long)n,
                      n == 1 ? units[i].one : units[i].many);
        any = true;
    }
    if (!any)
        str_bufprintf(buf, 64, &len, "0 s");
    return buf;
}

/* a + b, held at the int64 bounds: a duration read from the file may be
 * anything up to 2^63 - 1, and the end it gives must still compare. */
static int64_t end_of(int64_t a, int64_t b)
{
    if (b > 0 && a > INT64_MAX - b)
        return INT64_MAX;
    if (b < 0 && a < INT64_MIN + 1 - b)
        return INT64_MIN + 1;
    return a + b;
}

/* ------------------------------------------------------------------ */
/* Fields, as they are read                                            */
/* ------------------------------------------------------------------ */

/* The fraction of a second of a time written with one (fraction_text), as
 * a hash of its digits without trailing zeros; 0 for whole seconds. */
static uint64_t fraction_of(const char *text)
{
    if (!fraction_text(text))
        return 0;
    char digits[64];
    str_lcpy(digits, strchr(text, '.') + 1, sizeof digits);
    size_t n = strlen(digits);
    while (n > 0 && digits[n - 1] == '0')
        digits[--n] = '\0';
    return n ? hashset_hash(digits, 41) : 0;
}

/* A reading's key in v->fractions: its place, salted by a fraction's hash
 * (or by FRACTION_ANY: that it has one). */
#define FRACTION_ANY 43
static uint64_t fraction_key(const espi_interval_reading_res *r, uint64_t salt)
{
    char place[48];
    snprintf(place, sizeof place, "%lu:%lu", r->line, r->column);
    return hashset_hash(place, salt);
}

/* Notes a reading's start with a fraction of a second: ESPI times are
 * whole seconds (time-fraction), so it is no block's start unless the
 * block's is written with the same fraction (block-start). */
static void note_fraction(validator *v, const espi_interval_reading_res *r, const char *text)
{
    uint64_t f = fraction_of(text);
    if (f == 0)
        return;
    hashset_add(&v->fractions, fraction_key(r, FRACTION_ANY), r->line ? r->line : 1);
    hashset_add(&v->fractions, fraction_key(r, f), r->line ? r->line : 1);
}

static void check_time_text(validator *v, const char *path, const char *text, read_pos at)
{
    int64_t t;
    if (fraction_text(text)) {
        find(v, "time-fraction", at, "<%s> is %s; ESPI times are whole seconds", last_part(path),
             text);
        return;
    }
    if (!integer_text(text, &t))
        return; /* "number" says it */
    if (t >= MILLISECONDS_FROM || t <= -MILLISECONDS_FROM) {
        char ms[32];
        tz_format_utc(ms, t / 1000);
        find(v, "time-milliseconds", at,
             "<%s> is %s, which reads as milliseconds (%s; year %lld in seconds); ESPI times are "
             "seconds since 1970",
             last_part(path), text, ms, (long long)(1970 + t / 31556952));
    } else if (t < YEAR_1990 || t > YEAR_2100) {
        char utc[32];
        tz_format_utc(utc, t);
        find(v, "time-range", at,
             "<%s> is %s (%s), outside 1990-2100; a reading time there is more likely a mistake",
             last_part(path), text, utc);
    }
}

static void check_rule_text(validator *v, const char *path, const char *text, read_pos at)
{
    size_t n = strlen(text);
    if (n != 8 || strspn(text, "0123456789abcdefABCDEF") != 8) {
        find(v, "ltp-rule", at,
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
        find(v, "ltp-rule", at,
             "<%s> %s does not decode to a DST rule (month %d, operator %d, day %d, weekday %d, "
             "hour %d); an epoch time or a bare date is not a DstRuleType",
             path, text, r.month, r.op, r.dom, r.dow, r.hour);
}

static void check_code(validator *v, code_table t, const char *path, int64_t value, read_pos at)
{
    if (!code_known(t, value))
        find(v, "code", at, "<%s> %lld is not a %s code", last_part(path), (long long)value,
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
                        read_pos at)
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
            check_code(v, list[i].table, path, value, at);
            return;
        }
}

static void check_ltp_number(validator *v, const char *path, int64_t value, read_pos at)
{
    char d[64];
    if (strcmp(path, "tzOffset") == 0 &&
        (value < -14 * 3600 || value > 14 * 3600 || value % 900 != 0))
        find(v, "ltp-offset", at,
             "tzOffset %lld s (%s) is not a time zone's standard offset (whole quarter hours, at "
             "most 14 h from UTC)",
             (long long)value, span(d, value));
    if (strcmp(path, "dstOffset") == 0 && (value < 0 || value > 7200))
        find(v, "ltp-offset", at,
             "dstOffset %lld s (%s) is not a daylight-saving shift (ESPI writes 3600; 0 to 7200 s "
             "occur)",
             (long long)value, span(d, value));
}

/* The place slot of a resource's field, or LF_COUNT. */
static loc_field loc_field_of(espi_resource_kind kind, const char *path)
{
    static const struct {
        espi_resource_kind kind;
        const char *path;
        loc_field f;
    } table[] = {
        {ESPI_RES_READING_TYPE, "kind", LF_KIND},
        {ESPI_RES_READING_TYPE, "intervalLength", LF_INTERVAL},
        {ESPI_RES_READING_TYPE, "currency", LF_CURRENCY},
        {ESPI_RES_READING_TYPE, "commodity", LF_COMMODITY},
        {ESPI_RES_USAGE_POINT, "ServiceCategory/kind", LF_KIND},
        {ESPI_RES_INTERVAL_BLOCK, "interval/start", LF_START},
        {ESPI_RES_LOCAL_TIME_PARAMETERS, "tzOffset", LF_TZ_OFFSET},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (table[i].kind == kind && strcmp(table[i].path, path) == 0)
            return table[i].f;
    return LF_COUNT;
}

/* Keeps where a field the rules name stands (its first occurrence). */
static void note_field(validator *v, espi_resource_kind kind, const void *res, const char *path,
                       read_pos at)
{
    loc_field f = loc_field_of(kind, path);
    locs *l = f == LF_COUNT ? NULL : locs_of(v, res, true);
    if (l && !known(l->fields[f]))
        l->fields[f] = at;
}

/* The feed's id names the feed: an IRI, so not blank, and after urn:uuid:
 * a UUID (RFC 4122), which a converter with nothing to build one from
 * tends to leave out. */
static void check_feed_id(validator *v, const char *text, read_pos at)
{
    if (text[0] == '\0')
        find(v, "feed-id-form", at, "the feed's <id> is empty; it must name the feed");
    else if (strncmp(text, "urn:uuid:", 9) == 0 && !uuid_urn(text))
        find(v, "feed-id-form", at,
             "the feed's <id> '%.60s' is urn:uuid: without a UUID after it (8-4-4-4-12 hex "
             "digits)",
             text);
}

/* A field of the feed or of an entry: Atom times, the feed's id; the
 * entry's first id (the reader keeps the first too) names its findings. */
static void on_atom_field(validator *v, read_scope scope, const char *path, const char *text,
                          read_pos at)
{
    if (strcmp(path, "updated") == 0 || strcmp(path, "published") == 0) {
        if (!atom_utc_time(text))
            find(v, "atom-time", at,
                 "<%s> is '%.40s'; Atom times must be UTC date-times ending in Z", path, text);
    } else if (scope == SCOPE_FEED && strcmp(path, "id") == 0) {
        check_feed_id(v, text, at);
    } else if (scope == SCOPE_ENTRY && strcmp(path, "id") == 0 && !known(v->entry_id_at)) {
        v->entry_id_at = at;
        set_entry_id(v, text);
    }
}

static block_state *open_block(validator *v, const espi_interval_block_res *b);

static void on_field(void *ctx, read_scope scope, espi_resource_kind kind, const void *res,
                     const char *path, const char *text, unsigned long line)
{
    validator *v = ctx;
    /* the field's start tag, as the reader said (read_observer.at) */
    read_pos at = v->at.line == line ? v->at : pos_at(line, 0);
    if (scope == SCOPE_FEED || scope == SCOPE_ENTRY) {
        on_atom_field(v, scope, path, text, at);
        return;
    }
    if (kind == ESPI_RES_OTHER)
        return;
    if (scope == SCOPE_RESOURCE)
        note_field(v, kind, res, path, at);
    if (scope == SCOPE_READING) { /* the hot path: a million times per file */
        int64_t value;
        if (strcmp(path, "timePeriod/start") == 0) {
            check_time_text(v, path, text, at);
            note_fraction(v, res, text);
        } else if (!integer_text(text, &value))
            find(v, "number", at, "<%s> is '%.40s', not an integer", last_part(path), text);
        else if (strcmp(path, "ReadingQuality/quality") == 0)
            check_code(v, CODE_QUALITY, path, value, at);
        return;
    }
    if (kind == ESPI_RES_LOCAL_TIME_PARAMETERS &&
        (strcmp(path, "dstStartRule") == 0 || strcmp(path, "dstEndRule") == 0)) {
        check_rule_text(v, path, text, at);
        return;
    }
    if (strcmp(path, "tariffProfile") == 0 || strcmp(path, "readCycle") == 0)
        return; /* text fields */
    if (is_time_path(path)) {
        check_time_text(v, path, text, at);
        block_state *bs = kind == ESPI_RES_INTERVAL_BLOCK && strcmp(path, "interval/start") == 0
                              ? open_block(v, res)
                              : NULL;
        if (bs)
            bs->start_fraction = fraction_of(text);
        return;
    }
    int64_t value;
    if (!integer_text(text, &value)) {
        find(v, "number", at, "<%s> is '%.40s', not an integer", last_part(path), text);
        return;
    }
    if (kind == ESPI_RES_LOCAL_TIME_PARAMETERS) {
        check_ltp_number(v, path, value, at);
    } else
        check_codes(v, kind, path, value, at);
    if (kind == ESPI_RES_READING_TYPE && strcmp(path, "intervalLength") == 0 && value % 60 != 0)
        find(v, "rt-interval-odd", at,
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

/* Where the ended entry's k-th link stands (when the reader said), else
 * the entry. */
static read_pos entry_link_at(const validator *v, read_pos entry, size_t k)
{
    return k < v->nentry_links && known(v->entry_links[k]) ? v->entry_links[k] : entry;
}

/* An entry's self link: there, one, and no other resource of its kind's
 * (D013, D014 and the like); at is the <entry>. */
static void check_self_links(validator *v, const espi_entry *e, espi_resource_kind kind,
                             read_pos at)
{
    const char *what = kind_name(kind);
    size_t selves = 0, second = 0, self_k = 0;
    for (size_t i = 0; i < e->nlinks; i++)
        if (e->links[i].rel && strcmp(e->links[i].rel, "self") == 0) {
            second = ++selves == 2 ? i : second;
            self_k = e->links[i].href == e->self ? i : self_k;
        }
    if (selves > 1)
        find(v, "link-self-duplicate", entry_link_at(v, at, second),
             "this %s entry has %zu self links; it needs one", what, selves);
    if (e->self == NULL)
        find(v, "entry-self", at, "this %s entry has no link rel=\"self\"", what);
    else if (kind != ESPI_RES_OTHER) {
        unsigned long first =
            hashset_add(&v->selfs, hashset_hash(e->self, (uint64_t)kind + 1), e->line);
        if (first)
            find(v, "link-self-duplicate", entry_link_at(v, at, self_k),
                 "the %s at line %lu has the same self link %s", what, first, e->self);
    }
}

static void on_entry(void *ctx, const espi_entry *e, espi_resource_kind kind, size_t resources)
{
    validator *v = ctx;
    if (resources == 0)
        v->nentry_links = 0; /* on_places was not called: no link places */
    const char *what = kind_name(kind);
    /* the <entry> start tag (read_observer.at), for what the entry lacks */
    read_pos at = v->at.line == e->line ? v->at : pos_at(e->line, 0);
    read_pos id_at = known(v->entry_id_at) ? v->entry_id_at : at;
    if (e->id == NULL)
        find(v, "entry-id", at, "this %s entry has no <id>", what);
    else {
        if (!uuid_urn(e->id))
            find(v, "entry-id-form", id_at,
                 "id '%.60s' is not urn:uuid: followed by a UUID (8-4-4-4-12 hex digits)", e->id);
        unsigned long first = hashset_add(&v->ids, hashset_hash(e->id, 0), e->line);
        if (first)
            find(v, "entry-id-duplicate", id_at, "the entry at line %lu has the same id %.60s",
                 first, e->id);
    }
    if (e->title == NULL)
        find(v, "entry-title", at, "this %s entry has no <title>", what);
    if (e->published == NULL)
        find(v, "entry-published", at, "this %s entry has no <published>", what);
    if (e->updated == NULL)
        find(v, "entry-updated", at, "this %s entry has no <updated>", what);
    check_self_links(v, e, kind, at);
    if (e->up == NULL)
        find(v, "entry-up", at, "this %s entry has no link rel=\"up\"", what);
    set_entry_id(v, "");
    v->entry_id_at = pos_at(0, 0);
    v->nentry_links = 0;
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
    v->mrstates[v->nmrstates] = (mr_state){mr, {NULL, 0, 0}, {NULL, 0, 0}, ESPI_ABSENT, 0};
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
    v->open[v->nopen] = (block_state){.block = b, .first_start = ESPI_ABSENT};
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
    const range *met = cover(&s->readings, r->start, end_of(r->start, duration), &gap_from);
    bool repeat = r->start == s->last_start || (met && met->start == r->start);
    s->last_start = r->start;
    read_pos at = reading_pos(r);
    const espi_tz *tz = zone_of(v, ltp_of(v, mr));
    char t1[80], t2[80], t3[80], d[64];
    if (met && repeat && !over_cap(v, "reading-duplicate"))
        find_in(v, "reading-duplicate", at, e,
                "a reading of this MeterReading already starts at %s (the same start twice)",
                when(t1, tz, r->start));
    else if (met && !repeat && !over_cap(v, "reading-overlap"))
        find_in(v, "reading-overlap", at, e,
                "this reading (%s, %s) overlaps readings of the same MeterReading (%s to %s)",
                when(t1, tz, r->start), span(d, duration), when(t2, tz, met->start),
                when(t3, tz, met->end));
    else if (!met && gap_from != INT64_MIN && !over_cap(v, "reading-gap"))
        find_in(v, "reading-gap", at, e, "no reading covers %s to %s (%s) before this one",
                when(t1, tz, gap_from), when(t2, tz, r->start), span(d, r->start - gap_from));
}

/* A reading that disagrees with its cause (a ReadingType): counted into
 * the cause's one finding (report_tallies). */
static void tally_add(validator *v, const char *rule_id, const espi_reading_type_res *cause,
                      const espi_interval_reading_res *r, int64_t value, const espi_tz *tz)
{
    tally *t = NULL;
    for (size_t i = v->ntallies; i-- > 0 && t == NULL;) /* the last ones are the likely ones */
        if (v->tallies[i].cause == cause && strcmp(v->tallies[i].rule, rule_id) == 0)
            t = &v->tallies[i];
    if (t == NULL) {
        tally *g = grow_array(v->tallies, &v->tallies_cap, v->ntallies, sizeof *g, 8);
        if (g == NULL)
            return;
        v->tallies = g;
        t = &v->tallies[v->ntallies++];
        const espi_entry *e = &cause->entry;
        *t = (tally){.cause = cause,
                     .rule = rule_id,
                     .value = value,
                     .tz = tz,
                     .first = reading_pos(r),
                     .first_start = r->start,
                     .interval = cause->interval_length,
                     .currency = cause->currency != ESPI_ABSENT};
        t->at = strcmp(rule_id, "reading-duration") == 0 ? field_pos(v, cause, e, LF_INTERVAL)
                : strcmp(rule_id, "cost-missing") == 0   ? field_pos(v, cause, e, LF_CURRENCY)
                                                         : element_pos(v, cause, e);
        snprintf(t->entry_id, sizeof t->entry_id, "%s", e->id ? e->id : "");
    }
    t->n++;
    t->mixed = t->mixed || value != t->value;
    t->last = reading_pos(r);
    t->last_start = r->start;
}

/* "first at 12:5 2026-03-05T08:00:00Z, last at ..." for a tally. */
static const char *first_last(char buf[256], const tally *t)
{
    char a[80], b[80];
    if (t->n == 1)
        snprintf(buf, 256, "at %lu:%lu %s", t->first.line, t->first.column,
                 t->first_start == ESPI_ABSENT ? "(no start)" : when(a, t->tz, t->first_start));
    else
        snprintf(buf, 256, "first at %lu:%lu %s, last at %lu:%lu %s", t->first.line,
                 t->first.column,
                 t->first_start == ESPI_ABSENT ? "(no start)" : when(a, t->tz, t->first_start),
                 t->last.line, t->last.column,
                 t->last_start == ESPI_ABSENT ? "(no start)" : when(b, t->tz, t->last_start));
    return buf;
}

/* At the end of the file: one finding per cause of readings that disagree. */
static void report_tallies(validator *v)
{
    for (size_t i = 0; i < v->ntallies; i++) {
        const tally *t = &v->tallies[i];
        const espi_entry e = {.id = t->entry_id[0] ? t->entry_id : NULL};
        char where[256], d[64];
        first_last(where, t);
        if (strcmp(t->rule, "reading-duration") == 0)
            find_in(v, t->rule, t->at, &e,
                    "intervalLength %lld s disagrees with %zu reading(s) %s %s (%s)",
                    (long long)t->interval, t->n, t->mixed ? "of other lengths, the first" : "of",
                    span(d, t->value), where);
        else if (strcmp(t->rule, "cost-currency") == 0)
            find_in(v, t->rule, t->at, &e,
                    "%zu reading(s) of this ReadingType have a cost, but it has no <currency> (%s)",
                    t->n, where);
        else if (strcmp(t->rule, "cost-missing") == 0)
            find_in(v, t->rule, t->at, &e,
                    "%zu reading(s) of this ReadingType have no cost, though %s (%s)", t->n,
                    t->currency ? "it has a currency" : "the profile asks for cost", where);
    }
}

/* A reading, counted into its open block: its earliest reading (block-start),
 * readings with cost (cost-block), readings outside its interval (block-cover). */
static void count_in_block(validator *v, const espi_interval_reading_res *r, const espi_tz *tz)
{
    const espi_interval_block_res *b = r->block;
    block_state *bs = open_block(v, b);
    if (bs == NULL)
        return;
    read_pos at = reading_pos(r);
    bs->readings++;
    /* a block starts at its earliest reading, in whatever order they come */
    if (r->start != ESPI_ABSENT && (bs->first_start == ESPI_ABSENT || r->start < bs->first_start)) {
        bs->first_start = r->start;
        bs->first_at = at;
    }
    bs->with_cost += r->cost != ESPI_ABSENT;
    int64_t duration = r->duration == ESPI_ABSENT ? 0 : r->duration;
    if (b->start == ESPI_ABSENT || b->duration == ESPI_ABSENT || r->start == ESPI_ABSENT ||
        (r->start >= b->start && end_of(r->start, duration) <= end_of(b->start, b->duration)))
        return;
    if (bs->outside++ == 0) {
        bs->outside_first = at;
        bs->outside_first_start = r->start;
    }
    bs->outside_last = at;
    bs->outside_last_start = r->start;
    char t1[80], t2[80], d1[64], d2[64];
    if (v->o.verbose)
        find_detail(v, "block-cover", at, &b->entry,
                    "this reading (%s, %s) lies outside its block's interval (%s, %s)",
                    when(t1, tz, r->start), span(d1, duration), when(t2, tz, b->start),
                    span(d2, b->duration));
}

static void on_reading(validator *v, const espi_interval_reading_res *r)
{
    const espi_interval_block_res *b = r->block;
    const espi_meter_reading_res *mr = block_mr(b);
    const espi_reading_type_res *rt = mr_rt(mr);
    const espi_entry *e = &b->entry;
    const espi_tz *tz = zone_of(v, ltp_of(v, mr));
    read_pos at = reading_pos(r);
    char d1[64], d2[64];
    if (r->start == ESPI_ABSENT || r->duration == ESPI_ABSENT || r->value == ESPI_ABSENT)
        find_in(v, "reading-field", at, e, "this IntervalReading has no %s",
                r->start == ESPI_ABSENT      ? "timePeriod/start"
                : r->duration == ESPI_ABSENT ? "timePeriod/duration"
                                             : "value");
    count_in_block(v, r, tz);
    if (r->cost != ESPI_ABSENT && rt && rt->currency == ESPI_ABSENT &&
        !(v->o.families & ESPI_FB_COST)) { /* (with a cost profile: said of the ReadingType) */
        tally_add(v, "cost-currency", rt, r, 0, tz); /* (no ReadingType: link-ib-up says it) */
        find_detail(v, "cost-currency", at, e,
                    "this reading has a cost; its ReadingType has no currency");
    }
    if (r->cost == ESPI_ABSENT && rt &&
        (rt->currency != ESPI_ABSENT || (v->o.families & ESPI_FB_COST))) {
        tally_add(v, "cost-missing", rt, r, 0, tz);
        find_detail(v, "cost-missing", at, e, "this reading has no cost");
    }
    /* data may start inside an interval: a first reading shorter than the
     * rest is a partial interval, not a wrong one */
    mr_state *ms = mr ? state_of(v, mr) : NULL;
    bool first = ms && ms->nreadings++ == 0;
    if (rt && rt->interval_length != ESPI_ABSENT && rt->interval_length < 28 * 86400 &&
        r->duration != ESPI_ABSENT && !duration_fits(r->duration, rt->interval_length) &&
        !(first && r->duration > 0 && r->duration < rt->interval_length)) {
        tally_add(v, "reading-duration", rt, r, r->duration, tz);
        if (v->o.verbose)
            find_detail(v, "reading-duration", at, e,
                        "this reading lasts %s; its ReadingType's intervalLength is %s",
                        span(d1, r->duration), span(d2, rt->interval_length));
    }
    if (mr)
        check_reading_overlap(v, r, mr, rt);
    v->any_cost = v->any_cost || r->cost != ESPI_ABSENT;
}

/* link-ib-up by ESPI's join alone: a block the reader joined by another
 * layout (read/links.h) still fails D037. In a fragment its MeterReading
 * is not in the document. The finding names the block's up link. */
static void check_block_up(validator *v, const espi_interval_block_res *b)
{
    const espi_entry *e = &b->entry;
    size_t claimants =
        e->up ? (size_t)(uintptr_t)xmlHashLookup(v->mr_related, (const xmlChar *)e->up) : 0;
    if (v->fragment || e->up == NULL)
        return;
    read_pos at = href_pos(v, b, e, e->up);
    if (claimants > 1)
        find_in(v, "link-ib-up", at, e,
                "this IntervalBlock's up link %s is a related link of %zu MeterReadings; it must "
                "name one",
                e->up, claimants);
    else if (claimants == 0)
        find_in(v, "link-ib-up", at, e,
                "this IntervalBlock's up link %s is no MeterReading's related link", e->up);
}

/* Readings outside their block's interval: one finding on the interval. */
static void report_cover(validator *v, const espi_interval_block_res *b, const block_state *st,
                         const espi_tz *tz)
{
    if (st->outside == 0)
        return;
    tally t = {.n = st->outside,
               .tz = tz,
               .first = st->outside_first,
               .last = st->outside_last,
               .first_start = st->outside_first_start,
               .last_start = st->outside_last_start};
    char where[256], t1[80], d[64];
    first_last(where, &t);
    find_in(v, "block-cover", field_pos(v, b, &b->entry, LF_START), &b->entry,
            "%zu reading(s) lie outside this block's interval (%s, %s) (%s)", st->outside,
            when(t1, tz, b->start), span(d, b->duration), where);
}

/* The readings' tally of a block that has ended, taken off the open ones. */
static block_state close_block(validator *v, const espi_interval_block_res *b)
{
    block_state st = {.block = b, .first_start = ESPI_ABSENT};
    for (size_t i = 0; i < v->nopen; i++)
        if (v->open[i].block == b) {
            st = v->open[i];
            v->open[i] = v->open[--v->nopen];
            break;
        }
    return st;
}

/* FB_12: readings without cost where cost is claimed (a currency, or a
 * cost profile), said of the block. */
static void check_block_cost(validator *v, const espi_interval_block_res *b, const block_state *st,
                             read_pos at)
{
    const espi_entry *e = &b->entry;
    const espi_reading_type_res *rt = mr_rt(block_mr(b));
    if (rt == NULL && (v->o.families & ESPI_FB_COST) && st->readings > st->with_cost)
        find_in(v, "cost-missing", at, e, /* no ReadingType to sum them up on */
                "%zu of this block's %zu readings have no cost, though the profile asks for cost",
                st->readings - st->with_cost, st->readings);
    bool currency = rt && rt->currency != ESPI_ABSENT;
    if ((currency || (v->o.families & ESPI_FB_COST)) && st->readings > 0 && st->with_cost == 0)
        find_in(v, "cost-block", at, e, /* FB_12's D043: cost claimed, none in the block */
                "none of this block's %zu readings has a cost, though %s", st->readings,
                currency ? "its ReadingType has a currency" : "the profile asks for cost");
}

/* Blocks of one MeterReading that overlap, from the time its blocks cover so far. */
static void check_block_overlap(validator *v, const espi_interval_block_res *b, const espi_tz *tz)
{
    const espi_meter_reading_res *mr = block_mr(b);
    mr_state *s = mr && b->start != ESPI_ABSENT ? state_of(v, mr) : NULL;
    if (s == NULL)
        return;
    int64_t gap, duration = b->duration == ESPI_ABSENT ? 0 : b->duration;
    const range *met = cover(&s->blocks, b->start, end_of(b->start, duration), &gap);
    char t[80], d[64];
    if (met)
        find_in(v, "block-duplicate", field_pos(v, b, &b->entry, LF_START), &b->entry,
                "this block (%s, %s) overlaps another block of the same MeterReading%s",
                when(t, tz, b->start), span(d, duration),
                met->start == b->start ? " (the same start)" : "");
}

/* Whether the block starts at its earliest reading's start, to the
 * fraction of a second either is written with (note_fraction): a start
 * with a fraction is no whole second, so it matches only the same one. */
static bool starts_block(const validator *v, const espi_interval_block_res *b,
                         const block_state *st, bool *reading_fraction)
{
    espi_interval_reading_res first = {.line = st->first_at.line, .column = st->first_at.column};
    *reading_fraction = hashset_find(&v->fractions, fraction_key(&first, FRACTION_ANY)) != 0;
    if (st->first_start != b->start)
        return false;
    if (st->start_fraction == 0)
        return !*reading_fraction;
    return hashset_find(&v->fractions, fraction_key(&first, st->start_fraction)) != 0;
}

static void on_block(validator *v, const espi_interval_block_res *b)
{
    v->nblocks_total += !b->entry.anyway;
    /* findings name the IntervalBlock's own element (an entry may hold many) */
    const espi_entry *e = &b->entry;
    read_pos at = b->line ? pos_at(b->line, b->column) : entry_pos(v, b, e);
    block_state st = close_block(v, b);
    const espi_tz *tz = zone_of(v, ltp_of(v, block_mr(b)));
    char t1[80], t2[80];
    bool fraction = false;
    if (b->start == ESPI_ABSENT) /* each, as GBA's D039 and D038 list them */
        find_in(v, "block-interval", at, e, "this IntervalBlock has no interval start");
    if (b->duration == ESPI_ABSENT)
        find_in(v, "block-interval", at, e, "this IntervalBlock has no interval duration");
    if (st.readings == 0)
        find_in(v, "block-empty", at, e, "this IntervalBlock holds no IntervalReading");
    else if (b->start != ESPI_ABSENT && st.first_start != ESPI_ABSENT &&
             !starts_block(v, b, &st, &fraction))
        find_in(v, "block-start", field_pos(v, b, e, LF_START), e,
                "the block starts at %s%s, its earliest reading (at %lu:%lu) at %s%s",
                when(t1, tz, b->start), st.start_fraction ? " and a fraction of a second" : "",
                st.first_at.line, st.first_at.column, when(t2, tz, st.first_start),
                !fraction           ? ""
                : st.start_fraction ? " and a fraction of a second (another one)"
                                    : " and a fraction of a second");
    report_cover(v, b, &st, tz);
    if (e->up && !e->anyway)
        hashset_add(&v->ib_ups, hashset_hash(e->up, 11), b->line ? b->line : e->line);
    if (!e->anyway)
        check_block_up(v, b);
    check_block_cost(v, b, &st, at);
    check_block_overlap(v, b, tz);
    locs_drop(v, b);
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

/* Apparent and reactive demand as GBA's FB_06 spells them (docs/standard.md
 * section 5): kind 12 in VA or VAr, instantaneous (accumulationBehaviour 12). */
static bool fb06_demand(int64_t kind, int64_t uom, int64_t accumulation)
{
    return kind == 12 && accumulation == 12 && (uom == 61 || uom == 63);
}

/* Whether a unit can measure a kind (only kinds whose units are plain). */
static const char *unit_mismatch(int64_t kind, int64_t uom, int64_t accumulation)
{
    if (kind == ESPI_ABSENT || uom == ESPI_ABSENT)
        return NULL;
    if (kind == 12 && !is_energy_unit(uom) && !fb06_demand(kind, uom, accumulation))
        return "energy (kind 12) needs an energy unit: Wh, VAh, VArh, J, BTU or therm (or, as "
               "demand with accumulationBehaviour 12, VA or VAr)";
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
    if (!rt->entry.anyway)
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
            find_in(v, "rt-field", element_pos(v, rt, e), e, "this ReadingType has no <%s>",
                    required[i].name);
    const char *why = unit_mismatch(rt->kind, rt->uom, rt->accumulation);
    if (why)
        find_in(v, "rt-kind-unit", field_pos(v, rt, e, LF_KIND), e, "kind %lld with uom %lld: %s",
                (long long)rt->kind, (long long)rt->uom, why);
    if ((rt->commodity == 1 || rt->commodity == 2 || rt->commodity == 26) &&
        rt->phase == ESPI_ABSENT)
        find_in(v, "rt-phase", element_pos(v, rt, e), e,
                "this electricity ReadingType has no <phase> (769 for a home)");
    if ((v->o.families & ESPI_FB_COST) && rt->currency == ESPI_ABSENT) /* FB_12's D058 */
        find_in(v, "cost-currency", element_pos(v, rt, e), e,
                "this ReadingType has no <currency>; the cost profile asks it of every "
                "ReadingType");
}

/* The US rules (second Sunday in March to first Sunday in November, 2:00)
 * belong with the offsets of US zones that keep DST: Hawaii-Aleutian to
 * Atlantic. */
static void check_ltp(validator *v, const espi_ltp_res *ltp)
{
    bool us = ltp->dst_start_rule == 0x360E2000 && ltp->dst_end_rule == 0xB40E2000;
    int64_t tz = ltp->tz_offset;
    if (us && tz != ESPI_ABSENT && (tz < -36000 || tz > -14400))
        find_in(v, "ltp-offset", field_pos(v, ltp, &ltp->entry, LF_TZ_OFFSET), &ltp->entry,
                "tzOffset %lld s with the US DST rules 360E2000/B40E2000: US zones are UTC-10 "
                "to UTC-4 (tzOffset -36000 to -14400), standard time, without DST",
                (long long)tz);
}

static void on_summary(validator *v, const espi_usage_summary_res *us)
{
    if (!us->entry.anyway) {
        v->nsummaries++;
        KEEP(v, sums, nsums, sums_cap, us);
    }
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
            find_in(v, fields[i].rule, element_pos(v, us, e), e, "this summary has no <%s>",
                    fields[i].name);
    const espi_summary_measurement *m = &us->current_billing_period_overall_consumption;
    bool any = m->power_of_ten != ESPI_ABSENT || m->time_stamp != ESPI_ABSENT ||
               m->uom != ESPI_ABSENT || m->value != ESPI_ABSENT;
    bool all = m->power_of_ten != ESPI_ABSENT && m->time_stamp != ESPI_ABSENT &&
               m->uom != ESPI_ABSENT && m->value != ESPI_ABSENT;
    if (any && !all)
        find_in(v, "summary-current", element_pos(v, us, e), e,
                "currentBillingPeriodOverAllConsumption lacks %s",
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

static bool is_related_link(const espi_link *l);

/* The related <link> of e that a message names, if e is at line. */
static bool link_named(validator *v, const void *res, const espi_entry *e, const espi_diag *d,
                       read_pos *at)
{
    for (size_t k = 0; e->line == d->line && k < e->nlinks; k++)
        if (is_related_link(&e->links[k]) && strstr(d->message, e->links[k].href)) {
            *at = link_pos(v, res, e, k);
            return true;
        }
    return false;
}

/* link-ambiguous names the second claimant's line: the related <link> it
 * means, of a usage point or meter reading at that line, when it is kept
 * (the last such: on a one-line file both claimants are at line 1). */
static read_pos claimed_link(validator *v, const espi_diag *d)
{
    read_pos at = pos_at(d->line, d->column);
    for (size_t j = v->nups; j-- > 0;)
        if (link_named(v, v->ups[j], &v->ups[j]->entry, d, &at))
            return at;
    for (size_t j = v->nmrs; j-- > 0;)
        if (link_named(v, v->mrs[j], &v->mrs[j]->entry, d, &at))
            return at;
    return at;
}

static void on_reader_diag(const espi_diag *d, void *ctx)
{
    validator *v = ctx;
    if (d->code && strcmp(d->code, "espi-1x-name") == 0) {
        if (!v->reported_1x)
            find(v, "espi-1x", pos_at(d->line, d->column),
                 "<ServiceDeliveryPoint> is the ESPI 1.x spelling: this file is in the ESPI 1.x "
                 "dialect, which ESPI 3.3 and 4.0 reject (they spell it serviceDeliveryPoint)");
        v->reported_1x = true;
        return;
    }
    for (size_t i = 0; d->code && i < sizeof reader_codes / sizeof reader_codes[0]; i++)
        if (strcmp(d->code, reader_codes[i].code) == 0) {
            find(v, reader_codes[i].rule,
                 strcmp(d->code, "link-ambiguous") == 0 && d->column == 0
                     ? claimed_link(v, d)
                     : pos_at(d->line, d->column),
                 "%s", d->message);
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
    const espi_usage_point_res *up = mr_up(mr);
    const espi_reading_type_res *rt = mr_rt(mr);
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
    read_pos kind_at = field_pos(v, up, &up->entry, LF_KIND);
    if (!fits)
        find_in(v, "rt-service", field_pos(v, rt, &rt->entry, LF_COMMODITY), &rt->entry,
                "commodity %lld does not fit ServiceCategory kind %lld of the UsagePoint (at "
                "%lu:%lu)",
                (long long)c, (long long)sk, kind_at.line, kind_at.column);
}

/* How many related links of UsagePoints are href: the up link of a
 * MeterReading or summary must be exactly one (D023, D088). */
static size_t up_claimants(const validator *v, const char *href)
{
    return href && v->up_related
               ? (size_t)(uintptr_t)xmlHashLookup(v->up_related, (const xmlChar *)href)
               : 0;
}

/* Whether some IntervalBlock's up link is one of the MeterReading's related
 * links (D025: the join by exact href, as for the link rules). */
static bool has_block(const validator *v, const espi_meter_reading_res *mr)
{
    for (size_t k = 0; k < mr->entry.nlinks; k++)
        if (is_related_link(&mr->entry.links[k]) &&
            hashset_find(&v->ib_ups, hashset_hash(mr->entry.links[k].href, 11)))
            return true;
    return false;
}

/* A MeterReading's or summary's up link is one UsagePoint's related link
 * (D023, D088): rule id, said of what, on the up <link>. */
static void check_up_link(validator *v, const char *id, const char *what, const void *res,
                          const espi_entry *e)
{
    size_t ups = up_claimants(v, e->up);
    if (ups == 0)
        find_in(v, id, href_pos(v, res, e, e->up), e,
                "this %s's up link %s is no UsagePoint's related link", what,
                e->up ? e->up : "(none)");
    else if (ups > 1)
        find_in(v, id, href_pos(v, res, e, e->up), e,
                "this %s's up link %s is a related link of %zu UsagePoints; it must name one", what,
                e->up, ups);
}

/* The link rules hold ESPI's join alone (exact hrefs): a resource the
 * reader joined by another layout (links.h) still fails them. */
static void check_meter_reading(validator *v, const espi_meter_reading_res *mr)
{
    check_up_link(v, "link-mr-up", "MeterReading", mr, &mr->entry);
    size_t rts = related_in(v, &mr->entry, HREF_RT_SELF);
    if (rts != 1 || (mr->reading_type && mr->reading_type->nested))
        find_in(v, "link-mr-rt",
                rts == 1 ? element_pos(v, mr->reading_type, &mr->reading_type->entry)
                         : entry_pos(v, mr, &mr->entry),
                &mr->entry, "this MeterReading links to %zu ReadingTypes; it needs exactly one",
                rts);
    for (size_t k = 0; k < mr->entry.nlinks; k++) {
        const espi_link *l = &mr->entry.links[k];
        if (is_related_link(l) && !hashset_find(&v->ib_ups, hashset_hash(l->href, 11)) &&
            !hashset_find(&v->hrefs, hashset_hash(l->href, HREF_RT_SELF)))
            find_in(v, "link-dangling", link_pos(v, mr, &mr->entry, k), &mr->entry,
                    "related link %s leads to no ReadingType and no IntervalBlock", l->href);
    }
    if (!has_block(v, mr))
        find_in(v, "mr-no-block", element_pos(v, mr, &mr->entry), &mr->entry,
                "no IntervalBlock links up to this MeterReading (no block's up link is one of "
                "its related links)");
    check_service(v, mr);
}

static void check_usage_point(validator *v, const espi_usage_point_res *up)
{
    const locs *places = locs_of(v, up, false);
    bool kind_written = places && known(places->fields[LF_KIND]); /* not a number: schema says */
    if (up->service_kind == ESPI_ABSENT && !kind_written) /* D008: what it meters comes first */
        find_in(v, "up-service", element_pos(v, up, &up->entry), &up->entry,
                "this UsagePoint has no <ServiceCategory> with a <kind> (0 electricity, 1 gas, "
                "2 water, ...)");
    size_t n = related_in(v, &up->entry, HREF_LTP_SELF);
    if (n != 1)
        find_in(v, "link-up-ltp", entry_pos(v, up, &up->entry), &up->entry,
                "this UsagePoint links to %zu LocalTimeParameters; it needs exactly one", n);
    for (size_t k = 0; k < up->entry.nlinks; k++) {
        const espi_link *l = &up->entry.links[k];
        if (is_related_link(l) && !hashset_find(&v->ups_pointed, hashset_hash(l->href, 7)) &&
            !hashset_find(&v->hrefs, hashset_hash(l->href, HREF_LTP_SELF)))
            find_in(v, "link-dangling", link_pos(v, up, &up->entry, k), &up->entry,
                    "related link %s leads to no MeterReading, summary or LocalTimeParameters",
                    l->href);
    }
}

/* Whether UsagePoint i stands in the same entry as the one before (two
 * contents in one entry: entry-content-twice), whose links are counted once. */
static bool same_entry(validator *v, size_t i)
{
    if (i == 0)
        return false;
    read_pos a = entry_pos(v, v->ups[i - 1], &v->ups[i - 1]->entry);
    read_pos b = entry_pos(v, v->ups[i], &v->ups[i]->entry);
    return a.line == b.line && a.column == b.column;
}

/* How many UsagePoint related links each href is, as the GBA tests count
 * <link> elements (D023, D088 ask for one): an entry read twice is counted once. */
static void count_up_related(validator *v)
{
    if (v->up_related == NULL && (v->up_related = xmlHashCreate(64)) == NULL)
        return;
    for (size_t i = 0; i < v->nups; i++) {
        if (same_entry(v, i))
            continue;
        for (size_t k = 0; k < v->ups[i]->entry.nlinks; k++) {
            const espi_link *l = &v->ups[i]->entry.links[k];
            if (!is_related_link(l))
                continue;
            uintptr_t n = (uintptr_t)xmlHashLookup(v->up_related, (const xmlChar *)l->href);
            xmlHashUpdateEntry(v->up_related, (const xmlChar *)l->href, (void *)(n + 1), NULL);
        }
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
    count_up_related(v);
    for (size_t i = 0; i < v->nmrs; i++)
        check_meter_reading(v, v->mrs[i]);
    for (size_t i = 0; i < v->nups; i++)
        check_usage_point(v, v->ups[i]);
    for (size_t k = 0; k < v->nsums; k++) /* the 2011 format's up = UsagePoint self is not it */
        check_up_link(v, "link-summary-up", "summary", v->sums[k], &v->sums[k]->entry);
    for (size_t k = 0; k < v->nltps; k++) {
        const char *self = v->ltps[k]->entry.self;
        if (!self || !hashset_find(&v->hrefs, hashset_hash(self, HREF_UP_RELATED)))
            find_in(v, "link-ltp-unused", href_pos(v, v->ltps[k], &v->ltps[k]->entry, self),
                    &v->ltps[k]->entry, "no UsagePoint links to these LocalTimeParameters");
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
    if (v->nups == 0 && v->nrts == 0 && v->nmrs == 0 && v->nblocks_total == 0 &&
        v->nsummaries == 0 && v->nltps == 0)
        return 0; /* no usage data: a customer feed, or an empty one (LocalTimeParameters
                     alone are a usage feed without its usage: D006) */
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
    const espi_usage_point_res *up = mr_up(mr);
    const espi_reading_type_res *rt = mr_rt(mr);
    return up && rt && links_rule_of(mr->entry.up, mr->entry.self, &up->entry) == LINKS_STRICT &&
           (rt->nested || links_reading_type_rule(&mr->entry, &rt->entry) == LINKS_STRICT);
}

/* Whether some ReadingType of a UsagePoint of service kind sk passes test,
 * joined as the certification joins them. */
static bool has_combination(validator *v, int64_t sk, bool (*test)(const espi_reading_type_res *rt))
{
    for (size_t i = 0; i < v->nmrs; i++) {
        const espi_meter_reading_res *mr = v->mrs[i];
        if (joined_by_espi(mr) && (sk == ESPI_ABSENT || mr_up(mr)->service_kind == sk) &&
            test(mr_rt(mr)))
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

/* A finding about the whole feed, on its <feed> start tag. */
static void find_feed(validator *v, const char *id, const espi_feed_res *feed, const char *fmt, ...)
    ATTR_PRINTF(4, 5);
static void find_feed(validator *v, const char *id, const espi_feed_res *feed, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfind(v, id, pos_at(feed->line, feed->column), NULL, false, fmt, ap);
    va_end(ap);
}

static void check_feed(validator *v, const espi_feed_res *feed)
{
    if (feed->id == NULL)
        find_feed(v, "feed-id", feed, "the feed has no <id>");
    if (feed->title == NULL)
        find_feed(v, "feed-title", feed, "the feed has no <title>");
    if (feed->updated == NULL)
        find_feed(v, "feed-updated", feed, "the feed has no <updated>");
    if (v->sum->families == 0)
        return; /* a customer feed: no usage data is expected */
    if (v->nups == 0)
        find_feed(v, "feed-usage-point", feed, "the feed has no UsagePoint");
    if (v->nltps == 0)
        find_feed(v, "feed-ltp", feed, "the feed has no LocalTimeParameters");
    if (v->nmrs == 0)
        find_feed(v, "feed-meter-reading", feed, "the feed has no MeterReading");
    if (v->nrts == 0)
        find_feed(v, "feed-reading-type", feed, "the feed has no ReadingType");
    if (v->nblocks_total == 0)
        find_feed(v, "feed-interval-block", feed, "the feed has no IntervalBlock");
    if (v->nsummaries == 0)
        find_feed(v, "feed-summary", feed, "the feed has no UsageSummary");
    if (!has_combination(v, 0, electricity_interval))
        find_feed(v, "fb-electricity", feed,
                  "no ReadingType of an electricity UsagePoint (ServiceCategory 0) is interval "
                  "energy delivered in Wh (accumulationBehaviour 4, commodity 1, flowDirection 1, "
                  "kind 12, uom 72)");
    if (!has_combination(v, 1, gas_interval))
        find_feed(v, "fb-gas", feed,
                  "no ReadingType of a gas UsagePoint (ServiceCategory 1) is gas interval data "
                  "(accumulationBehaviour 4, commodity 7, flowDirection 1, kind 12 in J/BTU/therm "
                  "or kind 58 in m3/ft3)");
    if (!has_combination(v, 2, water_interval))
        find_feed(v, "fb-water", feed,
                  "no ReadingType of a water UsagePoint (ServiceCategory 2) is water interval "
                  "volume (accumulationBehaviour 4, commodity 9, flowDirection 1, kind 58, uom "
                  "128/119/42)");
    if (!has_combination(v, ESPI_ABSENT, temperature))
        find_feed(v, "fb-temperature", feed,
                  "no ReadingType is a temperature in K (kind 46, uom 6)");
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
        if (r == NULL || !applies(v, r))
            continue;
        str_bufprintf(names, sizeof names, &len, "%s%s", n++ ? ", " : "", r->id);
    }
    find_feed(v, "fragment", feed,
              "the document is one <entry> (an ESPI API's answer for one resource), checked as a "
              "feed of it: the %zu rules that need a whole feed cannot apply: %s",
              n, names);
}

static void on_feed(validator *v, const espi_feed_res *feed)
{
    if (!feed->fragment)
        check_links(v);
    if (!v->families_known) {
        v->sum->families = infer_families(v);
        v->families_known = true;
    }
    if (feed->fragment)
        report_fragment(v, feed);
    else
        check_feed(v, feed);
}

/* ------------------------------------------------------------------ */
/* Resources                                                           */
/* ------------------------------------------------------------------ */

/* Whether a resource is read only anyway (not a reading, not the feed):
 * it is not kept for the joins and the rules that need the whole feed. */
static bool read_anyway(const espi_resource *res)
{
    switch (res->kind) {
    case ESPI_RES_USAGE_POINT: return res->u.usage_point->entry.anyway;
    case ESPI_RES_METER_READING: return res->u.meter_reading->entry.anyway;
    case ESPI_RES_QUALITY_SUMMARY: return res->u.quality_summary->entry.anyway;
    case ESPI_RES_LOCAL_TIME_PARAMETERS: return res->u.ltp->entry.anyway;
    default: return false; /* blocks, reading types, summaries: checked, not kept (on_*) */
    }
}

static int on_resource(const espi_resource *res, void *ctx)
{
    validator *v = ctx;
    if (res->kind == ESPI_RES_INTERVAL_READING)
        v->sum->readings++; /* each reading the reader hands on, schema_only too */
    if (v->o.schema_only)
        return 0;
    if (read_anyway(res)) { /* its own findings only */
        if (res->kind == ESPI_RES_LOCAL_TIME_PARAMETERS)
            check_ltp(v, res->u.ltp);
        return 0;
    }
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
        if (res->u.usage_summary->entry.up && !res->u.usage_summary->entry.anyway)
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

/* What a schema error says (false: nothing to say), and where: the element
 * it is about, the one just closed (the plug hands an end tag to the
 * reader first: it is at the current depth; "Missing child element" is
 * checked there) or the one just opened. Its start tag's line, as xmllint
 * gives it, and column. */
static bool schema_error_at(const validator *v, const schema_view *w, const xmlError *e,
                            char *message, size_t size, read_pos *at)
{
    if (e->level == XML_ERR_WARNING)
        return false;
    str_lcpy(message, e->message ? e->message : "not valid", size);
    size_t n = strlen(message);
    while (n > 0 && (message[n - 1] == '\n' || message[n - 1] == ' '))
        message[--n] = '\0';
    if (!v->o.schema_only && strstr(message, "ServiceDeliveryPoint"))
        return false; /* said once, plainly, by espi-1x */
    *at = (read_pos){e->line > 0 ? (unsigned long)e->line : 0,
                     e->int2 > 0 ? (unsigned long)e->int2 : 0};
    int d = w->last_was_start ? w->depth - 1 : w->depth;
    if (strstr(message, "Missing child element"))
        d = w->depth;
    if (d >= 0 && d < READ_MAX_NESTING && known(w->open_at[d]) &&
        (at->column == 0 || at->line == 0))
        *at = w->open_at[d];
    return true;
}

static void on_schema_error(void *ctx, xmlErrorPtr e)
{
    validator *v = ctx;
    char message[480];
    read_pos at;
    if (schema_error_at(v, &v->view, e, message, sizeof message, &at))
        keep(v, rule(v, "schema"), at, v->view.entry_id, message, false);
}

/* On the schema's own thread: set aside, in the order found, for the
 * validator once the thread has ended (side_merge); past keep_cap() only
 * counted, as keep would count them. */
static void on_side_schema_error(void *ctx, xmlErrorPtr e)
{
    schema_side *s = ctx;
    char message[480];
    read_pos at;
    if (!schema_error_at(s->v, &s->view, e, message, sizeof message, &at))
        return;
    finding *f =
        s->nfound < keep_cap(s->v) ? grow_array(s->found, &s->cap, s->nfound, sizeof *f, 16) : NULL;
    if (f == NULL) {
        s->uncounted++;
        return;
    }
    s->found = f;
    f = &s->found[s->nfound];
    const char *where = s->view.entry_id;
    /* even: after the finding before (seq - 2), before the next (seq) */
    *f = (finding){s->rule,         at.line,         at.column, where[0] ? strdup(where) : NULL,
                   strdup(message), s->view.seq - 1, s->nfound, false};
    if (f->message == NULL || (where[0] && f->where == NULL)) {
        free(f->where), free(f->message);
        s->uncounted++;
        return;
    }
    s->nfound++;
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
    read_pos at = v->at.line == line ? v->at : pos_at(line, 0);
    view_element(&v->view, depth, line, at);
    if (v->side) {
        /* at.line is line: a start's is never 0 (libxml2 counts from 1); an end's is */
        view_note n = {.change = VIEW_ELEMENT, .depth = depth, .u.at = at};
        note_view(v, &n, line ? sizeof n : NOTE_SHORT);
    }
}

static int locate(void *ctx, const char **file, unsigned long *line)
{
    validator *v = ctx;
    *file = NULL;
    *line = v->parser && v->parser->input ? (unsigned long)v->parser->input->line : 0;
    return 0;
}

/* The schema on a thread of its own (schema_relay.h), its findings set
 * aside there. */
static int plug_relay(validator *v, xmlParserCtxtPtr parser, xmlSAXHandlerPtr *sax,
                      void **user_data)
{
    schema_side *s = calloc(1, sizeof *s);
    if (s == NULL)
        return ESPI_E_NOMEM;
    v->side = s;
    s->v = v;
    s->rule = rule(v, "schema");
    s->view = v->view;
    xmlSchemaSetValidStructuredErrors(v->vc, on_side_schema_error, s);
    s->relay = relay_new(v->vc, 0, on_view_note, s);
    if (s->relay == NULL || relay_plug(s->relay, parser, sax, user_data) != 0)
        return ESPI_E_NOMEM;
    return 0;
}

static int plug(void *ctx, xmlParserCtxtPtr parser, xmlSAXHandlerPtr *sax, void **user_data)
{
    validator *v = ctx;
    v->parser = parser;
    v->vc = xmlSchemaNewValidCtxt(v->schema);
    if (v->vc == NULL)
        return ESPI_E_NOMEM;
    if (v->o.threads != 1 && sysconf(_SC_NPROCESSORS_ONLN) > 1)
        return plug_relay(v, parser, sax, user_data);
    xmlSchemaSetValidStructuredErrors(v->vc, on_schema_error, v);
    v->plug = xmlSchemaSAXPlug(v->vc, sax, user_data);
    if (v->plug == NULL)
        return ESPI_E_NOMEM;
    xmlSchemaValidateSetLocator(v->vc, locate, v);
    return 0;
}

/* The schema's thread has ended: what it found joins the validator's
 * findings, as keep would have taken them one by one. */
static void side_merge(validator *v, schema_side *s)
{
    for (size_t i = 0; i < s->nfound; i++) {
        finding *f = &s->found[i];
        keep_as(v, f->rule, pos_at(f->line, f->column), f->where, f->message, false, f->seq,
                f->sub);
        free(f->where);
        free(f->message);
    }
    s->nfound = 0;
    for (; s->uncounted > 0; s->uncounted--)
        if (!left_out(v, s->rule))
            v->counts[s->rule - v->rules].dropped++;
}

static void unplug(void *ctx)
{
    validator *v = ctx;
    schema_side *s = v->side;
    if (s != NULL) {
        if (s->relay && relay_finish(s->relay) != 0)
            s->nomem = true;
        relay_free(s->relay);
        s->relay = NULL;
        side_merge(v, s);
        return;
    }
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
    free(v->left_out);
    hashset_free(&v->ids);
    hashset_free(&v->selfs);
    hashset_free(&v->ups_pointed);
    hashset_free(&v->ib_ups);
    hashset_free(&v->hrefs);
    hashset_free(&v->fractions);
    if (v->mr_related)
        xmlHashFree(v->mr_related, NULL);
    if (v->up_related)
        xmlHashFree(v->up_related, NULL);
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
    locs_free(&v->locs);
    free(v->tallies);
    for (size_t i = 0; i < v->nzones; i++)
        espi_tz_free(v->zones[i].tz);
    free(v->zones);
    free(v->entry_links);
    if (v->side) {
        relay_free(v->side->relay);
        for (size_t i = 0; i < v->side->nfound; i++)
            free(v->side->found[i].where), free(v->side->found[i].message);
        free(v->side->found);
        free(v->side);
    }
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
            size_t col = 1; /* characters since the line's start */
            for (size_t k = i; k > 0 && head[k - 1] != '\n'; k--)
                col += (head[k - 1] & 0xC0) != 0x80;
            find(v, "xml-dtd", pos_at(line, col),
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
    if (r && v->left_out)
        v->left_out[r - v->rules] = SIZE_MAX; /* the rest of the file went unchecked: said always */
    if (r)
        keep(v, r, pos_at(err->line, err->column), NULL, err->message, false);
}

void espi_validate_options_init(espi_validate_options *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->set = ESPI_SCHEMA_ESPI_40;
}

/* The state of one file's pass; ESPI_E_NOMEM, or ESPI_E_ARG for a rule
 * ignore/only name that is not one. */
static int validator_init(validator *v, const char *name, const espi_validate_options *opts,
                          espi_validate_summary *summary, espi_error *err)
{
    libinit_once(); /* before xmlHashCreate: libxml2's first use is not thread-safe */
    memset(v, 0, sizeof *v);
    v->name = name;
    v->o = *opts;
    v->sum = summary;
    v->view.seq = 1;
    v->rules = espi_rules(&v->nrules);
    v->counts = calloc(v->nrules, sizeof *v->counts);
    v->sum->families = opts->families;
    v->families_known = opts->families != 0 || opts->schema_only;
    hashset_init(&v->ids, ID_SET_MAX);
    hashset_init(&v->selfs, ID_SET_MAX);
    hashset_init(&v->ups_pointed, ID_SET_MAX);
    hashset_init(&v->ib_ups, ID_SET_MAX);
    hashset_init(&v->hrefs, ID_SET_MAX);
    hashset_init(&v->fractions, FRACTION_SET_MAX);
    v->mr_related = xmlHashCreate(64);
    if (v->counts == NULL)
        return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    return choose_rules(v, err);
}

/* Once the reading is over (to its end, or to a fault that stopped it):
 * what waits for the end, the findings in file order, the counts; the
 * verdict as the status. */
static int conclude(validator *v, espi_error *err)
{
    if (!v->families_known) { /* the file stopped before its end */
        v->sum->families = 0;
        v->families_known = true;
    }
    report_tallies(v);
    flush_deferred(v);
    report_dropped(v);
    memset(err, 0, sizeof *err);
    if (v->sum->errors == 0)
        return ESPI_OK;
    return err_fail(err, ESPI_E_INPUT, "invalid", &(err_loc){v->name, 0, 0, NULL}, "%zu error(s)",
                    v->sum->errors);
}

/* The schema and the rules in one reading of in, whose head is read already. */
static int check_stream(validator *v, FILE *in, const char *head, size_t n, espi_error *err)
{
    const espi_validate_options *opts = &v->o;
    bool schema = !opts->skip_schema || opts->schema_only;
    if (schema && (v->schema = schema_compiled(opts->set, v->sum->customer, err)) == NULL)
        return err->status;
    if (!opts->schema_only)
        check_doctype(v, head, n);
    read_observer obs = {v,    on_field, on_entry, on_element, plug,   unplug,
                         head, n,        true,     on_root,    &v->at, on_places};
    if (opts->schema_only)
        obs.field = NULL, obs.entry = NULL;
    if (!schema)
        obs.plug = NULL, obs.unplug = NULL;
    espi_read_options ro = {on_reader_diag, v, 0, 0};
    int rc = reader_run(in, v->name, &ro, &obs, on_resource, v, err);
    if (v->side && v->side->nomem && (rc == ESPI_OK || rc == ESPI_E_INPUT))
        return err_fail(err, ESPI_E_NOMEM, "nomem", &(err_loc){v->name, 0, 0, NULL},
                        "out of memory");
    if (rc == ESPI_E_INPUT)
        report_fatal(v, err);
    return rc == ESPI_E_INPUT || rc == ESPI_OK ? conclude(v, err) : rc;
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
    char *head = NULL;
    int rc = validator_init(&v, name, opts, summary, err);
    if (rc == 0 && (head = malloc(SCHEMA_SNIFF_BYTES)) == NULL)
        rc = err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    if (rc == 0) {
        bool failed;
        size_t n = schema_read_head(in, head, SCHEMA_SNIFF_BYTES, &failed);
        summary->customer = schema_is_customer(head, n);
        rc = failed ? err_fail(err, ESPI_E_IO, "io", &(err_loc){name, 0, 0, NULL},
                               "cannot read the input")
                    : check_stream(&v, in, head, n, err);
    }
    free(head);
    validator_free(&v);
    return rc;
}
