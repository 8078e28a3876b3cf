// Two NTLM GETs with the same credentials to NTLM_URL, the second with
// ?forget (the server then drops the connection's authentication first).
import http from 'k6/http';

export default function () {
  const url = __ENV.NTLM_URL.replace('://', '://alice:s%3Acret@');
  const a = http.get(url, { auth: 'ntlm' });
  const b = http.get(`${url}?forget`, { auth: 'ntlm' });
  console.log(JSON.stringify([[a.status, a.body], [b.status, b.body]]));
}
