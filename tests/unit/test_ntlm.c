/* test_ntlm.c - NTLM messages (src/net/ntlm.c) against the published test
 * vectors of MS-NLMP section 4.2 (user "User", domain "Domain", password
 * "Password", server challenge 0123456789abcdef, client challenge aa..aa,
 * time 0, target info: NetBIOS domain "Domain", computer "Server"), and an
 * authenticate message checked field by field as a server would. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "net/ntlm.h"
#include "util/base64.h"

static const uint8_t SERVER[8] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
static const uint8_t CLIENT[8] = {0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa};
/* MsvAvNbDomainName "Domain", MsvAvNbComputerName "Server", MsvAvEOL */
static const uint8_t INFO[36] = {
    0x02, 0x00, 0x0c, 0x00, 'D', 0, 'o', 0, 'm', 0, 'a', 0, 'i', 0, 'n',  0,    0x01, 0x00,
    0x0c, 0x00, 'S',  0,    'e', 0, 'r', 0, 'v', 0, 'e', 0, 'r', 0, 0x00, 0x00, 0x00, 0x00,
};

static void hex(const uint8_t *p, size_t n, char *out) {
    for (size_t i = 0; i < n; i++) snprintf(out + 2 * i, 3, "%02x", p[i]);
}

static void test_nt_hash(void **st) {
    (void)st;
    uint8_t h[16];
    char x[33];
    assert_int_equal(ntlm_nt_hash("Password", h), 0);
    hex(h, 16, x);
    assert_string_equal(x, "a4f49c406510bdcab6824ee7c30fd852"); /* 4.2.2.1.2 NTOWFv1 */
    assert_int_equal(ntlm_nt_hash("", h), 0);
    hex(h, 16, x);
    assert_string_equal(x, "31d6cfe0d16ae931b73c59d7e0c089c0"); /* MD4("") (RFC 1320) */
}

static void test_v2_hash_and_responses(void **st) {
    (void)st;
    uint8_t nt[16], key[16], lm[24];
    char x[65];
    assert_int_equal(ntlm_nt_hash("Password", nt), 0);
    assert_int_equal(ntlm_v2_hash(nt, "User", 4, "Domain", 6, key), 0);
    hex(key, 16, x);
    assert_string_equal(x, "0c868a403bfd7a93a3001ef22ef02e3f"); /* 4.2.4.1.1 NTOWFv2 */
    /* the user name is upper-cased, the domain is not */
    uint8_t key2[16];
    assert_int_equal(ntlm_v2_hash(nt, "user", 4, "Domain", 6, key2), 0);
    assert_memory_equal(key, key2, 16);
    assert_int_equal(ntlm_v2_hash(nt, "User", 4, "DOMAIN", 6, key2), 0);
    assert_memory_not_equal(key, key2, 16);

    buf r = {0};
    assert_int_equal(ntlm_v2_response(key, SERVER, CLIENT, 0, INFO, sizeof INFO, &r, lm), 0);
    hex(lm, 24, x);
    assert_string_equal(x, "86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa"); /* 4.2.4.2.1 LMv2 */
    assert_int_equal(r.len, 16 + 28 + sizeof INFO + 4);
    hex((const uint8_t *)r.p, 16, x);
    assert_string_equal(x, "68cd0ab851e51c96aabc927bebef6a1c"); /* 4.2.4.2.2 NTProofStr */
    /* the blob after it: 0101, zeros, time 0, the client challenge, zeros, target info, zeros */
    static const uint8_t blob_head[28] = {1, 1, 0,    0,    0,    0,    0,    0,    0,    0,    0, 0, 0, 0,
                                          0, 0, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0, 0, 0, 0};
    assert_memory_equal(r.p + 16, blob_head, 28);
    assert_memory_equal(r.p + 44, INFO, sizeof INFO);
    buf_free(&r);
}

static void test_negotiate_line(void **st) {
    (void)st;
    const char *b = strchr(ntlm_negotiate_line, ' ') + 6; /* after "Authorization: NTLM " */
    assert_true(strncmp(ntlm_negotiate_line, "Authorization: NTLM ", 20) == 0);
    uint8_t m[64];
    size_t bad;
    ssize_t n = b64_decode(b, strlen(b), B64_STD, m, &bad);
    assert_int_equal(n, 32);
    assert_memory_equal(m, "NTLMSSP\0\1\0\0\0", 12);
    uint32_t flags = m[12] | m[13] << 8 | m[14] << 16 | (uint32_t)m[15] << 24;
    assert_true(flags & 0x1);     /* Unicode */
    assert_true(flags & 0x200);   /* NTLM */
    assert_true(flags & 0x80000); /* extended session security: an NTLMv2 answer */
}

static void test_challenge_header(void **st) {
    (void)st;
    static const char hdr[] = "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Negotiate\r\n"
                              "www-authenticate: NTLM  TlRMTVNTUAACAAAA \r\nContent-Length: 0\r\n\r\n";
    size_t n = 0;
    const char *c = NULL;
    assert_int_equal(ntlm_challenge(hdr, sizeof hdr - 1, &c, &n), 1);
    assert_int_equal(n, 16);
    assert_memory_equal(c, "TlRMTVNTUAACAAAA", 16);
    static const char bare[] = "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: NTLM\r\n\r\n";
    assert_int_equal(ntlm_challenge(bare, sizeof bare - 1, &c, &n), 1); /* offered, no challenge */
    assert_int_equal(n, 0);
    static const char none[] = "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: NTLMx\r\n"
                               "WWW-Authenticate: Basic realm=\"x\"\r\n\r\n";
    assert_int_equal(ntlm_challenge(none, sizeof none - 1, &c, &n), 0);
}

static uint16_t g16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t g32(const uint8_t *p) { return g16(p) | (uint32_t)g16(p + 2) << 16; }

/* The authenticate message for the spec's challenge: fields where a server
 * looks for them, and an NTProofStr a server holding the password accepts. */
static void test_authenticate_message(void **st) {
    (void)st;
    uint8_t chal[56 + 12 + sizeof INFO] = "NTLMSSP";
    chal[8] = 2;
    chal[12] = 12;
    chal[14] = 12;
    chal[16] = 56; /* target name "Domain" */
    chal[20] = 0x33;
    chal[21] = 0x82;
    chal[22] = 0x8a;
    chal[23] = 0xe2; /* 4.2.4.3's flags */
    memcpy(chal + 24, SERVER, 8);
    chal[40] = sizeof INFO;
    chal[42] = sizeof INFO;
    chal[44] = 68;
    memcpy(chal + 56, "D\0o\0m\0a\0i\0n\0", 12);
    memcpy(chal + 68, INFO, sizeof INFO);
    char b64[256];
    b64_encode(chal, sizeof chal, B64_STD, b64);
    buf line = {0};
    assert_int_equal(ntlm_authenticate_line("Domain\\User", "Password", b64, strlen(b64), &line), 0);
    assert_true(strncmp(line.p, "Authorization: NTLM ", 20) == 0);
    uint8_t m[512];
    size_t bad;
    ssize_t n = b64_decode(line.p + 20, line.len - 20, B64_STD, m, &bad);
    assert_true(n > 64);
    assert_memory_equal(m, "NTLMSSP\0\3\0\0\0", 12);
    assert_int_equal(g16(m + 12), 24); /* LMv2 */
    size_t ntl = g16(m + 20), nto = g32(m + 24);
    assert_int_equal(ntl, 16 + 28 + sizeof INFO + 4);
    assert_true(nto + ntl <= (size_t)n);
    assert_int_equal(g16(m + 28), 12);
    assert_memory_equal(m + g32(m + 32), "D\0o\0m\0a\0i\0n\0", 12);
    assert_int_equal(g16(m + 36), 8);
    assert_memory_equal(m + g32(m + 40), "U\0s\0e\0r\0", 8);
    assert_memory_equal(m + nto + 16 + 28, INFO, sizeof INFO); /* the server's target info, echoed */
    /* the server's check: HMAC-MD5(NTOWFv2, server challenge + blob) == NTProofStr */
    static const uint8_t key[16] = {0x0c, 0x86, 0x8a, 0x40, 0x3b, 0xfd, 0x7a, 0x93,
                                    0xa3, 0x00, 0x1e, 0xf2, 0x2e, 0xf0, 0x2e, 0x3f};
    uint8_t in[8 + 512], proof[16];
    unsigned pl = 16;
    memcpy(in, SERVER, 8);
    memcpy(in + 8, m + nto + 16, ntl - 16);
    assert_non_null(HMAC(EVP_md5(), key, 16, in, 8 + ntl - 16, proof, &pl));
    assert_memory_equal(proof, m + nto, 16);
    /* the wrong password gives another proof */
    assert_int_equal(ntlm_authenticate_line("Domain\\User", "Passw0rd", b64, strlen(b64), &line), 0);
    n = b64_decode(line.p + 20, line.len - 20, B64_STD, m, &bad);
    memcpy(in + 8, m + nto + 16, ntl - 16);
    assert_non_null(HMAC(EVP_md5(), key, 16, in, 8 + ntl - 16, proof, &pl));
    assert_memory_not_equal(proof, m + nto, 16);
    /* not a challenge */
    assert_int_equal(ntlm_authenticate_line("u", "p", "TlRMTVNTUAABAAAA", 16, &line), -1);
    assert_int_equal(ntlm_authenticate_line("u", "p", "!!", 2, &line), -1);
    buf_free(&line);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nt_hash),
        cmocka_unit_test(test_v2_hash_and_responses),
        cmocka_unit_test(test_negotiate_line),
        cmocka_unit_test(test_challenge_header),
        cmocka_unit_test(test_authenticate_message),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
