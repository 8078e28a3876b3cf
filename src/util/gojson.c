/* Go's encoding/json scanner as a syntax check, with its error texts and
 * the offset json.SyntaxError reports. Shared by the REST API (k6's
 * status documents) and k6/http's Response.json(). */
#include "util/gojson.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "util/err.h"

#define GOJSON_MAX_DEPTH 10000

typedef struct {
    const unsigned char *p, *end;
    char *err;
    size_t errlen;
    int depth;
} jscan;

/* Go's quoteChar(): the offending byte as strconv.Quote shows the rune of
 * that number, between single quotes. */
static void jx_quote(unsigned char c, char out[16])
{
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
    if (esc)
        snprintf(out, 16, "'%s'", esc);
    else if (c < 0x20 || c == 0x7f)
        snprintf(out, 16, "'\\x%02x'", c);
    else if (c < 0x80)
        snprintf(out, 16, "'%c'", c);
    else if (c <= 0xa0 || c == 0xad)   /* not printable in Go's tables */
        snprintf(out, 16, "'\\u%04x'", c);
    else                                /* U+00A1..U+00FF as UTF-8 */
        snprintf(out, 16, "'%c%c'", 0xc0 | (c >> 6), 0x80 | (c & 0x3f));
}

/* At the end of input Go's scanner is fed one space: where a space is
 * wrong, that is the error it reports, else "unexpected end". */
static unsigned char jx_cur(const jscan *s) { return s->p < s->end ? *s->p : ' '; }

static int jx_bad(jscan *s, const char *context)
{
    char q[16];
    jx_quote(jx_cur(s), q);
    return err_set(s->err, s->errlen, "invalid character %s %s", q, context);
}

static int jx_eof(jscan *s)
{
    return err_set(s->err, s->errlen, "unexpected end of JSON input");
}

static void jx_ws(jscan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
        s->p++;
}

static int jx_value(jscan *s);

static int jx_literal(jscan *s, const char *word)
{
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

static void jx_digits(jscan *s)
{
    while (s->p < s->end && isdigit(*s->p)) s->p++;
}

static int jx_number(jscan *s)
{
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

static int jx_string(jscan *s)
{
    for (s->p++; s->p < s->end; s->p++) {
        unsigned char c = *s->p;
        if (c == '"') { s->p++; return 0; }
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
static int jx_container(jscan *s, unsigned char close)
{
    if (++s->depth > GOJSON_MAX_DEPTH) return jx_bad(s, "exceeded max depth");
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
        if (*s->p != ',')
            return jx_bad(s, close == '}' ? "after object key:value pair" : "after array element");
        s->p++;
    }
    s->p++;
    s->depth--;
    return 0;
}

static int jx_value(jscan *s)
{
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

int gojson_check(const char *str, size_t n, char *err, size_t errlen, size_t *offset)
{
    jscan s = {(const unsigned char *)str, (const unsigned char *)str + n, err, errlen, 0};
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
