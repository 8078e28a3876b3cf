// GC benchmark (bench/README "Shared runtime"): each iteration leaves a
// cycle that only a collection frees (reference counting cannot), so the
// cost of collecting shows in CPU per iteration and peak RSS.
import { sleep } from 'k6';

export default function () {
  const o = { n: __ITER, text: 'x'.repeat(200 + (__ITER % 7)) };
  o.self = o;
  sleep(0.1);
}
