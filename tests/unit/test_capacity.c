/* test_capacity.c - VUs the machine cannot hold are refused before they are
 * planned or started (exec/capacity.h; issue 12: `vus: 1e9` crashed, a stage
 * target of 1e7 took ~800 MB to plan). k6 has no such check (it runs out of
 * memory); c6's refusal is an invalid configuration, exit 104. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "config/options.h"
#include "config/scenarios.h"
#include "exec/capacity.h"

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const capacity GIB = {(uint64_t)1 << 30, UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX, 0};

static void test_check_vus(void **state) {
    (void)state;
    char err[512] = "";
    /* 1 GiB: 64 MiB for c6, then 124 KiB a VU -> 7,927 VUs */
    assert_int_equal(capacity_check_vus(&GIB, 7927, err, sizeof err), 0);
    assert_int_equal(capacity_check_vus(&GIB, 7928, err, sizeof err), -1);
    assert_string_equal(err, "the test needs up to 7928 VUs, about 1.0 GiB of memory (124 KiB per VU, 64 MiB for c6), "
                             "but this machine has 1.0 GiB (MemAvailable in /proc/meminfo); lower the VUs (vus, "
                             "stages' targets, preAllocatedVUs, maxVUs) or split the test with execution segments");
    assert_int_equal(capacity_check_vus(&GIB, 1000000000, err, sizeof err), -1);
    assert_non_null(strstr(err, "the test needs up to 1000000000 VUs, about 115.5 TiB of memory"));
    /* the cgroup's room, then the address space */
    capacity cg = {UINT64_MAX, (uint64_t)100 << 20, UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX, 0};
    assert_int_equal(capacity_check_vus(&cg, 1000, err, sizeof err), -1);
    assert_non_null(strstr(err, "this machine has 100.0 MiB (its cgroup's memory limit less its usage)"));
    capacity as = {UINT64_MAX, UINT64_MAX, (uint64_t)470 << 20, UINT64_MAX, UINT64_MAX, UINT64_MAX, 0};
    assert_int_equal(capacity_check_vus(&as, 600, err, sizeof err), -1);
    assert_non_null(strstr(err, "about 478.7 MiB of address space (380 KiB per VU, 256 MiB for c6)"));
    assert_non_null(strstr(err, "(RLIMIT_AS (ulimit -v) less the address space in use)"));
    assert_int_equal(capacity_check_vus(&as, 500, err, sizeof err), 0);
    /* unknown figures refuse nothing */
    capacity none = {UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX, 0};
    assert_int_equal(capacity_check_vus(&none, INT64_MAX, err, sizeof err), 0);
    assert_int_equal(capacity_check_vus(&GIB, 0, err, sizeof err), 0);
    /* vm.max_map_count (issue 17): a guard page per stack while 2 mappings a
     * VU (+128 for a slab's unused slots, +1000 for c6) fit ... */
    capacity maps = {UINT64_MAX, UINT64_MAX, UINT64_MAX, 65000, UINT64_MAX, UINT64_MAX, 0};
    assert_true(capacity_stack_guards(&maps, 31936));
    assert_false(capacity_stack_guards(&maps, 31937));
    /* ... beyond that stacks without guards, 2 mappings per 64: more VUs still fit */
    assert_int_equal(capacity_check_vus(&maps, 32001, err, sizeof err), 0);
    assert_int_equal(capacity_check_vus(&maps, 100000, err, sizeof err), 0);
    /* unknown: guards, and nothing refused */
    assert_true(capacity_stack_guards(&none, INT64_MAX));
    /* refused only when even those do not fit */
    capacity few = {UINT64_MAX, UINT64_MAX, UINT64_MAX, 2000, UINT64_MAX, UINT64_MAX, 0};
    assert_int_equal(capacity_check_vus(&few, 31936, err, sizeof err), 0);
    assert_int_equal(capacity_check_vus(&few, 32000, err, sizeof err), -1);
    assert_string_equal(err, "the test needs up to 32000 VUs, about 2002 memory mappings (2 for every 64 VUs' stacks, "
                             "and c6's own), but this machine allows 2000 more (vm.max_map_count); lower the VUs (vus, "
                             "stages' targets, preAllocatedVUs, maxVUs), raise vm.max_map_count (sysctl) or split the "
                             "test with execution segments");
    /* planning: 128 bytes a VU started or stopped */
    assert_int_equal(capacity_check_plan(&GIB, 8388608, err, sizeof err), 0);
    assert_int_equal(capacity_check_plan(&GIB, 8388609, err, sizeof err), -1);
    assert_string_equal(err, "the test's stages start or stop a VU 8388609 times: planning them needs about 1.0 GiB "
                             "of memory (128 bytes each), but this machine has 1.0 GiB; use fewer or smaller ramps");
}

/* C6_TEST_MEMORY stands for the machine (tests, fuzzing). */
/* Descriptors (issue 17): c6's own (open now, 6 for the main threads, 4 a
 * worker) + 16 spare + one a VU that keeps a connection. */
static void test_check_fds(void **state) {
    (void)state;
    char err[1024];
    capacity c = {UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX, 256, 256, 10};
    /* own = 10 + 6 + 2 x 4 = 24; 24 + 16 + 216 = 256 fit */
    assert_int_equal(capacity_check_fds(&c, 216, 2, true, true, err, sizeof err), 0);
    assert_int_equal(capacity_check_fds(&c, 217, 2, true, true, err, sizeof err), 1);
    assert_string_equal(err, "the test may need up to 257 open files (one connection each of its 217 VUs keeps, more "
                             "for more hosts, and 40 for c6), but this process may open 256 (ulimit -n, also its "
                             "hard limit); requests past that wait for a free one (k6 fails them with \"too many "
                             "open files\"): lower the VUs, set "
                             "noConnectionReuse (a VU then holds a connection only during a request), raise the "
                             "limit or split the test with execution segments");
    /* VUs that keep nothing (noConnectionReuse), or a script that connects nowhere */
    assert_int_equal(capacity_check_fds(&c, 100000, 2, true, false, err, sizeof err), 0);
    assert_int_equal(capacity_check_fds(&c, 100000, 2, false, true, err, sizeof err), 0);
    /* no room for one connection beside c6's own: an error */
    capacity few = {UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX, 24, 4096, 10};
    assert_int_equal(capacity_check_fds(&few, 1, 2, true, false, err, sizeof err), -1);
    assert_string_equal(err, "this process may open only 24 files (ulimit -n) and c6 itself needs 24 (2 threads "
                             "running VUs): the script could not open a single connection; raise the limit "
                             "(ulimit -n)");
    few.nofile = 25; /* one: a warning at most */
    assert_int_equal(capacity_check_fds(&few, 1, 2, true, false, err, sizeof err), 0);
    /* unlimited */
    capacity inf = {UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX, 10};
    assert_int_equal(capacity_check_fds(&inf, INT64_MAX, 2, true, true, err, sizeof err), 0);
}

static void test_test_memory_override(void **state) {
    (void)state;
    setenv("C6_TEST_MEMORY", "1048576", 1);
    capacity c;
    capacity_read(&c);
    unsetenv("C6_TEST_MEMORY");
    assert_true(c.mem_available == 1048576 && c.cgroup_free == 1048576 && c.as_free == 1048576);
    assert_true(c.maps_free == UINT64_MAX);
}

static void test_read_this_machine(void **state) {
    (void)state;
    capacity c;
    capacity_read(&c);
    assert_true(c.mem_available != UINT64_MAX); /* Linux has MemAvailable */
    assert_true(c.mem_available > 0);
}

/* Planning used to cost one step per VU before any check: 1e7 took seconds
 * and ~800 MB, 1e9 aborted. Now refused before, in no time. */
static void test_huge_plans_refused_before_planning(void **state) {
    (void)state;
    static const char *const cases[] = {
        "{'a': {'executor': 'ramping-vus', 'stages': [{'duration': '30s', 'target': 10000000}]}}",
        "{'a': {'executor': 'ramping-vus', 'startVUs': 100000000, 'stages': [{'duration': '30s', 'target': 0}]}}",
        "{'a': {'executor': 'constant-vus', 'vus': 1000000000, 'duration': '1s'}}",
        "{'a': {'executor': 'constant-arrival-rate', 'rate': 1, 'duration': '1s', 'preAllocatedVUs': 1000000000}}",
        "{'a': {'executor': 'constant-arrival-rate', 'rate': 1, 'duration': '1s', 'preAllocatedVUs': 1,"
        " 'maxVUs': 1000000000}}",
        "{'a': {'executor': 'externally-controlled', 'vus': 1, 'maxVUs': 1000000000, 'duration': '1s'}}",
        /* two scenarios that fit alone but not together */
        "{'a': {'executor': 'constant-vus', 'vus': 5000, 'duration': '1s'},"
        " 'b': {'executor': 'constant-vus', 'vus': 5000, 'duration': '1s'}}",
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char json[512];
        snprintf(json, sizeof json, "%s", cases[i]);
        for (char *p = json; *p; p++)
            if (*p == '\'') *p = '"';
        cJSON *root = cJSON_Parse(json);
        assert_non_null(root);
        c6_scenario *sc = NULL;
        size_t n = 0;
        char err[512] = "", vmsg[512];
        assert_int_equal(scenarios_parse_json(root, "script options", &sc, &n, err, sizeof err, vmsg, sizeof vmsg), 0);
        double t0 = now_s();
        scen_totals t;
        err[0] = 0;
        if (scenarios_totals(sc, n, &GIB, &t, err, sizeof err) != -1) fail_msg("accepted: %s", cases[i]);
        assert_true(now_s() - t0 < 0.5);
        assert_non_null(strstr(err, "the test needs up to "));
        for (size_t k = 0; k < n; k++) scenario_free(&sc[k]);
        free(sc);
        cJSON_Delete(root);
    }
    /* what fits is planned as before */
    cJSON *root = cJSON_Parse(
        "{\"a\": {\"executor\": \"ramping-vus\", \"stages\": [{\"duration\": \"10s\", \"target\": 5000}]}}");
    c6_scenario *sc = NULL;
    size_t n = 0;
    char err[512], vmsg[512];
    assert_int_equal(scenarios_parse_json(root, "script options", &sc, &n, err, sizeof err, vmsg, sizeof vmsg), 0);
    scen_totals t;
    assert_int_equal(scenarios_totals(sc, n, &GIB, &t, err, sizeof err), 0);
    assert_int_equal(t.max_vus, 5000);
    assert_int_equal(t.max_unplanned_vus, 0);
    assert_int_equal(t.max_duration_us, 40 * 1000000LL); /* stages + gracefulStop 30s */
    scenario_free(&sc[0]);
    free(sc);
    cJSON_Delete(root);
}

/* 500 VUs fit 200 MiB (64 MiB + 500 x 124 KiB), but ramping 0 -> 500 -> 0
 * two thousand times is 2,000,000 steps (256 MB at 128 bytes) to plan. */
#define UD     "{\"duration\": \"1s\", \"target\": 500}, {\"duration\": \"1s\", \"target\": 0}, "
#define UD10   UD UD UD UD UD UD UD UD UD UD
#define UD100  UD10 UD10 UD10 UD10 UD10 UD10 UD10 UD10 UD10 UD10
#define UD1000 UD100 UD100 UD100 UD100 UD100 UD100 UD100 UD100 UD100 UD100

static void test_plan_size_refused(void **state) {
    (void)state;
    static const char json[] = "{\"a\": {\"executor\": \"ramping-vus\", \"startVUs\": 0, \"stages\": [" UD1000 UD1000
                               "{\"duration\": \"1s\", \"target\": 0}]}}";
    cJSON *root = cJSON_Parse(json);
    assert_non_null(root);
    c6_scenario *sc = NULL;
    size_t n = 0;
    char err[512] = "", vmsg[512];
    assert_int_equal(scenarios_parse_json(root, "script options", &sc, &n, err, sizeof err, vmsg, sizeof vmsg), 0);
    capacity mib200 = {(uint64_t)200 << 20, UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX, 0};
    scen_totals t;
    double t0 = now_s();
    assert_int_equal(scenarios_totals(sc, n, &mib200, &t, err, sizeof err), -1);
    assert_true(now_s() - t0 < 0.5);
    assert_string_equal(err, "the test's stages start or stop a VU 2004005 times: planning them needs about 244.6 MiB "
                             "of memory (128 bytes each), but this machine has 200.0 MiB; use fewer or smaller ramps");
    /* with the room, it is planned */
    capacity gib = {(uint64_t)1 << 30, UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX, 0};
    assert_int_equal(scenarios_totals(sc, n, &gib, &t, err, sizeof err), 0);
    assert_int_equal(t.max_vus, 500);
    scenario_free(&sc[0]);
    free(sc);
    cJSON_Delete(root);
}

/* The inputs fuzz_options crashed on (tests/fuzz/corpus/options/, once in
 * tests/fuzz/crashes/options/): byte 0 picks the text option, then the
 * options JSON up to a NUL. Each is read, planned (refused: no machine
 * holds 1e7 VUs at 124 KiB each) and merged, on this machine's figures. */
static void test_fuzz_reproducers(void **state) {
    (void)state;
    static const char *const files[] = {"stages-target-1e7-found-by-fuzzer", "stages-target-1e8",
                                        "thresholds-empty-list"};
    char dir[512];
    snprintf(dir, sizeof dir, "%s", __FILE__);
    char *slash = strrchr(dir, '/');
    assert_non_null(slash);
    *slash = 0;
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        char path[700], data[4096];
        snprintf(path, sizeof path, "%s/../fuzz/corpus/options/%s", dir, files[i]);
        FILE *f = fopen(path, "rb");
        if (!f) fail_msg("cannot open %s", path);
        size_t len = fread(data, 1, sizeof data - 1, f);
        fclose(f);
        data[len] = 0;
        c6_options o, merged;
        options_init(&o);
        options_init(&merged);
        char err[1024] = "";
        assert_int_equal(options_from_json(data + 1, "script options", &o, err, sizeof err), 0);
        c6_plan plan;
        double t0 = now_s();
        int rc = options_plan(&o, &plan, err, sizeof err);
        assert_true(now_s() - t0 < 0.5);
        if (strstr(files[i], "stages-target")) {
            assert_int_equal(rc, -1);
            assert_non_null(strstr(err, "VUs, about "));
        } else {
            assert_int_equal(rc, 0);
        }
        options_plan_free(&plan);
        options_merge(&merged, &o); /* thresholds-empty-list: memcpy from NULL (UBSan) once */
        assert_int_equal(merged.nthresholds, o.nthresholds);
        options_free(&merged);
        options_free(&o);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_vus),
        cmocka_unit_test(test_read_this_machine),
        cmocka_unit_test(test_check_fds),
        cmocka_unit_test(test_test_memory_override),
        cmocka_unit_test(test_huge_plans_refused_before_planning),
        cmocka_unit_test(test_plan_size_refused),
        cmocka_unit_test(test_fuzz_reproducers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
