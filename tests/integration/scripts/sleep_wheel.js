// VU sleeps on the worker's timing wheel (src/util/twheel.c): VUs sleeping
// different lengths wake no earlier than asked and soon after; a VU in a
// 30 s sleep is cut off when its scenario ends (gracefulStop 0s).
import { check, sleep } from 'k6';

export const options = {
  scenarios: {
    mixed: { executor: 'constant-vus', vus: 8, duration: '1500ms', exec: 'mixed', gracefulStop: '2s' },
    long: { executor: 'constant-vus', vus: 1, duration: '1s', exec: 'long', gracefulStop: '0s' },
  },
};

export function mixed() {
  const want = 40 * ((__VU % 4) + 1) + __ITER % 3; // 40-163 ms, several lengths at once
  const t0 = Date.now();
  sleep(want / 1000);
  const took = Date.now() - t0;
  check(took, {
    'not early': (t) => t >= want,
    'not late': (t) => t < want + 150,
  });
}

export function long() {
  sleep(30);
}
