// setup()'s return value is handed (as a copy) to default() and teardown().
export function setup() {
  console.log('setup ran');
  return { token: 'abc', list: [1, 2, 3], nested: { ok: true } };
}

export default function (data) {
  console.log('default ' + JSON.stringify(data));
}

export function teardown(data) {
  console.log('teardown ' + JSON.stringify(data));
}
