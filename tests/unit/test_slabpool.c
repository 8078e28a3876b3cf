/* test_slabpool.c - util/slabpool.h, the records k6/http's requests take
 * (js/modules/http.c http_do): distinct page-aligned records, reuse of the
 * freed ones, and pages handed back once more are spare than in use (read
 * with mincore), so a burst of records in flight does not stay resident. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include "util/slabpool.h"

#define REC   6240 /* about an http_call */
#define BURST 1000

/* Resident pages of rec's slot. */
static int resident(const slabpool *p, void *rec) {
    unsigned char v[8];
    size_t pages = p->slot / (size_t)sysconf(_SC_PAGESIZE);
    assert_true(pages <= sizeof v);
    assert_int_equal(mincore(rec, p->slot, v), 0);
    int n = 0;
    for (size_t i = 0; i < pages; i++) n += v[i] & 1;
    return n;
}

static void records_are_distinct_and_reused(void **st) {
    (void)st;
    slabpool p;
    slabpool_init(&p, REC);
    assert_int_equal(p.slot % (size_t)sysconf(_SC_PAGESIZE), 0);
    assert_true(p.slot >= REC);
    static unsigned char *r[BURST];
    for (int i = 0; i < BURST; i++) {
        r[i] = slabpool_take(&p);
        assert_non_null(r[i]);
        assert_int_equal((uintptr_t)r[i] % (uintptr_t)sysconf(_SC_PAGESIZE), 0);
        memset(r[i], i & 0xff, REC); /* would overwrite a neighbour if slots overlapped */
    }
    for (int i = 0; i < BURST; i++) {
        assert_int_equal(r[i][0], i & 0xff);
        assert_int_equal(r[i][REC - 1], i & 0xff);
    }
    assert_int_equal(p.inuse, BURST);
    /* the one given back is the next taken (its pages still there) */
    slabpool_give(&p, r[7]);
    assert_ptr_equal(slabpool_take(&p), r[7]);
    assert_int_equal(r[7][0], 7);
    for (int i = 0; i < BURST; i++) slabpool_give(&p, r[i]);
    assert_int_equal(p.inuse, 0);
    slabpool_free(&p);
}

/* After a burst, the spares beyond the records in use (and a few) lose
 * their pages; taking them again gives zeroed memory. */
static void spare_pages_go_back(void **st) {
    (void)st;
    slabpool p;
    slabpool_init(&p, REC);
    static unsigned char *r[BURST];
    for (int i = 0; i < BURST; i++) {
        r[i] = slabpool_take(&p);
        memset(r[i], 0xab, REC);
    }
    for (int i = 0; i < BURST - 10; i++) slabpool_give(&p, r[i]); /* 10 stay in flight */
    int kept = 0, back = 0;
    for (int i = 0; i < BURST - 10; i++) resident(&p, r[i]) ? kept++ : back++;
    assert_true(kept <= 10 + 32); /* spares: in use + 32 at most */
    assert_true(back >= BURST - 10 - 42);
    for (int i = BURST - 10; i < BURST; i++)
        assert_int_equal(resident(&p, r[i]), (int)(p.slot / (size_t)sysconf(_SC_PAGESIZE)));
    /* every record taken now is one of the old slots (no new mapping) */
    size_t slabs = p.nslabs;
    for (int i = 0; i < BURST - 10; i++) {
        unsigned char *x = slabpool_take(&p);
        assert_non_null(x);
        if (!resident(&p, x)) assert_int_equal(x[0], 0); /* handed back: zero */
        r[i] = x;
    }
    assert_int_equal(p.nslabs, slabs);
    for (int i = 0; i < BURST; i++) slabpool_give(&p, r[i]);
    slabpool_free(&p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(records_are_distinct_and_reused),
        cmocka_unit_test(spare_pages_go_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
