/* The jslib "k6-summary" helpers, built in so that scripts importing
 * https://jslib.k6.io/k6-summary/<version>/index.js run offline:
 * textSummary(data, {enableColors}) returns the end-of-test summary text. */
#include <stdlib.h>
#include "exec/test.h"
#include "js/vm.h"

static JSValue jslib_text_summary(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    vu *v = vu_from_ctx(ctx);
    c6_test *t = v->test;
    if (!t || !t->text_summary || !t->text_summary_ctx)
        return JS_ThrowTypeError(ctx, "textSummary() is available in handleSummary() only");
    bool color = false;
    if (argc > 1 && JS_IsObject(argv[1])) {
        JSValue c = JS_GetPropertyStr(ctx, argv[1], "enableColors");
        color = JS_ToBool(ctx, c);
        JS_FreeValue(ctx, c);
    }
    char *text = t->text_summary(t->text_summary_ctx, color);
    if (!text) return JS_ThrowInternalError(ctx, "textSummary(): out of memory");
    JSValue s = JS_NewString(ctx, text);
    free(text);
    return s;
}

static const JSCFunctionListEntry jslib_funcs[] = {
    JS_CFUNC_DEF("textSummary", 2, jslib_text_summary),
};

static int jslib_module_set(JSContext *ctx, JSModuleDef *m) {
    JSValue def = JS_NewObject(ctx);
    JS_SetPropertyFunctionList(ctx, def, jslib_funcs, 1);
    JS_SetModuleExport(ctx, m, "default", def);
    return JS_SetModuleExportList(ctx, m, jslib_funcs, 1);
}

JSModuleDef *jslib_summary_module_init(JSContext *ctx, const char *name) {
    JSModuleDef *m = JS_NewCModule(ctx, name, jslib_module_set);
    if (!m) return NULL;
    JS_AddModuleExportList(ctx, m, jslib_funcs, 1);
    JS_AddModuleExport(ctx, m, "default");
    return m;
}
