/* SPDX-License-Identifier: Apache-2.0 */
/* grow.h - arrays that grow as items are appended, and their sorting. */
#ifndef GROW_H
#define GROW_H

#include <stddef.h>

/* Room for item n of an array of *cap items of size bytes: items itself
 * while n < *cap, else the array doubled (first items when empty) with
 * *cap updated. NULL when memory runs out; items is then left as it was. */
void *grow_array(void *items, size_t *cap, size_t n, size_t size, size_t first);

/* n items sorted with cmp, stably where qsort is (glibc's, with the memory
 * for it). Inputs mostly come sorted, or nearly (the repeated hour of a
 * fall-back change, a stray point): one pass finds that, and the few items
 * out of place are moved into it, n moves at most in all; past that, or
 * for items over 256 bytes, qsort sorts them. */
void sort_array(void *items, size_t n, size_t size, int (*cmp)(const void *, const void *));

#endif
