/* args.c - a small, table-driven parser for the flags of `c6 run`.
 *
 * It follows k6's flag library (pflag) where users can tell the difference:
 * GNU-style long and short forms, flags mixed with the positional script,
 * the same error wording for unknown flags and missing values. Everything it
 * owns lives in the c6_run_args it fills; there is no global state.
 */
#include "cli/args.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/server.h"
#include "config/duration.h"
#include "util/err.h"
#include "util/log.h"
#include "util/strconv.h"

typedef int (*flag_setter)(c6_run_args *a, const char *val, char *err, size_t errlen);

typedef struct {
    const char *name;   /* long name, without "--" */
    char shorthand;     /* 0 if none */
    bool is_bool;       /* takes no separate value; "--x=false" still works */
    flag_setter set;    /* writes only the cause into err; the caller names the flag */
    const char *option; /* with set NULL: the k6 option (JSON name) the flag sets */
    const char *help;   /* one line for `c6 run --help` */
} flag_def;

/* Go's strconv.ParseBool, as pflag uses for "--flag=value". */
static int args_parse_bool(const char *s, bool *out, char *err, size_t errlen) {
    if (strconv_parse_bool(s, out) == 0) return 0;
    return err_set(err, errlen, "not a boolean (use true or false)");
}

/* ---- flag setters: one per flag, each a few lines ---------------------- */

/* Go's strconv.ParseInt error, as pflag reports a bad integer flag. */
static int int_error(const char *val, char *err, size_t errlen) {
    errno = 0;
    char *end;
    (void)strtoll(val, &end, 10);
    bool range = errno == ERANGE && *val && !*end;
    return err_set(err, errlen, "strconv.ParseInt: parsing \"%s\": %s", val,
                   range ? "value out of range" : "invalid syntax");
}

static int set_int64(const char *val, bool *set, int64_t *out, char *err, size_t errlen) {
    if (strconv_parse_i64(val, out) != 0) return int_error(val, err, errlen);
    *set = true;
    return 0;
}

static int set_vus(c6_run_args *a, const char *v, char *e, size_t n) {
    return set_int64(v, &a->flags.vus_set, &a->flags.vus, e, n);
}

static int set_iterations(c6_run_args *a, const char *v, char *e, size_t n) {
    return set_int64(v, &a->flags.iterations_set, &a->flags.iterations, e, n);
}

static int set_duration(c6_run_args *a, const char *v, char *e, size_t n) {
    /* k6's -d is a pflag Duration: Go's time.ParseDuration, its errors, no days */
    int64_t ns;
    if (duration_go_parse(v, &ns, e, n) != 0 || duration_parse_flag(v, &a->flags.duration_us, e, n) != 0) return -1;
    a->flags.duration_set = true;
    return 0;
}

static int set_stage(c6_run_args *a, const char *v, char *e, size_t n) {
    if (options_parse_stages(v, &a->flags.stages, &a->flags.nstages, e, n) != 0) return -1;
    a->flags.stages_set = true;
    return 0;
}

static int set_no_thresholds(c6_run_args *a, const char *v, char *e, size_t n) {
    a->flags.no_thresholds_set = true;
    return args_parse_bool(v, &a->flags.no_thresholds, e, n);
}

static int set_insecure(c6_run_args *a, const char *v, char *e, size_t n) {
    a->flags.insecure_skip_tls_verify_set = true;
    return args_parse_bool(v, &a->flags.insecure_skip_tls_verify, e, n);
}

static void replace_string(char **dst, bool *set, const char *v) {
    free(*dst);
    *dst = xstrndup(v, strlen(v));
    *set = true;
}

static int set_user_agent(c6_run_args *a, const char *v, char *e, size_t n) {
    (void)e, (void)n;
    replace_string(&a->flags.user_agent, &a->flags.user_agent_set, v);
    return 0;
}

static int set_summary_export(c6_run_args *a, const char *v, char *e, size_t n) {
    (void)e, (void)n;
    replace_string(&a->flags.summary_export, &a->flags.summary_export_set, v);
    return 0;
}

static int set_time_unit(c6_run_args *a, const char *v, char *e, size_t n) {
    (void)e, (void)n;
    replace_string(&a->flags.summary_time_unit, &a->flags.summary_time_unit_set, v);
    return 0;
}

static int set_system_tags(c6_run_args *a, const char *v, char *e, size_t n) {
    return options_parse_system_tags(v, &a->flags, e, n);
}

static int set_trend_stats(c6_run_args *a, const char *v, char *e, size_t n) {
    c6_options *o = &a->flags;
    if (options_parse_trend_stats(v, &o->summary_trend_stats, &o->nsummary_trend_stats, e, n)) return -1;
    o->summary_trend_stats_set = true;
    return 0;
}

/* Adds or replaces key in a kv list: both -e and --tag behave like maps. */
static void kv_put(c6_kv **kv, size_t *n, const char *key, size_t klen, const char *value) {
    for (size_t i = 0; i < *n; i++)
        if (strlen((*kv)[i].key) == klen && memcmp((*kv)[i].key, key, klen) == 0) {
            free((*kv)[i].value);
            (*kv)[i].value = xstrndup(value, strlen(value));
            return;
        }
    *kv = xrealloc(*kv, (*n + 1) * sizeof(**kv));
    (*kv)[*n].key = xstrndup(key, klen);
    (*kv)[*n].value = xstrndup(value, strlen(value));
    (*n)++;
}

static int set_tag(c6_run_args *a, const char *v, char *e, size_t n) {
    const char *eq = strchr(v, '=');
    if (*v == '\0') return err_set(e, n, "invalid tag, empty string");
    if (eq == v) return err_set(e, n, "invalid tag, empty name");
    if (!eq || eq[1] == '\0') return err_set(e, n, "invalid tag, empty value (use name=value)");
    kv_put(&a->flags.tags, &a->flags.ntags, v, (size_t)(eq - v), eq + 1);
    a->flags.tags_set = true;
    return 0;
}

/* k6 allows only portable names: [a-zA-Z_][a-zA-Z0-9_]*. */
static bool valid_env_name(const char *k, size_t len) {
    if (len == 0 || isdigit((unsigned char)k[0])) return false;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)k[i]) && k[i] != '_') return false;
    return true;
}

static int set_env(c6_run_args *a, const char *v, char *e, size_t n) {
    const char *eq = strchr(v, '=');
    size_t klen = eq ? (size_t)(eq - v) : strlen(v);
    if (!valid_env_name(v, klen)) return err_set(e, n, "invalid environment variable name \"%.*s\"", (int)klen, v);
    kv_put(&a->env, &a->nenv, v, klen, eq ? eq + 1 : "");
    return 0;
}

static int set_include_env(c6_run_args *a, const char *v, char *e, size_t n) {
    return args_parse_bool(v, &a->include_system_env_vars, e, n);
}

static int set_type(c6_run_args *a, const char *v, char *e, size_t n) {
    (void)e, (void)n;
    a->test_type = v;
    return 0;
}

static int set_archive_out(c6_run_args *a, const char *v, char *e, size_t n) {
    (void)e, (void)n;
    a->archive_out = v;
    return 0;
}

static int set_exclude_env(c6_run_args *a, const char *v, char *e, size_t n) {
    return args_parse_bool(v, &a->exclude_env_vars, e, n);
}

static int set_config(c6_run_args *a, const char *v, char *e, size_t n) {
    (void)e, (void)n;
    a->config_path = v;
    return 0;
}

static int set_quiet(c6_run_args *a, const char *v, char *e, size_t n) { return args_parse_bool(v, &a->quiet, e, n); }

static int set_no_color(c6_run_args *a, const char *v, char *e, size_t n) {
    return args_parse_bool(v, &a->no_color, e, n);
}

static int set_verbose(c6_run_args *a, const char *v, char *e, size_t n) {
    return args_parse_bool(v, &a->verbose, e, n);
}

static int set_log_ns(c6_run_args *a, const char *v, char *e, size_t n) {
    return args_parse_bool(v, &a->log_ns_timestamps, e, n);
}

static int set_help(c6_run_args *a, const char *v, char *e, size_t n) { return args_parse_bool(v, &a->help, e, n); }

static int set_workers(c6_run_args *a, const char *v, char *e, size_t n) {
    int64_t w;
    if (strconv_parse_i64(v, &w) != 0) return int_error(v, e, n);
    if (w < 0 || w > 4096) return err_set(e, n, "must be from 0 (one per CPU) to 4096");
    a->workers = (int)w;
    return 0;
}

static int set_latency_correction(c6_run_args *a, const char *v, char *e, size_t n) {
    return args_parse_bool(v, &a->latency_correction, e, n);
}

static int set_out(c6_run_args *a, const char *v, char *e, size_t n) {
    (void)e, (void)n;
    a->outs = xrealloc(a->outs, (a->nouts + 1) * sizeof *a->outs);
    a->outs[a->nouts++] = v;
    return 0;
}

static int set_no_summary(c6_run_args *a, const char *v, char *e, size_t n) {
    return args_parse_bool(v, &a->no_summary, e, n);
}

static int set_summary_mode(c6_run_args *a, const char *v, char *e, size_t n) {
    if (strcmp(v, "compact") != 0 && strcmp(v, "full") != 0 && strcmp(v, "disabled") != 0)
        return err_set(e, n, "must be compact, full or disabled");
    a->summary_mode = v;
    return 0;
}

static int set_segment(c6_run_args *a, const char *v, char *e, size_t n) {
    (void)e, (void)n;
    replace_string(&a->flags.execution_segment, &a->flags.execution_segment_set, v);
    return 0;
}

static int set_segment_sequence(c6_run_args *a, const char *v, char *e, size_t n) {
    (void)e, (void)n;
    replace_string(&a->flags.execution_segment_sequence, &a->flags.execution_segment_sequence_set, v);
    return 0;
}

static int set_address(c6_run_args *a, const char *v, char *e, size_t n) {
    (void)e, (void)n;
    a->address = v;
    a->address_set = true;
    return 0;
}

/* checked when the loggers are set up, as k6 does (exit 104) */
static int set_log_format(c6_run_args *a, const char *v, char *e, size_t n) {
    (void)e, (void)n;
    a->log_format = v;
    return 0;
}

static int set_log_output(c6_run_args *a, const char *v, char *e, size_t n) {
    (void)e, (void)n;
    a->log_output = v;
    return 0;
}

static int set_console_output(c6_run_args *a, const char *v, char *e, size_t n) {
    (void)e, (void)n;
    a->console_output = v;
    return 0;
}

static int set_no_usage_report(c6_run_args *a, const char *v, char *e, size_t n) {
    return args_parse_bool(v, &a->no_usage_report, e, n);
}

/* --http-debug logs headers; --http-debug=full bodies too. */
static int set_http_debug(c6_run_args *a, const char *v, char *e, size_t n) {
    const char *level = !strcmp(v, "true") ? "headers" : !strcmp(v, "false") ? "" : v;
    if (*level && strcmp(level, "headers") && strcmp(level, "full"))
        return err_set(e, n, "use --http-debug or --http-debug=full");
    replace_string(&a->flags.http_debug, &a->flags.http_debug_set, level);
    return 0;
}

static int set_linger(c6_run_args *a, const char *v, char *e, size_t n) { return args_parse_bool(v, &a->linger, e, n); }

/* QuickJS runs ES2023 whatever the mode: the names are checked, the choice changes nothing. */
static int set_compat(c6_run_args *a, const char *v, char *e, size_t n) {
    if (strcmp(v, "extended") && strcmp(v, "base") && strcmp(v, "experimental_enhanced"))
        return err_set(e, n, "invalid compatibility mode \"%s\" (use extended, base or experimental_enhanced)", v);
    a->compatibility_mode = v;
    return 0;
}

static int set_paused(c6_run_args *a, const char *v, char *e, size_t n) {
    a->flags.paused_set = true;
    return args_parse_bool(v, &a->flags.paused, e, n);
}

static const flag_def FLAGS[] = {
    {"vus", 'u', false, set_vus, NULL, "number of virtual users (default 1)"},
    {"duration", 'd', false, set_duration, NULL, "test duration, e.g. 30s, 5m, 1h30m"},
    {"iterations", 'i', false, set_iterations, NULL, "total iterations shared among the VUs"},
    {"stage", 's', false, set_stage, NULL, "a stage as duration:target (repeatable)"},
    {"no-thresholds", 0, true, set_no_thresholds, NULL, "do not evaluate thresholds"},
    {"insecure-skip-tls-verify", 0, true, set_insecure, NULL, "do not verify TLS certificates"},
    {"user-agent", 0, false, set_user_agent, NULL, "the User-Agent of requests (\"\" sends none)"},
    {"summary-trend-stats", 0, false, set_trend_stats, NULL, "trend stats of the summary, e.g. avg,p(95),p(99.9)"},
    {"summary-export", 0, false, set_summary_export, NULL, "write the summary as JSON (legacy format) to a file"},
    {"summary-time-unit", 0, false, set_time_unit, NULL, "time unit of the summary: s, ms or us"},
    {"system-tags", 0, false, set_system_tags, NULL, "system tags samples get (comma-separated)"},
    {"tag", 0, false, set_tag, NULL, "a tag on every sample, name=value (repeatable)"},
    {"env", 'e', false, set_env, NULL, "an environment variable for the script, NAME=value (repeatable)"},
    {"include-system-env-vars", 0, true, set_include_env, NULL, "give the script this process' environment"},
    {"config", 'c', false, set_config, NULL, "a JSON config file of options"},
    {"type", 't', false, set_type, NULL, "the test's type: js or archive (default: an archive if it reads as a tar)"},
    {"archive-out", 'O', false, set_archive_out, NULL,
     "c6 archive: the archive's file (default archive.tar; - for stdout)"},
    {"exclude-env-vars", 0, true, set_exclude_env, NULL, "c6 archive: no environment variables in the archive"},
    {"quiet", 'q', true, set_quiet, NULL, "no banner or progress"},
    {"no-color", 0, true, set_no_color, NULL, "no colors"},
    {"verbose", 'v', true, set_verbose, NULL, "debug logs"},
    {"help", 'h', true, set_help, NULL, "this help"},
    {"workers", 0, false, set_workers, NULL, "worker threads (c6 only; default one per CPU)"},
    {"latency-correction", 0, true, set_latency_correction, NULL,
     "c6 only: also http_req_duration_corrected and iteration_duration_corrected, timed from when "
     "arrival-rate iterations were due"},
    {"no-summary", 0, true, set_no_summary, NULL, "no end-of-test summary"},
    {"out", 'o', false, set_out, NULL,
     "an output: json=FILE, csv=FILE, influxdb=URL, experimental-prometheus-rw, web-dashboard (repeatable)"},
    {"summary-mode", 0, false, set_summary_mode, NULL, "compact (default), full or disabled"},
    {"execution-segment", 0, false, set_segment, NULL, "this instance's part of the test, e.g. 1/4:2/4"},
    {"execution-segment-sequence", 0, false, set_segment_sequence, NULL,
     "all the instances' segments, e.g. 0,1/4,1/2,1"},
    {"address", 'a', false, set_address, NULL, "REST API address (default localhost:6565; \"\" none)"},
    {"paused", 'p', true, set_paused, NULL, "start paused (resume through the REST API)"},
    {"http-debug", 0, true, set_http_debug, NULL, "log requests and responses (=full: with bodies)"},
    {"linger", 'l', true, set_linger, NULL, "keep the process and its REST API up after the end, until Ctrl-C"},
    {"compatibility-mode", 0, false, set_compat, NULL, "extended (default), base or experimental_enhanced"},
    {"log-format", 0, false, set_log_format, NULL, "text (default), json or raw"},
    {"log-output", 0, false, set_log_output, NULL, "stderr (default), stdout, none or file=PATH"},
    {"log-ns-timestamps", 0, true, set_log_ns, NULL, "log times with nanoseconds"},
    {"console-output", 0, false, set_console_output, NULL, "write console.* output to a file"},
    {"no-usage-report", 0, true, set_no_usage_report, NULL, "accepted (c6 reports nothing)"},
    /* flags that set a k6 option through its text form (as its K6_* variable) */
    {"min-iteration-duration", 0, false, NULL, "minIterationDuration", "shortest iteration; shorter ones are padded"},
    {"rps", 0, false, NULL, "rps", "requests per second for the whole test"},
    {"no-setup", 0, true, NULL, "noSetup", "do not run setup()"},
    {"no-teardown", 0, true, NULL, "noTeardown", "do not run teardown()"},
    {"batch", 0, false, NULL, "batch", "parallel requests of an http.batch (default 20)"},
    {"batch-per-host", 0, false, NULL, "batchPerHost", "parallel requests per host in an http.batch (default 6)"},
    {"max-redirects", 0, false, NULL, "maxRedirects", "redirects followed (default 10)"},
    {"no-connection-reuse", 0, true, NULL, "noConnectionReuse", "a new connection for every request"},
    {"no-vu-connection-reuse", 0, true, NULL, "noVUConnectionReuse", "no connection kept across a VU's iterations"},
    {"discard-response-bodies", 0, true, NULL, "discardResponseBodies", "do not keep response bodies"},
    {"throw", 'w', true, NULL, "throw", "a failed request throws instead of returning an error Response"},
    {"blacklist-ip", 0, false, NULL, "blacklistIPs", "an IP range (CIDR) never connected to (repeatable)"},
    {"block-hostnames", 0, false, NULL, "blockHostnames", "host name patterns never requested, e.g. *.example.com"},
    {"dns", 0, false, NULL, "dns", "DNS: ttl=..,select=first|random|roundRobin,policy=.."},
    {"local-ips", 0, false, NULL, "localIPs", "source addresses for the VUs, e.g. 127.0.0.1-127.0.0.9"},
};

#define NFLAGS (sizeof(FLAGS) / sizeof(FLAGS[0]))

/* ---- the parser ------------------------------------------------------- */

/* -O/--archive-out and --exclude-env-vars are flags of `c6 archive` only */
static bool archive_only(const flag_def *f) { return f->set == set_archive_out || f->set == set_exclude_env; }

static const flag_def *find_long(const char *name, size_t len, bool archive) {
    for (size_t i = 0; i < NFLAGS; i++)
        if ((archive || !archive_only(&FLAGS[i])) && strlen(FLAGS[i].name) == len &&
            memcmp(FLAGS[i].name, name, len) == 0)
            return &FLAGS[i];
    return NULL;
}

static const flag_def *find_short(char c, bool archive) {
    for (size_t i = 0; i < NFLAGS; i++)
        if ((archive || !archive_only(&FLAGS[i])) && FLAGS[i].shorthand == c) return &FLAGS[i];
    return NULL;
}

/* Runs the setter; on failure, names the flag the way k6 does:
 * invalid argument "abc" for "-u, --vus" flag: strconv.ParseInt: parsing "abc": invalid syntax */
static int apply(const flag_def *f, const char *val, c6_run_args *a, char *err, size_t errlen) {
    char cause[256] = "";
    if (f->set ? f->set(a, val, cause, sizeof(cause)) == 0
               : options_set_text(&a->flags, f->option, val, cause, sizeof(cause)) == 0)
        return 0;
    if (f->shorthand)
        return err_set(err, errlen, "invalid argument \"%s\" for \"-%c, --%s\" flag: %s", val, f->shorthand, f->name,
                       cause);
    return err_set(err, errlen, "invalid argument \"%s\" for \"--%s\" flag: %s", val, f->name, cause);
}

/* "--name", "--name=value" or "--name value"; may consume argv[*i + 1]. */
static int parse_long(int argc, char **argv, int *i, c6_run_args *a, char *err, size_t errlen) {
    const char *name = argv[*i] + 2, *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    const flag_def *f = find_long(name, len, a->archive_cmd);
    if (!f) return err_set(err, errlen, "unknown flag: --%.*s", (int)len, name);
    if (eq) return apply(f, eq + 1, a, err, errlen);
    if (f->is_bool) return apply(f, "true", a, err, errlen);
    if (*i + 1 >= argc) return err_set(err, errlen, "flag needs an argument: --%s", f->name);
    return apply(f, argv[++*i], a, err, errlen);
}

/* "-q", "-qv", "-u10", "-u=10", "-u 10"; may consume argv[*i + 1]. */
static int parse_shorts(int argc, char **argv, int *i, c6_run_args *a, char *err, size_t errlen) {
    const char *arg = argv[*i];
    for (const char *p = arg + 1; *p; p++) {
        const flag_def *f = find_short(*p, a->archive_cmd);
        if (!f) return err_set(err, errlen, "unknown shorthand flag: '%c' in %s", *p, arg);
        if (p[1] == '=') return apply(f, p + 2, a, err, errlen);
        if (f->is_bool) {
            if (apply(f, "true", a, err, errlen) != 0) return -1;
            continue;
        }
        if (p[1]) return apply(f, p + 1, a, err, errlen);
        if (*i + 1 >= argc) return err_set(err, errlen, "flag needs an argument: '%c' in %s", *p, arg);
        return apply(f, argv[++*i], a, err, errlen);
    }
    return 0;
}

static int set_script(c6_run_args *a, const char *arg, char *err, size_t errlen) {
    (void)err, (void)errlen;
    if (!a->script) a->script = arg;
    a->nargs++;
    return 0;
}

static int parse_all(int argc, char **argv, c6_run_args *a, char *err, size_t errlen) {
    bool only_positional = false;
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        int rc;
        if (only_positional || arg[0] != '-' || arg[1] == '\0') /* "-" is stdin */
            rc = set_script(a, arg, err, errlen);
        else if (strcmp(arg, "--") == 0) rc = 0, only_positional = true;
        else if (arg[1] == '-') rc = parse_long(argc, argv, &i, a, err, errlen);
        else rc = parse_shorts(argc, argv, &i, a, err, errlen);
        if (rc != 0) return -1;
    }
    if ((!a->script && !a->help) || a->nargs > 1) { /* cobra's args check with k6's text (internal/cmd/run.go) */
        if (a->archive_cmd)                         /* internal/cmd/archive.go: cobra.ExactArgs(1) */
            return err_set(err, errlen, "accepts 1 arg(s), received %d", a->nargs);
        return err_set(err, errlen,
                       "accepts 1 arg(s), received %d: arg should either be \"-\", if reading "
                       "script from stdin, or a path to a script file",
                       a->nargs);
    }
    return 0;
}

int args_flag_at(int argc, char **argv, int i, const char **name, int *letter) {
    const char *arg = argv[i];
    *name = NULL;
    *letter = 0;
    if (arg[0] != '-' || arg[1] == '\0' || strcmp(arg, "--") == 0) return 0;
    if (arg[1] == '-') {
        const char *n = arg + 2, *eq = strchr(n, '=');
        const flag_def *f = find_long(n, eq ? (size_t)(eq - n) : strlen(n), true);
        if (!f) return 0;
        *name = f->name;
        return eq || f->is_bool || i + 1 >= argc ? 1 : 2;
    }
    for (const char *p = arg + 1; *p; p++) { /* as parse_shorts reads a group */
        const flag_def *f = find_short(*p, true);
        if (!f) return *name ? 1 : 0;
        *name = f->name;
        *letter = (int)(p - arg);
        if (p[1] == '=' || (!f->is_bool && p[1])) return 1;
        if (!f->is_bool) return i + 1 >= argc ? 1 : 2;
    }
    return 1;
}

static void args_init(c6_run_args *a) {
    memset(a, 0, sizeof(*a));
    options_init(&a->flags);
    a->include_system_env_vars = true;
}

/* K6_OUT="json=a.json,csv=b.csv": outputs separated by commas, but a comma
 * inside an output's own argument (csv=f.csv,timeFormat=unix) stays with it:
 * a piece starts a new output only if it begins with a known output type. */
static void args_env_outs(c6_run_args *a, const char *v) {
    static const char *const types[] = {"json",
                                        "csv",
                                        "influxdb",
                                        "web-dashboard",
                                        "experimental-prometheus-rw",
                                        "cloud",
                                        "statsd",
                                        "experimental-opentelemetry",
                                        "opentelemetry"};
    a->env_outs = xstrndup(v, strlen(v));
    char *start = a->env_outs;
    for (char *p = a->env_outs;; p++) {
        if (*p != ',' && *p) continue;
        bool next = false;
        if (*p == ',') {
            const char *q = p + 1;
            for (size_t i = 0; i < sizeof types / sizeof *types && !next; i++) {
                size_t l = strlen(types[i]);
                next = strncmp(q, types[i], l) == 0 && (q[l] == '=' || q[l] == ',' || q[l] == 0);
            }
            if (!next) continue;
        }
        bool last = *p == 0;
        *p = 0;
        if (*start) set_out(a, start, NULL, 0);
        if (last) break;
        start = p + 1;
    }
}

/* the i-th of the flags a command takes (archive: with -O and
 * --exclude-env-vars), for completion */
static bool args_flag_nth(size_t i, bool archive, cli_flag_info *out) {
    for (size_t k = 0; k < NFLAGS; k++) {
        if (!archive && archive_only(&FLAGS[k])) continue;
        if (i-- == 0) {
            *out = (cli_flag_info){FLAGS[k].name, FLAGS[k].shorthand, FLAGS[k].is_bool, FLAGS[k].help};
            return true;
        }
    }
    return false;
}

bool args_run_flag_info(size_t i, cli_flag_info *out) { return args_flag_nth(i, false, out); }
bool args_archive_flag_info(size_t i, cli_flag_info *out) { return args_flag_nth(i, true, out); }

void args_print_help(FILE *f) {
    fprintf(f, "usage: c6 run [flags] script.js   (script.js: a file, or - for stdin)\n\nflags:\n");
    for (size_t i = 0; i < NFLAGS; i++) {
        char name[64];
        if (FLAGS[i].shorthand) snprintf(name, sizeof name, "-%c, --%s", FLAGS[i].shorthand, FLAGS[i].name);
        else snprintf(name, sizeof name, "    --%s", FLAGS[i].name);
        fprintf(f, "  %-32s %s\n", name, FLAGS[i].help);
    }
}

static int args_parse(int argc, char **argv, c6_run_args *a, bool archive, char *err, size_t errlen) {
    args_init(a);
    if (archive) { /* k6 archive: runtimeOptionFlagSet(false), -O, --exclude-env-vars */
        a->archive_cmd = true;
        a->include_system_env_vars = false;
        a->archive_out = "archive.tar";
    }
    if (parse_all(argc, argv, a, err, errlen) != 0) {
        args_free(a);
        return -1;
    }
    if (a->no_summary && !a->summary_mode) a->summary_mode = "disabled";
    /* k6 reads K6_ADDRESS with its global flags: below the flag, and not
     * counted as "set" (a bind failure then only warns). */
    if (!a->address) {
        const char *env = getenv("K6_ADDRESS");
        a->address = env ? env : API_DEFAULT_ADDRESS;
    }
    const char *eo = getenv("K6_OUT");
    if (!a->nouts && eo && *eo) args_env_outs(a, eo);
    if (!a->log_format) a->log_format = getenv("K6_LOG_FORMAT");
    const char *lg = getenv("K6_LINGER");
    if (lg && !a->linger && (!strcmp(lg, "true") || !strcmp(lg, "1"))) a->linger = true;
    const char *cm = getenv("K6_COMPATIBILITY_MODE");
    if (!a->compatibility_mode && cm && *cm && set_compat(a, cm, err, errlen) != 0) {
        char cause[256];
        snprintf(cause, sizeof cause, "%s", err);
        snprintf(err, errlen, "K6_COMPATIBILITY_MODE: %s", cause);
        args_free(a);
        return -1;
    }
    if (!a->log_output) a->log_output = getenv("K6_LOG_OUTPUT");
    if (!a->console_output) a->console_output = getenv("K6_CONSOLE_OUTPUT");
    if (!a->test_type) a->test_type = getenv("K6_TYPE");
    const char *lc = getenv("C6_LATENCY_CORRECTION");
    if (lc && !a->latency_correction && (!strcmp(lc, "true") || !strcmp(lc, "1"))) a->latency_correction = true;
    return 0;
}

int args_parse_run(int argc, char **argv, c6_run_args *a, char *err, size_t errlen) {
    return args_parse(argc, argv, a, false, err, errlen);
}

int args_parse_archive(int argc, char **argv, c6_run_args *a, char *err, size_t errlen) {
    return args_parse(argc, argv, a, true, err, errlen);
}

void args_free(c6_run_args *a) {
    options_free(&a->flags);
    for (size_t i = 0; i < a->nenv; i++) {
        free(a->env[i].key);
        free(a->env[i].value);
    }
    free(a->env);
    free(a->outs);
    free(a->env_outs);
    args_init(a);
}
