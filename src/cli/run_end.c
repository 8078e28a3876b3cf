/* The end of a test: the thresholds' verdicts (also every 2 s while it
 * runs), the summary and --summary-export, handleSummary(), the web
 * dashboard's end event, and the errors k6 ends a run with. */
#include <stdio.h>
#include "util/err.h"
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/run_ctx.h"
#include "output/summary_save.h"
#include "metrics/registry.h"
#include "metrics/sink.h"
#include "output/export.h"
#include "output/summary.h"
#include "output/summary_json.h"
#include "util/log.h"

/* Evaluates every threshold on the sinks as they are (an empty sink as a
 * zero one); true when all pass. The caller holds eng_lock if a drain can run. */
bool run_eval_thresholds(run_ctx *r, double dur_s) {
    bool all = true;
    for (size_t i = 0; i < r->nthr; i++) {
        run_threshold *t = &r->thr[i];
        const sink *s = t->sub >= 0 ? engine_submetric_sink(r->eng, t->sub) : engine_sink(r->eng, t->metric_id);
        sink empty;
        if (!s) {
            sink_init(&empty, registry_get(t->metric_id)->type);
            s = &empty;
        }
        t->ok = threshold_eval(&t->t, s, dur_s, &t->observed);
        if (s == &empty) sink_free(&empty);
        if (!t->ok) all = false;
    }
    return all;
}

/* At the end k6 evaluates every threshold, empty sinks included; a Rate
 * without samples has no "rate" to compare (metrics/thresholds.go Run
 * guards the 0/0), so the metric's first threshold errors, is logged and
 * left passing (metrics/engine evaluateThresholds: "Threshold error"). */
void run_log_threshold_errors(run_ctx *r) {
    for (size_t i = 0; i < r->nthr; i++) {
        const run_threshold *t = &r->thr[i];
        bool first = true;
        for (size_t k = 0; k < i && first; k++) first = strcmp(r->thr[k].metric, t->metric) != 0;
        if (!first || registry_get(t->metric_id)->type != METRIC_RATE) continue;
        const sink *s = t->sub >= 0 ? engine_submetric_sink(r->eng, t->sub) : engine_sink(r->eng, t->metric_id);
        if (s && s->u.rate.total) continue;
        char extra[1024];
        size_t off = (size_t)snprintf(extra, sizeof extra,
                                      " component=metrics-engine error=\"threshold 0 run error: "
                                      "unable to apply threshold ");
        for (const char *c = t->source; *c && off + 4 < sizeof extra; c++) {
            if (*c == '"' || *c == '\\') extra[off++] = '\\';
            extra[off++] = *c;
        }
        extra[off] = 0;
        snprintf(extra + off, sizeof extra - off,
                 " over metrics; reason: no metric supporting the rate aggregation "
                 "method found\" metric_name=%s",
                 t->metric);
        log_msg(LOG_ERROR, extra, "Threshold error", strlen("Threshold error"));
    }
}

/* Whether no sample reached the threshold's metric yet: during the run k6
 * leaves such thresholds alone (metrics/engine evaluateThresholds with
 * ignoreEmptySinks). */
bool run_threshold_empty(run_ctx *r, const run_threshold *t) {
    return !(t->sub >= 0 ? engine_submetric_sink(r->eng, t->sub) : engine_sink(r->eng, t->metric_id));
}

static int run_str_cmp(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "a, b": the metrics with a crossed threshold, each once, sorted as Go's
 * sort.Strings (byte order), as k6 lists them; skip_empty leaves out those
 * without samples. malloc'd; NULL when out of memory. */
char *run_crossed_names(run_ctx *r, bool skip_empty) {
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

/* The run's verdict on its thresholds, logged after the summary as k6 logs
 * the run's error: the abortOnFail message when one stopped the run,
 * else the crossed ones (internal/cmd/run.go; metrics/engine). */
void run_log_crossed(run_ctx *r) {
    if (r->threshold_aborted) {
        log_printf(LOG_ERROR,
                   "thresholds on metrics '%s' were crossed; at least one has abortOnFail enabled, "
                   "stopping test prematurely",
                   r->abort_names ? r->abort_names : "");
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
    sink *empty; /* zero sinks of the metrics shown without samples */
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
    in->ms = xcalloc(slots, sizeof *in->ms); /* x*: the end of the run, once */
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
        /* c6's own metrics stay out of k6's summary unless c6 was saturated
         * (or a threshold names them): a healthy run's summary is k6's */
        if (!shown && !health_metric_in_summary(&r->health, &r->test, i)) continue;
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
    in->cs = xcalloc(nc + 1, sizeof *in->cs);
    for (size_t i = 0; i < nc; i++) in->cs[i] = (summary_check){ec[i].name, ec[i].group, ec[i].passes, ec[i].fails};
    in->ts = xcalloc(r->nthr + 1, sizeof *in->ts);
    for (size_t i = 0; i < r->nthr; i++)
        in->ts[i] = (summary_threshold){r->thr[i].metric, r->thr[i].source, r->thr[i].ok, r->thr[i].observed,
                                        r->thr[i].t.agg_name};
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
    const engine_node *root = engine_group_root(r->eng); /* full mode only */
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
    health_summary_line(&r->health, stdout);
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

void run_summary(run_ctx *r, double dur_s) {
    if (r->args.no_summary || (r->args.summary_mode && strcmp(r->args.summary_mode, "disabled") == 0)) return;
    run_summary_in in;
    run_summary_gather(r, dur_s, &in);
    /* on a terminal the progress block was left with the cursor at its top */
    if (r->tty && !r->args.quiet) fputs("\033[J", stdout);
    if (r->opts.summary_export_set && r->opts.summary_export && *r->opts.summary_export) {
        char e[512];
        if (export_write_summary(r->opts.summary_export, &in.d, e, sizeof e)) {
            buf errs = {0};
            buf_puts(&errs, "\n\t- ");
            buf_puts(&errs, e);
            summary_save_report(&errs);
            buf_free(&errs);
        }
    }
    if (r->scr.has_handle_summary) {
        summary_json_state st = {r->tty, isatty(STDERR_FILENO), r->args.no_color,
                                 r->opts.summary_time_unit_set ? r->opts.summary_time_unit : ""};
        r->test.summary_json = summary_json(&in.d, &st);
        r->test.text_summary = run_text_summary;
        r->test.text_summary_ctx = &in;
        int hs = run_handle_summary(r);
        if (hs && hs != RUN_SUMMARY_TIMED_OUT) { /* as k6: the error is logged, the default summary shown */
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

/* After the run: the last snapshot, the end event with the summary's data,
 * the exported report. The engine is fully drained and no worker runs. */
void run_dash_end(run_ctx *r, double dur_s) {
    if (!r->dash) return;
    dash_snapshot_test(r->dash, &r->test, r->eng, &r->eng_lock, r->test.start_us + (int64_t)(dur_s * 1e6));
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
void run_log_script_end(run_ctx *r, int code) {
    c6_test *t = &r->test;
    if (r->aborted || atomic_load(&r->api_stopped)) return;
    if (atomic_load(&t->script_aborted)) log_printf(LOG_ERROR, "%s", t->abort_reason);
    else if (atomic_load(&t->script_failed) && code == 0 && !r->threshold_aborted)
        log_printf(LOG_ERROR, "test run was marked as failed");
}
