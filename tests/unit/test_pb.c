/* test_pb.c - protobuf at run time (src/grpc/pb.h): .proto files with imports
 * and Google's well-known types, protosets, reflection's files in either
 * order, methods, and JSON <-> wire as k6 maps them. Fixtures: tests/unit/pb/
 * (the tests run from the tree's root, as `make unit` runs them).
 * k6's facts: internal/js/modules/k6/grpc/client.go (Load, LoadProtoset,
 * convertToMethodInfo, "method %q not found"), internal/lib/netext/grpcext
 * conn.go (protojson.Unmarshal of the request, MarshalOptions{EmitUnpopulated:
 * true} for the response) and convert.go; Go's protojson decode.go for the
 * error wording. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "grpc/pb.h"

#define FIX "tests/unit/pb"

static const char *const PATHS[] = {FIX, FIX "/inc"};

static pb_pool *load_svc(void) {
    pb_pool *p = pb_pool_new();
    assert_non_null(p);
    const char *files[] = {"svc.proto"};
    char err[512] = "";
    if (pb_load_protos(p, PATHS, 2, files, 1, err, sizeof err)) fail_msg("load: %s", err);
    return p;
}

static void test_load_methods(void **state) {
    (void)state;
    pb_pool *p = load_svc();
    const pb_method *const *ms;
    /* client.load returns the methods of the file and its imports: only
     * svc.proto has a service; k6's Load test lists them in declaration order */
    size_t n = pb_last_methods(p, &ms);
    assert_int_equal(n, 4);
    assert_string_equal(ms[0]->full_name, "/c6.test.Svc/Unary");
    assert_string_equal(ms[0]->package, "c6.test");
    assert_string_equal(ms[0]->service, "Svc");
    assert_string_equal(ms[0]->name, "Unary");
    assert_false(ms[0]->client_streaming || ms[0]->server_streaming);
    assert_string_equal(ms[1]->full_name, "/c6.test.Svc/ServerStream");
    assert_true(!ms[1]->client_streaming && ms[1]->server_streaming);
    assert_string_equal(ms[2]->full_name, "/c6.test.Svc/ClientStream");
    assert_true(ms[2]->client_streaming && !ms[2]->server_streaming);
    assert_string_equal(ms[3]->full_name, "/c6.test.Svc/Bidi");
    assert_true(ms[3]->client_streaming && ms[3]->server_streaming);
    assert_int_equal(pb_methods(p, &ms), 4);

    /* k6 prefixes "/" when missing */
    assert_ptr_equal(pb_find_method(p, "c6.test.Svc/Bidi"), ms[3]);
    assert_ptr_equal(pb_find_method(p, "/c6.test.Svc/Unary"), ms[0]);
    assert_null(pb_find_method(p, "foo/bar"));
    assert_null(pb_find_method(p, ""));
    assert_ptr_equal(pb_find_method(p, "/c6.test.Svc/Unary")->in, ms[0]->out);
    /* the last one found is compared first: with and without "/", exactly */
    assert_ptr_equal(pb_find_method(p, "c6.test.Svc/Unary"), ms[0]);
    assert_null(pb_find_method(p, "c6.test.Svc/Unar"));
    assert_null(pb_find_method(p, "/c6.test.Svc/UnaryX"));
    assert_ptr_equal(pb_find_method(p, "/c6.test.Svc/Unary"), ms[0]);

    /* loading the same file again is no error and lists its methods again */
    const char *files[] = {"svc.proto"};
    char err[256];
    assert_int_equal(pb_load_protos(p, PATHS, 2, files, 1, err, sizeof err), 0);
    assert_int_equal(pb_last_methods(p, &ms), 4);
    assert_int_equal(pb_methods(p, &ms), 4);

    assert_non_null(pb_message_type(p, "google.protobuf.Empty"));
    assert_non_null(pb_message_type(p, "c6.common.Point"));
    assert_null(pb_message_type(p, "c6.nope.Thing"));
    pb_pool_free(p);
}

/* A .proto importing only well-known types loads with no import path on disk
 * holding them (k6's protoparse has them built in). */
static void test_load_base_dir(void **state) {
    (void)state;
    pb_pool *p = pb_pool_new();
    const char *files[] = {"svc.proto"};
    const char *paths[] = {".", "inc"};
    char err[512] = "";
    /* relative import paths are taken from the script's directory */
    if (pb_load_protos_in(p, FIX, paths, 2, files, 1, err, sizeof err)) fail_msg("%s", err);
    const pb_method *const *ms;
    assert_int_equal(pb_last_methods(p, &ms), 4);
    pb_pool_free(p);
}

static void load_err(const char *file, const char *want) {
    pb_pool *p = pb_pool_new();
    const char *files[] = {file};
    char err[512] = "";
    assert_int_equal(pb_load_protos(p, PATHS, 2, files, 1, err, sizeof err), -1);
    if (!strstr(err, want)) fail_msg("error %s, want %s", err, want);
    pb_pool_free(p);
}

static void test_load_errors(void **state) {
    (void)state;
    /* k6's LoadNotFound: "no such file or directory" (Go's os.PathError for
     * the last import path tried, protocompile's SourceResolver) */
    load_err("does_not_exist.proto", "open tests/unit/pb/inc/does_not_exist.proto: no such file or directory");
    /* an import: at the import statement (jhump/protoreflect's protoparse
     * reports the accessor's error at the import's source span) */
    load_err("missing_import.proto",
             "missing_import.proto:2:1: open tests/unit/pb/inc/nope.proto: no such file or directory");
    /* a syntax error names file, line and column (libprotoc's wording after them) */
    load_err("bad.proto", "bad.proto:5:17: ");
}

/* JSON -> wire -> JSON through Req */
static char *roundtrip(const pb_method *m, const char *json) {
    buf wire = {0}, out = {0};
    char err[512] = "";
    if (pb_json_to_wire(m->in, json, strlen(json), &wire, err, sizeof err)) fail_msg("to wire: %s", err);
    if (pb_wire_to_json(m->out, wire.p, wire.len, &out, err, sizeof err)) fail_msg("to json: %s", err);
    buf_free(&wire);
    return out.p;
}

static void test_roundtrip(void **state) {
    (void)state;
    pb_pool *p = load_svc();
    const pb_method *m = pb_find_method(p, "c6.test.Svc/Unary");
    assert_non_null(m);
    /* int64 as strings (numbers accepted in, their digits kept: protojson
     * reads the number's text), enums by name, bytes base64,
     * lowerCamelCase names (by_id -> byId; proto names accepted in), maps
     * with string keys, oneof, Timestamp/Duration/wrappers/Any as protojson */
    char *out =
        roundtrip(m, "{\"name\":\"x\\\"y\",\"big\":9007199254740993,\"ubig\":\"18446744073709551615\",\"small\":-5,"
                     "\"color\":\"BLUE\",\"data\":\"AAEC/w==\",\"point\":{\"x\":1,\"y\":2},"
                     "\"points\":[{\"x\":3},{}],\"tags\":[\"a\",\"b\"],\"counts\":{\"k\":7,\"a\":1},"
                     "\"text\":\"hi\",\"when\":\"2024-01-02T03:04:05.500Z\",\"wait\":\"1.500s\",\"maybe\":\"m\","
                     "\"extra\":{\"@type\":\"type.googleapis.com/c6.common.Point\",\"x\":9},"
                     "\"ratio\":0.1,\"f32\":0.1,\"flag\":true,\"opt\":0,\"by_id\":{\"5\":{\"x\":1}}}");
    assert_string_equal(out, "{\"name\":\"x\\\"y\",\"big\":\"9007199254740993\",\"ubig\":\"18446744073709551615\","
                             "\"small\":-5,\"color\":\"BLUE\",\"data\":\"AAEC/w==\",\"point\":{\"x\":1,\"y\":2},"
                             "\"points\":[{\"x\":3,\"y\":0},{\"x\":0,\"y\":0}],\"tags\":[\"a\",\"b\"],"
                             "\"counts\":{\"a\":1,\"k\":7},\"text\":\"hi\",\"when\":\"2024-01-02T03:04:05.500Z\","
                             "\"wait\":\"1.500s\",\"maybe\":\"m\","
                             "\"extra\":{\"@type\":\"type.googleapis.com/c6.common.Point\",\"x\":9,\"y\":0},"
                             "\"ratio\":0.1,\"f32\":0.1,\"flag\":true,\"opt\":0,\"byId\":{\"5\":{\"x\":1,\"y\":0}}}");
    free(out);

    /* int64 given as a string keeps every digit; the other oneof member */
    out = roundtrip(m, "{\"big\":\"9007199254740993\",\"number\":0,\"ratio\":\"NaN\",\"f32\":\"-Infinity\"}");
    assert_non_null(strstr(out, "\"big\":\"9007199254740993\""));
    assert_non_null(strstr(out, "\"number\":0"));
    assert_null(strstr(out, "\"text\""));
    assert_non_null(strstr(out, "\"ratio\":\"NaN\",\"f32\":\"-Infinity\""));
    free(out);

    /* an Any holding a well-known type: {"@type", "value"} (k6's convert.go any) */
    out = roundtrip(m, "{\"extra\":{\"@type\":\"type.googleapis.com/google.protobuf.Timestamp\","
                       "\"value\":\"1970-01-01T00:00:01Z\"}}");
    assert_non_null(strstr(out, "\"extra\":{\"@type\":\"type.googleapis.com/google.protobuf.Timestamp\","
                                "\"value\":\"1970-01-01T00:00:01Z\"}"));
    free(out);

    /* EmitUnpopulated: every field with its default, unset messages as null,
     * unset oneof members and proto3 optional fields left out */
    buf json = {0};
    char err[256];
    assert_int_equal(pb_wire_to_json(m->out, "", 0, &json, err, sizeof err), 0);
    assert_string_equal(json.p, "{\"name\":\"\",\"big\":\"0\",\"ubig\":\"0\",\"small\":0,"
                                "\"color\":\"COLOR_UNSPECIFIED\",\"data\":\"\",\"point\":null,"
                                "\"points\":[],\"tags\":[],\"counts\":{},\"when\":null,\"wait\":null,"
                                "\"maybe\":null,\"extra\":null,\"ratio\":0,\"f32\":0,\"flag\":false,"
                                "\"byId\":{}}");
    buf_free(&json);

    /* google.protobuf.Empty as the whole message: {} */
    const pb_method *cs = pb_find_method(p, "c6.test.Svc/ClientStream");
    assert_int_equal(pb_wire_to_json(cs->out, "", 0, &json, err, sizeof err), 0);
    assert_string_equal(json.p, "{}");
    buf_free(&json);

    /* an enum number the enum lacks stays a number */
    const unsigned char wire[] = {0x28, 0x07}; /* field 5 (color), varint 7 */
    assert_int_equal(pb_wire_to_json(m->out, wire, sizeof wire, &json, err, sizeof err), 0);
    assert_non_null(strstr(json.p, "\"color\":7"));
    buf_free(&json);

    /* bytes that are no message */
    const unsigned char junk[] = {0x0a, 0x05, 'a'};
    assert_int_equal(pb_wire_to_json(m->out, junk, sizeof junk, &json, err, sizeof err), -1);
    assert_string_equal(err, "proto: cannot parse invalid wire-format data");
    buf_free(&json);
    pb_pool_free(p);
}

/* Struct, Value, ListValue, FieldMask, wrappers, repeated Timestamp: their
 * JSON forms (protojson's, the same as libprotobuf's) */
/* --http-debug=full's payload text: a field a line, nested messages
 * indented by two spaces (k6 prints prototext with Multiline, Indent "  ") */
static void test_text(void **state) {
    (void)state;
    pb_pool *p = load_svc();
    const pb_method *m = pb_find_method(p, "c6.test.Svc/Unary");
    assert_non_null(m);
    buf wire = {0}, text = {0};
    char err[256];
    const char *json = "{\"name\":\"x\",\"small\":-5,\"point\":{\"x\":1},\"tags\":[\"a\",\"b\"]}";
    assert_int_equal(pb_json_to_wire(m->in, json, strlen(json), &wire, err, sizeof err), 0);
    assert_int_equal(pb_wire_to_text(m->out, wire.p, wire.len, &text), 0);
    assert_string_equal(text.p, "name: \"x\"\nsmall: -5\npoint {\n  x: 1\n}\ntags: \"a\"\ntags: \"b\"\n");
    /* bytes that are no such message: -1, nothing appended */
    const unsigned char junk[] = {0x0a, 0x05, 'a'};
    buf_clear(&text);
    assert_int_equal(pb_wire_to_text(m->out, junk, sizeof junk, &text), -1);
    assert_int_equal(text.len, 0);
    buf_free(&wire);
    buf_free(&text);
    pb_pool_free(p);
}

static void test_wkt(void **state) {
    (void)state;
    pb_pool *p = load_svc();
    pb_method m = {.in = pb_message_type(p, "c6.test.Wkt"), .out = pb_message_type(p, "c6.test.Wkt")};
    assert_non_null(m.in);
    char *out = roundtrip(&m, "{\"s\":{\"a\":[true,null,1.5,\"x\",{}]},\"v\":\"str\",\"l\":[1,\"x\"],"
                              "\"mask\":\"fooBar,baz\",\"i64\":\"5\",\"times\":[\"1970-01-01T00:00:00Z\","
                              "\"2000-01-01T00:00:00.000001Z\"],\"b\":\"AQ==\"}");
    assert_string_equal(out, "{\"s\":{\"a\":[true,null,1.5,\"x\",{}]},\"v\":\"str\",\"l\":[1,\"x\"],"
                             "\"mask\":\"fooBar,baz\",\"i64\":\"5\",\"times\":[\"1970-01-01T00:00:00Z\","
                             "\"2000-01-01T00:00:00.000001Z\"],\"b\":\"AQ==\"}");
    free(out);
    /* a Value's null is a value (NullValue), not "unset" */
    out = roundtrip(&m, "{\"v\":null,\"i64\":7}");
    assert_string_equal(out, "{\"s\":null,\"v\":null,\"l\":null,\"mask\":null,\"i64\":\"7\",\"times\":[],\"b\":null}");
    free(out);
    pb_pool_free(p);
}

/* Nesting is bounded (the decoder and the printer recurse, on a VU's 256 KB
 * stack): 100 levels as libprotobuf parses, then "proto: exceeded max
 * recursion depth" (protojson's words; its limit is 10000), not a stack
 * overflow. */
static void test_depth(void **state) {
    (void)state;
    pb_pool *p = load_svc();
    pb_method m = {.in = pb_message_type(p, "c6.test.Node"), .out = pb_message_type(p, "c6.test.Node")};
    static const int depths[] = {98, 101, 100000};
    for (size_t k = 0; k < sizeof depths / sizeof *depths; k++) {
        int depth = depths[k];
        buf json = {0}, wire = {0}, out = {0};
        for (int i = 0; i < depth; i++) assert_int_equal(buf_puts(&json, "{\"child\":"), 0);
        assert_int_equal(buf_puts(&json, "{\"v\":7}"), 0);
        for (int i = 0; i < depth; i++) assert_int_equal(buf_puts(&json, "}"), 0);
        char err[256] = "";
        int rc = pb_json_to_wire(m.in, json.p, json.len, &wire, err, sizeof err);
        if (depth < 100) {
            assert_int_equal(rc, 0);
            assert_int_equal(pb_wire_to_json(m.out, wire.p, wire.len, &out, err, sizeof err), 0);
            assert_non_null(strstr(out.p, "{\"child\":null,\"v\":7}"));
        } else {
            assert_int_equal(rc, -1);
            assert_string_equal(err, "proto: exceeded max recursion depth");
        }
        buf_free(&json);
        buf_free(&wire);
        buf_free(&out);
    }
    pb_pool_free(p);
}

static void json_err(const pb_method *m, const char *json, const char *want) {
    buf wire = {0};
    char err[512] = "";
    assert_int_equal(pb_json_to_wire(m->in, json, strlen(json), &wire, err, sizeof err), -1);
    assert_string_equal(err, want);
    buf_free(&wire);
}

/* Go's protojson wording, at the token's line:column in the JSON text
 * (protojson decode.go: newError "(line %d:%d): ", unmarshalScalar's
 * "invalid value for %v field %v: %v", unexpectedTokenError as a syntax
 * error); k6 prefixes "unable to serialise request object to protocol
 * buffer: " (grpcext conn.go). */
static void test_json_errors(void **state) {
    (void)state;
    pb_pool *p = load_svc();
    const pb_method *m = pb_find_method(p, "c6.test.Svc/Unary");
    json_err(m, "{\"name\":\"x\",\"nope\":1}", "proto: (line 1:13): unknown field \"nope\"");
    json_err(m, "{\"point\":{\"z\":1}}", "proto: (line 1:11): unknown field \"z\"");
    json_err(m, "{\"small\":\"abc\"}", "proto: (line 1:10): invalid value for int32 field small: \"abc\"");
    json_err(m, "{\"name\":5}", "proto: (line 1:9): invalid value for string field name: 5");
    json_err(m, "{\"small\":2147483648}", "proto: (line 1:10): invalid value for int32 field small: 2147483648");
    json_err(m, "{\"color\":\"PINK\"}", "proto: (line 1:10): invalid value for enum field color: \"PINK\"");
    json_err(m, "{\"flag\":{\"a\":1}}", "proto: (line 1:9): invalid value for bool field flag: {");
    json_err(m, "{\"tags\":\"a\"}", "proto: syntax error (line 1:9): unexpected token \"a\"");
    json_err(m, "{\"point\":3}", "proto: syntax error (line 1:10): unexpected token 3");
    json_err(m, "{\"byId\":{\"x\":{}}}", "proto: (line 1:10): invalid value for int64 key: \"x\"");
    json_err(m, "{\"text\":\"a\",\"number\":1}",
             "proto: (line 1:13): error parsing \"number\", oneof c6.test.Req.choice is already set");
    json_err(m, "{\n  \"name\": \"é\",\n  \"bad\": 1\n}", "proto: (line 3:3): unknown field \"bad\"");
    /* well-known types: protojson's "invalid google.protobuf.Timestamp value
     * ..." (decode_wkt.go), a wrapper's own field named "value" */
    pb_method w = {.in = pb_message_type(p, "c6.test.Wkt")};
    json_err(&w, "{\"times\":[\"nope\"]}", "proto: (line 1:11): invalid google.protobuf.Timestamp value \"nope\"");
    json_err(&w, "{\"i64\":\"x\"}", "proto: (line 1:8): invalid value for int64 field value: \"x\"");
    json_err(&w, "{\"mask\":5}", "proto: (line 1:9): invalid google.protobuf.FieldMask value 5");
    /* seconds past protojson's range (±315,576,000,000 s, 10,000 years):
     * libprotobuf's TimeUtil took these, and no answer could print them */
    json_err(m, "{\"wait\":\"315576000001s\"}",
             "proto: (line 1:9): invalid google.protobuf.Duration value \"315576000001s\"");
    json_err(m, "{\"wait\":\"22222222222222222222222222221.5s\"}",
             "proto: (line 1:9): invalid google.protobuf.Duration value \"22222222222222222222222222221.5s\"");
    /* bytes that are no UTF-8 (JSON.stringify makes none; Go's JSON decoder
     * refuses them) */
    json_err(m, "{\"name\":\"a\xb8\"}", "proto: syntax error (line 1:9): invalid UTF-8 in string");
    /* what follows the object */
    json_err(m, "{}}", "proto: syntax error (line 1:3): unexpected token }");
    /* null is "unset" for any field but google.protobuf.Value */
    buf wire = {0};
    char err[256];
    assert_int_equal(pb_json_to_wire(m->in, "{\"point\":null,\"name\":null}", 26, &wire, err, sizeof err), 0);
    assert_int_equal(wire.len, 0);
    buf_free(&wire);
    pb_pool_free(p);
}

static unsigned char *read_all(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    unsigned char *b = malloc(1 << 20);
    assert_non_null(b);
    *n = fread(b, 1, 1 << 20, f);
    fclose(f);
    return b;
}

/* A protoset made by protoc now (protobuf-compiler, bootstrap's test group). */
static unsigned char *make_protoset(size_t *n, int imports) {
    char path[] = "/tmp/c6-test-pb-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "protoc %s --descriptor_set_out=%s -I " FIX " -I " FIX "/inc svc.proto",
             imports ? "--include_imports" : "", path);
    assert_int_equal(system(cmd), 0);
    unsigned char *b = read_all(path, n);
    unlink(path);
    assert_non_null(b);
    return b;
}

static void test_protoset(void **state) {
    (void)state;
    size_t n;
    unsigned char *set = make_protoset(&n, 1);
    pb_pool *p = pb_pool_new();
    char err[512] = "";
    if (pb_load_protoset(p, set, n, err, sizeof err)) fail_msg("protoset: %s", err);
    const pb_method *const *ms;
    assert_int_equal(pb_last_methods(p, &ms), 4);
    const pb_method *m = pb_find_method(p, "c6.test.Svc/ServerStream");
    assert_non_null(m);
    assert_true(m->server_streaming && !m->client_streaming);
    char *out = roundtrip(m, "{\"color\":\"RED\",\"when\":\"1970-01-01T00:00:01Z\"}");
    assert_non_null(strstr(out, "\"color\":\"RED\""));
    assert_non_null(strstr(out, "\"when\":\"1970-01-01T00:00:01Z\""));
    free(out);
    pb_pool_free(p);
    free(set);

    /* without --include_imports: protodesc.NewFiles's error (k6 passes it on) */
    set = make_protoset(&n, 0);
    p = pb_pool_new();
    assert_int_equal(pb_load_protoset(p, set, n, err, sizeof err), -1);
    assert_string_equal(err, "proto: could not resolve import \"common.proto\": not found");
    pb_pool_free(p);
    free(set);

    /* bytes that are no FileDescriptorSet: k6's "couldn't unmarshal protoset file" */
    p = pb_pool_new();
    assert_int_equal(pb_load_protoset_named(p, "x.protoset", "\xff\xff\xff", 3, err, sizeof err), -1);
    assert_string_equal(err, "couldn't unmarshal protoset file x.protoset: proto: cannot parse "
                             "invalid wire-format data");
    pb_pool_free(p);
}

/* The FileDescriptorProtos of a FileDescriptorSet (field 1, length-delimited),
 * as server reflection sends them one by one. */
static size_t split_set(const unsigned char *b, size_t n, const unsigned char **f, size_t *len, size_t max) {
    size_t i = 0, k = 0;
    while (i < n && k < max) {
        assert_int_equal(b[i++], 0x0a);
        size_t l = 0;
        int shift = 0;
        while (b[i] & 0x80) {
            l |= (size_t)(b[i++] & 0x7f) << shift;
            shift += 7;
        }
        l |= (size_t)b[i++] << shift;
        f[k] = b + i;
        len[k++] = l;
        i += l;
    }
    return k;
}

static void test_add_file_orders(void **state) {
    (void)state;
    size_t n;
    unsigned char *set = make_protoset(&n, 1);
    const unsigned char *f[16];
    size_t len[16];
    size_t nf = split_set(set, n, f, len, 16);
    assert_true(nf >= 3); /* common, the well-known types, svc last (protoc: imports first) */
    char err[512] = "";
    const pb_method *const *ms;
    for (int order = 0; order < 2; order++) {
        pb_pool *p = pb_pool_new();
        for (size_t i = 0; i < nf; i++) {
            size_t j = order ? nf - 1 - i : i;
            if (pb_add_file(p, f[j], len[j], err, sizeof err)) fail_msg("add: %s", err);
            /* in reverse order svc.proto waits until common.proto arrives (last) */
            if (order && i < nf - 1) assert_int_equal(pb_methods(p, &ms), 0);
        }
        assert_int_equal(pb_resolve(p, err, sizeof err), 0);
        assert_int_equal(pb_methods(p, &ms), 4);
        assert_int_equal(pb_last_methods(p, &ms), 4);
        assert_non_null(pb_find_method(p, "/c6.test.Svc/Bidi"));
        char *out = roundtrip(pb_find_method(p, "/c6.test.Svc/Bidi"), "{\"point\":{\"y\":4}}");
        assert_non_null(strstr(out, "\"point\":{\"x\":0,\"y\":4}"));
        free(out);
        pb_pool_free(p);
    }
    /* only svc.proto: waits; pb_resolve says what never came */
    pb_pool *p = pb_pool_new();
    assert_int_equal(pb_add_file(p, f[nf - 1], len[nf - 1], err, sizeof err), 0);
    assert_int_equal(pb_methods(p, &ms), 0);
    assert_int_equal(pb_resolve(p, err, sizeof err), -1);
    assert_string_equal(err, "proto: could not resolve import \"common.proto\": not found");
    assert_int_equal(pb_add_file(p, "\xff", 1, err, sizeof err), -1);
    pb_pool_free(p);
    free(set);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_methods), cmocka_unit_test(test_load_base_dir),
        cmocka_unit_test(test_load_errors),  cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_wkt),          cmocka_unit_test(test_json_errors),
        cmocka_unit_test(test_protoset),     cmocka_unit_test(test_add_file_orders),
        cmocka_unit_test(test_depth),        cmocka_unit_test(test_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
