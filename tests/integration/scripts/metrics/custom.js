// Custom metrics of each type, with tags and thresholds on them.
import http from 'k6/http';
import { Counter, Gauge, Rate, Trend } from 'k6/metrics';
import * as metrics from 'k6/metrics';
const c = new Counter('my_counter');
const g = new Gauge('my_gauge');
const r = new Rate('my_rate');
const t = new Trend('my_trend', true);
const t2 = new metrics.Trend('plain_trend');
export const options = { iterations: 10, thresholds: { my_counter: ['count==20'], my_trend: ['p(95)<1000'], 'my_rate{kind:a}': ['rate==1'] }, tags: { team: 'qa' } };
export default function () {
  c.add(2, { kind: 'a' });
  g.add(__ITER);
  r.add(true, { kind: 'a' });
  r.add(false, { kind: 'b' });
  t.add(12.5);
  t2.add(3);
  if (__ITER === 0) console.log(c.name, typeof t.add);
}
