// jslib url (URL, URLSearchParams) imported by its URL: c6 carries its own.
import { URL, URLSearchParams } from 'https://jslib.k6.io/url/1.0.0/index.js';
export default function () {
  const u = new URL('https://User:pw@Example.com:443/a/b/../c?x=1&y=a+b#frag');
  u.searchParams.append('z', 'q r&s');
  const p = new URLSearchParams({ a: 1, b: 'x y' });
  const rel = new URL('../d?k=v', 'http://h.test/a/b/c');
  console.log(JSON.stringify([u.href, u.host, u.origin, u.pathname, u.searchParams.get('y'), p.toString(), rel.href, [...p.keys()]]));
}
