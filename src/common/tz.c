/* SPDX-License-Identifier: Apache-2.0 */
/* tz.c - time zones as objects: TZif files (RFC 8536) and POSIX TZ strings,
 * local wall time to UTC per point, and ESPI DstRuleType encoding.
 *
 * Why not localtime_r/mktime: they read the process-global TZ, so two zones
 * cannot be used at once and setting TZ is not thread-safe. A zone here is a
 * transition table plus the POSIX rule that extends it. */
#include "common/tz.h"

#include "common/error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TZ_MAX_FILE (512 * 1024)
#define TZ_MAX_OFFSET (26 * 3600) /* no zone is further than this from UTC */
#define TZ_TIME_LIMIT ((int64_t)1 << 56)

typedef struct tz_type {
    int32_t utoff;
    bool isdst;
} tz_type;

struct espi_tz {
    char *name;
    int64_t *trans; /* transition instants, ascending */
    uint8_t *trans_type;
    size_t ntrans;
    tz_type *types;
    size_t ntypes;
    bool has_posix; /* rule for instants after the table (or for all) */
    tz_posix posix;
};

/* A span of time with one offset: [start, end). */
typedef struct tz_segment {
    int64_t start;
    int64_t end;
    int32_t offset;
    bool isdst;
} tz_segment;

/* ------------------------------------------------------------------ */
/* Calendar                                                            */
/* ------------------------------------------------------------------ */

/* Days from 1970-01-01 to year-month-day, proleptic Gregorian. Uses eras of
 * 400 years (146097 days) so it is exact for negative years too. */
int64_t tz_days_from_civil(int64_t year, int month, int day)
{
    year -= month <= 2;
    int64_t era = (year >= 0 ? year : year - 399) / 400;
    int64_t yoe = year - era * 400;
    int64_t mp = (month + 9) % 12;
    int64_t doy = (153 * mp + 2) / 5 + day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void tz_civil_from_days(int64_t days, int64_t *year, int *month, int *day)
{
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    int64_t doe = days - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int d = (int)(doy - (153 * mp + 2) / 5 + 1);
    int m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *year = yoe + era * 400 + (m <= 2);
    *month = m;
    *day = d;
}

int tz_weekday_from_days(int64_t days)
{
    /* 1970-01-01 was a Thursday (4). */
    int64_t w = (days + 4) % 7;
    return (int)(w < 0 ? w + 7 : w);
}

int64_t tz_days_of(int64_t seconds)
{
    int64_t d = seconds / SECONDS_PER_DAY;
    if (seconds % SECONDS_PER_DAY < 0)
        d--;
    return d;
}

static void split_time(int64_t t, int64_t *y, int *mo, int *d, int *h, int *mi, int *s)
{
    int64_t days = tz_days_of(t);
    int64_t secs = t % SECONDS_PER_DAY; /* not t - days * 86400: that overflows near INT64_MIN */
    if (secs < 0)
        secs += SECONDS_PER_DAY;
    tz_civil_from_days(days, y, mo, d);
    *h = (int)(secs / 3600);
    *mi = (int)(secs / 60 % 60);
    *s = (int)(secs % 60);
}

static char *two_digits(char *p, int v)
{
    *p++ = (char)('0' + v / 10);
    *p++ = (char)('0' + v % 10);
    return p;
}

/* "YYYY-MM-DDTHH:MM:SS" without the zone; written by hand because dump
 * formats two times per reading and snprintf dominated its profile.
 * Years outside 0000-9999 fall back to snprintf. */
static char *format_date_time(char *buf, int64_t t)
{
    int64_t y;
    int mo, d, h, mi, s;
    split_time(t, &y, &mo, &d, &h, &mi, &s);
    if (y < 0 || y > 9999) {
        /* a nonsense year: cut so that the zone suffix and NUL still fit in 32 */
        int n = snprintf(buf, 25, "%04lld-%02d-%02dT%02d:%02d:%02d", (long long)y, mo, d, h, mi, s);
        return buf + (n < 0 ? 0 : n > 24 ? 24 : n);
    }
    char *p = two_digits(two_digits(buf, (int)(y / 100)), (int)(y % 100));
    *p++ = '-';
    p = two_digits(p, mo);
    *p++ = '-';
    p = two_digits(p, d);
    *p++ = 'T';
    p = two_digits(p, h);
    *p++ = ':';
    p = two_digits(p, mi);
    *p++ = ':';
    return two_digits(p, s);
}

void tz_format_utc(char buf[32], int64_t t)
{
    char *p = format_date_time(buf, t);
    *p++ = 'Z';
    *p = '\0';
}

void tz_format_local(char buf[32], int64_t t, int32_t offset)
{
    int64_t local = offset > 0 && t > INT64_MAX - offset   ? INT64_MAX
                    : offset < 0 && t < INT64_MIN - offset ? INT64_MIN
                                                           : t + offset;
    char *p = format_date_time(buf, local);
    int32_t a = offset < 0 ? -offset : offset;
    *p++ = offset < 0 ? '-' : '+';
    p = two_digits(p, a / 3600 % 100);
    *p++ = ':';
    p = two_digits(p, a % 3600 / 60);
    *p = '\0';
}

void tz_format_wall(char buf[32], int64_t wall)
{
    int64_t y;
    int mo, d, h, mi, s;
    split_time(wall, &y, &mo, &d, &h, &mi, &s);
    snprintf(buf, 32, "%04lld-%02d-%02d %02d:%02d", (long long)y, mo, d, h, mi);
}

/* Reads exactly `width` digits. */
static const char *read_digits(const char *s, int width, int *out)
{
    *out = 0;
    for (int k = 0; k < width; k++, s++) {
        if (*s < '0' || *s > '9')
            return NULL;
        *out = *out * 10 + (*s - '0');
    }
    return s;
}

static bool parse_iso_utc(int64_t *out, const char *s)
{
    static const char seps[] = "--T::Z";
    static const int widths[] = {4, 2, 2, 2, 2, 2};
    int f[6];
    for (int i = 0; i < 6; i++) {
        s = read_digits(s, widths[i], &f[i]);
        if (s == NULL || *s++ != seps[i])
            return false;
    }
    if (*s != '\0' || f[1] < 1 || f[1] > 12 || f[2] < 1 || f[3] > 23 || f[4] > 59 || f[5] > 59)
        return false;
    int64_t days = tz_days_from_civil(f[0], f[1], f[2]);
    int64_t y;
    int mo, d;
    tz_civil_from_days(days, &y, &mo, &d);
    if (d != f[2])
        return false; /* e.g. February 30 */
    *out = days * SECONDS_PER_DAY + f[3] * 3600 + f[4] * 60 + f[5];
    return true;
}

/* Epoch seconds: an optional minus and digits, nothing else (strtoll alone
 * would also take blanks and a plus sign). */
static bool parse_epoch(int64_t *out, const char *text)
{
    const char *digits = text + (text[0] == '-');
    if (*digits < '0' || *digits > '9' || strspn(digits, "0123456789") != strlen(digits))
        return false;
    errno = 0;
    long long v = strtoll(text, NULL, 10);
    if (errno != 0)
        return false;
    *out = v;
    return true;
}

int espi_time_parse(int64_t *out, const char *text)
{
    const int64_t first = -62135596800, last = 253402300799; /* 0001-01-01, 9999-12-31 */
    int64_t t;
    if (!parse_epoch(&t, text) && !parse_iso_utc(&t, text))
        return ESPI_E_ARG;
    if (t < first || t > last)
        return ESPI_E_ARG;
    *out = t;
    return 0;
}

static bool is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* ------------------------------------------------------------------ */
/* POSIX TZ strings                                                    */
/* ------------------------------------------------------------------ */

static const char *parse_name(const char *p)
{
    if (*p == '<') {
        const char *q = p + 1;
        while (*q && *q != '>') {
            if (!(*q == '+' || *q == '-' || (*q >= '0' && *q <= '9') || (*q >= 'A' && *q <= 'Z') ||
                  (*q >= 'a' && *q <= 'z')))
                return NULL;
            q++;
        }
        if (*q != '>' || q - p - 1 < 3)
            return NULL;
        return q + 1;
    }
    const char *q = p;
    while ((*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z'))
        q++;
    return q - p >= 3 ? q : NULL;
}

static const char *parse_number(const char *p, int lo, int hi, int *out)
{
    if (*p < '0' || *p > '9')
        return NULL;
    int v = 0;
    while (*p >= '0' && *p <= '9') {
        v = v * 10 + (*p - '0');
        if (v > hi)
            return NULL;
        p++;
    }
    if (v < lo)
        return NULL;
    *out = v;
    return p;
}

/* [+-]hh[:mm[:ss]] with hours up to max_hours; returns seconds. */
static const char *parse_hms(const char *p, int max_hours, int32_t *out)
{
    int sign = 1;
    if (*p == '+' || *p == '-') {
        sign = *p == '-' ? -1 : 1;
        p++;
    }
    int h = 0, m = 0, s = 0;
    p = parse_number(p, 0, max_hours, &h);
    if (p == NULL)
        return NULL;
    if (*p == ':') {
        p = parse_number(p + 1, 0, 59, &m);
        if (p == NULL)
            return NULL;
        if (*p == ':') {
            p = parse_number(p + 1, 0, 59, &s);
            if (p == NULL)
                return NULL;
        }
    }
    *out = sign * (h * 3600 + m * 60 + s);
    return p;
}

static const char *parse_rule(const char *p, tz_rule *r)
{
    memset(r, 0, sizeof *r);
    if (*p == 'J') {
        r->kind = TZ_RULE_JULIAN1;
        p = parse_number(p + 1, 1, 365, &r->day);
    } else if (*p == 'M') {
        r->kind = TZ_RULE_MONTH;
        p = parse_number(p + 1, 1, 12, &r->month);
        if (p && *p == '.')
            p = parse_number(p + 1, 1, 5, &r->week);
        else
            p = NULL;
        if (p && *p == '.')
            p = parse_number(p + 1, 0, 6, &r->wday);
        else
            p = NULL;
    } else {
        r->kind = TZ_RULE_JULIAN0;
        p = parse_number(p, 0, 365, &r->day);
    }
    if (p == NULL)
        return NULL;
    r->time = 2 * 3600;
    if (*p == '/')
        p = parse_hms(p + 1, 167, &r->time);
    return p;
}

int tz_posix_parse(tz_posix *out, const char *text)
{
    memset(out, 0, sizeof *out);
    const char *p = parse_name(text);
    int32_t off;
    if (p == NULL || (p = parse_hms(p, 24, &off)) == NULL)
        return -1;
    out->std_offset = -off;
    if (*p == '\0')
        return 0;
    p = parse_name(p);
    if (p == NULL)
        return -1;
    out->has_dst = true;
    out->dst_offset = out->std_offset + 3600;
    if (*p != ',' && *p != '\0') {
        p = parse_hms(p, 24, &off);
        if (p == NULL)
            return -1;
        out->dst_offset = -off;
    }
    if (*p == '\0') {
        /* No rules given: the US rules, as glibc assumes (posixrules). */
        out->start = (tz_rule){.kind = TZ_RULE_MONTH, .month = 3, .week = 2, .time = 7200};
        out->end = (tz_rule){.kind = TZ_RULE_MONTH, .month = 11, .week = 1, .time = 7200};
        return 0;
    }
    if (*p != ',' || (p = parse_rule(p + 1, &out->start)) == NULL)
        return -1;
    if (*p != ',' || (p = parse_rule(p + 1, &out->end)) == NULL)
        return -1;
    return *p == '\0' ? 0 : -1;
}

int64_t tz_rule_local_time(const tz_rule *r, int64_t year)
{
    int64_t jan1 = tz_days_from_civil(year, 1, 1);
    int64_t day;
    switch (r->kind) {
    case TZ_RULE_JULIAN1: day = jan1 + r->day - 1 + (is_leap(year) && r->day >= 60); break;
    case TZ_RULE_JULIAN0: day = jan1 + r->day; break;
    case TZ_RULE_ON_OR_AFTER: {
        day = tz_days_from_civil(year, r->month, r->day);
        day += (r->wday - tz_weekday_from_days(day) + 7) % 7;
        break;
    }
    case TZ_RULE_MONTH:
    default: {
        int64_t first = tz_days_from_civil(year, r->month, 1);
        int64_t next = r->month == 12 ? tz_days_from_civil(year + 1, 1, 1)
                                      : tz_days_from_civil(year, r->month + 1, 1);
        int wd = tz_weekday_from_days(first);
        day = first + (r->wday - wd + 7) % 7 + (int64_t)(r->week - 1) * 7;
        while (day >= next)
            day -= 7;
        break;
    }
    }
    return day * SECONDS_PER_DAY + r->time;
}

/* The segment of the POSIX rule that contains t. */
static void posix_segment(const tz_posix *px, int64_t t, tz_segment *seg)
{
    if (!px->has_dst) {
        *seg = (tz_segment){INT64_MIN, INT64_MAX, px->std_offset, false};
        return;
    }
    int64_t year;
    int mo, d;
    tz_civil_from_days(tz_days_of(t + px->std_offset), &year, &mo, &d);
    /* Transitions of the surrounding years, in order; each says what holds after it. */
    struct {
        int64_t at;
        bool dst;
    } ev[8];
    int n = 0;
    for (int64_t y = year - 1; y <= year + 2; y++) {
        int64_t s = tz_rule_local_time(&px->start, y) - px->std_offset;
        int64_t e = tz_rule_local_time(&px->end, y) - px->dst_offset;
        if (s < e) {
            ev[n].at = s, ev[n++].dst = true;
            ev[n].at = e, ev[n++].dst = false;
        } else {
            ev[n].at = e, ev[n++].dst = false;
            ev[n].at = s, ev[n++].dst = true;
        }
    }
    int i = -1;
    for (int k = 0; k < n; k++)
        if (ev[k].at <= t)
            i = k;
    bool dst = i >= 0 ? ev[i].dst : !ev[0].dst;
    seg->start = i >= 0 ? ev[i].at : INT64_MIN;
    seg->end = i + 1 < n ? ev[i + 1].at : INT64_MAX;
    seg->offset = dst ? px->dst_offset : px->std_offset;
    seg->isdst = dst;
}

/* ------------------------------------------------------------------ */
/* Segments of a zone                                                  */
/* ------------------------------------------------------------------ */

static int64_t clamp_time(int64_t t)
{
    return t < -TZ_TIME_LIMIT ? -TZ_TIME_LIMIT : t > TZ_TIME_LIMIT ? TZ_TIME_LIMIT : t;
}

/* The segment of a table this thread looked up last. Only a guess, checked
 * against the table at each use, so it needs no zone of its own: another
 * zone, or one freed since, merely makes it miss. */
static _Thread_local size_t segment_hint;

/* The k with trans[k] <= t < trans[k + 1], for t in [trans[0], trans[last]).
 * Points are converted in order, each with a lookup or two a day apart, so
 * the segment of the last lookup, or one beside it, almost always holds t:
 * those are tried before a binary search. */
static size_t table_segment(const espi_tz *tz, int64_t t)
{
    size_t last = tz->ntrans - 1, h = segment_hint;
    for (size_t k = h > 0 ? h - 1 : 0; k <= h + 1 && k < last; k++)
        if (tz->trans[k] <= t && t < tz->trans[k + 1])
            return segment_hint = k;
    size_t lo = 0, hi = last; /* trans[lo] <= t < trans[hi] */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (tz->trans[mid] <= t)
            lo = mid;
        else
            hi = mid;
    }
    return segment_hint = lo;
}

static void zone_segment(const espi_tz *tz, int64_t t, tz_segment *seg)
{
    t = clamp_time(t);
    if (tz->ntrans == 0) {
        if (tz->has_posix)
            posix_segment(&tz->posix, t, seg);
        else
            *seg = (tz_segment){INT64_MIN, INT64_MAX, tz->types[0].utoff, tz->types[0].isdst};
        return;
    }
    if (t < tz->trans[0]) {
        *seg = (tz_segment){INT64_MIN, tz->trans[0], tz->types[0].utoff, tz->types[0].isdst};
        return;
    }
    size_t last = tz->ntrans - 1;
    if (t >= tz->trans[last]) {
        if (tz->has_posix) {
            posix_segment(&tz->posix, t, seg);
            if (seg->start < tz->trans[last])
                seg->start = tz->trans[last];
        } else {
            const tz_type *ty = &tz->types[tz->trans_type[last]];
            *seg = (tz_segment){tz->trans[last], INT64_MAX, ty->utoff, ty->isdst};
        }
        return;
    }
    size_t k = table_segment(tz, t);
    const tz_type *ty = &tz->types[tz->trans_type[k]];
    *seg = (tz_segment){tz->trans[k], tz->trans[k + 1], ty->utoff, ty->isdst};
}

int32_t tz_offset_span(const espi_tz *tz, int64_t utc, int64_t *from, int64_t *until)
{
    tz_segment seg;
    zone_segment(tz, utc, &seg);
    *from = seg.start;
    *until = seg.end;
    return seg.offset;
}

int32_t espi_tz_offset_at(int *is_dst, const espi_tz *tz, int64_t utc)
{
    tz_segment seg;
    zone_segment(tz, utc, &seg);
    if (is_dst)
        *is_dst = seg.isdst;
    return seg.offset;
}

/* Walks the segments that can hold wall - offset, for every offset a zone
 * can have, and keeps the instants that land in their own segment. */
int espi_tz_wall_to_utc(int64_t out[2], int64_t *gap_end, const espi_tz *tz, int64_t wall)
{
    wall = clamp_time(wall);
    int found = 0;
    tz_segment seg, prev = {0, 0, 0, false};
    bool have_prev = false;
    zone_segment(tz, wall - TZ_MAX_OFFSET, &seg);
    for (int guard = 0; guard < 64; guard++) {
        int64_t t = wall - seg.offset;
        if (t >= seg.start && t < seg.end && found < 2)
            out[found++] = t;
        /* A forward jump at seg.start skips the walls [start+prev, start+cur). */
        if (found == 0 && have_prev && gap_end && seg.offset > prev.offset &&
            wall >= seg.start + prev.offset && wall < seg.start + seg.offset)
            *gap_end = seg.start;
        if (seg.end == INT64_MAX || seg.end > wall + TZ_MAX_OFFSET)
            break;
        prev = seg;
        have_prev = true;
        zone_segment(tz, seg.end, &seg);
    }
    return found;
}

/* ------------------------------------------------------------------ */
/* TZif files                                                          */
/* ------------------------------------------------------------------ */

typedef struct tzif_reader {
    const unsigned char *p;
    size_t left;
} tzif_reader;

static bool take(tzif_reader *r, size_t n, const unsigned char **out)
{
    if (r->left < n)
        return false;
    *out = r->p;
    r->p += n;
    r->left -= n;
    return true;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

typedef struct tzif_counts {
    uint32_t isut, isstd, leap, time, type, chars;
} tzif_counts;

static bool read_header(tzif_reader *r, int *version, tzif_counts *c)
{
    const unsigned char *h;
    if (!take(r, 44, &h) || memcmp(h, "TZif", 4) != 0)
        return false;
    *version = h[4] == 0 ? 1 : h[4] - '0';
    c->isut = be32(h + 20);
    c->isstd = be32(h + 24);
    c->leap = be32(h + 28);
    c->time = be32(h + 32);
    c->type = be32(h + 36);
    c->chars = be32(h + 40);
    return *version >= 1 && c->type >= 1 && c->type <= 256 && c->time <= 100000 &&
           c->chars <= 100000 && c->leap <= 100000 && c->isut <= 256 && c->isstd <= 256;
}

static size_t block_size(const tzif_counts *c, size_t tsize)
{
    return c->time * tsize + c->time + c->type * 6 + c->chars + c->leap * (tsize + 4) + c->isstd +
           c->isut;
}

static int read_block(espi_tz *tz, tzif_reader *r, const tzif_counts *c, size_t tsize)
{
    const unsigned char *times, *idx, *types, *rest;
    if (!take(r, c->time * tsize, &times) || !take(r, c->time, &idx) ||
        !take(r, c->type * 6, &types) ||
        !take(r, c->chars + c->leap * (tsize + 4) + c->isstd + c->isut, &rest))
        return -1;
    tz->ntrans = c->time;
    tz->ntypes = c->type;
    tz->trans = calloc(c->time ? c->time : 1, sizeof *tz->trans);
    tz->trans_type = calloc(c->time ? c->time : 1, 1);
    tz->types = calloc(c->type, sizeof *tz->types);
    if (!tz->trans || !tz->trans_type || !tz->types)
        return -2;
    for (size_t i = 0; i < c->type; i++) {
        int32_t off = (int32_t)be32(types + i * 6);
        if (off <= -TZ_MAX_OFFSET || off >= TZ_MAX_OFFSET || types[i * 6 + 4] > 1)
            return -1;
        tz->types[i] = (tz_type){off, types[i * 6 + 4] != 0};
    }
    for (size_t i = 0; i < c->time; i++) {
        tz->trans[i] = tsize == 8 ? be64(times + i * 8) : (int32_t)be32(times + i * 4);
        tz->trans_type[i] = idx[i];
        if (idx[i] >= c->type || (i > 0 && tz->trans[i] <= tz->trans[i - 1]))
            return -1;
    }
    return 0;
}

/* Parses a whole TZif file held in memory. Returns 0, -1 (malformed),
 * -2 (no memory) or -3 (leap seconds, which POSIX times do not count). */
static int tzif_parse(espi_tz *tz, const unsigned char *data, size_t size)
{
    tzif_reader r = {data, size};
    int version;
    tzif_counts c;
    if (!read_header(&r, &version, &c))
        return -1;
    size_t tsize = 4;
    if (version >= 2) {
        const unsigned char *skip;
        if (!take(&r, block_size(&c, 4), &skip) || !read_header(&r, &version, &c))
            return -1;
        tsize = 8;
    }
    if (c.leap > 0)
        return -3;
    int rc = read_block(tz, &r, &c, tsize);
    if (rc != 0 || version < 2)
        return rc;
    /* Footer: "\n" POSIX-TZ "\n"; an empty one means no rule. */
    if (r.left < 2 || r.p[0] != '\n')
        return -1;
    const unsigned char *nl = memchr(r.p + 1, '\n', r.left - 1);
    size_t len = nl ? (size_t)(nl - r.p - 1) : 0;
    if (nl == NULL || len >= 128)
        return -1;
    if (len == 0)
        return 0;
    char footer[128];
    memcpy(footer, r.p + 1, len);
    footer[len] = '\0';
    if (tz_posix_parse(&tz->posix, footer) != 0)
        return -1;
    tz->has_posix = true;
    return 0;
}

/* An IANA name is a relative path of letters, digits and "_+-./" with no
 * ".." component; anything else is not looked up in the zone folder. */
static bool valid_zone_name(const char *name)
{
    if (name[0] == '\0' || name[0] == '/' || strlen(name) > 255)
        return false;
    for (const char *p = name; *p; p++) {
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '+' || *p == '-' || *p == '.' || *p == '/'))
            return false;
    }
    return strstr(name, "..") == NULL;
}

/* Reads path into a malloc'd buffer of at most TZ_MAX_FILE bytes. */
/* Reads a regular file of at most TZ_MAX_FILE bytes into a malloc'd buffer.
 * Opened without blocking so a FIFO or device given as a zone cannot hang. */
static int read_small_file(const char *path, unsigned char **out, size_t *size)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat st;
    unsigned char *buf = NULL;
    ssize_t n = -1;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size < TZ_MAX_FILE &&
        (buf = malloc((size_t)st.st_size + 1)) != NULL)
        n = read(fd, buf, (size_t)st.st_size + 1);
    close(fd);
    if (n < 0 || n > st.st_size) {
        free(buf);
        return -1;
    }
    *out = buf;
    *size = (size_t)n;
    return 0;
}

static int load_tzif(espi_tz *tz, const char *spec, espi_error *err)
{
    char path[1024];
    const char *dir = getenv("TZDIR");
    int len = spec[0] == '/' ? snprintf(path, sizeof path, "%s", spec)
                             : snprintf(path, sizeof path, "%s/%s",
                                        dir && dir[0] ? dir : "/usr/share/zoneinfo", spec);
    if (len < 0 || (size_t)len >= sizeof path)
        return err_fail(err, ESPI_E_ARG, "tz-file", NULL, "the time zone path is too long");
    unsigned char *data;
    size_t size;
    if (read_small_file(path, &data, &size) != 0)
        return 1; /* not found: the caller tries a POSIX string */
    int rc = tzif_parse(tz, data, size);
    free(data);
    if (rc == -2)
        return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory loading zone %s", spec);
    if (rc == -3)
        return err_fail(err, ESPI_E_ARG, "tz-leap", NULL,
                        "time zone %s counts leap seconds (a \"right/\" zone); ESPI times are "
                        "POSIX seconds, so use the zone without \"right/\"",
                        spec);
    if (rc != 0)
        return err_fail(err, ESPI_E_ARG, "tz-file", NULL,
                        "%s is not a valid TZif time zone file (for zone %s)", path, spec);
    return 0;
}

int espi_tz_load(espi_tz **out, const char *spec, espi_error *err)
{
    *out = NULL;
    if (spec == NULL || spec[0] == '\0')
        return err_fail(err, ESPI_E_ARG, "tz-empty", NULL, "empty time zone name");
    if (spec[0] == ':')
        spec++;
    espi_tz *tz = calloc(1, sizeof *tz);
    if (tz == NULL || (tz->name = strdup(spec)) == NULL) {
        free(tz);
        return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    }
    int rc = 1;
    if (spec[0] == '/' || valid_zone_name(spec))
        rc = load_tzif(tz, spec, err);
    if (rc == 1) {
        rc = 0;
        if (tz_posix_parse(&tz->posix, spec) == 0)
            tz->has_posix = true;
        else
            rc = err_fail(err, ESPI_E_ARG, "tz-unknown", NULL,
                          "unknown time zone '%s': expected an IANA name such as "
                          "America/Los_Angeles or a POSIX TZ string such as "
                          "PST8PDT,M3.2.0,M11.1.0",
                          spec);
    }
    if (rc != 0) {
        espi_tz_free(tz);
        return rc;
    }
    *out = tz;
    return 0;
}

void espi_tz_free(espi_tz *tz)
{
    if (tz == NULL)
        return;
    free(tz->name);
    free(tz->trans);
    free(tz->trans_type);
    free(tz->types);
    free(tz);
}

const char *espi_tz_name(const espi_tz *tz)
{
    return tz->name;
}

/* ------------------------------------------------------------------ */
/* ESPI DstRuleType                                                    */
/* ------------------------------------------------------------------ */

uint32_t tz_dst_rule_encode(const tz_dst_rule *r)
{
    return (uint32_t)r->month << 28 | (uint32_t)r->op << 25 | (uint32_t)r->dom << 20 |
           (uint32_t)r->dow << 17 | (uint32_t)r->hour << 12 | (uint32_t)r->seconds;
}

void tz_dst_rule_decode(tz_dst_rule *out, uint32_t bits)
{
    out->month = (int)(bits >> 28 & 0xF);
    out->op = (int)(bits >> 25 & 0x7);
    out->dom = (int)(bits >> 20 & 0x1F);
    out->dow = (int)(bits >> 17 & 0x7);
    out->hour = (int)(bits >> 12 & 0x1F);
    out->seconds = (int)(bits & 0xFFF);
}

bool tz_dst_rule_valid(const tz_dst_rule *r)
{
    return r->month >= 1 && r->month <= 12 && r->op >= 0 && r->op <= 7 && r->dom >= 0 &&
           r->dom <= 31 && r->dow >= 0 && r->dow <= 7 && r->hour >= 0 && r->hour <= 23 &&
           r->seconds >= 0 && r->seconds <= 3599 && (r->op == 0 ? r->dom >= 1 : r->dow >= 1) &&
           (r->op != 1 || r->dom >= 1);
}

static int days_in_month(int month)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return days[month - 1];
}

/* "Weekday d of week w of the month at `time`" where time may leave the day
 * (Jerusalem: 4th Thursday at 26:00; Nuuk: last Sunday at -1:00). The same
 * instant is then a weekday `shift` days later, written with operator 1,
 * "that weekday on or after day dom": the w-th weekday lies on days
 * 7w-6 .. 7w, the last one on L-6 .. L. */
static int month_rule(tz_dst_rule *e, const tz_rule *r, int shift, char *why, size_t why_size)
{
    e->month = r->month;
    int wday = ((r->wday + shift) % 7 + 7) % 7;
    e->dow = wday == 0 ? 7 : wday;
    if (shift == 0) {
        e->op = r->week == 5 ? 7 : r->week + 1;
        return 0;
    }
    e->op = 1;
    if (r->week < 5)
        e->dom = 7 * (r->week - 1) + 1 + shift;
    else if (shift < 0 && r->month != 2)
        e->dom = days_in_month(r->month) - 6 + shift;
    if (e->dom >= 1 && e->dom <= 31)
        return 0;
    snprintf(why, why_size, "a change %+d day(s) away from the rule's weekday leaves the month",
             shift);
    return -1;
}

/* "Day n of the year" forms; a time outside the day moves the date. */
static int julian_rule(tz_dst_rule *e, const tz_rule *r, int shift, char *why, size_t why_size)
{
    int day = (r->kind == TZ_RULE_JULIAN1 ? r->day - 1 : r->day) + shift; /* zero-based */
    if (r->kind == TZ_RULE_JULIAN0 && day >= 59) {
        snprintf(why, why_size, "day %d of the year moves with leap years", r->day);
        return -1;
    }
    if (day < 0 || day > 364) {
        snprintf(why, why_size, "the change falls outside the year");
        return -1;
    }
    int64_t y;
    tz_civil_from_days(tz_days_from_civil(2001, 1, 1) + day, &y, &e->month, &e->dom);
    e->op = 0;
    return 0;
}

int tz_rule_to_espi(uint32_t *out, const tz_rule *r, char *why, size_t why_size)
{
    int shift = (int)tz_days_of(r->time);
    int32_t time = r->time - shift * SECONDS_PER_DAY;
    tz_dst_rule e = {.hour = time / 3600, .seconds = time % 3600};
    int rc = r->kind == TZ_RULE_MONTH ? month_rule(&e, r, shift, why, why_size)
                                      : julian_rule(&e, r, shift, why, why_size);
    if (rc == 0)
        *out = tz_dst_rule_encode(&e);
    return rc;
}

/* The rule that describes the zone today: the POSIX rule when there is one,
 * otherwise the offset of the last transition, without DST. A zone whose
 * "daylight" time is behind its standard time (Europe/Dublin keeps Irish
 * Standard Time in summer and calls winter GMT its DST) is described the
 * way ESPI expects: winter as standard, summer as DST, start before end. */
int espi_tz_time_params(espi_time_params *out, const espi_tz *tz, espi_error *err)
{
    out->dst_start_rule = TZ_DST_RULE_NONE;
    out->dst_end_rule = TZ_DST_RULE_NONE;
    out->dst_offset = 0;
    if (!tz->has_posix) {
        size_t t = tz->ntrans ? tz->trans_type[tz->ntrans - 1] : 0;
        out->tz_offset = tz->types[t].utoff;
        return 0;
    }
    const tz_posix *px = &tz->posix;
    out->tz_offset = px->std_offset;
    if (!px->has_dst)
        return 0;
    bool negative = px->dst_offset < px->std_offset;
    out->tz_offset = negative ? px->dst_offset : px->std_offset;
    out->dst_offset = negative ? px->std_offset - px->dst_offset : px->dst_offset - px->std_offset;
    const tz_rule *start = negative ? &px->end : &px->start;
    const tz_rule *end = negative ? &px->start : &px->end;
    char why[128];
    if (tz_rule_to_espi(&out->dst_start_rule, start, why, sizeof why) != 0 ||
        tz_rule_to_espi(&out->dst_end_rule, end, why, sizeof why) != 0)
        return err_fail(err, ESPI_E_ARG, "tz-rule", NULL,
                        "the DST rule of time zone %s cannot be written as an ESPI DstRuleType: %s",
                        tz->name, why);
    return 0;
}

/* DstRuleType -> POSIX-style rule (the inverse of tz_rule_to_espi). */
static bool rule_from_espi(tz_rule *out, uint32_t bits)
{
    tz_dst_rule e;
    tz_dst_rule_decode(&e, bits);
    if (!tz_dst_rule_valid(&e))
        return false;
    memset(out, 0, sizeof *out);
    out->time = e.hour * 3600 + e.seconds;
    out->month = e.month;
    out->wday = e.dow % 7;
    if (e.op == 0) {
        int64_t y;
        int m, d;
        int64_t day = tz_days_from_civil(2001, e.month, e.dom); /* a non-leap year */
        tz_civil_from_days(day, &y, &m, &d);
        if (m != e.month || d != e.dom)
            return false; /* February 29, April 31, ... */
        out->kind = TZ_RULE_JULIAN1;
        out->day = (int)(day - tz_days_from_civil(2001, 1, 1)) + 1;
    } else if (e.op == 1) {
        out->kind = TZ_RULE_ON_OR_AFTER;
        out->day = e.dom;
    } else {
        out->kind = TZ_RULE_MONTH;
        out->week = e.op == 7 ? 5 : e.op - 1;
    }
    return true;
}

int tz_from_time_params(espi_tz **out, const espi_time_params *p, const char *name,
                        bool *dst_ignored)
{
    *dst_ignored = false;
    *out = NULL;
    if (p->tz_offset < -TZ_LTP_MAX_OFFSET || p->tz_offset > TZ_LTP_MAX_OFFSET ||
        p->dst_offset < -TZ_LTP_MAX_DST || p->dst_offset > TZ_LTP_MAX_DST)
        return ESPI_E_INPUT;
    espi_tz *tz = calloc(1, sizeof *tz);
    if (tz == NULL || (tz->name = strdup(name)) == NULL) {
        free(tz);
        return ESPI_E_NOMEM;
    }
    tz->has_posix = true;
    tz->posix.std_offset = p->tz_offset;
    bool no_dst = p->dst_offset == 0 ||
                  (p->dst_start_rule == TZ_DST_RULE_NONE && p->dst_end_rule == TZ_DST_RULE_NONE);
    if (!no_dst) {
        tz->posix.has_dst = rule_from_espi(&tz->posix.start, p->dst_start_rule) &&
                            rule_from_espi(&tz->posix.end, p->dst_end_rule);
        tz->posix.dst_offset = p->tz_offset + p->dst_offset;
        *dst_ignored = !tz->posix.has_dst;
    }
    *out = tz;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Zone advice                                                         */
/* ------------------------------------------------------------------ */

#define TZ_SUGGEST_MAX 4        /* zones named in one piece of advice */
#define TZ_SAME_MAX_SPANS 65536 /* offset spans compared by tz_same_offsets */

/* Zones to suggest, in the order they are suggested: US zones first (espi
 * converts the data of US co-ops), then a few of each offset elsewhere. */
static const char *const well_known_zones[] = {
    "America/New_York",    "America/Chicago",
    "America/Denver",      "America/Phoenix",
    "America/Los_Angeles", "America/Anchorage",
    "America/Adak",        "Pacific/Honolulu",
    "America/Puerto_Rico", "Pacific/Guam",
    "Pacific/Pago_Pago",   "America/St_Johns",
    "America/Halifax",     "America/Regina",
    "America/Mexico_City", "America/Cancun",
    "America/Bogota",      "America/Lima",
    "America/Caracas",     "America/Santiago",
    "America/Sao_Paulo",   "America/Argentina/Buenos_Aires",
    "America/Noronha",     "Atlantic/Azores",
    "Atlantic/Cape_Verde", "Europe/London",
    "Africa/Abidjan",      "Europe/Berlin",
    "Africa/Lagos",        "Europe/Athens",
    "Africa/Johannesburg", "Europe/Moscow",
    "Asia/Riyadh",         "Asia/Tehran",
    "Asia/Dubai",          "Asia/Kabul",
    "Asia/Karachi",        "Asia/Kolkata",
    "Asia/Kathmandu",      "Asia/Dhaka",
    "Asia/Yangon",         "Asia/Bangkok",
    "Asia/Shanghai",       "Australia/Perth",
    "Asia/Tokyo",          "Australia/Darwin",
    "Australia/Adelaide",  "Australia/Brisbane",
    "Australia/Sydney",    "Pacific/Noumea",
    "Pacific/Auckland",    "Pacific/Fiji",
    "Pacific/Tongatapu",   "Pacific/Kiritimati",
};

void tz_format_offset(char buf[16], int32_t offset)
{
    int32_t a = offset < 0 ? -offset : offset;
    int n = snprintf(buf, 16, "UTC%c%d", offset < 0 ? '-' : '+', (int)(a / 3600 % 100));
    if (a % 3600 != 0 && n > 0 && n < 16)
        snprintf(buf + n, (size_t)(16 - n), ":%02d", (int)(a % 3600 / 60));
}

size_t tz_zones_at_offset(const char **names, size_t max, int64_t utc, int32_t offset)
{
    size_t n = 0;
    for (size_t i = 0; i < sizeof well_known_zones / sizeof well_known_zones[0] && n < max; i++) {
        espi_tz *tz = NULL;
        espi_error err;
        if (espi_tz_load(&tz, well_known_zones[i], &err) != 0)
            continue;
        if (espi_tz_offset_at(NULL, tz, utc) == offset)
            names[n++] = well_known_zones[i];
        espi_tz_free(tz);
    }
    return n;
}

void tz_suggest_zones(char *buf, size_t size, size_t *len, int64_t utc, int32_t offset)
{
    const char *names[TZ_SUGGEST_MAX];
    size_t n = tz_zones_at_offset(names, TZ_SUGGEST_MAX, utc, offset);
    char off[16];
    tz_format_offset(off, offset);
    if (n == 0) {
        str_bufprintf(buf, size, len, "give --tz with a zone at %s then", off);
        return;
    }
    str_bufprintf(buf, size, len, "give --tz %s or another %s zone", names[0], off);
    for (size_t i = 1; i < n; i++)
        str_bufprintf(buf, size, len, "%s%s%s", i == 1 ? " (" : ", ", names[i],
                      i + 1 == n ? ")" : "");
}

bool tz_same_offsets(const espi_tz *a, const espi_tz *b, int64_t from, int64_t until,
                     int64_t *differs)
{
    int64_t t = from;
    for (int guard = 0; t < until && guard < TZ_SAME_MAX_SPANS; guard++) {
        int64_t a_from, a_until, b_from, b_until;
        if (tz_offset_span(a, t, &a_from, &a_until) != tz_offset_span(b, t, &b_from, &b_until)) {
            if (differs != NULL)
                *differs = t;
            return false;
        }
        t = a_until < b_until ? a_until : b_until;
    }
    return true;
}
