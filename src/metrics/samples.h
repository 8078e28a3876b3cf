/* Per-worker sample buffers. A VU appends samples to its worker's current
 * chunk (no lock, no allocation); full chunks are handed to the metrics engine
 * under a mutex taken once per chunk, and come back empty for reuse.
 *
 * Sample times are monotonic nanoseconds, made unique by sample_stamp():
 * InfluxDB keeps one point per series and timestamp, so two samples of one
 * metric and tag set must never share a time (k6 relies on time.Now()'s
 * nanoseconds for that; c6 makes it certain). Each buffer stamps on its own
 * lane (stamp % stride == lane, one lane per buffer) and strictly
 * increasing, so no two stamps of a run are equal, whichever buffers they
 * come from. Samples of one event (a request's http_* metrics) share one
 * stamp: they are different series. */
#ifndef C6_SAMPLES_H
#define C6_SAMPLES_H
#include <pthread.h>
#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include "metrics/tags.h"
#include "util/clock.h"

typedef struct sample {
    int64_t t_ns; /* monotonic nanoseconds, from sample_stamp() */
    double value;
    uint32_t tags;   /* id in the worker's tagdict */
    uint16_t metric; /* registry id */
    uint16_t pad;
} sample;

#define SAMPLE_CHUNK 2048
typedef struct sample_chunk {
    struct sample_chunk *next;
    uint32_t n;     /* slots used */
    uint32_t extra; /* samples beyond n: those of packs (below) */
    uint32_t packs; /* packs among the n slots */
    sample s[SAMPLE_CHUNK];
} sample_chunk;

/* A pack: the samples of one event that share a stamp and a tag set and
 * whose metrics its kind fixes (an HTTP request's eleven), in fewer slots,
 * so that a worker writes and the engine reads less than a sample each. Its
 * first slot (metric SAMPLE_PACK, pad its kind) carries the stamp, the tags
 * and the first value written; the other values follow, three to a slot.
 * Values the kind fixes are not written at all: a request's http_reqs (1)
 * and http_req_failed (0 or 1: two kinds), an iteration's iterations (1):
 * an iteration of http.get + check takes 6 slots (144 bytes), not 8 (192;
 * callgrind, 2,000 VUs: ~0.75 D1 write misses fewer an iteration on the
 * worker, ~0.8 read misses fewer in the engine's drain).
 * The engine reads a pack as the samples it stands for, in the kind's order,
 * and its listeners (the outputs) get those samples: a pack is never seen
 * outside the engine. */
#define SAMPLE_PACK     0xFFFF
#define SAMPLE_PACK_MAX 11
enum {
    /* http_reqs, http_req_duration, _blocked, _connecting, _tls_handshaking,
     * _sending, _waiting, _receiving, http_req_failed, data_sent, data_received */
    PACK_HTTP,          /* http_req_failed 0 (an expected response) */
    PACK_HTTP_FAILED,   /* the same with http_req_failed 1 */
    PACK_HTTP_NOFAILED, /* the same without http_req_failed (no response callback) */
    PACK_ITER,          /* iterations, iteration_duration */
    PACK_KINDS
};
/* The values a request's pack has written: http_req_duration ... _receiving
 * (0-6), data_sent (7), data_received (8). An iteration's: its duration. */
#define PACK_HTTP_VALUES 9
#define PACK_ITER_VALUES 1
typedef struct sample_pack_def {
    uint32_t n;                       /* samples */
    uint32_t nval;                    /* values written: the samples the kind does not fix */
    uint16_t metric[SAMPLE_PACK_MAX]; /* registry ids, in the order of the samples */
    int8_t val[SAMPLE_PACK_MAX];      /* sample i's value: the val[i]-th written, or -1: fixed[i] */
    double fixed[SAMPLE_PACK_MAX];
} sample_pack_def;
extern const sample_pack_def sample_packs[PACK_KINDS];

/* Slots a pack of n values written takes: the first, then 3 to a slot. */
#define SAMPLE_PACK_SLOTS(n) (1 + ((n) + 1) / 3)

/* The i-th value written in the pack whose first slot is h. */
static inline double sample_pack_val(const sample *h, uint32_t i) {
    if (i == 0) return h->value;
    double v;
    memcpy(&v, (const char *)(h + 1) + (i - 1) * sizeof v, sizeof v);
    return v;
}

/* The value of the pack's i-th sample (d: its kind's). */
static inline double sample_pack_value(const sample *h, const sample_pack_def *d, uint32_t i) {
    return d->val[i] < 0 ? d->fixed[i] : sample_pack_val(h, (uint32_t)d->val[i]);
}

#define SAMPLE_SITE_KV 17 /* sample_buf's site_kv: 1 + 12 + 4 */
typedef struct sample_buf {
    sample_chunk *cur;    /* owner thread only */
    tagdict *tags;        /* owner interns, engine reads */
    int64_t last_ns;      /* owner: the last stamp given */
    int64_t stride, lane; /* owner: stamps are lane modulo stride */
    pthread_mutex_t lock; /* guards the lists below */
    sample_chunk *full_head, *full_tail, *spare;
    /* owner: where a request's tag kvs are put together for the memo's
     * look (http_emit: the group's room, 12 system tags, a few of its
     * own), not on the VU's stack: nothing runs between writing and
     * reading them (no JS, no switch), so one a worker does. Lines every
     * VU of the worker writes stay cached; the VU's stack below the
     * response's frame is cold since its last iteration, and a frame of
     * ~6 lines there cost as many LL write misses (DRAM at 10,000 VUs),
     * of which the JS that runs next in that region takes back about
     * half. Callgrind, 5,000 VUs, an iteration: DLmw 43.7 -> 41.1. */
    tag_kv site_kv[SAMPLE_SITE_KV];
    uint32_t site_vl[SAMPLE_SITE_KV];
} sample_buf;

void sample_buf_init(sample_buf *b); /* lane 0 of 1 */
/* This buffer's stamps are lane modulo stride (0 <= lane < stride): give
 * each buffer of a run its own lane, the same stride, before it stamps. */
void sample_buf_set_lane(sample_buf *b, int lane, int stride);
void sample_buf_destroy(sample_buf *b);
void sample_buf_rotate(sample_buf *b);        /* publish cur, take an empty chunk */
void sample_buf_flush(sample_buf *b);         /* publish cur if it holds anything */
sample_chunk *sample_buf_take(sample_buf *b); /* engine: every published chunk, oldest first */
void sample_buf_recycle(sample_buf *b, sample_chunk *list);
/* Samples published and not taken yet (any thread; walks the list under the lock). */
size_t sample_buf_pending(sample_buf *b);

/* The time of a sample read as mono_ns (clock_now_ns()) on the owner's
 * thread: mono_ns moved back onto the buffer's lane (by less than stride
 * ns), or past the last stamp when the clock has not moved on. */
static inline int64_t sample_stamp(sample_buf *b, int64_t mono_ns) {
    int64_t t = mono_ns - mono_ns % b->stride + b->lane;
    if (t <= b->last_ns) t = b->last_ns + b->stride;
    b->last_ns = t;
    return t;
}

static inline int64_t sample_now(sample_buf *b) { return sample_stamp(b, clock_now_ns()); }

/* Samples of one event, written in place with one room check: room for n
 * (<= SAMPLE_CHUNK) samples, sample_put() each, then sample_commit() with
 * the end sample_put() returned (n or fewer written). Nothing else may
 * push in between. */
static inline sample *sample_room(sample_buf *b, uint32_t n) {
    if (SAMPLE_CHUNK - b->cur->n < n) sample_buf_rotate(b);
    return &b->cur->s[b->cur->n];
}

/* t_ns: a stamp from sample_stamp()/sample_now() of the same buffer. */
static inline sample *sample_put(sample *s, int metric, uint32_t tags, double v, int64_t t_ns) {
    s->t_ns = t_ns;
    s->value = v;
    s->tags = tags;
    s->metric = (uint16_t)metric;
    return s + 1;
}

static inline void sample_commit(sample_buf *b, const sample *end) { b->cur->n = (uint32_t)(end - b->cur->s); }

/* A pack of kind k with n values written (sample_packs[k].nval, passed as
 * the constant it is): room for it, its first slot written;
 * sample_pack_set() each value (0 .. n-1), then sample_pack_commit(). Nothing
 * else may push in between. */
static inline sample *sample_pack_begin(sample_buf *b, int kind, uint32_t n, uint32_t tags, int64_t t_ns) {
    sample *h = sample_room(b, SAMPLE_PACK_SLOTS(n));
    h->t_ns = t_ns;
    h->tags = tags;
    h->metric = SAMPLE_PACK;
    h->pad = (uint16_t)kind;
    return h;
}

static inline void sample_pack_set(sample *h, uint32_t i, double v) {
    if (i == 0) h->value = v;
    else memcpy((char *)(h + 1) + (i - 1) * sizeof v, &v, sizeof v);
}

/* n values written (as to sample_pack_begin), standing for the samples of
 * h's kind (sample_packs[h->pad].n). */
static inline void sample_pack_commit(sample_buf *b, const sample *h, uint32_t n) {
    sample_chunk *c = b->cur; /* h is at c->s[c->n]: sample_pack_begin's room */
    c->n += SAMPLE_PACK_SLOTS(n);
    c->extra += sample_packs[h->pad].n - SAMPLE_PACK_SLOTS(n);
    c->packs++;
}

static inline void sample_push(sample_buf *b, int metric, uint32_t tags, double v, int64_t t_ns) {
    if (b->cur->n == SAMPLE_CHUNK) sample_buf_rotate(b);
    sample_put(&b->cur->s[b->cur->n++], metric, tags, v, t_ns);
}

#endif
