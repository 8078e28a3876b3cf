/* test_fifo.c - util/fifo.h (the event queues of k6/ws and k6/websockets
 * keep their order across slides and growth) and util/buf.h's limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "util/fifo.h"
#include "util/buf.h"

typedef struct {
    int *q;
    size_t head, n, cap;
} queue;

static void push(queue *f, int v) {
    int *q = fifo_room(f->q, &f->head, &f->n, &f->cap, sizeof *q);
    assert_non_null(q);
    f->q = q;
    f->q[f->n++] = v;
}

static int pop(queue *f) {
    assert_true(f->head < f->n);
    return f->q[f->head++];
}

/* The first room is 16 items; a full array grows by doubling. */
static void test_fifo_grows(void **state) {
    (void)state;
    queue f = {0};
    push(&f, 0);
    assert_int_equal(f.cap, 16);
    for (int i = 1; i < 17; i++) push(&f, i);
    assert_int_equal(f.cap, 32);
    for (int i = 0; i < 17; i++) assert_int_equal(pop(&f), i);
    free(f.q);
}

/* A full array whose front was consumed slides instead of growing, and
 * the items keep their order. */
static void test_fifo_slides(void **state) {
    (void)state;
    queue f = {0};
    for (int i = 0; i < 16; i++) push(&f, i);
    for (int i = 0; i < 5; i++) assert_int_equal(pop(&f), i);
    push(&f, 16);
    assert_int_equal(f.cap, 16);
    assert_int_equal(f.head, 0);
    assert_int_equal(f.n, 12);
    for (int i = 5; i <= 16; i++) assert_int_equal(pop(&f), i);
    free(f.q);
}

/* A length that wrapped (a hostile peer's, or a bug's) is refused at once:
 * doubling the capacity up to it would wrap to 0 and loop forever. */
static void test_buf_refuses_wrapped_lengths(void **state) {
    (void)state;
    buf b = {0};
    assert_int_equal(buf_append(&b, "ab", 2), 0);
    assert_int_equal(buf_reserve(&b, (size_t)-1 - 1), -1);
    assert_int_equal(buf_reserve(&b, (size_t)1 << 62), -1);
    assert_int_equal(b.len, 2);
    assert_string_equal(b.p, "ab");
    buf_free(&b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fifo_grows),
        cmocka_unit_test(test_buf_refuses_wrapped_lengths),
        cmocka_unit_test(test_fifo_slides),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
