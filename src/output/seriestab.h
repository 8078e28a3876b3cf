/* The series an aggregating output keeps (experimental-prometheus-rw's
 * per-series sinks, opentelemetry's per-series aggregates): (metric, packed
 * label set) -> a dense index, made when new. The output keeps its own
 * state in an array indexed the same way. Open addressing on an FNV-1a
 * hash; one owner thread (the metrics thread). */
#ifndef C6_OUTPUT_SERIESTAB_H
#define C6_OUTPUT_SERIESTAB_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct seriestab_entry {
    int metric;
    char *key; /* the packed set "k\0v\0..." (a copy) */
    size_t klen;
} seriestab_entry;

typedef struct seriestab {
    seriestab_entry *v;
    size_t n, cap;
    uint32_t *table; /* index + 1; 0: free */
    size_t tcap;
} seriestab;

/* The index of (metric, key), added when new (*added set); -1 when out of
 * memory. An index stays valid for the table's life. */
long seriestab_get(seriestab *t, int metric, const char *key, size_t klen, bool *added);
/* A series' key from a sample's packed tag set (len bytes): its "name\0value\0"
 * pairs less metadata (vu, iter), empty values, empty names when
 * skip_empty_names, and the name `skip` (NULL: none), in the set's order,
 * into out (room for len bytes). Its length. */
size_t seriestab_key(const char *tags, size_t len, const char *skip, bool skip_empty_names, char *out);
void seriestab_free(seriestab *t);

#endif
