/* CSS selectors over html_doc: a small compiler to a tree of simple
 * selectors and a right-to-left matcher.
 *
 * Grammar: groups "a, b"; combinators descendant, ">", "+", "~"; compounds
 * of type/"*", #id, .class, [attr], [attr op value (i)] with op one of
 * = ^= $= *= ~= |= !=, and pseudo-classes: first/last/only-child,
 * first/last/only-of-type, nth(-last)-child(an+b), nth(-last)-of-type(an+b),
 * not(group), has(group), contains("text") and containsOwn("text") (goquery
 * extensions: text of the subtree / of the element's own text nodes),
 * checked, selected, disabled, enabled, empty, root. */
#include "html/html.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum sk { SK_TAG, SK_ID, SK_CLASS, SK_ATTR, SK_PSEUDO };
enum aop { AO_EXISTS, AO_EQ, AO_PREFIX, AO_SUFFIX, AO_SUB, AO_WORD, AO_DASH, AO_NE };
enum ps {
    PS_FIRST_CHILD,
    PS_LAST_CHILD,
    PS_ONLY_CHILD,
    PS_FIRST_TYPE,
    PS_LAST_TYPE,
    PS_ONLY_TYPE,
    PS_NTH_CHILD,
    PS_NTH_LAST_CHILD,
    PS_NTH_TYPE,
    PS_NTH_LAST_TYPE,
    PS_NOT,
    PS_HAS,
    PS_CONTAINS,
    PS_CONTAINS_OWN,
    PS_CHECKED,
    PS_SELECTED,
    PS_DISABLED,
    PS_ENABLED,
    PS_EMPTY,
    PS_ROOT,
};

typedef struct simple {
    unsigned char kind, op, ci; /* ci: [attr=v i] compares ignoring ASCII case */
    int pseudo;
    char *name, *value;
    int a, b;      /* nth: a*n+b */
    html_sel *sub; /* :not, :has */
} simple;

typedef struct compound {
    char comb; /* how it relates to the compound on its left: ' ' '>' '+' '~' */
    simple *s;
    int n;
} compound;

typedef struct complex_sel {
    compound *c;
    int n;
} complex_sel;

struct html_sel {
    complex_sel *alt;
    int n;
};

/* ---- compiler ---- */

typedef struct parser {
    const char *src, *p;
    char *err;
    size_t errlen;
    bool failed;
} parser;

static void perr(parser *ps, const char *fmt, ...) {
    if (ps->failed) return;
    ps->failed = true;
    char msg[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(ps->err, ps->errlen, "invalid selector \"%s\": %s at offset %d", ps->src, msg, (int)(ps->p - ps->src));
}

static void skip_ws(parser *ps) {
    while (*ps->p && isspace((unsigned char)*ps->p)) ps->p++;
}

static bool ident_char(char c) { return isalnum((unsigned char)c) || c == '-' || c == '_' || (unsigned char)c >= 0x80; }

/* An identifier (backslash escapes one character); NULL when none is there. */
static char *sel_parse_ident(parser *ps, bool lower) {
    buf b = {0};
    while (*ps->p) {
        char c = *ps->p;
        if (c == '\\' && ps->p[1]) {
            c = ps->p[1];
            ps->p += 2;
        } else if (ident_char(c)) ps->p++;
        else break;
        if (lower) c = (char)tolower((unsigned char)c);
        buf_append(&b, &c, 1);
    }
    if (!b.len) {
        perr(ps, "expected a name");
        buf_free(&b);
        return NULL;
    }
    return b.p;
}

static char *sel_parse_string(parser *ps) {
    char q = *ps->p++;
    buf b = {0};
    buf_append(&b, "", 0);
    while (*ps->p && *ps->p != q) {
        if (*ps->p == '\\' && ps->p[1]) ps->p++;
        buf_append(&b, ps->p++, 1);
    }
    if (*ps->p != q) {
        perr(ps, "unterminated string");
        buf_free(&b);
        return NULL;
    }
    ps->p++;
    return b.p;
}

static char *sel_parse_value(parser *ps) {
    skip_ws(ps);
    if (*ps->p == '"' || *ps->p == '\'') return sel_parse_string(ps);
    return sel_parse_ident(ps, false);
}

static html_sel *sel_parse_group(parser *ps, char stop);

static void simple_free(simple *s) {
    free(s->name);
    free(s->value);
    html_sel_free(s->sub);
}

/* "odd", "even", "3", "2n+1", "-n + 3" ... */
static bool sel_parse_nth(parser *ps, int *a, int *b) {
    skip_ws(ps);
    if (strncasecmp(ps->p, "odd", 3) == 0) {
        ps->p += 3;
        *a = 2;
        *b = 1;
        return true;
    }
    if (strncasecmp(ps->p, "even", 4) == 0) {
        ps->p += 4;
        *a = 2;
        *b = 0;
        return true;
    }
    int sign = 1;
    if (*ps->p == '+' || *ps->p == '-') sign = *ps->p++ == '-' ? -1 : 1;
    bool digits = isdigit((unsigned char)*ps->p);
    long v = digits ? strtol(ps->p, (char **)&ps->p, 10) : 1;
    if (*ps->p == 'n' || *ps->p == 'N') {
        ps->p++;
        *a = (int)(sign * v);
        skip_ws(ps);
        *b = 0;
        if (*ps->p == '+' || *ps->p == '-') {
            int s2 = *ps->p++ == '-' ? -1 : 1;
            skip_ws(ps);
            if (!isdigit((unsigned char)*ps->p)) {
                perr(ps, "expected a number in an+b");
                return false;
            }
            *b = (int)(s2 * strtol(ps->p, (char **)&ps->p, 10));
        }
        return true;
    }
    if (!digits) {
        perr(ps, "expected an+b, odd or even");
        return false;
    }
    *a = 0;
    *b = (int)(sign * v);
    return true;
}

static const struct {
    const char *name;
    int ps;
    int arg; /* 0 none, 1 nth, 2 group, 3 string */
} pseudos[] = {
    {"first-child", PS_FIRST_CHILD, 0},
    {"last-child", PS_LAST_CHILD, 0},
    {"only-child", PS_ONLY_CHILD, 0},
    {"first-of-type", PS_FIRST_TYPE, 0},
    {"last-of-type", PS_LAST_TYPE, 0},
    {"only-of-type", PS_ONLY_TYPE, 0},
    {"nth-child", PS_NTH_CHILD, 1},
    {"nth-last-child", PS_NTH_LAST_CHILD, 1},
    {"nth-of-type", PS_NTH_TYPE, 1},
    {"nth-last-of-type", PS_NTH_LAST_TYPE, 1},
    {"not", PS_NOT, 2},
    {"has", PS_HAS, 2},
    {"contains", PS_CONTAINS, 3},
    {"containsown", PS_CONTAINS_OWN, 3},
    {"checked", PS_CHECKED, 0},
    {"selected", PS_SELECTED, 0},
    {"disabled", PS_DISABLED, 0},
    {"enabled", PS_ENABLED, 0},
    {"empty", PS_EMPTY, 0},
    {"root", PS_ROOT, 0},
};

static bool sel_parse_pseudo(parser *ps, simple *s) {
    char *name = sel_parse_ident(ps, true);
    if (!name) return false;
    size_t k = 0, np = sizeof pseudos / sizeof *pseudos;
    while (k < np && strcmp(pseudos[k].name, name) != 0) k++;
    if (k == np) {
        perr(ps, "unsupported pseudo-class :%s", name);
        free(name);
        return false;
    }
    free(name);
    s->kind = SK_PSEUDO;
    s->pseudo = pseudos[k].ps;
    if (!pseudos[k].arg) return true;
    if (*ps->p != '(') {
        perr(ps, "expected '(' after :%s", pseudos[k].name);
        return false;
    }
    ps->p++;
    bool ok;
    if (pseudos[k].arg == 1) ok = sel_parse_nth(ps, &s->a, &s->b);
    else if (pseudos[k].arg == 2) ok = (s->sub = sel_parse_group(ps, ')')) != NULL;
    else ok = (s->value = sel_parse_value(ps)) != NULL;
    if (!ok) return false; /* ps->p may be at the end: step no further */
    skip_ws(ps);
    if (*ps->p != ')') {
        perr(ps, "expected ')'");
        return false;
    }
    ps->p++;
    return true;
}

static bool sel_parse_attr(parser *ps, simple *s) {
    s->kind = SK_ATTR;
    skip_ws(ps);
    if (!(s->name = sel_parse_ident(ps, true))) return false;
    skip_ws(ps);
    static const char ops[] = "^$*~|!";
    if (*ps->p == ']') {
        ps->p++;
        s->op = AO_EXISTS;
        return true;
    }
    if (*ps->p == '=') {
        s->op = AO_EQ;
        ps->p++;
    } else if (*ps->p && strchr(ops, *ps->p) && ps->p[1] == '=') {
        s->op = (unsigned char)(AO_PREFIX + (strchr(ops, *ps->p) - ops));
        ps->p += 2;
    } else {
        perr(ps, "expected an attribute operator or ']'");
        return false;
    }
    if (!(s->value = sel_parse_value(ps))) return false;
    skip_ws(ps);
    if (*ps->p == 'i' || *ps->p == 'I') {
        s->ci = 1;
        ps->p++;
        skip_ws(ps);
    }
    if (*ps->p != ']') {
        perr(ps, "expected ']'");
        return false;
    }
    ps->p++;
    return true;
}

static bool sel_parse_compound(parser *ps, compound *c) {
    const char *start = ps->p;
    for (;;) {
        simple s = {0};
        bool ok;
        char ch = *ps->p;
        if (ch == '*' && ps->p == start) {
            ps->p++;
            continue;
        }
        if (ch == '#') {
            ps->p++;
            s.kind = SK_ID;
            ok = (s.name = sel_parse_ident(ps, false)) != NULL;
        } else if (ch == '.') {
            ps->p++;
            s.kind = SK_CLASS;
            ok = (s.name = sel_parse_ident(ps, false)) != NULL;
        } else if (ch == '[') {
            ps->p++;
            ok = sel_parse_attr(ps, &s);
        } else if (ch == ':') {
            ps->p++;
            ok = sel_parse_pseudo(ps, &s);
        } else if (ps->p == start && ident_char(ch)) {
            s.kind = SK_TAG;
            ok = (s.name = sel_parse_ident(ps, true)) != NULL;
        } else break;
        simple *grown = ok ? realloc(c->s, (size_t)(c->n + 1) * sizeof *grown) : NULL;
        if (!grown) {
            simple_free(&s);
            if (ok) perr(ps, "out of memory");
            return false;
        }
        c->s = grown;
        c->s[c->n++] = s;
    }
    if (ps->p == start) {
        perr(ps, *ps->p ? "unexpected '%c'" : "selector ends early", *ps->p);
        return false;
    }
    return true;
}

static void complex_free(complex_sel *x) {
    for (int k = 0; k < x->n; k++) {
        for (int j = 0; j < x->c[k].n; j++) simple_free(&x->c[k].s[j]);
        free(x->c[k].s);
    }
    free(x->c);
}

static bool sel_parse_complex(parser *ps, complex_sel *x, char stop) {
    char comb = 0;
    for (;;) {
        compound c = {.comb = comb};
        compound *grown = realloc(x->c, (size_t)(x->n + 1) * sizeof *grown);
        if (!grown) {
            perr(ps, "out of memory");
            return false;
        }
        x->c = grown;
        bool ok = sel_parse_compound(ps, &c);
        x->c[x->n++] = c;
        if (!ok) return false;
        const char *before = ps->p;
        skip_ws(ps);
        char ch = *ps->p;
        if (!ch || ch == ',' || ch == stop) return true;
        if (ch == '>' || ch == '+' || ch == '~') {
            comb = ch;
            ps->p++;
            skip_ws(ps);
        } else if (ps->p > before) comb = ' ';
        else {
            perr(ps, "unexpected '%c'", ch);
            return false;
        }
    }
}

static html_sel *sel_parse_group(parser *ps, char stop) {
    html_sel *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    for (;;) {
        skip_ws(ps);
        complex_sel *grown = realloc(s->alt, (size_t)(s->n + 1) * sizeof *grown);
        if (!grown) {
            perr(ps, "out of memory");
            break;
        }
        s->alt = grown;
        s->alt[s->n] = (complex_sel){0};
        bool ok = sel_parse_complex(ps, &s->alt[s->n++], stop);
        if (!ok) break;
        skip_ws(ps);
        if (*ps->p != ',') return s;
        ps->p++;
    }
    html_sel_free(s);
    return NULL;
}

html_sel *html_sel_compile(const char *src, char *err, size_t errlen) {
    parser ps = {src, src, err, errlen, false};
    html_sel *s = sel_parse_group(&ps, 0);
    if (s && *ps.p) {
        perr(&ps, "unexpected '%c'", *ps.p);
        html_sel_free(s);
        return NULL;
    }
    if (!s && !ps.failed) perr(&ps, "out of memory");
    return s;
}

void html_sel_free(html_sel *s) {
    if (!s) return;
    for (int k = 0; k < s->n; k++) complex_free(&s->alt[k]);
    free(s->alt);
    free(s);
}

/* ---- matcher ---- */

static bool is_el(const html_doc *d, int i) { return i >= 0 && d->type[i] == HTML_ELEMENT; }

static int prev_el(const html_doc *d, int i) {
    do i = d->prev[i];
    while (i >= 0 && !is_el(d, i));
    return i;
}
static int next_el(const html_doc *d, int i) {
    do i = d->next[i];
    while (i >= 0 && !is_el(d, i));
    return i;
}

static bool attr_match(const simple *s, const char *v) {
    if (s->op == AO_EXISTS) return v != NULL;
    if (s->op == AO_NE) return !v || (s->ci ? strcasecmp(v, s->value) : strcmp(v, s->value)) != 0;
    if (!v) return false;
    int (*ncmp)(const char *, const char *, size_t) = s->ci ? strncasecmp : strncmp;
    size_t vl = strlen(v), wl = strlen(s->value);
    switch (s->op) {
    case AO_EQ: return vl == wl && ncmp(v, s->value, vl) == 0;
    case AO_PREFIX: return wl && vl >= wl && ncmp(v, s->value, wl) == 0;
    case AO_SUFFIX: return wl && vl >= wl && ncmp(v + vl - wl, s->value, wl) == 0;
    case AO_SUB:
        if (!wl) return false;
        for (size_t k = 0; k + wl <= vl; k++)
            if (ncmp(v + k, s->value, wl) == 0) return true;
        return false;
    case AO_WORD: /* one of the whitespace-separated words */
        if (!wl) return false;
        for (const char *p = v; *p;) {
            while (*p && isspace((unsigned char)*p)) p++;
            const char *w = p;
            while (*p && !isspace((unsigned char)*p)) p++;
            if ((size_t)(p - w) == wl && ncmp(w, s->value, wl) == 0) return true;
        }
        return false;
    case AO_DASH: return ncmp(v, s->value, wl) == 0 && (vl == wl || v[wl] == '-');
    default: return false;
    }
}

static bool nth_ok(int a, int b, int pos) {
    if (a == 0) return pos == b;
    return (pos - b) / a >= 0 && (pos - b) % a == 0;
}

/* 1-based position among element siblings (of the same type when same_type), from the end when back. */
static int position(const html_doc *d, int i, bool same_type, bool back) {
    int pos = 1;
    for (int k = back ? next_el(d, i) : prev_el(d, i); k >= 0; k = back ? next_el(d, k) : prev_el(d, k))
        if (!same_type || strcmp(d->tag[k], d->tag[i]) == 0) pos++;
    return pos;
}

static bool is_form_control(const char *tag) {
    static const char *const t[] = {"button", "input", "select", "textarea", "optgroup", "option", "fieldset", NULL};
    for (int k = 0; t[k]; k++)
        if (strcmp(tag, t[k]) == 0) return true;
    return false;
}

/* Disabled by its own attribute, an optgroup's, or a disabled fieldset's. */
static bool is_disabled(const html_doc *d, int i) {
    if (html_attr(d, i, "disabled")) return true;
    if (!strcmp(d->tag[i], "option") && is_el(d, d->parent[i]) && !strcmp(d->tag[d->parent[i]], "optgroup") &&
        html_attr(d, d->parent[i], "disabled"))
        return true;
    for (int p = d->parent[i]; is_el(d, p); p = d->parent[p])
        if (!strcmp(d->tag[p], "fieldset") && html_attr(d, p, "disabled")) return true;
    return false;
}

static bool text_contains(const html_doc *d, int i, const char *needle, bool own) {
    buf b = {0};
    if (own) {
        for (int c = html_first_child(d, i); c >= 0; c = d->next[c])
            if (d->type[c] == HTML_TEXT) buf_puts(&b, d->node[c]->v.text.text);
    } else {
        html_text(d, i, &b);
    }
    bool r = strstr(b.p ? b.p : "", needle) != NULL;
    buf_free(&b);
    return r;
}

static bool pseudo_match(const simple *s, const html_doc *d, int i) {
    const char *tag = d->tag[i];
    switch (s->pseudo) {
    case PS_FIRST_CHILD: return prev_el(d, i) < 0;
    case PS_LAST_CHILD: return next_el(d, i) < 0;
    case PS_ONLY_CHILD: return prev_el(d, i) < 0 && next_el(d, i) < 0;
    case PS_FIRST_TYPE: return position(d, i, true, false) == 1;
    case PS_LAST_TYPE: return position(d, i, true, true) == 1;
    case PS_ONLY_TYPE: return position(d, i, true, false) == 1 && position(d, i, true, true) == 1;
    case PS_NTH_CHILD: return nth_ok(s->a, s->b, position(d, i, false, false));
    case PS_NTH_LAST_CHILD: return nth_ok(s->a, s->b, position(d, i, false, true));
    case PS_NTH_TYPE: return nth_ok(s->a, s->b, position(d, i, true, false));
    case PS_NTH_LAST_TYPE: return nth_ok(s->a, s->b, position(d, i, true, true));
    case PS_NOT: return !html_sel_match(s->sub, d, i);
    case PS_HAS:
        for (int k = i + 1; k < d->end[i]; k++)
            if (is_el(d, k) && html_sel_match(s->sub, d, k)) return true;
        return false;
    case PS_CONTAINS: return text_contains(d, i, s->value, false);
    case PS_CONTAINS_OWN: return text_contains(d, i, s->value, true);
    case PS_CHECKED: {
        if (!strcmp(tag, "option")) return html_attr(d, i, "selected") != NULL;
        const char *t = html_attr(d, i, "type");
        return !strcmp(tag, "input") && t && (!strcasecmp(t, "checkbox") || !strcasecmp(t, "radio")) &&
               html_attr(d, i, "checked");
    }
    case PS_SELECTED: return !strcmp(tag, "option") && html_attr(d, i, "selected");
    case PS_DISABLED: return is_form_control(tag) && is_disabled(d, i);
    case PS_ENABLED: return is_form_control(tag) && !is_disabled(d, i);
    case PS_EMPTY:
        for (int c = html_first_child(d, i); c >= 0; c = d->next[c])
            if (d->type[c] == HTML_ELEMENT || (d->type[c] == HTML_TEXT && d->node[c]->v.text.text[0])) return false;
        return true;
    case PS_ROOT: return d->parent[i] == 0;
    default: return false;
    }
}

static bool class_has(const char *cls, const char *name) {
    if (!cls) return false;
    simple s = {.op = AO_WORD, .value = (char *)name};
    return attr_match(&s, cls);
}

static bool compound_match(const compound *c, const html_doc *d, int i) {
    if (!is_el(d, i)) return false;
    for (int k = 0; k < c->n; k++) {
        const simple *s = &c->s[k];
        bool ok;
        switch (s->kind) {
        case SK_TAG: ok = strcmp(d->tag[i], s->name) == 0; break;
        case SK_ID: {
            const char *id = html_attr(d, i, "id");
            ok = id && strcmp(id, s->name) == 0;
            break;
        }
        case SK_CLASS: ok = class_has(html_attr(d, i, "class"), s->name); break;
        case SK_ATTR: ok = attr_match(s, html_attr(d, i, s->name)); break;
        default: ok = pseudo_match(s, d, i); break;
        }
        if (!ok) return false;
    }
    return true;
}

/* Does compounds 0..j of x match with compound j on node i? */
static bool complex_match(const complex_sel *x, int j, const html_doc *d, int i) {
    if (!compound_match(&x->c[j], d, i)) return false;
    if (j == 0) return true;
    switch (x->c[j].comb) {
    case '>': return is_el(d, d->parent[i]) && complex_match(x, j - 1, d, d->parent[i]);
    case '+': {
        int p = prev_el(d, i);
        return p >= 0 && complex_match(x, j - 1, d, p);
    }
    case '~':
        for (int p = prev_el(d, i); p >= 0; p = prev_el(d, p))
            if (complex_match(x, j - 1, d, p)) return true;
        return false;
    default:
        for (int p = d->parent[i]; is_el(d, p); p = d->parent[p])
            if (complex_match(x, j - 1, d, p)) return true;
        return false;
    }
}

bool html_sel_match(const html_sel *s, const html_doc *d, int i) {
    if (i < 0 || i >= d->n) return false;
    for (int k = 0; k < s->n; k++)
        if (complex_match(&s->alt[k], s->alt[k].n - 1, d, i)) return true;
    return false;
}

int html_sel_find(const html_sel *s, const html_doc *d, int i, int **out, int *n, int *cap) {
    for (int k = i + 1; k < d->end[i]; k++) {
        if (!html_sel_match(s, d, k)) continue;
        if (*n == *cap) {
            int nc = *cap ? *cap * 2 : 16;
            int *g = realloc(*out, (size_t)nc * sizeof *g);
            if (!g) return -1;
            *out = g;
            *cap = nc;
        }
        (*out)[(*n)++] = k;
    }
    return 0;
}
