/* SPDX-License-Identifier: Apache-2.0 */
/* grow.c - arrays that grow as items are appended (grow.h). */
#include "common/grow.h"

#include <stdint.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

void *grow_array(void *items, size_t *cap, size_t n, size_t size, size_t first)
{
    if (n < *cap)
        return items;
    size_t c = *cap ? *cap * 2 : first;
    if (c < *cap || c > SIZE_MAX / size)
        return NULL;
    void *grown = realloc(items, c * size);
    if (grown)
        *cap = c;
    return grown;
}

/* Items larger than this are sorted by qsort alone: an insertion holds one
 * item aside. */
#define SORT_ITEM_MAX 256

void sort_array(void *items, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
    unsigned char *a = items, held[SORT_ITEM_MAX];
    size_t budget = n; /* items the insertions may move before qsort takes over */
    for (size_t i = 1; i < n; i++) {
        unsigned char *x = a + i * size;
        if (cmp(x - size, x) <= 0)
            continue;
        /* x goes before item j - 1 at least; after the last item not above it (stable) */
        size_t j = i - 1;
        bool placed = false;
        while (!placed && i - j < budget) {
            if (j == 0 || cmp(a + (j - 1) * size, x) <= 0)
                placed = true;
            else
                j--;
        }
        if (!placed || size > sizeof held) {
            qsort(items, n, size, cmp);
            return;
        }
        budget -= i - j;
        memcpy(held, x, size);
        memmove(a + (j + 1) * size, a + j * size, (i - j) * size);
        memcpy(a + j * size, held, size);
    }
}
