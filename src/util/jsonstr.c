/* JSON string literals in the escapings of the encoders c6 imitates (see
 * jsonstr.h). */
#include "util/jsonstr.h"

#include <stdint.h>
#include <string.h>

#include "util/utf8.h"

int json_string(buf *b, const char *str, size_t n, json_esc mode) {
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)str;
    if (buf_reserve(b, n + 2)) return -1;
    b->p[b->len++] = '"';
    size_t run = 0; /* start of the bytes not yet copied */
    for (size_t i = 0; i < n;) {
        unsigned char c = s[i];
        char esc[8];
        size_t elen = 0, skip = 1;
        if (c < 0x80) {
            if (c >= 0x20 && c != '"' && c != '\\' &&
                !(mode == JSON_ESC_EASYJSON && (c == '<' || c == '>' || c == '&'))) {
                i++;
                continue;
            }
            const char *shortf = NULL;
            switch (c) {
            case '"': shortf = "\\\""; break;
            case '\\': shortf = "\\\\"; break;
            case '\n': shortf = "\\n"; break;
            case '\r': shortf = "\\r"; break;
            case '\t': shortf = "\\t"; break;
            case '\b':
                if (mode != JSON_ESC_EASYJSON) shortf = "\\b";
                break;
            case '\f':
                if (mode != JSON_ESC_EASYJSON) shortf = "\\f";
                break;
            }
            if (shortf) {
                elen = strlen(shortf);
                memcpy(esc, shortf, elen);
            } else {
                memcpy(esc, "\\u00", 4);
                esc[4] = hex[c >> 4];
                esc[5] = hex[c & 15];
                elen = 6;
            }
        } else {
            uint32_t cp = 0;
            size_t len = utf8_decode(s + i, n - i, &cp);
            if (c == 0xC0 && i + 1 < n && (unsigned char)s[i + 1] == 0x80 && mode != JSON_ESC_BYTES) {
                /* a NUL kept in a C string (js/vm.h VM_TAG_NUL) */
                memcpy(esc, "\\u0000", 6);
                elen = 6;
                skip = 2;
            } else if (len == 0) {
                if (mode == JSON_ESC_JS) {
                    memcpy(esc, "\xEF\xBF\xBD", 3);
                    elen = 3;
                } else if (mode == JSON_ESC_BYTES) {
                    memcpy(esc, "\\u00", 4);
                    esc[4] = hex[c >> 4];
                    esc[5] = hex[c & 15];
                    elen = 6;
                } else {
                    memcpy(esc, "\\ufffd", 6);
                    elen = 6;
                }
            } else if ((mode == JSON_ESC_EASYJSON || mode == JSON_ESC_GO) && (cp == 0x2028 || cp == 0x2029)) {
                memcpy(esc, cp == 0x2028 ? "\\u2028" : "\\u2029", 6);
                elen = 6;
                skip = len;
            } else {
                i += len;
                continue;
            }
        }
        if (buf_reserve(b, (i - run) + elen + (n - i) + 1)) return -1;
        memcpy(b->p + b->len, s + run, i - run);
        b->len += i - run;
        memcpy(b->p + b->len, esc, elen);
        b->len += elen;
        i += skip;
        run = i;
    }
    if (buf_reserve(b, (n - run) + 1)) return -1;
    memcpy(b->p + b->len, s + run, n - run);
    b->len += n - run;
    b->p[b->len++] = '"';
    b->p[b->len] = 0;
    return 0;
}
