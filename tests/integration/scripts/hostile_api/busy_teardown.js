// A teardown() that never yields (k6 runs it in the global context: a first
// Ctrl-C does not stop it, a second one ends k6).
export const options = { iterations: 1, teardownTimeout: '60s' };
export default function () {}
export function teardown() { console.log('teardown busy'); for (;;) {} }
