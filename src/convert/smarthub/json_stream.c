/* SPDX-License-Identifier: Apache-2.0 */
/* json_stream.c - the machinery around yajl's streaming parser shared by the
 * SmartHub JSON readers (smarthub/poll_parse.c, smarthub/account.c). */
#include "convert/smarthub/json_stream.h"

#include "common/grow.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yajl/yajl_parse.h>

/* Where the token guard is: outside a token, in a string (or an escape in
 * it), or in a bare value (number, true, ...). */
enum { G_OUT, G_STRING, G_ESCAPE, G_BARE };

static const unsigned char bom_bytes[3] = {0xEF, 0xBB, 0xBF};

/* ------------------------------------------------------------------ */
/* Events                                                              */
/* ------------------------------------------------------------------ */

static int cb_null(void *ctx)
{
    json_stream *js = ctx;
    return js->h->scalar(JSON_NULL, NULL, 0, js->ctx);
}

static int cb_boolean(void *ctx, int v)
{
    json_stream *js = ctx;
    return js->h->scalar(JSON_BOOL, (const unsigned char *)(v ? "true" : "false"), v ? 4 : 5,
                         js->ctx);
}

static int cb_number(void *ctx, const char *s, size_t len)
{
    json_stream *js = ctx;
    return js->h->scalar(JSON_NUMBER, (const unsigned char *)s, len, js->ctx);
}

static int cb_string(void *ctx, const unsigned char *s, size_t len)
{
    json_stream *js = ctx;
    return js->h->scalar(JSON_STRING, s, len, js->ctx);
}

static int cb_map_key(void *ctx, const unsigned char *s, size_t len)
{
    json_stream *js = ctx;
    return js->h->key(s, len, js->ctx);
}

static int too_deep(json_stream *js);

static int cb_start_map(void *ctx)
{
    json_stream *js = ctx;
    if (js->spec->max_depth > 0 && js->depth >= js->spec->max_depth)
        return too_deep(js);
    js->depth++;
    return js->h->open(true, js->ctx);
}

static int cb_start_array(void *ctx)
{
    json_stream *js = ctx;
    if (js->spec->max_depth > 0 && js->depth >= js->spec->max_depth)
        return too_deep(js);
    js->depth++;
    return js->h->open(false, js->ctx);
}

static int cb_end(void *ctx)
{
    json_stream *js = ctx;
    js->depth--;
    return js->h->close(js->ctx);
}

/* Numbers come as text (no integer or double callback), so they stay exact. */
static const yajl_callbacks callbacks = {
    cb_null,      cb_boolean, NULL,   NULL,           cb_number, cb_string,
    cb_start_map, cb_map_key, cb_end, cb_start_array, cb_end,
};

/* ------------------------------------------------------------------ */
/* Locations                                                           */
/* ------------------------------------------------------------------ */

/* Counts lines up to offset of the current chunk; positions only grow. */
static void advance_to(json_stream *js, size_t offset)
{
    while (js->scan < offset) {
        const unsigned char *nl = memchr(js->chunk + js->scan, '\n', offset - js->scan);
        if (nl == NULL) {
            js->col0 += offset - js->scan;
            js->scan = offset;
            return;
        }
        js->line++;
        js->col0 = 0;
        js->scan = (size_t)(nl - js->chunk) + 1;
    }
}

/* The position counted so far. */
static err_loc counted(const json_stream *js)
{
    return (err_loc){js->name, js->line, js->col0 + 1, NULL};
}

err_loc json_stream_here(json_stream *js, const char *where)
{
    advance_to(js, yajl_get_bytes_consumed(js->yh));
    err_loc loc = counted(js);
    loc.where = where;
    return loc;
}

/* A container one too many, refused where its bracket ends. Returns 0:
 * the parse stops. */
static int too_deep(json_stream *js)
{
    err_loc loc = json_stream_here(js, NULL);
    err_fail(js->err, ESPI_E_INPUT, js->spec->depth_code, &loc, "%s", js->spec->depth_text);
    return 0;
}

/* At the end of input the position is where the text stopped. */
/* yajl's complaint, one line with no input text in it, into text. */
static void yajl_complaint(yajl_handle yh, char *text, size_t size)
{
    unsigned char *msg = yajl_get_error(yh, 0, NULL, 0); /* 0: no input text in it */
    str_lcpy(text, msg ? (const char *)msg : "syntax error", size);
    yajl_free_error(yh, msg);
    size_t len = strlen(text);
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == ' '))
        text[--len] = '\0';
}

static void set_yajl_error(json_stream *js, bool at_end)
{
    if (!at_end)
        advance_to(js, yajl_get_bytes_consumed(js->yh));
    char text[256];
    yajl_complaint(js->yh, text, sizeof text);
    err_loc loc = counted(js);
    err_fail(js->err, ESPI_E_INPUT, js->spec->syntax_code, &loc, "malformed JSON: %s", text);
}

/* ------------------------------------------------------------------ */
/* Before the first token                                              */
/* ------------------------------------------------------------------ */

static bool is_blank(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

size_t json_stream_text_start(const unsigned char *head, size_t n)
{
    size_t i = n >= 3 && memcmp(head, bom_bytes, 3) == 0 ? 3 : 0;
    while (i < n && is_blank(head[i]))
        i++;
    return i;
}

bool json_stream_has_key(const unsigned char *s, size_t n, const char *key)
{
    size_t k = strlen(key);
    const unsigned char *end = s + n, *q = s;
    while ((q = memchr(q, '"', (size_t)(end - q))) != NULL) {
        const unsigned char *c = ++q;
        if ((size_t)(end - c) < k + 1 || memcmp(c, key, k) != 0 || c[k] != '"')
            continue;
        c += k + 1;
        while (c < end && is_blank(*c))
            c++;
        if (c < end && *c == ':')
            return true;
    }
    return false;
}

static bool strict(const json_stream *js)
{
    return js->spec->not_json_code != NULL;
}

/* Lenient start: a byte order mark cut short is text, so yajl (which will
 * refuse it) gets its bytes back from bom_bytes. */
static bool partial_bom_is_text(json_stream *js)
{
    if (strict(js) || js->bom == 0 || js->bom == 3)
        return false;
    js->decided = true;
    js->refeed = js->bom;
    return true;
}

/* Refuses the text by its first byte c; returns -1. */
static int refuse_start(json_stream *js, unsigned char c)
{
    const json_stream_spec *sp = js->spec;
    err_loc loc = {js->name, strict(js) ? js->head_line + 1 : 1, strict(js) ? 0 : 1, NULL};
    if (c == '<')
        err_fail(js->err, ESPI_E_INPUT, sp->html_code, &loc, "%s", sp->html_text);
    else
        err_fail(js->err, ESPI_E_INPUT, sp->not_json_code, &loc, "%s", sp->not_json_text);
    return -1;
}

static bool opens_text(const json_stream *js, unsigned char c)
{
    if (!strict(js))
        return c != '<';
    return (c == '[' || c == '{') && (js->bom == 0 || js->bom == 3);
}

/* Looks at the bytes before the first token, which may arrive a few at a
 * time: a byte order mark (dropped: yajl rejects it), blanks, then the
 * first byte of the text. Returns how many bytes to drop from the front of
 * buf, or -1 with the error set. */
static int check_start(json_stream *js, const unsigned char *buf, size_t n)
{
    size_t drop = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = buf[i];
        if (js->head_bytes++ == js->bom && js->bom < 3 && c == bom_bytes[js->bom]) {
            js->bom++;
            drop = i + 1;
            continue;
        }
        if (partial_bom_is_text(js))
            return (int)drop;
        if (c == '\n')
            js->head_line++;
        if (is_blank(c))
            continue;
        js->decided = true;
        return opens_text(js, c) ? (int)drop : refuse_start(js, c);
    }
    return (int)drop;
}

/* ------------------------------------------------------------------ */
/* Feeding yajl                                                        */
/* ------------------------------------------------------------------ */

static bool bare_char(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' ||
           c == '+' || c == '-';
}

/* The reading thread's scan of the structure (see "Eliding"): called by
 * guard_tokens at each string and each byte of punctuation. */
typedef struct elider elider;
static elider *scan_string_start(elider *e);
static elider *scan_key_bytes(elider *e, const unsigned char *s, size_t n);
static elider *scan_string_end(elider *e, bool escape);
static elider *scan_punct(elider *e, size_t i, unsigned char c);

/* Follows strings and bare values across chunks; returns the offset where
 * one grows past max_token, or n. yajl rescans a token that spans chunks,
 * so an endless one would take quadratic time. Every byte of the input
 * passes here: string bodies and bare values are skipped by tight loops,
 * the rest (punctuation, blanks) a byte at a time. e (NULL: none) scans
 * the structure in the same pass; each hook answers NULL once it stops. */
static size_t guard_tokens(json_stream *js, elider *e, const unsigned char *buf, size_t n)
{
    const size_t max = js->spec->max_token;
    size_t i = 0;
    while (i < n) {
        if (js->guard == G_STRING) {
            size_t run = i;
            while (run < n && buf[run] != '"' && buf[run] != '\\')
                run++;
            if (js->token_len + (run - i) > max)
                return i + (max - js->token_len);
            js->token_len += run - i;
            if (e != NULL)
                e = scan_key_bytes(e, buf + i, run - i);
            if (run == n)
                break;
            js->guard = buf[run] == '"' ? G_OUT : G_ESCAPE;
            if (e != NULL)
                e = scan_string_end(e, buf[run] != '"');
            i = run + 1;
        } else if (js->guard == G_ESCAPE) {
            js->guard = G_STRING;
            i++;
        } else if (js->guard == G_BARE && bare_char(buf[i])) {
            size_t run = i;
            while (run < n && bare_char(buf[run]))
                run++;
            if (js->token_len + (run - i) > max)
                return i + (max - js->token_len);
            js->token_len += run - i;
            i = run; /* the byte after the value, if any, is taken below */
        } else {
            unsigned char c = buf[i++];
            if (c == '"') {
                js->guard = G_STRING, js->token_len = 0;
                if (e != NULL)
                    e = scan_string_start(e);
            } else if (bare_char(c)) {
                js->guard = G_BARE, js->token_len = 1;
            } else {
                js->guard = G_OUT, js->token_len = 1;
                if (e != NULL)
                    e = scan_punct(e, i - 1, c);
            }
        }
    }
    return n;
}

/* n bytes to yajl, their lines counted. */
static int feed_bytes(json_stream *js, const unsigned char *buf, size_t n)
{
    js->chunk = buf;
    js->scan = 0;
    yajl_status st = yajl_parse(js->yh, buf, n);
    if (st == yajl_status_ok) {
        advance_to(js, n); /* keeps the line count right for the next chunk */
        return 0;
    }
    if (st == yajl_status_error)
        set_yajl_error(js, false);
    return js->err->status ? js->err->status : ESPI_E_INPUT;
}

/* A chunk whose tokens were guarded (bad: guard_tokens' answer) to yajl. */
static int feed_guarded(json_stream *js, const unsigned char *buf, size_t n, size_t bad)
{
    if (bad < n) {
        js->chunk = buf;
        js->scan = 0;
        advance_to(js, bad);
        err_loc loc = counted(js);
        if (js->spec->token_text != NULL)
            return err_fail(js->err, ESPI_E_LIMIT, js->spec->token_code, &loc, "%s",
                            js->spec->token_text);
        return err_fail(js->err, ESPI_E_LIMIT, js->spec->token_code, &loc,
                        "a JSON string or number is longer than %zu bytes", js->spec->max_token);
    }
    return feed_bytes(js, buf, n);
}

static int feed_chunk(json_stream *js, const unsigned char *buf, size_t n)
{
    return feed_guarded(js, buf, n, guard_tokens(js, NULL, buf, n));
}

/* Feeds what a partial byte order mark taken for text held back. */
static int feed_refeed(json_stream *js)
{
    size_t n = js->refeed;
    js->refeed = 0;
    return n > 0 ? feed_chunk(js, bom_bytes, n) : 0;
}

/* One chunk as read, checked at the start while undecided. bad: where
 * guard_tokens found a token too long in the bytes as read, or n; SIZE_MAX:
 * not guarded yet. The bytes dropped at the start (a byte order mark) or
 * fed again (part of one) hold no token, so the guard's answer over the
 * bytes as read is its answer over the bytes yajl gets. */
static int feed_read(json_stream *js, const unsigned char *buf, size_t n, size_t bad)
{
    int drop = js->decided ? 0 : check_start(js, buf, n);
    if (drop < 0)
        return js->err->status;
    int rc = feed_refeed(js);
    const unsigned char *text = buf + drop;
    size_t len = n - (size_t)drop;
    if (rc != 0)
        return rc;
    if (bad == SIZE_MAX)
        return feed_chunk(js, text, len);
    return feed_guarded(js, text, len, bad >= n ? len : bad - (size_t)drop);
}

/* The checks once the whole text is read. */
static int finish_stream(json_stream *js, FILE *in)
{
    const json_stream_spec *sp = js->spec;
    err_loc loc = {js->name, 0, 0, NULL};
    if (ferror(in))
        return err_fail(js->err, ESPI_E_IO, "read", &loc, "cannot read the input");
    if (!js->decided)
        return err_fail(js->err, ESPI_E_INPUT, sp->empty_code, &loc, "%s", sp->empty_text);
    yajl_status st = yajl_complete_parse(js->yh);
    if (st == yajl_status_ok)
        return 0;
    if (st == yajl_status_error) /* else a handler has set the error */
        set_yajl_error(js, true);
    return js->err->status ? js->err->status : ESPI_E_INPUT;
}

/* How many bytes the next read asks for: chunk, or inside a long token
 * (when the spec allows) as many as the token holds so far. */
static size_t next_read(const json_stream *js)
{
    const json_stream_spec *sp = js->spec;
    if (sp->max_chunk <= sp->chunk || js->guard == G_OUT || js->token_len <= sp->chunk)
        return sp->chunk;
    return js->token_len < sp->max_chunk ? js->token_len : sp->max_chunk;
}

/* The read buffer made at least want bytes; 0 when out of memory. It only
 * moves between reads, when yajl holds nothing of the last one. */
static int reserve(unsigned char **buf, size_t *cap, size_t want)
{
    if (want <= *cap)
        return 1;
    unsigned char *grown = realloc(*buf, want);
    if (grown == NULL)
        return 0;
    *buf = grown;
    *cap = want;
    return 1;
}

/* *buf stays alive until the parse completes: handlers called then still
 * count lines in the last chunk. */
static int read_all(json_stream *js, FILE *in, unsigned char **buf, size_t *cap)
{
    int rc = 0;
    size_t n, want;
    while (rc == 0) {
        want = next_read(js);
        if (!reserve(buf, cap, want))
            return err_fail(js->err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
        if ((n = fread(*buf, 1, want, in)) == 0)
            break;
        rc = feed_read(js, *buf, n, SIZE_MAX);
    }
    if (rc == 0 && !js->decided && partial_bom_is_text(js))
        rc = feed_refeed(js);
    return rc != 0 ? rc : finish_stream(js, in);
}

/* ------------------------------------------------------------------ */
/* Reading ahead                                                       */
/* ------------------------------------------------------------------ */

/* With fixed reads of at least AHEAD_MIN bytes and a second core, a
 * thread reads the next chunks and runs the token guard over them while
 * yajl parses this one: the reads and the guard come off the parse's path.
 * At most AHEAD chunks are held (4 MiB), allocated as the reading gets
 * that far ahead: the reading thread parses the elided lists (below) on
 * its own and must be well ahead when the parse reaches one, which it
 * then skips at once; with 4 chunks the parse waited for it at each of a
 * year's lists (20 ms each), with 64 it does not. */
#define AHEAD 64
#define AHEAD_FIRST 4 /* chunks allocated before the thread starts */
#define AHEAD_MIN 16384
/* Files of fewer chunks are read on the parse's thread: a thread would
 * cost more than it saves (a day's poll response is 43 kB). */
#define AHEAD_CHUNKS_MIN 8

/* ------------------------------------------------------------------ */
/* Eliding                                                             */
/* ------------------------------------------------------------------ */

/* A poll response repeats every point in a list the reader ignores
 * (meterToChartData): a third of its bytes that yajl would lex and the
 * handlers would wave past, on the parse's path. When the reader gives its
 * skip rules, the reading thread follows the text's structure with a byte
 * scan (strings, brackets, keys: a shadow of the reader's path, its kinds
 * and fields) and marks where each ignored container opens and closes; a
 * yajl of its own parses the bytes of that container, and only those. The
 * parse then gets an empty container of the same type in its place, and
 * only counts the lines of its bytes. What is said stays what the parse
 * would say: a syntax error inside an elided container is yajl's own
 * message at its place (yajl's state inside a value does not depend on
 * what surrounds it), said once the parse reaches it; the depth limit is
 * kept inside it by the scan (max_depth); everything outside elided
 * containers is parsed as before, and a syntax error there is the parse's
 * to find before it reaches any mark the scan put after it. What the scan
 * cannot follow as the parse would (a key with an escape, a start that is
 * part of a byte order mark, a structure the reader refuses) ends the
 * eliding for the rest of the text. */

#define SHADOW_KEY_MAX 128 /* longer keys name no field a reader knows */

typedef enum elide_mark {
    MARK_OPEN,  /* an ignored container opens at offset (its bracket) */
    MARK_CLOSE, /* ... and ends before offset */
    MARK_ERROR, /* yajl stopped at offset, inside it: elider.message */
    MARK_DEEP,  /* a container one too many, its bracket before offset */
    MARK_END    /* the text ended inside it: yajl's complaint in elider.message */
} elide_mark;

typedef struct mark {
    uint64_t offset; /* in the bytes as read */
    elide_mark what;
    bool is_map; /* MARK_OPEN: '{' */
} mark;

typedef struct ahead_slot {
    unsigned char *buf;
    size_t n;    /* 0: the end of the input (or a read error, which ferror tells) */
    size_t bad;  /* guard_tokens' answer over the bytes as read */
    mark *marks; /* in order of offset */
    size_t nmarks, marks_cap;
    bool nomem; /* a mark could not be kept: the parse stops with "out of memory" */
} ahead_slot;

typedef struct shadow_frame {
    int kind;
    bool is_map;
    bool want_key; /* a map after '{' or ',': the next string is a key */
} shadow_frame;

enum { SHADOW_START, SHADOW_ON, SHADOW_OFF };

struct elider {
    const json_stream_spec *spec;
    int state;
    shadow_frame *stack; /* [0]: the top; then one per container open outside elided ones */
    size_t depth;        /* containers open outside the elided one */
    size_t inner;        /* containers open in the elided one, itself included; 0: none */
    /* the scan across chunks (guard_tokens follows the strings); the last
     * key read is that of the map a container opens in: each value of a
     * map comes after its key, and what came between is closed */
    bool in_key;
    unsigned char key[SHADOW_KEY_MAX];
    size_t key_len;
    /* the elided container's own parse, fed its bytes of each chunk from piece */
    yajl_handle yh;
    const unsigned char *buf;
    size_t piece;
    uint64_t offset;   /* of buf[0] */
    ahead_slot *slot;  /* where marks go */
    char message[256]; /* MARK_ERROR, MARK_END */
};

static void put_mark(elider *e, elide_mark what, uint64_t offset, bool is_map)
{
    ahead_slot *s = e->slot;
    mark *m = grow_array(s->marks, &s->marks_cap, s->nmarks, sizeof *m, 16);
    if (m == NULL) {
        s->nomem = true;
        e->state = SHADOW_OFF;
        return;
    }
    s->marks = m;
    s->marks[s->nmarks++] = (mark){offset, what, is_map};
}

static bool elider_init(elider *e, const json_stream_spec *spec)
{
    memset(e, 0, sizeof *e);
    e->spec = spec;
    e->state = SHADOW_OFF;
    if (spec->skip == NULL || spec->max_depth == 0)
        return true;
    e->stack = malloc((spec->max_depth + 1) * sizeof *e->stack);
    if (e->stack == NULL)
        return false;
    e->stack[0] = (shadow_frame){spec->skip->top_kind, false, false};
    e->state = SHADOW_START;
    return true;
}

static void elider_free(elider *e)
{
    if (e->yh != NULL)
        yajl_free(e->yh);
    free(e->stack);
}

/* The elided container's bytes of this chunk up to end to its yajl; false,
 * with MARK_ERROR put where yajl stopped, when they do not parse. */
static bool parse_piece(elider *e, size_t end)
{
    yajl_status st = yajl_parse(e->yh, e->buf + e->piece, end - e->piece);
    uint64_t at = e->offset + e->piece + yajl_get_bytes_consumed(e->yh);
    e->piece = end;
    if (st == yajl_status_ok)
        return true;
    yajl_complaint(e->yh, e->message, sizeof e->message);
    put_mark(e, MARK_ERROR, at, false);
    e->state = SHADOW_OFF;
    return false;
}

/* '{' or '[' at buf[i]. */
static void scan_open(elider *e, size_t i, bool is_map)
{
    const json_skip_rules *r = e->spec->skip;
    if (e->depth + e->inner >= e->spec->max_depth) {
        /* inside an elided container, said after its bracket (unless yajl
         * stops before, or at it); outside, the parse says it itself */
        if (e->inner > 0 && parse_piece(e, i + 1))
            put_mark(e, MARK_DEEP, e->offset + i + 1, is_map);
        e->state = SHADOW_OFF;
        return;
    }
    if (e->inner > 0) {
        e->inner++;
        return;
    }
    shadow_frame *top = &e->stack[e->depth];
    /* the field is looked up only here: most keys hold scalars */
    int field = top->is_map ? r->field(top->kind, e->key, e->key_len) : r->none_field;
    int kind = r->child(top->kind, field, is_map);
    if (kind < 0) { /* the reader refuses the text here: nothing more to elide */
        e->state = SHADOW_OFF;
        return;
    }
    if (kind == r->skip_kind) {
        e->yh = yajl_alloc(NULL, NULL, NULL);
        if (e->yh == NULL) {
            e->slot->nomem = true;
            e->state = SHADOW_OFF;
            return;
        }
        put_mark(e, MARK_OPEN, e->offset + i, is_map);
        e->inner = 1;
        e->piece = i;
        return;
    }
    e->stack[++e->depth] = (shadow_frame){kind, is_map, is_map};
}

/* '}' or ']' at buf[i]. */
static void scan_close(elider *e, size_t i)
{
    if (e->inner > 1) {
        e->inner--;
        return;
    }
    if (e->inner == 1) { /* the elided container ends: its yajl must agree */
        if (!parse_piece(e, i + 1))
            return;
        if (yajl_complete_parse(e->yh) != yajl_status_ok) {
            yajl_complaint(e->yh, e->message, sizeof e->message);
            put_mark(e, MARK_ERROR, e->offset + i + 1, false);
            e->state = SHADOW_OFF;
            return;
        }
        yajl_free(e->yh);
        e->yh = NULL;
        e->inner = 0;
        put_mark(e, MARK_CLOSE, e->offset + i + 1, false);
        return;
    }
    if (e->depth == 0) { /* a bracket closing nothing: the parse says so */
        e->state = SHADOW_OFF;
        return;
    }
    e->depth--;
}

/* The hooks of guard_tokens. Each answers e, or NULL once the scan has
 * stopped. */
static elider *scan_on(elider *e)
{
    return e->state == SHADOW_ON ? e : NULL;
}

static elider *scan_string_start(elider *e)
{
    shadow_frame *top = &e->stack[e->depth];
    if (e->inner == 0 && top->is_map && top->want_key) {
        e->in_key = true;
        e->key_len = 0;
        top->want_key = false;
    }
    return e;
}

static elider *scan_key_bytes(elider *e, const unsigned char *s, size_t n)
{
    if (!e->in_key)
        return e;
    if (e->key_len + n > SHADOW_KEY_MAX) { /* longer than any field a reader knows */
        e->state = SHADOW_OFF;
        return NULL;
    }
    memcpy(e->key + e->key_len, s, n);
    e->key_len += n;
    return e;
}

/* The string's run stopped at its closing quote, or at a backslash. */
static elider *scan_string_end(elider *e, bool escape)
{
    if (escape) {
        if (e->in_key) /* the reader sees the key unescaped: not followed */
            e->state = SHADOW_OFF;
        return scan_on(e);
    }
    e->in_key = false;
    return e;
}

/* Punctuation or a blank at buf[i]. */
static elider *scan_punct(elider *e, size_t i, unsigned char c)
{
    if (c == '{' || c == '[')
        scan_open(e, i, c == '{');
    else if (c == '}' || c == ']')
        scan_close(e, i);
    else if (c == ',' && e->inner == 0 && e->stack[e->depth].is_map)
        e->stack[e->depth].want_key = true;
    return scan_on(e);
}

/* Before the guard's pass over a chunk at offset: the scan that goes with
 * it, or NULL (none, or stopped). The first chunk decides: the parse drops
 * a whole byte order mark at the start (its bytes are nothing the scan
 * looks at); it takes part of one for text, which the scan does not follow. */
static elider *elide_begin(elider *e, ahead_slot *s, uint64_t offset)
{
    if (e->state == SHADOW_START)
        e->state = (s->n >= 3 && memcmp(s->buf, bom_bytes, 3) == 0) || s->buf[0] != bom_bytes[0]
                       ? SHADOW_ON
                       : SHADOW_OFF;
    if (e->state != SHADOW_ON)
        return NULL;
    e->slot = s;
    e->buf = s->buf;
    e->offset = offset;
    e->piece = 0;
    return e;
}

/* After the guard's pass, when every token passed: the elided container's
 * bytes of the chunk to its yajl. */
static void elide_finish(elider *e, const ahead_slot *s)
{
    if (e->state == SHADOW_ON && e->inner > 0)
        (void)parse_piece(e, s->n);
}

/* The end of the input (s: its empty slot) inside an elided container. */
static void elide_end(elider *e, ahead_slot *s)
{
    if (e->state != SHADOW_ON || e->inner == 0)
        return;
    e->slot = s;
    if (yajl_complete_parse(e->yh) != yajl_status_ok) {
        yajl_complaint(e->yh, e->message, sizeof e->message);
        put_mark(e, MARK_END, 0, false);
    }
    e->state = SHADOW_OFF;
}

/* The parse's side: the bytes of an elided container are counted, not parsed. */
static void count_bytes(json_stream *js, const unsigned char *buf, size_t n)
{
    js->chunk = buf;
    js->scan = 0;
    advance_to(js, n);
}

/* An empty container in place of an elided one. Its bracket is where the
 * elided one's is, so a handler that asks where it is hears the same; the
 * lines and columns after it are those of the elided bytes. */
static int feed_empty(json_stream *js, bool is_map)
{
    static const unsigned char map[2] = {'{', '}'}, array[2] = {'[', ']'};
    unsigned long line = js->line, col0 = js->col0;
    int rc = feed_bytes(js, is_map ? map : array, 2);
    js->line = line;
    js->col0 = col0;
    return rc;
}

/* What the shadow found inside an elided container, said where the parse
 * would have said it. */
static int elided_error(json_stream *js, const elider *e, elide_mark what)
{
    err_loc loc = counted(js);
    if (what == MARK_DEEP)
        return err_fail(js->err, ESPI_E_INPUT, js->spec->depth_code, &loc, "%s",
                        js->spec->depth_text);
    return err_fail(js->err, ESPI_E_INPUT, js->spec->syntax_code, &loc, "malformed JSON: %s",
                    e->message);
}

/* A chunk with marks (or inside an elided container), at offset. Its
 * tokens passed the guard. */
static int feed_marked(json_stream *js, const elider *e, const ahead_slot *s, uint64_t offset)
{
    /* a whole byte order mark at most before the first mark: no refeed */
    int drop = js->decided ? 0 : check_start(js, s->buf, s->n);
    if (drop < 0)
        return js->err->status;
    size_t pos = (size_t)drop;
    for (size_t i = 0; i < s->nmarks; i++) {
        const mark *m = &s->marks[i];
        size_t at = (size_t)(m->offset - offset);
        int rc = 0;
        if (!js->in_elided) { /* m is MARK_OPEN */
            rc = feed_bytes(js, s->buf + pos, at - pos);
            if (rc == 0)
                rc = feed_empty(js, m->is_map);
            js->in_elided = true;
        } else {
            count_bytes(js, s->buf + pos, at - pos);
            if (m->what == MARK_CLOSE)
                js->in_elided = false;
            else
                rc = elided_error(js, e, m->what);
        }
        if (rc != 0)
            return rc;
        pos = at;
    }
    if (js->in_elided) {
        count_bytes(js, s->buf + pos, s->n - pos);
        return 0;
    }
    return feed_bytes(js, s->buf + pos, s->n - pos);
}

/* ------------------------------------------------------------------ */

typedef struct ahead {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    FILE *in;
    size_t chunk;
    json_stream guard; /* the reading thread's token guard: spec, guard, token_len */
    elider elide;
    ahead_slot slots[AHEAD];
    size_t produced; /* slots filled */
    size_t current;  /* the slot the parse holds; those before it are free */
    bool cancel;     /* the parse stopped: read no more */
} ahead;

static void *read_ahead(void *arg)
{
    ahead *a = arg;
    uint64_t offset = 0;
    for (;;) {
        pthread_mutex_lock(&a->lock);
        while (a->produced - a->current >= AHEAD && !a->cancel)
            pthread_cond_wait(&a->cond, &a->lock);
        bool stop = a->cancel;
        ahead_slot *slot = &a->slots[a->produced % AHEAD];
        pthread_mutex_unlock(&a->lock);
        if (stop)
            return NULL;
        slot->nmarks = 0;
        if (slot->buf == NULL && (slot->buf = malloc(a->chunk)) == NULL)
            slot->nomem = true;
        slot->n = slot->nomem ? 0 : fread(slot->buf, 1, a->chunk, a->in);
        if (slot->nomem) {
            slot->bad = 0;
        } else if (slot->n > 0) {
            elider *e = elide_begin(&a->elide, slot, offset);
            slot->bad = guard_tokens(&a->guard, e, slot->buf, slot->n);
            if (slot->bad == slot->n)
                elide_finish(&a->elide, slot);
        } else {
            slot->bad = 0;
            elide_end(&a->elide, slot);
        }
        offset += slot->n;
        pthread_mutex_lock(&a->lock);
        a->produced++;
        pthread_cond_broadcast(&a->cond);
        pthread_mutex_unlock(&a->lock);
        if (slot->n == 0 || slot->bad < slot->n || slot->nomem)
            return NULL; /* the end, or the parse stops there */
    }
}

/* The next chunk, once read; the one before it is handed back. */
static ahead_slot *ahead_next(ahead *a, size_t k)
{
    pthread_mutex_lock(&a->lock);
    a->current = k;
    pthread_cond_broadcast(&a->cond);
    while (a->produced <= k)
        pthread_cond_wait(&a->cond, &a->lock);
    pthread_mutex_unlock(&a->lock);
    return &a->slots[k % AHEAD];
}

static void ahead_free(ahead *a)
{
    for (size_t i = 0; i < AHEAD; i++) {
        free(a->slots[i].buf);
        free(a->slots[i].marks);
    }
    elider_free(&a->elide);
    pthread_cond_destroy(&a->cond);
    pthread_mutex_destroy(&a->lock);
    free(a);
}

/* One chunk read ahead, at offset, to the parse. */
static int feed_slot(json_stream *js, const ahead *a, const ahead_slot *s, uint64_t offset)
{
    /* a token too long is said at its place, elided or not */
    if (s->bad < s->n || (s->nmarks == 0 && !js->in_elided))
        return feed_read(js, s->buf, s->n, s->bad);
    return feed_marked(js, &a->elide, s, offset);
}

/* read_all with the reading thread; 1 when it cannot be started (then
 * nothing was read). The last chunk stays alive until the parse completes:
 * handlers called then still count lines in it. */
static int read_all_ahead(json_stream *js, FILE *in)
{
    ahead *a = calloc(1, sizeof *a);
    if (a == NULL)
        return 1;
    a->in = in;
    a->chunk = js->spec->chunk;
    a->guard.spec = js->spec;
    bool ok = elider_init(&a->elide, js->spec);
    for (size_t i = 0; i < AHEAD_FIRST && ok; i++)
        ok = (a->slots[i].buf = malloc(a->chunk)) != NULL;
    pthread_mutex_init(&a->lock, NULL);
    pthread_cond_init(&a->cond, NULL);
    pthread_t thread;
    if (!ok || pthread_create(&thread, NULL, read_ahead, a) != 0) {
        ahead_free(a);
        return 1;
    }
    int rc = 0;
    uint64_t offset = 0;
    for (size_t k = 0; rc == 0; k++) {
        ahead_slot *slot = ahead_next(a, k);
        if (slot->nomem) { /* a chunk or a mark could not be had */
            rc = err_fail(js->err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
            break;
        }
        if (slot->n == 0) {
            /* the text ended inside an elided container (a read error is
             * finish_stream's to say) */
            if (js->in_elided && !ferror(in))
                rc = slot->nmarks > 0
                         ? elided_error(js, &a->elide, MARK_END)
                         : err_fail(js->err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
            break;
        }
        rc = feed_slot(js, a, slot, offset);
        offset += slot->n;
    }
    pthread_mutex_lock(&a->lock);
    a->cancel = true;
    pthread_cond_broadcast(&a->cond);
    pthread_mutex_unlock(&a->lock);
    pthread_join(thread, NULL);
    if (rc == 0 && !js->decided && partial_bom_is_text(js))
        rc = feed_refeed(js);
    if (rc == 0)
        rc = finish_stream(js, in);
    ahead_free(a);
    return rc;
}

/* Only a regular file is read ahead: on a pipe the reading thread may wait
 * for bytes that never come after the parse has failed, and the error
 * would wait with it until the writer closes the pipe. */
static bool reads_ahead(const json_stream_spec *spec, FILE *in)
{
    struct stat st;
    int fd = fileno(in);
    return spec->chunk >= AHEAD_MIN && spec->max_chunk <= spec->chunk &&
           sysconf(_SC_NPROCESSORS_ONLN) > 1 && fd >= 0 && fstat(fd, &st) == 0 &&
           S_ISREG(st.st_mode) && st.st_size >= (off_t)(AHEAD_CHUNKS_MIN * spec->chunk);
}

static int parse(json_stream *js, const json_stream_spec *spec, const json_handlers *h, void *ctx,
                 FILE *in, const char *name, espi_error *err, bool may_read_ahead)
{
    memset(js, 0, sizeof *js);
    js->spec = spec;
    js->h = h;
    js->ctx = ctx;
    js->name = name;
    js->err = err;
    js->line = 1;
    js->yh = yajl_alloc(&callbacks, NULL, js);
    int rc = js->yh != NULL && may_read_ahead && reads_ahead(spec, in) ? read_all_ahead(js, in) : 1;
    if (rc == 1) { /* one read at a time */
        size_t cap = spec->chunk;
        unsigned char *buf = js->yh != NULL ? malloc(cap) : NULL;
        rc = buf != NULL ? read_all(js, in, &buf, &cap)
                         : err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
        free(buf);
    }
    if (js->yh != NULL)
        yajl_free(js->yh);
    js->yh = NULL;
    return rc;
}

int json_stream_parse(json_stream *js, const json_stream_spec *spec, const json_handlers *h,
                      void *ctx, FILE *in, const char *name, espi_error *err)
{
    return parse(js, spec, h, ctx, in, name, err, true);
}

int json_stream_parse_alone(json_stream *js, const json_stream_spec *spec, const json_handlers *h,
                            void *ctx, FILE *in, const char *name, espi_error *err)
{
    return parse(js, spec, h, ctx, in, name, err, false);
}
