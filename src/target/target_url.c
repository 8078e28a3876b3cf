/* Percent-encoding for the target server: query and form values decoded,
 * URLs and cookie values re-encoded. Written for untrusted request data:
 * explicit lengths, any byte sequence tolerated. */
#include "target/target.h"

#include <string.h>

/* Value of a hex digit or -1; for percent-decoding. */
static int target_hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

size_t target_url_decode(char *s, size_t n, int plus)
{
    size_t i, o = 0;
    int hi, lo;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c == '%' && i + 2 < n &&
            (hi = target_hexval((unsigned char)s[i + 1])) >= 0 &&
            (lo = target_hexval((unsigned char)s[i + 2])) >= 0) {
            c = (unsigned char)(hi << 4 | lo);
            i += 2;
        } else if (c == '+' && plus) {
            c = ' ';
        }
        s[o++] = (char)c;
    }
    return o;
}

void target_url_encode(docbuf *b, const char *s, size_t n, const char *keep)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char e[3] = {'%', hex[c >> 4], hex[c & 15]};

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
            c == '~' || (c && keep && strchr(keep, c)))
            doc_putc(b, (char)c);
        else
            doc_put(b, e, 3);
    }
}
