/* HTTP/1.x response parser: every case fed whole, split in two at every
 * offset, and one byte at a time; all three must agree with the expectation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "net/h1_parse.h"

enum { WANT_DONE, WANT_EOF_DONE, WANT_ERROR, WANT_EOF_ERROR };

typedef struct pcase {
    const char *name;
    const char *in;
    int head;
    int want; /* WANT_* */
    int status, minor, keep, encoding;
    const char *hdr; /* expected header block (NULL: skip) */
    const char *body;
    size_t extra;    /* bytes after the response, not consumed */
    const char *err; /* substring of the error */
} pcase;

typedef struct result {
    int rc; /* last return */
    size_t used;
    buf hdr, body;
    h1_parser p;
} result;

static int collect(void *ud, const char *p, size_t n) { return buf_append(ud, p, n); }

/* Feeds in as chunks of the given sizes (0 ends the list); then EOF if the
 * parser still wants more. */
static void feed(result *res, const pcase *c, const size_t *chunks) {
    size_t len = strlen(c->in), off = 0;
    buf_clear(&res->body);
    h1_parser_init(&res->p, &res->hdr, c->head, collect, &res->body);
    res->used = 0;
    res->rc = H1P_AGAIN;
    for (int i = 0; off < len && res->rc == H1P_AGAIN; i++) {
        size_t n = chunks[i] ? chunks[i] : len - off, used;
        if (n > len - off) n = len - off;
        res->rc = h1_parse(&res->p, c->in + off, n, &used);
        if (res->rc == H1P_AGAIN) assert_int_equal(used, n);
        res->used += used;
        off += n;
    }
    if (res->rc == H1P_AGAIN) res->rc = h1_parse_eof(&res->p) == H1P_DONE ? 2 : 3;
}

static void check(const pcase *c, result *res, const char *how) {
    static const int want_rc[] = {H1P_DONE, 2, H1P_ERROR, 3};
    char ctx[160];
    snprintf(ctx, sizeof ctx, "case '%s' (%s) fed %s", c->name, c->in, how);
    if (res->rc != want_rc[c->want]) {
        print_error("%s: rc %d want %d (err %s)\n", ctx, res->rc, want_rc[c->want], res->p.err ? res->p.err : "-");
        fail();
    }
    if (c->want == WANT_ERROR || c->want == WANT_EOF_ERROR) {
        if (!res->p.err || !strstr(res->p.err, c->err)) {
            print_error("%s: err '%s' want '%s'\n", ctx, res->p.err ? res->p.err : "", c->err);
            fail();
        }
        return;
    }
    size_t len = strlen(c->in);
    int ok = res->p.status == c->status && res->p.minor == c->minor && res->p.keep_alive == c->keep &&
             res->p.encoding == c->encoding && res->used == len - c->extra && res->body.len == strlen(c->body) &&
             !memcmp(res->body.p ? res->body.p : "", c->body, res->body.len) &&
             (!c->hdr || (res->hdr.len == strlen(c->hdr) && !memcmp(res->hdr.p, c->hdr, res->hdr.len)));
    if (!ok) {
        print_error("%s: status %d minor %d keep %d enc %d used %zu/%zu body '%s' hdr '%s'\n", ctx, res->p.status,
                    res->p.minor, res->p.keep_alive, res->p.encoding, res->used, len - c->extra,
                    res->body.p ? res->body.p : "", res->hdr.p ? res->hdr.p : "");
        fail();
    }
}

static void run_case(const pcase *c) {
    result res;
    memset(&res, 0, sizeof res);
    size_t len = strlen(c->in), chunks[3] = {0, 0, 0};
    char how[64];

    feed(&res, c, chunks);
    check(c, &res, "whole");
    for (size_t split = 1; split < len; split++) {
        chunks[0] = split;
        feed(&res, c, chunks);
        snprintf(how, sizeof how, "split at %zu", split);
        check(c, &res, how);
    }
    size_t *ones = malloc((len + 1) * sizeof *ones);
    for (size_t i = 0; i < len; i++) ones[i] = 1;
    ones[len] = 0;
    feed(&res, c, ones);
    check(c, &res, "byte by byte");
    free(ones);
    buf_free(&res.hdr);
    buf_free(&res.body);
}

static void run_cases(const pcase *cs, size_t n) {
    for (size_t i = 0; i < n; i++) run_case(&cs[i]);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- well-formed responses ---- */

static const pcase ok_cases[] = {
    {"content-length", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhello", 0, WANT_DONE, 200, 1, 1, 0,
     "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b\r\n\r\n", "hello", 0, NULL},
    {"bytes after the response", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiHTTP/1.1", 0, WANT_DONE, 200, 1, 1, 0,
     NULL, "hi", 8, NULL},
    {"content-length 0", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0, WANT_DONE, 200, 1, 1, 0,
     "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", "", 0, NULL},
    {"names are case-insensitive", "HTTP/1.1 201 Created\r\ncontent-LENGTH:3\r\nCONNECTION: Keep-Alive\r\n\r\nabc", 0,
     WANT_DONE, 201, 1, 1, 0, NULL, "abc", 0, NULL},
    {"status without reason", "HTTP/1.1 404\r\nContent-Length: 1\r\n\r\nx", 0, WANT_DONE, 404, 1, 1, 0, NULL, "x", 0,
     NULL},
    {"bare LF line ends", "HTTP/1.1 200 OK\nContent-Length: 2\n\nhi", 0, WANT_DONE, 200, 1, 1, 0,
     "HTTP/1.1 200 OK\nContent-Length: 2\n\n", "hi", 0, NULL},
    {"HTTP/1.0 closes by default", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhi", 0, WANT_DONE, 200, 0, 0, 0, NULL,
     "hi", 0, NULL},
    {"HTTP/1.0 keep-alive", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nhi", 0, WANT_DONE,
     200, 0, 1, 0, NULL, "hi", 0, NULL},
    {"Connection: close", "HTTP/1.1 200 OK\r\nConnection: foo, CLOSE\r\nContent-Length: 2\r\n\r\nhi", 0, WANT_DONE, 200,
     1, 0, 0, NULL, "hi", 0, NULL},
    {"same Content-Length twice", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length:  3 \r\n\r\nabc", 0,
     WANT_DONE, 200, 1, 1, 0, NULL, "abc", 0, NULL},
    {"OWS and obs-fold", "HTTP/1.1 200 OK\r\nX-Long: a\r\n  folded\r\nContent-Length: \t2\t\r\n\r\nhi", 0, WANT_DONE,
     200, 1, 1, 0, NULL, "hi", 0, NULL},
    {"gzip", "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 1\r\n\r\nz", 0, WANT_DONE, 200, 1, 1,
     H1_ENC_GZIP, NULL, "z", 0, NULL},
    {"deflate", "HTTP/1.1 200 OK\r\ncontent-encoding: Deflate\r\nContent-Length: 1\r\n\r\nz", 0, WANT_DONE, 200, 1, 1,
     H1_ENC_DEFLATE, NULL, "z", 0, NULL},
    {"br", "HTTP/1.1 200 OK\r\nContent-Encoding: BR\r\nContent-Length: 1\r\n\r\nz", 0, WANT_DONE, 200, 1, 1, H1_ENC_BR,
     NULL, "z", 0, NULL},
    {"zstd", "HTTP/1.1 200 OK\r\nContent-Encoding: zstd\r\nContent-Length: 1\r\n\r\nz", 0, WANT_DONE, 200, 1, 1,
     H1_ENC_ZSTD, NULL, "z", 0, NULL},
    {"unknown coding untouched", "HTTP/1.1 200 OK\r\nContent-Encoding: compress\r\nContent-Length: 1\r\n\r\nz", 0,
     WANT_DONE, 200, 1, 1, H1_ENC_NONE, NULL, "z", 0, NULL},
};

static void test_ok(void **state) {
    (void)state;
    run_cases(ok_cases, N(ok_cases));
}

/* ---- chunked ---- */

static const pcase chunked_cases[] = {
    {"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", 0,
     WANT_DONE, 200, 1, 1, 0, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "hello world", 0, NULL},
    {"extensions, hex case, trailers",
     "HTTP/1.1 200 OK\r\ntransfer-encoding: Chunked\r\n\r\n"
     "a;name=value;x=\"q\"\r\n0123456789\r\nB \r\nabcdefghijk\r\n0;last\r\nTrailer-A: 1\r\nTrailer-B: 2\r\n\r\n",
     0, WANT_DONE, 200, 1, 1, 0, NULL, "0123456789abcdefghijk", 0, NULL},
    {"empty chunked body", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 0, WANT_DONE, 200, 1, 1, 0,
     NULL, "", 0, NULL},
    {"chunked, bytes after", "HTTP/1.1 200 OK\r\nTransfer-Encoding:  chunked \r\n\r\n1\r\nx\r\n0\r\n\r\nNEXT", 0,
     WANT_DONE, 200, 1, 1, 0, NULL, "x", 4, NULL},
    /* transfer.go parseTransferEncoding drops Content-Length; the connection stays */
    {"chunked beats Content-Length, even two different ones",
     "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nContent-Length: 7\r\nTransfer-Encoding: "
     "chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
     0, WANT_DONE, 200, 1, 1, 0, NULL, "ok", 0, NULL},
    /* chunked.go: trailing blanks trimmed, 16 hex digits at most (leading zeros count) */
    {"size with trailing blanks, 16 digits",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
     "0000000000000002 \t\r\nok\r\n0\r\n\r\n",
     0, WANT_DONE, 200, 1, 1, 0, NULL, "ok", 0, NULL},
    /* readTrailer: the trailer is read as header lines and dropped; the head stays as it was */
    {"trailer", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nX-T: 1\r\nY : 2\r\n\r\n", 0,
     WANT_DONE, 200, 1, 1, 0, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "ok", 0, NULL},
    /* ReadMIMEHeader stops at the first blank line (bare LF); the rest makes Go drop the connection */
    {"trailer with LF lines before its CRLF CRLF",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
     "2\r\nok\r\n0\r\nX-T: 1\n\nZ\r\n\r\n",
     0, WANT_DONE, 200, 1, 0, 0, NULL, "ok", 0, NULL},
    /* parseTransferEncoding: ignored before HTTP/1.1 (Go issue 12785): the framing is body */
    {"HTTP/1.0 ignores Transfer-Encoding", "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
     0, WANT_EOF_DONE, 200, 0, 0, 0, NULL, "2\r\nok\r\n0\r\n\r\n", 0, NULL},
    {"HTTP/1.0 Content-Length beside Transfer-Encoding",
     "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n2\r\nok", 0, WANT_DONE, 200, 0, 0, 0,
     NULL, "2\r\n", 2, NULL},
};

static void test_chunked(void **state) {
    (void)state;
    run_cases(chunked_cases, N(chunked_cases));
}

/* ---- no body, interim responses, close-delimited ---- */

static const pcase nobody_cases[] = {
    {"HEAD with Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", 1, WANT_DONE, 200, 1, 1, 0,
     "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", "", 0, NULL},
    {"HEAD chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", 1, WANT_DONE, 200, 1, 1, 0, NULL, "", 0,
     NULL},
    {"204", "HTTP/1.1 204 No Content\r\n\r\n", 0, WANT_DONE, 204, 1, 1, 0, NULL, "", 0, NULL},
    {"304 with Content-Length", "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n", 0, WANT_DONE, 304, 1, 1, 0,
     NULL, "", 0, NULL},
    {"100-continue then 200",
     "HTTP/1.1 100 Continue\r\nX-Interim: 1\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 0, WANT_DONE, 200,
     1, 1, 0, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n", "ok", 0, NULL},
    {"103 then 100 then 200 with Connection: close",
     "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 100 Continue\r\n\r\n"
     "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nConnection: close\r\n\r\nz",
     0, WANT_DONE, 200, 1, 0, 0, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nConnection: close\r\n\r\n", "z", 0, NULL},
    {"101 ends HTTP", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n", 0, WANT_DONE, 101, 1, 0, 0, NULL, "", 0,
     NULL},
    {"close-delimited body", "HTTP/1.1 200 OK\r\nX: y\r\n\r\nall of this until EOF", 0, WANT_EOF_DONE, 200, 1, 0, 0,
     "HTTP/1.1 200 OK\r\nX: y\r\n\r\n", "all of this until EOF", 0, NULL},
    {"close-delimited empty", "HTTP/1.0 200 OK\r\n\r\n", 0, WANT_EOF_DONE, 200, 0, 0, 0, NULL, "", 0, NULL},
    /* Go takes any three characters strconv.Atoi reads as >= 0; below 100 is final */
    {"status 099 is final", "HTTP/1.1 099 X\r\nContent-Length: 0\r\n\r\n", 0, WANT_DONE, 99, 1, 1, 0, NULL, "", 0,
     NULL},
    {"blanks, tabs, obs-fold and obs-text are fine",
     "HTTP/1.1 200 OK\r\nName : v\r\nX:\ta\tb \r\n  more\r\nY: \xc3\xa9\r\nContent-Length: 0\r\n\r\n", 0, WANT_DONE,
     200, 1, 1, 0, NULL, "", 0, NULL},
    /* Go's shouldClose: HTTP/1.0 without keep-alive closes, HTTP/1.5 keeps */
    /* fixLength: no length read for 204 (unless HEAD); ParseUint takes leading zeros */
    {"204 with a bad Content-Length", "HTTP/1.1 204 No Content\r\nContent-Length: x\r\n\r\n", 0, WANT_DONE, 204, 1, 1,
     0, NULL, "", 0, NULL},
    {"Content-Length with leading zeros", "HTTP/1.1 200 OK\r\nContent-Length: 000000000000000000002\r\n\r\nok", 0,
     WANT_DONE, 200, 1, 1, 0, NULL, "ok", 0, NULL},
    {"HTTP/1.5 keeps the connection", "HTTP/1.5 200 OK\r\nContent-Length: 0\r\n\r\n", 0, WANT_DONE, 200, 5, 1, 0, NULL,
     "", 0, NULL},
};

static void test_nobody(void **state) {
    (void)state;
    run_cases(nobody_cases, N(nobody_cases));
}

/* ---- malformed ---- */

static const pcase bad_cases[] = {
    /* Go's ReadResponse texts (net/http/response.go) */
    {"HTTP/2 status line", "HTTP/2 200 OK\r\n\r\n", 0, WANT_ERROR, 0, 0, 0, 0, NULL, "", 0, "malformed HTTP version"},
    {"not HTTP", "garbage in\r\n\r\n", 0, WANT_ERROR, 0, 0, 0, 0, NULL, "", 0, "malformed HTTP status code"},
    {"no space", "garbage\r\n\r\n", 0, WANT_ERROR, 0, 0, 0, 0, NULL, "", 0, "malformed HTTP response"},
    {"bad version", "HTTX/1.1 200 OK\r\n", 0, WANT_ERROR, 0, 0, 0, 0, NULL, "", 0, "malformed HTTP version"},
    {"bad status code", "HTTP/1.1 2x0 OK\r\n", 0, WANT_ERROR, 0, 0, 0, 0, NULL, "", 0, "status code"},
    {"status glued to reason", "HTTP/1.1 200OK\r\n", 0, WANT_ERROR, 0, 0, 0, 0, NULL, "", 0, "status code"},
    {"negative status", "HTTP/1.1 -12 X\r\n", 0, WANT_ERROR, 0, 0, 0, 0, NULL, "", 0, "status code"},
    /* textproto.readMIMEHeader's texts */
    {"header without colon", "HTTP/1.1 200 OK\r\nNoColon\r\n\r\n", 0, WANT_ERROR, 0, 0, 0, 0, NULL, "", 0,
     "missing colon"},
    {"tab before colon", "HTTP/1.1 200 OK\r\nName\t: v\r\n\r\n", 0, WANT_ERROR, 0, 0, 0, 0, NULL, "", 0, "header line"},
    {"empty name", "HTTP/1.1 200 OK\r\n: v\r\n\r\n", 0, WANT_ERROR, 0, 0, 0, 0, NULL, "", 0, "header line"},
    {"control byte in a value", "HTTP/1.1 200 OK\r\nX: a\x01b\r\n\r\n", 0, WANT_ERROR, 0, 0, 0, 0, NULL, "", 0,
     "header line"},
    {"DEL in a long value", "HTTP/1.1 200 OK\r\nX: aaaaaaaaaaaaaaaaaaaaaaaaa\x7f\r\n\r\n", 0, WANT_ERROR, 0, 0, 0, 0,
     NULL, "", 0, "header line"},
    {"control byte in a folded line", "HTTP/1.1 200 OK\r\nX: a\r\n b\x02\r\n\r\n", 0, WANT_ERROR, 0, 0, 0, 0, NULL, "",
     0, "header line"},
    {"folded first line", "HTTP/1.1 200 OK\r\n X: a\r\n\r\n", 0, WANT_ERROR, 0, 0, 0, 0, NULL, "", 0, "initial line"},
    {"negative Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", 0, WANT_ERROR, 0, 0, 0, 0, NULL, "", 0,
     "bad Content-Length "},
    /* transfer.go parseContentLength (strconv.ParseUint(v, 10, 63)) and fixLength */
    {"Content-Length junk", "HTTP/1.1 200 OK\r\nContent-Length: 3a\r\n\r\n", 0, WANT_ERROR, 0, 0, 0, 0, NULL, "", 0,
     "bad Content-Length "},
    {"Content-Length with a sign", "HTTP/1.1 200 OK\r\nContent-Length: +3\r\n\r\n", 0, WANT_ERROR, 0, 0, 0, 0, NULL, "",
     0, "bad Content-Length "},
    {"empty Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n", 0, WANT_ERROR, 0, 0, 0, 0, NULL, "", 0,
     "invalid empty Content-Length "},
    {"huge Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775808\r\n\r\n", 0, WANT_ERROR, 0, 0, 0, 0,
     NULL, "", 0, "bad Content-Length "},
    {"conflicting Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 0,
     WANT_ERROR, 0, 0, 0, 0, NULL, "", 0, "http: message cannot contain multiple Content-Length headers; got "},
    {"Content-Length 3 and 03 differ", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 03\r\n\r\nabc", 0,
     WANT_ERROR, 0, 0, 0, 0, NULL, "", 0, "multiple Content-Length"},
    {"1xx with two Content-Lengths", "HTTP/1.1 100 Continue\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", 0,
     WANT_ERROR, 0, 0, 0, 0, NULL, "", 0, "multiple Content-Length"},
    {"HEAD with a bad Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", 1, WANT_ERROR, 0, 0, 0, 0, NULL,
     "", 0, "bad Content-Length "},
    /* transfer.go parseTransferEncoding */
    {"unsupported Transfer-Encoding", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", 0, WANT_ERROR, 0, 0, 0, 0,
     NULL, "", 0, "unsupported transfer encoding: "},
    {"identity", "HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\nContent-Length: 1\r\n\r\nx", 0, WANT_ERROR, 0, 0, 0,
     0, NULL, "", 0, "unsupported transfer encoding: "},
    {"identity, chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: identity, chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n", 0,
     WANT_ERROR, 0, 0, 0, 0, NULL, "", 0, "unsupported transfer encoding: "},
    {"two Transfer-Encoding fields",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\ntransfer-encoding: chunked\r\n\r\n", 0, WANT_ERROR, 0, 0, 0, 0,
     NULL, "", 0, "too many transfer encodings: "},
    {"folded Transfer-Encoding", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n x\r\n\r\n", 0, WANT_ERROR, 0, 0, 0,
     0, NULL, "", 0, "unsupported transfer encoding: "},
    /* net/http/internal/chunked.go */
    {"bad chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 0, WANT_ERROR, 0, 0, 0, 0, NULL,
     "", 0, "invalid byte in chunk length"},
    {"empty chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n", 0, WANT_ERROR, 0, 0, 0, 0, NULL,
     "", 0, "empty hex number for chunk length"},
    {"blank chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n \t \r\n", 0, WANT_ERROR, 0, 0, 0, 0,
     NULL, "", 0, "empty hex number for chunk length"},
    {"extension only", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n;x\r\n", 0, WANT_ERROR, 0, 0, 0, 0, NULL,
     "", 0, "empty hex number for chunk length"},
    {"chunk size then junk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5 x\r\n", 0, WANT_ERROR, 0, 0, 0, 0,
     NULL, "", 0, "invalid byte in chunk length"},
    {"blank before the extension", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2 ;x\r\nok\r\n0\r\n\r\n", 0,
     WANT_ERROR, 0, 0, 0, 0, NULL, "", 0, "invalid byte in chunk length"},
    {"17 hex digits", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n00000000000000002\r\n", 0, WANT_ERROR, 0, 0,
     0, 0, NULL, "", 0, "http chunk length too large"},
    {"bare LF after a chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\nok\r\n0\r\n\r\n", 0,
     WANT_ERROR, 0, 0, 0, 0, NULL, "", 0, "chunked line ends with bare LF"},
    {"CR inside a chunk-size line", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;a\rb\r\nok\r\n0\r\n\r\n", 0,
     WANT_ERROR, 0, 0, 0, 0, NULL, "", 0, "invalid CR in chunked line"},
    {"no CRLF after chunk data", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcXY\r\n", 0, WANT_ERROR,
     0, 0, 0, 0, NULL, "", 0, "malformed chunked encoding"},
    {"bare LF after chunk data", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\n0\r\n\r\n", 0,
     WANT_ERROR, 0, 0, 0, 0, NULL, "", 0, "malformed chunked encoding"},
    /* one byte of the two, then EOF: io.ReadFull's ErrUnexpectedEOF */
    {"EOF after one byte past the data", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX", 0,
     WANT_EOF_ERROR, 0, 0, 0, 0, NULL, "", 0, "unexpected EOF"},
    /* 2^63-1 fits (16 digits); the body then ends short */
    {"huge chunk, then EOF", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7fffffffffffffff\r\nhello", 0,
     WANT_EOF_ERROR, 0, 0, 0, 0, NULL, "", 0, "unexpected EOF"},
    /* beginChunk's excess -= 16 + 2*int64(n) wraps for n in (2^62, 2^63) */
    {"chunk size 0x6000000000000000", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6000000000000000\r\nx", 0,
     WANT_ERROR, 0, 0, 0, 0, NULL, "", 0, "chunked encoding contains too much non-data"},
    /* transfer.go readTrailer */
    {"EOF before the trailer", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r", 0, WANT_EOF_ERROR, 0, 0,
     0, 0, NULL, "", 0, "http: unexpected EOF reading trailer"},
    {"EOF inside the trailer", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: 1\r\n", 0, WANT_EOF_ERROR,
     0, 0, 0, 0, NULL, "", 0, "http: suspiciously long trailer after chunked body"},
    {"trailer with LF line ends only", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: 1\n\n", 0,
     WANT_EOF_ERROR, 0, 0, 0, 0, NULL, "", 0, "http: suspiciously long trailer after chunked body"},
    {"bad trailer line", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nNoColon\r\n\r\n", 0, WANT_ERROR, 0,
     0, 0, 0, NULL, "", 0, "malformed MIME header: missing colon: "},
    {"truncated Content-Length body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 0, WANT_EOF_ERROR, 0, 0, 0, 0,
     NULL, "", 0, "unexpected EOF"},
    {"truncated head", "HTTP/1.1 200 OK\r\nContent-Le", 0, WANT_EOF_ERROR, 0, 0, 0, 0, NULL, "", 0, "unexpected EOF"},
    {"truncated chunked body", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", 0, WANT_EOF_ERROR, 0, 0,
     0, 0, NULL, "", 0, "unexpected EOF"},
};

static void test_bad(void **state) {
    (void)state;
    run_cases(bad_cases, N(bad_cases));
}

/* Go's 10 MB head limit: one big header, and a line that never ends. */
static void test_oversize(void **state) {
    (void)state;
    size_t big = H1_MAX_HEADER_BYTES + 100;
    char *in = malloc(big + 64);
    int n = sprintf(in, "HTTP/1.1 200 OK\r\nX-Big: ");
    memset(in + n, 'a', big);
    strcpy(in + n + big, "\r\n\r\n");

    buf hdr = {0};
    h1_parser p;
    size_t used;
    h1_parser_init(&p, &hdr, 0, NULL, NULL);
    assert_int_equal(h1_parse(&p, in, strlen(in), &used), H1P_ERROR);
    assert_string_equal(p.err, "net/http: server response headers exceeded 10485760 bytes; aborted");
    assert_int_equal(p.head_err, 1);

    /* the same fed in 64 KB reads, without its line end */
    h1_parser_init(&p, &hdr, 0, NULL, NULL);
    int rc = H1P_AGAIN;
    for (size_t off = 0; off < (size_t)n + big && rc == H1P_AGAIN; off += 65536)
        rc = h1_parse(&p, in + off, 65536, &used);
    assert_int_equal(rc, H1P_ERROR);
    assert_true(hdr.len <= H1_MAX_HEADER_BYTES);

    /* a block of exactly the limit is fine, one byte more is not */
    n = sprintf(in, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX-Big: ");
    size_t fit = H1_MAX_HEADER_BYTES - (size_t)n - 4;
    memset(in + n, 'a', fit);
    strcpy(in + n + fit, "\r\n\r\n");
    assert_int_equal(strlen(in), H1_MAX_HEADER_BYTES);
    h1_parser_init(&p, &hdr, 0, NULL, NULL);
    assert_int_equal(h1_parse(&p, in, strlen(in), &used), H1P_DONE);
    assert_int_equal(p.status, 200);
    assert_int_equal(hdr.len, H1_MAX_HEADER_BYTES);
    memset(in + n, 'a', fit + 1);
    strcpy(in + n + fit + 1, "\r\n\r\n");
    h1_parser_init(&p, &hdr, 0, NULL, NULL);
    assert_int_equal(h1_parse(&p, in, strlen(in), &used), H1P_ERROR);
    buf_free(&hdr);
    free(in);
}

static int refuse(void *ud, const char *p, size_t n) {
    (void)ud;
    (void)p;
    (void)n;
    return -1;
}

static void test_callback_abort(void **state) {
    (void)state;
    const char *in = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi";
    buf hdr = {0};
    h1_parser p;
    size_t used;
    h1_parser_init(&p, &hdr, 0, refuse, NULL);
    assert_int_equal(h1_parse(&p, in, strlen(in), &used), H1P_ERROR);
    assert_non_null(strstr(p.err, "callback"));
    buf_free(&hdr);
}

/* Go counts 1xx heads against the same 10 MB, not their number. */
static void test_interim_counted(void **state) {
    (void)state;
    static const char one[] = "HTTP/1.1 100 Continue\r\n\r\n";
    static const char fin[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    size_t k = 100, len = k * (sizeof one - 1) + sizeof fin - 1;
    char *in = malloc(H1_MAX_HEADER_BYTES + sizeof fin);
    for (size_t i = 0; i < k; i++) memcpy(in + i * (sizeof one - 1), one, sizeof one - 1);
    memcpy(in + k * (sizeof one - 1), fin, sizeof fin);
    buf hdr = {0};
    h1_parser p;
    size_t used;
    h1_parser_init(&p, &hdr, 0, NULL, NULL);
    assert_int_equal(h1_parse(&p, in, len, &used), H1P_DONE); /* 100 of them: fine */
    assert_int_equal(p.status, 200);
    k = H1_MAX_HEADER_BYTES / (sizeof one - 1); /* the final head no longer fits */
    for (size_t i = 0; i < k; i++) memcpy(in + i * (sizeof one - 1), one, sizeof one - 1);
    memcpy(in + k * (sizeof one - 1), fin, sizeof fin);
    h1_parser_init(&p, &hdr, 0, NULL, NULL);
    assert_int_equal(h1_parse(&p, in, k * (sizeof one - 1) + sizeof fin - 1, &used), H1P_ERROR);
    assert_non_null(strstr(p.err, "exceeded 10485760 bytes"));
    buf_free(&hdr);
    free(in);
}

/* A bad field's text is Go's: the field's lines trimmed and joined. */
static void test_field_text(void **state) {
    (void)state;
    const char *in = "HTTP/1.1 200 OK\r\nX-Ok: 1\r\nX-Bad:  a \r\n\t b\x01 \r\n\r\n";
    buf hdr = {0};
    h1_parser p;
    size_t used;
    h1_parser_init(&p, &hdr, 0, NULL, NULL);
    assert_int_equal(h1_parse(&p, in, strlen(in), &used), H1P_ERROR);
    assert_string_equal(p.err, "malformed MIME header line: ");
    assert_int_equal(p.err_arg_len, strlen("X-Bad:  a b\x01"));
    assert_memory_equal(p.err_arg, "X-Bad:  a b\x01", p.err_arg_len);
    in = "HTTP/1.1 200 OK\r\nNo colon\r\n\r\n";
    h1_parser_init(&p, &hdr, 0, NULL, NULL);
    assert_int_equal(h1_parse(&p, in, strlen(in), &used), H1P_ERROR);
    assert_string_equal(p.err, "malformed MIME header: missing colon: ");
    assert_int_equal(p.err_quote, 1);
    assert_memory_equal(p.err_arg, "No colon", p.err_arg_len);
    buf_free(&hdr);
}

/* Status lines around the by-hand path for "HTTP/d.d ddd[ reason]" (issue
 * 17): what Go's ReadResponse says (net/http/response.go: Cut at the first
 * space, TrimLeft(" "), Cut again, the code three characters) and the bytes
 * its %q quotes, whichever path took them. */
static void test_status_shapes(void **state) {
    (void)state;
    static const struct {
        const char *line, *err, *arg;
        int status;
    } cases[] = {
        {"HTTP/1.1 200", NULL, NULL, 200},
        {"HTTP/1.1 404 Not Found", NULL, NULL, 404},
        {"HTTP/1.1  201 two spaces", NULL, NULL, 201},
        {"HTTP/1.1 2 0 X", "malformed HTTP status code ", "2", 0},
        {"HTTP/1.1 20 0", "malformed HTTP status code ", "20", 0},
        {"HTTP/1.1 200  ", NULL, NULL, 200},
        {"HTTP/1.1 2000 X", "malformed HTTP status code ", "2000", 0},
        {"HTTP/1.1 2x0 X", "malformed HTTP status code ", "2x0", 0},
        {"HTTP/1 1 200 X", "malformed HTTP status code ", "1", 0},
        {"HTTP/x.1 200 X", "malformed HTTP version ", "HTTP/x.1", 0},
        {"HTTPS1.1 200 X", "malformed HTTP version ", "HTTPS1.1", 0},
        /* around the shortcut for "HTTP/1.1 ddd": Atoi takes a sign */
        {"HTTP/1.1 +20 X", NULL, NULL, 20},
        {"HTTP/1.1 -00", NULL, NULL, 0},
        {"HTTP/1.1 -01 X", "malformed HTTP status code ", "-01", 0},
        {"HTTP/1.1 200X", "malformed HTTP status code ", "200X", 0},
        {"HTTP/1.1 20: X", "malformed HTTP status code ", "20:", 0},
        {"HTTP/1.1 /00 X", "malformed HTTP status code ", "/00", 0},
        {"HTTP/1.1 999", NULL, NULL, 999},
        {"HTTP/1.1 000 X", NULL, NULL, 0},
        {"HTTP/1.0 200 OK", NULL, NULL, 200},
        {"HTTP/1.2 200 OK", NULL, NULL, 200},
    };
    buf hdr = {0};
    h1_parser p;
    size_t used;
    char in[128];
    for (size_t i = 0; i < N(cases); i++) {
        snprintf(in, sizeof in, "%s\r\nContent-Length: 0\r\n\r\n", cases[i].line);
        h1_parser_init(&p, &hdr, 0, NULL, NULL);
        int rc = h1_parse(&p, in, strlen(in), &used);
        if (!cases[i].err) {
            assert_int_equal(rc, H1P_DONE);
            assert_int_equal(p.status, cases[i].status);
            continue;
        }
        assert_int_equal(rc, H1P_ERROR);
        assert_string_equal(p.err, cases[i].err);
        assert_int_equal(p.err_arg_len, strlen(cases[i].arg));
        assert_memory_equal(p.err_arg, cases[i].arg, p.err_arg_len);
    }
    buf_free(&hdr);
}

/* set_cookie: the final head has a field named Set-Cookie (any case); an
 * interim head's, and look-alike names, do not count. */
static void test_set_cookie_flag(void **state) {
    (void)state;
    static const struct {
        const char *in;
        int want;
    } cases[] = {
        {"HTTP/1.1 200 OK\r\nsEt-CoOkIe: a=1\r\nContent-Length: 0\r\n\r\n", 1},
        {"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0},
        {"HTTP/1.1 200 OK\r\nX-Set-Cookie: a\r\nSet-Cookie2: b\r\nSet-Cookie : c\r\nContent-Length: 0\r\n\r\n", 0},
        {"HTTP/1.1 103 Early\r\nSet-Cookie: e=1\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0},
        {"HTTP/1.1 103 Early\r\n\r\nHTTP/1.1 200 OK\r\nSET-COOKIE: a=1\r\nContent-Length: 0\r\n\r\n", 1},
    };
    buf hdr = {0};
    h1_parser p;
    size_t used;
    for (size_t i = 0; i < N(cases); i++) {
        h1_parser_init(&p, &hdr, 0, NULL, NULL);
        assert_int_equal(h1_parse(&p, cases[i].in, strlen(cases[i].in), &used), H1P_DONE);
        assert_int_equal(p.set_cookie, cases[i].want);
    }
    buf_free(&hdr);
}

/* A head's usual lines are read eight bytes at a time straight from the
 * input (h1p_head_fast, issue 17), the rest one line at a time from hdr;
 * both must take and refuse the same bytes (Go's textproto: a name of
 * token bytes or spaces, validHeaderFieldByte; a value of HTAB, SP, VCHAR
 * and obs-text, validHeaderValueByte; "malformed MIME header line: " and
 * the line otherwise). Names and values of 0-33 bytes, so that each byte
 * offset of a sixteen-byte block and of the sixteen read backwards from
 * the input's end are covered, with one odd byte at every offset; each
 * case fed whole, split everywhere and byte by byte (run_case). */
static void scan_case(const char *name, const char *value, const char *eol, int ok) {
    static char in[300], head[256];
    snprintf(head, sizeof head, "HTTP/1.1 200 OK%sA: b%s%s:%s%s%sContent-Length: 1%s%s", eol, eol, name,
             value[0] ? " " : "", value, eol, eol, eol);
    snprintf(in, sizeof in, "%sz", head);
    pcase c = {"scan", in, 0, WANT_DONE, 200, 1, 1, 0, head, "z", 0, NULL};
    if (!ok) {
        c.want = WANT_ERROR;
        c.err = "malformed MIME header line: ";
    }
    run_case(&c);
    /* the head alone, ending where the input ends (204: no body follows) */
    snprintf(in, sizeof in, "HTTP/1.1 204 No Content%s%s:%s%s", eol, name, value, eol);
    snprintf(in + strlen(in), sizeof in - strlen(in), "%s", eol);
    pcase e = {"scan, no body", in, 0, WANT_DONE, 204, 1, 1, 0, in, "", 0, NULL};
    if (!ok) {
        e.want = WANT_ERROR;
        e.err = "malformed MIME header line: ";
    }
    run_case(&e);
    if (ok) return;
    /* and the text quoted: the line trimmed (a CR at its end as well) */
    char want[128];
    snprintf(want, sizeof want, "%s:%s%s", name, value[0] ? " " : "", value);
    size_t wn = strlen(want);
    if (want[wn - 1] == '\r') wn--;
    while (wn && (want[wn - 1] == ' ' || want[wn - 1] == '\t')) wn--;
    buf hdr = {0};
    h1_parser p;
    size_t used;
    h1_parser_init(&p, &hdr, 0, NULL, NULL);
    assert_int_equal(h1_parse(&p, head, strlen(head), &used), H1P_ERROR);
    assert_string_equal(p.err, "malformed MIME header line: ");
    assert_int_equal(p.err_arg_len, wn);
    assert_memory_equal(p.err_arg, want, wn);
    buf_free(&hdr);
}

static void test_scan_boundaries(void **state) {
    (void)state;
    static const char *eols[] = {"\r\n", "\n"};
    /* value bytes: HTAB, SP, '~', '"', obs-text are fine; other control
     * bytes, DEL, and a CR not ending the line are not */
    static const unsigned char v_ok[] = {'\t', ' ', '~', '"', 0x80, 0xff};
    static const unsigned char v_bad[] = {0x01, 0x08, 0x0b, '\r', 0x1f, 0x7f}; /* (NUL: not in a C string) */
    /* name bytes: token bytes and SP (not first: a fold) are fine; the
     * separators, control bytes, DEL, obs-text are not */
    static const unsigned char n_ok[] = {' ', '!', '~', '_', '|', '`', '.', '9', '#'};
    static const unsigned char n_bad[] = {'(', '@', '{', '"', '/', 0x80, 0x7f, 0x01, '\r', '\t'};
    char name[40], value[40];
    for (size_t e = 0; e < N(eols); e++)
        for (size_t len = 0; len <= 33; len++) {
            memset(value, 'v', len);
            value[len] = 0;
            scan_case("X-Val", value, eols[e], 1);
            if (len) {
                memset(name, 'N', len);
                name[len] = 0;
                scan_case(name, "v", eols[e], 1);
            }
            for (size_t k = 0; k < len; k++) {
                for (size_t i = 0; i < N(v_ok); i++) {
                    memset(value, 'v', len);
                    value[len] = 0;
                    value[k] = (char)v_ok[i];
                    /* a blank at the start is read as OWS, at the end trimmed: fine either way */
                    scan_case("X-Val", value, eols[e], 1);
                }
                for (size_t i = 0; i < N(v_bad); i++) {
                    memset(value, 'v', len);
                    value[len] = 0;
                    value[k] = (char)v_bad[i];
                    /* a CR last, before a bare LF, is a CR LF */
                    scan_case("X-Val", value, eols[e], v_bad[i] == '\r' && k == len - 1 && e == 1);
                }
                memset(name, 'N', len);
                name[len] = 0;
                for (size_t i = 0; k && i < N(n_ok); i++) {
                    name[k] = (char)n_ok[i];
                    scan_case(name, "v", eols[e], 1);
                }
                for (size_t i = 0; k && i < N(n_bad); i++) {
                    name[k] = (char)n_bad[i];
                    scan_case(name, "v", eols[e], 0);
                }
            }
        }
}

/* The parser is reused across responses on one connection. */
static void test_reuse(void **state) {
    (void)state;
    const char *a = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n";
    const char *b = "HTTP/1.0 404 Not Found\r\nContent-Length: 1\r\n\r\nb";
    buf hdr = {0}, body = {0};
    h1_parser p;
    size_t used;
    h1_parser_init(&p, &hdr, 0, collect, &body);
    assert_int_equal(h1_parse(&p, a, strlen(a), &used), H1P_DONE);
    assert_int_equal(p.chunked, 1);
    buf_clear(&body);
    h1_parser_init(&p, &hdr, 0, collect, &body);
    assert_int_equal(h1_parse(&p, b, strlen(b), &used), H1P_DONE);
    assert_int_equal(p.status, 404);
    assert_int_equal(p.chunked, 0);
    assert_int_equal(p.keep_alive, 0);
    assert_string_equal(body.p, "b");
    assert_string_equal(hdr.p, "HTTP/1.0 404 Not Found\r\nContent-Length: 1\r\n\r\n");
    buf_free(&hdr);
    buf_free(&body);
}

/* Feeds in whole; returns the parser's verdict (EOF after it if it wants more). */
static int parse_all(h1_parser *p, buf *hdr, const char *in, size_t len) {
    size_t used;
    h1_parser_init(p, hdr, 0, NULL, NULL);
    int rc = h1_parse(p, in, len, &used);
    return rc == H1P_AGAIN ? h1_parse_eof(p) : rc;
}

/* Go's bufio limits (4096 bytes) on a chunk-size line and the trailer, its
 * framing-overhead limit, and the value lists of its error texts. */
static void test_go_limits(void **state) {
    (void)state;
    static const char head[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    size_t hl = sizeof head - 1, cap = 1 << 20;
    char *in = malloc(cap);
    buf hdr = {0};
    h1_parser p;
    assert_non_null(in);
    /* a chunk-size line of 4094 bytes + CR LF fits, one byte more does not */
    for (size_t extra = 0; extra < 2; extra++) {
        memcpy(in, head, hl);
        size_t n = hl;
        in[n++] = '1';
        in[n++] = ';';
        memset(in + n, 'e', 4092 + extra);
        n += 4092 + extra;
        memcpy(in + n, "\r\nx\r\n0\r\n\r\n", 10);
        n += 10;
        int rc = parse_all(&p, &hdr, in, n);
        if (!extra) assert_int_equal(rc, H1P_DONE);
        else {
            assert_int_equal(rc, H1P_ERROR);
            assert_string_equal(p.err, "header line too long");
        }
    }
    /* 200 one-byte chunks with 100 bytes of extension each: over 16 KB of excess */
    size_t n = hl;
    memcpy(in, head, hl);
    for (int i = 0; i < 200; i++) { n += (size_t)sprintf(in + n, "1;%0100d\r\nx\r\n", 0); }
    memcpy(in + n, "0\r\n\r\n", 5);
    assert_int_equal(parse_all(&p, &hdr, in, n + 5), H1P_ERROR);
    assert_string_equal(p.err, "chunked encoding contains too much non-data");
    assert_int_equal(p.head_err, 0);
    /* the same extensions on 64-byte chunks: 16 + 2*64 a chunk covers them */
    n = hl;
    for (int i = 0; i < 200; i++) {
        n += (size_t)sprintf(in + n, "40;%0100d\r\n", 0);
        memset(in + n, 'd', 64);
        n += 64;
        memcpy(in + n, "\r\n", 2);
        n += 2;
    }
    memcpy(in + n, "0\r\n\r\n", 5);
    assert_int_equal(parse_all(&p, &hdr, in, n + 5), H1P_DONE);
    /* a trailer section: 4096 bytes with its CR LF CR LF fit, 4097 do not; the
     * head is left as it was */
    for (size_t extra = 0; extra < 2; extra++) {
        memcpy(in, head, hl);
        n = hl;
        memcpy(in + n, "0\r\nX-T: ", 8);
        n += 8;
        memset(in + n, 't', 4096 - 5 - 4 + extra);
        n += 4096 - 5 - 4 + extra;
        memcpy(in + n, "\r\n\r\n", 4);
        n += 4;
        int rc = parse_all(&p, &hdr, in, n);
        if (!extra) {
            assert_int_equal(rc, H1P_DONE);
            assert_int_equal(hdr.len, hl);
            assert_memory_equal(hdr.p, head, hl);
        } else {
            assert_int_equal(rc, H1P_ERROR);
            assert_string_equal(p.err, "http: suspiciously long trailer after chunked body");
        }
    }
    /* an endless trailer stops at 4096 bytes */
    memcpy(in, head, hl);
    memcpy(in + hl, "0\r\n", 3);
    memset(in + hl + 3, 'a', cap - hl - 3);
    assert_int_equal(parse_all(&p, &hdr, in, cap), H1P_ERROR);
    assert_true(hdr.cap <= 2 * (hl + 4096) + 256);
    /* error texts with a list: the values as Go's textproto has them, NUL-ended */
    const char *two = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX: y\r\ncontent-length:  6 \r\n\r\n";
    assert_int_equal(parse_all(&p, &hdr, two, strlen(two)), H1P_ERROR);
    assert_int_equal(p.head_err, 1);
    assert_int_equal(p.err_quote, 2);
    assert_int_equal(p.err_arg_len, 4);
    assert_memory_equal(p.err_arg,
                        "5\0"
                        "6\0",
                        4);
    const char *te = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: a\r\n  b\r\n\r\n";
    assert_int_equal(parse_all(&p, &hdr, te, strlen(te)), H1P_ERROR);
    assert_string_equal(p.err, "too many transfer encodings: ");
    assert_int_equal(p.err_arg_len, 12);
    assert_memory_equal(p.err_arg,
                        "chunked\0"
                        "a b\0",
                        12);
    const char *bad = "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n";
    assert_int_equal(parse_all(&p, &hdr, bad, strlen(bad)), H1P_ERROR);
    assert_string_equal(p.err, "bad Content-Length ");
    assert_int_equal(p.err_quote, 1);
    assert_memory_equal(p.err_arg, "-1", 2);
    /* the list is built in hdr past the head: whatever room hdr has left (a
     * realloc midway, which fuzz_h1_parse caught reading a moved line), the
     * values come out right */
    for (size_t pad = 0; pad < 700; pad++) {
        char head[1024];
        int hn = sprintf(head,
                         "HTTP/1.1 200 OK\r\nX-Pad: %0*d\r\nContent-Length: 1\r\nX: y\r\n"
                         "Content-Length: 22\r\ncontent-length: 333\r\n\r\n",
                         (int)pad + 1, 0);
        assert_int_equal(parse_all(&p, &hdr, head, (size_t)hn), H1P_ERROR);
        assert_int_equal(p.err_quote, 2);
        assert_int_equal(p.err_arg_len, 9);
        assert_memory_equal(p.err_arg,
                            "1\0"
                            "22\0"
                            "333\0",
                            9);
        buf_free(&hdr);
    }
    /* a folded Content-Length whose continuation is blank reads as its first line */
    const char *fold = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n \r\n\r\nok";
    assert_int_equal(parse_all(&p, &hdr, fold, strlen(fold)), H1P_DONE);
    assert_int_equal(p.content_length, 2);
    assert_int_equal(hdr.len, strlen(fold) - 2);
    /* ... and equals a second, unfolded one (TrimString'd values compared) */
    const char *fold2 = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n \r\nContent-Length: 2\r\n\r\nok";
    assert_int_equal(parse_all(&p, &hdr, fold2, strlen(fold2)), H1P_DONE);
    assert_int_equal(p.content_length, 2);
    const char *fold3 = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n \r\nContent-Length: 3\r\n\r\nok";
    assert_int_equal(parse_all(&p, &hdr, fold3, strlen(fold3)), H1P_ERROR);
    assert_memory_equal(p.err_arg,
                        "2 \0"
                        "3\0",
                        5);
    buf_free(&hdr);
    free(in);
}

/* Parses head (a HEAD response: framing read, no body) whole, then one byte
 * at a time; both must give rc and, done, the same content_length. */
static int parse_head_twice(const char *head, int64_t *cl) {
    buf hdr = {0};
    h1_parser p;
    size_t used, len = strlen(head);
    h1_parser_init(&p, &hdr, 1, NULL, NULL);
    int rc = h1_parse(&p, head, len, &used);
    int64_t whole = p.content_length;
    h1_parser_init(&p, &hdr, 1, NULL, NULL);
    int rc1 = H1P_AGAIN;
    for (size_t i = 0; i < len && rc1 == H1P_AGAIN; i++) rc1 = h1_parse(&p, head + i, 1, &used);
    assert_int_equal(rc, rc1);
    if (rc == H1P_DONE) assert_true(whole == p.content_length);
    *cl = whole;
    buf_free(&hdr);
    return rc;
}

/* Content-Length values as Go's parseContentLength reads them
 * (net/http/transfer.go: strconv.ParseUint(TrimString(v), 10, 63)): the
 * short all-digit ones h1_parse reads at once, and those next to its edges
 * (18 digits, 19, 2^63-1, leading zeros, a byte that is no digit). */
static void test_content_length_values(void **state) {
    (void)state;
    static const struct {
        const char *v;
        int ok;
        int64_t want;
    } cases[] = {
        {"0", 1, 0},
        {"7", 1, 7},
        {"134", 1, 134},
        {" 42 ", 1, 42},
        {"999999999999999999", 1, 999999999999999999LL},   /* 18 digits */
        {"1000000000000000000", 1, 1000000000000000000LL}, /* 19 */
        {"9223372036854775807", 1, INT64_MAX},
        {"0000000000000000000000042", 1, 42},
        {"00000000000000000", 1, 0},
        {"9223372036854775808", 0, 0},
        {"99999999999999999999", 0, 0},
        {"12a", 0, 0},
        {"1 2", 0, 0},
        {"1/", 0, 0}, /* '/' and ':' border the digits */
        {"1:", 0, 0},
        {"+1", 0, 0},
        {"-0", 0, 0},
    };
    for (size_t i = 0; i < N(cases); i++) {
        char head[128];
        snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Length: %s\r\n\r\n", cases[i].v);
        int64_t cl = -2;
        int rc = parse_head_twice(head, &cl);
        if (rc != (cases[i].ok ? H1P_DONE : H1P_ERROR) || (cases[i].ok && cl != cases[i].want)) {
            print_error("Content-Length '%s': rc %d cl %lld\n", cases[i].v, rc, (long long)cl);
            fail();
        }
    }
}

/* Every byte in a header name, at its start, middle and end, in names of
 * 16 bytes (read sixteen at a time) and 20 (byte by byte): a name is fine
 * when each byte is an RFC 7230 token byte (Go's validHeaderFieldByte,
 * net/textproto/reader.go) or the space Go tolerates (its issue 34540); any
 * other byte is "malformed MIME header line: ". Control bytes, DEL and ':'
 * end the name elsewhere and are left out. */
static void test_name_bytes(void **state) {
    (void)state;
    static const char tok[] = "!#$%&'*+-.^_`|~";
    static const size_t lens[] = {16, 20};
    static const size_t at[] = {0, 7, 15};
    for (size_t li = 0; li < N(lens); li++)
        for (size_t ai = 0; ai < N(at); ai++)
            for (int b = 0x20; b < 0x100; b++) {
                if (b == ':' || b == 0x7f || (b == ' ' && at[ai] == 0)) continue; /* a leading blank folds */
                char name[32], head[128];
                memset(name, 'a', lens[li]);
                name[lens[li]] = 0;
                name[at[ai]] = (char)b;
                int want = (b >= '0' && b <= '9') || ((b | 0x20) >= 'a' && (b | 0x20) <= 'z') || b == ' ' ||
                           (b < 0x80 && strchr(tok, b) != NULL);
                snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\n%s: v\r\nContent-Length: 0\r\n\r\n", name);
                int64_t cl;
                int rc = parse_head_twice(head, &cl);
                if (rc != (want ? H1P_DONE : H1P_ERROR)) {
                    print_error("name byte 0x%02x at %zu of %zu: rc %d\n", b, at[ai], lens[li], rc);
                    fail();
                }
            }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ok),
        cmocka_unit_test(test_chunked),
        cmocka_unit_test(test_nobody),
        cmocka_unit_test(test_bad),
        cmocka_unit_test(test_oversize),
        cmocka_unit_test(test_callback_abort),
        cmocka_unit_test(test_interim_counted),
        cmocka_unit_test(test_field_text),
        cmocka_unit_test(test_reuse),
        cmocka_unit_test(test_status_shapes),
        cmocka_unit_test(test_set_cookie_flag),
        cmocka_unit_test(test_go_limits),
        cmocka_unit_test(test_scan_boundaries),
        cmocka_unit_test(test_content_length_values),
        cmocka_unit_test(test_name_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
