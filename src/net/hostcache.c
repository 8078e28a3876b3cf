/* The client's host table: one entry per (host, port, tls) holding the
 * DNS cache (dns.ttl, dns.select, dns.policy, options.hosts), the idle and
 * held connections and the h2 connections; h1_lookup for k6/ws. */
#include "net/client_int.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include "util/clock.h"

/* ---- DNS ---- */

static const char *host_dns_why(int status) {
    return status == UV_EAI_NONAME || status == UV_EAI_NODATA ? "no such host" : uv_strerror(status);
}

static void host_fail_waiting(h1_host *h, int status) {
    h1_conn *k;
    const char *why = host_dns_why(status);
    while ((k = h->waiting) != NULL) {
        h1_request *r = k->r;
        conn_detach(k, r);
        client_conn_close(k); /* unlinks it from h->waiting */
        client_req_fail(h->c, r, H1_ERR_DNS, 0, "lookup %s: %s", h->name, why);
    }
    h1_lookup *l, *list = h->lwait;
    h->lwait = NULL;
    while ((l = list) != NULL) {
        list = l->next_;
        l->host_ = NULL;
        l->ok = 0;
        l->why = why;
        l->done(l, l->ud);
    }
}

static void host_set_addr(h1_host *h, const struct sockaddr *sa) {
    if (sa->sa_family == AF_INET) {
        memcpy(&h->addr.in4, sa, sizeof h->addr.in4);
        h->addr.in4.sin_port = htons((uint16_t)h->port);
        inet_ntop(AF_INET, &h->addr.in4.sin_addr, h->ip, sizeof h->ip);
    } else {
        memcpy(&h->addr.in6, sa, sizeof h->addr.in6);
        h->addr.in6.sin6_port = htons((uint16_t)h->port);
        inet_ntop(AF_INET6, &h->addr.in6.sin6_addr, h->ip, sizeof h->ip);
    }
    h->iplen = strlen(h->ip);
    h->state = HS_RESOLVED;
}

void host_free(h1_host *h) {
    tlsio_session_free(h->sess);
    free(h->name);
    free(h);
}

static const dialer_dns *host_dns(const h1_client *c) {
    static const dialer_dns k6_default = {5LL * 60 * 1000000, DNS_SELECT_RANDOM, DNS_PREFER_IPV4};
    return c->d ? &c->d->dns : &k6_default;
}

/* The address the next connection dials, by dns.policy and dns.select
 * (k6: preferIPv4, random). Returns 0, or -1 when the policy leaves none. */
static int host_pick(h1_host *h) {
    const struct sockaddr *v[MAX_ADDRS];
    for (int i = 0; i < h->naddrs; i++) v[i] = &h->addrs[i].sa;
    int i = dialer_pick(host_dns(h->c), v, h->naddrs, &h->c->rr);
    if (i < 0) return -1;
    host_set_addr(h, v[i]);
    return 0;
}

static void host_lookup_answer(h1_host *h, h1_lookup *l) {
    l->ok = 1;
    l->family = h->addr.sa.sa_family;
    memcpy(l->ip, h->ip, h->iplen + 1);
}

/* h->addrs holds the lookup's answer (naddrs 0: none): the waiting
 * connections dial, the waiting h1_lookup callers get an address each. */
static void host_resolved(h1_host *h, int status) {
    if (h->naddrs && host_pick(h) == 0) {
        h->resolved_us = clock_now_us();
        h1_conn *k, *list = h->waiting;
        h->waiting = NULL;
        for (bool first = true; (k = list) != NULL; first = false) {
            list = k->next;
            k->prev = k->next = NULL;
            if (!first && host_per_request(h)) host_pick(h); /* a pick per https request */
            http1_conn_connect(k);
        }
        h1_lookup *l, *llist = h->lwait;
        h->lwait = NULL;
        for (bool first = true; (l = llist) != NULL; first = false) {
            llist = l->next_;
            l->host_ = NULL;
            if (!first && h->naddrs > 1) host_pick(h); /* dns.select per "dial" */
            host_lookup_answer(h, l);
            l->done(l, l->ud);
        }
    } else {
        h->state = HS_NEW; /* failures are not cached: ask again next time */
        host_fail_waiting(h, status ? status : UV_EAI_NONAME);
    }
}

static void host_on_resolved(uv_getaddrinfo_t *g, int status, struct addrinfo *res) {
    h1_host *h = g->data;
    h1_client *c = h->c;
    if (c->freeing) {
        host_free(h); /* h1_client_free left it to us */
        uv_freeaddrinfo(res);
        client_unref(c);
        return;
    }
    int n = dialer_test_resolve(h->name, h->namelen, dialer_family(host_dns(c)), h->addrs, MAX_ADDRS);
    h->naddrs = n > 0 ? n : 0;
    if (n >= 0) status = 0; /* tests only: C6_TEST_RESOLVE's answer replaces res */
    for (const struct addrinfo *a = status == 0 && n < 0 ? res : NULL; a && h->naddrs < MAX_ADDRS; a = a->ai_next) {
        if (a->ai_family == AF_INET) memcpy(&h->addrs[h->naddrs++].in4, a->ai_addr, sizeof(struct sockaddr_in));
        else if (a->ai_family == AF_INET6) memcpy(&h->addrs[h->naddrs++].in6, a->ai_addr, sizeof(struct sockaddr_in6));
    }
    host_resolved(h, status);
    uv_freeaddrinfo(res);
    client_unref(c);
}

/* Starts h's lookup. Returns 0 (h is HS_RESOLVING) or the libuv status it
 * failed with. A name C6_TEST_RESOLVE answers (tests only) still takes the
 * asynchronous path: a numeric lookup of 127.0.0.1 stands in for it, and
 * host_on_resolved puts the variable's addresses in place of its answer. */
int host_resolve(h1_host *h) {
    int family = dialer_family(host_dns(h->c));
    dialer_sa probe;
    bool test = dialer_test_resolve(h->name, h->namelen, family, &probe, 1) >= 0;
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = test ? AF_UNSPEC : family;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = test ? AI_NUMERICHOST : 0;
    h->gai.data = h;
    int rc = uv_getaddrinfo(h->c->loop, &h->gai, host_on_resolved, test ? "127.0.0.1" : h->name, NULL, &hints);
    if (rc) {
        host_fail_waiting(h, rc);
        return rc;
    }
    h->state = HS_RESOLVING;
    h->c->refs++;
    return 0;
}

/* dns.ttl and dns.select before a new connection (or lookup) to h: an
 * expired answer is looked up again, a live one gives its next address. */
void host_refresh(h1_host *h, int64_t now) {
    if (h->state != HS_RESOLVED || h->fixed) return;
    int64_t ttl = host_dns(h->c)->ttl_us;
    if (ttl >= 0 && now - h->resolved_us >= ttl) h->state = HS_NEW;
    else if (h->naddrs > 1) host_pick(h);
}

/* ---- host table ---- */

static uint32_t host_hash(const char *s, size_t n, int port, int tls) {
    uint32_t x = 2166136261u ^ (uint32_t)port ^ ((uint32_t)tls << 17);
    for (size_t i = 0; i < n; i++) x = (x ^ (unsigned char)s[i]) * 16777619u;
    return x;
}

int host_grow(h1_client *c) {
    size_t nb = c->nbuckets ? c->nbuckets * 2 : MIN_HOST_BUCKETS;
    h1_host **tab = calloc(nb, sizeof *tab);
    if (!tab) return -1;
    for (size_t i = 0; i < c->nbuckets; i++) {
        h1_host *h, *next;
        for (h = c->tab[i]; h; h = next) {
            next = h->next;
            uint32_t b = host_hash(h->name, h->namelen, h->port, h->tls) & (uint32_t)(nb - 1);
            h->next = tab[b];
            tab[b] = h;
        }
    }
    free(c->tab);
    c->tab = tab;
    c->nbuckets = nb;
    return 0;
}

static int host_valid_name(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (!(ch >= 'a' && ch <= 'z') && !(ch >= 'A' && ch <= 'Z') && !(ch >= '0' && ch <= '9') && ch != '-' &&
            ch != '.' && ch != '_')
            return 0;
    }
    return 1;
}

/* Numeric addresses and localhost need no lookup; names wait for host_resolve. */
static int host_init_addr(h1_host *h, int ipv6) {
    struct sockaddr_in6 s6;
    struct sockaddr_in s4;
    memset(&s6, 0, sizeof s6);
    memset(&s4, 0, sizeof s4);
    const dialer_host *m = h->c->d && h->c->d->nhosts ? dialer_map(h->c->d, h->name, h->namelen, h->port) : NULL;
    h->fixed = 1;
    if (m) { /* options.hosts: no lookup, maybe another port */
        int port = h->port;
        if (m->to_port) h->port = m->to_port;
        host_set_addr(h, &m->to.sa);
        h->port = port;
        return 0;
    }
    if (ipv6) {
        if (inet_pton(AF_INET6, h->name, &s6.sin6_addr) != 1) return -1;
        s6.sin6_family = AF_INET6;
        host_set_addr(h, (struct sockaddr *)&s6);
        return 0;
    }
    if (!host_valid_name(h->name, h->namelen)) return -1;
    s4.sin_family = AF_INET;
    if (h->namelen == 9 && ci_prefix(h->name, "localhost", 9)) s4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    else if (inet_pton(AF_INET, h->name, &s4.sin_addr) != 1) return h->fixed = 0; /* a name: HS_NEW */
    host_set_addr(h, (struct sockaddr *)&s4);
    return 0;
}

static h1_host *host_new(h1_client *c, const url_parts *u, uint32_t hv) {
    if (u->hostlen > 255) return NULL;
    h1_host *h = calloc(1, sizeof *h);
    if (!h || !(h->name = strndup(u->host, u->hostlen))) {
        free(h);
        return NULL;
    }
    h->c = c;
    h->namelen = u->hostlen;
    h->port = u->port;
    h->tls = u->tls;
    if (host_init_addr(h, u->ipv6)) {
        host_free(h);
        return NULL;
    }
    h->authlen = (size_t)snprintf(h->authority, sizeof h->authority, u->ipv6 ? "[%s]" : "%s", h->name);
    if (u->port != (u->tls ? 443 : 80))
        h->authlen += (size_t)snprintf(h->authority + h->authlen, sizeof h->authority - h->authlen, ":%d", u->port);
    if (c->nhosts >= c->nbuckets && host_grow(c)) {
        host_free(h);
        return NULL;
    }
    uint32_t b = hv & (uint32_t)(c->nbuckets - 1);
    h->next = c->tab[b];
    c->tab[b] = h;
    c->nhosts++;
    return h;
}

h1_host *host_get_slow(h1_client *c, const url_parts *u) {
    h1_host *h;
    uint32_t hv = host_hash(u->host, u->hostlen, u->port, u->tls);
    h = c->nbuckets ? c->tab[hv & (uint32_t)(c->nbuckets - 1)] : NULL;
    for (; h; h = h->next)
        if (h->port == u->port && h->tls == u->tls && h->namelen == u->hostlen && !memcmp(h->name, u->host, u->hostlen))
            break;
    if (!h) h = host_new(c, u, hv);
    if (h) c->last = h;
    return h;
}
int h1_lookup_start(h1_client *c, const char *host, size_t n, int port, h1_lookup *l) {
    url_parts u = {.host = host, .hostlen = n, .port = port};
    l->ok = 0;
    l->why = "";
    l->next_ = NULL;
    l->host_ = NULL;
    h1_host *h = host_get(c, &u);
    if (!h) return H1_LOOKUP_SKIP;
    host_refresh(h, clock_now_us());
    int rc = h->state == HS_NEW ? host_resolve(h) : 0;
    if (rc) {
        l->why = host_dns_why(rc);
        return H1_LOOKUP_FAILED;
    }
    if (h->state == HS_RESOLVED) {
        host_lookup_answer(h, l);
        return H1_LOOKUP_DONE;
    }
    l->host_ = h;
    l->next_ = h->lwait;
    h->lwait = l;
    return H1_LOOKUP_PENDING;
}

void h1_lookup_cancel(h1_client *c, h1_lookup *l) {
    (void)c;
    h1_host *h = l->host_;
    if (!h) return;
    for (h1_lookup **pp = &h->lwait; *pp; pp = &(*pp)->next_)
        if (*pp == l) {
            *pp = l->next_;
            break;
        }
    l->host_ = NULL;
}
