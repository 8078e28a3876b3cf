/* An nghttp2 client session as c6's two HTTP/2 clients open and drive it:
 * k6/http's (net/http2.c, over TLS) and k6/net/grpc's (grpc/transport.c,
 * TLS or h2c). What differs stays with each: their callbacks (streams are
 * requests in one, gRPC calls in the other), how reads and errors map to
 * their module's texts. */
#ifndef C6_NET_H2SESSION_H
#define C6_NET_H2SESSION_H
#include <nghttp2/nghttp2.h>
#include <stddef.h>
#include <stdint.h>
#include "util/buf.h"

/* Go's HTTP/2 transports' settings: no server push, 4 MB stream windows,
 * a 1 GB connection window, and max_header_list (Go's net/http: 10 MB,
 * grpc-go: 16 MB). A client session on cb with ud, its SETTINGS queued.
 * 0, or -1 (out of memory; *s is then NULL). */
int h2s_open(nghttp2_session **s, const nghttp2_session_callbacks *cb, void *ud, uint32_t max_header_list);

enum { H2S_OK = 0, H2S_ERR_SESSION = -1, H2S_ERR_NOMEM = -2, H2S_ERR_PUT = -3 };

/* The session's pending frames appended to out. With put, out is handed
 * on (put(ud, p, n), then cleared) whenever the next frame would take it
 * past 64 KB and at the end, so a TLS session makes few, full records;
 * without, everything stays in out (the caller's write queue). H2S_OK,
 * H2S_ERR_SESSION (*ngerr: nghttp2's error), H2S_ERR_NOMEM or
 * H2S_ERR_PUT (put returned nonzero). */
int h2s_send(nghttp2_session *s, buf *out, int (*put)(void *ud, const char *p, size_t n), void *ud, int *ngerr);

#endif
