/* Content codings over whole buffers (see codec.h). */
#include "util/codec.h"

#include <brotli/decode.h>
#include <brotli/encode.h>
#include <strings.h>
#include <zlib.h>
#include <zstd.h>

int codec_from_name(const char *s, size_t n) {
    static const struct { const char *name; int codec; } names[] = {
        {"gzip", CODEC_GZIP}, {"x-gzip", CODEC_GZIP}, {"deflate", CODEC_DEFLATE},
        {"br", CODEC_BR}, {"zstd", CODEC_ZSTD}, {"identity", CODEC_IDENTITY},
    };
    while (n && (*s == ' ' || *s == '\t')) s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i].name) == n && strncasecmp(s, names[i].name, n) == 0) return names[i].codec;
    return -1;
}

const char *codec_name(int codec) {
    static const char *const n[] = {"identity", "gzip", "deflate", "br", "zstd"};
    return codec >= 0 && codec <= CODEC_ZSTD ? n[codec] : "?";
}

static int zlib_encode(int window, const void *in, size_t n, buf *out) {
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, window, 8, Z_DEFAULT_STRATEGY) != Z_OK) return -1;
    size_t bound = deflateBound(&z, (uLong)n);
    int rc = buf_reserve(out, bound) ? Z_MEM_ERROR : Z_OK;
    if (rc == Z_OK) {
        z.next_in = (Bytef *)in;
        z.avail_in = (uInt)n;
        z.next_out = (Bytef *)out->p + out->len;
        z.avail_out = (uInt)bound;
        rc = deflate(&z, Z_FINISH);
        out->len += z.total_out;
        out->p[out->len] = 0;
    }
    deflateEnd(&z);
    return rc == Z_STREAM_END ? 0 : -1;
}

static int zlib_decode(int window, const void *in, size_t n, buf *out, size_t max) {
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, window) != Z_OK) return -1;
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)n;
    size_t len0 = out->len;
    int rc = Z_OK;
    while (rc == Z_OK) {
        if (out->len - len0 > max || buf_reserve(out, 16384)) { rc = Z_MEM_ERROR; break; }
        z.next_out = (Bytef *)out->p + out->len;
        z.avail_out = (uInt)(out->cap - out->len - 1);
        size_t before = z.avail_out;
        rc = inflate(&z, Z_NO_FLUSH);
        out->len += before - z.avail_out;
        out->p[out->len] = 0;
        if (rc == Z_BUF_ERROR && z.avail_in == 0) break;   /* truncated */
        if (rc == Z_BUF_ERROR) rc = Z_OK;
    }
    inflateEnd(&z);
    return rc == Z_STREAM_END && out->len - len0 <= max ? 0 : -1;
}

int codec_encode(int codec, const void *in, size_t n, buf *out) {
    switch (codec) {
    case CODEC_IDENTITY: return buf_append(out, in, n);
    case CODEC_GZIP: return zlib_encode(16 + 15, in, n, out);
    case CODEC_DEFLATE: return zlib_encode(15, in, n, out);
    case CODEC_BR: {
        size_t cap = BrotliEncoderMaxCompressedSize(n);
        if (!cap || buf_reserve(out, cap)) return -1;
        if (!BrotliEncoderCompress(BROTLI_DEFAULT_QUALITY, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_GENERIC, n,
                                   in, &cap, (uint8_t *)out->p + out->len))
            return -1;
        out->len += cap;
        out->p[out->len] = 0;
        return 0;
    }
    case CODEC_ZSTD: {
        size_t cap = ZSTD_compressBound(n);
        if (buf_reserve(out, cap)) return -1;
        size_t r = ZSTD_compress(out->p + out->len, cap, in, n, 3);
        if (ZSTD_isError(r)) return -1;
        out->len += r;
        out->p[out->len] = 0;
        return 0;
    }
    }
    return -1;
}

int codec_decode(int codec, const void *in, size_t n, buf *out, size_t max) {
    switch (codec) {
    case CODEC_IDENTITY: return n > max ? -1 : buf_append(out, in, n);
    case CODEC_GZIP: return zlib_decode(16 + 15, in, n, out, max);
    case CODEC_DEFLATE: {
        size_t len0 = out->len;
        if (zlib_decode(15, in, n, out, max) == 0) return 0;
        out->len = len0;                   /* many servers send raw deflate */
        return zlib_decode(-15, in, n, out, max);
    }
    case CODEC_BR: {
        BrotliDecoderState *st = BrotliDecoderCreateInstance(NULL, NULL, NULL);
        if (!st) return -1;
        const uint8_t *next_in = in;
        size_t avail_in = n, len0 = out->len;
        BrotliDecoderResult r = BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT;
        while (r == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT) {
            if (out->len - len0 > max || buf_reserve(out, 16384)) break;
            uint8_t *next_out = (uint8_t *)out->p + out->len;
            size_t avail_out = out->cap - out->len - 1, before = avail_out;
            r = BrotliDecoderDecompressStream(st, &avail_in, &next_in, &avail_out, &next_out, NULL);
            out->len += before - avail_out;
            out->p[out->len] = 0;
        }
        BrotliDecoderDestroyInstance(st);
        return r == BROTLI_DECODER_RESULT_SUCCESS && out->len - len0 <= max ? 0 : -1;
    }
    case CODEC_ZSTD: {
        ZSTD_DStream *z = ZSTD_createDStream();
        if (!z) return -1;
        ZSTD_inBuffer ib = {in, n, 0};
        size_t len0 = out->len, r = 1;
        while (ib.pos < ib.size || r != 0) {
            if (out->len - len0 > max || buf_reserve(out, 16384)) { r = 1; break; }
            ZSTD_outBuffer ob = {out->p + out->len, out->cap - out->len - 1, 0};
            r = ZSTD_decompressStream(z, &ob, &ib);
            out->len += ob.pos;
            out->p[out->len] = 0;
            if (ZSTD_isError(r)) break;
            if (r != 0 && ib.pos == ib.size && ob.pos < ob.size) { r = 1; break; }   /* truncated */
        }
        ZSTD_freeDStream(z);
        return r == 0 && out->len - len0 <= max ? 0 : -1;
    }
    }
    return -1;
}
