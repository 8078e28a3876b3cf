/* console.log/info/warn/error/debug: k6 writes them as log lines on stderr
 * with source=console. Arguments are joined with spaces; objects print as
 * k6's console does (internal/js/console.go, valueString and traverseValue):
 * `{ a: 1, b: null }`, `[ 1, "x" ]`, strings inside quoted, undefined and
 * null members as null, functions as [object Function], a repeated parent as
 * [Circular], dates as their quoted ISO text, binary data as
 * `Uint8Array(2) [ 1, 2 ]` / `ArrayBuffer { [Uint8Contents]: <01 02>, byteLength: 2 }`. */
#include <stdio.h>
#include <string.h>
#include "js/vm.h"
#include "util/buf.h"
#include "util/log.h"

#define CONSOLE_MAX_DEPTH 64 /* deeper than this prints as [Circular] (k6 has no limit) */

typedef struct console_path {
    JSValueConst v[CONSOLE_MAX_DEPTH];
    int n;
} console_path;

static void console_value(JSContext *ctx, JSValueConst v, buf *out, console_path *path);

/* v's ToString, or "" when that throws. */
static void console_to_string(JSContext *ctx, JSValueConst v, buf *out) {
    if (JS_IsSymbol(v)) { /* ToString throws for symbols; String() gives "Symbol(desc)" */
        JSValue d = JS_GetPropertyStr(ctx, v, "description");
        buf_puts(out, "Symbol(");
        if (!JS_IsUndefined(d)) console_to_string(ctx, d, out);
        buf_puts(out, ")");
        JS_FreeValue(ctx, d);
        return;
    }
    const char *s = JS_ToCString(ctx, v);
    if (!s) {
        JS_FreeValue(ctx, JS_GetException(ctx));
        return;
    }
    buf_puts(out, s);
    JS_FreeCString(ctx, s);
}

/* Object.prototype.toString's tag ("Array", "Date", "Uint8Array", ...). */
static void console_tag(JSContext *ctx, JSValueConst v, char *tag, size_t n) {
    tag[0] = 0;
    JSValue global = JS_GetGlobalObject(ctx);
    JSValue object = JS_GetPropertyStr(ctx, global, "Object");
    JSValue proto = JS_GetPropertyStr(ctx, object, "prototype");
    JSValue fn = JS_GetPropertyStr(ctx, proto, "toString");
    JSValue r = JS_Call(ctx, fn, v, 0, NULL);
    const char *s = JS_IsException(r) ? NULL : JS_ToCString(ctx, r);
    if (s && strncmp(s, "[object ", 8) == 0) snprintf(tag, n, "%.*s", (int)strlen(s + 8) - 1, s + 8);
    if (!s) JS_FreeValue(ctx, JS_GetException(ctx));
    JS_FreeCString(ctx, s);
    JS_FreeValue(ctx, r);
    JS_FreeValue(ctx, fn);
    JS_FreeValue(ctx, proto);
    JS_FreeValue(ctx, object);
    JS_FreeValue(ctx, global);
}

static bool console_is_typed_array(const char *tag) {
    static const char *const names[] = {"Int8Array",    "Uint8Array",    "Uint8ClampedArray", "Int16Array",
                                        "Uint16Array",  "Int32Array",    "Uint32Array",       "Float32Array",
                                        "Float64Array", "BigInt64Array", "BigUint64Array"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strcmp(tag, names[i]) == 0) return true;
    return false;
}

static int64_t console_length(JSContext *ctx, JSValueConst v) {
    int64_t n = 0;
    JSValue len = JS_GetPropertyStr(ctx, v, "length");
    if (JS_ToInt64(ctx, &n, len)) {
        JS_FreeValue(ctx, JS_GetException(ctx));
        n = 0;
    }
    JS_FreeValue(ctx, len);
    return n;
}

static void console_array_buffer(JSContext *ctx, JSValueConst v, buf *out) {
    size_t len = 0;
    uint8_t *p = JS_GetArrayBuffer(ctx, &len, v);
    if (!p) {
        JS_FreeValue(ctx, JS_GetException(ctx));
        len = 0;
    }
    char hex[8];
    buf_puts(out, "ArrayBuffer { [Uint8Contents]: <");
    for (size_t i = 0; p && i < len; i++) {
        snprintf(hex, sizeof hex, i ? " %02x" : "%02x", p[i]);
        buf_puts(out, hex);
    }
    snprintf(hex, sizeof hex, "%zu", len);
    buf_puts(out, ">, byteLength: ");
    buf_puts(out, hex);
    buf_puts(out, " }");
}

/* k6 cannot tell Uint8ClampedArray from Uint8Array and prints elements with
 * String(), so a BigInt64Array's 1n is "1". */
static void console_typed_array(JSContext *ctx, JSValueConst v, const char *tag, buf *out) {
    int64_t n = console_length(ctx, v);
    char num[32];
    buf_puts(out, strcmp(tag, "Uint8ClampedArray") == 0 ? "Uint8Array" : tag);
    snprintf(num, sizeof num, "(%lld)", (long long)n);
    buf_puts(out, num);
    if (n == 0) {
        buf_puts(out, " []");
        return;
    }
    buf_puts(out, " [ ");
    for (int64_t i = 0; i < n; i++) {
        if (i) buf_puts(out, ", ");
        JSValue e = JS_GetPropertyUint32(ctx, v, (uint32_t)i);
        console_to_string(ctx, e, out);
        JS_FreeValue(ctx, e);
    }
    buf_puts(out, " ]");
}

/* A date with no own keys: its toISOString() quoted, or {} when that throws. */
static void console_date(JSContext *ctx, JSValueConst v, buf *out) {
    JSValue fn = JS_GetPropertyStr(ctx, v, "toISOString");
    JSValue r = JS_IsFunction(ctx, fn) ? JS_Call(ctx, fn, v, 0, NULL) : JS_EXCEPTION;
    const char *s = JS_IsException(r) ? NULL : JS_ToCString(ctx, r);
    if (!s) {
        JS_FreeValue(ctx, JS_GetException(ctx));
        buf_puts(out, "{}");
    } else {
        buf_puts(out, "\"");
        buf_puts(out, s);
        buf_puts(out, "\"");
    }
    JS_FreeCString(ctx, s);
    JS_FreeValue(ctx, r);
    JS_FreeValue(ctx, fn);
}

static void console_object(JSContext *ctx, JSValueConst v, buf *out, console_path *path) {
    char tag[32];
    console_tag(ctx, v, tag, sizeof tag);
    if (strcmp(tag, "ArrayBuffer") == 0) {
        console_array_buffer(ctx, v, out);
        return;
    }
    if (console_is_typed_array(tag)) {
        console_typed_array(ctx, v, tag, out);
        return;
    }
    if (JS_IsArray(ctx, v) > 0) { /* element by element up to length: holes are null */
        int64_t n = console_length(ctx, v);
        if (n == 0) {
            buf_puts(out, "[]");
            return;
        }
        buf_puts(out, "[ ");
        for (int64_t i = 0; i < n; i++) {
            if (i) buf_puts(out, ", ");
            JSValue e = JS_GetPropertyUint32(ctx, v, (uint32_t)i);
            console_value(ctx, e, out, path);
            JS_FreeValue(ctx, e);
        }
        buf_puts(out, " ]");
        return;
    }
    JSPropertyEnum *props;
    uint32_t n;
    if (JS_GetOwnPropertyNames(ctx, &props, &n, v, JS_GPN_STRING_MASK | JS_GPN_ENUM_ONLY)) {
        JS_FreeValue(ctx, JS_GetException(ctx));
        buf_puts(out, "{}");
        return;
    }
    if (n == 0) {
        if (strcmp(tag, "Date") == 0) console_date(ctx, v, out);
        else buf_puts(out, "{}");
        vm_free_props(ctx, props, n);
        return;
    }
    buf_puts(out, "{ ");
    for (uint32_t i = 0; i < n; i++) {
        if (i) buf_puts(out, ", ");
        const char *k = JS_AtomToCString(ctx, props[i].atom);
        buf_puts(out, k ? k : "");
        buf_puts(out, ": ");
        JS_FreeCString(ctx, k);
        JSValue e = JS_GetProperty(ctx, v, props[i].atom);
        if (JS_IsException(e)) e = JS_GetException(ctx); /* a throwing getter: print what it threw */
        console_value(ctx, e, out, path);
        JS_FreeValue(ctx, e);
    }
    buf_puts(out, " }");
    vm_free_props(ctx, props, n);
}

/* A value inside an object or array (k6's traverseValue). */
static void console_value(JSContext *ctx, JSValueConst v, buf *out, console_path *path) {
    if (JS_IsNull(v) || JS_IsUndefined(v)) {
        buf_puts(out, "null");
        return;
    }
    if (JS_IsFunction(ctx, v)) {
        buf_puts(out, "[object Function]");
        return;
    }
    if (JS_IsString(v)) {
        buf_puts(out, "\"");
        console_to_string(ctx, v, out);
        buf_puts(out, "\"");
        return;
    }
    if (!JS_IsObject(v)) {
        console_to_string(ctx, v, out);
        return;
    }
    for (int i = 0; i < path->n; i++)
        if (JS_VALUE_GET_PTR(path->v[i]) == JS_VALUE_GET_PTR(v)) {
            buf_puts(out, "[Circular]");
            return;
        }
    if (path->n == CONSOLE_MAX_DEPTH) {
        buf_puts(out, "[Circular]");
        return;
    }
    if (JS_IsError(ctx, v)) {
        console_to_string(ctx, v, out);
        return;
    }
    path->v[path->n++] = v;
    console_object(ctx, v, out, path);
    path->n--;
}

/* A console.log argument (k6's valueString): strings and other primitives
 * as their text, functions and errors as at any depth, objects traversed. */
static void console_arg(JSContext *ctx, JSValueConst v, buf *out) {
    if (JS_IsFunction(ctx, v)) {
        buf_puts(out, "[object Function]");
        return;
    }
    if (!JS_IsObject(v) || JS_IsError(ctx, v)) {
        console_to_string(ctx, v, out);
        return;
    }
    console_path path = {.n = 0};
    console_value(ctx, v, out, &path);
}

static JSValue console_log(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv, int magic) {
    buf out = {0};
    for (int i = 0; i < argc; i++) {
        if (i) buf_puts(&out, " ");
        console_arg(ctx, argv[i], &out);
    }
    log_console((log_level)magic, out.p ? out.p : "", out.len);
    buf_free(&out);
    return JS_UNDEFINED;
}

static const JSCFunctionListEntry console_funcs[] = {
    JS_CFUNC_MAGIC_DEF("log", 1, console_log, LOG_INFO),    JS_CFUNC_MAGIC_DEF("info", 1, console_log, LOG_INFO),
    JS_CFUNC_MAGIC_DEF("warn", 1, console_log, LOG_WARN),   JS_CFUNC_MAGIC_DEF("error", 1, console_log, LOG_ERROR),
    JS_CFUNC_MAGIC_DEF("debug", 1, console_log, LOG_DEBUG),
};

void console_install(JSContext *ctx) {
    vm_global_object(ctx, "console", console_funcs, (int)(sizeof console_funcs / sizeof *console_funcs));
}
