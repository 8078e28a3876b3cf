/* Sinks: per-type adds, k6 aggregation names, merges, percentile parsing. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "metrics/sink.h"

static double agg(const sink *s, const char *name, double duration_s) {
    double v = -12345;
    assert_int_equal(sink_agg(s, name, duration_s, &v), 0);
    return v;
}

static void assert_agg_invalid(const sink *s, const char *name) {
    double v = -12345;
    assert_int_equal(sink_agg(s, name, 1, &v), -1);
    assert_true(v == -12345); /* untouched on error */
}

static sink make(metric_type t, const double *v, size_t n) {
    sink s;
    assert_int_equal(sink_init(&s, t), 0);
    for (size_t i = 0; i < n; i++) sink_add(&s, v[i]);
    return s;
}

static void test_counter(void **state) {
    (void)state;
    sink s = make(METRIC_COUNTER, (double[]){1, 2, 3}, 3);
    assert_true(agg(&s, "count", 2) == 6);
    assert_true(agg(&s, "rate", 2) == 3);
    assert_true(agg(&s, "rate", 0) == 0); /* no duration yet: no division by zero */
    assert_int_equal(s.u.counter.n, 3);
    assert_agg_invalid(&s, "value");
    assert_agg_invalid(&s, "avg");
    assert_agg_invalid(&s, "p(95)");
    assert_agg_invalid(&s, "Count");
    sink_free(&s);
}

static void test_gauge(void **state) {
    (void)state;
    sink s = make(METRIC_GAUGE, (double[]){3, 1, 2}, 3);
    assert_true(agg(&s, "value", 1) == 2); /* the last one, not the max */
    assert_true(agg(&s, "min", 1) == 1);
    assert_true(agg(&s, "max", 1) == 3);
    assert_agg_invalid(&s, "count");
    assert_agg_invalid(&s, "rate");
    sink_free(&s);
    s = make(METRIC_GAUGE, (double[]){-5, -7}, 2);
    assert_true(agg(&s, "max", 1) == -5); /* not stuck at an initial 0 */
    assert_true(agg(&s, "min", 1) == -7);
    sink_free(&s);
    s = make(METRIC_GAUGE, NULL, 0);
    assert_true(agg(&s, "value", 1) == 0 && agg(&s, "min", 1) == 0);
    sink_free(&s);
}

static void test_rate(void **state) {
    (void)state;
    sink s = make(METRIC_RATE, (double[]){1, 0, 0, 5, 0, -1, 0, 0}, 8);
    assert_true(agg(&s, "rate", 1) == 0.375);
    assert_true(agg(&s, "passes", 1) == 3);
    assert_true(agg(&s, "fails", 1) == 5);
    assert_agg_invalid(&s, "count");
    assert_agg_invalid(&s, "value");
    sink_free(&s);
    s = make(METRIC_RATE, NULL, 0);
    assert_true(agg(&s, "rate", 1) == 0);
    sink_free(&s);
}

static void test_trend(void **state) {
    (void)state;
    sink s = make(METRIC_TREND, (double[]){40, 10, 30, 20}, 4);
    assert_true(agg(&s, "avg", 1) == 25);
    assert_true(agg(&s, "min", 1) == 10);
    assert_true(agg(&s, "max", 1) == 40);
    assert_true(agg(&s, "med", 1) == 25);
    assert_true(agg(&s, "count", 1) == 4);
    assert_true(agg(&s, "p(90)", 1) == 37);
    assert_true(fabs(agg(&s, "p(99.9)", 1) - 39.97) < 1e-12);
    assert_true(agg(&s, "p(0)", 1) == 10 && agg(&s, "p(100)", 1) == 40);
    assert_agg_invalid(&s, "p(101)");
    assert_agg_invalid(&s, "p()");
    assert_agg_invalid(&s, "p(abc)");
    assert_agg_invalid(&s, "p(95");
    assert_agg_invalid(&s, "rate");
    assert_agg_invalid(&s, "value");
    assert_agg_invalid(&s, "");
    sink_free(&s);
    s = make(METRIC_TREND, NULL, 0);
    assert_true(agg(&s, "avg", 1) == 0 && agg(&s, "p(95)", 1) == 0 && agg(&s, "count", 1) == 0);
    sink_free(&s);
}

static void test_merge(void **state) {
    (void)state;
    sink a = make(METRIC_COUNTER, (double[]){1, 2}, 2), b = make(METRIC_COUNTER, (double[]){4}, 1);
    sink_merge(&a, &b);
    assert_true(agg(&a, "count", 1) == 7);
    assert_int_equal(a.u.counter.n, 3);
    sink_free(&a);
    sink_free(&b);

    a = make(METRIC_GAUGE, (double[]){5, 9}, 2);
    b = make(METRIC_GAUGE, (double[]){1, 3}, 2);
    sink_merge(&a, &b);
    assert_true(agg(&a, "value", 1) == 3 && agg(&a, "min", 1) == 1 && agg(&a, "max", 1) == 9);
    sink e = make(METRIC_GAUGE, NULL, 0);
    sink_merge(&a, &e); /* an empty gauge does not reset the last value */
    assert_true(agg(&a, "value", 1) == 3);
    sink_free(&a);
    sink_free(&b);
    sink_free(&e);

    a = make(METRIC_RATE, (double[]){1, 0}, 2);
    b = make(METRIC_RATE, (double[]){1, 1}, 2);
    sink_merge(&a, &b);
    assert_true(agg(&a, "rate", 1) == 0.75);
    sink_free(&a);
    sink_free(&b);

    a = make(METRIC_TREND, (double[]){10, 30}, 2);
    b = make(METRIC_TREND, (double[]){40, 20}, 2);
    sink_merge(&a, &b);
    assert_true(agg(&a, "p(90)", 1) == 37 && agg(&a, "count", 1) == 4);
    sink c = make(METRIC_COUNTER, (double[]){100}, 1);
    sink_merge(&a, &c); /* different types: ignored */
    assert_true(agg(&a, "count", 1) == 4);
    sink_free(&a);
    sink_free(&b);
    sink_free(&c);
}

static void test_parse_pct(void **state) {
    (void)state;
    double p = -1;
    assert_true(sink_parse_pct("p(99.9)", 7, &p) && p == 99.9);
    assert_true(sink_parse_pct("p( 95 )", 7, &p) && p == 95);
    assert_true(sink_parse_pct("p(0)", 4, &p) && p == 0);
    assert_true(sink_parse_pct("p(90)xyz", 5, &p) && p == 90); /* only len bytes are read */
    assert_false(sink_parse_pct("p(-1)", 5, &p));
    assert_false(sink_parse_pct("p(100.5)", 8, &p));
    assert_false(sink_parse_pct("p(nan)", 6, &p));
    assert_false(sink_parse_pct("p(1 2)", 6, &p));
    assert_false(sink_parse_pct("q(5)", 4, &p));
    assert_false(sink_parse_pct("p5", 2, &p));
}

static void test_names(void **state) {
    (void)state;
    assert_string_equal(metric_type_name(METRIC_COUNTER), "counter");
    assert_string_equal(metric_type_name(METRIC_GAUGE), "gauge");
    assert_string_equal(metric_type_name(METRIC_RATE), "rate");
    assert_string_equal(metric_type_name(METRIC_TREND), "trend");
    assert_string_equal(value_kind_name(VALUE_TIME), "time");
    assert_string_equal(value_kind_name(VALUE_DATA), "data");
    assert_string_equal(value_kind_name(VALUE_DEFAULT), "default");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counter), cmocka_unit_test(test_gauge), cmocka_unit_test(test_rate),
        cmocka_unit_test(test_trend),   cmocka_unit_test(test_merge), cmocka_unit_test(test_parse_pct),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
