/* params.auth on c6's side. "digest" (RFC 7616): the first request goes
 * without credentials; a 401 carrying a Digest challenge is answered by a
 * second request with the Authorization line built here. Both are samples,
 * as in k6. Credentials in the URL otherwise (auth "basic" or none) are
 * sent as one "Authorization: Basic" line, unless the script sets its own
 * Authorization header. ("ntlm" is a handshake inside one hop, run by the
 * HTTP client: net/client.h with net/ntlm.c.) */
#include <openssl/evp.h>
#include "util/base64.h"
#include "util/hexdigest.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include "js/modules/http.h"
#include "util/url.h"

/* Percent-decodes s[0..n) into out, terminated (userinfo may be escaped). */
static void unescape(const char *s, size_t n, char *out, size_t cap) { out[url_unescape(out, cap - 1, s, n, 0)] = 0; }

/* The user info of url ("user:pass", before the authority's last '@', as
 * Go's url.Parse): NULL when there is none or the URL does not split. */
static const char *url_userinfo(const char *url, size_t *len) {
    url_parts u;
    if (!strchr(url, '@')) return NULL; /* no userinfo without its '@': no split (twice a request) */
    if (url_split(url, &u) || !u.userinfo) return NULL;
    *len = u.userinfo_len;
    return u.userinfo;
}

void http_take_credentials(http_call *c) {
    size_t n;
    char *auth = (char *)url_userinfo(c->url, &n);
    if (!auth) return;
    if (!c->cr && !(c->cr = calloc(1, sizeof *c->cr))) return;
    char *at = auth + n, *colon = memchr(auth, ':', n);
    unescape(auth, (size_t)((colon ? colon : at) - auth), c->cr->user, sizeof c->cr->user);
    if (colon) unescape(colon + 1, (size_t)(at - colon - 1), c->cr->pass, sizeof c->cr->pass);
    memmove(auth, at + 1, strlen(at + 1) + 1); /* the URL without user:pass@ */
}

void http_basic_answer(http_call *c) {
    size_t ulen;
    const char *auth = url_userinfo(c->url, &ulen), *at = auth ? auth + ulen : NULL;
    if (c->cr) c->cr->authz[0] = 0;
    if (!at) return;
    for (int i = 0; i < c->p.nh; i++)
        if (strncasecmp(c->p.hlines[i], "authorization:", 14) == 0) return; /* the script's own wins */
    if (!c->cr && !(c->cr = calloc(1, sizeof *c->cr))) return;
    /* user:pass, percent-decoded, as base64 after "Basic " */
    char up[sizeof c->cr->user + sizeof c->cr->pass];
    const char *colon = memchr(auth, ':', (size_t)(at - auth));
    unescape(auth, (size_t)((colon ? colon : at) - auth), up, sizeof c->cr->user);
    size_t ul = strlen(up);
    up[ul] = ':';
    if (colon) unescape(colon + 1, (size_t)(at - colon - 1), up + ul + 1, sizeof c->cr->pass);
    else up[ul + 1] = 0;
    size_t n = strlen(up);
    static const char pre[] = "Authorization: Basic ";
    if (sizeof pre + b64_encoded_len(n, B64_STD) > sizeof c->cr->authz) return;
    memcpy(c->cr->authz, pre, sizeof pre - 1);
    b64_encode((const uint8_t *)up, n, B64_STD, c->cr->authz + sizeof pre - 1);
}

/* The value of key in a challenge's parameter list (quoted or token). */
static bool param(const char *p, const char *end, const char *key, char *out, size_t n) {
    size_t kl = strlen(key);
    while (p < end) {
        while (p < end && (*p == ' ' || *p == ',' || *p == '\t')) p++;
        const char *eq = memchr(p, '=', (size_t)(end - p));
        if (!eq) return false;
        bool match = (size_t)(eq - p) == kl && strncasecmp(p, key, kl) == 0;
        const char *v = eq + 1, *ve;
        if (v < end && *v == '"') {
            v++;
            ve = memchr(v, '"', (size_t)(end - v));
            if (!ve) return false;
        } else {
            ve = v;
            while (ve < end && *ve != ',') ve++;
        }
        if (match) {
            snprintf(out, n, "%.*s", (int)(ve - v), v);
            return true;
        }
        p = ve < end && *ve == '"' ? ve + 1 : ve;
    }
    return false;
}

/* The first "WWW-Authenticate: Digest ..." parameters in the header block. */
static bool digest_challenge(const buf *hdr, const char **start, const char **end) {
    for (const char *p = hdr->p; p && *p;) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        if (len > 17 && strncasecmp(p, "www-authenticate:", 17) == 0) {
            const char *v = p + 17;
            while (*v == ' ' || *v == '\t') v++;
            if (strncasecmp(v, "digest ", 7) == 0) {
                *start = v + 7;
                *end = p + len;
                while (*end > *start && ((*end)[-1] == '\r' || (*end)[-1] == ' ')) (*end)--;
                return true;
            }
        }
        p = eol ? eol + 1 : NULL;
    }
    return false;
}

/* "auth" if the server's qop list offers it (auth-int is not supported). */
static bool offers_auth(const char *qops) {
    for (const char *q = qops; *q;) {
        size_t n = strcspn(q, ", ");
        if (n == 4 && strncasecmp(q, "auth", 4) == 0) return true;
        q += n;
        while (*q == ',' || *q == ' ') q++;
    }
    return false;
}

bool http_digest_answer(http_call *c) {
    http_creds *cr = c->cr;
    const char *s, *e;
    if (!cr) return false; /* no user:pass@ in the URL */
    char realm[256], nonce[256], opaque[256] = "", qops[64] = "", alg[32] = "MD5";
    if (!digest_challenge(&c->rhdr, &s, &e) || !param(s, e, "realm", realm, sizeof realm) ||
        !param(s, e, "nonce", nonce, sizeof nonce))
        return false;
    param(s, e, "opaque", opaque, sizeof opaque);
    param(s, e, "algorithm", alg, sizeof alg);
    bool has_qop = param(s, e, "qop", qops, sizeof qops);
    if (has_qop && !offers_auth(qops)) return false;
    const EVP_MD *md = !strcasecmp(alg, "MD5") ? EVP_md5() : !strcasecmp(alg, "SHA-256") ? EVP_sha256() : NULL;
    if (!md) return false;
    /* the request-target: path and query of the URL */
    url_parts u;
    const char *path = url_split(c->url, &u) ? "" : u.rest;
    char uri[1024];
    snprintf(uri, sizeof uri, "%s%.*s", *path == '/' ? "" : "/", (int)strcspn(path, "#"), path);
    unsigned char rnd[8];
    char cnonce[17], ha1[2 * EVP_MAX_MD_SIZE + 1], ha2[2 * EVP_MAX_MD_SIZE + 1], resp[2 * EVP_MAX_MD_SIZE + 1];
    if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) memset(rnd, 0x3c, sizeof rnd);
    for (int i = 0; i < 8; i++) snprintf(cnonce + 2 * i, 3, "%02x", rnd[i]);
    const char *p1[] = {cr->user, ":", realm, ":", cr->pass};
    hex_digest(md, p1, 5, ha1);
    const char *p2[] = {c->method, ":", uri};
    hex_digest(md, p2, 3, ha2);
    if (has_qop) {
        const char *p3[] = {ha1, ":", nonce, ":", "00000001", ":", cnonce, ":", "auth", ":", ha2};
        hex_digest(md, p3, 11, resp);
    } else {
        const char *p3[] = {ha1, ":", nonce, ":", ha2};
        hex_digest(md, p3, 5, resp);
    }
    int n = snprintf(cr->authz, sizeof cr->authz,
                     "Authorization: Digest username=\"%s\", realm=\"%s\", nonce=\"%s\", uri=\"%s\", "
                     "response=\"%s\", algorithm=%s",
                     cr->user, realm, nonce, uri, resp, md == EVP_md5() ? "MD5" : "SHA-256");
    if (has_qop && n > 0 && (size_t)n < sizeof cr->authz)
        n += snprintf(cr->authz + n, sizeof cr->authz - (size_t)n, ", qop=auth, nc=00000001, cnonce=\"%s\"", cnonce);
    if (opaque[0] && n > 0 && (size_t)n < sizeof cr->authz)
        n += snprintf(cr->authz + n, sizeof cr->authz - (size_t)n, ", opaque=\"%s\"", opaque);
    if (n <= 0 || (size_t)n >= sizeof cr->authz) {
        cr->authz[0] = 0;
        return false;
    }
    return true;
}
