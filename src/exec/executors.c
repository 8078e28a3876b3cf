/* executors.c - the seven executors, one section and one table row each
 * (the row's fields are described in config/executor_def.h; why a table:
 * there too). Each section holds what k6 keeps in its lib/executor/<name>.go:
 * the options and their defaults, Validate(), GetExecutionRequirements(),
 * GetDescription(), the scheduling step and the progress text.
 *
 * Banner texts, as k6's executors' descriptions:
 *   shared-iterations      "N iterations shared among V VUs (maxDuration: D, gracefulStop: G)"
 *   per-vu-iterations      "N iterations for each of V VUs (maxDuration: D, gracefulStop: G)"
 *   constant-vus           "V looping VUs for D (gracefulStop: G)"
 *   ramping-vus            "Up to V looping VUs for D over S stages (gracefulRampDown: R, gracefulStop: G)"
 *   constant-arrival-rate  "R.RR iterations/s for D (maxVUs: P[-M], gracefulStop: G)"
 *   ramping-arrival-rate   "Up to R.RR iterations/s for D over S stages (maxVUs: P[-M], gracefulStop: G)"
 *   externally-controlled  "Externally controlled execution with V VUs, M max VUs, D duration"
 * with "exec: F" (when set) and "startTime: T" (when > 0) added before
 * gracefulStop, and gracefulStop left out when it is 0. */
#include "config/executor_def.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/duration.h"
#include "exec/executor.h"
#include "exec/test.h"
#include "util/err.h"
#include "vu/vu.h"

#define MAX_RAMPING_VUS 100000000LL /* k6's sanity limit for ramping-vus */

/* ------------------------------------------------------------------------ */
/* Shared by several executors                                              */

static int64_t exe_max_duration(const c6_scenario *s) { return s->max_duration_us; }
static int64_t exe_duration(const c6_scenario *s) { return s->duration_us; }
static int64_t exe_stages_duration(const c6_scenario *s) { return scen_stages_sum(s); }
static int64_t exe_vus(const c6_scenario *s) { return s->vus; }
static int64_t exe_prealloc(const c6_scenario *s) { return s->pre_allocated_vus; }
static int64_t exe_pool_max(const c6_scenario *s) {
    return s->max_vus > s->pre_allocated_vus ? s->max_vus : s->pre_allocated_vus;
}

static void exe_vus_col(const scen_rt *sc, char *col0, size_t len) {
    snprintf(col0, len, "%lld VUs", (long long)sc->vus);
}

/* "05/10 VUs": the active ones, zero-padded to the width of the most. */
static void exe_active_col(const scen_rt *sc, const executor_progress_in *in, char *col0, size_t len) {
    int vw = snprintf(NULL, 0, "%lld", (long long)sc->max_vus);
    snprintf(col0, len, "%0*d/%lld VUs", vw, in->active, (long long)sc->max_vus);
}

static int exe_next_run(vu *v, scen_rt *sc, int64_t at) { return EXEC_RUN; }

/* ---- shared-iterations and per-vu-iterations (shared_iterations.go,
 * per_vu_iterations.go) ---- */

static const char *const ITER_OPTIONS[] = {"vus", "iterations", "maxDuration", NULL};

static void iter_defaults(c6_scenario *s) {
    s->vus = s->iterations = 1;
    s->max_duration_us = C6_DEFAULT_MAX_DURATION_US;
}

/* (shared-iterations without VUs never gives them back, as k6's) */
static void iter_steps(const c6_scenario *s, bool end_without_vus, req_steps *out) {
    scen_push_step(out, 0, s->vus, 0);
    if (s->vus != 0 || end_without_vus)
        scen_push_step(out, scen_sat_add(s->max_duration_us, s->graceful_stop_us), 0, 0);
}

static void shared_steps(const c6_scenario *s, req_steps *out) { iter_steps(s, false, out); }
static void per_vu_steps(const c6_scenario *s, req_steps *out) { iter_steps(s, true, out); }

static void iter_describe(const c6_scenario *s, const char *fmt, char *buf, size_t n) {
    char d[32], fact[96], info[384];
    duration_format(d, sizeof d, s->max_duration_us);
    snprintf(fact, sizeof fact, "maxDuration: %s", d);
    scen_banner_info(s, fact, info, sizeof info);
    snprintf(buf, n, fmt, (long long)s->iterations, (long long)s->vus, info);
}

static void iter_progress(const scen_rt *sc, const executor_progress_in *in, const char *fmt, int64_t total, char *col0,
                          char *col2, size_t len, double *frac) {
    int iw = snprintf(NULL, 0, "%lld", (long long)total);
    exe_vus_col(sc, col0, len);
    snprintf(col2, len, fmt, iw, (long long)in->done, (long long)total, (long long)sc->cfg->iterations);
    *frac = total > 0 ? (double)in->done / (double)total : 1;
}

static void iter_run_fields(const scen_rt *sc, int64_t iterations, char *buf, size_t n) {
    const char *type = executor_name(sc->cfg->executor);
    char d[32];
    duration_format(d, sizeof d, sc->dur_us);
    snprintf(buf, n, " executor=%s iterations=%lld maxDuration=%s scenario=%s type=%s vus=%lld", type,
             (long long)iterations, d, sc->cfg->name, type, (long long)sc->vus);
}

static void shared_validate(const c6_scenario *s, const scen_missing *m, scen_errs *e) {
    scen_check_vus(e, s->vus);
    if (s->iterations < s->vus)
        scen_err_add(e, "the number of iterations (%lld) can't be less than the number of VUs (%lld)",
                     (long long)s->iterations, (long long)s->vus);
    scen_check_min_duration(e, "maxDuration", "must be", s->max_duration_us);
}

static void shared_describe(const c6_scenario *s, char *buf, size_t n) {
    iter_describe(s, "%lld iterations shared among %lld VUs%s", buf, n);
}

/* a failed claim overshoots the counter, harmlessly: it only grows */
static int shared_next(vu *v, scen_rt *sc, int64_t at) {
    return atomic_fetch_add(&sc->claimed, 1) < sc->iterations ? EXEC_RUN : EXEC_DONE;
}

static int64_t shared_planned(const scen_rt *sc) { return sc->iterations; }

static void shared_progress(const scen_rt *sc, const executor_progress_in *in, char *col0, char *col2, size_t len,
                            double *frac) {
    iter_progress(sc, in, "%0*lld/%lld shared iters", sc->iterations, col0, col2, len, frac);
}

static void shared_run_fields(const scen_rt *sc, char *buf, size_t n) { iter_run_fields(sc, sc->iterations, buf, n); }

static void per_vu_validate(const c6_scenario *s, const scen_missing *m, scen_errs *e) {
    scen_check_vus(e, s->vus);
    if (s->iterations <= 0) scen_err_add(e, "the number of iterations must be more than 0");
    scen_check_min_duration(e, "maxDuration", "must be", s->max_duration_us);
}

static void per_vu_describe(const c6_scenario *s, char *buf, size_t n) {
    iter_describe(s, "%lld iterations for each of %lld VUs%s", buf, n);
}

static int per_vu_next(vu *v, scen_rt *sc, int64_t at) {
    return v->sc_iter < sc->cfg->iterations ? EXEC_RUN : EXEC_DONE;
}

static int64_t per_vu_planned(const scen_rt *sc) { return sc->vus * sc->cfg->iterations; }

static void per_vu_progress(const scen_rt *sc, const executor_progress_in *in, char *col0, char *col2, size_t len,
                            double *frac) {
    iter_progress(sc, in, "%0*lld/%lld iters, %lld per VU", per_vu_planned(sc), col0, col2, len, frac);
}

static void per_vu_run_fields(const scen_rt *sc, char *buf, size_t n) {
    iter_run_fields(sc, sc->cfg->iterations, buf, n);
}

/* ---- constant-vus (constant_vus.go) ---- */

static const char *const CONSTANT_VUS_OPTIONS[] = {"vus", "duration", NULL};
static const char *const CONSTANT_VUS_REQUIRED[] = {"duration", NULL};

static void constant_vus_defaults(c6_scenario *s) { s->vus = 1; }

static void constant_vus_validate(const c6_scenario *s, const scen_missing *m, scen_errs *e) {
    scen_check_vus(e, s->vus);
    if (m->duration) scen_err_add(e, "the duration is unspecified");
    else scen_check_min_duration(e, "duration", "must be", s->duration_us);
}

static void constant_vus_steps(const c6_scenario *s, req_steps *out) {
    scen_push_step(out, 0, s->vus, 0);
    scen_push_step(out, scen_sat_add(s->duration_us, s->graceful_stop_us), 0, 0);
}

static void constant_vus_describe(const c6_scenario *s, char *buf, size_t n) {
    char d[32], info[384];
    duration_format(d, sizeof d, s->duration_us);
    scen_banner_info(s, NULL, info, sizeof info);
    snprintf(buf, n, "%lld looping VUs for %s%s", (long long)s->vus, d, info);
}

static void constant_vus_progress(const scen_rt *sc, const executor_progress_in *in, char *col0, char *col2, size_t len,
                                  double *frac) {
    exe_vus_col(sc, col0, len);
}

static void constant_vus_run_fields(const scen_rt *sc, char *buf, size_t n) {
    const char *type = executor_name(sc->cfg->executor);
    char d[32];
    duration_format(d, sizeof d, sc->dur_us);
    snprintf(buf, n, " duration=%s executor=%s scenario=%s type=%s vus=%lld", d, type, sc->cfg->name, type,
             (long long)sc->vus);
}

/* ---- ramping-vus (ramping_vus.go) ---- */

static const char *const RAMPING_VUS_OPTIONS[] = {"startVUs", "stages", "gracefulRampDown", NULL};

static void ramping_vus_defaults(c6_scenario *s) {
    s->start_vus = 1;
    s->graceful_ramp_down_us = C6_DEFAULT_GRACEFUL_STOP_US;
}

static void ramping_vus_validate(const c6_scenario *s, const scen_missing *m, scen_errs *e) {
    if (s->start_vus < 0) scen_err_add(e, "the number of start VUs can't be negative");
    if (scen_stages_max(s, s->start_vus) <= 0)
        scen_err_add(e, "either startVUs or one of the stages' target values must be greater than 0");
    scen_check_stages(s, m, e);
    if (s->start_vus > MAX_RAMPING_VUS) scen_err_add(e, "the startVUs exceed max limit of %lld", MAX_RAMPING_VUS);
    for (size_t i = 0; i < s->nstages; i++)
        if (s->stages[i].target > MAX_RAMPING_VUS)
            scen_err_add(e, "target for stage %zu exceeds max limit of %lld", i + 1, MAX_RAMPING_VUS);
}

static void ramping_push_if_changed(req_steps *s, int64_t t, int64_t planned) {
    if (s->v[s->n - 1].planned != planned) scen_push_step(s, t, planned, 0);
}

/* d * a / b without overflow, truncated toward zero as Go's division is. */
static int64_t ramping_mul_div(int64_t d, int64_t a, int64_t b) { return (int64_t)((__int128)d * a / b); }

/* The VUs ramping-vus runs at each moment, one step per VU started or
 * stopped: a VU is added when the linear ramp reaches it and removed when
 * the ramp drops below it. */
static void ramping_raw_steps(const c6_scenario *s, req_steps *raw) {
    int64_t end = 0, from = s->start_vus, at = s->start_vus;
    scen_push_step(raw, 0, at, 0);
    for (size_t i = 0; i < s->nstages; i++) {
        int64_t d = s->stages[i].duration_us, to = s->stages[i].target, diff = to - from;
        end = scen_sat_add(end, d);
        if (diff == 0) continue;
        if (d == 0) {
            at = to;
            ramping_push_if_changed(raw, end, to);
        } else if (at > to) {
            for (; at > to; at--) ramping_push_if_changed(raw, end - ramping_mul_div(d, to - at + 1, diff), at - 1);
        } else {
            for (; at <= to; at++) ramping_push_if_changed(raw, end - ramping_mul_div(d, to - at, diff), at);
        }
        from = to;
    }
}

/* k6 keeps the VUs of a ramp-down for gracefulRampDown, so their last
 * iterations can finish, unless the ramp comes back up within that time (it
 * then reuses them); nothing is kept past the scenario's end (`end`). */
static void ramping_reserve_downs(const req_steps *raw, int64_t grace, int64_t end, req_steps *out) {
    int64_t last = 0;
    size_t slope = 0; /* furthest step of the current downward slope seen */
    for (size_t i = 0; i < raw->n; i++) {
        const req_step *r = &raw->v[i];
        if (i == 0 || r->planned > last) {
            scen_push_step(out, r->t, r->planned, 0);
            last = r->planned;
            continue;
        }
        if (r->planned == last) continue;
        int64_t until = scen_sat_add(r->t, grace);
        bool back_up = false, falling = true;
        for (size_t j = slope > i + 1 ? slope : i + 1; j < raw->n && raw->v[j].t <= until; j++) {
            if (raw->v[j].planned >= last) {
                i = j - 1;
                back_up = true;
                break;
            }
            if (falling) {
                if (raw->v[j - 1].planned > raw->v[j].planned) slope = j;
                else falling = false;
            }
        }
        if (back_up) continue;
        if (until >= end) break;
        scen_push_step(out, until, r->planned, 0);
        last = r->planned;
    }
}

static void ramping_vus_steps(const c6_scenario *s, req_steps *out) {
    int64_t end = scen_sat_add(scen_stages_sum(s), s->graceful_stop_us);
    if (s->graceful_ramp_down_us > 0) {
        req_steps raw = {0};
        ramping_raw_steps(s, &raw);
        ramping_reserve_downs(&raw, s->graceful_ramp_down_us, end, out);
        free(raw.v);
    } else {
        ramping_raw_steps(s, out);
    }
    if (out->v[out->n - 1].planned != 0) scen_push_step(out, end, 0, 0);
}

static int64_t ramping_vus_planned(const c6_scenario *s) { return scen_stages_max(s, s->start_vus); }

static void ramping_vus_describe(const c6_scenario *s, char *buf, size_t n) {
    char d[32], r[32], fact[96], info[384];
    duration_format(d, sizeof d, scen_stages_sum(s));
    duration_format(r, sizeof r, s->graceful_ramp_down_us);
    snprintf(fact, sizeof fact, "gracefulRampDown: %s", r);
    scen_banner_info(s, fact, info, sizeof info);
    snprintf(buf, n, "Up to %lld looping VUs for %s over %zu stages%s", (long long)scen_stages_max(s, s->start_vus), d,
             s->nstages, info);
}

static int64_t ramping_vus_target(const scen_rt *sc, int64_t at) {
    return scen_scale(sc, executor_ramp_target(sc->cfg, at));
}

static int ramping_vus_next(vu *v, scen_rt *sc, int64_t at) {
    return v->sc_index < ramping_vus_target(sc, at) ? EXEC_RUN : EXEC_PARK;
}

static void ramping_vus_progress(const scen_rt *sc, const executor_progress_in *in, char *col0, char *col2, size_t len,
                                 double *frac) {
    exe_active_col(sc, in, col0, len);
}

static void ramping_vus_run_fields(const scen_rt *sc, char *buf, size_t n) {
    const c6_scenario *c = sc->cfg;
    const char *type = executor_name(c->executor);
    char d[32];
    duration_format(d, sizeof d, sc->dur_us);
    snprintf(buf, n, " duration=%s executor=%s maxVUs=%lld numStages=%zu scenario=%s startVUs=%lld type=%s", d, type,
             (long long)sc->vus, c->nstages, c->name, (long long)scen_scale(sc, c->start_vus), type);
}

/* ---- constant-arrival-rate and ramping-arrival-rate
 * (constant_arrival_rate.go, ramping_arrival_rate.go) ---- */

static const char *const CAR_OPTIONS[] = {"rate", "timeUnit", "duration", "preAllocatedVUs", "maxVUs", NULL};
static const char *const CAR_REQUIRED[] = {"rate", "duration", "preAllocatedVUs", NULL};
static const char *const RAR_OPTIONS[] = {"startRate", "timeUnit", "stages", "preAllocatedVUs", "maxVUs", NULL};
static const char *const RAR_REQUIRED[] = {"preAllocatedVUs", NULL};

static void arrival_defaults(c6_scenario *s) { s->time_unit_us = C6_US_PER_SEC; }

static void arrival_complete(c6_scenario *s, bool max_vus_given) {
    if (!max_vus_given) s->max_vus = s->pre_allocated_vus;
}

static void arrival_steps(const c6_scenario *s, req_steps *out) {
    scen_push_step(out, 0, s->pre_allocated_vus, s->max_vus - s->pre_allocated_vus);
    scen_push_step(out, scen_sat_add(executor_def(s->executor)->duration_us(s), s->graceful_stop_us), 0, 0);
}

/* Iterations per second for `rate` per time unit. */
static double arrival_per_second(int64_t rate, int64_t time_unit_us) {
    return time_unit_us > 0 ? (double)rate * 1e6 / (double)time_unit_us : 0;
}

/* " (maxVUs: P[-M], ...)" */
static void arrival_info(const c6_scenario *s, char *info, size_t n) {
    char fact[96];
    int k = snprintf(fact, sizeof fact, "maxVUs: %lld", (long long)s->pre_allocated_vus);
    if (s->max_vus > s->pre_allocated_vus && k > 0)
        snprintf(fact + k, sizeof fact - (size_t)k, "-%lld", (long long)s->max_vus);
    scen_banner_info(s, fact, info, n);
}

static int arrival_next(vu *v, scen_rt *sc, int64_t at) {
    return EXEC_PARK; /* until the worker hands it an iteration (v->go, in executor_next) */
}

/* The VUs column, and "RR.RR iters/s" zero-padded to the width of the
 * scenario's highest rate (pb.GetFixedLengthFloatFormat(max rate, 2)). */
static void arrival_progress_cols(const scen_rt *sc, const executor_progress_in *in, double rate, int64_t most,
                                  char *col0, char *col2, size_t len) {
    double per_s = 1e6 / (double)sc->cfg->time_unit_us, top = (double)most * per_s;
    int rw = 1 + (top >= 10 ? (int)log10(top) : 0) + 3;
    exe_active_col(sc, in, col0, len);
    snprintf(col2, len, "%0*.2f iters/s", rw, rate * per_s);
}

static void arrival_run_fields(const scen_rt *sc, int64_t rate, bool ramping, char *buf, size_t n) {
    const c6_scenario *c = sc->cfg;
    const char *type = executor_name(c->executor);
    char d[32], p[32];
    duration_format(d, sizeof d, sc->dur_us);
    /* the ticker period: timeUnit / rate (0s without a rate) */
    duration_format(p, sizeof p, rate > 0 ? c->time_unit_us / rate : 0);
    if (!ramping)
        snprintf(buf, n,
                 " duration=%s executor=%s maxVUs=%lld preAllocatedVUs=%lld scenario=%s tickerPeriod=%s type=%s", d,
                 type, (long long)sc->max_vus, (long long)sc->vus, c->name, p, type);
    else
        snprintf(buf, n,
                 " duration=%s executor=%s maxVUs=%lld numStages=%zu preAllocatedVUs=%lld scenario=%s "
                 "startTickerPeriod=%s type=%s",
                 d, type, (long long)sc->max_vus, c->nstages, (long long)sc->vus, c->name, p, type);
}

static void car_validate(const c6_scenario *s, const scen_missing *m, scen_errs *e) {
    if (m->rate) scen_err_add(e, "the iteration rate isn't specified");
    else if (s->rate <= 0) scen_err_add(e, "the iteration rate should be more than 0");
    scen_check_time_unit(s, e);
    if (m->duration) scen_err_add(e, "the duration is unspecified");
    else scen_check_min_duration(e, "duration", "should be", s->duration_us);
    scen_check_pool(s, m, e);
}

static void car_describe(const c6_scenario *s, char *buf, size_t n) {
    char d[32], info[384];
    duration_format(d, sizeof d, s->duration_us);
    arrival_info(s, info, sizeof info);
    /* k6 shows 0 when there are no VUs to run the iterations. */
    snprintf(buf, n, "%.2f iterations/s for %s%s", s->max_vus ? arrival_per_second(s->rate, s->time_unit_us) : 0.0, d,
             info);
}

/* exact: 128-bit product, no drift however long the test runs */
static int64_t car_arrival_at(const c6_scenario *s, int64_t k) {
    if (s->rate <= 0) return -1;
    __int128 at = (__int128)k * s->time_unit_us / s->rate;
    return at < s->duration_us ? (int64_t)at : -1;
}

static void car_progress(const scen_rt *sc, const executor_progress_in *in, char *col0, char *col2, size_t len,
                         double *frac) {
    arrival_progress_cols(sc, in, (double)sc->cfg->rate, sc->cfg->rate, col0, col2, len);
}

static void car_run_fields(const scen_rt *sc, char *buf, size_t n) {
    arrival_run_fields(sc, sc->cfg->rate, false, buf, n);
}

static void rar_validate(const c6_scenario *s, const scen_missing *m, scen_errs *e) {
    if (s->start_rate < 0) scen_err_add(e, "the startRate value can't be negative");
    scen_check_time_unit(s, e);
    scen_check_stages(s, m, e);
    scen_check_pool(s, m, e);
}

static void rar_describe(const c6_scenario *s, char *buf, size_t n) {
    char d[32], info[384];
    duration_format(d, sizeof d, scen_stages_sum(s));
    arrival_info(s, info, sizeof info);
    snprintf(buf, n, "Up to %.2f iterations/s for %s over %zu stages%s",
             arrival_per_second(scen_stages_max(s, s->start_rate), s->time_unit_us), d, s->nstages, info);
}

/* Within a stage of length d the rate (iterations per µs) goes linearly
 * from a to b, so the iterations done x µs into it are a*x + (b-a)/(2d)*x^2;
 * solve that for the stage holding k. */
static int64_t rar_arrival_at(const c6_scenario *s, int64_t k) {
    double need = (double)k, tu = (double)s->time_unit_us;
    double a = (double)s->start_rate / tu;
    int64_t t0 = 0;
    for (size_t i = 0; i < s->nstages; i++) {
        double d = (double)s->stages[i].duration_us, b = (double)s->stages[i].target / tu;
        double area = (a + b) / 2 * d;
        /* (tolerance: float sums must not invent an iteration at the very end) */
        if (need < area - 1e-9 * (area + 1)) {
            double x;
            if (fabs(b - a) < 1e-18) {
                x = need / a;
            } else {
                double c = (b - a) / (2 * d);
                x = (-a + sqrt(a * a + 4 * c * need)) / (2 * c);
            }
            if (x < 0) x = 0;
            if (x > d) x = d;
            return t0 + (int64_t)x;
        }
        need -= area;
        t0 += s->stages[i].duration_us;
        a = b;
    }
    return -1;
}

static void rar_progress(const scen_rt *sc, const executor_progress_in *in, char *col0, char *col2, size_t len,
                         double *frac) {
    const c6_scenario *c = sc->cfg;
    c6_scenario tmp = *c; /* the rate now: the ramp of rates, read like a ramp of VUs */
    tmp.start_vus = c->start_rate;
    int64_t at = in->spent_us < in->duration_us ? in->spent_us : in->duration_us;
    arrival_progress_cols(sc, in, (double)executor_ramp_target(&tmp, at), scen_stages_max(c, c->start_rate), col0, col2,
                          len);
}

static void rar_run_fields(const scen_rt *sc, char *buf, size_t n) {
    arrival_run_fields(sc, sc->cfg->start_rate, true, buf, n);
}

/* ---- externally-controlled (gone from k6 v2; c6 keeps it) ---- */

static const char *const EXTERNAL_OPTIONS[] = {"vus", "maxVUs", "duration", NULL};
static const char *const EXTERNAL_REQUIRED[] = {"duration", NULL};

static void external_defaults(c6_scenario *s) { s->graceful_stop_us = 0; }

static void external_complete(c6_scenario *s, bool max_vus_given) {
    if (!max_vus_given) s->max_vus = s->vus;
}

static void external_validate(const c6_scenario *s, const scen_missing *m, scen_errs *e) {
    if (s->vus < 0) scen_err_add(e, "the number of VUs can't be negative");
    if (s->max_vus < s->vus) scen_err_add(e, "the number of active VUs can't be more than the max VUs");
    if (m->duration) scen_err_add(e, "the duration is unspecified");
    else if (s->duration_us < 0) scen_err_add(e, "the duration can't be negative");
    if (m->graceful_stop || s->graceful_stop_us != 0)
        scen_err_add(e, "gracefulStop is not supported by the externally-controlled executor");
}

/* maxVUs for the whole run, none unplanned (the user adds them); duration 0
 * runs until stopped, so the VUs are never given back. */
static void external_steps(const c6_scenario *s, req_steps *out) {
    scen_push_step(out, 0, s->max_vus, 0);
    if (s->duration_us != 0) scen_push_step(out, s->duration_us, 0, 0);
}

static int64_t external_planned(const c6_scenario *s) { return s->max_vus > s->vus ? s->max_vus : s->vus; }

static void external_describe(const c6_scenario *s, char *buf, size_t n) {
    char d[32];
    duration_format(d, sizeof d, s->duration_us);
    snprintf(buf, n, "Externally controlled execution with %lld VUs, %lld max VUs, %s duration", (long long)s->vus,
             (long long)s->max_vus, s->duration_us ? d : "infinite");
}

static int64_t external_target(const scen_rt *sc, int64_t at) { return atomic_load(&((scen_rt *)sc)->ext_vus); }

/* (pauses stop its clock: no end check in executor_next) */
static int external_next(vu *v, scen_rt *sc, int64_t at) {
    if (atomic_load(&v->test->paused)) return EXEC_PARK;
    return v->sc_index < atomic_load(&sc->ext_vus) ? EXEC_RUN : EXEC_PARK;
}

/* ------------------------------------------------------------------------ */
/* The table                                                                */

const c6_executor_def c6_executor_defs[EXECUTOR_COUNT] = {
    [EXECUTOR_SHARED_ITERATIONS] =
        {
            .name = "shared-iterations",
            .options = ITER_OPTIONS,
            .defaults = iter_defaults,
            .validate = shared_validate,
            .steps = shared_steps,
            .duration_us = exe_max_duration,
            .planned_vus = exe_vus,
            .max_vus = exe_vus,
            .describe = shared_describe,
            .next = shared_next,
            .planned_iterations = shared_planned,
            .progress = shared_progress,
            .time_col = TIME_COL_TAKEN,
            .run_fields = shared_run_fields,
        },
    [EXECUTOR_PER_VU_ITERATIONS] =
        {
            .name = "per-vu-iterations",
            .options = ITER_OPTIONS,
            .defaults = iter_defaults,
            .validate = per_vu_validate,
            .steps = per_vu_steps,
            .duration_us = exe_max_duration,
            .planned_vus = exe_vus,
            .max_vus = exe_vus,
            .describe = per_vu_describe,
            .next = per_vu_next,
            .planned_iterations = per_vu_planned,
            .progress = per_vu_progress,
            .time_col = TIME_COL_TAKEN,
            .run_fields = per_vu_run_fields,
        },
    [EXECUTOR_CONSTANT_VUS] =
        {
            .name = "constant-vus",
            .options = CONSTANT_VUS_OPTIONS,
            .required = CONSTANT_VUS_REQUIRED,
            .defaults = constant_vus_defaults,
            .validate = constant_vus_validate,
            .steps = constant_vus_steps,
            .duration_us = exe_duration,
            .planned_vus = exe_vus,
            .max_vus = exe_vus,
            .describe = constant_vus_describe,
            .next = exe_next_run,
            .progress = constant_vus_progress,
            .run_fields = constant_vus_run_fields,
        },
    [EXECUTOR_RAMPING_VUS] =
        {
            .name = "ramping-vus",
            .options = RAMPING_VUS_OPTIONS,
            .defaults = ramping_vus_defaults,
            .validate = ramping_vus_validate,
            .steps = ramping_vus_steps,
            .duration_us = exe_stages_duration,
            .planned_vus = ramping_vus_planned,
            .max_vus = ramping_vus_planned,
            .describe = ramping_vus_describe,
            .next = ramping_vus_next,
            .vu_target = ramping_vus_target,
            .ramp_down = true,
            .progress = ramping_vus_progress,
            .time_col = TIME_COL_FIXED_TOTAL,
            .run_fields = ramping_vus_run_fields,
        },
    [EXECUTOR_CONSTANT_ARRIVAL_RATE] =
        {
            .name = "constant-arrival-rate",
            .options = CAR_OPTIONS,
            .required = CAR_REQUIRED,
            .defaults = arrival_defaults,
            .complete = arrival_complete,
            .validate = car_validate,
            .steps = arrival_steps,
            .duration_us = exe_duration,
            .planned_vus = exe_prealloc,
            .max_vus = exe_pool_max,
            .describe = car_describe,
            .own_end = true,
            .next = arrival_next,
            .arrival_at = car_arrival_at,
            .progress = car_progress,
            .run_fields = car_run_fields,
        },
    [EXECUTOR_RAMPING_ARRIVAL_RATE] =
        {
            .name = "ramping-arrival-rate",
            .options = RAR_OPTIONS,
            .required = RAR_REQUIRED,
            .defaults = arrival_defaults,
            .complete = arrival_complete,
            .validate = rar_validate,
            .steps = arrival_steps,
            .duration_us = exe_stages_duration,
            .planned_vus = exe_prealloc,
            .max_vus = exe_pool_max,
            .describe = rar_describe,
            .own_end = true,
            .next = arrival_next,
            .arrival_at = rar_arrival_at,
            .progress = rar_progress,
            .run_fields = rar_run_fields,
        },
    [EXECUTOR_EXTERNALLY_CONTROLLED] =
        {
            .name = "externally-controlled",
            .options = EXTERNAL_OPTIONS,
            .required = EXTERNAL_REQUIRED,
            .no_graceful_stop = true,
            .defaults = external_defaults,
            .complete = external_complete,
            .validate = external_validate,
            .steps = external_steps,
            .duration_us = exe_duration,
            .planned_vus = external_planned,
            .max_vus = external_planned,
            .describe = external_describe,
            .own_end = true,
            .next = external_next,
            .vu_target = external_target,
            .controlled = true,
            .progress = ramping_vus_progress,
        },
};

const char *executor_name(c6_executor e) { return (unsigned)e < EXECUTOR_COUNT ? c6_executor_defs[e].name : "unknown"; }

int executor_from_name(const char *name) {
    for (int i = 0; i < EXECUTOR_COUNT; i++)
        if (strcmp(c6_executor_defs[i].name, name) == 0) return i;
    return -1;
}
