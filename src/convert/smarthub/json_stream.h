/* SPDX-License-Identifier: Apache-2.0 */
/* json_stream.h - a JSON text run through yajl's streaming parser the way
 * the SmartHub readers need it: read in chunks, a UTF-8 byte order mark
 * dropped, a web page refused by its first byte, strings and numbers
 * bounded before yajl sees them, and every error placed at a line and
 * column. The reader only answers events (json_handlers). */
#ifndef JSON_STREAM_H
#define JSON_STREAM_H

#include "common/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef enum json_scalar { JSON_STRING, JSON_NUMBER, JSON_BOOL, JSON_NULL } json_scalar;

/* A reader's answers to the events of the text; each returns 1 to go on or
 * 0, with the error set, to stop. Numbers arrive as their text, booleans as
 * "true" or "false", null as (NULL, 0); close ends a map or an array. */
typedef struct json_handlers {
    int (*scalar)(json_scalar type, const unsigned char *s, size_t len, void *ctx);
    int (*key)(const unsigned char *s, size_t len, void *ctx);
    int (*open)(bool is_map, void *ctx);
    int (*close)(void *ctx);
} json_handlers;

/* How a reader tells the containers it ignores whole from the key path
 * (kinds and fields are the reader's own codes): the reading thread
 * follows the same path ahead of the parse, and the bytes of such a
 * container never reach the parse (json_stream.c, "Eliding"). field and
 * child must answer as the reader's handlers do. */
typedef struct json_skip_rules {
    int top_kind;   /* the kind before the text's first container */
    int none_field; /* the field of an array's items and of a map before its first key */
    int skip_kind;  /* the kind of a container the reader ignores, and all in it */
    int (*field)(int kind, const unsigned char *key, size_t len);
    /* the kind of a container opened as field of kind; -1: the reader refuses it */
    int (*child)(int kind, int field, bool is_map);
} json_skip_rules;

/* What differs between readers: the sizes, and the code and message of
 * each refusal (messages are complete lines, not formats). */
typedef struct json_stream_spec {
    size_t chunk;     /* bytes read at a time */
    size_t max_token; /* longest string or bare value accepted */
    /* Set: the text must open with '[' or '{' (after a whole byte order
     * mark), and a refusal points at the line of the first byte, column 0.
     * NULL: only a page is refused, at 1:1, and yajl judges the rest. */
    const char *not_json_code, *not_json_text;
    const char *html_code, *html_text;
    const char *empty_code, *empty_text;
    const char *token_code;  /* a token longer than max_token */
    const char *syntax_code; /* "malformed JSON: " and yajl's message */
    /* Optional. token_text replaces the message of token_code. max_chunk
     * above chunk lets a read made inside a token longer than chunk grow
     * to that token's length so far (up to max_chunk): yajl rescans a token
     * that spans reads from its start, so fixed reads would take quadratic
     * time on the long strings a HAR file holds. */
    const char *token_text;
    size_t max_chunk;
    /* Optional. Containers open at once beyond max_depth are refused with
     * depth_code and depth_text, at the bracket that opens one too many.
     * With skip (and max_depth) set, a regular file read ahead has the
     * containers the reader ignores taken out before yajl parses it. */
    size_t max_depth;
    const char *depth_code, *depth_text;
    const json_skip_rules *skip;
} json_stream_spec;

/* One parse; a reader embeds it so its handlers can ask json_stream_here. */
typedef struct json_stream {
    const json_stream_spec *spec;
    const json_handlers *h;
    void *ctx;
    const char *name;
    espi_error *err;
    struct yajl_handle_t *yh;
    /* before the first token: a byte order mark, blanks, then the text */
    bool decided;
    size_t head_bytes, bom, refeed;
    unsigned long head_line;
    /* the token being scanned before yajl sees it */
    int guard;
    size_t token_len;
    /* lines counted up to chunk[scan] */
    const unsigned char *chunk;
    size_t scan;
    unsigned long line;
    unsigned long col0; /* column of chunk[scan] minus one */
    size_t depth;       /* containers open */
    bool in_elided;     /* the bytes now read belong to an elided container */
} json_stream;

/* Runs all of in through h (ctx goes to every handler). 0, or a negative
 * espi_status with err set: by a handler, or here with the file, line and
 * column. name is the input's name for messages. */
int json_stream_parse(json_stream *js, const json_stream_spec *spec, const json_handlers *h,
                      void *ctx, FILE *in, const char *name, espi_error *err);

/* json_stream_parse on the calling thread only: no read ahead. */
int json_stream_parse_alone(json_stream *js, const json_stream_spec *spec, const json_handlers *h,
                            void *ctx, FILE *in, const char *name, espi_error *err);

/* Where the token just read ends, for handlers; where (may be NULL) names
 * the place in the document. */
err_loc json_stream_here(json_stream *js, const char *where);

/* Sniffing an input's first bytes (a byte scan, not a parse): where its
 * JSON text starts, after a UTF-8 byte order mark and blanks (n when
 * nothing follows them), and whether "key" followed by blanks and ':'
 * occurs in the n bytes at s. */
size_t json_stream_text_start(const unsigned char *head, size_t n);
bool json_stream_has_key(const unsigned char *s, size_t n, const char *key);

#endif
