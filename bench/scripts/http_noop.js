// Start-up benchmark with k6/http imported: each VU runs one empty
// iteration, so the wall time is dominated by creating the VUs and their
// k6/http module (bench/shared_rt.sh).
import http from 'k6/http'; // eslint-disable-line no-unused-vars

export default function () {}
