// The same scenarios as segments.js, with this instance's segment set in
// the script's options (executionSegment / executionSegmentSequence).
export const options = {
  executionSegment: __ENV.SEG,
  executionSegmentSequence: '0,1/4,1/2,3/4,1',
  scenarios: {
    shared: { executor: 'shared-iterations', vus: 4, iterations: 103, exec: 'a' },
    rate: { executor: 'constant-arrival-rate', rate: 40, timeUnit: '1s', duration: '2s', preAllocatedVUs: 4, exec: 'b' },
  },
  thresholds: { 'iterations{scenario:shared}': ['count>0'], 'iterations{scenario:rate}': ['count>0'] },
};
export function a() {}
export function b() {}
