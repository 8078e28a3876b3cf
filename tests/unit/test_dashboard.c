/* test_dashboard.c - the web dashboard's settings, snapshot arithmetic and
 * report, without a server (port -1). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "output/dashboard.h"

static void test_defaults(void **state) {
    (void)state;
    char *env[] = {"PATH=/bin", NULL}, err[256] = "";
    dash_config c;
    assert_int_equal(dash_config_read(&c, env, NULL, err, sizeof err), 0);
    assert_false(c.enabled);
    assert_string_equal(c.host, "localhost");
    assert_int_equal(c.port, 5665);
    assert_int_equal(c.period_us, 10000000);
    assert_false(c.open);
    assert_null(c.export_path);
    dash_config_free(&c);
}

static void test_env_then_output_argument(void **state) {
    (void)state;
    char *env[] = {"K6_WEB_DASHBOARD=true",         "K6_WEB_DASHBOARD_PORT=0",        "K6_WEB_DASHBOARD_PERIOD=2s",
                   "K6_WEB_DASHBOARD_HOST=0.0.0.0", "K6_WEB_DASHBOARD_EXPORT=a.html", NULL};
    char err[256] = "";
    dash_config c;
    assert_int_equal(dash_config_read(&c, env, NULL, err, sizeof err), 0);
    assert_true(c.enabled);
    assert_int_equal(c.port, 0);
    assert_int_equal(c.period_us, 2000000);
    assert_string_equal(c.host, "0.0.0.0");
    assert_string_equal(c.export_path, "a.html");
    dash_config_free(&c);
    /* -o web-dashboard=...: enables it, and its settings win */
    char *none[] = {NULL};
    assert_int_equal(dash_config_read(&c, env, "port=-1&export=b.html.gz&open=false", err, sizeof err), 0);
    assert_int_equal(c.port, -1);
    assert_string_equal(c.export_path, "b.html.gz");
    assert_int_equal(c.period_us, 2000000);
    dash_config_free(&c);
    assert_int_equal(dash_config_read(&c, none, "", err, sizeof err), 0);
    assert_true(c.enabled);
    dash_config_free(&c);
}

static void expect_error(char **env, const char *arg, const char *want) {
    char err[256] = "";
    dash_config c;
    assert_int_equal(dash_config_read(&c, env, arg, err, sizeof err), -1);
    if (!strstr(err, want)) fail_msg("error \"%s\" does not contain \"%s\"", err, want);
    dash_config_free(&c);
}

static void test_errors(void **state) {
    (void)state;
    char *bool_env[] = {"K6_WEB_DASHBOARD=yes", NULL};
    char *port_env[] = {"K6_WEB_DASHBOARD_PORT=70000", NULL};
    char *period_env[] = {"K6_WEB_DASHBOARD_PERIOD=0s", NULL};
    char *none[] = {NULL};
    expect_error(bool_env, NULL, "K6_WEB_DASHBOARD: invalid boolean \"yes\"");
    expect_error(port_env, NULL, "K6_WEB_DASHBOARD_PORT: invalid port \"70000\"");
    expect_error(period_env, NULL, "K6_WEB_DASHBOARD_PERIOD: the period must be more than 0");
    expect_error(none, "colour=red", "-o web-dashboard: colour: unknown setting");
    expect_error(none, "port", "-o web-dashboard: port: expected key=value");
    expect_error(none, "period=x1", "-o web-dashboard: period: time: invalid duration \"x1\"");
}

/* Snapshots: rates over each period, the final one's over the last two
 * when it comes right after a periodic one; the report inlines them. */
static void test_snapshots_and_report(void **state) {
    (void)state;
    char *none[] = {NULL}, err[256] = "";
    dash_config c;
    assert_int_equal(dash_config_read(&c, none, "port=-1&period=1s", err, sizeof err), 0);
    const char *scen[] = {"main"};
    dashboard *d = dash_start(&c, "x.js", scen, 1, err, sizeof err);
    assert_non_null(d);
    assert_string_equal(dash_url(d), "");
    int vus[] = {3};
    dash_sample s = {.t_s = 1,
                     .vus = 3,
                     .vus_max = 3,
                     .http_reqs = 10,
                     .req_failed = 1,
                     .req_total = 10,
                     .dur_n = 10,
                     .dur_sum = 50,
                     .scenario_vus = vus};
    dash_snapshot(d, &s);
    s.t_s = 2, s.http_reqs = 30, s.req_total = 30, s.dur_n = 30, s.dur_sum = 250;
    dash_snapshot(d, &s);
    dash_snapshot(d, &s); /* not later: ignored */
    s.t_s = 2.01, s.http_reqs = 32;
    dash_snapshot(d, &s);
    size_t len;
    char *html = dash_report_html(d, &len);
    assert_non_null(html);
    assert_int_equal(strlen(html), len);
    assert_non_null(
        strstr(html, "{\"event\":\"config\",\"data\":{\"script\":\"x.js\",\"period\":1,\"scenarios\":[\"main\"]}}"));
    /* 20 requests in the second period, avg (250-50)/20, one failure of 20 -> 0 */
    assert_non_null(strstr(html, "\"t\":2,\"vus\":3,\"vus_max\":3,\"http_reqs\":30,\"http_req_rate\":20,"));
    /* the period's avg; percentiles only with dash_listen_engine; then the
     * same since the start (250/30) */
    assert_non_null(strstr(html, "\"http_req_failed\":0,\"http_req_failed_total\":0.03333333333333333,"
                                 "\"http_req_duration\":{\"avg\":10},"
                                 "\"http_req_duration_total\":{\"avg\":8.333333333333334,"));
    /* the first point has no period behind it: rates 0, not 10/1 (issue 16) */
    assert_non_null(strstr(html, "\"t\":1,\"vus\":3,\"vus_max\":3,\"http_reqs\":10,\"http_req_rate\":0,"));
    assert_non_null(strstr(html, "\"scenario_vus\":{\"main\":3}"));
    /* the last one: 22 requests since t=1 -> 22/1.01 */
    assert_non_null(
        strstr(html, "\"t\":2.01,\"vus\":3,\"vus_max\":3,\"http_reqs\":32,\"http_req_rate\":21.78217821782178"));
    char *p = html;
    int n = 0;
    while ((p = strstr(p, "\"event\":\"snapshot\""))) n++, p++;
    assert_int_equal(n, 3);
    free(html);
    summary_threshold th = {"http_req_duration", "p(95)<5", false, 7, NULL};
    summary_check ck = {"a<b", "", 2, 1};
    summary_data sd = {.thresholds = &th, .nthresholds = 1, .checks = &ck, .nchecks = 1, .duration_s = 2.01};
    dash_end(d, &sd);
    html = dash_report_html(d, &len);
    /* '<' is escaped inside the inlined JSON: no "</script>" can end it early */
    assert_non_null(
        strstr(html, "{\"metric\":\"http_req_duration\",\"source\":\"p(95)\\u003c5\",\"ok\":false,\"observed\":7}"));
    assert_non_null(strstr(html, "{\"name\":\"a\\u003cb\",\"group\":\"\",\"passes\":2,\"fails\":1}"));
    free(html);
    dash_stop(d);
    dash_config_free(&c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_env_then_output_argument),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_snapshots_and_report),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
