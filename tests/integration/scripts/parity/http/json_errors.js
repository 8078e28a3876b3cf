// Item 14: Response.json() as k6's (js/modules/k6/http/response.go, Response.JSON).
import http from 'k6/http';
const T = __ENV.TARGET;
export const options = { iterations: 1 };
function attempt(f) {
  try { const v = f(); return v === undefined ? 'undefined' : JSON.stringify(v); }
  catch (e) { return `${e.name}: ${e.message}`; }
}
export default function () {
  const html = http.get(`${T}/html`);                 // "<!DOCTYPE html>...": not JSON
  console.log('sel ' + JSON.stringify(attempt(() => html.json('token'))));
  console.log('nosel ' + JSON.stringify(attempt(() => html.json())));
  const drip = http.get(`${T}/drip?numbytes=5&duration=0&delay=0`);   // "*****"
  console.log('drip ' + JSON.stringify(attempt(() => drip.json())));
  const none = http.get(`${T}/json`, { responseType: 'none' });
  console.log('null ' + JSON.stringify(attempt(() => none.json())));
  console.log('nullsel ' + JSON.stringify(attempt(() => none.json('a'))));
  const failed = http.get('http://127.0.0.1:1/');
  console.log('failed ' + JSON.stringify(attempt(() => failed.json())));
  const bin = http.get(`${T}/json`, { responseType: 'binary' });
  console.log('binary ' + JSON.stringify(attempt(() => typeof bin.json())));
  const ok = http.get(`${T}/json`);
  console.log('missing ' + JSON.stringify(attempt(() => ok.json('no.such.path'))));
}
