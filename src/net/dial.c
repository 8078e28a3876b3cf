/* The TCP dial shared by k6/http, k6/ws and k6/net/grpc (see dial.h). */
#include "net/dial.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

int dial_resolve(h1_client *h1, const char *host, int port, bool ipv6, h1_lookup *l) {
    size_t n = strlen(host);
    unsigned char a[sizeof(struct in6_addr)];
    int family = ipv6 || inet_pton(AF_INET6, host, a) == 1 ? AF_INET6 : inet_pton(AF_INET, host, a) == 1 ? AF_INET : 0;
    if (family && n < sizeof l->ip) {
        memcpy(l->ip, host, n + 1);
        l->family = family;
        l->ok = 1;
        return H1_LOOKUP_DONE;
    }
    return h1_lookup_start(h1, host, n, port, l);
}

int dial_addr(dialer_sa *sa, int family, const char *ip, int port) {
    memset(sa, 0, sizeof *sa);
    if (family == AF_INET6) {
        sa->in6.sin6_family = AF_INET6;
        sa->in6.sin6_port = htons((uint16_t)port);
        return inet_pton(AF_INET6, ip, &sa->in6.sin6_addr) == 1 ? 0 : -1;
    }
    sa->in4.sin_family = AF_INET;
    sa->in4.sin_port = htons((uint16_t)port);
    return inet_pton(AF_INET, ip, &sa->in4.sin_addr) == 1 ? 0 : -1;
}

int dial_tcp(uv_loop_t *loop, uv_tcp_t *tcp, uv_connect_t *req, void *data, const struct sockaddr *local,
             const struct sockaddr *to, uv_connect_cb done, enum dial_stage *at) {
    *at = DIAL_AT_INIT;
    int rc = uv_tcp_init(loop, tcp);
    if (rc) return rc;
    tcp->data = data;
    *at = DIAL_AT_BIND;
    if (local && (rc = uv_tcp_bind(tcp, local, 0)) != 0) return rc;
    *at = DIAL_AT_CONNECT;
    uv_tcp_nodelay(tcp, 1); /* applied when connect creates the socket */
    req->data = data;
    return uv_tcp_connect(req, tcp, to, done);
}

void dial_connect_error(char *out, size_t n, const char *ip, int port, int status) {
    bool v6 = strchr(ip, ':') != NULL;
    snprintf(out, n, "dial tcp %s%s%s:%d: connect: %s", v6 ? "[" : "", ip, v6 ? "]" : "", port, uv_strerror(status));
}
