/* multipart/form-data request bodies for the echo routes (RFC 7578 on RFC
 * 2046's framing): the boundary from the Content-Type, then each part's
 * Content-Disposition name and filename and its Content-Type. Parsing works
 * in place on the caller's copy of the body: quoted names are unescaped
 * there, and the parts point into it. */
#include "target/target.h"

#include <string.h>
#include <strings.h>

int target_multipart_boundary(const char *ctype, const char **b, size_t *bl) {
    static const char mp[] = "multipart/form-data";
    const char *p;

    if (!ctype || strncasecmp(ctype, mp, sizeof(mp) - 1) != 0) return 0;
    for (p = ctype + sizeof(mp) - 1; (p = strchr(p, ';')) != NULL;) {
        p++;
        while (*p == ' ' || *p == '\t') p++;
        if (strncasecmp(p, "boundary=", 9) != 0) continue;
        p += 9;
        if (*p == '"') {
            const char *q = strchr(++p, '"');

            if (!q) return 0;
            *bl = (size_t)(q - p);
        } else {
            *bl = strcspn(p, "; \t");
        }
        *b = p;
        return *bl > 0 && *bl <= 70;
    }
    return 0;
}

static const char *target_find(const char *p, const char *end, const char *s, size_t n) {
    return p <= end ? memmem(p, (size_t)(end - p), s, n) : NULL;
}

/* Reads the value of a header parameter at *p (token or quoted string,
 * backslash escapes removed in place); *p moves past it. */
static void target_param_value(char **p, char *end, const char **v, size_t *vl) {
    char *s = *p, *w;

    if (s < end && *s == '"') {
        *v = w = ++s;
        while (s < end && *s != '"') {
            if (*s == '\\' && s + 1 < end) s++;
            *w++ = *s++;
        }
        *vl = (size_t)(w - *v);
        *p = s < end ? s + 1 : s;
        return;
    }
    *v = s;
    while (s < end && *s != ';' && *s != ' ' && *s != '\t') s++;
    *vl = (size_t)(s - *v);
    *p = s;
}

/* Content-Disposition: form-data; name="a"; filename="b" */
static void target_disposition(char *p, char *end, struct target_part *part) {
    while (p < end) {
        char *key;
        const char *v;
        size_t vl, kl;

        while (p < end && (*p == ';' || *p == ' ' || *p == '\t')) p++;
        for (key = p; p < end && *p != '=' && *p != ';'; p++)
            ;
        if (p >= end || *p == ';') continue; /* a parameter without a value: "form-data" */
        kl = (size_t)(p - key);
        while (kl && (key[kl - 1] == ' ' || key[kl - 1] == '\t')) kl--;
        p++;
        target_param_value(&p, end, &v, &vl);
        if (kl == 4 && strncasecmp(key, "name", 4) == 0) {
            part->name = v;
            part->name_len = vl;
        } else if (kl == 8 && strncasecmp(key, "filename", 8) == 0) {
            part->filename = v;
            part->filename_len = vl;
            part->has_filename = 1;
        }
        while (p < end && *p != ';') p++;
    }
}

static void target_part_headers(char *h, char *end, struct target_part *part) {
    while (h < end) {
        char *eol = (char *)target_find(h, end, "\r\n", 2);
        char *colon;

        if (!eol) eol = end;
        colon = memchr(h, ':', (size_t)(eol - h));

        if (colon) {
            char *v = colon + 1;
            size_t kl = (size_t)(colon - h);

            while (v < eol && (*v == ' ' || *v == '\t')) v++;
            if (kl == 19 && strncasecmp(h, "Content-Disposition", 19) == 0) {
                target_disposition(v, eol, part);
            } else if (kl == 12 && strncasecmp(h, "Content-Type", 12) == 0) {
                part->type = v;
                part->type_len = (size_t)(eol - v);
            }
        }
        h = eol + 2;
    }
}

int target_multipart_parse(char *body, size_t n, const char *b, size_t bl, struct target_part *parts, int max) {
    char delim[80];
    char *end = body + n, *p;
    int count = 0;

    if (bl + 4 > sizeof(delim)) return -1;
    memcpy(delim, "\r\n--", 4);
    memcpy(delim + 4, b, bl);
    /* the first delimiter may open the body, without the CRLF before it */
    if (n >= bl + 2 && memcmp(body, delim + 2, bl + 2) == 0) p = body + bl + 2;
    else if ((p = (char *)target_find(body, end, delim, bl + 4)) != NULL) p += bl + 4;
    else return -1;
    for (;;) {
        struct target_part part = {0};
        char *hdr_end, *next;

        if (end - p >= 2 && p[0] == '-' && p[1] == '-') return count; /* the close delimiter */
        while (p < end && (*p == ' ' || *p == '\t')) p++;
        if (end - p < 2 || p[0] != '\r' || p[1] != '\n') return -1;
        p += 2;
        if (end - p >= 2 && p[0] == '\r' && p[1] == '\n') {
            hdr_end = p; /* no headers at all */
            p += 2;
        } else {
            if (!(hdr_end = (char *)target_find(p, end, "\r\n\r\n", 4))) return -1;
            target_part_headers(p, hdr_end, &part);
            p = hdr_end + 4;
        }
        if (!(next = (char *)target_find(p, end, delim, bl + 4))) return -1;
        part.data = p;
        part.len = (size_t)(next - p);
        if (count < max) parts[count++] = part;
        p = next + bl + 4;
    }
}
