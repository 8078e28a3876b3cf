"""Intrinsics QuickJS builds on a context's first use (issue 17).

scripts/quickjs-lazy-intrinsics.patch keeps Map/Set/WeakMap/WeakSet, the
typed arrays with ArrayBuffer, SharedArrayBuffer and DataView, and
WeakRef/FinalizationRegistry, Date and RegExp unbuilt until a script reads one of their
globals or the engine needs one of their prototypes (c6's C code making an
ArrayBuffer, String.prototype.match making a RegExp ...). What a script sees must be stock
QuickJS's: globalThis's property order and descriptors (QuickJS's own
JS_NewContext order: ... BigInt, Date, RegExp, JSON, Proxy, Map, Set, WeakMap, WeakSet, ArrayBuffer,
SharedArrayBuffer, the eleven typed arrays, DataView, Atomics, Promise,
WeakRef, FinalizationRegistry), prototypes, instanceof. k6's goja orders its
globals differently; scripts that depend on the order of globalThis's
properties are not k6 scripts, so only QuickJS's order is pinned here.
"""
import json
import re

STOCK_ORDER = ("BigInt Date RegExp JSON Proxy Map Set WeakMap WeakSet ArrayBuffer SharedArrayBuffer Uint8ClampedArray "
               "Int8Array Uint8Array Int16Array Uint16Array Int32Array Uint32Array BigInt64Array "
               "BigUint64Array Float32Array Float64Array DataView Atomics Promise WeakRef "
               "FinalizationRegistry")


def test_script_sees_stock_intrinsics_when_c_code_makes_the_first_object(c6):
    r = c6("js/lazy_intrinsics.js")
    assert r.code == 0, r
    got = [json.loads(m) for m in r.console()]
    assert len(got) == 2, r  # VU 1 (open()'s ArrayBuffer) and VU 2 (a binary body)
    for f in got:
        assert f["made"] == [True, True, "[object ArrayBuffer]", True], f
        assert f["order"] == STOCK_ORDER, f
        assert f["desc"] == "true false true true", f
        assert f["types"] == "function function function object function", f
        assert f["protos"] == ('true true 2 true Map Iterator 5 true 4 4 function "1970-01-01T00:00:00.000Z" 7 '
                               'true 2 true 2 [object RegExp String Iterator]'), f


LINE = re.compile(r"c6 vu-memory: quickjs (\d+) B")


def vu_quickjs_bytes(c6, touch):
    env = {"C6_VU_MEMORY": "1", "TOUCH": "1" if touch else None}
    r = c6("js/lazy_intrinsics_mem.js", "-u", "1", "-i", "1", "--include-system-env-vars=false",
           "-e", f"TOUCH={'1' if touch else ''}", env=env)
    assert r.code == 0, r
    m = LINE.search(r.err)
    assert m, r.err
    return int(m.group(1))


def test_unused_intrinsics_cost_a_vu_nothing(c6):
    lazy, built = vu_quickjs_bytes(c6, False), vu_quickjs_bytes(c6, True)
    # measured: 24,900 B (with the atoms of their methods' names; a context's
    # intrinsics are 42,400 B) (stock QuickJS builds them all
    # in JS_NewContext, so the two would be equal)
    assert built - lazy > 10_000, (lazy, built)
