// the threshold is crossed at the end: k6 exits 99 (ThresholdsHaveFailed); the run is Finished, result failed
import { sleep } from 'k6';
export const options = { vus: 1, iterations: 2, thresholds: { iterations: ['count>100'] } };
export default function () { sleep(0.05); }
