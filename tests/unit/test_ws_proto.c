/* test_ws_proto.c - RFC 6455 framing (src/net/ws_proto.c): the accept key
 * of the RFC's own example, frame headers of each length form, masking,
 * UTF-8 checks, the reader (split input, fragmented messages, control
 * frames between fragments) and the protocol errors it refuses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "net/ws_proto.h"

static void test_accept_key(void **st) {
    (void)st;
    char out[29];
    const char *key = "dGhlIHNhbXBsZSBub25jZQ=="; /* RFC 6455 section 1.3 */
    ws_accept_for(key, strlen(key), out);
    assert_string_equal(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    char k1[25], k2[25];
    ws_new_key(k1);
    ws_new_key(k2);
    assert_int_equal(strlen(k1), 24);
    assert_string_not_equal(k1, k2);
}

static void test_frame_headers(void **st) {
    (void)st;
    uint8_t h[WS_MAX_HEADER];
    uint8_t key[4] = {1, 2, 3, 4};
    assert_int_equal(ws_frame_header(h, WS_OP_TEXT, 5, NULL), 2);
    assert_int_equal(h[0], 0x81);
    assert_int_equal(h[1], 5);
    assert_int_equal(ws_frame_header(h, WS_OP_BINARY, 300, key), 8);
    assert_int_equal(h[0], 0x82);
    assert_int_equal(h[1], 0x80 | 126);
    assert_int_equal(h[2] << 8 | h[3], 300);
    assert_memory_equal(h + 4, key, 4);
    assert_int_equal(ws_frame_header(h, WS_OP_BINARY, 70000, NULL), 10);
    assert_int_equal(h[1], 127);
    assert_int_equal(h[7] << 16 | h[8] << 8 | h[9], 70000);
    uint8_t p[5] = "hello";
    ws_mask(p, 5, key, 0);
    assert_int_equal(p[0], 'h' ^ 1);
    assert_int_equal(p[4], 'o' ^ 1);
    ws_mask(p, 5, key, 0);
    assert_memory_equal(p, "hello", 5);
}

static void test_utf8(void **st) {
    (void)st;
    assert_true(ws_utf8_valid((const uint8_t *)"h\xc3\xa9llo \xe2\x9c\x93 \xf0\x9f\x98\x80", 15));
    assert_false(ws_utf8_valid((const uint8_t *)"\xc3", 1));             /* cut short */
    assert_false(ws_utf8_valid((const uint8_t *)"\xc0\xaf", 2));         /* overlong */
    assert_false(ws_utf8_valid((const uint8_t *)"\xed\xa0\x80", 3));     /* surrogate */
    assert_false(ws_utf8_valid((const uint8_t *)"\xf4\x90\x80\x80", 4)); /* past U+10FFFF */
    assert_false(ws_utf8_valid((const uint8_t *)"\xff", 1));
    assert_true(ws_close_code_valid(1000) && ws_close_code_valid(4999) && ws_close_code_valid(3000));
    assert_false(ws_close_code_valid(1005) || ws_close_code_valid(1006) || ws_close_code_valid(999) ||
                 ws_close_code_valid(5000) || ws_close_code_valid(1015));
}

/* Appends a frame as a server would send it (unmasked) or a client (masked). */
static size_t put_frame(uint8_t *out, int fin, int op, const char *p, size_t n, bool masked) {
    uint8_t key[4] = {0x11, 0x22, 0x33, 0x44};
    size_t hl = ws_frame_header(out, op, n, masked ? key : NULL);
    if (!fin) out[0] &= 0x7f;
    memcpy(out + hl, p, n);
    if (masked) ws_mask(out + hl, n, key, 0);
    return hl + n;
}

static void test_reader_fragments_and_splits(void **st) {
    (void)st;
    uint8_t s[256];
    size_t n = 0;
    n += put_frame(s + n, 0, WS_OP_TEXT, "hel", 3, false);
    n += put_frame(s + n, 1, WS_OP_PING, "p", 1, false); /* a control frame between fragments */
    n += put_frame(s + n, 0, WS_OP_CONT, "lo ", 3, false);
    n += put_frame(s + n, 1, WS_OP_CONT, "you", 3, false);
    n += put_frame(s + n, 1, WS_OP_BINARY, "\x00\x01", 2, false);
    ws_reader r = {.server = false};
    ws_msg m;
    /* byte by byte: nothing comes out before a frame is whole */
    int got = 0;
    const char *want[] = {"p", "hello you", "\x00\x01"};
    int ops[] = {WS_OP_PING, WS_OP_TEXT, WS_OP_BINARY};
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(ws_reader_feed(&r, s + i, 1), 0);
        int rc;
        while ((rc = ws_reader_next(&r, &m)) == 1) {
            assert_true(got < 3);
            assert_int_equal(m.opcode, ops[got]);
            assert_int_equal(m.len, got == 1 ? 9 : got == 0 ? 1 : 2);
            assert_memory_equal(m.data, want[got], m.len);
            got++;
        }
        assert_int_equal(rc, 0);
    }
    assert_int_equal(got, 3);
    ws_reader_free(&r);

    /* a server reads masked frames */
    ws_reader sr = {.server = true};
    n = put_frame(s, 1, WS_OP_TEXT, "masked", 6, true);
    ws_reader_feed(&sr, s, n);
    assert_int_equal(ws_reader_next(&sr, &m), 1);
    assert_int_equal(m.len, 6);
    assert_memory_equal(m.data, "masked", 6);
    ws_reader_free(&sr);
}

static void expect_refused(const uint8_t *s, size_t n, bool server, int code, const char *why) {
    ws_reader r = {.server = server};
    ws_msg m;
    ws_reader_feed(&r, s, n);
    int rc;
    while ((rc = ws_reader_next(&r, &m)) == 1) {}
    assert_int_equal(rc, -1);
    assert_int_equal(r.err_code, code);
    assert_non_null(strstr(r.err, why));
    ws_reader_free(&r);
}

/* The client (k6/ws, k6/experimental/websockets) takes text frames that are
 * not UTF-8 as they are: k6's gorilla/websocket does not check them (only a
 * close frame's reason), and the message event still fires. */
static void test_reader_client_takes_any_text(void **st) {
    (void)st;
    uint8_t s[64];
    size_t n = put_frame(s, 1, WS_OP_TEXT, "ab\xff\xfe", 4, false);
    n += put_frame(s + n, 0, WS_OP_TEXT, "\xc3", 1, false);
    n += put_frame(s + n, 1, WS_OP_CONT, "\x28", 1, false);
    ws_reader r = {.server = false};
    ws_msg m;
    ws_reader_feed(&r, s, n);
    assert_int_equal(ws_reader_next(&r, &m), 1);
    assert_int_equal(m.opcode, WS_OP_TEXT);
    assert_int_equal(m.len, 4);
    assert_memory_equal(m.data, "ab\xff\xfe", 4);
    assert_int_equal(ws_reader_next(&r, &m), 1);
    assert_int_equal(m.len, 2);
    assert_memory_equal(m.data, "\xc3\x28", 2);
    assert_int_equal(ws_reader_next(&r, &m), 0);
    ws_reader_free(&r);
}

static void test_reader_errors(void **st) {
    (void)st;
    uint8_t s[256];
    size_t n;
    n = put_frame(s, 1, WS_OP_TEXT, "x", 1, true);
    expect_refused(s, n, false, WS_CLOSE_PROTOCOL, "masked frame from the server");
    n = put_frame(s, 1, WS_OP_TEXT, "x", 1, false);
    expect_refused(s, n, true, WS_CLOSE_PROTOCOL, "unmasked frame");
    n = put_frame(s, 1, WS_OP_TEXT, "\xc3\x28", 2, true);
    expect_refused(s, n, true, WS_CLOSE_BAD_DATA, "not valid UTF-8");
    n = put_frame(s, 1, WS_OP_CONT, "x", 1, false);
    expect_refused(s, n, false, WS_CLOSE_PROTOCOL, "continuation frame without");
    n = put_frame(s, 0, WS_OP_TEXT, "a", 1, false);
    n += put_frame(s + n, 1, WS_OP_TEXT, "b", 1, false);
    expect_refused(s, n, false, WS_CLOSE_PROTOCOL, "before the previous one");
    n = put_frame(s, 0, WS_OP_PING, "a", 1, false);
    expect_refused(s, n, false, WS_CLOSE_PROTOCOL, "fragmented or oversized control");
    n = put_frame(s, 1, 3, "a", 1, false);
    expect_refused(s, n, false, WS_CLOSE_PROTOCOL, "unknown data opcode");
    n = put_frame(s, 1, WS_OP_TEXT, "a", 1, false);
    s[0] |= 0x40;
    expect_refused(s, n, false, WS_CLOSE_PROTOCOL, "reserved bits");
}

/* Lengths: gorilla/websocket (k6's) takes a 64-bit length with the top bit
 * set for a negative one and fails with its read limit error without a
 * close frame (conn.go setReadRemaining); a length past c6's 64 MB cap is
 * refused only once more than 64 MB of the message came, so a peer that
 * announces 1 TB and stops short ends with the stream, as in k6. */
static void test_reader_lengths(void **st) {
    (void)st;
    uint8_t top[10] = {0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 0};
    expect_refused(top, sizeof top, false, WS_CLOSE_TOO_BIG, "read limit exceeded");
    ws_reader r = {0};
    ws_msg m;
    ws_reader_feed(&r, top, sizeof top);
    assert_int_equal(ws_reader_next(&r, &m), -1);
    assert_true(r.err_no_close);
    ws_reader_free(&r);

    /* 4 GB announced: the header and 1 KB are not refused yet */
    uint8_t big[10] = {0x82, 127, 0, 0, 0, 1, 0, 0, 0, 0};
    static uint8_t chunk[1 << 20];
    memset(&r, 0, sizeof r);
    ws_reader_feed(&r, big, sizeof big);
    ws_reader_feed(&r, chunk, 1024);
    assert_int_equal(ws_reader_next(&r, &m), 0);
    /* 64 MB of it: still waiting; one byte more: refused with 1009 and a close */
    for (size_t got = 1024; got < WS_MAX_MESSAGE;) {
        size_t n = WS_MAX_MESSAGE - got < sizeof chunk ? WS_MAX_MESSAGE - got : sizeof chunk;
        assert_int_equal(ws_reader_feed(&r, chunk, n), 0);
        got += n;
    }
    assert_int_equal(ws_reader_next(&r, &m), 0);
    ws_reader_feed(&r, chunk, 1);
    assert_int_equal(ws_reader_next(&r, &m), -1);
    assert_int_equal(r.err_code, WS_CLOSE_TOO_BIG);
    assert_false(r.err_no_close);
    assert_non_null(strstr(r.err, "larger than 64 MB"));
    ws_reader_free(&r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accept_key),
        cmocka_unit_test(test_frame_headers),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_reader_fragments_and_splits),
        cmocka_unit_test(test_reader_errors),
        cmocka_unit_test(test_reader_lengths),
        cmocka_unit_test(test_reader_client_takes_any_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
