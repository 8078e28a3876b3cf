export const options = { scenarios: { ext: { executor: 'externally-controlled', vus: 2, maxVUs: 5, duration: '1s' } } };
export default function () {}
