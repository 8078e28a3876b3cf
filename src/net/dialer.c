/* k6's connection options, parsed and applied (see dialer.h). */
#include "net/dialer.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "config/duration.h"
#include "config/options.h"
#include "util/err.h"

/* ---- the run's dialer ---- */

net_dialer *dialer_new(const c6_options *o) {
    net_dialer *d = calloc(1, sizeof *d);
    if (!d) return NULL;
    char err[256];
    dialer_dns_default(&d->dns);
    if (o->dns_set) dialer_parse_dns(o->dns, &d->dns, err, sizeof err);
    for (size_t i = 0; o->hosts_set && i < o->nhosts; i++) {
        dialer_host h;
        if (dialer_parse_host_key(o->hosts[i].key, &h, err, sizeof err)) continue;
        if (dialer_parse_target(o->hosts[i].value, &h.to, &h.to_port, err, sizeof err)) {
            free(h.name);
            continue;
        }
        inet_ntop(h.to.sa.sa_family,
                  h.to.sa.sa_family == AF_INET ? (const void *)&h.to.in4.sin_addr : (const void *)&h.to.in6.sin6_addr,
                  h.ip, sizeof h.ip);
        d->hosts = xrealloc(d->hosts, (d->nhosts + 1) * sizeof *d->hosts);
        d->hosts[d->nhosts++] = h;
    }
    for (size_t i = 0; o->block_hostnames_set && i < o->nblock_hostnames; i++) {
        d->blocked = xrealloc(d->blocked, (d->nblocked + 1) * sizeof *d->blocked);
        d->blocked[d->nblocked++] = connopts_dup_lower(o->block_hostnames[i], strlen(o->block_hostnames[i]));
    }
    for (size_t i = 0; o->blacklist_ips_set && i < o->nblacklist_ips; i++) {
        dialer_cidr c;
        if (dialer_parse_cidr(o->blacklist_ips[i], &c, err, sizeof err)) continue;
        size_t n = strlen(o->blacklist_ips[i]);
        c.text = connopts_dup_lower(o->blacklist_ips[i], n);
        d->blacklist = xrealloc(d->blacklist, (d->nblacklist + 1) * sizeof *d->blacklist);
        d->blacklist[d->nblacklist++] = c;
    }
    if (o->local_ips_set && !dialer_parse_local_ips(o->local_ips, &d->local, &d->nlocal, err, sizeof err)) {
        for (size_t i = 0; i < d->nlocal; i++) {
            d->nlocal_total += d->local[i].count;
            if (d->nlocal_total >= (1ULL << 62)) d->nlocal_total = 1ULL << 62;
        }
    }
    d->no_conn_reuse = o->no_connection_reuse_set && o->no_connection_reuse;
    d->no_vu_conn_reuse = o->no_vu_connection_reuse_set && o->no_vu_connection_reuse;
    return d;
}

void dialer_free(net_dialer *d) {
    if (!d) return;
    for (size_t i = 0; i < d->nhosts; i++) free(d->hosts[i].name);
    for (size_t i = 0; i < d->nblocked; i++) free(d->blocked[i]);
    for (size_t i = 0; i < d->nblacklist; i++) free(d->blacklist[i].text);
    free(d->hosts);
    free(d->blocked);
    free(d->blacklist);
    free(d->local);
    free(d);
}

/* host ends with suffix (case-insensitively; suffix is lower case). */
static bool dialer_ends_with(const char *host, size_t n, const char *suffix) {
    size_t sl = strlen(suffix);
    return n >= sl && strncasecmp(host + n - sl, suffix, sl) == 0;
}

const char *dialer_blocked(const net_dialer *d, const char *host, size_t n) {
    for (size_t i = 0; i < d->nblocked; i++) {
        const char *p = d->blocked[i];
        if (p[0] == '*' ? dialer_ends_with(host, n, p + 1) : strlen(p) == n && strncasecmp(host, p, n) == 0) return p;
    }
    return NULL;
}

const dialer_host *dialer_map(const net_dialer *d, const char *host, size_t n, int port) {
    const dialer_host *best = NULL;
    int best_rank = 0;
    for (size_t i = 0; i < d->nhosts; i++) {
        const dialer_host *h = &d->hosts[i];
        if (h->port && h->port != port) continue;
        bool hit = h->wildcard ? dialer_ends_with(host, n, h->name)
                               : strlen(h->name) == n && strncasecmp(host, h->name, n) == 0;
        if (!hit) continue;
        int rank = (h->wildcard ? 1 : 3) + (h->port ? 1 : 0);
        if (rank > best_rank) {
            best = h;
            best_rank = rank;
        }
    }
    return best;
}

const char *dialer_blacklisted(const net_dialer *d, const struct sockaddr *sa) {
    int len;
    const uint8_t *a = connopts_sa_bytes(sa, &len);
    for (size_t i = 0; i < d->nblacklist; i++) {
        const dialer_cidr *c = &d->blacklist[i];
        if (c->family != sa->sa_family) continue;
        int full = c->bits / 8, rest = c->bits % 8;
        if (memcmp(a, c->addr, (size_t)full) != 0) continue;
        if (rest && ((a[full] ^ c->addr[full]) & (uint8_t)(0xff << (8 - rest)))) continue;
        return c->text;
    }
    return NULL;
}

bool dialer_local_addr(const net_dialer *d, int vu_id, dialer_sa *out) {
    if (!d->nlocal_total) return false;
    uint64_t k = (uint64_t)(vu_id > 0 ? vu_id - 1 : 0) % d->nlocal_total;
    const dialer_range *r = d->local;
    while (k >= r->count) {
        k -= r->count;
        r++;
    }
    uint8_t b[16];
    int len = r->family == AF_INET ? 4 : 16;
    memcpy(b, r->lo, sizeof b);
    for (int i = len - 1; i >= 0 && k; i--) { /* b = lo + k */
        uint64_t s = b[i] + (k & 0xff);
        b[i] = (uint8_t)s;
        k = (k >> 8) + (s >> 8);
    }
    memset(out, 0, sizeof *out);
    if (r->family == AF_INET) {
        out->in4.sin_family = AF_INET;
        memcpy(&out->in4.sin_addr, b, 4);
    } else {
        out->in6.sin6_family = AF_INET6;
        memcpy(&out->in6.sin6_addr, b, 16);
    }
    return true;
}

void dialer_blacklist_msg(char *out, size_t n, const struct sockaddr *sa, const char *range) {
    char ip[46] = "?";
    inet_ntop(sa->sa_family,
              sa->sa_family == AF_INET ? (const void *)&((const struct sockaddr_in *)sa)->sin_addr
                                       : (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr,
              ip, sizeof ip);
    snprintf(out, n, "IP (%s) is in a blacklisted range (%s)", ip, range);
}

void dialer_blocked_msg(char *out, size_t n, const char *host, size_t hlen, const char *pattern) {
    snprintf(out, n, "hostname (%.*s) is in a blocked pattern (%s)", (int)hlen, host, pattern);
}

bool dialer_refuse_host(const net_dialer *d, const char *host, size_t hlen, char *msg, size_t n) {
    const char *pat = d && d->nblocked ? dialer_blocked(d, host, hlen) : NULL;
    if (pat) dialer_blocked_msg(msg, n, host, hlen, pat);
    return pat != NULL;
}

bool dialer_refuse_ip(const net_dialer *d, const struct sockaddr *sa, char *msg, size_t n) {
    const char *range = d && d->nblacklist ? dialer_blacklisted(d, sa) : NULL;
    if (range) dialer_blacklist_msg(msg, n, sa, range);
    return range != NULL;
}

int dialer_family(const dialer_dns *dns) {
    return dns->policy == DNS_ONLY_IPV4 ? AF_INET : dns->policy == DNS_ONLY_IPV6 ? AF_INET6 : AF_UNSPEC;
}

int dialer_pick(const dialer_dns *dns, const struct sockaddr *const *addrs, int n, unsigned *rr) {
    int fam = 0; /* the family to take; 0 = both */
    bool has4 = false, has6 = false;
    for (int i = 0; i < n; i++) {
        has4 |= addrs[i]->sa_family == AF_INET;
        has6 |= addrs[i]->sa_family == AF_INET6;
    }
    switch (dns->policy) {
    case DNS_PREFER_IPV4: fam = has4 ? AF_INET : AF_INET6; break;
    case DNS_PREFER_IPV6: fam = has6 ? AF_INET6 : AF_INET; break;
    case DNS_ONLY_IPV4: fam = AF_INET; break;
    case DNS_ONLY_IPV6: fam = AF_INET6; break;
    default: fam = 0;
    }
    int idx[64], m = 0;
    for (int i = 0; i < n && m < 64; i++)
        if (!fam || addrs[i]->sa_family == fam) idx[m++] = i;
    if (m == 0) return -1;
    switch (dns->select) {
    case DNS_SELECT_RANDOM: return idx[(unsigned)rand() % (unsigned)m];
    case DNS_SELECT_ROUND_ROBIN: return idx[(*rr)++ % (unsigned)m];
    default: return idx[0];
    }
}

int dialer_test_resolve(const char *name, size_t n, int family, dialer_sa *out, int max) {
    const char *s = getenv("C6_TEST_RESOLVE");
    if (!s) return -1;
    while (*s) {
        size_t entry = strcspn(s, ";");
        const char *eq = memchr(s, '=', entry);
        if (eq && (size_t)(eq - s) == n && strncasecmp(s, name, n) == 0) {
            int m = 0;
            for (const char *a = eq + 1, *end = s + entry; a < end && m < max;) {
                size_t len = strcspn(a, ",;");
                if (len > (size_t)(end - a)) len = (size_t)(end - a);
                dialer_sa sa;
                if (connopts_parse_ip(a, len, &sa) == 0 && (family == AF_UNSPEC || sa.sa.sa_family == family))
                    out[m++] = sa;
                a += len + 1;
            }
            return m;
        }
        s += entry + (s[entry] == ';');
    }
    return -1;
}
