/* Coroutine switch. On x86-64 a few lines of assembly save rbx, rbp, r12-r15,
 * the SSE control word and the x87 control word; elsewhere ucontext is used.
 * Under AddressSanitizer every switch is announced so ASan tracks the stacks. */
#include "vu/coro.h"
#include "util/err.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__) || defined(C6_ASAN)
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
    char *map; /* mmap'd region: guard page + stack */
    size_t map_size;
    bool done;
};

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
    else __sanitizer_start_switch_fiber(&asan_fake, to->map + getpagesize(), to->map_size - getpagesize());
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
    c->done = true;
    coro_switch(c, c->caller);
    abort(); /* a finished coroutine is never resumed */
}

#if !defined(__x86_64__)
static void coro_uc_entry(unsigned hi, unsigned lo) {
    coro_trampoline((void *)(((uintptr_t)hi << 32) | (uintptr_t)lo));
}
#endif

coro *coro_new(size_t stack_size, coro_fn *fn, void *arg) {
    size_t page = (size_t)getpagesize();
    coro *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->map_size = ((stack_size + page - 1) / page) * page + page;
    c->map = mmap(NULL, c->map_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (c->map == MAP_FAILED) {
        free(c);
        return NULL;
    }
    /* guard page: overflow faults, never corrupts (it splits the mapping in
     * two: this fails when vm.max_map_count is reached) */
    if (mprotect(c->map, page, PROT_NONE) != 0) {
        munmap(c->map, c->map_size);
        free(c);
        return NULL;
    }
    c->fn = fn;
    c->arg = arg;
#if defined(__x86_64__)
    /* Initial frame as c6_coro_switch expects to pop it: control words, six
     * registers (r12 = entry fn, r13 = its argument), then the return address. */
    uintptr_t top = ((uintptr_t)(c->map + c->map_size)) & ~(uintptr_t)15;
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
    c->uc.uc_stack.ss_sp = c->map + page;
    c->uc.uc_stack.ss_size = c->map_size - page;
    c->uc.uc_link = NULL;
    uintptr_t p = (uintptr_t)c;
    makecontext(&c->uc, (void (*)(void))coro_uc_entry, 2, (unsigned)(p >> 32), (unsigned)p);
#endif
    return c;
}

void coro_free(coro *c) {
    if (!c) return;
    munmap(c->map, c->map_size);
    free(c);
}

void coro_resume(coro *c) {
    coro *from = coro_running ? coro_running : coro_main_ctx;
    c->caller = from;
    coro_switch(from, c);
}

void coro_yield(void) {
    coro *self = coro_running;
    coro_switch(self, self->caller);
}

bool coro_done(const coro *c) { return c->done; }
coro *coro_current(void) { return coro_running; }
void *coro_stack_base(const coro *c) { return c->map + getpagesize(); }
