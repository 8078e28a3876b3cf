// jslib k6-utils imported by its URL: c6 carries it, so the script runs offline.
import { randomIntBetween, randomItem, randomString, uuidv4, findBetween, normalDistributionStages,
         getCurrentStageIndex, tagWithCurrentStageIndex, check } from 'https://jslib.k6.io/k6-utils/1.4.0/index.js';

export const options = {
  scenarios: { ramp: { executor: 'ramping-vus', startVUs: 1, stages: [{ duration: '300ms', target: 1 }, { duration: '300ms', target: 1 }] } },
};

export default async function () {
  const ints = Array.from({ length: 200 }, () => randomIntBetween(3, 5));
  const strs = randomString(12, 'ab');
  const stages = normalDistributionStages(100, 60, 5);
  const rec = {
    intsInRange: ints.every((x) => x >= 3 && x <= 5 && Number.isInteger(x)),
    intsCover: new Set(ints).size,
    item: ['x', 'y'].includes(randomItem(['x', 'y'])),
    str: strs.length === 12 && /^[ab]+$/.test(strs),
    uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(uuidv4()),
    uuidSecure: /^[0-9a-f-]{36}$/.test(uuidv4(true)),
    between: findBetween('<a>1</a><a>2</a>', '<a>', '</a>'),
    betweenAll: findBetween('<a>1</a><a>2</a>', '<a>', '</a>', true),
    betweenNone: findBetween('abc', '<', '>'),
    stagesPeak: Math.max(...stages.map((s) => s.target)),
    stagesEnd: stages[stages.length - 1].target,
    stage: getCurrentStageIndex(),
    asyncCheck: await check(Promise.resolve(7), { 'is seven': async (v) => v === 7 }),
  };
  tagWithCurrentStageIndex();
  if (exec_first()) console.log(JSON.stringify(rec));
}

let printed = false;
function exec_first() { const p = !printed; printed = true; return p; }
