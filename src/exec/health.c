/* c6's own health while a test runs (see health.h). */
#include "exec/health.h"

#include <time.h>
#include "exec/test.h"
#include "exec/worker.h"
#include "metrics/registry.h"
#include "util/clock.h"
#include "util/log.h"
#include "vu/vu.h"

#define HEALTH_TICK_US 50000 /* the worker's tick (worker.c WORKER_TICK_MS) */

static int64_t thread_cpu_ns(void) {
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return 0;
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int health_register(c6_test *t, char *err, size_t errlen) {
    static const struct {
        const char *name;
        metric_type type;
        value_kind kind;
    } defs[HEALTH_METRICS] = {
        [HM_WORKER_BUSY] = {"c6_worker_busy", METRIC_TREND, VALUE_DEFAULT},
        [HM_LOOP_LAG] = {"c6_loop_lag", METRIC_TREND, VALUE_TIME},
        [HM_SCHEDULE_LAG] = {"c6_schedule_lag", METRIC_TREND, VALUE_TIME},
        [HM_SAMPLE_BACKLOG] = {"c6_sample_backlog", METRIC_GAUGE, VALUE_DEFAULT},
    };
    /* k6 lets a script name its own metrics anything: if the script took
     * one of these names, c6 keeps out of its metric and measures nothing */
    for (int i = 0; i < HEALTH_METRICS; i++)
        if (registry_find(defs[i].name) >= 0) {
            log_printf(LOG_DEBUG, "the script has a metric %s: c6's own health metrics are off", defs[i].name);
            return 0;
        }
    for (int i = 0; i < HEALTH_METRICS; i++)
        if ((t->m_health[i] = registry_get_or_add(defs[i].name, defs[i].type, defs[i].kind, err, errlen)) < 0)
            return -1;
    t->health_on = true;
    return 0;
}

void health_worker_init(worker *w) {
    worker_health *h = &w->health;
    char id[16];
    snprintf(id, sizeof id, "%d", w->id);
    /* the run's tags (options.tags, --tag), as k6 puts them on its own
     * metrics, then the worker */
    const c6_options *o = w->test->opts;
    tag_kv kv[VU_BASE_TAGS];
    size_t n = 0;
    for (size_t i = 0; o && i < o->ntags && n < VU_BASE_TAGS - 1; i++)
        kv[n++] = (tag_kv){o->tags[i].key, o->tags[i].value};
    kv[n++] = (tag_kv){"worker", id};
    h->tags = tagdict_intern(w->samples.tags, kv, n);
    h->since_us = clock_now_us();
    h->cpu_ns = thread_cpu_ns();
    h->last_tick_us = 0;
    h->lag_sum_us = 0;
    h->lag_n = 0;
    h->sched_max_us = -1;
}

/* The tick is a libuv repeating timer: each firing is due HEALTH_TICK_US
 * after the previous one (libuv counts from the firing, in milliseconds). */
void health_worker_tick(worker *w, int64_t now_us) {
    worker_health *h = &w->health;
    c6_test *t = w->test;
    if (!t->health_on) return; /* not registered (a unit test's worker) */
    if (h->last_tick_us) {
        int64_t lag = now_us - h->last_tick_us - HEALTH_TICK_US;
        h->lag_sum_us += lag > 0 ? lag : 0;
        h->lag_n++;
    }
    h->last_tick_us = now_us;
    int64_t wall = now_us - h->since_us;
    if (wall < 1000000) return;
    int64_t cpu = thread_cpu_ns();
    double busy = (double)(cpu - h->cpu_ns) / 1000.0 / (double)wall;
    if (busy > 1) busy = 1;
    int64_t lag = h->lag_n ? h->lag_sum_us / h->lag_n : 0;
    int64_t at = sample_stamp(&w->samples, now_us * 1000);
    sample_push(&w->samples, t->m_health[HM_WORKER_BUSY], h->tags, busy, at);
    sample_push(&w->samples, t->m_health[HM_LOOP_LAG], h->tags, (double)lag / 1000.0, at);
    if (h->sched_max_us >= 0)
        sample_push(&w->samples, t->m_health[HM_SCHEDULE_LAG], h->tags, (double)h->sched_max_us / 1000.0, at);
    atomic_store(&h->busy_pm, (int)(busy * 1000));
    atomic_store(&h->lag_us, (int)(lag < 1000000000 ? lag : 1000000000));
    h->since_us = now_us;
    h->cpu_ns = cpu;
    h->lag_sum_us = 0;
    h->lag_n = 0;
    h->sched_max_us = -1;
}

void health_watch_second(health_watch *hw, c6_test *t, sample_buf *main, uint32_t tags) {
    if (!t->health_on) return;
    size_t backlog = 0;
    int worst = -1, worst_busy = 0;
    int64_t worst_lag = 0;
    bool bad = false;
    for (int i = 0; i < t->nworkers; i++) {
        worker *w = t->workers[i];
        backlog += sample_buf_pending(&w->samples);
        int busy = atomic_load(&w->health.busy_pm), lag = atomic_load(&w->health.lag_us);
        bool over = busy > (int)(HEALTH_BUSY_LIMIT * 1000) || lag > HEALTH_LAG_LIMIT_US;
        if (over && (worst < 0 || busy + lag / 10 > worst_busy + worst_lag / 10)) {
            worst = i;
            worst_busy = busy;
            worst_lag = lag;
        }
        bad |= over;
    }
    sample_push(main, t->m_health[HM_SAMPLE_BACKLOG], tags, (double)backlog, sample_now(main));
    hw->bad_s = bad ? hw->bad_s + 1 : 0;
    if (hw->bad_s < HEALTH_BAD_SECONDS) return;
    if (!hw->saturated || worst_busy + worst_lag / 10 > hw->busy_pm + hw->lag_us / 10) {
        hw->worker = worst;
        hw->busy_pm = worst_busy;
        hw->lag_us = worst_lag;
    }
    if (hw->saturated) return;
    hw->saturated = true;
    log_printf(LOG_WARN,
               "c6 itself is the bottleneck: worker %d was %.0f%% busy and its event loop %.1f ms late for %d s; "
               "the load it generates and the times it measures are limited by c6, not by the system under test. "
               "Use more worker threads (--workers), fewer VUs per process, or a distributed run (c6 coordinator)",
               worst, worst_busy / 10.0, (double)worst_lag / 1000.0, hw->bad_s);
}

void health_summary_line(const health_watch *hw, FILE *f) {
    if (!hw->saturated) return;
    fprintf(f,
            "  c6 was saturated (worker %d up to %.0f%% busy, event loop %.1f ms late): the load and the timings "
            "above were limited by c6 itself; use more --workers, fewer VUs per process, or a distributed run "
            "(c6 coordinator)\n",
            hw->worker, hw->busy_pm / 10.0, (double)hw->lag_us / 1000.0);
}

bool health_metric_in_summary(const health_watch *hw, const c6_test *t, int metric) {
    if (hw->saturated || !t->health_on) return true;
    for (int i = 0; i < HEALTH_METRICS; i++)
        if (t->m_health[i] == metric) return false;
    return true;
}
