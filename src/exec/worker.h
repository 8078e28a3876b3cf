/* A worker thread: one libuv loop, one HTTP client (net/client.h), and the VUs
 * whose coroutines it runs. VUs made runnable by I/O callbacks are queued and
 * resumed from the loop's top level, never from inside an I/O callback. */
#ifndef C6_EXEC_WORKER_H
#define C6_EXEC_WORKER_H
#include <pthread.h>
#include <stdatomic.h>
#include <uv.h>
#include "exec/health.h"
#include "exec/sched.h"
#include "metrics/samples.h"
#include "net/client.h"
#include "util/slabpool.h"
#include "vu/vu.h"

struct c6_test;

enum worker_cmd {
    CMD_NONE = 0,
    CMD_SETUP = 1,
    CMD_START = 2,
    CMD_TEARDOWN = 4,
    CMD_SCEN = 8, /* a scenario's state changed */
    CMD_EXIT = 16,
    CMD_SUMMARY = 32,
    CMD_STOP_SPECIAL = 64 /* setup/teardown ran out of time */
};

typedef struct worker {
    int id;
    struct c6_test *test;
    pthread_t thread;
    uv_loop_t loop;
    uv_async_t wake; /* main thread -> worker commands */
    uv_timer_t tick; /* flushes samples, ramps VUs */
    h1_client *h1;   /* k6/http's client (k6/ws dials through its DNS cache and TLS) */
    sample_buf samples;
    coro *sched;
    worker_health health;    /* c6's own health (exec/health.h) */
    twheel sleeps;           /* its VUs' sleeps (vu_sleep_until): a timing wheel, not libuv's heap */
    uv_timer_t sleeps_timer; /* armed for the wheel's next due */
    uint64_t sleeps_armed;   /* the loop ms it is armed for; 0: not armed */
    /* the loop's ms are clock_now_us()'s ms (libuv on Linux: CLOCK_MONOTONIC,
     * or its coarse twin, truncated to ms), checked once at start: a sleep
     * then needs no fresh loop time to go on the wheel, nor a clock read
     * when the wheel wakes it (vu_sleep_until) */
    bool loop_ms_mono;

    vu **vus; /* every regular VU of this worker */
    int nvus, capvus;
    vu **pool; /* initialised VUs no scenario uses now */
    int npool, cappool;
    wscen *ws; /* this worker's side of each scenario */
    int nws;
    vu *ready_head, *ready_tail;
    vu *special;               /* setup/teardown VU */
    struct JSRuntime **js_rts; /* shared by its regular VUs, vm_group_size() each (src/js/vm.c) */
    int njs_rts;
    int js_rt_vus;       /* VUs in the last of them */
    bool js_gc_on;       /* the run started: new runtimes collect at once */
    slabpool http_calls; /* k6/http's call records (js/modules/http.c http_do) */
    /* room for a tag set being interned, used by vu_intern_site_slow (vu/vu.c)
     * and k6/metrics add() (no script runs while either fills it): here, not
     * in their frames on a VU's stack, which keeps every page it ever
     * touched; 2.6 KB there took every VU's a page deeper */
    tag_kv tag_room[VU_BASE_TAGS + VU_SITE_KV];
    uint32_t tag_room_vl[1 + VU_SITE_KV];

    atomic_int cmds;         /* pending worker_cmd bits */
    atomic_int special_done; /* setup/teardown finished */
    bool exiting;            /* CMD_EXIT seen */
    bool in_loop;            /* inside uv_run (callbacks), not running VUs */
} worker;

worker *worker_new(struct c6_test *t, int id); /* NULL when out of memory */
int worker_start(worker *w);                   /* spawns the thread, which initialises its VUs */
void worker_command(worker *w, enum worker_cmd cmd);
void worker_join(worker *w);
void worker_free(worker *w);
/* The test's init fails with `why` (the first reason is the one reported). */
void test_init_failed(struct c6_test *t, const char *why);
/* Before worker_start (initialised by the thread); false when out of memory. */
bool worker_add_vu(worker *w, int id);
/* On the worker's thread during the run: a new VU (id from the test's
 * counter), initialised now; NULL (error logged) if its init fails. */
vu *worker_spawn_vu(worker *w);

/* For VU code running on this worker: */
void worker_ready(worker *w, vu *v); /* queue v to be resumed */

#endif
