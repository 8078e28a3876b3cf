/* --http-debug (and options.httpDebug) for k6/net/grpc: k6 reuses the flag
 * for gRPC (grpcext conn.go: statsHandler.HandleRPC calls DebugStat for
 * every RPC stat when httpDebug is set) and logs, at info level with
 * source=http-debug and the VU's fields:
 *   "Out Header:\nFull Method: M\nRemote Address: A\n<metadata>\n"
 *   "Out Payload:\nWire Length: N\nSent Time: T\n<message>\n\n"      (full)
 *   "In Header:\nWire Length: N\n<metadata>\n"        (when there is any)
 *   "In Payload:\nWire Length: N\nReceived Time: T\n<message>\n\n"  (full)
 *   "In Trailer:\nWire Length: N\n<metadata>\n"       (when there is any)
 * metadata as formatMetadata writes it ("key: v1, v2\n" a key; Go's map
 * order, which is random, here the order of arrival), messages in protobuf
 * text format (prototext, multi-line, two spaces a level; empty for the
 * health and reflection calls, whose types need not be loaded), times as
 * Go's time.Time String() (local time; the monotonic reading "m=+S" counted
 * from the first such line). Only events grpc-go reports for a client. */
#include <stdio.h>
#include <string.h>
#include "exec/test.h"
#include "grpc/pb.h"
#include "js/modules/grpc.h"
#include "js/modules/http.h"
#include "util/base64.h"
#include "util/clock.h"
#include "util/log.h"

/* "k: v1, v2\n" per name, names in first-seen order */
static void gd_md_flat(buf *m, const char *const *md, const size_t *mdlen, size_t n) {
    for (size_t i = 0; i < n; i++) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++) seen = strcmp(md[2 * j], md[2 * i]) == 0;
        if (seen) continue;
        buf_puts(m, md[2 * i]);
        buf_append(m, ": ", 2);
        for (size_t j = i, first = 1; j < n; j++) {
            if (strcmp(md[2 * j], md[2 * i])) continue;
            if (!first) buf_append(m, ", ", 2);
            buf_append(m, md[2 * j + 1], mdlen ? mdlen[j] : strlen(md[2 * j + 1]));
            first = 0;
        }
        buf_append(m, "\n", 1);
    }
}

/* the same from a "name\0value\0"... block; -bin values decoded as grpc-go does */
static void gd_md_block(buf *m, const buf *b) {
    const char *names[GRPC_MAX_MD * 2], *vals[GRPC_MAX_MD * 2];
    size_t lens[GRPC_MAX_MD * 2] = {0}, n = 0;
    buf bins[GRPC_MAX_MD * 2];
    memset(bins, 0, sizeof bins);
    for (size_t off = 0; b->p && off < b->len && n < GRPC_MAX_MD * 2;) {
        const char *name = b->p + off;
        size_t nl = strlen(name);
        const char *v = name + nl + 1;
        size_t vl = strlen(v);
        off += nl + vl + 2;
        names[n] = name;
        vals[n] = v;
        lens[n] = vl;
        if (nl > 4 && strcmp(name + nl - 4, "-bin") == 0 && gt_bin_decode(v, vl, &bins[n]) == 0) {
            vals[n] = bins[n].p ? bins[n].p : "";
            lens[n] = bins[n].len;
        }
        n++;
    }
    const char *flat[GRPC_MAX_MD * 4] = {0};
    for (size_t i = 0; i < n; i++) {
        flat[2 * i] = names[i];
        flat[2 * i + 1] = vals[i];
    }
    gd_md_flat(m, flat, lens, n);
    for (size_t i = 0; i < n; i++) buf_free(&bins[i]);
}

/* Go's time.Time.String(): "2006-01-02 15:04:05.999999999 -0700 MST m=+0.000000001" */
static void gd_time(buf *m) {
    static int64_t mono0;
    int64_t now = clock_now_ns(), wall = clock_wall_ns();
    if (!mono0) mono0 = now;
    time_t sec = (time_t)(wall / 1000000000);
    struct tm tm;
    localtime_r(&sec, &tm);
    char a[64], frac[16] = "", z[32];
    strftime(a, sizeof a, "%Y-%m-%d %H:%M:%S", &tm);
    long ns = (long)(wall % 1000000000);
    if (ns) {
        snprintf(frac, sizeof frac, ".%09ld", ns);
        for (size_t l = strlen(frac); l > 1 && frac[l - 1] == '0'; l--) frac[l - 1] = 0; /* (frac[0] is the '.') */
    }
    strftime(z, sizeof z, "%z %Z", &tm);
    char line[160];
    int64_t d = now - mono0;
    snprintf(line, sizeof line, "%s%s %s m=+%lld.%09lld", a, frac, z, (long long)(d / 1000000000),
             (long long)(d % 1000000000));
    buf_puts(m, line);
}

static void gd_payload(buf *m, const void *type, const uint8_t *p, size_t n) {
    size_t len0 = m->len;
    if (type && pb_wire_to_text(type, p, n, m)) {
        m->len = len0; /* formatPayload: "" when it cannot print the message */
        if (m->p) m->p[len0] = 0;
    }
}

void grpc_debug_event(gt_call *k, const gt_debug_event *e, void *ud) {
    grpc_client *c = ud;
    vu *v = c->v;
    int level = v->test ? v->test->http_debug : 0;
    bool full = level > 1;
    if (!level || ((e->kind == GT_DBG_OUT_PAYLOAD || e->kind == GT_DBG_IN_PAYLOAD) && !full)) return;
    buf m = {0};
    char num[64];
    switch (e->kind) {
    case GT_DBG_OUT_HEADER: {
        buf_puts(&m, "Out Header:\nFull Method: ");
        buf_puts(&m, e->path);
        buf_puts(&m, "\nRemote Address: ");
        const gt_conn *cn = c->conn;
        if (cn && strchr(cn->remote_ip, ':')) snprintf(num, sizeof num, "[%s]:%d", cn->remote_ip, cn->port);
        else snprintf(num, sizeof num, "%s:%d", cn ? cn->remote_ip : "", cn ? cn->port : 0);
        buf_puts(&m, num);
        buf_append(&m, "\n", 1);
        /* the outgoing metadata, user-agent set on it (http2_client.go NewStream) */
        gd_md_flat(&m, e->md, e->mdlen, e->nmd);
        buf_puts(&m, "user-agent: ");
        buf_puts(&m, cn && cn->user_agent ? cn->user_agent : "");
        buf_append(&m, "\n\n", 2);
        break;
    }
    case GT_DBG_OUT_PAYLOAD:
    case GT_DBG_IN_PAYLOAD:
        snprintf(num, sizeof num, "%u", e->wire_len);
        buf_puts(&m, e->kind == GT_DBG_OUT_PAYLOAD ? "Out Payload:\nWire Length: " : "In Payload:\nWire Length: ");
        buf_puts(&m, num);
        buf_puts(&m, e->kind == GT_DBG_OUT_PAYLOAD ? "\nSent Time: " : "\nReceived Time: ");
        gd_time(&m);
        buf_append(&m, "\n", 1);
        gd_payload(&m, e->kind == GT_DBG_OUT_PAYLOAD ? k->dbg_in : k->dbg_out, e->msg, e->len);
        buf_append(&m, "\n\n", 2);
        break;
    case GT_DBG_IN_HEADER:
    case GT_DBG_IN_TRAILER:
        snprintf(num, sizeof num, "%u", e->wire_len);
        buf_puts(&m, e->kind == GT_DBG_IN_HEADER ? "In Header:\nWire Length: " : "In Trailer:\nWire Length: ");
        buf_puts(&m, num);
        buf_append(&m, "\n", 1);
        gd_md_block(&m, e->kind == GT_DBG_IN_HEADER ? &k->headers : &k->trailers);
        buf_append(&m, "\n", 1);
        break;
    default: return;
    }
    buf extra = {0};
    http_log_field(&extra, "group", v->group);
    snprintf(num, sizeof num, "%lld", (long long)v->iter);
    http_log_field(&extra, "iter", num);
    http_log_field(&extra, "scenario", v->scenario ? v->scenario : "");
    http_log_field(&extra, "source", "http-debug");
    snprintf(num, sizeof num, "%d", v->id);
    http_log_field(&extra, "vu", num);
    if (m.p && extra.p) log_msg(LOG_INFO, extra.p, m.p, m.len);
    buf_free(&m);
    buf_free(&extra);
}
