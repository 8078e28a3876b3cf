/* Cookie jars with the behaviour of Go's net/http/cookiejar (created, as k6
 * creates it, without a public suffix list), and Go's Set-Cookie parser.
 *
 * The VU's jar keeps the Set-Cookie of every response and sends matching
 * cookies back; k6 empties it at the start of every iteration. Scripts reach
 * it, and jars of their own, through k6/http's CookieJar API.
 *
 * What Go's jar does and this one does too:
 *  - only http:// and https:// URLs store or get cookies;
 *  - a cookie is keyed by (domain, path, name); storing it again keeps its
 *    creation order; Max-Age < 0 (a Set-Cookie Max-Age=0 is read as -1), or
 *    an Expires not after now, deletes it;
 *  - no Domain: a host-only cookie. With a Domain the host must equal it or
 *    end in "." + it (a leading dot is dropped), else the cookie is dropped;
 *    for an IP host the Domain must equal the IP and the cookie is host-only;
 *  - no Path, or one not starting with '/': the request path's directory;
 *  - cookies of a host are looked up among those set from hosts with the
 *    same last two labels (Go's jarKey without a suffix list);
 *  - sent cookies: domain and path match, Secure ones only over https,
 *    longest path first, then oldest first.
 * Paths are compared as sent (Go compares percent-decoded paths). */
#ifndef C6_COOKIES_H
#define C6_COOKIES_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct cookie_jar cookie_jar;

/* A piece of text inside a longer string (not NUL-terminated). */
typedef struct cookie_str {
    const char *p;
    size_t n;
} cookie_str;

/* One cookie to store, as Go's http.Cookie: a parsed Set-Cookie line or the
 * arguments of CookieJar.set(). */
typedef struct cookie_attrs {
    cookie_str name, value, domain, path;
    int64_t max_age; /* seconds; 0: not given; < 0: delete now */
    bool has_expires;
    int64_t expires; /* unix seconds, when has_expires */
    bool secure, http_only;
} cookie_attrs;

cookie_jar *cookies_new(void);
void cookies_free(cookie_jar *j);
/* Drops every cookie (k6 does at the start of each iteration). */
void cookies_clear(cookie_jar *j);

/* Parses one Set-Cookie header value as Go's readSetCookies does; false when
 * Go drops the line (no '=', a name that is no token, a bad value). The
 * fields point into line. */
bool cookies_parse(const char *line, size_t len, cookie_attrs *out);
/* Go's two Expires layouts, "Mon, 02 Jan 2006 15:04:05 GMT" and
 * "Mon, 02-Jan-2006 15:04:05 GMT" (zone names count as UTC). */
bool cookies_parse_time(const char *s, size_t n, int64_t *unix_s);
/* Calls fn for every Set-Cookie line of a raw response header block that
 * parses (in order). */
void cookies_each_set_cookie(const char *headers, size_t len, void (*fn)(const cookie_attrs *c, void *ud), void *ud);

/* Stores c as received from url (Go's Jar.SetCookies for one cookie). */
void cookies_set(cookie_jar *j, const char *url, const cookie_attrs *c, int64_t now);
/* Stores every Set-Cookie line of a raw response header block received for url. */
void cookies_store(cookie_jar *j, const char *url, const char *headers, size_t len, int64_t now);
/* Calls fn(name, value) for each cookie to send to url, in sending order;
 * returns how many. Expired cookies met on the way are dropped. */
int cookies_for_url(cookie_jar *j, const char *url, int64_t now,
                    void (*fn)(const char *name, const char *value, void *ud), void *ud);
/* k6's CookieJar.delete(url, name): Go's SetCookies(url, {name, MaxAge: -1}),
 * which removes only the cookie keyed (url's host, url's default path, name). */
void cookies_delete(cookie_jar *j, const char *url, const char *name, int64_t now);
/* k6's CookieJar.clear(url): every name cookies_for_url(url) gives is
 * deleted as cookies_delete does. */
void cookies_clear_url(cookie_jar *j, const char *url, int64_t now);

#endif
