// A script with setup(): k6 runs setup() in a VU of its own that is not
// counted (lib ExecutionState: only the planned VUs are initialized VUs):
// vus_max 2, exec.instance.vusInitialized 2, progress "x/2 VUs".
import exec from 'k6/execution';
import { sleep } from 'k6';
export const options = { vus: 2, duration: '1500ms' };
export function setup() { return { ok: 1 }; }
export default function () {
  if (exec.vu.iterationInScenario === 0) console.log('initialized ' + exec.instance.vusInitialized);
  sleep(0.5);
}
