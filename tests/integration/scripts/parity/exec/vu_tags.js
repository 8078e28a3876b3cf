// exec.vu.tags holds what the VU's samples carry (k6 internal/js/runner.go
// Activate): options.tags (or --tag, which replaces them), the scenario's
// tags, the enabled system tags group and scenario.
import exec from 'k6/execution';
export const options = {
  tags: { team: 'a' },
  scenarios: { s1: { executor: 'per-vu-iterations', vus: 1, iterations: 1, tags: { kind: 'x' } } },
};
export default function () {
  const t = {};
  for (const k of Object.keys(exec.vu.tags).sort()) t[k] = exec.vu.tags[k];
  console.log(JSON.stringify(t));
}
// a tag value that is not a string, number or boolean: k6's TypeError
// (js/common ApplyCustomUserTag)
export function teardown() {
  try { exec.vu.tags.bad = {}; } catch (e) { console.log(`${e.name}: ${e.message}`); }
}
