/* SPDX-License-Identifier: Apache-2.0 */
/* tz.h - time zones without the global TZ, calendar arithmetic, and the ESPI
 * DstRuleType encoding. The espi_tz functions themselves are public
 * (espi.h); this header adds what other modules and the tests need. */
#ifndef TZ_H
#define TZ_H

#include "espi.h"

#include <stdbool.h>
#include <stdint.h>

#define SECONDS_PER_DAY 86400

/* Proleptic Gregorian calendar: days since 1970-01-01 <-> year/month/day. */
int64_t tz_days_from_civil(int64_t year, int month, int day);
void tz_civil_from_days(int64_t days, int64_t *year, int *month, int *day);

/* 0 = Sunday ... 6 = Saturday. */
int tz_weekday_from_days(int64_t days);

/* Floor division of seconds into days, correct for negative times. */
int64_t tz_days_of(int64_t seconds);

/* Formats t (UTC seconds) as "YYYY-MM-DDTHH:MM:SSZ"; buf needs 32 bytes. */
void tz_format_utc(char buf[32], int64_t t);

/* Formats t in local time, "YYYY-MM-DDTHH:MM:SS+HH:MM", offset seconds east. */
void tz_format_local(char buf[32], int64_t t, int32_t offset);

/* The offset at utc and the span [*from, *until) it holds over, so a
 * caller converting many nearby instants can skip the lookup. */
int32_t tz_offset_span(const espi_tz *tz, int64_t utc, int64_t *from, int64_t *until);

/* Formats a wall-clock time (seconds read as if UTC) as "YYYY-MM-DD HH:MM". */
void tz_format_wall(char buf[32], int64_t wall);

/* A DST transition rule in the POSIX TZ forms:
 *   J n   - day n of a 365-day year (1-365, February 29 never counted)
 *   n     - zero-based day of the year (0-365, leap days counted)
 *   M m.w.d - day d (0 = Sunday) of week w (1-4, 5 = last) of month m
 * at `time` seconds of local time (may be negative or exceed a day). */
typedef enum tz_rule_kind {
    TZ_RULE_JULIAN1,
    TZ_RULE_JULIAN0,
    TZ_RULE_MONTH,
    TZ_RULE_ON_OR_AFTER /* weekday wday on or after day `day` of month (ESPI op 1) */
} tz_rule_kind;

typedef struct tz_rule {
    tz_rule_kind kind;
    int day;   /* J and n forms */
    int month; /* M form: 1-12 */
    int week;  /* M form: 1-5 */
    int wday;  /* M form: 0-6 */
    int32_t time;
} tz_rule;

/* A parsed POSIX TZ string: standard offset, optional DST with rules.
 * Offsets are seconds east of UTC (the opposite sign of the TZ text). */
typedef struct tz_posix {
    int32_t std_offset;
    bool has_dst;
    int32_t dst_offset;
    tz_rule start;
    tz_rule end;
} tz_posix;

/* Parses a POSIX TZ string (RFC 8536 section 3.3 extensions included).
 * Returns 0, or -1 when the text is not one. */
int tz_posix_parse(tz_posix *out, const char *text);

/* Local seconds since 1970 (as if UTC) at which rule r applies in year. */
int64_t tz_rule_local_time(const tz_rule *r, int64_t year);

/* ESPI DstRuleType: (month<<28)|(op<<25)|(dom<<20)|(dow<<17)|(hour<<12)|secs.
 * op 0: on day of month; 1: weekday on or after dom; 2-6: 1st-5th weekday
 * of the month; 7: last weekday. dow 1 = Monday ... 7 = Sunday. */
typedef struct tz_dst_rule {
    int month;   /* 1-12 */
    int op;      /* 0-7 */
    int dom;     /* 0-31 */
    int dow;     /* 0-7 */
    int hour;    /* 0-23 */
    int seconds; /* 0-3599 */
} tz_dst_rule;

#define TZ_DST_RULE_NONE 0xFFFFFFFFu

uint32_t tz_dst_rule_encode(const tz_dst_rule *r);
void tz_dst_rule_decode(tz_dst_rule *out, uint32_t bits);

/* True when every field of r is in its range (month 1-12, op 0-7, ...). */
bool tz_dst_rule_valid(const tz_dst_rule *r);

/* Converts a POSIX rule to a DstRuleType. Returns 0, or -1 (with a reason
 * in why) when it cannot be expressed. */
int tz_rule_to_espi(uint32_t *out, const tz_rule *r, char *why, size_t why_size);

/* A zone from ESPI LocalTimeParameters, to show a file's times in its own
 * local time. Rules that do not decode to a valid DstRuleType (an epoch
 * written in their place, a 16-bit value) leave the zone without DST; then
 * *dst_ignored is set. Returns 0, ESPI_E_INPUT when an offset is beyond
 * what a zone has (tzOffset beyond +-TZ_LTP_MAX_OFFSET, dstOffset beyond
 * +-TZ_LTP_MAX_DST), or ESPI_E_NOMEM. */
#define TZ_LTP_MAX_OFFSET (18 * 3600)
#define TZ_LTP_MAX_DST (4 * 3600)
int tz_from_time_params(espi_tz **out, const espi_time_params *p, const char *name,
                        bool *dst_ignored);

/* Zone advice for messages (what a wall-clock input's own evidence says
 * its zone is, against the zone in use). */

/* "UTC-5", "UTC+5:30", "UTC+0": an offset in seconds east of UTC. */
void tz_format_offset(char buf[16], int32_t offset);

/* Well-known IANA zones whose offset at utc is offset (seconds east), US
 * zones first, then a few for each offset of the rest of the world: up to
 * max names (static strings) into names, returning how many. Zones the
 * system's zone folder lacks are left out. Loads each zone: for messages,
 * not for every point. */
size_t tz_zones_at_offset(const char **names, size_t max, int64_t utc, int32_t offset);

/* Appends advice to buf at *len (str_bufprintf): "give --tz America/Chicago
 * or another UTC-5 zone (America/Cancun, America/Bogota)", or "give --tz
 * with a zone at UTC-5 then" when no well-known zone is at offset at utc. */
void tz_suggest_zones(char *buf, size_t size, size_t *len, int64_t utc, int32_t offset);

/* Whether zones a and b have the same offset at every instant of
 * [from, until); when not, *differs (may be NULL) is the first instant
 * where they differ. */
bool tz_same_offsets(const espi_tz *a, const espi_tz *b, int64_t from, int64_t until,
                     int64_t *differs);

#endif
