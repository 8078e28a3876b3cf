import { group, check } from 'k6';

export const options = { iterations: 1, vus: 1 };

export function setup() {
  return { token: 'abc', n: [1, 2.5], nested: { ok: true, none: null } };
}

export default function () {
  group('outer', function () {
    group('inner', function () {});
  });
  group('with check', function () {
    check(1, { 'one is one': (x) => x === 1 });
  });
  group('lonely', function () {});
}

export function handleSummary(data) {
  return { 'stdout': JSON.stringify({ root_group: data.root_group, setup_data: data.setup_data,
                                      has_setup_data: 'setup_data' in data }) + '\n' };
}
