"""The own properties of the functions a VU iteration makes (issue 17).

scripts/quickjs-closure-shape.patch gives a closure its 'length', 'name'
and, for a normal function, its lazy 'prototype' from a shape its context
keeps after the first closure of each kind (and takes the name of an
anonymous function from the OP_set_name that follows it). What a script sees
must be stock QuickJS's: property order (length, name, prototype),
attributes (length/name configurable only, prototype writable only), values,
function.name inference (variables, assignments, object-literal keys,
computed and symbol keys, methods, getters, default parameters), classes,
generators and async functions, bound functions, Function() and sloppy-mode
functions; and a function a script changes (deletes 'name', redefines
'length', adds a property, changes its prototype, freezes it) must not change
the next ones made. STOCK is the output of stock QuickJS 2025.04.26 with c6's
two other patches (c6 before this patch), for js/closure_props.js.
"""
import json

STOCK = {
    'arrow': 'length:--c=2,name:--c="a" keys=0 ctor=false proto=Function',
    'arrowAnon': 'length:--c=3,name:--c="" keys=0 ctor=false proto=Function',
    'assigned': 'length:--c=1,name:--c="assigned",prototype:w--={constructor} ctor=true proto=true keys=0 ctor=true proto=Function',
    'check': 'length:--c=1,name:--c="status is 200" keys=0 ctor=false proto=Function',
    'computed': 'length:--c=0,name:--c="ck" keys=0 ctor=false proto=Function',
    'symbolKey': 'length:--c=0,name:--c="[sym]" keys=0 ctor=false proto=Function',
    'method': 'length:--c=3,name:--c="m" keys=0 ctor=false proto=Function',
    'getter': 'length:--c=0,name:--c="get g" keys=0 ctor=false proto=Function',
    'asyncMethod': 'length:--c=0,name:--c="am" keys=0 ctor=false proto=[object AsyncFunction]',
    'genMethod': 'length:--c=0,name:--c="gm",prototype:w--={} ctor=false proto=false keys=0 ctor=false proto=[object GeneratorFunction]',
    'plain': 'length:--c=0,name:--c="plain",prototype:w--={constructor} ctor=true proto=true keys=0 ctor=true proto=Function',
    'named': 'length:--c=1,name:--c="named",prototype:w--={constructor} ctor=true proto=true keys=0 ctor=true proto=Function',
    'funcExpr': 'length:--c=1,name:--c="fe",prototype:w--={constructor} ctor=true proto=true keys=0 ctor=true proto=Function',
    'anonFuncExpr': 'length:--c=2,name:--c="",prototype:w--={constructor} ctor=true proto=true keys=0 ctor=true proto=Function',
    'defaultParam': 'length:--c=0,name:--c="f" keys=0 ctor=false proto=Function',
    'asyncFn': 'length:--c=1,name:--c="af" keys=0 ctor=false proto=[object AsyncFunction]',
    'asyncArrow': 'length:--c=1,name:--c="asyncArrow" keys=0 ctor=false proto=[object AsyncFunction]',
    'generator': 'length:--c=1,name:--c="gen",prototype:w--={} ctor=false proto=false keys=0 ctor=false proto=[object GeneratorFunction]',
    'asyncGenerator': 'length:--c=1,name:--c="agen",prototype:w--={} ctor=false proto=false keys=0 ctor=false proto=[object AsyncGeneratorFunction]',
    'classC': 'length:--c=1,name:--c="C",prototype:---={constructor meth} ctor=true proto=true,st:w-c=undefined keys=0 ctor=true proto=Function',
    'classD': 'length:--c=0,name:--c="D",prototype:---={constructor} ctor=true proto=false keys=0 ctor=true proto=[object Function]',
    'classMethod': 'length:--c=1,name:--c="meth" keys=0 ctor=false proto=Function',
    'staticMethod': 'length:--c=0,name:--c="st" keys=0 ctor=false proto=Function',
    'bound': 'length:--c=0,name:--c="bound named" keys=0 ctor=true proto=Function',
    'boundArrow': 'length:--c=2,name:--c="bound a" keys=0 ctor=false proto=Function',
    'newFunction': 'length:--c=2,name:--c="anonymous",prototype:w--={constructor} ctor=true proto=true keys=0 ctor=true proto=Function',
    'sloppy': 'length:--c=1,name:--c="",prototype:w--={constructor} ctor=true proto=true keys=0 ctor=true proto=Function',
    'sloppyArrow': 'length:--c=2,name:--c="" keys=0 ctor=false proto=Function',
    'prototypesDistinct': 'true',
}


def test_closures_look_as_in_stock_quickjs_in_every_iteration(c6):
    r = c6("js/closure_props.js")
    assert r.code == 0, r
    got = [json.loads(m) for m in r.console()]
    # 2 VUs, 6 iterations: each VU's first closure of a kind is built the
    # generic way, the later ones (same iteration or next) from the kept shape
    assert len(got) == 6, r
    for sigs in got:
        for name, want in STOCK.items():
            assert sigs.get(name) == want, (name, sigs.get(name))
        assert sorted(sigs) == sorted(STOCK), sigs
