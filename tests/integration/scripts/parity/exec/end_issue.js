// The case: 3 constant VUs for 2 s with 0.5 s iterations. k6: 12
// iterations (the fifth ones would start at the 2 s boundary).
import { sleep } from 'k6';
export const options = { vus: 3, duration: '2s' };
export default function () { sleep(0.5); }
