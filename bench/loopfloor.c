/* The floor under c6's CPU per iteration (issue 17): the same traffic as
 * bench/scripts/check.js at N VUs — N keep-alive connections, each sending
 * c6's GET once a second and reading the response — from a plain C client
 * that does nothing else: no JavaScript, no metrics, no timings. What it
 * spends an iteration is what the kernel's loopback TCP, epoll and a
 * minimal event loop cost on this machine in these minutes; c6's number
 * minus this one is what c6 itself adds. Measured beside c6 (bench/
 * cpu_floor.sh alternates the two), it also shows how fast the VM is at
 * the moment: the host slows every process here by up to 20 % for minutes.
 *
 *   bench-loopfloor HOST PORT N [WARM_S] [WINDOW_S] [THREADS]
 *
 * LOOPFLOOR_PERIOD_MS=100: a request every 100 ms a connection (a script's
 * sleep(0.1)) instead of every second.
 *
 * Like c6: THREADS worker threads (default 2, c6's default on 2 cores),
 * each with its own epoll and connections; a request goes out with
 * sendto(2), the response comes in with recvfrom(2) when epoll says the
 * socket is readable (level-triggered, as libuv); the 1 s sleeps are kept
 * in a wheel of 1 ms slots. The connections' first requests are spread
 * over the first second, as c6's VUs start spread over its start-up.
 * Prints one line: iterations and CPU (user + system, every thread,
 * getrusage) in a window of WINDOW_S seconds after WARM_S seconds. Only
 * for a loopback target; it stops by itself after the window. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SLOTS   2048 /* 1 ms each: more than the 1 s sleep */
#define HEADMAX 4096 /* a response head split across reads is gathered here */

typedef struct conn {
    int fd;
    int state;         /* 0 asleep, 1 reading the head, 2 reading the body */
    size_t need;       /* body bytes still to come */
    size_t hlen;       /* bytes in head (only when a head came in pieces) */
    struct conn *next; /* in its wheel slot */
    char *head;        /* allocated the first time a head comes in pieces */
} conn;

typedef struct worker {
    _Alignas(64) _Atomic uint64_t iters;
    int ep, n;
    conn *c;
    conn *wheel[SLOTS];
    int64_t tick; /* the last slot handled, in ms */
    pthread_t th;
} worker;

static const char *host;
static int port;
static char req[512];
static size_t reqlen;
static _Atomic int stop, ready;
static int period = 1000; /* ms between a connection's requests: LOOPFLOOR_PERIOD_MS (sleep(1): 1000) */

static int64_t now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void die(const char *what) {
    fprintf(stderr, "loopfloor: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void sleep_until(worker *w, conn *c, int64_t at) {
    c->state = 0;
    c->next = w->wheel[at % SLOTS];
    w->wheel[at % SLOTS] = c;
}

/* The end of a head in p[0..n) and its Content-Length (-1: none). */
static long head_end(const char *p, size_t n, size_t *end) {
    const char *e = memmem(p, n, "\r\n\r\n", 4);
    if (!e) return -2;
    *end = (size_t)(e - p) + 4;
    for (const char *l = memchr(p, '\n', *end); l && l < e; l = memchr(l + 1, '\n', (size_t)(e - l)))
        if (!strncasecmp(l + 1, "content-length:", 15)) return strtol(l + 16, NULL, 10);
    return -1;
}

/* n bytes of c's response arrived at p: true when it is complete. */
static int got(conn *c, const char *p, size_t n) {
    if (c->state == 1) {
        size_t end = 0;
        long cl = c->hlen ? -2 : head_end(p, n, &end);
        if (cl == -2) { /* the head in pieces: gather it */
            if (!c->head && !(c->head = malloc(HEADMAX))) die("malloc");
            if (c->hlen + n > HEADMAX) {
                fprintf(stderr, "loopfloor: a response head over %d bytes\n", HEADMAX);
                exit(1);
            }
            memcpy(c->head + c->hlen, p, n);
            c->hlen += n;
            if ((cl = head_end(c->head, c->hlen, &end)) == -2) return 0;
            n = c->hlen - end;
            c->hlen = 0;
        } else n -= end;
        if (cl < 0) {
            fprintf(stderr, "loopfloor: a response without Content-Length\n");
            exit(1);
        }
        c->need = (size_t)cl;
        c->state = 2;
    }
    if (n > c->need) {
        fprintf(stderr, "loopfloor: more bytes than the response has\n");
        exit(1);
    }
    c->need -= n;
    return c->need == 0;
}

static void *run(void *arg) {
    worker *w = arg;
    static __thread char rbuf[65536];
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, host, &a.sin_addr) != 1) {
        fprintf(stderr, "loopfloor: %s is not an IPv4 address\n", host);
        exit(1);
    }
    if ((w->ep = epoll_create1(0)) < 0) die("epoll_create1");
    w->tick = now_ms();
    unsigned seed = (unsigned)(uintptr_t)w;
    for (int i = 0; i < w->n; i++) {
        conn *c = &w->c[i];
        int one = 1;
        if ((c->fd = socket(AF_INET, SOCK_STREAM, 0)) < 0) die("socket");
        if (connect(c->fd, (struct sockaddr *)&a, sizeof a) != 0) die("connect");
        setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
        if (epoll_ctl(w->ep, EPOLL_CTL_ADD, c->fd, &ev) != 0) die("epoll_ctl");
        sleep_until(w, c, w->tick + 1 + rand_r(&seed) % (unsigned)period);
    }
    atomic_fetch_add(&ready, 1);
    struct epoll_event evs[256];
    while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
        /* sleep until the next due slot, in ms as libuv does (at most 1 s) */
        int64_t due = w->tick + 1, lim = w->tick + period;
        while (due < lim && !w->wheel[due % SLOTS]) due++;
        int64_t wait = due - now_ms();
        int k = epoll_wait(w->ep, evs, 256, wait < 0 ? 0 : (int)wait);
        if (k < 0 && errno != EINTR) die("epoll_wait");
        for (int i = 0; i < k; i++) {
            conn *c = evs[i].data.ptr;
            ssize_t n = recvfrom(c->fd, rbuf, sizeof rbuf, 0, NULL, NULL);
            if (n <= 0) {
                if (n < 0 && errno == EAGAIN) continue;
                fprintf(stderr, "loopfloor: the target closed a connection (%s)\n", n ? strerror(errno) : "EOF");
                exit(1);
            }
            if (!c->state) {
                fprintf(stderr, "loopfloor: bytes on a connection with no request out\n");
                exit(1);
            }
            if (got(c, rbuf, (size_t)n)) {
                atomic_fetch_add_explicit(&w->iters, 1, memory_order_relaxed);
                sleep_until(w, c, now_ms() + period);
            }
        }
        for (int64_t t = now_ms(); w->tick < t;) {
            conn *c = w->wheel[++w->tick % SLOTS];
            w->wheel[w->tick % SLOTS] = NULL;
            for (conn *next; c; c = next) {
                next = c->next;
                if (sendto(c->fd, req, reqlen, MSG_NOSIGNAL, NULL, 0) != (ssize_t)reqlen) die("sendto");
                c->state = 1;
            }
        }
    }
    return NULL;
}

/* CPU seconds of every thread: user (sys false) or system. */
static double cpu_s(int sys) {
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    struct timeval t = sys ? u.ru_stime : u.ru_utime;
    return (double)t.tv_sec + t.tv_usec / 1e6;
}

static uint64_t total(worker *w, int t) {
    uint64_t s = 0;
    for (int i = 0; i < t; i++) s += atomic_load_explicit(&w[i].iters, memory_order_relaxed);
    return s;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: bench-loopfloor HOST PORT N [WARM_S] [WINDOW_S] [THREADS]\n");
        return 2;
    }
    host = argv[1];
    port = atoi(argv[2]);
    int n = atoi(argv[3]);
    double warm = argc > 4 ? atof(argv[4]) : 5, win = argc > 5 ? atof(argv[5]) : 10;
    int t = argc > 6 ? atoi(argv[6]) : 2;
    const char *pe = getenv("LOOPFLOOR_PERIOD_MS");
    if (pe && ((period = atoi(pe)) < 1 || period >= SLOTS)) {
        fprintf(stderr, "loopfloor: LOOPFLOOR_PERIOD_MS must be 1 to %d\n", SLOTS - 1);
        return 2;
    }
    if (n < 1 || t < 1 || t > 64 || port < 1 || port > 65535) {
        fprintf(stderr, "loopfloor: bad arguments\n");
        return 2;
    }
    /* c6's request head for bench/scripts/check.js, byte for byte */
    reqlen = (size_t)snprintf(req, sizeof req,
                              "GET / HTTP/1.1\r\nHost: %s:%d\r\nUser-Agent: c6/0.1.0 (k6-compatible; "
                              "+https://k6.io/)\r\n\r\n",
                              host, port);
    worker *w = aligned_alloc(64, sizeof(worker) * (size_t)t);
    if (!w) die("aligned_alloc");
    memset(w, 0, sizeof(worker) * (size_t)t);
    for (int i = 0; i < t; i++) {
        w[i].n = n / t + (i < n % t);
        if (!(w[i].c = calloc((size_t)w[i].n, sizeof(conn)))) die("calloc");
        if (pthread_create(&w[i].th, NULL, run, &w[i]) != 0) die("pthread_create");
    }
    while (atomic_load(&ready) < t) usleep(10000);
    usleep((useconds_t)(warm * 1e6));
    uint64_t i0 = total(w, t);
    double u0 = cpu_s(0), s0 = cpu_s(1), t0 = now_ms() / 1e3;
    usleep((useconds_t)(win * 1e6));
    uint64_t i1 = total(w, t);
    double u1 = cpu_s(0), s1 = cpu_s(1), t1 = now_ms() / 1e3;
    double di = i1 > i0 ? (double)(i1 - i0) : 1;
    atomic_store(&stop, 1);
    printf("loopfloor %d connections: %llu iterations in %.1f s (%.0f/s); CPU %.2f s: %.1f us per iteration "
           "(user %.1f, system %.1f)\n",
           n, (unsigned long long)(i1 - i0), t1 - t0, (i1 - i0) / (t1 - t0), u1 + s1 - u0 - s0,
           (u1 + s1 - u0 - s0) * 1e6 / di, (u1 - u0) * 1e6 / di, (s1 - s0) * 1e6 / di);
    return 0;
}
