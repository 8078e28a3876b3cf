/* options.h - k6 test options: reading each source, consolidating them, and
 * deriving the execution plan from the vus/duration/iterations/stages
 * shortcuts.
 *
 * Sources, highest precedence first (as in k6):
 *   CLI flags (args.c) > K6_* env vars > script `options` > config file > defaults
 * Build one c6_options per source, then fold them from the top:
 *
 *   c6_options o = flags;             // owned copy or the flags themselves
 *   options_merge(&o, &env);
 *   options_merge(&o, &script);
 *   options_merge(&o, &config);
 *   options_plan(&o, &plan, err, sizeof err);   // error -> exit 104
 *
 * Each field carries a _set flag ("the source said something"), so an unset
 * field never hides a lower source, and defaults are applied only at the end
 * (options_plan for execution, C6_DEFAULT_* for the rest).
 */
#ifndef C6_CONFIG_OPTIONS_H
#define C6_CONFIG_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "config/scenarios.h"

/* k6's defaults for options that have no execution meaning. */
#define C6_DEFAULT_SETUP_TIMEOUT_US    (60LL * 1000000LL)
#define C6_DEFAULT_TEARDOWN_TIMEOUT_US (60LL * 1000000LL)
#define C6_DEFAULT_SUMMARY_TREND_STATS "avg,min,med,max,p(90),p(95)"

/* One per metric key ("http_req_duration", "http_reqs{status:200}"), with
 * the expressions in script order. A threshold may be written as a string or
 * as {threshold, abortOnFail, delayAbortEval}; the three arrays are parallel. */
typedef struct {
    char *metric;
    char **exprs;
    size_t nexprs;
    bool *abort_on_fail;
    int64_t *delay_abort_eval_us;
} c6_threshold_set;

/* One options.tlsAuth entry: a client certificate and the hosts it is for. */
typedef struct c6_tls_auth {
    char **domains;
    size_t ndomains;
    char *cert, *key; /* PEM */
    char *password;   /* the key's passphrase, or NULL */
} c6_tls_auth;

typedef struct c6_options {
    bool vus_set;
    int64_t vus;
    bool duration_set;
    int64_t duration_us;
    bool iterations_set;
    int64_t iterations;
    /* stages_set with nstages == 0 means "explicitly empty" (k6 then runs
     * 1 VU x 1 iteration, but the empty list still overrides lower sources). */
    bool stages_set;
    c6_stage *stages;
    size_t nstages;
    bool thresholds_set;
    c6_threshold_set *thresholds;
    size_t nthresholds;
    bool tags_set;
    c6_kv *tags;
    size_t ntags;
    bool summary_trend_stats_set;
    char **summary_trend_stats;
    size_t nsummary_trend_stats;
    /* no_thresholds and summary_export are k6 "runtime options": read from
     * flags and env only; options_from_json ignores them, as k6 does. */
    bool no_thresholds_set;
    bool no_thresholds;
    bool insecure_skip_tls_verify_set;
    bool insecure_skip_tls_verify;
    bool user_agent_set;
    char *user_agent; /* "" = send no User-Agent */
    bool setup_timeout_set;
    int64_t setup_timeout_us;
    bool teardown_timeout_set;
    int64_t teardown_timeout_us;
    bool summary_export_set;
    char *summary_export;
    bool summary_time_unit_set;
    char *summary_time_unit; /* "s", "ms", "us" */
    bool system_tags_set;
    char **system_tags;
    size_t nsystem_tags; /* systemTags: which system tags samples get */
    /* executionSegment "1/4:2/4", executionSegmentSequence "0,1/4,1/2,1":
     * checked by c6 run (exec/segment.h); paused: start paused (REST API). */
    bool execution_segment_set;
    char *execution_segment;
    bool execution_segment_sequence_set;
    char *execution_segment_sequence;
    bool paused_set;
    bool paused;
    bool rps_set;
    int64_t rps; /* rps: requests per second for the whole test (0: no limit) */
    bool http_debug_set;
    char *http_debug; /* httpDebug: "" off, "headers", "full" (bodies too) */
    bool min_iteration_duration_set;
    int64_t min_iteration_duration_us; /* pads short iterations */
    bool no_setup_set;
    bool no_setup;
    bool no_teardown_set;
    bool no_teardown;
    /* tlsVersion: "tls1.2" (min = max) or {min, max}; a NULL bound is open. */
    bool tls_version_set;
    char *tls_version_min, *tls_version_max;
    bool tls_cipher_suites_set;
    char **tls_cipher_suites;
    size_t ntls_cipher_suites; /* Go's names */
    bool tls_auth_set;
    c6_tls_auth *tls_auth;
    size_t ntls_auth;
    /* k6/http connection and request options (applied by net/dialer.c and
     * js/modules/http*.c). Values are validated when read. */
    bool hosts_set;
    c6_kv *hosts;
    size_t nhosts; /* name -> "IP[:port]" */
    bool dns_set;
    char *dns; /* "ttl=..,select=..,policy=.." */
    bool block_hostnames_set;
    char **block_hostnames;
    size_t nblock_hostnames;
    bool blacklist_ips_set;
    char **blacklist_ips;
    size_t nblacklist_ips;
    bool local_ips_set;
    char *local_ips;
    bool no_connection_reuse_set;
    bool no_connection_reuse;
    bool no_vu_connection_reuse_set;
    bool no_vu_connection_reuse;
    bool throw_set;
    bool throw_errors;
    bool discard_response_bodies_set;
    bool discard_response_bodies;
    bool max_redirects_set;
    int64_t max_redirects;
    bool batch_set;
    int64_t batch;
    bool batch_per_host_set;
    int64_t batch_per_host;
    /* options.scenarios (script or config file only), with k6's defaults,
     * in k6's order. Set even when {}: it still belongs to the execution
     * group (see options_merge). scenarios_error is the first validation
     * error, reported by options_plan only if these scenarios are the ones
     * used, as k6 validates after consolidating. */
    bool scenarios_set;
    c6_scenario *scenarios;
    size_t nscenarios;
    char *scenarios_error;
    char *scenarios_json; /* options.scenarios as the source wrote it (JSON), for archives */
    /* script options only: the top-level key k6 would stop at as unknown
     * (the first in byte order, Go's JSON of the options sorts them), for
     * its warning; NULL when every key is known. Not merged. */
    char *unknown_field;
    /* options.cloud (any JSON value) and options.ext (an object) as the
     * source wrote them (JSON text; NULL: not set). c6 run ignores both, as
     * k6 does locally; inspect and archives carry them, and the test-run
     * service reads their distribution (load zones). Script or config file
     * only; a higher source's replaces a lower's whole. */
    char *cloud_json;
    char *ext_json;
} c6_options;

void options_init(c6_options *o);
void options_free(c6_options *o); /* frees and re-initialises */

/* Parses a JSON object of k6 options (the script's exported `options`, or a
 * k6 config file, whose options sit at the top level too). Unknown keys are
 * ignored (except inside a scenario, where k6 rejects them) and null means
 * "not set", as in k6. Duration fields take a string
 * ("30s", "1d", bare number = ms) or a number of milliseconds; integer
 * fields take a number or a numeric string (k6 allows `vus: __ENV.VUS`).
 * origin "script options" names errors like `options.stages[1].target: must
 * be an integer`; any other origin is a file name: `k6.json: stages[1]...`.
 * Returns 0, or -1 with err set (o is then re-initialised). */
int options_from_json(const char *json, const char *origin, c6_options *o, char *err, size_t errlen);

/* Reads K6_VUS, K6_DURATION, K6_ITERATIONS, K6_STAGES ("30s:10,1m:0"),
 * K6_NO_THRESHOLDS, K6_INSECURE_SKIP_TLS_VERIFY, K6_USER_AGENT,
 * K6_SUMMARY_TREND_STATS ("avg,p(99)"), K6_SUMMARY_EXPORT, K6_SETUP_TIMEOUT,
 * K6_TEARDOWN_TIMEOUT, K6_TLS_VERSION (one version), K6_TLS_CIPHER_SUITES
 * (comma-separated) from a NULL-terminated "KEY=VALUE" array. An empty
 * value counts as unset. Errors: `K6_VUS: "abc" is not an integer`. */
int options_from_env(char *const *envp, c6_options *o, char *err, size_t errlen);

/* Sets one option from its text form, as its K6_* variable would (the
 * flags that mirror options use it): `key` is the option's JSON name
 * ("batch", "blacklistIPs", ...). List options append. Errors hold only
 * the cause. Returns 0, or -1 with err set. */
int options_set_text(c6_options *o, const char *key, const char *val, char *err, size_t errlen);

/* Deep-copies into dst every field that lower sets and dst does not, with
 * k6's one exception: duration, iterations, stages and scenarios are one
 * group, and if dst sets any of them, none of them is taken from lower
 * (so `-d 30s` on the CLI replaces a script's `iterations`, it does not
 * combine with it into shared-iterations). vus is not in the group. */
void options_merge(c6_options *dst, const c6_options *lower);

/* Shared parsers, also used by the CLI flags. Both append to the arrays.
 * Like every parser here (JSON, env, flags), they return -1 with "out of
 * memory" in err when an allocation fails, what they made so far left for
 * options_free (or the caller's arrays) to free. */
/* "30s:10,1m:0" -> stages (duration in flag syntax; a target is required). */
int options_parse_stages(const char *list, c6_stage **stages, size_t *n, char *err, size_t errlen);
/* systemTags: one name (-1: out of memory), or a comma-separated list
 * (flag and env form; -1 with "out of memory" in err). */
int options_add_system_tag(c6_options *o, const char *name);
int options_parse_system_tags(const char *list, c6_options *o, char *err, size_t errlen);
/* "avg,p(99.9),count" -> validated trend stat names. */
int options_parse_trend_stats(const char *list, char ***stats, size_t *n, char *err, size_t errlen);

/* The execution plan: the scenarios to run (the shortcut options become one
 * scenario named "default"), with k6's defaults and validation applied. */
typedef struct c6_plan {
    c6_scenario *scenarios; /* by startTime, then name, as k6 lists them */
    size_t nscenarios;
    int64_t max_vus;           /* VUs initialised before the start (k6's vus_max) */
    int64_t max_unplanned_vus; /* arrival-rate VUs above preAllocatedVUs, added during the run */
    int64_t max_duration_us;   /* the end of the last scenario, gracefulStop included */
    bool stack_guards;         /* the VUs' stacks fit vm.max_map_count with a guard page each (vu/coro.c) */
} c6_plan;

/* Applies k6's shortcut rules and validation (see the table in options.c),
 * or takes options.scenarios as they are. Returns 0 with the plan's totals
 * computed; -2 when a scenario's values are wrong, with k6's "scenario <name>
 * has configuration errors: ..." (one line per scenario, "\n\t- " between
 * them: the lines of k6's "There were problems with the specified script
 * configuration:" block); or -1 with any other message (k6 exits 104 for
 * both), among them VUs this machine cannot hold (exec/capacity.h, checked
 * before they are planned). The plan is then still safe to free. */
int options_plan(const c6_options *o, c6_plan *plan, char *err, size_t errlen);
void options_plan_free(c6_plan *plan);

#endif
