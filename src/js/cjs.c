/* CommonJS scripts and modules (k6 runs both: `require()`, `module.exports`,
 * `exports.x = ...`). QuickJS only knows ES modules, so a file without an
 * import or export statement that uses require/exports is rewritten into an
 * ES module before it is compiled:
 *
 *   import * as __c6_r0 from 'k6/http'; ...  (one per require('literal'))
 *   const __c6_m = {exports: {}}; const __c6_req = ...;
 *   (function (exports, require, module, __filename, __dirname) { <source>
 *   }).call(__c6_m.exports, __c6_m.exports, __c6_req, __c6_m, "...", "...");
 *   export const __c6_cjs = __c6_m.exports;
 *
 * The prelude and the source's first line share one line, so error
 * positions keep their line numbers. The VM then reads the script's
 * exports (default, options, setup, scenario functions) from __c6_cjs, as k6
 * reads them from module.exports. require() of a non-literal name cannot be
 * known before the run and throws a clear error. */
#include "js/cjs.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util/buf.h"

/* Skips a comment or string starting at p; returns the position after it,
 * or p when there is none. */
static const char *cjs_skip(const char *p, const char *end) {
    if (p + 1 < end && p[0] == '/' && p[1] == '/') {
        while (p < end && *p != '\n') p++;
        return p;
    }
    if (p + 1 < end && p[0] == '/' && p[1] == '*') {
        for (p += 2; p + 1 < end && !(p[0] == '*' && p[1] == '/'); p++) {}
        return p + 1 < end ? p + 2 : end;
    }
    if (*p == '"' || *p == '\'' || *p == '`') {
        char q = *p++;
        while (p < end && *p != q) p += (*p == '\\' && p + 1 < end) ? 2 : 1;
        return p < end ? p + 1 : end;
    }
    return p;
}

static bool cjs_word_at(const char *src, const char *p, const char *end, const char *w) {
    size_t n = strlen(w);
    if ((size_t)(end - p) < n || memcmp(p, w, n) != 0) return false;
    if (p > src && (isalnum((unsigned char)p[-1]) || p[-1] == '_' || p[-1] == '$' || p[-1] == '.')) return false;
    char c = p + n < end ? p[n] : ' ';
    return !(isalnum((unsigned char)c) || c == '_' || c == '$');
}

bool cjs_detect(const char *src, size_t len) {
    const char *end = src + len, *p = src;
    bool esm = false, cjs = false;
    int depth = 0;
    while (p < end && !esm) {
        const char *q = cjs_skip(p, end);
        if (q != p) {
            p = q;
            continue;
        }
        if (*p == '{') depth++;
        else if (*p == '}' && depth) depth--;
        else if (depth == 0 && (cjs_word_at(src, p, end, "import") || cjs_word_at(src, p, end, "export"))) {
            const char *n = p + 6;
            while (n < end && (*n == ' ' || *n == '\t')) n++;
            /* import(...) and import.meta are expressions, not statements */
            if (!(cjs_word_at(src, p, end, "import") && n < end && (*n == '(' || *n == '.'))) esm = true;
        } else if (cjs_word_at(src, p, end, "require") || cjs_word_at(src, p, end, "module") ||
                   cjs_word_at(src, p, end, "exports")) {
            cjs = true;
        }
        p++;
    }
    return cjs && !esm;
}

/* JS string literal of s (for names and paths in the prelude). */
static void cjs_quote(docbuf *b, const char *s, size_t n) {
    doc_put(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '"' || c == '\\') doc_put(b, "\\", 1);
        if (c == '\n') {
            doc_puts(b, "\\n");
            continue;
        }
        doc_put(b, &c, 1);
    }
    doc_put(b, "\"", 1);
}

char *cjs_wrap(const char *src, size_t len, const char *path, size_t *outlen) {
    const char *end = src + len;
    docbuf names = {0}; /* the required names, each NUL-terminated */
    int nreq = 0;
    for (const char *p = src; p < end;) {
        const char *q = cjs_skip(p, end);
        if (q != p) {
            p = q;
            continue;
        }
        if (cjs_word_at(src, p, end, "require")) {
            const char *a = p + 7;
            while (a < end && isspace((unsigned char)*a)) a++;
            if (a < end && *a == '(') {
                a++;
                while (a < end && isspace((unsigned char)*a)) a++;
                if (a < end && (*a == '"' || *a == '\'')) {
                    char quote = *a;
                    const char *s = ++a;
                    while (a < end && *a != quote && *a != '\n') a++;
                    if (a < end && *a == quote) {
                        doc_put(&names, s, (size_t)(a - s));
                        doc_put(&names, "", 1);
                        nreq++;
                    }
                }
            }
        }
        p++;
    }
    docbuf b = {0};
    if (names.oom) nreq = 0; /* out of memory: reported at the end */
    const char *nm = names.b.p;
    for (int i = 0; i < nreq; i++, nm += strlen(nm) + 1) {
        char id[64];
        snprintf(id, sizeof id, "import * as __c6_r%d from ", i);
        doc_puts(&b, id);
        cjs_quote(&b, nm, strlen(nm));
        doc_puts(&b, "; ");
    }
    doc_puts(&b, "const __c6_m = {exports: {}}; const __c6_req = (n) => { switch (n) {");
    nm = names.b.p;
    for (int i = 0; i < nreq; i++, nm += strlen(nm) + 1) {
        char id[64];
        doc_puts(&b, " case ");
        cjs_quote(&b, nm, strlen(nm));
        snprintf(id, sizeof id, ": return __c6_r%d.__c6_cjs || __c6_r%d;", i, i);
        doc_puts(&b, id);
    }
    doc_puts(&b, " } throw new Error('require(' + JSON.stringify(n) + '): c6 loads modules before the run, "
                 "so require() takes a string literal naming a module'); }; "
                 "(function (exports, require, module, __filename, __dirname) {");
    doc_put(&b, src, len);
    doc_puts(&b, "\n}).call(__c6_m.exports, __c6_m.exports, __c6_req, __c6_m, ");
    cjs_quote(&b, path, strlen(path));
    doc_puts(&b, ", ");
    const char *slash = strrchr(path, '/');
    cjs_quote(&b, path, slash ? (size_t)(slash - path) : 0);
    doc_puts(&b, ");\nexport const __c6_cjs = __c6_m.exports;\nexport default __c6_m.exports;\n");
    bool oom = names.oom || b.oom;
    doc_free(&names);
    if (oom) {
        doc_free(&b);
        return NULL;
    }
    *outlen = b.b.len;
    return b.b.p;
}
