/* SPDX-License-Identifier: Apache-2.0 */
/* explain.c - espi_rule_explain: a rule's section of docs/rules.md, which
 * the build compiles into the library next to the schemas, so the text
 * `espi validate --explain` prints is the page's and cannot drift from it. */
#include "common/embedded.h"

#include "espi.h"

#include <string.h>

/* The line after the one that starts at p (or the end). */
static const char *next_line(const char *p, const char *end)
{
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    return nl ? nl + 1 : end;
}

/* "### ID" alone on its line (trailing blanks allowed), as tests/feed/rules.sh reads it. */
static bool is_heading_of(const char *line, const char *end, const char *id)
{
    size_t n = strlen(id);
    if ((size_t)(end - line) < 4 + n || memcmp(line, "### ", 4) != 0 ||
        memcmp(line + 4, id, n) != 0)
        return false;
    for (const char *p = line + 4 + n; p < end && *p != '\n'; p++)
        if (*p != ' ' && *p != '\t' && *p != '\r')
            return false;
    return true;
}

/* A heading that ends a rule's section: the next rule's, or a chapter's. */
static bool is_heading(const char *line, const char *end)
{
    return (end - line >= 3 && memcmp(line, "## ", 3) == 0) ||
           (end - line >= 4 && memcmp(line, "### ", 4) == 0);
}

int espi_rule_explain(const char **text, size_t *len, const char *id)
{
    *text = NULL;
    *len = 0;
    if (espi_rule_find(id) == NULL)
        return ESPI_E_ARG;
    const embedded_file *f = embedded_files;
    while (f->name && strcmp(f->name, "rules.md") != 0)
        f++;
    if (f->name == NULL)
        return ESPI_E_ARG;
    const char *p = (const char *)f->data, *end = p + f->size;
    while (p < end && !is_heading_of(p, end, id))
        p = next_line(p, end);
    if (p == end)
        return ESPI_E_ARG; /* a rule without its section: tests/feed/rules.sh forbids it */
    const char *stop = next_line(p, end);
    bool fenced = false; /* inside a ``` example, where "## " is no heading */
    while (stop < end && (fenced || !is_heading(stop, end))) {
        if (end - stop >= 3 && memcmp(stop, "```", 3) == 0)
            fenced = !fenced;
        stop = next_line(stop, end);
    }
    while (stop > p && (stop[-1] == '\n' || stop[-1] == '\r' || stop[-1] == ' '))
        stop--; /* the blank lines before the next heading */
    *text = p;
    *len = (size_t)(stop - p);
    return 0;
}
