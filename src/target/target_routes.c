/* The target server's endpoints on top of libmicrohttpd.
 *
 * MHD calls the access handler at least twice per request: once when the
 * headers are in (we pick the route and, if the route needs it, allocate
 * per-request state), once per body chunk, and a last time with no data,
 * when we answer. Fixed documents are built once at start and shared by
 * every worker, so the benchmark hot paths allocate nothing. */
#include "target/target.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include "util/hexdigest.h"
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include "util/base64.h"
#include "util/codec.h"
#include "util/gojson.h"
#include "util/url.h"
#include "util/utf8.h"

#define TARGET_BODY_MAX   (16u << 20)  /* larger uploads get 413 */
#define TARGET_BYTES_MAX  (100u << 20) /* /bytes/{n} is clamped to this */
#define TARGET_PATTERN    (1u << 20)   /* /bytes data repeats with this period */
#define TARGET_DELAY_MAX  60000u       /* ms */
#define TARGET_PAIRS_MAX  65536        /* form fields parsed per body */
#define TARGET_PARTS_MAX  1024         /* multipart parts shown per body */
#define TARGET_IDLE_S     300u         /* idle keep-alive connections closed */
#define TARGET_JSON_DEPTH 256          /* deeper JSON bodies are not echoed as json */
/* Per-connection memory of MHD, which bounds the request head (~16 KB of
 * headers here). MHD zeroes it between requests, so half the default 32 KB
 * saves ~10% CPU per request and 300 MB of RSS at 20,000 connections. */
#define TARGET_CONN_MEMORY (16u << 10)

#define TARGET_JSON_TYPE "application/json"

/* What a daemon's access handler is given: the shared server, and whether
 * this daemon is the HTTPS one (no per-request lookup to tell). */
struct target_side {
    struct target_server *s;
    int tls;
};

struct target_server {
    struct MHD_Daemon *daemon, *tls_daemon;
    struct target_side plain, secure;
    struct target_delay *delay;
    struct MHD_Response *root, *json, *html, *forms, *notfound, *empty;
};

/* State of a request whose route reads the body or waits. */
struct target_req {
    const struct target_route *route;
    buf body;
    int too_big;
    int delayed;  /* /delay: the timer has been armed */
    int informed; /* /status/1xx: the interim response went out */
};

#define TARGET_DECODED_MAX (64u << 20) /* a compressed request body's limit */

struct target_call {
    struct target_server *s;
    struct MHD_Connection *c;
    const char *url;  /* decoded path, without the query */
    const char *rest; /* what follows a prefix route's path */
    const char *method;
    struct target_req *rq; /* NULL for stateless routes */
    int tls;               /* served by the HTTPS daemon */
};

typedef enum MHD_Result (*target_fn)(const struct target_call *x);

enum {
    T_PREFIX = 1,         /* path is a prefix ("/status/") */
    T_STATE = 2,          /* allocate a target_req */
    T_BODY = T_STATE | 4, /* ... and keep the request body in it */
};

struct target_route {
    const char *path;
    const char *method; /* NULL: any method */
    int flags;
    target_fn fn;
};

static unsigned char target_pattern[TARGET_PATTERN];
static atomic_int target_log_on = 1;

/* ---- responses -------------------------------------------------------- */

static enum MHD_Result target_send(struct MHD_Connection *c, unsigned status, struct MHD_Response *r) {
    enum MHD_Result ret;

    if (!r) return MHD_NO;
    ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static struct MHD_Response *target_header(struct MHD_Response *r, const char *name, const char *val) {
    if (r && MHD_add_response_header(r, name, val) != MHD_YES) {
        MHD_destroy_response(r);
        return NULL;
    }
    return r;
}

/* Turns the buffer into a response that owns (and later frees) its bytes. */
static struct MHD_Response *target_take(docbuf *b, const char *type) {
    struct MHD_Response *r = NULL;

    if (!b->oom && b->b.p) r = MHD_create_response_from_buffer_with_free_callback(b->b.len, b->b.p, free);
    if (!r) {
        doc_free(b);
        return NULL;
    }
    memset(b, 0, sizeof(*b)); /* MHD owns the bytes now */
    return target_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
}

static struct MHD_Response *target_empty(void) {
    return MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
}

static enum MHD_Result target_json_send(struct MHD_Connection *c, unsigned status, docbuf *b) {
    return target_send(c, status, target_take(b, TARGET_JSON_TYPE));
}

static enum MHD_Result target_error(struct MHD_Connection *c, unsigned status, const char *msg) {
    docbuf b = {0};

    doc_puts(&b, "{\"error\":");
    target_json_str(&b, msg, strlen(msg));
    doc_puts(&b, "}\n");
    return target_json_send(c, status, &b);
}

/* ---- request data as JSON -------------------------------------------- */

struct target_pair {
    const char *k, *v; /* v is "" when the key came without '=' */
    size_t kl, vl, idx;
    int novalue;
};

struct target_pairs {
    struct target_pair *a;
    size_t n, cap;
    int oom;
};

static void target_pairs_add(struct target_pairs *ps, const char *k, size_t kl, const char *v, size_t vl) {
    struct target_pair *a;

    if (ps->n == ps->cap) {
        size_t cap = ps->cap ? ps->cap * 2 : 16;

        if (ps->oom || !(a = realloc(ps->a, cap * sizeof(*a)))) {
            ps->oom = 1;
            return;
        }
        ps->a = a;
        ps->cap = cap;
    }
    ps->a[ps->n] = (struct target_pair){k, v ? v : "", kl, v ? vl : 0, ps->n, v == NULL};
    ps->n++;
}

static enum MHD_Result target_pairs_cb(void *cls, enum MHD_ValueKind kind, const char *k, size_t kl, const char *v,
                                       size_t vl) {
    (void)kind;
    target_pairs_add(cls, k, kl, v, vl);
    return MHD_YES;
}

static void target_pairs_get(struct target_pairs *ps, struct MHD_Connection *c, enum MHD_ValueKind kind) {
    MHD_get_connection_values_n(c, kind, target_pairs_cb, ps);
}

static int target_keycmp(const struct target_pair *a, const struct target_pair *b, int nocase) {
    size_t n = a->kl < b->kl ? a->kl : b->kl;
    int d = nocase ? strncasecmp(a->k, b->k, n) : memcmp(a->k, b->k, n);

    if (d == 0 && a->kl != b->kl) d = a->kl < b->kl ? -1 : 1;
    return d;
}

/* Sorted by key, then by arrival, so repeated keys keep their order. */
static int target_paircmp(const void *a, const void *b, int nocase) {
    const struct target_pair *x = a, *y = b;
    int d = target_keycmp(x, y, nocase);

    return d ? d : (x->idx > y->idx) - (x->idx < y->idx);
}

static int target_paircmp_cs(const void *a, const void *b) { return target_paircmp(a, b, 0); }

static int target_paircmp_ci(const void *a, const void *b) { return target_paircmp(a, b, 1); }

/* Header names are case-insensitive; show them as "Content-Type" so that
 * scripts written against other echo servers find them. */
static void target_json_header_name(docbuf *b, const char *k, size_t n) {
    char tmp[256];
    size_t i;

    if (n > sizeof(tmp)) {
        target_json_str(b, k, n);
        return;
    }
    for (i = 0; i < n; i++) {
        char ch = k[i];
        int upper = i == 0 || k[i - 1] == '-';

        if (upper && ch >= 'a' && ch <= 'z') ch = (char)(ch - 32);
        else if (!upper && ch >= 'A' && ch <= 'Z') ch = (char)(ch + 32);
        tmp[i] = ch;
    }
    target_json_str(b, tmp, n);
}

/* Emits a group of values sharing one key: a repeated header becomes one
 * comma-joined string, a repeated query/form/cookie key an array. */
static void target_json_group(docbuf *b, const struct target_pair *g, size_t n, int headers) {
    docbuf j = {0};
    size_t i;

    if (n == 1) {
        target_json_str(b, g->v, g->vl);
        return;
    }
    if (headers) {
        for (i = 0; i < n; i++) {
            if (i) doc_puts(&j, ", ");
            doc_put(&j, g[i].v, g[i].vl);
        }
        b->oom |= j.oom;
        target_json_str(b, j.b.p, j.b.len);
        doc_free(&j);
        return;
    }
    doc_putc(b, '[');
    for (i = 0; i < n; i++) {
        if (i) doc_putc(b, ',');
        target_json_str(b, g[i].v, g[i].vl);
    }
    doc_putc(b, ']');
}

static void target_json_pairs(docbuf *b, struct target_pairs *ps, int headers) {
    size_t i, j;

    b->oom |= ps->oom;
    if (ps->n > 1) qsort(ps->a, ps->n, sizeof(*ps->a), headers ? target_paircmp_ci : target_paircmp_cs);
    doc_putc(b, '{');
    for (i = 0; i < ps->n; i = j) {
        for (j = i + 1; j < ps->n; j++)
            if (target_keycmp(&ps->a[i], &ps->a[j], headers) != 0) break;
        if (i) doc_putc(b, ',');
        if (headers) target_json_header_name(b, ps->a[i].k, ps->a[i].kl);
        else target_json_str(b, ps->a[i].k, ps->a[i].kl);
        doc_putc(b, ':');
        target_json_group(b, ps->a + i, j - i, headers);
    }
    doc_putc(b, '}');
}

static void target_json_values(docbuf *b, struct MHD_Connection *c, enum MHD_ValueKind kind) {
    struct target_pairs ps = {0};

    target_pairs_get(&ps, c, kind);
    target_json_pairs(b, &ps, kind == MHD_HEADER_KIND);
    free(ps.a);
}

static void target_origin(struct MHD_Connection *c, char *out, size_t n) {
    const union MHD_ConnectionInfo *ci;
    const struct sockaddr *sa;

    out[0] = '\0';
    ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!ci || !(sa = ci->client_addr)) return;
    if (sa->sa_family == AF_INET) inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)n);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, (socklen_t)n);
}

static void target_json_origin(docbuf *b, struct MHD_Connection *c) {
    char ip[INET6_ADDRSTRLEN];

    target_origin(c, ip, sizeof(ip));
    target_json_str(b, ip, strlen(ip));
}

/* MHD hands us the path decoded and the query split into arguments, so
 * the URL is rebuilt by re-encoding both. */
static void target_json_url(docbuf *b, struct MHD_Connection *c, const char *path, int tls) {
    const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
    docbuf u = {0};
    struct target_pairs ps = {0};
    size_t i;

    doc_puts(&u, tls ? "https://" : "http://");
    doc_puts(&u, host ? host : "localhost");
    target_url_encode(&u, path, strlen(path), "/:@!$&'()*+,;=");
    target_pairs_get(&ps, c, MHD_GET_ARGUMENT_KIND);
    for (i = 0; i < ps.n; i++) {
        doc_putc(&u, i ? '&' : '?');
        target_url_encode(&u, ps.a[i].k, ps.a[i].kl, NULL);
        if (ps.a[i].novalue) continue;
        doc_putc(&u, '=');
        target_url_encode(&u, ps.a[i].v, ps.a[i].vl, NULL);
    }
    b->oom |= u.oom | ps.oom;
    target_json_str(b, u.b.p ? u.b.p : "", u.b.len);
    doc_free(&u);
    free(ps.a);
}

/* ---- echo endpoints --------------------------------------------------- */

enum {
    E_BODY = 1, /* data, form, json */
    E_METHOD = 2,
};

static int target_is_form(struct MHD_Connection *c) {
    const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    static const char form[] = "application/x-www-form-urlencoded";

    return ct && strncasecmp(ct, form, sizeof(form) - 1) == 0 &&
           (ct[sizeof(form) - 1] == '\0' || ct[sizeof(form) - 1] == ';' || ct[sizeof(form) - 1] == ' ');
}

/* Splits a urlencoded body into decoded pairs. The pairs point into
 * `copy`, a private copy of the body the caller frees. */
static void target_form_parse(const buf *body, char **copy, struct target_pairs *ps) {
    char *p, *end, *amp, *eq;

    *copy = NULL;
    if (body->len == 0) return;
    if (!(*copy = malloc(body->len))) {
        ps->oom = 1;
        return;
    }
    memcpy(*copy, body->p, body->len);
    for (p = *copy, end = p + body->len; ps->n < TARGET_PAIRS_MAX; p = amp + 1) {
        size_t kl, vl = 0;
        char *v = NULL;

        if (!(amp = memchr(p, '&', (size_t)(end - p)))) amp = end;
        if ((eq = memchr(p, '=', (size_t)(amp - p)))) {
            v = eq + 1;
            vl = url_unescape(v, SIZE_MAX, v, (size_t)(amp - v), 1);
        } else {
            eq = amp;
        }
        kl = url_unescape(p, SIZE_MAX, p, (size_t)(eq - p), 1);
        if (amp > p) /* "a&&b" has no empty field in between */
            target_pairs_add(ps, p, kl, v, vl);
        if (amp == end) break;
    }
}

/* A multipart body: plain parts go to `form`; file parts (those with a
 * filename) to `files` as text, as httpbin shows them, and to `info` as
 * {name, filename, content_type, size, sha256} so binary uploads can be
 * checked byte for byte. */
static void target_multipart_fields(const buf *body, const char *bnd, size_t bl, char **copy, struct target_pairs *form,
                                    struct target_pairs *files, docbuf *info) {
    struct target_part *parts;
    int n, i;

    *copy = NULL;
    if (!body->len) return;
    parts = malloc(TARGET_PARTS_MAX * sizeof(*parts));
    if (!parts || !(*copy = malloc(body->len))) {
        free(parts);
        form->oom = 1;
        return;
    }
    memcpy(*copy, body->p, body->len);
    n = target_multipart_parse(*copy, body->len, bnd, bl, parts, TARGET_PARTS_MAX);
    for (i = 0; i < n && i < TARGET_PARTS_MAX; i++) {
        const struct target_part *pt = &parts[i];
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int mdlen = 0, k;
        char hex[2 * EVP_MAX_MD_SIZE + 1];

        if (!pt->has_filename) {
            target_pairs_add(form, pt->name ? pt->name : "", pt->name_len, pt->data, pt->len);
            continue;
        }
        target_pairs_add(files, pt->name ? pt->name : "", pt->name_len, pt->data, pt->len);
        EVP_Digest(pt->data, pt->len, md, &mdlen, EVP_sha256(), NULL);
        for (k = 0; k < mdlen; k++) snprintf(hex + 2 * k, 3, "%02x", md[k]);
        hex[2 * mdlen] = '\0';
        if (info->b.len) doc_putc(info, ',');
        doc_puts(info, "{\"name\":");
        target_json_str(info, pt->name ? pt->name : "", pt->name_len);
        doc_puts(info, ",\"filename\":");
        target_json_str(info, pt->filename, pt->filename_len);
        doc_puts(info, ",\"content_type\":");
        target_json_str(info, pt->type ? pt->type : "", pt->type_len);
        doc_puts(info, ",\"size\":");
        doc_putu(info, pt->len);
        doc_puts(info, ",\"sha256\":\"");
        doc_puts(info, hex);
        doc_puts(info, "\"}");
    }
    free(parts);
}

/* Whether s[0..n) is one JSON object or array (whitespace around it
 * allowed): Go's syntax, UTF-8 throughout (which Go's scanner does not
 * check but the echoed document needs), and nested at most
 * TARGET_JSON_DEPTH deep, so that any client's parser reads the echo back. */
static int target_is_json_doc(const char *s, size_t n) {
    size_t i = 0;

    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) i++;
    return i < n && (s[i] == '{' || s[i] == '[') && utf8_valid(s, n) &&
           gojson_check_depth(s, n, TARGET_JSON_DEPTH, NULL, 0, NULL) == 0;
}

static void target_json_body(docbuf *b, struct MHD_Connection *c, const buf *body) {
    struct target_pairs ps = {0}, files = {0};
    docbuf info = {0};
    char *copy = NULL;
    const char *data = body->p ? body->p : "";
    const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    const char *bnd;
    size_t bl;

    doc_puts(b, ",\"data\":");
    target_json_str(b, data, body->len);
    if (target_is_form(c)) target_form_parse(body, &copy, &ps);
    else if (target_multipart_boundary(ct, &bnd, &bl))
        target_multipart_fields(body, bnd, bl, &copy, &ps, &files, &info);
    doc_puts(b, ",\"form\":");
    target_json_pairs(b, &ps, 0);
    doc_puts(b, ",\"files\":");
    target_json_pairs(b, &files, 0);
    doc_puts(b, ",\"file_info\":[");
    doc_put(b, info.b.p, info.b.len);
    doc_putc(b, ']');
    b->oom |= info.oom;
    doc_free(&info);
    free(ps.a);
    free(files.a);
    free(copy);
    doc_puts(b, ",\"json\":");
    /* Validated, so embedding the client's text keeps the output valid. */
    if (target_is_json_doc(data, body->len)) doc_put(b, data, body->len);
    else doc_puts(b, "null");
}

/* A body sent with Content-Encoding (a list is undone last first) into
 * out: 1, or 0 when the body is not encoded, or -1 when it cannot be
 * decoded. */
static int target_decode_body(struct MHD_Connection *c, const buf *body, buf *out) {
    const char *ce = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_ENCODING);
    int codecs[8], n = 0;
    buf tmp = {0};

    if (!ce || !*ce) return 0;
    for (const char *p = ce; *p && n < 8;) {
        size_t len = strcspn(p, ",");
        int k = codec_from_name(p, len);

        if (k < 0) return -1;
        if (k != CODEC_IDENTITY) codecs[n++] = k;
        p += len + (p[len] == ',');
    }
    if (n == 0) return 0;
    if (buf_append(&tmp, body->p ? body->p : "", body->len)) return -1;
    while (n-- > 0) {
        buf_clear(out);
        if (codec_decode(codecs[n], tmp.p, tmp.len, out, TARGET_DECODED_MAX)) {
            buf_free(&tmp);
            return -1;
        }
        buf_clear(&tmp);
        if (buf_append(&tmp, out->p ? out->p : "", out->len)) {
            buf_free(&tmp);
            return -1;
        }
    }
    buf_free(&tmp);
    return 1;
}

static enum MHD_Result target_echo(const struct target_call *x, int what) {
    docbuf b = {0};

    if (x->rq && x->rq->too_big) return target_error(x->c, 413, "request body too large");
    doc_puts(&b, "{\"args\":");
    target_json_values(&b, x->c, MHD_GET_ARGUMENT_KIND);
    if (what & E_BODY) {
        buf dec = {0};
        int rc = target_decode_body(x->c, &x->rq->body, &dec);

        if (rc < 0) {
            buf_free(&dec);
            doc_free(&b);
            return target_error(x->c, 400, "cannot decode the Content-Encoding of the body");
        }
        target_json_body(&b, x->c, rc ? &dec : &x->rq->body);
        buf_free(&dec);
    }
    doc_puts(&b, ",\"headers\":");
    target_json_values(&b, x->c, MHD_HEADER_KIND);
    if (what & E_METHOD) {
        doc_puts(&b, ",\"method\":");
        target_json_str(&b, x->method, strlen(x->method));
    }
    doc_puts(&b, ",\"origin\":");
    target_json_origin(&b, x->c);
    doc_puts(&b, ",\"url\":");
    target_json_url(&b, x->c, x->url, x->tls);
    doc_puts(&b, "}\n");
    return target_json_send(x->c, 200, &b);
}

static enum MHD_Result target_get(const struct target_call *x) { return target_echo(x, 0); }

static enum MHD_Result target_post(const struct target_call *x) { return target_echo(x, E_BODY); }

static enum MHD_Result target_anything(const struct target_call *x) { return target_echo(x, E_BODY | E_METHOD); }

static enum MHD_Result target_headers(const struct target_call *x) {
    docbuf b = {0};

    doc_puts(&b, "{\"headers\":");
    target_json_values(&b, x->c, MHD_HEADER_KIND);
    doc_puts(&b, "}\n");
    return target_json_send(x->c, 200, &b);
}

/* {"<key>":"<value>"} for one request detail. */
static enum MHD_Result target_one(struct MHD_Connection *c, const char *key, const char *val) {
    docbuf b = {0};

    doc_putc(&b, '{');
    target_json_str(&b, key, strlen(key));
    doc_putc(&b, ':');
    target_json_str(&b, val, strlen(val));
    doc_puts(&b, "}\n");
    return target_json_send(c, 200, &b);
}

static enum MHD_Result target_ip(const struct target_call *x) {
    char ip[INET6_ADDRSTRLEN];

    target_origin(x->c, ip, sizeof(ip));
    return target_one(x->c, "origin", ip);
}

/* {"origin": ip, "port": n}: the client's address, so tests can tell
 * connections apart (connection reuse) and see the source IP (localIPs). */
static enum MHD_Result target_client(const struct target_call *x) {
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(x->c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    docbuf b = {0};
    unsigned port = 0;

    if (sa && sa->sa_family == AF_INET) port = ntohs(((const struct sockaddr_in *)sa)->sin_port);
    else if (sa && sa->sa_family == AF_INET6) port = ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
    doc_puts(&b, "{\"origin\":");
    target_json_origin(&b, x->c);
    doc_puts(&b, ",\"port\":");
    doc_putu(&b, port);
    doc_puts(&b, "}\n");
    return target_json_send(x->c, 200, &b);
}

static enum MHD_Result target_user_agent(const struct target_call *x) {
    const char *ua = MHD_lookup_connection_value(x->c, MHD_HEADER_KIND, MHD_HTTP_HEADER_USER_AGENT);

    return target_one(x->c, "user-agent", ua ? ua : "");
}

/* ---- numbers and randomness ------------------------------------------ */

/* Parses a non-empty run of decimal digits, saturating at `max` (which
 * must stay far below UINT64_MAX / 10), so "/delay/99999999999999999999"
 * clamps rather than fails. */
static int target_parse_uint(const char *s, uint64_t max, uint64_t *out) {
    uint64_t v = 0;

    if (!*s) return 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9') return 0;
        if (v <= max) /* past max it stops growing: no overflow */
            v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = v > max ? max : v;
    return 1;
}

static uint64_t target_splitmix(uint64_t *state) {
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static uint64_t target_random(void) {
    static _Thread_local uint64_t state;

    if (state == 0 && getrandom(&state, sizeof(state), 0) != sizeof(state))
        state = (uint64_t)(uintptr_t)&state ^ 0x5eed;
    return target_splitmix(&state);
}

static enum MHD_Result target_uuid(const struct target_call *x) {
    static const char hex[] = "0123456789abcdef";
    unsigned char r[16];
    char out[37];
    uint64_t a = target_random(), b = target_random();
    int i, o = 0;

    memcpy(r, &a, 8);
    memcpy(r + 8, &b, 8);
    r[6] = (unsigned char)((r[6] & 0x0f) | 0x40); /* version 4 */
    r[8] = (unsigned char)((r[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    for (i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out[o++] = '-';
        out[o++] = hex[r[i] >> 4];
        out[o++] = hex[r[i] & 15];
    }
    out[o] = '\0';
    return target_one(x->c, "uuid", out);
}

/* ---- status, delay, bytes -------------------------------------------- */

static enum MHD_Result target_status(const struct target_call *x) {
    uint64_t code;

    if (!target_parse_uint(x->rest, 1000, &code) || code < 100 || code > 599)
        return target_error(x->c, 400, "status code must be 100-599");
    if (code >= 200) return MHD_queue_response(x->c, (unsigned)code, x->s->empty);
    /* A 1xx cannot end an exchange, so the connection is closed after it
     * and the client fails at once instead of waiting for a final answer.
     * MHD treats 102 as interim and asks again for the final response:
     * that second call closes the connection too. */
    if (x->rq->informed) return MHD_NO;
    x->rq->informed = 1;
    return target_send(x->c, (unsigned)code, target_header(target_empty(), MHD_HTTP_HEADER_CONNECTION, "close"));
}

static enum MHD_Result target_delay(const struct target_call *x) {
    docbuf b = {0};
    uint64_t ms;

    if (!target_parse_uint(x->rest, TARGET_DELAY_MAX, &ms))
        return target_error(x->c, 400, "delay must be milliseconds");
    if (!x->rq->delayed) {
        x->rq->delayed = 1;
        if (ms > 0 && target_delay_add(x->s->delay, x->c, ms)) return MHD_YES; /* called again once resumed */
    }
    doc_puts(&b, "{\"delay_ms\":");
    doc_putu(&b, ms);
    doc_puts(&b, "}\n");
    return target_json_send(x->c, 200, &b);
}

/* Large bodies are sent straight from the shared pattern: the iovec
 * repeats it, so MHD writes it out without any copy. */
static struct MHD_Response *target_bytes_resp(size_t n) {
    struct MHD_IoVec iov[TARGET_BYTES_MAX / TARGET_PATTERN + 1];
    unsigned k = 0;

    if (n <= TARGET_PATTERN) return MHD_create_response_from_buffer(n, target_pattern, MHD_RESPMEM_PERSISTENT);
    for (; n > 0; k++) {
        iov[k].iov_base = target_pattern;
        iov[k].iov_len = n < TARGET_PATTERN ? n : TARGET_PATTERN;
        n -= iov[k].iov_len;
    }
    return MHD_create_response_from_iovec(iov, k, NULL, NULL);
}

static enum MHD_Result target_bytes(const struct target_call *x) {
    uint64_t n;

    if (!target_parse_uint(x->rest, TARGET_BYTES_MAX, &n))
        return target_error(x->c, 400, "length must be a number of bytes");
    return target_send(
        x->c, 200,
        target_header(target_bytes_resp((size_t)n), MHD_HTTP_HEADER_CONTENT_TYPE, "application/octet-stream"));
}

/* ---- cookies ---------------------------------------------------------- */

static enum MHD_Result target_cookies(const struct target_call *x) {
    docbuf b = {0};

    doc_puts(&b, "{\"cookies\":");
    target_json_values(&b, x->c, MHD_COOKIE_KIND);
    doc_puts(&b, "}\n");
    return target_json_send(x->c, 200, &b);
}

static int target_is_token(const char *s, size_t n) {
    size_t i;

    for (i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f || strchr("()<>@,;:\\\"/[]?={}", s[i])) return 0;
    return n > 0;
}

/* Adds one Set-Cookie per valid query key; `del` expires it instead.
 * Values are percent-encoded where a cookie may not carry the byte. */
static struct MHD_Response *target_set_cookies(struct MHD_Connection *c, int del) {
    struct MHD_Response *r = target_empty();
    struct target_pairs ps = {0};
    size_t i;

    target_pairs_get(&ps, c, MHD_GET_ARGUMENT_KIND);
    for (i = 0; r && i < ps.n; i++) {
        docbuf h = {0};

        if (!target_is_token(ps.a[i].k, ps.a[i].kl)) continue;
        doc_put(&h, ps.a[i].k, ps.a[i].kl);
        doc_putc(&h, '=');
        if (del)
            doc_puts(&h, "; Expires=Thu, 01 Jan 1970 00:00:00 GMT; "
                         "Max-Age=0");
        else target_url_encode(&h, ps.a[i].v, ps.a[i].vl, "!#$&'()*+/:<=>?@[]^`{|}");
        doc_puts(&h, "; Path=/");
        doc_putc(&h, '\0');
        if (h.oom) {
            MHD_destroy_response(r);
            r = NULL;
        } else {
            r = target_header(r, MHD_HTTP_HEADER_SET_COOKIE, h.b.p);
        }
        doc_free(&h);
    }
    if (r && ps.oom) {
        MHD_destroy_response(r);
        r = NULL;
    }
    free(ps.a);
    return target_header(r, MHD_HTTP_HEADER_LOCATION, "/cookies");
}

static enum MHD_Result target_cookies_set(const struct target_call *x) {
    return target_send(x->c, 302, target_set_cookies(x->c, 0));
}

static enum MHD_Result target_cookies_delete(const struct target_call *x) {
    return target_send(x->c, 302, target_set_cookies(x->c, 1));
}

/* /response-headers?Name=value&...: every query pair becomes a response
 * header (httpbin's endpoint: how tests get any Set-Cookie they need), and
 * the body echoes the pairs. Pairs that cannot be a header are skipped. */
static enum MHD_Result target_response_headers(const struct target_call *x) {
    struct target_pairs ps = {0};
    docbuf b = {0};
    struct MHD_Response *r;
    size_t i;

    target_pairs_get(&ps, x->c, MHD_GET_ARGUMENT_KIND);
    target_json_pairs(&b, &ps, 0); /* sorts by name; a repeated name keeps its order */
    doc_putc(&b, '\n');
    r = target_take(&b, TARGET_JSON_TYPE);
    for (i = 0; r && i < ps.n; i++)
        if (target_is_token(ps.a[i].k, ps.a[i].kl) && !memchr(ps.a[i].v, '\r', ps.a[i].vl) &&
            !memchr(ps.a[i].v, '\n', ps.a[i].vl))
            MHD_add_response_header(r, ps.a[i].k, ps.a[i].v);
    free(ps.a);
    return target_send(x->c, 200, r);
}

/* ---- redirects and auth ----------------------------------------------- */

static enum MHD_Result target_redirect(const struct target_call *x) {
    char loc[48];
    uint64_t n;

    if (!target_parse_uint(x->rest, UINT32_MAX, &n) || n < 1)
        return target_error(x->c, 400, "redirect count must be >= 1");
    if (n == 1) snprintf(loc, sizeof(loc), "/get");
    else snprintf(loc, sizeof(loc), "/redirect/%llu", (unsigned long long)n - 1);
    return target_send(x->c, 302, target_header(target_empty(), MHD_HTTP_HEADER_LOCATION, loc));
}

static enum MHD_Result target_redirect_to(const struct target_call *x) {
    const char *url = MHD_lookup_connection_value(x->c, MHD_GET_ARGUMENT_KIND, "url");
    const char *sc = MHD_lookup_connection_value(x->c, MHD_GET_ARGUMENT_KIND, "status_code");
    uint64_t code = 302;
    const char *p;

    if (!url || !*url) return target_error(x->c, 400, "missing url");
    for (p = url; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f) return target_error(x->c, 400, "bad url");
    if (sc && (!target_parse_uint(sc, 1000, &code) || code < 300 || code > 399))
        return target_error(x->c, 400, "status_code must be 300-399");
    return target_send(x->c, (unsigned)code, target_header(target_empty(), MHD_HTTP_HEADER_LOCATION, url));
}

/* 1 if the Authorization header is Basic and decodes to "user:pass". */
static int target_auth_ok(struct MHD_Connection *c, const char *user, size_t ul, const char *pass) {
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    unsigned char out[1024 + 3];
    size_t pl = strlen(pass), n, bad;
    ssize_t got;

    if (!h || strncasecmp(h, "Basic ", 6) != 0) return 0;
    for (h += 6; *h == ' '; h++)
        ;
    n = strlen(h);
    while (n > 0 && (h[n - 1] == ' ' || h[n - 1] == '=')) n--; /* padding optional */
    if (n > 1024 / 3 * 4) return 0;
    got = b64_decode(h, n, B64_RAWSTD, out, &bad);
    return got >= 0 && (size_t)got == ul + 1 + pl && memcmp(out, user, ul) == 0 && out[ul] == ':' &&
           memcmp(out + ul + 1, pass, pl) == 0;
}

static enum MHD_Result target_basic_auth(const struct target_call *x) {
    const char *slash = strchr(x->rest, '/');
    docbuf b = {0};
    size_t ul;

    if (!slash || slash == x->rest) return MHD_queue_response(x->c, 404, x->s->notfound);
    ul = (size_t)(slash - x->rest);
    if (!target_auth_ok(x->c, x->rest, ul, slash + 1)) {
        doc_puts(&b, "{\"authenticated\":false}\n");
        return target_send(
            x->c, 401,
            target_header(target_take(&b, TARGET_JSON_TYPE), MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Basic realm=\"c6\""));
    }
    doc_puts(&b, "{\"authenticated\":true,\"user\":");
    target_json_str(&b, x->rest, ul);
    doc_puts(&b, "}\n");
    return target_json_send(x->c, 200, &b);
}

/* ---- gzip, brotli, deflate, zstd ------------------------------------- */

/* /gzip, /brotli, /deflate, /zstd: httpbin's {"<coding>": true, headers, method,
 * origin} in that Content-Encoding. */
static enum MHD_Result target_coded(const struct target_call *x, int codec, const char *key) {
    docbuf b = {0}, out = {0};
    struct MHD_Response *r = NULL;

    doc_putc(&b, '{');
    target_json_str(&b, key, strlen(key));
    doc_puts(&b, ":true,\"headers\":");
    target_json_values(&b, x->c, MHD_HEADER_KIND);
    doc_puts(&b, ",\"method\":");
    target_json_str(&b, x->method, strlen(x->method));
    doc_puts(&b, ",\"origin\":");
    target_json_origin(&b, x->c);
    doc_puts(&b, "}\n");
    if (!b.oom && codec_encode(codec, b.b.p, b.b.len, &out.b) == 0)
        r = target_header(target_take(&out, TARGET_JSON_TYPE), MHD_HTTP_HEADER_CONTENT_ENCODING, codec_name(codec));
    doc_free(&out);
    doc_free(&b);
    return target_send(x->c, 200, r);
}

static enum MHD_Result target_gzip(const struct target_call *x) { return target_coded(x, CODEC_GZIP, "gzipped"); }

static enum MHD_Result target_brotli(const struct target_call *x) { return target_coded(x, CODEC_BR, "brotli"); }

static enum MHD_Result target_deflate(const struct target_call *x) {
    return target_coded(x, CODEC_DEFLATE, "deflated");
}

static enum MHD_Result target_zstd(const struct target_call *x) { return target_coded(x, CODEC_ZSTD, "zstd"); }

/* ---- digest auth (RFC 7616) -------------------------------------------- */

#define TARGET_DIGEST_REALM "c6@target"

/* The value of key in a Digest credentials list (quoted or token) into
 * out; 0 if absent. */
static int target_digest_param(const char *h, const char *key, char *out, size_t n) {
    size_t kl = strlen(key);

    for (const char *p = h; *p;) {
        while (*p == ' ' || *p == ',' || *p == '\t') p++;
        const char *eq = strchr(p, '=');
        if (!eq) return 0;
        int match = (size_t)(eq - p) == kl && strncasecmp(p, key, kl) == 0;
        const char *v = eq + 1, *end;
        if (*v == '"') {
            end = strchr(++v, '"');
            if (!end) return 0;
        } else {
            end = v + strcspn(v, ",");
        }
        if (match) {
            snprintf(out, n, "%.*s", (int)(end - v), v);
            return 1;
        }
        p = *end == '"' ? end + 1 : end;
    }
    return 0;
}

static int target_digest_ok(const struct target_call *x, const char *qop, const char *user, const char *pass,
                            const EVP_MD *md) {
    const char *h = MHD_lookup_connection_value(x->c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    char u[128], realm[128], nonce[128], uri[1024], resp[160], nc[32], cnonce[128], q[32], ha1[EVP_MAX_MD_SIZE * 2 + 1],
        ha2[EVP_MAX_MD_SIZE * 2 + 1], want[EVP_MAX_MD_SIZE * 2 + 1];

    if (!h || strncasecmp(h, "Digest ", 7) != 0) return 0;
    h += 7;
    if (!target_digest_param(h, "username", u, sizeof(u)) || !target_digest_param(h, "realm", realm, sizeof(realm)) ||
        !target_digest_param(h, "nonce", nonce, sizeof(nonce)) || !target_digest_param(h, "uri", uri, sizeof(uri)) ||
        !target_digest_param(h, "response", resp, sizeof(resp)) || strcmp(u, user) != 0 ||
        strcmp(realm, TARGET_DIGEST_REALM) != 0)
        return 0;
    const char *p1[] = {user, ":", realm, ":", pass};
    hex_digest(md, p1, 5, ha1);
    const char *p2[] = {x->method, ":", uri};
    hex_digest(md, p2, 3, ha2);
    if (!target_digest_param(h, "qop", q, sizeof(q))) {
        const char *p3[] = {ha1, ":", nonce, ":", ha2};
        hex_digest(md, p3, 5, want); /* RFC 2069, no qop */
    } else {
        if (strcmp(q, qop) != 0 || !target_digest_param(h, "nc", nc, sizeof(nc)) ||
            !target_digest_param(h, "cnonce", cnonce, sizeof(cnonce)))
            return 0;
        const char *p3[] = {ha1, ":", nonce, ":", nc, ":", cnonce, ":", q, ":", ha2};
        hex_digest(md, p3, 11, want);
    }
    return strcasecmp(want, resp) == 0;
}

/* /digest-auth/{qop}/{user}/{passwd}[/{MD5|SHA-256}]: 401 with a fresh
 * challenge until the Authorization answers it (httpbin's route; qop
 * "auth" only: auth-int would need the body). */
static enum MHD_Result target_digest_auth(const struct target_call *x) {
    char qop[32], user[128], pass[128], alg[32] = "MD5", chal[400];
    char nonce[33], opaque[33];
    unsigned char rnd[16];
    docbuf b = {0};
    const EVP_MD *md;

    if (sscanf(x->rest, "%31[^/]/%127[^/]/%127[^/]/%31s", qop, user, pass, alg) < 3 || strcmp(qop, "auth") != 0)
        return MHD_queue_response(x->c, 404, x->s->notfound);
    md = strcasecmp(alg, "MD5") == 0 ? EVP_md5() : strcasecmp(alg, "SHA-256") == 0 ? EVP_sha256() : NULL;
    if (!md) return target_error(x->c, 400, "algorithm must be MD5 or SHA-256");
    if (target_digest_ok(x, qop, user, pass, md)) {
        doc_puts(&b, "{\"authenticated\":true,\"user\":");
        target_json_str(&b, user, strlen(user));
        doc_puts(&b, "}\n");
        return target_json_send(x->c, 200, &b);
    }
    if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) memset(rnd, 7, sizeof(rnd));
    for (int i = 0; i < 16; i++) snprintf(nonce + 2 * i, 3, "%02x", rnd[i]);
    for (int i = 0; i < 16; i++) snprintf(opaque + 2 * i, 3, "%02x", rnd[15 - i] ^ 0x5a);
    snprintf(chal, sizeof(chal),
             "Digest realm=\"%s\", nonce=\"%s\", qop=\"%s\", opaque=\"%s\", algorithm=%s, stale=FALSE",
             TARGET_DIGEST_REALM, nonce, qop, opaque, strcasecmp(alg, "MD5") == 0 ? "MD5" : "SHA-256");
    doc_puts(&b, "{\"authenticated\":false}\n");
    return target_send(x->c, 401,
                       target_header(target_take(&b, TARGET_JSON_TYPE), MHD_HTTP_HEADER_WWW_AUTHENTICATE, chal));
}

/* ---- drip ---------------------------------------------------------------- */

/* Seconds ("1", "0.5") from the query into ms, capped at the delay limit. */
static uint64_t target_query_ms(struct MHD_Connection *c, const char *key, double dflt) {
    const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, key);
    double s = v ? strtod(v, NULL) : dflt;

    if (!(s > 0)) return 0;
    return s * 1000 > TARGET_DELAY_MAX ? TARGET_DELAY_MAX : (uint64_t)(s * 1000);
}

/* A /drip body: byte i (0-based) is due `duration` * (i + 1) / n after the
 * headers, so the last one ends the response at `duration`, as httpbin's
 * byte-then-pause loop does. While nothing is due the connection is
 * suspended on the delay timer (MHD calls the reader again on resume), so
 * a slow drip holds no MHD thread. */
struct target_drip {
    struct target_delay *delay;
    struct MHD_Connection *c;
    uint64_t n, start_ns, dur_ns;
};

static uint64_t target_mono_ns(void) {
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static ssize_t target_drip_read(void *cls, uint64_t pos, char *out, size_t max) {
    struct target_drip *d = cls;
    uint64_t now = target_mono_ns(), elapsed, due, k;

    if (pos >= d->n) return MHD_CONTENT_READER_END_OF_STREAM;
    if (!d->start_ns) d->start_ns = now;
    /* bytes [0, due) are due: (i + 1) * dur / n <= elapsed (no overflow:
     * dur <= 60 s in ns times n <= 100 MiB stays below 2^63) */
    elapsed = now - d->start_ns;
    due = elapsed >= d->dur_ns ? d->n : elapsed * d->n / d->dur_ns;
    if (due > pos) {
        k = due - pos < max ? due - pos : max;
        memset(out, '*', k);
        return (ssize_t)k;
    }
    k = d->dur_ns * (pos + 1) / d->n - elapsed;                               /* ns until byte pos is due */
    if (target_delay_add(d->delay, d->c, (k + 999999u) / 1000000u)) return 0; /* suspended: called again once resumed */
    memset(out, '*', 1); /* the timer is closing: no more waiting */
    return 1;
}

/* /drip?numbytes=N&duration=S&delay=S&code=C: after delay seconds the
 * headers, then N '*' bytes spread evenly over duration seconds. */
static enum MHD_Result target_drip(const struct target_call *x) {
    const char *nb = MHD_lookup_connection_value(x->c, MHD_GET_ARGUMENT_KIND, "numbytes");
    const char *code = MHD_lookup_connection_value(x->c, MHD_GET_ARGUMENT_KIND, "code");
    uint64_t n = 10, status = 200;
    uint64_t delay_ms = target_query_ms(x->c, "delay", 0), dur_ms = target_query_ms(x->c, "duration", 2);
    struct target_drip *d;
    struct MHD_Response *r;

    if ((nb && !target_parse_uint(nb, TARGET_BYTES_MAX, &n)) ||
        (code && (!target_parse_uint(code, 599, &status) || status < 200)))
        return target_error(x->c, 400, "numbytes and code must be numbers");
    if (!x->rq->delayed) {
        x->rq->delayed = 1;
        if (delay_ms > 0 && target_delay_add(x->s->delay, x->c, delay_ms))
            return MHD_YES; /* called again once resumed */
    }
    if (n == 0)
        return target_send(x->c, (unsigned)status,
                           target_header(target_empty(), MHD_HTTP_HEADER_CONTENT_TYPE, "application/octet-stream"));
    d = calloc(1, sizeof(*d));
    if (!d) return MHD_NO;
    *d = (struct target_drip){x->s->delay, x->c, n, 0, dur_ms * 1000000u};
    r = MHD_create_response_from_callback(n, 4096, target_drip_read, d, free);
    if (!r) {
        free(d);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/octet-stream");
    return target_send(x->c, (unsigned)status, r);
}

/* ---- fixed documents -------------------------------------------------- */

/* {"cn": ..., "subject": ...} of a client certificate issued by
 * --tls-client-ca. MHD can only ask for a certificate (a client without
 * one still completes the handshake), so this route is where it becomes
 * required: 401 without one, 403 with one that does not verify. */
static enum MHD_Result target_client_cert(const struct target_call *x) {
    struct target_peer p;
    docbuf b = {0};
    char msg[320];

    switch (target_tls_peer(x->c, &p)) {
    case TARGET_PEER_PLAIN: return target_error(x->c, 401, "client certificate required: not a TLS connection");
    case TARGET_PEER_NONE: return target_error(x->c, 401, "client certificate required");
    case TARGET_PEER_UNTRUSTED:
        snprintf(msg, sizeof(msg), "client certificate not trusted: %s", p.why[0] ? p.why : "verification failed");
        return target_error(x->c, 403, msg);
    }
    doc_puts(&b, "{\"cn\":");
    target_json_str(&b, p.cn, strlen(p.cn));
    doc_puts(&b, ",\"subject\":");
    target_json_str(&b, p.subject, strlen(p.subject));
    doc_puts(&b, "}\n");
    return target_json_send(x->c, 200, &b);
}

static enum MHD_Result target_root(const struct target_call *x) { return MHD_queue_response(x->c, 200, x->s->root); }

static enum MHD_Result target_json_doc(const struct target_call *x) {
    return MHD_queue_response(x->c, 200, x->s->json);
}

static enum MHD_Result target_html(const struct target_call *x) { return MHD_queue_response(x->c, 200, x->s->html); }

static enum MHD_Result target_forms_post(const struct target_call *x) {
    return MHD_queue_response(x->c, 200, x->s->forms);
}

static enum MHD_Result target_ws_echo(const struct target_call *x) {
    return (enum MHD_Result)target_ws_answer(x->c, 0);
}

static enum MHD_Result target_ws_close(const struct target_call *x) {
    return (enum MHD_Result)target_ws_answer(x->c, 1);
}

static enum MHD_Result target_not_found(const struct target_call *x) {
    return MHD_queue_response(x->c, 404, x->s->notfound);
}

static const char target_root_text[] = "c6 target: an HTTP test server. Try /get /post /anything /json /html "
                                       "/status/{code} /delay/{ms} /bytes/{n} (over HTTPS: /client-cert)\n";

static const char target_json_text[] = "{\"slideshow\":{\"title\":\"Load testing with c6\","
                                       "\"author\":\"c6 team\",\"date\":\"2024-05-01\",\"published\":true,"
                                       "\"rating\":4.5,\"tags\":[\"http\",\"load\",\"k6\"],"
                                       "\"slides\":["
                                       "{\"title\":\"Virtual users\",\"type\":\"intro\",\"items\":[]},"
                                       "{\"title\":\"Checks and thresholds\",\"type\":\"list\","
                                       "\"items\":[\"checks assert on responses\","
                                       "\"thresholds decide pass or fail\"]},"
                                       "{\"title\":\"Scenarios\",\"type\":\"list\",\"duration_s\":30,"
                                       "\"items\":[\"ramping-vus\",\"constant-arrival-rate\"],\"notes\":null}"
                                       "]}}\n";

static const char target_html_text[] = "<!DOCTYPE html>\n<html>\n<head><meta charset=\"utf-8\">"
                                       "<title>c6 target</title></head>\n<body>\n"
                                       "<h1 id=\"title\">c6 target</h1>\n"
                                       "<p class=\"intro\">A small page for HTML parsing and form tests.</p>\n"
                                       "<ul id=\"links\">\n"
                                       "<li><a href=\"/get\">echo a GET</a></li>\n"
                                       "<li><a href=\"/json\">a JSON document</a></li>\n"
                                       "<li><a href=\"/status/418\">a teapot</a></li>\n"
                                       "</ul>\n"
                                       "<form id=\"login\" action=\"/post\" method=\"post\">\n"
                                       "<input type=\"text\" name=\"user\" value=\"alice\">\n"
                                       "<input type=\"password\" name=\"password\" value=\"\">\n"
                                       "<input type=\"hidden\" name=\"csrf\" value=\"c6-csrf-7f3a\">\n"
                                       "<button type=\"submit\">Sign in</button>\n"
                                       "</form>\n</body>\n</html>\n";

/* /forms/post: an order form in httpbin's manner (text inputs, radios,
 * checkboxes, a select, a textarea) posting to /post, for submitForm. */
static const char target_forms_text[] =
    "<!DOCTYPE html>\n<html>\n<head><meta charset=\"utf-8\"><title>Order form</title></head>\n<body>\n"
    "<form method=\"post\" action=\"/post\">\n"
    "<p><label>Customer name: <input name=\"custname\"></label></p>\n"
    "<p><label>Telephone: <input type=\"tel\" name=\"custtel\"></label></p>\n"
    "<p><label>E-mail address: <input type=\"email\" name=\"custemail\"></label></p>\n"
    "<fieldset><legend>Pizza size</legend>\n"
    "<p><label><input type=\"radio\" name=\"size\" value=\"small\"> Small</label></p>\n"
    "<p><label><input type=\"radio\" name=\"size\" value=\"medium\" checked> Medium</label></p>\n"
    "<p><label><input type=\"radio\" name=\"size\" value=\"large\"> Large</label></p>\n"
    "</fieldset>\n"
    "<fieldset><legend>Pizza toppings</legend>\n"
    "<p><label><input type=\"checkbox\" name=\"topping\" value=\"bacon\"> Bacon</label></p>\n"
    "<p><label><input type=\"checkbox\" name=\"topping\" value=\"cheese\" checked> Extra cheese</label></p>\n"
    "<p><label><input type=\"checkbox\" name=\"topping\" value=\"onion\"> Onion</label></p>\n"
    "<p><label><input type=\"checkbox\" name=\"topping\" value=\"mushroom\"> Mushroom</label></p>\n"
    "</fieldset>\n"
    "<p><label>Crust: <select name=\"crust\"><option value=\"thin\">Thin</option>"
    "<option value=\"thick\" selected>Thick</option></select></label></p>\n"
    "<p><label>Preferred delivery time: <input type=\"time\" min=\"11:00\" max=\"21:00\" step=\"900\" "
    "name=\"delivery\" value=\"18:00\"></label></p>\n"
    "<p><label>Delivery instructions: <textarea name=\"comments\"></textarea></label></p>\n"
    "<p><button type=\"submit\" name=\"action\" value=\"order\">Submit order</button></p>\n"
    "</form>\n"
    "<p><a id=\"home\" href=\"/html\">back to the start</a></p>\n"
    "</body>\n</html>\n";

static const char target_notfound_text[] = "{\"error\":\"not found\"}\n";

static struct MHD_Response *target_fixed(const char *text, size_t n, const char *type) {
    return target_header(MHD_create_response_from_buffer(n, (void *)text, MHD_RESPMEM_PERSISTENT),
                         MHD_HTTP_HEADER_CONTENT_TYPE, type);
}

#define TARGET_FIXED(text, type) target_fixed(text, sizeof(text) - 1, type)

static int target_fixed_init(struct target_server *s) {
    uint64_t seed = 0x6336746172676574u; /* fixed: /bytes is deterministic */
    size_t i;

    for (i = 0; i < TARGET_PATTERN; i += 8) {
        uint64_t v = target_splitmix(&seed);

        memcpy(target_pattern + i, &v, 8);
    }
    s->root = TARGET_FIXED(target_root_text, "text/plain; charset=utf-8");
    s->json = TARGET_FIXED(target_json_text, TARGET_JSON_TYPE);
    s->html = TARGET_FIXED(target_html_text, "text/html; charset=utf-8");
    s->forms = TARGET_FIXED(target_forms_text, "text/html; charset=utf-8");
    s->notfound = TARGET_FIXED(target_notfound_text, TARGET_JSON_TYPE);
    s->empty = target_empty();
    return s->root && s->json && s->html && s->forms && s->notfound && s->empty;
}

/* ---- routing ---------------------------------------------------------- */

/* Not const: stateless requests keep a pointer to their entry as MHD's
 * per-request context, told apart from allocated state by address. */
static struct target_route target_routes[] = {
    {"/", NULL, 0, target_root},
    {"/get", "GET", 0, target_get},
    {"/post", "POST", T_BODY, target_post},
    {"/put", "PUT", T_BODY, target_post},
    {"/patch", "PATCH", T_BODY, target_post},
    {"/delete", "DELETE", T_BODY, target_post},
    {"/anything", NULL, T_BODY, target_anything},
    {"/anything/", NULL, T_BODY | T_PREFIX, target_anything},
    {"/status/", NULL, T_STATE | T_PREFIX, target_status},
    {"/delay/", NULL, T_STATE | T_PREFIX, target_delay},
    {"/bytes/", NULL, T_PREFIX, target_bytes},
    {"/headers", NULL, 0, target_headers},
    {"/json", NULL, 0, target_json_doc},
    {"/html", NULL, 0, target_html},
    {"/forms/post", NULL, 0, target_forms_post},
    {"/ip", NULL, 0, target_ip},
    {"/client", NULL, 0, target_client},
    {"/user-agent", NULL, 0, target_user_agent},
    {"/uuid", NULL, 0, target_uuid},
    {"/cookies", NULL, 0, target_cookies},
    {"/cookies/set", NULL, 0, target_cookies_set},
    {"/cookies/delete", NULL, 0, target_cookies_delete},
    {"/response-headers", NULL, 0, target_response_headers},
    {"/redirect/", NULL, T_PREFIX, target_redirect},
    {"/redirect-to", NULL, 0, target_redirect_to},
    {"/basic-auth/", NULL, T_PREFIX, target_basic_auth},
    {"/gzip", NULL, 0, target_gzip},
    {"/brotli", NULL, 0, target_brotli},
    {"/deflate", NULL, 0, target_deflate},
    {"/zstd", NULL, 0, target_zstd},
    {"/digest-auth/", NULL, T_PREFIX, target_digest_auth},
    {"/drip", NULL, T_STATE, target_drip},
    {"/forms/post", NULL, 0, target_forms_post},
    {"/client-cert", NULL, 0, target_client_cert},
    {"/ws/echo", "GET", 0, target_ws_echo},
    {"/ws/close", "GET", 0, target_ws_close},
    {NULL, NULL, 0, target_not_found}, /* must stay last */
};

static struct target_route *target_route_of(const char *url) {
    struct target_route *r = target_routes;

    for (; r->path; r++) {
        if (r->flags & T_PREFIX) {
            if (strncmp(url, r->path, strlen(r->path)) == 0) break;
        } else if (strcmp(url, r->path) == 0) {
            break;
        }
    }
    return r;
}

static int target_is_route(const void *p) {
    uintptr_t a = (uintptr_t)p, lo = (uintptr_t)target_routes;

    return a >= lo && a < lo + sizeof(target_routes);
}

/* GET routes also answer HEAD (MHD drops the body). */
static int target_method_ok(const struct target_route *r, const char *m) {
    return !r->method || strcmp(r->method, m) == 0 || (strcmp(r->method, "GET") == 0 && strcmp(m, "HEAD") == 0);
}

static enum MHD_Result target_not_allowed(const struct target_call *x, const struct target_route *r) {
    docbuf b = {0};

    doc_puts(&b, "{\"error\":\"method not allowed\"}\n");
    return target_send(x->c, 405,
                       target_header(target_take(&b, TARGET_JSON_TYPE), MHD_HTTP_HEADER_ALLOW,
                                     strcmp(r->method, "GET") == 0 ? "GET, HEAD" : r->method));
}

static enum MHD_Result target_begin(const char *url, void **ctx) {
    struct target_route *r = target_route_of(url);
    struct target_req *rq;

    if (!(r->flags & T_STATE)) {
        *ctx = r;
        return MHD_YES;
    }
    if (!(rq = calloc(1, sizeof(*rq)))) return MHD_NO;
    rq->route = r;
    *ctx = rq;
    return MHD_YES;
}

static void target_append(struct target_req *rq, const char *data, size_t n) {
    if ((rq->route->flags & T_BODY) != T_BODY || rq->too_big) return;
    /* Too big, or out of memory: keep reading (and dropping) so the
     * connection stays usable. */
    if (n > TARGET_BODY_MAX - rq->body.len || buf_append(&rq->body, data, n)) {
        rq->too_big = 1;
        buf_free(&rq->body);
    }
}

static enum MHD_Result target_handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                     const char *version, const char *data, size_t *size, void **ctx) {
    const struct target_side *side = cls;
    const struct target_route *r;
    struct target_call x = {side->s, c, url, url, method, NULL, side->tls};

    (void)version;
    if (!*ctx) return target_begin(url, ctx);
    if (target_is_route(*ctx)) {
        r = *ctx;
    } else {
        x.rq = *ctx;
        r = x.rq->route;
    }
    if (*size) {
        if (x.rq) target_append(x.rq, data, *size);
        *size = 0;
        return MHD_YES;
    }
    if (!target_method_ok(r, method)) return target_not_allowed(&x, r);
    if (r->flags & T_PREFIX) x.rest = url + strlen(r->path);
    return r->fn(&x);
}

static void target_done(void *cls, struct MHD_Connection *c, void **ctx, enum MHD_RequestTerminationCode toe) {
    struct target_req *rq = *ctx;

    (void)cls, (void)c, (void)toe;
    if (rq && !target_is_route(rq)) {
        buf_free(&rq->body);
        free(rq);
    }
    *ctx = NULL;
}

/* ---- daemon ----------------------------------------------------------- */

/* MHD reports start-up problems through this; once serving, its
 * per-connection complaints (resets, limits) would only flood stderr. */
static void target_log(void *cls, const char *fmt, va_list ap) {
    (void)cls;
    if (!atomic_load(&target_log_on)) return;
    fputs("c6 target: ", stderr);
    vfprintf(stderr, fmt, ap);
}

/* One daemon on fd; tls (when not NULL) makes it the HTTPS one. */
static struct MHD_Daemon *target_daemon(struct target_server *s, int fd, unsigned threads, unsigned limit,
                                        const struct target_tls *tls) {
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_ALLOW_UPGRADE | MHD_USE_ERROR_LOG;
    struct MHD_OptionItem none[] = {{MHD_OPTION_END, 0, NULL}};
    struct MHD_OptionItem certs[] = {
        {MHD_OPTION_HTTPS_MEM_CERT, 0, tls ? tls->cert : NULL},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, tls ? tls->key : NULL},
        /* with a trust list MHD asks clients for a certificate */
        {tls && tls->ca ? MHD_OPTION_HTTPS_MEM_TRUST : MHD_OPTION_END, 0, tls ? tls->ca : NULL},
        {MHD_OPTION_END, 0, NULL},
    };

    return MHD_start_daemon(flags | (tls ? MHD_USE_TLS : 0), 0, NULL, NULL, target_handle, tls ? &s->secure : &s->plain,
                            MHD_OPTION_EXTERNAL_LOGGER, target_log, NULL, MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
                            MHD_OPTION_THREAD_POOL_SIZE, threads > 1 ? threads : 0u, MHD_OPTION_CONNECTION_LIMIT, limit,
                            MHD_OPTION_CONNECTION_TIMEOUT, TARGET_IDLE_S, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
                            (size_t)TARGET_CONN_MEMORY, MHD_OPTION_NOTIFY_COMPLETED, target_done, s, MHD_OPTION_ARRAY,
                            tls ? certs : none, MHD_OPTION_END);
}

/* After a failed start: MHD closes a listening socket on some failures
 * and not on others, so close it only if it is still open. No daemon runs
 * by then, so no other thread can have reused the number. */
static void target_close_left(int fd) {
    if (fd >= 0 && fcntl(fd, F_GETFD) != -1) close(fd);
}

struct target_server *target_server_start(int fd, unsigned threads, unsigned limit, struct target_delay *delay,
                                          const struct target_tls *tls) {
    struct target_server *s = calloc(1, sizeof(*s));
    int tls_fd = tls ? tls->fd : -1;
    /* Both daemons draw on one open-file limit: HTTPS (a test aid) gets a
     * quarter of it, plain HTTP (the benchmark target) the rest. */
    unsigned tls_limit = tls_fd >= 0 ? limit / 4 : 0;

    if (!s || !target_fixed_init(s)) {
        fprintf(stderr, "c6 target: out of memory\n");
        goto fail;
    }
    s->delay = delay;
    s->plain = (struct target_side){s, 0};
    s->secure = (struct target_side){s, 1};
    atomic_store(&target_log_on, 1);
    /* HTTPS first: if it fails, no worker thread is accepting yet */
    if (tls_fd >= 0 && !(s->tls_daemon = target_daemon(s, tls_fd, threads, tls_limit, tls)))
        fprintf(stderr, "c6 target: cannot start the HTTPS server\n");
    else if (!(s->daemon = target_daemon(s, fd, threads, limit - tls_limit, NULL)))
        fprintf(stderr, "c6 target: cannot start the HTTP server\n");
    atomic_store(&target_log_on, 0);
    if (s->daemon) return s;
fail:
    target_server_free(s);
    target_close_left(fd);
    target_close_left(tls_fd);
    return NULL;
}

void target_server_free(struct target_server *s) {
    if (!s) return;
    target_ws_stop(); /* MHD must not stop with upgraded connections open */
    if (s->tls_daemon) MHD_stop_daemon(s->tls_daemon);
    if (s->daemon) MHD_stop_daemon(s->daemon);
    if (s->root) MHD_destroy_response(s->root);
    if (s->json) MHD_destroy_response(s->json);
    if (s->html) MHD_destroy_response(s->html);
    if (s->forms) MHD_destroy_response(s->forms);
    if (s->notfound) MHD_destroy_response(s->notfound);
    if (s->empty) MHD_destroy_response(s->empty);
    free(s);
}
