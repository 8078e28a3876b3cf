// setup() throws when run over the API: k6's 500 "Error executing setup".
export const options = { vus: 1, iterations: 1 };
export function setup() { throw new Error('setup boom'); }
export default function () {}
export function teardown() { throw new Error('teardown boom'); }
