/* SPDX-License-Identifier: Apache-2.0 */
/* tap.c - a tap on the parser's SAX stream, between libxml2 and the
 * reader: it passes every event on, and reads what the reader's tables do
 * not (NISC's non-schema powerOfTenMultiplier inside IntervalReading, a
 * UsagePoint's serviceDeliveryPoint/tariffProfile and readCycle, and the
 * UsagePoint fields the model has no place for), and says what stands
 * where the schema has no place for it inside an IntervalBlock (SmartHub's
 * <uom> inside interval), which the reader skips. A UsagePoint's fields
 * wait in rp->tapped until the reader hands the UsagePoint over. */
#include "convert/repair/repair.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS_ESPI "http://naesb.org/espi"

static bool named(const xmlChar *name, const char *s)
{
    return xmlStrEqual(name, (const xmlChar *)s) != 0;
}

static unsigned long tap_line(const tap *t)
{
    int line = t->parser && t->parser->input ? t->parser->input->line : 0;
    return line > 0 ? (unsigned long)line : 0;
}

/* ------------------------------------------------------------------ */
/* What the tap reads                                                  */
/* ------------------------------------------------------------------ */

static void begin_capture(tap *t, capture_kind kind, int depth)
{
    t->capture = kind;
    t->capture_depth = depth;
    t->capture_line = tap_line(t);
    t->len = 0;
    t->text[0] = '\0';
}

/* Text and CDATA alike, up to REPAIR_MAX_CAPTURE bytes. */
static void capture_text(tap *t, const xmlChar *ch, int len)
{
    if (t->capture == CAP_NONE || len <= 0)
        return;
    size_t n = (size_t)len;
    if (n > REPAIR_MAX_CAPTURE - t->len)
        n = REPAIR_MAX_CAPTURE - t->len;
    memcpy(t->text + t->len, ch, n);
    t->len += n;
    t->text[t->len] = '\0';
}

static void tap_not_carried(tap *t, const char *where, const xmlChar *name)
{
    char what[160];
    snprintf(what, sizeof what, "<%s%s> element(s)", where, (const char *)name);
    repair_note(t->rp, "repair-not-carried", T_UP, tap_line(t), what,
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

/* An element the schema has no place for where it stands (SmartHub's
 * <uom> inside IntervalBlock/interval): the reader skips it; said here. */
static void tap_misplaced(tap *t, rtype type, const char *where, const xmlChar *name)
{
    char what[160];
    snprintf(what, sizeof what, "non-schema <%s> element(s) inside %s", (const char *)name, where);
    repair_note(t->rp, "repair-not-carried", type, tap_line(t), what,
                "dropped: the schema has no place for it there", NULL);
}

static bool reading_child(const xmlChar *name)
{
    static const char *const children[] = {
        "cost", "ReadingQuality", "timePeriod", "value", "consumptionTier", "tou", "cpp"};
    for (size_t i = 0; i < sizeof children / sizeof children[0]; i++)
        if (named(name, children[i]))
            return true;
    return false;
}

/* Inside an IntervalBlock: its interval, its readings and their
 * timePeriods hold only what the schema lists. */
static bool block_child(tap *t, const xmlChar *name, int depth)
{
    bool period_part = named(name, "duration") || named(name, "start");
    if (t->interval_depth >= 0 && depth == t->interval_depth + 1) {
        if (!period_part)
            tap_misplaced(t, T_BLOCK, "IntervalBlock/interval", name);
    } else if (t->period_depth >= 0 && depth == t->period_depth + 1) {
        if (!period_part)
            tap_misplaced(t, T_READING, "IntervalReading/timePeriod", name);
    } else if (depth == t->block_depth + 1 && named(name, "interval")) {
        t->interval_depth = depth;
    } else if (t->reading_depth >= 0 && depth == t->reading_depth + 1) {
        if (named(name, "powerOfTenMultiplier"))
            begin_capture(t, CAP_MULTIPLIER, depth);
        else if (named(name, "timePeriod"))
            t->period_depth = depth;
        else if (!reading_child(name))
            tap_misplaced(t, T_READING, "IntervalReading", name);
    } else {
        return false;
    }
    return true;
}

static void tap_observe_start(tap *t, const xmlChar *name, const xmlChar *uri, int depth)
{
    if (uri != NULL && !xmlStrEqual(uri, (const xmlChar *)NS_ESPI))
        return;
    if (t->block_depth < 0 && named(name, "IntervalBlock"))
        t->block_depth = depth;
    else if (t->reading_depth < 0 && named(name, "IntervalReading"))
        t->reading_depth = depth;
    else if (t->block_depth >= 0 && block_child(t, name, depth))
        return;
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
        repair_note(t->rp, "repair-reading-multiplier", T_READING, t->capture_line,
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
    tap_up *g = grow_array(rp->tapped, &rp->tapped_cap, rp->ntapped, sizeof *g, 8);
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
    if (depth == t->period_depth)
        t->period_depth = -1;
    if (depth == t->interval_depth)
        t->interval_depth = -1;
    if (depth == t->block_depth)
        t->block_depth = -1;
    if (depth == t->sdp_depth)
        t->sdp_depth = -1;
    if (depth == t->up_depth) {
        t->up_depth = -1;
        keep_tapped(t);
    }
}

/* The tapped fields of the UsagePoint whose entry starts at line. */
void repair_take_tapped(repair *rp, up_info *u, unsigned long line)
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

void repair_tapped_free(repair *rp)
{
    for (size_t i = 0; i < rp->ntapped; i++) {
        free(rp->tapped[i].tariff);
        free(rp->tapped[i].read_cycle);
    }
    free(rp->tapped);
}

/* ------------------------------------------------------------------ */
/* Passing every event on                                              */
/* ------------------------------------------------------------------ */

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
    capture_text(t, ch, len);
    if (t->orig->characters)
        t->orig->characters(t->orig_user, ch, len);
}

static void tap_cdata(void *ctx, const xmlChar *ch, int len)
{
    tap *t = ctx;
    capture_text(t, ch, len);
    if (t->orig->cdataBlock)
        t->orig->cdataBlock(t->orig_user, ch, len);
}

static void tap_error(void *ctx, xmlErrorPtr e)
{
    tap *t = ctx;
    if (t->orig->serror)
        t->orig->serror(t->orig_user, e);
}

/* Before a pass: nothing open, nothing captured. */
void repair_tap_reset(repair *rp)
{
    rp->tap = (tap){.rp = rp,
                    .reading_depth = -1,
                    .up_depth = -1,
                    .sdp_depth = -1,
                    .block_depth = -1,
                    .interval_depth = -1,
                    .period_depth = -1};
}

/* Puts the tap between the parser and the reader: the parser's handler
 * and user data become the tap's, which passes every event on. */
int repair_tap_plug(void *ctx, xmlParserCtxtPtr parser, xmlSAXHandlerPtr *sax, void **user_data)
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
void repair_tap_unplug(void *ctx)
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
