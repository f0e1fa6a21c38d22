/* SPDX-License-Identifier: Apache-2.0 */
/* grow.c - arrays that grow as items are appended (grow.h). */
#include "common/grow.h"

#include <stdint.h>
#include <stdlib.h>

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

void sort_array(void *items, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
    const char *p = items;
    for (size_t i = 1; i < n; i++, p += size)
        if (cmp(p, p + size) > 0) {
            qsort(items, n, size, cmp);
            return;
        }
}
