/* The "k6/websockets" module (also "k6/experimental/websockets"): the
 * browser-like, non-blocking WebSocket class.
 *
 * The constructor starts a connection (net/ws.c) and returns at once. The
 * connection's libuv callbacks only queue events, in arrival order, on one
 * queue per VU; vm.c's event loop (vm_settle) hands them to the script's
 * handlers between promise jobs and timers, and keeps the call going while
 * any socket is not closed, as k6's event loop does. An exception from a
 * handler ends the call; an interrupted call (or an ended one) drops every
 * socket of the VU.
 *
 * A socket's JS object is kept alive by the VU's list from the constructor
 * until its close event has run; its handlers live in C, marked for the GC.
 *
 * Metrics as k6/ws names them (ws_sessions, ws_connecting at the open;
 * ws_msgs_sent / ws_msgs_received per message; ws_ping per pong answering
 * our ping; ws_session_duration and data_sent / data_received at the end),
 * tags: the VU's base tags, url, status, subproto and params.tags. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "exec/test.h"
#include "js/bytes.h"
#include "js/vm.h"
#include "js/modules/http.h"
#include "metrics/registry.h"
#include "net/dialer.h"
#include "exec/worker.h"
#include "net/ws.h"
#include "util/clock.h"
#include "util/fifo.h"
#include "util/log.h"

enum { RS_CONNECTING, RS_OPEN, RS_CLOSING, RS_CLOSED };
enum { E_OPEN, E_MESSAGE, E_ERROR, E_CLOSE, E_PING, E_PONG, E_COUNT };
static const char *const wsn_event_names[E_COUNT] = {"open", "message", "error", "close", "ping", "pong"};

/* what a connection reported, waiting for the VU */
enum { Q_OPEN, Q_FAIL, Q_MSG, Q_ERROR, Q_END };

typedef struct wsn_sock wsn_sock;

typedef struct wsn_ev {
    wsn_sock *s;
    uint64_t seq; /* vm_loop_event's stamp */
    int kind, opcode;
    uint8_t *data; /* payload or error text, NUL-terminated */
    size_t len;
} wsn_ev;

struct wsn_sock {
    vu *v;
    ws_client *c;         /* NULL once the connection has ended */
    JSValue obj;          /* the socket's object, held while the socket lives */
    JSValue on[E_COUNT];  /* onopen, onmessage, ... (undefined if unset) */
    JSValue lst[E_COUNT]; /* addEventListener's functions: an array, or undefined */
    int ready;
    bool arraybuffer; /* binaryType "arraybuffer" (else "blob") */
    bool close_asked; /* close() before the open: close as soon as it opens */
    int ask_code;
    char ask_reason[124];
    int close_code;
    char close_reason[124];
    char *url;
    char *group; /* the group it was made in: its metrics' group tag */
    uint32_t tags;
    vm_pairs utags; /* params.tags, until the open interns them */
    int64_t t0, connecting_us, opened_us;
    uint64_t buffered; /* bufferedAmount as the script sees it (see websockets_next) */
    wsn_sock *next;    /* the VU's list of live sockets */
};

typedef struct wsn_vu {
    wsn_sock *socks;
    wsn_ev *q;
    size_t qhead, qn, qcap;
} wsn_vu;

static JSClassID wsn_class_id;

/* the VU's sockets and events (made by its first new WebSocket()), or NULL */
static wsn_vu *wsn_peek(const vu *v) { return vm_mod_peek(v, VM_MOD_WEBSOCKETS); }

/* ---- the queue ---- */

static void wsn_queue(wsn_sock *s, int kind, int opcode, const void *p, size_t n) {
    wsn_vu *w = wsn_peek(s->v);
    wsn_ev *q = fifo_room(w->q, &w->qhead, &w->qn, &w->qcap, sizeof *q);
    if (!q) return;
    w->q = q;
    uint8_t *d = malloc(n + 1);
    if (!d) return;
    if (n) memcpy(d, p, n);
    d[n] = 0;
    w->q[w->qn++] = (wsn_ev){s, vm_loop_event(s->v), kind, opcode, d, n};
}

static void wsn_on_event(ws_client *c, enum ws_event ev, const ws_msg *m, void *ud) {
    wsn_sock *s = ud;
    switch (ev) {
    case WS_EV_OPEN:
        s->connecting_us = clock_now_us() - s->t0;
        wsn_queue(s, Q_OPEN, 0, NULL, 0);
        break;
    case WS_EV_FAIL: wsn_queue(s, Q_FAIL, 0, c->err, strlen(c->err)); break;
    case WS_EV_MESSAGE: wsn_queue(s, Q_MSG, m->opcode, m->data, m->len); break;
    case WS_EV_ERROR: wsn_queue(s, Q_ERROR, 0, c->err, strlen(c->err)); break;
    case WS_EV_END:
        /* k6's readPump (websockets.go): a close frame or the end of the
         * stream (gorilla's CloseError) gives its code and text; any other
         * read error (a protocol error) gives none, so the close event has
         * the code of the script's close() if there was one, else no code */
        if (c->read_failed) {
            wsn_queue(s, Q_END, s->close_code, NULL, 0);
            s->close_reason[0] = 0;
        } else {
            wsn_queue(s, Q_END, c->close_code, NULL, 0);
            snprintf(s->close_reason, sizeof s->close_reason, "%s", c->close_reason);
        }
        if (c->too_big)
            log_printf(LOG_WARN,
                       "WebSocket message larger than 64 MB from %s: c6 closed the connection with 1009 "
                       "(k6 has no limit)",
                       c->host);
        break;
    }
}

/* ---- metrics ---- */

static void wsn_intern_tags(wsn_sock *s) {
    vu *v = s->v;
    tag_kv kv[VU_BASE_TAGS + VM_MAX_PAIRS + 4];
    char status[16];
    snprintf(status, sizeof status, "%d", s->c ? s->c->status : 0);
    size_t n = vu_base_tags(v, kv, s->group);
    if (vu_tag_on(v, ST_URL)) kv[n++] = (tag_kv){"url", s->url};
    if (vu_tag_on(v, ST_STATUS)) kv[n++] = (tag_kv){"status", status};
    if (s->c && s->c->subproto[0] && vu_tag_on(v, ST_SUBPROTO)) kv[n++] = (tag_kv){"subproto", s->c->subproto};
    for (int i = 0; i < s->utags.n; i++) kv[n++] = (tag_kv){s->utags.k[i], s->utags.v[i]};
    s->tags = tagdict_intern(v->w->samples.tags, kv, n);
    vm_pairs_free(&s->utags);
}

static void wsn_push(wsn_sock *s, int metric, double value) {
    sample_push(&s->v->w->samples, metric, s->tags, value, sample_now(&s->v->w->samples));
}

/* session duration and wire bytes, once the connection is over */
static void wsn_push_end(wsn_sock *s) {
    if (!s->c) return;
    if (s->opened_us) wsn_push(s, M_WS_SESSION_DURATION, (double)(clock_now_us() - s->t0) / 1000.0);
    if (s->c->bytes_sent) wsn_push(s, M_DATA_SENT, (double)s->c->bytes_sent);
    if (s->c->bytes_received) wsn_push(s, M_DATA_RECEIVED, (double)s->c->bytes_received);
}

/* ---- the socket's life ---- */

/* The connection is over: no more events, and the VU lets go of the object. */
static void wsn_release(wsn_sock *s) {
    wsn_vu *w = wsn_peek(s->v);
    for (wsn_sock **pp = &w->socks; *pp; pp = &(*pp)->next)
        if (*pp == s) {
            *pp = s->next;
            break;
        }
    s->next = NULL;
    s->ready = RS_CLOSED;
    if (s->c) {
        ws_client_free(s->c);
        s->c = NULL;
    }
    JSValue obj = s->obj;
    s->obj = JS_UNDEFINED;
    JS_FreeValue(s->v->ctx, obj); /* may run the finalizer: s is not touched after this */
}

static void websockets_clear(vu *v) {
    wsn_vu *w = wsn_peek(v);
    if (!w) return;
    while (w->socks) {
        wsn_sock *s = w->socks;
        /* best effort: tell the peer we are going away before dropping it
         * (an event this queues is freed below, unseen) */
        if (s->c && s->ready == RS_OPEN) ws_client_close(s->c, WS_CLOSE_GOING_AWAY, NULL);
        if (s->opened_us) wsn_push_end(s); /* tags exist once it opened */
        wsn_release(s);
    }
    for (size_t i = w->qhead; i < w->qn; i++) free(w->q[i].data);
    w->qhead = w->qn = 0;
}

static void wsn_vu_free(vu *v, void *st) {
    websockets_clear(v);
    free(((wsn_vu *)st)->q);
}

const vm_mod_ops websockets_mod_ops = {.size = sizeof(wsn_vu), .free = wsn_vu_free};

/* ---- events to handlers ---- */

static JSValue wsn_event(JSContext *ctx, wsn_sock *s, int type) {
    JSValue e = JS_NewObject(ctx);
    JS_SetPropertyStr(ctx, e, "type", JS_NewString(ctx, wsn_event_names[type]));
    JS_SetPropertyStr(ctx, e, "timestamp", JS_NewFloat64(ctx, (double)(clock_wall_us() / 1000)));
    JS_SetPropertyStr(ctx, e, "target", JS_DupValue(ctx, s->obj));
    return e;
}

/* The on<type> property, then the listeners in the order added; false if one threw. */
static bool wsn_fire(wsn_sock *s, int type, JSValue ev) {
    JSContext *ctx = s->v->ctx;
    bool ok = true;
    JSValue fns[64];
    int n = 0;
    /* a handler may change the handlers: call the ones set now */
    if (JS_IsFunction(ctx, s->on[type])) fns[n++] = JS_DupValue(ctx, s->on[type]);
    if (JS_IsObject(s->lst[type])) {
        JSValue lenv = JS_GetPropertyStr(ctx, s->lst[type], "length");
        uint32_t len = 0;
        JS_ToUint32(ctx, &len, lenv);
        JS_FreeValue(ctx, lenv);
        for (uint32_t i = 0; i < len && n < 64; i++) fns[n++] = JS_GetPropertyUint32(ctx, s->lst[type], i);
    }
    for (int i = 0; i < n; i++) {
        if (ok) {
            JSValue r = JS_Call(ctx, fns[i], s->obj, 1, (JSValueConst *)&ev);
            ok = !JS_IsException(r);
            JS_FreeValue(ctx, r);
        }
        JS_FreeValue(ctx, fns[i]);
    }
    JS_FreeValue(ctx, ev);
    return ok;
}

static bool wsn_fire_error(wsn_sock *s, const char *text, size_t len) {
    JSContext *ctx = s->v->ctx;
    JSValue e = wsn_event(ctx, s, E_ERROR);
    JS_SetPropertyStr(ctx, e, "error", JS_NewStringLen(ctx, text, len));
    return wsn_fire(s, E_ERROR, e);
}

static bool wsn_fire_close(wsn_sock *s, int code, const char *reason) {
    JSContext *ctx = s->v->ctx;
    JSValue e = wsn_event(ctx, s, E_CLOSE);
    if (code) JS_SetPropertyStr(ctx, e, "code", JS_NewInt32(ctx, code)); /* k6: no code when none is known */
    JS_SetPropertyStr(ctx, e, "reason", JS_NewString(ctx, reason));
    JS_SetPropertyStr(ctx, e, "wasClean", JS_NewBool(ctx, code && code != WS_CLOSE_ABNORMAL));
    return wsn_fire(s, E_CLOSE, e);
}

static JSValue wsn_blob_new(JSContext *ctx, const uint8_t *p, size_t n);

static bool wsn_dispatch(wsn_sock *s, wsn_ev *e) {
    JSContext *ctx = s->v->ctx;
    bool ok = true;
    switch (e->kind) {
    case Q_OPEN:
        s->ready = RS_OPEN;
        s->opened_us = clock_now_us();
        wsn_intern_tags(s);
        wsn_push(s, M_WS_SESSIONS, 1);
        wsn_push(s, M_WS_CONNECTING, (double)s->connecting_us / 1000.0);
        if (s->close_asked) { /* close() came while connecting */
            s->ready = RS_CLOSING;
            s->close_code = s->ask_code;
            ws_client_close(s->c, s->ask_code, s->ask_reason);
            break;
        }
        ok = wsn_fire(s, E_OPEN, wsn_event(ctx, s, E_OPEN));
        break;
    case Q_FAIL:
        /* the bytes of a refused handshake still count */
        wsn_intern_tags(s);
        wsn_push_end(s);
        ok = wsn_fire_error(s, (const char *)e->data, e->len);
        s->ready = RS_CLOSED;
        /* k6 (connectionClosedWithError): no close code is known, so the event has none */
        if (ok) ok = wsn_fire_close(s, 0, "");
        wsn_release(s);
        break;
    case Q_ERROR: ok = wsn_fire_error(s, (const char *)e->data, e->len); break;
    case Q_END:
        wsn_push_end(s);
        s->ready = RS_CLOSED;
        ws_client_free(s->c);
        s->c = NULL;
        ok = wsn_fire_close(s, e->opcode, s->close_reason);
        wsn_release(s);
        break;
    case Q_MSG:
        if (e->opcode == WS_OP_TEXT || e->opcode == WS_OP_BINARY) {
            wsn_push(s, M_WS_MSGS_RECEIVED, 1);
            JSValue ev = wsn_event(ctx, s, E_MESSAGE);
            JSValue data = e->opcode == WS_OP_TEXT ? JS_NewStringLen(ctx, (const char *)e->data, e->len)
                           : s->arraybuffer        ? JS_NewArrayBufferCopy(ctx, e->data, e->len)
                                                   : wsn_blob_new(ctx, e->data, e->len);
            JS_SetPropertyStr(ctx, ev, "data", data);
            ok = wsn_fire(s, E_MESSAGE, ev);
        } else if (e->opcode == WS_OP_PING) {
            ok = wsn_fire(s, E_PING, wsn_event(ctx, s, E_PING));
        } else if (e->opcode == WS_OP_PONG) {
            double rtt = ws_pong_rtt_ms(e->data, e->len); /* our ping's send time came back */
            if (rtt >= 0) wsn_push(s, M_WS_PING, rtt);
            ok = wsn_fire(s, E_PONG, wsn_event(ctx, s, E_PONG));
        } else if (e->opcode == WS_OP_CLOSE) {
            /* the peer's close; the end follows with its code and reason */
            if (s->ready == RS_OPEN) s->ready = RS_CLOSING;
        }
        break;
    }
    return ok;
}

static bool websockets_pending(const vu *v) {
    const wsn_vu *w = wsn_peek(v);
    return w && (w->socks || w->qhead < w->qn);
}

static uint64_t websockets_next(vu *v, int64_t now, int64_t *due) {
    (void)now;
    (void)due;
    wsn_vu *w = wsn_peek(v);
    /* bufferedAmount: a send adds its bytes at once; what the socket took
     * since is taken off here, between tasks, as k6's writePump queues
     * `bufferedAmount -= size` on the event loop once a write returned */
    for (wsn_sock *s = w->socks; s; s = s->next)
        if (s->c) s->buffered = ws_client_buffered(s->c);
    return w->qhead < w->qn ? w->q[w->qhead].seq : UINT64_MAX;
}

static int websockets_run(vu *v) {
    wsn_vu *w = wsn_peek(v);
    wsn_ev e = w->q[w->qhead++];
    bool ok = wsn_dispatch(e.s, &e);
    free(e.data);
    if (w->qhead == w->qn) w->qhead = w->qn = 0;
    return ok ? 0 : -1;
}

const vm_source websockets_source = {websockets_pending, websockets_next, websockets_run, websockets_clear};

/* ---- the class ---- */

static void wsn_finalizer(JSRuntime *rt, JSValue val) {
    wsn_sock *s = JS_GetOpaque(val, wsn_class_id);
    if (!s) return;
    for (int i = 0; i < E_COUNT; i++) {
        JS_FreeValueRT(rt, s->on[i]);
        JS_FreeValueRT(rt, s->lst[i]);
    }
    vm_pairs_free(&s->utags);
    free(s->url);
    free(s->group);
    free(s);
}

static void wsn_mark(JSRuntime *rt, JSValueConst val, JS_MarkFunc *mark) {
    wsn_sock *s = JS_GetOpaque(val, wsn_class_id);
    if (!s) return;
    for (int i = 0; i < E_COUNT; i++) {
        JS_MarkValue(rt, s->on[i], mark);
        JS_MarkValue(rt, s->lst[i], mark);
    }
}

static JSClassDef wsn_class = {"WebSocket", .finalizer = wsn_finalizer, .gc_mark = wsn_mark};

static JSClassID wsn_blob_class_id;
static void wsn_blob_finalizer(JSRuntime *rt, JSValue val) {
    (void)rt;
    free(JS_GetOpaque(val, wsn_blob_class_id));
}
static JSClassDef wsn_blob_class = {"Blob", .finalizer = wsn_blob_finalizer};

static pthread_once_t wsn_once = PTHREAD_ONCE_INIT;
static void wsn_new_class_ids(void) {
    JS_NewClassID(&wsn_class_id);
    JS_NewClassID(&wsn_blob_class_id);
}

void websockets_class_init(JSRuntime *rt) {
    pthread_once(&wsn_once, wsn_new_class_ids);
    JS_NewClass(rt, wsn_class_id, &wsn_class);
    JS_NewClass(rt, wsn_blob_class_id, &wsn_blob_class);
}

static wsn_sock *wsn_this(JSContext *ctx, JSValueConst this_val) {
    wsn_sock *s = JS_GetOpaque(this_val, wsn_class_id);
    if (!s) JS_ThrowTypeError(ctx, "not a WebSocket");
    return s;
}

static int wsn_event_index(const char *name) {
    for (int i = 0; i < E_COUNT; i++)
        if (strcmp(name, wsn_event_names[i]) == 0) return i;
    return -1;
}

static JSValue wsn_get_on(JSContext *ctx, JSValueConst this_val, int magic) {
    wsn_sock *s = wsn_this(ctx, this_val);
    if (!s) return JS_EXCEPTION;
    return JS_IsUndefined(s->on[magic]) ? JS_NULL : JS_DupValue(ctx, s->on[magic]);
}

static JSValue wsn_set_on(JSContext *ctx, JSValueConst this_val, JSValueConst val, int magic) {
    wsn_sock *s = wsn_this(ctx, this_val);
    if (!s) return JS_EXCEPTION;
    JS_FreeValue(ctx, s->on[magic]);
    s->on[magic] = JS_IsFunction(ctx, val) ? JS_DupValue(ctx, val) : JS_UNDEFINED;
    return JS_UNDEFINED;
}

static JSValue wsn_add_listener(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv, int magic) {
    wsn_sock *s = wsn_this(ctx, this_val);
    if (!s) return JS_EXCEPTION;
    const char *what = magic ? "removeEventListener" : "addEventListener";
    const char *name = argc > 0 ? JS_ToCString(ctx, argv[0]) : NULL;
    if (!name)
        return argc > 0 ? JS_EXCEPTION
                        : JS_ThrowTypeError(ctx, "WebSocket.%s(event, listener): event is missing", what);
    int i = wsn_event_index(name);
    JSValue r = JS_UNDEFINED;
    if (i < 0)
        r = JS_ThrowTypeError(ctx, "WebSocket.%s(\"%s\"): unknown event (open, message, error, close, ping, pong)",
                              what, name);
    else if (argc < 2 || !JS_IsFunction(ctx, argv[1]))
        r = JS_ThrowTypeError(ctx, "WebSocket.%s(\"%s\", listener): listener must be a function", what, name);
    JS_FreeCString(ctx, name);
    if (JS_IsException(r)) return r;
    if (JS_IsUndefined(s->lst[i])) s->lst[i] = JS_NewArray(ctx);
    JSValue lenv = JS_GetPropertyStr(ctx, s->lst[i], "length");
    uint32_t n = 0;
    JS_ToUint32(ctx, &n, lenv);
    JS_FreeValue(ctx, lenv);
    if (!magic) {
        JS_SetPropertyUint32(ctx, s->lst[i], n, JS_DupValue(ctx, argv[1]));
        return JS_UNDEFINED;
    }
    /* remove: rebuild the array without the first match */
    JSValue keep = JS_NewArray(ctx);
    uint32_t k = 0;
    bool removed = false;
    for (uint32_t j = 0; j < n; j++) {
        JSValue f = JS_GetPropertyUint32(ctx, s->lst[i], j);
        if (!removed && JS_StrictEq(ctx, f, argv[1])) {
            removed = true;
            JS_FreeValue(ctx, f);
            continue;
        }
        JS_SetPropertyUint32(ctx, keep, k++, f);
    }
    JS_FreeValue(ctx, s->lst[i]);
    s->lst[i] = keep;
    return JS_UNDEFINED;
}

static size_t wsn_blob_bytes(JSContext *ctx, JSValueConst v, const uint8_t **p);

static JSValue wsn_send(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    wsn_sock *s = wsn_this(ctx, this_val);
    if (!s) return JS_EXCEPTION;
    /* as browsers: too early is an error, too late drops the data */
    if (s->ready == RS_CONNECTING)
        return JS_ThrowInternalError(ctx, "InvalidStateError: WebSocket.send() while the socket is connecting");
    if (s->ready != RS_OPEN) return JS_UNDEFINED;
    JSValueConst d = argc > 0 ? argv[0] : JS_UNDEFINED;
    int rc;
    size_t n = 0;
    if (JS_IsString(d)) {
        const char *str = JS_ToCStringLen(ctx, &n, d);
        if (!str) return JS_EXCEPTION;
        rc = ws_client_send(s->c, WS_OP_TEXT, str, n);
        JS_FreeCString(ctx, str);
    } else {
        const uint8_t *p = JS_IsObject(d) ? js_binary_bytes(ctx, d, &n) : NULL;
        if (!p && JS_IsObject(d)) n = wsn_blob_bytes(ctx, d, &p);
        if (!p)
            return JS_ThrowTypeError(ctx, "WebSocket.send(data): data must be a string, an ArrayBuffer, "
                                          "a typed array, a DataView or a Blob");
        rc = ws_client_send(s->c, WS_OP_BINARY, p, n);
    }
    if (rc == 0) {
        wsn_push(s, M_WS_MSGS_SENT, 1);
        s->buffered += n; /* k6: bufferedAmount += len(data) in send() */
    }
    return JS_UNDEFINED;
}

static JSValue wsn_ping(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    wsn_sock *s = wsn_this(ctx, this_val);
    if (!s) return JS_EXCEPTION;
    if (s->ready != RS_OPEN) return JS_UNDEFINED;
    ws_ping_timed(s->c);
    return JS_UNDEFINED;
}

static JSValue wsn_close(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    wsn_sock *s = wsn_this(ctx, this_val);
    if (!s) return JS_EXCEPTION;
    int32_t code = WS_CLOSE_NORMAL;
    if (argc > 0 && !JS_IsUndefined(argv[0]) && JS_ToInt32(ctx, &code, argv[0])) return JS_EXCEPTION;
    if (code != WS_CLOSE_NORMAL && !ws_close_code_valid(code))
        return JS_ThrowRangeError(ctx,
                                  "WebSocket.close(%d): not a close code a client may send (1000-1014 "
                                  "but 1004-1006, or 3000-4999)",
                                  code);
    const char *reason = argc > 1 && !JS_IsUndefined(argv[1]) ? JS_ToCString(ctx, argv[1]) : NULL;
    if (argc > 1 && !JS_IsUndefined(argv[1]) && !reason) return JS_EXCEPTION;
    if (reason && strlen(reason) > 123) {
        JS_FreeCString(ctx, reason);
        return JS_ThrowSyntaxError(ctx, "WebSocket.close(code, reason): reason is longer than 123 bytes");
    }
    if (s->ready == RS_OPEN) {
        s->ready = RS_CLOSING;
        s->close_code = code; /* k6: the close event's code unless the peer's close frame says another */
        ws_client_close(s->c, code, reason);
    } else if (s->ready == RS_CONNECTING) {
        s->close_asked = true;
        s->ask_code = code;
        snprintf(s->ask_reason, sizeof s->ask_reason, "%s", reason ? reason : "");
    }
    JS_FreeCString(ctx, reason);
    return JS_UNDEFINED;
}

static JSValue wsn_get(JSContext *ctx, JSValueConst this_val, int magic) {
    wsn_sock *s = wsn_this(ctx, this_val);
    if (!s) return JS_EXCEPTION;
    switch (magic) {
    case 0: return JS_NewString(ctx, s->url);
    case 1: return JS_NewInt32(ctx, s->ready);
    case 2: return JS_NewInt64(ctx, (int64_t)s->buffered);
    case 3: return JS_NewString(ctx, s->arraybuffer ? "arraybuffer" : "blob");
    case 4: return JS_NewString(ctx, s->c && s->ready != RS_CONNECTING ? s->c->subproto : "");
    default: return JS_NewString(ctx, ""); /* extensions: none are negotiated */
    }
}

static JSValue wsn_get_binary_type(JSContext *ctx, JSValueConst this_val) { return wsn_get(ctx, this_val, 3); }

static JSValue wsn_set_binary_type(JSContext *ctx, JSValueConst this_val, JSValueConst val) {
    wsn_sock *s = wsn_this(ctx, this_val);
    if (!s) return JS_EXCEPTION;
    const char *t = JS_ToCString(ctx, val);
    if (!t) return JS_EXCEPTION;
    JSValue r = JS_UNDEFINED;
    if (strcmp(t, "arraybuffer") == 0) s->arraybuffer = true;
    else if (strcmp(t, "blob") == 0) s->arraybuffer = false;
    else r = JS_ThrowTypeError(ctx, "WebSocket.binaryType = \"%s\": must be \"blob\" or \"arraybuffer\"", t);
    JS_FreeCString(ctx, t);
    return r;
}

#define WSN_ON(name, i) JS_CGETSET_MAGIC_DEF(name, wsn_get_on, wsn_set_on, i)
static const JSCFunctionListEntry wsn_proto_funcs[] = {
    JS_CFUNC_DEF("send", 1, wsn_send),
    JS_CFUNC_DEF("ping", 0, wsn_ping),
    JS_CFUNC_DEF("close", 2, wsn_close),
    JS_CFUNC_MAGIC_DEF("addEventListener", 2, wsn_add_listener, 0),
    JS_CFUNC_MAGIC_DEF("removeEventListener", 2, wsn_add_listener, 1),
    WSN_ON("onopen", E_OPEN),
    WSN_ON("onmessage", E_MESSAGE),
    WSN_ON("onerror", E_ERROR),
    WSN_ON("onclose", E_CLOSE),
    WSN_ON("onping", E_PING),
    WSN_ON("onpong", E_PONG),
    JS_CGETSET_MAGIC_DEF("url", wsn_get, NULL, 0),
    JS_CGETSET_MAGIC_DEF("readyState", wsn_get, NULL, 1),
    JS_CGETSET_MAGIC_DEF("bufferedAmount", wsn_get, NULL, 2),
    JS_CGETSET_DEF("binaryType", wsn_get_binary_type, wsn_set_binary_type),
    JS_CGETSET_MAGIC_DEF("protocol", wsn_get, NULL, 4),
    JS_CGETSET_MAGIC_DEF("extensions", wsn_get, NULL, 5),
    JS_PROP_INT32_DEF("CONNECTING", RS_CONNECTING, 0),
    JS_PROP_INT32_DEF("OPEN", RS_OPEN, 0),
    JS_PROP_INT32_DEF("CLOSING", RS_CLOSING, 0),
    JS_PROP_INT32_DEF("CLOSED", RS_CLOSED, 0),
};

static const JSCFunctionListEntry wsn_static_funcs[] = {
    JS_PROP_INT32_DEF("CONNECTING", RS_CONNECTING, 0),
    JS_PROP_INT32_DEF("OPEN", RS_OPEN, 0),
    JS_PROP_INT32_DEF("CLOSING", RS_CLOSING, 0),
    JS_PROP_INT32_DEF("CLOSED", RS_CLOSED, 0),
};

/* ---- Blob: what a binary message is with binaryType "blob" ---- */

typedef struct wsn_blob {
    size_t n;
    char type[64];
    uint8_t p[];
} wsn_blob;

static JSValue wsn_blob_make(JSContext *ctx, const uint8_t *p, size_t n, const char *type) {
    wsn_blob *b = malloc(sizeof *b + n + 1);
    if (!b) return JS_ThrowOutOfMemory(ctx);
    b->n = n;
    snprintf(b->type, sizeof b->type, "%s", type);
    if (n) memcpy(b->p, p, n);
    JSValue o = JS_NewObjectClass(ctx, (int)wsn_blob_class_id);
    if (JS_IsException(o)) {
        free(b);
        return o;
    }
    JS_SetOpaque(o, b);
    return o;
}

static JSValue wsn_blob_new(JSContext *ctx, const uint8_t *p, size_t n) { return wsn_blob_make(ctx, p, n, ""); }

static size_t wsn_blob_bytes(JSContext *ctx, JSValueConst v, const uint8_t **p) {
    wsn_blob *b = JS_GetOpaque(v, wsn_blob_class_id);
    *p = b ? b->p : NULL;
    return b ? b->n : 0;
}

/* new Blob([parts], {type}): parts are strings (UTF-8), buffers, views or Blobs */
static JSValue wsn_blob_ctor(JSContext *ctx, JSValueConst new_target, int argc, JSValueConst *argv) {
    buf all = {0};
    char type[64] = "";
    if (argc > 0 && !JS_IsUndefined(argv[0])) {
        JSValue lenv = JS_GetPropertyStr(ctx, argv[0], "length");
        int64_t len = -1;
        if (!JS_IsObject(argv[0]) || JS_ToInt64(ctx, &len, lenv) || len < 0) {
            JS_FreeValue(ctx, lenv);
            return JS_ThrowTypeError(ctx, "new Blob(parts): parts must be an array");
        }
        JS_FreeValue(ctx, lenv);
        for (int64_t i = 0; i < len; i++) {
            JSValue part = JS_GetPropertyUint32(ctx, argv[0], (uint32_t)i);
            size_t n = 0;
            const uint8_t *p = NULL;
            if (JS_IsObject(part)) {
                p = js_binary_bytes(ctx, part, &n);
                if (!p) n = wsn_blob_bytes(ctx, part, &p);
            }
            if (p) {
                buf_append(&all, p, n);
            } else {
                const char *str = JS_ToCStringLen(ctx, &n, part);
                if (!str) {
                    JS_FreeValue(ctx, part);
                    buf_free(&all);
                    return JS_EXCEPTION;
                }
                buf_append(&all, str, n);
                JS_FreeCString(ctx, str);
            }
            JS_FreeValue(ctx, part);
        }
    }
    if (argc > 1 && JS_IsObject(argv[1])) {
        JSValue t = JS_GetPropertyStr(ctx, argv[1], "type");
        const char *ts = JS_IsUndefined(t) ? NULL : JS_ToCString(ctx, t);
        if (ts) snprintf(type, sizeof type, "%s", ts);
        JS_FreeCString(ctx, ts);
        JS_FreeValue(ctx, t);
    }
    JSValue o = wsn_blob_make(ctx, (const uint8_t *)all.p, all.len, type);
    buf_free(&all);
    return o;
}

static JSValue wsn_resolved(JSContext *ctx, JSValue v) {
    if (JS_IsException(v)) return v;
    JSValue fns[2];
    JSValue p = JS_NewPromiseCapability(ctx, fns);
    if (!JS_IsException(p)) JS_FreeValue(ctx, JS_Call(ctx, fns[0], JS_UNDEFINED, 1, (JSValueConst *)&v));
    if (!JS_IsException(p)) {
        JS_FreeValue(ctx, fns[0]);
        JS_FreeValue(ctx, fns[1]);
    }
    JS_FreeValue(ctx, v);
    return p;
}

/* size (0), type (1); arrayBuffer() (2), text() (3), bytes() (4) as promises */
static JSValue wsn_blob_get(JSContext *ctx, JSValueConst this_val, int magic) {
    wsn_blob *b = JS_GetOpaque(this_val, wsn_blob_class_id);
    if (!b) return JS_ThrowTypeError(ctx, "not a Blob");
    if (magic == 0) return JS_NewInt64(ctx, (int64_t)b->n);
    return JS_NewString(ctx, b->type);
}

static JSValue wsn_blob_read(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv, int magic) {
    wsn_blob *b = JS_GetOpaque(this_val, wsn_blob_class_id);
    if (!b) return JS_ThrowTypeError(ctx, "not a Blob");
    if (magic == 3) return wsn_resolved(ctx, JS_NewStringLen(ctx, (const char *)b->p, b->n));
    JSValue ab = JS_NewArrayBufferCopy(ctx, b->p, b->n);
    if (magic == 2 || JS_IsException(ab)) return wsn_resolved(ctx, ab);
    JSValue g = JS_GetGlobalObject(ctx);
    JSValue u8 = JS_GetPropertyStr(ctx, g, "Uint8Array");
    JSValue arr = JS_CallConstructor(ctx, u8, 1, (JSValueConst *)&ab);
    JS_FreeValue(ctx, u8);
    JS_FreeValue(ctx, g);
    JS_FreeValue(ctx, ab);
    return wsn_resolved(ctx, arr);
}

static JSValue wsn_blob_slice(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    wsn_blob *b = JS_GetOpaque(this_val, wsn_blob_class_id);
    if (!b) return JS_ThrowTypeError(ctx, "not a Blob");
    int64_t n = (int64_t)b->n, lo = 0, hi = n;
    if (argc > 0 && !JS_IsUndefined(argv[0]) && JS_ToInt64(ctx, &lo, argv[0])) return JS_EXCEPTION;
    if (argc > 1 && !JS_IsUndefined(argv[1]) && JS_ToInt64(ctx, &hi, argv[1])) return JS_EXCEPTION;
    /* negative positions count from the end, as Array.prototype.slice */
    if (lo < 0) lo = lo + n < 0 ? 0 : lo + n;
    if (hi < 0) hi = hi + n < 0 ? 0 : hi + n;
    if (lo > n) lo = n;
    if (hi > n) hi = n;
    if (hi < lo) hi = lo;
    return wsn_blob_make(ctx, b->p + lo, (size_t)(hi - lo), "");
}

static const JSCFunctionListEntry wsn_blob_funcs[] = {
    JS_CGETSET_MAGIC_DEF("size", wsn_blob_get, NULL, 0),    JS_CGETSET_MAGIC_DEF("type", wsn_blob_get, NULL, 1),
    JS_CFUNC_MAGIC_DEF("arrayBuffer", 0, wsn_blob_read, 2), JS_CFUNC_MAGIC_DEF("text", 0, wsn_blob_read, 3),
    JS_CFUNC_MAGIC_DEF("bytes", 0, wsn_blob_read, 4),       JS_CFUNC_DEF("slice", 2, wsn_blob_slice),
};

/* ---- new WebSocket(url, protocols?, params?) ---- */

static JSValue wsn_ctor(JSContext *ctx, JSValueConst new_target, int argc, JSValueConst *argv) {
    vu *v = vu_from_ctx(ctx);
    if (!v->w || v->in_init) return JS_ThrowTypeError(ctx, "new WebSocket() is not available in the init context");
    const char *url = argc > 0 ? JS_ToCString(ctx, argv[0]) : NULL;
    if (!url)
        return argc > 0 ? JS_EXCEPTION
                        : JS_ThrowTypeError(ctx, "new WebSocket(url, [protocols], [params]): url is missing");
    vm_pairs hp = {0};
    struct cookie_jar *jar = NULL;
    JSValue jar_obj = JS_UNDEFINED, obj = JS_UNDEFINED;
    buf hbuf = {0}, cookie = {0}, protos = {0};
    wsn_sock *s = calloc(1, sizeof *s);
    JSValue ret = JS_EXCEPTION;
    if (!s) {
        ret = JS_ThrowOutOfMemory(ctx);
        goto out;
    }
    s->v = v;
    s->obj = JS_UNDEFINED;
    for (int i = 0; i < E_COUNT; i++) s->on[i] = s->lst[i] = JS_UNDEFINED;
    s->url = strdup(url);
    s->group = strdup(v->group);
    if (!s->url || !s->group) {
        ret = JS_ThrowOutOfMemory(ctx);
        goto out;
    }
    JSValueConst params = argc > 2 ? argv[2] : JS_UNDEFINED;
    if (ws_params(ctx, params, "new WebSocket", &hp, &s->utags, &jar, &jar_obj)) goto out;
    /* protocols: a string or an array of strings, offered in Sec-WebSocket-Protocol */
    if (argc > 1 && !JS_IsUndefined(argv[1]) && !JS_IsNull(argv[1])) {
        JSValue lenv = JS_IsArray(ctx, argv[1]) ? JS_GetPropertyStr(ctx, argv[1], "length") : JS_UNDEFINED;
        int64_t n = 1;
        if (JS_IsArray(ctx, argv[1]) && JS_ToInt64(ctx, &n, lenv)) {
            JS_FreeValue(ctx, lenv);
            goto out;
        }
        JS_FreeValue(ctx, lenv);
        for (int64_t i = 0; i < n; i++) {
            JSValue p =
                JS_IsArray(ctx, argv[1]) ? JS_GetPropertyUint32(ctx, argv[1], (uint32_t)i) : JS_DupValue(ctx, argv[1]);
            const char *ps = JS_ToCString(ctx, p);
            JS_FreeValue(ctx, p);
            if (!ps) goto out;
            buf_puts(&protos, protos.len ? ", " : "Sec-WebSocket-Protocol: ");
            buf_puts(&protos, ps);
            JS_FreeCString(ctx, ps);
        }
    }
    ws_cookie_line(jar ? jar : http_vu_jar(v), url, &cookie);
    const char *lines[VM_MAX_PAIRS + 3];
    size_t nl = ws_handshake_lines(v, &hp, &hbuf, &cookie, lines);
    if (protos.len) lines[nl++] = protos.p;

    s->c = ws_client_new();
    if (!s->c) {
        ret = JS_ThrowOutOfMemory(ctx);
        goto out;
    }
    s->t0 = clock_now_us();
    const net_dialer *d = v->test ? v->test->dialer : NULL;
    dialer_sa local;
    ws_client_opts o = {.url = url, .headers = lines, .nheaders = nl};
    if (d && d->nlocal_total && dialer_local_addr(d, v->id, &local)) o.local_addr = &local.sa;
    o.dialer = d;
    /* the object and the VU's queue first: a failure may be reported
     * (queued) from inside ws_client_start, e.g. a host name refused at once */
    wsn_vu *w = vm_mod_get(v, VM_MOD_WEBSOCKETS);
    if (!w) {
        ret = JS_ThrowOutOfMemory(ctx);
        goto out;
    }
    obj = JS_NewObjectClass(ctx, (int)wsn_class_id);
    if (JS_IsException(obj)) goto out;
    if (ws_client_start(s->c, &v->w->loop, v->w->h1, &o, wsn_on_event, s) != 0) {
        ret = JS_ThrowSyntaxError(ctx, "new WebSocket(\"%s\"): %s", url, s->c->err);
        goto out;
    }
    JS_SetOpaque(obj, s);
    s->obj = JS_DupValue(ctx, obj); /* the VU's hold until the close */
    s->next = w->socks;
    w->socks = s;
    ret = obj;
    obj = JS_UNDEFINED;
    s = NULL;
out:
    JS_FreeValue(ctx, obj);
    if (s) {
        if (s->c) ws_client_free(s->c);
        vm_pairs_free(&s->utags);
        free(s->url);
        free(s->group);
        free(s);
    }
    JS_FreeValue(ctx, jar_obj);
    vm_pairs_free(&hp);
    buf_free(&hbuf);
    buf_free(&cookie);
    buf_free(&protos);
    JS_FreeCString(ctx, url);
    return ret;
}

/* ---- the module ---- */

static int wsn_module_set(JSContext *ctx, JSModuleDef *m) {
    JSValue proto = JS_NewObject(ctx);
    JS_SetPropertyFunctionList(ctx, proto, wsn_proto_funcs, sizeof wsn_proto_funcs / sizeof *wsn_proto_funcs);
    JSValue ctor = JS_NewCFunction2(ctx, wsn_ctor, "WebSocket", 1, JS_CFUNC_constructor, 0);
    JS_SetPropertyFunctionList(ctx, ctor, wsn_static_funcs, sizeof wsn_static_funcs / sizeof *wsn_static_funcs);
    JS_SetConstructor(ctx, ctor, proto);
    JS_SetClassProto(ctx, wsn_class_id, proto);

    JSValue bproto = JS_NewObject(ctx);
    JS_SetPropertyFunctionList(ctx, bproto, wsn_blob_funcs, sizeof wsn_blob_funcs / sizeof *wsn_blob_funcs);
    JSValue bctor = JS_NewCFunction2(ctx, wsn_blob_ctor, "Blob", 0, JS_CFUNC_constructor, 0);
    JS_SetConstructor(ctx, bctor, bproto);
    JS_SetClassProto(ctx, wsn_blob_class_id, bproto);

    JSValue def = JS_NewObject(ctx);
    JS_SetPropertyStr(ctx, def, "WebSocket", JS_DupValue(ctx, ctor));
    JS_SetPropertyStr(ctx, def, "Blob", JS_DupValue(ctx, bctor));
    JS_SetModuleExport(ctx, m, "WebSocket", ctor);
    JS_SetModuleExport(ctx, m, "Blob", bctor);
    return JS_SetModuleExport(ctx, m, "default", def);
}

JSModuleDef *websockets_module_init(JSContext *ctx, const char *name) {
    JSModuleDef *m = JS_NewCModule(ctx, name, wsn_module_set);
    if (!m) return NULL;
    JS_AddModuleExport(ctx, m, "WebSocket");
    JS_AddModuleExport(ctx, m, "Blob");
    JS_AddModuleExport(ctx, m, "default");
    return m;
}
