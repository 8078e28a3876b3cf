// A setup() that never yields: the first Ctrl-C must end it.
export function setup() { console.log('setup busy'); for (;;) {} }
export default function () { console.log('default ran'); }
export function teardown() { console.log('teardown ran'); }
