/* RFC 6455 framing (see ws_proto.h). */
#include "net/ws_proto.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include "util/base64.h"

static const char ws_guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

void ws_accept_for(const char *key, size_t keylen, char out[29]) {
    uint8_t md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    if (!c || !EVP_DigestInit_ex(c, EVP_sha1(), NULL) || !EVP_DigestUpdate(c, key, keylen) ||
        !EVP_DigestUpdate(c, ws_guid, sizeof ws_guid - 1) || !EVP_DigestFinal_ex(c, md, &mdlen) || mdlen != 20) {
        out[0] = 0; /* matches no real accept value: the handshake then fails */
    } else {
        b64_encode(md, 20, B64_STD, out);
    }
    EVP_MD_CTX_free(c);
}

void ws_new_key(char out[25]) {
    uint8_t raw[16];
    if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw) {
        /* the key only has to differ between connections: the clock will do */
        uint64_t t = (uint64_t)time(NULL) ^ (uint64_t)clock();
        for (size_t i = 0; i < sizeof raw; i++) raw[i] = (uint8_t)(t >> (i % 8 * 8)) ^ (uint8_t)i;
    }
    b64_encode(raw, sizeof raw, B64_STD, out);
}

size_t ws_frame_header(uint8_t *out, int opcode, uint64_t len, const uint8_t *mask) {
    size_t n = 0;
    out[n++] = (uint8_t)(0x80 | (opcode & 0x0f));
    uint8_t m = mask ? 0x80 : 0;
    if (len < 126) {
        out[n++] = (uint8_t)(m | len);
    } else if (len <= 0xffff) {
        out[n++] = m | 126;
        out[n++] = (uint8_t)(len >> 8);
        out[n++] = (uint8_t)len;
    } else {
        out[n++] = m | 127;
        for (int i = 7; i >= 0; i--) out[n++] = (uint8_t)(len >> (i * 8));
    }
    if (mask) {
        memcpy(out + n, mask, 4);
        n += 4;
    }
    return n;
}

void ws_mask(uint8_t *p, size_t n, const uint8_t key[4], size_t off) {
    for (size_t i = 0; i < n; i++) p[i] ^= key[(i + off) & 3];
}

bool ws_utf8_valid(const uint8_t *p, size_t n) {
    size_t i = 0;
    while (i < n) {
        uint8_t c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t need;
        uint32_t cp, min;
        if ((c & 0xe0) == 0xc0) {
            need = 1;
            cp = c & 0x1f;
            min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            need = 2;
            cp = c & 0x0f;
            min = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
            need = 3;
            cp = c & 0x07;
            min = 0x10000;
        } else return false;
        if (n - i <= need) return false;
        for (size_t k = 1; k <= need; k++) {
            if ((p[i + k] & 0xc0) != 0x80) return false;
            cp = cp << 6 | (p[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
        i += need + 1;
    }
    return true;
}

bool ws_close_code_valid(int code) {
    if (code >= 3000 && code <= 4999) return true; /* registered and private use */
    return code >= 1000 && code <= 1014 && code != 1004 && code != 1005 && code != 1006;
}

int ws_reader_feed(ws_reader *r, const void *p, size_t n) {
    /* drop the consumed prefix before growing, so a long session does not keep it */
    if (r->off && r->off == r->in.len) {
        r->in.len = 0;
        r->off = 0;
    } else if (r->off > 65536 && r->off * 2 > r->in.len) {
        memmove(r->in.p, r->in.p + r->off, r->in.len - r->off);
        r->in.len -= r->off;
        r->off = 0;
    }
    return buf_append(&r->in, p, n);
}

static int ws_fail(ws_reader *r, int code, const char *why) {
    snprintf(r->err, sizeof r->err, "%s", why);
    r->err_code = code;
    r->err_no_close = false;
    return -1;
}

int ws_reader_next(ws_reader *r, ws_msg *m) {
    for (;;) {
        if (r->err[0]) return -1;
        size_t avail = r->in.len - r->off;
        if (avail < 2) return 0; /* also before anything came: in.p is NULL */
        uint8_t *p = (uint8_t *)r->in.p + r->off;
        int fin = p[0] & 0x80, op = p[0] & 0x0f, masked = p[1] & 0x80;
        uint64_t len = p[1] & 0x7f;
        size_t h = 2;
        if (len == 126) {
            if (avail < 4) return 0;
            len = (uint64_t)p[2] << 8 | p[3];
            h = 4;
        } else if (len == 127) {
            if (avail < 10) return 0;
            len = 0;
            for (int i = 0; i < 8; i++) len = len << 8 | p[2 + i];
            h = 10;
        }
        if (p[0] & 0x70) return ws_fail(r, WS_CLOSE_PROTOCOL, "reserved bits set in a frame (no extension was agreed)");
        if (masked != (r->server ? 0x80 : 0))
            return ws_fail(r, WS_CLOSE_PROTOCOL,
                           r->server ? "unmasked frame from the client" : "masked frame from the server");
        bool control = op >= 8;
        if (control && (op > WS_OP_PONG)) return ws_fail(r, WS_CLOSE_PROTOCOL, "unknown control opcode");
        if (!control && op > WS_OP_BINARY) return ws_fail(r, WS_CLOSE_PROTOCOL, "unknown data opcode");
        if (control && (!fin || len > 125))
            return ws_fail(r, WS_CLOSE_PROTOCOL, "fragmented or oversized control frame");
        if (len >> 63) {
            /* gorilla/websocket (k6's) takes it for a negative length: its
             * read limit error, without a close frame (conn.go setReadRemaining) */
            ws_fail(r, WS_CLOSE_TOO_BIG, "read limit exceeded");
            r->err_no_close = true;
            return -1;
        }
        if (masked) h += 4;
        if (len > WS_MAX_MESSAGE || r->msg.len + len > WS_MAX_MESSAGE) {
            /* refused once more than the limit has come, not on the length
             * alone: a peer that announces more and stops short ends as it
             * does in k6, with the end of the stream */
            if (avail > h && r->msg.len + (avail - h) > WS_MAX_MESSAGE)
                return ws_fail(r, WS_CLOSE_TOO_BIG, "message larger than 64 MB");
            return 0;
        }
        if (avail < h + len) return 0;
        uint8_t *payload = p + h;
        if (masked) ws_mask(payload, (size_t)len, p + h - 4, 0);
        r->off += h + (size_t)len;
        if (control) {
            memcpy(r->ctl, payload, (size_t)len);
            *m = (ws_msg){op, r->ctl, (size_t)len};
            return 1;
        }
        if (op == WS_OP_CONT && !r->msg_op)
            return ws_fail(r, WS_CLOSE_PROTOCOL, "continuation frame without a message to continue");
        if (op != WS_OP_CONT && r->msg_op)
            return ws_fail(r, WS_CLOSE_PROTOCOL, "new message before the previous one was finished");
        if (op != WS_OP_CONT && fin) { /* unfragmented: straight from the input buffer */
            if (op == WS_OP_TEXT && r->server && !ws_utf8_valid(payload, (size_t)len))
                return ws_fail(r, WS_CLOSE_BAD_DATA, "text message is not valid UTF-8");
            *m = (ws_msg){op, payload, (size_t)len};
            return 1;
        }
        if (op != WS_OP_CONT) {
            r->msg_op = op;
            buf_clear(&r->msg);
        }
        if (buf_append(&r->msg, payload, (size_t)len)) return ws_fail(r, WS_CLOSE_TOO_BIG, "out of memory");
        if (!fin) continue;
        op = r->msg_op;
        r->msg_op = 0;
        if (op == WS_OP_TEXT && r->server && !ws_utf8_valid((uint8_t *)r->msg.p, r->msg.len))
            return ws_fail(r, WS_CLOSE_BAD_DATA, "text message is not valid UTF-8");
        *m = (ws_msg){op, (uint8_t *)r->msg.p, r->msg.len};
        return 1;
    }
}

void ws_reader_free(ws_reader *r) {
    buf_free(&r->in);
    buf_free(&r->msg);
    r->off = 0;
}
