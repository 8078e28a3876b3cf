// every iteration throws: the service's script error rule (every iteration
// that ended in the window threw, and at least N of them) -> Aborted by script error (7)
import { sleep } from 'k6';
export const options = { vus: 1, duration: '30s' };
export default function () {
  sleep(0.1);
  throw new Error('broken iteration');
}
