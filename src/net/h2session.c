/* The HTTP/2 client layer shared by k6/http and k6/net/grpc (see
 * h2session.h): one set of nghttp2 callbacks for every session of the
 * process, each turning a frame event into the stream's (or the
 * connection's) h2s_ops call. */
#include "net/h2session.h"

#include <pthread.h>
#include <string.h>

#define H2S_COALESCE 65536

static h2s_stream *h2s_stream_of(nghttp2_session *s, int32_t sid) {
    return sid ? nghttp2_session_get_stream_user_data(s, sid) : NULL;
}

static int h2s_on_begin_headers(nghttp2_session *s, const nghttp2_frame *f, void *ud) {
    h2s_conn *hc = ud;
    if (f->hd.type != NGHTTP2_HEADERS) return 0;
    h2s_stream *st = h2s_stream_of(s, f->hd.stream_id);
    hc->hdr_st = st;
    hc->hdr_sid = f->hd.stream_id;
    if (!st) return 0;
    st->hsize = 0;
    st->cat = (uint8_t)f->headers.cat;
    st->end_stream = (f->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
    if (hc->ops->on_begin) hc->ops->on_begin(hc, st);
    return 0;
}

static int h2s_on_header(nghttp2_session *s, const nghttp2_frame *f, const uint8_t *name, size_t nl,
                         const uint8_t *value, size_t vl, uint8_t flags, void *ud) {
    (void)flags;
    h2s_conn *hc = ud;
    if (f->hd.type != NGHTTP2_HEADERS) return 0;
    h2s_stream *st = f->hd.stream_id == hc->hdr_sid ? hc->hdr_st : h2s_stream_of(s, f->hd.stream_id);
    if (!st) return 0;
    /* Go's framer reads a header block up to its MaxHeaderListSize, each
     * field counting name + value + 32, and fails the stream beyond it
     * (a PROTOCOL_ERROR stream error): no HPACK-amplified block grows
     * without bound */
    st->hsize += nl + vl + 32;
    if (st->hsize > hc->max_header_list) {
        st->fault = H2S_FAULT_HEADER_LIST;
        nghttp2_submit_rst_stream(s, NGHTTP2_FLAG_NONE, f->hd.stream_id, NGHTTP2_PROTOCOL_ERROR);
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    }
    return hc->ops->on_header(hc, st, name, nl, value, vl);
}

/* A field nghttp2 finds invalid (a control byte in a value, a name that is
 * no lower-case token), which it would drop silently: Go's http2 framer
 * fails the stream for it (readMetaFrame: a PROTOCOL_ERROR stream error). */
static int h2s_on_invalid_header(nghttp2_session *s, const nghttp2_frame *f, const uint8_t *name, size_t nl,
                                 const uint8_t *value, size_t vl, uint8_t flags, void *ud) {
    (void)value;
    (void)vl;
    (void)flags;
    h2s_conn *hc = ud;
    h2s_stream *st = f->hd.stream_id == hc->hdr_sid ? hc->hdr_st : h2s_stream_of(s, f->hd.stream_id);
    if (st && !st->fault) {
        st->fault = H2S_FAULT_FIELD;
        if (hc->ops->on_invalid) hc->ops->on_invalid(hc, st, name, nl);
    }
    nghttp2_submit_rst_stream(s, NGHTTP2_FLAG_NONE, f->hd.stream_id, NGHTTP2_PROTOCOL_ERROR);
    return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
}

static int h2s_on_frame_recv(nghttp2_session *s, const nghttp2_frame *f, void *ud) {
    h2s_conn *hc = ud;
    switch (f->hd.type) {
    case NGHTTP2_HEADERS: {
        /* nghttp2 reports a header block once whole (CONTINUATIONs merged) */
        if (!(f->hd.flags & NGHTTP2_FLAG_END_HEADERS)) return 0;
        h2s_stream *st = f->hd.stream_id == hc->hdr_sid ? hc->hdr_st : h2s_stream_of(s, f->hd.stream_id);
        if (!st) return 0;
        st->hlen = (uint32_t)f->hd.length;
        hc->ops->on_headers(hc, st);
        return 0;
    }
    case NGHTTP2_SETTINGS:
        if ((f->hd.flags & NGHTTP2_FLAG_ACK) || hc->settings) return 0;
        hc->settings = true;
        if (hc->ops->on_settings) hc->ops->on_settings(hc);
        return 0;
    case NGHTTP2_GOAWAY:
        hc->goaway = true;
        hc->goaway_code = f->goaway.error_code;
        hc->goaway_last = f->goaway.last_stream_id;
        return 0;
    default: return 0;
    }
}

static int h2s_on_data(nghttp2_session *s, uint8_t flags, int32_t sid, const uint8_t *p, size_t n, void *ud) {
    (void)flags;
    h2s_conn *hc = ud;
    h2s_stream *st = h2s_stream_of(s, sid);
    if (!st) return 0;
    return hc->ops->on_data(hc, st, p, n);
}

static int h2s_on_frame_send(nghttp2_session *s, const nghttp2_frame *f, void *ud) {
    h2s_conn *hc = ud;
    if ((f->hd.type != NGHTTP2_HEADERS && f->hd.type != NGHTTP2_DATA) || !(f->hd.flags & NGHTTP2_FLAG_END_STREAM) ||
        !hc->ops->on_sent)
        return 0;
    h2s_stream *st = h2s_stream_of(s, f->hd.stream_id);
    if (st) hc->ops->on_sent(hc, st);
    return 0;
}

static int h2s_on_stream_close(nghttp2_session *s, int32_t sid, uint32_t code, void *ud) {
    h2s_conn *hc = ud;
    h2s_stream *st = h2s_stream_of(s, sid);
    if (!st) return 0;
    nghttp2_session_set_stream_user_data(s, sid, NULL);
    if (hc->hdr_st == st) hc->hdr_st = NULL;
    hc->ops->on_close(hc, st, code);
    return 0;
}

/* The body as the stream has it so far: what is there goes; then the end,
 * or a wait for h2s_body_more. */
static ssize_t h2s_body_read(nghttp2_session *s, int32_t sid, uint8_t *out, size_t len, uint32_t *flags,
                             nghttp2_data_source *src, void *ud) {
    (void)s;
    (void)sid;
    (void)ud;
    h2s_stream *st = src->ptr;
    size_t left = st->body_len - st->body_off;
    if (!left && !st->body_end) {
        st->deferred = true;
        return NGHTTP2_ERR_DEFERRED;
    }
    if (len > left) len = left;
    if (len) memcpy(out, st->body + st->body_off, len);
    st->body_off += len;
    if (st->body_end && st->body_off == st->body_len) *flags |= NGHTTP2_DATA_FLAG_EOF;
    return (ssize_t)len;
}

/* The callbacks: built once, read-only after, shared by every session of
 * every thread. */
static nghttp2_session_callbacks *h2s_cb;
static pthread_once_t h2s_cb_once = PTHREAD_ONCE_INIT;

static void h2s_cb_build(void) {
    nghttp2_session_callbacks *cb;
    if (nghttp2_session_callbacks_new(&cb)) return;
    nghttp2_session_callbacks_set_on_begin_headers_callback(cb, h2s_on_begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(cb, h2s_on_header);
    nghttp2_session_callbacks_set_on_invalid_header_callback(cb, h2s_on_invalid_header);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cb, h2s_on_frame_recv);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, h2s_on_data);
    nghttp2_session_callbacks_set_on_frame_send_callback(cb, h2s_on_frame_send);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, h2s_on_stream_close);
    h2s_cb = cb;
}

int h2s_open(h2s_conn *hc, const h2s_ops *ops, uint32_t max_header_list) {
    pthread_once(&h2s_cb_once, h2s_cb_build);
    hc->ops = ops;
    hc->streams = NULL;
    hc->nstreams = 0;
    hc->max_header_list = max_header_list;
    hc->goaway = hc->settings = false;
    hc->goaway_code = 0;
    hc->goaway_last = 0;
    hc->hdr_st = NULL;
    hc->hdr_sid = 0;
    if (!h2s_cb || nghttp2_session_client_new(&hc->ng, h2s_cb, hc)) {
        hc->ng = NULL;
        return -1;
    }
    const nghttp2_settings_entry iv[] = {
        {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 4 << 20},
        {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, max_header_list},
    };
    if (nghttp2_submit_settings(hc->ng, NGHTTP2_FLAG_NONE, iv, sizeof iv / sizeof *iv) ||
        nghttp2_session_set_local_window_size(hc->ng, NGHTTP2_FLAG_NONE, 0, 1 << 30)) {
        h2s_close(hc);
        return -1;
    }
    return 0;
}

void h2s_close(h2s_conn *hc) {
    if (hc->ng) nghttp2_session_del(hc->ng);
    hc->ng = NULL;
    hc->hdr_st = NULL;
}

void h2s_link(h2s_conn *hc, h2s_stream *st) {
    st->prev = NULL;
    st->next = hc->streams;
    if (hc->streams) hc->streams->prev = st;
    hc->streams = st;
    hc->nstreams++;
}

void h2s_unlink(h2s_conn *hc, h2s_stream *st) {
    if (st->prev) st->prev->next = st->next;
    else hc->streams = st->next;
    if (st->next) st->next->prev = st->prev;
    st->next = st->prev = NULL;
    hc->nstreams--;
}

int32_t h2s_submit(h2s_conn *hc, h2s_stream *st, const nghttp2_nv *nv, size_t n, bool body) {
    nghttp2_data_provider prd = {.source.ptr = st, .read_callback = h2s_body_read};
    st->body_off = 0;
    st->hsize = 0;
    st->deferred = false;
    st->fault = H2S_FAULT_NONE;
    int32_t sid = nghttp2_submit_request(hc->ng, NULL, nv, n, body ? &prd : NULL, st);
    st->sid = sid > 0 ? sid : 0;
    return sid;
}

void h2s_body_more(h2s_conn *hc, h2s_stream *st, const char *p, size_t len, bool end) {
    st->body = p;
    st->body_len = len;
    st->body_end = end;
    if (st->deferred && st->sid && hc->ng) {
        st->deferred = false;
        nghttp2_session_resume_data(hc->ng, st->sid);
    }
}

void h2s_reset(h2s_conn *hc, h2s_stream *st, uint32_t code, bool detach) {
    if (!st->sid || !hc->ng) return;
    if (detach) {
        nghttp2_session_set_stream_user_data(hc->ng, st->sid, NULL);
        if (hc->hdr_st == st) hc->hdr_st = NULL;
    }
    nghttp2_submit_rst_stream(hc->ng, NGHTTP2_FLAG_NONE, st->sid, code);
}

int h2s_send(h2s_conn *hc, buf *out, tlsio *tls, int *ngerr) {
    int rc = H2S_OK;
    for (;;) {
        const uint8_t *p;
        ssize_t n = nghttp2_session_mem_send(hc->ng, &p);
        if (n < 0) {
            *ngerr = (int)n;
            rc = H2S_ERR_SESSION;
            break;
        }
        if (tls && out->len && (n == 0 || out->len + (size_t)n > H2S_COALESCE)) {
            int bad = tlsio_write(tls, out->p, out->len) != TLSIO_OK;
            buf_clear(out);
            if (bad) return H2S_ERR_PUT;
        }
        if (n == 0) return H2S_OK;
        if (buf_append(out, p, (size_t)n)) {
            rc = H2S_ERR_NOMEM;
            break;
        }
    }
    if (tls) buf_clear(out); /* a scratch buffer: empty between calls */
    return rc;
}
