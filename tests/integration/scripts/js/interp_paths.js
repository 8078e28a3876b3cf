// Paths of the interpreter that c6's QuickJS patches shortcut (issue 17, CPU
// per iteration), each case logged as "name: result" so that the output can
// be compared with stock QuickJS's (tests/integration/test_interp_paths.py):
//  - quickjs-c-call.patch: a script's call of a C function (call, method
//    call, tail call, fewer arguments than its length, this, exceptions
//    and their stack, getters/bound/data functions which keep the old path);
//  - quickjs-define-new.patch: JS_DefinePropertyValue adding a new property
//    (object literals, class fields on every kind of object a constructor
//    can return, JSON.parse, Object.fromEntries, duplicate and numeric keys)
//    and the OP_set_name skipped after a closure already named.
import { check } from 'k6';

function show(v) {
  if (typeof v === 'function') return `fn ${JSON.stringify(v.name)}/${v.length}`;
  if (typeof v === 'symbol') return v.toString();
  if (v === undefined) return 'undefined';
  try {
    return JSON.stringify(v);
  } catch (e) {
    return String(v);
  }
}

function props(o) {
  return Reflect.ownKeys(o).map((k) => {
    const d = Object.getOwnPropertyDescriptor(o, k);
    const a = ('value' in d ? (d.writable ? 'w' : '-') : 'g') + (d.enumerable ? 'e' : '-') + (d.configurable ? 'c' : '-');
    return `${String(k)}:${a}=${'value' in d ? show(d.value) : 'accessor'}`;
  }).join(',') + ` ext=${Object.isExtensible(o)}`;
}

function err(f) {
  try {
    return `ok ${show(f())}`;
  } catch (e) {
    // the stack's frames, without line:column (the same either way)
    const frames = String(e.stack || '').split('\n').map((l) => l.trim().replace(/ \(.*\/([^/]*)$/, ' ($1').replace(/:\d+(:\d+)?\)?$/, '')).filter((l) => l);
    // (how deep a recursion goes before the stack overflows depends on the C
    // stack each frame takes, not pinned here)
    const tail = frames.length > 50 ? ' / ... more than 50 frames' : frames.length > 6 ? ` / ... ${frames.length} frames` : '';
    return `${e.constructor && e.constructor.name}: ${e.message} | ${frames.slice(0, 6).join(' / ')}${tail}`;
  }
}

const out = [];
function t(name, f) {
  out.push(`${name}: ${err(f)}`);
}

function cases() {
  // --- C functions called from the interpreter
  t('call', () => Math.max(1, 5, 3));
  t('callFewerArgs', () => [String.prototype.padStart.call('7', 3), Math.max()]);
  t('callThis', () => Object.prototype.toString.call([]) + Array.prototype.join.call([1, 2], '-'));
  t('method', () => 'a,b'.split(',').concat([1]));
  t('methodThisUndefined', () => { const f = Object.prototype.toString; return f(); });
  t('throwFromC', () => JSON.parse('{bad'));
  t('throwFromCNested', () => [1].map(function inner() { return null.x; }));
  t('cStack', () => { function outer() { return decodeURIComponent('%'); } return outer(); });
  function tail() { return Math.abs(-3); }
  t('tailCall', () => tail());
  t('tailCallMethod', () => { const o = { f() { return 'x'.repeat(2); } }; return o.f(); });
  t('notAFunction', () => { const o = { f: 1 }; return o.f(); });
  t('callUndefined', () => { let u; return u(); });
  t('bound', () => Math.max.bind(null, 9)(1));
  t('cConstructorWithoutNew', () => Map());
  t('cConstructorOrFunc', () => [String(5), Number('6'), Boolean(0)]);
  t('getterC', () => { const d = Object.getOwnPropertyDescriptor(Map.prototype, 'size'); return d.get.call(new Map([[1, 2]])); });
  t('checkInLoop', () => { let n = 0; for (let i = 0; i < 1000; i++) n += Math.sign(i); return n; });
  t('reentrant', () => [3, 1, 2].sort((a, b) => Math.sign(a - b)).map(String));
  t('deepRecursionThroughC', () => { function r(n) { return n ? [n].map((x) => r(x - 1))[0] : 'bottom'; } return r(20); });
  t('stackOverflowThroughC', () => { function r() { return [1].map(r); } return r(); });

  // --- new properties of objects (JS_DefinePropertyValue)
  t('literal', () => props({ b: 1, a: () => 1, 2: 'two', 1: 'one', c: undefined }));
  t('literalDuplicate', () => props({ a: 1, b: 2, a: 3 }));
  t('literalProto', () => { const o = { __proto__: null, x: 1 }; return [props(o), Object.getPrototypeOf(o)]; });
  t('literalGetterThenValue', () => props({ get a() { return 1; }, a: 2 }));
  t('literalSpread', () => props({ x: 1, ...{ y: 2, x: 3 }, z: 4 }));
  t('literalComputed', () => props({ ['k' + 1]: 1, [Symbol.iterator]: 2, 1.5: 3 }));
  t('jsonParse', () => props(JSON.parse('{"b":1,"a":{"c":[1,2]},"b":3,"7":0}')));
  t('fromEntries', () => props(Object.fromEntries([['x', 1], ['y', 2], ['x', 3]])));
  t('arrayFromLiteral', () => props([1, , 3]));
  class Base { constructor(o) { return o; } }
  class Fields extends Base { f = 1; g = () => 2; 0 = 'zero'; }
  t('fieldPlain', () => props(new Fields({ existing: 0 })));
  t('fieldExistingReadonly', () => props(new Fields(Object.defineProperty({}, 'f', { value: 9, configurable: false }))));
  t('fieldNonExtensible', () => props(new Fields(Object.preventExtensions({}))));
  t('fieldSealed', () => props(new Fields(Object.seal({ f: 0 }))));
  t('fieldArray', () => props(new Fields([])));
  t('fieldArrayWithHoles', () => props(new Fields([, , 'x'])));
  t('fieldTypedArray', () => props(new Fields(new Uint8Array(0))));
  t('fieldTypedArrayLong', () => props(new Fields(new Uint8Array(2))));
  t('fieldStringObject', () => props(new Fields(new String('ab'))));
  t('fieldFunction', () => props(new Fields(function fn(a) {})));
  t('fieldMap', () => props(new Fields(new Map())));
  t('fieldArguments', () => { function a() { return arguments; } return props(new Fields(a(5, 6))); });
  t('fieldSloppyArguments', () => props(new Fields((0, eval)('(function (q) { return arguments; })')(7))));
  const log = [];
  const handler = {
    defineProperty(tg, k, d) { log.push(`define ${String(k)} ${JSON.stringify(d)}`); return Reflect.defineProperty(tg, k, d); },
    isExtensible(tg) { log.push('isExtensible'); return Reflect.isExtensible(tg); },
  };
  t('fieldProxy', () => { const p = new Fields(new Proxy({}, handler)); return [props(p), log.join('; ')]; });
  t('fieldProxyRefuses', () => new Fields(new Proxy({}, { defineProperty() { return false; } })));
  t('fieldFrozenProxyTarget', () => new Fields(new Proxy(Object.freeze({}), {})));
  t('fieldOnGlobal', () => { const g = new Fields(globalThis); const r = [g.f, typeof g.g]; delete globalThis.f; delete globalThis.g; delete globalThis[0]; return r; });
  t('fieldModuleNamespaceLike', () => props(new Fields(Object.create(null))));
  t('definePropertiesOrder', () => props(Object.defineProperties({}, { b: { value: 1, enumerable: true }, a: { get() { return 1; } } })));
  // objects freed with every kind of property (accessors, a function's lazy
  // prototype never read, closures over variables, weak references)
  t('freedKinds', () => {
    let n = 0;
    for (let i = 0; i < 200; i++) {
      let captured = i;
      const o = { get g() { return captured; }, set s(v) { captured = v; }, f: function named() { return captured; }, v: `s${i}` };
      Object.defineProperty(o, 'hidden', { value: [i], enumerable: false });
      o.s = i + 1;
      n += o.g + o.f() + o.hidden[0] + o.v.length;
    }
    const w = new WeakRef({ kept: 1 });
    return [n, typeof w.deref()];
  });
  // object literals and closures whose properties outgrow their first array,
  // lose most of them (compaction) and gain more, kept across calls
  const kept = [];
  t('literalsGrowAndShrink', () => {
    const rows = [];
    for (let i = 0; i < 3; i++) {
      const o = { a: i };
      for (let k = 0; k < 40; k++) o[`p${k}`] = k * i;
      for (let k = 0; k < 38; k++) delete o[`p${k}`];
      o.z = 'z';
      o.a2 = () => i;
      const e = {};
      e.x = 1;
      e.y = 2;
      e.w = 3;
      delete e.x;
      e.v = 4;
      kept.push(o, e);
      rows.push(props(o), props(e));
    }
    return rows;
  });
  t('closuresGrow', () => {
    const fs = [];
    for (let i = 0; i < 3; i++) {
      const f = (x) => x + i;
      f.extra = i;
      f.more = [i];
      Object.defineProperty(f, 'hidden', { value: i, enumerable: false });
      delete f.length;
      f.after = 'a';
      const g = function named(a, b) { return a + b; };
      g.prototype.m = 1;
      g.k = 'k';
      fs.push(props(f), props(g), f(1), g(1, 2));
      kept.push(f, g);
    }
    return fs;
  });
  t('keptObjectsIntact', () => kept.map((o) => Object.keys(o).length).join(','));
  t('regexpExecResult', () => props(/(?<y>a)(b)?/.exec('xab')));

  // --- OP_set_name after a closure (the name it gives, or keeps)
  t('names', () => {
    const o = {
      'status is 200': (x) => x,
      '': () => 0,
      named: function own() {},
      anon: function () {},
      cls: class {},
      namedCls: class K {},
      async: async () => 0,
      gen: function* () {},
      [Symbol('s')]: () => 0,
      ['comp' + 'uted']: () => 0,
      1: () => 0,
    };
    return Reflect.ownKeys(o).map((k) => `${String(k)}=${JSON.stringify(o[k].name)}:${Object.getOwnPropertyNames(o[k]).join('|')}`);
  });
  t('namesVars', () => { const f = () => 0; let g; g = function () {}; const [h = () => 0] = []; const { i = function () {} } = {}; return [f.name, g.name, h.name, i.name]; });
  t('nameStaticOverride', () => { const o = { c: class { static name = 'own'; } }; return o.c.name; });
  t('nameStaticMethod', () => { const o = { c: class { static name() { return 1; } } }; return typeof o.c.name; });
  t('privateFieldName', () => { class P { #p = () => 0; get() { return this.#p.name; } } return new P().get(); });
  return out;
}

export const options = { vus: 1, iterations: 2 };

export default function () {
  out.length = 0;
  const lines = cases();
  check(lines, { 'cases ran': (x) => x.length > 0 });
  console.log(JSON.stringify(lines));
}
