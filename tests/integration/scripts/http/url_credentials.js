// Credentials in the URL: the Authorization header they make, and the
// script's own Authorization header winning over them.
import http from 'k6/http';
import encoding from 'k6/encoding';

export default function () {
  const host = __ENV.TARGET.replace('http://', '');
  const sent = http.get(`http://al%69ce:s%3Acr%40t@${host}/headers`).json().headers.Authorization;
  const own = http.get(`http://alice:secret@${host}/basic-auth/alice/secret`,
    { headers: { Authorization: `Basic ${encoding.b64encode('alice:wrong')}` } });
  const noPass = http.get(`http://alice@${host}/headers`).json().headers.Authorization;
  console.log(JSON.stringify({ sent, own: own.status, noPass }));
}
