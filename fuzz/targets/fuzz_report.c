/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_report.c - espi summary and espi report: espi_summarizer over the
 * input (period, format, --unit and --tz chosen by the input's length),
 * then espi_reporter as XML, or on some lengths as HTML with the bundled
 * stylesheet (sometimes with --validate), each to a memory stream. */
#include "fuzz_common.h"

/* HTML costs about 5 ms a run more than XML (most of it parsing the bundled
 * stylesheet), whatever the input: on a quarter of the inputs up to 16 KB,
 * enough for a small feed with readings of every kind. */
#define HTML_MAX_SIZE 16384

static void summarize(const uint8_t *data, size_t size)
{
    fuzz_io io;
    if (!fuzz_io_open(&io, data, size))
        return;
    static const espi_summary_per pers[] = {ESPI_SUMMARY_HOUR, ESPI_SUMMARY_DAY, ESPI_SUMMARY_WEEK,
                                            ESPI_SUMMARY_MONTH, ESPI_SUMMARY_BILL};
    static const espi_summary_format formats[] = {ESPI_SUMMARY_TEXT, ESPI_SUMMARY_CSV,
                                                  ESPI_SUMMARY_JSON};
    espi_summary_options so;
    espi_summary_options_init(&so);
    so.per = pers[size % 5];
    so.format = formats[(size / 5) % 3];
    so.unit = size % 7 == 3 ? "kWh" : NULL;
    so.tz = size % 3 == 1 ? fuzz_tz() : NULL;
    so.on_diag = fuzz_on_diag;
    so.chunk_size = size % 2 ? 512 : 0;
    espi_summarizer *m = NULL;
    espi_error err;
    if (io.out != NULL && espi_summarizer_new(&m, io.out, &so, &err) == 0) {
        if (espi_summarizer_add(m, io.in, "fuzz-input", &err) != 0)
            fuzz_touch_error(&err);
        if (espi_summarizer_finish(m, &err) != 0)
            fuzz_touch_error(&err);
        espi_summarizer_free(m);
    }
    fuzz_io_close(&io);
}

static void report(const uint8_t *data, size_t size)
{
    fuzz_io io;
    if (!fuzz_io_open(&io, data, size))
        return;
    espi_report_options ro;
    espi_report_options_init(&ro);
    bool html = size % 4 == 0 && size < HTML_MAX_SIZE;
    ro.format = html ? ESPI_REPORT_HTML : ESPI_REPORT_XML;
    ro.validate = size % 3 == 0; /* the stream is seekable: read twice in place */
    ro.unit = size % 5 == 2 ? "Wh" : NULL;
    ro.tz = size % 3 == 2 ? fuzz_tz() : NULL;
    ro.on_diag = fuzz_on_diag;
    espi_reporter *r = NULL;
    espi_error err;
    if (io.out != NULL && espi_reporter_new(&r, io.out, &ro, &err) == 0) {
        if (espi_reporter_add(r, io.in, "fuzz-input", &err) != 0)
            fuzz_touch_error(&err);
        if (espi_reporter_finish(r, &err) != 0)
            fuzz_touch_error(&err);
        espi_reporter_free(r);
    } else if (io.out != NULL) {
        fuzz_touch_error(&err);
    }
    fuzz_io_close(&io);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    summarize(data, size);
    report(data, size);
    return 0;
}
