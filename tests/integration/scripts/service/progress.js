// requests from 2 VUs for 5 s: the run's progress numbers in its REST JSON and `c6 cloud run`'s progress lines
import http from 'k6/http';
import { sleep } from 'k6';
export const options = { vus: 2, duration: '5s' };
export default function () {
  http.get(`${__ENV.TARGET}/get`);
  sleep(0.1);
}
