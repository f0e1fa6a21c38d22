/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_smarthub_csv.c - espi convert --from smarthub-csv: one input through the
 * converter (ESPI_FORMAT_SMARTHUB_CSV), then the feed written to memory. */
#include "fuzz_convert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_convert(data, size, ESPI_FORMAT_SMARTHUB_CSV, NULL, ESPI_FORMAT_AUTO, 0);
}
