// 5 VUs for about 1 s: more than one pool agent of 2 VUs can take
import { sleep } from 'k6';
export const options = { vus: 5, duration: '1s' };
export default function () { sleep(0.2); }
