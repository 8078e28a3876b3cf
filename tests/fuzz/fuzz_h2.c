/* HTTP/2 responses (net/h2session.c's nghttp2 callbacks with net/http2.c's
 * stream ops): a client session with c6's callbacks and settings
 * (h2_begin) and three GET streams in flight
 * reads a hostile server's bytes in pieces of random sizes, answering
 * (SETTINGS ACK, WINDOW_UPDATE, ...) between them as h2_on_read does; the
 * streams that end are decoded and timed by c6's own code (h2_success,
 * h2_stream_failed). http2.c's callbacks and h2_begin are static, so it is
 * included here (the rest of the client comes from libc6.a);
 * no socket, TLS or event loop turn is involved (a failed stream is queued
 * for delivery on a timer that never runs).
 * Input: bytes 0-3 = piece-size seed, the rest = what the server sends
 * (starting with its SETTINGS frame).
 * FUZZ_ARGS: -max_len=16384 -dict=@DIR@/h2.dict */
#include "fuzz.h"
#include "net/http2.c"

static uv_loop_t loop;
static h1_client *client;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!client) {
        uv_loop_init(&loop);
        client = h1_client_new(&loop);
        if (!client) abort();
    }
    fz_in in = {data, size};
    uint32_t seed = fz_u32(&in) | 1;
    h1_conn *k = calloc(1, sizeof *k);
    if (!k) abort();
    k->c = client;
    if (h2_begin(k)) abort();

    enum { NREQ = 3 };
    h1_request *req = calloc(NREQ, sizeof *req);
    buf *bufs = calloc(2 * NREQ, sizeof *bufs);
    if (!req || !bufs) abort();
    static const nghttp2_nv nva[] = {
        {(uint8_t *)":method", (uint8_t *)"GET", 7, 3, 0},
        {(uint8_t *)":scheme", (uint8_t *)"https", 7, 5, 0},
        {(uint8_t *)":authority", (uint8_t *)"example.com", 10, 11, 0},
        {(uint8_t *)":path", (uint8_t *)"/", 5, 1, 0},
        {(uint8_t *)"accept-encoding", (uint8_t *)"gzip, deflate, br, zstd", 15, 23, 0},
    };
    for (int i = 0; i < NREQ; i++) {
        h1_request *r = &req[i];
        r->resp_headers = &bufs[2 * i];
        r->resp_body = i == 2 ? NULL : &bufs[2 * i + 1]; /* the last one discards its body */
        r->retried_ = H2_RETRIES;                        /* no redo: it would need the loop */
        if (h2s_submit(&k->h2, &r->h2s_, nva, sizeof nva / sizeof *nva, false) < 0) abort();
        r->conn_ = (struct h1_conn *)k;
        h2s_link(&k->h2, &r->h2s_);
    }
    const uint8_t *out;
    while (nghttp2_session_mem_send(k->h2.ng, &out) > 0) {}

    size_t off = 0;
    while (off < in.n) {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        size_t n = 1 + seed % 1024;
        if (n > in.n - off) n = in.n - off;
        ssize_t rv = nghttp2_session_mem_recv(k->h2.ng, in.p + off, n);
        if (rv < 0) break; /* h2_lost: the connection is gone */
        off += n;
        ssize_t sent;
        while ((sent = nghttp2_session_mem_send(k->h2.ng, &out)) > 0) {}
        if (sent < 0 || !nghttp2_session_want_read(k->h2.ng)) break;
    }
    h2s_close(&k->h2);

    /* what c6 would deliver: consistent results */
    for (int i = 0; i < NREQ; i++) {
        h1_request *r = &req[i];
#ifdef FUZZ_DEBUG
        fprintf(stderr, "stream %d: state %d status %d err %d %s body %zu\n", r->h2s_.sid, r->state_, r->status, r->err,
                r->errmsg, r->resp_body ? r->resp_body->len : 0);
#endif
        if (r->state_ == RQ_DEFERRED && r->err == H1_OK) {
            /* a final answer: never 1xx; nghttp2 lets three digits through,
             * "051" too (status 51, as Go's transport takes it) */
            if (r->status < 0 || r->status > 999 || (r->status >= 100 && r->status < 200)) abort();
            if (!r->resp_headers->p || r->resp_headers->len < 2) abort();
        }
        /* a stream still open when the input ends: its connection is gone,
         * and the client fails it, releasing its decoder (client_req_fail) */
        client_body_release(r);
        buf_free(&bufs[2 * i]);
        buf_free(&bufs[2 * i + 1]);
    }
    client->deferred = NULL;
    client->h2done = NULL;
    uv_timer_stop(&client->defer);
    free(req);
    free(bufs);
    free(k);
    return 0;
}
