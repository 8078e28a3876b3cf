/* What an output renders once per tag set, kept for the next samples of
 * that set: the one cache the json, csv, influxdb and prometheus-rw outputs
 * share (each has its own instance).
 *
 * Direct-mapped, keyed by the packed set's address (tag sets are interned
 * and never move, so a run sees few distinct addresses) and an int chosen
 * by the output (prometheus-rw: the metric; 0 otherwise), a hit confirmed
 * by the set's bytes. A miss asks the output to render the set and keeps
 * what it made in the slot, replacing what was there. A hit costs a hash,
 * a few compares and a memcmp: no call, no allocation. One owner thread. */
#ifndef C6_TAGCACHE_H
#define C6_TAGCACHE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "util/buf.h"

typedef struct tagcache_entry {
    const char *key; /* the packed set's address last rendered here */
    char *packed;    /* its bytes, to confirm a hit */
    size_t plen;
    int aux; /* the output's second key part */
    bool used;
    char *text; /* what the output rendered (NUL-terminated), or NULL */
    size_t tlen;
    size_t split; /* an offset in text where the output's second part starts */
    long id;      /* a number the output keeps with the set */
} tagcache_entry;

/* Renders packed set tags[0..len) (with aux) for an output: appends its
 * text to `text` and may set *split and *id (0 unless set). 0, or -1 when
 * out of memory (the sample is then dropped). */
typedef int tagcache_render(void *ctx, const char *tags, size_t len, int aux, buf *text, size_t *split, long *id);

typedef struct tagcache {
    tagcache_entry *slots;
    unsigned bits; /* 1 << bits slots */
    buf scratch;
    tagcache_render *render;
    void *ctx;
} tagcache;

/* 1 << bits slots (bits <= 16). -1 when out of memory. */
int tagcache_init(tagcache *c, unsigned bits, tagcache_render *render, void *ctx);
void tagcache_free(tagcache *c);
/* Slow path of tagcache_get: renders into slot e. NULL when out of memory. */
const tagcache_entry *tagcache_fill(tagcache *c, tagcache_entry *e, const char *tags, size_t len, int aux);

static inline const tagcache_entry *tagcache_get(tagcache *c, const char *tags, size_t len, int aux) {
    uintptr_t h = ((uintptr_t)tags >> 3) ^ (len * 0x9E3779B1u) ^ ((uintptr_t)aux << 20);
    h ^= h >> 15;
    tagcache_entry *e = &c->slots[(h * 0x9E3779B97F4A7C15ull) >> (64 - c->bits)];
    if (e->used && e->key == tags && e->aux == aux && e->plen == len && (len == 0 || memcmp(e->packed, tags, len) == 0))
        return e;
    return tagcache_fill(c, e, tags, len, aux);
}

#endif
