/* The shared runtimes' allocator (src/js/jsalloc.c). Not k6 behaviour: what
 * QuickJS expects of its JSMallocFunctions (the default ones in quickjs.c:
 * js_def_malloc and friends) and what the allocator promises (16-byte
 * alignment as malloc's, exact accounting, empty chunks given back, malloc
 * when its region is used up). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <malloc.h>

#include "js/jsalloc.h"

#define CHUNK     65536 /* JSA_CHUNK */
#define SMALL_MAX 512   /* JSA_SMALL_MAX */

static JSMallocState state(jsa_heap *h) { return (JSMallocState){.malloc_limit = (size_t)-1, .opaque = h}; }

static void *m(JSMallocState *s, size_t n) { return jsalloc_funcs.js_malloc(s, n); }
static void f(JSMallocState *s, void *p) { jsalloc_funcs.js_free(s, p); }
static void *re(JSMallocState *s, void *p, size_t n) { return jsalloc_funcs.js_realloc(s, p, n); }
static size_t usable(const void *p) { return jsalloc_funcs.js_malloc_usable_size(p); }

/* Every size: at least what was asked, aligned to 16 as malloc's blocks
 * (QuickJS keeps doubles, pointers and int128 temporaries in them), small
 * blocks the size rounded up to 16, each block its own memory. */
static void test_sizes_alignment_and_overlap(void **st) {
    (void)st;
    jsa_heap *h = jsa_heap_new();
    assert_non_null(h);
    JSMallocState s = state(h);
    enum { N = 1200 };
    unsigned char *p[N + 1];
    for (size_t n = 1; n <= N; n++) {
        p[n] = m(&s, n);
        assert_non_null(p[n]);
        assert_int_equal((uintptr_t)p[n] % 16, 0);
        size_t u = usable(p[n]);
        assert_true(u >= n);
        if (n <= SMALL_MAX) assert_int_equal(u, (n + 15) / 16 * 16);
        memset(p[n], (int)(n & 0xff), u);
    }
    for (size_t n = 1; n <= N; n++) {
        size_t u = usable(p[n]);
        for (size_t i = 0; i < u; i++)
            if (p[n][i] != (unsigned char)(n & 0xff)) fail_msg("block of %zu bytes overwritten at %zu", n, i);
    }
    assert_int_equal(s.malloc_count, N);
    for (size_t n = 1; n <= N; n++) f(&s, p[n]);
    assert_int_equal(s.malloc_count, 0);
    assert_int_equal(s.malloc_size, 0);
    jsa_heap_free(h);
}

/* The accounting counts a small block's bytes, a malloc'd one as QuickJS's
 * own allocator (usable size + 8), and gets back to 0. */
static void test_accounting(void **st) {
    (void)st;
    jsa_heap *h = jsa_heap_new();
    assert_non_null(h);
    JSMallocState s = state(h);
    void *a = m(&s, 24);
    assert_int_equal(usable(a), 32);
    assert_int_equal(s.malloc_size, 32);
    void *b = m(&s, 33); /* the next class but one: 48 */
    assert_int_equal(usable(b), 48);
    assert_int_equal(s.malloc_size, 32 + 48);
    void *c = m(&s, 5000); /* malloc's */
    assert_non_null(c);
    assert_int_equal(usable(c), malloc_usable_size(c));
    assert_true(usable(c) >= 5000);
    assert_int_equal(s.malloc_size, 32 + 48 + usable(c) + 8);
    assert_int_equal(s.malloc_count, 3);
    f(&s, b);
    f(&s, c);
    f(&s, a);
    f(&s, NULL);
    assert_int_equal(s.malloc_size, 0);
    assert_int_equal(s.malloc_count, 0);
    jsa_heap_free(h);
}

/* A memory limit: an allocation that would pass it fails, as with QuickJS's
 * own allocator, and the count never goes beyond it. */
static void test_limit(void **st) {
    (void)st;
    jsa_heap *h = jsa_heap_new();
    assert_non_null(h);
    JSMallocState s = state(h);
    s.malloc_limit = 10000;
    void *p[1000];
    int n = 0;
    while (n < 1000 && (p[n] = m(&s, 100)) != NULL) n++;
    assert_true(n > 50 && n < 1000);
    assert_true(s.malloc_size <= 10000);
    assert_null(m(&s, 10000));
    assert_null(re(&s, p[0], 20000)); /* and p[0] is still there */
    assert_int_equal(usable(p[0]), 112);
    for (int i = 0; i < n; i++) f(&s, p[i]);
    assert_int_equal(s.malloc_size, 0);
    jsa_heap_free(h);
}

static void fill(unsigned char *p, size_t n) {
    for (size_t i = 0; i < n; i++) p[i] = (unsigned char)(i * 7 + 3);
}

static void check_filled(const unsigned char *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (p[i] != (unsigned char)(i * 7 + 3)) fail_msg("byte %zu lost in a realloc", i);
}

/* realloc keeps the content across classes, between small and large both
 * ways, stays in place within a class, and keeps the accounting exact. */
static void test_realloc_moves(void **st) {
    (void)st;
    jsa_heap *h = jsa_heap_new();
    assert_non_null(h);
    JSMallocState s = state(h);
    unsigned char *p = re(&s, NULL, 20); /* NULL: a malloc */
    assert_non_null(p);
    fill(p, 20);
    assert_ptr_equal(re(&s, p, 30), p); /* 17 .. 32 share the class of 32 */
    assert_ptr_equal(re(&s, p, 17), p);
    size_t n = 17;
    static const size_t sizes[] = {100, 200, 512, 513, 4000, 100000, 3000, 300, 40, 7};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        unsigned char *q = re(&s, p, sizes[i]);
        assert_non_null(q);
        assert_int_equal((uintptr_t)q % 16, 0);
        check_filled(q, n < sizes[i] ? n : sizes[i]);
        n = sizes[i];
        fill(q, n);
        assert_true(usable(q) >= n);
        assert_int_equal(s.malloc_count, 1);
        if (n <= SMALL_MAX) assert_int_equal(s.malloc_size, usable(q));
        else assert_int_equal(s.malloc_size, usable(q) + 8);
        p = q;
    }
    assert_null(re(&s, p, 0)); /* 0: a free */
    assert_int_equal(s.malloc_count, 0);
    assert_int_equal(s.malloc_size, 0);
    jsa_heap_free(h);
}

/* Freed blocks are reused, and chunks left empty go back to malloc but for
 * the class's current one: the heap does not keep what a burst freed. */
static void test_empty_chunks_go_back(void **st) {
    (void)st;
    jsa_heap *h = jsa_heap_new();
    assert_non_null(h);
    JSMallocState s = state(h);
    enum { N = 10000 }; /* 64-byte blocks: 1022 a chunk, 10 chunks */
    void **p = calloc(N, sizeof *p);
    assert_non_null(p);
    for (int i = 0; i < N; i++) assert_non_null(p[i] = m(&s, 60));
    size_t full = jsa_heap_chunks(h);
    assert_int_equal(full, (N + (CHUNK - 128) / 64 - 1) / ((CHUNK - 128) / 64));
    /* every other block: no chunk empties */
    for (int i = 0; i < N; i += 2) f(&s, p[i]);
    assert_int_equal(jsa_heap_chunks(h), full);
    /* the holes are reused before any new chunk */
    for (int i = 0; i < N; i += 2) assert_non_null(p[i] = m(&s, 60));
    assert_int_equal(jsa_heap_chunks(h), full);
    /* all of them, in an order of their own: one chunk stays */
    for (int i = 0; i < N; i++) f(&s, p[(size_t)i * 7 % N]);
    assert_int_equal(jsa_heap_chunks(h), 1);
    /* and it serves the next ones */
    for (int i = 0; i < 100; i++) assert_non_null(p[i] = m(&s, 60));
    assert_int_equal(jsa_heap_chunks(h), 1);
    for (int i = 0; i < 100; i++) f(&s, p[i]);
    assert_int_equal(s.malloc_size, 0);
    free(p);
    jsa_heap_free(h);
}

/* A class whose blocks in use swing between none and a chunk and a half
 * (Responses' snapshots as requests come and go): the chunk that empties
 * goes back to the region with its pages (one of the last JSA_WARM) and is
 * the one taken when the current one fills, not another faulted in each
 * swing. A block handed out before keeps its bytes (a page handed back
 * would read zero). */
static void test_swinging_class_keeps_a_chunk(void **st) {
    (void)st;
    jsa_heap *h = jsa_heap_new();
    assert_non_null(h);
    JSMallocState s = state(h);
    enum { PER = (CHUNK - 128) / 256, M = PER + PER / 2 };
    static unsigned char *p[M], *used[4 * PER];
    size_t nused = 0;
    for (int cycle = 0; cycle < 6; cycle++) {
        for (int i = 0; i < M; i++) {
            assert_non_null(p[i] = m(&s, 250));
            size_t k = 0;
            while (k < nused && used[k] != p[i]) k++;
            if (k < nused) {
                for (int j = 8; j < 248; j++) assert_int_equal(p[i][j], 0xab);
            } else {
                assert_true(nused < 4 * PER); /* the same few chunks serve every swing */
                used[nused++] = p[i];
            }
            memset(p[i] + 8, 0xab, 240); /* its first word is the free list's once freed */
        }
        for (int i = 0; i < M; i++) f(&s, p[i]);
        assert_true(jsa_heap_chunks(h) <= 2);
    }
    assert_int_equal(s.malloc_size, 0);
    jsa_heap_free(h);
}

/* A heap freed with blocks still out takes its chunks along (a runtime freed
 * at exit; LeakSanitizer checks in `make asan`). */
static void test_heap_free_takes_chunks(void **st) {
    (void)st;
    jsa_heap *h = jsa_heap_new();
    assert_non_null(h);
    JSMallocState s = state(h);
    for (int i = 0; i < 1000; i++) assert_non_null(m(&s, (size_t)(i % 500) + 1));
    assert_int_equal(jsa_heap_chunks(h), 32); /* a chunk for each class */
    jsa_heap_free(h);
}

/* With the region used up (or never reserved), blocks come from malloc and
 * count as QuickJS's own allocator counts them; chunks serve again when the
 * region has room. */
static void test_region_used_up(void **st) {
    (void)st;
    jsa_heap *h = jsa_heap_new();
    assert_non_null(h);
    JSMallocState s = state(h);
    jsa_region_cap(0);
    unsigned char *p = m(&s, 40);
    assert_non_null(p);
    assert_int_equal(jsa_heap_chunks(h), 0);
    assert_int_equal(usable(p), malloc_usable_size(p));
    assert_int_equal(s.malloc_size, malloc_usable_size(p) + 8);
    fill(p, 40);
    p = re(&s, p, 300);
    assert_non_null(p);
    check_filled(p, 40);
    assert_int_equal(s.malloc_size, malloc_usable_size(p) + 8);
    jsa_region_cap((size_t)-1);
    unsigned char *q = re(&s, p, 200); /* into a chunk now */
    assert_non_null(q);
    check_filled(q, 40);
    assert_int_equal(jsa_heap_chunks(h), 1);
    assert_int_equal(usable(q), 208);
    assert_int_equal(s.malloc_size, 208);
    f(&s, q);
    assert_int_equal(s.malloc_size, 0);
    assert_int_equal(s.malloc_count, 0);
    jsa_heap_free(h);
}

/* A runtime on its heap runs scripts; its memory usage counts what the heap
 * counts; a memory limit throws; freeing it frees the heap. */
static void test_runtime(void **st) {
    (void)st;
    JSRuntime *rt = jsalloc_new_runtime();
    assert_non_null(rt);
    JSContext *ctx = JS_NewContext(rt);
    assert_non_null(ctx);
    static const char src[] = "let a = []; for (let i = 0; i < 20000; i++) a.push({i, s: 'x' + i, o: [i, i]});"
                              "a.map(x => x.s).join(',').length";
    JSValue r = JS_Eval(ctx, src, strlen(src), "<test>", JS_EVAL_TYPE_GLOBAL);
    assert_false(JS_IsException(r));
    int32_t len;
    assert_int_equal(JS_ToInt32(ctx, &len, r), 0);
    assert_int_equal(len, 128889); /* "x0".."x19999" and the commas */
    JS_FreeValue(ctx, r);
    JSMemoryUsage u;
    JS_ComputeMemoryUsage(rt, &u);
    assert_true(u.malloc_size > 20000 * 64); /* the objects are counted */
    assert_true(u.obj_count >= 40000);
    JS_SetMemoryLimit(rt, (size_t)u.malloc_size + 1000000);
    /* a string of 2 MB passes the limit; the error fits in what is left */
    static const char big[] = "let b = 'y'.repeat(2000000)";
    r = JS_Eval(ctx, big, strlen(big), "<test>", JS_EVAL_TYPE_GLOBAL);
    assert_true(JS_IsException(r));
    JSValue e = JS_GetException(ctx);
    const char *msg = JS_ToCString(ctx, e);
    assert_non_null(msg);
    assert_string_equal(msg, "InternalError: out of memory");
    JS_FreeCString(ctx, msg);
    JS_FreeValue(ctx, e);
    JS_ComputeMemoryUsage(rt, &u);
    assert_true(u.malloc_size <= u.malloc_limit);
    JS_FreeContext(ctx);
    jsalloc_free_runtime(rt);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sizes_alignment_and_overlap),
        cmocka_unit_test(test_accounting),
        cmocka_unit_test(test_limit),
        cmocka_unit_test(test_realloc_moves),
        cmocka_unit_test(test_empty_chunks_go_back),
        cmocka_unit_test(test_swinging_class_keeps_a_chunk),
        cmocka_unit_test(test_heap_free_takes_chunks),
        cmocka_unit_test(test_region_used_up),
        cmocka_unit_test(test_runtime),
    };
    return cmocka_run_group_tests(tests, 0, 0);
}
