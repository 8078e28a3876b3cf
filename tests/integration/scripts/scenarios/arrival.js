import { sleep } from 'k6';
export const options = {
  scenarios: {
    steady: { executor: 'constant-arrival-rate', rate: 50, timeUnit: '1s', duration: '2s', preAllocatedVUs: 5, exec: 'fast' },
    starved: { executor: 'constant-arrival-rate', rate: 20, timeUnit: '1s', duration: '2s', preAllocatedVUs: 2, maxVUs: 2, exec: 'slow' },
  },
};
export function fast() {}
export function slow() { sleep(1); }
