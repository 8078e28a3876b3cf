#include "metrics/samples.h"
#include "metrics/registry.h"
#include "util/err.h"

#include <stdint.h>
#include <stdlib.h>

/* The order of an HTTP request's samples is k6's (and c6's outputs').
 * val: which value written each sample takes (-1: the kind fixes it). */
#define HTTP_METRICS                                                                                                   \
    M_HTTP_REQS, M_HTTP_REQ_DURATION, M_HTTP_REQ_BLOCKED, M_HTTP_REQ_CONNECTING, M_HTTP_REQ_TLS_HANDSHAKING,           \
        M_HTTP_REQ_SENDING, M_HTTP_REQ_WAITING, M_HTTP_REQ_RECEIVING
const sample_pack_def sample_packs[PACK_KINDS] = {
    [PACK_HTTP] = {11,
                   PACK_HTTP_VALUES,
                   {HTTP_METRICS, M_HTTP_REQ_FAILED, M_DATA_SENT, M_DATA_RECEIVED},
                   {-1, 0, 1, 2, 3, 4, 5, 6, -1, 7, 8},
                   {[0] = 1, [8] = 0}},
    [PACK_HTTP_FAILED] = {11,
                          PACK_HTTP_VALUES,
                          {HTTP_METRICS, M_HTTP_REQ_FAILED, M_DATA_SENT, M_DATA_RECEIVED},
                          {-1, 0, 1, 2, 3, 4, 5, 6, -1, 7, 8},
                          {[0] = 1, [8] = 1}},
    [PACK_HTTP_NOFAILED] = {10,
                            PACK_HTTP_VALUES,
                            {HTTP_METRICS, M_DATA_SENT, M_DATA_RECEIVED},
                            {-1, 0, 1, 2, 3, 4, 5, 6, 7, 8},
                            {[0] = 1}},
    [PACK_ITER] = {2, PACK_ITER_VALUES, {M_ITERATIONS, M_ITERATION_DURATION}, {-1, 0}, {[0] = 1}},
};
/* The engine spreads a chunk's packs out into 3 samples a slot at most. */
_Static_assert(11 <= 3 * SAMPLE_PACK_SLOTS(PACK_HTTP_VALUES) && 2 <= 3 * SAMPLE_PACK_SLOTS(PACK_ITER_VALUES),
               "engine.c: e->unpacked");

static sample_chunk *samples_new_chunk(void) {
    sample_chunk *c = xmalloc(sizeof *c);
    c->next = NULL;
    c->n = c->extra = c->packs = 0;
    return c;
}

void sample_buf_init(sample_buf *b) {
    b->cur = samples_new_chunk();
    b->tags = tagdict_new();
    pthread_mutex_init(&b->lock, NULL);
    b->full_head = b->full_tail = b->spare = NULL;
    b->last_ns = INT64_MIN;
    b->stride = 1;
    b->lane = 0;
}

void sample_buf_set_lane(sample_buf *b, int lane, int stride) {
    b->stride = stride > 0 ? stride : 1;
    b->lane = lane >= 0 && lane < b->stride ? lane : 0;
}

static void samples_free_list(sample_chunk *c) {
    while (c) {
        sample_chunk *n = c->next;
        free(c);
        c = n;
    }
}

void sample_buf_destroy(sample_buf *b) {
    free(b->cur);
    samples_free_list(b->full_head);
    samples_free_list(b->spare);
    tagdict_free(b->tags);
    pthread_mutex_destroy(&b->lock);
}

void sample_buf_rotate(sample_buf *b) {
    pthread_mutex_lock(&b->lock);
    sample_chunk *c = b->cur;
    c->next = NULL;
    if (b->full_tail) b->full_tail->next = c;
    else b->full_head = c;
    b->full_tail = c;
    sample_chunk *fresh = b->spare;
    if (fresh) b->spare = fresh->next;
    pthread_mutex_unlock(&b->lock);
    if (!fresh) fresh = samples_new_chunk();
    fresh->n = fresh->extra = fresh->packs = 0;
    fresh->next = NULL;
    b->cur = fresh;
}

void sample_buf_flush(sample_buf *b) {
    if (b->cur->n) sample_buf_rotate(b);
}

sample_chunk *sample_buf_take(sample_buf *b) {
    pthread_mutex_lock(&b->lock);
    sample_chunk *list = b->full_head;
    b->full_head = b->full_tail = NULL;
    pthread_mutex_unlock(&b->lock);
    return list;
}

size_t sample_buf_pending(sample_buf *b) {
    size_t n = 0;
    pthread_mutex_lock(&b->lock);
    for (sample_chunk *c = b->full_head; c; c = c->next) n += c->n + c->extra;
    pthread_mutex_unlock(&b->lock);
    return n;
}

void sample_buf_recycle(sample_buf *b, sample_chunk *list) {
    if (!list) return;
    sample_chunk *last = list;
    while (last->next) last = last->next;
    pthread_mutex_lock(&b->lock);
    last->next = b->spare;
    b->spare = list;
    pthread_mutex_unlock(&b->lock);
}
