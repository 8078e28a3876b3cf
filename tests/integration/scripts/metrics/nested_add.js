// A tags object whose getter adds to another metric and makes a check while
// the outer add() reads it: each sample keeps its own tags
// (tests/integration/test_metrics.py).
import { check } from 'k6';
import { Counter, Trend } from 'k6/metrics';

const outer = new Trend('outer_trend');
const inner = new Counter('inner_counter');

export const options = { iterations: 1, tags: { base: 'b' } };

export default function () {
  const tags = {
    get a() {
      inner.add(1, { inner: 'i' });
      check(1, { 'inner check': () => true });
      return 'x';
    },
  };
  outer.add(5, tags);
}
