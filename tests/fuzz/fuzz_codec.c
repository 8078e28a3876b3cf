/* Content decoding (util/codec.c): gzip, deflate (zlib and raw), br and zstd
 * bodies as a hostile server sends them, with a 1 MB output limit that must
 * hold (bombs), and encode/decode round trips of the input.
 * Input: byte 0 = codec (mod 5), the rest = the body.
 * FUZZ_ARGS: -max_len=32768 */
#include "fuzz.h"
#include "util/codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fz_in in = {data, size};
    int codec = fz_u8(&in) % 5;
    char *body = fz_dup(in.p, in.n);
    buf out = {0};
    if (codec_decode(codec, body, in.n, &out, 1u << 20) == 0 && out.len > (1u << 20)) abort();
    buf_free(&out);
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
