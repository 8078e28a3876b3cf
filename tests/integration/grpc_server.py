"""A real gRPC server for c6's k6/net/grpc tests (Debian's python3-grpcio).

Run as a script: grpc_server.py OUT_DIR [--tls CERT KEY] [--no-v1]
  OUT_DIR  a temporary directory for the Python message classes, made here
           with protoc from tests/integration/data/grpc/*.proto (nothing
           generated is committed)
  --tls    also serve TLS with that certificate and key
  --no-v1  serve server reflection v1alpha only (as older servers do)
It prints "plain PORT" (and "tls PORT") once listening on 127.0.0.1 and
serves until its stdin closes (so it never outlives the test that started
it) or it is killed.

Services (see data/grpc/test.proto):
  c6test.Tester  Echo (unary), Slow (unary, sleeps), ServerStream,
                 ClientStream, Bidi; a request's fail_code/fail_message make
                 the call fail with that status; the request metadata whose
                 keys start with "x-" come back as response headers, and as
                 trailers named "trailer-" + key; Echo called with the
                 metadata "c6-compress" answers gzip-compressed when the
                 client accepts gzip (grpc-accept-encoding)
  grpc.health.v1.Health           Check ("" and c6test.Tester: SERVING,
                                  "down": NOT_SERVING, else NOT_FOUND)
  grpc.reflection.v1(alpha)       ServerReflectionInfo, serving the
                                  FileDescriptorProtos of the pool
"""
import base64
import os
import pathlib
import subprocess
import sys
import threading
import time
from concurrent import futures

import grpc

PROTOS = pathlib.Path(__file__).resolve().parent / "data" / "grpc"
PROTO_FILES = ["common/types.proto", "test.proto", "health.proto",
               "reflection/reflection_v1.proto", "reflection/reflection_v1alpha.proto"]


def _generate(out):
    subprocess.run(["protoc", f"-I{PROTOS}", "-I/usr/include", f"--python_out={out}", *PROTO_FILES],
                   check=True, timeout=60)
    sys.path.insert(0, str(out))


def _echo_metadata(context):
    md = [(k, v) for k, v in context.invocation_metadata() if k.startswith("x-")]
    context.send_initial_metadata(md)
    context.set_trailing_metadata([("trailer-" + k, v) for k, v in md])
    out = []
    for k, v in context.invocation_metadata():
        if isinstance(v, bytes):
            v = base64.b64encode(v).decode()
        out.append(f"{k}={v}")
    # x-want-peer: the client's address as the server sees it (localIPs)
    if any(k == "x-want-peer" for k, _ in context.invocation_metadata()):
        out.append(f"peer={context.peer()}")
    return out


def _maybe_fail(req, context):
    if req.fail_code:
        context.abort(grpc.StatusCode(_code(req.fail_code)), req.fail_message)


def _code(n):
    for c in grpc.StatusCode:
        if c.value[0] == n:
            return c.value
    return grpc.StatusCode.UNKNOWN.value


def _sleep(ms, context):
    end = time.monotonic() + ms / 1000
    while time.monotonic() < end and context.is_active():
        time.sleep(0.01)


class Tester:
    def __init__(self, pb):
        self.pb = pb

    def _reply(self, req, context, md=None, seq=0):
        r = self.pb.EchoReply(text=req.text, count=req.count, numbers=req.numbers, seq=seq)
        if req.HasField("item"):
            r.item.CopyFrom(req.item)
        if req.HasField("when"):
            r.when.CopyFrom(req.when)
        if req.HasField("note"):
            r.note.CopyFrom(req.note)
        if md:
            r.metadata.extend(md)
        if req.pad:
            r.padding = b"p" * req.pad
        return r

    def Echo(self, req, context):
        # before the headers go: grpc-encoding is one of them
        if any(k == "c6-compress" for k, _ in context.invocation_metadata()):
            context.set_compression(grpc.Compression.Gzip)
        md = _echo_metadata(context)
        _sleep(req.sleep_ms, context)
        _maybe_fail(req, context)
        return self._reply(req, context, md)

    def Slow(self, req, context):
        _echo_metadata(context)
        _sleep(req.sleep_ms or 2000, context)
        return self._reply(req, context)

    def ServerStream(self, req, context):
        md = _echo_metadata(context)
        for i in range(req.count):
            yield self._reply(req, context, md, seq=i)
            if req.sleep_ms:
                _sleep(req.sleep_ms, context)
        _maybe_fail(req, context)

    def ClientStream(self, it, context):
        md = _echo_metadata(context)
        texts, n = [], 0
        for req in it:
            _maybe_fail(req, context)
            texts.append(req.text)
            n += 1
        return self.pb.EchoReply(text=",".join(texts), count=n, metadata=md)

    def Bidi(self, it, context):
        md = _echo_metadata(context)
        for i, req in enumerate(it):
            _maybe_fail(req, context)
            yield self._reply(req, context, md, seq=i)


def _handlers(pb, health, refl_mods):
    t = Tester(pb)
    ser = lambda m: m.SerializeToString()  # noqa: E731
    h = grpc.method_handlers_generic_handler("c6test.Tester", {
        "Echo": grpc.unary_unary_rpc_method_handler(t.Echo, pb.EchoRequest.FromString, ser),
        "Slow": grpc.unary_unary_rpc_method_handler(t.Slow, pb.EchoRequest.FromString, ser),
        "ServerStream": grpc.unary_stream_rpc_method_handler(t.ServerStream, pb.EchoRequest.FromString, ser),
        "ClientStream": grpc.stream_unary_rpc_method_handler(t.ClientStream, pb.EchoRequest.FromString, ser),
        "Bidi": grpc.stream_stream_rpc_method_handler(t.Bidi, pb.EchoRequest.FromString, ser),
    })

    def check(req, context):
        st = {"": 1, "c6test.Tester": 1, "down": 2}.get(req.service)
        if st is None:
            context.abort(grpc.StatusCode.NOT_FOUND, "unknown service")
        return health.HealthCheckResponse(status=st)

    hh = grpc.method_handlers_generic_handler("grpc.health.v1.Health", {
        "Check": grpc.unary_unary_rpc_method_handler(check, health.HealthCheckRequest.FromString, ser),
    })
    out = [h, hh]
    services = ["c6test.Tester", "grpc.health.v1.Health"] + [name for name, _ in refl_mods]
    for name, mod in refl_mods:
        info = _reflection(mod, services)
        out.append(grpc.method_handlers_generic_handler(name, {
            "ServerReflectionInfo": grpc.stream_stream_rpc_method_handler(
                info, mod.ServerReflectionRequest.FromString, ser),
        }))
    return out


def _reflection(mod, services):
    from google.protobuf import descriptor_pb2, descriptor_pool
    pool = descriptor_pool.Default()

    def files(fd, sent):
        # the file, then what it imports that this stream has not sent yet
        out = []
        if fd.name in sent:
            return out
        sent.add(fd.name)
        p = descriptor_pb2.FileDescriptorProto()
        fd.CopyToProto(p)
        out.append(p.SerializeToString())
        for dep in fd.dependencies:
            out.extend(files(dep, sent))
        return out

    def info(it, context):
        sent = set()
        for req in it:
            r = mod.ServerReflectionResponse(valid_host=req.host, original_request=req)
            kind = req.WhichOneof("message_request")
            try:
                if kind == "list_services":
                    r.list_services_response.service.extend(mod.ServiceResponse(name=s) for s in services)
                elif kind == "file_containing_symbol":
                    fd = pool.FindFileContainingSymbol(req.file_containing_symbol)
                    r.file_descriptor_response.file_descriptor_proto.extend(files(fd, sent))
                elif kind == "file_by_filename":
                    fd = pool.FindFileByName(req.file_by_filename)
                    r.file_descriptor_response.file_descriptor_proto.extend(files(fd, sent))
                else:
                    r.error_response.error_code = grpc.StatusCode.UNIMPLEMENTED.value[0]
                    r.error_response.error_message = "not implemented"
            except KeyError as e:
                r.error_response.error_code = grpc.StatusCode.NOT_FOUND.value[0]
                r.error_response.error_message = str(e)
            yield r

    return info


def main():
    out = pathlib.Path(sys.argv[1])
    _generate(out)
    import health_pb2
    import test_pb2
    from reflection import reflection_v1_pb2, reflection_v1alpha_pb2
    refl = [("grpc.reflection.v1alpha.ServerReflection", reflection_v1alpha_pb2)]
    if "--no-v1" not in sys.argv:
        refl.insert(0, ("grpc.reflection.v1.ServerReflection", reflection_v1_pb2))
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16),
                         options=[("grpc.so_reuseport", 0)])
    server.add_generic_rpc_handlers(_handlers(test_pb2, health_pb2, refl))
    port = server.add_insecure_port("127.0.0.1:0")
    lines = [f"plain {port}"]
    if "--tls" in sys.argv:
        i = sys.argv.index("--tls")
        cert = pathlib.Path(sys.argv[i + 1]).read_bytes()
        key = pathlib.Path(sys.argv[i + 2]).read_bytes()
        creds = grpc.ssl_server_credentials([(key, cert)])
        lines.append(f"tls {server.add_secure_port('127.0.0.1:0', creds)}")
    server.start()
    print("\n".join(lines), flush=True)

    def watch():
        sys.stdin.read()
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()
    server.wait_for_termination()


if __name__ == "__main__":
    main()
