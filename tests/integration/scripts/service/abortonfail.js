// an abortOnFail threshold crossed while running: Aborted by threshold (8), exit 99
import { sleep } from 'k6';
export const options = {
  vus: 1, duration: '30s',
  thresholds: { iterations: [{ threshold: 'count<3', abortOnFail: true }] },
};
export default function () { sleep(0.1); }
