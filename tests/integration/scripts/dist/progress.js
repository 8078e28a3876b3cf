// Two scenarios for the coordinator's progress block: 4 looping VUs for 3 s
// (2 per agent over 2 agents) and 20 shared iterations over 2 VUs from 1 s.
import { sleep } from 'k6';

export const options = {
  scenarios: {
    looping: { executor: 'constant-vus', vus: 4, duration: '3s' },
    shared: { executor: 'shared-iterations', vus: 2, iterations: 20, startTime: '1s' },
  },
};

export default function () { sleep(0.1); }
