/* The "k6/ws" module: ws.connect(url, params?, callback) and its Socket.
 *
 * connect() blocks the VU (its coroutine yields) for the whole session:
 * the connection (net/ws.c) reports what happens from libuv callbacks,
 * which only queue events and wake the VU; the VU then runs the script's
 * handlers on its own stack, in arrival order, and the socket's timers
 * when due. connect() returns once the connection is closed, or throws if
 * a handler or the callback threw (the connection is dropped then).
 *
 * Metrics, as k6 names them: ws_sessions, ws_connecting (dial, TLS, handshake)
 * at the open; ws_msgs_sent / ws_msgs_received per message; ws_ping per
 * pong answering our ping (its payload carries the send time);
 * ws_session_duration and data_sent / data_received (wire bytes) at the
 * end. Tags: the VU's base tags, url, status, subproto and params.tags. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "js/bytes.h"
#include "exec/test.h"
#include "js/vm.h"
#include "js/modules/http.h"
#include "metrics/registry.h"
#include "net/cookies.h"
#include "net/dialer.h"
#include "exec/worker.h"
#include "net/ws.h"
#include "util/clock.h"
#include "util/fifo.h"
#include "util/log.h"

JSValue k6_throw_interrupted(JSContext *ctx);

enum { H_OPEN, H_MESSAGE, H_BINARY, H_PING, H_PONG, H_CLOSE, H_ERROR, H_COUNT };
static const char *const ws_event_names[H_COUNT] = {"open", "message", "binaryMessage", "ping",
                                                    "pong", "close",   "error"};

enum { EV_MSG, EV_ERROR, EV_END };

typedef struct ws_ev {
    int kind, opcode;
    uint8_t *data; /* message payload, or the error text (NUL-terminated) */
    size_t len;
} ws_ev;

typedef struct ws_timer {
    int64_t id, due_us, every_us; /* every_us 0: setTimeout */
    JSValue fn;
} ws_timer;

typedef struct ws_session {
    vu *v;
    ws_client *c;
    JSValue handlers[H_COUNT]; /* an array of functions per event, or undefined */
    ws_ev *q;
    size_t qhead, qn, qcap;
    ws_timer *t;
    int nt, capt;
    int64_t last_timer_id;
    bool waiting; /* in vu_wait for this session: events may wake the VU */
    bool opened, failed, ended;
    bool script_closed; /* socket.close() was called: k6's session is over for the script */
    int close_code;
    uint32_t tags;
    int64_t t0;
} ws_session;

static JSClassID ws_socket_class_id;

static void ws_socket_finalizer(JSRuntime *rt, JSValue val) {
    (void)rt;
    (void)val;
} /* the session is connect()'s */

static JSClassDef ws_socket_class = {"Socket", .finalizer = ws_socket_finalizer};

void ws_class_init(JSRuntime *rt) {
    if (!ws_socket_class_id) JS_NewClassID(&ws_socket_class_id);
    JS_NewClass(rt, ws_socket_class_id, &ws_socket_class);
}

/* ---- events from the connection ---- */

static void ws_wake(ws_session *s) {
    if (s->waiting && s->v->state == VU_WAITING) vu_wake(s->v);
}

static void ws_queue(ws_session *s, int kind, int opcode, const void *p, size_t n, bool nul) {
    ws_ev *q = fifo_room(s->q, &s->qhead, &s->qn, &s->qcap, sizeof *q);
    if (!q) return;
    s->q = q;
    uint8_t *d = malloc(n + (nul ? 1 : 0) + 1);
    if (!d) return;
    if (n) memcpy(d, p, n);
    d[n] = 0;
    s->q[s->qn++] = (ws_ev){kind, opcode, d, n};
    ws_wake(s);
}

static void ws_on_event(ws_client *c, enum ws_event ev, const ws_msg *m, void *ud) {
    ws_session *s = ud;
    switch (ev) {
    case WS_EV_OPEN:
        s->opened = true;
        ws_wake(s);
        break;
    case WS_EV_FAIL:
        s->failed = true;
        ws_wake(s);
        break;
    case WS_EV_MESSAGE: ws_queue(s, EV_MSG, m->opcode, m->data, m->len, false); break;
    case WS_EV_ERROR:
        /* k6's socket.close() ends the session at once: nothing read after it reaches the script */
        if (!s->script_closed) ws_queue(s, EV_ERROR, 0, c->err, strlen(c->err), true);
        break;
    case WS_EV_END:
        s->close_code = c->close_code;
        if (c->read_failed && !s->script_closed) {
            /* k6's readPump (ws.go): a read error that is not a close
             * frame closes with 1001 (going away) through closeConnection,
             * whose close frame fails with gorilla's ErrCloseSent when
             * gorilla already sent one for the protocol error */
            if (c->close_sent) ws_queue(s, EV_ERROR, 0, "websocket: close sent", 21, true);
            s->close_code = WS_CLOSE_GOING_AWAY;
        }
        if (c->too_big)
            log_printf(LOG_WARN,
                       "WebSocket message larger than 64 MB from %s: c6 closed the connection with 1009 "
                       "(k6 has no limit)",
                       c->host);
        ws_queue(s, EV_END, 0, NULL, 0, false);
        break;
    }
}

/* ---- metrics ---- */

static void ws_intern_tags(ws_session *s, const char *url, const vm_pairs *user) {
    vu *v = s->v;
    tag_kv kv[VU_BASE_TAGS + VM_MAX_PAIRS + 4];
    char status[16];
    snprintf(status, sizeof status, "%d", s->c->status);
    size_t n = vu_base_tags(v, kv, v->group);
    if (vu_tag_on(v, ST_URL)) kv[n++] = (tag_kv){"url", url};
    if (vu_tag_on(v, ST_STATUS)) kv[n++] = (tag_kv){"status", status};
    if (s->c->subproto[0] && vu_tag_on(v, ST_SUBPROTO)) kv[n++] = (tag_kv){"subproto", s->c->subproto};
    for (int i = 0; i < user->n; i++) kv[n++] = (tag_kv){user->k[i], user->v[i]};
    s->tags = tagdict_intern(v->w->samples.tags, kv, n);
}

static void ws_push(ws_session *s, int metric, double value) {
    sample_push(&s->v->w->samples, metric, s->tags, value, sample_now(&s->v->w->samples));
}

/* ---- Socket methods ---- */

static ws_session *ws_this(JSContext *ctx, JSValueConst this_val) {
    return JS_GetOpaque(this_val, ws_socket_class_id); /* NULL once connect() has returned */
}

static JSValue ws_on(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    ws_session *s = ws_this(ctx, this_val);
    const char *name = argc > 0 ? JS_ToCString(ctx, argv[0]) : NULL;
    if (!name) return argc > 0 ? JS_EXCEPTION : JS_ThrowTypeError(ctx, "socket.on(event, handler): event is missing");
    int h = -1;
    for (int i = 0; i < H_COUNT; i++)
        if (strcmp(name, ws_event_names[i]) == 0) h = i;
    JSValue r = JS_UNDEFINED;
    if (h < 0)
        r = JS_ThrowTypeError(
            ctx, "socket.on(\"%s\"): unknown event (open, message, binaryMessage, ping, pong, close, error)", name);
    else if (argc < 2 || !JS_IsFunction(ctx, argv[1]))
        r = JS_ThrowTypeError(ctx, "socket.on(\"%s\", handler): handler must be a function", name);
    else if (s) {
        if (JS_IsUndefined(s->handlers[h])) s->handlers[h] = JS_NewArray(ctx);
        JSValue len = JS_GetPropertyStr(ctx, s->handlers[h], "length");
        uint32_t n = 0;
        JS_ToUint32(ctx, &n, len);
        JS_FreeValue(ctx, len);
        JS_SetPropertyUint32(ctx, s->handlers[h], n, JS_DupValue(ctx, argv[1]));
    }
    JS_FreeCString(ctx, name);
    return r;
}

static void ws_count_sent(ws_session *s) { ws_push(s, M_WS_MSGS_SENT, 1); }

static bool ws_fire_error(ws_session *s, const char *text, size_t len);

/* A write after socket.close(): gorilla's ErrCloseSent, given to the error
 * handlers at once (k6's Send and SendBinary still count the message,
 * Ping does not); false if a handler threw. */
static bool ws_write_after_close(ws_session *s, bool count) {
    bool ok = ws_fire_error(s, "websocket: close sent", 21);
    if (count) ws_count_sent(s);
    return ok;
}

static JSValue ws_send(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    ws_session *s = ws_this(ctx, this_val);
    size_t n;
    const char *str = JS_ToCStringLen(ctx, &n, argc > 0 ? argv[0] : JS_UNDEFINED);
    if (!str) return JS_EXCEPTION;
    bool ok = true;
    if (s && s->script_closed) ok = ws_write_after_close(s, true);
    else if (s && ws_client_send(s->c, WS_OP_TEXT, str, n) == 0) ws_count_sent(s);
    JS_FreeCString(ctx, str);
    return ok ? JS_UNDEFINED : JS_EXCEPTION;
}

static JSValue ws_send_binary(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    ws_session *s = ws_this(ctx, this_val);
    size_t n = 0;
    /* an ArrayBuffer, or the bytes a typed array or DataView views */
    uint8_t *p = argc > 0 ? js_binary_bytes(ctx, argv[0], &n) : NULL;
    if (!p) return JS_ThrowTypeError(ctx, "socket.sendBinary(data): data must be an ArrayBuffer");
    if (s && s->script_closed) return ws_write_after_close(s, true) ? JS_UNDEFINED : JS_EXCEPTION;
    if (s && ws_client_send(s->c, WS_OP_BINARY, p, n) == 0) ws_count_sent(s);
    return JS_UNDEFINED;
}

void ws_ping_timed(ws_client *c) {
    int64_t now = clock_now_us();
    uint8_t p[8];
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)((uint64_t)now >> (56 - 8 * i));
    ws_client_send(c, WS_OP_PING, p, sizeof p);
}

double ws_pong_rtt_ms(const uint8_t *p, size_t n) {
    if (n != 8) return -1;
    uint64_t sent = 0;
    for (int i = 0; i < 8; i++) sent = sent << 8 | p[i];
    int64_t now = clock_now_us();
    if ((int64_t)sent > now || now - (int64_t)sent >= 3600 * 1000000LL) return -1;
    return (double)(now - (int64_t)sent) / 1000.0;
}

static JSValue ws_ping(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    ws_session *s = ws_this(ctx, this_val);
    if (!s) return JS_UNDEFINED;
    if (s->script_closed) return ws_write_after_close(s, false) ? JS_UNDEFINED : JS_EXCEPTION;
    ws_ping_timed(s->c);
    return JS_UNDEFINED;
}

static bool ws_fire(ws_session *s, int h, int argc, JSValueConst *argv);

/* k6 (ws.go Close, closeConnection): the code is the argument as an
 * integer, 1001 (going away) without one, not checked; the close frame
 * goes out, the close handlers run at once with that code and the session
 * is over (connect() returns without waiting for the server's answer).
 * Once only: after the end, or a second time, it does nothing. */
static JSValue ws_close(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    ws_session *s = ws_this(ctx, this_val);
    int64_t code = WS_CLOSE_GOING_AWAY;
    if (argc > 0 && JS_ToInt64(ctx, &code, argv[0])) return JS_EXCEPTION;
    if (!s || s->ended || s->script_closed) return JS_UNDEFINED;
    s->script_closed = true;
    ws_client_close(s->c, (int)(uint16_t)code, NULL);
    JSValue v = JS_NewInt64(ctx, code);
    if (!ws_fire(s, H_CLOSE, 1, &v)) return JS_EXCEPTION;
    return JS_UNDEFINED;
}

/* setTimeout(fn, ms) (magic 0) and setInterval(fn, ms) (magic 1), while the socket is open */
static JSValue ws_set_timer(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv, int magic) {
    ws_session *s = ws_this(ctx, this_val);
    const char *what = magic ? "setInterval" : "setTimeout";
    if (argc < 1 || !JS_IsFunction(ctx, argv[0]))
        return JS_ThrowTypeError(ctx, "socket.%s(fn, ms): fn must be a function", what);
    double ms = 0;
    if (argc > 1 && JS_ToFloat64(ctx, &ms, argv[1])) return JS_EXCEPTION;
    if (isnan(ms) || ms < 0 || (magic && ms <= 0))
        return JS_ThrowRangeError(ctx, "socket.%s requires a >%s0 delay, got %.2f", what, magic ? "" : "=", ms);
    if (ms > 1e12) ms = 1e12;
    if (!s) return JS_UNDEFINED;
    if (s->nt == s->capt) {
        int cap = s->capt ? s->capt * 2 : 4;
        ws_timer *t = realloc(s->t, (size_t)cap * sizeof *t);
        if (!t) return JS_ThrowOutOfMemory(ctx);
        s->t = t;
        s->capt = cap;
    }
    int64_t us = (int64_t)llround(ms * 1000);
    s->t[s->nt++] = (ws_timer){++s->last_timer_id, clock_now_us() + us, magic ? us : 0, JS_DupValue(ctx, argv[0])};
    return JS_UNDEFINED;
}

static const JSCFunctionListEntry ws_socket_funcs[] = {
    JS_CFUNC_DEF("on", 2, ws_on),
    JS_CFUNC_DEF("send", 1, ws_send),
    JS_CFUNC_DEF("sendBinary", 1, ws_send_binary),
    JS_CFUNC_DEF("ping", 0, ws_ping),
    JS_CFUNC_DEF("close", 1, ws_close),
    JS_CFUNC_MAGIC_DEF("setTimeout", 2, ws_set_timer, 0),
    JS_CFUNC_MAGIC_DEF("setInterval", 2, ws_set_timer, 1),
};

/* ---- running the session ---- */

/* Calls every handler of event h; false if one threw. */
static bool ws_fire(ws_session *s, int h, int argc, JSValueConst *argv) {
    JSContext *ctx = s->v->ctx;
    if (JS_IsUndefined(s->handlers[h])) return true;
    JSValue arr = JS_DupValue(ctx, s->handlers[h]); /* a handler may add handlers */
    JSValue lenv = JS_GetPropertyStr(ctx, arr, "length");
    uint32_t n = 0;
    JS_ToUint32(ctx, &n, lenv);
    JS_FreeValue(ctx, lenv);
    bool ok = true;
    for (uint32_t i = 0; i < n && ok; i++) {
        JSValue fn = JS_GetPropertyUint32(ctx, arr, i);
        JSValue r = JS_Call(ctx, fn, JS_UNDEFINED, argc, argv);
        ok = !JS_IsException(r);
        JS_FreeValue(ctx, r);
        JS_FreeValue(ctx, fn);
    }
    JS_FreeValue(ctx, arr);
    /* promise jobs a handler started run before the next event */
    int rc;
    while (ok && (rc = vm_run_job(s->v)) != 0) ok = rc > 0;
    return ok;
}

static JSValue ws_error_text(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv, int magic,
                             JSValue *data) {
    return JS_DupValue(ctx, data[0]);
}

/* k6 hands error handlers an object whose error() gives the text. */
static bool ws_fire_error(ws_session *s, const char *text, size_t len) {
    JSContext *ctx = s->v->ctx;
    JSValue t = JS_NewStringLen(ctx, text, len);
    JSValue err = JS_NewObject(ctx);
    JS_SetPropertyStr(ctx, err, "error", JS_NewCFunctionData(ctx, ws_error_text, 0, 0, 1, &t));
    JS_FreeValue(ctx, t);
    bool ok = ws_fire(s, H_ERROR, 1, (JSValueConst *)&err);
    JS_FreeValue(ctx, err);
    return ok;
}

static bool ws_dispatch(ws_session *s, ws_ev *e) {
    JSContext *ctx = s->v->ctx;
    bool ok = true;
    if (e->kind == EV_END) {
        s->ended = true;
        JSValue code = JS_NewInt32(ctx, s->close_code);
        ok = ws_fire(s, H_CLOSE, 1, &code);
    } else if (e->kind == EV_ERROR) {
        ok = ws_fire_error(s, (const char *)e->data, e->len);
    } else if (e->opcode == WS_OP_TEXT || e->opcode == WS_OP_BINARY) {
        ws_push(s, M_WS_MSGS_RECEIVED, 1);
        JSValue arg = e->opcode == WS_OP_TEXT ? JS_NewStringLen(ctx, (const char *)e->data, e->len)
                                              : JS_NewArrayBufferCopy(ctx, e->data, e->len);
        ok = ws_fire(s, e->opcode == WS_OP_TEXT ? H_MESSAGE : H_BINARY, 1, (JSValueConst *)&arg);
        JS_FreeValue(ctx, arg);
    } else if (e->opcode == WS_OP_PING) {
        ok = ws_fire(s, H_PING, 0, NULL);
    } else if (e->opcode == WS_OP_PONG) {
        double rtt = ws_pong_rtt_ms(e->data, e->len);
        if (rtt >= 0) ws_push(s, M_WS_PING, rtt);
        ok = ws_fire(s, H_PONG, 0, NULL);
    }
    /* a close frame is reported through EV_END, which follows it */
    return ok;
}

/* Runs the earliest due timer, if any; -1 if it threw, 1 if one ran. */
static int ws_run_timer(ws_session *s, int64_t now) {
    int best = -1;
    for (int i = 0; i < s->nt; i++)
        if (s->t[i].due_us <= now && (best < 0 || s->t[i].due_us < s->t[best].due_us ||
                                      (s->t[i].due_us == s->t[best].due_us && s->t[i].id < s->t[best].id)))
            best = i;
    if (best < 0) return 0;
    JSContext *ctx = s->v->ctx;
    JSValue fn;
    if (s->t[best].every_us) {
        ws_timer *t = &s->t[best];
        t->due_us = t->due_us + t->every_us > now ? t->due_us + t->every_us : now;
        fn = JS_DupValue(ctx, t->fn);
    } else {
        fn = s->t[best].fn;
        s->t[best] = s->t[--s->nt];
    }
    JSValue r = JS_Call(ctx, fn, JS_UNDEFINED, 0, NULL);
    JS_FreeValue(ctx, fn);
    bool ok = !JS_IsException(r);
    JS_FreeValue(ctx, r);
    int rc;
    while (ok && (rc = vm_run_job(s->v)) != 0) ok = rc > 0;
    return ok ? 1 : -1;
}

static void ws_on_wait_timer(uv_timer_t *t) {
    vu *v = t->data;
    if (v->state == VU_WAITING) vu_wake(v);
}

/* Waits for an event or the next timer; false if the VU was interrupted. */
static bool ws_wait(ws_session *s) {
    vu *v = s->v;
    int64_t next = INT64_MAX;
    for (int i = 0; i < s->nt; i++)
        if (s->t[i].due_us < next) next = s->t[i].due_us;
    if (next != INT64_MAX) {
        int64_t left = next - clock_now_us();
        uv_update_time(&v->w->loop);
        uv_timer_start(&v->sleep_timer, ws_on_wait_timer, left > 0 ? (uint64_t)((left + 999) / 1000) : 0, 0);
    }
    s->waiting = true;
    bool ok = vu_wait(v);
    s->waiting = false;
    uv_timer_stop(&v->sleep_timer);
    return ok;
}

/* Until the connection has ended: events in order, then due timers.
 * Returns 0, -1 (a handler threw) or -2 (interrupted). */
static int ws_loop(ws_session *s) {
    for (;;) {
        while (s->qhead < s->qn && !s->script_closed) {
            ws_ev e = s->q[s->qhead++];
            bool ok = ws_dispatch(s, &e);
            free(e.data);
            if (!ok) return -1;
            if (e.kind == EV_END) return 0;
        }
        if (s->script_closed) return 0; /* socket.close(): the session is over */
        int r = ws_run_timer(s, clock_now_us());
        if (r < 0) return -1;
        if (r > 0) continue;
        if (vm_cut_off(s->v) || !ws_wait(s)) return -2;
    }
}

static void ws_session_free(ws_session *s, JSValue sock) {
    JSContext *ctx = s->v->ctx;
    JS_SetOpaque(sock, NULL);
    for (int i = 0; i < H_COUNT; i++) JS_FreeValue(ctx, s->handlers[i]);
    for (int i = 0; i < s->nt; i++) JS_FreeValue(ctx, s->t[i].fn);
    free(s->t);
    for (size_t i = s->qhead; i < s->qn; i++) free(s->q[i].data);
    free(s->q);
    ws_client_free(s->c);
    free(s);
}

/* ---- connect ---- */

static void ws_canonical(char *name) {
    bool up = true;
    for (char *c = name; *c; c++) {
        *c = up ? (char)toupper((unsigned char)*c) : (char)tolower((unsigned char)*c);
        up = *c == '-';
    }
}

/* {url, status, headers, body, error}, as k6's ws Response (ws.go
 * HTTPResponse: no error_code, unlike http's Response); err NULL: "". */
static JSValue ws_response(JSContext *ctx, const char *url, const ws_client *c, const char *err) {
    JSValue r = JS_NewObject(ctx);
    JSValue h = JS_NewObject(ctx);
    for (const char *p = c->resp_head.p; p && *p;) {
        const char *eol = strstr(p, "\r\n");
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        const char *colon = memchr(p, ':', len);
        if (colon && colon - p < 256) {
            char name[256];
            memcpy(name, p, (size_t)(colon - p));
            name[colon - p] = 0;
            ws_canonical(name);
            const char *vs = colon + 1;
            while (vs < p + len && (*vs == ' ' || *vs == '\t')) vs++;
            JS_SetPropertyStr(ctx, h, name, JS_NewStringLen(ctx, vs, (size_t)(p + len - vs)));
        }
        p = eol ? eol + 2 : NULL;
    }
    JS_SetPropertyStr(ctx, r, "url", JS_NewString(ctx, url));
    JS_SetPropertyStr(ctx, r, "status", JS_NewInt32(ctx, c->status));
    JS_SetPropertyStr(ctx, r, "headers", h);
    JS_SetPropertyStr(ctx, r, "body", JS_NewStringLen(ctx, c->resp_body.p ? c->resp_body.p : "", c->resp_body.len));
    JS_SetPropertyStr(ctx, r, "error", JS_NewString(ctx, err ? err : ""));
    return r;
}

typedef struct ws_cookie_ctx {
    buf *line;
} ws_cookie_ctx;

static void ws_cookie_one(const char *name, const char *value, void *ud) {
    buf *b = ud;
    buf_puts(b, b->len ? "; " : "Cookie: ");
    buf_puts(b, name);
    buf_puts(b, "=");
    buf_puts(b, value);
}

/* "Cookie: ..." for url from jar (the jar keys on http(s) URLs). */
size_t ws_handshake_lines(vu *v, const vm_pairs *hdrs, buf *hbuf, const buf *cookie, const char **lines) {
    /* kept in one buffer: offsets first, pointers once it stops moving */
    size_t offs[VM_MAX_PAIRS + 2], n = 0;
    bool has_ua = false;
    for (int i = 0; i < hdrs->n; i++) {
        has_ua = has_ua || strcasecmp(hdrs->k[i], "User-Agent") == 0;
        offs[n++] = hbuf->len;
        buf_puts(hbuf, hdrs->k[i]);
        buf_puts(hbuf, ": ");
        buf_puts(hbuf, hdrs->v[i]);
        buf_append(hbuf, "", 1);
    }
    if (!has_ua) { /* as k6: the userAgent option unless a header says otherwise */
        offs[n++] = hbuf->len;
        buf_puts(hbuf, "User-Agent: ");
        buf_puts(hbuf, http_user_agent(v));
        buf_append(hbuf, "", 1);
    }
    for (size_t i = 0; i < n; i++) lines[i] = hbuf->p + offs[i];
    if (cookie->len) lines[n++] = cookie->p;
    return n;
}

void ws_cookie_line(cookie_jar *jar, const char *url, buf *out) {
    if (!jar) return;
    buf http = {0};
    buf_puts(&http, strncmp(url, "wss", 3) == 0 ? "https" : "http");
    buf_puts(&http, url + (strncmp(url, "wss", 3) == 0 ? 3 : 2));
    cookies_for_url(jar, http.p, time(NULL), ws_cookie_one, out);
    buf_free(&http);
}

/* Reads params: headers into lines (owned by hdrs), tags into tags, cookie
 * jar; `who` names the caller in errors. k6/websockets reads the same. */
int ws_params(JSContext *ctx, JSValueConst params, const char *who, vm_pairs *hdrs, vm_pairs *tags, cookie_jar **jar,
              JSValue *jar_obj) {
    if (!JS_IsObject(params)) return 0;
    JSValue v = JS_GetPropertyStr(ctx, params, "headers");
    int rc = JS_IsException(v) ? -1 : vm_pairs_read(ctx, v, hdrs);
    JS_FreeValue(ctx, v);
    if (rc) return -1;
    v = JS_GetPropertyStr(ctx, params, "tags");
    tags->keep_nul = true;
    rc = JS_IsException(v) ? -1 : vm_pairs_read(ctx, v, tags);
    JS_FreeValue(ctx, v);
    if (rc) return -1;
    v = JS_GetPropertyStr(ctx, params, "compression");
    if (JS_IsException(v)) return -1;
    const char *comp = JS_IsUndefined(v) || JS_IsNull(v) ? NULL : JS_ToCString(ctx, v);
    JS_FreeValue(ctx, v);
    bool bad = comp && comp[0];
    if (bad) JS_ThrowTypeError(ctx, "%s: params.compression \"%s\" is not supported by c6 yet", who, comp);
    JS_FreeCString(ctx, comp);
    if (bad) return -1;
    http_params hp;
    memset(&hp, 0, sizeof hp);
    hp.jar_obj = JS_UNDEFINED;
    if (http_parse_jar(ctx, params, &hp)) return -1;
    *jar = hp.jar;
    *jar_obj = hp.jar_obj;
    return 0;
}

static JSValue ws_connect(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    vu *v = vu_from_ctx(ctx);
    if (!v->w || v->in_init) return JS_ThrowTypeError(ctx, "ws.connect() is not available in the init context");
    JSValueConst params = argc > 2 ? argv[1] : JS_UNDEFINED;
    JSValueConst cb = argc > 2 ? argv[2] : argc > 1 ? argv[1] : JS_UNDEFINED;
    if (!JS_IsFunction(ctx, cb))
        return JS_ThrowTypeError(ctx, "ws.connect(url, [params], callback): callback must be a function");
    const char *url = argc > 0 ? JS_ToCString(ctx, argv[0]) : NULL;
    if (!url)
        return argc > 0 ? JS_EXCEPTION : JS_ThrowTypeError(ctx, "ws.connect(url, [params], callback): url is missing");

    vm_pairs hp = {0}, tags = {0};
    cookie_jar *jar = NULL;
    JSValue jar_obj = JS_UNDEFINED;
    JSValue ret = JS_UNDEFINED;
    ws_session *s = NULL;
    JSValue sock = JS_UNDEFINED;
    const char *lines[VM_MAX_PAIRS + 2];
    buf hbuf = {0}, cookie = {0};
    size_t nlines = 0;
    if (ws_params(ctx, params, "ws.connect", &hp, &tags, &jar, &jar_obj)) {
        ret = JS_EXCEPTION;
        goto out;
    }
    ws_cookie_line(jar ? jar : http_vu_jar(v), url, &cookie);
    nlines = ws_handshake_lines(v, &hp, &hbuf, &cookie, lines);

    s = calloc(1, sizeof *s);
    ws_client *c = ws_client_new();
    if (!s || !c) {
        free(s);
        free(c);
        s = NULL;
        ret = JS_ThrowOutOfMemory(ctx);
        goto out;
    }
    s->v = v;
    s->c = c;
    for (int i = 0; i < H_COUNT; i++) s->handlers[i] = JS_UNDEFINED;
    s->t0 = clock_now_us();
    const net_dialer *d = v->test ? v->test->dialer : NULL;
    dialer_sa local;
    ws_client_opts o = {.url = url, .headers = lines, .nheaders = nlines};
    if (d && d->nlocal_total && dialer_local_addr(d, v->id, &local)) o.local_addr = &local.sa;
    o.dialer = d;
    if (ws_client_start(c, &v->w->loop, v->w->h1, &o, ws_on_event, s) == 0) {
        while (!s->opened && !s->failed)
            if (vm_cut_off(v) || !ws_wait(s)) {
                ret = k6_throw_interrupted(ctx);
                goto out;
            }
    } else {
        s->failed = true;
    }
    if (s->failed) {
        /* the bytes of a refused handshake still count */
        ws_intern_tags(s, url, &tags);
        if (c->bytes_sent) ws_push(s, M_DATA_SENT, (double)c->bytes_sent);
        if (c->bytes_received) ws_push(s, M_DATA_RECEIVED, (double)c->bytes_received);
        /* k6 (ws.go Connect): the error is thrown with `throw`; else an
         * HTTP answer comes back as it is (wrapHTTPResponse: no error, no
         * url), any other failure as {error} alone; nothing is logged */
        if (v->test && v->test->throw_errors) ret = JS_ThrowInternalError(ctx, "%s", c->err);
        else ret = ws_response(ctx, "", c, c->status ? "" : c->err);
        goto out;
    }
    ws_intern_tags(s, url, &tags);
    ws_push(s, M_WS_SESSIONS, 1);
    ws_push(s, M_WS_CONNECTING, (double)(clock_now_us() - s->t0) / 1000.0);

    sock = JS_NewObjectClass(ctx, (int)ws_socket_class_id);
    JS_SetPropertyFunctionList(ctx, sock, ws_socket_funcs, sizeof ws_socket_funcs / sizeof *ws_socket_funcs);
    JS_SetOpaque(sock, s);
    JSValue r = JS_Call(ctx, cb, JS_UNDEFINED, 1, (JSValueConst *)&sock);
    int rc = -1;
    if (!JS_IsException(r)) {
        JS_FreeValue(ctx, r);
        rc = ws_fire(s, H_OPEN, 0, NULL) ? ws_loop(s) : -1;
    }
    ws_push(s, M_WS_SESSION_DURATION, (double)(clock_now_us() - s->t0) / 1000.0);
    ws_push(s, M_DATA_SENT, (double)c->bytes_sent);
    ws_push(s, M_DATA_RECEIVED, (double)c->bytes_received);
    if (rc == -2) ret = k6_throw_interrupted(ctx);
    else if (rc == -1) ret = JS_EXCEPTION;
    else ret = ws_response(ctx, url, c, NULL);
out:
    if (s) ws_session_free(s, sock);
    JS_FreeValue(ctx, sock);
    JS_FreeValue(ctx, jar_obj);
    vm_pairs_free(&hp);
    vm_pairs_free(&tags);
    buf_free(&hbuf);
    buf_free(&cookie);
    JS_FreeCString(ctx, url);
    return ret;
}

static const JSCFunctionListEntry ws_funcs[] = {
    JS_CFUNC_DEF("connect", 3, ws_connect),
};

static int ws_module_set(JSContext *ctx, JSModuleDef *m) {
    JSValue def = JS_NewObject(ctx);
    int rc = vm_set_exports(ctx, m, def, ws_funcs, sizeof ws_funcs / sizeof *ws_funcs);
    if (rc == 0) rc = JS_SetModuleExport(ctx, m, "default", def);
    else JS_FreeValue(ctx, def);
    return rc;
}

JSModuleDef *ws_module_init(JSContext *ctx, const char *name) {
    JSModuleDef *m = JS_NewCModule(ctx, name, ws_module_set);
    if (!m) return NULL;
    JS_AddModuleExportList(ctx, m, ws_funcs, sizeof ws_funcs / sizeof *ws_funcs);
    JS_AddModuleExport(ctx, m, "default");
    return m;
}
