/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_input.c - espi_input over any bytes, as every command opens a path:
 * plain data, gzip (truncated, damaged, concatenated, a bomb against a
 * small cap), ZIP archives (any directory, members of any size and name),
 * a ZIP inside gzip. Every input is read to its end and checked. */
#include "fuzz_common.h"

/* Small: a fuzzed bomb is stopped at once, and reading stays quick. */
#define FUZZ_MAX_UNPACKED (1 << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy;
    FILE *raw = fuzz_open_input(data, size, &copy);
    if (raw == NULL)
        return 0;
    espi_input_options opts;
    espi_input_options_init(&opts);
    opts.max_unpacked = FUZZ_MAX_UNPACKED;
    espi_input *in = NULL;
    espi_error err;
    if (espi_input_open_stream(&in, raw, "fuzz-input", &opts, &err) != 0)
        fuzz_touch_error(&err);
    for (int members = 0; in != NULL && members < 64; members++) {
        FILE *stream;
        const char *name;
        int rc = espi_input_next(in, &stream, &name, &err);
        if (rc != 0) {
            fuzz_touch_error(&err);
            continue;
        }
        if (stream == NULL)
            break;
        const unsigned char *head;
        size_t n;
        espi_input_head(in, &head, &n);
        espi_format format;
        if (espi_format_detect(&format, head, n, name, &err) != 0)
            fuzz_touch_error(&err);
        char buf[4096];
        while (fread(buf, 1, sizeof buf, stream) > 0)
            ;
        if (espi_input_check(in, &err) != 0)
            fuzz_touch_error(&err);
    }
    espi_input_close(in);
    fclose(raw);
    free(copy);
    return 0;
}
