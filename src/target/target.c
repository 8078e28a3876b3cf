/* c6-target, the built-in test server (`c6 target` runs it: see main.c):
 * command line, listening sockets, limits, signals and the start/stop
 * sequence. The endpoints live in target_routes.c, the /delay timer in
 * target_delay.c, the HTTPS certificates in target_tls.c. */
#include "target/target.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define TARGET_DEFAULT_LISTEN  "127.0.0.1:8080"
#define TARGET_DEFAULT_THREADS 2
#define TARGET_MAX_THREADS     256
#define TARGET_WANT_CONNS      20000
/* fds kept back from the connection limit: listen socket, stdio, one epoll
 * fd and one eventfd per worker, and the socket MHD accepts only to close
 * it when the limit is reached. */
#define TARGET_FD_RESERVE 64

struct target_opts {
    const char *listen;
    const char *tls_listen; /* NULL: no HTTPS */
    struct target_tls_files tls;
    unsigned threads;
};

static void target_usage(FILE *f) {
    fprintf(f,
            "usage: c6 target [--listen HOST:PORT] [--threads N]\n"
            "                 [--tls-listen HOST:PORT [--tls-cert FILE --tls-key FILE]\n"
            "                  [--tls-client-ca FILE] [--tls-cert-out FILE]]\n"
            "  --listen HOST:PORT     address to serve HTTP on (default %s;\n"
            "                         port 0 picks a free port; IPv6 as [::1]:PORT)\n"
            "  --threads N            worker threads (default %d)\n"
            "  --tls-listen HOST:PORT also serve the same routes over HTTPS there\n"
            "  --tls-cert FILE        PEM certificate (chain) for HTTPS; without it a\n"
            "                         self-signed one for 127.0.0.1, ::1 and localhost\n"
            "                         (EC P-256, valid one day) is made at start-up\n"
            "  --tls-key FILE         PEM private key of --tls-cert\n"
            "  --tls-client-ca FILE   PEM CA(s) whose client certificates /client-cert\n"
            "                         accepts (HTTPS then asks clients for one)\n"
            "  --tls-cert-out FILE    write the served certificate there (PEM)\n",
            TARGET_DEFAULT_LISTEN, TARGET_DEFAULT_THREADS);
}

/* Value of "--name VALUE" or "--name=VALUE" at argv[*i], else NULL. */
static const char *target_optval(int argc, char **argv, int *i, const char *name) {
    size_t n = strlen(name);

    if (strncmp(argv[*i], name, n) != 0) return NULL;
    if (argv[*i][n] == '=') return argv[*i] + n + 1;
    if (argv[*i][n] != '\0' || *i + 1 >= argc) return NULL;
    return argv[++*i];
}

/* The --tls-* options make sense only together: say which one is amiss. */
static int target_check_tls_opts(const struct target_opts *o) {
    const char *lone = o->tls.cert        ? "--tls-cert"
                       : o->tls.key       ? "--tls-key"
                       : o->tls.client_ca ? "--tls-client-ca"
                       : o->tls.cert_out  ? "--tls-cert-out"
                                          : NULL;

    if (!o->tls_listen && lone) {
        fprintf(stderr, "c6 target: %s needs --tls-listen\n", lone);
        return -1;
    }
    if (!o->tls.cert != !o->tls.key) {
        fprintf(stderr, "c6 target: %s needs %s\n", o->tls.cert ? "--tls-cert" : "--tls-key",
                o->tls.cert ? "--tls-key" : "--tls-cert");
        return -1;
    }
    return 1;
}

static int target_parse_opts(int argc, char **argv, struct target_opts *o) {
    const char *v;
    char *end;
    long n;
    int i;

    memset(o, 0, sizeof(*o));
    o->listen = TARGET_DEFAULT_LISTEN;
    o->threads = TARGET_DEFAULT_THREADS;
    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            target_usage(stdout);
            return 0;
        }
        if ((v = target_optval(argc, argv, &i, "--listen"))) {
            o->listen = v;
        } else if ((v = target_optval(argc, argv, &i, "--tls-listen"))) {
            o->tls_listen = v;
        } else if ((v = target_optval(argc, argv, &i, "--tls-cert"))) {
            o->tls.cert = v;
        } else if ((v = target_optval(argc, argv, &i, "--tls-key"))) {
            o->tls.key = v;
        } else if ((v = target_optval(argc, argv, &i, "--tls-client-ca"))) {
            o->tls.client_ca = v;
        } else if ((v = target_optval(argc, argv, &i, "--tls-cert-out"))) {
            o->tls.cert_out = v;
        } else if ((v = target_optval(argc, argv, &i, "--threads"))) {
            errno = 0;
            n = strtol(v, &end, 10);
            if (errno || *end || end == v || n < 1 || n > TARGET_MAX_THREADS) {
                fprintf(stderr, "c6 target: --threads must be 1-%d\n", TARGET_MAX_THREADS);
                return -1;
            }
            o->threads = (unsigned)n;
        } else {
            fprintf(stderr, "c6 target: unknown or incomplete option '%s'\n", argv[i]);
            target_usage(stderr);
            return -1;
        }
    }
    return target_check_tls_opts(o);
}

/* Splits "HOST:PORT", "[V6]:PORT" or ":PORT" (all interfaces). */
static int target_split_addr(const char *s, char *host, size_t hn, const char **port) {
    const char *colon, *end;

    if (s[0] == '[') {
        if (!(end = strchr(s, ']')) || end[1] != ':') return 0;
        s++;
        colon = end + 1;
    } else {
        if (!(colon = strrchr(s, ':'))) return 0;
        end = colon;
    }
    if ((size_t)(end - s) >= hn || colon[1] == '\0') return 0;
    memcpy(host, s, (size_t)(end - s));
    host[end - s] = '\0';
    *port = colon + 1;
    return strspn(*port, "0123456789") == strlen(*port) && strtol(*port, NULL, 10) <= 65535;
}

static int target_bind_one(const struct addrinfo *ai) {
    int fd, err, one = 1;

    fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) return -1;
    /* Restarting right after a run must not fail on TIME_WAIT sockets. */
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    /* A large backlog absorbs the connection burst when c6 starts
     * hundreds of VUs at once; the kernel caps it at somaxconn. */
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 65535) == 0) return fd;
    err = errno;
    close(fd);
    errno = err;
    return -1;
}

/* Binds and listens on spec (the value of option opt); returns the socket
 * or -1 after a message. */
static int target_listen(const char *opt, const char *spec) {
    struct addrinfo hints, *res, *ai;
    char host[256];
    const char *port;
    int fd = -1, rc, err = 0;

    if (!target_split_addr(spec, host, sizeof(host), &port)) {
        fprintf(stderr, "c6 target: bad %s '%s' (want HOST:PORT)\n", opt, spec);
        return -1;
    }
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    rc = getaddrinfo(host[0] ? host : NULL, port, &hints, &res);
    if (rc != 0) {
        fprintf(stderr, "c6 target: %s: cannot resolve '%s': %s\n", opt, spec, gai_strerror(rc));
        return -1;
    }
    for (ai = res; ai && fd < 0; ai = ai->ai_next)
        if ((fd = target_bind_one(ai)) < 0) err = errno;
    freeaddrinfo(res);
    if (fd < 0) fprintf(stderr, "c6 target: %s: cannot listen on %s: %s\n", opt, spec, strerror(err));
    return fd;
}

/* Prints the line callers wait for, with the port actually bound. */
static int target_announce(int fd, const char *scheme) {
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    char ip[INET6_ADDRSTRLEN] = "?";
    unsigned port = 0;

    if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0) return 0;
    if (ss.ss_family == AF_INET6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

        inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
        port = ntohs(s6->sin6_port);
        printf("c6 target listening on %s://[%s]:%u\n", scheme, ip, port);
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

        inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
        port = ntohs(s4->sin_port);
        printf("c6 target listening on %s://%s:%u\n", scheme, ip, port);
    }
    return fflush(stdout) == 0;
}

/* Raises the open-file limit as far as allowed and returns it. The soft
 * limit goes to the hard one; when even the hard limit is below what
 * TARGET_WANT_CONNS needs, a privileged process may lift it too. */
static rlim_t target_raise_nofile(void) {
    struct rlimit rl;
    rlim_t want = TARGET_WANT_CONNS + TARGET_FD_RESERVE;

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return 1024;
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want) {
        struct rlimit up = {want, want};

        if (setrlimit(RLIMIT_NOFILE, &up) == 0) return want;
    }
    if (rl.rlim_cur != rl.rlim_max) {
        struct rlimit up = rl;

        /* "unlimited" is not a valid soft value: stay at the kernel's cap. */
        up.rlim_cur = rl.rlim_max == RLIM_INFINITY ? (rlim_t)1 << 20 : rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &up) == 0) rl.rlim_cur = up.rlim_cur;
    }
    return rl.rlim_cur;
}

static unsigned target_conn_limit(rlim_t nofile) {
    if (nofile <= 2 * TARGET_FD_RESERVE) return TARGET_FD_RESERVE;
    if (nofile > (rlim_t)1 << 20) nofile = (rlim_t)1 << 20;
    return (unsigned)(nofile - TARGET_FD_RESERVE);
}

/* Serves until SIGINT or SIGTERM. The signals are blocked before any
 * thread starts, so every thread inherits the mask and sigwait() here is
 * the only place they are seen. */
static int target_run(int fd, const struct target_opts *o, const struct target_tls *tls, unsigned limit,
                      const sigset_t *sigs) {
    struct target_delay *delay = target_delay_start();
    struct target_server *srv = NULL;
    int sig, rc = 1;

    if (!delay) {
        fprintf(stderr, "c6 target: cannot start the timer thread\n");
        close(fd);
        if (tls->fd >= 0) close(tls->fd);
    } else if (!(srv = target_server_start(fd, o->threads, limit, delay, tls))) {
        /* it printed why and closed the sockets */
    } else if (!target_announce(fd, "http") || (tls->fd >= 0 && !target_announce(tls->fd, "https"))) {
        fprintf(stderr, "c6 target: cannot write to stdout\n");
    } else if (sigwait(sigs, &sig) == 0) {
        rc = 0;
    }
    /* Order matters: MHD must not be stopped with parked connections. */
    target_delay_stop(delay);
    target_server_free(srv);
    target_delay_free(delay);
    return rc;
}

/* Certificates first (a bad file should not leave sockets half set up),
 * then the sockets. Returns 1, or 0 after a message. */
static int target_setup(const struct target_opts *o, int *fd, struct target_tls *tls) {
    tls->fd = -1;
    if (o->tls_listen && !target_tls_load(tls, &o->tls)) return 0;
    if ((*fd = target_listen("--listen", o->listen)) < 0) return 0;
    if (o->tls_listen && (tls->fd = target_listen("--tls-listen", o->tls_listen)) < 0) {
        close(*fd);
        return 0;
    }
    return 1;
}

/* `c6-target [--listen HOST:PORT] [--threads N] [--tls-listen HOST:PORT
 * ...]` (argv[0] is not looked at: `c6 target` passes its own).
 * Serves until SIGINT/SIGTERM, then exits 0; 1 on usage or bind errors
 * (after printing a message to stderr). */
int main(int argc, char **argv) {
    struct target_opts o;
    struct target_tls tls = {.fd = -1};
    sigset_t sigs, old;
    rlim_t nofile;
    unsigned limit;
    int fd, rc;

    if ((rc = target_parse_opts(argc, argv, &o)) <= 0) return rc < 0 ? 1 : 0;
    nofile = target_raise_nofile();
    limit = target_conn_limit(nofile);
    if (nofile < TARGET_WANT_CONNS)
        fprintf(stderr,
                "c6 target: note: open-file limit %llu caps connections "
                "at %u\n",
                (unsigned long long)nofile, limit);
    if (!target_setup(&o, &fd, &tls)) {
        target_tls_free(&tls);
        return 1;
    }
    /* A client vanishing mid-write must not kill the server. */
    signal(SIGPIPE, SIG_IGN);
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, &old);
    rc = target_run(fd, &o, &tls, limit, &sigs);
    target_tls_free(&tls);
    /* A second Ctrl-C during shutdown must not turn exit 0 into a kill. */
    while (sigtimedwait(&sigs, NULL, &(struct timespec){0, 0}) > 0)
        ;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}
