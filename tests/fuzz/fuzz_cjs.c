/* The CommonJS wrapper (js/cjs.c): detection and the ES module text built
 * around any source (require() literals, comments, strings, templates,
 * regexes, a hostile file name).
 * Input: "path\0source".
 * FUZZ_ARGS: -max_len=8192 -dict=@DIR@/ts.dict */
#include "fuzz.h"
#include "js/cjs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fz_in in = {data, size};
    char *path = fz_str(&in);
    char *src = fz_dup(in.p, in.n);
    cjs_detect(src, in.n);
    size_t outlen = 0;
    char *out = cjs_wrap(src, in.n, path, &outlen);
    if (out) {
        if (out[outlen] != 0) abort();
        free(out);
    }
    free(path);
    free(src);
    return 0;
}
