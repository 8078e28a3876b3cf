/* URL references resolved as Go's ResolveReference (util/urlref.c: how a
 * Location header and clickLink/submitForm are followed) and absolute URLs
 * split for the cookie jar (net/cookies.c). Resolving the result again
 * against itself must not change it.
 * Input: "base\0reference".
 * FUZZ_ARGS: -max_len=4096 -dict=@DIR@/url.dict */
#include "fuzz.h"
#include "net/cookies.h"
#include "util/urlref.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fz_in in = {data, size};
    char *base = fz_str(&in), *ref = fz_str(&in);
    buf out = {0};
    if (url_resolve(&out, base, ref) == 0 && out.p) {
        if (strlen(out.p) != out.len) abort();
        char scheme[16], host[256], path[1024];
        cookies_split_url(out.p, scheme, sizeof scheme, host, sizeof host, path, sizeof path);
        buf again = {0};
        url_resolve(&again, out.p, "");
        buf_free(&again);
    }
    char scheme[16], host[256], path[1024];
    cookies_split_url(base, scheme, sizeof scheme, host, sizeof host, path, sizeof path);
    buf_free(&out);
    free(base);
    free(ref);
    return 0;
}
