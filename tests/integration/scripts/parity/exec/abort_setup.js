// exec.test.abort() in setup(): k6 stops before any iteration, teardown
// does not run (internal/execution/scheduler.go Run returns setup's error),
// exit 108, and the only error line is
// "test aborted: no data at setup (file:///...abort_setup.js:8:18)".
import exec from 'k6/execution';
export const options = { iterations: 1 };
export function setup() {
  exec.test.abort('no data');
}
export default function () { console.log('iteration ran'); }
export function teardown() { console.log('teardown ran'); }
