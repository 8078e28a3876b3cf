/* Scenarios on one worker thread (see sched.h for the split between workers). */
#include "exec/sched.h"

#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include "config/executor_def.h"
#include "exec/executor.h"
#include "exec/segment.h"
#include "exec/test.h"
#include "metrics/registry.h"
#include "exec/worker.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/log.h"

static bool is_arrival(const c6_scenario *c) { return executor_def(c->executor)->arrival_at != NULL; }

/* How many of the numbers 0..n-1 are = wid (mod W). */
static int64_t share_of(int64_t n, int wid, int W) { return n > wid ? (n - wid + W - 1) / W : 0; }

static void notify_main(worker *w) {
    if (w->test->main_wake) uv_async_send(w->test->main_wake);
}

static void arrival_ready(uv_poll_t *h, int status, int events);

void sched_init(worker *w) {
    c6_test *t = w->test;
    w->nws = t->nscen;
    w->ws = xcalloc((size_t)(w->nws ? w->nws : 1), sizeof *w->ws); /* once per worker */
    for (int i = 0; i < w->nws; i++) {
        wscen *ws = &w->ws[i];
        ws->w = w;
        ws->sc = &t->scen[i];
        ws->tfd = -1;
        if (!is_arrival(ws->sc->cfg)) continue;
        ws->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
        if (ws->tfd < 0) continue;
        uv_poll_init(&w->loop, &ws->poll, ws->tfd);
        ws->poll.data = ws;
    }
}

static void poll_closed(uv_handle_t *h) {
    wscen *ws = h->data;
    close(ws->tfd);
}

void sched_close(worker *w) {
    for (int i = 0; i < w->nws; i++) {
        if (w->ws[i].tfd >= 0) uv_close((uv_handle_t *)&w->ws[i].poll, poll_closed);
        free(w->ws[i].vus);
    }
}

/* Arms the timerfd for the absolute monotonic instant `at_us`. */
static void arm(wscen *ws, int64_t at_us) {
    struct itimerspec its = {{0, 0}, {at_us / 1000000, (at_us % 1000000) * 1000}};
    if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0) its.it_value.tv_nsec = 1; /* 0 disarms */
    timerfd_settime(ws->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void disarm(wscen *ws) {
    if (ws->tfd < 0) return;
    struct itimerspec its = {{0, 0}, {0, 0}};
    timerfd_settime(ws->tfd, 0, &its, NULL);
    uv_poll_stop(&ws->poll);
}

/* ---- VUs in and out of a scenario ---- */

static void sched_pool_put(worker *w, vu *v) {
    if (w->npool == w->cappool) {
        w->cappool = w->cappool ? w->cappool * 2 : 64;
        w->pool = xrealloc(w->pool, (size_t)w->cappool * sizeof *w->pool);
    }
    w->pool[w->npool++] = v;
}

/* A VU from the pool, or a new one initialised now (arrival-rate growth, or
 * a worker whose share of overlapping scenarios is above its pool). */
static vu *pool_take(worker *w) {
    if (w->npool) return w->pool[--w->npool];
    return worker_spawn_vu(w);
}

/* --verbose: k6's VU handles (lib/executor/vu_handle.go start, gracefulStop,
 * hardStop) log "Start", "Graceful stop" and "Hard stop" at debug level with
 * the executor's fields (executor type, scenario name) and vuNum, the VU's
 * place in the scenario (ramping-vus, externally-controlled). */
static void vu_handle_log(const vu *v, const char *what) {
    char extra[256];
    snprintf(extra, sizeof extra, " executor=%s scenario=%s vuNum=%lld", executor_name(v->sc->cfg->executor),
             v->sc->cfg->name, (long long)v->sc_index);
    log_msg(LOG_DEBUG, extra, what, strlen(what));
}

/* The handle's state follows the target: started below it, gracefully
 * stopped when the target (or the scenario's end) drops below it. */
static void vu_handle_set(vu *v, bool on) {
    if (v->ramp_on == on) return;
    v->ramp_on = on;
    vu_handle_log(v, on ? "Start" : "Graceful stop");
}

static bool has_vu_handles(const c6_scenario *c) { return executor_def(c->executor)->vu_target != NULL; }

static void ws_assign(wscen *ws, vu *v, int64_t index) {
    if (ws->nvus == ws->cap) {
        ws->cap = ws->cap ? ws->cap * 2 : 16;
        ws->vus = xrealloc(ws->vus, (size_t)ws->cap * sizeof *ws->vus);
    }
    v->ws_pos = ws->nvus;
    ws->vus[ws->nvus++] = v;
    v->sc = ws->sc;
    v->sc_index = index;
    v->sc_iter = 0;
    v->go = v->stop_req = false;
    v->due_us = 0;
    v->owed.n = 0;
    v->ramp_on = false;
    v->ramp_deadline = 0;
}

static void ws_release(wscen *ws, vu *v) {
    vu *last = ws->vus[--ws->nvus];
    ws->vus[v->ws_pos] = last;
    last->ws_pos = v->ws_pos;
    v->sc = NULL;
    v->go = false;
    sched_pool_put(ws->w, v);
}

static void free_push(wscen *ws, vu *v) {
    v->next_free = ws->free_head;
    ws->free_head = v;
    ws->nfree++;
}

/* Arrival-rate: the VUs waiting for iterations go back to the pool. */
static void release_free(wscen *ws) {
    for (vu *v = ws->free_head, *next; v; v = next) {
        next = v->next_free;
        ws_release(ws, v);
    }
    ws->free_head = NULL;
    ws->nfree = 0;
}

/* Reports, once, that this worker's share of the scenario has ended. */
static void ws_check_done(wscen *ws) {
    if (!ws->started || ws->reported) return;
    if (is_arrival(ws->sc->cfg)) {
        if (!ws->sched_done && scen_state(ws->sc) < SC_GRACEFUL) return;
        if (ws->nfree == ws->nvus) release_free(ws);
    }
    if (ws->nvus) return;
    ws->reported = true;
    disarm(ws);
    if (ws->late_n) /* the arrival-rate precision benchmark reads this */
        log_printf(LOG_DEBUG,
                   "scenario %s on worker %d: %lld iterations due, started late by %.1f µs on "
                   "average, %lld µs at most",
                   ws->sc->cfg->name, ws->w->id, (long long)ws->late_n, (double)ws->late_sum / (double)ws->late_n,
                   (long long)ws->late_max);
    atomic_fetch_add(&ws->sc->workers_done, 1);
    notify_main(ws->w);
}

void sched_vu_done(vu *v) {
    wscen *ws = &v->w->ws[v->sc->index];
    ws_release(ws, v);
    ws_check_done(ws);
}

void sched_vu_parked(vu *v) {
    wscen *ws = &v->w->ws[v->sc->index];
    if (!is_arrival(ws->sc->cfg)) return;
    free_push(ws, v);
    ws_check_done(ws);
}

/* ---- arrival rate ---- */

/* Workers taking part in an arrival-rate scenario: no more than its VUs, so
 * that no worker is handed iterations without a VU to run them. */
static int arrival_workers(const worker *w, const scen_rt *sc) {
    int64_t W = w->test->nworkers;
    return (int)(sc->max_vus < W ? (sc->max_vus > 0 ? sc->max_vus : 1) : W);
}

/* The tag set of the scenario's dropped_iterations samples, made once. */
static uint32_t drop_tags(wscen *ws) {
    if (ws->drop_tags_set) return ws->drop_tags;
    c6_test *t = ws->w->test;
    const c6_scenario *c = ws->sc->cfg;
    tag_kv kv[VU_BASE_TAGS];
    size_t n = 0;
    for (size_t i = 0; t->opts && i < t->opts->ntags && n < VU_BASE_TAGS - 2; i++)
        kv[n++] = (tag_kv){t->opts->tags[i].key, t->opts->tags[i].value};
    for (size_t i = 0; i < c->ntags && n < VU_BASE_TAGS - 1; i++) kv[n++] = (tag_kv){c->tags[i].key, c->tags[i].value};
    if ((t->system_tags >> ST_SCENARIO) & 1) kv[n++] = (tag_kv){"scenario", c->name};
    ws->drop_tags = tagdict_intern(ws->w->samples.tags, kv, n);
    ws->drop_tags_set = true;
    return ws->drop_tags;
}

static void arrival_fire(wscen *ws) {
    worker *w = ws->w;
    scen_rt *sc = ws->sc;
    /* GRACEFUL: the last round, for iterations due before the end that the
     * timer had not fired for yet */
    if (ws->sched_done || scen_state(sc) < SC_RUNNING || scen_state(sc) > SC_GRACEFUL) return;
    int W = arrival_workers(w, sc);
    int64_t start = atomic_load(&sc->start_us), now = clock_now_us();
    bool grew = false;
    for (;;) {
        int64_t k = sc->seg ? c6_segment_global(sc->seg, ws->next) : ws->next;
        int64_t at = executor_arrival_at(sc->cfg, k);
        if (at < 0) {
            ws->sched_done = true;
            break;
        }
        if (start + at > now) {
            arm(ws, start + at);
            break;
        }
        ws->next += W;
        int64_t late = now - (start + at);
        if (late > ws->late_max) ws->late_max = late;
        ws->late_sum += late;
        ws->late_n++;
        vu *v = ws->free_head;
        if (v) {
            ws->free_head = v->next_free;
            ws->nfree--;
            v->go = true;
            v->due_us = start + at;
            if (w->test->latency_correction) {
                v->owed = ws->owed;
                ws->owed.n = 0;
            }
            worker_ready(w, v);
            continue;
        }
        /* No free VU when it was due: the iteration is dropped, as in k6,
         * and one more VU is added (one per round, up to maxVUs) for the
         * ones to come. */
        sample_push(&w->samples, M_DROPPED_ITERATIONS, drop_tags(ws), 1, sample_stamp(&w->samples, now * 1000));
        if (w->test->latency_correction) lc_owe(&ws->owed, start + at);
        if (ws->nvus >= ws->max && !atomic_flag_test_and_set(&sc->vus_warned)) {
            /* k6 (lib/executor/constant_arrival_rate.go, ramping_arrival_rate.go
             * Run): once per scenario, with the executor logger's fields */
            char extra[256], msg[128];
            snprintf(extra, sizeof extra, " executor=%s scenario=%s", executor_name(sc->cfg->executor), sc->cfg->name);
            int n = snprintf(msg, sizeof msg, "Insufficient VUs, reached %lld active VUs and cannot initialize more",
                             (long long)sc->max_vus);
            log_msg(LOG_WARN, extra, msg, (size_t)n);
        }
        if (!grew && ws->nvus < ws->max) {
            grew = true;
            /* --verbose: k6 lib/executor/constant_arrival_rate.go Run (an
             * unplanned VU; c6 takes an idle one of the worker's when it has one) */
            char extra[256];
            snprintf(extra, sizeof extra, " executor=%s scenario=%s", executor_name(sc->cfg->executor), sc->cfg->name);
            const char *m1 = "Starting initialization of an unplanned VU...";
            log_msg(LOG_DEBUG, extra, m1, strlen(m1));
            vu *nv = pool_take(w);
            const char *m2 =
                nv ? "The unplanned VU finished initializing successfully!" : "Error while allocating unplanned VU";
            log_msg(nv ? LOG_DEBUG : LOG_ERROR, extra, m2, strlen(m2));
            if (nv) {
                ws_assign(ws, nv, -1);
                free_push(ws, nv);
            }
        }
    }
    ws_check_done(ws);
}

static void arrival_ready(uv_poll_t *h, int status, int events) {
    wscen *ws = h->data;
    uint64_t expirations;
    (void)status, (void)events;
    if (read(ws->tfd, &expirations, sizeof expirations) < 0) { /* EAGAIN: nothing due yet */
    }
    arrival_fire(ws);
}

/* ---- scenario state changes ---- */

static void ws_start(wscen *ws) {
    worker *w = ws->w;
    scen_rt *sc = ws->sc;
    bool arrival = is_arrival(sc->cfg);
    int W = arrival ? arrival_workers(w, sc) : w->test->nworkers, wid = w->id;
    ws->started = true;
    if (wid >= W) { /* nothing for this worker */
        ws->sched_done = true;
        ws_check_done(ws);
        return;
    }
    ws->want = share_of(sc->vus, wid, W);
    ws->max = arrival ? share_of(sc->max_vus, wid, W) : ws->want;
    for (int64_t k = 0; k < ws->want; k++) {
        vu *v = pool_take(w);
        if (!v) break;
        ws_assign(ws, v, wid + k * W);
        if (arrival) free_push(ws, v);
        else worker_ready(w, v);
    }
    if (has_vu_handles(sc->cfg)) {
        int64_t target = executor_def(sc->cfg->executor)->vu_target(sc, 0);
        for (int k = 0; k < ws->nvus; k++) vu_handle_set(ws->vus[k], ws->vus[k]->sc_index < target);
    }
    if (arrival && !sc->no_work && ws->tfd >= 0) {
        ws->next = wid;
        uv_poll_start(&ws->poll, UV_READABLE, arrival_ready);
        arrival_fire(ws);
    } else if (arrival) {
        ws->sched_done = true;
    }
    ws_check_done(ws);
}

static void ws_wake_parked(wscen *ws) {
    for (int i = 0; i < ws->nvus; i++)
        if (ws->vus[i]->state == VU_IDLE) worker_ready(ws->w, ws->vus[i]);
}

static void ws_interrupt(wscen *ws) {
    for (int i = 0; i < ws->nvus; i++) {
        vu *v = ws->vus[i];
        /* the last graceful step (k6: 0 VUs at the end + gracefulStop) hard-stops
         * the handles whose iteration still runs */
        if (executor_def(ws->sc->cfg->executor)->ramp_down && v->in_iteration && !v->stop_req &&
            test_phase(ws->w->test) < PHASE_HARD_STOP)
            vu_handle_log(v, "Hard stop"); /* (a stop of the whole test cancels the executor instead) */
        if (v->state == VU_WAITING) {
            v->interrupted = true;
            worker_ready(ws->w, v);
        }
    }
}

void sched_update(worker *w) {
    for (int i = 0; i < w->nws; i++) {
        wscen *ws = &w->ws[i];
        int st = scen_state(ws->sc);
        if (st == ws->seen) continue;
        if (!ws->started && st == SC_RUNNING) ws_start(ws);
        ws->started |= st >= SC_RUNNING;
        if (st >= SC_GRACEFUL && ws->seen < SC_GRACEFUL) {
            if (executor_def(ws->sc->cfg->executor)->ramp_down && test_phase(ws->w->test) < PHASE_HARD_STOP)
                /* the raw steps' final 0 VUs (externally-controlled: its context ends instead) */
                for (int k = 0; k < ws->nvus; k++) vu_handle_set(ws->vus[k], false);
            if (ws->started && is_arrival(ws->sc->cfg)) arrival_fire(ws);
            ws->sched_done = true;
            disarm(ws);
            release_free(ws);
            ws_wake_parked(ws);
        }
        if (st >= SC_HARD_STOP && ws->seen < SC_HARD_STOP) ws_interrupt(ws);
        ws->seen = st;
        ws_check_done(ws);
    }
}

/* Ramping VUs: wake the ones the target now covers; give the ones above it
 * gracefulRampDown to finish their iteration, then interrupt it. */
void sched_tick(worker *w) {
    int64_t now = clock_now_us();
    for (int i = 0; i < w->nws; i++) {
        wscen *ws = &w->ws[i];
        const c6_scenario *c = ws->sc->cfg;
        const c6_executor_def *d = executor_def(c->executor);
        bool ramping = d->ramp_down;
        if (!ws->started || ws->reported || scen_state(ws->sc) != SC_RUNNING) continue;
        if (!d->vu_target) continue;
        int64_t target = d->vu_target(ws->sc, now - atomic_load(&ws->sc->start_us));
        if (d->controlled) {
            /* externally-controlled: the REST API may raise vus-max; as
             * k6's executor, the new VUs are initialized at once (paused or
             * not) and wait parked until vus covers them. This worker takes
             * its share of vus-max. */
            int W = w->test->nworkers;
            int64_t max = atomic_load(&ws->sc->ext_max);
            while (ws->nvus < share_of(max > target ? max : target, w->id, W)) {
                vu *v = pool_take(w);
                if (!v) break;
                ws_assign(ws, v, w->id + (int64_t)ws->nvus * W);
            }
            if (atomic_load(&w->test->paused)) continue;
        }
        for (int k = 0; k < ws->nvus; k++) {
            vu *v = ws->vus[k];
            vu_handle_set(v, v->sc_index < target);
            if (v->sc_index < target) {
                v->ramp_deadline = 0;
                if (v->state == VU_IDLE) worker_ready(w, v);
            } else if (ramping && v->in_iteration && !v->stop_req) {
                if (!v->ramp_deadline) v->ramp_deadline = now + c->graceful_ramp_down_us;
                if (now >= v->ramp_deadline) {
                    vu_handle_log(v, "Hard stop");
                    v->stop_req = true;
                    if (v->state == VU_WAITING) {
                        v->interrupted = true;
                        worker_ready(w, v);
                    }
                }
            }
        }
    }
}
