/* Stackful coroutines: ping-pong, completion, many live stacks, deep
 * recursion, floating point state, nesting, the guard page; all of it
 * again with stacks without guard pages (coro_set_guards(false), for runs
 * beyond vm.max_map_count), whose overflows the canary catches, and the
 * mappings each mode costs. */
#include <fenv.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "vu/coro.h"

#define STACK (256 * 1024)

static coro *self_ctx;

static int setup(void **state) {
    (void)state;
    coro_set_guards(true);
    self_ctx = coro_thread_init();
    return self_ctx ? 0 : -1;
}

static int setup_unguarded(void **state) {
    (void)state;
    coro_set_guards(false);
    self_ctx = coro_thread_init();
    return self_ctx ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    coro_thread_free(self_ctx);
    return 0;
}

/* ---- ping-pong through a shared variable ---- */

static volatile long shared;
static coro *pp_self;
static int pp_bad;

static void pingpong_fn(void *arg) {
    long rounds = *(long *)arg;
    for (long i = 0; i < rounds; i++) {
        if (coro_current() != pp_self) pp_bad++;
        if (shared != i) pp_bad++; /* main wrote i */
        shared = i * 3 + 1;        /* answer */
        coro_yield();
    }
    shared = -1;
}

static void test_pingpong(void **state) {
    (void)state;
    long rounds = 10000;
    pp_bad = 0;
    coro *c = coro_new(NULL, STACK, pingpong_fn, &rounds);
    assert_non_null(c);
    pp_self = c;
    assert_null(coro_current());
    assert_false(coro_done(c));
    for (long i = 0; i < rounds; i++) {
        shared = i;
        coro_resume(c);
        assert_int_equal(shared, i * 3 + 1);
        assert_false(coro_done(c));
        assert_null(coro_current()); /* back on the thread's own stack */
    }
    coro_resume(c); /* leaves the loop and returns */
    assert_int_equal(shared, -1);
    assert_true(coro_done(c));
    assert_int_equal(pp_bad, 0);
    coro_free(c);
}

/* ---- completion ---- */

typedef struct steps {
    int n;
    int before_return;
} steps;

static void three_steps(void *arg) {
    steps *s = arg;
    s->n = 1;
    coro_yield();
    s->n = 2;
    coro_yield();
    s->n = 3;
    s->before_return = 1;
}

static void test_done(void **state) {
    (void)state;
    steps s = {0, 0};
    coro *c = coro_new(NULL, STACK, three_steps, &s);
    assert_non_null(c);
    assert_int_equal(s.n, 0); /* fn only runs on the first resume */
    coro_resume(c);
    assert_int_equal(s.n, 1);
    assert_false(coro_done(c));
    coro_resume(c);
    assert_int_equal(s.n, 2);
    assert_false(coro_done(c));
    coro_resume(c);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.before_return, 1);
    assert_true(coro_done(c));
    coro_free(c);
    coro_free(NULL);
}

static void returns_at_once(void *arg) { *(int *)arg = 42; }

static void test_done_without_yield(void **state) {
    (void)state;
    int v = 0;
    coro *c = coro_new(NULL, STACK, returns_at_once, &v);
    assert_non_null(c);
    coro_resume(c);
    assert_int_equal(v, 42);
    assert_true(coro_done(c));
    coro_free(c);
}

/* ---- many live coroutines, each with its own stack ---- */

#define MANY  1000
#define LOCAL 2048

typedef struct many_arg {
    int idx;
    coro *c;
    uintptr_t local; /* address of the local array on the coroutine's stack */
    uintptr_t frame; /* many_fn's frame address */
    int ok_rounds;
} many_arg;

static unsigned char pattern(int idx, int round, int i) { return (unsigned char)(idx * 31 + round * 7 + i); }

static void many_fn(void *arg) {
    many_arg *a = arg;
    volatile unsigned char local[LOCAL];
    a->local = (uintptr_t)local;
    /* the frame, not the array: under ASan's detect_stack_use_after_return
     * arrays live in a heap "fake stack", frames stay on the real one */
    a->frame = (uintptr_t)__builtin_frame_address(0);
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < LOCAL; i++) local[i] = pattern(a->idx, round, i);
        coro_yield();
        int ok = 1;
        for (int i = 0; i < LOCAL; i++)
            if (local[i] != pattern(a->idx, round, i)) ok = 0;
        a->ok_rounds += ok;
    }
}

static void test_many_stacks(void **state) {
    (void)state;
    many_arg *a = calloc(MANY, sizeof *a);
    for (int i = 0; i < MANY; i++) {
        a[i].idx = i;
        a[i].c = coro_new(NULL, STACK, many_fn, &a[i]);
        assert_non_null(a[i].c);
    }
    for (int i = 0; i < MANY; i++) coro_resume(a[i].c); /* all alive at once */
    for (int round = 0; round < 3; round++) {
        /* every stack still holds its own pattern, and lies inside its own map */
        for (int i = 0; i < MANY; i++) {
            uintptr_t base = (uintptr_t)coro_stack_base(a[i].c);
            assert_true(a[i].frame > base && a[i].frame < base + STACK + (uintptr_t)getpagesize());
            const unsigned char *local = (const unsigned char *)a[i].local;
            for (int k = 0; k < LOCAL; k += 97) assert_int_equal(local[k], pattern(i, round, k));
            for (int j = i + 1; j < MANY && j < i + 3; j++) assert_int_not_equal(a[i].local, a[j].local);
        }
        /* resume in a scrambled order */
        for (int k = 0; k < MANY; k++) {
            int i = (int)(((long)k * 389) % MANY);
            assert_false(coro_done(a[i].c));
            coro_resume(a[i].c);
        }
    }
    for (int i = 0; i < MANY; i++) {
        assert_true(coro_done(a[i].c));
        assert_int_equal(a[i].ok_rounds, 3);
        coro_free(a[i].c);
    }
    free(a);
}

/* ---- deep recursion ---- */

static uintptr_t deepest;

static __attribute__((noinline)) uint64_t recurse(int depth) {
    /* alloca: always on the real stack, even with ASan's fake stacks */
    volatile unsigned char *buf = __builtin_alloca(256);
    for (int i = 0; i < 256; i++) buf[i] = (unsigned char)(depth + i);
    if ((uintptr_t)buf < deepest) deepest = (uintptr_t)buf;
    uint64_t below = depth ? recurse(depth - 1) : 0;
    if (depth % 50 == 0) coro_yield(); /* switching out from deep inside */
    uint64_t sum = below;
    for (int i = 0; i < 256; i++) sum += buf[i];
    return sum;
}

typedef struct deep_arg {
    int depth;
    uint64_t result;
    uintptr_t top;
} deep_arg;

static void deep_fn(void *arg) {
    deep_arg *d = arg;
    d->top = (uintptr_t)__builtin_frame_address(0);
    deepest = UINTPTR_MAX;
    d->result = recurse(d->depth);
}

static void test_deep_recursion(void **state) {
    (void)state;
    deep_arg d = {400, 0, 0};
    coro *c = coro_new(NULL, STACK, deep_fn, &d);
    assert_non_null(c);
    int yields = 0;
    while (!coro_done(c)) {
        coro_resume(c);
        yields++;
    }
    assert_int_equal(yields, 400 / 50 + 1 + 1); /* depths 0,50,...,400 then the return */
    uint64_t want = 0;
    for (int depth = 0; depth <= 400; depth++)
        for (int i = 0; i < 256; i++) want += (unsigned char)(depth + i);
    assert_int_equal(d.result, want);
    /* it really used a good part of the stack, all inside the coroutine's map */
    uintptr_t base = (uintptr_t)coro_stack_base(c);
    assert_true(d.top - deepest > 100 * 1024);
    assert_true(deepest >= base && d.top < base + STACK + (uintptr_t)getpagesize());
    coro_free(c);
}

/* ---- floating point state ---- */

/* volatile operands: every division is done at run time, in the current mode.
 * 1/3 rounds down to nearest (so FE_UPWARD changes it), 1/10 rounds up to
 * nearest (so FE_DOWNWARD changes it). */
static volatile double one = 1.0, three = 3.0, ten = 10.0;
static double third_nearest, tenth_nearest;
static int fp_bad;

static double sum_sqrt(int from, int to) {
    double s = 0;
    for (int i = from; i < to; i++) s += sqrt((double)i) * 1.000001;
    return s;
}

static void fp_fn(void *arg) {
    (void)arg;
    /* values in registers across switches */
    double acc = 0, prod = 1.0;
    for (int r = 0; r < 100; r++) {
        acc += sum_sqrt(r * 10, r * 10 + 10);
        prod *= 1.0001;
        coro_yield();
    }
    double want_acc = 0; /* the same sums in the same order, without switches */
    for (int r = 0; r < 100; r++) want_acc += sum_sqrt(r * 10, r * 10 + 10);
    if (acc != want_acc) fp_bad |= 1;
    double want_prod = 1.0;
    for (int r = 0; r < 100; r++) want_prod *= 1.0001;
    if (prod != want_prod) fp_bad |= 2;
    /* this context rounds upwards; the scheduler keeps its own mode */
    if (fesetround(FE_UPWARD) != 0) fp_bad |= 4;
    double up = one / three;
    if (!(up > third_nearest)) fp_bad |= 8;
    coro_yield();
    if (fegetround() != FE_UPWARD) fp_bad |= 16;  /* x87 control word */
    if (one / three != up) fp_bad |= 32;          /* SSE MXCSR */
    if (one / ten != tenth_nearest) fp_bad |= 64; /* not the scheduler's FE_DOWNWARD */
    coro_yield();
    if (fegetround() != FE_UPWARD) fp_bad |= 128;
    fesetround(FE_TONEAREST);
}

static void test_fp_state(void **state) {
    (void)state;
    fp_bad = 0;
    assert_int_equal(fegetround(), FE_TONEAREST);
    third_nearest = one / three;
    tenth_nearest = one / ten;
    coro *c = coro_new(NULL, STACK, fp_fn, NULL);
    assert_non_null(c);
    double mine = 0;
    for (int r = 0; r < 100; r++) {
        coro_resume(c);
        mine += cos((double)r) * 0.5; /* the scheduler's own live doubles */
    }
    double want = 0;
    for (int r = 0; r < 100; r++) want += cos((double)r) * 0.5;
    assert_true(mine == want);
    coro_resume(c); /* the coroutine switched to FE_UPWARD */
    assert_int_equal(fegetround(), FE_TONEAREST);
    assert_true(one / three == third_nearest);
    fesetround(FE_DOWNWARD); /* and the scheduler changes its own */
    double down = one / ten;
    assert_true(down < tenth_nearest);
    coro_resume(c);
    assert_int_equal(fegetround(), FE_DOWNWARD);
    assert_true(one / ten == down);
    fesetround(FE_TONEAREST);
    coro_resume(c);
    assert_true(coro_done(c));
    assert_int_equal(fp_bad, 0);
    assert_int_equal(fegetround(), FE_TONEAREST);
    coro_free(c);
}

/* ---- a coroutine resuming another one ---- */

typedef struct nest {
    coro *inner;
    coro *outer;
    int log[8];
    int n;
    int bad;
} nest;

static void inner_fn(void *arg) {
    nest *x = arg;
    if (coro_current() != x->inner) x->bad++;
    x->log[x->n++] = 2;
    coro_yield(); /* back to outer, not to main */
    if (coro_current() != x->inner) x->bad++;
    x->log[x->n++] = 4;
}

static void outer_fn(void *arg) {
    nest *x = arg;
    x->log[x->n++] = 1;
    coro_resume(x->inner);
    if (coro_current() != x->outer) x->bad++;
    x->log[x->n++] = 3;
    coro_yield();          /* to main */
    coro_resume(x->inner); /* inner finishes: back here */
    if (!coro_done(x->inner)) x->bad++;
    x->log[x->n++] = 5;
}

static void test_nested(void **state) {
    (void)state;
    nest x;
    memset(&x, 0, sizeof x);
    x.inner = coro_new(NULL, STACK, inner_fn, &x);
    x.outer = coro_new(NULL, STACK, outer_fn, &x);
    assert_non_null(x.inner);
    assert_non_null(x.outer);
    coro_resume(x.outer);
    assert_int_equal(x.n, 3);
    assert_null(coro_current());
    coro_resume(x.outer);
    assert_true(coro_done(x.outer));
    assert_true(coro_done(x.inner));
    static const int want[] = {1, 2, 3, 4, 5};
    assert_int_equal(x.n, 5);
    assert_memory_equal(x.log, want, sizeof want);
    assert_int_equal(x.bad, 0);
    coro_free(x.inner);
    coro_free(x.outer);
}

/* ---- stack bounds and guard page ---- */

static void where_fn(void *arg) { *(uintptr_t *)arg = (uintptr_t)__builtin_frame_address(0); }

static void test_stack_bounds(void **state) {
    (void)state;
    static const size_t sizes[] = {4096, 10000, 65536, STACK};
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        uintptr_t addr = 0;
        coro *c = coro_new(NULL, sizes[k], where_fn, &addr);
        assert_non_null(c);
        coro_resume(c);
        uintptr_t base = (uintptr_t)coro_stack_base(c);
        assert_int_equal(base % (uintptr_t)getpagesize(), 0);
        assert_true(addr > base && addr < base + sizes[k] + (uintptr_t)getpagesize());
        /* the whole requested size is usable */
        memset((void *)base, 0xab, sizes[k]);
        coro_free(c);
    }
}

static void test_guard_page(void **state) {
    (void)state;
    coro *c = coro_new(NULL, STACK, returns_at_once, &(int){0});
    assert_non_null(c);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* quiet the child: a crash report is expected */
        if (!freopen("/dev/null", "w", stderr)) _exit(3);
        signal(SIGSEGV, SIG_DFL); /* cmocka's handler would carry on the tests here */
        signal(SIGBUS, SIG_DFL);
        volatile char *below = (volatile char *)coro_stack_base(c) - 1;
        *below = 1; /* the guard page: must fault */
        _exit(0);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    /* SIGSEGV, or ASan's SEGV report with a failing exit code */
    int faulted = (WIFSIGNALED(status) && (WTERMSIG(status) == SIGSEGV || WTERMSIG(status) == SIGBUS)) ||
                  (WIFEXITED(status) && WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != 3);
    assert_true(faulted);
    coro_free(c);
}

/* ---- without guard pages: the canary ---- */

static void overflow_fn(void *arg) {
    (void)arg;
    /* what a native function recursing past the end of the stack does: it
     * writes below the stack, into the top of the stack under it */
    volatile uint64_t *below = (volatile uint64_t *)coro_stack_base(coro_current()) - 1;
    *below = 0x1234;
    coro_yield(); /* the check: the process ends before anything else runs */
    _exit(4);
}

static void test_overflow_caught(void **state) {
    (void)state;
    /* a neighbour underneath: the overflow lands on the canary above its stack */
    coro *under = coro_new(NULL, STACK, returns_at_once, &(int){0});
    coro *c = coro_new(NULL, STACK, overflow_fn, NULL);
    assert_non_null(under);
    assert_non_null(c);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stderr)) _exit(3);
        signal(SIGABRT, SIG_DFL);
        coro_resume(c);
        _exit(0); /* not caught */
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    /* abort() after the message, or ASan's report of the write to the
     * (poisoned) canary with a failing exit code */
    int caught =
        (WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT) ||
        (WIFEXITED(status) && WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != 3 && WEXITSTATUS(status) != 4);
    assert_true(caught);
    /* the parent's copy is intact: both finish and free cleanly */
    coro_resume(under);
    assert_true(coro_done(under));
    coro_free(under);
    coro_free(c);
}

/* The first stack of a slab (a group of its own: a fresh slab) has the
 * canary page and then the slab's guard page under it: an overflow past the
 * canary faults there, never reaching another group's stacks. */
static void test_slab_bottom_guard(void **state) {
    (void)state;
    static int group;
    coro *c = coro_new(&group, STACK, returns_at_once, &(int){0});
    assert_non_null(c);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stderr)) _exit(3);
        signal(SIGSEGV, SIG_DFL);
        signal(SIGBUS, SIG_DFL);
        volatile char *below = (volatile char *)coro_stack_base(c) - getpagesize() - 1;
        *below = 1;
        _exit(0);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    int faulted = (WIFSIGNALED(status) && (WTERMSIG(status) == SIGSEGV || WTERMSIG(status) == SIGBUS)) ||
                  (WIFEXITED(status) && WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != 3);
    assert_true(faulted);
    coro_free(c);
}

/* /proc/self/maps lines */
static int count_maps(void) {
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f) return -1;
    int n = 0, ch;
    while ((ch = getc(f)) != EOF) n += ch == '\n';
    fclose(f);
    return n;
}

/* 640 stacks: with a guard page each they cost two mappings a stack (the
 * guard splits the slab); without, two per 64 stacks (a slab and the guard
 * page at its bottom). */
static void test_mappings(void **state) {
    (void)state;
    enum { N = 640 };
    coro **cs = calloc(N, sizeof *cs);
    assert_non_null(cs);
    for (int guards = 1; guards >= 0; guards--) {
        coro_set_guards(guards);
        int before = count_maps();
        for (int i = 0; i < N; i++) {
            cs[i] = coro_new(NULL, STACK, returns_at_once, &(int){0});
            assert_non_null(cs[i]);
        }
        int added = count_maps() - before;
        if (guards) assert_true(added >= 2 * N);
        else assert_true(added <= 2 * (N / 64) + 2);
        for (int i = 0; i < N; i++) coro_free(cs[i]);
        assert_true(count_maps() <= before); /* empty slabs go back */
    }
    free(cs);
}

int main(void) {
    const struct CMUnitTest unguarded[] = {
        cmocka_unit_test(test_pingpong),
        cmocka_unit_test(test_done),
        cmocka_unit_test(test_done_without_yield),
        cmocka_unit_test(test_many_stacks),
        cmocka_unit_test(test_deep_recursion),
        cmocka_unit_test(test_fp_state),
        cmocka_unit_test(test_nested),
        cmocka_unit_test(test_stack_bounds),
        cmocka_unit_test(test_overflow_caught),
        cmocka_unit_test(test_slab_bottom_guard),
        cmocka_unit_test(test_mappings),
    };
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pingpong),
        cmocka_unit_test(test_done),
        cmocka_unit_test(test_done_without_yield),
        cmocka_unit_test(test_many_stacks),
        cmocka_unit_test(test_deep_recursion),
        cmocka_unit_test(test_fp_state),
        cmocka_unit_test(test_nested),
        cmocka_unit_test(test_stack_bounds),
        cmocka_unit_test(test_guard_page),
    };
    int failed = cmocka_run_group_tests_name("guard pages", tests, setup, teardown);
    return failed + cmocka_run_group_tests_name("no guard pages", unguarded, setup_unguarded, teardown);
}
