/* SPDX-License-Identifier: Apache-2.0 */
/* tally.c - every kind of repair counted per resource type and
 * reported once, after the file is read, at the line of its first
 * occurrence (docs/repair.md); the first error stops the conversion; the
 * reader's own warnings are translated into repairs or passed on. */
#include "convert/repair/repair.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define FORWARD_PER_CODE 10 /* reader warnings passed on per code; then counted */

static const char *const type_names[T_COUNT] = {"feed",
                                                "UsagePoint",
                                                "MeterReading",
                                                "ReadingType",
                                                "LocalTimeParameters",
                                                "IntervalBlock",
                                                "IntervalReading",
                                                "UsageSummary",
                                                "ElectricPowerQualitySummary",
                                                "entry"};

/* ------------------------------------------------------------------ */
/* Errors                                                              */
/* ------------------------------------------------------------------ */

/* The first error stops the conversion; later ones are not kept. */
int repair_fatal(repair *rp, const char *code, unsigned long line, const char *fmt, ...)
{
    if (rp->failed)
        return rp->err->status;
    err_loc loc = {rp->name, line, 0, NULL};
    va_list ap;
    va_start(ap, fmt);
    err_vfail(rp->err, ESPI_E_INPUT, code, &loc, fmt, ap);
    va_end(ap);
    rp->failed = true;
    return ESPI_E_INPUT;
}

int repair_nomem(repair *rp)
{
    if (!rp->failed)
        err_fail(rp->err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    rp->failed = true;
    return rp->err->status;
}

/* ------------------------------------------------------------------ */
/* Tallies                                                             */
/* ------------------------------------------------------------------ */

static tally *tally_of(repair *rp, const char *code, rtype type, const char *what)
{
    for (size_t i = rp->ntallies; i-- > 0;) {
        tally *t = &rp->tallies[i];
        if (t->type == type && strcmp(t->code, code) == 0 && strcmp(t->what, what) == 0)
            return t;
    }
    tally *g = grow_array(rp->tallies, &rp->tallies_cap, rp->ntallies, sizeof *g, 16);
    if (g == NULL)
        return NULL;
    rp->tallies = g;
    tally *t = &g[rp->ntallies];
    *t = (tally){code, type, strdup(what), NULL, NULL, 0, 0, rp->ntallies};
    if (t->what == NULL)
        return NULL;
    rp->ntallies++;
    return t;
}

/* Counts one occurrence of a repair (or of something not carried); the
 * first one's line and description are kept for the report. */
void repair_note(repair *rp, const char *code, rtype type, unsigned long line, const char *what,
                 const char *action, const char *fmt, ...)
{
    tally *t = tally_of(rp, code, type, what);
    if (t == NULL)
        return; /* out of memory: the report is shorter, the conversion goes on */
    if (t->count++ > 0)
        return;
    t->line = line;
    t->action = action;
    if (fmt == NULL)
        return;
    char first[200];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(first, sizeof first, fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof first)
        memcpy(first + sizeof first - 4, "...", 4);
    t->first = strdup(first);
}

static int by_line(const void *a, const void *b)
{
    const tally *x = *(tally *const *)a, *y = *(tally *const *)b;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

static void emit_tally(repair *rp, const tally *t)
{
    err_loc loc = {rp->name, t->line, 0, NULL};
    diag_emit(rp->in->on_diag, rp->in->diag_ctx, ESPI_SEV_WARNING, t->code, &loc,
              "%s: %zu %s%s%s%s; %s", type_names[t->type], t->count, t->what,
              t->first ? " (the first: " : "", t->first ? t->first : "", t->first ? ")" : "",
              t->action ? t->action : "");
}

/* Every tally, in the order of their first lines (in the order they were
 * made when there is no memory to sort), then the reader's warnings beyond
 * the ones passed on. */
void repair_report(repair *rp)
{
    tally **sorted = calloc(rp->ntallies ? rp->ntallies : 1, sizeof *sorted);
    for (size_t i = 0; sorted && i < rp->ntallies; i++)
        sorted[i] = &rp->tallies[i];
    if (sorted)
        qsort(sorted, rp->ntallies, sizeof *sorted, by_line);
    for (size_t i = 0; i < rp->ntallies; i++)
        emit_tally(rp, sorted ? sorted[i] : &rp->tallies[i]);
    free(sorted);
    for (size_t i = 0; i < rp->nfwd; i++) {
        if (rp->fwd[i].n <= FORWARD_PER_CODE)
            continue;
        err_loc loc = {rp->name, 0, 0, NULL};
        diag_emit(rp->in->on_diag, rp->in->diag_ctx, ESPI_SEV_WARNING, rp->fwd[i].code, &loc,
                  "%zu more warning(s) like the ones above", rp->fwd[i].n - FORWARD_PER_CODE);
    }
}

void repair_report_free(repair *rp)
{
    for (size_t i = 0; i < rp->ntallies; i++) {
        free(rp->tallies[i].what);
        free(rp->tallies[i].first);
    }
    free(rp->tallies);
}

/* ------------------------------------------------------------------ */
/* The reader's own warnings                                           */
/* ------------------------------------------------------------------ */

/* Reader warnings about what the output puts right become repairs; those
 * reported in other words (times, joins) are left out; the rest pass. */
typedef struct translation {
    const char *code;
    const char *repair; /* NULL: reported here in other words */
    rtype type;
    const char *what;
    const char *action;
} translation;

static const translation translations[] = {
    {"milliseconds", NULL, T_ENTRY, NULL, NULL},
    {"fractional-number", NULL, T_ENTRY, NULL, NULL},
    {"link-block-no-up", NULL, T_ENTRY, NULL, NULL},
    {"link-block-broken", NULL, T_ENTRY, NULL, NULL},
    {"link-no-reading-type", NULL, T_ENTRY, NULL, NULL},
    {"link-no-usage-point", NULL, T_ENTRY, NULL, NULL},
    {"link-summary-broken", NULL, T_ENTRY, NULL, NULL},
    {"link-ltp-missing", NULL, T_ENTRY, NULL, NULL},
    {"ltp-late", NULL, T_ENTRY, NULL, NULL},
    {"hold-limit", NULL, T_ENTRY, NULL, NULL},
    {"link-layout-2011", NULL, T_ENTRY, NULL, NULL}, /* said as repair-link, per join */
    {"link-layout-opower", NULL, T_ENTRY, NULL, NULL},
    {"link-layout-hierarchical", NULL, T_ENTRY, NULL, NULL},
    {"link-layout-href-form", NULL, T_ENTRY, NULL, NULL},
    {"link-layout-single", NULL, T_ENTRY, NULL, NULL},
    {"link-no-self", "repair-link-self", T_ENTRY, "without a self link",
     "every entry written has one"},
    {"link-duplicate-self", "repair-duplicate-self", T_ENTRY,
     "with the self link of an earlier entry",
     "each resource is written as its own, with links of its own"},
    {"link-ambiguous", "repair-link-ambiguous", T_ENTRY, "related link(s) claimed by two entries",
     "what links up to one is joined to the first, as the reader does; every link written is "
     "unique"},
    {"espi-1x-name", "repair-espi-1x-name", T_UP, "ESPI 1.x element(s) <ServiceDeliveryPoint>",
     "the output uses the ESPI 3.3/4.0 names"},
    {"resource-name-case", "repair-name", T_ENTRY, "resource name(s) spelt in the wrong case",
     "read as the resource they spell and written with its name"},
    {"no-namespace", "repair-namespace", T_ENTRY, "resource(s) without the ESPI namespace",
     "read as ESPI and written in its namespace"},
    {"namespace-inside-resource", "repair-namespace", T_ENTRY,
     "element(s) in no or the Atom namespace inside an ESPI resource",
     "read as ESPI and written in its namespace"},
    {"nested-reading-type", NULL, T_ENTRY, NULL, NULL}, /* said per MeterReading, carried or not */
    {"outside-content", "repair-outside-content", T_ENTRY,
     "resource(s) outside an entry's <content>", "written inside <content>"},
};

/* Passed on as it is, FORWARD_PER_CODE per code; the rest are counted. */
static void forward(repair *rp, const espi_diag *d)
{
    forwarded *f = NULL;
    for (size_t i = 0; i < rp->nfwd && f == NULL; i++)
        if (strcmp(rp->fwd[i].code, d->code) == 0)
            f = &rp->fwd[i];
    if (f == NULL && rp->nfwd < sizeof rp->fwd / sizeof rp->fwd[0]) {
        f = &rp->fwd[rp->nfwd++];
        str_lcpy(f->code, d->code, sizeof f->code);
        f->n = 0;
    }
    if (f && ++f->n > FORWARD_PER_CODE)
        return;
    if (rp->in->on_diag)
        rp->in->on_diag(d, rp->in->diag_ctx);
}

void repair_on_reader_diag(const espi_diag *d, void *ctx)
{
    repair *rp = ctx;
    const char *code = d->code ? d->code : "";
    for (size_t i = 0; i < sizeof translations / sizeof translations[0]; i++) {
        const translation *t = &translations[i];
        if (strcmp(code, t->code) != 0)
            continue;
        if (t->repair)
            repair_note(rp, t->repair, t->type, d->line, t->what, t->action, "%s", d->message);
        return;
    }
    forward(rp, d);
}
