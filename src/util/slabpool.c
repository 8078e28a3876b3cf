/* Records in page-aligned slots of shared mappings (see slabpool.h). */
#include "util/slabpool.h"

#include "util/clock.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define SLABPOOL_MAPPING (512u * 1024) /* bytes a mapping, at least one slot */
#define SLABPOOL_SPARE   32            /* spares kept beyond the records in use */

void slabpool_init(slabpool *p, size_t size) {
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    *p = (slabpool){.size = size, .since_us = clock_now_us(), .window_us = SLABPOOL_WINDOW_US};
    p->slot = (size + page - 1) / page * page;
    p->per_slab = SLABPOOL_MAPPING / p->slot ? SLABPOOL_MAPPING / p->slot : 1;
}

/* Pushes v on a stack of pointers; false when it cannot grow. */
static int slabpool_push(void ***a, size_t *n, size_t *cap, void *v) {
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 64;
        void **na = realloc(*a, nc * sizeof *na);
        if (!na) return -1;
        *a = na;
        *cap = nc;
    }
    (*a)[(*n)++] = v;
    return 0;
}

/* One more mapping, its slots on the cold list (their pages not touched). */
static int slabpool_grow(slabpool *p) {
    size_t len = p->slot * p->per_slab;
    void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return -1;
    /* room on every list first, so that nothing below can fail halfway;
     * the cold list can hold every slot ever mapped */
    size_t want = (p->nslabs + 1) * p->per_slab;
    if (want > p->capcold) {
        void **na = realloc(p->cold, want * sizeof *na);
        if (!na) {
            munmap(m, len);
            return -1;
        }
        p->cold = na;
        p->capcold = want;
    }
    if (slabpool_push(&p->slabs, &p->nslabs, &p->capslabs, m)) {
        munmap(m, len);
        return -1;
    }
    for (size_t i = p->per_slab; i-- > 0;) p->cold[p->ncold++] = (char *)m + i * p->slot;
    return 0;
}

void *slabpool_take(slabpool *p) {
    void *r;
    if (p->nwarm) r = p->warm[--p->nwarm];
    else if (p->ncold || !slabpool_grow(p)) r = p->cold[--p->ncold];
    else return NULL;
    if (++p->inuse > p->peak) p->peak = p->inuse;
    return r;
}

void slabpool_give(slabpool *p, void *rec) {
    p->inuse--;
    if (slabpool_push(&p->warm, &p->nwarm, &p->capwarm, rec)) {
        madvise(rec, p->slot, MADV_DONTNEED); /* no room to keep it: its pages go */
        p->cold[p->ncold++] = rec;
        return;
    }
    if (++p->gives < SLABPOOL_EPOCH) return;
    int64_t now = clock_now_us(); /* once every SLABPOOL_EPOCH gives */
    if (now - p->since_us < p->window_us) {
        p->gives = 0; /* the window goes on: its peak stays */
        return;
    }
    p->since_us = now;
    /* spares beyond the window's peak in use (and a few): their pages go
     * back (read as zero from here); the cold list has room for every slot
     * ever mapped */
    while (p->nwarm + p->inuse > p->peak + SLABPOOL_SPARE && p->nwarm) {
        void *r = p->warm[--p->nwarm];
        madvise(r, p->slot, MADV_DONTNEED);
        p->cold[p->ncold++] = r;
    }
    p->peak = p->inuse;
    p->gives = 0;
}

void slabpool_free(slabpool *p) {
    for (size_t i = 0; i < p->nslabs; i++) munmap(p->slabs[i], p->slot * p->per_slab);
    free(p->slabs);
    free(p->warm);
    free(p->cold);
    *p = (slabpool){.size = p->size,
                    .slot = p->slot,
                    .per_slab = p->per_slab,
                    .since_us = clock_now_us(),
                    .window_us = p->window_us};
}
