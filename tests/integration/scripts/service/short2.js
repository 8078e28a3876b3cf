// 2 VUs for about 2 s: one pool agent of 2 VUs takes one such run at a time
import { sleep } from 'k6';
export const options = { vus: 2, duration: '2s' };
export default function () { sleep(0.2); }
