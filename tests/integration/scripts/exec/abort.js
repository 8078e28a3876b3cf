// exec.test.abort() stops a long test at once; teardown still runs.
import exec from 'k6/execution';
import { sleep } from 'k6';
export const options = { vus: 2, duration: '30s' };
export default function () {
  if (__ITER === 2 && __VU === 1) exec.test.abort('enough');
  sleep(0.1);
}
export function teardown() { console.log('teardown ran'); }
