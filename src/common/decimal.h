/* SPDX-License-Identifier: Apache-2.0 */
/* decimal.h - exact decimal numbers and their conversion to scaled integers.
 *
 * SmartHub writes kWh and dollars as JSON numbers, sometimes with binary
 * float noise (57.029999999999994). Going through a double would round twice;
 * this works on the digits, so 0.87 kWh is exactly 870 Wh. */
#ifndef DECIMAL_H
#define DECIMAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum dec_status {
    DEC_OK = 0,
    DEC_SYNTAX = -1, /* not a number: expected -?digits[.digits][e[+-]digits] */
    DEC_RANGE = -2   /* the value does not fit */
} dec_status;

/* What the digits that did not fit in mant were worth, in units of mant's
 * last digit: exactly what rounding needs, nothing more. */
typedef enum dec_tail {
    DEC_TAIL_ZERO = 0, /* none, or only zeros: the value is exact */
    DEC_TAIL_LOW = 1,  /* more than 0, less than 1/2 */
    DEC_TAIL_HIGH = 2  /* 1/2 or more, less than 1 */
} dec_tail;

/* |value| = (|mant| + tail) * 10^exp. mant keeps as many leading significant
 * digits as an int64 holds (18 or 19), so any result that fits an int64 comes
 * out exact. The rest is truncated, not rounded, so that only
 * dec_to_scaled rounds: rounding twice turned 0.4999999999999999999999
 * into 1. */
typedef struct dec_number {
    int64_t mant;
    int32_t exp;
    dec_tail tail;
} dec_number;

typedef struct dec_info {
    bool rounded; /* non-zero digits below the unit were dropped */
    bool noise;   /* ... and they were within 1e-6 of a whole unit: float noise */
} dec_info;

/* Parses text[0..len) in JSON number syntax. */
dec_status dec_parse(dec_number *out, const char *text, size_t len);

/* round(d * 10^scale), half away from zero. info may be NULL. */
dec_status dec_to_scaled(int64_t *out, dec_info *info, dec_number d, int scale);

/* Parse and scale in one step. */
dec_status dec_scale(int64_t *out, dec_info *info, const char *text, size_t len, int scale);

/* Writes value / 10^scale as exact decimal text ("-12.345"); buf needs 48
 * bytes. Trailing fraction zeros are kept so the scale stays visible.
 * scale must be within -20..20: the text is wrong beyond that. */
void dec_format(char buf[48], int64_t value, int scale);

/* The same for scales within -60..60 into a buffer of size bytes (84 is
 * always enough); the text is cut, never wrong, when size is smaller. */
void dec_format_n(char *buf, size_t size, int64_t value, int scale);

/* An integer as XML writes one (optional sign, digits) at the start of s,
 * within int64 (never INT64_MIN); *end is where the digits stop. False when
 * there are no digits or the value does not fit. */
bool dec_integer_prefix(const char *s, int64_t *out, const char **end);

/* An integer, maybe with a fraction that is dropped (toward zero); the
 * fraction is reported through *fraction when it has a non-zero digit.
 * False for anything else. */
bool dec_integer_text(const char *s, int64_t *out, bool *fraction);

#endif
