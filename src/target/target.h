/* c6-target: the built-in httpbin-like HTTP server, a program of its own
 * (build/c6-target) that `c6 target` runs. This header is shared by the .c
 * files in src/target (and open to unit tests); nothing outside src/target
 * needs it. */
#ifndef C6_TARGET_H
#define C6_TARGET_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/jsonstr.h"

/* ---- JSON text: util/buf.h's docbuf, util/jsonstr.c's escaping ------ */
/* Appends s[0..n) as a quoted JSON string: valid UTF-8 passes through, any
 * other byte >= 0x80 becomes \u00XX (binary bodies stay recoverable). */
static inline void target_json_str(docbuf *b, const char *s, size_t n) { doc_json(b, s, n, JSON_ESC_BYTES); }

/* ---- percent-encoding (target_url.c; decoding is util/url.h's) ----- */
/* Appends the percent-encoding of s[0..n) to b, keeping RFC 3986
 * unreserved bytes and those in `keep` (may be NULL). */
void target_url_encode(docbuf *b, const char *s, size_t n, const char *keep);

/* ---- multipart/form-data bodies (target_multipart.c) ----------------- */
struct target_part {
    const char *name, *filename, *type, *data;
    size_t name_len, filename_len, type_len, len;
    int has_filename; /* a file upload, even with an empty file name */
};

/* 1 with the boundary (inside ctype) if ctype is multipart/form-data. */
int target_multipart_boundary(const char *ctype, const char **b, size_t *bl);
/* Splits body into its parts (at most max are kept; they point into body,
 * whose quoted header values are unescaped in place). Returns how many
 * parts there were, or -1 if the body is not well-formed. */
int target_multipart_parse(char *body, size_t n, const char *b, size_t bl, struct target_part *parts, int max);

/* ---- delayed responses ----------------------------------------------
 * /delay parks connections with MHD_suspend_connection() and one timer
 * thread resumes them when due, so waiting costs no worker thread. */
struct MHD_Connection;
struct target_delay;

struct target_delay *target_delay_start(void);
/* Suspends c and schedules its resumption in ms milliseconds. Must be
 * called from the access handler. Returns 0 without suspending when the
 * server is shutting down (or out of memory): answer at once then. */
int target_delay_add(struct target_delay *d, struct MHD_Connection *c, uint64_t ms);
/* Stops the timer and resumes every parked connection (MHD must not be
 * stopped with suspended connections). Call before MHD_stop_daemon(). */
void target_delay_stop(struct target_delay *d);
void target_delay_free(struct target_delay *d);

/* ---- HTTPS (target_tls.c) ------------------------------------------ */
/* The files named on the command line; NULL when not given. */
struct target_tls_files {
    const char *cert, *key; /* both or neither: else a self-signed pair */
    const char *client_ca;  /* trusted issuers of client certificates */
    const char *cert_out;   /* where to write the served certificate */
};

struct target_tls {
    int fd;           /* HTTPS listening socket, -1 when HTTPS is off */
    char *cert, *key; /* PEM served (NUL-terminated) */
    char *ca;         /* PEM of --tls-client-ca, NULL when not given */
};

/* Reads (or makes) the certificate and key, reads the client CA, writes
 * cert_out. Returns 1, or 0 after a message naming the option and cause.
 * Sets t->fd to -1; target_tls_free() is due either way. */
int target_tls_load(struct target_tls *t, const struct target_tls_files *f);
void target_tls_free(struct target_tls *t);

enum {
    TARGET_PEER_OK,        /* a certificate issued by --tls-client-ca */
    TARGET_PEER_PLAIN,     /* not a TLS connection */
    TARGET_PEER_NONE,      /* TLS, but the client sent no certificate */
    TARGET_PEER_UNTRUSTED, /* a certificate that does not verify */
};

struct target_peer {
    char cn[256];       /* subject CN ("" if none) */
    char subject[1024]; /* subject DN as GnuTLS writes it */
    char why[256];      /* for UNTRUSTED: GnuTLS's reason */
};

/* Reads and verifies the client certificate of c (from the access handler). */
int target_tls_peer(struct MHD_Connection *c, struct target_peer *p);

/* ---- WebSockets (target_ws.c) ----------------------------------- */
/* Answers a handshake on c (from the access handler) for /ws/echo
 * (close_mode 0) or /ws/close (1): 101 and a session thread, or 400/426
 * for a request that is not a version-13 WebSocket handshake. Returns an
 * enum MHD_Result. */
int target_ws_answer(struct MHD_Connection *c, int close_mode);
/* Ends every session and waits for their threads; before MHD_stop_daemon. */
void target_ws_stop(void);

/* ---- HTTP server (target_routes.c) -------------------------------- */
struct target_server;

/* Starts libmicrohttpd on the listening socket fd with `threads` epoll
 * workers and at most `limit` connections, and, when tls->fd >= 0, a
 * second daemon serving the same routes over HTTPS on tls->fd (tls must
 * outlive the server). MHD owns the sockets on success (closed by
 * target_server_free); on failure they are closed, and it prints why and
 * returns NULL. */
struct target_server *target_server_start(int fd, unsigned threads, unsigned limit, struct target_delay *delay,
                                          const struct target_tls *tls);
/* Stops the daemon (resume delayed connections first) and frees all. */
void target_server_free(struct target_server *s);

#endif
