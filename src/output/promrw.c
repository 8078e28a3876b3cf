/* k6's Prometheus remote-write output. The metrics thread finds a sample's
 * series (the outputs' tag-set cache, output/tagcache.h, keyed by the
 * packed tag set and metric, in front of a hash table) and adds the value to the series' sink; a push
 * encodes the series touched since the last one. The protobuf encoding is
 * written here by hand: a WriteRequest is only
 *   WriteRequest { repeated TimeSeries timeseries = 1; }
 *   TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2; }
 *   Label        { string name = 1; string value = 2; }
 *   Sample       { double value = 1; int64 timestamp = 2; }   (ms) */
#include "util/err.h"
#include "output/promrw.h"

#include <snappy-c.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/duration.h"
#include "metrics/registry.h"
#include "metrics/sink.h"
#include "metrics/tags.h"
#include "output/output.h"
#include "output/pusher.h"
#include "output/seriestab.h"
#include "output/tagcache.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/pbwrite.h"
#include "util/url.h"

#define PRW_CACHE_BITS  10 /* 1024 (tag set, metric) -> series slots */
#define PRW_BUDGET      (64u << 20)
#define PRW_MAX_STATS   32
#define PRW_MAX_LABELS  32
#define PRW_MAX_HEADERS 64
#define PRW_STALE_NAN   0x7ff0000000000002ull /* Prometheus' staleness marker */

typedef struct prw_series {
    int metric;
    const char *key; /* the labels' packed set (the series table's copy) */
    size_t klen;
    char *pre, *post; /* encoded Labels sorting before / after __name__ */
    size_t prelen, postlen;
    sink sink;
    int64_t latest_ms, sent_ms;
    bool listed; /* in the dirty list */
    bool ready;  /* labels encoded, sink made */
} prw_series;

struct prw_output {
    pusher *push;
    char *shown_url;      /* the server URL for the banner, password hidden */
    int64_t mono0, wall0; /* ns: one instant on both clocks */
    int64_t push_interval_us, last_push_us;
    char *stats[PRW_MAX_STATS];  /* "p(99)", "avg", ... as sink_agg takes them */
    char *suffix[PRW_MAX_STATS]; /* "p99", "avg", ... */
    size_t nstats;
    char *label_k[PRW_MAX_LABELS], *label_v[PRW_MAX_LABELS];
    size_t nlabels;
    bool stale;
    seriestab tab;      /* (metric, label set) -> index in series */
    prw_series *series; /* zeroed as made; ready once set up */
    size_t nseries;     /* slots in series (zeroed when made) */
    uint32_t *dirty;
    size_t ndirty, dcap;
    tagcache series_of; /* (tag set, metric) -> series index */
    bool oom;
};

/* ---- protobuf ---- */

static size_t pb_varint_len(uint64_t v) { return pbw_varint_len(v); }

static void pb_varint(buf *b, uint64_t v) {
    unsigned char t[10];
    buf_append(b, t, pbw_varint_enc(t, v));
}

/* A length-delimited field (wire type 2) holding n bytes that follow. */
static void pb_len_field(buf *b, int field, size_t n) {
    pb_varint(b, (uint64_t)field << 3 | 2);
    pb_varint(b, n);
}

static size_t pb_label_len(size_t nl, size_t vl) { return 1 + pb_varint_len(nl) + nl + 1 + pb_varint_len(vl) + vl; }

/* TimeSeries.labels entry: Label{name, value}. */
static void pb_label(buf *b, const char *name, size_t nl, const char *value, size_t vl) {
    pb_len_field(b, 1, pb_label_len(nl, vl));
    pb_len_field(b, 1, nl);
    buf_append(b, name, nl);
    pb_len_field(b, 2, vl);
    buf_append(b, value, vl);
}

/* WriteRequest.timeseries entry with one sample. */
static void pb_series(buf *b, const prw_series *s, const char *name, size_t nl, uint64_t value_bits, int64_t ts_ms) {
    size_t sample_len = 1 + 8 + 1 + pb_varint_len((uint64_t)ts_ms);
    size_t len = s->prelen + 1 + pb_varint_len(pb_label_len(8, nl)) + pb_label_len(8, nl) + s->postlen + 1 +
                 pb_varint_len(sample_len) + sample_len;
    pb_len_field(b, 1, len);
    buf_append(b, s->pre, s->prelen);
    pb_label(b, "__name__", 8, name, nl);
    buf_append(b, s->post, s->postlen);
    pb_len_field(b, 2, sample_len);
    unsigned char d[9] = {1 << 3 | 1}; /* field 1, 64-bit little endian */
    for (int i = 0; i < 8; i++) d[1 + i] = (unsigned char)(value_bits >> (8 * i));
    buf_append(b, d, 9);
    pb_varint(b, 2 << 3 | 0);
    pb_varint(b, (uint64_t)ts_ms);
}

static uint64_t dbits(double v) { return pbw_dbits(v); }

/* ---- settings ---- */

/* "p(99.9)" -> "p999", other stats as they are; -1 when unknown. */
static int prw_add_stat(prw_output *o, const char *s, size_t n, char *err, size_t errlen) {
    while (n && *s == ' ') s++, n--;
    while (n && s[n - 1] == ' ') n--;
    if (!n) return 0;
    static const char *const plain[] = {"count", "sum", "min", "max", "avg", "med"};
    char suffix[64];
    double pct;
    bool ok = false;
    for (size_t i = 0; i < sizeof plain / sizeof *plain; i++)
        if (strlen(plain[i]) == n && memcmp(plain[i], s, n) == 0) ok = true;
    if (ok) {
        snprintf(suffix, sizeof suffix, "%.*s", (int)n, s);
    } else if (n > 3 && n < 40 && sink_parse_pct(s, n, &pct)) {
        size_t k = 0;
        suffix[k++] = 'p';
        for (size_t i = 2; i + 1 < n; i++)
            if (s[i] != '.' && s[i] != ' ') suffix[k++] = s[i];
        suffix[k] = 0;
    } else {
        return err_set(
            err, errlen,
            "K6_PROMETHEUS_RW_TREND_STATS: \"%.*s\" is not a trend stat (count, sum, min, max, avg, med, p(N))", (int)n,
            s);
    }
    if (o->nstats == PRW_MAX_STATS)
        return err_set(err, errlen, "K6_PROMETHEUS_RW_TREND_STATS: more than %d stats", PRW_MAX_STATS);
    o->stats[o->nstats] = xstrndup(s, n); /* config, once */
    o->suffix[o->nstats++] = xstrdup(suffix);
    return 0;
}

/* Splits "a,b,c" and calls fn on each piece. */
static int prw_each(const char *list, int (*fn)(prw_output *, const char *, size_t, char *, size_t), prw_output *o,
                    char *err, size_t errlen) {
    for (const char *p = list;;) {
        size_t n = strcspn(p, ",");
        if (fn(o, p, n, err, errlen)) return -1;
        if (!p[n]) return 0;
        p += n + 1;
    }
}

static int prw_add_label(prw_output *o, const char *s, size_t n, char *err, size_t errlen) {
    const char *eq = memchr(s, '=', n);
    if (!eq) {
        if (n == 0) return 0;
        return err_set(err, errlen, "K6_PROMETHEUS_RW_LABELS: \"%.*s\" is not key=value", (int)n, s);
    }
    size_t kl = (size_t)(eq - s), vl = n - kl - 1;
    /* empty names or values and the reserved __name__ are ignored, as in k6 */
    if (!kl || !vl || (kl == 8 && memcmp(s, "__name__", 8) == 0)) return 0;
    if (o->nlabels == PRW_MAX_LABELS)
        return err_set(err, errlen, "K6_PROMETHEUS_RW_LABELS: more than %d labels", PRW_MAX_LABELS);
    o->label_k[o->nlabels] = xstrndup(s, kl); /* config, once */
    o->label_v[o->nlabels++] = xstrndup(eq + 1, vl);
    return 0;
}

static int prw_bool(char *const *envp, const char *key, bool *out, char *err, size_t errlen) {
    const char *v = pusher_env(envp, key);
    *out = false;
    if (!v || !*v) return 0;
    if (pusher_parse_bool(v, out)) return err_set(err, errlen, "%s: \"%s\" is not a boolean", key, v);
    return 0;
}

typedef struct prw_headers {
    char *h[PRW_MAX_HEADERS];
    size_t n;
} prw_headers;

static int prw_add_header(prw_headers *hs, const char *k, size_t kl, const char *v, char *err, size_t errlen) {
    if (hs->n == PRW_MAX_HEADERS) return err_set(err, errlen, "more than %d extra headers", PRW_MAX_HEADERS);
    while (*v == ' ') v++;
    size_t len = kl + strlen(v) + 3;
    char *line = malloc(len);
    if (!line) return err_set(err, errlen, "out of memory");
    snprintf(line, len, "%.*s: %s", (int)kl, k, v);
    hs->h[hs->n++] = line;
    return 0;
}

/* K6_PROMETHEUS_RW_HTTP_HEADERS=k:v,k2:v2 and K6_PROMETHEUS_RW_HEADERS_<k>=v. */
static int prw_headers_from_env(prw_headers *hs, char *const *envp, char *err, size_t errlen) {
    const char *list = pusher_env(envp, "K6_PROMETHEUS_RW_HTTP_HEADERS");
    for (const char *p = list; p && *p;) {
        size_t n = strcspn(p, ",");
        const char *colon = memchr(p, ':', n);
        if (!colon || colon == p)
            return err_set(err, errlen, "K6_PROMETHEUS_RW_HTTP_HEADERS: \"%.*s\" is not key:value", (int)n, p);
        char v[1024];
        snprintf(v, sizeof v, "%.*s", (int)(n - (size_t)(colon + 1 - p)), colon + 1);
        if (prw_add_header(hs, p, (size_t)(colon - p), v, err, errlen)) return -1;
        p += n + (p[n] ? 1 : 0);
    }
    static const char prefix[] = "K6_PROMETHEUS_RW_HEADERS_";
    for (char *const *e = envp; e && *e; e++) {
        if (strncmp(*e, prefix, sizeof prefix - 1) != 0) continue;
        const char *k = *e + sizeof prefix - 1, *eq = strchr(k, '=');
        if (!eq || eq == k) continue;
        if (prw_add_header(hs, k, (size_t)(eq - k), eq + 1, err, errlen)) return -1;
    }
    return 0;
}

static int prw_check_url(const char *url, char *err, size_t errlen) {
    url_parts u;
    const char *why = url_split(url, &u);
    if (!why && u.kind == 'h') return 0;
    if (!why || (strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0))
        return err_set(err, errlen, "server URL \"%s\" must start with http:// or https://", url);
    return err_set(err, errlen, "bad server URL \"%s\": %s", url, why);
}

/* url with the password of its user info (scheme://user:pass@host/...)
 * replaced by ***. */
static char *prw_hide_password(const char *url) {
    url_parts u;
    const char *colon = url_split(url, &u) || !u.userinfo ? NULL : memchr(u.userinfo, ':', u.userinfo_len);
    if (!colon) return strdup(url);
    int keep = (int)(colon + 1 - url);
    size_t n = strlen(url) + 4;
    char *out = malloc(n);
    if (out) snprintf(out, n, "%.*s***%s", keep, url, u.userinfo + u.userinfo_len);
    return out;
}

static void prw_free(prw_output *o) {
    free(o->shown_url);
    for (size_t i = 0; i < o->nstats; i++) free(o->stats[i]), free(o->suffix[i]);
    for (size_t i = 0; i < o->nlabels; i++) free(o->label_k[i]), free(o->label_v[i]);
    for (size_t i = 0; i < o->nseries; i++) {
        prw_series *s = &o->series[i];
        if (!s->ready) continue;
        free(s->pre);
        free(s->post);
        sink_free(&s->sink);
    }
    tagcache_free(&o->series_of);
    seriestab_free(&o->tab);
    free(o->series);
    free(o->dirty);
    free(o);
}

static int prw_configure(prw_output *o, const char *arg, char *const *envp, prw_headers *hs, const char **url,
                         pusher_config *pc, char *err, size_t errlen) {
    const char *v;
    *url = "http://localhost:9090/api/v1/write";
    if ((v = pusher_env(envp, "K6_PROMETHEUS_RW_SERVER_URL")) && *v) *url = v;
    if (arg && *arg) *url = arg;
    if (prw_check_url(*url, err, errlen)) return -1;
    o->push_interval_us = 5 * C6_US_PER_SEC;
    if ((v = pusher_env(envp, "K6_PROMETHEUS_RW_PUSH_INTERVAL")) && *v) {
        char e2[256];
        if (duration_parse(v, &o->push_interval_us, e2, sizeof e2))
            return err_set(err, errlen, "K6_PROMETHEUS_RW_PUSH_INTERVAL: %s", e2);
        if (o->push_interval_us <= 0) return err_set(err, errlen, "K6_PROMETHEUS_RW_PUSH_INTERVAL must be positive");
    }
    v = pusher_env(envp, "K6_PROMETHEUS_RW_TREND_STATS");
    if (prw_each(v && *v ? v : "p(99)", prw_add_stat, o, err, errlen)) return -1;
    if (!o->nstats) return err_set(err, errlen, "K6_PROMETHEUS_RW_TREND_STATS: no stat given");
    if ((v = pusher_env(envp, "K6_PROMETHEUS_RW_LABELS")) && *v && prw_each(v, prw_add_label, o, err, errlen))
        return -1;
    bool native;
    if (prw_bool(envp, "K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM", &native, err, errlen) ||
        prw_bool(envp, "K6_PROMETHEUS_RW_STALE_MARKERS", &o->stale, err, errlen) ||
        prw_bool(envp, "K6_PROMETHEUS_RW_INSECURE_SKIP_TLS_VERIFY", &pc->insecure, err, errlen))
        return -1;
    if (native)
        return err_set(err, errlen,
                       "K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM: native histograms are not supported by c6 (use "
                       "K6_PROMETHEUS_RW_TREND_STATS)");
    static const char *const ignored[] = {
        "K6_PROMETHEUS_RW_TLS_MINIMUM_VERSION",    "K6_PROMETHEUS_RW_CLIENT_CERTIFICATE",
        "K6_PROMETHEUS_RW_CLIENT_CERTIFICATE_KEY", "K6_PROMETHEUS_RW_SIGV4_REGION",
        "K6_PROMETHEUS_RW_SIGV4_ACCESS_KEY",       "K6_PROMETHEUS_RW_SIGV4_SECRET_KEY",
    };
    for (size_t i = 0; i < sizeof ignored / sizeof *ignored; i++)
        if ((v = pusher_env(envp, ignored[i])) && *v)
            log_printf(LOG_WARN, "experimental-prometheus-rw output: %s is not supported by c6 and is ignored",
                       ignored[i]);
    if (prw_add_header(hs, "Content-Encoding", 16, "snappy", err, errlen) ||
        prw_add_header(hs, "X-Prometheus-Remote-Write-Version", 33, "0.1.0", err, errlen))
        return -1;
    if ((v = pusher_env(envp, "K6_PROMETHEUS_RW_BEARER_TOKEN")) && *v) {
        char bearer[2048];
        snprintf(bearer, sizeof bearer, "Bearer %s", v);
        if (prw_add_header(hs, "Authorization", 13, bearer, err, errlen)) return -1;
    }
    if (prw_headers_from_env(hs, envp, err, errlen)) return -1;
    pc->username = pusher_env(envp, "K6_PROMETHEUS_RW_USERNAME");
    pc->password = pusher_env(envp, "K6_PROMETHEUS_RW_PASSWORD");
    return 0;
}

static tagcache_render prw_render_series;

prw_output *prw_output_open(const char *arg, char *const *envp, int64_t mono0_ns, int64_t wall0_ns, char *err,
                            size_t errlen) {
    prw_output *o = calloc(1, sizeof *o);
    if (!o) return err_set(err, errlen, "out of memory"), NULL;
    if (tagcache_init(&o->series_of, PRW_CACHE_BITS, prw_render_series, o)) {
        prw_free(o);
        return err_set(err, errlen, "out of memory"), NULL;
    }
    prw_headers hs = {.n = 0};
    const char *url;
    pusher_config pc = {.name = "experimental-prometheus-rw",
                        .content_type = "application/x-protobuf",
                        .threads = 1,
                        .budget = pusher_budget(PRW_BUDGET),
                        .timeout_ms = 10000};
    int rc = prw_configure(o, arg, envp, &hs, &url, &pc, err, errlen);
    if (!rc && !(o->shown_url = prw_hide_password(url))) rc = err_set(err, errlen, "out of memory");
    if (!rc) {
        pc.url = url;
        pc.headers = (const char *const *)hs.h;
        pc.nheaders = hs.n;
        o->push = pusher_new(&pc, err, errlen);
        if (!o->push) rc = -1;
    }
    for (size_t i = 0; i < hs.n; i++) free(hs.h[i]);
    if (rc) {
        prw_free(o);
        return NULL;
    }
    o->mono0 = mono0_ns;
    o->wall0 = wall0_ns;
    o->last_push_us = clock_now_us();
    return o;
}

/* ---- series ---- */

typedef struct prw_kv {
    const char *k, *v;
} prw_kv;

static int prw_kv_cmp(const void *a, const void *b) { return strcmp(((const prw_kv *)a)->k, ((const prw_kv *)b)->k); }

/* The labels of a new series: its tags, then the static labels it lacks,
 * sorted by name; encoded in two parts around where __name__ sorts. */
static int prw_encode_labels(prw_output *o, prw_series *s) {
    size_t n = 0, cap = 16;
    prw_kv *kv = malloc(cap * sizeof *kv);
    const char *k, *v;
    for (size_t off = 0; kv && (off = tagset_next(s->key, s->klen, off, &k, &v)) != 0;) {
        if (n + PRW_MAX_LABELS + 1 >= cap) {
            prw_kv *nk = realloc(kv, (cap *= 2) * sizeof *kv);
            if (!nk) {
                free(kv);
                return -1;
            }
            kv = nk;
        }
        kv[n++] = (prw_kv){k, v};
    }
    if (!kv) return -1;
    size_t ntags = n;
    for (size_t i = 0; i < o->nlabels; i++) {
        bool have = false;
        for (size_t j = 0; j < ntags && !have; j++) have = strcmp(kv[j].k, o->label_k[i]) == 0;
        if (!have) kv[n++] = (prw_kv){o->label_k[i], o->label_v[i]};
    }
    qsort(kv, n, sizeof *kv, prw_kv_cmp);
    buf pre = {0}, post = {0};
    for (size_t i = 0; i < n; i++)
        pb_label(strcmp(kv[i].k, "__name__") < 0 ? &pre : &post, kv[i].k, strlen(kv[i].k), kv[i].v, strlen(kv[i].v));
    free(kv);
    buf_reserve(&pre, 1);
    buf_reserve(&post, 1);
    if (!pre.p || !post.p) {
        buf_free(&pre);
        buf_free(&post);
        return -1;
    }
    s->pre = pre.p, s->prelen = pre.len;
    s->post = post.p, s->postlen = post.len;
    return 0;
}

/* The series of (metric, label set key), made when new; -1 on no memory
 * (a series the table kept but could not set up is set up next time). */
static long prw_series_of(prw_output *o, int metric, const char *key, size_t klen) {
    bool added;
    long i = seriestab_get(&o->tab, metric, key, klen, &added);
    if (i < 0) return -1;
    if ((size_t)i >= o->nseries) {
        size_t ncap = o->nseries ? o->nseries : 64;
        while (ncap <= (size_t)i) ncap *= 2;
        if (ncap > o->nseries) {
            prw_series *ns = realloc(o->series, ncap * sizeof *ns);
            if (!ns) return -1;
            memset(ns + o->nseries, 0, (ncap - o->nseries) * sizeof *ns);
            o->series = ns;
            o->nseries = ncap;
        }
    }
    prw_series *s = &o->series[i];
    if (s->ready) return i;
    *s = (prw_series){
        .metric = metric, .key = o->tab.v[i].key, .klen = klen, .latest_ms = INT64_MIN, .sent_ms = INT64_MIN};
    if (prw_encode_labels(o, s) || sink_init(&s->sink, registry_get(metric)->type)) {
        free(s->pre);
        free(s->post);
        memset(s, 0, sizeof *s);
        return -1;
    }
    s->ready = true;
    return i;
}

/* The series of a sample's packed tag set (aux: the metric) for the
 * cache: found or made by the set without metadata and empty values. */
static int prw_render_series(void *ctx, const char *tags, size_t len, int metric, buf *text, size_t *split, long *id) {
    prw_output *o = ctx;
    char stack[512], *key = len <= sizeof stack ? stack : malloc(len);
    if (!key) return -1;
    size_t klen = seriestab_key(tags, len, "__name__", false, key);
    *id = prw_series_of(o, metric, key, klen);
    if (key != stack) free(key);
    return *id < 0 ? -1 : 0;
}

void prw_output_sample(void *ctx, const sample *smp, const char *tags, size_t tags_len) {
    prw_output *o = ctx;
    int id = smp->metric;
    if (id >= registry_count()) return;
    const tagcache_entry *c = tagcache_get(&o->series_of, tags, tags_len, id);
    if (!c) {
        o->oom = true;
        return;
    }
    long idx = c->id;
    prw_series *s = &o->series[idx];
    sink_add(&s->sink, smp->value);
    int64_t ms = (o->wall0 + (smp->t_ns - o->mono0)) / 1000000;
    if (ms > s->latest_ms) s->latest_ms = ms;
    if (s->listed) return;
    if (o->ndirty == o->dcap) {
        size_t ncap = o->dcap ? o->dcap * 2 : 256;
        uint32_t *nd = realloc(o->dirty, ncap * sizeof *nd);
        if (!nd) {
            o->oom = true;
            return;
        }
        o->dirty = nd;
        o->dcap = ncap;
    }
    o->dirty[o->ndirty++] = (uint32_t)idx;
    s->listed = true;
}

/* ---- pushes ---- */

/* Appends the series' time series (one, or one per trend stat); returns
 * how many. stale: Prometheus' stale marker instead of the values. */
static size_t prw_encode(prw_output *o, buf *b, const prw_series *s, int64_t ts_ms, bool stale) {
    const metric_def *def = registry_get(s->metric);
    char name[512];
    size_t base = (size_t)snprintf(name, sizeof name, "k6_%s", def->name);
    if (base >= sizeof name - 80) base = sizeof name - 80;
    const sink *k = &s->sink;
    const char *suffix = NULL;
    double v = 0;
    switch (k->type) {
    case METRIC_COUNTER: suffix = "_total", v = k->u.counter.sum; break;
    case METRIC_GAUGE: suffix = "", v = k->u.gauge.value; break;
    case METRIC_RATE:
        suffix = "_rate", v = k->u.rate.total ? (double)k->u.rate.nonzero / (double)k->u.rate.total : 0;
        break;
    case METRIC_TREND: break;
    }
    if (suffix) {
        size_t nl = base + (size_t)snprintf(name + base, sizeof name - base, "%s", suffix);
        pb_series(b, s, name, nl, stale ? PRW_STALE_NAN : dbits(v), ts_ms);
        return 1;
    }
    for (size_t i = 0; i < o->nstats; i++) {
        double x = 0, n = 0;
        if (strcmp(o->stats[i], "sum") == 0) {
            sink_agg(k, "avg", 0, &x);
            sink_agg(k, "count", 0, &n);
            x *= n;
        } else {
            sink_agg(k, o->stats[i], 0, &x);
        }
        /* Prometheus' base unit for time is the second */
        if (def->kind == VALUE_TIME && strcmp(o->stats[i], "count") != 0) x /= 1000;
        size_t nl = base + (size_t)snprintf(name + base, sizeof name - base, "_%s", o->suffix[i]);
        pb_series(b, s, name, nl, stale ? PRW_STALE_NAN : dbits(x), ts_ms);
    }
    return o->nstats;
}

static void prw_send(prw_output *o, buf *req, size_t nts) {
    if (!nts) return;
    if (!req->p) {
        o->oom = true;
        return;
    }
    size_t clen = snappy_max_compressed_length(req->len);
    char *c = malloc(clen ? clen : 1);
    if (!c || snappy_compress(req->p, req->len, c, &clen) != SNAPPY_OK) {
        free(c);
        o->oom = true;
        return;
    }
    pusher_post(o->push, c, clen, nts);
}

/* The series with a sample newer (by ms) than what was sent for them:
 * k6 sends nothing else, so that no time series repeats a timestamp. */
static void prw_push(prw_output *o) {
    buf req = {0};
    size_t nts = 0;
    for (size_t i = 0; i < o->ndirty; i++) {
        prw_series *s = &o->series[o->dirty[i]];
        s->listed = false;
        if (s->latest_ms <= s->sent_ms) continue;
        nts += prw_encode(o, &req, s, s->latest_ms, false);
        s->sent_ms = s->latest_ms;
    }
    o->ndirty = 0;
    prw_send(o, &req, nts);
    buf_free(&req);
}

void prw_output_describe(const prw_output *o, buf *b) {
    buf_puts(b, "Prometheus remote write (");
    buf_puts(b, o->shown_url);
    buf_puts(b, ")");
}

void prw_output_tick(prw_output *o) {
    int64_t now = clock_now_us();
    if (now - o->last_push_us < o->push_interval_us) return;
    o->last_push_us = now;
    prw_push(o);
}

void prw_output_close(prw_output *o) {
    if (!o) return;
    prw_push(o);
    if (o->stale && o->nseries) {
        /* 1 ms past now, so that it cannot land on a sent sample's time */
        int64_t ts = clock_wall_us() / 1000 + 1;
        buf req = {0};
        size_t nts = 0;
        for (size_t i = 0; i < o->nseries; i++)
            if (o->series[i].ready) nts += prw_encode(o, &req, &o->series[i], ts, true);
        prw_send(o, &req, nts);
        buf_free(&req);
    }
    pusher_stats st;
    pusher_close(o->push, &st);
    pusher_report(&st, "experimental-prometheus-rw", "time series samples", o->oom);
    prw_free(o);
}

/* ---- as an output (output/output.h) ---- */

static void prw_ops_sample(void *ctx, const sample *s, size_t n, const tagdict *tags) {
    output_each_sample(ctx, s, n, tags, prw_output_sample);
}

static void *prw_ops_open(const output_params *p, char *err, size_t errlen) {
    return prw_output_open(p->arg, p->env, p->mono0_ns, p->wall0_ns, err, errlen);
}

static void prw_ops_describe(const void *o, buf *b) { prw_output_describe(o, b); }
static void prw_ops_tick(void *o) { prw_output_tick(o); }

static int prw_ops_close(void *o, char *err, size_t errlen) {
    prw_output_close(o); /* what could not be written is a warning, not a failed run */
    return 0;
}

const output_ops prw_output_ops = {
    "experimental-prometheus-rw", prw_ops_open, prw_ops_describe, prw_ops_sample, prw_ops_tick, prw_ops_close,
};
