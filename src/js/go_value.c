/* Go's %#v of sobek's export of a JS value (see go_value.h). */
#include "js/go_value.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GOV_MAX_DEPTH 4
#define GOV_MAX_ITEMS 64

/* strconv.Quote for what scripts pass: the escapes Go writes for ASCII */
static void gov_quote(buf *out, const char *s, size_t n) {
    buf_append(out, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        char e[8];
        switch (ch) {
        case '"': buf_append(out, "\\\"", 2); break;
        case '\\': buf_append(out, "\\\\", 2); break;
        case '\n': buf_append(out, "\\n", 2); break;
        case '\r': buf_append(out, "\\r", 2); break;
        case '\t': buf_append(out, "\\t", 2); break;
        default:
            if (ch < 0x20 || ch == 0x7f) {
                snprintf(e, sizeof e, "\\x%02x", ch);
                buf_puts(out, e);
            } else {
                buf_append(out, s + i, 1);
            }
        }
    }
    buf_append(out, "\"", 1);
}

/* float64 as Go's %v: the shortest text that reads back the same */
static void gov_float(buf *out, double d) {
    char t[40];
    if (isnan(d)) snprintf(t, sizeof t, "NaN");
    else if (isinf(d)) snprintf(t, sizeof t, d > 0 ? "+Inf" : "-Inf");
    else
        for (int p = 1; p <= 17; p++) {
            snprintf(t, sizeof t, "%.*g", p, d);
            if (strtod(t, NULL) == d) break;
        }
    buf_puts(out, t);
}

static int gov_cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void gov_value(JSContext *ctx, JSValueConst v, buf *out, int depth, bool top);

static void gov_map(JSContext *ctx, JSValueConst v, buf *out, int depth) {
    JSPropertyEnum *props = NULL;
    uint32_t np = 0;
    buf_puts(out, "map[string]interface {}{");
    if (JS_GetOwnPropertyNames(ctx, &props, &np, v, JS_GPN_STRING_MASK | JS_GPN_ENUM_ONLY) == 0) {
        const char *keys[GOV_MAX_ITEMS];
        uint32_t nk = 0;
        for (uint32_t i = 0; i < np && nk < GOV_MAX_ITEMS; i++) {
            const char *k = JS_AtomToCString(ctx, props[i].atom);
            if (k) keys[nk++] = k;
        }
        qsort(keys, nk, sizeof *keys, gov_cmp);
        for (uint32_t i = 0; i < nk; i++) {
            if (i) buf_puts(out, ", ");
            gov_quote(out, keys[i], strlen(keys[i]));
            buf_append(out, ":", 1);
            JSValue e = JS_GetPropertyStr(ctx, v, keys[i]);
            gov_value(ctx, e, out, depth + 1, false);
            JS_FreeValue(ctx, e);
            JS_FreeCString(ctx, keys[i]);
        }
        for (uint32_t i = 0; i < np; i++) JS_FreeAtom(ctx, props[i].atom);
        js_free(ctx, props);
    }
    buf_puts(out, "}");
}

static void gov_value(JSContext *ctx, JSValueConst v, buf *out, int depth, bool top) {
    if (JS_IsString(v)) {
        size_t n = 0;
        const char *s = JS_ToCStringLen(ctx, &n, v);
        gov_quote(out, s ? s : "", s ? n : 0);
        JS_FreeCString(ctx, s);
    } else if (JS_IsBool(v)) {
        buf_puts(out, JS_ToBool(ctx, v) ? "true" : "false");
    } else if (JS_IsNumber(v)) {
        double d = 0;
        JS_ToFloat64(ctx, &d, v);
        if (d == floor(d) && fabs(d) < 9.2e18) { /* sobek exports integral numbers as int64 */
            char t[32];
            snprintf(t, sizeof t, "%lld", (long long)d);
            buf_puts(out, t);
        } else {
            gov_float(out, d);
        }
    } else if (JS_IsNull(v) || JS_IsUndefined(v)) {
        buf_puts(out, top ? "<nil>" : "interface {}(nil)");
    } else if (depth >= GOV_MAX_DEPTH) {
        buf_puts(out, "{...}");
    } else if (JS_IsArray(ctx, v) > 0) {
        int64_t n = 0;
        JSValue l = JS_GetPropertyStr(ctx, v, "length");
        JS_ToInt64(ctx, &n, l);
        JS_FreeValue(ctx, l);
        buf_puts(out, "[]interface {}{");
        for (int64_t i = 0; i < n && i < GOV_MAX_ITEMS; i++) {
            if (i) buf_puts(out, ", ");
            JSValue e = JS_GetPropertyUint32(ctx, v, (uint32_t)i);
            gov_value(ctx, e, out, depth + 1, false);
            JS_FreeValue(ctx, e);
        }
        buf_puts(out, "}");
    } else if (JS_IsObject(v)) {
        gov_map(ctx, v, out, depth);
    } else {
        buf_puts(out, top ? "<nil>" : "interface {}(nil)");
    }
}

void js_go_sharp_v(JSContext *ctx, JSValueConst v, buf *out) { gov_value(ctx, v, out, 0, true); }
