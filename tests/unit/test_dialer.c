/* net/dialer.c: option parsers and the per-connection decisions. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "config/options.h"
#include "net/dialer.h"

static struct sockaddr_storage ip(const char *s) {
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    if (strchr(s, ':')) {
        ((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
        inet_pton(AF_INET6, s, &((struct sockaddr_in6 *)&ss)->sin6_addr);
    } else {
        ((struct sockaddr_in *)&ss)->sin_family = AF_INET;
        inet_pton(AF_INET, s, &((struct sockaddr_in *)&ss)->sin_addr);
    }
    return ss;
}

static net_dialer *from_json(const char *json) {
    c6_options o;
    char err[256];
    assert_int_equal(options_from_json(json, NULL, &o, err, sizeof err), 0);
    net_dialer *d = dialer_new(&o);
    options_free(&o);
    return d;
}

static void test_blacklist(void **state) {
    (void)state;
    net_dialer *d = from_json("{\"blacklistIPs\":[\"10.0.0.0/8\",\"192.168.1.128/25\",\"fd00::/8\",\"1.2.3.4\"]}");
    struct sockaddr_storage a;
    a = ip("10.200.3.4");
    assert_string_equal(dialer_blacklisted(d, (struct sockaddr *)&a), "10.0.0.0/8");
    a = ip("11.0.0.1");
    assert_null(dialer_blacklisted(d, (struct sockaddr *)&a));
    a = ip("192.168.1.200");
    assert_non_null(dialer_blacklisted(d, (struct sockaddr *)&a));
    a = ip("192.168.1.127");
    assert_null(dialer_blacklisted(d, (struct sockaddr *)&a));
    a = ip("fdab::1");
    assert_string_equal(dialer_blacklisted(d, (struct sockaddr *)&a), "fd00::/8");
    a = ip("1.2.3.4");
    assert_string_equal(dialer_blacklisted(d, (struct sockaddr *)&a), "1.2.3.4");
    dialer_free(d);
}

static void test_hosts_and_blocked(void **state) {
    (void)state;
    net_dialer *d =
        from_json("{\"hosts\":{\"a.test\":\"1.1.1.1\",\"*.test\":\"2.2.2.2:81\",\"a.test:8080\":\"[::1]:9\"},"
                  "\"blockHostnames\":[\"*.Bad.test\",\"exact.test\"]}");
    assert_string_equal(dialer_map(d, "A.TEST", 6, 80)->ip, "1.1.1.1"); /* exact beats wildcard */
    assert_string_equal(dialer_map(d, "a.test", 6, 8080)->ip, "::1");   /* the key's port beats none */
    assert_int_equal(dialer_map(d, "a.test", 6, 8080)->to_port, 9);
    assert_string_equal(dialer_map(d, "x.y.test", 8, 80)->ip, "2.2.2.2");
    assert_null(dialer_map(d, "test", 4, 80));
    assert_string_equal(dialer_blocked(d, "x.bad.test", 10), "*.bad.test");
    assert_null(dialer_blocked(d, "bad.test", 8));
    assert_non_null(dialer_blocked(d, "EXACT.test", 10));
    assert_null(dialer_blocked(d, "inexact.test", 12));
    dialer_free(d);
}

static void test_local_ips_round_robin(void **state) {
    (void)state;
    net_dialer *d = from_json("{\"localIPs\":\"10.0.0.254-10.0.1.1, 192.168.0.0/31\"}");
    const char *want[] = {"10.0.0.254",  "10.0.0.255",  "10.0.1.0",  "10.0.1.1",
                          "192.168.0.0", "192.168.0.1", "10.0.0.254"};
    for (int vu = 1; vu <= 7; vu++) {
        dialer_sa sa;
        char buf[64];
        assert_true(dialer_local_addr(d, vu, &sa));
        inet_ntop(AF_INET, &sa.in4.sin_addr, buf, sizeof buf);
        assert_string_equal(buf, want[vu - 1]);
    }
    dialer_free(d);
}

static void test_parse_errors(void **state) {
    (void)state;
    char err[256];
    dialer_cidr c;
    dialer_range *r;
    size_t n;
    dialer_dns dns;
    dialer_sa sa;
    int port;
    assert_int_not_equal(dialer_parse_cidr("10.0.0.0/33", &c, err, sizeof err), 0);
    assert_int_not_equal(dialer_parse_cidr("example.com/8", &c, err, sizeof err), 0);
    assert_int_not_equal(dialer_parse_local_ips("10.0.0.2-10.0.0.1", &r, &n, err, sizeof err), 0);
    assert_int_not_equal(dialer_parse_local_ips("10.0.0.1-::1", &r, &n, err, sizeof err), 0);
    assert_int_not_equal(dialer_parse_target("1.2.3.4:0", &sa, &port, err, sizeof err), 0);
    assert_int_equal(dialer_parse_target("[::1]:443", &sa, &port, err, sizeof err), 0);
    assert_int_equal(port, 443);
    assert_int_not_equal(dialer_check_pattern("a.*.b", err, sizeof err), 0);
    dialer_dns_default(&dns);
    assert_int_equal(dialer_parse_dns("ttl=inf,select=roundRobin,policy=onlyIPv6", &dns, err, sizeof err), 0);
    assert_true(dns.ttl_us < 0);
    assert_int_equal(dns.select, DNS_SELECT_ROUND_ROBIN);
    assert_int_equal(dns.policy, DNS_ONLY_IPV6);
    assert_int_not_equal(dialer_parse_dns("ttl", &dns, err, sizeof err), 0);
}

static void test_pick(void **state) {
    (void)state;
    struct sockaddr_storage a[3] = {ip("::1"), ip("10.0.0.1"), ip("10.0.0.2")};
    const struct sockaddr *v[3] = {(struct sockaddr *)&a[0], (struct sockaddr *)&a[1], (struct sockaddr *)&a[2]};
    unsigned rr = 0;
    dialer_dns d = {0, DNS_SELECT_FIRST, DNS_PREFER_IPV4};
    assert_int_equal(dialer_pick(&d, v, 3, &rr), 1);
    d.policy = DNS_PREFER_IPV6;
    assert_int_equal(dialer_pick(&d, v, 3, &rr), 0);
    d.policy = DNS_ONLY_IPV6;
    assert_int_equal(dialer_pick(&d, v + 1, 2, &rr), -1);
    d.policy = DNS_ONLY_IPV4;
    d.select = DNS_SELECT_ROUND_ROBIN;
    assert_int_equal(dialer_pick(&d, v, 3, &rr), 1);
    assert_int_equal(dialer_pick(&d, v, 3, &rr), 2);
    assert_int_equal(dialer_pick(&d, v, 3, &rr), 1);
}

static void test_test_resolve(void **state) {
    (void)state;
    dialer_sa out[4];
    unsetenv("C6_TEST_RESOLVE");
    assert_int_equal(dialer_test_resolve("a.test", 6, AF_UNSPEC, out, 4), -1);
    setenv("C6_TEST_RESOLVE", "a.test=127.0.0.1,::1;ab.test=10.0.0.1;bad.test=nope", 1);
    assert_int_equal(dialer_test_resolve("A.TEST", 6, AF_UNSPEC, out, 4), 2);
    assert_int_equal(out[0].sa.sa_family, AF_INET);
    assert_int_equal(out[1].sa.sa_family, AF_INET6);
    assert_int_equal(dialer_test_resolve("a.test", 6, AF_INET6, out, 4), 1);
    assert_int_equal(out[0].sa.sa_family, AF_INET6);
    assert_int_equal(dialer_test_resolve("a.test", 6, AF_UNSPEC, out, 1), 1);   /* max */
    assert_int_equal(dialer_test_resolve("ab.test", 7, AF_INET6, out, 4), 0);   /* known, no IPv6 */
    assert_int_equal(dialer_test_resolve("bad.test", 8, AF_UNSPEC, out, 4), 0); /* not an address */
    assert_int_equal(dialer_test_resolve("b.test", 6, AF_UNSPEC, out, 4), -1);
    assert_int_equal(dialer_test_resolve("a.tes", 5, AF_UNSPEC, out, 4), -1);
    unsetenv("C6_TEST_RESOLVE");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blacklist),
        cmocka_unit_test(test_hosts_and_blocked),
        cmocka_unit_test(test_local_ips_round_robin),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_pick),
        cmocka_unit_test(test_test_resolve),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
