/* SPDX-License-Identifier: Apache-2.0 */
/* gen_feed.c - writes a synthetic Green Button usage feed for benchmarks: one
 * LocalTimeParameters (Pacific), one electricity UsagePoint, one MeterReading,
 * its ReadingType (hourly Wh, USD) and IntervalBlocks of one day (24 hourly
 * readings) each, every reading with cost, timePeriod and value. Valid under
 * the official ESPI 4.0 and 3.3 schemas (every link has a type).
 *
 *   gen_feed [--readings N] [--start EPOCH] [--interval S] [--no-cost]
 *            [--channels 1|2|3] > feed.xml
 *
 * --channels adds MeterReadings to the UsagePoint, each with its ReadingType
 * and blocks after the first's: 2 adds the energy received (flowDirection 19,
 * no cost: a rooftop solar export, zero from 18:00 to 06:00 local standard
 * time, at most 360 Wh an hour around noon) with N readings of the same
 * interval; 3 adds the delivered energy again at hourly resolution (kind 12,
 * flowDirection 1, intervalLength 3600), each reading the exact sum of the
 * first MeterReading's readings in that hour and their costs: two resolutions
 * of one meter, which a report must not add up twice. --channels 1 (the
 * default) writes the same bytes as before the option existed.
 *
 * It streams, so memory stays constant at any size. The numbers and ids are
 * deterministic: values come from a fixed linear congruential sequence
 * (200-2500 Wh, cost 11 hundred-thousandths of a dollar per Wh), ids are a
 * counter formatted as a version 5 UUID.
 *
 * Layout: the envelope is indented by two spaces, as utility files are, and
 * each IntervalReading takes one line of its own. 175,000 readings make
 * 43.2 MB and 5,000,000 make 1.23 GB. Indenting every element of a reading
 * too would give 57.0 MB. The real hourly file this stands in for is 36 MB,
 * which no layout of these elements reaches: without any whitespace they still
 * take 40.9 MB (--no-cost, which also leaves out the ReadingType's currency: 38.3 MB).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BASE "https://example.com/espi/1_1/resource"
#define LTP_COLL BASE "/LocalTimeParameters"
#define RT_COLL BASE "/ReadingType"
#define UP_COLL BASE "/RetailCustomer/1/UsagePoint"
#define UP_SELF UP_COLL "/1"
#define MR_COLL UP_SELF "/MeterReading"

#define MAX_READINGS 50000000LL /* about 12 GB; keeps every year at 4 digits */
#define MAX_START 4102444800LL  /* 2100-01-01T00:00:00Z */
#define OUT_BUFFER (1u << 20)

typedef struct gen_opts {
    long long readings;
    long long start;
    bool cost;
    long long interval; /* seconds; a day's readings make a block */
    int channels;       /* MeterReadings: 1 delivered, 2 + received, 3 + delivered hourly */
} gen_opts;

/* One MeterReading with its ReadingType (both numbered `number`). */
typedef struct channel {
    int number;
    const char *title;  /* of the MeterReading entry */
    int flow;           /* ReadingType flowDirection */
    long long interval; /* seconds */
    long long readings;
    bool cost;
} channel;

typedef struct feed_state {
    FILE *out;
    long long interval; /* of the first MeterReading */
    char stamp[64];     /* Atom published/updated of every entry */
    uint64_t next_id;
    uint32_t rnd;    /* the first MeterReading's values */
    uint32_t replay; /* the same sequence again, summed per hour (channel 3) */
    uint32_t sun;    /* cloud cover of the received energy (channel 2) */
    long long left;  /* first-channel readings not yet summed (channel 3) */
} feed_state;

static void usage(void)
{
    fprintf(stderr,
            "usage: gen_feed [--readings N] [--start EPOCH] [--interval S] [--no-cost]\n"
            "                [--channels C] > feed.xml\n"
            "  --readings N   IntervalReadings of the first (and second) channel, 0-%lld\n"
            "                 (default 175000)\n"
            "  --start EPOCH  start of the first reading, UTC seconds, 0-%lld\n"
            "                 (default 1262332800 = 2010-01-01T08:00:00Z)\n"
            "  --interval S   seconds per reading: 300, 900 or 3600 (default)\n"
            "  --no-cost      leave out IntervalReading/cost and the ReadingType's currency\n"
            "  --channels C   MeterReadings: 1 delivered (default), 2 and received (same\n"
            "                 interval, no cost), 3 and the delivered energy again, hourly\n",
            MAX_READINGS, MAX_START);
    exit(2);
}

static long long number(const char *name, const char *v, long long min, long long max)
{
    char *end;
    long long n = strtoll(v, &end, 10);
    if (end == v || *end != '\0' || n < min || n > max) {
        fprintf(stderr, "gen_feed: %s '%s' is not a whole number from %lld to %lld\n", name, v, min,
                max);
        usage();
    }
    return n;
}

static void parse(gen_opts *o, int argc, char **argv)
{
    *o = (gen_opts){175000, 1262332800, true, 3600, 1};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--no-cost") == 0)
            o->cost = false;
        else if (v == NULL)
            usage();
        else if (strcmp(a, "--readings") == 0)
            o->readings = number(a, v, 0, MAX_READINGS), i++;
        else if (strcmp(a, "--start") == 0)
            o->start = number(a, v, 0, MAX_START), i++;
        else if (strcmp(a, "--interval") == 0) {
            o->interval = number(a, v, 0, 3600), i++;
            if (o->interval != 300 && o->interval != 900 && o->interval != 3600)
                usage();
        } else if (strcmp(a, "--channels") == 0)
            o->channels = (int)number(a, v, 1, 3), i++;
        else
            usage();
    }
}

/* YYYY-MM-DDTHH:MM:SSZ without gmtime (house style): days to civil date as
 * in H. Hinnant's chrono algorithms. t is never negative here. */
static void format_utc(char *out, size_t size, long long t)
{
    long long z = t / 86400 + 719468, secs = t % 86400;
    long long era = z / 146097, doe = z - era * 146097;
    long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long long mp = (5 * doy + 2) / 153, day = doy - (153 * mp + 2) / 5 + 1;
    long long month = mp < 10 ? mp + 3 : mp - 9, year = yoe + era * 400 + (month <= 2);
    snprintf(out, size, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ", year, month, day, secs / 3600,
             secs / 60 % 60, secs % 60);
}

/* Next id: the counter in the last 12 digits keeps ids unique; the rest is a
 * fixed pattern with the version 5 and variant 8 nibbles. */
static void put_id(feed_state *f, const char *indent)
{
    fprintf(f->out, "%s<id>urn:uuid:9b6c7063-2f1e-5a4d-8c3b-%012llx</id>\n", indent,
            (unsigned long long)f->next_id++);
}

static void put_link(feed_state *f, const char *rel, const char *href, const char *suffix,
                     const char *type)
{
    fprintf(f->out, "    <link rel=\"%s\" href=\"%s%s\" type=\"%s\"/>\n", rel, href, suffix, type);
}

static void begin_entry(feed_state *f)
{
    fputs("  <entry>\n", f->out);
    put_id(f, "    ");
}

/* title, then content holding TEXT (already indented), published, updated */
static void end_entry(feed_state *f, const char *title, const char *content)
{
    fprintf(f->out,
            "    <title>%s</title>\n    <content>\n%s    </content>\n"
            "    <published>%s</published>\n    <updated>%s</updated>\n  </entry>\n",
            title, content, f->stamp, f->stamp);
}

static void put_head(feed_state *f)
{
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
          "<feed xmlns=\"http://www.w3.org/2005/Atom\" xmlns:espi=\"http://naesb.org/espi\">\n",
          f->out);
    put_id(f, "  ");
    fprintf(f->out,
            "  <title>Green Button Usage Feed</title>\n  <updated>%s</updated>\n"
            "  <link rel=\"self\" href=\"%s/Batch/RetailCustomer/1/UsagePoint\" "
            "type=\"espi-feed/UsagePoint\"/>\n",
            f->stamp, BASE);
}

static void put_local_time(feed_state *f)
{
    begin_entry(f);
    put_link(f, "self", LTP_COLL, "/1", "espi-entry/LocalTimeParameters");
    put_link(f, "up", LTP_COLL, "", "espi-feed/LocalTimeParameters");
    end_entry(f, "Pacific Time",
              "      <espi:LocalTimeParameters>\n"
              "        <espi:dstEndRule>B40E2000</espi:dstEndRule>\n"
              "        <espi:dstOffset>3600</espi:dstOffset>\n"
              "        <espi:dstStartRule>360E2000</espi:dstStartRule>\n"
              "        <espi:tzOffset>-28800</espi:tzOffset>\n"
              "      </espi:LocalTimeParameters>\n");
}

static void put_usage_point(feed_state *f)
{
    begin_entry(f);
    put_link(f, "self", UP_SELF, "", "espi-entry/UsagePoint");
    put_link(f, "up", UP_COLL, "", "espi-feed/UsagePoint");
    put_link(f, "related", MR_COLL, "", "espi-feed/MeterReading");
    put_link(f, "related", LTP_COLL, "/1", "espi-entry/LocalTimeParameters");
    end_entry(f, "Usage Point",
              "      <espi:UsagePoint>\n"
              "        <espi:ServiceCategory>\n"
              "          <espi:kind>0</espi:kind>\n"
              "        </espi:ServiceCategory>\n"
              "      </espi:UsagePoint>\n");
}

static void put_meter_reading(feed_state *f, const channel *c)
{
    char self[32], blocks[48];
    snprintf(self, sizeof self, "/%d", c->number);
    snprintf(blocks, sizeof blocks, "/%d/IntervalBlock", c->number);
    begin_entry(f);
    put_link(f, "self", MR_COLL, self, "espi-entry/MeterReading");
    put_link(f, "up", MR_COLL, "", "espi-feed/MeterReading");
    put_link(f, "related", MR_COLL, blocks, "espi-feed/IntervalBlock");
    put_link(f, "related", RT_COLL, self, "espi-entry/ReadingType");
    end_entry(f, c->title, "      <espi:MeterReading/>\n");
}

/* The currency only with cost: a ReadingType with a currency announces
 * costs (espi validate's cost-missing). */
static void put_reading_type(feed_state *f, const channel *c)
{
    char body[768], self[32];
    snprintf(body, sizeof body,
             "      <espi:ReadingType>\n"
             "        <espi:accumulationBehaviour>4</espi:accumulationBehaviour>\n"
             "        <espi:commodity>1</espi:commodity>\n"
             "%s"
             "        <espi:flowDirection>%d</espi:flowDirection>\n"
             "        <espi:intervalLength>%lld</espi:intervalLength>\n"
             "        <espi:kind>12</espi:kind>\n"
             "        <espi:phase>769</espi:phase>\n"
             "        <espi:powerOfTenMultiplier>0</espi:powerOfTenMultiplier>\n"
             "        <espi:uom>72</espi:uom>\n"
             "      </espi:ReadingType>\n",
             c->cost ? "        <espi:currency>840</espi:currency>\n" : "", c->flow, c->interval);
    snprintf(self, sizeof self, "/%d", c->number);
    begin_entry(f);
    put_link(f, "self", RT_COLL, self, "espi-entry/ReadingType");
    put_link(f, "up", RT_COLL, "", "espi-feed/ReadingType");
    end_entry(f, "Type of Meter Reading Data", body);
}

/* 200-2500 Wh from a fixed linear congruential sequence */
static unsigned next_value(feed_state *f)
{
    f->rnd = f->rnd * 1664525u + 1013904223u;
    return 200u + (f->rnd >> 8) % 2301u;
}

/* Energy received in the interval from START: a sun from 06:00 to 18:00
 * local standard time (Pacific, as the LocalTimeParameters), highest at noon,
 * dimmed by clouds to 50-100 %; at most 360 Wh an hour. */
static unsigned solar_value(feed_state *f, long long start, long long interval)
{
    long long minute = ((start - 8 * 3600) % 86400 + 86400) % 86400 / 60 + interval / 120;
    long long from_noon = minute > 720 ? minute - 720 : 720 - minute;
    f->sun = f->sun * 1664525u + 1013904223u;
    if (from_noon >= 360)
        return 0;
    unsigned clouds = 50u + (f->sun >> 8) % 51u;
    return (unsigned)((360 - from_noon) * clouds * interval / 3600 / 100);
}

/* The next hour of the first MeterReading: its readings replayed and summed. */
static unsigned long long hour_sum(feed_state *f)
{
    unsigned long long sum = 0;
    for (long long i = 0; i < 3600 / f->interval && f->left > 0; i++, f->left--) {
        f->replay = f->replay * 1664525u + 1013904223u;
        sum += 200u + (f->replay >> 8) % 2301u;
    }
    return sum;
}

static unsigned long long channel_value(feed_state *f, const channel *c, long long start)
{
    switch (c->number) {
    case 2: return solar_value(f, start, c->interval);
    case 3: return hour_sum(f);
    default: return next_value(f);
    }
}

static void put_reading(feed_state *f, const channel *c, long long start)
{
    unsigned long long v = channel_value(f, c, start);
    fputs("        <espi:IntervalReading>", f->out);
    if (c->cost)
        fprintf(f->out, "<espi:cost>%llu</espi:cost>", v * 11u);
    fprintf(f->out,
            "<espi:timePeriod><espi:duration>%lld</espi:duration><espi:start>%lld</espi:start>"
            "</espi:timePeriod><espi:value>%llu</espi:value></espi:IntervalReading>\n",
            c->interval, start, v);
}

/* One IntervalBlock entry of COUNT readings from START. */
static void put_block(feed_state *f, const channel *c, long long block, long long start, int count)
{
    char blocks[48];
    snprintf(blocks, sizeof blocks, "/%d/IntervalBlock", c->number);
    begin_entry(f);
    fprintf(f->out,
            "    <link rel=\"self\" href=\"%s%s/%lld\" type=\"espi-entry/IntervalBlock\"/>\n",
            MR_COLL, blocks, block);
    put_link(f, "up", MR_COLL, blocks, "espi-feed/IntervalBlock");
    fprintf(f->out,
            "    <title>Interval Block</title>\n    <content>\n      <espi:IntervalBlock>\n"
            "        <espi:interval>\n          <espi:duration>%d</espi:duration>\n"
            "          <espi:start>%lld</espi:start>\n        </espi:interval>\n",
            (int)(count * c->interval), start);
    for (int i = 0; i < count; i++)
        put_reading(f, c, start + (long long)i * c->interval);
    fprintf(f->out,
            "      </espi:IntervalBlock>\n    </content>\n"
            "    <published>%s</published>\n    <updated>%s</updated>\n  </entry>\n",
            f->stamp, f->stamp);
}

/* The MeterReading, its ReadingType and its blocks of one day each. */
static void put_channel(feed_state *f, const channel *c, long long start)
{
    long long per_block = 86400 / c->interval;
    put_meter_reading(f, c);
    put_reading_type(f, c);
    for (long long done = 0, block = 1; done < c->readings; done += per_block, block++) {
        long long left = c->readings - done;
        put_block(f, c, block, start + done * c->interval,
                  (int)(left < per_block ? left : per_block));
    }
}

int main(int argc, char **argv)
{
    static char buffer[OUT_BUFFER];
    gen_opts o;
    parse(&o, argc, argv);
    feed_state f = {.out = stdout,
                    .interval = o.interval,
                    .next_id = 1,
                    .rnd = 12345,
                    .replay = 12345,
                    .sun = 54321,
                    .left = o.readings};
    long long span = o.readings * o.interval;
    const channel channels[] = {
        {1, "Hourly Electricity Consumption", 1, o.interval, o.readings, o.cost},
        {2, "Electricity Received", 19, o.interval, o.readings, false},
        {3, "Hourly Electricity Consumption (second resolution)", 1, 3600, (span + 3599) / 3600,
         o.cost},
    };
    setvbuf(stdout, buffer, _IOFBF, sizeof buffer);
    /* published/updated: the end of the data, as if exported right after */
    format_utc(f.stamp, sizeof f.stamp, o.start + span);
    put_head(&f);
    put_local_time(&f);
    put_usage_point(&f);
    for (int i = 0; i < o.channels; i++)
        put_channel(&f, &channels[i], o.start);
    fputs("</feed>\n", f.out);
    if (fflush(f.out) != 0 || ferror(f.out)) {
        perror("gen_feed: write");
        return 1;
    }
    return 0;
}
