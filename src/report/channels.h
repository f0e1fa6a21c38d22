/* SPDX-License-Identifier: Apache-2.0 */
/* channels.h - a usage point's meter readings as the report and the
 * summary's net rows see them: each meter reading's series (one per tou)
 * taken together, the delivered and received ones picked, and exact
 * amounts at mixed powers of ten added and subtracted. */
#ifndef CHANNELS_H
#define CHANNELS_H

#include "report/aggregate.h"

/* A value at a power of ten (v x 10^power), or none. */
typedef struct amount {
    bool has, overflow;
    int64_t v;
    int power;
} amount;

/* The value of p (none when p is NULL or has none). */
amount amount_of(const agg_totals *p, int power);

/* a + sign x b (sign 1 or -1), at the finer of their powers. */
amount amount_combine(amount a, amount b, int sign);

/* a > b; an amount without value or overflowed is never greater. */
bool amount_greater(amount a, amount b);

/* a / n rounded half to even, in thousandths; false when it cannot be said. */
bool amount_per_count(int64_t *out, amount a, int64_t n);

/* A meter reading: its series (one per tou) and what they add up to. */
typedef struct reading_channel {
    agg_series *first; /* its series without a tou, else its first */
    agg_series **s;
    size_t ns;
    int64_t readings;
    const char *role; /* "delivered", "received" or "other" */
    const char *note; /* why an "other" one is not drawn */
} reading_channel;

typedef struct up_channels {
    reading_channel *ch;
    size_t nch;
    reading_channel *delivered; /* energy or volume, flow 1 (or 0, none; else 4 net) */
    reading_channel *received;  /* flow 19, in the delivered one's unit */
    bool net_metered;           /* both */
} up_channels;

/* The channels of usage point up from the engine's sorted series, their
 * readings counted in periods of kind per, and their roles: of several
 * that qualify, the shortest intervalLength, then the most readings. */
int up_channels_make(up_channels *v, agg *a, const void *up, agg_per per);
void up_channels_free(up_channels *v);

/* The periods of kind per of all c's series added up by start (out is the
 * caller's to free). */
int channel_periods(const reading_channel *c, agg_per per, agg_periods *out);

/* The period of ps that starts at start, or NULL. */
const agg_totals *periods_find(const agg_periods *ps, int64_t start);

/* Delivered minus received per period (periods of either, by start), at
 * the finer power (*power): readings, missing and estimated added, value
 * and cost subtracted, no peak. */
int net_periods(const agg_periods *d, int pd, const agg_periods *r, int pr, agg_periods *out,
                int *power);

#endif
