// status and error_code tags at the ends of what c6 formats from a table
// (100-999) and without a response (status 0): tests/integration/test_metrics.py
import http from "k6/http";

export const options = { iterations: 1, vus: 1 };

export default function () {
  for (const s of [200, 299, 400, 599]) http.get(`${__ENV.TARGET}/status/${s}`);
  http.get("http://127.0.0.1:1/refused");
}
