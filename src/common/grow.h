/* SPDX-License-Identifier: Apache-2.0 */
/* grow.h - arrays that grow as items are appended, and their sorting. */
#ifndef GROW_H
#define GROW_H

#include <stddef.h>

/* Room for item n of an array of *cap items of size bytes: items itself
 * while n < *cap, else the array doubled (first items when empty) with
 * *cap updated. NULL when memory runs out; items is then left as it was. */
void *grow_array(void *items, size_t *cap, size_t n, size_t size, size_t first);

/* qsort of n items, skipped when they are in order already: inputs mostly
 * come sorted, and one pass costs less than sorting them again. */
void sort_array(void *items, size_t n, size_t size, int (*cmp)(const void *, const void *));

#endif
