/* test_jsonstr.c - util/jsonstr.c's JSON_ESC_BYTES (the target's echoes;
 * the Go and JS escapings are in test_outputs.c) and util/utf8.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "util/jsonstr.h"
#include "util/utf8.h"

static void test_bytes_escaping(void **state) {
    (void)state;
    /* as Go's escaping (\b \f short, <>& kept), U+2028 kept, and bytes that
     * are not UTF-8 as \u00XX: 0xFF, a lone continuation byte, an overlong */
    const char in[] = "q\"b\\\n\t\x01<&>\xC3\xA9\xE2\x80\xA8\xFF\x80\xC0\xAF\b\f";
    buf b = {0};
    assert_int_equal(json_string(&b, in, sizeof in - 1, JSON_ESC_BYTES), 0);
    assert_string_equal(b.p, "\"q\\\"b\\\\\\n\\t\\u0001<&>\xC3\xA9\xE2\x80\xA8"
                             "\\u00ff\\u0080\\u00c0\\u00af\\b\\f\"");
    buf_free(&b);
}

static void test_utf8(void **state) {
    (void)state;
    uint32_t cp = 0;
    assert_int_equal(utf8_decode((const unsigned char *)"a", 1, &cp), 1);
    assert_int_equal(cp, 'a');
    assert_int_equal(utf8_decode((const unsigned char *)"\xF0\x9F\x98\x80", 4, &cp), 4);
    assert_int_equal(cp, 0x1F600);
    assert_int_equal(utf8_decode((const unsigned char *)"\xF0\x9F\x98", 3, &cp), 0);     /* cut short */
    assert_int_equal(utf8_decode((const unsigned char *)"\xE0\x80\x80", 3, &cp), 0);     /* overlong */
    assert_int_equal(utf8_decode((const unsigned char *)"\xED\xA0\x80", 3, &cp), 0);     /* surrogate */
    assert_int_equal(utf8_decode((const unsigned char *)"\xF4\x90\x80\x80", 4, &cp), 0); /* > U+10FFFF */
    assert_int_equal(utf8_decode((const unsigned char *)"\xF5\x80\x80", 3, &cp), 0);     /* no such lead */
    assert_true(utf8_valid("h\xC3\xA9llo \xE2\x82\xAC", 10));
    assert_true(utf8_valid("", 0));
    assert_false(utf8_valid("h\xC3llo", 5));
}

/* A NUL kept in a C string as C0 80 (js/vm.h VM_TAG_NUL, tag values) is
 * written back as \u0000, as k6's JSON output writes a tag "a\u0000b";
 * JSON_ESC_BYTES (the target's byte echo) keeps its byte-for-byte form. */
static void test_kept_nul(void **state) {
    (void)state;
    static const char in[] = "a\xC0\x80"
                             "b";
    buf b = {0};
    assert_int_equal(json_string(&b, in, sizeof in - 1, JSON_ESC_EASYJSON), 0);
    assert_string_equal(b.p, "\"a\\u0000b\"");
    buf_clear(&b);
    assert_int_equal(json_string(&b, in, sizeof in - 1, JSON_ESC_JS), 0);
    assert_string_equal(b.p, "\"a\\u0000b\"");
    buf_clear(&b);
    assert_int_equal(json_string(&b, in, sizeof in - 1, JSON_ESC_BYTES), 0);
    assert_string_equal(b.p, "\"a\\u00c0\\u0080b\"");
    buf_free(&b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bytes_escaping),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_kept_nul),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
