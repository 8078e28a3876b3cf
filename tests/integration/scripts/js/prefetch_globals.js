// Globals an iteration looks up, with the global object's hash table full
// of other names (tests/integration/test_prefetch.py): c6 records the lines
// of the look-ups of __ENV and __ITER at the first iteration
// (scripts/quickjs-prefetch-lookup.patch), reading the table only. __ITER
// turned into an accessor and __ENV deleted later must still behave as
// plain JavaScript says.
for (let i = 0; i < 300; i++) globalThis['g' + i] = i;
export const options = { scenarios: { s: { executor: 'per-vu-iterations', vus: 2, iterations: 4 } } };

export default function () {
  if (__ITER === 1) {
    delete globalThis.__ENV;
    globalThis.g7 = 'seven';
  }
  const env = typeof __ENV === 'undefined' ? 'gone' : __ENV.X;
  console.log(`iter ${__ITER} env ${env} g7 ${globalThis.g7} g299 ${globalThis.g299}`);
}
