// options.throw: a request that fails without a response throws; a 404 does not.
import http from 'k6/http';

export const options = { throw: true };

export default function () {
  const ok = http.get(`${__ENV.TARGET}/status/404`);
  console.log(`status ${ok.status}`);
  try {
    http.get('http://127.0.0.1:1/refused');
    console.log('no throw');
  } catch (e) {
    console.log(`caught ${e.message}`);
  }
  try {
    http.batch([`${__ENV.TARGET}/get`, 'http://127.0.0.1:1/refused']);
    console.log('batch no throw');
  } catch (e) {
    console.log(`batch caught ${e.message}`);
  }
  http.get('http://127.0.0.1:1/uncaught');
  console.log('not reached');
}
