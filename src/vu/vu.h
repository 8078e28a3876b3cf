/* A virtual user: one coroutine with its own QuickJS runtime and context,
 * living on one worker thread. Everything here is touched by that worker only
 * (the scheduler's sched_tick runs there too); the main thread stops VUs
 * through the test's atomics (phase, special_stop), which vm.c's interrupt
 * handler reads. What a JS module keeps per VU is not here: each owns a slot
 * of `mod` (js/vm.h). */
#ifndef C6_VU_H
#define C6_VU_H
#include <quickjs.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>
#include "metrics/tags.h"
#include "util/buf.h"
#include "util/twheel.h"
#include "vu/coro.h"
#include "vu/latency_correction.h"

struct worker;
struct c6_test;
struct scen_rt;

/* Slots for the built-in modules' per-VU state (js/vm.h names them). */
#define VU_MOD_SLOTS 6
#define VU_PF_NEXT 4

enum vu_role { VU_REGULAR, VU_SETUP, VU_TEARDOWN, VU_SUMMARY };
enum vu_state {
    VU_NEW,
    VU_IDLE,
    VU_READY,
    VU_RUNNING,
    VU_WAITING,
    VU_DONE,
    VU_COUNTED /* done, and counted once by its worker */
};

typedef struct vu {
    int id; /* __VU: 1-based; 0 for setup/teardown */
    enum vu_role role;
    enum vu_state state;
    struct worker *w;
    struct c6_test *test;
    coro *co;

    JSRuntime *rt;
    JSContext *ctx;
    bool shared_rt;   /* rt is its worker's (src/js/vm.c, vm_enter) */
    bool js_exc_set;  /* js_exc holds its pending exception (shared rt) */
    void *js_frame;   /* QuickJS's frame chain while switched out (shared rt) */
    uintptr_t js_top; /* where QuickJS measures this VU's stack from (shared rt) */
    JSValue js_exc;   /* its pending exception while switched out (shared rt) */
    JSValue ns;       /* main module namespace */
    JSValue fn;       /* the function each iteration calls */
    JSValue data;     /* setup() data passed to fn */
    bool in_init;     /* init context: open() and imports allowed */
    bool interrupted; /* the current blocking call was cancelled */
    bool in_iteration;
    int64_t iter; /* __ITER */

    const char *scenario; /* scenario tag */

    struct scen_rt *sc;       /* the scenario it works for; NULL while in its worker's pool */
    struct scen_rt *bound;    /* the scenario its exec function, __ENV and tags are set up for */
    int64_t sc_index;         /* its place among the scenario's VUs (ramping: activation order) */
    int64_t sc_iter;          /* iterations in this scenario (exec.vu.iterationInScenario) */
    int64_t sc_iter_instance; /* the running iteration's number in the scenario (exec.scenario.iterationInInstance) */
    bool go;                  /* arrival-rate: an iteration was handed to it */
    int64_t due_us;           /* arrival-rate: when that iteration was due (monotonic µs; 0: none) */
    lc_owed owed;             /* --latency-correction: the drops that iteration stands in for */
    lc_iter lc;               /* --latency-correction: the running iteration's corrections */
    bool stop_req;            /* interrupt the running iteration (gracefulRampDown ran out) */
    bool aborting;            /* this iteration called exec.test.abort() */
    bool ramp_on;             /* ramping-vus/externally-controlled: k6's VU handle is started
                                  (for its --verbose Start / Graceful stop / Hard stop lines) */
    int64_t ramp_deadline;    /* when a ramped-down VU's iteration is cut off; 0 = not ramping down */
    struct vu *next_free;     /* arrival-rate: the scenario's free VUs on this worker */
    int ws_pos;               /* its slot in the worker's list of the scenario's VUs */
    tag_kv *utags;            /* exec.vu.tags set by the script (strings owned), on all its samples */
    int nutags;
    uint32_t iter_tags; /* the tag set of its iteration samples + 1, kept while its tags and
                                  scenario stay (not with the iter tag on); 0: intern it again.
                                  Also the VU's own tags for the tag memos (vu_intern_tags) */
    uint32_t iter_atom; /* "__ITER" in its runtime (a JSAtom held from vm_create to vm_destroy):
                           vm_iter_begin sets the global without looking the name up */

    struct vu *next_ready;
    bool queued;                  /* in the worker's ready queue */
    bool active;                  /* counted in test->vus_active */
    bool waited;                  /* it waited (vu_wait) since its iteration began */
    uint8_t tag_last[TAGS_SITES]; /* where its last set of each site was remembered (tags.h: memos;
                                     in what was padding) */
    twheel_node sleep_node;       /* sleep(), minIterationDuration and setTimeout waits of up to
                                     ~16 s: on the worker's wheel (w->sleeps) */
    bool loop_waiting;            /* in the event loop's wait (js/vm.c): any event source wakes it */
    uint64_t loop_seq;            /* the last event stamp handed out (vm_loop_event) */
    void *mod[VU_MOD_SLOTS];      /* the JS modules' own state, by module id (js/vm.h: enum vm_mod,
                                     vm_mod_get), NULL until the module first needs it */
    uint8_t mod_iter;             /* the slots made whose module resets something each iteration */
    const void *pf_next[VU_PF_NEXT]; /* lines it reads first when it next runs, named by a module
                                        before it waits (k6/http: http_do); worker_prefetch asks for
                                        them a step ahead. Addresses only, never read through: a
                                        stale one costs a prefetch (which cannot fault). */
    /* Above: what an iteration of a VU reads (and its group's first bytes),
     * ~7 cache lines that are cold each time it resumes at 10,000 VUs: the
     * worker prefetches them (worker_prefetch). What is rare or large
     * below. */
    char group[512];               /* current group path: "" or "::a::b" */
    uv_timer_t sleep_timer;        /* longer waits than sleep_node's; the event loop's (vu_wait_until) */
    char *result_json;             /* setup(): its JSON result */
    void *loader;                  /* module loader state (js/vm.c) */
    char *error;                   /* init error text, if init failed */
    bool error_marshal;            /* setup(): error is k6's "error marshaling setup() data to JSON" (exit 255) */
    char vu_str[16], iter_str[24]; /* vu/iter tag values when enabled */
} vu;

/* Creates the coroutine; the JS runtime is built on its first resume. */
vu *vu_new(struct worker *w, struct c6_test *t, int id, enum vu_role role);
/* Frees the VU, not its JS runtime: vm_destroy does that (the VU itself at
 * its end for setup/teardown, or with vu_free_at_exit). */
void vu_free(vu *v);
/* Blocks the VU (on its own stack) until vu_wake; returns false if interrupted. */
bool vu_wait(vu *v);
/* Parks the VU until `until_us` (monotonic µs) on the worker's wheel of
 * sleeps, or its sleep timer for a long wait (both tick in ms of libuv's
 * cached clock: re-armed until the time has really passed, so it never
 * returns early). False if the VU was interrupted. */
bool vu_sleep_until(vu *v, int64_t until_us);
/* vu_sleep_until(now + dur_us), reading the clock once. */
bool vu_sleep_for(vu *v, int64_t dur_us);
/* Blocks until vu_wake or `until_us` (monotonic µs; INT64_MAX: no limit),
 * whichever comes first; the timer is rounded down, so callers that need the
 * time to have passed look at the clock and wait again. False if the VU was
 * interrupted. */
bool vu_wait_until(vu *v, int64_t until_us);
void vu_wake(vu *v);
/* The innermost script frame of the running JS as k6 names it in messages:
 * "fn (file:///path:line:col)", or "file:///path:line:col" without a name. */
void vu_caller_frame(JSContext *ctx, char *out, size_t n);
/* Formats the pending JS exception as "file:line:col: Type: msg\n<stack>". */
char *vu_exception_text(JSContext *ctx);
vu *vu_from_ctx(JSContext *ctx);
/* Fills kv with the tags every sample of v carries: the test-wide
 * options.tags, its scenario's tags, exec.vu.tags, then the system tags
 * group, scenario, vu and iter that are on (the systemTags option). Returns
 * how many; callers append their own (a later duplicate key wins). kv needs
 * VU_BASE_TAGS entries (the custom tags are cut at VU_BASE_TAGS - 4). */
#define VU_BASE_TAGS 66
size_t vu_base_tags(vu *v, tag_kv *kv, const char *group);
/* vu_intern_tags (vu/vu_tags.h) past its inline look at the VU's last set. */
uint32_t vu_intern_tags_slow(vu *v, int site, const char *group, tag_kv *kv, uint32_t *vlen, size_t nstatic, size_t n);
/* vu_intern_site (vu/vu_tags.h) past its inline look: the site's kvs
 * copied behind the room for the VU's. A site's kvs at most: http_emit's
 * system tags (12) and the request's own (VM_MAX_PAIRS, 64). */
#define VU_SITE_KV 76
uint32_t vu_intern_site_slow(vu *v, int site, const char *group, const tag_kv *kv, const uint32_t *vlen, size_t nstatic,
                             size_t n);
/* Whether samples carry system tag st (enum system_tag): the systemTags option. */
bool vu_tag_on(const vu *v, int st);
/* The same for every st at once: bit st. */
uint32_t vu_tag_mask(const vu *v);
/* Whether VU runtimes are freed when the test ends (sanitizer builds, C6_FREE_VUS). */
bool vu_free_at_exit(void);

#endif
