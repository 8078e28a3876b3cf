/* Per-worker sample buffers. A VU appends samples to its worker's current
 * chunk (no lock, no allocation); full chunks are handed to the metrics engine
 * under a mutex taken once per chunk, and come back empty for reuse. */
#ifndef C6_SAMPLES_H
#define C6_SAMPLES_H
#include <pthread.h>
#include <stdint.h>
#include "metrics/tags.h"

typedef struct sample {
    int64_t t_us;        /* monotonic microseconds (clock_now_us) */
    double value;
    uint32_t tags;       /* id in the worker's tagdict */
    uint16_t metric;     /* registry id */
    uint16_t pad;
} sample;

#define SAMPLE_CHUNK 2048
typedef struct sample_chunk {
    struct sample_chunk *next;
    uint32_t n;
    sample s[SAMPLE_CHUNK];
} sample_chunk;

typedef struct sample_buf {
    sample_chunk *cur;          /* owner thread only */
    tagdict *tags;              /* owner interns, engine reads */
    pthread_mutex_t lock;       /* guards the lists below */
    sample_chunk *full_head, *full_tail, *spare;
} sample_buf;

void sample_buf_init(sample_buf *b);
void sample_buf_destroy(sample_buf *b);
void sample_buf_rotate(sample_buf *b);        /* publish cur, take an empty chunk */
void sample_buf_flush(sample_buf *b);         /* publish cur if it holds anything */
sample_chunk *sample_buf_take(sample_buf *b); /* engine: every published chunk, oldest first */
void sample_buf_recycle(sample_buf *b, sample_chunk *list);

static inline void sample_push(sample_buf *b, int metric, uint32_t tags, double v, int64_t t_us) {
    if (b->cur->n == SAMPLE_CHUNK) sample_buf_rotate(b);
    sample *s = &b->cur->s[b->cur->n++];
    s->t_us = t_us;
    s->value = v;
    s->tags = tags;
    s->metric = (uint16_t)metric;
}

#endif
