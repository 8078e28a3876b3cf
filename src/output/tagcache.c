#include "output/tagcache.h"

#include <stdlib.h>

int tagcache_init(tagcache *c, unsigned bits, tagcache_render *render, void *ctx) {
    memset(c, 0, sizeof *c);
    if (bits < 1 || bits > 16) return -1;
    c->slots = calloc((size_t)1 << bits, sizeof *c->slots);
    if (!c->slots) return -1;
    c->bits = bits;
    c->render = render;
    c->ctx = ctx;
    return 0;
}

void tagcache_free(tagcache *c) {
    for (size_t i = 0; c->slots && i < (size_t)1 << c->bits; i++) {
        free(c->slots[i].packed);
        free(c->slots[i].text);
    }
    free(c->slots);
    buf_free(&c->scratch);
    memset(c, 0, sizeof *c);
}

const tagcache_entry *tagcache_fill(tagcache *c, tagcache_entry *e, const char *tags, size_t len, int aux) {
    size_t split = 0;
    long id = 0;
    buf_clear(&c->scratch);
    if (c->render(c->ctx, tags, len, aux, &c->scratch, &split, &id)) return NULL;
    char *packed = malloc(len ? len : 1), *text = NULL;
    if (c->scratch.len && (text = malloc(c->scratch.len + 1))) memcpy(text, c->scratch.p, c->scratch.len + 1);
    if (!packed || (c->scratch.len && !text)) {
        free(packed);
        free(text);
        return NULL;
    }
    if (len) memcpy(packed, tags, len);
    free(e->packed);
    free(e->text);
    *e = (tagcache_entry){tags, packed, len, aux, true, text, c->scratch.len, split, id};
    return e;
}
