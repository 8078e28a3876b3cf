/* See pbwrite.h. */
#include "util/pbwrite.h"

#include <string.h>

size_t pbw_varint_enc(unsigned char out[10], uint64_t v) {
    size_t n = 0;
    while (v >= 0x80) out[n++] = (unsigned char)(v | 0x80), v >>= 7;
    out[n++] = (unsigned char)v;
    return n;
}

size_t pbw_varint_len(uint64_t v) {
    size_t n = 1;
    while (v >= 0x80) v >>= 7, n++;
    return n;
}

void pbw_varint(docbuf *b, uint64_t v) {
    unsigned char t[10];
    doc_put(b, t, pbw_varint_enc(t, v));
}

void pbw_tag(docbuf *b, int field, int wire) { pbw_varint(b, (uint64_t)field << 3 | (uint64_t)wire); }

void pbw_bytes(docbuf *b, int field, const void *p, size_t n) {
    pbw_tag(b, field, PBW_LEN);
    pbw_varint(b, n);
    if (n) doc_put(b, p, n);
}

void pbw_msg(docbuf *b, int field, const docbuf *m) {
    if (m->oom) b->oom = 1;
    pbw_bytes(b, field, m->b.p, m->b.len);
}

void pbw_str(docbuf *b, int field, const char *s) {
    if (s && *s) pbw_bytes(b, field, s, strlen(s));
}

void pbw_uint(docbuf *b, int field, uint64_t v) {
    if (!v) return;
    pbw_tag(b, field, PBW_VARINT);
    pbw_varint(b, v);
}

void pbw_raw64(docbuf *b, uint64_t v) {
    unsigned char d[8];
    for (int i = 0; i < 8; i++) d[i] = (unsigned char)(v >> (8 * i));
    doc_put(b, d, 8);
}

void pbw_fixed64(docbuf *b, int field, uint64_t v) {
    pbw_tag(b, field, PBW_I64);
    pbw_raw64(b, v);
}

uint64_t pbw_dbits(double v) {
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    return u;
}

void pbw_double(docbuf *b, int field, double v) { pbw_fixed64(b, field, pbw_dbits(v)); }
