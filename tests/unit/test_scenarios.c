/* test_scenarios.c - options.scenarios: parsing with k6's defaults, k6's
 * validation, banner descriptions, and the VU / duration arithmetic of the
 * combined plan (checked against k6's own examples and real k6 banners). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/scenarios.h"

#define S  1000000LL
#define MS 1000LL

/* JSON written with single quotes, for readable tests. */
static const char *J(const char *s) {
    static char buf[8][4096];
    static int k;
    char *b = buf[k++ % 8];
    snprintf(b, sizeof buf[0], "%s", s);
    for (char *p = b; *p; p++)
        if (*p == '\'') *p = '"';
    return b;
}

typedef struct {
    c6_scenario *v;
    size_t n;
} list;

static int parse(const char *json, const char *origin, list *l, char *err, size_t errlen) {
    cJSON *root = cJSON_Parse(J(json));
    if (!root) fail_msg("bad test JSON: %s", json);
    int rc = scenarios_from_json(root, origin, &l->v, &l->n, err, errlen);
    cJSON_Delete(root);
    return rc;
}

static list ok(const char *json) {
    list l;
    char err[512] = "";
    if (parse(json, "script options", &l, err, sizeof err) != 0) fail_msg("rejected %s: %s", json, err);
    return l;
}

static void bad(const char *json, const char *origin, const char *want) {
    list l = {(c6_scenario *)1, 99};
    char err[512] = "";
    if (parse(json, origin, &l, err, sizeof err) == 0) fail_msg("accepted %s", json);
    if (strcmp(err, want) != 0) fail_msg("for %s\n  got:  %s\n  want: %s", json, err, want);
    assert_null(l.v);
    assert_int_equal(l.n, 0);
}

static void drop(list *l) {
    for (size_t i = 0; i < l->n; i++) scenario_free(&l->v[i]);
    free(l->v);
}

static const char *kv(const c6_kv *kv, size_t n, const char *key) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(kv[i].key, key) == 0) return kv[i].value;
    return NULL;
}

/* ---- defaults ------------------------------------------------------------ */

static void test_defaults_of_each_executor(void **state) {
    (void)state;
    list l = ok("{'si': {'executor': 'shared-iterations'},"
                " 'pvi': {'executor': 'per-vu-iterations'},"
                " 'cv': {'executor': 'constant-vus', 'duration': '1m'},"
                " 'rv': {'executor': 'ramping-vus', 'stages': [{'duration': '10s', 'target': 5}]},"
                " 'car': {'executor': 'constant-arrival-rate', 'rate': 10, 'duration': '1m', 'preAllocatedVUs': 4},"
                " 'rar': {'executor': 'ramping-arrival-rate', 'preAllocatedVUs': 3,"
                "         'stages': [{'duration': '30s', 'target': 50}]},"
                " 'ec': {'executor': 'externally-controlled', 'duration': '0'}}");
    assert_int_equal(l.n, 7);
    /* Same startTime: by name. */
    const char *order[] = {"car", "cv", "ec", "pvi", "rar", "rv", "si"};
    for (size_t i = 0; i < 7; i++) {
        const c6_scenario *s = &l.v[i];
        assert_string_equal(s->name, order[i]);
        assert_string_equal(s->exec, "default");
        assert_false(s->exec_set);
        assert_int_equal(s->start_time_us, 0);
        assert_int_equal(s->graceful_stop_us, s->executor == EXECUTOR_EXTERNALLY_CONTROLLED ? 0 : 30 * S);
        assert_int_equal(s->nenv + s->ntags, 0);
    }
    const c6_scenario *car = &l.v[0], *cv = &l.v[1], *ec = &l.v[2], *pvi = &l.v[3], *rar = &l.v[4], *rv = &l.v[5],
                      *si = &l.v[6];
    assert_int_equal(si->executor, EXECUTOR_SHARED_ITERATIONS);
    assert_int_equal(si->vus, 1);
    assert_int_equal(si->iterations, 1);
    assert_int_equal(si->max_duration_us, 600 * S);
    assert_int_equal(pvi->executor, EXECUTOR_PER_VU_ITERATIONS);
    assert_int_equal(pvi->vus, 1);
    assert_int_equal(pvi->iterations, 1);
    assert_int_equal(pvi->max_duration_us, 600 * S);
    assert_int_equal(cv->executor, EXECUTOR_CONSTANT_VUS);
    assert_int_equal(cv->vus, 1);
    assert_int_equal(cv->duration_us, 60 * S);
    assert_int_equal(rv->executor, EXECUTOR_RAMPING_VUS);
    assert_int_equal(rv->start_vus, 1);
    assert_int_equal(rv->graceful_ramp_down_us, 30 * S);
    assert_int_equal(rv->nstages, 1);
    assert_int_equal(rv->stages[0].duration_us, 10 * S);
    assert_int_equal(rv->stages[0].target, 5);
    assert_int_equal(car->executor, EXECUTOR_CONSTANT_ARRIVAL_RATE);
    assert_int_equal(car->rate, 10);
    assert_int_equal(car->time_unit_us, 1 * S);
    assert_int_equal(car->pre_allocated_vus, 4);
    assert_int_equal(car->max_vus, 4); /* maxVUs defaults to preAllocatedVUs */
    assert_int_equal(rar->executor, EXECUTOR_RAMPING_ARRIVAL_RATE);
    assert_int_equal(rar->start_rate, 0);
    assert_int_equal(rar->time_unit_us, 1 * S);
    assert_int_equal(rar->max_vus, 3);
    assert_int_equal(rar->stages[0].target, 50);
    assert_int_equal(ec->executor, EXECUTOR_EXTERNALLY_CONTROLLED);
    assert_int_equal(ec->vus, 0);
    assert_int_equal(ec->max_vus, 0); /* maxVUs defaults to vus */
    assert_int_equal(ec->duration_us, 0);
    drop(&l);
}

/* ---- every option --------------------------------------------------------- */

static void test_every_option(void **state) {
    (void)state;
    list l = ok("{'late': {'executor': 'constant-arrival-rate', 'rate': '30', 'timeUnit': '1m',"
                "   'duration': 90000, 'preAllocatedVUs': 2, 'maxVUs': '20', 'startTime': '1m30s',"
                "   'gracefulStop': '5s', 'exec': 'checkout', 'env': {'HOST': 'a.test', 'EMPTY': null},"
                "   'tags': {'flow': 'buy'}, 'options': {'browser': {'type': 'chromium'}}},"
                " 'early': {'executor': 'ramping-arrival-rate', 'startRate': 5, 'timeUnit': 500,"
                "   'preAllocatedVUs': 1, 'maxVUs': 9, 'startTime': 2500,"
                "   'stages': [{'duration': '1m', 'target': 60}, {'duration': 0, 'target': '0'}]},"
                " 'ramp': {'executor': 'ramping-vus', 'startVUs': 0, 'gracefulRampDown': '0s',"
                "   'startTime': '1s', 'stages': [{'duration': '1d', 'target': 100}]},"
                " 'iters': {'executor': 'shared-iterations', 'vus': 4, 'iterations': 40, 'maxDuration': '90s'},"
                " 'each': {'executor': 'per-vu-iterations', 'vus': '2', 'iterations': 3, 'maxDuration': 1500},"
                " 'steady': {'executor': 'constant-vus', 'vus': 7, 'duration': '2m', 'gracefulStop': 0},"
                " 'ctl': {'executor': 'externally-controlled', 'vus': 5, 'maxVUs': 50, 'duration': '10m'}}");
    assert_int_equal(l.n, 7);
    /* k6's order: by startTime, then name. */
    const char *order[] = {"ctl", "each", "iters", "steady", "ramp", "early", "late"};
    for (size_t i = 0; i < l.n; i++) assert_string_equal(l.v[i].name, order[i]);

    const c6_scenario *ctl = &l.v[0], *each = &l.v[1], *iters = &l.v[2], *steady = &l.v[3], *ramp = &l.v[4],
                      *early = &l.v[5], *late = &l.v[6];
    assert_int_equal(late->rate, 30);
    assert_int_equal(late->time_unit_us, 60 * S);
    assert_int_equal(late->duration_us, 90 * S);
    assert_int_equal(late->max_vus, 20);
    assert_int_equal(late->start_time_us, 90 * S);
    assert_int_equal(late->graceful_stop_us, 5 * S);
    assert_true(late->exec_set);
    assert_string_equal(late->exec, "checkout");
    assert_int_equal(late->nenv, 2);
    assert_string_equal(kv(late->env, late->nenv, "HOST"), "a.test");
    assert_string_equal(kv(late->env, late->nenv, "EMPTY"), "");
    assert_int_equal(late->ntags, 1);
    assert_string_equal(kv(late->tags, late->ntags, "flow"), "buy");

    assert_int_equal(early->start_rate, 5);
    assert_int_equal(early->time_unit_us, 500 * MS);
    assert_int_equal(early->start_time_us, 2500 * MS);
    assert_int_equal(early->nstages, 2);
    assert_int_equal(early->stages[1].duration_us, 0);
    assert_int_equal(early->stages[1].target, 0);
    assert_int_equal(early->max_vus, 9);

    assert_int_equal(ramp->start_vus, 0);
    assert_int_equal(ramp->graceful_ramp_down_us, 0);
    assert_int_equal(ramp->stages[0].duration_us, 24LL * 3600 * S);

    assert_int_equal(iters->vus, 4);
    assert_int_equal(iters->iterations, 40);
    assert_int_equal(iters->max_duration_us, 90 * S);
    assert_int_equal(each->vus, 2);
    assert_int_equal(each->max_duration_us, 1500 * MS);
    assert_int_equal(steady->vus, 7);
    assert_int_equal(steady->graceful_stop_us, 0);
    assert_int_equal(ctl->vus, 5);
    assert_int_equal(ctl->max_vus, 50);
    assert_int_equal(ctl->duration_us, 600 * S);
    drop(&l);
}

/* Go's JSON decoding: keys match case-insensitively, a repeated key or
 * scenario name keeps the last value, null keeps the default. */
static void test_keys_as_go_reads_them(void **state) {
    (void)state;
    list l = ok("{'a': {'Executor': 'constant-vus', 'VUS': 3, 'Duration': '10s', 'vus': 4, 'gracefulstop': null},"
                " 'b': {'executor': 'shared-iterations', 'iterations': 5},"
                " 'b': {'executor': 'per-vu-iterations', 'iterations': 6, 'vus': ''}}");
    assert_int_equal(l.n, 2);
    assert_int_equal(l.v[0].vus, 4);
    assert_int_equal(l.v[0].duration_us, 10 * S);
    assert_int_equal(l.v[0].graceful_stop_us, 30 * S);
    assert_int_equal(l.v[1].executor, EXECUTOR_PER_VU_ITERATIONS);
    assert_int_equal(l.v[1].iterations, 6);
    assert_int_equal(l.v[1].vus, 1); /* "" = not set */
    drop(&l);

    /* Lists: a repeated env name keeps its last value; null empties a list. */
    l = ok("{'a': {'executor': 'shared-iterations', 'env': {'K': '1', 'K': '2', 'L': '3'}, 'tags': {'t': 'x'},"
           " 'tags': null}}");
    assert_int_equal(l.v[0].nenv, 2);
    assert_string_equal(kv(l.v[0].env, l.v[0].nenv, "K"), "2");
    assert_int_equal(l.v[0].ntags, 0);
    assert_null(l.v[0].tags);
    drop(&l);
    bad("{'a': {'executor': 'ramping-vus', 'stages': [{'duration': '1s', 'target': 1}], 'stages': null}}",
        "script options", "scenario a has configuration errors: at least one stage has to be specified");

    l = ok("{}");
    assert_int_equal(l.n, 0);
    assert_null(l.v);
    drop(&l);
}

/* ---- errors while reading the JSON -------------------------------------- */

static void test_json_errors(void **state) {
    (void)state;
    static const struct {
        const char *json, *err;
    } cases[] = {
        {"[]", "options.scenarios: must be an object of named scenarios"},
        {"{'a': 5}", "options.scenarios.a: must be an object with an executor and its options"},
        {"{'a': {'vus': 5}}", "scenario 'a' doesn't have a specified executor type"},
        {"{'a': {'executor': ''}}", "scenario 'a' doesn't have a specified executor type"},
        {"{'a': {'executor': 'constant-looping-vus'}}", "unknown executor type 'constant-looping-vus'"},
        {"{'a': {'executor': 'Constant-VUs'}}", "unknown executor type 'Constant-VUs'"},
        {"{'a': {'executor': 7}}", "options.scenarios.a.executor: must be a string"},
        {"{'a': {'executor': 'constant-vus', 'duration': '1m', 'rate': 5}}",
         "options.scenarios.a.rate: unknown option for the constant-vus executor"},
        {"{'a': {'executor': 'constant-arrival-rate', 'vus': 5}}",
         "options.scenarios.a.vus: unknown option for the constant-arrival-rate executor"},
        {"{'a': {'executor': 'ramping-vus', 'target': 5}}",
         "options.scenarios.a.target: unknown option for the ramping-vus executor"},
        {"{'a': {'executor': 'shared-iterations', 'duration': '1m'}}",
         "options.scenarios.a.duration: unknown option for the shared-iterations executor"},
        {"{'a': {'executor': 'externally-controlled', 'iterations': 1}}",
         "options.scenarios.a.iterations: unknown option for the externally-controlled executor"},
        {"{'a': {'executor': 'shared-iterations', 'vus': 1.5}}",
         "options.scenarios.a.vus: must be an integer, got 1.5"},
        {"{'a': {'executor': 'shared-iterations', 'vus': 'ten'}}",
         "options.scenarios.a.vus: must be an integer, got \"ten\""},
        {"{'a': {'executor': 'shared-iterations', 'iterations': true}}",
         "options.scenarios.a.iterations: must be an integer"},
        {"{'a': {'executor': 'constant-vus', 'duration': '1x'}}",
         "time: unknown unit \"x\" in duration \"1x\""}, /* k6: the Unmarshaler's error as it is (lib/types/types.go, Go's time/format.go) */
        {"{'a': {'executor': 'constant-vus', 'duration': []}}",
         "options.scenarios.a.duration: must be a duration string like \"30s\" or a number of milliseconds"},
        {"{'a': {'executor': 'constant-vus', 'startTime': ''}}",
         "time: invalid duration \"\""}, /* k6: the Unmarshaler's error as it is (lib/types/types.go, Go's time/format.go) */
        {"{'a': {'executor': 'constant-vus', 'exec': 5}}",
         "options.scenarios.a.exec: must be a string (the name of an exported function)"},
        {"{'a': {'executor': 'constant-vus', 'env': ['X=1']}}",
         "options.scenarios.a.env: must be an object of name: \"value\""},
        {"{'a': {'executor': 'constant-vus', 'env': {'X': 1}}}", "options.scenarios.a.env.X: must be a string"},
        {"{'a': {'executor': 'constant-vus', 'tags': {'t': true}}}", "options.scenarios.a.tags.t: must be a string"},
        {"{'a': {'executor': 'constant-vus', 'options': 'x'}}", "options.scenarios.a.options: must be an object"},
        {"{'a': {'executor': 'ramping-vus', 'stages': {}}}",
         "options.scenarios.a.stages: must be an array of {duration, target}"},
        {"{'a': {'executor': 'ramping-vus', 'stages': [{'duration': '1s', 'target': 1}, 3]}}",
         "options.scenarios.a.stages[1]: must be an object like {duration: \"30s\", target: 10}"},
        {"{'a': {'executor': 'ramping-vus', 'stages': [{'duration': '1s', 'target': 1, 'vus': 2}]}}",
         "options.scenarios.a.stages[0].vus: unknown option (a stage has a duration and a target)"},
        {"{'a': {'executor': 'ramping-arrival-rate', 'stages': [{'duration': '1s', 'target': 0.5}]}}",
         "options.scenarios.a.stages[0].target: must be an integer, got 0.5"},
        {"{'ok': {'executor': 'constant-vus', 'duration': '1s'}, 'z': {'executor': 'nope'}}",
         "unknown executor type 'nope'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) bad(cases[i].json, "script options", cases[i].err);
    bad("{'a': {'executor': 'per-vu-iterations', 'vu': 1}}", "/etc/k6.json",
        "/etc/k6.json: scenarios.a.vu: unknown option for the per-vu-iterations executor");
}

/* ---- k6's validation -------------------------------------------------------- */

static void test_validation_errors(void **state) {
    (void)state;
    static const struct {
        const char *json, *err;
    } cases[] = {
        /* base options */
        {"{'a b': {'executor': 'shared-iterations'}}",
         "scenario a b has configuration errors: the executor name should contain only numbers, latin letters, "
         "underscores, and dashes"},
        {"{'café': {'executor': 'shared-iterations'}}",
         "scenario café has configuration errors: the executor name should contain only numbers, latin letters, "
         "underscores, and dashes"},
        {"{'': {'executor': 'shared-iterations'}}",
         "scenario  has configuration errors: executor name shouldn't be empty, the executor name should contain only "
         "numbers, latin letters, underscores, and dashes"},
        {"{'a': {'executor': 'shared-iterations', 'exec': ''}}",
         "scenario a has configuration errors: exec value cannot be empty"},
        {"{'a': {'executor': 'shared-iterations', 'startTime': '-5s'}}",
         "scenario a has configuration errors: the startTime can't be negative"},
        {"{'a': {'executor': 'shared-iterations', 'gracefulStop': -1500}}",
         "scenario a has configuration errors: the gracefulStop timeout can't be negative"},
        /* shared-iterations */
        {"{'a': {'executor': 'shared-iterations', 'vus': 0}}",
         "scenario a has configuration errors: the number of VUs must be more than 0"},
        {"{'a': {'executor': 'shared-iterations', 'vus': 10, 'iterations': 5}}",
         "scenario a has configuration errors: the number of iterations (5) can't be less than the number of VUs (10)"},
        {"{'a': {'executor': 'shared-iterations', 'vus': 2}}",
         "scenario a has configuration errors: the number of iterations (1) can't be less than the number of VUs (2)"},
        {"{'a': {'executor': 'shared-iterations', 'maxDuration': '999ms'}}",
         "scenario a has configuration errors: the maxDuration must be at least 1s, but is 999ms"},
        /* per-vu-iterations */
        {"{'a': {'executor': 'per-vu-iterations', 'vus': -1}}",
         "scenario a has configuration errors: the number of VUs must be more than 0"},
        {"{'a': {'executor': 'per-vu-iterations', 'iterations': 0}}",
         "scenario a has configuration errors: the number of iterations must be more than 0"},
        {"{'a': {'executor': 'per-vu-iterations', 'maxDuration': 0}}",
         "scenario a has configuration errors: the maxDuration must be at least 1s, but is 0s"},
        /* constant-vus */
        {"{'a': {'executor': 'constant-vus'}}", "scenario a has configuration errors: the duration is unspecified"},
        {"{'a': {'executor': 'constant-vus', 'duration': null}}",
         "scenario a has configuration errors: the duration is unspecified"},
        {"{'a': {'executor': 'constant-vus', 'duration': '10s', 'vus': 0}}",
         "scenario a has configuration errors: the number of VUs must be more than 0"},
        {"{'a': {'executor': 'constant-vus', 'duration': '0.5s'}}",
         "scenario a has configuration errors: the duration must be at least 1s, but is 500ms"},
        /* ramping-vus */
        {"{'a': {'executor': 'ramping-vus'}}",
         "scenario a has configuration errors: at least one stage has to be specified"},
        {"{'a': {'executor': 'ramping-vus', 'stages': []}}",
         "scenario a has configuration errors: at least one stage has to be specified"},
        {"{'a': {'executor': 'ramping-vus', 'startVUs': -1, 'stages': [{'duration': '1s', 'target': 1}]}}",
         "scenario a has configuration errors: the number of start VUs can't be negative"},
        {"{'a': {'executor': 'ramping-vus', 'startVUs': 0, 'stages': [{'duration': '1s', 'target': 0}]}}",
         "scenario a has configuration errors: either startVUs or one of the stages' target values must be greater "
         "than 0"},
        {"{'a': {'executor': 'ramping-vus', 'stages': [{'duration': '1s', 'target': 1}, {'target': 2}]}}",
         "scenario a has configuration errors: stage 2 doesn't have a duration"},
        {"{'a': {'executor': 'ramping-vus', 'stages': [{'duration': '1s', 'target': null}]}}",
         "scenario a has configuration errors: stage 1 doesn't have a target"},
        {"{'a': {'executor': 'ramping-vus', 'stages': [{'duration': '-1s', 'target': 1}]}}",
         "scenario a has configuration errors: the duration for stage 1 can't be negative"},
        {"{'a': {'executor': 'ramping-vus', 'stages': [{'duration': '1s', 'target': 3}, {'duration': '1s', 'target': "
         "-2}]}}",
         "scenario a has configuration errors: the target for stage 2 can't be negative"},
        {"{'a': {'executor': 'ramping-vus', 'startVUs': 100000001, 'stages': [{'duration': '1s', 'target': 1}]}}",
         "scenario a has configuration errors: the startVUs exceed max limit of 100000000"},
        {"{'a': {'executor': 'ramping-vus', 'stages': [{'duration': '1s', 'target': 200000000}]}}",
         "scenario a has configuration errors: target for stage 1 exceeds max limit of 100000000"},
        /* constant-arrival-rate */
        {"{'a': {'executor': 'constant-arrival-rate', 'duration': '1m', 'preAllocatedVUs': 1}}",
         "scenario a has configuration errors: the iteration rate isn't specified"},
        {"{'a': {'executor': 'constant-arrival-rate', 'rate': 5, 'preAllocatedVUs': 1}}",
         "scenario a has configuration errors: the duration is unspecified"},
        {"{'a': {'executor': 'constant-arrival-rate', 'rate': 5, 'duration': '1m'}}",
         "scenario a has configuration errors: the number of preAllocatedVUs isn't specified"},
        {"{'a': {'executor': 'constant-arrival-rate', 'rate': 0, 'duration': '1m', 'preAllocatedVUs': 1}}",
         "scenario a has configuration errors: the iteration rate should be more than 0"},
        {"{'a': {'executor': 'constant-arrival-rate', 'rate': -2, 'duration': '1m', 'preAllocatedVUs': 1}}",
         "scenario a has configuration errors: the iteration rate should be more than 0"},
        {"{'a': {'executor': 'constant-arrival-rate', 'rate': 1, 'timeUnit': 0, 'duration': '1m', 'preAllocatedVUs': "
         "1}}",
         "scenario a has configuration errors: the timeUnit should be more than 0"},
        {"{'a': {'executor': 'constant-arrival-rate', 'rate': 1, 'duration': '900ms', 'preAllocatedVUs': 1}}",
         "scenario a has configuration errors: the duration should be at least 1s, but is 900ms"},
        {"{'a': {'executor': 'constant-arrival-rate', 'rate': 1, 'duration': '1m', 'preAllocatedVUs': -1}}",
         "scenario a has configuration errors: the number of preAllocatedVUs shouldn't be negative"},
        {"{'contacts': {'executor': 'constant-arrival-rate', 'rate': 1, 'duration': '1m', 'preAllocatedVUs': 10, "
         "'maxVUs': 5}}",
         "scenario contacts has configuration errors: maxVUs shouldn't be less than preAllocatedVUs"},
        /* ramping-arrival-rate */
        {"{'a': {'executor': 'ramping-arrival-rate', 'stages': [{'duration': '1s', 'target': 1}]}}",
         "scenario a has configuration errors: the number of preAllocatedVUs isn't specified"},
        {"{'a': {'executor': 'ramping-arrival-rate', 'preAllocatedVUs': 1}}",
         "scenario a has configuration errors: at least one stage has to be specified"},
        {"{'a': {'executor': 'ramping-arrival-rate', 'startRate': -1, 'preAllocatedVUs': 1,"
         " 'stages': [{'duration': '1s', 'target': 1}]}}",
         "scenario a has configuration errors: the startRate value can't be negative"},
        {"{'a': {'executor': 'ramping-arrival-rate', 'timeUnit': '0s', 'preAllocatedVUs': 1,"
         " 'stages': [{'duration': '1s', 'target': 1}]}}",
         "scenario a has configuration errors: the timeUnit should be more than 0"},
        {"{'a': {'executor': 'ramping-arrival-rate', 'preAllocatedVUs': 1, 'stages': [{'duration': '1s'}]}}",
         "scenario a has configuration errors: stage 1 doesn't have a target"},
        {"{'a': {'executor': 'ramping-arrival-rate', 'preAllocatedVUs': 5, 'maxVUs': 4,"
         " 'stages': [{'duration': '1s', 'target': 1}]}}",
         "scenario a has configuration errors: maxVUs shouldn't be less than preAllocatedVUs"},
        /* externally-controlled */
        {"{'a': {'executor': 'externally-controlled', 'vus': 1}}",
         "scenario a has configuration errors: the duration is unspecified"},
        {"{'a': {'executor': 'externally-controlled', 'duration': '1m', 'gracefulStop': '0s'}}",
         "scenario a has configuration errors: gracefulStop is not supported by the externally-controlled executor"},
        {"{'a': {'executor': 'externally-controlled', 'duration': '1m', 'vus': -1, 'maxVUs': 0}}",
         "scenario a has configuration errors: the number of VUs can't be negative"},
        {"{'a': {'executor': 'externally-controlled', 'duration': '1m', 'vus': 10, 'maxVUs': 5}}",
         "scenario a has configuration errors: the number of active VUs can't be more than the max VUs"},
        {"{'a': {'executor': 'externally-controlled', 'duration': '-1m'}}",
         "scenario a has configuration errors: the duration can't be negative"},
        /* the first scenario in k6's order is reported */
        {"{'b': {'executor': 'constant-vus'}, 'a': {'executor': 'constant-vus', 'startTime': '1s'},"
         " 'c': {'executor': 'shared-iterations', 'vus': 0}}",
         "scenario b has configuration errors: the duration is unspecified\n\t- scenario c has configuration errors: "
         "the number of VUs must be more than 0\n\t- scenario a has configuration errors: the duration is unspecified"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) bad(cases[i].json, "script options", cases[i].err);
    /* validation errors do not name where the scenario came from (k6 neither) */
    bad("{'a': {'executor': 'shared-iterations', 'vus': 0}}", "k6.json",
        "scenario a has configuration errors: the number of VUs must be more than 0");

    /* The limits themselves are fine. */
    list l =
        ok("{'a': {'executor': 'constant-vus', 'duration': '1s'},"
           " 'b': {'executor': 'shared-iterations', 'vus': 3, 'iterations': 3, 'maxDuration': '1s'},"
           " 'c': {'executor': 'constant-arrival-rate', 'rate': 1, 'duration': '1s', 'preAllocatedVUs': 0},"
           " 'd': {'executor': 'externally-controlled', 'duration': 0, 'vus': 0, 'maxVUs': 0},"
           " 'e': {'executor': 'ramping-vus', 'startVUs': 0, 'stages': [{'duration': 0, 'target': 100000000}]},"
           " 'f': {'executor': 'ramping-arrival-rate', 'preAllocatedVUs': 0, 'stages': [{'duration': 0, 'target': 0}]},"
           " 'g_-9': {'executor': 'per-vu-iterations'}}");
    assert_int_equal(l.n, 7);
    drop(&l);
}

/* Validation comes apart from reading, so options.c can report it only for
 * the scenarios that win the consolidation (as k6 does). */
static void test_parse_without_validation(void **state) {
    (void)state;
    cJSON *root = cJSON_Parse(J("{'x': {'executor': 'constant-vus', 'vus': 0, 'duration': '5s'},"
                                " 'w': {'executor': 'constant-vus'}}"));
    c6_scenario *v;
    size_t n;
    char err[256] = "", vmsg[256] = "?";
    assert_int_equal(scenarios_parse_json(root, "k6.json", &v, &n, err, sizeof err, vmsg, sizeof vmsg), 0);
    assert_int_equal(n, 2);
    /* every invalid scenario, one line each, in k6's order (startTime, then name) */
    assert_string_equal(vmsg, "scenario w has configuration errors: the duration is unspecified\n"
                              "\t- scenario x has configuration errors: the number of VUs must be more than 0");
    assert_int_equal(v[1].vus, 0);
    list l = {v, n};
    drop(&l);
    cJSON_Delete(root);

    root = cJSON_Parse(J("{'x': {'executor': 'constant-vus', 'duration': '5s'}}"));
    assert_int_equal(scenarios_parse_json(root, "script options", &v, &n, err, sizeof err, vmsg, sizeof vmsg), 0);
    assert_string_equal(vmsg, "");
    l = (list){v, n};
    drop(&l);
    cJSON_Delete(root);
}

static c6_scenario make(c6_executor e) {
    c6_scenario s;
    memset(&s, 0, sizeof s);
    s.name = "default";
    s.exec = "default";
    s.executor = e;
    s.graceful_stop_us = e == EXECUTOR_EXTERNALLY_CONTROLLED ? 0 : 30 * S;
    return s;
}

static void test_validate_made_scenarios(void **state) {
    (void)state;
    char err[256];
    c6_scenario s = make(EXECUTOR_CONSTANT_VUS);
    s.vus = 2;
    s.duration_us = 5 * S;
    assert_int_equal(scenario_validate(&s, err, sizeof err), 0);
    s.name = "";
    assert_int_equal(scenario_validate(&s, err, sizeof err), -1);
    assert_string_equal(err, "scenario  has configuration errors: executor name shouldn't be empty, the executor "
                             "name should contain only numbers, latin letters, underscores, and dashes");
    s.name = "default";
    s.duration_us = 0;
    assert_int_equal(scenario_validate(&s, err, sizeof err), -1);
    assert_string_equal(err, "scenario default has configuration errors: the duration must be at least 1s, but is 0s");

    c6_scenario x = make(EXECUTOR_EXTERNALLY_CONTROLLED);
    x.graceful_stop_us = 1 * S;
    assert_int_equal(scenario_validate(&x, err, sizeof err), -1);
    assert_string_equal(err, "scenario default has configuration errors: gracefulStop is not supported by the "
                             "externally-controlled executor");
}

static void test_copy_is_deep(void **state) {
    (void)state;
    list l = ok("{'a': {'executor': 'ramping-vus', 'exec': 'f', 'env': {'K': 'V'}, 'tags': {'t': 'u'},"
                " 'stages': [{'duration': '1s', 'target': 2}]}}");
    c6_scenario c;
    scenario_copy(&c, &l.v[0]);
    drop(&l); /* the copy must not point into the original */
    assert_string_equal(c.name, "a");
    assert_string_equal(c.exec, "f");
    assert_string_equal(c.env[0].value, "V");
    assert_string_equal(c.tags[0].key, "t");
    assert_int_equal(c.stages[0].target, 2);
    scenario_free(&c);
    assert_null(c.name);
}

/* ---- banner descriptions ---------------------------------------------------- */

static void desc_is(const char *json, const char *want) {
    char buf[512];
    list l = ok(json);
    scenario_describe(&l.v[0], buf, sizeof buf);
    drop(&l);
    if (strcmp(buf, want) != 0) fail_msg("for %s\n  got:  %s\n  want: %s", json, buf, want);
}

static void test_describe(void **state) {
    (void)state;
    desc_is("{'a': {'executor': 'shared-iterations'}}",
            "1 iterations shared among 1 VUs (maxDuration: 10m0s, gracefulStop: 30s)");
    desc_is("{'inject': {'executor': 'shared-iterations', 'exec': 'injectFaults'}}",
            "1 iterations shared among 1 VUs (maxDuration: 10m0s, exec: injectFaults, gracefulStop: 30s)");
    desc_is("{'a': {'executor': 'per-vu-iterations', 'vus': 3, 'iterations': 2}}",
            "2 iterations for each of 3 VUs (maxDuration: 10m0s, gracefulStop: 30s)");
    desc_is("{'a': {'executor': 'per-vu-iterations', 'vus': 5, 'iterations': 10, 'maxDuration': '20s',"
            " 'startTime': '10s', 'exec': 'news'}}",
            "10 iterations for each of 5 VUs (maxDuration: 20s, exec: news, startTime: 10s, gracefulStop: 30s)");
    desc_is("{'a': {'executor': 'constant-vus', 'vus': 10, 'duration': '30s'}}",
            "10 looping VUs for 30s (gracefulStop: 30s)");
    desc_is("{'a': {'executor': 'constant-vus', 'vus': 100, 'duration': '10s', 'gracefulStop': '3s'}}",
            "100 looping VUs for 10s (gracefulStop: 3s)");
    desc_is("{'a': {'executor': 'constant-vus', 'duration': '90s', 'gracefulStop': 0}}", "1 looping VUs for 1m30s");
    desc_is("{'a': {'executor': 'constant-vus', 'duration': '1m', 'gracefulStop': 0, 'startTime': '1h'}}",
            "1 looping VUs for 1m0s (startTime: 1h0m0s)");
    desc_is("{'a': {'executor': 'ramping-vus', 'startVUs': 0, 'stages': [{'duration': '20s', 'target': 10},"
            " {'duration': '10s', 'target': 0}]}}",
            "Up to 10 looping VUs for 30s over 2 stages (gracefulRampDown: 30s, gracefulStop: 30s)");
    desc_is(
        "{'teeter_totter': {'executor': 'ramping-vus', 'startVUs': 1200, 'gracefulRampDown': '10s',"
        " 'startTime': '1m40s', 'stages': [{'duration': '30s', 'target': 600}, {'duration': '30s', 'target': 1000},"
        " {'duration': '30s', 'target': 0}, {'duration': '30s', 'target': 10}]}}",
        "Up to 1200 looping VUs for 2m0s over 4 stages (gracefulRampDown: 10s, startTime: 1m40s, gracefulStop: 30s)");
    desc_is("{'a': {'executor': 'constant-arrival-rate', 'rate': 100, 'duration': '30s', 'preAllocatedVUs': 100,"
            " 'maxVUs': 200, 'startTime': '10s'}}",
            "100.00 iterations/s for 30s (maxVUs: 100-200, startTime: 10s, gracefulStop: 30s)");
    desc_is("{'a': {'executor': 'constant-arrival-rate', 'rate': 5, 'timeUnit': '3s', 'duration': '1m',"
            " 'preAllocatedVUs': 50}}",
            "1.67 iterations/s for 1m0s (maxVUs: 50, gracefulStop: 30s)");
    desc_is("{'load': {'executor': 'constant-arrival-rate', 'rate': 20, 'duration': '1m', 'preAllocatedVUs': 5,"
            " 'maxVUs': 100, 'exec': 'requestProduct'}}",
            "20.00 iterations/s for 1m0s (maxVUs: 5-100, exec: requestProduct, gracefulStop: 30s)");
    desc_is("{'a': {'executor': 'constant-arrival-rate', 'rate': 20, 'duration': '1m', 'preAllocatedVUs': 0}}",
            "0.00 iterations/s for 1m0s (maxVUs: 0, gracefulStop: 30s)");
    desc_is("{'a': {'executor': 'ramping-arrival-rate', 'preAllocatedVUs': 200, 'maxVUs': 250,"
            " 'stages': [{'duration': '4m', 'target': 50}]}}",
            "Up to 50.00 iterations/s for 4m0s over 1 stages (maxVUs: 200-250, gracefulStop: 30s)");
    desc_is("{'a': {'executor': 'ramping-arrival-rate', 'startRate': 300, 'timeUnit': '1m', 'preAllocatedVUs': 2,"
            " 'stages': [{'duration': '1m', 'target': 60}, {'duration': '2m', 'target': 120}], 'gracefulStop': 0}}",
            "Up to 5.00 iterations/s for 3m0s over 2 stages (maxVUs: 2)");
    desc_is("{'a': {'executor': 'externally-controlled', 'vus': 10, 'maxVUs': 50, 'duration': '10m'}}",
            "Externally controlled execution with 10 VUs, 50 max VUs, 10m0s duration");
    desc_is("{'a': {'executor': 'externally-controlled', 'vus': 2, 'duration': 0, 'exec': 'x', 'startTime': '5s'}}",
            "Externally controlled execution with 2 VUs, 2 max VUs, infinite duration");
}

/* ---- durations and VU counts ---------------------------------------------- */

/* k6's own example (TestRampingVUsConfigExecutionPlanExample): startVUs 4 and
 * eight stages; the end of the requirements for several gracefulStop and
 * gracefulRampDown values. */
static void test_ramping_vus_end_as_k6(void **state) {
    (void)state;
    list l = ok("{'r': {'executor': 'ramping-vus', 'startVUs': 4, 'stages': ["
                " {'duration': '2s', 'target': 6}, {'duration': '5s', 'target': 1},"
                " {'duration': '4s', 'target': 5}, {'duration': '4s', 'target': 1},"
                " {'duration': '3s', 'target': 4}, {'duration': '2s', 'target': 4},"
                " {'duration': '0s', 'target': 1}, {'duration': '3s', 'target': 1}]}}");
    c6_scenario *r = &l.v[0];
    assert_int_equal(scenario_duration_us(r), 23 * S);
    assert_int_equal(scenario_planned_vus(r), 6);
    assert_int_equal(scenario_max_duration_us(r), 53 * S);
    assert_int_equal(scenarios_max_vus(r, 1), 6);
    r->graceful_stop_us = 80 * S;
    assert_int_equal(scenario_max_duration_us(r), 103 * S);
    r->graceful_stop_us = 3 * S;
    assert_int_equal(scenario_max_duration_us(r), 26 * S);
    r->graceful_stop_us = 0;
    assert_int_equal(scenario_max_duration_us(r), 23 * S);
    r->graceful_ramp_down_us = 0;
    assert_int_equal(scenario_max_duration_us(r), 23 * S);
    drop(&l);

    /* Down to 0 before the last stages: the VUs are given back after the
     * last ramp-down (+ gracefulRampDown), not at stages + gracefulStop. */
    l = ok("{'r': {'executor': 'ramping-vus', 'startVUs': 0, 'gracefulRampDown': 0, 'stages': ["
           " {'duration': '10s', 'target': 10}, {'duration': '10s', 'target': 0}, {'duration': '30s', 'target': 0}]}}");
    assert_int_equal(scenario_duration_us(&l.v[0]), 50 * S);
    assert_int_equal(scenario_max_duration_us(&l.v[0]), 20 * S);
    assert_int_equal(scenarios_max_duration_us(l.v, 1), 20 * S);
    l.v[0].graceful_ramp_down_us = 5 * S;
    assert_int_equal(scenario_max_duration_us(&l.v[0]), 25 * S);
    l.v[0].stages[2].target = 1; /* ends above 0: held to stages + gracefulStop */
    assert_int_equal(scenario_max_duration_us(&l.v[0]), 80 * S);
    drop(&l);
}

static void test_max_duration_of_each_executor(void **state) {
    (void)state;
    list l = ok("{'a': {'executor': 'shared-iterations', 'maxDuration': '1m'},"
                " 'b': {'executor': 'per-vu-iterations', 'gracefulStop': '5s'},"
                " 'c': {'executor': 'constant-vus', 'duration': '30s'},"
                " 'd': {'executor': 'constant-arrival-rate', 'rate': 1, 'duration': '1m', 'preAllocatedVUs': 1},"
                " 'e': {'executor': 'ramping-arrival-rate', 'preAllocatedVUs': 1, 'gracefulStop': '10s',"
                "       'stages': [{'duration': '1m', 'target': 5}, {'duration': '1m', 'target': 0}]},"
                " 'f': {'executor': 'externally-controlled', 'duration': '2m'},"
                " 'g': {'executor': 'externally-controlled', 'duration': 0}}");
    assert_int_equal(scenario_max_duration_us(&l.v[0]), 90 * S);
    assert_int_equal(scenario_max_duration_us(&l.v[1]), 605 * S);
    assert_int_equal(scenario_max_duration_us(&l.v[2]), 60 * S);
    assert_int_equal(scenario_max_duration_us(&l.v[3]), 90 * S);
    assert_int_equal(scenario_duration_us(&l.v[4]), 120 * S);
    assert_int_equal(scenario_max_duration_us(&l.v[4]), 130 * S);
    assert_int_equal(scenario_max_duration_us(&l.v[5]), 120 * S); /* no gracefulStop */
    assert_int_equal(scenario_max_duration_us(&l.v[6]), 0);       /* runs until stopped */
    drop(&l);
}

typedef struct {
    int64_t vus, unplanned, end;
} totals;

static totals plan_of(const char *json) {
    list l = ok(json);
    totals t = {scenarios_max_vus(l.v, l.n), scenarios_max_unplanned_vus(l.v, l.n),
                scenarios_max_duration_us(l.v, l.n)};
    drop(&l);
    return t;
}

#define TOTALS(json, v, u, e)                                                                                          \
    do {                                                                                                               \
        totals t_ = plan_of(json);                                                                                     \
        if (t_.vus != (v) || t_.unplanned != (u) || t_.end != (e))                                                     \
            fail_msg("%s\n  got vus=%lld unplanned=%lld end=%lld", json, (long long)t_.vus, (long long)t_.unplanned,   \
                     (long long)t_.end);                                                                               \
    } while (0)

static void test_combined_plan_real_banners(void **state) {
    (void)state;
    /* "2 scenarios, 500 max VUs, 5m30s max duration", running "000/400 VUs":
     * the second starts before the first's gracefulStop is over. */
    TOTALS("{'ramp_to_load': {'executor': 'ramping-arrival-rate', 'preAllocatedVUs': 200, 'maxVUs': 250,"
           "   'stages': [{'duration': '4m', 'target': 50}]},"
           " 'maintain_load': {'executor': 'constant-arrival-rate', 'rate': 50, 'duration': '1m',"
           "   'preAllocatedVUs': 200, 'maxVUs': 250, 'startTime': '4m'}}",
           400, 100, 330 * S);
    /* "2 scenarios, 101 max VUs, 10m30s", running "000/006 VUs". */
    TOTALS("{'inject': {'executor': 'shared-iterations', 'exec': 'injectFaults'},"
           " 'load': {'executor': 'constant-arrival-rate', 'rate': 20, 'duration': '1m', 'preAllocatedVUs': 5,"
           "   'maxVUs': 100, 'exec': 'requestProduct'}}",
           6, 95, 630 * S);
}

static void test_combined_plan_reuses_vus(void **state) {
    (void)state;
    /* In sequence: the second starts when the first (gracefulStop 0) ends. */
    TOTALS("{'a': {'executor': 'constant-vus', 'vus': 5, 'duration': '10s', 'gracefulStop': 0},"
           " 'b': {'executor': 'per-vu-iterations', 'vus': 3, 'startTime': '10s'}}",
           5, 0, 640 * S);
    /* With the default gracefulStop they overlap. */
    TOTALS("{'a': {'executor': 'constant-vus', 'vus': 5, 'duration': '10s'},"
           " 'b': {'executor': 'per-vu-iterations', 'vus': 3, 'startTime': '10s'}}",
           8, 0, 640 * S);
    /* Starting exactly at the end of the first's gracefulStop: no overlap. */
    TOTALS("{'a': {'executor': 'constant-vus', 'vus': 5, 'duration': '10s'},"
           " 'b': {'executor': 'per-vu-iterations', 'vus': 3, 'startTime': '40s'}}",
           5, 0, 670 * S);
    /* Unplanned VUs count only while their scenario runs: here they are
     * not needed on top of the later, bigger scenario. */
    TOTALS("{'a': {'executor': 'constant-arrival-rate', 'rate': 1, 'duration': '10s', 'preAllocatedVUs': 2,"
           "   'maxVUs': 10, 'gracefulStop': 0},"
           " 'b': {'executor': 'constant-vus', 'vus': 20, 'duration': '10s', 'startTime': '10s'}}",
           20, 0, 50 * S);
    TOTALS("{'a': {'executor': 'constant-arrival-rate', 'rate': 1, 'duration': '10s', 'preAllocatedVUs': 2,"
           "   'maxVUs': 10, 'gracefulStop': 0},"
           " 'b': {'executor': 'constant-vus', 'vus': 20, 'duration': '10s', 'startTime': '5s'}}",
           22, 8, 45 * S);
    /* Nothing at all. */
    TOTALS("{}", 0, 0, 0);
}

static void test_combined_plan_ramp_down_reservation(void **state) {
    (void)state;
    /* a ramps 0 -> 10 -> 0 over 20s and keeps each ramped-down VU for 5s
     * (gracefulRampDown): 3 are still held at 22s, none at 25s. */
    const char *a = "'a': {'executor': 'ramping-vus', 'startVUs': 0, 'gracefulRampDown': '5s',"
                    "  'stages': [{'duration': '10s', 'target': 10}, {'duration': '10s', 'target': 0}]}";
    char json[1024];
    snprintf(json, sizeof json,
             "{%s, 'b': {'executor': 'constant-vus', 'vus': 8, 'duration': '10s',"
             " 'startTime': '22s'}}",
             a);
    TOTALS(json, 11, 0, 62 * S);
    snprintf(json, sizeof json,
             "{%s, 'b': {'executor': 'constant-vus', 'vus': 8, 'duration': '10s',"
             " 'startTime': '25s'}}",
             a);
    TOTALS(json, 10, 0, 65 * S);
    snprintf(json, sizeof json, "{%s}", a);
    TOTALS(json, 10, 0, 25 * S);
}

static void test_combined_plan_ties_in_k6_order(void **state) {
    (void)state;
    /* At the same instant k6 applies the scenarios' steps in its order
     * (startTime, then name) and counts each sum on the way: "a" jumps to 3
     * VUs at 10s before "b" gives its 5 back, so 8 VUs are planned. */
    TOTALS("{'b': {'executor': 'constant-vus', 'vus': 5, 'duration': '10s', 'gracefulStop': 0},"
           " 'a': {'executor': 'ramping-vus', 'startVUs': 0, 'gracefulStop': 0,"
           "   'stages': [{'duration': '10s', 'target': 0}, {'duration': 0, 'target': 3}, {'duration': '5s', 'target': "
           "3}]}}",
           8, 0, 15 * S);
    /* Renamed so the ramping one comes second: the 5 are given back first. */
    TOTALS("{'a': {'executor': 'constant-vus', 'vus': 5, 'duration': '10s', 'gracefulStop': 0},"
           " 'b': {'executor': 'ramping-vus', 'startVUs': 0, 'gracefulStop': 0,"
           "   'stages': [{'duration': '10s', 'target': 0}, {'duration': 0, 'target': 3}, {'duration': '5s', 'target': "
           "3}]}}",
           5, 0, 15 * S);
}

static void test_combined_plan_endless_controlled(void **state) {
    (void)state;
    /* externally-controlled without a duration never gives its VUs back;
     * the plan ends with the last change (the other scenario's end). */
    TOTALS("{'ctl': {'executor': 'externally-controlled', 'vus': 1, 'maxVUs': 5, 'duration': 0},"
           " 'late': {'executor': 'constant-vus', 'vus': 3, 'duration': '10s', 'startTime': '100s'}}",
           8, 0, 140 * S);
    TOTALS("{'ctl': {'executor': 'externally-controlled', 'vus': 1, 'maxVUs': 5, 'duration': '1m'}}", 5, 0, 60 * S);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_of_each_executor),
        cmocka_unit_test(test_every_option),
        cmocka_unit_test(test_keys_as_go_reads_them),
        cmocka_unit_test(test_json_errors),
        cmocka_unit_test(test_validation_errors),
        cmocka_unit_test(test_parse_without_validation),
        cmocka_unit_test(test_validate_made_scenarios),
        cmocka_unit_test(test_copy_is_deep),
        cmocka_unit_test(test_describe),
        cmocka_unit_test(test_ramping_vus_end_as_k6),
        cmocka_unit_test(test_max_duration_of_each_executor),
        cmocka_unit_test(test_combined_plan_real_banners),
        cmocka_unit_test(test_combined_plan_reuses_vus),
        cmocka_unit_test(test_combined_plan_ramp_down_reservation),
        cmocka_unit_test(test_combined_plan_ties_in_k6_order),
        cmocka_unit_test(test_combined_plan_endless_controlled),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
