#include "util/strconv.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

int strconv_parse_i64(const char *s, int64_t *out) {
    if (!s || !*s || isspace((unsigned char)*s)) return -1;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end) return -1;
    *out = v;
    return 0;
}

int strconv_parse_bool(const char *s, bool *out) {
    static const char *const yes[] = {"1", "t", "T", "true", "TRUE", "True"};
    static const char *const no[] = {"0", "f", "F", "false", "FALSE", "False"};
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++) {
        if (strcmp(s, yes[i]) == 0) return *out = true, 0;
        if (strcmp(s, no[i]) == 0) return *out = false, 0;
    }
    return -1;
}
