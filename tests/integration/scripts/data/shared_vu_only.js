// A SharedArray made only by the VUs' init (not the first init run): VUs on
// different workers race for it; its function still runs exactly once.
import { SharedArray } from 'k6/data';

let data = null;
if (__VU !== 0) {
    data = new SharedArray('vu-only', function () {
        console.log('building vu-only');
        const out = [];
        for (let i = 0; i < 2000; i++) out.push('row' + i);
        return out;
    });
}

export const options = { vus: 8, iterations: 8 };

export default function () {
    console.log('got ' + data.length + ' ' + data[1999]);
}
