// Empty objects built in every iteration (issue 17:
// scripts/quickjs-shape-cache.patch keeps a context's empty Object.prototype
// shape at hand for the next object literal and JS_NewObject). The empty
// shape is changed in place when its only object gets a property, a new
// prototype or is frozen, and is freed with its last object: each time the
// next empty object must still be a plain, empty, extensible object of
// Object.prototype. Logs, per iteration, what a script can see of them.
export const options = { vus: 2, iterations: 6 };

class C { constructor() { this.c = 1; } }

function look(o) {
  return `${JSON.stringify(Object.getOwnPropertyNames(o))}` +
    `${Object.isExtensible(o) ? 'x' : '-'}${Object.isFrozen(o) ? 'f' : '-'}` +
    `${Object.getPrototypeOf(o) === Object.prototype ? 'O' : Object.getPrototypeOf(o) === null ? 'N' : '?'}`;
}

export default function () {
  const seen = new Map();
  const note = (s) => seen.set(s, (seen.get(s) || 0) + 1);
  for (let i = 0; i < 2000; i++) {
    const a = {}; // alone with the empty shape: a property changes it in place
    a['k' + (i % 3)] = i;
    note(look(a));
    note(look({}));
    const b = {};
    Object.setPrototypeOf(b, null);
    note(look(b));
    note(look({}));
    const c = Object.freeze({});
    note(look(c));
    const d = {};
    Object.preventExtensions(d);
    note(look(d));
    note(look(JSON.parse('{}'))); // JS_NewObject
    note(look(Object.create(null)));
    const e = new C();
    note(look(e) + (e instanceof C));
    note(look(Object.create(C.prototype)) + (Object.getPrototypeOf(Object.create(C.prototype)) === C.prototype));
    const f = { self: null }; // in a cycle, freed by the collector
    f.self = f;
    const g = {};
    g.g = g;
    note(look({}));
  }
  console.log([...seen].map(([k, n]) => `${k}=${n}`).join(' '));
}
