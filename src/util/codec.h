/* HTTP content codings: whole buffers at a time (request bodies c6
 * compresses for params.compression, the target's compressed routes), and
 * a streaming decoder for a response's Content-Encoding chain (the client's
 * bodies, as they arrive). */
#ifndef C6_UTIL_CODEC_H
#define C6_UTIL_CODEC_H
#include <stddef.h>
#include <stdint.h>
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

/* ---- streaming decoding of a response body (k6's readResponseBody) ----
 *
 * "Content-Encoding: a, b" is undone b first, then a; codings k6 does not
 * know (identity, x-gzip, compress...) are left alone, as k6 does. gzip
 * reads every member (trailing bytes that are not one fail), deflate is the
 * zlib format only (bytes after its end are ignored), br and zstd as their
 * libraries. Failures carry k6's error_code and text: 1701
 * "error decompressing response body (<Go's error>)" for what k6 wraps
 * (a bad gzip/zlib header or checksum, any brotli error, zstd format errors,
 * an error while its reader is made, e.g. an empty gzip body: "(EOF)"), 1000
 * and Go's bare text for the rest ("unexpected EOF" for a truncated stream,
 * "flate: corrupt input before offset N" for corrupt deflate data). */

#define CODEC_CHAIN_MAX 4 /* codings undone; more is an error */

typedef struct codec_zpool { /* where z_streams come from and go back (a pool) */
    void *(*get)(void *ud);  /* a z_stream set up by inflateInit2, or NULL */
    void (*put)(void *ud, void *zs);
    void *ud;
} codec_zpool;

typedef struct codec_stage {
    void *st;                            /* z_stream, BrotliDecoderState or ZSTD_DStream; NULL until input */
    unsigned char codec, ended, members; /* ended: the stream is complete; members: gzip members begun */
} codec_stage;

typedef struct codec_chain {
    codec_stage s[CODEC_CHAIN_MAX]; /* s[0] undoes the coding listed last */
    unsigned char n;                /* stages; 0: identity */
    unsigned char failed;           /* an error was reported: later input is dropped */
    unsigned char toomany;          /* the header listed more than CODEC_CHAIN_MAX */
    const codec_zpool *zp;          /* NULL: z_streams are made and freed here */
} codec_chain;

typedef struct codec_error {
    int code;      /* k6's error_code: 1701 or 1000 */
    char msg[160]; /* k6's error text */
} codec_error;

enum { CODEC_LIMIT = -2 }; /* the decoded body would exceed max */

/* ch set up (zeroed) for the Content-Encoding value v[0..n). */
void codec_chain_parse(codec_chain *ch, const char *v, size_t n, const codec_zpool *zp);
/* ch set up for one coding (CODEC_GZIP, ...). */
void codec_chain_one(codec_chain *ch, int codec, const codec_zpool *zp);
/* Decodes p[0..n) and appends the result to out, which stays within max
 * bytes. 0; -1 with *e filled (then every later call returns -1 and
 * decodes nothing, so the caller can go on draining the body); CODEC_LIMIT
 * when out would exceed max; -3 out of memory. */
int codec_chain_feed(codec_chain *ch, const void *p, size_t n, buf *out, size_t max, codec_error *e);
/* The body is complete: a stream cut short is an error. Same returns. */
int codec_chain_end(codec_chain *ch, buf *out, size_t max, codec_error *e);
/* Releases the decoders (z_streams back to the pool); ch can be set up again. */
void codec_chain_free(codec_chain *ch);

#endif
