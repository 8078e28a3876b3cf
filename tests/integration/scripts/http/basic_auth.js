// Credentials in the URL become a Basic Authorization header.
import http from 'k6/http';

export default function () {
  const host = __ENV.TARGET.replace('http://', '');
  const ok = http.get(`http://alice:secret@${host}/basic-auth/alice/secret`);
  const bad = http.get(`http://alice:wrong@${host}/basic-auth/alice/secret`);
  const none = http.get(`${__ENV.TARGET}/basic-auth/alice/secret`);
  console.log(JSON.stringify({
    ok: ok.status, user: ok.status === 200 ? ok.json('user') : null,
    bad: bad.status, none: none.status,
  }));
}
