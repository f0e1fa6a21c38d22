/* SPDX-License-Identifier: Apache-2.0 */
/* report_xml.h - one file's totals as the report XML (docs/report-format.md). */
#ifndef REPORT_XML_H
#define REPORT_XML_H

#include "report/aggregate.h"

#include <libxml/xmlwriter.h>

#define REPORT_NS "urn:x-espi:report:1"

/* The periods the report needs from the engine. */
#define REPORT_PERS (AGG_BIT(AGG_HOUR) | AGG_BIT(AGG_DAY) | AGG_BIT(AGG_MONTH))

/* Hours kept per series: the heat map's last year (load_shape.h's 366
 * days) and a margin of two days, 25 hours each at most. */
#define REPORT_HOURS_KEPT ((366 + 2) * 25)

/* Writes <source> and the file's <usagePoint>s; called when the feed ends,
 * while the reader's usage points are still valid. Returns 0, or
 * ESPI_E_NOMEM (the writer's failures are the caller's to check). */
int report_xml_file(agg *a, xmlTextWriterPtr w, const char *name, const espi_feed_res *feed);

#endif
