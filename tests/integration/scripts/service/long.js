// runs until stopped (30 s at most)
import { sleep } from 'k6';
export const options = { vus: 2, duration: '30s' };
export default function () { sleep(0.2); }
