// Script scenarios, replaced by -d/-i/-u flags or K6_* variables in the tests.
export const options = { scenarios: { api: { executor: 'per-vu-iterations', vus: 1, iterations: 1 } } };
export default function () {}
