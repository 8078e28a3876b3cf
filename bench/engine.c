/* Metrics engine benchmark: how many samples per second the engine ingests
 * on one core (a producer thread pushes HTTP-like samples into a worker
 * buffer while the main thread drains), alone and feeding the JSON and CSV
 * outputs (written to /dev/null; a tenth of the requests), and the memory of a Trend after 10^7
 * samples. Built and run by `make bench-metrics`. */
#include <math.h>
#include <stdbool.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include "metrics/engine.h"
#include "metrics/histogram.h"
#include "metrics/registry.h"
#include "output/csv.h"
#include "output/json.h"
#include "util/clock.h"

#define N_REQUESTS 2000000 /* 11 samples each, as http.get makes */

#define BENCH_ADD_OUTPUTS(e, j, c)                                                                                     \
    (engine_add_listener(e, json_output_ops.sample, j), engine_add_listener(e, csv_output_ops.sample, c))

static sample_buf sbuf;
static atomic_int producer_done;
static int n_requests; /* of the current run */

static void *producer(void *arg) {
    (void)arg;
    char url[64];
    for (int i = 0; i < n_requests; i++) {
        snprintf(url, sizeof url, "http://127.0.0.1/item/%d", i % 50); /* 50 distinct URLs */
        tag_kv kv[6] = {{"method", "GET"}, {"url", url},  {"name", url},
                        {"status", "200"}, {"group", ""}, {"scenario", "default"}};
        uint32_t tags = tagdict_intern(sbuf.tags, kv, 6);
        int64_t now = clock_now_us();
        for (int m = M_HTTP_REQS; m <= M_HTTP_REQ_FAILED; m++)
            sample_push(&sbuf, m, tags, (double)(i % 1000) / 7.0, now);
        sample_push(&sbuf, M_DATA_SENT, tags, 100, now);
        sample_push(&sbuf, M_DATA_RECEIVED, tags, 300, now);
    }
    sample_buf_flush(&sbuf);
    atomic_store(&producer_done, 1);
    return NULL;
}

static double lognormal(void) {
    double u1 = (rand() + 1.0) / (RAND_MAX + 2.0), u2 = (rand() + 1.0) / (RAND_MAX + 2.0);
    return exp(log(120.0) + sqrt(-2 * log(u1)) * cos(2 * M_PI * u2));
}

/* Drains the producer's samples into an engine, with the JSON and CSV
 * outputs listening when `outputs` is set; returns the samples seen. */
static uint64_t bench_engine(const char *label, bool outputs, int requests) {
    n_requests = requests;
    sample_buf_init(&sbuf);
    atomic_store(&producer_done, 0);
    engine *e = engine_new();
    engine_add_source(e, &sbuf);
    char err[128];
    engine_add_submetric(e, M_HTTP_REQ_DURATION, "expected_response:true", err, sizeof err);
    json_output *j = NULL;
    csv_output *c = NULL;
    if (outputs) {
        int64_t mono0 = clock_now_ns(), wall0 = clock_wall_ns();
        j = json_output_open("/dev/null", mono0, wall0, err, sizeof err);
        c = csv_output_open("/dev/null", mono0, wall0, err, sizeof err);
        if (!j || !c) {
            fprintf(stderr, "bench: %s\n", err);
            exit(1);
        }
        BENCH_ADD_OUTPUTS(e, j, c);
    }
    pthread_t t;
    int64_t t0 = clock_now_us();
    pthread_create(&t, NULL, producer, NULL);
    while (!atomic_load(&producer_done)) engine_drain(e);
    pthread_join(t, NULL);
    engine_drain(e);
    double secs = (double)(clock_now_us() - t0) / 1e6;
    uint64_t seen = engine_samples_seen(e);
    printf("%-12s: %llu samples in %.2f s = %.1f M samples/s (%.0f requests/s of 11 samples)\n", label,
           (unsigned long long)seen, secs, (double)seen / secs / 1e6, (double)seen / 11 / secs);
    json_output_close(j, err, sizeof err);
    csv_output_close(c, err, sizeof err);
    engine_free(e);
    sample_buf_destroy(&sbuf);
    return seen;
}

int main(void) {
    registry_init();
    /* C6_BENCH_REQUESTS scales the runs down (for callgrind: --toggle-collect=engine_drain) */
    const char *env = getenv("C6_BENCH_REQUESTS");
    int n = env && atoi(env) > 0 ? atoi(env) : N_REQUESTS;
    uint64_t seen = bench_engine("engine", false, n);
    uint64_t seen_out = bench_engine("+json+csv", true, n / 10);
    histogram *h = hist_new();
    int64_t t1 = clock_now_us();
    for (int i = 0; i < 10000000; i++) hist_add(h, lognormal());
    printf("trend 1e7   : %zu bytes after 10^7 log-normal samples (p(95)=%.2f, %.1f ns/add incl. RNG)\n", hist_bytes(h),
           hist_percentile(h, 95), (double)(clock_now_us() - t1) * 1000.0 / 1e7);
    hist_free(h);
    registry_free();
    return seen == (uint64_t)n * 11 && seen_out == (uint64_t)(n / 10) * 11 ? 0 : 1;
}
