/* test_codec_chain.c - util/codec.c's streaming decoder for a response's
 * Content-Encoding chain, against k6's readResponseBody
 * (lib/netext/httpext/compression.go): codings undone right to left,
 * unknown ones left alone, error codes and texts as errorCodeForError
 * gives them (1701 "error decompressing response body (...)" for what
 * newDecompressionError wraps, 1000 and Go's text otherwise), and the
 * size limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "util/codec.h"

static const char PLAIN[] = "The quick brown fox jumps over the lazy dog. 0123456789 "
                            "The quick brown fox jumps over the lazy dog. abcdefghij";

/* PLAIN encoded with codecs[0], then codecs[1], ... (as a server applies
 * them, listing them in that order). */
static void encode_chain(const int *codecs, int n, buf *out) {
    buf cur = {0};
    assert_int_equal(buf_append(&cur, PLAIN, sizeof PLAIN - 1), 0);
    for (int i = 0; i < n; i++) {
        buf next = {0};
        assert_int_equal(codec_encode(codecs[i], cur.p, cur.len, &next), 0);
        buf_free(&cur);
        cur = next;
    }
    *out = cur;
}

/* Decodes in[0..n) fed `step` bytes at a time; returns the first nonzero
 * result (feed or end). */
static int decode(const char *header, const char *in, size_t n, size_t step, size_t max, buf *out, codec_error *e) {
    codec_chain ch;
    codec_chain_parse(&ch, header, strlen(header), NULL);
    int rc = 0;
    for (size_t off = 0; off < n && !rc; off += step)
        rc = codec_chain_feed(&ch, in + off, n - off < step ? n - off : step, out, max, e);
    if (!rc) rc = codec_chain_end(&ch, out, max, e);
    codec_chain_free(&ch);
    return rc;
}

static void test_parse(void **state) {
    (void)state;
    codec_chain ch;
    codec_chain_parse(&ch, "gzip, br", 8, NULL); /* br was applied last: undone first */
    assert_int_equal(ch.n, 2);
    assert_int_equal(ch.s[0].codec, CODEC_BR);
    assert_int_equal(ch.s[1].codec, CODEC_GZIP);
    codec_chain_parse(&ch, " identity ,GZIP,, compress", 26, NULL); /* k6 skips what it does not know */
    assert_int_equal(ch.n, 1);
    assert_int_equal(ch.s[0].codec, CODEC_GZIP);
    codec_chain_parse(&ch, "x-gzip", 6, NULL); /* not one of k6's CompressionTypes */
    assert_int_equal(ch.n, 0);
    codec_chain_parse(&ch, "gzip,gzip,gzip,gzip,gzip", 24, NULL);
    assert_true(ch.toomany);
}

static void test_chains_in_any_pieces(void **state) {
    (void)state;
    static const struct {
        int codecs[3];
        int n;
        const char *header;
    } cases[] = {
        {{CODEC_GZIP, CODEC_GZIP}, 2, "gzip, gzip"},
        {{CODEC_DEFLATE, CODEC_GZIP}, 2, "deflate, gzip"},
        {{CODEC_GZIP, CODEC_BR}, 2, "gzip, br"},
        {{CODEC_BR, CODEC_ZSTD, CODEC_DEFLATE}, 3, "br, zstd, deflate"},
        {{CODEC_ZSTD}, 1, "zstd"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        buf enc = {0};
        encode_chain(cases[i].codecs, cases[i].n, &enc);
        for (size_t step = 1; step <= enc.len; step = step * 3 + 1) {
            buf out = {0};
            codec_error e;
            assert_int_equal(decode(cases[i].header, enc.p, enc.len, step, 1 << 20, &out, &e), 0);
            assert_int_equal(out.len, sizeof PLAIN - 1);
            assert_memory_equal(out.p, PLAIN, out.len);
            buf_free(&out);
        }
        buf_free(&enc);
    }
}

static void expect_error(const char *header, const char *in, size_t n, int code, const char *msg) {
    buf out = {0};
    codec_error e;
    assert_int_equal(decode(header, in, n, 7, 1 << 20, &out, &e), -1);
    assert_int_equal(e.code, code);
    assert_string_equal(e.msg, msg);
    buf_free(&out);
}

static void test_errors(void **state) {
    (void)state;
    buf gz = {0}, br = {0}, zs = {0};
    int g = CODEC_GZIP, b = CODEC_BR, z = CODEC_ZSTD;
    encode_chain(&g, 1, &gz);
    encode_chain(&b, 1, &br);
    encode_chain(&z, 1, &zs);
    /* truncated data: Go's io.ErrUnexpectedEOF, not wrapped */
    expect_error("gzip", gz.p, gz.len - 10, 1000, "unexpected EOF");
    expect_error("br", br.p, br.len - 3, 1000, "unexpected EOF");
    expect_error("zstd", zs.p, zs.len - 3, 1000, "unexpected EOF");
    /* a reader that cannot start: gzip.NewReader / zlib.NewReader errors, wrapped */
    expect_error("gzip", "", 0, 1701, "error decompressing response body (EOF)");
    expect_error("gzip", gz.p, 5, 1701, "error decompressing response body (unexpected EOF)");
    expect_error("deflate", "", 0, 1701, "error decompressing response body (unexpected EOF)");
    expect_error("gzip", "plain text, not gzip", 20, 1701, "error decompressing response body (gzip: invalid header)");
    expect_error("deflate", "plain text", 10, 1701, "error decompressing response body (zlib: invalid header)");
    /* gzip's checksum, brotli (all wrapped: "brotli: " and the decoder's
     * error name, as andybalholm/brotli), zstd's magic */
    gz.p[gz.len - 8] ^= 1;
    expect_error("gzip", gz.p, gz.len, 1701, "error decompressing response body (gzip: invalid checksum)");
    expect_error("br", "\xff\xff\xff\xff", 4, 1701, "error decompressing response body (brotli: PADDING_2)");
    expect_error("zstd", "not zstd", 8, 1701,
                 "error decompressing response body (invalid input: magic number mismatch)");
    /* corrupt deflate data: flate.CorruptInputError, not wrapped (block type 3 at offset 1) */
    expect_error("gzip", "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff\x07\x00\x00", 13, 1000,
                 "flate: corrupt input before offset 1");
    expect_error("gzip,gzip,gzip,gzip,gzip", "x", 1, 1701,
                 "error decompressing response body (more than 4 content codings)");
    /* zstd: an empty body is no frame at all, fine */
    buf out = {0};
    codec_error e;
    assert_int_equal(decode("zstd", "", 0, 1, 10, &out, &e), 0);
    buf_free(&out);
    buf_free(&gz);
    buf_free(&br);
    buf_free(&zs);
}

static void test_limit(void **state) {
    (void)state;
    buf enc = {0}, out = {0};
    int g = CODEC_GZIP;
    encode_chain(&g, 1, &enc);
    codec_error e;
    assert_int_equal(decode("gzip", enc.p, enc.len, 3, sizeof PLAIN - 2, &out, &e), CODEC_LIMIT);
    assert_true(out.len <= sizeof PLAIN - 2);
    buf_clear(&out);
    assert_int_equal(decode("gzip", enc.p, enc.len, 3, sizeof PLAIN - 1, &out, &e), 0); /* exactly the limit */
    codec_chain ch;
    codec_chain_parse(&ch, "", 0, NULL); /* identity */
    buf_clear(&out);
    assert_int_equal(codec_chain_feed(&ch, "abcdef", 6, &out, 5, &e), CODEC_LIMIT);
    buf_free(&out);
    buf_free(&enc);
}

/* codec_decode (whole bodies: c6-target, the fuzz harnesses) never leaves
 * more than max decoded bytes in out, however much room out already has:
 * fuzz_h1_parse found a zstd body that, into a buffer grown by earlier use,
 * decoded in one step past the limit (tests/fuzz/corpus/h1_parse/
 * zstd-past-limit). */
static void test_decode_limit(void **state) {
    (void)state;
    static const int codecs[] = {CODEC_GZIP, CODEC_DEFLATE, CODEC_BR, CODEC_ZSTD};
    size_t big = 1 << 20, max = 1000;
    char *zeros = calloc(1, big);
    assert_non_null(zeros);
    for (size_t i = 0; i < sizeof codecs / sizeof codecs[0]; i++) {
        buf enc = {0}, out = {0};
        assert_int_equal(codec_encode(codecs[i], zeros, big, &enc), 0);
        assert_int_equal(buf_append(&out, "prefix", 6), 0);
        assert_int_equal(buf_reserve(&out, 4 * big), 0); /* plenty of room already */
        assert_int_equal(codec_decode(codecs[i], enc.p, enc.len, &out, max), -1);
        assert_true(out.len <= 6 + max);
        assert_memory_equal(out.p, "prefix", 6);
        buf_clear(&out);
        assert_int_equal(codec_decode(codecs[i], enc.p, enc.len, &out, big), 0); /* exactly max: fine */
        assert_int_equal(out.len, big);
        buf_free(&enc);
        buf_free(&out);
    }
    free(zeros);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse), cmocka_unit_test(test_chains_in_any_pieces), cmocka_unit_test(test_errors),
        cmocka_unit_test(test_limit), cmocka_unit_test(test_decode_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
