/* See seriestab.h. */
#include "output/seriestab.h"

#include <stdlib.h>
#include <string.h>
#include "metrics/tags.h"

static uint64_t st_hash(int metric, const char *key, size_t len) {
    uint64_t h = 1469598103934665603ull ^ (uint64_t)metric;
    for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)key[i]) * 1099511628211ull;
    return h ^ (h >> 29);
}

static int st_rehash(seriestab *t) {
    size_t ncap = t->tcap ? t->tcap * 2 : 256;
    uint32_t *tab = calloc(ncap, sizeof *tab);
    if (!tab) return -1;
    for (size_t i = 0; i < t->n; i++) {
        size_t j = st_hash(t->v[i].metric, t->v[i].key, t->v[i].klen) & (ncap - 1);
        while (tab[j]) j = (j + 1) & (ncap - 1);
        tab[j] = (uint32_t)i + 1;
    }
    free(t->table);
    t->table = tab;
    t->tcap = ncap;
    return 0;
}

long seriestab_get(seriestab *t, int metric, const char *key, size_t klen, bool *added) {
    *added = false;
    if (t->tcap) {
        for (size_t j = st_hash(metric, key, klen) & (t->tcap - 1); t->table[j]; j = (j + 1) & (t->tcap - 1)) {
            const seriestab_entry *e = &t->v[t->table[j] - 1];
            if (e->metric == metric && e->klen == klen && memcmp(e->key, key, klen) == 0) return t->table[j] - 1;
        }
    }
    if (t->n >= UINT32_MAX - 1) return -1;
    if (t->n == t->cap) {
        size_t ncap = t->cap ? t->cap * 2 : 64;
        seriestab_entry *nv = realloc(t->v, ncap * sizeof *nv);
        if (!nv) return -1;
        t->v = nv;
        t->cap = ncap;
    }
    if ((t->n + 1) * 2 > t->tcap && st_rehash(t)) return -1;
    char *k = malloc(klen ? klen : 1);
    if (!k) return -1;
    if (klen) memcpy(k, key, klen);
    t->v[t->n] = (seriestab_entry){.metric = metric, .key = k, .klen = klen};
    size_t j = st_hash(metric, key, klen) & (t->tcap - 1);
    while (t->table[j]) j = (j + 1) & (t->tcap - 1);
    t->table[j] = (uint32_t)t->n + 1;
    *added = true;
    return (long)t->n++;
}

void seriestab_free(seriestab *t) {
    for (size_t i = 0; i < t->n; i++) free(t->v[i].key);
    free(t->v);
    free(t->table);
    memset(t, 0, sizeof *t);
}

size_t seriestab_key(const char *tags, size_t len, const char *skip, bool skip_empty_names, char *out) {
    size_t klen = 0;
    const char *k, *v;
    for (size_t off = 0; (off = tagset_next(tags, len, off, &k, &v)) != 0;) {
        if (tag_is_metadata(k) || !*v || (skip_empty_names && !*k) || (skip && strcmp(k, skip) == 0)) continue;
        size_t kl = strlen(k) + 1, vl = strlen(v) + 1;
        memcpy(out + klen, k, kl);
        memcpy(out + klen + kl, v, vl);
        klen += kl + vl;
    }
    return klen;
}
