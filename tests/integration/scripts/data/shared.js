// SharedArray read by several VUs: contents, length, iteration, Array
// methods, frozen elements, writes refused; fn runs once per process.
import { SharedArray } from 'k6/data';
import exec from 'k6/execution';

const users = new SharedArray('users', function () {
    console.log('building users');
    const out = [];
    for (let i = 0; i < 50; i++) out.push({ id: i, name: 'user' + i, tags: ['a', 'b'] });
    out.push(undefined);
    return out;
});
const nums = new SharedArray('nums', () => [3, 1, 2]);
const again = new SharedArray('users', () => { throw new Error('must not run: the name exists'); });

// per-vu-iterations: every VU runs (with shared iterations a slow VU may get none)
export const options = { scenarios: { s: { executor: 'per-vu-iterations', vus: 4, iterations: 2 } } };

function attempt(f) {
    try { f(); return 'no error'; } catch (e) { return e.name; }
}

export default function () {
    const it = exec.vu.iterationInScenario;
    const u = users[exec.vu.idInTest * 3];
    const spread = [...nums];
    let seen = 0;
    for (const x of users) if (x && x.tags.length === 2) seen++;
    const rec = {
        vu: exec.vu.idInTest,
        len: users.length,
        again: again.length,
        u: u,
        last: users[50],
        past: users[51],
        spread: spread,
        seen: seen,
        map: nums.map((x) => x * 2),
        filter: users.filter((x) => x && x.id % 10 === 0).map((x) => x.id),
        slice: nums.slice(1),
        join: nums.join('-'),
        idx: nums.indexOf(2),
        keys: Object.keys(nums),
        has: [0 in nums, 3 in nums, 'length' in nums, 'forEach' in nums],
        setEl: attempt(() => { nums[0] = 9; }),
        setNew: attempt(() => { nums.something = 1; }),
        push: attempt(() => nums.push(4)),
        del: attempt(() => { delete nums[0]; }),
        setLen: attempt(() => { nums.length = 0; }),
        frozen: attempt(() => { users[1].name = 'x'; }),
        frozenDeep: attempt(() => { users[1].tags.push('c'); }),
        copyIsFresh: users[2] !== users[2],
        after: nums[0],
    };
    if (it === 0) console.log('rec ' + JSON.stringify(rec));
}
