/* gRPC over HTTP/2 (see transport.h).
 *
 * Bytes: libuv TCP, through a tlsio session when TLS (net/tlsconn.h's byte
 * path, as ws.c's wss://), into a session of the HTTP/2 layer k6/http uses
 * too (net/h2session.h: Go's settings, one set of nghttp2 callbacks calling
 * gt_ops below, the request body that waits for later writes, output
 * coalesced into TLS records or collected in wq for h2c), written one
 * write at a time (wfly in flight); dialing is net/dial.h's. The
 * connection is the client's own (k6 shares none with k6/http). What a
 * call's headers, DATA and close mean — framing, trailers, statuses,
 * limits, deadlines — is gRPC's and stays here. Buffers are the call's
 * and the connection's, reused: sending a message appends to the call's
 * out buffer, a message that arrives whole in one DATA chunk is handed
 * on from the chunk itself. */
#include "grpc/transport.h"

#include <arpa/inet.h>
#include <nghttp2/nghttp2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "net/dial.h"
#include "net/dialer.h"
#include "net/h2session.h"
#include "net/tlsconn.h"
#include "util/base64.h"
#include "util/log.h"
#include "util/codec.h"

#define GT_DEFAULT_MAX_RECV (4 * 1024 * 1024) /* grpc-go's defaultClientMaxReceiveMessageSize */
#define GT_DEFAULT_MAX_SEND 0x7fffffffu       /* defaultClientMaxSendMessageSize: MaxInt32 */

static void gt_fail(gt_conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int gt_flush(gt_conn *c);

/* ---- calls ---- */

/* The call leaves its connection's list of open streams. */
static void gt_call_unlink(gt_call *k) {
    gt_conn *c = k->conn;
    if (!c) return;
    h2s_unlink(&c->h2, &k->st);
    k->conn = NULL;
}

/* An open call of c (the newest), or NULL. */
static gt_call *gt_first(gt_conn *c) { return c->h2.streams ? h2s_container_of(c->h2.streams, gt_call, st) : NULL; }

static void gt_set_status(gt_call *k, int code, const char *msg) {
    k->status = code;
    k->has_status = true;
    buf_clear(&k->message);
    buf_puts(&k->message, msg);
}

static void gt_call_end(gt_call *k) {
    if (k->closed) return;
    k->closed = true;
    if (!k->has_status) gt_set_status(k, GT_INTERNAL, "server closed the stream without sending trailers");
    buf_append(&k->message, "", 1); /* NUL-terminated from here */
    k->message.len--;
    gt_call_unlink(k);
    if (k->ops && k->ops->on_close) k->ops->on_close(k, k->ud);
}

void gt_call_free(gt_call *k) {
    gt_call_unlink(k);
    buf_free(&k->message);
    buf_free(&k->headers);
    buf_free(&k->trailers);
    buf_free(&k->in);
    buf_free(&k->out);
    buf_free(&k->dz);
}

/* ---- the calls' stream events (net/h2session.h calls them) ---- */

static gt_conn *gt_conn_of(h2s_conn *hc) { return h2s_container_of(hc, gt_conn, h2); }
static gt_call *gt_call_of(h2s_stream *st) { return h2s_container_of(st, gt_call, st); }

static int gt_hexval(int ch) {
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

/* grpc-message is percent-encoded (the gRPC HTTP/2 spec). */
static void gt_percent_decode(buf *out, const uint8_t *v, size_t n) {
    buf_clear(out);
    for (size_t i = 0; i < n; i++) {
        int a, b;
        if (v[i] == '%' && i + 2 < n + 0 && (a = gt_hexval(v[i + 1])) >= 0 && (b = gt_hexval(v[i + 2])) >= 0) {
            char ch = (char)(a << 4 | b);
            buf_append(out, &ch, 1);
            i += 2;
        } else {
            buf_append(out, v + i, 1);
        }
    }
}

static int gt_on_header(h2s_conn *hc, h2s_stream *st, const uint8_t *name, size_t nl, const uint8_t *value, size_t vl) {
    (void)hc;
    gt_call *k = gt_call_of(st);
    int cat = st->cat;
    /* the first block is the headers unless it ends the stream (Trailers-Only) */
    bool trailer = cat == NGHTTP2_HCAT_HEADERS || st->end_stream;
    if (nl == 7 && memcmp(name, ":status", 7) == 0) {
        int code = 0;
        for (size_t i = 0; i < vl && i < 3; i++) code = code * 10 + (value[i] - '0');
        if (cat == NGHTTP2_HCAT_RESPONSE) k->http_status = code;
        return 0;
    }
    if (nl && name[0] == ':') return 0;
    if (trailer && nl == 11 && memcmp(name, "grpc-status", 11) == 0) {
        int code = 0;
        for (size_t i = 0; i < vl && code < 1000; i++)
            code = value[i] >= '0' && value[i] <= '9' ? code * 10 + value[i] - '0' : 1000;
        k->status = code >= 1000 || vl == 0 ? GT_UNKNOWN : code;
        k->has_status = true;
        return 0;
    }
    if (trailer && nl == 12 && memcmp(name, "grpc-message", 12) == 0) {
        gt_percent_decode(&k->message, value, vl);
        return 0;
    }
    if (!trailer && nl == 13 && memcmp(name, "grpc-encoding", 13) == 0) { /* grpc-go keeps it out of the metadata */
        k->enc = (vl == 8 && memcmp(value, "identity", 8) == 0) ? 0
                 : (vl == 4 && memcmp(value, "gzip", 4) == 0)   ? 1
                                                                : 2;
        snprintf(k->enc_v, sizeof k->enc_v, "%.*s", (int)(vl < 32 ? vl : 32), (const char *)value);
        return 0;
    }
    if (nl == 12 && memcmp(name, "content-type", 12) == 0 && cat == NGHTTP2_HCAT_RESPONSE) {
        bool grpc = vl >= 16 && memcmp(value, "application/grpc", 16) == 0 &&
                    (vl == 16 || value[16] == '+' || value[16] == ';');
        k->ctype = grpc ? 1 : 2;
        if (!grpc) snprintf(k->ctype_v, sizeof k->ctype_v, "%.*s", (int)(vl < 60 ? vl : 60), (const char *)value);
    }
    buf *b = trailer ? &k->trailers : &k->headers;
    if (buf_append(b, name, nl) || buf_append(b, "", 1) || buf_append(b, value, vl) || buf_append(b, "", 1))
        return NGHTTP2_ERR_CALLBACK_FAILURE;
    return 0;
}

static void gt_debug(gt_conn *c, gt_call *k, const gt_debug_event *e) {
    if (c && c->debug) c->debug(k, e, c->debug_ud);
}

/* The connection counts as up on the server's first SETTINGS. */
static void gt_on_settings(h2s_conn *hc) {
    gt_conn *c = gt_conn_of(hc);
    if (c->up) return;
    c->up = true;
    if (c->connected) c->connected(c, 1, c->ud);
}

static void gt_on_headers(h2s_conn *hc, h2s_stream *st) {
    gt_conn *c = gt_conn_of(hc);
    gt_call *k = gt_call_of(st);
    /* trailers (or a Trailers-Only answer): grpc-go's InTrailer, when there is metadata */
    if ((st->cat == NGHTTP2_HCAT_HEADERS || st->end_stream) && k->trailers.len)
        gt_debug(c, k, &(gt_debug_event){.kind = GT_DBG_IN_TRAILER, .wire_len = st->hlen});
    if (st->cat != NGHTTP2_HCAT_RESPONSE) return;
    if (k->http_status != 200 || k->ctype != 1) {
        /* grpc-go's operateHeaders: an answer that is not gRPC's; the code
         * from the HTTP status (HTTPStatusConvTab), else Internal */
        char msg[300] = "";
        int code = GT_INTERNAL;
        if (k->http_status != 200) {
            switch (k->http_status) {
            case 400: code = GT_INTERNAL; break;
            case 401: code = 16; break; /* Unauthenticated */
            case 403: code = 7; break;  /* PermissionDenied */
            case 404: code = GT_UNIMPLEMENTED; break;
            case 429:
            case 502:
            case 503:
            case 504: code = GT_UNAVAILABLE; break;
            default: code = GT_UNKNOWN;
            }
            snprintf(msg, sizeof msg, "unexpected HTTP status code received from server: %d (%s)", k->http_status,
                     h2_status_text(k->http_status));
        }
        if (k->ctype != 1) {
            size_t l = strlen(msg);
            if (k->ctype == 0)
                snprintf(msg + l, sizeof msg - l, "%stransport: missing content-type field", l ? "; " : "");
            else
                snprintf(msg + l, sizeof msg - l, "%stransport: received unexpected content-type \"%s\"", l ? "; " : "",
                         k->ctype_v);
        }
        gt_set_status(k, code, msg);
        h2s_reset(hc, st, NGHTTP2_PROTOCOL_ERROR, false);
        return;
    }
    if (st->end_stream) return;
    k->got_headers = true;
    gt_debug(c, k, &(gt_debug_event){.kind = GT_DBG_IN_HEADER, .wire_len = st->hlen});
    if (k->ops && k->ops->on_headers) k->ops->on_headers(k, k->ud);
}

static uint32_t gt_be32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A message over the limit, or one that cannot be read: the call fails as
 * grpc-go's receiver makes it fail. */
static int gt_refuse(gt_call *k, int code, const char *fmt, ...) {
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    gt_set_status(k, code, msg);
    h2s_reset(&k->conn->h2, &k->st, NGHTTP2_CANCEL, false);
    return 0;
}

/* A message's prefix: its compressed flag against the response's
 * grpc-encoding (grpc-go's checkRecvPayload; the client offers gzip, the
 * one compressor registered in k6's binary) and its length against the
 * limit (recvMsg). -1 when the call was refused. */
static int gt_check_prefix(gt_call *k, const uint8_t *h) {
    uint32_t len = gt_be32(h + 1);
    if (h[0] > 1) gt_refuse(k, GT_INTERNAL, "grpc: received unexpected payload format %d", h[0]);
    else if (h[0] == 1 && k->enc == 0)
        gt_refuse(k, GT_INTERNAL, "grpc: compressed flag set with identity or empty encoding");
    else if (h[0] == 1 && k->enc == 2)
        gt_refuse(k, GT_INTERNAL, "grpc: Decompressor is not installed for grpc-encoding \"%s\"", k->enc_v);
    else if (len > k->max_recv)
        gt_refuse(k, GT_RESOURCE_EXHAUSTED, "grpc: received message larger than max (%u vs. %u)", len, k->max_recv);
    else return 0;
    return -1;
}

/* One whole message; a compressed one inflated first, within the limit */
static int gt_deliver(gt_call *k, uint8_t flag, const uint8_t *p, size_t n) {
    if (flag) {
        buf_clear(&k->dz);
        if (codec_decode(CODEC_GZIP, p, n, &k->dz, k->max_recv)) {
            bool over = k->dz.len == k->max_recv;
            buf_free(&k->dz); /* up to the receive limit: not kept */
            if (over)
                return gt_refuse(k, GT_RESOURCE_EXHAUSTED,
                                 "grpc: received message after decompression larger than max %u", k->max_recv);
            /* Go's compress/gzip names what it found wrong; zlib does not say as much */
            bool magic = n >= 2 && p[0] == 0x1f && p[1] == 0x8b;
            return gt_refuse(k, GT_INTERNAL, "grpc: failed to decompress the received message: %s",
                             magic ? "unexpected EOF" : "gzip: invalid header");
        }
    }
    if (k->conn && k->conn->debug)
        gt_debug(k->conn, k,
                 &(gt_debug_event){.kind = GT_DBG_IN_PAYLOAD,
                                   .msg = flag ? (const uint8_t *)k->dz.p : p,
                                   .len = flag ? k->dz.len : n,
                                   .wire_len = (uint32_t)n + 5});
    if (flag) {
        p = (const uint8_t *)k->dz.p;
        n = k->dz.len;
    }
    k->msgs_in++;
    if (k->ops && k->ops->on_message) k->ops->on_message(k, p, n, k->ud);
    if (flag && k->dz.cap > 256 * 1024) buf_free(&k->dz); /* a call keeps a small one only */
    return 0;
}

static int gt_on_data(h2s_conn *hc, h2s_stream *st, const uint8_t *p, size_t n) {
    (void)hc;
    gt_call *k = gt_call_of(st);
    if (k->has_status) return 0;
    while (n) {
        if (k->in.len == 0 && n >= 5) { /* whole messages straight from the chunk */
            uint32_t len = gt_be32(p + 1);
            if (gt_check_prefix(k, p)) return 0;
            if (n - 5 >= len) {
                gt_deliver(k, p[0], p + 5, len);
                if (k->has_status) return 0;
                p += 5 + len;
                n -= 5 + len;
                continue;
            }
        }
        /* a piece: gather the prefix, then the message */
        size_t want = 5;
        if (k->in.len >= 5) {
            uint32_t len = gt_be32((const uint8_t *)k->in.p + 1);
            want = 5 + (size_t)len;
        }
        size_t take = want - k->in.len < n ? want - k->in.len : n;
        if (buf_append(&k->in, p, take)) return NGHTTP2_ERR_CALLBACK_FAILURE;
        p += take;
        n -= take;
        if (k->in.len == 5) {
            const uint8_t *h = (const uint8_t *)k->in.p;
            uint32_t len = gt_be32(h + 1);
            if (gt_check_prefix(k, h)) return 0;
            if (buf_reserve(&k->in, len)) return NGHTTP2_ERR_CALLBACK_FAILURE;
            want = 5 + (size_t)len;
        }
        if (k->in.len >= 5 && k->in.len == 5 + (size_t)gt_be32((const uint8_t *)k->in.p + 1)) {
            gt_deliver(k, (uint8_t)k->in.p[0], (const uint8_t *)k->in.p + 5, k->in.len - 5);
            buf_clear(&k->in);
            if (k->has_status) return 0;
        }
    }
    return 0;
}

/* grpc-go's mapping of an HTTP/2 RST_STREAM code to a status */
static int gt_rst_code(uint32_t e) {
    switch (e) {
    case NGHTTP2_REFUSED_STREAM: return GT_UNAVAILABLE;
    case NGHTTP2_CANCEL: return GT_CANCELED;
    case NGHTTP2_ENHANCE_YOUR_CALM: return GT_RESOURCE_EXHAUSTED;
    case NGHTTP2_INADEQUATE_SECURITY: return 7; /* PermissionDenied */
    default: return GT_INTERNAL;
    }
}

static void gt_on_close(h2s_conn *hc, h2s_stream *st, uint32_t code) {
    (void)hc;
    gt_call *k = gt_call_of(st);
    if (st->fault == H2S_FAULT_HEADER_LIST && !k->has_status) /* grpc-go's operateHeaders on a truncated block */
        gt_set_status(k, GT_INTERNAL, "peer header list size exceeded limit");
    if (code != NGHTTP2_NO_ERROR && !k->has_status) {
        char msg[160];
        snprintf(msg, sizeof msg, "stream terminated by RST_STREAM with error code: %s", nghttp2_http2_strerror(code));
        gt_set_status(k, gt_rst_code(code), msg);
    }
    gt_call_end(k);
}

/* Go's framer fails a stream holding an invalid field (readMetaFrame:
 * headerFieldNameError for a name that is no lower-case token, else
 * headerFieldValueError), and grpc-go ends the call with Internal and that
 * text (http2_client.go's reader: the framer's ErrorDetail). */
static void gt_on_invalid(h2s_conn *hc, h2s_stream *st, const uint8_t *name, size_t nl) {
    (void)hc;
    gt_call *k = gt_call_of(st);
    if (k->has_status) return;
    bool token = nl > 0;
    for (size_t i = 0; i < nl && token; i++) {
        uint8_t ch = name[i];
        token = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || (ch && strchr("!#$%&'*+-.^_`|~", ch));
    }
    gt_set_status(k, GT_INTERNAL, token ? "invalid header field value for " : "invalid header field name ");
    log_quote(&k->message, (const char *)name, nl);
}

static const h2s_ops gt_ops = {
    .on_header = gt_on_header,
    .on_headers = gt_on_headers,
    .on_data = gt_on_data,
    .on_close = gt_on_close,
    .on_settings = gt_on_settings,
    .on_invalid = gt_on_invalid,
};

/* ---- bytes out ---- */

static void gt_on_write(uv_write_t *w, int status);

static int gt_write_start(gt_conn *c) {
    if (c->writing || c->dead) return 0;
    if (c->use_tls) {
        size_t n;
        c->wreq.data = c;
        int rc = tlsconn_push(c->tls, (uv_stream_t *)&c->tcp, &c->wfly, &c->wreq, gt_on_write, &n);
        c->bytes_sent += n;
        if (rc < 0) return rc;
        c->writing = rc > 0;
        return 0;
    }
    if (!c->wq.len) return 0;
    buf t = c->wfly; /* swap: the queue's room is reused for the next round */
    c->wfly = c->wq;
    c->wq = t;
    buf_clear(&c->wq);
    c->bytes_sent += c->wfly.len;
    uv_buf_t b = uv_buf_init(c->wfly.p, (unsigned)c->wfly.len);
    int w = uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
    if (w == UV_EAGAIN) w = 0;
    if (w < 0) return w;
    if ((size_t)w == c->wfly.len) return 0;
    b = uv_buf_init(c->wfly.p + w, (unsigned)(c->wfly.len - (size_t)w));
    c->wreq.data = c;
    int rc = uv_write(&c->wreq, (uv_stream_t *)&c->tcp, &b, 1, gt_on_write);
    if (rc) return rc;
    c->writing = true;
    return 0;
}

static void gt_on_write(uv_write_t *w, int status) {
    gt_conn *c = w->data;
    c->writing = false;
    if (c->dead) return;
    if (status < 0) {
        gt_fail(c, "connection error: desc = \"transport: write: %s\"", uv_strerror(status));
        return;
    }
    gt_flush(c);
}

/* The session's output to the wire (h2s_send: coalesced into TLS records,
 * or appended to wq for h2c). 0, or -1 when the connection failed. */
static int gt_flush(gt_conn *c) {
    if (c->dead || !c->h2.ng) return -1;
    if (c->in_recv) return 0; /* after mem_recv returns */
    int ngerr = 0;
    int rc = h2s_send(&c->h2, &c->wq, c->use_tls ? c->tls : NULL, &ngerr);
    if (rc == H2S_ERR_SESSION) {
        gt_fail(c, "connection error: desc = \"transport: %s\"", nghttp2_strerror(ngerr));
        return -1;
    }
    if (rc) {
        gt_fail(c, "connection error: desc = \"transport: out of memory\"");
        return -1;
    }
    rc = gt_write_start(c);
    if (rc) {
        gt_fail(c, "connection error: desc = \"transport: write: %s\"", uv_strerror(rc));
        return -1;
    }
    return 0;
}

/* ---- bytes in ---- */

static void gt_recv(gt_conn *c, const char *p, size_t n) {
    c->in_recv = true;
    if (!c->up && n >= 4 && !c->saw_first) {
        /* grpc-go reads the server's first frame itself: too long a frame,
         * or another than SETTINGS, is its "server preface" error */
        c->saw_first = true;
        uint32_t len = (uint32_t)(uint8_t)p[0] << 16 | (uint32_t)(uint8_t)p[1] << 8 | (uint8_t)p[2];
        if (len > 16384 || p[3] != 4) {
            c->in_recv = false;
            if (len > 16384)
                gt_fail(c, "%s", "connection error: desc = \"error reading server preface: http2: frame too large\"");
            else
                gt_fail(c, "%s",
                        "connection error: desc = \"initial http2 frame from server is not a settings frame\"");
            return;
        }
    }
    ssize_t rc = nghttp2_session_mem_recv(c->h2.ng, (const uint8_t *)p, n);
    c->in_recv = false;
    if (rc < 0) {
        gt_fail(c, "connection error: desc = \"transport: %s\"", nghttp2_strerror((int)rc));
        return;
    }
    if (!c->dead) gt_flush(c);
    if (!c->dead && !nghttp2_session_want_read(c->h2.ng) && !nghttp2_session_want_write(c->h2.ng))
        gt_fail(c, "%s", "error reading from server: EOF");
}

static void gt_on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b) {
    static __thread char rbuf[64 * 1024]; /* consumed at once by the read callback */
    (void)h;
    (void)hint;
    *b = uv_buf_init(rbuf, sizeof rbuf);
}

static int gt_tls_got(void *ud, const char *p, size_t n) {
    gt_conn *c = ud;
    gt_recv(c, p, n);
    return c->dead;
}

static void gt_session_start(gt_conn *c);

static void gt_tls_step(gt_conn *c) {
    int rc = tlsio_handshake(c->tls);
    if (rc == TLSIO_ERR) {
        char msg[256];
        /* k6's http texts are short for its error codes; grpc-go passes Go's own along */
        if (tlsio_error(c->tls, msg, sizeof msg) == 1310)
            snprintf(msg, sizeof msg,
                     "tls: failed to verify certificate: x509: certificate signed by unknown authority");
        gt_write_start(c);
        gt_fail(c, "connection error: desc = \"transport: authentication handshake failed: %s\"", msg);
        return;
    }
    if (gt_write_start(c)) {
        gt_fail(c, "%s", "connection error: desc = \"transport: write failed\"");
        return;
    }
    if (rc != TLSIO_OK) return;
    if (!tlsio_alpn_is(c->tls, "h2")) {
        /* grpc-go 1.67+: credentials: cannot check peer: missing selected ALPN property */
        gt_fail(c, "%s",
                "connection error: desc = \"transport: authentication handshake failed: credentials: cannot check "
                "peer: missing selected ALPN property\"");
        return;
    }
    gt_session_start(c);
}

static void gt_on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b) {
    gt_conn *c = s->data;
    if (n == 0 || c->dead) return;
    if (n < 0) {
        if (c->use_tls && !c->h2.ng)
            gt_fail(c, "connection error: desc = \"transport: authentication handshake failed: EOF\"");
        else if (!c->up) /* grpc-go's reader before the server's SETTINGS */
            gt_fail(c, "connection error: desc = \"error reading server preface: %s\"",
                    n == UV_EOF ? "EOF" : uv_strerror((int)n));
        else gt_fail(c, "%s", n == UV_EOF ? "error reading from server: EOF" : uv_strerror((int)n));
        return;
    }
    c->bytes_received += (uint64_t)n;
    if (!c->use_tls) {
        gt_recv(c, b->base, (size_t)n);
        return;
    }
    if (tlsio_feed(c->tls, b->base, (size_t)n)) {
        gt_fail(c, "%s", "connection error: desc = \"transport: out of memory\"");
        return;
    }
    if (!c->h2.ng) {
        gt_tls_step(c);
        if (!c->h2.ng || c->dead) return;
    }
    static __thread char plain[16 * 1024];
    int rc = tlsconn_pull(c->tls, plain, sizeof plain, gt_tls_got, c);
    if (rc == 1 || c->dead) return;
    if (rc == TLSIO_CLOSED) gt_fail(c, "%s", "error reading from server: EOF");
    else if (rc == TLSIO_ERR) {
        char msg[256];
        tlsio_error(c->tls, msg, sizeof msg);
        gt_fail(c, "%s", msg);
    } else gt_write_start(c);
}

/* The preface and our SETTINGS; the connection counts as up on the server's SETTINGS. */
static void gt_session_start(gt_conn *c) {
    if (h2s_open(&c->h2, &gt_ops, 16 << 20)) { /* grpc-go's defaultClientMaxHeaderListSize */
        gt_fail(c, "%s", "connection error: desc = \"transport: out of memory\"");
        return;
    }
    gt_flush(c);
}

static void gt_on_connect(uv_connect_t *req, int status) {
    gt_conn *c = req->data;
    if (status == UV_ECANCELED || c->dead) return;
    if (status == 0) status = uv_read_start((uv_stream_t *)&c->tcp, gt_on_alloc, gt_on_read);
    if (status < 0) {
        c->err_final = status != UV_ETIMEDOUT; /* Go's Errno.Temporary: timeouts only */
        char msg[160];
        dial_connect_error(msg, sizeof msg, c->remote_ip, c->port, status);
        gt_fail(c, "connection error: desc = \"transport: error while dialing: %s\"", msg);
        return;
    }
    if (!c->use_tls) {
        gt_session_start(c);
        return;
    }
    if (c->tls_ctx) c->tls = tlsio_new(c->tls_ctx, c->host, strlen(c->host), NULL);
    else {
        char msg[256];
        int code;
        c->tls = tlsconn_open(c->h1, c->host, strlen(c->host), NULL, 0, &code, msg, sizeof msg);
        if (!c->tls && code) {
            gt_fail(c, "%s", msg);
            return;
        }
    }
    if (!c->tls || tlsio_set_alpn(c->tls, (const unsigned char *)"\x02h2", 3)) {
        gt_fail(c, "%s", "connection error: desc = \"transport: out of memory\"");
        return;
    }
    gt_tls_step(c);
}

static void gt_dial(gt_conn *c, int family, const char *ip) {
    dialer_sa a;
    snprintf(c->remote_ip, sizeof c->remote_ip, "%s", ip);
    if (dial_addr(&a, family, ip, c->port)) {
        gt_fail(c, "connection error: desc = \"transport: error while dialing: dial tcp: bad address %s\"", ip);
        return;
    }
    /* k6's dialer refuses a blacklisted address after resolving it; the
     * error has no Temporary() method, which grpc-go's isTemporary counts as
     * temporary, so the blocking dial retries it until connect()'s timeout */
    char msg[200];
    if (dialer_refuse_ip(c->dialer, &a.sa, msg, sizeof msg)) {
        gt_fail(c, "connection error: desc = \"transport: error while dialing: %s\"", msg);
        return;
    }
    enum dial_stage at;
    int rc = dial_tcp(c->loop, &c->tcp, &c->creq, c, c->has_local ? &c->local.sa : NULL, &a.sa, gt_on_connect, &at);
    if (at == DIAL_AT_INIT) {
        gt_fail(c, "connection error: desc = \"transport: %s\"", uv_strerror(rc));
        return;
    }
    c->handles++;
    c->tcp_started = true;
    /* a client a script never closes must not keep the worker's loop alive
     * at exit (VU runtimes, and so their clients, are not freed then) */
    uv_unref((uv_handle_t *)&c->tcp);
    if (rc) gt_on_connect(&c->creq, rc);
}

static void gt_on_lookup(h1_lookup *l, void *ud) {
    gt_conn *c = ud;
    c->resolving = false;
    if (!l->ok) {
        c->err_final = true;
        gt_fail(c, "connection error: desc = \"transport: error while dialing: dial tcp: lookup %s: %s\"", c->host,
                l->why);
        return;
    }
    gt_dial(c, l->family, l->ip);
}

/* ---- the connection ---- */

static void gt_release(gt_conn *c) {
    buf_free(&c->wq);
    buf_free(&c->wfly);
    free(c->authority);
    free(c->user_agent);
    free(c);
}

static void gt_on_closed(uv_handle_t *h) {
    gt_conn *c = h->data;
    if (--c->handles > 0 || !c->freed) return;
    gt_release(c);
}

/* The connection is over: open calls end with UNAVAILABLE and its text. */
static void gt_fail(gt_conn *c, const char *fmt, ...) {
    if (c->dead) return;
    c->dead = true;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, sizeof c->err, fmt, ap);
    va_end(ap);
    if (c->tcp_started && !uv_is_closing((uv_handle_t *)&c->tcp)) uv_close((uv_handle_t *)&c->tcp, gt_on_closed);
    for (gt_call *k; (k = gt_first(c)) != NULL;) {
        if (!k->has_status) gt_set_status(k, GT_UNAVAILABLE, c->err);
        gt_call_end(k); /* unlinks it */
    }
    if (!c->up && c->connected) c->connected(c, 0, c->ud);
}

gt_conn *gt_conn_start(uv_loop_t *loop, h1_client *h1, const gt_conn_opts *o, gt_connected_fn connected, void *ud) {
    gt_conn *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->loop = loop;
    c->h1 = h1;
    c->connected = connected;
    c->ud = ud;
    c->use_tls = o->tls;
    c->tls_ctx = o->tls_ctx;
    c->port = o->port;
    c->max_send = o->max_send ? o->max_send : GT_DEFAULT_MAX_SEND;
    c->max_recv = o->max_recv ? o->max_recv : GT_DEFAULT_MAX_RECV;
    snprintf(c->host, sizeof c->host, "%s", o->host);
    char auth[300];
    if (o->authority && o->authority[0]) snprintf(auth, sizeof auth, "%s", o->authority);
    else if (strchr(o->host, ':')) snprintf(auth, sizeof auth, "[%s]:%d", o->host, o->port);
    else snprintf(auth, sizeof auth, "%s:%d", o->host, o->port);
    c->authority = strdup(auth);
    c->user_agent = strdup(o->user_agent ? o->user_agent : "");
    if (!c->authority || !c->user_agent) {
        free(c->authority);
        free(c->user_agent);
        free(c);
        return NULL;
    }
    c->dialer = o->dialer;
    if (o->local) {
        memcpy(&c->local, o->local, o->local->sa_family == AF_INET6 ? sizeof c->local.in6 : sizeof c->local.in4);
        c->has_local = true;
    }
    /* blockHostnames: refused before any lookup (k6's dialer); temporary to
     * grpc-go as above */
    char msg[400];
    if (dialer_refuse_host(c->dialer, c->host, strlen(c->host), msg, sizeof msg)) {
        gt_fail(c, "connection error: desc = \"transport: error while dialing: %s\"", msg);
        return c;
    }
    c->lk.done = gt_on_lookup;
    c->lk.ud = c;
    switch (dial_resolve(h1, c->host, c->port, false, &c->lk)) {
    case H1_LOOKUP_DONE: gt_dial(c, c->lk.family, c->lk.ip); break;
    case H1_LOOKUP_PENDING: c->resolving = true; break;
    case H1_LOOKUP_SKIP:
        c->err_final = true;
        gt_fail(c,
                "connection error: desc = \"transport: error while dialing: dial tcp: lookup %s: invalid host name\"",
                c->host);
        break;
    default:
        c->err_final = true;
        gt_fail(c, "connection error: desc = \"transport: error while dialing: dial tcp: lookup %s: %s\"", c->host,
                c->lk.why);
        break;
    }
    return c;
}

void gt_conn_close(gt_conn *c) {
    if (!c) return;
    c->connected = NULL;
    if (c->resolving) {
        h1_lookup_cancel(c->h1, &c->lk);
        c->resolving = false;
    }
    for (gt_call *k; (k = gt_first(c)) != NULL;) { /* on_close tells the owner (a stream's events wait in its queue) */
        gt_set_status(k, GT_CANCELED, "grpc: the client connection is closing");
        gt_call_end(k);
    }
    if (!c->dead) gt_fail(c, "%s", "grpc: the client connection is closing");
    h2s_close(&c->h2);
    if (c->tls) {
        tlsio_free(c->tls);
        c->tls = NULL;
    }
    c->freed = true;
    if (c->handles == 0) gt_release(c);
}

/* ---- calls on the connection ---- */

static void gt_nv(nghttp2_nv *nv, const char *name, size_t nl, const char *value, size_t vl) {
    nv->name = (uint8_t *)name;
    nv->namelen = nl;
    nv->value = (uint8_t *)value;
    nv->valuelen = vl;
    nv->flags = NGHTTP2_NV_FLAG_NONE;
}

/* A field whose name and value outlive the HEADERS frame (literals, the
 * connection's own strings): nghttp2 keeps pointers instead of copies. */
static void gt_nv_kept(nghttp2_nv *nv, const char *name, size_t nl, const char *value, size_t vl) {
    gt_nv(nv, name, nl, value, vl);
    nv->flags = NGHTTP2_NV_FLAG_NO_COPY_NAME | NGHTTP2_NV_FLAG_NO_COPY_VALUE;
}

/* grpc-timeout: at most 8 digits and a unit, as grpc-go's encodeTimeout */
static void gt_timeout_value(int64_t ms, char *out, size_t n) {
    if (ms <= 0) ms = 1;
    if (ms < 100000000) snprintf(out, n, "%lldm", (long long)ms);
    else if (ms / 1000 < 100000000) snprintf(out, n, "%lldS", (long long)(ms / 1000));
    else snprintf(out, n, "%lldM", (long long)(ms / 60000 < 99999999 ? ms / 60000 : 99999999));
}

#define GT_MAX_MD 64

int gt_call_start(gt_conn *c, gt_call *k, const char *path, const char *const *md, const size_t *mdlen, size_t n,
                  int64_t timeout_ms, const gt_call_ops *ops, void *ud) {
    k->ops = ops;
    k->ud = ud;
    k->status = 0;
    k->has_status = k->closed = k->got_headers = false;
    k->msgs_in = k->msgs_out = 0;
    k->http_status = k->ctype = k->enc = 0;
    k->max_recv = c->max_recv;
    buf_clear(&k->message);
    buf_clear(&k->headers);
    buf_clear(&k->trailers);
    buf_clear(&k->in);
    buf_clear(&k->out);
    k->conn = NULL;
    k->st.body = NULL;
    k->st.body_len = 0;
    k->st.body_end = false;
    if (c->dead || !c->h2.ng) {
        gt_set_status(k, GT_UNAVAILABLE, c->err[0] ? c->err : "grpc: the client connection is closing");
        buf_append(&k->message, "", 1);
        k->message.len--;
        k->closed = true;
        return -1;
    }
    if (n > GT_MAX_MD) n = GT_MAX_MD;
    nghttp2_nv nv[9 + GT_MAX_MD];
    size_t nn = 0;
    char tmo[24];
    gt_nv_kept(&nv[nn++], ":method", 7, "POST", 4);
    gt_nv_kept(&nv[nn++], ":scheme", 7, c->use_tls ? "https" : "http", c->use_tls ? 5 : 4);
    gt_nv(&nv[nn++], ":path", 5, path, strlen(path));
    gt_nv_kept(&nv[nn++], ":authority", 10, c->authority, strlen(c->authority));
    gt_nv_kept(&nv[nn++], "content-type", 12, "application/grpc", 16);
    gt_nv_kept(&nv[nn++], "user-agent", 10, c->user_agent, strlen(c->user_agent));
    gt_nv_kept(&nv[nn++], "te", 2, "trailers", 8);
    /* grpc-go offers its registered compressors: in k6's binary gzip (the
     * OTLP gRPC exporter imports grpc/encoding/gzip); k6 sends uncompressed */
    gt_nv_kept(&nv[nn++], "grpc-accept-encoding", 20, "gzip", 4);
    if (timeout_ms > 0) {
        gt_timeout_value(timeout_ms, tmo, sizeof tmo);
        gt_nv(&nv[nn++], "grpc-timeout", 12, tmo, strlen(tmo));
    }
    /* -bin values go base64 (unpadded, as grpc-go sends them): in k->in, reused once the call runs */
    size_t offs[GT_MAX_MD];
    for (size_t i = 0; i < n; i++) {
        size_t nl = strlen(md[2 * i]);
        offs[i] = SIZE_MAX;
        if (nl > 4 && memcmp(md[2 * i] + nl - 4, "-bin", 4) == 0) {
            size_t el = b64_encoded_len(mdlen[i], B64_RAWSTD);
            offs[i] = k->in.len;
            if (buf_reserve(&k->in, el + 1)) return -1;
            k->in.len += b64_encode((const uint8_t *)md[2 * i + 1], mdlen[i], B64_RAWSTD, k->in.p + k->in.len);
            k->in.len++; /* room for the NUL */
        }
    }
    for (size_t i = 0; i < n; i++) {
        const char *v = offs[i] == SIZE_MAX ? md[2 * i + 1] : k->in.p + offs[i];
        size_t vl = offs[i] == SIZE_MAX ? mdlen[i] : strlen(v);
        gt_nv(&nv[nn++], md[2 * i], strlen(md[2 * i]), v, vl);
    }
    int32_t sid = h2s_submit(&c->h2, &k->st, nv, nn, true); /* the body waits for the first send */
    buf_clear(&k->in);
    if (sid < 0) {
        gt_set_status(k, GT_UNAVAILABLE, nghttp2_strerror(sid));
        buf_append(&k->message, "", 1);
        k->message.len--;
        k->closed = true;
        return -1;
    }
    k->conn = c;
    h2s_link(&c->h2, &k->st);
    gt_debug(c, k, &(gt_debug_event){.kind = GT_DBG_OUT_HEADER, .path = path, .md = md, .mdlen = mdlen, .nmd = n});
    return 0; /* the HEADERS go out with the first send, or gt_call_flush */
}

void gt_call_flush(gt_call *k) {
    if (k->conn) gt_flush(k->conn);
}

/* The session sees out as it is now, end: the client's half closes after it. */
static void gt_call_kick(gt_call *k, bool end) {
    gt_conn *c = k->conn;
    if (!c || !c->h2.ng) return;
    h2s_body_more(&c->h2, &k->st, k->out.p, k->out.len, end);
    gt_flush(c);
}

int gt_call_send(gt_call *k, const uint8_t *p, size_t n, bool last) {
    gt_conn *c = k->conn;
    if (!c || k->closed || k->st.body_end) return -1;
    if (n > c->max_send) {
        char msg[160];
        snprintf(msg, sizeof msg, "grpc: trying to send message larger than max (%zu vs. %u)", n, c->max_send);
        gt_set_status(k, GT_RESOURCE_EXHAUSTED, msg);
        return -1;
    }
    if (k->st.body_off == k->out.len) { /* all sent: the buffer's room is reused */
        buf_clear(&k->out);
        k->st.body_off = 0;
    }
    uint8_t h[5] = {0, (uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n};
    if (buf_append(&k->out, h, 5) || buf_append(&k->out, p, n)) return -1;
    gt_debug(c, k, &(gt_debug_event){.kind = GT_DBG_OUT_PAYLOAD, .msg = p, .len = n, .wire_len = (uint32_t)n + 5});
    k->msgs_out++;
    gt_call_kick(k, last); /* a unary call's HEADERS, message and END_STREAM: one write */
    return 0;
}

void gt_call_close_send(gt_call *k) {
    if (!k->conn || k->st.body_end) return;
    gt_call_kick(k, true);
}

void gt_call_cancel(gt_call *k, int code, const char *msg) {
    gt_conn *c = k->conn;
    if (k->closed) return;
    k->ops = NULL;
    gt_set_status(k, code, msg);
    if (c) h2s_reset(&c->h2, &k->st, NGHTTP2_CANCEL, true);
    gt_call_end(k);
    if (c) gt_flush(c);
}

int gt_bin_decode(const char *v, size_t n, buf *out) {
    buf_clear(out);
    while (n && v[n - 1] == '=') n--;
    if (buf_reserve(out, b64_decoded_max(n) + 1)) return -1;
    size_t bad;
    ssize_t r = b64_decode(v, n, B64_RAWSTD, (uint8_t *)out->p, &bad);
    if (r < 0) return -1;
    out->len = (size_t)r;
    return 0;
}
