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
 * `last` (NULL: none) is the caller's own note of where its last set of
 * the site was remembered, e.g. one byte per site in each VU: looked at
 * first, so that a caller that makes the same set again finds it without
 * the hint's slot; kept up to date by both calls. Any value is correct. */
enum { TAGS_SITE_HTTP, TAGS_SITE_CHECK, TAGS_SITE_GROUP, TAGS_SITES };
#define TAGS_MEMO_KV 16 /* a site's kvs in a memo at most (more: no memo) */
/* The id + 1 of the set of the site's n kvs on base, or 0: not remembered. */
uint32_t tagdict_memo_find(const tagdict *d, int site, uint32_t base, uint32_t hint, uint8_t *last, const tag_kv *kv,
                           size_t nstatic, size_t n);
/* tagdict_intern of kvs (nbase base kvs, then n - nbase of the site, the
 * first nstatic of those with static keys), remembered for the site. */
uint32_t tagdict_intern_memo(tagdict *d, int site, uint32_t base, uint32_t hint, uint8_t *last, tag_kv *kvs,
                             size_t nbase, size_t nstatic, size_t n);

/* k6's non-indexable system tags, vu and iter: in k6 they are a sample's
 * metadata, not tags (metrics.NonIndexableSystemTags), so the JSON and CSV
 * outputs list them apart, and InfluxDB and Prometheus never see them. */
static inline bool tag_is_metadata(const char *k) { return strcmp(k, "vu") == 0 || strcmp(k, "iter") == 0; }

/* Value of `key` in a packed set, or NULL. */
const char *tagset_find(const char *packed, size_t len, const char *key);
/* Iterates a packed set: returns the offset of the next pair or 0 at the end. */
size_t tagset_next(const char *packed, size_t len, size_t off, const char **k, const char **v);

#endif
