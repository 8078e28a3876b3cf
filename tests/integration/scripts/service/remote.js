// 4 VUs over two pool agents of 2 VUs each (agents in other network
// namespaces): 8 iterations, the threshold holds (Finished, passed, exit 0)
import { sleep } from 'k6';
export const options = { vus: 4, iterations: 8, thresholds: { iterations: ['count==8'] } };
export default function () { sleep(0.2); }
