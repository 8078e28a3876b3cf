// setup exported, but not as a function.
export const setup = { data: 1 };
export default function () {}
