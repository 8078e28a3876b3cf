// options.duration from the environment (issue 12's duration texts)
export const options = { duration: __ENV.D };
export default function () {}
