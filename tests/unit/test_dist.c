/* test_dist.c - a distributed run's wire (dist/proto.c: frames, bounds,
 * the token check) against hostile input: too large, unknown types. (The
 * test the agents get is a k6 archive: its reader's own tests are
 * test_archive's.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dist/proto.h"

static void rx_feed(proto_rx *rx, const void *p, size_t n) {
    if (rx->cap < rx->len + n) {
        rx->p = realloc(rx->p, rx->len + n);
        rx->cap = rx->len + n;
    }
    memcpy(rx->p + rx->len, p, n);
    rx->len += n;
}

static void test_frames(void **state) {
    (void)state;
    proto_rx rx = {.max = 16};
    int type;
    const uint8_t *p;
    size_t len;
    /* two frames in pieces: incomplete, then both */
    const uint8_t two[] = {0, 0, 0, 2, MSG_PING, 'h', 'i', 0, 0, 0, 0, MSG_READY};
    rx_feed(&rx, two, 6);
    assert_int_equal(proto_next(&rx, &type, &p, &len), 0);
    rx_feed(&rx, two + 6, sizeof two - 6);
    assert_int_equal(proto_next(&rx, &type, &p, &len), 1);
    assert_int_equal(type, MSG_PING);
    assert_int_equal(len, 2);
    assert_memory_equal(p, "hi", 2);
    assert_int_equal(proto_next(&rx, &type, &p, &len), 1);
    assert_int_equal(type, MSG_READY);
    assert_int_equal(len, 0);
    assert_int_equal(proto_next(&rx, &type, &p, &len), 0);
    /* a length past the limit is an error at once, before its bytes come */
    const uint8_t big[] = {0x7F, 0xFF, 0xFF, 0xFF, MSG_HELLO};
    rx_feed(&rx, big, sizeof big);
    assert_int_equal(proto_next(&rx, &type, &p, &len), -1);
    proto_rx_free(&rx);
    /* unknown types: 0 and past the last */
    proto_rx r2 = {.max = 16};
    const uint8_t bad[] = {0, 0, 0, 0, 0};
    rx_feed(&r2, bad, sizeof bad);
    assert_int_equal(proto_next(&r2, &type, &p, &len), -1);
    proto_rx_free(&r2);
    proto_rx r3 = {.max = 16};
    const uint8_t bad2[] = {0, 0, 0, 0, MSG_MAX};
    rx_feed(&r3, bad2, sizeof bad2);
    assert_int_equal(proto_next(&r3, &type, &p, &len), -1);
    proto_rx_free(&r3);
}

/* A frame sent over a socket pair is read back whole; a read never holds
 * more than the limit allows however much the peer sends. */
static void test_send_read(void **state) {
    (void)state;
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
    assert_int_equal(proto_send_str(sv[0], NULL, MSG_START, "{\"at\":1}", 1000), 0);
    proto_rx rx = {.max = 64};
    assert_int_equal(proto_read(sv[1], NULL, &rx), 1);
    int type;
    const uint8_t *p;
    size_t len;
    assert_int_equal(proto_next(&rx, &type, &p, &len), 1);
    assert_int_equal(type, MSG_START);
    assert_memory_equal(p, "{\"at\":1}", len);
    close(sv[0]);
    assert_int_equal(proto_read(sv[1], NULL, &rx), -1); /* closed */
    close(sv[1]);
    proto_rx_free(&rx);
}

static void test_token(void **state) {
    (void)state;
    assert_true(proto_token_eq("s3cret", "s3cret"));
    assert_true(proto_token_eq("", ""));
    assert_false(proto_token_eq("s3cret", "s3cres"));
    assert_false(proto_token_eq("s3cret", "s3cret "));
    assert_false(proto_token_eq("", "x"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frames),
        cmocka_unit_test(test_send_read),
        cmocka_unit_test(test_token),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
