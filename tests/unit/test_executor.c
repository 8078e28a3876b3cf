/* Executors: the ramping-vus target over stages, each plan's duration, and
 * what executor_next tells a VU for each plan kind. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "config/options.h"
#include "exec/executor.h"
#include "exec/test.h"
#include "util/clock.h"
#include "vu/vu.h"

#define S(x) ((int64_t)((x)*1000000.0)) /* seconds -> microseconds */

static c6_scenario ramp_plan(int64_t start, c6_stage *st, size_t n) {
    c6_scenario p;
    memset(&p, 0, sizeof p);
    p.executor = EXECUTOR_RAMPING_VUS;
    p.start_vus = start;
    p.stages = st;
    p.nstages = n;
    return p;
}

static void test_ramp_up_from_start_vus(void **state) {
    (void)state;
    c6_stage st[] = {{S(10), 10}};
    c6_scenario p = ramp_plan(5, st, 1);
    assert_int_equal(executor_ramp_target(&p, 0), 5);    /* startVUs at t=0 */
    assert_int_equal(executor_ramp_target(&p, S(1)), 5); /* 5.5: not fully due yet */
    assert_int_equal(executor_ramp_target(&p, S(2) - 1), 5);
    assert_int_equal(executor_ramp_target(&p, S(2)), 6);
    assert_int_equal(executor_ramp_target(&p, S(5)), 7); /* 7.5 */
    assert_int_equal(executor_ramp_target(&p, S(6)), 8);
    assert_int_equal(executor_ramp_target(&p, S(10) - 1), 9);
    assert_int_equal(executor_ramp_target(&p, S(10)), 10); /* end of the stage */
    assert_int_equal(executor_ramp_target(&p, S(11)), 10); /* after the end: last target */
    assert_int_equal(executor_ramp_target(&p, S(3600)), 10);
}

static void test_ramp_multi_stage(void **state) {
    (void)state;
    c6_stage st[] = {
        {S(10), 10}, /*  0-10s: 0 -> 10 */
        {S(20), 10}, /* 10-30s: hold */
        {S(10), 0},  /* 30-40s: 10 -> 0 */
        {0, 7},      /* jump to 7 */
        {S(7), 0},   /* 40-47s: 7 -> 0 */
        {S(4), 4},   /* 47-51s: 0 -> 4 */
    };
    c6_scenario p = ramp_plan(0, st, sizeof st / sizeof *st);
    static const struct {
        double t;
        int64_t want;
    } cases[] = {
        {0, 0},
        {0.5, 0},
        {1, 1},
        {4.5, 4},
        {9.999999, 9},
        {10, 10},
        {15, 10},
        {29.999999, 10},
        {30, 10},
        /* ramping down, a VU stops once its share of the stage has passed:
         * 10 -> 0 over 10s is 9 from 31s on */
        {30.5, 10},
        {31, 9},
        {35, 5},
        {35.5, 5},
        {39, 1},
        {39.999999, 1},
        {40, 7},
        {41, 6},
        {46.999999, 1},
        {47, 0},
        {48, 1},
        {50, 3},
        {50.999999, 3},
        {51, 4},
        {100, 4},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        int64_t got = executor_ramp_target(&p, S(cases[i].t));
        if (got != cases[i].want)
            fail_msg("t=%gs: target %lld, want %lld", cases[i].t, (long long)got, (long long)cases[i].want);
    }
    assert_int_equal(scenario_duration_us(&p), S(51));
}

static void test_ramp_monotonic_within_stages(void **state) {
    (void)state;
    c6_stage st[] = {{S(3), 37}, {S(5), 2}, {S(2), 100}};
    c6_scenario p = ramp_plan(1, st, 3);
    int64_t prev = executor_ramp_target(&p, 0);
    assert_int_equal(prev, 1);
    for (int64_t t = 1000; t <= S(10) + 1000; t += 1000) {
        int64_t v = executor_ramp_target(&p, t);
        if (t <= S(3)) {
            assert_true(v >= prev);
            assert_in_range(v, 1, 37);
        } else if (t <= S(8)) {
            assert_true(v <= prev);
            assert_in_range(v, 2, 37);
        } else {
            assert_true(v >= prev);
            assert_in_range(v, 2, 100);
        }
        prev = v;
    }
    assert_int_equal(prev, 100);
}

/* Known issue (see the report): the target is computed in floating point,
 * (int64_t)(diff * (elapsed / duration)), so at the exact microsecond a VU
 * becomes due the product can land just below the integer (28.999...) and
 * the VU starts 1us late. 0 -> 50 over 10s: at 5.8s, 29 VUs are due.
 * Regression test: the ramp now uses integer arithmetic. */
static void test_ramp_exact_step_instants(void **state) {
    (void)state;
    c6_stage up[] = {{S(10), 50}};
    c6_scenario p = ramp_plan(0, up, 1);
    assert_int_equal(executor_ramp_target(&p, 5800000), 29);
    long bad = 0, total = 0;
    for (int64_t diff = -60; diff <= 60; diff++) {
        if (!diff) continue;
        int64_t ad = diff < 0 ? -diff : diff;
        for (int64_t dsec = 1; dsec <= 30; dsec++) {
            c6_stage st[] = {{S(dsec), 100 + diff}};
            c6_scenario q = ramp_plan(100, st, 1);
            for (int64_t k = 1; k < ad; k++) {
                int64_t num = k * S(dsec);
                if (num % ad) continue; /* exact instant VU k is due */
                int64_t e = num / ad;
                total++;
                if (executor_ramp_target(&q, e) != 100 + diff * e / S(dsec)) bad++;
            }
        }
    }
    if (bad) fail_msg("%ld of %ld exact step instants are one VU short", bad, total);
}

static void test_ramp_no_stages(void **state) {
    (void)state;
    c6_scenario p = ramp_plan(3, NULL, 0);
    assert_int_equal(executor_ramp_target(&p, 0), 3);
    assert_int_equal(executor_ramp_target(&p, S(100)), 3);
    assert_int_equal(scenario_duration_us(&p), 0);
}

static void test_ramp_large_values(void **state) {
    (void)state;
    /* 24h to 100000 VUs: no overflow in the microsecond arithmetic */
    c6_stage st[] = {{S(86400), 100000}};
    c6_scenario p = ramp_plan(0, st, 1);
    assert_int_equal(executor_ramp_target(&p, S(43200)), 50000);
    assert_int_equal(executor_ramp_target(&p, S(86400) - 1), 99999);
    assert_int_equal(scenario_duration_us(&p), S(86400));
}

static void test_duration_per_kind(void **state) {
    (void)state;
    c6_scenario p;
    memset(&p, 0, sizeof p);
    p.executor = EXECUTOR_SHARED_ITERATIONS;
    p.max_duration_us = S(600);
    p.iterations = 10;
    assert_int_equal(scenario_duration_us(&p), S(600));
    p.executor = EXECUTOR_CONSTANT_VUS;
    p.duration_us = S(30);
    assert_int_equal(scenario_duration_us(&p), S(30));
    /* ramping: the sum of the stages, whatever duration_us says */
    c6_stage st[] = {{S(10), 5}, {0, 3}, {S(2.5), 0}};
    p.executor = EXECUTOR_RAMPING_VUS;
    p.duration_us = S(999);
    p.stages = st;
    p.nstages = 3;
    assert_int_equal(scenario_duration_us(&p), S(12.5));
    p.nstages = 1;
    assert_int_equal(scenario_duration_us(&p), S(10));
}

static void test_duration_from_options_plan(void **state) {
    (void)state;
    /* the plan options_plan derives from stages has the stages' sum */
    c6_options o;
    options_init(&o);
    char err[256];
    assert_int_equal(options_parse_stages("30s:10,1m:10,15s:0", &o.stages, &o.nstages, err, sizeof err), 0);
    o.stages_set = true;
    c6_plan p;
    assert_int_equal(options_plan(&o, &p, err, sizeof err), 0);
    assert_int_equal(p.scenarios[0].executor, EXECUTOR_RAMPING_VUS);
    assert_int_equal(scenario_duration_us(&p.scenarios[0]), S(105));
    assert_int_equal(executor_ramp_target(&p.scenarios[0], S(15)), 5);
    assert_int_equal(executor_ramp_target(&p.scenarios[0], S(60)), 10);
    assert_int_equal(executor_ramp_target(&p.scenarios[0], S(105)), 0);
    options_plan_free(&p);
    options_free(&o);

    options_init(&o);
    o.vus_set = true;
    o.vus = 4;
    o.duration_set = true;
    o.duration_us = S(20);
    assert_int_equal(options_plan(&o, &p, err, sizeof err), 0);
    assert_int_equal(p.scenarios[0].executor, EXECUTOR_CONSTANT_VUS);
    assert_int_equal(scenario_duration_us(&p.scenarios[0]), S(20));
    options_plan_free(&p);
    options_free(&o);
}

static c6_scenario test_sc;
static scen_rt test_rt;

static void init_test(c6_test *t, c6_executor kind) {
    memset(t, 0, sizeof *t);
    memset(&test_sc, 0, sizeof test_sc);
    memset(&test_rt, 0, sizeof test_rt);
    test_sc.executor = kind;
    test_rt.cfg = &test_sc;
    t->plan.scenarios = &test_sc;
    t->plan.nscenarios = 1;
    t->scen = &test_rt;
    t->nscen = 1;
    atomic_init(&t->phase, PHASE_RUNNING);
    atomic_init(&test_rt.state, SC_RUNNING);
    atomic_init(&test_rt.start_us, clock_now_us());
}

static void init_vu(vu *v, c6_test *t, int64_t index) {
    memset(v, 0, sizeof *v);
    v->test = t;
    v->sc = &test_rt;
    v->sc_index = index;
}

static void test_next_shared_iterations(void **state) {
    (void)state;
    c6_test t;
    init_test(&t, EXECUTOR_SHARED_ITERATIONS);
    test_rt.iterations = 3;
    vu v;
    init_vu(&v, &t, 0);
    assert_int_equal(executor_next(&v), EXEC_RUN);
    assert_int_equal(executor_next(&v), EXEC_RUN);
    assert_int_equal(executor_next(&v), EXEC_RUN);
    assert_int_equal(executor_next(&v), EXEC_DONE);
    assert_int_equal(executor_next(&v), EXEC_DONE);
}

typedef struct claimer {
    vu v;
    long runs;
} claimer;

static void *claim_all(void *arg) {
    claimer *c = arg;
    while (executor_next(&c->v) == EXEC_RUN) c->runs++;
    return NULL;
}

static void test_next_shared_iterations_threads(void **state) {
    (void)state;
    c6_test t;
    init_test(&t, EXECUTOR_SHARED_ITERATIONS);
    test_rt.iterations = 200000;
    claimer c[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        memset(&c[i], 0, sizeof c[i]);
        init_vu(&c[i].v, &t, i);
        assert_int_equal(pthread_create(&th[i], NULL, claim_all, &c[i]), 0);
    }
    long total = 0;
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        total += c[i].runs;
    }
    assert_int_equal(total, 200000); /* every iteration handed out exactly once */
}

static void test_next_per_vu_iterations(void **state) {
    (void)state;
    c6_test t;
    init_test(&t, EXECUTOR_PER_VU_ITERATIONS);
    test_sc.iterations = 2;
    vu a, b;
    init_vu(&a, &t, 0);
    init_vu(&b, &t, 1);
    assert_int_equal(executor_next(&a), EXEC_RUN);
    a.sc_iter++;
    assert_int_equal(executor_next(&a), EXEC_RUN);
    a.sc_iter++;
    assert_int_equal(executor_next(&a), EXEC_DONE); /* its own 2 are done */
    assert_int_equal(executor_next(&b), EXEC_RUN);  /* the other VU's are not */
}

static void test_next_constant_and_phase(void **state) {
    (void)state;
    c6_test t;
    init_test(&t, EXECUTOR_CONSTANT_VUS);
    vu v;
    init_vu(&v, &t, 0);
    for (int i = 0; i < 5; i++) assert_int_equal(executor_next(&v), EXEC_RUN);
    atomic_store(&test_rt.state, SC_GRACEFUL); /* its duration is over */
    assert_int_equal(executor_next(&v), EXEC_DONE);
    atomic_store(&test_rt.state, SC_RUNNING);
    atomic_store(&t.phase, PHASE_HARD_STOP); /* the whole test stops */
    assert_int_equal(executor_next(&v), EXEC_DONE);
    /* a stopping scenario hands out no more shared iterations */
    init_test(&t, EXECUTOR_SHARED_ITERATIONS);
    init_vu(&v, &t, 0);
    test_rt.iterations = 100;
    atomic_store(&test_rt.state, SC_GRACEFUL);
    assert_int_equal(executor_next(&v), EXEC_DONE);
    assert_int_equal(atomic_load(&test_rt.claimed), 0);
    /* a VU in no scenario has nothing to do */
    v.sc = NULL;
    assert_int_equal(executor_next(&v), EXEC_DONE);
}

static void test_next_ramping(void **state) {
    (void)state;
    c6_test t;
    init_test(&t, EXECUTOR_RAMPING_VUS);
    /* 0 -> 4 VUs over 4 s, then down to 2: the target is read from the clock */
    c6_stage st[] = {{S(4), 4}, {S(4), 2}};
    test_sc.stages = st;
    test_sc.nstages = 2;
    vu v0, v3;
    init_vu(&v0, &t, 0);
    init_vu(&v3, &t, 3);
    atomic_store(&test_rt.start_us, clock_now_us());
    assert_int_equal(executor_next(&v0), EXEC_PARK);          /* target 0 */
    atomic_store(&test_rt.start_us, clock_now_us() - S(1.5)); /* target 1 */
    assert_int_equal(executor_next(&v0), EXEC_RUN);
    assert_int_equal(executor_next(&v3), EXEC_PARK);
    atomic_store(&test_rt.start_us, clock_now_us() - S(4.2)); /* target 4 */
    assert_int_equal(executor_next(&v3), EXEC_RUN);
    atomic_store(&test_rt.start_us, clock_now_us() - S(6.5)); /* target 2 */
    assert_int_equal(executor_next(&v3), EXEC_PARK);
    assert_int_equal(executor_next(&v0), EXEC_RUN);
    atomic_store(&test_rt.state, SC_GRACEFUL);
    assert_int_equal(executor_next(&v0), EXEC_DONE);
}

static void test_next_arrival_and_external(void **state) {
    (void)state;
    c6_test t;
    init_test(&t, EXECUTOR_CONSTANT_ARRIVAL_RATE);
    vu v;
    init_vu(&v, &t, 0);
    assert_int_equal(executor_next(&v), EXEC_PARK); /* nothing handed to it */
    v.go = true;
    assert_int_equal(executor_next(&v), EXEC_RUN);
    assert_false(v.go); /* one iteration per hand-over */
    assert_int_equal(executor_next(&v), EXEC_PARK);
    init_test(&t, EXECUTOR_EXTERNALLY_CONTROLLED);
    init_vu(&v, &t, 2);
    atomic_store(&test_rt.ext_vus, 2);
    assert_int_equal(executor_next(&v), EXEC_PARK);
    atomic_store(&test_rt.ext_vus, 3);
    assert_int_equal(executor_next(&v), EXEC_RUN);
}

/* constant-arrival-rate: k * timeUnit / rate, exactly, until the duration. */
static void test_arrival_constant(void **state) {
    (void)state;
    c6_scenario s;
    memset(&s, 0, sizeof s);
    s.executor = EXECUTOR_CONSTANT_ARRIVAL_RATE;
    s.rate = 3;
    s.time_unit_us = S(1);
    s.duration_us = S(10);
    assert_int_equal(executor_arrival_at(&s, 0), 0);
    assert_int_equal(executor_arrival_at(&s, 1), 333333);
    assert_int_equal(executor_arrival_at(&s, 3), S(1));
    assert_int_equal(executor_arrival_at(&s, 29), 9666666);
    assert_int_equal(executor_arrival_at(&s, 30), -1); /* 10 s: the end */
    /* 20,000/s for a day: no drift, no overflow */
    s.rate = 20000;
    s.duration_us = S(86400);
    assert_int_equal(executor_arrival_at(&s, 20000LL * 86399), S(86399));
    assert_int_equal(executor_arrival_at(&s, 20000LL * 86400), -1);
    s.rate = 50;
    s.time_unit_us = S(60); /* 50 per minute */
    assert_int_equal(executor_arrival_at(&s, 1), S(1.2));
}

/* ramping-arrival-rate: the k-th start is where the rate's integral is k. */
static void test_arrival_ramping(void **state) {
    (void)state;
    c6_scenario s;
    memset(&s, 0, sizeof s);
    s.executor = EXECUTOR_RAMPING_ARRIVAL_RATE;
    s.time_unit_us = S(1);
    c6_stage st[] = {{S(10), 10}, {S(10), 10}, {S(10), 0}};
    s.stages = st;
    s.nstages = 3;
    /* 0 -> 10/s over 10 s: integral t^2/2, so k at sqrt(2k) s; 50 in total */
    assert_int_equal(executor_arrival_at(&s, 0), 0);
    assert_true(llabs(executor_arrival_at(&s, 2) - S(2)) <= 1);
    assert_true(llabs(executor_arrival_at(&s, 32) - S(8)) <= 1);
    /* then 10/s flat: iteration 50 + 10j at 10 + j s */
    assert_true(llabs(executor_arrival_at(&s, 50) - S(10)) <= 1);
    assert_true(llabs(executor_arrival_at(&s, 100) - S(15)) <= 1);
    /* 150 by 20 s, 200 in total: the last one due before 30 s */
    int64_t last = executor_arrival_at(&s, 199);
    assert_true(last > S(25) && last < S(30));
    assert_int_equal(executor_arrival_at(&s, 200), -1);
    /* starts are ordered */
    for (int64_t k = 1; k < 200; k++) assert_true(executor_arrival_at(&s, k) >= executor_arrival_at(&s, k - 1));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ramp_up_from_start_vus),
        cmocka_unit_test(test_ramp_multi_stage),
        cmocka_unit_test(test_ramp_monotonic_within_stages),
        cmocka_unit_test(test_ramp_exact_step_instants),
        cmocka_unit_test(test_ramp_no_stages),
        cmocka_unit_test(test_ramp_large_values),
        cmocka_unit_test(test_duration_per_kind),
        cmocka_unit_test(test_duration_from_options_plan),
        cmocka_unit_test(test_next_shared_iterations),
        cmocka_unit_test(test_next_shared_iterations_threads),
        cmocka_unit_test(test_next_constant_and_phase),
        cmocka_unit_test(test_next_ramping),
        cmocka_unit_test(test_next_per_vu_iterations),
        cmocka_unit_test(test_next_arrival_and_external),
        cmocka_unit_test(test_arrival_constant),
        cmocka_unit_test(test_arrival_ramping),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
