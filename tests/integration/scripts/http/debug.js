// --http-debug: a POST and a redirect, each hop logged.
import http from 'k6/http';
export default function () {
  http.post(`${__ENV.TARGET}/post`, 'secret-body', { headers: { 'X-A': '1' } });
  http.get(`${__ENV.TARGET}/redirect/1`);
}
