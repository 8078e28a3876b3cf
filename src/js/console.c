/* console.log/info/warn/error/debug: k6 writes them as log lines on stderr
 * with source=console; objects print as { a: 1 } and arrays as [ 1, 2 ]. */
#include <stdio.h>
#include <string.h>
#include "js/vm.h"
#include "util/buf.h"
#include "util/log.h"

static void console_format(JSContext *ctx, JSValueConst v, buf *out, int depth, int top);

static void console_format_string(JSContext *ctx, JSValueConst v, buf *out, int top) {
    const char *s = JS_ToCString(ctx, v);
    if (!top) buf_puts(out, "\"");
    buf_puts(out, s ? s : "");
    if (!top) buf_puts(out, "\"");
    JS_FreeCString(ctx, s);
}

static void console_format_object(JSContext *ctx, JSValueConst v, buf *out, int depth) {
    int is_array = JS_IsArray(ctx, v) > 0;
    JSPropertyEnum *props;
    uint32_t n;
    if (depth > 3) { buf_puts(out, is_array ? "[Array]" : "[Object]"); return; }
    if (JS_GetOwnPropertyNames(ctx, &props, &n, v, JS_GPN_STRING_MASK | JS_GPN_ENUM_ONLY)) {
        JS_FreeValue(ctx, JS_GetException(ctx));
        buf_puts(out, "[object]");
        return;
    }
    if (n == 0) { buf_puts(out, is_array ? "[]" : "{}"); vm_free_props(ctx, props, n); return; }
    buf_puts(out, is_array ? "[ " : "{ ");
    for (uint32_t i = 0; i < n; i++) {
        if (i) buf_puts(out, ", ");
        if (!is_array) {
            const char *k = JS_AtomToCString(ctx, props[i].atom);
            buf_puts(out, k ? k : "");
            buf_puts(out, ": ");
            JS_FreeCString(ctx, k);
        }
        JSValue e = JS_GetProperty(ctx, v, props[i].atom);
        console_format(ctx, e, out, depth + 1, 0);
        JS_FreeValue(ctx, e);
    }
    buf_puts(out, is_array ? " ]" : " }");
    vm_free_props(ctx, props, n);
}

static void console_format(JSContext *ctx, JSValueConst v, buf *out, int depth, int top) {
    if (JS_IsString(v)) { console_format_string(ctx, v, out, top); return; }
    if (JS_IsObject(v) && !JS_IsFunction(ctx, v) && !JS_IsError(ctx, v)) {
        console_format_object(ctx, v, out, depth);
        return;
    }
    const char *s = JS_ToCString(ctx, v);
    if (!s) { JS_FreeValue(ctx, JS_GetException(ctx)); s = NULL; }
    buf_puts(out, s ? s : "[unprintable]");
    JS_FreeCString(ctx, s);
}

static JSValue console_log(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv, int magic) {
    buf out = {0};
    for (int i = 0; i < argc; i++) {
        if (i) buf_puts(&out, " ");
        console_format(ctx, argv[i], &out, 0, 1);
    }
    log_console((log_level)magic, out.p ? out.p : "", out.len);
    buf_free(&out);
    return JS_UNDEFINED;
}

static const JSCFunctionListEntry console_funcs[] = {
    JS_CFUNC_MAGIC_DEF("log", 1, console_log, LOG_INFO),
    JS_CFUNC_MAGIC_DEF("info", 1, console_log, LOG_INFO),
    JS_CFUNC_MAGIC_DEF("warn", 1, console_log, LOG_WARN),
    JS_CFUNC_MAGIC_DEF("error", 1, console_log, LOG_ERROR),
    JS_CFUNC_MAGIC_DEF("debug", 1, console_log, LOG_DEBUG),
};

void console_install(JSContext *ctx) {
    JSValue global = JS_GetGlobalObject(ctx);
    JSValue c = JS_NewObject(ctx);
    JS_SetPropertyFunctionList(ctx, c, console_funcs, sizeof console_funcs / sizeof *console_funcs);
    JS_SetPropertyStr(ctx, global, "console", c);
    JS_FreeValue(ctx, global);
}
