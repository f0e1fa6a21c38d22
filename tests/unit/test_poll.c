/* SPDX-License-Identifier: Apache-2.0 */
/* test_poll.c - looking up a point's xToOrderedInterval item
 * (smarthub/poll_parse.c): sh_entry_interval_from, which starts where the
 * last lookup ended, finds what the plain binary search finds whatever the
 * order of the lookups (forward as points come, backward, by strides, the
 * same x again, x between or beyond the items, an entry without any). */
#include "testutil.h"

#include "convert/smarthub/poll.h"

#include <stdlib.h>
#include <string.h>

#define STEP_MS 900000LL /* 15 minutes */
#define ITEMS 200

/* Items every 15 minutes but every seventh, a gap, with lengths that tell
 * them apart. */
static void fill(sh_entry *e, sh_interval *items)
{
    size_t n = 0;
    for (int k = 0; k < ITEMS; k++) {
        if (k % 7 == 3)
            continue;
        int64_t x = 1772928000000LL + k * STEP_MS;
        items[n++] = (sh_interval){x, x, x + STEP_MS + k};
    }
    memset(e, 0, sizeof *e);
    e->intervals = items;
    e->nintervals = n;
}

/* The x of lookup i: on the items' grid, and between them (odd i). */
static int64_t x_of(int i)
{
    return 1772928000000LL + (int64_t)(i / 2 - 3) * STEP_MS + (i % 2 ? 1000 : 0);
}

#define LOOKUPS (2 * (ITEMS + 6)) /* from before the first item to past the last */

static void check_walk(const sh_entry *e, int stride, bool backward, int repeat)
{
    size_t cursor = 0;
    for (int k = 0; k < LOOKUPS; k++) {
        int i = (int)(((int64_t)k * stride) % LOOKUPS);
        if (backward)
            i = LOOKUPS - 1 - i;
        for (int r = 0; r < repeat; r++) {
            const sh_interval *want = sh_entry_interval(e, x_of(i));
            const sh_interval *got = sh_entry_interval_from(e, x_of(i), &cursor);
            if (got != want)
                fail_msg("x %lld (stride %d%s): item %td, expected %td", (long long)x_of(i), stride,
                         backward ? ", backward" : "", got ? got - e->intervals : -1,
                         want ? want - e->intervals : -1);
        }
    }
}

static void test_interval_lookup_orders(void **state)
{
    (void)state;
    static sh_interval items[ITEMS];
    sh_entry e;
    fill(&e, items);
    size_t found = 0;
    for (int i = 0; i < LOOKUPS; i++)
        found += sh_entry_interval(&e, x_of(i)) != NULL;
    assert_int_equal(found, e.nintervals); /* grid x hit, x between miss */
    const int strides[] = {1, 2, 3, 5, 17, 101};
    for (size_t s = 0; s < sizeof strides / sizeof strides[0]; s++)
        for (int b = 0; b < 2; b++) {
            check_walk(&e, strides[s], b, 1);
            check_walk(&e, strides[s], b, 2);
        }
}

/* A cursor past the end (another entry's), and an entry without items. */
static void test_interval_lookup_edges(void **state)
{
    (void)state;
    static sh_interval items[ITEMS];
    sh_entry e;
    fill(&e, items);
    size_t cursor = 5 * ITEMS;
    const sh_interval *iv = sh_entry_interval_from(&e, x_of(2 * 10), &cursor);
    assert_ptr_equal(iv, sh_entry_interval(&e, x_of(2 * 10)));
    assert_non_null(iv);
    assert_int_equal(iv->end_ms - iv->start_ms, STEP_MS + 7);
    cursor = e.nintervals;
    assert_null(sh_entry_interval_from(&e, x_of(LOOKUPS - 1), &cursor));
    assert_ptr_equal(sh_entry_interval_from(&e, x_of(6), &cursor), &items[0]);
    sh_entry empty;
    memset(&empty, 0, sizeof empty);
    cursor = 3;
    assert_null(sh_entry_interval_from(&empty, x_of(6), &cursor));
    assert_int_equal(cursor, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_interval_lookup_orders),
        cmocka_unit_test(test_interval_lookup_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
