/* HTTP/2 on the client's TLS connections (nghttp2). */
#include "net/client_int.h"

#include <stdio.h>
#include <stdlib.h>
#include "net/h2session.h"
#include "net/ntlm.h"
#include "util/clock.h"
#include "util/codec.h"

/* ---- https over HTTP/2 (nghttp2) ----
 *
 * When ALPN settles on h2 the connection carries an HTTP/2 session of the
 * layer k6/net/grpc shares (net/h2session.h: its nghttp2 callbacks call
 * h2_ops below) and every request is a stream on it. The session's output
 * goes through the TLS session (h2_flush); plaintext from TLS goes into
 * the session (h2_on_read). The stream ops only record: a stream that ended
 * well waits in c->h2done and is delivered once the session has returned
 * (h2_deliver), so a done callback that starts the next request never
 * re-enters the session. Failures take the deferred path as on h1.
 *
 * A host known to speak h2 gets one connection per vu (and owner): the
 * vu's next requests, and the rest of an http.batch while the first one
 * still dials, join it as streams (k->queue until the handshake ends). */

#define H2_RETRIES 1 /* a refused stream is sent once more, as Go's first retry */

/* Go's http.StatusText, which its HTTP/2 transport puts in Status (and
 * grpc-go in its "unexpected HTTP status code" error). */
const char *h2_status_text(int code) {
    switch (code) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 203: return "Non-Authoritative Information";
    case 204: return "No Content";
    case 205: return "Reset Content";
    case 206: return "Partial Content";
    case 207: return "Multi-Status";
    case 208: return "Already Reported";
    case 226: return "IM Used";
    case 300: return "Multiple Choices";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 305: return "Use Proxy";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 402: return "Payment Required";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 407: return "Proxy Authentication Required";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Request Entity Too Large";
    case 414: return "Request URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Requested Range Not Satisfiable";
    case 417: return "Expectation Failed";
    case 418: return "I'm a teapot";
    case 421: return "Misdirected Request";
    case 422: return "Unprocessable Entity";
    case 423: return "Locked";
    case 424: return "Failed Dependency";
    case 425: return "Too Early";
    case 426: return "Upgrade Required";
    case 428: return "Precondition Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 451: return "Unavailable For Legal Reasons";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    case 506: return "Variant Also Negotiates";
    case 507: return "Insufficient Storage";
    case 508: return "Loop Detected";
    case 510: return "Not Extended";
    case 511: return "Network Authentication Required";
    default: return "";
    }
}

static h1_conn *h2_conn_of(h2s_conn *hc) { return h2s_container_of(hc, h1_conn, h2); }
static h1_request *h2_req_of(h2s_stream *st) { return h2s_container_of(st, h1_request, h2s_); }

static void h2_stream_link(h1_conn *k, h1_request *r) {
    h2s_link(&k->h2, &r->h2s_);
    r->wire_in_ += k->carry_in; /* bytes that came while nothing was in flight */
    r->bytes_sent += k->carry_out;
    k->carry_in = k->carry_out = 0;
}

void h2_stream_unlink(h1_conn *k, h1_request *r) {
    h2s_unlink(&k->h2, &r->h2s_);
    r->conn_ = NULL;
}

void h2_list_add(h1_conn *k) {
    h1_host *h = k->host;
    k->hprev = NULL;
    k->hnext = h->h2conns;
    if (h->h2conns) h->h2conns->hprev = k;
    h->h2conns = k;
    k->in_h2list = 1;
}

static void h2_list_remove(h1_conn *k) {
    if (!k->in_h2list) return;
    if (k->hprev) k->hprev->hnext = k->hnext;
    else k->host->h2conns = k->hnext;
    if (k->hnext) k->hnext->hprev = k->hprev;
    k->hprev = k->hnext = NULL;
    k->in_h2list = 0;
}

/* ---- the streams' events (net/h2session.h calls them) ---- */

static void h2_on_begin(h2s_conn *hc, h2s_stream *st) {
    (void)hc;
    h1_request *r = h2_req_of(st);
    if (!r->t_first_) r->t_first_ = clock_now_us();
    if (r->h2hdr_ == H2H_DONE) return; /* trailers: Go keeps them apart, as Response.Trailer */
    buf_clear(r->resp_headers);
    r->h2hdr_ = H2H_FINAL;
}

static int h2_on_header(h2s_conn *hc, h2s_stream *st, const uint8_t *name, size_t nl, const uint8_t *value, size_t vl) {
    h1_request *r = h2_req_of(st);
    if (r->h2hdr_ != H2H_FINAL) return 0;
    buf *b = r->resp_headers;
    if (nl == 7 && !memcmp(name, ":status", 7)) {
        int code = 0;
        for (size_t i = 0; i < vl && i < 3; i++) code = code * 10 + (value[i] - '0');
        if (code >= 100 && code < 200) {
            r->h2hdr_ = H2H_INFO;
            return 0;
        } /* 1xx: skipped, as Go does; a status under 100 ("051") is a final
             answer to Go's transport and to nghttp2, which then takes the
             next block for trailers */
        char line[80];
        int n = snprintf(line, sizeof line, "HTTP/2.0 %d %s\r\n", code, h2_status_text(code));
        r->status = code;
        buf_append(b, line, (size_t)n);
        return 0;
    }
    if (nl && name[0] == ':') return 0;
    if (buf_reserve(b, nl + vl + 4)) return 0;
    char *o = http1_put(http1_put(http1_put(b->p + b->len, (const char *)name, nl), ": ", 2), (const char *)value, vl);
    o = http1_put(o, "\r\n", 2);
    b->len = (size_t)(o - b->p);
    b->p[b->len] = 0;
    if (nl == 16 && !memcmp(name, "content-encoding", 16) && !r->dec_ready_ && r->resp_body) {
        codec_chain_parse(&r->dec_, (const char *)value, vl, &h2_conn_of(hc)->c->zpool); /* the first (Header.Get) */
        r->dec_ready_ = 1;
    }
    return 0;
}

static void h2_on_headers(h2s_conn *hc, h2s_stream *st) {
    (void)hc;
    h1_request *r = h2_req_of(st);
    if (r->h2hdr_ == H2H_FINAL) {
        buf_append(r->resp_headers, "\r\n", 2);
        r->h2hdr_ = H2H_DONE;
        r->dec_ready_ = 1; /* no Content-Encoding: identity */
    } else if (r->h2hdr_ == H2H_INFO) {
        r->h2hdr_ = H2H_NONE;
    }
}

/* DATA: dropped, or into body.c; a body past the limit resets the stream
 * (CANCEL, as a client that stops reading) and fails at its close. The
 * session's flow control goes on (nghttp2 gives the window back as the
 * bytes are handed over), so a discarded flood costs no memory. */
static int h2_on_data(h2s_conn *hc, h2s_stream *st, const uint8_t *p, size_t n) {
    h1_request *r = h2_req_of(st);
    if (!r->resp_body || r->body_fail_ || r->h2hdr_ != H2H_DONE) return 0;
    if (client_body_in(h2_conn_of(hc)->c, r, (const char *)p, n)) h2s_reset(hc, st, NGHTTP2_CANCEL, false);
    return 0;
}

static void h2_on_sent(h2s_conn *hc, h2s_stream *st) {
    (void)hc;
    h1_request *r = h2_req_of(st);
    if (!r->t_sent_) r->t_sent_ = clock_now_us();
}

/* A stream ended well: decoded, timed, queued for h2_deliver. */
static void h2_success(h1_conn *k, h1_request *r, int64_t now) {
    h1_client *c = k->c;
    const char *chal;
    size_t cl;
    if (r->ntlm_user && r->status == 401 && ntlm_challenge(r->resp_headers->p, r->resp_headers->len, &chal, &cl)) {
        /* NTLM authenticates a connection, not a stream: the request starts
         * again on an HTTP/1.1 connection (libcurl's "Forcing HTTP/1.1 for NTLM") */
        r->ntlm_h11_ = 1;
        r->ntlm_step_ = 0;
        h1_parser_init(&r->parser_, r->resp_headers, r->parser_.no_body, http1_on_body, r);
        client_req_redo(c, r);
        return;
    }
    client_body_end(c, r); /* a body that did not decode: H1_ERR_BODY */
    memcpy(r->proto, "HTTP/2.0", 9);
    r->tls = k->tinfo;
    req_set_timings(r, now);
    r->state_ = RQ_DEFERRED;
    r->next_ = c->h2done;
    c->h2done = r;
}

/* Why a stream that did not end well failed, in k6's terms. */
static void h2_stream_failed(h1_conn *k, h1_request *r, uint32_t code, enum h1_error e, int uverr, const char *msg) {
    h1_client *c = k->c;
    const h2s_conn *hc = &k->h2;
    if (hc->goaway && hc->goaway_code == NGHTTP2_NO_ERROR && r->h2s_.sid > hc->goaway_last &&
        r->retried_ < H2_RETRIES) {
        r->retried_++; /* a graceful GOAWAY before the stream: it never ran */
        client_req_redo(c, r);
    } else if (hc->goaway && hc->goaway_code != NGHTTP2_NO_ERROR) {
        r->h2_code = hc->goaway_code;
        client_req_fail(c, r, H1_ERR_H2_GOAWAY, 0, "http2: received GoAway with code %u", hc->goaway_code);
    } else if (code == NGHTTP2_REFUSED_STREAM && r->retried_ < H2_RETRIES) {
        r->retried_++;
        client_req_redo(c, r);
    } else if (code != NGHTTP2_NO_ERROR) {
        r->h2_code = code;
        client_req_fail(c, r, H1_ERR_H2_STREAM, 0, "http2: stream error with code %u", code);
    } else {
        if (r->tls_code == 0 && e == H1_ERR_TLS) r->tls_code = 1000;
        client_req_fail(c, r, e, uverr, "%s", msg);
    }
}

static void h2_on_close(h2s_conn *hc, h2s_stream *st, uint32_t code) {
    h1_conn *k = h2_conn_of(hc);
    h1_request *r = h2_req_of(st);
    h2_stream_unlink(k, r);
    if (r->body_fail_) { /* reset by h2_on_data: too large, or no memory */
        char msg[sizeof r->errmsg];
        client_body_fail_text(k->c, r, msg, sizeof msg);
        client_req_fail(k->c, r, r->body_fail_, r->body_fail_ == H1_ERR_OTHER ? UV_ENOMEM : 0, "%s", msg);
    } else if (code == NGHTTP2_NO_ERROR && r->h2hdr_ == H2H_DONE) h2_success(k, r, clock_now_us());
    else h2_stream_failed(k, r, code, H1_ERR_EOF, 0, "http2: stream closed without a response");
}

static const h2s_ops h2_ops = {
    .on_begin = h2_on_begin,
    .on_header = h2_on_header,
    .on_headers = h2_on_headers,
    .on_data = h2_on_data,
    .on_sent = h2_on_sent,
    .on_close = h2_on_close,
};

/* Go's net/http transport settings (h2s_open), a 10 MB header list. */
static int h2_begin(h1_conn *k) { return h2s_open(&k->h2, &h2_ops, H1_MAX_HEADER_BYTES); }

/* Headers HTTP/2 forbids or carries otherwise (Host is :authority). */
static int h2_skip_header(const char *n, size_t len) {
    switch (len) {
    case 4: return ci_prefix(n, "host", 4);
    case 7: return ci_prefix(n, "upgrade", 7);
    case 10: return ci_prefix(n, "connection", 10) || ci_prefix(n, "keep-alive", 10);
    case 16: return ci_prefix(n, "proxy-connection", 16);
    case 17: return ci_prefix(n, "transfer-encoding", 17);
    default: return 0;
    }
}

static void h2_nv_set(nghttp2_nv *nv, const char *name, size_t nl, const char *value, size_t vl) {
    nv->name = (uint8_t *)name;
    nv->namelen = nl;
    nv->value = (uint8_t *)value;
    nv->valuelen = vl;
    nv->flags = NGHTTP2_NV_FLAG_NONE;
}

/* The request's HEADERS (and DATA) into the session; the names and values
 * are built in the scratch buffer, which nghttp2 copies. Returns the
 * stream id or a negative nghttp2 error. */
static int32_t h2_submit(h1_conn *k, h1_request *r) {
    h1_client *c = k->c;
    const h1_host *h = r->host_;
    size_t need = 3 * r->path_len_ + 32, nmax = r->nheaders + 7;
    for (size_t i = 0; i < r->nheaders; i++) need += strlen(r->headers[i]);
    if (buf_reserve(&c->wbuf, need)) return NGHTTP2_ERR_NOMEM;
    if (nmax > c->nvcap) {
        nghttp2_nv *nv = realloc(c->nv, nmax * sizeof *nv);
        if (!nv) return NGHTTP2_ERR_NOMEM;
        c->nv = nv;
        c->nvcap = nmax;
    }
    nghttp2_nv *nv = c->nv;
    char *o = c->wbuf.p, *s;
    size_t n = 4;
    int ua = r->user_agent != NULL && r->user_agent[0]; /* "": none, as Go's http2 encodeHeaders */
    h2_nv_set(&nv[0], ":method", 7, r->method, strlen(r->method));
    h2_nv_set(&nv[1], ":scheme", 7, "https", 5);
    h2_nv_set(&nv[2], ":authority", 10, h->authority, h->authlen);
    o = http1_put_path(s = o, r);
    h2_nv_set(&nv[3], ":path", 5, s, (size_t)(o - s));
    for (size_t i = 0; i < r->nheaders; i++) {
        const char *hd = r->headers[i], *colon = strchr(hd, ':');
        if (!colon || colon == hd) continue;
        size_t nl = (size_t)(colon - hd);
        const char *v = colon + 1, *ve = v + strlen(v);
        while (*v == ' ' || *v == '\t') v++;
        while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t')) ve--;
        if (nl == 4 && ci_prefix(hd, "host", 4)) {
            h2_nv_set(&nv[2], ":authority", 10, v, (size_t)(ve - v));
            continue;
        }
        if (h2_skip_header(hd, nl)) continue;
        if (nl == 10 && ci_prefix(hd, "user-agent", 10)) {
            ua = 0;
            if (!colon[1] || (colon[1] == ' ' && !colon[2])) continue; /* a script's "": none either */
        }
        s = o;
        for (size_t j = 0; j < nl; j++) {
            char ch = hd[j];
            *o++ = ch >= 'A' && ch <= 'Z' ? (char)(ch | 0x20) : ch;
        }
        h2_nv_set(&nv[n++], s, nl, v, (size_t)(ve - v));
    }
    if (ua) h2_nv_set(&nv[n++], "user-agent", 10, r->user_agent, strlen(r->user_agent));
    if (r->ntlm_step_ == 1) { /* the negotiate message, after "Authorization: " */
        static const size_t pre = sizeof "Authorization: " - 1;
        h2_nv_set(&nv[n++], "authorization", 13, ntlm_negotiate_line + pre, strlen(ntlm_negotiate_line) - pre);
    }
    if (r->has_body) {
        o = http1_put_u64(s = o, r->body_len);
        h2_nv_set(&nv[n++], "content-length", 14, s, (size_t)(o - s));
    }
    r->h2s_.body = r->body;
    r->h2s_.body_len = r->body_len;
    r->h2s_.body_end = true;
    return h2s_submit(&k->h2, &r->h2s_, nv, n, r->has_body && r->body_len);
}

/* r becomes a stream of k's session (sent by the next h2_flush). */
static void h2_start_stream(h1_conn *k, h1_request *r, int64_t now) {
    r->conn_ = k;
    memcpy(r->remote_ip, k->ip, sizeof r->remote_ip);
    r->remote_port = k->port;
    if (!r->t_ready_) r->t_ready_ = now;
    h2_stream_link(k, r);
    int32_t sid = h2_submit(k, r);
    if (sid < 0) {
        h2_stream_unlink(k, r);
        client_req_fail(k->c, r, H1_ERR_OTHER, 0, "http2: %s", nghttp2_strerror(sid));
        return;
    }
    client_arm_timer(k, r, now);
}

/* The session's output, coalesced into few TLS records (h2s_send, through
 * the client's scratch buffer). Returns 0, or -1 when k failed. */
static int h2_flush(h1_conn *k) {
    int ngerr = 0;
    switch (h2s_send(&k->h2, &k->c->wbuf, k->tls, &ngerr)) {
    case H2S_OK: break;
    case H2S_ERR_SESSION: h2_lost(k, H1_ERR_H2_CONN, 0, nghttp2_strerror(ngerr), 0); return -1;
    case H2S_ERR_PUT: {
        char msg[256];
        int code = tlsio_error(k->tls, msg, sizeof msg);
        h2_lost(k, H1_ERR_TLS, 0, msg, code);
        return -1;
    }
    default: h2_lost(k, H1_ERR_OTHER, UV_ENOMEM, "out of memory", 0); return -1;
    }
    return tlsconn_flush(k) < 0 ? -1 : 0;
}

/* Streams that ended well in the last session turn: their done callbacks. */
static void h2_deliver(h1_client *c) {
    h1_request *r;
    while ((r = c->h2done) != NULL) {
        c->h2done = r->next_;
        r->state_ = RQ_IDLE;
        r->done(r, r->ud);
    }
}

/* k is gone (read/write error, EOF, TLS or framing error): every stream
 * fails, or is retried where it never ran. */
void h2_lost(h1_conn *k, enum h1_error e, int uverr, const char *msg, int tls_code) {
    h1_request *r;
    if (k->state == CK_CLOSING) return;
    while ((r = h2_first(k)) != NULL) {
        h2_stream_unlink(k, r);
        if (e == H1_ERR_TLS) r->tls_code = tls_code;
        h2_stream_failed(k, r, NGHTTP2_NO_ERROR, e, uverr, msg);
    }
    client_conn_close(k);
}

/* Closes k when it can serve nothing more: a GOAWAY, a connection made for
 * one request, a session that ended. */
static void h2_settle(h1_conn *k) {
    if (k->state == CK_CLOSING || k->h2.nstreams) return;
    if (k->h2.goaway || k->no_reuse || k->unusable ||
        (!nghttp2_session_want_read(k->h2.ng) && !nghttp2_session_want_write(k->h2.ng)))
        client_conn_close(k);
}

void h2_on_read(h1_conn *k, ssize_t n, const char *p) {
    h1_client *c = k->c;
    if (n < 0) {
        if (n == UV_EOF) h2_lost(k, H1_ERR_EOF, 0, "http2: client connection lost", 0);
        else h2_lost(k, n == UV_ECONNRESET ? H1_ERR_RESET : H1_ERR_OTHER, (int)n, uv_strerror((int)n), 0);
        h2_deliver(c);
        return;
    }
    tlsconn_count_in(k, (size_t)n);
    if (tlsio_feed(k->tls, p, (size_t)n)) {
        h2_lost(k, H1_ERR_OTHER, UV_ENOMEM, "out of memory", 0);
        goto out;
    }
    for (;;) {
        int m = tlsio_read(k->tls, c->rbuf, READ_BUF_SIZE);
        if (m == TLSIO_AGAIN) break;
        if (m == TLSIO_CLOSED) {
            h2_lost(k, H1_ERR_EOF, 0, "http2: client connection lost", 0);
            goto out;
        }
        if (m == TLSIO_ERR) {
            char msg[256];
            int code = tlsio_error(k->tls, msg, sizeof msg);
            h2_lost(k, H1_ERR_TLS, 0, msg, code);
            goto out;
        }
        ssize_t rv = nghttp2_session_mem_recv(k->h2.ng, (const uint8_t *)c->rbuf, (size_t)m);
        if (rv < 0) {
            char msg[200];
            snprintf(msg, sizeof msg, "http2: connection error: %s", nghttp2_strerror((int)rv));
            h2_lost(k, H1_ERR_H2_CONN, 0, msg, 0);
            goto out;
        }
    }
    if (h2_flush(k) == 0) {
        if (!nghttp2_session_want_read(k->h2.ng) && k->h2.nstreams) /* the session ended (a protocol error) */
            h2_lost(k, H1_ERR_H2_CONN, 0, "http2: connection error: the session was terminated", 0);
        else h2_settle(k);
    }
out:
    h2_deliver(c);
}

/* The handshake chose h2: the session starts with the request that dialed
 * and those that queued behind it. */
void h2_ready(h1_conn *k) {
    h1_request *r = k->r, *q;
    h1_host *h = k->host;
    memcpy(k->ip, r->remote_ip, sizeof k->ip);
    k->port = r->remote_port;
    if (h2_begin(k)) {
        client_conn_fail(k, H1_ERR_OTHER, UV_ENOMEM, "%s", "out of memory");
        return;
    }
    h->h2 = 1;
    k->state = CK_H2;
    k->r = NULL;
    if (!k->no_reuse && !k->in_h2list) h2_list_add(k);
    int64_t now = clock_now_us();
    r->t_ready_ = now;
    h2_start_stream(k, r, now);
    while ((q = k->queue) != NULL) {
        k->queue = q->snext_;
        q->snext_ = NULL;
        h2_start_stream(k, q, now);
    }
    if (h2_flush(k) == 0) h2_settle(k);
}

/* k6's VU transports do not share: a connection serves one vu (and owner). */
h1_conn *h2_pick(h1_host *h, const h1_request *r) {
    for (h1_conn *k = h->h2conns; k; k = k->hnext) {
        if (k->vu != r->vu || k->owner != r->owner || k->h2.goaway || k->unusable || k->state == CK_CLOSING) continue;
        if (k->h2.ng && (uint32_t)k->h2.nstreams >=
                            nghttp2_session_get_remote_settings(k->h2.ng, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS))
            continue;
        return k;
    }
    return NULL;
}

/* r joins k: a stream now, or after the handshake. */
void h2_join(h1_conn *k, h1_request *r, int64_t now) {
    if (k->h2.ng) {
        r->t_ready_ = now;
        h2_start_stream(k, r, now);
        if (h2_flush(k) == 0) h2_settle(k);
        return;
    }
    r->conn_ = k;
    r->snext_ = NULL;
    h1_request **pp = &k->queue;
    while (*pp) pp = &(*pp)->snext_;
    *pp = r;
}

/* A request leaves k's queue or session (h1_cancel). */
void h2_drop(h1_conn *k, h1_request *r) {
    if (!k->h2.ng) {
        for (h1_request **pp = &k->queue; *pp; pp = &(*pp)->snext_)
            if (*pp == r) {
                *pp = r->snext_;
                break;
            }
        r->snext_ = NULL;
        r->conn_ = NULL;
        return;
    }
    h2s_reset(&k->h2, &r->h2s_, NGHTTP2_CANCEL, true);
    h2_stream_unlink(k, r);
    if (h2_flush(k) == 0) h2_settle(k);
}

/* The connection's timer: streams past their deadline are reset and fail. */
void h2_on_timer(h1_conn *k) {
    int64_t now = clock_now_us();
    h1_request *r = h2_first(k), *next, *first = NULL;
    for (; r; r = next) {
        next = r->h2s_.next ? h2_req_of(r->h2s_.next) : NULL;
        if (now < r->deadline_us_) {
            if (!first || r->deadline_us_ < first->deadline_us_) first = r;
            continue;
        }
        h2s_reset(&k->h2, &r->h2s_, NGHTTP2_CANCEL, true);
        h2_stream_unlink(k, r);
        client_req_fail(k->c, r, H1_ERR_TIMEOUT, 0, "%s", "request timeout");
    }
    if (first) client_arm_timer(k, first, now);
    if (h2_flush(k) == 0) h2_settle(k);
}

/* conn_close's part for h2: the session goes, queued requests dial again. */
void h2_close(h1_conn *k) {
    h1_request *r;
    h2_list_remove(k);
    if (!k->c->freeing) h2_requeue(k);
    while ((r = h2_first(k)) != NULL) { /* none normally: h2_lost and h2_drop took them */
        h2_stream_unlink(k, r);
        client_req_fail(k->c, r, H1_ERR_OTHER, 0, "%s", "http2: client connection lost");
    }
    h2s_close(&k->h2);
}

/* Requests queued on k for an h2 handshake that will not serve them (it
 * failed, or the server chose HTTP/1.1): each is dispatched again. */
void h2_requeue(h1_conn *k) {
    h1_request *q;
    h2_list_remove(k);
    while ((q = k->queue) != NULL) {
        k->queue = q->snext_;
        q->snext_ = NULL;
        client_req_redo(k->c, q);
    }
}
