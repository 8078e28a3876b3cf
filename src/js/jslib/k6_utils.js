// c6's built-in version of k6's jslib "k6-utils" (https://jslib.k6.io/k6-utils/...),
// so scripts importing it run offline. Written for c6 from the documented API.
import { check as k6check } from 'k6';
import exec from 'k6/execution';

export function randomIntBetween(min, max) {
  return Math.floor(Math.random() * (max - min + 1) + min);
}

export function randomItem(items) {
  return items[Math.floor(Math.random() * items.length)];
}

export function randomString(length, charset = 'abcdefghijklmnopqrstuvwxyz') {
  let out = '';
  for (let i = 0; i < length; i++) out += charset.charAt(Math.floor(Math.random() * charset.length));
  return out;
}

export function uuidv4(secure = false) {
  if (secure && globalThis.crypto && crypto.randomUUID) return crypto.randomUUID();
  return 'xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx'.replace(/[xy]/g, (c) => {
    const r = (Math.random() * 16) | 0;
    return (c === 'x' ? r : (r & 0x3) | 0x8).toString(16);
  });
}

// The text between `left` and `right`: the first such text, or with repeat
// every one of them (an array). Nothing found: null, or [] with repeat.
export function findBetween(content, left, right, repeat = false) {
  const found = [];
  let from = 0;
  for (;;) {
    const a = content.indexOf(left, from);
    if (a === -1) break;
    const start = a + left.length;
    const b = content.indexOf(right, start);
    if (b === -1) break;
    found.push(content.substring(start, b));
    if (!repeat) break;
    from = b + right.length;
  }
  return repeat ? found : found.length ? found[0] : null;
}

// Stages whose VU targets follow a bell curve peaking at maxVUs halfway
// through durationSeconds, after a short ramp up and before a ramp down to 0.
export function normalDistributionStages(maxVUs, durationSeconds, numberOfStages = 10) {
  const edge = Math.max(1, Math.round(durationSeconds * 0.05));
  const body = Math.max(numberOfStages, durationSeconds - 2 * edge);
  const each = Math.max(1, Math.round(body / numberOfStages));
  const mean = (numberOfStages - 1) / 2, sd = Math.max(numberOfStages / 6, 0.5);
  const stages = [{ duration: `${edge}s`, target: Math.max(1, Math.round(maxVUs * Math.exp(-0.5 * ((0 - mean) / sd) ** 2))) }];
  for (let i = 0; i < numberOfStages; i++) {
    stages.push({ duration: `${each}s`, target: Math.round(maxVUs * Math.exp(-0.5 * ((i - mean) / sd) ** 2)) });
  }
  stages.push({ duration: `${edge}s`, target: 0 });
  return stages;
}

function parseSeconds(d) {
  if (typeof d === 'number') return d / 1000;   // a bare number of options is milliseconds
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(ms|us|µs|ns|h|m|s|d)/g;
  let m;
  while ((m = re.exec(String(d))) !== null) {
    const v = parseFloat(m[1]);
    total += { d: 86400, h: 3600, m: 60, s: 1, ms: 1e-3, us: 1e-6, 'µs': 1e-6, ns: 1e-9 }[m[2]] * v;
  }
  return total;
}

function currentStages() {
  const sc = exec.test.options.scenarios && exec.test.options.scenarios[exec.scenario.name];
  if (!sc || !Array.isArray(sc.stages)) {
    throw new Error('the current scenario has no stages: getCurrentStageIndex works with ramping-vus and ramping-arrival-rate');
  }
  return sc.stages;
}

export function getCurrentStageIndex() {
  const stages = currentStages();
  const elapsed = (Date.now() - exec.scenario.startTime) / 1000;
  let end = 0;
  for (let i = 0; i < stages.length; i++) {
    end += parseSeconds(stages[i].duration);
    if (elapsed < end) return i;
  }
  return stages.length - 1;
}

export function tagWithCurrentStageIndex() {
  exec.vu.metrics.tags.stage = String(getCurrentStageIndex());
}

export function tagWithCurrentStageProfile() {
  const stages = currentStages();
  const i = getCurrentStageIndex();
  const sc = exec.test.options.scenarios[exec.scenario.name];
  const before = i === 0 ? (sc.startVUs !== undefined ? sc.startVUs : sc.startRate || 0) : stages[i - 1].target;
  const now = stages[i].target;
  exec.vu.metrics.tags.stage_profile = now > before ? 'ramp-up' : now < before ? 'ramp-down' : 'steady';
}

// check() that also takes promises: the value and the checks' results may be
// promises; resolves to what k6's check returns.
export async function check(val, sets, tags) {
  const v = await val;
  const results = {};
  for (const [name, fn] of Object.entries(sets)) results[name] = typeof fn === 'function' ? await fn(v) : fn;
  const plain = {};
  for (const [name, r] of Object.entries(results)) plain[name] = () => r;
  return k6check(v, plain, tags);
}
