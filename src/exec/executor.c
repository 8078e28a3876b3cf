#include "exec/executor.h"

#include "exec/test.h"

#include <stdio.h>
#include <string.h>

int test_phase(const c6_test *t) {
    return atomic_load_explicit(&((c6_test *)t)->phase, memory_order_acquire);
}

enum exec_next executor_next(vu *v) {
    c6_test *t = v->test;
    if (test_phase(t) >= PHASE_GRACEFUL) return EXEC_DONE;
    const c6_scenario *s = &t->plan.scenarios[0];
    switch (s->executor) {
    case EXECUTOR_SHARED_ITERATIONS:
    case EXECUTOR_PER_VU_ITERATIONS:
        if (atomic_fetch_add(&t->iters_claimed, 1) >= s->iterations * (s->executor == EXECUTOR_PER_VU_ITERATIONS ? s->vus : 1)) return EXEC_DONE;
        return EXEC_RUN;
    case EXECUTOR_CONSTANT_VUS:
        return EXEC_RUN;
    case EXECUTOR_RAMPING_VUS:
        return v->index < atomic_load(&t->target_vus) ? EXEC_RUN : EXEC_PARK;
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
             * one float rounding later; truncation toward `from` as k6 */
            return from + (s->target - from) * (elapsed_us - t0) / s->duration_us;
        }
        t0 += s->duration_us;
        from = s->target;
    }
    return from;
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
