// Each VU's state stays its own when VUs share a QuickJS runtime
// (C6_SHARED_RT, tests/integration/test_shared_runtime.py): globals,
// promise jobs, the stack limit measured from the VU's own stack.
import { check, sleep } from 'k6';


let iters = 0;      // this VU's own count
let depth0 = 0;     // recursion depth reached in this VU's first iteration

function depth() {
  let n = 0;
  function f() { n++; f(); }
  try { f(); } catch (e) { if (!/stack/.test(String(e))) throw e; } // QuickJS: InternalError: stack overflow
  return n;
}

export default function () {
  iters++;
  let x = 0;
  Promise.resolve().then(() => { x = 1; });
  sleep(0.02); // other VUs of the worker run meanwhile, and drain their own jobs
  const d = depth();
  if (!depth0) depth0 = d;
  check(null, {
    'globals are per VU': () => iters === __ITER + 1,
    'a job waits for the function to return': () => x === 0,
    'recursion ends at the same depth': () => d > 100 && Math.abs(d - depth0) <= depth0 / 20,
  });
}
