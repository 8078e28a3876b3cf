// test.abort() on exactly one agent: the first iteration (of any agent) to
// take a ticket from the counting server (COUNTER) gets "1" and aborts;
// the coordinator must stop every other agent.
import exec from 'k6/execution';
import http from 'k6/http';
import { sleep } from 'k6';

export const options = {
  scenarios: { s: { executor: 'constant-vus', vus: 3, duration: '60s' } },
};

export default function () {
  if (exec.vu.iterationInInstance === 3) {
    const r = http.get(`${__ENV.COUNTER}/ticket`);
    if (r.body === '1') exec.test.abort('abort from one agent');
  }
  sleep(0.1);
}
