/* SPDX-License-Identifier: Apache-2.0 */
/* rules.c - the catalogue of what espi validate checks: each rule's stable
 * id, severity, the GBA certification family it belongs to (docs/standard.md
 * section 8) and test id, and one line saying what it checks. The checks
 * themselves are validate.c's; docs/rules.md shows each with a failing and
 * a passing example. */
#include "espi.h"

#include <string.h>

#define E ESPI_SEV_ERROR
#define W ESPI_SEV_WARNING
#define I ESPI_SEV_INFO

#define COMMON ESPI_FB_COMMON
#define INTERVAL ESPI_FB_INTERVAL
#define ELECTRICITY ESPI_FB_ELECTRICITY
#define COST ESPI_FB_COST
#define SUMMARY ESPI_FB_SUMMARY
#define SUMMARY_COST ESPI_FB_SUMMARY_COST

static const espi_rule rules[] = {
    /* the file itself */
    {"xml-syntax", E, 0, NULL, "the file is well-formed XML"},
    {"xml-entity", E, 0, NULL, "no entity declared in a DTD is used (none is ever expanded)"},
    {"xml-dtd", W, 0, NULL, "the file declares no DTD (espi never reads one)"},
    {"xml-namespace", E, 0, NULL, "every namespace prefix is declared"},
    {"limit-depth", E, 0, NULL, "elements nest no deeper than libxml2 allows (256 levels)"},
    {"limit-attributes", E, 0, NULL, "an element has at most 64 attributes"},
    {"limit-text", E, 0, NULL, "an element holds at most 1 MiB of text"},
    {"not-a-feed", E, 0, "D000", "the root element is atom:feed (or one atom:entry)"},
    {"fragment", I, 0, NULL,
     "a document of one atom:entry is checked without the rules that need a whole feed"},
    {"schema", E, 0, "FDFTP002", "the file is valid against the ESPI schema"},
    {"espi-1x", E, 0, NULL, "no ESPI 1.x element names (ServiceDeliveryPoint) under ESPI 3.3/4.0"},
    /* Atom */
    {"feed-id", E, 0, "D001", "the feed has an id"},
    {"feed-title", E, 0, "D002", "the feed has a title"},
    {"feed-updated", E, 0, "D003", "the feed has an updated time"},
    {"entry-id", E, 0, "D011", "every entry has an id"},
    {"entry-id-form", W, 0, "UUID", "entry ids are urn:uuid: followed by an RFC 4122 UUID"},
    {"entry-id-duplicate", E, 0, "D004", "entry ids are unique in the file"},
    {"entry-title", E, 0, "D012", "every entry has a title"},
    {"entry-published", E, 0, "D009", "every entry has a published time"},
    {"entry-updated", E, 0, "D010", "every entry has an updated time"},
    {"entry-self", E, 0, "D013", "every entry has a self link"},
    {"entry-up", E, 0, "D015", "every entry has an up link"},
    {"atom-time", E, 0, "FDFTP008", "Atom times are UTC date-times ending in Z"},
    {"entry-content-twice", E, 0, NULL, "an entry has one content element"},
    {"outside-content", E, 0, NULL, "ESPI resources stand inside an entry's content"},
    {"resource-unknown", W, 0, NULL, "content holds resources ESPI defines"},
    /* links (docs/standard.md section 3) */
    {"link-mr-up", E, INTERVAL, "D023", "a MeterReading's up link is a UsagePoint's related link"},
    {"link-ib-up", E, INTERVAL, "D037",
     "an IntervalBlock's up link is a MeterReading's related link"},
    {"link-mr-rt", E, INTERVAL, "D024", "a MeterReading links to exactly one ReadingType"},
    {"link-up-ltp", E, COMMON, "D007", "a UsagePoint links to exactly one LocalTimeParameters"},
    {"link-ltp-unused", E, COMMON, "D135", "every LocalTimeParameters is linked by a UsagePoint"},
    {"link-summary-up", E, SUMMARY, "D088", "a summary's up link is a UsagePoint's related link"},
    {"link-self-duplicate", E, 0, "D014", "self links are unique within a resource type"},
    {"link-ambiguous", W, 0, NULL, "a related link is claimed by one resource only"},
    {"link-dangling", W, 0, NULL,
     "every related link of a UsagePoint or MeterReading leads somewhere"},
    {"mr-no-block", E, INTERVAL, "D025", "every MeterReading has an IntervalBlock"},
    /* times */
    {"time-milliseconds", E, 0, "D144", "ESPI times are seconds, not milliseconds"},
    {"time-fraction", E, 0, "D144", "ESPI times are whole seconds"},
    {"time-range", W, 0, NULL, "ESPI times lie between 1990 and 2100"},
    {"number", E, 0, NULL, "numeric fields hold integers"},
    /* LocalTimeParameters */
    {"ltp-rule", E, 0, "S40", "DST rules are DstRuleType bit fields that decode to a date"},
    {"ltp-offset", W, 0, NULL, "tzOffset and dstOffset are offsets a time zone can have"},
    /* ReadingType */
    {"rt-field", E, INTERVAL, "D062",
     "a ReadingType has intervalLength, kind, powerOfTenMultiplier and uom"},
    {"rt-phase", W, ELECTRICITY, "D064", "an electricity ReadingType has a phase"},
    {"code", E, 0, NULL, "code values come from the ESPI code tables"},
    {"rt-kind-unit", E, 0, NULL, "the unit fits the kind of measurement"},
    {"rt-service", E, 0, NULL, "the commodity fits the UsagePoint's service kind"},
    {"rt-interval-odd", W, 0, NULL, "intervalLength is a whole number of minutes"},
    /* blocks and readings */
    {"block-interval", E, INTERVAL, "D038", "an IntervalBlock has interval duration and start"},
    {"block-empty", W, 0, NULL, "an IntervalBlock holds readings"},
    {"block-start", E, INTERVAL, "D042", "a block starts at its first reading"},
    {"block-cover", E, 0, NULL, "readings lie inside their block's interval"},
    {"block-duplicate", E, INTERVAL, "D146", "blocks of a MeterReading do not overlap"},
    {"reading-field", E, INTERVAL, "D044",
     "a reading has timePeriod duration and start, and a value"},
    {"reading-misplaced", E, 0, NULL, "readings stand directly in an IntervalBlock"},
    {"reading-duration", W, 0, NULL, "readings last the ReadingType's intervalLength"},
    {"reading-duplicate", E, INTERVAL, "D145", "no two readings of a MeterReading start together"},
    {"reading-overlap", E, 0, NULL, "readings of a MeterReading do not overlap"},
    {"reading-gap", I, 0, NULL, "readings of a MeterReading follow one another without gaps"},
    /* cost */
    {"cost-currency", E, COST, NULL, "readings with cost have a ReadingType with currency"},
    {"cost-missing", W, COST, "D043", "when the ReadingType has a currency, readings have cost"},
    /* summaries */
    {"summary-field", E, SUMMARY, "D081",
     "a summary has billingPeriod, overallConsumptionLastPeriod, qualityOfReading and "
     "statusTimeStamp"},
    {"summary-cost-field", E, SUMMARY_COST, "D091",
     "a summary has billLastPeriod, billToDate, costAdditionalLastPeriod and currency"},
    {"summary-current", E, SUMMARY, "D095",
     "currentBillingPeriodOverAllConsumption, when given, is complete"},
    /* what the feed must hold */
    {"feed-usage-point", E, COMMON, "D006", "the feed has a UsagePoint"},
    {"feed-ltp", E, COMMON, "D136", "the feed has LocalTimeParameters"},
    {"feed-meter-reading", E, INTERVAL, "D027", "the feed has a MeterReading"},
    {"feed-reading-type", E, INTERVAL, "D049", "the feed has a ReadingType"},
    {"feed-interval-block", E, INTERVAL, "D032", "the feed has an IntervalBlock"},
    {"feed-summary", E, SUMMARY, "D083", "the feed has a UsageSummary"},
    {"fb-electricity", E, ELECTRICITY, "D078",
     "an electricity UsagePoint has a Wh delivered interval ReadingType"},
    {"fb-gas", E, ESPI_FB_GAS, "D079", "a gas UsagePoint has a gas interval ReadingType"},
    {"fb-water", E, ESPI_FB_WATER, "D080", "a water UsagePoint has a water volume ReadingType"},
    {"fb-temperature", E, ESPI_FB_TEMPERATURE, "D147", "a temperature ReadingType is in K"},
};

const espi_rule *espi_rules(size_t *count)
{
    *count = sizeof rules / sizeof rules[0];
    return rules;
}

const espi_rule *espi_rule_find(const char *id)
{
    for (size_t i = 0; id && i < sizeof rules / sizeof rules[0]; i++)
        if (strcmp(rules[i].id, id) == 0)
            return &rules[i];
    return NULL;
}

typedef struct profile {
    const char *name;
    unsigned families;
} profile;

/* The GBA web tester's presets (docs/standard.md section 8); water by analogy. */
static const profile profiles[] = {
    {"electricity", COMMON | INTERVAL | ELECTRICITY | SUMMARY},
    {"electricity-cost", COMMON | INTERVAL | ELECTRICITY | COST | SUMMARY | SUMMARY_COST},
    {"gas", COMMON | INTERVAL | ESPI_FB_GAS | SUMMARY},
    {"gas-cost", COMMON | INTERVAL | ESPI_FB_GAS | COST | SUMMARY | SUMMARY_COST},
    {"water", COMMON | INTERVAL | ESPI_FB_WATER | SUMMARY},
    {"temperature", COMMON | INTERVAL | ESPI_FB_TEMPERATURE},
};

int espi_profile_parse(unsigned *families, const char *name)
{
    for (size_t i = 0; name && i < sizeof profiles / sizeof profiles[0]; i++)
        if (strcmp(profiles[i].name, name) == 0) {
            *families = profiles[i].families;
            return 0;
        }
    return ESPI_E_ARG;
}

size_t espi_families_format(char *buf, size_t size, unsigned families)
{
    static const struct {
        unsigned bit;
        const char *name;
    } names[] = {
        {COMMON, "FB_01"},      {INTERVAL, "FB_04"},        {ELECTRICITY, "FB_05"},
        {ESPI_FB_GAS, "FB_10"}, {ESPI_FB_WATER, "FB_11"},   {COST, "FB_12"},
        {SUMMARY, "FB_15"},     {SUMMARY_COST, "FB_16/28"}, {ESPI_FB_TEMPERATURE, "FB_29"}};
    size_t len = 0;
    if (size > 0)
        buf[0] = '\0';
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (!(families & names[i].bit))
            continue;
        const char *sep = len ? " " : "";
        size_t need = strlen(sep) + strlen(names[i].name);
        if (len + need < size) {
            memcpy(buf + len, sep, strlen(sep));
            memcpy(buf + len + strlen(sep), names[i].name, strlen(names[i].name) + 1);
        } else {
            size = 0; /* cut: write nothing more */
        }
        len += need;
    }
    return len;
}
