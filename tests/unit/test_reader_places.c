/* SPDX-License-Identifier: Apache-2.0 */
/* test_reader_places.c - where the reader says elements start (reader.h's
 * read_pos): the line and column of each start tag's '<', for fields,
 * entries, links and resources; tags over several lines, characters of
 * several bytes before a tag, and a whole feed on one line read in chunks
 * of 512 bytes, so that tags straddle the parser's reads. */
#include "testutil.h"

#include "read/reader.h"

#include <stdlib.h>
#include <string.h>

#define MAX_SEEN 64

typedef struct seen {
    read_pos at; /* the observer's place, filled by the reader */
    char what[MAX_SEEN][48];
    read_pos where[MAX_SEEN];
    size_t n;
    read_places places[8];
    read_pos links[8][4];
    espi_resource_kind kinds[8];
    size_t nplaces;
    read_pos reading;    /* the first reading's */
    read_pos last_value; /* the last reading value's */
} seen;

static void note(seen *s, const char *what, read_pos at)
{
    if (s->n == MAX_SEEN)
        return;
    snprintf(s->what[s->n], sizeof s->what[0], "%s", what);
    s->where[s->n++] = at;
}

static void on_field(void *ctx, read_scope scope, espi_resource_kind kind, const void *res,
                     const char *path, const char *text, unsigned long line)
{
    (void)scope, (void)kind, (void)res, (void)text;
    seen *s = ctx;
    assert_int_equal(s->at.line, line); /* the field's line is its start tag's */
    note(s, path, s->at);
    if (strcmp(path, "value") == 0)
        s->last_value = s->at;
}

static void on_places(void *ctx, const void *res, espi_resource_kind kind, const read_places *p)
{
    (void)res;
    seen *s = ctx;
    if (s->nplaces == 8)
        return;
    s->places[s->nplaces] = *p;
    for (size_t i = 0; i < p->nlinks && i < 4; i++)
        s->links[s->nplaces][i] = p->links[i];
    s->kinds[s->nplaces++] = kind;
}

static int on_resource(const espi_resource *res, void *ctx)
{
    seen *s = ctx;
    if (res->kind == ESPI_RES_INTERVAL_READING && s->reading.line == 0)
        s->reading = (read_pos){res->u.reading->line, res->u.reading->column};
    return 0;
}

static read_pos place_of(const seen *s, const char *what)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->what[i], what) == 0)
            return s->where[i];
    fail_msg("no field %s", what);
    return (read_pos){0, 0};
}

static void read_text(const char *xml, seen *s)
{
    memset(s, 0, sizeof *s);
    read_observer obs = {.ctx = s, .field = on_field, .at = &s->at, .resource = on_places};
    espi_read_options ro;
    espi_read_options_init(&ro);
    ro.chunk_size = 512;
    FILE *in = test_stream(xml);
    espi_error err;
    assert_int_equal(reader_run(in, "t.xml", &ro, &obs, on_resource, s, &err), 0);
    fclose(in);
}

#define NS "xmlns=\"http://www.w3.org/2005/Atom\" xmlns:espi=\"http://naesb.org/espi\""

/* Tags over several lines, and "é" (two bytes, one column) before tags. */
static void test_lines(void **state)
{
    (void)state;
    static const char xml[] =
        "<feed " NS ">\n"
        "<title>é</title><entry><id>urn:uuid:00000000-0000-5000-8000-000000000001</id>\n"
        "  <link rel=\"self\"\n"
        "        href=\"/ReadingType/1\"/><link rel=\"up\" href=\"/ReadingType\"/>\n"
        "  <content><espi:ReadingType><espi:kind>12</espi:kind>\n"
        "  <espi:intervalLength\n"
        "    >900</espi:intervalLength></espi:ReadingType></content></entry></feed>\n";
    seen s;
    read_text(xml, &s);
    assert_int_equal(place_of(&s, "title").line, 2);
    assert_int_equal(place_of(&s, "title").column, 1);
    assert_int_equal(place_of(&s, "id").line, 2);
    assert_int_equal(place_of(&s, "id").column, 24); /* "<title>é</title><entry>" is 23 */
    assert_int_equal(place_of(&s, "kind").line, 5);
    assert_int_equal(place_of(&s, "kind").column, 30);
    assert_int_equal(place_of(&s, "intervalLength").line, 6); /* its '<', not its '>' */
    assert_int_equal(place_of(&s, "intervalLength").column, 3);
    assert_int_equal(s.nplaces, 1);
    assert_int_equal(s.kinds[0], ESPI_RES_READING_TYPE);
    assert_int_equal(s.places[0].entry.line, 2);
    assert_int_equal(s.places[0].entry.column, 17);
    assert_int_equal(s.places[0].element.line, 5);
    assert_int_equal(s.places[0].element.column, 12);
    assert_int_equal(s.places[0].nlinks, 2);
    assert_int_equal(s.links[0][0].line, 3); /* the self link, over two lines */
    assert_int_equal(s.links[0][0].column, 3);
    assert_int_equal(s.links[0][1].line, 4);
    assert_int_equal(s.links[0][1].column, 32);
}

/* A whole feed on one line, longer than many reads of 512 bytes: each
 * element its own column, counted from the line's start. */
static void test_one_line(void **state)
{
    (void)state;
    char *xml = malloc(64 * 1024);
    assert_non_null(xml);
    size_t len = 0;
    len += (size_t)snprintf(xml + len, 1024,
                            "<feed " NS "><entry><id>urn:uuid:00000000-0000-5000-8000-"
                            "000000000005</id><content><espi:IntervalBlock><espi:interval>"
                            "<espi:duration>36000</espi:duration><espi:start>1768464000"
                            "</espi:start></espi:interval>");
    const char *first = NULL;
    for (int i = 0; i < 200; i++) {
        if (i == 0)
            first = xml + len;
        len += (size_t)snprintf(xml + len, 1024,
                                "<espi:IntervalReading><espi:timePeriod><espi:duration>180"
                                "</espi:duration><espi:start>%d</espi:start></espi:timePeriod>"
                                "<espi:value>%d</espi:value></espi:IntervalReading>",
                                1768464000 + 180 * i, i);
    }
    snprintf(xml + len, 1024, "</espi:IntervalBlock></content></entry></feed>");
    seen s;
    read_text(xml, &s);
    const char *start = strstr(xml, "<espi:start>");
    assert_int_equal(place_of(&s, "interval/start").line, 1);
    assert_int_equal(place_of(&s, "interval/start").column, (unsigned long)(start - xml) + 1);
    assert_int_equal(s.reading.line, 1);
    assert_int_equal(s.reading.column, (unsigned long)(first - xml) + 1);
    /* every reading's fields at their own column, far past the first read */
    const char *value = xml, *last_value = NULL;
    while ((value = strstr(value, "<espi:value>")) != NULL)
        last_value = value++;
    read_pos at = s.last_value;
    assert_int_equal(at.line, 1);
    assert_int_equal(at.column, (unsigned long)(last_value - xml) + 1);
    assert_true(at.column > 30000);
    free(xml);
}

/* Line ends of two bytes (CRLF), a tab, characters of several bytes in an
 * attribute value and in a comment before tags on the same line. */
static void test_odd_bytes(void **state)
{
    (void)state;
    static const char xml[] =
        "<feed " NS ">\r\n"
        "<title>t</title><entry><id>urn:uuid:00000000-0000-5000-8000-000000000001</id>\r\n"
        "\t<link rel=\"self\" href=\"/Réading/1\"/><link rel=\"up\" href=\"/R\"/>\r\n"
        "<content><!-- été --><espi:ReadingType><espi:kind>12</espi:kind>\r\n"
        "<espi:uom\r\n"
        "  >72</espi:uom></espi:ReadingType></content></entry></feed>\r\n";
    seen s;
    read_text(xml, &s);
    assert_int_equal(place_of(&s, "id").line, 2);
    assert_int_equal(place_of(&s, "id").column, 24);
    assert_int_equal(s.nplaces, 1);
    assert_int_equal(s.links[0][0].line, 3);
    assert_int_equal(s.links[0][0].column, 2);
    assert_int_equal(s.links[0][1].line, 3);
    assert_int_equal(s.links[0][1].column, 38); /* "\t<link ... href=\"/Réading/1\"/>" is 37 */
    assert_int_equal(s.places[0].element.line, 4);
    assert_int_equal(s.places[0].element.column, 22); /* "<content><!-- été -->" is 21 */
    assert_int_equal(place_of(&s, "kind").column, 40);
    assert_int_equal(place_of(&s, "uom").line, 5);
    assert_int_equal(place_of(&s, "uom").column, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines),
        cmocka_unit_test(test_one_line),
        cmocka_unit_test(test_odd_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
