/* decimal.c - exact decimal text to scaled integer, and back. */
#include "decimal.h"

#include <stdio.h>
#include <string.h>

#define MAX_SIG 18         /* significant digits kept: fits int64 */
#define MAX_EXPONENT 99999 /* |exponent| cap while reading; far outside any range */

static const int64_t pow10_table[19] = {1,
                                        10,
                                        100,
                                        1000,
                                        10000,
                                        100000,
                                        1000000,
                                        10000000,
                                        100000000,
                                        1000000000,
                                        10000000000,
                                        100000000000,
                                        1000000000000,
                                        10000000000000,
                                        100000000000000,
                                        1000000000000000,
                                        10000000000000000,
                                        100000000000000000,
                                        1000000000000000000};

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

typedef struct digit_acc {
    int64_t mant;
    int32_t nsig;    /* significant digits taken into mant */
    long exp;        /* value = mant * 10^exp (before rounding) */
    char first_drop; /* first significant digit that did not fit, or 0 */
    bool drop_nonzero;
} digit_acc;

static void take_digit(digit_acc *a, char c, bool fraction)
{
    if (a->nsig == 0 && c == '0') {
        if (fraction)
            a->exp--;
        return;
    }
    if (a->nsig < MAX_SIG) {
        a->mant = a->mant * 10 + (c - '0');
        a->nsig++;
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

espi_decimal_status espi_decimal_parse(espi_decimal *out, const char *text, size_t len)
{
    const char *p = text, *end = text + len;
    bool negative = p < end && *p == '-';
    p += negative;
    if (p >= end || !is_digit(*p) || (*p == '0' && p + 1 < end && is_digit(p[1])))
        return ESPI_DECIMAL_SYNTAX; /* no digits, or a leading zero JSON forbids */
    digit_acc a = {0, 0, 0, 0, false};
    for (; p < end && is_digit(*p); p++)
        take_digit(&a, *p, false);
    if (p < end && *p == '.') {
        if (++p >= end || !is_digit(*p))
            return ESPI_DECIMAL_SYNTAX;
        for (; p < end && is_digit(*p); p++)
            take_digit(&a, *p, true);
    }
    if (p < end && (*p == 'e' || *p == 'E'))
        p = read_exponent(p + 1, end, &a.exp);
    if (p != end)
        return ESPI_DECIMAL_SYNTAX;
    if (a.first_drop >= '5') {
        a.mant++;
        if (a.mant == pow10_table[MAX_SIG])
            a.mant /= 10, a.exp++;
    }
    if (a.mant == 0)
        a.exp = 0;
    if (a.exp > MAX_EXPONENT || a.exp < -MAX_EXPONENT)
        return ESPI_DECIMAL_RANGE;
    out->mant = negative ? -a.mant : a.mant;
    out->exp = (int32_t)a.exp;
    return ESPI_DECIMAL_OK;
}

/* Divides |mant| by 10^drop, rounding half away from zero, and reports
 * whether the remainder was noise (within 1e-6 of a unit). */
static int64_t divide_round(int64_t mag, long drop, espi_decimal_info *info)
{
    if (drop > 18) {
        info->rounded = mag != 0;
        info->noise = mag != 0 && (drop - 6 > 18 || mag < pow10_table[drop - 6]);
        return 0;
    }
    int64_t p = pow10_table[drop];
    int64_t q = mag / p, r = mag % p;
    info->rounded = r != 0;
    if (r != 0 && drop >= 6) {
        int64_t tolerance = pow10_table[drop - 6];
        info->noise = r < tolerance || p - r < tolerance;
    }
    return r >= p - r ? q + 1 : q;
}

espi_decimal_status espi_decimal_to_scaled(int64_t *out, espi_decimal_info *info, espi_decimal d,
                                           int scale)
{
    espi_decimal_info scratch;
    if (info == NULL)
        info = &scratch;
    memset(info, 0, sizeof *info);
    long k = (long)d.exp + scale;
    int64_t mag = d.mant < 0 ? -d.mant : d.mant;
    if (k >= 0) {
        for (long i = 0; i < k; i++) {
            if (mag > INT64_MAX / 10)
                return ESPI_DECIMAL_RANGE;
            mag *= 10;
        }
    } else {
        mag = divide_round(mag, -k, info);
    }
    *out = d.mant < 0 ? -mag : mag;
    return ESPI_DECIMAL_OK;
}

espi_decimal_status espi_decimal_scale(int64_t *out, espi_decimal_info *info, const char *text,
                                       size_t len, int scale)
{
    espi_decimal d;
    espi_decimal_status st = espi_decimal_parse(&d, text, len);
    if (st != ESPI_DECIMAL_OK)
        return st;
    return espi_decimal_to_scaled(out, info, d, scale);
}

void espi_decimal_format(char buf[48], int64_t value, int scale)
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
