/* HTTP content codings, whole buffers at a time: request bodies c6
 * compresses (params.compression), response bodies in codings the h1
 * client does not stream (br, zstd), and the target's compressed routes. */
#ifndef C6_UTIL_CODEC_H
#define C6_UTIL_CODEC_H
#include <stddef.h>
#include "util/buf.h"

enum codec { CODEC_IDENTITY = 0, CODEC_GZIP, CODEC_DEFLATE, CODEC_BR, CODEC_ZSTD };

/* "gzip", "x-gzip", "deflate", "br", "zstd", "identity" (any case) of
 * s[0..n) without surrounding blanks; -1 if unknown. */
int codec_from_name(const char *s, size_t n);
const char *codec_name(int codec);
/* Appends in[0..n) encoded to out. deflate is the zlib format (RFC 9110).
 * 0, or -1 (out may hold a partial result). */
int codec_encode(int codec, const void *in, size_t n, buf *out);
/* Appends in[0..n) decoded to out; -1 on corrupt input or when the result
 * would exceed max bytes. deflate accepts zlib and raw streams. */
int codec_decode(int codec, const void *in, size_t n, buf *out, size_t max);

#endif
