// Throughput benchmark: one request per iteration, nothing else.
import http from 'k6/http';

export default function () {
  http.get(__ENV.TARGET);
}
