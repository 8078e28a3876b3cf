// stages explicitly empty: k6 runs 1 VU x 1 iteration and says so.
export const options = { stages: [] };
export default function () {}
