/* SPDX-License-Identifier: Apache-2.0 */
/* json.c - a streaming yajl pass that tells a reader where each event is. */
#include "fetch/json.h"

#include "fetch/secret.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <yajl/yajl_parse.h>

typedef struct walk {
    fetch_json_path path;
    const fetch_json_reader *r;
    void *ctx;
    bool too_deep, stopped;
} walk;

/* A value ends: the index of an enclosing array moves on. */
static void next_value(walk *w)
{
    if (w->path.depth > 0 && !w->path.frames[w->path.depth - 1].is_map)
        w->path.frames[w->path.depth - 1].index++;
}

static int stop(walk *w, int rc)
{
    if (rc != 0)
        w->stopped = true;
    return rc == 0;
}

static int scalar(walk *w, fetch_json_type type, const char *s, size_t len)
{
    int rc = w->r->scalar ? w->r->scalar(&w->path, type, s, len, w->ctx) : 0;
    next_value(w);
    return stop(w, rc);
}

static int on_null(void *ctx)
{
    return scalar(ctx, FETCH_JSON_NULL, NULL, 0);
}

static int on_bool(void *ctx, int value)
{
    return scalar(ctx, FETCH_JSON_BOOL, value ? "true" : "false", value ? 4 : 5);
}

static int on_number(void *ctx, const char *s, size_t len)
{
    return scalar(ctx, FETCH_JSON_NUMBER, s, len);
}

static int on_string(void *ctx, const unsigned char *s, size_t len)
{
    return scalar(ctx, FETCH_JSON_STRING, (const char *)s, len);
}

static int on_key(void *ctx, const unsigned char *s, size_t len)
{
    walk *w = ctx;
    fetch_json_frame *f = &w->path.frames[w->path.depth - 1];
    size_t n = len < FETCH_JSON_KEY - 1 ? len : FETCH_JSON_KEY - 1;
    memcpy(f->key, s, n);
    f->key[n] = '\0';
    return stop(w, w->r->key ? w->r->key(&w->path, w->ctx) : 0);
}

static int open_container(walk *w, bool is_map)
{
    if (w->path.depth == FETCH_JSON_DEPTH) {
        w->too_deep = true;
        return 0;
    }
    int rc = w->r->open ? w->r->open(&w->path, is_map, w->ctx) : 0;
    fetch_json_frame *f = &w->path.frames[w->path.depth++];
    f->is_map = is_map;
    f->key[0] = '\0';
    f->index = 0;
    return stop(w, rc);
}

static int close_container(walk *w, bool is_map)
{
    w->path.depth--;
    int rc = w->r->close ? w->r->close(&w->path, is_map, w->ctx) : 0;
    next_value(w);
    return stop(w, rc);
}

static int on_start_map(void *ctx)
{
    return open_container(ctx, true);
}

static int on_end_map(void *ctx)
{
    return close_container(ctx, true);
}

static int on_start_array(void *ctx)
{
    return open_container(ctx, false);
}

static int on_end_array(void *ctx)
{
    return close_container(ctx, false);
}

static const yajl_callbacks callbacks = {
    on_null,      on_bool, NULL,       NULL,           on_number,    on_string,
    on_start_map, on_key,  on_end_map, on_start_array, on_end_array,
};

int fetch_json_read(const void *text, size_t len, const fetch_json_reader *r, void *ctx, char *why,
                    size_t size)
{
    walk w;
    memset(&w, 0, sizeof w);
    w.r = r;
    w.ctx = ctx;
    yajl_alloc_funcs funcs;
    fetch_wiping_yajl_alloc(&funcs);
    yajl_handle h = yajl_alloc(&callbacks, &funcs, &w);
    if (h == NULL) {
        snprintf(why, size, "%s", "out of memory");
        return -1;
    }
    yajl_status st = yajl_parse(h, text, len);
    if (st == yajl_status_ok)
        st = yajl_complete_parse(h);
    int rc = 0;
    if (w.stopped) {
        rc = -2;
    } else if (w.too_deep) {
        snprintf(why, size, "nested deeper than %d levels", FETCH_JSON_DEPTH);
        rc = -1;
    } else if (st != yajl_status_ok) {
        unsigned char *e = yajl_get_error(h, 0, text, len);
        snprintf(why, size, "%s", e ? (const char *)e : "malformed JSON");
        size_t n = strcspn(why, "\n");
        why[n] = '\0';
        if (e)
            yajl_free_error(h, e);
        rc = -1;
    }
    yajl_free(h);
    return rc;
}

static bool matches(const fetch_json_frame *f, const char *want)
{
    if (strcmp(want, "*") == 0)
        return true;
    if (strcmp(want, "#") == 0)
        return !f->is_map;
    return f->is_map && strcmp(f->key, want) == 0;
}

bool fetch_json_at(const fetch_json_path *p, ...)
{
    va_list ap;
    va_start(ap, p);
    int d = 0;
    bool ok = true;
    for (const char *want = va_arg(ap, const char *); want != NULL;
         want = va_arg(ap, const char *), d++)
        if (d >= p->depth || !matches(&p->frames[d], want))
            ok = false;
    va_end(ap);
    return ok && d == p->depth;
}

const char *fetch_json_key(const fetch_json_path *p, int d)
{
    return d >= 0 && d < p->depth && p->frames[d].is_map ? p->frames[d].key : "";
}
