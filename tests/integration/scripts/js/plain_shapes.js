// Plain objects made the same way in every iteration (issue 17:
// scripts/quickjs-dead-shapes.patch keeps the last few plain-object shapes
// their last object left, so that the next such object finds its shape).
// Objects in cycles (freed by the cycle collector), objects whose shape a
// script changes afterwards (delete, new property, new prototype, freeze),
// JSON.parse results: logs, per iteration, what a script can see of them.
export const options = { vus: 2, iterations: 8 };

function look(o) {
  return `${JSON.stringify(Object.getOwnPropertyNames(o))}` +
    `${JSON.stringify(Object.getOwnPropertyNames(o).map((k) => {
      const d = Object.getOwnPropertyDescriptor(o, k);
      return `${d.writable ? 'w' : '-'}${d.enumerable ? 'e' : '-'}${d.configurable ? 'c' : '-'}`;
    }))}${Object.isFrozen(o)}${Object.getPrototypeOf(o) === Object.prototype}`;
}

export default function () {
  const out = [];
  let sum = 0;
  for (let i = 0; i < 3000; i++) {
    const a = { x: i, y: 'v' };
    const b = { a, z: i };
    a.b = b; // a cycle: both go when the collector runs
    const j = JSON.parse('{"p":1,"q":[{"r":2},{"r":3}],"s":{"t":"u"}}');
    sum += a.x + b.z + j.q[1].r;
    if (i % 1000 === 0) {
      const c = { k: 1, l: 2 };
      delete c.k;
      const d = { k: 1, l: 2 };
      d.m = 3;
      const e = { k: 1, l: 2 };
      Object.setPrototypeOf(e, null);
      const f = Object.freeze({ k: 1, l: 2 });
      const g = { k: 1, l: 2 };
      Object.defineProperty(g, 'k', { enumerable: false });
      out.push([a, b, j, j.s, c, d, f, g].map(look).join(' ') + ` ${Object.getPrototypeOf(e)} ${look({ k: 1, l: 2 })}`);
    }
  }
  console.log(`${sum} ${out.join(' | ')}`);
}
