// Look-ups recorded at a VU's second iteration (tests/integration/test_prefetch.py):
// c6 adds the lines of the look-ups its iteration makes on objects that live
// across iterations (scripts/quickjs-prefetch-lookup.patch, JS_SetPrefetchLearn),
// reading the objects' tables only: a getter is called as often as the script
// reads it, and an object that changes shape later reads as JavaScript says.
let calls = 0;
const o = { get x() { calls++; return 'x'; }, y: 'y' };
export const options = { scenarios: { s: { executor: 'per-vu-iterations', vus: 2, iterations: 5 } } };

export default function () {
  if (__ITER === 3) {
    delete o.y;
    for (let i = 0; i < 50; i++) o['p' + i] = i;
  }
  const x = o.x;
  console.log(`iter ${__ITER} ${x} ${o.y} ${o.p49} calls ${calls}`);
}
