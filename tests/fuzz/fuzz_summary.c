/* The end-of-test summary (output/summary.c) and handleSummary's data
 * (output/summary_json.c) built from hostile names (metric, submetric tag
 * values, checks, groups, threshold sources: any bytes a script can put
 * there) and extreme values (NaN, infinities, huge counters). The data
 * must stay valid JSON (checked with util/gojson.c, Go's scanner).
 * Input: a control byte, eight doubles' worth of bytes, then up to eight
 * NUL-separated names.
 * FUZZ_ARGS: -max_len=2048 -dict=@DIR@/summary.dict */
#include <stdio.h>
#include "fuzz.h"
#include "output/summary.h"
#include "output/summary_json.h"
#include "util/gojson.h"

static FILE *devnull;

/* A group path as c6 makes them: "::" + name for each level, the names
 * holding no "::" (k6/c6 refuse such group names). */
static char *group_path(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    char *p = malloc(la + lb + 5), *w = p;
    if (!p) abort();
    const char *parts[2] = {a, b};
    for (int i = 0; i < 2; i++) {
        if (i == 1 && !lb) break;
        *w++ = ':';
        *w++ = ':';
        for (const char *r = parts[i]; *r; r++) *w++ = (*r == ':' && r[1] == ':') ? '_' : *r;
    }
    *w = 0;
    return p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!devnull && !(devnull = fopen("/dev/null", "w"))) abort();
    fz_in in = {data, size};
    uint8_t ctl = fz_u8(&in);
    double v[8];
    uint64_t bits[8];
    for (int i = 0; i < 8; i++) {
        bits[i] = (uint64_t)fz_u32(&in) << 32 | fz_u32(&in);
        memcpy(&v[i], &bits[i], sizeof v[i]);
    }
    char *name[8];
    for (int i = 0; i < 8; i++) name[i] = fz_str(&in);

    sink sinks[4];
    summary_metric m[4];
    for (int t = 0; t < 4; t++) {
        sink_init(&sinks[t], (metric_type)t);
        for (int i = 0; i < 8; i++) sink_add(&sinks[t], v[i]);
        m[t] = (summary_metric){name[t], (metric_type)t, (value_kind)((ctl >> t) % 3), &sinks[t]};
    }
    char *g1 = group_path(name[5], ""), *g2 = group_path(name[5], name[7]);
    summary_check checks[2] = {{name[4], g1, bits[0] >> 24, (uint64_t)ctl << 32}, /* counts a run can reach (< 2^40) */
                               {name[4], "", 1, 0}};
    summary_threshold th[2] = {{name[0], name[6], ctl & 1, v[1], NULL}, {name[3], "p(99.9)<1", false, v[2], "p(99.9)"}};
    const char *stats[] = {"avg", "min", "med", "max", "count", "p(90)", "p(99.99)", "p(0)"};
    const char *paths[] = {g2, "::a", g1};
    summary_group sub = {name[7], m, 4, checks, 2, NULL, 0};
    summary_group grp[2] = {{name[5], m, 4, checks, 1, &sub, 1}, {name[6], m + 2, 2, NULL, 0, NULL, 0}};
    static const char *const units[] = {NULL, "", "s", "ms", "us"};
    summary_data d = {
        .metrics = m,
        .nmetrics = 4,
        .checks = checks,
        .nchecks = 2,
        .thresholds = th,
        .nthresholds = 2,
        .duration_s = v[3],
        .trend_stats = ctl & 0x10 ? stats : NULL,
        .ntrend_stats = ctl & 0x10 ? 8 : 0,
        .color = ctl & 0x20,
        .time_unit = units[ctl % 5],
        .full = ctl & 0x40,
        .groups = grp,
        .ngroups = ctl & 0x40 ? 2 : 0,
        .scenarios = grp + 1,
        .nscenarios = ctl & 0x40 ? 1 : 0,
        .group_paths = paths,
        .ngroup_paths = 3,
        .setup_json = ctl & 0x80 ? "{\"a\":[1,\"x\"]}" : NULL,
    };
    summary_render(devnull, &d);
    summary_json_state st = {ctl & 1, ctl & 2, ctl & 4, units[(ctl >> 3) % 5] ? units[(ctl >> 3) % 5] : ""};
    char *json = summary_json(&d, &st);
    if (json) {
        char err[256];
        if (gojson_check(json, strlen(json), err, sizeof err, NULL)) {
            fprintf(stderr, "summary data is not JSON: %s\n%s\n", err, json);
            abort();
        }
        free(json);
    }
    char buf[64];
    for (int i = 0; i < 8; i++) {
        summary_format_value(buf, sizeof buf, v[i], (value_kind)(i % 3));
        summary_format_metric(buf, sizeof buf, v[i], (metric_type)(i % 4), (value_kind)(i % 3), units[i % 5]);
        summary_format_duration(buf, sizeof buf, v[i], units[(i + 1) % 5]);
        summary_format_bytes(buf, sizeof buf, v[i]);
        summary_format_percent(buf, sizeof buf, v[i]);
        summary_format_number(buf, sizeof buf, v[i]);
    }
    for (int t = 0; t < 4; t++) sink_free(&sinks[t]);
    for (int i = 0; i < 8; i++) free(name[i]);
    free(g1);
    free(g2);
    return 0;
}
