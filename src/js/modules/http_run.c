/* Running k6/http requests (http.request & co., http.batch,
 * http.asyncRequest). Each hop of a request goes to the worker's HTTP client
 * (net/client.h: HTTP/1.1, HTTPS, HTTP/2, NTLM) while the VU's coroutine waits;
 * redirects and the Digest retry are followed here, hop by hop, because k6
 * records every hop as its own sample. A hop to a scheme other than
 * http/https, to no host, or to a host blockHostnames refuses ends at once
 * with k6's error and no connection. options.rps makes every request wait for
 * its slot of the test-wide schedule first.
 *
 * Several requests run at once: their completion callbacks only mark them
 * done and wake the VU, which then, on its own stack, records the samples,
 * stores the cookies and starts the next hops. Which requests may start
 * follows k6's MakeBatchRequests: `limit` workers take the requests in
 * order, and a taken request waits for a free per-host slot while holding
 * its worker. */
#include <ctype.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "exec/test.h"
#include "js/modules/http.h"
#include "metrics/registry.h"
#include "exec/worker.h"
#include "util/clock.h"
#include "vu/vu_tags.h"
#include "util/log.h"
#include "util/url.h"
#include "util/urlref.h"

enum { HC_QUEUED, HC_WAITING, HC_RUNNING, HC_DONE };

static const char http_default_ua[] = "c6/0.1.0 (k6-compatible; +https://k6.io/)";

const char *http_user_agent(vu *v) { return v->test && v->test->user_agent ? v->test->user_agent : http_default_ua; }

/* A text array of the client's into a larger one of res: the whole array
 * (a few moves, no call; what follows its NUL comes along unread), ended. */
#define HTTP_COPY_TEXT(dst, src)                                                                                       \
    do {                                                                                                               \
        _Static_assert(sizeof(dst) >= sizeof(src), "the text fits");                                                   \
        memcpy((dst), (src), sizeof(src));                                                                             \
        (dst)[sizeof(src) - 1] = 0;                                                                                    \
    } while (0)

static void http_utoa(char *out, unsigned long v) {
    char tmp[24];
    int n = 0;
    do tmp[n++] = (char)('0' + v % 10);
    while ((v /= 10) && n < (int)sizeof tmp);
    for (int i = 0; i < n; i++) out[i] = tmp[n - 1 - i];
    out[n] = 0;
}

/* "100" .. "999" (every status Go reads), made by the compiler: a request's
 * status tag is a lookup, not a conversion. */
#define HTTP_ST_C(a, b, c)                                                                                             \
    { a, b, c, 0 }
#define HTTP_ST_B(a, b)                                                                                                \
    HTTP_ST_C(a, b, '0'), HTTP_ST_C(a, b, '1'), HTTP_ST_C(a, b, '2'), HTTP_ST_C(a, b, '3'), HTTP_ST_C(a, b, '4'),      \
        HTTP_ST_C(a, b, '5'), HTTP_ST_C(a, b, '6'), HTTP_ST_C(a, b, '7'), HTTP_ST_C(a, b, '8'), HTTP_ST_C(a, b, '9')
#define HTTP_ST_A(a)                                                                                                   \
    HTTP_ST_B(a, '0'), HTTP_ST_B(a, '1'), HTTP_ST_B(a, '2'), HTTP_ST_B(a, '3'), HTTP_ST_B(a, '4'), HTTP_ST_B(a, '5'),  \
        HTTP_ST_B(a, '6'), HTTP_ST_B(a, '7'), HTTP_ST_B(a, '8'), HTTP_ST_B(a, '9')
static const char http_status_texts[900][4] = {HTTP_ST_A('1'), HTTP_ST_A('2'), HTTP_ST_A('3'),
                                               HTTP_ST_A('4'), HTTP_ST_A('5'), HTTP_ST_A('6'),
                                               HTTP_ST_A('7'), HTTP_ST_A('8'), HTTP_ST_A('9')};

/* The status as its tag's text: "0" without a response; buf (24 bytes)
 * holds any other value outside 100-999. */
static const char *http_status_text(long status, char *buf) {
    if (status >= 100 && status <= 999) return http_status_texts[status - 100];
    if (status <= 0) return "0";
    http_utoa(buf, (unsigned long)status);
    return buf;
}

/* Go's names of the HTTP/2 error codes (RFC 9113, 7), which k6's messages use. */
static const char *const http2_err_names[] = {
    "NO_ERROR",
    "PROTOCOL_ERROR",
    "INTERNAL_ERROR",
    "FLOW_CONTROL_ERROR",
    "SETTINGS_TIMEOUT",
    "STREAM_CLOSED",
    "FRAME_SIZE_ERROR",
    "REFUSED_STREAM",
    "CANCEL",
    "COMPRESSION_ERROR",
    "CONNECT_ERROR",
    "ENHANCE_YOUR_CALM",
    "INADEQUATE_SECURITY",
    "HTTP_1_1_REQUIRED",
};

/* k6's HTTP/2 codes: base (1610 GOAWAY, 1630 stream, 1650 connection) for
 * an unknown error code, base + 1 + code for a known one. */
static void http2_error(http_result *res, int base, long code, const char *what) {
    bool known = code >= 0 && code < (long)(sizeof http2_err_names / sizeof *http2_err_names);
    res->error_code = base + (known ? 1 + (int)code : 0);
    if (known) snprintf(res->error, sizeof res->error, "http2: %s with http2 ErrCode %s", what, http2_err_names[code]);
    else snprintf(res->error, sizeof res->error, "http2: %s with http2 ErrCode unknown error code 0x%lx", what, code);
}

/* "host:port" of url into host/port; false if it has none. */
static bool http_url_host(const char *url, char *host, size_t n, int *port) {
    url_parts u;
    if (url_split(url, &u)) return false;
    snprintf(host, n, "%.*s", (int)u.hostlen, u.host);
    *port = u.port ? u.port : 80;
    return true;
}

/* res as zeroed, its texts only emptied (1 KB of stores a hop less), but
 * for ip and tls, which the caller writes whole (http_h1_result). */
static void http_result_clear(http_result *res) {
#define HR_END(m) (offsetof(http_result, m) + sizeof res->m)
    _Static_assert(HR_END(error) == offsetof(http_result, cause) && HR_END(cause) <= offsetof(http_result, ip) &&
                       HR_END(ip) <= offsetof(http_result, tls),
                   "layout: error, cause, ip, tls in this order");
    memset(res, 0, offsetof(http_result, error));
    res->error[0] = res->cause[0] = 0;
    memset((char *)res + HR_END(cause), 0, offsetof(http_result, ip) - HR_END(cause));
    memset((char *)res + HR_END(ip), 0, offsetof(http_result, tls) - HR_END(ip));
    memset((char *)res + HR_END(tls), 0, sizeof *res - HR_END(tls));
#undef HR_END
}

/* ---- the h1 client ---- */

static void http_h1_done(h1_request *hr, void *ud) {
    http_call *c = ud;
    (void)hr;
    c->hop_done = true;
    if (c->v->state == VU_WAITING) vu_wake(c->v);
}

/* One hop on the worker's HTTP client (net/client.h): HTTP/1.1 or HTTP/2 by
 * ALPN, keep-alive connections, NTLM's handshake inside the hop. */
static void http_h1_start(http_call *c) {
    size_t nh = 0;
    for (int i = 0; i < c->p.nh; i++) c->hdrs[nh++] = c->p.hlines[i];
    if (c->has_body && c->ctype[0] && !c->p.has_content_type) c->hdrs[nh++] = c->ctype;
    if (c->cookie.len) c->hdrs[nh++] = c->cookie.p;
    const h1_url_memo *m = c->hop == 0 ? c->url_memo : NULL; /* set: the URL's split, from its last request */
    if (c->p.auth != HTTP_AUTH_DIGEST && c->p.auth != HTTP_AUTH_NTLM) {
        if (!m || !m->set || m->userinfo) http_basic_answer(c); /* URL credentials */
        else if (c->cr) c->cr->authz[0] = 0;                    /* none in it: as http_basic_answer finds */
    }
    if (c->cr && c->cr->authz[0]) c->hdrs[nh++] = c->cr->authz;
    h1_request *hr = &c->hr;
    /* its inputs and private part zeroed; not its outputs, every one of
     * which h1_start resets (client_req_reset: TLS's but its version, which
     * says whether the rest was written), nor its parser (h1_parser_init) */
    _Static_assert(offsetof(h1_request, ud) < offsetof(h1_request, status) &&
                       offsetof(h1_request, bytes_received) < offsetof(h1_request, parser_),
                   "h1_request: inputs, outputs (status .. bytes_received), private part");
    memset(hr, 0, offsetof(h1_request, status));
    memset((char *)hr + offsetof(h1_request, parser_) + sizeof hr->parser_, 0,
           sizeof *hr - offsetof(h1_request, parser_) - sizeof hr->parser_);
    hr->method = c->method;
    hr->url = c->url;
    hr->url_memo = c->hop == 0 ? c->url_memo : NULL; /* a redirect's hop has a URL of its own */
    hr->headers = c->hdrs;
    hr->nheaders = nh;
    hr->user_agent = http_user_agent(c->v);
    if (hr->user_agent == http_default_ua) hr->user_agent_len = sizeof http_default_ua - 1; /* the option's: strlen */
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
    if (c->p.auth == HTTP_AUTH_NTLM) { /* URL credentials, taken out of it; none: empty ones (as libcurl) */
        hr->ntlm_user = c->cr ? c->cr->user : "";
        hr->ntlm_pass = c->cr ? c->cr->pass : "";
    }
    hr->resp_headers = &c->rhdr;
    /* responseType "none" (discardResponseBodies): the client counts the
     * body and drops it as it comes, never decoded (k6 copies it to
     * io.Discard); --http-debug=full still prints it */
    bool keep = c->p.response_type != 2 || (c->v->test && c->v->test->http_debug == 2);
    hr->resp_body = keep ? &c->rbody : NULL;
    hr->done = http_h1_done;
    hr->ud = c;
    hr->pf_resp[0] = &c->hop_done; /* http_h1_done's */
    hr->pf_resp[1] = &c->v->state;
    hr->pf_resp[2] = c->rhdr.p;
    hr->pf_resp[3] = keep ? c->rbody.p : NULL;
    h1_start(c->v->w->h1, hr);
}

static bool http_location(const buf *hdr, long status, buf *loc);

/* Go's client follows this hop's redirect (a Location it can parse), so it
 * never reads its body. */
static bool http_hop_redirects(const http_call *c) {
    if (c->hop >= c->p.redirects) return false;
    buf loc = {0}, why = {0};
    bool follows = http_location(&c->rhdr, c->hr.status, &loc) && !url_parse_error(&why, loc.p);
    buf_free(&loc);
    buf_free(&why);
    return follows;
}

static void http_h1_result(http_call *c, double *sent, double *received) {
    static const int codes[] = {
        [H1_ERR_URL] = 1020,     [H1_ERR_DNS] = 1101,     [H1_ERR_REFUSED] = 1212,     [H1_ERR_NETUNREACH] = 1210,
        [H1_ERR_CONNECT] = 1200, [H1_ERR_TIMEOUT] = 1050, [H1_ERR_RESET] = 1220,       [H1_ERR_EOF] = 1000,
        [H1_ERR_PROTO] = 1000,   [H1_ERR_OTHER] = 1000,   [H1_ERR_BLACKLISTED] = 1110, [H1_ERR_HEAD] = 1000,
    };
    const h1_request *hr = &c->hr;
    http_result *res = &c->res;
    http_result_clear(res); /* but ip and tls, written here */
    res->t_blocked = hr->t_blocked;
    res->t_connecting = hr->t_connecting;
    res->t_sending = hr->t_sending;
    res->t_waiting = hr->t_waiting;
    res->t_receiving = hr->t_receiving;
    res->t_duration = hr->t_sending + hr->t_waiting + hr->t_receiving;
    res->t_tls = hr->t_tls;
    tls_info_clear(&res->tls);
    if (hr->err == H1_OK && hr->tls.version) res->tls = hr->tls; /* a response's session only */
    HTTP_COPY_TEXT(res->ip, hr->remote_ip);
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
    } else if ((hr->err == H1_ERR_BODY && !http_hop_redirects(c)) || hr->err == H1_ERR_BODY_LIMIT) {
        /* k6's readResponseBody failed after the response came: the
         * Response gets no status, headers or proto, its error is k6's text
         * (no url.Error around it), its body what was decoded so far (k6's
         * buffer); a body over c6's limit (c6 only) has none */
        res->error_code = hr->err == H1_ERR_BODY ? hr->body_code : 1000;
        snprintf(res->error, sizeof res->error, "%s", hr->errmsg);
        res->body_err = true;
        res->body_partial = hr->err == H1_ERR_BODY;
    } else if (hr->err != H1_OK && hr->err != H1_ERR_BODY) {
        res->error_code = hr->err == H1_ERR_TLS ? hr->tls_code : codes[hr->err] ? codes[hr->err] : 1000;
        snprintf(res->error, sizeof res->error, "%s", hr->errmsg);
        /* net/http's persistConn.mapRoundTripError wraps what ReadResponse
         * said; k6's errorCodeForError unwraps it again for Response.error */
        if (hr->err == H1_ERR_HEAD)
            snprintf(res->cause, sizeof res->cause, "net/http: HTTP/1.x transport connection broken: %s", hr->errmsg);
    } else {
        res->status = hr->status;
        HTTP_COPY_TEXT(res->proto, hr->proto);
        /* k6's measureAndEmitMetrics: any status from 400 (Go reads up to 999) */
        if (res->status >= 400) res->error_code = 1000 + (int)res->status;
    }
}

/* ---- samples ---- */

/* kv, vl: room for the group's, the system tags (12 at most) and the
 * request's own (vu_intern_site) */
static inline __attribute__((always_inline)) void
http_emit_with(vu *v, const http_call *c, double sent, double received, int64_t now, tag_kv *kv, uint32_t *vl) {
    const http_params *p = &c->p;
    const http_result *res = &c->res;
    char sbuf[24], code[24];
    const char *status = http_status_text(res->status, sbuf);
    /* the status text's length: a table entry of 3, else "0" or buf's */
    uint32_t stl = res->status >= 100 && res->status <= 999 ? 3 : (uint32_t)strlen(status);
    /* the callback decides "expected"; with none (null) k6 emits no http_req_failed */
    const http_vu *h = vm_mod_peek(v, VM_MOD_HTTP);                           /* NULL: no setResponseCallback either */
    const http_expect *ex = p->expect_set ? p->expect : h ? h->expect : NULL; /* NULL: k6's default 200-399 */
    bool has_cb = p->expect_set ? p->expect != NULL : (!h || !h->expect_set || h->expect != NULL);
    bool expected = res->status >= 200 && res->status < 400;
    if (ex) {
        expected = false;
        for (int i = 0; i < ex->n && !expected; i++) expected = res->status >= ex->min[i] && res->status <= ex->max[i];
    }
    const char *name = p->name ? p->name : c->url;
    size_t nl = strlen(name); /* for the memo: the url and name tags' length */
    size_t n = 1;             /* after the room for the group's (vu_intern_site) */
#define HTTP_TAG(k, val, len) (vl[n] = (len), kv[n++] = (tag_kv){(k), (val)})
    _Static_assert(sizeof c->method >= 16 && sizeof code >= 16 && sizeof res->proto >= 16 && sizeof res->ip >= 16 &&
                       sizeof res->error >= 16,
                   "TAGS_VLEN_BUF16");
    uint32_t on = vu_tags_mask(v);
    /* c->method, code, res->proto, ip, error: char arrays of 16 bytes or more */
    if ((on >> ST_METHOD) & 1) HTTP_TAG("method", c->method, TAGS_VLEN_BUF16);
    if ((on >> ST_URL) & 1) HTTP_TAG("url", name, (uint32_t)nl);
    if ((on >> ST_NAME) & 1) HTTP_TAG("name", name, (uint32_t)nl);
    if ((on >> ST_STATUS) & 1) HTTP_TAG("status", status, stl);
    if ((on >> ST_PROTO) & 1) HTTP_TAG("proto", res->proto[0] ? res->proto : NULL, TAGS_VLEN_BUF16);
    if (has_cb && ((on >> ST_EXPECTED_RESPONSE) & 1))
        HTTP_TAG("expected_response", expected ? "true" : "false", expected ? 4 : 5);
    if (res->error_code && ((on >> ST_ERROR_CODE) & 1)) {
        http_utoa(code, res->error_code < 0 ? 0 : (unsigned long)res->error_code);
        HTTP_TAG("error_code", code, TAGS_VLEN_BUF16);
    }
    if (res->error[0] && ((on >> ST_ERROR) & 1)) HTTP_TAG("error", res->error, TAGS_VLEN_BUF16);
    if (res->ip[0] && ((on >> ST_IP) & 1)) HTTP_TAG("ip", res->ip, TAGS_VLEN_BUF16);
    if (res->tls.version && ((on >> ST_TLS_VERSION) & 1))
        HTTP_TAG("tls_version", tls_version_name(res->tls.version), TAGS_VLEN_ANY);
    if (res->tls.version && ((on >> ST_OCSP_STATUS) & 1)) HTTP_TAG("ocsp_status", res->tls.ocsp.status, TAGS_VLEN_ANY);
    size_t nstatic = n - 1; /* the system tags' keys are literals */
    for (int i = 0; i < p->tags.n; i++)
        if (strcmp(p->tags.k[i], "name") != 0) HTTP_TAG(p->tags.k[i], p->tags.v[i], TAGS_VLEN_ANY);
#undef HTTP_TAG
    uint32_t tags = vu_intern_site(v, TAGS_SITE_HTTP, v->group, kv, vl, nstatic, n - 1);
    /* one pack (metrics/samples.h): k6's samples of a request, in its
     * order; http_reqs (1) and http_req_failed (the kind) not written */
    sample_buf *sb = &v->w->samples;
    int kind = !has_cb ? PACK_HTTP_NOFAILED : expected ? PACK_HTTP : PACK_HTTP_FAILED;
    sample *pk = sample_pack_begin(sb, kind, PACK_HTTP_VALUES, tags, now);
    sample_pack_set(pk, 0, res->t_duration);
    sample_pack_set(pk, 1, res->t_blocked);
    sample_pack_set(pk, 2, res->t_connecting);
    sample_pack_set(pk, 3, res->t_tls);
    sample_pack_set(pk, 4, res->t_sending);
    sample_pack_set(pk, 5, res->t_waiting);
    sample_pack_set(pk, 6, res->t_receiving);
    sample_pack_set(pk, 7, sent);
    sample_pack_set(pk, 8, received);
    sample_pack_commit(sb, pk, PACK_HTTP_VALUES);
    if (v->lc.on) lc_emit(&v->lc, sb, v->test->m_req_corrected, tags, res->t_duration, now); /* --latency-correction */
}

/* The system tags (12 at most) and the request's own: a few (the usual
 * case) in the worker's sample_buf (site_kv: http_emit runs at each
 * response, on a VU stack that is cold by then at 10,000 VUs), up to
 * VM_MAX_PAIRS in a frame of their own. */
#define HTTP_EMIT_FEW 4
_Static_assert(1 + 12 + VM_MAX_PAIRS <= 1 + VU_SITE_KV && 12 + VM_MAX_PAIRS < 256,
               "vu_intern_site: n <= VU_SITE_KV; tagdict_memo_again: n < 256");
static __attribute__((noinline)) void http_emit_many(vu *v, const http_call *c, double sent, double received,
                                                     int64_t now) {
    tag_kv kv[1 + 12 + VM_MAX_PAIRS];
    uint32_t vl[1 + 12 + VM_MAX_PAIRS]; /* the values' lengths where known */
    http_emit_with(v, c, sent, received, now, kv, vl);
}

static void http_emit(vu *v, const http_call *c, double sent, double received, int64_t now) {
    if (c->p.tags.n > HTTP_EMIT_FEW) {
        http_emit_many(v, c, sent, received, now);
        return;
    }
    _Static_assert(1 + 12 + HTTP_EMIT_FEW <= SAMPLE_SITE_KV, "sample_buf's site_kv");
    sample_buf *sb = &v->w->samples;
    http_emit_with(v, c, sent, received, now, sb->site_kv, sb->site_vl);
}

/* ---- redirects ---- */

/* The Location net/http follows: Header.Get("Location") of a 301, 302,
 * 303, 307 or 308 (the first such field, any case, blanks trimmed, an
 * obs-fold line joined by a space), in loc; false when there is none or it
 * is empty (Go then returns the redirect response itself). */
static inline bool http_redirect_status(long status) {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}
static bool http_location(const buf *hdr, long status, buf *loc) {
    if (!http_redirect_status(status)) return false;
    const char *p = hdr->p ? memchr(hdr->p, '\n', hdr->len) : NULL, *end = hdr->p + hdr->len;
    bool found = false;
    for (p = p ? p + 1 : end; p < end;) {
        const char *eol = memchr(p, '\n', (size_t)(end - p)), *le = eol ? eol : end;
        const char *next = eol ? eol + 1 : end;
        if (le > p && le[-1] == '\r') le--;
        if (le == p) break;
        bool fold = *p == ' ' || *p == '\t';
        if (found && !fold) break;
        if (found || ((size_t)(le - p) >= 9 && strncasecmp(p, "location:", 9) == 0)) {
            const char *v = found ? p : p + 9;
            while (v < le && (*v == ' ' || *v == '\t')) v++;
            while (le > v && (le[-1] == ' ' || le[-1] == '\t')) le--;
            if (found && loc->len && v < le) buf_append(loc, " ", 1);
            buf_append(loc, v, (size_t)(le - v));
            found = true;
        }
        p = next;
    }
    return found && loc->len;
}

/* A redirect hop's next URL (to *next, malloc'd) and whether it turns the
 * method into GET. When net/http cannot parse the Location, the hop fails
 * instead, as Client.do's "failed to parse Location header" error: status
 * 0, no headers nor body, Go's text with k6's code 1000. */
static void http_redirect_target(http_call *c, char **next, int *to_get) {
    *next = NULL;
    if (!http_redirect_status(c->res.status)) return; /* every hop asks: most are no redirect */
    buf loc = {0}, why = {0}, out = {0};
    if (!http_location(&c->rhdr, c->res.status, &loc)) {
        buf_free(&loc);
        return;
    }
    if (url_parse_error(&why, loc.p)) {
        http_result *res = &c->res;
        buf msg = {0};
        buf_puts(&msg, "failed to parse Location header ");
        log_quote(&msg, loc.p, loc.len);
        buf_puts(&msg, ": ");
        buf_append(&msg, why.p, why.len);
        res->status = 0;
        res->proto[0] = 0;
        res->error_code = 1000;
        tls_info_clear(&res->tls);
        snprintf(res->error, sizeof res->error, "%s", msg.p ? msg.p : "");
        memcpy(res->cause, res->error, sizeof res->cause);
        buf_clear(&c->rhdr);
        buf_clear(&c->rbody);
        buf_free(&msg);
    } else if (!url_resolve(&out, c->url, loc.p)) {
        *next = out.p;
        out = (buf){0};
        *to_get = c->res.status <= 303;
    }
    buf_free(&out);
    buf_free(&why);
    buf_free(&loc);
}

/* ---- hops ---- */

static cookie_jar *http_jar(http_call *c) { return c->p.jar ? c->p.jar : http_vu_jar(c->v); }

/* blockHostnames: the hop ends at once, before any lookup or connection. */
static bool http_blocked(http_call *c, const net_dialer *d) {
    char host[256];
    int port;
    char msg[sizeof c->res.error];
    if (!http_url_host(c->url, host, sizeof host, &port) || !dialer_refuse_host(d, host, strlen(host), msg, sizeof msg))
        return false;
    memset(&c->res, 0, sizeof c->res);
    c->res.error_code = 1111;
    memcpy(c->res.error, msg, sizeof msg);
    c->refused = c->hop_done = true;
    vu_wake(c->v); /* http_run waits for a wake-up */
    return true;
}

/* What net/http's Transport refuses before dialing: a scheme other than
 * http/https (none included: "not a url"), and no host ("http:///x"). The
 * hop ends at once with Go's error, code 1000 (k6's default). */
static bool http_unsupported(http_call *c) {
    const char *u = c->url, *e = u;
    /* the usual "http://h..." or "https://h...", by hand (this runs per hop) */
    if ((u[0] | 0x20) == 'h' && (u[1] | 0x20) == 't' && (u[2] | 0x20) == 't' && (u[3] | 0x20) == 'p') {
        size_t sl = u[4] == ':' ? 4 : (u[4] | 0x20) == 's' && u[5] == ':' ? 5 : 0;
        char h = sl && u[sl + 1] == '/' && u[sl + 2] == '/' ? u[sl + 3] : 0;
        if (h && h != '/' && h != '?' && h != '#') return false;
    }
    if (isalpha((unsigned char)*e))
        for (e++; isalnum((unsigned char)*e) || *e == '+' || *e == '-' || *e == '.'; e++) {}
    size_t sl = *e == ':' ? (size_t)(e - u) : 0; /* Go's getScheme: no ':' after it, no scheme */
    char why[300];
    if (!((sl == 4 && !strncasecmp(u, "http", 4)) || (sl == 5 && !strncasecmp(u, "https", 5))))
        snprintf(why, sizeof why, "unsupported protocol scheme \"%.*s\"", (int)(sl < 64 ? sl : 64), u);
    else if (strncmp(e + 1, "//", 2) != 0 || strchr("/?#", e[3]))
        snprintf(why, sizeof why, "http: no Host in request URL");
    else return false;
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
    c->hop_done = false;
    cookie_jar *jar = http_jar(c);
    if (jar || c->p.cookies.n || (c->hop == 0 && c->p.cookie_hdr)) http_cookie_line(c, jar, &c->cookie); /* else none */
    c->refused = false;
    /* a URL the client split before is http(s) with a host */
    const h1_url_memo *m = c->hop == 0 ? c->url_memo : NULL;
    if (!(m && m->set) && http_unsupported(c)) return;
    const net_dialer *d = c->v->test ? c->v->test->dialer : NULL;
    if (d && d->nblocked && http_blocked(c, d)) return;
    if (!c->v->w->h1) { /* the worker could not make its client */
        memset(&c->res, 0, sizeof c->res);
        c->res.error_code = 1000;
        snprintf(c->res.error, sizeof c->res.error, "out of memory");
        c->refused = c->hop_done = true;
        vu_wake(c->v);
        return;
    }
    http_h1_start(c);
}

/* logfmt value: quoted when it holds a space, '=' or '"' (as logrus does). */
void http_log_field(buf *b, const char *k, const char *v) {
    buf_append(b, " ", 1);
    buf_puts(b, k);
    buf_append(b, "=", 1);
    if (!strpbrk(v, " =\"\\")) {
        buf_puts(b, v);
        return;
    }
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
    static const struct {
        int code;
        const char *k6, *go;
    } texts[] = {
        {1110, "ip is blacklisted", NULL},
        {1111, "hostname is blocked", NULL},
        {1211, "dial: i/o timeout", NULL},
        {1212, "dial: connection refused", NULL},
        {1310, NULL, "tls: failed to verify certificate: x509: certificate signed by unknown authority"},
    };
    if (!res->cause[0]) memcpy(res->cause, res->error, sizeof res->cause);
    if (res->error_code == 1020 && !strncmp(res->error, "parse ", 6)) { /* httpext.NewURL's K6Error */
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
    if (res->error_code == 1020) {
        snprintf(out, n, "%s", res->error);
        return;
    } /* ToURL's K6Error: no round trip */
    if (res->body_err) {
        snprintf(out, n, "%s", cause);
        return;
    } /* readResponseBody's error, as it is */
    /* a timeout while the body was read is MakeRequest's own K6Error, not
     * wrapped in the url.Error of the round trip */
    if (res->error_code == 1050 && res->t_receiving > 0) {
        snprintf(out, n, "%s", cause);
        return;
    }
    char op[16]; /* url.Error.Op: the method as "Get", "Post", ... */
    size_t i = 0;
    /* Client.do's url.Error names the first request's method, redirects or not */
    const char *m = c->method0[0] ? c->method0 : c->method;
    for (; m[i] && i < sizeof op - 1; i++)
        op[i] = (char)(i ? tolower((unsigned char)m[i]) : toupper((unsigned char)m[i]));
    op[i] = 0;
    /* net/http's stripPassword: a password shows as "***" */
    const char *u = c->url, *at = NULL, *colon = NULL;
    url_parts p;
    if (!url_split(u, &p) && p.userinfo) {
        at = p.userinfo + p.userinfo_len;
        colon = memchr(p.userinfo, ':', p.userinfo_len);
    }
    if (colon) snprintf(out, n, "%s \"%.*s:***%s\": %s", op, (int)(colon - u), u, at, cause);
    else snprintf(out, n, "%s \"%s\": %s", op, u, cause);
}

/* k6's MakeRequest logs a request that failed without a response (unless
 * it throws): level=warning msg="Request Failed" error="<Go's error>". */
static __attribute__((noinline, cold)) void
http_log_failed(const http_call *c) { /* (its 1.2 KB off http_hop_finish's frame) */
    char msg[1200];
    http_go_error(c, msg, sizeof msg);
    buf extra = {0};
    http_log_field(&extra, "error", msg);
    static const char text[] = "Request Failed";
    log_msg(LOG_WARN, extra.p, text, sizeof text - 1);
    buf_free(&extra);
}

/* k6's CheckRedirect warning (http_hop_finish); out of line: its buffer
 * stays off the frame every response goes through. */
static __attribute__((noinline, cold)) void http_warn_redirects(const http_call *c) {
    char msg[200];
    snprintf(msg, sizeof msg,
             "Stopped after %d redirects and returned the redirection; pass { redirects: n }"
             " in request params or set global maxRedirects to silence this",
             c->hop + 1);
    buf extra = {0};
    http_log_field(&extra, "url", c->hop ? c->url0 : c->url);
    log_msg(LOG_WARN, extra.p, msg, strlen(msg));
    buf_free(&extra);
}

/* The hop is over: its samples and cookies are recorded, and a redirect
 * starts the next hop. Returns false when the request is complete. */
static bool http_hop_finish(http_call *c) {
    vu *v = c->v;
    double sent = 0, received = 0;
    if (c->refused)
        ; /* blockHostnames, bad scheme: res is set, nothing was sent */
    else http_h1_result(c, &sent, &received);
    http_error_texts(&c->res);
    int to_get = 0;
    char *next = NULL;
    /* Go parses the Location before anything else (CheckRedirect, samples) */
    if (c->res.status && !(c->p.auth == HTTP_AUTH_DIGEST && c->res.status == 401))
        http_redirect_target(c, &next, &to_get);
    if (c->res.error_code != 1020) /* k6: a URL that does not parse never makes a request, nor samples */
        http_emit(v, c, sent, received, sample_now(&v->w->samples));
    if (v->test && v->test->http_debug) http_debug_dump(c);
    /* an HTTP/1 head's parser says whether it has a Set-Cookie (HTTP/2's
     * header block is looked through: its client does not say) */
    bool h1 = c->res.proto[5] == '1' && c->res.proto[6] == '.';
    if (c->res.status && c->rhdr.len && (!h1 || c->hr.parser_.set_cookie)) {
        http_vu *h = http_vu_of(v);
        if (!c->p.jar && h && !h->jar) h->jar = cookies_new();
        if (http_jar(c)) cookies_store(http_jar(c), c->url, c->rhdr.p, c->rhdr.len, time(NULL));
    }
    /* digest: the 401's challenge is answered by a second request, a sample of its own (k6) */
    if (c->p.auth == HTTP_AUTH_DIGEST && c->res.status == 401 && !(c->cr && c->cr->authz[0]) && http_digest_answer(c)) {
        http_hop_start(c);
        return true;
    }
    if (next && c->hop >= c->p.redirects) {
        /* k6's CheckRedirect (lib/netext/httpext/request.go): the redirection
         * is returned; without redirects set anywhere, a warning with the
         * number of requests made and the first URL */
        free(next);
        next = NULL;
        if (!c->p.redirects_set) http_warn_redirects(c);
    }
    if (!next) {
        if (!c->res.status && c->res.error[0] && !c->p.throw_errors) http_log_failed(c);
        return false;
    }
    if (c->hop == 0) { /* Response.request describes the first hop */
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

/* Abandons a running hop (the VU is interrupted). */
static void http_hop_cancel(http_call *c) {
    if (c->refused || c->hop_done) return;
    h1_cancel(c->v->w->h1, &c->hr);
}

/* ---- several requests at once ---- */

/* The host[:port] of the URL the request was made for (k6's per-host key). */
static const char *http_host_key(const http_call *c, size_t *n) {
    const char *url = c->url0 ? c->url0 : c->url;
    url_parts u;
    if (url_split(url, &u)) {
        *n = strlen(url);
        return url;
    } /* fails alone: a key of its own */
    const char *h = u.userinfo ? u.userinfo + u.userinfo_len + 1 : url + u.scheme_len + 3;
    *n = (size_t)(u.rest - h);
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

int64_t http_rps_slot(vu *v, size_t n) {
    c6_test *t = v->test;
    int64_t now = clock_now_us(), next = atomic_load(&t->rps_next_us), slot;
    do slot = next > now ? next : now;
    while (!atomic_compare_exchange_weak(&t->rps_next_us, &next, slot + (int64_t)n * t->rps_interval_us));
    return slot + (int64_t)(n - 1) * t->rps_interval_us; /* a batch starts when its last slot comes */
}

bool http_run(vu *v, http_call *calls, size_t n, int limit, int per_host) {
    size_t first = 0, taken = 0, active = 0; /* calls before `first` are done */
    if (v->test && v->test->rps_interval_us && !vu_sleep_until(v, http_rps_slot(v, n))) return false;
    if (n == 1) { /* http.get & co.: the loop below with one call (no queue, no host to share) */
        http_call *c = calls;
        c->state = HC_RUNNING;
        http_hop_start(c);
        for (;;) {
            if (!vu_wait(v)) {
                http_hop_cancel(c);
                return false;
            }
            if (c->hop_done && !http_hop_finish(c)) {
                c->state = HC_DONE;
                return true;
            }
        }
    }
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

bool http_calls_start(vu *v, http_call *calls, size_t n) {
    for (size_t i = 0; i < n; i++) {
        calls[i].state = HC_RUNNING;
        http_hop_start(&calls[i]);
    }
    /* a request that ended at once (blockHostnames, a bad scheme) queued a
     * wake-up for http_run's wait: taken here, so that it cannot end a later
     * wait early or resume the VU once its iteration is over */
    return !v->queued || vu_wait(v);
}

bool http_call_poll(http_call *c) {
    if (c->state == HC_DONE) return true;
    if (!c->hop_done || http_hop_finish(c)) return false;
    c->state = HC_DONE;
    return true;
}

void http_call_cancel(http_call *c) {
    if (c->state == HC_RUNNING) http_hop_cancel(c);
    c->state = HC_DONE;
}
