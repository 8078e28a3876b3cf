/* Tag sets, interned per worker. A tag set is packed as "k\0v\0k\0v\0" with keys
 * sorted, so equal sets are equal bytes. The owning worker interns (no lock);
 * the metrics engine on another thread reads entries below the published
 * count, which never move once written. */
#ifndef C6_TAGS_H
#define C6_TAGS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct tag_kv {
    const char *key;
    const char *value;
} tag_kv;
typedef struct tagdict tagdict;

tagdict *tagdict_new(void);
void tagdict_free(tagdict *d);
/* Sorts kvs by key (a later duplicate key wins), skips NULL values, interns. */
uint32_t tagdict_intern(tagdict *d, tag_kv *kvs, size_t n);
uint32_t tagdict_published(const tagdict *d);
const char *tagdict_get(const tagdict *d, uint32_t id, size_t *len);

/* ---- Memos: a set made again from the same parts, found without packing ----
 * A call site that makes the same few sets over and over (a VU's requests:
 * the VU's own tags, then method, url, status...) finds them again by
 * comparing the parts, a few pointers and short strings, instead of sorting,
 * packing and hashing them. The dict remembers recent sets per site: what
 * each was made of (the caller's `base`, the keys' addresses, where each
 * value sits in the packed set) and its id.
 *
 * A set's kvs are, in this order: the base kvs, which the caller stands for
 * by the number `base` (equal bases must mean base kvs that make the same
 * set, e.g. base = the id of the set they make alone: they are not looked
 * at), then n kvs of the site: the first nstatic with keys of static storage
 * (literals: compared by address), the others compared by content. `hint`
 * picks where the memo is kept (e.g. from the url): any value is correct,
 * a telling one keeps more sets found. What a memo finds is exactly the set
 * tagdict_intern would give for the same kvs.
 *
 * vlen (NULL: none known) holds the lengths of the site's values, exactly
 * as strlen would give them, where the caller knows them without counting,
 * TAGS_VLEN_ANY where not (the value is then compared up to its NUL) and
 * for a NULL value (never a length), or TAGS_VLEN_BUF16: a known length is
 * compared first, then the bytes, a word at a time.
 *
 * `last` (NULL: none) is the caller's own note of where its last set of
 * the site was remembered, e.g. one byte per site in each VU: looked at
 * first, so that a caller that makes the same set again finds it without
 * the hint's slot; kept up to date by both calls. Any value is correct. */
enum { TAGS_SITE_HTTP, TAGS_SITE_CHECK, TAGS_SITE_GROUP, TAGS_SITES };
#define TAGS_MEMO_KV  16         /* a site's kvs in a memo at most (more: no memo) */
#define TAGS_VLEN_ANY UINT32_MAX /* a value's length, not known */
/* ... not known, but 16 bytes can be read from the value (it sits at the
 * start of a buffer of 16 bytes or more, e.g. a char[16] field): a short
 * one is compared in two loads, whatever follows its NUL */
#define TAGS_VLEN_BUF16 (TAGS_VLEN_ANY - 3)
static inline bool tags_vlen_known(uint32_t vl) { return vl < TAGS_VLEN_BUF16; }
/* The id + 1 of the set of the site's n kvs on base, or 0: not remembered. */
uint32_t tagdict_memo_find(const tagdict *d, int site, uint32_t base, uint32_t hint, uint8_t *last, const tag_kv *kv,
                           const uint32_t *vlen, size_t nstatic, size_t n);
/* A hint (above) made of the site's n kvs (vlen: as for tagdict_memo_find):
 * the first values' lengths and some of their bytes. */
uint32_t tagdict_memo_hint(const tag_kv *kv, const uint32_t *vlen, size_t n);
/* tagdict_intern of kvs (nbase base kvs, then n - nbase of the site, the
 * first nstatic of those with static keys), remembered for the site. */
uint32_t tagdict_intern_memo(tagdict *d, int site, uint32_t base, uint32_t hint, uint8_t *last, tag_kv *kvs,
                             size_t nbase, size_t nstatic, size_t n);

/* What one set was made of (tags.c keeps them; here for tagdict_memo_again):
 * the site's kvs as given, key addresses, and where in the packed set each
 * key (a shadowed one: its winner's) and value sit. */
typedef struct tag_memo_kv {
    const char *key; /* as given (a static key is compared by address) */
    uint32_t vlen;   /* the value's length, or TAGS_MEMO_NULL: NULL (no such tag), or
                        TAGS_MEMO_SHADOWED: a later kv with its key won (no length a
                        caller gives: a string is shorter) */
    uint16_t koff;   /* where the key sits in the packed set (a shadowed kv: its winner's) */
    uint16_t voff;   /* where the value sits */
} tag_memo_kv;
#define TAGS_MEMO_NULL     (TAGS_VLEN_ANY - 1)
#define TAGS_MEMO_SHADOWED (TAGS_VLEN_ANY - 2)
typedef struct tag_memo {
    uint32_t id1;     /* the set's id + 1; 0: empty */
    uint32_t base;    /* the caller's base */
    uint32_t shape;   /* tags_memo_shape(site, n, nstatic) */
    const char *data; /* the packed set (its entry's, which never moves) */
    tag_memo_kv kv[TAGS_MEMO_KV];
} tag_memo;
#define TAGS_MEMO_SLOTS 128 /* per dict, in pairs (two ways), all sites together (~36 KB) */
/* The dict's memos (the first thing in it: tags.c). */
static inline const tag_memo *tagdict_memos(const tagdict *d) { return (const tag_memo *)(const void *)d; }
static inline uint32_t tags_memo_shape(int site, size_t n, size_t nstatic) {
    return (uint32_t)site | (uint32_t)n << 8 | (uint32_t)nstatic << 16;
}

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "tagdict_memo_again: the first byte of a string is the low byte of its first word"
#endif
static inline uint64_t tags_ld8(const char *p) {
    uint64_t w;
    memcpy(&w, p, 8);
    return w;
}
static inline uint32_t tags_ld4(const char *p) {
    uint32_t w;
    memcpy(&w, p, 4);
    return w;
}
/* The n bytes at a and b are the same (both hold n bytes): a few word
 * loads, the last ones overlapping, instead of a loop to a NUL. */
static inline bool tags_memeq(const char *a, const char *b, size_t n) {
    if (n >= 8) {
        if (tags_ld8(a) != tags_ld8(b)) return false;
        for (size_t i = 8; i + 8 < n; i += 8)
            if (tags_ld8(a + i) != tags_ld8(b + i)) return false;
        return tags_ld8(a + n - 8) == tags_ld8(b + n - 8);
    }
    if (n >= 4) return tags_ld4(a) == tags_ld4(b) && tags_ld4(a + n - 4) == tags_ld4(b + n - 4);
    return n == 0 || (a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1]);
}

/* The caller's last set of the site (`last`, as tagdict_memo_find keeps
 * it) looked at inline, without a call: its id + 1 if it is the set of
 * these kvs, 0 if not or if it takes more to tell (keys compared by
 * content, a long value of unknown length): then tagdict_memo_find. Any
 * n below 256 (the shape's byte; a memo has TAGS_MEMO_KV at most). */
static inline uint32_t tagdict_memo_again(const tagdict *d, uint8_t last, int site, uint32_t base, const tag_kv *kv,
                                          const uint32_t *vlen, size_t nstatic, size_t n) {
    const tag_memo *m = &tagdict_memos(d)[last % TAGS_MEMO_SLOTS];
    /* (an empty memo that passes gives its id1: 0, not found) */
    if (nstatic != n || m->base != base || m->shape != tags_memo_shape(site, n, nstatic)) return 0;
    for (size_t i = 0; i < n; i++) {
        const tag_memo_kv *r = &m->kv[i];
        const char *v = kv[i].value, *s = m->data + r->voff;
        uint32_t rl = r->vlen;
        if (kv[i].key != r->key) return 0;
        if (vlen[i] == rl) { /* a length: v is not NULL (above) */
            if (!tags_memeq(v, s, rl)) return 0;
        } else if (rl == TAGS_MEMO_NULL) {
            if (v) return 0;
        } else if (rl == TAGS_MEMO_SHADOWED) {
            continue; /* the same later key wins again: its value is what counts */
        } else if (vlen[i] == TAGS_VLEN_BUF16 && v && rl < 16) {
            /* bytes 0..rl (the NUL) of both: the memo's sets have 16 bytes
             * after each value (tags.c), the caller's buffer too */
            uint64_t lo = tags_ld8(v) ^ tags_ld8(s), hi = tags_ld8(v + 8) ^ tags_ld8(s + 8);
            if (rl <= 7 ? lo << (8 * (7 - rl)) : lo | hi << (8 * (15 - rl))) return 0;
        } else if (vlen[i] == TAGS_VLEN_ANY && v && rl < 16) {
            for (size_t j = 0; j <= rl; j++) /* v is read only while it matched s, which has no NUL before rl */
                if (v[j] != s[j]) return 0;
        } else return 0;
    }
    return m->id1;
}

/* k6's non-indexable system tags, vu and iter: in k6 they are a sample's
 * metadata, not tags (metrics.NonIndexableSystemTags), so the JSON and CSV
 * outputs list them apart, and InfluxDB and Prometheus never see them. */
static inline bool tag_is_metadata(const char *k) { return strcmp(k, "vu") == 0 || strcmp(k, "iter") == 0; }

/* Value of `key` in a packed set, or NULL. */
const char *tagset_find(const char *packed, size_t len, const char *key);
/* Iterates a packed set: returns the offset of the next pair or 0 at the end. */
size_t tagset_next(const char *packed, size_t len, size_t off, const char **k, const char **v);

#endif
