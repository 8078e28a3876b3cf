/* NTLM messages (see ntlm.h). Layouts from MS-NLMP 2.2.1 (messages),
 * 2.2.2.1 (AV pairs) and 3.3.2 (NTLMv2). */
#include "net/ntlm.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>
#include <time.h>
#include "util/base64.h"
#include "util/ossl.h"

/* NTLMSSP_NEGOTIATE_UNICODE | OEM | REQUEST_TARGET | NTLM | ALWAYS_SIGN |
 * EXTENDED_SESSIONSECURITY (0x00088207), empty domain and workstation. */
const char ntlm_negotiate_line[] = "Authorization: NTLM TlRMTVNTUAABAAAAB4IIAAAAAAAAAAAAAAAAAAAAAAA=";

enum { NTLM_UNICODE = 0x1, NTLM_OEM = 0x2, NTLM_OFFERED = 0x00088207 };

static pthread_once_t ntlm_once = PTHREAD_ONCE_INIT;
static EVP_MD *ntlm_md4;

static void ntlm_load(void) { ntlm_md4 = EVP_MD_fetch(ossl_legacy_ctx(), "MD4", NULL); }

static void ntlm_put16(uint8_t *p, unsigned v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static void ntlm_put32(uint8_t *p, uint32_t v) {
    ntlm_put16(p, v & 0xffff);
    ntlm_put16(p + 2, v >> 16);
}
static unsigned ntlm_get16(const uint8_t *p) { return (unsigned)p[0] | (unsigned)p[1] << 8; }
static uint32_t ntlm_get32(const uint8_t *p) { return ntlm_get16(p) | (uint32_t)ntlm_get16(p + 2) << 16; }

/* UTF-8 s[0..n) as UTF-16LE into out (appended); ASCII letters upper-cased
 * when upper. Bad sequences become U+FFFD. -1 out of memory. */
static int ntlm_utf16le(buf *out, const char *s, size_t n, int upper) {
    const unsigned char *p = (const unsigned char *)s, *e = p + n;
    while (p < e) {
        uint32_t cp = *p++;
        int more = cp < 0x80 ? 0 : (cp & 0xe0) == 0xc0 ? 1 : (cp & 0xf0) == 0xe0 ? 2 : (cp & 0xf8) == 0xf0 ? 3 : -1;
        if (more < 0) cp = 0xfffd;
        else if (more) {
            cp &= 0x3fu >> more;
            for (int i = 0; i < more; i++) {
                if (p >= e || (*p & 0xc0) != 0x80) {
                    cp = 0xfffd;
                    break;
                }
                cp = cp << 6 | (*p++ & 0x3f);
            }
        }
        if (upper && cp >= 'a' && cp <= 'z') cp -= 32;
        uint8_t u[4];
        size_t k = 2;
        if (cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000)) cp = 0xfffd;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            ntlm_put16(u, 0xd800 | (cp >> 10));
            ntlm_put16(u + 2, 0xdc00 | (cp & 0x3ff));
            k = 4;
        } else {
            ntlm_put16(u, cp);
        }
        if (buf_append(out, u, k)) return -1;
    }
    return 0;
}

static int ntlm_hmac_md5(const uint8_t *key, size_t kl, const void *d, size_t n, uint8_t out[16]) {
    unsigned len = 16;
    return HMAC(EVP_md5(), key, (int)kl, d, n, out, &len) ? 0 : -1;
}

int ntlm_nt_hash(const char *pass, uint8_t out[16]) {
    pthread_once(&ntlm_once, ntlm_load);
    buf u = {0};
    int rc = -1;
    if (ntlm_md4 && ntlm_utf16le(&u, pass, strlen(pass), 0) == 0 &&
        EVP_Digest(u.p ? u.p : "", u.len, out, NULL, ntlm_md4, NULL) == 1)
        rc = 0;
    if (u.p) OPENSSL_cleanse(u.p, u.len);
    buf_free(&u);
    return rc;
}

int ntlm_v2_hash(const uint8_t nt[16], const char *user, size_t ul, const char *domain, size_t dl, uint8_t out[16]) {
    buf u = {0};
    int rc = ntlm_utf16le(&u, user, ul, 1) || ntlm_utf16le(&u, domain, dl, 0)
                 ? -1
                 : ntlm_hmac_md5(nt, 16, u.p ? u.p : "", u.len, out);
    buf_free(&u);
    return rc;
}

int ntlm_v2_response(const uint8_t key[16], const uint8_t server[8], const uint8_t client[8], uint64_t time,
                     const uint8_t *info, size_t info_len, buf *nt, uint8_t lm[24]) {
    /* the blob: versions 1/1, 6 zero bytes, time, client challenge, 4 zero
     * bytes, the target info, 4 zero bytes; preceded by the server's
     * challenge for the proof */
    uint8_t head[8 + 28];
    memcpy(head, server, 8);
    memset(head + 8, 0, 28);
    head[8] = head[9] = 1;
    for (int i = 0; i < 8; i++) head[16 + i] = (uint8_t)(time >> (8 * i));
    memcpy(head + 24, client, 8);
    buf_clear(nt);
    uint8_t proof[16], zero[4] = {0};
    /* nt holds the server challenge and the blob for the proof, then the
     * proof replaces the challenge */
    if (buf_reserve(nt, 16 + 28 + info_len + 4) || buf_append(nt, head, sizeof head) ||
        buf_append(nt, info, info_len) || buf_append(nt, zero, 4))
        return -1;
    if (ntlm_hmac_md5(key, 16, nt->p, nt->len, proof)) return -1;
    memmove(nt->p + 16, nt->p + 8, nt->len - 8);
    memcpy(nt->p, proof, 16);
    nt->len += 8;
    nt->p[nt->len] = 0;
    uint8_t lmin[16];
    memcpy(lmin, server, 8);
    memcpy(lmin + 8, client, 8);
    if (ntlm_hmac_md5(key, 16, lmin, 16, lm)) return -1;
    memcpy(lm + 16, client, 8);
    return 0;
}

int ntlm_challenge(const char *hdr, size_t n, const char **data, size_t *len) {
    const char *p = hdr, *end = hdr + n;
    while (p && p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *le = eol ? eol : end;
        if (le - p > 17 && strncasecmp(p, "www-authenticate:", 17) == 0) {
            const char *v = p + 17, *ve = le;
            while (v < le && (*v == ' ' || *v == '\t')) v++;
            while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t')) ve--;
            if (ve - v >= 4 && strncasecmp(v, "ntlm", 4) == 0 && (ve - v == 4 || v[4] == ' ')) {
                for (v += 4; v < ve && *v == ' ';) v++;
                *data = v;
                *len = (size_t)(ve - v);
                return 1;
            }
        }
        p = eol ? eol + 1 : NULL;
    }
    *data = NULL;
    *len = 0;
    return 0;
}

/* The target info's MsvAvTimestamp (AV id 7), or 0. */
static uint64_t ntlm_av_timestamp(const uint8_t *info, size_t n) {
    for (size_t i = 0; i + 4 <= n;) {
        unsigned id = ntlm_get16(info + i), len = ntlm_get16(info + i + 2);
        if (id == 0 || i + 4 + len > n) break;
        if (id == 7 && len == 8) {
            uint64_t t = 0;
            for (int k = 7; k >= 0; k--) t = t << 8 | info[i + 4 + k];
            return t;
        }
        i += 4 + len;
    }
    return 0;
}

/* A security buffer (length, max length, offset) at p. */
static void ntlm_secbuf(uint8_t *p, size_t len, size_t off) {
    ntlm_put16(p, (unsigned)len);
    ntlm_put16(p + 2, (unsigned)len);
    ntlm_put32(p + 4, (uint32_t)off);
}

int ntlm_authenticate_line(const char *user, const char *pass, const char *chal, size_t chal_len, buf *out) {
    uint8_t *msg = malloc(b64_decoded_max(chal_len));
    size_t bad;
    ssize_t ml = msg ? b64_decode(chal, chal_len, B64_STD, msg, &bad) : -1;
    int rc = -1;
    buf nt = {0}, names = {0};
    if (ml < 32 || memcmp(msg, "NTLMSSP\0", 8) != 0 || ntlm_get32(msg + 8) != 2) goto out;
    uint32_t flags = ntlm_get32(msg + 20);
    const uint8_t *info = NULL;
    size_t info_len = 0;
    if (ml >= 48) {
        info_len = ntlm_get16(msg + 40);
        size_t off = ntlm_get32(msg + 44);
        if (off > (size_t)ml || info_len > (size_t)ml - off) goto out;
        info = msg + off;
    }
    /* DOMAIN\user (or DOMAIN/user): the domain goes in its own field */
    const char *sep = strpbrk(user, "\\/");
    const char *name = sep ? sep + 1 : user, *domain = sep ? user : "";
    size_t nl = strlen(name), dl = sep ? (size_t)(sep - user) : 0;
    uint8_t hash[16], key[16], client[8], lm[24];
    uint64_t t = ntlm_av_timestamp(info, info_len);
    if (!t) t = ((uint64_t)time(NULL) + 11644473600u) * 10000000u; /* 100 ns since 1601 */
    if (RAND_bytes(client, sizeof client) != 1 || ntlm_nt_hash(pass, hash) ||
        ntlm_v2_hash(hash, name, nl, domain, dl, key) ||
        ntlm_v2_response(key, msg + 24, client, t, info, info_len, &nt, lm))
        goto out;
    /* the payload: LMv2, NTLMv2, domain, user (UTF-16LE); no workstation, no session key */
    size_t doff = 64 + 24 + nt.len;
    if (ntlm_utf16le(&names, domain, dl, 0)) goto out;
    size_t dlen = names.len;
    if (ntlm_utf16le(&names, name, nl, 0)) goto out;
    size_t total = doff + names.len;
    uint8_t *m3 = calloc(1, total);
    if (!m3) goto out;
    memcpy(m3, "NTLMSSP\0", 8);
    ntlm_put32(m3 + 8, 3);
    ntlm_secbuf(m3 + 12, 24, 64);
    ntlm_secbuf(m3 + 20, nt.len, 64 + 24);
    ntlm_secbuf(m3 + 28, dlen, doff);
    ntlm_secbuf(m3 + 36, names.len - dlen, doff + dlen);
    ntlm_secbuf(m3 + 44, 0, total);
    ntlm_secbuf(m3 + 52, 0, total);
    uint32_t f = (flags & NTLM_OFFERED) | NTLM_UNICODE | 0x200;
    ntlm_put32(m3 + 60, f & ~(uint32_t)NTLM_OEM);
    memcpy(m3 + 64, lm, 24);
    memcpy(m3 + 88, nt.p, nt.len);
    if (names.len) memcpy(m3 + doff, names.p, names.len);
    static const char pre[] = "Authorization: NTLM ";
    buf_clear(out);
    if (buf_reserve(out, sizeof pre + b64_encoded_len(total, B64_STD)) == 0) {
        memcpy(out->p, pre, sizeof pre - 1);
        out->len = sizeof pre - 1 + b64_encode(m3, total, B64_STD, out->p + sizeof pre - 1);
        rc = 0;
    }
    free(m3);
out:
    OPENSSL_cleanse(key, sizeof key);
    free(msg);
    buf_free(&nt);
    buf_free(&names);
    return rc;
}
