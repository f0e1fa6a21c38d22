/* SPDX-License-Identifier: Apache-2.0 */
/* zone.c - the feed's LocalTimeParameters into the model's time
 * parameters and the zone of its local days, written as a POSIX TZ string
 * ("STD7DST,M3.2.0/2,M11.1.0/2" for tzOffset -25200, dstOffset 3600).
 * DST parts that do not decode are dropped (the standard offset all year);
 * without usable parameters the feed is in UTC, unless a zone is given. A
 * --tz that disagrees with the file's own parameters is applied, and said. */
#include "convert/repair/repair.h"

#include "common/tz.h"

#include <stdio.h>

/* h[:mm[:ss]] after lead, as POSIX TZ writes offsets and times of day. */
static void posix_hms(char *buf, size_t size, size_t *len, const char *lead, int32_t s)
{
    str_bufprintf(buf, size, len, "%s%d", lead, (int)(s / 3600));
    if (s % 3600)
        str_bufprintf(buf, size, len, ":%02d", (int)(s % 3600 / 60));
    if (s % 60)
        str_bufprintf(buf, size, len, ":%02d", (int)(s % 60));
}

/* POSIX offsets are hours west: -28800 s east is "8", 19800 is "-5:30". */
static void posix_offset(char *buf, size_t size, size_t *len, int32_t east)
{
    int32_t west = -east;
    posix_hms(buf, size, len, west < 0 ? "-" : "", west < 0 ? -west : west);
}

static int days_in(int month)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return days[month - 1];
}

/* A DstRuleType as a POSIX rule ("M3.2.0/2"); false when POSIX has no
 * form for it (a weekday on or after a day other than 1, 8, 15, 22 or the
 * last seven). */
static bool posix_rule(char *buf, size_t size, size_t *len, const tz_dst_rule *r)
{
    int wday = r->dow % 7, week;
    if (r->op == 0) {
        if (r->dom > days_in(r->month))
            return false;
        int64_t day =
            tz_days_from_civil(2001, r->month, r->dom) - tz_days_from_civil(2001, 1, 1) + 1;
        str_bufprintf(buf, size, len, ",J%d", (int)day);
    } else {
        if (r->op == 1 && r->dom % 7 == 1 && r->dom <= 22)
            week = (r->dom + 6) / 7;
        else if (r->op == 1 && r->month != 2 && r->dom == days_in(r->month) - 6)
            week = 5;
        else if (r->op == 1)
            return false;
        else
            week = r->op == 7 ? 5 : r->op - 1;
        str_bufprintf(buf, size, len, ",M%d.%d.%d", r->month, week, wday);
    }
    posix_hms(buf, size, len, "/", r->hour * 3600 + r->seconds);
    return true;
}

/* "STD8DST,M3.2.0/2,M11.1.0/2"; false when the rules have no POSIX form. */
static bool posix_zone(char *buf, size_t size, const espi_time_params *tp)
{
    size_t len = 0;
    buf[0] = '\0';
    str_bufprintf(buf, size, &len, "STD");
    posix_offset(buf, size, &len, tp->tz_offset);
    if (tp->dst_start_rule == TZ_DST_RULE_NONE)
        return true;
    tz_dst_rule a, b;
    tz_dst_rule_decode(&a, tp->dst_start_rule);
    tz_dst_rule_decode(&b, tp->dst_end_rule);
    str_bufprintf(buf, size, &len, "DST");
    if (tp->dst_offset != 3600) /* POSIX's default: an hour ahead */
        posix_offset(buf, size, &len, tp->tz_offset + tp->dst_offset);
    return posix_rule(buf, size, &len, &a) && posix_rule(buf, size, &len, &b);
}

/* A rule that decodes to a plain DST change (what espi validate accepts). */
static bool usable_rule(int64_t bits, tz_dst_rule *r)
{
    if (bits == ESPI_ABSENT || bits < 0 || bits > 0xFFFFFFFF || bits == TZ_DST_RULE_NONE)
        return false;
    tz_dst_rule_decode(r, (uint32_t)bits);
    bool plain = (r->op >= 2 ? r->dom == 0 : true) && (r->op == 0 ? r->dow == 0 : true) &&
                 r->seconds % 60 == 0;
    return plain && tz_dst_rule_valid(r);
}

/* The DST part of the file's parameters, or none, said when it is dropped. */
static void dst_part(repair *rp, const espi_ltp_res *ltp, espi_time_params *tp)
{
    tz_dst_rule a, b;
    bool none = (ltp->dst_start_rule == TZ_DST_RULE_NONE || ltp->dst_start_rule == ESPI_ABSENT) &&
                (ltp->dst_end_rule == TZ_DST_RULE_NONE || ltp->dst_end_rule == ESPI_ABSENT);
    bool offset_ok =
        ltp->dst_offset != ESPI_ABSENT && ltp->dst_offset > 0 && ltp->dst_offset <= TZ_LTP_MAX_DST;
    tp->dst_offset = 0;
    tp->dst_start_rule = tp->dst_end_rule = TZ_DST_RULE_NONE;
    if (none && (ltp->dst_offset == ESPI_ABSENT || ltp->dst_offset == 0))
        return; /* no DST, and the file says so */
    if (!none && offset_ok && usable_rule(ltp->dst_start_rule, &a) &&
        usable_rule(ltp->dst_end_rule, &b)) {
        tp->dst_offset = (int32_t)ltp->dst_offset;
        tp->dst_start_rule = (uint32_t)ltp->dst_start_rule;
        tp->dst_end_rule = (uint32_t)ltp->dst_end_rule;
        return;
    }
    repair_note(rp, "repair-ltp-dst", T_LTP, ltp->entry.line,
                "daylight-saving part(s) that are not valid (a rule that does not decode, or a "
                "dstOffset that is none or beyond 4 hours)",
                "dropped: the zone keeps its standard offset all year (give --tz for the real "
                "zone)",
                "dstOffset %lld, rules %llX / %llX",
                (long long)(ltp->dst_offset == ESPI_ABSENT ? 0 : ltp->dst_offset),
                (unsigned long long)(ltp->dst_start_rule == ESPI_ABSENT ? 0 : ltp->dst_start_rule),
                (unsigned long long)(ltp->dst_end_rule == ESPI_ABSENT ? 0 : ltp->dst_end_rule));
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
            repair_note(rp, "repair-not-carried", T_LTP, o->entry.line,
                        "that differ from the ones used",
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
        return repair_fatal(rp, "repair-zone", 0,
                            "the file's LocalTimeParameters (%s) give no zone", name);
    *rp->in->zone = zone;
    return 0;
}

/* No parameters, or no usable tzOffset: UTC, unless a zone is given. */
static int no_time_params(repair *rp, const espi_ltp_res *ltp)
{
    unsigned long line = ltp ? ltp->entry.line : 0;
    bool own = rp->in->zone && *rp->in->zone == NULL;
    const char *action = own ? "the feed is written in UTC (give --tz for the real zone)"
                             : "the zone already given (--tz or an earlier input) is used";
    if (ltp == NULL)
        repair_note(rp, "repair-ltp-missing", T_FEED, line, "without LocalTimeParameters", action,
                    NULL);
    else
        repair_note(rp, "repair-ltp-offset", T_LTP, line, "without a usable tzOffset", action,
                    "tzOffset %lld",
                    (long long)(ltp->tz_offset == ESPI_ABSENT ? 0 : ltp->tz_offset));
    if (!own)
        return 0;
    espi_time_params tp = {0, 0, TZ_DST_RULE_NONE, TZ_DST_RULE_NONE};
    espi_error e;
    if (model_feed_set_time_params(rp->in->feed, "UTC0", &tp, &e) != 0)
        return repair_nomem(rp);
    return hand_zone(rp, "UTC0", &tp, "UTC0");
}

/* The whole years the input's readings and summaries touch, a day more on
 * either side; false when it has none. */
static bool data_years(const repair *rp, int64_t *from, int64_t *until)
{
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    const espi_feed *f = rp->in->feed;
    for (size_t u = 0; u < f->nusage_points; u++) {
        const model_usage_point *up = f->usage_points[u];
        for (size_t k = 0; k < up->nchannels; k++)
            for (size_t i = 0; i < up->channels[k]->nreadings; i++) {
                const model_reading *r = &up->channels[k]->readings[i];
                if (r->source != rp->in->source)
                    continue;
                lo = r->start < lo ? r->start : lo;
                hi = r->start > hi ? r->start : hi;
            }
        for (size_t i = 0; i < up->nsummaries; i++) {
            const model_summary *sm = &up->summaries[i];
            if (sm->source != rp->in->source || sm->billing_start == ESPI_TIME_UNSET)
                continue;
            lo = sm->billing_start < lo ? sm->billing_start : lo;
            hi = sm->billing_start > hi ? sm->billing_start : hi;
        }
    }
    if (lo > hi)
        return false;
    int64_t y0, y1;
    int m, d;
    tz_civil_from_days(tz_days_of(lo), &y0, &m, &d);
    tz_civil_from_days(tz_days_of(hi), &y1, &m, &d);
    *from = (tz_days_from_civil(y0, 1, 1) - 1) * SECONDS_PER_DAY;
    *until = (tz_days_from_civil(y1 + 1, 1, 1) + 1) * SECONDS_PER_DAY;
    return true;
}

static bool same_params(const espi_time_params *a, const espi_time_params *b)
{
    return a->tz_offset == b->tz_offset && a->dst_offset == b->dst_offset &&
           a->dst_start_rule == b->dst_start_rule && a->dst_end_rule == b->dst_end_rule;
}

/* "tzOffset -28800, dstOffset 3600, rules 360E2000/B40E2000" */
static void describe_params(char *buf, size_t size, size_t *len, const espi_time_params *tp)
{
    str_bufprintf(buf, size, len, "tzOffset %d, dstOffset %d, rules %08X/%08X", tp->tz_offset,
                  tp->dst_offset, tp->dst_start_rule, tp->dst_end_rule);
}

/* A --tz given (not the default) beats the file's own zone: the blocks'
 * local days and the LocalTimeParameters written follow it. When its
 * offsets differ from the parameters' over the whole years of the data
 * (or, without data, its parameters differ), that is said: ESPI times are
 * UTC, so the readings do not move, but the local days do. */
static void note_given_zone(repair *rp, const espi_ltp_res *ltp, const espi_time_params *tp,
                            const char *name)
{
    const espi_tz *given = rp->in->tz;
    if (!rp->in->tz_explicit || given == NULL)
        return;
    espi_time_params gp;
    espi_error e;
    bool encodable = espi_tz_time_params(&gp, given, &e) == 0;
    if (encodable && same_params(&gp, tp))
        return;
    espi_tz *own = NULL;
    bool ignored;
    int64_t from, until, at = ESPI_TIME_UNSET;
    bool have_years = data_years(rp, &from, &until);
    if (tz_from_time_params(&own, tp, name, &ignored) == 0 && have_years &&
        tz_same_offsets(own, given, from, until, &at)) {
        espi_tz_free(own);
        return; /* the same zone, its rules written another way */
    }
    espi_tz_free(own);
    char what[320], file[96], when[32];
    size_t len = 0, flen = 0;
    str_bufprintf(what, sizeof what, &len, "whose offsets or DST rules disagree with --tz %s (",
                  espi_tz_name(given));
    if (encodable)
        describe_params(what, sizeof what, &len, &gp);
    else
        str_bufprintf(what, sizeof what, &len, "a DST rule no DstRuleType can write");
    if (at != ESPI_TIME_UNSET) {
        tz_format_utc(when, at);
        str_bufprintf(what, sizeof what, &len, "; the offsets first differ at %s", when);
    }
    str_bufprintf(what, sizeof what, &len, ")");
    describe_params(file, sizeof file, &flen, tp);
    repair_note(rp, "repair-tz-given", T_LTP, ltp->entry.line, what,
                "--tz is applied: the blocks' local days and the LocalTimeParameters written are "
                "its zone's (the readings' UTC times do not change)",
                "%s", file);
}

/* A tzOffset east of UTC with the US DST rules (the NGMA sample's +18000)
 * has its sign wrong: US zones are UTC-10 to UTC-4, and the rules say the
 * file means one (tzOffset is the standard offset, seconds east of UTC). */
static int32_t us_offset_sign(repair *rp, const espi_ltp_res *ltp, int32_t tz)
{
    bool us = ltp->dst_start_rule == 0x360E2000 && ltp->dst_end_rule == 0xB40E2000;
    if (!us || tz < 14400 || tz > 36000)
        return tz;
    repair_note(rp, "repair-ltp-offset-sign", T_LTP, ltp->entry.line,
                "with a tzOffset east of UTC and the US DST rules (360E2000/B40E2000)",
                "written with the sign turned (US zones are west of UTC: UTC-10 to UTC-4); the "
                "readings' UTC times do not change, the blocks' local days do",
                "tzOffset %d, written %d", (int)tz, (int)-tz);
    return -tz;
}

/* The feed's time parameters, named by their POSIX form (or by their
 * numbers, when the rules have none), and the zone of its local days. */
int repair_time_params(repair *rp)
{
    const espi_ltp_res *ltp = chosen_ltp(rp);
    if (ltp == NULL || ltp->tz_offset == ESPI_ABSENT || ltp->tz_offset < -TZ_LTP_MAX_OFFSET ||
        ltp->tz_offset > TZ_LTP_MAX_OFFSET)
        return no_time_params(rp, ltp);
    espi_time_params tp = {us_offset_sign(rp, ltp, (int32_t)ltp->tz_offset), 0, TZ_DST_RULE_NONE,
                           TZ_DST_RULE_NONE};
    dst_part(rp, ltp, &tp);
    char posix[96], name[96];
    bool has_posix = posix_zone(posix, sizeof posix, &tp);
    if (has_posix)
        str_lcpy(name, posix, sizeof name);
    else
        snprintf(name, sizeof name, "tzOffset %d, dstOffset %d, rules %08X/%08X", tp.tz_offset,
                 tp.dst_offset, tp.dst_start_rule, tp.dst_end_rule);
    espi_error e;
    if (model_feed_set_time_params(rp->in->feed, name, &tp, &e) != 0)
        return repair_nomem(rp);
    note_given_zone(rp, ltp, &tp, name);
    return hand_zone(rp, has_posix ? posix : NULL, &tp, name);
}
