// params.auth "ntlm" end to end against NTLM_URL (http://host:port/path):
// the right password, a wrong one, and a user with a domain.
import http from 'k6/http';

export default function () {
  const at = (cred) => __ENV.NTLM_URL.replace('://', `://${cred}@`);
  const out = {};
  let r = http.get(at('alice:s%3Acret'), { auth: 'ntlm' });
  out.right = [r.status, r.body, r.error_code];
  r = http.get(at('alice:wrong'), { auth: 'ntlm' });
  out.wrong = [r.status, r.error_code];
  r = http.get(at('CORP%5Cbob:pw'), { auth: 'ntlm' });
  out.domain = [r.status, r.body];
  r = http.post(at('alice:s%3Acret'), 'payload', { auth: 'ntlm' });
  out.post = [r.status, r.body];
  console.log(JSON.stringify(out));
}
