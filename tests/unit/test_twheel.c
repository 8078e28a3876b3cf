/* test_twheel.c - util/twheel.h, the timing wheel of a worker's sleeping
 * VUs (vu_sleep_until): nodes fire at their ms, never early, in due order,
 * across the wheel's wrap; deletes, re-adds and too-far waits; a random
 * run checked against a plain list. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "util/twheel.h"

typedef struct {
    uint64_t fired[4096];
    twheel_node *who[4096];
    size_t n;
    uint64_t now;
} log_t;

static void on_fire(twheel_node *n, void *arg) {
    log_t *l = arg;
    assert_true(l->n < 4096);
    assert_true(n->due <= l->now); /* never early */
    l->fired[l->n] = l->now;
    l->who[l->n++] = n;
}

/* Nodes fire at the ms they are due (not before), earliest first; the
 * next due is what the caller arms its timer for. */
static void test_twheel_fires_in_order(void **state) {
    (void)state;
    twheel w;
    assert_true(twheel_init(&w, 1000));
    twheel_node a = {0}, b = {0}, c = {0};
    log_t l = {0};
    assert_true(twheel_add(&w, &a, 1000, 2000));
    assert_true(twheel_add(&w, &b, 1000, 1500));
    assert_true(twheel_add(&w, &c, 1000, 2000));
    uint64_t due;
    assert_true(twheel_next(&w, &due));
    assert_int_equal(due, 1500);
    l.now = 1499;
    twheel_expire(&w, l.now, on_fire, &l);
    assert_int_equal(l.n, 0);
    l.now = 1500;
    twheel_expire(&w, l.now, on_fire, &l);
    assert_int_equal(l.n, 1);
    assert_ptr_equal(l.who[0], &b);
    assert_false(twheel_on(&b));
    assert_true(twheel_next(&w, &due));
    assert_int_equal(due, 2000);
    l.now = 2600; /* late: both fire now */
    twheel_expire(&w, l.now, on_fire, &l);
    assert_int_equal(l.n, 3);
    assert_int_equal(w.n, 0);
    assert_false(twheel_next(&w, &due));
    twheel_free(&w);
}

/* A deleted node never fires; deleting twice or a node never added is
 * harmless; re-adding moves a node; a wait beyond the wheel is refused
 * (the caller falls back to a libuv timer) and leaves the node off. */
static void test_twheel_delete_readd_far(void **state) {
    (void)state;
    twheel w;
    assert_true(twheel_init(&w, 0));
    twheel_node a = {0}, b = {0}, far = {0};
    log_t l = {0};
    assert_true(twheel_add(&w, &a, 0, 10));
    assert_true(twheel_add(&w, &b, 0, 10));
    twheel_del(&w, &a);
    twheel_del(&w, &a);
    twheel_del(&w, &far);
    assert_true(twheel_add(&w, &b, 0, 20)); /* moved from 10 to 20 */
    assert_false(twheel_add(&w, &far, 0, TWHEEL_SLOTS));
    assert_false(twheel_on(&far));
    assert_true(twheel_add(&w, &far, 0, TWHEEL_SLOTS - 1));
    assert_int_equal(w.n, 2);
    l.now = 15;
    twheel_expire(&w, l.now, on_fire, &l);
    assert_int_equal(l.n, 0);
    l.now = 20;
    twheel_expire(&w, l.now, on_fire, &l);
    assert_int_equal(l.n, 1);
    assert_ptr_equal(l.who[0], &b);
    uint64_t due;
    assert_true(twheel_next(&w, &due));
    assert_int_equal(due, TWHEEL_SLOTS - 1);
    /* a due in the past counts as the cursor's ms: fires at the next expiry */
    assert_true(twheel_add(&w, &a, 21, 5));
    l.now = 21;
    twheel_expire(&w, l.now, on_fire, &l);
    assert_int_equal(l.n, 2);
    assert_ptr_equal(l.who[1], &a);
    twheel_free(&w);
}

/* An emptied wheel starts its window at the next add's `now`: a long
 * sleep then a short one added later both fire on time. */
static void test_twheel_window_restarts(void **state) {
    (void)state;
    twheel w;
    assert_true(twheel_init(&w, 0));
    twheel_node a = {0}, b = {0};
    log_t l = {0};
    assert_true(twheel_add(&w, &a, 100000, 105000)); /* the clock moved on while it was empty */
    assert_true(twheel_add(&w, &b, 100000, 101000));
    l.now = 101000;
    twheel_expire(&w, l.now, on_fire, &l);
    assert_int_equal(l.n, 1);
    assert_ptr_equal(l.who[0], &b);
    l.now = 105000;
    twheel_expire(&w, l.now, on_fire, &l);
    assert_int_equal(l.n, 2);
    twheel_free(&w);
}

static twheel *g_w;
static twheel_node g_extra;

/* fire may add: a node added due by `now` fires in the same expiry. */
static void on_fire_add(twheel_node *n, void *arg) {
    on_fire(n, arg);
    if (n != &g_extra) assert_true(twheel_add(g_w, &g_extra, ((log_t *)arg)->now, 0));
}

static void test_twheel_fire_adds(void **state) {
    (void)state;
    twheel w;
    g_w = &w;
    assert_true(twheel_init(&w, 0));
    twheel_node a = {0};
    log_t l = {0};
    assert_true(twheel_add(&w, &a, 0, 3));
    l.now = 3;
    twheel_expire(&w, l.now, on_fire_add, &l);
    assert_int_equal(l.n, 2);
    assert_ptr_equal(l.who[1], &g_extra);
    assert_int_equal(w.n, 0);
    twheel_free(&w);
}

/* Random adds, deletes and expiries over many laps of the wheel, checked
 * against the plain truth: every node on the wheel fires once, at the first
 * expiry whose `now` reaches its due (at most a ms after the one asked),
 * and the next due is the minimum. */
static void test_twheel_random(void **state) {
    (void)state;
    enum { N = 500 };
    static twheel_node nodes[N];
    static uint64_t due[N];
    static int on[N];
    twheel w;
    assert_true(twheel_init(&w, 0));
    log_t l = {0};
    srand(7);
    uint64_t now = 0;
    for (int step = 0; step < 20000; step++) {
        int i = rand() % N, op = rand() % 10;
        if (op < 5) {
            uint64_t d = now + (uint64_t)(rand() % 3000);
            if (rand() % 50 == 0) d = now + TWHEEL_SLOTS + (uint64_t)(rand() % 100);
            bool ok = twheel_add(&w, &nodes[i], now, d);
            on[i] = ok;
            if (ok) { /* at most a ms late: a due by the last expiry's ms counts as the next ms */
                assert_true(nodes[i].due >= d);
                assert_true(nodes[i].due <= (d > now + 1 ? d : now + 1));
                due[i] = nodes[i].due;
            }
        } else if (op < 6) {
            twheel_del(&w, &nodes[i]);
            on[i] = 0;
        } else {
            now += (uint64_t)(rand() % 40);
            l.n = 0;
            l.now = now;
            twheel_expire(&w, now, on_fire, &l);
            for (size_t k = 0; k < l.n; k++) {
                int j = (int)(l.who[k] - nodes);
                assert_true(on[j]);
                assert_true(due[j] <= now);
                on[j] = 0;
            }
            for (int j = 0; j < N; j++) assert_true(!on[j] || due[j] > now);
        }
        uint64_t min = UINT64_MAX, next;
        size_t count = 0;
        for (int j = 0; j < N; j++)
            if (on[j]) {
                count++;
                if (due[j] < min) min = due[j];
            }
        assert_int_equal(w.n, count);
        if (count) {
            assert_true(twheel_next(&w, &next));
            assert_int_equal(next, min);
        } else {
            assert_false(twheel_next(&w, &next));
        }
    }
    twheel_free(&w);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_twheel_fires_in_order),  cmocka_unit_test(test_twheel_delete_readd_far),
        cmocka_unit_test(test_twheel_window_restarts), cmocka_unit_test(test_twheel_fire_adds),
        cmocka_unit_test(test_twheel_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
