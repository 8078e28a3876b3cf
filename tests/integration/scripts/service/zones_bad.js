// percentages summing to 90: refused at validation (Grafana Cloud k6 docs, "Use load zones":
// "The sum of the percentages must equal 100")
export const options = {
    vus: 2, iterations: 2,
    cloud: { distribution: { a: { loadZone: 'zone-a', percent: 50 }, b: { loadZone: 'zone-b', percent: 40 } } },
};
export default function () {}
