#include "metrics/tags.h"
#include "util/err.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define TAGS_PAGE      1024  /* entries per page */
#define TAGS_MAX_PAGES 16384 /* 16M tag sets per worker */

typedef struct tag_entry {
    uint64_t hash;
    uint32_t len;
    char data[];
} tag_entry;

struct tagdict {
    tag_entry **pages[TAGS_MAX_PAGES];
    atomic_uint published;
    uint32_t n;
    uint32_t *table; /* open addressing: id + 1, 0 = empty */
    uint32_t cap;    /* power of two */
    char *scratch;
    size_t scratch_cap;
    uint32_t recent[4]; /* ids of the last sets interned (id + 1; 0: none) */
    unsigned recent_next;
};

tagdict *tagdict_new(void) {
    tagdict *d = xcalloc(1, sizeof *d); /* once per output/engine */
    d->cap = 256;
    d->table = xcalloc(d->cap, sizeof *d->table);
    d->scratch_cap = 256;
    d->scratch = xmalloc(d->scratch_cap);
    return d;
}

void tagdict_free(tagdict *d) {
    if (!d) return;
    for (uint32_t i = 0; i < d->n; i++) free(d->pages[i / TAGS_PAGE][i % TAGS_PAGE]);
    for (uint32_t p = 0; p < TAGS_MAX_PAGES && d->pages[p]; p++) free(d->pages[p]);
    free(d->table);
    free(d->scratch);
    free(d);
}

static tag_entry *tagdict_entry(const tagdict *d, uint32_t id) { return d->pages[id / TAGS_PAGE][id % TAGS_PAGE]; }

uint32_t tagdict_published(const tagdict *d) { return atomic_load_explicit(&d->published, memory_order_acquire); }

const char *tagdict_get(const tagdict *d, uint32_t id, size_t *len) {
    tag_entry *e = tagdict_entry(d, id);
    *len = e->len;
    return e->data;
}

/* 8 bytes a step (a set is ~100 bytes: FNV's byte loop cost ~500
 * instructions a request); multiply-xorshift mixing. */
static uint64_t tags_hash(const char *p, size_t n) {
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ n;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = (h ^ w) * 0xFF51AFD7ED558CCDULL;
        h ^= h >> 32;
    }
    uint64_t w = 0;
    memcpy(&w, p + i, n - i);
    h = (h ^ w) * 0xC4CEB9FE1A85EC53ULL;
    return h ^ (h >> 29);
}

static int tags_keycmp(const char *a, const char *b) {
    if (a == b) return 0;
    if (*a != *b) return (unsigned char)*a - (unsigned char)*b; /* most keys differ at once */
    return strcmp(a, b);
}

static void tags_sort(tag_kv *kvs, size_t n) { /* insertion sort, stable: sets are tiny */
    for (size_t i = 1; i < n; i++) {
        tag_kv x = kvs[i];
        size_t j = i;
        while (j > 0 && tags_keycmp(kvs[j - 1].key, x.key) > 0) {
            kvs[j] = kvs[j - 1];
            j--;
        }
        kvs[j] = x;
    }
}

#define TAGS_MAX_KV 256

static size_t tags_pack(tagdict *d, tag_kv *kvs, size_t n) {
    uint32_t kl[TAGS_MAX_KV], vl[TAGS_MAX_KV];
    size_t need = 0;
    for (size_t i = 0; i < n; i++) {
        kl[i] = (uint32_t)strlen(kvs[i].key) + 1;
        vl[i] = (uint32_t)strlen(kvs[i].value) + 1;
        need += kl[i] + vl[i];
    }
    if (need > d->scratch_cap) {
        d->scratch_cap = need * 2 + 64;
        d->scratch = xrealloc(d->scratch, d->scratch_cap);
    }
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        if (i + 1 < n && tags_keycmp(kvs[i].key, kvs[i + 1].key) == 0) continue; /* later wins */
        memcpy(d->scratch + off, kvs[i].key, kl[i]);
        off += kl[i];
        memcpy(d->scratch + off, kvs[i].value, vl[i]);
        off += vl[i];
    }
    return off;
}

static void tagdict_grow(tagdict *d) {
    uint32_t ncap = d->cap * 2;
    uint32_t *nt = xcalloc(ncap, sizeof *nt);
    for (uint32_t i = 0; i < d->n; i++) {
        uint32_t slot = (uint32_t)tagdict_entry(d, i)->hash & (ncap - 1);
        while (nt[slot]) slot = (slot + 1) & (ncap - 1);
        nt[slot] = i + 1;
    }
    free(d->table);
    d->table = nt;
    d->cap = ncap;
}

uint32_t tagdict_intern(tagdict *d, tag_kv *kvs, size_t n) {
    size_t k = 0; /* a NULL value means "no such tag": drop it before deduplicating */
    for (size_t i = 0; i < n; i++)
        if (kvs[i].value) kvs[k++] = kvs[i];
    n = k < TAGS_MAX_KV ? k : TAGS_MAX_KV;
    tags_sort(kvs, n);
    size_t len = tags_pack(d, kvs, n);
    /* a VU's requests mostly repeat the last few sets: no hash, no probe */
    for (int i = 0; i < 4; i++) {
        uint32_t r = d->recent[i];
        if (!r) continue;
        tag_entry *e = tagdict_entry(d, r - 1);
        if (e->len == len && memcmp(e->data, d->scratch, len) == 0) return r - 1;
    }
    uint64_t h = tags_hash(d->scratch, len);
    uint32_t slot = (uint32_t)h & (d->cap - 1);
    for (; d->table[slot]; slot = (slot + 1) & (d->cap - 1)) {
        tag_entry *e = tagdict_entry(d, d->table[slot] - 1);
        if (e->hash == h && e->len == len && memcmp(e->data, d->scratch, len) == 0) {
            d->recent[d->recent_next++ & 3] = d->table[slot];
            return d->table[slot] - 1;
        }
    }
    uint32_t id = d->n;
    if (id / TAGS_PAGE >= TAGS_MAX_PAGES) return 0; /* absurd cardinality: fold into set 0 */
    if (!d->pages[id / TAGS_PAGE] && !(d->pages[id / TAGS_PAGE] = calloc(TAGS_PAGE, sizeof(tag_entry *))))
        return 0; /* out of memory: folded into set 0 as above */
    tag_entry *e = malloc(sizeof *e + len + 1);
    if (!e) return 0;
    e->hash = h;
    e->len = (uint32_t)len;
    memcpy(e->data, d->scratch, len);
    e->data[len] = 0;
    d->pages[id / TAGS_PAGE][id % TAGS_PAGE] = e;
    d->table[slot] = id + 1;
    d->recent[d->recent_next++ & 3] = id + 1;
    d->n++;
    atomic_store_explicit(&d->published, d->n, memory_order_release);
    if (d->n * 2 > d->cap) tagdict_grow(d);
    return id;
}

size_t tagset_next(const char *packed, size_t len, size_t off, const char **k, const char **v) {
    if (off >= len) return 0;
    *k = packed + off;
    off += strlen(*k) + 1;
    *v = packed + off;
    off += strlen(*v) + 1;
    return off;
}

const char *tagset_find(const char *packed, size_t len, const char *key) {
    const char *k, *v;
    for (size_t off = 0; (off = tagset_next(packed, len, off, &k, &v)) != 0;)
        if (strcmp(k, key) == 0) return v;
    return NULL;
}
