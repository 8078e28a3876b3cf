// A ramping-arrival-rate up to 100 iterations/s: the rate column is
// zero-padded to the width of "100.00".
export const options = {
  scenarios: {
    r: { executor: 'ramping-arrival-rate', startRate: 1, timeUnit: '1s', preAllocatedVUs: 2,
         stages: [{ duration: '2s', target: 100 }] },
  },
};
export default function () {}
