/* SPDX-License-Identifier: Apache-2.0 */
/* codes.h - internals of the code tables (codes.c); the lookups themselves
 * are public (espi.h). */
#ifndef CODES_H
#define CODES_H

#include "espi.h"

/* The code tables a validator checks values against (docs/standard.md section 5). */
typedef enum code_table {
    CODE_UNIT,
    CODE_KIND,
    CODE_PHASE,
    CODE_COMMODITY,
    CODE_SERVICE,
    CODE_FLOW,
    CODE_ACCUMULATION,
    CODE_QUALIFIER,
    CODE_TIME_ATTRIBUTE,
    CODE_QUALITY,
    CODE_MULTIPLIER,
    CODE_CURRENCY,
    CODE_ITEM_KIND,
} code_table;

/* Whether value is a code of the table. */
bool code_known(code_table table, int64_t value);

/* The table's ESPI type name, for messages ("UnitSymbolKind"). */
const char *code_table_name(code_table table);

/* The prefix for a power of ten ("k" for 3, "" for 0); NULL when none. */
const char *codes_si_prefix(int power);

#endif
