// A handleSummary() that never yields: bounded by k6's 2-minute limit.
export const options = { iterations: 1 };
export default function () {}
export function handleSummary() { console.log('summary busy'); for (;;) {} }
