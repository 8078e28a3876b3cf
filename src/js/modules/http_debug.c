/* --http-debug[=full]: every hop's request and response logged as k6's
 * httpDebugTransport (lib/netext/httpext/httpdebug_transport.go) logs
 * them: Go's httputil.DumpRequestOut / DumpResponse with "\r\n" turned
 * into "\n", as "Request:\n<dump>\n" and "Response:\n<dump>\n", with the
 * VU's fields and a UUID request_id shared by the pair. The dumps are
 * rebuilt as Go writes a request and a response: Host, User-Agent and
 * Content-Length first, the other headers sorted by canonical name, the
 * "Accept-Encoding: gzip" DumpRequestOut's transport adds last. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/rand.h>

#include "exec/test.h"
#include "js/modules/http.h"
#include "util/log.h"
#include "util/url.h"

typedef struct {
    char name[96]; /* canonical (textproto.CanonicalMIMEHeaderKey) */
    const char *v;
    size_t vlen;
    size_t order; /* sort is stable: values of a name keep their order */
} dbg_hdr;

typedef struct {
    dbg_hdr *h;
    size_t n, cap;
} dbg_hdrs;

/* Go's CanonicalMIMEHeaderKey: a name with a byte outside token chars is left as it is. */
static void dbg_canonical(char *dst, size_t cap, const char *name, size_t len) {
    if (len >= cap) len = cap - 1;
    memcpy(dst, name, len);
    dst[len] = 0;
    for (size_t i = 0; i < len; i++)
        if (!(isalnum((unsigned char)dst[i]) || strchr("!#$%&'*+-.^_`|~", dst[i]))) return;
    int up = 1;
    for (size_t i = 0; i < len; i++) {
        dst[i] = (char)(up ? toupper((unsigned char)dst[i]) : tolower((unsigned char)dst[i]));
        up = dst[i] == '-';
    }
}

/* Adds a "Name: value" line (value trimmed); returns 0, -1 out of memory. */
static int dbg_add(dbg_hdrs *hs, const char *line, size_t len) {
    const char *colon = memchr(line, ':', len);
    if (!colon) return 0;
    if (hs->n == hs->cap) {
        size_t ncap = hs->cap ? hs->cap * 2 : 16;
        dbg_hdr *nh = realloc(hs->h, ncap * sizeof *nh);
        if (!nh) return -1;
        hs->h = nh;
        hs->cap = ncap;
    }
    dbg_hdr *h = &hs->h[hs->n];
    dbg_canonical(h->name, sizeof h->name, line, (size_t)(colon - line));
    const char *v = colon + 1, *e = line + len;
    while (v < e && (*v == ' ' || *v == '\t')) v++;
    while (e > v && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t')) e--;
    h->v = v;
    h->vlen = (size_t)(e - v);
    h->order = hs->n++;
    return 0;
}

static int dbg_cmp(const void *a, const void *b) {
    const dbg_hdr *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->order > y->order) - (x->order < y->order);
}

static const dbg_hdr *dbg_find(const dbg_hdrs *hs, const char *name) {
    for (size_t i = 0; i < hs->n; i++)
        if (!strcmp(hs->h[i].name, name)) return &hs->h[i];
    return NULL;
}

static void dbg_line(buf *m, const char *name, const char *v, size_t vlen) {
    buf_puts(m, name);
    buf_append(m, ": ", 2);
    buf_append(m, v, vlen);
    buf_append(m, "\n", 1);
}

/* The other headers, sorted as http.Header.WriteSubset writes them. */
static void dbg_sorted(buf *m, dbg_hdrs *hs, const char *const *skip) {
    if (hs->n) qsort(hs->h, hs->n, sizeof *hs->h, dbg_cmp); /* no headers: h may be NULL */
    for (size_t i = 0; i < hs->n; i++) {
        int skipped = 0;
        for (const char *const *s = skip; *s && !skipped; s++) skipped = !strcmp(hs->h[i].name, *s);
        if (!skipped) dbg_line(m, hs->h[i].name, hs->h[i].v, hs->h[i].vlen);
    }
}

/* Body bytes with "\r\n" made "\n", as k6 does to the whole dump. */
static void dbg_body(buf *m, const char *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!(p[i] == '\r' && i + 1 < n && p[i + 1] == '\n')) buf_append(m, p + i, 1);
}

static void dbg_request(buf *m, http_call *c, vu *v, int full) {
    url_parts u;
    const char *auth = c->url, *path = ""; /* a URL that does not split: all of it as the Host */
    size_t alen = strlen(c->url);
    if (!url_split(c->url, &u)) {
        auth = u.userinfo ? u.userinfo + u.userinfo_len + 1 : u.scheme + u.scheme_len + 3;
        alen = (size_t)(u.rest - auth);
        path = u.rest;
    }
    size_t plen = strcspn(path, "#");
    dbg_hdrs hs = {0};
    for (int i = 0; i < c->p.nh; i++) dbg_add(&hs, c->p.hlines[i], strlen(c->p.hlines[i]));
    if (c->ctype[0]) dbg_add(&hs, c->ctype, strlen(c->ctype));
    if (c->cookie.len) dbg_add(&hs, c->cookie.p, c->cookie.len);
    /* Basic from the URL's user info, Digest's answer: Go's Client sets them
     * before the transport that k6 dumps from */
    if (c->cr && c->cr->authz[0]) dbg_add(&hs, c->cr->authz, strlen(c->cr->authz));
    buf_puts(m, "Request:\n");
    buf_puts(m, c->method);
    buf_append(m, " ", 1);
    if (plen && path[0] == '/') buf_append(m, path, plen);
    else {
        buf_append(m, "/", 1);
        buf_append(m, path, plen);
    }
    buf_puts(m, " HTTP/1.1\n");
    const dbg_hdr *host = dbg_find(&hs, "Host"), *ua = dbg_find(&hs, "User-Agent");
    if (host) dbg_line(m, "Host", host->v, host->vlen);
    else dbg_line(m, "Host", auth, alen);
    if (ua) dbg_line(m, "User-Agent", ua->v, ua->vlen);
    else if (*http_user_agent(v)) dbg_line(m, "User-Agent", http_user_agent(v), strlen(http_user_agent(v)));
    char num[32];
    int bodyless_ok = !strcmp(c->method, "POST") || !strcmp(c->method, "PUT") || !strcmp(c->method, "PATCH");
    if ((c->has_body && c->body.len) || bodyless_ok) { /* Go's transferWriter.shouldSendContentLength */
        snprintf(num, sizeof num, "%zu", c->has_body ? c->body.len : (size_t)0);
        dbg_line(m, "Content-Length", num, strlen(num));
    }
    int gzip = !dbg_find(&hs, "Accept-Encoding") && !dbg_find(&hs, "Range") && strcmp(c->method, "HEAD") != 0;
    static const char *const skip[] = {"Host", "User-Agent", "Content-Length", "Transfer-Encoding", "Trailer", NULL};
    dbg_sorted(m, &hs, skip);
    if (gzip) dbg_line(m, "Accept-Encoding", "gzip", 4);
    buf_append(m, "\n", 1);
    if (full && c->has_body) dbg_body(m, c->body.p, c->body.len);
    buf_append(m, "\n", 1); /* k6's "Request:\n%s\n" */
    free(hs.h);
}

static void dbg_response(buf *m, http_call *c, int full) {
    const char *p = c->rhdr.p, *end = p + c->rhdr.len;
    const char *eol = memchr(p, '\n', c->rhdr.len);
    if (!eol) return;
    buf_puts(m, "Response:\n");
    size_t sl = (size_t)(eol - p);
    if (sl && p[sl - 1] == '\r') sl--;
    buf_append(m, p, sl);
    buf_append(m, "\n", 1);
    dbg_hdrs hs = {0};
    for (p = eol + 1; p < end;) {
        const char *e = memchr(p, '\n', (size_t)(end - p));
        size_t l = e ? (size_t)(e - p) : (size_t)(end - p);
        if (l && !(l == 1 && p[0] == '\r')) dbg_add(&hs, p, l);
        p = e ? e + 1 : end;
    }
    /* Response.Write: the transfer headers first, then the rest sorted */
    const dbg_hdr *cl = dbg_find(&hs, "Content-Length"), *te = dbg_find(&hs, "Transfer-Encoding");
    if (te) dbg_line(m, "Transfer-Encoding", te->v, te->vlen);
    else if (cl) dbg_line(m, "Content-Length", cl->v, cl->vlen);
    static const char *const skip[] = {"Content-Length", "Transfer-Encoding", "Trailer", NULL};
    dbg_sorted(m, &hs, skip);
    buf_append(m, "\n", 1);
    if (full && c->rbody.len) dbg_body(m, c->rbody.p, c->rbody.len);
    buf_append(m, "\n", 1); /* k6's "Response:\n%s\n" */
    free(hs.h);
}

void http_debug_dump(http_call *c) {
    vu *v = c->v;
    int level = v->test ? v->test->http_debug : 0;
    if (!level) return;
    unsigned char r[16];
    if (RAND_bytes(r, sizeof r) != 1)
        for (size_t i = 0; i < sizeof r; i++) r[i] = (unsigned char)rand();
    r[6] = (unsigned char)((r[6] & 0x0f) | 0x40); /* gouuid's NewV4: version 4, RFC 4122 variant */
    r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
    char id[40], num[32];
    snprintf(id, sizeof id, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2],
             r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14], r[15]);
    buf extra = {0};
    http_log_field(&extra, "group", v->group);
    snprintf(num, sizeof num, "%lld", (long long)v->iter);
    http_log_field(&extra, "iter", num);
    http_log_field(&extra, "request_id", id);
    http_log_field(&extra, "scenario", v->scenario ? v->scenario : "");
    http_log_field(&extra, "source", "http-debug");
    snprintf(num, sizeof num, "%d", v->id);
    http_log_field(&extra, "vu", num);
    buf m = {0};
    dbg_request(&m, c, v, level > 1);
    if (m.p) log_msg(LOG_INFO, extra.p, m.p, m.len);
    if (c->res.status) {
        buf_clear(&m);
        dbg_response(&m, c, level > 1);
        if (m.len) log_msg(LOG_INFO, extra.p, m.p, m.len);
    }
    buf_free(&m);
    buf_free(&extra);
}
