/* SPDX-License-Identifier: Apache-2.0 */
/* zones.h - the time zone of each LocalTimeParameters of a file, made once
 * and kept until the file ends: dump's local times and summary's local
 * periods come from here, with the same warnings. */
#ifndef ZONES_H
#define ZONES_H

#include "espi.h"

#include <stddef.h>

typedef struct ltp_zone {
    const espi_ltp_res *ltp;
    espi_tz *tz; /* NULL: the parameters give no zone */
} ltp_zone;

typedef struct ltp_zones {
    ltp_zone *z;
    size_t n, cap;
    ltp_zone last; /* the one found last: readings come in runs */
} ltp_zones;

/* The zone of ltp's offsets and DST rules; NULL when there is none (no
 * tzOffset, or offsets beyond any zone's: warned once, as "ltp-bad-offset",
 * naming file). Rules that are not DstRuleType values are warned
 * ("ltp-bad-rule") and the standard offset is used. */
const espi_tz *ltp_zones_get(ltp_zones *zs, const espi_ltp_res *ltp, const char *file,
                             espi_diag_fn on_diag, void *diag_ctx);

/* Frees the zones of a file (the array is kept for the next). */
void ltp_zones_clear(ltp_zones *zs);

void ltp_zones_free(ltp_zones *zs);

#endif
