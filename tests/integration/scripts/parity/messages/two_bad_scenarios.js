// Two invalid scenarios and one whose exec function is missing: k6 lists all of them.
export const options = {
  scenarios: {
    b: { executor: 'shared-iterations', vus: 0, maxDuration: '10ms' },
    a: { executor: 'constant-vus', vus: 1, duration: '2s', exec: 'nope' },
    c: { executor: 'constant-vus', vus: 2, startTime: '1s' },
  },
};
export default function () {}
