/* Incremental HTTP/1.x response parser.
 *
 * The head's usual lines are read straight from the input, sixteen bytes a
 * step, and appended to the caller's header buf together (h1p_head_fast);
 * any other line (split across reads, folded, or one Go may refuse) is
 * appended one complete line at a time and parsed from there, so a line
 * split across reads needs no state beyond the buf itself. Body framing (Content-Length,
 * chunked, close-delimited) is decided as Go's net/http/transfer.go decides
 * it (readTransfer: parseTransferEncoding, fixLength, parseContentLength),
 * with its error texts; chunked bodies are read as its chunkedReader
 * (net/http/internal/chunked.go) and body.readTrailer read them, byte by
 * byte for the framing (a few bytes a chunk), while body bytes go to the
 * callback in as few spans as the input allows. */
#include "net/h1_parse.h"

#include <string.h>

enum {
    S_STATUS = 0,
    S_HEADER,
    S_BODY_LEN,
    S_BODY_EOF,
    S_CHUNK_LINE, /* a chunk-size line, up to its LF */
    S_CHUNK_DATA,
    S_CHUNK_END1,
    S_CHUNK_END2, /* data, then the two bytes that must be CR LF */
    S_TRAILER0,
    S_TRAILER1,
    S_TRAILER, /* after the last chunk: none, one, more bytes seen */
    S_DONE
};

/* Go reads a chunked body through the connection's bufio.Reader, 4096 bytes
 * (Transport.ReadBufferSize's default): a chunk-size line must fit in it
 * with its LF (readChunkLine: ErrLineTooLong), and so must a trailer section
 * (readTrailer's seeUpcomingDoubleCRLF peeks that far for its CRLF CRLF). */
#define GO_BUFIO_SIZE 4096
#define GO_MAX_EXCESS (16 * 1024)                       /* chunkedReader: framing beyond 16 + 2n a chunk */
enum { CK_OK = 0, CK_INVALID, CK_TOO_LARGE, CK_EMPTY }; /* parseHexUint's verdicts */
enum { F_CL = 1, F_TE };                                /* header fields framing looks at */
#define H1P_STR2(x) #x
#define H1P_STR(x)  H1P_STR2(x)

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
    p->set_cookie = 0;
    p->keep_alive = 0;
    p->chunked = 0;
    p->encoding = H1_ENC_NONE;
    p->content_length = -1;
    p->conn_close = p->conn_keep = 0;
    p->ncl = p->nte = 0;
    p->cl_differ = p->folded = 0;
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
static inline __attribute__((always_inline)) int h1p_status_line(h1_parser *p, const char *l, size_t n) {
    const char *e = l + n, *sp, *c, *ce;
    /* nearly every response: "HTTP/1.1 ddd[ reason]", ddd digits; what the
     * checks below make of it, without them */
    if (n >= 12 && h1p_load64(l) == h1p_load64("HTTP/1.1") && l[8] == ' ' && (n == 12 || l[12] == ' ')) {
        unsigned d0 = (unsigned)(unsigned char)l[9] - '0', d1 = (unsigned)(unsigned char)l[10] - '0',
                 d2 = (unsigned)(unsigned char)l[11] - '0';
        if (d0 <= 9 && d1 <= 9 && d2 <= 9) {
            p->status = (int)(d0 * 100 + d1 * 10 + d2);
            p->major = p->minor = 1;
            p->state = S_HEADER;
            return H1P_AGAIN;
        }
    }
    /* the usual "HTTP/d.d ddd[ reason]" by hand: a version without a space
     * (what the check below wants), one space, a code of three */
    if (n >= 12 && l[0] == 'H' && l[1] == 'T' && l[2] == 'T' && l[3] == 'P' && l[4] == '/' && l[5] != ' ' &&
        l[6] != ' ' && l[7] != ' ' && l[8] == ' ' && l[9] != ' ' && l[10] != ' ' && l[11] != ' ' &&
        (n == 12 || l[12] == ' ')) {
        sp = l + 8;
        c = l + 9;
        ce = n == 12 ? NULL : l + 12;
    } else {
        sp = memchr(l, ' ', n);
        if (!sp) return h1p_head_fail(p, "malformed HTTP response ", l, n, 1);
        c = sp + 1;
        while (c < e && *c == ' ') c++;
        ce = memchr(c, ' ', (size_t)(e - c));
    }
    size_t cn = (size_t)((ce ? ce : e) - c);
    if (cn != 3) return h1p_head_fail(p, "malformed HTTP status code ", c, cn, 1);
    int st = 0;
    for (int i = c[0] == '+' || c[0] == '-'; i < 3; i++) {
        if (c[i] < '0' || c[i] > '9') return h1p_head_fail(p, "malformed HTTP status code ", c, cn, 1);
        st = st * 10 + (c[i] - '0');
    }
    if (c[0] == '-' && st) return h1p_head_fail(p, "malformed HTTP status code ", c, cn, 1); /* "-00" is 0 */
    size_t pl = (size_t)(sp - l);
    if (pl != 8 || memcmp(l, "HTTP/", 5) != 0 || l[6] != '.' || l[5] < '0' || l[5] > '9' || l[7] < '0' || l[7] > '9')
        return h1p_head_fail(p, "malformed HTTP version ", l, pl, 1);
    p->status = st;
    p->major = l[5] - '0';
    p->minor = l[7] - '0';
    p->state = S_HEADER;
    return H1P_AGAIN;
}

/* A header field framing depends on: where its (first) value v is in hdr
 * (off: it may not be appended yet, see h1p_head_fast), and whether a
 * second Content-Length says something else (Go compares the values as
 * strings, so "5" and "05" differ). */
static void h1p_note_field(h1_parser *p, int kind, const char *v, size_t n, size_t off) {
    p->ft_last = p->field_start;
    if (kind == F_CL) {
        if (p->ncl++ == 0) {
            p->cl_off = off;
            p->cl_len = n;
        } else if (n != p->cl_len || memcmp(v, p->hdr->p + p->cl_off, n) != 0) p->cl_differ = 1;
    } else if (p->nte++ == 0) {
        p->te_off = off;
        p->te_len = n;
    }
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
    if (memchr(v, ',', n)) p->encoding = H1_ENC_CHAIN; /* the client reads the list from the header block */
    else if (n == 4 && h1p_ci_eq(v, "gzip", 4)) /* not x-gzip: k6 leaves it alone */ p->encoding = H1_ENC_GZIP;
    else if (n == 7 && h1p_ci_eq(v, "deflate", 7)) p->encoding = H1_ENC_DEFLATE;
    else if (n == 2 && h1p_ci_eq(v, "br", 2)) p->encoding = H1_ENC_BR;
    else if (n == 4 && h1p_ci_eq(v, "zstd", 4)) p->encoding = H1_ENC_ZSTD;
    else p->encoding = H1_ENC_NONE; /* identity, or a coding we leave alone */
}

/* The bytes Go's textproto takes in a header name: RFC 7230 token bytes
 * (validHeaderFieldByte) and the space it tolerates (its issue 34540). */
static const unsigned char h1p_name_byte[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    1, 1, 0, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0,
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1, 0,
};

/* Every byte of a name is one of those: no early exit, eight lookups a
 * round (names are short; this runs for every header of every response). */
static inline __attribute__((always_inline)) int h1p_name_ok(const unsigned char *s, size_t n) {
    const unsigned char *t = h1p_name_byte;
    unsigned ok = 1;
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        ok &= t[s[i]] & t[s[i + 1]] & t[s[i + 2]] & t[s[i + 3]] & t[s[i + 4]] & t[s[i + 5]] & t[s[i + 6]] & t[s[i + 7]];
    if (i < n && n >= 8) { /* the rest: the last eight again, overlapping */
        s += n - 8;
        ok &= t[s[0]] & t[s[1]] & t[s[2]] & t[s[3]] & t[s[4]] & t[s[5]] & t[s[6]] & t[s[7]];
        return (int)ok;
    }
    switch (n - i) {           /* a short name: no loop */
    case 7: ok &= t[s[i + 6]]; /* fallthrough */
    case 6: ok &= t[s[i + 5]]; /* fallthrough */
    case 5: ok &= t[s[i + 4]]; /* fallthrough */
    case 4: ok &= t[s[i + 3]]; /* fallthrough */
    case 3: ok &= t[s[i + 2]]; /* fallthrough */
    case 2: ok &= t[s[i + 1]]; /* fallthrough */
    case 1: ok &= t[s[i]];     /* fallthrough */
    default: break;
    }
    return (int)ok;
}

#define H1P_ONES 0x0101010101010101ull
#define H1P_LOW7 0x7f7f7f7f7f7f7f7full
#define H1P_HIGH 0x8080808080808080ull

/* The bytes of x that Go's validHeaderValueByte refuses, HTAB aside (for
 * h1p_value_ok): below 0x20 and DEL. Bit 7 of each such byte
 * is set, of no other: nothing carries from one byte into the next (seven
 * bits plus one fit in eight; so do seven bits plus 0x5f). */
static inline uint64_t h1p_ctl_mask(uint64_t x) {
    uint64_t t = ((x & H1P_LOW7) + H1P_ONES) & H1P_LOW7; /* b + 1 in seven bits: DEL becomes 0 */
    return ~((t + 0x5f * H1P_ONES) | x) & H1P_HIGH;      /* neither t >= 0x21 nor b >= 0x80 */
}

/* The bytes of the sixteen at s that are control bytes (HTAB, CR and LF
 * among them) or DEL, with colon ':' too, as a mask: h1p_first16 gives the
 * index of its first marked byte, h1p_tail16 keeps the marks of its last r
 * bytes (for the sixteen that end where the input does). */
#if defined(__SSE2__)
#include <emmintrin.h>
typedef unsigned h1p_m16; /* bit i: byte i (pmovmskb) */

static inline __attribute__((always_inline)) h1p_m16 h1p_mask16(const char *s, int colon) {
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)s);
    __m128i m =
        _mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(0x1f)), x), _mm_cmpeq_epi8(x, _mm_set1_epi8(0x7f)));
    if (colon) m = _mm_or_si128(m, _mm_cmpeq_epi8(x, _mm_set1_epi8(':')));
    return (h1p_m16)_mm_movemask_epi8(m);
}

static inline int h1p_first16(h1p_m16 m) { return __builtin_ctz(m); }
static inline h1p_m16 h1p_tail16(h1p_m16 m, size_t r) { return m >> (16 - r); }

/* The bytes of x that are letters, digits or '-' (so token bytes: the
 * usual header names), bit i for byte i. */
static inline __attribute__((always_inline)) unsigned h1p_plain16(__m128i x) {
    __m128i a = _mm_sub_epi8(_mm_or_si128(x, _mm_set1_epi8(0x20)), _mm_set1_epi8('a'));
    __m128i g = _mm_sub_epi8(x, _mm_set1_epi8('0'));
    __m128i ok = _mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(a, _mm_set1_epi8(25)), a),
                              _mm_cmpeq_epi8(_mm_min_epu8(g, _mm_set1_epi8(9)), g));
    return (unsigned)_mm_movemask_epi8(_mm_or_si128(ok, _mm_cmpeq_epi8(x, _mm_set1_epi8('-'))));
}
#else
typedef unsigned char h1p_v16 __attribute__((vector_size(16))); /* NEON on arm64 */
typedef unsigned __int128 h1p_m16;                              /* all eight bits of byte i */

static inline __attribute__((always_inline)) h1p_m16 h1p_mask16(const char *s, int colon) {
    h1p_v16 x, m;
    memcpy(&x, s, 16);
    m = (h1p_v16)((x < 0x20) | (x == 0x7f));
    if (colon) m |= (h1p_v16)(x == ':');
    uint64_t lo, hi;
    memcpy(&lo, &m, 8);
    memcpy(&hi, (char *)&m + 8, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    lo = __builtin_bswap64(lo);
    hi = __builtin_bswap64(hi);
#endif
    return (unsigned __int128)hi << 64 | lo;
}

static inline int h1p_first16(h1p_m16 m) {
    uint64_t lo = (uint64_t)m;
    return (lo ? __builtin_ctzll(lo) : 64 + __builtin_ctzll((uint64_t)(m >> 64))) >> 3;
}
static inline h1p_m16 h1p_tail16(h1p_m16 m, size_t r) { return m >> (128 - 8 * r); }
#endif

/* The first byte of [s, end) h1p_mask16 marks; NULL when none. Sixteen
 * bytes a step; the last few from the sixteen that end at end, so
 * [end - 16, end) must be readable. */
static inline __attribute__((always_inline)) const char *h1p_scan(const char *s, const char *end, int colon) {
    for (; end - s >= 16; s += 16) {
        h1p_m16 m = h1p_mask16(s, colon);
        if (m) return s + h1p_first16(m);
    }
    size_t r = (size_t)(end - s);
    if (r == 0) return NULL;
    h1p_m16 m = h1p_tail16(h1p_mask16(end - 16, colon), r); /* the r bytes' marks */
    return m ? s + h1p_first16(m) : NULL;
}

/* Go's validHeaderValueByte for every byte: HTAB, SP, VCHAR and obs-text
 * (0x80-0xff); no other control byte, no DEL. Eight bytes at a time (the
 * last eight overlapping), a byte loop only for short values and tabs. */
static inline int h1p_value_ok(const char *s, size_t n) {
    if (n >= 8) {
        uint64_t bad = h1p_ctl_mask(h1p_load64(s + n - 8));
        for (size_t i = 0; i + 8 <= n; i += 8) bad |= h1p_ctl_mask(h1p_load64(s + i));
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
    return h1p_head_fail(p, "malformed MIME header line: ", b + p->field_start, (size_t)(o - (b + p->field_start)), 0);
}

/* What a head's field (name l, nl bytes) says about the response; its
 * value v (vn bytes, trimmed) is at offset voff of hdr, or will be once
 * appended. Dispatched on the name's length first: most names are turned
 * away by one compare. */
static inline __attribute__((always_inline)) void h1p_field_use(h1_parser *p, const char *l, size_t nl, const char *v,
                                                                size_t vn, size_t voff) {
    switch (nl) {
    case 10:
        if (h1p_name_is(l, "connection", 10)) h1p_connection(p, v, vn);
        else if (h1p_name_is(l, "set-cookie", 10)) p->set_cookie = 1;
        break;
    case 14:
        if (h1p_name_is(l, "content-length", 14)) h1p_note_field(p, F_CL, v, vn, voff);
        break;
    case 16:
        if (h1p_name_is(l, "content-encoding", 16)) h1p_content_encoding(p, v, vn);
        break;
    case 17:
        if (h1p_name_is(l, "transfer-encoding", 17)) h1p_note_field(p, F_TE, v, vn, voff);
        break;
    }
}

/* One header line (no CR LF), checked as Go's textproto.ReadMIMEHeader;
 * a head's (head 1) also read for what it says about the response, a
 * trailer's (head 0) only checked. Inlined in both callers: it runs for
 * every header of every response. */
static inline __attribute__((always_inline)) int h1p_field_line(h1_parser *p, const char *l, size_t n, int head) {
    if (h1p_is_ws(l[0])) {
        /* obs-fold: more of the previous field's value */
        if (p->nfields == 0) {
            if (n > 80) return h1p_head_fail(p, "message too large", NULL, 0, 0); /* Go reads 80 bytes of it */
            return h1p_head_fail(p, "malformed MIME header initial line: ", l, n, 0);
        }
        if (!h1p_value_ok(l, n)) return h1p_bad_field(p, (size_t)(l + n - p->hdr->p));
        /* more of a Content-Length or Transfer-Encoding: framing reads it the slow way */
        if (head && (p->ncl | p->nte) && p->field_start == p->ft_last) p->folded = 1;
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
    if (head) h1p_field_use(p, l, nl, v, (size_t)(e - v), (size_t)(v - p->hdr->p));
    return H1P_AGAIN;
}

/* hdr grows by n bytes copied from its own offset off (a realloc may move it). */
static int h1p_self_append(h1_parser *p, size_t off, size_t n) {
    if (buf_reserve(p->hdr, n)) return -1;
    memcpy(p->hdr->p + p->hdr->len, p->hdr->p + off, n);
    p->hdr->len += n;
    p->hdr->p[p->hdr->len] = 0;
    return 0;
}

/* Appends to hdr, after the head (which ends at end), the value of every
 * field of the head named name as Go's textproto reads it (the lines of a
 * folded field trimmed and joined by one space), each ended by a NUL.
 * Returns how many; -1: no memory. Only for folded fields and error texts. */
static long h1p_values(h1_parser *p, size_t end, const char *name, size_t nlen) {
    const char *nl = memchr(p->hdr->p, '\n', end);
    size_t i = nl ? (size_t)(nl - p->hdr->p) + 1 : end; /* past the status line */
    long count = 0;
    int in = 0;
    while (i < end) {
        const char *l = p->hdr->p + i, *le = memchr(l, '\n', end - i);
        size_t next = le ? (size_t)(le - p->hdr->p) + 1 : end;
        if (!le) le = p->hdr->p + end;
        if (le > l && le[-1] == '\r') le--;
        if (le == l) break; /* the blank line */
        int cont = h1p_is_ws(*l), was = in;
        const char *colon = cont ? NULL : memchr(l, ':', (size_t)(le - l));
        if (!cont) in = colon && (size_t)(colon - l) == nlen && h1p_ci_eq(l, name, nlen);
        const char *v = cont ? l : colon ? colon + 1 : le, *ve = le;
        while (v < ve && h1p_is_ws(*v)) v++;
        while (ve > v && h1p_is_ws(ve[-1])) ve--;
        size_t off = (size_t)(v - p->hdr->p), n = (size_t)(ve - v); /* hdr may move below */
        if (!cont && was && buf_append(p->hdr, "", 1)) return -1;
        if (!cont && in) count++;
        if (in && ((cont && buf_append(p->hdr, " ", 1)) || h1p_self_append(p, off, n))) return -1;
        i = next;
    }
    if (in && buf_append(p->hdr, "", 1)) return -1;
    return count;
}

/* The head's error msg + the list of the values of field name, as Go's %q
 * of a []string. */
static int h1p_list_fail(h1_parser *p, const char *msg, const char *name, size_t nlen) {
    size_t end = p->hdr->len;
    if (h1p_values(p, end, name, nlen) < 0) return h1p_fail(p, "out of memory");
    return h1p_head_fail(p, msg, p->hdr->p + end, p->hdr->len - end, 2);
}

/* Go's parseContentLength on the first value (trimmed, as TrimString
 * leaves it): strconv.ParseUint(v, 10, 63), every byte a digit (leading
 * zeros are fine), at most 2^63-1. */
static int h1p_content_length(h1_parser *p, const char *v, size_t n) {
    if (n == 0) return h1p_head_fail(p, "invalid empty Content-Length ", v, 0, 1);
    const char *d = v, *e = v + n;
    while (e - d > 1 && *d == '0') d++;
    if (e - d > 19) return h1p_head_fail(p, "bad Content-Length ", v, n, 1); /* 10^19 > 2^63 */
    uint64_t len = 0; /* 19 digits at most: below 2^64, so no wrap to check on the way */
    for (; d < e; d++) {
        unsigned c = (unsigned)(unsigned char)*d - '0';
        if (c > 9) return h1p_head_fail(p, "bad Content-Length ", v, n, 1);
        len = len * 10 + c;
    }
    if (len > (uint64_t)INT64_MAX) /* ParseUint(cl, 10, 63) */
        return h1p_head_fail(p, "bad Content-Length ", v, n, 1);
    p->content_length = (int64_t)len;
    return H1P_AGAIN;
}

/* transfer.go readTransfer for the head that just ended: Transfer-Encoding
 * (parseTransferEncoding: ignored before HTTP/1.1; one field, "chunked"
 * and nothing else), then Content-Length (fixLength: several fields must
 * agree; none read for 1xx, 204, 304 unless the request was HEAD, whose
 * length is parsed all the same). A folded field is read again as Go joins
 * it, in scratch space after the head. */
static int h1p_framing_slow(h1_parser *p) {
    size_t end = p->hdr->len;
    /* the offsets mean something only when such a field was seen */
    const char *te = p->nte ? p->hdr->p + p->te_off : "", *cl = p->ncl ? p->hdr->p + p->cl_off : "";
    size_t te_len = p->te_len, cl_len = p->cl_len;
    int differ = p->cl_differ, rc = H1P_AGAIN;
    if (p->folded) {
        long nte = h1p_values(p, end, "transfer-encoding", 17);
        size_t mid = p->hdr->len;
        long ncl = h1p_values(p, end, "content-length", 14);
        if (nte < 0 || ncl < 0) return h1p_fail(p, "out of memory");
        te = p->hdr->p + end;
        te_len = strlen(te);
        cl = p->hdr->p + mid;
        const char *rest = cl + strlen(cl) + 1; /* the other values */
        cl_len = strlen(cl);
        while (cl_len && h1p_is_ws(cl[cl_len - 1])) cl_len--; /* "5" + a blank continuation */
        differ = 0;
        for (const char *v = rest; ncl > 1 && v < p->hdr->p + p->hdr->len; v += strlen(v) + 1) {
            const char *a = cl, *b = v; /* TrimString'd, they must be equal */
            size_t an = cl_len, bn = strlen(v);
            while (an && h1p_is_ws(a[an - 1])) an--;
            while (bn && h1p_is_ws(b[bn - 1])) bn--;
            if (an != bn || memcmp(a, b, an) != 0) differ = 1;
        }
    }
    if (p->nte && (p->major > 1 || (p->major == 1 && p->minor >= 1))) {
        if (p->nte > 1) return h1p_list_fail(p, "too many transfer encodings: ", "transfer-encoding", 17);
        if (te_len != 7 || !h1p_ci_eq(te, "chunked", 7))
            return h1p_head_fail(p, "unsupported transfer encoding: ", te, te_len, 1);
        p->chunked = 1; /* and Content-Length is dropped */
    }
    if (!p->chunked && p->ncl) {
        int st = p->status;
        if (p->ncl > 1 && differ)
            return h1p_list_fail(p, "http: message cannot contain multiple Content-Length headers; got ",
                                 "content-length", 14);
        if (p->no_body || !((unsigned)(st - 100) < 100 || st == 204 || st == 304))
            rc = h1p_content_length(p, cl, cl_len);
    }
    if (rc == H1P_AGAIN && p->folded) {
        p->hdr->len = end; /* the scratch values go */
        p->hdr->p[end] = 0;
    }
    return rc;
}

static inline __attribute__((always_inline)) int h1p_framing(h1_parser *p) {
    if (!(p->folded | p->nte | (p->ncl > 1))) { /* the usual: one Content-Length at most */
        int st = p->status;
        if (p->ncl && (p->no_body || !((unsigned)(st - 100) < 100 || st == 204 || st == 304))) {
            const char *v = p->hdr->p + p->cl_off;
            size_t n = p->cl_len;
            if (n - 1 < 18) { /* 1 to 18 digits: below 2^63, what h1p_content_length makes of them */
                uint64_t len = 0;
                size_t i = 0;
                for (; i < n && (unsigned)(unsigned char)v[i] - '0' <= 9; i++) len = len * 10 + (uint64_t)(v[i] - '0');
                if (i == n) {
                    p->content_length = (int64_t)len;
                    return H1P_AGAIN;
                }
            }
            return h1p_content_length(p, v, n);
        }
        return H1P_AGAIN;
    }
    return h1p_framing_slow(p);
}

static void h1p_chunk_line_start(h1_parser *p) {
    p->aux = 0;
    p->remaining = 0;
    p->ck_idx = p->ck_semi = p->ck_ws = p->ck_err = 0;
    p->ck_cr = 0;
    p->state = S_CHUNK_LINE;
}

/* Blank line: decide how the body is delimited and whether the connection
 * survives the response. */
static inline __attribute__((always_inline)) int h1p_headers_end(h1_parser *p) {
    int st = p->status;
    if (h1p_framing(p) == H1P_ERROR) return H1P_ERROR; /* Go reads every head's framing, 1xx too */
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
        if (st == 101) p->keep_alive = 0; /* the connection is no longer HTTP */
        p->state = S_DONE;
    } else if (p->chunked) {
        p->excess = 0;
        h1p_chunk_line_start(p);
    } else if (p->content_length >= 0) {
        p->remaining = (uint64_t)p->content_length;
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
    return h1p_field_line(p, l, n, 1);
}

/* The end of the line whose bytes from s on h1p_scan reads: past its
 * CR LF or bare LF, with *e set to where its text ends. NULL when a byte
 * it cannot vouch for comes first (any control byte but HTAB, DEL, a CR
 * not right before the LF) or the line does not end within [s, end). */
/* Past the line end at c (a control byte h1p_scan stopped at): CR LF or
 * a bare LF; NULL for any other byte, or a CR not followed by LF here. */
static inline __attribute__((always_inline)) const char *h1p_past_eol(const char *c, const char *end) {
    uint16_t w, crlf;
    memcpy(&crlf, "\r\n", 2);
    if (end - c >= 2 && (memcpy(&w, c, 2), w == crlf)) return c + 2;
    return *c == '\n' ? c + 1 : NULL;
}

static inline __attribute__((always_inline)) const char *h1p_line_end(const char *s, const char *end, const char **e) {
    const char *c = h1p_scan(s, end, 0);
    while (c && *c == '\t') c = h1p_scan(c + 1, end, 0);
    *e = c;
    if (!c) return NULL;
    return h1p_past_eol(c, end);
}

/* A header line from s (not blank, not a fold) as h1p_head_fast takes it:
 * its name up to the first control byte, DEL or ':', which must be a ':'
 * after one byte at least, every name byte a token byte (h1p_name_ok);
 * then h1p_line_end from past the colon. Returns the line's end, with
 * *colon and *e (where the value's text ends) set; NULL when the line is
 * not one of those. Over SSE2, a name shorter than sixteen bytes is read
 * and checked from one load, which also gives the value's first bytes. */
static inline __attribute__((always_inline)) const char *h1p_field_end(const char *s, const char *end,
                                                                       const char **colon, const char **e) {
#if defined(__SSE2__)
    if (end - s >= 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)s);
        unsigned k = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(0x1f)), x),
                                                              _mm_cmpeq_epi8(x, _mm_set1_epi8(0x7f))));
        unsigned c = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8(':')));
        if (k | c) {
            int i = __builtin_ctz(k | c);
            if (!(c >> i & 1) || i == 0) return NULL;
            unsigned want = (1u << i) - 1;
            if ((h1p_plain16(x) & want) != want && !h1p_name_ok((const unsigned char *)s, (size_t)i)) return NULL;
            *colon = s + i;
            unsigned kv = k >> (i + 1); /* the value's control bytes among the sixteen */
            const char *ch = kv ? s + i + 1 + __builtin_ctz(kv) : h1p_scan(s + 16, end, 0);
            while (ch && *ch == '\t') ch = h1p_scan(ch + 1, end, 0);
            *e = ch;
            return ch ? h1p_past_eol(ch, end) : NULL;
        }
    }
#endif
    const char *cl = h1p_scan(s, end, 1);
    if (!cl || *cl != ':' || cl == s || !h1p_name_ok((const unsigned char *)s, (size_t)(cl - s))) return NULL;
    *colon = cl;
    return h1p_line_end(cl + 1, end, e);
}

/* A head's usual lines straight from the input (from *pos on, d and len
 * the whole of it, len >= 16 for h1p_scan), as h1p_head_line would take
 * them once appended, but each byte looked at once, sixteen at a time where
 * it can, and the lines appended together: before the blank line (whose
 * framing reads hdr), and when it stops. It stops, its lines appended, at
 * the first line it is not sure of (a status line or header Go may refuse,
 * a fold, a second Content-Length, a line this input does not end): the
 * caller reads that one as before, errors and all. So a line is either
 * read here and fine, or read there; the head's state the same. */
static int h1p_head_fast(h1_parser *p, const char *d, size_t len, size_t *pos) {
    const char *end = d + len, *from = d + *pos, *s = from, *e, *le, *colon;
    int rc = H1P_AGAIN;
    if (p->state != S_STATUS) goto fields;
status:
    if (s == end || !(le = h1p_line_end(s, end, &e))) goto out;
    if (h1p_status_line(p, s, (size_t)(e - s)) != H1P_AGAIN) { /* the caller says it, from hdr */
        p->err = p->err_arg = NULL;
        p->err_arg_len = 0;
        p->err_quote = p->head_err = 0;
        goto out;
    }
    s = le;
fields:
    while (s < end) {
        if (*s == '\r' || *s == '\n') { /* the blank line, maybe */
            if (*s == '\r' && (end - s < 2 || s[1] != '\n')) break;
            s += *s == '\r' ? 2 : 1;
            size_t n = (size_t)(s - from);
            if (buf_append(p->hdr, from, n)) return h1p_fail(p, "out of memory");
            p->head_bytes += n;
            p->line_start = p->hdr->len;
            from = s;
            if ((rc = h1p_headers_end(p)) != H1P_AGAIN || p->state != S_STATUS) break;
            goto status; /* a 1xx's: the next head */
        }
        if (h1p_is_ws(*s)) break; /* a fold */
        if (!(le = h1p_field_end(s, end, &colon, &e))) break;
        size_t nl = (size_t)(colon - s);
        const char *v = colon + 1;
        while (e > v && h1p_is_ws(e[-1])) e--;
        while (v < e && h1p_is_ws(*v)) v++;
        if (nl == 14 && p->ncl && h1p_name_is(s, "content-length", 14)) break; /* compared with the first, in hdr */
        size_t off = p->hdr->len + (size_t)(s - from);
        p->nfields++;
        p->field_start = off;
        h1p_field_use(p, s, nl, v, (size_t)(e - v), off + (size_t)(v - s));
        s = le;
    }
out:
    if (s > from) {
        size_t n = (size_t)(s - from);
        if (buf_append(p->hdr, from, n)) return h1p_fail(p, "out of memory");
        p->head_bytes += n;
        p->line_start = p->hdr->len;
    }
    *pos = (size_t)(s - d);
    return rc;
}

/* Appends lines to the header buf, parsing each once complete, while the
 * head goes on and bytes are there (a head's lines in one call): the
 * usual ones through h1p_head_fast, the others one at a time. */
static int h1p_head_feed(h1_parser *p, const char *d, size_t len, size_t *pos) {
    int rc;
    do {
        if (p->line_start == p->hdr->len && len >= 16 && len - *pos <= H1_MAX_HEADER_BYTES - p->head_bytes) {
            rc = h1p_head_fast(p, d, len, pos);
            if (rc != H1P_AGAIN || *pos == len || (p->state != S_STATUS && p->state != S_HEADER)) return rc;
        }
        const char *s = d + *pos;
        size_t n = len - *pos;
        const char *nl = memchr(s, '\n', n);
        size_t take = nl ? (size_t)(nl - s) + 1 : n;
        /* Go reads at most the limit while reading heads: a head (and the 1xx
         * ones before it) ending within it is fine, one byte more is not */
        if (take > H1_MAX_HEADER_BYTES - p->head_bytes)
            return h1p_head_fail(
                p, "net/http: server response headers exceeded " H1P_STR(H1_MAX_HEADER_BYTES) " bytes; aborted", NULL,
                0, 0);
        if (buf_append(p->hdr, s, take)) return h1p_fail(p, "out of memory");
        p->head_bytes += take;
        *pos += take;
        if (!nl) return H1P_AGAIN;
        size_t start = p->line_start;
        p->line_start = p->hdr->len;
        rc = h1p_head_line(p, p->hdr->p + start, p->hdr->len - start - 1);
    } while (rc == H1P_AGAIN && *pos < len && (p->state == S_STATUS || p->state == S_HEADER));
    return rc;
}

static int h1p_deliver(h1_parser *p, const char *d, size_t n) {
    if (n && p->on_body && p->on_body(p->ud, d, n)) return h1p_fail(p, "body callback failed");
    return H1P_AGAIN;
}

/* Content-Length body or one chunk's data: as much as this read holds. */
static int h1p_body_span(h1_parser *p, const char *d, size_t len, size_t *pos, int next) {
    size_t n = len - *pos;
    if ((uint64_t)n > p->remaining) n = (size_t)p->remaining;
    int rc = h1p_deliver(p, d + *pos, n);
    *pos += n;
    p->remaining -= n;
    if (p->remaining == 0) p->state = next;
    return rc;
}

static void h1p_ck_err(h1_parser *p, unsigned e) {
    if (!p->ck_err) p->ck_err = e;
}

/* The LF of a chunk-size line: chunkedReader.beginChunk on the line
 * readChunkLine gave (CR LF its only CR, at its end), trimmed of trailing
 * blanks, cut at ';' (extensions are not looked at), then parseHexUint:
 * at most 16 hex digits, so sizes up to 2^64-1 (the body then ends short:
 * unexpected EOF). The excess arithmetic wraps as Go's int64 does. */
static int h1p_chunk_line_end(h1_parser *p) {
    if (!p->ck_cr) return h1p_fail(p, "chunked line ends with bare LF");
    if (p->ck_cr != p->aux) return h1p_fail(p, "invalid CR in chunked line");
    p->excess += (p->aux - 1) + 2;
    if (!p->ck_semi && p->ck_idx == p->ck_ws) h1p_ck_err(p, CK_EMPTY); /* blanks only: trimmed away */
    switch (p->ck_err) {
    case CK_INVALID: return h1p_fail(p, "invalid byte in chunk length");
    case CK_TOO_LARGE: return h1p_fail(p, "http chunk length too large");
    case CK_EMPTY: return h1p_fail(p, "empty hex number for chunk length");
    }
    p->excess -= 16 + 2 * p->remaining;
    if ((int64_t)p->excess < 0) p->excess = 0;
    p->aux = 0;
    if (p->remaining == 0) {
        p->state = S_TRAILER0;
        return H1P_AGAIN;
    } /* io.EOF wins over the excess */
    if ((int64_t)p->excess > GO_MAX_EXCESS) return h1p_fail(p, "chunked encoding contains too much non-data");
    p->state = S_CHUNK_DATA;
    return H1P_AGAIN;
}

/* One byte of a chunk-size line. The size part (before ';') is judged as
 * parseHexUint would judge it once the line is whole: the first offending
 * byte decides, a blank only offends when something but blanks follows it. */
static int h1p_chunk_line_byte(h1_parser *p, char c) {
    if (c == '\n') return h1p_chunk_line_end(p);
    if (++p->aux >= GO_BUFIO_SIZE) return h1p_fail(p, "header line too long"); /* bufio.ErrBufferFull */
    if (c == '\r') {
        if (!p->ck_cr) p->ck_cr = p->aux;
        return H1P_AGAIN;
    }
    if (p->ck_semi) return H1P_AGAIN;
    if (c == ';') {
        p->ck_semi = 1;
        h1p_ck_err(p, p->ck_idx == 0 ? CK_EMPTY : p->ck_ws ? CK_INVALID : CK_OK);
        return H1P_AGAIN;
    }
    if (h1p_is_ws(c)) {
        p->ck_ws++;
    } else {
        int v = h1p_hexval(c);
        if (p->ck_ws || v < 0) h1p_ck_err(p, CK_INVALID);
        else if (p->ck_idx == 16) h1p_ck_err(p, CK_TOO_LARGE);
        else if (!p->ck_err) p->remaining = p->remaining << 4 | (uint64_t)v;
        p->ck_ws = 0;
    }
    p->ck_idx++;
    return H1P_AGAIN;
}

/* After a chunk's data: chunkedReader reads two bytes and wants CR LF. */
static int h1p_chunk_end_byte(h1_parser *p, char c) {
    if (p->state == S_CHUNK_END1) {
        p->aux = c == '\r';
        p->state = S_CHUNK_END2;
        return H1P_AGAIN;
    }
    if (!p->aux || c != '\n') return h1p_fail(p, "malformed chunked encoding");
    h1p_chunk_line_start(p);
    return H1P_AGAIN;
}

/* The trailer section, as body.readTrailer reads it: CR LF alone ends the
 * body; else a CR LF CR LF must come within bufio's 4096 bytes, and what is
 * before it is read as header lines (textproto.ReadMIMEHeader: checked as
 * a head's are, kept by Go in Response.Trailer, which k6 does not show, so
 * dropped here). Its bytes wait in hdr past the head, then go. */
static int h1p_trailer_block(h1_parser *p) {
    size_t start = p->hdr->len - p->aux, i = start, end = p->hdr->len;
    p->nfields = 0;
    while (i < end) {
        const char *l = p->hdr->p + i, *nl = memchr(l, '\n', end - i);
        size_t n = (size_t)(nl - l);
        i += n + 1;
        if (n && l[n - 1] == '\r') n--;
        if (n == 0) break;
        if (h1p_field_line(p, l, n, 0) == H1P_ERROR) return H1P_ERROR;
    }
    if (i < end) p->keep_alive = 0; /* bytes after the blank line: Go drops the connection */
    p->hdr->len = start;
    p->hdr->p[start] = 0;
    p->state = S_DONE;
    return H1P_AGAIN;
}

static int h1p_trailer_byte(h1_parser *p, char c) {
    if (p->state == S_TRAILER1 && p->hdr->p[p->hdr->len - 1] == '\r' && c == '\n') {
        p->hdr->p[--p->hdr->len] = 0; /* CR LF: no trailer */
        p->state = S_DONE;
        return H1P_AGAIN;
    }
    if (buf_append(p->hdr, &c, 1)) return h1p_fail(p, "out of memory");
    p->aux++;
    if (p->state != S_TRAILER) {
        p->state = p->state == S_TRAILER0 ? S_TRAILER1 : S_TRAILER;
        return H1P_AGAIN;
    }
    if (p->aux >= 4 && memcmp(p->hdr->p + p->hdr->len - 4, "\r\n\r\n", 4) == 0) return h1p_trailer_block(p);
    if (p->aux >= GO_BUFIO_SIZE) return h1p_fail(p, "http: suspiciously long trailer after chunked body");
    return H1P_AGAIN;
}

static int h1p_step(h1_parser *p, const char *d, size_t len, size_t *pos) {
    switch (p->state) {
    case S_STATUS:
    case S_HEADER: return h1p_head_feed(p, d, len, pos);
    case S_BODY_LEN: return h1p_body_span(p, d, len, pos, S_DONE);
    case S_CHUNK_DATA: return h1p_body_span(p, d, len, pos, S_CHUNK_END1);
    case S_BODY_EOF: {
        size_t from = *pos;
        *pos = len;
        return h1p_deliver(p, d + from, len - from);
    }
    case S_CHUNK_LINE: return h1p_chunk_line_byte(p, d[(*pos)++]);
    case S_CHUNK_END1:
    case S_CHUNK_END2: return h1p_chunk_end_byte(p, d[(*pos)++]);
    default: return h1p_trailer_byte(p, d[(*pos)++]);
    }
}

int h1_parse(h1_parser *p, const char *data, size_t len, size_t *used) {
    size_t pos = 0;
    int rc = H1P_AGAIN;
    for (;;) {
        if (p->state == S_DONE) {
            rc = H1P_DONE;
            break;
        }
        if (pos == len) break;
        if ((rc = h1p_step(p, data, len, &pos)) == H1P_ERROR) break;
    }
    *used = pos;
    return rc;
}

int h1_parse_eof(h1_parser *p) {
    if (p->state == S_BODY_EOF) p->state = S_DONE;
    if (p->state == S_DONE) return H1P_DONE;
    /* readTrailer: fewer than two bytes (Peek(2)), or no CR LF CR LF before the end */
    if (p->state == S_TRAILER0 || p->state == S_TRAILER1) return h1p_fail(p, "http: unexpected EOF reading trailer");
    if (p->state == S_TRAILER) return h1p_fail(p, "http: suspiciously long trailer after chunked body");
    return h1p_fail(p, "unexpected EOF");
}
