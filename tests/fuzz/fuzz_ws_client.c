/* The k6/ws client's side of a connection (net/ws.c) against a hostile
 * server: the handshake answer (status line, Upgrade/Connection tokens,
 * Sec-WebSocket-Accept, a refused handshake's body up to its
 * Content-Length), then frames, with the client answering pings and
 * closes through a transport that only counts bytes; the stream arrives
 * in pieces of random sizes and may end with EOF. ws.c is included for
 * its state names; no socket or loop turn is involved.
 * Input: byte 0 = flags (bit 0: EOF at the end), bytes 1-4 = piece-size
 * seed, the rest = what the server sends.
 * FUZZ_ARGS: -max_len=16384 -dict=@DIR@/ws_client.dict */
#include "fuzz.h"
#include "net/ws.c"

static uv_loop_t loop;
static ws_client *cl;
static size_t events;

static int fake_write(ws_client *c, const uv_buf_t *b, unsigned nb) {
    for (unsigned i = 0; i < nb; i++) c->bytes_sent += b[i].len;
    return 0;
}
static void fake_close(ws_client *c) { (void)c; }
static const ws_transport fake_tp = {NULL, fake_write, fake_close};

static void on_event(ws_client *c, enum ws_event ev, const ws_msg *m, void *ud) {
    (void)ud;
    events++;
    if (ev == WS_EV_MESSAGE && m->len) {
        volatile uint8_t x = m->data[0] ^ m->data[m->len - 1];
        (void)x;
    }
    if ((ev == WS_EV_FAIL || ev == WS_EV_ERROR) && !c->err[0]) abort(); /* an error says why */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!cl) {
        uv_loop_init(&loop);
        cl = ws_client_new();
        if (!cl) abort();
        uv_timer_init(&loop, &cl->timer);
        uv_timer_init(&loop, &cl->wtimer);
    }
    uv_timer_t timer = cl->timer, wtimer = cl->wtimer; /* the loop knows these handles: keep them */
    uv_timer_stop(&cl->timer);
    uv_timer_stop(&cl->wtimer);
    memset(cl, 0, sizeof *cl);
    cl->timer = timer;
    cl->timer.data = cl;
    cl->wtimer = wtimer;
    cl->wtimer.data = cl;
    cl->loop = &loop;
    cl->tp = &fake_tp;
    cl->cb = on_event;
    cl->handles = 3;
    cl->tcp_started = true; /* close goes through the transport */
    cl->state = ST_HANDSHAKE;
    cl->rng = 0x9e3779b97f4a7c15ull;
    strcpy(cl->key, "dGhlIHNhbXBsZSBub25jZQ=="); /* RFC 6455's: accept s3pPLMBiTxaQ9kYGzzhZRbK+xOo= */
    strcpy(cl->host, "example.com");
    cl->port = 80;

    fz_in in = {data, size};
    uint8_t flags = fz_u8(&in);
    uint32_t seed = fz_u32(&in) | 1;
    size_t off = 0;
    while (off < in.n && cl->state != ST_DONE) {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        size_t n = 1 + seed % 512;
        if (n > in.n - off) n = in.n - off;
        char *piece = malloc(n); /* a piece of its own: reads past it are seen */
        if (!piece) abort();
        memcpy(piece, in.p + off, n);
        ws_client_on_bytes(cl, piece, (ssize_t)n);
        free(piece);
        off += n;
    }
    if (flags & 1) ws_client_on_bytes(cl, NULL, UV_EOF);
    if (cl->resp_body.len > WS_MAX_ERR_BODY) abort();
    ws_reader_free(&cl->rd);
    buf_free(&cl->hs);
    buf_free(&cl->resp_head);
    buf_free(&cl->resp_body);
    buf_free(&cl->wq);
    buf_free(&cl->wfly);
    free(cl->path);
    return 0;
}
