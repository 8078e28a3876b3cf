// c6 kube's tests: a script whose init code throws (exit 107, no manifests)
throw new Error('broken on purpose');
export default function () {}
