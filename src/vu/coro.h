/* Stackful coroutines: each VU runs on its own stack, carved from slabs of
 * 64 stacks a mapping (coro.c says how overflows are caught); a switch saves
 * only callee-saved registers (no signal mask syscall as swapcontext does). */
#ifndef C6_CORO_H
#define C6_CORO_H
#include <stddef.h>
#include <stdbool.h>

typedef struct coro coro;
typedef void coro_fn(void *arg);

/* The thread's own context (the scheduler) that coroutines yield back to. */
coro *coro_thread_init(void);
void coro_thread_free(coro *self);

/* Whether the stacks made from now on get a guard page each (the default):
 * a guard costs one of the kernel's vm.max_map_count mappings per stack,
 * without it a slab of 64 stacks costs one (see coro.c). Set before the VUs
 * are made. */
void coro_set_guards(bool on);
/* The mappings n stacks cost, with and without guards (for the capacity
 * check; a slab's unused slots and its head included). */
#define CORO_MAPS_WITH_GUARDS(n)    (2 * (n) + 2 * 64)
#define CORO_MAPS_WITHOUT_GUARDS(n) (2 * ((n) / 64 + 1))

/* A coroutine with a stack of `stack_size` bytes (plus a guard page) that will
 * call fn(arg) on its first resume. When fn returns the coroutine is done and
 * control goes back to whoever resumed it last. Stacks share slabs only
 * within a group (the worker thread that runs them; any pointer): without
 * guard pages a neighbour an overflow reaches is never running meanwhile. */
coro *coro_new(const void *group, size_t stack_size, coro_fn *fn, void *arg);
void coro_free(coro *c);

/* Switches from the scheduler into c; returns when c yields or finishes. */
void coro_resume(coro *c);
/* Switches from the running coroutine back to the scheduler that resumed it. */
void coro_yield(void);
bool coro_done(const coro *c);
/* Hints that c is resumed soon (a VU's stack and its coroutine are cold after
 * a sleep): coro_prefetch_head starts loading c itself; coro_prefetch_stack,
 * called once c is in cache, the stack around where c stopped and the line
 * coro_yield checks. Nothing is read but c; nothing changes. */
void coro_prefetch_head(const coro *c);
void coro_prefetch_stack(const coro *c);
/* The running coroutine, or NULL on the scheduler's stack. */
coro *coro_current(void);
/* Lowest usable address and size of c's stack (QuickJS needs its limits). */
void *coro_stack_base(const coro *c);

#endif
