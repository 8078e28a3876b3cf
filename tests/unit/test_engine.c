/* Metrics pipeline: sample buffers (chunks, flush, recycling), the engine's
 * drain into per-metric sinks and per-check counts, listeners, the registry,
 * the per-group and per-scenario breakdown, and a producer thread pushing
 * while the main thread drains. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "metrics/engine.h"
#include "metrics/histogram.h"
#include "metrics/registry.h"
#include "metrics/samples.h"
#include "metrics/sink.h"
#include "metrics/tags.h"

static int setup(void **state) {
    (void)state;
    registry_init();
    return 0;
}

static int teardown(void **state) {
    (void)state;
    registry_free();
    return 0;
}

static uint32_t tags_of(sample_buf *b, const char *k1, const char *v1, const char *k2, const char *v2) {
    tag_kv kv[2];
    size_t n = 0;
    if (k1) kv[n++] = (tag_kv){k1, v1};
    if (k2) kv[n++] = (tag_kv){k2, v2};
    return tagdict_intern(b->tags, kv, n);
}

/* What the test pushed, to compare with what the engine aggregated. */
typedef struct expect {
    double counter_sum;
    uint64_t counter_n; /* M_HTTP_REQS */
    double iter_sum;
    uint64_t iter_n; /* M_ITERATIONS */
    double gauge_last, gauge_min, gauge_max;
    uint64_t gauge_n; /* M_VUS */
    double trend_sum;
    uint64_t trend_n;             /* M_HTTP_REQ_DURATION */
    uint64_t rate_nz, rate_total; /* M_HTTP_REQ_FAILED */
    uint64_t total;
} expect;

/* Sample i goes to one of five metrics with a value derived from i. */
static void push_one(sample_buf *b, uint32_t tags, uint64_t i, expect *x) {
    double v;
    switch (i % 5) {
    case 0:
        v = (double)(i % 10);
        sample_push(b, M_HTTP_REQS, tags, v, (int64_t)i);
        x->counter_sum += v;
        x->counter_n++;
        break;
    case 1:
        sample_push(b, M_ITERATIONS, tags, 1, (int64_t)i);
        x->iter_sum += 1;
        x->iter_n++;
        break;
    case 2:
        v = (double)((i * 7919) % 1000) - 300;
        sample_push(b, M_VUS, tags, v, (int64_t)i);
        if (!x->gauge_n || v < x->gauge_min) x->gauge_min = v;
        if (!x->gauge_n || v > x->gauge_max) x->gauge_max = v;
        x->gauge_last = v;
        x->gauge_n++;
        break;
    case 3:
        v = (double)(i % 500) + 0.5;
        sample_push(b, M_HTTP_REQ_DURATION, tags, v, (int64_t)i);
        x->trend_sum += v;
        x->trend_n++;
        break;
    default:
        v = (i / 5) % 3 == 0 ? 1 : 0;
        sample_push(b, M_HTTP_REQ_FAILED, tags, v, (int64_t)i);
        x->rate_total++;
        if (v != 0) x->rate_nz++;
        break;
    }
    x->total++;
}

static void assert_engine_matches(const engine *e, const expect *x) {
    assert_int_equal(engine_samples_seen(e), x->total);
    const sink *s = engine_sink(e, M_HTTP_REQS);
    assert_non_null(s);
    assert_int_equal(s->type, METRIC_COUNTER);
    assert_int_equal(s->u.counter.n, x->counter_n);
    assert_true(s->u.counter.sum == x->counter_sum);
    s = engine_sink(e, M_ITERATIONS);
    assert_non_null(s);
    assert_int_equal(s->u.counter.n, x->iter_n);
    assert_true(s->u.counter.sum == x->iter_sum);
    s = engine_sink(e, M_VUS);
    assert_non_null(s);
    assert_int_equal(s->type, METRIC_GAUGE);
    assert_int_equal(s->u.gauge.n, x->gauge_n);
    assert_true(s->u.gauge.value == x->gauge_last);
    assert_true(s->u.gauge.min == x->gauge_min);
    assert_true(s->u.gauge.max == x->gauge_max);
    s = engine_sink(e, M_HTTP_REQ_DURATION);
    assert_non_null(s);
    assert_int_equal(s->type, METRIC_TREND);
    assert_int_equal(hist_count(s->u.trend.h), x->trend_n);
    assert_true(hist_sum(s->u.trend.h) == x->trend_sum);
    s = engine_sink(e, M_HTTP_REQ_FAILED);
    assert_non_null(s);
    assert_int_equal(s->type, METRIC_RATE);
    assert_int_equal(s->u.rate.total, x->rate_total);
    assert_int_equal(s->u.rate.nonzero, x->rate_nz);
}

static void test_push_flush_drain(void **state) {
    (void)state;
    sample_buf b;
    sample_buf_init(&b);
    uint32_t t = tags_of(&b, "group", "", NULL, NULL);
    engine *e = engine_new();
    engine_add_source(e, &b);
    engine_drain(e); /* nothing yet */
    assert_int_equal(engine_samples_seen(e), 0);
    assert_null(engine_sink(e, M_HTTP_REQS));

    expect x = {0};
    const uint64_t N = 2 * SAMPLE_CHUNK + 1000;
    for (uint64_t i = 0; i < N; i++) push_one(&b, t, i, &x);
    /* two full chunks are handed over; the third is still being filled */
    engine_drain(e);
    assert_int_equal(engine_samples_seen(e), 2 * SAMPLE_CHUNK);
    assert_int_equal(b.cur->n, 1000);
    sample_buf_flush(&b);
    assert_int_equal(b.cur->n, 0);
    engine_drain(e);
    assert_engine_matches(e, &x);
    /* a second drain without new samples changes nothing */
    engine_drain(e);
    assert_engine_matches(e, &x);
    /* flushing an empty chunk publishes nothing */
    sample_chunk *cur = b.cur;
    sample_buf_flush(&b);
    assert_ptr_equal(b.cur, cur);
    assert_null(b.full_head);
    /* never-seen metrics have no sink */
    assert_null(engine_sink(e, M_DATA_SENT));
    assert_null(engine_sink(e, M_CHECKS));
    const engine_check *ch;
    assert_int_equal(engine_checks(e, &ch), 0);
    engine_free(e);
    sample_buf_destroy(&b);
}

static void test_exact_chunk_boundary(void **state) {
    (void)state;
    sample_buf b;
    sample_buf_init(&b);
    uint32_t t = tags_of(&b, NULL, NULL, NULL, NULL);
    engine *e = engine_new();
    engine_add_source(e, &b);
    expect x = {0};
    for (uint64_t i = 0; i < SAMPLE_CHUNK; i++) push_one(&b, t, i, &x);
    engine_drain(e);
    assert_int_equal(engine_samples_seen(e), 0); /* full but not rotated yet */
    assert_int_equal(b.cur->n, SAMPLE_CHUNK);
    push_one(&b, t, SAMPLE_CHUNK, &x); /* the next push rotates */
    assert_int_equal(b.cur->n, 1);
    engine_drain(e);
    assert_int_equal(engine_samples_seen(e), SAMPLE_CHUNK);
    sample_buf_flush(&b);
    engine_drain(e);
    assert_engine_matches(e, &x);
    engine_free(e);
    sample_buf_destroy(&b);
}

static void test_chunks_recycled(void **state) {
    (void)state;
    sample_buf b;
    sample_buf_init(&b);
    uint32_t t = tags_of(&b, "a", "b", NULL, NULL);
    engine *e = engine_new();
    engine_add_source(e, &b);
    expect x = {0};
    for (uint64_t i = 0; i < 3 * SAMPLE_CHUNK; i++) push_one(&b, t, i, &x);
    sample_buf_flush(&b);
    engine_drain(e);
    assert_null(b.full_head);
    assert_null(b.full_tail);
    /* the three drained chunks are spare now and get reused */
    size_t spares = 0;
    for (sample_chunk *c = b.spare; c; c = c->next) spares++;
    assert_int_equal(spares, 3);
    sample_chunk *first_spare = b.spare;
    for (uint64_t i = 0; i < SAMPLE_CHUNK + 1; i++) push_one(&b, t, 3 * SAMPLE_CHUNK + i, &x);
    assert_ptr_equal(b.cur, first_spare);
    assert_int_equal(b.cur->n, 1); /* reset on reuse */
    sample_buf_flush(&b);
    engine_drain(e);
    assert_engine_matches(e, &x);
    engine_free(e);
    sample_buf_destroy(&b);
}

static void test_interleaved_rounds(void **state) {
    (void)state;
    sample_buf b;
    sample_buf_init(&b);
    uint32_t tg[3] = {
        tags_of(&b, "group", "", NULL, NULL),
        tags_of(&b, "group", "::g", "name", "x"),
        tags_of(&b, NULL, NULL, NULL, NULL),
    };
    engine *e = engine_new();
    engine_add_source(e, &b);
    expect x = {0};
    uint64_t i = 0;
    uint32_t rnd = 12345;
    for (int round = 0; round < 200; round++) {
        rnd = rnd * 1103515245u + 12345u;
        uint64_t n = (rnd >> 8) % 5000;
        for (uint64_t k = 0; k < n; k++, i++) push_one(&b, tg[i % 3], i, &x);
        if (round % 3 == 0) sample_buf_flush(&b);
        if (round % 2 == 0) engine_drain(e);
        /* the engine never counts more than was pushed, nor less than what
         * was handed over before the last drain */
        assert_true(engine_samples_seen(e) <= x.total);
    }
    sample_buf_flush(&b);
    engine_drain(e);
    assert_true(x.total > 200000);
    assert_engine_matches(e, &x);
    engine_free(e);
    sample_buf_destroy(&b);
}

static void test_two_buffers(void **state) {
    (void)state;
    sample_buf a, b;
    sample_buf_init(&a);
    sample_buf_init(&b);
    /* different tag dictionaries: id 0 in each means a different set */
    uint32_t ta = tags_of(&a, "group", "", NULL, NULL);
    uint32_t tb0 = tags_of(&b, "x", "y", NULL, NULL);
    uint32_t tb = tags_of(&b, "group", "", NULL, NULL);
    assert_int_equal(ta, 0);
    assert_int_equal(tb0, 0);
    engine *e = engine_new();
    engine_add_source(e, &a);
    engine_add_source(e, &b);
    expect x = {0};
    for (uint64_t i = 0; i < 10000; i++) {
        push_one(&a, ta, i, &x);
        push_one(&b, i % 2 ? tb : tb0, i + 3, &x);
        if (i % 3000 == 0) engine_drain(e);
    }
    sample_buf_flush(&a);
    engine_drain(e);
    assert_true(engine_samples_seen(e) < x.total); /* b's last chunk still pending */
    sample_buf_flush(&b);
    engine_drain(e);
    /* the gauge's "last" value depends on the drain order: check the rest */
    const sink *g = engine_sink(e, M_VUS);
    assert_non_null(g);
    x.gauge_last = g->u.gauge.value;
    assert_engine_matches(e, &x);
    engine_free(e);
    sample_buf_destroy(&a);
    sample_buf_destroy(&b);
}

static const engine_check *find_check(const engine *e, const char *name, const char *group) {
    const engine_check *c;
    size_t n = engine_checks(e, &c);
    const engine_check *found = NULL;
    for (size_t i = 0; i < n; i++)
        if (strcmp(c[i].name, name) == 0 && strcmp(c[i].group, group) == 0) {
            assert_null(found); /* one entry per (name, group) */
            found = &c[i];
        }
    return found;
}

static void test_checks(void **state) {
    (void)state;
    sample_buf a, b;
    sample_buf_init(&a);
    sample_buf_init(&b);
    /* a's dictionary gets a few unrelated sets first so ids differ from b's */
    tags_of(&a, "url", "http://x/", NULL, NULL);
    tags_of(&a, "url", "http://y/", NULL, NULL);
    uint32_t a_ok = tags_of(&a, "check", "status is 200", "group", "");
    uint32_t a_ok_g = tags_of(&a, "group", "::login", "check", "status is 200");
    uint32_t a_body = tags_of(&a, "check", "body", "group", "::login");
    uint32_t a_nogroup = tags_of(&a, "check", "no group", NULL, NULL);
    uint32_t a_plain = tags_of(&a, "group", "", NULL, NULL); /* a checks sample without check tag */
    uint32_t b_ok = tags_of(&b, "check", "status is 200", "group", "");
    uint32_t b_body = tags_of(&b, "group", "::login", "check", "body");
    engine *e = engine_new();
    engine_add_source(e, &a);
    engine_add_source(e, &b);

    uint64_t ok_p = 0, ok_f = 0, okg_p = 0, okg_f = 0, body_p = 0, body_f = 0, ng_p = 0, ng_f = 0;
    uint64_t rate_total = 0, rate_nz = 0;
    for (uint64_t i = 0; i < 3 * SAMPLE_CHUNK + 77; i++) {
        double pass = (i % 7) < 4 ? 1 : 0;
        double passv = pass != 0 ? (double)((i / 6) % 3) + 1 : 0; /* any non-zero value passes */
        switch (i % 6) {
        case 0:
            sample_push(&a, M_CHECKS, a_ok, passv, 0);
            if (pass) ok_p++;
            else ok_f++;
            break;
        case 1:
            sample_push(&b, M_CHECKS, b_ok, pass, 0);
            if (pass) ok_p++;
            else ok_f++;
            break;
        case 2:
            sample_push(&a, M_CHECKS, a_ok_g, pass, 0);
            if (pass) okg_p++;
            else okg_f++;
            break;
        case 3:
            sample_push(i % 12 == 3 ? &a : &b, M_CHECKS, i % 12 == 3 ? a_body : b_body, pass, 0);
            if (pass) body_p++;
            else body_f++;
            break;
        case 4:
            sample_push(&a, M_CHECKS, a_nogroup, pass, 0);
            if (pass) ng_p++;
            else ng_f++;
            break;
        default: sample_push(&a, M_CHECKS, a_plain, pass, 0); break;
        }
        /* other metrics with check-like tags do not count as checks */
        if (i % 10 == 0) sample_push(&a, M_HTTP_REQS, a_ok, 1, 0);
        rate_total++;
        if (pass) rate_nz++;
        if (i % 1500 == 0) engine_drain(e);
    }
    sample_buf_flush(&a);
    sample_buf_flush(&b);
    engine_drain(e);

    const engine_check *all;
    assert_int_equal(engine_checks(e, &all), 4);
    const engine_check *c = find_check(e, "status is 200", "");
    assert_non_null(c);
    assert_int_equal(c->passes, ok_p);
    assert_int_equal(c->fails, ok_f);
    c = find_check(e, "status is 200", "::login");
    assert_non_null(c);
    assert_int_equal(c->passes, okg_p);
    assert_int_equal(c->fails, okg_f);
    c = find_check(e, "body", "::login");
    assert_non_null(c);
    assert_int_equal(c->passes, body_p);
    assert_int_equal(c->fails, body_f);
    c = find_check(e, "no group", ""); /* a missing group tag is the root group */
    assert_non_null(c);
    assert_int_equal(c->passes, ng_p);
    assert_int_equal(c->fails, ng_f);
    assert_true(ok_p && ok_f && okg_p && okg_f && body_p && body_f && ng_p && ng_f);
    /* the checks rate sink has every sample, the tagless ones too */
    const sink *s = engine_sink(e, M_CHECKS);
    assert_non_null(s);
    assert_int_equal(s->u.rate.total, rate_total);
    assert_int_equal(s->u.rate.nonzero, rate_nz);
    engine_free(e);
    sample_buf_destroy(&a);
    sample_buf_destroy(&b);
}

/* ---- the breakdown of --summary-mode=full ---- */

static uint32_t tags3(sample_buf *b, const char *scenario, const char *group, const char *check) {
    tag_kv kv[4];
    size_t n = 0;
    kv[n++] = (tag_kv){"method", "GET"};
    if (scenario) kv[n++] = (tag_kv){"scenario", scenario};
    if (group) kv[n++] = (tag_kv){"group", group};
    if (check) kv[n++] = (tag_kv){"check", check};
    return tagdict_intern(b->tags, kv, n);
}

static const engine_node *child(const engine_node *n, const char *name) {
    const engine_node *const *kids;
    size_t nk = engine_node_children(n, &kids);
    for (size_t i = 0; i < nk; i++)
        if (strcmp(engine_node_name(kids[i]), name) == 0) return kids[i];
    return NULL;
}

static size_t nkids(const engine_node *n) {
    const engine_node *const *kids;
    return engine_node_children(n, &kids);
}

static const sink *node_sink(const engine_node *n, int metric) {
    const engine_node_metric *ms;
    size_t nm = engine_node_metrics(n, &ms);
    for (size_t i = 0; i < nm; i++)
        if (ms[i].metric == metric) return &ms[i].sink;
    return NULL;
}

static size_t nmetrics(const engine_node *n) {
    const engine_node_metric *ms;
    return engine_node_metrics(n, &ms);
}

/* http_reqs count of a node (0 when it has none) */
static double reqs(const engine_node *n) {
    const sink *s = node_sink(n, M_HTTP_REQS);
    return s ? s->u.counter.sum : 0;
}

static void expect_node_check(const engine_node *n, size_t i, const char *name, uint64_t passes, uint64_t fails) {
    const engine_check *c;
    size_t nc = engine_node_checks(n, &c);
    assert_true(i < nc);
    assert_string_equal(c[i].name, name);
    assert_null(c[i].group);
    assert_int_equal(c[i].passes, passes);
    assert_int_equal(c[i].fails, fails);
}

static void test_breakdown(void **state) {
    (void)state;
    sample_buf a, b;
    sample_buf_init(&a);
    sample_buf_init(&b);
    engine *e = engine_new();
    engine_add_source(e, &a);
    engine_add_source(e, &b);
    char err[256];
    int sub = engine_add_submetric(e, M_HTTP_REQS, "method:GET", err, sizeof err);
    engine_enable_breakdown(e);

    /* b's dictionary starts with other sets, so the same set has other ids */
    tags3(&b, NULL, "::zzz", NULL);
    tags3(&b, "other", NULL, NULL);
    struct {
        sample_buf *buf;
        uint32_t tags;
        double n;
    } kinds[] = {
        {&a, tags3(&a, NULL, NULL, NULL), 0},    /* no group: in no node */
        {&a, tags3(&a, "default", "", NULL), 0}, /* the default scenario is no scenario */
        {&a, tags3(&a, NULL, "::a", NULL), 0},
        {&b, tags3(&b, "default", "::a", NULL), 0}, /* same node from another worker */
        {&a, tags3(&a, NULL, "::a::b", NULL), 0},
        {&b, tags3(&b, NULL, "::a::b::c", NULL), 0},
        {&a, tags3(&a, "foo", "", NULL), 0},    /* scenario root only */
        {&b, tags3(&b, "foo", "::a", NULL), 0}, /* scenario root and its own a */
        {&a, tags3(&a, "foo", "::x", NULL), 0},
    };
    enum { NONE, DEF, A, A2, AB, ABC, FOO, FOO_A, FOO_X, NKINDS };
    uint32_t chk_a = tags3(&a, NULL, "::a", "ok"), chk_a2 = tags3(&a, NULL, "::a", "second");
    uint32_t chk_foo_a = tags3(&b, "foo", "::a", "ok"), chk_foo = tags3(&a, "foo", "", "top");
    uint64_t a_ok[2] = {0}, a_second[2] = {0}, foo_a_ok[2] = {0}, foo_top[2] = {0};
    double gd_ab = 0;
    for (uint64_t i = 0; i < 3 * SAMPLE_CHUNK + 500; i++) {
        int k = (int)(i % NKINDS);
        double v = (double)(i % 3) + 1;
        sample_push(kinds[k].buf, M_HTTP_REQS, kinds[k].tags, v, 0);
        kinds[k].n += v;
        int pass = i % 5 != 0;
        switch (i % 4) {
        case 0:
            sample_push(&a, M_CHECKS, chk_a, pass, 0);
            a_ok[pass]++;
            break;
        case 1:
            sample_push(&b, M_CHECKS, chk_foo_a, pass, 0);
            foo_a_ok[pass]++;
            break;
        case 2:
            sample_push(&a, M_CHECKS, chk_foo, pass, 0);
            foo_top[pass]++;
            break;
        default:
            if (i % 8 == 3) {
                sample_push(&a, M_CHECKS, chk_a2, pass, 0);
                a_second[pass]++;
            }
        }
        if (i % 100 == 0) {
            sample_push(&a, M_GROUP_DURATION, kinds[AB].tags, 5, 0);
            gd_ab += 5;
        }
        if (i % 1000 == 0) engine_drain(e);
    }
    sample_buf_flush(&a);
    sample_buf_flush(&b);
    engine_drain(e);

    const engine_node *root = engine_group_root(e);
    assert_non_null(root);
    assert_string_equal(engine_node_name(root), "");
    assert_int_equal(nmetrics(root), 0); /* roots hold no samples of their own */
    assert_int_equal(nkids(root), 1);
    const engine_node *na = child(root, "a"), *nb = na ? child(na, "b") : NULL;
    const engine_node *nc = nb ? child(nb, "c") : NULL;
    assert_non_null(na);
    assert_non_null(nb);
    assert_non_null(nc);
    assert_null(child(root, "zzz")); /* interned but never sampled */
    /* a node has its own samples only, not its subgroups' */
    assert_true(reqs(na) == kinds[A].n + kinds[A2].n);
    assert_true(reqs(nb) == kinds[AB].n);
    assert_true(reqs(nc) == kinds[ABC].n);
    assert_int_equal(nkids(nc), 0);
    const sink *gd = node_sink(nb, M_GROUP_DURATION);
    assert_non_null(gd);
    assert_true(hist_sum(gd->u.trend.h) == gd_ab);
    assert_null(node_sink(na, M_GROUP_DURATION));
    /* checks per node, by name in first-seen order, counted exactly */
    const engine_check *cks;
    assert_int_equal(engine_node_checks(na, &cks), 2);
    expect_node_check(na, 0, "ok", a_ok[1], a_ok[0]);
    expect_node_check(na, 1, "second", a_second[1], a_second[0]);
    const sink *chk = node_sink(na, M_CHECKS);
    assert_non_null(chk);
    assert_int_equal(chk->u.rate.total, a_ok[0] + a_ok[1] + a_second[0] + a_second[1]);
    assert_int_equal(engine_node_checks(nb, &cks), 0);

    const engine_node *const *scen;
    assert_int_equal(engine_scenarios(e, &scen), 1);
    const engine_node *foo = scen[0];
    assert_string_equal(engine_node_name(foo), "foo");
    /* a scenario's root has all of its samples; its groups their own */
    assert_true(reqs(foo) == kinds[FOO].n + kinds[FOO_A].n + kinds[FOO_X].n);
    assert_int_equal(nkids(foo), 2);
    assert_true(reqs(child(foo, "a")) == kinds[FOO_A].n);
    assert_true(reqs(child(foo, "x")) == kinds[FOO_X].n);
    assert_int_equal(engine_node_checks(foo, &cks), 2);
    /* first seen in drain order: worker a's "top" before worker b's "ok" */
    expect_node_check(foo, 0, "top", foo_top[1], foo_top[0]);
    expect_node_check(foo, 1, "ok", foo_a_ok[1], foo_a_ok[0]);
    assert_int_equal(engine_node_checks(child(foo, "a"), &cks), 1);
    expect_node_check(child(foo, "a"), 0, "ok", foo_a_ok[1], foo_a_ok[0]);

    /* the totals and the sub-metric see every sample, as without the breakdown */
    double total = 0;
    for (int k = 0; k < NKINDS; k++) total += kinds[k].n;
    assert_true(engine_sink(e, M_HTTP_REQS)->u.counter.sum == total);
    assert_true(engine_submetric_sink(e, sub)->u.counter.sum == total);
    const engine_check *all;
    assert_int_equal(engine_checks(e, &all), 3); /* by (name, group), whatever the scenario */
    engine_free(e);
    sample_buf_destroy(&a);
    sample_buf_destroy(&b);
}

static void test_breakdown_off(void **state) {
    (void)state;
    sample_buf a;
    sample_buf_init(&a);
    engine *e = engine_new();
    engine_add_source(e, &a);
    sample_push(&a, M_HTTP_REQS, tags3(&a, "foo", "::a", NULL), 1, 0);
    sample_push(&a, M_CHECKS, tags3(&a, "foo", "::a", "ok"), 1, 0);
    sample_buf_flush(&a);
    engine_drain(e);
    const engine_node *const *scen;
    assert_null(engine_group_root(e));
    assert_int_equal(engine_scenarios(e, &scen), 0);
    const engine_check *c;
    assert_int_equal(engine_checks(e, &c), 1);
    assert_int_equal(c[0].passes, 1);
    /* turned on later, it takes the samples drained from then on */
    engine_enable_breakdown(e);
    sample_push(&a, M_HTTP_REQS, tags3(&a, "foo", "::a", NULL), 2, 0);
    sample_buf_flush(&a);
    engine_drain(e);
    assert_int_equal(engine_scenarios(e, &scen), 1);
    assert_true(reqs(scen[0]) == 2);
    assert_true(reqs(child(scen[0], "a")) == 2);
    engine_free(e);
    sample_buf_destroy(&a);
}

static void test_registry(void **state) {
    (void)state;
    registry_init();
    assert_int_equal(registry_count(), M_BUILTIN_COUNT);
    assert_int_equal(registry_find("http_reqs"), M_HTTP_REQS);
    assert_int_equal(registry_find("checks"), M_CHECKS);
    assert_int_equal(registry_find("dropped_iterations"), M_DROPPED_ITERATIONS);
    assert_int_equal(registry_find("nope"), -1);
    assert_string_equal(registry_get(M_HTTP_REQ_DURATION)->name, "http_req_duration");
    assert_int_equal(registry_get(M_HTTP_REQ_DURATION)->type, METRIC_TREND);
    assert_int_equal(registry_get(M_HTTP_REQ_DURATION)->kind, VALUE_TIME);
    assert_int_equal(registry_get(M_DATA_SENT)->kind, VALUE_DATA);
    assert_int_equal(registry_get(M_VUS)->type, METRIC_GAUGE);

    char err[256];
    /* k6: ^[a-zA-Z_][a-zA-Z0-9_]{1,128}$, so one letter is too short (metrics/registry.go) */
    static const char *bad[] = {"", "x", "_", "1abc", "a-b", "a b", "a.b", "my_metric{x:1}", "\xc3\xa9t\xc3\xa9", "-"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        err[0] = 0;
        assert_int_equal(registry_get_or_add(bad[i], METRIC_COUNTER, VALUE_DEFAULT, err, sizeof err), -1);
        char want[256];
        snprintf(want, sizeof want,
                 "Invalid metric name: '%s'. Metric names must only include up to 128 ASCII "
                 "letters, numbers, or underscores and start with a letter or an underscore.",
                 bad[i]);
        assert_string_equal(err, want);
    }
    char name[200];
    memset(name, 'a', 130);
    name[130] = 0;
    err[0] = 0;
    assert_int_equal(registry_get_or_add(name, METRIC_COUNTER, VALUE_DEFAULT, err, sizeof err), -1);
    assert_non_null(strstr(err, "Invalid metric name"));
    assert_int_equal(registry_count(), M_BUILTIN_COUNT); /* nothing was added */

    name[129] = 0; /* a first character and 128 more is allowed */
    int long_id = registry_get_or_add(name, METRIC_COUNTER, VALUE_DEFAULT, err, sizeof err);
    assert_int_equal(long_id, M_BUILTIN_COUNT);
    int id = registry_get_or_add("_my_trend2", METRIC_TREND, VALUE_TIME, err, sizeof err);
    assert_int_equal(id, M_BUILTIN_COUNT + 1);
    assert_int_equal(registry_count(), M_BUILTIN_COUNT + 2);
    assert_int_equal(registry_find("_my_trend2"), id);
    assert_string_equal(registry_get(id)->name, "_my_trend2");
    assert_int_equal(registry_get(id)->type, METRIC_TREND);
    assert_int_equal(registry_get(id)->kind, VALUE_TIME);
    /* the same name and type again: the same id, nothing added */
    assert_int_equal(registry_get_or_add("_my_trend2", METRIC_TREND, VALUE_TIME, err, sizeof err), id);
    assert_int_equal(registry_get_or_add("http_reqs", METRIC_COUNTER, VALUE_DEFAULT, err, sizeof err), M_HTTP_REQS);
    assert_int_equal(registry_count(), M_BUILTIN_COUNT + 2);
    /* names are case-sensitive */
    assert_int_equal(registry_get_or_add("_MY_TREND2", METRIC_RATE, VALUE_DEFAULT, err, sizeof err),
                     M_BUILTIN_COUNT + 2);

    /* another type: refused with both types named */
    err[0] = 0;
    assert_int_equal(registry_get_or_add("_my_trend2", METRIC_COUNTER, VALUE_DEFAULT, err, sizeof err), -1);
    assert_string_equal(err, "metric '_my_trend2' already exists but with type trend, instead of counter");
    /* the same type with another value type: refused too */
    err[0] = 0;
    assert_int_equal(registry_get_or_add("_my_trend2", METRIC_TREND, VALUE_DEFAULT, err, sizeof err), -1);
    assert_string_equal(err, "metric '_my_trend2' already exists but with a value type time, instead of default");
    err[0] = 0;
    assert_int_equal(registry_get_or_add("http_reqs", METRIC_GAUGE, VALUE_DEFAULT, err, sizeof err), -1);
    assert_non_null(strstr(err, "'http_reqs'"));
    assert_non_null(strstr(err, "counter"));
    assert_non_null(strstr(err, "gauge"));
    assert_int_equal(registry_get(M_HTTP_REQS)->type, METRIC_COUNTER); /* unchanged */
    assert_int_equal(registry_count(), M_BUILTIN_COUNT + 3);

    /* a small err buffer is truncated, not overrun */
    char small[8];
    memset(small, 'Z', sizeof small);
    assert_int_equal(registry_get_or_add("a-b", METRIC_COUNTER, VALUE_DEFAULT, small, 6), -1);
    assert_int_equal(small[5], 0);
    assert_int_equal(small[6], 'Z');

    /* re-init drops custom metrics */
    registry_init();
    assert_int_equal(registry_count(), M_BUILTIN_COUNT);
    assert_int_equal(registry_find("_my_trend2"), -1);
}

static void test_custom_metric_sink(void **state) {
    (void)state;
    registry_init();
    char err[256];
    int c = registry_get_or_add("my_counter", METRIC_COUNTER, VALUE_DEFAULT, err, sizeof err);
    int g = registry_get_or_add("my_gauge", METRIC_GAUGE, VALUE_DEFAULT, err, sizeof err);
    assert_true(c >= M_BUILTIN_COUNT && g >= M_BUILTIN_COUNT && c != g);
    sample_buf b;
    sample_buf_init(&b);
    uint32_t t = tags_of(&b, NULL, NULL, NULL, NULL);
    engine *e = engine_new();
    engine_add_source(e, &b);
    for (int i = 1; i <= 5000; i++) {
        sample_push(&b, c, t, 2, i);
        sample_push(&b, g, t, i % 100, i);
    }
    sample_buf_flush(&b);
    engine_drain(e);
    const sink *s = engine_sink(e, c);
    assert_non_null(s);
    assert_int_equal(s->type, METRIC_COUNTER);
    assert_true(s->u.counter.sum == 10000);
    s = engine_sink(e, g);
    assert_non_null(s);
    assert_int_equal(s->type, METRIC_GAUGE);
    assert_true(s->u.gauge.value == 0); /* 5000 % 100 */
    assert_true(s->u.gauge.max == 99);
    engine_free(e);
    sample_buf_destroy(&b);
    registry_init();
}

typedef struct seen {
    const sample_buf *bufs[2];
    uint64_t n[2];     /* samples seen per buffer */
    int64_t last_t[2]; /* per buffer, to check the order */
    double sum;
    uint64_t per_metric[M_BUILTIN_COUNT];
    uint64_t tags_ok;
} seen;

/* Samples carry t_ns = 2 * index + buffer number, so the listener can tell
 * which buffer a sample came from and check that a batch's tag dict is
 * that buffer's. */
static void listener(void *ctx, const sample *batch, size_t n, const tagdict *tags) {
    seen *x = ctx;
    for (size_t i = 0; i < n; i++) {
        const sample *s = &batch[i];
        int which = (int)(s->t_ns & 1);
        x->n[which]++;
        if (x->n[which] > 1) assert_true(s->t_ns > x->last_t[which]); /* oldest first */
        x->last_t[which] = s->t_ns;
        x->sum += s->value;
        assert_true(s->metric < M_BUILTIN_COUNT);
        x->per_metric[s->metric]++;
        assert_ptr_equal(tags, x->bufs[which]->tags);
        x->tags_ok++;
    }
}

static void test_listeners(void **state) {
    (void)state;
    sample_buf a, b;
    sample_buf_init(&a);
    sample_buf_init(&b);
    uint32_t ta[2] = {tags_of(&a, "k", "a0", NULL, NULL), tags_of(&a, "k", "a1", "z", "")};
    uint32_t tb[3] = {tags_of(&b, NULL, NULL, NULL, NULL), tags_of(&b, "k", "b1", NULL, NULL),
                      tags_of(&b, "check", "c", "group", "")};
    engine *e = engine_new();
    engine_add_source(e, &a);
    engine_add_source(e, &b);
    seen s1 = {.bufs = {&a, &b}}, s2 = {.bufs = {&a, &b}};
    engine_add_listener(e, listener, &s1);
    engine_add_listener(e, listener, &s2);
    static const int metrics[] = {M_HTTP_REQS, M_CHECKS, M_VUS, M_HTTP_REQ_DURATION, M_DATA_SENT};
    double sum = 0;
    uint64_t per_metric[M_BUILTIN_COUNT] = {0};
    const uint64_t N = 7000;
    for (uint64_t i = 0; i < N; i++) {
        int m = metrics[i % 5];
        sample_push(&a, m, ta[i % 2], (double)(i % 13), (int64_t)(2 * i));
        sample_push(&b, m, tb[i % 3], (double)(i % 17), (int64_t)(2 * i + 1));
        sum += (double)(i % 13) + (double)(i % 17);
        per_metric[m] += 2;
        if (i % 2500 == 0) engine_drain(e);
    }
    sample_buf_flush(&a);
    sample_buf_flush(&b);
    engine_drain(e);
    const seen *all[2] = {&s1, &s2};
    for (int k = 0; k < 2; k++) {
        assert_int_equal(all[k]->n[0], N);
        assert_int_equal(all[k]->n[1], N);
        assert_int_equal(all[k]->tags_ok, 2 * N);
        assert_true(all[k]->sum == sum);
        assert_memory_equal(all[k]->per_metric, per_metric, sizeof per_metric);
    }
    assert_int_equal(engine_samples_seen(e), 2 * N);
    engine_free(e);
    sample_buf_destroy(&a);
    sample_buf_destroy(&b);
}

/* Packs (metrics/samples.h): a request's samples and an iteration's, in
 * fewer slots. The engine must aggregate them as the samples they stand
 * for (sinks, sub-metrics, the breakdown), count them as samples, and hand
 * its listeners (the outputs, which need each sample with its time) those
 * samples in k6's order, packs mixed with plain samples and across chunks. */
typedef struct recorded {
    sample *s;
    size_t n, cap;
} recorded;

static void record(void *ctx, const sample *s, size_t n, const tagdict *tags) {
    (void)tags;
    recorded *r = ctx;
    if (r->n + n > r->cap) {
        r->cap = (r->n + n) * 2;
        r->s = realloc(r->s, r->cap * sizeof *r->s);
        assert_non_null(r->s);
    }
    memcpy(r->s + r->n, s, n * sizeof *s);
    r->n += n;
}

/* A request's pack (http_reqs and http_req_failed fixed by its kind, not
 * written: with_failed, the request failed or not; else no http_req_failed),
 * and the samples it stands for in want. */
static void push_http(sample_buf *b, uint32_t tags, bool with_failed, bool failed, uint64_t i, sample *want,
                      size_t *nw) {
    int kind = !with_failed ? PACK_HTTP_NOFAILED : failed ? PACK_HTTP_FAILED : PACK_HTTP;
    const sample_pack_def *d = &sample_packs[kind];
    assert_int_equal(d->n, with_failed ? 11 : 10);
    int64_t t = sample_now(b);
    sample_chunk *c = b->cur;
    uint32_t n0 = c->n;
    sample *h = sample_pack_begin(b, kind, PACK_HTTP_VALUES, tags, t);
    bool rotated = b->cur != c;
    for (uint32_t k = 0, j = 0; k < d->n; k++) {
        int m = d->metric[k];
        double v = m == M_HTTP_REQS ? 1 : m == M_HTTP_REQ_FAILED ? failed : (double)(i % 97) + (double)k / 8;
        /* +0.0 timings, as a kept-alive connection's, between others */
        if ((k >= 2 && k <= 4 && i % 3 != 0) || (k == 7 && i % 2) || (k == 1 && i % 50 == 0)) v = 0;
        if (m != M_HTTP_REQS && m != M_HTTP_REQ_FAILED) sample_pack_set(h, j++, v);
        want[(*nw)++] = (sample){.t_ns = t, .value = v, .tags = tags, .metric = (uint16_t)m};
    }
    sample_pack_commit(b, h, PACK_HTTP_VALUES);
    /* 4 slots of 24 bytes: the 9 values written */
    if (!rotated) assert_int_equal(b->cur->n - n0, 4);
}

static void test_packs(void **state) {
    (void)state;
    /* the order k6 emits a request's samples in (its http_req_* then data_*) */
    static const int http_order[11] = {M_HTTP_REQS,
                                       M_HTTP_REQ_DURATION,
                                       M_HTTP_REQ_BLOCKED,
                                       M_HTTP_REQ_CONNECTING,
                                       M_HTTP_REQ_TLS_HANDSHAKING,
                                       M_HTTP_REQ_SENDING,
                                       M_HTTP_REQ_WAITING,
                                       M_HTTP_REQ_RECEIVING,
                                       M_HTTP_REQ_FAILED,
                                       M_DATA_SENT,
                                       M_DATA_RECEIVED};
    for (int k = 0; k < 11; k++) assert_int_equal(sample_packs[PACK_HTTP].metric[k], http_order[k]);
    for (int k = 0; k < 11; k++) assert_int_equal(sample_packs[PACK_HTTP_FAILED].metric[k], http_order[k]);
    assert_int_equal(sample_packs[PACK_HTTP_NOFAILED].n, 10);
    assert_int_equal(sample_packs[PACK_HTTP_NOFAILED].metric[8], M_DATA_SENT);
    assert_int_equal(SAMPLE_PACK_SLOTS(PACK_HTTP_VALUES), 4);
    assert_int_equal(SAMPLE_PACK_SLOTS(PACK_ITER_VALUES), 1);

    for (int pass = 0; pass < 2; pass++) { /* pass 1: the breakdown on */
        sample_buf b;
        sample_buf_init(&b);
        uint32_t ok = tags_of(&b, "expected_response", "true", "group", "::g");
        uint32_t bad = tags_of(&b, "expected_response", "false", "group", "");
        engine *e = engine_new();
        engine_add_source(e, &b);
        char err[128];
        int sub = engine_add_submetric(e, M_HTTP_REQ_DURATION, "expected_response:true", err, sizeof err);
        int sub_iter = engine_add_submetric(e, M_ITERATION_DURATION, "group:::g", err, sizeof err);
        assert_true(sub >= 0 && sub_iter >= 0);
        if (pass) engine_enable_breakdown(e);
        recorded r = {0};
        engine_add_listener(e, record, &r);
        const size_t N = 3000; /* about 14,000 slots: packs cross chunk ends */
        sample *want = malloc(N * 16 * sizeof *want);
        assert_non_null(want);
        size_t nw = 0;
        uint64_t reqs = 0, failed_n = 0, failed_1 = 0, ok_n = 0, iters = 0, iters_g = 0;
        double dur_sum = 0, ok_sum = 0, recv_sum = 0, iter_sum = 0;
        histogram *ref[7]; /* each Trend of the requests, fed in order */
        for (int k = 0; k < 7; k++) assert_non_null(ref[k] = hist_new());
        for (uint64_t i = 0; i < N; i++) {
            bool with_failed = i % 3 != 0, is_ok = i % 4 != 0;
            uint32_t tags = is_ok ? ok : bad;
            size_t first = nw;
            bool failed = with_failed && i % 7 == 1;
            push_http(&b, tags, with_failed, failed, i, want, &nw);
            for (int k = 0; k < 7; k++) hist_add(ref[k], want[first + 1 + k].value);
            reqs++;
            failed_n += with_failed;
            failed_1 += failed;
            dur_sum += want[first + 1].value;
            recv_sum += want[nw - 1].value;
            if (is_ok) {
                ok_n++;
                ok_sum += want[first + 1].value;
            }
            if (i % 5 == 0) { /* a plain sample between packs */
                int64_t t = sample_now(&b);
                sample_push(&b, M_CHECKS, tags, 1, t);
                want[nw++] = (sample){.t_ns = t, .value = 1, .tags = tags, .metric = M_CHECKS};
            }
            if (i % 2 == 0) {
                int64_t t = sample_now(&b);
                double d = (double)i / 3;
                sample *h = sample_pack_begin(&b, PACK_ITER, PACK_ITER_VALUES, tags, t);
                sample_pack_set(h, 0, d); /* iterations: 1, the kind's */
                sample_pack_commit(&b, h, PACK_ITER_VALUES);
                want[nw++] = (sample){.t_ns = t, .value = 1, .tags = tags, .metric = M_ITERATIONS};
                want[nw++] = (sample){.t_ns = t, .value = d, .tags = tags, .metric = M_ITERATION_DURATION};
                iters++;
                iter_sum += d;
                iters_g += is_ok;
            }
            if (i == N / 2) {
                /* published samples are counted as samples, not slots */
                sample_buf_flush(&b);
                assert_int_equal(sample_buf_pending(&b), nw);
                engine_drain(e);
                assert_int_equal(engine_samples_seen(e), nw);
            }
        }
        sample_buf_flush(&b);
        engine_drain(e);
        assert_int_equal(engine_samples_seen(e), nw);
        /* the listener saw every sample, in order, as pushed one by one */
        assert_int_equal(r.n, nw);
        for (size_t k = 0; k < nw; k++) {
            assert_int_equal(r.s[k].metric, want[k].metric);
            assert_int_equal(r.s[k].t_ns, want[k].t_ns);
            assert_int_equal(r.s[k].tags, want[k].tags);
            assert_true(r.s[k].value == want[k].value);
        }
        const sink *s = engine_sink(e, M_HTTP_REQS);
        assert_int_equal(s->u.counter.n, reqs);
        assert_true(s->u.counter.sum == (double)reqs);
        s = engine_sink(e, M_HTTP_REQ_DURATION);
        assert_int_equal(hist_count(s->u.trend.h), reqs);
        assert_true(hist_sum(s->u.trend.h) == dur_sum);
        for (int k = 0; k < 7; k++) {
            const histogram *got = engine_sink(e, http_order[1 + k])->u.trend.h;
            assert_int_equal(hist_count(got), hist_count(ref[k]));
            double a = hist_sum(got), c = hist_sum(ref[k]);
            assert_memory_equal(&a, &c, sizeof a);
            assert_true(hist_min(got) == hist_min(ref[k]) && hist_max(got) == hist_max(ref[k]));
            for (double p = 0; p <= 100; p += 5) assert_true(hist_percentile(got, p) == hist_percentile(ref[k], p));
            hist_free(ref[k]);
        }
        s = engine_sink(e, M_HTTP_REQ_FAILED);
        assert_int_equal(s->u.rate.total, failed_n);
        assert_int_equal(s->u.rate.nonzero, failed_1);
        s = engine_sink(e, M_DATA_RECEIVED);
        assert_int_equal(s->u.counter.n, reqs);
        assert_true(s->u.counter.sum == recv_sum);
        s = engine_sink(e, M_ITERATION_DURATION);
        assert_int_equal(hist_count(s->u.trend.h), iters);
        assert_true(hist_sum(s->u.trend.h) == iter_sum);
        assert_int_equal(engine_sink(e, M_ITERATIONS)->u.counter.n, iters);
        s = engine_submetric_sink(e, sub);
        assert_int_equal(hist_count(s->u.trend.h), ok_n);
        assert_true(hist_sum(s->u.trend.h) == ok_sum);
        assert_int_equal(hist_count(engine_submetric_sink(e, sub_iter)->u.trend.h), iters_g);
        if (pass) { /* group ::g's node got the "ok" requests' samples */
            const engine_node *const *kids;
            assert_int_equal(engine_node_children(engine_group_root(e), &kids), 1);
            const engine_node_metric *ms;
            size_t nm = engine_node_metrics(kids[0], &ms);
            bool found = false;
            for (size_t k = 0; k < nm; k++)
                if (ms[k].metric == M_HTTP_REQ_WAITING) {
                    found = true;
                    assert_int_equal(hist_count(ms[k].sink.u.trend.h), ok_n);
                }
            assert_true(found);
        }
        free(want);
        free(r.s);
        engine_free(e);
        sample_buf_destroy(&b);
    }
}

/* No pack of a kind: its metrics stay without a sink (k6 lists only the
 * metrics that had samples); http_req_failed without a response callback. */
static void test_pack_nofailed(void **state) {
    (void)state;
    sample_buf b;
    sample_buf_init(&b);
    engine *e = engine_new();
    engine_add_source(e, &b);
    sample *h = sample_pack_begin(&b, PACK_HTTP_NOFAILED, PACK_HTTP_VALUES, 0, sample_now(&b));
    for (uint32_t k = 0; k < PACK_HTTP_VALUES; k++) sample_pack_set(h, k, k + 1); /* the samples 1-9 */
    sample_pack_commit(&b, h, PACK_HTTP_VALUES);
    sample_buf_flush(&b);
    engine_drain(e);
    assert_int_equal(engine_samples_seen(e), 10);
    assert_null(engine_sink(e, M_HTTP_REQ_FAILED));
    assert_null(engine_sink(e, M_ITERATIONS));
    assert_true(engine_sink(e, M_DATA_SENT)->u.counter.sum == 8);
    assert_true(engine_sink(e, M_DATA_RECEIVED)->u.counter.sum == 9);
    engine_free(e);
    sample_buf_destroy(&b);
}

/* A sub-metric is its parent's sink while every sample matched (engine.c,
 * engine_sub's shadow), then a copy of it: whatever the moment the first
 * sample that does not match comes (none, the first, in exact mode, once
 * bucketed) and the metric's type, it must hold exactly what a sink fed
 * only the matching samples holds (sums to the bit, percentiles, the last
 * Gauge value), and be NULL while no sample matched. */
static void assert_sinks_equal(const sink *got, const sink *want) {
    if (!want) {
        assert_null(got);
        return;
    }
    assert_non_null(got);
    sink_parts a, b;
    sink_get_parts(got, &a);
    sink_get_parts(want, &b);
    assert_int_equal(a.type, b.type);
    switch (a.type) {
    case METRIC_COUNTER:
        assert_int_equal(a.u.counter.n, b.u.counter.n);
        assert_memory_equal(&a.u.counter.sum, &b.u.counter.sum, sizeof(double));
        break;
    case METRIC_GAUGE:
        assert_int_equal(a.u.gauge.n, b.u.gauge.n);
        assert_true(a.u.gauge.value == b.u.gauge.value && a.u.gauge.min == b.u.gauge.min &&
                    a.u.gauge.max == b.u.gauge.max);
        break;
    case METRIC_RATE:
        assert_int_equal(a.u.rate.total, b.u.rate.total);
        assert_int_equal(a.u.rate.nonzero, b.u.rate.nonzero);
        break;
    case METRIC_TREND: {
        const histogram *x = got->u.trend.h, *y = want->u.trend.h;
        assert_int_equal(hist_count(x), hist_count(y));
        double sx = hist_sum(x), sy = hist_sum(y);
        assert_memory_equal(&sx, &sy, sizeof sx);
        assert_true(hist_min(x) == hist_min(y) && hist_max(x) == hist_max(y));
        for (double p = 0; p <= 100; p += 12.5) assert_true(hist_percentile(x, p) == hist_percentile(y, p));
        assert_true(hist_percentile(x, 99.9) == hist_percentile(y, 99.9));
        break;
    }
    }
}

static void test_sub_shadow(void **state) {
    (void)state;
    static const int metrics[] = {M_HTTP_REQ_WAITING, M_HTTP_REQS, M_VUS, M_HTTP_REQ_FAILED};
    static const long breaks[] = {-1, 0, 1, 100, 255, 256, 257, 3000}; /* -1: every sample matches */
    for (size_t mi = 0; mi < sizeof metrics / sizeof *metrics; mi++) {
        for (size_t bi = 0; bi < sizeof breaks / sizeof *breaks; bi++) {
            int m = metrics[mi];
            sample_buf b;
            sample_buf_init(&b);
            uint32_t yes = tags_of(&b, "k", "yes", NULL, NULL), no = tags_of(&b, "k", "no", NULL, NULL);
            engine *e = engine_new();
            engine_add_source(e, &b);
            char err[128];
            int sub = engine_add_submetric(e, m, "k:yes", err, sizeof err);
            assert_true(sub >= 0);
            sink want;
            sink_init(&want, registry_get(m)->type);
            bool any = false;
            for (long i = 0; i < 5000; i++) {
                bool match = breaks[bi] < 0 || i < breaks[bi] || i % 3 != 0;
                double v = (double)((i * 7919) % 1000) / 7 + (i % 2 ? 0.5 : 0);
                if (m == M_HTTP_REQ_FAILED) v = i % 5 == 0;
                sample_push(&b, m, match ? yes : no, v, sample_now(&b));
                if (match) {
                    sink_add(&want, v);
                    any = true;
                }
                if (i % 700 == 0 || i == breaks[bi] || i == breaks[bi] + 1) {
                    sample_buf_flush(&b);
                    engine_drain(e);
                    assert_sinks_equal(engine_submetric_sink(e, sub), any ? &want : NULL);
                }
            }
            sample_buf_flush(&b);
            engine_drain(e);
            assert_sinks_equal(engine_submetric_sink(e, sub), any ? &want : NULL);
            sink_free(&want);
            engine_free(e);
            sample_buf_destroy(&b);
        }
    }
    /* a request's pack: http_req_duration{expected_response:true} */
    sample_buf b;
    sample_buf_init(&b);
    uint32_t ok = tags_of(&b, "expected_response", "true", NULL, NULL);
    uint32_t bad = tags_of(&b, "expected_response", "false", NULL, NULL);
    engine *e = engine_new();
    engine_add_source(e, &b);
    char err[128];
    int sub = engine_add_submetric(e, M_HTTP_REQ_DURATION, "expected_response:true", err, sizeof err);
    sink want;
    sink_init(&want, METRIC_TREND);
    for (long i = 0; i < 2000; i++) {
        bool match = i < 600 || i % 4 != 0;
        double d = i % 7 == 0 ? 0 : (double)(i % 313) / 3 + 0.25; /* +0.0 too: held until the drain's end */
        sample *h = sample_pack_begin(&b, PACK_HTTP_FAILED, PACK_HTTP_VALUES, match ? ok : bad, sample_now(&b));
        for (uint32_t k = 0; k < PACK_HTTP_VALUES; k++) sample_pack_set(h, k, k == 0 ? d : 1);
        sample_pack_commit(&b, h, PACK_HTTP_VALUES);
        if (match) sink_add(&want, d);
        if (i % 500 == 0 || i == 600) {
            sample_buf_flush(&b);
            engine_drain(e);
            assert_sinks_equal(engine_submetric_sink(e, sub), &want);
        }
    }
    sample_buf_flush(&b);
    engine_drain(e);
    assert_sinks_equal(engine_submetric_sink(e, sub), &want);
    assert_int_equal(hist_count(engine_sink(e, M_HTTP_REQ_DURATION)->u.trend.h), 2000);
    sink_free(&want);
    engine_free(e);
    sample_buf_destroy(&b);
}

/* One producer thread pushes while the main thread drains. */
#define CONC_N      1000000
#define CONC_CHECKS 50

typedef struct producer {
    sample_buf *b;
    atomic_int done;
    uint64_t passes[CONC_CHECKS], fails[CONC_CHECKS];
    double sum;
} producer;

static void *producer_main(void *arg) {
    producer *p = arg;
    uint32_t plain = tags_of(p->b, "group", "", NULL, NULL);
    uint32_t check_tags[CONC_CHECKS];
    char names[CONC_CHECKS][16];
    for (uint64_t i = 0; i < CONC_N; i++) {
        if (i % 10 == 7) {
            /* the owner interns new check sets while the engine reads older ones */
            size_t c = (i / 10) % CONC_CHECKS;
            if (i / 10 < CONC_CHECKS) {
                snprintf(names[c], sizeof names[c], "check %zu", c);
                check_tags[c] = tags_of(p->b, "check", names[c], "group", c % 2 ? "::g" : "");
            }
            int pass = (i / 10) % 3 != 0;
            sample_push(p->b, M_CHECKS, check_tags[c], pass, (int64_t)i);
            if (pass) p->passes[c]++;
            else p->fails[c]++;
        } else {
            double v = (double)(i % 100);
            sample_push(p->b, M_HTTP_REQS, plain, v, (int64_t)i);
            p->sum += v;
        }
        if (i % 100000 == 0) {
            /* a few fresh unrelated sets too: the dictionary grows under the reader */
            for (int k = 0; k < 300; k++) {
                char v[32];
                snprintf(v, sizeof v, "%zu-%d", (size_t)i, k);
                uint32_t t = tags_of(p->b, "url", v, NULL, NULL);
                sample_push(p->b, M_HTTP_REQS, t, 0, (int64_t)i);
            }
        }
    }
    sample_buf_flush(p->b);
    atomic_store(&p->done, 1);
    return NULL;
}

static void test_concurrent_producer(void **state) {
    (void)state;
    registry_init();
    sample_buf b;
    sample_buf_init(&b);
    engine *e = engine_new();
    engine_add_source(e, &b);
    producer *p = calloc(1, sizeof *p);
    p->b = &b;
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, producer_main, p), 0);
    uint64_t drains = 0, prev = 0;
    while (!atomic_load(&p->done)) {
        engine_drain(e);
        assert_true(engine_samples_seen(e) >= prev);
        prev = engine_samples_seen(e);
        drains++;
    }
    assert_int_equal(pthread_join(th, NULL), 0);
    engine_drain(e);
    const uint64_t extra = 10 * 300; /* the unrelated sets' samples */
    assert_int_equal(engine_samples_seen(e), CONC_N + extra);
    const sink *s = engine_sink(e, M_HTTP_REQS);
    assert_non_null(s);
    assert_int_equal(s->u.counter.n, CONC_N - CONC_N / 10 + extra);
    assert_true(s->u.counter.sum == p->sum);
    s = engine_sink(e, M_CHECKS);
    assert_non_null(s);
    assert_int_equal(s->u.rate.total, CONC_N / 10);
    const engine_check *all;
    assert_int_equal(engine_checks(e, &all), CONC_CHECKS);
    uint64_t tp = 0;
    for (size_t c = 0; c < CONC_CHECKS; c++) {
        char name[16];
        snprintf(name, sizeof name, "check %zu", c);
        const engine_check *ch = find_check(e, name, c % 2 ? "::g" : "");
        assert_non_null(ch);
        assert_int_equal(ch->passes, p->passes[c]);
        assert_int_equal(ch->fails, p->fails[c]);
        tp += ch->passes;
    }
    assert_int_equal(s->u.rate.nonzero, tp);
    print_message("concurrent: %llu drains\n", (unsigned long long)drains);
    free(p);
    engine_free(e);
    sample_buf_destroy(&b);
}

/* Sample stamps (issue 10, InfluxDB keeps one point per series and time):
 * each buffer stamps on its own lane and strictly increasing, so equal
 * clock readings on two buffers, or twice on one, never give equal times. */
static void test_stamps_unique(void **state) {
    (void)state;
    sample_buf a, b, m;
    sample_buf_init(&a);
    sample_buf_init(&b);
    sample_buf_init(&m);
    /* default: one lane, the reading itself, then +1 ns while it repeats */
    assert_int_equal(sample_stamp(&a, 1000), 1000);
    assert_int_equal(sample_stamp(&a, 1000), 1001);
    assert_int_equal(sample_stamp(&a, 999), 1002);
    sample_buf_set_lane(&a, 0, 3);
    sample_buf_set_lane(&b, 1, 3);
    sample_buf_set_lane(&m, 2, 3);
    int64_t seen[3][50];
    for (int i = 0; i < 50; i++) {
        int64_t t = 5000 + i / 10; /* a clock that moves slowly */
        seen[0][i] = sample_stamp(&a, t);
        seen[1][i] = sample_stamp(&b, t);
        seen[2][i] = sample_stamp(&m, t);
    }
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < 50; i++) {
            assert_int_equal(seen[k][i] % 3, k);
            assert_true(seen[k][i] >= 5000 - 2); /* moved back by less than the stride */
            if (i) assert_true(seen[k][i] > seen[k][i - 1]);
            for (int j = 0; j < 50; j++)
                for (int l = 0; l < 3; l++)
                    if (l != k) assert_true(seen[k][i] != seen[l][j]);
        }
    /* a reading far ahead is kept, moved down onto the lane */
    assert_int_equal(sample_stamp(&b, 1000000), 1000000); /* 1000000 % 3 == 1 */
    assert_int_equal(sample_stamp(&a, 1000001), 999999);
    sample_buf_destroy(&a);
    sample_buf_destroy(&b);
    sample_buf_destroy(&m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_push_flush_drain),   cmocka_unit_test(test_exact_chunk_boundary),
        cmocka_unit_test(test_chunks_recycled),    cmocka_unit_test(test_interleaved_rounds),
        cmocka_unit_test(test_two_buffers),        cmocka_unit_test(test_checks),
        cmocka_unit_test(test_breakdown),          cmocka_unit_test(test_breakdown_off),
        cmocka_unit_test(test_listeners),          cmocka_unit_test(test_registry),
        cmocka_unit_test(test_custom_metric_sink), cmocka_unit_test(test_concurrent_producer),
        cmocka_unit_test(test_stamps_unique),      cmocka_unit_test(test_packs),
        cmocka_unit_test(test_pack_nofailed),      cmocka_unit_test(test_sub_shadow),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
