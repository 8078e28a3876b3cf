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

#define NS_PER_US 1000ULL
#define NS_PER_DAY (86400ULL * 1000000000ULL)
#define NS_MAX ((uint64_t)INT64_MAX)

typedef struct {
    const char *name;
    uint64_t ns;
} unit_def;

/* Go's unit table; both spellings of the micro sign are accepted. */
static const unit_def UNITS[] = {
    {"ns", 1ULL},
    {"us", 1000ULL},
    {"\xc2\xb5s", 1000ULL}, /* U+00B5 micro sign */
    {"\xce\xbcs", 1000ULL}, /* U+03BC greek mu */
    {"ms", 1000000ULL},
    {"s", 1000000000ULL},
    {"m", 60ULL * 1000000000ULL},
    {"h", 3600ULL * 1000000000ULL},
};

__attribute__((format(printf, 4, 5)))
static int duration_fail(char *err, size_t errlen, const char *input, const char *fmt, ...)
{
    if (!err || errlen == 0) return -1;
    va_list ap;
    va_start(ap, fmt);
    err_vset_after(err, errlen, snprintf(err, errlen, "invalid duration \"%.64s\": ", input), fmt, ap);
    va_end(ap);
    return -1;
}

static const unit_def *unit_lookup(const char *u, size_t len)
{
    for (size_t i = 0; i < sizeof(UNITS) / sizeof(UNITS[0]); i++)
        if (strlen(UNITS[i].name) == len && memcmp(UNITS[i].name, u, len) == 0)
            return &UNITS[i];
    return NULL;
}

/* One "<number><unit>" component of a Go duration, added to *total_ns.
 * Advances *sp past it. */
static int parse_component(const char *input, const char **sp, uint64_t *total_ns,
                           char *err, size_t errlen)
{
    const char *s = *sp, *num = s;
    uint64_t whole = 0, frac = 0, scale = 1;
    bool digits = false;

    for (; isdigit((unsigned char)*s); s++, digits = true) {
        if (whole > (UINT64_MAX - 9) / 10) return duration_fail(err, errlen, input, "value is too large");
        whole = whole * 10 + (uint64_t)(*s - '0');
    }
    if (*s == '.') {
        /* Digits past 18 cannot change a nanosecond count; Go drops them too. */
        for (s++; isdigit((unsigned char)*s); s++, digits = true)
            if (scale < 1000000000000000000ULL) {
                frac = frac * 10 + (uint64_t)(*s - '0');
                scale *= 10;
            }
    }
    if (!digits) return duration_fail(err, errlen, input, "expected a number at \"%.32s\"", num);

    const char *unit = s;
    while (*s && *s != '.' && !isdigit((unsigned char)*s)) s++;
    if (unit == s)
        return duration_fail(err, errlen, input, "missing unit after \"%.*s\" (use ms, s, m, h)",
                    (int)(s - num), num);
    const unit_def *u = unit_lookup(unit, (size_t)(s - unit));
    if (!u)
        return duration_fail(err, errlen, input, "unknown unit \"%.*s\" (use ms, s, m, h)",
                    (int)(s - unit), unit);

    if (whole > NS_MAX / u->ns) return duration_fail(err, errlen, input, "value is too large");
    uint64_t v = whole * u->ns;
    uint64_t fv = frac ? (uint64_t)((double)frac * ((double)u->ns / (double)scale)) : 0;
    if (fv > NS_MAX - v) return duration_fail(err, errlen, input, "value is too large");
    v += fv;
    if (v > NS_MAX - *total_ns) return duration_fail(err, errlen, input, "value is too large");
    *total_ns += v;
    *sp = s;
    return 0;
}

/* Go's time.ParseDuration grammar: [-+]?(<number><unit>)+ or "0". */
static int parse_go(const char *input, const char *s, uint64_t *ns, char *err, size_t errlen)
{
    bool neg = false;
    if (*s == '-' || *s == '+') neg = (*s++ == '-');
    if (strcmp(s, "0") == 0) {
        *ns = 0;
        return 0;
    }
    if (*s == '\0') return duration_fail(err, errlen, input, "empty value");
    uint64_t total = 0;
    while (*s)
        if (parse_component(input, &s, &total, err, errlen) != 0) return -1;
    if (neg && total > 0) return duration_fail(err, errlen, input, "must not be negative");
    *ns = total;
    return 0;
}

/* k6's days extension: "<int>d" optionally followed by a Go duration. */
static int parse_days(const char *input, const char *dpos, uint64_t *ns, char *err, size_t errlen)
{
    const char *s = input;
    bool neg = false;
    if (*s == '-' || *s == '+') neg = (*s++ == '-');
    if (s == dpos) return duration_fail(err, errlen, input, "expected a whole number of days before \"d\"");
    uint64_t days = 0;
    for (; s < dpos; s++) {
        if (!isdigit((unsigned char)*s))
            return duration_fail(err, errlen, input, "days must be a whole number before \"d\"");
        if (days > NS_MAX / NS_PER_DAY) return duration_fail(err, errlen, input, "value is too large");
        days = days * 10 + (uint64_t)(*s - '0');
    }
    if (days > NS_MAX / NS_PER_DAY) return duration_fail(err, errlen, input, "value is too large");
    if (neg && days > 0) return duration_fail(err, errlen, input, "must not be negative");
    uint64_t rest = 0;
    if (dpos[1] != '\0') {
        if (dpos[1] == '-' || dpos[1] == '+')
            return duration_fail(err, errlen, input, "unexpected sign after \"d\"");
        if (parse_go(input, dpos + 1, &rest, err, errlen) != 0) return -1;
    }
    if (rest > NS_MAX - days * NS_PER_DAY) return duration_fail(err, errlen, input, "value is too large");
    *ns = days * NS_PER_DAY + rest;
    return 0;
}

static int64_t ns_to_us(uint64_t ns)
{
    return (int64_t)((ns + NS_PER_US / 2) / NS_PER_US);
}

static int parse_common(const char *s, int64_t *out_us, char *err, size_t errlen)
{
    uint64_t ns = 0;
    const char *d = strchr(s, 'd');
    int rc = d ? parse_days(s, d, &ns, err, errlen) : parse_go(s, s, &ns, err, errlen);
    if (rc != 0) return -1;
    *out_us = ns_to_us(ns);
    return 0;
}

/* Plain decimal number, as Go's ParseFloat would read it (no hex, inf, nan). */
static bool is_plain_number(const char *s)
{
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

int duration_parse(const char *s, int64_t *out_us, char *err, size_t errlen)
{
    if (!s) s = "";
    if (is_plain_number(s)) {
        double ms = strtod(s, NULL);
        if (!isfinite(ms)) return duration_fail(err, errlen, s, "value is too large");
        if (ms < 0) return duration_fail(err, errlen, s, "must not be negative");
        if (ms * 1000.0 >= 9.2e18) return duration_fail(err, errlen, s, "value is too large");
        *out_us = duration_from_json_ms(ms);
        return 0;
    }
    return parse_common(s, out_us, err, errlen);
}

/* Go's time.ParseDuration grammar and error texts (time/format.go). */
int duration_go_check(const char *orig, char *err, size_t errlen)
{
    static const char *const units[] = {"ns", "us", "\xc2\xb5s", "\xce\xbcs", "ms", "s", "m", "h"};
    const char *s = orig;
    if (*s == '-' || *s == '+') s++;
    if (strcmp(s, "0") == 0) return 0;
    if (!*s) return err_set(err, errlen, "time: invalid duration \"%s\"", orig);
    while (*s) {
        if (!(*s == '.' || isdigit((unsigned char)*s))) return err_set(err, errlen, "time: invalid duration \"%s\"", orig);
        const char *d0 = s;
        while (isdigit((unsigned char)*s)) s++;
        bool pre = s != d0, post = false;
        if (*s == '.') {
            s++;
            const char *f0 = s;
            while (isdigit((unsigned char)*s)) s++;
            post = s != f0;
        }
        if (!pre && !post) return err_set(err, errlen, "time: invalid duration \"%s\"", orig);
        const char *u = s;
        while (*s && *s != '.' && !isdigit((unsigned char)*s)) s++;
        if (u == s) return err_set(err, errlen, "time: missing unit in duration \"%s\"", orig);
        size_t ul = (size_t)(s - u);
        bool known = false;
        for (size_t i = 0; i < sizeof units / sizeof *units && !known; i++)
            known = strlen(units[i]) == ul && memcmp(units[i], u, ul) == 0;
        if (!known) return err_set(err, errlen, "time: unknown unit \"%.*s\" in duration \"%s\"", (int)ul, u, orig);
    }
    return 0;
}

int duration_parse_flag(const char *s, int64_t *out_us, char *err, size_t errlen)
{
    if (!s) s = "";
    return parse_common(s, out_us, err, errlen);
}

int64_t duration_from_json_ms(double ms)
{
    if (isnan(ms)) return 0;
    double us = ms * 1000.0;
    if (us >= 9.2e18) return INT64_MAX;
    if (us <= -9.2e18) return INT64_MIN;
    /* Round half away from zero without pulling in libm. */
    return (int64_t)(us + (us >= 0 ? 0.5 : -0.5));
}

/* Appends ".ddd" for frac/10^digits, trailing zeros dropped, or nothing. */
static void format_frac(char *p, size_t n, uint64_t frac, int digits)
{
    if (n == 0) return;
    *p = '\0';
    if (frac == 0) return;
    while (frac % 10 == 0) {
        frac /= 10;
        digits--;
    }
    snprintf(p, n, ".%0*llu", digits, (unsigned long long)frac);
}

void duration_format(char *buf, size_t n, int64_t us)
{
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
            snprintf(buf, n, "%s%lluh%llum%llu%ss", sign, (unsigned long long)h,
                     (unsigned long long)m, (unsigned long long)s, frac);
        else if (m)
            snprintf(buf, n, "%s%llum%llu%ss", sign, (unsigned long long)m,
                     (unsigned long long)s, frac);
        else
            snprintf(buf, n, "%s%llu%ss", sign, (unsigned long long)s, frac);
    }
}
