/* The parsers behind `c6 target`'s routes (src/target): request bodies a
 * client sends (multipart/form-data, urlencoded forms, JSON containers),
 * percent-decoding of paths and queries, Basic auth base64, and the JSON
 * string writer echoing any of it back.
 * Input: "content-type\0body".
 * FUZZ_ARGS: -max_len=8192 -dict=@DIR@/target.dict */
#include "fuzz.h"
#include "target/target.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fz_in in = {data, size};
    char *ctype = fz_str(&in);
    char *body = fz_dup(in.p, in.n);
    size_t n = in.n;
    struct target_buf out = {0};

    const char *b;
    size_t bl;
    if (target_multipart_boundary(ctype, &b, &bl)) {
        if (b < ctype || b + bl > ctype + strlen(ctype)) abort();
        char *copy = fz_dup((const uint8_t *)body, n);
        struct target_part parts[8];
        int np = target_multipart_parse(copy, n, b, bl, parts, 8);
        for (int i = 0; i < np && i < 8; i++) {
            target_json_str(&out, parts[i].name ? parts[i].name : "", parts[i].name_len);   /* as target_routes.c */
            target_json_str(&out, parts[i].data, parts[i].len);
            if (parts[i].has_filename) target_json_str(&out, parts[i].filename, parts[i].filename_len);
            target_json_str(&out, parts[i].type ? parts[i].type : "", parts[i].type_len);
        }
        free(copy);
    }
    target_json_container(body, n);
    target_json_str(&out, body, n);
    target_url_encode(&out, body, n, "/");

    char *dec = fz_dup((const uint8_t *)body, n);
    size_t dn = target_url_decode(dec, n, 1);
    if (dn > n) abort();
    target_json_str(&out, dec, dn);
    free(dec);

    unsigned char *raw = malloc(n / 4 * 3 + 3);
    long rn = target_base64_decode(body, n, raw);
    if (rn > (long)(n / 4 * 3 + 3)) abort();
    free(raw);

    target_buf_free(&out);
    free(ctype);
    free(body);
    return 0;
}
