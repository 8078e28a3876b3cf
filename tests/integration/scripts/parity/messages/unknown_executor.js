export const options = { scenarios: { s: { executor: 'foo' } } };
export default function () {}
