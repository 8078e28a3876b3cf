/* Byte buffer, JSON escaping/validation and URL/base64 decoding for the
 * target server. Written for echoing untrusted request data: every
 * function takes explicit lengths and tolerates any byte sequence. */
#include "target/target.h"

#include <stdlib.h>
#include <string.h>

/* ---- buffer ----------------------------------------------------------- */

static int target_buf_grow(struct target_buf *b, size_t extra)
{
    size_t cap;
    char *p;

    if (b->oom)
        return 0;
    if (b->cap - b->len >= extra)
        return 1;
    if (extra > SIZE_MAX / 2 - b->len) {
        b->oom = 1;
        return 0;
    }
    cap = b->cap ? b->cap : 256;
    while (cap - b->len < extra)
        cap *= 2;
    p = realloc(b->p, cap);
    if (!p) {
        b->oom = 1;
        return 0;
    }
    b->p = p;
    b->cap = cap;
    return 1;
}

void target_buf_put(struct target_buf *b, const void *p, size_t n)
{
    if (n == 0 || !target_buf_grow(b, n))
        return;
    memcpy(b->p + b->len, p, n);
    b->len += n;
}

void target_buf_puts(struct target_buf *b, const char *s)
{
    target_buf_put(b, s, strlen(s));
}

void target_buf_putc(struct target_buf *b, char c)
{
    if (!target_buf_grow(b, 1))
        return;
    b->p[b->len++] = c;
}

void target_buf_putu(struct target_buf *b, uint64_t v)
{
    char tmp[24];
    size_t i = sizeof(tmp);

    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    target_buf_put(b, tmp + i, sizeof(tmp) - i);
}

void target_buf_free(struct target_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof(*b));
}

/* ---- JSON strings ----------------------------------------------------- */

/* Length of the well-formed UTF-8 sequence at s (overlongs, surrogates and
 * code points past U+10FFFF are rejected), or 0. */
static size_t target_utf8_len(const unsigned char *s, size_t n)
{
    unsigned cp, min;
    size_t len, i;

    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        len = 2, cp = s[0] & 0x1fu, min = 0x80;
    } else if ((s[0] & 0xf0) == 0xe0) {
        len = 3, cp = s[0] & 0x0fu, min = 0x800;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        len = 4, cp = s[0] & 0x07u, min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3fu);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

static void target_json_esc(struct target_buf *b, unsigned char c)
{
    static const char hex[] = "0123456789abcdef";
    char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};

    switch (c) {
    case '"':  target_buf_put(b, "\\\"", 2); return;
    case '\\': target_buf_put(b, "\\\\", 2); return;
    case '\n': target_buf_put(b, "\\n", 2); return;
    case '\r': target_buf_put(b, "\\r", 2); return;
    case '\t': target_buf_put(b, "\\t", 2); return;
    case '\b': target_buf_put(b, "\\b", 2); return;
    case '\f': target_buf_put(b, "\\f", 2); return;
    default:   target_buf_put(b, e, 6); return;
    }
}

void target_json_str(struct target_buf *b, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n, *run;
    size_t l;

    target_buf_putc(b, '"');
    while (p < end) {
        /* Copy runs of plain ASCII in one go: the common case. */
        run = p;
        while (p < end && *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\')
            p++;
        target_buf_put(b, run, (size_t)(p - run));
        if (p == end)
            break;
        if (*p >= 0x80 && (l = target_utf8_len(p, (size_t)(end - p))) > 0) {
            target_buf_put(b, p, l);
            p += l;
            continue;
        }
        target_json_esc(b, *p++);
    }
    target_buf_putc(b, '"');
}

/* Value of a hex digit or -1; for \uXXXX checks and percent-decoding. */
static int target_hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* ---- JSON validation -------------------------------------------------- */

#define TARGET_JSON_DEPTH 256

struct target_jp {
    const unsigned char *p, *end;
    int depth;
};

static int target_jp_value(struct target_jp *j);

static void target_jp_ws(struct target_jp *j)
{
    while (j->p < j->end &&
           (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
        j->p++;
}

static int target_jp_lit(struct target_jp *j, const char *lit)
{
    size_t n = strlen(lit);

    if ((size_t)(j->end - j->p) < n || memcmp(j->p, lit, n) != 0)
        return 0;
    j->p += n;
    return 1;
}

static int target_jp_digits(struct target_jp *j)
{
    const unsigned char *start = j->p;

    while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
        j->p++;
    return j->p > start;
}

static int target_jp_number(struct target_jp *j)
{
    if (j->p < j->end && *j->p == '-')
        j->p++;
    if (j->p < j->end && *j->p == '0')
        j->p++;
    else if (!target_jp_digits(j))
        return 0;
    if (j->p < j->end && *j->p == '.') {
        j->p++;
        if (!target_jp_digits(j))
            return 0;
    }
    if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
        j->p++;
        if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
            j->p++;
        if (!target_jp_digits(j))
            return 0;
    }
    return 1;
}

static int target_jp_escape(struct target_jp *j)
{
    int i;

    if (j->p >= j->end)
        return 0;
    if (*j->p && strchr("\"\\/bfnrt", *j->p)) {
        j->p++;
        return 1;
    }
    if (*j->p++ != 'u' || j->end - j->p < 4)
        return 0;
    for (i = 0; i < 4; i++, j->p++)
        if (target_hexval(*j->p) < 0)
            return 0;
    return 1;
}

static int target_jp_string(struct target_jp *j)
{
    size_t l;

    j->p++; /* opening quote */
    while (j->p < j->end) {
        unsigned char c = *j->p;

        if (c == '"') {
            j->p++;
            return 1;
        }
        if (c < 0x20)
            return 0;
        if (c == '\\') {
            j->p++;
            if (!target_jp_escape(j))
                return 0;
            continue;
        }
        /* Invalid UTF-8 would make the echoed document invalid. */
        l = target_utf8_len(j->p, (size_t)(j->end - j->p));
        if (l == 0)
            return 0;
        j->p += l;
    }
    return 0;
}

/* Parses the members of an object (close '}') or array (close ']'). */
static int target_jp_members(struct target_jp *j, unsigned char close)
{
    j->p++;
    target_jp_ws(j);
    if (j->p < j->end && *j->p == close) {
        j->p++;
        return 1;
    }
    for (;;) {
        target_jp_ws(j);
        if (close == '}') {
            if (j->p >= j->end || *j->p != '"' || !target_jp_string(j))
                return 0;
            target_jp_ws(j);
            if (j->p >= j->end || *j->p++ != ':')
                return 0;
        }
        if (!target_jp_value(j))
            return 0;
        target_jp_ws(j);
        if (j->p >= j->end)
            return 0;
        if (*j->p == close) {
            j->p++;
            return 1;
        }
        if (*j->p++ != ',')
            return 0;
    }
}

static int target_jp_value(struct target_jp *j)
{
    int ok;

    target_jp_ws(j);
    if (j->p >= j->end)
        return 0;
    switch (*j->p) {
    case '{':
    case '[':
        if (++j->depth > TARGET_JSON_DEPTH)
            return 0;
        ok = target_jp_members(j, *j->p == '{' ? '}' : ']');
        j->depth--;
        return ok;
    case '"': return target_jp_string(j);
    case 't': return target_jp_lit(j, "true");
    case 'f': return target_jp_lit(j, "false");
    case 'n': return target_jp_lit(j, "null");
    default:  return target_jp_number(j);
    }
}

int target_json_container(const char *s, size_t n)
{
    struct target_jp j = {(const unsigned char *)s,
                          (const unsigned char *)s + n, 0};

    target_jp_ws(&j);
    if (j.p >= j.end || (*j.p != '{' && *j.p != '['))
        return 0;
    if (!target_jp_value(&j))
        return 0;
    target_jp_ws(&j);
    return j.p == j.end;
}

/* ---- URL and base64 --------------------------------------------------- */

size_t target_url_decode(char *s, size_t n, int plus)
{
    size_t i, o = 0;
    int hi, lo;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c == '%' && i + 2 < n &&
            (hi = target_hexval((unsigned char)s[i + 1])) >= 0 &&
            (lo = target_hexval((unsigned char)s[i + 2])) >= 0) {
            c = (unsigned char)(hi << 4 | lo);
            i += 2;
        } else if (c == '+' && plus) {
            c = ' ';
        }
        s[o++] = (char)c;
    }
    return o;
}

void target_url_encode(struct target_buf *b, const char *s, size_t n,
                       const char *keep)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char e[3] = {'%', hex[c >> 4], hex[c & 15]};

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
            c == '~' || (c && keep && strchr(keep, c)))
            target_buf_putc(b, (char)c);
        else
            target_buf_put(b, e, 3);
    }
}

static int target_b64val(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

long target_base64_decode(const char *s, size_t n, unsigned char *out)
{
    unsigned long acc = 0;
    long o = 0;
    size_t i;
    int bits = 0, v;

    while (n > 0 && s[n - 1] == '=')
        n--;
    for (i = 0; i < n; i++) {
        if ((v = target_b64val((unsigned char)s[i])) < 0)
            return -1;
        acc = (acc << 6 | (unsigned long)v) & 0xffffff;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits);
        }
    }
    /* A single leftover sextet cannot encode a byte. */
    return bits >= 6 ? -1 : o;
}
