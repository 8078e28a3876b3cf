// jslib k6-utils imported by its URL: c6 carries it, so the script runs offline.
import { randomIntBetween, randomItem, randomString, uuidv4, findBetween, normalDistributionStages, parseDuration,
         getCurrentStageIndex, tagWithCurrentStageIndex, tagWithCurrentStageProfile, check } from 'https://jslib.k6.io/k6-utils/1.4.0/index.js';
import exec from 'k6/execution';

export const options = {
  scenarios: { ramp: { executor: 'ramping-vus', startVUs: 1, stages: [{ duration: '300ms', target: 1 }, { duration: '300ms', target: 1 }] } },
};

export default async function () {
  const ints = Array.from({ length: 200 }, () => randomIntBetween(3, 5));
  const strs = randomString(12, 'ab');
  let badUnit = null;
  try { parseDuration('3x'); } catch (e) { badUnit = e.message; }
  tagWithCurrentStageIndex();
  tagWithCurrentStageProfile();
  const rec = {
    intsInRange: ints.every((x) => x >= 3 && x <= 5 && Number.isInteger(x)),
    intsCover: new Set(ints).size,
    item: ['x', 'y'].includes(randomItem(['x', 'y'])),
    str: strs.length === 12 && /^[ab]+$/.test(strs),
    uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(uuidv4()),
    uuidSecure: /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(uuidv4(true)),
    between: findBetween('<a>1</a><a>2</a>', '<a>', '</a>'),
    betweenAll: findBetween('<a>1</a><a>2</a>', '<a>', '</a>', true),
    betweenNone: findBetween('abc', '<', '>'),
    betweenNoneAll: findBetween('abc', '<', '>', true),
    stages: [normalDistributionStages(10, 20, 5), normalDistributionStages(100, 60, 10), normalDistributionStages(50, 100),
             normalDistributionStages(7, 13, 4), normalDistributionStages(1000, 3600, 6)],
    durations: [parseDuration('1m30s'), parseDuration('1.5h'), parseDuration('250ms'), parseDuration('2d'), parseDuration('42')],
    badUnit,
    stage: getCurrentStageIndex(),
    tags: [exec.vu.tags.stage, exec.vu.tags.stage_profile],
    syncCheck: check(7, { 'is seven': (v) => v === 7, 'is eight': (v) => v === 8 }),
    asyncCheck: await check(Promise.resolve(7), { 'async seven': async (v) => v === 7 }),
  };
  if (exec.vu.iterationInScenario === 0) console.log(JSON.stringify(rec));
}
