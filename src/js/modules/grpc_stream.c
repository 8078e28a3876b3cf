/* k6/net/grpc's Stream. */
#include "js/bytes.h"
#include "js/modules/grpc.h"

static JSClassID grpc_stream_class_id;

static JSClassDef grpc_stream_class = {"Stream", .finalizer = NULL};

void grpc_stream_class_init(JSRuntime *rt) {
    if (!grpc_stream_class_id) JS_NewClassID(&grpc_stream_class_id);
    JS_NewClass(rt, grpc_stream_class_id, &grpc_stream_class);
}

static JSValue grpc_stream_ctor(JSContext *ctx, JSValueConst new_target, int argc, JSValueConst *argv) {
    (void)new_target, (void)argc, (void)argv;
    return js_throw_error(ctx, "GoError", "grpc.Stream is not supported by c6 yet");
}

JSValue grpc_stream_ctor_new(JSContext *ctx) {
    return JS_NewCFunction2(ctx, grpc_stream_ctor, "Stream", 3, JS_CFUNC_constructor, 0);
}
