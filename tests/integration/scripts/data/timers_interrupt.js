// A duration test whose iterations are always waiting on timers: the end
// cuts them off (no hang, no crash), and an interval busy in JS is cut too.
export const options = {
    scenarios: {
        waits: { executor: 'constant-vus', vus: 2, duration: '1s', gracefulStop: '0s' },
        busy: { executor: 'constant-vus', vus: 1, duration: '1s', gracefulStop: '0s', exec: 'busy' },
    },
};
export default function () {
    setInterval(() => {}, 10);
    setTimeout(() => console.log('never: 60s'), 60000);
}
export function busy() {
    setInterval(() => { const end = Date.now() + 50; while (Date.now() < end) {} }, 0);
}
