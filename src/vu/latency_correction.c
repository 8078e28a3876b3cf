/* --latency-correction (see latency_correction.h). */
#include "vu/latency_correction.h"

#include "exec/test.h"
#include "metrics/registry.h"

int latency_correction_register(c6_test *t, char *err, size_t errlen) {
    t->m_req_corrected = registry_get_or_add("http_req_duration_corrected", METRIC_TREND, VALUE_TIME, err, errlen);
    if (t->m_req_corrected < 0) return -1;
    t->m_iter_corrected = registry_get_or_add("iteration_duration_corrected", METRIC_TREND, VALUE_TIME, err, errlen);
    if (t->m_iter_corrected < 0) return -1;
    t->latency_correction = true;
    return 0;
}

void lc_begin(lc_iter *it, const c6_test *t, int64_t t0_us, int64_t due_us, lc_owed *owed) {
    it->on = t->latency_correction && due_us > 0;
    if (!it->on) return;
    it->delay_us = t0_us > due_us ? t0_us - due_us : 0;
    it->owed_n = owed->n < LC_MAX_OWED ? owed->n : LC_MAX_OWED;
    it->owed_delay_us = t0_us - owed->first_us;
    it->owed_step_us = owed->n > 1 ? (owed->last_us - owed->first_us) / (owed->n - 1) : 0;
    owed->n = 0;
}

void lc_emit(const lc_iter *it, sample_buf *b, int metric, uint32_t tags, double ms, int64_t at_ns) {
    sample_push(b, metric, tags, ms + (double)it->delay_us / 1000.0, at_ns);
    for (int64_t i = 0; i < it->owed_n; i++) {
        int64_t d = it->owed_delay_us - i * it->owed_step_us;
        /* each its own stamp: samples of one series never share a time */
        sample_push(b, metric, tags, ms + (double)(d > 0 ? d : 0) / 1000.0, sample_stamp(b, at_ns));
    }
}
