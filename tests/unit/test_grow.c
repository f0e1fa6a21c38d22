/* SPDX-License-Identifier: Apache-2.0 */
/* test_grow.c - growing arrays: room is kept while there is some, the
 * first size when empty, doubling after, and a failure leaves the array;
 * sorting them: items in order are looked at once and left, others sorted
 * (ties in their order: glibc's qsort merges). */
#include "testutil.h"

#include "common/grow.h"

#include <stdint.h>
#include <stdlib.h>

static void test_grow(void **state)
{
    (void)state;
    size_t cap = 0, n = 0;
    int *items = NULL;
    for (int i = 0; i < 100; i++, n++) {
        int *g = grow_array(items, &cap, n, sizeof *g, 4);
        assert_non_null(g);
        items = g;
        items[n] = i;
        assert_true(cap > n);
    }
    assert_int_equal(cap, 128); /* 4, 8, ..., 128 */
    for (int i = 0; i < 100; i++)
        assert_int_equal(items[i], i);
    /* with room: the same array, the same capacity */
    assert_ptr_equal(grow_array(items, &cap, 100, sizeof *items, 4), items);
    assert_int_equal(cap, 128);
    /* a size no memory can hold: NULL, the array and capacity as they were */
    size_t huge_cap = SIZE_MAX / 2 + 1;
    assert_null(grow_array(items, &huge_cap, huge_cap, 1, 4));
    assert_int_equal(huge_cap, SIZE_MAX / 2 + 1);
    assert_null(grow_array(items, &cap, cap, SIZE_MAX / 8, 4));
    assert_int_equal(cap, 128);
    assert_int_equal(items[99], 99);
    free(items);
}

typedef struct pair {
    int key, tag;
} pair;

static size_t compared;

static int by_key(const void *a, const void *b)
{
    const pair *x = a, *y = b;
    compared++;
    return (x->key > y->key) - (x->key < y->key);
}

static void test_sort_array(void **state)
{
    (void)state;
    pair in_order[6] = {{1, 0}, {2, 1}, {2, 2}, {5, 3}, {8, 4}, {9, 5}};
    compared = 0;
    sort_array(in_order, 6, sizeof *in_order, by_key);
    assert_int_equal(compared, 5); /* one look at each neighbour, no sort */
    for (int i = 0; i < 6; i++)
        assert_int_equal(in_order[i].tag, i);

    pair mixed[6] = {{5, 0}, {2, 1}, {9, 2}, {2, 3}, {1, 4}, {8, 5}};
    compared = 0;
    sort_array(mixed, 6, sizeof *mixed, by_key);
    assert_true(compared > 1);
    const pair want[6] = {{1, 4}, {2, 1}, {2, 3}, {5, 0}, {8, 5}, {9, 2}};
    for (int i = 0; i < 6; i++) {
        assert_int_equal(mixed[i].key, want[i].key);
        assert_int_equal(mixed[i].tag, want[i].tag);
    }

    pair one = {3, 0};
    compared = 0;
    sort_array(&one, 1, sizeof one, by_key);
    sort_array(NULL, 0, sizeof one, by_key);
    assert_int_equal(compared, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grow),
        cmocka_unit_test(test_sort_array),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
