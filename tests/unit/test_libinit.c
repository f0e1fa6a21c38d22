/* SPDX-License-Identifier: Apache-2.0 */
/* test_libinit.c - what espi's one-time set-up of libxml2 and libxslt
 * (common/libinit.c) leaves to a program that uses those libraries too,
 * as include/espi.h promises: a program's entity loader and libxslt error
 * handler, set before its first call into espi, still get everything that
 * is not espi's; espi's own libxslt messages go into its errors, not to the
 * program's handler. Its own process, since the set-up happens once. */
#include "testutil.h"

#include <libxml/parser.h>
#include <libxslt/xsltInternals.h>
#include <libxslt/xsltutils.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROGRAM_SCHEME "program:///"

typedef struct seen {
    int messages;
    char last[512];
    int loads;
} seen;

static seen program;
static xmlExternalEntityLoader default_loader;

static void program_handler(void *ctx, const char *fmt, ...)
{
    seen *s = ctx;
    s->messages++;
    snprintf(s->last, sizeof s->last, "%s", fmt);
}

/* The program's own loader: serves program:///doc.xml, passes the rest on. */
static xmlParserInputPtr program_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
    if (url == NULL || strcmp(url, PROGRAM_SCHEME "doc.xml") != 0)
        return default_loader(url, id, ctxt);
    program.loads++;
    static const char doc[] = "<from-the-program/>";
    xmlParserInputBufferPtr buf =
        xmlParserInputBufferCreateMem(doc, (int)strlen(doc), XML_CHAR_ENCODING_NONE);
    return buf ? xmlNewIOInputStream(ctxt, buf, XML_CHAR_ENCODING_NONE) : NULL;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_program_handlers_kept(void **state)
{
    (void)state;
    /* the program sets its handlers first, before espi is used */
    xmlInitParser();
    xsltSetGenericErrorFunc(&program, program_handler);
    default_loader = xmlGetExternalEntityLoader();
    xmlSetExternalEntityLoader(program_loader);

    /* espi validates with its bundled schemas (its loader serves them) */
    FILE *in = fopen(test_fixture("validate/mixed_findings.xml"), "rb");
    assert_non_null(in);
    espi_validate_summary sum;
    espi_error err;
    assert_int_equal(espi_validate(&sum, in, "mixed_findings.xml", NULL, &err), ESPI_E_INPUT);
    fclose(in);
    assert_true(sum.errors > 0);
    assert_string_not_equal(err.code, "schema-compile");

    /* a stylesheet espi refuses: the message is in espi's error only */
    char dir[64], path[128];
    snprintf(dir, sizeof dir, "/tmp/espi-libinit-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/bad.xsl", dir);
    write_text(path, "<xsl:stylesheet version=\"1.0\" "
                     "xmlns:xsl=\"http://www.w3.org/1999/XSL/Transform\">\n"
                     "  <xsl:template match=\"espi-mistake[\"/>\n</xsl:stylesheet>\n");
    espi_report_options ro;
    espi_report_options_init(&ro);
    ro.stylesheet = path;
    espi_reporter *r = NULL;
    char *html = NULL;
    size_t n = 0;
    FILE *dest = open_memstream(&html, &n);
    assert_int_equal(espi_reporter_new(&r, dest, &ro, &err), ESPI_E_INPUT);
    assert_null(r);
    assert_string_equal(err.code, "stylesheet");
    assert_non_null(strstr(err.message, "espi-mistake["));
    assert_int_equal(program.messages, 0);
    fclose(dest);
    free(html);
    unlink(path);
    rmdir(dir);

    /* the program's own libxslt use still reaches the program's handler */
    static const char bad[] = "<xsl:stylesheet version=\"1.0\" "
                              "xmlns:xsl=\"http://www.w3.org/1999/XSL/Transform\">"
                              "<xsl:template match=\"program-mistake[\"/></xsl:stylesheet>";
    xmlDocPtr doc = xmlReadMemory(bad, (int)strlen(bad), "program.xsl", NULL, 0);
    assert_non_null(doc);
    xsltStylesheetPtr style = xsltParseStylesheetDoc(doc);
    assert_true(program.messages > 0);
    if (style)
        xsltFreeStylesheet(style);
    else
        xmlFreeDoc(doc);

    /* and URLs that are not espi's go to the program's loader */
    xmlDocPtr mine = xmlReadFile(PROGRAM_SCHEME "doc.xml", NULL, XML_PARSE_NONET);
    assert_non_null(mine);
    assert_string_equal((const char *)xmlDocGetRootElement(mine)->name, "from-the-program");
    xmlFreeDoc(mine);
    assert_int_equal(program.loads, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_program_handlers_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
