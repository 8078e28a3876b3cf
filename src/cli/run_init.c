/* The run's init phase: the first init run (compile, exports), the
 * options of every layer merged and checked, thresholds parsed, outputs
 * opened, and the test's run-time state made from the plan. */
#include <errno.h>
#include "util/err.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/run_ctx.h"
#include "vu/latency_correction.h"
#include "config/executor_def.h"
#include "exec/executor.h"
#include "exec/capacity.h"
#include "exec/segment.h"
#include "js/archive.h"
#include "js/vm.h"
#include "metrics/registry.h"
#include "net/dialer.h"
#include "net/tls.h"
#include "util/clock.h"
#include "util/log.h"

extern char **environ;

char **run_build_env(const c6_run_args *a) {
    size_t n = 0, cap = 16;
    char **env = xmalloc(cap * sizeof *env); /* x*: once, at start */
    if (a->include_system_env_vars)
        for (char **e = environ; *e; e++) {
            if (n + 1 >= cap) env = xrealloc(env, (cap *= 2) * sizeof *env);
            env[n++] = xstrdup(*e);
        }
    for (size_t i = 0; i < a->nenv; i++) {
        if (n + 1 >= cap) env = xrealloc(env, (cap *= 2) * sizeof *env);
        size_t len = strlen(a->env[i].key) + strlen(a->env[i].value) + 2;
        env[n] = xmalloc(len);
        snprintf(env[n++], len, "%s=%s", a->env[i].key, a->env[i].value);
    }
    env[n] = NULL;
    return env;
}

void run_free_env(char **env) {
    for (char **e = env; e && *e; e++) free(*e);
    free(env);
}

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
int run_compile(run_ctx *r, char *err, size_t errlen) {
    vu v = {0};
    v.test = &r->test;
    v.role = VU_REGULAR;
    int rc = vm_create(&v, &r->scr, true, err, errlen);
    vm_destroy(&v);
    if (rc) {
        if (r->scr.load_error) run_init_error(r, err, errlen);
        return EXIT_SCRIPT;
    }
    if (r->scr.bad_export) { /* internal/js/bundle.go, populateExports: no exit code of their own */
        snprintf(err, errlen, "exported '%s' must be a function", r->scr.bad_export);
        run_init_error(r, err, errlen);
        return EXIT_FLAGS;
    }
    if (r->scr.bad_options) { /* populateExports: json.MarshalIndent's error, no exit code of its own */
        snprintf(err, errlen, "error parsing script options: json: unsupported value: %s", r->scr.bad_options);
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

int run_options(run_ctx *r, char *err, size_t errlen) {
    c6_options env, scr, cfg;
    options_init(&env);
    options_init(&scr);
    options_init(&cfg);
    int rc = options_from_env(environ, &env, err, errlen);
    /* an archive's options take the script's place; its script's own export is ignored
     * (internal/js/bundle.go, NewBundleFromArchive: updateOptions false) */
    const char *script_opts = r->arc ? r->arc->options_json : r->scr.options_json;
    if (!rc && script_opts && (rc = options_from_json(script_opts, "script options", &scr, err, errlen)) != 0)
        run_init_error(r, err, errlen);        /* k6 reads the options while it loads the script */
    if (!rc && scr.unknown_field && !r->arc) { /* internal/js/bundle.go, populateExports (logger.WithError(err).Warn) */
        char e[300];
        snprintf(e, sizeof e, "json: unknown field \"%.256s\"", scr.unknown_field);
        log_msg_field(LOG_WARN, "There were unknown fields in the options exported in the script", "error", e);
    }
    if (!rc && r->args.config_path) {
        /* k6's texts (internal/cmd/config.go, readDiskConfig and getConsolidatedConfig) */
        const char *path = r->args.config_path;
        /* from disk, not through the script's files: the config is no part of an archive */
        size_t blen;
        char *b = (char *)script_read_disk(path, &blen);
        int e = errno;
        char why[128];
        if (!b) {
            snprintf(err, errlen, "failed to load the configuration file from the local file system: %s %s: %s",
                     e == ENOENT || e == ENOTDIR ? "stat" : "open", path,
                     e == ENOENT   ? "no such file or directory"
                     : e == EACCES ? "permission denied"
                                   : script_read_error(e, why, sizeof why));
            rc = -1;
        } else if ((rc = options_from_json(b, path, &cfg, err, errlen)) != 0) {
            char *why = strdup(err);
            size_t pl = strlen(path);
            const char *d = why && !strncmp(why, path, pl) && !strncmp(why + pl, ": ", 2) ? why + pl + 2 : why;
            snprintf(err, errlen,
                     "failed to load the configuration file from the local file system: couldn't parse "
                     "the configuration from \"%s\": %s",
                     path, d ? d : "");
            free(why);
        }
        free(b);
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
        if (rc == -2) { /* reported in k6's block, after the thresholds (run_check_config) */
            r->scenario_problems = strdup(err);
            rc = r->scenario_problems ? 0 : -1;
        }
    }
    options_free(&env);
    options_free(&scr);
    options_free(&cfg);
    return rc;
}

/* -o TYPE=ARG: the outputs of the registry (output/output.h), as engine
 * listeners (metrics thread), and the dashboard's settings. Returns 0,
 * EXIT_OUTPUT with k6's "could not create the 'TYPE' output: ..." (an
 * error without an exit code of its own in k6: 255), or EXIT_CONFIG for
 * the dashboard's settings. */
int run_open_outputs(run_ctx *r, char *err, size_t errlen) {
    output_threshold *ts = calloc(r->nthr + 1, sizeof *ts);
    if (!ts) return snprintf(err, errlen, "out of memory"), EXIT_OUTPUT;
    for (size_t i = 0; i < r->nthr; i++)
        ts[i] = (output_threshold){r->thr[i].metric_id, r->thr[i].sub, r->thr[i].source, r->thr[i].abort_on_fail,
                                   r->thr[i].delay_abort_us};
    output_params p = {
        .env = environ,
        .mono0_ns = clock_now_ns(),
        .wall0_ns = clock_wall_ns(),
        .system_tags = r->opts.system_tags_set ? (const char *const *)r->opts.system_tags : NULL,
        .nsystem_tags = r->opts.system_tags_set ? r->opts.nsystem_tags : 0,
        .thresholds = ts,
        .nthresholds = r->nthr,
        .eng = r->eng,
    };
    const char *dash_arg = NULL; /* -o web-dashboard[=ARG]: "" without ARG */
    const char *const *more;     /* those another module enabled (output_enable) */
    size_t nmore = output_enabled(&more);
    int rc = 0;
    for (size_t i = 0; i < r->args.nouts + nmore && !rc; i++) {
        const char *o = i < r->args.nouts ? r->args.outs[i] : more[i - r->args.nouts];
        const char *eq = strchr(o, '=');
        size_t tl = eq ? (size_t)(eq - o) : strlen(o);
        p.arg = eq ? eq + 1 : NULL;
        if (tl == 13 && strncmp(o, "web-dashboard", 13) == 0) dash_arg = p.arg ? p.arg : "";
        else if (outputs_open(&r->outs, r->eng, o, tl, &p, err, errlen)) rc = EXIT_OUTPUT;
    }
    free(ts);
    if (rc) return rc;
    outputs_describe(&r->outs, &r->outputs_shown);
    /* the dashboard reads k6's K6_WEB_DASHBOARD* variables from c6's own environment */
    return dash_config_read(&r->dash_cfg, environ, dash_arg, err, errlen) ? EXIT_CONFIG : 0;
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
    r->test.seg = xcalloc(1, sizeof *r->test.seg);
    if (c6_segment_tuple_new(&s, &q, r->test.seg, err, errlen)) {
        free(r->test.seg);
        r->test.seg = NULL;
        /* lib/options.go, Validate: reported in k6's configuration block (run_check_config) */
        if (strncmp(err, "provided segment ", 17) == 0 && (r->options_problem = strdup(err))) return 0;
        return -1;
    }
    return 0;
}

int run_validate(run_ctx *r, char *err, size_t errlen) {
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
/* Whether the run's connections fit the descriptors this process may open
 * (exec/capacity.h has the estimate): 0, or -1 with the error in err; a run
 * that may not fit goes on after a warning. */
int run_check_fds(run_ctx *r, char *err, size_t errlen) {
    capacity cap;
    capacity_read(&cap);
    int64_t vus = r->test.plan.max_vus + r->test.plan.max_unplanned_vus;
    if (r->test.seg) vus = c6_segment_scale(r->test.seg, vus); /* this instance's part */
    bool hold = !(r->opts.no_connection_reuse_set && r->opts.no_connection_reuse);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int64_t workers = r->args.workers > 0 ? r->args.workers : cpus > 0 ? cpus : 1;
    if (workers > vus) workers = vus; /* as run_worker_count */
    int rc = capacity_check_fds(&cap, vus, (int)(workers > 0 ? workers : 1), r->scr.uses_net, hold, err, errlen);
    if (rc > 0) log_msg(LOG_WARN, NULL, err, strlen(err));
    return rc < 0 ? -1 : 0;
}

int run_check_config(run_ctx *r, char *err, size_t errlen) {
    buf b = {0};
    buf_puts(&b, "There were problems with the specified script configuration:");
    size_t title = b.len;
    if (r->options_problem) { /* Options.Validate lists it before the scenarios' errors */
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

int run_c6_metrics(run_ctx *r, char *err, size_t errlen) {
    if (health_register(&r->test, err, errlen)) return -1;
    return r->args.latency_correction ? latency_correction_register(&r->test, err, errlen) : 0;
}

int run_thresholds(run_ctx *r, char *err, size_t errlen) {
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
            snprintf(err, errlen, "invalid threshold defined on %s; reason: no metric name \"%s\" found", ts->metric,
                     ts->metric);
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
            if (sub < 0) {
                snprintf(err, errlen, "invalid threshold on %s: %s", ts->metric, e3);
                return -1;
            }
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

/* k6/http's options with k6's defaults, for the workers to read. */
void run_http_options(run_ctx *r) {
    const c6_options *o = &r->opts;
    c6_test *t = &r->test;
    t->dialer = dialer_new(o);
    t->throw_errors = o->throw_set && o->throw_errors;
    t->discard_bodies = o->discard_response_bodies_set && o->discard_response_bodies;
    t->max_redirects_set = o->max_redirects_set;
    t->max_redirects = o->max_redirects_set ? (int)(o->max_redirects < 0         ? 0
                                                    : o->max_redirects > 1000000 ? 1000000
                                                                                 : o->max_redirects)
                                            : 10;
    t->batch = o->batch_set ? (int)(o->batch < 0 ? 0 : o->batch > 1000000 ? 1000000 : o->batch) : 20;
    t->batch_per_host = o->batch_per_host_set ? (int)(o->batch_per_host < 0         ? 0
                                                      : o->batch_per_host > 1000000 ? 1000000
                                                                                    : o->batch_per_host)
                                              : 6;
}

/* The run-time state of each scenario of the plan. */
void run_make_scenarios(run_ctx *r) {
    c6_test *t = &r->test;
    t->init_vus = t->seg ? c6_segment_scale(t->seg, t->plan.max_vus) : t->plan.max_vus;
    t->nscen = (int)t->plan.nscenarios;
    t->scen = xcalloc((size_t)(t->nscen ? t->nscen : 1), sizeof *t->scen);
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
            sc->seg = xcalloc(1, sizeof *sc->seg);
            if (c6_segment_tuple_from_value(t->seg, scenario_max_vus(c), sc->seg, e, sizeof e)) {
                free(sc->seg);
                sc->seg = NULL;
                sc->no_work = true;
            }
        }
        atomic_store(&sc->state, SC_PENDING);
    }
}
