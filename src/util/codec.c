/* Content codings over whole buffers (see codec.h). */
#include "util/codec.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <brotli/decode.h>
#include <brotli/encode.h>
#include <strings.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

int codec_from_name(const char *s, size_t n) {
    static const struct {
        const char *name;
        int codec;
    } names[] = {
        {"gzip", CODEC_GZIP}, {"x-gzip", CODEC_GZIP}, {"deflate", CODEC_DEFLATE},
        {"br", CODEC_BR},     {"zstd", CODEC_ZSTD},   {"identity", CODEC_IDENTITY},
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

/* Room for a decoder's next step into out, which held len0 bytes before
 * it: never more than one byte past max (enough to see the body is larger),
 * so a bomb cannot grow out beyond max + 1 whatever the buffer's capacity.
 * 0: past max already, or no memory. */
static size_t decode_room(buf *out, size_t len0, size_t max) {
    size_t got = out->len - len0;
    if (got > max) return 0;
    size_t left = max - got + 1, want = left < 16384 ? left : 16384;
    if (buf_reserve(out, want)) return 0;
    size_t room = out->cap - out->len - 1;
    return room < left ? room : left;
}

/* A decoder's result: -1 (out cut back to max bytes past len0) when it
 * produced more than max, else rc. */
static int decode_limit(buf *out, size_t len0, size_t max, int rc) {
    if (out->len - len0 <= max) return rc;
    out->len = len0 + max;
    out->p[out->len] = 0;
    return -1;
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
        size_t room = decode_room(out, len0, max);
        if (!room) {
            rc = Z_MEM_ERROR;
            break;
        }
        z.next_out = (Bytef *)out->p + out->len;
        z.avail_out = (uInt)(room > UINT_MAX ? UINT_MAX : room);
        size_t before = z.avail_out;
        rc = inflate(&z, Z_NO_FLUSH);
        out->len += before - z.avail_out;
        out->p[out->len] = 0;
        if (rc == Z_BUF_ERROR && z.avail_in == 0) break; /* truncated */
        if (rc == Z_BUF_ERROR) rc = Z_OK;
    }
    inflateEnd(&z);
    return decode_limit(out, len0, max, rc == Z_STREAM_END ? 0 : -1);
}

int codec_encode(int codec, const void *in, size_t n, buf *out) {
    switch (codec) {
    case CODEC_IDENTITY: return buf_append(out, in, n);
    case CODEC_GZIP: return zlib_encode(16 + 15, in, n, out);
    case CODEC_DEFLATE: return zlib_encode(15, in, n, out);
    case CODEC_BR: {
        size_t cap = BrotliEncoderMaxCompressedSize(n);
        if (!cap || buf_reserve(out, cap)) return -1;
        if (!BrotliEncoderCompress(BROTLI_DEFAULT_QUALITY, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_GENERIC, n, in, &cap,
                                   (uint8_t *)out->p + out->len))
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
        out->len = len0; /* many servers send raw deflate */
        return zlib_decode(-15, in, n, out, max);
    }
    case CODEC_BR: {
        BrotliDecoderState *st = BrotliDecoderCreateInstance(NULL, NULL, NULL);
        if (!st) return -1;
        const uint8_t *next_in = in;
        size_t avail_in = n, len0 = out->len;
        BrotliDecoderResult r = BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT;
        while (r == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT) {
            size_t room = decode_room(out, len0, max);
            if (!room) break;
            uint8_t *next_out = (uint8_t *)out->p + out->len;
            size_t avail_out = room, before = avail_out;
            r = BrotliDecoderDecompressStream(st, &avail_in, &next_in, &avail_out, &next_out, NULL);
            out->len += before - avail_out;
            out->p[out->len] = 0;
        }
        BrotliDecoderDestroyInstance(st);
        return decode_limit(out, len0, max, r == BROTLI_DECODER_RESULT_SUCCESS ? 0 : -1);
    }
    case CODEC_ZSTD: {
        ZSTD_DStream *z = ZSTD_createDStream();
        if (!z) return -1;
        ZSTD_inBuffer ib = {in, n, 0};
        size_t len0 = out->len, r = 1;
        while (ib.pos < ib.size || r != 0) {
            size_t room = decode_room(out, len0, max);
            if (!room) {
                r = 1;
                break;
            }
            ZSTD_outBuffer ob = {out->p + out->len, room, 0};
            r = ZSTD_decompressStream(z, &ob, &ib);
            out->len += ob.pos;
            out->p[out->len] = 0;
            if (ZSTD_isError(r)) break;
            if (r != 0 && ib.pos == ib.size && ob.pos < ob.size) {
                r = 1;
                break;
            } /* truncated */
        }
        ZSTD_freeDStream(z);
        return decode_limit(out, len0, max, r == 0 ? 0 : -1);
    }
    }
    return -1;
}

/* ---- a response body's Content-Encoding chain, streamed ---- */

#define CHAIN_TMP 8192 /* a stage's output, on the stack, per step */

__attribute__((format(printf, 4, 5))) static int chain_err(codec_chain *ch, codec_error *e, int code, const char *fmt,
                                                           ...) {
    char why[112];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    ch->failed = 1;
    e->code = code;
    /* k6's newDecompressionError wraps Go's text; a 1000 is Go's text alone */
    if (code == 1701) snprintf(e->msg, sizeof e->msg, "error decompressing response body (%s)", why);
    else snprintf(e->msg, sizeof e->msg, "%s", why);
    return -1;
}

/* k6's CompressionTypeString: gzip, deflate, zstd and br (x-gzip, identity
 * and the rest are not undone). */
static int chain_token(const char *s, size_t n) {
    while (n && (*s == ' ' || *s == '\t')) s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
    int c = codec_from_name(s, n);
    return c > 0 && !(n == 6 && (s[0] | 0x20) == 'x') ? c : 0;
}

void codec_chain_parse(codec_chain *ch, const char *v, size_t n, const codec_zpool *zp) {
    memset(ch, 0, sizeof *ch);
    ch->zp = zp;
    size_t end = n;
    for (;;) { /* right to left: the last coding applied is undone first */
        size_t b = end;
        while (b && v[b - 1] != ',') b--;
        int c = chain_token(v + b, end - b);
        if (c && ch->n == CODEC_CHAIN_MAX) ch->toomany = 1;
        else if (c) ch->s[ch->n++].codec = (unsigned char)c;
        if (!b) break;
        end = b - 1;
    }
}

void codec_chain_one(codec_chain *ch, int codec, const codec_zpool *zp) {
    memset(ch, 0, sizeof *ch);
    ch->zp = zp;
    ch->n = 1;
    ch->s[0].codec = (unsigned char)codec;
}

static int chain_push(codec_chain *ch, int i, const uint8_t *p, size_t n, buf *out, size_t max, codec_error *e);

/* Stage i's output: into the next stage, or the body. */
static int chain_emit(codec_chain *ch, int i, const uint8_t *p, size_t n, buf *out, size_t max, codec_error *e) {
    if (!n) return 0;
    if (i + 1 < ch->n) return chain_push(ch, i + 1, p, n, out, max, e);
    if (out->len > max || n > max - out->len) return CODEC_LIMIT;
    return buf_append(out, p, n) ? -3 : 0;
}

static int zlib_failed(codec_chain *ch, const codec_stage *s, const z_stream *z, int rc, codec_error *e) {
    int gz = s->codec == CODEC_GZIP;
    const char *m = z->msg ? z->msg : "";
    if (rc == Z_MEM_ERROR) return -3;
    if (rc == Z_NEED_DICT) return chain_err(ch, e, 1701, "%s", "zlib: invalid dictionary");
    if (!strcmp(m, "incorrect header check") || !strcmp(m, "unknown compression method") ||
        !strcmp(m, "invalid window size") || !strcmp(m, "unknown header flags set") ||
        !strcmp(m, "header crc mismatch"))
        return chain_err(ch, e, 1701, "%s", gz ? "gzip: invalid header" : "zlib: invalid header");
    if (!strcmp(m, "incorrect data check") || !strcmp(m, "incorrect length check"))
        return chain_err(ch, e, 1701, "%s", gz ? "gzip: invalid checksum" : "zlib: invalid checksum");
    /* corrupt deflate data: Go's flate.CorruptInputError, an offset from
     * the deflate data's start (zlib reads ahead: it may differ by a few) */
    uLong hdr = gz ? 10 : 2, off = z->total_in > hdr ? z->total_in - hdr : 0;
    return chain_err(ch, e, 1000, "flate: corrupt input before offset %lu", off);
}

static int zlib_push(codec_chain *ch, int i, const uint8_t *p, size_t n, buf *out, size_t max, codec_error *e) {
    codec_stage *s = &ch->s[i];
    int gz = s->codec == CODEC_GZIP;
    z_stream *z = s->st;
    if (!z) {
        if (ch->zp) z = ch->zp->get(ch->zp->ud);
        else if ((z = calloc(1, sizeof *z)) && inflateInit2(z, 15) != Z_OK) {
            free(z);
            z = NULL;
        }
        if (!z) return -3;
        inflateReset2(z, gz ? 16 + 15 : 15); /* gzip only, zlib only: as Go's readers */
        s->st = z;
        s->members = 1;
    }
    uint8_t tmp[CHAIN_TMP];
    z->next_in = (Bytef *)p;
    z->avail_in = (uInt)n;
    for (;;) {
        if (s->ended) {
            if (!z->avail_in || !gz) return 0; /* zlib: what follows its end is not read (Go) */
            inflateReset(z);                   /* gzip: another member (Go's multistream reader) */
            s->ended = 0;
            if (s->members < 255) s->members++;
        }
        z->next_out = tmp;
        z->avail_out = sizeof tmp;
        int rc = inflate(z, Z_NO_FLUSH);
        int r = chain_emit(ch, i, tmp, sizeof tmp - z->avail_out, out, max, e);
        if (r) return r;
        if (rc == Z_STREAM_END) {
            s->ended = 1;
            continue;
        }
        if (rc != Z_OK && rc != Z_BUF_ERROR) return zlib_failed(ch, s, z, rc, e);
        if (!z->avail_in && z->avail_out) return 0;
    }
}

static int br_push(codec_chain *ch, int i, const uint8_t *p, size_t n, buf *out, size_t max, codec_error *e) {
    codec_stage *s = &ch->s[i];
    if (s->ended) return n ? chain_err(ch, e, 1701, "%s", "brotli: excessive input") : 0;
    if (!s->st && !(s->st = BrotliDecoderCreateInstance(NULL, NULL, NULL))) return -3;
    uint8_t tmp[CHAIN_TMP];
    const uint8_t *next_in = p;
    size_t avail_in = n;
    for (;;) {
        uint8_t *next_out = tmp;
        size_t avail_out = sizeof tmp;
        BrotliDecoderResult r = BrotliDecoderDecompressStream(s->st, &avail_in, &next_in, &avail_out, &next_out, NULL);
        int rc = chain_emit(ch, i, tmp, sizeof tmp - avail_out, out, max, e);
        if (rc) return rc;
        if (r == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT) continue;
        if (r == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT) return 0;
        if (r == BROTLI_DECODER_RESULT_SUCCESS) {
            s->ended = 1;
            return avail_in ? chain_err(ch, e, 1701, "%s", "brotli: excessive input") : 0;
        }
        BrotliDecoderErrorCode code = BrotliDecoderGetErrorCode(s->st);
        if (code <= BROTLI_DECODER_ERROR_ALLOC_CONTEXT_MODES && code >= BROTLI_DECODER_ERROR_ALLOC_BLOCK_TYPE_TREES)
            return -3;
        const char *name = BrotliDecoderErrorString(code);
        while (*name == '_') name++;
        return chain_err(ch, e, 1701, "brotli: %s", name);
    }
}

static int zstd_push(codec_chain *ch, int i, const uint8_t *p, size_t n, buf *out, size_t max, codec_error *e) {
    codec_stage *s = &ch->s[i];
    if (!s->st) {
        if (!(s->st = ZSTD_createDStream())) return -3;
        ZSTD_initDStream(s->st);
        s->ended = 1; /* between frames: an empty body is a whole one */
    }
    uint8_t tmp[CHAIN_TMP];
    ZSTD_inBuffer ib = {p, n, 0};
    for (;;) {
        ZSTD_outBuffer ob = {tmp, sizeof tmp, 0};
        size_t r = ZSTD_decompressStream(s->st, &ob, &ib);
        if (ZSTD_isError(r)) {
            switch (ZSTD_getErrorCode(r)) { /* the klauspost/compress errors k6 wraps */
            case ZSTD_error_memory_allocation: return -3;
            case ZSTD_error_prefix_unknown: return chain_err(ch, e, 1701, "%s", "invalid input: magic number mismatch");
            case ZSTD_error_checksum_wrong: return chain_err(ch, e, 1701, "%s", "CRC check failed");
            case ZSTD_error_frameParameter_windowTooLarge: return chain_err(ch, e, 1701, "%s", "window size exceeded");
            default: return chain_err(ch, e, 1000, "zstd: %s", ZSTD_getErrorName(r));
            }
        }
        int rc = chain_emit(ch, i, tmp, ob.pos, out, max, e);
        if (rc) return rc;
        s->ended = r == 0;
        if (ib.pos == ib.size && ob.pos < ob.size) return 0;
    }
}

static int chain_push(codec_chain *ch, int i, const uint8_t *p, size_t n, buf *out, size_t max, codec_error *e) {
    switch (ch->s[i].codec) {
    case CODEC_GZIP:
    case CODEC_DEFLATE: return zlib_push(ch, i, p, n, out, max, e);
    case CODEC_BR: return br_push(ch, i, p, n, out, max, e);
    case CODEC_ZSTD: return zstd_push(ch, i, p, n, out, max, e);
    }
    return chain_emit(ch, i, p, n, out, max, e);
}

int codec_chain_feed(codec_chain *ch, const void *p, size_t n, buf *out, size_t max, codec_error *e) {
    if (ch->failed) return -1;
    if (ch->toomany) return chain_err(ch, e, 1701, "more than %d content codings", CODEC_CHAIN_MAX);
    if (!ch->n) return chain_emit(ch, -1, p, n, out, max, e);
    return n ? chain_push(ch, 0, p, n, out, max, e) : 0;
}

int codec_chain_end(codec_chain *ch, buf *out, size_t max, codec_error *e) {
    (void)out;
    (void)max;
    if (ch->failed) return -1;
    if (ch->toomany) return chain_err(ch, e, 1701, "more than %d content codings", CODEC_CHAIN_MAX);
    for (int i = 0; i < ch->n; i++) {
        const codec_stage *s = &ch->s[i];
        const z_stream *z = s->st;
        switch (s->codec) {
        case CODEC_GZIP: /* Go's gzip.NewReader reads the first header: its errors are wrapped */
            if (!z) return chain_err(ch, e, 1701, "%s", "EOF");
            if (s->ended) break;
            if (s->members == 1 && z->total_in < 10) return chain_err(ch, e, 1701, "%s", "unexpected EOF");
            return chain_err(ch, e, 1000, "%s", "unexpected EOF");
        case CODEC_DEFLATE: /* zlib.NewReader reads the 2-byte header */
            if (!z || (!s->ended && z->total_in < 2)) return chain_err(ch, e, 1701, "%s", "unexpected EOF");
            if (!s->ended) return chain_err(ch, e, 1000, "%s", "unexpected EOF");
            break;
        case CODEC_BR:
        case CODEC_ZSTD:
            if (!s->ended && (s->st || s->codec == CODEC_BR)) return chain_err(ch, e, 1000, "%s", "unexpected EOF");
            break;
        }
    }
    return 0;
}

void codec_chain_free(codec_chain *ch) {
    for (int i = 0; i < ch->n; i++) {
        codec_stage *s = &ch->s[i];
        if (!s->st) continue;
        switch (s->codec) {
        case CODEC_GZIP:
        case CODEC_DEFLATE:
            if (ch->zp) {
                ch->zp->put(ch->zp->ud, s->st);
                break;
            }
            inflateEnd(s->st);
            free(s->st);
            break;
        case CODEC_BR: BrotliDecoderDestroyInstance(s->st); break;
        case CODEC_ZSTD: ZSTD_freeDStream(s->st); break;
        }
        s->st = NULL;
    }
    const codec_zpool *zp = ch->zp;
    memset(ch, 0, sizeof *ch);
    ch->zp = zp;
}
