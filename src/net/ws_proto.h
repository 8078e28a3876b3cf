/* RFC 6455 framing shared by the k6/ws client (net/ws.c) and the test
 * target's WebSocket endpoints (target/target_ws.c): handshake keys, frame
 * headers, masking, UTF-8 checks and an incremental frame reader that puts
 * fragmented messages back together. No I/O here. */
#ifndef C6_WS_PROTO_H
#define C6_WS_PROTO_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "util/buf.h"

enum ws_opcode { WS_OP_CONT = 0, WS_OP_TEXT = 1, WS_OP_BINARY = 2, WS_OP_CLOSE = 8, WS_OP_PING = 9, WS_OP_PONG = 10 };

/* Close codes the protocol itself uses. */
enum {
    WS_CLOSE_NORMAL = 1000,
    WS_CLOSE_GOING_AWAY = 1001,
    WS_CLOSE_PROTOCOL = 1002,
    WS_CLOSE_NO_STATUS = 1005,
    WS_CLOSE_ABNORMAL = 1006,
    WS_CLOSE_BAD_DATA = 1007,
    WS_CLOSE_TOO_BIG = 1009
};

#define WS_MAX_HEADER  14          /* 2 + 8 (length) + 4 (mask) */
#define WS_MAX_MESSAGE (64u << 20) /* a larger message is refused with 1009 once its bytes came */

/* Sec-WebSocket-Accept for a Sec-WebSocket-Key: base64(SHA-1(key + GUID)); out gets 28 chars + NUL. */
void ws_accept_for(const char *key, size_t keylen, char out[29]);
/* A fresh random Sec-WebSocket-Key (base64 of 16 random bytes; 24 chars + NUL). */
void ws_new_key(char out[25]);
/* Writes a frame header for a final frame of `len` payload bytes into out
 * (WS_MAX_HEADER bytes); mask (4 bytes) or NULL. Returns its length. */
size_t ws_frame_header(uint8_t *out, int opcode, uint64_t len, const uint8_t *mask);
/* XORs p[0..n) with key, starting at key position `off` (0..3). */
void ws_mask(uint8_t *p, size_t n, const uint8_t key[4], size_t off);
/* Whether p[0..n) is well-formed UTF-8 (no surrogates, no overlongs). */
bool ws_utf8_valid(const uint8_t *p, size_t n);
/* Whether a peer may send this code in a close frame (RFC 6455 7.4). */
bool ws_close_code_valid(int code);

/* One message or control frame taken out of the byte stream. */
typedef struct ws_msg {
    int opcode;          /* TEXT, BINARY, CLOSE, PING or PONG */
    const uint8_t *data; /* valid until the next ws_reader_next call */
    size_t len;
} ws_msg;

typedef struct ws_reader {
    bool server;       /* frames must be masked (a server reads a client); else they must not be.
                             * Text must be UTF-8 only for a server: the k6/ws client takes text as
                             * it comes, as gorilla/websocket (k6's) does not check it */
    buf in;            /* bytes received, not yet consumed */
    size_t off;        /* consumed prefix of `in` */
    buf msg;           /* fragments of the message being reassembled */
    int msg_op;        /* its opcode; 0: none in progress */
    uint8_t ctl[125];  /* last control frame's payload */
    char err[128];     /* why the stream was refused */
    int err_code;      /* close code to send for it */
    bool err_no_close; /* ... unless this is set: gorilla/websocket (k6's client) sends no
                             * close frame for it (a 64-bit length with the top bit set) */
} ws_reader;

/* Appends received bytes; -1 when out of memory. */
int ws_reader_feed(ws_reader *r, const void *p, size_t n);
/* 1: m is the next message or control frame; 0: more bytes are needed;
 * -1: protocol error (r->err and r->err_code say which). A text message's
 * UTF-8 is checked here. */
int ws_reader_next(ws_reader *r, ws_msg *m);
void ws_reader_free(ws_reader *r);

#endif
