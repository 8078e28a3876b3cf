/* UTF-8 as Go reads it: no overlong forms, no surrogates, nothing above
 * U+10FFFF. Inline: the JSON string writer calls it per non-ASCII
 * character of every sample it writes. */
#ifndef C6_UTIL_UTF8_H
#define C6_UTIL_UTF8_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Length (1 to 4) of the well-formed sequence at s[0..n) (n > 0) with its
 * code point in *cp, or 0 when the bytes there are not one. */
static inline size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp) {
    unsigned char c = s[0];
    size_t len;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        v = c & 0x1F;
        min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        v = c & 0x0F;
        min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        v = c & 0x07;
        min = 0x10000;
    } else return 0;
    if (len > n) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        v = v << 6 | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
    *cp = v;
    return len;
}

/* Whether p[0..n) is well-formed UTF-8 throughout. */
static inline bool utf8_valid(const void *p, size_t n) {
    const unsigned char *s = (const unsigned char *)p; /* (cast: C++ includes it too, grpc/pb.cc) */
    uint32_t cp;
    for (size_t i = 0; i < n;) {
        size_t k = utf8_decode(s + i, n - i, &cp);
        if (!k) return false;
        i += k;
    }
    return true;
}

#endif
