/* The "k6/encoding" module: b64encode(input, encoding) and
 * b64decode(input, encoding, format), in Go's base64 variants ("std",
 * "rawstd", "url", "rawurl"; anything else means "std", as in k6). */
#include <stdio.h>
#include <string.h>
#include "js/bytes.h"
#include "js/vm.h"
#include "util/base64.h"

/* Results up to this size are built on the stack (no allocation). */
#define ENC_STACK 512

/* The variant named by argument i; "std" when absent or unknown. */
static int enc_variant(JSContext *ctx, int argc, JSValueConst *argv, int i, int *variant) {
    *variant = B64_STD;
    if (i >= argc || JS_IsUndefined(argv[i]) || JS_IsNull(argv[i])) return 0;
    const char *s = JS_ToCString(ctx, argv[i]);
    if (!s) return -1;
    int v = b64_variant_from_name(s);
    JS_FreeCString(ctx, s);
    if (v >= 0) *variant = v;
    return 0;
}

static JSValue enc_b64encode(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    js_bytes in;
    int variant;
    if (js_bytes_get(ctx, argc > 0 ? argv[0] : JS_UNDEFINED, &in, "b64encode") < 0) return JS_EXCEPTION;
    if (enc_variant(ctx, argc, argv, 1, &variant) < 0) {
        js_bytes_free(ctx, &in);
        return JS_EXCEPTION;
    }
    char stack[ENC_STACK];
    size_t need = b64_encoded_len(in.len, variant) + 1;
    char *out = need <= sizeof stack ? stack : js_malloc(ctx, need);
    JSValue r = JS_EXCEPTION;
    if (out) {
        size_t n = b64_encode(in.p, in.len, variant, out);
        r = JS_NewStringLen(ctx, out, n);
        if (out != stack) js_free(ctx, out);
    }
    js_bytes_free(ctx, &in);
    return r;
}

static JSValue enc_b64decode(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    int variant;
    size_t len = 0;
    const char *in = "";
    bool own = argc > 0 && !JS_IsUndefined(argv[0]) && !JS_IsNull(argv[0]);
    if (own && !(in = JS_ToCStringLen(ctx, &len, argv[0]))) return JS_EXCEPTION;
    bool as_string = false;
    JSValue r = JS_EXCEPTION;
    if (enc_variant(ctx, argc, argv, 1, &variant) < 0) goto out;
    if (argc > 2 && JS_IsString(argv[2])) {
        const char *f = JS_ToCString(ctx, argv[2]);
        if (!f) goto out;
        as_string = strcmp(f, "s") == 0;
        JS_FreeCString(ctx, f);
    }
    uint8_t stack[ENC_STACK];
    size_t need = b64_decoded_max(len);
    uint8_t *buf = need <= sizeof stack ? stack : js_malloc(ctx, need);
    if (!buf) goto out;
    size_t bad = 0;
    ssize_t n = b64_decode(in, len, variant, buf, &bad);
    if (n < 0) r = js_throw_error(ctx, NULL, "illegal base64 data at input byte %zu", bad);
    else if (as_string) /* bytes that are not UTF-8 become U+FFFD, as Go's string conversion */
        r = JS_NewStringLen(ctx, (const char *)buf, (size_t)n);
    else r = JS_NewArrayBufferCopy(ctx, buf, (size_t)n);
    if (buf != stack) js_free(ctx, buf);
out:
    if (own) JS_FreeCString(ctx, in);
    return r;
}

static const JSCFunctionListEntry enc_funcs[] = {
    JS_CFUNC_DEF("b64encode", 2, enc_b64encode),
    JS_CFUNC_DEF("b64decode", 3, enc_b64decode),
};

/* Named exports and a default object holding the same functions. */
static int enc_module_set(JSContext *ctx, JSModuleDef *m) {
    JSValue def = JS_NewObject(ctx);
    JS_SetPropertyFunctionList(ctx, def, enc_funcs, sizeof enc_funcs / sizeof *enc_funcs);
    for (size_t i = 0; i < sizeof enc_funcs / sizeof *enc_funcs; i++)
        JS_SetModuleExport(ctx, m, enc_funcs[i].name, JS_GetPropertyStr(ctx, def, enc_funcs[i].name));
    return JS_SetModuleExport(ctx, m, "default", def);
}

JSModuleDef *encoding_module_init(JSContext *ctx, const char *name) {
    JSModuleDef *m = JS_NewCModule(ctx, name, enc_module_set);
    if (!m) return NULL;
    for (size_t i = 0; i < sizeof enc_funcs / sizeof *enc_funcs; i++) JS_AddModuleExport(ctx, m, enc_funcs[i].name);
    JS_AddModuleExport(ctx, m, "default");
    return m;
}
