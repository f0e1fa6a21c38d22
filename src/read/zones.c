/* SPDX-License-Identifier: Apache-2.0 */
/* zones.c - the time zone of each LocalTimeParameters, once per file. */
#include "read/zones.h"

#include "common/error.h"
#include "common/grow.h"
#include "common/tz.h"

#include <stdarg.h>
#include <stdlib.h>

static void warn_at(const char *file, unsigned long line, espi_diag_fn on_diag, void *diag_ctx,
                    const char *code, const char *fmt, ...) ATTR_PRINTF(6, 7);

static void warn_at(const char *file, unsigned long line, espi_diag_fn on_diag, void *diag_ctx,
                    const char *code, const char *fmt, ...)
{
    err_loc loc = {file, line, 0, NULL};
    va_list ap;
    va_start(ap, fmt);
    diag_vemit(on_diag, diag_ctx, ESPI_SEV_WARNING, code, &loc, fmt, ap);
    va_end(ap);
}

/* A new zone for ltp, warned about when it is odd; NULL when it gives none. */
static espi_tz *make_zone(const espi_ltp_res *ltp, const char *file, espi_diag_fn on_diag,
                          void *diag_ctx)
{
    int64_t dst = ltp->dst_offset == ESPI_ABSENT ? 0 : ltp->dst_offset;
    if (ltp->tz_offset < -TZ_LTP_MAX_OFFSET || ltp->tz_offset > TZ_LTP_MAX_OFFSET ||
        dst < -TZ_LTP_MAX_DST || dst > TZ_LTP_MAX_DST) {
        warn_at(file, ltp->entry.line, on_diag, diag_ctx, "ltp-bad-offset",
                "tzOffset %lld s / dstOffset %lld s are beyond any time zone's (%d h / %d h); "
                "local times are left empty (give --tz for the real zone)",
                (long long)ltp->tz_offset, (long long)dst, TZ_LTP_MAX_OFFSET / 3600,
                TZ_LTP_MAX_DST / 3600);
        return NULL;
    }
    espi_time_params p = {
        (int32_t)ltp->tz_offset, (int32_t)dst,
        ltp->dst_start_rule == ESPI_ABSENT ? TZ_DST_RULE_NONE : (uint32_t)ltp->dst_start_rule,
        ltp->dst_end_rule == ESPI_ABSENT ? TZ_DST_RULE_NONE : (uint32_t)ltp->dst_end_rule};
    bool dst_ignored;
    espi_tz *tz = NULL;
    if (tz_from_time_params(&tz, &p, "LocalTimeParameters", &dst_ignored) != 0)
        return NULL;
    if (dst_ignored)
        warn_at(file, ltp->entry.line, on_diag, diag_ctx, "ltp-bad-rule",
                "the DST rules %08llX / %08llX are not valid DstRuleType values; local times use "
                "the standard offset only (give --tz for the real zone)",
                (unsigned long long)ltp->dst_start_rule, (unsigned long long)ltp->dst_end_rule);
    return tz;
}

const espi_tz *ltp_zones_get(ltp_zones *zs, const espi_ltp_res *ltp, const char *file,
                             espi_diag_fn on_diag, void *diag_ctx)
{
    if (ltp == NULL || ltp->tz_offset == ESPI_ABSENT)
        return NULL;
    if (zs->last.ltp == ltp)
        return zs->last.tz;
    for (size_t i = 0; i < zs->n; i++)
        if (zs->z[i].ltp == ltp) {
            zs->last = zs->z[i];
            return zs->z[i].tz;
        }
    ltp_zone *g = grow_array(zs->z, &zs->cap, zs->n, sizeof *g, 8);
    if (g == NULL)
        return NULL;
    zs->z = g;
    zs->z[zs->n] = (ltp_zone){ltp, make_zone(ltp, file, on_diag, diag_ctx)};
    zs->last = zs->z[zs->n];
    return zs->z[zs->n++].tz;
}

void ltp_zones_clear(ltp_zones *zs)
{
    for (size_t i = 0; i < zs->n; i++)
        espi_tz_free(zs->z[i].tz);
    zs->n = 0;
    zs->last = (ltp_zone){NULL, NULL};
}

void ltp_zones_free(ltp_zones *zs)
{
    ltp_zones_clear(zs);
    free(zs->z);
    zs->z = NULL;
    zs->cap = 0;
}
