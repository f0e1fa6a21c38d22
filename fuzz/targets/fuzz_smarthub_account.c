/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_smarthub_account.c - espi convert ACCOUNT.json POLL.json: the input
 * as SmartHub account metadata (user-data or billing JSON), then a small
 * fixed poll response for one of the seed's service locations, so the
 * metadata is applied to a usage point before the feed is written. */
#include "fuzz_convert.h"

static const char poll_json[] =
    "{\"status\":\"COMPLETE\",\"data\":{\"ELECTRIC\":[{\"type\":\"USAGE\","
    "\"unitOfMeasure\":\"KWH\",\"accountNumber\":\"4400123001\","
    "\"serviceLocationNumber\":\"71005500\",\"timeFrame\":\"HOURLY\","
    "\"meters\":[{\"meterNumber\":\"88120045\",\"seriesId\":\"88120045\","
    "\"flowDirection\":\"FORWARD\"}],\"series\":[{\"name\":\"88120045\",\"data\":["
    "{\"x\":1781481600000,\"y\":0.87},{\"x\":1781485200000,\"y\":1.25}]}]}]}}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_convert(data, size, ESPI_FORMAT_SMARTHUB_ACCOUNT, poll_json,
                        ESPI_FORMAT_SMARTHUB_JSON, 1);
}
