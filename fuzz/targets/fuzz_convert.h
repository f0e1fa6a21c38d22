/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_convert.h - the converter as espi convert drives it: one input (and
 * optionally a fixed one before it), finish, and the feed written to a
 * memory stream. */
#ifndef FUZZ_CONVERT_H
#define FUZZ_CONVERT_H

#include "fuzz_common.h"

/* Adds data in format; returns the converter's status. */
static inline int fuzz_add(espi_converter *c, const uint8_t *data, size_t size, espi_format format,
                           const char *name)
{
    char *copy;
    FILE *in = fuzz_open_input(data, size, &copy);
    if (in == NULL)
        return ESPI_E_NOMEM;
    espi_error err;
    int rc = espi_converter_add(c, in, name, format, &err);
    if (rc != 0)
        fuzz_touch_error(&err);
    fclose(in);
    free(copy);
    return rc;
}

/* Finishes the conversion and writes the feed to memory. */
static inline void fuzz_finish_and_write(espi_converter *c)
{
    espi_error err;
    espi_feed *feed = NULL;
    if (espi_converter_finish(c, &feed, &err) != 0) {
        fuzz_touch_error(&err);
        return;
    }
    espi_feed_stats st;
    espi_feed_stats_get(&st, feed);
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    if (out != NULL) {
        espi_write_options wo;
        espi_write_options_init(&wo);
        if (espi_feed_write_xml(out, "<fuzz-out>", feed, &wo, &err) != 0)
            fuzz_touch_error(&err);
        fclose(out);
    }
    free(buf);
    espi_feed_free(feed);
}

/* Converts `before` (may be NULL) and then the fuzzer's input. */
static inline int fuzz_convert(const uint8_t *data, size_t size, espi_format format,
                               const char *before, espi_format before_format, int before_last)
{
    espi_convert_options co;
    espi_convert_options_init(&co);
    co.tz = fuzz_tz();
    co.on_diag = fuzz_on_diag;
    espi_converter *c = NULL;
    espi_error err;
    if (espi_converter_new(&c, &co, &err) != 0)
        abort();
    int rc = 0;
    if (before != NULL && !before_last)
        rc = fuzz_add(c, (const uint8_t *)before, strlen(before), before_format, "fixed.json");
    if (rc == 0)
        rc = fuzz_add(c, data, size, format, "fuzz-input");
    if (rc == 0 && before != NULL && before_last)
        rc = fuzz_add(c, (const uint8_t *)before, strlen(before), before_format, "fixed.json");
    if (rc == 0)
        fuzz_finish_and_write(c);
    espi_converter_free(c);
    return 0;
}

#endif
