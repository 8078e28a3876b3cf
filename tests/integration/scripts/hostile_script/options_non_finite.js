// exported options holding numbers JSON cannot carry (__ENV.CASE picks one)
const cases = {
  duration: { vus: 1, duration: 1e309 },
  negative: { duration: -1e309 },
  nan: { vus: NaN, duration: "1s" },
  sorted: { vus: 1, scenarios: { a: { executor: "constant-vus", duration: "1s", vus: Infinity } }, b: NaN },
  nested: { iterations: 1, ext: { x: [1, 2, Infinity] } },
};
export const options = cases[__ENV.CASE];
export default function () {}
