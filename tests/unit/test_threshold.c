/* Thresholds: parsing (good inputs and error text), aggregation/type rules,
 * evaluation against sinks. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "metrics/threshold.h"

static void test_parse_good(void **state) {
    (void)state;
    static const struct {
        const char *src;
        threshold_agg agg;
        double pct;
        threshold_op op;
        double value;
        const char *name;
    } cases[] = {
        {"p(95)<500", THRESHOLD_PCT, 95, THRESHOLD_LT, 500, "p(95)"},
        {"avg < 200", THRESHOLD_AVG, 0, THRESHOLD_LT, 200, "avg"},
        {"rate<0.01", THRESHOLD_RATE, 0, THRESHOLD_LT, 0.01, "rate"},
        {"count>=10", THRESHOLD_COUNT, 0, THRESHOLD_GE, 10, "count"},
        {"p(99.9) <= 1.5", THRESHOLD_PCT, 99.9, THRESHOLD_LE, 1.5, "p(99.9)"},
        {"value==3", THRESHOLD_VALUE, 0, THRESHOLD_EQ, 3, "value"},
        {"med===2", THRESHOLD_MED, 0, THRESHOLD_EQ, 2, "med"},
        {"max!=0", THRESHOLD_MAX, 0, THRESHOLD_NE, 0, "max"},
        {"  min\t>  -1.5e2 ", THRESHOLD_MIN, 0, THRESHOLD_GT, -150, "min"},
        {"p(0)>=0", THRESHOLD_PCT, 0, THRESHOLD_GE, 0, "p(0)"},
        {"p( 50 ) > 1", THRESHOLD_PCT, 50, THRESHOLD_GT, 1, "p( 50 )"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        threshold t;
        char err[256] = "";
        assert_int_equal(threshold_parse(cases[i].src, &t, err, sizeof err), 0);
        assert_int_equal(t.agg, cases[i].agg);
        assert_int_equal(t.op, cases[i].op);
        assert_true(t.value == cases[i].value);
        assert_string_equal(t.agg_name, cases[i].name);
        if (t.agg == THRESHOLD_PCT) assert_true(t.pct == cases[i].pct);
    }
}

/* k6's texts: metrics/thresholds_parser.go, parseThresholdExpression (Go's
 * strconv.ParseFloat errors inside) */
static void expect_error(const char *src, const char *want) {
    threshold t;
    char err[512] = "";
    assert_int_equal(threshold_parse(src, &t, err, sizeof err), -1);
    if (strcmp(err, want) != 0) {
        print_error("for %s\n  got:  %s\n  want: %s\n", src, err, want);
        fail();
    }
}

static void test_parse_bad(void **state) {
    (void)state;
    expect_error("p(95)<<500", "failed parsing threshold expresion's \"p(95)<<500\" right hand side; "
                               "reason: strconv.ParseFloat: parsing \"<500\": invalid syntax");
    expect_error("p(95)", "failed parsing threshold expression \"p(95)\"; reason: malformed threshold expression");
    expect_error("p(95)=500",
                 "failed parsing threshold expression \"p(95)=500\"; reason: malformed threshold expression");
    expect_error("", "failed parsing threshold expression \"\"; reason: malformed threshold expression");
    expect_error("<500", "failed parsing threshold expression's \"<500\" left hand side; "
                         "reason: failed parsing method from expression");
    expect_error("avg<", "failed parsing threshold expresion's \"avg<\" right hand side; "
                         "reason: strconv.ParseFloat: parsing \"\": invalid syntax");
    expect_error("avg <  ", "failed parsing threshold expresion's \"avg <  \" right hand side; "
                            "reason: strconv.ParseFloat: parsing \"\": invalid syntax");
    expect_error("average<5", "failed parsing threshold expression's \"average<5\" left hand side; "
                              "reason: failed parsing method from expression");
    expect_error("p(101)<5", "failed parsing threshold expression's \"p(101)<5\" left hand side; "
                             "reason: malformed percentile value; reason: the percentile 101 is not between 0 and 100");
    expect_error("p(x)<5",
                 "failed parsing threshold expression's \"p(x)<5\" left hand side; "
                 "reason: malformed percentile value; reason: strconv.ParseFloat: parsing \"x\": invalid syntax");
    expect_error("p(95)<abc", "failed parsing threshold expresion's \"p(95)<abc\" right hand side; "
                              "reason: strconv.ParseFloat: parsing \"abc\": invalid syntax");
    expect_error("p(95)<5ms", "failed parsing threshold expresion's \"p(95)<5ms\" right hand side; "
                              "reason: strconv.ParseFloat: parsing \"5ms\": invalid syntax");
    /* a tiny error buffer truncates, never overflows */
    threshold t;
    char small[8];
    memset(small, 'x', sizeof small);
    assert_int_equal(threshold_parse("nope", &t, small, sizeof small), -1);
    assert_int_equal(strlen(small), sizeof small - 1);
    assert_int_equal(threshold_parse("nope", &t, NULL, 0), -1);
}

static void expect_type(const char *src, metric_type type, int ok) {
    threshold t;
    char err[256] = "";
    assert_int_equal(threshold_parse(src, &t, err, sizeof err), 0);
    int rc = threshold_check_type(&t, type, err, sizeof err);
    if (rc != (ok ? 0 : -1)) {
        print_error("%s on %s: rc %d (%s)\n", src, metric_type_name(type), rc, err);
        fail();
    }
    if (!ok) { /* metrics/thresholds.go, Validate */
        char want[256];
        const char *allowed = type == METRIC_COUNTER ? "count, rate"
                              : type == METRIC_GAUGE ? "value"
                              : type == METRIC_RATE  ? "rate"
                                                     : "avg, min, max, med, p";
        snprintf(want, sizeof want,
                 "unsupported aggregation method %s on metric of type %s. supported aggregation "
                 "methods for this metric are: %s",
                 t.agg == THRESHOLD_PCT ? "p" : t.agg_name, metric_type_name(type), allowed);
        assert_string_equal(err, want);
    }
}

static void test_check_type(void **state) {
    (void)state;
    expect_type("count>1", METRIC_COUNTER, 1);
    expect_type("rate>1", METRIC_COUNTER, 1);
    expect_type("value>1", METRIC_COUNTER, 0);
    expect_type("avg>1", METRIC_COUNTER, 0);
    expect_type("value>1", METRIC_GAUGE, 1);
    expect_type("max>1", METRIC_GAUGE, 0);
    expect_type("count>1", METRIC_GAUGE, 0);
    expect_type("rate<0.1", METRIC_RATE, 1);
    expect_type("count<1", METRIC_RATE, 0);
    expect_type("p(95)<1", METRIC_TREND, 1);
    expect_type("p(95)<1", METRIC_COUNTER, 0); /* k6 names p(N) "p" in the message */
    expect_type("avg<1", METRIC_TREND, 1);
    expect_type("min<1", METRIC_TREND, 1);
    expect_type("max<1", METRIC_TREND, 1);
    expect_type("med<1", METRIC_TREND, 1);
    expect_type("count<1", METRIC_TREND, 0);
    expect_type("rate<1", METRIC_TREND, 0);
    expect_type("value<1", METRIC_TREND, 0);
}

static bool eval(const char *src, const sink *s, double duration_s, double *observed) {
    threshold t;
    char err[256];
    assert_int_equal(threshold_parse(src, &t, err, sizeof err), 0);
    return threshold_eval(&t, s, duration_s, observed);
}

static void test_eval(void **state) {
    (void)state;
    double obs;
    sink tr;
    sink_init(&tr, METRIC_TREND);
    for (int v = 10; v <= 40; v += 10) sink_add(&tr, v);
    assert_true(eval("p(90)<38", &tr, 1, &obs) && obs == 37);
    assert_false(eval("p(90)<37", &tr, 1, &obs));
    assert_true(eval("p(90) <= 37", &tr, 1, NULL));
    assert_true(eval("avg==25", &tr, 1, &obs) && obs == 25);
    assert_true(eval("avg===25", &tr, 1, NULL));
    assert_false(eval("max!=40", &tr, 1, &obs) || obs != 40);
    assert_true(eval("med>24.9", &tr, 1, NULL));
    assert_false(eval("rate<1", &tr, 1, &obs)); /* wrong type: fails, NaN */
    assert_true(isnan(obs));
    sink_free(&tr);

    sink c;
    sink_init(&c, METRIC_COUNTER);
    for (int i = 0; i < 6; i++) sink_add(&c, 1);
    assert_false(eval("count>=10", &c, 2, &obs));
    assert_true(obs == 6);
    assert_true(eval("rate<4", &c, 2, &obs) && obs == 3);
    sink_free(&c);

    sink r;
    sink_init(&r, METRIC_RATE);
    assert_true(eval("rate>0.99", &r, 1, NULL)); /* no samples: nothing to fail */
    sink_add(&r, 1);
    sink_add(&r, 0);
    sink_add(&r, 0);
    sink_add(&r, 0);
    assert_false(eval("rate<0.01", &r, 1, &obs));
    assert_true(obs == 0.25);
    sink_free(&r);

    sink g;
    sink_init(&g, METRIC_GAUGE);
    sink_add(&g, 9);
    sink_add(&g, 2);
    assert_true(eval("value<3", &g, 1, &obs) && obs == 2);
    sink_free(&g);
}

static void test_op_names(void **state) {
    (void)state;
    assert_string_equal(threshold_op_name(THRESHOLD_LE), "<=");
    assert_string_equal(threshold_op_name(THRESHOLD_NE), "!=");
    assert_string_equal(threshold_op_name(THRESHOLD_EQ), "==");
}

/* k6: metrics/metric.go, ParseMetricName */
static void test_metric_name(void **state) {
    (void)state;
    static const struct {
        const char *key, *want;
    } cases[] = {
        {"http_reqs", NULL},
        {"http_reqs{status:200}", NULL},
        {"http_reqs{status:200, method : GET}", NULL},
        {"http_reqs{status:200", "metric \"http_reqs{status:200\" has unmatched opening/close curly brace"},
        {"http_reqs}", "metric \"http_reqs}\" has unmatched opening/close curly brace"},
        {"a}b{", "metric \"a}b{\" closing curly brace appears before opening one"},
        {"a{b:c}d", "metric \"a{b:c}d\" lacks a closing curly brace in its last position"},
        {"a{b}", "metric \"b\" tag expression is malformed"},
        {"a{}", "metric \"\" tag expression is malformed"},
        {"a{b:1,c:}", "metric \"c:\" tag expression is malformed"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char err[256] = "", want[256];
        int rc = threshold_check_metric_name(cases[i].key, err, sizeof err);
        if (!cases[i].want) {
            assert_int_equal(rc, 0);
            continue;
        }
        assert_int_equal(rc, -1);
        snprintf(want, sizeof want, "unable to validate threshold expressions; reason: parsing metric name failed, %s",
                 cases[i].want);
        assert_string_equal(err, want);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_good), cmocka_unit_test(test_parse_bad), cmocka_unit_test(test_metric_name),
        cmocka_unit_test(test_check_type), cmocka_unit_test(test_eval),      cmocka_unit_test(test_op_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
