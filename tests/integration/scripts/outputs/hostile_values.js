// Values outputs must keep as k6 writes them: a tag value with a NUL, a
// counter too large for exact float64 digits, groups whose names start or
// end with ':' (k6 joins group names with "::").
import { Counter } from 'k6/metrics';
import { group, check } from 'k6';
const big = new Counter('big');
export const options = { iterations: 1 };
export default function () {
  big.add(999999999996908515, { t: 'a\u0000b' });
  group('a:', () => { group(':b', () => { check(1, { ok: () => true }); }); });
}
export function handleSummary(data) {
  const out = { [__ENV.HS_OUT]: JSON.stringify(data.root_group) };
  if (__ENV.HS_FULL) { out['/dev/full'] = 'x'.repeat(10); out[__ENV.HS_MISSING] = 'y'; }
  return out;
}
