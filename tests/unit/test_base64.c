/* test_base64.c - the four Go base64 variants: encoding, and decoding with
 * Go's acceptance rules and error offsets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "util/base64.h"

static void enc_is(const char *in, int variant, const char *want) {
    char out[64];
    size_t n = b64_encode((const uint8_t *)in, strlen(in), variant, out);
    assert_string_equal(out, want);
    assert_int_equal(n, strlen(want));
    assert_int_equal(b64_encoded_len(strlen(in), variant), strlen(want));
}

static void dec_is(const char *in, int variant, const char *want) {
    uint8_t out[64];
    size_t bad = 999;
    ssize_t n = b64_decode(in, strlen(in), variant, out, &bad);
    if (n < 0) fail_msg("decode(\"%s\", %d) failed at byte %zu", in, variant, bad);
    assert_true((size_t)n <= b64_decoded_max(strlen(in)));
    assert_int_equal(n, strlen(want));
    assert_memory_equal(out, want, (size_t)n);
}

static void dec_bad(const char *in, int variant, size_t at) {
    uint8_t out[64];
    size_t bad = 999;
    assert_int_equal(b64_decode(in, strlen(in), variant, out, &bad), -1);
    assert_int_equal(bad, at);
}

static void test_variant_names(void **state) {
    (void)state;
    assert_int_equal(b64_variant_from_name("std"), B64_STD);
    assert_int_equal(b64_variant_from_name("rawstd"), B64_RAWSTD);
    assert_int_equal(b64_variant_from_name("url"), B64_URL);
    assert_int_equal(b64_variant_from_name("rawurl"), B64_RAWURL);
    assert_int_equal(b64_variant_from_name("STD"), -1);
    assert_int_equal(b64_variant_from_name(""), -1);
}

static void test_encode(void **state) {
    (void)state;
    enc_is("", B64_STD, "");
    enc_is("f", B64_STD, "Zg==");
    enc_is("fo", B64_STD, "Zm8=");
    enc_is("foo", B64_STD, "Zm9v");
    enc_is("foob", B64_RAWSTD, "Zm9vYg");
    enc_is("fooba", B64_RAWSTD, "Zm9vYmE");
    enc_is("\xfb\xff", B64_STD, "+/8=");
    enc_is("\xfb\xff", B64_URL, "-_8=");
    enc_is("\xfb\xff", B64_RAWURL, "-_8");
}

static void test_decode(void **state) {
    (void)state;
    dec_is("", B64_STD, "");
    dec_is("aGVsbG8=", B64_STD, "hello");
    dec_is("aGVsbG8gd29ybGQ=", B64_STD, "hello world");
    dec_is("Zg==", B64_STD, "f");
    dec_is("aGVs\r\nbG8=\n", B64_STD, "hello"); /* newlines anywhere */
    dec_is("Zg=\n=", B64_STD, "f");
    dec_is("aGVsbG8", B64_RAWSTD, "hello");
    dec_is("Zg", B64_RAWSTD, "f");
    dec_is("-_8=", B64_URL, "\xfb\xff");
    dec_is("-_8", B64_RAWURL, "\xfb\xff");
    dec_is("Zh==", B64_STD, "f"); /* non-strict: unused bits ignored */
}

static void test_decode_errors(void **state) {
    (void)state;
    dec_bad("aGVsbG8", B64_STD, 4);     /* padding missing: start of the short quantum */
    dec_bad("aGVsbG8=", B64_RAWSTD, 7); /* padding refused */
    dec_bad("a", B64_RAWSTD, 0);        /* one character carries no byte */
    dec_bad("aGVsbG8=x", B64_STD, 8);   /* data after the padding */
    dec_bad("Zg=", B64_STD, 3);         /* second '=' missing */
    dec_bad("Zg=x", B64_STD, 2);
    dec_bad("Z===", B64_STD, 1); /* padding too early */
    dec_bad("====", B64_STD, 0);
    dec_bad("ab!d", B64_STD, 2);
    dec_bad("-_8=", B64_STD, 0); /* URL alphabet in std */
    dec_bad("+/8=", B64_URL, 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_variant_names),
        cmocka_unit_test(test_encode),
        cmocka_unit_test(test_decode),
        cmocka_unit_test(test_decode_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
