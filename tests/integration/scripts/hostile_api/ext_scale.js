// The externally-controlled executor, scaled over PATCH /v1/status.
import { sleep } from 'k6';
export const options = { scenarios: { ext: { executor: 'externally-controlled', vus: 1, maxVUs: 4, duration: '60s' } } };
export default function () { sleep(0.05); }
