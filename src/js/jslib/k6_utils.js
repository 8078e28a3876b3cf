// jslib's k6-utils (https://jslib.k6.io/k6-utils/...), written for c6 after
// the jslib's behaviour (grafana/k6-jslib-utils, as published in 1.6.0, a
// superset of the earlier versions), so that scripts importing it run
// offline and get the jslib's results:
// - findBetween(content, left, right, repeat): the text between the first
//   left and the next right; with repeat an array of all of them; null when
//   there is none.
// - normalDistributionStages(maxVUs, durationSeconds, n = 10): n + 2 stages;
//   the targets are the standard normal density at n + 1 points evenly
//   spread over [-2, 2], scaled so that the highest is maxVUs, rounded, and 0
//   for the last stage; the first and last stages last ceil(duration / 6)
//   seconds, the others ceil(4 * duration / (6 * n)).
// - parseDuration("1m30s") in milliseconds (units d, h, m, s, ms; a bare
//   number is milliseconds), getCurrentStageIndex() from the time since the
//   scenario started, tagWithCurrentStageIndex() and
//   tagWithCurrentStageProfile() (ramp-up for the first stage, then against
//   the previous stage's target).
// - check(value, checks, tags): each result added to the `checks` rate with
//   the tag check=<name>; values, checks and results may be promises (then
//   a promise of the result).
import exec from 'k6/execution';
import { randomBytes } from 'k6/crypto';
import { Rate } from 'k6/metrics';

export function uuidv4(secure = false) {
  if (!secure) {
    return 'xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx'.replace(/[xy]/g, (c) => {
      const r = (Math.random() * 16) | 0;
      return (c === 'x' ? r : (r & 0x3) | 0x8).toString(16);
    });
  }
  const b = new Uint8Array(randomBytes(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => (x + 256).toString(16).slice(1));
  return [hex.slice(0, 4), hex.slice(4, 6), hex.slice(6, 8), hex.slice(8, 10), hex.slice(10)]
    .map((part) => part.join('')).join('-');
}

export function randomIntBetween(min, max) {
  return Math.floor(Math.random() * (max - min + 1) + min);
}

export function randomItem(items) {
  return items[Math.floor(Math.random() * items.length)];
}

export function randomString(length, charset = 'abcdefghijklmnopqrstuvwxyz') {
  let out = '';
  while (length--) out += charset[(Math.random() * charset.length) | 0];
  return out;
}

export function findBetween(content, left, right, repeat = false) {
  const found = [];
  for (;;) {
    let start = content.indexOf(left);
    if (start === -1) break;
    start += left.length;
    const end = content.indexOf(right, start);
    if (end === -1) break;
    const text = content.substring(start, end);
    if (!repeat) return text;
    found.push(text);
    content = content.substring(end + right.length);
  }
  return found.length ? found : null;
}

export function normalDistributionStages(maxVUs, durationSeconds, numberOfStages = 10) {
  const density = (x) => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
  const curve = new Array(numberOfStages + 2).fill(0);
  for (let i = 0; i <= numberOfStages; i++) curve[i] = density((4 * i) / numberOfStages - 2);
  const peak = Math.max(...curve);
  const edge = Math.ceil(durationSeconds / 6);
  const middle = Math.ceil((4 * durationSeconds) / (6 * numberOfStages));
  return curve.map((y, i) => ({
    duration: `${i === 0 || i > numberOfStages ? edge : middle}s`,
    target: Math.round((y * maxVUs) / peak),
  }));
}

const isDigit = (c) => c >= '0' && c <= '9';

export function parseDuration(str) {
  if (str === null || str === undefined || str.length < 1) throw new Error('str is empty');
  let total = 0, number = '';
  const seen = {};
  for (let i = 0; i < str.length; i++) {
    if (isDigit(str[i]) || str[i] === '.') number += str[i];
    const next = str[i + 1];
    if (next === undefined || next === null || isDigit(next) || next === '.') continue;
    const v = parseFloat(number);
    let unit = next;
    if (unit === 'd') total += v * 86400000;
    else if (unit === 'h') total += v * 3600000;
    else if (unit === 'm' && i + 2 < str.length && str[i + 2] === 's') {
      total += Math.trunc(v);
      i++;
      unit = 'ms';
    } else if (unit === 'm') total += v * 60000;
    else if (unit === 's') total += v * 1000;
    else throw new Error(`${unit} is an unsupported time unit`);
    if (seen[unit]) throw new Error(`${unit} time unit is provided multiple times`);
    seen[unit] = true;
    i++;
    number = '';
  }
  if (number.length > 0) total += parseFloat(number);
  return total;
}

export function getCurrentStageIndex() {
  const scenario = exec.test.options.scenarios[exec.scenario.name];
  if (scenario === null || scenario === undefined) {
    throw new Error(`the exec.test.options object doesn't contain the current scenario ${exec.scenario.name}`);
  }
  if (scenario.stages === null || scenario.stages === undefined) {
    throw new Error('only ramping-vus or ramping-arravial-rate supports stages, it is not possible to get a stage index on other executors.');
  }
  if (scenario.stages.length < 1) throw new Error(`the current scenario ${scenario.name} doesn't contain any stage`);
  const elapsed = new Date() - exec.scenario.startTime;
  let end = 0;
  for (let i = 0; i < scenario.stages.length; i++) {
    end += parseDuration(scenario.stages[i].duration);
    if (elapsed < end) return i;
  }
  return scenario.stages.length - 1;
}

export function tagWithCurrentStageIndex() {
  exec.vu.tags.stage = getCurrentStageIndex();
}

export function tagWithCurrentStageProfile() {
  const i = getCurrentStageIndex();
  let profile = 'ramp-up';
  if (i >= 1) {
    const stages = exec.test.options.scenarios[exec.scenario.name].stages;
    const now = stages[i].target, before = stages[i - 1].target;
    profile = now > before ? 'ramp-up' : before == now ? 'steady' : 'ramp-down'; // eslint-disable-line eqeqeq
  }
  exec.vu.tags.stage_profile = profile;
}

const checkRate = new Rate('checks'); // k6's own checks metric (a metric is declared in the init context)

export function check(value, checks, tags) {
  const report = (name) => (result) => {
    checkRate.add(result ? 1 : 0, Object.assign({}, tags, { check: name }));
    return result;
  };
  if (value instanceof Promise) return value.then((v) => check(v, checks, tags));
  const results = Object.entries(checks).map(([name, checker]) => {
    const r = typeof checker === 'function' ? checker(value) : checker;
    return r instanceof Promise ? r.then(report(name)) : report(name)(r);
  });
  if (results.some((r) => r instanceof Promise)) return Promise.all(results).then((all) => all.every(Boolean));
  return results.every(Boolean);
}
