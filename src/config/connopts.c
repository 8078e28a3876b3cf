/* connopts.c - the values of k6's connection options parsed (see
 * connopts.h). */
#include "config/connopts.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config/duration.h"
#include "util/err.h"

#define C6_DNS_DEFAULT_TTL_US (5LL * 60 * 1000000) /* k6: ttl=5m */

/* s[0..n) in lower case, or NULL when out of memory */
static char *dup_lower(const char *s, size_t n) {
    char *r = malloc(n + 1);
    if (!r) return NULL;
    for (size_t i = 0; i < n; i++) r[i] = (char)tolower((unsigned char)s[i]);
    r[n] = 0;
    return r;
}

char *connopts_dup_lower(const char *s, size_t n) {
    char *r = dup_lower(s, n);
    if (!r) out_of_memory_exit(); /* the dialer's tables, made once per run */
    return r;
}

static int connopts_parse_port(const char *s, int *port) {
    char *end;
    long p = strtol(s, &end, 10);
    if (!*s || *end || p < 1 || p > 65535) return -1;
    *port = (int)p;
    return 0;
}

/* An IP address alone (no port) into sa, port 0. */
int connopts_parse_ip(const char *s, size_t n, dialer_sa *sa) {
    char tmp[64];
    if (n == 0 || n >= sizeof tmp) return -1;
    memcpy(tmp, s, n);
    tmp[n] = 0;
    memset(sa, 0, sizeof *sa);
    if (inet_pton(AF_INET, tmp, &sa->in4.sin_addr) == 1) {
        sa->in4.sin_family = AF_INET;
        return 0;
    }
    if (inet_pton(AF_INET6, tmp, &sa->in6.sin6_addr) == 1) {
        sa->in6.sin6_family = AF_INET6;
        return 0;
    }
    return -1;
}

const uint8_t *connopts_sa_bytes(const struct sockaddr *sa, int *len) {
    if (sa->sa_family == AF_INET) {
        *len = 4;
        return (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
    }
    *len = 16;
    return (const uint8_t *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
}

/* ---- parsers ---- */

int dialer_parse_target(const char *s, dialer_sa *to, int *port, char *err, size_t errlen) {
    *port = 0;
    const char *colon = strrchr(s, ':');
    if (s[0] == '[') { /* [v6] or [v6]:port */
        const char *close = strchr(s, ']');
        if (!close || connopts_parse_ip(s + 1, (size_t)(close - s - 1), to) || to->sa.sa_family != AF_INET6)
            return err_set(err, errlen, "\"%s\" is not an IP address or IP:port", s);
        if (close[1] == 0) return 0;
        if (close[1] != ':' || connopts_parse_port(close + 2, port))
            return err_set(err, errlen, "\"%s\" has an invalid port", s);
        return 0;
    }
    if (colon && strchr(s, ':') == colon) { /* one colon: IPv4:port */
        if (connopts_parse_ip(s, (size_t)(colon - s), to) || to->sa.sa_family != AF_INET)
            return err_set(err, errlen, "\"%s\" is not an IP address or IP:port", s);
        if (connopts_parse_port(colon + 1, port)) return err_set(err, errlen, "\"%s\" has an invalid port", s);
        return 0;
    }
    if (connopts_parse_ip(s, strlen(s), to)) return err_set(err, errlen, "\"%s\" is not an IP address or IP:port", s);
    return 0;
}

static int connopts_valid_name(const char *s, size_t n) {
    if (n == 0 || n > 253) return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!isalnum(c) && c != '-' && c != '.' && c != '_') return 0;
    }
    return 1;
}

int dialer_parse_host_key(const char *s, dialer_host *h, char *err, size_t errlen) {
    memset(h, 0, sizeof *h);
    size_t n = strlen(s);
    const char *colon = strrchr(s, ':');
    if (colon && strchr(s, ':') == colon) { /* name:port (names have no other colon) */
        if (connopts_parse_port(colon + 1, &h->port)) return err_set(err, errlen, "\"%s\" has an invalid port", s);
        n = (size_t)(colon - s);
    }
    const char *name = s;
    if (n && s[0] == '*') {
        h->wildcard = true;
        name++;
        n--;
    }
    if (!connopts_valid_name(name, n) || (colon && !h->port) || (strchr(s, ':') != colon))
        return err_set(err, errlen, "\"%s\" is not a host name (with an optional leading * and :port)", s);
    if (!(h->name = dup_lower(name, n))) return err_oom(err, errlen);
    return 0;
}

int dialer_parse_cidr(const char *s, dialer_cidr *c, char *err, size_t errlen) {
    memset(c, 0, sizeof *c);
    const char *slash = strchr(s, '/');
    dialer_sa sa;
    if (connopts_parse_ip(s, slash ? (size_t)(slash - s) : strlen(s), &sa))
        return err_set(err, errlen, "\"%s\" is not a CIDR range (like 10.0.0.0/8)", s);
    int len = 0;
    const uint8_t *a = connopts_sa_bytes(&sa.sa, &len);
    memcpy(c->addr, a, (size_t)len);
    c->family = sa.sa.sa_family;
    c->bits = len * 8;
    if (slash) {
        char *end;
        long b = strtol(slash + 1, &end, 10);
        if (!slash[1] || *end || b < 0 || b > len * 8)
            return err_set(err, errlen, "\"%s\" has an invalid prefix length", s);
        c->bits = (int)b;
    }
    return 0;
}

int dialer_check_pattern(const char *s, char *err, size_t errlen) {
    const char *name = s[0] == '*' ? s + 1 : s;
    if (*name == 0 && s[0] == '*') return 0; /* "*" blocks everything */
    if (!connopts_valid_name(name, strlen(name)))
        return err_set(err, errlen, "\"%s\" is not a host name pattern (a name with an optional leading *)", s);
    return 0;
}

/* One range: "a-b", "net/bits" or a single address. */
static int connopts_parse_range(const char *s, dialer_range *r, char *err, size_t errlen) {
    memset(r, 0, sizeof *r);
    const char *dash = strchr(s, '-');
    const char *slash = strchr(s, '/');
    dialer_sa lo, hi;
    int len = 0;
    if (dash) {
        if (connopts_parse_ip(s, (size_t)(dash - s), &lo) || connopts_parse_ip(dash + 1, strlen(dash + 1), &hi) ||
            lo.sa.sa_family != hi.sa.sa_family)
            return err_set(err, errlen, "\"%s\" is not an IP range (like 10.0.0.1-10.0.0.9)", s);
        const uint8_t *a = connopts_sa_bytes(&lo.sa, &len);
        memcpy(r->lo, a, (size_t)len);
        a = connopts_sa_bytes(&hi.sa, &len);
        memcpy(r->hi, a, (size_t)len);
        if (memcmp(r->lo, r->hi, (size_t)len) > 0)
            return err_set(err, errlen, "\"%s\": the range's start is after its end", s);
    } else if (slash) {
        dialer_cidr c;
        if (dialer_parse_cidr(s, &c, err, errlen)) return -1;
        len = c.family == AF_INET ? 4 : 16;
        for (int i = 0; i < len; i++) {
            int keep = c.bits - i * 8;
            uint8_t mask = keep >= 8 ? 0xff : keep <= 0 ? 0 : (uint8_t)(0xff << (8 - keep));
            r->lo[i] = c.addr[i] & mask;
            r->hi[i] = (uint8_t)(c.addr[i] | (uint8_t)~mask);
        }
        lo.sa.sa_family = (sa_family_t)c.family;
    } else {
        if (connopts_parse_ip(s, strlen(s), &lo))
            return err_set(err, errlen, "\"%s\" is not an IP address or range", s);
        const uint8_t *a = connopts_sa_bytes(&lo.sa, &len);
        memcpy(r->lo, a, (size_t)len);
        memcpy(r->hi, r->lo, (size_t)len);
    }
    r->family = lo.sa.sa_family;
    /* count = hi - lo + 1 over the low 8 bytes (ranges wider than 2^63 are capped) */
    uint64_t a = 0, b = 0;
    int off = len - 8 > 0 ? len - 8 : 0;
    bool wide = false;
    for (int i = 0; i < off; i++) wide |= r->lo[i] != r->hi[i];
    for (int i = off; i < len; i++) {
        a = a << 8 | r->lo[i];
        b = b << 8 | r->hi[i];
    }
    r->count = wide || b - a >= (1ULL << 63) ? (1ULL << 63) : b - a + 1;
    return 0;
}

int dialer_parse_local_ips(const char *s, dialer_range **out, size_t *n, char *err, size_t errlen) {
    *out = NULL;
    *n = 0;
    while (*s) {
        const char *comma = strchr(s, ',');
        size_t len = comma ? (size_t)(comma - s) : strlen(s);
        char item[128];
        while (len && isspace((unsigned char)*s)) s++, len--;
        while (len && isspace((unsigned char)s[len - 1])) len--;
        if (len >= sizeof item) {
            free(*out);
            *out = NULL;
            *n = 0;
            return err_set(err, errlen, "\"%.*s\" is too long", (int)len, s);
        }
        memcpy(item, s, len);
        item[len] = 0;
        if (len) {
            if (grow_array(out, *n + 1, sizeof **out)) {
                free(*out);
                *out = NULL;
                *n = 0;
                return err_oom(err, errlen);
            }
            if (connopts_parse_range(item, &(*out)[*n], err, errlen)) {
                free(*out);
                *out = NULL;
                *n = 0;
                return -1;
            }
            (*n)++;
        }
        if (!comma) break;
        s = comma + 1;
    }
    if (*n == 0) return err_set(err, errlen, "no address given");
    return 0;
}

void dialer_dns_default(dialer_dns *d) {
    d->ttl_us = C6_DNS_DEFAULT_TTL_US;
    d->select = DNS_SELECT_RANDOM;
    d->policy = DNS_PREFER_IPV4;
}

static int connopts_dns_field(const char *k, size_t kl, const char *v, dialer_dns *d, char *err, size_t errlen) {
    static const char *const selects[] = {"first", "random", "roundRobin"};
    static const char *const policies[] = {"preferIPv4", "preferIPv6", "onlyIPv4", "onlyIPv6", "any"};
    if (kl == 3 && !memcmp(k, "ttl", 3)) {
        char derr[160];
        if (!strcmp(v, "inf")) {
            d->ttl_us = -1;
            return 0;
        }
        if (!strcmp(v, "0")) {
            d->ttl_us = 0;
            return 0;
        }
        if (duration_parse(v, &d->ttl_us, derr, sizeof derr))
            return err_set(err, errlen, "ttl: %s (use a duration, \"0\" or \"inf\")", derr);
        return 0;
    }
    if (kl == 6 && !memcmp(k, "select", 6)) {
        for (int i = 0; i < 3; i++)
            if (!strcmp(v, selects[i])) {
                d->select = i;
                return 0;
            }
        return err_set(err, errlen, "select: \"%s\" is not one of first, random, roundRobin", v);
    }
    if (kl == 6 && !memcmp(k, "policy", 6)) {
        for (int i = 0; i < 5; i++)
            if (!strcmp(v, policies[i])) {
                d->policy = i;
                return 0;
            }
        return err_set(err, errlen, "policy: \"%s\" is not one of preferIPv4, preferIPv6, onlyIPv4, onlyIPv6, any", v);
    }
    return err_set(err, errlen, "unknown field \"%.*s\" (ttl, select and policy are)", (int)kl, k);
}

int dialer_parse_dns(const char *s, dialer_dns *d, char *err, size_t errlen) {
    while (*s) {
        const char *comma = strchr(s, ',');
        size_t len = comma ? (size_t)(comma - s) : strlen(s);
        while (len && isspace((unsigned char)*s)) s++, len--;
        while (len && isspace((unsigned char)s[len - 1])) len--;
        if (len) {
            const char *eq = memchr(s, '=', len);
            if (!eq) return err_set(err, errlen, "\"%.*s\" is not key=value", (int)len, s);
            char val[64];
            size_t vl = len - (size_t)(eq + 1 - s);
            if (vl >= sizeof val) return err_set(err, errlen, "\"%.*s\" is too long", (int)len, s);
            memcpy(val, eq + 1, vl);
            val[vl] = 0;
            if (connopts_dns_field(s, (size_t)(eq - s), val, d, err, errlen)) return -1;
        }
        if (!comma) break;
        s = comma + 1;
    }
    return 0;
}
