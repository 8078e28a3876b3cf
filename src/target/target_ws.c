/* The target's WebSocket endpoints, served through MHD's connection
 * upgrade:
 *
 *   /ws/echo    sends every text or binary message back as it came, answers
 *               pings; the text "!ping" makes it send a ping ("srv") first,
 *               "!close CODE [REASON]" makes it close with that code,
 *               "!cookie" answers with the handshake's Cookie header,
 *               "!ua" with its User-Agent.
 *   /ws/close   closes at once (after `after` ms) with ?code= (default 1000)
 *               and ?reason=.
 *
 * A Sec-WebSocket-Protocol offer is answered with its first entry.
 *
 * Each session is one thread doing blocking reads and writes: a test aid,
 * not a benchmark path. MHD must not be stopped with upgraded connections
 * open, so target_ws_stop() shuts every session's socket down and waits. */
#include "target/target.h"

#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include "net/ws_proto.h"

#define TARGET_WS_IDLE_S 30   /* a silent client is dropped after this */
#define TARGET_WS_MAX    1024 /* sessions at once; more get 503 */

struct target_ws {
    struct target_ws *next;
    MHD_socket fd;
    struct MHD_UpgradeResponseHandle *urh;
    int close_mode;
    int code;
    char reason[124];
    char cookie[512]; /* the handshake's Cookie header, for "!cookie" */
    char ua[256];     /* and its User-Agent, for "!ua" */
    unsigned after_ms;
    ws_reader rd;
};

static pthread_mutex_t target_ws_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t target_ws_gone = PTHREAD_COND_INITIALIZER;
static struct target_ws *target_ws_all;
static int target_ws_n;
static int target_ws_stopping;

static int target_ws_send(struct target_ws *w, int op, const void *p, size_t n) {
    uint8_t h[WS_MAX_HEADER];
    size_t hl = ws_frame_header(h, op, n, NULL);
    struct iovec iov[2] = {{h, hl}, {(void *)p, n}};
    struct msghdr mh = {.msg_iov = iov, .msg_iovlen = n ? 2 : 1};
    size_t total = hl + n, done = 0;

    while (done < total) {
        ssize_t k = sendmsg(w->fd, &mh, MSG_NOSIGNAL);

        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return -1;
        done += (size_t)k;
        /* advance the iovecs past what went out */
        while (k > 0 && mh.msg_iovlen) {
            size_t take = (size_t)k < mh.msg_iov->iov_len ? (size_t)k : mh.msg_iov->iov_len;

            mh.msg_iov->iov_base = (char *)mh.msg_iov->iov_base + take;
            mh.msg_iov->iov_len -= take;
            k -= (ssize_t)take;
            if (!mh.msg_iov->iov_len) {
                mh.msg_iov++;
                mh.msg_iovlen--;
            }
        }
    }
    return 0;
}

static int target_ws_send_close(struct target_ws *w, int code, const char *reason) {
    uint8_t p[125];
    size_t rl = strlen(reason);

    if (code <= 0) return target_ws_send(w, WS_OP_CLOSE, NULL, 0);
    if (rl > 123) rl = 123;
    p[0] = (uint8_t)(code >> 8);
    p[1] = (uint8_t)code;
    memcpy(p + 2, reason, rl);
    return target_ws_send(w, WS_OP_CLOSE, p, 2 + rl);
}

/* A command message from the echo client: 0 not one (echo it), 1 the
 * session is closing, 2 done (not echoed), -1 the write failed. */
static int target_ws_command(struct target_ws *w, const ws_msg *m) {
    char cmd[128];
    size_t n = m->len < sizeof(cmd) - 1 ? m->len : sizeof(cmd) - 1;
    char *sp;

    memcpy(cmd, m->data, n);
    cmd[n] = 0;
    if (strcmp(cmd, "!ping") == 0) return target_ws_send(w, WS_OP_PING, "srv", 3) < 0 ? -1 : 2;
    if (strcmp(cmd, "!ua") == 0) return target_ws_send(w, WS_OP_TEXT, w->ua, strlen(w->ua)) < 0 ? -1 : 2;
    if (strcmp(cmd, "!cookie") == 0) return target_ws_send(w, WS_OP_TEXT, w->cookie, strlen(w->cookie)) < 0 ? -1 : 2;
    if (strncmp(cmd, "!close ", 7) != 0) return 0;
    sp = strchr(cmd + 7, ' ');
    target_ws_send_close(w, atoi(cmd + 7), sp ? sp + 1 : "");
    return 1;
}

/* Reads frames until the client's close (answered) or the end; 0 when
 * the session should end. In close mode only the closing frame matters. */
static int target_ws_serve(struct target_ws *w, int *closed_by_us) {
    ws_msg m;
    int r;

    while ((r = ws_reader_next(&w->rd, &m)) == 1) {
        switch (m.opcode) {
        case WS_OP_CLOSE:
            if (!*closed_by_us) target_ws_send(w, WS_OP_CLOSE, m.data, m.len);
            return 0;
        case WS_OP_PING:
            if (target_ws_send(w, WS_OP_PONG, m.data, m.len) < 0) return 0;
            break;
        case WS_OP_TEXT:
        case WS_OP_BINARY:
            if (*closed_by_us || w->close_mode) break;
            if (m.opcode == WS_OP_TEXT && m.len && m.data[0] == '!') {
                int c = target_ws_command(w, &m);

                if (c < 0) return 0;
                if (c == 1) *closed_by_us = 1;
                if (c > 0) break;
            }
            if (target_ws_send(w, m.opcode, m.data, m.len) < 0) return 0;
            break;
        default: break;
        }
    }
    if (r < 0) {
        target_ws_send_close(w, w->rd.err_code, w->rd.err);
        return 0;
    }
    return 1;
}

static void *target_ws_thread(void *arg) {
    struct target_ws *w = arg, **pp;
    struct timeval tv = {TARGET_WS_IDLE_S, 0};
    int one = 1, closed_by_us = 0, flags = fcntl(w->fd, F_GETFL);
    char rb[16384];

    if (flags >= 0) fcntl(w->fd, F_SETFL, flags & ~O_NONBLOCK);
    setsockopt(w->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    /* each echo is one write: Nagle would hold it for the client's delayed ACK */
    setsockopt(w->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (w->close_mode) {
        struct timespec ts = {w->after_ms / 1000, (long)(w->after_ms % 1000) * 1000000};

        if (w->after_ms) nanosleep(&ts, NULL);
        target_ws_send_close(w, w->code, w->reason);
        closed_by_us = 1;
    }
    while (target_ws_serve(w, &closed_by_us)) {
        ssize_t k = recv(w->fd, rb, sizeof(rb), 0);

        if (k < 0 && errno == EINTR) continue;
        if (k <= 0 || ws_reader_feed(&w->rd, rb, (size_t)k)) break;
    }
    ws_reader_free(&w->rd);
    pthread_mutex_lock(&target_ws_lock);
    for (pp = &target_ws_all; *pp != w; pp = &(*pp)->next)
        ;
    *pp = w->next;
    MHD_upgrade_action(w->urh, MHD_UPGRADE_ACTION_CLOSE);
    if (--target_ws_n == 0) pthread_cond_broadcast(&target_ws_gone);
    pthread_mutex_unlock(&target_ws_lock);
    free(w);
    return NULL;
}

static void target_ws_upgraded(void *cls, struct MHD_Connection *c, void *ctx, const char *extra, size_t n,
                               MHD_socket fd, struct MHD_UpgradeResponseHandle *urh) {
    struct target_ws *w = calloc(1, sizeof(*w));
    const char *v;
    pthread_attr_t at;
    pthread_t t;
    int ok;

    (void)ctx;
    if (!w) {
        MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
        return;
    }
    w->fd = fd;
    w->urh = urh;
    w->close_mode = cls != NULL;
    w->rd.server = true;
    v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "code");
    w->code = v ? atoi(v) : WS_CLOSE_NORMAL;
    v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "reason");
    snprintf(w->reason, sizeof(w->reason), "%s", v ? v : "");
    v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Cookie");
    snprintf(w->cookie, sizeof(w->cookie), "%s", v ? v : "");
    v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "User-Agent");
    snprintf(w->ua, sizeof(w->ua), "%s", v ? v : "");
    v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "after");
    w->after_ms = v ? (unsigned)strtoul(v, NULL, 10) % 60000u : 0;
    if (n && ws_reader_feed(&w->rd, extra, n)) {
        free(w);
        MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
        return;
    }
    pthread_mutex_lock(&target_ws_lock);
    w->next = target_ws_all;
    target_ws_all = w;
    target_ws_n++;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&at, 256u << 10);
    ok = pthread_create(&t, &at, target_ws_thread, w) == 0;
    pthread_attr_destroy(&at);
    if (!ok) {
        target_ws_all = w->next;
        target_ws_n--;
        MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
        ws_reader_free(&w->rd);
        free(w);
    }
    pthread_mutex_unlock(&target_ws_lock);
}

/* Whether the comma-separated header value has `token` in it. */
static int target_has_token(const char *v, const char *token) {
    size_t tl = strlen(token);

    while (v && *v) {
        while (*v == ' ' || *v == ',' || *v == '\t') v++;
        if (strncasecmp(v, token, tl) == 0 && (v[tl] == 0 || v[tl] == ',' || v[tl] == ' ')) return 1;
        v = strchr(v, ',');
    }
    return 0;
}

static int target_ws_refuse(struct MHD_Connection *c, unsigned status, const char *why) {
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(why), (void *)why, MHD_RESPMEM_PERSISTENT);
    int ret;

    if (!r) return MHD_NO;
    if (status == 426) MHD_add_response_header(r, "Sec-WebSocket-Version", "13");
    ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

int target_ws_answer(struct MHD_Connection *c, int close_mode) {
    static int mode_close = 1;
    const char *up = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Upgrade");
    const char *conn = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Connection");
    const char *ver = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Sec-WebSocket-Version");
    const char *key = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Sec-WebSocket-Key");
    const char *proto = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Sec-WebSocket-Protocol");
    struct MHD_Response *r;
    char accept[29], sub[128];
    int ret, busy;

    if (!up || strcasecmp(up, "websocket") != 0 || !target_has_token(conn, "upgrade") || !key)
        return target_ws_refuse(c, 400, "a WebSocket endpoint: send a WebSocket handshake\n");
    if (!ver || strcmp(ver, "13") != 0) return target_ws_refuse(c, 426, "only WebSocket version 13 is served\n");
    pthread_mutex_lock(&target_ws_lock);
    busy = target_ws_stopping || target_ws_n >= TARGET_WS_MAX;
    pthread_mutex_unlock(&target_ws_lock);
    if (busy) return target_ws_refuse(c, 503, "too many WebSocket sessions\n");
    r = MHD_create_response_for_upgrade(target_ws_upgraded, close_mode ? &mode_close : NULL);
    if (!r) return MHD_NO;
    ws_accept_for(key, strlen(key), accept);
    /* MHD adds "Connection: Upgrade" itself */
    MHD_add_response_header(r, MHD_HTTP_HEADER_UPGRADE, "websocket");
    MHD_add_response_header(r, "Sec-WebSocket-Accept", accept);
    if (proto && *proto) {
        size_t n = strcspn(proto, ", \t");

        snprintf(sub, sizeof(sub), "%.*s", (int)(n < sizeof(sub) ? n : sizeof(sub) - 1), proto);
        MHD_add_response_header(r, "Sec-WebSocket-Protocol", sub);
    }
    ret = MHD_queue_response(c, MHD_HTTP_SWITCHING_PROTOCOLS, r);
    MHD_destroy_response(r);
    return ret;
}

void target_ws_stop(void) {
    struct target_ws *w;

    pthread_mutex_lock(&target_ws_lock);
    target_ws_stopping = 1;
    for (w = target_ws_all; w; w = w->next) shutdown(w->fd, SHUT_RDWR);
    while (target_ws_n > 0) pthread_cond_wait(&target_ws_gone, &target_ws_lock);
    target_ws_stopping = 0;
    pthread_mutex_unlock(&target_ws_lock);
}
