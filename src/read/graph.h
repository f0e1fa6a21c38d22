/* SPDX-License-Identifier: Apache-2.0 */
/* graph.h - the resources of one Green Button file as they are read: the
 * small ones kept, joined by href (docs/standard.md section 3, and the
 * layouts of links.h), and readings handed
 * to the caller as soon as their context is known or, when it never is,
 * at the end. reader.c parses; this module stores, joins and delivers. */
#ifndef GRAPH_H
#define GRAPH_H

#include "espi.h"

#include <stdbool.h>
#include <stddef.h>

/* Readings held back for blocks that cannot be joined yet, at the most
 * (unless the caller says otherwise); beyond that the oldest are handed
 * over unjoined. A held reading takes 80 bytes, and a held block counts as
 * 6 more readings: 200,000 are about 16 MB. */
#define GRAPH_MAX_HELD 200000

typedef struct graph graph;
struct hold_group;

/* A block being read, or held back: its entry, interval and readings. */
typedef struct graph_block {
    espi_interval_block_res res;
    espi_interval_reading_res *held; /* readings not delivered yet */
    size_t nheld, cap;
    bool delivering; /* readings go straight out (joined, or given up on) */
    /* while held back: the file-wide queue, oldest first, and the group of
     * blocks with the same up href, or without one the same self href
     * (they join together) */
    struct graph_block *prev, *next, *gnext;
    struct hold_group *group;
} graph_block;

typedef struct graph_callbacks {
    espi_resource_fn fn;
    void *ctx;
    espi_diag_fn on_diag;
    void *diag_ctx;
    const char *name; /* the file's name, for messages */
    size_t max_held;  /* 0: GRAPH_MAX_HELD */
} graph_callbacks;

graph *graph_new(const graph_callbacks *cb);
void graph_free(graph *g);

/* The caller's return value when it asked to stop, else 0. */
int graph_stopped(const graph *g);

/* Small resources: the graph takes ownership, joins and delivers them. */
int graph_add_usage_point(graph *g, espi_usage_point_res *up);
int graph_add_meter_reading(graph *g, espi_meter_reading_res *mr, espi_reading_type_res *nested);
int graph_add_reading_type(graph *g, espi_reading_type_res *rt);
int graph_add_ltp(graph *g, espi_ltp_res *ltp);
int graph_add_usage_summary(graph *g, espi_usage_summary_res *us);
int graph_add_quality_summary(graph *g, espi_quality_summary_res *qs);
int graph_add_other(graph *g, const char *name, espi_other_res *other);

/* A block's life: begin (its links so far known), readings, end (its entry
 * complete). The graph owns the block from begin on. */
graph_block *graph_block_begin(graph *g, espi_interval_block_res *res);
int graph_block_reading(graph *g, graph_block *b, const espi_interval_reading_res *r);
int graph_block_end(graph *g, graph_block *b);

/* Frees a block whose entry never ended (the file stopped). */
void graph_block_abort(graph *g, graph_block *b);

/* Hands over everything still held back, then the feed. */
int graph_finish(graph *g, espi_feed_res *feed);

/* Readings and summaries read but not handed over yet (for the message
 * when a file stops early). */
size_t graph_pending_readings(const graph *g);
size_t graph_pending_summaries(const graph *g);

/* Frees the strings of an entry (the graph's resources own theirs). */
void graph_entry_clear(espi_entry *e);

/* Frees what a summary owns beyond its entry: texts, line items, tariff
 * riders. */
void graph_summary_clear(espi_usage_summary_res *us);

#endif
