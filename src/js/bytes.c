#include "js/bytes.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>

/* QuickJS numbers its typed-array classes in JSTypedArrayEnum's order and
 * does not export them: learn the first one (and ArrayBuffer's) once from
 * objects made for the purpose. Every thread finds the same values. */
static _Atomic JSClassID js_ta_first, js_ab_class;

static void js_learn_classes(JSContext *ctx) {
    if (atomic_load_explicit(&js_ta_first, memory_order_acquire)) return;
    JSValue zero = JS_NewInt32(ctx, 0);
    JSValue ta = JS_NewTypedArray(ctx, 1, &zero, JS_TYPED_ARRAY_UINT8C);
    JSValue ab = JS_NewArrayBufferCopy(ctx, NULL, 0);
    JSClassID tac = JS_GetClassID(ta), abc = JS_GetClassID(ab);
    JS_FreeValue(ctx, ta);
    JS_FreeValue(ctx, ab);
    if (tac == JS_INVALID_CLASS_ID || abc == JS_INVALID_CLASS_ID) { /* out of memory */
        JS_FreeValue(ctx, JS_GetException(ctx));
        return;
    }
    atomic_store_explicit(&js_ab_class, abc, memory_order_relaxed);
    atomic_store_explicit(&js_ta_first, tac, memory_order_release);
}

bool js_is_array_buffer(JSContext *ctx, JSValueConst v) {
    JSClassID c = JS_GetClassID(v);
    if (c == JS_INVALID_CLASS_ID) return false;
    js_learn_classes(ctx);
    return c == atomic_load_explicit(&js_ab_class, memory_order_relaxed);
}

int js_typed_array_type(JSContext *ctx, JSValueConst v) {
    JSClassID c = JS_GetClassID(v);
    if (c == JS_INVALID_CLASS_ID) return -1;
    js_learn_classes(ctx);
    JSClassID first = atomic_load_explicit(&js_ta_first, memory_order_acquire);
    if (!first || c < first || c > first + JS_TYPED_ARRAY_FLOAT64) return -1;
    return (int)(c - first);
}

uint8_t *js_typed_array_bytes(JSContext *ctx, JSValueConst v, size_t *len) {
    size_t off = 0, n = 0, total; /* (set by QuickJS unless it threw; gcc cannot see that across files) */
    JSValue ab = JS_GetTypedArrayBuffer(ctx, v, &off, &n, NULL);
    if (JS_IsException(ab)) return NULL;
    uint8_t *p = JS_GetArrayBuffer(ctx, &total, ab);
    JS_FreeValue(ctx, ab); /* the typed array keeps the buffer alive */
    if (!p) return NULL;
    *len = n;
    return p + off;
}

/* A DataView by what it shows (QuickJS exports no way to it): its buffer is
 * an ArrayBuffer, byteOffset and byteLength within it. */
static uint8_t *js_view_bytes(JSContext *ctx, JSValueConst v, size_t *len) {
    JSValue b = JS_GetPropertyStr(ctx, v, "buffer");
    uint8_t *p = NULL;
    size_t total;
    int64_t off = -1, n = -1;
    if (js_is_array_buffer(ctx, b) && (p = JS_GetArrayBuffer(ctx, &total, b))) {
        JSValue o = JS_GetPropertyStr(ctx, v, "byteOffset"), l = JS_GetPropertyStr(ctx, v, "byteLength");
        if (!JS_IsNumber(o) || !JS_IsNumber(l) || JS_ToInt64(ctx, &off, o) || JS_ToInt64(ctx, &n, l) || off < 0 ||
            n < 0 || (uint64_t)off + (uint64_t)n > total)
            p = NULL;
        JS_FreeValue(ctx, o);
        JS_FreeValue(ctx, l);
    }
    JS_FreeValue(ctx, b);
    if (!p) return NULL;
    *len = (size_t)n;
    return p + off;
}

uint8_t *js_binary_bytes(JSContext *ctx, JSValueConst v, size_t *len) {
    if (!JS_IsObject(v)) return NULL;
    uint8_t *p = js_is_array_buffer(ctx, v)         ? JS_GetArrayBuffer(ctx, len, v)
                 : js_typed_array_type(ctx, v) >= 0 ? js_typed_array_bytes(ctx, v, len)
                                                    : js_view_bytes(ctx, v, len);
    if (!p) JS_FreeValue(ctx, JS_GetException(ctx)); /* detached, or a getter threw */
    return p;
}

static const char *js_kind(JSContext *ctx, JSValueConst v) {
    if (JS_IsUndefined(v)) return "undefined";
    if (JS_IsNull(v)) return "null";
    if (JS_IsNumber(v)) return "number";
    if (JS_IsBool(v)) return "boolean";
    if (JS_IsFunction(ctx, v)) return "function";
    if (JS_IsArray(ctx, v) > 0) return "array";
    return "object";
}

int js_bytes_get(JSContext *ctx, JSValueConst v, js_bytes *b, const char *what) {
    *b = (js_bytes){0};
    if (JS_IsString(v)) {
        b->str = JS_ToCStringLen(ctx, &b->len, v);
        if (!b->str) return -1;
        b->p = (const uint8_t *)b->str;
        return 0;
    }
    if (js_is_array_buffer(ctx, v)) {
        uint8_t *p = JS_GetArrayBuffer(ctx, &b->len, v);
        if (!p) return -1; /* detached: QuickJS threw */
        b->p = p;
        return 0;
    }
    if (js_typed_array_type(ctx, v) >= 0) {
        uint8_t *p = js_typed_array_bytes(ctx, v, &b->len);
        if (!p) return -1; /* detached: QuickJS threw */
        b->p = p;
        return 0;
    }
    JS_ThrowTypeError(ctx, "%s: invalid type %s, expected string, ArrayBuffer or typed array", what, js_kind(ctx, v));
    return -1;
}

void js_bytes_free(JSContext *ctx, js_bytes *b) {
    if (b->str) JS_FreeCString(ctx, b->str);
    *b = (js_bytes){0};
}

JSValue js_throw_error(JSContext *ctx, const char *name, const char *fmt, ...) {
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    JSValue err = JS_NewError(ctx);
    if (JS_IsException(err)) return err;
    if (name)
        JS_DefinePropertyValueStr(ctx, err, "name", JS_NewString(ctx, name), JS_PROP_WRITABLE | JS_PROP_CONFIGURABLE);
    JS_DefinePropertyValueStr(ctx, err, "message", JS_NewString(ctx, msg), JS_PROP_WRITABLE | JS_PROP_CONFIGURABLE);
    return JS_Throw(ctx, err);
}
