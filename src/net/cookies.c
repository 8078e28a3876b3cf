/* Cookie jar and Set-Cookie parsing with Go's semantics (see cookies.h).
 *
 * The jar is one array kept in sending order (longest path first, then
 * creation order), so a lookup walks it once and allocates nothing. A
 * cookie is found by its (name, domain, path) through a hash index of
 * creation numbers, and then by binary search in that order, so a response
 * with 100,000 Set-Cookie lines costs a linear pass, not a quadratic one. */
#include "net/cookies.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "util/url.h"

typedef struct cookie {
    char *name, *value, *domain, *path;
    char *key; /* Go's jarKey of the host it was set from */
    size_t path_len;
    int64_t expires; /* unix seconds; 0: a session cookie */
    uint64_t seq;    /* creation order */
    bool host_only, secure, http_only;
} cookie;

struct cookie_jar {
    cookie *c;
    size_t n, cap;
    uint64_t seq;
    uint64_t *idx;         /* open addressing by (name, domain, path): seq + 1, 0 free */
    size_t idx_cap, idx_n; /* slots (a power of two; 0: no index), entries */
    bool idx_stale;        /* a cookie left: rebuilt at the next lookup */
};

cookie_jar *cookies_new(void) { return calloc(1, sizeof(cookie_jar)); }

static void cookie_free(cookie *c) {
    free(c->name);
    free(c->value);
    free(c->domain);
    free(c->path);
    free(c->key);
}

void cookies_clear(cookie_jar *j) {
    for (size_t i = 0; i < j->n; i++) cookie_free(&j->c[i]);
    j->n = 0;
    j->idx_stale = true;
}

void cookies_free(cookie_jar *j) {
    if (!j) return;
    cookies_clear(j);
    free(j->c);
    free(j->idx);
    free(j);
}

/* ---- Set-Cookie parsing (Go's readSetCookies) ---- */

static bool cookies_is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

static cookie_str cookies_trim(const char *s, size_t n) {
    while (n && cookies_is_space(*s)) {
        s++;
        n--;
    }
    while (n && cookies_is_space(s[n - 1])) n--;
    return (cookie_str){s, n};
}

static bool cookies_is_token(cookie_str s) {
    if (!s.n) return false;
    for (size_t i = 0; i < s.n; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if (!isalnum(c) && !strchr("!#$%&'*+-.^_`|~", c)) return false;
    }
    return true;
}

/* Go's parseCookieValue: optional surrounding quotes, then only bytes a
 * cookie value may hold. */
static bool cookies_value(cookie_str *v, bool strip_quotes) {
    if (strip_quotes && v->n > 1 && v->p[0] == '"' && v->p[v->n - 1] == '"') {
        v->p++;
        v->n -= 2;
    }
    for (size_t i = 0; i < v->n; i++) {
        unsigned char c = (unsigned char)v->p[i];
        if (c < 0x20 || c >= 0x7f || c == '"' || c == ';' || c == '\\') return false;
    }
    return true;
}

/* strconv.Atoi with Go's Max-Age rule: no leading zero unless it is "0". */
static bool cookies_max_age(cookie_str v, int64_t *out) {
    size_t i = 0;
    bool neg = false;
    if (v.n && (v.p[0] == '+' || v.p[0] == '-')) {
        neg = v.p[0] == '-';
        i = 1;
    }
    if (i == v.n) return false;
    int64_t x = 0;
    for (; i < v.n; i++) {
        if (!isdigit((unsigned char)v.p[i]) || x > (INT64_MAX - 9) / 10) return false;
        x = x * 10 + (v.p[i] - '0');
    }
    if (x != 0 && v.p[0] == '0') return false;
    *out = neg ? -x : x;
    return true;
}

static int cookies_num(const char *s, size_t n, size_t *i, size_t min, size_t max) {
    int x = 0;
    size_t start = *i;
    while (*i < n && *i - start < max && isdigit((unsigned char)s[*i])) x = x * 10 + (s[(*i)++] - '0');
    return *i - start >= min ? x : -1;
}

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static int64_t cookies_days(int64_t y, int m, int d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

bool cookies_parse_time(const char *s, size_t n, int64_t *unix_s) {
    static const char *const days[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (n < 5) return false;
    int wd = -1, mon = -1;
    for (int k = 0; k < 7; k++)
        if (memcmp(s, days[k], 3) == 0) wd = k;
    if (wd < 0 || s[3] != ',' || s[4] != ' ') return false;
    size_t i = 5;
    int day = cookies_num(s, n, &i, 2, 2);
    if (day < 1 || i >= n || (s[i] != ' ' && s[i] != '-')) return false;
    char sep = s[i++];
    for (int k = 0; k < 12 && i + 3 <= n; k++)
        if (memcmp(s + i, months[k], 3) == 0) mon = k;
    if (mon < 0 || (i += 3) >= n || s[i++] != sep) return false;
    int year = cookies_num(s, n, &i, 4, 4);
    if (year < 0 || i >= n || s[i++] != ' ') return false;
    int hh = cookies_num(s, n, &i, 1, 2);
    if (hh < 0 || i >= n || s[i++] != ':') return false;
    int mm = cookies_num(s, n, &i, 2, 2);
    if (mm < 0 || i >= n || s[i++] != ':') return false;
    int ss = cookies_num(s, n, &i, 2, 2);
    if (ss < 0 || i >= n || s[i++] != ' ') return false;
    size_t zone = i;
    while (i < n && isupper((unsigned char)s[i])) i++;
    if (i != n || n - zone < 3 || n - zone > 5) return false;
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (hh > 23 || mm > 59 || ss > 59 || day > mdays[mon] || (mon == 1 && day == 29 && !leap)) return false;
    *unix_s = cookies_days(year, mon + 1, day) * 86400 + hh * 3600 + mm * 60 + ss;
    return true;
}

static void cookies_attr(cookie_attrs *c, cookie_str part) {
    const char *eq = memchr(part.p, '=', part.n);
    cookie_str key = {part.p, eq ? (size_t)(eq - part.p) : part.n};
    cookie_str val = eq ? (cookie_str){eq + 1, part.n - key.n - 1} : (cookie_str){part.p + part.n, 0};
    if (!cookies_value(&val, false)) return;
    if (key.n == 6 && strncasecmp(key.p, "secure", 6) == 0) c->secure = true;
    else if (key.n == 8 && strncasecmp(key.p, "httponly", 8) == 0) c->http_only = true;
    else if (key.n == 6 && strncasecmp(key.p, "domain", 6) == 0) c->domain = val;
    else if (key.n == 4 && strncasecmp(key.p, "path", 4) == 0) c->path = val;
    else if (key.n == 7 && strncasecmp(key.p, "max-age", 7) == 0) {
        int64_t secs;
        if (cookies_max_age(val, &secs)) c->max_age = secs <= 0 ? -1 : secs;
    } else if (key.n == 7 && strncasecmp(key.p, "expires", 7) == 0) {
        c->has_expires = cookies_parse_time(val.p, val.n, &c->expires);
    }
}

bool cookies_parse(const char *line, size_t len, cookie_attrs *c) {
    memset(c, 0, sizeof *c);
    const char *end = line + len;
    const char *semi = memchr(line, ';', len);
    cookie_str first = cookies_trim(line, (size_t)((semi ? semi : end) - line));
    const char *eq = memchr(first.p, '=', first.n);
    if (!eq) return false;
    c->name = cookies_trim(first.p, (size_t)(eq - first.p));
    c->value = (cookie_str){eq + 1, (size_t)(first.p + first.n - eq - 1)};
    if (!cookies_is_token(c->name) || !cookies_value(&c->value, true)) return false;
    for (const char *a = semi; a && a < end;) {
        a++;
        const char *next = memchr(a, ';', (size_t)(end - a));
        cookie_str part = cookies_trim(a, (size_t)((next ? next : end) - a));
        if (part.n) cookies_attr(c, part);
        a = next;
    }
    return true;
}

void cookies_each_set_cookie(const char *headers, size_t len, void (*fn)(const cookie_attrs *c, void *ud), void *ud) {
    if (!headers) return;
    const char *end = headers + len;
    for (const char *p = headers; p < end;) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        size_t ll = eol ? (size_t)(eol - p) : (size_t)(end - p);
        cookie_attrs c;
        /* most lines are other fields: one byte tells (no call) */
        if (ll > 11 && (p[3] == '-') && strncasecmp(p, "set-cookie:", 11) == 0 && cookies_parse(p + 11, ll - 11, &c))
            fn(&c, ud);
        p = eol ? eol + 1 : end;
    }
}

/* ---- the jar (Go's net/http/cookiejar) ---- */

typedef struct jar_url {
    char host[256], path[1024];
    bool https;
} jar_url;

/* Scheme, canonical host (no port or brackets, lower case, no trailing dot)
 * and path (from '/', without query; "/" when none); false for anything
 * but a well-formed http(s) URL. */
static bool cookies_url(const char *url, jar_url *u) {
    url_parts p;
    if (url_split(url, &p) || p.kind != 'h') return false;
    u->https = p.tls;
    size_t hl = p.hostlen < sizeof u->host - 1 ? p.hostlen : sizeof u->host - 1;
    for (size_t i = 0; i < hl; i++) u->host[i] = (char)tolower((unsigned char)p.host[i]);
    u->host[hl] = 0;
    if (hl && u->host[hl - 1] == '.') u->host[--hl] = 0;
    size_t pl = *p.rest == '/' ? strcspn(p.rest, "?#") : 0;
    if (pl > sizeof u->path - 1) pl = sizeof u->path - 1;
    if (pl) memcpy(u->path, p.rest, pl);
    else u->path[pl++] = '/';
    u->path[pl] = 0;
    return hl > 0;
}

static bool cookies_is_ip(const char *host) {
    unsigned char a[16];
    return inet_pton(AF_INET, host, a) == 1 || inet_pton(AF_INET6, host, a) == 1;
}

/* Go's jarKey without a public suffix list: the last two labels. */
static const char *cookies_jar_key(const char *host) {
    if (cookies_is_ip(host)) return host;
    const char *last = strrchr(host, '.');
    if (!last || last == host) return host;
    const char *prev = NULL;
    for (const char *p = host; p < last - 1; p++)
        if (*p == '.') prev = p;
    return prev ? prev + 1 : host;
}

static bool cookies_dot_suffix(const char *host, const char *domain) {
    size_t hl = strlen(host), dl = strlen(domain);
    return hl > dl && host[hl - dl - 1] == '.' && strcmp(host + hl - dl, domain) == 0;
}

/* Go's domainAndType: the cookie's domain (malloc'd) and host-only flag, or NULL to drop it. */
static char *cookies_domain(const char *host, cookie_str d, bool *host_only) {
    *host_only = true;
    if (!d.n) return strdup(host);
    if (cookies_is_ip(host)) return d.n == strlen(host) && memcmp(d.p, host, d.n) == 0 ? strdup(host) : NULL;
    if (d.p[0] == '.') {
        d.p++;
        d.n--;
    }
    if (!d.n || d.p[0] == '.' || d.p[d.n - 1] == '.') return NULL;
    char *dom = strndup(d.p, d.n);
    if (!dom) return NULL; /* out of memory: the cookie is dropped */
    for (char *p = dom; *p; p++) {
        if ((unsigned char)*p >= 0x80) {
            free(dom);
            return NULL;
        }
        *p = (char)tolower((unsigned char)*p);
    }
    if (strcmp(host, dom) != 0 && !cookies_dot_suffix(host, dom)) {
        free(dom);
        return NULL;
    }
    *host_only = false;
    return dom;
}

/* Go's defaultPath: the directory of the request path. */
static void cookies_default_path(const char *path, char *out, size_t n) {
    const char *last = strrchr(path, '/');
    if (path[0] != '/' || !last || last == path) snprintf(out, n, "/");
    else snprintf(out, n, "%.*s", (int)(last - path), path);
}

static void cookies_remove_at(cookie_jar *j, size_t i) {
    cookie_free(&j->c[i]);
    memmove(&j->c[i], &j->c[i + 1], (j->n - i - 1) * sizeof *j->c);
    j->n--;
    j->idx_stale = true;
}

/* ---- the index ---- */

#define COOKIES_INDEX_MIN 16 /* smaller jars are walked */

static uint64_t cookies_hash(const char *name, const char *domain, const char *path) {
    const char *parts[3] = {name, domain, path};
    uint64_t h = 1469598103934665603ull; /* FNV-1a, each part with its NUL */
    for (int k = 0; k < 3; k++) {
        const unsigned char *p = (const unsigned char *)parts[k];
        do {
            h ^= *p;
            h *= 1099511628211ull;
        } while (*p++);
    }
    return h;
}

/* Where the cookie with this path length and creation number is: the jar
 * is sorted by path length (longest first), then creation. -1: none. */
static ssize_t cookies_pos(const cookie_jar *j, size_t path_len, uint64_t seq) {
    size_t lo = 0, hi = j->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const cookie *m = &j->c[mid];
        if (m->path_len > path_len || (m->path_len == path_len && m->seq < seq)) lo = mid + 1;
        else hi = mid;
    }
    return lo < j->n && j->c[lo].path_len == path_len && j->c[lo].seq == seq ? (ssize_t)lo : -1;
}

static void cookies_index_put(cookie_jar *j, const cookie *c) {
    size_t mask = j->idx_cap - 1, h = (size_t)cookies_hash(c->name, c->domain, c->path) & mask;
    while (j->idx[h]) h = (h + 1) & mask;
    j->idx[h] = c->seq + 1;
    j->idx_n++;
}

/* (Re)builds the index with room for twice the jar; false without memory
 * (lookups then walk the jar). */
static bool cookies_index_build(cookie_jar *j) {
    size_t cap = 64;
    while (cap < 4 * j->n) cap *= 2;
    uint64_t *idx = calloc(cap, sizeof *idx);
    free(j->idx);
    j->idx = idx;
    j->idx_cap = idx ? cap : 0;
    j->idx_n = 0;
    j->idx_stale = false;
    if (!idx) return false;
    for (size_t i = 0; i < j->n; i++) cookies_index_put(j, &j->c[i]);
    return true;
}

static ssize_t cookies_find(cookie_jar *j, const char *domain, const char *path, const char *name) {
    if (j->n >= COOKIES_INDEX_MIN && (j->idx_stale || !j->idx_cap) && !cookies_index_build(j)) j->idx_cap = 0;
    if (j->n < COOKIES_INDEX_MIN || !j->idx_cap) {
        for (size_t i = 0; i < j->n; i++) {
            const cookie *o = &j->c[i];
            if (strcmp(o->name, name) == 0 && strcmp(o->domain, domain) == 0 && strcmp(o->path, path) == 0)
                return (ssize_t)i;
        }
        return -1;
    }
    size_t mask = j->idx_cap - 1, h = (size_t)cookies_hash(name, domain, path) & mask, pl = strlen(path);
    for (; j->idx[h]; h = (h + 1) & mask) {
        ssize_t i = cookies_pos(j, pl, j->idx[h] - 1);
        if (i < 0) continue;
        const cookie *o = &j->c[i];
        if (strcmp(o->name, name) == 0 && strcmp(o->domain, domain) == 0 && strcmp(o->path, path) == 0) return i;
    }
    return -1;
}

/* Inserts c where sending order puts it: after every longer path and every
 * older cookie of the same path length (found from the end: a new cookie
 * is the youngest, so it usually goes last). */
static void cookies_insert(cookie_jar *j, const cookie *c) {
    if (j->n == j->cap) {
        size_t ncap = j->cap ? j->cap * 2 : 8;
        cookie *nc = realloc(j->c, ncap * sizeof *nc);
        if (!nc) {
            cookie tmp = *c;
            cookie_free(&tmp);
            return;
        }
        j->c = nc;
        j->cap = ncap;
    }
    size_t at = j->n;
    while (at > 0 && !(j->c[at - 1].path_len > c->path_len ||
                       (j->c[at - 1].path_len == c->path_len && j->c[at - 1].seq < c->seq)))
        at--;
    memmove(&j->c[at + 1], &j->c[at], (j->n - at) * sizeof *j->c);
    j->c[at] = *c;
    j->n++;
    if (j->idx_cap && !j->idx_stale) {
        if (2 * (j->idx_n + 1) > j->idx_cap) j->idx_stale = true; /* rebuilt bigger at the next lookup */
        else cookies_index_put(j, c);
    }
}

static void cookies_set_u(cookie_jar *j, const jar_url *u, const cookie_attrs *a, int64_t now) {
    char defpath[1024];
    cookies_default_path(u->path, defpath, sizeof defpath);
    bool host_only;
    char *domain = cookies_domain(u->host, a->domain, &host_only);
    if (!domain) return;
    char *path = a->path.n && a->path.p[0] == '/' ? strndup(a->path.p, a->path.n) : strdup(defpath);
    char *name = strndup(a->name.p, a->name.n);
    if (!path || !name) { /* out of memory: the cookie is dropped */
        free(domain);
        free(path);
        free(name);
        return;
    }
    ssize_t old = cookies_find(j, domain, path, name);
    bool remove = a->max_age < 0 || (a->max_age == 0 && a->has_expires && a->expires <= now);
    if (remove) {
        if (old >= 0) cookies_remove_at(j, (size_t)old);
        free(domain);
        free(path);
        free(name);
        return;
    }
    /* value and key are tested just below */
    cookie c = {
        .name = name,
        .value = strndup(a->value.p, a->value.n), /* alloc-ok: tested below */
        .domain = domain,
        .path = path,
        .key = strdup(cookies_jar_key(u->host)), /* alloc-ok: tested below */
        .path_len = strlen(path),
        .expires = a->max_age > 0   ? now + a->max_age
                   : a->has_expires ? a->expires
                                    : 0,
        .secure = a->secure,
        .http_only = a->http_only,
        .host_only = host_only,
    };
    if (!c.value || !c.key) { /* out of memory: the cookie is dropped */
        cookie_free(&c);
        return;
    }
    if (old >= 0) { /* the same cookie again: it keeps its place and age */
        c.seq = j->c[old].seq;
        cookie_free(&j->c[old]);
        j->c[old] = c;
        return;
    }
    c.seq = j->seq++;
    cookies_insert(j, &c);
}

void cookies_set(cookie_jar *j, const char *url, const cookie_attrs *c, int64_t now) {
    jar_url u;
    if (c->name.n && cookies_url(url, &u)) cookies_set_u(j, &u, c, now);
}

typedef struct store_ctx {
    cookie_jar *j;
    const char *url;
    jar_url u;
    int parsed; /* 0: u not made yet, 1: made, -1: the URL takes no cookies */
    int64_t now;
} store_ctx;

static void cookies_store_one(const cookie_attrs *c, void *ud) {
    store_ctx *s = ud;
    if (!s->parsed) s->parsed = cookies_url(s->url, &s->u) ? 1 : -1;
    if (s->parsed > 0) cookies_set_u(s->j, &s->u, c, s->now);
}

/* The URL is split only once a Set-Cookie is found: most responses have
 * none, and this runs on every one. */
void cookies_store(cookie_jar *j, const char *url, const char *headers, size_t len, int64_t now) {
    if (!headers) return;
    store_ctx s; /* u stays unwritten (1.3 KB) until a Set-Cookie needs it */
    s.j = j;
    s.url = url;
    s.parsed = 0;
    s.now = now;
    cookies_each_set_cookie(headers, len, cookies_store_one, &s);
}

static bool cookies_path_match(const cookie *c, const char *path) {
    if (strncmp(c->path, path, c->path_len) != 0) return false;
    return path[c->path_len] == 0 || c->path[c->path_len - 1] == '/' || path[c->path_len] == '/';
}

static bool cookies_match(const cookie *c, const jar_url *u, const char *key) {
    if (strcmp(c->key, key) != 0) return false;
    if (strcmp(c->domain, u->host) != 0 && (c->host_only || !cookies_dot_suffix(u->host, c->domain))) return false;
    return cookies_path_match(c, u->path) && (u->https || !c->secure);
}

int cookies_for_url(cookie_jar *j, const char *url, int64_t now,
                    void (*fn)(const char *name, const char *value, void *ud), void *ud) {
    jar_url u;
    if (!j || j->n == 0 || !cookies_url(url, &u)) return 0;
    const char *key = cookies_jar_key(u.host);
    int n = 0;
    for (size_t i = 0; i < j->n;) {
        const cookie *c = &j->c[i];
        if (c->expires && c->expires <= now) {
            cookies_remove_at(j, i);
            continue;
        }
        if (cookies_match(c, &u, key)) {
            fn(c->name, c->value, ud);
            n++;
        }
        i++;
    }
    return n;
}

void cookies_delete(cookie_jar *j, const char *url, const char *name, int64_t now) {
    cookie_attrs a = {.name = {name, strlen(name)}, .max_age = -1};
    cookies_set(j, url, &a, now);
}

void cookies_clear_url(cookie_jar *j, const char *url, int64_t now) {
    jar_url u;
    if (!j || j->n == 0 || !cookies_url(url, &u)) return;
    const char *key = cookies_jar_key(u.host);
    char defpath[1024];
    cookies_default_path(u.path, defpath, sizeof defpath);
    /* Go deletes (host, default path, name) for each name the URL gets */
    size_t n = j->n, out = 0;
    bool *sent = calloc(2 * n, sizeof *sent), *drop = sent + n;
    if (!sent) return;
    for (size_t i = 0; i < n; i++) {
        const cookie *c = &j->c[i];
        sent[i] = !(c->expires && c->expires <= now) && cookies_match(c, &u, key);
    }
    for (size_t i = 0; i < n; i++) {
        const cookie *c = &j->c[i];
        if (strcmp(c->domain, u.host) == 0 && strcmp(c->path, defpath) == 0 && strcmp(c->key, key) == 0)
            for (size_t k = 0; k < n && !drop[i]; k++) drop[i] = sent[k] && strcmp(j->c[k].name, c->name) == 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (drop[i]) cookie_free(&j->c[i]);
        else j->c[out++] = j->c[i];
    }
    free(sent);
    j->n = out;
    j->idx_stale = true;
}
