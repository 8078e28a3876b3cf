// 100 VUs that import k6chaijs (memory: chai evaluated in each VU).
import { describe, expect } from 'https://jslib.k6.io/k6chaijs/4.3.4.3/index.js';
import { sleep } from 'k6';
export const options = { vus: 100, iterations: 100 };
export default function () { describe('d', () => { expect(1).to.equal(1); }); sleep(0.5); }
