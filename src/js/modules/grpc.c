/* The "k6/net/grpc" module: Client (load, loadProtoset, connect, invoke,
 * asyncInvoke, healthCheck, close), the Status and HealthCheck constants.
 * Streams are in grpc_stream.c.
 *
 * A Client holds its descriptors (a protobuf pool from grpc/pb.h, filled
 * by load()/loadProtoset() in the init context or by reflection at
 * connect()) and one connection (grpc/transport.h) on the VU's worker
 * loop: one per VU and target, as k6's clients. connect() and invoke()
 * block the VU (its coroutine waits) until the loop reports.
 *
 * Facts from k6 v2.2.0 (internal/js/modules/k6/grpc: client.go, params.go,
 * grpc.go; internal/lib/netext/grpcext/conn.go): the error texts, the
 * defaults (connect timeout 1 minute, invoke timeout 2 minutes), the
 * response object {message, error, headers, trailers, status} with error
 * {code, message, details} (google.rpc.Status as protojson), and
 * grpc_req_duration's tags (url = address + method, service, method, name,
 * status). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "config/duration.h"
#include "exec/test.h"
#include "exec/worker.h"
#include "grpc/transport.h"
#include "js/bytes.h"
#include "js/go_value.h"
#include "js/modules/grpc.h"
#include "js/modules/http.h"
#include "js/script.h"
#include "js/vm.h"
#include "metrics/registry.h"
#include "net/dialer.h"
#include "net/tls.h"
#include "util/clock.h"

#define GRPC_UA_SUFFIX " grpc-go/1.78.0" /* grpc-go's WithUserAgent appends its own (k6 v2.2.0: grpc v1.78.0) */

JSValue k6_throw_interrupted(JSContext *ctx);

static JSClassID grpc_client_class_id;

/* ---- the protobuf side (grpc/pb.h) ---- */

grpc_client *grpc_client_of(JSContext *ctx, JSValueConst v) { return JS_GetOpaque(v, grpc_client_class_id); }

static void grpc_tls_release(grpc_client *c) {
    if (c->tls_ctx) tlsio_ctx_free(c->tls_ctx);
    tls_config_free(c->tls_cfg);
    c->tls_ctx = NULL;
    c->tls_cfg = NULL;
}

static void grpc_client_finalizer(JSRuntime *rt, JSValue val) {
    (void)rt;
    grpc_client *c = JS_GetOpaque(val, grpc_client_class_id);
    if (!c) return;
    gt_conn_close(c->conn);
    grpc_pb_free(c->pool);
    grpc_tls_release(c);
    gt_call_free(&c->u.k);
    buf_free(&c->u.msg);
    buf_free(&c->u.json);
    buf_free(&c->u.wire);
    free(c->addr);
    free(c);
}

static JSClassDef grpc_client_class = {"Client", .finalizer = grpc_client_finalizer};

void grpc_class_init(JSRuntime *rt) {
    if (!grpc_client_class_id) JS_NewClassID(&grpc_client_class_id);
    JS_NewClass(rt, grpc_client_class_id, &grpc_client_class);
    grpc_stream_class_init(rt);
}

static JSValue grpc_client_ctor(JSContext *ctx, JSValueConst new_target, int argc, JSValueConst *argv) {
    (void)argc;
    (void)argv;
    JSValue proto = JS_GetPropertyStr(ctx, new_target, "prototype");
    if (JS_IsException(proto)) return proto;
    JSValue obj = JS_NewObjectProtoClass(ctx, proto, grpc_client_class_id);
    JS_FreeValue(ctx, proto);
    if (JS_IsException(obj)) return obj;
    grpc_client *c = calloc(1, sizeof *c);
    if (!c) {
        JS_FreeValue(ctx, obj);
        return JS_ThrowOutOfMemory(ctx);
    }
    c->v = vu_from_ctx(ctx);
    JS_SetOpaque(obj, c);
    return obj;
}

static grpc_client *grpc_this(JSContext *ctx, JSValueConst this_val) {
    grpc_client *c = JS_GetOpaque(this_val, grpc_client_class_id);
    if (!c) JS_ThrowTypeError(ctx, "not a grpc.Client");
    return c;
}

/* [{package, service, full_method}] (k6's MethodInfo, snake-cased) */
static JSValue grpc_method_infos(JSContext *ctx, grpc_client *c) {
    JSValue arr = JS_NewArray(ctx);
    size_t n = grpc_pb_last_count(c->pool);
    uint32_t j = 0;
    for (size_t i = 0; i < n; i++) {
        grpc_method m;
        if (grpc_pb_last_at(c->pool, i, &m)) continue;
        JSValue o = JS_NewObject(ctx);
        JS_SetPropertyStr(ctx, o, "package", JS_NewString(ctx, m.package));
        JS_SetPropertyStr(ctx, o, "service", JS_NewString(ctx, m.service));
        JS_SetPropertyStr(ctx, o, "full_method", JS_NewString(ctx, m.full_name));
        JS_SetPropertyUint32(ctx, arr, j++, o);
    }
    return arr;
}

static bool grpc_pool(JSContext *ctx, grpc_client *c) {
    if (c->pool) return true;
    char err[256];
    c->pool = grpc_pb_new(err, sizeof err);
    if (!c->pool) js_throw_error(ctx, "GoError", "%s", err);
    return c->pool != NULL;
}

/* The file cache load() and loadProtoset() read through (NULL: none, disk). */
static script *grpc_script(vu *v) { return v->test ? v->test->script : NULL; }

static const char *grpc_main_path(vu *v) { return v->test ? ((script *)v->test->script)->main_path : "/"; }

/* The script's directory: what load()'s relative import paths are against. */
static char *grpc_base_dir(vu *v) { return script_resolve(grpc_main_path(v), "."); }

/* client.load(importPaths, ...protoFiles): init context only (client.go Load) */
static JSValue grpc_load(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    grpc_client *c = grpc_this(ctx, this_val);
    if (!c) return JS_EXCEPTION;
    vu *v = c->v;
    if (!v->in_init) return js_throw_error(ctx, "GoError", "load must be called in the init context");
    if (!grpc_pool(ctx, c)) return JS_EXCEPTION;
    const char *paths[64], *files[64];
    size_t np = 0, nf = 0;
    JSValue ret = JS_EXCEPTION;
    char *base = NULL;
    if (argc > 0 && !JS_IsNull(argv[0]) && !JS_IsUndefined(argv[0])) {
        JSValue lenv = JS_GetPropertyStr(ctx, argv[0], "length");
        uint32_t len = 0;
        JS_ToUint32(ctx, &len, lenv);
        JS_FreeValue(ctx, lenv);
        for (uint32_t i = 0; i < len && np < 64; i++) {
            JSValue e = JS_GetPropertyUint32(ctx, argv[0], i);
            paths[np] = JS_ToCString(ctx, e);
            JS_FreeValue(ctx, e);
            if (!paths[np]) goto out;
            np++;
        }
    }
    for (int i = 1; i < argc && nf < 64; i++) {
        files[nf] = JS_ToCString(ctx, argv[i]);
        if (!files[nf]) goto out;
        nf++;
    }
    if (!(base = grpc_base_dir(v))) {
        ret = JS_ThrowOutOfMemory(ctx);
        goto out;
    }
    char err[1024];
    if (grpc_pb_load(c->pool, grpc_script(v), base, paths, np, files, nf, err, sizeof err))
        ret = js_throw_error(ctx, "GoError", "%s", err);
    else ret = grpc_method_infos(ctx, c);
out:
    free(base);
    for (size_t i = 0; i < np; i++) JS_FreeCString(ctx, paths[i]);
    for (size_t i = 0; i < nf; i++) JS_FreeCString(ctx, files[i]);
    return ret;
}

/* client.loadProtoset(file): init context only */
static JSValue grpc_load_protoset(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    grpc_client *c = grpc_this(ctx, this_val);
    if (!c) return JS_EXCEPTION;
    vu *v = c->v;
    if (!v->in_init) return js_throw_error(ctx, "GoError", "load must be called in the init context");
    if (!grpc_pool(ctx, c)) return JS_EXCEPTION;
    const char *s = JS_ToCString(ctx, argc > 0 ? argv[0] : JS_UNDEFINED);
    if (!s) return JS_EXCEPTION;
    char *abs = script_resolve(grpc_main_path(v), strncmp(s, "file://", 7) == 0 ? s + 7 : s);
    JSValue ret;
    char err[1024];
    if (!abs) ret = JS_ThrowOutOfMemory(ctx);
    else if (grpc_pb_load_protoset(c->pool, grpc_script(v), abs, s, err, sizeof err))
        ret = js_throw_error(ctx, "GoError", "%s", err);
    else ret = grpc_method_infos(ctx, c);
    free(abs);
    JS_FreeCString(ctx, s);
    return ret;
}

/* ---- waiting on the loop ---- */

/* Waits for a wake or the deadline (monotonic µs; 0: none); false if the VU was interrupted. */
bool grpc_wait(vu *v, int64_t deadline_us) {
    /* the timer is rounded down: the caller waits again for what is left, so
     * that its deadline passes before a server's answer to the same grpc-timeout */
    return !vm_cut_off(v) && vu_wait_until(v, deadline_us ? deadline_us : INT64_MAX);
}

/* ---- params ---- */

/* k6's types.GetDurationValue: a number is milliseconds, a string a Go duration */
static int grpc_duration_ms(JSContext *ctx, JSValueConst v, int64_t *ms, char *err, size_t n) {
    if (JS_IsNumber(v)) {
        double d;
        JS_ToFloat64(ctx, &d, v);
        *ms = (int64_t)d;
        return 0;
    }
    if (JS_IsString(v)) {
        const char *s = JS_ToCString(ctx, v);
        if (!s) return -1;
        int64_t ns;
        int rc = duration_go_parse(s, &ns, err, n) ? -1 : 0;
        if (rc == 0) *ms = ns / 1000000;
        JS_FreeCString(ctx, s);
        return rc ? -1 : 0;
    }
    snprintf(err, n, "unable to parse duration value");
    return -1;
}

/* metadata {key: string | ArrayBuffer (for -bin keys)} into md (params.go newMetadata) */
int grpc_metadata_read(JSContext *ctx, JSValueConst obj, grpc_md *md, char *err, size_t n) {
    md->n = 0;
    if (JS_IsUndefined(obj) || JS_IsNull(obj)) return 0;
    if (!JS_IsObject(obj)) {
        snprintf(err, n, "must be an object with key-value pairs");
        return -1;
    }
    JSPropertyEnum *props;
    uint32_t np;
    if (JS_GetOwnPropertyNames(ctx, &props, &np, obj, JS_GPN_STRING_MASK | JS_GPN_ENUM_ONLY)) return -1;
    int rc = 0;
    for (uint32_t i = 0; i < np && rc == 0; i++) {
        const char *k = JS_AtomToCString(ctx, props[i].atom);
        JSValue val = JS_GetProperty(ctx, obj, props[i].atom);
        size_t kl = k ? strlen(k) : 0;
        if (!k) rc = -1;
        else if (md->n >= GRPC_MAX_MD) {
        } else if (kl > 4 && strcmp(k + kl - 4, "-bin") == 0) {
            size_t bl;
            uint8_t *b = js_binary_bytes(ctx, val, &bl);
            if (!b) {
                snprintf(err, n, "\"%s\" value must be binary", k);
                rc = -2;
            } else {
                md->k[md->n] = strdup(k);
                md->v[md->n] = malloc(bl + 1);
                if (!md->k[md->n] || !md->v[md->n]) {
                    free(md->k[md->n]);
                    free(md->v[md->n]);
                    rc = -1;
                } else {
                    memcpy(md->v[md->n], b, bl);
                    md->v[md->n][bl] = 0;
                    md->len[md->n++] = bl;
                }
            }
        } else if (!JS_IsString(val)) {
            snprintf(err, n, "\"%s\" value must be a string", k);
            rc = -2;
        } else {
            size_t sl;
            const char *s = JS_ToCStringLen(ctx, &sl, val);
            md->k[md->n] = strdup(k);
            md->v[md->n] = s ? malloc(sl + 1) : NULL;
            if (!md->k[md->n] || !md->v[md->n]) {
                free(md->k[md->n]);
                free(md->v[md->n]);
                rc = -1;
            } else {
                memcpy(md->v[md->n], s, sl + 1);
                md->len[md->n++] = sl;
            }
            JS_FreeCString(ctx, s);
        }
        /* keys go lower-case, as grpc-go's metadata.MD */
        if (rc == 0 && md->n && md->k[md->n - 1])
            for (char *p = md->k[md->n - 1]; *p; p++) *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
        JS_FreeCString(ctx, k);
        JS_FreeValue(ctx, val);
    }
    for (uint32_t i = 0; i < np; i++) JS_FreeAtom(ctx, props[i].atom);
    js_free(ctx, props);
    return rc;
}

void grpc_md_free(grpc_md *md) {
    for (int i = 0; i < md->n; i++) {
        free(md->k[i]);
        free(md->v[i]);
    }
    md->n = 0;
}

/* the md as name/value pointers for gt_call_start */
size_t grpc_md_flat(const grpc_md *md, const char **flat, size_t *lens) {
    for (int i = 0; i < md->n; i++) {
        flat[2 * i] = md->k[i];
        flat[2 * i + 1] = md->v[i];
        lens[i] = md->len[i];
    }
    return (size_t)md->n;
}

/* invoke()/Stream params (params.go newCallParams); -1: threw */
int grpc_call_params_read(JSContext *ctx, JSValueConst p, const char *who, grpc_call_params *cp) {
    memset(cp, 0, sizeof *cp);
    cp->tags.keep_nul = true;
    if (JS_IsUndefined(p) || JS_IsNull(p)) return 0;
    JSPropertyEnum *props;
    uint32_t np;
    if (!JS_IsObject(p) || JS_GetOwnPropertyNames(ctx, &props, &np, p, JS_GPN_STRING_MASK | JS_GPN_ENUM_ONLY)) return 0;
    int rc = 0;
    char err[300];
    for (uint32_t i = 0; i < np && rc == 0; i++) {
        const char *k = JS_AtomToCString(ctx, props[i].atom);
        JSValue val = JS_GetProperty(ctx, p, props[i].atom);
        if (!k) rc = -1;
        else if (strcmp(k, "metadata") == 0) {
            int r = grpc_metadata_read(ctx, val, &cp->md, err, sizeof err);
            if (r == -2) js_throw_error(ctx, "GoError", "%s: invalid metadata param: %s", who, err);
            if (r) rc = -1;
        } else if (strcmp(k, "tags") == 0) {
            if (vm_pairs_read(ctx, val, &cp->tags)) rc = -1;
        } else if (strcmp(k, "timeout") == 0) {
            if (grpc_duration_ms(ctx, val, &cp->timeout_ms, err, sizeof err)) {
                js_throw_error(ctx, "GoError", "%s: invalid timeout value: %s", who, err);
                rc = -1;
            }
        } else if (strcmp(k, "discardResponseMessage") == 0) {
            cp->discard = JS_ToBool(ctx, val) > 0;
        } else {
            js_throw_error(ctx, "GoError", "%s: unknown param: \"%s\"", who, k);
            rc = -1;
        }
        JS_FreeCString(ctx, k);
        JS_FreeValue(ctx, val);
    }
    for (uint32_t i = 0; i < np; i++) JS_FreeAtom(ctx, props[i].atom);
    js_free(ctx, props);
    return rc;
}

void grpc_call_params_free(grpc_call_params *cp) {
    grpc_md_free(&cp->md);
    vm_pairs_free(&cp->tags);
}

/* ---- tags and metrics ---- */

/* The call's tags (params.go SetSystemTags): url = address + method,
 * service and method from "/svc/method", name = the method unless the
 * user's tags name it, status when known (>= 0). */
uint32_t grpc_tags(vu *v, const char *addr, const char *method, const vm_pairs *user, int status) {
    tag_kv kv[VU_BASE_TAGS + VM_MAX_PAIRS + 6];
    char url[1024], svc[512], meth[256], st[16];
    size_t n = vu_base_tags(v, kv, v->group);
    if (!method) { /* calls k6 makes itself (health checks, reflection): the VU's tags and the status */
        if (status >= 0 && vu_tag_on(v, ST_STATUS)) {
            snprintf(st, sizeof st, "%d", status);
            kv[n++] = (tag_kv){"status", st};
        }
        return tagdict_intern(v->w->samples.tags, kv, n);
    }
    snprintf(url, sizeof url, "%s%s", addr, method);
    const char *slash = strchr(method + 1, '/');
    size_t sl = slash ? (size_t)(slash - method - 1) : strlen(method + 1);
    snprintf(svc, sizeof svc, "%.*s", (int)(sl < sizeof svc ? sl : sizeof svc - 1), method + 1);
    snprintf(meth, sizeof meth, "%s", slash ? slash + 1 : "");
    bool named = false;
    for (int i = 0; user && i < user->n; i++) named = named || strcmp(user->k[i], "name") == 0;
    if (vu_tag_on(v, ST_URL)) kv[n++] = (tag_kv){"url", url};
    if (vu_tag_on(v, ST_SERVICE)) kv[n++] = (tag_kv){"service", svc};
    if (vu_tag_on(v, ST_METHOD)) kv[n++] = (tag_kv){"method", meth};
    if (!named && vu_tag_on(v, ST_NAME)) kv[n++] = (tag_kv){"name", method};
    if (status >= 0 && vu_tag_on(v, ST_STATUS)) {
        snprintf(st, sizeof st, "%d", status);
        kv[n++] = (tag_kv){"status", st};
    }
    for (int i = 0; user && i < user->n; i++) kv[n++] = (tag_kv){user->k[i], user->v[i]};
    return tagdict_intern(v->w->samples.tags, kv, n);
}

/* grpc_tags plus the peer's address as `ip` when systemTags has it (grpcext's OutHeader stat) */
uint32_t grpc_call_tags(grpc_client *c, const char *method, const vm_pairs *user, int status) {
    vu *v = c->v;
    if (!vu_tag_on(v, ST_IP) || !c->conn || !c->conn->remote_ip[0]) return grpc_tags(v, c->addr, method, user, status);
    vm_pairs more = *user;
    more.owned = 0;
    if (more.n < VM_MAX_PAIRS) {
        more.k[more.n] = "ip";
        more.v[more.n++] = c->conn->remote_ip;
    }
    return grpc_tags(v, c->addr, method, &more, status);
}

/* data_sent / data_received: the connection's bytes since the last report */
void grpc_push_bytes(grpc_client *c, uint32_t tags) {
    vu *v = c->v;
    if (!c->conn) return;
    int64_t now = sample_now(&v->w->samples);
    uint64_t s = c->conn->bytes_sent - c->sent_reported, r = c->conn->bytes_received - c->recv_reported;
    if (s) sample_push(&v->w->samples, M_DATA_SENT, tags, (double)s, now);
    if (r) sample_push(&v->w->samples, M_DATA_RECEIVED, tags, (double)r, now);
    c->sent_reported = c->conn->bytes_sent;
    c->recv_reported = c->conn->bytes_received;
}

/* ---- connect ---- */

static void grpc_on_connected(gt_conn *k, int ok, void *ud) {
    grpc_client *c = ud;
    (void)k;
    c->connect_done = true;
    c->connect_ok = ok;
    if (c->v->state == VU_WAITING) vu_wake(c->v);
}

/* "host:port" (or "[v6]:port"); a missing port is 443 with TLS, 80 without */
static int grpc_split_addr(const char *addr, bool tls, char *host, size_t hn, int *port) {
    const char *a = addr;
    if (strncmp(a, "dns:///", 7) == 0) a += 7;
    const char *colon = NULL;
    if (a[0] == '[') {
        const char *end = strchr(a, ']');
        if (!end) return -1;
        snprintf(host, hn, "%.*s", (int)(end - a - 1), a + 1);
        colon = end[1] == ':' ? end + 1 : NULL;
    } else {
        colon = strrchr(a, ':');
        size_t l = colon ? (size_t)(colon - a) : strlen(a);
        if (l >= hn) return -1;
        snprintf(host, hn, "%.*s", (int)l, a);
    }
    *port = tls ? 443 : 80;
    if (colon) {
        char *end;
        long p = strtol(colon + 1, &end, 10);
        if (*end || p <= 0 || p > 65535) return -1;
        *port = (int)p;
    }
    return host[0] ? 0 : -1;
}

/* v as Go's %#v shows the value sobek exported (js/go_value.h), cut to n bytes */
static void grpc_gov(JSContext *ctx, JSValueConst v, char *out, size_t n) {
    buf b = {0};
    js_go_sharp_v(ctx, v, &b);
    snprintf(out, n, "%s", b.p ? b.p : "");
    buf_free(&b);
}

/* params.go parseConnectTLSParam: the tls param's form; its messages quote the whole map */
static int grpc_tls_param_check(JSContext *ctx, JSValueConst tls, char *err, size_t n) {
    static const struct {
        const char *key, *why;
    } strs[] = {{"cert", "cert value: '%s', it needs to be a PEM formatted string"},
                {"key", "key value: '%s', it needs to be a PEM formatted string"},
                {"password", "password value: '%s', it needs to be a string"}};
    const char *bad = NULL;
    if (!JS_IsObject(tls) || JS_IsArray(ctx, tls) > 0 || JS_IsFunction(ctx, tls))
        bad = "value: '%s', expected (optional) keys: cert, key, password, and cacerts";
    for (size_t i = 0; !bad && i < sizeof strs / sizeof strs[0]; i++) {
        JSAtom a = JS_NewAtom(ctx, strs[i].key);
        int has = JS_GetOwnProperty(ctx, NULL, tls, a);
        JS_FreeAtom(ctx, a);
        JSValue v = has > 0 ? JS_GetPropertyStr(ctx, tls, strs[i].key) : JS_UNDEFINED;
        if (has > 0 && !JS_IsString(v)) bad = strs[i].why;
        JS_FreeValue(ctx, v);
    }
    if (!bad) {
        JSAtom a = JS_NewAtom(ctx, "cacerts");
        int has = JS_GetOwnProperty(ctx, NULL, tls, a);
        JS_FreeAtom(ctx, a);
        JSValue v = has > 0 ? JS_GetPropertyStr(ctx, tls, "cacerts") : JS_UNDEFINED;
        bool ok = has <= 0 || JS_IsString(v);
        if (!ok && JS_IsArray(ctx, v) > 0) {
            int64_t len = 0;
            JSValue l = JS_GetPropertyStr(ctx, v, "length");
            JS_ToInt64(ctx, &len, l);
            JS_FreeValue(ctx, l);
            ok = true;
            for (int64_t i = 0; ok && i < len; i++) {
                JSValue e = JS_GetPropertyUint32(ctx, v, (uint32_t)i);
                ok = JS_IsString(e);
                JS_FreeValue(ctx, e);
            }
        }
        if (!ok) bad = "cacerts value: '%s', it needs to be a string or an array of PEM formatted strings";
        JS_FreeValue(ctx, v);
    }
    if (!bad) return 0;
    char gv[300], why[400];
    grpc_gov(ctx, tls, gv, sizeof gv);
    snprintf(why, sizeof why, bad, gv);
    snprintf(err, n, "invalid tls %s", why);
    return -1;
}

static int grpc_connect_params_read(JSContext *ctx, JSValueConst p, grpc_connect_params *o) {
    o->timeout_ms = 60000; /* params.go: time.Minute */
    if (JS_IsUndefined(p) || JS_IsNull(p)) return 0;
    JSPropertyEnum *props;
    uint32_t np;
    if (!JS_IsObject(p) || JS_GetOwnPropertyNames(ctx, &props, &np, p, JS_GPN_STRING_MASK | JS_GPN_ENUM_ONLY)) return 0;
    int rc = 0;
    char err[512], gv[300];
#define BAD(...)                                                                                                       \
    do {                                                                                                               \
        char m_[640];                                                                                                  \
        snprintf(m_, sizeof m_, __VA_ARGS__);                                                                          \
        js_throw_error(ctx, "GoError", "invalid grpc.connect() parameters: %s", m_);                                   \
        rc = -1;                                                                                                       \
    } while (0)
    for (uint32_t i = 0; i < np && rc == 0; i++) {
        const char *k = JS_AtomToCString(ctx, props[i].atom);
        JSValue val = JS_GetProperty(ctx, p, props[i].atom);
        if (k) grpc_gov(ctx, val, gv, sizeof gv);
        if (!k) rc = -1;
        else if (strcmp(k, "plaintext") == 0) {
            if (!JS_IsBool(val)) BAD("invalid plaintext value: '%s', it needs to be boolean", gv);
            else o->plaintext = JS_ToBool(ctx, val);
        } else if (strcmp(k, "reflect") == 0) {
            if (!JS_IsBool(val)) BAD("invalid reflect value: '%s', it needs to be boolean", gv);
            else o->reflect = JS_ToBool(ctx, val);
        } else if (strcmp(k, "timeout") == 0) {
            if (grpc_duration_ms(ctx, val, &o->timeout_ms, err, sizeof err)) BAD("invalid timeout value: %s", err);
        } else if (strcmp(k, "reflectMetadata") == 0) {
            int r = grpc_metadata_read(ctx, val, &o->reflect_md, err, sizeof err);
            if (r == -2) BAD("invalid reflectMetadata param: %s", err);
            else if (r) rc = -1;
        } else if (strcmp(k, "maxReceiveSize") == 0 || strcmp(k, "maxSendSize") == 0) {
            double d;
            bool recv = k[3] == 'R';
            if (!JS_IsNumber(val) || JS_ToFloat64(ctx, &d, val) || d != floor(d))
                BAD("invalid %s value: '%s', it needs to be an integer", k, gv);
            else if (d < 0) BAD("invalid %s value: '%s, it needs to be a positive integer", k, gv);
            else if (recv) o->max_recv = d > 0x7fffffff ? 0x7fffffff : (uint32_t)d;
            else o->max_send = d > 0x7fffffff ? 0x7fffffff : (uint32_t)d;
        } else if (strcmp(k, "authority") == 0) {
            const char *s = JS_IsString(val) ? JS_ToCString(ctx, val) : NULL;
            if (!s) BAD("invalid authority value: '%s', it needs to be a string", gv);
            else {
                snprintf(o->authority, sizeof o->authority, "%s", s);
                JS_FreeCString(ctx, s);
            }
        } else if (strcmp(k, "tls") == 0) {
            if (grpc_tls_param_check(ctx, val, err, sizeof err)) BAD("%s", err);
            else o->tls = JS_DupValue(ctx, val);
        } else if (strcmp(k, "connectionSharing") == 0) {
            if (!JS_IsBool(val)) BAD("invalid connectionSharing value: '%s', it needs to be boolean", gv);
        } else {
            BAD("unknown connect param: \"%s\"", k);
        }
        JS_FreeCString(ctx, k);
        JS_FreeValue(ctx, val);
    }
#undef BAD
    for (uint32_t i = 0; i < np; i++) JS_FreeAtom(ctx, props[i].atom);
    js_free(ctx, props);
    return rc;
}

static JSValue grpc_connect(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    grpc_client *c = grpc_this(ctx, this_val);
    if (!c) return JS_EXCEPTION;
    vu *v = c->v;
    if (!v->w || v->in_init)
        return js_throw_error(ctx, "GoError", "connecting to a gRPC server in the init context is not supported");
    const char *addr = JS_ToCString(ctx, argc > 0 ? argv[0] : JS_UNDEFINED);
    if (!addr) return JS_EXCEPTION;
    grpc_connect_params o;
    memset(&o, 0, sizeof o);
    o.tls = JS_UNDEFINED;
    JSValue ret = JS_EXCEPTION;
    char host[256];
    int port;
    tlsio_ctx *tctx = NULL;
    tls_config *tcfg = NULL;
    if (grpc_connect_params_read(ctx, argc > 1 ? argv[1] : JS_UNDEFINED, &o)) goto out;
    if (grpc_split_addr(addr, !o.plaintext, host, sizeof host, &port)) {
        ret = js_throw_error(ctx, "GoError",
                             "connection error: desc = \"transport: error while dialing: dial tcp: address %s: missing "
                             "port in address\"",
                             addr);
        goto out;
    }
    if (!o.plaintext && JS_IsObject(o.tls)) {
        char err[512];
        if (grpc_tls_ctx(ctx, v, o.tls, &tctx, &tcfg, err, sizeof err)) {
            ret = err[0] ? js_throw_error(ctx, "GoError", "%s", err) : JS_EXCEPTION;
            goto out;
        }
    }
    if (c->conn) { /* a second connect() replaces the connection, as k6's does */
        gt_conn_close(c->conn);
        c->conn = NULL;
    }
    grpc_tls_release(c);
    c->tls_ctx = tctx;
    c->tls_cfg = tcfg;
    tctx = NULL;
    tcfg = NULL;
    char ua[512];
    snprintf(ua, sizeof ua, "%s%s", http_user_agent(v), GRPC_UA_SUFFIX);
    gt_conn_opts go = {.host = host,
                       .port = port,
                       .tls = !o.plaintext,
                       .tls_ctx = c->tls_ctx,
                       .authority = o.authority[0] ? o.authority : NULL,
                       .user_agent = ua,
                       .max_send = o.max_send,
                       .max_recv = o.max_recv};
    /* k6 dials through the VU's dialer (grpc client.go: state.Dialer.DialContext) */
    const net_dialer *d = v->test ? v->test->dialer : NULL;
    dialer_sa local;
    go.dialer = d;
    if (d && d->nlocal_total && dialer_local_addr(d, v->id, &local)) go.local = &local.sa;
    free(c->addr);
    c->addr = strdup(addr);
    c->connect_done = false;
    c->sent_reported = c->recv_reported = 0;
    if (!c->addr) {
        ret = JS_ThrowOutOfMemory(ctx);
        goto out;
    }
    c->conn = gt_conn_start(&v->w->loop, v->w->h1, &go, grpc_on_connected, c);
    if (c->conn && v->test && v->test->http_debug) { /* grpcext's statsHandler logs with --http-debug */
        c->conn->debug = grpc_debug_event;
        c->conn->debug_ud = c;
    }
    if (!c->conn) {
        ret = JS_ThrowOutOfMemory(ctx);
        goto out;
    }
    int64_t deadline = clock_now_us() + o.timeout_ms * 1000;
    while (!c->connect_done && clock_now_us() < deadline)
        if (!grpc_wait(v, deadline)) {
            ret = k6_throw_interrupted(ctx);
            goto out;
        }
    grpc_push_bytes(c, grpc_tags(v, c->addr, NULL, NULL, -1));
    if (!c->connect_done || !c->connect_ok) {
        char err[600];
        /* grpc-go's blocking dial (WithBlock, FailOnNonTempDialError,
         * WithReturnConnectionError): a refused connection fails at once;
         * other failures are retried until the timeout, then reported after
         * the context's error */
        bool retried = c->connect_done && !c->conn->err_final;
        if (retried)
            while (clock_now_us() < deadline)
                if (!grpc_wait(v, deadline)) {
                    ret = k6_throw_interrupted(ctx);
                    goto out;
                }
        if (!c->connect_done) snprintf(err, sizeof err, "context deadline exceeded");
        else if (retried) snprintf(err, sizeof err, "context deadline exceeded: %s", c->conn->err);
        else snprintf(err, sizeof err, "%s", c->conn->err);
        gt_conn_close(c->conn);
        c->conn = NULL;
        ret = js_throw_error(ctx, "GoError", "%s", err);
        goto out;
    }
    if (o.reflect) {
        char err[1024];
        if (!grpc_pool(ctx, c)) goto out;
        if (grpc_reflect(c, &o.reflect_md, deadline, err, sizeof err)) {
            ret = err[0] ? js_throw_error(ctx, "GoError", "%s", err) : k6_throw_interrupted(ctx);
            goto out;
        }
    }
    ret = JS_TRUE;
out:
    if (tctx) tlsio_ctx_free(tctx);
    tls_config_free(tcfg);
    grpc_md_free(&o.reflect_md);
    JS_FreeValue(ctx, o.tls);
    JS_FreeCString(ctx, addr);
    return ret;
}

/* ---- invoke ---- */

static void grpc_unary_message(gt_call *k, const uint8_t *p, size_t n, void *ud) {
    grpc_unary *u = ud;
    (void)k;
    buf_clear(&u->msg);
    if (buf_append(&u->msg, p, n) == 0) u->got_msg = true;
}

static void grpc_unary_close(gt_call *k, void *ud) {
    grpc_unary *u = ud;
    (void)k;
    if (u->v->state == VU_WAITING) vu_wake(u->v);
}

static const gt_call_ops grpc_unary_ops = {NULL, grpc_unary_message, grpc_unary_close};

/* {name: [values]} from "name\0value\0" pairs; -bin values decoded */
JSValue grpc_md_object(JSContext *ctx, const buf *b) {
    JSValue o = JS_NewObject(ctx);
    buf tmp = {0};
    /* each name once, with all its values: names compared here, not looked up in JS */
    for (size_t i = 0; i < b->len;) {
        const char *name = b->p + i;
        size_t nl = strlen(name);
        i += nl + 1;
        i += strlen(b->p + i) + 1;
        bool seen = false;
        for (size_t j = 0; j < (size_t)(name - b->p) && !seen;) {
            seen = strcmp(b->p + j, name) == 0;
            j += strlen(b->p + j) + 1;
            j += strlen(b->p + j) + 1;
        }
        if (seen) continue;
        bool bin = nl > 4 && strcmp(name + nl - 4, "-bin") == 0;
        JSValue arr = JS_NewArray(ctx);
        uint32_t n = 0;
        for (size_t j = (size_t)(name - b->p); j < b->len;) {
            const char *nm = b->p + j;
            j += strlen(nm) + 1;
            const char *val = b->p + j;
            size_t vl = strlen(val);
            j += vl + 1;
            if (strcmp(nm, name) != 0) continue;
            JSValue s;
            if (bin && gt_bin_decode(val, vl, &tmp) == 0) s = JS_NewStringLen(ctx, tmp.p ? tmp.p : "", tmp.len);
            else s = JS_NewStringLen(ctx, val, vl);
            JS_SetPropertyUint32(ctx, arr, n++, s);
        }
        JS_DefinePropertyValueStr(ctx, o, name, arr, JS_PROP_C_W_E);
    }
    buf_free(&tmp);
    return o;
}

/* JSON text of v (JSON.stringify, NaN and infinities as their protojson strings) */
/* JSON.stringify's replacer: NaN and the infinities as the strings k6's
 * normalizeNumberStrings makes of them (JSON.stringify alone gives null). */
static JSValue grpc_json_replacer(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    (void)this_val;
    if (argc < 2) return JS_UNDEFINED;
    if (JS_IsNumber(argv[1])) {
        double d;
        JS_ToFloat64(ctx, &d, argv[1]);
        if (isnan(d)) return JS_NewString(ctx, "NaN");
        if (isinf(d)) return JS_NewString(ctx, d > 0 ? "Infinity" : "-Infinity");
    }
    return JS_DupValue(ctx, argv[1]);
}

int grpc_json_text(JSContext *ctx, JSValueConst v, buf *out) {
    JSValue rep = JS_NewCFunction(ctx, grpc_json_replacer, "replacer", 2);
    JSValue s = JS_JSONStringify(ctx, v, rep, JS_UNDEFINED);
    JS_FreeValue(ctx, rep);
    if (JS_IsException(s)) return -1;
    size_t n;
    const char *p = JS_IsUndefined(s) ? NULL : JS_ToCStringLen(ctx, &n, s);
    int rc = p ? buf_append(out, p, n) : -1;
    if (p) JS_FreeCString(ctx, p);
    JS_FreeValue(ctx, s);
    return rc;
}

static int grpc_json_of(JSContext *ctx, JSValueConst v, buf *out) {
    JSValue rep = JS_NewCFunction(ctx, grpc_json_replacer, "replacer", 2);
    JSValue s = JS_JSONStringify(ctx, v, rep, JS_UNDEFINED);
    JS_FreeValue(ctx, rep);
    if (JS_IsException(s)) return -1;
    size_t n;
    const char *p = JS_IsUndefined(s) ? NULL : JS_ToCStringLen(ctx, &n, s);
    int rc = p ? buf_append(out, p, n) : -1;
    if (p) JS_FreeCString(ctx, p);
    JS_FreeValue(ctx, s);
    if (rc) JS_ThrowTypeError(ctx, "request cannot be nil");
    return rc;
}

JSValue grpc_message_value(JSContext *ctx, const grpc_method *m, const uint8_t *p, size_t n, buf *scratch, char *err,
                           size_t en) {
    buf own = {0}, *json = scratch ? scratch : &own;
    buf_clear(json);
    JSValue r;
    if (grpc_pb_to_json(m->out, p, n, json, err, en)) r = JS_EXCEPTION;
    else if (buf_append(json, "", 1)) r = JS_ThrowOutOfMemory(ctx); /* JS_ParseJSON wants the NUL */
    else r = JS_ParseJSON(ctx, json->p, json->len - 1, "<grpc>");
    buf_free(&own);
    return r;
}

/* the error object {code, message, details} (google.rpc.Status as protojson, EmitUnpopulated) */
static JSValue grpc_error_object(JSContext *ctx, int code, const char *msg) {
    JSValue e = JS_NewObject(ctx);
    JS_SetPropertyStr(ctx, e, "code", JS_NewInt32(ctx, code));
    JS_SetPropertyStr(ctx, e, "message", JS_NewString(ctx, msg));
    JS_SetPropertyStr(ctx, e, "details", JS_NewArray(ctx));
    return e;
}

/* Resolves client, method and params for invoke()/asyncInvoke(); the request's wire bytes into wire. */
static int grpc_prepare(JSContext *ctx, grpc_client *c, int argc, JSValueConst *argv, grpc_method *m, char *mname,
                        size_t mn, grpc_call_params *cp, buf *wire) {
    vu *v = c->v;
    if (!v->w || v->in_init) {
        js_throw_error(ctx, "GoError", "invoking RPC methods in the init context is not supported");
        return -1;
    }
    if (!c->conn) {
        js_throw_error(ctx, "GoError", "no gRPC connection, you must call connect first");
        return -1;
    }
    const char *method = JS_ToCString(ctx, argc > 0 ? argv[0] : JS_UNDEFINED);
    if (!method) return -1;
    if (!method[0]) {
        JS_FreeCString(ctx, method);
        js_throw_error(ctx, "GoError", "method to invoke cannot be empty");
        return -1;
    }
    snprintf(mname, mn, "%s%s", method[0] == '/' ? "" : "/", method);
    JS_FreeCString(ctx, method);
    if (!c->pool || grpc_pb_find(c->pool, mname, m)) {
        js_throw_error(ctx, "GoError", "method \"%s\" not found in file descriptors", mname);
        return -1;
    }
    if (grpc_call_params_read(ctx, argc > 2 ? argv[2] : JS_UNDEFINED, "invalid GRPC's client.invoke() parameters", cp))
        return -1;
    if (cp->timeout_ms == 0) cp->timeout_ms = 120000; /* client.go: 2 minutes */
    if (argc < 2 || JS_IsUndefined(argv[1]) || JS_IsNull(argv[1])) {
        js_throw_error(ctx, "GoError", "request cannot be nil");
        return -1;
    }
    buf *json = &c->u.json;
    char err[1024];
    buf_clear(json);
    buf_clear(wire);
    int rc = grpc_json_of(ctx, argv[1], json);
    if (rc == 0 && grpc_pb_from_json(m->in, json->p, json->len, wire, err, sizeof err)) {
        js_throw_error(ctx, "GoError", "unable to serialise request object to protocol buffer: %s", err);
        rc = -1;
    }
    return rc;
}

/* Runs one unary call to its end on the VU's stack; false if interrupted. */
static bool grpc_unary_run(grpc_client *c, grpc_unary *u, const char *mname, const grpc_call_params *cp,
                           const buf *wire) {
    vu *v = c->v;
    const char *flat[2 * GRPC_MAX_MD];
    size_t lens[GRPC_MAX_MD];
    size_t nmd = grpc_md_flat(&cp->md, flat, lens);
    u->v = v;
    u->got_msg = false;
    int64_t deadline = clock_now_us() + cp->timeout_ms * 1000;
    if (gt_call_start(c->conn, &u->k, mname, flat, lens, nmd, cp->timeout_ms, &grpc_unary_ops, u)) return true;
    if (gt_call_send(&u->k, (const uint8_t *)wire->p, wire->len, true) != 0) {
        char why[200];
        snprintf(why, sizeof why, "%.*s", (int)u->k.message.len, u->k.message.p ? u->k.message.p : "");
        gt_call_cancel(&u->k, u->k.status ? u->k.status : GT_INTERNAL, why);
    }
    while (!u->k.closed) {
        if (clock_now_us() >= deadline) {
            gt_call_cancel(&u->k, GT_DEADLINE_EXCEEDED, "context deadline exceeded");
            break;
        }
        if (!grpc_wait(v, deadline)) {
            gt_call_cancel(&u->k, GT_CANCELED, "context canceled");
            return false;
        }
    }
    return true;
}

/* The response object (conn.go InvokeResponse). */
JSValue grpc_response_value(JSContext *ctx, const gt_call *k, const grpc_method *m, const buf *msgbytes, bool got_msg,
                            bool discard, buf *scratch) {
    JSValue r = JS_NewObject(ctx);
    char err[512];
    JSValue msg = JS_NULL;
    if (!discard) {
        msg = grpc_message_value(ctx, m, got_msg ? (const uint8_t *)msgbytes->p : (const uint8_t *)"",
                                 got_msg ? msgbytes->len : 0, scratch, err, sizeof err);
        if (JS_IsException(msg)) {
            JS_FreeValue(ctx, r);
            return js_throw_error(ctx, "GoError", "unable to convert response object to JSON: %s", err);
        }
    }
    JS_SetPropertyStr(ctx, r, "message", msg);
    JS_SetPropertyStr(ctx, r, "error",
                      k->status ? grpc_error_object(ctx, k->status, k->message.p ? k->message.p : "") : JS_NULL);
    JS_SetPropertyStr(ctx, r, "headers", grpc_md_object(ctx, &k->headers));
    JS_SetPropertyStr(ctx, r, "trailers", grpc_md_object(ctx, &k->trailers));
    JS_SetPropertyStr(ctx, r, "status", JS_NewInt32(ctx, k->status));
    return r;
}

static JSValue grpc_invoke_common(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv, bool async) {
    grpc_client *c = grpc_this(ctx, this_val);
    if (!c) return JS_EXCEPTION;
    vu *v = c->v;
    grpc_method m;
    char mname[512];
    grpc_call_params cp;
    memset(&cp, 0, sizeof cp);
    JSValue ret = JS_EXCEPTION;
    grpc_unary *u = &c->u;
    if (grpc_prepare(ctx, c, argc, argv, &m, mname, sizeof mname, &cp, &u->wire)) {
        if (async) { /* k6's AsyncInvoke rejects its promise with the error */
            JSValue e = JS_GetException(ctx);
            JSValue fns[2];
            ret = JS_NewPromiseCapability(ctx, fns);
            JSValue r = JS_Call(ctx, fns[1], JS_UNDEFINED, 1, (JSValueConst *)&e);
            JS_FreeValue(ctx, r);
            JS_FreeValue(ctx, e);
            JS_FreeValue(ctx, fns[0]);
            JS_FreeValue(ctx, fns[1]);
        }
        goto out;
    }
    if (async) { /* runs on the VU's event loop, alongside other calls (grpc_stream.c) */
        ret = grpc_async_start(ctx, c, this_val, &m, mname, &cp, &u->wire);
        goto out;
    }
    int64_t t0 = clock_now_us();
    u->k.dbg_in = m.in;
    u->k.dbg_out = m.out;
    bool ok = grpc_unary_run(c, u, mname, &cp, &u->wire);
    double ms = (double)(clock_now_us() - t0) / 1000.0;
    uint32_t tags = grpc_call_tags(c, mname, &cp.tags, u->k.status);
    sample_push(&v->w->samples, M_GRPC_REQ_DURATION, tags, ms, sample_now(&v->w->samples));
    grpc_push_bytes(c, tags);
    if (!ok) {
        ret = k6_throw_interrupted(ctx);
        goto out;
    }
    ret = grpc_response_value(ctx, &u->k, &m, &u->msg, u->got_msg, cp.discard, &u->json);
out:
    grpc_call_params_free(&cp);
    return ret;
}

static JSValue grpc_invoke(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    return grpc_invoke_common(ctx, this_val, argc, argv, false);
}

static JSValue grpc_async_invoke(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    return grpc_invoke_common(ctx, this_val, argc, argv, true);
}

/* client.healthCheck(service?): grpc.health.v1.Health/Check, {status} */
static JSValue grpc_health_check(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    grpc_client *c = grpc_this(ctx, this_val);
    if (!c) return JS_EXCEPTION;
    vu *v = c->v;
    if (!v->w || v->in_init)
        return js_throw_error(ctx, "GoError", "invoking RPC methods in the init context is not supported");
    if (!c->conn) return js_throw_error(ctx, "GoError", "no gRPC connection, you must call connect first");
    const char *svc = argc > 0 && !JS_IsUndefined(argv[0]) ? JS_ToCString(ctx, argv[0]) : NULL;
    if (argc > 0 && !JS_IsUndefined(argv[0]) && !svc) return JS_EXCEPTION;
    /* HealthCheckRequest{service = 1} by hand: one length-delimited field */
    grpc_unary *u = &c->u;
    buf *wire = &u->wire;
    buf_clear(wire);
    size_t sl = svc ? strlen(svc) : 0;
    if (sl) {
        uint8_t h[6];
        size_t hn = 0;
        h[hn++] = 0x0a;
        for (size_t x = sl;; x >>= 7) {
            h[hn++] = (uint8_t)((x & 0x7f) | (x >= 0x80 ? 0x80 : 0));
            if (x < 0x80 || hn == sizeof h) break;
        }
        buf_append(wire, h, hn);
        buf_append(wire, svc, sl);
    }
    JS_FreeCString(ctx, svc);
    grpc_call_params cp;
    memset(&cp, 0, sizeof cp);
    cp.timeout_ms = 120000;
    int64_t t0 = clock_now_us();
    u->k.dbg_in = u->k.dbg_out = NULL; /* health.proto need not be loaded: payloads print empty */
    bool ok = grpc_unary_run(c, u, "/grpc.health.v1.Health/Check", &cp, wire);
    /* grpcext's stats handler times every RPC of the connection; this one carries no call tags */
    uint32_t tags = grpc_tags(v, c->addr, NULL, NULL, u->k.status);
    sample_push(&v->w->samples, M_GRPC_REQ_DURATION, tags, (double)(clock_now_us() - t0) / 1000.0,
                sample_now(&v->w->samples));
    grpc_push_bytes(c, tags);
    JSValue ret;
    if (!ok) ret = k6_throw_interrupted(ctx);
    else if (u->k.status)
        ret = js_throw_error(ctx, "GoError", "rpc error: code = %s desc = %s", grpc_code_name(u->k.status),
                             u->k.message.p ? u->k.message.p : "");
    else {
        /* HealthCheckResponse{status = 1 (enum)}: the varint of field 1 */
        int st = 0;
        const uint8_t *p = (const uint8_t *)u->msg.p;
        for (size_t i = 0; u->got_msg && i + 1 < u->msg.len;) {
            uint8_t tag = p[i++];
            uint64_t val = 0;
            int sh = 0;
            while (i < u->msg.len && sh < 64) {
                val |= (uint64_t)(p[i] & 0x7f) << sh;
                sh += 7;
                if (!(p[i++] & 0x80)) break;
            }
            if (tag == 0x08) st = (int)val;
            else if ((tag & 7) == 2) i += (size_t)val;
        }
        ret = JS_NewObject(ctx);
        JS_SetPropertyStr(ctx, ret, "status", JS_NewInt32(ctx, st));
    }
    return ret;
}

static JSValue grpc_close(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    (void)argc;
    (void)argv;
    grpc_client *c = grpc_this(ctx, this_val);
    if (!c) return JS_EXCEPTION;
    if (c->conn) {
        grpc_push_bytes(c, grpc_tags(c->v, c->addr, NULL, NULL, -1));
        gt_conn_close(c->conn);
        c->conn = NULL;
    }
    return JS_UNDEFINED;
}

const char *grpc_code_name(int code) {
    static const char *const names[] = {
        "OK",       "Canceled",       "Unknown",          "InvalidArgument",   "DeadlineExceeded",
        "NotFound", "AlreadyExists",  "PermissionDenied", "ResourceExhausted", "FailedPrecondition",
        "Aborted",  "OutOfRange",     "Unimplemented",    "Internal",          "Unavailable",
        "DataLoss", "Unauthenticated"};
    return code >= 0 && code < 17 ? names[code] : "Unknown";
}

static const JSCFunctionListEntry grpc_client_funcs[] = {
    JS_CFUNC_DEF("load", 1, grpc_load),
    JS_CFUNC_DEF("loadProtoset", 1, grpc_load_protoset),
    JS_CFUNC_DEF("connect", 2, grpc_connect),
    JS_CFUNC_DEF("invoke", 3, grpc_invoke),
    JS_CFUNC_DEF("asyncInvoke", 3, grpc_async_invoke),
    JS_CFUNC_DEF("healthCheck", 1, grpc_health_check),
    JS_CFUNC_DEF("close", 0, grpc_close),
};

/* ---- the module ---- */

static const struct {
    const char *name;
    int value;
} grpc_consts[] = {
    {"StatusOK", 0},
    {"StatusCanceled", 1},
    {"StatusUnknown", 2},
    {"StatusInvalidArgument", 3},
    {"StatusDeadlineExceeded", 4},
    {"StatusNotFound", 5},
    {"StatusAlreadyExists", 6},
    {"StatusPermissionDenied", 7},
    {"StatusResourceExhausted", 8},
    {"StatusFailedPrecondition", 9},
    {"StatusAborted", 10},
    {"StatusOutOfRange", 11},
    {"StatusUnimplemented", 12},
    {"StatusInternal", 13},
    {"StatusUnavailable", 14},
    {"StatusDataLoss", 15},
    {"StatusUnauthenticated", 16},
    {"HealthCheckUnknown", 0},
    {"HealthCheckServing", 1},
    {"HealthCheckNotServing", 2},
    {"HealthCheckServiceUnkown", 3}, /* sic, as k6 spells it (grpc.go) */
};
#define GRPC_NCONSTS (sizeof grpc_consts / sizeof *grpc_consts)

static int grpc_module_set(JSContext *ctx, JSModuleDef *m) {
    JSValue proto = JS_NewObject(ctx);
    JS_SetPropertyFunctionList(ctx, proto, grpc_client_funcs, sizeof grpc_client_funcs / sizeof *grpc_client_funcs);
    JSValue ctor = JS_NewCFunction2(ctx, grpc_client_ctor, "Client", 0, JS_CFUNC_constructor, 0);
    JS_SetConstructor(ctx, ctor, proto);
    JS_SetClassProto(ctx, grpc_client_class_id, proto);
    JSValue sctor = grpc_stream_ctor_new(ctx);
    JSValue def = JS_NewObject(ctx);
    JS_SetPropertyStr(ctx, def, "Client", JS_DupValue(ctx, ctor));
    JS_SetPropertyStr(ctx, def, "Stream", JS_DupValue(ctx, sctor));
    JS_SetModuleExport(ctx, m, "Client", ctor);
    JS_SetModuleExport(ctx, m, "Stream", sctor);
    for (size_t i = 0; i < GRPC_NCONSTS; i++) {
        JS_SetPropertyStr(ctx, def, grpc_consts[i].name, JS_NewInt32(ctx, grpc_consts[i].value));
        JS_SetModuleExport(ctx, m, grpc_consts[i].name, JS_NewInt32(ctx, grpc_consts[i].value));
    }
    return JS_SetModuleExport(ctx, m, "default", def);
}

JSModuleDef *grpc_module_init(JSContext *ctx, const char *name) {
    JSModuleDef *m = JS_NewCModule(ctx, name, grpc_module_set);
    if (!m) return NULL;
    JS_AddModuleExport(ctx, m, "Client");
    JS_AddModuleExport(ctx, m, "Stream");
    for (size_t i = 0; i < GRPC_NCONSTS; i++) JS_AddModuleExport(ctx, m, grpc_consts[i].name);
    JS_AddModuleExport(ctx, m, "default");
    return m;
}
