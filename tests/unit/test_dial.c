/* net/dial.c: the TCP dial shared by k6/http, k6/ws and k6/net/grpc. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "net/dial.h"

/* Go's net.OpError text: "dial tcp 127.0.0.1:1: connect: connection
 * refused", IPv6 in brackets (net.JoinHostPort); k6/http, k6/ws and
 * grpc-go's "error while dialing" all carry it unchanged. */
static void test_connect_error_text(void **state) {
    (void)state;
    char m[160];
    dial_connect_error(m, sizeof m, "127.0.0.1", 1, UV_ECONNREFUSED);
    assert_string_equal(m, "dial tcp 127.0.0.1:1: connect: connection refused");
    dial_connect_error(m, sizeof m, "::1", 8443, UV_ECONNREFUSED);
    assert_string_equal(m, "dial tcp [::1]:8443: connect: connection refused");
    dial_connect_error(m, sizeof m, "10.0.0.1", 80, UV_ETIMEDOUT);
    assert_string_equal(m, "dial tcp 10.0.0.1:80: connect: connection timed out");
}

static void test_addr(void **state) {
    (void)state;
    dialer_sa a;
    assert_int_equal(dial_addr(&a, AF_INET, "127.0.0.2", 8080), 0);
    assert_int_equal(a.in4.sin_family, AF_INET);
    assert_int_equal(ntohs(a.in4.sin_port), 8080);
    assert_int_equal(ntohl(a.in4.sin_addr.s_addr), 0x7f000002);
    assert_int_equal(dial_addr(&a, AF_INET6, "::1", 443), 0);
    assert_int_equal(a.in6.sin6_family, AF_INET6);
    assert_int_equal(ntohs(a.in6.sin6_port), 443);
    assert_true(IN6_IS_ADDR_LOOPBACK(&a.in6.sin6_addr));
    assert_int_equal(dial_addr(&a, AF_INET, "::1", 443), -1); /* wrong family: "bad address" */
    assert_int_equal(dial_addr(&a, AF_INET6, "1.2.3.4", 443), -1);
    assert_int_equal(dial_addr(&a, AF_INET, "example.com", 80), -1);
}

/* IP literals never reach the lookup (h1 may be NULL then). */
static void test_resolve_literals(void **state) {
    (void)state;
    h1_lookup l;
    memset(&l, 0, sizeof l);
    assert_int_equal(dial_resolve(NULL, "127.0.0.1", 80, false, &l), H1_LOOKUP_DONE);
    assert_int_equal(l.family, AF_INET);
    assert_string_equal(l.ip, "127.0.0.1");
    assert_int_equal(l.ok, 1);
    memset(&l, 0, sizeof l);
    assert_int_equal(dial_resolve(NULL, "2001:db8::7", 80, false, &l), H1_LOOKUP_DONE);
    assert_int_equal(l.family, AF_INET6);
    assert_string_equal(l.ip, "2001:db8::7");
    /* bracketed in the URL: IPv6 even if not parsable (dial_addr then says "bad address") */
    memset(&l, 0, sizeof l);
    assert_int_equal(dial_resolve(NULL, "zz::", 80, true, &l), H1_LOOKUP_DONE);
    assert_int_equal(l.family, AF_INET6);
}

typedef struct {
    int status, calls;
} conn_result;

static void on_connect(uv_connect_t *req, int status) {
    conn_result *r = req->data;
    r->status = status;
    r->calls++;
}

/* A port nobody listens on: the connect fails with ECONNREFUSED through
 * the callback; req->data and tcp->data are the caller's. */
static void test_tcp_refused(void **state) {
    (void)state;
    uv_loop_t loop;
    assert_int_equal(uv_loop_init(&loop), 0);
    uv_tcp_t probe;
    struct sockaddr_in any;
    uv_ip4_addr("127.0.0.1", 0, &any);
    assert_int_equal(uv_tcp_init(&loop, &probe), 0);
    assert_int_equal(uv_tcp_bind(&probe, (struct sockaddr *)&any, 0), 0);
    struct sockaddr_storage ss;
    int len = sizeof ss;
    assert_int_equal(uv_tcp_getsockname(&probe, (struct sockaddr *)&ss, &len), 0);
    int port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
    uv_close((uv_handle_t *)&probe, NULL); /* bound, never listening: refused, then free */
    uv_run(&loop, UV_RUN_DEFAULT);

    dialer_sa to;
    assert_int_equal(dial_addr(&to, AF_INET, "127.0.0.1", port), 0);
    conn_result res = {0, 0};
    uv_tcp_t tcp;
    uv_connect_t req;
    enum dial_stage at;
    int rc = dial_tcp(&loop, &tcp, &req, &res, NULL, &to.sa, on_connect, &at);
    assert_int_equal(rc, 0);
    assert_int_equal(at, DIAL_AT_CONNECT);
    assert_ptr_equal(tcp.data, &res);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(res.calls, 1);
    assert_int_equal(res.status, UV_ECONNREFUSED);
    uv_close((uv_handle_t *)&tcp, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);

    /* a source address that is not this machine's: the bind step fails */
    dialer_sa local;
    assert_int_equal(dial_addr(&local, AF_INET, "192.0.2.1", 0), 0); /* TEST-NET-1 */
    rc = dial_tcp(&loop, &tcp, &req, &res, &local.sa, &to.sa, on_connect, &at);
    assert_int_equal(at, DIAL_AT_BIND);
    assert_int_equal(rc, UV_EADDRNOTAVAIL);
    uv_close((uv_handle_t *)&tcp, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(res.calls, 1);
    assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_connect_error_text),
        cmocka_unit_test(test_addr),
        cmocka_unit_test(test_resolve_literals),
        cmocka_unit_test(test_tcp_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
