// an exception in setup(): k6 exits 107 (ScriptException); the service: Aborted by script error (7)
export const options = { vus: 1, iterations: 1 };
export function setup() { throw new Error('setup broke'); }
export default function () {}
