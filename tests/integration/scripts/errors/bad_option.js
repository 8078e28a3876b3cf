// An option with an invalid value.
export const options = { duration: 'ten seconds' };

export default function () {}
