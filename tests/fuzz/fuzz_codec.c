/* Content decoding (util/codec.c): gzip, deflate (zlib and raw), br and zstd
 * bodies as a hostile server sends them, with a 1 MB output limit that must
 * hold (bombs), and encode/decode round trips of the input; the same body
 * through the streaming chain decoder (codec_chain: the client's) with the
 * coding once and twice ("gzip, gzip"), fed in pieces (their size from
 * byte 0 too), whose output must stay within its limit as well.
 * Input: byte 0 = codec (mod 5) and piece size (/ 5), the rest = the body.
 * FUZZ_ARGS: -max_len=32768 */
#include <stdio.h>
#include "fuzz.h"
#include "util/codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fz_in in = {data, size};
    uint8_t b0 = fz_u8(&in);
    int codec = b0 % 5;
    size_t piece = (size_t)(b0 / 5) * 64 + 1;
    char *body = fz_dup(in.p, in.n);
    buf out = {0};
    if (codec_decode(codec, body, in.n, &out, 1u << 20) == 0 && out.len > (1u << 20)) abort();
    buf_free(&out);
    static const char *const names[] = {"identity", "gzip", "deflate", "br", "zstd"};
    char header[32];
    for (int twice = 0; twice < 2; twice++) {
        if (twice) snprintf(header, sizeof header, "%s, %s", names[codec], names[codec]);
        else snprintf(header, sizeof header, "%s", names[codec]);
        codec_chain ch;
        codec_chain_parse(&ch, header, strlen(header), NULL);
        codec_error e;
        int rc = 0;
        for (size_t off = 0; off < in.n && !rc; off += piece)
            rc = codec_chain_feed(&ch, body + off, in.n - off < piece ? in.n - off : piece, &out, 1u << 20, &e);
        if (!rc) rc = codec_chain_end(&ch, &out, 1u << 20, &e);
        if (out.len > (1u << 20)) abort();
        if (rc == -1 && (e.code != 1701 && e.code != 1000)) abort();
        codec_chain_free(&ch);
        buf_free(&out);
    }
    /* a round trip gives the input back */
    if (codec != 0 && in.n <= 2048) {
        buf enc = {0}, dec = {0};
        if (codec_encode(codec, body, in.n, &enc) == 0) {
            if (codec_decode(codec, enc.p, enc.len, &dec, in.n + 1)) abort();
            if (dec.len != in.n || (in.n && memcmp(dec.p, body, in.n))) abort();
        }
        buf_free(&enc);
        buf_free(&dec);
    }
    free(body);
    return 0;
}
