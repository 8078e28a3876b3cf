/* The TypeScript eraser (js/ts.c): any source text is either refused with
 * a message or turned into a copy of the same length where only
 * TypeScript-only syntax became blanks (newlines kept in place).
 * Input: the source.
 * FUZZ_ARGS: -max_len=8192 -dict=@DIR@/ts.dict */
#include "fuzz.h"
#include "js/ts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *src = fz_dup(data, size);
    char err[256];
    err[0] = 0;
    char *out = ts_strip(src, size, err, sizeof err);
    if (out) {
        for (size_t i = 0; i < size; i++) {
            if (out[i] == src[i]) continue;
            if (out[i] != ' ' || src[i] == '\n' || src[i] == '\r') abort();
        }
        if (out[size] != 0) abort();
        free(out);
    } else if (!err[0]) {
        abort();
    }
    ts_is_ts(src);
    free(src);
    return 0;
}
