/* SPDX-License-Identifier: Apache-2.0 */
/* usage.c - UsagePoints and their summaries (UsageSummary, and the
 * deprecated ElectricPowerUsageSummary) into the model: what the model
 * keeps is copied, what it has no place for is reported as not carried. */
#include "convert/repair/repair.h"

#include <stdio.h>

int repair_make_usage_point(repair *rp, up_info *u)
{
    const espi_usage_point_res *res = u->res;
    model_usage_point *up = model_feed_usage_point(rp->in->feed, "", u->key);
    if (up == NULL)
        return repair_nomem(rp);
    u->model = up;
    int kind = repair_code_of(res->service_kind);
    if (kind == CODE_NONE || kind < 0 || kind > 65535) {
        repair_note(rp, "repair-service-kind", T_UP, res->entry.line,
                    "without a usable ServiceCategory kind", "written as 0 (electricity)", NULL);
        kind = 0;
    }
    up->service_kind = kind;
    if ((res->entry.title && res->entry.title[0] && model_set_text(&up->title, res->entry.title)) ||
        (u->tariff && u->tariff[0] && model_set_text(&up->tariff_profile, u->tariff)) ||
        (u->read_cycle && u->read_cycle[0] && model_set_text(&up->read_cycle, u->read_cycle)))
        return repair_nomem(rp);
    return 0;
}

/* A UsagePoint of the file that got no readings and no summaries is not
 * written (the merge drops a usage point without data): said here. */
void repair_note_empty_usage_points(repair *rp)
{
    for (size_t i = 0; i < rp->nups; i++) {
        const up_info *u = rp->ups[i];
        if (u->res == NULL || u->model == NULL || u->model->nchannels > 0 ||
            u->model->nsummaries > 0)
            continue;
        repair_note(rp, "repair-not-carried", T_UP, u->res->entry.line,
                    "without readings or summaries",
                    "not carried: a UsagePoint entry without data only breaks the feed's rules",
                    "%s", u->key);
    }
}

/* ------------------------------------------------------------------ */
/* Summaries                                                           */
/* ------------------------------------------------------------------ */

static const char *const other_measurements[] = {
    "currentDayLastYearNetConsumption",      "currentDayNetConsumption",
    "currentDayOverallConsumption",          "peakDemand",
    "previousDayLastYearOverallConsumption", "previousDayNetConsumption",
    "previousDayOverallConsumption",         "ratchetDemand",
};

static bool measurement_given(const espi_summary_measurement *m)
{
    return m->value != ESPI_ABSENT || m->uom != ESPI_ABSENT || m->time_stamp != ESPI_ABSENT ||
           m->power_of_ten != ESPI_ABSENT;
}

static void copy_measure(model_measure *out, const espi_summary_measurement *m)
{
    out->present = m->value != ESPI_ABSENT;
    out->value = m->value == ESPI_ABSENT ? 0 : m->value;
    out->power_of_ten = m->power_of_ten == ESPI_ABSENT ? 0 : repair_code_of(m->power_of_ten);
    out->uom = repair_code_of(m->uom);
    out->time_stamp = m->time_stamp == ESPI_ABSENT ? ESPI_TIME_UNSET : m->time_stamp;
}

/* What the model has no place for: said once per field. */
static void note_summary_extras(repair *rp, const espi_usage_summary_res *us)
{
    const espi_summary_measurement *ms[] = {&us->current_day_last_year_net_consumption,
                                            &us->current_day_net_consumption,
                                            &us->current_day_overall_consumption,
                                            &us->peak_demand,
                                            &us->previous_day_last_year_overall_consumption,
                                            &us->previous_day_net_consumption,
                                            &us->previous_day_overall_consumption,
                                            &us->ratchet_demand};
    for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++) {
        if (!measurement_given(ms[i]))
            continue;
        char what[96];
        snprintf(what, sizeof what, "<%s> element(s)", other_measurements[i]);
        repair_note(rp, "repair-not-carried", T_SUMMARY, us->entry.line, what,
                    "not carried: the feed model keeps overallConsumptionLastPeriod and "
                    "currentBillingPeriodOverAllConsumption",
                    NULL);
    }
    if (us->line_items > 0)
        repair_note(rp, "repair-not-carried", T_SUMMARY, us->entry.line,
                    "with <costAdditionalDetailLastPeriod> line items",
                    "not carried: the feed model keeps costAdditionalLastPeriod, their total",
                    NULL);
    if (us->deprecated)
        repair_note(rp, "repair-deprecated-name", T_SUMMARY, us->entry.line,
                    "ElectricPowerUsageSummary (deprecated) resource(s)", "written as UsageSummary",
                    NULL);
}

static bool bill_ok(int64_t v)
{
    return v == ESPI_ABSENT || repair_int48(v);
}

/* The bills, each given or not (absent is not 0). */
static void copy_bills(model_summary *s, const espi_usage_summary_res *us)
{
    s->has_bill_last_period = us->bill_last_period != ESPI_ABSENT;
    s->bill_last_period = s->has_bill_last_period ? us->bill_last_period : 0;
    s->has_bill_to_date = us->bill_to_date != ESPI_ABSENT;
    s->bill_to_date = s->has_bill_to_date ? us->bill_to_date : 0;
    s->has_cost_additional = us->cost_additional_last_period != ESPI_ABSENT;
    s->cost_additional = s->has_cost_additional ? us->cost_additional_last_period : 0;
    s->currency = us->currency == ESPI_ABSENT ? 0 : repair_code_of(us->currency);
}

static int fill_summary(repair *rp, const espi_usage_summary_res *us, model_summary *s)
{
    model_summary_init(s);
    if (!bill_ok(us->bill_last_period) || !bill_ok(us->bill_to_date) ||
        !bill_ok(us->cost_additional_last_period))
        return repair_fatal(rp, "repair-int48", us->entry.line,
                            "this summary's bill is beyond ESPI's 48-bit range");
    if (us->billing_start != ESPI_ABSENT) {
        s->billing_start = us->billing_start;
        s->billing_duration = us->billing_duration > 0 && us->billing_duration <= UINT32_MAX
                                  ? (uint32_t)us->billing_duration
                                  : 0;
    }
    copy_bills(s, us);
    copy_measure(&s->overall, &us->overall_consumption_last_period);
    copy_measure(&s->current, &us->current_billing_period_overall_consumption);
    s->quality = repair_code_of(us->quality_of_reading);
    s->status_time = us->status_time_stamp == ESPI_ABSENT ? ESPI_TIME_UNSET : us->status_time_stamp;
    s->commodity = repair_code_of(us->commodity);
    s->tariff_profile =
        (char *)(uintptr_t)us->tariff_profile; /* copied by model_usage_point_add_summary */
    s->read_cycle = (char *)(uintptr_t)us->read_cycle;
    s->title = us->entry.title && us->entry.title[0] ? (char *)(uintptr_t)us->entry.title : NULL;
    s->line = us->entry.line > UINT32_MAX ? UINT32_MAX : (uint32_t)us->entry.line;
    s->source = rp->in->source;
    return 0;
}

static bool summary_says_something(const model_summary *s)
{
    return s->billing_start != ESPI_TIME_UNSET || s->has_bill_last_period || s->has_bill_to_date ||
           s->has_cost_additional || s->overall.present || s->current.present;
}

/* statusTimeStamp is required: a summary without one is as of the end of
 * its billing period. */
static bool fix_status_time(repair *rp, model_summary *s, unsigned long line)
{
    if (s->status_time != ESPI_TIME_UNSET)
        return true;
    if (s->billing_start == ESPI_TIME_UNSET)
        return false;
    s->status_time = s->billing_start + s->billing_duration;
    repair_note(rp, "repair-status-time", T_SUMMARY, line, "without a statusTimeStamp",
                "given the end of their billing period", NULL);
    return true;
}

/* A bill without its currency gets the one the file states elsewhere, as
 * readings with cost do (repair/readings.c); none is guessed. */
static void fix_summary_currency(repair *rp, model_summary *s, unsigned long line)
{
    if (s->currency != 0 ||
        !(s->has_bill_last_period || s->has_bill_to_date || s->has_cost_additional))
        return;
    if (rp->currency > 0) {
        repair_note(rp, "repair-currency", T_SUMMARY, line, "with a bill but without a currency",
                    "given the currency the rest of the file states", "currency %d (line %lu)",
                    rp->currency, rp->currency_line);
        s->currency = rp->currency;
        return;
    }
    repair_note(rp, "repair-currency-unknown", T_SUMMARY, line,
                "with a bill but without a currency",
                rp->currency < 0 ? "kept without one: the file states several currencies"
                                 : "kept without one: the file states no currency anywhere, and "
                                   "none is guessed",
                NULL);
}

int repair_add_summary(repair *rp, const espi_usage_summary_res *us)
{
    model_summary s;
    int rc = fill_summary(rp, us, &s);
    if (rc != 0)
        return rc;
    if (!summary_says_something(&s) || !fix_status_time(rp, &s, us->entry.line)) {
        repair_note(rp, "repair-not-carried", T_SUMMARY, us->entry.line,
                    summary_says_something(&s) ? "without a statusTimeStamp or billing period"
                                               : "without a billing period or any amount",
                    "not carried: there is nothing to date or say", NULL);
        return 0;
    }
    up_info *u;
    up_query q = {us->usage_point,
                  &us->entry,
                  NULL,
                  T_SUMMARY,
                  us->entry.line,
                  us->deprecated ? "ElectricPowerUsageSummary" : "UsageSummary"};
    if ((rc = repair_resolve_usage_point(rp, &q, &u)) != 0)
        return rc;
    note_summary_extras(rp, us);
    fix_summary_currency(rp, &s, us->entry.line);
    if (model_usage_point_add_summary(u->model, &s) != 0)
        return repair_nomem(rp);
    rp->carried++;
    return 0;
}
