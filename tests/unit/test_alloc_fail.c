/* test_alloc_fail.c - the parsers survive a failed allocation (issue 12).
 *
 * Linked with -Wl,--wrap for malloc, calloc, realloc, strdup and strndup
 * (Makefile), so every call from c6's objects goes through the counters
 * below. For each parser and input: one run counts its allocations (N), then
 * N runs, each in a child process, make the k-th allocation fail (k = 1..N)
 * and must end cleanly: no crash, the parse either succeeds or reports an
 * error (checked by the op), and under `make asan` no leak (LeakSanitizer
 * runs at the child's exit). Code documented to end c6 when memory runs out
 * (util/err.h's x* helpers: "c6: out of memory", exit 2, as Go's runtime) is
 * allowed that exit only where the op says so: the options' consolidation
 * and plan (options_merge, options_plan, scenarios_totals), made once at
 * start after every source is parsed. The parsers themselves (options JSON,
 * env, flags' lists, scenarios, stages) must return "out of memory" instead.
 * Allocations inside shared libraries (cJSON, libc's own) are not counted:
 * they check their own. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config/duration.h"
#include "config/options.h"
#include "config/scenarios.h"
#include "exec/capacity.h"
#include "js/cjs.h"
#include "js/ts.h"
#include "metrics/threshold.h"
#include "net/cookies.h"
#include "net/h1_parse.h"
#include "util/buf.h"
#include "util/urlref.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);

static long alloc_count, fail_at; /* fail_at k > 0: the k-th allocation fails (only it) */

static bool fail_now(void) { return ++alloc_count == fail_at; }
void *__wrap_malloc(size_t n) { return fail_now() ? NULL : __real_malloc(n); }
void *__wrap_calloc(size_t n, size_t size) { return fail_now() ? NULL : __real_calloc(n, size); }
void *__wrap_realloc(void *p, size_t n) { return fail_now() ? NULL : __real_realloc(p, n); }
char *__wrap_strdup(const char *s) { return fail_now() ? NULL : __real_strdup(s); }
char *__wrap_strndup(const char *s, size_t n) { return fail_now() ? NULL : __real_strndup(s, n); }

/* op in a child process with its k-th allocation failing; the child's wait status. */
static int run_failing(void (*op)(void), long k, bool quiet) {
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (quiet) { /* "c6: out of memory" from the x* helpers, by the hundred */
            FILE *null = freopen("/dev/null", "w", stderr);
            (void)null;
        }
        alloc_count = 0;
        fail_at = k;
        op();
        fail_at = 0;
        exit(0); /* (LeakSanitizer checks here under make asan) */
    }
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    return st;
}

/* Runs op with each of its allocations failing in turn; returns how many there were. */
static long inject_each(const char *name, void (*op)(void), bool oom_exit_ok) {
    alloc_count = 0;
    fail_at = 0;
    op();
    long n = alloc_count;
    long clean = 0, exited = 0;
    for (long k = 1; k <= n; k++) {
        int st = run_failing(op, k, true);
        if (WIFEXITED(st) && WEXITSTATUS(st) == 0) clean++;
        else if (oom_exit_ok && WIFEXITED(st) && WEXITSTATUS(st) == 2) exited++;
        else {
            run_failing(op, k, false); /* again, with its stderr (the sanitizer's report) shown */
            fail_msg("%s: with allocation %ld of %ld failing, the child ended with status 0x%x", name, k, n, st);
        }
    }
    print_message("%s: %ld allocations; each failing: %ld clean, %ld c6 out-of-memory exits\n", name, n, clean, exited);
    return n;
}

static void must(bool ok) {
    if (!ok) abort();
} /* an op's own expectation (the child dies on it) */

/* ---- options JSON, durations, thresholds, scenarios (config/) ---- */

static const char OPTIONS[] =
    "{\"vus\": 3, \"duration\": \"1m30s\", \"userAgent\": \"ua\", \"tags\": {\"a\": \"b\", \"c\": \"d\"},"
    " \"thresholds\": {\"http_req_duration\": [\"p(95)<500\", {\"threshold\": \"avg<200\", \"abortOnFail\": true,"
    " \"delayAbortEval\": \"10s\"}], \"checks{tag:x}\": [\"rate>0.9\"], \"empty\": []},"
    " \"hosts\": {\"a.test\": \"127.0.0.1\"}, \"blockHostnames\": [\"*.x\"], \"summaryTrendStats\": [\"avg\", "
    "\"p(99.9)\"],"
    " \"systemTags\": [\"url\", \"status\"], \"scenarios\": {\"s1\": {\"executor\": \"ramping-vus\", \"startVUs\": 1,"
    " \"stages\": [{\"duration\": \"10s\", \"target\": 20}, {\"duration\": \"5s\", \"target\": 0}], \"env\": {\"K\": "
    "\"V\"},"
    " \"tags\": {\"t\": \"u\"}}, \"s2\": {\"executor\": \"constant-arrival-rate\", \"rate\": 5, \"duration\": \"20s\","
    " \"preAllocatedVUs\": 2, \"maxVUs\": 9, \"startTime\": \"3s\", \"exec\": \"f\"}}}";

/* A parser's result when an allocation may fail: success, or -1 with its
 * ordinary error (bad input) or "out of memory" (the only error good input
 * may get); whichever, never an exit. */
static void must_parse(int rc, const char *err, bool bad_input) {
    if (rc == 0) return must(!bad_input);
    must(rc == -1 && err[0] != 0);
    if (!bad_input) must(fail_at > 0 && strstr(err, "out of memory") != NULL); /* good input fails only so */
}

/* Every other key c6 reads, so that each of their allocation points is met. */
static const char MORE_OPTIONS[] =
    "{\"tlsVersion\": {\"min\": \"tls1.2\", \"max\": \"tls1.3\"}, \"tlsCipherSuites\":"
    " [\"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\"], \"tlsAuth\": [{\"domains\": [\"a.test\", \"b.test\"], \"cert\": "
    "\"C\","
    " \"key\": \"K\", \"password\": \"P\"}], \"dns\": {\"ttl\": \"1m\", \"select\": \"first\"},"
    " \"blacklistIPs\": [\"10.0.0.0/8\"], \"localIPs\": \"127.0.0.1\", \"httpDebug\": \"full\", \"noSetup\": true,"
    " \"setupTimeout\": 1500, \"iterations\": 5, \"someUnknownKey\": 1}";

static void op_options_parse(void) {
    c6_options o;
    char err[512] = "";
    int rc = options_from_json(OPTIONS, "script options", &o, err, sizeof err);
    must_parse(rc, err, false);
    if (rc == 0) options_free(&o); /* (after an error there is nothing left to free) */
    err[0] = 0;
    rc = options_from_json(MORE_OPTIONS, "script options", &o, err, sizeof err);
    must_parse(rc, err, false);
    if (rc == 0) options_free(&o);
    /* bad input: the error path allocates too */
    err[0] = 0;
    must_parse(
        options_from_json("{\"stages\": [{\"duration\": \"1e309\", \"target\": 1}]}", "k6.json", &o, err, sizeof err),
        err, true);
    /* K6_* variables and the flags' text forms */
    char *const envp[] = {"K6_VUS=2",
                          "K6_STAGES=10s:5, 20s:0",
                          "K6_SUMMARY_TREND_STATS=avg,p(99)",
                          "K6_USER_AGENT=x",
                          "K6_SYSTEM_TAGS=url, status",
                          "K6_TLS_CIPHER_SUITES=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                          "K6_BLOCK_HOSTNAMES=*.a, b.test",
                          "K6_TLS_VERSION=tls1.2",
                          "K6_LOCAL_IPS=127.0.0.1",
                          "K6_DNS=ttl=1m",
                          NULL};
    err[0] = 0;
    rc = options_from_env(envp, &o, err, sizeof err);
    must_parse(rc, err, false);
    if (rc == 0) {
        err[0] = 0;
        must_parse(options_set_text(&o, "summaryTrendStats", "min,max", err, sizeof err), err, false);
        err[0] = 0;
        must_parse(options_parse_system_tags("vu,iter", &o, err, sizeof err), err, false);
        options_free(&o);
    }
    c6_stage *st = NULL;
    size_t nst = 0;
    err[0] = 0;
    must_parse(options_parse_stages("1s:1,2s:2,3s:3", &st, &nst, err, sizeof err), err, false);
    free(st);
}

static void test_options_json(void **state) {
    (void)state;
    assert_true(inject_each("options JSON, env and flags' text", op_options_parse, false) > 50);
}

/* After parsing (not failed here): consolidation and the plan. */
static void op_options_plan(void) {
    c6_options o, merged;
    options_init(&merged);
    char err[512] = "";
    long saved = fail_at;
    fail_at = 0; /* the parse is tested above */
    long before = alloc_count;
    must(options_from_json(OPTIONS, "script options", &o, err, sizeof err) == 0);
    alloc_count = before;
    fail_at = saved;
    c6_plan plan;
    int rc = options_plan(&o, &plan, err, sizeof err);
    must(rc == 0 || err[0]);
    options_plan_free(&plan);
    options_merge(&merged, &o);
    options_free(&merged);
    options_free(&o);
}

static void test_options_plan(void **state) {
    (void)state;
    assert_true(inject_each("options plan + merge", op_options_plan, true) > 10);
}

/* Scenarios of every executor, one invalid (its message allocates), one
 * repeated (the later one replaces it), with every kind of value. */
static const char SCENARIOS[] =
    "{\"s1\": {\"executor\": \"ramping-vus\", \"startVUs\": 1, \"stages\": [{\"duration\": \"10s\", \"target\": 20},"
    " {\"duration\": \"5s\", \"target\": 0}], \"env\": {\"K\": \"V\", \"K\": \"W\"}, \"tags\": {\"t\": \"u\"}},"
    " \"s2\": {\"executor\": \"constant-arrival-rate\", \"rate\": 5, \"duration\": \"20s\", \"preAllocatedVUs\": 2,"
    " \"maxVUs\": 9, \"startTime\": \"3s\", \"exec\": \"f\"},"
    " \"s3\": {\"executor\": \"shared-iterations\", \"vus\": 2, \"iterations\": 1},"
    " \"s3\": {\"executor\": \"per-vu-iterations\", \"vus\": 2, \"iterations\": 3, \"maxDuration\": 60000},"
    " \"s4\": {\"executor\": \"constant-vus\", \"vus\": 0, \"duration\": \"1s\"},"
    " \"s5\": {\"executor\": \"ramping-arrival-rate\", \"preAllocatedVUs\": 1, \"stages\": [{\"target\": 1}]},"
    " \"s6\": {\"executor\": \"externally-controlled\", \"vus\": 1, \"maxVUs\": 2, \"duration\": \"1m\"}}";

static cJSON *scenarios_json(const char *text) {
    long saved = fail_at;
    fail_at = 0; /* cJSON's allocations go through libc's own malloc: not counted, never failed */
    cJSON *root = cJSON_Parse(text);
    fail_at = saved;
    must(root != NULL);
    return root;
}

static void scenarios_drop(c6_scenario *sc, size_t n) {
    for (size_t i = 0; i < n; i++) scenario_free(&sc[i]);
    free(sc);
}

static void op_scenarios_parse(void) {
    cJSON *root = scenarios_json(SCENARIOS);
    c6_scenario *sc = NULL;
    size_t n = 0;
    char err[512] = "", vmsg[512] = "";
    int rc = scenarios_parse_json(root, "script options", &sc, &n, err, sizeof err, vmsg, sizeof vmsg);
    must_parse(rc, err, false);
    must(rc != 0 || (n == 6 && vmsg[0])); /* s4 and s5 are invalid */
    if (rc == 0) scenarios_drop(sc, n);
    cJSON_Delete(root);
    /* a JSON error after some scenarios were made */
    root = scenarios_json("{\"a\": {\"executor\": \"constant-vus\", \"duration\": \"1s\", \"env\": {\"x\": \"y\"}},"
                          " \"b\": {\"executor\": \"constant-vus\", \"duration\": \"5x\"}}");
    err[0] = 0;
    must_parse(scenarios_parse_json(root, "k6.json", &sc, &n, err, sizeof err, vmsg, sizeof vmsg), err, true);
    cJSON_Delete(root);
}

static void test_scenarios(void **state) {
    (void)state;
    assert_true(inject_each("scenarios", op_scenarios_parse, false) > 20);
}

static void op_scenarios_totals(void) {
    cJSON *root = scenarios_json(strstr(OPTIONS, "{\"s1\""));
    c6_scenario *sc = NULL;
    size_t n = 0;
    char err[512] = "", vmsg[512] = "";
    long saved = fail_at, before = alloc_count;
    fail_at = 0; /* the parse is tested above */
    must(scenarios_parse_json(root, "script options", &sc, &n, err, sizeof err, vmsg, sizeof vmsg) == 0);
    fail_at = saved;
    alloc_count = before;
    capacity cap = {(uint64_t)1 << 30, UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX, 0};
    scen_totals t;
    must(scenarios_totals(sc, n, &cap, &t, err, sizeof err) == 0);
    scenarios_drop(sc, n);
    cJSON_Delete(root);
}

static void test_scenarios_totals(void **state) {
    (void)state;
    assert_true(inject_each("scenarios' plan totals", op_scenarios_totals, true) > 2);
}

static void op_thresholds_durations(void) {
    static const char *const exprs[] = {"p(99.9) < 300", "avg<=200", "rate>0.95", "count>=10", "max< 1e3", "p(95)<<1"};
    for (size_t i = 0; i < sizeof exprs / sizeof *exprs; i++) {
        threshold t;
        char err[256] = "";
        must(threshold_parse(exprs[i], &t, err, sizeof err) == 0 || err[0]);
    }
    static const char *const durs[] = {"1h2m3.5s", "250ms", "1e309", "-1s", "3.5", ""};
    for (size_t i = 0; i < sizeof durs / sizeof *durs; i++) {
        int64_t us;
        char err[256] = "";
        must(duration_parse(durs[i], &us, err, sizeof err) == 0 || err[0]);
    }
}

static void test_thresholds_and_durations(void **state) {
    (void)state;
    inject_each("thresholds + durations", op_thresholds_durations, false); /* (no allocation today) */
}

/* ---- HTTP/1 responses, cookies, URLs (net/, util/) ---- */

static int body_sink(void *ud, const char *p, size_t n) {
    (void)p;
    *(size_t *)ud += n;
    return 0;
}

static void op_h1(void) {
    static const char resp[] =
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nSet-Cookie: a=1; Path=/\r\nSet-Cookie: b=2\r\n"
        "X-Long: 0123456789012345678901234567890123456789012345678901234567890123456789\r\n"
        "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: x\r\n\r\n";
    buf hdr = {0};
    size_t got = 0;
    h1_parser p;
    h1_parser_init(&p, &hdr, 0, body_sink, &got);
    size_t off = 0;
    int rc = H1P_AGAIN;
    while (rc == H1P_AGAIN && off < sizeof resp - 1) { /* in small pieces, as a slow peer sends */
        size_t n = sizeof resp - 1 - off < 7 ? sizeof resp - 1 - off : 7, used = 0;
        rc = h1_parse(&p, resp + off, n, &used);
        off += rc == H1P_AGAIN ? n : used;
    }
    must(rc == H1P_DONE ? got == 11 && p.status == 200 : rc == H1P_ERROR && p.err != NULL);
    buf_free(&hdr);
}

static void test_h1_response(void **state) {
    (void)state;
    assert_true(inject_each("HTTP/1 response", op_h1, false) > 0);
}

static void cookie_count(const char *name, const char *value, void *ud) {
    (void)name;
    (void)value;
    (*(int *)ud)++;
}

static void op_cookies(void) {
    static const char hdrs[] =
        "HTTP/1.1 200 OK\r\nSet-Cookie: a=1; Path=/x; Max-Age=100\r\nSet-Cookie: b=\"2\"; Domain=.example.com\r\n"
        "Set-Cookie: c=3; Expires=Mon, 02 Jan 2036 15:04:05 GMT; Secure; HttpOnly\r\nSet-Cookie: bad\r\n"
        "Set-Cookie: a=4; Path=/x\r\nSet-Cookie: d=5; Path=/\r\n\r\n";
    cookie_jar *j = cookies_new();
    if (!j) return;
    cookies_store(j, "http://www.example.com/x/y?q", hdrs, sizeof hdrs - 1, 1000);
    int n = 0;
    cookies_for_url(j, "https://www.example.com/x/z", 1000, cookie_count, &n);
    must(n <= 4);
    cookies_delete(j, "http://www.example.com/x/y", "a", 1000);
    cookies_clear_url(j, "http://www.example.com/", 1000);
    cookies_free(j);
}

static void test_cookies(void **state) {
    (void)state;
    assert_true(inject_each("Set-Cookie + jar", op_cookies, false) > 5);
}

static void op_urls(void) {
    static const char *const refs[][2] = {
        {"http://a/b/c/d;p?q", "../x/../../ok"}, {"http://a/b/c/d;p?q", "#frag"},
        {"http://a/b/c/d;p?q", "g?y/./x"},       {"http://a/b/c/d;p?q", "//h/p a th"},
        {"https://u:p@h:1/a/", "./../../g/."},   {"http://a/b", "mailto:x@y"},
    };
    for (size_t i = 0; i < sizeof refs / sizeof *refs; i++) {
        buf out = {0};
        int rc = url_resolve(&out, refs[i][0], refs[i][1]);
        must(rc == 0 ? out.p != NULL : rc == -1);
        buf_free(&out);
    }
}

static void test_urls(void **state) {
    (void)state;
    assert_true(inject_each("URL references", op_urls, false) > 5);
}

/* ---- the TypeScript eraser and the CommonJS wrapper (js/) ---- */

static void op_ts_cjs(void) {
    static const char ts[] =
        "import type { T } from './t';\nimport { a, b } from './m';\ninterface I { x: number; y?: string }\n"
        "type U = { [k: string]: Array<number> };\nexport default function f(p: number, q?: I): U {\n"
        "  const r = (p as number) + (a as any);\n  return { v: [r] } satisfies U;\n}\n";
    char err[256] = "";
    char *out = ts_strip(ts, sizeof ts - 1, err, sizeof err);
    must(out != NULL || err[0]);
    free(out);
    static const char cjs[] = "const x = require('./x.js');\nconst y = require(\"y\");\nmodule.exports = { x, y };\n";
    size_t len = 0;
    out = cjs_wrap(cjs, sizeof cjs - 1, "/t/a b.js", &len);
    must(out == NULL || len > sizeof cjs);
    free(out);
}

static void test_ts_and_cjs(void **state) {
    (void)state;
    assert_true(inject_each("TypeScript eraser + CommonJS wrapper", op_ts_cjs, false) > 3);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_options_json),
        cmocka_unit_test(test_options_plan),
        cmocka_unit_test(test_scenarios),
        cmocka_unit_test(test_scenarios_totals),
        cmocka_unit_test(test_thresholds_and_durations),
        cmocka_unit_test(test_h1_response),
        cmocka_unit_test(test_cookies),
        cmocka_unit_test(test_urls),
        cmocka_unit_test(test_ts_and_cjs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
