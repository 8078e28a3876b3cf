// Options k6 does not know (and one it knows under another case).
export const options = { iterations: 1, zebra: 1, banana: true, VUS: 1, ext: { x: 1 } };
export default function () {}
