/* test_ws_client.c - the k6/ws client reading a server's handshake answer
 * and frames (src/net/ws.c, included for its states), through a transport
 * that only counts bytes: no socket, no loop turn. Cases found by
 * tests/fuzz/fuzz_ws_client.c. */
/* before cmocka.h, whose fail() macro would rename ws.c's fail() */
#include "net/ws.c"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

static int nopen, nfail;

static int count_write(ws_client *c, const uv_buf_t *b, unsigned nb) {
    for (unsigned i = 0; i < nb; i++) c->bytes_sent += b[i].len;
    return 0;
}
static void no_close(ws_client *c) { (void)c; }
static const ws_transport test_tp = {NULL, count_write, no_close};

static void on_event(ws_client *c, enum ws_event ev, const ws_msg *m, void *ud) {
    (void)c;
    (void)m;
    (void)ud;
    if (ev == WS_EV_OPEN) nopen++;
    if (ev == WS_EV_FAIL) nfail++;
}

/* A client waiting for the answer to its handshake (RFC 6455's example key). */
static ws_client *handshaking(uv_loop_t *loop) {
    ws_client *c = ws_client_new();
    assert_non_null(c);
    uv_timer_init(loop, &c->timer);
    c->timer.data = c;
    c->loop = loop;
    c->tp = &test_tp;
    c->cb = on_event;
    c->handles = 2;
    c->state = ST_HANDSHAKE;
    strcpy(c->key, "dGhlIHNhbXBsZSBub25jZQ==");
    nopen = nfail = 0;
    return c;
}

/* Closes the timer (the loop runs its close before c goes) and frees c. */
static void release(ws_client *c, uv_loop_t *loop) {
    uv_close((uv_handle_t *)&c->timer, NULL);
    uv_run(loop, UV_RUN_DEFAULT);
    uv_loop_close(loop);
    ws_reader_free(&c->rd);
    buf_free(&c->hs);
    buf_free(&c->resp_head);
    buf_free(&c->resp_body);
    free(c);
}

static const char ANSWER_TAIL[] = "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                  "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";

/* A NUL in the status line, the blank line in a later read: the status line
 * was searched with strstr, which stopped at the NUL, and the header block
 * was copied from NULL + 2 with a wrapped length (SIGSEGV, or an endless
 * loop in buf_reserve). Go reads the reason phrase as it is: the
 * connection opens. */
static void test_nul_in_status_line(void **st) {
    (void)st;
    uv_loop_t loop;
    uv_loop_init(&loop);
    ws_client *c = handshaking(&loop);
    static const char first[] = "HTTP/1.1 101 Switching \0Protocols";
    ws_client_on_bytes(c, first, sizeof first - 1);
    ws_client_on_bytes(c, ANSWER_TAIL, sizeof ANSWER_TAIL - 1);
    assert_int_equal(nfail, 0);
    assert_int_equal(nopen, 1);
    assert_int_equal(c->status, 101);
    assert_int_equal(c->state, ST_OPEN);
    release(c, &loop);
}

/* The blank line after a NUL in the same read is found at once. */
static void test_nul_then_blank_line_in_one_read(void **st) {
    (void)st;
    uv_loop_t loop;
    uv_loop_init(&loop);
    ws_client *c = handshaking(&loop);
    char msg[256];
    static const char head[] = "HTTP/1.1 101 Switching \0Protocols";
    memcpy(msg, head, sizeof head - 1);
    memcpy(msg + sizeof head - 1, ANSWER_TAIL, sizeof ANSWER_TAIL - 1);
    ws_client_on_bytes(c, msg, (ssize_t)(sizeof head - 1 + sizeof ANSWER_TAIL - 1));
    assert_int_equal(nopen, 1);
    assert_int_equal(c->state, ST_OPEN);
    release(c, &loop);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nul_in_status_line),
        cmocka_unit_test(test_nul_then_blank_line_in_one_read),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
