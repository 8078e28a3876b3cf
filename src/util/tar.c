/* tar.c - see tar.h. Header layout (POSIX ustar): name 0..100, mode 100,
 * uid 108, gid 116, size 124 (12), mtime 136 (12), chksum 148 (8),
 * typeflag 156, linkname 157..257, magic 257 (6), version 263 (2),
 * uname 265 (32), gname 297 (32), devmajor 329, devminor 337, prefix 345..500. */
#include "util/tar.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

void tar_reader_init(tar_reader *r, const void *data, size_t len) {
    r->p = data;
    r->len = len;
    r->off = 0;
}

void tar_entry_free(tar_entry *e) {
    free(e->name);
    free(e->linkname);
    memset(e, 0, sizeof *e);
}

static bool tar_zero_block(const uint8_t *b) {
    for (int i = 0; i < TAR_BLOCK; i++)
        if (b[i]) return false;
    return true;
}

/* A numeric field: octal digits (spaces and NULs around them), or
 * base-256 when the first byte has its high bit set (GNU, Go for big
 * values). -1 when it is neither. */
static int64_t tar_number(const uint8_t *f, size_t n) {
    if (n && (f[0] & 0x80)) {
        if (f[0] & 0x40) return -1; /* negative: not for sizes or modes */
        uint64_t v = f[0] & 0x3f;
        for (size_t i = 1; i < n; i++) {
            if (v >> 55) return -1;
            v = v << 8 | f[i];
        }
        return (int64_t)v;
    }
    size_t i = 0;
    while (i < n && (f[i] == ' ' || f[i] == 0)) i++;
    if (i == n) return 0;
    uint64_t v = 0;
    for (; i < n && f[i] >= '0' && f[i] <= '7'; i++) {
        if (v >> 60) return -1;
        v = v * 8 + (uint64_t)(f[i] - '0');
    }
    for (; i < n; i++)
        if (f[i] != ' ' && f[i] != 0) return -1;
    return (int64_t)v;
}

/* Go accepts a header whose checksum is the unsigned or the signed sum of
 * its bytes, the checksum field counted as spaces. */
static bool tar_checksum_ok(const uint8_t *b) {
    int64_t want = tar_number(b + 148, 8);
    if (want < 0) return false;
    int64_t u = 0, s = 0;
    for (int i = 0; i < TAR_BLOCK; i++) {
        uint8_t c = i >= 148 && i < 156 ? ' ' : b[i];
        u += c;
        s += (int8_t)c;
    }
    return want == u || want == s;
}

bool tar_is_archive(const void *data, size_t len) {
    const uint8_t *b = data;
    return len >= TAR_BLOCK && !tar_zero_block(b) && tar_checksum_ok(b);
}

static char *tar_field(const uint8_t *f, size_t n) {
    size_t l = 0;
    while (l < n && f[l]) l++;
    char *s = malloc(l + 1);
    if (!s) return NULL;
    memcpy(s, f, l);
    s[l] = 0;
    return s;
}

static char *tar_strndup(const uint8_t *p, size_t n) {
    char *s = malloc(n + 1);
    if (!s) return NULL;
    memcpy(s, p, n);
    s[n] = 0;
    return s;
}

/* PAX records "LEN key=value\n": path, linkpath and size are the ones k6's
 * archives can need. */
static int tar_pax(const uint8_t *p, size_t n, char **path, char **link, int64_t *size, char *err, size_t errlen) {
    size_t off = 0;
    while (off < n) {
        size_t len = 0, i = off;
        while (i < n && p[i] >= '0' && p[i] <= '9' && len < n) len = len * 10 + (size_t)(p[i++] - '0');
        if (i >= n || p[i] != ' ' || len == 0 || len > n - off || p[off + len - 1] != '\n')
            return err_set(err, errlen, "archive/tar: invalid tar header");
        const uint8_t *kv = p + i + 1, *end = p + off + len - 1;
        const uint8_t *eq = memchr(kv, '=', (size_t)(end - kv));
        if (!eq) return err_set(err, errlen, "archive/tar: invalid tar header");
        size_t kl = (size_t)(eq - kv), vl = (size_t)(end - eq - 1);
        char **dst = kl == 4 && !memcmp(kv, "path", 4) ? path : kl == 8 && !memcmp(kv, "linkpath", 8) ? link : NULL;
        if (dst) {
            free(*dst);
            if (!(*dst = tar_strndup(eq + 1, vl))) return err_set(err, errlen, "out of memory");
        } else if (kl == 4 && !memcmp(kv, "size", 4)) {
            int64_t v = 0;
            for (size_t k = 0; k < vl; k++) {
                if (eq[1 + k] < '0' || eq[1 + k] > '9' || v > (INT64_MAX - 9) / 10)
                    return err_set(err, errlen, "archive/tar: invalid tar header");
                v = v * 10 + (eq[1 + k] - '0');
            }
            *size = v;
        }
        off += len;
    }
    return 0;
}

int tar_next(tar_reader *r, tar_entry *e, char *err, size_t errlen) {
    memset(e, 0, sizeof *e);
    char *long_name = NULL, *long_link = NULL;
    int64_t pax_size = -1;
    int rc = -1;
    for (;;) {
        if (r->len - r->off < TAR_BLOCK) { /* Go: io.EOF at a clean end, ErrUnexpectedEOF in a block */
            if (r->off == r->len && !long_name && !long_link) rc = 0;
            else err_set(err, errlen, "unexpected EOF");
            break;
        }
        const uint8_t *b = r->p + r->off;
        if (tar_zero_block(b)) {
            rc = 0;
            break;
        } /* the end marker */
        if (!tar_checksum_ok(b)) {
            err_set(err, errlen, "archive/tar: invalid tar header");
            break;
        }
        int64_t size = tar_number(b + 124, 12);
        if (size < 0) {
            err_set(err, errlen, "archive/tar: invalid tar header");
            break;
        }
        char type = (char)b[156];
        if (pax_size >= 0 && type != 'x' && type != 'g' && type != 'L' && type != 'K') size = pax_size;
        /* directories and links carry no data, whatever their size field says */
        size_t dsize = type == '1' || type == '2' || type == '5' ? 0 : (size_t)size;
        size_t padded = (dsize + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK;
        if ((uint64_t)size > r->len || padded > r->len - r->off - TAR_BLOCK) {
            err_set(err, errlen, "unexpected EOF");
            break;
        }
        const uint8_t *data = b + TAR_BLOCK;
        r->off += TAR_BLOCK + padded;
        if (type == 'x') {
            if (tar_pax(data, dsize, &long_name, &long_link, &pax_size, err, errlen)) break;
            continue;
        }
        if (type == 'g') continue; /* global PAX records: nothing k6 archives need */
        if (type == 'L' || type == 'K') {
            char **dst = type == 'L' ? &long_name : &long_link;
            free(*dst);
            size_t l = 0;
            while (l < dsize && data[l]) l++;
            if (!(*dst = tar_strndup(data, l))) {
                err_set(err, errlen, "out of memory");
                break;
            }
            continue;
        }
        e->type = type;
        e->mode = tar_number(b + 100, 8);
        e->mtime = tar_number(b + 136, 12);
        e->data = data;
        e->size = dsize;
        if (long_name) {
            e->name = long_name;
            long_name = NULL;
        } else if (!memcmp(b + 257, "ustar\0", 6) && b[345]) { /* POSIX: prefix "/" name */
            char *pre = tar_field(b + 345, 155), *nm = tar_field(b, 100);
            if (pre && nm && (e->name = malloc(strlen(pre) + strlen(nm) + 2))) sprintf(e->name, "%s/%s", pre, nm);
            free(pre);
            free(nm);
        } else {
            e->name = tar_field(b, 100);
        }
        if (long_link) {
            e->linkname = long_link;
            long_link = NULL;
        } else {
            e->linkname = tar_field(b + 157, 100);
        }
        if (!e->name || !e->linkname) {
            tar_entry_free(e);
            err_set(err, errlen, "out of memory");
            break;
        }
        rc = 1;
        break;
    }
    free(long_name);
    free(long_link);
    return rc;
}

/* ---- writer ------------------------------------------------------------ */

static void tar_octal(uint8_t *f, size_t n, uint64_t v) { /* n-1 digits and a NUL, as Go */
    f[n - 1] = 0;
    for (size_t i = n - 1; i-- > 0;) {
        f[i] = (uint8_t)('0' + (v & 7));
        v >>= 3;
    }
}

static bool tar_ascii(const char *s) {
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80) return false;
    return true;
}

/* Go's splitUSTARPath: a name over 100 bytes as prefix (<= 155) "/" name (<= 100). */
static bool tar_split(const char *name, size_t *cut) {
    size_t len = strlen(name);
    if (len <= 100 || !tar_ascii(name)) return false;
    size_t l = len > 156 ? 156 : (name[len - 1] == '/' ? len - 1 : len);
    size_t i = l;
    while (i > 0 && name[i - 1] != '/') i--;
    if (i == 0) return false;
    i--; /* index of the '/' */
    size_t nlen = len - i - 1;
    if (i == 0 || nlen > 100 || nlen == 0 || i > 155) return false;
    *cut = i;
    return true;
}

static int tar_header(buf *out, const char *name, size_t namelen, const char *prefix, size_t prelen, char type,
                      int64_t mode, int64_t mtime, uint64_t size, const char *linkname) {
    uint8_t h[TAR_BLOCK] = {0};
    memcpy(h, name, namelen > 100 ? 100 : namelen);
    tar_octal(h + 100, 8, (uint64_t)mode);
    tar_octal(h + 108, 8, 0);
    tar_octal(h + 116, 8, 0);
    if (size < (1ull << 33)) {
        tar_octal(h + 124, 12, size);
    } else { /* base-256 */
        h[124] = 0x80;
        for (int i = 11; i > 0; i--, size >>= 8) h[124 + i] = (uint8_t)size;
    }
    tar_octal(h + 136, 12, mtime > 0 ? (uint64_t)mtime : 0);
    h[156] = (uint8_t)type;
    if (linkname) memcpy(h + 157, linkname, strlen(linkname) > 100 ? 100 : strlen(linkname));
    memcpy(h + 257,
           "ustar\0"
           "00",
           8);
    tar_octal(h + 329, 8, 0);
    tar_octal(h + 337, 8, 0);
    if (prelen) memcpy(h + 345, prefix, prelen);
    unsigned sum = 0;
    memset(h + 148, ' ', 8);
    for (int i = 0; i < TAR_BLOCK; i++) sum += h[i];
    tar_octal(h + 148, 7, sum); /* six digits, a NUL, and the space left there */
    return buf_append(out, h, sizeof h);
}

static int tar_data(buf *out, const void *data, size_t size) {
    static const uint8_t zeros[TAR_BLOCK];
    if (buf_append(out, data, size)) return -1;
    size_t pad = (TAR_BLOCK - size % TAR_BLOCK) % TAR_BLOCK;
    return buf_append(out, zeros, pad);
}

int tar_put(buf *out, const char *name, char type, int64_t mode, int64_t mtime, const void *data, size_t size,
            const char *linkname) {
    size_t len = strlen(name), cut = 0;
    bool link_fits = !linkname || (strlen(linkname) <= 100 && tar_ascii(linkname));
    if ((len <= 100 && tar_ascii(name)) || tar_split(name, &cut)) {
        if (link_fits) {
            int bad = cut ? tar_header(out, name + cut + 1, len - cut - 1, name, cut, type, mode, mtime, size, linkname)
                          : tar_header(out, name, len, NULL, 0, type, mode, mtime, size, linkname);
            return bad || tar_data(out, data, size) ? -1 : 0;
        }
    }
    /* PAX: an 'x' entry named dir/PaxHeaders.0/base (as Go names it) with the records */
    buf rec = {0}, pax = {0};
    const char *keys[2] = {"linkpath", "path"}; /* Go writes the records sorted by key */
    const char *vals[2] = {link_fits ? NULL : linkname, name};
    int rc = 0;
    for (int k = 0; k < 2 && !rc; k++) {
        if (!vals[k]) continue;
        size_t body = strlen(keys[k]) + strlen(vals[k]) + 3; /* " key=value\n" minus the length */
        size_t total = body + 1;
        for (;;) { /* the length counts its own digits */
            char d[24];
            size_t t = body + (size_t)snprintf(d, sizeof d, "%zu", total);
            if (t == total) break;
            total = t;
        }
        char d[24];
        snprintf(d, sizeof d, "%zu ", total);
        rc = buf_puts(&rec, d) || buf_puts(&rec, keys[k]) || buf_puts(&rec, "=") || buf_puts(&rec, vals[k]) ||
             buf_puts(&rec, "\n");
    }
    const char *slash = strrchr(name, '/');
    size_t dl = slash ? (size_t)(slash - name + 1) : 0;
    rc = rc || buf_append(&pax, name, dl) || buf_puts(&pax, "PaxHeaders.0/") || buf_puts(&pax, name + dl);
    if (!rc)
        rc = tar_header(out, pax.p, pax.len, NULL, 0, 'x', 0, 0, rec.len, NULL) || tar_data(out, rec.p, rec.len) ||
             tar_header(out, name, len, NULL, 0, type, mode, mtime, size, link_fits ? linkname : NULL) ||
             tar_data(out, data, size);
    buf_free(&rec);
    buf_free(&pax);
    return rc ? -1 : 0;
}

int tar_finish(buf *out) {
    static const uint8_t zeros[2 * TAR_BLOCK];
    return buf_append(out, zeros, sizeof zeros);
}
