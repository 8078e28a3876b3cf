/* End-of-test summary: value formatters (k6's humanize rules, JavaScript
 * number printing), the rendered text of small fixtures, line by line, and
 * full mode's group and scenario sections, also from the engine's breakdown. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "metrics/registry.h"
#include "metrics/samples.h"
#include "output/summary.h"

/* ---- formatters ---- */

static void expect_duration(double ms, const char *unit, const char *want) {
    char buf[64];
    summary_format_duration(buf, sizeof buf, ms, unit);
    if (strcmp(buf, want)) {
        print_error("duration %.17g (%s): got %s want %s\n", ms, unit ? unit : "auto", buf, want);
        fail();
    }
}

static void test_format_duration(void **state) {
    (void)state;
    expect_duration(0, NULL, "0s");
    expect_duration(0.000812, NULL, "812ns");
    expect_duration(0.45612, NULL, "456.12µs");
    expect_duration(0.0078039, NULL, "7.8µs");
    expect_duration(148.21, NULL, "148.21ms");
    expect_duration(119.3799, NULL, "119.37ms"); /* truncated, not rounded */
    expect_duration(999.999, NULL, "999.99ms");
    expect_duration(1500, NULL, "1.5s");
    expect_duration(1234.5678, NULL, "1.23s");
    expect_duration(60000, NULL, "1m0s");
    expect_duration(62000, NULL, "1m2s");
    expect_duration(62999, NULL, "1m2s");
    expect_duration(3723000, NULL, "1h2m3s");
    expect_duration(1500, "s", "1.50s");
    expect_duration(2, "ms", "2.00ms");
    expect_duration(1.5, "us", "1500.00µs");
    expect_duration(1.5, "", "1.5ms");
    expect_duration(1.5, "bogus", "1.5ms");
}

static void expect_fmt(char *got, const char *want) {
    if (strcmp(got, want)) {
        print_error("got \"%s\" want \"%s\"\n", got, want);
        fail();
    }
}

static void test_format_bytes_percent_number(void **state) {
    (void)state;
    char b[64];
    expect_fmt(summary_format_bytes(b, sizeof b, 0), "0 B");
    expect_fmt(summary_format_bytes(b, sizeof b, 5), "5 B");
    expect_fmt(summary_format_bytes(b, sizeof b, 718), "718 B");
    expect_fmt(summary_format_bytes(b, sizeof b, 4900), "4.9 kB");
    expect_fmt(summary_format_bytes(b, sizeof b, 9999), "10 kB");
    expect_fmt(summary_format_bytes(b, sizeof b, 519000), "519 kB");
    expect_fmt(summary_format_bytes(b, sizeof b, 3400000), "3.4 MB");
    expect_fmt(summary_format_percent(b, sizeof b, 0), "0.00%");
    expect_fmt(summary_format_percent(b, sizeof b, 1), "100.00%");
    expect_fmt(summary_format_percent(b, sizeof b, 0.875), "87.50%");
    expect_fmt(summary_format_percent(b, sizeof b, 0.99999), "99.99%"); /* truncated */
    expect_fmt(summary_format_percent(b, sizeof b, 0.29), "28.99%");    /* k6 does the same */
    expect_fmt(summary_format_number(b, sizeof b, 152.3555555), "152.355556");
    expect_fmt(summary_format_number(b, sizeof b, 100), "100");
    expect_fmt(summary_format_number(b, sizeof b, 2.5), "2.5");
    expect_fmt(summary_format_number(b, sizeof b, 1.0 / 3), "0.333333");
    expect_fmt(summary_format_number(b, sizeof b, 0.0078125), "0.007813"); /* JS toFixed: ties go up */
    expect_fmt(summary_format_number(b, sizeof b, -0.0000001), "0");
    expect_fmt(summary_format_number(b, sizeof b, 123456789), "123456789");
    expect_fmt(summary_format_number(b, sizeof b, -42.25), "-42.25");
    expect_fmt(summary_format_number(b, sizeof b, 1e21), "1e+21");
    expect_fmt(summary_format_value(b, sizeof b, 1500, VALUE_TIME), "1.5s");
    expect_fmt(summary_format_value(b, sizeof b, 1500, VALUE_DATA), "1.5 kB");
    expect_fmt(summary_format_value(b, sizeof b, 1500, VALUE_DEFAULT), "1500");
    expect_fmt(summary_format_metric(b, sizeof b, 0.5, METRIC_RATE, VALUE_DEFAULT, NULL), "50.00%");
    expect_fmt(summary_format_metric(b, sizeof b, 2, METRIC_TREND, VALUE_TIME, "s"), "0.00s");
    char tiny[4]; /* truncates, stays terminated */
    expect_fmt(summary_format_bytes(tiny, sizeof tiny, 519000), "519");
}

/* ---- rendering ---- */

typedef struct fixture {
    sink dur, dur_exp, blocked, reqs, failed, iters, idur, vus, vmax, recv, sent, wait, checks;
    summary_metric m[13];
    summary_check c[3];
    summary_threshold t[4];
    summary_data d;
} fixture;

static int setup(void **state) {
    fixture *f = calloc(1, sizeof *f);
    sink *trends[] = {&f->dur, &f->dur_exp, &f->blocked, &f->idur, &f->wait};
    for (size_t i = 0; i < 5; i++) sink_init(trends[i], METRIC_TREND);
    sink_init(&f->reqs, METRIC_COUNTER);
    sink_init(&f->iters, METRIC_COUNTER);
    sink_init(&f->recv, METRIC_COUNTER);
    sink_init(&f->sent, METRIC_COUNTER);
    sink_init(&f->failed, METRIC_RATE);
    sink_init(&f->checks, METRIC_RATE);
    sink_init(&f->vus, METRIC_GAUGE);
    sink_init(&f->vmax, METRIC_GAUGE);
    for (int i = 1; i <= 4; i++) {
        sink_add(&f->dur, 100 * i);
        sink_add(&f->dur_exp, 100 * i);
        sink_add(&f->blocked, 0.5);
        sink_add(&f->idur, 100 * i + 1.5);
        sink_add(&f->wait, 100.0 * i / 3);
        sink_add(&f->reqs, 1);
        sink_add(&f->iters, 1);
        sink_add(&f->failed, 0);
        sink_add(&f->checks, 1);
        sink_add(&f->checks, i != 4);
    }
    sink_add(&f->recv, 519000);
    sink_add(&f->sent, 4900);
    sink_add(&f->vus, 1);
    sink_add(&f->vmax, 10);
    summary_metric m[13] = {
        {"http_req_duration", METRIC_TREND, VALUE_TIME, &f->dur},
        {"http_req_duration{expected_response:true}", METRIC_TREND, VALUE_TIME, &f->dur_exp},
        {"http_reqs", METRIC_COUNTER, VALUE_DEFAULT, &f->reqs},
        {"http_req_failed", METRIC_RATE, VALUE_DEFAULT, &f->failed},
        {"http_req_blocked", METRIC_TREND, VALUE_TIME, &f->blocked},
        {"vus_max", METRIC_GAUGE, VALUE_DEFAULT, &f->vmax},
        {"iterations", METRIC_COUNTER, VALUE_DEFAULT, &f->iters},
        {"iteration_duration", METRIC_TREND, VALUE_TIME, &f->idur},
        {"vus", METRIC_GAUGE, VALUE_DEFAULT, &f->vus},
        {"data_sent", METRIC_COUNTER, VALUE_DATA, &f->sent},
        {"data_received", METRIC_COUNTER, VALUE_DATA, &f->recv},
        {"waiting_time", METRIC_TREND, VALUE_DEFAULT, &f->wait},
        {"checks", METRIC_RATE, VALUE_DEFAULT, &f->checks},
    };
    memcpy(f->m, m, sizeof m);
    summary_check c[3] = {{"status is 200", "", 3, 0}, {"body ok", "::g", 3, 1}, {"status is 200", "::g", 1, 0}};
    memcpy(f->c, c, sizeof c);
    summary_threshold t[4] = {
        {"http_req_duration", "p(95)<500", true, 385, "p(95)"},
        {"http_req_failed", "rate<0.01", true, 0, NULL},
        {"checks", "rate>0.99", false, 0.875, "rate"},
        {"http_req_duration{expected_response:true}", "max < 300", false, 400, NULL},
    };
    memcpy(f->t, t, sizeof t);
    f->d =
        (summary_data){f->m, 13, f->c, 3, f->t, 4, 2.0, NULL, 0, false, NULL, false, NULL, 0, NULL, 0, NULL, 0, NULL};
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    sink *all[] = {&f->dur, &f->dur_exp, &f->blocked, &f->reqs, &f->failed, &f->iters, &f->idur,
                   &f->vus, &f->vmax,    &f->recv,    &f->sent, &f->wait,   &f->checks};
    for (size_t i = 0; i < 13; i++) sink_free(all[i]);
    free(f);
    return 0;
}

/* Not inlined: gcc 12 then takes the returned text for a pointer to the
 * local `buf` (-Wdangling-pointer false positive). */
__attribute__((noinline)) static char *render(const summary_data *d) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    summary_render(f, d);
    fclose(f);
    return buf;
}

static void expect_line(const char *text, const char *line) {
    size_t n = strlen(line);
    for (const char *p = text; (p = strstr(p, line)) != NULL; p++)
        if ((p == text || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0')) return;
    print_error("missing line \"%s\" in:\n%s\n", line, text);
    fail();
}

static void expect_no(const char *text, const char *part) {
    if (strstr(text, part)) {
        print_error("unexpected \"%s\" in:\n%s\n", part, text);
        fail();
    }
}

/* The whole compact summary, in k6's documented layout. Trend columns are
 * padded to the widest value of the column, including the last one. */
static const char FULL_TEXT[] =
    "\n"
    "  █ THRESHOLDS \n"
    "\n"
    "    checks\n"
    "    ✗ 'rate>0.99' rate=87.50%\n"
    "\n"
    "    http_req_duration\n"
    "    ✓ 'p(95)<500' p(95)=385ms\n"
    "\n"
    "      {expected_response:true}\n"
    "      ✗ 'max < 300' max=400ms\n"
    "\n"
    "    http_req_failed\n"
    "    ✓ 'rate<0.01' rate=0.00%\n"
    "\n"
    "\n"
    "  █ TOTAL RESULTS \n"
    "\n"
    "    checks_total.......................: 8      4/s\n"
    "    checks_succeeded...................: 87.50% 7 out of 8\n"
    "    checks_failed......................: 12.50% 1 out of 8\n"
    "\n"
    "    ✓ status is 200\n"
    "    ✗ body ok\n"
    "      ↳  75% — ✓ 3 / ✗ 1\n"
    "\n"
    "    CUSTOM\n"
    "    waiting_time............................................................: avg=83.333333 min=33.333333 "
    "med=83.333333 max=133.333333 p(90)=123.333333 p(95)=128.333333\n"
    "\n"
    "    HTTP\n"
    "    http_req_duration.......................................................: avg=250ms     min=100ms     "
    "med=250ms     max=400ms      p(90)=370ms      p(95)=385ms     \n"
    "      { expected_response:true }............................................: avg=250ms     min=100ms     "
    "med=250ms     max=400ms      p(90)=370ms      p(95)=385ms     \n"
    "    http_req_failed.........................................................: 0.00%  0 out of 4\n"
    "    http_reqs...............................................................: 4      2/s\n"
    "\n"
    "    EXECUTION\n"
    "    iteration_duration......................................................: avg=251.5ms   min=101.5ms   "
    "med=251.5ms   max=401.5ms    p(90)=371.5ms    p(95)=386.5ms   \n"
    "    iterations..............................................................: 4      2/s\n"
    "    vus.....................................................................: 1      min=1      max=1 \n"
    "    vus_max.................................................................: 10     min=10     max=10\n"
    "\n"
    "    NETWORK\n"
    "    data_received...........................................................: 519 kB 260 kB/s\n"
    "    data_sent...............................................................: 4.9 kB 2.5 kB/s\n"
    "\n";

static void test_render_full_text(void **state) {
    fixture *f = *state;
    char *out = render(&f->d);
    if (strcmp(out, FULL_TEXT)) {
        print_error("got:\n%s\nwant:\n%s\n", out, FULL_TEXT);
        fail();
    }
    free(out);
}

static void test_render_lines(void **state) {
    fixture *f = *state;
    char *out = render(&f->d);
    expect_line(out, "  █ THRESHOLDS ");
    expect_line(out, "  █ TOTAL RESULTS ");
    expect_line(out, "    HTTP");
    expect_line(out, "    EXECUTION");
    expect_line(out, "    NETWORK");
    expect_line(out, "    CUSTOM");
    expect_line(out, "    http_reqs...............................................................: 4      2/s");
    expect_line(out, "    http_req_failed.........................................................: 0.00%  0 out of 4");
    expect_line(out, "    ✓ status is 200");
    expect_line(out, "    ✗ body ok");
    expect_line(out, "      ↳  75% — ✓ 3 / ✗ 1");
    expect_line(out, "    ✓ 'p(95)<500' p(95)=385ms");
    expect_no(out, "http_req_blocked"); /* compact mode hides it */
    expect_no(out, "\x1b[");            /* no colours unless asked */
    /* CUSTOM comes before HTTP, HTTP before EXECUTION before NETWORK */
    assert_true(strstr(out, "CUSTOM") < strstr(out, "HTTP\n"));
    assert_true(strstr(out, "HTTP\n") < strstr(out, "EXECUTION"));
    assert_true(strstr(out, "EXECUTION") < strstr(out, "NETWORK"));
    free(out);
}

static void test_render_no_thresholds_no_checks(void **state) {
    fixture *f = *state;
    summary_data d = f->d;
    d.nthresholds = 0;
    d.nchecks = 0;
    d.nmetrics = 12; /* without the checks metric */
    char *out = render(&d);
    assert_int_equal(strncmp(out, "\n  █ TOTAL RESULTS \n\n    CUSTOM\n", 32), 0);
    expect_no(out, "THRESHOLDS");
    expect_no(out, "checks_total");
    expect_no(out, "✓");
    free(out);
}

static void test_render_colors(void **state) {
    fixture *f = *state;
    summary_data d = f->d;
    d.color = true;
    char *out = render(&d);
    expect_line(out, "    \x1b[32m✓ status is 200\x1b[0m");
    expect_line(out, "    \x1b[31m✗ body ok\x1b[0m");
    expect_line(out, "  █ \x1b[1mTOTAL RESULTS\x1b[0m ");
    expect_line(out, "    http_reqs\x1b[2;37m...............................................................:\x1b[0m "
                     "\x1b[36m4\x1b[0m      \x1b[2;36m2/s\x1b[0m");
    expect_line(out, "    \x1b[32m✓\x1b[0m \x1b[37m'p(95)<500'\x1b[0m \x1b[37mp(95)\x1b[0m=\x1b[36m385ms\x1b[0m");
    free(out);
}

static void test_render_options(void **state) {
    fixture *f = *state;
    static const char *const stats[] = {"avg", "p(99.9)", "count"};
    summary_data d = f->d;
    d.trend_stats = stats;
    d.ntrend_stats = 3;
    d.full = true;
    d.time_unit = "ms";
    d.nthresholds = 0;
    char *out = render(&d);
    /* columns are as wide as waiting_time's 83.333333 and 133.233333 */
    expect_line(out, "    http_req_duration.......................................................: avg=250.00ms  "
                     "p(99.9)=399.70ms   count=4");
    expect_line(out, "    http_req_blocked........................................................: avg=0.50ms    "
                     "p(99.9)=0.50ms     count=4");
    expect_line(out, "    waiting_time............................................................: avg=83.333333 "
                     "p(99.9)=133.233333 count=4");
    free(out);
}

static void test_render_long_name(void **state) {
    fixture *f = *state;
    sink s;
    sink_init(&s, METRIC_COUNTER);
    sink_add(&s, 3);
    summary_metric m[] = {{"a_really_long_custom_metric_name_of_40ch", METRIC_COUNTER, VALUE_DEFAULT, &s},
                          {"http_reqs", METRIC_COUNTER, VALUE_DEFAULT, &f->reqs}};
    summary_data d = {m, 2, NULL, 0, NULL, 0, 3.0, NULL, 0, false, NULL, false, NULL, 0, NULL, 0, NULL, 0, NULL};
    char *out = render(&d);
    /* the longest name gets 3 dots and pushes the whole column out */
    expect_line(out, "    a_really_long_custom_metric_name_of_40ch...........................................: 3 1/s");
    expect_line(
        out, "    http_reqs..........................................................................: 4 1.333333/s");
    free(out);
    sink_free(&s);
}

/* ---- full mode: groups and scenarios ---- */

typedef struct tree {
    sink total, a, a_gd, b, b_chk, inner, inner_chk, deep, foo, foo_x;
} tree;

static void counter(sink *s, double v) {
    sink_init(s, METRIC_COUNTER);
    sink_add(s, v);
}

static void rate(sink *s, int passes, int fails) {
    sink_init(s, METRIC_RATE);
    for (int i = 0; i < passes + fails; i++) sink_add(s, i < passes);
}

/* k6's layout (v2 summary.js): a section per top-level group in the order
 * given (first seen), subgroups as "↳ GROUP:" titles one level deeper each
 * with a blank line after them, their content 2 columns further in, a
 * failed check's details at twice the check's level; scenarios after the
 * groups. Each section has its own name column (2 x "http_reqs" + 3). */
static const char GROUPS_TEXT[] = "\n"
                                  "  █ TOTAL RESULTS \n"
                                  "\n"
                                  "    HTTP\n"
                                  "    http_reqs............: 8 4/s\n"
                                  "\n"
                                  "\n"
                                  "  █ GROUP: B \n"
                                  "\n"
                                  "    checks_total.......................: 2       1/s\n"
                                  "    checks_succeeded...................: 100.00% 2 out of 2\n"
                                  "    checks_failed......................: 0.00%   0 out of 2\n"
                                  "\n"
                                  "    ✓ ok\n"
                                  "\n"
                                  "    HTTP\n"
                                  "    http_reqs............: 2 1/s\n"
                                  "\n"
                                  "    ↳ GROUP: inner \n"
                                  "\n"
                                  "      checks_total.......................: 1       0.5/s\n"
                                  "      checks_succeeded...................: 0.00%   0 out of 1\n"
                                  "      checks_failed......................: 100.00% 1 out of 1\n"
                                  "\n"
                                  "      ✗ bad\n"
                                  "          ↳  0% — ✓ 0 / ✗ 1\n"
                                  "\n"
                                  "      HTTP\n"
                                  "      http_reqs............: 3 1.5/s\n"
                                  "\n"
                                  "      ↳ GROUP: deep \n"
                                  "\n"
                                  "        HTTP\n"
                                  "        http_reqs............: 1 0.5/s\n"
                                  "\n"
                                  "\n"
                                  "  █ GROUP: a \n"
                                  "\n"
                                  "    HTTP\n"
                                  "    http_reqs............: 1 0.5/s\n"
                                  "\n"
                                  "\n"
                                  "  █ SCENARIO: foo \n"
                                  "\n"
                                  "    HTTP\n"
                                  "    http_reqs............: 2 1/s\n"
                                  "\n"
                                  "    ↳ GROUP: x \n"
                                  "\n"
                                  "      HTTP\n"
                                  "      http_reqs............: 1 0.5/s\n"
                                  "\n";

static void test_render_groups_text(void **state) {
    (void)state;
    tree t;
    counter(&t.total, 8);
    counter(&t.a, 1);
    counter(&t.b, 2);
    counter(&t.inner, 3);
    counter(&t.deep, 1);
    counter(&t.foo, 2);
    counter(&t.foo_x, 1);
    sink_init(&t.a_gd, METRIC_TREND);
    sink_add(&t.a_gd, 12);
    rate(&t.b_chk, 2, 0);
    rate(&t.inner_chk, 0, 1);
    summary_metric total[] = {{"http_reqs", METRIC_COUNTER, VALUE_DEFAULT, &t.total}};
    summary_metric a[] = {{"group_duration", METRIC_TREND, VALUE_TIME, &t.a_gd}, /* never listed */
                          {"http_reqs", METRIC_COUNTER, VALUE_DEFAULT, &t.a}};
    summary_metric b[] = {{"checks", METRIC_RATE, VALUE_DEFAULT, &t.b_chk},
                          {"http_reqs", METRIC_COUNTER, VALUE_DEFAULT, &t.b}};
    summary_metric inner[] = {{"http_reqs", METRIC_COUNTER, VALUE_DEFAULT, &t.inner},
                              {"checks", METRIC_RATE, VALUE_DEFAULT, &t.inner_chk}};
    summary_metric deep[] = {{"http_reqs", METRIC_COUNTER, VALUE_DEFAULT, &t.deep}};
    summary_metric foo[] = {{"http_reqs", METRIC_COUNTER, VALUE_DEFAULT, &t.foo}};
    summary_metric foo_x[] = {{"http_reqs", METRIC_COUNTER, VALUE_DEFAULT, &t.foo_x}};
    summary_check b_checks[] = {{"ok", "", 2, 0}}, inner_checks[] = {{"bad", "", 0, 1}};
    summary_group deep_g[] = {{"deep", deep, 1, NULL, 0, NULL, 0}};
    summary_group inner_g[] = {{"inner", inner, 2, inner_checks, 1, deep_g, 1}};
    /* shown in the order given (the order they first ran), not sorted */
    summary_group groups[] = {{"B", b, 2, b_checks, 1, inner_g, 1}, {"a", a, 2, NULL, 0, NULL, 0}};
    summary_group foo_g[] = {{"x", foo_x, 1, NULL, 0, NULL, 0}};
    summary_group scenarios[] = {{"foo", foo, 1, NULL, 0, foo_g, 1}};
    summary_data d = {total, 1,    NULL,   0, NULL,      0, 2.0,  NULL, 0,   false,
                      NULL,  true, groups, 2, scenarios, 1, NULL, 0,    NULL};
    char *out = render(&d);
    if (strcmp(out, GROUPS_TEXT)) {
        print_error("got:\n%s\nwant:\n%s\n", out, GROUPS_TEXT);
        fail();
    }
    free(out);
    d.color = true;
    out = render(&d);
    expect_line(out, "  █ \x1b[1mGROUP: a\x1b[0m ");
    expect_line(out, "    ↳ \x1b[1mGROUP: inner\x1b[0m ");
    expect_line(out, "  █ \x1b[1mSCENARIO: foo\x1b[0m ");
    free(out);
    sink *all[] = {&t.total, &t.a, &t.a_gd, &t.b, &t.b_chk, &t.inner, &t.inner_chk, &t.deep, &t.foo, &t.foo_x};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) sink_free(all[i]);
}

static uint32_t tagset(sample_buf *b, const char *scenario, const char *group, const char *check) {
    tag_kv kv[3];
    size_t n = 0;
    kv[n++] = (tag_kv){"scenario", scenario};
    kv[n++] = (tag_kv){"group", group};
    if (check) kv[n++] = (tag_kv){"check", check};
    return tagdict_intern(b->tags, kv, n);
}

/* Samples through the engine's breakdown to the text: scenarios cannot run
 * yet, so their samples are made up here. */
static void test_render_scenarios_from_engine(void **state) {
    (void)state;
    registry_init();
    sample_buf b;
    sample_buf_init(&b);
    engine *e = engine_new();
    engine_add_source(e, &b);
    engine_enable_breakdown(e);
    uint32_t def = tagset(&b, "default", "", NULL), def_g = tagset(&b, "default", "::login", NULL);
    uint32_t foo = tagset(&b, "foo", "", NULL), foo_g = tagset(&b, "foo", "::login", NULL);
    uint32_t foo_gg = tagset(&b, "foo", "::login::mfa", NULL), foo_chk = tagset(&b, "foo", "::login", "is 200");
    uint32_t bar = tagset(&b, "bar", "", NULL);
    for (int i = 0; i < 10; i++) sample_push(&b, M_HTTP_REQS, def, 1, 0);
    for (int i = 0; i < 4; i++) sample_push(&b, M_HTTP_REQS, def_g, 1, 0);
    for (int i = 0; i < 3; i++) sample_push(&b, M_HTTP_REQS, foo, 1, 0);
    for (int i = 0; i < 5; i++) sample_push(&b, M_HTTP_REQS, foo_g, 1, 0);
    for (int i = 0; i < 6; i++) sample_push(&b, M_HTTP_REQS, foo_gg, 1, 0);
    for (int i = 0; i < 4; i++) sample_push(&b, M_CHECKS, foo_chk, i != 0, 0);
    sample_push(&b, M_ITERATIONS, bar, 1, 0);
    sample_buf_flush(&b);
    engine_drain(e);

    const engine_node *const *nodes;
    size_t ng = engine_node_children(engine_group_root(e), &nodes);
    summary_group *groups = summary_groups_from_engine(nodes, ng);
    size_t ns = engine_scenarios(e, &nodes);
    summary_group *scenarios = summary_groups_from_engine(nodes, ns);
    assert_int_equal(ng, 1);
    assert_int_equal(ns, 2);
    summary_data d = {NULL, 0,    NULL,   0,  NULL,      0,  1.0,  NULL, 0,   false,
                      NULL, true, groups, ng, scenarios, ns, NULL, 0,    NULL};
    char *out = render(&d);
    /* sections in order: the default scenario's group, then bar and foo by name */
    const char *g = strstr(out, "\n  █ GROUP: login \n"), *sbar = strstr(out, "\n  █ SCENARIO: bar \n");
    const char *sfoo = strstr(out, "\n  █ SCENARIO: foo \n");
    assert_non_null(g);
    assert_non_null(sbar);
    assert_non_null(sfoo);
    assert_true(g < sbar && sbar < sfoo);
    expect_no(out, "SCENARIO: default");
    /* default's group: its own 4 requests */
    assert_non_null(strstr(g, "\n    http_reqs............: 4 4/s\n"));
    assert_true(strstr(g, "http_reqs") < sbar);
    /* bar: an iteration and nothing else */
    assert_non_null(strstr(sbar, "\n    EXECUTION\n    iterations.............: 1 1/s\n"));
    assert_true(strstr(sbar, "HTTP") == NULL || strstr(sbar, "HTTP") > sfoo);
    /* foo: all of its 14 requests and 4 checks at the top, then its group's
     * own 5 and its subgroup's 6 */
    const char *want_foo = "\n  █ SCENARIO: foo \n"
                           "\n"
                           "    checks_total.......................: 4      4/s\n"
                           "    checks_succeeded...................: 75.00% 3 out of 4\n"
                           "    checks_failed......................: 25.00% 1 out of 4\n"
                           "\n"
                           "    ✗ is 200\n"
                           "      ↳  75% — ✓ 3 / ✗ 1\n"
                           "\n"
                           "    HTTP\n"
                           "    http_reqs............: 14 14/s\n"
                           "\n"
                           "    ↳ GROUP: login \n"
                           "\n"
                           "      checks_total.......................: 4      4/s\n"
                           "      checks_succeeded...................: 75.00% 3 out of 4\n"
                           "      checks_failed......................: 25.00% 1 out of 4\n"
                           "\n"
                           "      ✗ is 200\n"
                           "          ↳  75% — ✓ 3 / ✗ 1\n"
                           "\n"
                           "      HTTP\n"
                           "      http_reqs............: 5 5/s\n"
                           "\n"
                           "      ↳ GROUP: mfa \n"
                           "\n"
                           "        HTTP\n"
                           "        http_reqs............: 6 6/s\n"
                           "\n";
    if (strcmp(sfoo, want_foo)) {
        print_error("got:\n%s\nwant:\n%s\n", sfoo, want_foo);
        fail();
    }
    free(out);
    summary_groups_free(groups, ng);
    summary_groups_free(scenarios, ns);
    engine_free(e);
    sample_buf_destroy(&b);
    registry_free();
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_duration),
        cmocka_unit_test(test_format_bytes_percent_number),
        cmocka_unit_test_setup_teardown(test_render_full_text, setup, teardown),
        cmocka_unit_test_setup_teardown(test_render_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_render_no_thresholds_no_checks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_render_colors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_render_options, setup, teardown),
        cmocka_unit_test_setup_teardown(test_render_long_name, setup, teardown),
        cmocka_unit_test(test_render_groups_text),
        cmocka_unit_test(test_render_scenarios_from_engine),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
