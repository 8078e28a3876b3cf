/* A URL reference resolved against a base as Go's url.Parse +
 * URL.ResolveReference + URL.String do (RFC 3986, 5.2), which is how k6
 * follows a Location header (net/http's redirect) and resolves links and
 * form actions (Response.clickLink/submitForm, k6/html's href/action). */
#include "util/urlref.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "util/log.h"

typedef struct {
    const char *p;
    size_t n;
} span;

/* The parts url.Parse splits a reference into. */
typedef struct {
    span scheme, auth, path, query, frag;
    bool has_scheme, has_auth, has_query, has_frag, opaque;
} uref;

static void uref_split(const char *u, uref *r) {
    memset(r, 0, sizeof *r);
    size_t n = strlen(u);
    const char *hash = memchr(u, '#', n);
    if (hash) {
        r->has_frag = true;
        r->frag = (span){hash + 1, (size_t)(u + n - hash - 1)};
        n = (size_t)(hash - u);
    }
    /* getScheme: a letter, then letters, digits, '+', '-', '.' up to ':' */
    size_t i = 0;
    if (n && isalpha((unsigned char)u[0])) {
        for (i = 1; i < n && (isalnum((unsigned char)u[i]) || u[i] == '+' || u[i] == '-' || u[i] == '.'); i++) {}
        if (i < n && u[i] == ':') {
            r->has_scheme = true;
            r->scheme = (span){u, i};
            i++;
        } else {
            i = 0;
        }
    }
    const char *rest = u + i;
    size_t rn = n - i;
    const char *q = memchr(rest, '?', rn);
    if (q) {
        r->has_query = true;
        r->query = (span){q + 1, (size_t)(rest + rn - q - 1)};
        rn = (size_t)(q - rest);
    }
    if (r->has_scheme && (rn == 0 || rest[0] != '/')) { r->opaque = rn > 0; /* "mailto:x": kept as it is */ }
    if (rn >= 2 && rest[0] == '/' && rest[1] == '/' && (r->has_scheme || rn < 3 || rest[2] != '/')) {
        const char *a = rest + 2;
        size_t an = strcspn(a, "/");
        if (an > rn - 2) an = rn - 2;
        r->has_auth = true;
        r->auth = (span){a, an};
        rest = a + an;
        rn -= 2 + an;
    }
    r->path = (span){rest, rn};
}

/* Go's resolvePath: the merged path with "." and ".." segments removed.
 * -1 when out of memory (its room is taken first: the appends below cannot fail). */
static int resolve_path(buf *out, span base, span ref) {
    span a = base, b = {0}; /* full = a + b */
    if (ref.n && ref.p[0] == '/') {
        a = ref;
    } else if (ref.n) {
        while (a.n && a.p[a.n - 1] != '/') a.n--;
        b = ref;
    }
    size_t fn = a.n + b.n;
    if (fn == 0) return 0;
    char *full = malloc(fn);
    if (!full || buf_reserve(out, fn + 2)) {
        free(full);
        return -1;
    } /* at most '/' + full + '/' */
    if (a.n) memcpy(full, a.p, a.n);
    if (b.n) memcpy(full + a.n, b.p, b.n);
    size_t start = out->len;
    buf_append(out, "/", 1);
    bool first = true;
    const char *s = full, *end = full + fn;
    span elem = {0};
    for (bool found = true; found;) {
        const char *slash = memchr(s, '/', (size_t)(end - s));
        found = slash != NULL;
        elem = (span){s, (size_t)((found ? slash : end) - s)};
        s = found ? slash + 1 : end;
        if (elem.n == 1 && elem.p[0] == '.') {
            first = false;
        } else if (elem.n == 2 && elem.p[0] == '.' && elem.p[1] == '.') {
            /* drop the last segment written, not the leading '/' */
            size_t k = out->len;
            while (k > start + 1 && out->p[k - 1] != '/') k--;
            if (k > start + 1) {
                out->len = k - 1;
            } else {
                out->len = start + 1;
                first = true;
            }
            out->p[out->len] = 0;
        } else {
            if (!first) buf_append(out, "/", 1);
            buf_append(out, elem.p, elem.n);
            first = false;
        }
    }
    if ((elem.n == 1 && elem.p[0] == '.') || (elem.n == 2 && elem.p[0] == '.' && elem.p[1] == '.'))
        buf_append(out, "/", 1);
    if (out->len - start > 1 && out->p[start + 1] == '/') { /* one leading '/', not two */
        memmove(out->p + start, out->p + start + 1, out->len - start - 1);
        out->len--;
        out->p[out->len] = 0;
    }
    free(full);
    return 0;
}

/* Bytes Go's EscapedPath would not leave as they are (spaces, controls,
 * non-ASCII, and the few ASCII characters invalid in a path), escaped. */
static void put_escaped(buf *out, const char *p, size_t n) {
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c <= 0x20 || c >= 0x7f || strchr("\"<>\\^`{|}", c)) {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            buf_append(out, e, 3);
        } else {
            buf_append(out, p + i, 1);
        }
    }
}

int url_resolve(buf *out, const char *base, const char *ref) {
    uref b, r;
    uref_split(base, &b);
    uref_split(ref, &r);
    if (r.opaque) return buf_puts(out, ref);
    span scheme = r.has_scheme ? r.scheme : b.scheme;
    bool has_scheme = r.has_scheme || b.has_scheme;
    bool abs = r.has_scheme || r.has_auth;
    span auth = abs ? r.auth : b.auth;
    bool has_auth = abs ? r.has_auth : b.has_auth;
    span query = r.query, frag = r.frag;
    bool has_query = r.has_query, has_frag = r.has_frag;
    if (!abs && r.path.n == 0 && !r.has_query) {
        query = b.query;
        has_query = b.has_query;
        if (!r.has_frag) {
            frag = b.frag;
            has_frag = b.has_frag;
        }
    }
    buf path = {0};
    /* the room for all of it first, so that the appends below cannot fail */
    if ((abs ? resolve_path(&path, r.path, (span){0}) : resolve_path(&path, b.path, r.path)) ||
        buf_reserve(out, scheme.n + auth.n + 3 * (path.len + query.n + frag.n) + 8)) {
        buf_free(&path);
        return -1;
    }
    out->p[out->len] = 0; /* terminated even when nothing is appended */
    if (has_scheme) {
        buf_append(out, scheme.p, scheme.n);
        buf_append(out, ":", 1);
    }
    if (has_auth && (auth.n || path.len)) buf_append(out, "//", 2);
    if (has_auth) buf_append(out, auth.p, auth.n);
    if (path.len && path.p[0] != '/' && auth.n) buf_append(out, "/", 1);
    put_escaped(out, path.p, path.len);
    if (has_query) {
        buf_append(out, "?", 1);
        put_escaped(out, query.p, query.n);
    }
    if (has_frag && frag.n) {
        buf_append(out, "#", 1);
        put_escaped(out, frag.p, frag.n);
    }
    buf_free(&path);
    return 0;
}

/* ---- what url.Parse refuses ---- */

static bool uref_hex(char c) { return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f'); }

/* Go's unescape() checks: every '%' starts a two-digit escape (in a host,
 * of a byte >= 0x80 or "%25"), and a host holds no byte Go would escape. */
static void uref_unescape_check(buf *why, const char *s, size_t n, bool host) {
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%') {
            bool bad = i + 2 >= n || !uref_hex(s[i + 1]) || !uref_hex(s[i + 2]);
            /* in a host only bytes >= 0x80 are escaped, and "%25" (RFC 6874 zones) */
            if (!bad && host && s[i + 1] >= '0' && s[i + 1] <= '7' && !(s[i + 1] == '2' && s[i + 2] == '5')) bad = true;
            if (bad) {
                buf_puts(why, "invalid URL escape ");
                log_quote(why, s + i, n - i < 3 ? n - i : 3);
                return;
            }
            i += 2;
        } else if (host && c < 0x80 && (c == ' ' || strchr("\\^`{|}", c))) {
            buf_puts(why, "invalid character ");
            log_quote(why, s + i, 1);
            buf_puts(why, " in host name");
            return;
        }
    }
}

/* validOptionalPort: "" or ':' and digits. */
static bool uref_port_ok(const char *s, size_t n) {
    if (n == 0) return true;
    if (s[0] != ':') return false;
    for (size_t i = 1; i < n; i++)
        if (s[i] < '0' || s[i] > '9') return false;
    return true;
}

static void uref_host_check(buf *why, const char *h, size_t n) {
    const char *port = NULL;
    if (n && h[0] == '[') {
        const char *rb = NULL;
        for (size_t i = 0; i < n; i++)
            if (h[i] == ']') rb = h + i;
        if (!rb) {
            buf_puts(why, "missing ']' in host");
            return;
        }
        port = rb + 1;
    } else {
        for (size_t i = 0; i < n; i++)
            if (h[i] == ':') port = h + i;
    }
    if (port && !uref_port_ok(port, (size_t)(h + n - port))) {
        buf_puts(why, "invalid port ");
        log_quote(why, port, (size_t)(h + n - port));
        buf_puts(why, " after host");
        return;
    }
    uref_unescape_check(why, h, n, true);
}

/* Go's url.parse(rawURL, viaRequest=false), the checks only: why it fails, in why. */
static void uref_parse_check(buf *why, const char *u, size_t n) {
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)u[i];
        if (c < 0x20 || c == 0x7f) {
            buf_puts(why, "net/url: invalid control character in URL");
            return;
        }
    }
    if (n == 1 && u[0] == '*') return;
    /* getScheme */
    bool scheme = false;
    size_t i = 0;
    for (; i < n; i++) {
        char c = u[i];
        if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') continue;
        if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.') {
            if (i == 0) break;
            continue;
        }
        if (c == ':') {
            if (i == 0) {
                buf_puts(why, "missing protocol scheme");
                return;
            }
            scheme = true;
        }
        break;
    }
    const char *rest = scheme ? u + i + 1 : u;
    size_t rn = (size_t)(u + n - rest);
    const char *q = memchr(rest, '?', rn);
    if (q) rn = (size_t)(q - rest); /* a lone trailing '?' is cut as well */
    if (rn == 0 || rest[0] != '/') {
        if (scheme) return; /* opaque */
        const char *slash = memchr(rest, '/', rn);
        if (memchr(rest, ':', (size_t)((slash ? slash : rest + rn) - rest))) {
            buf_puts(why, "first path segment in URL cannot contain colon");
            return;
        }
    }
    if ((scheme || !(rn >= 3 && !memcmp(rest, "///", 3))) && rn >= 2 && rest[0] == '/' && rest[1] == '/') {
        const char *a = rest + 2, *ae = memchr(a, '/', rn - 2);
        if (!ae) ae = rest + rn;
        const char *at = NULL;
        for (const char *s = a; s < ae; s++)
            if (*s == '@') at = s;
        uref_host_check(why, at ? at + 1 : a, (size_t)(ae - (at ? at + 1 : a)));
        if (why->len) return;
        if (at) {
            for (const char *s = a; s < at; s++) {
                unsigned char c = (unsigned char)*s;
                if (!(isalnum(c) && c < 0x80) && !strchr("-._:~!$&'()*+,;=%@", c)) {
                    buf_puts(why, "net/url: invalid userinfo");
                    return;
                }
            }
            uref_unescape_check(why, a, (size_t)(at - a), false);
            if (why->len) return;
        }
        rn -= (size_t)(ae - rest);
        rest = ae;
    }
    uref_unescape_check(why, rest, rn, false);
}

int url_parse_error(buf *out, const char *ref) {
    size_t n = strlen(ref);
    const char *hash = memchr(ref, '#', n);
    size_t un = hash ? (size_t)(hash - ref) : n;
    buf why = {0};
    uref_parse_check(&why, ref, un);
    bool whole = false;
    if (!why.len && hash) {
        uref_unescape_check(&why, hash + 1, n - un - 1, false);
        whole = true; /* a fragment's error quotes the whole URL */
    }
    if (!why.len) return 0;
    buf_puts(out, "parse ");
    log_quote(out, ref, whole ? n : un);
    buf_puts(out, ": ");
    buf_append(out, why.p, why.len);
    buf_free(&why);
    return 1;
}
