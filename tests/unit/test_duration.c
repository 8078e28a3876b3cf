/* test_duration.c - k6 duration syntax and Go-style formatting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "config/duration.h"

#define S  1000000LL
#define MS 1000LL

static int64_t parse_ok(const char *s) {
    char err[256] = "";
    int64_t us = -1;
    int rc = duration_parse(s, &us, err, sizeof(err));
    if (rc != 0) fail_msg("duration_parse(\"%s\") failed: %s", s, err);
    return us;
}

static int64_t parse_flag_ok(const char *s) {
    char err[256] = "";
    int64_t us = -1;
    int rc = duration_parse_flag(s, &us, err, sizeof(err));
    if (rc != 0) fail_msg("duration_parse_flag(\"%s\") failed: %s", s, err);
    return us;
}

static void expect_rc_error(int flag, const char *s, int want_rc, const char *want) {
    char err[256] = "";
    int64_t us = 12345;
    int rc = flag ? duration_parse_flag(s, &us, err, sizeof(err)) : duration_parse(s, &us, err, sizeof(err));
    assert_int_equal(rc, want_rc);
    assert_int_equal(us, 12345); /* untouched on error */
    assert_string_equal(err, want);
}

/* An error k6 gives too, in its words (DURATION_INVALID). */
static void expect_error(int flag, const char *s, const char *want) {
    expect_rc_error(flag, s, DURATION_INVALID, want);
}

/* c6's own refusal of what k6 would take and then misuse (DURATION_OUT_OF_RANGE). */
static void expect_refused(int flag, const char *s, const char *want) {
    expect_rc_error(flag, s, DURATION_OUT_OF_RANGE, want);
}

static void test_go_syntax(void **state) {
    (void)state;
    assert_int_equal(parse_ok("30s"), 30 * S);
    assert_int_equal(parse_ok("500ms"), 500 * MS);
    assert_int_equal(parse_ok("2m"), 120 * S);
    assert_int_equal(parse_ok("1h30m10s"), 5410 * S);
    assert_int_equal(parse_ok("1.5s"), 1500 * MS);
    assert_int_equal(parse_ok(".5s"), 500 * MS);
    assert_int_equal(parse_ok("1.5h"), 5400 * S);
    assert_int_equal(parse_ok("100us"), 100);
    assert_int_equal(parse_ok("100\xc2\xb5s"), 100); /* micro sign */
    assert_int_equal(parse_ok("100\xce\xbcs"), 100); /* greek mu */
    assert_int_equal(parse_ok("2s500ms"), 2500 * MS);
    assert_int_equal(parse_ok("+5s"), 5 * S);
    assert_int_equal(parse_ok("-0s"), 0);
}

static void test_nanoseconds_round_to_microseconds(void **state) {
    (void)state;
    assert_int_equal(parse_ok("10ns"), 0);
    assert_int_equal(parse_ok("499ns"), 0);
    assert_int_equal(parse_ok("500ns"), 1);
    assert_int_equal(parse_ok("1500ns"), 2);
    assert_int_equal(parse_ok("1.0004ms"), 1000);
    assert_int_equal(parse_ok("1.0006ms"), 1001);
}

static void test_days(void **state) {
    (void)state;
    assert_int_equal(parse_ok("1d"), 86400 * S);
    assert_int_equal(parse_ok("2d12h"), (2 * 86400 + 12 * 3600) * S);
    assert_int_equal(parse_ok("1d1m0.5s"), (86400 + 60) * S + 500 * MS);
    /* c6 accepts days in flags too (k6's flag parser does not). */
    assert_int_equal(parse_flag_ok("1d"), 86400 * S);
}

static void test_bare_number_is_milliseconds_in_strings(void **state) {
    (void)state;
    /* k6's option strings (script, config, env): a bare number is ms. */
    assert_int_equal(parse_ok("1500"), 1500 * MS);
    assert_int_equal(parse_ok("10"), 10 * MS);
    /* found by fuzz_duration: the largest Go duration, rounded without overflow */
    assert_int_equal(parse_ok("9223372036854775807ns"),
                     9223372036854776LL); /* issue 12: ParseFloat takes it (lib/types/types.go) */
    assert_int_equal(parse_ok("0"), 0);
    assert_int_equal(parse_ok("0.5"), 500);
    assert_int_equal(parse_ok("1e3"), 1000 * MS);
}

static void test_flag_syntax_needs_a_unit(void **state) {
    (void)state;
    assert_int_equal(parse_flag_ok("0"), 0); /* Go's one unit-less exception */
    assert_int_equal(parse_flag_ok("1m30s"), 90 * S);
    /* Go's time.ParseDuration (time/format.go): a number needs a unit */
    expect_error(1, "30", "time: missing unit in duration \"30\"");
    expect_error(1, "1.5", "time: missing unit in duration \"1.5\"");
}

static void test_invalid(void **state) {
    (void)state;
    /* Go's time.ParseDuration errors (time/format.go), which k6's
     * types.ParseExtendedDuration (lib/types/types.go) returns as they are
     * for text without a 'd' that strconv.ParseFloat does not take */
    expect_error(0, "1x", "time: unknown unit \"x\" in duration \"1x\"");
    expect_error(0, "10 s", "time: unknown unit \" s\" in duration \"10 s\"");
    expect_error(0, "1h30", "time: missing unit in duration \"1h30\"");
    expect_error(0, "", "time: invalid duration \"\"");
    expect_error(0, "s", "time: invalid duration \"s\"");
    expect_error(0, ".s", "time: invalid duration \".s\"");
    expect_error(0, "3000000h", "time: invalid duration \"3000000h\""); /* over int64 ns */
    /* issue 12's cases */
    expect_error(0, "1e309", "time: unknown unit \"e\" in duration \"1e309\""); /* ParseFloat: out of range */
    expect_error(0, "5x", "time: unknown unit \"x\" in duration \"5x\"");
    expect_error(0, "-", "time: invalid duration \"-\"");
    expect_error(0, "1.5.5s", "time: missing unit in duration \"1.5.5s\"");
    expect_error(0, "9999999999h", "time: invalid duration \"9999999999h\"");
    /* Go's quote(): '"' and '\\' escaped, bytes outside printable ASCII as \xHH */
    expect_error(0, "1\"x", "time: unknown unit \"\\\"x\" in duration \"1\\\"x\"");
    expect_error(0, "1\xc3\xa9", "time: unknown unit \"\\xc3\\xa9\" in duration \"1\\xc3\\xa9\"");
    /* k6's days (ParseExtendedDuration): the part after the "d" first (Go's
     * errors, "invalid time format" when negative), then the days
     * (strconv.ParseInt's errors) */
    expect_error(0, "1d-1h", "invalid time format '-1h'");
    expect_error(0, "1dx", "time: invalid duration \"x\"");
    expect_error(0, "1.5d", "strconv.ParseInt: parsing \"1.5\": invalid syntax");
    expect_error(0, "12h1d", "strconv.ParseInt: parsing \"12h1\": invalid syntax");
    expect_error(0, "d", "strconv.ParseInt: parsing \"\": invalid syntax");
    expect_error(0, "99999999999999999999d", "strconv.ParseInt: parsing \"99999999999999999999\": value out of range");
    /* c6 refuses negative durations and int64 overflow where k6 goes on */
    expect_refused(0, "-1s", "invalid duration \"-1s\": must not be negative");
    expect_refused(0, "-100", "invalid duration \"-100\": must not be negative");
    expect_refused(0, "-1d", "invalid duration \"-1d\": must not be negative");
    expect_refused(0, "200000d", "invalid duration \"200000d\": value is too large");
    expect_refused(0, "1e300", "invalid duration \"1e300\": value is too large");
    expect_refused(1, "-5m", "invalid duration \"-5m\": must not be negative");
}

/* Go's time.ParseDuration alone (k6's -d, a pflag Duration). */
static void test_go_parse(void **state) {
    (void)state;
    int64_t ns = 0;
    char err[128] = "";
    assert_int_equal(duration_go_parse("-1.5s", &ns, err, sizeof err), 0);
    assert_int_equal(ns, -1500000000LL);
    assert_int_equal(duration_go_parse("1h2m3.000000004s", &ns, err, sizeof err), 0);
    assert_int_equal(ns, 3723000000004LL);
    assert_int_equal(duration_go_parse("2562047h47m16.854775807s", &ns, err, sizeof err), 0); /* the largest */
    assert_int_equal(ns, INT64_MAX);
    assert_int_equal(duration_go_parse("-2562047h47m16.854775808s", &ns, err, sizeof err), 0); /* the smallest */
    assert_int_equal(ns, INT64_MIN);
    assert_int_equal(duration_go_parse("2562047h47m16.854775808s", &ns, err, sizeof err), DURATION_INVALID);
    assert_string_equal(err, "time: invalid duration \"2562047h47m16.854775808s\"");
    assert_int_equal(duration_go_parse("1d", &ns, err, sizeof err), DURATION_INVALID); /* no days */
    assert_string_equal(err, "time: unknown unit \"d\" in duration \"1d\"");
    assert_int_equal(duration_go_parse("10", &ns, err, sizeof err), DURATION_INVALID);
    assert_string_equal(err, "time: missing unit in duration \"10\"");
    assert_int_equal(duration_go_parse("1\xc2\xb5s", &ns, err, sizeof err), 0);
    assert_int_equal(ns, 1000);
}

static void test_null_input_and_tiny_error_buffer(void **state) {
    (void)state;
    char err[8];
    int64_t us;
    assert_int_equal(duration_parse(NULL, &us, err, sizeof(err)), -1);
    assert_int_equal(strlen(err), sizeof(err) - 1); /* truncated, terminated */
    assert_int_equal(duration_parse("1x", &us, NULL, 0), -1);
}

static void test_json_milliseconds(void **state) {
    (void)state;
    assert_int_equal(duration_from_json_ms(30000), 30 * S);
    assert_int_equal(duration_from_json_ms(1.5), 1500);
    assert_int_equal(duration_from_json_ms(0.0004), 0);
    assert_int_equal(duration_from_json_ms(0.0006), 1);
    assert_int_equal(duration_from_json_ms(1e300), INT64_MAX);
}

static void expect_format(int64_t us, const char *want) {
    char buf[32];
    duration_format(buf, sizeof(buf), us);
    assert_string_equal(buf, want);
}

static void test_format_like_go(void **state) {
    (void)state;
    expect_format(0, "0s");
    expect_format(1, "1\xc2\xb5s");
    expect_format(999, "999\xc2\xb5s");
    expect_format(1500, "1.5ms");
    expect_format(500 * MS, "500ms");
    expect_format(1 * S, "1s");
    expect_format(10 * S, "10s");
    expect_format(1500 * MS, "1.5s");
    expect_format(90 * S, "1m30s");
    expect_format(60 * S, "1m0s");
    expect_format(600 * S, "10m0s");
    expect_format(3600 * S, "1h0m0s");
    expect_format(5410 * S + 250 * MS, "1h30m10.25s");
    expect_format(86400 * S, "24h0m0s");
    expect_format(-2 * S, "-2s");
    expect_format(INT64_MIN, "-2562047788h0m54.775808s");
}

static void test_format_roundtrip(void **state) {
    (void)state;
    const int64_t values[] = {1, 999, 1000, 1234, 999999, S, 61 * S + 1, 86400 * S + 7};
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        char buf[32];
        duration_format(buf, sizeof(buf), values[i]);
        assert_int_equal(parse_ok(buf), values[i]);
    }
}

static void test_format_truncates_safely(void **state) {
    (void)state;
    char buf[4];
    duration_format(buf, sizeof(buf), 3600 * S);
    assert_string_equal(buf, "1h0");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_go_syntax),
        cmocka_unit_test(test_nanoseconds_round_to_microseconds),
        cmocka_unit_test(test_days),
        cmocka_unit_test(test_bare_number_is_milliseconds_in_strings),
        cmocka_unit_test(test_flag_syntax_needs_a_unit),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_go_parse),
        cmocka_unit_test(test_null_input_and_tiny_error_buffer),
        cmocka_unit_test(test_json_milliseconds),
        cmocka_unit_test(test_format_like_go),
        cmocka_unit_test(test_format_roundtrip),
        cmocka_unit_test(test_format_truncates_safely),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
