#include "util/base64.h"

#include <stdbool.h>
#include <string.h>

static const char b64_std_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64_url_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static bool b64_is_url(int variant) { return variant == B64_URL || variant == B64_RAWURL; }
static bool b64_is_padded(int variant) { return variant == B64_STD || variant == B64_URL; }

int b64_variant_from_name(const char *s) {
    static const char *const names[] = {
        [B64_STD] = "std", [B64_RAWSTD] = "rawstd", [B64_URL] = "url", [B64_RAWURL] = "rawurl"};
    for (int i = 0; i < 4; i++)
        if (strcmp(s, names[i]) == 0) return i;
    return -1;
}

size_t b64_encoded_len(size_t n, int variant) {
    if (b64_is_padded(variant)) return (n + 2) / 3 * 4;
    return n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0);
}

size_t b64_encode(const uint8_t *in, size_t n, int variant, char *out) {
    const char *abc = b64_is_url(variant) ? b64_url_chars : b64_std_chars;
    char *o = out;
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        *o++ = abc[v >> 18];
        *o++ = abc[v >> 12 & 63];
        *o++ = abc[v >> 6 & 63];
        *o++ = abc[v & 63];
    }
    size_t rest = n - i;
    if (rest) {
        uint32_t v = (uint32_t)in[i] << 16 | (rest == 2 ? (uint32_t)in[i + 1] << 8 : 0);
        *o++ = abc[v >> 18];
        *o++ = abc[v >> 12 & 63];
        if (rest == 2) *o++ = abc[v >> 6 & 63];
        if (b64_is_padded(variant)) {
            if (rest == 1) *o++ = '=';
            *o++ = '=';
        }
    }
    *o = 0;
    return (size_t)(o - out);
}

static int b64_value(unsigned char c, bool url) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == (url ? '-' : '+')) return 62;
    if (c == (url ? '_' : '/')) return 63;
    return -1;
}

static size_t b64_skip_newlines(const char *in, size_t n, size_t i) {
    while (i < n && (in[i] == '\r' || in[i] == '\n')) i++;
    return i;
}

/* Writes the bytes of a quantum of `got` characters (2..4): got - 1 bytes. */
static size_t b64_flush(const int v[4], int got, uint8_t *out) {
    uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
    out[0] = (uint8_t)(w >> 16);
    if (got > 2) out[1] = (uint8_t)(w >> 8);
    if (got > 3) out[2] = (uint8_t)w;
    return (size_t)got - 1;
}

ssize_t b64_decode(const char *in, size_t n, int variant, uint8_t *out, size_t *bad) {
    bool url = b64_is_url(variant), padded = b64_is_padded(variant);
    size_t i = 0, o = 0;
    for (;;) {
        int v[4] = {0, 0, 0, 0}, got = 0;
        while (got < 4) {
            if (i == n) {
                if (got == 0) return (ssize_t)o;
                if (got == 1 || padded) {
                    *bad = i - (size_t)got;
                    return -1;
                }
                return (ssize_t)(o + b64_flush(v, got, out + o)); /* raw: a short last quantum */
            }
            unsigned char c = (unsigned char)in[i++];
            if (c == '\r' || c == '\n') continue;
            int x = b64_value(c, url);
            if (x >= 0) {
                v[got++] = x;
                continue;
            }
            if (c != '=' || !padded || got < 2) {
                *bad = i - 1;
                return -1;
            }
            if (got == 2) { /* "xx" must be followed by "==" */
                i = b64_skip_newlines(in, n, i);
                if (i == n) {
                    *bad = n;
                    return -1;
                }
                if (in[i] != '=') {
                    *bad = i - 1;
                    return -1;
                }
                i++;
            }
            i = b64_skip_newlines(in, n, i);
            if (i < n) {
                *bad = i;
                return -1;
            } /* nothing may follow the padding */
            return (ssize_t)(o + b64_flush(v, got, out + o));
        }
        o += b64_flush(v, 4, out + o);
    }
}
