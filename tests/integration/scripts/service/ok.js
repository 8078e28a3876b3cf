// 4 iterations over 2 VUs; the threshold holds (a Finished run, result passed, exit 0)
import { sleep } from 'k6';
export const options = { vus: 2, iterations: 4, thresholds: { iterations: ['count>=4'] } };
export default function () { sleep(0.1); }
