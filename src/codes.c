/* codes.c - the code tables of codes.h. */
#include "codes.h"

#include <stddef.h>
#include <string.h>

typedef struct code_name {
    int64_t code;
    const char *name;
} code_name;

/* UnitSymbolKind: the units Green Button files use (ESPI.md section 5). */
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

bool espi_unit_parse(const char *text, int *power, const char **symbol)
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

const char *espi_si_prefix(int power)
{
    if (power == 0)
        return "";
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (prefixes[i].power == power)
            return prefixes[i].text;
    return NULL;
}
