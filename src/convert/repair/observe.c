/* SPDX-License-Identifier: Apache-2.0 */
/* observe.c - what espi_read's resources do not show, seen through
 * the reader's observer (reader.h): the raw text of each field tells
 * milliseconds and fractions apart, and each entry its untyped links and
 * repeated ids. */
#include "common/decimal.h"
#include "convert/repair/repair.h"

#include <stdio.h>
#include <string.h>

#define MS_FROM ((int64_t)100000000000) /* epoch seconds after year 5138: milliseconds */
#define YEAR_2100 ((int64_t)4102444800)

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
 * seconds; one still beyond 2100 cannot be a reading's or a bill's: it is
 * kept, and refused when its reading or summary is carried. */
static void observe_time(repair *rp, rtype t, const char *path, const char *text, int64_t v,
                         bool fraction, unsigned long line)
{
    if (v >= MS_FROM || v <= -MS_FROM) {
        int64_t s = v / 1000;
        if (s >= 0 && s < YEAR_2100) {
            repair_note(rp, "repair-milliseconds", t, line, "time value(s) in milliseconds",
                        "divided by 1000 into seconds since 1970 (a fraction of a second dropped)",
                        "<%s> %s", leaf_of(path), text);
        } else if ((t == T_READING || t == T_SUMMARY) && rp->bad_time_line == 0) {
            rp->bad_time_line = line;
            snprintf(rp->bad_time, sizeof rp->bad_time, "<%s> %.60s", leaf_of(path), text);
        }
    } else if (v < 0 && (t == T_READING || t == T_SUMMARY)) {
        if (rp->bad_time_line == 0) { /* before 1970: not a time to guess about */
            rp->bad_time_line = line;
            snprintf(rp->bad_time, sizeof rp->bad_time, "<%s> %.60s", leaf_of(path), text);
        }
    } else if (fraction) {
        repair_note(rp, "repair-fractional-time", t, line,
                    "time value(s) with a fraction of a second",
                    "the fraction is dropped: ESPI times are whole seconds", "<%s> %s",
                    leaf_of(path), text);
    }
}

/* The error for a time observe_time could not save, once one was seen. */
int repair_check_bad_time(repair *rp)
{
    if (rp->bad_time_line == 0)
        return 0;
    return repair_fatal(rp, "repair-bad-time", rp->bad_time_line,
                        "%s is neither seconds nor milliseconds since 1970 (before 2100); this "
                        "time cannot be repaired",
                        rp->bad_time);
}

void repair_on_field(void *ctx, read_scope scope, espi_resource_kind kind, const void *res,
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
    if (!dec_integer_text(text, &v, &fraction))
        return; /* the reader says so */
    rtype t = scope == SCOPE_READING ? T_READING : type_of_kind(kind);
    if (ends_with(path, "/start") || ends_with(path, "imeStamp"))
        observe_time(rp, t, path, text, v, fraction, line);
    else if (fraction)
        repair_note(rp, "repair-fractional-number", t, line, "number(s) with a fraction",
                    "the fraction is dropped (toward zero), as other readers of the file read it",
                    "<%s> %s", leaf_of(path), text);
}

/* Said for an entry's links and for the feed's alike. */
void repair_note_untyped_link(repair *rp, rtype type, unsigned long line, const espi_link *l)
{
    if (l->type == NULL || l->type[0] == '\0')
        repair_note(rp, "repair-link-type", type, line, "link(s) without a type",
                    "every link written has its type (ESPI 3.3 requires it)",
                    "rel=\"%s\" href=\"%s\"", l->rel ? l->rel : "", l->href);
}

void repair_on_entry(void *ctx, const espi_entry *e, espi_resource_kind kind, size_t resources)
{
    repair *rp = ctx;
    rtype t = resources ? type_of_kind(kind) : T_ENTRY;
    if (resources == 0)
        repair_note(rp, "repair-not-carried", T_ENTRY, e->line,
                    "without a resource in their content",
                    "not carried: their <content> holds no ESPI or customer resource", NULL);
    for (size_t i = 0; i < e->nlinks; i++)
        repair_note_untyped_link(rp, t, e->line, &e->links[i]);
    if (e->id == NULL || e->id[0] == '\0')
        return;
    unsigned long first = hashset_add(&rp->ids, hashset_hash(e->id, 0), e->line ? e->line : 1);
    if (first != 0 && first != e->line)
        repair_note(
            rp, "repair-duplicate-id", t, e->line, "entry id(s) already used by an earlier entry",
            "every entry written gets a new stable id", "%s, used first at line %lu", e->id, first);
}
