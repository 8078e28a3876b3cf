/* k6/net/grpc's server reflection (connect() with reflect: true), as k6's
 * grpcext/reflect.go through jhump/protoreflect's grpcreflect client:
 * grpc.reflection.v1 first, v1alpha when the server does not implement v1;
 * list_services "*", then file_containing_symbol for every service; the
 * FileDescriptorProtos that come back go into the client's pool (pb_add_file
 * builds each once its imports are there).
 *
 * The reflection messages are four fields deep and fixed by the protocol,
 * so they are written and read here directly on the wire format
 * (ServerReflectionRequest: list_services = 7, file_containing_symbol = 4;
 * ServerReflectionResponse: file_descriptor_response = 4 {repeated bytes
 * file_descriptor_proto = 1}, list_services_response = 6 {repeated
 * ServiceResponse service = 1 {name = 1}}, error_response = 7 {error_code
 * = 1, error_message = 2}). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "exec/worker.h"
#include "js/modules/grpc.h"
#include "metrics/registry.h"
#include "util/clock.h"

typedef struct grpc_refl {
    vu *v;
    gt_call k;
    buf *msgs; /* responses not read yet */
    size_t nmsgs, cap, head;
    bool oom;
} grpc_refl;

static void grpc_refl_message(gt_call *k, const uint8_t *p, size_t n, void *ud) {
    grpc_refl *r = ud;
    (void)k;
    if (r->nmsgs == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 8;
        buf *m = realloc(r->msgs, cap * sizeof *m);
        if (!m) {
            r->oom = true;
            return;
        }
        memset(m + r->cap, 0, (cap - r->cap) * sizeof *m);
        r->msgs = m;
        r->cap = cap;
    }
    if (buf_append(&r->msgs[r->nmsgs], p, n)) r->oom = true;
    else r->nmsgs++;
    if (r->v->state == VU_WAITING) vu_wake(r->v);
}

static void grpc_refl_close(gt_call *k, void *ud) {
    grpc_refl *r = ud;
    (void)k;
    if (r->v->state == VU_WAITING) vu_wake(r->v);
}

static const gt_call_ops grpc_refl_ops = {NULL, grpc_refl_message, grpc_refl_close};

/* ---- the wire format, as far as reflection needs it ---- */

static bool pbr_varint(const uint8_t **p, const uint8_t *end, uint64_t *v) {
    *v = 0;
    for (int sh = 0; *p < end && sh < 64; sh += 7) {
        uint8_t b = *(*p)++;
        *v |= (uint64_t)(b & 0x7f) << sh;
        if (!(b & 0x80)) return true;
    }
    return false;
}

/* The next field: its number, wire type, and for length-delimited ones the bytes. */
static bool pbr_field(const uint8_t **p, const uint8_t *end, uint32_t *num, int *wt, uint64_t *val,
                      const uint8_t **data) {
    uint64_t key;
    if (!pbr_varint(p, end, &key)) return false;
    *num = (uint32_t)(key >> 3);
    *wt = (int)(key & 7);
    switch (*wt) {
    case 0: return pbr_varint(p, end, val);
    case 1:
        if (end - *p < 8) return false;
        *p += 8;
        return true;
    case 5:
        if (end - *p < 4) return false;
        *p += 4;
        return true;
    case 2:
        if (!pbr_varint(p, end, val) || *val > (uint64_t)(end - *p)) return false;
        *data = *p;
        *p += *val;
        return true;
    default: return false;
    }
}

static int pbr_put_string(buf *b, uint32_t field, const char *s) {
    size_t n = strlen(s);
    uint8_t h[12];
    size_t hn = 0;
    h[hn++] = (uint8_t)(field << 3 | 2);
    for (size_t x = n;; x >>= 7) {
        h[hn++] = (uint8_t)((x & 0x7f) | (x >= 0x80 ? 0x80 : 0));
        if (x < 0x80) break;
    }
    return buf_append(b, h, hn) || buf_append(b, s, n);
}

/* ---- the exchange ---- */

/* Waits for the next response (or the call's end); false if interrupted. */
static bool grpc_refl_next(grpc_refl *r, int64_t deadline_us) {
    while (r->head == r->nmsgs && !r->k.closed) {
        if (clock_now_us() >= deadline_us) {
            gt_call_cancel(&r->k, GT_DEADLINE_EXCEEDED, "context deadline exceeded");
            break;
        }
        if (!grpc_wait(r->v, deadline_us)) return false;
    }
    return true;
}

/* One response's content: services listed into names ("\0"-separated),
 * files into the pool; -1 with err for an error_response. */
static int grpc_refl_read(grpc_client *c, const buf *m, buf *names, char *err, size_t n) {
    const uint8_t *p = (const uint8_t *)m->p, *end = p + m->len, *d;
    uint32_t num;
    int wt;
    uint64_t val;
    while (p < end) {
        if (!pbr_field(&p, end, &num, &wt, &val, &d)) goto bad;
        if (wt != 2 || (num != 4 && num != 6 && num != 7)) continue;
        const uint8_t *q = d, *qend = d + val, *e;
        uint32_t in;
        int iwt;
        uint64_t ival;
        int code = 0;
        char msg[512] = "";
        while (q < qend) {
            if (!pbr_field(&q, qend, &in, &iwt, &ival, &e)) goto bad;
            if (num == 4 && in == 1 && iwt == 2) {
                if (grpc_pb_add_file(c->pool, e, (size_t)ival, err, n)) return -1;
            } else if (num == 6 && in == 1 && iwt == 2) {
                const uint8_t *s = e, *send = e + ival, *sv;
                uint32_t sn;
                int swt;
                uint64_t sl;
                while (s < send) {
                    if (!pbr_field(&s, send, &sn, &swt, &sl, &sv)) goto bad;
                    if (sn == 1 && swt == 2 && (buf_append(names, sv, (size_t)sl) || buf_append(names, "", 1))) {
                        snprintf(err, n, "out of memory");
                        return -1;
                    }
                }
            } else if (num == 7 && in == 1 && iwt == 0) {
                code = (int)ival;
            } else if (num == 7 && in == 2 && iwt == 2) {
                snprintf(msg, sizeof msg, "%.*s", (int)ival, (const char *)e);
            }
        }
        if (num == 7) { /* grpcreflect turns an error_response into a status error */
            snprintf(err, n, "rpc error: code = %s desc = %s", grpc_code_name(code), msg);
            return -1;
        }
    }
    return 0;
bad:
    snprintf(err, n, "proto: cannot parse invalid wire-format data");
    return -1;
}

static void grpc_refl_free(grpc_refl *r) {
    for (size_t i = 0; i < r->cap; i++) buf_free(&r->msgs[i]);
    free(r->msgs);
    gt_call_free(&r->k);
}

/* One version of the protocol. 1: the server does not implement it. */
static int grpc_refl_run(grpc_client *c, const char *path, const grpc_md *md, int64_t deadline_us, char *err,
                         size_t n) {
    vu *v = c->v;
    grpc_refl r;
    memset(&r, 0, sizeof r);
    r.v = v;
    const char *flat[2 * GRPC_MAX_MD];
    size_t lens[GRPC_MAX_MD];
    size_t nmd = grpc_md_flat(md, flat, lens);
    buf req = {0}, names = {0}, junk = {0};
    int rc = -1;
    int64_t t0 = clock_now_us();
    if (gt_call_start(c->conn, &r.k, path, flat, lens, nmd, (deadline_us - clock_now_us()) / 1000, &grpc_refl_ops,
                      &r)) {
        snprintf(err, n, "can't list services: %s", r.k.message.p ? r.k.message.p : "");
        goto out;
    }
    if (pbr_put_string(&req, 7, "*") || gt_call_send(&r.k, (const uint8_t *)req.p, req.len, false)) goto oom;
    if (!grpc_refl_next(&r, deadline_us)) {
        err[0] = 0;
        gt_call_cancel(&r.k, GT_CANCELED, "context canceled");
        goto out;
    }
    if (r.head == r.nmsgs) { /* the call ended without an answer */
        if (r.k.status == GT_UNIMPLEMENTED) rc = 1;
        else
            snprintf(err, n, "can't list services: rpc error: code = %s desc = %s", grpc_code_name(r.k.status),
                     r.k.message.p ? r.k.message.p : "");
        goto out;
    }
    char why[600];
    if (grpc_refl_read(c, &r.msgs[r.head++], &names, why, sizeof why)) {
        snprintf(err, n, "can't list services: %s", why);
        goto out;
    }
    size_t want = 0;
    for (size_t i = 0; i < names.len; i += strlen(names.p + i) + 1) {
        buf_clear(&req);
        if (pbr_put_string(&req, 4, names.p + i) || gt_call_send(&r.k, (const uint8_t *)req.p, req.len, false))
            goto oom;
        want++;
    }
    gt_call_close_send(&r.k);
    for (size_t i = 0, got = 0; got < want; got++) {
        const char *svc = names.p + i;
        i += strlen(svc) + 1;
        if (!grpc_refl_next(&r, deadline_us)) {
            err[0] = 0;
            gt_call_cancel(&r.k, GT_CANCELED, "context canceled");
            goto out;
        }
        if (r.head == r.nmsgs) {
            snprintf(err, n, "can't get method on service \"%s\": rpc error: code = %s desc = %s", svc,
                     grpc_code_name(r.k.status), r.k.message.p ? r.k.message.p : "");
            goto out;
        }
        if (grpc_refl_read(c, &r.msgs[r.head++], &junk, why, sizeof why)) {
            snprintf(err, n, "can't get method on service \"%s\": %s", svc, why);
            goto out;
        }
    }
    if (grpc_pb_resolve(c->pool, why, sizeof why)) {
        snprintf(err, n, "can't convert method info: %s", why);
        goto out;
    }
    rc = r.oom ? -1 : 0;
    if (r.oom) snprintf(err, n, "out of memory");
    if (!r.k.closed) gt_call_cancel(&r.k, GT_CANCELED, "context canceled");
    goto out;
oom:
    snprintf(err, n, "out of memory");
out:
    /* grpcext's stats handler times the reflection call too, with the VU's tags */
    if (r.k.conn || r.k.closed) {
        uint32_t tags = grpc_tags(v, c->addr, NULL, NULL, rc == 1 ? GT_UNIMPLEMENTED : r.k.status);
        sample_push(&v->w->samples, M_GRPC_REQ_DURATION, tags, (double)(clock_now_us() - t0) / 1000.0,
                    sample_now(&v->w->samples));
    }
    buf_free(&req);
    buf_free(&names);
    buf_free(&junk);
    grpc_refl_free(&r);
    return rc;
}

int grpc_reflect(grpc_client *c, const grpc_md *md, int64_t deadline_us, char *err, size_t n) {
    int rc = grpc_refl_run(c, "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo", md, deadline_us, err, n);
    if (rc == 1)
        rc =
            grpc_refl_run(c, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", md, deadline_us, err, n);
    if (rc == 1)
        snprintf(err, n,
                 "can't list services: rpc error: code = Unimplemented desc = unknown service "
                 "grpc.reflection.v1alpha.ServerReflection");
    return rc ? -1 : 0;
}
