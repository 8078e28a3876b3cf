// The expression is parsed before the metric is looked up (k6's order).
export const options = { iterations: 1, thresholds: { nope: ['p(95)<abc'] } };
export default function () {}
