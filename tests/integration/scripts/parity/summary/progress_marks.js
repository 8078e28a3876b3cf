import { sleep } from 'k6';

// ramp: 3 s of ramping-vus; slow: a 2 s constant-vus scenario whose one
// iteration outlasts it (gracefully stopping from 2 s to 3.5 s).
export const options = {
  scenarios: {
    ramp: { executor: 'ramping-vus', stages: [{ duration: '3s', target: 2 }], exec: 'quick' },
    slow: { executor: 'constant-vus', vus: 1, duration: '2s', gracefulStop: '10s', exec: 'long' },
  },
};

export function quick() { sleep(0.5); }
export function long() { sleep(3.5); }
