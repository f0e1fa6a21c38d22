/* SPDX-License-Identifier: Apache-2.0 */
/* codes.c - the code tables of codes.h. */
#include "common/codes.h"

#include <stddef.h>
#include <string.h>

typedef struct code_name {
    int64_t code;
    const char *name;
} code_name;

/* UnitSymbolKind: the units Green Button files use (docs/standard.md section 5). */
static const code_name units[] = {
    {0, "none"},    {2, "m"},         {5, "A"},
    {6, "K"},       {23, "degC"},     {27, "s"},
    {29, "V"},      {31, "J"},        {33, "Hz"},
    {38, "W"},      {42, "m3"},       {61, "VA"},
    {63, "VAr"},    {65, "cosTheta"}, {71, "VAh"},
    {72, "Wh"},     {73, "VArh"},     {80, "money"},
    {106, "Ah"},    {119, "ft3"},     {120, "ft3compensated"},
    {128, "USgal"}, {132, "BTU"},     {133, "BTU/h"},
    {134, "L"},     {159, "min"},     {160, "h"},
    {169, "therm"},
};

static const code_name currencies[] = {
    {36, "AUD"}, {124, "CAD"}, {392, "JPY"}, {484, "MXN"}, {826, "GBP"}, {840, "USD"}, {978, "EUR"},
};

typedef struct prefix {
    int power;
    const char *text;
} prefix;

/* Longest first, so "da" is tried before "d". */
static const prefix prefixes[] = {
    {1, "da"}, {-12, "p"}, {-9, "n"}, {-6, "u"}, {-3, "m"}, {-2, "c"},
    {-1, "d"}, {2, "h"},   {3, "k"},  {6, "M"},  {9, "G"},  {12, "T"},
};

static const char *find_name(const code_name *t, size_t n, int64_t code)
{
    for (size_t i = 0; i < n; i++)
        if (t[i].code == code)
            return t[i].name;
    return NULL;
}

const char *espi_uom_symbol(int64_t uom)
{
    return find_name(units, sizeof units / sizeof units[0], uom);
}

const char *espi_currency_alpha(int64_t iso4217)
{
    return find_name(currencies, sizeof currencies / sizeof currencies[0], iso4217);
}

static const char *known_symbol(const char *text)
{
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strcmp(units[i].name, text) == 0)
            return units[i].name;
    return NULL;
}

/* Units an SI prefix does not go with: not SI, or not a quantity. */
static bool takes_prefix(const char *symbol)
{
    static const char *const not_si[] = {"none",           "cosTheta", "money", "ft3",
                                         "ft3compensated", "USgal",    "min",   "h"};
    for (size_t i = 0; i < sizeof not_si / sizeof not_si[0]; i++)
        if (strcmp(symbol, not_si[i]) == 0)
            return false;
    return true;
}

bool espi_unit_parse(int *power, const char **symbol, const char *text)
{
    /* a bare symbol first: "m3" is cubic metres, not milli-"3" */
    if ((*symbol = known_symbol(text)) != NULL) {
        *power = 0;
        return true;
    }
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        size_t n = strlen(prefixes[i].text);
        if (strncmp(text, prefixes[i].text, n) != 0 || (*symbol = known_symbol(text + n)) == NULL)
            continue;
        if (!takes_prefix(*symbol))
            return false;
        /* a prefix on a cubic unit is cubed: 1 dm3 is 10^-3 m3 */
        *power = strcmp(*symbol, "m3") == 0 ? 3 * prefixes[i].power : prefixes[i].power;
        return true;
    }
    return false;
}

const char *codes_si_prefix(int power)
{
    if (power == 0)
        return "";
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (prefixes[i].power == power)
            return prefixes[i].text;
    return NULL;
}

/* ------------------------------------------------------------------ */
/* The code tables of ESPI 4.0 (the enumerations of espi.xsd), sorted. */
/* timeAttribute takes both TimePeriodOfInterest and TimeAttributeKind  */
/* codes: files use either (docs/standard.md section 5).                         */
/* ------------------------------------------------------------------ */

static const int16_t unit_codes[] = {
    0,   2,   3,   4,   5,   6,   7,   8,   9,   10,  11,  21,  22,  23,  24,  25,  27,  28,
    29,  30,  31,  32,  33,  34,  35,  36,  37,  38,  39,  41,  42,  43,  44,  45,  46,  47,
    48,  49,  50,  51,  53,  54,  61,  63,  65,  66,  67,  68,  69,  70,  71,  72,  73,  74,
    75,  76,  77,  78,  79,  80,  81,  82,  100, 101, 102, 103, 104, 105, 106, 107, 108, 109,
    111, 113, 114, 115, 116, 117, 118, 119, 120, 123, 125, 126, 127, 128, 129, 130, 131, 132,
    133, 134, 137, 138, 139, 140, 141, 142, 143, 144, 145, 146, 147, 148, 149, 150, 151, 152,
    153, 154, 155, 156, 157, 158, 159, 160, 161, 162, 163, 164, 165, 166, 167, 168, 169,
};

static const int16_t kind_codes[] = {
    0,   2,   3,   4,   5,   6,   7,   8,   9,   10,  11,  12,  13,  14,  15,  16,  17,  18,
    19,  20,  21,  22,  23,  24,  25,  26,  27,  28,  31,  32,  33,  34,  35,  36,  37,  38,
    40,  41,  42,  43,  44,  45,  46,  47,  48,  49,  50,  51,  52,  53,  54,  55,  56,  57,
    58,  59,  60,  64,  81,  90,  91,  92,  93,  94,  95,  96,  97,  98,  99,  100, 101, 102,
    103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120,
    121, 122, 123, 124, 125, 126, 127, 128, 129, 130, 131, 132, 133, 134, 135, 136, 137, 138,
    139, 140, 141, 142, 143, 144, 145, 146, 147, 148, 149, 150, 151, 152, 153, 154, 155,
};

static const int16_t phase_codes[] = {
    0,   16,  17,  32,  33,  40,  41,  64,  65,  66,  72,  96,  97,  128,
    129, 132, 136, 193, 224, 225, 256, 272, 512, 528, 768, 769, 784,
};

static const int16_t commodity_codes[] = {
    0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13,
    14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26,
};

static const int16_t service_codes[] = {
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
};

static const int16_t flow_codes[] = {
    0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21,
};

static const int16_t accumulation_codes[] = {
    0, 1, 2, 3, 4, 6, 9, 10, 12, 13, 14,
};

static const int16_t qualifier_codes[] = {
    0, 2, 4, 5, 7, 8, 9, 11, 12, 16, 17, 23, 24, 25, 26,
};

static const int16_t time_attribute_codes[] = {
    0,  1,  2,  3,  4,  5,  6,  7,  8,  10, 11, 13, 14, 15, 16, 22, 24, 31, 32, 50, 51, 52, 53, 54,
    55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77,
};

static const int16_t quality_codes[] = {
    0, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19,
};

static const int16_t multiplier_codes[] = {
    -12, -9, -6, -3, -2, -1, 0, 1, 2, 3, 6, 9, 12,
};

static const int16_t currency_codes[] = {
    0, 36, 124, 156, 208, 356, 392, 578, 643, 752, 756, 826, 840, 978,
};

static const int16_t item_kind_codes[] = {
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
};

typedef struct code_list {
    const int16_t *codes;
    size_t n;
    const char *name;
} code_list;

#define LIST(a, name)                                                                              \
    {                                                                                              \
        a, sizeof a / sizeof a[0], name                                                            \
    }

static const code_list lists[] = {
    [CODE_UNIT] = LIST(unit_codes, "UnitSymbolKind"),
    [CODE_KIND] = LIST(kind_codes, "MeasurementKind"),
    [CODE_PHASE] = LIST(phase_codes, "PhaseCodeKind"),
    [CODE_COMMODITY] = LIST(commodity_codes, "CommodityKind"),
    [CODE_SERVICE] = LIST(service_codes, "ServiceKind"),
    [CODE_FLOW] = LIST(flow_codes, "FlowDirectionKind"),
    [CODE_ACCUMULATION] = LIST(accumulation_codes, "AccumulationKind"),
    [CODE_QUALIFIER] = LIST(qualifier_codes, "DataQualifierKind"),
    [CODE_TIME_ATTRIBUTE] = LIST(time_attribute_codes, "TimePeriodOfInterest or TimeAttributeKind"),
    [CODE_QUALITY] = LIST(quality_codes, "QualityOfReading"),
    [CODE_MULTIPLIER] = LIST(multiplier_codes, "UnitMultiplierKind"),
    [CODE_CURRENCY] = LIST(currency_codes, "Currency (ISO 4217)"),
    [CODE_ITEM_KIND] = LIST(item_kind_codes, "ItemKind"),
};

bool code_known(code_table table, int64_t value)
{
    const code_list *l = &lists[table];
    size_t lo = 0, hi = l->n;
    while (lo < hi) { /* the lists are sorted */
        size_t mid = (lo + hi) / 2;
        if (l->codes[mid] == value)
            return true;
        if (l->codes[mid] < value)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

const char *code_table_name(code_table table)
{
    return lists[table].name;
}
