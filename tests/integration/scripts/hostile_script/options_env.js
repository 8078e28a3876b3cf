// options from the test (__ENV.OPTS, JSON): VU counts no machine holds
export const options = JSON.parse(__ENV.OPTS);
export default function () {}
