/* Differential: the HTTP/1.x response parser (net/h1_parse.c) reads a head
 * through two paths, the usual lines straight from the input sixteen bytes
 * at a time (h1p_head_fast, inputs of 16 bytes and more) and any line one
 * at a time once appended (the only path for short reads). Whatever the
 * pieces, a stream must give the same results: the same stream is fed once
 * whole and once in pieces of random sizes (1 to 40 bytes: both paths, and
 * the fast one starting mid-line), and for each of up to four pipelined
 * responses the outcome, the head's fields, the header block, the body and
 * the error text must agree.
 * Input: byte 0 = flags (bit 0: HEAD request, bit 1: EOF at the end),
 * bytes 1-4 = seed of the piece sizes, the rest = the stream.
 * FUZZ_ARGS: -max_len=4096 -dict=@DIR@/h1_parse.dict */
#include "fuzz.h"
#include "net/h1_parse.h"

static int collect(void *ud, const char *p, size_t n) { return buf_append(ud, p, n); }

typedef struct {
    int rc, status, major, minor, keep_alive, chunked, encoding, set_cookie, head_err, err_quote;
    int64_t content_length;
    size_t used; /* bytes of the stream this response took */
    const char *err;
    buf arg, hdr, body;
} outcome;

/* One response from stream[off..len), in pieces (seed != 0) or whole. */
static void run(const char *stream, size_t len, size_t off, int flags, uint32_t *seed, outcome *o) {
    h1_parser p;
    h1_parser_init(&p, &o->hdr, flags & 1, collect, &o->body);
    int rc = H1P_AGAIN;
    size_t start = off;
    while (off < len && rc == H1P_AGAIN) {
        size_t n = len - off;
        if (*seed) {
            *seed ^= *seed << 13;
            *seed ^= *seed >> 17;
            *seed ^= *seed << 5;
            n = 1 + *seed % 40;
            if (n > len - off) n = len - off;
        }
        char *piece = malloc(n); /* a piece of its own: reads past it are seen */
        if (!piece) abort();
        memcpy(piece, stream + off, n);
        size_t used = 0;
        rc = h1_parse(&p, piece, n, &used);
        if (rc == H1P_ERROR && p.err_arg && p.err_arg_len) buf_append(&o->arg, p.err_arg, p.err_arg_len);
        free(piece);
        off += rc == H1P_ERROR ? n : used;
    }
    if (rc == H1P_AGAIN && (flags & 2)) rc = h1_parse_eof(&p);
    o->rc = rc;
    o->status = p.status;
    o->major = p.major;
    o->minor = p.minor;
    o->keep_alive = p.keep_alive;
    o->chunked = p.chunked;
    o->encoding = p.encoding;
    o->set_cookie = p.set_cookie;
    o->content_length = p.content_length;
    o->err = rc == H1P_ERROR ? p.err : NULL;
    o->head_err = rc == H1P_ERROR ? p.head_err : 0;
    o->err_quote = rc == H1P_ERROR ? p.err_quote : 0;
    o->used = rc == H1P_ERROR ? 0 : off - start;
}

static int buf_same(const buf *a, const buf *b) { return a->len == b->len && (!a->len || !memcmp(a->p, b->p, a->len)); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fz_in in = {data, size};
    uint8_t flags = fz_u8(&in);
    uint32_t seed = fz_u32(&in) | 1, whole = 0;
    char *stream = fz_dup(in.p, in.n);
    size_t len = in.n, off = 0;
    outcome a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    for (int resp = 0; resp < 4; resp++) {
        buf_clear(&a.arg), buf_clear(&a.body), buf_clear(&b.arg), buf_clear(&b.body);
        run(stream, len, off, flags, &whole, &a);
        run(stream, len, off, flags, &seed, &b);
        /* results only mean something once the head is read (status set) */
        if (a.rc != b.rc || a.status != b.status || a.used != b.used || a.err != b.err || !buf_same(&a.arg, &b.arg))
            abort();
        if (a.rc == H1P_ERROR) {
            if (a.head_err != b.head_err || a.err_quote != b.err_quote) abort();
            if (!a.head_err && !buf_same(&a.hdr, &b.hdr)) abort(); /* a body error: the head was read */
            break;
        }
        if (a.rc != H1P_DONE) break; /* short: the fields of a head not yet over differ by design */
        if (a.major != b.major || a.minor != b.minor || a.keep_alive != b.keep_alive || a.chunked != b.chunked ||
            a.encoding != b.encoding || a.set_cookie != b.set_cookie || a.content_length != b.content_length)
            abort();
        if (!buf_same(&a.hdr, &b.hdr) || !buf_same(&a.body, &b.body)) abort();
        if (!a.keep_alive) break;
        off += a.used;
        if (off >= len) break;
    }
    buf_free(&a.arg), buf_free(&a.hdr), buf_free(&a.body);
    buf_free(&b.arg), buf_free(&b.hdr), buf_free(&b.body);
    free(stream);
    return 0;
}
