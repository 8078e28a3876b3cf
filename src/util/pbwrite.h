/* Protocol buffers written by hand, for the few fixed messages c6 sends
 * (Prometheus' remote-write WriteRequest, OTLP's metrics export): the wire
 * format's varints, keys and fields appended to a docbuf (util/buf.h: the
 * first failed allocation sticks in its oom flag, checked once at the end).
 * A nested message is built in a docbuf of its own and appended with
 * pbw_msg. */
#ifndef C6_UTIL_PBWRITE_H
#define C6_UTIL_PBWRITE_H
#include <stddef.h>
#include <stdint.h>
#include "util/buf.h"

enum { PBW_VARINT = 0, PBW_I64 = 1, PBW_LEN = 2 };

/* Encodes v as a varint into out (10 bytes at most); returns its length. */
size_t pbw_varint_enc(unsigned char out[10], uint64_t v);
/* Bytes a varint of v takes. */
size_t pbw_varint_len(uint64_t v);
void pbw_varint(docbuf *b, uint64_t v);
/* A field's key: its number and wire type. */
void pbw_tag(docbuf *b, int field, int wire);
/* field = n bytes (a string, bytes or an encoded message). */
void pbw_bytes(docbuf *b, int field, const void *p, size_t n);
/* field = the message built in m (m's oom carries over). */
void pbw_msg(docbuf *b, int field, const docbuf *m);
/* field = NUL-terminated s; nothing when s is empty (proto3's default). */
void pbw_str(docbuf *b, int field, const char *s);
/* A varint field (uint32/uint64/int64/bool/enum); nothing when 0. */
void pbw_uint(docbuf *b, int field, uint64_t v);
/* A fixed64/sfixed64 field, little endian, always written. */
void pbw_fixed64(docbuf *b, int field, uint64_t v);
/* A double field, always written (the ones c6 writes are in a oneof or
 * optional, where presence counts). */
void pbw_double(docbuf *b, int field, double v);
/* v's 8 bytes little endian without a key (packed repeated fixed64 or
 * double). */
void pbw_raw64(docbuf *b, uint64_t v);
uint64_t pbw_dbits(double v);

#endif
