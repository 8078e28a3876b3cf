/* The jslib "k6-summary" helpers, built in so that scripts importing
 * https://jslib.k6.io/k6-summary/<version>/index.js run offline:
 * - textSummary(data, {enableColors}) returns the end-of-test summary text;
 * - jUnit(data, {name}) returns a JUnit XML report with one test case per
 *   threshold in data.metrics[m].thresholds ("<m> - <source>"), the failed
 *   ones carrying <failure message="failed" />, as the jslib's 0.0.x
 *   versions write it (layout and escaping included). It reads the object
 *   it is given, so a handleSummary() that edits data reports the edits;
 * - humanizeValue(value, metric, timeUnit) formats a value as the summary
 *   does, by metric.type ("rate": percent) and metric.contains ("time",
 *   "data", else a number); the formatters are the summary's own. */
#include <stdlib.h>
#include <string.h>
#include "exec/test.h"
#include "js/vm.h"
#include "output/summary.h"
#include "util/buf.h"

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

/* ---- jUnit ---- */

/* The jslib's escapeHTML: & < > ' " only. */
static void xml_escape(buf *b, const char *s) {
    for (; *s; s++) {
        switch (*s) {
        case '&': buf_puts(b, "&amp;"); break;
        case '<': buf_puts(b, "&lt;"); break;
        case '>': buf_puts(b, "&gt;"); break;
        case '\'': buf_puts(b, "&#39;"); break;
        case '"': buf_puts(b, "&quot;"); break;
        default: buf_append(b, s, 1);
        }
    }
}

typedef struct junit {
    buf cases;
    size_t n, failures;
} junit;

/* One test case per own enumerable key of `ths`, in property order as the
 * jslib's for-in walks it. Returns -1 on a JS exception (a threshold that is
 * not an object makes `threshold.ok` throw, as in the jslib). */
static int junit_thresholds(JSContext *ctx, junit *j, const char *metric, JSValueConst ths) {
    JSPropertyEnum *props;
    uint32_t np;
    if (JS_GetOwnPropertyNames(ctx, &props, &np, ths, JS_GPN_STRING_MASK | JS_GPN_ENUM_ONLY)) return -1;
    int rc = 0;
    for (uint32_t i = 0; i < np && rc == 0; i++) {
        JSValue t = JS_GetProperty(ctx, ths, props[i].atom);
        JSValue ok = JS_IsException(t) ? JS_EXCEPTION : JS_GetPropertyStr(ctx, t, "ok");
        const char *source = JS_AtomToCString(ctx, props[i].atom);
        if (JS_IsException(ok) || !source) {
            rc = -1;
        } else {
            bool passed = JS_ToBool(ctx, ok);
            if (j->n++) buf_puts(&j->cases, "\n");
            buf_puts(&j->cases, "<testcase name=\"");
            xml_escape(&j->cases, metric);
            buf_puts(&j->cases, " - ");
            xml_escape(&j->cases, source);
            buf_puts(&j->cases, passed ? "\" />" : "\"><failure message=\"failed\" /></testcase>");
            if (!passed) j->failures++;
        }
        if (source) JS_FreeCString(ctx, source);
        JS_FreeValue(ctx, ok);
        JS_FreeValue(ctx, t);
    }
    vm_free_props(ctx, props, np);
    return rc;
}

/* Test cases of every metric of data.metrics that has thresholds. */
static int junit_metrics(JSContext *ctx, junit *j, JSValueConst metrics) {
    JSPropertyEnum *props;
    uint32_t np;
    if (!JS_IsObject(metrics)) return 0; /* for-in over nothing */
    if (JS_GetOwnPropertyNames(ctx, &props, &np, metrics, JS_GPN_STRING_MASK | JS_GPN_ENUM_ONLY)) return -1;
    int rc = 0;
    for (uint32_t i = 0; i < np && rc == 0; i++) {
        JSValue m = JS_GetProperty(ctx, metrics, props[i].atom);
        JSValue ths = JS_IsException(m) ? JS_EXCEPTION : JS_GetPropertyStr(ctx, m, "thresholds");
        const char *name = JS_AtomToCString(ctx, props[i].atom);
        if (JS_IsException(ths) || !name) rc = -1;
        else if (JS_IsObject(ths)) rc = junit_thresholds(ctx, j, name, ths);
        if (name) JS_FreeCString(ctx, name);
        JS_FreeValue(ctx, ths);
        JS_FreeValue(ctx, m);
    }
    vm_free_props(ctx, props, np);
    return rc;
}

static JSValue jslib_junit(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    JSValue metrics = JS_GetPropertyStr(ctx, argc > 0 ? argv[0] : JS_UNDEFINED, "metrics");
    if (JS_IsException(metrics)) return metrics;
    junit j = {0};
    const char *name = NULL;
    int rc = junit_metrics(ctx, &j, metrics);
    JS_FreeValue(ctx, metrics);
    if (rc == 0 && argc > 1 && JS_ToBool(ctx, argv[1])) {
        JSValue nv = JS_GetPropertyStr(ctx, argv[1], "name");
        if (JS_IsException(nv)) rc = -1;
        else if (JS_ToBool(ctx, nv) && !(name = JS_ToCString(ctx, nv))) rc = -1;
        JS_FreeValue(ctx, nv);
    }
    buf out = {0};
    char counts[64];
    snprintf(counts, sizeof counts, " tests=\"%zu\" failures=\"%zu\">", j.n, j.failures);
    buf_puts(&out, "<?xml version=\"1.0\"?>\n<testsuites");
    buf_puts(&out, counts);
    buf_puts(&out, "\n<testsuite name=\"");
    if (name) xml_escape(&out, name);
    else buf_puts(&out, "k6 thresholds");
    buf_puts(&out, "\"");
    buf_puts(&out, counts);
    if (j.cases.p) buf_puts(&out, j.cases.p);
    buf_puts(&out, "\n</testsuite >\n</testsuites >");
    if (name) JS_FreeCString(ctx, name);
    JSValue s = rc      ? JS_EXCEPTION
                : out.p ? JS_NewStringLen(ctx, out.p, out.len)
                        : JS_ThrowInternalError(ctx, "jUnit(): out of memory");
    buf_free(&out);
    buf_free(&j.cases);
    return s;
}

/* ---- humanizeValue ---- */

/* metric[key] as a C string when it is a string, else NULL; -1 on a JS
 * exception (metric undefined, as `metric.type` throws in the jslib). */
static int str_prop(JSContext *ctx, JSValueConst obj, const char *key, const char **out) {
    JSValue v = JS_GetPropertyStr(ctx, obj, key);
    if (JS_IsException(v)) return -1;
    *out = JS_IsString(v) ? JS_ToCString(ctx, v) : NULL;
    JS_FreeValue(ctx, v);
    return 0;
}

static JSValue jslib_humanize_value(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    double v;
    const char *type = NULL, *contains = NULL, *unit = NULL;
    if (JS_ToFloat64(ctx, &v, argc > 0 ? argv[0] : JS_UNDEFINED)) return JS_EXCEPTION;
    JSValueConst metric = argc > 1 ? argv[1] : JS_UNDEFINED;
    if (str_prop(ctx, metric, "type", &type) || str_prop(ctx, metric, "contains", &contains)) {
        if (type) JS_FreeCString(ctx, type);
        return JS_EXCEPTION;
    }
    if (argc > 2 && JS_IsString(argv[2])) unit = JS_ToCString(ctx, argv[2]);
    value_kind kind = contains && !strcmp(contains, "time")   ? VALUE_TIME
                      : contains && !strcmp(contains, "data") ? VALUE_DATA
                                                              : VALUE_DEFAULT;
    char text[64];
    /* only "rate" changes how a value prints: any other type will do */
    summary_format_metric(text, sizeof text, v, type && !strcmp(type, "rate") ? METRIC_RATE : METRIC_TREND, kind, unit);
    if (type) JS_FreeCString(ctx, type);
    if (contains) JS_FreeCString(ctx, contains);
    if (unit) JS_FreeCString(ctx, unit);
    return JS_NewString(ctx, text);
}

static const JSCFunctionListEntry jslib_funcs[] = {
    JS_CFUNC_DEF("textSummary", 2, jslib_text_summary),
    JS_CFUNC_DEF("jUnit", 2, jslib_junit),
    JS_CFUNC_DEF("humanizeValue", 3, jslib_humanize_value),
};
#define JSLIB_NFUNCS ((int)(sizeof jslib_funcs / sizeof jslib_funcs[0]))

static int jslib_module_set(JSContext *ctx, JSModuleDef *m) {
    JSValue def = JS_NewObject(ctx);
    JS_SetModuleExport(ctx, m, "default", def);
    return vm_set_exports(ctx, m, def, jslib_funcs, JSLIB_NFUNCS);
}

JSModuleDef *jslib_summary_module_init(JSContext *ctx, const char *name) {
    JSModuleDef *m = JS_NewCModule(ctx, name, jslib_module_set);
    if (!m) return NULL;
    JS_AddModuleExportList(ctx, m, jslib_funcs, JSLIB_NFUNCS);
    JS_AddModuleExport(ctx, m, "default");
    return m;
}
