/* http.asyncRequest(method, url, body, params): a Promise of a Response.
 *
 * The request is parsed at once and queued on the VU; the VU's event loop
 * (vm_settle) starts what is queued before anything else it has to do, so
 * the requests made by one piece of code go out together, in parallel (no
 * batch/batchPerHost limits: k6 does not apply them to async requests). They
 * then run while the loop goes on with timers, socket and stream events;
 * each promise settles as soon as its own request is complete (its
 * redirects followed): a completion is stamped (vm_loop_event) when the
 * loop next looks, and taken in that order with the other sources' events.
 * So
 *
 *   const [a, b] = await Promise.all([http.asyncRequest('GET', u1),
 *                                     http.asyncRequest('GET', u2)]);
 *
 * sends both requests at the same time. A failure that options.throw turns
 * into an exception rejects the promise instead. */
#include <stdlib.h>
#include <string.h>
#include "js/bytes.h"
#include "js/modules/http.h"

#include "exec/test.h"
#include "util/clock.h"

JSValue k6_throw_interrupted(JSContext *ctx);

/* Requests started together: their arrays stay where they are while they
 * run (the client's callbacks point into them). */
typedef struct http_round {
    struct http_round *next;
    http_call *calls;
    JSValue *resolve, *reject;
    size_t n, left;   /* left: not settled yet */
    int64_t start_us; /* options.rps: when its slots come (monotonic µs); 0: started */
    uint64_t seq[];   /* per call: 0 running, then its completion's stamp; UINT64_MAX settled */
} http_round;

typedef struct http_async {
    http_call *calls; /* queued, not started yet */
    JSValue *resolve, *reject;
    size_t n, cap;
    http_round *running;
} http_async;

static int http_async_grow(http_async *a) {
    if (a->n < a->cap) return 0;
    size_t cap = a->cap ? a->cap * 2 : 4;
    http_call *c = realloc(a->calls, cap * sizeof *c);
    if (!c) return -1;
    a->calls = c;
    JSValue *r = realloc(a->resolve, cap * sizeof *r);
    if (!r) return -1;
    a->resolve = r;
    JSValue *j = realloc(a->reject, cap * sizeof *j);
    if (!j) return -1;
    a->reject = j;
    a->cap = cap;
    return 0;
}

JSValue http_async_request(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    vu *v = vu_from_ctx(ctx);
    if (!v->w || v->in_init)
        return js_throw_error(ctx, "GoError", "Making http requests in the init context is not supported");
    if (argc < 1) return JS_ThrowTypeError(ctx, "http.asyncRequest(method, url[, body][, params])");
    http_async *a = vm_mod_get(v, VM_MOD_HTTP_ASYNC);
    if (!a || http_async_grow(a)) return JS_ThrowOutOfMemory(ctx);
    const char *method = JS_ToCString(ctx, argv[0]);
    if (!method) return JS_EXCEPTION;
    http_call *c = &a->calls[a->n];
    memset(c, 0, sizeof *c);
    int rc = http_call_init(ctx, c, method, argc > 1 ? argv[1] : JS_UNDEFINED, argc > 2 ? argv[2] : JS_UNDEFINED,
                            argc > 3 ? argv[3] : JS_UNDEFINED);
    if (rc) { /* k6: a request error resolves the promise with a Response carrying it */
        JSValue r = http_parse_fallback(ctx, v, method);
        JS_FreeCString(ctx, method);
        if (JS_IsException(r)) return r;
        JSValue funcs[2];
        JSValue p = JS_NewPromiseCapability(ctx, funcs);
        if (!JS_IsException(p)) JS_FreeValue(ctx, JS_Call(ctx, funcs[0], JS_UNDEFINED, 1, (JSValueConst *)&r));
        JS_FreeValue(ctx, funcs[0]);
        JS_FreeValue(ctx, funcs[1]);
        JS_FreeValue(ctx, r);
        return p;
    }
    JS_FreeCString(ctx, method);
    JSValue funcs[2];
    JSValue p = JS_NewPromiseCapability(ctx, funcs);
    if (JS_IsException(p)) {
        http_call_free(ctx, c);
        return p;
    }
    a->resolve[a->n] = funcs[0];
    a->reject[a->n] = funcs[1];
    a->n++;
    return p;
}

static bool http_async_pending(const vu *v) {
    const http_async *a = vm_mod_peek(v, VM_MOD_HTTP_ASYNC);
    return a && (a->n || a->running);
}

static void http_async_drop(JSContext *ctx, http_call *calls, JSValue *res, JSValue *rej, size_t n) {
    for (size_t i = 0; i < n; i++) {
        http_call_free(ctx, &calls[i]);
        JS_FreeValue(ctx, res[i]);
        JS_FreeValue(ctx, rej[i]);
    }
    free(calls);
    free(res);
    free(rej);
}

/* Starts a round; -1 with an exception pending. */
static int http_async_start(vu *v, http_round *r) {
    r->start_us = 0;
    if (http_calls_start(v, r->calls, r->n)) return 0;
    k6_throw_interrupted(v->ctx);
    return -1;
}

/* What is queued becomes a new round, started at once or, with options.rps,
 * when its slots come (the loop goes on meanwhile, as the requests of k6's
 * asyncRequest wait for the limiter off the event loop); -1 with an
 * exception pending. */
static int http_async_round(vu *v, http_async *a) {
    size_t n = a->n;
    http_round *r = malloc(sizeof *r + n * sizeof *r->seq);
    if (!r) {
        http_async_drop(v->ctx, a->calls, a->resolve, a->reject, n);
        a->calls = NULL, a->resolve = a->reject = NULL, a->n = a->cap = 0;
        JS_ThrowOutOfMemory(v->ctx);
        return -1;
    }
    *r = (http_round){a->running, a->calls, a->resolve, a->reject, n, n, 0};
    memset(r->seq, 0, n * sizeof *r->seq);
    a->running = r;
    a->calls = NULL, a->resolve = a->reject = NULL, a->n = a->cap = 0;
    if (v->test && v->test->rps_interval_us) r->start_us = http_rps_slot(v, n);
    return r->start_us && r->start_us > clock_now_us() ? 0 : http_async_start(v, r);
}

/* Requests that completed get their stamp; the oldest one not settled (0:
 * requests to start, before anything else). */
static uint64_t http_async_next(vu *v, int64_t now, int64_t *due) {
    http_async *a = vm_mod_peek(v, VM_MOD_HTTP_ASYNC);
    if (a->n) return 0;
    uint64_t best = UINT64_MAX;
    for (http_round *r = a->running; r; r = r->next) {
        if (r->start_us) { /* waiting for its rps slots */
            if (r->start_us <= now) return 0;
            if (r->start_us < *due) *due = r->start_us;
            continue;
        }
        for (size_t i = 0; i < r->n; i++) {
            if (r->seq[i] == 0 && http_call_poll(&r->calls[i])) r->seq[i] = vm_loop_event(v);
            if (r->seq[i] && r->seq[i] < best) best = r->seq[i];
        }
    }
    return best;
}

/* Starts the queued requests, or settles the promise of the request that
 * completed first. */
static int http_async_run(vu *v) {
    JSContext *ctx = v->ctx;
    http_async *a = vm_mod_peek(v, VM_MOD_HTTP_ASYNC);
    if (a->n) return http_async_round(v, a);
    int64_t now = clock_now_us();
    for (http_round *q = a->running; q; q = q->next)
        if (q->start_us && q->start_us <= now) return http_async_start(v, q);
    http_round **pr = NULL, *r = NULL;
    size_t i = 0;
    uint64_t best = UINT64_MAX;
    for (http_round **pp = &a->running; *pp; pp = &(*pp)->next)
        for (size_t k = 0; !(*pp)->start_us && k < (*pp)->n; k++)
            if ((*pp)->seq[k] && (*pp)->seq[k] < best) best = (*pp)->seq[k], pr = pp, r = *pp, i = k;
    if (!r) return 0;
    r->seq[i] = UINT64_MAX;
    r->left--;
    http_call *c = &r->calls[i];
    JSValue arg, x;
    if (http_should_throw(v, c)) {
        http_throw_error(ctx, c);
        arg = JS_GetException(ctx);
        x = JS_Call(ctx, r->reject[i], JS_UNDEFINED, 1, (JSValueConst *)&arg);
    } else {
        arg = http_call_response(v, c);
        x = JS_IsException(arg) ? JS_EXCEPTION : JS_Call(ctx, r->resolve[i], JS_UNDEFINED, 1, (JSValueConst *)&arg);
    }
    int rc = JS_IsException(x) ? -1 : 0;
    JS_FreeValue(ctx, x);
    JS_FreeValue(ctx, arg);
    if (r->left == 0) {
        *pr = r->next;
        http_async_drop(ctx, r->calls, r->resolve, r->reject, r->n);
        free(r);
    }
    return rc;
}

static void http_async_clear(vu *v) {
    http_async *a = vm_mod_peek(v, VM_MOD_HTTP_ASYNC);
    if (!a) return;
    http_async_drop(v->ctx, a->calls, a->resolve, a->reject, a->n);
    while (a->running) {
        http_round *r = a->running;
        a->running = r->next;
        for (size_t i = 0; i < r->n; i++) http_call_cancel(&r->calls[i]);
        http_async_drop(v->ctx, r->calls, r->resolve, r->reject, r->n);
        free(r);
    }
    memset(a, 0, sizeof *a);
}

static void http_async_vu_free(vu *v, void *st) {
    (void)st;
    http_async_clear(v);
}

const vm_source http_async_source = {http_async_pending, http_async_next, http_async_run, http_async_clear};

const vm_mod_ops http_async_mod_ops = {.size = sizeof(http_async), .free = http_async_vu_free};
