/* SPDX-License-Identifier: Apache-2.0 */
/* xml_writer.c - the feed model as an ESPI Atom feed.
 *
 * Layout (docs/standard.md sections 2-4): one LocalTimeParameters entry; per usage
 * point a UsagePoint entry; per channel a MeterReading and a ReadingType
 * entry; per channel and local day an IntervalBlock entry. Every entry has a
 * version 5 UUID built from stable names, a title, published and updated
 * (UTC, "Z") and self / up / related links with their type, joined by
 * identical hrefs. The output is plain text written through a small buffer:
 * the element set is fixed and escaping is needed only for titles and hrefs,
 * so this is several times faster than a general XML writer, and the
 * result is checked by libxml2's schema validation before it is kept. */
#include "common/error.h"
#include "convert/model.h"
#include "common/tz.h"
#include "common/outbuf.h"
#include "common/uuid.h"

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

/* Text from an input (a title, a tariff name): escaped, control characters
 * made spaces, cut after max characters (String256 holds 256). Inputs are
 * UTF-8 already (libxml2 and yajl check it), so the cut counts code points. */
static void put_text(outbuf *o, const char *s, size_t max)
{
    size_t chars = 0;
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if ((c & 0xC0) != 0x80 && chars++ == max)
            break;
        if (c < 0x20 && c != '\t' && c != '\n')
            outbuf_puts(o, " ");
        else if (c == '&' || c == '<' || c == '>' || c == '"') {
            char one[2] = {*p, 0};
            put_escaped(o, one);
        } else
            outbuf_put(o, p, 1);
    }
}

static void indent(outbuf *o, int depth)
{
    static const char spaces[] = "                                                ";
    size_t n = (size_t)depth * 2;
    outbuf_put(o, spaces, n < sizeof spaces - 1 ? n : sizeof spaces - 1);
}

/* <espi:tag>value</espi:tag> on its own line. */
static void xw_int(outbuf *o, int depth, const char *tag, int64_t v)
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

/* The same for an optional code: nothing when absent. */
static void xw_opt(outbuf *o, int depth, const char *tag, int64_t v)
{
    if (v != CODE_NONE)
        xw_int(o, depth, tag, v);
}

/* <espi:tag>text</espi:tag> for a String256 from an input. */
static void xw_text(outbuf *o, int depth, const char *tag, const char *text)
{
    if (text == NULL)
        return;
    indent(o, depth);
    outbuf_puts(o, "<espi:");
    outbuf_puts(o, tag);
    outbuf_put(o, ">", 1);
    put_text(o, text, 256);
    outbuf_puts(o, "</espi:");
    outbuf_puts(o, tag);
    outbuf_put(o, ">\n", 2);
}

static void xw_open(outbuf *o, int depth, const char *tag)
{
    indent(o, depth);
    outbuf_puts(o, "<espi:");
    outbuf_puts(o, tag);
    outbuf_put(o, ">\n", 2);
}

static void xw_close(outbuf *o, int depth, const char *tag)
{
    indent(o, depth);
    outbuf_puts(o, "</espi:");
    outbuf_puts(o, tag);
    outbuf_put(o, ">\n", 2);
}

static void xw_interval(outbuf *o, int depth, const char *tag, uint32_t duration, int64_t start)
{
    xw_open(o, depth, tag);
    xw_int(o, depth + 1, "duration", duration);
    xw_int(o, depth + 1, "start", start);
    xw_close(o, depth, tag);
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
static void href(char buf[HREF_MAX], const char *fmt, ...) ATTR_PRINTF(2, 3);

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
    uuid_bytes u;
    if (uuid_v5_parts(&u, &uuid_ns_espi, parts, nparts) != 0) {
        w->status = err_fail(w->err, ESPI_E_NOMEM, "sha1", NULL, "SHA-1 failed (libcrypto)");
        return -1;
    }
    uuid_format(out_id, &u);
    return 0;
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

static int usage_point_id(writer *w, char out[37], const model_usage_point *up)
{
    const char *parts[] = {"smarthub", "usage-point", up->account, up->location};
    return make_id(w, out, parts, 4);
}

static int usage_point_ids(writer *w, channel_ids *ids, const model_usage_point *up)
{
    if (retail_customer_id(w, ids->rc, up->account) || usage_point_id(w, ids->up, up))
        return -1;
    href(ids->up_href, "%s/RetailCustomer/%s/UsagePoint/%s", w->base, ids->rc, ids->up);
    return 0;
}

/* The resolution's part of a channel's UUID names, in every name: hourly
 * and daily readings of one meter and direction are channels of their own,
 * and each channel's ids depend on its own identity only (never on which
 * other resolutions a download holds). "/3600s"; "/billing" for bills. */
static void append_resolution(char *buf, size_t size, const model_channel *ch)
{
    size_t len = strlen(buf);
    uint32_t seconds = model_channel_resolution(ch);
    if (seconds == MODEL_NOMINAL_BILLING)
        snprintf(buf + len, size - len, "/billing");
    else
        snprintf(buf + len, size - len, "/%us", seconds);
}

/* The channel's part of UUID names: the flow direction, and the unit when
 * it is not Wh (a demand channel shares meter and flow with the energy). */
static void channel_name(char buf[48], const model_channel *ch)
{
    if (ch->rt.uom == 72)
        snprintf(buf, 48, "%s", model_flow_name(ch->rt.flow_direction));
    else
        snprintf(buf, 48, "%s/uom%d", model_flow_name(ch->rt.flow_direction), ch->rt.uom);
    append_resolution(buf, 48, ch);
    if (ch->rt.tou != CODE_NONE) /* a time-of-use period of the same meter and flow */
        snprintf(buf + strlen(buf), 48 - strlen(buf), "/tou%d", ch->rt.tou);
}

static int channel_ids_of(writer *w, channel_ids *ids, const model_usage_point *up,
                          const model_channel *ch)
{
    char flow[48];
    channel_name(flow, ch);
    const char *mr_parts[] = {"smarthub",   "meter-reading", up->account,
                              up->location, ch->meter,       flow};
    const char *rt_parts[] = {"smarthub",   "reading-type", up->account,
                              up->location, ch->meter,      flow};
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

/* The same for a title that may come from an input. */
static void entry_content_text(writer *w, const char *title)
{
    outbuf_puts(w->o, "    <title>");
    put_text(w->o, title, 1024);
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
    xw_open(w->o, 3, "LocalTimeParameters");
    indent(w->o, 4);
    outbuf_puts(w->o, "<espi:dstEndRule>");
    outbuf_puts(w->o, end);
    outbuf_puts(w->o, "</espi:dstEndRule>\n");
    xw_int(w->o, 4, "dstOffset", tp->dst_offset);
    indent(w->o, 4);
    outbuf_puts(w->o, "<espi:dstStartRule>");
    outbuf_puts(w->o, start);
    outbuf_puts(w->o, "</espi:dstStartRule>\n");
    xw_int(w->o, 4, "tzOffset", tp->tz_offset);
    xw_close(w->o, 3, "LocalTimeParameters");
    entry_close(w);
    return 0;
}

static const char *service_title(int kind)
{
    switch (kind) {
    case 0: return "Electricity service";
    case 1: return "Gas service";
    case 2: return "Water service";
    case 3: return "Time service";
    case 4: return "Heat service";
    default: return "Service";
    }
}

static void write_usage_point(writer *w, const model_usage_point *up, const channel_ids *ids,
                              const char *ltp_href)
{
    char collection[HREF_MAX];
    href(collection, "%s/RetailCustomer/%s/UsagePoint", w->base, ids->rc);
    entry_open(w, ids->up);
    link(w->o, 2, "self", ids->up_href, "", "espi-entry/UsagePoint");
    link(w->o, 2, "up", collection, "", "espi-feed/UsagePoint");
    if (up->nchannels > 0)
        link(w->o, 2, "related", ids->up_href, "/MeterReading", "espi-feed/MeterReading");
    if (up->nsummaries > 0)
        link(w->o, 2, "related", ids->up_href, "/UsageSummary", "espi-feed/UsageSummary");
    link(w->o, 2, "related", ltp_href, "", "espi-entry/LocalTimeParameters");
    entry_content(w, up->title ? up->title : service_title(up->service_kind));
    xw_open(w->o, 3, "UsagePoint");
    xw_open(w->o, 4, "ServiceCategory");
    xw_int(w->o, 5, "kind", up->service_kind);
    xw_close(w->o, 4, "ServiceCategory");
    if (up->tariff_profile != NULL) {
        xw_open(w->o, 4, "serviceDeliveryPoint");
        xw_text(w->o, 5, "tariffProfile", up->tariff_profile);
        xw_close(w->o, 4, "serviceDeliveryPoint");
    }
    xw_text(w->o, 4, "readCycle", up->read_cycle);
    xw_close(w->o, 3, "UsagePoint");
    entry_close(w);
}

static void channel_title(char *buf, size_t size, const model_channel *ch, size_t meter_index,
                          size_t meters)
{
    if (ch->title != NULL) {
        str_lcpy(buf, ch->title, size);
        return;
    }
    char every[32];
    model_interval_words(every, sizeof every, ch->rt.interval_length);
    size_t len = 0;
    if (ch->rt.uom == 38)
        str_bufprintf(buf, size, &len, "Demand, %s", every);
    else if (ch->rt.commodity == 7 || ch->rt.commodity == 9) /* natural gas, potable water */
        str_bufprintf(buf, size, &len, "%s delivered, %s", ch->rt.commodity == 7 ? "Gas" : "Water",
                      every);
    else
        str_bufprintf(buf, size, &len, "%s, %s", model_flow_title(ch->rt.flow_direction), every);
    if (meters > 1)
        str_bufprintf(buf, size, &len, ", meter %zu of %zu", meter_index + 1, meters);
}

static void write_meter_reading(writer *w, const channel_ids *ids, const char *title)
{
    entry_open(w, ids->mr);
    link(w->o, 2, "self", ids->mr_href, "", "espi-entry/MeterReading");
    link(w->o, 2, "up", ids->up_href, "/MeterReading", "espi-feed/MeterReading");
    link(w->o, 2, "related", ids->mr_href, "/IntervalBlock", "espi-feed/IntervalBlock");
    link(w->o, 2, "related", ids->rt_href, "", "espi-entry/ReadingType");
    entry_content_text(w, title);
    indent(w->o, 3);
    outbuf_puts(w->o, "<espi:MeterReading/>\n");
    entry_close(w);
}

static void write_reading_type(writer *w, const channel_ids *ids, const model_channel *ch,
                               const char *title)
{
    const model_reading_type *rt = &ch->rt;
    char up[HREF_MAX];
    href(up, "%s/ReadingType", w->base);
    entry_open(w, ids->rt);
    link(w->o, 2, "self", ids->rt_href, "", "espi-entry/ReadingType");
    link(w->o, 2, "up", up, "", "espi-feed/ReadingType");
    entry_content_text(w, title);
    xw_open(w->o, 3, "ReadingType");
    xw_opt(w->o, 4, "accumulationBehaviour", rt->accumulation);
    xw_opt(w->o, 4, "commodity", rt->commodity);
    xw_opt(w->o, 4, "consumptionTier", rt->consumption_tier);
    if (rt->currency != 0)
        xw_int(w->o, 4, "currency", rt->currency);
    xw_opt(w->o, 4, "dataQualifier", rt->data_qualifier);
    xw_opt(w->o, 4, "defaultQuality", rt->default_quality);
    xw_opt(w->o, 4, "flowDirection", rt->flow_direction);
    if (rt->interval_length > 0)
        xw_int(w->o, 4, "intervalLength", rt->interval_length);
    xw_opt(w->o, 4, "kind", rt->kind);
    xw_opt(w->o, 4, "phase", rt->phase);
    xw_opt(w->o, 4, "powerOfTenMultiplier", rt->power_of_ten);
    xw_opt(w->o, 4, "timeAttribute", rt->time_attribute);
    xw_opt(w->o, 4, "tou", rt->tou);
    xw_opt(w->o, 4, "uom", rt->uom);
    xw_opt(w->o, 4, "cpp", rt->cpp);
    xw_opt(w->o, 4, "measuringPeriod", rt->measuring_period);
    xw_close(w->o, 3, "ReadingType");
    entry_close(w);
}

static void write_reading(outbuf *o, const model_reading *r)
{
    xw_open(o, 4, "IntervalReading");
    if (r->has_cost)
        xw_int(o, 5, "cost", r->cost);
    if (r->quality >= 0) {
        xw_open(o, 5, "ReadingQuality");
        xw_int(o, 6, "quality", r->quality);
        xw_close(o, 5, "ReadingQuality");
    }
    xw_interval(o, 5, "timePeriod", r->duration, r->start);
    xw_int(o, 5, "value", r->value);
    xw_close(o, 4, "IntervalReading");
}

static int write_block(writer *w, const model_usage_point *up, const model_channel *ch,
                       const channel_ids *ids, const model_block *b, const char *channel_title_text)
{
    int64_t y;
    int mo, d;
    tz_civil_from_days(b->local_day, &y, &mo, &d);
    char date[16], id[37], title[256];
    snprintf(date, sizeof date, "%04lld-%02d-%02d", (long long)y, mo, d);
    char flow[48];
    channel_name(flow, ch);
    const char *parts[] = {"smarthub", "interval-block", up->account, up->location, ch->meter, flow,
                           date};
    if (make_id(w, id, parts, 7))
        return -1;
    snprintf(title, sizeof title, "%s, %s", channel_title_text, date);
    const model_reading *first = &ch->readings[b->first];
    const model_reading *last = &ch->readings[b->first + b->count - 1];
    entry_open(w, id);
    char self[HREF_MAX];
    href(self, "%s/IntervalBlock/%s", ids->mr_href, id);
    link(w->o, 2, "self", self, "", "espi-entry/IntervalBlock");
    link(w->o, 2, "up", ids->mr_href, "/IntervalBlock", "espi-feed/IntervalBlock");
    entry_content_text(w, title);
    xw_open(w->o, 3, "IntervalBlock");
    xw_interval(w->o, 4, "interval", (uint32_t)(last->start + last->duration - first->start),
                first->start);
    for (size_t i = 0; i < b->count; i++)
        write_reading(w->o, &ch->readings[b->first + i]);
    xw_close(w->o, 3, "IntervalBlock");
    entry_close(w);
    return 0;
}

/* Distinct meters of a usage point, and the index of ch's meter among them.
 * Channels of no meter (bills of the location as readings) do not count. */
static void meter_position(const model_usage_point *up, const model_channel *ch, size_t *index,
                           size_t *count)
{
    *index = 0;
    *count = 0;
    for (size_t i = 0; i < up->nchannels; i++) {
        bool seen = up->channels[i]->meter[0] == '\0' && ch->meter[0] != '\0';
        for (size_t k = 0; k < i && !seen; k++)
            seen = strcmp(up->channels[k]->meter, up->channels[i]->meter) == 0;
        if (seen)
            continue;
        if (strcmp(up->channels[i]->meter, ch->meter) == 0)
            *index = *count;
        (*count)++;
    }
}

static int write_channel(writer *w, const model_usage_point *up, channel_ids *ids,
                         const model_channel *ch)
{
    if (channel_ids_of(w, ids, up, ch) != 0)
        return -1;
    size_t index, meters;
    meter_position(up, ch, &index, &meters);
    char title[192];
    channel_title(title, sizeof title, ch, index, meters);
    write_meter_reading(w, ids, title);
    char rt_title[256];
    const char *unit = espi_uom_symbol(ch->rt.uom);
    snprintf(rt_title, sizeof rt_title, "%s (%s%s)", title, unit ? unit : "no unit",
             ch->rt.currency ? ", cost" : "");
    write_reading_type(w, ids, ch, rt_title);
    for (size_t b = 0; b < ch->nblocks; b++)
        if (write_block(w, up, ch, ids, &ch->blocks[b], title) != 0)
            return -1;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Billing summaries                                                   */
/* ------------------------------------------------------------------ */

static void write_measure(outbuf *o, const char *tag, const model_measure *m)
{
    if (!m->present)
        return;
    xw_open(o, 4, tag);
    xw_int(o, 5, "powerOfTenMultiplier", m->power_of_ten);
    if (m->time_stamp != ESPI_TIME_UNSET)
        xw_int(o, 5, "timeStamp", m->time_stamp);
    xw_int(o, 5, "uom", m->uom);
    xw_int(o, 5, "value", m->value);
    xw_close(o, 4, tag);
}

static void write_summary_fields(writer *w, const model_summary *s)
{
    outbuf *o = w->o;
    xw_open(o, 3, "UsageSummary");
    if (s->billing_start != ESPI_TIME_UNSET)
        xw_interval(o, 4, "billingPeriod", s->billing_duration, s->billing_start);
    if (s->has_bill_last_period)
        xw_int(o, 4, "billLastPeriod", s->bill_last_period);
    if (s->has_bill_to_date)
        xw_int(o, 4, "billToDate", s->bill_to_date);
    if (s->has_cost_additional)
        xw_int(o, 4, "costAdditionalLastPeriod", s->cost_additional);
    if (s->currency != 0)
        xw_int(o, 4, "currency", s->currency);
    write_measure(o, "overallConsumptionLastPeriod", &s->overall);
    write_measure(o, "currentBillingPeriodOverAllConsumption", &s->current);
    xw_opt(o, 4, "qualityOfReading", s->quality);
    int64_t status = s->status_time;
    if (status == ESPI_TIME_UNSET)
        status = s->billing_start != ESPI_TIME_UNSET ? s->billing_start + s->billing_duration : 0;
    xw_int(o, 4, "statusTimeStamp", status);
    xw_opt(o, 4, "commodity", s->commodity);
    xw_text(o, 4, "tariffProfile", s->tariff_profile);
    xw_text(o, 4, "readCycle", s->read_cycle);
    xw_close(o, 3, "UsageSummary");
}

/* One UsageSummary entry, named by its usage point and billing period (or
 * its position when it has none). A file may give one period twice (its
 * own business: the validator says so): repeat counts the earlier ones, so
 * each gets a name of its own. */
static int write_summary(writer *w, const model_usage_point *up, const channel_ids *ids,
                         const model_summary *s, size_t index, size_t repeat)
{
    char key[48], id[37], self[HREF_MAX];
    if (s->month != 0) /* a computed month keeps its id as its data grow */
        snprintf(key, sizeof key, "month-%04d-%02d", (int)(s->month / 100), (int)(s->month % 100));
    else if (s->billing_start != ESPI_TIME_UNSET && repeat == 0)
        snprintf(key, sizeof key, "%lld", (long long)s->billing_start);
    else if (s->billing_start != ESPI_TIME_UNSET)
        snprintf(key, sizeof key, "%lld#%zu", (long long)s->billing_start, repeat);
    else
        snprintf(key, sizeof key, "#%zu", index);
    const char *parts[] = {"smarthub", "usage-summary", up->account, up->location, key};
    if (make_id(w, id, parts, 5))
        return -1;
    href(self, "%s/UsageSummary/%s", ids->up_href, id);
    entry_open(w, id);
    link(w->o, 2, "self", self, "", "espi-entry/UsageSummary");
    link(w->o, 2, "up", ids->up_href, "/UsageSummary", "espi-feed/UsageSummary");
    entry_content_text(w, s->title ? s->title : "Billing period");
    write_summary_fields(w, s);
    entry_close(w);
    return 0;
}

/* Feed id, title, updated and self link. The self link names the retail
 * customer when every usage point has the same account, else the bulk. */
static int write_feed_head(writer *w, const char *title)
{
    const espi_feed *f = w->feed;
    bool one_account = true;
    char id[37] = "", rc[37];
    const char *empty_parts[] = {"smarthub", "feed", "empty"};
    if (f->nusage_points == 0 && make_id(w, id, empty_parts, 3) != 0)
        return -1; /* a feed id is never "urn:uuid:" alone */
    for (size_t i = 0; i < f->nusage_points; i++) {
        const model_usage_point *up = f->usage_points[i];
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
        const model_usage_point *up = w->feed->usage_points[u];
        channel_ids ids;
        if (usage_point_ids(w, &ids, up) != 0)
            return -1;
        write_usage_point(w, up, &ids, ltp_href);
        for (size_t c = 0; c < up->nchannels; c++)
            if (write_channel(w, up, &ids, up->channels[c]) != 0)
                return -1;
        for (size_t k = 0, repeat = 0; k < up->nsummaries; k++) {
            const model_summary *s = &up->summaries[k];
            repeat =
                k > 0 && s->billing_start == up->summaries[k - 1].billing_start ? repeat + 1 : 0;
            if (write_summary(w, up, &ids, s, k, repeat) != 0)
                return -1;
        }
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
    if (opts == NULL)
        return 0;                                            /* the defaults */
    const int64_t first = -62135596800, last = 253402300799; /* years 0001 to 9999 */
    if (opts->updated != ESPI_TIME_UNSET && (opts->updated < first || opts->updated > last))
        return err_fail(err, ESPI_E_ARG, "updated", NULL,
                        "the updated time %lld is outside the years 0001-9999",
                        (long long)opts->updated);
    if (opts->base_url) {
        size_t len = strlen(opts->base_url);
        for (size_t i = 0; i < len; i++)
            if (!uri_char((unsigned char)opts->base_url[i]))
                return err_fail(err, ESPI_E_ARG, "base-url", NULL,
                                "the base URL has a character a URI cannot hold at position %zu "
                                "(write spaces and other characters as %%XX)",
                                i + 1);
        if (len > BASE_URL_MAX)
            return err_fail(err, ESPI_E_ARG, "base-url", NULL,
                            "the base URL is longer than %d characters", BASE_URL_MAX);
    }
    if (opts->title && !xml_text_ok(opts->title))
        return err_fail(err, ESPI_E_ARG, "title", NULL,
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
        return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    outbuf_init(o, f);
    writer w = {o, feed, opts->base_url ? opts->base_url : "/espi/1_1/resource", "", err, name, 0};
    int64_t updated =
        opts->updated != ESPI_TIME_UNSET ? opts->updated : model_feed_latest_end(feed);
    tz_format_utc(w.updated, updated == ESPI_TIME_UNSET ? 0 : updated);
    int rc = write_all(&w, opts->title ? opts->title : "Green Button Usage Feed");
    bool flushed = outbuf_flush(o);
    if (rc == 0 && (!flushed || fflush(f) != 0 || ferror(f))) {
        err_loc loc = {name, 0, 0, NULL};
        char reason[128];
        err_strerror(o->err_no ? o->err_no : errno, reason, sizeof reason);
        rc = err_fail(err, ESPI_E_IO, "write", &loc, "cannot write the feed: %s", reason);
    } else if (rc != 0) {
        rc = w.status;
    }
    free(o);
    return rc;
}
