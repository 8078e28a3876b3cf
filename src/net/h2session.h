/* The HTTP/2 client layer c6's two HTTP/2 users share: k6/http's
 * (net/http2.c, streams are requests on the client's TLS connections) and
 * k6/net/grpc's (grpc/transport.c, streams are gRPC calls on a connection
 * of the client's own, TLS or h2c). One set of nghttp2 callbacks serves
 * both: header blocks (with Go's header-list bound and its refusal of
 * invalid fields), DATA, END_STREAM sent, stream close and reset, GOAWAY,
 * the server's SETTINGS, and the request body read (a body that may wait
 * for more: gRPC's client and bidi streams write later). Session setup
 * (Go's settings), the list of a connection's open streams and the output
 * drain are here too.
 *
 * What stays with each user: the bytes (sockets, TLS, their own
 * connections: k6 shares no connection between k6/http and gRPC), what a
 * header, a DATA chunk or a close means for a request or a call, and how
 * failures map to their module's texts. A user embeds an h2s_conn in its
 * connection and an h2s_stream in its request or call, and gets them back
 * in the callbacks (container_of). */
#ifndef C6_NET_H2SESSION_H
#define C6_NET_H2SESSION_H
#include <nghttp2/nghttp2.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "net/tlsio.h"
#include "util/buf.h"

#define h2s_container_of(p, type, member) ((type *)(void *)((char *)(p)-offsetof(type, member)))

typedef struct h2s_conn h2s_conn;

/* One stream: a request or a call. body is what the stream sends: the
 * read callback hands body[body_off..body_len) to nghttp2 and ends the
 * stream once body_end is set and all of it went; before that it waits
 * (deferred) until h2s_body_more. */
typedef struct h2s_stream {
    struct h2s_stream *next, *prev; /* the connection's open streams (h2s_link) */
    const char *body;
    size_t body_len, body_off;
    size_t hsize; /* the header block's size as HTTP/2 counts it (RFC 9113 6.5.2) */
    int32_t sid;  /* 0: not submitted */
    bool body_end, deferred;
    /* the header block being read: nghttp2's category (NGHTTP2_HCAT_RESPONSE
     * for a response block, 1xx included; NGHTTP2_HCAT_HEADERS for
     * trailers); end_stream: the block ends the stream */
    uint8_t cat;
    bool end_stream;
    uint32_t hlen; /* the block's frame payload length, once whole (on_headers) */
    uint8_t fault; /* why this layer reset the stream (H2S_FAULT_*), for on_close's text */
} h2s_stream;

/* Streams this layer resets with PROTOCOL_ERROR, as Go's framer fails them:
 * a header list past max_header_list (grpc-go: "peer header list size
 * exceeded limit"), a field nghttp2 finds invalid. */
enum { H2S_FAULT_NONE = 0, H2S_FAULT_HEADER_LIST, H2S_FAULT_FIELD };

/* What a stream's events mean to its user; the same for every stream of
 * a connection. A header block's kind is in st->cat and st->end_stream.
 * on_header and on_data return 0 or NGHTTP2_ERR_CALLBACK_FAILURE (no
 * memory: the connection fails). on_begin, on_sent, on_settings and
 * on_invalid may be NULL. */
typedef struct h2s_ops {
    void (*on_begin)(h2s_conn *hc, h2s_stream *st); /* a header block starts */
    int (*on_header)(h2s_conn *hc, h2s_stream *st, const uint8_t *name, size_t nl, const uint8_t *value, size_t vl);
    void (*on_headers)(h2s_conn *hc, h2s_stream *st); /* the block ended */
    int (*on_data)(h2s_conn *hc, h2s_stream *st, const uint8_t *p, size_t n);
    void (*on_sent)(h2s_conn *hc, h2s_stream *st); /* the stream's END_STREAM went out */
    /* the stream is over (code: NGHTTP2_NO_ERROR, or the RST_STREAM's, sent
     * or received; REFUSED_STREAM for streams a GOAWAY left out); it is
     * detached from the session before this runs */
    void (*on_close)(h2s_conn *hc, h2s_stream *st, uint32_t code);
    void (*on_settings)(h2s_conn *hc); /* the server's first SETTINGS (may be NULL) */
    /* a field nghttp2 finds invalid, before the stream's reset (may be NULL) */
    void (*on_invalid)(h2s_conn *hc, h2s_stream *st, const uint8_t *name, size_t nl);
} h2s_ops;

struct h2s_conn {
    nghttp2_session *ng; /* NULL until h2s_open */
    const h2s_ops *ops;
    h2s_stream *streams; /* open streams, newest first (h2s_link); the user's failures walk them */
    int nstreams;
    uint32_t max_header_list;
    uint32_t goaway_code;  /* the server's GOAWAY, once goaway is set */
    int32_t goaway_last;   /* its last stream id: streams above never ran */
    bool goaway, settings; /* a GOAWAY came; the server's SETTINGS came */
    /* the stream whose header block is being read (blocks do not
     * interleave: RFC 9113 6.10), so its fields need no stream lookup;
     * NULL once it closes or is detached */
    h2s_stream *hdr_st;
    int32_t hdr_sid;
};

/* Go's HTTP/2 transports' settings: no server push, 4 MB stream windows,
 * a 1 GB connection window, and max_header_list (Go's net/http: 10 MB,
 * grpc-go: 16 MB), which also bounds every header block received (a
 * stream past it is reset with PROTOCOL_ERROR, as Go's framer does). A
 * client session on hc with ops, its SETTINGS queued. 0, or -1 (out of
 * memory; hc->ng is then NULL). */
int h2s_open(h2s_conn *hc, const h2s_ops *ops, uint32_t max_header_list);
/* The session goes (streams still attached get no on_close; the list of
 * streams is the user's to empty first). */
void h2s_close(h2s_conn *hc);

/* st joins / leaves hc's list of open streams (a user links a stream while
 * it is its own, from before h2s_submit until it has reported it). */
void h2s_link(h2s_conn *hc, h2s_stream *st);
void h2s_unlink(h2s_conn *hc, h2s_stream *st);

/* st becomes a stream of hc with headers nv (nghttp2 copies them); with
 * body, its DATA comes from st->body as set before or by h2s_body_more,
 * without, HEADERS end the stream. The stream id, or a negative nghttp2
 * error. Frames go out with the next h2s_send. */
int32_t h2s_submit(h2s_conn *hc, h2s_stream *st, const nghttp2_nv *nv, size_t n, bool body);
/* The stream's body is now p[0..len) (body_off kept: the caller moves or
 * rewinds it), end: nothing more after it; a waiting stream resumes. */
void h2s_body_more(h2s_conn *hc, h2s_stream *st, const char *p, size_t len, bool end);
/* RST_STREAM with code: with detach, st gets no more callbacks (no
 * on_close) and may go at once; without, on_close follows as for any reset. */
void h2s_reset(h2s_conn *hc, h2s_stream *st, uint32_t code, bool detach);

enum { H2S_OK = 0, H2S_ERR_SESSION = -1, H2S_ERR_NOMEM = -2, H2S_ERR_PUT = -3 };

/* The session's pending frames appended to out. With tls, out is written
 * into the TLS session (tlsio_write, then cleared) whenever the next frame
 * would take it past 64 KB and at the end, so the session makes few, full
 * records; without (h2c), everything stays in out (the caller's write
 * queue). H2S_OK, H2S_ERR_SESSION (*ngerr: nghttp2's error), H2S_ERR_NOMEM
 * or H2S_ERR_PUT (the TLS write failed: tlsio_error says why). */
int h2s_send(h2s_conn *hc, buf *out, tlsio *tls, int *ngerr);

#endif
