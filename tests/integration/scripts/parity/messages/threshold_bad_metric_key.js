// A threshold key whose tag filter has no closing brace.
export const options = { iterations: 1, thresholds: { 'http_reqs{status:200': ['count>0'] } };
export default function () {}
