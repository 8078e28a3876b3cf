// A long run for the coordinator's REST API: 4 looping VUs (2 per agent over
// 2 agents), a check in a group, setup() data; only a stop ends it early.
import { check, group, sleep } from 'k6';

export const options = {
  scenarios: { s: { executor: 'constant-vus', vus: 4, duration: '60s' } },
};

export function setup() { return { from: 'setup' }; }

export default function (data) {
  group('g', () => { check(data, { 'has setup data': (d) => d.from === 'setup' }); });
  sleep(0.1);
}
