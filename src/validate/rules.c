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
#define R true /* espi convert repairs what the rule finds */

#define COMMON ESPI_FB_COMMON
#define INTERVAL ESPI_FB_INTERVAL
#define ELECTRICITY ESPI_FB_ELECTRICITY
#define COST ESPI_FB_COST
#define SUMMARY ESPI_FB_SUMMARY
#define SUMMARY_COST ESPI_FB_SUMMARY_COST

static const espi_rule rules[] = {
    /* the file itself */
    {"xml-syntax", E, 0, NULL, "the file is well-formed XML", 0},
    {"xml-entity", E, 0, NULL, "no entity declared in a DTD is used (none is ever expanded)", 0},
    {"xml-dtd", W, 0, NULL, "the file declares no DTD (espi never reads one)", R},
    {"xml-namespace", E, 0, NULL, "every namespace prefix is declared", 0},
    {"limit-depth", E, 0, NULL, "elements nest no deeper than libxml2 allows (256 levels)", 0},
    {"limit-attributes", E, 0, NULL, "an element has at most 64 attributes", 0},
    {"limit-text", E, 0, NULL, "an element holds at most 1 MiB of text", 0},
    {"not-a-feed", E, 0, "D000", "the root element is atom:feed (or one atom:entry)", 0},
    {"fragment", I, 0, "D000",
     "a document of one atom:entry is checked without the rules that need a whole feed", 0},
    {"schema", E, 0, "FDFTP002", "the file is valid against the ESPI schema", 0},
    {"espi-1x", E, 0, NULL,
     "no ESPI 1.x element names (ServiceDeliveryPoint) under ESPI 3.3/4.0", R},
    /* Atom */
    {"feed-id", E, 0, "D001", "the feed has an id", R},
    {"feed-id-form", E, 0, "D001", "the feed id is not blank, and urn:uuid: is followed by a UUID",
     R},
    {"feed-title", E, 0, "D002", "the feed has a title", R},
    {"feed-updated", E, 0, "D003", "the feed has an updated time", R},
    {"entry-id", E, 0, "D011", "every entry has an id", R},
    {"entry-id-form", W, 0, "UUID", "entry ids are urn:uuid: followed by an RFC 4122 UUID", R},
    {"entry-id-duplicate", E, 0, "D004", "entry ids are unique in the file", R},
    {"entry-title", E, 0, "D012", "every entry has a title", R},
    {"entry-published", E, 0, "D009", "every entry has a published time", R},
    {"entry-updated", E, 0, "D010", "every entry has an updated time", R},
    {"entry-self", E, 0, "D013", "every entry has a self link", R},
    {"entry-up", E, 0, "D015", "every entry has an up link", R},
    {"atom-time", E, 0, "FDFTP008", "Atom times are UTC date-times ending in Z", R},
    {"entry-content-twice", E, 0, NULL, "an entry has one content element", 0},
    {"outside-content", E, 0, NULL, "ESPI resources stand inside an entry's content", R},
    {"resource-unknown", W, 0, NULL, "content holds resources ESPI defines", 0},
    /* links (docs/standard.md section 3) */
    {"link-mr-up", E, INTERVAL, "D023",
     "a MeterReading's up link is a UsagePoint's related link", R},
    {"link-ib-up", E, INTERVAL, "D037",
     "an IntervalBlock's up link is a MeterReading's related link", R},
    {"link-mr-rt", E, INTERVAL, "D024", "a MeterReading links to exactly one ReadingType", R},
    {"link-up-ltp", E, COMMON, "D007", "a UsagePoint links to exactly one LocalTimeParameters", R},
    {"link-ltp-unused", E, COMMON, "D135",
     "every LocalTimeParameters is linked by a UsagePoint", R},
    {"link-summary-up", E, SUMMARY, "D088",
     "a summary's up link is a UsagePoint's related link", R},
    {"link-self-duplicate", E, 0, "D014", "self links are unique within a resource type", R},
    {"link-ambiguous", W, 0, NULL, "a related link is claimed by one resource only", R},
    {"link-dangling", W, 0, NULL,
     "every related link of a UsagePoint or MeterReading leads somewhere", R},
    {"mr-no-block", E, INTERVAL, "D025", "every MeterReading has an IntervalBlock", R},
    /* times */
    {"time-milliseconds", E, 0, "D144", "ESPI times are seconds, not milliseconds", R},
    {"time-fraction", E, 0, "D144", "ESPI times are whole seconds", R},
    {"time-range", W, 0, NULL, "ESPI times lie between 1990 and 2100", 0},
    {"number", E, 0, NULL, "numeric fields hold integers", 0},
    /* UsagePoint */
    {"up-service", E, COMMON, "D008", "a UsagePoint has a ServiceCategory kind", R},
    /* LocalTimeParameters */
    {"ltp-rule", E, 0, "S40", "DST rules are DstRuleType bit fields that decode to a date", R},
    {"ltp-offset", W, 0, NULL, "tzOffset and dstOffset are offsets a time zone can have", R},
    /* ReadingType */
    {"rt-field", E, INTERVAL, "D062",
     "a ReadingType has intervalLength, kind, powerOfTenMultiplier and uom", 0},
    {"rt-phase", W, ELECTRICITY, "D064", "an electricity ReadingType has a phase", 0},
    {"code", E, 0, NULL, "code values come from the ESPI code tables", 0},
    {"rt-kind-unit", E, 0, NULL, "the unit fits the kind of measurement", R},
    {"rt-service", E, 0, NULL, "the commodity fits the UsagePoint's service kind", 0},
    {"rt-interval-odd", W, 0, NULL, "intervalLength is a whole number of minutes", 0},
    /* blocks and readings */
    {"block-interval", E, INTERVAL, "D038", "an IntervalBlock has interval duration and start", R},
    {"block-empty", W, 0, "D042", "an IntervalBlock holds readings", R},
    {"block-start", E, INTERVAL, "D042", "a block starts at its earliest reading", R},
    {"block-cover", E, 0, NULL, "readings lie inside their block's interval", R},
    {"block-duplicate", E, INTERVAL, "D146", "blocks of a MeterReading do not overlap", R},
    {"reading-field", E, INTERVAL, "D044",
     "a reading has timePeriod duration and start, and a value", R},
    {"reading-misplaced", E, 0, NULL, "readings stand directly in an IntervalBlock", 0},
    {"reading-duration", W, 0, NULL, "readings last the ReadingType's intervalLength", 0},
    {"reading-duplicate", E, INTERVAL, "D145",
     "no two readings of a MeterReading start together", 0},
    {"reading-overlap", E, 0, NULL, "readings of a MeterReading do not overlap", 0},
    {"reading-gap", I, 0, NULL, "readings of a MeterReading follow one another without gaps", 0},
    /* cost */
    {"cost-currency", E, COST, "D058",
     "a ReadingType has a currency when its readings have cost (or a cost profile is given)", R},
    {"cost-missing", W, COST, NULL, "when the ReadingType has a currency, readings have cost", 0},
    {"cost-block", E, COST, "D043",
     "when cost is claimed (a currency, or a cost profile), each block has readings with cost", 0},
    /* summaries */
    {"summary-field", E, SUMMARY, "D081",
     "a summary has billingPeriod, overallConsumptionLastPeriod, qualityOfReading and "
     "statusTimeStamp", 0},
    {"summary-cost-field", E, SUMMARY_COST, "D091",
     "a summary has billLastPeriod, billToDate, costAdditionalLastPeriod and currency", 0},
    {"summary-current", E, SUMMARY, "D095",
     "currentBillingPeriodOverAllConsumption, when given, is complete", 0},
    /* what the feed must hold */
    {"feed-usage-point", E, COMMON, "D006", "the feed has a UsagePoint", 0},
    {"feed-ltp", E, COMMON, "D136", "the feed has LocalTimeParameters", R},
    {"feed-meter-reading", E, INTERVAL, "D027", "the feed has a MeterReading", 0},
    {"feed-reading-type", E, INTERVAL, "D049", "the feed has a ReadingType", 0},
    {"feed-interval-block", E, INTERVAL, "D032", "the feed has an IntervalBlock", 0},
    {"feed-summary", E, SUMMARY, "D083", "the feed has a UsageSummary", 0},
    {"fb-electricity", E, ELECTRICITY, "D078",
     "an electricity UsagePoint has a Wh delivered interval ReadingType", 0},
    {"fb-gas", E, ESPI_FB_GAS, "D079", "a gas UsagePoint has a gas interval ReadingType", 0},
    {"fb-water", E, ESPI_FB_WATER, "D080", "a water UsagePoint has a water volume ReadingType", 0},
    {"fb-temperature", E, ESPI_FB_TEMPERATURE, "D147", "a temperature ReadingType is in K", 0},
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
