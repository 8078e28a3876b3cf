/* A small-block allocator for the QuickJS runtimes the VUs of a worker share
 * (src/js/vm.c): a heap per runtime, segregated by size, used by one thread.
 * Why, and the layout: src/js/jsalloc.c. */
#ifndef C6_JS_JSALLOC_H
#define C6_JS_JSALLOC_H

#include <stddef.h>
#include <quickjs.h>

/* A runtime whose memory comes from a heap of its own (NULL when out of
 * memory); free it with jsalloc_free_runtime, which frees the heap after it.
 * Sanitizer builds give a runtime on QuickJS's default allocator instead:
 * blocks reused from a free list would hide a use after free from ASan. */
JSRuntime *jsalloc_new_runtime(void);
void jsalloc_free_runtime(JSRuntime *rt);

/* The parts, for the unit tests: the functions QuickJS calls with a
 * JSMallocState whose opaque is a jsa_heap. */
typedef struct jsa_heap jsa_heap;
extern const JSMallocFunctions jsalloc_funcs;
jsa_heap *jsa_heap_new(void);              /* NULL when out of memory */
void jsa_heap_free(jsa_heap *h);           /* its chunks; malloc's blocks are their owner's to free */
size_t jsa_heap_chunks(const jsa_heap *h); /* chunks held now */
void jsa_region_cap(size_t bytes);         /* chunks the region hands out at most (tests) */

#endif
