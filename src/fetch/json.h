/* SPDX-License-Identifier: Apache-2.0 */
/* json.h - the little the fetch layer reads from SmartHub's answers (the
 * login's status and token, user-data's accounts and locations, a poll's
 * status and count of readings), found by path in one streaming yajl pass
 * whose memory is wiped as it is freed. */
#ifndef FETCH_JSON_H
#define FETCH_JSON_H

#include <stdbool.h>
#include <stddef.h>

/* Deeper documents are refused; keys are kept this long (a longer key is
 * cut, and matches nothing a reader looks for). */
#define FETCH_JSON_DEPTH 32
#define FETCH_JSON_KEY 64

typedef struct fetch_json_frame {
    bool is_map;
    char key[FETCH_JSON_KEY]; /* map: the current key */
    size_t index;             /* array: the current index */
} fetch_json_frame;

/* Where an event is: the containers around it, outermost first. */
typedef struct fetch_json_path {
    fetch_json_frame frames[FETCH_JSON_DEPTH];
    int depth;
} fetch_json_path;

typedef enum fetch_json_type {
    FETCH_JSON_STRING,
    FETCH_JSON_NUMBER,
    FETCH_JSON_BOOL,
    FETCH_JSON_NULL
} fetch_json_type;

/* A reader's answers; each may be NULL, and returns 0 to go on. open and
 * close are given the path of the container (open: as it starts, close: as
 * it ends, both without the container's own frame); key the path with the
 * new key set in the innermost frame. */
typedef struct fetch_json_reader {
    int (*scalar)(const fetch_json_path *p, fetch_json_type type, const char *s, size_t len,
                  void *ctx);
    int (*key)(const fetch_json_path *p, void *ctx);
    int (*open)(const fetch_json_path *p, bool is_map, void *ctx);
    int (*close)(const fetch_json_path *p, bool is_map, void *ctx);
} fetch_json_reader;

/* Runs text through r. 0; -1 when it is not JSON (why says yajl's reason,
 * cut to size), -2 when a reader stopped it. */
int fetch_json_read(const void *text, size_t len, const fetch_json_reader *r, void *ctx, char *why,
                    size_t size);

/* Whether p is the path of the components given, NULL-terminated: a key,
 * "*" for any key or index, "#" for any array index. */
bool fetch_json_at(const fetch_json_path *p, ...);

/* The key of the innermost map frame at depth d (0-based), "" for none. */
const char *fetch_json_key(const fetch_json_path *p, int d);

#endif
