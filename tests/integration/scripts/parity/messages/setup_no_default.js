// Exports a function, but not the default one the default scenario runs.
export const options = { iterations: 1 };
export function setup() {}
