export const options = {
  scenarios: {
    ramp: { executor: 'ramping-arrival-rate', startRate: 0, timeUnit: '1s', preAllocatedVUs: 5,
            stages: [{ duration: '1s', target: 20 }, { duration: '1s', target: 20 }] },
  },
};
export default function () {}
