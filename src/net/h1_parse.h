/* Incremental HTTP/1.x response parser: no I/O, no allocation of its own.
 * Fed arbitrary chunks of the byte stream of one connection, it copies the
 * final response's header block into a caller's buf, hands body bytes
 * (de-chunked, still content-encoded) to a callback and says when the
 * response is complete. 1xx interim responses are skipped entirely. */
#ifndef C6_H1_PARSE_H
#define C6_H1_PARSE_H
#include <stddef.h>
#include <stdint.h>
#include "util/buf.h"

/* Go's http.Transport default MaxResponseHeaderBytes (k6 sets none): the
 * bytes a response's head may take, its 1xx interim heads included (Go
 * counts them together since it no longer limits their number). */
#define H1_MAX_HEADER_BYTES 10485760

enum h1_parse_rc { H1P_ERROR = -1, H1P_AGAIN = 0, H1P_DONE = 1 };
enum h1_encoding {
    H1_ENC_NONE = 0,
    H1_ENC_GZIP,
    H1_ENC_DEFLATE,
    H1_ENC_BR,
    H1_ENC_ZSTD,
    H1_ENC_CHAIN
}; /* a list ("gzip, br"): the header's value says */

/* Receives body bytes; a nonzero return aborts parsing with H1P_ERROR. */
typedef int (*h1_body_cb)(void *ud, const char *p, size_t n);

typedef struct h1_parser {
    /* results, valid once the header block is complete */
    int status;     /* 100..999 */
    int minor;      /* HTTP/1.<minor> */
    int keep_alive; /* the connection may carry another request */
    int chunked;
    int encoding;           /* enum h1_encoding, from Content-Encoding */
    int64_t content_length; /* -1 when absent */
    const char *err;        /* static message after H1P_ERROR */
    const char *err_arg;    /* NULL, or the bytes err is about (in hdr), to append: */
    size_t err_arg_len;     /*   as they are, as Go's %q (err_quote 1), or, err_quote 2, */
    int err_quote;          /*   NUL-ended values as Go's %q of a []string: ["a" "b"] */
    int head_err;           /* err is Go's ReadResponse error for the head (its text);
                                 * else, after the head, Go's error reading the body */
    int major;              /* HTTP/<major>.<minor> */
    int set_cookie;         /* the (final) head has a Set-Cookie field: without, a cookie
                                 * jar has nothing to look for in the header block */
    /* private */
    buf *hdr;
    h1_body_cb on_body;
    void *ud;
    int state, no_body, conn_close, conn_keep, nfields;
    size_t line_start;  /* offset in hdr of the line being read */
    size_t field_start; /* offset in hdr of the current header field's first line */
    size_t head_bytes;  /* bytes of this response's heads so far, interim ones included */
    uint64_t remaining; /* body or chunk bytes still to come */
    size_t aux;         /* bytes of the chunk-size line / trailer seen */
    /* Content-Length and Transfer-Encoding fields of the head being read */
    unsigned ncl, nte;
    int cl_differ, folded;                 /* two Content-Length values differ; one of the two fields is folded */
    size_t ft_last;                        /* offset in hdr of the last of those fields (is a folded line its?) */
    size_t cl_off, cl_len, te_off, te_len; /* the first of each: its value in hdr */
    /* the chunk-size line being read (Go's readChunkLine and parseHexUint) */
    unsigned ck_idx, ck_semi, ck_ws, ck_err;
    size_t ck_cr;    /* 1 + offset in the line of its first CR; 0: none yet */
    uint64_t excess; /* Go's chunkedReader.excess: framing bytes beyond 16 + 2n a chunk */
} h1_parser;

/* Prepares p for one response. hdr is cleared and receives the final header
 * block; head says the request was HEAD (so no body whatever the headers). */
void h1_parser_init(h1_parser *p, buf *hdr, int head, h1_body_cb on_body, void *ud);

/* Feeds len bytes. Returns H1P_AGAIN (all consumed, want more), H1P_DONE
 * (response complete; *used bytes belonged to it, the rest do not) or
 * H1P_ERROR (p->err says why). The head is checked as Go's
 * http.ReadResponse and textproto.ReadMIMEHeader check it (status line,
 * header names and values, no control bytes but HTAB in a value); then
 * head_err is set and err (+ err_arg) is Go's text. */
int h1_parse(h1_parser *p, const char *data, size_t len, size_t *used);

/* The peer closed the connection: H1P_DONE if that ends a close-delimited
 * body (or the response was already complete), else H1P_ERROR. */
int h1_parse_eof(h1_parser *p);

#endif
