// Exports options and nothing callable.
export const options = { iterations: 1 };
