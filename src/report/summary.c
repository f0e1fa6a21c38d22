/* SPDX-License-Identifier: Apache-2.0 */
/* summary.c - espi summary: the totals of the engine (aggregate.c) as
 * rows of text, CSV or JSON (docs/summary-format.md), one file's rows
 * when it ends. */
#include "common/decimal.h"
#include "common/error.h"
#include "common/outbuf.h"
#include "common/tz.h"
#include "read/reader.h"
#include "report/aggregate.h"
#include "report/channels.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>

struct espi_summarizer {
    espi_summary_options opts;
    agg *agg;
    agg_per per;
    outbuf *out;
    yajl_gen gen;
    bool started;
    bool written; /* this file's rows */
};

static const char *const columns[] = {
    "usage_point",    "meter_reading", "commodity",   "kind",
    "flow_direction", "tou",           "period",      "period_start_utc",
    "readings",       "missing",       "value",       "unit",
    "cost",           "currency",      "peak_demand", "peak_demand_unit",
    "peak_start_utc", "estimated",     "min_demand",  "min_demand_start_utc",
};
#define NCOLUMNS (sizeof columns / sizeof columns[0])

static const char *const per_names[] = {"hour", "day", "week", "month", "bill"};

/* ------------------------------------------------------------------ */
/* Rows                                                                */
/* ------------------------------------------------------------------ */

typedef struct cells {
    const char *v[NCOLUMNS]; /* NULL: empty */
    bool number[NCOLUMNS];   /* an integer (JSON writes it as a number) */
    char buf[NCOLUMNS][100];
} cells;

static void set_int(cells *c, size_t i, int64_t v)
{
    if (v == ESPI_ABSENT) {
        c->v[i] = NULL;
        return;
    }
    snprintf(c->buf[i], sizeof c->buf[i], "%lld", (long long)v);
    c->v[i] = c->buf[i];
}

static void set_utc(cells *c, size_t i, int64_t t)
{
    if (t == ESPI_ABSENT) {
        c->v[i] = NULL;
        return;
    }
    tz_format_utc(c->buf[i], t);
    c->v[i] = c->buf[i];
}

static void fill_row(cells *c, const agg_series *s, const agg_totals *p)
{
    memset(c->v, 0, sizeof c->v);
    memset(c->number, 0, sizeof c->number);
    c->v[0] = s->usage_point;
    c->v[1] = s->meter_reading;
    set_int(c, 2, s->commodity);
    set_int(c, 3, s->kind);
    set_int(c, 4, s->flow_direction);
    set_int(c, 5, s->tou);
    for (size_t i = 2; i <= 5; i++)
        c->number[i] = true;
    c->v[6] = p->label[0] ? p->label : NULL; /* empty: readings in no billing period */
    set_utc(c, 7, p->start);
    set_int(c, 8, p->readings);
    set_int(c, 9, p->missing);
    c->number[8] = c->number[9] = true;
    if (p->has_value && !p->value_overflow) {
        dec_format_n(c->buf[10], sizeof c->buf[10], p->value, -s->power);
        c->v[10] = c->buf[10];
    }
    c->v[11] = s->unit;
    if (p->has_cost && !p->cost_overflow) {
        dec_format_n(c->buf[12], sizeof c->buf[12], p->cost, 5);
        c->v[12] = c->buf[12];
    }
    const char *cur = s->currency != ESPI_ABSENT ? espi_currency_alpha(s->currency) : NULL;
    if (cur)
        c->v[13] = cur;
    else
        set_int(c, 13, s->currency);
    if (p->has_peak && s->unit) {
        dec_format_n(c->buf[14], sizeof c->buf[14], p->peak, 3);
        c->v[14] = c->buf[14];
        agg_demand_unit(c->buf[15], sizeof c->buf[15], s->unit);
        c->v[15] = c->buf[15];
        set_utc(c, 16, p->peak_start);
    }
    set_int(c, 17, p->estimated);
    c->number[17] = true;
    if (p->has_min && s->unit) {
        dec_format_n(c->buf[18], sizeof c->buf[18], p->min, 3);
        c->v[18] = c->buf[18];
        set_utc(c, 19, p->min_start);
    }
}

static void csv_row(espi_summarizer *m, const cells *c)
{
    for (size_t i = 0; i < NCOLUMNS; i++) {
        if (i)
            outbuf_putc(m->out, ',');
        if (c->v[i])
            outbuf_put_csv(m->out, c->v[i]);
    }
    outbuf_putc(m->out, '\n');
}

static void json_str(yajl_gen g, const char *s)
{
    yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

static void json_row(espi_summarizer *m, const cells *c)
{
    yajl_gen_map_open(m->gen);
    for (size_t i = 0; i < NCOLUMNS; i++) {
        json_str(m->gen, columns[i]);
        if (c->v[i] == NULL)
            yajl_gen_null(m->gen);
        else if (c->number[i])
            yajl_gen_number(m->gen, c->v[i], strlen(c->v[i]));
        else
            json_str(m->gen, c->v[i]);
    }
    yajl_gen_map_close(m->gen);
}

static void text_heading(espi_summarizer *m, const agg_series *s)
{
    char line[600];
    char tou[32] = "";
    if (s->tou != ESPI_ABSENT)
        snprintf(tou, sizeof tou, ", tou %lld", (long long)s->tou);
    snprintf(line, sizeof line, "\n%s / %s (commodity %lld, kind %lld, flow %lld%s)\n",
             s->usage_point ? s->usage_point : "(no usage point)",
             s->meter_reading                   ? s->meter_reading
             : s->flow_direction == 4 && !s->mr ? "net: delivered - received"
                                                : "(no meter reading)",
             (long long)(s->commodity == ESPI_ABSENT ? -1 : s->commodity),
             (long long)(s->kind == ESPI_ABSENT ? -1 : s->kind),
             (long long)(s->flow_direction == ESPI_ABSENT ? -1 : s->flow_direction), tou);
    outbuf_puts(m->out, line);
    snprintf(line, sizeof line, "  %-22s %8s %7s %9s %20s %-6s %14s %-4s %16s %-6s %s\n", "period",
             "readings", "missing", "estimated", "value", "unit", "cost", "", "peak", "",
             "peak at (UTC)");
    outbuf_puts(m->out, line);
}

static void text_row(espi_summarizer *m, const cells *c)
{
    char line[700];
#define T(i) (c->v[i] ? c->v[i] : "")
    snprintf(line, sizeof line, "  %-22s %8s %7s %9s %20s %-6s %14s %-4s %16s %-6s %s\n",
             c->v[6] && c->v[6][0] ? c->v[6] : "(none)", T(8), T(9), T(17), T(10), T(11), T(12),
             T(13), T(14), T(15), T(16));
#undef T
    outbuf_puts(m->out, line);
}

static void write_rows(espi_summarizer *m, const agg_series *s, const agg_periods *ps)
{
    if (m->opts.format == ESPI_SUMMARY_TEXT)
        text_heading(m, s);
    for (size_t k = 0; k < ps->n; k++) {
        cells c;
        fill_row(&c, s, &ps->p[k]);
        if (m->opts.format == ESPI_SUMMARY_CSV)
            csv_row(m, &c);
        else if (m->opts.format == ESPI_SUMMARY_JSON)
            json_row(m, &c);
        else
            text_row(m, &c);
    }
}

/* The rows of s for the summary's period (billing periods added up from
 * quarter hours). */
static int write_series(espi_summarizer *m, const agg_series *s, bool *outside)
{
    if (m->per != AGG_SLOT) {
        write_rows(m, s, &s->per[m->per]);
        return 0;
    }
    agg_periods bills;
    if (agg_bill_totals(m->agg, s, &bills, outside) != 0)
        return ESPI_E_NOMEM;
    write_rows(m, s, &bills);
    free(bills.p);
    return 0;
}

/* For a net-metered usage point, rows of delivered minus received: flow
 * direction 4 (net), no meter reading, no tou. */
static int write_net_rows(espi_summarizer *m, const void *up, bool *outside)
{
    up_channels c;
    int rc = up_channels_make(&c, m->agg, up, m->per);
    if (rc != 0 || !c.net_metered) {
        up_channels_free(&c);
        return rc;
    }
    agg_periods d = {0}, r = {0}, n = {0};
    agg_series net = *c.delivered->first;
    if (channel_periods(c.delivered, m->per, &d) != 0 ||
        channel_periods(c.received, m->per, &r) != 0 ||
        net_periods(&d, c.delivered->first->power, &r, c.received->first->power, &n, &net.power) !=
            0)
        rc = ESPI_E_NOMEM;
    if (rc == 0) {
        net.mr = NULL;
        net.meter_reading = NULL;
        net.tou = ESPI_ABSENT;
        net.flow_direction = 4;
        memset(net.per, 0, sizeof net.per);
        net.per[m->per] = n;
        rc = write_series(m, &net, outside);
    }
    free(d.p);
    free(r.p);
    free(n.p);
    up_channels_free(&c);
    return rc;
}

static int write_all_series(espi_summarizer *m, bool *outside)
{
    size_t n = agg_count(m->agg);
    for (size_t i = 0; i < n; i++) {
        const agg_series *s = agg_series_at(m->agg, i);
        if (write_series(m, s, outside) != 0)
            return ESPI_E_NOMEM;
        const agg_series *next = agg_series_at(m->agg, i + 1);
        if ((next == NULL || next->up != s->up) && s->up && write_net_rows(m, s->up, outside) != 0)
            return ESPI_E_NOMEM;
    }
    return 0;
}

static void write_file_rows(espi_summarizer *m)
{
    agg_sort(m->agg);
    bool outside = false;
    if (write_all_series(m, &outside) != 0) {
        m->out->failed = true;
        m->out->err_no = ENOMEM;
        return;
    }
    if (outside)
        agg_warn(m->agg, "summary-no-bill", 0,
                 "some readings are in no billing period (UsageSummary) of their usage point; "
                 "they are totalled in rows with an empty period");
}

/* ------------------------------------------------------------------ */
/* Public                                                              */
/* ------------------------------------------------------------------ */

static int on_resource(const espi_resource *res, void *ctx)
{
    espi_summarizer *m = ctx;
    if (res->kind == ESPI_RES_FEED) {
        write_file_rows(m);
        m->written = true;
    } else if (agg_take(m->agg, res) != 0) {
        return ESPI_E_NOMEM;
    }
    return m->out->failed ? ESPI_E_IO : 0;
}

static int write_failed(espi_summarizer *m, espi_error *err)
{
    char reason[128];
    err_strerror(m->out->err_no, reason, sizeof reason);
    err_loc loc = {"<output>", 0, 0, NULL};
    return err_fail(err, ESPI_E_IO, "write", &loc, "cannot write the output: %s", reason);
}

static void print_json(void *ctx, const char *s, size_t len)
{
    outbuf_put(ctx, s, len);
}

static void start(espi_summarizer *m)
{
    if (m->started)
        return;
    m->started = true;
    if (m->opts.format == ESPI_SUMMARY_CSV) {
        for (size_t i = 0; i < NCOLUMNS; i++) {
            if (i)
                outbuf_putc(m->out, ',');
            outbuf_puts(m->out, columns[i]);
        }
        outbuf_putc(m->out, '\n');
    } else if (m->opts.format == ESPI_SUMMARY_JSON) {
        yajl_gen_map_open(m->gen);
        json_str(m->gen, "version");
        yajl_gen_integer(m->gen, 1);
        json_str(m->gen, "per");
        json_str(m->gen, per_names[m->opts.per]);
        json_str(m->gen, "rows");
        yajl_gen_array_open(m->gen);
    }
}

int espi_summarizer_add(espi_summarizer *m, FILE *in, const char *name, espi_error *err)
{
    start(m);
    agg_begin(m->agg, name);
    espi_read_options ro = {m->opts.on_diag, m->opts.diag_ctx, m->opts.chunk_size, 0};
    m->written = false;
    int rc = reader_run(in, name, &ro, NULL, on_resource, m, err);
    if (rc == 0 && !m->written)
        write_file_rows(m);
    agg_end(m->agg);
    if (m->out->failed)
        return write_failed(m, err);
    return rc;
}

void espi_summary_options_init(espi_summary_options *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->per = ESPI_SUMMARY_MONTH;
    opts->format = ESPI_SUMMARY_TEXT;
}

int espi_summarizer_new(espi_summarizer **out, FILE *dest, const espi_summary_options *opts,
                        espi_error *err)
{
    *out = NULL;
    espi_summary_options defaults;
    if (opts == NULL) {
        espi_summary_options_init(&defaults);
        opts = &defaults;
    }
    if ((unsigned)opts->per > ESPI_SUMMARY_BILL)
        return err_fail(err, ESPI_E_ARG, "per", NULL,
                        "unknown period %d: expected hour, day, week, month or bill",
                        (int)opts->per);
    espi_summarizer *m = calloc(1, sizeof *m);
    if (m == NULL || (m->out = malloc(sizeof *m->out)) == NULL) {
        free(m);
        return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    }
    m->opts = *opts;
    outbuf_init(m->out, dest);
    static const agg_per pers[] = {AGG_HOUR, AGG_DAY, AGG_WEEK, AGG_MONTH, AGG_SLOT};
    m->per = pers[opts->per];
    agg_options ao = {.pers = AGG_BIT(m->per),
                      .tz = opts->tz,
                      .unit = opts->unit,
                      .on_diag = opts->on_diag,
                      .diag_ctx = opts->diag_ctx};
    int rc = agg_new(&m->agg, &ao, err);
    if (rc != 0) {
        espi_summarizer_free(m);
        return rc;
    }
    if (opts->format == ESPI_SUMMARY_JSON) {
        m->gen = yajl_gen_alloc(NULL);
        if (m->gen == NULL) {
            espi_summarizer_free(m);
            return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
        }
        yajl_gen_config(m->gen, yajl_gen_print_callback, print_json, m->out);
    }
    *out = m;
    return 0;
}

int espi_summarizer_finish(espi_summarizer *m, espi_error *err)
{
    start(m);
    if (m->opts.format == ESPI_SUMMARY_JSON) {
        yajl_gen_array_close(m->gen);
        yajl_gen_map_close(m->gen);
        outbuf_putc(m->out, '\n');
    }
    if (!outbuf_flush(m->out) || fflush(m->out->f) != 0) {
        if (m->out->err_no == 0)
            m->out->err_no = errno;
        return write_failed(m, err);
    }
    return 0;
}

void espi_summarizer_free(espi_summarizer *m)
{
    if (m == NULL)
        return;
    agg_free(m->agg);
    if (m->gen)
        yajl_gen_free(m->gen);
    free(m->out);
    free(m);
}
