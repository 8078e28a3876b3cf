/* A timing wheel of millisecond slots for many short waits (a worker's
 * sleeping VUs). libuv keeps timers in a binary heap whose nodes live in
 * their owners: with 10,000 sleeping VUs each expiry and each start walks
 * ~13 levels of nodes in VUs nobody touched for a second (cache misses on
 * every level). Here a wait is put in the list of the millisecond it is due
 * and taken out when that millisecond comes: O(1), touching the list head
 * and its own node only. The wheel covers TWHEEL_SLOTS ms ahead of its
 * cursor; a longer wait is refused (the caller keeps a libuv timer for it).
 * Pure data structure: the caller arms one timer for twheel_next(). */
#ifndef C6_UTIL_TWHEEL_H
#define C6_UTIL_TWHEEL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TWHEEL_SLOTS 16384 /* ms: waits up to ~16 s go on the wheel */

typedef struct twheel_node {
    struct twheel_node *next, **pprev; /* pprev NULL: not on the wheel */
    uint64_t due;                      /* ms, on the caller's clock */
} twheel_node;

typedef struct twheel {
    twheel_node **slot;               /* TWHEEL_SLOTS list heads */
    uint64_t used[TWHEEL_SLOTS / 64]; /* a bit per non-empty slot */
    uint64_t cursor;                  /* the first ms not expired yet */
    size_t n;                         /* nodes on the wheel */
} twheel;

/* false when out of memory. */
bool twheel_init(twheel *w, uint64_t now);
void twheel_free(twheel *w);
/* Puts n (off the wheel, or taken off first) due at `due` ms; `now` is the
 * clock's ms (never behind an earlier call's). A due before the cursor counts
 * as the cursor's ms. false: `due` is too far ahead, n stays off the wheel. */
bool twheel_add(twheel *w, twheel_node *n, uint64_t now, uint64_t due);
/* Takes n off the wheel (nothing if it is not on it). */
void twheel_del(twheel *w, twheel_node *n);
static inline bool twheel_on(const twheel_node *n) { return n->pprev != NULL; }
/* The earliest due of the nodes on the wheel; false when there are none. */
bool twheel_next(const twheel *w, uint64_t *due);
/* Takes off and passes to fire, in due order, every node due at or before
 * `now`. fire may add and delete nodes (an added one due by `now` fires in
 * this call too, so fire must not keep adding nodes due by `now`). */
void twheel_expire(twheel *w, uint64_t now, void (*fire)(twheel_node *n, void *arg), void *arg);

#endif
