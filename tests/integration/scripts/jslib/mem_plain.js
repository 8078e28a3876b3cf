// 100 VUs that import no jslib module (memory: the embedded libraries must cost nothing here).
import { sleep } from 'k6';
export const options = { vus: 100, iterations: 100 };
export default function () { sleep(0.5); }
