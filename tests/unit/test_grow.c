/* SPDX-License-Identifier: Apache-2.0 */
/* test_grow.c - growing arrays: room is kept while there is some, the
 * first size when empty, doubling after, and a failure leaves the array;
 * sorting them: items in order are looked at once and left, a few out of
 * place moved in with about as many looks as items (ties kept in order),
 * others sorted by qsort (ties in their order: glibc's qsort merges), and
 * items too large to hold aside too. */
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

/* 960 keys in order but for an hour of four repeated after it, as points
 * stamped in wall-clock time come at a fall-back change. */
static void test_sort_nearly_sorted(void **state)
{
    (void)state;
    enum { N = 960 };
    pair *p = calloc(N, sizeof *p);
    assert_non_null(p);
    for (int i = 0; i < N; i++)
        p[i] = (pair){i < 500 ? i : i - 4, i}; /* keys 496..499 twice */
    compared = 0;
    sort_array(p, N, sizeof *p, by_key);
    for (int i = 1; i < N; i++) {
        assert_true(p[i - 1].key <= p[i].key);
        if (p[i - 1].key == p[i].key) /* a tie: in the order they came */
            assert_true(p[i - 1].tag < p[i].tag);
    }
    assert_true(compared < 2 * N); /* moved in, not sorted again (qsort: about N log2 N) */
    free(p);

    /* reversed: the moves run out and qsort sorts them */
    pair r[300];
    for (int i = 0; i < 300; i++)
        r[i] = (pair){300 - i, i};
    sort_array(r, 300, sizeof *r, by_key);
    for (int i = 0; i < 300; i++)
        assert_int_equal(r[i].key, i + 1);
}

typedef struct big {
    int key;
    char pad[400]; /* more than an insertion holds aside */
} big;

static int by_big_key(const void *a, const void *b)
{
    const big *x = a, *y = b;
    return (x->key > y->key) - (x->key < y->key);
}

static void test_sort_large_items(void **state)
{
    (void)state;
    big *b = calloc(20, sizeof *b);
    assert_non_null(b);
    for (int i = 0; i < 20; i++) {
        b[i].key = i == 10 ? 3 : i; /* one out of place */
        b[i].pad[0] = (char)i;
    }
    sort_array(b, 20, sizeof *b, by_big_key);
    for (int i = 1; i < 20; i++)
        assert_true(b[i - 1].key <= b[i].key);
    assert_int_equal(b[4].key, 3);
    assert_int_equal(b[4].pad[0], 10); /* the item moved whole */
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grow),
        cmocka_unit_test(test_sort_array),
        cmocka_unit_test(test_sort_nearly_sorted),
        cmocka_unit_test(test_sort_large_items),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
