/* k6/net/grpc's Stream: new grpc.Stream(client, method, params) for
 * client-, server- and bidirectional streaming methods (k6 v2.2.0
 * internal/js/modules/k6/grpc: grpc.go stream(), stream.go, listeners.go).
 *
 * The call runs on the client's connection (grpc/transport.h); what the
 * loop reports is queued per VU (messages' bytes in one buffer reused once
 * the queue drains) and handled on the VU's stack by vm.c's event loop
 * (grpc_streams_source), as k6 queues its stream
 * events on the VU's task queue: the iteration lasts until every stream
 * has ended.
 *
 * Events as k6 fires them: "data" (message, {ts}) per message; at the end
 * "error" ({code, details, message}, {ts}) first when the status is not OK
 * (nor Canceled: grpcext's regular closing), then "end" ({}, {ts}).
 * "status" is accepted and, as in k6, never fired. write() after the end
 * or after end() does nothing; a message that does not convert ends the
 * stream with an error (Unknown, grpcext's "can't serialise request object
 * to protocol buffer: ...").
 *
 * Metrics: grpc_streams at the start, grpc_streams_msgs_sent per message
 * written, grpc_streams_msgs_received per message read, with the call's
 * tags (url, service, method, name, user tags); grpc_req_duration at the
 * end with the status too (grpcext's statsHandler times every RPC). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "exec/worker.h"
#include "js/bytes.h"
#include "js/modules/grpc.h"
#include "metrics/registry.h"
#include "util/clock.h"
#include "util/fifo.h"
#include "util/log.h"

enum { GS_DATA, GS_ERROR, GS_END, GS_STATUS, GS_NEVENTS };
static const char *const gs_event_names[GS_NEVENTS] = {"data", "error", "end", "status"};

enum { EV_MSG, EV_CLOSE };

typedef struct gs_stream gs_stream;

typedef struct gs_ev {
    gs_stream *s;
    uint64_t seq; /* vm_loop_event's stamp */
    int kind;
    size_t off, len; /* EV_MSG: the message in the VU's qdata */
} gs_ev;

typedef struct gs_vu {
    gs_stream *streams; /* not ended yet (their end event may still wait) */
    gs_ev *q;
    size_t qhead, qn, qcap;
    buf qdata;
    buf json; /* a message's JSON text, reused */
    buf wire; /* a written message's bytes, reused */
} gs_vu;

struct gs_stream {
    vu *v;
    gs_vu *g;
    JSValue obj, client_obj;
    JSValue lst[GS_NEVENTS]; /* arrays of listeners */
    grpc_client *cl;
    gt_call k;
    grpc_method m;
    char method[512];
    vm_pairs utags;
    uint32_t tags;
    int64_t t0, deadline_us; /* deadline 0: none */
    bool write_closed, closed_queued, discard, live;
    /* asyncInvoke's unary call: its message kept, the promise settled at the end */
    bool unary, got_msg;
    buf msg;
    JSValue resolve, reject;
    gs_stream *next;
};

static JSClassID grpc_stream_class_id;

/* the object only points at the stream; the VU's list owns it */
static JSClassDef grpc_stream_class = {"Stream", .finalizer = NULL};

void grpc_stream_class_init(JSRuntime *rt) {
    if (!grpc_stream_class_id) JS_NewClassID(&grpc_stream_class_id);
    JS_NewClass(rt, grpc_stream_class_id, &grpc_stream_class);
}

static gs_vu *gs_peek(const vu *v) { return vm_mod_peek(v, VM_MOD_GRPC); }

static bool gs_queue(gs_stream *s, int kind, const void *p, size_t n) {
    gs_vu *g = s->g;
    gs_ev *q = fifo_room(g->q, &g->qhead, &g->qn, &g->qcap, sizeof *q);
    if (!q) return false;
    g->q = q;
    size_t off = g->qdata.len;
    if (n && buf_append(&g->qdata, p, n)) return false;
    g->q[g->qn++] = (gs_ev){s, vm_loop_event(s->v), kind, off, n};
    return true;
}

static void gs_push(gs_stream *s, int metric, uint32_t tags, double value) {
    sample_push(&s->v->w->samples, metric, tags, value, sample_now(&s->v->w->samples));
}

/* ---- from the loop ---- */

static void gs_on_message(gt_call *k, const uint8_t *p, size_t n, void *ud) {
    gs_stream *s = ud;
    (void)k;
    if (!s->unary) gs_push(s, M_GRPC_STREAMS_MSGS_RECEIVED, s->tags, 1);
    gs_queue(s, EV_MSG, p, n);
}

static void gs_on_close(gt_call *k, void *ud) {
    gs_stream *s = ud;
    (void)k;
    if (!s->closed_queued) s->closed_queued = gs_queue(s, EV_CLOSE, NULL, 0);
}

static const gt_call_ops gs_ops = {NULL, gs_on_message, gs_on_close};

/* ---- the end ---- */

static void gs_unlink(gs_stream *s) {
    gs_stream **pp = &s->g->streams;
    while (*pp && *pp != s) pp = &(*pp)->next;
    if (*pp) *pp = s->next;
}

static void gs_release(gs_stream *s) {
    JSContext *ctx = s->v->ctx;
    if (!s->k.closed) gt_call_cancel(&s->k, GT_CANCELED, "context canceled");
    gt_call_free(&s->k);
    if (JS_IsObject(s->obj)) JS_SetOpaque(s->obj, NULL);
    for (int i = 0; i < GS_NEVENTS; i++) JS_FreeValue(ctx, s->lst[i]);
    JS_FreeValue(ctx, s->obj);
    JS_FreeValue(ctx, s->client_obj);
    JS_FreeValue(ctx, s->resolve);
    JS_FreeValue(ctx, s->reject);
    buf_free(&s->msg);
    vm_pairs_free(&s->utags);
    free(s);
}

static bool grpc_streams_pending(const vu *v) {
    const gs_vu *g = gs_peek(v);
    return g && (g->streams || g->qhead < g->qn);
}

static void grpc_streams_clear(vu *v) {
    gs_vu *g = gs_peek(v);
    if (!g) return;
    while (g->streams) {
        gs_stream *s = g->streams;
        g->streams = s->next;
        gs_release(s);
    }
    g->qhead = g->qn = 0;
    buf_clear(&g->qdata);
}

static void gs_vu_free(vu *v, void *st) {
    grpc_streams_clear(v);
    gs_vu *g = st;
    free(g->q);
    buf_free(&g->qdata);
    buf_free(&g->json);
    buf_free(&g->wire);
}

const vm_mod_ops grpc_mod_ops = {.size = sizeof(gs_vu), .free = gs_vu_free};

/* ---- listeners ---- */

/* Every listener of event e with (arg, {ts}); false if one threw. */
static bool gs_fire(gs_stream *s, int e, JSValue arg) {
    JSContext *ctx = s->v->ctx;
    bool ok = true;
    if (JS_IsObject(s->lst[e])) {
        JSValue arr = JS_DupValue(ctx, s->lst[e]); /* a listener may add listeners */
        JSValue lenv = JS_GetPropertyStr(ctx, arr, "length");
        uint32_t len = 0;
        JS_ToUint32(ctx, &len, lenv);
        JS_FreeValue(ctx, lenv);
        for (uint32_t i = 0; i < len && ok; i++) {
            JSValue fn = JS_GetPropertyUint32(ctx, arr, i);
            JSValue md = JS_NewObject(ctx);
            JS_SetPropertyStr(ctx, md, "ts", JS_NewInt64(ctx, clock_wall_us() / 1000000));
            JSValue args[2] = {arg, md};
            JSValue r = JS_Call(ctx, fn, JS_UNDEFINED, 2, args);
            ok = !JS_IsException(r);
            JS_FreeValue(ctx, r);
            JS_FreeValue(ctx, md);
            JS_FreeValue(ctx, fn);
        }
        JS_FreeValue(ctx, arr);
    }
    JS_FreeValue(ctx, arg);
    return ok;
}

static bool gs_end_events(gs_stream *s) {
    JSContext *ctx = s->v->ctx;
    int st = s->k.status;
    gs_push(s, M_GRPC_REQ_DURATION, grpc_call_tags(s->cl, s->method, &s->utags, st),
            (double)(clock_now_us() - s->t0) / 1000.0);
    bool ok = true;
    if (st != GT_OK && st != GT_CANCELED) {
        JSValue e = JS_NewObject(ctx);
        JS_SetPropertyStr(ctx, e, "code", JS_NewInt32(ctx, st));
        JS_SetPropertyStr(ctx, e, "details", JS_NewArray(ctx));
        JS_SetPropertyStr(ctx, e, "message", JS_NewString(ctx, s->k.message.len ? s->k.message.p : grpc_code_name(st)));
        if (!JS_IsObject(s->lst[GS_ERROR]))
            log_printf(LOG_WARN,
                       "no handlers for error registered, but an error happened: rpc error: code = %s desc = %s",
                       grpc_code_name(st), s->k.message.len ? s->k.message.p : "");
        ok = gs_fire(s, GS_ERROR, e);
    }
    if (ok) ok = gs_fire(s, GS_END, JS_NewObject(ctx));
    return ok;
}

/* asyncInvoke's end: metrics as invoke's, the promise resolved with the response */
static bool gs_unary_end(gs_stream *s) {
    JSContext *ctx = s->v->ctx;
    uint32_t tags = grpc_call_tags(s->cl, s->method, &s->utags, s->k.status);
    gs_push(s, M_GRPC_REQ_DURATION, tags, (double)(clock_now_us() - s->t0) / 1000.0);
    grpc_push_bytes(s->cl, tags);
    JSValue r = grpc_response_value(ctx, &s->k, &s->m, &s->msg, s->got_msg, s->discard, &s->g->json);
    bool threw = JS_IsException(r);
    JSValue arg = threw ? JS_GetException(ctx) : r;
    JSValue x = JS_Call(ctx, threw ? s->reject : s->resolve, JS_UNDEFINED, 1, (JSValueConst *)&arg);
    bool ok = !JS_IsException(x);
    JS_FreeValue(ctx, x);
    JS_FreeValue(ctx, arg);
    return ok;
}

static bool gs_dispatch(gs_vu *g, const gs_ev *e) {
    gs_stream *s = e->s;
    JSContext *ctx = s->v->ctx;
    if (e->kind == EV_CLOSE && s->unary) {
        gs_unlink(s);
        bool ok = gs_unary_end(s);
        gs_release(s);
        return ok;
    }
    if (e->kind == EV_MSG && s->unary) {
        buf_clear(&s->msg);
        s->got_msg = buf_append(&s->msg, g->qdata.p + e->off, e->len) == 0;
        return true;
    }
    if (e->kind == EV_CLOSE) {
        s->write_closed = true;
        gs_unlink(s);
        if (s->cl) grpc_push_bytes(s->cl, grpc_tags(s->v, s->cl->addr, NULL, NULL, -1));
        bool ok = gs_end_events(s);
        gs_release(s);
        return ok;
    }
    if (!s->live) return true;       /* ended meanwhile (a deadline): nothing more for the script */
    JSValue msg = JS_NewObject(ctx); /* discardResponseMessage: grpcext gives struct{}{} */
    if (!s->discard) {
        JS_FreeValue(ctx, msg);
        char err[512];
        msg = grpc_message_value(ctx, &s->m, (const uint8_t *)g->qdata.p + e->off, e->len, &g->json, err, sizeof err);
        if (JS_IsException(msg)) {
            JS_FreeValue(ctx, JS_GetException(ctx));
            msg = JS_NULL;
        }
    }
    return gs_fire(s, GS_DATA, msg);
}

/* A stream that ends from here (deadline, a message that did not convert):
 * the call is cancelled and its end queued as the loop would have. */
static void gs_cancel(gs_stream *s, int code, const char *msg) {
    gt_call_cancel(&s->k, code, msg);
    if (!s->closed_queued) s->closed_queued = gs_queue(s, EV_CLOSE, NULL, 0);
}

/* Streams whose deadline passed end here (their end event queued). */
static uint64_t grpc_streams_next(vu *v, int64_t now, int64_t *due) {
    gs_vu *g = gs_peek(v);
    for (gs_stream *s = g->streams; s; s = s->next) {
        if (!s->deadline_us || s->closed_queued) continue;
        if (s->deadline_us <= now) gs_cancel(s, GT_DEADLINE_EXCEEDED, "context deadline exceeded");
        else if (s->deadline_us < *due) *due = s->deadline_us;
    }
    return g->qhead < g->qn ? g->q[g->qhead].seq : UINT64_MAX;
}

static int grpc_streams_run(vu *v) {
    gs_vu *g = gs_peek(v);
    gs_ev e = g->q[g->qhead++];
    bool ok = gs_dispatch(g, &e);
    if (g->qhead == g->qn) {
        g->qhead = g->qn = 0;
        buf_clear(&g->qdata);
    }
    return ok ? 0 : -1;
}

const vm_source grpc_streams_source = {grpc_streams_pending, grpc_streams_next, grpc_streams_run, grpc_streams_clear};

/* ---- methods ---- */

static gs_stream *gs_this(JSContext *ctx, JSValueConst this_val) {
    (void)ctx;
    return JS_GetOpaque(this_val, grpc_stream_class_id); /* NULL once ended */
}

static JSValue gs_on(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    gs_stream *s = gs_this(ctx, this_val);
    const char *name = JS_ToCString(ctx, argc > 0 ? argv[0] : JS_UNDEFINED);
    if (!name) return JS_EXCEPTION;
    JSValue r = JS_UNDEFINED;
    int e = -1;
    for (int i = 0; i < GS_NEVENTS; i++)
        if (strcmp(name, gs_event_names[i]) == 0) e = i;
    if (argc < 2 || !JS_IsFunction(ctx, argv[1]))
        r = js_throw_error(ctx, "GoError", "handler for \"%s\" event isn't a callable function", name);
    else if (e < 0) /* k6 logs it and goes on */
        log_printf(LOG_WARN, "can't register %s event handler: unknown GRPC stream's event type: %s", name, name);
    else if (s) {
        if (!JS_IsObject(s->lst[e])) s->lst[e] = JS_NewArray(ctx);
        JSValue lenv = JS_GetPropertyStr(ctx, s->lst[e], "length");
        uint32_t n = 0;
        JS_ToUint32(ctx, &n, lenv);
        JS_FreeValue(ctx, lenv);
        JS_SetPropertyUint32(ctx, s->lst[e], n, JS_DupValue(ctx, argv[1]));
    }
    JS_FreeCString(ctx, name);
    return r;
}

static JSValue gs_write(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    gs_stream *s = gs_this(ctx, this_val);
    if (!s || s->write_closed || s->closed_queued) return JS_UNDEFINED;
    if (argc < 1 || JS_IsUndefined(argv[0]) || JS_IsNull(argv[0])) {
        log_printf(LOG_WARN, "can't send empty message");
        return JS_UNDEFINED;
    }
    buf *text = &s->g->json, *wire = &s->g->wire; /* reused message after message */
    buf_clear(text);
    buf_clear(wire);
    if (grpc_json_text(ctx, argv[0], text)) return JS_EXCEPTION;
    const char *p = text->p;
    size_t n = text->len;
    char err[600], why[512];
    if (!p || grpc_pb_from_json(s->m.in, p, n, wire, why, sizeof why)) {
        snprintf(err, sizeof err, "can't serialise request object to protocol buffer: %s", p ? why : "");
        gs_cancel(s, GT_UNKNOWN, err);
    } else if (gt_call_send(&s->k, (const uint8_t *)wire->p, wire->len, false) == 0) {
        gs_push(s, M_GRPC_STREAMS_MSGS_SENT, s->tags, 1);
    } else if (!s->k.closed) {
        snprintf(err, sizeof err, "%.*s", (int)s->k.message.len, s->k.message.p ? s->k.message.p : "");
        gs_cancel(s, s->k.status ? s->k.status : GT_INTERNAL, err);
    }
    return JS_UNDEFINED;
}

static JSValue gs_end(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    (void)argc;
    (void)argv;
    gs_stream *s = gs_this(ctx, this_val);
    if (!s || s->write_closed) return JS_UNDEFINED;
    s->write_closed = true;
    gt_call_close_send(&s->k);
    return JS_UNDEFINED;
}

static const JSCFunctionListEntry gs_funcs[] = {
    JS_CFUNC_DEF("on", 2, gs_on),
    JS_CFUNC_DEF("write", 1, gs_write),
    JS_CFUNC_DEF("end", 0, gs_end),
};

/* new grpc.Stream(client, method, params) */
static JSValue grpc_stream_ctor(JSContext *ctx, JSValueConst new_target, int argc, JSValueConst *argv) {
    (void)new_target;
    vu *v = vu_from_ctx(ctx);
    JSValueConst cobj = argc > 0 ? argv[0] : JS_UNDEFINED;
    grpc_client *cl = JS_IsObject(cobj) ? grpc_client_of(ctx, cobj) : NULL;
    if (JS_IsUndefined(cobj) || JS_IsNull(cobj))
        return js_throw_error(ctx, "GoError", "invalid GRPC Stream's client: empty gRPC client");
    if (!cl) return js_throw_error(ctx, "GoError", "invalid GRPC Stream's client: not a gRPC client");
    if (!cl->conn)
        return js_throw_error(ctx, "GoError",
                              "invalid GRPC Stream's client: no gRPC connection, you must call connect first");
    if (!v->w || v->in_init)
        return js_throw_error(ctx, "GoError",
                              "invalid GRPC Stream's client: no gRPC connection, you must call "
                              "connect first");
    const char *method = JS_ToCString(ctx, argc > 1 ? argv[1] : JS_UNDEFINED);
    if (!method) return JS_EXCEPTION;
    gs_stream *s = calloc(1, sizeof *s);
    gs_vu *g = vm_mod_get(v, VM_MOD_GRPC);
    if (!s || !g) {
        free(s);
        JS_FreeCString(ctx, method);
        return JS_ThrowOutOfMemory(ctx);
    }
    s->v = v;
    s->g = g;
    s->cl = cl;
    s->obj = s->client_obj = s->resolve = s->reject = JS_UNDEFINED;
    for (int i = 0; i < GS_NEVENTS; i++) s->lst[i] = JS_UNDEFINED;
    if (!method[0]) snprintf(s->method, sizeof s->method, "%s", "");
    else snprintf(s->method, sizeof s->method, "%s%s", method[0] == '/' ? "" : "/", method);
    JS_FreeCString(ctx, method);
    JSValue ret = JS_EXCEPTION;
    grpc_call_params cp;
    memset(&cp, 0, sizeof cp);
    if (!s->method[0]) {
        js_throw_error(ctx, "GoError", "invalid GRPC Stream's method: method to invoke cannot be empty");
        goto fail;
    }
    if (!cl->pool || grpc_pb_find(cl->pool, s->method, &s->m)) {
        js_throw_error(ctx, "GoError", "invalid GRPC Stream's method: method \"%s\" not found in file descriptors",
                       s->method);
        goto fail;
    }
    if (grpc_call_params_read(ctx, argc > 2 ? argv[2] : JS_UNDEFINED, "invalid GRPC Stream's parameters", &cp))
        goto fail;
    s->discard = cp.discard;
    s->utags = cp.tags; /* the stream keeps the user's tags for its final sample */
    memset(&cp.tags, 0, sizeof cp.tags);
    s->tags = grpc_tags(v, cl->addr, s->method, &s->utags, -1);
    s->t0 = clock_now_us();
    s->deadline_us = cp.timeout_ms > 0 ? s->t0 + cp.timeout_ms * 1000 : 0;
    const char *flat[2 * GRPC_MAX_MD];
    size_t lens[GRPC_MAX_MD];
    size_t nmd = grpc_md_flat(&cp.md, flat, lens);
    s->k.dbg_in = s->m.in;
    s->k.dbg_out = s->m.out;
    if (gt_call_start(cl->conn, &s->k, s->method, flat, lens, nmd, cp.timeout_ms, &gs_ops, s)) {
        js_throw_error(ctx, "GoError", "failed to create a new stream: %s", s->k.message.p ? s->k.message.p : "");
        goto fail;
    }
    gt_call_flush(&s->k); /* k6's NewStream sends the HEADERS at once */
    JSValue obj = JS_NewObjectClass(ctx, (int)grpc_stream_class_id);
    if (JS_IsException(obj)) {
        gt_call_cancel(&s->k, GT_CANCELED, "context canceled");
        goto fail;
    }
    JS_SetPropertyFunctionList(ctx, obj, gs_funcs, sizeof gs_funcs / sizeof *gs_funcs);
    JS_SetOpaque(obj, s);
    s->obj = JS_DupValue(ctx, obj);
    s->client_obj = JS_DupValue(ctx, cobj);
    s->live = true;
    s->next = g->streams;
    g->streams = s;
    gs_push(s, M_GRPC_STREAMS, s->tags, 1);
    grpc_call_params_free(&cp);
    return obj;
fail:
    grpc_call_params_free(&cp);
    gt_call_free(&s->k);
    vm_pairs_free(&s->utags);
    free(s);
    return ret;
}

JSValue grpc_stream_ctor_new(JSContext *ctx) {
    return JS_NewCFunction2(ctx, grpc_stream_ctor, "Stream", 3, JS_CFUNC_constructor, 0);
}

JSValue grpc_async_start(JSContext *ctx, grpc_client *c, JSValueConst client_obj, const grpc_method *m,
                         const char *mname, grpc_call_params *cp, const buf *wire) {
    vu *v = c->v;
    gs_vu *g = vm_mod_get(v, VM_MOD_GRPC);
    gs_stream *s = g ? calloc(1, sizeof *s) : NULL;
    if (!s) return JS_ThrowOutOfMemory(ctx);
    s->v = v;
    s->g = g;
    s->cl = c;
    s->unary = true;
    s->m = *m;
    s->discard = cp->discard;
    s->obj = s->client_obj = JS_UNDEFINED;
    for (int i = 0; i < GS_NEVENTS; i++) s->lst[i] = JS_UNDEFINED;
    snprintf(s->method, sizeof s->method, "%s", mname);
    s->utags = cp->tags; /* kept for the final sample */
    memset(&cp->tags, 0, sizeof cp->tags);
    s->t0 = clock_now_us();
    s->deadline_us = s->t0 + cp->timeout_ms * 1000;
    JSValue fns[2];
    JSValue p = JS_NewPromiseCapability(ctx, fns);
    if (JS_IsException(p)) {
        vm_pairs_free(&s->utags);
        free(s);
        return p;
    }
    s->resolve = fns[0];
    s->reject = fns[1];
    s->client_obj = JS_DupValue(ctx, client_obj);
    const char *flat[2 * GRPC_MAX_MD];
    size_t lens[GRPC_MAX_MD];
    size_t nmd = grpc_md_flat(&cp->md, flat, lens);
    s->next = g->streams;
    g->streams = s;
    s->k.dbg_in = s->m.in;
    s->k.dbg_out = s->m.out;
    if (gt_call_start(c->conn, &s->k, s->method, flat, lens, nmd, cp->timeout_ms, &gs_ops, s)) {
        s->closed_queued = gs_queue(s, EV_CLOSE, NULL, 0); /* settles with the connection's status */
        if (!s->closed_queued) {
            gs_unlink(s);
            gs_release(s);
            JS_FreeValue(ctx, p);
            return JS_ThrowOutOfMemory(ctx);
        }
    } else if (gt_call_send(&s->k, (const uint8_t *)wire->p, wire->len, true) != 0) {
        char why[200];
        snprintf(why, sizeof why, "%.*s", (int)s->k.message.len, s->k.message.p ? s->k.message.p : "");
        gs_cancel(s, s->k.status ? s->k.status : GT_INTERNAL, why);
    }
    return p;
}
