/* HTTP/1.x response parser (net/h1_parse.c) fed a hostile byte stream in
 * pieces of random sizes, for up to four pipelined responses, then the
 * body decoded by its Content-Encoding (util/codec.c: gzip, deflate, br,
 * zstd). Input: byte 0 = flags (bit 0: HEAD request, bit 1: EOF at the
 * end), bytes 1-4 = seed of the piece sizes, the rest = the stream.
 * FUZZ_ARGS: -max_len=16384 -dict=@DIR@/h1_parse.dict */
#include <stdio.h>
#include "fuzz.h"
#include "net/h1_parse.h"
#include "util/codec.h"

static int collect(void *ud, const char *p, size_t n) {
    buf *b = ud;
    if (b->len > (1u << 20)) return 0; /* bodies beyond 1 MB: count, do not keep */
    return buf_append(b, p, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fz_in in = {data, size};
    uint8_t flags = fz_u8(&in);
    uint32_t seed = fz_u32(&in) | 1;
    char *stream = fz_dup(in.p, in.n);
    size_t len = in.n, off = 0;
    buf hdr = {0}, body = {0};
    for (int resp = 0; resp < 4; resp++) {
        h1_parser p;
        buf_clear(&body);
        h1_parser_init(&p, &hdr, flags & 1, collect, &body);
        int rc = H1P_AGAIN;
        while (off < len && rc == H1P_AGAIN) {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            size_t n = 1 + (seed % 64 < 48 ? seed % 7 : seed % 4096);
            if (n > len - off) n = len - off;
            /* a piece of its own, so that the parser's reads past it are seen */
            char *piece = malloc(n);
            if (!piece) abort();
            memcpy(piece, stream + off, n);
            size_t used = (size_t)-1;
            rc = h1_parse(&p, piece, n, &used);
            free(piece);
            if (rc == H1P_AGAIN && used != n) abort(); /* AGAIN consumes everything */
            if (rc == H1P_DONE && used > n) abort();
            if (rc == H1P_ERROR && !p.err) abort(); /* an error says why */
            off += rc == H1P_ERROR ? n : used;
        }
        if (rc == H1P_AGAIN && (flags & 2)) rc = h1_parse_eof(&p);
        if (rc == H1P_ERROR && !p.err) abort();
        if (rc != H1P_DONE) break;
        if (p.status < 0 || p.status > 999) abort(); /* Go: three characters Atoi reads as >= 0 */
        if (hdr.len > H1_MAX_HEADER_BYTES + 2) abort();
        if (p.encoding != H1_ENC_NONE && body.len) {
            buf dec = {0};
            int codec = p.encoding == H1_ENC_GZIP      ? CODEC_GZIP
                        : p.encoding == H1_ENC_DEFLATE ? CODEC_DEFLATE
                        : p.encoding == H1_ENC_BR      ? CODEC_BR
                                                       : CODEC_ZSTD;
            codec_decode(codec, body.p, body.len, &dec, 1u << 20);
            if (dec.len > (1u << 20)) abort(); /* the limit holds */
            buf_free(&dec);
        }
        if (!p.keep_alive || off >= len) break;
    }
    buf_free(&hdr);
    buf_free(&body);
    free(stream);
    return 0;
}
