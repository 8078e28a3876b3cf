// c6 kube's tests: opens a file the test writes (its size chosen by the
// test: over a ConfigMap's 1 MiB, or over kubectl apply's 256 KiB annotation)
const blob = open(__ENV.BIG_FILE);
export const options = { iterations: 1 };
export default function () { if (!blob.length) throw new Error('empty'); }
