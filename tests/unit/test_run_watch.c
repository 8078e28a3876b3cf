/* test_run_watch.c - the test-run service's side of a run's report channel
 * (src/service/run_watch.c, the format in src/dist/run_report.h): events
 * read from a pipe whole, split across reads or not; the limits seen while
 * running (k6's "Test Status codes" page: more than 40 groups, more than
 * 10,000 metrics) and the script error rule (every iteration that ended in
 * the window threw, and at least N of them). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "service/run_watch.h"
#include "service/store.h"

static run_watch w;

static int open_pipe(int p[2]) {
    if (pipe(p)) return -1;
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    return 0;
}

static void put(int fd, const char *s) { assert_int_equal(write(fd, s, strlen(s)), (ssize_t)strlen(s)); }

static void progress(int fd, run_watch *rw, int64_t t_us, long long it, long long failed, long long groups,
                     long long series) {
    char line[512];
    snprintf(line, sizeof line,
             "{\"event\":\"progress\",\"elapsed_ms\":1000,\"max_duration_ms\":35000,\"max_vus\":2,\"vus\":2,"
             "\"vus_max\":2,\"iterations\":%lld,\"interrupted\":0,\"failed_iterations\":%lld,\"time_series\":%lld,"
             "\"groups\":%lld,\"requests\":7,\"failed_requests\":1}\n",
             it, failed, series, groups);
    put(fd, line);
    run_watch_read(rw, t_us);
}

static void events(void **st) {
    (void)st;
    int p[2];
    assert_int_equal(open_pipe(p), 0);
    run_watch_init(&w, p[0]);
    /* a line split over two reads is taken once whole */
    put(p[1], "{\"event\":\"listening\",\"address\":\"127.0.0.1:4");
    run_watch_read(&w, 1);
    assert_string_equal(w.addr, "");
    put(p[1], "0123\"}\n{\"event\":\"started\"}\n");
    run_watch_read(&w, 2);
    assert_string_equal(w.addr, "127.0.0.1:40123");
    assert_true(w.started);
    assert_null(run_watch_progress_json(&w));
    /* an overlong line and garbage are skipped, the next line is read */
    char big[3000];
    memset(big, 'x', sizeof big - 2);
    big[sizeof big - 2] = '\n';
    big[sizeof big - 1] = 0;
    put(p[1], big);
    put(p[1], "not json\n");
    progress(p[1], &w, 3, 10, 1, 2, 30);
    cJSON *j = run_watch_progress_json(&w);
    assert_non_null(j);
    assert_int_equal(cJSON_GetObjectItem(j, "iterations")->valueint, 10);
    assert_int_equal(cJSON_GetObjectItem(j, "requests")->valueint, 7);
    assert_int_equal(cJSON_GetObjectItem(j, "failed_requests")->valueint, 1);
    assert_int_equal(cJSON_GetObjectItem(j, "time_series")->valueint, 30);
    cJSON_Delete(j);
    /* an address with a quote is not taken */
    run_watch_init(&w, p[0]);
    put(p[1], "{\"event\":\"listening\",\"address\":\"a\\\"b\"}\n{\"event\":\"ended\",\"code\":99}\n");
    run_watch_read(&w, 4);
    assert_string_equal(w.addr, "");
    assert_true(w.ended);
    assert_int_equal(w.end_code, 99);
    /* the writer gone: the read end is closed */
    close(p[1]);
    run_watch_read(&w, 5);
    assert_int_equal(w.fd, -1);
}

static void limits(void **st) {
    (void)st;
    int p[2];
    char msg[400];
    run_limits l = {.max_groups = 40, .max_time_series = 10000};
    assert_int_equal(open_pipe(p), 0);
    run_watch_init(&w, p[0]);
    progress(p[1], &w, 1000000, 5, 0, 40, 10000); /* at the limits: within them */
    assert_int_equal(run_watch_verdict(&w, &l, msg, sizeof msg), 0);
    progress(p[1], &w, 2000000, 6, 0, 41, 10000);
    assert_int_equal(run_watch_verdict(&w, &l, msg, sizeof msg), RUN_ABORTED_LIMIT);
    assert_non_null(strstr(msg, "groups (41)"));
    assert_non_null(strstr(msg, "--max-groups (40)"));
    progress(p[1], &w, 3000000, 7, 0, 3, 10001);
    assert_int_equal(run_watch_verdict(&w, &l, msg, sizeof msg), RUN_ABORTED_LIMIT);
    assert_non_null(strstr(msg, "time series (10001"));
    assert_non_null(strstr(msg, "--max-time-series (10000)"));
    l.max_time_series = 0; /* off */
    assert_int_equal(run_watch_verdict(&w, &l, msg, sizeof msg), 0);
    run_watch_close(&w);
    close(p[1]);
}

static void error_rule(void **st) {
    (void)st;
    int p[2];
    char msg[400];
    run_limits l = {.error_window_us = 2000000, .error_min = 3};
    assert_int_equal(open_pipe(p), 0);
    run_watch_init(&w, p[0]);
    /* 10 good iterations, then every one throws */
    progress(p[1], &w, 1000000, 10, 0, 0, 0);
    progress(p[1], &w, 2000000, 14, 4, 0, 0);
    /* 1 s of history only: no verdict yet */
    assert_int_equal(run_watch_verdict(&w, &l, msg, sizeof msg), 0);
    progress(p[1], &w, 3000000, 18, 8, 0, 0);
    /* the window from t=1 s: 8 ended, 8 threw */
    assert_int_equal(run_watch_verdict(&w, &l, msg, sizeof msg), RUN_ABORTED_SCRIPT);
    assert_non_null(strstr(msg, "all 8 iterations"));
    assert_non_null(strstr(msg, "--script-error-window 2s"));
    /* fewer than the minimum: no verdict */
    l.error_min = 9;
    assert_int_equal(run_watch_verdict(&w, &l, msg, sizeof msg), 0);
    l.error_min = 3;
    /* one good iteration in the window: no verdict */
    progress(p[1], &w, 4000000, 23, 12, 0, 0); /* from t=2 s: 9 ended, 8 threw */
    assert_int_equal(run_watch_verdict(&w, &l, msg, sizeof msg), 0);
    /* nothing ended in the window (e.g. long iterations): no verdict */
    progress(p[1], &w, 6000000, 23, 12, 0, 0);
    assert_int_equal(run_watch_verdict(&w, &l, msg, sizeof msg), 0);
    /* the rule off */
    l.error_window_us = 0;
    progress(p[1], &w, 9000000, 40, 29, 0, 0);
    assert_int_equal(run_watch_verdict(&w, &l, msg, sizeof msg), 0);
    l.error_window_us = 2000000;
    assert_int_equal(run_watch_verdict(&w, &l, msg, sizeof msg), RUN_ABORTED_SCRIPT);
    /* the history ring wraps: still the newest window */
    for (int i = 0; i < RUN_WATCH_HIST + 10; i++) progress(p[1], &w, 10000000 + i * 1000000LL, 100 + i, 0, 0, 0);
    assert_int_equal(w.nhist, RUN_WATCH_HIST);
    assert_int_equal(run_watch_verdict(&w, &l, msg, sizeof msg), 0);
    run_watch_close(&w);
    close(p[1]);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(events),
        cmocka_unit_test(limits),
        cmocka_unit_test(error_rule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
