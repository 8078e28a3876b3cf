/* k6's OpenTelemetry output (-o opentelemetry; -o experimental-opentelemetry
 * the same with k6's warning): OTLP metrics, as k6 v2.2.0 makes them with
 * the OpenTelemetry Go SDK (k6: internal/output/opentelemetry/output.go,
 * registry.go, config.go):
 *   Counter -> a monotonic Sum of doubles, named <prefix><metric>
 *   Gauge   -> a Gauge of doubles (the last value)
 *   Trend   -> an explicit-bucket Histogram (the SDK's default bounds)
 *   Rate    -> a monotonic Sum of integers named <prefix><metric>.total, one
 *              point per condition attribute ("zero", "nonzero")
 * all cumulative (the SDK's default temporality), unit "ms" for times and
 * "By" for data, a sample's tags as attributes (no vu/iter, no empty
 * values), scope "k6", resource service.name/service.version. Every export
 * interval (K6_OTEL_EXPORT_INTERVAL, 10s) and at the end every series so
 * far is exported with its totals since the start.
 *
 * Transport: OTLP/gRPC (K6_OTEL_EXPORTER_PROTOCOL=grpc, k6's default): a
 * unary call of MetricsService/Export over HTTP/2 (h2c when
 * K6_OTEL_GRPC_EXPORTER_INSECURE), or OTLP/HTTP with a protobuf body
 * (http/protobuf); either sent by the pusher's thread (output/pusher.h,
 * libcurl with nghttp2).
 *
 * The protobuf is written here with util/pbwrite.h: the schema is fixed
 * (opentelemetry-proto's metrics v1 and the collector's export request),
 * c6 writes a handful of its messages and never reads one but the small
 * export response, so a generated library (and its runtime) would add
 * much for little; Debian's libprotobuf is C++ only. Field numbers:
 *   ExportMetricsServiceRequest { ResourceMetrics resource_metrics = 1 }
 *   ResourceMetrics { Resource resource = 1; ScopeMetrics scope_metrics = 2 }
 *   Resource        { KeyValue attributes = 1 }
 *   ScopeMetrics    { InstrumentationScope scope = 1; Metric metrics = 2 }
 *   InstrumentationScope { string name = 1; string version = 2 }
 *   Metric   { string name = 1; string description = 2; string unit = 3;
 *              Gauge gauge = 5 | Sum sum = 7 | Histogram histogram = 9 }
 *   Gauge    { NumberDataPoint data_points = 1 }
 *   Sum      { NumberDataPoint data_points = 1; enum temporality = 2; bool is_monotonic = 3 }
 *   Histogram{ HistogramDataPoint data_points = 1; enum temporality = 2 }   (CUMULATIVE = 2)
 *   NumberDataPoint { fixed64 start_time_unix_nano = 2; fixed64 time_unix_nano = 3;
 *                     double as_double = 4 | sfixed64 as_int = 6; KeyValue attributes = 7 }
 *   HistogramDataPoint { fixed64 start = 2; fixed64 time = 3; fixed64 count = 4; double sum = 5;
 *                        packed fixed64 bucket_counts = 6; packed double explicit_bounds = 7;
 *                        KeyValue attributes = 9; double min = 11; double max = 12 }
 *   KeyValue { string key = 1; AnyValue value = 2 }  AnyValue { string string_value = 1 }
 *   ExportMetricsServiceResponse { ExportMetricsPartialSuccess partial_success = 1 }
 *   ExportMetricsPartialSuccess  { int64 rejected_data_points = 1; string error_message = 2 } */
#include "util/err.h"
#include "output/otel.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
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
#include "util/pbread.h"
#include "util/pbwrite.h"
#include "util/url.h"
#include "version.h"

#define OTEL_CACHE_BITS  10
#define OTEL_BUDGET      (64u << 20)
#define OTEL_MAX_HEADERS 64
#define OTEL_NBOUNDS     15
/* the OTLP metrics service's method (opentelemetry-proto,
 * collector/metrics/v1/metrics_service.proto) */
#define OTEL_GRPC_PATH "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export"

/* The Go SDK's default explicit bucket boundaries
 * (go.opentelemetry.io/otel/sdk/metric, DefaultAggregationSelector). */
static const double otel_bounds[OTEL_NBOUNDS] = {0,   5,   10,   25,   50,   75,   100,  250,
                                                 500, 750, 1000, 2500, 5000, 7500, 10000};

typedef struct otel_state {
    union {
        double sum;  /* counter */
        double last; /* gauge */
        struct {
            uint64_t zero, nonzero;
        } rate;
        struct {
            uint64_t count, buckets[OTEL_NBOUNDS + 1];
            double sum, min, max;
        } h;
    } u;
    bool has;
} otel_state;

#define OTEL_MAX_RESOURCE 64

typedef struct otel_config {
    char *service_name, *service_version, *prefix, *protocol, *endpoint, *path, *headers;
    bool http_insecure, grpc_insecure, insecure_skip_verify, single_counter;
    char *grpc_endpoint;
    char *tls_ca, *tls_cert, *tls_key; /* K6_OTEL_TLS_CERTIFICATE, _CLIENT_CERTIFICATE, _CLIENT_KEY */
    char *res_k[OTEL_MAX_RESOURCE], *res_v[OTEL_MAX_RESOURCE]; /* the resource's attributes, sorted by key */
    size_t nres;
    bool tls_set; /* a K6_OTEL_TLS_* setting given: TLS 1.3 at least (k6's tls.go) */
    int64_t export_us;
} otel_config;

struct otel_output {
    otel_config c;
    char *url;
    pusher *push;
    int64_t mono0, wall0;
    int64_t last_export_us;
    int64_t start_ns[REGISTRY_MAX]; /* wall ns of a metric's first sample (its instrument's start) */
    seriestab series;
    otel_state *st;
    size_t stcap;
    tagcache series_of;
    bool grpc; /* the gRPC transport: messages framed, sent as a unary call */
    bool oom;
};

/* ---- settings (k6: internal/output/opentelemetry/config.go) ---- */

static void otel_config_free(otel_config *c) {
    free(c->service_name);
    free(c->service_version);
    free(c->prefix);
    free(c->protocol);
    free(c->endpoint);
    free(c->path);
    free(c->headers);
    free(c->grpc_endpoint);
    free(c->tls_ca);
    free(c->tls_cert);
    free(c->tls_key);
    for (size_t i = 0; i < c->nres; i++) {
        free(c->res_k[i]);
        free(c->res_v[i]);
    }
}

/* Sets resource attribute k (replacing an earlier value). */
static void otel_res_set(otel_config *c, const char *k, size_t kn, const char *v, size_t vn) {
    size_t i = 0;
    while (i < c->nres && (strlen(c->res_k[i]) != kn || memcmp(c->res_k[i], k, kn))) i++;
    if (i == OTEL_MAX_RESOURCE) return;
    if (i == c->nres) {
        c->res_k[i] = xstrndup(k, kn); /* x*: config, once */
        c->nres++;
    } else {
        free(c->res_v[i]);
    }
    c->res_v[i] = xstrndup(v, vn); /* x*: config, once */
}

/* The resource as the Go SDK's resource.Default() merged with
 * service.name/service.version (k6 output.go, Start): the attributes of
 * OTEL_RESOURCE_ATTRIBUTES ("k=v,...", trimmed, values percent-decoded,
 * kept as given when that fails; pairs without "=" left out), then the
 * telemetry.sdk.* of the SDK (the Go SDK's version in k6's go.mod), then
 * the service's; a later one wins; sorted by key as attribute.Set is. */
static void otel_resource(otel_config *c, char *const *envp) {
    const char *env = pusher_env(envp, "OTEL_RESOURCE_ATTRIBUTES");
    for (const char *p = env; p && *p;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', n);
        if (eq) {
            const char *k = p, *ke = eq, *v = eq + 1, *ve = p + n;
            while (k < ke && isspace((unsigned char)*k)) k++;
            while (ke > k && isspace((unsigned char)ke[-1])) ke--;
            while (v < ve && isspace((unsigned char)*v)) v++;
            while (ve > v && isspace((unsigned char)ve[-1])) ve--;
            char dec[1024];
            size_t dn =
                (size_t)(ve - v) < sizeof dec ? url_unescape(dec, sizeof dec, v, (size_t)(ve - v), 0) : (size_t)-1;
            if (dn == (size_t)-1) otel_res_set(c, k, (size_t)(ke - k), eq + 1, (size_t)(p + n - eq - 1));
            else otel_res_set(c, k, (size_t)(ke - k), dec, dn);
        }
        p = end ? end + 1 : p + n;
    }
    static const char *const sdk[][2] = {
        {"telemetry.sdk.language", "go"}, {"telemetry.sdk.name", "opentelemetry"}, {"telemetry.sdk.version", "1.40.0"}};
    for (size_t i = 0; i < 3; i++) otel_res_set(c, sdk[i][0], strlen(sdk[i][0]), sdk[i][1], strlen(sdk[i][1]));
    otel_res_set(c, "service.name", 12, c->service_name, strlen(c->service_name));
    otel_res_set(c, "service.version", 15, c->service_version, strlen(c->service_version));
    /* by key (an insertion sort of at most 64) */
    char *ks[OTEL_MAX_RESOURCE], *vs[OTEL_MAX_RESOURCE];
    size_t order[OTEL_MAX_RESOURCE];
    for (size_t i = 0; i < c->nres; i++) order[i] = i;
    for (size_t i = 1; i < c->nres; i++)
        for (size_t j = i; j > 0 && strcmp(c->res_k[order[j - 1]], c->res_k[order[j]]) > 0; j--) {
            size_t t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    for (size_t i = 0; i < c->nres; i++) ks[i] = c->res_k[order[i]], vs[i] = c->res_v[order[i]];
    memcpy(c->res_k, ks, c->nres * sizeof *ks);
    memcpy(c->res_v, vs, c->nres * sizeof *vs);
}

/* What Go's os.ReadFile says when a file cannot be read. */
static bool otel_read_pem(const char *path, BIO **out, char *err, size_t errlen, const char *pre) {
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        char why[128];
        return err_set(err, errlen, "%sopen %s: %s", pre, path, err_go_errno(errno, why, sizeof why)), false;
    }
    char tmp[4096];
    BIO *b = BIO_new(BIO_s_mem());
    size_t n;
    while (b && (n = fread(tmp, 1, sizeof tmp, f)) > 0)
        if (BIO_write(b, tmp, (int)n) != (int)n) {
            BIO_free(b);
            b = NULL;
        }
    fclose(f);
    if (!b) return err_set(err, errlen, "out of memory"), false;
    *out = b;
    return true;
}

/* k6 tls.go buildTLSConfig's checks, with its messages (errors of
 * getExporter: "failed to create OpenTelemetry exporter: ..."): the CA file
 * must hold a PEM certificate; a client certificate is Go's
 * tls.LoadX509KeyPair of the certificate and key files. */
static int otel_tls_check(const otel_config *c, char *err, size_t errlen) {
    const char *pre = "failed to create OpenTelemetry exporter: ";
    char p2[600];
    BIO *b;
    if (c->tls_ca) {
        snprintf(p2, sizeof p2, "%sfailed to read root certificate from \"%s\": ", pre, c->tls_ca);
        if (!otel_read_pem(c->tls_ca, &b, err, errlen, p2)) return -1;
        X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
        BIO_free(b);
        ERR_clear_error();
        if (!x) return err_set(err, errlen, "%sfailed to append root certificate to the pool", pre);
        X509_free(x);
    }
    if (c->tls_cert) {
        snprintf(p2, sizeof p2, "%sfailed to load client certificate: ", pre);
        if (!otel_read_pem(c->tls_cert, &b, err, errlen, p2)) return -1;
        X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
        BIO_free(b);
        if (!x) {
            ERR_clear_error();
            return err_set(err, errlen, "%stls: failed to find any PEM data in certificate input", p2);
        }
        const char *kp = c->tls_key ? c->tls_key : "";
        if (!otel_read_pem(kp, &b, err, errlen, p2)) {
            X509_free(x);
            return -1;
        }
        EVP_PKEY *k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
        BIO_free(b);
        ERR_clear_error();
        int rc = 0;
        if (!k) rc = err_set(err, errlen, "%stls: failed to find any PEM data in key input", p2);
        else if (X509_check_private_key(x, k) != 1)
            rc = err_set(err, errlen, "%stls: private key does not match public key", p2);
        ERR_clear_error();
        EVP_PKEY_free(k);
        X509_free(x);
        return rc;
    }
    return 0;
}

static void set_str(char **dst, const char *v) {
    free(*dst);
    *dst = xstrdup(v); /* config, once */
}

static int otel_bool(char *const *envp, const char *key, bool *out, char *err, size_t errlen) {
    const char *v = pusher_env(envp, key);
    if (!v) return 0;
    if (pusher_parse_bool(v, out)) /* envconfig's error, as k6 wraps it */
        return err_set(err, errlen,
                       "parse environment variables options failed: envconfig.Process: assigning %s to %s: "
                       "converting '%s' to type bool. details: strconv.ParseBool: parsing \"%s\": invalid syntax",
                       key, key, v, v);
    return 0;
}

static int otel_configure(otel_config *c, char *const *envp, char *err, size_t errlen) {
    c->service_name = xstrdup("k6");
    c->service_version = xstrdup(C6_VERSION);
    c->protocol = xstrdup("grpc");
    c->endpoint = xstrdup("localhost:4318");
    c->path = xstrdup("/v1/metrics");
    c->grpc_endpoint = xstrdup("localhost:4317");
    c->export_us = 10 * C6_US_PER_SEC;
    c->single_counter = true;
    const char *v;
    if (pusher_env(envp, "K6_OTEL_EXPORTER_TYPE"))
        return err_set(err, errlen,
                       "parse environment variables options failed: K6_OTEL_EXPORTER_TYPE is no longer supported, use "
                       "K6_OTEL_EXPORTER_PROTOCOL instead");
    if ((v = pusher_env(envp, "OTEL_SERVICE_NAME"))) set_str(&c->service_name, v);
    static const struct {
        const char *env;
        size_t off;
    } strs[] = {
        {"K6_OTEL_SERVICE_NAME", offsetof(otel_config, service_name)},
        {"K6_OTEL_SERVICE_VERSION", offsetof(otel_config, service_version)},
        {"K6_OTEL_METRIC_PREFIX", offsetof(otel_config, prefix)},
        {"K6_OTEL_EXPORTER_PROTOCOL", offsetof(otel_config, protocol)},
        {"K6_OTEL_HTTP_EXPORTER_ENDPOINT", offsetof(otel_config, endpoint)},
        {"K6_OTEL_HTTP_EXPORTER_URL_PATH", offsetof(otel_config, path)},
        {"K6_OTEL_GRPC_EXPORTER_ENDPOINT", offsetof(otel_config, grpc_endpoint)},
        {"K6_OTEL_HEADERS", offsetof(otel_config, headers)},
    };
    for (size_t i = 0; i < sizeof strs / sizeof *strs; i++)
        if ((v = pusher_env(envp, strs[i].env))) set_str((char **)((char *)c + strs[i].off), v);
    if (otel_bool(envp, "K6_OTEL_HTTP_EXPORTER_INSECURE", &c->http_insecure, err, errlen) ||
        otel_bool(envp, "K6_OTEL_GRPC_EXPORTER_INSECURE", &c->grpc_insecure, err, errlen) ||
        otel_bool(envp, "K6_OTEL_TLS_INSECURE_SKIP_VERIFY", &c->insecure_skip_verify, err, errlen) ||
        otel_bool(envp, "K6_OTEL_SINGLE_COUNTER_FOR_RATE", &c->single_counter, err, errlen))
        return -1;
    if ((v = pusher_env(envp, "K6_OTEL_EXPORT_INTERVAL"))) {
        char e2[256];
        if (duration_parse(v, &c->export_us, e2, sizeof e2))
            return err_set(err, errlen, "parse environment variables options failed: K6_OTEL_EXPORT_INTERVAL: %s", e2);
    }
    if ((v = pusher_env(envp, "K6_OTEL_FLUSH_INTERVAL"))) { /* c6 aggregates every sample as it comes */
        int64_t unused;
        char e2[256];
        if (duration_parse(v, &unused, e2, sizeof e2))
            return err_set(err, errlen, "parse environment variables options failed: K6_OTEL_FLUSH_INTERVAL: %s", e2);
    }
    /* buildTLSConfig (k6 tls.go): the CA file replaces the system's roots, a
     * client certificate needs its key; any setting asks for TLS 1.3 */
    {
        bool skip_set = pusher_env(envp, "K6_OTEL_TLS_INSECURE_SKIP_VERIFY") != NULL;
        if ((v = pusher_env(envp, "K6_OTEL_TLS_CERTIFICATE"))) set_str(&c->tls_ca, v);
        if ((v = pusher_env(envp, "K6_OTEL_TLS_CLIENT_CERTIFICATE"))) set_str(&c->tls_cert, v);
        if ((v = pusher_env(envp, "K6_OTEL_TLS_CLIENT_KEY"))) set_str(&c->tls_key, v);
        c->tls_set = skip_set || c->tls_ca || c->tls_cert;
    }
    /* Validate() */
    const char *pre = "error validating OpenTelemetry output config: ";
    if (!*c->service_name) return err_set(err, errlen, "%sproviding service name is required", pre);
    if (!*c->service_version) return err_set(err, errlen, "%sproviding service version is required", pre);
    if (*c->protocol && strcmp(c->protocol, "grpc") != 0 && strcmp(c->protocol, "http/protobuf") != 0)
        return err_set(err, errlen,
                       "%sunsupported exporter protocol \"%s\", only \"grpc\" and \"http/protobuf\" are supported", pre,
                       c->protocol);
    if (strcmp(c->protocol, "grpc") == 0 && !*c->grpc_endpoint)
        return err_set(err, errlen, "%sgRPC exporter endpoint is required", pre);
    if (strcmp(c->protocol, "http/protobuf") == 0) {
        if (!*c->endpoint) return err_set(err, errlen, "%sHTTP exporter endpoint is required", pre);
        if (!strncmp(c->endpoint, "http://", 7) || !strncmp(c->endpoint, "https://", 8))
            return err_set(err, errlen, "%sHTTP exporter endpoint must only be host and port, no scheme", pre);
    }
    if (c->export_us <= 0) return err_set(err, errlen, "K6_OTEL_EXPORT_INTERVAL must be positive");
    otel_resource(c, envp);
    return 0;
}

/* K6_OTEL_HEADERS "k1=v1,k2=v2", each side percent-decoded (k6:
 * exporter.go, parseHeaders: url.PathUnescape). */
static int otel_headers(const char *raw, char **out, size_t *n, char *err, size_t errlen) {
    *n = 0;
    if (!raw) return 0;
    const char *pre = "failed to create OpenTelemetry exporter: failed to parse headers: ";
    for (const char *p = raw;;) {
        size_t len = strcspn(p, ",");
        const char *eq = memchr(p, '=', len);
        if (!eq) return err_set(err, errlen, "%sinvalid header \"%.*s\", expected format key=value", pre, (int)len, p);
        size_t kl = (size_t)(eq - p), vl = len - kl - 1;
        if (*n == OTEL_MAX_HEADERS) return err_set(err, errlen, "%smore than %d headers", pre, OTEL_MAX_HEADERS);
        char *line = malloc(kl + vl + 3);
        if (!line) return err_set(err, errlen, "out of memory");
        size_t k = url_unescape(line, kl, p, kl, 0);
        line[k++] = ':';
        line[k++] = ' ';
        k += url_unescape(line + k, vl, eq + 1, vl, 0);
        line[k] = 0;
        out[(*n)++] = line;
        if (!p[len]) return 0;
        p += len + 1;
    }
}

/* OTLP/HTTP answers 200 with an ExportMetricsServiceResponse; a
 * partial_success in it counts data points the receiver rejected. */
typedef struct partial {
    uint64_t rejected;
    char msg[256];
} partial;

static void partial_field(void *ctx, int field, uint64_t v, const unsigned char *d, size_t n) {
    partial *ps = ctx;
    if (field == 1 && !d) ps->rejected = v;
    if (field == 2 && d) snprintf(ps->msg, sizeof ps->msg, "%.*s", (int)n, (const char *)d);
}

static void response_field(void *ctx, int field, uint64_t v, const unsigned char *d, size_t n) {
    if (field == 1 && d) pbr_each(d, d + n, partial_field, ctx);
}

static uint64_t otel_lost(long status, const char *reply, size_t len, uint64_t points, char *why, size_t whylen) {
    if (status < 200 || status > 299) return points;
    partial ps = {0};
    const unsigned char *p = (const unsigned char *)reply;
    if (!pbr_each(p, p + len, response_field, &ps)) return 0;
    if (ps.rejected)
        snprintf(why, whylen, "partial success: %llu data points rejected%s%s", (unsigned long long)ps.rejected,
                 ps.msg[0] ? ": " : "", ps.msg);
    return ps.rejected;
}

/* ---- series ---- */

static tagcache_render otel_render;

otel_output *otel_output_open(const char *arg, char *const *envp, int64_t mono0_ns, int64_t wall0_ns, char *err,
                              size_t errlen) {
    otel_output *o = calloc(1, sizeof *o);
    if (!o) return err_set(err, errlen, "out of memory"), NULL;
    if (tagcache_init(&o->series_of, OTEL_CACHE_BITS, otel_render, o)) {
        free(o);
        return err_set(err, errlen, "out of memory"), NULL;
    }
    char *hdr[OTEL_MAX_HEADERS + 1];
    size_t nh = 0;
    int rc = otel_configure(&o->c, envp, err, errlen);
    bool grpc = !rc && strcmp(o->c.protocol, "grpc") == 0;
    o->grpc = grpc;
    if (!rc) rc = otel_tls_check(&o->c, err, errlen);
    if (!rc) rc = otel_headers(o->c.headers, hdr, &nh, err, errlen);
    if (!rc && grpc && nh < OTEL_MAX_HEADERS && !(hdr[nh++] = strdup("TE: trailers")))
        rc = err_set(err, errlen, "out of memory");
    if (!rc) {
        const char *ep = grpc ? o->c.grpc_endpoint : o->c.endpoint;
        const char *path = grpc ? OTEL_GRPC_PATH : o->c.path;
        bool insecure = grpc ? o->c.grpc_insecure : o->c.http_insecure;
        size_t n = strlen(ep) + strlen(path) + 16;
        o->url = malloc(n);
        if (!o->url) rc = err_set(err, errlen, "out of memory");
        else snprintf(o->url, n, "http%s://%s%s", insecure ? "" : "s", ep, path);
    }
    if (!rc) {
        pusher_config pc = {
            .name = "opentelemetry",
            .url = o->url,
            .content_type = grpc ? "application/grpc" : "application/x-protobuf",
            .grpc = grpc,
            .headers = (const char *const *)hdr,
            .nheaders = nh,
            .insecure = o->c.insecure_skip_verify,
            .ca_file = o->c.tls_ca,
            .cert_file = o->c.tls_cert,
            .key_file = o->c.tls_key,
            .tls13 = o->c.tls_set,
            .threads = 1, /* cumulative exports in order */
            .budget = pusher_budget(OTEL_BUDGET),
            .timeout_ms = 10000, /* the Go exporter's default timeout */
            .lost = otel_lost,
            /* the Go exporters' retry.DefaultConfig (otlpmetrichttp and
             * otlpmetricgrpc internal/retry): 5 s, at most 30 s, for 1
             * minute; but the retries also end with the export's context:
             * otlpmetricgrpc's exportContext (the exporter's timeout, 10 s)
             * and the PeriodicReader's (sdk/metric, 30 s by default; k6's
             * output.go sets no other) */
            .retry_initial_ms = 5000,
            .retry_max_ms = 30000,
            .retry_elapsed_ms = grpc ? 10000 : 30000,
        };
        /* TESTS ONLY, undocumented: C6_OTEL_RETRY_INITIAL_MS scales the three
         * in the same ratios, so that a test of retries takes milliseconds */
        const char *ri = getenv("C6_OTEL_RETRY_INITIAL_MS");
        long rims = ri ? strtol(ri, NULL, 10) : 0;
        if (rims > 0 && rims <= 5000) {
            pc.retry_initial_ms = rims;
            pc.retry_max_ms = rims * 6;
            pc.retry_elapsed_ms = rims * (grpc ? 2 : 6);
        }
        o->push = pusher_new(&pc, err, errlen);
        if (!o->push) rc = -1;
    }
    for (size_t i = 0; i < nh; i++) free(hdr[i]);
    if (rc) {
        otel_config_free(&o->c);
        free(o->url);
        tagcache_free(&o->series_of);
        free(o);
        return NULL;
    }
    if (!o->c.single_counter) /* k6: output.go, Start */
        log_printf(LOG_WARN, "Exporting rate metrics as a pair of counters is deprecated and will be removed in "
                             "future releases. Please migrate to the new format.");
    o->mono0 = mono0_ns;
    o->wall0 = wall0_ns;
    o->last_export_us = clock_now_us();
    return o;
}

/* The series of a packed tag set (aux: the metric), by its tags less
 * metadata (vu, iter) and empty values (k6: attribute.go, newAttributeSet
 * takes sample.Tags and skips empty keys and values). */
static int otel_render(void *ctx, const char *tags, size_t len, int metric, buf *text, size_t *split, long *id) {
    otel_output *o = ctx;
    char stack[512], *key = len <= sizeof stack ? stack : malloc(len);
    if (!key) return -1;
    size_t klen = seriestab_key(tags, len, NULL, true, key);
    bool added; /* a new series' state is zeroed below */
    *id = seriestab_get(&o->series, metric, key, klen, &added);
    if (key != stack) free(key);
    if (*id < 0) return -1;
    /* the states are zeroed as they are made; one that could not be made
     * is made when its series comes again (the table kept the series) */
    if ((size_t)*id >= o->stcap) {
        size_t ncap = o->stcap ? o->stcap * 2 : 64;
        while (ncap <= (size_t)*id) ncap *= 2;
        otel_state *ns = realloc(o->st, ncap * sizeof *ns);
        if (!ns) return -1;
        memset(ns + o->stcap, 0, (ncap - o->stcap) * sizeof *ns);
        o->st = ns;
        o->stcap = ncap;
    }
    return 0;
}

void otel_output_sample(void *ctx, const sample *smp, const char *tags, size_t tags_len) {
    otel_output *o = ctx;
    int id = smp->metric;
    if (id >= registry_count()) return;
    const tagcache_entry *c = tagcache_get(&o->series_of, tags, tags_len, id);
    if (!c) {
        o->oom = true;
        return;
    }
    otel_state *s = &o->st[c->id];
    double x = smp->value;
    if (!o->start_ns[id]) o->start_ns[id] = o->wall0 + (smp->t_ns - o->mono0);
    switch (registry_get(id)->type) {
    case METRIC_COUNTER: s->u.sum += x; break;
    case METRIC_GAUGE: s->u.last = x; break;
    case METRIC_RATE:
        if (x != 0) s->u.rate.nonzero++;
        else s->u.rate.zero++;
        break;
    case METRIC_TREND: {
        size_t b = 0; /* bucket i holds (bounds[i-1], bounds[i]] */
        while (b < OTEL_NBOUNDS && x > otel_bounds[b]) b++;
        s->u.h.buckets[b]++;
        if (!s->u.h.count || x < s->u.h.min) s->u.h.min = x;
        if (!s->u.h.count || x > s->u.h.max) s->u.h.max = x;
        s->u.h.count++;
        s->u.h.sum += x;
        break;
    }
    }
    s->has = true;
}

/* ---- export ---- */

typedef struct otel_kv {
    const char *k, *v;
} otel_kv;

static int otel_kv_cmp(const void *a, const void *b) {
    return strcmp(((const otel_kv *)a)->k, ((const otel_kv *)b)->k);
}

static void pb_keyvalue(docbuf *b, int field, const char *k, const char *v) {
    docbuf kv = {0}, any = {0};
    pbw_str(&any, 1, v);
    pbw_str(&kv, 1, k);
    pbw_msg(&kv, 2, &any);
    pbw_msg(b, field, &kv);
    doc_free(&any);
    doc_free(&kv);
}

/* The series' attributes, sorted by key as the SDK's attribute.Set has
 * them, as repeated KeyValue `field`; extra (condition) joins them. */
static void pb_attrs(docbuf *b, int field, const seriestab_entry *e, const char *extra_k, const char *extra_v) {
    size_t n = 0;
    for (size_t i = 0; i < e->klen; i++) n += e->key[i] == 0;
    otel_kv stack[64], *kv = n / 2 + 1 <= 64 ? stack : malloc((n / 2 + 1) * sizeof *kv);
    if (!kv) {
        b->oom = 1;
        return;
    }
    size_t m = 0;
    const char *k, *v;
    for (size_t off = 0; (off = tagset_next(e->key, e->klen, off, &k, &v)) != 0;) kv[m++] = (otel_kv){k, v};
    if (extra_k) kv[m++] = (otel_kv){extra_k, extra_v};
    qsort(kv, m, sizeof *kv, otel_kv_cmp);
    for (size_t i = 0; i < m; i++) pb_keyvalue(b, field, kv[i].k, kv[i].v);
    if (kv != stack) free(kv);
}

static void pb_number_point(docbuf *b, const seriestab_entry *e, const char *ck, const char *cv, uint64_t start,
                            uint64_t now, bool is_int, double dv, int64_t iv) {
    docbuf dp = {0};
    pbw_fixed64(&dp, 2, start);
    pbw_fixed64(&dp, 3, now);
    if (is_int) pbw_fixed64(&dp, 6, (uint64_t)iv);
    else pbw_double(&dp, 4, dv);
    pb_attrs(&dp, 7, e, ck, cv);
    pbw_msg(b, 1, &dp);
    doc_free(&dp);
}

static void pb_hist_point(docbuf *b, const seriestab_entry *e, const otel_state *s, uint64_t start, uint64_t now) {
    docbuf dp = {0};
    pbw_fixed64(&dp, 2, start);
    pbw_fixed64(&dp, 3, now);
    pbw_fixed64(&dp, 4, s->u.h.count);
    pbw_double(&dp, 5, s->u.h.sum);
    pbw_tag(&dp, 6, PBW_LEN);
    pbw_varint(&dp, 8 * (OTEL_NBOUNDS + 1));
    for (size_t i = 0; i <= OTEL_NBOUNDS; i++) pbw_raw64(&dp, s->u.h.buckets[i]);
    pbw_tag(&dp, 7, PBW_LEN);
    pbw_varint(&dp, 8 * OTEL_NBOUNDS);
    for (size_t i = 0; i < OTEL_NBOUNDS; i++) pbw_raw64(&dp, pbw_dbits(otel_bounds[i]));
    pb_attrs(&dp, 9, e, NULL, NULL);
    pbw_double(&dp, 11, s->u.h.min);
    pbw_double(&dp, 12, s->u.h.max);
    pbw_msg(b, 1, &dp);
    doc_free(&dp);
}

/* How a Rate is written: k6's single counter (<name>.total with a
 * condition attribute), or, with K6_OTEL_SINGLE_COUNTER_FOR_RATE=false, its
 * deprecated pair (output.go pairOfCountersForRate, registry.go
 * getOrCreateCountersForRate): <name>.occurred counts the non-zero samples,
 * <name>.total all of them, without the attribute. */
enum { RATE_SINGLE, RATE_OCCURRED, RATE_TOTAL };

/* One Metric for registry id `m` over its series idx[0..n); returns its
 * data points. */
static size_t pb_metric(otel_output *o, docbuf *b, int m, const uint32_t *idx, size_t n, uint64_t now, int rate_mode) {
    const metric_def *def = registry_get(m);
    uint64_t start = (uint64_t)o->start_ns[m];
    docbuf data = {0}, met = {0};
    size_t points = 0;
    int kind_field;
    char name[600];
    snprintf(name, sizeof name, "%s%s%s", o->c.prefix ? o->c.prefix : "", def->name,
             def->type != METRIC_RATE     ? ""
             : rate_mode == RATE_OCCURRED ? ".occurred"
                                          : ".total");
    for (size_t i = 0; i < n; i++) {
        const seriestab_entry *e = &o->series.v[idx[i]];
        const otel_state *s = &o->st[idx[i]];
        switch (def->type) {
        case METRIC_COUNTER: pb_number_point(&data, e, NULL, NULL, start, now, false, s->u.sum, 0), points++; break;
        case METRIC_GAUGE: pb_number_point(&data, e, NULL, NULL, start, now, false, s->u.last, 0), points++; break;
        case METRIC_RATE:
            if (rate_mode == RATE_OCCURRED) { /* only series that had a non-zero sample have this counter */
                if (s->u.rate.nonzero)
                    pb_number_point(&data, e, NULL, NULL, start, now, true, 0, (int64_t)s->u.rate.nonzero), points++;
                break;
            }
            if (rate_mode == RATE_TOTAL) {
                pb_number_point(&data, e, NULL, NULL, start, now, true, 0,
                                (int64_t)(s->u.rate.nonzero + s->u.rate.zero)),
                    points++;
                break;
            }
            /* k6: output.go, singleCounterForRate: condition = "nonzero" or "zero" */
            if (s->u.rate.nonzero)
                pb_number_point(&data, e, "condition", "nonzero", start, now, true, 0, (int64_t)s->u.rate.nonzero),
                    points++;
            if (s->u.rate.zero)
                pb_number_point(&data, e, "condition", "zero", start, now, true, 0, (int64_t)s->u.rate.zero), points++;
            break;
        case METRIC_TREND: pb_hist_point(&data, e, s, start, now), points++; break;
        }
    }
    if (def->type == METRIC_GAUGE) {
        kind_field = 5;
    } else if (def->type == METRIC_TREND) {
        kind_field = 9;
        pbw_uint(&data, 2, 2); /* AGGREGATION_TEMPORALITY_CUMULATIVE */
    } else {
        kind_field = 7;
        pbw_uint(&data, 2, 2);
        pbw_uint(&data, 3, 1); /* is_monotonic */
    }
    pbw_str(&met, 1, name);
    /* k6: output.go, normalizeUnit */
    pbw_str(&met, 3,
            def->type == METRIC_RATE  ? ""
            : def->kind == VALUE_TIME ? "ms"
            : def->kind == VALUE_DATA ? "By"
                                      : "");
    pbw_msg(&met, kind_field, &data);
    pbw_msg(b, 2, &met);
    doc_free(&data);
    doc_free(&met);
    return points;
}

static void otel_export(otel_output *o) {
    size_t ns = o->series.n < o->stcap ? o->series.n : o->stcap, nm = (size_t)registry_count();
    if (!ns) return;
    /* the series grouped by metric (a counting sort) */
    uint32_t *idx = malloc(ns * sizeof *idx);
    size_t *first = calloc(nm + 1, sizeof *first);
    if (!idx || !first) {
        free(idx);
        free(first);
        o->oom = true;
        return;
    }
    for (size_t i = 0; i < ns; i++)
        if (o->st[i].has) first[o->series.v[i].metric + 1]++;
    for (size_t m = 0; m < nm; m++) first[m + 1] += first[m];
    size_t *fill = calloc(nm, sizeof *fill);
    if (!fill) {
        free(idx);
        free(first);
        o->oom = true;
        return;
    }
    for (size_t i = 0; i < ns; i++)
        if (o->st[i].has) {
            int m = o->series.v[i].metric;
            idx[first[m] + fill[m]++] = (uint32_t)i;
        }
    uint64_t now = (uint64_t)clock_wall_us() * 1000;
    docbuf scope = {0}, res = {0}, rm = {0}, req = {0}, sc = {0};
    size_t points = 0;
    pbw_str(&sc, 1, "k6"); /* the Meter's name (output.go, Start: meterProvider.Meter("k6")) */
    pbw_msg(&scope, 1, &sc);
    for (size_t m = 0; m < nm; m++) {
        if (first[m + 1] == first[m]) continue;
        const uint32_t *mi = idx + first[m];
        size_t mn = first[m + 1] - first[m];
        if (registry_get((int)m)->type != METRIC_RATE || o->c.single_counter) {
            points += pb_metric(o, &scope, (int)m, mi, mn, now, RATE_SINGLE);
            continue;
        }
        bool any = false; /* an instrument with no point is not exported (the SDK's reader) */
        for (size_t i = 0; i < mn && !any; i++) any = o->st[mi[i]].u.rate.nonzero > 0;
        if (any) points += pb_metric(o, &scope, (int)m, mi, mn, now, RATE_OCCURRED);
        points += pb_metric(o, &scope, (int)m, mi, mn, now, RATE_TOTAL);
    }
    for (size_t i = 0; i < o->c.nres; i++) pb_keyvalue(&res, 1, o->c.res_k[i], o->c.res_v[i]);
    pbw_msg(&rm, 1, &res);
    pbw_msg(&rm, 2, &scope);
    if (o->grpc) { /* the gRPC message frame: not compressed, 4-byte length */
        size_t len = rm.b.len + 1 + pbw_varint_len(rm.b.len);
        unsigned char f[5] = {0, (unsigned char)(len >> 24), (unsigned char)(len >> 16), (unsigned char)(len >> 8),
                              (unsigned char)len};
        doc_put(&req, f, 5);
    }
    pbw_msg(&req, 1, &rm);
    free(idx);
    free(first);
    free(fill);
    docbuf *parts[] = {&scope, &res, &rm, &sc};
    for (size_t i = 0; i < 4; i++) doc_free(parts[i]);
    if (req.oom || !req.b.p) {
        doc_free(&req);
        o->oom = true;
        return;
    }
    pusher_post(o->push, req.b.p, req.b.len, points); /* the pusher owns the body now */
}

void otel_output_describe(const otel_output *o, buf *b) {
    /* k6: config.go, Config.String: "http/protobuf, <URL>" or
     * "grpc[ (insecure)], <endpoint>" */
    buf_puts(b, "opentelemetry (");
    buf_puts(b, o->c.protocol);
    if (o->grpc && o->c.grpc_insecure) buf_puts(b, " (insecure)");
    buf_puts(b, ", ");
    buf_puts(b, o->grpc ? o->c.grpc_endpoint : o->url);
    buf_puts(b, ")");
}

void otel_output_tick(otel_output *o) {
    int64_t now = clock_now_us();
    if (now - o->last_export_us < o->c.export_us) return;
    o->last_export_us = now;
    otel_export(o);
}

void otel_output_close(otel_output *o) {
    if (!o) return;
    otel_export(o); /* the SDK's Shutdown: a last collection and export */
    pusher_stats st;
    pusher_close(o->push, &st);
    pusher_report(&st, "opentelemetry", "data points", o->oom);
    seriestab_free(&o->series);
    tagcache_free(&o->series_of);
    free(o->st);
    free(o->url);
    otel_config_free(&o->c);
    free(o);
}

/* ---- as an output (output/output.h) ---- */

static void otel_ops_sample(void *ctx, const sample *s, size_t n, const tagdict *tags) {
    output_each_sample(ctx, s, n, tags, otel_output_sample);
}

static void *otel_ops_open(const output_params *p, char *err, size_t errlen) {
    return otel_output_open(p->arg, p->env, p->mono0_ns, p->wall0_ns, err, errlen);
}

static void *otel_ops_open_experimental(const output_params *p, char *err, size_t errlen) {
    /* k6: internal/cmd/outputs.go, getAllOutputConstructors */
    log_printf(LOG_WARN, "OpenTelemetry output has been graduated as a stable output.You can now use just "
                         "\"opentelemetry\" instead of \"experimental-opentelemetry\". The experimental version will "
                         "be removed in future versions.");
    return otel_ops_open(p, err, errlen);
}

static void otel_ops_describe(const void *o, buf *b) { otel_output_describe(o, b); }
static void otel_ops_tick(void *o) { otel_output_tick(o); }

static int otel_ops_close(void *o, char *err, size_t errlen) {
    otel_output_close(o); /* what could not be written is a warning, not a failed run */
    return 0;
}

const output_ops otel_output_ops = {
    "opentelemetry", otel_ops_open, otel_ops_describe, otel_ops_sample, otel_ops_tick, otel_ops_close,
};

const output_ops otel_experimental_output_ops = {
    "experimental-opentelemetry",
    otel_ops_open_experimental,
    otel_ops_describe,
    otel_ops_sample,
    otel_ops_tick,
    otel_ops_close,
};
