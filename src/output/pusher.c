/* The network outputs' sender threads. Each thread owns a libcurl easy
 * handle (so its connection is kept alive between pushes) and takes jobs
 * from one queue. */
#include "output/pusher.h"
#include "util/err.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "util/base64.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/pbread.h"
#include "util/strconv.h"
#include "util/url.h"

#define PUSHER_MAX_THREADS   64
#define PUSHER_WARN_EVERY_US 5000000  /* at most one warning per 5 s per output */
#define PUSHER_REPLY_MAX     300      /* bytes of an error reply quoted in the log */
#define PUSHER_REPLY_KEEP    2048     /* bytes of it kept for pusher_config.lost */
#define PUSHER_GRACE_US      10000000 /* at the end, how long what is queued may still take */

typedef struct job {
    struct job *next;
    char *body;
    size_t len;
    uint64_t points;
    char *url;                  /* NULL: the pusher's */
    struct curl_slist *headers; /* NULL: the pusher's */
    bool quiet;
} job;

struct pusher {
    char *name, *url, *username, *password, *proxy;
    char *ca_file, *cert_file, *key_file;
    bool insecure, grpc, tls13;
    long timeout_ms;
    long retry_initial_ms, retry_max_ms, retry_elapsed_ms; /* 0: no retries */
    uint64_t (*lost)(long status, const char *reply, size_t len, uint64_t points, char *why, size_t whylen);
    struct curl_slist *headers;
    size_t budget, queued;
    pthread_mutex_t lock;
    pthread_cond_t more;
    job *head, *tail;
    bool stop;
    _Atomic int64_t deadline_us; /* set by pusher_close; 0 before */
    int nthreads;
    pthread_t threads[PUSHER_MAX_THREADS];
    pusher_stats st;
    int64_t last_warn_us;
    uint64_t unwarned_dropped, unwarned_failed, unwarned_unconfirmed;
};

/* A positive number of ms from the environment variable `name`, else def. */
static long long pusher_env_ms(const char *name, long long def) {
    const char *s = getenv(name);
    if (!s || !*s) return def;
    char *end;
    long long ms = strtoll(s, &end, 10);
    return (*end || ms <= 0) ? def : ms;
}

static int64_t pusher_grace_us(void) { return pusher_env_ms("C6_OUTPUT_GRACE_MS", PUSHER_GRACE_US / 1000) * 1000; }

size_t pusher_budget(size_t def) {
    const char *s = getenv("C6_OUTPUT_BUDGET");
    if (!s || !*s) return def;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    return (errno || *end || v == 0) ? def : (size_t)v;
}

const char *pusher_env(char *const *envp, const char *key) {
    size_t kl = strlen(key);
    for (char *const *e = envp; e && *e; e++)
        if (strncmp(*e, key, kl) == 0 && (*e)[kl] == '=') return *e + kl + 1;
    return NULL;
}

int pusher_parse_bool(const char *s, bool *out) { return strconv_parse_bool(s, out); }

/* Called with the lock held: one line now and then, with what was lost
 * since the last one, so that a dead server does not flood the log. */
static void pusher_warn(pusher *p, const char *why) {
    int64_t now = clock_now_us();
    if (p->last_warn_us && now - p->last_warn_us < PUSHER_WARN_EVERY_US) return;
    p->last_warn_us = now;
    log_printf(LOG_WARN,
               "%s output: %s; since the last warning %llu points were dropped over the memory budget, %llu were not "
               "written in failed requests and %llu were sent but not confirmed",
               p->name, why, (unsigned long long)p->unwarned_dropped, (unsigned long long)p->unwarned_failed,
               (unsigned long long)p->unwarned_unconfirmed);
    p->unwarned_dropped = p->unwarned_failed = p->unwarned_unconfirmed = 0;
}

typedef struct reply {
    char text[PUSHER_REPLY_KEEP + 1];
    size_t len;
    int grpc_status; /* -1: none seen */
    char grpc_message[PUSHER_REPLY_MAX + 1];
    bool retry_info;     /* grpc-status-details-bin carries a google.rpc.RetryInfo */
    int64_t throttle_us; /* ... and its retry_delay */
} reply;

/* A google.rpc.Status (details = 3, each an Any: type_url = 1, value = 2):
 * whether a detail is a google.rpc.RetryInfo and its retry_delay (1, a
 * Duration: seconds = 1, nanos = 2), which otlpmetricgrpc's throttleDelay
 * reads. Small messages read with util/pbread.h: c6 has no libprotobuf
 * descriptors for google.rpc. */
typedef struct retry_walk {
    reply *r;
    const unsigned char *url, *val;
    size_t urll, vall;
    int64_t sec, nsec;
} retry_walk;

static void retry_duration(void *ctx, int f, uint64_t v, const unsigned char *d, size_t n) {
    (void)n;
    retry_walk *w = ctx;
    if (f == 1 && !d) w->sec = (int64_t)v;
    if (f == 2 && !d) w->nsec = (int32_t)v;
}

static void retry_info_field(void *ctx, int f, uint64_t v, const unsigned char *d, size_t n) {
    (void)v;
    if (f == 1 && d) pbr_each(d, d + n, retry_duration, ctx);
}

static void retry_any(void *ctx, int f, uint64_t v, const unsigned char *d, size_t n) {
    (void)v;
    retry_walk *w = ctx;
    if (f == 1 && d) w->url = d, w->urll = n;
    if (f == 2 && d) w->val = d, w->vall = n;
}

static void retry_status(void *ctx, int f, uint64_t v, const unsigned char *d, size_t n) {
    (void)v;
    static const char want[] = "google.rpc.RetryInfo";
    retry_walk *w = ctx;
    if (f != 3 || !d || w->r->retry_info) return;
    w->url = w->val = NULL;
    pbr_each(d, d + n, retry_any, w);
    if (!w->url || w->urll < sizeof want - 1 || memcmp(w->url + w->urll - (sizeof want - 1), want, sizeof want - 1))
        return;
    w->r->retry_info = true;
    if (w->val) pbr_each(w->val, w->val + w->vall, retry_info_field, w);
    /* Duration's range is +-315,576,000,000 s; anything past a day is as good as never */
    int64_t sec = w->sec > 86400 ? 86400 : w->sec, us = sec * 1000000 + w->nsec / 1000;
    w->r->throttle_us = us > 0 ? us : 0;
}

/* Response header lines (and HTTP/2 trailers): gRPC's outcome. */
static size_t pusher_on_header(char *data, size_t size, size_t n, void *ctx) {
    reply *r = ctx;
    size_t len = size * n;
    while (len && (data[len - 1] == '\n' || data[len - 1] == '\r')) len--;
    if (len > 12 && strncasecmp(data, "grpc-status:", 12) == 0) {
        r->grpc_status = atoi(data + 12);
    } else if (len > 13 && strncasecmp(data, "grpc-message:", 13) == 0) {
        const char *v = data + 13;
        size_t vl = len - 13;
        while (vl && *v == ' ') v++, vl--;
        if (vl > PUSHER_REPLY_MAX) vl = PUSHER_REPLY_MAX;
        /* percent-encoded (gRPC over HTTP/2, "Status-Message") */
        r->grpc_message[url_unescape(r->grpc_message, PUSHER_REPLY_MAX, v, vl, 0)] = 0;
    } else if (len > 24 && strncasecmp(data, "grpc-status-details-bin:", 24) == 0) {
        /* a google.rpc.Status: a RetryInfo detail makes RESOURCE_EXHAUSTED
         * retryable, and its delay is the least wait (throttle) */
        const char *v = data + 24;
        size_t vl = len - 24;
        while (vl && *v == ' ') v++, vl--;
        while (vl && v[vl - 1] == '=') vl--; /* padded or not */
        uint8_t dec[PUSHER_REPLY_KEEP];
        size_t bad;
        ssize_t n = vl <= sizeof dec / 4 * 3 ? b64_decode(v, vl, B64_RAWSTD, dec, &bad) : -1;
        retry_walk w = {.r = r};
        if (n > 0) pbr_each(dec, dec + n, retry_status, &w);
    }
    return size * n;
}

/* gRPC's status code names (grpc/codes). */
static const char *grpc_code_name(int c) {
    static const char *const names[] = {
        "OK",        "CANCELLED",      "UNKNOWN",           "INVALID_ARGUMENT",   "DEADLINE_EXCEEDED",
        "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
        "ABORTED",   "OUT_OF_RANGE",   "UNIMPLEMENTED",     "INTERNAL",           "UNAVAILABLE",
        "DATA_LOSS", "UNAUTHENTICATED"};
    return c >= 0 && c < (int)(sizeof names / sizeof *names) ? names[c] : "?";
}

static size_t pusher_on_body(char *data, size_t size, size_t n, void *ctx) {
    reply *r = ctx;
    size_t len = size * n, room = PUSHER_REPLY_KEEP - r->len;
    size_t take = len < room ? len : room;
    memcpy(r->text + r->len, data, take);
    r->len += take;
    r->text[r->len] = 0;
    return len;
}

/* Aborts a transfer still running when the end-of-test grace is over. */
static int pusher_on_progress(void *ctx, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un) {
    pusher *p = ctx;
    int64_t d = atomic_load(&p->deadline_us);
    return d && clock_now_us() >= d;
}

static CURL *pusher_handle(pusher *p) {
    CURL *e = curl_easy_init();
    if (!e) return NULL;
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "c6/0.1.0 (k6-compatible)");
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, p->timeout_ms);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, p->timeout_ms < 5000 ? p->timeout_ms : 5000L);
    curl_easy_setopt(e, CURLOPT_PROXY, p->proxy ? p->proxy : "");
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, pusher_on_body);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, pusher_on_header);
    if (p->grpc) {
        curl_easy_setopt(e, CURLOPT_HTTP_VERSION,
                         strncasecmp(p->url, "https:", 6) == 0 ? (long)CURL_HTTP_VERSION_2TLS
                                                               : (long)CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE);
        /* a connection per call: Debian 12's libcurl (7.88) fails the
         * second call on a kept HTTP/2 connection to a grpcio server ("Error
         * in the HTTP2 framing layer"); the calls are seconds apart */
        curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
    }
    curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, pusher_on_progress);
    curl_easy_setopt(e, CURLOPT_XFERINFODATA, p);
    if (p->username) {
        curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(e, CURLOPT_USERNAME, p->username);
        curl_easy_setopt(e, CURLOPT_PASSWORD, p->password ? p->password : "");
    }
    if (p->insecure) {
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (p->ca_file) { /* these roots only, as Go's tls.Config.RootCAs */
        curl_easy_setopt(e, CURLOPT_CAINFO, p->ca_file);
        curl_easy_setopt(e, CURLOPT_CAPATH, NULL);
    }
    if (p->cert_file) {
        curl_easy_setopt(e, CURLOPT_SSLCERT, p->cert_file);
        curl_easy_setopt(e, CURLOPT_SSLKEY, p->key_file);
    }
    if (p->tls13) curl_easy_setopt(e, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_3);
    return e;
}

/* How a request ended, for the counts. */
typedef enum { SENT_OK, SENT_FAILED, SENT_UNCONFIRMED } sent_outcome;

/* Sends one job. On SENT_FAILED, *lost says how many of its points the
 * server did not store; on anything but SENT_OK, why says what happened in
 * words a user reads in a warning (not libcurl's "Callback aborted"). */
/* gRPC codes the OTLP exporter retries (otlpmetricgrpc's retryable):
 * CANCELLED, DEADLINE_EXCEEDED, ABORTED, OUT_OF_RANGE, UNAVAILABLE,
 * DATA_LOSS; RESOURCE_EXHAUSTED only with a RetryInfo. */
static bool grpc_retryable(int code, bool retry_info) {
    return code == 1 || code == 4 || code == 10 || code == 11 || code == 14 || code == 15 || (code == 8 && retry_info);
}

/* HTTP statuses otlpmetrichttp retries; grpc-go maps the same ones to
 * UNAVAILABLE when a gRPC call gets them. */
static bool http_retryable(long status) { return status == 429 || status == 502 || status == 503 || status == 504; }

static sent_outcome pusher_send(pusher *p, CURL *e, job *j, uint64_t *lost, char *why, size_t whylen, bool *retryable,
                                int64_t *throttle_us) {
    reply r = {.len = 0, .grpc_status = -1};
    *retryable = false;
    r.text[0] = 0;
    const char *url = j->url ? j->url : p->url;
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, j->headers ? j->headers : p->headers);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, j->body ? j->body : "");
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)j->len);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &r);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, &r);
    char cerr[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, cerr);
    CURLcode rc = curl_easy_perform(e);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, NULL);
    long status = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    *lost = j->points;
    if (rc != CURLE_OK && status == 0) {
        /* No answer. Once the whole body went out the server may have
         * stored it: those points are not confirmed rather than lost. */
        curl_off_t up = 0;
        curl_easy_getinfo(e, CURLINFO_SIZE_UPLOAD_T, &up);
        bool whole = (size_t)up >= j->len && j->len > 0;
        const char *what = cerr[0] ? cerr : curl_easy_strerror(rc);
        if (rc == CURLE_ABORTED_BY_CALLBACK)
            snprintf(why, whylen, "the end-of-test grace period ran out %s %s",
                     whole ? "before an answer from" : "while sending to", url);
        else if (rc == CURLE_OPERATION_TIMEDOUT) {
            snprintf(why, whylen, "%s did not answer within %ld ms", url, p->timeout_ms);
            *retryable = true; /* net/http's timeout is a Temporary url.Error */
        } else if (whole) snprintf(why, whylen, "the connection to %s was lost before it answered (%s)", url, what);
        else snprintf(why, whylen, "cannot send to %s: %s", url, what);
        return whole ? SENT_UNCONFIRMED : SENT_FAILED;
    }
    bool ok = status >= 200 && status <= 299;
    char reason[PUSHER_REPLY_MAX + 1] = "";
    if (p->grpc && ok) {
        if (r.grpc_status != 0) {
            if (r.grpc_status < 0) snprintf(why, whylen, "%s answered without a grpc-status", url);
            else
                snprintf(why, whylen, "%s answered grpc-status %d (%s)%s%s", url, r.grpc_status,
                         grpc_code_name(r.grpc_status), r.grpc_message[0] ? ": " : "", r.grpc_message);
            *retryable = grpc_retryable(r.grpc_status, r.retry_info);
            *throttle_us = r.throttle_us;
            return SENT_FAILED;
        }
        /* the reply message without its frame header */
        size_t skip = r.len < 5 ? r.len : 5;
        memmove(r.text, r.text + skip, r.len - skip + 1);
        r.len -= skip;
    }
    if (p->lost && (!ok || r.len)) {
        uint64_t n = p->lost(status, r.text, r.len, j->points, reason, sizeof reason);
        *lost = n < j->points ? n : j->points;
    }
    if (ok && (!p->lost || !r.len || *lost == 0)) return SENT_OK;
    *retryable = !ok && http_retryable(status);
    for (char *c = r.text; *c; c++)
        if (*c == '\n' || *c == '\r') *c = ' ';
    snprintf(why, whylen, "%s answered %ld%s%.*s", url, status, reason[0] || r.len ? ": " : "", PUSHER_REPLY_MAX,
             reason[0] ? reason : r.text);
    return SENT_FAILED;
}

static void job_free(job *j) {
    free(j->body);
    free(j->url);
    curl_slist_free_all(j->headers);
    free(j);
}

/* Sleeps until `until` (clock_now_us), in slices so that the end-of-test
 * deadline pusher_close sets meanwhile is seen; false, at once, when the
 * wait would end past it. */
static bool pusher_sleep_until(pusher *p, int64_t until) {
    for (;;) {
        int64_t now = clock_now_us(), d = atomic_load(&p->deadline_us);
        if (d && until > d) return false;
        if (now >= until) return true;
        int64_t step = until - now < 50000 ? until - now : 50000;
        struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)step * 1000};
        while (nanosleep(&ts, &ts) && errno == EINTR) {}
    }
}

/* pusher_send, then the retries the config asks for (pusher_config.retry_*). */
static sent_outcome pusher_send_retrying(pusher *p, CURL *e, job *j, uint64_t *lost, char *why, size_t whylen) {
    int64_t t0 = clock_now_us();
    double interval = (double)p->retry_initial_ms * 1000, max = (double)p->retry_max_ms * 1000; /* us */
    unsigned seed = (unsigned)t0 ^ (unsigned)(uintptr_t)j;
    for (int tries = 1;; tries++) {
        bool again;
        int64_t throttle = 0; /* a RetryInfo's delay (gRPC); an HTTP Retry-After counts as 0, see below */
        sent_outcome rc = pusher_send(p, e, j, lost, why, whylen, &again, &throttle);
        if (rc == SENT_OK || !again || j->quiet || p->retry_initial_ms <= 0) return rc;
        /* cenkalti/backoff's ExponentialBackOff with its defaults: the wait
         * is the interval +-50% (RandomizationFactor 0.5), the interval then
         * grows 1.5x (Multiplier) up to the max; no retry that would end
         * past MaxElapsedTime after the first try */
        double wait = interval * (0.5 + (double)rand_r(&seed) / RAND_MAX);
        interval = interval * 1.5 > max ? max : interval * 1.5;
        int64_t now = clock_now_us(), until = now + (int64_t)wait;
        if (until - t0 > (int64_t)p->retry_elapsed_ms * 1000) return rc;
        /* the exporters' retry.Config RequestFunc: the greater of the
         * backoff and the throttle; a throttle that would end past
         * MaxElapsedTime gives up at once ("max retry time would elapse").
         * otlpmetrichttp parses Retry-After's seconds but hands them on as
         * nanoseconds (time.Duration(throttle)), so the backoff always wins
         * there: the header is not read at all here, the same in effect */
        if (throttle >= (int64_t)wait) {
            if (now + throttle - t0 > (int64_t)p->retry_elapsed_ms * 1000) return rc;
            until = now + throttle;
            wait = (double)throttle;
        }
        log_printf(LOG_DEBUG, "%s output: %s; retry %d in %lld ms", p->name, why, tries, (long long)(wait / 1000));
        if (!pusher_sleep_until(p, until)) return rc; /* the end-of-test grace ends first */
    }
}

static void *pusher_main(void *arg) {
    pusher *p = arg;
    CURL *e = pusher_handle(p);
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (!p->head && !p->stop) pthread_cond_wait(&p->more, &p->lock);
        job *j = p->head;
        if (!j) break; /* stopping and nothing left */
        p->head = j->next;
        if (!p->head) p->tail = NULL;
        int64_t deadline = atomic_load(&p->deadline_us);
        bool late = deadline && clock_now_us() >= deadline;
        pthread_mutex_unlock(&p->lock);

        char why[600] = "out of memory";
        uint64_t lost = j->points;
        sent_outcome rc = late || !e ? SENT_FAILED : pusher_send_retrying(p, e, j, &lost, why, sizeof why);

        pthread_mutex_lock(&p->lock);
        p->queued -= j->len;
        if (late) {
            p->st.abandoned += j->points; /* reported by pusher_close's caller */
        } else if (j->quiet) {
            if (rc != SENT_OK) log_printf(LOG_DEBUG, "%s output: %s (most likely harmless)", p->name, why);
        } else if (rc == SENT_UNCONFIRMED) {
            p->st.unconfirmed += j->points;
            p->st.unconfirmed_requests++;
            p->unwarned_unconfirmed += j->points;
            pusher_warn(p, why);
        } else if (rc == SENT_FAILED) {
            p->st.failed += lost;
            p->st.sent += j->points - lost; /* a partial write stored the rest */
            if (lost < j->points) {
                p->st.refused += lost;
                p->st.partial_requests++;
            } else {
                p->st.failed_requests++;
            }
            p->unwarned_failed += lost;
            pusher_warn(p, why);
        } else {
            p->st.sent += j->points;
            p->st.requests++;
        }
        job_free(j);
    }
    pthread_mutex_unlock(&p->lock);
    if (e) curl_easy_cleanup(e);
    return NULL;
}

static char *dup_or_null(const char *s) { return s && *s ? strdup(s) : NULL; }

static void pusher_free(pusher *p) {
    free(p->name);
    free(p->url);
    free(p->username);
    free(p->password);
    free(p->proxy);
    free(p->ca_file);
    free(p->cert_file);
    free(p->key_file);
    curl_slist_free_all(p->headers);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->more);
    free(p);
}

static struct curl_slist *pusher_headers(const char *content_type, const char *const *extra, size_t n, bool *ok) {
    struct curl_slist *h = NULL, *t;
    char ct[256];
    snprintf(ct, sizeof ct, "Content-Type: %s", content_type ? content_type : "application/octet-stream");
    /* no "Expect: 100-continue" round trip before a large body */
    const char *fixed[] = {ct, "Expect:"};
    for (size_t i = 0; i < 2 + n; i++) {
        t = curl_slist_append(h, i < 2 ? fixed[i] : extra[i - 2]);
        if (!t) {
            *ok = false;
            return h;
        }
        h = t;
    }
    *ok = true;
    return h;
}

pusher *pusher_new(const pusher_config *c, char *err, size_t errlen) {
    pusher *p = calloc(1, sizeof *p);
    if (!p) return snprintf(err, errlen, "out of memory"), NULL;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->more, NULL);
    bool ok;
    p->name = xstrdup(c->name); /* config, once */
    p->url = xstrdup(c->url);
    p->username = dup_or_null(c->username);
    p->password = xstrdup(c->password);
    p->proxy = dup_or_null(c->proxy);
    p->insecure = c->insecure;
    p->ca_file = dup_or_null(c->ca_file);
    p->cert_file = dup_or_null(c->cert_file);
    p->key_file = dup_or_null(c->key_file);
    p->tls13 = c->tls13;
    p->grpc = c->grpc;
    p->timeout_ms = (long)pusher_env_ms("C6_OUTPUT_TIMEOUT_MS", c->timeout_ms > 0 ? c->timeout_ms : 10000);
    p->lost = c->lost;
    p->retry_initial_ms = c->retry_initial_ms;
    p->retry_max_ms = c->retry_max_ms;
    p->retry_elapsed_ms = c->retry_elapsed_ms;
    p->budget = c->budget;
    p->headers = pusher_headers(c->content_type, c->headers, c->nheaders, &ok);
    bool tls_ok = (!c->ca_file || !*c->ca_file || p->ca_file) && (!c->cert_file || !*c->cert_file || p->cert_file) &&
                  (!c->key_file || !*c->key_file || p->key_file);
    if (!ok || !p->name || !p->url || !tls_ok) {
        pusher_free(p);
        return snprintf(err, errlen, "out of memory"), NULL;
    }
    int want = c->threads < 1 ? 1 : c->threads > PUSHER_MAX_THREADS ? PUSHER_MAX_THREADS : c->threads;
    for (; p->nthreads < want; p->nthreads++)
        if (pthread_create(&p->threads[p->nthreads], NULL, pusher_main, p)) break;
    if (p->nthreads == 0) {
        pusher_free(p);
        return snprintf(err, errlen, "cannot start a sender thread"), NULL;
    }
    return p;
}

static bool pusher_enqueue(pusher *p, job *j) {
    pthread_mutex_lock(&p->lock);
    /* a one-off request is small and carries no points: never refused */
    if (!j->quiet && p->queued + j->len > p->budget) {
        p->st.dropped += j->points;
        p->unwarned_dropped += j->points;
        pusher_warn(p, "the endpoint is not keeping up, the queue is over its memory budget");
        pthread_mutex_unlock(&p->lock);
        job_free(j);
        return false;
    }
    p->queued += j->len;
    if (p->tail) p->tail->next = j;
    else p->head = j;
    p->tail = j;
    pthread_cond_signal(&p->more);
    pthread_mutex_unlock(&p->lock);
    return true;
}

bool pusher_post(pusher *p, char *body, size_t len, uint64_t points) {
    job *j = calloc(1, sizeof *j);
    if (!j) {
        free(body);
        pthread_mutex_lock(&p->lock);
        p->st.dropped += points;
        p->unwarned_dropped += points;
        pusher_warn(p, "out of memory");
        pthread_mutex_unlock(&p->lock);
        return false;
    }
    *j = (job){.body = body, .len = len, .points = points};
    return pusher_enqueue(p, j);
}

bool pusher_post_quiet(pusher *p, const char *url, const char *content_type, char *body, size_t len) {
    job *j = calloc(1, sizeof *j);
    bool ok = false;
    if (j) {
        *j = (job){.body = body, .len = len, .url = strdup(url), .quiet = true}; /* alloc-ok: j->url tested below */
        j->headers = pusher_headers(content_type, NULL, 0, &ok);
    }
    if (!j || !ok || !j->url) {
        if (j) job_free(j);
        else free(body);
        return false;
    }
    return pusher_enqueue(p, j);
}

void pusher_close(pusher *p, pusher_stats *st) {
    if (st) *st = (pusher_stats){0}; /* none made: nothing sent or lost */
    if (!p) return;
    pthread_mutex_lock(&p->lock);
    p->stop = true;
    atomic_store(&p->deadline_us, clock_now_us() + pusher_grace_us());
    pthread_cond_broadcast(&p->more);
    pthread_mutex_unlock(&p->lock);
    for (int i = 0; i < p->nthreads; i++) pthread_join(p->threads[i], NULL);
    if (st) *st = p->st;
    pusher_free(p);
}

void pusher_report(const pusher_stats *st, const char *output, const char *unit, bool oom) {
    if (st->abandoned)
        log_printf(LOG_WARN,
                   "%s output: %llu %s were still queued when the end-of-test grace period ran out and were not sent",
                   output, (unsigned long long)st->abandoned, unit);
    uint64_t all = st->sent + st->dropped + st->failed + st->unconfirmed;
    if (st->dropped || st->failed || oom) {
        char partial[160] = "";
        if (st->partial_requests)
            snprintf(partial, sizeof partial, ", %llu refused by the server in %llu partial writes",
                     (unsigned long long)st->refused, (unsigned long long)st->partial_requests);
        log_printf(LOG_WARN,
                   "%s output: %llu of %llu %s were not written (%llu over the memory budget, %llu in %llu failed "
                   "requests%s%s)",
                   output, (unsigned long long)(st->dropped + st->failed), (unsigned long long)all, unit,
                   (unsigned long long)st->dropped, (unsigned long long)(st->failed - st->refused),
                   (unsigned long long)st->failed_requests, partial, oom ? "; some were lost for want of memory" : "");
    }
    if (st->unconfirmed)
        log_printf(LOG_WARN,
                   "%s output: %llu of %llu %s were sent but not confirmed (%llu requests got no answer): the server "
                   "may or may not have stored them",
                   output, (unsigned long long)st->unconfirmed, (unsigned long long)all, unit,
                   (unsigned long long)st->unconfirmed_requests);
}
