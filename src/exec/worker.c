/* Worker thread: runs its VUs' coroutines from one libuv loop, on which its
 * HTTP client runs too. The worker owns the client: it makes it, hands it
 * the run's connection and TLS options and frees it, all through
 * net/client.h; the client never calls back into the worker (completions
 * reach VUs through the request's done callback, set by js/). */
#include "exec/worker.h"
#include "util/err.h"

#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "exec/executor.h"
#include "exec/test.h"
#include "js/vm.h"
#include "util/clock.h"
#include "util/log.h"

#define WORKER_TICK_MS 50
#define WORKER_POLL_US 1000

void worker_ready(worker *w, vu *v) {
    if (v->queued) return;
    v->queued = true;
    v->next_ready = NULL;
    if (w->ready_tail) w->ready_tail->next_ready = v;
    else w->ready_head = v;
    w->ready_tail = v;
    /* called from inside uv_run: make it return instead of blocking in poll
     * (outside it, a stop would make the next uv_run skip its timers and I/O) */
    if (w->in_loop) uv_stop(&w->loop);
}

static void worker_notify_main(worker *w) {
    if (w->test->main_wake) uv_async_send(w->test->main_wake);
}

/* Regular VUs' coroutines end only when the worker exits; a special one's
 * end is news for the main thread. */
static void worker_vu_finished(worker *w, vu *v) {
    if (v->role == VU_REGULAR) return;
    atomic_store(&w->special_done, 1);
    worker_notify_main(w);
}

/* One round: the VUs queued now, not those they queue again (a VU that
 * never waits re-queues itself after each iteration): the loop's timers and
 * I/O run between rounds, however busy the VUs are. */
/* While a VU runs, the next ones' memory starts coming in (after a sleep
 * it is all cold), a step of the queue at a time: the third VU's struct,
 * the second's coroutine, the next one's stack. Each step reads only what
 * the step before asked for. */
static inline void worker_prefetch(const vu *v) {
    const vu *n1 = v->next_ready;
    if (!n1) return;
    coro_prefetch_stack(n1->co);
    /* the lines its module named before it waited (http: 4 lines an
     * iteration that were cold misses at 10,000 VUs, 1-1.3 % of the
     * samples in perf) */
    for (int i = 0; i < VU_PF_NEXT; i++) __builtin_prefetch(n1->pf_next[i], 1);
    const vu *n2 = n1->next_ready;
    if (!n2) return;
    coro_prefetch_head(n2->co);
    /* the fields its iteration reads: vu.h keeps them above its group */
    uintptr_t hot = (uintptr_t)n2 & ~(uintptr_t)63, end = (uintptr_t)n2->group + 1;
    for (hot += 64; hot < end; hot += 64) __builtin_prefetch((const void *)hot, 1);
    const vu *n3 = n2->next_ready;
    if (n3) {
        __builtin_prefetch(&n3->next_ready);
        __builtin_prefetch(&n3->co);
    }
}

static void worker_run_ready(worker *w) {
    vu *v, *last = w->ready_tail;
    while ((v = w->ready_head) != NULL) {
        w->ready_head = v->next_ready;
        worker_prefetch(v);
        if (!w->ready_head) w->ready_tail = NULL;
        v->queued = false;
        vm_enter(v);
        coro_resume(v->co);
        vm_leave(v);
        if (v->state == VU_DONE && coro_done(v->co)) { /* (the state first: v is at hand, co behind a call) */
            v->state = VU_COUNTED;
            worker_vu_finished(w, v);
        }
        if (v == last) break;
    }
}

/* ---- commands from the main thread ---- */

/* At exit: every VU resumes, sees `exiting` and ends its coroutine. */
static void worker_wake_all(worker *w) {
    for (int i = 0; i < w->nvus; i++) {
        vu *v = w->vus[i];
        if (v->state == VU_WAITING) v->interrupted = true;
        if (v->state == VU_IDLE || v->state == VU_WAITING) worker_ready(w, v);
    }
    if (w->special && w->special->state == VU_WAITING) {
        w->special->interrupted = true;
        worker_ready(w, w->special);
    }
}

static void worker_on_tick(uv_timer_t *t) {
    worker *w = t->data;
    if (test_phase(w->test) == PHASE_RUNNING) {
        health_worker_tick(w, clock_now_us());
        sched_tick(w);
    }
    sample_buf_flush(&w->samples);
}

static void worker_start_special(worker *w, enum vu_role role) {
    if (w->special) {
        vm_destroy(w->special);
        vu_free(w->special);
    }
    w->special = vu_new(w, w->test, 0, role);
    if (!w->special) out_of_memory_exit(); /* one VU for setup/teardown/handleSummary: not worth unwinding */
    atomic_store(&w->special_done, 0);
    coro_resume(w->special->co); /* init on its own stack */
    if (w->special->state == VU_DONE) {
        worker_vu_finished(w, w->special);
        return;
    }
    worker_ready(w, w->special);
}

static void worker_on_wake(uv_async_t *a) {
    worker *w = a->data;
    int cmds = atomic_exchange(&w->cmds, 0);
    if (cmds & CMD_SETUP) worker_start_special(w, VU_SETUP);
    if (cmds & CMD_TEARDOWN) worker_start_special(w, VU_TEARDOWN);
    if (cmds & CMD_SUMMARY) worker_start_special(w, VU_SUMMARY);
    if (cmds & CMD_START) {
        health_worker_init(w);
        vm_worker_started(w);
        uv_timer_start(&w->tick, worker_on_tick, WORKER_TICK_MS, WORKER_TICK_MS);
    }
    if (cmds & (CMD_START | CMD_SCEN)) sched_update(w);
    if ((cmds & CMD_STOP_SPECIAL) && w->special) {
        if (w->special->state == VU_WAITING) {
            w->special->interrupted = true;
            worker_ready(w, w->special);
        }
    }
    /* a stop during setup() cuts its waits short, as it does an iteration's */
    if ((cmds & CMD_SCEN) && test_phase(w->test) >= PHASE_HARD_STOP && w->special && w->special->state == VU_WAITING) {
        w->special->interrupted = true;
        worker_ready(w, w->special);
    }
    if (cmds & CMD_EXIT) {
        w->exiting = true;
        worker_wake_all(w);
        uv_stop(&w->loop);
    }
}

void worker_command(worker *w, enum worker_cmd cmd) {
    atomic_fetch_or(&w->cmds, cmd);
    uv_async_send(&w->wake);
}

/* ---- thread ---- */

worker *worker_new(c6_test *t, int id) {
    worker *w = calloc(1, sizeof *w);
    if (!w) return NULL;
    w->id = id;
    w->test = t;
    /* each takes descriptors (an epoll, an eventfd): with too few (ulimit -n)
     * they fail, and the run must end with a message, not use them */
    int rc = uv_loop_init(&w->loop);
    if (rc == 0 && (rc = uv_async_init(&w->loop, &w->wake, worker_on_wake)) != 0) { uv_loop_close(&w->loop); }
    if (rc == 0 && !twheel_init(&w->sleeps, uv_now(&w->loop))) {
        uv_close((uv_handle_t *)&w->wake, NULL);
        uv_run(&w->loop, UV_RUN_NOWAIT);
        uv_loop_close(&w->loop);
        rc = UV_ENOMEM;
    }
    if (rc != 0) {
        free(w);
        errno = -rc;
        return NULL;
    }
    w->wake.data = w;
    uv_update_time(&w->loop);
    int64_t skew = (int64_t)uv_now(&w->loop) - clock_now_us() / 1000; /* read in that order: 0, or -1 or -2 (coarse) */
    w->loop_ms_mono = skew <= 0 && skew >= -2;
    uv_timer_init(&w->loop, &w->tick);
    w->tick.data = w;
    uv_timer_init(&w->loop, &w->sleeps_timer);
    w->sleeps_timer.data = w;
    sample_buf_init(&w->samples);
    w->h1 = h1_client_new(&w->loop);
    if (w->h1) {
        h1_client_set_dialer(w->h1, t->dialer);
        h1_client_set_tls(w->h1, t->tls, t->insecure_skip_tls_verify);
        /* tests only: ALPN offers http/1.1 alone, so h2 servers answer over HTTP/1.1 */
        const char *alpn = getenv("C6_TEST_ALPN");
        if (alpn && !strcmp(alpn, "http/1.1")) h1_client_http11_only(w->h1);
    }
    return w;
}

void test_init_failed(c6_test *t, const char *why) {
    if (atomic_fetch_add(&t->init_errors, 1) == 0)
        t->init_error = strdup(why); /* alloc-ok: NULL: no text, the run fails all the same */
}

bool worker_add_vu(worker *w, int id) {
    if (w->nvus == w->capvus) {
        int c = w->capvus ? w->capvus * 2 : 16;
        vu **grown = c > 0 ? realloc(w->vus, (size_t)c * sizeof *w->vus) : NULL;
        if (!grown) return false;
        w->vus = grown;
        w->capvus = c;
    }
    vu *v = vu_new(w, w->test, id, VU_REGULAR);
    if (!v) return false;
    w->vus[w->nvus++] = v;
    return true;
}

/* Runs v's init on its own stack; false (error kept) when it failed. */
static bool worker_init_vu(worker *w, vu *v) {
    vm_enter(v);
    coro_resume(v->co);
    vm_leave(v);
    if (v->state != VU_DONE) return true;
    v->state = VU_COUNTED;
    test_init_failed(w->test, v->error);
    return false;
}

static void worker_init_vus(worker *w) {
    for (int i = 0; i < w->nvus; i++) {
        if (!worker_init_vu(w, w->vus[i])) break; /* one broken VU means a broken script */
        /* --verbose: k6 internal/execution/scheduler.go initVU */
        char m[48];
        int n = snprintf(m, sizeof m, "Initialized VU #%d", w->vus[i]->id);
        log_msg(LOG_DEBUG, " phase=execution-scheduler-init", m, (size_t)n);
        if (w->npool == w->cappool) { /* room for every VU of the worker at once */
            vu **grown = realloc(w->pool, (size_t)w->nvus * sizeof *w->pool);
            if (!grown) {
                test_init_failed(w->test, "out of memory for the pool of VUs");
                break;
            }
            w->pool = grown;
            w->cappool = w->nvus;
        }
        w->pool[w->npool++] = w->vus[i];
    }
    worker_notify_main(w);
}

vu *worker_spawn_vu(worker *w) {
    c6_test *t = w->test;
    int id = atomic_fetch_add(&t->next_vu_id, 1) + 1;
    if (!worker_add_vu(w, id)) {
        char m[96];
        int n = snprintf(m, sizeof m, "out of memory: VU #%d cannot be created", id);
        log_msg(LOG_ERROR, NULL, m, (size_t)n);
        return NULL;
    }
    vu *v = w->vus[w->nvus - 1];
    if (worker_init_vu(w, v)) return v;
    log_msg(LOG_ERROR, NULL, v->error, strlen(v->error));
    return NULL;
}

static void *worker_main(void *arg) {
    worker *w = arg;
    w->sched = coro_thread_init();
    sched_init(w);
    worker_init_vus(w);
    int64_t polled = 0;
    for (;;) {
        /* with VUs ready, a look at the loop (timers, I/O: no wait) at most
         * every millisecond, so busy VUs cost no system call per round */
        int64_t now = w->ready_head ? clock_now_us() : 0;
        if (!w->ready_head || now - polled >= WORKER_POLL_US) {
            polled = now;
            w->in_loop = true;
            uv_run(&w->loop, w->ready_head ? UV_RUN_NOWAIT : UV_RUN_ONCE);
            w->in_loop = false;
        }
        worker_run_ready(w);
        if (w->exiting) break;
    }
    /* let every VU unwind and free its JS runtime on its own stack */
    worker_wake_all(w);
    while (w->ready_head) worker_run_ready(w);
    sample_buf_flush(&w->samples);
    return NULL;
}

int worker_start(worker *w) { return pthread_create(&w->thread, NULL, worker_main, w); }

void worker_join(worker *w) { pthread_join(w->thread, NULL); }

static void worker_close_cb(uv_handle_t *h) { (void)h; }

void worker_free(worker *w) {
    if (!w) return;
    for (int i = 0; i < w->nvus; i++) vu_free(w->vus[i]);
    if (w->special) vu_free(w->special);
    vm_worker_free(w);
    free(w->vus);
    free(w->pool);
    sched_close(w);
    h1_client_free(w->h1);
    uv_close((uv_handle_t *)&w->wake, worker_close_cb);
    uv_close((uv_handle_t *)&w->tick, worker_close_cb);
    uv_close((uv_handle_t *)&w->sleeps_timer, worker_close_cb);
    uv_run(&w->loop, UV_RUN_DEFAULT);
    uv_loop_close(&w->loop);
    twheel_free(&w->sleeps);
    free(w->ws);
    coro_thread_free(w->sched);
    sample_buf_destroy(&w->samples);
    free(w);
}
