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
#include "config/connopts.h" /* the option values' types and parsers */

struct c6_options;

typedef struct net_dialer {
    dialer_host *hosts;
    size_t nhosts;
    char **blocked;
    size_t nblocked; /* lower case; leading '*' = any prefix */
    dialer_cidr *blacklist;
    size_t nblacklist;
    dialer_range *local;
    size_t nlocal;
    uint64_t nlocal_total;
    dialer_dns dns;
    bool no_conn_reuse, no_vu_conn_reuse;
} net_dialer;

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
/* The checks every dial makes (d may be NULL): blockHostnames before the
 * lookup, blacklistIPs after it. false: go on; true: refused, k6's text in
 * msg. */
bool dialer_refuse_host(const net_dialer *d, const char *host, size_t hlen, char *msg, size_t n);
bool dialer_refuse_ip(const net_dialer *d, const struct sockaddr *sa, char *msg, size_t n);

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
