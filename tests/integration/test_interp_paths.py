"""Interpreter paths c6's QuickJS patches shortcut (issue 17, CPU per iteration).

scripts/quickjs-c-call.patch: a script's call of a C function (OP_call,
OP_call_method, tail calls) goes to js_call_c_function without entering
JS_CallInternal (after the same interrupt poll). scripts/quickjs-define-new.patch:
JS_DefinePropertyValue adds a new property to an extensible object of a class
without define_own_property / is_extensible methods straight away, and the
OP_set_name right after a closure that already has a non-empty name is
skipped. What a script sees must be stock QuickJS's: results, `this`,
missing arguments, exceptions, their messages and stack frames, property
order and attributes (numeric keys first, duplicates, __proto__, spread,
computed and symbol keys), class fields on every kind of object a base
constructor can return (arrays, typed arrays, String objects, arguments,
proxies and their traps' order, non-extensible, sealed and frozen objects,
the global object), function names; objects freed with accessors, lazy prototypes, closures
over variables; object literals and closures that outgrow their first
property array, are compacted and grow again (quickjs-inline-props.patch). STOCK is the output of
js/interp_paths.js with c6 at be40b61 (stock QuickJS 2025.04.26 + c6's
earlier patches), the same in each of two iterations.
"""
import json

STOCK = [
    'call: ok 5',
    'callFewerArgs: ok ["  7",null]',
    'callThis: ok "[object Array]1-2"',
    'method: ok ["a","b",1]',
    'methodThisUndefined: ok "[object Undefined]"',
    'throwFromC: SyntaxError: expecting property name | at <input> / at parse (native) / at <anonymous> (interp_paths.js / at err (interp_paths.js / at t (interp_paths.js / at cases (interp_paths.js / ... 7 frames',
    "throwFromCNested: TypeError: cannot read property 'x' of null | at inner (interp_paths.js / at map (native) / at <anonymous> (interp_paths.js / at err (interp_paths.js / at t (interp_paths.js / at cases (interp_paths.js / ... 7 frames",
    'cStack: URIError: expecting hex digit | at decodeURIComponent (native) / at outer (interp_paths.js / at <anonymous> (interp_paths.js / at err (interp_paths.js / at t (interp_paths.js / at cases (interp_paths.js / ... 7 frames',
    'tailCall: ok 3',
    'tailCallMethod: ok "xx"',
    'notAFunction: TypeError: not a function | at <anonymous> (interp_paths.js / at err (interp_paths.js / at t (interp_paths.js / at cases (interp_paths.js / at default (interp_paths.js',
    'callUndefined: TypeError: not a function | at <anonymous> (interp_paths.js / at err (interp_paths.js / at t (interp_paths.js / at cases (interp_paths.js / at default (interp_paths.js',
    'bound: ok 9',
    'cConstructorWithoutNew: TypeError: must be called with new | at Map (native) / at <anonymous> (interp_paths.js / at err (interp_paths.js / at t (interp_paths.js / at cases (interp_paths.js / at default (interp_paths.js',
    'cConstructorOrFunc: ok ["5",6,false]',
    'getterC: ok 1',
    'checkInLoop: ok 999',
    'reentrant: ok ["1","2","3"]',
    'deepRecursionThroughC: ok "bottom"',
    'stackOverflowThroughC: InternalError: stack overflow | at map (native) / at r (interp_paths.js / at map (native) / at r (interp_paths.js / at map (native) / at r (interp_paths.js / ... more than 50 frames',
    'literal: ok "1:wec=\\"one\\",2:wec=\\"two\\",b:wec=1,a:wec=fn \\"a\\"/0,c:wec=undefined ext=true"',
    'literalDuplicate: ok "a:wec=3,b:wec=2 ext=true"',
    'literalProto: ok ["x:wec=1 ext=true",null]',
    'literalGetterThenValue: ok "a:wec=2 ext=true"',
    'literalSpread: ok "x:wec=3,y:wec=2,z:wec=4 ext=true"',
    'literalComputed: ok "k1:wec=1,1.5:wec=3,Symbol(Symbol.iterator):wec=2 ext=true"',
    'jsonParse: ok "7:wec=0,b:wec=3,a:wec={\\"c\\":[1,2]} ext=true"',
    'fromEntries: ok "x:wec=3,y:wec=2 ext=true"',
    'arrayFromLiteral: ok "0:wec=1,2:wec=3,length:w--=3 ext=true"',
    'fieldPlain: ok "0:wec=\\"zero\\",existing:wec=0,f:wec=1,g:wec=fn \\"g\\"/0 ext=true"',
    'fieldExistingReadonly: TypeError: property is not configurable | at <anonymous> (interp_paths.js / at Fields (interp_paths.js / at <anonymous> (interp_paths.js / at err (interp_paths.js / at t (interp_paths.js / at cases (interp_paths.js / ... 7 frames',
    'fieldNonExtensible: TypeError: object is not extensible | at <anonymous> (interp_paths.js / at Fields (interp_paths.js / at <anonymous> (interp_paths.js / at err (interp_paths.js / at t (interp_paths.js / at cases (interp_paths.js / ... 7 frames',
    'fieldSealed: TypeError: property is not configurable | at <anonymous> (interp_paths.js / at Fields (interp_paths.js / at <anonymous> (interp_paths.js / at err (interp_paths.js / at t (interp_paths.js / at cases (interp_paths.js / ... 7 frames',
    'fieldArray: ok "0:wec=\\"zero\\",length:w--=1,f:wec=1,g:wec=fn \\"g\\"/0 ext=true"',
    'fieldArrayWithHoles: ok "0:wec=\\"zero\\",2:wec=\\"x\\",length:w--=3,f:wec=1,g:wec=fn \\"g\\"/0 ext=true"',
    'fieldTypedArray: TypeError: out-of-bound index in typed array | at <anonymous> (interp_paths.js / at Fields (interp_paths.js / at <anonymous> (interp_paths.js / at err (interp_paths.js / at t (interp_paths.js / at cases (interp_paths.js / ... 7 frames',
    'fieldTypedArrayLong: ok "0:wec=0,1:wec=0,f:wec=1,g:wec=fn \\"g\\"/0 ext=true"',
    'fieldStringObject: TypeError: property is not configurable | at <anonymous> (interp_paths.js / at Fields (interp_paths.js / at <anonymous> (interp_paths.js / at err (interp_paths.js / at t (interp_paths.js / at cases (interp_paths.js / ... 7 frames',
    'fieldFunction: ok "0:wec=\\"zero\\",length:--c=1,name:--c=\\"fn\\",prototype:w--={},f:wec=1,g:wec=fn \\"g\\"/0 ext=true"',
    'fieldMap: ok "0:wec=\\"zero\\",f:wec=1,g:wec=fn \\"g\\"/0 ext=true"',
    'fieldArguments: ok "0:wec=\\"zero\\",1:wec=6,length:w-c=2,callee:g--=accessor,f:wec=1,g:wec=fn \\"g\\"/0,Symbol(Symbol.iterator):w-c=fn \\"values\\"/0 ext=true"',
    'fieldSloppyArguments: ok "0:wec=\\"zero\\",length:w-c=1,callee:w-c=fn \\"\\"/1,f:wec=1,g:wec=fn \\"g\\"/0,Symbol(Symbol.iterator):w-c=fn \\"values\\"/0 ext=true"',
    'fieldProxy: ok ["0:wec=\\"zero\\",f:wec=1,g:wec=fn \\"g\\"/0 ext=true","define f {\\"value\\":1,\\"writable\\":true,\\"enumerable\\":true,\\"configurable\\":true}; define g {\\"writable\\":true,\\"enumerable\\":true,\\"configurable\\":true}; define 0 {\\"value\\":\\"zero\\",\\"writable\\":true,\\"enumerable\\":true,\\"configurable\\":true}; isExtensible"]',
    'fieldProxyRefuses: TypeError: proxy: defineProperty exception | at <anonymous> (interp_paths.js / at Fields (interp_paths.js / at <anonymous> (interp_paths.js / at err (interp_paths.js / at t (interp_paths.js / at cases (interp_paths.js / ... 7 frames',
    'fieldFrozenProxyTarget: TypeError: object is not extensible | at <anonymous> (interp_paths.js / at Fields (interp_paths.js / at <anonymous> (interp_paths.js / at err (interp_paths.js / at t (interp_paths.js / at cases (interp_paths.js / ... 7 frames',
    'fieldOnGlobal: ok [1,"function"]',
    'fieldModuleNamespaceLike: ok "0:wec=\\"zero\\",f:wec=1,g:wec=fn \\"g\\"/0 ext=true"',
    'definePropertiesOrder: ok "b:-e-=1,a:g--=accessor ext=true"',
    'freedKinds: ok [60790,"undefined"]',
    'literalsGrowAndShrink: ok ["a:wec=0,p38:wec=0,p39:wec=0,z:wec=\\"z\\",a2:wec=fn \\"\\"/0 ext=true","y:wec=2,w:wec=3,v:wec=4 ext=true","a:wec=1,p38:wec=38,p39:wec=39,z:wec=\\"z\\",a2:wec=fn \\"\\"/0 ext=true","y:wec=2,w:wec=3,v:wec=4 ext=true","a:wec=2,p38:wec=76,p39:wec=78,z:wec=\\"z\\",a2:wec=fn \\"\\"/0 ext=true","y:wec=2,w:wec=3,v:wec=4 ext=true"]',
    'closuresGrow: ok ["name:--c=\\"f\\",extra:wec=0,more:wec=[0],hidden:---=0,after:wec=\\"a\\" ext=true","length:--c=2,name:--c=\\"named\\",prototype:w--={\\"m\\":1},k:wec=\\"k\\" ext=true",1,3,"name:--c=\\"f\\",extra:wec=1,more:wec=[1],hidden:---=1,after:wec=\\"a\\" ext=true","length:--c=2,name:--c=\\"named\\",prototype:w--={\\"m\\":1},k:wec=\\"k\\" ext=true",2,3,"name:--c=\\"f\\",extra:wec=2,more:wec=[2],hidden:---=2,after:wec=\\"a\\" ext=true","length:--c=2,name:--c=\\"named\\",prototype:w--={\\"m\\":1},k:wec=\\"k\\" ext=true",3,3]',
    'keptObjectsIntact: ok "5,3,5,3,5,3,3,1,3,1,3,1"',
    'regexpExecResult: ok "0:wec=\\"ab\\",1:wec=\\"a\\",2:wec=\\"b\\",length:w--=3,index:wec=1,input:wec=\\"xab\\",groups:wec={\\"y\\":\\"a\\"} ext=true"',
    'names: ok ["1=\\"1\\":length|name","status is 200=\\"status is 200\\":length|name","=\\"\\":length|name","named=\\"own\\":length|name|prototype","anon=\\"anon\\":length|name|prototype","cls=\\"cls\\":length|name|prototype","namedCls=\\"K\\":length|name|prototype","async=\\"async\\":length|name","gen=\\"gen\\":length|name|prototype","computed=\\"computed\\":length|name","Symbol(s)=\\"[s]\\":length|name"]',
    'namesVars: ok ["f","g","h","i"]',
    'nameStaticOverride: ok "own"',
    'nameStaticMethod: ok "function"',
    'privateFieldName: ok "#p"',
]


def test_interpreter_paths_behave_as_in_stock_quickjs(c6):
    r = c6("js/interp_paths.js")
    assert r.code == 0, r
    got = [json.loads(m) for m in r.console()]
    assert len(got) == 2, r
    for lines in got:
        for i, want in enumerate(STOCK):
            assert i < len(lines) and lines[i] == want, (i, want, lines[i] if i < len(lines) else None)
        assert len(lines) == len(STOCK), lines[len(STOCK):]
