/* SPDX-License-Identifier: Apache-2.0 */
/* links.h - how the resources of one Green Button file join: ESPI.md
 * section 3's rule (a child's up link is a related link of its parent),
 * then the layouts other writers use, tried in a fixed order, and at the
 * end of the file its only candidate. graph.c joins with these rules as
 * the file streams; repair (convert/repair) asks them what a join was and
 * joins the resources it makes with them. */
#ifndef LINKS_H
#define LINKS_H

#include "espi.h"

#include <libxml/hash.h>
#include <stdbool.h>
#include <stddef.h>

/* How a child (an IntervalBlock, a MeterReading, a summary) joins its
 * parent, best first. A ReadingType joins its MeterReading by STRICT (a
 * related link of the MeterReading is its self link), SAME_PLACE or ONLY. */
typedef enum links_rule {
    LINKS_NONE = 0,
    LINKS_STRICT,       /* ESPI: the child's up link is a related link of the parent */
    LINKS_UP_SELF,      /* the 2011 format: the child's up link is the parent's self link */
    LINKS_RELATED_SELF, /* Opower: a related link of the parent is the child's self link */
    LINKS_PATH,         /* hierarchical hrefs: the child's self or up href lies below the
                           parent's self href (or its self below a related href) */
    LINKS_SAME_PLACE,   /* the child's up (a MeterReading's related) link names the parent's
                           related (self) link written differently */
    LINKS_ONLY,         /* nothing joins it, and the file holds one candidate (at its end) */
    LINKS_RULES
} links_rule;

/* Where warnings go (graph.c's gate). */
typedef struct links_diag {
    espi_diag_fn fn;
    void *ctx;
    const char *name; /* the file's name */
} links_diag;

/* The resources of one kind, by self and related href, in file order.
 * Every resource struct starts with its espi_entry, so an entry's address
 * is its resource's. */
typedef struct links_index {
    const char *what;  /* "MeterReading", for messages */
    bool self_needed;  /* an entry without a self link is reported */
    bool repeats_said; /* a repeated self link is reported when read (else when a join
                          goes through it) */
    xmlHashTablePtr by_self, by_related;
    xmlHashTablePtr claims, self_claims; /* related and self hrefs two entries claim */
    const espi_entry **items;
    size_t n, cap;
} links_index;

int links_index_init(links_index *ix, const char *what, bool self_needed, bool repeats_said);
void links_index_free(links_index *ix);

/* Adds an entry; a repeated self link, or one missing where it is needed,
 * is reported. Returns 0, or -1 when out of memory (nothing added). */
int links_index_add(links_index *ix, const espi_entry *e, const links_diag *d);

/* Adds an entry that no href may reach (a ReadingType nested in its
 * MeterReading, whose links are the MeterReading's). */
int links_index_keep(links_index *ix, const espi_entry *e);

/* The entry whose self link is href (the first of several). */
const espi_entry *links_by_self(const links_index *ix, const char *href);

/* The parent, in ix, of a child with these up and self hrefs (either may
 * be NULL), by the best rule short of LINKS_ONLY; *rule says which. A
 * related href two parents claim joins the first, and that is said once. */
const espi_entry *links_parent(links_index *ix, links_rule *rule, const char *up, const char *self,
                               const links_diag *d);

/* The same among n parents given as an array, LINKS_ONLY included (when n
 * is 1): what repair asks for a resource it made. */
const espi_entry *links_pick(links_rule *rule, const char *up, const char *self,
                             const espi_entry *const *parents, size_t n);

/* The rule by which a child with these hrefs joins this parent (LINKS_NONE
 * when none holds: the join can only have been LINKS_ONLY). */
links_rule links_rule_of(const char *up, const char *self, const espi_entry *parent);

/* The ReadingType, in rts, of a MeterReading: the one a related link names
 * (LINKS_STRICT), else the only one a related link names written
 * differently (LINKS_SAME_PLACE). */
const espi_entry *links_reading_type(const links_index *rts, links_rule *rule,
                                     const espi_entry *mr);

/* How a MeterReading joins a ReadingType (LINKS_NONE: only as the spare). */
links_rule links_reading_type_rule(const espi_entry *mr, const espi_entry *rt);

/* The only one of n ReadingTypes that none of the nused pointers (the
 * ReadingTypes the MeterReadings joined) is; NULL when none or several. */
const espi_entry *links_spare(const espi_entry *const *rts, size_t n, const void *const *used,
                              size_t nused);

/* Says, once per file for each layout (said[rule] remembers), how a child
 * was joined: "this IntervalBlock's up link ... matches no MeterReading's
 * related link; joined to the MeterReading at line 30, whose self link it
 * names (the 2011 format) ...". child and parent are resource names. */
void links_say(bool said[LINKS_RULES], const links_diag *d, links_rule rule, const char *child,
               const espi_entry *c, const char *parent, const espi_entry *p);

#endif
