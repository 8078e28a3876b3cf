/* test_options.c - options from JSON and env, precedence, execution plan. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/options.h"
#include "net/tls.h"

#define S  1000000LL
#define MS 1000LL

/* Plans own their scenarios; keep every one made so the end frees them. */
static c6_plan kept_plans[128];
static size_t nkept;

static int plan_make(const c6_options *o, c6_plan *p, char *err, size_t errlen) {
    int rc = options_plan(o, p, err, errlen);
    if (nkept < sizeof kept_plans / sizeof kept_plans[0]) kept_plans[nkept++] = *p;
    return rc;
}

#define SC(p) (&(p).scenarios[0])

static void json_ok(const char *json, c6_options *o) {
    char err[512] = "";
    if (options_from_json(json, "script options", o, err, sizeof(err)) != 0)
        fail_msg("options_from_json failed: %s\n%s", err, json);
}

static void env_ok(char **envp, c6_options *o) {
    char err[512] = "";
    if (options_from_env(envp, o, err, sizeof(err)) != 0) fail_msg("options_from_env: %s", err);
}

static const char *tag(const c6_options *o, const char *key) {
    for (size_t i = 0; i < o->ntags; i++)
        if (strcmp(o->tags[i].key, key) == 0) return o->tags[i].value;
    return NULL;
}

/* ---- JSON ---------------------------------------------------------------- */

static const char *REALISTIC =
    "{"
    "  \"vus\": 10, \"duration\": \"30s\","
    "  \"stages\": ["
    "    {\"duration\": \"30s\", \"target\": 20},"
    "    {\"duration\": 90000, \"target\": \"10\"},"
    "    {\"duration\": \"1m\", \"target\": 0}"
    "  ],"
    "  \"thresholds\": {"
    "    \"http_req_duration\": [\"p(95)<500\","
    "       {\"threshold\": \"p(99)<1500\", \"abortOnFail\": true, \"delayAbortEval\": \"10s\"}],"
    "    \"http_req_failed{status:500}\": [\"rate<0.01\"],"
    "    \"checks\": [{\"threshold\": \"rate>0.9\", \"delayAbortEval\": 2500}],"
    "    \"ignored_null\": null"
    "  },"
    "  \"tags\": {\"env\": \"staging\", \"team\": \"perf\"},"
    "  \"summaryTrendStats\": [\"avg\", \"p(99.9)\", \"count\"],"
    "  \"insecureSkipTLSVerify\": true,"
    "  \"userAgent\": \"MyK6/1.0\","
    "  \"setupTimeout\": \"2m\", \"teardownTimeout\": 5000,"
    "  \"noThresholds\": true, \"summaryExport\": \"ignored.json\","
    "  \"discardResponseBodies\": true, \"ext\": {\"loadimpact\": {\"name\": \"x\"}}"
    "}";

static void test_json_realistic(void **state) {
    (void)state;
    c6_options o;
    json_ok(REALISTIC, &o);

    assert_true(o.vus_set);
    assert_int_equal(o.vus, 10);
    assert_true(o.duration_set);
    assert_int_equal(o.duration_us, 30 * S);
    assert_false(o.iterations_set);

    assert_true(o.stages_set);
    assert_int_equal(o.nstages, 3);
    assert_int_equal(o.stages[0].duration_us, 30 * S);
    assert_int_equal(o.stages[0].target, 20);
    assert_int_equal(o.stages[1].duration_us, 90 * S); /* JSON number = ms */
    assert_int_equal(o.stages[1].target, 10);          /* numeric string */
    assert_int_equal(o.stages[2].duration_us, 60 * S);
    assert_int_equal(o.stages[2].target, 0);

    assert_true(o.thresholds_set);
    assert_int_equal(o.nthresholds, 3); /* the null entry is skipped */
    const c6_threshold_set *t = &o.thresholds[0];
    assert_string_equal(t->metric, "http_req_duration");
    assert_int_equal(t->nexprs, 2);
    assert_string_equal(t->exprs[0], "p(95)<500");
    assert_false(t->abort_on_fail[0]);
    assert_int_equal(t->delay_abort_eval_us[0], 0);
    assert_string_equal(t->exprs[1], "p(99)<1500");
    assert_true(t->abort_on_fail[1]);
    assert_int_equal(t->delay_abort_eval_us[1], 10 * S);
    assert_string_equal(o.thresholds[1].metric, "http_req_failed{status:500}");
    assert_string_equal(o.thresholds[1].exprs[0], "rate<0.01");
    assert_false(o.thresholds[2].abort_on_fail[0]);
    assert_int_equal(o.thresholds[2].delay_abort_eval_us[0], 2500 * MS);

    assert_true(o.tags_set);
    assert_int_equal(o.ntags, 2);
    assert_string_equal(tag(&o, "env"), "staging");
    assert_string_equal(tag(&o, "team"), "perf");

    assert_true(o.summary_trend_stats_set);
    assert_int_equal(o.nsummary_trend_stats, 3);
    assert_string_equal(o.summary_trend_stats[1], "p(99.9)");

    assert_true(o.insecure_skip_tls_verify_set && o.insecure_skip_tls_verify);
    assert_string_equal(o.user_agent, "MyK6/1.0");
    assert_int_equal(o.setup_timeout_us, 120 * S);
    assert_int_equal(o.teardown_timeout_us, 5 * S);

    /* Runtime options are not read from the script, as in k6. */
    assert_false(o.no_thresholds_set);
    assert_false(o.summary_export_set);
    assert_false(o.scenarios_set);
    options_free(&o);
    assert_null(o.stages); /* options_free re-initialises */
}

static void test_json_null_and_empty_mean_unset(void **state) {
    (void)state;
    c6_options o;
    json_ok("{\"vus\": null, \"iterations\": \"\", \"duration\": null, \"tags\": {},"
            " \"userAgent\": null, \"stages\": null}",
            &o);
    assert_false(o.vus_set);
    assert_false(o.iterations_set);
    assert_false(o.duration_set);
    assert_false(o.tags_set);
    assert_false(o.user_agent_set);
    assert_false(o.stages_set);
    options_free(&o);

    json_ok("{}", &o);
    assert_false(o.vus_set);
    options_free(&o);
}

/* An empty expression list merges without copying from NULL arrays (found by
 * tests/fuzz/fuzz_options: UBSan in make asan reported memcpy from NULL). */
static void test_json_threshold_with_no_expressions_merges(void **state) {
    (void)state;
    c6_options o, merged;
    json_ok("{\"thresholds\": {\"http_req_duration\": []}}", &o);
    options_init(&merged);
    options_merge(&merged, &o);
    assert_int_equal(merged.nthresholds, 1);
    assert_int_equal(merged.thresholds[0].nexprs, 0);
    assert_string_equal(merged.thresholds[0].metric, "http_req_duration");
    options_free(&merged);
    options_free(&o);
}

static void test_json_numeric_strings_and_empty_stages(void **state) {
    (void)state;
    c6_options o;
    /* vus: __ENV.VUS arrives as a string. */
    json_ok("{\"vus\": \"5\", \"iterations\": 20, \"stages\": [], \"userAgent\": \"\"}", &o);
    assert_int_equal(o.vus, 5);
    assert_int_equal(o.iterations, 20);
    assert_true(o.stages_set);
    assert_int_equal(o.nstages, 0);
    assert_true(o.user_agent_set); /* "" means: send no User-Agent */
    assert_string_equal(o.user_agent, "");
    options_free(&o);
}

static void test_json_scenarios(void **state) {
    (void)state;
    c6_options o;
    json_ok("{\"scenarios\": {\"browse\": {\"executor\": \"constant-vus\", \"duration\": \"1m\"},"
            " \"buy\": {\"executor\": \"shared-iterations\", \"startTime\": \"5s\"}}}",
            &o);
    assert_true(o.scenarios_set);
    assert_int_equal(o.nscenarios, 2);
    assert_string_equal(o.scenarios[0].name, "browse");
    assert_int_equal(o.scenarios[0].duration_us, 60 * S);
    assert_string_equal(o.scenarios[1].name, "buy");
    assert_null(o.scenarios_error);
    options_free(&o);
    assert_null(o.scenarios);

    /* {} is still "set" (it takes part in the execution group); null is not. */
    json_ok("{\"scenarios\": {}}", &o);
    assert_true(o.scenarios_set);
    assert_int_equal(o.nscenarios, 0);
    options_free(&o);
    json_ok("{\"scenarios\": null}", &o);
    assert_false(o.scenarios_set);
    options_free(&o);

    /* A missing or invalid value is kept for the plan to report; a JSON
     * error (here an unknown option) fails at once, as in k6. */
    json_ok("{\"scenarios\": {\"browse\": {\"executor\": \"constant-vus\"}}}", &o);
    assert_true(o.scenarios_set);
    assert_string_equal(o.scenarios_error, "scenario browse has configuration errors: the duration is unspecified");
    options_free(&o);
    char err[256];
    assert_int_equal(options_from_json("{\"vus\": 2, \"scenarios\": {\"a\": {\"executor\": \"constant-vus\","
                                       " \"vus\": 1, \"iterations\": 3}}}",
                                       "k6.json", &o, err, sizeof(err)),
                     -1);
    assert_string_equal(err, "k6.json: scenarios.a.iterations: unknown option for the constant-vus executor");
    assert_false(o.vus_set); /* re-initialised on error */
    assert_false(o.scenarios_set);
}

static void test_json_bad_types(void **state) {
    (void)state;
    static const struct {
        const char *json, *err;
    } cases[] = {
        {"{\"vus\": 1.5}", "options.vus: must be an integer, got 1.5"},
        {"{\"vus\": \"abc\"}", "options.vus: must be an integer, got \"abc\""},
        {"{\"vus\": true}", "options.vus: must be an integer"},
        {"{\"iterations\": [1]}", "options.iterations: must be an integer"},
        {"{\"duration\": \"1x\"}",
         "time: unknown unit \"x\" in duration \"1x\""}, /* k6: the Unmarshaler's error as it is (lib/types/types.go, Go's time/format.go) */
        {"{\"duration\": -5}", "options.duration: must not be negative, got -5"},
        {"{\"duration\": \"-5s\"}", "options.duration: invalid duration \"-5s\": must not be negative"},
        {"{\"duration\": true}",
         "options.duration: must be a duration string like \"30s\" or a number of milliseconds"},
        {"{\"setupTimeout\": \"\"}",
         "time: invalid duration \"\""}, /* k6: the Unmarshaler's error as it is (lib/types/types.go, Go's time/format.go) */
        {"{\"stages\": {}}", "options.stages: must be an array"},
        {"{\"stages\": [{\"duration\": \"30s\", \"target\": 1}, {\"duration\": \"1m\", \"target\": \"x\"}]}",
         "options.stages[1].target: must be an integer, got \"x\""},
        {"{\"stages\": [{\"duration\": \"1m\", \"target\": 2.5}]}",
         "options.stages[0].target: must be an integer, got 2.5"},
        {"{\"stages\": [{\"target\": 1}]}", "options.stages[0].duration: missing"},
        {"{\"stages\": [{\"duration\": \"1m\"}]}", "options.stages[0].target: missing"},
        {"{\"stages\": [{\"duration\": \"1m\", \"target\": \"\"}]}", "options.stages[0].target: missing"},
        {"{\"stages\": [{\"duration\": \"1q\", \"target\": 1}]}",
         "time: unknown unit \"q\" in duration \"1q\""}, /* k6: the Unmarshaler's error as it is (lib/types/types.go, Go's time/format.go) */
        {"{\"stages\": [5]}", "options.stages[0]: must be an object like {duration: \"30s\", target: 10}"},
        {"{\"thresholds\": []}", "options.thresholds: must be an object of metric: [...]"},
        {"{\"thresholds\": {\"http_req_duration\": \"p(95)<200\"}}",
         "options.thresholds.http_req_duration: must be an array of thresholds, like [\"p(95)<200\"]"},
        {"{\"thresholds\": {\"checks\": [\"rate>0.9\", 1]}}",
         "options.thresholds.checks[1]: must be a string like \"p(95)<200\" or an object "
         "{threshold, abortOnFail, delayAbortEval}"},
        {"{\"thresholds\": {\"checks\": [{\"abortOnFail\": true}]}}",
         "options.thresholds.checks[0].threshold: must be a string like \"p(95)<200\""},
        {"{\"thresholds\": {\"checks\": [{\"threshold\": \"rate>0.9\", \"abortOnFail\": \"yes\"}]}}",
         "options.thresholds.checks[0].abortOnFail: must be true or false"},
        {"{\"thresholds\": {\"checks\": [{\"threshold\": \"rate>0.9\", \"delayAbortEval\": \"soon\"}]}}",
         "time: invalid duration \"soon\""}, /* k6: the Unmarshaler's error as it is (lib/types/types.go, Go's time/format.go) */
        {"{\"tags\": {\"build\": 123}}", "options.tags.build: must be a string"},
        {"{\"tags\": \"a=b\"}", "options.tags: must be an object of name: \"value\""},
        {"{\"summaryTrendStats\": [\"avg\", \"p(101)\"]}", "options.summaryTrendStats[1]: invalid percentile trend "
                                                           "stat value 'p(101)', provide a number between 0 and 100"},
        {"{\"summaryTrendStats\": [\"mean\"]}",
         "options.summaryTrendStats[0]: invalid trend stat 'mean', unknown format"},
        {"{\"summaryTrendStats\": \"avg\"}", "options.summaryTrendStats: must be an array of strings"},
        {"{\"summaryTrendStats\": [1]}", "options.summaryTrendStats[0]: must be a string"},
        {"{\"insecureSkipTLSVerify\": \"true\"}", "options.insecureSkipTLSVerify: must be true or false"},
        {"{\"userAgent\": 5}", "options.userAgent: must be a string"},
        {"{\"scenarios\": []}", "options.scenarios: must be an object of named scenarios"},
        {"[1, 2]", "script options: must be a JSON object"},
        {"{\"vus\": ", "script options: invalid JSON at byte 8"},
        {"{\"vus\": 1} x", "script options: invalid JSON at byte 11"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        c6_options o;
        char err[512] = "";
        int rc = options_from_json(cases[i].json, "script options", &o, err, sizeof(err));
        if (rc != -1) fail_msg("accepted: %s", cases[i].json);
        if (strcmp(err, cases[i].err) != 0)
            fail_msg("for %s\n  got:  %s\n  want: %s", cases[i].json, err, cases[i].err);
        assert_false(o.vus_set); /* re-initialised on error */
        assert_null(o.stages);
        assert_null(o.thresholds);
    }
}

static void test_json_config_file_origin(void **state) {
    (void)state;
    c6_options o;
    char err[256];
    assert_int_equal(options_from_json("{\"vus\": \"x\"}", "/etc/k6.json", &o, err, sizeof(err)), -1);
    assert_string_equal(err, "/etc/k6.json: vus: must be an integer, got \"x\"");
    assert_int_equal(options_from_json("{\"stages\": [{\"duration\": 1}]}", "k6.json", &o, err, sizeof(err)), -1);
    assert_string_equal(err, "k6.json: stages[0].target: missing");
    assert_int_equal(options_from_json("nope", "k6.json", &o, err, sizeof(err)), -1);
    assert_string_equal(err, "k6.json: invalid JSON at byte 0");
}

/* ---- env ----------------------------------------------------------------- */

static void test_env_all_variables(void **state) {
    (void)state;
    char *envp[] = {
        "PATH=/usr/bin",
        "K6_VUS=7",
        "K6_DURATION=1m30s",
        "K6_ITERATIONS=70",
        "K6_STAGES=30s:10, 1m:20 ,10s:0",
        "K6_NO_THRESHOLDS=true",
        "K6_INSECURE_SKIP_TLS_VERIFY=1",
        "K6_USER_AGENT=env-agent/2",
        "K6_SUMMARY_TREND_STATS=avg,p(99),max",
        "K6_SUMMARY_EXPORT=out.json",
        "K6_SETUP_TIMEOUT=90s",
        "K6_TEARDOWN_TIMEOUT=1500",
        "K6_VUSX=99",
        NULL,
    };
    c6_options o;
    env_ok(envp, &o);
    assert_int_equal(o.vus, 7);
    assert_int_equal(o.duration_us, 90 * S);
    assert_int_equal(o.iterations, 70);
    assert_int_equal(o.nstages, 3);
    assert_int_equal(o.stages[1].duration_us, 60 * S);
    assert_int_equal(o.stages[1].target, 20);
    assert_true(o.no_thresholds_set && o.no_thresholds);
    assert_true(o.insecure_skip_tls_verify);
    assert_string_equal(o.user_agent, "env-agent/2");
    assert_int_equal(o.nsummary_trend_stats, 3);
    assert_string_equal(o.summary_trend_stats[1], "p(99)");
    assert_string_equal(o.summary_export, "out.json");
    assert_int_equal(o.setup_timeout_us, 90 * S);
    assert_int_equal(o.teardown_timeout_us, 1500 * MS); /* bare number = ms, as in k6 */
    assert_false(o.thresholds_set);
    options_free(&o);
}

static void test_env_empty_values_and_first_match(void **state) {
    (void)state;
    char *envp[] = {"K6_VUS=", "K6_DURATION=10s", "K6_DURATION=20s", "K6_NO_THRESHOLDS=false", NULL};
    c6_options o;
    env_ok(envp, &o);
    assert_false(o.vus_set);
    assert_int_equal(o.duration_us, 10 * S);
    assert_true(o.no_thresholds_set);
    assert_false(o.no_thresholds);
    options_free(&o);

    env_ok(NULL, &o);
    assert_false(o.duration_set);
}

static void test_env_errors(void **state) {
    (void)state;
    static const struct {
        const char *var, *err;
    } cases[] = {
        /* envconfig's ParseError with Go's parse errors, as k6 (internal/cmd/config.go, readEnvConfig) */
        {"K6_VUS=abc", "envconfig.Process: assigning K6_VUS to VUs: converting 'abc' to type null.Int. details: "
                       "strconv.ParseInt: parsing \"abc\": invalid syntax"},
        {"K6_ITERATIONS=1.5", "envconfig.Process: assigning K6_ITERATIONS to Iterations: converting '1.5' to type "
                              "null.Int. details: strconv.ParseInt: parsing \"1.5\": invalid syntax"},
        {"K6_BATCH_PER_HOST=99999999999999999999",
         "envconfig.Process: assigning K6_BATCH_PER_HOST to BatchPerHost: "
         "converting '99999999999999999999' to type null.Int. details: strconv.ParseInt: parsing "
         "\"99999999999999999999\": value out of range"},
        {"K6_DURATION=1x", "envconfig.Process: assigning K6_DURATION to Duration: converting '1x' to type "
                           "types.NullDuration. details: time: unknown unit \"x\" in duration \"1x\""},
        {"K6_RPS=x", "envconfig.Process: assigning K6_RPS to RPS: converting 'x' to type null.Int. details: "
                     "strconv.ParseInt: parsing \"x\": invalid syntax"},
        {"K6_STAGES=30s:10,1x:0",
         "K6_STAGES: stage \"1x:0\": time: unknown unit \"x\" in duration \"1x\""}, /* lib/options.go, Stage.UnmarshalText: time.ParseDuration */
        {"K6_STAGES=30s", "K6_STAGES: stage \"30s\": missing target (use duration:target, e.g. 30s:10)"},
        {"K6_STAGES=30s:ten", "K6_STAGES: stage \"30s:ten\": target \"ten\" is not an integer"},
        {"K6_STAGES=30s:1,:5", "K6_STAGES: stage \":5\": missing duration"},
        {"K6_STAGES=10:5", "K6_STAGES: stage \"10:5\": time: missing unit in duration \"10\""},
        {"K6_NO_THRESHOLDS=maybe", "K6_NO_THRESHOLDS: \"maybe\" is not a boolean (use true or false)"},
        {"K6_SUMMARY_TREND_STATS=avg,p(200)",
         "K6_SUMMARY_TREND_STATS: invalid percentile trend stat value 'p(200)', provide a number between 0 and 100"},
        {"K6_SETUP_TIMEOUT=-1s", "K6_SETUP_TIMEOUT: invalid duration \"-1s\": must not be negative"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *envp[] = {"K6_USER_AGENT=x", (char *)cases[i].var, NULL};
        c6_options o;
        char err[512] = "";
        assert_int_equal(options_from_env(envp, &o, err, sizeof(err)), -1);
        if (strcmp(err, cases[i].err) != 0) fail_msg("for %s\n  got:  %s\n  want: %s", cases[i].var, err, cases[i].err);
        assert_null(o.user_agent); /* freed and re-initialised */
    }
}

static void test_shared_list_parsers_append(void **state) {
    (void)state;
    c6_stage *st = NULL;
    size_t n = 0;
    char err[256];
    assert_int_equal(options_parse_stages("10s:5", &st, &n, err, sizeof(err)), 0);
    assert_int_equal(options_parse_stages("1m:10,,0:0,", &st, &n, err, sizeof(err)), 0);
    assert_int_equal(n, 3); /* empty items are skipped */
    assert_int_equal(st[1].duration_us, 60 * S);
    assert_int_equal(st[2].duration_us, 0);
    free(st);

    char **stats = NULL;
    n = 0;
    assert_int_equal(options_parse_trend_stats("avg, med", &stats, &n, err, sizeof(err)), 0);
    assert_int_equal(options_parse_trend_stats("p(0),p(100),p(.5)", &stats, &n, err, sizeof(err)), 0);
    assert_int_equal(n, 5);
    assert_string_equal(stats[1], "med");
    assert_string_equal(stats[4], "p(.5)");
    for (size_t i = 0; i < n; i++) free(stats[i]);
    free(stats);

    static const char *bad[] = {"p()", "p(1.2.3)", "p(1e2)", "p(-1)", "p(0x10)", "p(50", "P(50)", "p( 5)"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        stats = NULL;
        n = 0;
        if (options_parse_trend_stats(bad[i], &stats, &n, err, sizeof(err)) == 0)
            fail_msg("accepted trend stat %s", bad[i]);
        assert_int_equal(n, 0);
        free(stats);
    }
}

/* ---- precedence ---------------------------------------------------------- */

static const char *CONFIG_JSON =
    "{\"vus\": 1, \"duration\": \"10s\", \"userAgent\": \"config\", \"tags\": {\"src\": \"config\"},"
    " \"setupTimeout\": \"11s\", \"teardownTimeout\": \"12s\", \"insecureSkipTLSVerify\": false,"
    " \"summaryTrendStats\": [\"min\"], \"thresholds\": {\"checks\": [\"rate>0.1\"]}}";
static const char *SCRIPT_JSON =
    "{\"vus\": 2, \"duration\": \"20s\", \"userAgent\": \"script\", \"setupTimeout\": \"21s\","
    " \"thresholds\": {\"checks\": [\"rate>0.2\"]}, \"summaryTrendStats\": [\"med\"]}";

typedef struct {
    c6_options flags, env, script, config, merged;
} sources;

/* flags > env > script > config */
static void consolidate(sources *s) {
    options_init(&s->merged);
    options_merge(&s->merged, &s->flags);
    options_merge(&s->merged, &s->env);
    options_merge(&s->merged, &s->script);
    options_merge(&s->merged, &s->config);
}

static void sources_free(sources *s) {
    options_free(&s->flags);
    options_free(&s->env);
    options_free(&s->script);
    options_free(&s->config);
    options_free(&s->merged);
}

static void test_precedence_four_sources(void **state) {
    (void)state;
    sources s;
    char *envp[] = {"K6_VUS=3", "K6_DURATION=30s", "K6_USER_AGENT=env", "K6_SETUP_TIMEOUT=31s", NULL};
    char err[256];
    assert_int_equal(options_from_json(CONFIG_JSON, "k6.json", &s.config, err, sizeof(err)), 0);
    json_ok(SCRIPT_JSON, &s.script);
    env_ok(envp, &s.env);
    options_init(&s.flags);
    s.flags.vus_set = true;
    s.flags.vus = 4;
    s.flags.duration_set = true;
    s.flags.duration_us = 40 * S;

    consolidate(&s);
    assert_int_equal(s.merged.vus, 4);               /* flag */
    assert_int_equal(s.merged.duration_us, 40 * S);  /* flag */
    assert_string_equal(s.merged.user_agent, "env"); /* env over script and config */
    assert_int_equal(s.merged.setup_timeout_us, 31 * S);
    assert_string_equal(s.merged.thresholds[0].exprs[0], "rate>0.2"); /* script over config */
    assert_string_equal(s.merged.summary_trend_stats[0], "med");
    assert_int_equal(s.merged.teardown_timeout_us, 12 * S); /* config only */
    assert_string_equal(tag(&s.merged, "src"), "config");
    assert_true(s.merged.insecure_skip_tls_verify_set);
    assert_false(s.merged.insecure_skip_tls_verify);

    /* Peel the sources off one by one. */
    options_free(&s.flags);
    options_free(&s.merged);
    consolidate(&s);
    assert_int_equal(s.merged.vus, 3);
    assert_int_equal(s.merged.duration_us, 30 * S);

    options_free(&s.env);
    options_free(&s.merged);
    consolidate(&s);
    assert_int_equal(s.merged.vus, 2);
    assert_int_equal(s.merged.duration_us, 20 * S);
    assert_string_equal(s.merged.user_agent, "script");

    options_free(&s.script);
    options_free(&s.merged);
    consolidate(&s);
    assert_int_equal(s.merged.vus, 1);
    assert_int_equal(s.merged.duration_us, 10 * S);
    assert_string_equal(s.merged.user_agent, "config");
    assert_string_equal(s.merged.thresholds[0].exprs[0], "rate>0.1");
    sources_free(&s);
}

static void test_merge_execution_group(void **state) {
    (void)state;
    c6_plan p;
    char err[256];

    /* -d on the CLI replaces the script's iterations; vus still comes through. */
    sources s;
    json_ok("{\"vus\": 5, \"iterations\": 10}", &s.script);
    options_init(&s.flags);
    options_init(&s.env);
    options_init(&s.config);
    s.flags.duration_set = true;
    s.flags.duration_us = 30 * S;
    consolidate(&s);
    assert_false(s.merged.iterations_set);
    assert_int_equal(plan_make(&s.merged, &p, err, sizeof(err)), 0);
    assert_string_equal(executor_name(SC(p)->executor), "constant-vus");
    assert_int_equal(SC(p)->vus, 5);
    sources_free(&s);

    /* K6_ITERATIONS replaces the config file's stages. */
    char *envp[] = {"K6_ITERATIONS=20", NULL};
    env_ok(envp, &s.env);
    assert_int_equal(options_from_json("{\"stages\": [{\"duration\": \"1m\", \"target\": 9}]}", "k6.json", &s.config,
                                       err, sizeof(err)),
                     0);
    options_init(&s.flags);
    options_init(&s.script);
    consolidate(&s);
    assert_false(s.merged.stages_set);
    assert_int_equal(plan_make(&s.merged, &p, err, sizeof(err)), 0);
    assert_string_equal(executor_name(SC(p)->executor), "shared-iterations");
    assert_int_equal(SC(p)->iterations, 20);
    sources_free(&s);

    /* An explicitly empty stages list still replaces a lower duration. */
    json_ok("{\"stages\": []}", &s.script);
    assert_int_equal(options_from_json("{\"duration\": \"10s\"}", "k6.json", &s.config, err, sizeof(err)), 0);
    options_init(&s.flags);
    options_init(&s.env);
    consolidate(&s);
    assert_false(s.merged.duration_set);
    assert_int_equal(plan_make(&s.merged, &p, err, sizeof(err)), 0);
    assert_string_equal(executor_name(SC(p)->executor), "per-vu-iterations");
    sources_free(&s);

    /* Conflicts inside one source survive the merge and fail the plan. */
    json_ok("{\"duration\": \"10s\", \"stages\": [{\"duration\": \"5s\", \"target\": 1}]}", &s.script);
    options_init(&s.flags);
    options_init(&s.env);
    options_init(&s.config);
    consolidate(&s);
    assert_int_equal(plan_make(&s.merged, &p, err, sizeof(err)), -1);
    assert_string_equal(err, "using `duration` and `stages` options simultaneously is not allowed");
    sources_free(&s);
}

static void test_merge_deep_copies_and_keeps_higher(void **state) {
    (void)state;
    c6_options dst, lower;
    json_ok(REALISTIC, &lower);
    json_ok("{\"tags\": {\"only\": \"cli\"}, \"userAgent\": \"top\"}", &dst);
    options_merge(&dst, &lower);
    options_free(&lower); /* dst must not point into lower */
    assert_int_equal(dst.ntags, 1);
    assert_string_equal(tag(&dst, "only"), "cli"); /* tags replace, never merge */
    assert_string_equal(dst.user_agent, "top");
    assert_int_equal(dst.nstages, 3);
    assert_int_equal(dst.stages[2].duration_us, 60 * S);
    assert_string_equal(dst.thresholds[0].exprs[1], "p(99)<1500");
    assert_true(dst.thresholds[0].abort_on_fail[1]);
    assert_string_equal(dst.summary_trend_stats[2], "count");
    options_free(&dst);
}

/* ---- plan ---------------------------------------------------------------- */

static void plan_ok(const char *json, c6_plan *p, c6_options *o) {
    char err[256] = "";
    json_ok(json, o);
    if (plan_make(o, p, err, sizeof(err)) != 0) fail_msg("plan(%s): %s", json, err);
}

static void plan_err(const char *json, const char *want) {
    c6_options o;
    c6_plan p;
    char err[256] = "";
    json_ok(json, &o);
    int rc = plan_make(&o, &p, err, sizeof(err));
    options_free(&o);
    if (rc >= 0) fail_msg("plan accepted %s", json);
    if (strcmp(err, want) != 0) fail_msg("for %s\n  got:  %s\n  want: %s", json, err, want);
}

static void test_plan_defaults_to_one_iteration(void **state) {
    (void)state;
    c6_options o;
    c6_plan p;
    plan_ok("{}", &p, &o);
    assert_string_equal(executor_name(SC(p)->executor), "per-vu-iterations");
    assert_int_equal(SC(p)->vus, 1);
    assert_int_equal(p.max_vus, 1);
    assert_int_equal(SC(p)->iterations, 1);
    assert_int_equal(scenario_duration_us(SC(p)), 600 * S);
    assert_int_equal(SC(p)->graceful_stop_us, 30 * S);
    options_free(&o);
}

static void test_plan_vus_only(void **state) {
    (void)state;
    c6_options o;
    c6_plan p;
    plan_ok("{\"vus\": 5}", &p, &o);
    assert_string_equal(executor_name(SC(p)->executor), "shared-iterations");
    assert_int_equal(SC(p)->vus, 5);
    assert_int_equal(SC(p)->iterations, 5);
    options_free(&o);
    plan_err("{\"vus\": 0}", "scenario default has configuration errors: the number of VUs must be more than 0");
}

static void test_plan_iterations(void **state) {
    (void)state;
    c6_options o;
    c6_plan p;
    plan_ok("{\"iterations\": 10}", &p, &o);
    assert_string_equal(executor_name(SC(p)->executor), "shared-iterations");
    assert_int_equal(SC(p)->vus, 1);
    assert_int_equal(SC(p)->iterations, 10);
    assert_int_equal(scenario_duration_us(SC(p)), 600 * S); /* maxDuration default */
    options_free(&o);

    plan_ok("{\"vus\": 5, \"iterations\": 10, \"duration\": \"1m\"}", &p, &o);
    assert_int_equal(SC(p)->vus, 5);
    assert_int_equal(p.max_vus, 5);
    assert_int_equal(scenario_duration_us(SC(p)), 60 * S); /* duration becomes maxDuration */
    options_free(&o);

    plan_err("{\"vus\": 10, \"iterations\": 5}", "scenario default has configuration errors: the number of iterations "
                                                 "(5) can't be less than the number of VUs (10)");
    plan_err("{\"iterations\": 0}", "scenario default has configuration errors: the number of iterations (0) can't be "
                                    "less than the number of VUs (1)");
    plan_err("{\"vus\": 0, \"iterations\": 5}",
             "scenario default has configuration errors: the number of VUs must be more than 0");
    plan_err("{\"iterations\": 5, \"duration\": \"500ms\"}",
             "scenario default has configuration errors: the maxDuration must be at least 1s, but is 500ms");
    plan_err("{\"iterations\": 5, \"duration\": \"0\"}",
             "scenario default has configuration errors: the maxDuration must be at least 1s, but is 0s");
    plan_err("{\"iterations\": 5, \"stages\": [{\"duration\": \"1s\", \"target\": 1}]}",
             "using `iterations` and `stages` options simultaneously is not allowed");
    plan_err("{\"iterations\": 5, \"scenarios\": {\"a\": {\"executor\": \"per-vu-iterations\"}}}",
             "using `iterations` and `scenarios` options simultaneously is not allowed");
    plan_err("{\"iterations\": 5, \"scenarios\": {}}",
             "using `iterations` and `scenarios` options simultaneously is not allowed");
}

static void test_plan_duration(void **state) {
    (void)state;
    c6_options o;
    c6_plan p;
    plan_ok("{\"vus\": 10, \"duration\": \"30s\"}", &p, &o);
    assert_string_equal(executor_name(SC(p)->executor), "constant-vus");
    assert_int_equal(SC(p)->vus, 10);
    assert_int_equal(p.max_vus, 10);
    assert_int_equal(scenario_duration_us(SC(p)), 30 * S);
    options_free(&o);

    plan_ok("{\"duration\": 1000}", &p, &o); /* 1000 ms */
    assert_int_equal(SC(p)->vus, 1);
    assert_int_equal(scenario_duration_us(SC(p)), 1 * S);
    options_free(&o);

    plan_err("{\"duration\": \"0\"}",
             "`duration` option should be more than 0, for infinite duration use the externally-controlled executor");
    plan_err("{\"duration\": \"500ms\"}",
             "scenario default has configuration errors: the duration must be at least 1s, but is 500ms");
    plan_err("{\"vus\": 0, \"duration\": \"10s\"}",
             "scenario default has configuration errors: the number of VUs must be more than 0");
    plan_err("{\"vus\": -3, \"duration\": \"10s\"}",
             "scenario default has configuration errors: the number of VUs must be more than 0");
    plan_err("{\"duration\": \"10s\", \"scenarios\": {\"a\": {\"executor\": \"per-vu-iterations\"}}}",
             "using `duration` and `scenarios` options simultaneously is not allowed");
}

static void test_plan_stages(void **state) {
    (void)state;
    c6_options o;
    c6_plan p;
    plan_ok("{\"stages\": [{\"duration\": \"10s\", \"target\": 20}, {\"duration\": \"1m\", \"target\": 50},"
            " {\"duration\": \"10s\", \"target\": 0}]}",
            &p, &o);
    assert_string_equal(executor_name(SC(p)->executor), "ramping-vus");
    assert_int_equal(SC(p)->start_vus, 1); /* startVUs defaults to 1 */
    assert_int_equal(p.max_vus, 50);
    assert_int_equal(SC(p)->nstages, 3);
    assert_ptr_not_equal(SC(p)->stages, o.stages); /* a copy */
    assert_int_equal(scenario_duration_us(SC(p)), 80 * S);
    assert_int_equal(SC(p)->graceful_ramp_down_us, 30 * S);
    options_free(&o);

    plan_ok("{\"vus\": 0, \"stages\": [{\"duration\": \"10s\", \"target\": 3}]}", &p, &o);
    assert_int_equal(SC(p)->start_vus, 0);
    assert_int_equal(p.max_vus, 3);
    options_free(&o);

    plan_ok("{\"vus\": 8, \"stages\": [{\"duration\": \"0s\", \"target\": 3}]}", &p, &o);
    assert_int_equal(p.max_vus, 8); /* startVUs counts toward the VUs to initialise */
    options_free(&o);

    plan_ok("{\"vus\": 4, \"stages\": []}", &p, &o); /* empty stages: vus alone decides */
    assert_string_equal(executor_name(SC(p)->executor), "shared-iterations");
    assert_int_equal(SC(p)->iterations, 4);
    options_free(&o);

    plan_err("{\"vus\": 0, \"stages\": [{\"duration\": \"10s\", \"target\": 0}]}",
             "scenario default has configuration errors: either startVUs or one of the stages' target values must be "
             "greater than 0");
    plan_err("{\"stages\": [{\"duration\": \"10s\", \"target\": 5}, {\"duration\": \"1s\", \"target\": -1}]}",
             "scenario default has configuration errors: the target for stage 2 can't be negative");
    plan_err("{\"vus\": -1, \"stages\": [{\"duration\": \"10s\", \"target\": 5}]}",
             "scenario default has configuration errors: the number of start VUs can't be negative");
    plan_err("{\"duration\": \"10s\", \"stages\": [{\"duration\": \"10s\", \"target\": 5}]}",
             "using `duration` and `stages` options simultaneously is not allowed");
    plan_err("{\"stages\": [{\"duration\": \"10s\", \"target\": 5}], \"scenarios\": {}}",
             "using `stages` and `scenarios` options simultaneously is not allowed");
}

/* JSON with single quotes, for the longer scenario documents below. */
static const char *Q(const char *s) {
    static char buf[4][2048];
    static int k;
    char *b = buf[k++ % 4];
    snprintf(b, sizeof buf[0], "%s", s);
    for (char *p = b; *p; p++)
        if (*p == '\'') *p = '"';
    return b;
}

static void test_plan_from_scenarios(void **state) {
    (void)state;
    c6_options o;
    c6_plan p;
    /* vus is ignored next to scenarios; the plan is a copy in k6's order. */
    plan_ok(Q("{'vus': 50, 'scenarios': {"
              " 'ramp_to_load': {'executor': 'ramping-arrival-rate', 'preAllocatedVUs': 200, 'maxVUs': 250,"
              "   'stages': [{'duration': '4m', 'target': 50}]},"
              " 'maintain_load': {'executor': 'constant-arrival-rate', 'rate': 50, 'duration': '1m',"
              "   'preAllocatedVUs': 200, 'maxVUs': 250, 'startTime': '4m'}}}"),
            &p, &o);
    assert_int_equal(p.nscenarios, 2);
    assert_string_equal(p.scenarios[0].name, "ramp_to_load");
    assert_string_equal(p.scenarios[1].name, "maintain_load");
    assert_ptr_not_equal(p.scenarios[0].stages, o.scenarios[0].stages);
    assert_int_equal(p.max_vus, 400);           /* k6: "000/400 VUs" */
    assert_int_equal(p.max_unplanned_vus, 100); /* k6: "500 max VUs" */
    assert_int_equal(p.max_duration_us, 330 * S);
    options_free(&o);

    /* Sequential scenarios reuse VUs. */
    plan_ok(Q("{'scenarios': {'a': {'executor': 'constant-vus', 'vus': 5, 'duration': '10s', 'gracefulStop': 0},"
              " 'b': {'executor': 'per-vu-iterations', 'vus': 3, 'startTime': '10s', 'exec': 'b'}}}"),
            &p, &o);
    assert_int_equal(p.max_vus, 5);
    assert_int_equal(p.max_unplanned_vus, 0);
    assert_int_equal(p.max_duration_us, 640 * S);
    assert_true(p.scenarios[1].exec_set);
    assert_string_equal(p.scenarios[1].exec, "b");
    options_free(&o);

    /* An empty scenarios object runs as if nothing were set. */
    plan_ok("{\"scenarios\": {}}", &p, &o);
    assert_int_equal(p.nscenarios, 1);
    assert_string_equal(SC(p)->name, "default");
    assert_string_equal(executor_name(SC(p)->executor), "per-vu-iterations");
    options_free(&o);
    plan_ok("{\"vus\": 3, \"scenarios\": {}}", &p, &o);
    assert_string_equal(executor_name(SC(p)->executor), "shared-iterations");
    assert_int_equal(SC(p)->iterations, 3);
    options_free(&o);

    /* Validation errors surface when the plan is made (exit 104). */
    plan_err(Q("{'scenarios': {'contacts': {'executor': 'constant-arrival-rate', 'rate': 10, 'duration': '1m',"
               " 'preAllocatedVUs': 10, 'maxVUs': 5}}}"),
             "scenario contacts has configuration errors: maxVUs shouldn't be less than preAllocatedVUs");
    plan_err(
        Q("{'scenarios': {'a': {'executor': 'shared-iterations', 'vus': 10, 'iterations': 5}}}"),
        "scenario a has configuration errors: the number of iterations (5) can't be less than the number of VUs (10)");
    /* A same-source shortcut conflict is reported before validation, as in k6. */
    plan_err(Q("{'duration': '10s', 'scenarios': {'a': {'executor': 'constant-vus'}}}"),
             "using `duration` and `scenarios` options simultaneously is not allowed");
}

static void no_sources(sources *s) {
    options_init(&s->flags);
    options_init(&s->env);
    options_init(&s->script);
    options_init(&s->config);
}

static const char *SCRIPT_SCENARIOS =
    "{'vus': 7, 'scenarios': {'browse': {'executor': 'constant-vus', 'vus': 2, 'duration': '1m'},"
    " 'buy': {'executor': 'per-vu-iterations', 'startTime': '30s'}}}";

static void test_merge_group_with_scenarios(void **state) {
    (void)state;
    c6_plan p;
    char err[256];
    sources s;

    /* `c6 run -d 10s` on a script with scenarios replaces them; the
     * script's vus still applies. */
    no_sources(&s);
    json_ok(Q(SCRIPT_SCENARIOS), &s.script);
    s.flags.duration_set = true;
    s.flags.duration_us = 10 * S;
    consolidate(&s);
    assert_false(s.merged.scenarios_set);
    assert_null(s.merged.scenarios);
    assert_int_equal(plan_make(&s.merged, &p, err, sizeof(err)), 0);
    assert_string_equal(SC(p)->name, "default");
    assert_string_equal(executor_name(SC(p)->executor), "constant-vus");
    assert_int_equal(SC(p)->vus, 7);
    sources_free(&s);

    /* K6_ITERATIONS replaces them too. */
    char *envp[] = {"K6_ITERATIONS=20", NULL};
    no_sources(&s);
    env_ok(envp, &s.env);
    json_ok(Q(SCRIPT_SCENARIOS), &s.script);
    consolidate(&s);
    assert_int_equal(plan_make(&s.merged, &p, err, sizeof(err)), 0);
    assert_string_equal(executor_name(SC(p)->executor), "shared-iterations");
    assert_int_equal(SC(p)->iterations, 20);
    sources_free(&s);

    /* Script scenarios replace the config file's duration, and are deep
     * copies: the sources can go before the plan is made. */
    no_sources(&s);
    json_ok(Q(SCRIPT_SCENARIOS), &s.script);
    assert_int_equal(options_from_json("{\"duration\": \"5m\", \"vus\": 9}", "k6.json", &s.config, err, sizeof(err)),
                     0);
    consolidate(&s);
    options_free(&s.script);
    assert_false(s.merged.duration_set);
    assert_true(s.merged.scenarios_set);
    assert_int_equal(s.merged.nscenarios, 2);
    assert_int_equal(plan_make(&s.merged, &p, err, sizeof(err)), 0);
    assert_int_equal(p.nscenarios, 2);
    assert_string_equal(p.scenarios[0].name, "browse");
    assert_int_equal(p.max_vus, 3); /* both run at 30s: 2 + 1 */
    assert_int_equal(p.max_duration_us, 660 * S);
    sources_free(&s);

    /* The script's duration replaces the config file's scenarios - even
     * invalid ones, which k6 never validates then. */
    no_sources(&s);
    json_ok("{\"duration\": \"20s\"}", &s.script);
    assert_int_equal(options_from_json(Q("{'scenarios': {'x': {'executor': 'constant-vus', 'vus': 0,"
                                         " 'duration': '1m'}}}"),
                                       "k6.json", &s.config, err, sizeof(err)),
                     0);
    assert_non_null(s.config.scenarios_error);
    consolidate(&s);
    assert_false(s.merged.scenarios_set);
    assert_int_equal(plan_make(&s.merged, &p, err, sizeof(err)), 0);
    assert_int_equal(scenario_duration_us(SC(p)), 20 * S);
    sources_free(&s);

    /* ...but when they are the ones used, their error is reported (k6's text, no file name). */
    no_sources(&s);
    assert_int_equal(options_from_json(Q("{'scenarios': {'x': {'executor': 'constant-vus', 'vus': 0,"
                                         " 'duration': '1m'}}}"),
                                       "k6.json", &s.config, err, sizeof(err)),
                     0);
    consolidate(&s);
    assert_int_equal(plan_make(&s.merged, &p, err, sizeof(err)), -2);
    assert_string_equal(err, "scenario x has configuration errors: the number of VUs must be more than 0");
    sources_free(&s);

    /* Script scenarios replace the config file's scenarios as a whole, and
     * an empty object still replaces a lower duration. */
    no_sources(&s);
    json_ok(Q("{'scenarios': {'only': {'executor': 'shared-iterations'}}}"), &s.script);
    assert_int_equal(options_from_json(Q(SCRIPT_SCENARIOS), "k6.json", &s.config, err, sizeof(err)), 0);
    consolidate(&s);
    assert_int_equal(plan_make(&s.merged, &p, err, sizeof(err)), 0);
    assert_int_equal(p.nscenarios, 1);
    assert_string_equal(p.scenarios[0].name, "only");
    sources_free(&s);

    no_sources(&s);
    json_ok("{\"scenarios\": {}}", &s.script);
    assert_int_equal(options_from_json("{\"duration\": \"5m\"}", "k6.json", &s.config, err, sizeof(err)), 0);
    consolidate(&s);
    assert_false(s.merged.duration_set);
    assert_int_equal(plan_make(&s.merged, &p, err, sizeof(err)), 0);
    assert_string_equal(executor_name(SC(p)->executor), "per-vu-iterations");
    sources_free(&s);

    /* A flag's stages and the script's scenarios do not meet: no conflict. */
    no_sources(&s);
    json_ok(Q(SCRIPT_SCENARIOS), &s.script);
    assert_int_equal(options_parse_stages("10s:5", &s.flags.stages, &s.flags.nstages, err, sizeof(err)), 0);
    s.flags.stages_set = true;
    consolidate(&s);
    assert_int_equal(plan_make(&s.merged, &p, err, sizeof(err)), 0);
    assert_string_equal(executor_name(SC(p)->executor), "ramping-vus");
    assert_int_equal(SC(p)->start_vus, 7);
    sources_free(&s);
}

/* ---- TLS options ----------------------------------------------------------- */

static void test_tls_options_json(void **state) {
    (void)state;
    c6_options o;
    json_ok("{\"tlsVersion\": \"tls1.2\", \"tlsCipherSuites\": [\"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\","
            " \"TLS_AES_128_GCM_SHA256\"], \"tlsAuth\": [{\"domains\": [\"a.test\", \"*.b.test\"],"
            " \"cert\": \"C\", \"key\": \"K\", \"password\": \"pw\"}, {\"cert\": \"C2\", \"key\": \"K2\"}]}",
            &o);
    assert_true(o.tls_version_set);
    assert_string_equal(o.tls_version_min, "tls1.2");
    assert_string_equal(o.tls_version_max, "tls1.2");
    assert_int_equal(o.ntls_cipher_suites, 2);
    assert_string_equal(o.tls_cipher_suites[1], "TLS_AES_128_GCM_SHA256");
    assert_int_equal(o.ntls_auth, 2);
    assert_int_equal(o.tls_auth[0].ndomains, 2);
    assert_string_equal(o.tls_auth[0].domains[1], "*.b.test");
    assert_string_equal(o.tls_auth[0].password, "pw");
    assert_null(o.tls_auth[1].password);
    assert_int_equal(o.tls_auth[1].ndomains, 0);

    /* merged into a source that sets none of them: deep copies */
    c6_options top;
    options_init(&top);
    options_merge(&top, &o);
    options_free(&o);
    assert_string_equal(top.tls_version_max, "tls1.2");
    assert_string_equal(top.tls_cipher_suites[0], "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
    assert_string_equal(top.tls_auth[1].key, "K2");
    options_free(&top);

    json_ok("{\"tlsVersion\": {\"min\": \"tls1.1\"}}", &o);
    assert_string_equal(o.tls_version_min, "tls1.1");
    assert_null(o.tls_version_max);
    options_free(&o);
}

static void test_tls_options_errors(void **state) {
    (void)state;
    static const struct {
        const char *json, *where;
    } cases[] = {
        {"{\"tlsVersion\": \"tls1.4\"}", "options.tlsVersion: unknown TLS version \"tls1.4\""},
        {"{\"tlsVersion\": 12}", "options.tlsVersion: must be"},
        {"{\"tlsVersion\": {\"max\": \"x\"}}", "options.tlsVersion.max: unknown TLS version"},
        {"{\"tlsCipherSuites\": [\"RC4-SHA\"]}", "options.tlsCipherSuites[0]: unknown cipher suite"},
        {"{\"tlsAuth\": [{\"key\": \"K\"}]}", "options.tlsAuth[0].cert: missing"},
        {"{\"tlsAuth\": [{\"cert\": \"C\", \"key\": \"K\", \"domains\": \"a\"}]}",
         "options.tlsAuth[0].domains: must be"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        c6_options o;
        char err[512] = "";
        assert_int_equal(options_from_json(cases[i].json, "script options", &o, err, sizeof(err)), -1);
        if (!strstr(err, cases[i].where)) fail_msg("%s: got \"%s\", want \"%s\"", cases[i].json, err, cases[i].where);
    }
}

static void test_tls_options_env(void **state) {
    (void)state;
    c6_options o;
    char *envp[] = {"K6_TLS_VERSION=tls1.3", "K6_TLS_CIPHER_SUITES=TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384",
                    NULL};
    env_ok(envp, &o);
    assert_string_equal(o.tls_version_min, "tls1.3");
    assert_int_equal(o.ntls_cipher_suites, 2);
    assert_string_equal(o.tls_cipher_suites[1], "TLS_AES_256_GCM_SHA384");
    options_free(&o);
    char err[256] = "";
    char *bad[] = {"K6_TLS_VERSION=1.2", NULL};
    assert_int_equal(options_from_env(bad, &o, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "K6_TLS_VERSION"));
}

/* The OpenSSL values are worked out once: the version range and the two suite lists. */
static void test_tls_config_values(void **state) {
    (void)state;
    c6_options o;
    char err[256] = "";
    char *noenv[] = {NULL};
    options_init(&o);
    assert_null(tls_config_new(&o, noenv, err, sizeof(err))); /* nothing set: OpenSSL's defaults */
    assert_string_equal(err, "");

    json_ok("{\"tlsVersion\": {\"min\": \"ssl3.0\", \"max\": \"tls1.2\"}, \"tlsCipherSuites\": ["
            "\"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\", \"TLS_CHACHA20_POLY1305_SHA256\", "
            "\"TLS_RSA_WITH_AES_128_CBC_SHA\"]}",
            &o);
    tls_config *t = tls_config_new(&o, noenv, err, sizeof(err));
    assert_non_null(t);
    assert_int_equal(t->min_version, 0x0301); /* ssl3.0 as the lower bound: the oldest there is */
    assert_int_equal(t->max_version, 0x0303);
    assert_string_equal(t->cipher_list, "ECDHE-RSA-AES128-GCM-SHA256:AES128-SHA");
    assert_string_equal(t->tls13_ciphers, "TLS_CHACHA20_POLY1305_SHA256");
    assert_null(t->ca_file);
    tls_config_free(t);
    options_free(&o);

    json_ok("{\"tlsVersion\": {\"min\": \"tls1.3\", \"max\": \"tls1.2\"}}", &o);
    assert_null(tls_config_new(&o, noenv, err, sizeof(err)));
    assert_non_null(strstr(err, "options.tlsVersion: min (tls1.3) is newer than max (tls1.2)"));
    options_free(&o);

    json_ok("{\"tlsAuth\": [{\"cert\": \"not pem\", \"key\": \"not pem\"}]}", &o);
    assert_null(tls_config_new(&o, noenv, err, sizeof(err)));
    assert_non_null(strstr(err, "options.tlsAuth[0].cert: not a PEM certificate"));
    options_free(&o);

    char *env[] = {"SSL_CERT_FILE=/x/ca.pem", NULL};
    options_init(&o);
    t = tls_config_new(&o, env, err, sizeof(err));
    assert_non_null(t);
    assert_string_equal(t->ca_file, "/x/ca.pem");
    assert_int_equal(t->min_version, 0);
    assert_int_equal(t->max_version, 0);
    tls_config_free(t);

    assert_string_equal(tls_version_name(0x0304), "tls1.3");
    assert_string_equal(tls_version_name(0), "");
    assert_int_equal(tls_version_from_name("ssl3.0"), 0x0300);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_realistic),
        cmocka_unit_test(test_tls_options_json),
        cmocka_unit_test(test_tls_options_errors),
        cmocka_unit_test(test_tls_options_env),
        cmocka_unit_test(test_tls_config_values),
        cmocka_unit_test(test_json_null_and_empty_mean_unset),
        cmocka_unit_test(test_json_threshold_with_no_expressions_merges),
        cmocka_unit_test(test_json_numeric_strings_and_empty_stages),
        cmocka_unit_test(test_json_scenarios),
        cmocka_unit_test(test_json_bad_types),
        cmocka_unit_test(test_json_config_file_origin),
        cmocka_unit_test(test_env_all_variables),
        cmocka_unit_test(test_env_empty_values_and_first_match),
        cmocka_unit_test(test_env_errors),
        cmocka_unit_test(test_shared_list_parsers_append),
        cmocka_unit_test(test_precedence_four_sources),
        cmocka_unit_test(test_merge_execution_group),
        cmocka_unit_test(test_merge_deep_copies_and_keeps_higher),
        cmocka_unit_test(test_plan_defaults_to_one_iteration),
        cmocka_unit_test(test_plan_vus_only),
        cmocka_unit_test(test_plan_iterations),
        cmocka_unit_test(test_plan_duration),
        cmocka_unit_test(test_plan_stages),
        cmocka_unit_test(test_plan_from_scenarios),
        cmocka_unit_test(test_merge_group_with_scenarios),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    for (size_t i = 0; i < nkept; i++) options_plan_free(&kept_plans[i]);
    return rc;
}
