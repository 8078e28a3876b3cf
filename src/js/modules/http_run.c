/* Running k6/http requests. Each hop of a request goes to c6's HTTP/1.1
 * client (plain http://) or to the worker's libcurl multi handle (https and
 * the rest) while the VU's coroutine waits; redirects are followed here,
 * hop by hop, because k6 records every hop as its own sample.
 *
 * Several requests (http.batch) run at once: their completion callbacks only
 * mark them done and wake the VU, which then, on its own stack, records the
 * samples, stores the cookies and starts the next hops. Which requests may
 * start follows k6's MakeBatchRequests: `limit` workers take the requests in
 * order, and a taken request waits for a free per-host slot while holding
 * its worker. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "exec/test.h"
#include "js/modules/http.h"
#include "metrics/registry.h"
#include "net/worker.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/urlref.h"

enum { HC_QUEUED, HC_WAITING, HC_RUNNING, HC_DONE };

const char *http_user_agent(vu *v) {
    return v->test && v->test->user_agent ? v->test->user_agent : "c6/0.1.0 (k6-compatible; +https://k6.io/)";
}

/* Per-request text without printf. */
static void http_strlcpy(char *dst, const char *src, size_t n) {
    size_t l = strnlen(src, n - 1);
    memcpy(dst, src, l);
    dst[l] = 0;
}

static void http_utoa(char *out, unsigned long v) {
    char tmp[24];
    int n = 0;
    do tmp[n++] = (char)('0' + v % 10); while ((v /= 10) && n < (int)sizeof tmp);
    for (int i = 0; i < n; i++) out[i] = tmp[n - 1 - i];
    out[n] = 0;
}

/* ---- libcurl plumbing ---- */

static size_t http_on_body(char *p, size_t size, size_t n, void *ud) {
    http_call *c = ud;
    return buf_append(&c->rbody, p, size * n) ? 0 : size * n;
}

static size_t http_on_header(char *p, size_t size, size_t n, void *ud) {
    http_call *c = ud;
    size_t len = size * n;
    if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) {
        buf_clear(&c->rhdr);   /* 100-continue etc. */
        /* the connection is still the transfer's: its TLS session can be read */
        if (!c->tls.version) tls_read_session(c->easy, &c->tls);
    }
    return buf_append(&c->rhdr, p, len) ? 0 : len;
}

/* libcurl 7.88 tells a GOAWAY's error code and a refused stream only in its
 * verbose text; this reads those two lines and ignores the rest. The text
 * costs curl ~16,000 instructions per https request (~10% of one h2
 * request, callgrind), so a worker turns it on only after one of its https
 * transfers failed: the first such failure may get a generic code
 * (1000), the ones after it k6's exact 161x/163x codes. */
static int http_on_debug(CURL *e, curl_infotype type, char *p, size_t n, void *ud) {
    (void)e;
    http_call *c = ud;
    if (type != CURLINFO_TEXT || n < 14) return 0;
    if (memcmp(p, "REFUSED_STREAM", 14) == 0) {
        c->h2_refused = true;
    } else if (n > 20 && (memcmp(p, "received GOAWAY", 15) == 0 || memcmp(p, "recveived GOAWAY", 16) == 0)) {
        const char *err = memmem(p, n, "error=", 6);
        if (err) c->h2_goaway = (int)strtol(err + 6, NULL, 10);
    }
    return 0;
}

/* Called by the worker when a transfer ends. */
void http_transfer_done(CURL *e, CURLcode rc) {
    http_call *c = NULL;
    curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&c);
    if (!c) return;
    c->rc = rc;
    c->hop_done = true;
    if (c->v->state == VU_WAITING) vu_wake(c->v);
}

static double http_us_to_ms(curl_off_t us) { return us > 0 ? (double)us / 1000.0 : 0; }

static void http_timings(CURL *e, http_result *res) {
    curl_off_t dns = 0, conn = 0, app = 0, pre = 0, start = 0, total = 0;
    curl_easy_getinfo(e, CURLINFO_NAMELOOKUP_TIME_T, &dns);
    curl_easy_getinfo(e, CURLINFO_CONNECT_TIME_T, &conn);
    curl_easy_getinfo(e, CURLINFO_APPCONNECT_TIME_T, &app);
    curl_easy_getinfo(e, CURLINFO_PRETRANSFER_TIME_T, &pre);
    curl_easy_getinfo(e, CURLINFO_STARTTRANSFER_TIME_T, &start);
    curl_easy_getinfo(e, CURLINFO_TOTAL_TIME_T, &total);
    if (total < pre) total = pre;
    if (!start && pre) start = total;   /* sent, never answered (a timeout): k6 counts it all as waiting */
    if (start < pre) start = pre;
    if (total < start) total = start;
    res->t_blocked = http_us_to_ms(dns);
    res->t_connecting = conn > dns ? http_us_to_ms(conn - dns) : 0;
    res->t_tls = app > conn ? http_us_to_ms(app - conn) : 0;
    res->t_sending = 0;   /* libcurl 7.88 has no "request sent" mark; counted in waiting */
    res->t_waiting = http_us_to_ms(start - pre);
    res->t_receiving = http_us_to_ms(total - start);
    res->t_duration = res->t_sending + res->t_waiting + res->t_receiving;
}

/* Go's names of the HTTP/2 error codes (RFC 9113, 7), which k6's messages use. */
static const char *const http2_err_names[] = {
    "NO_ERROR", "PROTOCOL_ERROR", "INTERNAL_ERROR", "FLOW_CONTROL_ERROR", "SETTINGS_TIMEOUT",
    "STREAM_CLOSED", "FRAME_SIZE_ERROR", "REFUSED_STREAM", "CANCEL", "COMPRESSION_ERROR",
    "CONNECT_ERROR", "ENHANCE_YOUR_CALM", "INADEQUATE_SECURITY", "HTTP_1_1_REQUIRED",
};

/* k6's HTTP/2 codes: base (1610 GOAWAY, 1630 stream, 1650 connection) for
 * an unknown error code, base + 1 + code for a known one. */
static void http2_error(http_result *res, int base, long code, const char *what) {
    bool known = code >= 0 && code < (long)(sizeof http2_err_names / sizeof *http2_err_names);
    res->error_code = base + (known ? 1 + (int)code : 0);
    if (known) snprintf(res->error, sizeof res->error, "http2: %s with http2 ErrCode %s", what, http2_err_names[code]);
    else snprintf(res->error, sizeof res->error, "http2: %s with http2 ErrCode unknown error code 0x%lx", what, code);
}

/* The HTTP/2 failures: a GOAWAY from the server, a stream reset (curl says
 * "... (err N)"), a refused stream curl gave up retrying, a framing error. */
static bool http2_classify(const http_call *c, CURLcode rc, const char *detail, http_result *res) {
    if (c->h2_goaway >= 0) {
        http2_error(res, 1610, c->h2_goaway, "received GoAway");
        return true;
    }
    const char *err = rc == CURLE_HTTP2_STREAM ? strstr(detail, "(err ") : NULL;
    if (err) {
        http2_error(res, 1630, strtol(err + 5, NULL, 10), "stream error");
        return true;
    }
    if (c->h2_refused) {
        http2_error(res, 1630, 7, "stream error");
        return true;
    }
    if (rc == CURLE_HTTP2) {   /* the code nghttp2 sent is not told */
        res->error_code = 1650;
        snprintf(res->error, sizeof res->error, "http2: connection error: %s", detail);
        return true;
    }
    return false;
}

static bool http_url_host(const char *url, char *host, size_t n, int *port);

static void http_classify_error(const http_call *c, CURLcode rc, const char *url, const char *errbuf, http_result *res) {
    CURL *e = c->easy;
    if (res->error_code == 1110) return;   /* blacklistIPs: set by http_open_socket */
    long oserr = 0;
    char *ip = NULL;
    long port = 0;
    curl_easy_getinfo(e, CURLINFO_OS_ERRNO, &oserr);
    curl_easy_getinfo(e, CURLINFO_PRIMARY_IP, &ip);
    curl_easy_getinfo(e, CURLINFO_PRIMARY_PORT, &port);
    const char *detail = errbuf[0] ? errbuf : curl_easy_strerror(rc);
    int tls_code = tls_classify_error(e, rc, detail, res->error, sizeof res->error);
    if (tls_code) {
        res->error_code = tls_code;
        return;
    }
    if (http2_classify(c, rc, detail, res)) return;
    switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
        res->error_code = 1050;
        snprintf(res->error, sizeof res->error, "request timeout");
        break;
    case CURLE_COULDNT_RESOLVE_HOST:
        res->error_code = 1101;
        {   /* Go's wording, as the h1 client and k6 say it */
            char sch[16], host[256], path[8];
            if (cookies_split_url(url, sch, sizeof sch, host, sizeof host, path, sizeof path)) snprintf(host, sizeof host, "%s", url);
            snprintf(res->error, sizeof res->error, "lookup %s: no such host", host);
        }
        break;
    case CURLE_COULDNT_CONNECT: {
        res->error_code = oserr == ECONNREFUSED ? 1212 : oserr == ENETUNREACH ? 1210 : 1200;
        char host[256], why[300];
        int uport = 0;
        if (!(ip && *ip) && http_url_host(url, host, sizeof host, &uport)) { ip = host; port = uport; }
        /* Go's errno texts are glibc's in lower case ("connection refused") */
        snprintf(why, sizeof why, "%s", oserr ? strerror((int)oserr) : detail);
        if (oserr) why[0] = (char)tolower((unsigned char)why[0]);
        snprintf(res->error, sizeof res->error, "dial tcp %s:%ld: connect: %s", ip && *ip ? ip : "?", port, why);
        break;
    }
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
        res->error_code = 1020;
        snprintf(res->error, sizeof res->error, "invalid URL \"%s\": %s", url, detail);
        break;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
        res->error_code = oserr == ECONNRESET ? 1220 : 1000;
        snprintf(res->error, sizeof res->error, "%s", oserr ? strerror((int)oserr) : detail);
        break;
    case CURLE_GOT_NOTHING:
        res->error_code = 1000;
        snprintf(res->error, sizeof res->error, "EOF");
        break;
    default:
        res->error_code = 1000;
        snprintf(res->error, sizeof res->error, "%s", detail);
    }
}

static void http_proto(const buf *hdr, char *out, size_t n) {
    snprintf(out, n, "%s", "");
    if (!hdr->p || hdr->len < 8) return;
    if (strncmp(hdr->p, "HTTP/2", 6) == 0) snprintf(out, n, "HTTP/2.0");
    else if (strncmp(hdr->p, "HTTP/3", 6) == 0) snprintf(out, n, "HTTP/3.0");
    else snprintf(out, n, "%.8s", hdr->p);
}

/* curl sends Accept and may send Expect or a form Content-Type on its own;
 * k6 sends none of them, so they are switched off ("Name:" removes). */
static struct curl_slist *http_add_defaults(struct curl_slist *h, const http_call *c) {
    if (!c->p.has_accept) h = curl_slist_append(h, "Accept:");
    h = curl_slist_append(h, "Accept-Encoding:");
    h = curl_slist_append(h, "Expect:");
    if (c->has_body && !c->p.has_content_type)
        h = curl_slist_append(h, c->ctype[0] ? c->ctype : "Content-Type:");
    return h;
}

/* The header list for curl. Without script headers nor a multipart type it
 * is one of three fixed lists built once per worker (*owned = false): no
 * allocation per request. */
static struct curl_slist *http_curl_headers(vu *v, const http_call *c, bool *owned) {
    bool is_form = strcmp(c->ctype, HTTP_FORM_CTYPE) == 0;
    if (c->p.nh == 0 && !(c->cr && c->cr->authz[0]) && (!c->ctype[0] || is_form || !c->has_body)) {
        int variant = c->has_body ? (is_form ? 2 : 1) : 0;
        struct curl_slist **slot = &v->w->default_headers[variant];
        if (!*slot) *slot = http_add_defaults(NULL, c);
        *owned = false;
        return *slot;
    }
    struct curl_slist *h = NULL;
    for (int i = 0; i < c->p.nh; i++) {
        size_t l = strlen(c->p.hlines[i]);
        if (l >= 2 && c->p.hlines[i][l - 1] == ' ' && c->p.hlines[i][l - 2] == ':') {
            /* an empty value: curl sends "Name:" only when written "Name;" */
            char tmp[512];
            snprintf(tmp, sizeof tmp, "%.*s;", (int)(l - 2), c->p.hlines[i]);
            h = curl_slist_append(h, tmp);
        } else {
            h = curl_slist_append(h, c->p.hlines[i]);
        }
    }
    if (c->cr && c->cr->authz[0]) h = curl_slist_append(h, c->cr->authz);
    *owned = true;
    return http_add_defaults(h, c);
}

/* blacklistIPs for libcurl: the address is checked before the socket exists. */
static curl_socket_t http_open_socket(void *ud, curlsocktype purpose, struct curl_sockaddr *a) {
    http_call *c = ud;
    const char *range = dialer_blacklisted(c->v->test->dialer, &a->addr);
    if (range) {
        c->res.error_code = 1110;
        dialer_blacklist_msg(c->res.error, sizeof c->res.error, &a->addr, range);
        return CURL_SOCKET_BAD;
    }
    return socket(a->family, a->socktype, a->protocol);
}

/* "host:port" of url into host/port; false if it has none. */
static bool http_url_host(const char *url, char *host, size_t n, int *port) {
    const char *h = strstr(url, "://");
    if (!h) return false;
    bool tls = h - url == 5 && strncasecmp(url, "https", 5) == 0;
    h += 3;
    size_t len = strcspn(h, "/?#");
    const char *at = memchr(h, '@', len);
    if (at) { len -= (size_t)(at + 1 - h); h = at + 1; }
    const char *end = h + len, *colon = NULL;
    if (*h == '[') {
        const char *close = memchr(h, ']', len);
        if (!close) return false;
        colon = close + 1 < end && close[1] == ':' ? close + 1 : NULL;
        snprintf(host, n, "%.*s", (int)(close - h - 1), h + 1);
    } else {
        colon = memchr(h, ':', len);
        snprintf(host, n, "%.*s", (int)((colon ? colon : end) - h), h);
    }
    *port = colon ? atoi(colon + 1) : tls ? 443 : 80;
    return *host != 0;
}

/* c->ct_line = "host:port:ip:port" for CURLOPT_CONNECT_TO: curl dials ip
 * while the Host header, SNI and certificate checks stay on host. */
static void http_connect_to(http_call *c, const char *host, int port, int family, const char *ip, int to_port) {
    bool v6 = family == AF_INET6;
    snprintf(c->ct_line, sizeof c->ct_line, "%s:%d:%s%s%s:%d", host, port, v6 ? "[" : "", ip, v6 ? "]" : "", to_port);
}

/* The connection options for a libcurl hop; only what the options ask for. */
static void http_curl_dialer(http_call *c, CURL *e) {
    if (c->ct_line[0]) {
        c->ct_node.data = c->ct_line;
        c->ct_node.next = NULL;
        curl_easy_setopt(e, CURLOPT_CONNECT_TO, &c->ct_node);
    }
    const net_dialer *d = c->v->test ? c->v->test->dialer : NULL;
    if (!d) return;
    const dialer_dns *dns = &d->dns;
    /* Left to curl: IP literals, to which k6 applies no policy either, and
     * names h1 rejects (bad characters), which Go would not resolve. */
    if (!c->ct_line[0]) curl_easy_setopt(e, CURLOPT_DNS_CACHE_TIMEOUT, dns->ttl_us < 0 ? -1L : (long)(dns->ttl_us / 1000000));
    if (d->nblacklist) {
        curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, http_open_socket);
        curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, c);
    }
    if (d->nlocal_total && dialer_local_addr(d, c->v->id, &c->local)) {
        char ip[64] = "host!";
        inet_ntop(c->local.sa.sa_family, c->local.sa.sa_family == AF_INET ? (const void *)&c->local.in4.sin_addr
                                                                          : (const void *)&c->local.in6.sin6_addr, ip + 5, sizeof ip - 5);
        curl_easy_setopt(e, CURLOPT_INTERFACE, ip);
    }
    bool fresh = d->no_conn_reuse || (d->no_vu_conn_reuse && c->v->fresh_iter != c->v->iter);
    if (d->no_vu_conn_reuse) c->v->fresh_iter = c->v->iter;
    if (fresh) curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
    if (d->no_conn_reuse) curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
}

static void http_curl_begin(http_call *c);

/* A lookup the hop waited for has ended: the transfer starts, or the hop
 * ends with k6's DNS error. Runs from a libuv callback. */
static void http_curl_resolved(h1_lookup *l, void *ud) {
    http_call *c = ud;
    char host[256];
    int port;
    c->resolving = false;
    c->lookup_us = clock_now_us() - c->lookup_us;
    if (!http_url_host(c->url, host, sizeof host, &port)) snprintf(host, sizeof host, "?");
    if (l->ok) {
        http_connect_to(c, host, port, l->family, l->ip, port);
        http_curl_begin(c);
        return;
    }
    memset(&c->res, 0, sizeof c->res);
    c->res.error_code = 1101;
    c->res.t_blocked = (double)c->lookup_us / 1000.0;
    snprintf(c->res.error, sizeof c->res.error, "lookup %s: %s", host, l->why);
    c->refused = c->hop_done = true;
    if (c->v->state == VU_WAITING) vu_wake(c->v);
}

/* Where a libcurl hop connects, decided as c6's h1 client decides it: a
 * hosts entry, else for a name an address from the worker's DNS cache
 * under the dns option (ttl, policy, select), handed to curl as
 * CONNECT_TO. IP literals (and names h1 rejects) are left to curl. Returns
 * false when the hop does not start now (a lookup runs, or failed). */
static bool http_curl_target(http_call *c) {
    char host[256];
    int port;
    c->ct_line[0] = 0;
    c->lookup_us = 0;
    if (!http_url_host(c->url, host, sizeof host, &port)) return true;
    const net_dialer *d = c->v->test ? c->v->test->dialer : NULL;
    size_t hl = strlen(host);
    const dialer_host *m = d && d->nhosts ? dialer_map(d, host, hl, port) : NULL;
    if (m) {
        http_connect_to(c, host, port, m->to.sa.sa_family, m->ip, m->to_port ? m->to_port : port);
        return true;
    }
    struct in_addr a4;
    if (!c->v->w->h1 || strchr(host, ':') || inet_pton(AF_INET, host, &a4) == 1) return true;
    c->lk.done = http_curl_resolved;
    c->lk.ud = c;
    switch (h1_lookup_start(c->v->w->h1, host, hl, port, &c->lk)) {
    case H1_LOOKUP_DONE:
        http_connect_to(c, host, port, c->lk.family, c->lk.ip, port);
        return true;
    case H1_LOOKUP_PENDING:
        c->resolving = true;
        c->lookup_us = clock_now_us();
        return false;
    case H1_LOOKUP_FAILED:
        c->lookup_us = clock_now_us();   /* so the failure reports 0 ms */
        http_curl_resolved(&c->lk, c);
        vu_wake(c->v);                   /* http_run waits for a wake-up */
        return false;
    default:
        return true;
    }
}

static void http_curl_start(http_call *c) {
    if (http_curl_target(c)) http_curl_begin(c);
}

static void http_curl_begin(http_call *c) {
    vu *v = c->v;
    CURL *e = c->easy = worker_easy_get(v->w);
    c->hl = http_curl_headers(v, c, &c->hl_owned);
    curl_easy_setopt(e, CURLOPT_URL, c->url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, c);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, http_on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, c);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, http_on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, c);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, c->errbuf);
    curl_easy_setopt(e, CURLOPT_USERAGENT, http_user_agent(v));
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, c->p.timeout_ms);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");   /* decode compressed bodies */
    curl_easy_setopt(e, CURLOPT_SHARE, v->w->share);
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);   /* h2 when ALPN says so */
    tls_apply(e, v->test ? v->test->tls : NULL, c->url);
    c->h2_goaway = -1;
    c->h2_refused = false;
    if (v->w->h2_verbose && strncasecmp(c->url, "https:", 6) == 0) {   /* h2 is negotiated over TLS only */
        curl_easy_setopt(e, CURLOPT_DEBUGFUNCTION, http_on_debug);
        curl_easy_setopt(e, CURLOPT_DEBUGDATA, c);
        curl_easy_setopt(e, CURLOPT_VERBOSE, 1L);
    }
    if (v->test && v->test->insecure_skip_tls_verify) {
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (strcmp(c->method, "HEAD") == 0) curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    else if (strcmp(c->method, "GET") != 0 || c->has_body) curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, c->method);
    if (c->has_body) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)c->body.len);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, c->body.p ? c->body.p : "");
    }
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, c->hl);
    if (c->cookie.len) curl_easy_setopt(e, CURLOPT_COOKIE, c->cookie.p + 8);   /* after "Cookie: " */
    if (c->p.auth == HTTP_AUTH_NTLM) {
        curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_NTLM);
        curl_easy_setopt(e, CURLOPT_USERNAME, c->cr ? c->cr->user : "");
        curl_easy_setopt(e, CURLOPT_PASSWORD, c->cr ? c->cr->pass : "");
    }
    http_curl_dialer(c, e);
    curl_multi_add_handle(v->w->multi, e);
}

static void http_curl_release(http_call *c) {
    worker_easy_put(c->v->w, c->easy);
    c->easy = NULL;
    if (c->hl_owned) curl_slist_free_all(c->hl);
    c->hl = NULL;
}

static void http_curl_result(http_call *c, double *sent, double *received) {
    CURL *e = c->easy;
    http_result *res = &c->res;
    int blocked = res->error_code == 1110;          /* set by http_open_socket during the transfer */
    char why[sizeof res->error];
    if (blocked) memcpy(why, res->error, sizeof why);
    memset(res, 0, sizeof *res);
    if (blocked) { res->error_code = 1110; memcpy(res->error, why, sizeof why); }
    http_timings(e, res);
    res->t_blocked += (double)c->lookup_us / 1000.0;   /* the wait for c6's own lookup */
    res->tls = c->tls;
    char *ip = NULL;
    curl_easy_getinfo(e, CURLINFO_PRIMARY_IP, &ip);
    snprintf(res->ip, sizeof res->ip, "%s", ip ? ip : "");
    curl_easy_getinfo(e, CURLINFO_PRIMARY_PORT, &res->port);
    if (c->rc != CURLE_OK) {
        http_classify_error(c, c->rc, c->url, c->errbuf, res);
        switch (c->rc) {   /* failures an h2 connection can cause: read curl's verbose text from now on */
        case CURLE_HTTP2: case CURLE_HTTP2_STREAM: case CURLE_RECV_ERROR: case CURLE_SEND_ERROR:
        case CURLE_GOT_NOTHING: case CURLE_PARTIAL_FILE:
            if (strncasecmp(c->url, "https:", 6) == 0) c->v->w->h2_verbose = true;
            break;
        default:
            break;
        }
    } else {
        curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &res->status);
        http_proto(&c->rhdr, res->proto, sizeof res->proto);
        if (res->status >= 400 && res->status < 600) res->error_code = 1000 + (int)res->status;
    }
    curl_off_t up = 0, down = 0;
    long reqsize = 0, hdrsize = 0;
    curl_easy_getinfo(e, CURLINFO_REQUEST_SIZE, &reqsize);
    curl_easy_getinfo(e, CURLINFO_HEADER_SIZE, &hdrsize);
    curl_easy_getinfo(e, CURLINFO_SIZE_UPLOAD_T, &up);
    curl_easy_getinfo(e, CURLINFO_SIZE_DOWNLOAD_T, &down);
    *sent = (double)(reqsize + up);
    *received = (double)(hdrsize + down);
    http_curl_release(c);
}

/* ---- the h1 client ---- */

static void http_h1_done(h1_request *hr, void *ud) {
    http_call *c = ud;
    (void)hr;
    c->hop_done = true;
    if (c->v->state == VU_WAITING) vu_wake(c->v);
}

/* One hop through c6's own HTTP/1.1 client: plain http:// on keep-alive
 * connections, a few thousand instructions instead of libcurl's ~75,000. */
static void http_h1_start(http_call *c) {
    size_t nh = 0;
    for (int i = 0; i < c->p.nh; i++) c->hdrs[nh++] = c->p.hlines[i];
    if (c->has_body && c->ctype[0] && !c->p.has_content_type) c->hdrs[nh++] = c->ctype;
    if (c->cookie.len) c->hdrs[nh++] = c->cookie.p;
    if (c->cr && c->cr->authz[0]) c->hdrs[nh++] = c->cr->authz;
    h1_request *hr = &c->hr;
    memset(hr, 0, sizeof *hr);
    hr->method = c->method;
    hr->url = c->url;
    hr->headers = c->hdrs;
    hr->nheaders = nh;
    hr->user_agent = http_user_agent(c->v);
    hr->body = c->body.p;
    hr->body_len = c->body.len;
    hr->has_body = c->has_body;
    hr->timeout_ms = c->p.timeout_ms;
    hr->vu = c->v->id;
    const net_dialer *d = c->v->test ? c->v->test->dialer : NULL;
    if (d) {
        hr->no_reuse = d->no_conn_reuse;
        hr->owner = d->no_vu_conn_reuse || d->nlocal_total ? c->v->id : 0;
        if (d->nlocal_total && dialer_local_addr(d, c->v->id, &c->local)) hr->local_addr = &c->local.sa;
    }
    hr->resp_headers = &c->rhdr;
    hr->resp_body = &c->rbody;
    hr->done = http_h1_done;
    hr->ud = c;
    h1_start(c->v->w->h1, hr);
}

static void http_h1_result(http_call *c, double *sent, double *received) {
    static const int codes[] = {
        [H1_ERR_URL] = 1020, [H1_ERR_DNS] = 1101, [H1_ERR_REFUSED] = 1212, [H1_ERR_NETUNREACH] = 1210,
        [H1_ERR_CONNECT] = 1200, [H1_ERR_TIMEOUT] = 1050, [H1_ERR_RESET] = 1220, [H1_ERR_EOF] = 1000,
        [H1_ERR_PROTO] = 1000, [H1_ERR_OTHER] = 1000, [H1_ERR_BLACKLISTED] = 1110,
    };
    const h1_request *hr = &c->hr;
    http_result *res = &c->res;
    memset(res, 0, sizeof *res);
    res->t_blocked = hr->t_blocked;
    res->t_connecting = hr->t_connecting;
    res->t_sending = hr->t_sending;
    res->t_waiting = hr->t_waiting;
    res->t_receiving = hr->t_receiving;
    res->t_duration = hr->t_sending + hr->t_waiting + hr->t_receiving;
    res->t_tls = hr->t_tls;
    tls_info_clear(&res->tls);
    if (hr->err == H1_OK && hr->tls.version) res->tls = hr->tls;   /* as curl's path: a response's session only */
    http_strlcpy(res->ip, hr->remote_ip, sizeof res->ip);
    res->port = hr->remote_port;
    *sent = (double)hr->bytes_sent;
    *received = (double)hr->bytes_received;
    if (hr->err == H1_ERR_H2_GOAWAY) {
        http2_error(res, 1610, (long)hr->h2_code, "received GoAway");
    } else if (hr->err == H1_ERR_H2_STREAM) {
        http2_error(res, 1630, (long)hr->h2_code, "stream error");
    } else if (hr->err == H1_ERR_H2_CONN) {
        res->error_code = 1650;
        snprintf(res->error, sizeof res->error, "%s", hr->errmsg);
    } else if (hr->err != H1_OK) {
        res->error_code = hr->err == H1_ERR_TLS ? hr->tls_code : codes[hr->err] ? codes[hr->err] : 1000;
        snprintf(res->error, sizeof res->error, "%s", hr->errmsg);
    } else {
        res->status = hr->status;
        http_strlcpy(res->proto, hr->proto, sizeof res->proto);
        if (res->status >= 400 && res->status < 600) res->error_code = 1000 + (int)res->status;
    }
}

/* Plain http:// without credentials in the URL goes to the h1 client, and
 * so does https:// (HTTP/1.1 or h2 by ALPN) unless C6_TLS_FASTPATH=0. */
static bool http_use_h1(h1_client *h1, const char *url) {
    size_t sl = strncasecmp(url, "http://", 7) == 0 ? 7 : strncasecmp(url, "https://", 8) == 0 ? 8 : 0;
    if (!sl || !h1) return false;
    const char *auth = url + sl;
    size_t alen = strcspn(auth, "/?#");
    if (memchr(auth, '@', alen)) return false;
    return sl == 7 || h1_https_ok(h1, url);
}

/* ---- samples ---- */

static void http_emit(vu *v, const http_call *c, double sent, double received, int64_t now) {
    const http_params *p = &c->p;
    const http_result *res = &c->res;
    char status[24], code[24];
    http_utoa(status, res->status < 0 ? 0 : (unsigned long)res->status);
    http_utoa(code, res->error_code < 0 ? 0 : (unsigned long)res->error_code);
    /* the callback decides "expected"; with none (null) k6 emits no http_req_failed */
    const http_expect *ex = p->expect_set ? p->expect : v->expect;   /* NULL: k6's default 200-399 */
    bool has_cb = p->expect_set ? p->expect != NULL : (v->expect_default || v->expect != NULL);
    bool expected = res->status >= 200 && res->status < 400;
    if (ex) {
        expected = false;
        for (int i = 0; i < ex->n && !expected; i++) expected = res->status >= ex->min[i] && res->status <= ex->max[i];
    }
    const char *name = p->name ? p->name : c->url;
    tag_kv kv[VU_BASE_TAGS + VM_MAX_PAIRS + 12];
    size_t n = vu_base_tags(v, kv, v->group);
    if (vu_tag_on(v, ST_METHOD)) kv[n++] = (tag_kv){"method", c->method};
    if (vu_tag_on(v, ST_URL)) kv[n++] = (tag_kv){"url", name};
    if (vu_tag_on(v, ST_NAME)) kv[n++] = (tag_kv){"name", name};
    if (vu_tag_on(v, ST_STATUS)) kv[n++] = (tag_kv){"status", status};
    if (vu_tag_on(v, ST_PROTO)) kv[n++] = (tag_kv){"proto", res->proto[0] ? res->proto : NULL};
    if (has_cb && vu_tag_on(v, ST_EXPECTED_RESPONSE)) kv[n++] = (tag_kv){"expected_response", expected ? "true" : "false"};
    if (res->error_code && vu_tag_on(v, ST_ERROR_CODE)) kv[n++] = (tag_kv){"error_code", code};
    if (res->error[0] && vu_tag_on(v, ST_ERROR)) kv[n++] = (tag_kv){"error", res->error};
    if (res->ip[0] && vu_tag_on(v, ST_IP)) kv[n++] = (tag_kv){"ip", res->ip};
    if (res->tls.version && vu_tag_on(v, ST_TLS_VERSION)) kv[n++] = (tag_kv){"tls_version", tls_version_name(res->tls.version)};
    if (res->tls.version && vu_tag_on(v, ST_OCSP_STATUS)) kv[n++] = (tag_kv){"ocsp_status", res->tls.ocsp.status};
    for (int i = 0; i < p->tags.n; i++)
        if (strcmp(p->tags.k[i], "name") != 0) kv[n++] = (tag_kv){p->tags.k[i], p->tags.v[i]};
    sample_buf *sb = &v->w->samples;
    uint32_t tags = tagdict_intern(sb->tags, kv, n);
    sample_push(sb, M_HTTP_REQS, tags, 1, now);
    sample_push(sb, M_HTTP_REQ_DURATION, tags, res->t_duration, now);
    sample_push(sb, M_HTTP_REQ_BLOCKED, tags, res->t_blocked, now);
    sample_push(sb, M_HTTP_REQ_CONNECTING, tags, res->t_connecting, now);
    sample_push(sb, M_HTTP_REQ_TLS_HANDSHAKING, tags, res->t_tls, now);
    sample_push(sb, M_HTTP_REQ_SENDING, tags, res->t_sending, now);
    sample_push(sb, M_HTTP_REQ_WAITING, tags, res->t_waiting, now);
    sample_push(sb, M_HTTP_REQ_RECEIVING, tags, res->t_receiving, now);
    if (has_cb) sample_push(sb, M_HTTP_REQ_FAILED, tags, expected ? 0 : 1, now);
    sample_push(sb, M_DATA_SENT, tags, sent, now);
    sample_push(sb, M_DATA_RECEIVED, tags, received, now);
}

/* ---- redirects ---- */

/* The Location of a redirect response, resolved against url; NULL if none. */
static char *http_redirect_target(const buf *hdr, const char *url, long status, int *method_get) {
    if (status != 301 && status != 302 && status != 303 && status != 307 && status != 308) return NULL;
    const char *loc = NULL;
    size_t ll = 0;
    for (const char *p = hdr->p; p && *p;) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        if (len > 9 && strncasecmp(p, "location:", 9) == 0) {
            loc = p + 9;
            while (*loc == ' ' || *loc == '\t') loc++;
            ll = (size_t)(p + len - loc);
            while (ll && (loc[ll - 1] == '\r' || loc[ll - 1] == ' ')) ll--;
        }
        p = eol ? eol + 1 : NULL;
    }
    if (!loc || ll == 0) return NULL;
    *method_get = status <= 303;
    char *l = strndup(loc, ll);
    buf out = {0};
    if (!l || url_resolve(&out, url, l)) { free(l); buf_free(&out); return NULL; }
    free(l);
    return out.p;
}

/* ---- hops ---- */

static cookie_jar *http_jar(http_call *c) {
    return c->p.jar ? c->p.jar : c->v->jar;
}

/* blockHostnames: the hop ends at once, before any lookup or connection. */
static bool http_blocked(http_call *c, const net_dialer *d) {
    char host[256];
    int port;
    const char *pat = http_url_host(c->url, host, sizeof host, &port) ? dialer_blocked(d, host, strlen(host)) : NULL;
    if (!pat) return false;
    memset(&c->res, 0, sizeof c->res);
    c->res.error_code = 1111;
    dialer_blocked_msg(c->res.error, sizeof c->res.error, host, strlen(host), pat);
    c->refused = c->hop_done = true;
    vu_wake(c->v);                         /* http_run waits for a wake-up */
    return true;
}

/* What net/http's Transport refuses before dialing: a scheme other than
 * http/https (none included: "not a url"), and no host ("http:///x"). The
 * hop ends at once with Go's error, code 1000 (k6's default). */
static bool http_unsupported(http_call *c) {
    const char *u = c->url, *e = u;
    if (isalpha((unsigned char)*e))
        for (e++; isalnum((unsigned char)*e) || *e == '+' || *e == '-' || *e == '.'; e++) {}
    size_t sl = *e == ':' ? (size_t)(e - u) : 0;   /* Go's getScheme: no ':' after it, no scheme */
    char why[300];
    if (!((sl == 4 && !strncasecmp(u, "http", 4)) || (sl == 5 && !strncasecmp(u, "https", 5))))
        snprintf(why, sizeof why, "unsupported protocol scheme \"%.*s\"", (int)(sl < 64 ? sl : 64), u);
    else if (strncmp(e + 1, "//", 2) != 0 || strchr("/?#", e[3]))
        snprintf(why, sizeof why, "http: no Host in request URL");
    else
        return false;
    memset(&c->res, 0, sizeof c->res);
    c->res.error_code = 1000;
    snprintf(c->res.error, sizeof c->res.error, "%s", why);
    c->refused = c->hop_done = true;
    vu_wake(c->v);
    return true;
}

static void http_hop_start(http_call *c) {
    buf_clear(&c->rbody);
    buf_clear(&c->rhdr);
    buf_clear(&c->cookie);
    c->errbuf[0] = 0;
    c->hop_done = false;
    tls_info_clear(&c->tls);
    http_cookie_line(c, http_jar(c), &c->cookie);
    c->refused = false;
    if (http_unsupported(c)) return;
    const net_dialer *d = c->v->test ? c->v->test->dialer : NULL;
    if (d && d->nblocked && http_blocked(c, d)) return;
    c->on_h1 = c->p.auth != HTTP_AUTH_NTLM && http_use_h1(c->v->w->h1, c->url);
    if (c->on_h1) http_h1_start(c);
    else http_curl_start(c);
}

/* logfmt value: quoted when it holds a space, '=' or '"' (as logrus does). */
void http_log_field(buf *b, const char *k, const char *v) {
    buf_append(b, " ", 1);
    buf_puts(b, k);
    buf_append(b, "=", 1);
    if (!strpbrk(v, " =\"\\")) { buf_puts(b, v); return; }
    buf_append(b, "\"", 1);
    for (; *v; v++) {
        if (*v == '"' || *v == '\\') buf_append(b, "\\", 1);
        buf_append(b, v, 1);
    }
    buf_append(b, "\"", 1);
}

/* A failure's two texts, as k6 has them: cause is Go's error from the
 * transport (c6 writes it as Go words it), error what k6's errorCodeForError
 * (lib/netext/httpext/error_codes.go) makes of it for Response.error and
 * the error tag: its own short message for some codes, Go's text otherwise. */
static void http_error_texts(http_result *res) {
    if (res->status || !res->error[0]) return;
    static const struct { int code; const char *k6, *go; } texts[] = {
        {1110, "ip is blacklisted", NULL},
        {1111, "hostname is blocked", NULL},
        {1211, "dial: i/o timeout", NULL},
        {1212, "dial: connection refused", NULL},
        {1310, NULL, "tls: failed to verify certificate: x509: certificate signed by unknown authority"},
    };
    memcpy(res->cause, res->error, sizeof res->cause);
    if (res->error_code == 1020 && !strncmp(res->error, "parse ", 6)) {   /* httpext.NewURL's K6Error */
        snprintf(res->error, sizeof res->error, "invalid URL: %.490s", res->cause);
        return;
    }
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        if (texts[i].code != res->error_code) continue;
        if (texts[i].k6) snprintf(res->error, sizeof res->error, "%s", texts[i].k6);
        if (texts[i].go) snprintf(res->cause, sizeof res->cause, "%s", texts[i].go);
    }
}

void http_go_error(const http_call *c, char *out, size_t n) {
    const http_result *res = &c->res;
    const char *cause = res->cause[0] ? res->cause : res->error;
    if (res->error_code == 1020) { snprintf(out, n, "%s", res->error); return; }   /* ToURL's K6Error: no round trip */
    /* a timeout while the body was read is MakeRequest's own K6Error, not
     * wrapped in the url.Error of the round trip */
    if (res->error_code == 1050 && res->t_receiving > 0) { snprintf(out, n, "%s", cause); return; }
    char op[16];   /* url.Error.Op: the method as "Get", "Post", ... */
    size_t i = 0;
    for (; c->method[i] && i < sizeof op - 1; i++) op[i] = (char)(i ? tolower((unsigned char)c->method[i]) : toupper((unsigned char)c->method[i]));
    op[i] = 0;
    /* net/http's stripPassword: a password shows as "***" */
    const char *u = c->url, *sch = strstr(u, "://");
    const char *auth = sch ? sch + 3 : u;
    size_t alen = strcspn(auth, "/?#");
    const char *at = memchr(auth, '@', alen);
    const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
    if (colon) snprintf(out, n, "%s \"%.*s:***%s\": %s", op, (int)(colon - u), u, at, cause);
    else snprintf(out, n, "%s \"%s\": %s", op, u, cause);
}

/* k6's MakeRequest logs a request that failed without a response (unless
 * it throws): level=warning msg="Request Failed" error="<Go's error>". */
static void http_log_failed(const http_call *c) {
    char msg[1200];
    http_go_error(c, msg, sizeof msg);
    buf extra = {0};
    http_log_field(&extra, "error", msg);
    static const char text[] = "Request Failed";
    log_msg(LOG_WARN, extra.p, text, sizeof text - 1);
    buf_free(&extra);
}

/* The hop is over: its samples and cookies are recorded, and a redirect
 * starts the next hop. Returns false when the request is complete. */
static bool http_hop_finish(http_call *c) {
    vu *v = c->v;
    double sent = 0, received = 0;
    if (c->refused) ;                      /* blockHostnames, lookup failed: res is set, nothing was sent */
    else if (c->on_h1) http_h1_result(c, &sent, &received);
    else http_curl_result(c, &sent, &received);
    http_error_texts(&c->res);
    if (c->res.error_code != 1020)         /* k6: a URL that does not parse never makes a request, nor samples */
        http_emit(v, c, sent, received, sample_now(&v->w->samples));
    if (v->test && v->test->http_debug) http_debug_dump(c);
    if (c->res.status && c->rhdr.len) {
        if (!c->p.jar && !v->jar) v->jar = cookies_new();
        if (http_jar(c)) cookies_store(http_jar(c), c->url, c->rhdr.p, c->rhdr.len, time(NULL));
    }
    /* digest: the 401's challenge is answered by a second request, a sample of its own (k6) */
    if (c->p.auth == HTTP_AUTH_DIGEST && c->res.status == 401 && !(c->cr && c->cr->authz[0]) && http_digest_answer(c)) {
        http_hop_start(c);
        return true;
    }
    int to_get = 0;
    char *next = c->res.status ? http_redirect_target(&c->rhdr, c->url, c->res.status, &to_get) : NULL;
    if (next && c->hop >= c->p.redirects) {
        /* k6's CheckRedirect (lib/netext/httpext/request.go): the redirection
         * is returned; without redirects set anywhere, a warning with the
         * number of requests made and the first URL */
        free(next);
        next = NULL;
        if (!c->p.redirects_set) {
            char msg[200];
            snprintf(msg, sizeof msg, "Stopped after %d redirects and returned the redirection; pass { redirects: n }"
                     " in request params or set global maxRedirects to silence this", c->hop + 1);
            buf extra = {0};
            http_log_field(&extra, "url", c->hop ? c->url0 : c->url);
            log_msg(LOG_WARN, extra.p, msg, strlen(msg));
            buf_free(&extra);
        }
    }
    if (!next) {
        if (!c->res.status && c->res.error[0] && !c->p.throw_errors) http_log_failed(c);
        return false;
    }
    if (c->hop == 0) {   /* Response.request describes the first hop */
        c->url0 = c->url;
        c->cookie0 = c->cookie;
        c->cookie = (buf){0};
    } else {
        free(c->url);
    }
    c->url = next;
    if (to_get && strcmp(c->method, "HEAD") != 0) {
        snprintf(c->method, sizeof c->method, "GET");
        c->has_body = false;
    }
    c->hop++;
    http_hop_start(c);
    return true;
}

/* Abandons a running hop (the VU is interrupted). A finished curl transfer
 * has already left the multi handle; removing it again is harmless. */
static void http_hop_cancel(http_call *c) {
    if (c->refused) return;
    if (c->resolving) {
        h1_lookup_cancel(c->v->w->h1, &c->lk);
        c->resolving = false;
        return;
    }
    if (c->on_h1) {
        if (!c->hop_done) h1_cancel(c->v->w->h1, &c->hr);
    } else {
        curl_multi_remove_handle(c->v->w->multi, c->easy);
        http_curl_release(c);
    }
}

/* ---- several requests at once ---- */

/* The host[:port] of the URL the request was made for (k6's per-host key). */
static const char *http_host_key(const http_call *c, size_t *n) {
    const char *url = c->url0 ? c->url0 : c->url;
    const char *h = strstr(url, "://");
    h = h ? h + 3 : url;
    size_t len = strcspn(h, "/?#");
    const char *at = memchr(h, '@', len);
    if (at) { len -= (size_t)(at + 1 - h); h = at + 1; }
    *n = len;
    return h;
}

static bool http_host_free(const http_call *calls, size_t from, size_t taken, size_t i, int per_host) {
    if (per_host <= 0) return true;
    size_t kl, ol;
    const char *key = http_host_key(&calls[i], &kl);
    int busy = 0;
    for (size_t j = from; j < taken; j++) {
        if (calls[j].state != HC_RUNNING) continue;
        const char *o = http_host_key(&calls[j], &ol);
        if (ol == kl && memcmp(o, key, kl) == 0) busy++;
    }
    return busy < per_host;
}

/* options.rps: every request takes the next slot of the test-wide schedule
 * (one slot per 1/rps s, as k6's limiter) and waits for it. False when the
 * VU was interrupted while waiting. */
static bool http_rps_wait(vu *v, size_t n) {
    c6_test *t = v->test;
    int64_t now = clock_now_us(), next = atomic_load(&t->rps_next_us), slot;
    do slot = next > now ? next : now;
    while (!atomic_compare_exchange_weak(&t->rps_next_us, &next, slot + (int64_t)n * t->rps_interval_us));
    slot += (int64_t)(n - 1) * t->rps_interval_us;   /* a batch starts when its last slot comes */
    return vu_sleep_until(v, slot);
}

bool http_run(vu *v, http_call *calls, size_t n, int limit, int per_host) {
    size_t first = 0, taken = 0, active = 0;   /* calls before `first` are done */
    if (v->test && v->test->rps_interval_us && !http_rps_wait(v, n)) return false;
    size_t lim = limit > 0 ? (size_t)limit : SIZE_MAX;
    for (;;) {
        while (taken < n && active < lim) {
            calls[taken++].state = HC_WAITING;
            active++;
        }
        for (size_t i = first; i < taken; i++) {
            if (calls[i].state == HC_WAITING && http_host_free(calls, first, taken, i, per_host)) {
                calls[i].state = HC_RUNNING;
                http_hop_start(&calls[i]);
            }
        }
        while (first < n && calls[first].state == HC_DONE) first++;
        if (first == n) return true;
        if (!vu_wait(v)) {
            for (size_t i = first; i < taken; i++)
                if (calls[i].state == HC_RUNNING) http_hop_cancel(&calls[i]);
            return false;
        }
        for (size_t i = first; i < taken; i++) {
            http_call *c = &calls[i];
            if (c->state != HC_RUNNING || !c->hop_done) continue;
            if (!http_hop_finish(c)) {
                c->state = HC_DONE;
                active--;
            }
        }
    }
}
