/* decimal.h - exact decimal numbers and their conversion to scaled integers.
 *
 * SmartHub writes kWh and dollars as JSON numbers, sometimes with binary
 * float noise (57.029999999999994). Going through a double would round twice;
 * this works on the digits, so 0.87 kWh is exactly 870 Wh. */
#ifndef ESPI_DECIMAL_H
#define ESPI_DECIMAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum espi_decimal_status {
    ESPI_DECIMAL_OK = 0,
    ESPI_DECIMAL_SYNTAX = -1, /* not a number: expected -?digits[.digits][e[+-]digits] */
    ESPI_DECIMAL_RANGE = -2   /* the value does not fit */
} espi_decimal_status;

/* value = mant * 10^exp, with |mant| < 10^18. Text with more than 18
 * significant digits is rounded (half away from zero) to 18. */
typedef struct espi_decimal {
    int64_t mant;
    int32_t exp;
} espi_decimal;

typedef struct espi_decimal_info {
    bool rounded; /* non-zero digits below the unit were dropped */
    bool noise;   /* ... and they were within 1e-6 of a whole unit: float noise */
} espi_decimal_info;

/* Parses text[0..len) in JSON number syntax. */
espi_decimal_status espi_decimal_parse(espi_decimal *out, const char *text, size_t len);

/* round(d * 10^scale), half away from zero. info may be NULL. */
espi_decimal_status espi_decimal_to_scaled(int64_t *out, espi_decimal_info *info, espi_decimal d,
                                           int scale);

/* Parse and scale in one step. */
espi_decimal_status espi_decimal_scale(int64_t *out, espi_decimal_info *info, const char *text,
                                       size_t len, int scale);

/* Writes value / 10^scale as exact decimal text ("-12.345"); buf needs 48
 * bytes. Trailing fraction zeros are kept so the scale stays visible. */
void espi_decimal_format(char buf[48], int64_t value, int scale);

#endif
