/* Sample outputs and the summary export: the buffered (gzip) writer, k6's
 * number, string and time text, exact JSON and CSV lines for small
 * fixtures, the legacy summary export read back with cJSON, and the JSON
 * output's throughput (printed, not asserted). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <zlib.h>

#include "metrics/registry.h"
#include "metrics/samples.h"
#include "metrics/sink.h"
#include "metrics/tags.h"
#include "output/csv.h"
#include "output/export.h"
#include "output/json.h"
#include "output/writer.h"
#include "util/clock.h"

/* 2026-11-22T10:00:00Z */
#define WALL0 (1795341600LL * 1000000000) /* ns */
#define MONO0 5000000000LL

static char tmpdir[64];

static int setup(void **state) {
    (void)state;
    registry_init();
    setenv("TZ", "UTC", 1);
    tzset();
    return 0;
}

static int teardown(void **state) {
    (void)state;
    registry_free();
    return 0;
}

static int group_setup(void **state) {
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/c6-outputs-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int group_teardown(void **state) {
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static char *tmp_path(const char *name) {
    static char p[4][128];
    static int i;
    char *out = p[i++ % 4];
    snprintf(out, 128, "%s/%s", tmpdir, name);
    return out;
}

static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    buf b = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) buf_append(&b, chunk, n);
    fclose(f);
    if (!b.p) buf_append(&b, "", 0);
    if (len) *len = b.len;
    return b.p;
}

static char *read_gz(const char *path, size_t *len) {
    gzFile g = gzopen(path, "rb");
    if (!g) return NULL;
    buf b = {0};
    char chunk[65536];
    int n;
    while ((n = gzread(g, chunk, sizeof chunk)) > 0) buf_append(&b, chunk, (size_t)n);
    gzclose(g);
    if (!b.p) buf_append(&b, "", 0);
    if (len) *len = b.len;
    return b.p;
}

/* Runs fn with stdout redirected to a file; returns what it printed. */
static char *capture_stdout(void (*fn)(void *), void *arg) {
    const char *path = tmp_path("stdout.txt");
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, STDOUT_FILENO);
    close(fd);
    fn(arg);
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    return read_file(path, NULL);
}

typedef struct tagset {
    const char *p;
    size_t len;
} tagset;

static tagset tags_of(tagdict *d, const char *const *kv, size_t npairs) {
    tag_kv t[16];
    for (size_t i = 0; i < npairs; i++) t[i] = (tag_kv){kv[2 * i], kv[2 * i + 1]};
    uint32_t id = tagdict_intern(d, t, npairs);
    tagset ts;
    ts.p = tagdict_get(d, id, &ts.len);
    return ts;
}

static sample mk(int metric, double v, int64_t after_us) {
    sample s = {.t_ns = MONO0 + after_us * 1000, .value = v, .metric = (uint16_t)metric};
    return s;
}

/* ---- writer ------------------------------------------------------------ */

static void test_writer_plain_and_big(void **state) {
    (void)state;
    char err[256];
    const char *path = tmp_path("plain.txt");
    writer *w = writer_open(path, err, sizeof err);
    assert_non_null(w);
    assert_string_equal(writer_name(w), path);
    /* more than a few buffers' worth, through every entry point */
    buf want = {0};
    for (int i = 0; i < 20000; i++) {
        char line[64];
        int n = snprintf(line, sizeof line, "line %d\n", i);
        if (i % 3 == 0) writer_write(w, line, (size_t)n);
        else if (i % 3 == 1) writer_printf(w, "line %d\n", i);
        else {
            for (int k = 0; k < n; k++) writer_putc(w, line[k]);
        }
        buf_append(&want, line, (size_t)n);
    }
    char big[200000];
    memset(big, 'x', sizeof big);
    writer_write(w, big, sizeof big); /* larger than the buffer */
    buf_append(&want, big, sizeof big);
    assert_int_equal(writer_close(w, err, sizeof err), 0);
    size_t len;
    char *got = read_file(path, &len);
    assert_int_equal(len, want.len);
    assert_memory_equal(got, want.p, len);
    free(got);
    buf_free(&want);
}

static void test_writer_gzip_round_trip(void **state) {
    (void)state;
    char err[256];
    const char *path = tmp_path("out.json.gz");
    writer *w = writer_open(path, err, sizeof err);
    assert_non_null(w);
    buf want = {0};
    srand(7);
    for (int i = 0; i < 100000; i++) { /* ~3 MB, partly random so deflate output fills buffers */
        char line[64];
        int n = snprintf(line, sizeof line, "{\"i\":%d,\"r\":%d}\n", i, rand());
        writer_write(w, line, (size_t)n);
        buf_append(&want, line, (size_t)n);
    }
    assert_int_equal(writer_flush(w), 0);
    assert_int_equal(writer_close(w, err, sizeof err), 0);
    size_t rawlen, len;
    char *raw = read_file(path, &rawlen);
    assert_true(rawlen > 18);
    assert_int_equal((unsigned char)raw[0], 0x1f); /* gzip magic */
    assert_int_equal((unsigned char)raw[1], 0x8b);
    assert_true(rawlen < want.len / 2);
    free(raw);
    char *got = read_gz(path, &len);
    assert_non_null(got);
    assert_int_equal(len, want.len);
    assert_memory_equal(got, want.p, len);
    free(got);
    buf_free(&want);

    /* an empty gzip file is still a valid stream */
    w = writer_open(path, err, sizeof err);
    assert_int_equal(writer_close(w, err, sizeof err), 0);
    got = read_gz(path, &len);
    assert_non_null(got);
    assert_int_equal(len, 0);
    free(got);
}

static void write_hello(void *arg) {
    char err[128];
    writer *w = writer_open((const char *)arg, err, sizeof err);
    printf("before "); /* stdio output stays in order */
    writer_puts(w, "hello ");
    writer_printf(w, "%s %d\n", "stdout", 42);
    writer_close(w, err, sizeof err);
}

static void test_writer_stdout(void **state) {
    (void)state;
    char *got = capture_stdout(write_hello, "-");
    assert_string_equal(got, "before hello stdout 42\n");
    free(got);
}

static void test_writer_errors(void **state) {
    (void)state;
    char err[256];
    assert_null(writer_open("/nonexistent-dir/x.json", err, sizeof err));
    assert_string_equal(err, "open /nonexistent-dir/x.json: no such file or directory"); /* Go's errno text */
    writer *w = writer_open("/dev/full", err, sizeof err);
    if (!w) {
        skip();
        return;
    }
    char block[4096] = {0};
    for (int i = 0; i < 64; i++) writer_write(w, block, sizeof block);
    assert_int_equal(writer_flush(w), -1);
    assert_int_equal(writer_close(w, err, sizeof err), -1);
    assert_string_equal(err, "write /dev/full: no space left on device");
}

/* ---- numbers, strings, times -------------------------------------------- */

static void test_fmt_go(void **state) {
    (void)state;
    static const struct {
        double v;
        const char *s;
    } cases[] = {
        {0, "0"},
        {-0.0, "-0"},
        {1, "1"},
        {-2.5, "-2.5"},
        {100, "100"},
        {123456, "123456"},
        {999999, "999999"},
        {999999.5, "999999.5"},
        {1e6, "1e+06"},
        {1234567, "1.234567e+06"},
        {1e21, "1e+21"},
        {1e100, "1e+100"},
        {0.0001, "0.0001"},
        {0.00001, "1e-05"},
        {1.5e-7, "1.5e-07"},
        {0.432926, "0.432926"},
        {459.865729, "459.865729"},
        {0.1 + 0.2, "0.30000000000000004"},
        {1.0 / 3, "0.3333333333333333"},
        {5e-324, "5e-324"},
        {1.7976931348623157e308, "1.7976931348623157e+308"},
        {123.456, "123.456"},
        {1000.3294, "1000.3294"},
        {0.5, "0.5"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char b[WRITER_NUM_MAX];
        size_t n = writer_fmt_go(b, cases[i].v);
        assert_string_equal(b, cases[i].s);
        assert_int_equal(n, strlen(cases[i].s));
    }
    char b[WRITER_NUM_MAX];
    writer_fmt_go(b, NAN);
    assert_string_equal(b, "null");
    writer_fmt_go(b, -INFINITY);
    assert_string_equal(b, "null");
}

static void test_fmt_js(void **state) {
    (void)state;
    static const struct {
        double v;
        const char *s;
    } cases[] = {
        {0, "0"},
        {-0.0, "0"},
        {1, "1"},
        {-2.5, "-2.5"},
        {1e6, "1000000"},
        {1234567, "1234567"},
        {1e20, "100000000000000000000"},
        {1e21, "1e+21"},
        {1.5e21, "1.5e+21"},
        {0.000001, "0.000001"},
        {1e-7, "1e-7"},
        {1.5e-7, "1.5e-7"},
        {30.164963549243524, "30.164963549243524"},
        {1.5420548177802298, "1.5420548177802298"},
        {4449.33212351342, "4449.33212351342"},
        {0.1 + 0.2, "0.30000000000000004"},
        {5e-324, "5e-324"},
        {1.7976931348623157e308, "1.7976931348623157e+308"},
        {123.456, "123.456"},
        {7244, "7244"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char b[WRITER_NUM_MAX];
        writer_fmt_js(b, cases[i].v);
        assert_string_equal(b, cases[i].s);
    }
}

/* Digits of the shortest "%.{p}e" that reads back: an independent
 * (slow) reference for the fast paths. */
static int ref_sig_digits(double v) {
    char b[64];
    for (int p = 1; p <= 17; p++) {
        snprintf(b, sizeof b, "%.*e", p - 1, v);
        if (strtod(b, NULL) == v) return p;
    }
    return 17;
}

static int sig_digits(const char *s) {
    int n = 0, started = 0, trailing = 0;
    for (; *s && *s != 'e'; s++) {
        if (*s < '0' || *s > '9') continue;
        if (*s != '0') started = 1;
        if (!started) continue;
        n++;
        trailing = *s == '0' ? trailing + 1 : 0;
    }
    return n - trailing;
}

static void test_fmt_round_trip(void **state) {
    (void)state;
    srand(42);
    for (int i = 0; i < 200000; i++) {
        double v;
        switch (i % 4) {
        case 0: v = (double)rand() / 1000.0; break; /* ms with µs */
        case 1: v = (double)rand() * (double)rand() / 1e9; break;
        case 2: {
            uint64_t u = ((uint64_t)rand() << 33) ^ ((uint64_t)rand() << 11) ^ (uint64_t)rand();
            memcpy(&v, &u, sizeof v);
            if (!isfinite(v)) v = 1;
            break;
        }
        default: v = (double)(rand() % 100000) / pow(10, rand() % 12); break;
        }
        char g[WRITER_NUM_MAX], j[WRITER_NUM_MAX];
        writer_fmt_go(g, v);
        writer_fmt_js(j, v);
        if (strtod(g, NULL) != v || strtod(j, NULL) != v) fail_msg("%.17g -> %s / %s", v, g, j);
        if (v != 0 && (sig_digits(g) != ref_sig_digits(fabs(v)) || sig_digits(j) != sig_digits(g)))
            fail_msg("not shortest: %.17g -> %s / %s (want %d digits)", v, g, j, ref_sig_digits(fabs(v)));
    }
}

static void test_json_string_escaping(void **state) {
    (void)state;
    const char in[] = "q\"b\\n\nt\tc\x01<a&b>\xC3\xA9\xE6\x97\xA5\xE2\x80\xA8x\xFFy\b";
    buf b = {0};
    json_string(&b, in, sizeof in - 1, JSON_ESC_EASYJSON);
    assert_string_equal(b.p, "\"q\\\"b\\\\n\\nt\\tc\\u0001\\u003ca\\u0026b\\u003e\xC3\xA9\xE6\x97\xA5"
                             "\\u2028x\\ufffdy\\u0008\"");
    buf_clear(&b);
    json_string(&b, in, sizeof in - 1, JSON_ESC_GO);
    assert_string_equal(b.p, "\"q\\\"b\\\\n\\nt\\tc\\u0001<a&b>\xC3\xA9\xE6\x97\xA5"
                             "\\u2028x\\ufffdy\\b\"");
    buf_clear(&b);
    json_string(&b, in, sizeof in - 1, JSON_ESC_JS);
    assert_string_equal(b.p, "\"q\\\"b\\\\n\\nt\\tc\\u0001<a&b>\xC3\xA9\xE6\x97\xA5"
                             "\xE2\x80\xA8x\xEF\xBF\xBDy\\b\"");
    /* overlong and surrogate encodings are not UTF-8 */
    buf_clear(&b);
    json_string(&b, "\xC0\xAF\xED\xA0\x80", 5, JSON_ESC_EASYJSON);
    assert_string_equal(b.p, "\"\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\"");
    buf_free(&b);
}

static void test_time_format(void **state) {
    (void)state;
    writer_time t;
    writer_time_init(&t);
    char b[48];
    /* nanoseconds, as Go's time.RFC3339Nano writes them */
    writer_fmt_time(&t, b, WALL0 + 123456789, true);
    assert_string_equal(b, "2026-11-22T10:00:00.123456789Z");
    writer_fmt_time(&t, b, WALL0 + 123456000, true);
    assert_string_equal(b, "2026-11-22T10:00:00.123456Z");
    writer_fmt_time(&t, b, WALL0 + 1500000000, true);
    assert_string_equal(b, "2026-11-22T10:00:01.5Z");
    writer_fmt_time(&t, b, WALL0 + 2000000000, true);
    assert_string_equal(b, "2026-11-22T10:00:02Z");
    writer_fmt_time(&t, b, WALL0 + 2000000001, false);
    assert_string_equal(b, "2026-11-22T10:00:02Z");
    /* a zone east of UTC, and one west with minutes */
    setenv("TZ", "XST-2", 1);
    tzset();
    writer_time_init(&t);
    writer_fmt_time(&t, b, WALL0 + 10, true);
    assert_string_equal(b, "2026-11-22T12:00:00.00000001+02:00");
    setenv("TZ", "YST+3:30", 1);
    tzset();
    writer_time_init(&t);
    writer_fmt_time(&t, b, WALL0, true);
    assert_string_equal(b, "2026-11-22T06:30:00-03:30");
    setenv("TZ", "UTC", 1);
    tzset();
}

/* ---- JSON output --------------------------------------------------------- */

static const char *json_expected[] = {
    "{\"type\":\"Metric\",\"data\":{\"name\":\"http_reqs\",\"type\":\"counter\",\"contains\":\"default\","
    "\"thresholds\":[],\"submetrics\":null},\"metric\":\"http_reqs\"}",
    "{\"metric\":\"http_reqs\",\"type\":\"Point\",\"data\":{\"time\":\"2026-11-22T10:00:00.123456Z\","
    "\"value\":1,\"tags\":{\"group\":\"\",\"method\":\"GET\",\"name\":\"http://x/?a=1\\u0026b=2\","
    "\"scenario\":\"default\",\"status\":\"200\"}}}",
    "{\"type\":\"Metric\",\"data\":{\"name\":\"http_req_duration\",\"type\":\"trend\",\"contains\":\"time\","
    "\"thresholds\":[\"p(95)<500\",{\"threshold\":\"avg<200\",\"abortOnFail\":true,\"delayAbortEval\":\"1m30s\"},"
    "{\"threshold\":\"max<1e3 & \\\"x\\\"\",\"abortOnFail\":true,\"delayAbortEval\":null},\"med<9\"],"
    "\"submetrics\":[{\"name\":\"http_req_duration{expected_response:true}\","
    "\"suffix\":\"expected_response:true\",\"tags\":{\"expected_response\":\"true\"}},"
    "{\"name\":\"http_req_duration{status:200, method: 'GET'}\",\"suffix\":\"status:200, method: 'GET'\","
    "\"tags\":{\"method\":\"GET\",\"status\":\"200\"}}]},\"metric\":\"http_req_duration\"}",
    "{\"metric\":\"http_req_duration\",\"type\":\"Point\",\"data\":{\"time\":\"2026-11-22T10:00:00.1235Z\","
    "\"value\":12.345678,\"tags\":{\"group\":\"\",\"method\":\"GET\",\"name\":\"http://x/?a=1\\u0026b=2\","
    "\"scenario\":\"default\",\"status\":\"200\"}}}",
    "{\"metric\":\"http_reqs\",\"type\":\"Point\",\"data\":{\"time\":\"2026-11-22T10:00:01Z\","
    "\"value\":1,\"tags\":{\"check\":\"say \\\"hi\\\"\\nnow\\t\\u003cok\\u003e \xC3\xA9\xE2\x9C\x93\","
    "\"k\\\\\":\"\\u0001\"}}}",
    "{\"type\":\"Metric\",\"data\":{\"name\":\"data_received\",\"type\":\"counter\",\"contains\":\"data\","
    "\"thresholds\":[],\"submetrics\":null},\"metric\":\"data_received\"}",
    "{\"metric\":\"data_received\",\"type\":\"Point\",\"data\":{\"time\":\"2026-11-22T10:01:40Z\","
    /* k6 v2 encodes the lines with encoding/json (k6 PR #5853 dropped
     * easyjson): a float64 below 1e21 is written plain, not as 1.234567e+06 */
    "\"value\":1234567,\"tags\":{}}}",
    "{\"type\":\"Metric\",\"data\":{\"name\":\"my_gauge\",\"type\":\"gauge\",\"contains\":\"default\","
    "\"thresholds\":[],\"submetrics\":null},\"metric\":\"my_gauge\"}",
    "{\"metric\":\"my_gauge\",\"type\":\"Point\",\"data\":{\"time\":\"2026-11-22T10:01:40.000001Z\","
    "\"value\":-0.5,\"tags\":{\"scenario\":\"s\"},\"metadata\":{\"iter\":\"3\",\"vu\":\"7\"}}}",
    "{\"metric\":\"http_reqs\",\"type\":\"Point\",\"data\":{\"time\":\"2026-11-22T10:01:40.000002789Z\","
    "\"value\":1,\"tags\":{\"group\":\"\",\"method\":\"GET\",\"name\":\"http://x/?a=1\\u0026b=2\","
    "\"scenario\":\"default\",\"status\":\"200\"}}}",
};

static void json_fixture(json_output *o, tagdict *d) {
    static const char *const http[] = {"status", "200", "method",   "GET",    "name", "http://x/?a=1&b=2",
                                       "group",  "",    "scenario", "default"};
    static const char *const odd[] = {"check", "say \"hi\"\nnow\t<ok> \xC3\xA9\xE2\x9C\x93", "k\\", "\x01"};
    static const char *const meta[] = {"vu", "7", "scenario", "s", "iter", "3"};
    /* a list set again replaces the first one */
    static const json_threshold old[] = {{"p(99)<1", false, 0}};
    static const json_threshold th[] = {
        {"p(95)<500", false, 0}, {"avg<200", true, 90000000}, {"max<1e3 & \"x\"", true, 0}, {"med<9", false, 5000000}};
    static const char *const subs[] = {"expected_response:true", "status:200, method: 'GET'"};
    char err[128];
    int gauge = registry_get_or_add("my_gauge", METRIC_GAUGE, VALUE_DEFAULT, err, sizeof err);
    assert_true(gauge >= 0);
    json_output_set_thresholds(o, M_HTTP_REQ_DURATION, old, 1);
    json_output_set_thresholds(o, M_HTTP_REQ_DURATION, th, 4);
    json_output_set_submetrics(o, M_HTTP_REQ_DURATION, subs, 1);
    json_output_set_submetrics(o, M_HTTP_REQ_DURATION, subs, 2);
    tagset t1 = tags_of(d, http, 5), t2 = tags_of(d, odd, 2), t3 = tags_of(d, meta, 3);
    sample s;
    s = mk(M_HTTP_REQS, 1, 123456);
    json_output_sample(o, &s, t1.p, t1.len);
    s = mk(M_HTTP_REQ_DURATION, 12.345678, 123500);
    json_output_sample(o, &s, t1.p, t1.len);
    s = mk(M_HTTP_REQS, 1, 1000000);
    json_output_sample(o, &s, t2.p, t2.len);
    s = mk(M_DATA_RECEIVED, 1234567, 100000000);
    json_output_sample(o, &s, NULL, 0);
    s = mk(gauge, -0.5, 100000001);
    json_output_sample(o, &s, t3.p, t3.len);
    s = mk(M_HTTP_REQS, 1, 100000002);
    s.t_ns += 789; /* k6 writes times to the nanosecond */
    json_output_sample(o, &s, t1.p, t1.len);
}

static void assert_lines(const char *text, const char **want, size_t n) {
    const char *p = text;
    for (size_t i = 0; i < n; i++) {
        const char *nl = strchr(p, '\n');
        assert_non_null(nl);
        size_t len = (size_t)(nl - p);
        if (len != strlen(want[i]) || memcmp(p, want[i], len) != 0)
            fail_msg("line %zu:\n got  %.*s\n want %s", i + 1, (int)len, p, want[i]);
        p = nl + 1;
    }
    assert_string_equal(p, "");
}

static void test_json_output_lines(void **state) {
    (void)state;
    char err[256];
    const char *path = tmp_path("out.json");
    json_output *o = json_output_open(path, MONO0, WALL0, err, sizeof err);
    assert_non_null(o);
    tagdict *d = tagdict_new();
    json_fixture(o, d);
    assert_int_equal(json_output_close(o, err, sizeof err), 0);
    char *got = read_file(path, NULL);
    assert_lines(got, json_expected, sizeof json_expected / sizeof *json_expected);
    /* every line is JSON */
    for (char *line = strtok(got, "\n"); line; line = strtok(NULL, "\n")) {
        cJSON *j = cJSON_Parse(line);
        assert_non_null(j);
        cJSON_Delete(j);
    }
    free(got);
    tagdict_free(d);
}

static void test_json_output_gzip(void **state) {
    (void)state;
    char err[256];
    const char *path = tmp_path("out.json.gz");
    json_output *o = json_output_open(path, MONO0, WALL0, err, sizeof err);
    assert_non_null(o);
    tagdict *d = tagdict_new();
    json_fixture(o, d);
    assert_int_equal(json_output_flush(o), 0);
    assert_int_equal(json_output_close(o, err, sizeof err), 0);
    char *got = read_gz(path, NULL);
    assert_non_null(got);
    assert_lines(got, json_expected, sizeof json_expected / sizeof *json_expected);
    free(got);
    tagdict_free(d);
}

static void json_to_stdout(void *arg) {
    char err[256];
    json_output *o = json_output_open("-", MONO0, WALL0, err, sizeof err);
    json_fixture(o, arg);
    json_output_close(o, err, sizeof err);
}

static void test_json_output_stdout(void **state) {
    (void)state;
    tagdict *d = tagdict_new();
    char *got = capture_stdout(json_to_stdout, d);
    assert_lines(got, json_expected, sizeof json_expected / sizeof *json_expected);
    free(got);
    tagdict_free(d);
}

static void test_json_output_open_error(void **state) {
    (void)state;
    char err[256];
    assert_null(json_output_open("/nonexistent-dir/o.json", 0, 0, err, sizeof err));
    assert_string_equal(err, "open /nonexistent-dir/o.json: no such file or directory");
    assert_int_equal(json_output_close(NULL, err, sizeof err), 0);
}

/* ---- CSV output ---------------------------------------------------------- */

#define CSV_HEADER                                                                                                     \
    "metric_name,timestamp,metric_value,check,error,error_code,expected_response,"                                     \
    "group,method,name,proto,scenario,service,status,subproto,tls_version,url,"                                        \
    "extra_tags,metadata"

static void csv_fixture(csv_output *o, tagdict *d) {
    static const char *const http[] = {
        "status", "200",      "method",  "GET",   "url",      "http://x/?a=1&b=2", "name", "http://x/", "group",
        "::g",    "scenario", "default", "proto", "HTTP/1.1", "expected_response", "true"};
    static const char *const odd[] = {
        "check", "say \"hi\", ok", "error", " leading space", "my_tag", "v1", "another", "a,b", "vu", "2", "iter", "9",
        "url",   "line\nbreak"};
    tagset t1 = tags_of(d, http, 8), t2 = tags_of(d, odd, 7);
    sample s;
    s = mk(M_HTTP_REQS, 1, 123456);
    csv_output_sample(o, &s, t1.p, t1.len);
    s = mk(M_HTTP_REQ_DURATION, 221.899, 999999);
    csv_output_sample(o, &s, t1.p, t1.len);
    s = mk(M_CHECKS, 0, 1000000);
    csv_output_sample(o, &s, t2.p, t2.len);
    s = mk(M_DATA_RECEIVED, 1234567.25, 2500000);
    csv_output_sample(o, &s, NULL, 0);
}

static const char *csv_expected[] = {
    CSV_HEADER,
    "http_reqs,1795341600,1.000000,,,,true,::g,GET,http://x/,HTTP/1.1,default,,200,,,http://x/?a=1&b=2,,",
    "http_req_duration,1795341600,221.899000,,,,true,::g,GET,http://x/,HTTP/1.1,default,,200,,,"
    "http://x/?a=1&b=2,,",
    "checks,1795341601,0.000000,\"say \"\"hi\"\", ok\",\" leading space\",,,,,,,,,,,,\"line",
    "break\",\"another=a,b&my_tag=v1\",iter=9&vu=2",
    "data_received,1795341602,1234567.250000,,,,,,,,,,,,,,,,",
};

static void test_csv_output_rows(void **state) {
    (void)state;
    char err[256];
    const char *path = tmp_path("out.csv");
    csv_output *o = csv_output_open(path, MONO0, WALL0, err, sizeof err);
    assert_non_null(o);
    tagdict *d = tagdict_new();
    csv_fixture(o, d);
    assert_int_equal(csv_output_close(o, err, sizeof err), 0);
    char *got = read_file(path, NULL);
    assert_lines(got, csv_expected, sizeof csv_expected / sizeof *csv_expected);
    free(got);

    /* gzip, and another time format */
    csv_config c;
    assert_int_equal(csv_config_parse(&c,
                                      "fileName="
                                      "/tmp/ignored.csv,timeFormat=rfc3339_nano",
                                      err, sizeof err),
                     0);
    free(c.file_name);
    c.file_name = strdup(tmp_path("out.csv.gz"));
    o = csv_output_open_config(&c, NULL, 0, MONO0, WALL0, err, sizeof err);
    assert_non_null(o);
    sample s = mk(M_HTTP_REQS, 2, 123456);
    csv_output_sample(o, &s, NULL, 0);
    assert_int_equal(csv_output_flush(o), 0);
    assert_int_equal(csv_output_close(o, err, sizeof err), 0);
    got = read_gz(c.file_name, NULL);
    assert_string_equal(got, CSV_HEADER "\nhttp_reqs,2026-11-22T10:00:00.123456Z,2.000000,,,,,,,,,,,,,,,,\n");
    free(got);
    csv_config_free(&c);
    tagdict_free(d);
}

static void test_csv_output_columns_and_times(void **state) {
    (void)state;
    char err[256];
    static const char *const sys[] = {"url", "status", "vu", "ip", "iter", "method"};
    static const char *const kv[] = {"status", "500", "ip", "10.0.0.1", "vu", "1", "custom", "x y"};
    static const struct {
        csv_time_format f;
        const char *ts;
    } fmts[] = {
        {CSV_TIME_UNIX, "1795341600"},
        {CSV_TIME_UNIX_MILLI, "1795341600123"},
        {CSV_TIME_UNIX_MICRO, "1795341600123456"},
        {CSV_TIME_UNIX_NANO, "1795341600123456789"},
        {CSV_TIME_RFC3339, "2026-11-22T10:00:00Z"},
    };
    tagdict *d = tagdict_new();
    tagset t = tags_of(d, kv, 4);
    for (size_t i = 0; i < sizeof fmts / sizeof *fmts; i++) {
        csv_config c = {tmp_path("cols.csv"), 1000000, fmts[i].f};
        csv_output *o = csv_output_open_config(&c, sys, 6, MONO0, WALL0, err, sizeof err);
        assert_non_null(o);
        sample s = mk(M_HTTP_REQ_FAILED, 1, 0);
        s.t_ns = MONO0 + 123456789;
        csv_output_sample(o, &s, t.p, t.len);
        s = mk(M_VUS, NAN, 0);
        s.t_ns = MONO0 + 123456789;
        csv_output_sample(o, &s, NULL, 0);
        assert_int_equal(csv_output_close(o, err, sizeof err), 0);
        char *got = read_file(c.file_name, NULL), want[512];
        snprintf(want, sizeof want,
                 "metric_name,timestamp,metric_value,ip,method,status,url,extra_tags,metadata\n"
                 "http_req_failed,%s,1.000000,10.0.0.1,,500,,custom=x y,vu=1\n"
                 "vus,%s,NaN,,,,,,\n",
                 fmts[i].ts, fmts[i].ts);
        assert_string_equal(got, want);
        free(got);
    }
    tagdict_free(d);
}

static void test_csv_config(void **state) {
    (void)state;
    char err[256];
    csv_config c;
    unsetenv("K6_CSV_FILENAME");
    unsetenv("K6_CSV_TIME_FORMAT");
    unsetenv("K6_CSV_SAVE_INTERVAL");
    assert_int_equal(csv_config_parse(&c, NULL, err, sizeof err), 0);
    assert_string_equal(c.file_name, "file.csv");
    assert_int_equal(c.save_interval_us, 1000000);
    assert_int_equal(c.time_format, CSV_TIME_UNIX);
    csv_config_free(&c);

    assert_int_equal(csv_config_parse(&c, "results.csv", err, sizeof err), 0);
    assert_string_equal(c.file_name, "results.csv");
    csv_config_free(&c);

    setenv("K6_CSV_TIME_FORMAT", "unix_milli", 1);
    setenv("K6_CSV_FILENAME", "env.csv", 1);
    assert_int_equal(csv_config_parse(&c, "saveInterval=2s,fileName=arg.csv", err, sizeof err), 0);
    assert_string_equal(c.file_name, "arg.csv"); /* argument beats env */
    assert_int_equal(c.save_interval_us, 2000000);
    assert_int_equal(c.time_format, CSV_TIME_UNIX_MILLI); /* env beats default */
    csv_config_free(&c);
    unsetenv("K6_CSV_TIME_FORMAT");
    unsetenv("K6_CSV_FILENAME");

    assert_int_equal(csv_config_parse(&c, "file_name=a.csv,save_interval=500", err, sizeof err), 0);
    assert_string_equal(c.file_name, "a.csv");
    assert_int_equal(c.save_interval_us, 500000); /* bare number: ms */
    csv_config_free(&c);

    assert_int_equal(csv_config_parse(&c, "fileName=a.csv,bogus=1", err, sizeof err), -1);
    assert_string_equal(err, "unknown key \"bogus\" as argument for csv output");
    assert_int_equal(csv_config_parse(&c, "timeFormat=iso", err, sizeof err), -1);
    assert_string_equal(err, "iso does not belong to TimeFormat values"); /* k6's enumer text */
    assert_int_equal(csv_config_parse(&c, "fileName=a.csv,oops", err, sizeof err), -1);
    assert_string_equal(err, "couldn't parse \"fileName=a.csv,oops\" as argument for csv output");
}

/* ---- summary export ------------------------------------------------------ */

static void fill(sink *s, metric_type t, const double *v, size_t n) {
    sink_init(s, t);
    for (size_t i = 0; i < n; i++) sink_add(s, v[i]);
}

static double num(cJSON *o, const char *path) {
    char copy[256];
    snprintf(copy, sizeof copy, "%s", path);
    cJSON *cur = o;
    for (char *save = NULL, *k = strtok_r(copy, "/", &save); k; k = strtok_r(NULL, "/", &save)) {
        cur = cJSON_GetObjectItemCaseSensitive(cur, k);
        if (!cur) fail_msg("no %s (at %s)", path, k);
    }
    if (cJSON_IsBool(cur)) return cJSON_IsTrue(cur);
    if (!cJSON_IsNumber(cur)) fail_msg("%s is not a number", path);
    return cur->valuedouble;
}

static const char *str(cJSON *o, const char *path) {
    char copy[256];
    snprintf(copy, sizeof copy, "%s", path);
    cJSON *cur = o;
    for (char *save = NULL, *k = strtok_r(copy, "/", &save); k; k = strtok_r(NULL, "/", &save)) {
        cur = cJSON_GetObjectItemCaseSensitive(cur, k);
        if (!cur) fail_msg("no %s (at %s)", path, k);
    }
    return cJSON_GetStringValue(cur);
}

static void assert_contains(const char *text, const char *needle) {
    if (!strstr(text, needle)) fail_msg("missing:\n%s\nin:\n%s", needle, text);
}

static void test_export(void **state) {
    (void)state;
    sink reqs, vus, checks, dur, failed, empty;
    double r[] = {1, 1, 1, 1}, vv[] = {1, 10, 5}, ck[] = {1, 1, 1, 0}, dd[] = {10, 20, 30, 40}, ff[] = {0, 0, 0, 1};
    fill(&reqs, METRIC_COUNTER, r, 4);
    fill(&vus, METRIC_GAUGE, vv, 3);
    fill(&checks, METRIC_RATE, ck, 4);
    fill(&dur, METRIC_TREND, dd, 4);
    fill(&failed, METRIC_RATE, ff, 4);
    sink_init(&empty, METRIC_COUNTER);
    export_threshold dth[] = {{"p(95)<500", true}, {"avg<1", false}};
    export_threshold fth[] = {{"rate<0.01", false}};
    export_metric ms[] = {
        {"http_reqs", METRIC_COUNTER, VALUE_DEFAULT, &reqs, NULL, 0},
        {"vus", METRIC_GAUGE, VALUE_DEFAULT, &vus, NULL, 0},
        {"checks", METRIC_RATE, VALUE_DEFAULT, &checks, NULL, 0},
        {"http_req_duration", METRIC_TREND, VALUE_TIME, &dur, dth, 2},
        {"http_req_failed", METRIC_RATE, VALUE_DEFAULT, &failed, fth, 1},
        {"never_seen", METRIC_COUNTER, VALUE_DEFAULT, NULL, NULL, 0},
    };
    export_check cs[] = {
        {"status is 200", "", 3, 1},
        {"is ok", "::g1", 2, 0},
        {"deep \"q\"", "::g1::g2", 0, 5},
    };
    const char *groups[] = {"::lonely"};
    export_data d = {ms, 6, cs, 3, groups, 1, 2.0, NULL, 0, NULL};
    const char *path = tmp_path("export.json");
    char err[256];
    assert_int_equal(export_write(path, &d, err, sizeof err), 0);
    char *text = read_file(path, NULL);
    cJSON *j = cJSON_Parse(text);
    assert_non_null(j);

    assert_string_equal(str(j, "root_group/id"), "d41d8cd98f00b204e9800998ecf8427e");
    assert_string_equal(str(j, "root_group/path"), "");
    assert_string_equal(str(j, "root_group/checks/status is 200/path"), "::status is 200");
    assert_string_equal(str(j, "root_group/checks/status is 200/id"), "6210a8cd14cd70477eba5c5e4cb3fb5f");
    assert_true(num(j, "root_group/checks/status is 200/passes") == 3);
    assert_true(num(j, "root_group/checks/status is 200/fails") == 1);
    assert_string_equal(str(j, "root_group/groups/g1/id"), "9ccb03cc5acd728a2fe595bbd1f14da3");
    assert_string_equal(str(j, "root_group/groups/g1/checks/is ok/id"), "416bc92cc6684309884e8ef6283883b7");
    assert_string_equal(str(j, "root_group/groups/g1/groups/g2/path"), "::g1::g2");
    assert_string_equal(str(j, "root_group/groups/g1/groups/g2/id"), "4cfc8bfa83b81689e8444e0a60a1a74d");
    assert_true(num(j, "root_group/groups/g1/groups/g2/checks/deep \"q\"/fails") == 5);
    assert_string_equal(str(j, "root_group/groups/lonely/path"), "::lonely");

    assert_true(num(j, "metrics/http_reqs/count") == 4);
    assert_true(num(j, "metrics/http_reqs/rate") == 2);
    assert_true(num(j, "metrics/vus/value") == 5);
    assert_true(num(j, "metrics/vus/min") == 1);
    assert_true(num(j, "metrics/vus/max") == 10);
    assert_true(num(j, "metrics/checks/passes") == 3);
    assert_true(num(j, "metrics/checks/fails") == 1);
    assert_true(num(j, "metrics/checks/value") == 0.75);
    assert_null(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "metrics"), "never_seen"));
    assert_true(num(j, "metrics/http_req_duration/avg") == 25);
    assert_true(num(j, "metrics/http_req_duration/min") == 10);
    assert_true(num(j, "metrics/http_req_duration/med") == 25);
    assert_true(num(j, "metrics/http_req_duration/max") == 40);
    assert_true(num(j, "metrics/http_req_duration/p(90)") == 37);
    assert_true(fabs(num(j, "metrics/http_req_duration/p(95)") - 38.5) < 1e-9);
    /* "failed" semantics: a passing threshold is false */
    cJSON *th =
        cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "metrics"), "http_req_duration"), "thresholds");
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(th, "p(95)<500")));
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(th, "avg<1")));
    assert_true(num(j, "metrics/http_req_failed/thresholds/rate<0.01") == 1);
    cJSON_Delete(j);

    /* layout: JSON.stringify(x, null, 4), Rate thresholds before value */
    assert_contains(text, "        \"http_req_failed\": {\n"
                          "            \"passes\": 1,\n"
                          "            \"fails\": 3,\n"
                          "            \"thresholds\": {\n"
                          "                \"rate<0.01\": true\n"
                          "            },\n"
                          "            \"value\": 0.25\n"
                          "        }\n"
                          "    }\n"
                          "}");
    assert_contains(text, "{\n"
                          "    \"root_group\": {\n"
                          "        \"name\": \"\",\n"
                          "        \"path\": \"\",\n"
                          "        \"id\": \"d41d8cd98f00b204e9800998ecf8427e\",\n"
                          "        \"groups\": {\n"
                          "            \"lonely\": {\n"
                          "                \"name\": \"lonely\",\n"
                          "                \"path\": \"::lonely\",\n"
                          "                \"id\": \"");
    assert_contains(text, "\"groups\": {},\n");
    assert_contains(text, "\"checks\": {}\n");
    free(text);

    /* trend stats list, and the summary_data entry point */
    const char *stats[] = {"count", "p(99.9)", "max"};
    summary_metric sm[] = {{"http_req_duration", METRIC_TREND, VALUE_TIME, &dur},
                           {"iterations", METRIC_COUNTER, VALUE_DEFAULT, &empty}};
    summary_threshold st[] = {{"http_req_duration", "max<100", true, 40, NULL},
                              {"iterations", "count>0", false, 0, NULL}};
    summary_check sc[] = {{"c", "", 1, 0}};
    summary_data sd = {sm, 2, sc, 1, st, 2, 2.0, stats, 3, false, NULL, false, NULL, 0, NULL, 0, NULL, 0, NULL};
    assert_int_equal(export_write_summary(path, &sd, err, sizeof err), 0);
    text = read_file(path, NULL);
    assert_contains(text, "        \"http_req_duration\": {\n"
                          "            \"count\": 4,\n"
                          "            \"p(99.9)\": 39.97,\n"
                          "            \"max\": 40,\n"
                          "            \"thresholds\": {\n"
                          "                \"max<100\": false\n"
                          "            }\n"
                          "        },\n"
                          "        \"iterations\": {\n"
                          "            \"count\": 0,\n"
                          "            \"rate\": 0,\n"
                          "            \"thresholds\": {\n"
                          "                \"count>0\": true\n"
                          "            }\n"
                          "        }\n");
    free(text);

    assert_int_equal(export_write("/nonexistent-dir/e.json", &d, err, sizeof err), -1);
    /* k6 cmd/run.go handleSummaryResult's reason for a file it cannot open */
    assert_string_equal(
        err, "could not open '/nonexistent-dir/e.json': open /nonexistent-dir/e.json: no such file or directory");
    /* never gzipped, whatever the name */
    assert_int_equal(export_write(tmp_path("e.json.gz"), &d, err, sizeof err), 0);
    text = read_file(tmp_path("e.json.gz"), NULL);
    assert_true(text[0] == '{');
    free(text);

    sink_free(&reqs);
    sink_free(&vus);
    sink_free(&checks);
    sink_free(&dur);
    sink_free(&failed);
    sink_free(&empty);
}

static void test_export_empty(void **state) {
    (void)state;
    export_data d = {0};
    char *text = export_render(&d);
    assert_string_equal(text, "{\n"
                              "    \"root_group\": {\n"
                              "        \"name\": \"\",\n"
                              "        \"path\": \"\",\n"
                              "        \"id\": \"d41d8cd98f00b204e9800998ecf8427e\",\n"
                              "        \"groups\": {},\n"
                              "        \"checks\": {}\n"
                              "    },\n"
                              "    \"metrics\": {}\n"
                              "}");
    free(text);
}

/* ---- throughput ----------------------------------------------------------- */

static double run_rate(const char *what, const char *path, int which, int n, tagset *ts, size_t nts) {
    char err[256];
    json_output *jo = NULL;
    csv_output *co = NULL;
    if (which == 0) jo = json_output_open(path, MONO0, WALL0, err, sizeof err);
    else co = csv_output_open(path, MONO0, WALL0, err, sizeof err);
    assert_true(jo || co);
    static const int metrics[] = {M_HTTP_REQS,
                                  M_HTTP_REQ_DURATION,
                                  M_HTTP_REQ_BLOCKED,
                                  M_HTTP_REQ_CONNECTING,
                                  M_HTTP_REQ_TLS_HANDSHAKING,
                                  M_HTTP_REQ_SENDING,
                                  M_HTTP_REQ_WAITING,
                                  M_HTTP_REQ_RECEIVING,
                                  M_HTTP_REQ_FAILED,
                                  M_DATA_SENT,
                                  M_DATA_RECEIVED};
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < n; i++) {
        int m = metrics[i % 11];
        double v = m == M_HTTP_REQS         ? 1
                   : m == M_HTTP_REQ_FAILED ? 0
                   : m == M_DATA_SENT       ? 98
                   : m == M_DATA_RECEIVED   ? 1234
                                            : (double)(((int64_t)i * 7919) % 250000) / 1000.0; /* ms, µs resolution */
        sample s = mk(m, v, (int64_t)i * 20); /* 50,000 samples/s of test time */
        const tagset *t = &ts[(i / 11) % nts];
        if (jo) json_output_sample(jo, &s, t->p, t->len);
        else csv_output_sample(co, &s, t->p, t->len);
    }
    int rc = jo ? json_output_close(jo, err, sizeof err) : csv_output_close(co, err, sizeof err);
    clock_gettime(CLOCK_MONOTONIC, &b);
    assert_int_equal(rc, 0);
    double secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    if (strcmp(path, "/dev/null") == 0) {
        printf("   %-24s %9.0f samples/s  (%d samples)\n", what, n / secs, n);
    } else {
        size_t len = 0;
        free(read_file(path, &len));
        printf("   %-24s %9.0f samples/s  (%d samples, %.1f MB written)\n", what, n / secs, n, (double)len / 1e6);
        unlink(path);
    }
    return n / secs;
}

static void test_throughput(void **state) {
    (void)state;
    tagdict *d = tagdict_new();
    tagset ts[16];
    for (int i = 0; i < 16; i++) {
        char url[64], status[8];
        snprintf(url, sizeof url, "http://127.0.0.1:8080/api/items/%d?page=2&sort=asc", i);
        snprintf(status, sizeof status, "%d", i % 5 ? 200 : 404);
        const char *kv[] = {"expected_response",
                            i % 5 ? "true" : "false",
                            "group",
                            "",
                            "method",
                            "GET",
                            "name",
                            url,
                            "proto",
                            "HTTP/1.1",
                            "scenario",
                            "default",
                            "status",
                            status,
                            "url",
                            url};
        ts[i] = tags_of(d, kv, 8);
    }
    /* the text is ~350 bytes a sample: long runs write into /dev/null
     * (formatting, buffering and write(2)), short ones into real files */
    run_rate("json -> /dev/null", "/dev/null", 0, 2000000, ts, 16);
    run_rate("json -> file", tmp_path("perf.json"), 0, 500000, ts, 16);
    run_rate("json -> file.gz", tmp_path("perf.json.gz"), 0, 2000000, ts, 16);
    run_rate("csv -> /dev/null", "/dev/null", 1, 2000000, ts, 16);
    run_rate("csv -> file", tmp_path("perf.csv"), 1, 500000, ts, 16);
    tagdict_free(d);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_writer_plain_and_big, setup, teardown),
        cmocka_unit_test_setup_teardown(test_writer_gzip_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_writer_stdout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_writer_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fmt_go, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fmt_js, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fmt_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_string_escaping, setup, teardown),
        cmocka_unit_test_setup_teardown(test_time_format, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_output_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_output_gzip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_output_stdout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_output_open_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_csv_output_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_csv_output_columns_and_times, setup, teardown),
        cmocka_unit_test_setup_teardown(test_csv_config, setup, teardown),
        cmocka_unit_test_setup_teardown(test_export, setup, teardown),
        cmocka_unit_test_setup_teardown(test_export_empty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_throughput, setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
