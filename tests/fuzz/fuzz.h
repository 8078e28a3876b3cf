/* Shared by the libFuzzer harnesses (tests/fuzz/fuzz_*.c): a reader that
 * takes small numbers from the front of the input and strings from the
 * rest, so one input drives both the data and the choices made on it. */
#ifndef C6_FUZZ_H
#define C6_FUZZ_H
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
    const uint8_t *p;
    size_t n;
} fz_in;

/* One byte (0 once the input is used up). */
static inline uint8_t fz_u8(fz_in *in) {
    if (!in->n) return 0;
    in->n--;
    return *in->p++;
}

static inline uint32_t fz_u32(fz_in *in) {
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) v = v << 8 | fz_u8(in);
    return v;
}

/* A malloc'd NUL-terminated copy of the input up to the next NUL byte (or
 * the end), which is consumed: "a\0b" gives "a" then "b". */
static inline char *fz_str(fz_in *in) {
    const uint8_t *z = memchr(in->p, 0, in->n);
    size_t len = z ? (size_t)(z - in->p) : in->n;
    char *s = malloc(len + 1);
    if (!s) abort();
    memcpy(s, in->p, len);
    s[len] = 0;
    in->p += len + (z ? 1 : 0);
    in->n -= len + (z ? 1 : 0);
    return s;
}

/* A malloc'd copy of all of data (no NUL inside the copy is interpreted),
 * NUL-terminated, so that reads past the end are caught by ASan. */
static inline char *fz_dup(const uint8_t *data, size_t n) {
    char *s = malloc(n + 1);
    if (!s) abort();
    if (n) memcpy(s, data, n);
    s[n] = 0;
    return s;
}

#endif
