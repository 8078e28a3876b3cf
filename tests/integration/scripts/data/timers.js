// Timer ordering, arguments, clearTimeout, setInterval + clearInterval, the
// k6/timers module and the globals being the same functions.
import timers, { setTimeout as st, clearTimeout as ct, setInterval as si, clearInterval as ci } from 'k6/timers';

export const options = { vus: 1, iterations: 1 };

export default function () {
    const log = [];
    const t0 = Date.now();
    st(() => log.push('c'), 30);
    setTimeout((x, y) => log.push('a' + x + y), 10, 1, 2);
    setTimeout(() => log.push('b'), 10);          // same delay: runs after 'a', set first
    const gone = setTimeout(() => log.push('never'), 20);
    ct(gone);
    clearTimeout(12345);                           // unknown ids are ignored
    let n = 0;
    const iv = si(() => {
        n++;
        log.push('i' + n);
        if (n === 3) ci(iv);
    }, 5);
    setTimeout(() => {
        console.log('order ' + JSON.stringify(log.filter((x) => x[0] !== 'i')));
        console.log('ticks ' + n);
        console.log('elapsed ' + (Date.now() - t0));
        console.log('types ' + [typeof timers.setTimeout, typeof st, typeof globalThis.setInterval, typeof clearInterval].join());
    }, 50);
    log.push('sync');
}
