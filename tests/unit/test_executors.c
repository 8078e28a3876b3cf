/* test_executors.c - the executors' table (exec/executors.c): every row is
 * complete, its option list is what parsing accepts and what the JSON of
 * the options shows (in k6's order), and the shared readers/parsers
 * (util/strconv.c) follow Go's strconv. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/executor_def.h"
#include "util/strconv.h"

static void test_rows_complete(void **state) {
    (void)state;
    for (int e = 0; e < EXECUTOR_COUNT; e++) {
        const c6_executor_def *d = executor_def((c6_executor)e);
        assert_non_null(d);
        assert_non_null(d->name);
        assert_int_equal(executor_from_name(d->name), e);
        assert_string_equal(executor_name((c6_executor)e), d->name);
        assert_non_null(d->options);
        assert_non_null(d->defaults);
        assert_non_null(d->validate);
        assert_non_null(d->steps);
        assert_non_null(d->duration_us);
        assert_non_null(d->planned_vus);
        assert_non_null(d->max_vus);
        assert_non_null(d->describe);
        assert_non_null(d->next);
        assert_non_null(d->progress);
        /* an arrival-rate executor hands out iterations; it has no VU target */
        assert_false(d->arrival_at && d->vu_target);
        /* the time column shows the time taken only where iterations are counted */
        assert_true((d->time_col == TIME_COL_TAKEN) == (d->planned_iterations != NULL));
    }
    assert_null(executor_def(EXECUTOR_COUNT));
    assert_int_equal(executor_from_name("constant-vu"), -1);
}

/* Every option a row lists parses for that executor (and its JSON shows
 * them after the common ones, in the row's order); one it does not list
 * is refused with k6's decoding error. */
static void test_options_parse_and_marshal_in_row_order(void **state) {
    (void)state;
    for (int e = 0; e < EXECUTOR_COUNT; e++) {
        const c6_executor_def *d = executor_def((c6_executor)e);
        cJSON *root = cJSON_CreateObject(), *sc = cJSON_AddObjectToObject(root, "s");
        cJSON_AddStringToObject(sc, "executor", d->name);
        for (const char *const *k = d->options; *k; k++) {
            if (!strcmp(*k, "stages")) {
                cJSON *a = cJSON_AddArrayToObject(sc, "stages"), *st = cJSON_CreateObject();
                cJSON_AddStringToObject(st, "duration", "10s");
                cJSON_AddNumberToObject(st, "target", 2);
                cJSON_AddItemToArray(a, st);
            } else if (strstr(*k, "uration") || !strcmp(*k, "timeUnit") || !strcmp(*k, "gracefulRampDown")) {
                cJSON_AddStringToObject(sc, *k, "10s");
            } else {
                cJSON_AddNumberToObject(sc, *k, 2);
            }
        }
        c6_scenario *out = NULL;
        size_t n = 0;
        char err[512] = "", v[512] = "";
        assert_int_equal(scenarios_parse_json(root, "script options", &out, &n, err, sizeof err, v, sizeof v), 0);
        assert_int_equal(n, 1);
        cJSON *j = scenario_to_json(&out[0]);
        const char *common[] = {"executor", "startTime", "gracefulStop", "exec", "env", "tags"};
        const cJSON *it = j->child;
        for (size_t i = 0; i < sizeof common / sizeof *common; i++, it = it->next)
            assert_string_equal(it->string, common[i]);
        for (const char *const *k = d->options; *k; k++, it = it->next) assert_string_equal(it->string, *k);
        assert_null(it);
        cJSON_Delete(j);
        scenario_free(&out[0]);
        free(out);

        /* an option of no row of this executor's: "rate" or "vus" */
        const char *other = "rate";
        for (const char *const *k = d->options; *k; k++)
            if (!strcmp(*k, "rate")) other = "vus";
        cJSON_AddNumberToObject(sc, other, 1);
        assert_int_equal(scenarios_parse_json(root, "script options", &out, &n, err, sizeof err, v, sizeof v), -1);
        char want[160];
        snprintf(want, sizeof want, "options.scenarios.s.%s: unknown option for the %s executor", other, d->name);
        assert_string_equal(err, want);
        cJSON_Delete(root);
    }
}

static void test_strconv(void **state) {
    (void)state;
    int64_t v = 7;
    bool b = false;
    assert_int_equal(strconv_parse_i64("-42", &v), 0);
    assert_int_equal(v, -42);
    assert_int_equal(strconv_parse_i64("9223372036854775807", &v), 0);
    assert_int_equal(v, INT64_MAX);
    const char *bad_i[] = {"", " 1", "1 ", "1x", "9223372036854775808", "0x10"};
    for (size_t i = 0; i < sizeof bad_i / sizeof *bad_i; i++) assert_int_equal(strconv_parse_i64(bad_i[i], &v), -1);
    const char *yes[] = {"1", "t", "T", "true", "TRUE", "True"}, *no[] = {"0", "f", "F", "false", "FALSE", "False"};
    for (size_t i = 0; i < 6; i++) {
        assert_int_equal(strconv_parse_bool(yes[i], &b), 0);
        assert_true(b);
        assert_int_equal(strconv_parse_bool(no[i], &b), 0);
        assert_false(b);
    }
    const char *bad_b[] = {"", "yes", "tRUE", "on", "2"};
    for (size_t i = 0; i < sizeof bad_b / sizeof *bad_b; i++) assert_int_equal(strconv_parse_bool(bad_b[i], &b), -1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows_complete),
        cmocka_unit_test(test_options_parse_and_marshal_in_row_order),
        cmocka_unit_test(test_strconv),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
