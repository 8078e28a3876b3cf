export const options = { iterations: 1, teardownTimeout: '1s' };
export default function () { console.log('iteration ran'); }
// a busy loop, not a wait: the timeout must cut running JavaScript too
export function teardown() { console.log('teardown started'); for (;;) {} }
