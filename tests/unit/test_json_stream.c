/* SPDX-License-Identifier: Apache-2.0 */
/* test_json_stream.c - the JSON reading of the SmartHub readers with and
 * without the reading thread: where the reader gives skip rules, the
 * containers it ignores never reach its handlers when the file is read
 * ahead (fewer events), and everything else is the same: what is kept,
 * and every error (a handler's after elided containers, yajl's inside one,
 * a file cut short in one, nesting too deep in one, a token too long in
 * one, with lines and a byte order mark) with its code, line, column and
 * message; and what the scan of the reading thread must follow as the
 * parse does (strings with brackets and escapes, an escaped key); and 400
 * documents damaged at random, each the same both ways. The documents are made here,
 * large enough for many chunks. */
#include "testutil.h"

#include "convert/smarthub/json_stream.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A reader of {"keep": [...], "skip": ..., ...}: every top-level key
 * but "skip" holds values it counts; "skip" holds what it ignores. */
enum { K_TOP, K_ROOT, K_LIST, K_SKIP };
enum { F_NONE, F_SKIP, F_OTHER };

static int field_of(int kind, const unsigned char *key, size_t len)
{
    return kind == K_ROOT && len == 4 && memcmp(key, "skip", 4) == 0 ? F_SKIP : F_OTHER;
}

static int child_of(int kind, int field, bool is_map)
{
    if (kind == K_TOP)
        return is_map ? K_ROOT : -1;
    if (kind == K_SKIP || (kind == K_ROOT && field == F_SKIP))
        return K_SKIP;
    return K_LIST;
}

static const json_skip_rules rules = {K_TOP, F_NONE, K_SKIP, field_of, child_of};

static const json_stream_spec spec = {
    .chunk = 16384,
    .max_token = 4096,
    .html_code = "test-html",
    .html_text = "a page",
    .empty_code = "test-empty",
    .empty_text = "empty",
    .token_code = "test-token",
    .syntax_code = "test-syntax",
    .max_depth = 40,
    .depth_code = "test-deep",
    .depth_text = "nested too deep",
    .skip = &rules,
};

typedef struct reader {
    json_stream js;
    int kinds[64];
    int fields[64];
    size_t depth;
    size_t events;  /* every handler call */
    size_t kept;    /* scalars outside "skip" */
    size_t skipped; /* scalars inside it */
} reader;

static int on_scalar(json_scalar t, const unsigned char *s, size_t len, void *ctx)
{
    reader *r = ctx;
    r->events++;
    if (r->kinds[r->depth] == K_SKIP) {
        r->skipped++;
        return 1;
    }
    r->kept++;
    if (t == JSON_STRING && len == 4 && memcmp(s, "boom", 4) == 0) {
        err_loc loc = json_stream_here(&r->js, "the tail");
        err_fail(r->js.err, ESPI_E_INPUT, "test-boom", &loc, "a boom");
        return 0;
    }
    return 1;
}

static int on_key(const unsigned char *s, size_t len, void *ctx)
{
    reader *r = ctx;
    r->events++;
    r->fields[r->depth] = field_of(r->kinds[r->depth], s, len);
    return 1;
}

static int on_open(bool is_map, void *ctx)
{
    reader *r = ctx;
    r->events++;
    int k = child_of(r->kinds[r->depth], r->fields[r->depth], is_map);
    if (k < 0) {
        err_loc loc = json_stream_here(&r->js, NULL);
        err_fail(r->js.err, ESPI_E_INPUT, "test-structure", &loc, "not an object");
        return 0;
    }
    r->depth++;
    assert_true(r->depth < 64);
    r->kinds[r->depth] = k;
    r->fields[r->depth] = F_NONE;
    return 1;
}

static int on_close(void *ctx)
{
    reader *r = ctx;
    r->events++;
    r->depth--;
    return 1;
}

static const json_handlers handlers = {on_scalar, on_key, on_open, on_close};

/* A growing text. */
typedef struct text {
    char *s;
    size_t n, cap;
} text;

static void put(text *t, const char *s)
{
    size_t k = strlen(s);
    if (t->n + k + 1 > t->cap) {
        t->cap = (t->n + k + 1) * 2;
        t->s = realloc(t->s, t->cap);
        assert_non_null(t->s);
    }
    memcpy(t->s + t->n, s, k + 1);
    t->n += k;
}

/* count points {"x": i, "y": i.5, "z": [true, null]}, a line break
 * every `every` of them (0: none) */
static void put_points(text *t, int count, int every)
{
    char one[96];
    put(t, "[");
    for (int i = 0; i < count; i++) {
        snprintf(one, sizeof one, "%s{\"x\":%d,\"y\":%d.5,\"z\":[true,null]}", i ? "," : "", i, i);
        put(t, one);
        if (every > 0 && i % every == every - 1)
            put(t, "\n  ");
    }
    put(t, "]");
}

/* The document: kept points, a large skipped list, kept points again, a
 * skipped map, then the tail (its value as given) and the end as given. */
static char *document(const char *bom, int every, const char *in_skip, const char *tail,
                      const char *end)
{
    text t = {NULL, 0, 0};
    put(&t, bom);
    put(&t, "{\"keep\":");
    put_points(&t, 500, every);
    put(&t, ",\n\"skip\":");
    put_points(&t, 3000, every);
    put(&t, ",\"more\":");
    put_points(&t, 500, every);
    put(&t, ",\"skip\":{\"a\":");
    put_points(&t, 1500, every);
    put(&t, ",\"b\":");
    put(&t, in_skip);
    put(&t, "},\n\"tail\":");
    put(&t, tail);
    put(&t, end);
    return t.s;
}

typedef struct outcome {
    int rc;
    espi_error err;
    size_t events, kept, skipped;
} outcome;

static outcome parse_file(const char *path, bool alone)
{
    FILE *in = fopen(path, "rb");
    assert_non_null(in);
    reader *r = calloc(1, sizeof *r);
    assert_non_null(r);
    r->kinds[0] = K_TOP;
    outcome o;
    memset(&o, 0, sizeof o);
    o.rc = alone ? json_stream_parse_alone(&r->js, &spec, &handlers, r, in, "doc.json", &o.err)
                 : json_stream_parse(&r->js, &spec, &handlers, r, in, "doc.json", &o.err);
    o.events = r->events;
    o.kept = r->kept;
    o.skipped = r->skipped;
    free(r);
    fclose(in);
    return o;
}

/* Parses doc both ways; the same result, error and all. Returns the
 * outcome read ahead; *alone_out (may be NULL) gets the other. */
static outcome both_ways(char *doc, outcome *alone_out)
{
    char path[] = "/tmp/espi-json-stream-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    size_t n = strlen(doc);
    assert_int_equal(write(fd, doc, n), (ssize_t)n);
    close(fd);
    free(doc);
    outcome ahead = parse_file(path, false);
    outcome alone = parse_file(path, true);
    unlink(path);
    assert_int_equal(ahead.rc, alone.rc);
    assert_int_equal(ahead.err.status, alone.err.status);
    assert_string_equal(ahead.err.code, alone.err.code);
    assert_int_equal(ahead.err.line, alone.err.line);
    assert_int_equal(ahead.err.column, alone.err.column);
    assert_string_equal(ahead.err.where, alone.err.where);
    assert_string_equal(ahead.err.message, alone.err.message);
    assert_int_equal(ahead.kept, alone.kept);
    if (alone_out)
        *alone_out = alone;
    return ahead;
}

static bool two_cores(void)
{
    return sysconf(_SC_NPROCESSORS_ONLN) > 1;
}

static void test_valid_elided(void **state)
{
    (void)state;
    outcome alone;
    outcome ahead = both_ways(document("", 0, "[1,2]", "3", "}"), &alone);
    assert_int_equal(ahead.rc, 0);
    assert_int_equal(alone.kept, 1000 * 4 + 1);
    assert_int_equal(alone.skipped, 4500 * 4 + 2);
    if (!two_cores())
        skip();
    /* read ahead, the skipped containers never reach the handlers */
    assert_int_equal(ahead.skipped, 0);
    assert_true(ahead.events < alone.events / 3);
}

/* A handler's error after elided containers: lines and columns counted
 * through them (line breaks inside, a byte order mark first). */
static void test_handler_error_after(void **state)
{
    (void)state;
    outcome o = both_ways(document("\xEF\xBB\xBF", 7, "[1,\n2]", "\"boom\"", "}"), NULL);
    assert_int_equal(o.rc, ESPI_E_INPUT);
    assert_string_equal(o.err.code, "test-boom");
    assert_true(o.err.line > 700); /* 5,500 points, a break every 7 */
    o = both_ways(document("", 0, "[1,2]", "\"boom\"", "}"), NULL);
    assert_string_equal(o.err.code, "test-boom");
    assert_int_equal(o.err.line, 3);
}

/* yajl's complaint inside an elided container, at its place. */
static void test_syntax_error_inside(void **state)
{
    (void)state;
    outcome o = both_ways(document("", 5, "[1,,2]", "3", "}"), NULL);
    assert_int_equal(o.rc, ESPI_E_INPUT);
    assert_string_equal(o.err.code, "test-syntax");
    assert_non_null(strstr(o.err.message, "malformed JSON: "));
    o = both_ways(document("", 0, "{\"k\" 1}", "3", "}"), NULL);
    assert_string_equal(o.err.code, "test-syntax");
    o = both_ways(document("", 0, "[\"\xC3\x28\"]", "3", "}"), NULL); /* not UTF-8 */
    assert_string_equal(o.err.code, "test-syntax");
}

/* The text cut short inside an elided container. */
static void test_cut_inside(void **state)
{
    (void)state;
    char *doc = document("", 3, "[1,2]", "3", "}");
    char *cut = strstr(doc, "\"a\":");
    assert_non_null(cut);
    cut = strstr(cut + 40000, ",{"); /* after a comma: the text stops between two points */
    assert_non_null(cut);
    cut[1] = '\0';
    outcome o = both_ways(doc, NULL);
    assert_int_equal(o.rc, ESPI_E_INPUT);
    assert_string_equal(o.err.code, "test-syntax");
    assert_non_null(strstr(o.err.message, "premature EOF"));
}

/* n arrays one in the other, empty, into out */
static void nested(char *out, int n)
{
    memset(out, '[', (size_t)n);
    memset(out + n, ']', (size_t)n);
    out[2 * n] = '\0';
}

/* Nesting too deep inside an elided container. */
static void test_too_deep_inside(void **state)
{
    (void)state;
    char deep[200];
    nested(deep, 60);
    outcome o = both_ways(document("", 0, deep, "3", "}"), NULL);
    assert_int_equal(o.rc, ESPI_E_INPUT);
    assert_string_equal(o.err.code, "test-deep");
    assert_string_equal(o.err.message, "nested too deep");
    /* 38 arrays in "b" (the root and "skip" make 40 open): allowed; 39 not */
    nested(deep, 38);
    o = both_ways(document("", 0, deep, "3", "}"), NULL);
    assert_int_equal(o.rc, 0);
    nested(deep, 39);
    o = both_ways(document("", 0, deep, "3", "}"), NULL);
    assert_string_equal(o.err.code, "test-deep");
}

/* A token too long inside an elided container: the guard's place. */
static void test_long_token_inside(void **state)
{
    (void)state;
    char *long_string = malloc(6000);
    assert_non_null(long_string);
    long_string[0] = '"';
    memset(long_string + 1, 'a', 5000);
    long_string[5001] = '"';
    long_string[5002] = '\0';
    outcome o = both_ways(document("", 0, long_string, "3", "}"), NULL);
    free(long_string);
    assert_int_equal(o.rc, ESPI_E_LIMIT);
    assert_string_equal(o.err.code, "test-token");
}

/* What the scan must follow as the parse does: strings holding brackets,
 * quotes and backslashes (in a kept value and in an elided one); a key
 * written with an escape (the scan does not unescape: it stops eliding,
 * and the result is the same); a bracket one too deep that is also a
 * syntax error (the syntax error is said, as the parse says it). */
static void test_scan_edges(void **state)
{
    (void)state;
    outcome o = both_ways(document("", 0, "[\"]}\\\\\",\"x\\\"]{\"]", "\"]}{[\\\"\"", "}"), NULL);
    assert_int_equal(o.rc, 0);
    char *doc = document("", 0, "[1]", "3", "}");
    char *key = strstr(doc, "\"skip\"");
    assert_non_null(key);
    size_t n = strlen(doc);
    char *escaped = malloc(n + 8);
    assert_non_null(escaped);
    size_t at = (size_t)(key - doc);
    memcpy(escaped, doc, at);
    memcpy(escaped + at, "\"sk\\u0069p\"", 11);
    memcpy(escaped + at + 11, doc + at + 6, n - at - 6 + 1);
    free(doc);
    outcome alone;
    o = both_ways(escaped, &alone);
    assert_int_equal(o.rc, 0);
    assert_int_equal(alone.skipped, 4500 * 4 + 1);
    char deep[200];
    memset(deep, '[', 37);
    memcpy(deep + 37, "{\"k\" [", 7);
    deep[44] = '\0';
    o = both_ways(document("", 0, deep, "3", "}"), NULL);
    assert_string_equal(o.err.code, "test-syntax");
}

/* xorshift64*: the same damage every run */
static uint64_t next_random(uint64_t *state)
{
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    return *state * 0x2545F4914F6CDD1DULL;
}

/* Random damage, the same both ways: a byte dropped, one put in or
 * replaced (punctuation, quotes, backslashes, blanks, letters and
 * digits), a short run doubled; one to three of them, anywhere in a
 * document with line breaks, nesting and escapes in its elided lists.
 * 400 documents from a fixed seed; most of them are broken somewhere. */
static void test_random_damage(void **state)
{
    (void)state;
    static const char bytes[] = "{}[]:,\"\\ \n1aeu";
    uint64_t seed = 0x9E3779B97F4A7C15ULL;
    char *base = document("", 9, "[[[{\"a\":[1,{\"b\":\"x\\\\\\\"y\"}]}]]]", "{\"t\":[1,2]}", "}");
    size_t n = strlen(base);
    size_t broken = 0;
    for (int round = 0; round < 400; round++) {
        char *doc = malloc(n + 256);
        assert_non_null(doc);
        memcpy(doc, base, n + 1);
        size_t len = n;
        int edits = 1 + (int)(next_random(&seed) % 3);
        for (int k = 0; k < edits; k++) {
            size_t at = (size_t)(next_random(&seed) % len);
            char c = bytes[next_random(&seed) % (sizeof bytes - 1)];
            switch (next_random(&seed) % 4) {
            case 0: /* dropped (the terminator moves with the rest) */
                memmove(doc + at, doc + at + 1, len - at);
                len--;
                break;
            case 1: /* put in */
                memmove(doc + at + 1, doc + at, len - at + 1);
                doc[at] = c;
                len++;
                break;
            case 2: /* replaced */ doc[at] = c; break;
            default: { /* a run of up to 40 bytes doubled */
                size_t run = len - at < 40 ? len - at : 40;
                memmove(doc + at + run, doc + at, len - at + 1);
                len += run;
                break;
            }
            }
        }
        outcome o = both_ways(doc, NULL);
        broken += o.rc != 0;
    }
    free(base);
    assert_true(broken > 200);
}

/* A refusal of the reader's (an array at the top) and a document that is
 * not one (a value after it): the same both ways. */
static void test_other_errors(void **state)
{
    (void)state;
    outcome o = both_ways(document("", 0, "[1]", "3", "} x"), NULL);
    assert_string_equal(o.err.code, "test-syntax");
    o = both_ways(document("", 0, "[1]", "3", ""), NULL); /* no closing brace */
    assert_string_equal(o.err.code, "test-syntax");
    char *doc = document("", 0, "[1]", "3", "}");
    doc[0] = '[';
    o = both_ways(doc, NULL);
    assert_int_equal(o.rc, ESPI_E_INPUT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_elided),        cmocka_unit_test(test_handler_error_after),
        cmocka_unit_test(test_syntax_error_inside), cmocka_unit_test(test_cut_inside),
        cmocka_unit_test(test_too_deep_inside),     cmocka_unit_test(test_long_token_inside),
        cmocka_unit_test(test_scan_edges),          cmocka_unit_test(test_random_damage),
        cmocka_unit_test(test_other_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
