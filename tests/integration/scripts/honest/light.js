// A light test: VUs mostly sleeping (test_saturation.py).
import { sleep } from 'k6';

export const options = { vus: 2, duration: '4s' };

export default function () {
  sleep(0.1);
}
