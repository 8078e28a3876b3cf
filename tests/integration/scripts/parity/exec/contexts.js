// Where each part of k6/execution can be read (k6
// internal/js/modules/k6/execution/execution.go): the errors are Go errors
// (GoError) with k6's texts.
import exec from 'k6/execution';
export const options = { scenarios: { s: { executor: 'per-vu-iterations', vus: 1, iterations: 1 } } };
function probe(where, name, f) {
  try { console.log(`${where} ${name} ok ${f()}`); } catch (e) { console.log(`${where} ${name} ${e}`); }
}
function all(where) {
  probe(where, 'vu', () => exec.vu.idInTest);
  probe(where, 'scenario', () => exec.scenario.name);
  probe(where, 'instance', () => exec.instance.vusInitialized);
  probe(where, 'options', () => typeof exec.test.options);
}
if (__VU === 1) {   // the one regular VU's init
  all('init');
  probe('init', 'fail', () => exec.test.fail('x'));
}
export function setup() { all('setup'); }
export default function () { all('iteration'); }
export function teardown() { all('teardown'); }
