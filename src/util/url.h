/* The program's one URL splitter (and util/urlref.h its one RFC 3986
 * resolver): scheme://[userinfo@]host[:port][path][?query][#fragment] cut
 * into pointers into the string, nothing copied. Error texts are Go's
 * url.Parse reasons, as k6 shows them ("parse \"URL\": <why>").
 *
 * It runs on every HTTP request (net/client.c): one table lookup per
 * authority byte, no allocation. */
#ifndef C6_UTIL_URL_H
#define C6_UTIL_URL_H
#include <stddef.h>

typedef struct url_parts {
    const char *scheme;
    size_t scheme_len; /* before "://" */
    const char *userinfo;
    size_t userinfo_len; /* before the last '@' of the authority; NULL: none */
    const char *host;
    size_t hostlen;   /* without the brackets of an IPv6 literal */
    int ipv6;         /* the host was bracketed */
    int tls;          /* https or wss */
    char kind;        /* 'h': http or https, 'w': ws or wss, 0: another scheme */
    int port;         /* the one given, else the scheme's (http/ws 80, https/wss
                                                  443, others 0) */
    const char *rest; /* after the authority: path, query, fragment ("" if none) */
} url_parts;

/* Splits url (NULL: fails). Returns NULL, or why it cannot be split:
 * "unsupported protocol scheme" (no "scheme://"), "missing ']' in host",
 * "missing host", "invalid port". */
const char *url_split(const char *url, url_parts *u);

/* Percent-decodes s[0..n) into out (at most cap bytes; out may be s: the
 * result is never longer), '+' as a space when plus (query and form
 * values). A '%' not followed by two hex digits is kept as it is. Returns
 * the bytes written; out is not terminated. */
size_t url_unescape(char *out, size_t cap, const char *s, size_t n, int plus);

#endif
