/* The values of k6's connection options - hosts, dns, blockHostnames,
 * blacklistIPs, localIPs - parsed: the options validate with these parsers
 * (a bad value is reported at configuration time with the option's name)
 * and net/dialer.c builds the run's dialer from what they return. No
 * network code here. (The names keep the dialer_ prefix they had in
 * net/dialer.h, where they lived before config/ stopped calling into net/.) */
#ifndef C6_CONFIG_CONNOPTS_H
#define C6_CONFIG_CONNOPTS_H
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

enum dns_select { DNS_SELECT_FIRST, DNS_SELECT_RANDOM, DNS_SELECT_ROUND_ROBIN };
enum dns_policy { DNS_PREFER_IPV4, DNS_PREFER_IPV6, DNS_ONLY_IPV4, DNS_ONLY_IPV6, DNS_ANY };

typedef struct dialer_dns {
    int64_t ttl_us; /* < 0: cached forever ("inf"); 0: not cached */
    int select;     /* enum dns_select */
    int policy;     /* enum dns_policy */
} dialer_dns;

typedef union dialer_sa {
    struct sockaddr sa;
    struct sockaddr_in in4;
    struct sockaddr_in6 in6;
} dialer_sa;

typedef struct dialer_host {
    char *name; /* lower case; for a wildcard the suffix after '*' */
    bool wildcard;
    int port;     /* the key's port; 0: any */
    dialer_sa to; /* address to dial; port 0 = the URL's */
    int to_port;
    char ip[46];
} dialer_host;

typedef struct dialer_cidr {
    int family;
    uint8_t addr[16];
    int bits;
    char *text; /* as the option wrote it, for the error */
} dialer_cidr;

typedef struct dialer_range { /* an inclusive address range of one family */
    int family;
    uint8_t lo[16], hi[16];
    uint64_t count; /* addresses in it (capped at 2^63) */
} dialer_range;

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

/* Helpers the dialer shares: s[0..n) in lower case (a new string), and the
 * address bytes of an AF_INET or AF_INET6 sockaddr (*len 4 or 16). */
char *connopts_dup_lower(const char *s, size_t n);
const uint8_t *connopts_sa_bytes(const struct sockaddr *sa, int *len);
/* An IP address alone (no port), s[0..n), into sa with port 0: 0, or -1. */
int connopts_parse_ip(const char *s, size_t n, dialer_sa *sa);

#endif
