// res.status_text is the status line after the protocol, for both clients.
import http from 'k6/http';
export default function () {
  const a = http.get(`${__ENV.TARGET}/status/404`);
  const b = http.get('http://127.0.0.1:1/');
  console.log(JSON.stringify([a.status_text, b.status_text]));
}
