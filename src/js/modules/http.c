/* The "k6/http" module. A request runs on the worker's curl multi handle
 * while the VU's coroutine waits; redirects are followed here, hop by hop,
 * because k6 records every hop as its own sample. */
#include <ctype.h>
#include <pthread.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config/duration.h"
#include "exec/test.h"
#include "js/vm.h"
#include "metrics/registry.h"
#include "net/cookies.h"
#include "net/h1.h"
#include "net/worker.h"
#include "util/buf.h"
#include "util/clock.h"

#define HTTP_DEFAULT_TIMEOUT_MS 60000
#define HTTP_DEFAULT_REDIRECTS 10

JSValue k6_throw_interrupted(JSContext *ctx);

typedef struct http_req {
    vu *v;
    CURLcode rc;
    buf body;
    buf hdr;                       /* header block of the last response */
    char errbuf[CURL_ERROR_SIZE];
} http_req;

/* http.expectedStatuses(...): which statuses count as expected (not failed). */
#define HTTP_EXPECT_MAX 32
typedef struct http_expect {
    int n;
    int min[HTTP_EXPECT_MAX], max[HTTP_EXPECT_MAX];
} http_expect;
static JSClassID http_expect_class_id;

#define HTTP_MAX_HEADERS 64
typedef struct http_params {
    char *hlines[HTTP_MAX_HEADERS];   /* the script's headers as "Name: value" */
    int nh;
    bool has_content_type, has_accept;
    vm_pairs tags;                 /* params.tags */
    const char *name;              /* the name tag, if set */
    long timeout_ms;
    int redirects;
    int response_type;             /* 0 text, 1 binary, 2 none */
    const http_expect *expect;     /* params.responseCallback; NULL: the VU's */
    bool expect_set;               /* responseCallback given (possibly null) */
} http_params;

typedef struct http_result {
    long status;
    char proto[16];
    char error[512];
    int error_code;
    double t_blocked, t_connecting, t_tls, t_sending, t_waiting, t_receiving, t_duration;
    char ip[64];
    long port;
} http_result;

/* ---- transfer plumbing ---- */

static size_t http_on_body(char *p, size_t size, size_t n, void *ud) {
    http_req *r = ud;
    return buf_append(&r->body, p, size * n) ? 0 : size * n;
}

static size_t http_on_header(char *p, size_t size, size_t n, void *ud) {
    http_req *r = ud;
    size_t len = size * n;
    if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) buf_clear(&r->hdr);   /* 100-continue etc. */
    return buf_append(&r->hdr, p, len) ? 0 : len;
}

void http_transfer_done(CURL *e, CURLcode rc) {
    http_req *r = NULL;
    curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&r);
    if (!r) return;
    r->rc = rc;
    if (r->v->state == VU_WAITING) vu_wake(r->v);
}

/* ---- argument parsing ---- */

static void http_params_free(JSContext *ctx, http_params *p) {
    for (int i = 0; i < p->nh; i++) free(p->hlines[i]);
    vm_pairs_free(&p->tags);
}

static int http_parse_headers(JSContext *ctx, JSValueConst h, http_params *p) {
    vm_pairs hs = {0};
    int rc = vm_pairs_read(ctx, h, &hs);
    for (int i = 0; i < hs.n && p->nh < HTTP_MAX_HEADERS; i++) {
        size_t len = strlen(hs.k[i]) + strlen(hs.v[i]) + 4;
        char *line = malloc(len);
        snprintf(line, len, "%s: %s", hs.k[i], hs.v[i]);
        p->hlines[p->nh++] = line;
        if (strcasecmp(hs.k[i], "content-type") == 0) p->has_content_type = true;
        if (strcasecmp(hs.k[i], "accept") == 0) p->has_accept = true;
    }
    vm_pairs_free(&hs);
    return rc;
}

static int http_parse_tags(JSContext *ctx, JSValueConst t, http_params *p) {
    int rc = vm_pairs_read(ctx, t, &p->tags);
    for (int i = 0; i < p->tags.n; i++)
        if (strcmp(p->tags.k[i], "name") == 0) p->name = p->tags.v[i];
    return rc;
}

static int http_parse_timeout(JSContext *ctx, JSValueConst t, http_params *p) {
    if (JS_IsNumber(t)) {
        double ms;
        JS_ToFloat64(ctx, &ms, t);
        p->timeout_ms = ms > 0 ? (long)ms : HTTP_DEFAULT_TIMEOUT_MS;
        return 0;
    }
    const char *s = JS_ToCString(ctx, t);
    if (!s) return -1;
    int64_t us;
    char err[256];
    int rc = duration_parse(s, &us, err, sizeof err);
    JS_FreeCString(ctx, s);
    if (rc) { JS_ThrowTypeError(ctx, "params.timeout: %s", err); return -1; }
    p->timeout_ms = (long)(us / 1000);
    return 0;
}

static const http_expect *http_expect_of(JSContext *ctx, JSValueConst cb, bool *is_null, int *bad) {
    *is_null = JS_IsNull(cb);
    *bad = 0;
    if (*is_null) return NULL;
    const http_expect *e = JS_GetOpaque(cb, http_expect_class_id);
    if (!e) *bad = 1;
    return e;
}

static int http_parse_params(JSContext *ctx, JSValueConst obj, http_params *p) {
    p->timeout_ms = HTTP_DEFAULT_TIMEOUT_MS;
    p->redirects = HTTP_DEFAULT_REDIRECTS;
    if (!JS_IsObject(obj)) return 0;
    JSValue h = JS_GetPropertyStr(ctx, obj, "headers");
    int rc = JS_IsObject(h) ? http_parse_headers(ctx, h, p) : 0;
    JS_FreeValue(ctx, h);
    JSValue t = JS_GetPropertyStr(ctx, obj, "tags");
    if (!rc && JS_IsObject(t)) rc = http_parse_tags(ctx, t, p);
    JS_FreeValue(ctx, t);
    JSValue to = JS_GetPropertyStr(ctx, obj, "timeout");
    if (!rc && !JS_IsUndefined(to) && !JS_IsNull(to)) rc = http_parse_timeout(ctx, to, p);
    JS_FreeValue(ctx, to);
    JSValue rd = JS_GetPropertyStr(ctx, obj, "redirects");
    if (!rc && JS_IsNumber(rd)) { int32_t n; JS_ToInt32(ctx, &n, rd); p->redirects = n < 0 ? 0 : n; }
    JS_FreeValue(ctx, rd);
    JSValue cb = JS_GetPropertyStr(ctx, obj, "responseCallback");
    if (!rc && !JS_IsUndefined(cb)) {
        bool is_null;
        int bad;
        p->expect = http_expect_of(ctx, cb, &is_null, &bad);
        p->expect_set = true;
        if (bad) { JS_ThrowTypeError(ctx, "params.responseCallback must be http.expectedStatuses(...) or null"); rc = -1; }
    }
    JS_FreeValue(ctx, cb);
    JSValue rt = JS_GetPropertyStr(ctx, obj, "responseType");
    if (!rc && JS_IsString(rt)) {
        const char *s = JS_ToCString(ctx, rt);
        if (s && strcmp(s, "binary") == 0) p->response_type = 1;
        else if (s && strcmp(s, "none") == 0) p->response_type = 2;
        JS_FreeCString(ctx, s);
    }
    JS_FreeValue(ctx, rt);
    return rc;
}

static void http_urlencode(buf *out, const char *s) {
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') buf_append(out, s, 1);
        else if (c == ' ') buf_append(out, "+", 1);
        else { char e[3] = {'%', hex[c >> 4], hex[c & 15]}; buf_append(out, e, 3); }
    }
}

/* Body: string, ArrayBuffer/typed array, or object (form-urlencoded). */
static int http_body(JSContext *ctx, JSValueConst b, buf *out, bool *is_form) {
    *is_form = false;
    if (JS_IsUndefined(b) || JS_IsNull(b)) return 0;
    size_t len;
    uint8_t *ab = JS_IsObject(b) ? JS_GetArrayBuffer(ctx, &len, b) : NULL;
    if (ab) return buf_append(out, ab, len);
    if (JS_IsObject(b)) {
        JS_FreeValue(ctx, JS_GetException(ctx));
        size_t off, bpe;
        JSValue abv = JS_GetTypedArrayBuffer(ctx, b, &off, &len, &bpe);
        if (!JS_IsException(abv)) {
            size_t total;
            uint8_t *p = JS_GetArrayBuffer(ctx, &total, abv);
            JS_FreeValue(ctx, abv);
            if (p) return buf_append(out, p + off, len);
        }
        JS_FreeValue(ctx, JS_GetException(ctx));
        vm_pairs form = {0};
        int rc = vm_pairs_read(ctx, b, &form);
        for (int i = 0; i < form.n; i++) {
            if (i) buf_append(out, "&", 1);
            http_urlencode(out, form.k[i]);
            buf_append(out, "=", 1);
            http_urlencode(out, form.v[i]);
        }
        vm_pairs_free(&form);
        if (rc) return -1;
        *is_form = true;
        if (!out->p) buf_reserve(out, 1);
        return 0;
    }
    size_t sl;
    const char *s = JS_ToCStringLen(ctx, &sl, b);
    if (!s) return -1;
    int rc = buf_append(out, s, sl);
    JS_FreeCString(ctx, s);
    return rc;
}

/* ---- results ---- */

static double http_us_to_ms(curl_off_t us) { return us > 0 ? (double)us / 1000.0 : 0; }

static void http_timings(CURL *e, http_result *res) {
    curl_off_t dns = 0, conn = 0, app = 0, pre = 0, start = 0, total = 0;
    curl_easy_getinfo(e, CURLINFO_NAMELOOKUP_TIME_T, &dns);
    curl_easy_getinfo(e, CURLINFO_CONNECT_TIME_T, &conn);
    curl_easy_getinfo(e, CURLINFO_APPCONNECT_TIME_T, &app);
    curl_easy_getinfo(e, CURLINFO_PRETRANSFER_TIME_T, &pre);
    curl_easy_getinfo(e, CURLINFO_STARTTRANSFER_TIME_T, &start);
    curl_easy_getinfo(e, CURLINFO_TOTAL_TIME_T, &total);
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

static void http_classify_error(CURL *e, CURLcode rc, const char *url, const char *errbuf, http_result *res) {
    long oserr = 0;
    char *ip = NULL;
    long port = 0;
    curl_easy_getinfo(e, CURLINFO_OS_ERRNO, &oserr);
    curl_easy_getinfo(e, CURLINFO_PRIMARY_IP, &ip);
    curl_easy_getinfo(e, CURLINFO_PRIMARY_PORT, &port);
    const char *detail = errbuf[0] ? errbuf : curl_easy_strerror(rc);
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
    case CURLE_COULDNT_CONNECT:
        res->error_code = oserr == ECONNREFUSED ? 1212 : oserr == ENETUNREACH ? 1210 : 1200;
        snprintf(res->error, sizeof res->error, "dial tcp %s:%ld: connect: %s",
                 ip && *ip ? ip : "?", port, oserr ? strerror((int)oserr) : detail);
        break;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
        res->error_code = 1020;
        snprintf(res->error, sizeof res->error, "invalid URL \"%s\": %s", url, detail);
        break;
    case CURLE_PEER_FAILED_VERIFICATION:
        res->error_code = 1310;
        snprintf(res->error, sizeof res->error, "tls: failed to verify certificate: %s", detail);
        break;
    case CURLE_SSL_CONNECT_ERROR:
        res->error_code = 1300;
        snprintf(res->error, sizeof res->error, "tls: handshake failed: %s", detail);
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

/* ---- samples ---- */

static void http_emit(vu *v, const char *method, const char *url, http_params *p,
                      http_result *res, double sent, double received, int64_t now) {
    char status[8], code[8];
    snprintf(status, sizeof status, "%ld", res->status);
    snprintf(code, sizeof code, "%d", res->error_code);
    /* the callback decides "expected"; with none (null) k6 emits no http_req_failed */
    const http_expect *ex = p->expect_set ? p->expect : v->expect_default ? v->expect : NULL;
    bool has_cb = p->expect_set ? p->expect != NULL : (v->expect_default || v->expect != NULL);
    bool expected = res->status >= 200 && res->status < 400;
    if (ex) {
        expected = false;
        for (int i = 0; i < ex->n && !expected; i++) expected = res->status >= ex->min[i] && res->status <= ex->max[i];
    }
    tag_kv kv[VU_BASE_TAGS + VM_MAX_PAIRS + 10];
    size_t n = vu_base_tags(v, kv, v->group);
    if (vu_tag_on(v, ST_METHOD)) kv[n++] = (tag_kv){"method", method};
    if (vu_tag_on(v, ST_URL)) kv[n++] = (tag_kv){"url", p->name ? p->name : url};
    if (vu_tag_on(v, ST_NAME)) kv[n++] = (tag_kv){"name", p->name ? p->name : url};
    if (vu_tag_on(v, ST_STATUS)) kv[n++] = (tag_kv){"status", status};
    if (vu_tag_on(v, ST_PROTO)) kv[n++] = (tag_kv){"proto", res->proto[0] ? res->proto : NULL};
    if (has_cb && vu_tag_on(v, ST_EXPECTED_RESPONSE)) kv[n++] = (tag_kv){"expected_response", expected ? "true" : "false"};
    if (res->error_code && vu_tag_on(v, ST_ERROR_CODE)) kv[n++] = (tag_kv){"error_code", code};
    if (res->error[0] && vu_tag_on(v, ST_ERROR)) kv[n++] = (tag_kv){"error", res->error};
    if (res->ip[0] && vu_tag_on(v, ST_IP)) kv[n++] = (tag_kv){"ip", res->ip};
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

/* ---- the request ---- */

static const char *http_effective_ua(vu *v) {
    return v->test && v->test->user_agent ? v->test->user_agent : "c6/0.1.0 (k6-compatible; +https://k6.io/)";
}

/* curl sends Accept and may send Expect or a form Content-Type on its own;
 * k6 sends none of them, so they are switched off ("Name:" removes). */
static struct curl_slist *http_add_defaults(struct curl_slist *h, const http_params *p, bool is_form, bool has_body) {
    if (!p->has_accept) h = curl_slist_append(h, "Accept:");
    h = curl_slist_append(h, "Accept-Encoding:");
    h = curl_slist_append(h, "Expect:");
    if (has_body && !p->has_content_type)
        h = curl_slist_append(h, is_form ? "Content-Type: application/x-www-form-urlencoded" : "Content-Type:");
    return h;
}

/* The header list for curl. Without script headers it is one of three fixed
 * lists built once per worker (*owned = false): no allocation per request. */
static struct curl_slist *http_curl_headers(vu *v, const http_params *p, bool is_form, bool has_body, bool *owned) {
    if (p->nh == 0) {
        int variant = has_body ? (is_form ? 2 : 1) : 0;
        struct curl_slist **slot = &v->w->default_headers[variant];
        if (!*slot) *slot = http_add_defaults(NULL, p, is_form, has_body);
        *owned = false;
        return *slot;
    }
    struct curl_slist *h = NULL;
    for (int i = 0; i < p->nh; i++) {
        size_t l = strlen(p->hlines[i]);
        if (l >= 2 && p->hlines[i][l - 1] == ' ' && p->hlines[i][l - 2] == ':') {
            /* an empty value: curl sends "Name:" only when written "Name;" */
            char tmp[512];
            snprintf(tmp, sizeof tmp, "%.*s;", (int)(l - 2), p->hlines[i]);
            h = curl_slist_append(h, tmp);
        } else {
            h = curl_slist_append(h, p->hlines[i]);
        }
    }
    *owned = true;
    return http_add_defaults(h, p, is_form, has_body);
}

static void http_setup(CURL *e, vu *v, http_req *r, const char *method, const char *url,
                       const buf *body, bool has_body, http_params *p) {
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, r);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, http_on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, http_on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
    curl_easy_setopt(e, CURLOPT_USERAGENT, http_effective_ua(v));
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, p->timeout_ms);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");   /* decode compressed bodies */
    curl_easy_setopt(e, CURLOPT_SHARE, v->w->share);
    if (v->test && v->test->insecure_skip_tls_verify) {
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (strcmp(method, "HEAD") == 0) curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    else if (strcmp(method, "GET") != 0 || has_body) curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
    if (has_body) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body->len);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, body->p ? body->p : "");
    }
}

static void http_collect(CURL *e, http_req *r, const char *url, http_result *res) {
    memset(res, 0, sizeof *res);
    http_timings(e, res);
    char *ip = NULL;
    curl_easy_getinfo(e, CURLINFO_PRIMARY_IP, &ip);
    snprintf(res->ip, sizeof res->ip, "%s", ip ? ip : "");
    curl_easy_getinfo(e, CURLINFO_PRIMARY_PORT, &res->port);
    if (r->rc != CURLE_OK) {
        http_classify_error(e, r->rc, url, r->errbuf, res);
        return;
    }
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &res->status);
    http_proto(&r->hdr, res->proto, sizeof res->proto);
    if (res->status >= 400 && res->status < 600) res->error_code = 1000 + (int)res->status;
}

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
    const char *scheme_end = strstr(url, "://");
    const char *colon = memchr(loc, ':', ll);
    const char *slash = memchr(loc, '/', ll);
    if (colon && (!slash || colon < slash)) return strndup(loc, ll);          /* absolute */
    if (!scheme_end) return strndup(loc, ll);
    const char *auth = scheme_end + 3;
    const char *path = auth + strcspn(auth, "/?#");
    size_t keep;
    if (ll >= 2 && loc[0] == '/' && loc[1] == '/') keep = (size_t)(scheme_end + 1 - url);   /* "scheme:" */
    else if (loc[0] == '/') keep = (size_t)(path - url);
    else if (loc[0] == '?') keep = (size_t)(path + strcspn(path, "?#") - url);
    else {
        const char *q = path + strcspn(path, "?#");
        const char *last = q;
        while (last > path && last[-1] != '/') last--;
        keep = (size_t)(last - url);
        if (last == path) {   /* no path at all: "http://h" + "/" + loc */
            char *out = malloc(keep + ll + 2);
            sprintf(out, "%.*s/%.*s", (int)keep, url, (int)ll, loc);
            return out;
        }
    }
    char *out = malloc(keep + ll + 1);
    memcpy(out, url, keep);
    memcpy(out + keep, loc, ll);
    out[keep + ll] = 0;
    return out;
}

/* ---- Response object ---- */

/* Response objects are built per request: their property names are atoms made
 * once per VU, not looked up from C strings every time. */
enum { A_STATUS, A_URL, A_PROTO, A_BODY, A_HEADERS, A_TIMINGS, A_ERROR, A_ERROR_CODE, A_REMOTE_IP, A_REMOTE_PORT, A_COOKIES, A_REQUEST, A_METHOD, A_BLOCKED, A_CONNECTING, A_TLS_HANDSHAKING, A_SENDING, A_WAITING, A_RECEIVING, A_DURATION, A_STATUS_TEXT, A_COUNT };
static const char *const http_atom_names[A_COUNT] = {"status", "url", "proto", "body", "headers", "timings", "error", "error_code", "remote_ip", "remote_port", "cookies", "request", "method", "blocked", "connecting", "tls_handshaking", "sending", "waiting", "receiving", "duration", "status_text"};

static JSAtom *http_atoms(vu *v) {
    if (!v->atoms) {
        v->atoms = calloc(A_COUNT, sizeof(JSAtom));
        for (int i = 0; i < A_COUNT; i++) v->atoms[i] = JS_NewAtom(v->ctx, http_atom_names[i]);
    }
    return v->atoms;
}

void http_atoms_free(vu *v) {
    if (!v->atoms) return;
    for (int i = 0; i < A_COUNT; i++) JS_FreeAtom(v->ctx, v->atoms[i]);
    free(v->atoms);
    v->atoms = NULL;
}

static void http_set(JSContext *ctx, JSValue o, JSAtom a, JSValue val) {
    JS_DefinePropertyValue(ctx, o, a, val, JS_PROP_C_W_E);
}

static void http_canonical(char *name) {
    bool up = true;
    for (char *c = name; *c; c++) {
        *c = up ? (char)toupper((unsigned char)*c) : (char)tolower((unsigned char)*c);
        up = *c == '-';
    }
}

static JSValue http_headers_object(JSContext *ctx, const buf *hdr) {
    JSValue o = JS_NewObject(ctx);
    if (!hdr->p) return o;
    const char *p = strchr(hdr->p, '\n');   /* skip the status line */
    while (p && *++p) {
        const char *eol = strchr(p, '\n');
        if (!eol) break;
        const char *colon = memchr(p, ':', (size_t)(eol - p));
        if (colon) {
            char name[256];
            size_t nl = (size_t)(colon - p) < sizeof name - 1 ? (size_t)(colon - p) : sizeof name - 1;
            memcpy(name, p, nl);
            name[nl] = 0;
            http_canonical(name);
            const char *vs = colon + 1;
            while (vs < eol && (*vs == ' ' || *vs == '\t')) vs++;
            const char *ve = eol;
            while (ve > vs && (ve[-1] == '\r' || ve[-1] == ' ')) ve--;
            JSValue prev = JS_GetPropertyStr(ctx, o, name);
            if (JS_IsString(prev)) {
                const char *ps = JS_ToCString(ctx, prev);
                buf joined = {0};
                buf_puts(&joined, ps);
                buf_puts(&joined, ", ");
                buf_append(&joined, vs, (size_t)(ve - vs));
                JS_SetPropertyStr(ctx, o, name, JS_NewStringLen(ctx, joined.p, joined.len));
                buf_free(&joined);
                JS_FreeCString(ctx, ps);
            } else {
                JS_SetPropertyStr(ctx, o, name, JS_NewStringLen(ctx, vs, (size_t)(ve - vs)));
            }
            JS_FreeValue(ctx, prev);
        }
        p = eol;
    }
    return o;
}

static JSValue http_timings_object(JSContext *ctx, const JSAtom *at, const http_result *res) {
    JSValue t = JS_NewObject(ctx);
    http_set(ctx, t, at[A_BLOCKED], JS_NewFloat64(ctx, res->t_blocked));
    http_set(ctx, t, at[A_CONNECTING], JS_NewFloat64(ctx, res->t_connecting));
    http_set(ctx, t, at[A_TLS_HANDSHAKING], JS_NewFloat64(ctx, res->t_tls));
    http_set(ctx, t, at[A_SENDING], JS_NewFloat64(ctx, res->t_sending));
    http_set(ctx, t, at[A_WAITING], JS_NewFloat64(ctx, res->t_waiting));
    http_set(ctx, t, at[A_RECEIVING], JS_NewFloat64(ctx, res->t_receiving));
    http_set(ctx, t, at[A_DURATION], JS_NewFloat64(ctx, res->t_duration));
    return t;
}

/* "200 OK": the status line after the protocol, as k6's status_text. */
static JSValue http_status_text(JSContext *ctx, const http_result *res, const buf *hdr) {
    if (res->status == 0 || !hdr->p) return JS_NewString(ctx, "");
    const char *sp = memchr(hdr->p, ' ', hdr->len);
    if (!sp) return JS_NewString(ctx, "");
    sp++;
    size_t n = strcspn(sp, "\r\n");
    return JS_NewStringLen(ctx, sp, n);
}

static JSValue http_response(vu *v, const http_result *res, http_req *r, const char *method,
                             const char *req_url, int response_type) {
    JSContext *ctx = v->ctx;
    const JSAtom *at = http_atoms(v);
    JSValue o = JS_NewObjectProto(ctx, v->resp_proto);
    http_set(ctx, o, at[A_STATUS], JS_NewInt32(ctx, (int32_t)res->status));
    http_set(ctx, o, at[A_URL], JS_NewString(ctx, req_url));   /* after redirects */
    http_set(ctx, o, at[A_PROTO], JS_NewString(ctx, res->proto));
    http_set(ctx, o, at[A_STATUS_TEXT], http_status_text(ctx, res, &r->hdr));
    if (response_type == 2 || res->status == 0) {
        http_set(ctx, o, at[A_BODY], JS_NULL);
    } else if (response_type == 1) {
        http_set(ctx, o, at[A_BODY], JS_NewArrayBufferCopy(ctx, (uint8_t *)r->body.p, r->body.len));
    } else {
        http_set(ctx, o, at[A_BODY], JS_NewStringLen(ctx, r->body.p ? r->body.p : "", r->body.len));
    }
    http_set(ctx, o, at[A_HEADERS], http_headers_object(ctx, &r->hdr));
    http_set(ctx, o, at[A_TIMINGS], http_timings_object(ctx, at, res));
    http_set(ctx, o, at[A_ERROR], JS_NewString(ctx, res->error));
    http_set(ctx, o, at[A_ERROR_CODE], JS_NewInt32(ctx, res->error_code));
    http_set(ctx, o, at[A_REMOTE_IP], JS_NewString(ctx, res->ip));
    http_set(ctx, o, at[A_REMOTE_PORT], JS_NewInt32(ctx, (int32_t)res->port));
    http_set(ctx, o, at[A_COOKIES], JS_NewObject(ctx));
    JSValue req = JS_NewObject(ctx);
    http_set(ctx, req, at[A_METHOD], JS_NewString(ctx, method));
    http_set(ctx, req, at[A_URL], JS_NewString(ctx, req_url));
    http_set(ctx, o, at[A_REQUEST], req);
    return o;
}

static void http_req_reset(http_req *r) {
    buf_clear(&r->body);
    buf_clear(&r->hdr);
    r->errbuf[0] = 0;
}

/* One hop through libcurl (https, and what the h1 client does not take). */
static bool http_hop_curl(vu *v, http_req *r, const char *method, const char *url, const buf *body,
                          bool has_body, bool is_form, const http_params *p, const char *cookie,
                          http_result *res, double *sent, double *received) {
    CURL *e = worker_easy_get(v->w);
    bool owned;
    struct curl_slist *hl = http_curl_headers(v, p, is_form, has_body, &owned);
    http_setup(e, v, r, method, url, body, has_body, (http_params *)p);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, hl);
    if (cookie) curl_easy_setopt(e, CURLOPT_COOKIE, cookie);
    curl_multi_add_handle(v->w->multi, e);
    bool ok = vu_wait(v);
    if (ok) {
        http_collect(e, r, url, res);
        curl_off_t up = 0, down = 0;
        long reqsize = 0, hdrsize = 0;
        curl_easy_getinfo(e, CURLINFO_REQUEST_SIZE, &reqsize);
        curl_easy_getinfo(e, CURLINFO_HEADER_SIZE, &hdrsize);
        curl_easy_getinfo(e, CURLINFO_SIZE_UPLOAD_T, &up);
        curl_easy_getinfo(e, CURLINFO_SIZE_DOWNLOAD_T, &down);
        *sent = (double)(reqsize + up);
        *received = (double)(hdrsize + down);
    } else {
        curl_multi_remove_handle(v->w->multi, e);
    }
    worker_easy_put(v->w, e);
    if (owned) curl_slist_free_all(hl);
    return ok;
}

static void http_h1_done(h1_request *hr, void *ud) {
    vu *v = ud;
    (void)hr;
    if (v->state == VU_WAITING) vu_wake(v);
}

static void http_h1_error(const h1_request *hr, http_result *res) {
    static const int codes[] = {
        [H1_ERR_URL] = 1020, [H1_ERR_DNS] = 1101, [H1_ERR_REFUSED] = 1212, [H1_ERR_NETUNREACH] = 1210,
        [H1_ERR_CONNECT] = 1200, [H1_ERR_TIMEOUT] = 1050, [H1_ERR_RESET] = 1220, [H1_ERR_EOF] = 1000,
        [H1_ERR_PROTO] = 1000, [H1_ERR_OTHER] = 1000,
    };
    res->error_code = codes[hr->err] ? codes[hr->err] : 1000;
    snprintf(res->error, sizeof res->error, "%s", hr->errmsg);
}

/* One hop through c6's own HTTP/1.1 client: plain http:// on keep-alive
 * connections, a few thousand instructions instead of libcurl's ~75,000. */
static bool http_hop_h1(vu *v, http_req *r, const char *method, const char *url, const buf *body,
                        bool has_body, bool is_form, const http_params *p, const char *cookie,
                        http_result *res, double *sent, double *received) {
    const char *hdrs[HTTP_MAX_HEADERS + 2];
    size_t nh = 0;
    for (int i = 0; i < p->nh; i++) hdrs[nh++] = p->hlines[i];
    if (has_body && is_form && !p->has_content_type) hdrs[nh++] = "Content-Type: application/x-www-form-urlencoded";
    char *cookie_line = NULL;
    if (cookie) {
        size_t l = strlen(cookie) + 9;
        cookie_line = malloc(l);
        snprintf(cookie_line, l, "Cookie: %s", cookie);
        hdrs[nh++] = cookie_line;
    }
    h1_request hr;
    memset(&hr, 0, sizeof hr);
    hr.method = method;
    hr.url = url;
    hr.headers = hdrs;
    hr.nheaders = nh;
    hr.user_agent = http_effective_ua(v);
    hr.body = body->p;
    hr.body_len = body->len;
    hr.has_body = has_body;
    hr.timeout_ms = p->timeout_ms;
    hr.resp_headers = &r->hdr;
    hr.resp_body = &r->body;
    hr.done = http_h1_done;
    hr.ud = v;
    h1_start(v->w->h1, &hr);
    bool ok = vu_wait(v);
    if (!ok) {
        h1_cancel(v->w->h1, &hr);
    } else {
        memset(res, 0, sizeof *res);
        res->t_blocked = hr.t_blocked;
        res->t_connecting = hr.t_connecting;
        res->t_sending = hr.t_sending;
        res->t_waiting = hr.t_waiting;
        res->t_receiving = hr.t_receiving;
        res->t_duration = hr.t_sending + hr.t_waiting + hr.t_receiving;
        snprintf(res->ip, sizeof res->ip, "%s", hr.remote_ip);
        res->port = hr.remote_port;
        *sent = (double)hr.bytes_sent;
        *received = (double)hr.bytes_received;
        if (hr.err != H1_OK) {
            http_h1_error(&hr, res);
        } else {
            res->status = hr.status;
            snprintf(res->proto, sizeof res->proto, "%s", hr.proto);
            if (res->status >= 400 && res->status < 600) res->error_code = 1000 + (int)res->status;
        }
    }
    free(cookie_line);
    return ok;
}

/* Plain http:// without credentials in the URL goes to the h1 client. */
static bool http_use_h1(const char *url) {
    if (strncasecmp(url, "http://", 7) != 0) return false;
    const char *auth = url + 7;
    size_t alen = strcspn(auth, "/?#");
    return memchr(auth, '@', alen) == NULL;
}

static JSValue http_do(JSContext *ctx, const char *method_in, const char *url_in, const char *url_name,
                       JSValueConst body_v, JSValueConst params_v) {
    vu *v = vu_from_ctx(ctx);
    if (!v->w || v->in_init)
        return JS_ThrowTypeError(ctx, "making HTTP requests in the init context is not supported");
    http_params p = {0};
    buf body = {0};
    bool is_form = false;
    if (http_parse_params(ctx, params_v, &p) || http_body(ctx, body_v, &body, &is_form)) {
        http_params_free(ctx, &p);
        buf_free(&body);
        return JS_EXCEPTION;
    }
    if (!p.name && url_name) p.name = url_name;   /* http.url`...` groups by its template */
    bool has_body = body.p != NULL;
    char method[16];
    snprintf(method, sizeof method, "%s", method_in);
    char *url = strdup(url_in);
    http_req r = {.v = v, .body = v->rbody, .hdr = v->rhdr};   /* reuse the VU's buffers */
    http_result res = {0};
    JSValue out = JS_UNDEFINED;
    for (int hop = 0;; hop++) {
        http_req_reset(&r);
        buf cookie = {0};
        bool has_cookie = v->jar && cookies_header(v->jar, url, &cookie);
        double sent = 0, received = 0;
        bool ok = http_use_h1(url)
            ? http_hop_h1(v, &r, method, url, &body, has_body, is_form, &p, has_cookie ? cookie.p : NULL, &res, &sent, &received)
            : http_hop_curl(v, &r, method, url, &body, has_body, is_form, &p, has_cookie ? cookie.p : NULL, &res, &sent, &received);
        buf_free(&cookie);
        if (!ok) {
            out = k6_throw_interrupted(ctx);
            break;
        }
        http_emit(v, method, url, &p, &res, sent, received, clock_now_us());
        if (res.status && r.hdr.len) {
            if (!v->jar) v->jar = cookies_new();
            cookies_store(v->jar, url, r.hdr.p, r.hdr.len);
        }
        int to_get = 0;
        char *next = res.status && hop < p.redirects ? http_redirect_target(&r.hdr, url, res.status, &to_get) : NULL;
        if (!next) break;
        free(url);
        url = next;
        if (to_get && strcmp(method, "HEAD") != 0) {
            snprintf(method, sizeof method, "GET");
            has_body = false;
        }
    }
    if (JS_IsUndefined(out)) out = http_response(v, &res, &r, method, url, p.response_type);
    free(url);
    v->rbody = r.body;
    v->rhdr = r.hdr;
    if (v->rbody.cap > (1u << 20)) buf_free(&v->rbody);   /* don't pin a huge body per VU */
    buf_free(&body);
    http_params_free(ctx, &p);
    return out;
}

/* http.get(url, params), http.post(url, body, params), http.request(method, url, body, params) */
enum { H_GET, H_HEAD, H_POST, H_PUT, H_PATCH, H_DEL, H_OPTIONS, H_REQUEST };
static const char *http_methods[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};

static JSValue http_call(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv, int magic) {
    const char *method = NULL;
    int a = 0;
    if (magic == H_REQUEST) {
        if (argc < 2) return JS_ThrowTypeError(ctx, "http.request(method, url[, body][, params])");
        method = JS_ToCString(ctx, argv[a++]);
        if (!method) return JS_EXCEPTION;
    }
    if (argc <= a) { JS_FreeCString(ctx, method); return JS_ThrowTypeError(ctx, "missing URL"); }
    const char *url, *url_name = NULL;
    if (JS_IsObject(argv[a]) && !JS_IsFunction(ctx, argv[a])) {   /* http.url`...` */
        JSValue u = JS_GetPropertyStr(ctx, argv[a], "url"), nm = JS_GetPropertyStr(ctx, argv[a], "name");
        url = JS_IsUndefined(u) ? JS_ToCString(ctx, argv[a]) : JS_ToCString(ctx, u);
        if (JS_IsString(nm)) url_name = JS_ToCString(ctx, nm);
        JS_FreeValue(ctx, u);
        JS_FreeValue(ctx, nm);
        a++;
    } else {
        url = JS_ToCString(ctx, argv[a++]);
    }
    if (!url) { JS_FreeCString(ctx, method); JS_FreeCString(ctx, url_name); return JS_EXCEPTION; }
    bool takes_body = magic != H_GET && magic != H_HEAD;
    JSValueConst body = takes_body && argc > a ? argv[a] : JS_UNDEFINED;
    if (takes_body) a++;
    JSValueConst params = argc > a ? argv[a] : JS_UNDEFINED;
    char upper[16];
    const char *m = magic == H_REQUEST ? method : http_methods[magic];
    size_t i = 0;
    for (; m[i] && i < sizeof upper - 1; i++) upper[i] = (char)toupper((unsigned char)m[i]);
    upper[i] = 0;
    JSValue r = http_do(ctx, upper, url, url_name, body, params);
    JS_FreeCString(ctx, url);
    JS_FreeCString(ctx, url_name);
    JS_FreeCString(ctx, method);
    return r;
}

/* res.json([selector]): parses the body; a selector walks "a.b.0.c" ("#" = length). */
static JSValue http_json(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    JSValue body = JS_GetPropertyStr(ctx, this_val, "body");
    size_t len;
    const char *s = JS_ToCStringLen(ctx, &len, body);
    JS_FreeValue(ctx, body);
    if (!s) return JS_EXCEPTION;
    JSValue v = JS_ParseJSON(ctx, s, len, "<response body>");
    JS_FreeCString(ctx, s);
    if (JS_IsException(v) || argc == 0 || !JS_IsString(argv[0])) return v;
    const char *sel = JS_ToCString(ctx, argv[0]);
    char *path = strdup(sel);
    JS_FreeCString(ctx, sel);
    for (char *save = NULL, *seg = strtok_r(path, ".", &save); seg && !JS_IsUndefined(v);
         seg = strtok_r(NULL, ".", &save)) {
        JSValue next = strcmp(seg, "#") == 0 ? JS_GetPropertyStr(ctx, v, "length")
                                               : JS_GetPropertyStr(ctx, v, seg);
        JS_FreeValue(ctx, v);
        v = next;
        if (JS_IsException(v)) break;
    }
    free(path);
    return v;
}

static JSValue http_url_to_string(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    return JS_GetPropertyStr(ctx, this_val, "url");
}

/* http.url`https://x/items/${id}`: the URL, and a name tag with "${}" where
 * the values were, so all those requests share one tag set. */
static JSValue http_url(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    if (argc < 1 || !JS_IsArray(ctx, argv[0])) return JS_ThrowTypeError(ctx, "http.url is a tagged template: http.url`...${x}...`");
    int64_t n = 0;
    JSValue len = JS_GetPropertyStr(ctx, argv[0], "length");
    JS_ToInt64(ctx, &n, len);
    JS_FreeValue(ctx, len);
    buf url = {0}, name = {0};
    for (int64_t i = 0; i < n; i++) {
        JSValue part = JS_GetPropertyUint32(ctx, argv[0], (uint32_t)i);
        const char *ps = JS_ToCString(ctx, part);
        JS_FreeValue(ctx, part);
        buf_puts(&url, ps ? ps : "");
        buf_puts(&name, ps ? ps : "");
        JS_FreeCString(ctx, ps);
        if (i + 1 < n && i + 1 < argc) {
            const char *vs = JS_ToCString(ctx, argv[i + 1]);
            buf_puts(&url, vs ? vs : "");
            buf_puts(&name, "${}");
            JS_FreeCString(ctx, vs);
        }
    }
    JSValue o = JS_NewObject(ctx);
    JS_SetPropertyStr(ctx, o, "url", JS_NewStringLen(ctx, url.p ? url.p : "", url.len));
    JS_SetPropertyStr(ctx, o, "name", JS_NewStringLen(ctx, name.p ? name.p : "", name.len));
    JS_SetPropertyStr(ctx, o, "toString", JS_NewCFunction(ctx, http_url_to_string, "toString", 0));
    buf_free(&url);
    buf_free(&name);
    return o;
}

static void http_expect_finalizer(JSRuntime *rt, JSValue val) {
    js_free_rt(rt, JS_GetOpaque(val, http_expect_class_id));
}

/* http.expectedStatuses(200, 201, {min: 300, max: 399}) */
static JSValue http_expected_statuses(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    http_expect *e = js_mallocz(ctx, sizeof *e);
    if (!e) return JS_EXCEPTION;
    for (int i = 0; i < argc; i++) {
        int32_t lo, hi;
        if (e->n == HTTP_EXPECT_MAX) { js_free(ctx, e); return JS_ThrowRangeError(ctx, "expectedStatuses: at most %d entries", HTTP_EXPECT_MAX); }
        if (JS_IsNumber(argv[i])) {
            JS_ToInt32(ctx, &lo, argv[i]);
            hi = lo;
        } else if (JS_IsObject(argv[i])) {
            JSValue mn = JS_GetPropertyStr(ctx, argv[i], "min"), mx = JS_GetPropertyStr(ctx, argv[i], "max");
            int bad = !JS_IsNumber(mn) || !JS_IsNumber(mx);
            JS_ToInt32(ctx, &lo, mn);
            JS_ToInt32(ctx, &hi, mx);
            JS_FreeValue(ctx, mn);
            JS_FreeValue(ctx, mx);
            if (bad) { js_free(ctx, e); return JS_ThrowTypeError(ctx, "expectedStatuses: argument %d: {min, max} needs two numbers", i + 1); }
        } else {
            js_free(ctx, e);
            return JS_ThrowTypeError(ctx, "expectedStatuses: argument %d must be a status or {min, max}", i + 1);
        }
        e->min[e->n] = lo;
        e->max[e->n++] = hi;
    }
    JSValue o = JS_NewObjectClass(ctx, (int)http_expect_class_id);
    JS_SetOpaque(o, e);
    return o;
}

/* http.setResponseCallback(cb): the VU's default; null turns http_req_failed off. */
static JSValue http_set_response_callback(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    vu *v = vu_from_ctx(ctx);
    bool is_null;
    int bad;
    const http_expect *e = http_expect_of(ctx, argc ? argv[0] : JS_NULL, &is_null, &bad);
    if (bad) return JS_ThrowTypeError(ctx, "setResponseCallback() takes http.expectedStatuses(...) or null");
    JS_FreeValue(ctx, v->expect_obj);
    v->expect_obj = is_null ? JS_UNDEFINED : JS_DupValue(ctx, argv[0]);
    v->expect = e;
    v->expect_default = false;
    return JS_UNDEFINED;
}

static const JSCFunctionListEntry http_funcs[] = {
    JS_CFUNC_DEF("expectedStatuses", 1, http_expected_statuses),
    JS_CFUNC_DEF("setResponseCallback", 1, http_set_response_callback),
    JS_CFUNC_DEF("url", 1, http_url),
    JS_CFUNC_MAGIC_DEF("get", 2, http_call, H_GET),
    JS_CFUNC_MAGIC_DEF("head", 2, http_call, H_HEAD),
    JS_CFUNC_MAGIC_DEF("post", 3, http_call, H_POST),
    JS_CFUNC_MAGIC_DEF("put", 3, http_call, H_PUT),
    JS_CFUNC_MAGIC_DEF("patch", 3, http_call, H_PATCH),
    JS_CFUNC_MAGIC_DEF("del", 3, http_call, H_DEL),
    JS_CFUNC_MAGIC_DEF("options", 3, http_call, H_OPTIONS),
    JS_CFUNC_MAGIC_DEF("request", 4, http_call, H_REQUEST),
};

static const JSCFunctionListEntry http_resp_funcs[] = {
    JS_CFUNC_DEF("json", 1, http_json),
};

static pthread_once_t http_once = PTHREAD_ONCE_INIT;
static void http_new_class_ids(void) { JS_NewClassID(&http_expect_class_id); }
static const JSClassDef http_expect_class = {.class_name = "ExpectedStatuses", .finalizer = http_expect_finalizer};

void http_class_init(JSRuntime *rt) {
    pthread_once(&http_once, http_new_class_ids);
    JS_NewClass(rt, http_expect_class_id, &http_expect_class);
}

static int http_module_set(JSContext *ctx, JSModuleDef *m) {
    vu *v = vu_from_ctx(ctx);
    size_t n = sizeof http_funcs / sizeof *http_funcs;
    if (JS_IsUndefined(v->resp_proto)) {
        v->resp_proto = JS_NewObject(ctx);
        JS_SetPropertyFunctionList(ctx, v->resp_proto, http_resp_funcs, 1);
    }
    JSValue def = JS_NewObject(ctx);
    JS_SetPropertyFunctionList(ctx, def, http_funcs, (int)n);
    JS_SetModuleExport(ctx, m, "default", def);
    return JS_SetModuleExportList(ctx, m, http_funcs, (int)n);
}

JSModuleDef *http_module_init(JSContext *ctx, const char *name) {
    JSModuleDef *m = JS_NewCModule(ctx, name, http_module_set);
    if (!m) return NULL;
    JS_AddModuleExportList(ctx, m, http_funcs, sizeof http_funcs / sizeof *http_funcs);
    JS_AddModuleExport(ctx, m, "default");
    return m;
}
