/* VU lifecycle: build the JS machine on the VU's own stack, wait for the
 * start, then loop over iterations as the executor says. */
#include "vu/vu.h"
#include "util/err.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "exec/executor.h"
#include "exec/sched.h"
#include "exec/test.h"
#include "js/setup_data.h"
#include "output/summary_save.h"
#include "js/vm.h"
#include "metrics/registry.h"
#include "net/dialer.h"
#include "exec/worker.h"
#include "util/clock.h"
#include "util/log.h"

#define VU_STACK_SIZE (256 * 1024)

static void vu_main(void *arg);

vu *vu_new(worker *w, c6_test *t, int id, enum vu_role role) {
    vu *v = calloc(1, sizeof *v);
    if (!v) return NULL;
    v->id = id;
    v->role = role;
    v->w = w;
    v->test = t;
    v->scenario = "default";
    v->co = coro_new(w, VU_STACK_SIZE, vu_main, v); /* w: its stack's neighbours run on w's thread */
    if (!v->co) {
        free(v);
        return NULL;
    }
    uv_timer_init(&w->loop, &v->sleep_timer);
    v->sleep_timer.data = v;
    return v;
}

static void vu_timer_closed(uv_handle_t *h) { free(h->data); }

void vu_free(vu *v) {
    if (!v) return;
    coro_free(v->co);
    free(v->result_json);
    free(v->error);
    for (int i = 0; i < v->nutags; i++) {
        free((char *)v->utags[i].key);
        free((char *)v->utags[i].value);
    }
    free(v->utags);
    twheel_del(&v->w->sleeps, &v->sleep_node);
    /* the timer handle lives inside v: free v once libuv lets go of it */
    uv_close((uv_handle_t *)&v->sleep_timer, vu_timer_closed);
}

bool vu_wait(vu *v) {
    v->state = VU_WAITING;
    coro_yield();
    v->state = VU_RUNNING;
    v->waited = true;
    return !v->interrupted;
}

void vu_wake(vu *v) { worker_ready(v->w, v); }

/* "file:line:col" of the innermost frame of the script (native frames
 * skipped), and its function's name when fn is not NULL ("" if none). */
static void vu_stack_location(const char *stack, char *out, size_t n, char *fn, size_t fnlen) {
    out[0] = 0;
    if (fn) fn[0] = 0;
    for (const char *at = stack; at && (at = strstr(at, "at ")) != NULL; at += 3) {
        const char *eol = strchr(at, '\n');
        size_t len = eol ? (size_t)(eol - at) : strlen(at);
        const char *open = memchr(at, '(', len);
        const char *start = open ? open + 1 : at + 3;
        const char *end = open ? memchr(start, ')', len - (size_t)(start - at)) : at + len;
        if (!end) end = at + len;
        if (end - start >= 6 && memcmp(start, "native", 6) == 0) continue;
        if (!memchr(start, ':', (size_t)(end - start))) continue;
        snprintf(out, n, "%.*s", (int)(end - start), start);
        if (fn && open && open - 1 > at + 3) snprintf(fn, fnlen, "%.*s", (int)(open - 1 - (at + 3)), at + 3);
        return;
    }
}

void vu_caller_frame(JSContext *ctx, char *out, size_t n) {
    out[0] = 0;
    /* the Error constructor records the stack (JS_NewError does not) */
    JSValue global = JS_GetGlobalObject(ctx), ctor = JS_GetPropertyStr(ctx, global, "Error");
    JSValue err = JS_CallConstructor(ctx, ctor, 0, NULL);
    JS_FreeValue(ctx, ctor);
    JS_FreeValue(ctx, global);
    JSValue st = JS_GetPropertyStr(ctx, err, "stack");
    const char *stack = JS_IsString(st) ? JS_ToCString(ctx, st) : NULL;
    char loc[1024], fn[256];
    vu_stack_location(stack, loc, sizeof loc, fn, sizeof fn);
    if (loc[0]) {
        const char *scheme = loc[0] == '/' ? "file://" : "";
        if (fn[0] && strcmp(fn, "<anonymous>") != 0 && strcmp(fn, "<eval>") != 0)
            snprintf(out, n, "%s (%s%s)", fn, scheme, loc);
        else snprintf(out, n, "%s%s", scheme, loc);
    }
    JS_FreeCString(ctx, stack);
    JS_FreeValue(ctx, st);
    JS_FreeValue(ctx, err);
    JS_FreeValue(ctx, JS_GetException(ctx)); /* (nothing, unless the stack could not be read) */
}

char *vu_exception_text(JSContext *ctx) { /* NULL when out of memory */
    JSValue ex = JS_GetException(ctx);
    char *out = NULL;
    const char *msg = JS_ToCString(ctx, ex);
    const char *stack = NULL;
    JSValue st = JS_UNDEFINED;
    if (JS_IsError(ctx, ex)) {
        st = JS_GetPropertyStr(ctx, ex, "stack");
        if (JS_IsString(st)) stack = JS_ToCString(ctx, st);
    }
    char loc[1024];
    vu_stack_location(stack, loc, sizeof loc, NULL, 0);
    size_t n = strlen(msg ? msg : "") + (stack ? strlen(stack) : 0) + strlen(loc) + 16;
    out = malloc(n);
    if (out && loc[0]) snprintf(out, n, "%s: %s\n%s", loc, msg ? msg : "exception", stack ? stack : "");
    else if (out) snprintf(out, n, "%s\n%s", msg ? msg : "exception", stack ? stack : "");
    size_t l = out ? strlen(out) : 0;
    while (l > 0 && out[l - 1] == '\n') out[--l] = 0;
    JS_FreeCString(ctx, msg);
    JS_FreeCString(ctx, stack);
    JS_FreeValue(ctx, st);
    JS_FreeValue(ctx, ex);
    return out;
}

/* An iteration's uncaught exception, logged as k6's getIterationRunner
 * (lib/executor/helpers.go) does with its executor's logger: fields
 * executor=<type> scenario=<name> source=stacktrace. */
static void vu_log_exception(vu *v) {
    char *t = vu_exception_text(v->ctx);
    char extra[320];
    const c6_scenario *c = v->bound ? v->bound->cfg : NULL;
    if (c)
        snprintf(extra, sizeof extra, " executor=%s scenario=%s source=stacktrace", executor_name(c->executor),
                 c->name);
    else snprintf(extra, sizeof extra, " source=stacktrace");
    const char *m = t ? t : "out of memory";
    log_msg(LOG_ERROR, extra, m, strlen(m));
    free(t);
}

uint32_t vu_tag_mask(const vu *v) { return v->test ? v->test->system_tags : SYSTEM_TAGS_DEFAULT; }

bool vu_tag_on(const vu *v, int st) { return (vu_tag_mask(v) >> st) & 1; }

/* vu_base_tags; group_last: the group after the others (where the memo
 * wants it: vu_intern_tags), which makes the same set (the system tags'
 * keys differ, and all come after the custom ones, which they win over). */
static size_t vu_tags_fill(vu *v, tag_kv *kv, const char *group, bool group_last) {
    size_t n = 0;
    const c6_options *o = v->test ? v->test->opts : NULL;
    for (size_t i = 0; o && i < o->ntags && n < VU_BASE_TAGS - 4; i++)
        kv[n++] = (tag_kv){o->tags[i].key, o->tags[i].value};
    const c6_scenario *c = v->bound ? v->bound->cfg : NULL;
    for (size_t i = 0; c && i < c->ntags && n < VU_BASE_TAGS - 4; i++)
        kv[n++] = (tag_kv){c->tags[i].key, c->tags[i].value};
    for (int i = 0; i < v->nutags && n < VU_BASE_TAGS - 4; i++) kv[n++] = v->utags[i];
    uint32_t on = vu_tag_mask(v);
    if ((on >> ST_GROUP) & 1 && !group_last) kv[n++] = (tag_kv){"group", group};
    if ((on >> ST_SCENARIO) & 1) kv[n++] = (tag_kv){"scenario", v->scenario};
    if ((on >> ST_VU) & 1) {
        snprintf(v->vu_str, sizeof v->vu_str, "%d", v->id);
        kv[n++] = (tag_kv){"vu", v->vu_str};
    }
    if ((on >> ST_ITER) & 1) {
        snprintf(v->iter_str, sizeof v->iter_str, "%lld",
                 (long long)(v->iter > 0 && !v->in_iteration ? v->iter - 1 : v->iter));
        kv[n++] = (tag_kv){"iter", v->iter_str};
    }
    if ((on >> ST_GROUP) & 1 && group_last) kv[n++] = (tag_kv){"group", group};
    return n;
}

size_t vu_base_tags(vu *v, tag_kv *kv, const char *group) { return vu_tags_fill(v, kv, group, false); }

/* The set of the VU's iteration samples (vu_base_tags with group ""), kept
 * in v->iter_tags (+ 1) while its tags and scenario stay; not kept with the
 * iter tag on, which changes each iteration. */
static uint32_t vu_iter_set(vu *v) {
    if (v->iter_tags) return v->iter_tags - 1;
    tag_kv kv[VU_BASE_TAGS];
    size_t n = vu_base_tags(v, kv, "");
    uint32_t id = tagdict_intern(v->w->samples.tags, kv, n);
    if (!vu_tag_on(v, ST_ITER)) v->iter_tags = id + 1;
    return id;
}

/* Whether the group goes with the site's kvs in a memo (1) or stays with
 * the VU's (0): the root group "" is the one of the VU's iteration set,
 * which stands for the VU's kvs (the memo's base), so it need not be
 * compared again. */
static inline size_t vu_memo_group(const vu *v, const char *group) { return vu_tag_on(v, ST_GROUP) && group[0]; }

/* vu_intern_tags when the memo did not have the set (memo: the site's kvs
 * may go in one, on base). */
static __attribute__((noinline)) uint32_t vu_intern_new(vu *v, int site, const char *group, uint32_t hint, tag_kv *kv,
                                                        size_t nstatic, size_t n, bool memo, uint32_t base) {
    tagdict *d = v->w->samples.tags;
    size_t m = vu_tags_fill(v, kv, group, true);        /* at most VU_BASE_TAGS, the group last */
    memmove(kv + m, kv + VU_BASE_TAGS, n * sizeof *kv); /* the site's kvs after the VU's */
    if (!memo) return tagdict_intern(d, kv, m + n);
    size_t g = vu_memo_group(v, group); /* as vu_intern_tags (no iter tag here) */
    return tagdict_intern_memo(d, site, base, hint, &v->tag_last[site], kv, m - g, nstatic + g, m + n);
}

uint32_t vu_intern_tags_slow(vu *v, int site, const char *group, tag_kv *kv, uint32_t *vlen, size_t nstatic, size_t n) {
    uint32_t on = vu_tag_mask(v);
    size_t g = ((on >> ST_GROUP) & 1) && group[0]; /* vu_memo_group */
    /* the memo's base: the VU's own tags, which its iteration set (group "")
     * stands for; another group goes with the site's kvs. Not with the iter
     * tag (a set per iteration), nor for setup/teardown (run once). */
    if ((on >> ST_ITER) & 1 || v->role != VU_REGULAR || n + g > TAGS_MEMO_KV)
        return vu_intern_new(v, site, group, 0, kv, nstatic, n, false, 0);
    uint32_t base = vu_iter_set(v);
    if (g) {
        kv[VU_BASE_TAGS - 1] = (tag_kv){"group", group}; /* the group, then the site's kvs */
        if (vlen) vlen[0] = TAGS_VLEN_ANY;
    }
    const tag_kv *mine = kv + VU_BASE_TAGS - g;
    const uint32_t *ml = vlen ? vlen + 1 - g : NULL;
    uint32_t hint = tagdict_memo_hint(mine, ml, n + g);
    uint32_t id1 =
        tagdict_memo_find(v->w->samples.tags, site, base, hint, &v->tag_last[site], mine, ml, nstatic + g, n + g);
    return id1 ? id1 - 1 : vu_intern_new(v, site, group, hint, kv, nstatic, n, true, base);
}

uint32_t vu_intern_site_slow(vu *v, int site, const char *group, const tag_kv *kv, const uint32_t *vlen, size_t nstatic,
                             size_t n) {
    tag_kv *room = v->w->tag_room; /* (nothing interns again before this returns) */
    uint32_t *vl = v->w->tag_room_vl;
    if (n > VU_SITE_KV) n = VU_SITE_KV; /* (callers hold at most that many) */
    memcpy(room + VU_BASE_TAGS, kv + 1, n * sizeof *kv);
    memcpy(vl + 1, vlen + 1, n * sizeof *vl);
    return vu_intern_tags_slow(v, site, group, room, vl, nstatic, n);
}

/* t0: the start (clock_now_us()), t1_ns: the end (clock_now_ns()). */
static void vu_emit_iteration(vu *v, int64_t t0, int64_t t1_ns) {
    worker *w = v->w;
    uint32_t tags = vu_iter_set(v);
    int64_t at = sample_stamp(&w->samples, t1_ns);
    /* iterations (1: not written), iteration_duration */
    sample *pk = sample_pack_begin(&w->samples, PACK_ITER, PACK_ITER_VALUES, tags, at);
    sample_pack_set(pk, 0, (double)(t1_ns / 1000 - t0) / 1000.0);
    sample_pack_commit(&w->samples, pk, PACK_ITER_VALUES);
    if (v->lc.on)
        lc_emit(&v->lc, &w->samples, v->test->m_iter_corrected, tags, (double)(t1_ns / 1000 - t0) / 1000.0, at);
}

static bool vu_cut_off(const vu *v) {
    return v->interrupted || v->stop_req || (v->sc && scen_state(v->sc) >= SC_HARD_STOP) ||
           test_phase(v->test) >= PHASE_HARD_STOP;
}

static void vu_on_sleep_timer(uv_timer_t *t) {
    vu *v = t->data;
    if (v->state == VU_WAITING) vu_wake(v);
}

static void vu_sleep_fired(twheel_node *n, void *arg) {
    (void)arg;
    vu *v = (vu *)(void *)((char *)n - offsetof(vu, sleep_node));
    if (v->state == VU_WAITING) vu_wake(v);
}

static void vu_sleeps_arm(worker *w);

static void vu_on_sleeps_due(uv_timer_t *t) {
    worker *w = t->data;
    w->sleeps_armed = 0;
    twheel_expire(&w->sleeps, uv_now(&w->loop), vu_sleep_fired, NULL);
    vu_sleeps_arm(w);
}

/* One libuv timer per worker, for the wheel's earliest due: a sleep due
 * later than the armed one (the usual case) leaves it alone. */
static void vu_sleeps_arm(worker *w) {
    uint64_t due, now = uv_now(&w->loop);
    if (!twheel_next(&w->sleeps, &due) || (w->sleeps_armed && w->sleeps_armed <= due)) return;
    w->sleeps_armed = due;
    uv_timer_start(&w->sleeps_timer, vu_on_sleeps_due, due > now ? due - now : 0, 0);
}

/* now_us: clock_now_us() read by the caller just before. A sleep on the
 * wheel is due at until_us's ms rounded up, on the loop's clock (the same
 * ms as clock_now_us()'s when loop_ms_mono): the wheel wakes the VU once
 * the loop's ms reached it, so the time has passed without reading the
 * clock again; any other wake (or a loop clock of its own) reads it. */
static bool vu_sleep_from(vu *v, int64_t now_us, int64_t until_us) {
    worker *w = v->w;
    while (until_us > now_us) {
        /* (the monotonic clock's µs are positive: unsigned division, the cheaper) */
        uint64_t due;
        bool wheel;
        if (w->loop_ms_mono) {
            due = ((uint64_t)until_us + 999) / 1000;
            wheel = twheel_add(&w->sleeps, &v->sleep_node, (uint64_t)now_us / 1000, due);
        } else {
            uv_update_time(&w->loop);
            due = uv_now(&w->loop) + ((uint64_t)(until_us - now_us) + 999) / 1000;
            wheel = twheel_add(&w->sleeps, &v->sleep_node, uv_now(&w->loop), due);
        }
        /* the armed timer is never later than a sleep on the wheel (each
         * earlier one re-arms it): one due at or after it needs no look */
        if (wheel && !(w->sleeps_armed && w->sleeps_armed <= v->sleep_node.due)) vu_sleeps_arm(w);
        else if (!wheel) {
            uv_update_time(&w->loop);
            uv_timer_start(&v->sleep_timer, vu_on_sleep_timer, ((uint64_t)(until_us - now_us) + 999) / 1000, 0);
        }
        if (!vu_wait(v)) {
            if (wheel) twheel_del(&w->sleeps, &v->sleep_node);
            else uv_timer_stop(&v->sleep_timer);
            return false;
        }
        if (wheel && w->loop_ms_mono && uv_now(&w->loop) >= due) return true;
        now_us = clock_now_us();
    }
    return true;
}

bool vu_sleep_until(vu *v, int64_t until_us) { return vu_sleep_from(v, clock_now_us(), until_us); }

bool vu_sleep_for(vu *v, int64_t dur_us) {
    int64_t now = clock_now_us();
    return vu_sleep_from(v, now, now + dur_us);
}

bool vu_wait_until(vu *v, int64_t until_us) {
    if (until_us != INT64_MAX) {
        int64_t left = until_us - clock_now_us();
        uv_update_time(&v->w->loop);
        uv_timer_start(&v->sleep_timer, vu_on_sleep_timer, left > 0 ? (uint64_t)(left / 1000) : 0, 0);
    }
    bool ok = vu_wait(v);
    if (until_us != INT64_MAX) uv_timer_stop(&v->sleep_timer);
    return ok;
}

/* minIterationDuration: the VU waits out the rest of it after the
 * iteration (the wait is not part of iteration_duration, as in k6). */
static void vu_pad_iteration(vu *v, int64_t t0) {
    if (!vu_cut_off(v)) vu_sleep_until(v, t0 + v->test->min_iter_us);
}

/* Runs one call of v->fn; false when it was interrupted. */
/* t0: the clock, read just before. */
static bool vu_iteration(vu *v, int64_t t0) {
    c6_test *t = v->test;
    scen_rt *sc = v->sc;
    if (v->due_us) health_sched_lag(&v->w->health, t0 - v->due_us); /* arrival-rate: c6_schedule_lag */
    if (t->latency_correction) lc_begin(&v->lc, t, t0, v->due_us, &v->owed);
    v->due_us = 0;
    v->in_iteration = true;
    v->interrupted = v->stop_req = false;
    v->group[0] = 0;
    v->sc_iter_instance = atomic_fetch_add(&sc->started, 1);
    vm_iter_begin(v, v->iter);
    JSValue r = vm_call(v, v->fn, 1, (JSValueConst *)&v->data);
    v->in_iteration = false;
    if (t->dialer && t->dialer->no_vu_conn_reuse) h1_close_owner(v->w->h1, v->id); /* noVUConnectionReuse */
    v->iter++;
    v->sc_iter++;
    if (JS_IsException(r)) {
        if (vu_cut_off(v)) {
            JS_FreeValue(v->ctx, JS_GetException(v->ctx));
            /* exec.test.abort(): k6 still emits this iteration's samples (its
             * context was not cancelled yet when the function returned, as
             * internal/js/runner.go runFn reads it) but counts it as
             * interrupted (lib/executor/helpers.go getIterationRunner) */
            if (v->aborting) vu_emit_iteration(v, t0, clock_now_ns()); /* ns: a µs end gave -t0/1000 ms */
            v->aborting = false;
            atomic_fetch_add(&t->iters_interrupted, 1);
            atomic_fetch_add(&sc->interrupted, 1);
            return false;
        }
        vu_log_exception(v);
        atomic_fetch_add(&t->iters_failed, 1); /* (the test-run service's error rule) */
    }
    JS_FreeValue(v->ctx, r);
    vu_emit_iteration(v, t0, clock_now_ns());
    atomic_fetch_add(&t->iters_done, 1);
    atomic_fetch_add(&sc->done, 1);
    if (t->min_iter_us > 0) vu_pad_iteration(v, t0);
    return true;
}

static void vu_set_active(vu *v, bool on) {
    if (v->active == on) return;
    v->active = on;
    atomic_fetch_add(&v->test->vus_active, on ? 1 : -1);
    if (v->sc) atomic_fetch_add(&v->sc->vus_active, on ? 1 : -1);
}

/* Sets the VM up for a scenario: its exec function, its __ENV, its tags. */
static void vu_bind(vu *v, scen_rt *sc) {
    const c6_scenario *c = sc->cfg;
    JS_FreeValue(v->ctx, v->fn);
    v->fn = JS_GetPropertyStr(v->ctx, v->ns, c->exec ? c->exec : "default");
    if (c->nenv || (v->bound && v->bound->cfg->nenv)) vm_set_env(v, c->env, c->nenv);
    v->scenario = c->name;
    v->bound = sc;
    v->iter_tags = 0;
}

static void vu_park(vu *v) {
    v->state = VU_IDLE;
    coro_yield(); /* the worker resumes it when it is needed */
    v->state = VU_RUNNING;
}

/* A regular VU's life after init: idle in its worker's pool until a
 * scenario takes it, then iterations as the executor says, until the
 * worker exits. */
static void vu_run_loop(vu *v) {
    while (!v->w->exiting) {
        if (!v->sc) {
            vu_park(v);
            continue;
        }
        int64_t now = clock_now_us(); /* the executor's and the iteration's start */
        enum exec_next n = executor_next_at(v, now);
        vu_set_active(v, n == EXEC_RUN);
        if (n == EXEC_DONE) {
            sched_vu_done(v);
            continue;
        }
        if (n == EXEC_PARK) {
            sched_vu_parked(v);
            vu_park(v);
            continue;
        }
        if (v->bound != v->sc) {
            vu_bind(v, v->sc);
            now = clock_now_us();
        }
        v->waited = false;
        if (!vu_iteration(v, now)) continue;
        /* let the loop and the other VUs run between iterations; one that
         * waited in its iteration let them run then (a wait-free loop still
         * yields each time), and goes on without a round trip through the
         * ready queue (a resume and a yield less an iteration, issue 17) */
        if (v->waited) continue;
        worker_ready(v->w, v);
        v->state = VU_READY;
        coro_yield();
        v->state = VU_RUNNING;
    }
    vu_set_active(v, false);
}

/* handleSummary's result: {stdout: text, stderr: text, "path": text or
 * ArrayBuffer}, each written as k6 does (output/summary_save.c): a file
 * that cannot be written does not stop the others, and is reported once. */
static void vu_write_summary_outputs(vu *v, JSValueConst out) {
    JSContext *ctx = v->ctx;
    JSPropertyEnum *props;
    uint32_t n;
    if (!JS_IsObject(out) || JS_GetOwnPropertyNames(ctx, &props, &n, out, JS_GPN_STRING_MASK | JS_GPN_ENUM_ONLY))
        return;
    buf errs = {0};
    for (uint32_t i = 0; i < n; i++) {
        const char *key = JS_AtomToCString(ctx, props[i].atom);
        JSValue val = JS_GetProperty(ctx, out, props[i].atom);
        size_t len = 0;
        const char *data = NULL, *str = NULL;
        uint8_t *ab = JS_IsObject(val) ? JS_GetArrayBuffer(ctx, &len, val) : NULL;
        if (ab) data = (const char *)ab;
        else {
            JS_FreeValue(ctx, JS_GetException(ctx));
            str = JS_ToCStringLen(ctx, &len, val);
            data = str;
        }
        if (key && data) summary_save(key, data, len, &errs);
        JS_FreeCString(ctx, str);
        JS_FreeCString(ctx, key);
        JS_FreeValue(ctx, val);
    }
    vm_free_props(ctx, props, n);
    summary_save_report(&errs);
    buf_free(&errs);
}

static void vu_run_special(vu *v) {
    c6_test *t = v->test;
    if (!JS_IsFunction(v->ctx, v->fn)) return;
    snprintf(v->group, sizeof v->group, "%s",
             v->role == VU_SETUP      ? "::setup"
             : v->role == VU_TEARDOWN ? "::teardown"
                                      : "");
    v->scenario = NULL;
    v->iter_tags = 0;
    JSValue data = v->role == VU_TEARDOWN  ? vm_from_json(v->ctx, t->setup_json)
                   : v->role == VU_SUMMARY ? vm_from_json(v->ctx, t->summary_json)
                                           : JS_UNDEFINED;
    v->in_iteration = true;
    JSValue r = vm_call(v, v->fn, 1, (JSValueConst *)&data);
    v->in_iteration = false;
    JS_FreeValue(v->ctx, data);
    if (JS_IsException(r)) {
        char *text = vu_exception_text(v->ctx);
        v->error = text ? text : xstrdup("out of memory");
        return;
    }
    if (v->role == VU_SETUP) { /* k6 js/runner.go Setup: Go's JSON of the exported value */
        char err[512], msg[600];
        if (setup_data_json(v->ctx, r, &v->result_json, err, sizeof err)) {
            snprintf(msg, sizeof msg, "error marshaling setup() data to JSON: %s", err);
            v->error = xstrdup(msg);
            v->error_marshal = true;
        }
    }
    if (v->role == VU_SUMMARY) vu_write_summary_outputs(v, r);
    JS_FreeValue(v->ctx, r);
}

/* The VU's init; false (v->error set) when it failed. Its message buffer
 * is on the heap: a VU's stack keeps every page it ever touched, and with
 * 8 KB of buffer in a frame the init's calls below it reached 11 KB deep,
 * a third page for every VU for its whole life (the iterations of
 * bench/scripts/check.js go ~3 KB deep: bench/stack_depth.py; issue 17). */
#define VU_INIT_ERR 8192
static __attribute__((noinline)) bool vu_init(vu *v) {
    char *err = malloc(VU_INIT_ERR);
    if (!err) out_of_memory_exit(); /* as vu_new's callers: a VU that cannot start is not worth unwinding */
    bool ok = vm_create(v, v->test->script, false, err, VU_INIT_ERR) == 0;
    if (!ok) {
        vm_destroy(v); /* what the failed init built (rare: not kept) */
        v->error = xstrdup(err);
    }
    free(err);
    return ok;
}

static void vu_main(void *arg) {
    vu *v = arg;
    v->state = VU_RUNNING;
    if (!vu_init(v)) {
        v->state = VU_DONE;
        return;
    }
    /* setup(), teardown() and handleSummary() run in VUs of their own that
     * k6 does not count: vus_max, exec.instance.vusInitialized */
    if (v->role == VU_REGULAR) atomic_fetch_add(&v->test->vus_initialized, 1);
    v->state = VU_IDLE;
    coro_yield(); /* until the run starts */
    v->state = VU_RUNNING;
    if (v->role == VU_REGULAR) {
        v->data = vm_from_json(v->ctx, v->test->setup_json);
        vu_run_loop(v);
    } else {
        vu_run_special(v);
    }
    /* Freeing a runtime costs about a third of creating it; at the end of
     * the process that is seconds for 10,000 VUs spent returning memory the
     * exit returns anyway. Sanitizer builds (and C6_FREE_VUS=1) free it all
     * so leak checks stay meaningful. */
    if (v->role != VU_REGULAR || vu_free_at_exit()) vm_destroy(v);
    v->state = VU_DONE;
}

bool vu_free_at_exit(void) {
#if defined(C6_ASAN) || defined(__SANITIZE_ADDRESS__)
    return true;
#else
    static int cached = -1;
    if (cached < 0) cached = getenv("C6_FREE_VUS") != NULL;
    return cached;
#endif
}
