/* URL splitting (see url.h). */
#include "util/url.h"

#include <string.h>

/* Bytes that end or split the authority part of a URL. A table lookup per
 * byte: this scan runs on every request. */
enum { A_END = 1, A_AT, A_COLON };
static const unsigned char url_auth_class[256] = {
    [0] = A_END, ['/'] = A_END, ['?'] = A_END, ['#'] = A_END, ['@'] = A_AT, [':'] = A_COLON,
};

/* "scheme://": the scheme's length, or 0. RFC 3986: a letter, then
 * letters, digits, '+', '-', '.'. */
static size_t url_scheme(const char *s) {
    size_t i = 0;
    for (;; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') continue;
        if (i && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.')) continue;
        break;
    }
    return i && s[i] == ':' && s[i + 1] == '/' && s[i + 2] == '/' ? i : 0;
}

static int url_hexval(unsigned char c) {
    if (c >= '0' && c <= '9') return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

size_t url_unescape(char *out, size_t cap, const char *s, size_t n, int plus) {
    size_t o = 0;
    for (size_t i = 0; i < n && o < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        int hi, lo;
        if (c == '%' && i + 2 < n && (hi = url_hexval((unsigned char)s[i + 1])) >= 0 &&
            (lo = url_hexval((unsigned char)s[i + 2])) >= 0) {
            c = (unsigned char)(hi << 4 | lo);
            i += 2;
        } else if (c == '+' && plus) {
            c = ' ';
        }
        out[o++] = (char)c;
    }
    return o;
}

const char *url_split(const char *url, url_parts *u) {
    if (!url) return "unsupported protocol scheme";
    /* http and https first, by hand: this runs per request */
    size_t sl = 0;
    int ht = (url[0] | 0x20) == 'h' && (url[1] | 0x20) == 't' && (url[2] | 0x20) == 't' && (url[3] | 0x20) == 'p';
    if (ht && url[4] == ':') sl = 4;
    else if (ht && (url[4] | 0x20) == 's' && url[5] == ':') sl = 5;
    if (!sl || url[sl + 1] != '/' || url[sl + 2] != '/') {
        if (!(sl = url_scheme(url))) return "unsupported protocol scheme";
        ht = 0;
    }
    u->scheme = url;
    u->scheme_len = sl;
    int w = !ht && (url[0] | 0x20) == 'w' && (url[1] | 0x20) == 's' && (sl == 2 || (sl == 3 && (url[2] | 0x20) == 's'));
    u->tls = sl == 5 ? ht : sl == 3 && w;
    u->kind = ht ? 'h' : w ? 'w' : 0;
    u->port = u->tls ? 443 : u->kind ? 80 : 0;
    u->userinfo = NULL;
    u->userinfo_len = 0;
    const char *a = url + sl + 3, *s, *p, *colon = NULL;
    unsigned char k;
    for (s = a;; s++) {
        while (!url_auth_class[(unsigned char)*s]) s++;
        if ((k = url_auth_class[(unsigned char)*s]) == A_END) break;
        if (k == A_AT) { /* user:pass@: the last '@' ends it, as Go's */
            u->userinfo = url + sl + 3;
            u->userinfo_len = (size_t)(s - u->userinfo);
            a = s + 1;
            colon = NULL;
            continue;
        }
        colon = s;
    }
    u->ipv6 = *a == '[';
    if (u->ipv6) {
        const char *close = memchr(a, ']', (size_t)(s - a));
        if (!close) return "missing ']' in host";
        u->host = a + 1;
        p = close + 1;
    } else {
        p = colon ? colon : s;
        u->host = a;
    }
    u->hostlen = (size_t)(p - u->host) - (size_t)u->ipv6;
    if (u->hostlen == 0) return "missing host";
    if (p < s) {
        if (*p++ != ':') return "invalid port";
        if (p < s) {
            int port = 0;
            for (; p < s; p++) {
                if (*p < '0' || *p > '9' || (port = port * 10 + (*p - '0')) > 65535) return "invalid port";
            }
            if (port == 0) return "invalid port";
            u->port = port;
        }
    }
    u->rest = s;
    return NULL;
}
