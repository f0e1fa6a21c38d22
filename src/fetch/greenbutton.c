/* SPDX-License-Identifier: Apache-2.0 */
/* greenbutton.c - espi_fetch_url: a Green Button file by URL (Download My
 * Data, or a Connect My Data resource with the user's access token),
 * following the feed's rel="next" links, its pages joined into one
 * document for the repair reader. */
#include "fetch/client.h"
#include "fetch/url.h"

#include "common/error.h"
#include "fetch/secret.h"
#include "fetch/smarthub.h"

#include <stdlib.h>
#include <string.h>

/* Pages followed at most. */
#define GB_MAX_PAGES 1000

typedef struct gb_fetch {
    fetch_http *http;
    const espi_fetch_options *o;
    const char *token;
    char origin[FETCH_URL_MAX];
    char shown[FETCH_URL_MAX];
    char **visited;
    size_t nvisited;
    fetch_buf doc;    /* the pages joined */
    size_t doc_close; /* where the first page's closing root tag starts */
    char root[64];    /* the root element's name, with its prefix */
    char *root_tag;   /* the first page's root start tag, for its namespace declarations */
} gb_fetch;

static err_loc at(const gb_fetch *g)
{
    return (err_loc){g->shown, 0, 0, NULL};
}

/* ------------------------------------------------------------------ */
/* The next link, read by the library's own reader                     */
/* ------------------------------------------------------------------ */

typedef struct next_link {
    char href[FETCH_URL_MAX];
} next_link;

static int on_resource(const espi_resource *res, void *ctx)
{
    next_link *n = ctx;
    if (res->kind != ESPI_RES_FEED)
        return 0;
    for (size_t i = 0; i < res->u.feed->nlinks; i++) {
        const espi_link *l = &res->u.feed->links[i];
        if (l->rel && strcmp(l->rel, "next") == 0 && l->href && strlen(l->href) < sizeof n->href)
            snprintf(n->href, sizeof n->href, "%s", l->href);
    }
    return 0;
}

/* The feed's rel="next" href into next ("" when none, or when the page is
 * not a feed the reader takes: the converter will say why). */
static void find_next(next_link *next, const fetch_buf *page)
{
    next->href[0] = '\0';
    FILE *in = fmemopen(page->data, page->len, "rb");
    if (in == NULL)
        return;
    espi_error ignored;
    espi_read(in, "page", NULL, on_resource, next, &ignored);
    fclose(in);
}

/* ------------------------------------------------------------------ */
/* Joining pages                                                       */
/* ------------------------------------------------------------------ */

/* The start of the root element: after the XML declaration, comments,
 * processing instructions and a doctype. NULL when there is none. */
static const char *root_start(const char *p)
{
    while ((p = strchr(p, '<')) != NULL) {
        if (p[1] == '?' || p[1] == '!') {
            const char *end = strncmp(p, "<!--", 4) == 0 ? strstr(p, "-->") : strchr(p, '>');
            if (end == NULL)
                return NULL;
            p = end + 1;
            continue;
        }
        return p;
    }
    return NULL;
}

/* The end of a start tag at p ('>' outside quoted values); NULL if none. */
static const char *tag_end(const char *p)
{
    char quote = 0;
    for (; *p; p++) {
        if (quote)
            quote = *p == quote ? 0 : quote;
        else if (*p == '"' || *p == '\'')
            quote = *p;
        else if (*p == '>')
            return p;
    }
    return NULL;
}

/* Where the root's closing tag starts: the last "</ROOT". */
static const char *root_close(const char *text, size_t len, const char *root)
{
    char close[80];
    snprintf(close, sizeof close, "</%s", root);
    const char *found = NULL;
    for (const char *p = text; (p = strstr(p, close)) != NULL && (size_t)(p - text) < len; p++)
        found = p;
    return found;
}

/* Whether every xmlns declaration of tag is in the first page's root tag. */
static bool same_namespaces(const gb_fetch *g, const char *tag, size_t len)
{
    for (const char *p = tag; (p = strstr(p, "xmlns")) != NULL && (size_t)(p - tag) < len; p++) {
        const char *end = tag_end(p); /* the declaration runs to its closing quote */
        const char *q1 = strpbrk(p, "\"'");
        const char *q2 = q1 ? strchr(q1 + 1, *q1) : NULL;
        if (q2 == NULL || end == NULL || q2 > end)
            return false;
        size_t n = (size_t)(q2 - p + 1);
        bool found = false;
        for (const char *r = g->root_tag; !found && (r = strstr(r, "xmlns")) != NULL; r++)
            found = strncmp(r, p, n) == 0;
        if (!found)
            return false;
    }
    return true;
}

/* Splits a page into its root start tag and content: [*body, *close). */
static int page_parts(gb_fetch *g, const fetch_buf *page, bool first, const char **body,
                      const char **close, espi_error *err)
{
    const char *text = (const char *)page->data;
    const char *start = root_start(text), *end = start ? tag_end(start) : NULL;
    size_t name_len = start ? strcspn(start + 1, " \t\r\n/>") : 0;
    err_loc loc = at(g);
    if (end == NULL || name_len == 0 || name_len >= sizeof g->root)
        return err_fail(err, ESPI_E_INPUT, "fetch-page", &loc,
                        "a page of the feed is not XML with a root element");
    if (first) {
        memcpy(g->root, start + 1, name_len);
        g->root[name_len] = '\0';
        g->root_tag = malloc((size_t)(end - start) + 2);
        if (g->root_tag == NULL)
            return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
        memcpy(g->root_tag, start, (size_t)(end - start) + 1);
        g->root_tag[end - start + 1] = '\0';
    } else if (strncmp(start + 1, g->root, name_len) != 0 || g->root[name_len] != '\0' ||
               !same_namespaces(g, start, (size_t)(end - start))) {
        return err_fail(err, ESPI_E_INPUT, "fetch-page", &loc,
                        "a later page of the feed has another root element or other namespace "
                        "prefixes than the first: the pages cannot be joined");
    }
    *body = end + 1;
    *close = root_close(text, page->len, g->root);
    if (*close == NULL || *close < *body)
        return err_fail(err, ESPI_E_INPUT, "fetch-page", &loc,
                        "a page of the feed does not end with </%s>", g->root);
    return 0;
}

/* The entries of a later page: from its first child element that is not a
 * feed-level one (id, title, updated, link, author, ...) to its end. */
static const char *first_entry(const char *body, const char *close, const char *root)
{
    char entry[80];
    const char *colon = strchr(root, ':');
    snprintf(entry, sizeof entry, "<%.*sentry", colon ? (int)(colon - root + 1) : 0, root);
    size_t n = strlen(entry);
    for (const char *p = body; (p = strstr(p, entry)) != NULL && p < close; p++)
        if (strchr(" \t\r\n>/", p[n]) != NULL)
            return p;
    return close;
}

static int add_page(gb_fetch *g, const fetch_buf *page, bool first, espi_error *err)
{
    const char *body = NULL, *close = NULL;
    int rc = page_parts(g, page, first, &body, &close, err);
    if (rc != 0)
        return rc;
    const char *text = (const char *)page->data;
    int f;
    if (first) {
        f = fetch_buf_add(&g->doc, text, (size_t)(close - text));
        g->doc_close = g->doc.len;
        f = f ? f : fetch_buf_add(&g->doc, close, page->len - (size_t)(close - text));
        return f ? err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory") : 0;
    }
    const char *from = first_entry(body, close, g->root);
    fetch_buf tail = {0};
    f = fetch_buf_add(&tail, g->doc.data + g->doc_close, g->doc.len - g->doc_close);
    g->doc.len = g->doc_close;
    f = f ? f : fetch_buf_add(&g->doc, from, (size_t)(close - from));
    g->doc_close = g->doc.len;
    f = f ? f : fetch_buf_add(&g->doc, tail.data, tail.len);
    fetch_buf_free(&tail);
    return f ? err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory") : 0;
}

/* ------------------------------------------------------------------ */
/* Fetching                                                            */
/* ------------------------------------------------------------------ */

static int page_error(gb_fetch *g, const fetch_response *rs, espi_error *err)
{
    err_loc loc = at(g);
    if (fetch_response_is_html(rs))
        return err_fail(err, ESPI_E_INPUT, "fetch-html", &loc,
                        "the server answered with a web page, not a Green Button file (HTTP "
                        "%ld): the link may need a login in a browser; download the file there "
                        "and give it to espi convert",
                        rs->status);
    if (rs->status == 401 || rs->status == 403)
        return err_fail(err, ESPI_E_INPUT, "fetch-unauthorized", &loc,
                        "HTTP %ld: the server refused the request%s", rs->status,
                        g->token ? ": check the access token in --bearer-token-file (it may "
                                   "have expired)"
                                 : ": it may need an access token (--bearer-token-file)");
    if (rs->status >= 300 && rs->status < 400) /* redirects are not followed */
        return err_fail(err, ESPI_E_INPUT, "fetch-http", &loc,
                        "HTTP %ld: the server sends the request elsewhere; espi follows no "
                        "redirect (a token must not go to another server): give the final "
                        "address, or download the file in a browser and give it to espi convert",
                        rs->status);
    return err_fail(err, rs->status >= 500 ? ESPI_E_IO : ESPI_E_INPUT, "fetch-http", &loc,
                    "HTTP %ld: no Green Button file at this address%s", rs->status,
                    rs->status >= 500 ? "; try again later" : "");
}

static int get_page(gb_fetch *g, const char *url, fetch_response *rs, espi_error *err)
{
    fetch_buf auth = {0};
    const char *headers[3] = {"Accept: application/atom+xml, application/xml;q=0.9, */*;q=0.5",
                              NULL, NULL};
    if (g->token) {
        if (fetch_buf_puts(&auth, "Authorization: Bearer ") || fetch_buf_puts(&auth, g->token)) {
            fetch_buf_free(&auth);
            return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
        }
        headers[1] = (const char *)auth.data;
    }
    fetch_request rq = {"GET", url, headers, NULL, 0, NULL, g->shown};
    int rc = fetch_http_send(g->http, &rq, rs, err);
    fetch_buf_free(&auth);
    if (rc == 0 && (rs->status != 200 || fetch_response_is_html(rs)))
        rc = page_error(g, rs, err);
    if (rc == 0 && rs->body.len == 0) {
        err_loc loc = at(g);
        rc = err_fail(err, ESPI_E_INPUT, "fetch-empty", &loc, "the server sent an empty answer");
    }
    return rc;
}

/* Checks a next link: absolute, allowed, of the same origin (the token goes
 * nowhere else), not seen before. */
static int check_next(gb_fetch *g, const char *url, espi_error *err)
{
    char origin[FETCH_URL_MAX];
    err_loc loc = at(g);
    int rc = fetch_url_check(url, "a rel=\"next\" link", err);
    if (rc == 0)
        rc = fetch_url_origin(origin, url, err);
    if (rc == 0 && strcmp(origin, g->origin) != 0)
        rc = err_fail(err, ESPI_E_INPUT, "fetch-next", &loc,
                      "a rel=\"next\" link leads to another server (%s): espi follows links "
                      "on the first page's server only",
                      origin);
    for (size_t i = 0; rc == 0 && i < g->nvisited; i++)
        if (strcmp(g->visited[i], url) == 0)
            rc = err_fail(err, ESPI_E_INPUT, "fetch-next", &loc,
                          "the rel=\"next\" links go round in a circle");
    if (rc == 0 && g->nvisited >= GB_MAX_PAGES)
        rc = err_fail(err, ESPI_E_LIMIT, "fetch-pages", &loc,
                      "more than %d pages: espi stops there", GB_MAX_PAGES);
    return rc;
}

static int remember(gb_fetch *g, const char *url, espi_error *err)
{
    char **v = realloc(g->visited, (g->nvisited + 1) * sizeof *v);
    if (v == NULL)
        return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    g->visited = v;
    v[g->nvisited] = fetch_strdup(url);
    if (v[g->nvisited] == NULL)
        return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    g->nvisited++;
    return 0;
}

static bool is_zip(const fetch_buf *b)
{
    return b->len >= 4 && memcmp(b->data, "PK\003\004", 4) == 0;
}

static int keep_page(gb_fetch *g, const fetch_buf *body, size_t index, espi_error *err)
{
    if (g->o->on_body == NULL)
        return 0;
    char name[32];
    snprintf(name, sizeof name, "page-%03zu.%s", index, is_zip(body) ? "zip" : "xml");
    return g->o->on_body(name, body->data, body->len, err, g->o->body_ctx);
}

/* Fetches every page into g->doc. */
static int fetch_pages(gb_fetch *g, const char *url, espi_error *err)
{
    char current[FETCH_URL_MAX];
    snprintf(current, sizeof current, "%s", url);
    fetch_response rs;
    memset(&rs, 0, sizeof rs);
    int rc = remember(g, url, err);
    for (size_t index = 1; rc == 0; index++) {
        fetch_url_shown(g->shown, sizeof g->shown, current);
        rc = get_page(g, current, &rs, err);
        if (rc == 0)
            rc = keep_page(g, &rs.body, index, err);
        if (rc == 0 && index == 1 && is_zip(&rs.body)) {
            if (fetch_buf_add(&g->doc, rs.body.data, rs.body.len) != 0)
                rc = err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
            break; /* SmartHub's zip: one file, no pages */
        }
        if (rc == 0)
            rc = add_page(g, &rs.body, index == 1, err);
        next_link next;
        if (rc == 0)
            find_next(&next, &rs.body);
        if (rc != 0 || next.href[0] == '\0')
            break;
        char resolved[FETCH_URL_MAX];
        rc = fetch_url_resolve(resolved, current, next.href, err);
        if (rc == 0)
            rc = check_next(g, resolved, err);
        if (rc == 0)
            rc = remember(g, resolved, err);
        if (rc == 0)
            memcpy(current, resolved, strlen(resolved) + 1);
    }
    fetch_response_free(&rs);
    return rc;
}

/* Whether the n bytes at p hold needle. */
static bool contains(const char *p, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(p + i, needle, k) == 0)
            return true;
    return false;
}

/* The first page's rel="next" link, which the joined document no longer
 * has a use for: removed, with the blanks after it. */
static void drop_next_link(gb_fetch *g)
{
    char *text = (char *)g->doc.data;
    char link[80];
    const char *colon = strchr(g->root, ':');
    snprintf(link, sizeof link, "<%.*slink", colon ? (int)(colon - g->root + 1) : 0, g->root);
    const char *stop = first_entry(text, text + g->doc_close, g->root);
    for (char *p = text; (p = strstr(p, link)) != NULL && p < stop; p++) {
        const char *end = tag_end(p);
        if (end == NULL || end > stop)
            return;
        size_t n = (size_t)(end - p + 1);
        if (!contains(p, n, "rel=\"next\"") && !contains(p, n, "rel='next'"))
            continue;
        while (p + n < (char *)g->doc.data + g->doc.len && strchr(" \t\r\n", p[n]) && p[n])
            n++;
        memmove(p, p + n, g->doc.len - (size_t)(p - text) - n + 1);
        g->doc.len -= n;
        g->doc_close -= n;
        return;
    }
}

static void gb_free(gb_fetch *g)
{
    for (size_t i = 0; i < g->nvisited; i++)
        fetch_strfree(g->visited[i]);
    free(g->visited);
    free(g->root_tag);
    fetch_buf_free(&g->doc);
    fetch_http_free(g->http);
}

int espi_fetch_url(espi_converter *conv, const char *url, const char *bearer_token,
                   const espi_fetch_options *opts, espi_error *err)
{
    espi_fetch_options defaults;
    if (opts == NULL) {
        espi_fetch_options_init(&defaults);
        opts = &defaults;
    }
    gb_fetch g;
    memset(&g, 0, sizeof g);
    g.o = opts;
    g.token = bearer_token && bearer_token[0] ? bearer_token : NULL;
    int rc = fetch_url_check(url, "the URL", err);
    if (rc == 0)
        rc = fetch_url_origin(g.origin, url, err);
    if (rc == 0)
        rc = fetch_http_new(&g.http, opts, err);
    if (rc == 0)
        rc = fetch_pages(&g, url, err);
    if (rc == 0 && g.nvisited > 1)
        drop_next_link(&g);
    if (rc == 0) {
        fetch_url_shown(g.shown, sizeof g.shown, url);
        rc = fetch_add_bytes(conv, g.doc.data, g.doc.len, g.shown, ESPI_FORMAT_ESPI, err);
    }
    gb_free(&g);
    return rc;
}
