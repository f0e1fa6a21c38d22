/* codes.h - ESPI code tables espi prints (ESPI.md section 5): unit symbols,
 * currency codes, and SI prefixes for --unit. */
#ifndef ESPI_CODES_H
#define ESPI_CODES_H

#include <stdbool.h>
#include <stdint.h>

/* "Wh" for 72, "therm" for 169, ...; NULL for a code without a symbol. */
const char *espi_uom_symbol(int64_t uom);

/* "USD" for 840, ...; NULL when unknown. */
const char *espi_currency_alpha(int64_t iso4217);

/* Splits a unit such as "kWh" into a power of ten (3) and the symbol of an
 * ESPI unit ("Wh"). False when the text is no prefix + known symbol. */
bool espi_unit_parse(const char *text, int *power, const char **symbol);

/* The prefix for a power of ten ("k" for 3, "" for 0); NULL when none. */
const char *espi_si_prefix(int power);

#endif
