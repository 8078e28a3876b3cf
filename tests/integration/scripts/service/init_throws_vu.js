// the init code throws in the agents' VUs (not in the service's validation,
// whose init runs with __VU 0): k6 exits 107; the service: Aborted by script error (7)
export const options = { vus: 1, iterations: 1 };
if (__VU > 0) throw new Error('init broke in a VU');
export default function () {}
