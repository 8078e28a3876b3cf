/* k6 options (config/options.c, options_json.c, scenarios.c): a hostile
 * options JSON (script options or a config file) parsed, planned and
 * written back as exec.test.options does; then the same JSON again, which
 * must be accepted as well; and the text forms the flags and K6_* use.
 * Input: byte 0 = origin (bit 0: config file) and text option picked,
 * then "json\0text value".
 * FUZZ_ARGS: -max_len=8192 -dict=@DIR@/options.dict */
#include <stdio.h>
#include <stdlib.h>
#include "fuzz.h"
#include "config/options.h"
#include "config/options_json.h"

static const char *const text_keys[] = {
    "vus",
    "duration",
    "iterations",
    "stages",
    "batch",
    "blacklistIPs",
    "userAgent",
    "summaryTrendStats",
    "systemTags",
    "tlsVersion",
    "tlsCipherSuites",
    "setupTimeout",
    "hosts",
    "maxRedirects",
    "rps",
    "dns",
    "minIterationDuration",
    "executionSegment",
    "executionSegmentSequence",
    "tlsAuth",
    "summaryTimeUnit",
    "blockHostnames",
    "localIPs",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    /* the same machine on every host: 512 MiB (exec/capacity.h), so that what
     * it cannot hold (VUs, or ramps that take gigabytes to plan) is refused
     * before it is planned, as c6 run does with the host's own figures */
    static bool machine_set;
    if (!machine_set) machine_set = setenv("C6_TEST_MEMORY", "536870912", 1) == 0;
    fz_in in = {data, size};
    uint8_t sel = fz_u8(&in);
    char *json = fz_str(&in), *text = fz_str(&in);
    const char *origin = sel & 1 ? "k6.json" : "script options";
    char err[1024];
    c6_options o;
    options_init(&o);
    if (options_from_json(json, origin, &o, err, sizeof err) == 0) {
        c6_plan plan;
        memset(&plan, 0, sizeof plan);
        /* huge VU counts are refused by the plan itself (exec/capacity.h),
         * before they are planned per VU */
        if (options_plan(&o, &plan, err, sizeof err) == 0) {
            char *out = options_to_json(&o, &plan);
            free(out);
        }
        options_plan_free(&plan);
        c6_options o2, merged;
        options_init(&o2);
        options_init(&merged);
        if (options_from_json(json, origin, &o2, err, sizeof err)) abort(); /* same input, same answer */
        options_merge(&merged, &o2);
        options_merge(&merged, &o);
        options_free(&o2);
        options_free(&merged);
    } else if (!err[0]) abort();
    options_free(&o);

    options_init(&o);
    const char *key = text_keys[(sel >> 1) % (sizeof text_keys / sizeof *text_keys)];
    options_set_text(&o, key, text, err, sizeof err);
    c6_stage *st = NULL;
    size_t n = 0;
    options_parse_stages(text, &st, &n, err, sizeof err);
    free(st);
    char **stats = NULL;
    n = 0;
    if (options_parse_trend_stats(text, &stats, &n, err, sizeof err) == 0 || stats) {
        for (size_t i = 0; i < n; i++) free(stats[i]);
        free(stats);
    }
    options_parse_system_tags(text, &o, err, sizeof err);
    options_free(&o);

    /* the same text in a K6_* variable */
    static const char *const env_names[] = {
        "K6_VUS",
        "K6_DURATION",
        "K6_ITERATIONS",
        "K6_STAGES",
        "K6_NO_THRESHOLDS",
        "K6_INSECURE_SKIP_TLS_VERIFY",
        "K6_USER_AGENT",
        "K6_SUMMARY_TREND_STATS",
        "K6_SETUP_TIMEOUT",
        "K6_TLS_VERSION",
        "K6_TLS_CIPHER_SUITES",
    };
    const char *ename = env_names[(sel >> 1) % (sizeof env_names / sizeof *env_names)];
    size_t elen = strlen(ename) + strlen(text) + 2;
    char *var = malloc(elen);
    if (!var) abort();
    snprintf(var, elen, "%s=%s", ename, text);
    char *envp[] = {var, NULL};
    options_init(&o);
    if (options_from_env(envp, &o, err, sizeof err) && !err[0]) abort();
    options_free(&o);
    free(var);
    free(json);
    free(text);
    return 0;
}
