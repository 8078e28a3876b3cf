// One worker (--workers 1), a VU whose iterations never wait next to one
// that sleeps 20 ms an iteration: the busy one goes back through the ready
// queue after each iteration (vu_run_loop), so the sleeper and the loop's
// timers keep running; the sleeper's gaps between iterations stay near its
// sleep (thresholds: 99 when starved).
import { sleep } from 'k6';
import { Counter, Trend } from 'k6/metrics';

const busyIters = new Counter('busy_iters');
const sleeperIters = new Counter('sleeper_iters');
const gap = new Trend('sleeper_gap', true);

export const options = {
  scenarios: {
    busy: { executor: 'constant-vus', vus: 1, duration: '1500ms', exec: 'busy', gracefulStop: '0s' },
    sleeper: { executor: 'constant-vus', vus: 1, duration: '1500ms', exec: 'sleeper', gracefulStop: '1s' },
  },
  thresholds: {
    busy_iters: ['count>=200'],
    sleeper_iters: ['count>=15'],
    sleeper_gap: ['max<400'],
  },
};

export function busy() {
  let x = 0;
  for (let i = 0; i < 200; i++) x += i;
  busyIters.add(x > 0 ? 1 : 0);
}

let last = 0;
export function sleeper() {
  const now = Date.now();
  if (last) gap.add(now - last);
  last = now;
  sleeperIters.add(1);
  sleep(0.02);
}
