// sleep() never returns early, to the microsecond: a sleep wakes from the
// worker's timing wheel (ms of the event loop's clock) without reading the
// clock again only once the loop's ms reached the end rounded up (vu.c
// vu_sleep_from). Each scenario sleeps a length that is not a whole number
// of ms; its iterations' shortest iteration_duration is held to it by a
// threshold (k6: time.Sleep never returns before the duration,
// js/modules/k6/k6.go Sleep).
import { sleep } from 'k6';

export const options = {
  scenarios: {
    a: { executor: 'constant-vus', vus: 3, duration: '1s', exec: 'a' },
    b: { executor: 'constant-vus', vus: 3, duration: '1s', exec: 'b' },
    c: { executor: 'constant-vus', vus: 3, duration: '1s', exec: 'c' },
  },
  thresholds: {
    'iteration_duration{scenario:a}': ['min>=0.4'],
    'iteration_duration{scenario:b}': ['min>=1.3'],
    'iteration_duration{scenario:c}': ['min>=7.9'],
    'iterations{scenario:a}': ['count>=300'],
  },
};

export function a() { sleep(0.0004); }
export function b() { sleep(0.0013); }
export function c() { sleep(0.0079); }
