/* Fixed-size records for one thread, whose memory goes back to the system
 * when fewer are in use: records live in page-aligned slots of large
 * mappings; a freed record is kept for the next take. At the end of a
 * window — SLABPOOL_EPOCH gives and SLABPOOL_WINDOW_US of time, whichever
 * ends later — the spares beyond the most records in use at once during it
 * (and a few) have their pages handed back (madvise) and wait, empty, on a
 * second list. Trimming to the peak of a window, not to the records in use
 * at the moment of each give, keeps a steady load that swings between few
 * and some dozens in flight from handing pages back and faulting them in
 * again on every swing (measured: 13 % of c6's CPU at 10,000 VUs). The
 * window also lasts a time, not only a count of gives: at 10,000 VUs of
 * sleep(1) a worker gives ~5,000 records a second in waves a second apart,
 * so a window of 4,096 gives ended between two waves' peaks: ~280 madvise
 * calls a second (each a TLB flush on every CPU running a worker) and as
 * many page faults after them (a window of 2 s: none).
 *
 * For records that many VUs hold at one moment and few at others (k6/http's
 * call record: every VU's first request goes out at the run's start, then
 * a few are in flight): on a VU's stack such a record keeps its pages with
 * every VU for the whole run; from a plain pool the peak stays allocated. */
#ifndef C6_UTIL_SLABPOOL_H
#define C6_UTIL_SLABPOOL_H
#include <stddef.h>
#include <stdint.h>

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
    size_t peak;       /* most records in use at once since the last trim */
    size_t gives;      /* gives since the last trim */
    int64_t since_us;  /* when the window began (clock_now_us) */
    int64_t window_us; /* SLABPOOL_WINDOW_US (a test sets it) */
} slabpool;

#define SLABPOOL_EPOCH 4096 /* gives in a window, at least */
/* and time: longer than the period of a usual script's waves (sleep(1)),
 * short enough that the start's burst (every VU's first request in flight
 * at once: 80 MB of records at 10,000 VUs) goes back within two windows;
 * 10 s kept it 20 s: +5.7 KB a VU at bench/vu_memory.sh's 9 s */
#define SLABPOOL_WINDOW_US 2000000LL

/* A pool of records of `size` bytes (nothing mapped yet). */
void slabpool_init(slabpool *p, size_t size);
/* A record (its bytes as the last user left them, or zero), or NULL when
 * out of memory. */
void *slabpool_take(slabpool *p);
void slabpool_give(slabpool *p, void *rec);
/* Unmaps everything; records still taken become invalid. */
void slabpool_free(slabpool *p);

#endif
