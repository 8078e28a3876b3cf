/* The run's banner and k6's progress block (the drawing itself is
 * cli/progress.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "cli/progress.h"
#include "cli/run_ctx.h"
#include "config/duration.h"
#include "config/executor_def.h"
#include "exec/executor.h"
#include "exec/segment.h"
#include "util/clock.h"

/* The most VUs the plan can have (k6's maxPossibleVUs), as the banner says. */
static int64_t run_max_vus(const run_ctx *r) {
    int64_t most = r->test.init_vus;
    for (int i = 0; i < r->test.nscen; i++) most += r->test.scen[i].max_vus - r->test.scen[i].vus;
    return most;
}

void run_banner(run_ctx *r) {
    if (r->args.quiet) return;
    const c6_plan *p = &r->test.plan;
    char maxd[32], desc[512];
    duration_format(maxd, sizeof maxd, p->max_duration_us);
    printf("\n         /\\      |‾‾| /‾‾/   /‾‾/   \n"
           "    /\\  /  \\     |  |/  /   /  /    \n"
           "   /  \\/    \\    |     (   /   ‾‾\\  \n"
           "  /          \\   |  |\\  \\ |  (‾)  | \n"
           " / __________ \\  |__| \\__\\ \\_____/ .io   c6\n\n");
    printf("     execution: %s\n        script: %s\n", r->ctl && r->ctl->coordinate ? "distributed" : "local",
           r->args.script);
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
    printf("     scenarios: (%.2f%%) %zu scenario%s, %lld max VUs, %s max duration (incl. graceful stop):\n", pct,
           p->nscenarios, p->nscenarios == 1 ? "" : "s", (long long)most, maxd);
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
    char(*col)[PROGRESS_COL_LEN] = b->cols;
    int st = scen_state(sc);
    int64_t d = scenario_duration_us(c);
    int64_t spent = st >= SC_RUNNING ? (st == SC_DONE && sc->end_us ? sc->end_us : clock_now_us()) -
                                           atomic_load(&((scen_rt *)sc)->start_us)
                                     : 0;
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
        if (x->time_col == TIME_COL_FIXED_TOTAL) { /* k6: the total in the same fixed-length form */
            char ftot[32];
            progress_fixed_duration(ftot, sizeof ftot, d, d);
            snprintf(col[1], PROGRESS_COL_LEN, "%s/%s", el, ftot);
        } else {
            snprintf(col[1], PROGRESS_COL_LEN, "%s/%s", el, tot);
        }
    }
    executor_progress_in in = {spent, d, done, active};
    x->progress(sc, &in, col[0], col[2], PROGRESS_COL_LEN, &frac); /* the executor's texts */
    /* the time column runs to maxDuration; once done, the time taken */
    if (x->time_col == TIME_COL_TAKEN && (st >= SC_DONE || done >= x->planned_iterations(sc))) {
        progress_fixed_duration(el, sizeof el, spent < d ? spent : d, d);
        snprintf(col[1], PROGRESS_COL_LEN, "%s/%s", el, tot);
    }
    if (final && st == SC_DONE && !r->aborted && !r->threshold_aborted) frac = 1;
    b->frac = frac < 0 ? 0 : frac > 1 ? 1 : frac;
    /* k6's marks: '↓' once the regular duration is over and iterations
     * finish gracefully; at the end '✓', or '✗' when cut short */
    bool stopped_early =
        r->aborted || r->threshold_aborted || atomic_load(&r->test.script_aborted) || atomic_load(&r->api_stopped);
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
void run_progress(run_ctx *r, bool final) {
    if (r->args.quiet) return;
    c6_test *t = &r->test;
    /* k6 stops the clock once teardown() is over (execution.Scheduler Run: MarkEnded) */
    int64_t now = final && r->teardown_end_us ? r->teardown_end_us
                  : final && r->run_end_us    ? r->run_end_us
                                              : clock_now_us();
    int64_t el_us = t->start_us ? now - t->start_us : 0;
    char head[256];
    progress_head(head, sizeof head, atomic_load(&t->paused), el_us, t->plan.max_duration_us, run_max_vus(r),
                  atomic_load(&t->vus_active), atomic_load(&t->vus_initialized), (long long)atomic_load(&t->iters_done),
                  (long long)atomic_load(&t->iters_interrupted));
    progress_bar *bars = calloc((size_t)t->nscen + 1, sizeof *bars);
    if (!bars) return;
    for (int i = 0; i < t->nscen; i++) run_scen_progress(r, &t->scen[i], final, &bars[i]);
    progress_view v = {r->tty, r->tty && !r->args.no_color, final, r->tty ? run_term_width() : 0};
    progress_render(stdout, &v, head, bars, t->nscen);
    free(bars);
}

/* The progress while setup() runs: k6's first bar is still a bar then
 * ("Run [ 100% ] setup()", execution.Scheduler Run), the scenarios' bars
 * empty; while teardown() runs, the usual block. */
void run_special_progress(uv_timer_t *h) {
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
    for (int i = 0; i < r->test.nscen; i++)
        bars[i + 1] = (progress_bar){.name = r->test.scen[i].cfg->name, .status = " "};
    progress_view v = {r->tty, r->tty && !r->args.no_color, false, r->tty ? run_term_width() : 0};
    progress_render(stdout, &v, NULL, bars, r->test.nscen + 1);
    free(bars);
}
