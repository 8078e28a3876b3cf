#include "net/cookies.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

typedef struct cookie {
    char *name, *value, *domain, *path;
    time_t expires;          /* 0 = session cookie */
    bool host_only, secure;
} cookie;

struct cookie_jar {
    cookie *c;
    size_t n, cap;
};

cookie_jar *cookies_new(void) { return calloc(1, sizeof(cookie_jar)); }

static void cookie_free(cookie *c) {
    free(c->name);
    free(c->value);
    free(c->domain);
    free(c->path);
}

void cookies_clear(cookie_jar *j) {
    for (size_t i = 0; i < j->n; i++) cookie_free(&j->c[i]);
    j->n = 0;
}

void cookies_free(cookie_jar *j) {
    if (!j) return;
    cookies_clear(j);
    free(j->c);
    free(j);
}

int cookies_split_url(const char *url, char *scheme, size_t ns, char *host, size_t nh, char *path, size_t np) {
    const char *sep = strstr(url, "://");
    if (!sep) return -1;
    snprintf(scheme, ns, "%.*s", (int)(sep - url), url);
    const char *h = sep + 3;
    const char *end = h + strcspn(h, "/?#");
    const char *at = memchr(h, '@', (size_t)(end - h));
    if (at) h = at + 1;
    const char *hend = end;
    if (*h == '[') {
        const char *rb = memchr(h, ']', (size_t)(end - h));
        hend = rb ? rb + 1 : end;
    } else {
        const char *colon = memchr(h, ':', (size_t)(end - h));
        if (colon) hend = colon;
    }
    size_t hl = (size_t)(hend - h) < nh - 1 ? (size_t)(hend - h) : nh - 1;
    for (size_t i = 0; i < hl; i++) host[i] = (char)tolower((unsigned char)h[i]);
    host[hl] = 0;
    if (*end == '/') snprintf(path, np, "%.*s", (int)strcspn(end, "?#"), end);
    else snprintf(path, np, "/");
    return 0;
}

static bool cookies_domain_match(const cookie *c, const char *host) {
    if (c->host_only) return strcasecmp(c->domain, host) == 0;
    size_t hl = strlen(host), dl = strlen(c->domain);
    if (hl < dl) return false;
    if (strcasecmp(host + hl - dl, c->domain) != 0) return false;
    return hl == dl || host[hl - dl - 1] == '.';
}

static bool cookies_path_match(const char *cpath, const char *path) {
    size_t cl = strlen(cpath);
    if (strncmp(cpath, path, cl) != 0) return false;
    return path[cl] == 0 || cpath[cl - 1] == '/' || path[cl] == '/';
}

static void cookies_default_path(const char *path, char *out, size_t n) {
    const char *last = strrchr(path, '/');
    if (!last || last == path) snprintf(out, n, "/");
    else snprintf(out, n, "%.*s", (int)(last - path), path);
}

static char *cookies_trim(const char *s, size_t len) {
    while (len && isspace((unsigned char)*s)) { s++; len--; }
    while (len && isspace((unsigned char)s[len - 1])) len--;
    return strndup(s, len);
}

/* Applies one attribute ("Path=/x", "Max-Age=0", ...) to c. */
static void cookies_attr(cookie *c, const char *a, size_t len, time_t now, bool *expired) {
    const char *eq = memchr(a, '=', len);
    char *key = cookies_trim(a, eq ? (size_t)(eq - a) : len);
    char *val = eq ? cookies_trim(eq + 1, len - (size_t)(eq - a) - 1) : strdup("");
    if (strcasecmp(key, "path") == 0 && val[0] == '/') { free(c->path); c->path = strdup(val); }
    else if (strcasecmp(key, "domain") == 0 && val[0]) {
        const char *d = val[0] == '.' ? val + 1 : val;
        free(c->domain);
        c->domain = strdup(d);
        for (char *p = c->domain; *p; p++) *p = (char)tolower((unsigned char)*p);
        c->host_only = false;
    } else if (strcasecmp(key, "max-age") == 0) {
        long s = strtol(val, NULL, 10);
        if (s <= 0) *expired = true; else c->expires = now + s;
    } else if (strcasecmp(key, "expires") == 0 && c->expires == 0 && !*expired) {
        struct tm tm = {0};
        if (strptime(val, "%a, %d %b %Y %H:%M:%S", &tm) || strptime(val, "%a, %d-%b-%Y %H:%M:%S", &tm)) {
            time_t t = timegm(&tm);
            if (t <= now) *expired = true; else c->expires = t;
        }
    } else if (strcasecmp(key, "secure") == 0) c->secure = true;
    free(key);
    free(val);
}

static void cookies_put(cookie_jar *j, cookie *c, bool expired) {
    for (size_t i = 0; i < j->n; i++) {
        cookie *o = &j->c[i];
        if (strcmp(o->name, c->name) == 0 && strcasecmp(o->domain, c->domain) == 0 && strcmp(o->path, c->path) == 0) {
            cookie_free(o);
            if (expired) { j->c[i] = j->c[--j->n]; cookie_free(c); return; }
            *o = *c;
            return;
        }
    }
    if (expired) { cookie_free(c); return; }
    if (j->n == j->cap) {
        j->cap = j->cap ? j->cap * 2 : 8;
        j->c = realloc(j->c, j->cap * sizeof *j->c);
    }
    j->c[j->n++] = *c;
}

static void cookies_parse_line(cookie_jar *j, const char *host, const char *path, const char *v, size_t len) {
    const char *semi = memchr(v, ';', len);
    size_t first = semi ? (size_t)(semi - v) : len;
    const char *eq = memchr(v, '=', first);
    if (!eq) return;
    cookie c = {0};
    c.name = cookies_trim(v, (size_t)(eq - v));
    c.value = cookies_trim(eq + 1, first - (size_t)(eq - v) - 1);
    c.domain = strdup(host);
    c.host_only = true;
    char dp[1024];
    cookies_default_path(path, dp, sizeof dp);
    c.path = strdup(dp);
    bool expired = false;
    time_t now = time(NULL);
    for (const char *a = semi; a && a < v + len;) {
        a++;
        const char *next = memchr(a, ';', (size_t)(v + len - a));
        size_t al = next ? (size_t)(next - a) : (size_t)(v + len - a);
        cookies_attr(&c, a, al, now, &expired);
        a = next;
    }
    if (!c.name[0]) { cookie_free(&c); return; }
    cookies_put(j, &c, expired);
}

void cookies_store(cookie_jar *j, const char *url, const char *headers, size_t len) {
    char scheme[16], host[256], path[1024];
    if (!headers || cookies_split_url(url, scheme, sizeof scheme, host, sizeof host, path, sizeof path)) return;
    const char *end = headers + len;
    for (const char *p = headers; p < end;) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        size_t ll = eol ? (size_t)(eol - p) : (size_t)(end - p);
        if (ll > 11 && strncasecmp(p, "set-cookie:", 11) == 0) {
            size_t vl = ll - 11;
            while (vl && (p[11 + vl - 1] == '\r')) vl--;
            cookies_parse_line(j, host, path, p + 11, vl);
        }
        p = eol ? eol + 1 : end;
    }
}

int cookies_header(const cookie_jar *j, const char *url, buf *out) {
    if (!j || j->n == 0) return 0;
    char scheme[16], host[256], path[1024];
    if (cookies_split_url(url, scheme, sizeof scheme, host, sizeof host, path, sizeof path)) return 0;
    time_t now = time(NULL);
    int n = 0;
    for (size_t i = 0; i < j->n; i++) {
        const cookie *c = &j->c[i];
        if (c->expires && c->expires <= now) continue;
        if (c->secure && strcasecmp(scheme, "https") != 0) continue;
        if (!cookies_domain_match(c, host) || !cookies_path_match(c->path, path)) continue;
        if (n++) buf_puts(out, "; ");
        buf_puts(out, c->name);
        buf_puts(out, "=");
        buf_puts(out, c->value);
    }
    return n;
}
