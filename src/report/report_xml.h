/* SPDX-License-Identifier: Apache-2.0 */
/* report_xml.h - one file's totals as the report XML (docs/report-format.md). */
#ifndef REPORT_XML_H
#define REPORT_XML_H

#include "report/aggregate.h"

#include <libxml/tree.h>

#define REPORT_NS "urn:x-espi:report:1"

/* The periods the report needs from the engine. */
#define REPORT_PERS (AGG_BIT(AGG_HOUR) | AGG_BIT(AGG_DAY) | AGG_BIT(AGG_MONTH))

/* Hours kept per series: the heat map's last year (load_shape.h's 366
 * days) and a margin of two days, 25 hours each at most. */
#define REPORT_HOURS_KEPT ((366 + 2) * 25)

/* Where elements are added to the report's tree: built directly with
 * libxml2's tree functions (its text writer costs several times more for
 * the thousands of elements of a year); failed once an allocation did. */
typedef struct xml_cursor {
    xmlNodePtr node; /* the open element */
    xmlNsPtr ns;     /* the report namespace, of every element */
    bool failed;
} xml_cursor;

/* Opens a child element of the open one; xml_end closes it. */
void xml_start(xml_cursor *w, const char *name);
void xml_end(xml_cursor *w);

/* An attribute of the open element; none for NULL or "". */
void xml_attr(xml_cursor *w, const char *name, const char *value);

/* Writes <source> and the file's <usagePoint>s; called when the feed ends,
 * while the reader's usage points are still valid. Returns 0, or
 * ESPI_E_NOMEM (w->failed too when an element could not be made). */
int report_xml_file(agg *a, xml_cursor *w, const char *name, const espi_feed_res *feed);

#endif
