// No setup() nor teardown(): POST /v1/setup changes nothing ("noSetup").
export const options = { vus: 1, iterations: 1 };
export default function (data) { console.log('default data ' + JSON.stringify(data)); }
