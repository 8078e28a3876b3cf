/* Go's %#v of the value sobek exports a JS value as, for k6 messages that
 * quote a script's argument ("invalid batch request '[]interface {}{\"GET\"}'",
 * "invalid tls cert value: 'map[string]interface {}{\"cert\":1}', ..."). */
#ifndef C6_JS_GO_VALUE_H
#define C6_JS_GO_VALUE_H
#include "quickjs.h"
#include "util/buf.h"

/* Appends v as Go prints it: strings quoted, integral numbers as int64,
 * others as float64, true/false, arrays as []interface {}{a, b}, objects as
 * map[string]interface {}{"k":v, ...} with keys sorted, null/undefined
 * inside those as interface {}(nil) (at the top: <nil>). Nesting stops at
 * a few levels ({...}). */
void js_go_sharp_v(JSContext *ctx, JSValueConst v, buf *out);

#endif
