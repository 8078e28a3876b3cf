// One GET and a short sleep per iteration, for duration- and stage-based runs.
import http from 'k6/http';
import { sleep } from 'k6';

export default function () {
  http.get(`${__ENV.TARGET}/get`);
  sleep(0.1);
}
