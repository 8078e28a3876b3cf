// minIterationDuration pads short iterations; setup/teardown say when they run.
export function setup() { console.log('setup ran'); }
export default function () {}
export function teardown() { console.log('teardown ran'); }
