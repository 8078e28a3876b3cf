// VUs sharing a runtime share the compiled functions of a module
// (JS_ShareFunction, vm_share_function in src/js/vm.c); a shared function runs in the
// context of the VU calling it: what it creates (arrays, errors, instances
// of classes, generator and async function state resumed after a sleep)
// has that VU's prototypes, which each VU marks as its own here, and its
// globals are the VU's (k6/execution's id comes from the VU itself).
import { check, sleep } from 'k6';
import exec from 'k6/execution';
import { strings } from './shared_function_tag.js';

Array.prototype.c6vu = __VU;
Error.prototype.c6vu = __VU;
class List extends Array {}
function* gen() { yield [].c6vu; sleep(0.01); yield [].c6vu; }
async function later() { await null; return [].c6vu; }
let first = null;     // this VU's template strings array
let asyncSeen = 0;

export default function () {
  const g = gen();
  const a = g.next().value;
  sleep(0.01); // other VUs of the worker run meanwhile
  const b = g.next().value;
  later().then((v) => { asyncSeen = v; });
  const s = strings();
  if (!first) first = s;
  check(null, {
    'globals are the VU\'s': () => __VU === exec.vu.idInTest,
    'arrays are the VU\'s': () => [].c6vu === __VU && Array.of(1).c6vu === __VU,
    'errors are the VU\'s': () => new Error('x').c6vu === __VU && new TypeError('y').c6vu === __VU,
    'subclass instances are the VU\'s': () => new List().c6vu === __VU && new List() instanceof Array,
    'a generator resumes in its VU': () => a === __VU && b === __VU,
    'an async function resumed in its VU': () => __ITER === 0 || asyncSeen === __VU,
    'template strings are the VU\'s': () => s === first && Object.getPrototypeOf(s) === Array.prototype && s.c6vu === __VU
      && Object.isFrozen(s) && Object.isFrozen(s.raw),
  });
  sleep(0.01);
}
