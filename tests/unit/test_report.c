/* SPDX-License-Identifier: Apache-2.0 */
/* test_report.c - espi report: the report XML of a net-metered point whose
 * received energy has another power of ten (net exact), a second
 * resolution of the delivered meter that is not added in, every local day
 * listed (a day without readings, the 23-hour spring-forward day),
 * estimated readings; the bundled HTML escapes a hostile title; a user's
 * stylesheet runs, but one that includes files or reads one is refused;
 * --validate adds the findings by rule. */
#include "testutil.h"

#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <stdlib.h>
#include <string.h>

#define FIXTURE "report/unit_net_resolutions.xml"

/* The report of in (named name) with opts; *rc what the calls returned. */
static char *report_of(FILE *in, const char *name, const espi_report_options *opts, int *rc,
                       espi_error *err)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    espi_reporter *r = NULL;
    *rc = espi_reporter_new(&r, out, opts, err);
    if (*rc == 0)
        *rc = espi_reporter_add(r, in, name, err);
    if (*rc == 0)
        *rc = espi_reporter_finish(r, err);
    espi_reporter_free(r);
    fclose(out);
    return text;
}

/* The report of the fixture with opts. */
static char *report(const espi_report_options *opts, int *rc, espi_error *err)
{
    FILE *in = fopen(test_fixture(FIXTURE), "rb");
    assert_non_null(in);
    char *text = report_of(in, "fixture.xml", opts, rc, err);
    fclose(in);
    return text;
}

static char *report_xml(bool validate)
{
    espi_report_options o;
    espi_report_options_init(&o);
    o.format = ESPI_REPORT_XML;
    o.validate = validate;
    espi_error err;
    int rc;
    char *xml = report(&o, &rc, &err);
    assert_int_equal(rc, 0);
    return xml;
}

/* The string value of an XPath expression (prefix r: the report namespace). */
static char *xpath_text(xmlDocPtr doc, const char *expr)
{
    xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
    assert_non_null(ctx);
    xmlXPathRegisterNs(ctx, BAD_CAST "r", BAD_CAST "urn:x-espi:report:1");
    xmlXPathObjectPtr o = xmlXPathEvalExpression(BAD_CAST expr, ctx);
    assert_non_null(o);
    xmlChar *s = xmlXPathCastToString(o);
    char *copy = strdup((const char *)s);
    xmlFree(s);
    xmlXPathFreeObject(o);
    xmlXPathFreeContext(ctx);
    return copy;
}

static void assert_xpath(xmlDocPtr doc, const char *expr, const char *expected)
{
    char *got = xpath_text(doc, expr);
    if (strcmp(got, expected) != 0)
        fail_msg("%s: got '%s', expected '%s'", expr, got, expected);
    free(got);
}

static xmlDocPtr parse(const char *xml)
{
    xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), "report.xml", NULL, XML_PARSE_NONET);
    assert_non_null(doc);
    return doc;
}

static void test_channels_and_headline(void **state)
{
    (void)state;
    char *xml = report_xml(false);
    xmlDocPtr doc = parse(xml);
    assert_xpath(doc, "/r:report/@version", "1");
    assert_xpath(doc, "string(/r:report/r:usagePoint/@netMetered)", "true");
    assert_xpath(doc, "count(/r:report/r:usagePoint/r:channel[@role='delivered'])", "1");
    /* the hourly meter reading of the same quantity is not drawn, nor added */
    assert_xpath(doc, "string(/r:report/r:usagePoint/r:channel[@role='other']/@intervalLength)",
                 "3600");
    /* delivered 3090 Wh; received 13425 tenths of a Wh: net exact at the finer power */
    assert_xpath(doc, "string(//r:headline/@delivered)", "3.090");
    assert_xpath(doc, "string(//r:headline/@received)", "1.3425");
    assert_xpath(doc, "string(//r:headline/@net)", "1.7475");
    assert_xpath(doc, "string(//r:headline/@estimated)", "2");
    assert_xpath(doc, "string(//r:headline/@days)", "4");
    assert_xpath(doc, "string(//r:headline/@daysWithReadings)", "3");
    assert_xpath(doc, "string(//r:headline/@averagePerDay)", "1.030"); /* 3.090 / 3 */
    assert_xpath(doc, "string(//r:headline/@peakDemand)", "1.060");
    assert_xpath(doc, "string(//r:headline/@peakDemandUnit)", "kW");
    assert_xpath(doc, "string(//r:headline/@peakStartLocal)", "2026-03-10 12:15");
    xmlFreeDoc(doc);
    free(xml);
}

static void test_every_local_day(void **state)
{
    (void)state;
    char *xml = report_xml(false);
    xmlDocPtr doc = parse(xml);
    assert_xpath(doc, "count(//r:days/r:day)", "4");
    assert_xpath(doc, "string(//r:day[@date='2026-03-08']/@hours)", "23");
    assert_xpath(doc, "string(//r:day[@date='2026-03-08']/@startUtc)", "2026-03-08T08:00:00Z");
    /* no readings on the 9th: listed, empty, its slots missing */
    assert_xpath(doc, "string(//r:day[@date='2026-03-09']/@readings)", "0");
    assert_xpath(doc, "count(//r:day[@date='2026-03-09']/@delivered)", "0");
    assert_xpath(doc, "string(//r:day[@date='2026-03-09']/@missing)", "192");
    assert_xpath(doc, "string(//r:day[@date='2026-03-07']/@net)", "0.5749");
    assert_xpath(doc, "string(//r:days/@max)", "1.038");
    /* the load shape: local hours; 12:00 of the 8th is after the clocks went forward */
    assert_xpath(doc, "string(//r:cell[@date='2026-03-08'][@hour='12']/@value)", "0.516");
    assert_xpath(doc, "count(//r:timeOfUse)", "0");
    xmlFreeDoc(doc);
    free(xml);
}

static void test_html_escapes_titles(void **state)
{
    (void)state;
    espi_error err;
    int rc;
    char *html = report(NULL, &rc, &err);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_null(strstr(html, "<script"));
    assert_null(strstr(html, "http://"));
    assert_null(strstr(html, "https://"));
    assert_non_null(strstr(html, "data-value=\"3.090\""));
    free(html);
}

static char *write_temp(const char *text)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/espi-test-report-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

#define XSL_HEAD                                                                                   \
    "<xsl:stylesheet version=\"1.0\" xmlns:xsl=\"http://www.w3.org/1999/XSL/Transform\" "          \
    "xmlns:r=\"urn:x-espi:report:1\"><xsl:output method=\"text\"/>"

static void test_user_stylesheet(void **state)
{
    (void)state;
    char *path = write_temp(XSL_HEAD "<xsl:template match=\"/\">total=<xsl:value-of "
                                     "select=\"//r:headline/@delivered\"/></xsl:template>"
                                     "</xsl:stylesheet>");
    espi_report_options o;
    espi_report_options_init(&o);
    o.stylesheet = path;
    espi_error err;
    int rc;
    char *text = report(&o, &rc, &err);
    remove(path);
    assert_int_equal(rc, 0);
    assert_string_equal(text, "total=3.090");
    free(text);
}

static void test_stylesheet_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {
        /* it would load another file */
        XSL_HEAD "<xsl:include href=\"other.xsl\"/></xsl:stylesheet>",
        /* it reads a file when run */
        XSL_HEAD "<xsl:template match=\"/\"><xsl:value-of select=\"document('/etc/hostname')\"/>"
                 "</xsl:template></xsl:stylesheet>",
        /* not XSLT */
        "<html/>",
        /* not XML */
        "<xsl:stylesheet",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *path = write_temp(bad[i]);
        espi_report_options o;
        espi_report_options_init(&o);
        o.stylesheet = path;
        espi_error err;
        int rc;
        char *text = report(&o, &rc, &err);
        remove(path);
        if (rc != ESPI_E_INPUT)
            fail_msg("stylesheet %zu: rc %d, output '%s'", i, rc, text);
        assert_string_equal(err.code, "stylesheet");
        assert_non_null(strstr(err.file, "espi-test-report-"));
        assert_true(text == NULL || strstr(text, "root:") == NULL);
        free(text);
    }
}

static void test_validation_findings(void **state)
{
    (void)state;
    char *xml = report_xml(true);
    xmlDocPtr doc = parse(xml);
    assert_xpath(doc, "string(//r:validation/@valid)", "true");
    assert_xpath(doc, "string(//r:validation/@errors)", "0");
    /* the gaps between the readings are infos of rule reading-gap, by rule */
    assert_xpath(doc, "string(//r:validation/r:rule[@id='reading-gap']/@severity)", "info");
    assert_xpath(doc, "string(//r:validation/r:rule[@id='reading-gap']/@count)", "15");
    assert_xpath(doc, "count(//r:validation/r:rule[@id='reading-gap']/r:finding)", "10");
    xmlFreeDoc(doc);
    free(xml);
}

/* Two hourly readings twelve years apart (UTC): the days element holds the
 * last 3,660 days, the headline the whole span. */
static void test_days_capped(void **state)
{
    (void)state;
    static const char feed[] =
        "<feed xmlns=\"http://www.w3.org/2005/Atom\" xmlns:espi=\"http://naesb.org/espi\">"
        "<entry><link rel=\"self\" href=\"/UsagePoint/1\"/>"
        "<link rel=\"related\" href=\"/UsagePoint/1/MeterReading\"/><content><espi:UsagePoint>"
        "<espi:ServiceCategory><espi:kind>0</espi:kind></espi:ServiceCategory></espi:UsagePoint>"
        "</content></entry>"
        "<entry><link rel=\"self\" href=\"/UsagePoint/1/MeterReading/1\"/>"
        "<link rel=\"up\" href=\"/UsagePoint/1/MeterReading\"/>"
        "<link rel=\"related\" href=\"/UsagePoint/1/MeterReading/1/IntervalBlock\"/>"
        "<link rel=\"related\" href=\"/ReadingType/1\"/><content><espi:MeterReading/></content>"
        "</entry>"
        "<entry><link rel=\"self\" href=\"/ReadingType/1\"/><content><espi:ReadingType>"
        "<espi:flowDirection>1</espi:flowDirection><espi:intervalLength>3600</espi:intervalLength>"
        "<espi:kind>12</espi:kind><espi:uom>72</espi:uom></espi:ReadingType></content></entry>"
        "<entry><link rel=\"self\" href=\"/UsagePoint/1/MeterReading/1/IntervalBlock/1\"/>"
        "<link rel=\"up\" href=\"/UsagePoint/1/MeterReading/1/IntervalBlock\"/><content>"
        "<espi:IntervalBlock><espi:IntervalReading><espi:timePeriod><espi:duration>3600"
        "</espi:duration><espi:start>1262304000</espi:start></espi:timePeriod><espi:value>1000"
        "</espi:value></espi:IntervalReading><espi:IntervalReading><espi:timePeriod>"
        "<espi:duration>3600</espi:duration><espi:start>1640995200</espi:start>"
        "</espi:timePeriod><espi:value>3000</espi:value></espi:IntervalReading>"
        "</espi:IntervalBlock></content></entry></feed>";
    espi_report_options o;
    espi_report_options_init(&o);
    o.format = ESPI_REPORT_XML;
    espi_error err;
    int rc;
    FILE *in = test_stream(feed);
    char *text = report_of(in, "twelve-years.xml", &o, &rc, &err);
    fclose(in);
    assert_int_equal(rc, 0);
    xmlDocPtr doc = parse(text);
    /* 2010-01-01 to 2022-01-01: 4,384 local days, 2 with readings */
    assert_xpath(doc, "string(//r:headline/@firstDay)", "2010-01-01");
    assert_xpath(doc, "string(//r:headline/@lastDay)", "2022-01-01");
    assert_xpath(doc, "string(//r:headline/@days)", "4384");
    assert_xpath(doc, "string(//r:headline/@daysWithReadings)", "2");
    assert_xpath(doc, "string(//r:headline/@delivered)", "4.000");
    assert_xpath(doc, "string(//r:headline/@averagePerDay)", "2.000");
    assert_xpath(doc, "count(//r:days/r:day)", "3660");
    assert_xpath(doc, "string(//r:days/r:day[last()]/@date)", "2022-01-01");
    assert_xpath(doc, "string(//r:days/r:day[1]/@date)", "2011-12-26");
    /* the heat map: the last 366 days only */
    assert_xpath(doc, "string(//r:loadShape/@days)", "366");
    assert_xpath(doc, "count(//r:loadShape/r:cell)", "1");
    xmlFreeDoc(doc);
    free(text);
}

static void test_unknown_unit(void **state)
{
    (void)state;
    espi_report_options o;
    espi_report_options_init(&o);
    o.unit = "furlong";
    espi_reporter *r = NULL;
    espi_error err;
    assert_int_equal(espi_reporter_new(&r, stdout, &o, &err), ESPI_E_ARG);
    assert_null(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_channels_and_headline), cmocka_unit_test(test_every_local_day),
        cmocka_unit_test(test_html_escapes_titles),   cmocka_unit_test(test_user_stylesheet),
        cmocka_unit_test(test_stylesheet_refused),    cmocka_unit_test(test_validation_findings),
        cmocka_unit_test(test_days_capped),           cmocka_unit_test(test_unknown_unit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
