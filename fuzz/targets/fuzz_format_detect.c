/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_format_detect.c - espi_format_detect over the first bytes of an
 * input, as espi convert does for every input without --from. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A private copy, exactly size bytes long, so any over-read is caught. */
    unsigned char *head = malloc(size > 0 ? size : 1);
    if (head == NULL)
        return 0;
    if (size > 0)
        memcpy(head, data, size);
    espi_format format = ESPI_FORMAT_AUTO;
    espi_error err;
    if (espi_format_detect(&format, head, size, "fuzz-input", &err) == 0)
        (void)espi_format_name(format);
    else
        fuzz_touch_error(&err);
    free(head);
    return 0;
}
