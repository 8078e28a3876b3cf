/* The web dashboard: configuration, the event log, its JSON, the HTTP/SSE
 * server, the HTML report, and the run's side (snapshots read from the
 * test and the engine). See dashboard.h. */
#include "output/dashboard.h"
#include "util/err.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "api/server.h"
#include "config/duration.h"
#include "exec/test.h"
#include "metrics/histogram.h"
#include "metrics/registry.h"
#include "metrics/sink.h"
#include "metrics/tags.h"
#include "output/writer.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/strconv.h"

extern char **environ;

/* The page, src/output/dashboard.html, made a C string by the Makefile. */
static const char DASH_PAGE[] =
#include "dashboard_html.inc"
    ;

/* Where the report inlines the events: the page holds this comment once. */
#define DASH_DATA_MARK "<!--C6-DATA-->"

/* ======================================================================
 * Configuration
 * ==================================================================== */

/* Go's strconv.ParseBool, which k6 reads these variables with. */
static int dash_bool(const char *s, bool *out) { return strconv_parse_bool(s, out); }

/* One setting by its short name (host, port, period, open, export);
 * `where` names it in errors ("K6_WEB_DASHBOARD_PORT", "-o web-dashboard port"). */
static int dash_set(dash_config *c, const char *key, const char *val, const char *where, char *err, size_t errlen) {
    if (strcmp(key, "host") == 0) {
        if (strlen(val) >= sizeof c->host) return snprintf(err, errlen, "%s: the host name is too long", where), -1;
        snprintf(c->host, sizeof c->host, "%s", val);
    } else if (strcmp(key, "port") == 0) {
        char *end;
        errno = 0;
        long p = strtol(val, &end, 10);
        if (!*val || *end || errno || p < -1 || p > 65535)
            return snprintf(err, errlen, "%s: invalid port \"%s\" (a number from 0 to 65535, or -1 for no server)",
                            where, val),
                   -1;
        c->port = (int)p;
    } else if (strcmp(key, "period") == 0) {
        char e[256];
        int64_t us;
        if (duration_parse(val, &us, e, sizeof e)) return snprintf(err, errlen, "%s: %s", where, e), -1;
        if (us <= 0) return snprintf(err, errlen, "%s: the period must be more than 0, not \"%s\"", where, val), -1;
        c->period_us = us;
    } else if (strcmp(key, "open") == 0) {
        if (dash_bool(val, &c->open))
            return snprintf(err, errlen, "%s: invalid boolean \"%s\" (use true or false)", where, val), -1;
    } else if (strcmp(key, "export") == 0) {
        free(c->export_path);
        c->export_path = *val ? xstrdup(val) : NULL; /* x*: config, once */
    } else {
        return snprintf(err, errlen, "%s: unknown setting (use host, port, period, open or export)", where), -1;
    }
    return 0;
}

static const char *dash_env(char *const *env, const char *name) {
    size_t n = strlen(name);
    for (char *const *e = env; e && *e; e++)
        if (strncmp(*e, name, n) == 0 && (*e)[n] == '=') return *e + n + 1;
    return NULL;
}

static int dash_config_env(dash_config *c, char *const *env, char *err, size_t errlen) {
    static const char *const keys[] = {"host", "port", "period", "open", "export"};
    const char *v = dash_env(env, "K6_WEB_DASHBOARD");
    if (v && *v && dash_bool(v, &c->enabled))
        return snprintf(err, errlen, "K6_WEB_DASHBOARD: invalid boolean \"%s\" (use true or false)", v), -1;
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        char name[64], *p;
        snprintf(name, sizeof name, "K6_WEB_DASHBOARD_%s", keys[i]);
        for (p = name + 17; *p; p++) *p = (char)(*p - 'a' + 'A');
        if ((v = dash_env(env, name)) && *v && dash_set(c, keys[i], v, name, err, errlen)) return -1;
    }
    return 0;
}

/* "port=0&period=1s&export=r.html" */
static int dash_config_arg(dash_config *c, const char *arg, char *err, size_t errlen) {
    char *copy = strdup(arg), *save = NULL;
    int rc = 0;
    if (!copy) return snprintf(err, errlen, "out of memory"), -1;
    for (char *kv = strtok_r(copy, "&", &save); kv && !rc; kv = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(kv, '='), where[96];
        snprintf(where, sizeof where, "-o web-dashboard: %.*s", (int)(eq ? eq - kv : (long)strlen(kv)), kv);
        if (!eq) {
            snprintf(err, errlen, "%s: expected key=value", where);
            rc = -1;
        } else {
            *eq = 0;
            rc = dash_set(c, kv, eq + 1, where, err, errlen);
        }
    }
    free(copy);
    return rc;
}

int dash_config_read(dash_config *c, char *const *env, const char *out_arg, char *err, size_t errlen) {
    memset(c, 0, sizeof *c);
    snprintf(c->host, sizeof c->host, "localhost");
    c->port = DASH_DEFAULT_PORT;
    c->period_us = 10 * C6_US_PER_SEC;
    if (dash_config_env(c, env, err, errlen)) return -1;
    if (!out_arg) return 0;
    c->enabled = true;
    return *out_arg ? dash_config_arg(c, out_arg, err, errlen) : 0;
}

void dash_config_free(dash_config *c) {
    free(c->export_path);
    c->export_path = NULL;
}

/* ======================================================================
 * The event log
 * ==================================================================== */

#define DASH_DIST_BINS 19  /* the duration distribution's bins */
#define DASH_MAX_ROWS  200 /* names (or scenarios) in a table; more share one row */
#define DASH_TCACHE    256 /* a table's cache of tag sets */

/* A row of the per-request (name tag) or per-scenario table: totals since
 * the start. */
typedef struct dash_row {
    char *name;
    uint64_t reqs, failed, iters;
    histogram *h; /* http_req_duration */
} dash_row;

typedef struct dash_tcache {
    const char *packed; /* a tag set's address */
    size_t row;
} dash_tcache;

typedef struct dash_table {
    dash_row *row;
    size_t n, cap;
    dash_tcache cache[DASH_TCACHE];
} dash_table;

typedef struct dash_event {
    char *sse; /* "event: NAME\ndata: JSON\n\n" */
    size_t len;
    size_t name_off, name_len, data_off, data_len;
} dash_event;

struct dashboard {
    struct MHD_Daemon *daemon;
    char url[300];
    char host[256]; /* K6_WEB_DASHBOARD_HOST, as configured */
    int64_t period_us;
    char *export_path;
    size_t nscen;
    char **scen_names;
    pthread_mutex_t mu;  /* guards everything below */
    pthread_cond_t cond; /* a new event, the end, or closing */
    dash_event *ev;
    size_t nev, cap;
    bool ended;   /* no more events: streams end once caught up */
    bool closing; /* the server stops: every stream ends now */
    int streams;  /* SSE responses in progress */
    /* the last snapshot's totals, for the per-period rates (main thread) */
    int nprev;           /* how many of prev[] are set */
    dash_sample prev[2]; /* [0] the last snapshot, [1] the one before */
    /* the run's side (dash_tick) */
    int *scen_vus;              /* per scenario, for its snapshots */
    int64_t last_us;            /* when the last snapshot was taken; 0: none yet */
    dash_thresholds_fn *thr_fn; /* the thresholds as last evaluated, or NULL */
    void *thr_ctx;
    char api_host[256]; /* the REST API the page's controls go through; "" none */
    unsigned api_port;
    bool api_expected; /* the API is about to start (dash_expect_api) */
    /* what the sample listener gathers (dash_listen); the listener runs in
     * engine_drain, under the engine's lock, and the snapshots read it
     * under that lock too */
    histogram *period;      /* http_req_duration of the current period */
    histogram *period_prev; /* and of the one before */
    dash_table by_name, by_scen;
    uint64_t dist[DASH_DIST_BINS]; /* http_req_duration by dash_dist_edges */
};

/* ---- the sample listener: per-period durations, per-request and
 * per-scenario tables, the duration distribution ---- */

/* Upper edges (ms) of the distribution's bins; the last bin is open. */
static const double dash_dist_edges[DASH_DIST_BINS - 1] = {0.1, 0.2, 0.5, 1,    2,    5,    10,    20,    50,
                                                           100, 200, 500, 1000, 2000, 5000, 10000, 20000, 60000};

static void dash_table_free(dash_table *t) {
    for (size_t i = 0; i < t->n; i++) {
        free(t->row[i].name);
        hist_free(t->row[i].h);
    }
    free(t->row);
    memset(t, 0, sizeof *t);
}

/* The row of the tag `key` of a packed set (cached by the set's address:
 * interned sets never move); NULL without the tag or out of memory. Past
 * DASH_MAX_ROWS names, the rest share the row "(other)". */
static dash_row *dash_table_row(dash_table *t, const char *key, const char *packed, size_t len) {
    dash_tcache *c = &t->cache[((uintptr_t)packed >> 4) % DASH_TCACHE];
    if (c->packed == packed && c->row < t->n) return &t->row[c->row];
    const char *v = tagset_find(packed, len, key);
    if (!v) return NULL;
    if (t->n >= DASH_MAX_ROWS) v = "(other)";
    size_t i = 0;
    while (i < t->n && strcmp(t->row[i].name, v) != 0) i++;
    if (i == t->n) {
        if (t->n == t->cap) {
            size_t ncap = t->cap ? t->cap * 2 : 16;
            dash_row *nr = realloc(t->row, ncap * sizeof *nr);
            if (!nr) return NULL;
            t->row = nr;
            t->cap = ncap;
        }
        dash_row r = {0};
        r.name = strdup(v);
        r.h = hist_new();
        if (!r.name || !r.h) {
            free(r.name);
            hist_free(r.h);
            return NULL;
        }
        t->row[t->n++] = r;
    }
    c->packed = packed;
    c->row = i;
    return &t->row[i];
}

static void dash_on_samples(void *ctx, const sample *smp, size_t n, const tagdict *tags) {
    dashboard *d = ctx;
    for (size_t i = 0; i < n; i++) {
        const sample *s = &smp[i];
        int m = s->metric;
        if (m != M_HTTP_REQS && m != M_HTTP_REQ_FAILED && m != M_HTTP_REQ_DURATION && m != M_ITERATIONS) continue;
        size_t len;
        const char *packed = tagdict_get(tags, s->tags, &len);
        dash_row *rn = m == M_ITERATIONS ? NULL : dash_table_row(&d->by_name, "name", packed, len);
        dash_row *rs = dash_table_row(&d->by_scen, "scenario", packed, len);
        dash_row *rows[2] = {rn, rs};
        for (int k = 0; k < 2; k++) {
            dash_row *r = rows[k];
            if (!r) continue;
            if (m == M_HTTP_REQS) r->reqs += (uint64_t)s->value;
            else if (m == M_HTTP_REQ_FAILED) r->failed += s->value != 0;
            else if (m == M_ITERATIONS) r->iters += (uint64_t)s->value;
            else hist_add(r->h, s->value);
        }
        if (m == M_HTTP_REQ_DURATION) {
            if (d->period) hist_add(d->period, s->value);
            int b = 0;
            while (b < DASH_DIST_BINS - 1 && s->value > dash_dist_edges[b]) b++;
            d->dist[b]++;
        }
    }
}

int dash_listen_engine(dashboard *d, engine *eng) {
    if (!d) return 0;
    d->period = hist_new();
    d->period_prev = hist_new();
    if (!d->period || !d->period_prev) return -1;
    return engine_add_listener(eng, dash_on_samples, d);
}

void dash_set_thresholds(dashboard *d, dash_thresholds_fn *fn, void *ctx) {
    if (!d) return;
    d->thr_fn = fn;
    d->thr_ctx = ctx;
}

/* Appends an event (main thread). The event text is built outside the lock. */
static void dash_push(dashboard *d, const char *name, const buf *json) {
    buf b = {0};
    dash_event e = {0};
    buf_puts(&b, "event: ");
    e.name_off = b.len;
    buf_puts(&b, name);
    e.name_len = strlen(name);
    buf_puts(&b, "\ndata: ");
    e.data_off = b.len;
    buf_append(&b, json->p ? json->p : "null", json->p ? json->len : 4);
    e.data_len = b.len - e.data_off;
    if (buf_puts(&b, "\n\n")) {
        buf_free(&b);
        return;
    } /* out of memory: the event is lost */
    e.sse = b.p;
    e.len = b.len;
    pthread_mutex_lock(&d->mu);
    if (d->nev == d->cap) {
        size_t ncap = d->cap ? d->cap * 2 : 64;
        dash_event *ne = realloc(d->ev, ncap * sizeof *ne);
        if (!ne) {
            pthread_mutex_unlock(&d->mu);
            free(e.sse);
            return;
        }
        d->ev = ne;
        d->cap = ncap;
    }
    d->ev[d->nev++] = e;
    pthread_cond_broadcast(&d->cond);
    pthread_mutex_unlock(&d->mu);
}

/* ---- JSON pieces (escaped as easyjson does: '<' too, so the report can
 * inline the events in a <script> element) ---- */

static void dash_js_num(buf *b, double v) {
    char n[WRITER_NUM_MAX];
    size_t len = writer_fmt_js(n, v); /* NaN/Inf: null */
    buf_append(b, n, len);
}

static void dash_js_str(buf *b, const char *s) { json_string(b, s ? s : "", s ? strlen(s) : 0, JSON_ESC_EASYJSON); }

static void dash_js_key(buf *b, bool *first, const char *k) {
    if (!*first) buf_puts(b, ",");
    *first = false;
    dash_js_str(b, k);
    buf_puts(b, ":");
}

static void dash_js_kv(buf *b, bool *first, const char *k, double v) {
    dash_js_key(b, first, k);
    dash_js_num(b, v);
}

static double dash_rate(double cur, double prev, double dt) { return dt > 0 ? (cur - prev) / dt : 0; }

void dash_snapshot(dashboard *d, const dash_sample *s) {
    if (!d || (d->nprev && s->t_s <= d->prev[0].t_s)) return;
    dash_sample z = {0};
    const dash_sample *p = d->nprev ? &d->prev[0] : &z;
    /* the final snapshot may come just after a periodic one: its rates
     * then span the last two periods, not a few milliseconds */
    if (d->nprev == 2 && (s->t_s - p->t_s) * 2e6 < (double)d->period_us) p = &d->prev[1];
    /* the first point (at the start) has no period behind it: rates 0 */
    double dt = d->nprev ? s->t_s - p->t_s : 0;
    buf b = {0};
    bool f = true;
    buf_puts(&b, "{");
    dash_js_kv(&b, &f, "t", s->t_s);
    dash_js_kv(&b, &f, "vus", (double)s->vus);
    dash_js_kv(&b, &f, "vus_max", (double)s->vus_max);
    dash_js_kv(&b, &f, "http_reqs", s->http_reqs);
    dash_js_kv(&b, &f, "http_req_rate", dash_rate(s->http_reqs, p->http_reqs, dt));
    dash_js_kv(&b, &f, "iterations", s->iterations);
    dash_js_kv(&b, &f, "iteration_rate", dash_rate(s->iterations, p->iterations, dt));
    uint64_t nreq = s->req_total - p->req_total;
    dash_js_kv(&b, &f, "http_req_failed", nreq ? (double)(s->req_failed - p->req_failed) / (double)nreq : 0);
    dash_js_kv(&b, &f, "http_req_failed_total", s->req_total ? (double)s->req_failed / (double)s->req_total : 0);
    dash_js_key(&b, &f, "http_req_duration");
    bool g = true;
    uint64_t nd = s->dur_n - p->dur_n;
    buf_puts(&b, "{");
    dash_js_kv(&b, &g, "avg", nd ? (s->dur_sum - p->dur_sum) / (double)nd : NAN); /* none: null */
    if (s->period_set) { /* an empty period has no percentiles: null */
        dash_js_kv(&b, &g, "p90", nd ? s->per_p90 : NAN);
        dash_js_kv(&b, &g, "p95", nd ? s->per_p95 : NAN);
        dash_js_kv(&b, &g, "p99", nd ? s->per_p99 : NAN);
        dash_js_kv(&b, &g, "max", nd ? s->per_max : NAN);
    }
    buf_puts(&b, "}");
    dash_js_key(&b, &f, "http_req_duration_total");
    g = true;
    buf_puts(&b, "{");
    dash_js_kv(&b, &g, "avg", s->dur_n ? s->dur_sum / (double)s->dur_n : 0);
    dash_js_kv(&b, &g, "p90", s->dur_p90);
    dash_js_kv(&b, &g, "p95", s->dur_p95);
    dash_js_kv(&b, &g, "p99", s->dur_p99);
    buf_puts(&b, "}");
    dash_js_kv(&b, &f, "data_sent", s->data_sent);
    dash_js_kv(&b, &f, "data_sent_rate", dash_rate(s->data_sent, p->data_sent, dt));
    dash_js_kv(&b, &f, "data_received", s->data_received);
    dash_js_kv(&b, &f, "data_received_rate", dash_rate(s->data_received, p->data_received, dt));
    dash_js_key(&b, &f, "checks");
    if (s->checks_total) dash_js_num(&b, (double)s->checks_pass / (double)s->checks_total);
    else buf_puts(&b, "null");
    dash_js_key(&b, &f, "scenario_vus");
    buf_puts(&b, "{");
    g = true;
    for (size_t i = 0; s->scenario_vus && i < d->nscen; i++) dash_js_kv(&b, &g, d->scen_names[i], s->scenario_vus[i]);
    buf_puts(&b, "}");
    if (s->extra && *s->extra) {
        buf_puts(&b, ",");
        buf_puts(&b, s->extra);
    }
    buf_puts(&b, "}");
    dash_push(d, "snapshot", &b);
    buf_free(&b);
    d->prev[1] = d->prev[0];
    d->prev[0] = *s;
    d->prev[0].scenario_vus = NULL;
    if (d->nprev < 2) d->nprev++;
}

/* A metric's aggregates as the summary shows them, by its type. */
static void dash_metric_values(buf *b, const summary_metric *m, double dur_s) {
    static const char *const counter[] = {"count", "rate", NULL};
    static const char *const gauge[] = {"value", "min", "max", NULL};
    static const char *const rate[] = {"rate", "passes", "fails", NULL};
    static const char *const trend[] = {"avg", "min", "med", "max", "p(90)", "p(95)", "p(99)", NULL};
    const char *const *aggs = m->type == METRIC_COUNTER ? counter
                              : m->type == METRIC_GAUGE ? gauge
                              : m->type == METRIC_RATE  ? rate
                                                        : trend;
    bool f = true;
    buf_puts(b, "{");
    for (; *aggs; aggs++) {
        double v;
        if (sink_agg(m->sink, *aggs, dur_s, &v) == 0) dash_js_kv(b, &f, *aggs, v);
    }
    buf_puts(b, "}");
}

void dash_end(dashboard *d, const summary_data *sd) {
    if (!d) return;
    buf b = {0};
    bool f = true;
    buf_puts(&b, "{");
    dash_js_kv(&b, &f, "duration", sd->duration_s);
    dash_js_key(&b, &f, "thresholds");
    buf_puts(&b, "[");
    for (size_t i = 0; i < sd->nthresholds; i++) {
        const summary_threshold *t = &sd->thresholds[i];
        bool g = true;
        buf_puts(&b, i ? ",{" : "{");
        dash_js_key(&b, &g, "metric");
        dash_js_str(&b, t->metric);
        dash_js_key(&b, &g, "source");
        dash_js_str(&b, t->source);
        dash_js_key(&b, &g, "ok");
        buf_puts(&b, t->ok ? "true" : "false");
        dash_js_kv(&b, &g, "observed", t->observed);
        buf_puts(&b, "}");
    }
    buf_puts(&b, "]");
    dash_js_key(&b, &f, "checks");
    buf_puts(&b, "[");
    for (size_t i = 0; i < sd->nchecks; i++) {
        const summary_check *c = &sd->checks[i];
        bool g = true;
        buf_puts(&b, i ? ",{" : "{");
        dash_js_key(&b, &g, "name");
        dash_js_str(&b, c->name);
        dash_js_key(&b, &g, "group");
        dash_js_str(&b, c->group);
        dash_js_kv(&b, &g, "passes", (double)c->passes);
        dash_js_kv(&b, &g, "fails", (double)c->fails);
        buf_puts(&b, "}");
    }
    buf_puts(&b, "]");
    dash_js_key(&b, &f, "metrics");
    buf_puts(&b, "[");
    bool first = true;
    for (size_t i = 0; i < sd->nmetrics; i++) {
        const summary_metric *m = &sd->metrics[i];
        if (!m->sink) continue;
        bool g = true;
        buf_puts(&b, first ? "{" : ",{");
        first = false;
        dash_js_key(&b, &g, "name");
        dash_js_str(&b, m->name);
        dash_js_key(&b, &g, "type");
        dash_js_str(&b, metric_type_name(m->type));
        dash_js_key(&b, &g, "contains");
        dash_js_str(&b, value_kind_name(m->kind));
        dash_js_key(&b, &g, "values");
        dash_metric_values(&b, m, sd->duration_s);
        buf_puts(&b, "}");
    }
    buf_puts(&b, "]}");
    dash_push(d, "end", &b);
    buf_free(&b);
    pthread_mutex_lock(&d->mu);
    d->ended = true;
    pthread_cond_broadcast(&d->cond);
    pthread_mutex_unlock(&d->mu);
}

/* ======================================================================
 * The report: the page with the events inlined before its script
 * ==================================================================== */

char *dash_report_html(dashboard *d, size_t *len) {
    const char *mark = strstr(DASH_PAGE, DASH_DATA_MARK);
    buf b = {0};
    size_t head = mark ? (size_t)(mark - DASH_PAGE) : 0;
    buf_append(&b, DASH_PAGE, head);
    buf_puts(&b, "<script>window.C6_EVENTS=[");
    pthread_mutex_lock(&d->mu);
    for (size_t i = 0; i < d->nev; i++) {
        const dash_event *e = &d->ev[i];
        buf_puts(&b, i ? ",\n{\"event\":\"" : "\n{\"event\":\"");
        buf_append(&b, e->sse + e->name_off, e->name_len);
        buf_puts(&b, "\",\"data\":");
        buf_append(&b, e->sse + e->data_off, e->data_len);
        buf_puts(&b, "}");
    }
    pthread_mutex_unlock(&d->mu);
    if (buf_puts(&b, "];</script>\n") || buf_puts(&b, mark ? mark + strlen(DASH_DATA_MARK) : DASH_PAGE)) {
        buf_free(&b);
        return NULL;
    }
    *len = b.len;
    return b.p;
}

int dash_finish(dashboard *d, char *err, size_t errlen) {
    if (!d || !d->export_path) return 0;
    size_t len;
    char *html = dash_report_html(d, &len), e[512];
    if (!html) return snprintf(err, errlen, "web dashboard: out of memory writing %s", d->export_path), -1;
    writer *w = writer_open(d->export_path, e, sizeof e); /* a name ending in .gz is gzipped */
    if (!w) {
        free(html);
        return snprintf(err, errlen, "web dashboard: %s", e), -1;
    }
    writer_write(w, html, len);
    free(html);
    if (writer_close(w, e, sizeof e)) return snprintf(err, errlen, "web dashboard: %s", e), -1;
    return 0;
}

/* ======================================================================
 * The HTTP server
 * ==================================================================== */

typedef struct dash_stream {
    dashboard *d;
    size_t next, off; /* the event being sent and how much of it went */
} dash_stream;

/* Runs on the connection's own thread: blocks until there is something to
 * send. Ends the stream once the end event went out, or when closing. */
static ssize_t dash_stream_read(void *cls, uint64_t pos, char *out, size_t max) {
    dash_stream *st = cls;
    dashboard *d = st->d;
    (void)pos;
    pthread_mutex_lock(&d->mu);
    while (st->next == d->nev && !d->ended && !d->closing) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 15;
        if (pthread_cond_timedwait(&d->cond, &d->mu, &until) == ETIMEDOUT && st->next == d->nev && !d->closing) {
            /* a comment keeps proxies and idle timers from closing the stream */
            pthread_mutex_unlock(&d->mu);
            static const char ka[] = ": keep-alive\n\n";
            size_t n = sizeof ka - 1 < max ? sizeof ka - 1 : max;
            memcpy(out, ka, n);
            return (ssize_t)n;
        }
    }
    if (d->closing || st->next == d->nev) {
        pthread_mutex_unlock(&d->mu);
        return MHD_CONTENT_READER_END_OF_STREAM;
    }
    size_t n = 0;
    while (st->next < d->nev && n < max) { /* as many whole or part events as fit */
        const dash_event *e = &d->ev[st->next];
        size_t k = e->len - st->off < max - n ? e->len - st->off : max - n;
        memcpy(out + n, e->sse + st->off, k);
        n += k;
        st->off += k;
        if (st->off == e->len) st->next++, st->off = 0;
    }
    pthread_mutex_unlock(&d->mu);
    return (ssize_t)n;
}

static void dash_stream_free(void *cls) {
    dash_stream *st = cls;
    dashboard *d = st->d;
    pthread_mutex_lock(&d->mu);
    d->streams--;
    pthread_cond_broadcast(&d->cond);
    pthread_mutex_unlock(&d->mu);
    free(st);
}

static enum MHD_Result dash_send(struct MHD_Connection *c, unsigned code, const char *type, void *body, size_t len,
                                 enum MHD_ResponseMemoryMode mode) {
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
    if (!r) return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    enum MHD_Result ret = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result dash_events(dashboard *d, struct MHD_Connection *c) {
    dash_stream *st = calloc(1, sizeof *st);
    if (!st) return MHD_NO;
    st->d = d;
    struct MHD_Response *r =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, dash_stream_read, st, dash_stream_free);
    if (!r) {
        free(st);
        return MHD_NO;
    }
    pthread_mutex_lock(&d->mu);
    d->streams++;
    pthread_mutex_unlock(&d->mu);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r); /* frees st through dash_stream_free when done */
    return ret;
}

/* ---- the page's controls: /api/v1/status, proxied to the REST API ---- */

#define DASH_API_BODY_MAX   4096
#define DASH_API_ANSWER_MAX (64 * 1024)

typedef struct dash_req {
    buf body; /* a PATCH's, up to DASH_API_BODY_MAX */
    bool too_big;
} dash_req;

static void dash_req_done(void *cls, struct MHD_Connection *c, void **req_cls, enum MHD_RequestTerminationCode toe) {
    (void)cls, (void)c, (void)toe;
    dash_req *r = *req_cls;
    if (r) buf_free(&r->body);
    free(r);
    *req_cls = NULL;
}

static enum MHD_Result dash_api_error(struct MHD_Connection *c, unsigned code, const char *detail) {
    buf b = {0};
    bool f = true;
    buf_puts(&b, "{\"errors\":[{");
    dash_js_key(&b, &f, "status");
    char st[8];
    snprintf(st, sizeof st, "%u", code);
    dash_js_str(&b, st);
    dash_js_key(&b, &f, "title");
    dash_js_str(&b, "web dashboard");
    dash_js_key(&b, &f, "detail");
    dash_js_str(&b, detail);
    if (buf_puts(&b, "}]}")) {
        buf_free(&b);
        return MHD_NO;
    }
    return dash_send(c, code, "application/json", b.p, b.len, MHD_RESPMEM_MUST_FREE);
}

/* One request to the REST API over a loopback connection, its answer read
 * until the API closes it (bounded in time and bytes). */
static enum MHD_Result dash_api_proxy(dashboard *d, struct MHD_Connection *c, const char *method, const buf *body) {
    char host[256], port[16], e[512];
    pthread_mutex_lock(&d->mu);
    if (!d->api_host[0] && d->api_expected) { /* (a thread per connection: only this request waits) */
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 5;
        while (!d->api_host[0] && d->api_expected && !d->closing)
            if (pthread_cond_timedwait(&d->cond, &d->mu, &until) == ETIMEDOUT) break;
    }
    snprintf(host, sizeof host, "%s", d->api_host);
    snprintf(port, sizeof port, "%u", d->api_port);
    pthread_mutex_unlock(&d->mu);
    if (!*host) return dash_api_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "the REST API is off (--address)");
    struct addrinfo hints = {0}, *ai = NULL;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, port, &hints, &ai) || !ai)
        return dash_api_error(c, MHD_HTTP_BAD_GATEWAY, "cannot resolve the REST API's address");
    int fd = -1;
    for (struct addrinfo *a = ai; a && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) continue;
        struct timeval tv = {10, 0};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        if (connect(fd, a->ai_addr, a->ai_addrlen)) close(fd), fd = -1;
    }
    freeaddrinfo(ai);
    if (fd < 0) {
        snprintf(e, sizeof e, "cannot reach the REST API at %s:%s: %s", host, port, strerror(errno));
        return dash_api_error(c, MHD_HTTP_BAD_GATEWAY, e);
    }
    buf q = {0};
    char head[512];
    snprintf(head, sizeof head,
             "%s /v1/status HTTP/1.1\r\nHost: %s%s%s:%s\r\nConnection: close\r\nContent-Type: application/json\r\n"
             "Content-Length: %zu\r\n\r\n",
             method, strchr(host, ':') ? "[" : "", host, strchr(host, ':') ? "]" : "", port, body ? body->len : 0);
    buf_puts(&q, head);
    if (body && body->len) buf_append(&q, body->p, body->len);
    bool ok = q.p != NULL;
    for (size_t off = 0; ok && off < q.len;) {
        ssize_t k = send(fd, q.p + off, q.len - off, MSG_NOSIGNAL);
        if (k <= 0) ok = false;
        else off += (size_t)k;
    }
    buf_free(&q);
    buf a = {0};
    char chunk[4096];
    while (ok) {
        ssize_t k = recv(fd, chunk, sizeof chunk, 0);
        if (k < 0) ok = false;
        if (k <= 0) break;
        if (a.len + (size_t)k > DASH_API_ANSWER_MAX || buf_append(&a, chunk, (size_t)k)) ok = false;
    }
    close(fd);
    unsigned code = 0;
    const char *sep = a.p ? memmem(a.p, a.len, "\r\n\r\n", 4) : NULL;
    if (!ok || !sep || sscanf(a.p, "HTTP/1.%*c %u", &code) != 1) {
        buf_free(&a);
        return dash_api_error(c, MHD_HTTP_BAD_GATEWAY, "no valid answer from the REST API");
    }
    /* the API answers Content-Length bodies (no chunking) */
    size_t blen = a.len - (size_t)(sep + 4 - a.p);
    char *out = malloc(blen + 1);
    if (!out) {
        buf_free(&a);
        return MHD_NO;
    }
    memcpy(out, sep + 4, blen);
    buf_free(&a);
    return dash_send(c, code, "application/json", out, blen, MHD_RESPMEM_MUST_FREE);
}

/* GET or PATCH /api/v1/status. A PATCH must be a JSON request: a page of
 * another site cannot send one without a CORS preflight, which this server
 * refuses (OPTIONS is a 405), so only the dashboard's own page can. */
/* The Host a request names is this machine (localhost, a loopback address)
 * or the host the dashboard was told to listen on: a page of another site
 * reaching here through a DNS name rebound to 127.0.0.1 names its own. */
static bool dash_host_ok(const dashboard *d, const char *host) {
    if (!host) return false;
    size_t n = strlen(host);
    const char *colon = strrchr(host, ':'), *rb = strrchr(host, ']');
    if (colon && (!rb || colon > rb)) n = (size_t)(colon - host); /* the port */
    static const char *const local[] = {"localhost", "127.0.0.1", "[::1]"};
    for (size_t i = 0; i < sizeof local / sizeof *local; i++)
        if (strlen(local[i]) == n && !strncasecmp(host, local[i], n)) return true;
    size_t hl = strlen(d->host);
    if (hl && hl == n && !strncasecmp(host, d->host, n)) return true;
    return hl + 2 == n && host[0] == '[' && !strncasecmp(host + 1, d->host, hl); /* [v6] */
}

static enum MHD_Result dash_api(dashboard *d, struct MHD_Connection *c, const char *method, dash_req *r) {
    if (!dash_host_ok(d, MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST)))
        return dash_api_error(c, MHD_HTTP_FORBIDDEN, "the Host header names another site");
    if (!strcmp(method, MHD_HTTP_METHOD_GET)) return dash_api_proxy(d, c, "GET", NULL);
    if (strcmp(method, MHD_HTTP_METHOD_PATCH))
        return dash_api_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "use GET or PATCH");
    const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    if (!ct || strncasecmp(ct, "application/json", 16) != 0)
        return dash_api_error(c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "a PATCH must be application/json");
    if (r->too_big) return dash_api_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "the request body is too large");
    return dash_api_proxy(d, c, "PATCH", &r->body);
}

void dash_set_api(dashboard *d, const char *address, unsigned port) {
    if (!d || !address) return;
    const char *colon = strrchr(address, ':');
    size_t hl = colon ? (size_t)(colon - address) : strlen(address);
    char host[256];
    if (hl >= sizeof host) return;
    memcpy(host, address, hl);
    host[hl] = 0;
    if (host[0] == '[' && hl >= 2 && host[hl - 1] == ']') memmove(host, host + 1, hl - 2), host[hl - 2] = 0;
    /* ":6565" (every interface) and 0.0.0.0 / :: are reached on loopback */
    if (!*host || !strcmp(host, "0.0.0.0")) snprintf(host, sizeof host, "127.0.0.1");
    else if (!strcmp(host, "::")) snprintf(host, sizeof host, "::1");
    pthread_mutex_lock(&d->mu);
    snprintf(d->api_host, sizeof d->api_host, "%s", host);
    d->api_port = port;
    d->api_expected = false;
    pthread_cond_broadcast(&d->cond); /* a request waiting in dash_api_proxy */
    pthread_mutex_unlock(&d->mu);
}

void dash_expect_api(dashboard *d, bool expect) {
    if (!d) return;
    pthread_mutex_lock(&d->mu);
    d->api_expected = expect;
    pthread_cond_broadcast(&d->cond);
    pthread_mutex_unlock(&d->mu);
}

static enum MHD_Result dash_access(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                   const char *version, const char *upload, size_t *upload_size, void **req_cls) {
    dashboard *d = cls;
    (void)version;
    if (!*req_cls) { /* headers in; answer on the next call */
        dash_req *r = calloc(1, sizeof *r);
        if (!r) return MHD_NO;
        *req_cls = r;
        return MHD_YES;
    }
    dash_req *r = *req_cls;
    if (*upload_size) { /* a body: kept (bounded) for the API's PATCH, else ignored */
        if (!strcmp(url, "/api/v1/status") && !r->too_big) {
            if (r->body.len + *upload_size > DASH_API_BODY_MAX || buf_append(&r->body, upload, *upload_size))
                r->too_big = true;
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (!strcmp(url, "/api/v1/status")) return dash_api(d, c, method, r);
    static const char nf[] = "404 page not found\n", na[] = "method not allowed\n";
    if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
        return dash_send(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain; charset=utf-8", (void *)na, sizeof na - 1,
                         MHD_RESPMEM_PERSISTENT);
    if (!strcmp(url, "/") || !strcmp(url, "/ui") || !strcmp(url, "/ui/"))
        return dash_send(c, MHD_HTTP_OK, "text/html; charset=utf-8", (void *)DASH_PAGE, sizeof DASH_PAGE - 1,
                         MHD_RESPMEM_PERSISTENT);
    if (!strcmp(url, "/events")) return dash_events(d, c);
    if (!strcmp(url, "/report")) {
        size_t len;
        char *html = dash_report_html(d, &len);
        if (!html) return MHD_NO;
        return dash_send(c, MHD_HTTP_OK, "text/html; charset=utf-8", html, len, MHD_RESPMEM_MUST_FREE);
    }
    return dash_send(c, MHD_HTTP_NOT_FOUND, "text/plain; charset=utf-8", (void *)nf, sizeof nf - 1,
                     MHD_RESPMEM_PERSISTENT);
}

/* "http://127.0.0.1:5665" from the bound socket; the wildcard shows as
 * 127.0.0.1, where a local browser finds it. */
static void dash_format_url(int fd, char *out, size_t n) {
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    char ip[INET6_ADDRSTRLEN] = "127.0.0.1";
    unsigned port = 0;
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
        snprintf(out, n, "http://127.0.0.1");
        return;
    }
    if (ss.ss_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const void *)&ss;
        port = ntohs(s6->sin6_port);
        if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], ip, sizeof ip);
        else if (!IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr)) inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof ip);
        if (strchr(ip, ':')) {
            snprintf(out, n, "http://[%s]:%u", ip, port);
            return;
        }
    } else {
        const struct sockaddr_in *s4 = (const void *)&ss;
        port = ntohs(s4->sin_port);
        if (s4->sin_addr.s_addr != htonl(INADDR_ANY)) inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof ip);
    }
    snprintf(out, n, "http://%s:%u", ip, port);
}

/* K6_WEB_DASHBOARD_OPEN: the desktop's browser, if there is one; quietly
 * nothing otherwise. */
static void dash_open_browser(const char *url) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    char *argv[] = {(char *)"xdg-open", (char *)url, NULL};
    pid_t pid;
    posix_spawnp(&pid, "xdg-open", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
}

static void dash_free(dashboard *d) {
    for (size_t i = 0; i < d->nev; i++) free(d->ev[i].sse);
    free(d->ev);
    for (size_t i = 0; i < d->nscen; i++) free(d->scen_names[i]);
    free(d->scen_names);
    free(d->scen_vus);
    free(d->export_path);
    hist_free(d->period);
    hist_free(d->period_prev);
    dash_table_free(&d->by_name);
    dash_table_free(&d->by_scen);
    pthread_mutex_destroy(&d->mu);
    pthread_cond_destroy(&d->cond);
    free(d);
}

static int dash_listen(dashboard *d, const dash_config *c, char *err, size_t errlen) {
    char addr[300], e[512];
    snprintf(addr, sizeof addr, strchr(c->host, ':') ? "[%s]:%d" : "%s:%d", c->host, c->port);
    int fd = api_listen_tcp(addr, e, sizeof e);
    if (fd < 0) return snprintf(err, errlen, "web dashboard: %s", e), -1;
    dash_format_url(fd, d->url, sizeof d->url);
    d->daemon =
        MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO, 0, NULL, NULL,
                         dash_access, d, MHD_OPTION_NOTIFY_COMPLETED, dash_req_done, NULL, MHD_OPTION_LISTEN_SOCKET,
                         (MHD_socket)fd, MHD_OPTION_CONNECTION_LIMIT, (unsigned)DASH_MAX_CONNECTIONS, MHD_OPTION_END);
    if (!d->daemon) {
        close(fd);
        return snprintf(err, errlen, "web dashboard: cannot start the HTTP server on %s", addr), -1;
    }
    return 0;
}

dashboard *dash_start(const dash_config *c, const char *script, const char *const *scenarios, size_t nscenarios,
                      char *err, size_t errlen) {
    dashboard *d = calloc(1, sizeof *d);
    if (!d) return snprintf(err, errlen, "web dashboard: out of memory"), NULL;
    pthread_mutex_init(&d->mu, NULL);
    pthread_cond_init(&d->cond, NULL);
    d->period_us = c->period_us;
    snprintf(d->host, sizeof d->host, "%s", c->host);
    d->export_path = xstrdup(c->export_path);
    d->scen_names = calloc(nscenarios + 1, sizeof *d->scen_names);
    for (size_t i = 0; d->scen_names && i < nscenarios; i++) d->scen_names[d->nscen++] = xstrdup(scenarios[i]);
    if (c->port >= 0 && dash_listen(d, c, err, errlen)) {
        dash_free(d);
        return NULL;
    }
    buf b = {0};
    bool f = true;
    buf_puts(&b, "{");
    dash_js_key(&b, &f, "script");
    dash_js_str(&b, script);
    dash_js_kv(&b, &f, "period", (double)c->period_us / 1e6);
    dash_js_key(&b, &f, "scenarios");
    buf_puts(&b, "[");
    for (size_t i = 0; i < d->nscen; i++) {
        if (i) buf_puts(&b, ",");
        dash_js_str(&b, d->scen_names[i]);
    }
    buf_puts(&b, "]}");
    dash_push(d, "config", &b);
    buf_free(&b);
    if (c->open && d->daemon) dash_open_browser(d->url);
    return d;
}

const char *dash_url(const dashboard *d) { return d && d->daemon ? d->url : ""; }

void dash_stop(dashboard *d) {
    if (!d) return;
    pthread_mutex_lock(&d->mu);
    d->ended = true;
    pthread_cond_broadcast(&d->cond);
    /* pages still reading get a moment to take the last events */
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 1;
    while (d->streams > 0 && pthread_cond_timedwait(&d->cond, &d->mu, &until) != ETIMEDOUT) {}
    d->closing = true;
    pthread_cond_broadcast(&d->cond);
    pthread_mutex_unlock(&d->mu);
    if (d->daemon) MHD_stop_daemon(d->daemon); /* joins every connection's thread */
    dash_free(d);
}

/* ---- the run's side ---- */

dashboard *dash_start_test(const dash_config *c, const char *script, const c6_test *t, char *err, size_t errlen) {
    const char **names = calloc((size_t)t->nscen + 1, sizeof *names);
    int *vus = calloc((size_t)t->nscen + 1, sizeof *vus);
    if (!names || !vus) {
        free(names);
        free(vus);
        return snprintf(err, errlen, "web dashboard: out of memory"), NULL;
    }
    for (int i = 0; i < t->nscen; i++) names[i] = t->scen[i].cfg->name;
    dashboard *d = dash_start(c, script, names, (size_t)t->nscen, err, errlen);
    free(names);
    if (d) d->scen_vus = vus;
    else free(vus);
    return d;
}

static void dash_rows_json(buf *b, const dash_table *t, double t_s) {
    for (size_t i = 0; i < t->n; i++) {
        const dash_row *r = &t->row[i];
        uint64_t n = hist_count(r->h);
        bool f = true;
        buf_puts(b, i ? ",{" : "{");
        dash_js_key(b, &f, "name");
        dash_js_str(b, r->name);
        dash_js_kv(b, &f, "count", (double)r->reqs);
        dash_js_kv(b, &f, "failed", (double)r->failed);
        dash_js_kv(b, &f, "rate", t_s > 0 ? (double)r->reqs / t_s : 0);
        dash_js_kv(b, &f, "iterations", (double)r->iters);
        dash_js_kv(b, &f, "avg", n ? hist_mean(r->h) : NAN);
        dash_js_kv(b, &f, "p90", n ? hist_percentile(r->h, 90) : NAN);
        dash_js_kv(b, &f, "p95", n ? hist_percentile(r->h, 95) : NAN);
        dash_js_kv(b, &f, "p99", n ? hist_percentile(r->h, 99) : NAN);
        dash_js_kv(b, &f, "max", n ? hist_max(r->h) : NAN);
        buf_puts(b, "}");
    }
}

/* "requests", "scenario_stats" and "distribution" (under the engine's lock). */
static void dash_extra_tables(dashboard *d, buf *x, double t_s) {
    buf_puts(x, "\"requests\":[");
    dash_rows_json(x, &d->by_name, t_s);
    buf_puts(x, "],\"scenario_stats\":[");
    dash_rows_json(x, &d->by_scen, t_s);
    buf_puts(x, "],\"distribution\":{\"edges\":[");
    for (int i = 0; i < DASH_DIST_BINS - 1; i++) {
        if (i) buf_puts(x, ",");
        dash_js_num(x, dash_dist_edges[i]);
    }
    buf_puts(x, "],\"counts\":[");
    for (int i = 0; i < DASH_DIST_BINS; i++) {
        if (i) buf_puts(x, ",");
        dash_js_num(x, (double)d->dist[i]);
    }
    buf_puts(x, "]}");
}

static void dash_extra_checks(buf *x, const engine *eng) {
    const engine_check *c;
    size_t n = engine_checks(eng, &c);
    if (x->len) buf_puts(x, ",");
    buf_puts(x, "\"check_list\":[");
    for (size_t i = 0; i < n; i++) {
        bool f = true;
        buf_puts(x, i ? ",{" : "{");
        dash_js_key(x, &f, "name");
        dash_js_str(x, c[i].name);
        dash_js_key(x, &f, "group");
        dash_js_str(x, c[i].group);
        dash_js_kv(x, &f, "passes", (double)c[i].passes);
        dash_js_kv(x, &f, "fails", (double)c[i].fails);
        buf_puts(x, "}");
    }
    buf_puts(x, "]");
}

static void dash_extra_thresholds(dashboard *d, buf *x) {
    if (!d->thr_fn) return;
    dash_threshold th[64];
    size_t n = d->thr_fn(d->thr_ctx, th, sizeof th / sizeof *th);
    if (n > sizeof th / sizeof *th) n = sizeof th / sizeof *th;
    if (x->len) buf_puts(x, ",");
    buf_puts(x, "\"thresholds\":[");
    for (size_t i = 0; i < n; i++) {
        bool f = true;
        buf_puts(x, i ? ",{" : "{");
        dash_js_key(x, &f, "metric");
        dash_js_str(x, th[i].metric);
        dash_js_key(x, &f, "source");
        dash_js_str(x, th[i].source);
        dash_js_key(x, &f, "ok");
        buf_puts(x, th[i].ok ? "true" : "false");
        dash_js_kv(x, &f, "observed", th[i].observed);
        buf_puts(x, "}");
    }
    buf_puts(x, "]");
}

static double dash_counter_total(const sink *s) { return s ? s->u.counter.sum : 0; }

/* A few sink reads under eng_lock; the rates and the JSON are made after
 * the lock is released. */
void dash_snapshot_test(dashboard *d, const c6_test *t, const engine *eng, pthread_mutex_t *eng_lock, int64_t now) {
    dash_sample s = {0};
    s.t_s = (double)(now - t->start_us) / 1e6;
    s.vus = atomic_load(&t->vus_active);
    s.vus_max = atomic_load(&t->vus_initialized);
    for (int i = 0; i < t->nscen; i++) d->scen_vus[i] = atomic_load(&t->scen[i].vus_active);
    s.scenario_vus = d->scen_vus;
    pthread_mutex_lock(eng_lock);
    s.http_reqs = dash_counter_total(engine_sink(eng, M_HTTP_REQS));
    s.iterations = dash_counter_total(engine_sink(eng, M_ITERATIONS));
    s.data_sent = dash_counter_total(engine_sink(eng, M_DATA_SENT));
    s.data_received = dash_counter_total(engine_sink(eng, M_DATA_RECEIVED));
    const sink *f = engine_sink(eng, M_HTTP_REQ_FAILED), *c = engine_sink(eng, M_CHECKS);
    if (f) s.req_failed = f->u.rate.nonzero, s.req_total = f->u.rate.total;
    if (c) s.checks_pass = c->u.rate.nonzero, s.checks_total = c->u.rate.total;
    const sink *dur = engine_sink(eng, M_HTTP_REQ_DURATION);
    if (dur && dur->u.trend.h) {
        const histogram *h = dur->u.trend.h;
        s.dur_n = hist_count(h);
        s.dur_sum = hist_sum(h);
        s.dur_p90 = hist_percentile(h, 90);
        s.dur_p95 = hist_percentile(h, 95);
        s.dur_p99 = hist_percentile(h, 99);
    }
    buf x = {0};
    if (d->period && d->period_prev) {
        s.period_set = true;
        /* as dash_snapshot's rates: a final snapshot just after a periodic
         * one covers the last two periods */
        if (d->nprev == 2 && (s.t_s - d->prev[0].t_s) * 2e6 < (double)d->period_us)
            hist_merge(d->period, d->period_prev);
        bool any = hist_count(d->period) > 0;
        s.per_p90 = any ? hist_percentile(d->period, 90) : NAN;
        s.per_p95 = any ? hist_percentile(d->period, 95) : NAN;
        s.per_p99 = any ? hist_percentile(d->period, 99) : NAN;
        s.per_max = any ? hist_max(d->period) : NAN;
        histogram *h = d->period_prev; /* this period becomes the previous one */
        d->period_prev = d->period;
        d->period = h;
        hist_reset(d->period);
        dash_extra_tables(d, &x, s.t_s);
    }
    dash_extra_checks(&x, eng);
    pthread_mutex_unlock(eng_lock);
    dash_extra_thresholds(d, &x);
    s.extra = x.p;
    dash_snapshot(d, &s);
    buf_free(&x);
}

void dash_tick(dashboard *d, const c6_test *t, const engine *eng, pthread_mutex_t *eng_lock, int64_t now) {
    if (!d) return;
    if (!t->start_us) return; /* (the coordinator's, before the common start) */
    if (!d->last_us) {        /* a first point at the start, not a period later */
        d->last_us = t->start_us;
        dash_snapshot_test(d, t, eng, eng_lock, now > t->start_us ? now : t->start_us + 1);
        return;
    }
    if (now - d->last_us < d->period_us) return;
    d->last_us += d->period_us;
    if (now - d->last_us >= d->period_us) d->last_us = now; /* the loop was held up */
    dash_snapshot_test(d, t, eng, eng_lock, now);
}
