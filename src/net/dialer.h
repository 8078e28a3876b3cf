/* What k6's connection options ask of every new connection, decided once
 * per run from the options and then read (never written) by every worker:
 *
 *   hosts              name (or name:port, or "*.suffix") -> IP[:port], no DNS
 *   dns                {ttl, select, policy}: how long lookups are cached,
 *                      which family is used, which of the addresses is dialed
 *   blockHostnames     names ("*.suffix" wildcards) refused before any traffic (1111)
 *   blacklistIPs       CIDR ranges refused after resolution (1110)
 *   localIPs           source addresses bound per VU, round-robin by VU id
 *   noConnectionReuse / noVUConnectionReuse
 *
 * The parsers are also the options' validators, so a bad value is reported
 * at configuration time with the option's name. The per-request checks are
 * skipped entirely when the list they consult is empty. */
#ifndef C6_NET_DIALER_H
#define C6_NET_DIALER_H
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct c6_options;

enum dns_select { DNS_SELECT_FIRST, DNS_SELECT_RANDOM, DNS_SELECT_ROUND_ROBIN };
enum dns_policy { DNS_PREFER_IPV4, DNS_PREFER_IPV6, DNS_ONLY_IPV4, DNS_ONLY_IPV6, DNS_ANY };

typedef struct dialer_dns {
    int64_t ttl_us;                 /* < 0: cached forever ("inf"); 0: not cached */
    int select;                     /* enum dns_select */
    int policy;                     /* enum dns_policy */
} dialer_dns;

typedef union dialer_sa {
    struct sockaddr sa;
    struct sockaddr_in in4;
    struct sockaddr_in6 in6;
} dialer_sa;

typedef struct dialer_host {
    char *name;                     /* lower case; for a wildcard the suffix after '*' */
    bool wildcard;
    int port;                       /* the key's port; 0: any */
    dialer_sa to;                   /* address to dial; port 0 = the URL's */
    int to_port;
    char ip[46];
} dialer_host;

typedef struct dialer_cidr {
    int family;
    uint8_t addr[16];
    int bits;
    char *text;                     /* as the option wrote it, for the error */
} dialer_cidr;

typedef struct dialer_range {       /* an inclusive address range of one family */
    int family;
    uint8_t lo[16], hi[16];
    uint64_t count;                 /* addresses in it (capped at 2^63) */
} dialer_range;

typedef struct net_dialer {
    dialer_host *hosts; size_t nhosts;
    char **blocked; size_t nblocked;          /* lower case; leading '*' = any prefix */
    dialer_cidr *blacklist; size_t nblacklist;
    dialer_range *local; size_t nlocal;
    uint64_t nlocal_total;
    dialer_dns dns;
    bool no_conn_reuse, no_vu_conn_reuse;
} net_dialer;

/* ---- parsers / validators (err gets the reason, without the option's name) ---- */
/* "1.2.3.4", "1.2.3.4:8080", "::1", "[::1]:8080" */
int dialer_parse_target(const char *s, dialer_sa *to, int *port, char *err, size_t errlen);
/* A hosts key: "name", "name:port", "*.suffix", "*.suffix:port". */
int dialer_parse_host_key(const char *s, dialer_host *h, char *err, size_t errlen);
/* "10.0.0.0/8", "fd00::/8"; a bare address is a /32 (/128). */
int dialer_parse_cidr(const char *s, dialer_cidr *c, char *err, size_t errlen);
/* A blockHostnames pattern: a name with an optional leading '*'. */
int dialer_check_pattern(const char *s, char *err, size_t errlen);
/* "127.0.0.1-127.0.0.5,10.0.0.0/30,192.168.1.7" */
int dialer_parse_local_ips(const char *s, dialer_range **out, size_t *n, char *err, size_t errlen);
/* "ttl=5m,select=random,policy=preferIPv4", any subset, any order. Fields
 * not named keep what *d holds. */
int dialer_parse_dns(const char *s, dialer_dns *d, char *err, size_t errlen);
void dialer_dns_default(dialer_dns *d);

/* ---- the run's dialer ---- */
/* From consolidated options (already validated). NULL only on allocation failure. */
net_dialer *dialer_new(const struct c6_options *o);
void dialer_free(net_dialer *d);

/* The blocking pattern host[0..n) matches, or NULL. */
const char *dialer_blocked(const net_dialer *d, const char *host, size_t n);
/* The hosts entry for host[0..n):port (an exact name beats a wildcard, a
 * key with the port beats one without), or NULL. */
const dialer_host *dialer_map(const net_dialer *d, const char *host, size_t n, int port);
/* The blacklistIPs range sa is in, or NULL. */
const char *dialer_blacklisted(const net_dialer *d, const struct sockaddr *sa);
/* The source address of VU vu_id (1-based), false without localIPs. */
bool dialer_local_addr(const net_dialer *d, int vu_id, dialer_sa *out);
/* "IP (1.2.3.4) is in a blacklisted range (1.2.3.0/24)", k6's wording. */
void dialer_blacklist_msg(char *out, size_t n, const struct sockaddr *sa, const char *range);
void dialer_blocked_msg(char *out, size_t n, const char *host, size_t hlen, const char *pattern);

/* Picks from n addresses (sockaddrs) under the policy and selection; rr is
 * the caller's round-robin counter. Returns the index, or -1 if the policy
 * leaves none. */
int dialer_pick(const dialer_dns *dns, const struct sockaddr *const *addrs, int n, unsigned *rr);
/* AF_INET / AF_INET6 for the only* policies, AF_UNSPEC otherwise. */
int dialer_family(const dialer_dns *dns);

/* TESTS ONLY. C6_TEST_RESOLVE="name=ip1,ip2;name2=ip3" answers lookups of
 * those names (of family, AF_UNSPEC: both) without DNS: the integration
 * tests need a name with both an IPv4 and an IPv6 address, which the test
 * machine's resolver may not have. Returns how many addresses were put in
 * out (0: the name has none of that family), or -1 when the variable does
 * not name it (the resolver is asked). Read on every lookup, not per request. */
int dialer_test_resolve(const char *name, size_t n, int family, dialer_sa *out, int max);

#endif
