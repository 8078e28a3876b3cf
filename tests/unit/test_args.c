/* test_args.c - `c6 run` flag parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "cli/args.h"

#define S 1000000LL

/* Parses a NULL-terminated list of arguments (those after "run"). */
static int parse(c6_run_args *a, char *err, size_t errlen, const char **args) {
    int argc = 0;
    while (args[argc]) argc++;
    return args_parse_run(argc, (char **)args, a, err, errlen);
}

#define PARSE_OK(a, ...)                                                                                               \
    do {                                                                                                               \
        const char *argv_[] = {__VA_ARGS__, NULL};                                                                     \
        char err_[256] = "";                                                                                           \
        if (parse((a), err_, sizeof(err_), argv_) != 0) fail_msg("args_parse_run failed: %s", err_);                   \
    } while (0)

static void expect_error(const char *want, const char **args) {
    c6_run_args a;
    char err[256] = "";
    int rc = parse(&a, err, sizeof(err), args);
    if (rc != -1) fail_msg("accepted: %s ...", args[0]);
    if (strcmp(err, want) != 0) fail_msg("got:  %s\nwant: %s", err, want);
    assert_null(a.script); /* reset on error */
    assert_false(a.flags.vus_set);
    args_free(&a); /* safe after an error */
}

#define EXPECT_ERROR(want, ...)                                                                                        \
    do {                                                                                                               \
        const char *argv_[] = {__VA_ARGS__, NULL};                                                                     \
        expect_error((want), argv_);                                                                                   \
    } while (0)

static const char *env_value(const c6_run_args *a, const char *key) {
    for (size_t i = 0; i < a->nenv; i++)
        if (strcmp(a->env[i].key, key) == 0) return a->env[i].value;
    return NULL;
}

static const char *tag_value(const c6_run_args *a, const char *key) {
    for (size_t i = 0; i < a->flags.ntags; i++)
        if (strcmp(a->flags.tags[i].key, key) == 0) return a->flags.tags[i].value;
    return NULL;
}

static void test_defaults(void **state) {
    (void)state;
    c6_run_args a;
    const char *argv[] = {"script.js", NULL};
    char err[64];
    assert_int_equal(parse(&a, err, sizeof(err), argv), 0);
    assert_ptr_equal(a.script, argv[0]); /* points into argv */
    assert_false(a.flags.vus_set);
    assert_false(a.flags.duration_set);
    assert_true(a.include_system_env_vars);
    assert_null(a.config_path);
    assert_null(a.summary_mode);
    assert_int_equal(a.workers, 0);
    assert_false(a.quiet || a.verbose || a.no_color || a.no_summary || a.help);
    args_free(&a);
}

static void test_value_forms(void **state) {
    (void)state;
    const char *forms[][3] = {
        {"--vus=10", NULL, NULL}, {"--vus", "10", NULL}, {"-u10", NULL, NULL},
        {"-u", "10", NULL},       {"-u=10", NULL, NULL},
    };
    for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
        const char *argv[4] = {forms[i][0], forms[i][1] ? forms[i][1] : "s.js", forms[i][1] ? "s.js" : NULL, NULL};
        c6_run_args a;
        char err[256] = "";
        if (parse(&a, err, sizeof(err), argv) != 0) fail_msg("%s: %s", forms[i][0], err);
        assert_true(a.flags.vus_set);
        assert_int_equal(a.flags.vus, 10);
        assert_string_equal(a.script, "s.js");
        args_free(&a);
    }
}

static void test_execution_flags(void **state) {
    (void)state;
    c6_run_args a;
    PARSE_OK(&a, "-d", "1m30s", "script.js", "-i", "100", "--iterations=200", "-u", "-1");
    assert_int_equal(a.flags.duration_us, 90 * S);
    assert_int_equal(a.flags.iterations, 200); /* last one wins */
    assert_int_equal(a.flags.vus, -1);         /* validated later, by options_plan */
    assert_string_equal(a.script, "script.js");
    args_free(&a);

    PARSE_OK(&a, "-s", "10s:5", "--stage", "20s:10,5s:0", "-s30s:1", "--stage=1d:2", "x.js");
    assert_true(a.flags.stages_set);
    assert_int_equal(a.flags.nstages, 5);
    assert_int_equal(a.flags.stages[0].duration_us, 10 * S);
    assert_int_equal(a.flags.stages[0].target, 5);
    assert_int_equal(a.flags.stages[2].target, 0);
    assert_int_equal(a.flags.stages[3].duration_us, 30 * S);
    assert_int_equal(a.flags.stages[4].duration_us, 86400 * S);
    args_free(&a);

    PARSE_OK(&a, "--duration", "0", "x.js"); /* accepted here, rejected by the plan */
    assert_true(a.flags.duration_set);
    assert_int_equal(a.flags.duration_us, 0);
    args_free(&a);
}

static void test_boolean_flags(void **state) {
    (void)state;
    c6_run_args a;
    PARSE_OK(&a, "--no-thresholds", "--insecure-skip-tls-verify", "-q", "--no-color", "-v", "x.js");
    assert_true(a.flags.no_thresholds_set && a.flags.no_thresholds);
    assert_true(a.flags.insecure_skip_tls_verify_set && a.flags.insecure_skip_tls_verify);
    assert_true(a.quiet && a.no_color && a.verbose);
    args_free(&a);

    PARSE_OK(&a, "--no-thresholds=false", "--quiet=0", "--include-system-env-vars=false", "x.js");
    assert_true(a.flags.no_thresholds_set); /* explicitly false still overrides env/script */
    assert_false(a.flags.no_thresholds);
    assert_false(a.quiet);
    assert_false(a.include_system_env_vars);
    args_free(&a);

    PARSE_OK(&a, "-qv", "x.js"); /* grouped shorthands */
    assert_true(a.quiet && a.verbose);
    args_free(&a);

    PARSE_OK(&a, "-qu5", "x.js"); /* a bool then a value flag in one group */
    assert_true(a.quiet);
    assert_int_equal(a.flags.vus, 5);
    args_free(&a);

    PARSE_OK(&a, "-q=false", "--include-system-env-vars", "x.js");
    assert_false(a.quiet);
    assert_true(a.include_system_env_vars);
    args_free(&a);
}

static void test_string_and_list_flags(void **state) {
    (void)state;
    c6_run_args a;
    PARSE_OK(&a, "--user-agent", "MyAgent/1.0 (test)", "--summary-export=out.json", "--summary-trend-stats",
             "avg,p(99)", "--summary-trend-stats=p(99.9)", "-c", "conf.json", "x.js");
    assert_true(a.flags.user_agent_set);
    assert_string_equal(a.flags.user_agent, "MyAgent/1.0 (test)");
    assert_string_equal(a.flags.summary_export, "out.json");
    assert_int_equal(a.flags.nsummary_trend_stats, 3);
    assert_string_equal(a.flags.summary_trend_stats[1], "p(99)");
    assert_string_equal(a.flags.summary_trend_stats[2], "p(99.9)");
    assert_string_equal(a.config_path, "conf.json");
    args_free(&a);

    PARSE_OK(&a, "--user-agent=", "--config=/etc/k6.json", "x.js");
    assert_true(a.flags.user_agent_set);
    assert_string_equal(a.flags.user_agent, "");
    assert_string_equal(a.config_path, "/etc/k6.json");
    args_free(&a);
}

static void test_tags_and_env(void **state) {
    (void)state;
    c6_run_args a;
    PARSE_OK(&a, "--tag", "env=prod", "--tag=query=a=b", "--tag", "env=staging", "-e", "HOST=x.io", "--env", "EMPTY",
             "-eTOKEN=a=b", "--env=HOST=y.io", "-e", "_under_1=", "x.js");
    assert_true(a.flags.tags_set);
    assert_int_equal(a.flags.ntags, 2);
    assert_string_equal(tag_value(&a, "env"), "staging"); /* a later tag replaces */
    assert_string_equal(tag_value(&a, "query"), "a=b");
    assert_int_equal(a.nenv, 4);
    assert_string_equal(env_value(&a, "HOST"), "y.io");
    assert_string_equal(env_value(&a, "EMPTY"), "");
    assert_string_equal(env_value(&a, "TOKEN"), "a=b");
    assert_string_equal(env_value(&a, "_under_1"), "");
    args_free(&a);
}

static void test_c6_and_summary_flags(void **state) {
    (void)state;
    c6_run_args a;
    /* K6_OUT: outputs split at commas that start a known output type */
    setenv("K6_OUT", "json=a.json,csv=b.csv,timeFormat=unix,web-dashboard", 1);
    PARSE_OK(&a, "x.js");
    assert_int_equal(a.nouts, 3);
    assert_string_equal(a.outs[0], "json=a.json");
    assert_string_equal(a.outs[1], "csv=b.csv,timeFormat=unix");
    assert_string_equal(a.outs[2], "web-dashboard");
    args_free(&a);
    PARSE_OK(&a, "-o", "json=c.json", "x.js"); /* -o replaces K6_OUT */
    assert_int_equal(a.nouts, 1);
    assert_string_equal(a.outs[0], "json=c.json");
    args_free(&a);
    unsetenv("K6_OUT");
    PARSE_OK(&a, "--workers", "4", "x.js");
    assert_int_equal(a.workers, 4);
    args_free(&a);
    /* flags that mirror k6 options: -w is k6's --throw */
    PARSE_OK(&a, "-w", "--batch", "3", "--batch-per-host=2", "--max-redirects", "0", "--no-setup", "--blacklist-ip",
             "10.0.0.0/8", "--blacklist-ip", "192.168.0.0/16,172.16.0.0/12", "--min-iteration-duration", "1.5s",
             "x.js");
    assert_true(a.flags.throw_set && a.flags.throw_errors);
    assert_true(a.flags.batch_set && a.flags.batch == 3);
    assert_true(a.flags.batch_per_host_set && a.flags.batch_per_host == 2);
    assert_true(a.flags.max_redirects_set && a.flags.max_redirects == 0);
    assert_true(a.flags.no_setup_set && a.flags.no_setup);
    assert_int_equal(a.flags.nblacklist_ips, 3);
    assert_true(a.flags.min_iteration_duration_set && a.flags.min_iteration_duration_us == 1500000);
    args_free(&a);

    PARSE_OK(&a, "--workers=0", "--no-summary", "x.js");
    assert_int_equal(a.workers, 0);
    assert_true(a.no_summary);
    assert_string_equal(a.summary_mode, "disabled");
    args_free(&a);

    PARSE_OK(&a, "--summary-mode=full", "x.js");
    assert_false(a.no_summary);
    assert_string_equal(a.summary_mode, "full");
    args_free(&a);

    PARSE_OK(&a, "--no-summary", "--summary-mode", "compact", "x.js");
    assert_string_equal(a.summary_mode, "compact"); /* an explicit mode wins */
    args_free(&a);
}

static void test_positionals(void **state) {
    (void)state;
    c6_run_args a;
    PARSE_OK(&a, "-u", "2", "-");
    assert_string_equal(a.script, "-"); /* stdin */
    args_free(&a);

    PARSE_OK(&a, "-u", "2", "--", "-odd-name.js");
    assert_string_equal(a.script, "-odd-name.js");
    args_free(&a);

    PARSE_OK(&a, "--help");
    assert_true(a.help);
    assert_null(a.script);
    args_free(&a);

    PARSE_OK(&a, "-h", "x.js");
    assert_true(a.help);
    args_free(&a);
}

static void test_unknown_and_missing(void **state) {
    (void)state;
    EXPECT_ERROR("unknown flag: --foo", "--foo", "x.js");
    EXPECT_ERROR("unknown flag: --foo", "x.js", "--foo=bar");
    EXPECT_ERROR("unknown flag: --throws", "--throws", "x.js");
    EXPECT_ERROR("unknown shorthand flag: 'x' in -x", "-x", "x.js");
    EXPECT_ERROR("unknown shorthand flag: 'z' in -qz", "-qz", "x.js");
    EXPECT_ERROR("flag needs an argument: 'u' in -u", "x.js", "-u");
    EXPECT_ERROR("flag needs an argument: --vus", "x.js", "--vus");
    EXPECT_ERROR("flag needs an argument: --user-agent", "x.js", "--user-agent");
    /* cobra's ExactArgs with k6's text (internal/cmd/run.go) */
    EXPECT_ERROR("accepts 1 arg(s), received 0: arg should either be \"-\", if reading script from stdin, "
                 "or a path to a script file",
                 "-u", "3");
    EXPECT_ERROR("accepts 1 arg(s), received 2: arg should either be \"-\", if reading script from stdin, "
                 "or a path to a script file",
                 "a.js", "b.js");
}

static void test_invalid_values(void **state) {
    (void)state;
    /* pflag's texts with Go's strconv.ParseInt and time.ParseDuration errors */
    EXPECT_ERROR("invalid argument \"abc\" for \"-u, --vus\" flag: strconv.ParseInt: parsing \"abc\": invalid syntax",
                 "-u", "abc", "x.js");
    EXPECT_ERROR("invalid argument \"\" for \"-u, --vus\" flag: strconv.ParseInt: parsing \"\": invalid syntax",
                 "--vus=", "x.js");
    EXPECT_ERROR("invalid argument \"1.5\" for \"-i, --iterations\" flag: strconv.ParseInt: parsing \"1.5\": "
                 "invalid syntax",
                 "-i1.5", "x.js");
    EXPECT_ERROR("invalid argument \"99999999999999999999\" for \"-u, --vus\" flag: strconv.ParseInt: parsing "
                 "\"99999999999999999999\": value out of range",
                 "-u", "99999999999999999999", "x.js");
    EXPECT_ERROR("invalid argument \"10\" for \"-d, --duration\" flag: time: missing unit in duration \"10\"", "-d",
                 "10", "x.js");
    EXPECT_ERROR("invalid argument \"1d\" for \"-d, --duration\" flag: time: unknown unit \"d\" in duration \"1d\"",
                 "-d", "1d", "x.js");
    EXPECT_ERROR("invalid argument \"x\" for \"-d, --duration\" flag: time: invalid duration \"x\"", "-d", "x", "x.js");
    EXPECT_ERROR("invalid argument \"-5s\" for \"-d, --duration\" flag: invalid duration \"-5s\": "
                 "must not be negative",
                 "--duration=-5s", "x.js");
    EXPECT_ERROR("invalid argument \"10s\" for \"-s, --stage\" flag: stage \"10s\": missing target "
                 "(use duration:target, e.g. 30s:10)",
                 "-s", "10s", "x.js");
    /* the duration's error is Go's (k6's Stage.UnmarshalText: time.ParseDuration, lib/options.go) */
    EXPECT_ERROR("invalid argument \"1x:5\" for \"-s, --stage\" flag: stage \"1x:5\": time: unknown unit "
                 "\"x\" in duration \"1x\"",
                 "-s", "1x:5", "x.js");
    EXPECT_ERROR("invalid argument \"maybe\" for \"-q, --quiet\" flag: not a boolean (use true or "
                 "false)",
                 "--quiet=maybe", "x.js");
    EXPECT_ERROR("invalid argument \"yes\" for \"--no-thresholds\" flag: not a boolean (use true "
                 "or false)",
                 "--no-thresholds=yes", "x.js");
    EXPECT_ERROR("invalid argument \"=v\" for \"--tag\" flag: invalid tag, empty name", "--tag", "=v", "x.js");
    EXPECT_ERROR("invalid argument \"k\" for \"--tag\" flag: invalid tag, empty value (use "
                 "name=value)",
                 "--tag", "k", "x.js");
    EXPECT_ERROR("invalid argument \"k=\" for \"--tag\" flag: invalid tag, empty value (use "
                 "name=value)",
                 "--tag=k=", "x.js");
    EXPECT_ERROR("invalid argument \"\" for \"--tag\" flag: invalid tag, empty string", "--tag", "", "x.js");
    EXPECT_ERROR("invalid argument \"1X=2\" for \"-e, --env\" flag: invalid environment variable "
                 "name \"1X\"",
                 "-e", "1X=2", "x.js");
    EXPECT_ERROR("invalid argument \"=x\" for \"-e, --env\" flag: invalid environment variable "
                 "name \"\"",
                 "-e", "=x", "x.js");
    EXPECT_ERROR("invalid argument \"A-B=1\" for \"-e, --env\" flag: invalid environment variable "
                 "name \"A-B\"",
                 "--env=A-B=1", "x.js");
    EXPECT_ERROR("invalid argument \"short\" for \"--summary-mode\" flag: must be compact, full or "
                 "disabled",
                 "--summary-mode", "short", "x.js");
    EXPECT_ERROR("invalid argument \"avg,p(x)\" for \"--summary-trend-stats\" flag: invalid percentile trend "
                 "stat value 'p(x)', provide a number between 0 and 100",
                 "--summary-trend-stats", "avg,p(x)", "x.js");
    EXPECT_ERROR("invalid argument \"-1\" for \"--workers\" flag: must be from 0 (one per CPU) "
                 "to 4096",
                 "--workers", "-1", "x.js");
    EXPECT_ERROR("invalid argument \"x.js\" for \"--workers\" flag: strconv.ParseInt: parsing \"x.js\": invalid syntax",
                 "--workers", "x.js");
    EXPECT_ERROR("invalid argument \"x\" for \"--batch\" flag: strconv.ParseInt: parsing \"x\": invalid syntax",
                 "--batch", "x", "x.js");
    EXPECT_ERROR("invalid argument \"10.0.0.0/33\" for \"--blacklist-ip\" flag: \"10.0.0.0/33\" has an "
                 "invalid prefix length",
                 "--blacklist-ip", "10.0.0.0/33", "x.js");
}

static void test_error_buffer_may_be_small(void **state) {
    (void)state;
    c6_run_args a;
    char err[10];
    const char *argv[] = {"--definitely-unknown", NULL};
    assert_int_equal(args_parse_run(1, (char **)argv, &a, err, sizeof(err)), -1);
    assert_string_equal(err, "unknown f");
    assert_int_equal(args_parse_run(1, (char **)argv, &a, NULL, 0), -1);
    args_free(&a);
}

/* args_flag_at: how c6 kube tells run's flags (and their values) apart */
static void check_flag_at(int i, int want_span, const char *want_name, int want_letter, const char **args) {
    int argc = 0;
    while (args[argc]) argc++;
    const char *name = "unset";
    int letter = -1;
    assert_int_equal(args_flag_at(argc, (char **)args, i, &name, &letter), want_span);
    if (want_name) assert_string_equal(name, want_name);
    else assert_null(name);
    assert_int_equal(letter, want_letter);
}

static void test_flag_at(void **state) {
    (void)state;
    const char *a1[] = {"-e", "A=1", "x.js", NULL};
    check_flag_at(0, 2, "env", 1, a1); /* a separate value */
    check_flag_at(2, 0, NULL, 0, a1);  /* the script */
    const char *a2[] = {"--env=A=1", "--env", "B", "--quiet", "--quiet=false", NULL};
    check_flag_at(0, 1, "env", 0, a2);
    check_flag_at(1, 2, "env", 0, a2);
    check_flag_at(3, 1, "quiet", 0, a2); /* booleans take no separate value */
    check_flag_at(4, 1, "quiet", 0, a2);
    const char *a3[] = {"-qe", "A=1", "-qv", "-u10", "-eq", "-c=f.json", NULL};
    check_flag_at(0, 2, "env", 2, a3);     /* a group: the flag that takes the value */
    check_flag_at(2, 1, "verbose", 2, a3); /* ... else the last */
    check_flag_at(3, 1, "vus", 1, a3);     /* an attached value */
    check_flag_at(4, 1, "env", 1, a3);     /* "q" is -e's value */
    check_flag_at(5, 1, "config", 1, a3);
    const char *a4[] = {"--", "-", "--nope", "-Z", "-O", "o.tar", "--exclude-env-vars", "-e", NULL};
    check_flag_at(0, 0, NULL, 0, a4);
    check_flag_at(1, 0, NULL, 0, a4); /* stdin */
    check_flag_at(2, 0, NULL, 0, a4); /* unknown: left to the parser */
    check_flag_at(3, 0, NULL, 0, a4);
    check_flag_at(4, 2, "archive-out", 1, a4); /* c6 archive's flags are known */
    check_flag_at(6, 1, "exclude-env-vars", 0, a4);
    check_flag_at(7, 1, "env", 1, a4); /* a value missing at the end: the parser reports it */
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_value_forms),
        cmocka_unit_test(test_execution_flags),
        cmocka_unit_test(test_boolean_flags),
        cmocka_unit_test(test_string_and_list_flags),
        cmocka_unit_test(test_tags_and_env),
        cmocka_unit_test(test_c6_and_summary_flags),
        cmocka_unit_test(test_positionals),
        cmocka_unit_test(test_unknown_and_missing),
        cmocka_unit_test(test_invalid_values),
        cmocka_unit_test(test_error_buffer_may_be_small),
        cmocka_unit_test(test_flag_at),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
