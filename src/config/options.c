/* options.c - k6 options from JSON and env, consolidation, execution plan.
 *
 * What k6 (v2) does, and what this file follows (sources: k6 docs "How to
 * use options", "Executors", the option reference, and k6's behaviour):
 *
 * Precedence: defaults < config file < script options < K6_* env < flags.
 *   duration/iterations/stages/scenarios form one group: a source that sets
 *   any of them replaces the whole group of every lower source ("-d 30s"
 *   beats a script's `iterations`, they are not combined). vus is separate.
 *   --tag (and options.tags from any source) replaces tags, never merges.
 *
 * Shortcut -> executor (all named "default", gracefulStop 30s):
 *   iterations (+vus, +duration) -> shared-iterations; vus default 1;
 *                                   duration becomes maxDuration (default 10m)
 *   duration (+vus)              -> constant-vus; vus default 1
 *   stages (+vus)                -> ramping-vus; startVUs = vus, default 1;
 *                                   gracefulRampDown 30s
 *   only vus                     -> shared-iterations with iterations = vus
 *                                   (k6 before v2 ignored a lone vus)
 *   nothing, or stages: []       -> per-vu-iterations, 1 VU x 1 iteration
 * options.scenarios (parsed and validated in scenarios.c) replaces the
 *   shortcuts; vus is then ignored. An empty scenarios object runs as if
 *   nothing were set (k6 warns). A higher source's -d/-i/-s replaces a
 *   script's scenarios (group rule above). The scenarios' validation errors
 *   are reported only when they are the scenarios used, since k6 validates
 *   after consolidation; their JSON errors (unknown executor or option,
 *   wrong type) fail at once, as k6's decoding does.
 * Rejected (exit 104): iterations or duration together with non-empty
 *   stages or with scenarios (even {}), stages with scenarios (same source:
 *   lower sources were already dropped by the group rule); duration <= 0 ("0" included:
 *   k6 points to externally-controlled for endless tests); vus <= 0 with
 *   iterations, duration or alone; iterations < vus; a constant-vus duration
 *   or a shared-iterations maxDuration under 1s; for stages: negative
 *   startVUs, negative or missing target, negative duration, and all of
 *   startVUs and targets 0.
 * Value syntax: JSON numbers for durations are milliseconds, strings use
 *   duration_parse (a bare number in a string is milliseconds too); integer
 *   options accept numeric strings and "" means unset (k6's null types);
 *   null means unset; unknown keys are ignored; thresholds per metric must
 *   be an array of strings or {threshold, abortOnFail, delayAbortEval};
 *   tags values must be strings. noThresholds and summaryExport come only
 *   from flags and env (k6 "runtime options"), so JSON ignores them.
 * Deliberate difference: k6 silently drops a stage without a duration; c6
 *   reports it (options.stages[N].duration: missing).
 */
#include "config/options.h"
#include "util/err.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/duration.h"
#include "config/executor_def.h"
#include "config/jsonval.h"
#include "util/strconv.h"
#include "config/connopts.h"
#include "config/tlsnames.h"
#include "exec/capacity.h"

#define MIN_EXEC_DURATION_US C6_US_PER_SEC /* k6 rejects shorter scenarios */

/* ------------------------------------------------------------------------ */
/* Small helpers                                                            */

/* Copies [s, s+n) without surrounding blanks. */
static char *dup_trimmed(const char *s, size_t n) {
    while (n && isspace((unsigned char)*s)) s++, n--;
    while (n && isspace((unsigned char)s[n - 1])) n--;
    char *r = malloc(n + 1);
    if (!r) return NULL; /* out of memory: the caller reports it */
    memcpy(r, s, n);
    r[n] = '\0';
    return r;
}

static void strv_free(char **v, size_t n) {
    for (size_t i = 0; i < n; i++) free(v[i]);
    free(v);
}

/* Consolidation (options_merge, options_plan) runs once at start, after
 * every source has been parsed: its copies end c6 when memory runs out
 * (util/err.h, x*), the parsers above them report it instead. */
static char *merge_strdup(const char *s) { return s ? xstrdup(s) : NULL; }

static char **strv_dup(char *const *v, size_t n) {
    char **r = xrealloc(NULL, n * sizeof(*r));
    for (size_t i = 0; i < n; i++) r[i] = merge_strdup(v[i]);
    return r;
}

static void threshold_set_free(c6_threshold_set *t) {
    free(t->metric);
    strv_free(t->exprs, t->nexprs);
    free(t->abort_on_fail);
    free(t->delay_abort_eval_us);
}

static void thresholds_free(c6_threshold_set *t, size_t n) {
    for (size_t i = 0; i < n; i++) threshold_set_free(&t[i]);
    free(t);
}

static c6_threshold_set *thresholds_dup(const c6_threshold_set *t, size_t n) {
    c6_threshold_set *r = xrealloc(NULL, n * sizeof(*r));
    for (size_t i = 0; i < n; i++) {
        size_t k = t[i].nexprs;
        r[i].metric = merge_strdup(t[i].metric);
        r[i].exprs = strv_dup(t[i].exprs, k);
        r[i].nexprs = k;
        /* (an empty list has no arrays to copy: no memcpy from NULL) */
        r[i].abort_on_fail = xrealloc(NULL, k * sizeof(bool));
        if (k) memcpy(r[i].abort_on_fail, t[i].abort_on_fail, k * sizeof(bool));
        r[i].delay_abort_eval_us = xrealloc(NULL, k * sizeof(int64_t));
        if (k) memcpy(r[i].delay_abort_eval_us, t[i].delay_abort_eval_us, k * sizeof(int64_t));
    }
    return r;
}

void options_init(c6_options *o) { memset(o, 0, sizeof(*o)); }

static void scenarios_free(c6_scenario *s, size_t n) {
    for (size_t i = 0; i < n; i++) scenario_free(&s[i]);
    free(s);
}

static c6_scenario *scenarios_dup(const c6_scenario *s, size_t n) {
    c6_scenario *r = n ? xrealloc(NULL, n * sizeof(*r)) : NULL;
    for (size_t i = 0; i < n; i++)
        if (scenario_copy(&r[i], &s[i])) out_of_memory_exit();
    return r;
}

static void tls_auth_free(c6_tls_auth *a, size_t n) {
    for (size_t i = 0; i < n; i++) {
        strv_free(a[i].domains, a[i].ndomains);
        free(a[i].cert);
        free(a[i].key);
        free(a[i].password);
    }
    free(a);
}

static c6_tls_auth *tls_auth_dup(const c6_tls_auth *a, size_t n) {
    c6_tls_auth *r = n ? xrealloc(NULL, n * sizeof(*r)) : NULL;
    for (size_t i = 0; i < n; i++) {
        r[i].domains = strv_dup(a[i].domains, a[i].ndomains);
        r[i].ndomains = a[i].ndomains;
        r[i].cert = merge_strdup(a[i].cert);
        r[i].key = merge_strdup(a[i].key);
        r[i].password = merge_strdup(a[i].password);
    }
    return r;
}

struct field_def;
static void field_release(c6_options *o, const struct field_def *f);
static size_t fields_count(void);
static const struct field_def *field_at(size_t i);

void options_free(c6_options *o) {
    for (size_t i = 0; i < fields_count(); i++) field_release(o, field_at(i));
    free(o->scenarios_error);
    free(o->scenarios_json);
    free(o->unknown_field);
    free(o->cloud_json);
    free(o->ext_json);
    options_init(o);
}

/* ------------------------------------------------------------------------ */
/* Stage lists and trend stats (shared by env, JSON and CLI flags)           */

static int parse_stage(const char *text, c6_stage *st, char *err, size_t errlen) {
    char derr[200];
    const char *colon = strchr(text, ':');
    size_t dlen = colon ? (size_t)(colon - text) : strlen(text);
    if (dlen == 0) return err_set(err, errlen, "stage \"%s\": missing duration", text);
    char *dur = dup_trimmed(text, dlen);
    if (!dur) return err_oom(err, errlen);
    int rc = duration_parse_flag(dur, &st->duration_us, derr, sizeof(derr));
    free(dur);
    if (rc != 0) return err_set(err, errlen, "stage \"%s\": %s", text, derr);

    char *tgt = colon ? dup_trimmed(colon + 1, strlen(colon + 1)) : c6_strdup("");
    if (!tgt) return err_oom(err, errlen);
    rc = strconv_parse_i64(tgt, &st->target);
    if (rc != 0 && *tgt == '\0')
        err_set(err, errlen, "stage \"%s\": missing target (use duration:target, e.g. 30s:10)", text);
    else if (rc != 0) err_set(err, errlen, "stage \"%s\": target \"%s\" is not an integer", text, tgt);
    free(tgt);
    return rc;
}

/* Calls fn on each comma-separated, blank-trimmed item of list. Empty items
 * ("a,,b", a trailing comma) are skipped: k6 drops empty stages too. */
static int for_each_item(const char *list, int (*fn)(const char *item, void *ctx), void *ctx, char *err,
                         size_t errlen) {
    const char *p = list;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        char *item = dup_trimmed(p, n);
        if (!item) return err_oom(err, errlen);
        int rc = *item ? fn(item, ctx) : 0;
        free(item);
        if (rc != 0) return -1;
        if (!comma) break;
        p = comma + 1;
    }
    return 0;
}

typedef struct {
    c6_stage **stages;
    size_t *n;
    char *err;
    size_t errlen;
} stage_list_ctx;

static int stage_item(const char *item, void *vctx) {
    stage_list_ctx *c = vctx;
    c6_stage st;
    if (parse_stage(item, &st, c->err, c->errlen) != 0) return -1;
    if (grow_array(c->stages, *c->n + 1, sizeof(**c->stages))) return err_oom(c->err, c->errlen);
    (*c->stages)[(*c->n)++] = st;
    return 0;
}

int options_parse_stages(const char *list, c6_stage **stages, size_t *n, char *err, size_t errlen) {
    stage_list_ctx c = {stages, n, err, errlen};
    return for_each_item(list, stage_item, &c, err, errlen);
}

/* avg, min, med, max, count, or p(N) with 0 <= N <= 100 (k6's set). */
static int check_trend_stat(const char *st, char *err, size_t errlen) {
    static const char *fixed[] = {"avg", "min", "med", "max", "count"};
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        if (strcmp(st, fixed[i]) == 0) return 0;

    /* k6's texts (metrics, parsePercentile) */
    size_t len = strlen(st);
    if (len < 3 || strncmp(st, "p(", 2) != 0 || st[len - 1] != ')')
        return err_set(err, errlen, "invalid trend stat '%s', unknown format", st);
    /* Inside the parentheses: digits with at most one dot, as in "p(99.9)". */
    const char *num = st + 2, *close = st + len - 1;
    size_t digits = 0, dots = 0, others = 0;
    for (const char *q = num; q < close; q++) {
        if (isdigit((unsigned char)*q)) digits++;
        else if (*q == '.') dots++;
        else others++;
    }
    double p = (digits && dots <= 1 && !others) ? strtod(num, NULL) : -1;
    if (p < 0 || p > 100)
        return err_set(err, errlen, "invalid percentile trend stat value '%s', provide a number between 0 and 100", st);
    return 0;
}

typedef struct {
    char ***stats;
    size_t *n;
    char *err;
    size_t errlen;
} stat_list_ctx;

static int stat_item(const char *item, void *vctx) {
    stat_list_ctx *c = vctx;
    if (check_trend_stat(item, c->err, c->errlen) != 0) return -1;
    char *copy = c6_strdup(item);
    if (!copy || grow_array(c->stats, *c->n + 1, sizeof(**c->stats))) {
        free(copy);
        return err_oom(c->err, c->errlen);
    }
    (*c->stats)[(*c->n)++] = copy;
    return 0;
}

int options_parse_trend_stats(const char *list, char ***stats, size_t *n, char *err, size_t errlen) {
    stat_list_ctx c = {stats, n, err, errlen};
    return for_each_item(list, stat_item, &c, err, errlen);
}

/* ------------------------------------------------------------------------ */
/* The fields k6 reads from JSON (script/config) and from K6_* variables     */

typedef enum {
    F_INT,
    F_DURATION,
    F_BOOL,
    F_STRING,
    F_STAGES,
    F_TREND_STATS,
    F_THRESHOLDS,
    F_TAGS,
    F_SCENARIOS,
    F_SYSTEM_TAGS,
    F_TLS_VERSION,
    F_TLS_SUITES,
    F_TLS_AUTH,
    F_HOSTS,
    F_DNS,
    F_HOSTNAMES,
    F_CIDRS,
    F_LOCAL_IPS
} field_kind;

/* One option: where JSON and the environment name it, and where it lives
 * in c6_options. Reading (JSON, env, flags), merging and freeing all go by
 * this table. */
typedef struct field_def {
    const char *json; /* key in script options / config file; NULL: flags and env only */
    const char *env;  /* K6_* variable; NULL: not settable from the environment */
    field_kind kind;
    size_t set_off;  /* offsetof the _set flag */
    size_t val_off;  /* offsetof the value (lists: the array; tlsVersion: min) */
    size_t n_off;    /* lists: offsetof the count (tlsVersion: max); else 0 */
    bool exec_group; /* duration, iterations, stages, scenarios: merged as one group */
} field_def;

#define SCALAR(f, v)        offsetof(c6_options, f), offsetof(c6_options, v), 0, false
#define LIST(f, v, n)       offsetof(c6_options, f), offsetof(c6_options, v), offsetof(c6_options, n), false
#define GROUP_SCALAR(f, v)  offsetof(c6_options, f), offsetof(c6_options, v), 0, true
#define GROUP_LIST(f, v, n) offsetof(c6_options, f), offsetof(c6_options, v), offsetof(c6_options, n), true

static const field_def FIELDS[] = {
    {"vus", "K6_VUS", F_INT, SCALAR(vus_set, vus)},
    {"duration", "K6_DURATION", F_DURATION, GROUP_SCALAR(duration_set, duration_us)},
    {"iterations", "K6_ITERATIONS", F_INT, GROUP_SCALAR(iterations_set, iterations)},
    {"stages", "K6_STAGES", F_STAGES, GROUP_LIST(stages_set, stages, nstages)},
    {"thresholds", NULL, F_THRESHOLDS, LIST(thresholds_set, thresholds, nthresholds)},
    {"tags", NULL, F_TAGS, LIST(tags_set, tags, ntags)},
    {"summaryTrendStats", "K6_SUMMARY_TREND_STATS", F_TREND_STATS,
     LIST(summary_trend_stats_set, summary_trend_stats, nsummary_trend_stats)},
    {NULL, "K6_NO_THRESHOLDS", F_BOOL, SCALAR(no_thresholds_set, no_thresholds)},
    {"insecureSkipTLSVerify", "K6_INSECURE_SKIP_TLS_VERIFY", F_BOOL,
     SCALAR(insecure_skip_tls_verify_set, insecure_skip_tls_verify)},
    {"userAgent", "K6_USER_AGENT", F_STRING, SCALAR(user_agent_set, user_agent)},
    {"setupTimeout", "K6_SETUP_TIMEOUT", F_DURATION, SCALAR(setup_timeout_set, setup_timeout_us)},
    {"teardownTimeout", "K6_TEARDOWN_TIMEOUT", F_DURATION, SCALAR(teardown_timeout_set, teardown_timeout_us)},
    {NULL, "K6_SUMMARY_EXPORT", F_STRING, SCALAR(summary_export_set, summary_export)},
    {"scenarios", NULL, F_SCENARIOS, GROUP_LIST(scenarios_set, scenarios, nscenarios)},
    {"summaryTimeUnit", "K6_SUMMARY_TIME_UNIT", F_STRING, SCALAR(summary_time_unit_set, summary_time_unit)},
    {"systemTags", "K6_SYSTEM_TAGS", F_SYSTEM_TAGS, LIST(system_tags_set, system_tags, nsystem_tags)},
    {"executionSegment", "K6_EXECUTION_SEGMENT", F_STRING, SCALAR(execution_segment_set, execution_segment)},
    {"executionSegmentSequence", "K6_EXECUTION_SEGMENT_SEQUENCE", F_STRING,
     SCALAR(execution_segment_sequence_set, execution_segment_sequence)},
    {"paused", "K6_PAUSED", F_BOOL, SCALAR(paused_set, paused)},
    {"httpDebug", "K6_HTTP_DEBUG", F_STRING, SCALAR(http_debug_set, http_debug)},
    {"rps", "K6_RPS", F_INT, SCALAR(rps_set, rps)},
    {"minIterationDuration", "K6_MIN_ITERATION_DURATION", F_DURATION,
     SCALAR(min_iteration_duration_set, min_iteration_duration_us)},
    {"noSetup", "K6_NO_SETUP", F_BOOL, SCALAR(no_setup_set, no_setup)},
    {"noTeardown", "K6_NO_TEARDOWN", F_BOOL, SCALAR(no_teardown_set, no_teardown)},
    {"tlsVersion", "K6_TLS_VERSION", F_TLS_VERSION, LIST(tls_version_set, tls_version_min, tls_version_max)},
    {"tlsCipherSuites", "K6_TLS_CIPHER_SUITES", F_TLS_SUITES,
     LIST(tls_cipher_suites_set, tls_cipher_suites, ntls_cipher_suites)},
    {"tlsAuth", NULL, F_TLS_AUTH, LIST(tls_auth_set, tls_auth, ntls_auth)},
    {"hosts", NULL, F_HOSTS, LIST(hosts_set, hosts, nhosts)},
    {"dns", "K6_DNS", F_DNS, SCALAR(dns_set, dns)},
    {"blockHostnames", "K6_BLOCK_HOSTNAMES", F_HOSTNAMES, LIST(block_hostnames_set, block_hostnames, nblock_hostnames)},
    {"blacklistIPs", "K6_BLACKLIST_IPS", F_CIDRS, LIST(blacklist_ips_set, blacklist_ips, nblacklist_ips)},
    {"localIPs", "K6_LOCAL_IPS", F_LOCAL_IPS, SCALAR(local_ips_set, local_ips)},
    {"noConnectionReuse", "K6_NO_CONNECTION_REUSE", F_BOOL, SCALAR(no_connection_reuse_set, no_connection_reuse)},
    {"noVUConnectionReuse", "K6_NO_VU_CONNECTION_REUSE", F_BOOL,
     SCALAR(no_vu_connection_reuse_set, no_vu_connection_reuse)},
    {"throw", "K6_THROW", F_BOOL, SCALAR(throw_set, throw_errors)},
    {"discardResponseBodies", "K6_DISCARD_RESPONSE_BODIES", F_BOOL,
     SCALAR(discard_response_bodies_set, discard_response_bodies)},
    {"maxRedirects", "K6_MAX_REDIRECTS", F_INT, SCALAR(max_redirects_set, max_redirects)},
    {"batch", "K6_BATCH", F_INT, SCALAR(batch_set, batch)},
    {"batchPerHost", "K6_BATCH_PER_HOST", F_INT, SCALAR(batch_per_host_set, batch_per_host)},
};

#define NFIELDS (sizeof(FIELDS) / sizeof(FIELDS[0]))

static bool *field_set(c6_options *o, const field_def *f) { return (bool *)((char *)o + f->set_off); }

static void *field_val(c6_options *o, const field_def *f) { return (char *)o + f->val_off; }

static size_t fields_count(void) { return NFIELDS; }
static const field_def *field_at(size_t i) { return &FIELDS[i]; }

/* Frees what f owns in o. */
static void field_release(c6_options *o, const field_def *f) {
    void *v = field_val(o, f);
    size_t n = f->n_off && f->kind != F_TLS_VERSION ? *(size_t *)((char *)o + f->n_off) : 0;
    switch (f->kind) {
    case F_INT:
    case F_DURATION:
    case F_BOOL: break;
    case F_STRING:
    case F_DNS:
    case F_LOCAL_IPS:
    case F_STAGES: free(*(void **)v); break;
    case F_TLS_VERSION:
        free(*(char **)v);
        free(*(char **)((char *)o + f->n_off));
        break;
    case F_TREND_STATS:
    case F_SYSTEM_TAGS:
    case F_TLS_SUITES:
    case F_HOSTNAMES:
    case F_CIDRS: strv_free(*(char ***)v, n); break;
    case F_THRESHOLDS: thresholds_free(*(c6_threshold_set **)v, n); break;
    case F_TAGS:
    case F_HOSTS: c6_kv_free(*(c6_kv **)v, n); break;
    case F_TLS_AUTH: tls_auth_free(*(c6_tls_auth **)v, n); break;
    case F_SCENARIOS: scenarios_free(*(c6_scenario **)v, n); break;
    }
}

/* ------------------------------------------------------------------------ */
/* JSON (script `options`, config file)                                      */

typedef struct {
    char prefix[256]; /* "options." or "k6.json: " */
    const char *origin;
    char *err;
    size_t errlen;
} jctx;

__attribute__((format(printf, 3, 4))) static int jfail(const jctx *c, const char *path, const char *fmt, ...) {
    if (!c->err || !c->errlen) return -1;
    int n = snprintf(c->err, c->errlen, "%s%s: ", c->prefix, path);
    if (n < 0 || (size_t)n >= c->errlen) return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

static int opts_json_i64(const jctx *c, const char *path, const cJSON *v, bool *set, int64_t *out) {
    return cfg_json_i64(v, c->prefix, path, out, set, c->err, c->errlen);
}

static int opts_json_duration(const jctx *c, const char *path, const cJSON *v, int64_t *out) {
    return cfg_json_duration(v, c->prefix, path, false, out, c->err, c->errlen);
}

static int opts_json_stages(const jctx *c, const cJSON *v, c6_options *o) {
    if (cfg_json_stages(v, c->prefix, "stages", CFG_STAGES_OPTIONS, &o->stages, &o->nstages, NULL, 0, c->err,
                        c->errlen) != 0)
        return -1;
    o->stages_set = true;
    return 0;
}

static int json_trend_stats(const jctx *c, const cJSON *v, c6_options *o) {
    char path[64], serr[200];
    if (!cJSON_IsArray(v)) return jfail(c, "summaryTrendStats", "must be an array of strings");
    int n = cJSON_GetArraySize(v);
    if (grow_array(&o->summary_trend_stats, (size_t)n, sizeof(char *))) return err_oom(c->err, c->errlen);
    for (int i = 0; i < n; i++) {
        const cJSON *s = cJSON_GetArrayItem(v, i);
        snprintf(path, sizeof(path), "summaryTrendStats[%d]", i);
        if (!cJSON_IsString(s)) return jfail(c, path, "must be a string");
        if (check_trend_stat(s->valuestring, serr, sizeof(serr)) != 0) return jfail(c, path, "%s", serr);
        if (!(o->summary_trend_stats[o->nsummary_trend_stats] = c6_strdup(s->valuestring)))
            return err_oom(c->err, c->errlen);
        o->nsummary_trend_stats++;
    }
    o->summary_trend_stats_set = true;
    return 0;
}

/* One element of thresholds[metric]: "p(95)<200" or {threshold, abortOnFail,
 * delayAbortEval}. */
static int json_threshold(const jctx *c, const char *path, const cJSON *v, c6_threshold_set *t) {
    char sub[400];
    size_t k = t->nexprs;
    bool abort_on_fail = false;
    int64_t delay = 0;
    const char *expr;

    if (cJSON_IsString(v)) {
        expr = v->valuestring;
    } else if (cJSON_IsObject(v)) {
        const cJSON *e = cJSON_GetObjectItem(v, "threshold");
        const cJSON *a = cJSON_GetObjectItem(v, "abortOnFail");
        const cJSON *d = cJSON_GetObjectItem(v, "delayAbortEval");
        snprintf(sub, sizeof(sub), "%s.threshold", path);
        if (!cJSON_IsString(e)) return jfail(c, sub, "must be a string like \"p(95)<200\"");
        expr = e->valuestring;
        snprintf(sub, sizeof(sub), "%s.abortOnFail", path);
        if (a && !cJSON_IsNull(a) && !cJSON_IsBool(a)) return jfail(c, sub, "must be true or false");
        abort_on_fail = cJSON_IsTrue(a);
        snprintf(sub, sizeof(sub), "%s.delayAbortEval", path);
        if (d && !cJSON_IsNull(d) && opts_json_duration(c, sub, d, &delay) != 0) return -1;
    } else {
        return jfail(c, path,
                     "must be a string like \"p(95)<200\" or an object "
                     "{threshold, abortOnFail, delayAbortEval}");
    }
    /* (each array keeps its old block when one fails: nexprs still counts them all) */
    if (grow_array(&t->exprs, k + 1, sizeof(char *)) || grow_array(&t->abort_on_fail, k + 1, sizeof(bool)) ||
        grow_array(&t->delay_abort_eval_us, k + 1, sizeof(int64_t)) || !(t->exprs[k] = c6_strdup(expr)))
        return err_oom(c->err, c->errlen);
    t->abort_on_fail[k] = abort_on_fail;
    t->delay_abort_eval_us[k] = delay;
    t->nexprs = k + 1;
    return 0;
}

static int json_thresholds(const jctx *c, const cJSON *v, c6_options *o) {
    char path[300];
    if (!cJSON_IsObject(v)) return jfail(c, "thresholds", "must be an object of metric: [...]");
    o->thresholds_set = true;
    for (const cJSON *m = v->child; m; m = m->next) {
        if (cJSON_IsNull(m)) continue;
        snprintf(path, sizeof(path), "thresholds.%.200s", m->string);
        if (!cJSON_IsArray(m)) return jfail(c, path, "must be an array of thresholds, like [\"p(95)<200\"]");
        if (grow_array(&o->thresholds, o->nthresholds + 1, sizeof(c6_threshold_set))) return err_oom(c->err, c->errlen);
        c6_threshold_set *t = &o->thresholds[o->nthresholds++];
        memset(t, 0, sizeof(*t));
        if (!(t->metric = c6_strdup(m->string))) return err_oom(c->err, c->errlen);
        int i = 0;
        for (const cJSON *e = m->child; e; e = e->next, i++) {
            char epath[320];
            snprintf(epath, sizeof(epath), "%s[%d]", path, i);
            if (json_threshold(c, epath, e, t) != 0) return -1;
        }
    }
    return 0;
}

/* Appends a copy of key: value; -1 when out of memory (the list unchanged). */
static int add_kv(c6_kv **kv, size_t *n, const char *key, const char *value) {
    c6_kv e = {c6_strdup(key), c6_strdup(value)};
    if (!e.key || !e.value || grow_array(kv, *n + 1, sizeof **kv)) {
        free(e.key);
        free(e.value);
        return -1;
    }
    (*kv)[(*n)++] = e;
    return 0;
}

/* Appends a copy of s; -1 when out of memory (the list unchanged). */
static int add_str(char ***list, size_t *n, const char *s) {
    char *copy = c6_strdup(s);
    if (!copy || grow_array(list, *n + 1, sizeof **list)) {
        free(copy);
        return -1;
    }
    (*list)[(*n)++] = copy;
    return 0;
}

/* An empty tags object does not override lower sources (as in k6). */
static int json_tags(const jctx *c, const cJSON *v, c6_options *o) {
    char path[300];
    if (!cJSON_IsObject(v)) return jfail(c, "tags", "must be an object of name: \"value\"");
    for (const cJSON *t = v->child; t; t = t->next) {
        if (cJSON_IsNull(t)) continue;
        snprintf(path, sizeof(path), "tags.%.200s", t->string);
        if (!cJSON_IsString(t)) return jfail(c, path, "must be a string");
        if (add_kv(&o->tags, &o->ntags, t->string, t->valuestring)) return err_oom(c->err, c->errlen);
    }
    o->tags_set = o->ntags > 0;
    return 0;
}

int options_add_system_tag(c6_options *o, const char *name) { return add_str(&o->system_tags, &o->nsystem_tags, name); }

int options_parse_system_tags(const char *list, c6_options *o, char *err, size_t errlen) {
    char *copy = c6_strdup(list);
    if (!copy) return err_oom(err, errlen);
    int rc = 0;
    for (char *save = NULL, *t = strtok_r(copy, ",", &save); t && rc == 0; t = strtok_r(NULL, ",", &save)) {
        while (*t == ' ') t++;
        char *e = t + strlen(t);
        while (e > t && e[-1] == ' ') *--e = 0;
        if (*t) rc = options_add_system_tag(o, t);
    }
    free(copy);
    if (rc) return err_oom(err, errlen);
    o->system_tags_set = true;
    return 0;
}

/* ---- TLS options ---- */

static int check_tls_version(const char *name, char *err, size_t errlen) {
    if (tls_version_from_name(name) >= 0) return 0;
    return err_set(err, errlen, "unknown TLS version \"%.64s\" (use ssl3.0, tls1.0, tls1.1, tls1.2 or tls1.3)", name);
}

/* tlsVersion: "tls1.2" (exactly that version) or {min, max} (either may be
 * left out: that side stays open). */
static int json_tls_version(const jctx *c, const cJSON *v, c6_options *o) {
    char e[160];
    if (cJSON_IsString(v)) {
        if (check_tls_version(v->valuestring, e, sizeof(e)) != 0) return jfail(c, "tlsVersion", "%s", e);
        o->tls_version_min = c6_strdup(v->valuestring);
        o->tls_version_max = c6_strdup(v->valuestring);
        if (!o->tls_version_min || !o->tls_version_max) return err_oom(c->err, c->errlen);
        return o->tls_version_set = true, 0;
    }
    if (!cJSON_IsObject(v)) return jfail(c, "tlsVersion", "must be a version like \"tls1.2\" or an object {min, max}");
    static const char *const keys[] = {"min", "max"};
    char **dst[] = {&o->tls_version_min, &o->tls_version_max};
    for (int i = 0; i < 2; i++) {
        const cJSON *b = cJSON_GetObjectItem(v, keys[i]);
        char path[32];
        snprintf(path, sizeof(path), "tlsVersion.%s", keys[i]);
        if (!b || cJSON_IsNull(b) || (cJSON_IsString(b) && !*b->valuestring)) continue;
        if (!cJSON_IsString(b)) return jfail(c, path, "must be a version string like \"tls1.2\"");
        if (check_tls_version(b->valuestring, e, sizeof(e)) != 0) return jfail(c, path, "%s", e);
        if (!(*dst[i] = c6_strdup(b->valuestring))) return err_oom(c->err, c->errlen);
    }
    return o->tls_version_set = true, 0;
}

static int add_tls_suite(c6_options *o, const char *name, char *err, size_t errlen) {
    if (!tls_cipher_known(name))
        return err_set(err, errlen,
                       "unknown cipher suite \"%.80s\" (use Go's names, e.g. "
                       "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)",
                       name);
    if (add_str(&o->tls_cipher_suites, &o->ntls_cipher_suites, name)) return err_oom(err, errlen);
    return 0;
}

static int json_tls_suites(const jctx *c, const cJSON *v, c6_options *o) {
    char path[64], e[200];
    if (!cJSON_IsArray(v)) return jfail(c, "tlsCipherSuites", "must be an array of cipher suite names");
    int i = 0;
    for (const cJSON *it = v->child; it; it = it->next, i++) {
        snprintf(path, sizeof(path), "tlsCipherSuites[%d]", i);
        if (!cJSON_IsString(it)) return jfail(c, path, "must be a string");
        if (add_tls_suite(o, it->valuestring, e, sizeof(e)) != 0) return jfail(c, path, "%s", e);
    }
    return o->tls_cipher_suites_set = true, 0;
}

static int json_tls_auth_entry(const jctx *c, const char *path, const cJSON *v, c6_tls_auth *a) {
    char sub[96];
    if (!cJSON_IsObject(v)) return jfail(c, path, "must be an object {domains, cert, key, password}");
    static const char *const keys[] = {"cert", "key"};
    char **dst[] = {&a->cert, &a->key};
    for (int i = 0; i < 2; i++) {
        const cJSON *s = cJSON_GetObjectItem(v, keys[i]);
        snprintf(sub, sizeof(sub), "%s.%s", path, keys[i]);
        if (!s || cJSON_IsNull(s)) return jfail(c, sub, "missing (a PEM block is required)");
        if (!cJSON_IsString(s)) return jfail(c, sub, "must be a PEM string");
        if (!(*dst[i] = c6_strdup(s->valuestring))) return err_oom(c->err, c->errlen);
    }
    const cJSON *pw = cJSON_GetObjectItem(v, "password");
    snprintf(sub, sizeof(sub), "%s.password", path);
    if (pw && !cJSON_IsNull(pw) && !cJSON_IsString(pw)) return jfail(c, sub, "must be a string");
    if (cJSON_IsString(pw) && *pw->valuestring && !(a->password = c6_strdup(pw->valuestring)))
        return err_oom(c->err, c->errlen);
    const cJSON *d = cJSON_GetObjectItem(v, "domains");
    snprintf(sub, sizeof(sub), "%s.domains", path);
    if (!d || cJSON_IsNull(d)) return 0;
    if (!cJSON_IsArray(d)) return jfail(c, sub, "must be an array of host names");
    for (const cJSON *it = d->child; it; it = it->next) {
        if (!cJSON_IsString(it)) return jfail(c, sub, "must be an array of host names");
        if (add_str(&a->domains, &a->ndomains, it->valuestring)) return err_oom(c->err, c->errlen);
    }
    return 0;
}

static int json_tls_auth(const jctx *c, const cJSON *v, c6_options *o) {
    char path[64];
    if (!cJSON_IsArray(v)) return jfail(c, "tlsAuth", "must be an array of {domains, cert, key, password}");
    int i = 0;
    for (const cJSON *it = v->child; it; it = it->next, i++) {
        snprintf(path, sizeof(path), "tlsAuth[%d]", i);
        if (grow_array(&o->tls_auth, o->ntls_auth + 1, sizeof(c6_tls_auth))) return err_oom(c->err, c->errlen);
        c6_tls_auth *a = &o->tls_auth[o->ntls_auth++];
        memset(a, 0, sizeof(*a));
        if (json_tls_auth_entry(c, path, it, a) != 0) return -1;
    }
    return o->tls_auth_set = true, 0;
}

/* hosts: {"name[:port]": "IP[:port]"}; both sides validated now. */
static int json_hosts(const jctx *c, const cJSON *v, c6_options *o) {
    if (!cJSON_IsObject(v)) return jfail(c, "hosts", "must be an object of host name -> IP[:port]");
    const cJSON *it;
    char e[256], path[300];
    cJSON_ArrayForEach(it, v) {
        snprintf(path, sizeof(path), "hosts[\"%.200s\"]", it->string);
        if (!cJSON_IsString(it)) return jfail(c, path, "must be a string \"IP\" or \"IP:port\"");
        dialer_host h;
        dialer_sa to;
        int port;
        if (dialer_parse_host_key(it->string, &h, e, sizeof(e)) != 0) return jfail(c, path, "%s", e);
        free(h.name);
        if (dialer_parse_target(it->valuestring, &to, &port, e, sizeof(e)) != 0) return jfail(c, path, "%s", e);
        if (add_kv(&o->hosts, &o->nhosts, it->string, it->valuestring)) return err_oom(c->err, c->errlen);
    }
    o->hosts_set = true;
    return 0;
}

/* dns: {ttl, select, policy} -> the K6_DNS text form, validated. */
static int json_dns(const jctx *c, const cJSON *v, c6_options *o) {
    if (!cJSON_IsObject(v)) return jfail(c, "dns", "must be an object {ttl, select, policy}");
    char text[256] = "", e[256];
    const cJSON *it;
    cJSON_ArrayForEach(it, v) {
        size_t n = strlen(text);
        if (cJSON_IsNull(it)) continue;
        if (cJSON_IsString(it))
            snprintf(text + n, sizeof(text) - n, "%s%.20s=%.60s", n ? "," : "", it->string, it->valuestring);
        else if (cJSON_IsNumber(it) && strcmp(it->string, "ttl") == 0) /* milliseconds */
            snprintf(text + n, sizeof(text) - n, "%sttl=%.0fms", n ? "," : "", it->valuedouble);
        else return jfail(c, "dns", "%.20s must be a string", it->string);
    }
    dialer_dns d;
    dialer_dns_default(&d);
    if (dialer_parse_dns(text, &d, e, sizeof(e)) != 0) return jfail(c, "dns", "%s", e);
    free(o->dns);
    if (!(o->dns = c6_strdup(text))) return err_oom(c->err, c->errlen);
    o->dns_set = true;
    return 0;
}

/* One blockHostnames pattern or blacklistIPs range, validated and appended. */
static int add_checked(const char *item, bool cidr, char ***list, size_t *n, char *e, size_t elen) {
    dialer_cidr cr;
    if (cidr ? dialer_parse_cidr(item, &cr, e, elen) : dialer_check_pattern(item, e, elen)) return -1;
    if (add_str(list, n, item)) return err_oom(e, elen);
    return 0;
}

static int json_strlist(const jctx *c, const field_def *f, const cJSON *v, c6_options *o) {
    bool cidr = f->kind == F_CIDRS;
    char ***list = cidr ? &o->blacklist_ips : &o->block_hostnames;
    size_t *n = cidr ? &o->nblacklist_ips : &o->nblock_hostnames;
    char e[256], path[64];
    if (!cJSON_IsArray(v)) return jfail(c, f->json, "must be an array of strings");
    const cJSON *it;
    int i = 0;
    cJSON_ArrayForEach(it, v) {
        snprintf(path, sizeof(path), "%s[%d]", f->json, i++);
        if (!cJSON_IsString(it)) return jfail(c, path, "must be a string");
        if (add_checked(it->valuestring, cidr, list, n, e, sizeof(e)) != 0) return jfail(c, path, "%s", e);
    }
    return *field_set(o, f) = true, 0;
}

static int json_field(const jctx *c, const field_def *f, const cJSON *v, c6_options *o) {
    bool *set = field_set(o, f);
    switch (f->kind) {
    case F_INT: return opts_json_i64(c, f->json, v, set, field_val(o, f));
    case F_DURATION:
        if (opts_json_duration(c, f->json, v, field_val(o, f)) != 0) return -1;
        return *set = true, 0;
    case F_BOOL:
        if (!cJSON_IsBool(v)) return jfail(c, f->json, "must be true or false");
        *(bool *)field_val(o, f) = cJSON_IsTrue(v);
        return *set = true, 0;
    case F_STRING:
        if (!cJSON_IsString(v)) return jfail(c, f->json, "must be a string");
        free(*(char **)field_val(o, f));
        if (!(*(char **)field_val(o, f) = c6_strdup(v->valuestring))) return err_oom(c->err, c->errlen);
        return *set = true, 0;
    case F_STAGES: return opts_json_stages(c, v, o);
    case F_TREND_STATS: return json_trend_stats(c, v, o);
    case F_THRESHOLDS: return json_thresholds(c, v, o);
    case F_TAGS: return json_tags(c, v, o);
    case F_SCENARIOS: {
        char verr[4096];
        if (scenarios_parse_json(v, c->origin, &o->scenarios, &o->nscenarios, c->err, c->errlen, verr, sizeof(verr)) !=
            0)
            return -1;
        if (verr[0] && !(o->scenarios_error = c6_strdup(verr))) return err_oom(c->err, c->errlen);
        free(o->scenarios_json); /* as written, for k6's archives (config/options_archive.c) */
        if (!(o->scenarios_json = cJSON_PrintUnformatted(v))) return err_oom(c->err, c->errlen);
        return *set = true, 0;
    }
    case F_SYSTEM_TAGS: {
        if (!cJSON_IsArray(v)) return jfail(c, f->json, "must be an array of tag names");
        const cJSON *it;
        cJSON_ArrayForEach(it, v) {
            if (!cJSON_IsString(it)) return jfail(c, f->json, "must be an array of tag names");
            if (options_add_system_tag(o, it->valuestring)) return err_oom(c->err, c->errlen);
        }
        return *set = true, 0;
    }
    case F_TLS_VERSION: return json_tls_version(c, v, o);
    case F_TLS_SUITES: return json_tls_suites(c, v, o);
    case F_TLS_AUTH: return json_tls_auth(c, v, o);
    case F_HOSTS: return json_hosts(c, v, o);
    case F_DNS: return json_dns(c, v, o);
    case F_HOSTNAMES:
    case F_CIDRS: return json_strlist(c, f, v, o);
    case F_LOCAL_IPS: {
        char e[256];
        dialer_range *r;
        size_t n;
        if (!cJSON_IsString(v)) return jfail(c, f->json, "must be a string of IPs, ranges (a-b) or CIDRs");
        if (dialer_parse_local_ips(v->valuestring, &r, &n, e, sizeof(e)) != 0) return jfail(c, f->json, "%s", e);
        free(r);
        free(o->local_ips);
        if (!(o->local_ips = c6_strdup(v->valuestring))) return err_oom(c->err, c->errlen);
        return *set = true, 0;
    }
    }
    return 0;
}

/* Keys of k6's lib.Options that c6 reads nowhere (Go matches them without
 * regard to case, as cJSON_GetObjectItem does). */
static const char *const K6_OTHER_KEYS[] = {"ext", "cloud", "metricSamplesBufferSize", "noCookiesReset"};

static bool known_key(const char *k) {
    for (size_t i = 0; i < NFIELDS; i++)
        if (FIELDS[i].json && strcasecmp(FIELDS[i].json, k) == 0) return true;
    for (size_t i = 0; i < sizeof K6_OTHER_KEYS / sizeof *K6_OTHER_KEYS; i++)
        if (strcasecmp(K6_OTHER_KEYS[i], k) == 0) return true;
    return false;
}

/* k6 decodes the script's options with DisallowUnknownFields and warns about
 * the first unknown one (internal/js/bundle.go, populateExports). */
static int note_unknown_field(const cJSON *root, c6_options *o) {
    const char *first = NULL;
    for (const cJSON *e = root->child; e; e = e->next)
        if (e->string && !known_key(e->string) && (!first || strcmp(e->string, first) < 0)) first = e->string;
    return first && !(o->unknown_field = c6_strdup(first)) ? -1 : 0;
}

/* The first number literal of json (outside strings) that is out of
 * float64's range, as written; false when there is none. */
static bool overflowing_number(const char *json, char *out, size_t n) {
    for (const char *p = json; *p; p++) {
        if (*p == '"') { /* skip the string */
            for (p++; *p && *p != '"'; p++)
                if (*p == '\\' && p[1]) p++;
            if (!*p) return false;
            continue;
        }
        if (!(*p == '-' || isdigit((unsigned char)*p))) continue;
        char *end;
        double d = strtod(p, &end);
        if (end == p) continue;
        if (!isfinite(d)) {
            snprintf(out, n, "%.*s", (int)(end - p), p);
            return true;
        }
        p = end - 1;
    }
    return false;
}

/* k6's text for a duration number out of range names the literal
 * ('1e309' is not a valid duration value); the JSON reader only saw +Inf. */
static void name_overflowing_duration(const char *json, char *err, size_t errlen) {
    char lit[128];
    if (!err || !json) return;
    const char *at = strstr(err, "'+Inf' is not a valid duration value");
    if (!at) at = strstr(err, "'-Inf' is not a valid duration value");
    if (!at || !overflowing_number(json, lit, sizeof lit)) return;
    char rest[256];
    snprintf(rest, sizeof rest, "%s", at + 6);
    snprintf(err + (at - err), errlen - (size_t)(at - err), "'%s'%s", lit, rest);
}

/* options.cloud (k6: a json.RawMessage, any value) and options.ext (a map:
 * kept when it is an object), as JSON text. */
static int keep_raw(const cJSON *root, c6_options *o, char *err, size_t errlen) {
    const cJSON *cl = cJSON_GetObjectItem(root, "cloud"), *ext = cJSON_GetObjectItem(root, "ext");
    if (cl && !cJSON_IsNull(cl) && !(o->cloud_json = cJSON_PrintUnformatted(cl))) return err_oom(err, errlen);
    if (cJSON_IsObject(ext) && !(o->ext_json = cJSON_PrintUnformatted(ext))) return err_oom(err, errlen);
    return 0;
}

int options_from_json(const char *json, const char *origin, c6_options *o, char *err, size_t errlen) {
    if (!origin) origin = "script options";
    jctx c = {.origin = origin, .err = err, .errlen = errlen};
    if (strcmp(origin, "script options") == 0) snprintf(c.prefix, sizeof(c.prefix), "options.");
    else snprintf(c.prefix, sizeof(c.prefix), "%.200s: ", origin);
    options_init(o);

    const char *end = NULL;
    cJSON *root = cJSON_ParseWithOpts(json ? json : "", &end, true);
    if (!root) {
        long at = end && json ? (long)(end - json) : 0;
        return err_set(err, errlen, "%s: invalid JSON at byte %ld", origin, at);
    }
    int rc = 0;
    if (!cJSON_IsObject(root)) rc = err_set(err, errlen, "%s: must be a JSON object", origin);
    if (rc == 0 && strcmp(origin, "script options") == 0 && note_unknown_field(root, o)) rc = err_oom(err, errlen);
    for (size_t i = 0; rc == 0 && i < NFIELDS; i++) {
        if (!FIELDS[i].json) continue;
        const cJSON *v = cJSON_GetObjectItem(root, FIELDS[i].json);
        if (v && !cJSON_IsNull(v)) rc = json_field(&c, &FIELDS[i], v, o);
    }
    if (rc == 0) rc = keep_raw(root, o, err, errlen);
    cJSON_Delete(root);
    if (rc != 0) {
        name_overflowing_duration(json, err, errlen);
        options_free(o);
    }
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Environment                                                               */

/* First match wins, as with getenv(3). */
static const char *env_get(char *const *envp, const char *key) {
    size_t n = strlen(key);
    for (; envp && *envp; envp++)
        if (strncmp(*envp, key, n) == 0 && (*envp)[n] == '=') return *envp + n + 1;
    return NULL;
}

/* The Go field of k6's lib.Options a JSON key belongs to: the key with its
 * first letter upper-cased, but for these. */
static void go_field_name(const char *json, char *out, size_t n) {
    static const char *const names[][2] = {
        {"vus", "VUs"},
        {"rps", "RPS"},
        {"httpDebug", "HTTPDebug"},
        {"dns", "DNS"},
        {"tags", "RunTags"},
        {"blockHostnames", "BlockedHostnames"},
        {"tlsVersion", "TLSVersion"},
        {"tlsCipherSuites", "TLSCipherSuites"},
        {"tlsAuth", "TLSAuth"},
    };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strcmp(json, names[i][0]) == 0) {
            snprintf(out, n, "%s", names[i][1]);
            return;
        }
    snprintf(out, n, "%s", json);
    if (*out) *out = (char)toupper((unsigned char)*out);
}

/* envconfig's ParseError as k6 reports a bad K6_* value (internal/cmd/config.go,
 * readEnvConfig): the variable, the Go field and type, and the parser's words. */
static int env_error(const field_def *f, const char *val, const char *type, const char *details, char *err,
                     size_t errlen) {
    char field[64];
    go_field_name(f->json ? f->json : "", field, sizeof field);
    return err_set(err, errlen, "envconfig.Process: assigning %s to %s: converting '%.64s' to type %s. details: %s",
                   f->env, field, val, type, details);
}

static int env_field(const field_def *f, const char *val, c6_options *o, char *err, size_t errlen) {
    char sub[256];
    bool *set = field_set(o, f);
    bool from_env = f->env && *f->env; /* options_set_text (flags) clears it */
    switch (f->kind) {
    case F_INT:
        if (strconv_parse_i64(val, field_val(o, f)) != 0) {
            errno = 0;
            char *end;
            (void)strtoll(val, &end, 10);
            snprintf(sub, sizeof sub, "strconv.ParseInt: parsing \"%.64s\": %s", val,
                     errno == ERANGE && !*end ? "value out of range" : "invalid syntax");
            if (from_env) return env_error(f, val, "null.Int", sub, err, errlen);
            return err_set(err, errlen, ": %s", sub); /* pflag's Int64 flag says the same */
        }
        return *set = true, 0;
    case F_DURATION:
        switch (duration_parse(val, field_val(o, f), sub, sizeof(sub))) {
        case 0: break;
        case DURATION_INVALID: /* k6's ParseExtendedDuration's words, in envconfig's */
            if (from_env) return env_error(f, val, "types.NullDuration", sub, err, errlen);
            /* fall through */
        default: return err_set(err, errlen, "%s: %s", f->env, sub);
        }
        return *set = true, 0;
    case F_BOOL:
        if (strconv_parse_bool(val, field_val(o, f)) != 0)
            return err_set(err, errlen, "%s: \"%.64s\" is not a boolean (use true or false)", f->env, val);
        return *set = true, 0;
    case F_STRING:
        free(*(char **)field_val(o, f));
        if (!(*(char **)field_val(o, f) = c6_strdup(val))) return err_oom(err, errlen);
        return *set = true, 0;
    case F_STAGES:
        if (options_parse_stages(val, &o->stages, &o->nstages, sub, sizeof(sub)) != 0)
            return err_set(err, errlen, "%s: %s", f->env, sub);
        return *set = true, 0;
    case F_TREND_STATS:
        if (options_parse_trend_stats(val, &o->summary_trend_stats, &o->nsummary_trend_stats, sub, sizeof(sub)) != 0)
            return err_set(err, errlen, "%s: %s", f->env, sub);
        return *set = true, 0;
    case F_SYSTEM_TAGS: return options_parse_system_tags(val, o, err, errlen);
    case F_TLS_VERSION: /* one version: min = max */
        if (check_tls_version(val, sub, sizeof(sub)) != 0) return err_set(err, errlen, "%s: %s", f->env, sub);
        o->tls_version_min = c6_strdup(val);
        o->tls_version_max = c6_strdup(val);
        if (!o->tls_version_min || !o->tls_version_max) return err_oom(err, errlen);
        return *set = true, 0;
    case F_TLS_SUITES: { /* comma-separated names */
        char *copy = c6_strdup(val);
        if (!copy) return err_oom(err, errlen);
        int rc = 0;
        for (char *save = NULL, *t = strtok_r(copy, ", ", &save); t && rc == 0; t = strtok_r(NULL, ", ", &save))
            rc = add_tls_suite(o, t, sub, sizeof(sub));
        free(copy);
        if (rc != 0 && strcmp(sub, "out of memory") == 0) return err_oom(err, errlen);
        if (rc != 0) return err_set(err, errlen, "%s: %s", f->env, sub);
        return *set = true, 0;
    }
    case F_DNS: {
        dialer_dns d;
        dialer_dns_default(&d);
        if (dialer_parse_dns(val, &d, sub, sizeof(sub)) != 0) return err_set(err, errlen, "%s: %s", f->env, sub);
        free(o->dns);
        if (!(o->dns = c6_strdup(val))) return err_oom(err, errlen);
        return *set = true, 0;
    }
    case F_LOCAL_IPS: {
        dialer_range *r;
        size_t n;
        if (dialer_parse_local_ips(val, &r, &n, sub, sizeof(sub)) != 0)
            return err_set(err, errlen, "%s: %s", f->env, sub);
        free(r);
        free(o->local_ips);
        if (!(o->local_ips = c6_strdup(val))) return err_oom(err, errlen);
        return *set = true, 0;
    }
    case F_HOSTNAMES:
    case F_CIDRS: {
        bool cidr = f->kind == F_CIDRS;
        char *copy = c6_strdup(val), *save = NULL;
        if (!copy) return err_oom(err, errlen);
        for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            char *item = dup_trimmed(t, strlen(t));
            if (!item) {
                free(copy);
                return err_oom(err, errlen);
            }
            int rc = *item ? add_checked(item, cidr, cidr ? &o->blacklist_ips : &o->block_hostnames,
                                         cidr ? &o->nblacklist_ips : &o->nblock_hostnames, sub, sizeof(sub))
                           : 0;
            free(item);
            if (rc != 0 && strcmp(sub, "out of memory") == 0) {
                free(copy);
                return err_oom(err, errlen);
            }
            if (rc != 0) {
                free(copy);
                return err_set(err, errlen, "%s: %s", f->env, sub);
            }
        }
        free(copy);
        return *set = true, 0;
    }
    default: return 0; /* JSON-only kinds have no env variable */
    }
}

int options_set_text(c6_options *o, const char *key, const char *val, char *err, size_t errlen) {
    for (size_t i = 0; i < NFIELDS; i++) {
        const field_def *f = &FIELDS[i];
        if (!f->json || strcmp(f->json, key) != 0) continue;
        field_def g = *f;
        g.env = ""; /* the caller names the flag: keep only the cause */
        if (env_field(&g, val, o, err, errlen) == 0) return 0;
        if (err && strncmp(err, ": ", 2) == 0) memmove(err, err + 2, strlen(err + 2) + 1);
        return -1;
    }
    return err_set(err, errlen, "unknown option %s", key);
}

int options_from_env(char *const *envp, c6_options *o, char *err, size_t errlen) {
    options_init(o);
    for (size_t i = 0; i < NFIELDS; i++) {
        if (!FIELDS[i].env) continue;
        const char *v = env_get(envp, FIELDS[i].env);
        if (!v || !*v) continue;
        if (env_field(&FIELDS[i], v, o, err, errlen) != 0) {
            options_free(o);
            return -1;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Consolidation                                                             */

static bool sets_execution(const c6_options *o) {
    for (size_t i = 0; i < NFIELDS; i++)
        if (FIELDS[i].exec_group && *field_set((c6_options *)o, &FIELDS[i])) return true;
    return false;
}

/* dst's copy of lower's value of f (dst has none). */
static void field_copy(c6_options *dst, const c6_options *lower, const field_def *f) {
    char *d = (char *)dst;
    const char *l = (const char *)lower;
    void *dv = d + f->val_off;
    const void *lv = l + f->val_off;
    size_t n = f->n_off && f->kind != F_TLS_VERSION ? *(const size_t *)(l + f->n_off) : 0;
    if (f->n_off && f->kind != F_TLS_VERSION) *(size_t *)(d + f->n_off) = n;
    *field_set(dst, f) = true;
    switch (f->kind) {
    case F_INT:
    case F_DURATION: *(int64_t *)dv = *(const int64_t *)lv; break;
    case F_BOOL: *(bool *)dv = *(const bool *)lv; break;
    case F_STRING:
    case F_DNS:
    case F_LOCAL_IPS: {
        const char *v = *(char *const *)lv;
        *(char **)dv = merge_strdup(v ? v : "");
        break;
    }
    case F_TLS_VERSION: /* a NULL bound stays open */
        for (size_t off = 0; off < 2; off++) {
            size_t at = off ? f->n_off : f->val_off;
            const char *v = *(char *const *)(l + at);
            *(char **)(d + at) = merge_strdup(v);
        }
        break;
    case F_STAGES:
        *(c6_stage **)dv = xrealloc(NULL, n * sizeof(c6_stage)); /* (stages: [] has none to copy) */
        if (n) memcpy(*(c6_stage **)dv, *(c6_stage *const *)lv, n * sizeof(c6_stage));
        break;
    case F_TREND_STATS:
    case F_SYSTEM_TAGS:
    case F_TLS_SUITES:
    case F_HOSTNAMES:
    case F_CIDRS: *(char ***)dv = strv_dup(*(char **const *)lv, n); break;
    case F_THRESHOLDS: *(c6_threshold_set **)dv = thresholds_dup(*(c6_threshold_set *const *)lv, n); break;
    case F_TAGS:
    case F_HOSTS:
        if (c6_kv_dup((c6_kv **)dv, *(c6_kv *const *)lv, n)) out_of_memory_exit();
        break;
    case F_TLS_AUTH: *(c6_tls_auth **)dv = tls_auth_dup(*(c6_tls_auth *const *)lv, n); break;
    case F_SCENARIOS:
        *(c6_scenario **)dv = scenarios_dup(*(c6_scenario *const *)lv, n);
        dst->scenarios_error = merge_strdup(lower->scenarios_error);
        dst->scenarios_json = merge_strdup(lower->scenarios_json);
        break;
    }
}

void options_merge(c6_options *dst, const c6_options *lower) {
    bool group = sets_execution(dst); /* the higher source owns the whole group */
    for (size_t i = 0; i < NFIELDS; i++) {
        const field_def *f = &FIELDS[i];
        if (f->exec_group && group) continue;
        if (!*field_set(dst, f) && *field_set((c6_options *)lower, f)) field_copy(dst, lower, f);
    }
    if (!dst->cloud_json && lower->cloud_json) dst->cloud_json = merge_strdup(lower->cloud_json);
    if (!dst->ext_json && lower->ext_json) dst->ext_json = merge_strdup(lower->ext_json);
}

/* ------------------------------------------------------------------------ */
/* Execution plan                                                            */

/* One scenario named "default" from the shortcut options. */
static c6_scenario *plan_base(c6_plan *p, c6_executor kind) {
    memset(p, 0, sizeof(*p));
    p->scenarios = xrealloc(NULL, sizeof(c6_scenario));
    p->nscenarios = 1;
    c6_scenario *s = &p->scenarios[0];
    memset(s, 0, sizeof(*s));
    s->name = xstrdup("default");
    s->exec = xstrdup("default");
    s->executor = kind;
    s->graceful_stop_us = C6_DEFAULT_GRACEFUL_STOP_US;
    executor_def(kind)->defaults(s); /* k6's New<Executor>Config */
    return s;
}

/* The shortcut scenario (k6's DeriveScenariosFromShortcuts): its values are
 * checked as any scenario's are, afterwards (options_plan). */
static void plan_shared(const c6_options *o, int64_t vus, int64_t iters, c6_plan *p) {
    c6_scenario *s = plan_base(p, EXECUTOR_SHARED_ITERATIONS);
    s->vus = vus;
    s->iterations = iters;
    s->max_duration_us = o->duration_set ? o->duration_us : C6_DEFAULT_MAX_DURATION_US;
}

static int plan_constant(const c6_options *o, int64_t vus, c6_plan *p, char *err, size_t errlen) {
    c6_scenario *s = plan_base(p, EXECUTOR_CONSTANT_VUS);
    s->vus = vus;
    s->duration_us = o->duration_us;
    if (o->duration_us <= 0) /* lib/executor/execution_config_shortcuts.go */
        return err_set(err, errlen,
                       "`duration` option should be more than 0, for infinite duration use the "
                       "externally-controlled executor");
    return 0;
}

static void plan_ramping(const c6_options *o, int64_t start, c6_plan *p) {
    c6_scenario *s = plan_base(p, EXECUTOR_RAMPING_VUS);
    s->start_vus = start;
    s->nstages = o->nstages;
    s->stages = memcpy(xrealloc(NULL, o->nstages * sizeof(c6_stage)), o->stages, o->nstages * sizeof(c6_stage));
}

/* k6 checks the same-source conflicts first; the group rule in
 * options_merge has already dropped any lower source's execution options. */
static int check_conflicts(const c6_options *o, char *err, size_t errlen) {
    bool stages = o->nstages > 0;
    const char *a = NULL, *b = NULL;
    if (o->iterations_set && stages) a = "iterations", b = "stages";
    else if (o->iterations_set && o->scenarios_set) a = "iterations", b = "scenarios";
    else if (o->duration_set && stages) a = "duration", b = "stages";
    else if (o->duration_set && o->scenarios_set) a = "duration", b = "scenarios";
    else if (stages && o->scenarios_set) a = "stages", b = "scenarios";
    if (a) return err_set(err, errlen, "using `%s` and `%s` options simultaneously is not allowed", a, b);
    return 0;
}

/* The scenarios as given; vus and the shortcuts play no part. */
static int plan_scenarios(const c6_options *o, c6_plan *p, char *err, size_t errlen) {
    memset(p, 0, sizeof(*p));
    p->scenarios = scenarios_dup(o->scenarios, o->nscenarios); /* also when invalid: k6 checks their exec too */
    p->nscenarios = o->nscenarios;
    if (o->scenarios_error) return err_set(err, errlen, "%s", o->scenarios_error), -2;
    return 0;
}

static int plan_shortcuts(const c6_options *o, c6_plan *plan, char *err, size_t errlen) {
    int64_t vus = o->vus_set ? o->vus : 1;
    if (check_conflicts(o, err, errlen) != 0) return -1;
    if (o->iterations_set) plan_shared(o, vus, o->iterations, plan);
    else if (o->duration_set) {
        if (plan_constant(o, vus, plan, err, errlen)) return -1;
    } else if (o->nstages > 0) plan_ramping(o, vus, plan);
    else if (o->nscenarios > 0) return plan_scenarios(o, plan, err, errlen);
    else if (o->vus_set) plan_shared(o, vus, vus, plan);
    if (plan->nscenarios) return scenario_validate(&plan->scenarios[0], err, errlen) ? -2 : 0;
    /* Nothing set: k6's per-vu-iterations, 1 VU x 1 iteration. */
    plan_base(plan, EXECUTOR_PER_VU_ITERATIONS);
    return 0;
}

int options_plan(const c6_options *o, c6_plan *plan, char *err, size_t errlen) {
    memset(plan, 0, sizeof(*plan)); /* safe to free whatever path fails */
    int rc = plan_shortcuts(o, plan, err, errlen);
    if (rc != 0) return rc; /* no totals: an invalid scenario may not be plannable */
    /* what this machine cannot hold is refused here, before it is planned
     * per VU or started (k6 has no such check: it runs out of memory) */
    capacity cap;
    capacity_read(&cap);
    scen_totals t;
    if (scenarios_totals(plan->scenarios, plan->nscenarios, &cap, &t, err, errlen)) return -1;
    plan->max_vus = t.max_vus;
    plan->max_unplanned_vus = t.max_unplanned_vus;
    plan->max_duration_us = t.max_duration_us;
    plan->stack_guards = capacity_stack_guards(&cap, t.max_vus + t.max_unplanned_vus);
    return 0;
}

void options_plan_free(c6_plan *plan) {
    for (size_t i = 0; i < plan->nscenarios; i++) scenario_free(&plan->scenarios[i]);
    free(plan->scenarios);
    memset(plan, 0, sizeof(*plan));
}
