/* SPDX-License-Identifier: Apache-2.0 */
/* hashset.h - a set of 64-bit hashes of strings, each with the line where
 * it was first seen, to notice repeats (entry ids, self links) in 12 bytes
 * a slot without keeping the text. A capacity bound keeps memory bounded:
 * once full, nothing more is added and repeats go unnoticed. */
#ifndef HASHSET_H
#define HASHSET_H

#include <stddef.h>
#include <stdint.h>

typedef struct hashset {
    uint64_t *keys; /* 0: empty slot */
    uint32_t *lines;
    size_t n, cap, max_cap;
} hashset;

/* An empty set of at most max_slots slots (a power of two; half can be used). */
void hashset_init(hashset *s, size_t max_slots);
void hashset_free(hashset *s);

/* The FNV-1a hash of text (never 0), with salt mixed in first. */
uint64_t hashset_hash(const char *text, uint64_t salt);

/* Adds h; returns the line kept with it when it was there already, else 0
 * (also when the set is full or memory ran out). */
unsigned long hashset_add(hashset *s, uint64_t h, unsigned long line);

/* The line kept with h, or 0 when h is not in the set. */
unsigned long hashset_find(const hashset *s, uint64_t h);

#endif
