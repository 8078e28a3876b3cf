// params.auth digest (h1 client and libcurl alike, the challenge being a
// sample of its own) and ntlm (libcurl sends its negotiate message).
import http from 'k6/http';

export default function () {
  const host = __ENV.TARGET.replace('http://', '');
  const out = {};
  let r = http.get(`http://alice:s%3Acret@${host}/digest-auth/auth/alice/s:cret`, { auth: 'digest' });
  out.digest = [r.status, r.json('authenticated'), r.url.replace(__ENV.TARGET, '')];
  r = http.get(`http://alice:s%3Acret@${host}/digest-auth/auth/alice/s:cret/SHA-256`, { auth: 'digest' });
  out.sha256 = r.status;
  r = http.get(`http://alice:wrong@${host}/digest-auth/auth/alice/right`, { auth: 'digest' });
  out.wrong = r.status;
  r = http.get(`http://alice:x@${host}/get`, { auth: 'digest' });
  out.noChallenge = r.status;
  r = http.get(`http://bob:pw@${host}/headers`, { auth: 'ntlm' });
  out.ntlm = (r.json().headers.Authorization || '').slice(0, 17);
  try {
    http.get(`${__ENV.TARGET}/get`, { auth: 'kerberos' });
  } catch (e) {
    out.bad = e.message;
  }
  console.log(JSON.stringify(out));
}
