/* Response.json(selector): the subset of GJSON's path syntax k6 scripts use,
 * evaluated over the parsed body (QuickJS values).
 *
 *   a.b.c          object keys (a '\' escapes '.', '*', '?' in a key)
 *   items.0        array index
 *   items.#        array length
 *   items.#.name   the name of every element (elements without one skipped)
 *   na*e, n?me     wildcard key: the first matching key, in document order
 *   items.#(age>40).name     the first element matching the query
 *   items.#(age>40)#.name    every matching element
 *
 * Queries compare a path inside the element with == != < <= > >= (numbers,
 * "strings", true, false, null) or % (GJSON's "like" with * and ?); a bare
 * path is true when it exists. A path that leads nowhere gives undefined. */
#include <stdbool.h>
#include "util/err.h"
#include <stdlib.h>
#include <string.h>
#include "js/modules/http.h"
#include "js/vm.h"

typedef struct {
    char *s;
    size_t n;
} gj_seg;

/* Splits at unescaped dots, but not inside #(...). Escapes stay in the
 * segments (gj_match and gj_unescape read them). */
static int gj_split(const char *path, gj_seg **out) {
    size_t cap = 8, n = 0, depth = 0;
    gj_seg *v = xmalloc(cap * sizeof *v); /* x*: selectors are short; out of memory ends c6 */
    const char *start = path;
    for (const char *p = path;; p++) {
        if (*p == '\\' && p[1]) {
            p++;
            continue;
        }
        if (*p == '(') depth++;
        else if (*p == ')' && depth) depth--;
        if (*p == 0 || (*p == '.' && depth == 0)) {
            if (n == cap) v = xrealloc(v, (cap *= 2) * sizeof *v);
            v[n].n = (size_t)(p - start);
            v[n].s = xstrndup(start, v[n].n);
            n++;
            if (*p == 0) break;
            start = p + 1;
        }
    }
    *out = v;
    return (int)n;
}

static void gj_unescape(char *s) {
    char *w = s;
    for (const char *r = s; *r; r++) {
        if (*r == '\\' && r[1]) r++;
        *w++ = *r;
    }
    *w = 0;
}

static bool gj_has_wild(const char *s) {
    for (; *s; s++) {
        if (*s == '\\' && s[1]) {
            s++;
            continue;
        }
        if (*s == '*' || *s == '?') return true;
    }
    return false;
}

/* GJSON's match: '*' any run, '?' one character, '\' escapes. */
static bool gj_match(const char *pat, const char *s) {
    while (*pat) {
        if (*pat == '*') {
            while (*pat == '*') pat++;
            if (!*pat) return true;
            for (; *s; s++)
                if (gj_match(pat, s)) return true;
            return false;
        }
        if (!*s) return false;
        if (*pat == '?') {
            pat++;
            s++;
            continue;
        }
        if (*pat == '\\' && pat[1]) pat++;
        if (*pat != *s) return false;
        pat++, s++;
    }
    return *s == 0;
}

static JSValue gj_eval(JSContext *ctx, JSValueConst v, gj_seg *segs, int i, int n);

static uint32_t gj_len(JSContext *ctx, JSValueConst v) {
    int64_t len = 0;
    JSValue l = JS_GetPropertyStr(ctx, v, "length");
    JS_ToInt64(ctx, &len, l);
    JS_FreeValue(ctx, l);
    return len < 0 ? 0 : (uint32_t)len;
}

/* "age>40" -> does element e satisfy it? */
static bool gj_query_true(JSContext *ctx, JSValueConst e, const char *q) {
    static const char *const ops[] = {"==", "!=", "<=", ">=", "<", ">", "%", "="};
    const char *at = NULL, *op = NULL;
    for (const char *p = q; *p && !at; p++) {
        if (*p == '\\' && p[1]) {
            p++;
            continue;
        }
        for (size_t k = 0; k < sizeof ops / sizeof *ops; k++)
            if (strncmp(p, ops[k], strlen(ops[k])) == 0) {
                at = p;
                op = ops[k];
                break;
            }
    }
    char *lhs = xstrndup(q, at ? (size_t)(at - q) : strlen(q));
    size_t ln = strlen(lhs);
    while (ln && lhs[ln - 1] == ' ') lhs[--ln] = 0;
    gj_seg *segs;
    int n = gj_split(lhs, &segs);
    JSValue got = (ln == 0) ? JS_DupValue(ctx, e) : gj_eval(ctx, e, segs, 0, n);
    for (int k = 0; k < n; k++) free(segs[k].s);
    free(segs);
    free(lhs);
    bool res = false;
    if (!op) {
        res = !JS_IsUndefined(got) && !JS_IsException(got);
        JS_FreeValue(ctx, got);
        return res;
    }
    const char *r = at + strlen(op);
    while (*r == ' ') r++;
    int cmp = 0;
    bool comparable = false;
    if (*r == '"') {
        char *want = xstrndup(r + 1, strcspn(r + 1, "\""));
        if (JS_IsString(got)) {
            const char *s = JS_ToCString(ctx, got);
            if (s) {
                comparable = true;
                if (!strcmp(op, "%")) res = gj_match(want, s);
                else cmp = strcmp(s, want);
                JS_FreeCString(ctx, s);
            }
        }
        free(want);
        if (!strcmp(op, "%")) {
            JS_FreeValue(ctx, got);
            return res;
        }
    } else if (!strncmp(r, "true", 4) || !strncmp(r, "false", 5)) {
        if (JS_IsBool(got)) {
            comparable = true;
            cmp = JS_ToBool(ctx, got) - (*r == 't');
        }
    } else if (!strncmp(r, "null", 4)) {
        comparable = JS_IsNull(got);
        cmp = 0;
    } else {
        char *end;
        double want = strtod(r, &end);
        double have;
        if (end != r && JS_IsNumber(got) && !JS_ToFloat64(ctx, &have, got)) {
            comparable = true;
            cmp = have < want ? -1 : have > want ? 1 : 0;
        }
    }
    JS_FreeValue(ctx, got);
    if (!strcmp(op, "!=")) return !comparable || cmp != 0;
    if (!comparable) return false;
    if (!strcmp(op, "==") || !strcmp(op, "=")) return cmp == 0;
    if (!strcmp(op, "<")) return cmp < 0;
    if (!strcmp(op, "<=")) return cmp <= 0;
    if (!strcmp(op, ">")) return cmp > 0;
    if (!strcmp(op, ">=")) return cmp >= 0;
    return false;
}

/* #(query) or #(query)# on array v, then the rest of the path. */
static JSValue gj_query(JSContext *ctx, JSValueConst v, const gj_seg *seg, gj_seg *segs, int i, int n) {
    if (!JS_IsArray(ctx, v)) return JS_UNDEFINED;
    bool all = seg->n >= 4 && seg->s[seg->n - 1] == '#';
    size_t qlen = seg->n - 3 - (all ? 1 : 0); /* between "#(" and ")" */
    if (seg->s[2 + qlen] != ')') return JS_UNDEFINED;
    char *q = xstrndup(seg->s + 2, qlen);
    uint32_t len = gj_len(ctx, v);
    JSValue out = all ? JS_NewArray(ctx) : JS_UNDEFINED;
    uint32_t k = 0;
    for (uint32_t j = 0; j < len; j++) {
        JSValue e = JS_GetPropertyUint32(ctx, v, j);
        if (gj_query_true(ctx, e, q)) {
            JSValue r = gj_eval(ctx, e, segs, i + 1, n);
            if (!all) {
                JS_FreeValue(ctx, e);
                out = r;
                break;
            }
            if (JS_IsUndefined(r)) JS_FreeValue(ctx, r);
            else JS_SetPropertyUint32(ctx, out, k++, r);
        }
        JS_FreeValue(ctx, e);
    }
    free(q);
    return out;
}

static JSValue gj_eval(JSContext *ctx, JSValueConst v, gj_seg *segs, int i, int n) {
    if (i == n) return JS_DupValue(ctx, v);
    gj_seg *seg = &segs[i];
    if (!JS_IsObject(v)) return JS_UNDEFINED;
    bool arr = JS_IsArray(ctx, v);
    if (!strcmp(seg->s, "#")) {
        if (!arr) return JS_UNDEFINED;
        uint32_t len = gj_len(ctx, v);
        if (i == n - 1) return JS_NewUint32(ctx, len);
        JSValue out = JS_NewArray(ctx);
        uint32_t k = 0;
        for (uint32_t j = 0; j < len; j++) {
            JSValue e = JS_GetPropertyUint32(ctx, v, j);
            JSValue r = gj_eval(ctx, e, segs, i + 1, n);
            JS_FreeValue(ctx, e);
            if (JS_IsUndefined(r)) continue;
            JS_SetPropertyUint32(ctx, out, k++, r);
        }
        return out;
    }
    if (seg->n >= 3 && !strncmp(seg->s, "#(", 2)) return gj_query(ctx, v, seg, segs, i, n);
    if (gj_has_wild(seg->s) && !arr) {
        JSPropertyEnum *props;
        uint32_t np;
        if (JS_GetOwnPropertyNames(ctx, &props, &np, v, JS_GPN_STRING_MASK | JS_GPN_ENUM_ONLY)) return JS_UNDEFINED;
        JSValue out = JS_UNDEFINED;
        for (uint32_t j = 0; j < np && JS_IsUndefined(out); j++) {
            const char *key = JS_AtomToCString(ctx, props[j].atom);
            if (key && gj_match(seg->s, key)) {
                JSValue e = JS_GetProperty(ctx, v, props[j].atom);
                out = gj_eval(ctx, e, segs, i + 1, n);
                JS_FreeValue(ctx, e);
            }
            JS_FreeCString(ctx, key);
        }
        vm_free_props(ctx, props, np);
        return out;
    }
    char *key = xstrdup(seg->s);
    gj_unescape(key);
    JSAtom atom = JS_NewAtom(ctx, key);
    free(key);
    int has = JS_HasProperty(ctx, v, atom);
    JSValue out = JS_UNDEFINED;
    if (has > 0) {
        JSValue e = JS_GetProperty(ctx, v, atom);
        out = gj_eval(ctx, e, segs, i + 1, n);
        JS_FreeValue(ctx, e);
    }
    JS_FreeAtom(ctx, atom);
    return out;
}

JSValue http_gjson_get(JSContext *ctx, JSValueConst root, const char *path) {
    gj_seg *segs;
    int n = gj_split(path, &segs);
    JSValue out = gj_eval(ctx, root, segs, 0, n);
    for (int k = 0; k < n; k++) free(segs[k].s);
    free(segs);
    return out;
}
