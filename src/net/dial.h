/* The one TCP dial of k6/http, k6/ws and k6/net/grpc: from a host (IP
 * literal or name, through h1's per-(host,port) lookup cache) to an
 * address, and from an address (+ localIPs source) to a connecting
 * uv_tcp_t. The texts are Go's dial errors; each module wraps them in its
 * own words (grpc-go's "connection error: desc = ..."). What the options
 * decide (hosts, blockHostnames, blacklistIPs, localIPs) is net/dialer.h. */
#ifndef C6_NET_DIAL_H
#define C6_NET_DIAL_H
#include <stdbool.h>
#include <stddef.h>
#include <uv.h>
#include "config/connopts.h" /* dialer_sa */
#include "net/client.h"      /* h1_lookup */

/* Where dial_tcp stopped when it failed. */
enum dial_stage { DIAL_AT_INIT, DIAL_AT_BIND, DIAL_AT_CONNECT };

/* Resolves host for port: an IP literal (ipv6: it was bracketed in the
 * URL) fills l->family and l->ip at once (H1_LOOKUP_DONE); a name goes to
 * h1_lookup_start (its DONE / PENDING / FAILED / SKIP, l->done for
 * PENDING). */
int dial_resolve(h1_client *h1, const char *host, int port, bool ipv6, h1_lookup *l);

/* sa <- IP text ip of family (AF_INET6, else AF_INET) and port; -1 when
 * ip is not an address of that family (Go: "dial tcp: bad address IP"). */
int dial_addr(dialer_sa *sa, int family, const char *ip, int port);

/* uv_tcp_init(tcp) with tcp->data = data, a bind to local when given
 * (localIPs), TCP_NODELAY, and uv_tcp_connect(req, to, done); req->data
 * = data. Returns 0 or a libuv error, *at = the step that failed; from
 * DIAL_AT_BIND on tcp is a handle the caller closes. */
int dial_tcp(uv_loop_t *loop, uv_tcp_t *tcp, uv_connect_t *req, void *data, const struct sockaddr *local,
             const struct sockaddr *to, uv_connect_cb done, enum dial_stage *at);

/* Go's "dial tcp IP:PORT: connect: <why>" (IPv6 in brackets) for a
 * failed connect's libuv status. */
void dial_connect_error(char *out, size_t n, const char *ip, int port, int status);

#endif
