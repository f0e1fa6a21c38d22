/* SPDX-License-Identifier: Apache-2.0 */
/* readings.c - IntervalReadings as espi_read hands them over, kept
 * by their MeterReading (or, when their block's up link joins none, by that
 * link: repair/links.c finds their MeterReading at the end), then each
 * MeterReading's channel in the model: its ReadingType copied, readings in
 * order, repeats kept once, 0 s durations and intervalLength put right;
 * what the ReadingType says wrong (demand as energy, a kind its unit
 * denies, no commodity or currency the file gives elsewhere) and the sign
 * of energy received put right too. */
#include "convert/repair/repair.h"

#include <stdlib.h>
#include <string.h>

#define RUN_SCAN 64 /* readings of one start compared with each other, at most */
/* Readings kept from one file: as many as a SmartHub response may hold
 * (SH_MAX_POINTS), 570 years of 15-minute data; more is a bomb, not a
 * meter, and would only exhaust memory (a gzip input unpacks to 4 GiB). */
#define MAX_READINGS 20000000u

int repair_push_reading(model_reading **items, size_t *n, size_t *cap, const model_reading *r)
{
    model_reading *g = grow_array(*items, cap, *n, sizeof *g, 64);
    if (g == NULL)
        return -1;
    *items = g;
    g[(*n)++] = *r;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Readings, as they come                                              */
/* ------------------------------------------------------------------ */

/* The interval length of the reading's ReadingType, when it is joined. */
static int64_t joined_interval(const espi_interval_reading_res *ir)
{
    const espi_meter_reading_res *mr = ir->block ? ir->block->meter_reading : NULL;
    const espi_reading_type_res *rt = mr ? mr->reading_type : NULL;
    return rt && rt->interval_length != ESPI_ABSENT ? rt->interval_length : 0;
}

/* When a reading lacks its start or duration, ESPI says readings follow
 * each other, intervalLength apart, from the block's start. */
static int reading_times(repair *rp, const espi_interval_reading_res *ir, int64_t *start,
                         int64_t *duration)
{
    *start = ir->start;
    *duration = ir->duration;
    if (*start == ESPI_ABSENT) {
        if (rp->prev_end == ESPI_ABSENT)
            return repair_fatal(rp, "repair-no-start", ir->line,
                                "this IntervalReading has no timePeriod start, and neither its "
                                "IntervalBlock's interval nor a reading before it says when it "
                                "starts");
        *start = rp->prev_end;
        repair_note(rp, "repair-reading-start", T_READING, ir->line, "without a timePeriod start",
                    "each starts where the reading before it ends (the first at its block's "
                    "start), as ESPI defines readings without a timePeriod",
                    NULL);
    }
    if (*duration == ESPI_ABSENT) {
        int64_t len = joined_interval(ir);
        if (len <= 0)
            return repair_fatal(rp, "repair-no-duration", ir->line,
                                "this IntervalReading has no timePeriod duration, and its "
                                "ReadingType no intervalLength to take it from");
        *duration = len;
        repair_note(rp, "repair-reading-duration", T_READING, ir->line,
                    "without a timePeriod duration", "given their ReadingType's intervalLength",
                    NULL);
    }
    if (*duration < 0 || *duration > (int64_t)UINT32_MAX)
        return repair_fatal(rp, "repair-bad-duration", ir->line,
                            "this IntervalReading lasts %lld s; a duration is 0 to 4294967295 s",
                            (long long)*duration);
    return 0;
}

static void note_reading_extras(repair *rp, const espi_interval_reading_res *ir)
{
    if (ir->consumption_tier != ESPI_ABSENT || ir->tou != ESPI_ABSENT || ir->cpp != ESPI_ABSENT)
        repair_note(rp, "repair-not-carried", T_READING, ir->line,
                    "<consumptionTier>, <tou> or <cpp> element(s)",
                    "not carried: the feed model keeps these on the ReadingType only", NULL);
}

/* The model's reading, or 1 when it has no value to carry. */
static int make_reading(repair *rp, const espi_interval_reading_res *ir, model_reading *r)
{
    if (ir->value == ESPI_ABSENT) {
        repair_note(rp, "repair-not-carried", T_READING, ir->line, "without a <value>",
                    "not carried: a reading without a value says nothing", NULL);
        return 1;
    }
    int64_t start, duration;
    int rc = reading_times(rp, ir, &start, &duration);
    if (rc != 0)
        return rc;
    if (!repair_int48(ir->value) || (ir->cost != ESPI_ABSENT && !repair_int48(ir->cost)))
        return repair_fatal(rp, "repair-int48", ir->line,
                            "this IntervalReading's value or cost is beyond ESPI's 48-bit range");
    note_reading_extras(rp, ir);
    *r = (model_reading){
        .start = start,
        .value = ir->value,
        .cost = ir->cost == ESPI_ABSENT ? 0 : ir->cost,
        .duration = (uint32_t)duration,
        .line = ir->line > UINT32_MAX ? UINT32_MAX : (uint32_t)ir->line,
        .has_cost = ir->cost != ESPI_ABSENT,
        .source = rp->in->source,
        .quality = ir->quality >= 0 && ir->quality <= INT16_MAX ? (int16_t)ir->quality : -1,
    };
    return 0;
}

/* The readings of blocks whose up link joins no MeterReading, by that
 * link (the last one asked for first: readings come in runs). */
static orphan *orphan_of(repair *rp, const espi_interval_block_res *b, unsigned long line)
{
    const char *up = b && b->entry.up ? b->entry.up : "";
    if (rp->last_orphan && strcmp(rp->last_orphan->up, up) == 0)
        return rp->last_orphan;
    for (size_t i = 0; i < rp->norphans; i++)
        if (strcmp(rp->orphans[i]->up, up) == 0)
            return rp->last_orphan = rp->orphans[i];
    orphan **g = grow_array(rp->orphans, &rp->orphans_cap, rp->norphans, sizeof *g, 4);
    orphan *o = calloc(1, sizeof *o);
    if (g == NULL || o == NULL) {
        free(o);
        return NULL;
    }
    rp->orphans = g;
    o->up = strdup(up);
    o->self = strdup(b && b->entry.self ? b->entry.self : "");
    o->line = b ? b->entry.line : line;
    if (o->up == NULL || o->self == NULL) {
        free(o->up);
        free(o->self);
        free(o);
        return NULL;
    }
    rp->orphans[rp->norphans++] = o;
    return rp->last_orphan = o;
}

/* Each reading is kept by its MeterReading, or by its block's up link when
 * that joins none. */
int repair_on_reading(repair *rp, const espi_interval_reading_res *ir)
{
    int rc = repair_check_bad_time(rp);
    if (rc != 0)
        return rc;
    const espi_interval_block_res *b = ir->block;
    if (b != rp->block || (b && b->line != rp->block_line)) {
        rp->block = b;
        rp->block_line = b ? b->line : 0;
        rp->prev_end = b ? b->start : ESPI_ABSENT;
        if (b)
            repair_see_block(rp, b);
    }
    model_reading r = {0};
    rc = make_reading(rp, ir, &r);
    if (rc != 0)
        return rc < 0 ? rc : 0;
    if (++rp->readings > MAX_READINGS)
        return repair_fatal(rp, "repair-too-many-readings", ir->line,
                            "the file holds more than %u IntervalReadings with a value, the most "
                            "espi converts from one input; split it by date",
                            MAX_READINGS);
    rp->prev_end = r.start + r.duration;
    if (b && b->meter_reading) {
        mr_info *m = repair_meter_reading_info(rp, b->meter_reading);
        if (m == NULL || repair_push_reading(&m->readings, &m->n, &m->cap, &r) != 0)
            return repair_nomem(rp);
        return 0;
    }
    orphan *o = orphan_of(rp, b, ir->line);
    if (o == NULL || repair_push_reading(&o->readings, &o->n, &o->cap, &r) != 0)
        return repair_nomem(rp);
    return 0;
}

/* ------------------------------------------------------------------ */
/* A MeterReading's readings, once all are in                          */
/* ------------------------------------------------------------------ */

static int by_start_line(const void *a, const void *b)
{
    const model_reading *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return (x->line > y->line) - (x->line < y->line);
}

static bool same_reading(const model_reading *a, const model_reading *b)
{
    return a->start == b->start && a->duration == b->duration && a->value == b->value &&
           a->has_cost == b->has_cost && (!a->has_cost || a->cost == b->cost) &&
           a->quality == b->quality;
}

/* Readings given twice alike are kept once; readings of one start that
 * differ are all kept, as the file has them, and said. */
static void drop_repeats(repair *rp, mr_info *m)
{
    size_t kept = 0;
    for (size_t i = 0; i < m->n; i++) {
        model_reading r = m->readings[i];
        bool repeat = false, clash = false;
        for (size_t k = kept, scanned = 0;
             k > 0 && scanned < RUN_SCAN && m->readings[k - 1].start == r.start; k--, scanned++) {
            if (same_reading(&m->readings[k - 1], &r))
                repeat = true;
            else
                clash = true;
        }
        if (repeat) {
            repair_note(rp, "repair-duplicate-reading", T_READING, r.line,
                        "that repeat an earlier one exactly",
                        "kept once (same start, duration, value, cost and quality)", NULL);
            continue;
        }
        if (clash)
            repair_note(rp, "reading-overlap", T_READING, r.line,
                        "that start with another reading of the same MeterReading but differ "
                        "from it",
                        "all are kept, as the file has them: which is right cannot be decided "
                        "(espi validate reports them)",
                        NULL);
        m->readings[kept++] = r;
    }
    m->n = kept;
}

/* A reading of 0 s among readings intervalLength apart lasts intervalLength
 * (the GBA CMD data writes duration 0 with intervalLength 60). */
static void fill_zero_durations(repair *rp, mr_info *m, uint32_t interval)
{
    if (interval == 0)
        return;
    for (size_t i = 0; i < m->n; i++) {
        model_reading *r = &m->readings[i];
        if (r->duration != 0)
            continue;
        bool next_fits = i + 1 < m->n ? m->readings[i + 1].start == r->start + interval
                                      : i > 0 && m->readings[i - 1].start + interval == r->start;
        bool prev_fits =
            i == 0 || m->readings[i - 1].start + m->readings[i - 1].duration <= r->start;
        if (!next_fits || !prev_fits)
            continue;
        r->duration = interval;
        repair_note(rp, "repair-zero-duration", T_READING, r->line,
                    "of 0 s among readings intervalLength apart",
                    "given their ReadingType's intervalLength", NULL);
    }
}

/* Whether two ReadingTypes read values alike: a channel merged from two
 * inputs must not mix units or scales. */
static bool same_scale(const model_reading_type *a, const model_reading_type *b)
{
    return a->power_of_ten == b->power_of_ten && a->kind == b->kind && a->currency == b->currency &&
           a->accumulation == b->accumulation && a->commodity == b->commodity;
}

static void check_interval(repair *rp, const mr_info *m, const espi_reading_type_res *rt)
{
    uint32_t usual = model_readings_usual_duration(m->readings, m->n);
    unsigned long line = rt ? rt->entry.line : m->line;
    if (rt && rt->interval_length == ESPI_ABSENT)
        repair_note(rp, "repair-interval-length", T_RT, line, "without an intervalLength",
                    "written with the readings' most common duration", "%u s", usual);
    else if (rt && rt->interval_length != (int64_t)usual)
        repair_note(rp, "repair-interval-length", T_RT, line,
                    "intervalLength(s) that do not match the readings",
                    "written as the readings' most common duration",
                    "%lld s in the file, %u s in the readings", (long long)rt->interval_length,
                    usual);
}

/* ------------------------------------------------------------------ */
/* The channel                                                         */
/* ------------------------------------------------------------------ */

static void copy_reading_type(model_reading_type *dst, const espi_reading_type_res *rt)
{
    model_reading_type_clear_optional(dst);
    dst->accumulation = dst->commodity = dst->kind = dst->phase = CODE_NONE;
    dst->currency = dst->power_of_ten = 0;
    dst->interval_length = 0;
    if (rt == NULL)
        return;
    dst->accumulation = repair_code_of(rt->accumulation);
    dst->commodity = repair_code_of(rt->commodity);
    dst->currency = rt->currency == ESPI_ABSENT ? 0 : repair_code_of(rt->currency);
    dst->kind = repair_code_of(rt->kind);
    dst->phase = repair_code_of(rt->phase);
    dst->power_of_ten = rt->power_of_ten == ESPI_ABSENT ? 0 : repair_code_of(rt->power_of_ten);
    dst->consumption_tier = repair_code_of(rt->consumption_tier);
    dst->data_qualifier = repair_code_of(rt->data_qualifier);
    dst->default_quality = repair_code_of(rt->default_quality);
    dst->time_attribute = repair_code_of(rt->time_attribute);
    dst->tou = repair_code_of(rt->tou);
    dst->cpp = repair_code_of(rt->cpp);
    dst->measuring_period = rt->measuring_period == ESPI_ABSENT ? CODE_NONE : rt->measuring_period;
    if (rt->interval_length > 0 && rt->interval_length <= (int64_t)UINT32_MAX)
        dst->interval_length = (uint32_t)rt->interval_length;
}

/* ------------------------------------------------------------------ */
/* What the ReadingType says wrong, put right (docs/repair.md)          */
/* ------------------------------------------------------------------ */

static bool power_unit(int uom)
{
    return uom == 38 || uom == 61 || uom == 63 || uom == 133; /* W, VA, VAr, BTU/h */
}

/* A rate (W, VA, VAr, BTU/h) is no amount of energy: a ReadingType in one
 * that says kind 12 (energy) is demand (SmartHub's own download labels its
 * kW channel so). It is written as FB_06 and the SmartHub CSV path write
 * demand: W and BTU/h as kind 37 (power), VA and VAr keeping kind 12 as
 * FB_06 has them, accumulationBehaviour 12 (instantaneous): a rate is not
 * deltaData. */
static void fix_demand(repair *rp, const mr_info *m, const espi_reading_type_res *rt,
                       model_reading_type *type)
{
    if (type->kind != 12 || !power_unit(type->uom))
        return;
    bool va = type->uom == 61 || type->uom == 63;
    if (va && type->accumulation == 12)
        return; /* FB_06's own demand ReadingType */
    unsigned long line = rt ? rt->entry.line : m->line;
    repair_note(rp, "repair-demand-kind", T_RT, line,
                "in a unit of power (W, VA, VAr or BTU/h) with kind 12 (energy)",
                va ? "written with accumulationBehaviour 12 (instantaneous): demand as FB_06 "
                     "writes it (kind 12 with VA or VAr)"
                   : "written as kind 37 (power) with accumulationBehaviour 12 (instantaneous): "
                     "demand as FB_06 and the SmartHub CSV path write it",
                "uom %d, accumulationBehaviour %d", type->uom, type->accumulation);
    if (!va)
        type->kind = 37;
    type->accumulation = 12;
}

static void see_currency(repair *rp, int64_t code, unsigned long line)
{
    if (code == ESPI_ABSENT || code <= 0 || code > 999 || rp->currency < 0)
        return;
    if (rp->currency == 0) {
        rp->currency = (int)code;
        rp->currency_line = line;
    } else if (rp->currency != (int)code) {
        rp->currency = -1; /* two currencies: which one a cost is in cannot be told */
    }
}

/* The one currency the file's ReadingTypes and summaries state, if any. */
void repair_find_currency(repair *rp)
{
    rp->currency = 0;
    for (size_t i = 0; i < rp->rts.n; i++) {
        const espi_reading_type_res *rt = rp->rts.items[i];
        see_currency(rp, rt->currency, rt->entry.line);
    }
    for (size_t i = 0; i < rp->sums.n; i++) {
        const espi_usage_summary_res *us = rp->sums.items[i];
        see_currency(rp, us->currency, us->entry.line);
    }
}

static const int energy_units[] = {72, 71, 73, 31, 132, 169}; /* Wh VAh VArh J BTU therm */
static const int volume_units[] = {42, 119, 120, 128, 134};   /* m3 ft3 ft3c US gal L */
static const int temperature_units[] = {6, 23};               /* K degC */

static bool unit_in(int uom, const int *units, size_t n)
{
    if (uom == CODE_NONE)
        return false;
    for (size_t i = 0; i < n; i++)
        if (units[i] == uom)
            return true;
    return false;
}

/* The kind a unit can only be, for a ReadingType whose kind is absent or
 * says energy of a volume (the GBA's water sample: kind 12 in US gallons):
 * 12 (energy), 58 (volume) or 46 (temperature); CODE_NONE when the unit
 * does not tell. */
static int kind_of_unit(int uom)
{
    if (unit_in(uom, energy_units, sizeof energy_units / sizeof energy_units[0]))
        return 12;
    if (unit_in(uom, volume_units, sizeof volume_units / sizeof volume_units[0]))
        return 58;
    if (unit_in(uom, temperature_units, sizeof temperature_units / sizeof temperature_units[0]))
        return 46;
    return CODE_NONE;
}

static void fix_kind(repair *rp, const mr_info *m, const espi_reading_type_res *rt,
                     model_reading_type *type)
{
    int kind = kind_of_unit(type->uom);
    if (kind == CODE_NONE || kind == type->kind ||
        (type->kind != CODE_NONE && !(type->kind == 12 && kind == 58)))
        return;
    const char *action = kind == 12   ? "written as kind 12 (energy), what its unit measures"
                         : kind == 58 ? "written as kind 58 (volume), what its unit measures"
                                      : "written as kind 46 (temperature), what its unit measures";
    repair_note(rp, "repair-kind", T_RT, rt ? rt->entry.line : m->line,
                type->kind == CODE_NONE ? "without a kind"
                                        : "in a unit of volume with kind 12 (energy)",
                action, "uom %d", type->uom);
    type->kind = kind;
}

/* Energy measured over each reading's interval is deltaData: a ReadingType
 * of energy without accumulationBehaviour (UtilityAPI-style files) gets 4,
 * as a ReadingType without flowDirection gets 1. */
static void fix_accumulation(repair *rp, const mr_info *m, const espi_reading_type_res *rt,
                             model_reading_type *type)
{
    if (type->accumulation != CODE_NONE || type->kind != 12 ||
        !unit_in(type->uom, energy_units, sizeof energy_units / sizeof energy_units[0]))
        return;
    repair_note(rp, "repair-accumulation", T_RT, rt ? rt->entry.line : m->line,
                "of energy without an accumulationBehaviour",
                "written as 4 (deltaData: the energy of each reading's interval)", NULL);
    type->accumulation = 4;
}

static bool any_cost(const mr_info *m)
{
    for (size_t i = 0; i < m->n; i++)
        if (m->readings[i].has_cost)
            return true;
    return false;
}

/* A ReadingType without commodity, of a UsagePoint whose ServiceCategory
 * names it (SmartHub's download gives none): the commodity of that
 * service, when the unit is one it is measured in. */
static void fix_commodity(repair *rp, const mr_info *m, const espi_reading_type_res *rt,
                          int service, model_reading_type *type)
{
    static const int electric[] = {72, 71, 73, 38, 61, 63, 133}; /* Wh VAh VArh W VA VAr */
    static const int gas[] = {169, 31, 132, 42, 119, 120};       /* therm J BTU m3 ft3 */
    static const int water[] = {128, 119, 42, 134};              /* US gal ft3 m3 L */
    static const struct {
        int service, commodity;
        const int *units;
        size_t n;
        const char *action; /* kept by the report: a constant */
    } services[] = {
        {0, 1, electric, sizeof electric / sizeof electric[0],
         "written with commodity 1 (electricity), the one its UsagePoint's ServiceCategory 0 "
         "names"},
        {1, 7, gas, sizeof gas / sizeof gas[0],
         "written with commodity 7 (natural gas), the one its UsagePoint's ServiceCategory 1 "
         "names"},
        {2, 9, water, sizeof water / sizeof water[0],
         "written with commodity 9 (potable water), the one its UsagePoint's ServiceCategory 2 "
         "names"},
    };
    if (type->commodity != CODE_NONE)
        return;
    for (size_t i = 0; i < sizeof services / sizeof services[0]; i++) {
        if (services[i].service != service || !unit_in(type->uom, services[i].units, services[i].n))
            continue;
        repair_note(rp, "repair-commodity", T_RT, rt ? rt->entry.line : m->line,
                    "without a commodity", services[i].action, NULL);
        type->commodity = services[i].commodity;
        return;
    }
}

/* A currency qualifies costs: on a ReadingType none of whose readings has
 * one (SmartHub's download states 840 without any cost) it claims costs
 * the data do not give (FB_12 then asks every block for cost). */
static void drop_idle_currency(repair *rp, const mr_info *m, const espi_reading_type_res *rt,
                               model_reading_type *type)
{
    if (type->currency == 0 || any_cost(m))
        return;
    repair_note(rp, "repair-not-carried", T_RT, rt ? rt->entry.line : m->line,
                "with a currency but no reading with a cost",
                "their currency is not carried: it qualifies no amount, and would claim costs "
                "the readings do not give",
                "currency %d", type->currency);
    type->currency = 0;
}

/* Readings with cost need their ReadingType's currency (FB_12): the one
 * the file gives elsewhere (another ReadingType, a summary) is taken when
 * there is exactly one; none is ever guessed. */
static void fix_currency(repair *rp, const mr_info *m, const espi_reading_type_res *rt,
                         model_reading_type *type)
{
    if (type->currency != 0 || !any_cost(m))
        return;
    unsigned long line = rt ? rt->entry.line : m->line;
    if (rp->currency > 0) {
        repair_note(rp, "repair-currency", T_RT, line,
                    "without a currency, whose readings have a cost",
                    "given the currency the rest of the file states", "currency %d (line %lu)",
                    rp->currency, rp->currency_line);
        type->currency = rp->currency;
        return;
    }
    repair_note(rp, "repair-currency-unknown", T_RT, line,
                "without a currency, whose readings have a cost",
                rp->currency < 0 ? "kept without one: the file states several currencies, and "
                                   "which is meant cannot be decided (cost-currency remains)"
                                 : "kept without one: the file states no currency anywhere, and "
                                   "none is guessed (cost-currency remains)",
                NULL);
}

/* What the ReadingType says wrong or leaves unsaid, put right from its unit,
 * its UsagePoint and the rest of the file, each said (docs/repair.md). */
static void fix_reading_type(repair *rp, const mr_info *m, const espi_reading_type_res *rt,
                             int service, model_reading_type *type)
{
    fix_demand(rp, m, rt, type);
    fix_kind(rp, m, rt, type);
    fix_accumulation(rp, m, rt, type);
    fix_commodity(rp, m, rt, service, type);
    fix_currency(rp, m, rt, type);
    drop_idle_currency(rp, m, rt, type);
}

/* The convention of every espi input (docs/repair.md, "Signs"): energy
 * received (flowDirection 19) is written non-negative, as the SmartHub
 * JSON and CSV paths write generation; costs keep their signs (a credit). */
static void fix_reverse_signs(repair *rp, mr_info *m, int flow)
{
    if (flow != 19)
        return;
    for (size_t i = 0; i < m->n; i++) {
        model_reading *r = &m->readings[i];
        if (r->value >= 0)
            continue;
        repair_note(rp, "repair-reverse-sign", T_READING, r->line,
                    "of energy received (flowDirection 19) with a negative value",
                    "made non-negative: espi writes received energy as a magnitude, as its "
                    "SmartHub paths do (costs keep their signs)",
                    "<value>%lld</value>", (long long)r->value);
        r->value = -r->value;
    }
}

static int flow_of(repair *rp, const mr_info *m, const espi_reading_type_res *rt)
{
    if (rt && rt->flow_direction != ESPI_ABSENT && repair_code_of(rt->flow_direction) != CODE_NONE)
        return repair_code_of(rt->flow_direction);
    repair_note(rp, "repair-flow-direction", rt ? T_RT : T_MR, rt ? rt->entry.line : m->line,
                "without a flowDirection", "written as 1 (forward: energy delivered)", NULL);
    return 1;
}

/* The readings move into a channel that has none yet, without a copy;
 * a channel that has some gets them appended. */
static int hand_readings(model_channel *ch, mr_info *m)
{
    if (ch->nreadings == 0 && ch->readings == NULL) {
        ch->readings = m->readings;
        ch->nreadings = m->n;
        ch->cap = m->cap;
        m->readings = NULL;
        m->n = m->cap = 0;
        return 0;
    }
    for (size_t i = 0; i < m->n; i++)
        if (model_channel_append(ch, &m->readings[i]) != 0)
            return -1;
    return 0;
}

/* The MeterReading's readings put right, in their ReadingType's type. */
static void fix_readings(repair *rp, mr_info *m, const espi_reading_type_res *rt,
                         model_reading_type *type)
{
    qsort(m->readings, m->n, sizeof *m->readings, by_start_line);
    drop_repeats(rp, m);
    copy_reading_type(type, rt);
    fill_zero_durations(rp, m, type->interval_length);
    check_interval(rp, m, rt);
}

/* A ReadingType written inside its MeterReading goes with it: written as
 * an entry of its own when the MeterReading's readings are, else not. */
void repair_note_nested(repair *rp, const mr_info *m, bool carried)
{
    const espi_reading_type_res *rt = m->res ? m->res->reading_type : NULL;
    if (rt == NULL || !rt->nested)
        return;
    repair_note(rp, "repair-nested-reading-type", T_MR, rt->entry.line,
                carried ? "ReadingType(s) nested inside a MeterReading"
                        : "ReadingType(s) nested inside a MeterReading without readings",
                carried ? "written as an entry of its own, linked from its MeterReading"
                        : "not carried, with its MeterReading (which holds no readings)",
                NULL);
}

int repair_make_channel(repair *rp, mr_info *m)
{
    const espi_reading_type_res *rt;
    up_info *u;
    const espi_entry *e = m->res ? &m->res->entry : NULL;
    up_query q = {m->res ? m->res->usage_point : NULL, e, m->key, T_MR, m->line, "MeterReading"};
    int rc = repair_resolve_reading_type(rp, m, &rt);
    if (rc == 0)
        rc = repair_resolve_usage_point(rp, &q, &u);
    if (rc != 0)
        return rc;
    model_reading_type type;
    fix_readings(rp, m, rt, &type);
    int flow = flow_of(rp, m, rt);
    int uom = rt ? repair_code_of(rt->uom) : CODE_NONE;
    type.uom = uom;
    fix_reading_type(rp, m, rt, u->model->service_kind, &type);
    fix_reverse_signs(rp, m, flow);
    repair_note_nested(rp, m, true);
    model_channel_key key = model_channel_key_make(m->key, flow, uom);
    key.interval = m->n ? model_readings_usual_duration(m->readings, m->n) : type.interval_length;
    key.tou = type.tou; /* time-of-use channels of one meter stay apart */
    model_channel *ch = model_usage_point_channel(u->model, &key);
    if (ch == NULL)
        return repair_nomem(rp);
    type.flow_direction = flow;
    type.uom = uom;
    if (ch->nreadings > 0 && !same_scale(&ch->rt, &type))
        return repair_fatal(rp, "merge-reading-type", m->line,
                            "this MeterReading's ReadingType (powerOfTenMultiplier %d, kind %d, "
                            "currency %d) differs from the one an earlier input gave the same "
                            "meter reading; their values cannot be merged",
                            type.power_of_ten, type.kind, type.currency);
    ch->rt = type;
    ch->keep_interval = false; /* the converter recomputes it from the readings */
    if ((e && e->title && e->title[0] && model_set_text(&ch->title, e->title) != 0) ||
        hand_readings(ch, m) != 0)
        return repair_nomem(rp);
    rp->carried += ch->nreadings;
    m->carried = true;
    return 0;
}
