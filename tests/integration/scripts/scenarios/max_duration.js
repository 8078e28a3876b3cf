import { sleep } from 'k6';
export const options = { scenarios: { capped: { executor: 'shared-iterations', vus: 1, iterations: 100, maxDuration: '2s', gracefulStop: '0s' } } };
export default function () { sleep(0.45); }
