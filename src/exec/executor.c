#include "exec/executor.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include "exec/segment.h"
#include "exec/test.h"
#include "util/clock.h"

int test_phase(const c6_test *t) {
    return atomic_load_explicit(&((c6_test *)t)->phase, memory_order_acquire);
}

int scen_state(const scen_rt *s) {
    return atomic_load_explicit(&((scen_rt *)s)->state, memory_order_acquire);
}

int64_t scen_scale(const scen_rt *s, int64_t n) {
    return s->vu_seg ? c6_segment_scale(s->vu_seg, n) : n;
}

enum exec_next executor_next(vu *v) {
    scen_rt *sc = v->sc;
    if (!sc) return EXEC_DONE;
    /* an arrival-rate iteration handed out before the end still runs */
    if (v->go && scen_state(sc) < SC_HARD_STOP && test_phase(v->test) < PHASE_HARD_STOP) {
        v->go = false;
        return EXEC_RUN;
    }
    if (scen_state(sc) >= SC_GRACEFUL || test_phase(v->test) >= PHASE_GRACEFUL) return EXEC_DONE;
    const c6_scenario *cfg = sc->cfg;
    /* No iteration starts at or after the end of the scenario's duration
     * (k6's regDurationCtx, lib/executor/helpers.go getDurationContexts):
     * the main thread's end timer and its message to this worker come a
     * little later, so the VU reads the clock itself. */
    int64_t at = clock_now_us() - atomic_load(&sc->start_us);
    if (sc->dur_us > 0 && at >= sc->dur_us && cfg->executor != EXECUTOR_CONSTANT_ARRIVAL_RATE &&
        cfg->executor != EXECUTOR_RAMPING_ARRIVAL_RATE && cfg->executor != EXECUTOR_EXTERNALLY_CONTROLLED)
        return EXEC_DONE;   /* (arrival-rate: executor_arrival_at; externally-controlled: pauses stop its clock) */
    switch (cfg->executor) {
    case EXECUTOR_SHARED_ITERATIONS:
        /* a failed claim overshoots the counter, harmlessly: it only grows */
        return atomic_fetch_add(&sc->claimed, 1) < sc->iterations ? EXEC_RUN : EXEC_DONE;
    case EXECUTOR_PER_VU_ITERATIONS:
        return v->sc_iter < cfg->iterations ? EXEC_RUN : EXEC_DONE;
    case EXECUTOR_CONSTANT_VUS:
        return EXEC_RUN;
    case EXECUTOR_RAMPING_VUS: {
        return v->sc_index < scen_scale(sc, executor_ramp_target(cfg, at)) ? EXEC_RUN : EXEC_PARK;
    }
    case EXECUTOR_EXTERNALLY_CONTROLLED:
        if (atomic_load(&v->test->paused)) return EXEC_PARK;
        return v->sc_index < atomic_load(&sc->ext_vus) ? EXEC_RUN : EXEC_PARK;
    case EXECUTOR_CONSTANT_ARRIVAL_RATE:
    case EXECUTOR_RAMPING_ARRIVAL_RATE:
        return EXEC_PARK;   /* until the worker hands it an iteration (v->go, above) */
    default:
        return EXEC_DONE;
    }
}

int64_t executor_ramp_target(const c6_scenario *p, int64_t elapsed_us) {
    int64_t from = p->start_vus, t0 = 0;
    for (size_t i = 0; i < p->nstages; i++) {
        const c6_stage *s = &p->stages[i];
        if (elapsed_us < t0 + s->duration_us) {
            /* integer arithmetic: a VU is due at the exact microsecond, not
             * one float rounding later */
            return from + (s->target - from) * (elapsed_us - t0) / s->duration_us;
        }
        t0 += s->duration_us;
        from = s->target;
    }
    return from;
}

int64_t executor_arrival_at(const c6_scenario *s, int64_t k) {
    if (k < 0 || s->time_unit_us <= 0) return -1;
    if (s->executor == EXECUTOR_CONSTANT_ARRIVAL_RATE) {
        if (s->rate <= 0) return -1;
        /* exact: 128-bit product, no drift however long the test runs */
        __int128 at = (__int128)k * s->time_unit_us / s->rate;
        return at < s->duration_us ? (int64_t)at : -1;
    }
    /* Ramping: within a stage of length d the rate (iterations per µs) goes
     * linearly from a to b, so the iterations done x µs into it are
     * a*x + (b-a)/(2d)*x^2; solve that for the stage holding k. */
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
const char *const system_tag_names[ST_COUNT] = {
    "proto", "subproto", "status", "method", "url", "name", "group", "check", "error",
    "error_code", "tls_version", "scenario", "service", "expected_response", "vu", "iter",
    "ip", "ocsp_status",
};

int system_tags_mask(char *const *names, size_t n, uint32_t *mask, char *err, size_t errlen) {
    *mask = 0;
    for (size_t i = 0; i < n; i++) {
        int k = 0;
        while (k < ST_COUNT && strcmp(system_tag_names[k], names[i]) != 0) k++;
        if (k == ST_COUNT) {
            snprintf(err, errlen, "systemTags: \"%s\" is not a system tag (known: proto, subproto, status, "
                     "method, url, name, group, check, error, error_code, tls_version, scenario, service, "
                     "expected_response, vu, iter, ip, ocsp_status)", names[i]);
            return -1;
        }
        *mask |= 1u << k;
    }
    return 0;
}
