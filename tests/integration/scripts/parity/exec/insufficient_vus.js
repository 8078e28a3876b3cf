// An arrival-rate scenario out of VUs: k6 warns once per scenario
// (lib/executor/constant_arrival_rate.go Run):
// level=warning msg="Insufficient VUs, reached 2 active VUs and cannot initialize more" executor=constant-arrival-rate scenario=car
import { sleep } from 'k6';
export const options = {
  scenarios: {
    car: { executor: 'constant-arrival-rate', rate: 20, timeUnit: '1s', duration: '1s', preAllocatedVUs: 1, maxVUs: 2 },
    rar: { executor: 'ramping-arrival-rate', startRate: 20, timeUnit: '1s', stages: [{ duration: '1s', target: 20 }], preAllocatedVUs: 1 },
  },
};
export default function () { sleep(0.5); }
