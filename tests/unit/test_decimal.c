/* SPDX-License-Identifier: Apache-2.0 */
/* test_decimal.c - exact decimal text to scaled integers and back.
 *
 * Besides fixed cases, two property tests: formatting then parsing gives
 * the integer back, and random long digit strings scale to what a plain
 * digit-by-digit reference in this file computes. */
#include "testutil.h"

#include "common/decimal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

typedef struct scale_case {
    const char *text;
    int scale;
    dec_status status;
    int64_t want;
    bool rounded;
    bool noise;
} scale_case;

static void check_scale(const scale_case *c)
{
    int64_t got = 0x5a5a;
    dec_info info = {true, true};
    dec_status st = dec_scale(&got, &info, c->text, strlen(c->text), c->scale);
    if (st != c->status)
        fail_msg("'%s' scale %d: status %d, expected %d", c->text, c->scale, st, c->status);
    if (st != DEC_OK)
        return;
    if (got != c->want)
        fail_msg("'%s' scale %d: %" PRId64 ", expected %" PRId64, c->text, c->scale, got, c->want);
    if (info.rounded != c->rounded || info.noise != c->noise)
        fail_msg("'%s' scale %d: rounded %d noise %d, expected %d %d", c->text, c->scale,
                 info.rounded, info.noise, c->rounded, c->noise);
}

#define OK DEC_OK
#define RANGE DEC_RANGE
#define SYNTAX DEC_SYNTAX

static void test_scale_examples(void **state)
{
    (void)state;
    static const scale_case cases[] = {
        {"0.87", 3, OK, 870, false, false},
        {"57.029999999999994", 3, OK, 57030, true, true},
        {"0.0004", 3, OK, 0, true, false},
        {"0.0005", 3, OK, 1, true, false}, /* half away from zero */
        {"-0.0005", 3, OK, -1, true, false},
        {"0.0015", 3, OK, 2, true, false}, /* not to even */
        {"0.0025", 3, OK, 3, true, false},
        {"-0.0025", 3, OK, -3, true, false},
        {"0.00049", 3, OK, 0, true, false},
        {"1e3", 0, OK, 1000, false, false},
        {"1E3", 0, OK, 1000, false, false},
        {"1e+3", 0, OK, 1000, false, false},
        {"1.5E-3", 3, OK, 2, true, false},
        {"1.5e-3", 4, OK, 15, false, false},
        {"0", 3, OK, 0, false, false},
        {"-0", 3, OK, 0, false, false},
        {"0.0", 0, OK, 0, false, false},
        {"0e5", 9, OK, 0, false, false},
        {"0.0152", 5, OK, 1520, false, false},
        {"3.6891000000000016", 5, OK, 368910, true, true},
        {"12", 0, OK, 12, false, false},
        {"-12.5", 0, OK, -13, true, false},
        {"-12.4", 0, OK, -12, true, false},
        {"100", 2, OK, 10000, false, false},
        {"120e-1", 0, OK, 12, false, false},
        {"1234.5678", -2, OK, 12, true, false}, /* hundreds */
        {"1250", -2, OK, 13, true, false},
        /* The noise band: within 1e-6 of a whole unit, on either side. */
        {"0.0000001", 0, OK, 0, true, true},
        {"0.9999991", 0, OK, 1, true, true},
        {"0.999998", 0, OK, 1, true, false},
        {"0.999999", 0, OK, 1, true, false}, /* exactly 1e-6 away is outside */
        {"0.000002", 0, OK, 0, true, false},
        {"41.99999999999999", 0, OK, 42, true, true},
        {"0.1234567", 0, OK, 0, true, false},
        {"5e-30", 0, OK, 0, true, true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_scale(&cases[i]);
}

/* More significant digits than an int64 holds. */
static void test_scale_long(void **state)
{
    (void)state;
    static const scale_case cases[] = {
        {"0.12345678901234567890123", 3, OK, 123, true, false},
        {"0.12355678901234567890123", 3, OK, 124, true, false},
        /* Rounding once, not to 18 digits first and then to the scale. */
        {"0.4999999999999999999999", 0, OK, 0, true, false},
        {"0.49999999999999999999999999", 0, OK, 0, true, false},
        {"-0.4999999999999999999999", 0, OK, 0, true, false},
        {"0.00049999999999999999999", 3, OK, 0, true, false},
        {"2.4999999999999999999", 0, OK, 2, true, false},
        {"0.5000000000000000000000000001", 0, OK, 1, true, false},
        {"0.5000000000000000000", 0, OK, 1, true, false},
        {"57.02999999999999999999999999999", 3, OK, 57030, true, true},
        /* 1e-6 away but for digits beyond the 19th: inside the band. */
        {"0.9999990000000000000001", 0, OK, 1, true, true},
        {"1.00000000000000000000000000001", 0, OK, 1, true, true},
        {"123456789012345678.5", 0, OK, 123456789012345679, true, false},
        /* 19 digits are exact when they fit. */
        {"1234567890123456789", 0, OK, 1234567890123456789, false, false},
        {"1000000000000000001", 0, OK, 1000000000000000001, false, false},
        {"9223372036854775807", 0, OK, INT64_MAX, false, false},
        {"-9223372036854775808", 0, OK, INT64_MIN, false, false},
        {"9223372036854775807.4999999", 0, OK, INT64_MAX, true, false},
        {"-9223372036854775808.4", 0, OK, INT64_MIN, true, false},
        {"922337203685477580.74", 1, OK, INT64_MAX, true, false},
        {"-922337203685477580.84", 1, OK, INT64_MIN, true, false},
        {"9223372036854775.807", 3, OK, INT64_MAX, false, false},
        /* A whole number with a tiny fraction far out is not whole. */
        {"1772841600000.0000000000000000001", 0, OK, 1772841600000, true, true},
        {"1772841600000.00000000000000000000", 0, OK, 1772841600000, false, false},
        /* Many digits with the exponent bringing them back. */
        {"100000000000000000000000000000e-27", 3, OK, 100000, false, false},
        {"0.000000000000000000000000000000000000001", 3, OK, 0, true, true},
        {"12345678901234567890123456789e-25", 2, OK, 123457, true, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_scale(&cases[i]);

    /* A thousand digits: 1 and 999 zeros, brought back by the exponent. */
    char text[1100] = "1";
    memset(text + 1, '0', 999);
    snprintf(text + 1000, 100, "e-999");
    scale_case big = {text, 3, OK, 1000, false, false};
    check_scale(&big);
    /* And 0.000...0005e301 = 5: leading fraction zeros are not significant. */
    snprintf(text, sizeof text, "0.");
    memset(text + 2, '0', 300);
    snprintf(text + 302, 100, "5e301");
    big = (scale_case){text, 0, OK, 5, false, false};
    check_scale(&big);
}

static void test_scale_range(void **state)
{
    (void)state;
    static const scale_case cases[] = {
        {"9223372036854775808", 0, RANGE, 0, false, false},
        {"-9223372036854775809", 0, RANGE, 0, false, false},
        {"9223372036854775807.5", 0, RANGE, 0, false, false},
        {"-9223372036854775808.5", 0, RANGE, 0, false, false},
        {"922337203685477580.75", 1, RANGE, 0, false, false},
        /* Once a digit is dropped, a later smaller one must not be taken. */
        {"922337203685477580.81", 1, RANGE, 0, false, false},
        {"-922337203685477580.91", 1, RANGE, 0, false, false},
        {"92233720368547758071", 0, RANGE, 0, false, false},
        {"1e19", 0, RANGE, 0, false, false},
        {"1e18", 0, OK, 1000000000000000000, false, false},
        {"9.3e18", 0, RANGE, 0, false, false},
        {"9.2e18", 0, OK, 9200000000000000000, false, false},
        {"1", 19, RANGE, 0, false, false},
        {"1", 18, OK, 1000000000000000000, false, false},
        {"1e99999", 0, RANGE, 0, false, false},
        {"1e100000", 0, RANGE, 0, false, false}, /* beyond the exponent cap */
        {"1e99999999999999999999999", 0, RANGE, 0, false, false},
        {"-1e99999999999999999999999", 0, RANGE, 0, false, false},
        {"0e99999999999999999999999", 0, OK, 0, false, false}, /* zero is zero */
        {"1e-99999", 3, OK, 0, true, true},
        {"10000000000000000000000000", 0, RANGE, 0, false, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_scale(&cases[i]);
}

static void test_scale_syntax(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",    "-",     ".5",       "5.",  "01",   "-01",   "00",   "+1",   "1e",  "1e+",
        "1e-", "abc",   "1.2.3",    " 1",  "1 ",   "1e1.5", "1.e5", "0x10", "--1", "-.5",
        "1,5", "1e5e5", "Infinity", "NaN", "1.5f", "e5",    "1ee5", "-e5",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t v = 0x5a5a;
        dec_status st = dec_scale(&v, NULL, bad[i], strlen(bad[i]), 3);
        if (st != DEC_SYNTAX)
            fail_msg("'%s': status %d, expected a syntax error", bad[i], st);
        assert_int_equal(v, 0x5a5a);
    }
    /* len bounds the text: what follows is not read. */
    int64_t v = 0;
    assert_int_equal(dec_scale(&v, NULL, "12.5xyz", 4, 1), OK);
    assert_int_equal(v, 125);
    assert_int_equal(dec_scale(&v, NULL, "12.5xyz", 3, 1), SYNTAX); /* "12." */
    assert_int_equal(dec_scale(&v, NULL, "-", 0, 1), SYNTAX);
}

static void expect_parse(const char *text, int64_t mant, int32_t exp, dec_tail tail)
{
    dec_number d;
    memset(&d, 0x5a, sizeof d);
    if (dec_parse(&d, text, strlen(text)) != OK)
        fail_msg("'%s' rejected", text);
    if (d.mant != mant || d.exp != exp || d.tail != tail)
        fail_msg("'%s': %" PRId64 "e%d tail %d, expected %" PRId64 "e%d tail %d", text, d.mant,
                 d.exp, d.tail, mant, exp, tail);
}

static void test_parse(void **state)
{
    (void)state;
    expect_parse("0.87", 87, -2, DEC_TAIL_ZERO);
    expect_parse("-0.87", -87, -2, DEC_TAIL_ZERO);
    expect_parse("1.5E-3", 15, -4, DEC_TAIL_ZERO);
    expect_parse("1e3", 1, 3, DEC_TAIL_ZERO);
    expect_parse("100", 100, 0, DEC_TAIL_ZERO);
    expect_parse("0.0152", 152, -4, DEC_TAIL_ZERO);
    expect_parse("0", 0, 0, DEC_TAIL_ZERO);
    expect_parse("-0", 0, 0, DEC_TAIL_ZERO);
    expect_parse("0.000e-7", 0, 0, DEC_TAIL_ZERO);
    expect_parse("57.029999999999994", 57029999999999994, -15, DEC_TAIL_ZERO);
    expect_parse("9223372036854775807", INT64_MAX, 0, DEC_TAIL_ZERO);
    expect_parse("-9223372036854775808", INT64_MIN, 0, DEC_TAIL_ZERO);
    /* Digits that do not fit are truncated, and the tail says what they were. */
    expect_parse("9223372036854775808", 922337203685477580, 1, DEC_TAIL_HIGH);
    expect_parse("92233720368547758071", 9223372036854775807, 1, DEC_TAIL_LOW);
    expect_parse("9223372036854775807.5", INT64_MAX, 0, DEC_TAIL_HIGH);
    expect_parse("0.49999999999999999999", 4999999999999999999, -19, DEC_TAIL_HIGH);
    expect_parse("0.12345678901234567890123", 1234567890123456789, -19, DEC_TAIL_LOW);
    expect_parse("10000000000000000000.0", 1000000000000000000, 1, DEC_TAIL_ZERO);
    expect_parse("10000000000000000000.1", 1000000000000000000, 1, DEC_TAIL_LOW);
}

/* Around the 18 digits read in one pass without overflow checks, and the
 * text that pass must leave to the general one. */
static void test_parse_short_edges(void **state)
{
    (void)state;
    expect_parse("123456789012345678", 123456789012345678, 0, DEC_TAIL_ZERO);
    expect_parse("12345678901234567.8", 123456789012345678, -1, DEC_TAIL_ZERO);
    expect_parse("-99999999999999999.9", -999999999999999999, -1, DEC_TAIL_ZERO);
    expect_parse("1234567890123456789", 1234567890123456789, 0, DEC_TAIL_ZERO);
    expect_parse("0.000000000000000001", 1, -18, DEC_TAIL_ZERO);
    expect_parse("0.000", 0, 0, DEC_TAIL_ZERO);
    expect_parse("-0.000", 0, 0, DEC_TAIL_ZERO);
    expect_parse("0.120", 120, -3, DEC_TAIL_ZERO);
    static const char *const bad[] = {"", "-", "00.5", "01", "1.", ".5", "1.5.", "+1", "1-", "1 "};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        dec_number d;
        if (dec_parse(&d, bad[i], strlen(bad[i])) != SYNTAX)
            fail_msg("'%s' not refused", bad[i]);
    }
}

static void test_integer_text(void **state)
{
    (void)state;
    int64_t v = 0;
    bool fraction = true;
    assert_true(dec_integer_text("1733011200", &v, &fraction));
    assert_true(v == 1733011200 && !fraction);
    assert_true(dec_integer_text("-5", &v, &fraction) && v == -5);
    assert_true(dec_integer_text("123456789012345678", &v, &fraction) && v == 123456789012345678);
    assert_true(dec_integer_text("9223372036854775807", &v, &fraction) && v == INT64_MAX);
    assert_false(dec_integer_text("9223372036854775808", &v, &fraction));
    assert_false(dec_integer_text("99999999999999999999", &v, &fraction));
    assert_true(dec_integer_text("12.0", &v, &fraction) && v == 12 && !fraction);
    assert_true(dec_integer_text("12.5", &v, &fraction) && v == 12 && fraction);
    assert_false(dec_integer_text("12a", &v, &fraction));
    assert_false(dec_integer_text("", &v, &fraction));
}

static void expect_scaled(dec_number d, int scale, dec_status status, int64_t want, bool rounded)
{
    int64_t got = 0x5a5a;
    dec_info info;
    dec_status st = dec_to_scaled(&got, &info, d, scale);
    if (st != status)
        fail_msg("%" PRId64 "e%d scale %d: status %d, expected %d", d.mant, d.exp, scale, st,
                 status);
    if (st == OK && (got != want || info.rounded != rounded))
        fail_msg("%" PRId64 "e%d scale %d: %" PRId64 " rounded %d, expected %" PRId64 " %d", d.mant,
                 d.exp, scale, got, info.rounded, want, rounded);
}

static void test_to_scaled(void **state)
{
    (void)state;
    dec_number d = {.mant = 87, .exp = -2};
    expect_scaled(d, 0, OK, 1, true);
    expect_scaled(d, 1, OK, 9, true);
    expect_scaled(d, 2, OK, 87, false);
    expect_scaled(d, 3, OK, 870, false); /* the scale above the exponent multiplies */
    expect_scaled(d, 9, OK, 870000000, false);
    expect_scaled(d, 19, OK, 8700000000000000000, false);
    expect_scaled(d, 20, RANGE, 0, false);
    expect_scaled(d, -1, OK, 0, true);

    d = (dec_number){.mant = -15, .exp = -4};
    expect_scaled(d, 3, OK, -2, true);
    expect_scaled(d, 6, OK, -1500, false);

    d = (dec_number){.mant = 1, .exp = 3};
    expect_scaled(d, 0, OK, 1000, false);
    expect_scaled(d, -2, OK, 10, false);
    expect_scaled(d, -3, OK, 1, false);
    expect_scaled(d, -4, OK, 0, true);
    expect_scaled(d, 15, OK, 1000000000000000000, false);
    expect_scaled(d, 16, RANGE, 0, false);

    d = (dec_number){.mant = 922337203685477580, .exp = 1};
    expect_scaled(d, 0, OK, 9223372036854775800, false);
    d.mant = -d.mant;
    expect_scaled(d, 0, OK, -9223372036854775800, false);
    d = (dec_number){.mant = 922337203685477581, .exp = 1};
    expect_scaled(d, 0, RANGE, 0, false);
    d = (dec_number){.mant = INT64_MIN, .exp = 0};
    expect_scaled(d, 0, OK, INT64_MIN, false);
    expect_scaled(d, -1, OK, -922337203685477581, true);
    expect_scaled(d, -19, OK, -1, true);
    expect_scaled(d, -20, OK, 0, true);
    expect_scaled(d, 1, RANGE, 0, false);
    d = (dec_number){.mant = INT64_MAX, .exp = 0};
    expect_scaled(d, -18, OK, 9, true);
    expect_scaled(d, -30, OK, 0, true);

    /* The tail below the last digit. */
    d = (dec_number){.mant = 25, .exp = -1, .tail = DEC_TAIL_LOW};
    expect_scaled(d, 1, OK, 25, true);
    expect_scaled(d, 0, OK, 3, true);
    d.tail = DEC_TAIL_HIGH;
    expect_scaled(d, 1, OK, 26, true);
    expect_scaled(d, 2, RANGE, 0, false); /* the tail would be a whole digit */
    d = (dec_number){.mant = 0, .exp = 0};
    expect_scaled(d, 2000000000, OK, 0, false);

    /* info may be NULL. */
    int64_t v = 0;
    d = (dec_number){.mant = 5, .exp = -1};
    assert_int_equal(dec_to_scaled(&v, NULL, d, 0), OK);
    assert_int_equal(v, 1);
}

static void expect_format(int64_t value, int scale, const char *want)
{
    char buf[48];
    memset(buf, 'x', sizeof buf);
    dec_format(buf, value, scale);
    if (strcmp(buf, want) != 0)
        fail_msg("%" PRId64 " scale %d: '%s', expected '%s'", value, scale, buf, want);
}

static void test_format(void **state)
{
    (void)state;
    expect_format(870, 3, "0.870");
    expect_format(-5, 3, "-0.005");
    expect_format(123456, 2, "1234.56");
    expect_format(-123456, 2, "-1234.56");
    expect_format(0, 5, "0.00000");
    expect_format(0, 0, "0");
    expect_format(7, 0, "7");
    expect_format(-7, 0, "-7");
    expect_format(5, -2, "500");
    expect_format(0, -2, "0");
    expect_format(1000, 3, "1.000");
    expect_format(999, 3, "0.999");
    expect_format(1, 20, "0.00000000000000000001");
    expect_format(INT64_MAX, 0, "9223372036854775807");
    expect_format(INT64_MIN, 0, "-9223372036854775808");
    expect_format(INT64_MIN, 3, "-9223372036854775.808");
    expect_format(INT64_MIN, 19, "-0.9223372036854775808");
    expect_format(INT64_MIN, 20, "-0.09223372036854775808");
    expect_format(INT64_MAX, -20, "922337203685477580700000000000000000000");
}

/* xorshift64*: repeatable random numbers without the global rand(). */
static uint64_t next_random(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717u;
}

/* A random integer whose magnitude has a random number of bits, so that
 * short and long values both come up. */
static int64_t random_int64(uint64_t *s)
{
    uint64_t r = next_random(s);
    unsigned bits = (unsigned)(next_random(s) % 64);
    uint64_t mag = bits == 0 ? 0 : r >> (64 - bits);
    return (next_random(s) & 1) ? -(int64_t)mag : (int64_t)mag;
}

static void round_trip(int64_t v, int scale)
{
    char buf[48];
    dec_format(buf, v, scale);
    int64_t back = 0;
    dec_info info;
    dec_status st = dec_scale(&back, &info, buf, strlen(buf), scale);
    if (st != OK || back != v || info.rounded)
        fail_msg("%" PRId64 " scale %d -> '%s' -> status %d, %" PRId64 " rounded %d", v, scale, buf,
                 st, back, info.rounded);
}

static void test_format_parse_property(void **state)
{
    (void)state;
    static const int64_t edges[] = {0,
                                    1,
                                    -1,
                                    9,
                                    10,
                                    999999999,
                                    INT64_MAX,
                                    INT64_MIN,
                                    INT64_MAX - 1,
                                    INT64_MIN + 1,
                                    1000000000000000000,
                                    -999999999999999999};
    for (int scale = 0; scale <= 9; scale++)
        for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++)
            round_trip(edges[i], scale);
    uint64_t seed = 0x9e3779b97f4a7c15u;
    for (int i = 0; i < 200000; i++)
        round_trip(random_int64(&seed), i % 10);
}

/* Reference: round(digits * 10^shift) half away from zero, as text
 * arithmetic. Returns false when it does not fit an int64. */
static bool reference_scale(const char *digits, long shift, bool negative, int64_t *out,
                            bool *rounded)
{
    long n = (long)strlen(digits), cut = n + shift; /* digits above the unit */
    char whole[64] = "0";
    size_t w = 1;
    *rounded = false;
    if (cut > 0) {
        w = 0;
        for (long i = 0; i < cut; i++) {
            char c = i < n ? digits[i] : '0';
            if (w == 0 && c == '0')
                continue;
            if (w >= 19)
                return false; /* a 20th digit: beyond any int64 */
            whole[w++] = c;
        }
        if (w == 0)
            whole[w++] = '0';
        whole[w] = '\0';
    }
    bool up = cut >= 0 && cut < n && digits[cut] >= '5';
    for (long i = cut < 0 ? 0 : cut; i < n; i++)
        *rounded = *rounded || digits[i] != '0';
    uint64_t mag = strtoull(whole, NULL, 10);
    mag += up;
    uint64_t limit = negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    if (mag > limit)
        return false;
    *out = negative ? (mag == limit ? INT64_MIN : -(int64_t)mag) : (int64_t)mag;
    return true;
}

/* Random digit strings, often long and made of 0, 4, 5 and 9 so that
 * ties and near-ties are common, checked against reference_scale. */
static void test_random_against_reference(void **state)
{
    (void)state;
    static const char biased[] = "0459";
    uint64_t seed = 0x243f6a8885a308d3u;
    for (int iter = 0; iter < 200000; iter++) {
        char digits[48], text[80];
        long n = 1 + (long)(next_random(&seed) % 40);
        bool bias = next_random(&seed) % 2;
        for (long i = 0; i < n; i++)
            digits[i] =
                bias ? biased[next_random(&seed) % 4] : (char)('0' + next_random(&seed) % 10);
        digits[n] = '\0';
        long point = (long)(next_random(&seed) % (uint64_t)(n + 1)); /* digits before '.' */
        if (point > 1 && digits[0] == '0')
            digits[0] = '1'; /* JSON has no leading zeros */
        long exp10 = next_random(&seed) % 3 == 0 ? (long)(next_random(&seed) % 41) - 20 : 0;
        bool negative = next_random(&seed) % 2;
        int scale = (int)(next_random(&seed) % 12);
        size_t k = 0;
        if (negative)
            text[k++] = '-';
        if (point == 0)
            text[k++] = '0';
        for (long i = 0; i < n; i++) {
            if (i == point)
                text[k++] = '.';
            text[k++] = digits[i];
        }
        text[k] = '\0';
        if (exp10 != 0)
            snprintf(text + k, sizeof text - k, "e%ld", exp10);

        int64_t want = 0, got = 0;
        bool want_rounded;
        bool fits =
            reference_scale(digits, exp10 - (n - point) + scale, negative, &want, &want_rounded);
        dec_info info;
        dec_status st = dec_scale(&got, &info, text, strlen(text), scale);
        if (!fits && st != RANGE)
            fail_msg("'%s' scale %d: status %d %" PRId64 ", expected out of range", text, scale, st,
                     got);
        if (fits && (st != OK || got != want || info.rounded != want_rounded))
            fail_msg("'%s' scale %d: status %d %" PRId64 " rounded %d, expected %" PRId64 " %d",
                     text, scale, st, got, info.rounded, want, want_rounded);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scale_examples),
        cmocka_unit_test(test_scale_long),
        cmocka_unit_test(test_scale_range),
        cmocka_unit_test(test_scale_syntax),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_parse_short_edges),
        cmocka_unit_test(test_integer_text),
        cmocka_unit_test(test_to_scaled),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_format_parse_property),
        cmocka_unit_test(test_random_against_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
