export const options = {
  scenarios: {
    shared: { executor: 'shared-iterations', vus: 4, iterations: 103, exec: 'a' },
    rate: { executor: 'constant-arrival-rate', rate: 40, timeUnit: '1s', duration: '2s', preAllocatedVUs: 4, exec: 'b' },
  },
  thresholds: { 'iterations{scenario:shared}': ['count>0'], 'iterations{scenario:rate}': ['count>0'] },
};
export function a() {}
export function b() {}
