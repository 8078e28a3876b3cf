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

/* k6's non-indexable system tags, vu and iter: in k6 they are a sample's
 * metadata, not tags (metrics.NonIndexableSystemTags), so the JSON and CSV
 * outputs list them apart, and InfluxDB and Prometheus never see them. */
static inline bool tag_is_metadata(const char *k) { return strcmp(k, "vu") == 0 || strcmp(k, "iter") == 0; }

/* Value of `key` in a packed set, or NULL. */
const char *tagset_find(const char *packed, size_t len, const char *key);
/* Iterates a packed set: returns the offset of the next pair or 0 at the end. */
size_t tagset_next(const char *packed, size_t len, size_t off, const char **k, const char **v);

#endif
