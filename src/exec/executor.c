#include "exec/executor.h"

#include <stdio.h>
#include <string.h>
#include "config/executor_def.h"
#include "exec/segment.h"
#include "exec/test.h"
#include "util/clock.h"

int test_phase(const c6_test *t) { return atomic_load_explicit(&((c6_test *)t)->phase, memory_order_acquire); }

int scen_state(const scen_rt *s) { return atomic_load_explicit(&((scen_rt *)s)->state, memory_order_acquire); }

int64_t scen_scale(const scen_rt *s, int64_t n) { return s->vu_seg ? c6_segment_scale(s->vu_seg, n) : n; }

enum exec_next executor_next(vu *v) { return executor_next_at(v, clock_now_us()); }

enum exec_next executor_next_at(vu *v, int64_t now_us) {
    scen_rt *sc = v->sc;
    if (!sc) return EXEC_DONE;
    /* an arrival-rate iteration handed out before the end still runs */
    if (v->go && scen_state(sc) < SC_HARD_STOP && test_phase(v->test) < PHASE_HARD_STOP) {
        v->go = false;
        return EXEC_RUN;
    }
    if (scen_state(sc) >= SC_GRACEFUL || test_phase(v->test) >= PHASE_GRACEFUL) return EXEC_DONE;
    const c6_executor_def *d = executor_def(sc->cfg->executor);
    if (!d) return EXEC_DONE;
    /* No iteration starts at or after the end of the scenario's duration
     * (k6's regDurationCtx, lib/executor/helpers.go getDurationContexts):
     * the main thread's end timer and its message to this worker come a
     * little later, so the VU reads the clock itself. */
    int64_t at = now_us - atomic_load(&sc->start_us);
    if (sc->dur_us > 0 && at >= sc->dur_us && !d->own_end) return EXEC_DONE;
    return (enum exec_next)d->next(v, sc, at); /* the executor's scheduling step (exec/executors.c) */
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
    const c6_executor_def *d = executor_def(s->executor);
    if (k < 0 || s->time_unit_us <= 0 || !d || !d->arrival_at) return -1;
    return d->arrival_at(s, k);
}
const char *const system_tag_names[ST_COUNT] = {
    "proto", "subproto", "status",     "method",      "url",      "name",    "group",
    "check", "error",    "error_code", "tls_version", "scenario", "service", "expected_response",
    "vu",    "iter",     "ip",         "ocsp_status",
};

int system_tags_mask(char *const *names, size_t n, uint32_t *mask, char *err, size_t errlen) {
    *mask = 0;
    for (size_t i = 0; i < n; i++) {
        int k = 0;
        while (k < ST_COUNT && strcmp(system_tag_names[k], names[i]) != 0) k++;
        if (k == ST_COUNT) {
            snprintf(err, errlen,
                     "systemTags: \"%s\" is not a system tag (known: proto, subproto, status, "
                     "method, url, name, group, check, error, error_code, tls_version, scenario, service, "
                     "expected_response, vu, iter, ip, ocsp_status)",
                     names[i]);
            return -1;
        }
        *mask |= 1u << k;
    }
    return 0;
}
