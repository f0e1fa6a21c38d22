/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_har.c - espi convert --from har: one browser HAR file through the
 * converter (ESPI_FORMAT_HAR): its poll, user-data and billing answers read
 * from memory by their readers, then the feed written to memory. */
#include "fuzz_convert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_convert(data, size, ESPI_FORMAT_HAR, NULL, ESPI_FORMAT_AUTO, 0);
}
