// A callback that throws ends the iteration with its error; the other
// timers are dropped.
export const options = { vus: 1, iterations: 2 };
export default function () {
    setTimeout(() => { throw new Error('boom in timer'); }, 5);
    setTimeout(() => console.log('after boom'), 50);
}
