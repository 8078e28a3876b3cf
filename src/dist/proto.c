/* Framing and sockets of the coordinator-agent wire (see proto.h). */
#include "dist/proto.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/sha.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

void proto_rx_free(proto_rx *rx) {
    free(rx->p);
    rx->p = NULL;
    rx->len = rx->cap = rx->consumed = 0;
}

int proto_read(int fd, SSL *ssl, proto_rx *rx) {
    if (rx->consumed) {
        memmove(rx->p, rx->p + rx->consumed, rx->len - rx->consumed);
        rx->len -= rx->consumed;
        rx->consumed = 0;
    }
    /* room for the largest frame allowed, grown as it arrives */
    if (rx->cap - rx->len < 65536) {
        size_t ncap = rx->cap ? rx->cap * 2 : 65536;
        if (ncap > rx->max + 5 + 65536) ncap = rx->max + 5 + 65536;
        if (ncap <= rx->len) return 0; /* full: proto_next refuses the frame */
        uint8_t *np = realloc(rx->p, ncap);
        if (!np) return -1;
        rx->p = np;
        rx->cap = ncap;
    }
    ssize_t n;
    if (ssl) {
        int cap = rx->cap - rx->len > INT_MAX ? INT_MAX : (int)(rx->cap - rx->len);
        ERR_clear_error();
        n = SSL_read(ssl, rx->p + rx->len, cap);
        if (n <= 0) {
            int e = SSL_get_error(ssl, (int)n);
            if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return 0;
            if (e == SSL_ERROR_ZERO_RETURN) errno = 0;
            else if (e != SSL_ERROR_SYSCALL || !errno) errno = EPROTO;
            return -1;
        }
    } else {
        n = recv(fd, rx->p + rx->len, rx->cap - rx->len, 0);
    }
    if (n > 0) {
        rx->len += (size_t)n;
        return 1;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return 0;
    if (n == 0) errno = 0;
    return -1;
}

int proto_next(proto_rx *rx, int *type, const uint8_t **payload, size_t *len) {
    if (rx->consumed) {
        memmove(rx->p, rx->p + rx->consumed, rx->len - rx->consumed);
        rx->len -= rx->consumed;
        rx->consumed = 0;
    }
    if (rx->len < 5) return 0;
    uint32_t n = (uint32_t)rx->p[0] << 24 | (uint32_t)rx->p[1] << 16 | (uint32_t)rx->p[2] << 8 | rx->p[3];
    int t = rx->p[4];
    if (n > rx->max || t <= 0 || t >= MSG_MAX) return -1;
    if (rx->len < 5 + (size_t)n) return 0;
    *type = t;
    *payload = rx->p + 5;
    *len = n;
    rx->consumed = 5 + (size_t)n;
    return 1;
}

static int proto_write_all(int fd, SSL *ssl, const uint8_t *p, size_t n, int timeout_ms) {
    while (n) {
        short want = POLLOUT;
        ssize_t k;
        if (ssl) {
            ERR_clear_error();
            k = SSL_write(ssl, p, n > INT_MAX ? INT_MAX : (int)n);
            if (k <= 0) {
                int e = SSL_get_error(ssl, (int)k);
                if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
                    errno = EAGAIN;
                    want = e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
                } else if (e != SSL_ERROR_SYSCALL || !errno) {
                    errno = EPROTO;
                }
                k = -1;
            }
        } else {
            k = send(fd, p, n, MSG_NOSIGNAL);
        }
        if (k > 0) {
            p += k;
            n -= (size_t)k;
            continue;
        }
        if (k < 0 && errno == EINTR) continue;
        if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct pollfd pf = {fd, want, 0};
            int r = poll(&pf, 1, timeout_ms);
            if (r == 0) errno = ETIMEDOUT;
            if (r <= 0) return -1;
            continue;
        }
        return -1;
    }
    return 0;
}

int proto_send(int fd, SSL *ssl, int type, const void *payload, size_t len, int timeout_ms) {
    if (len > DIST_FRAME_MAX) {
        errno = EMSGSIZE;
        return -1;
    }
    uint8_t h[5] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len, (uint8_t)type};
    if (proto_write_all(fd, ssl, h, 5, timeout_ms)) return -1;
    return proto_write_all(fd, ssl, payload, len, timeout_ms);
}

int proto_send_str(int fd, SSL *ssl, int type, const char *s, int timeout_ms) {
    return proto_send(fd, ssl, type, s ? s : "", s ? strlen(s) : 0, timeout_ms);
}

bool proto_token_eq(const char *a, const char *b) {
    unsigned char ha[SHA256_DIGEST_LENGTH], hb[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)a, strlen(a), ha);
    SHA256((const unsigned char *)b, strlen(b), hb);
    return CRYPTO_memcmp(ha, hb, sizeof ha) == 0;
}

int proto_socket(const char *hostport, bool listen_it, char *err, size_t errlen) {
    const char *colon = strrchr(hostport, ':');
    if (!colon || colon == hostport || !colon[1]) {
        snprintf(err, errlen, "%s: want HOST:PORT", hostport);
        errno = 0;
        return -1;
    }
    char host[256];
    size_t hl = (size_t)(colon - hostport);
    if (hl >= sizeof host) hl = sizeof host - 1;
    memcpy(host, hostport, hl);
    host[hl] = 0;
    if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') { /* [::1]:6566 */
        memmove(host, host + 1, hl - 2);
        host[hl - 2] = 0;
    }
    struct addrinfo hints = {
        .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = listen_it ? AI_PASSIVE : 0};
    struct addrinfo *res = NULL;
    int gai = getaddrinfo(host, colon + 1, &hints, &res);
    if (gai) {
        snprintf(err, errlen, "%s: %s", hostport, gai_strerror(gai));
        errno = 0;
        return -1;
    }
    int fd = -1, e = 0;
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            e = errno;
            continue;
        }
        int one = 1;
        if (listen_it) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        else setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        int rc = listen_it ? bind(fd, ai->ai_addr, ai->ai_addrlen) : connect(fd, ai->ai_addr, ai->ai_addrlen);
        if (rc == 0 && listen_it) rc = listen(fd, 64);
        if (rc) {
            e = errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0) {
        snprintf(err, errlen, "%s %s: %s", listen_it ? "listen on" : "connect to", hostport, strerror(e));
        errno = e;
        return -1;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    return fd;
}

void proto_peer_name(int fd, char *out, size_t n) {
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    char host[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (getpeername(fd, (struct sockaddr *)&ss, &sl) == 0) {
        if (ss.ss_family == AF_INET) {
            struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
            inet_ntop(AF_INET, &s4->sin_addr, host, sizeof host);
            port = ntohs(s4->sin_port);
        } else if (ss.ss_family == AF_INET6) {
            struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
            inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof host);
            port = ntohs(s6->sin6_port);
        }
    }
    snprintf(out, n, "%s:%d", host, port);
}
