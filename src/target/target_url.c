/* Percent-encoding for the target server: URLs and cookie values
 * re-encoded (query and form values are decoded by util/url.c). Written for untrusted request data:
 * explicit lengths, any byte sequence tolerated. */
#include "target/target.h"

#include <string.h>

void target_url_encode(docbuf *b, const char *s, size_t n, const char *keep) {
    static const char hex[] = "0123456789ABCDEF";
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char e[3] = {'%', hex[c >> 4], hex[c & 15]};

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
            c == '_' || c == '~' || (c && keep && strchr(keep, c)))
            doc_putc(b, (char)c);
        else doc_put(b, e, 3);
    }
}
