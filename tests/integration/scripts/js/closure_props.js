// The own properties of functions a VU iteration makes (issue 17:
// scripts/quickjs-closure-shape.patch gives a closure its 'length', 'name'
// and lazy 'prototype' from a shape kept per context after the first one of
// its kind). Logs, per iteration, a JSON array of signatures: own property
// names in order, each with its attributes (w/e/c) and value, for every kind
// of function; the same made twice in a row, with the first one's properties
// changed in between, must look the same.
import { check } from 'k6';

function desc(f, k) {
  const d = Object.getOwnPropertyDescriptor(f, k);
  const a = ('value' in d ? (d.writable ? 'w' : '-') : 'g') + (d.enumerable ? 'e' : '-') + (d.configurable ? 'c' : '-');
  let v;
  if (k === 'prototype') {
    const p = d.value;
    v = p === undefined ? 'undefined'
      : `{${Object.getOwnPropertyNames(p).join(' ')}} ctor=${p.constructor === f} proto=${Object.getPrototypeOf(p) === Object.prototype}`;
  } else {
    v = JSON.stringify(d.value);
  }
  return `${k}:${a}=${v}`;
}

function sig(f) {
  let s = Object.getOwnPropertyNames(f).map((k) => desc(f, k)).join(',');
  s += ` keys=${Object.keys(f).length} ctor=${isCtor(f)}`;
  s += ` proto=${Object.getPrototypeOf(f) === Function.prototype ? 'Function' : Object.prototype.toString.call(f)}`;
  return s;
}

function isCtor(f) {
  try {
    Reflect.construct(String, [], f);
    return true;
  } catch (e) {
    return false;
  }
}

// every kind of function, made anew on each call
function makers(k) {
  const a = (x, y) => x + y;
  let assigned;
  assigned = function (p) { return p; };
  const o = {
    'status is 200': (x) => x.status === 200,
    [k]: () => 0,
    [Symbol('sym')]: () => 0,
    m(a1, a2, a3) { return a1; },
    get g() { return 1; },
    async am() {},
    *gm() {},
    plain: function () {},
  };
  const symKey = Object.getOwnPropertySymbols(o)[0];
  class C { constructor(q) { this.q = q; } meth(z) {} static st() {} }
  class D extends C {}
  function named(p1, p2 = 1, ...rest) {}
  const withDefault = function (p, f = () => 1) { return f; };
  return {
    arrow: a,
    arrowAnon: [((p, q, r) => 0)][0],
    assigned,
    check: o['status is 200'],
    computed: o[k],
    symbolKey: o[symKey],
    method: o.m,
    getter: Object.getOwnPropertyDescriptor(o, 'g').get,
    asyncMethod: o.am,
    genMethod: o.gm,
    plain: o.plain,
    named,
    funcExpr: function fe(x) {},
    anonFuncExpr: [function (x, y) {}][0],
    defaultParam: withDefault(0),
    asyncFn: async function af(x) {},
    asyncArrow: async (x) => x,
    generator: function* gen(x) {},
    asyncGenerator: async function* agen(x) {},
    classC: C,
    classD: D,
    classMethod: C.prototype.meth,
    staticMethod: C.st,
    bound: named.bind(null, 1),
    boundArrow: a.bind(null),
    newFunction: new Function('a', 'b', 'return a'),
    sloppy: (0, eval)('(function (s1) { return this; })'),
    sloppyArrow: (0, eval)('((s1, s2) => 0)'),
  };
}

function signatures() {
  const first = makers('ck');
  const out = {};
  for (const [name, f] of Object.entries(first)) out[name] = sig(f);
  // change the first set of functions in every way a script can...
  for (const f of Object.values(first)) {
    Object.defineProperty(f, 'extra', { value: 1, writable: true, enumerable: true, configurable: true });
    delete f.name;
    Object.defineProperty(f, 'length', { value: 99, writable: true, enumerable: true });
    try { f.prototype = 5; } catch (e) { /* not writable */ }
    Object.setPrototypeOf(f, null);
    Object.freeze(f);
  }
  // ...the next ones made must not see it
  const second = makers('ck');
  for (const [name, f] of Object.entries(second)) {
    if (sig(f) !== out[name]) out[name] += ` SECOND DIFFERS: ${sig(f)}`;
  }
  // a normal function's lazy prototype is its own
  out.prototypesDistinct = String(second.named.prototype !== first.named.prototype &&
    makers('ck').named.prototype !== second.named.prototype);
  return out;
}

export const options = { vus: 2, iterations: 6 };

export default function () {
  const s = signatures();
  check(s, { 'signatures made': (x) => Object.keys(x).length > 0 });
  console.log(JSON.stringify(s));
}
