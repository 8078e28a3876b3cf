// A script that makes __ENV a getter (tests/integration/test_prefetch.py):
// c6 reads what an iteration reads first ahead of it (scripts/quickjs-prefetch.patch,
// src/js/vm.c: JS_SetPrefetch at the first iteration), without calling a getter.
let calls = 0;
Object.defineProperty(globalThis, '__ENV', { get() { calls++; return { X: '1' }; }, configurable: true });
export const options = { vus: 1, iterations: 3 };

export default function () {
  console.log(`calls ${calls}`);
}
