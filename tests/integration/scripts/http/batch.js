// http.batch: the request forms, array and object results, per-request
// params, failures that do not stop the others, and one sample set per hop.
import http from 'k6/http';

const T = __ENV.TARGET;
function log(tag, obj) { console.log(tag + ' ' + JSON.stringify(obj)); }
function brief(r) { return { status: r.status, method: r.request.method, url: r.url, error_code: r.error_code }; }

export default function () {
  const arr = http.batch([
    ['GET', `${T}/get?n=1`],
    ['POST', `${T}/post`, 'raw body', { headers: { 'X-Batch': 'yes' }, tags: { name: 'batched-post' } }],
    { method: 'put', url: `${T}/put`, body: { k: 'v' } },
    { url: `${T}/anything`, method: 'GET', body: 'dropped' },
    { url: `${T}/get?n=5` },
    `${T}/status/404`,
    http.url`${T}/anything/${7}`,
    ['GET', 'http://127.0.0.1:1/refused'],
    ['GET', `${T}/redirect/2`],
  ]);
  log('array', arr.map(brief));
  log('details', {
    postHeader: arr[1].json('headers.X-Batch'),
    postData: arr[1].json('data'),
    putForm: arr[2].json('form'),
    getBody: arr[3].json('data'),
    refused: arr[7].error,
  });

  const obj = http.batch({
    first: `${T}/get?o=1`,
    second: ['DELETE', `${T}/delete`],
    third: { method: 'PATCH', url: `${T}/patch`, body: 'p' },
    viaCurl: T.replace('://', '://u:pw@') + '/basic-auth/u/pw',   // credentials: libcurl
  });
  log('object', Object.fromEntries(Object.entries(obj).map(([k, r]) => [k, brief(r)])));

  log('empty', { array: http.batch([]), object: http.batch({}) });

  const errors = [];
  for (const bad of [[['GET']], [{ method: 'GET' }], [[1, `${T}/get`]], 'notarequestlist']) {
    try { http.batch(bad); errors.push(null); } catch (e) { errors.push(String(e)); }
  }
  log('errors', errors);
}
