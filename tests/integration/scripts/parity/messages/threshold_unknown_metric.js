// A threshold on a metric nobody defines.
export const options = { iterations: 1, thresholds: { 'nope{kind:x}': ['count>0'] } };
export default function () {}
