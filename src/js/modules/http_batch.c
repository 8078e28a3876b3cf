/* http.batch(requests): several requests of one VU at once, as k6's
 * Client.Batch. requests is an array (responses come back in an array, in
 * its order) or an object of named requests (responses under the same
 * names). Each request is
 *   [method, url, body, params]           at least method and url
 *   {method, url, body, params}           url required; method defaults to GET,
 *                                         a GET or HEAD body is dropped
 *   url                                   a string or http.url`...`: a GET
 * All are parsed before any is sent; a request that fails on the network
 * gets its Response with error and error_code, the others go on. Each
 * request records its own samples, redirects included.
 *
 * Parallelism: k6's options batch (20) and batchPerHost (6); 0 means no limit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "js/go_value.h"
#include "js/bytes.h"
#include "js/modules/http.h"
#include "util/log.h"

#include "exec/test.h"

JSValue k6_throw_interrupted(JSContext *ctx);

static bool http_has_own(JSContext *ctx, JSValueConst obj, const char *name) {
    JSAtom a = JS_NewAtom(ctx, name);
    int r = JS_GetOwnProperty(ctx, NULL, obj, a);
    JS_FreeAtom(ctx, a);
    return r > 0;
}

/* One of k6's batch request errors (js/modules/k6/http/request.go
 * parseBatchRequest), with Go's %#v of a value. */
static int http_batch_error(JSContext *ctx, const char *fmt, JSValueConst v) {
    buf b = {0};
    js_go_sharp_v(ctx, v, &b);
    int rc = http_parse_error(ctx, fmt, b.p ? b.p : "");
    buf_free(&b);
    return rc;
}

static int http_batch_item(JSContext *ctx, http_call *c, const char *key, JSValueConst item) {
    JSValue method = JS_UNDEFINED, url = JS_UNDEFINED, body = JS_UNDEFINED, params = JS_UNDEFINED;
    int rc = -1;
    if (JS_IsArray(ctx, item) > 0) {
        int64_t n = 0;
        JSValue l = JS_GetPropertyStr(ctx, item, "length");
        JS_ToInt64(ctx, &n, l);
        JS_FreeValue(ctx, l);
        if (n < 2) return http_batch_error(ctx, "invalid batch request '%s'", item);
        method = JS_GetPropertyUint32(ctx, item, 0);
        url = JS_GetPropertyUint32(ctx, item, 1);
        body = JS_GetPropertyUint32(ctx, item, 2);
        params = JS_GetPropertyUint32(ctx, item, 3);
    } else if (JS_IsObject(item) && !http_is_url(item)) {
        if (!http_has_own(ctx, item, "url"))
            return http_parse_error(ctx, "batch request %s doesn't have a url key", key);
        url = JS_GetPropertyStr(ctx, item, "url");
        body = JS_GetPropertyStr(ctx, item, "body");
        params = JS_GetPropertyStr(ctx, item, "params");
        method = http_has_own(ctx, item, "method") ? JS_GetPropertyStr(ctx, item, "method") : JS_NewString(ctx, "GET");
    } else {
        method = JS_NewString(ctx, "GET");
        url = JS_DupValue(ctx, item);
    }
    const char *m = JS_IsString(method) ? JS_ToCString(ctx, method) : NULL;
    if (!JS_IsString(method)) {
        http_batch_error(ctx, "invalid method type '%s'", method);
    } else if (m) {
        bool bodyless = !JS_IsArray(ctx, item) && (!strcasecmp(m, "GET") || !strcasecmp(m, "HEAD"));
        rc = http_call_init(ctx, c, m, url, bodyless ? JS_UNDEFINED : body, params);
    }
    JS_FreeCString(ctx, m);
    JS_FreeValue(ctx, method);
    JS_FreeValue(ctx, url);
    JS_FreeValue(ctx, body);
    JS_FreeValue(ctx, params);
    return rc;
}

/* A request that does not parse stops the batch before anything is sent:
 * k6 logs "A batch request failed" and returns the Responses made so far
 * (empty ones, then the failed one with its error; in an array, null for
 * the requests after it). */
static JSValue http_batch_failed(JSContext *ctx, vu *v, JSValueConst reqs, bool is_array, JSPropertyEnum *props,
                                 uint32_t n, uint32_t failed) {
    (void)reqs;
    const char *msg = http_log_exception(ctx, "A batch request failed");
    if (!msg) return JS_EXCEPTION;
    JSValue out = is_array ? JS_NewArray(ctx) : JS_NewObject(ctx);
    for (uint32_t i = 0; i < n && !JS_IsException(out); i++) {
        if (!is_array && i > failed) break;
        JSValue r = i < failed    ? http_error_response(v, "GET", "", 0)
                    : i == failed ? http_error_response(v, "GET", msg, 0)
                                  : JS_NULL;
        if (is_array) JS_SetPropertyUint32(ctx, out, i, r);
        else JS_SetProperty(ctx, out, props[i].atom, r);
    }
    JS_FreeCString(ctx, msg);
    return out;
}

JSValue http_batch(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    vu *v = vu_from_ctx(ctx);
    /* k6's texts (js/modules/k6/http/request.go Batch), thrown as GoErrors */
    if (!v->w || v->in_init) return js_throw_error(ctx, "GoError", "Using batch in the init context is not supported");
    if (argc == 0) return js_throw_error(ctx, "GoError", "no argument was provided to http.batch()");
    if (argc > 1) return js_throw_error(ctx, "GoError", "http.batch() accepts only an array or an object of requests");
    JSValueConst reqs = argv[0];
    bool is_array = JS_IsArray(ctx, reqs) > 0;
    if (!is_array && (!JS_IsObject(reqs) || JS_IsFunction(ctx, reqs)))
        return js_throw_error(ctx, "GoError", "invalid http.batch() argument type %s", http_go_type(ctx, reqs));

    JSPropertyEnum *props = NULL;
    uint32_t n = 0;
    if (is_array) {
        JSValue l = JS_GetPropertyStr(ctx, reqs, "length");
        JS_ToUint32(ctx, &n, l);
        JS_FreeValue(ctx, l);
    } else if (JS_GetOwnPropertyNames(ctx, &props, &n, reqs, JS_GPN_STRING_MASK | JS_GPN_ENUM_ONLY)) {
        return JS_EXCEPTION;
    }
    http_call *calls = n ? calloc(n, sizeof *calls) : NULL;
    JSValue out = JS_EXCEPTION;
    uint32_t ready = 0;
    if (n && !calls) {
        JS_ThrowOutOfMemory(ctx);
        goto done;
    }
    for (; ready < n; ready++) {
        char key[64];
        JSValue item;
        if (is_array) {
            snprintf(key, sizeof key, "%u", ready);
            item = JS_GetPropertyUint32(ctx, reqs, ready);
        } else {
            const char *k = JS_AtomToCString(ctx, props[ready].atom);
            snprintf(key, sizeof key, "%s", k ? k : "?");
            JS_FreeCString(ctx, k);
            item = JS_GetProperty(ctx, reqs, props[ready].atom);
        }
        int rc = JS_IsException(item) ? -1 : http_batch_item(ctx, &calls[ready], key, item);
        JS_FreeValue(ctx, item);
        if (rc) {
            if (http_parse_failed() && !(v->test && v->test->throw_errors))
                out = http_batch_failed(ctx, v, reqs, is_array, props, n, ready);
            goto done;
        }
    }
    if (!http_run(v, calls, n, v->test ? v->test->batch : 20, v->test ? v->test->batch_per_host : 6)) {
        out = k6_throw_interrupted(ctx);
        goto done;
    }
    for (uint32_t i = 0; i < n; i++)
        if (http_should_throw(v, &calls[i])) {
            out = http_throw_error(ctx, &calls[i]);
            goto done;
        }
    out = is_array ? JS_NewArray(ctx) : JS_NewObject(ctx);
    for (uint32_t i = 0; i < n; i++) {
        JSValue r = http_call_response(v, &calls[i]);
        if (is_array) JS_SetPropertyUint32(ctx, out, i, r);
        else JS_SetProperty(ctx, out, props[i].atom, r);
    }
done:
    for (uint32_t i = 0; i < ready; i++) http_call_free(ctx, &calls[i]);
    free(calls);
    if (props) vm_free_props(ctx, props, n);
    return out;
}
