// Every request has its own URL: more than 10,000 tag sets.
import http from 'k6/http';
export const options = { iterations: 10500, vus: 4 };
export default function () { http.get(`${__ENV.TARGET}/get?id=${__VU}-${__ITER}`); }
