/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_json_elide.c - a SmartHub poll response read ahead, with the lists
 * the reader ignores taken out before the parse (json_stream.c,
 * "Eliding"), against the same read on the calling thread
 * (espi_convert_options.threads 1): the fuzzer's bytes stand in a file
 * large enough to be read ahead, at a place its first byte chooses (inside
 * meterToChartData, in a kept point, between two entries, or as a key
 * before a list), and both readings must give the same status, error
 * (code, line, column, message) and readings, else abort(). */
#include "fuzz_common.h"

#include <unistd.h>

/* The points around the fuzzer's bytes: a file of more than 8 chunks of
 * 64 KiB, the least that is read ahead. */
#define POINTS 12000

typedef struct text {
    char *s;
    size_t n, cap;
} text;

static void put(text *t, const void *s, size_t k)
{
    if (t->n + k + 1 > t->cap) {
        size_t cap = (t->n + k + 1) * 2;
        char *g = realloc(t->s, cap);
        if (g == NULL)
            abort();
        t->s = g;
        t->cap = cap;
    }
    memcpy(t->s + t->n, s, k);
    t->n += k;
    t->s[t->n] = '\0';
}

static void put_str(text *t, const char *s)
{
    put(t, s, strlen(s));
}

static void points(text *t, int from, int count)
{
    char one[96];
    for (int i = from; i < from + count; i++) {
        int k = snprintf(one, sizeof one, "%s{\"x\":%lld,\"y\":%d.%03d,\"enableDrilldown\":false}",
                         i > from ? "," : "", 1735718400000LL + (long long)i * 900000LL, i % 3,
                         (i * 37) % 1000);
        put(t, one, (size_t)k);
    }
}

/* The document, with data at place (0 to 3). */
static void document(text *t, const uint8_t *data, size_t size, int place)
{
    put_str(t, "{\"status\":\"COMPLETE\",\"data\":{\"ELECTRIC\":[{\"accountNumber\":\"44001\","
               "\"serviceLocationNumber\":\"7100\",\"type\":\"USAGE\",\"unitOfMeasure\":\"KWH\","
               "\"timeFrame\":\"HOURLY\",\"meters\":[{\"meterNumber\":\"881\",\"channel\":1,"
               "\"flowDirection\":\"FORWARD\",\"seriesId\":\"881 - Consumption\"}],"
               "\"series\":[{\"name\":\"881 - Consumption\",\"meterNumber\":\"881\",\"data\":[");
    points(t, 0, POINTS / 2);
    if (place == 1) {
        put_str(t, ",{\"x\":1735718400000,\"y\":");
        put(t, data, size);
        put_str(t, "}");
    }
    put_str(t, "]}],");
    if (place == 3)
        put(t, data, size);
    put_str(t, "\"meterToChartData\":{\"Meter{meterNumber='881', channel=1}\":[");
    points(t, 0, POINTS / 2);
    if (place == 0) {
        put_str(t, ",");
        put(t, data, size);
    }
    put_str(t, "]}}");
    if (place == 2) {
        put_str(t, ",");
        put(t, data, size);
    }
    put_str(t,
            ",{\"accountNumber\":\"44001\",\"serviceLocationNumber\":\"7100\",\"type\":\"USAGE\","
            "\"unitOfMeasure\":\"KWH\",\"timeFrame\":\"HOURLY\",\"meterToChartData\":{\"m\":[");
    points(t, POINTS / 2, POINTS / 2);
    put_str(t, "]}}]}}\n");
}

typedef struct outcome {
    int rc;
    espi_error err;
    size_t readings;
} outcome;

static outcome convert_file(const char *path, unsigned threads)
{
    outcome o;
    memset(&o, 0, sizeof o);
    espi_convert_options co;
    espi_convert_options_init(&co);
    co.tz = fuzz_tz();
    co.on_diag = fuzz_on_diag;
    co.threads = threads;
    espi_converter *c = NULL;
    if (espi_converter_new(&c, &co, &o.err) != 0)
        abort();
    FILE *in = fopen(path, "rb");
    if (in == NULL)
        abort();
    o.rc = espi_converter_add(c, in, "fuzz.json", ESPI_FORMAT_SMARTHUB_JSON, &o.err);
    fclose(in);
    espi_feed *feed = NULL;
    if (o.rc == 0)
        o.rc = espi_converter_finish(c, &feed, &o.err);
    if (feed != NULL) {
        espi_feed_stats st;
        espi_feed_stats_get(&st, feed);
        o.readings = st.readings;
        espi_feed_free(feed);
    }
    espi_converter_free(c);
    return o;
}

static bool same(const outcome *a, const outcome *b)
{
    return a->rc == b->rc && a->readings == b->readings && a->err.status == b->err.status &&
           strcmp(a->err.code, b->err.code) == 0 && a->err.line == b->err.line &&
           a->err.column == b->err.column && strcmp(a->err.where, b->err.where) == 0 &&
           strcmp(a->err.message, b->err.message) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0 || size > 65536)
        return 0;
    text t = {NULL, 0, 0};
    document(&t, data + 1, size - 1, data[0] % 4);
    char path[] = "/tmp/espi-fuzz-elide-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        abort();
    if (write(fd, t.s, t.n) != (ssize_t)t.n)
        abort();
    close(fd);
    free(t.s);
    outcome ahead = convert_file(path, 0);
    outcome alone = convert_file(path, 1);
    unlink(path);
    if (!same(&ahead, &alone)) {
        fprintf(stderr, "read ahead: %d %s %lu:%lu %s (%zu readings)\n", ahead.rc, ahead.err.code,
                ahead.err.line, ahead.err.column, ahead.err.message, ahead.readings);
        fprintf(stderr, "alone:      %d %s %lu:%lu %s (%zu readings)\n", alone.rc, alone.err.code,
                alone.err.line, alone.err.column, alone.err.message, alone.readings);
        abort();
    }
    return 0;
}
