// Every iteration is cut off by the end of gracefulStop: k6 warns
// "No script iterations fully finished, consider making the test duration
// longer" (internal/cmd/run.go run(), after a run that ended without error).
import { sleep } from 'k6';
export const options = { scenarios: { s: { executor: 'constant-vus', vus: 1, duration: '1s', gracefulStop: '0s' } } };
export default function () { sleep(3); }
