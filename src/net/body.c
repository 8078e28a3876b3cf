/* A response body as it arrives, one path for HTTP/1.1 and HTTP/2: counted
 * by the caller, then dropped (a request that keeps no body:
 * responseType "none", discardResponseBodies), or decoded through its
 * Content-Encoding chain (util/codec.c, as k6's readResponseBody) and kept
 * up to the client's limit. Nothing here grows without bound: a dropped
 * body costs nothing, a kept one at most the limit, its decoders a fixed
 * amount (a zlib window, brotli's and zstd's windows as their streams ask,
 * zstd's capped by its library's default). */
#include "net/client_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

/* ---- z_streams, pooled per client ---- */

static void *zpool_get(void *ud) {
    h1_client *c = ud;
    if (c->nzfree) return c->zfree[--c->nzfree];
    z_stream *zs = calloc(1, sizeof *zs);
    if (zs && inflateInit2(zs, 15) != Z_OK) {
        free(zs);
        zs = NULL;
    }
    return zs;
}

static void zpool_put(void *ud, void *p) {
    h1_client *c = ud;
    z_stream *zs = p;
    if (c->nzfree == c->capzfree) {
        size_t ncap = c->capzfree ? c->capzfree * 2 : 8;
        z_stream **nz = realloc(c->zfree, ncap * sizeof *nz);
        if (!nz) {
            inflateEnd(zs);
            free(zs);
            return;
        }
        c->zfree = nz;
        c->capzfree = ncap;
    }
    c->zfree[c->nzfree++] = zs;
}

/* C6_RESPONSE_BODY_MAX: bytes; anything else (or out of range) leaves the default. */
static size_t body_max_env(void) {
    const char *s = getenv("C6_RESPONSE_BODY_MAX");
    if (!s || !*s) return H1_BODY_MAX_DEFAULT;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v == 0 || v > (1u << 30) - 1) return H1_BODY_MAX_DEFAULT;
    return (size_t)v;
}

void client_zpool_init(h1_client *c) {
    c->zpool = (codec_zpool){zpool_get, zpool_put, c};
    c->body_max = body_max_env();
}

void client_zpool_free(h1_client *c) {
    for (size_t i = 0; i < c->nzfree; i++) {
        inflateEnd(c->zfree[i]);
        free(c->zfree[i]);
    }
    free(c->zfree);
    c->zfree = NULL;
    c->nzfree = c->capzfree = 0;
}

size_t h1_client_body_max(const h1_client *c) { return c->body_max; }

/* ---- the body ---- */

/* HTTP/1.1: the chain from the parser's Content-Encoding (a list: from
 * the header block, whose first Content-Encoding line counts, as Go's
 * Header.Get). HTTP/2 sets dec_ from the header itself. */
static void body_setup_h1(h1_client *c, h1_request *r) {
    static const int one[] = {[H1_ENC_GZIP] = CODEC_GZIP,
                              [H1_ENC_DEFLATE] = CODEC_DEFLATE,
                              [H1_ENC_BR] = CODEC_BR,
                              [H1_ENC_ZSTD] = CODEC_ZSTD};
    int enc = r->parser_.encoding;
    r->dec_ready_ = 1;
    if (enc == H1_ENC_NONE) return;
    if (enc != H1_ENC_CHAIN) {
        codec_chain_one(&r->dec_, one[enc], &c->zpool);
        return;
    }
    const buf *h = r->resp_headers;
    for (const char *l = h->p, *e = h->p + h->len; l < e;) {
        const char *nl = memchr(l, '\n', (size_t)(e - l));
        const char *le = nl ? nl : e;
        if (le - l > 17 && l[16] == ':' && strncasecmp(l, "content-encoding", 16) == 0) {
            const char *v = l + 17;
            while (le > v && (le[-1] == '\r' || le[-1] == ' ' || le[-1] == '\t')) le--;
            codec_chain_parse(&r->dec_, v, (size_t)(le - v), &c->zpool);
            return;
        }
        l = nl ? nl + 1 : e;
    }
}

static void body_decode_failed(h1_request *r, const codec_error *e) {
    r->body_code = e->code;
    snprintf(r->errmsg, sizeof r->errmsg, "%s", e->msg);
}

/* client_body_in's slow path: a coding, the limit, no memory. */
int client_body_in_(h1_client *c, h1_request *r, const char *p, size_t n) {
    buf *b = r->resp_body;
    if (!r->dec_ready_) body_setup_h1(c, r);
    int rc;
    if (!r->dec_.n) {
        if (b->len + n <= c->body_max) return buf_append(b, p, n) ? (r->body_fail_ = H1_ERR_OTHER) : 0;
        rc = CODEC_LIMIT;
    } else {
        codec_error e;
        rc = codec_chain_feed(&r->dec_, p, n, b, c->body_max, &e);
        if (rc == -1) { /* the first error only; the rest of the body is drained */
            if (r->dec_.failed == 1) body_decode_failed(r, &e);
            r->dec_.failed = 2;
            return 0;
        }
    }
    if (rc == 0) return 0;
    buf_free(b); /* too large, or no memory: what was kept goes now */
    return r->body_fail_ = rc == CODEC_LIMIT ? H1_ERR_BODY_LIMIT : H1_ERR_OTHER;
}

void client_body_end_(h1_client *c, h1_request *r) {
    buf *b = r->resp_body;
    if (!r->dec_ready_) body_setup_h1(c, r);
    if (!r->dec_.n) return;
    /* an empty body: k6 makes its decoders all the same (an empty gzip body
     * is "(EOF)"), except for the statuses that have none (k6 #3438); HEAD
     * is left alone */
    int st = r->status ? r->status : r->parser_.status;
    if (!r->dec_.s[0].st &&
        (st < 200 || st == 204 || st == 304 || (r->method && !strcmp(r->method, "HEAD")))) {
        client_body_release(r);
        return;
    }
    codec_error e;
    if (r->dec_.failed || codec_chain_end(&r->dec_, b, c->body_max, &e)) {
        if (r->dec_.failed == 1) body_decode_failed(r, &e);
        r->err = H1_ERR_BODY;
    }
    client_body_release(r);
}

void client_body_fail_text(const h1_client *c, const h1_request *r, char *out, size_t n) {
    if (r->body_fail_ == H1_ERR_BODY_LIMIT)
        snprintf(out, n, "response body too large: more than %zu bytes (C6_RESPONSE_BODY_MAX)", c->body_max);
    else snprintf(out, n, "%s", "out of memory");
}

void client_body_release_(h1_request *r) { codec_chain_free(&r->dec_); }
