// Logs __VU and __ITER at the start of every iteration.
import { sleep } from 'k6';

export default function () {
  console.log(`vu=${__VU} iter=${__ITER}`);
  sleep(0.1);
}
