/* TypeScript scripts and modules (k6 runs `script.ts` by erasing the types).
 * QuickJS only knows JavaScript, so a .ts/.mts file is rewritten before it is
 * compiled: the TypeScript-only syntax is replaced by spaces, newlines kept,
 * so error positions keep their line and column.
 *
 * This is not a TypeScript parser: a tokenizer (strings, templates with
 * ${} nesting, comments, regex literals told from division by the previous
 * token) and a matching of brackets, then rules over the tokens:
 *  - a `:` starts a type in a parameter list, a class body, after the `)`
 *    of a parameter list (return type) and in a let/const/var declaration,
 *    unless a pending `?` (ternary) or `case` owns it; object literals and
 *    destructuring patterns are brackets of their own where `:` is kept;
 *  - a type is skipped by a small grammar (unions, arrays, generics,
 *    function types, object types, conditional types, typeof/keyof);
 *  - interface/type/declare statements, import type, `type` specifiers,
 *    `as`/`satisfies`, non-null `!`, generic arguments and parameters,
 *    implements and member modifiers are erased.
 * enum, namespace and parameter properties need generated code, which this
 * does not do: they get an error naming the line. */
#include "js/ts.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { T_ID, T_NUM, T_STR, T_TPL, T_RE, T_P, T_EOF };

typedef struct {
    size_t a, b; /* byte range in the source */
    int kind;
    bool nl; /* a newline between the previous token and this one */
} ts_tok;

typedef struct {
    char kind;   /* 'O' other, 'P' parameter list, 'C' class body */
    int pending; /* `?` and `case` waiting for their `:` */
    bool decl;   /* inside a let/const/var declaration */
    int fn;      /* a function's parameters: where its statement starts, else -1 */
} ts_ctx;

typedef struct {
    const char *src;
    size_t len;
    char *out;
    ts_tok *t;
    int n, cap;
    int *match; /* index of the matching bracket, -1 if none */
    ts_ctx *cx;
    int depth, cxcap;
    char *err;
    size_t errlen;
    bool failed;
    int *imports; /* import statements kept: start and end token pairs */
    int nimports;
} ts;

bool ts_is_ts(const char *name) {
    size_t n = strlen(name);
    return (n > 3 && strcmp(name + n - 3, ".ts") == 0) || (n > 4 && strcmp(name + n - 4, ".mts") == 0);
}

/* ---- tokens ---- */

static bool ts_idch(unsigned char c) { return isalnum(c) || c == '_' || c == '$' || c >= 0x80 || c == '\\'; }

static bool ts_is(const ts *s, int i, const char *w) {
    if (i < 0 || i >= s->n) return false;
    size_t n = strlen(w);
    return s->t[i].b - s->t[i].a == n && memcmp(s->src + s->t[i].a, w, n) == 0;
}

static int ts_kind(const ts *s, int i) { return i >= 0 && i < s->n ? s->t[i].kind : T_EOF; }

static bool ts_word_in(const ts *s, int i, const char *const *ws) {
    for (; *ws; ws++)
        if (ts_is(s, i, *ws)) return true;
    return false;
}

/* Keywords after which an expression starts (so `/` is a regex there). */
static const char *const ts_expr_kw[] = {"return", "typeof", "instanceof", "in",   "of",    "new",   "delete",  "void",
                                         "throw",  "case",   "do",         "else", "yield", "await", "extends", NULL};

static bool ts_regex_ok(const ts *s) {
    int p = s->n - 1;
    switch (ts_kind(s, p)) {
    case T_EOF: return true;
    case T_NUM:
    case T_STR:
    case T_TPL:
    case T_RE: return false;
    case T_ID: return ts_word_in(s, p, ts_expr_kw);
    default: return !(ts_is(s, p, ")") || ts_is(s, p, "]") || ts_is(s, p, "}"));
    }
}

static size_t ts_skip_code(const char *src, size_t len, size_t i, char close);

/* Past the end of the block comment whose body starts at i (the source is
 * not NUL-terminated, so no strstr). */
static size_t ts_comment_end(const char *src, size_t len, size_t i) {
    for (; i + 1 < len; i++)
        if (src[i] == '*' && src[i + 1] == '/') return i + 2;
    return len;
}

/* Past the template literal whose backquote is at i. */
static size_t ts_skip_tpl(const char *src, size_t len, size_t i) {
    for (i++; i < len; i++) {
        if (src[i] == '\\') i++;
        else if (src[i] == '`') return i + 1;
        else if (src[i] == '$' && i + 1 < len && src[i + 1] == '{') i = ts_skip_code(src, len, i + 2, '}') - 1;
    }
    return len;
}

/* Past the `close` ending code at i (a template's ${...}). */
static size_t ts_skip_code(const char *src, size_t len, size_t i, char close) {
    int depth = 0;
    while (i < len) {
        char c = src[i];
        if (c == '/' && i + 1 < len && src[i + 1] == '/') {
            while (i < len && src[i] != '\n') i++;
        } else if (c == '/' && i + 1 < len && src[i + 1] == '*') {
            i = ts_comment_end(src, len, i + 2);
        } else if (c == '"' || c == '\'') {
            for (i++; i < len && src[i] != c && src[i] != '\n'; i++)
                if (src[i] == '\\') i++;
            i++;
        } else if (c == '`') {
            i = ts_skip_tpl(src, len, i);
        } else {
            if (c == '{') depth++;
            else if (c == close && depth-- == 0) return i + 1;
            i++;
        }
    }
    return len;
}

static void ts_oom(ts *s) {
    if (s->failed) return;
    s->failed = true;
    snprintf(s->err, s->errlen, "out of memory");
}

static void ts_push_tok(ts *s, size_t a, size_t b, int kind, bool nl) {
    if (s->failed) return;
    if (s->n == s->cap) {
        int cap = s->cap ? s->cap * 2 : 256;
        ts_tok *grown = cap > 0 ? realloc(s->t, (size_t)cap * sizeof *s->t) : NULL;
        if (!grown) {
            ts_oom(s);
            return;
        }
        s->t = grown;
        s->cap = cap;
    }
    s->t[s->n++] = (ts_tok){a, b, kind, nl};
}

static void ts_lex(ts *s) {
    const char *src = s->src;
    size_t len = s->len, i = 0;
    bool nl = false;
    while (i < len) {
        unsigned char c = (unsigned char)src[i];
        size_t a = i;
        if (c == '\n') {
            nl = true;
            i++;
            continue;
        }
        if (isspace(c)) {
            i++;
            continue;
        }
        if (c == '/' && i + 1 < len && src[i + 1] == '/') {
            while (i < len && src[i] != '\n') i++;
            continue;
        }
        if (c == '/' && i + 1 < len && src[i + 1] == '*') {
            size_t end = ts_comment_end(src, len, i + 2);
            if (memchr(src + i, '\n', end - i)) nl = true;
            i = end;
            continue;
        }
        int kind = T_P;
        if (ts_idch(c) || c == '#') {
            for (i++; i < len && ts_idch((unsigned char)src[i]); i++) {}
            kind = T_ID;
        } else if (isdigit(c) || (c == '.' && i + 1 < len && isdigit((unsigned char)src[i + 1]))) {
            for (i++; i < len; i++) {
                char d = src[i];
                if (isalnum((unsigned char)d) || d == '.' || d == '_') continue;
                if ((d == '+' || d == '-') && (src[i - 1] == 'e' || src[i - 1] == 'E') &&
                    !(src[a] == '0' && i > a + 1 && (src[a + 1] == 'x' || src[a + 1] == 'X')))
                    continue;
                break;
            }
            kind = T_NUM;
        } else if (c == '"' || c == '\'') {
            for (i++; i < len && src[i] != (char)c && src[i] != '\n'; i++)
                if (src[i] == '\\') i++;
            i = i < len ? i + 1 : len;
            kind = T_STR;
        } else if (c == '`') {
            i = ts_skip_tpl(src, len, i);
            kind = T_TPL;
        } else if (c == '/' && ts_regex_ok(s)) {
            bool cls = false;
            for (i++; i < len && src[i] != '\n'; i++) {
                if (src[i] == '\\') i++;
                else if (src[i] == '[') cls = true;
                else if (src[i] == ']') cls = false;
                else if (src[i] == '/' && !cls) break;
            }
            for (i++; i < len && ts_idch((unsigned char)src[i]); i++) {}
            kind = T_RE;
        } else if (i + 2 < len && memcmp(src + i, "...", 3) == 0) {
            i += 3;
        } else if (i + 1 < len &&
                   ((c == '=' && src[i + 1] == '>') || (c == '?' && src[i + 1] == '?') ||
                    (c == '?' && src[i + 1] == '.' && !(i + 2 < len && isdigit((unsigned char)src[i + 2]))))) {
            i += 2;
        } else {
            i++; /* every other punctuator one character at a time: < and > are counted in generics */
        }
        if (i > len) i = len;
        ts_push_tok(s, a, i, kind, nl);
        nl = false;
    }
    /* the context stack (ts_push) cannot be deeper than the tokens */
    s->cxcap = s->n + 2;
    s->cx = malloc((size_t)s->cxcap * sizeof *s->cx);
    s->match = malloc(((size_t)s->n + 1) * sizeof *s->match);
    int *stack = malloc(((size_t)s->n + 1) * sizeof *stack), sp = 0;
    if (!s->cx || !s->match || !stack) {
        ts_oom(s);
        free(stack);
        return;
    }
    for (int k = 0; k < s->n; k++) {
        s->match[k] = -1;
        if (ts_is(s, k, "(") || ts_is(s, k, "[") || ts_is(s, k, "{")) {
            stack[sp++] = k;
        } else if (ts_is(s, k, ")") || ts_is(s, k, "]") || ts_is(s, k, "}")) {
            if (sp) {
                int o = stack[--sp];
                s->match[o] = k;
                s->match[k] = o;
            }
        }
    }
    free(stack);
}

/* ---- erasing ---- */

static void ts_erase(ts *s, int from, int to) { /* tokens [from, to) */
    if (to > s->n) to = s->n;
    if (from >= to) return;
    for (size_t k = s->t[from].a; k < s->t[to - 1].b; k++)
        if (s->out[k] != '\n' && s->out[k] != '\r') s->out[k] = ' ';
}

static int ts_line(const ts *s, int i) {
    size_t at = i < s->n ? s->t[i].a : s->len;
    int line = 1;
    for (size_t k = 0; k < at; k++) line += s->src[k] == '\n';
    return line;
}

static void ts_fail(ts *s, int i, const char *what) {
    if (s->failed) return;
    s->failed = true;
    snprintf(s->err, s->errlen, "TypeScript %s is not supported by c6's type stripping (line %d)", what, ts_line(s, i));
}

/* ---- types ---- */

static int ts_type(ts *s, int i);

/* Past the <...> at i (counting nested < >, jumping over brackets), or -1
 * when it does not close or holds something a type cannot. */
static int ts_angles(const ts *s, int i, bool strict) {
    int depth = 0;
    for (int j = i; j < s->n; j++) {
        if (ts_is(s, j, "(") || ts_is(s, j, "[") || ts_is(s, j, "{")) {
            if (s->match[j] < 0) return -1;
            j = s->match[j];
        } else if (ts_is(s, j, "<")) {
            depth++;
        } else if (ts_is(s, j, ">")) {
            if (--depth == 0) return j + 1;
        } else if (ts_kind(s, j) == T_P) {
            static const char *const ok[] = {",", ".", "|", "&", "=>", "?", ":", "=", "-", "...", NULL};
            if (!ts_word_in(s, j, ok) || (strict && ts_is(s, j, "="))) return -1;
        } else if (ts_kind(s, j) == T_RE) {
            return -1;
        }
    }
    return -1;
}

static const char *const ts_type_prefix[] = {"keyof", "typeof", "unique", "readonly", "infer", "asserts", "new", NULL};

static int ts_operand(ts *s, int i) {
    while (ts_word_in(s, i, ts_type_prefix) && ts_kind(s, i + 1) != T_EOF && !ts_is(s, i + 1, ",") &&
           !ts_is(s, i + 1, ")") && !ts_is(s, i + 1, ";") && !ts_is(s, i + 1, "=") && !ts_is(s, i + 1, ">") &&
           !ts_is(s, i + 1, "|") && !ts_is(s, i + 1, "]"))
        i++;
    int k = ts_kind(s, i);
    if (ts_is(s, i, "<")) { /* generic function type <T>(a: T) => T */
        int j = ts_angles(s, i, false);
        if (j < 0) return i;
        i = j;
    }
    if (ts_is(s, i, "(")) {
        if (s->match[i] < 0) return i;
        int j = s->match[i] + 1;
        if (ts_is(s, j, "=>")) return ts_type(s, j + 1);
        i = j;
    } else if (ts_is(s, i, "[") || ts_is(s, i, "{")) {
        if (s->match[i] < 0) return i;
        i = s->match[i] + 1;
    } else if (ts_is(s, i, "-") && ts_kind(s, i + 1) == T_NUM) {
        i += 2;
    } else if (k == T_STR || k == T_NUM || k == T_TPL) {
        i++;
    } else if (k == T_ID) {
        i++;
        while (ts_is(s, i, ".") && ts_kind(s, i + 1) == T_ID) i += 2;
        if (ts_is(s, i, "<")) {
            int j = ts_angles(s, i, false);
            if (j > 0) i = j;
        }
        if (ts_is(s, i, "is") && !s->t[i].nl) return ts_type(s, i + 1); /* x is T */
    } else {
        return i;
    }
    while (ts_is(s, i, "[") && !s->t[i].nl && s->match[i] > 0) i = s->match[i] + 1; /* T[], T['k'] */
    return i;
}

/* Past the type starting at i (i itself when there is none). */
static int ts_type(ts *s, int i) {
    if (ts_is(s, i, "|") || ts_is(s, i, "&")) i++;
    int j = ts_operand(s, i);
    if (j == i) return i;
    while ((ts_is(s, j, "|") || ts_is(s, j, "&")) && !ts_is(s, j + 1, "&") && !ts_is(s, j + 1, "|")) {
        int k = ts_operand(s, j + 1);
        if (k == j + 1) return j;
        j = k;
    }
    if (ts_is(s, j, "extends") && !s->t[j].nl) { /* A extends B ? C : D */
        int k = ts_type(s, j + 1);
        if (!ts_is(s, k, "?")) return j;
        k = ts_type(s, k + 1);
        if (!ts_is(s, k, ":")) return j;
        return ts_type(s, k + 1);
    }
    return j;
}

/* Erases the `:` at i and the type after it; returns the index past it. */
static int ts_erase_annotation(ts *s, int i) {
    int j = ts_type(s, i + 1);
    if (j == i + 1) return i + 1;
    ts_erase(s, i, j);
    return j;
}

/* ---- statements and expressions ---- */

static bool ts_expr_end(const ts *s, int i) {
    switch (ts_kind(s, i)) {
    case T_NUM:
    case T_STR:
    case T_TPL:
    case T_RE: return true;
    case T_ID: return !ts_word_in(s, i, ts_expr_kw);
    case T_P: return ts_is(s, i, ")") || ts_is(s, i, "]") || ts_is(s, i, "}");
    default: return false;
    }
}

static bool ts_stmt_start(const ts *s, int i) {
    if (i == 0) return true;
    if (ts_is(s, i - 1, ";") || ts_is(s, i - 1, "{") || ts_is(s, i - 1, "}") || ts_is(s, i - 1, "export") ||
        ts_is(s, i - 1, "default"))
        return true;
    return s->t[i].nl && !ts_is(s, i - 1, ".") && !ts_is(s, i - 1, "?.");
}

/* Index past the statement's end for declare: the first `;`, a { } block,
 * or a line end where nothing continues the statement. */
static int ts_stmt_end(const ts *s, int i) {
    for (int j = i; j < s->n; j++) {
        if (ts_is(s, j, "{") && s->match[j] > 0) return s->match[j] + 1;
        if ((ts_is(s, j, "(") || ts_is(s, j, "[")) && s->match[j] > 0) j = s->match[j];
        if (ts_is(s, j, ";")) return j + 1;
        if (j + 1 < s->n && s->t[j + 1].nl && ts_kind(s, j) != T_P && !ts_is(s, j + 1, "|") && !ts_is(s, j + 1, "&") &&
            j > i + 1)
            return j + 1;
    }
    return s->n;
}

/* Erases `type X [as Y]` specifiers inside the { } starting at i; returns
 * the index past the }. */
static int ts_specifiers(ts *s, int i) {
    int close = s->match[i];
    if (close < 0) return i + 1;
    for (int j = i + 1; j < close; j++) {
        if (ts_is(s, j, "type") && ts_kind(s, j + 1) == T_ID && !ts_is(s, j + 1, "as")) {
            int e = j + 2;
            if (ts_is(s, e, "as")) e += 2;
            if (ts_is(s, e, ",")) e++;
            ts_erase(s, j, e);
            j = e - 1;
        }
    }
    return close + 1;
}

/* Index past `from 'mod' ;` or the end of the import starting at i. */
static int ts_import_end(const ts *s, int i) {
    for (int j = i; j < s->n; j++) {
        if (ts_kind(s, j) == T_STR) return ts_is(s, j + 1, ";") ? j + 2 : j + 1;
        if (ts_is(s, j, ";")) return j + 1;
    }
    return s->n;
}

static void ts_push(ts *s, char kind) {
    if (s->depth + 1 >= s->cxcap) { /* sized by ts_lex: deeper than the tokens cannot happen */
        ts_oom(s);
        return;
    }
    s->cx[++s->depth] = (ts_ctx){kind, 0, false, -1};
}

static const char *const ts_ctl_kw[] = {"if",    "while", "for", "switch", "with", "return", "typeof", "await",
                                        "yield", "new",   "in",  "of",     "void", "delete", "case",   NULL};

/* Whether the ( at i opens a parameter list. */
static bool ts_is_params(ts *s, int i, bool func) {
    if (func || ts_is(s, i - 1, "catch")) return true;
    int close = s->match[i];
    if (close < 0) return false;
    if (ts_is(s, close + 1, "=>")) return true;
    if (ts_is(s, close + 1, ":")) { /* (a): T => ... or method(): T { */
        int j = ts_type(s, close + 2);
        if (j > close + 2 && (ts_is(s, j, "=>") || ts_is(s, j, "{"))) return true;
    }
    /* method(a) { in a class or an object literal */
    return ts_is(s, close + 1, "{") && !s->t[close + 1].nl &&
           ((ts_kind(s, i - 1) == T_ID && !ts_word_in(s, i - 1, ts_ctl_kw)) || ts_is(s, i - 1, ">"));
}

static const char *const ts_modifiers[] = {"public",   "private", "protected", "readonly", "abstract",
                                           "override", "declare", "accessor",  NULL};

/* Handles a statement-level TypeScript form at i; returns the next index
 * to look at, or i when there is none. */
static int ts_statement(ts *s, int i) {
    int n1 = i + 1;
    if (ts_is(s, i, "import") && !ts_is(s, n1, "(") && !ts_is(s, n1, ".")) {
        int end = ts_import_end(s, i);
        if (ts_is(s, n1, "type") && !ts_is(s, n1 + 1, ",") && !ts_is(s, n1 + 1, "from")) {
            ts_erase(s, i, end);
            return end;
        }
        for (int j = n1; j < end; j++)
            if (ts_is(s, j, "{")) j = ts_specifiers(s, j) - 1;
        if (ts_kind(s, n1) != T_STR) { /* not `import 'mod'` */
            int *grown = realloc(s->imports, (size_t)(s->nimports + 1) * 2 * sizeof *s->imports);
            if (!grown) {
                ts_oom(s);
                return end;
            }
            s->imports = grown;
            s->imports[2 * s->nimports] = i;
            s->imports[2 * s->nimports + 1] = end;
            s->nimports++;
        }
        return end;
    }
    if (ts_is(s, i, "export")) {
        if (ts_is(s, n1, "type") && ts_is(s, n1 + 1, "{")) {
            int end = ts_import_end(s, n1 + 1);
            ts_erase(s, i, end);
            return end;
        }
        if (ts_is(s, n1, "{")) {
            int j = ts_specifiers(s, n1);
            return j;
        }
        if (ts_is(s, n1, "=")) {
            ts_fail(s, i, "`export =`");
            return s->n;
        }
        if (ts_is(s, n1, "default") && ts_is(s, n1 + 1, "interface")) n1++;
        if ((ts_is(s, n1, "interface") || ts_is(s, n1, "type") || ts_is(s, n1, "declare")) &&
            ts_kind(s, n1 + 1) == T_ID) {
            int j = ts_statement(s, n1);
            if (j != n1) {
                ts_erase(s, i, n1);
                return j;
            }
        }
        return i;
    }
    if (ts_is(s, i, "interface") && ts_kind(s, n1) == T_ID && !s->t[n1].nl) {
        for (int j = n1; j < s->n; j++)
            if (ts_is(s, j, "{") && s->match[j] > 0) {
                ts_erase(s, i, s->match[j] + 1);
                return s->match[j] + 1;
            }
        return i;
    }
    if (ts_is(s, i, "type") && ts_kind(s, n1) == T_ID && !s->t[n1].nl &&
        (ts_is(s, n1 + 1, "=") || ts_is(s, n1 + 1, "<"))) {
        int j = n1 + 1;
        if (ts_is(s, j, "<")) j = ts_angles(s, j, false);
        if (j < 0 || !ts_is(s, j, "=")) return i;
        int e = ts_type(s, j + 1);
        if (ts_is(s, e, ";")) e++;
        ts_erase(s, i, e);
        return e;
    }
    if (ts_is(s, i, "declare") && (ts_kind(s, n1) == T_ID) && !s->t[n1].nl) {
        int e = ts_stmt_end(s, n1);
        ts_erase(s, i, e);
        return e;
    }
    if (ts_is(s, i, "enum") && ts_kind(s, n1) == T_ID && !s->t[n1].nl) {
        ts_fail(s, i, "enum");
        return s->n;
    }
    if (ts_is(s, i, "const") && ts_is(s, n1, "enum")) {
        ts_fail(s, n1, "enum");
        return s->n;
    }
    if ((ts_is(s, i, "namespace") || ts_is(s, i, "module")) && (ts_kind(s, n1) == T_ID || ts_kind(s, n1) == T_STR) &&
        !s->t[n1].nl && (ts_is(s, n1 + 1, "{") || ts_is(s, n1 + 1, "."))) {
        ts_fail(s, i, "namespace");
        return s->n;
    }
    if (ts_is(s, i, "abstract") && ts_is(s, n1, "class")) {
        ts_erase(s, i, n1);
        return n1;
    }
    return i;
}

/* Whether the token at i can follow a non-null `x!` (`if (a)!b` is a not). */
static bool ts_nonnull_follow(const ts *s, int i) {
    static const char *const ok[] = {".", "?.", ")", ",", ";", "]", "[", ":", "}", NULL};
    return i >= s->n || s->t[i].nl || ts_word_in(s, i, ok) || (ts_is(s, i, "(") && ts_kind(s, i - 2) == T_ID);
}

static void ts_run(ts *s) {
    ts_push(s, 'O');
    bool func = false;  /* the next ( opens a function's parameters */
    int fn_start = -1;  /* where that function's statement starts */
    int class_hdr = -1; /* context depth of a class header in progress */
    for (int i = 0; i < s->n && !s->failed;) {
        ts_ctx *c = &s->cx[s->depth];
        if (ts_kind(s, i) == T_ID && ts_stmt_start(s, i) && c->kind != 'C') {
            int j = ts_statement(s, i);
            if (j != i) {
                i = j;
                continue;
            }
        }
        if (ts_kind(s, i) == T_ID) {
            if (c->kind == 'P' && ts_is(s, i, "this") && ts_is(s, i + 1, ":") && ts_is(s, i - 1, "(")) {
                int j = ts_type(s, i + 2); /* f(this: T, ...) declares the type of this */
                if (ts_is(s, j, ",")) j++;
                ts_erase(s, i, j);
                i = j;
                continue;
            }
            if (ts_is(s, i, "function")) {
                func = true;
                fn_start = i;
                while (fn_start > 0 && (ts_is(s, fn_start - 1, "export") || ts_is(s, fn_start - 1, "async") ||
                                        ts_is(s, fn_start - 1, "declare")))
                    fn_start--;
            } else if (ts_is(s, i, "class") && !ts_is(s, i - 1, ".")) {
                class_hdr = s->depth;
            } else if (class_hdr == s->depth && ts_is(s, i, "implements")) {
                int j = i;
                while (j < s->n && !ts_is(s, j, "{")) j++;
                ts_erase(s, i, j);
                i = j;
                continue;
            } else if (ts_is(s, i, "let") || ts_is(s, i, "const") || ts_is(s, i, "var")) {
                c->decl = true;
            } else if (ts_is(s, i, "case")) {
                c->pending++;
            } else if (ts_is(s, i, "default") && ts_is(s, i + 1, ":")) {
                i += 2;
                continue;
            } else if ((ts_is(s, i, "as") || ts_is(s, i, "satisfies")) && ts_expr_end(s, i - 1) && !s->t[i].nl) {
                int j = ts_type(s, i + 1);
                if (j > i + 1) {
                    ts_erase(s, i, j);
                    i = j;
                    continue;
                }
            } else if (ts_word_in(s, i, ts_modifiers) && (c->kind == 'C' || c->kind == 'P') &&
                       !s->t[i + 1 < s->n ? i + 1 : i].nl &&
                       (ts_kind(s, i + 1) == T_ID || ts_is(s, i + 1, "[") || ts_kind(s, i + 1) == T_STR ||
                        ts_is(s, i + 1, "*"))) {
                if (c->kind == 'P') {
                    ts_fail(s, i, "parameter property (constructor parameter with a modifier)");
                    return;
                }
                if (ts_is(s, i, "abstract")) { /* a member without a body: all of it goes */
                    int e = ts_stmt_end(s, i);
                    ts_erase(s, i, e);
                    i = e;
                    continue;
                }
                ts_erase(s, i, i + 1);
            }
            /* f<T>(...), new Map<K, V>(), class A<T>, extends B<T> */
            if (ts_is(s, i + 1, "<") && (s->t[i + 1].a == s->t[i].b || func || class_hdr == s->depth)) {
                int j = ts_angles(s, i + 1, false);
                if (j > 0 && (ts_is(s, j, "(") || ts_kind(s, j) == T_TPL ||
                              (class_hdr == s->depth && (ts_is(s, j, "{") || ts_kind(s, j) == T_ID)))) {
                    ts_erase(s, i + 1, j);
                    i = j;
                    continue;
                }
            }
            i++;
            continue;
        }
        if (ts_is(s, i, "<") && (!ts_expr_end(s, i - 1) || ts_is(s, i - 1, "async"))) { /* <T>(x: T) => x */
            int j = ts_angles(s, i, false);
            /* a < with no left operand is no comparison: <T>(x: T) => x or a <T>x assertion */
            if (j > 0 && (!ts_is(s, j, "(") || (s->match[j] > 0 && ts_is_params(s, j, false)))) {
                ts_erase(s, i, j);
                i = j;
                continue;
            }
        }
        if (c->kind == 'C' && ts_is(s, i, "[") && ts_kind(s, i + 1) == T_ID && ts_is(s, i + 2, ":")) {
            int e = ts_stmt_end(s, i); /* [key: string]: T index signature */
            ts_erase(s, i, e);
            i = e;
            continue;
        }
        if (ts_is(s, i, "(")) {
            bool p = ts_is_params(s, i, func);
            ts_push(s, p ? 'P' : 'O');
            if (func && ts_stmt_start(s, fn_start)) s->cx[s->depth].fn = fn_start;
            func = false;
        } else if (ts_is(s, i, "{")) {
            bool cls = class_hdr == s->depth;
            class_hdr = -1;
            ts_push(s, cls ? 'C' : 'O');
        } else if (ts_is(s, i, "[")) {
            ts_push(s, 'O');
        } else if (ts_is(s, i, ")") || ts_is(s, i, "]") || ts_is(s, i, "}")) {
            char kind = c->kind;
            int fn = c->fn;
            if (s->depth > 0) s->depth--;
            if (kind == 'P' && ts_is(s, i, ")")) {
                int j = i + 1;
                if (ts_is(s, j, ":")) j = ts_erase_annotation(s, j); /* return type */
                if (fn >= 0 && !ts_is(s, j, "{")) {                  /* an overload signature, no body */
                    if (ts_is(s, j, ";")) j++;
                    ts_erase(s, fn, j);
                }
                i = j;
                continue;
            }
        } else if (ts_is(s, i, ";")) {
            c->decl = false;
            c->pending = 0;
        } else if (ts_is(s, i, "?")) {
            bool typed = c->kind != 'O' || c->decl;
            if (typed && (ts_is(s, i + 1, ":") ||
                          (c->kind == 'P' && (ts_is(s, i + 1, ",") || ts_is(s, i + 1, ")") || ts_is(s, i + 1, "="))) ||
                          (c->kind == 'C' && ts_is(s, i + 1, ";")))) {
                ts_erase(s, i, i + 1);
            } else {
                c->pending++;
            }
        } else if (ts_is(s, i, "!") && i > 0 && s->t[i].a == s->t[i - 1].b && ts_expr_end(s, i - 1) &&
                   ts_nonnull_follow(s, i + 1)) {
            ts_erase(s, i, i + 1); /* x! non-null assertion, x!: T definite assignment */
        } else if (ts_is(s, i, ":")) {
            if (c->pending > 0) {
                c->pending--;
            } else if (c->kind != 'O' || c->decl) {
                i = ts_erase_annotation(s, i);
                continue;
            }
        }
        i++;
    }
}

/* Whether the token at k is inside one of the import statements. */
static bool ts_in_import(const ts *s, int k) {
    for (int m = 0; m < s->nimports; m++)
        if (k >= s->imports[2 * m] && k < s->imports[2 * m + 1]) return true;
    return false;
}

/* Whether the word w (n bytes) occurs in the text [a, b) as a whole word. */
static bool ts_word_in_text(const char *t, size_t a, size_t b, const char *w, size_t n) {
    for (size_t k = a; k + n <= b; k++)
        if (memcmp(t + k, w, n) == 0 && (k == a || !ts_idch((unsigned char)t[k - 1])) &&
            (k + n == b || !ts_idch((unsigned char)t[k + n])))
            return true;
    return false;
}

/* Whether the binding named by token i is used as a value: an identifier
 * left after the erasure (not a property name after `.`), or a word in a
 * template literal's text. */
static bool ts_used(const ts *s, int i) {
    const char *w = s->src + s->t[i].a;
    size_t n = s->t[i].b - s->t[i].a;
    for (int k = 0; k < s->n; k++) {
        const ts_tok *t = &s->t[k];
        if (t->kind == T_TPL) {
            if (ts_word_in_text(s->out, t->a, t->b, w, n)) return true;
        } else if (t->kind == T_ID && t->b - t->a == n && memcmp(s->src + t->a, w, n) == 0 && s->out[t->a] != ' ' &&
                   !ts_is(s, k - 1, ".") && !ts_is(s, k - 1, "?.") && !ts_in_import(s, k)) {
            return true;
        }
    }
    return false;
}

/* As esbuild does for TypeScript, imports used only as types go: a
 * binding never used as a value is dropped, and an import left with none
 * is dropped whole (`import { Options } from 'k6/options'` names a type). */
static void ts_prune_imports(ts *s) {
    for (int m = 0; m < s->nimports; m++) {
        int from = s->imports[2 * m], end = s->imports[2 * m + 1];
        int used = 0, unused = 0;
        for (int pass = 0; pass < 2; pass++) { /* count, then erase */
            for (int j = from + 1; j < end && !ts_is(s, j, "from"); j++) {
                if (ts_kind(s, j) != T_ID || s->out[s->t[j].a] == ' ') continue;
                if (ts_is(s, j + 1, "as")) continue; /* `a as b`: b is the binding */
                bool binding = ts_is(s, j + 1, ",") || ts_is(s, j + 1, "}") || ts_is(s, j + 1, "from");
                if (!binding || ts_is(s, j, "as")) continue;
                bool u = ts_used(s, j);
                if (pass == 0) {
                    used += u;
                    unused += !u;
                } else if (!u) {
                    int a = j, b = j + 1;
                    if (ts_is(s, j - 1, "as")) a = j - 2; /* x as y, * as ns */
                    if (ts_is(s, b, ",")) b++;
                    else if (ts_is(s, a - 1, ",")) a--;
                    ts_erase(s, a, b);
                }
            }
            if (pass == 0 && (unused == 0 || used == 0)) break;
        }
        if (used == 0 && unused > 0) ts_erase(s, from, end);
    }
}

char *ts_strip(const char *src, size_t len, char *err, size_t errlen) {
    ts s = {.src = src, .len = len, .err = err, .errlen = errlen, .depth = -1};
    s.out = malloc(len + 1);
    if (!s.out) return snprintf(err, errlen, "out of memory"), NULL;
    memcpy(s.out, src, len);
    s.out[len] = '\0';
    ts_lex(&s);
    if (!s.failed) ts_run(&s);
    if (!s.failed) ts_prune_imports(&s);
    free(s.t);
    free(s.imports);
    free(s.match);
    free(s.cx);
    if (s.failed) {
        free(s.out);
        return NULL;
    }
    return s.out;
}
