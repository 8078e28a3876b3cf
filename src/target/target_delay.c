/* Timer for /delay: a min-heap of suspended connections ordered by due
 * time, served by one thread that resumes them. Waiting requests thus
 * hold no worker thread, and 1000 concurrent /delay/1000 take ~1 s. */
#include "target/target.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#define TARGET_DELAY_BATCH 64

struct target_delay_item {
    uint64_t due; /* CLOCK_MONOTONIC, ns */
    struct MHD_Connection *c;
};

struct target_delay {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
    struct target_delay_item *heap;
    size_t n, cap;
    int closing;
};

static uint64_t target_now_ns(void) {
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void target_heap_push(struct target_delay *d, struct target_delay_item it) {
    size_t i = d->n++, up;

    while (i > 0 && d->heap[up = (i - 1) / 2].due > it.due) {
        d->heap[i] = d->heap[up];
        i = up;
    }
    d->heap[i] = it;
}

static struct target_delay_item target_heap_pop(struct target_delay *d) {
    struct target_delay_item top = d->heap[0], last = d->heap[--d->n];
    size_t i = 0, k;

    while ((k = 2 * i + 1) < d->n) {
        if (k + 1 < d->n && d->heap[k + 1].due < d->heap[k].due) k++;
        if (d->heap[k].due >= last.due) break;
        d->heap[i] = d->heap[k];
        i = k;
    }
    if (d->n > 0) d->heap[i] = last;
    return top;
}

/* Resumes outside the lock: MHD takes its own locks in resume, and the
 * handler calls suspend while holding ours. */
static void target_resume_batch(struct target_delay *d, uint64_t now) {
    struct MHD_Connection *batch[TARGET_DELAY_BATCH];
    size_t n = 0, i;

    while (d->n > 0 && d->heap[0].due <= now && n < TARGET_DELAY_BATCH) batch[n++] = target_heap_pop(d).c;
    pthread_mutex_unlock(&d->mu);
    for (i = 0; i < n; i++) MHD_resume_connection(batch[i]);
    pthread_mutex_lock(&d->mu);
}

static void *target_delay_loop(void *arg) {
    struct target_delay *d = arg;
    struct timespec ts;
    uint64_t now;

    pthread_mutex_lock(&d->mu);
    while (!d->closing) {
        if (d->n == 0) {
            pthread_cond_wait(&d->cv, &d->mu);
            continue;
        }
        now = target_now_ns();
        if (d->heap[0].due > now) {
            ts.tv_sec = (time_t)(d->heap[0].due / 1000000000u);
            ts.tv_nsec = (long)(d->heap[0].due % 1000000000u);
            pthread_cond_timedwait(&d->cv, &d->mu, &ts);
            continue;
        }
        target_resume_batch(d, now);
    }
    pthread_mutex_unlock(&d->mu);
    return NULL;
}

struct target_delay *target_delay_start(void) {
    struct target_delay *d = calloc(1, sizeof(*d));
    pthread_condattr_t ca;

    if (!d) return NULL;
    pthread_mutex_init(&d->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&d->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&d->thread, NULL, target_delay_loop, d) != 0) {
        pthread_cond_destroy(&d->cv);
        pthread_mutex_destroy(&d->mu);
        free(d);
        return NULL;
    }
    return d;
}

static int target_delay_reserve(struct target_delay *d) {
    struct target_delay_item *h;
    size_t cap;

    if (d->n < d->cap) return 1;
    cap = d->cap ? d->cap * 2 : 256;
    h = realloc(d->heap, cap * sizeof(*h));
    if (!h) return 0;
    d->heap = h;
    d->cap = cap;
    return 1;
}

int target_delay_add(struct target_delay *d, struct MHD_Connection *c, uint64_t ms) {
    struct target_delay_item it = {target_now_ns() + ms * 1000000u, c};

    pthread_mutex_lock(&d->mu);
    if (d->closing || !target_delay_reserve(d)) {
        pthread_mutex_unlock(&d->mu);
        return 0;
    }
    /* Suspend before the item is visible to the timer thread: resuming a
     * connection that is not suspended yet is undefined in MHD. */
    MHD_suspend_connection(c);
    target_heap_push(d, it);
    if (d->heap[0].c == c) pthread_cond_signal(&d->cv);
    pthread_mutex_unlock(&d->mu);
    return 1;
}

void target_delay_stop(struct target_delay *d) {
    if (!d) return;
    pthread_mutex_lock(&d->mu);
    d->closing = 1;
    pthread_cond_signal(&d->cv);
    pthread_mutex_unlock(&d->mu);
    pthread_join(d->thread, NULL);
    /* Nothing can be added once closing is set: release everyone now;
     * they answer right away with their (shortened) delay. */
    while (d->n > 0) MHD_resume_connection(target_heap_pop(d).c);
}

void target_delay_free(struct target_delay *d) {
    if (!d) return;
    pthread_cond_destroy(&d->cv);
    pthread_mutex_destroy(&d->mu);
    free(d->heap);
    free(d);
}
