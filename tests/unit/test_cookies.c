/* Cookies with Go's semantics: the Set-Cookie parser (attributes, Max-Age
 * and Expires rules, lines Go drops), Expires dates, and the jar (host-only
 * and domain cookies, IP hosts, default paths, sending order, Secure,
 * expiry, replacement, jar keys, k6's delete and clear). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "net/cookies.h"

#define NOW 1700000000LL

static bool parse(const char *line, cookie_attrs *c) { return cookies_parse(line, strlen(line), c); }

static void assert_str(cookie_str s, const char *want) {
    assert_int_equal(s.n, strlen(want));
    assert_memory_equal(s.p ? s.p : "", want, s.n);
}

/* "name=value; name2=value2" as the jar would send it to url. */
static void collect(const char *name, const char *value, void *ud) {
    char *out = ud;
    if (*out) strcat(out, "; ");
    strcat(out, name);
    strcat(out, "=");
    strcat(out, value);
}

static const char *sent(cookie_jar *j, const char *url, int64_t now) {
    static char out[1024];
    out[0] = 0;
    cookies_for_url(j, url, now, collect, out);
    return out;
}

static void set_line(cookie_jar *j, const char *url, const char *line, int64_t now) {
    cookie_attrs c;
    assert_true(parse(line, &c));
    cookies_set(j, url, &c, now);
}

static void test_parse_attributes(void **state) {
    (void)state;
    cookie_attrs c;
    assert_true(parse(" sid =\"abc\" ; Path=/x; Domain=.Example.com; Secure; HttpOnly; Max-Age=60; foo", &c));
    assert_str(c.name, "sid");
    assert_str(c.value, "abc"); /* quotes stripped */
    assert_str(c.path, "/x");
    assert_str(c.domain, ".Example.com"); /* as written: the jar normalises it */
    assert_true(c.secure);
    assert_true(c.http_only);
    assert_int_equal(c.max_age, 60);
    assert_false(c.has_expires);
}

static void test_parse_max_age_rules(void **state) {
    (void)state;
    cookie_attrs c;
    assert_true(parse("a=1; Max-Age=0", &c));
    assert_int_equal(c.max_age, -1); /* 0 means delete now */
    assert_true(parse("a=1; Max-Age=-5", &c));
    assert_int_equal(c.max_age, -1);
    assert_true(parse("a=1; Max-Age=007", &c));
    assert_int_equal(c.max_age, 0); /* leading zero: ignored */
    assert_true(parse("a=1; Max-Age=x", &c));
    assert_int_equal(c.max_age, 0);
    assert_true(parse("a=1; max-age=+30", &c));
    assert_int_equal(c.max_age, 30);
}

static void test_parse_rejects(void **state) {
    (void)state;
    cookie_attrs c;
    assert_false(parse("novalue", &c));
    assert_false(parse("=v", &c));
    assert_false(parse("bad name=v", &c));
    assert_false(parse("a=b\"c", &c));
    assert_false(parse("a= \"q\"", &c)); /* a space before the quotes: Go drops it */
    assert_false(parse("", &c));
    assert_true(parse("a=", &c));
    assert_str(c.value, "");
    /* an attribute value with a bad byte is skipped, the cookie kept */
    assert_true(parse("a=1; Path=/x\"y", &c));
    assert_int_equal(c.path.n, 0);
}

static void test_parse_time(void **state) {
    (void)state;
    int64_t t;
    assert_true(cookies_parse_time("Thu, 01 Jan 1970 00:00:00 GMT", 29, &t));
    assert_int_equal(t, 0);
    assert_true(cookies_parse_time("Wed, 21 Oct 2037 07:28:00 GMT", 29, &t));
    assert_int_equal(t, 2139722880LL);
    assert_true(cookies_parse_time("Wed, 21-Oct-2037 07:28:00 GMT", 29, &t));
    assert_int_equal(t, 2139722880LL);
    assert_true(cookies_parse_time("Tue, 29 Feb 2000 23:59:59 UTC", 29, &t));
    assert_int_equal(t, 951868799LL);
    assert_false(cookies_parse_time("Xyz, 21 Oct 2037 07:28:00 GMT", 29, &t));
    assert_false(cookies_parse_time("Wed, 21 Oct 2037 07:28:00", 25, &t));
    assert_false(cookies_parse_time("Tue, 29 Feb 2001 00:00:00 GMT", 29, &t));
    assert_false(cookies_parse_time("2037-10-21T07:28:00Z", 20, &t));
}

static void test_each_set_cookie(void **state) {
    (void)state;
    const char *h = "HTTP/1.1 200 OK\r\nSet-Cookie: a=1; Path=/\r\nX: y\r\nset-cookie: bad\r\nSET-COOKIE: b=2\r\n\r\n";
    cookie_jar *j = cookies_new();
    cookies_store(j, "http://h.test/p/q", h, strlen(h), NOW);
    assert_string_equal(sent(j, "http://h.test/p/", NOW), "b=2; a=1"); /* /p before / */
    assert_string_equal(sent(j, "http://h.test/", NOW), "a=1");
    cookies_free(j);
}

static void test_host_only_and_domain(void **state) {
    (void)state;
    cookie_jar *j = cookies_new();
    set_line(j, "http://www.example.com/", "host=1", NOW);
    set_line(j, "http://www.example.com/", "dom=2; Domain=example.com", NOW);
    set_line(j, "http://www.example.com/", "other=3; Domain=elsewhere.com", NOW);   /* dropped */
    set_line(j, "http://www.example.com/", "sub=4; Domain=a.www.example.com", NOW); /* dropped */
    assert_string_equal(sent(j, "http://www.example.com/", NOW), "host=1; dom=2");
    assert_string_equal(sent(j, "http://api.example.com/", NOW), "dom=2");
    assert_string_equal(sent(j, "http://example.com/", NOW), "dom=2");
    assert_string_equal(sent(j, "http://x.www.example.com/", NOW), "dom=2");
    assert_string_equal(sent(j, "http://elsewhere.com/", NOW), "");
    assert_string_equal(sent(j, "ftp://www.example.com/", NOW), "");
    cookies_free(j);
}

static void test_ip_hosts(void **state) {
    (void)state;
    cookie_jar *j = cookies_new();
    set_line(j, "http://127.0.0.1:8080/", "a=1; Domain=127.0.0.1", NOW);
    set_line(j, "http://127.0.0.1:8080/", "b=2; Domain=.127.0.0.1", NOW); /* no dot stripping for IPs */
    set_line(j, "http://127.0.0.1:8080/", "c=3; Domain=0.0.1", NOW);
    assert_string_equal(sent(j, "http://127.0.0.1:9999/x", NOW), "a=1"); /* ports do not matter */
    assert_string_equal(sent(j, "http://127.0.0.2/", NOW), "");
    set_line(j, "http://[::1]:80/", "v6=1", NOW);
    assert_string_equal(sent(j, "http://[::1]/", NOW), "v6=1");
    cookies_free(j);
}

static void test_paths(void **state) {
    (void)state;
    cookie_jar *j = cookies_new();
    set_line(j, "http://h.test/a/b/c", "dflt=1", NOW);               /* default path /a/b */
    set_line(j, "http://h.test/a/b/c", "rel=2; Path=relative", NOW); /* not absolute: default */
    set_line(j, "http://h.test/", "root=3; Path=/", NOW);
    set_line(j, "http://h.test/", "ab=4; Path=/ab", NOW);
    assert_string_equal(sent(j, "http://h.test/a/b", NOW), "dflt=1; rel=2; root=3");
    assert_string_equal(sent(j, "http://h.test/a/b/d?q=/x", NOW), "dflt=1; rel=2; root=3");
    assert_string_equal(sent(j, "http://h.test/a/bc", NOW), "root=3");
    assert_string_equal(sent(j, "http://h.test/ab/x", NOW), "ab=4; root=3");
    assert_string_equal(sent(j, "http://h.test/abc", NOW), "root=3");
    assert_string_equal(sent(j, "http://h.test", NOW), "root=3");
    cookies_free(j);
}

static void test_order_and_replacement(void **state) {
    (void)state;
    cookie_jar *j = cookies_new();
    set_line(j, "http://h.test/", "x=1; Path=/", NOW);
    set_line(j, "http://h.test/", "y=2; Path=/", NOW);
    set_line(j, "http://h.test/", "z=3; Path=/deep", NOW);
    set_line(j, "http://h.test/", "x=10; Path=/", NOW);     /* replaced: keeps its age */
    set_line(j, "http://h.test/", "x=11; Path=/deep", NOW); /* another cookie: other path */
    assert_string_equal(sent(j, "http://h.test/deep", NOW), "z=3; x=11; x=10; y=2");
    cookies_free(j);
}

/* A jar big enough for the index (net/cookies.c): the same order and
 * replacement rules as the small one, and deletions seen by later lookups. */
static void test_big_jar(void **state) {
    (void)state;
    cookie_jar *j = cookies_new();
    char line[64];
    for (int i = 0; i < 200; i++) {
        snprintf(line, sizeof line, "c%d=%d; Path=%s", i, i, i % 3 ? "/" : "/deep");
        set_line(j, "http://h.test/", line, NOW);
    }
    set_line(j, "http://h.test/", "c4=new; Path=/", NOW);           /* replaced in place */
    set_line(j, "http://h.test/", "c5=x; Path=/; Max-Age=-1", NOW); /* deleted */
    set_line(j, "http://h.test/", "c7=y; Path=/", NOW);             /* replaced after a deletion */
    set_line(j, "http://h.test/", "c5=back; Path=/", NOW);          /* new again: the youngest */
    set_line(j, "http://h.test/", "c3=d; Path=/deep", NOW);         /* replaced, the longer path */
    char want[4096] = "", val[16];
    for (int i = 0; i < 200; i += 3) {
        snprintf(val, sizeof val, "%d", i);
        snprintf(line, sizeof line, "%sc%d=%s", *want ? "; " : "", i, i == 3 ? "d" : val);
        strcat(want, line);
    }
    for (int i = 0; i < 200; i++) {
        if (i % 3 == 0 || i == 5) continue;
        snprintf(val, sizeof val, "%d", i);
        snprintf(line, sizeof line, "; c%d=%s", i, i == 4 ? "new" : i == 7 ? "y" : val);
        strcat(want, line);
    }
    strcat(want, "; c5=back");
    static char got[8192];
    got[0] = 0;
    cookies_for_url(j, "http://h.test/deep", NOW, collect, got);
    assert_string_equal(got, want);
    cookies_free(j);
}

static void test_secure_and_expiry(void **state) {
    (void)state;
    cookie_jar *j = cookies_new();
    set_line(j, "https://h.test/", "s=1; Secure", NOW);
    set_line(j, "http://h.test/", "m=2; Max-Age=10", NOW);
    set_line(j, "http://h.test/", "e=3; Expires=Wed, 21 Oct 2037 07:28:00 GMT", NOW);
    set_line(j, "http://h.test/", "old=4; Expires=Thu, 01 Jan 1970 00:00:00 GMT", NOW);
    assert_string_equal(sent(j, "http://h.test/", NOW), "m=2; e=3");
    assert_string_equal(sent(j, "https://h.test/", NOW), "s=1; m=2; e=3");
    assert_string_equal(sent(j, "http://h.test/", NOW + 10), "e=3"); /* Max-Age ran out */
    assert_string_equal(sent(j, "http://h.test/", 2139722880LL), "");
    set_line(j, "https://h.test/", "s=1; Max-Age=0", NOW); /* deletes */
    assert_string_equal(sent(j, "https://h.test/", NOW), "");
    cookies_free(j);
}

static void test_jar_keys(void **state) {
    (void)state;
    cookie_jar *j = cookies_new();
    /* Go (no suffix list) lets example.com set a cookie for "com", but it is
     * kept with the cookies of example.com and never seen by other.com */
    set_line(j, "http://example.com/", "tld=1; Domain=com", NOW);
    assert_string_equal(sent(j, "http://www.example.com/", NOW), "tld=1");
    assert_string_equal(sent(j, "http://other.com/", NOW), "");
    cookies_free(j);
}

static void test_delete_and_clear(void **state) {
    (void)state;
    cookie_jar *j = cookies_new();
    set_line(j, "http://h.test/", "a=1", NOW);
    set_line(j, "http://h.test/", "b=2", NOW);
    set_line(j, "http://h.test/", "deep=3; Path=/p", NOW);
    set_line(j, "http://h.test/", "dom=4; Domain=h.test", NOW);
    cookies_delete(j, "http://h.test/", "a", NOW);
    cookies_delete(j, "http://h.test/", "deep", NOW); /* only (host, "/", name) goes */
    assert_string_equal(sent(j, "http://h.test/p", NOW), "deep=3; b=2; dom=4");
    /* clear: each name the URL gets is deleted as delete() does, so with
     * the URL's default path ("/" here); dom is keyed (h.test, /, dom) too */
    cookies_clear_url(j, "http://h.test/p", NOW);
    assert_string_equal(sent(j, "http://h.test/p", NOW), "deep=3");
    cookies_clear_url(j, "http://h.test/p/x", NOW);
    assert_string_equal(sent(j, "http://h.test/p", NOW), "");
    cookies_clear(j);
    assert_string_equal(sent(j, "http://h.test/", NOW), "");
    cookies_free(j);
}

static void test_set_from_api(void **state) {
    (void)state;
    cookie_jar *j = cookies_new();
    cookie_attrs a = {.name = {"k", 1}, .value = {"v w", 3}, .path = {"/only", 5}, .max_age = 5};
    cookies_set(j, "http://h.test/x", &a, NOW);
    assert_string_equal(sent(j, "http://h.test/only/x", NOW), "k=v w");
    assert_string_equal(sent(j, "http://h.test/x", NOW), "");
    assert_string_equal(sent(j, "http://h.test/only", NOW + 5), "");
    cookie_attrs gone = {.name = {"g", 1}, .value = {"1", 1}, .has_expires = true, .expires = NOW};
    cookies_set(j, "http://h.test/", &gone, NOW);
    assert_string_equal(sent(j, "http://h.test/", NOW), "");
    cookie_attrs noname = {.name = {"", 0}, .value = {"1", 1}};
    cookies_set(j, "http://h.test/", &noname, NOW);
    assert_string_equal(sent(j, "http://h.test/", NOW), "");
    cookies_free(j);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_attributes),
        cmocka_unit_test(test_parse_max_age_rules),
        cmocka_unit_test(test_parse_rejects),
        cmocka_unit_test(test_parse_time),
        cmocka_unit_test(test_each_set_cookie),
        cmocka_unit_test(test_host_only_and_domain),
        cmocka_unit_test(test_ip_hosts),
        cmocka_unit_test(test_paths),
        cmocka_unit_test(test_order_and_replacement),
        cmocka_unit_test(test_secure_and_expiry),
        cmocka_unit_test(test_jar_keys),
        cmocka_unit_test(test_delete_and_clear),
        cmocka_unit_test(test_set_from_api),
        cmocka_unit_test(test_big_jar),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
