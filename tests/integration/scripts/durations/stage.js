// a stage's duration from the environment (issue 12's duration texts)
export const options = { stages: [{ duration: __ENV.D, target: 1 }] };
export default function () {}
