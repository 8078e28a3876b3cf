/* Response.json(selector) (js/modules/http_gjson.c): GJSON paths, with
 * wildcards, escapes, #, #(query) and #(query)#, evaluated over a JSON body
 * parsed by QuickJS as k6/http parses it. Needs only a bare QuickJS
 * context, no VU.
 * Input: "selector\0json body".
 * FUZZ_ARGS: -max_len=4096 -dict=@DIR@/gjson.dict */
#include "fuzz.h"
#include "js/modules/http.h"
#include <quickjs.h>

static JSRuntime *rt;
static JSContext *ctx;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!rt) {
        rt = JS_NewRuntime();
        if (!rt) abort();
        JS_SetMemoryLimit(rt, 256u << 20);
        JS_SetMaxStackSize(rt, 1u << 20);
        ctx = JS_NewContext(rt);
        if (!ctx) abort();
    }
    fz_in in = {data, size};
    char *path = fz_str(&in);
    char *json = fz_dup(in.p, in.n);
    JSValue root = JS_ParseJSON(ctx, json, in.n, "<body>");
    if (JS_IsException(root)) {
        JS_FreeValue(ctx, JS_GetException(ctx));
    } else {
        JSValue got = http_gjson_get(ctx, root, path);
        if (JS_IsException(got)) JS_FreeValue(ctx, JS_GetException(ctx));
        JS_FreeValue(ctx, got);
        JS_FreeValue(ctx, root);
    }
    free(path);
    free(json);
    return 0;
}
