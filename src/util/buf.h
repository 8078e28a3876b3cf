/* A growable byte buffer (response bodies, header blocks, scratch text). */
#ifndef C6_BUF_H
#define C6_BUF_H
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

typedef struct buf {
    char *p;
    size_t len, cap;
} buf;

static inline int buf_reserve(buf *b, size_t extra) {
    if (extra > ((size_t)-1 >> 2) - b->len) return -1; /* a wrapped length: an error, not a hang */
    if (b->len + extra + 1 <= b->cap) return 0;
    size_t ncap = b->cap ? b->cap : 256;
    while (ncap < b->len + extra + 1) ncap *= 2;
    char *np = (char *)realloc(b->p, ncap); /* (cast: C++ includes it too, grpc/pb.cc) */
    if (!np) return -1;
    b->p = np;
    b->cap = ncap;
    return 0;
}

static inline int buf_append(buf *b, const void *data, size_t n) {
    if (buf_reserve(b, n)) return -1;
    if (n) memcpy(b->p + b->len, data, n); /* data may be NULL when n is 0 */
    b->len += n;
    b->p[b->len] = 0;
    return 0;
}

static inline int buf_puts(buf *b, const char *s) { return buf_append(b, s, strlen(s)); }
static inline void buf_clear(buf *b) {
    b->len = 0;
    if (b->p) b->p[0] = 0;
}
static inline void buf_free(buf *b) {
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

/* A document built in many small appends (the target's answers): the first
 * failed allocation sets oom and every append after it does nothing, so the
 * builder checks once, at the end. */
typedef struct docbuf {
    buf b;
    int oom;
} docbuf;

static inline void doc_put(docbuf *d, const void *data, size_t n) {
    if (!d->oom && buf_append(&d->b, data, n)) d->oom = 1;
}
static inline void doc_puts(docbuf *d, const char *s) { doc_put(d, s, strlen(s)); }
static inline void doc_putc(docbuf *d, char c) { doc_put(d, &c, 1); }
/* v in decimal */
static inline void doc_putu(docbuf *d, unsigned long long v) {
    char tmp[24];
    size_t i = sizeof tmp;
    do tmp[--i] = (char)('0' + v % 10);
    while (v /= 10);
    doc_put(d, tmp + i, sizeof tmp - i);
}
static inline void doc_free(docbuf *d) {
    buf_free(&d->b);
    d->oom = 0;
}

#endif
