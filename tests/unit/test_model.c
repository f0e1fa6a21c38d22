/* SPDX-License-Identifier: Apache-2.0 */
/* test_model.c - room for a channel's readings made ahead (model_channel_reserve):
 * readings appended after it are the ones appended without it; an empty
 * channel gets exactly the room asked for, one with readings at least
 * twice its room; nothing is asked for by 0, and a count no array can hold
 * is refused with the channel left as it was. */
#include "testutil.h"

#include "convert/model.h"

#include <stdint.h>
#include <stdlib.h>

static model_reading reading_at(size_t i)
{
    model_reading r = {.start = 1767225600 + (int64_t)i * 900,
                       .value = (int64_t)(i * 7 % 1000),
                       .cost = (int64_t)i,
                       .duration = 900,
                       .line = (uint32_t)i + 1,
                       .has_cost = i % 3 == 0,
                       .source = (uint16_t)(i % 2),
                       .quality = -1};
    return r;
}

static void append_n(model_channel *ch, size_t from, size_t n)
{
    for (size_t i = from; i < from + n; i++) {
        model_reading r = reading_at(i);
        assert_int_equal(model_channel_append(ch, &r), 0);
    }
}

static void assert_same_readings(const model_channel *a, const model_channel *b)
{
    assert_int_equal(a->nreadings, b->nreadings);
    for (size_t i = 0; i < a->nreadings; i++) {
        const model_reading *x = &a->readings[i], *y = &b->readings[i];
        assert_int_equal(x->start, y->start);
        assert_int_equal(x->value, y->value);
        assert_int_equal(x->cost, y->cost);
        assert_int_equal(x->duration, y->duration);
        assert_int_equal(x->line, y->line);
        assert_int_equal(x->has_cost, y->has_cost);
        assert_int_equal(x->source, y->source);
        assert_int_equal(x->quality, y->quality);
    }
}

static void test_reserve_then_append(void **state)
{
    (void)state;
    model_channel plain = {0}, reserved = {0};
    append_n(&plain, 0, 1000);
    assert_int_equal(model_channel_reserve(&reserved, 1000), 0);
    assert_int_equal(reserved.cap, 1000); /* exactly what is asked */
    const model_reading *room = reserved.readings;
    append_n(&reserved, 0, 1000);
    assert_ptr_equal(reserved.readings, room); /* no growing on the way */
    assert_int_equal(reserved.cap, 1000);
    assert_same_readings(&plain, &reserved);

    /* a second input of the same channel: room at least doubles */
    assert_int_equal(model_channel_reserve(&reserved, 10), 0);
    assert_int_equal(reserved.cap, 2000);
    append_n(&plain, 1000, 10);
    append_n(&reserved, 1000, 10);
    assert_same_readings(&plain, &reserved);
    /* and more than double when it asks for more */
    assert_int_equal(model_channel_reserve(&reserved, 5000), 0);
    assert_int_equal(reserved.cap, 6010);
    /* with room: nothing moves */
    room = reserved.readings;
    assert_int_equal(model_channel_reserve(&reserved, 5000), 0);
    assert_ptr_equal(reserved.readings, room);
    assert_int_equal(reserved.cap, 6010);
    free(plain.readings);
    free(reserved.readings);
}

static void test_reserve_nothing_or_too_much(void **state)
{
    (void)state;
    model_channel ch = {0};
    /* 0: nothing asked, nothing allocated */
    assert_int_equal(model_channel_reserve(&ch, 0), 0);
    assert_null(ch.readings);
    assert_int_equal(ch.cap, 0);
    /* counts no array can hold: refused before any allocation */
    assert_int_equal(model_channel_reserve(&ch, SIZE_MAX), -1);
    assert_int_equal(model_channel_reserve(&ch, PTRDIFF_MAX / sizeof(model_reading) + 1), -1);
    assert_null(ch.readings);
    assert_int_equal(ch.cap, 0);
    append_n(&ch, 0, 3);
    const model_reading *held = ch.readings;
    size_t cap = ch.cap;
    assert_int_equal(model_channel_reserve(&ch, SIZE_MAX - 2), -1);
    assert_int_equal(model_channel_reserve(&ch, PTRDIFF_MAX / sizeof(model_reading) - 2), -1);
    assert_int_equal(model_channel_reserve(&ch, 0), 0);
    assert_ptr_equal(ch.readings, held);
    assert_int_equal(ch.cap, cap);
    assert_int_equal(ch.nreadings, 3);
    assert_int_equal(ch.readings[2].line, 3);
    free(ch.readings);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reserve_then_append),
        cmocka_unit_test(test_reserve_nothing_or_too_much),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
