/* Base64 in Go's four variants (util/base64.c): any input decoded by each
 * (a refusal names an offset inside the input), and every decoded result
 * encoded back and decoded again to the same bytes.
 * Input: byte 0 = variant, the rest = text.
 * FUZZ_ARGS: -max_len=4096 */
#include "fuzz.h"
#include "util/base64.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fz_in in = {data, size};
    int variant = fz_u8(&in) % 4;
    char *text = fz_dup(in.p, in.n);
    uint8_t *out = malloc(b64_decoded_max(in.n));
    size_t bad = (size_t)-1;
    ssize_t n = b64_decode(text, in.n, variant, out, &bad);
    if (n < 0) {
        if (bad > in.n) abort();
    } else {
        if ((size_t)n > b64_decoded_max(in.n)) abort();
        size_t elen = b64_encoded_len((size_t)n, variant);
        char *enc = malloc(elen + 1);
        if (b64_encode(out, (size_t)n, variant, enc) != elen || enc[elen]) abort();
        uint8_t *back = malloc(b64_decoded_max(elen));
        if (b64_decode(enc, elen, variant, back, &bad) != n || memcmp(back, out, (size_t)n)) abort();
        free(back);
        free(enc);
    }
    /* the input as bytes, encoded and decoded in every variant */
    for (int v = 0; v < 4; v++) {
        size_t elen = b64_encoded_len(in.n, v);
        char *enc = malloc(elen + 1);
        b64_encode(in.p, in.n, v, enc);
        uint8_t *back = malloc(b64_decoded_max(elen));
        if (b64_decode(enc, elen, v, back, &bad) != (ssize_t)in.n || (in.n && memcmp(back, in.p, in.n))) abort();
        free(back);
        free(enc);
    }
    b64_variant_from_name(text);
    free(out);
    free(text);
    return 0;
}
