// every other iteration throws: not every iteration failed, so the
// service's script error rule does not stop it (Finished)
import { sleep } from 'k6';
export const options = { vus: 1, duration: '4s' };
export default function () {
  sleep(0.1);
  if (__ITER % 2 === 1) throw new Error('every other iteration');
}
