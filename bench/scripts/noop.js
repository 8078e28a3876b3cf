// Start-up benchmark: each VU runs one trivial iteration, so the wall time
// is dominated by initialising the VUs.
export default function () {}
