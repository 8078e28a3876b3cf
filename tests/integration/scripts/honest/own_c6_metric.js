// A script's own metric named like one of c6's (k6 accepts any valid name).
import { Counter } from 'k6/metrics';

const mine = new Counter('c6_loop_lag');

export const options = { vus: 1, iterations: 3 };

export default function () {
  mine.add(2);
}
