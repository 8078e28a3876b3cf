import { sleep } from 'k6';

// setup() and teardown() each take 1.5 s: k6 keeps printing progress blocks.
export const options = { iterations: 1 };
export function setup() { sleep(1.5); }
export default function () {}
export function teardown() { sleep(1.5); }
