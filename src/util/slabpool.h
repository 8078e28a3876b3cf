/* Fixed-size records for one thread, whose memory goes back to the system
 * when fewer are in use: records live in page-aligned slots of large
 * mappings; a freed record is kept for the next take. Every SLABPOOL_EPOCH
 * gives, the spares beyond the most records in use at once during those
 * gives (and a few) have their pages handed back (madvise) and wait, empty,
 * on a second list. Trimming to the peak of a window, not to the records in
 * use at the moment of each give, keeps a steady load that swings between
 * few and some dozens in flight from handing pages back and faulting them
 * in again on every swing (measured: 13 % of c6's CPU at 10,000 VUs).
 *
 * For records that many VUs hold at one moment and few at others (k6/http's
 * call record: every VU's first request goes out at the run's start, then
 * a few are in flight): on a VU's stack such a record keeps its pages with
 * every VU for the whole run; from a plain pool the peak stays allocated. */
#ifndef C6_UTIL_SLABPOOL_H
#define C6_UTIL_SLABPOOL_H
#include <stddef.h>

typedef struct slabpool {
    size_t size;     /* a record's bytes, as asked */
    size_t slot;     /* its slot: size rounded up to whole pages */
    size_t per_slab; /* slots a mapping */
    void **slabs;
    size_t nslabs, capslabs;
    void **warm; /* free slots with their pages (a stack) */
    size_t nwarm, capwarm;
    void **cold; /* free slots whose pages went back */
    size_t ncold, capcold;
    size_t inuse;
    size_t peak;  /* most records in use at once since the last trim */
    size_t gives; /* gives since the last trim */
} slabpool;

#define SLABPOOL_EPOCH 4096 /* gives between trims */

/* A pool of records of `size` bytes (nothing mapped yet). */
void slabpool_init(slabpool *p, size_t size);
/* A record (its bytes as the last user left them, or zero), or NULL when
 * out of memory. */
void *slabpool_take(slabpool *p);
void slabpool_give(slabpool *p, void *rec);
/* Unmaps everything; records still taken become invalid. */
void slabpool_free(slabpool *p);

#endif
