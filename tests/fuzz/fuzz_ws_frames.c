/* WebSocket frame reader (net/ws_proto.c) as the client (unmasked frames
 * expected) or the target (masked), fed in random pieces; every message it
 * gives is checked (UTF-8 of text, close payloads) as ws.c would.
 * Input: byte 0 = flags (bit 0: server side), bytes 1-4 = piece-size
 * seed, the rest = the byte stream.
 * FUZZ_ARGS: -max_len=16384 */
#include "fuzz.h"
#include "net/ws_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fz_in in = {data, size};
    uint8_t flags = fz_u8(&in);
    uint32_t seed = fz_u32(&in) | 1;
    ws_reader r;
    memset(&r, 0, sizeof r);
    r.server = flags & 1;
    size_t off = 0;
    int done = 0;
    while (off < in.n && !done) {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        size_t n = 1 + seed % 300;
        if (n > in.n - off) n = in.n - off;
        if (ws_reader_feed(&r, in.p + off, n)) break;
        off += n;
        ws_msg m;
        int rc;
        while ((rc = ws_reader_next(&r, &m)) == 1) {
            if (m.len && !m.data) abort();
            if (m.len) {
                volatile uint8_t x = m.data[0] ^ m.data[m.len - 1];
                (void)x;
            }
            if (r.server && m.opcode == WS_OP_TEXT && !ws_utf8_valid(m.data, m.len))
                abort(); /* the client takes any text */
            if (m.opcode >= WS_OP_CLOSE && m.len > 125) abort();
            if (m.opcode == WS_OP_CLOSE && m.len >= 2) ws_close_code_valid(m.data[0] << 8 | m.data[1]);
            if (m.len > WS_MAX_MESSAGE) abort();
        }
        if (rc < 0) {
            if (!r.err[0] || r.err_code < 1000) abort();
            done = 1;
        }
    }
    ws_reader_free(&r);
    /* the helpers on the raw input */
    ws_utf8_valid(data, size);
    uint8_t hdr[WS_MAX_HEADER];
    if (ws_frame_header(hdr, WS_OP_BINARY, size, size >= 4 ? data : NULL) > WS_MAX_HEADER) abort();
    char acc[29];
    ws_accept_for((const char *)data, size, acc);
    return 0;
}
