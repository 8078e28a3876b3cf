/* Incremental HTTP/1.x response parser.
 *
 * The status line and header lines are appended to the caller's header buf
 * one complete line at a time and parsed from there, so a line split across
 * reads needs no state beyond the buf itself. Body framing (Content-Length,
 * chunked, close-delimited) is a small state machine; chunk-size lines and
 * trailers are walked byte by byte since they are a few bytes each, while
 * body bytes go to the callback in as few spans as the input allows. */
#include "net/h1_parse.h"

#include <string.h>

enum {
    S_STATUS = 0, S_HEADER, S_BODY_LEN, S_BODY_EOF,
    S_CHUNK_SIZE0, S_CHUNK_SIZE, S_CHUNK_WS, S_CHUNK_EXT, S_CHUNK_LF,
    S_CHUNK_DATA, S_CHUNK_DATA_CR, S_CHUNK_DATA_LF,
    S_TRAILER_START, S_TRAILER_LINE, S_TRAILER_LF,
    S_DONE
};

#define MAX_CHUNK_LINE 4096     /* size + extensions; Go uses the same bound */
#define MAX_INTERIM 16          /* 1xx responses tolerated before the final one */

static int h1p_fail(h1_parser *p, const char *msg) {
    p->err = msg;
    return H1P_ERROR;
}

/* ASCII lower-casing compare against a lower-case literal of length n.
 * Cheaper than strncasecmp (no locale) and names are pure ASCII anyway. */
static int h1p_ci_eq(const char *s, const char *lit, size_t n) {
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 'A' && c <= 'Z') c |= 0x20;
        if (c != (unsigned char)lit[i]) return 0;
    }
    return 1;
}

static int h1p_is_ws(char c) { return c == ' ' || c == '\t'; }

static uint64_t h1p_load64(const char *p) {
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* Header name s (n >= 8 bytes) equals lower-case literal lit, ignoring case:
 * 8 bytes at a time, every byte OR 0x20. The literals are lower-case letters
 * and '-', which have that bit set; the only non-letter folding onto one of
 * them is CR onto '-', which a well-formed name cannot hold anyway. */
static int h1p_name_is(const char *s, const char *lit, size_t n) {
    const uint64_t fold = 0x2020202020202020ull;
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        if ((h1p_load64(s + i) | fold) != h1p_load64(lit + i)) return 0;
    return i == n || (h1p_load64(s + n - 8) | fold) == h1p_load64(lit + n - 8);
}

static int h1p_hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    c |= 0x20;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* Header-derived fields start over for every (interim or final) response. */
static void h1p_reset_head(h1_parser *p) {
    p->status = 0;
    p->minor = 1;
    p->keep_alive = 0;
    p->chunked = 0;
    p->encoding = H1_ENC_NONE;
    p->content_length = -1;
    p->conn_close = p->conn_keep = 0;
    p->line_start = 0;
    p->state = S_STATUS;
}

void h1_parser_init(h1_parser *p, buf *hdr, int head, h1_body_cb on_body, void *ud) {
    p->hdr = hdr;
    p->on_body = on_body;
    p->ud = ud;
    p->no_body = head;
    p->ninterim = 0;
    p->remaining = 0;
    p->aux = 0;
    p->err = NULL;
    buf_clear(hdr);
    h1p_reset_head(p);
}

/* Splits a comma-separated list: the next trimmed, non-empty element of
 * [*s, end) in tok and toklen; 0 when the list is exhausted. */
static int h1p_next_token(const char **s, const char *end, const char **tok, size_t *toklen) {
    const char *q = *s;
    for (;;) {
        while (q < end && (h1p_is_ws(*q) || *q == ',')) q++;
        if (q == end) return 0;
        const char *t = q;
        while (q < end && *q != ',') q++;
        const char *e = q;
        while (e > t && h1p_is_ws(e[-1])) e--;
        *s = q;
        *tok = t;
        *toklen = (size_t)(e - t);
        return 1;
    }
}

/* "HTTP/1.x NNN[ reason]" */
static int h1p_status_line(h1_parser *p, const char *l, size_t n) {
    if (n < 12 || memcmp(l, "HTTP/1.", 7) != 0 || l[7] < '0' || l[7] > '9' || l[8] != ' ')
        return h1p_fail(p, "malformed HTTP status line");
    int st = 0;
    for (int i = 9; i < 12; i++) {
        if (l[i] < '0' || l[i] > '9') return h1p_fail(p, "malformed HTTP status code");
        st = st * 10 + (l[i] - '0');
    }
    if (st < 100 || (n > 12 && l[12] != ' ')) return h1p_fail(p, "malformed HTTP status code");
    p->status = st;
    p->minor = l[7] - '0';
    p->state = S_HEADER;
    return H1P_AGAIN;
}

static int h1p_content_length(h1_parser *p, const char *v, size_t n) {
    int64_t len = 0;
    if (n == 0 || n > 18) return h1p_fail(p, "invalid Content-Length");
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9') return h1p_fail(p, "invalid Content-Length");
        len = len * 10 + (v[i] - '0');
    }
    if (p->content_length >= 0 && p->content_length != len)
        return h1p_fail(p, "conflicting Content-Length headers");
    p->content_length = len;
    return H1P_AGAIN;
}

static int h1p_transfer_encoding(h1_parser *p, const char *v, size_t n) {
    const char *s = v, *t;
    size_t tn;
    int last_chunked = 0;
    while (h1p_next_token(&s, v + n, &t, &tn)) {
        last_chunked = tn == 7 && h1p_ci_eq(t, "chunked", 7);
        if (!last_chunked && !(tn == 8 && h1p_ci_eq(t, "identity", 8)))
            return h1p_fail(p, "unsupported Transfer-Encoding");
    }
    /* chunked must be the final coding; anything else was rejected above */
    p->chunked = last_chunked;
    return H1P_AGAIN;
}

static void h1p_connection(h1_parser *p, const char *v, size_t n) {
    const char *s = v, *t;
    size_t tn;
    while (h1p_next_token(&s, v + n, &t, &tn)) {
        if (tn == 5 && h1p_ci_eq(t, "close", 5)) p->conn_close = 1;
        else if (tn == 10 && h1p_ci_eq(t, "keep-alive", 10)) p->conn_keep = 1;
    }
}

static void h1p_content_encoding(h1_parser *p, const char *v, size_t n) {
    if (memchr(v, ',', n))
        p->encoding = H1_ENC_CHAIN;   /* the client reads the list from the header block */
    else if (n == 4 && h1p_ci_eq(v, "gzip", 4))   /* not x-gzip: k6 leaves it alone */
        p->encoding = H1_ENC_GZIP;
    else if (n == 7 && h1p_ci_eq(v, "deflate", 7))
        p->encoding = H1_ENC_DEFLATE;
    else if (n == 2 && h1p_ci_eq(v, "br", 2))
        p->encoding = H1_ENC_BR;
    else if (n == 4 && h1p_ci_eq(v, "zstd", 4))
        p->encoding = H1_ENC_ZSTD;
    else
        p->encoding = H1_ENC_NONE;    /* identity, or a coding we leave alone */
}

static int h1p_header_line(h1_parser *p, const char *l, size_t n) {
    /* obs-fold continuation: none of the headers we interpret may fold */
    if (h1p_is_ws(l[0])) return H1P_AGAIN;
    const char *colon = memchr(l, ':', n);
    if (!colon || colon == l || h1p_is_ws(colon[-1])) return h1p_fail(p, "malformed header line");
    size_t nl = (size_t)(colon - l);
    const char *v = colon + 1, *e = l + n;
    while (v < e && h1p_is_ws(*v)) v++;
    while (e > v && h1p_is_ws(e[-1])) e--;
    size_t vn = (size_t)(e - v);
    /* dispatch on length first: most headers are rejected by one compare */
    switch (nl) {
    case 10: if (h1p_name_is(l, "connection", 10)) h1p_connection(p, v, vn); break;
    case 14: if (h1p_name_is(l, "content-length", 14)) return h1p_content_length(p, v, vn); break;
    case 16: if (h1p_name_is(l, "content-encoding", 16)) h1p_content_encoding(p, v, vn); break;
    case 17: if (h1p_name_is(l, "transfer-encoding", 17)) return h1p_transfer_encoding(p, v, vn); break;
    }
    return H1P_AGAIN;
}

/* Blank line: decide how the body is delimited and whether the connection
 * survives the response. */
static int h1p_headers_end(h1_parser *p) {
    int st = p->status;
    if (st < 200 && st != 101) {
        /* interim (100 Continue, 103 Early Hints): dropped, final one follows */
        if (++p->ninterim > MAX_INTERIM) return h1p_fail(p, "too many 1xx responses");
        buf_clear(p->hdr);
        h1p_reset_head(p);
        return H1P_AGAIN;
    }
    p->keep_alive = !p->conn_close && (p->minor >= 1 || p->conn_keep);
    if (p->no_body || st == 204 || st == 304 || st == 101) {
        if (st == 101) p->keep_alive = 0;     /* the connection is no longer HTTP */
        p->state = S_DONE;
    } else if (p->chunked) {
        /* Content-Length beside chunked smells of smuggling: use chunked, then close */
        if (p->content_length >= 0) p->keep_alive = 0;
        p->aux = 0;
        p->state = S_CHUNK_SIZE0;
    } else if (p->content_length >= 0) {
        p->remaining = p->content_length;
        p->state = p->remaining ? S_BODY_LEN : S_DONE;
    } else {
        p->keep_alive = 0;
        p->state = S_BODY_EOF;
    }
    return H1P_AGAIN;
}

/* One complete line of the head, without its LF. */
static int h1p_head_line(h1_parser *p, const char *l, size_t n) {
    if (n && l[n - 1] == '\r') n--;
    if (p->state == S_STATUS) return h1p_status_line(p, l, n);
    if (n == 0) return h1p_headers_end(p);
    return h1p_header_line(p, l, n);
}

/* Appends up to one line to the header buf; parses it once complete. */
static int h1p_head_feed(h1_parser *p, const char *d, size_t len, size_t *pos) {
    const char *s = d + *pos;
    size_t n = len - *pos;
    const char *nl = memchr(s, '\n', n);
    size_t take = nl ? (size_t)(nl - s) + 1 : n;
    if (p->hdr->len + take > H1_MAX_HEADER_BLOCK) return h1p_fail(p, "header block too large");
    if (buf_append(p->hdr, s, take)) return h1p_fail(p, "out of memory");
    *pos += take;
    if (!nl) return H1P_AGAIN;
    size_t start = p->line_start;
    p->line_start = p->hdr->len;
    return h1p_head_line(p, p->hdr->p + start, p->hdr->len - start - 1);
}

static int h1p_deliver(h1_parser *p, const char *d, size_t n) {
    if (n && p->on_body && p->on_body(p->ud, d, n)) return h1p_fail(p, "body callback failed");
    return H1P_AGAIN;
}

/* Content-Length body or one chunk's data: as much as this read holds. */
static int h1p_body_span(h1_parser *p, const char *d, size_t len, size_t *pos, int next) {
    size_t n = len - *pos;
    if ((uint64_t)n > (uint64_t)p->remaining) n = (size_t)p->remaining;
    int rc = h1p_deliver(p, d + *pos, n);
    *pos += n;
    p->remaining -= (int64_t)n;
    if (p->remaining == 0) p->state = next;
    return rc;
}

static int h1p_chunk_size_done(h1_parser *p) {
    p->aux = 0;
    p->state = p->remaining ? S_CHUNK_DATA : S_TRAILER_START;
    return H1P_AGAIN;
}

/* Chunk-size line: HEX [WS] [; extensions] CRLF */
static int h1p_chunk_size_byte(h1_parser *p, char c) {
    int v = h1p_hexval(c);
    if (++p->aux > MAX_CHUNK_LINE) return h1p_fail(p, "chunk size line too long");
    switch (p->state) {
    case S_CHUNK_SIZE0:
        if (v < 0) return h1p_fail(p, "bad chunk size");
        p->remaining = v;
        p->state = S_CHUNK_SIZE;
        return H1P_AGAIN;
    case S_CHUNK_SIZE:
    case S_CHUNK_WS:
        if (v >= 0 && p->state == S_CHUNK_SIZE) {
            if (p->remaining >> 56) return h1p_fail(p, "chunk size too large");
            p->remaining = p->remaining * 16 + v;
        } else if (h1p_is_ws(c)) p->state = S_CHUNK_WS;
        else if (c == ';') p->state = S_CHUNK_EXT;
        else if (c == '\r') p->state = S_CHUNK_LF;
        else if (c == '\n') return h1p_chunk_size_done(p);
        else return h1p_fail(p, "bad chunk size");
        return H1P_AGAIN;
    case S_CHUNK_EXT:
        return c == '\n' ? h1p_chunk_size_done(p) : H1P_AGAIN;
    default: /* S_CHUNK_LF */
        return c == '\n' ? h1p_chunk_size_done(p) : h1p_fail(p, "bad chunk size");
    }
}

/* CRLF after chunk data, and the trailer section (read, not kept). */
static int h1p_chunk_tail_byte(h1_parser *p, char c) {
    switch (p->state) {
    case S_CHUNK_DATA_CR:
        if (c == '\n') p->state = S_CHUNK_SIZE0;
        else if (c == '\r') p->state = S_CHUNK_DATA_LF;
        else return h1p_fail(p, "missing CRLF after chunk data");
        return H1P_AGAIN;
    case S_CHUNK_DATA_LF:
        if (c != '\n') return h1p_fail(p, "missing CRLF after chunk data");
        p->state = S_CHUNK_SIZE0;
        return H1P_AGAIN;
    }
    if (++p->aux > H1_MAX_HEADER_BLOCK) return h1p_fail(p, "trailer too large");
    switch (p->state) {
    case S_TRAILER_START:
        p->state = c == '\r' ? S_TRAILER_LF : c == '\n' ? S_DONE : S_TRAILER_LINE;
        return H1P_AGAIN;
    case S_TRAILER_LINE:
        if (c == '\n') p->state = S_TRAILER_START;
        return H1P_AGAIN;
    default: /* S_TRAILER_LF */
        if (c != '\n') return h1p_fail(p, "malformed trailer");
        p->state = S_DONE;
        return H1P_AGAIN;
    }
}

static int h1p_step(h1_parser *p, const char *d, size_t len, size_t *pos) {
    switch (p->state) {
    case S_STATUS:
    case S_HEADER:
        return h1p_head_feed(p, d, len, pos);
    case S_BODY_LEN:
        return h1p_body_span(p, d, len, pos, S_DONE);
    case S_CHUNK_DATA:
        return h1p_body_span(p, d, len, pos, S_CHUNK_DATA_CR);
    case S_BODY_EOF: {
        size_t from = *pos;
        *pos = len;
        return h1p_deliver(p, d + from, len - from);
    }
    case S_CHUNK_SIZE0: case S_CHUNK_SIZE: case S_CHUNK_WS: case S_CHUNK_EXT: case S_CHUNK_LF:
        return h1p_chunk_size_byte(p, d[(*pos)++]);
    default:
        return h1p_chunk_tail_byte(p, d[(*pos)++]);
    }
}

int h1_parse(h1_parser *p, const char *data, size_t len, size_t *used) {
    size_t pos = 0;
    int rc = H1P_AGAIN;
    for (;;) {
        if (p->state == S_DONE) { rc = H1P_DONE; break; }
        if (pos == len) break;
        if ((rc = h1p_step(p, data, len, &pos)) == H1P_ERROR) break;
    }
    *used = pos;
    return rc;
}

int h1_parse_eof(h1_parser *p) {
    if (p->state == S_BODY_EOF) p->state = S_DONE;
    if (p->state == S_DONE) return H1P_DONE;
    return h1p_fail(p, "unexpected EOF");
}
