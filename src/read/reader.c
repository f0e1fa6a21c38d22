/* SPDX-License-Identifier: Apache-2.0 */
/* reader.c - one streaming pass over a Green Button file with libxml2's
 * SAX2 parser: the Atom feed and its entries, the ESPI (or customer)
 * resource in each entry's content, and their fields. Elements are matched
 * by namespace URI and local name, never by prefix. Joining and delivery
 * are graph.c's.
 *
 * SAX rather than xmlTextReader: the text reader builds and frees a node
 * for every element and text, and measured 1.44 times xmllint --stream
 * before any output was written, which left no room for the dump's 1.5
 * times budget; SAX builds nothing (docs/performance.md). The parser runs
 * in pull mode over a read callback, so the chunk size is the caller's
 * and messages for cut-off files name the unclosed element.
 *
 * Fields are read from leaf elements by their path inside the resource,
 * looked up in per-resource tables; names and namespace URIs are compared
 * as pointers into the parser's dictionary. */
#include "common/embedded.h"
#include "common/decimal.h"
#include "common/error.h"
#include "common/libinit.h"
#include "read/graph.h"
#include "read/reader.h"
#include "common/grow.h"

#include <errno.h>
#include <libxml/hash.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/uri.h>
#include <libxml/xmlreader.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define NS_ATOM_URI "http://www.w3.org/2005/Atom"
#define NS_ESPI_URI "http://naesb.org/espi"
#define NS_CUST_URI "http://naesb.org/espi/customer"

#define MAX_PATH 8       /* depth of a field below its resource */
#define MAX_DEPTH 64     /* namespaces remembered by element depth */
#define MAX_TEXT 4096    /* a leaf's text; more is cut, with a warning */
#define WARN_PER_CODE 10 /* then they are counted, and summed up at the end */
/* Limits of what a Green Button file can sensibly hold; beyond them the
 * file is refused (libxml2 itself refuses nesting deeper than 256). */
#define MAX_ATTRIBUTES 64          /* on one element */
#define MAX_TEXT_RUN (1024 * 1024) /* bytes of text in one element */
/* No network; no DTD loading or entity substitution (neither is asked for);
 * line numbers beyond 65535 kept. */
#define READ_OPTIONS (XML_PARSE_NONET | XML_PARSE_BIG_LINES)

typedef enum ns_kind { NS_NONE, NS_ATOM, NS_ESPI, NS_CUST, NS_OTHER } ns_kind;

typedef enum res_kind {
    RES_NONE,
    RES_USAGE_POINT,
    RES_METER_READING,
    RES_READING_TYPE,
    RES_LTP,
    RES_BLOCK,
    RES_SUMMARY,
    RES_EPUS,
    RES_QUALITY,
    RES_OTHER
} res_kind;

typedef enum field_type { F_INT, F_TIME, F_HEX, F_TEXT } field_type;

/* Or'ed to a field's type: the field is not shown to observers (the
 * validator and repair check what they always have). */
#define F_QUIET 0x10

/* A field: its path below the resource, how to read it (a field_type, may
 * be F_QUIET), where it goes. */
typedef struct field_def {
    const char *path;
    int type;
    size_t offset;
} field_def;

typedef struct field {
    const char *name; /* the path as written, for observers */
    const xmlChar *path[3];
    int depth;
    field_type type;
    size_t offset;
    bool quiet;
} field;

typedef struct field_table {
    field *fields;
    size_t n;
} field_table;

#define RT(f) offsetof(espi_reading_type_res, f)
#define US(f) offsetof(espi_usage_summary_res, f)
#define SM(m, f) (offsetof(espi_usage_summary_res, m) + offsetof(espi_summary_measurement, f))
#define MEASUREMENT(name, member, i)                                                               \
    {name "/powerOfTenMultiplier", F_INT, SM(member, power_of_ten)},                               \
        {name "/timeStamp", F_TIME, SM(member, time_stamp)},                                       \
        {name "/uom", F_INT, SM(member, uom)}, {name "/value", F_INT, SM(member, value)},          \
    {                                                                                              \
        name "/readingTypeRef", F_TEXT | F_QUIET, US(reading_type_refs[i])                         \
    }

static const field_def usage_point_fields[] = {
    {"ServiceCategory/kind", F_INT, offsetof(espi_usage_point_res, service_kind)},
    {"status", F_INT, offsetof(espi_usage_point_res, status)},
};

static const field_def reading_type_fields[] = {
    {"accumulationBehaviour", F_INT, RT(accumulation)},
    {"commodity", F_INT, RT(commodity)},
    {"consumptionTier", F_INT, RT(consumption_tier)},
    {"currency", F_INT, RT(currency)},
    {"dataQualifier", F_INT, RT(data_qualifier)},
    {"defaultQuality", F_INT, RT(default_quality)},
    {"flowDirection", F_INT, RT(flow_direction)},
    {"intervalLength", F_INT, RT(interval_length)},
    {"kind", F_INT, RT(kind)},
    {"phase", F_INT, RT(phase)},
    {"powerOfTenMultiplier", F_INT, RT(power_of_ten)},
    {"timeAttribute", F_INT, RT(time_attribute)},
    {"tou", F_INT, RT(tou)},
    {"uom", F_INT, RT(uom)},
    {"cpp", F_INT, RT(cpp)},
    {"measuringPeriod", F_INT, RT(measuring_period)},
};

static const field_def ltp_fields[] = {
    {"dstEndRule", F_HEX, offsetof(espi_ltp_res, dst_end_rule)},
    {"dstOffset", F_INT, offsetof(espi_ltp_res, dst_offset)},
    {"dstStartRule", F_HEX, offsetof(espi_ltp_res, dst_start_rule)},
    {"tzOffset", F_INT, offsetof(espi_ltp_res, tz_offset)},
};

static const field_def block_fields[] = {
    {"interval/duration", F_INT, offsetof(espi_interval_block_res, duration)},
    {"interval/start", F_TIME, offsetof(espi_interval_block_res, start)},
};

/* Paths below IntervalReading. */
static const field_def reading_fields[] = {
    {"cost", F_INT, offsetof(espi_interval_reading_res, cost)},
    {"ReadingQuality/quality", F_INT, offsetof(espi_interval_reading_res, quality)},
    {"timePeriod/duration", F_INT, offsetof(espi_interval_reading_res, duration)},
    {"timePeriod/start", F_TIME, offsetof(espi_interval_reading_res, start)},
    {"value", F_INT, offsetof(espi_interval_reading_res, value)},
    {"consumptionTier", F_INT, offsetof(espi_interval_reading_res, consumption_tier)},
    {"tou", F_INT, offsetof(espi_interval_reading_res, tou)},
    {"cpp", F_INT, offsetof(espi_interval_reading_res, cpp)},
};

static const field_def summary_fields[] = {
    {"billingPeriod/duration", F_INT, US(billing_duration)},
    {"billingPeriod/start", F_TIME, US(billing_start)},
    {"billLastPeriod", F_INT, US(bill_last_period)},
    {"billToDate", F_INT, US(bill_to_date)},
    {"costAdditionalLastPeriod", F_INT, US(cost_additional_last_period)},
    {"currency", F_INT, US(currency)},
    {"qualityOfReading", F_INT, US(quality_of_reading)},
    {"statusTimeStamp", F_TIME, US(status_time_stamp)},
    {"commodity", F_INT, US(commodity)},
    {"tariffProfile", F_TEXT, US(tariff_profile)},
    {"readCycle", F_TEXT, US(read_cycle)},
    {"ratchetDemandPeriod/duration", F_INT | F_QUIET, US(ratchet_demand_period_duration)},
    {"ratchetDemandPeriod/start", F_TIME | F_QUIET, US(ratchet_demand_period_start)},
    {"billingChargeSource/agencyName", F_TEXT | F_QUIET, US(billing_charge_source)},
    /* in the order of espi_usage_summary_res (reading_type_refs is indexed by it) */
    MEASUREMENT("overallConsumptionLastPeriod", overall_consumption_last_period, 0),
    MEASUREMENT("currentBillingPeriodOverAllConsumption",
                current_billing_period_overall_consumption, 1),
    MEASUREMENT("currentDayLastYearNetConsumption", current_day_last_year_net_consumption, 2),
    MEASUREMENT("currentDayNetConsumption", current_day_net_consumption, 3),
    MEASUREMENT("currentDayOverallConsumption", current_day_overall_consumption, 4),
    MEASUREMENT("peakDemand", peak_demand, 5),
    MEASUREMENT("previousDayLastYearOverallConsumption", previous_day_last_year_overall_consumption,
                6),
    MEASUREMENT("previousDayNetConsumption", previous_day_net_consumption, 7),
    MEASUREMENT("previousDayOverallConsumption", previous_day_overall_consumption, 8),
    MEASUREMENT("ratchetDemand", ratchet_demand, 9),
};

/* Paths below a summary's costAdditionalDetailLastPeriod (a LineItem) and
 * below its tariffRiderRefs/tariffRiderRef: items of their own. */
#define LI(f) offsetof(espi_line_item, f)
static const field_def line_item_fields[] = {
    {"amount", F_INT | F_QUIET, LI(amount)},
    {"rounding", F_INT | F_QUIET, LI(rounding)},
    {"dateTime", F_TIME | F_QUIET, LI(date_time)},
    {"note", F_TEXT | F_QUIET, LI(note)},
    {"measurement/powerOfTenMultiplier", F_INT | F_QUIET, LI(measurement.power_of_ten)},
    {"measurement/timeStamp", F_TIME | F_QUIET, LI(measurement.time_stamp)},
    {"measurement/uom", F_INT | F_QUIET, LI(measurement.uom)},
    {"measurement/value", F_INT | F_QUIET, LI(measurement.value)},
    {"measurement/readingTypeRef", F_TEXT | F_QUIET, LI(measurement_reading_type_ref)},
    {"itemKind", F_INT | F_QUIET, LI(item_kind)},
    {"unitCost", F_INT | F_QUIET, LI(unit_cost)},
    {"itemPeriod/duration", F_INT | F_QUIET, LI(item_period_duration)},
    {"itemPeriod/start", F_TIME | F_QUIET, LI(item_period_start)},
};

static const field_def tariff_rider_fields[] = {
    {"riderType", F_TEXT | F_QUIET, offsetof(espi_tariff_rider, rider_type)},
    {"enrollmentStatus", F_TEXT | F_QUIET, offsetof(espi_tariff_rider, enrollment_status)},
    {"effectiveDate", F_TIME | F_QUIET, offsetof(espi_tariff_rider, effective_date)},
};

static const field_def quality_fields[] = {
    {"summaryInterval/duration", F_INT, offsetof(espi_quality_summary_res, summary_duration)},
    {"summaryInterval/start", F_TIME, offsetof(espi_quality_summary_res, summary_start)},
};

/* Local names of resources that may stand in atom:content. */
typedef struct resource_name {
    const char *name;
    res_kind kind;
} resource_name;

static const resource_name resource_names[] = {
    {"UsagePoint", RES_USAGE_POINT},
    {"MeterReading", RES_METER_READING},
    {"ReadingType", RES_READING_TYPE},
    {"LocalTimeParameters", RES_LTP},
    {"IntervalBlock", RES_BLOCK},
    {"UsageSummary", RES_SUMMARY},
    {"ElectricPowerUsageSummary", RES_EPUS},
    {"ElectricPowerQualitySummary", RES_QUALITY},
};

/* Counts warnings by code, so a file with a million odd readings says so
 * ten times and then once more with the count. */
typedef struct code_count {
    char code[40];
    size_t n;
} code_count;

typedef struct reader {
    xmlParserCtxtPtr ctxt;
    int depth;                   /* of the element being read; the root is 0 */
    const xmlChar *const *attrs; /* the start tag's attributes (SAX2: 5 per attribute) */
    int nattrs;
    char *base[MAX_DEPTH]; /* xml:base in effect, by depth; NULL: none */
    graph *g;
    const char *name;
    espi_diag_fn on_diag;
    void *diag_ctx;
    espi_error *err;
    const read_observer *obs; /* the validator's view; NULL for espi_read */
    size_t text_run;          /* bytes of character data since the last tag */
    bool content_seen;        /* the entry being read has had its <content> */
    /* interned names */
    const xmlChar *n_feed, *n_entry, *n_id, *n_title, *n_published, *n_updated, *n_link, *n_content,
        *n_reading, *n_rt, *n_sdp, *n_line_item, *n_riders, *n_rider;
    const xmlChar *ns_atom, *ns_espi, *ns_cust; /* interned namespace URIs */
    const xmlChar *known[64];                   /* names found in the vocabulary, by address */
    field_table tables[RES_OTHER + 1], reading_table, line_item_table, rider_table;
    xmlHashTablePtr vocabulary; /* ESPI element names, from the bundled schema */
    /* where we are */
    bool seen_root;
    /* the root is not an Atom feed: reported once the whole file has been
     * parsed, so that a file that is not well-formed either says that */
    bool not_a_feed;
    /* the root is one atom:entry, read as a feed of it: depths given to
     * on_start and on_end are one more than the element's, so that the
     * entry stands where a feed's entries do */
    int shift;
    int skip_depth; /* an element passed over with what is inside it; 0: none */
    bool text_cut;  /* the current text reached MAX_TEXT */
    char root_name[128], root_uri[256];
    int entry_depth, content_depth, res_depth, reading_depth, nested_depth;
    res_kind kind;
    void *res;                     /* the resource being read */
    espi_reading_type_res *nested; /* a ReadingType inside a MeterReading */
    /* a summary's line item or tariff rider being read: its table and depth */
    void *item;
    const field_table *item_table;
    int item_depth;
    size_t items_cap, riders_cap;
    bool items_warned;
    graph_block *block;   /* the block whose readings are being read */
    graph_block **blocks; /* every block of the entry, ended with it */
    size_t nblocks, blocks_cap;
    espi_interval_reading_res reading;
    const xmlChar *path[MAX_PATH];
    int path_len;
    bool leaf;
    ns_kind res_ns;         /* the resource's own namespace */
    bool res_ns_warned;     /* about its elements in another namespace */
    bool res_outside_entry; /* a resource found outside any entry: handed over at its end */
    bool res_anyway;        /* the resource is read only anyway (espi_entry.anyway) */
    /* text of the current leaf */
    char text[MAX_TEXT + 1];
    size_t text_len;
    bool capture;
    /* the entry being read, and its resources waiting for its end */
    espi_entry entry;
    size_t links_cap;
    void *done[16];
    res_kind done_kind[16];
    bool done_anyway[16];
    const xmlChar *done_name[16];
    espi_reading_type_res *done_nested[16]; /* a MeterReading's nested ReadingType */
    size_t ndone;
    /* the feed */
    espi_feed_res feed;
    size_t feed_links_cap;
    code_count counts[32];
    size_t ncounts;
    int status;
    const xmlChar *uri; /* of the element being started */
    /* where the open elements start, by depth (libxml2 nests 256 at most) */
    read_pos starts[READ_MAX_NESTING];
    /* where the entry being read and its parts stand */
    read_pos entry_at, res_at, nested_at;
    read_pos *link_at; /* by the index of the entry's links */
    size_t link_at_cap;
    read_pos done_at[16], done_nested_at[16];
} reader;

/* ------------------------------------------------------------------ */
/* Diagnostics                                                         */
/* ------------------------------------------------------------------ */

/* The parser's line: the end of the tag just read. */
static unsigned long line_now(reader *r)
{
    int line = r->ctxt && r->ctxt->input ? r->ctxt->input->line : 0;
    return line > 0 ? (unsigned long)line : 0;
}

/* Where the start tag just read begins. libxml2 calls startElementNs with
 * its input at the tag's end ('>' or "/>"), the whole tag still in its
 * buffer (attribute values point into it, so it is not shrunk meanwhile),
 * and a tag holds no other '<' (attribute values cannot): the tag's '<' is
 * the last one before the input's position. The column is counted back
 * from libxml2's own (characters, a UTF-8 sequence once); when the tag
 * spans lines, from the newline before it. */
static read_pos tag_start(reader *r)
{
    read_pos p = {line_now(r), 0};
    xmlParserInputPtr in = r->ctxt ? r->ctxt->input : NULL;
    if (in == NULL || in->cur == NULL || in->base == NULL || in->col <= 0)
        return p;
    const xmlChar *lt = in->cur;
    while (lt > in->base && *lt != '<')
        lt--;
    if (*lt != '<')
        return p;
    unsigned long chars = 0, newlines = 0;
    for (const xmlChar *c = lt; c < in->cur; c++)
        if (*c == '\n')
            newlines++;
        else if ((*c & 0xC0) != 0x80)
            chars++;
    if (newlines == 0) {
        p.column = (unsigned long)in->col > chars ? (unsigned long)in->col - chars : 0;
        return p;
    }
    p.line = p.line > newlines ? p.line - newlines : 0;
    const xmlChar *c = lt;
    chars = 0;
    while (c > in->base && c[-1] != '\n')
        chars += (*--c & 0xC0) != 0x80;
    /* the buffer's start is the line's only when nothing was read before it */
    p.column = c > in->base || (in->consumed == 0 && c == in->base) ? chars + 1 : 0;
    return p;
}

/* Where the element being started or ended starts (after sax_start or
 * sax_end set the depth: the element's own). */
static read_pos here(reader *r)
{
    return r->depth >= 0 && r->depth < READ_MAX_NESTING ? r->starts[r->depth] : (read_pos){0, 0};
}

/* Where the element whose text is being read starts. */
static read_pos inside(reader *r)
{
    return r->depth > 0 && r->depth <= READ_MAX_NESTING ? r->starts[r->depth - 1]
                                                        : (read_pos){line_now(r), 0};
}

/* Tells the observer where the element its next call is about starts. */
static void observe_at(reader *r, read_pos at)
{
    if (r->obs && r->obs->at)
        *r->obs->at = at;
}

static code_count *count_of(reader *r, const char *code)
{
    for (size_t i = 0; i < r->ncounts; i++)
        if (strcmp(r->counts[i].code, code) == 0)
            return &r->counts[i];
    if (r->ncounts == sizeof r->counts / sizeof r->counts[0])
        return NULL;
    code_count *c = &r->counts[r->ncounts++];
    str_lcpy(c->code, code, sizeof c->code);
    c->n = 0;
    return c;
}

/* The gate every warning of a file passes: the first WARN_PER_CODE of a
 * code go through, the rest are counted. graph.c's warnings come here too. */
static void gate(const espi_diag *d, void *ctx)
{
    reader *r = ctx;
    code_count *c = d->code && !(r->obs && r->obs->uncapped) ? count_of(r, d->code) : NULL;
    if (c && ++c->n > WARN_PER_CODE)
        return;
    if (r->on_diag)
        r->on_diag(d, r->diag_ctx);
}

static void warn(reader *r, const char *code, read_pos at, const char *fmt, ...) ATTR_PRINTF(4, 5);

static void warn(reader *r, const char *code, read_pos at, const char *fmt, ...)
{
    err_loc loc = {r->name, at.line, at.column, NULL};
    va_list ap;
    va_start(ap, fmt);
    diag_vemit(gate, r, ESPI_SEV_WARNING, code, &loc, fmt, ap);
    va_end(ap);
}

static void report_counts(reader *r)
{
    for (size_t i = 0; i < r->ncounts; i++) {
        if (r->counts[i].n <= WARN_PER_CODE || r->on_diag == NULL)
            continue;
        err_loc loc = {r->name, 0, 0, NULL};
        diag_emit(r->on_diag, r->diag_ctx, ESPI_SEV_WARNING, r->counts[i].code, &loc,
                  "%zu more warning(s) like the ones above", r->counts[i].n - WARN_PER_CODE);
    }
}

static int fail(reader *r, const char *code, read_pos at, const char *fmt, ...) ATTR_PRINTF(4, 5);

static int fail(reader *r, const char *code, read_pos at, const char *fmt, ...)
{
    if (r->status != 0)
        return r->status;
    err_loc loc = {r->name, at.line, at.column, NULL};
    va_list ap;
    va_start(ap, fmt);
    r->status = err_vfail(r->err, ESPI_E_INPUT, code, &loc, fmt, ap);
    va_end(ap);
    return r->status;
}

static int nomem(reader *r)
{
    if (r->status == 0)
        r->status = err_fail(r->err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    return r->status;
}

/* libxml2's own errors. Namespace errors (an undeclared prefix, a URI
 * that is not one) leave the file readable, so they are warnings; any
 * other error stops the file, and the parser with it. */
static void on_xml_error(void *ctx, xmlErrorPtr e)
{
    reader *r = ctx;
    char message[400];
    str_lcpy(message, e->message ? e->message : "error", sizeof message);
    size_t n = strlen(message);
    while (n > 0 && (message[n - 1] == '\n' || message[n - 1] == ' '))
        message[--n] = '\0';
    for (char *p = message; (p = strchr(p, '\n')) != NULL;)
        *p = ' '; /* "...encoding !\nBytes: 0xC3" stays one diagnostic line */
    unsigned long line = e->line > 0 ? (unsigned long)e->line : 0;
    if (e->level == XML_ERR_WARNING ||
        (e->domain == XML_FROM_NAMESPACE && e->level == XML_ERR_ERROR)) {
        read_pos at = {line, e->int2 > 0 ? (unsigned long)e->int2 : 0};
        warn(r, e->domain == XML_FROM_NAMESPACE ? "xml-namespace" : "xml-warning", at, "%s",
             message);
        return;
    }
    if (r->status == 0) {
        err_loc loc = {r->name, line, e->int2 > 0 ? (unsigned long)e->int2 : 0, NULL};
        if (strstr(message, "Excessive depth") != NULL)
            r->status = err_fail(r->err, ESPI_E_INPUT, "limit-depth", &loc,
                                 "elements nest deeper than 256 levels (libxml2's limit), "
                                 "which no Green Button file needs");
        else if (e->code == XML_ERR_UNDECLARED_ENTITY || e->code == XML_WAR_UNDECLARED_ENTITY)
            /* declared in the DTD or not: espi expands none (libxml2 says "not defined") */
            r->status = err_fail(r->err, ESPI_E_INPUT, "xml-entity", &loc,
                                 "the file uses entity '%s', which espi does not expand: it "
                                 "reads no DTD and expands no entity (a safety rule), so a file "
                                 "that uses one cannot be read",
                                 e->str1 ? e->str1 : "?");
        else
            r->status = err_fail(r->err, ESPI_E_INPUT, "xml-syntax", &loc,
                                 "not well-formed XML: %s", message);
    }
    /* Not xmlStopParser (see stop_on): an error raised while libxml2
     * switches the input's encoding would leave it reading a freed buffer. */
    r->ctxt->disableSAX = 1;
    r->ctxt->instate = XML_PARSER_EOF;
}

/* ------------------------------------------------------------------ */
/* Setup                                                               */
/* ------------------------------------------------------------------ */

static const xmlChar *intern(reader *r, const char *s)
{
    return xmlDictLookup(r->ctxt->dict, (const xmlChar *)s, -1);
}

static int compile_table(reader *r, field_table *t, const field_def *defs, size_t n)
{
    t->fields = calloc(n, sizeof *t->fields);
    if (t->fields == NULL)
        return -1;
    t->n = n;
    for (size_t i = 0; i < n; i++) {
        char part[96];
        const char *p = defs[i].path;
        field *f = &t->fields[i];
        while (*p && f->depth < 3) {
            size_t len = strcspn(p, "/");
            snprintf(part, sizeof part, "%.*s", (int)len, p);
            f->path[f->depth++] = intern(r, part);
            p += len + (p[len] == '/');
        }
        f->name = defs[i].path;
        f->type = (field_type)(defs[i].type & ~F_QUIET);
        f->quiet = (defs[i].type & F_QUIET) != 0;
        f->offset = defs[i].offset;
    }
    return 0;
}

#define COMPILE(r, t, defs) compile_table(r, t, defs, sizeof defs / sizeof defs[0])

/* Every element name the bundled ESPI schema declares: anything else in
 * the ESPI namespace is reported as unknown. */
static int load_vocabulary(reader *r)
{
    r->vocabulary = xmlHashCreate(512);
    const embedded_file *f = embedded_files;
    while (f->name && strcmp(f->name, "espi.xsd") != 0)
        f++;
    if (r->vocabulary == NULL || f->name == NULL)
        return -1;
    xmlTextReaderPtr x =
        xmlReaderForMemory((const char *)f->data, (int)f->size, NULL, NULL, READ_OPTIONS);
    if (x == NULL)
        return -1;
    while (xmlTextReaderRead(x) == 1) {
        if (xmlTextReaderNodeType(x) != XML_READER_TYPE_ELEMENT ||
            !xmlStrEqual(xmlTextReaderConstLocalName(x), (const xmlChar *)"element"))
            continue;
        xmlChar *name = xmlTextReaderGetAttribute(x, (const xmlChar *)"name");
        if (name)
            xmlHashAddEntry(r->vocabulary, name, r);
        xmlFree(name);
    }
    xmlFreeTextReader(x);
    return 0;
}

static int setup(reader *r)
{
    r->ns_atom = intern(r, NS_ATOM_URI);
    r->ns_espi = intern(r, NS_ESPI_URI);
    r->ns_cust = intern(r, NS_CUST_URI);
    r->n_feed = intern(r, "feed");
    r->n_entry = intern(r, "entry");
    r->n_id = intern(r, "id");
    r->n_title = intern(r, "title");
    r->n_published = intern(r, "published");
    r->n_updated = intern(r, "updated");
    r->n_link = intern(r, "link");
    r->n_content = intern(r, "content");
    r->n_reading = intern(r, "IntervalReading");
    r->n_rt = intern(r, "ReadingType");
    r->n_sdp = intern(r, "ServiceDeliveryPoint");
    r->n_line_item = intern(r, "costAdditionalDetailLastPeriod");
    r->n_riders = intern(r, "tariffRiderRefs");
    r->n_rider = intern(r, "tariffRiderRef");
    if (COMPILE(r, &r->tables[RES_USAGE_POINT], usage_point_fields) ||
        COMPILE(r, &r->tables[RES_READING_TYPE], reading_type_fields) ||
        COMPILE(r, &r->tables[RES_LTP], ltp_fields) ||
        COMPILE(r, &r->tables[RES_BLOCK], block_fields) ||
        COMPILE(r, &r->tables[RES_SUMMARY], summary_fields) ||
        COMPILE(r, &r->tables[RES_EPUS], summary_fields) ||
        COMPILE(r, &r->tables[RES_QUALITY], quality_fields) ||
        COMPILE(r, &r->reading_table, reading_fields) ||
        COMPILE(r, &r->line_item_table, line_item_fields) ||
        COMPILE(r, &r->rider_table, tariff_rider_fields) || load_vocabulary(r))
        return nomem(r);
    return 0;
}

/* ------------------------------------------------------------------ */
/* Names and namespaces                                                */
/* ------------------------------------------------------------------ */

/* A namespace URI's kind: the parser interns URIs in its dictionary, so a
 * pointer compare settles the common case. */
static ns_kind ns_of(reader *r, const xmlChar *uri)
{
    if (uri == NULL)
        return NS_NONE;
    if (uri == r->ns_espi || xmlStrEqual(uri, r->ns_espi))
        return NS_ESPI;
    if (uri == r->ns_atom || xmlStrEqual(uri, r->ns_atom))
        return NS_ATOM;
    if (uri == r->ns_cust || xmlStrEqual(uri, r->ns_cust))
        return NS_CUST;
    return NS_OTHER;
}

/* Whether the ESPI schema declares an element of this (interned) name;
 * answers are remembered by the name's address. */
static bool in_vocabulary(reader *r, const xmlChar *name)
{
    size_t slot = ((uintptr_t)name >> 4) % (sizeof r->known / sizeof r->known[0]);
    if (r->known[slot] == name)
        return true;
    if (xmlHashLookup(r->vocabulary, name) == NULL)
        return false;
    r->known[slot] = name;
    return true;
}

static res_kind resource_kind_of(const xmlChar *name)
{
    for (size_t i = 0; i < sizeof resource_names / sizeof resource_names[0]; i++)
        if (xmlStrEqual(name, (const xmlChar *)resource_names[i].name))
            return resource_names[i].kind;
    return RES_OTHER;
}

static espi_resource_kind public_kind(res_kind k)
{
    switch (k) {
    case RES_USAGE_POINT: return ESPI_RES_USAGE_POINT;
    case RES_METER_READING: return ESPI_RES_METER_READING;
    case RES_READING_TYPE: return ESPI_RES_READING_TYPE;
    case RES_LTP: return ESPI_RES_LOCAL_TIME_PARAMETERS;
    case RES_BLOCK: return ESPI_RES_INTERVAL_BLOCK;
    case RES_SUMMARY:
    case RES_EPUS: return ESPI_RES_USAGE_SUMMARY;
    case RES_QUALITY: return ESPI_RES_QUALITY_SUMMARY;
    default: return ESPI_RES_OTHER;
    }
}

/* The resource a name means when its case is off ("intervalBlock"). */
static const resource_name *resource_ignoring_case(const xmlChar *name)
{
    for (size_t i = 0; i < sizeof resource_names / sizeof resource_names[0]; i++)
        if (xmlStrcasecmp(name, (const xmlChar *)resource_names[i].name) == 0)
            return &resource_names[i];
    return NULL;
}

/* ------------------------------------------------------------------ */
/* Values                                                              */
/* ------------------------------------------------------------------ */

static char *trimmed(char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

static bool parse_hex(const char *s, int64_t *out)
{
    size_t n = strlen(s);
    if (n == 0 || n > 8 || strspn(s, "0123456789abcdefABCDEF") != n)
        return false;
    *out = (int64_t)strtoul(s, NULL, 16);
    return true;
}

/* Epoch seconds after year 5000 are milliseconds written by mistake. */
#define MILLISECONDS_FROM ((int64_t)100000000000)

/* The first occurrence of a field counts (a reading's first
 * ReadingQuality, say); later ones are read past. */
static void observe_field(reader *r, const void *res, const field *f, const char *text)
{
    if (r->obs == NULL || r->obs->field == NULL || f->quiet)
        return;
    bool reading = res == &r->reading;
    espi_resource_kind kind = reading            ? ESPI_RES_INTERVAL_READING
                              : res == r->nested ? ESPI_RES_READING_TYPE
                                                 : public_kind(r->kind);
    read_pos at = here(r);
    observe_at(r, at);
    r->obs->field(r->obs->ctx, reading ? SCOPE_READING : SCOPE_RESOURCE, kind, res, f->name, text,
                  at.line);
}

static void set_field(reader *r, void *res, const field *f, const xmlChar *name)
{
    char *text = trimmed(r->text);
    observe_field(r, res, f, text);
    int64_t *slot = (int64_t *)(void *)((char *)res + f->offset);
    if (f->type != F_TEXT && *slot != ESPI_ABSENT)
        return;
    if (f->type == F_TEXT) {
        char **s = (char **)(void *)((char *)res + f->offset);
        if (*s == NULL && (*s = strdup(text)) == NULL)
            nomem(r);
        return;
    }
    bool fraction = false,
         ok = f->type == F_HEX ? parse_hex(text, slot) : dec_integer_text(text, slot, &fraction);
    read_pos line = here(r);
    if (!ok) {
        *slot = ESPI_ABSENT;
        warn(r, "bad-number", line, "<%s> holds \"%.40s\", which is not %s; it is ignored",
             (const char *)name, text,
             f->type == F_HEX ? "a hex number of up to 8 digits"
                              : "an integer from -9223372036854775807 to 9223372036854775807");
        return;
    }
    if (fraction)
        warn(r, "fractional-number", line,
             "<%s> holds %.40s; ESPI numbers are integers, so the fraction is dropped",
             (const char *)name, text);
    if (f->type == F_TIME && (*slot >= MILLISECONDS_FROM || *slot <= -MILLISECONDS_FROM)) {
        warn(r, "milliseconds", line,
             "<%s> is %lld, which reads as milliseconds; ESPI times are seconds, so it is divided "
             "by 1000",
             (const char *)name, (long long)*slot);
        *slot /= 1000;
    }
}

/* The field a leaf at the current path fills, if any. */
static const field *match_field(const field_table *t, const xmlChar *const *path, int len)
{
    for (size_t i = 0; i < t->n; i++) {
        const field *f = &t->fields[i];
        if (f->depth != len)
            continue;
        int k = 0;
        while (k < len && f->path[k] == path[k])
            k++;
        if (k == len)
            return f;
    }
    return NULL;
}

/* ------------------------------------------------------------------ */
/* Entries and links                                                   */
/* ------------------------------------------------------------------ */

static int text_into(reader *r, const char **slot, const char *what)
{
    if (r->obs && r->obs->field) {
        observe_at(r, here(r));
        r->obs->field(r->obs->ctx, SCOPE_ENTRY, ESPI_RES_OTHER, NULL, what, trimmed(r->text),
                      here(r).line);
    }
    if (*slot != NULL) {
        warn(r, "entry-repeated-field", here(r), "a second <%s> in one entry is ignored", what);
        return 0;
    }
    *slot = strdup(trimmed(r->text));
    return *slot ? 0 : nomem(r);
}

/* An href resolved against the xml:base in effect; as written when there
 * is none (the file's own name never becomes a base). */
static char *resolve_href(reader *r, const char *href)
{
    const char *base = r->depth < MAX_DEPTH ? r->base[r->depth] : NULL;
    xmlChar *resolved = base ? xmlBuildURI((const xmlChar *)href, (const xmlChar *)base) : NULL;
    char *out = strdup(resolved ? (const char *)resolved : href);
    xmlFree(resolved);
    return out;
}

/* The value of the start tag's attribute name (no namespace), copied.
 * Without entity substitution libxml2 hands an &amp; over as "&#38;" (so
 * that a tree could tell it from a plain "&"); it is turned back here. */
static char *attribute_value(const xmlChar *const *a)
{
    size_t n = (size_t)(a[4] - a[3]), k = 0;
    char *v = malloc(n + 1);
    if (v == NULL)
        return NULL;
    for (size_t j = 0; j < n; j++) {
        v[k++] = (char)a[3][j];
        if (a[3][j] == '&' && n - j >= 5 && memcmp(a[3] + j, "&#38;", 5) == 0)
            j += 4;
    }
    v[k] = '\0';
    return v;
}

static char *attribute(reader *r, const char *name)
{
    for (int i = 0; i < r->nattrs; i++) {
        const xmlChar *const *a = r->attrs + 5 * i;
        if (a[2] == NULL && xmlStrEqual(a[0], (const xmlChar *)name))
            return attribute_value(a);
    }
    return NULL;
}

/* Adds <link rel href type> to a list (an entry's or the feed's). */
static int read_link(reader *r, espi_link **links, size_t *n, size_t *cap, const char **self,
                     const char **up)
{
    char *href = attribute(r, "href");
    if (href == NULL) {
        warn(r, "link-no-href", here(r), "a link without href is ignored");
        return 0;
    }
    espi_link *g = grow_array(*links, cap, *n, sizeof *g, 4);
    if (g == NULL) {
        free(href);
        return nomem(r);
    }
    *links = g;
    if (self != NULL) { /* an entry's link: where it stands, by its index */
        read_pos *p = grow_array(r->link_at, &r->link_at_cap, *n, sizeof *p, 4);
        if (p == NULL) {
            free(href);
            return nomem(r);
        }
        r->link_at = p;
        r->link_at[*n] = here(r);
    }
    espi_link *l = &(*links)[(*n)++];
    l->rel = attribute(r, "rel");
    l->type = attribute(r, "type");
    l->href = resolve_href(r, href);
    free(href);
    if (l->href == NULL)
        return nomem(r);
    if (l->rel && strcmp(l->rel, "self") == 0 && self && *self == NULL)
        *self = l->href;
    if (l->rel && strcmp(l->rel, "up") == 0 && up && *up == NULL)
        *up = l->href;
    return 0;
}

static int dup_text(const char **dst, const char *src)
{
    *dst = src ? strdup(src) : NULL;
    return src && *dst == NULL ? -1 : 0;
}

/* A deep copy, for a block that starts before its entry ends and for a
 * second resource in one entry. */
static int entry_copy(espi_entry *dst, const espi_entry *src)
{
    memset(dst, 0, sizeof *dst);
    dst->line = src->line;
    espi_link *links = src->nlinks ? calloc(src->nlinks, sizeof *links) : NULL;
    int rc = dup_text(&dst->id, src->id) | dup_text(&dst->title, src->title) |
             dup_text(&dst->published, src->published) | dup_text(&dst->updated, src->updated);
    dst->links = links;
    if (src->nlinks && links == NULL)
        rc = -1;
    for (size_t i = 0; links && i < src->nlinks; i++) {
        rc |= dup_text(&links[i].rel, src->links[i].rel) |
              dup_text(&links[i].href, src->links[i].href) |
              dup_text(&links[i].type, src->links[i].type);
        dst->nlinks = i + 1;
        if (src->self == src->links[i].href)
            dst->self = links[i].href;
        if (src->up == src->links[i].href)
            dst->up = links[i].href;
    }
    return rc;
}

/* ------------------------------------------------------------------ */
/* Resources                                                           */
/* ------------------------------------------------------------------ */

static size_t resource_size(res_kind k)
{
    switch (k) {
    case RES_USAGE_POINT: return sizeof(espi_usage_point_res);
    case RES_METER_READING: return sizeof(espi_meter_reading_res);
    case RES_READING_TYPE: return sizeof(espi_reading_type_res);
    case RES_LTP: return sizeof(espi_ltp_res);
    case RES_BLOCK: return sizeof(espi_interval_block_res);
    case RES_SUMMARY:
    case RES_EPUS: return sizeof(espi_usage_summary_res);
    case RES_QUALITY: return sizeof(espi_quality_summary_res);
    default: return sizeof(espi_other_res);
    }
}

/* Every number a table reads starts out absent. */
static void mark_absent(const field_table *t, void *res)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->fields[i].type != F_TEXT)
            *(int64_t *)(void *)((char *)res + t->fields[i].offset) = ESPI_ABSENT;
}

/* Frees a resource the graph never took: its text fields with it. */
static void free_resource(reader *r, void *res, res_kind k)
{
    if (res == NULL)
        return;
    if (k == RES_SUMMARY || k == RES_EPUS) {
        graph_summary_clear(res);
    } else if (k != RES_OTHER && k != RES_BLOCK) {
        const field_table *t = &r->tables[k];
        for (size_t i = 0; i < t->n; i++)
            if (t->fields[i].type == F_TEXT)
                free(*(char **)(void *)((char *)res + t->fields[i].offset));
    }
    graph_entry_clear((espi_entry *)res);
    free(res);
}

static void *new_resource(reader *r, res_kind k)
{
    void *res = calloc(1, resource_size(k));
    if (res != NULL && k != RES_OTHER)
        mark_absent(&r->tables[k], res);
    return res;
}

static int keep_block(reader *r, graph_block *b)
{
    graph_block **g = grow_array(r->blocks, &r->blocks_cap, r->nblocks, sizeof *g, 4);
    if (g == NULL)
        return -1;
    r->blocks = g;
    r->blocks[r->nblocks++] = b;
    return 0;
}

/* Several resources may share one content (the GBA SDK puts every block
 * of a meter reading in one entry); each gets the entry. anyway: it is
 * read only anyway (espi_entry.anyway), marked on it when handed over. */
static int begin_resource(reader *r, res_kind k, ns_kind ns, int depth, bool anyway)
{
    void *res = new_resource(r, k);
    if (res == NULL)
        return nomem(r);
    if (k == RES_OTHER)
        ((espi_other_res *)res)->ns = ns == NS_CUST ? NS_CUST_URI : NS_ESPI_URI;
    if (k == RES_EPUS)
        ((espi_usage_summary_res *)res)->deprecated = true;
    if (k == RES_BLOCK) {
        espi_interval_block_res *b = res;
        b->line = here(r).line;
        b->column = here(r).column;
        int rc = entry_copy(&b->entry, &r->entry);
        b->entry.anyway = anyway; /* its readings may go out before its entry ends */
        r->block = rc == 0 ? graph_block_begin(r->g, b) : NULL;
        if (r->block == NULL || keep_block(r, r->block) != 0) {
            if (r->block)
                graph_block_abort(r->g, r->block);
            r->block = NULL;
            graph_entry_clear(&b->entry);
            free(res);
            return nomem(r);
        }
        free(res);
        res = &r->block->res;
    }
    r->res = res;
    r->res_at = here(r);
    r->kind = k;
    r->res_depth = depth;
    r->res_ns = ns == NS_CUST ? NS_CUST : NS_ESPI;
    r->res_ns_warned = false;
    r->res_outside_entry = r->entry_depth == 0;
    r->res_anyway = anyway;
    r->path_len = 0;
    r->item = NULL;
    r->item_depth = 0;
    r->items_cap = r->riders_cap = 0;
    r->items_warned = false;
    return 0;
}

/* A resource's fields are read; it waits for its entry's end, when the
 * entry (title, published, updated may follow content) is complete. */
static int finish_resource(reader *r, const xmlChar *name)
{
    if (r->kind == RES_BLOCK) {
        r->res = NULL;
        r->block = NULL;
        r->res_depth = 0;
        return 0; /* the block stays open until its entry ends */
    }
    if (r->ndone == sizeof r->done / sizeof r->done[0]) {
        warn(r, "entry-many-resources", here(r),
             "more than %zu resources other than IntervalBlocks in one entry; this one is ignored",
             sizeof r->done / sizeof r->done[0]);
        free_resource(r, r->res, r->kind);
        if (r->kind == RES_METER_READING) {
            free_resource(r, r->nested, RES_READING_TYPE);
            r->nested = NULL;
        }
    } else {
        r->done_at[r->ndone] = r->res_at;
        r->done_nested_at[r->ndone] = r->nested_at;
        r->done[r->ndone] = r->res;
        r->done_nested[r->ndone] = r->kind == RES_METER_READING ? r->nested : NULL;
        if (r->kind == RES_METER_READING)
            r->nested = NULL;
        r->done_kind[r->ndone] = r->kind;
        r->done_anyway[r->ndone] = r->res_anyway;
        r->done_name[r->ndone++] = name;
    }
    r->res = NULL;
    r->res_depth = 0;
    return 0;
}

/* Hands a finished resource, with its entry, to the graph; anyway: it is
 * read only anyway, and so is a ReadingType nested in it. */
static int hand_over(reader *r, void *res, res_kind k, const xmlChar *name,
                     espi_reading_type_res *nested, espi_entry *entry, bool anyway)
{
    *(espi_entry *)res = *entry; /* every resource struct starts with its entry */
    ((espi_entry *)res)->anyway = anyway;
    memset(entry, 0, sizeof *entry);
    switch (k) {
    case RES_USAGE_POINT: return graph_add_usage_point(r->g, res);
    case RES_METER_READING:
        if (nested && entry_copy(&nested->entry, res) != 0) {
            free_resource(r, nested, RES_READING_TYPE);
            free_resource(r, res, k);
            return nomem(r);
        }
        if (nested)
            nested->entry.anyway = anyway;
        return graph_add_meter_reading(r->g, res, nested);
    case RES_READING_TYPE: return graph_add_reading_type(r->g, res);
    case RES_LTP: return graph_add_ltp(r->g, res);
    case RES_SUMMARY:
    case RES_EPUS: return graph_add_usage_summary(r->g, res);
    case RES_QUALITY: return graph_add_quality_summary(r->g, res);
    default: return graph_add_other(r->g, (const char *)name, res);
    }
}

/* The entry for the i-th of n resources: a copy, the last gets it whole. */
static int entry_for(reader *r, bool last, espi_entry *out)
{
    if (!last) {
        if (entry_copy(out, &r->entry) == 0)
            return 0;
        graph_entry_clear(out);
        return nomem(r);
    }
    *out = r->entry;
    memset(&r->entry, 0, sizeof r->entry);
    return 0;
}

/* Tells the observer where a resource of the entry and the entry's parts
 * stand. */
static void observe_places(reader *r, const void *res, res_kind k, read_pos element)
{
    if (r->obs == NULL || r->obs->resource == NULL || res == NULL)
        return;
    read_places p = {r->entry_at, element, r->link_at, r->link_at ? r->entry.nlinks : 0};
    r->obs->resource(r->obs->ctx, res, public_kind(k), &p);
}

/* Hands the entry's resources over; entry: whether an <entry> ended (not
 * a resource found outside any entry). */
static int end_entry(reader *r, bool entry)
{
    int rc = 0;
    size_t total = r->ndone + r->nblocks, k = 0;
    for (size_t i = 0; i < r->ndone; i++) {
        observe_places(r, r->done[i], r->done_kind[i], r->done_at[i]);
        observe_places(r, r->done_nested[i], RES_READING_TYPE, r->done_nested_at[i]);
    }
    for (size_t i = 0; i < r->nblocks; i++)
        observe_places(r, &r->blocks[i]->res, RES_BLOCK,
                       (read_pos){r->blocks[i]->res.line, r->blocks[i]->res.column});
    if (entry)
        r->feed.entries++;
    observe_at(r, r->entry_at);
    if (entry && r->obs && r->obs->entry)
        r->obs->entry(r->obs->ctx, &r->entry,
                      r->ndone     ? public_kind(r->done_kind[0])
                      : r->nblocks ? ESPI_RES_INTERVAL_BLOCK
                                   : ESPI_RES_OTHER,
                      total);
    for (size_t i = 0; i < r->ndone; i++, k++) {
        espi_entry e;
        if (rc == 0 && (rc = entry_for(r, k + 1 == total, &e)) == 0)
            rc = hand_over(r, r->done[i], r->done_kind[i], r->done_name[i], r->done_nested[i], &e,
                           r->done_anyway[i]);
        else {
            free_resource(r, r->done[i], r->done_kind[i]);
            free_resource(r, r->done_nested[i], RES_READING_TYPE);
        }
        r->done[i] = NULL;
        r->done_nested[i] = NULL;
    }
    r->ndone = 0;
    for (size_t i = 0; i < r->nblocks; i++, k++) {
        graph_block *b = r->blocks[i];
        bool anyway = b->res.entry.anyway;
        graph_entry_clear(&b->res.entry);
        if (rc == 0 && (rc = entry_for(r, k + 1 == total, &b->res.entry)) == 0) {
            b->res.entry.anyway = anyway;
            rc = graph_block_end(r->g, b); /* now with its complete entry */
        } else
            graph_block_abort(r->g, b);
    }
    r->nblocks = 0;
    graph_entry_clear(&r->entry);
    r->links_cap = 0;
    r->entry_at = r->nested_at = (read_pos){0, 0};
    r->entry_depth = r->content_depth = 0;
    return rc ? rc : graph_stopped(r->g);
}

/* ------------------------------------------------------------------ */
/* Elements                                                            */
/* ------------------------------------------------------------------ */

static void begin_text(reader *r)
{
    r->text_len = 0;
    r->text[0] = '\0';
    r->text_cut = false;
    r->capture = true;
    r->leaf = true;
}

static void add_text(reader *r, const xmlChar *v, size_t n)
{
    if (!r->capture || r->text_cut)
        return;
    if (r->text_len + n > MAX_TEXT) {
        warn(r, "text-too-long", inside(r), "a text longer than %d bytes is cut", MAX_TEXT);
        r->text_cut = true;
        n = MAX_TEXT - r->text_len;
        while (n > 0 && (v[n] & 0xC0) == 0x80)
            n--; /* not inside a UTF-8 character */
    }
    memcpy(r->text + r->text_len, v, n);
    r->text_len += n;
    r->text[r->text_len] = '\0';
}

/* An IntervalReading where no block holds it: it cannot be read, so it is
 * said, and what is inside it is passed over. */
static int skip_reading(reader *r, int depth, const char *where)
{
    warn(r, "reading-misplaced", here(r), "<IntervalReading> %s; it is not read", where);
    r->skip_depth = depth;
    return 0;
}

/* Most line items or tariff riders one summary keeps; more are said and
 * passed over. */
#define MAX_ITEMS 4096

/* A summary's costAdditionalDetailLastPeriod or tariffRiderRef starts:
 * an item of its own, whose fields the item's table reads. */
static int begin_item(reader *r, bool line_item, int depth)
{
    espi_usage_summary_res *us = r->res;
    size_t *n = line_item ? &us->line_items : &us->ntariff_riders;
    if (*n >= MAX_ITEMS) {
        if (!r->items_warned)
            warn(r, "summary-many-items", here(r),
                 "more than %d <%s> in one summary; the rest are not read", MAX_ITEMS,
                 line_item ? "costAdditionalDetailLastPeriod" : "tariffRiderRef");
        r->items_warned = true;
        return 0;
    }
    size_t size = line_item ? sizeof(espi_line_item) : sizeof(espi_tariff_rider);
    void *items = line_item ? (void *)(uintptr_t)us->items : (void *)(uintptr_t)us->tariff_riders;
    char *g = grow_array(items, line_item ? &r->items_cap : &r->riders_cap, *n, size, 4);
    if (g == NULL)
        return nomem(r);
    if (line_item)
        us->items = (espi_line_item *)(void *)g;
    else
        us->tariff_riders = (espi_tariff_rider *)(void *)g;
    r->item = g + size * (*n)++;
    memset(r->item, 0, size);
    r->item_table = line_item ? &r->line_item_table : &r->rider_table;
    mark_absent(r->item_table, r->item);
    r->item_depth = depth;
    return 0;
}

/* Notes what a resource holds beyond its fields: readings, a nested
 * ReadingType, 1.x names, line items, names ESPI does not have. */
static int inner_start(reader *r, const xmlChar *name, ns_kind ns, int depth)
{
    int idx = depth - r->res_depth - 1;
    if (name == r->n_reading && (ns == NS_ESPI || ns == NS_NONE || ns == NS_ATOM) &&
        !(r->kind == RES_BLOCK && idx == 0))
        return skip_reading(r, depth, "not directly in an IntervalBlock");
    if (r->kind == RES_OTHER) { /* not read field by field */
        if (idx < MAX_PATH)
            r->path[idx] = name;
        r->path_len = idx + 1;
        return 0;
    }
    if (ns != r->res_ns && (ns == NS_NONE || ns == NS_ATOM)) {
        /* a default namespace gone wrong: read the element as the resource's */
        if (!r->res_ns_warned)
            warn(r, "namespace-inside-resource", here(r),
                 "<%s> inside an ESPI resource is %s; it and the resource's other elements "
                 "like it are read as %s",
                 (const char *)name, ns == NS_NONE ? "in no namespace" : "in the Atom namespace",
                 r->res_ns == NS_CUST ? "customer data" : "ESPI");
        r->res_ns_warned = true;
        ns = r->res_ns;
    } else if (ns != r->res_ns) {
        /* another vocabulary's element: no field of ours, whatever its name */
        if (idx < MAX_PATH)
            r->path[idx] = NULL;
        r->path_len = idx + 1;
        warn(r, "foreign-element", here(r), "<%s> is in namespace %s, not ESPI; it is ignored",
             (const char *)name, r->uri ? (const char *)r->uri : "");
        return 0;
    }
    if (idx < MAX_PATH)
        r->path[idx] = name;
    r->path_len = idx + 1;
    if (ns != NS_ESPI)
        return 0;
    if (r->kind == RES_BLOCK && name == r->n_reading && idx == 0) {
        mark_absent(&r->reading_table, &r->reading);
        r->reading.line = here(r).line;
        r->reading.column = here(r).column;
        r->reading_depth = depth;
    } else if (r->kind == RES_METER_READING && name == r->n_rt && idx == 0) {
        warn(r, "nested-reading-type", here(r),
             "a ReadingType inside a MeterReading (it belongs in an entry of its own); it is read "
             "as this meter reading's");
        if (r->nested) {
            warn(r, "nested-reading-type", here(r),
                 "a second ReadingType in one MeterReading is ignored");
            return 0;
        }
        r->nested = new_resource(r, RES_READING_TYPE);
        r->nested_at = here(r);
        r->nested_depth = depth;
        if (r->nested)
            r->nested->nested = true;
        return r->nested ? 0 : nomem(r);
    } else if (r->kind == RES_USAGE_POINT && name == r->n_sdp && idx == 0) {
        warn(r, "espi-1x-name", here(r),
             "<ServiceDeliveryPoint> is the ESPI 1.x name; ESPI 3.3 and 4.0 spell it "
             "<serviceDeliveryPoint>");
        return 0;
    } else if ((r->kind == RES_SUMMARY || r->kind == RES_EPUS) &&
               ((name == r->n_line_item && idx == 0) ||
                (name == r->n_rider && idx == 1 && r->path[0] == r->n_riders))) {
        int rc = begin_item(r, name == r->n_line_item, depth);
        if (rc != 0)
            return rc;
    }
    if (!in_vocabulary(r, name))
        warn(r, "unknown-element", here(r), "<%s> is not an ESPI element; it is ignored",
             (const char *)name);
    return 0;
}

/* A leaf inside a resource: the field it fills, in the innermost scope
 * (a reading, a nested ReadingType, or the resource itself). */
static void inner_leaf(reader *r, const xmlChar *name, int depth)
{
    int idx = depth - r->res_depth - 1, len = idx + 1;
    if (len > MAX_PATH)
        return;
    const field_table *t = &r->tables[r->kind];
    void *target = r->res;
    int base = 0;
    if (r->reading_depth) {
        t = &r->reading_table, target = &r->reading;
        base = r->reading_depth - r->res_depth;
    } else if (r->nested_depth && r->nested) {
        t = &r->tables[RES_READING_TYPE], target = r->nested;
        base = r->nested_depth - r->res_depth;
    } else if (r->item_depth && r->item) {
        t = r->item_table, target = r->item;
        base = r->item_depth - r->res_depth;
    }
    if (r->kind == RES_OTHER || len - base < 1)
        return;
    const field *f = match_field(t, r->path + base, len - base);
    if (f)
        set_field(r, target, f, name);
}

static int inner_end(reader *r, const xmlChar *name, int depth)
{
    if (r->leaf)
        inner_leaf(r, name, depth);
    r->leaf = false;
    r->capture = false;
    r->path_len = depth - r->res_depth - 1;
    if (depth == r->reading_depth) {
        r->reading_depth = 0;
        return graph_block_reading(r->g, r->block, &r->reading);
    }
    if (depth == r->nested_depth)
        r->nested_depth = 0;
    if (depth == r->item_depth) {
        r->item_depth = 0;
        r->item = NULL;
    }
    return 0;
}

static int stray_element(reader *r, const xmlChar *name, ns_kind ns, int depth);

/* An element directly in an entry: Atom fields, links, content, or an
 * ESPI resource written outside content. */
static int entry_child(reader *r, const xmlChar *name, ns_kind ns, int depth)
{
    if (ns == NS_ATOM) {
        if (name == r->n_link)
            return read_link(r, (espi_link **)(uintptr_t)&r->entry.links, &r->entry.nlinks,
                             &r->links_cap, &r->entry.self, &r->entry.up);
        if (name == r->n_entry)
            return stray_element(r, name, ns, depth);
        if (name == r->n_content) {
            if (r->content_seen)
                warn(r, "entry-content-twice", here(r),
                     "a second <content> in one entry; what it holds is read as well");
            r->content_seen = true;
            r->content_depth = depth;
        } else if (name == r->n_id || name == r->n_title || name == r->n_published ||
                   name == r->n_updated)
            begin_text(r);
        return 0;
    }
    return stray_element(r, name, ns, depth);
}

static int entry_child_end(reader *r, const xmlChar *name)
{
    const char **slot = name == r->n_id          ? &r->entry.id
                        : name == r->n_title     ? &r->entry.title
                        : name == r->n_published ? &r->entry.published
                        : name == r->n_updated   ? &r->entry.updated
                                                 : NULL;
    r->capture = false;
    return slot ? text_into(r, slot, (const char *)name) : 0;
}

/* The kind of an ESPI resource element: a name ESPI does not have is
 * read as the resource it spells in another case (*by_case: only anyway),
 * or reported. */
static res_kind reader_kind_of_name(reader *r, const xmlChar *name, bool *by_case)
{
    res_kind k = resource_kind_of(name);
    if (k != RES_OTHER || in_vocabulary(r, name))
        return k;
    const resource_name *like = resource_ignoring_case(name);
    if (like) {
        warn(r, "resource-name-case", here(r), "<%s> is not an ESPI name; read as <%s>",
             (const char *)name, like->name);
        *by_case = true;
        return like->kind;
    }
    warn(r, "unknown-resource", here(r), "<%s> is not an ESPI resource; its content is not read",
         (const char *)name);
    return RES_OTHER;
}

/* An element found where the feed's structure has no place for it: an
 * entry inside another element, or an ESPI resource outside an entry's
 * content. Both are read, with a warning, rather than lost. */
static int stray_element(reader *r, const xmlChar *name, ns_kind ns, int depth)
{
    if (ns == NS_ATOM && name == r->n_entry && r->res_depth == 0) {
        if (r->entry_depth) { /* an entry in an entry: two entries, one after the other */
            warn(r, "entry-nested", here(r),
                 "<entry> inside the entry of line %lu; that one ends here, and this one is read "
                 "on its own",
                 r->entry.line);
            int rc = end_entry(r, true);
            if (rc != 0)
                return rc;
        } else {
            warn(r, "entry-misplaced", here(r),
                 "<entry> is not a child of <feed>; it is read anyway");
        }
        r->entry_depth = depth;
        r->entry.line = here(r).line;
        r->entry_at = here(r);
        r->content_seen = false;
        return 0;
    }
    if (ns == NS_ESPI && name == r->n_reading)
        return skip_reading(r, depth, "outside any IntervalBlock");
    if ((ns == NS_ESPI || ns == NS_CUST) && r->res_depth == 0) {
        warn(r, "outside-content", here(r),
             "<%s> stands outside any entry's <content>; it is read anyway%s", (const char *)name,
             r->entry_depth ? "" : ", with no links");
        if (r->entry_depth == 0) {
            r->entry.line = here(r).line;
            r->entry_at = here(r);
        }
        r->content_seen = false;
        bool by_case = false;
        return begin_resource(r, ns == NS_ESPI ? reader_kind_of_name(r, name, &by_case) : RES_OTHER,
                              ns, depth, true);
    }
    return 0;
}

/* The element in content: the resource. ESPI names without a namespace
 * are read as ESPI, with a warning. */
static int content_child(reader *r, const xmlChar *name, ns_kind ns, int depth)
{
    if (ns == NS_NONE && resource_kind_of(name) != RES_OTHER) {
        warn(r, "no-namespace", here(r),
             "<%s> has no namespace; read as ESPI (http://naesb.org/espi), and so are its "
             "elements",
             (const char *)name);
        int rc = begin_resource(r, resource_kind_of(name), NS_ESPI, depth, false);
        r->res_ns_warned = true; /* its elements without one need no word of their own */
        return rc;
    }
    if (ns == NS_ESPI && name == r->n_reading)
        return skip_reading(r, depth, "directly in <content>, not in an IntervalBlock");
    if (ns == NS_ESPI) {
        bool by_case = false;
        res_kind k = reader_kind_of_name(r, name, &by_case);
        return begin_resource(r, k, ns, depth, by_case);
    }
    if (ns == NS_CUST)
        return begin_resource(r, RES_OTHER, ns, depth, false);
    if (ns == NS_ATOM && name == r->n_entry)
        return stray_element(r, name, ns, depth);
    warn(r, "content-unknown", here(r), "<%s> in content is neither ESPI nor customer data",
         (const char *)name);
    return 0;
}

static int feed_child(reader *r, const xmlChar *name, ns_kind ns, int depth)
{
    if (ns == NS_ATOM && name == r->n_entry) {
        r->entry_depth = depth;
        r->entry.line = here(r).line;
        r->entry_at = here(r);
        r->content_seen = false;
        return 0;
    }
    if (ns == NS_ATOM && name == r->n_link)
        return read_link(r, (espi_link **)(uintptr_t)&r->feed.links, &r->feed.nlinks,
                         &r->feed_links_cap, NULL, NULL);
    if (ns == NS_ATOM && (name == r->n_id || name == r->n_title || name == r->n_updated)) {
        begin_text(r);
        return 0;
    }
    return stray_element(r, name, ns, depth);
}

static int feed_child_end(reader *r, const xmlChar *name)
{
    const char **slot = name == r->n_id        ? &r->feed.id
                        : name == r->n_title   ? &r->feed.title
                        : name == r->n_updated ? &r->feed.updated
                                               : NULL;
    r->capture = false;
    if (slot && r->obs && r->obs->field) {
        observe_at(r, here(r));
        r->obs->field(r->obs->ctx, SCOPE_FEED, ESPI_RES_FEED, NULL, (const char *)name,
                      trimmed(r->text), here(r).line);
    }
    if (slot == NULL || *slot != NULL)
        return 0;
    *slot = strdup(trimmed(r->text));
    return *slot ? 0 : nomem(r);
}

static int check_root(reader *r, const xmlChar *name, ns_kind ns)
{
    r->seen_root = true;
    r->feed.line = here(r).line;
    r->feed.column = here(r).column;
    bool entry = ns == NS_ATOM && name == r->n_entry;
    if (r->obs && r->obs->root && (entry || (ns == NS_ATOM && name == r->n_feed))) {
        observe_at(r, here(r));
        r->obs->root(r->obs->ctx, entry, r->feed.line);
    }
    if (ns == NS_ATOM && name == r->n_feed)
        return 0;
    if (entry) { /* one resource of an ESPI API: a feed of one entry */
        r->feed.fragment = true;
        r->shift = 1;
        return feed_child(r, name, ns, 1);
    }
    r->not_a_feed = true;
    snprintf(r->root_name, sizeof r->root_name, "%s", (const char *)name);
    snprintf(r->root_uri, sizeof r->root_uri, "%s", r->uri ? (const char *)r->uri : "");
    return 0;
}

static int report_not_a_feed(reader *r)
{
    return fail(r, "not-a-feed", (read_pos){r->feed.line, r->feed.column},
                "the root element is <%s>%s%s, not an Atom feed or entry (<feed>, or <entry> for "
                "one resource, in namespace " NS_ATOM_URI ")",
                r->root_name, r->root_uri[0] ? " in namespace " : " without a namespace",
                r->root_uri);
}

static int on_start(reader *r, int depth, const xmlChar *name, const xmlChar *uri)
{
    ns_kind ns = ns_of(r, uri);
    r->uri = uri;
    if (!r->seen_root)
        return check_root(r, name, ns);
    if (r->not_a_feed || (r->skip_depth && depth > r->skip_depth))
        return 0;
    if (r->res_depth && depth > r->res_depth) {
        if (r->leaf == false || r->capture)
            r->leaf = false;
        int rc = inner_start(r, name, ns, depth);
        begin_text(r);
        return rc;
    }
    if (r->content_depth && depth == r->content_depth + 1)
        return content_child(r, name, ns, depth);
    if (r->entry_depth && depth == r->entry_depth + 1)
        return entry_child(r, name, ns, depth);
    if (depth == 1)
        return feed_child(r, name, ns, depth);
    return stray_element(r, name, ns, depth);
}

static int on_end(reader *r, int depth, const xmlChar *name)
{
    if (r->not_a_feed || (r->skip_depth && depth > r->skip_depth))
        return 0;
    if (r->skip_depth && depth == r->skip_depth) {
        r->skip_depth = 0;
        r->leaf = r->capture = false;
        if (r->res_depth && depth > r->res_depth)
            r->path_len = depth - r->res_depth - 1; /* back in the resource */
        return 0;
    }
    if (r->res_depth && depth > r->res_depth)
        return inner_end(r, name, depth);
    if (r->res_depth && depth == r->res_depth) {
        bool alone = r->res_outside_entry;
        int rc = finish_resource(r, name);
        return rc == 0 && alone ? end_entry(r, false) : rc;
    }
    if (r->content_depth && depth == r->content_depth) {
        r->content_depth = 0;
        return 0;
    }
    if (r->entry_depth && depth == r->entry_depth + 1)
        return entry_child_end(r, name);
    if (r->entry_depth && depth == r->entry_depth)
        return end_entry(r, true);
    if (depth == 1)
        return feed_child_end(r, name);
    return 0;
}

/* ------------------------------------------------------------------ */
/* The pass                                                            */
/* ------------------------------------------------------------------ */

/* libxml2 reads the XML declaration from what its first reads returned, so
 * a declaration split over tiny reads is taken as malformed. fread never
 * returns short before the end of input, so only this option can cause it. */
#define MIN_CHUNK 512

typedef struct source {
    FILE *in;
    size_t chunk;
    bool failed;
    int err_no;
    const char *head; /* read before in */
    size_t head_len;
} source;

static int read_source(void *ctx, char *buf, int len)
{
    source *s = ctx;
    size_t want = (size_t)len < s->chunk ? (size_t)len : s->chunk;
    if (s->head_len > 0) {
        size_t n = want < s->head_len ? want : s->head_len;
        memcpy(buf, s->head, n);
        s->head += n;
        s->head_len -= n;
        return (int)n;
    }
    size_t n = fread(buf, 1, want, s->in);
    if (n == 0 && ferror(s->in)) {
        s->failed = true;
        s->err_no = errno;
        return -1;
    }
    return (int)n;
}

/* A callback failed or the caller asked to stop: the parse ends here.
 * Not xmlStopParser: before libxml2 2.11 it frees the input buffer, which
 * the parser and a schema validator plugged into the SAX still read after
 * the callback returns (valgrind: invalid read). What 2.11 does instead is
 * enough: no more callbacks, and the parser's loops end. */
static void stop_on(reader *r, int rc)
{
    if (rc == 0)
        return;
    if (r->status == 0)
        r->status = rc;
    r->ctxt->disableSAX = 1;
    r->ctxt->instate = XML_PARSER_EOF;
}

/* xml:base of the element starting at depth: its own, resolved against
 * its parent's, or the parent's. */
static void push_base(reader *r)
{
    int d = r->depth;
    if (d < 0 || d >= MAX_DEPTH)
        return;
    r->base[d] = NULL;
    const char *parent = d > 0 ? r->base[d - 1] : NULL;
    for (int i = 0; i < r->nattrs; i++) {
        const xmlChar *const *a = r->attrs + 5 * i;
        if (a[1] && xmlStrEqual(a[1], (const xmlChar *)"xml") &&
            xmlStrEqual(a[0], (const xmlChar *)"base")) {
            char *v = attribute_value(a);
            xmlChar *b =
                parent && v ? xmlBuildURI((const xmlChar *)v, (const xmlChar *)parent) : NULL;
            r->base[d] = strdup(b ? (const char *)b : v ? v : "");
            free(v);
            xmlFree(b);
            return;
        }
    }
    r->base[d] = parent ? strdup(parent) : NULL;
}

static void pop_base(reader *r)
{
    if (r->depth >= 0 && r->depth < MAX_DEPTH) {
        free(r->base[r->depth]);
        r->base[r->depth] = NULL;
    }
}

static void sax_start(void *ctx, const xmlChar *name, const xmlChar *prefix, const xmlChar *uri,
                      int nb_namespaces, const xmlChar **namespaces, int nb_attributes,
                      int nb_defaulted, const xmlChar **attributes)
{
    (void)prefix, (void)nb_namespaces, (void)namespaces, (void)nb_defaulted;
    reader *r = ctx;
    r->attrs = attributes;
    r->nattrs = nb_attributes;
    r->text_run = 0;
    if (r->depth >= 0 && r->depth < READ_MAX_NESTING)
        r->starts[r->depth] = tag_start(r);
    push_base(r);
    if (r->status == 0 && nb_attributes > MAX_ATTRIBUTES)
        stop_on(r,
                fail(r, "limit-attributes", here(r), "<%s> has %d attributes; at most %d are read",
                     (const char *)name, nb_attributes, MAX_ATTRIBUTES));
    if (r->status == 0)
        stop_on(r, on_start(r, r->depth + r->shift, name, uri));
    if (r->obs && r->obs->element) {
        observe_at(r, here(r));
        r->obs->element(r->obs->ctx, r->depth, here(r).line);
    }
    r->depth++; /* kept even after an error, so that ends stay paired */
}

static void sax_end(void *ctx, const xmlChar *name, const xmlChar *prefix, const xmlChar *uri)
{
    (void)prefix, (void)uri;
    reader *r = ctx;
    r->text_run = 0;
    if (r->depth == 0)
        return; /* an end without its start: never from libxml2, but cheap to rule out */
    r->depth--;
    if (r->obs && r->obs->element) {
        observe_at(r, here(r));
        r->obs->element(r->obs->ctx, r->depth, 0);
    }
    if (r->status == 0)
        stop_on(r, on_end(r, r->depth + r->shift, name));
    pop_base(r);
}

static void sax_text(void *ctx, const xmlChar *ch, int len)
{
    reader *r = ctx;
    r->text_run += (size_t)len;
    if (r->text_run > MAX_TEXT_RUN && r->status == 0)
        stop_on(r, fail(r, "limit-text", inside(r),
                        "an element holds more than %d bytes of text; no Green Button field is "
                        "that long",
                        MAX_TEXT_RUN));
    add_text(r, ch, (size_t)len);
}

/* libxml2 reports errors here (warnings too); the parser was given no
 * document URL, so the file's name comes from the reader. */
static void sax_error(void *ctx, xmlErrorPtr e)
{
    on_xml_error(ctx, e);
}

/* A file that stops early: what was read but not handed over is said in
 * the error, so that nothing goes missing without a word. */
static void note_unwritten(reader *r)
{
    size_t readings = graph_pending_readings(r->g), summaries = graph_pending_summaries(r->g);
    for (size_t i = 0; i < r->nblocks; i++)
        readings += r->blocks[i]->delivering ? 0 : r->blocks[i]->nheld;
    if (readings == 0 && summaries == 0)
        return;
    size_t n = strlen(r->err->message);
    snprintf(r->err->message + n, sizeof r->err->message - n,
             " (%zu reading(s) and %zu summary(ies) read before this point were not written: "
             "they were waiting for their MeterReading, UsagePoint or LocalTimeParameters)",
             readings, summaries);
}

static int run(reader *r)
{
    xmlParseDocument(r->ctxt);
    if (r->status == ESPI_E_INPUT)
        note_unwritten(r);
    if (r->status != 0)
        return r->status;
    if (r->not_a_feed)
        return report_not_a_feed(r);
    if (!r->seen_root)
        return fail(r, "empty", (read_pos){line_now(r), 0},
                    "the file holds no XML element; expected a Green Button feed");
    return graph_finish(r->g, &r->feed);
}

static xmlParserCtxtPtr make_parser(reader *r, source *src)
{
    xmlSAXHandler sax;
    memset(&sax, 0, sizeof sax);
    sax.initialized = XML_SAX2_MAGIC;
    sax.startElementNs = sax_start;
    sax.endElementNs = sax_end;
    sax.characters = sax_text;
    sax.cdataBlock = sax_text;
    sax.serror = sax_error;
    xmlParserCtxtPtr ctxt =
        xmlCreateIOParserCtxt(&sax, r, read_source, NULL, src, XML_CHAR_ENCODING_NONE);
    if (ctxt != NULL)
        xmlCtxtUseOptions(ctxt, READ_OPTIONS);
    return ctxt;
}

static void reader_clear(reader *r)
{
    for (size_t i = 0; i < r->ndone; i++) {
        free_resource(r, r->done[i], r->done_kind[i]);
        free_resource(r, r->done_nested[i], RES_READING_TYPE);
    }
    for (size_t i = 0; i < r->nblocks; i++)
        graph_block_abort(r->g, r->blocks[i]);
    free(r->blocks);
    free(r->link_at);
    if (r->res && r->kind != RES_BLOCK)
        free_resource(r, r->res, r->kind);
    free_resource(r, r->nested, RES_READING_TYPE);
    for (int i = 0; i < MAX_DEPTH; i++)
        free(r->base[i]);
    graph_entry_clear(&r->entry);
    free((char *)(uintptr_t)r->feed.id);
    free((char *)(uintptr_t)r->feed.title);
    free((char *)(uintptr_t)r->feed.updated);
    for (size_t i = 0; i < r->feed.nlinks; i++) {
        free((char *)(uintptr_t)r->feed.links[i].rel);
        free((char *)(uintptr_t)r->feed.links[i].href);
        free((char *)(uintptr_t)r->feed.links[i].type);
    }
    free((espi_link *)(uintptr_t)r->feed.links);
    for (size_t i = 0; i <= RES_OTHER; i++)
        free(r->tables[i].fields);
    free(r->reading_table.fields);
    free(r->line_item_table.fields);
    free(r->rider_table.fields);
    xmlHashFree(r->vocabulary, NULL);
}

/* Parser errors skip a plugged SAX handler and go to the thread's
 * structured error handler; while the parse runs it is the reader's. */
static int run_plugged(reader *r)
{
    xmlStructuredErrorFunc old_fn = xmlStructuredError;
    void *old_ctx = xmlStructuredErrorContext;
    xmlSetStructuredErrorFunc(r, on_xml_error);
    int rc = run(r);
    xmlSetStructuredErrorFunc(old_ctx, old_fn);
    return rc;
}

int reader_run(FILE *in, const char *name, const espi_read_options *opts, const read_observer *obs,
               espi_resource_fn fn, void *ctx, espi_error *err)
{
    espi_error scratch;
    if (err == NULL)
        err = &scratch;
    memset(err, 0, sizeof *err);
    reader *r = calloc(1, sizeof *r);
    if (r == NULL)
        return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    r->name = name;
    r->err = err;
    r->obs = obs;
    r->on_diag = opts ? opts->on_diag : NULL;
    r->diag_ctx = opts ? opts->diag_ctx : NULL;
    size_t chunk = opts && opts->chunk_size ? opts->chunk_size : 65536;
    source src = {in,
                  chunk < MIN_CHUNK ? MIN_CHUNK : chunk,
                  false,
                  0,
                  obs ? obs->head : NULL,
                  obs ? obs->head_len : 0};
    libinit_once(); /* libxml2 sets itself up on first use: not thread-safe */
    graph_callbacks cb = {fn, ctx, gate, r, name, opts ? opts->max_held : 0};
    r->g = graph_new(&cb);
    r->ctxt = make_parser(r, &src);
    bool plugged = false;
    int rc;
    if (r->g == NULL || r->ctxt == NULL) {
        rc = err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    } else {
        rc = setup(r);
        if (rc == 0 && obs && obs->plug) {
            rc = obs->plug(obs->ctx, r->ctxt, &r->ctxt->sax, &r->ctxt->userData);
            plugged = rc == 0;
        }
        if (rc == 0)
            rc = plugged ? run_plugged(r) : run(r);
        if (src.failed) {
            char reason[128];
            err_strerror(src.err_no, reason, sizeof reason);
            err_loc loc = {name, 0, 0, NULL};
            rc = err_fail(err, ESPI_E_IO, "io", &loc, "cannot read the input: %s", reason);
        }
        report_counts(r);
    }
    if (plugged && obs->unplug)
        obs->unplug(obs->ctx);
    reader_clear(r);
    if (r->ctxt) {
        xmlFreeDoc(r->ctxt->myDoc); /* entity declarations in a DTD build one */
        xmlFreeParserCtxt(r->ctxt);
    }
    graph_free(r->g);
    free(r);
    return rc;
}

void espi_read_options_init(espi_read_options *opts)
{
    memset(opts, 0, sizeof *opts);
}

int espi_read(FILE *in, const char *name, const espi_read_options *opts, espi_resource_fn fn,
              void *ctx, espi_error *err)
{
    return reader_run(in, name, opts, NULL, fn, ctx, err);
}
