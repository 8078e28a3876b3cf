/* The HTTP/1 client's response body path (net/http1.c, net/body.c): the
 * parser feeding c6's own body callback (http1_on_body), which decodes the
 * Content-Encoding chain (gzip, deflate, br, zstd, lists) as the bytes
 * arrive with pooled z_streams (body.c's pool) up to the client's body
 * limit, and the end-of-body check (client_body_end), as http1_finish does;
 * a hostile server sends the response in pieces of random sizes. The callback and the pool are reached through
 * net/client_int.h; no socket or loop is involved.
 * Input: byte 0 = flags (bit 0: body discarded, bit 1: EOF at the end),
 * bytes 1-4 = piece-size seed, the rest = the response.
 * FUZZ_ARGS: -max_len=16384 -dict=@DIR@/h1_parse.dict */
#include "fuzz.h"
#include "net/client_int.h"
#include "net/h1_parse.h"

static uv_loop_t loop;
static h1_client *client;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!client) {
        uv_loop_init(&loop);
        client = h1_client_new(&loop);
        if (!client) abort();
    }
    fz_in in = {data, size};
    uint8_t flags = fz_u8(&in);
    uint32_t seed = fz_u32(&in) | 1;
    h1_host host;
    memset(&host, 0, sizeof host);
    host.c = client;
    h1_request r;
    memset(&r, 0, sizeof r);
    buf hdr = {0}, body = {0};
    r.host_ = &host;
    r.resp_headers = &hdr;
    r.resp_body = flags & 1 ? NULL : &body;
    h1_parser_init(&r.parser_, &hdr, 0, http1_on_body, &r);

    int rc = H1P_AGAIN;
    size_t off = 0;
    while (off < in.n && rc == H1P_AGAIN) {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        size_t n = 1 + (seed % 64 < 48 ? seed % 7 : seed % 4096);
        if (n > in.n - off) n = in.n - off;
        char *piece = malloc(n);
        if (!piece) abort();
        memcpy(piece, in.p + off, n);
        size_t used;
        rc = h1_parse(&r.parser_, piece, n, &used);
        free(piece);
        off += n;
    }
    if (rc == H1P_AGAIN && (flags & 2)) rc = h1_parse_eof(&r.parser_);
    if (rc == H1P_ERROR && !r.parser_.err) abort();
    r.method = "GET";
    if (rc == H1P_DONE) {
        r.status = r.parser_.status;
        client_body_end(client, &r);
    }
    client_body_release(&r);
    buf_free(&hdr);
    buf_free(&body);
    return 0;
}
