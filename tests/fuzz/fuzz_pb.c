/* Protobuf at run time (grpc/pb.cc): what a server sends, and what a script
 * sends, through libprotobuf and pb.cc's JSON mapping.
 * Input: byte 0 = mode, the rest = data.
 *   mode 0: a response's wire bytes -> JSON (any bytes: an error or JSON);
 *   mode 1: a script's JSON -> wire; if accepted, wire -> JSON -> wire -> JSON
 *           must succeed and the two JSON texts be equal (the mapping is
 *           stable: what c6 prints, c6 reads back the same);
 *   mode 2: a reflection server's FileDescriptorProtos (2 bytes: the first
 *           one's length; the rest of the data is the second) into a fresh
 *           pool, then its methods and their messages used.
 * The .proto is tests/unit/pb's, written to a scratch directory once.
 * FUZZ_ARGS: -max_len=4096 */
#include <stdio.h>
#include <unistd.h>

#include "fuzz.h"
#include "grpc/pb.h"

static const char PROTO[] = "syntax = \"proto3\";\n"
                            "package f;\n"
                            "import \"google/protobuf/timestamp.proto\";\n"
                            "import \"google/protobuf/duration.proto\";\n"
                            "import \"google/protobuf/wrappers.proto\";\n"
                            "import \"google/protobuf/any.proto\";\n"
                            "import \"google/protobuf/struct.proto\";\n"
                            "import \"google/protobuf/field_mask.proto\";\n"
                            "enum Color { C0 = 0; RED = 1; }\n"
                            "message P { int32 x = 1; sint64 y = 2; repeated P kids = 3; }\n"
                            "message M {\n"
                            "  string s = 1; int64 i64 = 2; uint64 u64 = 3; int32 i32 = 4; uint32 u32 = 5;\n"
                            "  Color c = 6; bytes b = 7; P p = 8; repeated P ps = 9; repeated string ss = 10;\n"
                            "  map<string, int32> m1 = 11; map<int64, P> m2 = 12; map<bool, string> m3 = 13;\n"
                            "  oneof o { string t = 14; int32 n = 15; }\n"
                            "  google.protobuf.Timestamp ts = 16; google.protobuf.Duration d = 17;\n"
                            "  google.protobuf.StringValue sv = 18; google.protobuf.Any any = 19;\n"
                            "  google.protobuf.Struct st = 20; google.protobuf.Value v = 21;\n"
                            "  google.protobuf.ListValue lv = 22; google.protobuf.FieldMask fm = 23;\n"
                            "  double db = 24; float fl = 25; bool bo = 26; optional int32 op = 27;\n"
                            "  repeated double dbs = 28; fixed64 f64 = 29; sfixed32 sf32 = 30; M self = 31;\n"
                            "  repeated Color cs = 32;\n"
                            "}\n"
                            "service S { rpc U(M) returns (M); rpc B(stream M) returns (stream P); }\n";

static pb_pool *pool;
static const void *msg_m;

static void setup(void) {
    char dir[] = "/tmp/c6-fuzz-pb-XXXXXX";
    if (!mkdtemp(dir)) abort();
    char path[64];
    snprintf(path, sizeof path, "%s/f.proto", dir);
    FILE *f = fopen(path, "w");
    if (!f || fwrite(PROTO, 1, sizeof PROTO - 1, f) != sizeof PROTO - 1) abort();
    fclose(f);
    pool = pb_pool_new();
    const char *paths[] = {dir};
    const char *files[] = {"f.proto"};
    char err[256];
    if (!pool || pb_load_protos(pool, paths, 1, files, 1, err, sizeof err)) abort();
    unlink(path);
    rmdir(dir);
    msg_m = pb_message_type(pool, "f.M");
    if (!msg_m) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!pool) setup();
    fz_in in = {data, size};
    int mode = fz_u8(&in) % 3;
    char err[512];
    buf a = {0}, b = {0}, c = {0}, d = {0};
    if (mode == 0) {
        if (pb_wire_to_json(msg_m, in.p, in.n, &a, err, sizeof err) == 0 && (!a.p || a.p[0] != '{')) abort();
    } else if (mode == 1) {
        char *json = fz_dup(in.p, in.n);
        if (pb_json_to_wire(msg_m, json, in.n, &a, err, sizeof err) == 0) {
            if (pb_wire_to_json(msg_m, a.p, a.len, &b, err, sizeof err)) abort();
            if (pb_json_to_wire(msg_m, b.p, b.len, &c, err, sizeof err)) abort();
            if (pb_wire_to_json(msg_m, c.p, c.len, &d, err, sizeof err)) abort();
            if (b.len != d.len || memcmp(b.p, d.p, b.len)) abort();
        }
        free(json);
    } else {
        pb_pool *p = pb_pool_new();
        if (!p) abort();
        size_t first = (size_t)fz_u8(&in) << 8;
        first |= fz_u8(&in);
        if (first > in.n) first = in.n;
        pb_add_file(p, in.p, first, err, sizeof err);
        pb_add_file(p, in.p + first, in.n - first, err, sizeof err);
        pb_resolve(p, err, sizeof err);
        const pb_method *const *ms;
        size_t n = pb_methods(p, &ms);
        for (size_t i = 0; i < n; i++) {
            if (pb_find_method(p, ms[i]->full_name) == NULL) abort();
            buf_clear(&a);
            buf_clear(&b);
            pb_json_to_wire(ms[i]->in, "{}", 2, &a, err, sizeof err);
            pb_wire_to_json(ms[i]->out, a.p, a.len, &b, err, sizeof err);
        }
        pb_pool_free(p);
    }
    buf_free(&a);
    buf_free(&b);
    buf_free(&c);
    buf_free(&d);
    return 0;
}
