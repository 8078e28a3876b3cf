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
#define MAX_TRAILER (64 * 1024) /* trailer bytes read (and dropped) after a chunked body */
#define H1P_STR2(x) #x
#define H1P_STR(x) H1P_STR2(x)

static int h1p_fail(h1_parser *p, const char *msg) {
    p->err = msg;
    return H1P_ERROR;
}

/* A head error with Go's text: msg, then arg (quoted as Go's %q when quote). */
static int h1p_head_fail(h1_parser *p, const char *msg, const char *arg, size_t n, int quote) {
    p->err = msg;
    p->err_arg = arg;
    p->err_arg_len = n;
    p->err_quote = quote;
    p->head_err = 1;
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
    p->major = 1;
    p->minor = 1;
    p->nfields = 0;
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
    p->head_bytes = 0;
    p->remaining = 0;
    p->aux = 0;
    p->err = NULL;
    p->err_arg = NULL;
    p->err_arg_len = 0;
    p->err_quote = p->head_err = 0;
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

/* Go's http.ReadResponse: "<proto> <code>[ reason]", the code three
 * characters strconv.Atoi reads as a number >= 0, the protocol HTTP/d.d. */
static int h1p_status_line(h1_parser *p, const char *l, size_t n) {
    const char *sp = memchr(l, ' ', n), *e = l + n;
    if (!sp) return h1p_head_fail(p, "malformed HTTP response ", l, n, 1);
    const char *c = sp + 1;
    while (c < e && *c == ' ') c++;
    const char *ce = memchr(c, ' ', (size_t)(e - c));
    size_t cn = (size_t)((ce ? ce : e) - c);
    if (cn != 3) return h1p_head_fail(p, "malformed HTTP status code ", c, cn, 1);
    int st = 0;
    for (int i = c[0] == '+' || c[0] == '-'; i < 3; i++) {
        if (c[i] < '0' || c[i] > '9') return h1p_head_fail(p, "malformed HTTP status code ", c, cn, 1);
        st = st * 10 + (c[i] - '0');
    }
    if (c[0] == '-' && st) return h1p_head_fail(p, "malformed HTTP status code ", c, cn, 1);   /* "-00" is 0 */
    size_t pl = (size_t)(sp - l);
    if (pl != 8 || memcmp(l, "HTTP/", 5) != 0 || l[6] != '.' || l[5] < '0' || l[5] > '9' || l[7] < '0' || l[7] > '9')
        return h1p_head_fail(p, "malformed HTTP version ", l, pl, 1);
    p->status = st;
    p->major = l[5] - '0';
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

/* The bytes Go's textproto takes in a header name: RFC 7230 token bytes
 * (validHeaderFieldByte) and the space it tolerates (its issue 34540). */
static const unsigned char h1p_name_byte[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    1, 1, 0, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 1, 1, 0,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0,
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1, 0,
};

/* Every byte of a name is one of those: no early exit, eight lookups a
 * round (names are short; this runs for every header of every response). */
static inline int h1p_name_ok(const unsigned char *s, size_t n) {
    const unsigned char *t = h1p_name_byte;
    unsigned ok = 1;
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        ok &= t[s[i]] & t[s[i + 1]] & t[s[i + 2]] & t[s[i + 3]] & t[s[i + 4]] & t[s[i + 5]] & t[s[i + 6]] & t[s[i + 7]];
    for (; i < n; i++) ok &= t[s[i]];
    return (int)ok;
}

/* Any byte of x below 0x20 or equal to 0x7f (bit 7 of that byte set). */
static uint64_t h1p_ctl8(uint64_t x) {
    const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
    uint64_t d = x ^ (0x7f * ones);
    return ((x - 0x20 * ones) & ~x & high) | ((d - ones) & ~d & high);
}

/* Go's validHeaderValueByte for every byte: HTAB, SP, VCHAR and obs-text
 * (0x80-0xff); no other control byte, no DEL. Eight bytes at a time (the
 * last eight overlapping), a byte loop only for short values and tabs. */
static inline int h1p_value_ok(const char *s, size_t n) {
    if (n >= 8) {
        uint64_t bad = h1p_ctl8(h1p_load64(s + n - 8));
        for (size_t i = 0; i + 8 <= n; i += 8) bad |= h1p_ctl8(h1p_load64(s + i));
        if (!bad) return 1;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 ? c != '\t' : c == 0x7f) return 0;
    }
    return 1;
}

/* "malformed MIME header line: <field>": Go quotes the field as it read it,
 * its lines trimmed of blanks and joined by one space. hdr is rewritten in
 * place (it only shrinks) from the field's first line up to end. */
static int h1p_bad_field(h1_parser *p, size_t end) {
    char *b = p->hdr->p, *o = b + p->field_start;
    const char *s = o, *e = b + end;
    int first = 1;
    while (s < e) {
        const char *nl = memchr(s, '\n', (size_t)(e - s)), *le = nl ? nl : e;
        if (le > s && le[-1] == '\r') le--;
        while (s < le && h1p_is_ws(*s)) s++;
        while (le > s && h1p_is_ws(le[-1])) le--;
        if (!first) *o++ = ' ';
        memmove(o, s, (size_t)(le - s));
        o += le - s;
        first = 0;
        s = nl ? nl + 1 : e;
    }
    return h1p_head_fail(p, "malformed MIME header line: ", b + p->field_start,
                         (size_t)(o - (b + p->field_start)), 0);
}

/* One header line (no CR LF), checked as Go's textproto.ReadMIMEHeader. */
static int h1p_header_line(h1_parser *p, const char *l, size_t n) {
    if (h1p_is_ws(l[0])) {
        /* obs-fold: more of the previous field's value */
        if (p->nfields == 0) {
            if (n > 80) return h1p_head_fail(p, "message too large", NULL, 0, 0);   /* Go reads 80 bytes of it */
            return h1p_head_fail(p, "malformed MIME header initial line: ", l, n, 0);
        }
        if (!h1p_value_ok(l, n)) return h1p_bad_field(p, (size_t)(l + n - p->hdr->p));
        return H1P_AGAIN;
    }
    p->nfields++;
    p->field_start = (size_t)(l - p->hdr->p);
    const char *colon = memchr(l, ':', n);
    if (!colon) return h1p_head_fail(p, "malformed MIME header: missing colon: ", l, n, 1);
    size_t nl = (size_t)(colon - l);
    if (nl == 0) return h1p_bad_field(p, (size_t)(l + n - p->hdr->p));
    if (!h1p_name_ok((const unsigned char *)l, nl)) return h1p_bad_field(p, (size_t)(l + n - p->hdr->p));
    const char *v = colon + 1, *e = l + n;
    while (e > v && h1p_is_ws(e[-1])) e--;
    if (!h1p_value_ok(v, (size_t)(e - v))) return h1p_bad_field(p, (size_t)(l + n - p->hdr->p));
    while (v < e && h1p_is_ws(*v)) v++;
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
    if (st >= 100 && st < 200 && st != 101) {
        /* interim (100 Continue, 103 Early Hints): dropped, final one follows;
         * their bytes count against H1_MAX_HEADER_BYTES, as Go counts them */
        buf_clear(p->hdr);
        h1p_reset_head(p);
        return H1P_AGAIN;
    }
    /* Go's shouldClose: HTTP/1.0 needs "keep-alive", later versions only
     * close on "close", HTTP/0.x always closes */
    p->keep_alive = !p->conn_close && p->major >= 1 && (p->major > 1 || p->minor >= 1 || p->conn_keep);
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
    /* Go reads at most the limit while reading heads: a head (and the 1xx
     * ones before it) ending within it is fine, one byte more is not */
    if (take > H1_MAX_HEADER_BYTES - p->head_bytes)
        return h1p_head_fail(p, "net/http: server response headers exceeded " H1P_STR(H1_MAX_HEADER_BYTES)
                             " bytes; aborted", NULL, 0, 0);
    if (buf_append(p->hdr, s, take)) return h1p_fail(p, "out of memory");
    p->head_bytes += take;
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
    if (++p->aux > MAX_TRAILER) return h1p_fail(p, "trailer too large");
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
