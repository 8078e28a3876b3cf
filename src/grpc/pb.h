/* Protobuf at run time for k6/net/grpc: .proto files, protosets and server
 * reflection's FileDescriptorProtos loaded into one pool per grpc.Client, the
 * methods they declare, and messages mapped between JSON text (what a script's
 * object is, JSON.stringify'd) and wire bytes as k6 maps them (Go's protojson:
 * lowerCamelCase names, int64 as strings, enums by name, bytes base64, Google's
 * well-known types; unset fields emitted, EmitUnpopulated).
 * A C interface over Google's libprotobuf (pb.cc, C++). A pool and the
 * descriptors it hands out are used by one thread at a time (the VU's). */
#ifndef C6_GRPC_PB_H
#define C6_GRPC_PB_H
#include <stdbool.h>
#include <stddef.h>
#include "util/buf.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pb_pool pb_pool; /* the descriptors one grpc.Client loaded */
typedef struct pb_method {
    const char *full_name; /* "/package.Service/Method" as k6 builds it */
    const void *in, *out;  /* message descriptors, opaque; valid while the pool lives */
    bool client_streaming, server_streaming;
    /* k6's MethodInfo besides fullMethod: package ("" when none), service's
     * short name, method's short name */
    const char *package, *service, *name;
} pb_method;

pb_pool *pb_pool_new(void); /* NULL on OOM */
void pb_pool_free(pb_pool *p);

/* client.load(importPaths, ...files): .proto files parsed, imports resolved
 * against the import paths, Google's well-known types (google/protobuf/...)
 * available without files on disk. As k6: no import paths means the script's
 * directory; a file is looked for as importPath/name in each path in turn, and
 * a relative result is taken relative to the script's directory; a leading
 * "file://" is dropped. base_dir is that directory (NULL: the process's). The
 * methods of every file loaded by this call (imports included) are then what
 * pb_last_methods lists. 0, or -1 and err = k6's message. */
int pb_load_protos_in(pb_pool *p, const char *base_dir, const char *const *import_paths, size_t npaths,
                      const char *const *files, size_t nfiles, char *err, size_t errlen);
/* Where load()'s files come from: path's contents in *data, *len (valid
 * until the load returns), 0; or an errno value (ENOENT, ENOTDIR: not there,
 * try the next import path; others end the search). c6 reads them through
 * the script's file cache (js/script.h) so that archives carry them. */
typedef int (*pb_read_fn)(void *ud, const char *path, const void **data, size_t *len);
/* pb_load_protos_in with files read by rd(ud, ...) (NULL: from disk). */
int pb_load_protos_via(pb_pool *p, const char *base_dir, const char *const *import_paths, size_t npaths,
                       const char *const *files, size_t nfiles, pb_read_fn rd, void *ud, char *err, size_t errlen);
/* The same with base_dir NULL. */
int pb_load_protos(pb_pool *p, const char *const *import_paths, size_t npaths, const char *const *files, size_t nfiles,
                   char *err, size_t errlen);
/* client.loadProtoset(file): a FileDescriptorSet's bytes (reading the file is
 * the caller's: k6 says "couldn't open protoset: ..." for that). err on a bad
 * set: "couldn't unmarshal protoset file <name>: ..." needs the name, so the
 * message here is the part after it; see pb_load_protoset_named. */
int pb_load_protoset(pb_pool *p, const void *data, size_t n, char *err, size_t errlen);
/* The same with k6's whole message ("couldn't unmarshal protoset file NAME: ..."). */
int pb_load_protoset_named(pb_pool *p, const char *name, const void *data, size_t n, char *err, size_t errlen);
/* A FileDescriptorProto received by server reflection. Dependencies may come
 * first or later: a file is built once every file it imports has arrived (the
 * well-known types need not arrive). Its methods then appear in pb_methods and
 * pb_last_methods (which lists what pb_add_file calls built since the last
 * load/pb_resolve). A name the pool already has is ignored. -1 only for bytes
 * that are no FileDescriptorProto ("proto: cannot parse invalid wire-format
 * data") or a file that does not build (libprotobuf's message). */
int pb_add_file(pb_pool *p, const void *fdproto, size_t n, char *err, size_t errlen);
/* After the last pb_add_file: -1 and k6's message if a file still waits for
 * an import that never came ("proto: could not resolve import \"x.proto\": not
 * found"), else 0. */
int pb_resolve(pb_pool *p, char *err, size_t errlen);

size_t pb_methods(pb_pool *p, const pb_method *const **out); /* every loaded method */
/* The methods of the files the last pb_load_protos / pb_load_protoset call
 * loaded (imports included, as k6's client.load returns them), or of the
 * files pb_add_file built since the last such call or pb_resolve. */
size_t pb_last_methods(pb_pool *p, const pb_method *const **out);
const pb_method *pb_find_method(pb_pool *p, const char *name); /* "pkg.Svc/M" or "/pkg.Svc/M" */
/* A message type by full name ("google.protobuf.Empty", "pkg.Msg"), NULL if
 * the pool has none. The well-known types are always there. */
const void *pb_message_type(pb_pool *p, const char *full_name);

/* JSON (JS object as JSON text) -> wire bytes appended to out. Errors worded
 * as Go's protojson ("proto: (line 1:2): unknown field \"foo\""); k6 prefixes
 * "unable to serialise request object to protocol buffer: ", the caller's.
 * Positions are in the text given: k6's come from Sobek's MarshalJSON, the
 * compact text JSON.stringify makes; as k6's normalizeNumberStrings, the
 * caller makes NaN and +-Infinity the strings "NaN", "Infinity", "-Infinity"
 * first (JSON.stringify would make them null). Messages nest 100 deep at most
 * ("proto: exceeded max recursion depth"; Go's limit is 10000). */
int pb_json_to_wire(const void *msgdesc, const char *json, size_t n, buf *out, char *err, size_t errlen);
/* wire bytes -> JSON text appended to out, as k6 gives response.message
 * (an object; a well-known type's own JSON form when msgdesc is one). Bytes
 * that are no such message (or nest deeper than 100): -1 and "proto: cannot
 * parse invalid wire-format data". */
int pb_wire_to_json(const void *msgdesc, const void *wire, size_t n, buf *out, char *err, size_t errlen);
/* wire bytes -> protobuf text format appended to out, a field a line, nested
 * messages indented by two spaces (--http-debug=full's payloads, as k6 prints
 * them with prototext; 0, or -1 when the bytes are no such message). */
int pb_wire_to_text(const void *msgdesc, const void *wire, size_t n, buf *out);

#ifdef __cplusplus
}
#endif
#endif
