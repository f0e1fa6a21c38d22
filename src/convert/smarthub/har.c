/* SPDX-License-Identifier: Apache-2.0 */
/* har.c - SmartHub answers saved in a wrapping, each read as an input of
 * its own by the existing readers (docs/smarthub.md section 13):
 *
 *  - a JSON array of poll responses (a member saving several answers into
 *    one file): each element streams, unbuffered, to the poll reader as
 *    "FILE[i]", padded so that its lines and columns are the file's own;
 *  - a browser HAR file (devtools "Save all as HAR"): every
 *    secured/utility-usage/poll answer whose status is COMPLETE, and every
 *    secured/user-data, secured/billing and (older) secured/utility-usage
 *    answer, read from memory as
 *    "FILE:entry N (METHOD PATH)". PENDING polls are skipped (the browser
 *    asked again), other statuses reported; other entries are counted.
 *
 * Nothing secret is kept. A HAR's request headers (Authorization, Cookie),
 * request bodies (the login form and its password), cookies and response
 * headers (Set-Cookie) stream past unread; an answer's body is copied only
 * when its request, read before it, is one of those above, so the
 * login answer and its token never are; of a URL only the path is kept
 * (the query may hold the member's e-mail). The one body kept at a time is
 * wiped before it is freed. */
#define _GNU_SOURCE /* fopencookie */
#include "convert/smarthub/har.h"

#include "common/error.h"
#include "common/replay.h"
#include "convert/model.h"
#include "convert/smarthub/json_stream.h"

#include <assert.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

#define SPLIT_CHUNK 65536
#define HAR_CHUNK 65536
#define HAR_MAX_READ (16u << 20) /* the largest single read inside a long string */
#define HAR_MAX_DEPTH 64
#define HAR_MAX_PATH 512 /* a longer URL path is none of SmartHub's */
#define SNIFF_BYTES 65536

static bool is_blank(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* A new input of the feed, named name; *sub is in with that name and
 * source. The feed keeps the name for messages after the read. */
static int add_input(const convert_input *in, const char *name, convert_input *sub, espi_error *err)
{
    uint16_t source;
    int rc = model_feed_add_source(in->feed, name, &source, err);
    if (rc != 0)
        return rc;
    *sub = *in;
    sub->name = in->feed->sources[source];
    sub->source = source;
    return 0;
}

/* ------------------------------------------------------------------ */
/* A JSON array of poll responses                                      */
/* ------------------------------------------------------------------ */

/* The input, read ahead in a buffer, and the element being handed over. */
typedef struct splitter {
    FILE *in;
    unsigned char buf[SPLIT_CHUNK];
    size_t n, pos;
    unsigned long line, col; /* of buf[pos]: line from 1, column from 0 */
    /* the element: blanks still to give before it, and where its text is */
    unsigned long pad_lines, pad_cols;
    size_t depth;
    bool in_string, escape, closed;
} splitter;

/* The next byte, or EOF; the buffer is refilled when empty. */
static int peek_byte(splitter *s)
{
    if (s->pos == s->n) {
        s->pos = 0;
        s->n = fread(s->buf, 1, sizeof s->buf, s->in);
        if (s->n == 0)
            return EOF;
    }
    return s->buf[s->pos];
}

static void take_byte(splitter *s)
{
    if (s->buf[s->pos++] == '\n')
        s->line++, s->col = 0;
    else
        s->col++;
}

static void skip_blanks(splitter *s)
{
    int c;
    while ((c = peek_byte(s)) != EOF && is_blank((unsigned char)c))
        take_byte(s);
}

/* Follows strings and nesting to find where the element ends. */
static void lex(splitter *s, unsigned char c)
{
    if (s->in_string) {
        if (s->escape)
            s->escape = false;
        else if (c == '\\')
            s->escape = true;
        else if (c == '"')
            s->in_string = false;
    } else if (c == '"') {
        s->in_string = true;
    } else if (c == '{' || c == '[') {
        s->depth++;
    } else if ((c == '}' || c == ']') && s->depth > 0 && --s->depth == 0) {
        s->closed = true;
    }
}

/* fopencookie read of one element: the padding, then its bytes up to and
 * including the bracket that closes it. */
static ssize_t element_read(void *cookie, char *out, size_t size)
{
    splitter *s = cookie;
    size_t k = 0;
    for (; k < size && s->pad_lines > 0; s->pad_lines--)
        out[k++] = '\n';
    for (; k < size && s->pad_cols > 0; s->pad_cols--)
        out[k++] = ' ';
    int c;
    while (k < size && !s->closed && (c = peek_byte(s)) != EOF) {
        lex(s, (unsigned char)c);
        take_byte(s);
        out[k++] = (char)c;
    }
    return k == 0 && ferror(s->in) ? -1 : (ssize_t)k;
}

/* fopencookie read of a document that is not an array: every byte as is. */
static ssize_t whole_read(void *cookie, char *out, size_t size)
{
    splitter *s = cookie;
    size_t k = 0;
    while (k < size && peek_byte(s) != EOF) {
        size_t m = s->n - s->pos < size - k ? s->n - s->pos : size - k;
        memcpy(out + k, s->buf + s->pos, m);
        s->pos += m;
        k += m;
    }
    return k == 0 && ferror(s->in) ? -1 : (ssize_t)k;
}

static int cookie_close(void *cookie)
{
    (void)cookie; /* the splitter belongs to the caller */
    return 0;
}

/* Runs read on the stream that fn gives of s. */
static int read_through(const convert_input *in, splitter *s, ssize_t (*fn)(void *, char *, size_t),
                        int (*read)(const convert_input *, FILE *, espi_error *), espi_error *err)
{
    cookie_io_functions_t io = {fn, NULL, NULL, cookie_close};
    FILE *f = fopencookie(s, "rb", io);
    if (f == NULL)
        return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    int rc = read(in, f, err);
    fclose(f);
    return rc;
}

/* Whether the text (after a byte order mark and blanks) opens an array;
 * if so the '[' is taken, else nothing is. */
static bool opens_array(splitter *s)
{
    if (peek_byte(s) == EOF)
        return false;
    size_t bom = s->n >= 3 && memcmp(s->buf, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    size_t i = json_stream_text_start(s->buf, s->n);
    if (i == s->n || s->buf[i] != '[')
        return false;
    s->pos = bom; /* the poll reader does not count a byte order mark either */
    while (s->pos <= i)
        take_byte(s);
    return true;
}

static int split_error(const splitter *s, const convert_input *in, espi_error *err,
                       const char *code, const char *fmt, ...) ATTR_PRINTF(5, 6);

/* An error at the splitter's position (a read error when there was one). */
static int split_error(const splitter *s, const convert_input *in, espi_error *err,
                       const char *code, const char *fmt, ...)
{
    err_loc loc = {in->name, s->line, s->col + 1, NULL};
    if (ferror(s->in))
        return err_fail(err, ESPI_E_IO, "read", &loc, "cannot read the input");
    va_list ap;
    va_start(ap, fmt);
    int rc = err_vfail(err, ESPI_E_INPUT, code, &loc, fmt, ap);
    va_end(ap);
    return rc;
}

/* One element, from its '{', through the poll reader as FILE[index]. */
static int read_element(const convert_input *in, splitter *s, size_t index, espi_error *err)
{
    char name[1024];
    snprintf(name, sizeof name, "%s[%zu]", in->name, index);
    convert_input sub;
    int rc = add_input(in, name, &sub, err);
    if (rc != 0)
        return rc;
    s->pad_lines = s->line - 1;
    s->pad_cols = s->col;
    s->depth = 0;
    s->in_string = s->escape = s->closed = false;
    rc = read_through(&sub, s, element_read, sh_json_read_into, err);
    while (rc == 0 && !s->closed && peek_byte(s) != EOF) {
        lex(s, s->buf[s->pos]); /* what a reader left unread */
        take_byte(s);
    }
    return rc;
}

/* After an element: ',' and another one, or ']' and the end of the text. */
static int after_element(const convert_input *in, splitter *s, size_t index, bool *more,
                         espi_error *err)
{
    skip_blanks(s);
    int c = peek_byte(s);
    *more = c == ',';
    if (c == ',' || c == ']')
        take_byte(s);
    if (c == ']')
        skip_blanks(s);
    if (c == ',' || (c == ']' && peek_byte(s) == EOF))
        return 0;
    return split_error(s, in, err, "json-syntax", "malformed JSON: %s element %zu of the array",
                       c == ']' ? "text after the closing ']', after" : "expected ',' or ']' after",
                       index);
}

static int read_elements(const convert_input *in, splitter *s, espi_error *err)
{
    bool more = true;
    for (size_t i = 0; more; i++) {
        skip_blanks(s);
        int c = peek_byte(s);
        if (c == ']' && i == 0)
            return split_error(s, in, err, "smarthub-bad-structure",
                               "unexpected JSON structure: the top-level array is empty; expected "
                               "%s in it",
                               "poll responses");
        if (c != '{')
            return split_error(s, in, err, "smarthub-bad-structure",
                               "unexpected JSON structure: element %zu of the top-level array is "
                               "not an object; expected each element to be a poll response "
                               "{\"status\": ..., \"data\": ...}",
                               i);
        int rc = read_element(in, s, i, err);
        if (rc == 0)
            rc = after_element(in, s, i, &more, err);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int sh_polls_read_into(const convert_input *in, FILE *f, espi_error *err)
{
    memset(err, 0, sizeof *err);
    splitter *s = calloc(1, sizeof *s);
    if (s == NULL)
        return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    s->in = f;
    s->line = 1;
    off_t start = ftello(f);
    int rc;
    if (opens_array(s))
        rc = read_elements(in, s, err);
    else if (stream_rewind(f, start))
        rc = sh_json_read_into(in, f, err); /* one poll response, read from the file */
    else
        rc = read_through(in, s, whole_read, sh_json_read_into, err);
    free(s);
    return rc;
}

/* ------------------------------------------------------------------ */
/* HAR: what is read of it                                             */
/* ------------------------------------------------------------------ */

/* What the container on top of the stack is. */
typedef enum hkind {
    H_TOP,
    H_ROOT,
    H_LOG,
    H_ENTRIES,
    H_ENTRY,
    H_REQUEST,
    H_RESPONSE,
    H_CONTENT,
    H_SKIP
} hkind;

/* The keys espi reads; HF_OTHER is any other key (headers, cookies,
 * postData, queryString, timings ...: never read). */
typedef enum hfield {
    HF_NONE,
    HF_OTHER,
    HF_LOG,
    HF_ENTRIES,
    HF_REQUEST,
    HF_RESPONSE,
    HF_METHOD,
    HF_URL,
    HF_STATUS,
    HF_CONTENT,
    HF_TEXT,
    HF_ENCODING
} hfield;

static const struct field_name {
    hkind in;
    const char *name;
    hfield f;
} field_names[] = {
    {H_ROOT, "log", HF_LOG},           {H_LOG, "entries", HF_ENTRIES},
    {H_ENTRY, "request", HF_REQUEST},  {H_ENTRY, "response", HF_RESPONSE},
    {H_REQUEST, "method", HF_METHOD},  {H_REQUEST, "url", HF_URL},
    {H_RESPONSE, "status", HF_STATUS}, {H_RESPONSE, "content", HF_CONTENT},
    {H_CONTENT, "text", HF_TEXT},      {H_CONTENT, "encoding", HF_ENCODING},
};

/* Which container a key opens; one of the other type is an error, any
 * other container is skipped unread. */
static const struct child_rule {
    hkind parent;
    hfield f;
    bool is_map;
    hkind child;
    const char *expect;
} child_rules[] = {
    {H_TOP, HF_NONE, true, H_ROOT, "the file to be a JSON object {\"log\": {...}}"},
    {H_ROOT, HF_LOG, true, H_LOG, "\"log\" to be an object"},
    {H_LOG, HF_ENTRIES, false, H_ENTRIES, "\"log\".\"entries\" to be an array"},
    {H_ENTRIES, HF_NONE, true, H_ENTRY, "each entry to be an object"},
    {H_ENTRY, HF_REQUEST, true, H_REQUEST, "an entry's \"request\" to be an object"},
    {H_ENTRY, HF_RESPONSE, true, H_RESPONSE, "an entry's \"response\" to be an object"},
    {H_RESPONSE, HF_CONTENT, true, H_CONTENT, "a response's \"content\" to be an object"},
};

/* What an entry's request asks for, by the end of its URL's path. */
typedef enum target {
    T_OTHER,     /* not SmartHub's */
    T_SERVICES,  /* another SmartHub service */
    T_LOGIN,     /* oauth/auth/v2 */
    T_POLL,      /* secured/utility-usage/poll */
    T_USAGE,     /* secured/utility-usage, the older synchronous request */
    T_USER_DATA, /* secured/user-data */
    T_BILLING,   /* secured/billing */
    T_COUNT
} target;

static const struct target_path {
    const char *suffix;
    target t;
    int (*read)(const convert_input *, FILE *, espi_error *); /* NULL: not read */
} target_paths[] = {
    {"/secured/utility-usage/poll", T_POLL, sh_polls_read_into},
    {"/secured/utility-usage", T_USAGE, sh_polls_read_into},
    {"/secured/user-data", T_USER_DATA, sh_account_read_into},
    {"/secured/billing", T_BILLING, sh_account_read_into},
    {"/oauth/auth/v2", T_LOGIN, NULL},
};

/* The entry being read. */
typedef struct har_entry {
    size_t index;
    unsigned long line;
    char method[16];
    char path[HAR_MAX_PATH + 1];
    bool has_url;
    const struct target_path *tp; /* NULL: not one espi reads */
    target t;
    long http; /* response status; -1 when absent or not a number */
    unsigned char *body;
    size_t body_len;
    bool has_text, text_first; /* text_first: it came before the request */
    char encoding[16];
} har_entry;

typedef struct frame {
    hkind k;
    hfield key;
} frame;

typedef struct har {
    const convert_input *in;
    espi_error *err;
    json_stream js;
    frame stack[HAR_MAX_DEPTH];
    int depth;
    har_entry e;
    bool has_log;
    size_t entries, counts[T_COUNT];
    size_t read, pending, failed, unread;
} har;

/* ------------------------------------------------------------------ */
/* HAR: locations, errors, warnings                                    */
/* ------------------------------------------------------------------ */

static int fail(har *h, espi_status status, const char *code, const char *fmt, ...)
    ATTR_PRINTF(4, 5);

static int fail(har *h, espi_status status, const char *code, const char *fmt, ...)
{
    err_loc loc = json_stream_here(&h->js, NULL);
    va_list ap;
    va_start(ap, fmt);
    err_vfail(h->err, status, code, &loc, fmt, ap);
    va_end(ap);
    return 0; /* cancels the yajl parse */
}

static int fail_nomem(har *h)
{
    err_fail(h->err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    return 0;
}

/* A warning about the entry being read, at its line. */
static void warn(har *h, const char *code, const char *fmt, ...) ATTR_PRINTF(3, 4);

static void warn(har *h, const char *code, const char *fmt, ...)
{
    char where[HAR_MAX_PATH + 64];
    snprintf(where, sizeof where, "entry %zu (%s %s)", h->e.index,
             h->e.method[0] ? h->e.method : "?", h->e.path);
    err_loc loc = {h->in->name, h->e.line, 0, where};
    va_list ap;
    va_start(ap, fmt);
    diag_vemit(h->in->on_diag, h->in->diag_ctx, ESPI_SEV_WARNING, code, &loc, fmt, ap);
    va_end(ap);
}

/* ------------------------------------------------------------------ */
/* HAR: the fields of an entry                                         */
/* ------------------------------------------------------------------ */

static bool ends_with(const char *s, size_t len, const char *suffix)
{
    size_t k = strlen(suffix);
    return len >= k && memcmp(s + len - k, suffix, k) == 0;
}

/* The request's target from its path (a trailing '/' aside). */
static void classify(har_entry *e)
{
    size_t len = strlen(e->path);
    if (len > 1 && e->path[len - 1] == '/')
        len--;
    e->tp = NULL;
    e->t = strstr(e->path, "/services/") != NULL ? T_SERVICES : T_OTHER;
    for (size_t i = 0; i < sizeof target_paths / sizeof target_paths[0]; i++)
        if (ends_with(e->path, len, target_paths[i].suffix)) {
            e->t = target_paths[i].t;
            e->tp = target_paths[i].read != NULL ? &target_paths[i] : NULL;
            return;
        }
}

/* Keeps the path of a URL: after "scheme://host", up to '?' or '#'. The
 * query, which may name the member, is never copied. */
static void set_url(har_entry *e, const unsigned char *s, size_t len)
{
    const unsigned char *end = s + len, *p = s;
    const unsigned char *scheme = len >= 3 ? memchr(s, ':', len) : NULL;
    if (scheme != NULL && end - scheme >= 3 && scheme[1] == '/' && scheme[2] == '/') {
        p = scheme + 3;
        while (p < end && *p != '/' && *p != '?' && *p != '#')
            p++;
    }
    size_t k = 0;
    while (p + k < end && p[k] != '?' && p[k] != '#' && p[k] != '\0')
        k++;
    e->has_url = true;
    e->path[0] = '\0';
    if (k <= HAR_MAX_PATH) {
        for (size_t i = 0; i < k; i++) /* it goes into messages */
            e->path[i] = p[i] > ' ' && p[i] <= '~' ? (char)p[i] : '?';
        e->path[k] = '\0';
    }
    classify(e);
}

/* Copies short text (a method, an encoding, a status), cut to fit; text
 * with other than visible ASCII is left out, as it goes into messages. */
static void set_word(char *dst, size_t size, const unsigned char *s, size_t len)
{
    dst[0] = '\0';
    for (size_t i = 0; i < len; i++)
        if (s[i] <= ' ' || s[i] > '~')
            return;
    if (len >= size)
        len = size - 1;
    memcpy(dst, s, len);
    dst[len] = '\0';
}

static long http_status(json_scalar t, const unsigned char *s, size_t len)
{
    long v = 0;
    if (t != JSON_NUMBER || len == 0 || len > 4)
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* An answer's body is kept only when its request, already read, is one
 * espi reads: a login answer (and its token) is never copied. */
static int set_text(har *h, json_scalar t, const unsigned char *s, size_t len)
{
    har_entry *e = &h->e;
    if (t != JSON_STRING)
        return 1;
    e->has_text = true;
    if (!e->has_url) {
        e->text_first = true;
        return 1;
    }
    if (e->tp == NULL)
        return 1;
    free(e->body);
    e->body = malloc(len ? len : 1);
    if (e->body == NULL)
        return fail_nomem(h);
    memcpy(e->body, s, len);
    e->body_len = len;
    return 1;
}

static int on_scalar(json_scalar t, const unsigned char *s, size_t len, void *ctx)
{
    har *h = ctx;
    const frame *top = &h->stack[h->depth - 1];
    har_entry *e = &h->e;
    if (top->k == H_TOP)
        return fail(h, ESPI_E_INPUT, "har-bad-structure",
                    "the file is a bare JSON value; expected a HAR file, a JSON object "
                    "{\"log\": {...}}");
    if (top->k == H_ENTRIES)
        return fail(h, ESPI_E_INPUT, "har-bad-structure", "unexpected JSON structure: expected %s",
                    "each entry to be an object");
    if (top->k == H_REQUEST && top->key == HF_METHOD && t == JSON_STRING)
        set_word(e->method, sizeof e->method, s, len);
    else if (top->k == H_REQUEST && top->key == HF_URL && t == JSON_STRING)
        set_url(e, s, len);
    else if (top->k == H_RESPONSE && top->key == HF_STATUS)
        e->http = http_status(t, s, len);
    else if (top->k == H_CONTENT && top->key == HF_TEXT)
        return set_text(h, t, s, len);
    else if (top->k == H_CONTENT && top->key == HF_ENCODING && t == JSON_STRING)
        set_word(e->encoding, sizeof e->encoding, s, len);
    return 1;
}

static int on_key(const unsigned char *s, size_t len, void *ctx)
{
    har *h = ctx;
    frame *top = &h->stack[h->depth - 1];
    top->key = HF_OTHER;
    for (size_t i = 0; i < sizeof field_names / sizeof field_names[0]; i++) {
        const struct field_name *fn = &field_names[i];
        if (fn->in == top->k && strlen(fn->name) == len && memcmp(fn->name, s, len) == 0)
            top->key = fn->f;
    }
    return 1;
}

/* ------------------------------------------------------------------ */
/* HAR: an entry's body through its reader                             */
/* ------------------------------------------------------------------ */

static int b64_value(unsigned char c)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const char *p = c != '\0' ? strchr(alphabet, c) : NULL;
    return p != NULL ? (int)(p - alphabet) : -1;
}

/* Decodes base64 in place (blanks skipped, '=' ends it); 0 when it is not
 * base64. */
static int b64_decode(unsigned char *buf, size_t *len)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t out = 0, i = 0;
    for (; i < *len && buf[i] != '='; i++) {
        int v = b64_value(buf[i]);
        if (v < 0 && is_blank(buf[i]))
            continue;
        if (v < 0)
            return 0;
        acc = (acc << 6) | (uint32_t)v;
        if ((bits += 6) >= 8) {
            bits -= 8;
            buf[out++] = (unsigned char)(acc >> bits);
        }
    }
    for (; i < *len; i++)
        if (buf[i] != '=' && !is_blank(buf[i]))
            return 0;
    *len = out;
    return 1;
}

/* The root "status" of a JSON text: stops at it. */
typedef struct status_scan {
    int depth;
    bool at_status, found;
    char status[16];
} status_scan;

static int scan_value(status_scan *sc, const unsigned char *s, size_t len)
{
    if (!sc->at_status)
        return 1;
    sc->found = true;
    set_word(sc->status, sizeof sc->status, s, len);
    return 0;
}

static int scan_null(void *ctx)
{
    return scan_value(ctx, NULL, 0);
}

static int scan_bool(void *ctx, int v)
{
    (void)v;
    return scan_value(ctx, NULL, 0);
}

static int scan_number(void *ctx, const char *s, size_t len)
{
    return scan_value(ctx, (const unsigned char *)s, len);
}

static int scan_string(void *ctx, const unsigned char *s, size_t len)
{
    return scan_value(ctx, s, len);
}

static int scan_key(void *ctx, const unsigned char *s, size_t len)
{
    status_scan *sc = ctx;
    sc->at_status = sc->depth == 1 && len == 6 && memcmp(s, "status", 6) == 0;
    return 1;
}

static int scan_open(void *ctx)
{
    status_scan *sc = ctx;
    if (sc->at_status)
        return scan_value(sc, NULL, 0);
    return ++sc->depth <= HAR_MAX_DEPTH;
}

static int scan_close(void *ctx)
{
    status_scan *sc = ctx;
    sc->depth--;
    return 1;
}

static const yajl_callbacks scan_callbacks = {
    scan_null, scan_bool, NULL,       NULL,      scan_number, scan_string,
    scan_open, scan_key,  scan_close, scan_open, scan_close,
};

/* The poll answer's status ("" when it is not text); false when it has
 * none, or is not JSON: the poll reader judges those. */
static bool poll_status(const unsigned char *body, size_t len, char status[16])
{
    status_scan sc = {0, false, false, ""};
    yajl_handle yh = yajl_alloc(&scan_callbacks, NULL, &sc);
    if (yh == NULL)
        return false;
    if (yajl_parse(yh, body, len) == yajl_status_ok)
        yajl_complete_parse(yh);
    yajl_free(yh);
    memcpy(status, sc.status, sizeof sc.status);
    return sc.found;
}

/* Whether the entry's answer can be read; says why not when it cannot. */
static bool usable(har *h)
{
    har_entry *e = &h->e;
    if (e->text_first)
        warn(h, "har-entry-order",
             "the response comes before its request in the entry, so its body was not kept; "
             "expected the request first, as browsers write it");
    else if (e->http >= 0 && (e->http < 200 || e->http > 299))
        warn(h, "har-http-status",
             "the answer is HTTP %ld, not a success (200-299); it is not read", e->http);
    else if (!e->has_text)
        warn(h, "har-no-body",
             "the HAR holds no body for this answer (the browser saved none: save the HAR again "
             "once the page has loaded); it is not read");
    else if (e->encoding[0] != '\0' && strcmp(e->encoding, "base64") != 0)
        warn(h, "har-encoding", "the body's encoding is \"%s\"; expected none or base64",
             e->encoding);
    else
        return true;
    h->unread++;
    return false;
}

/* PENDING polls are skipped: the browser asked again. Other statuses but
 * COMPLETE are said; a poll without status is the poll reader's to judge. */
static bool complete_poll(har *h)
{
    char status[16];
    if (h->e.t != T_POLL || !poll_status(h->e.body, h->e.body_len, status) ||
        strcmp(status, "COMPLETE") == 0)
        return true;
    if (strcmp(status, "PENDING") == 0) {
        h->pending++;
        return false;
    }
    h->failed++;
    warn(h, "har-poll-status",
         "the poll answered status \"%s\", not COMPLETE: it holds no usage and is not read",
         status);
    return false;
}

static int read_body(har *h)
{
    har_entry *e = &h->e;
    char name[1024];
    snprintf(name, sizeof name, "%s:entry %zu (%s %s)", h->in->name, e->index,
             e->method[0] ? e->method : "?", e->path);
    convert_input sub;
    int rc = add_input(h->in, name, &sub, h->err);
    FILE *f = rc == 0 ? fmemopen(e->body, e->body_len, "rb") : NULL;
    if (rc == 0 && f == NULL)
        rc = err_fail(h->err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    if (f != NULL) {
        rc = e->tp->read(&sub, f, h->err);
        fclose(f);
    }
    h->read += rc == 0;
    return rc == 0;
}

static void drop_body(har_entry *e)
{
    if (e->body != NULL)
        memset(e->body, 0, e->body_len);
    free(e->body);
    e->body = NULL;
    e->body_len = 0;
}

/* An entry closes: its answer is read when it is one espi reads. */
static int finish_entry(har *h)
{
    har_entry *e = &h->e;
    int ok = 1;
    h->counts[e->t]++;
    if (e->tp == NULL || !usable(h))
        goto done;
    if (strcmp(e->encoding, "base64") == 0 && !b64_decode(e->body, &e->body_len)) {
        ok = fail(h, ESPI_E_INPUT, "har-base64",
                  "entry %zu (%s %s): the body is marked base64 but is not base64", e->index,
                  e->method[0] ? e->method : "?", e->path);
        goto done;
    }
    if (e->body_len == 0) {
        h->unread++;
        warn(h, "har-no-body", "the answer's body is empty; it is not read");
        goto done;
    }
    if (complete_poll(h))
        ok = read_body(h);
done:
    drop_body(e);
    return ok;
}

/* ------------------------------------------------------------------ */
/* HAR: containers                                                     */
/* ------------------------------------------------------------------ */

static int child_kind(har *h, bool is_map, hkind *out)
{
    const frame *top = &h->stack[h->depth - 1];
    *out = H_SKIP;
    if (top->k == H_SKIP)
        return 1;
    const struct child_rule *other = NULL;
    for (size_t i = 0; i < sizeof child_rules / sizeof child_rules[0]; i++) {
        const struct child_rule *r = &child_rules[i];
        if (r->parent != top->k || r->f != top->key)
            continue;
        if (r->is_map == is_map) {
            *out = r->child;
            return 1;
        }
        other = r;
    }
    if (other != NULL)
        return fail(h, ESPI_E_INPUT, "har-bad-structure", "unexpected JSON structure: expected %s",
                    other->expect);
    return 1;
}

static void begin_entry(har *h)
{
    drop_body(&h->e);
    memset(&h->e, 0, sizeof h->e);
    h->e.index = h->entries++;
    h->e.line = json_stream_here(&h->js, NULL).line;
    h->e.http = -1;
    classify(&h->e);
}

static int open_container(bool is_map, void *ctx)
{
    har *h = ctx;
    hkind k;
    if (!child_kind(h, is_map, &k))
        return 0;
    if (h->depth >= HAR_MAX_DEPTH)
        return fail(h, ESPI_E_INPUT, "har-too-deep", "JSON nesting deeper than %d levels",
                    HAR_MAX_DEPTH);
    if (k == H_ENTRY)
        begin_entry(h);
    h->has_log |= k == H_LOG;
    h->stack[h->depth++] = (frame){k, HF_NONE};
    return 1;
}

static int close_container(void *ctx)
{
    har *h = ctx;
    return h->stack[--h->depth].k == H_ENTRY ? finish_entry(h) : 1;
}

static const json_handlers handlers = {on_scalar, on_key, open_container, close_container};

/* ------------------------------------------------------------------ */
/* HAR: the whole file                                                 */
/* ------------------------------------------------------------------ */

#define EXPECTED "expected a HAR file (devtools, Network tab: \"Save all as HAR\")"

static const json_stream_spec har_spec = {
    .chunk = HAR_CHUNK,
    .max_token = HAR_MAX_BODY,
    .max_chunk = HAR_MAX_READ,
    .not_json_code = "har-not-json",
    .not_json_text = "the file is not a JSON object; " EXPECTED,
    .html_code = "har-html",
    .html_text = "the file is an HTML or XML page, not JSON; " EXPECTED,
    .empty_code = "har-empty",
    .empty_text = "the file is empty; " EXPECTED,
    .token_code = "har-too-large",
    .token_text = "a string in the HAR is longer than 64 MiB, the largest answer body espi "
                  "reads; save only the Fetch/XHR requests as HAR, or the poll answer on its own",
    .syntax_code = "har-json-syntax",
};

/* "N oauth/auth/v2 login, ..." for the entries a HAR held. */
static void describe(const har *h, char *buf, size_t size)
{
    static const struct {
        target t;
        const char *what;
    } kinds[] = {
        {T_LOGIN, "oauth/auth/v2 login"},
        {T_POLL, "utility-usage/poll"},
        {T_USAGE, "utility-usage"},
        {T_USER_DATA, "user-data"},
        {T_BILLING, "billing"},
        {T_SERVICES, "to other SmartHub services"},
        {T_OTHER, "to pages, scripts or images"},
    };
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (h->counts[kinds[i].t] > 0)
            str_bufprintf(buf, size, &len, "%s%zu %s", len ? ", " : "", h->counts[kinds[i].t],
                          kinds[i].what);
    const struct {
        size_t n;
        const char *what;
    } skipped[] = {
        {h->pending, "PENDING"},
        {h->failed, "with another status"},
        {h->unread, "skipped with a warning"},
    };
    const char *sep = "; polls and answers not read: ";
    for (size_t i = 0; i < sizeof skipped / sizeof skipped[0]; i++)
        if (skipped[i].n > 0) {
            str_bufprintf(buf, size, &len, "%s%zu %s", sep, skipped[i].n, skipped[i].what);
            sep = ", ";
        }
}

static int check_read(har *h)
{
    err_loc loc = {h->in->name, 0, 0, NULL};
    if (!h->has_log)
        return err_fail(h->err, ESPI_E_INPUT, "har-not-har", &loc,
                        "the JSON has no \"log\" object; " EXPECTED);
    if (h->read > 0)
        return 0;
    char what[400];
    describe(h, what, sizeof what);
    return err_fail(h->err, ESPI_E_INPUT, "har-no-usage", &loc,
                    "the HAR holds %zu entries (%s) but no COMPLETE secured/utility-usage/poll, "
                    "no secured/user-data and no secured/billing answer; save the HAR once the "
                    "usage page shows the period",
                    h->entries, h->entries ? what : "none");
}

static int read_har(const convert_input *in, FILE *f, const json_stream_spec *sp, espi_error *err)
{
    memset(err, 0, sizeof *err);
    har *h = calloc(1, sizeof *h);
    if (h == NULL)
        return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    h->in = in;
    h->err = err;
    h->stack[h->depth++] = (frame){H_TOP, HF_NONE};
    int rc = json_stream_parse(&h->js, sp, &handlers, h, f, in->name, err);
    if (rc == 0)
        rc = check_read(h);
    drop_body(&h->e);
    free(h);
    return rc;
}

int sh_har_read_chunked(const convert_input *in, FILE *f, size_t chunk, espi_error *err)
{
    assert(chunk > 0);
    json_stream_spec sp = har_spec;
    sp.chunk = chunk;
    sp.max_chunk = 0;
    return read_har(in, f, &sp, err);
}

int sh_har_read_into(const convert_input *in, FILE *f, espi_error *err)
{
    return read_har(in, f, &har_spec, err);
}

/* ------------------------------------------------------------------ */
/* Sniffing                                                            */
/* ------------------------------------------------------------------ */

bool sh_har_sniff(const unsigned char *head, size_t n)
{
    if (n > SNIFF_BYTES)
        n = SNIFF_BYTES;
    size_t i = json_stream_text_start(head, n);
    if (i == n || head[i] != '{')
        return false;
    return json_stream_has_key(head + i, n - i, "log") &&
           (json_stream_has_key(head + i, n - i, "entries") ||
            json_stream_has_key(head + i, n - i, "creator"));
}
