/* Base64 in the four variants of Go's encoding/base64 that k6 scripts name:
 * "std" (RFC 4648 alphabet, padded), "rawstd" (no padding), "url" (URL-safe
 * alphabet, padded) and "rawurl". Decoding follows Go's rules so that the
 * same inputs are accepted and rejected as in k6. */
#ifndef C6_UTIL_BASE64_H
#define C6_UTIL_BASE64_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum b64_variant { B64_STD = 0, B64_RAWSTD, B64_URL, B64_RAWURL };

/* The variant named by s; -1 if s names none. */
int b64_variant_from_name(const char *s);

/* Characters b64_encode writes for n input bytes (without the NUL). */
size_t b64_encoded_len(size_t n, int variant);
/* Writes the encoding of in[0..n) and a NUL to out (b64_encoded_len + 1
 * bytes); returns the length without the NUL. */
size_t b64_encode(const uint8_t *in, size_t n, int variant, char *out);

/* Room b64_decode may need for n input characters. */
static inline size_t b64_decoded_max(size_t n) { return n / 4 * 3 + 3; }
/* Decodes in[0..n) into out. CR and LF are skipped anywhere; padded
 * variants want '=' padding up to a multiple of 4, raw ones refuse '=';
 * unused low bits of the last character are ignored (Go's non-strict
 * mode). Returns the decoded length, or -1 with *bad set to the offset of
 * the offending input byte (Go's "illegal base64 data at input byte N"). */
ssize_t b64_decode(const char *in, size_t n, int variant, uint8_t *out, size_t *bad);

#endif
