/* SPDX-License-Identifier: Apache-2.0 */
/* repair.h - what the files of `espi convert --from espi` share (none of it
 * is public). The data flow, one file a step:
 *
 *   repair.c          the entry point: one pass of the reader, observed and
 *                     tapped; resources collected as espi_read hands them
 *                     over; at the end of the feed, the model, in order
 *   repair/observe.c  field texts and entries: milliseconds, fractions,
 *                     untyped links, repeated ids
 *   repair/tap.c      the tap on the SAX stream: what the reader's tables
 *                     do not read (NISC's per-reading powerOfTenMultiplier,
 *                     serviceDeliveryPoint/tariffProfile, readCycle), and
 *                     elements where the schema has none (a <uom> inside
 *                     IntervalBlock/interval), said as dropped
 *   repair/readings.c readings as they arrive, then each MeterReading's
 *                     channel: repeats, durations, intervalLength, flow,
 *                     the ReadingType's kind, commodity and currency, the
 *                     sign of energy received
 *   repair/links.c    the joins the links did not make (espi_read makes
 *                     them by the rules of read/links.h) said as repairs;
 *                     the resources this repair makes joined by the same
 *                     rules; what no rule decides refused
 *   repair/usage.c    UsagePoints and their summaries into the model
 *   repair/zone.c     LocalTimeParameters into the feed's zone
 *   repair/tally.c    every repair counted per kind and resource type,
 *                     reported once; the reader's own warnings passed on
 *
 * What cannot be decided is an error (repair_fatal): the first one stops
 * the conversion. */
#ifndef REPAIR_H
#define REPAIR_H

#include "convert/input.h"
#include "common/error.h"
#include "common/grow.h"
#include "common/hashset.h"
#include "convert/model.h"
#include "read/links.h"
#include "read/reader.h"

#include <libxml/hash.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#define REPAIR_MAX_CAPTURE 256 /* bytes of a tapped element's text */

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

/* One kind of repair of one resource type: reported once, at the end. */
typedef struct tally {
    const char *code;
    rtype type;
    char *what;         /* "time value(s) in milliseconds" */
    const char *action; /* "divided by 1000"; a constant (kept, not copied) */
    char *first;        /* the first occurrence, briefly; NULL: none */
    size_t count;
    unsigned long line;
    size_t order;
} tally;

/* How many warnings of one reader code were passed on. */
typedef struct forwarded {
    char code[48];
    size_t n;
} forwarded;

typedef struct up_info {
    const espi_usage_point_res *res; /* NULL: made for resources whose UsagePoint is missing */
    char *key;                       /* its name in the model */
    model_usage_point *model;
    char *tariff, *read_cycle; /* tapped from the XML */
} up_info;

typedef struct mr_info {
    const espi_meter_reading_res *res; /* NULL: made for blocks whose MeterReading is missing */
    char *key;
    model_reading *readings;
    size_t n, cap;
    unsigned long line; /* its entry's, or its first block's */
    bool carried;       /* its readings went into the model */
} mr_info;

/* Readings of blocks whose up link joins no MeterReading, by that link. */
typedef struct orphan {
    char *up;   /* "" when the blocks have none */
    char *self; /* the first block's self link; "" when none */
    unsigned long line;
    model_reading *readings;
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
    int block_depth, interval_depth, period_depth; /* IntervalBlock, its interval, a timePeriod */
    capture_kind capture;
    unsigned long capture_line;
    char text[REPAIR_MAX_CAPTURE + 1];
    size_t len;
    tap_up current;
} tap;

struct repair {
    const convert_input *in;
    const char *name; /* for messages: the input's, or "archive.zip:member.xml" */
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
    /* blocks espi_read joined by a layout, not by their up link: how many,
     * and the first (said as a repair at the end, when the count of
     * MeterReadings is known) */
    size_t layout_blocks;
    unsigned long layout_line;
    links_rule layout_rule;
    char layout_up[200];
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
    size_t carried;  /* readings and summaries put into the model */
    size_t readings; /* IntervalReadings kept so far (MAX_READINGS, readings.c) */
    /* the currency the file states (its ReadingTypes and summaries): one
     * code, 0 when none, -1 when several differ; and its first line */
    int currency;
    unsigned long currency_line;
};

/* A code as the model keeps it: CODE_NONE when absent or beyond int. */
static inline int repair_code_of(int64_t v)
{
    return v == ESPI_ABSENT || v < -INT_MAX || v > INT_MAX ? CODE_NONE : (int)v;
}

static inline bool repair_int48(int64_t v)
{
    return v >= -INT48_MAX && v <= INT48_MAX;
}

/* repair.c: the resources collected */
mr_info *repair_meter_reading_info(repair *rp, const espi_meter_reading_res *res);
up_info *repair_up_info_of(repair *rp, const espi_usage_point_res *res);
up_info *repair_add_up_info(repair *rp, const espi_usage_point_res *res, char *key);
mr_info *repair_add_mr_info(repair *rp, const espi_meter_reading_res *res, char *key,
                            unsigned long line);

/* repair/tally.c */
int repair_fatal(repair *rp, const char *code, unsigned long line, const char *fmt, ...)
    ATTR_PRINTF(4, 5);
int repair_nomem(repair *rp);
void repair_note(repair *rp, const char *code, rtype type, unsigned long line, const char *what,
                 const char *action, const char *fmt, ...) ATTR_PRINTF(7, 8);
void repair_on_reader_diag(const espi_diag *d, void *ctx);
void repair_report(repair *rp);
void repair_report_free(repair *rp);

/* repair/observe.c: the read_observer's field and entry callbacks */
void repair_on_field(void *ctx, read_scope scope, espi_resource_kind kind, const void *res,
                     const char *path, const char *text, unsigned long line);
void repair_on_entry(void *ctx, const espi_entry *e, espi_resource_kind kind, size_t resources);
void repair_note_untyped_link(repair *rp, rtype type, unsigned long line, const espi_link *l);
int repair_check_bad_time(repair *rp);

/* repair/tap.c: the read_observer's plug and unplug */
void repair_tap_reset(repair *rp);
int repair_tap_plug(void *ctx, xmlParserCtxtPtr parser, xmlSAXHandlerPtr *sax, void **user_data);
void repair_tap_unplug(void *ctx);
void repair_take_tapped(repair *rp, up_info *u, unsigned long line);
void repair_tapped_free(repair *rp);

/* repair/readings.c */
int repair_on_reading(repair *rp, const espi_interval_reading_res *ir);
int repair_push_reading(model_reading **items, size_t *n, size_t *cap, const model_reading *r);
int repair_make_channel(repair *rp, mr_info *m);
void repair_note_nested(repair *rp, const mr_info *m, bool carried);
void repair_find_currency(repair *rp);

/* repair/links.c: a usage point asked for by a MeterReading or summary */
typedef struct up_query {
    const espi_usage_point_res *joined; /* what espi_read joined it to */
    const espi_entry *child;            /* its entry; NULL for a MeterReading made here */
    const char *name;                   /* a made MeterReading's name (its blocks' place) */
    rtype type;
    unsigned long line;
    const char *what; /* "MeterReading", for messages */
} up_query;

int repair_resolve_usage_point(repair *rp, const up_query *q, up_info **out);
int repair_resolve_reading_type(repair *rp, const mr_info *m, const espi_reading_type_res **out);
int repair_resolve_orphans(repair *rp);
void repair_see_block(repair *rp, const espi_interval_block_res *b);
void repair_note_block_layouts(repair *rp);

/* repair/usage.c */
int repair_make_usage_point(repair *rp, up_info *u);
void repair_note_empty_usage_points(repair *rp);
int repair_add_summary(repair *rp, const espi_usage_summary_res *us);

/* repair/zone.c */
int repair_time_params(repair *rp);

#endif
