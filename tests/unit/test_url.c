/* util/url.c: the program's one URL splitter (net/client.c, net/ws.c,
 * net/cookies.c and js/modules/http_run.c use it). The reasons are Go's
 * url.Parse texts, which k6 prints as `parse "URL": <why>`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "util/url.h"

static void expect_parts(const char *url, const char *scheme, char kind, int tls, const char *host, int ipv6, int port,
                         const char *userinfo, const char *rest) {
    url_parts u;
    const char *why = url_split(url, &u);
    assert_null(why);
    assert_int_equal(u.scheme_len, strlen(scheme));
    assert_memory_equal(u.scheme, scheme, u.scheme_len);
    assert_int_equal(u.kind, kind);
    assert_int_equal(u.tls, tls);
    assert_int_equal(u.hostlen, strlen(host));
    assert_memory_equal(u.host, host, u.hostlen);
    assert_int_equal(u.ipv6, ipv6);
    assert_int_equal(u.port, port);
    if (!userinfo) {
        assert_null(u.userinfo);
    } else {
        assert_int_equal(u.userinfo_len, strlen(userinfo));
        assert_memory_equal(u.userinfo, userinfo, u.userinfo_len);
    }
    assert_string_equal(u.rest, rest);
}

static void expect_error(const char *url, const char *why) {
    url_parts u;
    const char *got = url_split(url, &u);
    assert_non_null(got);
    assert_string_equal(got, why);
}

static void test_schemes(void **state) {
    (void)state;
    expect_parts("http://a/b", "http", 'h', 0, "a", 0, 80, NULL, "/b");
    expect_parts("HTTPS://a", "HTTPS", 'h', 1, "a", 0, 443, NULL, "");
    expect_parts("ws://h", "ws", 'w', 0, "h", 0, 80, NULL, "");
    expect_parts("wss://h:1/", "wss", 'w', 1, "h", 0, 1, NULL, "/");
    /* other schemes split too, without a default port or a kind */
    expect_parts("wsx://h", "wsx", 0, 0, "h", 0, 0, NULL, "");
    expect_parts("httpx://h", "httpx", 0, 0, "h", 0, 0, NULL, "");
    expect_parts("ftp://h:21/", "ftp", 0, 0, "h", 0, 21, NULL, "/");
    expect_parts("hxxp://h:80", "hxxp", 0, 0, "h", 0, 80, NULL, "");
}

static void test_authority(void **state) {
    (void)state;
    expect_parts("https://u:p@[::1]:8443/x?y#z", "https", 'h', 1, "::1", 1, 8443, "u:p", "/x?y#z");
    /* the last '@' ends the user info, as Go's url.Parse */
    expect_parts("http://a@b@c:5/p", "http", 'h', 0, "c", 0, 5, "a@b", "/p");
    /* an empty port is the scheme's */
    expect_parts("http://h:/p", "http", 'h', 0, "h", 0, 80, NULL, "/p");
    expect_parts("http://h?q", "http", 'h', 0, "h", 0, 80, NULL, "?q");
    expect_parts("http://h#f", "http", 'h', 0, "h", 0, 80, NULL, "#f");
}

static void test_errors(void **state) {
    (void)state;
    /* k6 (Go url.Parse, net/url/url.go): "unsupported protocol scheme" is
     * net/http's for a URL without one; the others are url.Parse's reasons */
    expect_error(NULL, "unsupported protocol scheme");
    expect_error("", "unsupported protocol scheme");
    expect_error("http:/x", "unsupported protocol scheme");
    expect_error("127.0.0.1:80/x", "unsupported protocol scheme");
    expect_error("http://", "missing host");
    expect_error("http://u@/x", "missing host");
    expect_error("http://[::1/", "missing ']' in host");
    expect_error("http://h:0", "invalid port");
    expect_error("http://h:65536", "invalid port");
    expect_error("http://h:+80", "invalid port");
    expect_error("http://h:8x", "invalid port");
    expect_error("http://[::1]x/", "invalid port");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schemes),
        cmocka_unit_test(test_authority),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
