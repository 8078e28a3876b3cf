/* Internals of the "k6/http" module, shared by its files:
 *   http.c            the module, params, request bodies, Response objects
 *   http_run.c        running requests: hops on the worker's HTTP client,
 *                     redirects, samples, several at once for http.batch
 *   http_cookies.c    CookieJar, params.cookies/jar, Response.cookies
 *   http_multipart.c  http.file() and multipart/form-data bodies
 *   http_batch.c      http.batch()
 * A request is an http_call: filled from the script's arguments
 * (http_call_init), run with others or alone (http_run), turned into a
 * Response (http_call_response), freed (http_call_free). */
#ifndef C6_JS_MODULES_HTTP_H
#define C6_JS_MODULES_HTTP_H
#include <stdbool.h>
#include "js/vm.h"
#include "net/cookies.h"
#include "net/dialer.h"
#include "net/client.h"
#include "net/tls.h"
#include "util/buf.h"

#define HTTP_MAX_HEADERS 64
#define HTTP_FORM_CTYPE  "Content-Type: application/x-www-form-urlencoded"

/* http.expectedStatuses(...): which statuses count as expected (not failed). */
#define HTTP_EXPECT_MAX 32
typedef struct http_expect {
    int n;
    int min[HTTP_EXPECT_MAX], max[HTTP_EXPECT_MAX];
} http_expect;

/* What k6/http keeps per VU (vm_mod_get(v, VM_MOD_HTTP), made when a VU
 * imports the module; http_vu_of). */
typedef struct http_vu {
    buf rbody, rhdr;           /* response buffers, lent to each request (no allocation in steady state) */
    JSValue resp_proto;        /* prototype of Response objects */
    JSValue expect_obj;        /* http.setResponseCallback's object (keeps expect alive) */
    const http_expect *expect; /* its statuses, NULL with none */
    cookie_jar *jar;           /* the VU's jar, made on the first Set-Cookie or http.cookieJar();
                                      emptied at each iteration's start, as k6 does */
    JSValue shapes[3];         /* hold the usual Response shapes (http_keep_shapes); undefined: none */
    JSValue url_val;           /* the URL string of the VU's last http.get & co. (http_do), and */
    const char *url_c;         /*   its C string, which a request for the same string borrows */
    h1_url_memo url_memo;      /* url_c's split (net/client.h), emptied with url_c */
    bool expect_set;           /* setResponseCallback was called: without, 200-399 are expected */
    bool atoms_made;
    JSAtom atoms[]; /* Response property names (http.c's A_*), made on first use */
} http_vu;
/* v's k6/http state; NULL when out of memory. */
static inline http_vu *http_vu_of(vu *v) { return vm_mod_get(v, VM_MOD_HTTP); }
/* v's cookie jar, or NULL if it has none yet (k6/ws and k6/websockets send its cookies). */
static inline cookie_jar *http_vu_jar(const vu *v) {
    const http_vu *h = vm_mod_peek(v, VM_MOD_HTTP);
    return h ? h->jar : NULL;
}

typedef struct http_params {
    char *hlines[HTTP_MAX_HEADERS]; /* the script's headers as "Name: value" (not Cookie) */
    int nh;
    bool has_content_type, has_accept;
    char *cookie_hdr; /* the script's Cookie header: k6 sends it on the first hop only */
    char *clen_hdr;   /* the script's Content-Length header: dropped (Go sets its own) */
    vm_pairs tags;    /* params.tags */
    const char *name; /* the name tag, if set */
    long timeout_ms;
    int redirects;
    bool redirects_set;                /* params.redirects or the maxRedirects option given */
    int response_type;                 /* 0 text, 1 binary, 2 none */
    bool throw_errors;                 /* params.throw, else the throw option */
    const http_expect *expect;         /* params.responseCallback; NULL: the VU's */
    bool expect_set;                   /* responseCallback given (possibly null) */
    vm_pairs cookies;                  /* params.cookies: names and values */
    bool cookie_replace[VM_MAX_PAIRS]; /* ... {value, replace: true} */
    cookie_jar *jar;                   /* params.jar; NULL: the VU's jar */
    JSValue jar_obj;                   /* keeps params.jar alive during the request */
    int auth;                          /* params.auth: enum http_auth */
    int codecs[4], ncodecs;            /* params.compression, in the order applied */
} http_params;

enum http_auth { HTTP_AUTH_NONE = 0, HTTP_AUTH_BASIC, HTTP_AUTH_DIGEST, HTTP_AUTH_NTLM };

typedef struct http_creds {
    char user[128], pass[128]; /* the URL's credentials (taken out of it) */
    char authz[1024];          /* the Authorization line: digest's answer, or Basic from the URL */
} http_creds;

typedef struct http_result {
    long status;
    char proto[16];
    char error[512]; /* k6's text (Response.error, the error tag) */
    char cause[512]; /* Go's text of the transport's error (net/http's, inside
                                      the url.Error k6 logs and throws); "" as error */
    int error_code;
    double t_blocked, t_connecting, t_tls, t_sending, t_waiting, t_receiving, t_duration;
    char ip[64];
    long port;
    tls_info tls;      /* version, cipher suite, OCSP; cleared without TLS */
    bool body_err;     /* the body failed after the response came (decoding, c6's size
                                      limit): status 0, error is k6's text, not wrapped in url.Error */
    bool body_partial; /* ... and Response.body is what was decoded (k6's buffer) */
} http_result;

typedef struct http_call {
    vu *v;
    http_params p;
    char method[16];       /* the hop's method (GET after a 301-303) */
    char method0[16];      /* as asked: Response.request.method */
    char *url;             /* the hop's URL; after the run, the final one */
    char *url0;            /* as asked: Response.request.url */
    char *url_name;        /* http.url`...`'s name tag */
    bool borrow_url;       /* http_do's: the URL may be the VU's url_c (http_vu) */
    bool url_borrowed;     /* it is: the first hop's URL (url0 once redirected) is not freed */
    h1_url_memo *url_memo; /* borrowed: the VU's memo of its split, for the first hop */
    buf body;
    bool has_body;
    char ctype[128]; /* the "Content-Type: ..." line c6 adds (form, multipart); "" none */

    /* running (http_run.c) */
    int state, hop;
    bool hop_done;         /* set by the client's completion callback */
    bool refused;          /* no request made: blockHostnames, a bad scheme (res says why) */
    dialer_sa local;       /* localIPs: the VU's source address */
    struct http_creds *cr; /* URL credentials only (heap; the call stays small to clear) */
    h1_request hr;
    const char *hdrs[HTTP_MAX_HEADERS + 3];
    buf rbody, rhdr; /* the hop's response body and header block */
    buf cookie;      /* "Cookie: ..." line of the hop, empty: none */
    buf cookie0;     /* the first hop's, once a redirect followed it */
    http_result res;
} http_call;

/* The worker's call records (http_do takes one from w->http_calls) go. */
void http_calls_free(struct worker *w);

/* http.c */
/* Fills c from a request's arguments (url: string or http.url object).
 * Returns 0, or -1 with a JS exception pending (c is then freed). */
int http_call_init(JSContext *ctx, http_call *c, const char *method, JSValueConst url, JSValueConst body,
                   JSValueConst params);
JSValue http_call_response(vu *v, http_call *c);
/* options.throw is on and the request failed without a response. */
bool http_should_throw(vu *v, const http_call *c);
/* Go's error for a request that failed without a response, as k6 logs it
 * ("Request Failed") and throws it: net/http's *url.Error,
 * `Get "http://127.0.0.1:1/": dial tcp 127.0.0.1:1: connect: connection refused`. */
void http_go_error(const http_call *c, char *out, size_t n);
JSValue http_throw_error(JSContext *ctx, const http_call *c);
bool http_is_url(JSValueConst v);
/* Whether http_call_init's failure was one of k6's request errors (an
 * invalid param or body), not an exception of the script; clears it. */
bool http_parse_failed(void);
/* Throws msg as one of those errors (a GoError, marked); returns -1. */
int http_parse_error(JSContext *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* After http_call_init failed: a request error of k6's is logged as
 * "Request Failed" and becomes a Response carrying it (thrown instead with
 * the throw option); other exceptions stay thrown (JS_EXCEPTION). */
JSValue http_parse_fallback(JSContext *ctx, vu *v, const char *method);
/* Takes the pending exception and logs `text` at warn level with its message
 * as the error field (k6's "Request Failed" line for a request that does not
 * parse). Returns the message (JS_FreeCString it), or NULL if it has none. */
const char *http_log_exception(JSContext *ctx, const char *text);
/* Go's %T of what sobek exports v as ("int64", "string", "bool", ...). */
const char *http_go_type(JSContext *ctx, JSValueConst v);
/* The Response of a request never made: status 0, error msg (k6's
 * httpext.NewResponse with its Error set). */
JSValue http_error_response(vu *v, const char *method, const char *msg, int code);
/* A new http.request function (for Response.submitForm/clickLink). */
JSValue http_request_function(JSContext *ctx);
void http_call_free(JSContext *ctx, http_call *c);

/* http_run.c */
/* Appends ` k=v` to a log line's fields, v quoted as logrus quotes it. */
void http_log_field(buf *b, const char *k, const char *v);
/* http_debug.c: --http-debug's dumps of the hop that just ended. */
void http_debug_dump(http_call *c);
const char *http_user_agent(vu *v);
/* Runs calls[0..n): at most `limit` at once and `per_host` per host
 * (0: no limit), taken in order as k6's batch workers take them. The VU
 * waits until all are done. Returns false if the VU was interrupted: the
 * calls still running are abandoned. */
bool http_run(vu *v, http_call *calls, size_t n, int limit, int per_host);
/* options.rps (v->test->rps_interval_us set): n requests take the next n
 * slots of the test-wide schedule (one per 1/rps s, as k6's limiter); they
 * start together when the last one comes: that time (monotonic µs). */
int64_t http_rps_slot(vu *v, size_t n);
/* http_run without waiting, for http.asyncRequest (its requests run while
 * the VU's event loop goes on): http_calls_start starts calls[0..n) (false
 * if the VU was interrupted),
 * http_call_poll moves a call on once its hop has ended (a redirect starts
 * the next) and says whether it is complete, http_call_cancel abandons it.
 * Their completion wakes the VU as http_run's does. */
bool http_calls_start(vu *v, http_call *calls, size_t n);
bool http_call_poll(http_call *c);
void http_call_cancel(http_call *c);

/* http_cookies.c */
void http_cookies_class_init(JSRuntime *rt);
/* Defines CookieJar and cookieJar on the module's default object and exports. */
void http_cookies_module_set(JSContext *ctx, JSModuleDef *m, JSValueConst def);
void http_cookies_module_init(JSContext *ctx, JSModuleDef *m);
/* params.cookies and params.jar; -1 with an exception pending. */
int http_parse_cookies(JSContext *ctx, JSValueConst obj, http_params *p);
int http_parse_jar(JSContext *ctx, JSValueConst obj, http_params *p);
/* Writes the hop's "Cookie: ..." line (params.cookies, the jar's cookies not
 * replaced by them, after the script's own Cookie header on the first hop);
 * leaves out empty when there are none. */
void http_cookie_line(http_call *c, cookie_jar *jar, buf *out);
JSValue http_response_cookies(JSContext *ctx, const buf *hdr);
JSValue http_request_cookies(JSContext *ctx, const buf *cookie_line);

/* http_multipart.c */
void http_file_class_init(JSRuntime *rt);
void http_file_module_set(JSContext *ctx);
JSValue http_file(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv);
/* Whether the object body holds an http.file() value (k6 then sends multipart). */
bool http_has_file(JSContext *ctx, JSValueConst obj);
/* Writes obj as multipart/form-data into out and its Content-Type into
 * ctype; -1 with an exception pending. */
int http_multipart_body(JSContext *ctx, JSValueConst obj, buf *out, char *ctype, size_t nctype);

/* http_auth.c */
/* After a 401 with a Digest challenge (params.auth "digest"): writes the
 * Authorization line into c->authz. False if there is no usable challenge. */
bool http_digest_answer(http_call *c);
/* Moves user:pass@ out of c->url into c->user/c->pass (percent-decoded). */
void http_take_credentials(http_call *c);
/* The hop's URL has user:pass@ and the script no Authorization header:
 * c->cr->authz is "Authorization: Basic ..." (emptied otherwise). */
void http_basic_answer(http_call *c);

/* http_batch.c */
JSValue http_batch(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv);

/* Response.json(selector): GJSON's path syntax (http_gjson.c). */
JSValue http_gjson_get(JSContext *ctx, JSValueConst root, const char *path);

/* http_async.c: http.asyncRequest, its responses an event source of the VU's
 * event loop (http_async_source, js/vm.h). */
JSValue http_async_request(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv);

#endif
