/* test_slabpool.c - util/slabpool.h, the records k6/http's requests take
 * (js/modules/http.c http_do): distinct page-aligned records, reuse of the
 * freed ones, and pages handed back once a window of gives has passed with
 * fewer in use (read with mincore), so a burst of records in flight does not
 * stay resident, while a load that swings within a window keeps its pages;
 * a window lasts SLABPOOL_WINDOW_US at least, however many the gives. */
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

/* After a burst, once a whole window of gives passes with few in use, the
 * spares beyond that window's peak (and a few) lose their pages; taking them
 * again gives zeroed memory. Within the burst's own window nothing goes. */
static void spare_pages_go_back(void **st) {
    (void)st;
    slabpool p;
    slabpool_init(&p, REC);
    p.window_us = 0; /* windows of SLABPOOL_EPOCH gives alone */
    static unsigned char *r[BURST];
    for (int i = 0; i < BURST; i++) {
        r[i] = slabpool_take(&p);
        memset(r[i], 0xab, REC);
    }
    for (int i = 0; i < BURST - 10; i++) slabpool_give(&p, r[i]); /* 10 stay in flight */
    int kept = 0, back = 0;
    for (int i = 0; i < BURST - 10; i++) resident(&p, r[i]) ? kept++ : back++;
    assert_int_equal(back, 0); /* the burst's window is not over */
    /* two windows of one request at a time beside the 10 in flight: the
     * first ends with the burst's peak, the second trims to 11 + 32 */
    for (int i = 0; i < 2 * SLABPOOL_EPOCH; i++) slabpool_give(&p, slabpool_take(&p));
    kept = back = 0;
    for (int i = 0; i < BURST - 10; i++) resident(&p, r[i]) ? kept++ : back++;
    assert_true(kept <= 11 + 32);
    assert_true(back >= BURST - 10 - 43);
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

/* A load that swings between 0 and 60 in flight, window after window,
 * hands no page back: no madvise and fault-in again on every swing. */
static void swinging_load_keeps_its_pages(void **st) {
    (void)st;
    slabpool p;
    slabpool_init(&p, REC);
    p.window_us = 0;
    static unsigned char *r[60];
    for (int round = 0; round < 3 * SLABPOOL_EPOCH / 60; round++) {
        for (int i = 0; i < 60; i++) {
            r[i] = slabpool_take(&p);
            r[i][0] = r[i][REC - 1] = 1; /* a page handed back reads 0 when taken again */
        }
        for (int i = 0; i < 60; i++) slabpool_give(&p, r[i]);
    }
    for (int i = 0; i < 60; i++) r[i] = slabpool_take(&p);
    for (int i = 0; i < 60; i++) {
        assert_int_equal(r[i][0] + r[i][REC - 1], 2);
        assert_int_equal(resident(&p, r[i]), (int)(p.slot / (size_t)sysconf(_SC_PAGESIZE)));
    }
    assert_int_equal(p.ncold + p.nwarm + 60, p.nslabs * p.per_slab); /* no slot lost */
    for (int i = 0; i < 60; i++) slabpool_give(&p, r[i]);
    slabpool_free(&p);
}

/* Many windows' worth of gives within SLABPOOL_WINDOW_US hand no page back
 * (a wave of requests a second apart at 10,000 VUs gives ~5,000 records
 * between two peaks); once the time has passed, the next window's end does. */
static void a_window_lasts_its_time(void **st) {
    (void)st;
    slabpool p;
    slabpool_init(&p, REC);
    assert_true(p.window_us >= 1000000); /* a second at least: longer than a usual sleep */
    static unsigned char *r[BURST];
    for (int i = 0; i < BURST; i++) {
        r[i] = slabpool_take(&p);
        memset(r[i], 0xab, REC);
    }
    for (int i = 0; i < BURST; i++) slabpool_give(&p, r[i]);
    for (int i = 0; i < 4 * SLABPOOL_EPOCH; i++) slabpool_give(&p, slabpool_take(&p));
    int back = 0;
    for (int i = 0; i < BURST; i++) back += !resident(&p, r[i]);
    assert_int_equal(back, 0); /* four epochs of gives, a few ms: no trim */
    /* the window's time passes: its end trims to its peak, the burst's */
    p.since_us -= p.window_us;
    for (int i = 0; i < SLABPOOL_EPOCH; i++) slabpool_give(&p, slabpool_take(&p));
    for (int i = 0; i < BURST; i++) back += !resident(&p, r[i]);
    assert_int_equal(back, 0);
    /* a whole window with one in use at a time: its end trims to 1 + 32 */
    p.since_us -= p.window_us;
    for (int i = 0; i < SLABPOOL_EPOCH; i++) slabpool_give(&p, slabpool_take(&p));
    int kept = 0;
    for (int i = 0; i < BURST; i++) kept += resident(&p, r[i]) > 0;
    assert_true(kept <= 1 + 32);
    slabpool_free(&p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(records_are_distinct_and_reused),
        cmocka_unit_test(spare_pages_go_back),
        cmocka_unit_test(swinging_load_keeps_its_pages),
        cmocka_unit_test(a_window_lasts_its_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
