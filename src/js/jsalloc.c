/* QuickJS's memory for the shared runtimes (issue 17, CPU per iteration).
 *
 * Why not glibc's malloc: QuickJS allocates and frees objects, shapes,
 * strings and property arrays at every step of a script, and its default
 * allocator adds malloc_usable_size() to each malloc and free for its
 * accounting. An iteration of bench/scripts/check.js spent ~2,900
 * instructions (13 %) in malloc, free, _int_free (tcache holds 7 blocks a
 * size; an iteration frees dozens of the same size), malloc_usable_size and
 * QuickJS's wrappers. Why not a library: Debian has mimalloc, but its library
 * replaces malloc for the whole process and its heaps belong to threads; a
 * runtime is used by one worker thread only (its VUs run on that thread;
 * it is freed there or after the thread is joined), so a heap per runtime
 * needs no locks and no thread lookups, and fits in this file. Cheaper
 * changes, measured (callgrind, 2,000 VUs, ~22,250 instructions an iteration
 * at the start): glibc.malloc.tcache_count=1000 (an environment variable
 * read at exec) saved ~700; this allocator with an 8-byte size header per
 * block ~2,200 but +0.9 KB per VU (chunk headers and tails); without the
 * header (below) ~2,000, and 1.5 KB per VU less than glibc.
 *
 * The layout. Small blocks (up to JSA_SMALL_MAX bytes) have no header: they
 * come in classes of 16-byte steps (16-byte aligned as malloc's blocks;
 * QuickJS needs 8: doubles, pointers, 64-bit bigint limbs), carved from
 * JSA_CHUNK-byte chunks aligned to their size, a class per chunk, whose
 * header says the class. The chunks come from one region of address space
 * reserved at the first runtime (jsa_region: inaccessible until a chunk is
 * handed out), so a pointer is a small block iff it lies in the region; any
 * other block is malloc's (the large ones, and every block once the region
 * is used up or could not be reserved), freed with free(). A chunk keeps the
 * list of its freed blocks; the heap a current chunk per class (the fast
 * path: pop from its list, push on free) and a list of its other chunks with
 * room. A chunk emptied of blocks goes back to the region, unless it is its
 * class's current one: the empty memory a heap keeps is one chunk a class
 * at most. The region keeps the last JSA_WARM chunks given back with their
 * pages, for the next take by any heap, and hands the pages of the others
 * back to the system. (A class whose blocks live a while, as a Response's
 * snapshot does from one request to the next, gives a chunk back and takes
 * one each time its blocks in use swing across a chunk: with every chunk's
 * pages handed back, that was ~7 page faults and a madvise, with its TLB
 * flush on every CPU running a worker, every ten iterations of
 * bench/scripts/check.js at 10,000 VUs; keeping one empty chunk a class in
 * each heap instead cost 3 KB a VU there, a runtime being 256 VUs.) Against glibc this saves its 8-byte
 * header and rounding of each small block (bench/vu_memory.sh).
 *
 * The accounting (JS_ComputeMemoryUsage, the GC threshold, a memory limit)
 * counts a small block's bytes, a malloc'd one as QuickJS's own allocator
 * does (malloc_usable_size + 8); the usable size QuickJS asks for (it uses
 * the slack when an array or a string grows) is the whole small block. */
#include "js/jsalloc.h"

#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define JSA_CHUNK           65536
#define JSA_STEP            16
#define JSA_NCLS            32                    /* blocks of 16 .. 512 bytes */
#define JSA_SMALL_MAX       (JSA_NCLS * JSA_STEP) /* the largest small block */
#define JSA_MALLOC_OVERHEAD 8                     /* what QuickJS's own allocator adds: glibc's header */
#define JSA_REGION          ((size_t)64 << 30)    /* address space to reserve (not memory) */
#define JSA_COMMIT          ((size_t)1 << 20)     /* made accessible this much at a time */
#define JSA_WARM            16                    /* chunks the region keeps with their pages (1 MB) */

enum { JSA_CUR, JSA_PARTIAL, JSA_FULL };

typedef struct jsa_chunk {
    struct jsa_chunk *next, *prev;   /* every chunk of the heap */
    struct jsa_chunk *pnext, *pprev; /* the class's chunks with room (JSA_PARTIAL) */
    void *free;                      /* freed blocks, linked through their first word */
    char *bump;                      /* the next block never handed out */
    uint32_t live;                   /* blocks handed out */
    uint16_t cls;                    /* blocks of cls * JSA_STEP bytes */
    uint8_t state;
} jsa_chunk;

#define JSA_FIRST ((sizeof(jsa_chunk) + JSA_STEP - 1) / JSA_STEP * JSA_STEP)

struct jsa_heap {
    jsa_chunk *cur[JSA_NCLS + 1];
    jsa_chunk *partial[JSA_NCLS + 1];
    jsa_chunk *all;
    size_t nchunks;
    JSRuntime *rt;          /* jsalloc_new_runtime's */
    struct jsa_heap *rnext; /* in jsa_runtimes */
};

/* The region: [jsa_base, jsa_base + jsa_size) reserved, set once before
 * any runtime; the rest under the lock: [base, base + committed)
 * accessible, chunks below `used` handed out once (the freed ones in
 * `warm` with their pages, JSA_WARM at most, the others' pages given back,
 * in `spare`), `inuse` bytes of them held by heaps, `cap` at most. */
static char *jsa_base;
static size_t jsa_size;
static struct {
    pthread_mutex_t lock;
    size_t committed, used, cap, inuse;
    jsa_chunk **spare;
    size_t nspare, capspare;
    jsa_chunk *warm[JSA_WARM];
    size_t nwarm;
    jsa_heap *runtimes;
} jsa_region = {.lock = PTHREAD_MUTEX_INITIALIZER};
static pthread_once_t jsa_region_once = PTHREAD_ONCE_INIT;

static void jsa_region_reserve(void) {
    for (size_t sz = JSA_REGION; sz >= ((size_t)1 << 30); sz /= 2) {
        void *p = mmap(NULL, sz + JSA_CHUNK, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED) continue;
        char *b = (char *)(((uintptr_t)p + JSA_CHUNK - 1) & ~(uintptr_t)(JSA_CHUNK - 1));
        jsa_base = b;
        jsa_size = sz;
        jsa_region.cap = sz;
        return;
    }
}

static inline int jsa_small(const void *p) { return (uintptr_t)p - (uintptr_t)jsa_base < jsa_size; }
static inline jsa_chunk *jsa_chunk_of(const void *p) {
    return (jsa_chunk *)((uintptr_t)p & ~(uintptr_t)(JSA_CHUNK - 1));
}

void jsa_region_cap(size_t bytes) {
    pthread_once(&jsa_region_once, jsa_region_reserve);
    pthread_mutex_lock(&jsa_region.lock);
    jsa_region.cap = bytes < jsa_size ? bytes : jsa_size;
    pthread_mutex_unlock(&jsa_region.lock);
}

static jsa_chunk *jsa_region_take(void) {
    pthread_mutex_lock(&jsa_region.lock);
    jsa_chunk *c = NULL;
    if (jsa_region.inuse + JSA_CHUNK > jsa_region.cap) {
        /* none */
    } else if (jsa_region.nwarm) {
        c = jsa_region.warm[--jsa_region.nwarm];
    } else if (jsa_region.nspare) {
        c = jsa_region.spare[--jsa_region.nspare];
    } else if (jsa_base) {
        if (jsa_region.used + JSA_CHUNK > jsa_region.committed) {
            size_t n = jsa_size - jsa_region.committed < JSA_COMMIT ? jsa_size - jsa_region.committed : JSA_COMMIT;
            if (mprotect(jsa_base + jsa_region.committed, n, PROT_READ | PROT_WRITE) == 0) jsa_region.committed += n;
        }
        if (jsa_region.used + JSA_CHUNK <= jsa_region.committed) {
            c = (jsa_chunk *)(jsa_base + jsa_region.used);
            jsa_region.used += JSA_CHUNK;
        }
    }
    if (c) jsa_region.inuse += JSA_CHUNK;
    pthread_mutex_unlock(&jsa_region.lock);
    return c;
}

/* A chunk back to the region: one of the last JSA_WARM with its pages, else
 * its pages to the system (the oldest warm one's, which makes room). (Without
 * room to note a chunk, it is not used again: address space, not memory.) */
static void jsa_region_give(jsa_chunk *c) {
    pthread_mutex_lock(&jsa_region.lock);
    jsa_region.inuse -= JSA_CHUNK;
    jsa_chunk *cold = jsa_region.nwarm == JSA_WARM ? jsa_region.warm[0] : NULL;
    if (cold) memmove(jsa_region.warm, jsa_region.warm + 1, (JSA_WARM - 1) * sizeof *jsa_region.warm);
    else jsa_region.nwarm++;
    jsa_region.warm[jsa_region.nwarm - 1] = c;
    if (cold) {
        madvise(cold, JSA_CHUNK, MADV_DONTNEED);
        if (jsa_region.nspare == jsa_region.capspare) {
            size_t n = jsa_region.capspare ? 2 * jsa_region.capspare : 64;
            jsa_chunk **a = realloc(jsa_region.spare, n * sizeof *a);
            if (a) {
                jsa_region.spare = a;
                jsa_region.capspare = n;
            }
        }
        if (jsa_region.nspare < jsa_region.capspare) jsa_region.spare[jsa_region.nspare++] = cold;
    }
    pthread_mutex_unlock(&jsa_region.lock);
}

jsa_heap *jsa_heap_new(void) {
    pthread_once(&jsa_region_once, jsa_region_reserve);
    return calloc(1, sizeof(jsa_heap));
}

void jsa_heap_free(jsa_heap *h) {
    if (!h) return;
    for (jsa_chunk *c = h->all, *n; c; c = n) {
        n = c->next;
        jsa_region_give(c);
    }
    free(h);
}

size_t jsa_heap_chunks(const jsa_heap *h) { return h->nchunks; }

static void jsa_partial_add(jsa_heap *h, jsa_chunk *c) {
    c->state = JSA_PARTIAL;
    c->pprev = NULL;
    c->pnext = h->partial[c->cls];
    if (c->pnext) c->pnext->pprev = c;
    h->partial[c->cls] = c;
}

static void jsa_partial_del(jsa_heap *h, jsa_chunk *c) {
    if (c->pprev) c->pprev->pnext = c->pnext;
    else h->partial[c->cls] = c->pnext;
    if (c->pnext) c->pnext->pprev = c->pprev;
}

static jsa_chunk *jsa_chunk_new(jsa_heap *h, unsigned cls) {
    jsa_chunk *c = jsa_region_take();
    if (!c) return NULL;
    *c = (jsa_chunk){.next = h->all, .bump = (char *)c + JSA_FIRST, .cls = (uint16_t)cls, .state = JSA_CUR};
    if (h->all) h->all->prev = c;
    h->all = c;
    h->nchunks++;
    return c;
}

static void jsa_chunk_release(jsa_heap *h, jsa_chunk *c) {
    if (c->state == JSA_PARTIAL) jsa_partial_del(h, c);
    if (c->prev) c->prev->next = c->next;
    else h->all = c->next;
    if (c->next) c->next->prev = c->prev;
    h->nchunks--;
    jsa_region_give(c);
}

/* A block of class cls when the current chunk has none freed: carve one from
 * its untouched end, else take a chunk with room, else a new chunk; NULL
 * when the region has none left (the caller asks malloc). */
static __attribute__((noinline)) void *jsa_small_slow(jsa_heap *h, unsigned cls) {
    size_t bsz = (size_t)cls * JSA_STEP;
    jsa_chunk *c = h->cur[cls];
    if (!c || (size_t)((char *)c + JSA_CHUNK - c->bump) < bsz) {
        /* the current chunk has neither a freed block nor room: all its
         * blocks are out, and a free puts it back on the list with room */
        if (c) c->state = JSA_FULL;
        h->cur[cls] = NULL;
        c = h->partial[cls];
        if (c) { /* (a chunk is on that list for the blocks freed in it) */
            jsa_partial_del(h, c);
            c->state = JSA_CUR;
            h->cur[cls] = c;
            void *p = c->free;
            c->free = *(void **)p;
            c->live++;
            return p;
        }
        c = jsa_chunk_new(h, cls);
        if (!c) return NULL;
        h->cur[cls] = c;
    }
    void *p = c->bump;
    c->bump += bsz;
    c->live++;
    return p;
}

/* A freed block left its chunk empty, or was the first room in a full one. */
static __attribute__((noinline)) void jsa_free_slow(jsa_heap *h, jsa_chunk *c) {
    if (c->state == JSA_CUR) return; /* the class's current chunk stays, empty or not */
    if (c->live == 0) {
        jsa_chunk_release(h, c);
        return;
    }
    if (c->state == JSA_FULL) jsa_partial_add(h, c);
}

static void *jsa_malloced(size_t size, size_t *acct) {
    void *p = malloc(size);
    if (p) *acct = malloc_usable_size(p) + JSA_MALLOC_OVERHEAD;
    return p;
}

/* A block, without the accounting; *acct: what it counts for. */
static inline void *jsa_alloc(jsa_heap *h, size_t size, size_t *acct) {
    if (__builtin_expect(size <= JSA_SMALL_MAX, 1)) {
        unsigned cls = (unsigned)((size + JSA_STEP - 1) / JSA_STEP);
        cls += cls == 0;
        *acct = (size_t)cls * JSA_STEP;
        jsa_chunk *c = h->cur[cls];
        if (__builtin_expect(c && c->free, 1)) {
            void *p = c->free;
            c->free = *(void **)p;
            c->live++;
            return p;
        }
        void *p = jsa_small_slow(h, cls);
        if (p) return p;
    }
    return jsa_malloced(size, acct);
}

/* Frees a block; returns what it counted for. */
static inline size_t jsa_release(jsa_heap *h, void *p) {
    if (__builtin_expect(!jsa_small(p), 0)) {
        size_t acct = malloc_usable_size(p) + JSA_MALLOC_OVERHEAD;
        free(p);
        return acct;
    }
    jsa_chunk *c = jsa_chunk_of(p);
    size_t acct = (size_t)c->cls * JSA_STEP; /* (before the chunk may go) */
    *(void **)p = c->free;
    c->free = p;
    c->live--;
    if (__builtin_expect(c->state == JSA_FULL || c->live == 0, 0)) jsa_free_slow(h, c);
    return acct;
}

static size_t jsa_usable_size(const void *p) {
    if (jsa_small(p)) return (size_t)jsa_chunk_of(p)->cls * JSA_STEP;
    return malloc_usable_size((void *)p);
}

static __attribute__((noinline)) void *jsa_malloc_slow(JSMallocState *s, size_t size) {
    size_t acct;
    void *p = jsa_alloc(s->opaque, size, &acct);
    if (!p) return NULL;
    s->malloc_count++;
    s->malloc_size += acct;
    return p;
}

/* (the fast paths: no call, no frame) */
static void *jsa_malloc(JSMallocState *s, size_t size) {
    if (__builtin_expect(s->malloc_size + size > s->malloc_limit, 0)) return NULL;
    if (__builtin_expect(size <= JSA_SMALL_MAX, 1)) {
        unsigned cls = (unsigned)((size + JSA_STEP - 1) / JSA_STEP);
        jsa_chunk *c = ((jsa_heap *)s->opaque)->cur[cls];
        if (__builtin_expect(c && c->free, 1)) { /* (cur[0], for a size 0, stays NULL) */
            void *p = c->free;
            c->free = *(void **)p;
            c->live++;
            s->malloc_count++;
            s->malloc_size += (size_t)cls * JSA_STEP;
            return p;
        }
    }
    return jsa_malloc_slow(s, size);
}

static __attribute__((noinline)) void jsa_free_any(JSMallocState *s, void *p) {
    s->malloc_count--;
    s->malloc_size -= jsa_release(s->opaque, p);
}

static void jsa_free(JSMallocState *s, void *p) {
    if (!p) return;
    if (__builtin_expect(jsa_small(p), 1)) {
        jsa_chunk *c = jsa_chunk_of(p);
        if (__builtin_expect(c->state != JSA_FULL && c->live > 1, 1)) {
            *(void **)p = c->free;
            c->free = p;
            c->live--;
            s->malloc_count--;
            s->malloc_size -= (size_t)c->cls * JSA_STEP;
            return;
        }
    }
    jsa_free_any(s, p);
}

static void *jsa_realloc(JSMallocState *s, void *p, size_t size) {
    if (!p) return size ? jsa_malloc(s, size) : NULL;
    if (size == 0) {
        jsa_free(s, p);
        return NULL;
    }
    size_t old = jsa_usable_size(p);
    if (s->malloc_size + size - old > s->malloc_limit) return NULL; /* as QuickJS's own allocator */
    if (jsa_small(p)) {
        if (size <= old && size + JSA_STEP > old) return p; /* the same class */
    } else if (size > JSA_SMALL_MAX) {
        size_t before = old + JSA_MALLOC_OVERHEAD;
        void *n = realloc(p, size);
        if (!n) return NULL;
        s->malloc_size += malloc_usable_size(n) + JSA_MALLOC_OVERHEAD - before;
        return n;
    }
    /* another class, or between small and malloc's: move it */
    size_t acct;
    void *q = jsa_alloc(s->opaque, size, &acct);
    if (!q) return NULL;
    memcpy(q, p, size < old ? size : old);
    s->malloc_size += acct;
    s->malloc_size -= jsa_release(s->opaque, p);
    return q;
}

const JSMallocFunctions jsalloc_funcs = {jsa_malloc, jsa_free, jsa_realloc, jsa_usable_size};

#if defined(__SANITIZE_ADDRESS__) || defined(C6_ASAN)
JSRuntime *jsalloc_new_runtime(void) { return JS_NewRuntime(); }
void jsalloc_free_runtime(JSRuntime *rt) { JS_FreeRuntime(rt); }
#else
JSRuntime *jsalloc_new_runtime(void) {
    jsa_heap *h = jsa_heap_new();
    if (!h) return NULL;
    JSRuntime *rt = JS_NewRuntime2(&jsalloc_funcs, h);
    if (!rt) {
        jsa_heap_free(h); /* (a failed runtime freed what it had made) */
        return NULL;
    }
    h->rt = rt;
    pthread_mutex_lock(&jsa_region.lock);
    h->rnext = jsa_region.runtimes;
    jsa_region.runtimes = h;
    pthread_mutex_unlock(&jsa_region.lock);
    return rt;
}

void jsalloc_free_runtime(JSRuntime *rt) {
    if (!rt) return;
    pthread_mutex_lock(&jsa_region.lock);
    jsa_heap **pp = &jsa_region.runtimes;
    while (*pp && (*pp)->rt != rt) pp = &(*pp)->rnext;
    jsa_heap *h = *pp;
    if (h) *pp = h->rnext;
    pthread_mutex_unlock(&jsa_region.lock);
    JS_FreeRuntime(rt);
    jsa_heap_free(h);
}
#endif
