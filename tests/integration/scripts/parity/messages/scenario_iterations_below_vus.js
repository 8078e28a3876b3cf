// shared-iterations with fewer iterations than VUs.
export const options = { scenarios: { s: { executor: 'shared-iterations', vus: 5, iterations: 2 } } };
export default function () {}
