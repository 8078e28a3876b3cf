/* test_urlref.c - util/urlref.c: references resolved as Go's
 * URL.ResolveReference(ref).String() does. The expected values are the
 * RFC 3986 section 5.4 examples (base "http://a/b/c/d;p?q") and the
 * behaviours of Go's resolvePath (dot segments, a trailing "." or "..",
 * a ".." above the root). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "util/urlref.h"

static void check(const char *base, const char *ref, const char *want) {
    buf out = {0};
    assert_int_equal(url_resolve(&out, base, ref), 0);
    if (strcmp(out.p, want)) fprintf(stderr, "%s + %s: got %s, want %s\n", base, ref, out.p, want);
    assert_string_equal(out.p, want);
    buf_free(&out);
}

/* An empty result is still a terminated string (found by fuzz_url: the
 * room was reserved, nothing appended, no NUL written). */
static void test_empty_result_terminated(void **state) {
    (void)state;
    buf out = {0};
    assert_int_equal(url_resolve(&out, "", ""), 0);
    assert_non_null(out.p);
    assert_int_equal(out.len, 0);
    assert_int_equal(strlen(out.p), 0);
    buf_free(&out);
}

static void test_rfc3986_normal(void **state) {
    (void)state;
    const char *b = "http://a/b/c/d;p?q";
    check(b, "g:h", "g:h");
    check(b, "g", "http://a/b/c/g");
    check(b, "./g", "http://a/b/c/g");
    check(b, "g/", "http://a/b/c/g/");
    check(b, "/g", "http://a/g");
    check(b, "//g", "http://g");
    check(b, "?y", "http://a/b/c/d;p?y");
    check(b, "g?y", "http://a/b/c/g?y");
    check(b, "#s", "http://a/b/c/d;p?q#s");
    check(b, "g#s", "http://a/b/c/g#s");
    check(b, "g?y#s", "http://a/b/c/g?y#s");
    check(b, ";x", "http://a/b/c/;x");
    check(b, "g;x", "http://a/b/c/g;x");
    check(b, "g;x?y#s", "http://a/b/c/g;x?y#s");
    check(b, "", "http://a/b/c/d;p?q");
    check(b, ".", "http://a/b/c/");
    check(b, "./", "http://a/b/c/");
    check(b, "..", "http://a/b/");
    check(b, "../", "http://a/b/");
    check(b, "../g", "http://a/b/g");
    check(b, "../..", "http://a/");
    check(b, "../../", "http://a/");
    check(b, "../../g", "http://a/g");
}

static void test_rfc3986_abnormal(void **state) {
    (void)state;
    const char *b = "http://a/b/c/d;p?q";
    check(b, "../../../g", "http://a/g");
    check(b, "../../../../g", "http://a/g");
    check(b, "/./g", "http://a/g");
    check(b, "/../g", "http://a/g");
    check(b, "g.", "http://a/b/c/g.");
    check(b, ".g", "http://a/b/c/.g");
    check(b, "g..", "http://a/b/c/g..");
    check(b, "..g", "http://a/b/c/..g");
    check(b, "./../g", "http://a/b/g");
    check(b, "./g/.", "http://a/b/c/g/");
    check(b, "g/./h", "http://a/b/c/g/h");
    check(b, "g/../h", "http://a/b/c/h");
    check(b, "g;x=1/./y", "http://a/b/c/g;x=1/y");
    check(b, "g;x=1/../y", "http://a/b/c/y");
}

static void test_redirect_cases(void **state) {
    (void)state;
    check("http://127.0.0.1:8080/a/b", "../x", "http://127.0.0.1:8080/x");
    check("http://127.0.0.1:8080/a/b/c", "../x?k=v", "http://127.0.0.1:8080/a/x?k=v");
    check("http://h", "x", "http://h/x");
    check("http://h?q", "y", "http://h/y");
    check("http://h/a/", "https://o/p/../q", "https://o/q");
    check("https://u:p@h:1/a/b", "/c", "https://u:p@h:1/c");
    check("http://h/a", "a b", "http://h/a%20b");
    check("http://h/a#f", "", "http://h/a#f");
    check("http://h/a#f", "b", "http://h/b");
}

/* url_parse_error: Go's url.Parse errors (net/url/url.go: parse, getScheme,
 * parseAuthority, parseHost, unescape), as its Error() prints them. */
static void parse_err(const char *ref, const char *want) {
    buf out = {0};
    int bad = url_parse_error(&out, ref);
    if (!want) {
        if (bad) fprintf(stderr, "%s: unexpected %s\n", ref, out.p);
        assert_int_equal(bad, 0);
        assert_int_equal(out.len, 0);
    } else {
        assert_int_equal(bad, 1);
        assert_string_equal(out.p, want);
    }
    buf_free(&out);
}

static void test_parse_errors(void **state) {
    (void)state;
    parse_err("/ok", NULL);
    parse_err("../x/../../ok", NULL);
    parse_err("#frag", NULL);
    parse_err("/a b", NULL);       /* spaces in a path are escaped later */
    parse_err("mailto:x y", NULL); /* opaque */
    parse_err("http://[::1]:80/x", NULL);
    parse_err("http://u:p%41@h/", NULL);
    parse_err("http://h/#%zz", "parse \"http://h/#%zz\": invalid URL escape \"%zz\""); /* the whole URL */
    parse_err("/a\tb", "parse \"/a\\tb\": net/url: invalid control character in URL");
    parse_err("/x#a\tb", NULL); /* a fragment is not checked for controls */
    parse_err(":foo", "parse \":foo\": missing protocol scheme");
    parse_err("1a:b/c", "parse \"1a:b/c\": first path segment in URL cannot contain colon");
    parse_err("/%zz#f", "parse \"/%zz\": invalid URL escape \"%zz\"");
    parse_err("/%4", "parse \"/%4\": invalid URL escape \"%4\"");
    parse_err("http://a b/", "parse \"http://a b/\": invalid character \" \" in host name");
    parse_err("http://h:x/", "parse \"http://h:x/\": invalid port \":x\" after host");
    parse_err("http://[::1/", "parse \"http://[::1/\": missing ']' in host");
    parse_err("http://[::1]x/", "parse \"http://[::1]x/\": invalid port \"x\" after host");
    parse_err("http://%41/", "parse \"http://%41/\": invalid URL escape \"%41\"");
    parse_err("http://%c3%a9/", NULL);
    parse_err("http://u{@h/", "parse \"http://u{@h/\": net/url: invalid userinfo");
    parse_err("//h:1/x", NULL);
    parse_err("///x", NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc3986_normal),
        cmocka_unit_test(test_rfc3986_abnormal),
        cmocka_unit_test(test_redirect_cases),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_empty_result_terminated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
