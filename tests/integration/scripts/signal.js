// A long run to be interrupted; setup and teardown log.
import http from 'k6/http';
import { sleep } from 'k6';

export const options = { vus: 2, duration: '30s' };

export function setup() {
  return { started: true };
}

export default function () {
  http.get(`${__ENV.TARGET}/get`);
  sleep(0.2);
}

export function teardown(data) {
  console.log(`teardown ran started=${data.started}`);
}
