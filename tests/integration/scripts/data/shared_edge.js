// SharedArray errors caught in init (circular element, empty name), an empty
// array, and timers in setup() (awaited) and teardown() (waited for).
import { SharedArray } from 'k6/data';
let err = '';
try { new SharedArray('circ', () => { const a = {}; a.self = a; return [a]; }); } catch (e) { err = e.message; }
let err2 = '';
try { new SharedArray('', () => []); } catch (e) { err2 = e.message; }
const empty = new SharedArray('empty', () => []);
export const options = { vus: 1, iterations: 1 };
export async function setup() {
    await new Promise((r) => setTimeout(r, 30));
    return { ok: 1 };
}
export default function (d) {
    console.log(JSON.stringify({ err, err2, empty: empty.length, d }));
}
export function teardown() { setTimeout(() => console.log('teardown timer'), 10); }
