// A threshold written with spaces around it.
export const options = { iterations: 1, thresholds: { iterations: ['  count >= 1  '] } };
export default function () {}
