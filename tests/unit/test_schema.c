/* SPDX-License-Identifier: Apache-2.0 */
/* test_schema.c - validation with the bundled schemas: verdicts, located
 * findings, ESPI 4.0 against 3.3, no network or entity expansion, and the
 * schemas compiled ahead from several threads (espi_schema_load). */
#include "testutil.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int validate_text(const char *text, espi_schema_set set, test_diags *d, espi_error *err)
{
    FILE *in = test_stream(text);
    memset(d, 0, sizeof *d);
    int rc = espi_schema_validate_stream(in, "doc.xml", set, test_collect_diag, d, err);
    fclose(in);
    return rc;
}

#define FEED_OPEN                                                                                  \
    "<?xml version=\"1.0\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" "                        \
    "xmlns:espi=\"http://naesb.org/espi\">\n<id>urn:uuid:1</id><title>t</title>"                   \
    "<updated>2026-11-28T00:00:00Z</updated>\n"
#define ENTRY_OPEN(links) "<entry><id>urn:uuid:2</id>" links "<title>t</title><content>\n"
#define ENTRY_CLOSE "</content></entry>\n</feed>\n"
#define TYPED_LINKS                                                                                \
    "<link rel=\"self\" href=\"/a/1\" type=\"espi-entry/IntervalBlock\"/>"                         \
    "<link rel=\"up\" href=\"/a\" type=\"espi-feed/IntervalBlock\"/>"
#define UNTYPED_LINKS "<link rel=\"self\" href=\"/a/1\"/><link rel=\"up\" href=\"/a\"/>"

static const char block_ok[] = FEED_OPEN ENTRY_OPEN(
    TYPED_LINKS) "<espi:IntervalBlock><espi:interval><espi:duration>900</espi:duration>"
                 "<espi:start>1772870400</espi:start></espi:interval></"
                 "espi:IntervalBlock>" ENTRY_CLOSE;

static void test_valid(void **state)
{
    (void)state;
    test_diags d;
    espi_error err;
    assert_int_equal(validate_text(block_ok, ESPI_SCHEMA_ESPI_40, &d, &err), 0);
    assert_int_equal(validate_text(block_ok, ESPI_SCHEMA_ESPI_33, &d, &err), 0);
    assert_int_equal(d.count, 0);
}

/* Compiled ahead (espi_schema_load), from several threads at once: every
 * set compiles, the same verdicts follow, and an unknown set is refused. */
static void *load_all(void *arg)
{
    int *rc = arg;
    for (int set = ESPI_SCHEMA_ESPI_40; set <= ESPI_SCHEMA_ESPI_33; set++)
        for (int customer = 0; customer < 2; customer++)
            *rc |= espi_schema_load((espi_schema_set)set, customer, NULL);
    return NULL;
}

static void test_load_ahead(void **state)
{
    (void)state;
    pthread_t threads[3];
    int rcs[3] = {0, 0, 0};
    for (int i = 0; i < 3; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, load_all, &rcs[i]), 0);
    for (int i = 0; i < 3; i++) {
        pthread_join(threads[i], NULL);
        assert_int_equal(rcs[i], 0);
    }
    test_diags d;
    espi_error err;
    assert_int_equal(validate_text(block_ok, ESPI_SCHEMA_ESPI_33, &d, &err), 0);
    assert_int_equal(espi_schema_load((espi_schema_set)7, false, &err), ESPI_E_ARG);
    assert_string_equal(err.code, "schema-set");
}

static void test_wrong_order_located(void **state)
{
    (void)state;
    static const char doc[] = FEED_OPEN ENTRY_OPEN(
        TYPED_LINKS) "<espi:IntervalBlock><espi:interval>\n<espi:start>1772870400</espi:start>\n"
                     "<espi:duration>900</espi:duration></espi:interval></"
                     "espi:IntervalBlock>" ENTRY_CLOSE;
    test_diags d;
    espi_error err;
    assert_int_equal(validate_text(doc, ESPI_SCHEMA_ESPI_40, &d, &err), ESPI_E_INPUT);
    assert_int_equal(d.count, 1);
    assert_string_equal(d.codes[0], "schema");
    assert_int_equal(d.lines[0], 6);
    assert_non_null(strstr(d.last_message, "start"));
    assert_string_equal(err.file, "doc.xml");
    assert_int_equal(err.line, 6);
}

static void test_bad_values(void **state)
{
    (void)state;
    static const char *const docs[] = {
        /* fractional seconds, an Int48 overflow, a negative duration */
        FEED_OPEN ENTRY_OPEN(TYPED_LINKS) "<espi:IntervalBlock><espi:interval><espi:duration>900"
                                          "</espi:duration><espi:start>1.5</espi:start>"
                                          "</espi:interval></espi:IntervalBlock>" ENTRY_CLOSE,
        FEED_OPEN ENTRY_OPEN(TYPED_LINKS) "<espi:IntervalBlock><espi:IntervalReading><espi:value>"
                                          "140737488355329</espi:value></espi:IntervalReading>"
                                          "</espi:IntervalBlock>" ENTRY_CLOSE,
        FEED_OPEN ENTRY_OPEN(TYPED_LINKS) "<espi:IntervalBlock><espi:interval><espi:duration>-1"
                                          "</espi:duration><espi:start>0</espi:start>"
                                          "</espi:interval></espi:IntervalBlock>" ENTRY_CLOSE,
        FEED_OPEN ENTRY_OPEN(TYPED_LINKS) "<espi:Unknown/>" ENTRY_CLOSE,
        FEED_OPEN ENTRY_OPEN("<link rel=\"self\" href=\"/a/1\" type=\"x\"/>") "" ENTRY_CLOSE,
    };
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        test_diags d;
        espi_error err;
        assert_int_equal(validate_text(docs[i], ESPI_SCHEMA_ESPI_40, &d, &err), ESPI_E_INPUT);
        assert_true(d.count >= 1);
    }
}

/* ESPI 3.3's Atom schema requires link/@type; 4.0's does not. */
static void test_link_type_by_version(void **state)
{
    (void)state;
    static const char doc[] = FEED_OPEN ENTRY_OPEN(UNTYPED_LINKS) ENTRY_CLOSE;
    test_diags d;
    espi_error err;
    assert_int_equal(validate_text(doc, ESPI_SCHEMA_ESPI_40, &d, &err), 0);
    assert_int_equal(validate_text(doc, ESPI_SCHEMA_ESPI_33, &d, &err), ESPI_E_INPUT);
    assert_non_null(strstr(d.last_message, "'type' is required"));
}

static void test_not_well_formed(void **state)
{
    (void)state;
    test_diags d;
    espi_error err;
    assert_int_equal(validate_text("<feed xmlns=\"http://www.w3.org/2005/Atom\">\n<title>",
                                   ESPI_SCHEMA_ESPI_40, &d, &err),
                     ESPI_E_INPUT);
    assert_true(test_diag_find(&d, "xml-syntax") >= 0);
    assert_non_null(strstr(d.last_message, "Premature end of data"));
    assert_int_equal(validate_text("", ESPI_SCHEMA_ESPI_40, &d, &err), ESPI_E_INPUT);
    assert_int_equal(validate_text("{\"status\":\"COMPLETE\"}", ESPI_SCHEMA_ESPI_40, &d, &err),
                     ESPI_E_INPUT);
    assert_int_equal(d.lines[0], 1);
}

/* An external entity is neither fetched nor read: its text never appears,
 * and the document is not valid (the reference cannot be resolved). */
static void test_no_external_entities(void **state)
{
    (void)state;
    char path[] = "/tmp/espi-secret-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "TOPSECRET", 9), 9);
    close(fd);
    char doc[1024];
    snprintf(doc, sizeof doc,
             "<?xml version=\"1.0\"?>\n<!DOCTYPE feed [<!ENTITY x SYSTEM \"file://%s\">]>\n"
             "<feed xmlns=\"http://www.w3.org/2005/Atom\"><id>urn:uuid:1</id><title>&x;</title>"
             "<updated>2026-11-28T00:00:00Z</updated></feed>\n",
             path);
    test_diags d;
    espi_error err;
    validate_text(doc, ESPI_SCHEMA_ESPI_40, &d, &err);
    assert_null(strstr(d.last_message, "TOPSECRET"));
    assert_null(strstr(err.message, "TOPSECRET"));
    unlink(path);
    /* a DTD on the network is not loaded: validation ends promptly either way */
    const char *net = "<?xml version=\"1.0\"?>\n<!DOCTYPE feed SYSTEM "
                      "\"http://192.0.2.1/feed.dtd\">\n<feed "
                      "xmlns=\"http://www.w3.org/2005/Atom\"/>\n";
    validate_text(net, ESPI_SCHEMA_ESPI_40, &d, &err);
    assert_int_equal(test_diag_find(&d, "io"), -1);
}

static void test_files(void **state)
{
    (void)state;
    test_diags d = {0};
    espi_error err;
    assert_int_equal(espi_schema_validate_file(test_fixture("espi/valid_minimal_feed.xml"),
                                               "min.xml", ESPI_SCHEMA_ESPI_33, test_collect_diag,
                                               &d, &err),
                     0);
    assert_int_equal(espi_schema_validate_file("/nonexistent/x.xml", "x.xml", ESPI_SCHEMA_ESPI_40,
                                               NULL, NULL, &err),
                     ESPI_E_IO);
    assert_string_equal(err.file, "x.xml");
    assert_int_equal(espi_schema_validate_file(test_fixture("espi/valid_minimal_feed.xml"),
                                               "min.xml", (espi_schema_set)7, NULL, NULL, &err),
                     ESPI_E_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),           cmocka_unit_test(test_wrong_order_located),
        cmocka_unit_test(test_bad_values),      cmocka_unit_test(test_link_type_by_version),
        cmocka_unit_test(test_not_well_formed), cmocka_unit_test(test_no_external_entities),
        cmocka_unit_test(test_files),           cmocka_unit_test(test_load_ahead),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
