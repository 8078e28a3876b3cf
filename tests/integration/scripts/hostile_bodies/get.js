// GETs URL + each of PATHS (comma-separated) in turn and logs what the
// script sees of each Response as one "RESULT {json}" line.
// DISCARD=1: options.discardResponseBodies; RTYPE: params.responseType;
// TIMEOUT: params.timeout.
import http from 'k6/http';

export const options = {
  discardResponseBodies: __ENV.DISCARD === '1',
  insecureSkipTLSVerify: true,
};

export default function () {
  const params = { timeout: __ENV.TIMEOUT || '60s' };
  if (__ENV.RTYPE) params.responseType = __ENV.RTYPE;
  for (const p of (__ENV.PATHS || '/').split(',')) {
    const r = http.get(__ENV.URL + p, params);
    const b = r.body;
    console.log('RESULT ' + JSON.stringify({
      path: p, status: r.status, error: r.error, error_code: r.error_code, proto: r.proto,
      body_null: b === null,
      body_len: b === null || b === undefined ? -1 : (typeof b === 'string' ? b.length : b.byteLength),
      body_head: typeof b === 'string' ? b.slice(0, 64) : null,
      headers: Object.keys(r.headers).length,
    }));
  }
}
