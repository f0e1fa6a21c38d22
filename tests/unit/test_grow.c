/* SPDX-License-Identifier: Apache-2.0 */
/* test_grow.c - growing arrays: room is kept while there is some, the
 * first size when empty, doubling after, and a failure leaves the array. */
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
