/* SPDX-License-Identifier: Apache-2.0 */
/* decimal.c - exact decimal text to scaled integer, and back. */
#include "common/decimal.h"

#include <stdio.h>
#include <string.h>

/* Copies at most size-1 bytes and terminates (size > 0). */
static void copy_cut(char *dst, const char *src, size_t size)
{
    size_t n = strlen(src);
    if (size == 0)
        return;
    if (n >= size)
        n = size - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

#define MAX_EXPONENT 99999 /* |exponent| cap while reading; far outside any range */
#define MAG_LIMIT_POS ((uint64_t)INT64_MAX)
#define MAG_LIMIT_NEG ((uint64_t)INT64_MAX + 1) /* |INT64_MIN| */

/* 10^0 .. 10^19; 10^19 is above any int64 magnitude, which makes it a
 * divisor that leaves every such magnitude as the remainder. */
static const uint64_t pow10_table[20] = {1u,
                                         10u,
                                         100u,
                                         1000u,
                                         10000u,
                                         100000u,
                                         1000000u,
                                         10000000u,
                                         100000000u,
                                         1000000000u,
                                         10000000000u,
                                         100000000000u,
                                         1000000000000u,
                                         10000000000000u,
                                         100000000000000u,
                                         1000000000000000u,
                                         10000000000000000u,
                                         100000000000000000u,
                                         1000000000000000000u,
                                         10000000000000000000u};

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

typedef struct digit_acc {
    uint64_t mag;    /* leading significant digits, while they fit under limit */
    uint64_t limit;  /* largest magnitude the sign allows in an int64 */
    long exp;        /* value = (mag + tail) * 10^exp */
    char first_drop; /* first significant digit that did not fit, or 0 */
    bool drop_nonzero;
} digit_acc;

static void take_digit(digit_acc *a, char c, bool fraction)
{
    unsigned d = (unsigned)(c - '0');
    if (a->mag == 0 && d == 0) {
        if (fraction)
            a->exp--;
        return;
    }
    /* Once one digit is dropped every later one is, even if it would fit. */
    if (a->first_drop == 0 && a->mag <= (a->limit - d) / 10) {
        a->mag = a->mag * 10 + d;
        if (fraction)
            a->exp--;
        return;
    }
    if (a->first_drop == 0)
        a->first_drop = c;
    else if (c != '0')
        a->drop_nonzero = true;
    if (!fraction)
        a->exp++;
}

static const char *read_exponent(const char *p, const char *end, long *exp)
{
    int sign = 1;
    if (p < end && (*p == '+' || *p == '-'))
        sign = *p++ == '-' ? -1 : 1;
    if (p >= end || !is_digit(*p))
        return NULL;
    long e = 0;
    for (; p < end && is_digit(*p); p++)
        if (e < MAX_EXPONENT)
            e = e * 10 + (*p - '0');
    *exp += sign * e;
    return p;
}

static dec_tail tail_of(const digit_acc *a)
{
    if (a->first_drop >= '5')
        return DEC_TAIL_HIGH;
    if (a->first_drop > '0' || a->drop_nonzero)
        return DEC_TAIL_LOW;
    return DEC_TAIL_ZERO;
}

/* The int64 with sign and magnitude mag (mag <= 2^63 when negative). */
static int64_t signed_of(uint64_t mag, bool negative)
{
    if (!negative)
        return (int64_t)mag;
    return mag == MAG_LIMIT_NEG ? INT64_MIN : -(int64_t)mag;
}

/* The usual number, read in one pass: a sign, at most 18 digits with or
 * without a fraction, no exponent; it cannot overflow, so no digit is
 * dropped and the result is what the general path gives. false for
 * anything else (errors included), which the general path reads. */
static bool parse_short(dec_number *out, const char *text, size_t len)
{
    const char *p = text, *end = text + len;
    bool negative = p < end && *p == '-';
    p += negative;
    const char *first = p;
    uint64_t mag = 0;
    for (; p < end && is_digit(*p); p++)
        mag = mag * 10 + (uint64_t)(*p - '0');
    size_t whole = (size_t)(p - first), frac = 0;
    if (whole == 0 || (whole > 1 && *first == '0'))
        return false;
    if (p < end && *p == '.') {
        const char *f = ++p;
        for (; p < end && is_digit(*p); p++)
            mag = mag * 10 + (uint64_t)(*p - '0');
        frac = (size_t)(p - f);
        if (frac == 0)
            return false;
    }
    if (p != end || whole + frac > 18)
        return false;
    out->mant = negative ? -(int64_t)mag : (int64_t)mag;
    out->exp = mag == 0 ? 0 : -(int32_t)frac;
    out->tail = DEC_TAIL_ZERO;
    return true;
}

dec_status dec_parse(dec_number *out, const char *text, size_t len)
{
    if (parse_short(out, text, len))
        return DEC_OK;
    const char *p = text, *end = text + len;
    bool negative = p < end && *p == '-';
    p += negative;
    if (p >= end || !is_digit(*p) || (*p == '0' && p + 1 < end && is_digit(p[1])))
        return DEC_SYNTAX; /* no digits, or a leading zero JSON forbids */
    digit_acc a = {0, negative ? MAG_LIMIT_NEG : MAG_LIMIT_POS, 0, 0, false};
    for (; p < end && is_digit(*p); p++)
        take_digit(&a, *p, false);
    if (p < end && *p == '.') {
        if (++p >= end || !is_digit(*p))
            return DEC_SYNTAX;
        for (; p < end && is_digit(*p); p++)
            take_digit(&a, *p, true);
    }
    if (p < end && (*p == 'e' || *p == 'E'))
        p = read_exponent(p + 1, end, &a.exp);
    if (p != end)
        return DEC_SYNTAX;
    if (a.mag == 0)
        a.exp = 0;
    if (a.exp > MAX_EXPONENT || a.exp < -MAX_EXPONENT)
        return DEC_RANGE;
    out->mant = signed_of(a.mag, negative);
    out->exp = (int32_t)a.exp;
    out->tail = tail_of(&a);
    return DEC_OK;
}

/* Divides mag (plus its tail) by 10^drop, drop >= 1, rounding half away
 * from zero, and reports whether what was dropped is noise (within 1e-6 of a
 * unit). The tail is less than one unit of mag and half of 10^drop is a whole
 * number, so the tail cannot change the rounding; it only makes it inexact and
 * moves the edge of the noise band. */
static uint64_t divide_round(uint64_t mag, long drop, dec_tail tail, dec_info *info)
{
    bool inexact = tail != DEC_TAIL_ZERO;
    if (drop > 19) {
        info->rounded = mag != 0 || inexact;
        info->noise = info->rounded && (drop - 6 > 19 || mag < pow10_table[drop - 6]);
        return 0;
    }
    uint64_t p = pow10_table[drop];
    uint64_t q = mag / p, r = mag % p;
    info->rounded = r != 0 || inexact;
    if (info->rounded && drop >= 6) {
        uint64_t tolerance = pow10_table[drop - 6];
        info->noise = r < tolerance || p - r < tolerance || (inexact && p - r == tolerance);
    }
    return r >= p - r ? q + 1 : q;
}

/* Multiplies mag by 10^k, k >= 1, within limit. Digits dropped while parsing
 * would land at or above the unit: the parse drops a digit only when it does
 * not fit under limit, so such a value never fits either. */
static dec_status multiply(uint64_t *mag, long k, dec_tail tail, uint64_t limit)
{
    if (tail != DEC_TAIL_ZERO)
        return DEC_RANGE;
    for (long i = 0; i < k; i++) {
        if (*mag > limit / 10)
            return DEC_RANGE;
        *mag *= 10;
    }
    return DEC_OK;
}

dec_status dec_to_scaled(int64_t *out, dec_info *info, dec_number d, int scale)
{
    dec_info scratch;
    if (info == NULL)
        info = &scratch;
    memset(info, 0, sizeof *info);
    bool negative = d.mant < 0;
    uint64_t mag = negative ? 0 - (uint64_t)d.mant : (uint64_t)d.mant;
    uint64_t limit = negative ? MAG_LIMIT_NEG : MAG_LIMIT_POS;
    long k = (long)d.exp + scale;
    if (mag == 0) {
        *out = 0; /* any scale, without looping over it */
        return DEC_OK;
    }
    if (k > 0) {
        if (multiply(&mag, k, d.tail, limit) != DEC_OK)
            return DEC_RANGE;
    } else if (k == 0) {
        /* Only the tail is below the unit; noise in it is not looked for. */
        info->rounded = d.tail != DEC_TAIL_ZERO;
        if (d.tail == DEC_TAIL_HIGH) {
            if (mag == limit)
                return DEC_RANGE;
            mag++;
        }
    } else {
        mag = divide_round(mag, -k, d.tail, info);
    }
    *out = signed_of(mag, negative);
    return DEC_OK;
}

dec_status dec_scale(int64_t *out, dec_info *info, const char *text, size_t len, int scale)
{
    dec_number d;
    dec_status st = dec_parse(&d, text, len);
    if (st != DEC_OK)
        return st;
    return dec_to_scaled(out, info, d, scale);
}

void dec_format(char buf[48], int64_t value, int scale)
{
    uint64_t mag = value < 0 ? (uint64_t)0 - (uint64_t)value : (uint64_t)value;
    char digits[24];
    int n = snprintf(digits, sizeof digits, "%llu", (unsigned long long)mag);
    const char *sign = value < 0 ? "-" : "";
    if (scale <= 0) {
        int zeros = -scale > 20 ? 20 : -scale;
        snprintf(buf, 48, "%s%s%.*s", sign, digits, mag == 0 ? 0 : zeros, "00000000000000000000");
    } else if (n <= scale) {
        int zeros = scale - n > 20 ? 20 : scale - n;
        snprintf(buf, 48, "%s0.%.*s%s", sign, zeros, "00000000000000000000", digits);
    } else {
        snprintf(buf, 48, "%s%.*s.%s", sign, n - scale, digits, digits + (n - scale));
    }
}

/* Written by hand for the same reason as tz_format_utc: dump formats a
 * value and a cost per reading. */
void dec_format_n(char *buf, size_t size, int64_t value, int scale)
{
    char tmp[144];
    char digits[24];
    uint64_t mag = value < 0 ? (uint64_t)0 - (uint64_t)value : (uint64_t)value;
    int n = 0;
    do {
        digits[n++] = (char)('0' + mag % 10);
        mag /= 10;
    } while (mag > 0);
    int s = scale < -60 ? -60 : scale > 60 ? 60 : scale;
    bool zero = n == 1 && digits[0] == '0';
    char *p = tmp;
    if (value < 0)
        *p++ = '-';
    if (s > 0 && n <= s) { /* 0.000ddd */
        *p++ = '0';
        *p++ = '.';
        for (int i = 0; i < s - n; i++)
            *p++ = '0';
        while (n > 0)
            *p++ = digits[--n];
    } else {
        int int_digits = s > 0 ? n - s : n;
        for (int i = 0; i < int_digits; i++)
            *p++ = digits[--n];
        for (int i = 0; s < 0 && !zero && i < -s; i++)
            *p++ = '0';
        if (s > 0) {
            *p++ = '.';
            while (n > 0)
                *p++ = digits[--n];
        }
    }
    *p = '\0';
    copy_cut(buf, tmp, size);
}

bool dec_integer_prefix(const char *s, int64_t *out, const char **end)
{
    bool negative = *s == '-';
    s += (*s == '-' || *s == '+');
    if (*s < '0' || *s > '9')
        return false;
    uint64_t v = 0;
    const char *digits_end = s;
    while (*digits_end >= '0' && *digits_end <= '9')
        digits_end++;
    if (digits_end - s <= 18) /* cannot overflow: no check per digit */
        for (; s < digits_end; s++)
            v = v * 10 + (uint64_t)(*s - '0');
    for (; *s >= '0' && *s <= '9'; s++) {
        if (v > ((uint64_t)INT64_MAX - (uint64_t)(*s - '0')) / 10)
            return false;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = negative ? -(int64_t)v : (int64_t)v;
    *end = s;
    return true;
}

bool dec_integer_text(const char *s, int64_t *out, bool *fraction)
{
    const char *p;
    if (!dec_integer_prefix(s, out, &p))
        return false;
    *fraction = false;
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9'; p++)
            *fraction = *fraction || *p != '0';
    return *p == '\0';
}
