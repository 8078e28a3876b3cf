// the older spelling (options.ext.loadimpact.distribution) asking a zone no agent serves
export const options = {
    vus: 2, iterations: 2,
    ext: { loadimpact: { distribution: { ashburn: { loadZone: 'amazon:us:ashburn', percent: 100 } } } },
};
export default function () {}
