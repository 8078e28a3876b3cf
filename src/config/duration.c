/* duration.c - k6 duration parsing and Go-style formatting.
 *
 * k6 parses durations with Go's time.ParseDuration plus two extensions of its
 * own (leading whole days, and a unit-less number meaning milliseconds in
 * option strings). We parse into nanoseconds exactly as Go does, so fractions
 * like "1.5us" behave the same, and round to microseconds only at the end.
 */
#include "config/duration.h"
#include "util/err.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS_PER_US  1000ULL
#define NS_PER_DAY (86400ULL * 1000000000ULL)
#define NS_MAX     ((uint64_t)INT64_MAX)

typedef struct {
    const char *name;
    uint64_t ns;
} unit_def;

/* Go's unit table; both spellings of the micro sign are accepted. */
static const unit_def UNITS[] = {
    {"ns", 1ULL},           {"us", 1000ULL},      {"\xc2\xb5s", 1000ULL}, /* U+00B5 micro sign */
    {"\xce\xbcs", 1000ULL},                                               /* U+03BC greek mu */
    {"ms", 1000000ULL},     {"s", 1000000000ULL}, {"m", 60ULL * 1000000000ULL}, {"h", 3600ULL * 1000000000ULL},
};

__attribute__((format(printf, 4, 5))) static int duration_fail(char *err, size_t errlen, const char *input,
                                                               const char *fmt, ...) {
    if (!err || errlen == 0) return DURATION_OUT_OF_RANGE;
    va_list ap;
    va_start(ap, fmt);
    err_vset_after(err, errlen, snprintf(err, errlen, "invalid duration \"%.64s\": ", input), fmt, ap);
    va_end(ap);
    return DURATION_OUT_OF_RANGE;
}

/* Go's quote() of package time: in double quotes, '"' and '\' escaped, bytes
 * outside printable ASCII as \xHH. */
static int go_quote(char *out, size_t n, const char *s, size_t len) {
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
#define PUT(c)                                                                                                         \
    do {                                                                                                               \
        if (o + 1 < n) out[o] = (c);                                                                                   \
        o++;                                                                                                           \
    } while (0)
    PUT('"');
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80 || c < ' ') {
            PUT('\\');
            PUT('x');
            PUT(hex[c >> 4]);
            PUT(hex[c & 15]);
        } else {
            if (c == '"' || c == '\\') PUT('\\');
            PUT((char)c);
        }
    }
    PUT('"');
#undef PUT
    if (n) out[o < n ? o : n - 1] = '\0';
    return 0;
}

/* Go's three texts (time/format.go, ParseDuration). */
static int go_invalid(char *err, size_t errlen, const char *orig) {
    char q[300];
    go_quote(q, sizeof q, orig, strlen(orig));
    err_set(err, errlen, "time: invalid duration %s", q);
    return DURATION_INVALID;
}

static const unit_def *unit_lookup(const char *u, size_t len) {
    for (size_t i = 0; i < sizeof(UNITS) / sizeof(UNITS[0]); i++)
        if (strlen(UNITS[i].name) == len && memcmp(UNITS[i].name, u, len) == 0) return &UNITS[i];
    return NULL;
}

#define GO_LIMIT (1ULL << 63)

/* Go's time.ParseDuration: [-+]?(<number><unit>)+ or "0", into signed
 * nanoseconds, with Go's arithmetic (fractions through float64) and errors. */
int duration_go_parse(const char *orig, int64_t *out_ns, char *err, size_t errlen) {
    const char *s = orig ? orig : "";
    uint64_t d = 0;
    bool neg = false;
    if (*s == '-' || *s == '+') neg = (*s++ == '-');
    if (strcmp(s, "0") == 0) {
        *out_ns = 0;
        return 0;
    }
    if (*s == '\0') return go_invalid(err, errlen, orig ? orig : "");
    while (*s) {
        uint64_t v = 0, f = 0;
        double scale = 1;
        if (!(*s == '.' || isdigit((unsigned char)*s))) return go_invalid(err, errlen, orig);
        const char *p0 = s;
        for (; isdigit((unsigned char)*s); s++) { /* leadingInt */
            if (v > GO_LIMIT / 10) return go_invalid(err, errlen, orig);
            v = v * 10 + (uint64_t)(*s - '0');
            if (v > GO_LIMIT) return go_invalid(err, errlen, orig);
        }
        bool pre = s != p0, post = false;
        if (*s == '.') { /* leadingFraction: digits past int64's precision are dropped */
            const char *f0 = ++s;
            bool overflow = false;
            for (; isdigit((unsigned char)*s); s++) {
                if (overflow) continue;
                if (f > (GO_LIMIT - 1) / 10) {
                    overflow = true;
                    continue;
                }
                uint64_t y = f * 10 + (uint64_t)(*s - '0');
                if (y > GO_LIMIT) {
                    overflow = true;
                    continue;
                }
                f = y;
                scale *= 10;
            }
            post = s != f0;
        }
        if (!pre && !post) return go_invalid(err, errlen, orig);
        const char *u = s;
        while (*s && *s != '.' && !isdigit((unsigned char)*s)) s++;
        if (u == s) {
            char q[300];
            go_quote(q, sizeof q, orig, strlen(orig));
            err_set(err, errlen, "time: missing unit in duration %s", q);
            return DURATION_INVALID;
        }
        const unit_def *ud = unit_lookup(u, (size_t)(s - u));
        if (!ud) {
            char q[300], qu[100];
            go_quote(q, sizeof q, orig, strlen(orig));
            go_quote(qu, sizeof qu, u, (size_t)(s - u));
            err_set(err, errlen, "time: unknown unit %s in duration %s", qu, q);
            return DURATION_INVALID;
        }
        if (v > GO_LIMIT / ud->ns) return go_invalid(err, errlen, orig);
        v *= ud->ns;
        if (f > 0) {
            v += (uint64_t)((double)f * ((double)ud->ns / scale));
            if (v > GO_LIMIT) return go_invalid(err, errlen, orig);
        }
        if (v > GO_LIMIT - d) return go_invalid(err, errlen, orig);
        d += v;
    }
    if (neg) {
        *out_ns = d == GO_LIMIT ? INT64_MIN : -(int64_t)d;
        return 0;
    }
    if (d > GO_LIMIT - 1) return go_invalid(err, errlen, orig);
    *out_ns = (int64_t)d;
    return 0;
}

/* Go's strconv.ParseInt(s, 10, 64) for the days of k6's extension, with
 * its errors. */
static int go_parse_days(const char *s, size_t len, int64_t *out, char *err, size_t errlen) {
    char q[200];
    size_t i = 0;
    bool neg = false, range = false;
    uint64_t v = 0;
    if (i < len && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
    bool syntax = i == len;
    uint64_t limit = neg ? GO_LIMIT : GO_LIMIT - 1;
    for (; i < len && !syntax; i++) {
        if (!isdigit((unsigned char)s[i])) syntax = true;
        else if (v > (limit - (uint64_t)(s[i] - '0')) / 10) range = true;
        else if (!range) v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (syntax || range) {
        go_quote(q, sizeof q, s, len);
        err_set(err, errlen, "strconv.ParseInt: parsing %s: %s", q, syntax ? "invalid syntax" : "value out of range");
        return DURATION_INVALID;
    }
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return 0;
}

/* k6's ParseExtendedDuration without its number branch: Go's syntax, or
 * "<days>d" followed by an optional Go duration (errors in that order: the
 * part after the "d", then the days). c6 then refuses negative results and
 * what overflows int64 (where k6 wraps around). */
static int parse_common(const char *s, int64_t *out_us, char *err, size_t errlen) {
    int64_t ns = 0;
    const char *d = strchr(s, 'd');
    if (!d) {
        int rc = duration_go_parse(s, &ns, err, errlen);
        if (rc) return rc;
        if (ns < 0) return duration_fail(err, errlen, s, "must not be negative");
    } else {
        int64_t hours = 0, days;
        if (d[1]) {
            int rc = duration_go_parse(d + 1, &hours, err, errlen);
            if (rc) return rc;
            if (hours < 0) return err_set(err, errlen, "invalid time format '%s'", d + 1), DURATION_INVALID;
        }
        int rc = go_parse_days(s, (size_t)(d - s), &days, err, errlen);
        if (rc) return rc;
        if (days < 0) return duration_fail(err, errlen, s, "must not be negative");
        if ((uint64_t)days > NS_MAX / NS_PER_DAY || (uint64_t)hours > NS_MAX - (uint64_t)days * NS_PER_DAY)
            return duration_fail(err, errlen, s, "value is too large");
        ns = days * (int64_t)NS_PER_DAY + hours;
    }
    /* rounded to the microsecond (without adding first: ns may be INT64_MAX) */
    *out_us = ns / (int64_t)NS_PER_US + (ns % (int64_t)NS_PER_US >= (int64_t)NS_PER_US / 2);
    return 0;
}

/* What Go's strconv.ParseFloat accepts in decimal (c6 leaves out its hex,
 * "inf" and "nan" forms). */
static bool is_plain_number(const char *s) {
    bool digits = false;
    if (*s == '-' || *s == '+') s++;
    for (; isdigit((unsigned char)*s); s++) digits = true;
    if (*s == '.')
        for (s++; isdigit((unsigned char)*s); s++) digits = true;
    if (!digits) return false;
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '-' || *s == '+') s++;
        if (!isdigit((unsigned char)*s)) return false;
        while (isdigit((unsigned char)*s)) s++;
    }
    return *s == '\0';
}

int duration_parse(const char *s, int64_t *out_us, char *err, size_t errlen) {
    if (!s) s = "";
    double ms;
    /* a number is milliseconds, if ParseFloat takes it: one out of float64's
     * range ("1e309") is not, and goes on to ParseDuration as k6's does */
    if (is_plain_number(s) && isfinite(ms = strtod(s, NULL))) {
        if (ms < 0) return duration_fail(err, errlen, s, "must not be negative");
        if (ms * 1000.0 >= 9.2e18) return duration_fail(err, errlen, s, "value is too large");
        *out_us = duration_from_json_ms(ms);
        return 0;
    }
    return parse_common(s, out_us, err, errlen);
}

int duration_parse_flag(const char *s, int64_t *out_us, char *err, size_t errlen) {
    if (!s) s = "";
    return parse_common(s, out_us, err, errlen);
}

int64_t duration_from_json_ms(double ms) {
    if (isnan(ms)) return 0;
    double us = ms * 1000.0;
    if (us >= 9.2e18) return INT64_MAX;
    if (us <= -9.2e18) return INT64_MIN;
    /* Round half away from zero without pulling in libm. */
    return (int64_t)(us + (us >= 0 ? 0.5 : -0.5));
}

/* Appends ".ddd" for frac/10^digits, trailing zeros dropped, or nothing. */
static void format_frac(char *p, size_t n, uint64_t frac, int digits) {
    if (n == 0) return;
    *p = '\0';
    if (frac == 0) return;
    while (frac % 10 == 0) {
        frac /= 10;
        digits--;
    }
    snprintf(p, n, ".%0*llu", digits, (unsigned long long)frac);
}

void duration_format(char *buf, size_t n, int64_t us) {
    if (!buf || n == 0) return;
    if (us == 0) {
        snprintf(buf, n, "0s");
        return;
    }
    const char *sign = us < 0 ? "-" : "";
    uint64_t u = us < 0 ? (uint64_t)0 - (uint64_t)us : (uint64_t)us;
    char frac[16];

    if (u < 1000) {
        snprintf(buf, n, "%s%llu\xc2\xb5s", sign, (unsigned long long)u);
    } else if (u < (uint64_t)C6_US_PER_SEC) {
        format_frac(frac, sizeof(frac), u % 1000, 3);
        snprintf(buf, n, "%s%llu%sms", sign, (unsigned long long)(u / 1000), frac);
    } else {
        uint64_t h = u / (uint64_t)C6_US_PER_HOUR;
        uint64_t m = u / (uint64_t)C6_US_PER_MIN % 60;
        uint64_t s = u / (uint64_t)C6_US_PER_SEC % 60;
        format_frac(frac, sizeof(frac), u % (uint64_t)C6_US_PER_SEC, 6);
        if (h)
            snprintf(buf, n, "%s%lluh%llum%llu%ss", sign, (unsigned long long)h, (unsigned long long)m,
                     (unsigned long long)s, frac);
        else if (m) snprintf(buf, n, "%s%llum%llu%ss", sign, (unsigned long long)m, (unsigned long long)s, frac);
        else snprintf(buf, n, "%s%llu%ss", sign, (unsigned long long)s, frac);
    }
}
