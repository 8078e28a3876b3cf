// /v1/setup and /v1/teardown (k6 api/v1/setup_teardown_routes_test.go,
// "setupReturns"): run --paused --no-setup --no-teardown, driven over the API.
export const options = { vus: 1, iterations: 1 };
export function setup() { console.log('setup ran'); return { v: 1, s: '<&>' }; }
export default function (data) { console.log('default data ' + JSON.stringify(data)); }
export function teardown(data) { console.log('teardown data ' + JSON.stringify(data)); }
