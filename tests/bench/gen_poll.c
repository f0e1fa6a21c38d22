/* SPDX-License-Identifier: Apache-2.0 */
/* gen_poll.c - writes a synthetic SmartHub poll response for benchmarks:
 * days of 15-minute (or other) points of a net-metered home, with cost, in
 * the co-op's wall clock ("fake UTC"), DST handled as SmartHub would (no
 * points in the skipped hour, the repeated hour twice with the same x).
 *
 *   gen_poll [--days N] [--minutes M] [--start YYYY-MM-DD] [--tz ZONE]
 *            [--channels 1|3] [--no-cost] [--no-duplicates]
 *            [--account A] [--location L] [--meter M] [--seed S] > poll.json
 *
 * --account, --location and --meter (digits, letters or '-', default
 * 4400123001, 71005500, 88120045) make the file another account's, as the
 * batch benchmark needs; --seed (default 12345) varies its numbers. The
 * numbers are deterministic (a fixed linear congruential sequence). */
#include "espi.h"
#include "common/tz.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct gen_opts {
    int days;
    int minutes;
    int64_t start_day; /* days since 1970 */
    const char *tz;
    int channels;
    bool cost;
    bool duplicates;
    const char *account;
    const char *location;
    const char *meter;
    uint32_t seed;
} gen_opts;

typedef struct point {
    int64_t x_ms;
    int milli[3]; /* consumption, generation (negative), net; in Wh */
} point;

static const char *const channel_names[3] = {"Consumption", "Generation", "Net"};
static const char *const channel_flows[3] = {"FORWARD", "REVERSE", "NET"};

static uint32_t next_random(uint32_t *state)
{
    *state = *state * 1664525u + 1013904223u;
    return *state >> 8;
}

/* Usage shaped like a home with solar: a base load, evening peaks, and
 * generation that follows the sun. */
static void fill_values(point *p, int64_t wall, int minutes, uint32_t *rnd)
{
    int minute_of_day = (int)((wall % 86400 + 86400) % 86400 / 60);
    double hour = minute_of_day / 60.0;
    double scale = minutes / 60.0;
    double base = 0.35 + (hour > 17 && hour < 22 ? 0.9 : 0.0) + (next_random(rnd) % 400) / 1000.0;
    double sun =
        hour > 6.5 && hour < 19.5 ? 3.2 * (1.0 - ((hour - 13) / 6.5) * ((hour - 13) / 6.5)) : 0.0;
    p->milli[0] = (int)(base * scale * 1000);
    p->milli[1] = -(int)(sun * scale * 1000 * (0.8 + (next_random(rnd) % 200) / 1000.0));
    p->milli[2] = p->milli[0] + p->milli[1];
}

static size_t make_points(const gen_opts *o, const espi_tz *tz, point **out)
{
    size_t per_day = (size_t)(1440 / o->minutes) + 8, cap = per_day * (size_t)o->days, n = 0;
    point *pts = malloc(cap * sizeof *pts);
    if (pts == NULL)
        exit(3);
    uint32_t rnd = o->seed;
    for (int64_t d = 0; d < o->days; d++) {
        for (int m = 0; m < 1440; m += o->minutes) {
            int64_t wall = (o->start_day + d) * 86400 + m * 60;
            int64_t utc[2], gap;
            int count = espi_tz_wall_to_utc(utc, &gap, tz, wall);
            for (int k = 0; k < count && n < cap; k++, n++) {
                pts[n].x_ms = wall * 1000;
                fill_values(&pts[n], wall, o->minutes, &rnd);
            }
        }
    }
    *out = pts;
    return n;
}

static void print_meters(const gen_opts *o)
{
    printf("\"meters\":[");
    for (int c = 0; c < o->channels; c++)
        printf("%s{\"serviceLocationNumber\":\"%s\",\"accountNumber\":\"%s\","
               "\"industry\":\"ELECTRIC\",\"meterNumber\":\"%s\",\"channel\":%d,"
               "\"flowDirection\":\"%s\",\"rate\":null,\"rateName\":null,\"unitOfMeasure\":"
               "\"KWH\",\"isParentMeter\":false,\"parentMeters\":[],\"isNetMeter\":%s,"
               "\"visible\":true,\"meterName\":\"%s\",\"seriesId\":\"%s - %s\"}",
               c ? "," : "", o->location, o->account, o->meter, c + 1, channel_flows[c],
               o->channels > 1 ? "true" : "false", o->meter, o->meter, channel_names[c]);
    printf("],");
}

/* The value of channel c at point p, in kWh or dollars, as text. */
static void print_value(const point *p, int c, bool cost)
{
    if (cost) {
        long long hundred_thousandths = (long long)p->milli[c] * 1184 / 100;
        printf("%s%lld.%05lld", hundred_thousandths < 0 ? "-" : "",
               llabs(hundred_thousandths) / 100000, llabs(hundred_thousandths) % 100000);
    } else {
        printf("%s%d.%03d", p->milli[c] < 0 ? "-" : "", abs(p->milli[c]) / 1000,
               abs(p->milli[c]) % 1000);
    }
}

static void print_points(const point *pts, size_t n, int c, bool cost)
{
    for (size_t i = 0; i < n; i++) {
        printf("%s{\"x\":%lld,\"y\":", i ? "," : "", (long long)pts[i].x_ms);
        print_value(&pts[i], c, cost);
        printf(",\"enableDrilldown\":false}");
    }
}

/* The true UTC instant (ms) of a wall time (ms) in the zone, as SmartHub
 * gives the request's bounds (a time in the spring gap: where it ends). */
static long long true_ms(const espi_tz *tz, int64_t wall_ms)
{
    int64_t t[2], gap_end = wall_ms / 1000;
    int n = espi_tz_wall_to_utc(t, &gap_end, tz, wall_ms / 1000);
    return (long long)(n > 0 ? t[0] : gap_end) * 1000;
}

static void print_entry(const gen_opts *o, const espi_tz *tz, const point *pts, size_t n, bool cost)
{
    printf("{\"serviceLocationNumber\":\"%s\",\"accountNumber\":\"%s\","
           "\"industry\":\"ELECTRIC\",\"timeFrame\":\"HOURLY\",\"type\":\"%s\","
           "\"unitOfMeasure\":\"%s\",\"startDateTime\":%lld,\"endDateTime\":%lld,",
           o->location, o->account, cost ? "COST" : "USAGE", cost ? "USD" : "KWH",
           true_ms(tz, pts[0].x_ms), true_ms(tz, pts[n - 1].x_ms + o->minutes * 60000LL));
    print_meters(o);
    printf("\"series\":[");
    for (int c = 0; c < o->channels; c++) {
        printf("%s{\"type\":\"column\",\"name\":\"%s - %s\",\"meterNumber\":\"%s\","
               "\"channel\":%d,\"isNet\":%s,\"visible\":true,\"data\":[",
               c ? "," : "", o->meter, channel_names[c], o->meter, c + 1,
               c == 2 ? "true" : "false");
        print_points(pts, n, c, cost);
        printf("]}");
    }
    printf("],\"estimatedSeries\":{},\"editedSeries\":{},\"xToOrderedInterval\":{");
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && pts[i].x_ms == pts[i - 1].x_ms)
            continue; /* an object cannot hold the repeated hour's key twice */
        long long x = (long long)pts[i].x_ms;
        printf("%s\"%lld\":{\"createTickDrillDownLink\":false,\"interval\":{\"start\":%lld,"
               "\"end\":%lld}}",
               i ? "," : "", x, x, x + o->minutes * 60000LL);
    }
    printf("}");
    if (o->duplicates) {
        /* real captures repeat every point in baseSeries and meterToChartData */
        printf(",\"meterToChartData\":{");
        for (int c = 0; c < o->channels; c++) {
            printf("%s\"Meter{meterNumber='%s', channel=%d}\":[", c ? "," : "", o->meter, c + 1);
            print_points(pts, n, c, cost);
            printf("]");
        }
        printf("}");
    }
    printf("}");
}

_Noreturn static void usage(void)
{
    fprintf(stderr, "usage: gen_poll [--days N] [--minutes M] [--start YYYY-MM-DD] [--tz ZONE] "
                    "[--channels 1|3] [--no-cost] [--no-duplicates] [--account A] "
                    "[--location L] [--meter M] [--seed S]\n");
    exit(2);
}

static int number(const char *v)
{
    char *end;
    long n = strtol(v, &end, 10);
    if (*end != '\0' || n < 1 || n > 100000)
        usage();
    return (int)n;
}

/* An account, location or meter number: printed into JSON strings as it
 * is, so only characters that need no escaping. */
static const char *identifier(const char *v)
{
    size_t n = strlen(v);
    if (n == 0 || n > 32 ||
        strspn(v, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                  "abcdefghijklmnopqrstuvwxyz-") != n)
        usage();
    return v;
}

static uint32_t seed_of(const char *v)
{
    char *end;
    unsigned long n = strtoul(v, &end, 10);
    if (*end != '\0' || v[0] == '-' || n > UINT32_MAX)
        usage();
    return (uint32_t)n;
}

static int64_t day_of(const char *v)
{
    char text[40];
    int64_t t;
    snprintf(text, sizeof text, "%.10sT00:00:00Z", v);
    if (strlen(v) != 10 || espi_time_parse(&t, text) != 0)
        usage();
    return t / 86400;
}

static void parse(gen_opts *o, int argc, char **argv)
{
    *o = (gen_opts){.days = 365,
                    .minutes = 15,
                    .start_day = tz_days_from_civil(2025, 1, 1),
                    .tz = "America/Los_Angeles",
                    .channels = 3,
                    .cost = true,
                    .duplicates = true,
                    .account = "4400123001",
                    .location = "71005500",
                    .meter = "88120045",
                    .seed = 12345};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--no-cost") == 0)
            o->cost = false;
        else if (strcmp(a, "--no-duplicates") == 0)
            o->duplicates = false;
        else if (v == NULL)
            usage();
        else if (strcmp(a, "--days") == 0)
            o->days = number(v), i++;
        else if (strcmp(a, "--minutes") == 0)
            o->minutes = number(v), i++;
        else if (strcmp(a, "--channels") == 0)
            o->channels = number(v) == 1 ? 1 : 3, i++;
        else if (strcmp(a, "--tz") == 0)
            o->tz = v, i++;
        else if (strcmp(a, "--start") == 0)
            o->start_day = day_of(v), i++;
        else if (strcmp(a, "--account") == 0)
            o->account = identifier(v), i++;
        else if (strcmp(a, "--location") == 0)
            o->location = identifier(v), i++;
        else if (strcmp(a, "--meter") == 0)
            o->meter = identifier(v), i++;
        else if (strcmp(a, "--seed") == 0)
            o->seed = seed_of(v), i++;
        else
            usage();
    }
    if (o->days < 1 || o->minutes < 1 || 1440 % o->minutes != 0)
        usage();
}

int main(int argc, char **argv)
{
    gen_opts o;
    parse(&o, argc, argv);
    espi_tz *tz;
    espi_error err;
    if (espi_tz_load(&tz, o.tz, &err) != 0) {
        fprintf(stderr, "gen_poll: %s\n", err.message);
        return 2;
    }
    point *pts;
    size_t n = make_points(&o, tz, &pts);
    printf("{\"status\":\"COMPLETE\",\"data\":{\"ELECTRIC\":[");
    print_entry(&o, tz, pts, n, false);
    if (o.cost) {
        printf(",");
        print_entry(&o, tz, pts, n, true);
    }
    printf("]}}\n");
    free(pts);
    espi_tz_free(tz);
    return 0;
}
