// QuickJS builds Map/Set, the typed arrays, WeakRef, Date and RegExp on a context's first
// use (scripts/quickjs-lazy-intrinsics.patch, issue 17). Nothing a script
// sees may differ from stock QuickJS: what c6 itself makes (open()'s and
// http's ArrayBuffers) before the script names the globals, the order and
// descriptors of globalThis's properties, prototypes and constructors.
import http from 'k6/http';

export const options = { scenarios: { s: { executor: 'per-vu-iterations', vus: 2, iterations: 1 } } };

// VU 1: the first ArrayBuffer of its context comes from C (open), before
// the script reads any of these globals
const raw = __VU === 1 ? open('./data/users.json', 'b') : null;

function facts(made) {
  // String.prototype.match with a string makes a RegExp from C before the script names it
  const m = 'abcb'.match('c');
  const names = Object.getOwnPropertyNames(globalThis);
  const d = Object.getOwnPropertyDescriptor(globalThis, 'Uint8Array');
  const shared = new Int32Array(new SharedArrayBuffer(8));
  Atomics.add(shared, 0, 5);
  const ws = Reflect.construct(WeakSet, [], Object.assign(function () {}, { prototype: 3 }));
  return {
    // every first use is by C code, before the globals are read
    made: [made instanceof ArrayBuffer, Object.getPrototypeOf(made) === ArrayBuffer.prototype,
           Object.prototype.toString.call(made), new Uint8Array(made).length > 0],
    order: names.slice(names.indexOf('BigInt'), names.indexOf('FinalizationRegistry') + 1).join(' '),
    desc: [d.writable, d.enumerable, d.configurable, d.value === Uint8Array].join(' '),
    types: [typeof Map, typeof WeakRef, typeof DataView, typeof Atomics, typeof FinalizationRegistry].join(' '),
    protos: [Object.getPrototypeOf(Int8Array) === Object.getPrototypeOf(Float64Array),
             Object.getPrototypeOf(Uint8Array.prototype) === Object.getPrototypeOf(BigInt64Array.prototype),
             new Map([[1, 2]]).get(1), new Set([3]).has(3), String(Object.getPrototypeOf(new Map().keys())[Symbol.toStringTag]),
             Atomics.load(shared, 0), Object.getPrototypeOf(ws) === WeakSet.prototype,
             new DataView(new ArrayBuffer(4)).byteLength, Float32Array.BYTES_PER_ELEMENT,
             typeof new WeakRef({}).deref, JSON.stringify(new Date(0)), Date.length,
             m instanceof Array, m.index, Object.getPrototypeOf(/a/) === RegExp.prototype, 'a-b'.split(/-/).length,
             Object.prototype.toString.call('x'.matchAll('x'))].join(' '),
  };
}

export default function () {
  if (__VU === 1) console.log(JSON.stringify(facts(raw)));
  if (__VU === 2) {
    // VU 2: the first ArrayBuffer of its context is a binary response body
    const r = http.get(`${__ENV.TARGET}/bytes/16`, { responseType: 'binary' });
    console.log(JSON.stringify(facts(r.status === 200 ? r.body : null)));
  }
}
