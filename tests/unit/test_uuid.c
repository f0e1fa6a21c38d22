/* SPDX-License-Identifier: Apache-2.0 */
/* test_uuid.c - version 5 (SHA-1, name-based) UUIDs and their text form. */
#include "testutil.h"

#include "common/uuid.h"

#include <stdbool.h>
#include <string.h>

static void expect_v5(const uuid_bytes *ns, const char *name, const char *want)
{
    uuid_bytes u;
    char text[37];
    assert_int_equal(uuid_v5(&u, ns, name, strlen(name)), 0);
    uuid_format(text, &u);
    if (strcmp(text, want) != 0)
        fail_msg("uuid5(%s) = %s, expected %s", name, text, want);
}

/* RFC 9562 appendix A.4. */
static void test_rfc9562_vector(void **state)
{
    (void)state;
    expect_v5(&uuid_ns_dns, "www.example.com", "2ed6657d-e927-568b-95e1-2665a8aea6a2");
}

/* The example in Python's uuid module documentation. */
static void test_python_vector(void **state)
{
    (void)state;
    expect_v5(&uuid_ns_dns, "python.org", "886313e1-3b8a-5372-9b90-0c9aee199e5d");
}

static void test_namespaces(void **state)
{
    (void)state;
    char text[37];
    uuid_format(text, &uuid_ns_dns);
    assert_string_equal(text, "6ba7b810-9dad-11d1-80b4-00c04fd430c8");
    uuid_format(text, &uuid_ns_url);
    assert_string_equal(text, "6ba7b811-9dad-11d1-80b4-00c04fd430c8");
    /* uuid.c says espi's namespace is uuid5(URL, "urn:espi:namespace:v1"). */
    static const char name[] = "urn:espi:namespace:v1";
    uuid_bytes u;
    assert_int_equal(uuid_v5(&u, &uuid_ns_url, name, sizeof name - 1), 0);
    assert_memory_equal(u.bytes, uuid_ns_espi.bytes, 16);
    uuid_format(text, &uuid_ns_espi);
    assert_string_equal(text, "3d23f7cd-820c-5c09-b836-acf04b3dee52");
}

/* The name is bytes, not a C string: embedded NULs count, and the empty name
 * is a name. Expected values from Python's uuid.uuid5. */
static void test_binary_names(void **state)
{
    (void)state;
    uuid_bytes a, b;
    char text[37];
    assert_int_equal(uuid_v5(&a, &uuid_ns_dns, "", 0), 0);
    uuid_format(text, &a);
    assert_string_equal(text, "4ebd0208-8328-5d69-8c44-ec50939c0967");
    assert_int_equal(uuid_v5(&a, &uuid_ns_dns, "a\0b", 3), 0);
    assert_int_equal(uuid_v5(&b, &uuid_ns_dns, "a", 1), 0);
    assert_memory_not_equal(a.bytes, b.bytes, 16);
    /* The same name in another namespace is another UUID. */
    assert_int_equal(uuid_v5(&a, &uuid_ns_url, "www.example.com", 15), 0);
    assert_int_equal(uuid_v5(&b, &uuid_ns_dns, "www.example.com", 15), 0);
    assert_memory_not_equal(a.bytes, b.bytes, 16);
}

/* Checks the layout of the text form: 8-4-4-4-12 lower-case hex digits. */
static void expect_text_layout(const char *text)
{
    assert_int_equal(strlen(text), 36);
    for (size_t i = 0; i < 36; i++) {
        bool hyphen = i == 8 || i == 13 || i == 18 || i == 23;
        char c = text[i];
        bool ok = hyphen ? c == '-' : (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
        if (!ok)
            fail_msg("'%s': character %zu is '%c'", text, i, c);
    }
}

static void test_many_names(void **state)
{
    (void)state;
    enum { N = 2000 };
    static uuid_bytes seen[N];
    for (int i = 0; i < N; i++) {
        char name[64];
        int len = snprintf(name, sizeof name, "urn:espi:usagepoint:%d", i);
        uuid_bytes u, again;
        assert_int_equal(uuid_v5(&u, &uuid_ns_espi, name, (size_t)len), 0);
        assert_int_equal(uuid_v5(&again, &uuid_ns_espi, name, (size_t)len), 0);
        assert_memory_equal(u.bytes, again.bytes, 16); /* same name, same UUID */
        if ((u.bytes[6] >> 4) != 5)
            fail_msg("%s: version %d", name, u.bytes[6] >> 4);
        if ((u.bytes[8] & 0xC0) != 0x80)
            fail_msg("%s: variant bits %x", name, u.bytes[8] >> 6);
        char text[37];
        uuid_format(text, &u);
        expect_text_layout(text);
        if (text[14] != '5' || strchr("89ab", text[19]) == NULL)
            fail_msg("%s: %s has the wrong version or variant digit", name, text);
        seen[i] = u;
    }
    for (int i = 0; i < N; i++)
        for (int j = i + 1; j < N; j++)
            if (memcmp(seen[i].bytes, seen[j].bytes, 16) == 0)
                fail_msg("names %d and %d give the same UUID", i, j);
}

static void test_format(void **state)
{
    (void)state;
    uuid_bytes u;
    for (int i = 0; i < 16; i++)
        u.bytes[i] = (uint8_t)(i * 0x11);
    char text[40];
    memset(text, 'x', sizeof text);
    uuid_format(text, &u);
    assert_string_equal(text, "00112233-4455-6677-8899-aabbccddeeff");
    assert_int_equal(text[37], 'x'); /* 37 bytes, no more */
    memset(u.bytes, 0xFF, 16);
    uuid_format(text, &u);
    assert_string_equal(text, "ffffffff-ffff-ffff-ffff-ffffffffffff");
    memset(u.bytes, 0, 16);
    uuid_format(text, &u);
    assert_string_equal(text, "00000000-0000-0000-0000-000000000000");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc9562_vector), cmocka_unit_test(test_python_vector),
        cmocka_unit_test(test_namespaces),     cmocka_unit_test(test_binary_names),
        cmocka_unit_test(test_many_names),     cmocka_unit_test(test_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
