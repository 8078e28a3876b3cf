/* The parsers behind `c6 target`'s routes (src/target): request bodies a
 * client sends (multipart/form-data, urlencoded forms, JSON containers),
 * percent-decoding of paths and queries, Basic auth base64, and the JSON
 * string writer echoing any of it back.
 * src/target/ is not in libc6.a (c6-target is a program of its own), so
 * its two MHD-free parser files are included here; the JSON container test
 * and the Basic auth decoding are static in target_routes.c (which needs
 * libmicrohttpd) and are repeated below as it does them, on the util/ code
 * it calls (utf8_valid + gojson_check_depth, b64_decode RawStd).
 * Input: "content-type\0body".
 * FUZZ_ARGS: -max_len=8192 -dict=@DIR@/target.dict */
#include "fuzz.h"
#include "target/target.h"
#include "target/target_multipart.c"
#include "target/target_url.c"
#include "util/base64.h"
#include "util/gojson.h"
#include "util/url.h"
#include "util/utf8.h"

#define TARGET_JSON_DEPTH 256 /* as target_routes.c */

/* target_routes.c's target_is_json_doc */
static int json_container(const char *s, size_t n) {
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) i++;
    if (!(i < n && (s[i] == '{' || s[i] == '[') && utf8_valid(s, n))) return 0;
    char err[256];
    size_t off = (size_t)-1;
    err[0] = 0;
    if (gojson_check_depth(s, n, TARGET_JSON_DEPTH, err, sizeof err, &off) == 0) return 1;
    if (off > n || !err[0]) abort();
    return 0;
}

/* target_routes.c's target_auth_ok, on the header value after "Basic " */
static void basic_auth(const char *h, size_t n) {
    unsigned char out[1024 + 3];
    size_t bad = (size_t)-1;
    while (n > 0 && *h == ' ') {
        h++;
        n--;
    }
    while (n > 0 && (h[n - 1] == ' ' || h[n - 1] == '=')) n--; /* padding optional */
    if (n > 1024 / 3 * 4) return;
    ssize_t got = b64_decode(h, n, B64_RAWSTD, out, &bad);
    if (got > (ssize_t)sizeof out) abort();
    if (got < 0 && bad > n) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fz_in in = {data, size};
    char *ctype = fz_str(&in);
    char *body = fz_dup(in.p, in.n);
    size_t n = in.n;
    docbuf out = {0};

    const char *b;
    size_t bl;
    if (target_multipart_boundary(ctype, &b, &bl)) {
        if (b < ctype || b + bl > ctype + strlen(ctype)) abort();
        char *copy = fz_dup((const uint8_t *)body, n);
        struct target_part parts[8];
        int np = target_multipart_parse(copy, n, b, bl, parts, 8);
        for (int i = 0; i < np && i < 8; i++) {
            target_json_str(&out, parts[i].name ? parts[i].name : "", parts[i].name_len); /* as target_routes.c */
            target_json_str(&out, parts[i].data, parts[i].len);
            if (parts[i].has_filename) target_json_str(&out, parts[i].filename, parts[i].filename_len);
            target_json_str(&out, parts[i].type ? parts[i].type : "", parts[i].type_len);
        }
        free(copy);
    }
    json_container(body, n);
    target_json_str(&out, body, n);
    target_url_encode(&out, body, n, "/");

    char *dec = fz_dup((const uint8_t *)body, n);
    size_t dn = url_unescape(dec, SIZE_MAX, dec, n, 1);
    if (dn > n) abort();
    target_json_str(&out, dec, dn);
    free(dec);

    basic_auth(body, n);

    doc_free(&out);
    free(ctype);
    free(body);
    return 0;
}
