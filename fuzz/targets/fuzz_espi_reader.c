/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_espi_reader.c - espi dump's reader: espi_read with a callback that
 * reads every field of every resource, then espi_dumper over the same input
 * (format and rows chosen by the input's length) into a memory stream. */
#include "fuzz_common.h"

typedef struct touch {
    uint64_t sum; /* every number folded in, so nothing is optimised away */
    size_t chars;
} touch;

static void touch_str(touch *t, const char *s)
{
    if (s != NULL)
        t->chars += strlen(s);
}

static void touch_num(touch *t, int64_t v)
{
    t->sum = t->sum * 31u + (uint64_t)v;
}

static void touch_entry(touch *t, const espi_entry *e)
{
    touch_str(t, e->id);
    touch_str(t, e->title);
    touch_str(t, e->published);
    touch_str(t, e->updated);
    for (size_t i = 0; i < e->nlinks; i++) {
        touch_str(t, e->links[i].rel);
        touch_str(t, e->links[i].href);
        touch_str(t, e->links[i].type);
    }
    touch_str(t, e->self);
    touch_str(t, e->up);
    touch_num(t, (int64_t)e->line);
}

static void touch_ltp(touch *t, const espi_ltp_res *l)
{
    if (l == NULL)
        return;
    touch_entry(t, &l->entry);
    touch_num(t, l->dst_end_rule);
    touch_num(t, l->dst_offset);
    touch_num(t, l->dst_start_rule);
    touch_num(t, l->tz_offset);
}

static void touch_up(touch *t, const espi_usage_point_res *u)
{
    if (u == NULL)
        return;
    touch_entry(t, &u->entry);
    touch_num(t, u->service_kind);
    touch_num(t, u->status);
    touch_ltp(t, u->ltp);
}

static void touch_rt(touch *t, const espi_reading_type_res *r)
{
    if (r == NULL)
        return;
    touch_entry(t, &r->entry);
    const int64_t v[] = {r->accumulation,
                         r->commodity,
                         r->consumption_tier,
                         r->currency,
                         r->data_qualifier,
                         r->default_quality,
                         r->flow_direction,
                         r->interval_length,
                         r->kind,
                         r->phase,
                         r->power_of_ten,
                         r->time_attribute,
                         r->tou,
                         r->uom,
                         r->cpp,
                         r->measuring_period,
                         r->nested};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        touch_num(t, v[i]);
}

static void touch_mr(touch *t, const espi_meter_reading_res *m)
{
    if (m == NULL)
        return;
    touch_entry(t, &m->entry);
    touch_up(t, m->usage_point);
    touch_rt(t, m->reading_type);
}

static void touch_block(touch *t, const espi_interval_block_res *b)
{
    if (b == NULL)
        return;
    touch_entry(t, &b->entry);
    touch_num(t, b->duration);
    touch_num(t, b->start);
    touch_num(t, (int64_t)b->line);
    touch_mr(t, b->meter_reading);
}

static void touch_reading(touch *t, const espi_interval_reading_res *r)
{
    const int64_t v[] = {r->start, r->duration, r->value,
                         r->cost,  r->quality,  r->consumption_tier,
                         r->tou,   r->cpp,      (int64_t)r->line};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        touch_num(t, v[i]);
    touch_block(t, r->block);
}

static void touch_measure(touch *t, const espi_summary_measurement *m)
{
    touch_num(t, m->power_of_ten);
    touch_num(t, m->time_stamp);
    touch_num(t, m->uom);
    touch_num(t, m->value);
}

static void touch_summary(touch *t, const espi_usage_summary_res *s)
{
    touch_entry(t, &s->entry);
    const int64_t v[] = {s->deprecated,       s->billing_start,      s->billing_duration,
                         s->bill_last_period, s->bill_to_date,       s->cost_additional_last_period,
                         s->currency,         s->quality_of_reading, s->status_time_stamp,
                         s->commodity,        (int64_t)s->line_items};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        touch_num(t, v[i]);
    const espi_summary_measurement *m[] = {&s->overall_consumption_last_period,
                                           &s->current_billing_period_overall_consumption,
                                           &s->current_day_last_year_net_consumption,
                                           &s->current_day_net_consumption,
                                           &s->current_day_overall_consumption,
                                           &s->peak_demand,
                                           &s->previous_day_last_year_overall_consumption,
                                           &s->previous_day_net_consumption,
                                           &s->previous_day_overall_consumption,
                                           &s->ratchet_demand};
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
        touch_measure(t, m[i]);
    touch_str(t, s->tariff_profile);
    touch_str(t, s->read_cycle);
    touch_up(t, s->usage_point);
}

static void touch_feed(touch *t, const espi_feed_res *f)
{
    touch_str(t, f->id);
    touch_str(t, f->title);
    touch_str(t, f->updated);
    for (size_t i = 0; i < f->nlinks; i++) {
        touch_str(t, f->links[i].rel);
        touch_str(t, f->links[i].href);
        touch_str(t, f->links[i].type);
    }
    touch_num(t, (int64_t)(f->line + f->entries + f->readings));
}

static int on_resource(const espi_resource *res, void *ctx)
{
    touch *t = ctx;
    touch_str(t, res->name);
    switch (res->kind) {
    case ESPI_RES_USAGE_POINT: touch_up(t, res->u.usage_point); break;
    case ESPI_RES_METER_READING: touch_mr(t, res->u.meter_reading); break;
    case ESPI_RES_READING_TYPE: touch_rt(t, res->u.reading_type); break;
    case ESPI_RES_LOCAL_TIME_PARAMETERS: touch_ltp(t, res->u.ltp); break;
    case ESPI_RES_INTERVAL_BLOCK: touch_block(t, res->u.interval_block); break;
    case ESPI_RES_INTERVAL_READING: touch_reading(t, res->u.reading); break;
    case ESPI_RES_USAGE_SUMMARY: touch_summary(t, res->u.usage_summary); break;
    case ESPI_RES_QUALITY_SUMMARY:
        touch_entry(t, &res->u.quality_summary->entry);
        touch_num(t, res->u.quality_summary->summary_start);
        touch_num(t, res->u.quality_summary->summary_duration);
        touch_up(t, res->u.quality_summary->usage_point);
        break;
    case ESPI_RES_OTHER:
        touch_entry(t, &res->u.other->entry);
        touch_str(t, res->u.other->ns);
        break;
    case ESPI_RES_FEED: touch_feed(t, res->u.feed); break;
    }
    return 0;
}

static void read_all(const uint8_t *data, size_t size)
{
    char *copy;
    FILE *in = fuzz_open_input(data, size, &copy);
    if (in == NULL)
        return;
    espi_read_options ro = {fuzz_on_diag, NULL, 512, 64};
    touch t = {0, 0};
    espi_error err;
    if (espi_read(in, "fuzz-input", &ro, on_resource, &t, &err) != 0)
        fuzz_touch_error(&err);
    fclose(in);
    free(copy);
}

static void dump_all(const uint8_t *data, size_t size)
{
    fuzz_io io;
    if (!fuzz_io_open(&io, data, size))
        return;
    espi_dump_options dopts = {(espi_dump_format)(size % 3),
                               (espi_dump_what)(size / 3 % 4),
                               size % 7 == 0 ? fuzz_tz() : NULL,
                               size % 5 == 0 ? "kWh" : NULL,
                               fuzz_on_diag,
                               NULL,
                               0,
                               size % 2 == 0,
                               size % 11 == 0};
    espi_dumper *d = NULL;
    espi_error err;
    if (io.out != NULL && espi_dumper_new(&d, io.out, &dopts, &err) == 0) {
        if (espi_dumper_add(d, io.in, "fuzz-input", &err) != 0)
            fuzz_touch_error(&err);
        if (espi_dumper_finish(d, &err) != 0)
            fuzz_touch_error(&err);
        espi_dumper_free(d);
    }
    fuzz_io_close(&io);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    read_all(data, size);
    dump_all(data, size);
    return 0;
}
