/* The output interface (output/output.h) and the outputs' tag-set cache
 * (output/tagcache.h): an output registered from outside the built-in
 * table is found by its -o name, is fed every sample the engine drains (a
 * chunk per call, with the right tag dict), ticked, described and closed;
 * k6's messages for unknown types and failed opens; the JSON output's
 * thresholds and sub-metrics come from the open params; the cache renders
 * a tag set once and tells sets, and its second key, apart. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "metrics/engine.h"
#include "metrics/registry.h"
#include "metrics/samples.h"
#include "metrics/tags.h"
#include "output/json.h"
#include "output/output.h"
#include "output/tagcache.h"

/* ---- a test output ---- */

typedef struct fake_out {
    char arg[64];
    uint64_t samples, calls, ticks, tagged;
    double sum;
    bool *closed;
} fake_out;

static bool fake_fail_open;

static void *fake_open(const output_params *p, char *err, size_t errlen) {
    if (fake_fail_open) {
        snprintf(err, errlen, "no agent to send to");
        return NULL;
    }
    fake_out *o = calloc(1, sizeof *o);
    snprintf(o->arg, sizeof o->arg, "%s", p->arg ? p->arg : "");
    return o;
}

static void fake_describe(const void *out, buf *b) {
    const fake_out *o = out;
    buf_puts(b, "fake (");
    buf_puts(b, o->arg);
    buf_puts(b, ")");
}

static void fake_sample(void *ctx, const sample *s, size_t n, const tagdict *tags) {
    fake_out *o = ctx;
    o->calls++;
    for (size_t i = 0; i < n; i++) {
        size_t len;
        const char *p = tagdict_get(tags, s[i].tags, &len);
        const char *v = tagset_find(p, len, "k");
        if (v && strcmp(v, "x") == 0) o->tagged++;
        o->samples++;
        o->sum += s[i].value;
    }
}

static void fake_tick(void *out) { ((fake_out *)out)->ticks++; }

static fake_out *last_closed;

static int fake_close(void *out, char *err, size_t errlen) {
    fake_out *o = out;
    static fake_out copy;
    copy = *o;
    last_closed = &copy;
    free(o);
    snprintf(err, errlen, "lost 3 samples");
    return -1;
}

static const output_ops fake_ops = {"fake-forwarder", fake_open, fake_describe, fake_sample, fake_tick, fake_close};

static int setup(void **state) {
    (void)state;
    registry_init();
    fake_fail_open = false;
    last_closed = NULL;
    return 0;
}

static int teardown(void **state) {
    (void)state;
    registry_free();
    return 0;
}

static void test_registered_output_gets_every_sample(void **state) {
    (void)state;
    static bool registered;
    if (!registered) {
        assert_int_equal(output_register(&fake_ops), 0);
        registered = true;
    }
    assert_int_equal(output_register(&fake_ops), -1); /* the name is taken */
    assert_ptr_equal(output_find("fake-forwarder", 14), &fake_ops);
    assert_ptr_equal(output_find("json", 4), &json_output_ops);
    assert_null(output_find("fake", 4));
    const char *const *specs;
    assert_int_equal(output_enabled(&specs), 0); /* nothing enabled for every run yet */
    assert_int_equal(output_enable("fake-forwarder=coordinator:6565"), 0);
    assert_int_equal(output_enabled(&specs), 1);
    assert_string_equal(specs[0], "fake-forwarder=coordinator:6565");

    sample_buf a;
    sample_buf_init(&a);
    engine *e = engine_new();
    engine_add_source(e, &a);
    outputs os = {0};
    output_params p = {.arg = "agent:6565"};
    char err[512];
    const char *type = "fake-forwarder=agent:6565";
    assert_int_equal(outputs_open(&os, e, type, 14, &p, err, sizeof err), 0);
    assert_int_equal(os.n, 1);

    tag_kv kv[1] = {{"k", "x"}}, other[1] = {{"k", "y"}};
    uint32_t tx = tagdict_intern(a.tags, kv, 1), ty = tagdict_intern(a.tags, other, 1);
    const uint64_t N = 3 * SAMPLE_CHUNK + 5; /* several chunks */
    double sum = 0;
    for (uint64_t i = 0; i < N; i++) {
        sample_push(&a, M_HTTP_REQS, i % 3 ? tx : ty, (double)i, sample_now(&a));
        sum += (double)i;
    }
    sample_buf_flush(&a);
    engine_drain(e);
    outputs_tick(&os);
    outputs_tick(&os);

    buf shown = {0};
    buf_puts(&shown, "json(stdout)");
    outputs_describe(&os, &shown);
    assert_string_equal(shown.p, "json(stdout), fake (agent:6565)");
    buf_free(&shown);

    fake_out *o = os.v[0].out;
    assert_int_equal(o->samples, N);
    assert_true(o->sum == sum);
    assert_int_equal(o->tagged, N - (N + 2) / 3);
    assert_true(o->calls >= 4 && o->calls < N); /* a chunk per call, not a sample */
    assert_int_equal(o->ticks, 2);
    assert_int_equal(outputs_close(&os), -1); /* its close failed: the run fails */
    assert_int_equal(os.n, 0);
    assert_non_null(last_closed);
    assert_int_equal(last_closed->samples, N);

    engine_free(e);
    sample_buf_destroy(&a);
}

static void test_open_errors_are_k6s(void **state) {
    (void)state;
    outputs os = {0};
    output_params p = {0};
    char err[512];
    assert_int_equal(outputs_open(&os, NULL, "nope=1", 4, &p, err, sizeof err), -1);
    /* internal/cmd/outputs.go, createOutputs */
    assert_string_equal(err,
                        "invalid output type 'nope', available types are: cloud, csv, experimental-opentelemetry, "
                        "experimental-prometheus-rw, influxdb, json, opentelemetry, statsd, timescaledb-breakingit, "
                        "web-dashboard");
    assert_int_equal(outputs_open(&os, NULL, "kafka", 5, &p, err, sizeof err), -1);
    assert_true(strncmp(err, "could not create the 'kafka' output: the kafka output was deprecated", 67) == 0);
    fake_fail_open = true;
    assert_int_equal(outputs_add(&os, NULL, &fake_ops, &p, err, sizeof err), -1);
    assert_string_equal(err, "could not create the 'fake-forwarder' output: no agent to send to");
    assert_int_equal(os.n, 0);
    p.arg = "/nonexistent-dir/o.json";
    assert_int_equal(outputs_open(&os, NULL, "json", 4, &p, err, sizeof err), -1);
    assert_true(strncmp(err, "could not create the 'json' output: open /nonexistent-dir/o.json", 63) == 0);
}

/* The JSON output lists a metric's thresholds (not its sub-metrics') and
 * its sub-metrics in the Metric line, from what it was opened with. */
static void test_json_metric_line_from_params(void **state) {
    (void)state;
    char path[] = "/tmp/c6-outreg-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    engine *e = engine_new();
    char err[512];
    int sub = engine_add_submetric(e, M_HTTP_REQ_DURATION, "status:200", err, sizeof err);
    assert_true(sub >= 0);
    output_threshold ts[] = {
        {M_HTTP_REQ_DURATION, -1, "p(95)<500", false, 0},
        {M_HTTP_REQ_DURATION, sub, "p(99)<900", false, 0},
        {M_HTTP_REQS, -1, "count>0", false, 0},
        {M_HTTP_REQ_DURATION, -1, "avg<200", true, 0},
    };
    output_params p = {.arg = path, .thresholds = ts, .nthresholds = 4, .eng = e};
    outputs os = {0};
    assert_int_equal(outputs_open(&os, NULL, "json", 4, &p, err, sizeof err), 0);
    sample s = {.t_ns = 0, .value = 1, .metric = M_HTTP_REQ_DURATION};
    json_output_sample(os.v[0].out, &s, NULL, 0);
    assert_int_equal(outputs_close(&os), 0);
    FILE *f = fopen(path, "r");
    char line[2048] = "";
    assert_non_null(fgets(line, sizeof line, f));
    fclose(f);
    unlink(path);
    assert_string_equal(
        line, "{\"type\":\"Metric\",\"data\":{\"name\":\"http_req_duration\",\"type\":\"trend\",\"contains\":\"time\","
              "\"thresholds\":[\"p(95)<500\",{\"threshold\":\"avg<200\",\"abortOnFail\":true,\"delayAbortEval\":null}],"
              "\"submetrics\":[{\"name\":\"http_req_duration{status:200}\",\"suffix\":\"status:200\","
              "\"tags\":{\"status\":\"200\"}}]},\"metric\":\"http_req_duration\"}\n");
    engine_free(e);
}

/* ---- the tag-set cache ---- */

typedef struct render_count {
    int calls;
    bool fail;
} render_count;

static int render_upper(void *ctx, const char *tags, size_t len, int aux, buf *text, size_t *split, long *id) {
    render_count *rc = ctx;
    rc->calls++;
    if (rc->fail) return -1;
    for (size_t i = 0; i < len; i++) {
        char c = tags[i] ? tags[i] : '|';
        if (c >= 'a' && c <= 'z') c = (char)(c - 32);
        buf_append(text, &c, 1);
    }
    *split = len / 2;
    *id = aux * 100 + (long)len;
    return 0;
}

static void test_tagcache(void **state) {
    (void)state;
    render_count rc = {0};
    tagcache c;
    assert_int_equal(tagcache_init(&c, 4, render_upper, &rc), 0);
    tagdict *d = tagdict_new();
    tag_kv a[2] = {{"b", "2"}, {"a", "1"}}, b[1] = {{"a", "9"}};
    size_t la, lb;
    const char *pa = tagdict_get(d, tagdict_intern(d, a, 2), &la);
    const char *pb = tagdict_get(d, tagdict_intern(d, b, 1), &lb);
    for (int i = 0; i < 5; i++) {
        const tagcache_entry *e = tagcache_get(&c, pa, la, 0);
        assert_non_null(e);
        assert_string_equal(e->text, "A|1|B|2|");
        assert_int_equal(e->tlen, 8);
        assert_int_equal(e->split, 4);
        assert_int_equal(e->id, 8);
    }
    assert_int_equal(rc.calls, 1);
    assert_int_equal(tagcache_get(&c, pa, la, 3)->id, 308); /* the second key part counts */
    assert_string_equal(tagcache_get(&c, pb, lb, 0)->text, "A|9|");
    assert_int_equal(rc.calls, 3);
    /* the same address with other bytes (a set freed and another made
     * there) is a miss */
    char copy[16];
    memcpy(copy, pb, lb);
    assert_string_equal(tagcache_get(&c, copy, lb, 0)->text, "A|9|");
    copy[2] = '7';
    assert_string_equal(tagcache_get(&c, copy, lb, 0)->text, "A|7|");
    assert_int_equal(rc.calls, 5);
    rc.fail = true;
    assert_null(tagcache_get(&c, "x\0y", 4, 9)); /* the output could not render it */
    rc.fail = false;
    /* the empty set has no text */
    const tagcache_entry *e = tagcache_get(&c, "", 0, 1);
    assert_non_null(e);
    assert_null(e->text);
    assert_int_equal(e->tlen, 0);
    tagcache_free(&c);
    tagdict_free(d);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_registered_output_gets_every_sample, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_errors_are_k6s, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_metric_line_from_params, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tagcache, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
