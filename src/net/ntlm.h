/* NTLM authentication over HTTP (MS-NLMP), the client's messages: the
 * negotiate message (type 1) goes out in "Authorization: NTLM <base64>",
 * the server's 401 carries the challenge (type 2) in "WWW-Authenticate:
 * NTLM <base64>", and the authenticate message (type 3) answers it with an
 * NTLMv2 response, all on one connection (http1.c runs the exchange). MD4 comes
 * from OpenSSL's legacy provider (util/ossl.c), HMAC-MD5 from OpenSSL. */
#ifndef C6_NET_NTLM_H
#define C6_NET_NTLM_H
#include <stddef.h>
#include <stdint.h>
#include "util/buf.h"

/* "Authorization: NTLM ..." with the negotiate message: Unicode, NTLM,
 * extended session security, no domain or workstation. */
extern const char ntlm_negotiate_line[];

/* Whether a response header block offers NTLM ("WWW-Authenticate: NTLM"),
 * with the base64 data of the first such line in *data and *len (len 0: a bare
 * "NTLM", no challenge). */
int ntlm_challenge(const char *hdr, size_t n, const char **data, size_t *len);

/* "Authorization: NTLM ..." answering the challenge (its base64 text) for
 * user ("DOMAIN\user", "DOMAIN/user" or "user") and pass, both UTF-8, into
 * out (replacing what it held). 0, or -1: a malformed challenge, MD4
 * missing from OpenSSL, out of memory. */
int ntlm_authenticate_line(const char *user, const char *pass, const char *chal, size_t chal_len, buf *out);

/* ---- the steps (MS-NLMP 3.3.2), for the unit tests ---- */

/* NTOWFv1: MD4 of the UTF-16LE password. 0, or -1 without MD4. */
int ntlm_nt_hash(const char *pass, uint8_t out[16]);
/* NTOWFv2: HMAC-MD5 keyed with the NT hash over UTF-16LE(upper(user) + domain). */
int ntlm_v2_hash(const uint8_t nt[16], const char *user, size_t ul, const char *domain, size_t dl, uint8_t out[16]);
/* The NTLMv2 response: NTProofStr followed by the client blob (time,
 * client challenge, the server's target info) into nt (replacing it), and
 * the LMv2 response (24 bytes) into lm. 0, or -1. */
int ntlm_v2_response(const uint8_t key[16], const uint8_t server[8], const uint8_t client[8], uint64_t time,
                     const uint8_t *info, size_t info_len, buf *nt, uint8_t lm[24]);

#endif
