// setup() data Go's json.Marshal refuses (k6 js/runner.go Setup), chosen by __ENV.K.
export const options = { iterations: 1 };
export function setup() {
  const k = __ENV.K;
  if (k === 'cycle') { const a = { x: 1 }; a.self = a; return a; }
  if (k === 'array_cycle') { const a = [1]; a.push(a); return a; }
  if (k === 'tojson') return { toJSON() { throw new Error('never called'); } };
  if (k === 'nan') return { n: NaN };
  if (k === 'inf') return { n: -Infinity };
  if (k === 'bigint') return { b: 12345678901234567890n, z: 1, a: [1, undefined] };
  return undefined;
}
export default function (data) { console.log('default data ' + JSON.stringify(data)); }
