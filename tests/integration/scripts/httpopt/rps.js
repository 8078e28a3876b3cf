// options.rps: one request per iteration, as fast as the limit allows.
import http from 'k6/http';
export default function () { http.get(`${__ENV.TARGET}/get`); }
