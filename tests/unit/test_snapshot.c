/* Distributed metrics: the same random sample stream fed (a) into one
 * engine and (b) split over 2-4 agents (an engine each, with the series
 * aggregator as listener), snapshotted at random points, encoded, decoded
 * and merged into a coordinator engine (metrics/ingest.c). Every sink,
 * sub-metric, check, group, breakdown node and the summary text must be
 * identical: counters and rates exactly, Trends with the same count, min,
 * max, sum and every percentile (the same histogram buckets; values are
 * multiples of 1/16, so sums do not depend on the order of additions).
 * Then malformed snapshots: truncated, garbage, another version, out of
 * order, undefined references: a clean error and nothing merged. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "metrics/engine.h"
#include "metrics/ingest.h"
#include "metrics/registry.h"
#include "metrics/samples.h"
#include "metrics/series.h"
#include "metrics/snapshot.h"
#include "output/summary.h"
#include "output/summary_json.h"
#include "util/log.h"

static uint64_t rng_state;
static uint64_t rnd(void) { /* xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1DULL;
}
static uint32_t rnd_below(uint32_t n) { return (uint32_t)(rnd() % n); }

static int m_counter, m_gauge, m_rate, m_trend;

static int setup(void **state) {
    (void)state;
    registry_init();
    char err[256];
    m_counter = registry_get_or_add("my_counter", METRIC_COUNTER, VALUE_DEFAULT, err, sizeof err);
    m_gauge = registry_get_or_add("my_gauge", METRIC_GAUGE, VALUE_DEFAULT, err, sizeof err);
    m_rate = registry_get_or_add("my_rate", METRIC_RATE, VALUE_DEFAULT, err, sizeof err);
    m_trend = registry_get_or_add("my_trend", METRIC_TREND, VALUE_TIME, err, sizeof err);
    return m_counter < 0 || m_gauge < 0 || m_rate < 0 || m_trend < 0;
}

static int teardown(void **state) {
    (void)state;
    registry_free();
    return 0;
}

/* ---- the stream ---- */

typedef struct ser {
    int metric;
    const char *scenario, *group, *status, *check;
} ser;
#define MAX_SER 512
static ser sers[MAX_SER];
static int nsers;

static const char *scenarios[] = {"default", "sc1", "sc2"};
static const char *groups[] = {"", "::g1", "::g1::g2", "::g3"};
static const char *statuses[] = {"200", "404"};
static const char *checks[] = {"status is 200", "body ok"};

static void make_series(void) {
    nsers = 0;
    int plain[] = {M_HTTP_REQS, M_HTTP_REQ_DURATION, M_HTTP_REQ_FAILED, 0, 0, 0, 0};
    plain[3] = m_counter;
    plain[4] = m_gauge;
    plain[5] = m_rate;
    plain[6] = m_trend;
    for (int s = 0; s < 3; s++)
        for (int g = 0; g < 4; g++) {
            for (int m = 0; m < 7; m++)
                for (int st = 0; st < 2; st++)
                    if (rnd_below(3)) sers[nsers++] = (ser){plain[m], scenarios[s], groups[g], statuses[st], NULL};
            for (int c = 0; c < 2; c++) sers[nsers++] = (ser){M_CHECKS, scenarios[s], groups[g], NULL, checks[c]};
            if (g) sers[nsers++] = (ser){M_GROUP_DURATION, scenarios[s], groups[g], NULL, NULL};
            sers[nsers++] = (ser){M_ITERATIONS, scenarios[s], "", NULL, NULL};
        }
}

static uint32_t intern(sample_buf *b, const ser *x) {
    tag_kv kv[4];
    size_t n = 0;
    kv[n++] = (tag_kv){"scenario", x->scenario};
    kv[n++] = (tag_kv){"group", x->group};
    if (x->status) kv[n++] = (tag_kv){"status", x->status};
    if (x->check) kv[n++] = (tag_kv){"check", x->check};
    return tagdict_intern(b->tags, kv, n);
}

static double value_for(int metric) {
    metric_type t = registry_get(metric)->type;
    switch (t) {
    case METRIC_COUNTER: return (double)(1 + rnd_below(5));
    case METRIC_GAUGE: return ((double)rnd_below(2001) - 1000) / 16;
    case METRIC_RATE: return rnd_below(4) ? 1 : 0;
    case METRIC_TREND: return (double)rnd_below(800000) / 16 + (rnd_below(50) ? 0 : -3);
    }
    return 0;
}

/* ---- one side of the comparison ---- */

static int buckets_merged; /* bucketed Trend deltas sent */

typedef struct agent {
    sample_buf buf;
    engine *e;
    series_set *ss;
    snapshot_writer *w;
    int64_t seq_sent;
} agent;

static const char *subs[] = {
    "http_req_duration", "status:200",     "http_req_duration",
    "scenario:sc1",      "my_gauge",       "status:404",
    "my_counter",        "group:::g1",     "checks",
    "check:body ok",     "my_rate",        "status:200,scenario:default",
    "my_trend",          "group:::g1::g2", "http_req_failed",
    "scenario:sc2",
};

static void add_subs(engine *e) {
    char err[256];
    for (size_t i = 0; i < sizeof subs / sizeof *subs; i += 2)
        assert_true(engine_add_submetric(e, registry_find(subs[i]), subs[i + 1], err, sizeof err) >= 0);
    engine_enable_breakdown(e);
}

static int count_bucketed(void *ctx, uint32_t metric, uint32_t tag, const sink_parts *p, int64_t t_ns, char *err,
                          size_t errlen) {
    (void)ctx;
    (void)metric;
    (void)tag;
    (void)t_ns;
    (void)err;
    (void)errlen;
    if (p->type == METRIC_TREND && p->u.trend.bucketed) buckets_merged++;
    return 0;
}

static void snapshot_agent(agent *a, ingest *g, int idx, uint64_t *bytes) {
    sample_buf_flush(&a->buf);
    engine_drain(a->e);
    buf out = {0};
    assert_int_equal(snapshot_write(a->w, a->ss, &out), 0);
    char err[256];
    static const snapshot_handler count = {NULL, NULL, NULL, count_bucketed};
    snapshot_scratch sc = {0};
    assert_int_equal(snapshot_decode(out.p, out.len, &count, NULL, &sc, err, sizeof err), 0);
    snapshot_scratch_free(&sc);
    int rc = ingest_snapshot(g, idx, out.p, out.len, err, sizeof err);
    if (rc) fail_msg("ingest: %s", err);
    *bytes += out.len;
    buf_free(&out);
}

/* ---- comparing ---- */

static void percentiles_equal(const histogram *a, const histogram *b) {
    assert_int_equal(hist_count(a), hist_count(b));
    assert_true(hist_min(a) == hist_min(b));
    assert_true(hist_max(a) == hist_max(b));
    assert_true(hist_sum(a) == hist_sum(b));
    for (double p = 0; p <= 100; p += 0.5) assert_true(hist_percentile(a, p) == hist_percentile(b, p));
    assert_true(hist_percentile(a, 99.9) == hist_percentile(b, 99.9));
}

static void sinks_equal(const sink *a, const sink *b, bool gauge_n) {
    if (!a || !b) {
        assert_true(a == b);
        return;
    }
    assert_int_equal(a->type, b->type);
    switch (a->type) {
    case METRIC_COUNTER:
        assert_true(a->u.counter.sum == b->u.counter.sum);
        assert_int_equal(a->u.counter.n, b->u.counter.n);
        break;
    case METRIC_GAUGE:
        assert_true(a->u.gauge.value == b->u.gauge.value);
        assert_true(a->u.gauge.min == b->u.gauge.min);
        assert_true(a->u.gauge.max == b->u.gauge.max);
        if (gauge_n) assert_int_equal(a->u.gauge.n, b->u.gauge.n);
        break;
    case METRIC_RATE:
        assert_int_equal(a->u.rate.nonzero, b->u.rate.nonzero);
        assert_int_equal(a->u.rate.total, b->u.rate.total);
        break;
    case METRIC_TREND: percentiles_equal(a->u.trend.h, b->u.trend.h); break;
    }
}

static void checks_equal(const engine_check *a, size_t na, const engine_check *b, size_t nb) {
    assert_int_equal(na, nb);
    for (size_t i = 0; i < na; i++) {
        assert_string_equal(a[i].name, b[i].name);
        if (a[i].group || b[i].group) assert_string_equal(a[i].group, b[i].group);
        assert_int_equal(a[i].passes, b[i].passes);
        assert_int_equal(a[i].fails, b[i].fails);
    }
}

static void nodes_equal(const engine_node *a, const engine_node *b) {
    assert_string_equal(engine_node_name(a), engine_node_name(b));
    const engine_node_metric *ma, *mb;
    size_t na = engine_node_metrics(a, &ma), nb = engine_node_metrics(b, &mb);
    assert_int_equal(na, nb);
    for (size_t i = 0; i < na; i++) {
        assert_int_equal(ma[i].metric, mb[i].metric);
        sinks_equal(&ma[i].sink, &mb[i].sink, true);
    }
    const engine_check *ca, *cb;
    na = engine_node_checks(a, &ca);
    nb = engine_node_checks(b, &cb);
    checks_equal(ca, na, cb, nb);
    const engine_node *const *ka, *const *kb;
    na = engine_node_children(a, &ka);
    nb = engine_node_children(b, &kb);
    assert_int_equal(na, nb);
    for (size_t i = 0; i < na; i++) nodes_equal(ka[i], kb[i]);
}

/* The end-of-test summary, full mode, as `c6 run` gathers it from an
 * engine, then handleSummary's data object (--summary-export's source)
 * after it, in one string. */
static char *summary_text(const engine *e) {
    int n = registry_count(), nsub = engine_submetric_count(e);
    summary_metric *ms = calloc((size_t)(n + nsub), sizeof *ms);
    size_t nm = 0;
    for (int i = 0; i < n; i++) {
        const metric_def *d = registry_get(i);
        if (engine_sink(e, i)) ms[nm++] = (summary_metric){d->name, d->type, d->kind, engine_sink(e, i)};
    }
    for (int i = 0; i < nsub; i++) {
        const metric_def *d = registry_get(engine_submetric_parent(e, i));
        if (engine_submetric_sink(e, i))
            ms[nm++] = (summary_metric){engine_submetric_name(e, i), d->type, d->kind, engine_submetric_sink(e, i)};
    }
    const engine_check *ec;
    size_t nc = engine_checks(e, &ec);
    summary_check *cs = calloc(nc + 1, sizeof *cs);
    for (size_t i = 0; i < nc; i++) cs[i] = (summary_check){ec[i].name, ec[i].group, ec[i].passes, ec[i].fails};
    const engine_node *const *nodes;
    size_t ng = engine_node_children(engine_group_root(e), &nodes);
    summary_group *gs = summary_groups_from_engine(nodes, ng);
    size_t ns = engine_scenarios(e, &nodes);
    summary_group *ss = summary_groups_from_engine(nodes, ns);
    summary_data d;
    memset(&d, 0, sizeof d);
    d.metrics = ms;
    d.nmetrics = nm;
    d.checks = cs;
    d.nchecks = nc;
    d.duration_s = 10;
    d.full = true;
    d.groups = gs;
    d.ngroups = ng;
    d.scenarios = ss;
    d.nscenarios = ns;
    d.ngroup_paths = engine_groups(e, &d.group_paths);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    summary_render(f, &d);
    summary_json_state st = {false, false, true, ""};
    char *json = summary_json(&d, &st);
    assert_non_null(json);
    fputs(json, f);
    free(json);
    fclose(f);
    summary_groups_free(gs, ng);
    summary_groups_free(ss, ns);
    free(cs);
    free(ms);
    return text;
}

static void engines_equal(const engine *a, const engine *b) {
    for (int m = 0; m < registry_count(); m++)
        sinks_equal(engine_sink(a, m), engine_sink(b, m), m != M_VUS && m != M_VUS_MAX);
    assert_int_equal(engine_submetric_count(a), engine_submetric_count(b));
    for (int i = 0; i < engine_submetric_count(a); i++) {
        assert_string_equal(engine_submetric_name(a, i), engine_submetric_name(b, i));
        sinks_equal(engine_submetric_sink(a, i), engine_submetric_sink(b, i), true);
    }
    const engine_check *ca, *cb;
    size_t na = engine_checks(a, &ca), nb = engine_checks(b, &cb);
    assert_true(na > 0);
    checks_equal(ca, na, cb, nb);
    const char *const *ga, *const *gb;
    na = engine_groups(a, &ga);
    nb = engine_groups(b, &gb);
    assert_int_equal(na, 3);
    assert_int_equal(na, nb);
    for (size_t i = 0; i < na; i++) assert_string_equal(ga[i], gb[i]);
    nodes_equal(engine_group_root(a), engine_group_root(b));
    const engine_node *const *sa, *const *sb;
    na = engine_scenarios(a, &sa);
    nb = engine_scenarios(b, &sb);
    assert_int_equal(na, 2);
    assert_int_equal(na, nb);
    for (size_t i = 0; i < na; i++) nodes_equal(sa[i], sb[i]);
    char *ta = summary_text(a), *tb = summary_text(b);
    assert_non_null(strstr(ta, "SCENARIO: sc1"));
    if (getenv("SNAP_DUMP")) fputs(ta, stderr);
    assert_non_null(strstr(ta, "GROUP: g1"));
    assert_non_null(strstr(ta, "\"root_group\""));
    assert_non_null(strstr(ta, "✗ body ok"));
    assert_string_equal(ta, tb);
    free(ta);
    free(tb);
}

/* One run of the comparison with a seed: nagents agents, nsamples samples. */
static void run_split(uint64_t seed, int nagents, int nsamples, int tick_every) {
    rng_state = seed;
    make_series();
    sample_buf one;
    sample_buf_init(&one);
    engine *single = engine_new();
    engine_add_source(single, &one);
    add_subs(single);

    engine *coord = engine_new();
    add_subs(coord);
    ingest *g = ingest_new(coord, nagents, 0);
    assert_non_null(g);
    agent ag[4];
    for (int i = 0; i < nagents; i++) {
        sample_buf_init(&ag[i].buf);
        ag[i].e = engine_new();
        engine_add_source(ag[i].e, &ag[i].buf);
        ag[i].ss = series_new(100000, 0);
        ag[i].w = snapshot_writer_new();
        assert_non_null(ag[i].ss);
        assert_int_equal(engine_add_listener(ag[i].e, series_listener, ag[i].ss), 0);
    }
    int64_t t = 1000;
    uint64_t bytes = 0;
    int hot = 0;
    while (sers[hot].metric != M_HTTP_REQ_DURATION) hot++;
    int nsnap = 0;
    /* every series once, in a random order, on agent 0: first-seen orders
     * (checks, groups, the breakdown) are then the same on both sides */
    int order[MAX_SER];
    for (int i = 0; i < nsers; i++) order[i] = i;
    for (int i = nsers - 1; i > 0; i--) {
        int j = (int)rnd_below((uint32_t)i + 1), x = order[i];
        order[i] = order[j];
        order[j] = x;
    }
    for (int i = 0; i < nsers; i++) {
        const ser *x = &sers[order[i]];
        double v = value_for(x->metric);
        sample_push(&one, x->metric, intern(&one, x), v, t);
        sample_push(&ag[0].buf, x->metric, intern(&ag[0].buf, x), v, t);
        t += 1000;
    }
    snapshot_agent(&ag[0], g, 0, &bytes);
    nsnap++;
    /* then samples on random agents, snapshots at random points; vus and
     * vus_max ticks on every agent (ramping together: up, then down), their
     * sums in the single engine */
    int tick = 0;
    for (int i = 0; i < nsamples; i++) {
        if (i % tick_every == 0) {
            int shape = tick < 8 ? tick : 16 - tick > 0 ? 16 - tick : 0;
            double total = 0, total_max = 0;
            for (int a = 0; a < nagents; a++) {
                uint32_t none = tagdict_intern(ag[a].buf.tags, NULL, 0);
                double v = 2 + a + shape * (a + 1), vmax = 40 + a;
                sample_push(&ag[a].buf, M_VUS, none, v, t);
                sample_push(&ag[a].buf, M_VUS_MAX, none, vmax, t);
                total += v;
                total_max += vmax;
            }
            uint32_t none = tagdict_intern(one.tags, NULL, 0);
            sample_push(&one, M_VUS, none, total, t);
            sample_push(&one, M_VUS_MAX, none, total_max, t);
            t += 1000;
            tick++;
            /* agents snapshot at each of their vus ticks (once a second, as
             * c6 samples vus): the coordinator's vus min and max are those
             * of the sums it sees at its snapshots */
            for (int a = 0; a < nagents; a++) {
                snapshot_agent(&ag[a], g, a, &bytes);
                nsnap++;
            }
        }
        const ser *x = &sers[rnd_below((uint32_t)nsers)];
        /* one Trend series gets half the samples, so that deltas of more
         * than 256 samples go as buckets */
        if (rnd_below(2) == 0) x = &sers[hot];
        double v = value_for(x->metric);
        int a = (int)rnd_below((uint32_t)nagents);
        sample_push(&one, x->metric, intern(&one, x), v, t);
        sample_push(&ag[a].buf, x->metric, intern(&ag[a].buf, x), v, t);
        t += 1000;
        if (rnd_below((uint32_t)tick_every * 2) == 0) {
            int k = (int)rnd_below((uint32_t)nagents);
            snapshot_agent(&ag[k], g, k, &bytes);
            nsnap++;
        }
    }
    for (int a = 0; a < nagents; a++) {
        snapshot_agent(&ag[a], g, a, &bytes);
        nsnap++;
    }
    sample_buf_flush(&one);
    engine_drain(single);
    engines_equal(single, coord);
    assert_true(ingest_series_merged(g) > (uint64_t)nsers);
    print_message("seed %llu: %d agents, %d samples, %d series, %d snapshots, %llu bytes\n", (unsigned long long)seed,
                  nagents, nsamples, nsers, nsnap, (unsigned long long)bytes);
    for (int i = 0; i < nagents; i++) {
        assert_null(series_error(ag[i].ss));
        series_free(ag[i].ss);
        snapshot_writer_free(ag[i].w);
        engine_free(ag[i].e);
        sample_buf_destroy(&ag[i].buf);
    }
    ingest_free(g);
    engine_free(coord);
    engine_free(single);
    sample_buf_destroy(&one);
}

static void test_split_equals_single(void **state) {
    (void)state;
    buckets_merged = 0;
    for (uint64_t seed = 1; seed <= 6; seed++)
        run_split(seed * 0x9E3779B97F4A7C15ULL, 2 + (int)(seed % 3), 30000, seed % 2 ? 997 : 4001);
    print_message("%d bucketed Trend deltas merged\n", buckets_merged);
    assert_true(buckets_merged > 0);
}

/* Few samples: every Trend stays exact (<= 256 samples) on both sides. */
static void test_split_small(void **state) {
    (void)state;
    run_split(42, 3, 200, 997);
}

/* ---- malformed snapshots ---- */

/* One agent's first snapshot of a few series, in *out. */
static void small_snapshot(buf *out, buf *second) {
    sample_buf b;
    sample_buf_init(&b);
    engine *e = engine_new();
    engine_add_source(e, &b);
    series_set *ss = series_new(1000, 0);
    snapshot_writer *w = snapshot_writer_new();
    engine_add_listener(e, series_listener, ss);
    ser x = {M_HTTP_REQ_DURATION, "default", "::g1", "200", NULL}, c = {M_CHECKS, "default", "", NULL, "ok"};
    ser gx = {m_gauge, "sc1", "", "404", NULL}, cx = {m_counter, "default", "", NULL, NULL};
    for (int i = 0; i < 300; i++) sample_push(&b, M_HTTP_REQ_DURATION, intern(&b, &x), i * 0.25, i);
    sample_push(&b, M_CHECKS, intern(&b, &c), 1, 400);
    sample_push(&b, m_gauge, intern(&b, &gx), -2.5, 401);
    sample_push(&b, m_counter, intern(&b, &cx), 3, 402);
    sample_buf_flush(&b);
    engine_drain(e);
    assert_int_equal(snapshot_write(w, ss, out), 0);
    sample_push(&b, M_CHECKS, intern(&b, &c), 0, 500);
    sample_buf_flush(&b);
    engine_drain(e);
    assert_int_equal(snapshot_write(w, ss, second), 0);
    snapshot_writer_free(w);
    series_free(ss);
    engine_free(e);
    sample_buf_destroy(&b);
}

static uint64_t checks_total(const engine *e) {
    const sink *s = engine_sink(e, M_CHECKS);
    return s ? s->u.rate.total : 0;
}

/* The coordinator's distinct time series (the test-run service's
 * --max-time-series): a (metric, tag set) pair once, whichever agents sent
 * it and however often; the same tag set from two agents is one. */
static void test_series_count(void **state) {
    (void)state;
    buf good = {0}, second = {0};
    small_snapshot(&good, &second); /* 4 series: http_req_duration, checks, a gauge, a counter */
    engine *e = engine_new();
    ingest *g = ingest_new(e, 2, 0);
    char err[256];
    assert_int_equal(ingest_series_count(g), 0);
    assert_int_equal(ingest_snapshot(g, 0, good.p, good.len, err, sizeof err), 0);
    assert_int_equal(ingest_series_count(g), 4);
    assert_int_equal(ingest_snapshot(g, 0, second.p, second.len, err, sizeof err), 0); /* checks again */
    assert_int_equal(ingest_series_count(g), 4);
    assert_int_equal(ingest_snapshot(g, 1, good.p, good.len, err, sizeof err), 0); /* the same sets, agent 2 */
    assert_int_equal(ingest_series_count(g), 4);
    ingest_free(g);
    engine_free(e);
    buf_free(&good);
    buf_free(&second);
}

static void test_truncated_and_garbage(void **state) {
    (void)state;
    buf good = {0}, second = {0};
    small_snapshot(&good, &second);
    engine *e = engine_new();
    engine_enable_breakdown(e);
    ingest *g = ingest_new(e, 2, 0);
    char err[256];
    /* every truncation: an error, nothing merged */
    for (size_t n = 0; n < good.len; n++) {
        char *copy = malloc(n ? n : 1); /* exactly n bytes, so ASan sees any read past them */
        memcpy(copy, good.p, n);
        err[0] = 0;
        assert_int_equal(ingest_snapshot(g, 0, copy, n, err, sizeof err), -1);
        assert_true(strncmp(err, "metrics snapshot", 16) == 0);
        free(copy);
    }
    assert_null(engine_sink(e, M_HTTP_REQ_DURATION));
    /* another version: refused by name */
    char *v2 = malloc(good.len);
    memcpy(v2, good.p, good.len);
    v2[4] = 2;
    assert_int_equal(ingest_snapshot(g, 0, v2, good.len, err, sizeof err), -1);
    assert_non_null(strstr(err, "version 2"));
    free(v2);
    /* not a snapshot */
    assert_int_equal(ingest_snapshot(g, 0, "GET / HTTP/1.1\r\n", 16, err, sizeof err), -1);
    assert_non_null(strstr(err, "not a c6 metrics snapshot"));
    /* a trailing byte (the body length no longer matches) */
    buf longer = {0};
    buf_append(&longer, good.p, good.len);
    buf_append(&longer, "x", 1);
    assert_int_equal(ingest_snapshot(g, 0, longer.p, longer.len, err, sizeof err), -1);
    buf_free(&longer);
    /* the second snapshot first: out of order (and its tag sets unknown) */
    assert_int_equal(ingest_snapshot(g, 0, second.p, second.len, err, sizeof err), -1);
    /* an agent that does not exist */
    assert_int_equal(ingest_snapshot(g, 2, good.p, good.len, err, sizeof err), -1);
    assert_null(engine_sink(e, M_CHECKS));
    /* random byte flips: no crash (ASan), an error or a snapshot that
     * decodes; checked on a throwaway coordinator */
    rng_state = 7;
    for (int i = 0; i < 3000; i++) {
        engine *te = engine_new();
        ingest *tg = ingest_new(te, 1, 1000);
        char *copy = malloc(good.len);
        memcpy(copy, good.p, good.len);
        int flips = 1 + (int)rnd_below(4);
        for (int k = 0; k < flips; k++) copy[rnd_below((uint32_t)good.len)] ^= (char)(1 + rnd_below(255));
        if (ingest_snapshot(tg, 0, copy, good.len, err, sizeof err) < 0) assert_true(err[0] != 0);
        free(copy);
        ingest_free(tg);
        engine_free(te);
    }
    /* the real ones, in order, still merge */
    assert_int_equal(ingest_snapshot(g, 0, good.p, good.len, err, sizeof err), 0);
    assert_int_equal(checks_total(e), 1);
    assert_int_equal(ingest_snapshot(g, 0, good.p, good.len, err, sizeof err), -1); /* replayed */
    assert_non_null(strstr(err, "expected 2"));
    assert_int_equal(ingest_snapshot(g, 0, second.p, second.len, err, sizeof err), 0);
    assert_int_equal(checks_total(e), 2);
    const sink *d = engine_sink(e, M_HTTP_REQ_DURATION);
    assert_non_null(d);
    assert_int_equal(hist_count(d->u.trend.h), 300);
    assert_true(hist_max(d->u.trend.h) == 299 * 0.25);
    const sink *gs = engine_sink(e, m_gauge);
    assert_true(gs && gs->u.gauge.value == -2.5);
    /* agent 1 sends the same snapshot: its own tag sets and sequence */
    assert_int_equal(ingest_snapshot(g, 1, good.p, good.len, err, sizeof err), 0);
    assert_int_equal(hist_count(engine_sink(e, M_HTTP_REQ_DURATION)->u.trend.h), 600);
    ingest_free(g);
    engine_free(e);
    buf_free(&good);
    buf_free(&second);
}

/* Hand-made snapshots with references to what was never defined. */
static void put(buf *b, const char *bytes, size_t n) { buf_append(b, bytes, n); }
#define PUT(b, lit) put(b, lit, sizeof lit - 1)

static void frame(buf *out, const buf *body, int version) {
    char head[6] = {'C', '6', 'S', 'N', (char)version, (char)body->len};
    assert_true(body->len < 128);
    put(out, head, 6);
    put(out, body->p, body->len);
}

static void test_undefined_references(void **state) {
    (void)state;
    engine *e = engine_new();
    ingest *g = ingest_new(e, 1, 4);
    char err[256];
    /* seq 1, no metrics, no tags, one Counter series of metric 3 */
    buf body = {0}, s = {0};
    PUT(&body, "\x01\x00\x00\x00\x01\x03\x00\x00\x01");
    PUT(&body, "\x00\x00\x00\x00\x00\x00\xf0\x3f");
    frame(&s, &body, 1);
    assert_int_equal(ingest_snapshot(g, 0, s.p, s.len, err, sizeof err), -1);
    assert_non_null(strstr(err, "undefined metric"));
    /* the metric defined (as http_reqs, a counter) but not the tag set */
    buf_clear(&body);
    body.len = 0;
    buf_clear(&s);
    s.len = 0;
    PUT(&body, "\x01\x01\x03\x00\x00\x09http_reqs\x00\x00\x01\x03\x00\x00\x01");
    PUT(&body, "\x00\x00\x00\x00\x00\x00\xf0\x3f");
    frame(&s, &body, 1);
    assert_int_equal(ingest_snapshot(g, 0, s.p, s.len, err, sizeof err), -1);
    assert_non_null(strstr(err, "undefined tag set"));
    /* with the tag set: merged */
    buf_clear(&body);
    body.len = 0;
    buf_clear(&s);
    s.len = 0;
    PUT(&body, "\x01\x01\x03\x00\x00\x09http_reqs\x00\x01\x00\x01\x03\x00\x00\x01");
    PUT(&body, "\x00\x00\x00\x00\x00\x00\xf0\x3f");
    frame(&s, &body, 1);
    assert_int_equal(ingest_snapshot(g, 0, s.p, s.len, err, sizeof err), 0);
    assert_true(engine_sink(e, M_HTTP_REQS)->u.counter.sum == 1);
    /* a type clash: metric 3 redefined as a trend "http_reqs" */
    buf_clear(&body);
    body.len = 0;
    buf_clear(&s);
    s.len = 0;
    PUT(&body, "\x02\x01\x03\x03\x00\x09http_reqs\x01\x00\x00");
    frame(&s, &body, 1);
    assert_int_equal(ingest_snapshot(g, 0, s.p, s.len, err, sizeof err), -1);
    assert_non_null(strstr(err, "already exists"));
    /* a Rate with more non-zero samples than samples; tag ids out of order; too many tag sets */
#define LIT(x)                                                                                                         \
    { x, sizeof x - 1 }
    static const struct {
        const char *p;
        size_t n;
    } bad[] = {
        LIT("\x02\x01\x08\x02\x00\x0fhttp_req_failed\x00\x00\x01\x08\x00\x02\x01\x02"),
        LIT("\x02\x00\x05\x01\x00\x00"),
        LIT("\x02\x00\x01\x05\x00\x00\x00\x00\x00\x00"),
    };
    const char *why[] = {"non-zero", "tag set 5 where 1", "too many time series"};
    for (int i = 0; i < 3; i++) {
        buf_clear(&body);
        body.len = 0;
        buf_clear(&s);
        s.len = 0;
        put(&body, bad[i].p, bad[i].n);
        frame(&s, &body, 1);
        assert_int_equal(ingest_snapshot(g, 0, s.p, s.len, err, sizeof err), -1);
        if (!strstr(err, why[i])) fail_msg("case %d: %s", i, err);
    }
    buf_free(&body);
    buf_free(&s);
    ingest_free(g);
    engine_free(e);
}

/* The series limit: k6's warning past 100,000 is logged elsewhere; past
 * the set's own maximum, samples of new series are dropped and said so. */
static void test_series_limit(void **state) {
    (void)state;
    sample_buf b;
    sample_buf_init(&b);
    series_set *ss = series_new(10, 0);
    char name[32];
    for (int i = 0; i < 15; i++) {
        snprintf(name, sizeof name, "u%d", i);
        tag_kv kv[1] = {{"url", name}};
        sample_push(&b, M_HTTP_REQS, tagdict_intern(b.tags, kv, 1), 1, i);
    }
    sample_buf_flush(&b);
    sample_chunk *c = sample_buf_take(&b);
    series_listener(ss, c->s, c->n, b.tags);
    sample_buf_recycle(&b, c);
    assert_int_equal(series_count(ss), 10);
    assert_int_equal(series_dropped(ss), 5);
    assert_non_null(series_error(ss));
    assert_non_null(strstr(series_error(ss), "too many time series"));
    series_free(ss);
    sample_buf_destroy(&b);
}

/* k6's warning past 100,000 series (metrics/engine/ingester.go: "The test
 * has generated metrics with %d unique time series, which is higher than
 * the suggested limit of %d ...", timeSeriesFirstLimit = 100000, then at
 * each doubling), once here for 100,001 series pushed in two chunks. */
static void test_series_warning(void **state) {
    (void)state;
    char path[] = "/tmp/c6-test-series-XXXXXX", err[256];
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    char spec[64];
    snprintf(spec, sizeof spec, "file=%s", path);
    assert_int_equal(log_set_output(spec, err, sizeof err), 0);
    sample_buf b;
    sample_buf_init(&b);
    series_set *ss = series_new(200000, 0);
    char name[32];
    for (int i = 0; i <= SERIES_WARN_FIRST; i++) {
        snprintf(name, sizeof name, "/item/%d", i);
        tag_kv kv[1] = {{"url", name}};
        sample_push(&b, M_HTTP_REQS, tagdict_intern(b.tags, kv, 1), 1, i);
        if (i == 60000 || i == SERIES_WARN_FIRST) {
            sample_buf_flush(&b);
            sample_chunk *c = sample_buf_take(&b);
            for (sample_chunk *k = c; k; k = k->next) series_listener(ss, k->s, k->n, b.tags);
            sample_buf_recycle(&b, c);
        }
    }
    assert_int_equal(series_count(ss), SERIES_WARN_FIRST + 1);
    assert_null(series_error(ss));
    log_set_output("stderr", err, sizeof err);
    FILE *f = fopen(path, "r");
    char text[4096] = {0};
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    unlink(path);
    text[n] = 0;
    const char *w = strstr(text, "The test has generated metrics with 100001 unique time series, which is higher "
                                 "than the suggested limit of 100000 and could cause high memory usage.");
    assert_non_null(w);
    assert_null(strstr(w + 1, "The test has generated metrics")); /* once */
    series_free(ss);
    sample_buf_destroy(&b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_split_equals_single, setup, teardown),
        cmocka_unit_test_setup_teardown(test_split_small, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncated_and_garbage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_series_count, setup, teardown),
        cmocka_unit_test_setup_teardown(test_undefined_references, setup, teardown),
        cmocka_unit_test_setup_teardown(test_series_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_series_warning, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
