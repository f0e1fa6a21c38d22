/* xml_writer.c - the feed model as an ESPI Atom feed.
 *
 * Layout (ESPI.md sections 2-4): one LocalTimeParameters entry; per usage
 * point a UsagePoint entry; per channel a MeterReading and a ReadingType
 * entry; per channel and local day an IntervalBlock entry. Every entry has a
 * version 5 UUID built from stable names, a title, published and updated
 * (UTC, "Z") and self / up / related links with their type, joined by
 * identical hrefs. The output is plain text written through a small buffer:
 * the element set is fixed and escaping is needed only for titles and hrefs,
 * so this is several times faster than a general XML writer, and the
 * result is checked by libxml2's schema validation before it is kept. */
#include "error.h"
#include "model.h"
#include "tz.h"
#include "outbuf.h"
#include "uuid.h"

#include <errno.h>
#include <libxml/xmlstring.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define HREF_MAX 1024
#define BASE_URL_MAX 256 /* so every href fits HREF_MAX */

/* Text and attribute values: &, <, > and " escaped. */
static void put_escaped(outbuf *o, const char *s)
{
    for (const char *p = s; *p; p++) {
        switch (*p) {
        case '&': outbuf_puts(o, "&amp;"); break;
        case '<': outbuf_puts(o, "&lt;"); break;
        case '>': outbuf_puts(o, "&gt;"); break;
        case '"': outbuf_puts(o, "&quot;"); break;
        default: outbuf_put(o, p, 1);
        }
    }
}

static void indent(outbuf *o, int depth)
{
    static const char spaces[] = "                                                ";
    size_t n = (size_t)depth * 2;
    outbuf_put(o, spaces, n < sizeof spaces - 1 ? n : sizeof spaces - 1);
}

/* <espi:tag>value</espi:tag> on its own line. */
static void espi_int(outbuf *o, int depth, const char *tag, int64_t v)
{
    indent(o, depth);
    outbuf_puts(o, "<espi:");
    outbuf_puts(o, tag);
    outbuf_put(o, ">", 1);
    outbuf_int(o, v);
    outbuf_puts(o, "</espi:");
    outbuf_puts(o, tag);
    outbuf_put(o, ">\n", 2);
}

static void espi_open(outbuf *o, int depth, const char *tag)
{
    indent(o, depth);
    outbuf_puts(o, "<espi:");
    outbuf_puts(o, tag);
    outbuf_put(o, ">\n", 2);
}

static void espi_close(outbuf *o, int depth, const char *tag)
{
    indent(o, depth);
    outbuf_puts(o, "</espi:");
    outbuf_puts(o, tag);
    outbuf_put(o, ">\n", 2);
}

static void espi_interval(outbuf *o, int depth, const char *tag, uint32_t duration, int64_t start)
{
    espi_open(o, depth, tag);
    espi_int(o, depth + 1, "duration", duration);
    espi_int(o, depth + 1, "start", start);
    espi_close(o, depth, tag);
}

/* ------------------------------------------------------------------ */
/* Identity: UUIDs and hrefs                                           */
/* ------------------------------------------------------------------ */

typedef struct writer {
    outbuf *o;
    const espi_feed *feed;
    const char *base;
    char updated[32];
    espi_error *err;
    const char *name;
    int status;
} writer;

/* Formats an href; the length limit on the base URL makes truncation
 * impossible, and a truncated href would break the joins, so it is checked. */
static void href(char buf[HREF_MAX], const char *fmt, ...) ESPI_PRINTF(2, 3);

static void href(char buf[HREF_MAX], const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, HREF_MAX, fmt, ap);
    va_end(ap);
    if (n < 0 || n >= HREF_MAX)
        abort(); /* unreachable: base URL length is checked on entry */
}

/* Text of the version 5 UUID of the parts of a stable name. */
static int make_id(writer *w, char out_id[37], const char *const *parts, size_t nparts)
{
    espi_uuid u;
    if (espi_uuid_v5_parts(&u, &espi_uuid_ns_espi, parts, nparts) != 0) {
        w->status = espi_fail(w->err, ESPI_E_NOMEM, "sha1", NULL, "SHA-1 failed (libcrypto)");
        return -1;
    }
    espi_uuid_format(out_id, &u);
    return 0;
}

static void interval_words(char *buf, size_t size, uint32_t seconds)
{
    if (seconds % 86400 == 0 && seconds > 0)
        snprintf(buf, size, seconds == 86400 ? "daily" : "%u-day", seconds / 86400);
    else if (seconds % 3600 == 0 && seconds > 0)
        snprintf(buf, size, seconds == 3600 ? "hourly" : "%u-hour", seconds / 3600);
    else if (seconds % 60 == 0 && seconds > 0)
        snprintf(buf, size, "%u-minute", seconds / 60);
    else
        snprintf(buf, size, "%u-second", seconds);
}

/* The ids and hrefs of one channel and its usage point. */
typedef struct channel_ids {
    char rc[37], up[37], mr[37], rt[37];
    char up_href[HREF_MAX], mr_href[HREF_MAX], rt_href[HREF_MAX];
} channel_ids;

static int retail_customer_id(writer *w, char out[37], const char *account)
{
    const char *parts[] = {"smarthub", "retail-customer", account};
    return make_id(w, out, parts, 3);
}

static int usage_point_id(writer *w, char out[37], const espi_usage_point *up)
{
    const char *parts[] = {"smarthub", "usage-point", up->account, up->location};
    return make_id(w, out, parts, 4);
}

static int usage_point_ids(writer *w, channel_ids *ids, const espi_usage_point *up)
{
    if (retail_customer_id(w, ids->rc, up->account) || usage_point_id(w, ids->up, up))
        return -1;
    href(ids->up_href, "%s/RetailCustomer/%s/UsagePoint/%s", w->base, ids->rc, ids->up);
    return 0;
}

static int channel_ids_of(writer *w, channel_ids *ids, const espi_usage_point *up,
                          const espi_channel *ch)
{
    const char *mr_parts[] = {"smarthub",   "meter-reading", up->account,
                              up->location, ch->meter,       espi_flow_name(ch->rt.flow_direction)};
    const char *rt_parts[] = {"smarthub",   "reading-type", up->account,
                              up->location, ch->meter,      espi_flow_name(ch->rt.flow_direction)};
    if (make_id(w, ids->mr, mr_parts, 6) || make_id(w, ids->rt, rt_parts, 6))
        return -1;
    href(ids->mr_href, "%s/MeterReading/%s", ids->up_href, ids->mr);
    href(ids->rt_href, "%s/ReadingType/%s", w->base, ids->rt);
    return 0;
}

/* ------------------------------------------------------------------ */
/* Entries                                                             */
/* ------------------------------------------------------------------ */

static void link(outbuf *o, int depth, const char *rel, const char *href, const char *suffix,
                 const char *type)
{
    indent(o, depth);
    outbuf_puts(o, "<link rel=\"");
    outbuf_puts(o, rel);
    outbuf_puts(o, "\" href=\"");
    put_escaped(o, href);
    put_escaped(o, suffix);
    outbuf_puts(o, "\" type=\"");
    outbuf_puts(o, type);
    outbuf_puts(o, "\"/>\n");
}

static void entry_open(writer *w, const char *id)
{
    outbuf_puts(w->o, "  <entry>\n    <id>urn:uuid:");
    outbuf_puts(w->o, id);
    outbuf_puts(w->o, "</id>\n");
}

/* Title, then the opening of content (links come before, from the caller). */
static void entry_content(writer *w, const char *title)
{
    outbuf_puts(w->o, "    <title>");
    put_escaped(w->o, title);
    outbuf_puts(w->o, "</title>\n    <content>\n");
}

static void entry_close(writer *w)
{
    outbuf_puts(w->o, "    </content>\n    <published>");
    outbuf_puts(w->o, w->updated);
    outbuf_puts(w->o, "</published>\n    <updated>");
    outbuf_puts(w->o, w->updated);
    outbuf_puts(w->o, "</updated>\n  </entry>\n");
}

static void hex_rule(char buf[9], uint32_t rule)
{
    snprintf(buf, 9, "%08X", rule);
}

static int write_time_params(writer *w, char ltp_href[HREF_MAX])
{
    const espi_time_params *tp = &w->feed->time_params;
    char id[37];
    const char *parts[] = {"smarthub", "local-time-parameters", w->feed->tz_name};
    if (make_id(w, id, parts, 3))
        return -1;
    href(ltp_href, "%s/LocalTimeParameters/%s", w->base, id);
    char title[160], start[9], end[9];
    snprintf(title, sizeof title, "Local time: %s", w->feed->tz_name);
    hex_rule(start, tp->dst_start_rule);
    hex_rule(end, tp->dst_end_rule);
    entry_open(w, id);
    link(w->o, 2, "self", ltp_href, "", "espi-entry/LocalTimeParameters");
    char up[HREF_MAX];
    href(up, "%s/LocalTimeParameters", w->base);
    link(w->o, 2, "up", up, "", "espi-feed/LocalTimeParameters");
    entry_content(w, title);
    espi_open(w->o, 3, "LocalTimeParameters");
    indent(w->o, 4);
    outbuf_puts(w->o, "<espi:dstEndRule>");
    outbuf_puts(w->o, end);
    outbuf_puts(w->o, "</espi:dstEndRule>\n");
    espi_int(w->o, 4, "dstOffset", tp->dst_offset);
    indent(w->o, 4);
    outbuf_puts(w->o, "<espi:dstStartRule>");
    outbuf_puts(w->o, start);
    outbuf_puts(w->o, "</espi:dstStartRule>\n");
    espi_int(w->o, 4, "tzOffset", tp->tz_offset);
    espi_close(w->o, 3, "LocalTimeParameters");
    entry_close(w);
    return 0;
}

static void write_usage_point(writer *w, const espi_usage_point *up, const channel_ids *ids,
                              const char *ltp_href)
{
    char collection[HREF_MAX];
    href(collection, "%s/RetailCustomer/%s/UsagePoint", w->base, ids->rc);
    entry_open(w, ids->up);
    link(w->o, 2, "self", ids->up_href, "", "espi-entry/UsagePoint");
    link(w->o, 2, "up", collection, "", "espi-feed/UsagePoint");
    link(w->o, 2, "related", ids->up_href, "/MeterReading", "espi-feed/MeterReading");
    link(w->o, 2, "related", ltp_href, "", "espi-entry/LocalTimeParameters");
    entry_content(w, up->service_kind == 0 ? "Electricity service" : "Service");
    espi_open(w->o, 3, "UsagePoint");
    espi_open(w->o, 4, "ServiceCategory");
    espi_int(w->o, 5, "kind", up->service_kind);
    espi_close(w->o, 4, "ServiceCategory");
    espi_close(w->o, 3, "UsagePoint");
    entry_close(w);
}

static void channel_title(char *buf, size_t size, const espi_channel *ch, size_t meter_index,
                          size_t meters)
{
    char every[32];
    interval_words(every, sizeof every, ch->rt.interval_length);
    size_t len = 0;
    espi_bufprintf(buf, size, &len, "%s, %s", espi_flow_title(ch->rt.flow_direction), every);
    if (meters > 1)
        espi_bufprintf(buf, size, &len, ", meter %zu of %zu", meter_index + 1, meters);
}

static void write_meter_reading(writer *w, const channel_ids *ids, const char *title)
{
    entry_open(w, ids->mr);
    link(w->o, 2, "self", ids->mr_href, "", "espi-entry/MeterReading");
    link(w->o, 2, "up", ids->up_href, "/MeterReading", "espi-feed/MeterReading");
    link(w->o, 2, "related", ids->mr_href, "/IntervalBlock", "espi-feed/IntervalBlock");
    link(w->o, 2, "related", ids->rt_href, "", "espi-entry/ReadingType");
    entry_content(w, title);
    indent(w->o, 3);
    outbuf_puts(w->o, "<espi:MeterReading/>\n");
    entry_close(w);
}

static void write_reading_type(writer *w, const channel_ids *ids, const espi_channel *ch,
                               const char *title)
{
    const espi_reading_type *rt = &ch->rt;
    char up[HREF_MAX];
    href(up, "%s/ReadingType", w->base);
    entry_open(w, ids->rt);
    link(w->o, 2, "self", ids->rt_href, "", "espi-entry/ReadingType");
    link(w->o, 2, "up", up, "", "espi-feed/ReadingType");
    entry_content(w, title);
    espi_open(w->o, 3, "ReadingType");
    espi_int(w->o, 4, "accumulationBehaviour", rt->accumulation);
    espi_int(w->o, 4, "commodity", rt->commodity);
    if (rt->currency != 0)
        espi_int(w->o, 4, "currency", rt->currency);
    espi_int(w->o, 4, "flowDirection", rt->flow_direction);
    espi_int(w->o, 4, "intervalLength", rt->interval_length);
    espi_int(w->o, 4, "kind", rt->kind);
    espi_int(w->o, 4, "phase", rt->phase);
    espi_int(w->o, 4, "powerOfTenMultiplier", rt->power_of_ten);
    espi_int(w->o, 4, "uom", rt->uom);
    espi_close(w->o, 3, "ReadingType");
    entry_close(w);
}

static void write_reading(outbuf *o, const espi_reading *r)
{
    espi_open(o, 4, "IntervalReading");
    if (r->has_cost)
        espi_int(o, 5, "cost", r->cost);
    espi_interval(o, 5, "timePeriod", r->duration, r->start);
    espi_int(o, 5, "value", r->value);
    espi_close(o, 4, "IntervalReading");
}

static int write_block(writer *w, const espi_usage_point *up, const espi_channel *ch,
                       const channel_ids *ids, const espi_block *b, const char *channel_title_text)
{
    int64_t y;
    int mo, d;
    espi_civil_from_days(b->local_day, &y, &mo, &d);
    char date[16], id[37], title[256];
    snprintf(date, sizeof date, "%04lld-%02d-%02d", (long long)y, mo, d);
    const char *parts[] = {"smarthub",   "interval-block", up->account,
                           up->location, ch->meter,        espi_flow_name(ch->rt.flow_direction),
                           date};
    if (make_id(w, id, parts, 7))
        return -1;
    snprintf(title, sizeof title, "%s, %s", channel_title_text, date);
    const espi_reading *first = &ch->readings[b->first];
    const espi_reading *last = &ch->readings[b->first + b->count - 1];
    entry_open(w, id);
    char self[HREF_MAX];
    href(self, "%s/IntervalBlock/%s", ids->mr_href, id);
    link(w->o, 2, "self", self, "", "espi-entry/IntervalBlock");
    link(w->o, 2, "up", ids->mr_href, "/IntervalBlock", "espi-feed/IntervalBlock");
    entry_content(w, title);
    espi_open(w->o, 3, "IntervalBlock");
    espi_interval(w->o, 4, "interval", (uint32_t)(last->start + last->duration - first->start),
                  first->start);
    for (size_t i = 0; i < b->count; i++)
        write_reading(w->o, &ch->readings[b->first + i]);
    espi_close(w->o, 3, "IntervalBlock");
    entry_close(w);
    return 0;
}

/* Distinct meters of a usage point, and the index of ch's meter among them. */
static void meter_position(const espi_usage_point *up, const espi_channel *ch, size_t *index,
                           size_t *count)
{
    *index = 0;
    *count = 0;
    for (size_t i = 0; i < up->nchannels; i++) {
        bool seen = false;
        for (size_t k = 0; k < i && !seen; k++)
            seen = strcmp(up->channels[k]->meter, up->channels[i]->meter) == 0;
        if (seen)
            continue;
        if (strcmp(up->channels[i]->meter, ch->meter) == 0)
            *index = *count;
        (*count)++;
    }
}

static int write_channel(writer *w, const espi_usage_point *up, channel_ids *ids,
                         const espi_channel *ch)
{
    if (channel_ids_of(w, ids, up, ch) != 0)
        return -1;
    size_t index, meters;
    meter_position(up, ch, &index, &meters);
    char title[192];
    channel_title(title, sizeof title, ch, index, meters);
    write_meter_reading(w, ids, title);
    char rt_title[256];
    snprintf(rt_title, sizeof rt_title, "%s (Wh%s)", title, ch->rt.currency ? ", cost" : "");
    write_reading_type(w, ids, ch, rt_title);
    for (size_t b = 0; b < ch->nblocks; b++)
        if (write_block(w, up, ch, ids, &ch->blocks[b], title) != 0)
            return -1;
    return 0;
}

/* Feed id, title, updated and self link. The self link names the retail
 * customer when every usage point has the same account, else the bulk. */
static int write_feed_head(writer *w, const char *title)
{
    const espi_feed *f = w->feed;
    bool one_account = true;
    char id[37] = "", rc[37];
    for (size_t i = 0; i < f->nusage_points; i++) {
        const espi_usage_point *up = f->usage_points[i];
        one_account = one_account && strcmp(up->account, f->usage_points[0]->account) == 0;
        /* the feed's name chains its usage points: any number, unambiguous */
        char up_id[37];
        const char *feed_parts[] = {"smarthub", "feed", id, up_id};
        if (usage_point_id(w, up_id, up) || make_id(w, id, feed_parts, 4))
            return -1;
    }
    if (retail_customer_id(w, rc, f->nusage_points ? f->usage_points[0]->account : ""))
        return -1;
    char self[HREF_MAX];
    if (one_account)
        href(self, "%s/Batch/RetailCustomer/%s/UsagePoint", w->base, rc);
    else
        href(self, "%s/Batch/Bulk/%s", w->base, id);
    outbuf_puts(w->o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                      "<feed xmlns=\"http://www.w3.org/2005/Atom\" "
                      "xmlns:espi=\"http://naesb.org/espi\">\n  <id>urn:uuid:");
    outbuf_puts(w->o, id);
    outbuf_puts(w->o, "</id>\n  <title>");
    put_escaped(w->o, title);
    outbuf_puts(w->o, "</title>\n  <updated>");
    outbuf_puts(w->o, w->updated);
    outbuf_puts(w->o, "</updated>\n");
    link(w->o, 1, "self", self, "", one_account ? "espi-feed/UsagePoint" : "espi-feed/Bulk");
    return 0;
}

static int write_all(writer *w, const char *title)
{
    if (write_feed_head(w, title) != 0)
        return -1;
    char ltp_href[HREF_MAX];
    if (write_time_params(w, ltp_href) != 0)
        return -1;
    for (size_t u = 0; u < w->feed->nusage_points; u++) {
        const espi_usage_point *up = w->feed->usage_points[u];
        channel_ids ids;
        if (usage_point_ids(w, &ids, up) != 0)
            return -1;
        write_usage_point(w, up, &ids, ltp_href);
        for (size_t c = 0; c < up->nchannels; c++)
            if (write_channel(w, up, &ids, up->channels[c]) != 0)
                return -1;
    }
    outbuf_puts(w->o, "</feed>\n");
    return 0;
}

static bool uri_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           (c != 0 && strchr("-._~:/?#[]@!$&'()*+,;=%", c) != NULL);
}

/* Valid UTF-8 (libxml2 checks it) with no control character XML refuses. */
static bool xml_text_ok(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')
            return false;
    return xmlCheckUTF8((const xmlChar *)s) == 1;
}

int espi_write_options_check(const espi_write_options *opts, espi_error *err)
{
    const int64_t first = -62135596800, last = 253402300799; /* years 0001 to 9999 */
    if (opts->updated != ESPI_TIME_UNSET && (opts->updated < first || opts->updated > last))
        return espi_fail(err, ESPI_E_ARG, "updated", NULL,
                         "the updated time %lld is outside the years 0001-9999",
                         (long long)opts->updated);
    if (opts->base_url) {
        size_t len = strlen(opts->base_url);
        for (size_t i = 0; i < len; i++)
            if (!uri_char((unsigned char)opts->base_url[i]))
                return espi_fail(err, ESPI_E_ARG, "base-url", NULL,
                                 "the base URL has a character a URI cannot hold at position %zu "
                                 "(write spaces and other characters as %%XX)",
                                 i + 1);
        if (len > BASE_URL_MAX)
            return espi_fail(err, ESPI_E_ARG, "base-url", NULL,
                             "the base URL is longer than %d characters", BASE_URL_MAX);
    }
    if (opts->title && !xml_text_ok(opts->title))
        return espi_fail(err, ESPI_E_ARG, "title", NULL,
                         "the title is not valid UTF-8 text (control characters are not allowed)");
    return 0;
}

void espi_write_options_init(espi_write_options *opts)
{
    opts->updated = ESPI_TIME_UNSET;
    opts->base_url = NULL;
    opts->title = NULL;
}

int espi_feed_write_xml(FILE *f, const char *name, const espi_feed *feed,
                        const espi_write_options *opts, espi_error *err)
{
    espi_write_options defaults;
    if (opts == NULL) {
        espi_write_options_init(&defaults);
        opts = &defaults;
    }
    int checked = espi_write_options_check(opts, err);
    if (checked != 0)
        return checked;
    outbuf *o = malloc(sizeof *o);
    if (o == NULL)
        return espi_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    outbuf_init(o, f);
    writer w = {o, feed, opts->base_url ? opts->base_url : "/espi/1_1/resource", "", err, name, 0};
    int64_t updated = opts->updated != ESPI_TIME_UNSET ? opts->updated : espi_feed_latest_end(feed);
    espi_format_utc(w.updated, updated == ESPI_TIME_UNSET ? 0 : updated);
    int rc = write_all(&w, opts->title ? opts->title : "Green Button Usage Feed");
    bool flushed = outbuf_flush(o);
    if (rc == 0 && (!flushed || fflush(f) != 0 || ferror(f))) {
        espi_loc loc = {name, 0, 0, NULL};
        char reason[128];
        espi_strerror(o->err_no ? o->err_no : errno, reason, sizeof reason);
        rc = espi_fail(err, ESPI_E_IO, "write", &loc, "cannot write the feed: %s", reason);
    } else if (rc != 0) {
        rc = w.status;
    }
    free(o);
    return rc;
}
