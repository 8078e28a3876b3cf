/* Distributed metrics benchmark (metrics/series.c, snapshot.c, ingest.c):
 *  1. the agent's cost per sample of the series aggregator: the same
 *     HTTP-like samples drained by an engine with and without it (one
 *     thread: push everything, then time engine_drain);
 *  2. the coordinator's ingest cost: A agents x S time series, every series
 *     changed in every snapshot (the worst case of a 1 s snapshot period),
 *     decoded, checked and merged into one engine with a sub-metric and the
 *     breakdown on; series merged per second on one core.
 * Built and run by `make bench-snapshot`; C6_BENCH_SERIES and
 * C6_BENCH_AGENTS change S and A. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "metrics/engine.h"
#include "metrics/ingest.h"
#include "metrics/registry.h"
#include "metrics/series.h"
#include "metrics/snapshot.h"
#include "util/clock.h"

#define HTTP_METRICS 11 /* what one request emits */
static const int http_metric[HTTP_METRICS] = {
    M_HTTP_REQS,        M_HTTP_REQ_DURATION, M_HTTP_REQ_BLOCKED,   M_HTTP_REQ_CONNECTING, M_HTTP_REQ_TLS_HANDSHAKING,
    M_HTTP_REQ_SENDING, M_HTTP_REQ_WAITING,  M_HTTP_REQ_RECEIVING, M_HTTP_REQ_FAILED,     M_DATA_SENT,
    M_DATA_RECEIVED};

/* Timings: log-normal, median 120 ms, sigma 0.5 (a few buckets' pages per
 * histogram, as real latencies), drawn from a table. */
#define NVALUES 4096
static double values[NVALUES];

static void make_values(void) {
    srand(1);
    for (int i = 0; i < NVALUES; i++) {
        double u1 = (rand() + 1.0) / (RAND_MAX + 2.0), u2 = (rand() + 1.0) / (RAND_MAX + 2.0);
        values[i] = exp(log(120.0) + 0.5 * sqrt(-2 * log(u1)) * cos(2 * M_PI * u2));
    }
}

/* A request's samples on tag set `tags`, the i-th request. */
static void push_request(sample_buf *b, uint32_t tags, uint64_t i, int64_t t) {
    for (int m = 0; m < HTTP_METRICS; m++) {
        double v =
            http_metric[m] == M_HTTP_REQ_FAILED ? (double)(i % 17 == 0) : values[(i * 11 + (uint64_t)m) % NVALUES];
        sample_push(b, http_metric[m], tags, v, t);
    }
}

static uint32_t url_tags(sample_buf *b, int u, int status) {
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1/item/%d", u);
    tag_kv kv[6] = {{"method", "GET"}, {"url", url},           {"name", url}, {"status", status ? "200" : "404"},
                    {"group", ""},     {"scenario", "default"}};
    return tagdict_intern(b->tags, kv, 6);
}

/* ---- 1. agent side ---- */

static double drain_ns_per_sample(bool with_series, int requests, int urls) {
    sample_buf b;
    sample_buf_init(&b);
    engine *e = engine_new();
    engine_add_source(e, &b);
    char err[128];
    engine_add_submetric(e, M_HTTP_REQ_DURATION, "expected_response:true", err, sizeof err);
    series_set *ss = NULL;
    if (with_series) {
        ss = series_new(1000000, 0);
        engine_add_listener(e, series_listener, ss);
    }
    /* warm-up: every series exists and every chunk is allocated once */
    uint32_t *tags = malloc((size_t)urls * sizeof *tags);
    for (int u = 0; u < urls; u++) tags[u] = url_tags(&b, u, u % 2);
    for (int i = 0; i < urls; i++) push_request(&b, tags[i], (uint64_t)i, i);
    sample_buf_flush(&b);
    engine_drain(e);
    double best = 1e18;
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < requests; i++) push_request(&b, tags[i % urls], (uint64_t)i, i);
        sample_buf_flush(&b);
        int64_t t0 = clock_now_ns();
        engine_drain(e);
        if (ss) series_flush(ss); /* the batched Trend samples */
        double ns = (double)(clock_now_ns() - t0) / ((double)requests * HTTP_METRICS);
        if (ns < best) best = ns;
        if (ss) series_clear_dirty(ss); /* as a snapshot would */
    }
    if (ss && series_error(ss)) {
        fprintf(stderr, "bench: %s\n", series_error(ss));
        exit(1);
    }
    series_free(ss);
    free(tags);
    engine_free(e);
    sample_buf_destroy(&b);
    return best;
}

/* ---- 2. coordinator side ---- */

typedef struct agent_snaps {
    buf *snap;
    int n;
    int64_t write_ns;
} agent_snaps; /* write_ns: rounds 2.. */

/* `rounds` snapshots of one agent whose `series` series (series/11 URLs x
 * 11 metrics) all change in each; `per` requests per URL between two. */
static agent_snaps make_snapshots(int series, int rounds, int per) {
    agent_snaps a = {calloc((size_t)rounds, sizeof(buf)), rounds, 0};
    sample_buf b;
    sample_buf_init(&b);
    engine *e = engine_new();
    engine_add_source(e, &b);
    series_set *ss = series_new((size_t)series * 2, 0);
    engine_add_listener(e, series_listener, ss);
    snapshot_writer *w = snapshot_writer_new();
    int urls = series / HTTP_METRICS;
    uint32_t *tags = malloc((size_t)urls * sizeof *tags);
    for (int u = 0; u < urls; u++) tags[u] = url_tags(&b, u, 1);
    uint64_t i = 0;
    for (int r = 0; r < rounds; r++) {
        for (int k = 0; k < per; k++)
            for (int u = 0; u < urls; u++, i++) push_request(&b, tags[u], i, (int64_t)i);
        sample_buf_flush(&b);
        engine_drain(e);
        int64_t t0 = clock_now_ns();
        if (snapshot_write(w, ss, &a.snap[r]) < 0) {
            fprintf(stderr, "bench: out of memory\n");
            exit(1);
        }
        if (r) a.write_ns += clock_now_ns() - t0;
    }
    free(tags);
    snapshot_writer_free(w);
    series_free(ss);
    engine_free(e);
    sample_buf_destroy(&b);
    return a;
}

static void bench_ingest(int nagents, int series, int per, int rounds) {
    agent_snaps *as = calloc((size_t)nagents, sizeof *as);
    for (int a = 0; a < nagents; a++) as[a] = make_snapshots(series, rounds, per);
    engine *e = engine_new();
    char err[256];
    engine_add_submetric(e, M_HTTP_REQ_DURATION, "expected_response:true", err, sizeof err);
    engine_enable_breakdown(e);
    ingest *g = ingest_new(e, nagents, 0);
    size_t bytes = 0;
    int64_t t_first = 0, t_rest = 0;
    for (int r = 0; r < rounds; r++) {
        int64_t t0 = clock_now_ns();
        for (int a = 0; a < nagents; a++) {
            if (ingest_snapshot(g, a, as[a].snap[r].p, as[a].snap[r].len, err, sizeof err) < 0) {
                fprintf(stderr, "bench: %s\n", err);
                exit(1);
            }
            if (r) bytes += as[a].snap[r].len;
        }
        int64_t dt = clock_now_ns() - t0;
        if (r == 0) t_first = dt;
        else t_rest += dt;
    }
    double round_ms = (double)t_rest / (rounds - 1) / 1e6;
    double per_s = (double)nagents * series / (round_ms / 1e3);
    printf("ingest: %d agents x %d series, %3d samples/series/snapshot (Trends %s): first round %.1f ms (tag sets), "
           "then %.2f ms per round (%zu KB/agent) = %.2f M series merged/s on one core\n",
           nagents, series, per, per > 256 ? "bucketed" : "exact", (double)t_first / 1e6, round_ms,
           bytes / (size_t)(rounds - 1) / (size_t)nagents / 1024, per_s / 1e6);
    printf("        agent side: %.2f ms to write a snapshot of %d series (and empty them)\n",
           (double)as[0].write_ns / (rounds - 1) / 1e6, series);
    ingest_free(g);
    engine_free(e);
    for (int a = 0; a < nagents; a++) {
        for (int r = 0; r < rounds; r++) buf_free(&as[a].snap[r]);
        free(as[a].snap);
    }
    free(as);
}

int main(void) {
    registry_init();
    make_values();
    const char *env = getenv("C6_BENCH_SERIES");
    int series = env && atoi(env) > 0 ? atoi(env) : 10000;
    env = getenv("C6_BENCH_AGENTS");
    int agents = env && atoi(env) > 0 ? atoi(env) : 4;
    int requests = 200000, urls = getenv("C6_BENCH_URLS") ? atoi(getenv("C6_BENCH_URLS")) : 50;
    double off = drain_ns_per_sample(false, requests, urls), on = drain_ns_per_sample(true, requests, urls);
    printf("agent drain : %.1f ns/sample without series, %.1f ns/sample with (+%.1f ns), %d URLs x 11 metrics\n", off,
           on, on - off, urls);
    bench_ingest(agents, series, 1, 6);
    bench_ingest(agents, series, 40, 6);
    bench_ingest(agents, series, 300, 4);
    registry_free();
    return 0;
}
