// Memory benchmark: mostly idle VUs, each holding a keep-alive connection.
import http from 'k6/http';
import { sleep } from 'k6';

export default function () {
  http.get(__ENV.TARGET);
  sleep(1);
}
