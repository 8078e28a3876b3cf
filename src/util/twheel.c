#include "util/twheel.h"

#include <stdlib.h>
#include <string.h>

#define TWHEEL_MASK (TWHEEL_SLOTS - 1)

bool twheel_init(twheel *w, uint64_t now) {
    memset(w, 0, sizeof *w);
    w->slot = calloc(TWHEEL_SLOTS, sizeof *w->slot); /* 128 KB of zero pages: touched as slots are used */
    if (!w->slot) return false;
    w->cursor = now;
    return true;
}

void twheel_free(twheel *w) {
    free(w->slot);
    w->slot = NULL;
}

bool twheel_add(twheel *w, twheel_node *n, uint64_t now, uint64_t due) {
    twheel_del(w, n);
    if (w->n == 0) w->cursor = now; /* empty: the window starts now */
    if (due < w->cursor) due = w->cursor;
    if (due - w->cursor >= TWHEEL_SLOTS) return false;
    size_t s = (size_t)(due & TWHEEL_MASK);
    n->due = due;
    n->next = w->slot[s];
    if (n->next) n->next->pprev = &n->next;
    n->pprev = &w->slot[s];
    w->slot[s] = n;
    w->used[s / 64] |= 1ull << (s % 64);
    w->n++;
    return true;
}

void twheel_del(twheel *w, twheel_node *n) {
    if (!n->pprev) return;
    *n->pprev = n->next;
    if (n->next) n->next->pprev = n->pprev;
    size_t s = (size_t)(n->due & TWHEEL_MASK);
    if (!w->slot[s]) w->used[s / 64] &= ~(1ull << (s % 64));
    n->next = NULL;
    n->pprev = NULL;
    w->n--;
}

/* The first non-empty slot at or after the cursor's, as an offset from it
 * (every node is due within TWHEEL_SLOTS ms of the cursor). */
static bool twheel_scan(const twheel *w, uint64_t *off) {
    if (!w->n) return false;
    size_t start = (size_t)(w->cursor & TWHEEL_MASK);
    for (size_t k = 0; k <= TWHEEL_SLOTS / 64; k++) {
        size_t word = (start / 64 + k) % (TWHEEL_SLOTS / 64);
        uint64_t bits = w->used[word];
        if (k == 0) bits &= ~0ull << (start % 64); /* slots before the cursor's, this lap: later */
        if (bits) {
            size_t s = word * 64 + (size_t)__builtin_ctzll(bits);
            *off = (uint64_t)((s - start) & TWHEEL_MASK);
            return true;
        }
    }
    return false; /* not reached: n > 0 means some bit is set */
}

bool twheel_next(const twheel *w, uint64_t *due) {
    uint64_t off;
    if (!twheel_scan(w, &off)) return false;
    *due = w->cursor + off;
    return true;
}

void twheel_expire(twheel *w, uint64_t now, void (*fire)(twheel_node *n, void *arg), void *arg) {
    uint64_t off;
    while (w->cursor <= now && twheel_scan(w, &off) && w->cursor + off <= now) {
        uint64_t t = w->cursor + off;
        size_t s = (size_t)(t & TWHEEL_MASK);
        w->cursor = t; /* adds from fire() land at t or later: this slot or a later one */
        twheel_node *n;
        while ((n = w->slot[s]) != NULL) {
            twheel_del(w, n);
            fire(n, arg);
        }
    }
    if (now + 1 > w->cursor) w->cursor = now + 1;
}
