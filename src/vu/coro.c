/* Coroutine switch. On x86-64 a few lines of assembly save rbx, rbp, r12-r15,
 * the SSE control word and the x87 control word; elsewhere ucontext is used.
 * Under AddressSanitizer every switch is announced so ASan tracks the stacks.
 *
 * Stacks come from slabs: one mapping holds CORO_SLAB_STACKS of them (issue
 * 17: with a mapping and a guard page per stack, two of the kernel's
 * vm.max_map_count = 65,530 mappings went to each VU and c6 could not go
 * past ~32,000 VUs). A guard page is a PROT_NONE page below a stack, and
 * mprotect on a page inside a mapping splits it: guards cost one mapping per
 * stack wherever they sit (guard, stack, guard, stack ... never merge), so a
 * slab with a guard per stack still costs 2 mappings a stack, one without
 * them 2 per 64 stacks. Measured, 10,000 VUs of a sleeping script: 20,479
 * mappings with guards, 574 without; 45,000 VUs would need 90,000+ with
 * guards, far above the default limit.
 *
 * So there are two modes, chosen once before the VUs are made
 * (coro_set_guards, from what the run needs against what the kernel allows):
 * - guards (the default, and whenever the run's stacks fit twice in the
 *   mappings left): an overflow faults on the guard page, as before;
 * - no guards (runs too big for them): an overflow must still never corrupt
 *   a running VU. What bounds the depth: QuickJS's own limit
 *   (JS_SetMaxStackSize, VM_STACK_LIMIT = 192 KiB of the 256 KiB stack, from
 *   where the VU's runtime is made) turns JS recursion (calls, the parser,
 *   regexps, JSON) into a RangeError, leaving 64 KiB below it for native
 *   code called at that depth; c6's recursive C on a VU stack goes as deep
 *   as a limit on the data (console's 64 levels, SharedArray's 1000,
 *   go-style JSON's max depth, http.batch's 4) or the script's own text (a
 *   selector's combinators, a gjson path, a wildcard): never as deep as a
 *   peer's response makes it. What catches the rest: canary words right below each
 *   stack (at the top of the stack under it, or of the slab's second page),
 *   checked each time a coroutine yields or finishes, before any other VU
 *   of the thread runs; a changed canary ends the process with a message
 *   (abort). The stacks an overflow can reach are its slab's, and a slab
 *   holds one group's stacks (one worker thread's VUs, suspended while the
 *   overflowing one runs), with a guard page at its bottom (a slab is 2
 *   mappings); so no VU ever runs on memory another overwrote. Under ASan
 *   the canary words are poisoned: ASan reports the first write into them. */
#include "vu/coro.h"
#include "util/err.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__) || defined(C6_ASAN)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#define CORO_ASAN 1
#endif

#if !defined(__x86_64__)
#include <ucontext.h>
#endif

struct coro {
#if defined(__x86_64__)
    void *sp;
#else
    ucontext_t uc;
#endif
    coro *caller; /* who to yield back to */
    coro_fn *fn;
    void *arg;
    char *stack; /* lowest usable byte of the stack */
    size_t stack_size;
    uint64_t *canary; /* CORO_CANARY_WORDS right below the stack; NULL with a guard page */
    struct coro_slab *slab;
    unsigned slot;
    bool done;
};

/* ---- slabs ---- */

#define CORO_SLAB_STACKS  64 /* one bit each in a slab's free mask */
#define CORO_CANARY_WORDS 8  /* 64 bytes at the top of each slot and of a slab's first page */

typedef struct coro_slab {
    struct coro_slab *prev, *next;
    const void *group; /* coro_new's: only its coroutines share the slab */
    char *map;
    size_t map_size;
    size_t slot_size;  /* guard page (if any) + stack + canary */
    size_t stack_size; /* a slot's stack and canary: what coro_new was asked for and 64 bytes, in pages */
    uint64_t free;     /* bit i: slot i is free */
    uint64_t usable;   /* bit i: slot i has its guard (all of them without guards) */
    bool guards;
} coro_slab;

static pthread_mutex_t slab_lock = PTHREAD_MUTEX_INITIALIZER;
static coro_slab *slabs; /* slabs with a free slot first, full ones after */
static bool slab_guards = true;

void coro_set_guards(bool on) {
    pthread_mutex_lock(&slab_lock);
    slab_guards = on;
    pthread_mutex_unlock(&slab_lock);
}

/* The canary value for the words at w: the address mixed in, so that a
 * copy of one slot's canary elsewhere does not pass for another's. */
static uint64_t canary_value(const uint64_t *w) { return 0x9e3779b97f4a7c15ULL ^ (uint64_t)(uintptr_t)w; }

#ifdef CORO_ASAN
#define CANARY_NO_ASAN __attribute__((no_sanitize_address))
#else
#define CANARY_NO_ASAN
#endif

static CANARY_NO_ASAN void canary_set(uint64_t *w) {
#ifdef CORO_ASAN
    __asan_unpoison_memory_region(w, CORO_CANARY_WORDS * sizeof *w);
#endif
    for (int i = 0; i < CORO_CANARY_WORDS; i++) w[i] = canary_value(&w[i]);
#ifdef CORO_ASAN
    __asan_poison_memory_region(w, CORO_CANARY_WORDS * sizeof *w);
#endif
}

static CANARY_NO_ASAN bool canary_ok(const uint64_t *w) {
    uint64_t diff = 0;
    for (int i = 0; i < CORO_CANARY_WORDS; i++) diff |= w[i] ^ canary_value(&w[i]);
    return diff == 0;
}

/* Out of line: with guard pages (c->canary NULL) a switch pays one test. */
static __attribute__((noinline, cold)) void canary_check_slow(const coro *c) {
    if (canary_ok(c->canary)) return;
    /* the memory below this stack was written: the neighbour VU's stack may
     * be corrupted too; nothing may run on it */
    fprintf(stderr,
            "c6: a VU overflowed its %zu KiB stack (a native function recursed too deep); "
            "stopping before memory it overwrote is used\n",
            c->stack_size >> 10);
    abort();
}

static inline void canary_check(const coro *c) {
    if (c->canary) canary_check_slow(c);
}

/* Without guards a slab starts with a guard page (its only split: 2
 * mappings a slab) and a page whose top holds the canary under slot 0; an
 * overflow thus stays within the slab, whose stacks are all its group's. */
static size_t slab_head(bool guards) { return guards ? 0 : 2 * (size_t)getpagesize(); }

static coro_slab *slab_new(const void *group, size_t stack_size, bool guards) {
    size_t page = (size_t)getpagesize();
    size_t slot = stack_size + (guards ? page : 0), head = slab_head(guards);
    size_t len = head + slot * CORO_SLAB_STACKS;
    coro_slab *sl = calloc(1, sizeof *sl);
    if (!sl) return NULL;
    sl->map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (sl->map == MAP_FAILED) {
        free(sl);
        return NULL;
    }
    sl->group = group;
    sl->map_size = len;
    sl->slot_size = slot;
    sl->stack_size = stack_size;
    sl->free = sl->usable = ~(uint64_t)0;
    sl->guards = guards;
    if (!guards && mprotect(sl->map, page, PROT_NONE) != 0) {
        munmap(sl->map, len);
        free(sl);
        return NULL;
    }
    for (unsigned i = 0; guards && i < CORO_SLAB_STACKS; i++) {
        /* the guard splits the mapping: this fails when vm.max_map_count is
         * reached; the slots guarded so far are kept (the mappings they
         * took are used, as with a mapping a stack) */
        if (mprotect(sl->map + (size_t)i * slot, page, PROT_NONE) != 0) {
            if (i == 0) {
                munmap(sl->map, len);
                free(sl);
                return NULL;
            }
            sl->free = sl->usable = ((uint64_t)1 << i) - 1;
            break;
        }
    }
    /* the canaries: under slot 0 at the top of the head, under slot i + 1
     * at the top of slot i (a page each that the stacks touch anyway) */
    for (unsigned i = 0; !guards && i <= CORO_SLAB_STACKS; i++)
        canary_set((uint64_t *)(sl->map + head + (size_t)i * slot) - CORO_CANARY_WORDS);
    return sl;
}

static void slab_unlink(coro_slab *sl) {
    if (sl->prev) sl->prev->next = sl->next;
    else slabs = sl->next;
    if (sl->next) sl->next->prev = sl->prev;
    sl->prev = sl->next = NULL;
}

static void slab_push_front(coro_slab *sl) {
    sl->next = slabs;
    if (slabs) slabs->prev = sl;
    slabs = sl;
}

static void slab_push_back(coro_slab *sl) {
    coro_slab **at = &slabs, *last = NULL;
    while (*at) {
        last = *at;
        at = &(*at)->next;
    }
    sl->prev = last;
    *at = sl;
}

/* A free slot of stack_size for c (stack, size, canary, slab, slot set);
 * false when out of memory or mappings. Full slabs are kept at the tail of
 * the list, so the head has room unless every slab is full. */
static bool slab_take(coro *c, const void *group, size_t stack_size) {
    size_t page = (size_t)getpagesize();
    pthread_mutex_lock(&slab_lock);
    coro_slab *sl = slabs;
    while (sl && (!sl->free || sl->group != group || sl->stack_size != stack_size || sl->guards != slab_guards))
        sl = sl->next;
    if (!sl) {
        sl = slab_new(group, stack_size, slab_guards);
        if (!sl) {
            pthread_mutex_unlock(&slab_lock);
            return false;
        }
        slab_push_front(sl);
    }
    unsigned i = (unsigned)__builtin_ctzll(sl->free);
    sl->free &= ~((uint64_t)1 << i);
    if (!sl->free) { /* full: to the tail */
        slab_unlink(sl);
        slab_push_back(sl);
    }
    pthread_mutex_unlock(&slab_lock);
    char *slot = sl->map + slab_head(sl->guards) + (size_t)i * sl->slot_size;
    c->slab = sl;
    c->slot = i;
    c->stack = slot + (sl->guards ? page : 0);
    c->stack_size = stack_size - CORO_CANARY_WORDS * sizeof(uint64_t);
    if (!sl->guards) c->canary = (uint64_t *)c->stack - CORO_CANARY_WORDS;
#ifdef CORO_ASAN
    __asan_unpoison_memory_region(c->stack, c->stack_size); /* a previous coroutine's frames */
#endif
    return true;
}

static void slab_give(coro *c) {
    coro_slab *sl = c->slab;
    pthread_mutex_lock(&slab_lock);
    bool was_full = !sl->free;
    sl->free |= (uint64_t)1 << c->slot;
    if (sl->free == sl->usable) { /* empty: back to the kernel */
        slab_unlink(sl);
        munmap(sl->map, sl->map_size);
        free(sl);
    } else if (was_full) {
        slab_unlink(sl);
        slab_push_front(sl);
    }
    pthread_mutex_unlock(&slab_lock);
}

static _Thread_local coro *coro_running; /* NULL = thread's own stack */
static _Thread_local coro *coro_main_ctx;

#if defined(__x86_64__)
void c6_coro_switch(void **save_sp, void *load_sp);
void c6_coro_entry(void);
__asm__(".text\n"
        ".globl c6_coro_switch\n"
        ".type c6_coro_switch,@function\n"
        "c6_coro_switch:\n"
        "    pushq %rbp\n"
        "    pushq %rbx\n"
        "    pushq %r12\n"
        "    pushq %r13\n"
        "    pushq %r14\n"
        "    pushq %r15\n"
        "    subq $8, %rsp\n"
        "    stmxcsr (%rsp)\n"
        "    fnstcw 4(%rsp)\n"
        "    movq %rsp, (%rdi)\n"
        "    movq %rsi, %rsp\n"
        "    ldmxcsr (%rsp)\n"
        "    fldcw 4(%rsp)\n"
        "    addq $8, %rsp\n"
        "    popq %r15\n"
        "    popq %r14\n"
        "    popq %r13\n"
        "    popq %r12\n"
        "    popq %rbx\n"
        "    popq %rbp\n"
        "    ret\n"
        ".size c6_coro_switch, .-c6_coro_switch\n"
        ".globl c6_coro_entry\n"
        ".type c6_coro_entry,@function\n"
        "c6_coro_entry:\n"
        "    movq %r13, %rdi\n"
        "    callq *%r12\n"
        "    ud2\n"
        ".size c6_coro_entry, .-c6_coro_entry\n");
#endif

static void coro_trampoline(void *arg);

#ifdef CORO_ASAN
static _Thread_local void *asan_fake;
static void asan_before(coro *to) {
    if (to == coro_main_ctx) __sanitizer_start_switch_fiber(&asan_fake, 0, 0); /* bounds unknown: thread stack */
    else __sanitizer_start_switch_fiber(&asan_fake, to->stack, to->stack_size);
}
static void asan_after(void) { __sanitizer_finish_switch_fiber(asan_fake, 0, 0); }
#else
static void asan_before(coro *to) { (void)to; }
static void asan_after(void) {}
#endif

static void coro_switch(coro *from, coro *to) {
    coro_running = to == coro_main_ctx ? NULL : to;
    asan_before(to);
#if defined(__x86_64__)
    c6_coro_switch(&from->sp, to->sp);
#else
    swapcontext(&from->uc, &to->uc);
#endif
    asan_after();
}

coro *coro_thread_init(void) {
    coro *self = xcalloc(1, sizeof *self); /* once per worker thread */
    coro_main_ctx = self;
    coro_running = NULL;
    return self;
}

void coro_thread_free(coro *self) {
    if (coro_main_ctx == self) coro_main_ctx = NULL;
    free(self);
}

static void coro_trampoline(void *arg) {
    coro *c = arg;
    asan_after();
    c->fn(c->arg);
    canary_check(c);
    c->done = true;
    coro_switch(c, c->caller);
    abort(); /* a finished coroutine is never resumed */
}

#if !defined(__x86_64__)
static void coro_uc_entry(unsigned hi, unsigned lo) {
    coro_trampoline((void *)(((uintptr_t)hi << 32) | (uintptr_t)lo));
}
#endif

coro *coro_new(const void *group, size_t stack_size, coro_fn *fn, void *arg) {
    size_t page = (size_t)getpagesize();
    coro *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    /* the whole size asked for is usable, the canary above it */
    size_t need = stack_size + CORO_CANARY_WORDS * sizeof(uint64_t);
    if (!slab_take(c, group, ((need + page - 1) / page) * page)) {
        free(c);
        return NULL;
    }
    c->fn = fn;
    c->arg = arg;
#if defined(__x86_64__)
    /* Initial frame as c6_coro_switch expects to pop it: control words, six
     * registers (r12 = entry fn, r13 = its argument), then the return address. */
    uintptr_t top = ((uintptr_t)(c->stack + c->stack_size)) & ~(uintptr_t)15;
    uint64_t *sp = (uint64_t *)(top - 16); /* slot+8 is 16-aligned at entry */
    *--sp = (uint64_t)(uintptr_t)c6_coro_entry;
    *--sp = 0;                                    /* rbp */
    *--sp = 0;                                    /* rbx */
    *--sp = (uint64_t)(uintptr_t)coro_trampoline; /* r12 */
    *--sp = (uint64_t)(uintptr_t)c;               /* r13 */
    *--sp = 0;                                    /* r14 */
    *--sp = 0;                                    /* r15 */
    uint32_t mxcsr;
    uint16_t fpucw;
    __asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
    __asm__ volatile("fnstcw %0" : "=m"(fpucw));
    *--sp = (uint64_t)mxcsr | ((uint64_t)fpucw << 32);
    c->sp = sp;
#else
    getcontext(&c->uc);
    c->uc.uc_stack.ss_sp = c->stack;
    c->uc.uc_stack.ss_size = c->stack_size;
    c->uc.uc_link = NULL;
    uintptr_t p = (uintptr_t)c;
    makecontext(&c->uc, (void (*)(void))coro_uc_entry, 2, (unsigned)(p >> 32), (unsigned)p);
#endif
    return c;
}

/* The stack a resumed VU touches, measured (check.js at 200 VUs: its stack
 * filled with a pattern below the saved sp and copied above it before each
 * resume, compared after): it yields from http.get or sleep() with its
 * saved sp 1.3-1.5 KB below the top of its stack (vu_main, vu_iteration,
 * vm_call, JS_CallInternal's frame of the default function, the native
 * call, coro_yield), returns through all of it and calls down again: after
 * a sleep 20 lines written, none more than ~450 B below the saved sp (the
 * next iteration up to http.get's yield); after a response 31, down to
 * ~1.5 KB below it (http_hop_finish, http_emit, the tags, check(), then
 * sleep()). Asked for: the frames above the sp (at most CORO_PF_ABOVE: a
 * VU that yields deeper needs those near its sp first) and CORO_PF_BELOW
 * under it, ~29 lines, with write intent (most are written). Side by side
 * at 10,000 VUs (4-6 windows each order): 512 below beat 2048 (the window
 * before, ~54 prefetches that stalled on the miss buffers: perf had 86 %
 * of this function's samples right after a prefetch) by ~0.5 us an
 * iteration, and no prefetch of the stack by ~0.3 us; 1536 (the response
 * path's lower frames too) did no better than 2048. Both kinds of resume
 * are cold at 10,000 VUs: a sleep lets all the others run, and a response
 * comes after ~100-4,000 other VUs ran (measured), more than L2 holds. */
#define CORO_PF_ABOVE 2048
#define CORO_PF_BELOW 512

void coro_prefetch_head(const coro *c) { __builtin_prefetch(c); }

void coro_prefetch_stack(const coro *c) {
#if defined(__x86_64__)
    uintptr_t sp = (uintptr_t)c->sp, lo = (uintptr_t)c->stack, hi = lo + c->stack_size;
    uintptr_t a = sp - lo > CORO_PF_BELOW ? sp - CORO_PF_BELOW : lo;
    uintptr_t b = hi - sp > CORO_PF_ABOVE ? sp + CORO_PF_ABOVE : hi;
    for (uintptr_t q = a & ~(uintptr_t)63; q < b; q += 64) __builtin_prefetch((const void *)q, 1);
#endif
    if (c->canary) __builtin_prefetch(c->canary);
}

void coro_free(coro *c) {
    if (!c) return;
    canary_check(c);
    slab_give(c);
    free(c);
}

void coro_resume(coro *c) {
    coro *from = coro_running ? coro_running : coro_main_ctx;
    c->caller = from;
    coro_switch(from, c);
}

void coro_yield(void) {
    coro *self = coro_running;
    canary_check(self); /* a VU leaves its stack only here and when it ends */
    coro_switch(self, self->caller);
}

bool coro_done(const coro *c) { return c->done; }
coro *coro_current(void) { return coro_running; }
void *coro_stack_base(const coro *c) { return c->stack; }
