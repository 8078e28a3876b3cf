/* test_svc_page.c - the test-run service's web page (src/service/svc_page.c):
 * which paths are the page's (served without the token: everything else
 * is the API's and needs it), and the environment a run's coordinator gets
 * (its web dashboard without a server, exporting the run's report; the
 * service's own K6_WEB_DASHBOARD* never leak into it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "service/svc_page.h"

static void page_paths(void **st) {
    (void)st;
    assert_true(svc_page_path("/"));
    assert_true(svc_page_path("/runs/1"));
    assert_true(svc_page_path("/runs/123456789012345678"));
    /* not the page: the API's 401/404 */
    const char *no[] = {"",
                        "/runs/",
                        "/runs/x",
                        "/runs/1/",
                        "/runs/1/report",
                        "/runs/-1",
                        "/runs/1x",
                        "/runs/1234567890123456789",
                        "/v1/runs",
                        "//",
                        "/index.html",
                        "/runs"};
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) assert_false(svc_page_path(no[i]));
}

static const char *find(char **env, const char *key) {
    size_t n = strlen(key);
    const char *found = NULL;
    for (size_t i = 0; env[i]; i++)
        if (!strncmp(env[i], key, n) && env[i][n] == '=') {
            assert_null(found); /* once */
            found = env[i] + n + 1;
        }
    return found;
}

static void coordinator_env(void **st) {
    (void)st;
    setenv("K6_WEB_DASHBOARD_PORT", "5665", 1);
    setenv("K6_WEB_DASHBOARD_EXPORT", "/elsewhere.html", 1);
    setenv("K6_WEB_DASHBOARD_HOST", "0.0.0.0", 1);
    setenv("C6_SVC_PAGE_TEST", "kept", 1);
    char **env = svc_page_coordinator_env("/data/db.d/run-7");
    assert_non_null(env);
    assert_string_equal(find(env, "K6_WEB_DASHBOARD"), "true");
    assert_string_equal(find(env, "K6_WEB_DASHBOARD_PORT"), "-1");
    assert_string_equal(find(env, "K6_WEB_DASHBOARD_PERIOD"), "1s");
    assert_string_equal(find(env, "K6_WEB_DASHBOARD_OPEN"), "false");
    assert_string_equal(find(env, "K6_WEB_DASHBOARD_EXPORT"), "/data/db.d/run-7/" SVC_REPORT_FILE);
    assert_null(find(env, "K6_WEB_DASHBOARD_HOST"));
    assert_string_equal(find(env, "C6_SVC_PAGE_TEST"), "kept");
    svc_page_env_free(env);
    svc_page_env_free(NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(page_paths),
        cmocka_unit_test(coordinator_env),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
