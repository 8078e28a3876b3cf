/* The `run` command: the main thread compiles the script (first init run),
 * consolidates options, starts the workers, drives the test's timeline, the
 * metrics engine and the progress line, then prints the summary. */
#include "cli/run.h"

#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <uv.h>
#include "cli/args.h"
#include "cli/progress.h"
#include "config/duration.h"
#include <cjson/cJSON.h>
#include "config/executor_def.h"
#include "config/options.h"
#include "exec/executor.h"
#include "exec/test.h"
#include "js/script.h"
#include "js/vm.h"
#include "metrics/engine.h"
#include "metrics/histogram.h"
#include "metrics/registry.h"
#include "metrics/threshold.h"
#include "exec/segment.h"
#include "config/options_json.h"
#include "api/server.h"
#include "net/tls.h"
#include "net/dialer.h"
#include "exec/worker.h"
#include "output/summary.h"
#include "output/csv.h"
#include "output/dashboard.h"
#include "output/export.h"
#include "output/json.h"
#include "output/influxdb.h"
#include "output/promrw.h"
#include "output/summary_json.h"
#include "util/clock.h"
#include "util/log.h"

extern char **environ;

enum { EXIT_THRESHOLDS = 99, EXIT_SETUP_TIMEOUT = 100, EXIT_TEARDOWN_TIMEOUT = 101, EXIT_API_STOP = 103,
       EXIT_CONFIG = 104, EXIT_API_LISTEN = 106, EXIT_ABORTED = 105, EXIT_SCRIPT = 107,
       EXIT_SCRIPT_ABORT = 108, EXIT_SCRIPT_FAIL = 110, EXIT_FLAGS = 255,
       EXIT_OUTPUT = 255 /* an output that cannot start: k6's error without an exit code of its own */ };

typedef struct run_threshold {
    char *metric;
    const char *source;      /* the expression as written */
    int metric_id;
    int sub;                 /* engine sub-metric index, or -1 for the metric itself */
    bool abort_on_fail;
    int64_t delay_abort_us;  /* delayAbortEval */
    threshold t;
    bool ok;
    double observed;
} run_threshold;

typedef struct run_ctx {
    c6_test test;
    c6_run_args args;
    c6_options opts;
    script scr;
    engine *eng;
    sample_buf main_samples;      /* vus / vus_max, from the main thread */
    uv_loop_t *loop;
    uv_async_t wake;
    uv_timer_t tick, special_timer, special_progress;
    enum worker_cmd special_cmd;     /* setup or teardown running: what the progress block says */
    int64_t teardown_end_us;         /* when teardown() returned: the last progress block's time */
    api_server *api;              /* the REST API (--address), NULL when off */
    pthread_mutex_t eng_lock;     /* the metrics thread drains the engine; main and API threads read it */
    pthread_t metrics_thread;     /* drains samples into the engine and outputs while the test runs */
    bool metrics_running;
    atomic_bool metrics_stop;
    atomic_int api_state;         /* api_exec_status, for GET /v1/status */
    atomic_int api_stopped;       /* PATCH {"stopped": true} */
    atomic_int tainted;           /* a threshold was crossed at the last evaluation */
    bool waiting_resume;          /* --paused: the main loop waits for a resume */
    bool lingering;               /* --linger: the test ended, waiting for a signal */
    bool special_timed_out;
    struct run_scen *rs;          /* per scenario: its start/end/hard-stop timers */
    uv_signal_t sigint, sigterm;
    int signals;
    bool aborted;
    worker *waiting_on;           /* setup/teardown/handleSummary running there */
    int64_t last_progress_us;
    int64_t last_threshold_us;
    bool threshold_aborted;
    char *abort_names;           /* the crossed metrics when an abortOnFail threshold stopped the run */
    bool output_failed;
    int64_t run_end_us;
    run_threshold *thr;
    size_t nthr;
    json_output *json_out[4];
    csv_output *csv_out[4];
    influx_output *influx_out[4];
    prw_output *prw_out[4];
    int njson, ncsv, ninflux, nprw;
    buf outputs_shown;            /* the banner's "output:" value, in -o order */
    char *scenario_problems;      /* options_plan's -2 lines, for k6's configuration block */
    char *options_problem;        /* the options' own line of that block (a segment not in its sequence) */
    bool tty;
    dash_config dash_cfg;         /* the web dashboard (K6_WEB_DASHBOARD, -o web-dashboard) */
    dashboard *dash;              /* NULL when off */
    int *dash_scen_vus;           /* per scenario, for its snapshots */
    int64_t dash_last_us;         /* when the last snapshot was taken */
} run_ctx;

/* The main thread's side of a scenario: it starts at startTime, stops
 * starting iterations at the end of its duration, interrupts the running
 * ones gracefulStop later, and is done when every worker has reported. */
typedef struct run_scen {
    run_ctx *r;
    scen_rt *sc;
    uv_timer_t start, end, hard;
} run_scen;

/* ---- helpers ---- */

static char **run_build_env(const c6_run_args *a) {
    size_t n = 0, cap = 16;
    char **env = malloc(cap * sizeof *env);
    if (a->include_system_env_vars)
        for (char **e = environ; *e; e++) {
            if (n + 1 >= cap) env = realloc(env, (cap *= 2) * sizeof *env);
            env[n++] = strdup(*e);
        }
    for (size_t i = 0; i < a->nenv; i++) {
        if (n + 1 >= cap) env = realloc(env, (cap *= 2) * sizeof *env);
        size_t len = strlen(a->env[i].key) + strlen(a->env[i].value) + 2;
        env[n] = malloc(len);
        snprintf(env[n++], len, "%s=%s", a->env[i].key, a->env[i].value);
    }
    env[n] = NULL;
    return env;
}

static void run_free_env(char **env) {
    for (char **e = env; e && *e; e++) free(*e);
    free(env);
}

static int run_worker_count(const run_ctx *r) {
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int w = r->args.workers > 0 ? r->args.workers : (int)(cpus > 0 ? cpus : 1);
    int64_t most = r->test.init_vus + r->test.plan.max_unplanned_vus;
    if (w > most) w = (int)most;
    return w < 1 ? 1 : w;
}

/* ---- first init run: compile and read options ---- */

/* k6 wraps what goes wrong while it loads the script (internal/cmd/test_load.go,
 * loadLocalTest and initializeFirstRunner): "could not initialize '<as given>':
 * could not load JS test 'file://<abs>': <err>". */
static void run_init_error(const run_ctx *r, char *err, size_t errlen) {
    char *inner = strdup(err);
    if (!inner) return;
    bool in = strcmp(r->args.script, "-") == 0;
    snprintf(err, errlen, "could not initialize '%s': could not load JS test 'file://%s': %s", r->args.script,
             in ? "/-" : r->scr.main_path, inner);
    free(inner);
}

/* The first init run. 0, or the exit code with err set: 107 for a script
 * error; a missing module or a script without any exported function are
 * reported with k6's wrapping, the latter with k6's 255. */
static int run_compile(run_ctx *r, char *err, size_t errlen) {
    vu v = {0};
    v.test = &r->test;
    v.role = VU_REGULAR;
    int rc = vm_create(&v, &r->scr, true, err, errlen);
    vm_destroy(&v);
    if (rc) {
        if (r->scr.load_error) run_init_error(r, err, errlen);
        return EXIT_SCRIPT;
    }
    if (r->scr.bad_export) {   /* internal/js/bundle.go, populateExports: no exit code of their own */
        snprintf(err, errlen, "exported '%s' must be a function", r->scr.bad_export);
        run_init_error(r, err, errlen);
        return EXIT_FLAGS;
    }
    if (r->scr.nexport_fns == 0) {
        snprintf(err, errlen, "no exported functions in script");
        run_init_error(r, err, errlen);
        return EXIT_FLAGS;
    }
    return 0;
}

/* Whether a layer sets any of the options that replace options.scenarios. */
static bool run_sets_execution(const c6_options *o) {
    return o->duration_set || o->iterations_set || o->stages_set || o->scenarios_set;
}

/* k6 warns when a layer's duration/iterations/stages/scenarios replace the
 * scenarios of the layers below it (internal/cmd/config.go,
 * getConsolidatedConfig and warnOnShortHandOverride): config file < script
 * < environment < command line. A layer that sets any of them takes its own
 * scenarios (or none) to the next comparison. */
static void run_warn_overrides(const c6_options *cfg, const c6_options *scr, const c6_options *env,
                               const c6_options *cli) {
    const c6_options *layers[] = {scr, env, cli};
    static const char *const names[] = {"script", "env", "cli"};
    bool scenarios = cfg->scenarios_set;
    for (int i = 0; i < 3; i++) {
        if (!run_sets_execution(layers[i])) continue;
        if (scenarios)
            log_printf(LOG_WARN, "\"%s\" level configuration overrode scenarios configuration entirely", names[i]);
        scenarios = layers[i]->scenarios_set;
    }
}

static int run_options(run_ctx *r, char *err, size_t errlen) {
    c6_options env, scr, cfg;
    options_init(&env);
    options_init(&scr);
    options_init(&cfg);
    int rc = options_from_env(environ, &env, err, errlen);
    if (!rc && r->scr.options_json &&
        (rc = options_from_json(r->scr.options_json, "script options", &scr, err, errlen)) != 0)
        run_init_error(r, err, errlen);   /* k6 reads the options while it loads the script */
    if (!rc && scr.unknown_field) {   /* internal/js/bundle.go, populateExports (logger.WithError(err).Warn) */
        char e[300];
        snprintf(e, sizeof e, "json: unknown field \"%.256s\"", scr.unknown_field);
        log_msg_field(LOG_WARN, "There were unknown fields in the options exported in the script", "error", e);
    }
    if (!rc && r->args.config_path) {
        /* k6's texts (internal/cmd/config.go, readDiskConfig and getConsolidatedConfig) */
        const char *path = r->args.config_path;
        const script_blob *b = script_open_file(&r->scr, path);
        int e = errno;
        if (!b) {
            snprintf(err, errlen, "failed to load the configuration file from the local file system: %s %s: %s",
                     e == ENOENT || e == ENOTDIR ? "stat" : "open", path,
                     e == ENOENT ? "no such file or directory" : e == EACCES ? "permission denied" : strerror(e));
            rc = -1;
        } else if ((rc = options_from_json((const char *)b->data, path, &cfg, err, errlen)) != 0) {
            char *why = strdup(err);
            size_t pl = strlen(path);
            const char *d = why && !strncmp(why, path, pl) && !strncmp(why + pl, ": ", 2) ? why + pl + 2 : why;
            snprintf(err, errlen, "failed to load the configuration file from the local file system: couldn't parse "
                     "the configuration from \"%s\": %s", path, d ? d : "");
            free(why);
        }
    }
    if (!rc) {
        run_warn_overrides(&cfg, &scr, &env, &r->args.flags);
        options_merge(&r->opts, &r->args.flags);
        options_merge(&r->opts, &env);
        options_merge(&r->opts, &scr);
        options_merge(&r->opts, &cfg);
        rc = options_plan(&r->opts, &r->test.plan, err, errlen);
        const c6_options *o = &r->opts;
        if (rc == 0 && !o->iterations_set && !o->duration_set && !o->nstages && !o->nscenarios && !o->vus_set) {
            /* lib/executor/execution_config_shortcuts.go: the 1 VU x 1 iteration default */
            if (o->stages_set)
                log_printf(LOG_WARN, "`stages` was explicitly set to an empty value, running the script with 1 "
                           "iteration in 1 VU");
            if (o->scenarios_set)
                log_printf(LOG_WARN, "`scenarios` was explicitly set to an empty value, running the script with 1 "
                           "iteration in 1 VU");
        }
        if (rc == -2) {   /* reported in k6's block, after the thresholds (run_check_config) */
            r->scenario_problems = strdup(err);
            rc = r->scenario_problems ? 0 : -1;
        }
    }
    options_free(&env);
    options_free(&scr);
    options_free(&cfg);
    return rc;
}

/* Adds an output's description to the banner's "output:" list (k6 joins
 * them with ", "; internal/cmd/ui.go, printExecutionDescription). */
#define run_output_shown(r, describe, out)                                   \
    do {                                                                     \
        if ((r)->outputs_shown.len) buf_puts(&(r)->outputs_shown, ", ");     \
        describe(out, &(r)->outputs_shown);                                  \
    } while (0)

/* k6's errors for an -o type it does not have or no longer has
 * (internal/cmd/outputs.go and outputs_builtin.go, createOutputs and
 * getAllOutputConstructors): the types it lists are all but kafka and
 * datadog, sorted. Returns EXIT_OUTPUT. */
static int run_output_failed(const char *type, size_t tl, const char *why, char *err, size_t errlen) {
    snprintf(err, errlen, "could not create the '%.*s' output: %s", (int)tl, type, why);
    return EXIT_OUTPUT;
}

static int run_output_unknown(const char *type, size_t tl, char *err, size_t errlen) {
    static const struct { const char *type, *why; } gone[] = {
        {"kafka", "the kafka output was deprecated in k6 v0.32.0 and removed in k6 v0.34.0, please use the new "
                  "xk6 kafka output extension instead - https://github.com/k6io/xk6-output-kafka"},
        {"statsd", "the statsd output was deprecated in k6 v0.47.0 and removed in k6 v0.55.0, please use the new "
                   "xk6 statsd output extension instead. It can be found at https://github.com/LeonAdato/xk6-output-statsd "
                   "and more info at https://github.com/grafana/k6/issues/2982"},
        {"datadog", "the datadog output was deprecated in k6 v0.32.0 and removed in k6 v0.34.0, please use the statsd "
                    "output extension https://github.com/LeonAdato/xk6-output-statsd with environment variable "
                    "K6_STATSD_ENABLE_TAGS=true or an experimental opentelemetry output instead"},
        /* k6 has these; c6 does not */
        {"cloud", "c6 does not have it"}, {"opentelemetry", "c6 does not have it"},
        {"experimental-opentelemetry", "c6 does not have it"}, {"timescaledb-breakingit", "c6 does not have it"},
    };
    for (size_t i = 0; i < sizeof gone / sizeof *gone; i++)
        if (strlen(gone[i].type) == tl && strncmp(type, gone[i].type, tl) == 0) {
            snprintf(err, errlen, "could not create the '%.*s' output: %s", (int)tl, type, gone[i].why);
            return EXIT_OUTPUT;
        }
    snprintf(err, errlen, "invalid output type '%.*s', available types are: cloud, csv, experimental-opentelemetry, "
             "experimental-prometheus-rw, influxdb, json, opentelemetry, statsd, timescaledb-breakingit, web-dashboard",
             (int)tl, type);
    return EXIT_OUTPUT;
}

/* -o TYPE=ARG: k6's json, csv, influxdb and prometheus remote-write
 * outputs, as engine listeners (metrics thread), and the dashboard's
 * settings. Returns 0, EXIT_OUTPUT with k6's "could not create the 'TYPE'
 * output: ..." (an error without an exit code of its own in k6: 255), or
 * EXIT_CONFIG for the dashboard's settings. */
static int run_open_outputs(run_ctx *r, char *err, size_t errlen) {
    int64_t mono0 = clock_now_ns(), wall0 = clock_wall_ns();
    const char *dash_arg = NULL;   /* -o web-dashboard[=ARG]: "" without ARG */
    for (size_t i = 0; i < r->args.nouts; i++) {
        const char *o = r->args.outs[i];
        const char *eq = strchr(o, '=');
        size_t tl = eq ? (size_t)(eq - o) : strlen(o);
        const char *arg = eq ? eq + 1 : NULL;
        char e2[512] = "";
        if (tl == 4 && strncmp(o, "json", 4) == 0 && r->njson < 4) {
            json_output *j = json_output_open(arg ? arg : "-", mono0, wall0, e2, sizeof e2);
            if (!j) return run_output_failed(o, tl, e2, err, errlen);
            r->json_out[r->njson++] = j;
            engine_add_listener(r->eng, json_output_sample, j);
            run_output_shown(r, json_output_describe, j);
        } else if (tl == 3 && strncmp(o, "csv", 3) == 0 && r->ncsv < 4) {
            csv_config c;
            if (csv_config_parse(&c, arg, e2, sizeof e2)) return run_output_failed(o, tl, e2, err, errlen);
            csv_output *cv = csv_output_open_config(&c, r->opts.system_tags_set ? (const char *const *)r->opts.system_tags : NULL,
                                                    r->opts.system_tags_set ? r->opts.nsystem_tags : 0, mono0, wall0, e2, sizeof e2);
            csv_config_free(&c);
            if (!cv) return run_output_failed(o, tl, e2, err, errlen);
            r->csv_out[r->ncsv++] = cv;
            engine_add_listener(r->eng, csv_output_sample, cv);
            run_output_shown(r, csv_output_describe, cv);
        } else if (tl == 13 && strncmp(o, "web-dashboard", 13) == 0) {
            dash_arg = arg ? arg : "";
        } else if (tl == 8 && strncmp(o, "influxdb", 8) == 0 && r->ninflux < 4) {
            influx_output *ix = influx_output_open(arg, environ, mono0, wall0, e2, sizeof e2);
            if (!ix) return run_output_failed(o, tl, e2, err, errlen);
            r->influx_out[r->ninflux++] = ix;
            engine_add_listener(r->eng, influx_output_sample, ix);
            run_output_shown(r, influx_output_describe, ix);
        } else if (tl == 26 && strncmp(o, "experimental-prometheus-rw", 26) == 0 && r->nprw < 4) {
            prw_output *pw = prw_output_open(arg, environ, mono0, wall0, e2, sizeof e2);
            if (!pw) return run_output_failed(o, tl, e2, err, errlen);
            r->prw_out[r->nprw++] = pw;
            engine_add_listener(r->eng, prw_output_sample, pw);
            run_output_shown(r, prw_output_describe, pw);
        } else {
            return run_output_unknown(o, tl, err, errlen);
        }
    }
    /* the dashboard reads k6's K6_WEB_DASHBOARD* variables from c6's own environment */
    return dash_config_read(&r->dash_cfg, environ, dash_arg, err, errlen) ? EXIT_CONFIG : 0;
}

/* The Metric lines of the JSON output list all of a metric's thresholds
 * (those on its sub-metrics belong to them, as in k6) and sub-metrics. */
static void run_describe_outputs(run_ctx *r) {
    int nsub = engine_submetric_count(r->eng);
    json_threshold *ts = calloc(r->nthr + 1, sizeof *ts);
    char **filters = calloc((size_t)nsub + 1, sizeof *filters);
    for (size_t i = 0; ts && i < r->nthr; i++) {
        int id = r->thr[i].metric_id;
        size_t n = 0, k = 0;
        while (k < i && (r->thr[k].sub >= 0 || r->thr[k].metric_id != id)) k++;
        if (r->thr[i].sub >= 0 || k < i) continue;   /* done with the metric's first threshold */
        for (k = i; k < r->nthr; k++)
            if (r->thr[k].sub < 0 && r->thr[k].metric_id == id)
                ts[n++] = (json_threshold){r->thr[k].source, r->thr[k].abort_on_fail, r->thr[k].delay_abort_us};
        for (int j = 0; j < r->njson; j++) json_output_set_thresholds(r->json_out[j], id, ts, n);
    }
    for (int i = 0; filters && i < nsub; i++) {
        int parent = engine_submetric_parent(r->eng, i), k = 0;
        size_t n = 0;
        while (k < i && engine_submetric_parent(r->eng, k) != parent) k++;
        if (k < i) continue;
        for (k = i; k < nsub; k++) {
            if (engine_submetric_parent(r->eng, k) != parent) continue;
            const char *brace = strchr(engine_submetric_name(r->eng, k), '{');
            if ((filters[n] = strndup(brace + 1, strlen(brace + 1) - 1))) n++;
        }
        for (int j = 0; j < r->njson; j++)
            json_output_set_submetrics(r->json_out[j], parent, (const char *const *)filters, n);
        while (n) free(filters[--n]);
    }
    free(ts);
    free(filters);
}

/* Each output flushes on its own interval (CSV's saveInterval), also when idle. */
static void run_tick_outputs(run_ctx *r) {
    for (int i = 0; i < r->njson; i++) json_output_tick(r->json_out[i]);
    for (int i = 0; i < r->ncsv; i++) csv_output_tick(r->csv_out[i]);
    for (int i = 0; i < r->ninflux; i++) influx_output_tick(r->influx_out[i]);
    for (int i = 0; i < r->nprw; i++) prw_output_tick(r->prw_out[i]);
}

/* Returns -1 if an output could not be written completely (logged). */
static int run_close_outputs(run_ctx *r) {
    char e[512];
    int rc = 0;
    for (int i = 0; i < r->njson; i++)
        if (json_output_close(r->json_out[i], e, sizeof e)) { log_printf(LOG_ERROR, "json output: %s", e); rc = -1; }
    for (int i = 0; i < r->ncsv; i++)
        if (csv_output_close(r->csv_out[i], e, sizeof e)) { log_printf(LOG_ERROR, "csv output: %s", e); rc = -1; }
    /* a network output that could not write is a warning (logged), not a failed run */
    for (int i = 0; i < r->ninflux; i++) influx_output_close(r->influx_out[i]);
    for (int i = 0; i < r->nprw; i++) prw_output_close(r->prw_out[i]);
    r->njson = r->ncsv = r->ninflux = r->nprw = 0;
    return rc;
}

/* Options whose values c6 checks itself (exit 104 when wrong). */
/* --execution-segment / --execution-segment-sequence (or K6_EXECUTION_SEGMENT,
 * K6_EXECUTION_SEGMENT_SEQUENCE): this instance's share of the test. */
static int run_segment(run_ctx *r, char *err, size_t errlen) {
    const char *seg = r->opts.execution_segment_set ? r->opts.execution_segment : NULL;
    const char *seq = r->opts.execution_segment_sequence_set ? r->opts.execution_segment_sequence : NULL;
    if ((!seg || !*seg) && (!seq || !*seq)) return 0;
    c6_segment s;
    c6_segment_seq q = {0};
    if (c6_segment_parse(seg ? seg : "", &s, err, errlen)) return -1;
    if (seq && *seq && c6_segment_seq_parse(seq, &q, err, errlen)) return -1;
    r->test.seg = calloc(1, sizeof *r->test.seg);
    if (c6_segment_tuple_new(&s, &q, r->test.seg, err, errlen)) {
        free(r->test.seg);
        r->test.seg = NULL;
        /* lib/options.go, Validate: reported in k6's configuration block (run_check_config) */
        if (strncmp(err, "provided segment ", 17) == 0 && (r->options_problem = strdup(err))) return 0;
        return -1;
    }
    return 0;
}

static int run_validate(run_ctx *r, char *err, size_t errlen) {
    const char *tu = r->opts.summary_time_unit_set ? r->opts.summary_time_unit : NULL;
    if (tu && *tu && strcmp(tu, "s") && strcmp(tu, "ms") && strcmp(tu, "us")) {
        snprintf(err, errlen, "invalid summaryTimeUnit \"%s\": use s, ms or us", tu);
        return -1;
    }
    r->test.system_tags = SYSTEM_TAGS_DEFAULT;
    if (r->opts.system_tags_set &&
        system_tags_mask(r->opts.system_tags, r->opts.nsystem_tags, &r->test.system_tags, err, errlen))
        return -1;
    /* SSL_CERT_FILE/SSL_CERT_DIR come from c6's own environment, as Go
     * reads them for k6 */
    r->test.tls = tls_config_new(&r->opts, environ, err, errlen);
    if (!r->test.tls && err[0]) return -1;
    return run_segment(r, err, errlen);
}

/* k6's "There were problems with the specified script configuration:" block
 * (internal/cmd/config.go, validateConfig and consolidateErrorMessage): the
 * scenarios' validation errors, then a line for each scenario whose function
 * is not exported, each line after "\n\t- ". 0, or -1 with err set (104). */
static int run_check_config(run_ctx *r, char *err, size_t errlen) {
    buf b = {0};
    buf_puts(&b, "There were problems with the specified script configuration:");
    size_t title = b.len;
    if (r->options_problem) {   /* Options.Validate lists it before the scenarios' errors */
        buf_puts(&b, "\n\t- ");
        buf_puts(&b, r->options_problem);
    }
    if (r->scenario_problems) {
        buf_puts(&b, "\n\t- ");
        buf_puts(&b, r->scenario_problems);
    }
    for (size_t i = 0; i < r->test.plan.nscenarios; i++) {
        const c6_scenario *c = &r->test.plan.scenarios[i];
        const char *fn = c->exec ? c->exec : "default";
        if (script_exports_fn(&r->scr, fn)) continue;
        buf_puts(&b, "\n\t- executor ");
        buf_puts(&b, c->name);
        buf_puts(&b, ": function '");
        buf_puts(&b, fn);
        buf_puts(&b, "' not found in exports");
    }
    int rc = b.len > title ? -1 : 0;
    if (rc) snprintf(err, errlen, "%.*s", (int)b.len, b.p);
    buf_free(&b);
    return rc;
}

static int run_thresholds(run_ctx *r, char *err, size_t errlen) {
    /* k6's summary always has this line under http_req_duration */
    engine_add_submetric(r->eng, M_HTTP_REQ_DURATION, "expected_response:true", err, errlen);
    if (r->opts.no_thresholds) return 0;
    for (size_t i = 0; i < r->opts.nthresholds; i++) {
        const c6_threshold_set *ts = &r->opts.thresholds[i];
        /* k6 (internal/cmd/test_load.go, consolidateDeriveAndValidateConfig): a
         * metric's expressions are parsed first (Thresholds.Parse), then checked
         * against the metric (Thresholds.Validate, metrics/thresholds.go) */
        size_t first = r->nthr;
        for (size_t k = 0; k < ts->nexprs; k++) {
            run_threshold *grown = realloc(r->thr, (r->nthr + 1) * sizeof *r->thr);
            if (!grown) return snprintf(err, errlen, "out of memory"), -1;
            r->thr = grown;
            run_threshold *t = &r->thr[r->nthr];
            memset(t, 0, sizeof *t);
            if (threshold_parse(ts->exprs[k], &t->t, err, errlen)) return -1;
            t->metric = ts->metric;
            t->source = ts->exprs[k];
            t->abort_on_fail = ts->abort_on_fail && ts->abort_on_fail[k];
            t->delay_abort_us = ts->delay_abort_eval_us ? ts->delay_abort_eval_us[k] : 0;
            r->nthr++;
        }
        if (threshold_check_metric_name(ts->metric, err, errlen)) return -1;
        char base[256];
        const char *brace = strchr(ts->metric, '{');
        size_t bl = brace ? (size_t)(brace - ts->metric) : strlen(ts->metric);
        snprintf(base, sizeof base, "%.*s", (int)(bl < sizeof base ? bl : sizeof base - 1), ts->metric);
        int id = registry_find(base);
        if (id < 0) {
            snprintf(err, errlen, "invalid threshold defined on %s; reason: no metric name \"%s\" found",
                     ts->metric, ts->metric);
            return -1;
        }
        int sub = -1;
        if (brace) {
            size_t fl = strlen(brace + 1);
            if (fl == 0 || brace[fl] != '}') {
                snprintf(err, errlen, "invalid threshold: \"%s\": a sub-metric filter ends with '}'", ts->metric);
                return -1;
            }
            char *filter = strndup(brace + 1, fl - 1);
            char e3[512];
            sub = filter ? engine_add_submetric(r->eng, id, filter, e3, sizeof e3) : -1;
            if (!filter) snprintf(e3, sizeof e3, "out of memory");
            free(filter);
            if (sub < 0) { snprintf(err, errlen, "invalid threshold on %s: %s", ts->metric, e3); return -1; }
        }
        for (size_t k = first; k < r->nthr; k++) {
            run_threshold *t = &r->thr[k];
            char e2[512];
            if (threshold_check_type(&t->t, registry_get(id)->type, e2, sizeof e2)) {
                snprintf(err, errlen, "invalid threshold \"%s\" applied on metric %s; reason: %s", t->source,
                         ts->metric, e2);
                return -1;
            }
            t->sub = sub;
            t->metric_id = id;
        }
    }
    return 0;
}

/* ---- progress and banner ---- */

/* The most VUs the plan can have (k6's maxPossibleVUs), as the banner says. */
static int64_t run_max_vus(const run_ctx *r) {
    int64_t most = r->test.init_vus;
    for (int i = 0; i < r->test.nscen; i++) most += r->test.scen[i].max_vus - r->test.scen[i].vus;
    return most;
}

static void run_banner(run_ctx *r) {
    if (r->args.quiet) return;
    const c6_plan *p = &r->test.plan;
    char maxd[32], desc[512];
    duration_format(maxd, sizeof maxd, p->max_duration_us);
    printf("\n         /\\      |‾‾| /‾‾/   /‾‾/   \n"
           "    /\\  /  \\     |  |/  /   /  /    \n"
           "   /  \\/    \\    |     (   /   ‾‾\\  \n"
           "  /          \\   |  |\\  \\ |  (‾)  | \n"
           " / __________ \\  |__| \\__\\ \\_____/ .io   c6\n\n");
    printf("     execution: local\n        script: %s\n", r->args.script);
    /* k6: " web dashboard:" then the dashboard output's description
     * without its name: " URL", or nothing without a server (port -1) */
    if (r->dash) printf(" web dashboard:%s%s\n", *dash_url(r->dash) ? " " : "", dash_url(r->dash));
    printf("        output: %s\n\n", r->outputs_shown.len ? r->outputs_shown.p : "-");
    double pct = 100;
    if (r->test.seg) {
        c6_rat len = c6_segment_length(&r->test.seg->seg);
        pct = 100.0 * (double)len.num / (double)len.den;
    }
    int64_t most = run_max_vus(r);
    printf("     scenarios: (%.2f%%) %zu scenario%s, %lld max VUs, %s max duration (incl. graceful stop):\n",
           pct, p->nscenarios, p->nscenarios == 1 ? "" : "s", (long long)most, maxd);
    for (size_t i = 0; i < p->nscenarios; i++) {
        scenario_describe(&p->scenarios[i], desc, sizeof desc);
        printf("              * %s: %s\n", p->scenarios[i].name, desc);
    }
    printf("\n");
    fflush(stdout);
}

/* A scenario's bar: its fraction, status mark and k6's text columns after
 * it: VUs, time ("05/10 VUs", "12.0s/30s", or the total once over), and the
 * executor's own (shared iters, iters per VU, iters/s); lib/executor's
 * progressFn of each executor, trackProgress for the marks. */
static void run_scen_progress(run_ctx *r, const scen_rt *sc, bool final, progress_bar *b) {
    const c6_scenario *c = sc->cfg;
    char (*col)[PROGRESS_COL_LEN] = b->cols;
    int st = scen_state(sc);
    int64_t d = scenario_duration_us(c);
    int64_t spent = st >= SC_RUNNING ? (st == SC_DONE && sc->end_us ? sc->end_us : clock_now_us()) -
                                           atomic_load(&((scen_rt *)sc)->start_us) : 0;
    char tot[32], el[32];
    duration_format(tot, sizeof tot, d);
    int active = atomic_load(&((scen_rt *)sc)->vus_active);
    int64_t done = atomic_load(&((scen_rt *)sc)->done) + atomic_load(&((scen_rt *)sc)->interrupted);
    double frac = d > 0 ? (double)spent / (double)d : 1;
    b->name = c->name;
    b->status = " ";
    for (int i = 0; i < PROGRESS_COLS; i++) col[i][0] = 0;
    if (st == SC_PENDING) {
        int64_t left = c->start_time_us - (clock_now_us() - r->test.start_us);
        progress_fixed_duration(el, sizeof el, left, c->start_time_us);
        snprintf(col[0], PROGRESS_COL_LEN, "waiting");
        snprintf(col[1], PROGRESS_COL_LEN, "%s", el);
        b->status = "•";
        b->frac = 0;
        return;
    }
    const c6_executor_def *x = executor_def(c->executor);
    if (spent >= d || st >= SC_DONE) snprintf(col[1], PROGRESS_COL_LEN, "%s", tot);
    else {
        progress_fixed_duration(el, sizeof el, spent, d);
        if (x->time_col == TIME_COL_FIXED_TOTAL) {   /* k6: the total in the same fixed-length form */
            char ftot[32];
            progress_fixed_duration(ftot, sizeof ftot, d, d);
            snprintf(col[1], PROGRESS_COL_LEN, "%s/%s", el, ftot);
        } else {
            snprintf(col[1], PROGRESS_COL_LEN, "%s/%s", el, tot);
        }
    }
    executor_progress_in in = {spent, d, done, active};
    x->progress(sc, &in, col[0], col[2], PROGRESS_COL_LEN, &frac);   /* the executor's texts */
    /* the time column runs to maxDuration; once done, the time taken */
    if (x->time_col == TIME_COL_TAKEN && (st >= SC_DONE || done >= x->planned_iterations(sc))) {
        progress_fixed_duration(el, sizeof el, spent < d ? spent : d, d);
        snprintf(col[1], PROGRESS_COL_LEN, "%s/%s", el, tot);
    }
    if (final && st == SC_DONE && !r->aborted && !r->threshold_aborted) frac = 1;
    b->frac = frac < 0 ? 0 : frac > 1 ? 1 : frac;
    /* k6's marks: '↓' once the regular duration is over and iterations
     * finish gracefully; at the end '✓', or '✗' when cut short */
    bool stopped_early = r->aborted || r->threshold_aborted || atomic_load(&r->test.script_aborted) ||
                         atomic_load(&r->api_stopped);
    if (st == SC_GRACEFUL || (st == SC_RUNNING && spent >= d)) b->status = "↓";
    else if (st >= SC_HARD_STOP) b->status = st == SC_DONE && b->frac >= 1 && !stopped_early ? "✓" : "✗";
}

static int run_term_width(void) {
    struct winsize ws;
    return ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 ? ws.ws_col : 0;
}

/* k6's progress block (internal/cmd/ui.go showProgress): the run's line,
 * "running (01m12.0s), 050/100 VUs, 1234 complete and 0 interrupted
 * iterations" (execution.Scheduler getRunStats), then a bar per scenario. */
static void run_progress(run_ctx *r, bool final) {
    if (r->args.quiet) return;
    c6_test *t = &r->test;
    /* k6 stops the clock once teardown() is over (execution.Scheduler Run: MarkEnded) */
    int64_t now = final && r->teardown_end_us ? r->teardown_end_us : final && r->run_end_us ? r->run_end_us : clock_now_us();
    int64_t el_us = t->start_us ? now - t->start_us : 0;
    int width = snprintf(NULL, 0, "%lld", (long long)run_max_vus(r));
    char el[48], head[256];
    progress_fixed_duration(el, sizeof el, el_us, t->plan.max_duration_us);
    snprintf(head, sizeof head, "%s (%s), %0*d/%0*d VUs, %lld complete and %lld interrupted iterations",
             atomic_load(&t->paused) ? "paused" : "running", el, width, atomic_load(&t->vus_active), width,
             atomic_load(&t->vus_initialized), (long long)atomic_load(&t->iters_done),
             (long long)atomic_load(&t->iters_interrupted));
    progress_bar *bars = calloc((size_t)t->nscen + 1, sizeof *bars);
    if (!bars) return;
    for (int i = 0; i < t->nscen; i++) run_scen_progress(r, &t->scen[i], final, &bars[i]);
    progress_view v = {r->tty, r->tty && !r->args.no_color, final, r->tty ? run_term_width() : 0};
    progress_render(stdout, &v, head, bars, t->nscen);
    free(bars);
}


/* ---- the REST API (k6's --address): the run's side of api_ops ----
 * Callbacks run on the API server's thread: they read atomics, and take
 * eng_lock to read the engine, which the main thread drains under it. */

static void api_op_status(void *ctx, api_status *out) {
    run_ctx *r = ctx;
    int st = atomic_load(&r->api_state);
    out->status = (api_exec_status)st;
    out->paused = atomic_load(&r->test.paused);
    out->vus = atomic_load(&r->test.vus_active);
    out->vus_max = atomic_load(&r->test.vus_initialized);
    out->stopped = atomic_load(&r->api_stopped) || test_phase(&r->test) >= PHASE_HARD_STOP;
    out->running = st >= API_EXEC_STARTED && st < API_EXEC_ENDED;
    out->tainted = atomic_load(&r->tainted);
}

static void api_op_stop(void *ctx) {
    run_ctx *r = ctx;
    atomic_store(&r->api_stopped, 1);
    uv_async_send(&r->wake);
}

static int api_op_set_paused(void *ctx, bool paused, char *err, size_t errlen) {
    run_ctx *r = ctx;
    c6_test *t = &r->test;
    if (atomic_load(&t->paused) == paused) {
        snprintf(err, errlen, paused ? "test execution was already paused" : "test execution wasn't paused");
        return -1;
    }
    /* once running, only the externally-controlled executor can pause, as in k6 */
    if (atomic_load(&r->api_state) >= API_EXEC_STARTED && atomic_load(&r->api_state) != API_EXEC_PAUSED_BEFORE_RUN) {
        for (int i = 0; i < t->nscen; i++) {
            const c6_scenario *c = t->scen[i].cfg;
            if (executor_def(c->executor)->controlled) continue;
            snprintf(err, errlen, "%s executor '%s' doesn't support pause and resume operations after its start",
                     executor_name(c->executor), c->name);
            return -1;
        }
    }
    atomic_store(&t->paused, paused);
    uv_async_send(&r->wake);
    return 0;
}

static api_scale_result api_op_scale(void *ctx, const int64_t *vus, const int64_t *vus_max, char *err, size_t errlen) {
    run_ctx *r = ctx;
    scen_rt *sc = NULL;
    for (int i = 0; i < r->test.nscen && !sc; i++)
        if (executor_def(r->test.scen[i].cfg->executor)->controlled) sc = &r->test.scen[i];
    if (!sc) return API_SCALE_NO_EXECUTOR;
    int64_t max = vus_max ? *vus_max : atomic_load(&sc->ext_max);
    int64_t want = vus ? *vus : atomic_load(&sc->ext_vus);
    /* k6 lib/executor/externally_controlled.go UpdateConfig: the params'
     * Validate() errors joined under "invalid configuration supplied: ",
     * then the maxVUs floor */
    char errs[2][160];
    int nerr = 0;
    if (want < 0) snprintf(errs[nerr++], sizeof errs[0], "the number of VUs can't be negative");
    if (max < want)
        snprintf(errs[nerr++], sizeof errs[0],
                 "the number of active VUs (%lld) must be less than or equal to the number of maxVUs (%lld)",
                 (long long)want, (long long)max);
    if (nerr) {
        snprintf(err, errlen, "invalid configuration supplied: %s%s%s", errs[0], nerr > 1 ? ", " : "", nerr > 1 ? errs[1] : "");
        return API_SCALE_REJECTED;
    }
    int64_t start_max = sc->cfg->max_vus;   /* (the configured number, unscaled, as k6 compares it) */
    if (vus_max && *vus_max < start_max) {
        snprintf(err, errlen, "the new number of max VUs cannot be lower than the starting number of max VUs (%lld)",
                 (long long)start_max);
        return API_SCALE_REJECTED;
    }
    atomic_store(&sc->ext_max, max);
    atomic_store(&sc->ext_vus, (int)want);
    return API_SCALE_OK;
}

static int api_metric_tainted(const run_ctx *r, const char *name) {
    int t = -1;
    for (size_t i = 0; i < r->nthr; i++)
        if (strcmp(r->thr[i].metric, name) == 0) t = (t == 1 || !r->thr[i].ok) ? 1 : 0;
    return t;
}

static void api_emit_metric(run_ctx *r, const char *name, const metric_def *d, const sink *s, double dur_s,
                            api_metric_fn emit, void *arg) {
    api_metric m = {.name = name, .tainted = api_metric_tainted(r, name)};
    m.type = d->type == METRIC_COUNTER ? API_COUNTER : d->type == METRIC_GAUGE ? API_GAUGE
           : d->type == METRIC_RATE ? API_RATE : API_TREND;
    m.contains = d->kind == VALUE_TIME ? API_TIME : d->kind == VALUE_DATA ? API_DATA : API_DEFAULT;
    switch (d->type) {
    case METRIC_COUNTER:
        sink_agg(s, "count", dur_s, &m.sample.counter.count);
        sink_agg(s, "rate", dur_s, &m.sample.counter.rate);
        break;
    case METRIC_GAUGE: sink_agg(s, "value", dur_s, &m.sample.gauge.value); break;
    case METRIC_RATE: sink_agg(s, "rate", dur_s, &m.sample.rate.rate); break;
    case METRIC_TREND:
        sink_agg(s, "min", dur_s, &m.sample.trend.min);
        sink_agg(s, "max", dur_s, &m.sample.trend.max);
        sink_agg(s, "avg", dur_s, &m.sample.trend.avg);
        sink_agg(s, "med", dur_s, &m.sample.trend.med);
        sink_agg(s, "p(90)", dur_s, &m.sample.trend.p90);
        sink_agg(s, "p(95)", dur_s, &m.sample.trend.p95);
        break;
    }
    emit(arg, &m);
}

static void api_op_metrics(void *ctx, const char *name, api_metric_fn emit, void *arg) {
    run_ctx *r = ctx;
    int64_t start = r->test.start_us;
    double dur_s = start ? (double)(clock_now_us() - start) / 1e6 : 0;
    pthread_mutex_lock(&r->eng_lock);
    for (int i = 0; i < registry_count(); i++) {
        const sink *s = engine_sink(r->eng, i);
        const metric_def *d = registry_get(i);
        if (s && (!name || strcmp(name, d->name) == 0)) api_emit_metric(r, d->name, d, s, dur_s, emit, arg);
    }
    for (int i = 0; i < engine_submetric_count(r->eng); i++) {
        const sink *s = engine_submetric_sink(r->eng, i);
        const char *sn = engine_submetric_name(r->eng, i);
        if (s && (!name || strcmp(name, sn) == 0))
            api_emit_metric(r, sn, registry_get(engine_submetric_parent(r->eng, i)), s, dur_s, emit, arg);
    }
    pthread_mutex_unlock(&r->eng_lock);
}

/* Groups as the checks name them (the engine knows groups by their samples'
 * tags), each after its parent: the root, then the paths in first-seen order. */
static void api_op_groups(void *ctx, api_group_fn emit, void *arg) {
    run_ctx *r = ctx;
    pthread_mutex_lock(&r->eng_lock);
    const engine_check *ec;
    size_t nc = engine_checks(r->eng, &ec);
    const char **paths = calloc(nc * 8 + 1, sizeof *paths);
    size_t np = 0;
    paths[np++] = "";
    for (size_t i = 0; i < nc; i++) {
        /* the path and every ancestor ("::a", "::a::b") */
        const char *g = ec[i].group;
        for (const char *p = g; p && *p; ) {
            const char *next = strstr(p + 2, "::");
            size_t len = next ? (size_t)(next - g) : strlen(g);
            bool seen = false;
            for (size_t k = 0; k < np && !seen; k++) seen = strlen(paths[k]) == len && !strncmp(paths[k], g, len);
            if (!seen && np < nc * 8) paths[np++] = strndup(g, len);
            p = next;
        }
    }
    api_check *cks = calloc(nc + 1, sizeof *cks);
    for (size_t k = 0; k < np; k++) {
        size_t n = 0;
        for (size_t i = 0; i < nc; i++)
            if (strcmp(ec[i].group, paths[k]) == 0) cks[n++] = (api_check){ec[i].name, (int64_t)ec[i].passes, (int64_t)ec[i].fails};
        api_group g = {paths[k], cks, n};
        emit(arg, &g);
    }
    pthread_mutex_unlock(&r->eng_lock);
    for (size_t k = 1; k < np; k++) free((char *)paths[k]);
    free(paths);
    free(cks);
}

static const api_ops RUN_API_OPS = {
    api_op_status, api_op_stop, api_op_set_paused, api_op_scale, api_op_metrics, api_op_groups,
};

/* Starts the API on --address (k6's default localhost:6565). A bind error
 * is fatal (exit 106) only when the address was given explicitly. */
static int run_api_start(run_ctx *r) {
    const char *addr = r->args.address;
    if (!addr || !*addr) return 0;
    char err[512];
    r->api = api_server_start(addr, &RUN_API_OPS, r, err, sizeof err);
    if (r->api) return 0;
    if (r->args.address_set) {
        log_printf(LOG_ERROR, "Error from API server: %s", err);
        return EXIT_API_LISTEN;
    }
    log_printf(LOG_WARN, "Error from API server: %s", err);
    return 0;
}

/* ---- the main loop ---- */

static void run_all_workers(run_ctx *r, enum worker_cmd cmd) {
    for (int i = 0; i < r->test.nworkers; i++) worker_command(r->test.workers[i], cmd);
}

static void run_scen_set(run_ctx *r, scen_rt *sc, int state) {
    if (scen_state(sc) >= state) return;
    atomic_store(&sc->state, state);
    run_all_workers(r, CMD_SCEN);
}

/* Stopping the whole test (Ctrl-C, exec.test.abort, abortOnFail): every
 * scenario interrupts its iterations; ones not started yet never start. */
static void run_set_phase(run_ctx *r, int phase) {
    if (atomic_load(&r->test.phase) < phase) atomic_store(&r->test.phase, phase);
    if (phase < PHASE_HARD_STOP) return;
    /* (exec.test.abort() sets the phase itself, from its VU: the scenarios
     * follow here) */
    bool changed = false;
    for (int i = 0; i < r->test.nscen; i++)
        if (scen_state(&r->test.scen[i]) < SC_HARD_STOP) {
            atomic_store(&r->test.scen[i].state, SC_HARD_STOP);
            changed = true;
        }
    if (changed) run_all_workers(r, CMD_SCEN);
}

/* --verbose: k6's trackProgress (lib/executor/helpers.go) logs this once a
 * scenario's regular duration is over (or its work is done early), unless
 * the whole test was stopped or it has no gracefulStop. */
static void run_log_regular_done(run_ctx *r, const scen_rt *sc) {
    const c6_scenario *c = sc->cfg;
    if (c->graceful_stop_us <= 0 || test_phase(&r->test) >= PHASE_HARD_STOP) return;
    char gs[32], extra[300];
    duration_format(gs, sizeof gs, c->graceful_stop_us);
    snprintf(extra, sizeof extra, " executor=%s gracefulStop=%s scenario=%s", executor_name(c->executor), gs, c->name);
    const char *msg = "Regular duration is done, waiting for iterations to gracefully finish";
    log_msg(LOG_DEBUG, extra, msg, strlen(msg));
}

/* --verbose: the scheduler's and the executors' lines about a scenario's
 * start and end (k6 internal/execution/scheduler.go runExecutor: fields
 * executor=<name> startTime type; lib/executor/<type>.go Run: "Starting
 * executor run..." with its executor's numbers, logger fields executor=<type>
 * scenario=<name>). */
static void run_log_scheduler(const scen_rt *sc, const char *msg) {
    const c6_scenario *c = sc->cfg;
    char st[32], extra[300];
    duration_format(st, sizeof st, c->start_time_us);
    snprintf(extra, sizeof extra, " executor=%s startTime=%s type=%s", c->name, st, executor_name(c->executor));
    log_msg(LOG_DEBUG, extra, msg, strlen(msg));
}

static void run_log_executor_run(const scen_rt *sc) {
    const c6_scenario *c = sc->cfg;
    const c6_executor_def *x = executor_def(c->executor);
    char extra[512];
    if (!x->run_fields) return;
    x->run_fields(sc, extra, sizeof extra);
    const char *msg = "Starting executor run...";
    log_msg(LOG_DEBUG, extra, msg, strlen(msg));
}

static void run_scen_end(uv_timer_t *h) {
    run_scen *rs = h->data;
    if (scen_state(rs->sc) == SC_RUNNING) run_log_regular_done(rs->r, rs->sc);
    run_scen_set(rs->r, rs->sc, SC_GRACEFUL);
}

static void run_scen_hard(uv_timer_t *h) {
    run_scen *rs = h->data;
    run_scen_set(rs->r, rs->sc, SC_HARD_STOP);
}

static void run_scen_start(uv_timer_t *h) {
    run_scen *rs = h->data;
    scen_rt *sc = rs->sc;
    if (scen_state(sc) != SC_PENDING) return;
    uv_update_time(rs->r->loop);
    atomic_store(&sc->start_us, clock_now_us());
    run_log_scheduler(sc, "Starting executor");
    run_log_executor_run(sc);
    run_scen_set(rs->r, sc, SC_RUNNING);
    int64_t d = scenario_duration_us(sc->cfg);
    int64_t hard = scenario_max_duration_us(sc->cfg);
    /* libuv counts whole milliseconds from a truncated clock: one more
     * keeps the end from coming before the scenario's last due start */
    uv_timer_start(&rs->end, run_scen_end, (uint64_t)(d / 1000 + 1), 0);
    uv_timer_start(&rs->hard, run_scen_hard, (uint64_t)(hard / 1000 + 1), 0);
}

/* Iteration-based executors: what maxDuration (or a stop) left undone is
 * dropped_iterations, one sample, as k6 counts it. */
static void run_scen_dropped(run_ctx *r, scen_rt *sc) {
    const c6_scenario *c = sc->cfg;
    const c6_executor_def *x = executor_def(c->executor);
    if (!x->planned_iterations) return;
    int64_t planned = x->planned_iterations(sc);
    int64_t left = planned - atomic_load(&sc->done) - atomic_load(&sc->interrupted);
    if (left <= 0) return;
    /* k6 pushes it only while the test's run context is alive
     * (metrics.PushIfNotDone): not after a stop of the whole test */
    if (r->aborted || r->threshold_aborted || atomic_load(&r->api_stopped) || atomic_load(&r->test.script_aborted))
        return;
    tag_kv kv[VU_BASE_TAGS];
    size_t n = 0;
    for (size_t i = 0; i < r->opts.ntags && n < VU_BASE_TAGS - 2; i++)
        kv[n++] = (tag_kv){r->opts.tags[i].key, r->opts.tags[i].value};
    for (size_t i = 0; i < c->ntags && n < VU_BASE_TAGS - 1; i++) kv[n++] = (tag_kv){c->tags[i].key, c->tags[i].value};
    if ((r->test.system_tags >> ST_SCENARIO) & 1) kv[n++] = (tag_kv){"scenario", c->name};
    sample_push(&r->main_samples, M_DROPPED_ITERATIONS, tagdict_intern(r->main_samples.tags, kv, n),
                (double)left, sample_now(&r->main_samples));
    sample_buf_flush(&r->main_samples);
}

/* Ends the scenarios whose every worker has reported; true when all are done. */
static bool run_check_scenarios(run_ctx *r) {
    c6_test *t = &r->test;
    int done = 0;
    for (int i = 0; i < t->nscen; i++) {
        scen_rt *sc = &t->scen[i];
        int st = scen_state(sc);
        if (st >= SC_RUNNING && st < SC_DONE && atomic_load(&sc->workers_done) >= t->nworkers) {
            if (st == SC_RUNNING) run_log_regular_done(r, sc);   /* its work was done early */
            atomic_store(&sc->state, SC_DONE);
            run_log_scheduler(sc, "Executor finished successfully");
            sc->end_us = clock_now_us();
            uv_timer_stop(&r->rs[i].start);
            uv_timer_stop(&r->rs[i].end);
            uv_timer_stop(&r->rs[i].hard);
            run_scen_dropped(r, sc);
            st = SC_DONE;
        }
        done += st == SC_DONE;
    }
    return done == t->nscen;
}

/* vus and vus_max, tagged with the run's tags (options.tags or --tag) as
 * k6's scheduler tags them (internal/execution/scheduler.go,
 * emitVUsAndVUsMax: the test's RunTags), nothing else. */
static void run_sample_vus(run_ctx *r) {
    int64_t now = sample_now(&r->main_samples);
    tag_kv kv[VU_BASE_TAGS];
    size_t n = 0;
    for (size_t i = 0; i < r->opts.ntags && n < VU_BASE_TAGS; i++)
        kv[n++] = (tag_kv){r->opts.tags[i].key, r->opts.tags[i].value};
    uint32_t tags = tagdict_intern(r->main_samples.tags, kv, n);
    sample_push(&r->main_samples, M_VUS, tags, atomic_load(&r->test.vus_active), now);
    sample_push(&r->main_samples, M_VUS_MAX, tags, (double)atomic_load(&r->test.vus_initialized), now);
    sample_buf_flush(&r->main_samples);
}

static bool run_eval_thresholds(run_ctx *r, double dur_s);
static void run_dash_snapshot(run_ctx *r, int64_t now);

/* Drains the workers' samples into the engine (the API thread reads it). */
static void run_drain(run_ctx *r) {
    pthread_mutex_lock(&r->eng_lock);
    engine_drain(r->eng);
    pthread_mutex_unlock(&r->eng_lock);
}

/* At the end k6 evaluates every threshold, empty sinks included; a Rate
 * without samples has no "rate" to compare (metrics/thresholds.go Run
 * guards the 0/0), so the metric's first threshold errors, is logged and
 * left passing (metrics/engine evaluateThresholds: "Threshold error"). */
static void run_log_threshold_errors(run_ctx *r) {
    for (size_t i = 0; i < r->nthr; i++) {
        const run_threshold *t = &r->thr[i];
        bool first = true;
        for (size_t k = 0; k < i && first; k++) first = strcmp(r->thr[k].metric, t->metric) != 0;
        if (!first || registry_get(t->metric_id)->type != METRIC_RATE) continue;
        const sink *s = t->sub >= 0 ? engine_submetric_sink(r->eng, t->sub) : engine_sink(r->eng, t->metric_id);
        if (s && s->u.rate.total) continue;
        char extra[1024];
        size_t off = (size_t)snprintf(extra, sizeof extra, " component=metrics-engine error=\"threshold 0 run error: "
                                      "unable to apply threshold ");
        for (const char *c = t->source; *c && off + 4 < sizeof extra; c++) {
            if (*c == '"' || *c == '\\') extra[off++] = '\\';
            extra[off++] = *c;
        }
        extra[off] = 0;
        snprintf(extra + off, sizeof extra - off, " over metrics; reason: no metric supporting the rate aggregation "
                 "method found\" metric_name=%s", t->metric);
        log_msg(LOG_ERROR, extra, "Threshold error", strlen("Threshold error"));
    }
}

/* Whether no sample reached the threshold's metric yet: during the run k6
 * leaves such thresholds alone (metrics/engine evaluateThresholds with
 * ignoreEmptySinks). */
static bool run_threshold_empty(run_ctx *r, const run_threshold *t) {
    return !(t->sub >= 0 ? engine_submetric_sink(r->eng, t->sub) : engine_sink(r->eng, t->metric_id));
}

static int run_str_cmp(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "a, b": the metrics with a crossed threshold, each once, sorted as Go's
 * sort.Strings (byte order), as k6 lists them; skip_empty leaves out those
 * without samples. malloc'd; NULL when out of memory. */
static char *run_crossed_names(run_ctx *r, bool skip_empty) {
    const char **names = calloc(r->nthr + 1, sizeof *names);
    size_t n = 0, len = 1;
    if (!names) return NULL;
    for (size_t i = 0; i < r->nthr; i++) {
        const run_threshold *t = &r->thr[i];
        if (t->ok || (skip_empty && run_threshold_empty(r, t))) continue;
        size_t k = 0;
        while (k < n && strcmp(names[k], t->metric)) k++;
        if (k < n) continue;
        names[n++] = t->metric;
        len += strlen(t->metric) + 2;
    }
    qsort(names, n, sizeof *names, run_str_cmp);
    char *out = malloc(len);
    if (out) {
        out[0] = 0;
        for (size_t i = 0; i < n; i++) {
            if (i) strcat(out, ", ");
            strcat(out, names[i]);
        }
    }
    free(names);
    return out;
}

/* k6 evaluates thresholds every 2 s; a crossed abortOnFail one (past its
 * delayAbortEval) stops the test: iterations are interrupted, teardown runs. */
static void run_check_abort(run_ctx *r, int64_t now) {
    c6_test *t = &r->test;
    if (r->threshold_aborted || now - r->last_threshold_us < 2000000) return;
    r->last_threshold_us = now;
    if (!r->nthr) return;
    /* k6 evaluates every 2 s: abortOnFail, and the API's "tainted" */
    pthread_mutex_lock(&r->eng_lock);
    atomic_store(&r->tainted, !run_eval_thresholds(r, (double)(now - t->start_us) / 1e6));
    pthread_mutex_unlock(&r->eng_lock);
    for (size_t i = 0; i < r->nthr; i++) {
        run_threshold *th = &r->thr[i];
        if (!th->abort_on_fail || th->ok || now - t->start_us < th->delay_abort_us || run_threshold_empty(r, th))
            continue;
        /* k6 says so once the run is over, naming every metric crossed
         * now (metrics/engine StartThresholdCalculations: the run's error) */
        r->abort_names = run_crossed_names(r, true);
        r->threshold_aborted = true;
        run_set_phase(r, PHASE_HARD_STOP);
        return;
    }
}

/* While the test runs, samples go into the engine and the outputs on their
 * own thread: writing a busy test's JSON output must not delay the main
 * loop's scenario timers, nor the other way round. */
static void *run_metrics_main(void *arg) {
    run_ctx *r = arg;
    const struct timespec period = {0, 20 * 1000000L};
    while (!atomic_load(&r->metrics_stop)) {
        nanosleep(&period, NULL);
        pthread_mutex_lock(&r->eng_lock);
        engine_drain(r->eng);
        run_tick_outputs(r);
        pthread_mutex_unlock(&r->eng_lock);
    }
    return NULL;
}

static void run_metrics_start(run_ctx *r) {
    atomic_store(&r->metrics_stop, false);
    r->metrics_running = pthread_create(&r->metrics_thread, NULL, run_metrics_main, r) == 0;
}

/* Back to draining on the main thread (its final drain follows). */
static void run_metrics_stop(run_ctx *r) {
    if (!r->metrics_running) return;
    atomic_store(&r->metrics_stop, true);
    pthread_join(r->metrics_thread, NULL);
    r->metrics_running = false;
}

static void run_on_tick(uv_timer_t *h) {
    run_ctx *r = h->data;
    int64_t now = clock_now_us();
    if (!r->metrics_running) {
        run_drain(r);
        run_tick_outputs(r);
    }
    run_check_abort(r, now);
    if (r->dash && now - r->dash_last_us >= r->dash_cfg.period_us) {
        r->dash_last_us += r->dash_cfg.period_us;
        if (now - r->dash_last_us >= r->dash_cfg.period_us) r->dash_last_us = now;   /* the loop was held up */
        run_dash_snapshot(r, now);
    }
    if (now - r->last_progress_us >= 1000000) {
        r->last_progress_us += 1000000;
        run_sample_vus(r);
        run_progress(r, false);
    }
}


static void run_on_wake(uv_async_t *a) {
    run_ctx *r = a->data;
    if (atomic_load(&r->api_stopped) && !r->waiting_on && test_phase(&r->test) < PHASE_HARD_STOP) {
        log_printf(LOG_WARN, "test run stopped from REST API");
        run_set_phase(r, PHASE_HARD_STOP);
    }
    if (r->waiting_resume) {
        if (!atomic_load(&r->test.paused) || atomic_load(&r->api_stopped)) uv_stop(r->loop);
        return;
    }
    if (atomic_load(&r->test.script_aborted) && !r->waiting_on) run_set_phase(r, PHASE_HARD_STOP);
    if (r->waiting_on) {
        if (atomic_load(&r->waiting_on->special_done)) uv_stop(r->loop);
        return;
    }
    if (test_phase(&r->test) >= PHASE_RUNNING && run_check_scenarios(r)) uv_stop(r->loop);
}

static void run_on_signal(uv_signal_t *s, int signum) {
    run_ctx *r = s->data;
    if (r->lingering) {   /* --linger: the test is over, a signal ends the wait */
        r->signals++;
        uv_stop(r->loop);
        return;
    }
    if (++r->signals > 1) {
        fprintf(stderr, "\nstopping now (second signal)\n");
        _exit(EXIT_ABORTED);
    }
    log_printf(LOG_WARN, "%s received: stopping the test (press Ctrl-C again to exit at once)",
               signum == SIGINT ? "SIGINT" : "SIGTERM");
    r->aborted = true;
    run_set_phase(r, PHASE_HARD_STOP);
}

/* Runs setup(), teardown() or handleSummary() on worker w; returns 0, or the
 * exit code (script error 107, setup/teardown timeout 100/101) with the
 * error logged. */
static void run_special_timeout(uv_timer_t *h) {
    run_ctx *r = h->data;
    r->special_timed_out = true;
    atomic_store(&r->test.special_stop, 1);   /* running JavaScript sees this at once */
    if (r->waiting_on) worker_command(r->waiting_on, CMD_STOP_SPECIAL);   /* a wait needs waking */
}

/* The progress while setup() runs: k6's first bar is still a bar then
 * ("Run [ 100% ] setup()", execution.Scheduler Run), the scenarios' bars
 * empty; while teardown() runs, the usual block. */
static void run_special_progress(uv_timer_t *h) {
    run_ctx *r = h->data;
    if (r->special_cmd == CMD_TEARDOWN) {
        run_progress(r, false);
        return;
    }
    if (r->args.quiet) return;
    progress_bar *bars = calloc((size_t)r->test.nscen + 2, sizeof *bars);
    if (!bars) return;
    bars[0] = (progress_bar){.name = "Run", .status = " ", .frac = 1};
    snprintf(bars[0].cols[0], PROGRESS_COL_LEN, "setup()");
    for (int i = 0; i < r->test.nscen; i++) bars[i + 1] = (progress_bar){.name = r->test.scen[i].cfg->name, .status = " "};
    progress_view v = {r->tty, r->tty && !r->args.no_color, false, r->tty ? run_term_width() : 0};
    progress_render(stdout, &v, NULL, bars, r->test.nscen + 1);
    free(bars);
}

static int run_special_on(run_ctx *r, worker *w, enum worker_cmd cmd) {
    atomic_store(&w->special_done, 0);
    r->waiting_on = w;
    r->special_timed_out = false;
    atomic_store(&r->test.special_stop, 0);
    /* setupTimeout / teardownTimeout (60s by default): then it is cut off */
    int64_t limit = cmd == CMD_SETUP ? (r->opts.setup_timeout_set ? r->opts.setup_timeout_us : 60000000)
                  : cmd == CMD_TEARDOWN ? (r->opts.teardown_timeout_set ? r->opts.teardown_timeout_us : 60000000) : 0;
    uv_update_time(r->loop);
    if (limit > 0) uv_timer_start(&r->special_timer, run_special_timeout, (uint64_t)(limit / 1000), 0);
    /* k6 keeps drawing the progress while setup() and teardown() run */
    r->special_cmd = cmd;
    if (cmd == CMD_SETUP || cmd == CMD_TEARDOWN) uv_timer_start(&r->special_progress, run_special_progress, 1000, 1000);
    worker_command(w, cmd);
    uv_run(r->loop, UV_RUN_DEFAULT);
    uv_timer_stop(&r->special_timer);
    uv_timer_stop(&r->special_progress);
    r->waiting_on = NULL;
    if (r->special_timed_out) {   /* k6's timeoutError (internal/js/timeout_error.go): text and hint */
        char msg[128];
        snprintf(msg, sizeof msg, "%s() execution timed out after %.0f seconds", cmd == CMD_SETUP ? "setup" : "teardown",
                 (double)limit / 1e6);
        log_msg_field(LOG_ERROR, msg, "hint", cmd == CMD_SETUP
                      ? "You can increase the time limit via the setupTimeout option"
                      : "You can increase the time limit via the teardownTimeout option");
        return cmd == CMD_SETUP ? EXIT_SETUP_TIMEOUT : EXIT_TEARDOWN_TIMEOUT;
    }
    if (w->special && w->special->error && atomic_load(&r->test.script_aborted)) {
        return EXIT_SCRIPT_ABORT;   /* exec.test.abort() in setup(): its message comes at the end */
    }
    if (w->special && w->special->error) {
        char *e = w->special->error;
        /* k6's scriptExceptionError through errext.Format (internal/js/runner.go) */
        log_msg(LOG_ERROR, " hint=\"script exception\" source=stacktrace", e, strlen(e));
        return EXIT_SCRIPT;
    }
    if (cmd == CMD_SETUP && w->special) {
        free(r->test.setup_json);
        r->test.setup_json = w->special->result_json ? strdup(w->special->result_json) : NULL;
    }
    return 0;
}

static int run_special(run_ctx *r, enum worker_cmd cmd) {
    return run_special_on(r, r->test.workers[0], cmd);
}

/* handleSummary runs after the workers stopped, on a worker of its own. */
static int run_handle_summary(run_ctx *r) {
    worker *w = worker_new(&r->test, r->test.nworkers);
    worker_start(w);
    int rc = run_special_on(r, w, CMD_SUMMARY);
    worker_command(w, CMD_EXIT);
    worker_join(w);
    worker_free(w);
    return rc;
}

static int run_wait_init(run_ctx *r) {
    c6_test *t = &r->test;
    while (atomic_load(&t->vus_initialized) < t->init_vus && !atomic_load(&t->init_errors)) {
        if (r->signals) return -1;
        usleep(2000);
    }
    return atomic_load(&t->init_errors) ? -1 : 0;
}

static void run_start(run_ctx *r) {
    c6_test *t = &r->test;
    uv_update_time(r->loop);   /* the loop clock is stale after VU init: timers would fire early */
    t->start_us = clock_now_us();
    t->start_wall_ms = clock_wall_us() / 1000;
    r->last_progress_us = t->start_us;
    r->last_threshold_us = t->start_us;
    r->dash_last_us = t->start_us;
    atomic_store(&t->phase, PHASE_RUNNING);
    run_all_workers(r, CMD_START);
    for (int i = 0; i < t->nscen; i++) {
        if (t->scen[i].cfg->start_time_us > 0) run_log_scheduler(&t->scen[i], "Waiting for executor start time...");
        uv_timer_start(&r->rs[i].start, run_scen_start, (uint64_t)(t->scen[i].cfg->start_time_us / 1000), 0);
    }
    uv_timer_start(&r->tick, run_on_tick, 20, 20);
    run_metrics_start(r);
}

/* ---- end of test ---- */

static bool run_eval_thresholds(run_ctx *r, double dur_s) {
    bool all = true;
    for (size_t i = 0; i < r->nthr; i++) {
        run_threshold *t = &r->thr[i];
        const sink *s = t->sub >= 0 ? engine_submetric_sink(r->eng, t->sub) : engine_sink(r->eng, t->metric_id);
        sink empty;
        if (!s) { sink_init(&empty, registry_get(t->metric_id)->type); s = &empty; }
        t->ok = threshold_eval(&t->t, s, dur_s, &t->observed);
        if (s == &empty) sink_free(&empty);
        if (!t->ok) all = false;
    }
    return all;
}

/* The run's verdict on its thresholds, logged after the summary as k6 logs
 * the run's error: the abortOnFail message when one stopped the run,
 * else the crossed ones (internal/cmd/run.go; metrics/engine). */
static void run_log_crossed(run_ctx *r) {
    if (r->threshold_aborted) {
        log_printf(LOG_ERROR, "thresholds on metrics '%s' were crossed; at least one has abortOnFail enabled, "
                   "stopping test prematurely", r->abort_names ? r->abort_names : "");
        return;
    }
    char *names = run_crossed_names(r, false);
    log_printf(LOG_ERROR, "thresholds on metrics '%s' have been crossed", names ? names : "");
    free(names);
}

/* The summary's inputs, gathered from the engine once at the end. */
typedef struct run_summary_in {
    summary_data d;
    summary_metric *ms;
    summary_check *cs;
    summary_threshold *ts;
    sink *empty;             /* zero sinks of the metrics shown without samples */
    unsigned char *empty_used;
    size_t nempty;
} run_summary_in;

/* Whether a threshold is on metric id (sub < 0) or on sub-metric sub. k6
 * marks those (and a threshold sub-metric's parent) observed, so that the
 * summary shows them even without a sample (metrics/engine
 * InitSubMetricsAndThresholds: markObserved). */
static bool run_has_threshold(const run_ctx *r, int id, int sub) {
    for (size_t i = 0; i < r->nthr; i++)
        if (sub >= 0 ? r->thr[i].sub == sub : r->thr[i].metric_id == id) return true;
    return false;
}

/* The sink the summary shows for metric slot k: the engine's, or a zero one
 * when k6 would show the metric without samples; NULL to leave it out. */
static const sink *run_summary_sink(run_summary_in *in, size_t k, const sink *s, bool shown, metric_type type) {
    if (s || !shown || !in->empty) return s;
    if (!in->empty_used[k]) {
        sink_init(&in->empty[k], type);
        in->empty_used[k] = 1;
    }
    return &in->empty[k];
}

static void run_summary_gather(run_ctx *r, double dur_s, run_summary_in *in) {
    int n = registry_count(), nsub = engine_submetric_count(r->eng);
    size_t slots = (size_t)(n + nsub) + 1;
    in->ms = calloc(slots, sizeof *in->ms);
    in->empty = calloc(slots, sizeof *in->empty);
    in->empty_used = calloc(slots, 1);
    in->nempty = slots;
    if (!in->empty || !in->empty_used) {
        free(in->empty);
        free(in->empty_used);
        in->empty = NULL;
        in->empty_used = NULL;
        in->nempty = 0;
    }
    size_t nm = 0;
    for (int i = 0; i < n; i++) {
        const metric_def *d = registry_get(i);
        /* k6 always has data_sent and data_received: every VU function run
         * emits them, even at 0 bytes (js/runner.go runFn: Dialer.IOSamples) */
        bool shown = i == M_DATA_SENT || i == M_DATA_RECEIVED || run_has_threshold(r, i, -1);
        const sink *s = run_summary_sink(in, (size_t)i, engine_sink(r->eng, i), shown, d->type);
        if (!s) continue;
        in->ms[nm++] = (summary_metric){d->name, d->type, d->kind, s};
    }
    for (int i = 0; i < nsub; i++) {
        const metric_def *d = registry_get(engine_submetric_parent(r->eng, i));
        const sink *s = run_summary_sink(in, (size_t)(n + i), engine_submetric_sink(r->eng, i),
                                         run_has_threshold(r, -1, i), d->type);
        if (!s) continue;
        in->ms[nm++] = (summary_metric){engine_submetric_name(r->eng, i), d->type, d->kind, s};
    }
    const engine_check *ec;
    size_t nc = engine_checks(r->eng, &ec);
    in->cs = calloc(nc + 1, sizeof *in->cs);
    for (size_t i = 0; i < nc; i++) in->cs[i] = (summary_check){ec[i].name, ec[i].group, ec[i].passes, ec[i].fails};
    in->ts = calloc(r->nthr + 1, sizeof *in->ts);
    for (size_t i = 0; i < r->nthr; i++)
        in->ts[i] = (summary_threshold){r->thr[i].metric, r->thr[i].source, r->thr[i].ok, r->thr[i].observed, r->thr[i].t.agg_name};
    summary_data *d = &in->d;
    memset(d, 0, sizeof *d);
    d->metrics = in->ms;
    d->nmetrics = nm;
    d->checks = in->cs;
    d->nchecks = nc;
    d->thresholds = in->ts;
    d->nthresholds = r->nthr;
    d->duration_s = dur_s;
    d->trend_stats = (const char *const *)r->opts.summary_trend_stats;
    d->ntrend_stats = r->opts.nsummary_trend_stats;
    d->color = r->tty && !r->args.no_color;
    d->full = r->args.summary_mode && strcmp(r->args.summary_mode, "full") == 0;
    d->time_unit = r->opts.summary_time_unit_set ? r->opts.summary_time_unit : NULL;
    d->ngroup_paths = engine_groups(r->eng, &d->group_paths);
    d->setup_json = r->test.setup_json;
    const engine_node *root = engine_group_root(r->eng);   /* full mode only */
    if (root) {
        const engine_node *const *nodes;
        size_t ng = engine_node_children(root, &nodes);
        d->groups = summary_groups_from_engine(nodes, ng);
        d->ngroups = d->groups ? ng : 0;
        size_t nsc = engine_scenarios(r->eng, &nodes);
        d->scenarios = summary_groups_from_engine(nodes, nsc);
        d->nscenarios = d->scenarios ? nsc : 0;
    }
}

static void run_summary_release(run_summary_in *in) {
    for (size_t i = 0; i < in->nempty; i++)
        if (in->empty_used[i]) sink_free(&in->empty[i]);
    free(in->empty);
    free(in->empty_used);
    free(in->ms);
    free(in->cs);
    free(in->ts);
    summary_groups_free(in->d.groups, in->d.ngroups);
    summary_groups_free(in->d.scenarios, in->d.nscenarios);
}

/* textSummary(data, opts) in handleSummary: the same text as the default
 * summary, rendered into a string (runs on worker 0 while the main thread
 * waits for it, so reading the engine is safe). */
static char *run_text_summary(void *ctx, bool color) {
    run_summary_in *in = ctx;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f) return NULL;
    summary_data d = in->d;
    d.color = color;
    summary_render(f, &d);
    fclose(f);
    return text;
}

/* k6's default summary: { stdout: '\n' + textSummary(data) + '\n\n' }
 * (internal/js/summary-wrapper.js). */
static void run_default_summary(run_ctx *r, const summary_data *d) {
    fputc('\n', stdout);
    summary_render(stdout, d);
    fputs("\n\n", stdout);
}

static void run_summary(run_ctx *r, double dur_s) {
    if (r->args.no_summary || (r->args.summary_mode && strcmp(r->args.summary_mode, "disabled") == 0)) return;
    run_summary_in in;
    run_summary_gather(r, dur_s, &in);
    /* on a terminal the progress block was left with the cursor at its top */
    if (r->tty && !r->args.quiet) fputs("\033[J", stdout);
    if (r->opts.summary_export_set && r->opts.summary_export && *r->opts.summary_export) {
        char e[512];
        if (export_write_summary(r->opts.summary_export, &in.d, e, sizeof e))
            log_printf(LOG_ERROR, "--summary-export: %s", e);
    }
    if (r->scr.has_handle_summary) {
        summary_json_state st = {r->tty, isatty(STDERR_FILENO), r->args.no_color,
                                 r->opts.summary_time_unit_set ? r->opts.summary_time_unit : ""};
        r->test.summary_json = summary_json(&in.d, &st);
        r->test.text_summary = run_text_summary;
        r->test.text_summary_ctx = &in;
        if (run_handle_summary(r)) {   /* as k6: the error is logged, the default summary shown */
            log_printf(LOG_WARN, "handleSummary() failed; falling back to the default summary");
            run_default_summary(r, &in.d);
        }
        r->test.text_summary_ctx = NULL;
    } else {
        run_default_summary(r, &in.d);
    }
    fflush(stdout);
    run_summary_release(&in);
}

/* ---- the web dashboard ---- */

static int run_dash_start(run_ctx *r, char *err, size_t errlen) {
    if (!r->dash_cfg.enabled) return 0;
    c6_test *t = &r->test;
    const char **names = calloc((size_t)t->nscen + 1, sizeof *names);
    r->dash_scen_vus = calloc((size_t)t->nscen + 1, sizeof *r->dash_scen_vus);
    if (!names || !r->dash_scen_vus) {
        free(names);
        return snprintf(err, errlen, "web dashboard: out of memory"), -1;
    }
    for (int i = 0; i < t->nscen; i++) names[i] = t->scen[i].cfg->name;
    r->dash = dash_start(&r->dash_cfg, r->args.script, names, (size_t)t->nscen, err, errlen);
    free(names);
    return r->dash ? 0 : -1;
}

static double run_counter_total(const sink *s) { return s ? s->u.counter.sum : 0; }

/* A snapshot of the totals so far: a few sink reads under eng_lock; the
 * dashboard turns them into rates and JSON after the lock is released. */
static void run_dash_snapshot(run_ctx *r, int64_t now) {
    c6_test *t = &r->test;
    dash_sample s = {0};
    s.t_s = (double)(now - t->start_us) / 1e6;
    s.vus = atomic_load(&t->vus_active);
    s.vus_max = atomic_load(&t->vus_initialized);
    for (int i = 0; i < t->nscen; i++) r->dash_scen_vus[i] = atomic_load(&t->scen[i].vus_active);
    s.scenario_vus = r->dash_scen_vus;
    pthread_mutex_lock(&r->eng_lock);
    s.http_reqs = run_counter_total(engine_sink(r->eng, M_HTTP_REQS));
    s.iterations = run_counter_total(engine_sink(r->eng, M_ITERATIONS));
    s.data_sent = run_counter_total(engine_sink(r->eng, M_DATA_SENT));
    s.data_received = run_counter_total(engine_sink(r->eng, M_DATA_RECEIVED));
    const sink *f = engine_sink(r->eng, M_HTTP_REQ_FAILED), *c = engine_sink(r->eng, M_CHECKS);
    if (f) s.req_failed = f->u.rate.nonzero, s.req_total = f->u.rate.total;
    if (c) s.checks_pass = c->u.rate.nonzero, s.checks_total = c->u.rate.total;
    const sink *d = engine_sink(r->eng, M_HTTP_REQ_DURATION);
    if (d && d->u.trend.h) {
        const histogram *h = d->u.trend.h;
        s.dur_n = hist_count(h);
        s.dur_sum = hist_sum(h);
        s.dur_p90 = hist_percentile(h, 90);
        s.dur_p95 = hist_percentile(h, 95);
        s.dur_p99 = hist_percentile(h, 99);
    }
    pthread_mutex_unlock(&r->eng_lock);
    dash_snapshot(r->dash, &s);
}

/* After the run: the last snapshot, the end event with the summary's data,
 * the exported report. The engine is fully drained and no worker runs. */
static void run_dash_end(run_ctx *r, double dur_s) {
    if (!r->dash) return;
    run_dash_snapshot(r, r->test.start_us + (int64_t)(dur_s * 1e6));
    run_summary_in in;
    run_summary_gather(r, dur_s, &in);
    dash_end(r->dash, &in.d);
    run_summary_release(&in);
    char err[1024];
    if (dash_finish(r->dash, err, sizeof err)) {
        log_printf(LOG_ERROR, "%s", err);
        r->output_failed = true;
    }
}

/* The error k6 ends a run with when the script stopped it or marked it
 * failed, printed after the summary (internal/cmd/run.go run(); its caller
 * prints the returned error with errext.Fprint). */
static void run_log_script_end(run_ctx *r, int code) {
    c6_test *t = &r->test;
    if (r->aborted || atomic_load(&r->api_stopped)) return;
    if (atomic_load(&t->script_aborted)) log_printf(LOG_ERROR, "%s", t->abort_reason);
    else if (atomic_load(&t->script_failed) && code == 0 && !r->threshold_aborted)
        log_printf(LOG_ERROR, "test run was marked as failed");
}

static int run_fail(run_ctx *r, int code, const char *msg) {
    (void)r;
    log_msg(LOG_ERROR, NULL, msg, strlen(msg));
    return code;
}

/* ---- lifecycle ---- */

static void run_setup_loop(run_ctx *r) {
    r->loop = uv_default_loop();
    uv_async_init(r->loop, &r->wake, run_on_wake);
    r->wake.data = r;
    r->test.main_wake = &r->wake;
    uv_timer_init(r->loop, &r->tick);
    r->tick.data = r;
    uv_timer_init(r->loop, &r->special_timer);
    r->special_timer.data = r;
    uv_timer_init(r->loop, &r->special_progress);
    r->special_progress.data = r;
    r->rs = calloc((size_t)(r->test.nscen ? r->test.nscen : 1), sizeof *r->rs);
    for (int i = 0; i < r->test.nscen; i++) {
        run_scen *rs = &r->rs[i];
        *rs = (run_scen){r, &r->test.scen[i], {0}, {0}, {0}};
        uv_timer_init(r->loop, &rs->start);
        uv_timer_init(r->loop, &rs->end);
        uv_timer_init(r->loop, &rs->hard);
        rs->start.data = rs->end.data = rs->hard.data = rs;
    }
    uv_signal_init(r->loop, &r->sigint);
    uv_signal_init(r->loop, &r->sigterm);
    r->sigint.data = r->sigterm.data = r;
    uv_signal_start(&r->sigint, run_on_signal, SIGINT);
    uv_signal_start(&r->sigterm, run_on_signal, SIGTERM);
}

static void run_close_cb(uv_handle_t *h) { (void)h; }

static void run_teardown_loop(run_ctx *r) {
    uv_close((uv_handle_t *)&r->wake, run_close_cb);
    uv_close((uv_handle_t *)&r->tick, run_close_cb);
    uv_close((uv_handle_t *)&r->special_timer, run_close_cb);
    uv_close((uv_handle_t *)&r->special_progress, run_close_cb);
    for (int i = 0; i < r->test.nscen; i++) {
        uv_close((uv_handle_t *)&r->rs[i].start, run_close_cb);
        uv_close((uv_handle_t *)&r->rs[i].end, run_close_cb);
        uv_close((uv_handle_t *)&r->rs[i].hard, run_close_cb);
    }
    uv_close((uv_handle_t *)&r->sigint, run_close_cb);
    uv_close((uv_handle_t *)&r->sigterm, run_close_cb);
    uv_run(r->loop, UV_RUN_DEFAULT);
    uv_loop_close(r->loop);
    free(r->rs);
}

static void run_spawn_workers(run_ctx *r) {
    c6_test *t = &r->test;
    t->nworkers = run_worker_count(r);
    t->workers = calloc((size_t)t->nworkers, sizeof *t->workers);
    /* a stamp lane per sample buffer: the workers', then the main thread's */
    sample_buf_set_lane(&r->main_samples, t->nworkers, t->nworkers + 1);
    for (int i = 0; i < t->nworkers; i++) {
        t->workers[i] = worker_new(t, i);
        sample_buf_set_lane(&t->workers[i]->samples, i, t->nworkers + 1);
        engine_add_source(r->eng, &t->workers[i]->samples);
    }
    for (int64_t k = 0; k < t->init_vus; k++)
        worker_add_vu(t->workers[k % t->nworkers], (int)k + 1);
    atomic_store(&t->next_vu_id, (int)t->init_vus);
    for (int i = 0; i < t->nworkers; i++) worker_start(t->workers[i]);
}

static void run_stop_workers(run_ctx *r) {
    c6_test *t = &r->test;
    atomic_store(&t->phase, PHASE_HARD_STOP);
    for (int i = 0; i < t->nworkers; i++) worker_command(t->workers[i], CMD_EXIT);
    for (int i = 0; i < t->nworkers; i++) worker_join(t->workers[i]);
    run_drain(r);
    if (run_close_outputs(r)) r->output_failed = true;
}

static void run_free(run_ctx *r) {
    api_server_stop(r->api);
    r->api = NULL;
    dash_stop(r->dash);
    r->dash = NULL;
    dash_config_free(&r->dash_cfg);
    buf_free(&r->outputs_shown);
    free(r->dash_scen_vus);
    pthread_mutex_destroy(&r->eng_lock);
    run_close_outputs(r);
    for (int i = 0; i < r->test.nworkers; i++) worker_free(r->test.workers[i]);
    free(r->test.workers);
    free(r->thr);
    free(r->scenario_problems);
    free(r->options_problem);
    engine_free(r->eng);
    sample_buf_destroy(&r->main_samples);
    run_free_env(r->test.env);
    free(r->test.setup_json);
    free(r->abort_names);
    free(r->test.summary_json);
    free(r->test.options_json);
    free(r->test.init_error);
    tls_config_free(r->test.tls);
    r->test.tls = NULL;
    dialer_free(r->test.dialer);
    script_free(&r->scr);
    for (int i = 0; i < r->test.nscen; i++) {
        if (r->test.scen[i].seg) c6_segment_tuple_free(r->test.scen[i].seg);
        free(r->test.scen[i].seg);
    }
    free(r->test.scen);
    if (r->test.seg) c6_segment_tuple_free(r->test.seg);
    free(r->test.seg);
    options_plan_free(&r->test.plan);
    options_free(&r->opts);
    args_free(&r->args);
    registry_free();
}

/* k6/http's options with k6's defaults, for the workers to read. */
static void run_http_options(run_ctx *r) {
    const c6_options *o = &r->opts;
    c6_test *t = &r->test;
    t->dialer = dialer_new(o);
    t->throw_errors = o->throw_set && o->throw_errors;
    t->discard_bodies = o->discard_response_bodies_set && o->discard_response_bodies;
    t->max_redirects_set = o->max_redirects_set;
    t->max_redirects = o->max_redirects_set ? (int)(o->max_redirects < 0 ? 0 : o->max_redirects > 1000000 ? 1000000 : o->max_redirects) : 10;
    t->batch = o->batch_set ? (int)(o->batch < 0 ? 0 : o->batch > 1000000 ? 1000000 : o->batch) : 20;
    t->batch_per_host = o->batch_per_host_set ? (int)(o->batch_per_host < 0 ? 0 : o->batch_per_host > 1000000 ? 1000000 : o->batch_per_host) : 6;
}

/* The run-time state of each scenario of the plan. */
static void run_make_scenarios(run_ctx *r) {
    c6_test *t = &r->test;
    t->init_vus = t->seg ? c6_segment_scale(t->seg, t->plan.max_vus) : t->plan.max_vus;
    t->nscen = (int)t->plan.nscenarios;
    t->scen = calloc((size_t)(t->nscen ? t->nscen : 1), sizeof *t->scen);
    for (int i = 0; i < t->nscen; i++) {
        scen_rt *sc = &t->scen[i];
        const c6_scenario *c = &t->plan.scenarios[i];
        sc->cfg = c;
        sc->index = i;
        sc->vu_seg = t->seg;
        /* with an execution segment, this instance's part of each number */
        sc->iterations = scen_scale(sc, c->iterations);
        sc->vus = scen_scale(sc, scenario_planned_vus(c));
        sc->max_vus = scen_scale(sc, scenario_max_vus(c));
        sc->dur_us = scenario_duration_us(c);
        atomic_store(&sc->ext_vus, (int)scen_scale(sc, c->vus));
        atomic_store(&sc->ext_max, scen_scale(sc, c->max_vus));
        bool arrival = executor_def(c->executor)->arrival_at != NULL;
        if (arrival && t->seg) {
            /* k6 stripes arrival-rate iterations by the split of maxVUs */
            char e[256];
            sc->seg = calloc(1, sizeof *sc->seg);
            if (c6_segment_tuple_from_value(t->seg, scenario_max_vus(c), sc->seg, e, sizeof e)) {
                free(sc->seg);
                sc->seg = NULL;
                sc->no_work = true;
            }
        }
        atomic_store(&sc->state, SC_PENDING);
    }
}

/* --paused: VUs are ready; nothing runs until the REST API resumes. */
static void run_wait_resume(run_ctx *r) {
    atomic_store(&r->test.paused, 1);
    atomic_store(&r->api_state, API_EXEC_PAUSED_BEFORE_RUN);
    r->waiting_resume = true;
    log_printf(LOG_INFO, "the test is paused; resume it with `c6 resume` (or PATCH /v1/status)");
    while (atomic_load(&r->test.paused) && !atomic_load(&r->api_stopped) && !r->signals)
        uv_run(r->loop, UV_RUN_ONCE);
    r->waiting_resume = false;
}

static int run_execute(run_ctx *r) {
    c6_test *t = &r->test;
    run_setup_loop(r);
    atomic_store(&r->api_state, API_EXEC_INIT_VUS);
    int api_rc = run_api_start(r);
    if (api_rc) {
        run_teardown_loop(r);
        return api_rc;
    }
    /* --verbose: k6's scheduler lines around the VUs' init (internal/execution
     * scheduler.go initVUsAndExecutors, field phase) */
    char extra[128];
    snprintf(extra, sizeof extra, " executorsCount=%d neededVUs=%lld phase=execution-scheduler-init", t->nscen,
             (long long)t->init_vus);
    log_msg(LOG_DEBUG, extra, "Start of initialization", strlen("Start of initialization"));
    run_spawn_workers(r);
    int code = 0;
    int64_t t0 = clock_now_us();
    int init_rc = run_wait_init(r);
    log_printf(LOG_DEBUG, "initialized %d VUs in %.0f ms on %d workers",
               atomic_load(&t->vus_initialized), (double)(clock_now_us() - t0) / 1000.0, t->nworkers);
    if (!init_rc) {
        const char *ph = " phase=execution-scheduler-init";
        log_msg(LOG_DEBUG, ph, "Finished initializing needed VUs, start initializing executors...",
                strlen("Finished initializing needed VUs, start initializing executors..."));
        for (int i = 0; i < t->nscen; i++) {
            char m[300];
            int n = snprintf(m, sizeof m, "Initialized executor %s", t->scen[i].cfg->name);
            log_msg(LOG_DEBUG, ph, m, (size_t)n);
        }
        log_msg(LOG_DEBUG, ph, "Initialization completed", strlen("Initialization completed"));
    }
    if (!init_rc && r->opts.paused_set && r->opts.paused) run_wait_resume(r);
    atomic_store(&r->api_state, API_EXEC_STARTED);
    if (init_rc) {
        code = r->signals ? EXIT_ABORTED : EXIT_SCRIPT;
        /* (exec.test.abort() in the init context: its own message comes at the end) */
        if (t->init_error && !atomic_load(&t->script_aborted)) log_msg(LOG_ERROR, NULL, t->init_error, strlen(t->init_error));
    } else if (atomic_load(&r->api_stopped) || r->signals) {
        /* stopped while paused before the start */
    } else if (r->scr.has_setup && !(r->opts.no_setup_set && r->opts.no_setup) && (atomic_store(&r->api_state, API_EXEC_SETUP),
                                    (code = run_special(r, CMD_SETUP)) != 0)) {
        /* code says why */
    } else if (!r->signals) {
        atomic_store(&r->api_state, API_EXEC_RUNNING);
        run_start(r);
        uv_run(r->loop, UV_RUN_DEFAULT);
        r->run_end_us = clock_now_us();
        uv_timer_stop(&r->tick);
        run_metrics_stop(r);
        run_drain(r);
        atomic_store(&r->api_state, API_EXEC_TEARDOWN);
        if (r->scr.has_teardown && !(r->opts.no_teardown_set && r->opts.no_teardown))
            code = run_special(r, CMD_TEARDOWN);
        r->teardown_end_us = clock_now_us();
    }
    bool stopped = atomic_load(&r->api_stopped) || r->aborted || atomic_load(&t->script_aborted) || r->threshold_aborted;
    atomic_store(&r->api_state, stopped ? API_EXEC_INTERRUPTED : API_EXEC_ENDED);
    int64_t t1 = clock_now_us();
    run_stop_workers(r);
    log_printf(LOG_DEBUG, "stopped workers and freed VUs in %.0f ms", (double)(clock_now_us() - t1) / 1000.0);
    /* k6 warns before the summary when a run that ended without an error
     * (no stop, no setup/teardown failure) completed no iteration
     * (internal/cmd/run.go run()) */
    if (t->start_us && code == 0 && !stopped && atomic_load(&t->iters_done) == 0)
        log_printf(LOG_WARN, "No script iterations fully finished, consider making the test duration longer");
    if (t->start_us) {
        double dur_s = (double)((r->run_end_us ? r->run_end_us : clock_now_us()) - t->start_us) / 1e6;
        bool ok = run_eval_thresholds(r, dur_s);
        run_log_threshold_errors(r);
        run_dash_end(r, dur_s);
        run_summary(r, dur_s);
        /* k6 renders the progress one last time once the summary is out
         * (internal/cmd/run.go: progressCancel runs after the summary) */
        if (r->run_end_us) run_progress(r, true);
        /* exec.test.abort() and exec.test.fail() end k6's run with their own
         * error: the crossed thresholds are then only a debug line */
        if ((!ok || r->threshold_aborted) && code == 0 && !atomic_load(&t->script_aborted) &&
            !atomic_load(&t->script_failed)) {
            code = EXIT_THRESHOLDS;
            run_log_crossed(r);
        }
    }
    run_log_script_end(r, code);
    if (r->aborted) code = EXIT_ABORTED;
    else if (atomic_load(&r->api_stopped)) code = EXIT_API_STOP;
    else if (atomic_load(&t->script_aborted)) code = EXIT_SCRIPT_ABORT;
    else if (atomic_load(&t->script_failed) && code == 0) code = EXIT_SCRIPT_FAIL;
    if (r->args.linger && !r->signals) {
        /* k6's --linger: the REST API stays up (status, metrics) until a signal */
        log_printf(LOG_INFO, "the test is over; lingering until SIGINT/SIGTERM (--linger)");
        fflush(stdout);
        r->lingering = true;
        while (!r->signals) uv_run(r->loop, UV_RUN_DEFAULT);
    }
    run_teardown_loop(r);
    return code;
}

enum { MODE_RUN, MODE_INSPECT, MODE_INSPECT_REQS };
static int run_main_mode(int argc, char **argv, int mode);

int run_main(int argc, char **argv) { return run_main_mode(argc, argv, MODE_RUN); }

int run_inspect_main(int argc, char **argv) {
    char **rest = calloc((size_t)argc + 1, sizeof *rest);
    int n = 0, mode = MODE_INSPECT;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--execution-requirements") || !strcmp(argv[i], "--execution-requirements=true"))
            mode = MODE_INSPECT_REQS;
        else if (strcmp(argv[i], "--execution-requirements=false") != 0)
            rest[n++] = argv[i];
    }
    int rc = run_main_mode(n, rest, mode);
    free(rest);
    return rc;
}

/* Two-space indented JSON, as k6 inspect prints it. */
static void run_print_json(buf *b, const cJSON *v, int depth) {
    if (cJSON_IsObject(v) || cJSON_IsArray(v)) {
        bool obj = cJSON_IsObject(v);
        if (!v->child) { buf_puts(b, obj ? "{}" : "[]"); return; }
        buf_puts(b, obj ? "{\n" : "[\n");
        for (const cJSON *c = v->child; c; c = c->next) {
            for (int i = 0; i <= depth; i++) buf_puts(b, "  ");
            if (obj) {
                cJSON *k = cJSON_CreateString(c->string);
                char *ks = cJSON_PrintUnformatted(k);
                buf_puts(b, ks);
                buf_puts(b, ": ");
                free(ks);
                cJSON_Delete(k);
            }
            run_print_json(b, c, depth + 1);
            buf_puts(b, c->next ? ",\n" : "\n");
        }
        for (int i = 0; i < depth; i++) buf_puts(b, "  ");
        buf_puts(b, obj ? "}" : "]");
        return;
    }
    char *t = cJSON_PrintUnformatted(v);
    buf_puts(b, t);
    free(t);
}

static int run_inspect_print(run_ctx *r, int mode) {
    char *json = options_to_json(&r->opts, &r->test.plan);
    cJSON *root = cJSON_Parse(json);
    free(json);
    if (!root) return EXIT_CONFIG;
    if (mode == MODE_INSPECT_REQS) {
        char d[64];
        duration_format(d, sizeof d, r->test.plan.max_duration_us);
        cJSON_AddNumberToObject(root, "maxVUs", (double)(r->test.plan.max_vus + r->test.plan.max_unplanned_vus));
        cJSON_AddStringToObject(root, "totalDuration", d);
    }
    buf b = {0};
    run_print_json(&b, root, 0);
    buf_puts(&b, "\n");
    fwrite(b.p, 1, b.len, stdout);
    buf_free(&b);
    cJSON_Delete(root);
    return 0;
}

static int run_main_mode(int argc, char **argv, int mode) {
    static run_ctx rc;
    run_ctx *r = &rc;
    memset(r, 0, sizeof *r);
    pthread_mutex_init(&r->eng_lock, NULL);
    char err[8192];
    /* k6 logs command-line errors with its default logger (text on stderr)
     * and exits 255: they carry no exit code (internal/cmd/root.go, execute) */
    if (args_parse_run(argc, argv, &r->args, err, sizeof err)) {
        log_msg(LOG_ERROR, NULL, err, strlen(err));
        args_free(&r->args);
        return EXIT_FLAGS;
    }
    if (r->args.help) {
        args_print_help(stdout);
        args_free(&r->args);
        return 0;
    }
    log_set_verbose(r->args.verbose);
    log_set_ns_timestamps(r->args.log_ns_timestamps);
    {
        /* k6's setupLoggers: an unknown output is a plain error (255), an
         * unknown format exitcodes.InvalidConfig (104) */
        log_format lf = LOG_FMT_TEXT;
        if (r->args.log_output && log_set_output(r->args.log_output, err, sizeof err)) {
            log_msg(LOG_ERROR, NULL, err, strlen(err));
            args_free(&r->args);
            return EXIT_FLAGS;
        }
        if (r->args.log_format && log_parse_format(r->args.log_format, &lf) != 0) {
            snprintf(err, sizeof err, "unsupported log format \"%s\", must be one of: text, json, raw",
                     r->args.log_format);
            log_msg(LOG_ERROR, NULL, err, strlen(err));
            args_free(&r->args);
            return EXIT_CONFIG;
        }
        log_set_format(lf);
        if (r->args.console_output && log_set_console_output(r->args.console_output, err, sizeof err)) {
            log_msg(LOG_ERROR, NULL, err, strlen(err));
            args_free(&r->args);
            return EXIT_CONFIG;
        }
    }
    (void)vu_free_at_exit();   /* read C6_FREE_VUS once, before any worker asks */
    r->tty = isatty(STDOUT_FILENO);
    registry_init();
    script_init(&r->scr);
    options_init(&r->opts);
    sample_buf_init(&r->main_samples);
    r->eng = engine_new();
    if (r->args.summary_mode && strcmp(r->args.summary_mode, "full") == 0) engine_enable_breakdown(r->eng);
    engine_add_source(r->eng, &r->main_samples);
    r->test.script = &r->scr;
    r->test.env = run_build_env(&r->args);
    char abs[PATH_MAX];
    int code = 0;
    bool from_stdin = strcmp(r->args.script, "-") == 0;
    if (from_stdin) {   /* k6 run -: the script comes on stdin; imports resolve from the working directory */
        if (!getcwd(abs, sizeof abs - 2)) snprintf(abs, sizeof abs, ".");
        strcat(abs, "/-");
        if (script_add_stream(&r->scr, abs, stdin) != 0) {
            snprintf(err, sizeof err, "cannot read the script from stdin: %s", strerror(errno));
            code = run_fail(r, EXIT_SCRIPT, err);
        }
    }
    if (code) {
        /* reported */
    } else if (!from_stdin && !realpath(r->args.script, abs)) {
        /* internal/loader/readsource.go -> loader.go, fileSchemeCouldntBeLoadedMsg */
        snprintf(err, sizeof err, "The moduleSpecifier \"%s\" couldn't be found on local disk. "
                 "Make sure that you've specified the right path to the file. If you're running k6 using the "
                 "Docker image make sure you have mounted the local directory (-v /local/path/:/inside/docker/path) "
                 "containing your script and modules so that they're accessible by k6 from inside of the "
                 "container, see https://grafana.com/docs/k6/latest/using-k6/modules/#use-modules-with-docker",
                 r->args.script);
        code = run_fail(r, EXIT_SCRIPT, err);
    } else if ((r->scr.main_path = strdup(abs)), (code = run_compile(r, err, sizeof err)) != 0) {
        /* an exception of the init code: k6's scriptExceptionError adds hint="script exception"
         * (internal/js/runner.go, errext.Format) */
        if (r->scr.init_threw && !r->scr.load_error)
            log_msg(LOG_ERROR, " hint=\"script exception\" source=stacktrace", err, strlen(err));
        else run_fail(r, code, err);
    } else if (run_options(r, err, sizeof err) || run_validate(r, err, sizeof err) ||
               run_thresholds(r, err, sizeof err) || run_check_config(r, err, sizeof err)) {
        code = run_fail(r, EXIT_CONFIG, err);
    } else if ((code = run_open_outputs(r, err, sizeof err)) != 0) {
        code = run_fail(r, code, err);
    } else if (mode != MODE_RUN) {
        code = run_inspect_print(r, mode);
    } else {
        r->test.opts = &r->opts;
        r->test.user_agent = r->opts.user_agent_set ? r->opts.user_agent : NULL;
        if (r->opts.rps_set && r->opts.rps > 0) r->test.rps_interval_us = 1000000 / r->opts.rps > 0 ? 1000000 / r->opts.rps : 1;
        if (r->opts.http_debug_set && r->opts.http_debug[0] && strcmp(r->opts.http_debug, "false") != 0)
            r->test.http_debug = strcmp(r->opts.http_debug, "full") == 0 ? 2 : 1;
        r->test.min_iter_us = r->opts.min_iteration_duration_set ? r->opts.min_iteration_duration_us : 0;
        r->test.insecure_skip_tls_verify = r->opts.insecure_skip_tls_verify;
        run_http_options(r);
        run_make_scenarios(r);
        r->test.options_json = options_to_json(&r->opts, &r->test.plan);
        run_describe_outputs(r);
        if (run_dash_start(r, err, sizeof err)) {
            code = run_fail(r, EXIT_OUTPUT, err);
        } else {
            run_banner(r);
            code = run_execute(r);
        }
    }
    run_free(r);
    log_close();
    return code;
}
