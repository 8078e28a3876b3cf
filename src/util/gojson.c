/* Go's encoding/json scanner as a syntax check, with its error texts and
 * the offset json.SyntaxError reports, and a reader for checked text.
 * Shared by the REST API (k6's status documents, on both ends),
 * k6/http's Response.json() and the target's echo of JSON bodies. */
#include "util/gojson.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

typedef struct {
    const unsigned char *p, *end;
    char *err;
    size_t errlen;
    int depth, max_depth;
} jscan;

/* Go's quoteChar(): the offending byte as strconv.Quote shows the rune of
 * that number, between single quotes. */
static void jx_quote(unsigned char c, char out[16]) {
    const char *esc = NULL;
    switch (c) {
    case '\'': esc = "\\'"; break;
    case '"': esc = "\""; break;
    case '\\': esc = "\\\\"; break;
    case '\a': esc = "\\a"; break;
    case '\b': esc = "\\b"; break;
    case '\f': esc = "\\f"; break;
    case '\n': esc = "\\n"; break;
    case '\r': esc = "\\r"; break;
    case '\t': esc = "\\t"; break;
    case '\v': esc = "\\v"; break;
    }
    if (esc) snprintf(out, 16, "'%s'", esc);
    else if (c < 0x20 || c == 0x7f) snprintf(out, 16, "'\\x%02x'", c);
    else if (c < 0x80) snprintf(out, 16, "'%c'", c);
    else if (c <= 0xa0 || c == 0xad) /* not printable in Go's tables */ snprintf(out, 16, "'\\u%04x'", c);
    else /* U+00A1..U+00FF as UTF-8 */ snprintf(out, 16, "'%c%c'", 0xc0 | (c >> 6), 0x80 | (c & 0x3f));
}

/* At the end of input Go's scanner is fed one space: where a space is
 * wrong, that is the error it reports, else "unexpected end". */
static unsigned char jx_cur(const jscan *s) { return s->p < s->end ? *s->p : ' '; }

static int jx_bad(jscan *s, const char *context) {
    char q[16];
    jx_quote(jx_cur(s), q);
    return err_set(s->err, s->errlen, "invalid character %s %s", q, context);
}

static int jx_eof(jscan *s) { return err_set(s->err, s->errlen, "unexpected end of JSON input"); }

static bool jx_is_ws(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static void jx_ws(jscan *s) {
    while (s->p < s->end && jx_is_ws(*s->p)) s->p++;
}

static int jx_value(jscan *s);

static int jx_literal(jscan *s, const char *word) {
    for (const char *w = word + 1; *w; w++) {
        s->p++;
        if (jx_cur(s) != (unsigned char)*w) {
            char ctx[48];
            snprintf(ctx, sizeof ctx, "in literal %s (expecting '%c')", word, *w);
            return jx_bad(s, ctx);
        }
    }
    s->p++;
    return 0;
}

static void jx_digits(jscan *s) {
    while (s->p < s->end && isdigit(*s->p)) s->p++;
}

static int jx_number(jscan *s) {
    if (*s->p == '-') {
        s->p++;
        if (!isdigit(jx_cur(s))) return jx_bad(s, "in numeric literal");
    }
    if (*s->p == '0') s->p++;
    else jx_digits(s);
    if (s->p < s->end && *s->p == '.') {
        s->p++;
        if (!isdigit(jx_cur(s))) return jx_bad(s, "after decimal point in numeric literal");
        jx_digits(s);
    }
    if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
        s->p++;
        if (jx_cur(s) == '+' || jx_cur(s) == '-') s->p++;
        if (!isdigit(jx_cur(s))) return jx_bad(s, "in exponent of numeric literal");
        jx_digits(s);
    }
    return 0;
}

static int jx_string(jscan *s) {
    for (s->p++; s->p < s->end; s->p++) {
        unsigned char c = *s->p;
        if (c == '"') {
            s->p++;
            return 0;
        }
        if (c < 0x20) return jx_bad(s, "in string literal");
        if (c != '\\') continue;
        s->p++;
        c = jx_cur(s);
        if (c == 'u') {
            for (int i = 0; i < 4; i++) {
                s->p++;
                if (!isxdigit(jx_cur(s))) return jx_bad(s, "in \\u hexadecimal character escape");
            }
        } else if (c == '\0' || !strchr("\"\\/bfnrt", c) || s->p == s->end) {
            return jx_bad(s, "in string escape code");
        }
    }
    return jx_eof(s);
}

/* Object or array after its opening byte; close is '}' or ']'. */
static int jx_container(jscan *s, unsigned char close) {
    if (++s->depth > s->max_depth) return jx_bad(s, "exceeded max depth");
    s->p++;
    for (bool first = true;; first = false) {
        jx_ws(s);
        if (s->p == s->end) return jx_eof(s);
        if (first && *s->p == close) break;
        if (close == '}') {
            if (*s->p != '"') return jx_bad(s, "looking for beginning of object key string");
            if (jx_string(s)) return -1;
            jx_ws(s);
            if (s->p == s->end) return jx_eof(s);
            if (*s->p != ':') return jx_bad(s, "after object key");
            s->p++;
        }
        if (jx_value(s)) return -1;
        jx_ws(s);
        if (s->p == s->end) return jx_eof(s);
        if (*s->p == close) break;
        if (*s->p != ',') return jx_bad(s, close == '}' ? "after object key:value pair" : "after array element");
        s->p++;
    }
    s->p++;
    s->depth--;
    return 0;
}

static int jx_value(jscan *s) {
    jx_ws(s);
    if (s->p == s->end) return jx_eof(s);
    switch (*s->p) {
    case '{': return jx_container(s, '}');
    case '[': return jx_container(s, ']');
    case '"': return jx_string(s);
    case 't': return jx_literal(s, "true");
    case 'f': return jx_literal(s, "false");
    case 'n': return jx_literal(s, "null");
    }
    if (*s->p == '-' || isdigit(*s->p)) return jx_number(s);
    return jx_bad(s, "looking for beginning of value");
}

int gojson_check(const char *str, size_t n, char *err, size_t errlen, size_t *offset) {
    return gojson_check_depth(str, n, GOJSON_MAX_DEPTH, err, errlen, offset);
}

int gojson_check_depth(const char *str, size_t n, int max_depth, char *err, size_t errlen, size_t *offset) {
    jscan s = {(const unsigned char *)str, (const unsigned char *)str + n, err, errlen, 0, max_depth};
    int rc = jx_value(&s);
    if (!rc) {
        jx_ws(&s);
        if (s.p != s.end) rc = jx_bad(&s, "after top-level value");
    }
    /* Go's SyntaxError.Offset: the bytes read, the bad one included (all
     * of them when the end came first) */
    if (rc && offset) *offset = s.p < s.end ? (size_t)(s.p - (const unsigned char *)str) + 1 : n;
    return rc;
}

/* ======================================================================
 * Reading checked text
 * ==================================================================== */

static void jr_ws(gojson_rd *j) {
    while (j->p < j->end && jx_is_ws((unsigned char)*j->p)) j->p++;
}

char gojson_peek(gojson_rd *j) {
    jr_ws(j);
    return *j->p;
}

const char *gojson_kind(gojson_rd *j) {
    switch (gojson_peek(j)) {
    case '{': return "object";
    case '[': return "array";
    case '"': return "string";
    case 't':
    case 'f': return "bool";
    case 'n': return "null";
    }
    return "number";
}

void gojson_skip(gojson_rd *j) {
    jr_ws(j);
    char c = *j->p;
    if (c == '"') {
        for (j->p++; *j->p != '"'; j->p++)
            if (*j->p == '\\') j->p++;
        j->p++;
    } else if (c == '{' || c == '[') {
        int depth = 0;
        do {
            if (*j->p == '"') {
                gojson_skip(j);
                continue;
            }
            if (*j->p == '{' || *j->p == '[') depth++;
            else if (*j->p == '}' || *j->p == ']') depth--;
            j->p++;
        } while (depth > 0);
    } else {
        while (j->p < j->end && !strchr(" \t\r\n,]}", *j->p)) j->p++;
    }
}

size_t gojson_token(gojson_rd *j, const char **start) {
    jr_ws(j);
    *start = j->p;
    gojson_skip(j);
    return (size_t)(j->p - *start);
}

/* Decodes the string at j into out (see gojson_next_key). */
static void jr_key(gojson_rd *j, char *out, size_t cap) {
    size_t n = 0;
    jr_ws(j);
    for (j->p++; *j->p != '"'; j->p++) {
        char c = *j->p;
        if (c == '\\') {
            c = *++j->p;
            switch (c) {
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'n': c = '\n'; break;
            case 'r': c = '\r'; break;
            case 't': c = '\t'; break;
            case 'u': {
                unsigned cp = (unsigned)strtoul((char[5]){j->p[1], j->p[2], j->p[3], j->p[4], 0}, NULL, 16);
                j->p += 4;
                c = cp && cp < 0x80 ? (char)cp : '\x7f';
                break;
            }
            }
        }
        if (n + 1 < cap) out[n++] = c;
    }
    j->p++;
    out[n] = '\0';
}

bool gojson_next_key(gojson_rd *j, char *key, size_t cap) {
    jr_ws(j);
    if (*j->p == '{' || *j->p == ',') j->p++;
    jr_ws(j);
    if (*j->p == '}') {
        j->p++;
        return false;
    }
    jr_key(j, key, cap);
    jr_ws(j);
    j->p++; /* ':' */
    return true;
}
