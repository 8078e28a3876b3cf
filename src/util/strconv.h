/* Go's strconv.ParseInt (base 10) and strconv.ParseBool, the parsers k6
 * reads its flags, K6_* variables and output settings with: one of each
 * for the whole program. */
#ifndef C6_UTIL_STRCONV_H
#define C6_UTIL_STRCONV_H

#include <stdbool.h>
#include <stdint.h>

/* A whole decimal number, optional sign, nothing around it: 0, or -1
 * ("", " 5", "5x", out of the int64 range). */
int strconv_parse_i64(const char *s, int64_t *out);

/* "1", "t", "T", "true", "TRUE", "True" and their false forms: 0, or -1. */
int strconv_parse_bool(const char *s, bool *out);

#endif
