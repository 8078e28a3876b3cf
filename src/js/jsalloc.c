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
 * needs no locks and no thread lookups, and fits in this file.
 *
 * The layout. A block has an 8-byte header right before it (as glibc's own
 * chunk size field) and starts 16-byte aligned, as malloc's blocks do
 * (QuickJS keeps 8-byte values, and int128 temporaries, in them). Blocks of
 * up to JSA_SMALL_MAX bytes with their header come in classes of 16-byte
 * steps, carved from JSA_CHUNK-byte chunks, a class per chunk; a chunk keeps
 * the list of its freed blocks, and the heap a current chunk per class (the
 * fast path: pop from its list, push on free) and a list of the other chunks
 * with room. A chunk emptied of blocks goes back to malloc, unless it is the
 * class's current one: the heap keeps no free memory beyond one chunk a
 * class. Larger blocks come from malloc with a 16-byte header.
 *
 * The accounting (JS_ComputeMemoryUsage, the GC threshold, a memory limit)
 * counts what glibc's would: a small block with its header, a large one as
 * malloc_usable_size of it plus 8; the usable size QuickJS asks for (it uses
 * the slack when an array or a string grows) is the block less its header. */
#include "js/jsalloc.h"

#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define JSA_CHUNK           8192
#define JSA_STEP            16
#define JSA_NCLS            32                        /* blocks of 16 .. 512 bytes, header included */
#define JSA_SMALL_MAX       (JSA_NCLS * JSA_STEP - 8) /* the largest small request: 504 */
#define JSA_MALLOC_OVERHEAD 8                         /* what QuickJS's own allocator adds: glibc's header */
#define JSA_TAG_SMALL       0x5a11
#define JSA_TAG_LARGE       0x1a26

typedef struct jsa_hdr {
    uint32_t off; /* small: from its chunk's start to this header */
    uint16_t cls; /* small: the block is cls * JSA_STEP bytes with its header */
    uint16_t tag;
} jsa_hdr;

typedef struct jsa_large { /* before a large block */
    jsa_heap *heap;
    jsa_hdr hdr;
} jsa_large;

enum { JSA_CUR, JSA_PARTIAL, JSA_FULL };

typedef struct jsa_chunk {
    struct jsa_chunk *next, *prev;   /* every chunk of the heap */
    struct jsa_chunk *pnext, *pprev; /* the class's chunks with room (JSA_PARTIAL) */
    jsa_heap *heap;
    void *free;    /* freed blocks, linked through their first word */
    char *bump;    /* the next header never handed out */
    uint32_t live; /* blocks handed out */
    uint16_t cls;
    uint8_t state;
} jsa_chunk;

/* the first header: 8 bytes short of a multiple of 16, so blocks are aligned */
#define JSA_FIRST ((sizeof(jsa_chunk) + 8 + 15) / 16 * 16 - 8)

struct jsa_heap {
    jsa_chunk *cur[JSA_NCLS + 1];
    jsa_chunk *partial[JSA_NCLS + 1];
    jsa_chunk *all;
    size_t nchunks;
};

_Static_assert(sizeof(jsa_hdr) == 8, "a block's header is 8 bytes");
_Static_assert(sizeof(jsa_large) == 16, "a large block's header keeps it 16-byte aligned");

static inline jsa_hdr *jsa_hdr_of(const void *p) { return (jsa_hdr *)((char *)p - sizeof(jsa_hdr)); }
static inline jsa_chunk *jsa_chunk_of(jsa_hdr *h) { return (jsa_chunk *)((char *)h - h->off); }
static inline jsa_large *jsa_large_of(const void *p) { return (jsa_large *)((char *)p - sizeof(jsa_large)); }

jsa_heap *jsa_heap_new(void) { return calloc(1, sizeof(jsa_heap)); }

void jsa_heap_free(jsa_heap *h) {
    if (!h) return;
    for (jsa_chunk *c = h->all, *n; c; c = n) {
        n = c->next;
        free(c);
    }
    free(h);
}

size_t jsa_heap_chunks(const jsa_heap *h) { return h->nchunks; }

jsa_heap *jsa_heap_of(const void *p) {
    jsa_hdr *h = jsa_hdr_of(p);
    return h->tag == JSA_TAG_SMALL ? jsa_chunk_of(h)->heap : jsa_large_of(p)->heap;
}

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
    jsa_chunk *c = malloc(JSA_CHUNK);
    if (!c) return NULL;
    *c = (jsa_chunk){.next = h->all, .heap = h, .bump = (char *)c + JSA_FIRST, .cls = (uint16_t)cls, .state = JSA_CUR};
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
    free(c);
}

/* A block of class cls when the current chunk has none freed: carve one from
 * its untouched end, else take a chunk with room, else a new chunk. */
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
    jsa_hdr *hd = (jsa_hdr *)c->bump;
    *hd = (jsa_hdr){.off = (uint32_t)((char *)hd - (char *)c), .cls = (uint16_t)cls, .tag = JSA_TAG_SMALL};
    c->bump += bsz;
    c->live++;
    return hd + 1;
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

static void *jsa_large_alloc(jsa_heap *h, size_t size, size_t *acct) {
    if (size > SIZE_MAX - sizeof(jsa_large)) return NULL;
    jsa_large *l = malloc(size + sizeof(jsa_large));
    if (!l) return NULL;
    *l = (jsa_large){.heap = h, .hdr = {.tag = JSA_TAG_LARGE}};
    *acct = malloc_usable_size(l) + JSA_MALLOC_OVERHEAD;
    return l + 1;
}

/* A block, without the accounting; *acct: what it counts for. */
static inline void *jsa_alloc(jsa_heap *h, size_t size, size_t *acct) {
    if (__builtin_expect(size > JSA_SMALL_MAX, 0)) return jsa_large_alloc(h, size, acct);
    unsigned cls = (unsigned)((size + sizeof(jsa_hdr) + JSA_STEP - 1) / JSA_STEP); /* >= 1 */
    *acct = (size_t)cls * JSA_STEP;
    jsa_chunk *c = h->cur[cls];
    if (__builtin_expect(c && c->free, 1)) {
        void *p = c->free;
        c->free = *(void **)p;
        c->live++;
        return p;
    }
    return jsa_small_slow(h, cls);
}

/* Frees a block; returns what it counted for. */
static inline size_t jsa_release(void *p) {
    jsa_hdr *hd = jsa_hdr_of(p);
    if (__builtin_expect(hd->tag != JSA_TAG_SMALL, 0)) {
        jsa_large *l = jsa_large_of(p);
        size_t acct = malloc_usable_size(l) + JSA_MALLOC_OVERHEAD;
        free(l);
        return acct;
    }
    jsa_chunk *c = jsa_chunk_of(hd);
    size_t acct = (size_t)hd->cls * JSA_STEP; /* (before its chunk may go) */
    *(void **)p = c->free;
    c->free = p;
    c->live--;
    if (__builtin_expect(c->state == JSA_FULL || c->live == 0, 0)) jsa_free_slow(c->heap, c);
    return acct;
}

static size_t jsa_usable_size(const void *p) {
    jsa_hdr *hd = jsa_hdr_of(p);
    if (hd->tag != JSA_TAG_SMALL) return malloc_usable_size(jsa_large_of(p)) - sizeof(jsa_large);
    return (size_t)hd->cls * JSA_STEP - sizeof(jsa_hdr);
}

static void *jsa_malloc(JSMallocState *s, size_t size) {
    if (__builtin_expect(s->malloc_size + size > s->malloc_limit, 0)) return NULL;
    size_t acct;
    void *p = jsa_alloc(s->opaque, size, &acct);
    if (!p) return NULL;
    s->malloc_count++;
    s->malloc_size += acct;
    return p;
}

static void jsa_free(JSMallocState *s, void *p) {
    if (!p) return;
    s->malloc_count--;
    s->malloc_size -= jsa_release(p);
}

static void *jsa_realloc(JSMallocState *s, void *p, size_t size) {
    if (!p) return size ? jsa_malloc(s, size) : NULL;
    if (size == 0) {
        jsa_free(s, p);
        return NULL;
    }
    jsa_hdr *hd = jsa_hdr_of(p);
    size_t old = jsa_usable_size(p);
    if (s->malloc_size + size - old > s->malloc_limit) return NULL; /* as QuickJS's own allocator */
    if (hd->tag == JSA_TAG_SMALL) {
        if (size <= old && size + JSA_STEP > old) return p; /* the same class */
    } else if (size > JSA_SMALL_MAX) {
        jsa_large *l = jsa_large_of(p);
        size_t before = malloc_usable_size(l) + JSA_MALLOC_OVERHEAD;
        jsa_large *n = realloc(l, size + sizeof(jsa_large));
        if (!n) return NULL;
        s->malloc_size += malloc_usable_size(n) + JSA_MALLOC_OVERHEAD - before;
        return n + 1;
    }
    /* another class, or between small and large: move it */
    size_t acct;
    void *q = jsa_alloc(s->opaque, size, &acct);
    if (!q) return NULL;
    memcpy(q, p, size < old ? size : old);
    s->malloc_size += acct;
    s->malloc_size -= jsa_release(p);
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
    if (!rt) jsa_heap_free(h); /* (a failed runtime freed what it had made) */
    return rt;
}

void jsalloc_free_runtime(JSRuntime *rt) {
    if (!rt) return;
    jsa_heap *h = jsa_heap_of(rt); /* the runtime's own block is freed last */
    JS_FreeRuntime(rt);
    jsa_heap_free(h);
}
#endif
