import { sleep } from 'k6';
export const options = { scenarios: { slow: { executor: 'constant-vus', vus: 2, duration: '1s', gracefulStop: '1s' } } };
export default function () { sleep(3); }
