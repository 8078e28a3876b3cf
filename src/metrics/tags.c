#include "metrics/tags.h"
#include "util/err.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define TAGS_PAGE      1024  /* entries per page */
#define TAGS_MAX_PAGES 16384 /* 16M tag sets per worker */

typedef struct tag_entry {
    uint64_t hash;
    uint32_t len;
    char data[];
} tag_entry;

_Static_assert(TAGS_MEMO_SLOTS <= 256, "a caller's `last` (tags.h) is a byte");
#define TAGS_MEMO_OFF_MAX 0xFFF0u /* a longer packed set is not remembered */
#define TM_NULL           TAGS_MEMO_NULL
#define TM_SHADOWED       TAGS_MEMO_SHADOWED

#define TAGS_MAX_KV 256

struct tagdict {
    tag_memo memo[TAGS_MEMO_SLOTS]; /* first: tagdict_memos (tags.h) */
    tag_entry **pages[TAGS_MAX_PAGES];
    atomic_uint published;
    uint32_t n;
    uint32_t *table; /* open addressing: id + 1, 0 = empty */
    uint32_t cap;    /* power of two */
    char *scratch;
    size_t scratch_cap;
    uint32_t recent[4]; /* ids of the last sets interned (id + 1; 0: none) */
    unsigned recent_next;
    unsigned memo_next;
    /* the work arrays of tags_pack and tagdict_intern_memo (a kv's key and
     * value lengths and offsets, its place in the caller's order), here and
     * not in their frames: those run on a VU's stack, which keeps every page
     * it touched, and their 5 KB made each VU's stack a page deeper for the
     * whole run (issue 17) */
    uint32_t kl[TAGS_MAX_KV], vl[TAGS_MAX_KV], koff[TAGS_MAX_KV], voff[TAGS_MAX_KV];
    uint16_t ord[TAGS_MAX_KV];
};
_Static_assert(offsetof(struct tagdict, memo) == 0, "tagdict_memos (tags.h)");

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

/* Insertion sort, stable: sets are tiny. ord (NULL: none) moves with kvs. */
static void tags_sort(tag_kv *kvs, uint16_t *ord, size_t n) {
    for (size_t i = 1; i < n; i++) {
        tag_kv x = kvs[i];
        uint16_t xo = ord ? ord[i] : 0;
        size_t j = i;
        while (j > 0 && tags_keycmp(kvs[j - 1].key, x.key) > 0) {
            kvs[j] = kvs[j - 1];
            if (ord) ord[j] = ord[j - 1];
            j--;
        }
        kvs[j] = x;
        if (ord) ord[j] = xo;
    }
}

/* Packs sorted kvs into d->scratch; returns the length. koff/voff (NULL:
 * not wanted): where kv i's key and value went; a shadowed kv (a later one
 * has its key) gets its winner's key offset and voff UINT32_MAX. */
static size_t tags_pack(tagdict *d, const tag_kv *kvs, size_t n, uint32_t *koff, uint32_t *voff) {
    uint32_t *kl = d->kl, *vl = d->vl;
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
        if (i + 1 < n && tags_keycmp(kvs[i].key, kvs[i + 1].key) == 0) { /* later wins */
            if (voff) voff[i] = UINT32_MAX;
            continue;
        }
        if (koff) koff[i] = (uint32_t)off;
        memcpy(d->scratch + off, kvs[i].key, kl[i]);
        off += kl[i];
        if (voff) voff[i] = (uint32_t)off;
        memcpy(d->scratch + off, kvs[i].value, vl[i]);
        off += vl[i];
    }
    if (koff)
        for (size_t i = n; i-- > 0;)
            if (voff[i] == UINT32_MAX) koff[i] = koff[i + 1]; /* the run's last one won */
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

/* The id of the set packed in d->scratch (len bytes), added if new. *ok is
 * false when it could not be added (folded into set 0). */
static uint32_t tags_intern_packed(tagdict *d, size_t len, bool *ok) {
    *ok = true;
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
    *ok = false;
    uint32_t id = d->n;
    if (id / TAGS_PAGE >= TAGS_MAX_PAGES) return 0; /* absurd cardinality: fold into set 0 */
    if (!d->pages[id / TAGS_PAGE] && !(d->pages[id / TAGS_PAGE] = calloc(TAGS_PAGE, sizeof(tag_entry *))))
        return 0;                                    /* out of memory: folded into set 0 as above */
    tag_entry *e = malloc(sizeof *e + len + 1 + 16); /* 16 bytes after any value: TAGS_VLEN_BUF16 */
    if (!e) return 0;
    memset(e->data + len, 0, 1 + 16);
    *ok = true;
    e->hash = h;
    e->len = (uint32_t)len;
    memcpy(e->data, d->scratch, len);
    d->pages[id / TAGS_PAGE][id % TAGS_PAGE] = e;
    d->table[slot] = id + 1;
    d->recent[d->recent_next++ & 3] = id + 1;
    d->n++;
    atomic_store_explicit(&d->published, d->n, memory_order_release);
    if (d->n * 2 > d->cap) tagdict_grow(d);
    return id;
}

uint32_t tagdict_intern(tagdict *d, tag_kv *kvs, size_t n) {
    size_t k = 0; /* a NULL value means "no such tag": drop it before deduplicating */
    for (size_t i = 0; i < n; i++)
        if (kvs[i].value) kvs[k++] = kvs[i];
    n = k < TAGS_MAX_KV ? k : TAGS_MAX_KV;
    tags_sort(kvs, NULL, n);
    bool ok;
    return tags_intern_packed(d, tags_pack(d, kvs, n, NULL, NULL), &ok);
}

/* ---- memos ---- */

static uint32_t tags_memo_slot(int site, uint32_t base, uint32_t hint) {
    uint32_t h = base * 0x9E3779B1u ^ hint * 0x85EBCA77u ^ (uint32_t)site * 0xC2B2AE3Du;
    h ^= h >> 15;
    h *= 0x2C1B3C6Du;
    h ^= h >> 13;
    return h & (TAGS_MEMO_SLOTS - 2); /* the pair's first way */
}

/* a and b hold the same string; most differ (or are empty) at once */
static inline bool tags_streq(const char *a, const char *b) { return a[0] == b[0] && (!a[0] || !strcmp(a + 1, b + 1)); }

/* a holds b, whose length is blen: a short one compared here, byte by byte
 * (a is read only while it matched b's bytes, none of which ends a string) */
static inline bool tags_streq_len(const char *a, const char *b, size_t blen) {
    if (blen >= 8) return tags_streq(a, b);
    for (size_t j = 0; j <= blen; j++)
        if (a[j] != b[j]) return false;
    return true;
}

/* tags_memo_matches when a value's length is not what the memo has: not
 * known (vl: TAGS_VLEN_ANY), or the memo has no value (TM_NULL, TM_SHADOWED). */
static bool tags_memo_val_slow(const tag_memo_kv *r, const char *v, uint32_t vl, const char *data) {
    switch (r->vlen) {
    case TM_NULL: return !v;
    case TM_SHADOWED: return true; /* the same later key wins again: its value is what counts */
    default: return !tags_vlen_known(vl) && v && tags_streq_len(v, data + r->voff, r->vlen);
    }
}

/* The value v (vl: its length, tags.h) is the memo's kv r's. */
static inline bool tags_memo_kv_val(const tag_memo_kv *r, const char *v, uint32_t vl, const char *data) {
    if (__builtin_expect(vl == r->vlen && v != NULL, 1)) return tags_memeq(v, data + r->voff, vl);
    return tags_memo_val_slow(r, v, vl, data);
}

/* The memo m (of n kvs, the first nstatic with static keys) is the set of
 * the site's kvs kv (vlen: their values' lengths, tags.h): each key (a
 * static one by address), then its value; a known length that is the
 * memo's leaves the bytes to compare, a word at a time. */
static __attribute__((noinline)) bool tags_memo_matches(const tag_memo *m, const tag_kv *kv, const uint32_t *vlen,
                                                        size_t nstatic, size_t n) {
    const char *data = m->data;
    const tag_memo_kv *r = m->kv;
    size_t i = 0;
    for (; i < nstatic; i++)
        if (kv[i].key != r[i].key || !tags_memo_kv_val(&r[i], kv[i].value, vlen[i], data)) return false;
    for (; i < n; i++)
        if (!tags_streq(kv[i].key, data + r[i].koff) || !tags_memo_kv_val(&r[i], kv[i].value, vlen[i], data))
            return false;
    return true;
}

static const uint32_t tags_vlen_any[TAGS_MEMO_KV] = {TAGS_VLEN_ANY, TAGS_VLEN_ANY, TAGS_VLEN_ANY, TAGS_VLEN_ANY,
                                                     TAGS_VLEN_ANY, TAGS_VLEN_ANY, TAGS_VLEN_ANY, TAGS_VLEN_ANY,
                                                     TAGS_VLEN_ANY, TAGS_VLEN_ANY, TAGS_VLEN_ANY, TAGS_VLEN_ANY,
                                                     TAGS_VLEN_ANY, TAGS_VLEN_ANY, TAGS_VLEN_ANY, TAGS_VLEN_ANY};

uint32_t tagdict_memo_hint(const tag_kv *kv, const uint32_t *vlen, size_t n) {
    uint32_t h = (uint32_t)n;
    for (size_t i = 0; i < n && i < 4; i++) {
        const char *v = kv[i].value;
        size_t l = !v ? 0 : vlen && tags_vlen_known(vlen[i]) ? vlen[i] : strlen(v);
        h = h * 31 + (v ? (uint32_t)l + 1 : 0);
        if (l) h = h * 31 + (unsigned char)v[l - 1] + ((uint32_t)(unsigned char)v[l / 2] << 8);
    }
    return h;
}

/* tagdict_memo_find past the caller's last set: the hint's two ways. */
static __attribute__((noinline)) uint32_t tags_memo_find_hinted(const tagdict *d, int site, uint32_t base,
                                                                uint32_t hint, uint8_t *last, const tag_kv *kv,
                                                                const uint32_t *vlen, size_t nstatic, size_t n) {
    uint32_t shape = tags_memo_shape(site, n, nstatic);
    uint32_t s = tags_memo_slot(site, base, hint);
    for (uint32_t w = s; w < s + 2; w++) {
        const tag_memo *m = &d->memo[w];
        if (m->id1 && m->base == base && m->shape == shape && tags_memo_matches(m, kv, vlen, nstatic, n)) {
            if (last) *last = (uint8_t)w;
            return m->id1;
        }
    }
    return 0;
}

uint32_t tagdict_memo_find(const tagdict *d, int site, uint32_t base, uint32_t hint, uint8_t *last, const tag_kv *kv,
                           const uint32_t *vlen, size_t nstatic, size_t n) {
    if (n > TAGS_MEMO_KV) return 0;
    if (!vlen) vlen = tags_vlen_any;
    if (last) { /* the caller's last set first */
        const tag_memo *m = &d->memo[*last % TAGS_MEMO_SLOTS];
        if (m->id1 && m->base == base && m->shape == tags_memo_shape(site, n, nstatic) &&
            tags_memo_matches(m, kv, vlen, nstatic, n))
            return m->id1;
    }
    return tags_memo_find_hinted(d, site, base, hint, last, kv, vlen, nstatic, n);
}

uint32_t tagdict_intern_memo(tagdict *d, int site, uint32_t base, uint32_t hint, uint8_t *last, tag_kv *kvs,
                             size_t nbase, size_t nstatic, size_t n) {
    size_t nv = n - nbase;
    if (nv > TAGS_MEMO_KV || n > TAGS_MAX_KV) return tagdict_intern(d, kvs, n);
    tag_memo rec = {.base = base, .shape = tags_memo_shape(site, nv, nstatic)};
    uint16_t *ord = d->ord; /* where each kv was in the caller's order */
    size_t k = 0;
    bool keep = true;
    for (size_t i = 0; i < n; i++) {
        if (i >= nbase) rec.kv[i - nbase].key = kvs[i].key;
        if (kvs[i].value) {
            ord[k] = (uint16_t)i;
            kvs[k++] = kvs[i];
        } else if (i >= nbase) {
            rec.kv[i - nbase].vlen = TM_NULL;
            if (i - nbase >= nstatic) keep = false; /* a key found nowhere cannot be compared */
        }
    }
    tags_sort(kvs, ord, k);
    uint32_t *koff = d->koff, *voff = d->voff;
    size_t len = tags_pack(d, kvs, k, koff, voff);
    bool ok;
    uint32_t id = tags_intern_packed(d, len, &ok);
    if (!ok || !keep || len > TAGS_MEMO_OFF_MAX) return id;
    for (size_t j = 0; j < k; j++) {
        if (ord[j] < nbase) continue;
        tag_memo_kv *r = &rec.kv[ord[j] - nbase];
        r->koff = (uint16_t)koff[j];
        if (voff[j] == UINT32_MAX) r->vlen = TM_SHADOWED;
        else {
            r->voff = (uint16_t)voff[j];
            r->vlen = (uint32_t)strlen(d->scratch + voff[j]);
        }
    }
    rec.id1 = id + 1;
    rec.data = tagdict_entry(d, id)->data;
    uint32_t s = tags_memo_slot(site, base, hint);
    tag_memo *m = &d->memo[s];
    if (m->id1) m = &d->memo[s + 1];
    if (m->id1) m = &d->memo[s + (d->memo_next++ & 1)];
    *m = rec;
    if (last) *last = (uint8_t)(m - d->memo);
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
