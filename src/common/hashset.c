/* SPDX-License-Identifier: Apache-2.0 */
/* hashset.c - sets of string hashes with first lines (hashset.h). */
#include "common/hashset.h"

#include <stdlib.h>

void hashset_init(hashset *s, size_t max_slots)
{
    *s = (hashset){NULL, NULL, 0, 0, max_slots};
}

void hashset_free(hashset *s)
{
    free(s->keys);
    free(s->lines);
    *s = (hashset){NULL, NULL, 0, 0, s->max_cap};
}

uint64_t hashset_hash(const char *text, uint64_t salt)
{
    uint64_t h = 14695981039346656037ULL;
    for (int i = 0; i < 8; i++, salt >>= 8)
        h = (h ^ (salt & 0xff)) * 1099511628211ULL;
    for (; *text; text++)
        h = (h ^ (unsigned char)*text) * 1099511628211ULL;
    return h ? h : 1;
}

static int grow(hashset *s)
{
    size_t cap = s->cap ? s->cap * 2 : 1024;
    uint64_t *keys = calloc(cap, sizeof *keys);
    uint32_t *lines = calloc(cap, sizeof *lines);
    if (keys == NULL || lines == NULL) {
        free(keys);
        free(lines);
        return -1;
    }
    for (size_t i = 0; i < s->cap; i++)
        if (s->keys[i]) {
            size_t j = (size_t)(s->keys[i] & (cap - 1));
            while (keys[j])
                j = (j + 1) & (cap - 1);
            keys[j] = s->keys[i];
            lines[j] = s->lines[i];
        }
    free(s->keys);
    free(s->lines);
    s->keys = keys;
    s->lines = lines;
    s->cap = cap;
    return 0;
}

unsigned long hashset_find(const hashset *s, uint64_t h)
{
    if (s->cap == 0)
        return 0;
    for (size_t j = (size_t)(h & (s->cap - 1)); s->keys[j]; j = (j + 1) & (s->cap - 1))
        if (s->keys[j] == h)
            return s->lines[j] ? s->lines[j] : 1;
    return 0;
}

unsigned long hashset_add(hashset *s, uint64_t h, unsigned long line)
{
    int room = 2 * (s->n + 1) <= s->cap || (s->cap < s->max_cap && grow(s) == 0);
    if (s->cap == 0)
        return 0;
    size_t j = (size_t)(h & (s->cap - 1));
    while (s->keys[j]) {
        if (s->keys[j] == h)
            return s->lines[j] ? s->lines[j] : 1;
        j = (j + 1) & (s->cap - 1);
    }
    if (!room)
        return 0; /* full: repeats of what is in are still found, nothing more goes in */
    s->keys[j] = h;
    s->lines[j] = line > UINT32_MAX ? UINT32_MAX : (uint32_t)line;
    s->n++;
    return 0;
}
