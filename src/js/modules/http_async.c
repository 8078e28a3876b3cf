/* http.asyncRequest(method, url, body, params): a Promise of a Response.
 *
 * The request is parsed at once and queued on the VU; it starts when the
 * VU's event loop (vm_settle) has nothing else to run: every request queued
 * by then goes out together, in parallel, as one http.batch would (no
 * batch/batchPerHost limits: k6 does not apply them to async requests), and
 * their promises settle when all are done. So
 *
 *   const [a, b] = await Promise.all([http.asyncRequest('GET', u1),
 *                                     http.asyncRequest('GET', u2)]);
 *
 * sends both requests at the same time; requests made in the .then() of
 * others form the next round. A failure that options.throw turns into an
 * exception rejects the promise instead. */
#include <stdlib.h>
#include <string.h>
#include "js/bytes.h"
#include "js/modules/http.h"

#include "exec/test.h"

JSValue k6_throw_interrupted(JSContext *ctx);

typedef struct http_async {
    http_call *calls;
    JSValue *resolve, *reject;
    size_t n, cap;
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

bool http_async_pending(const vu *v) {
    const http_async *a = vm_mod_peek(v, VM_MOD_HTTP_ASYNC);
    return a && a->n;
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

int http_async_run(vu *v) {
    JSContext *ctx = v->ctx;
    http_async *a = vm_mod_peek(v, VM_MOD_HTTP_ASYNC);
    /* this round's requests; those their callbacks queue make the next one */
    http_call *calls = a->calls;
    JSValue *res = a->resolve, *rej = a->reject;
    size_t n = a->n;
    memset(a, 0, sizeof *a);
    if (!http_run(v, calls, n, 0, 0)) {
        http_async_drop(ctx, calls, res, rej, n);
        JS_Throw(ctx, k6_throw_interrupted(ctx));
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        JSValue arg, r;
        if (http_should_throw(v, &calls[i])) {
            http_throw_error(ctx, &calls[i]);
            arg = JS_GetException(ctx);
            r = JS_Call(ctx, rej[i], JS_UNDEFINED, 1, (JSValueConst *)&arg);
        } else {
            arg = http_call_response(v, &calls[i]);
            r = JS_IsException(arg) ? JS_EXCEPTION : JS_Call(ctx, res[i], JS_UNDEFINED, 1, (JSValueConst *)&arg);
        }
        if (JS_IsException(r)) rc = -1;
        JS_FreeValue(ctx, r);
        JS_FreeValue(ctx, arg);
    }
    http_async_drop(ctx, calls, res, rej, n);
    return rc;
}

void http_async_clear(vu *v) {
    http_async *a = vm_mod_peek(v, VM_MOD_HTTP_ASYNC);
    if (!a) return;
    http_async_drop(v->ctx, a->calls, a->resolve, a->reject, a->n);
    memset(a, 0, sizeof *a);
}

static void http_async_vu_free(vu *v, void *st) { http_async_clear(v); }

const vm_mod_ops http_async_mod_ops = {.size = sizeof(http_async), .free = http_async_vu_free};
