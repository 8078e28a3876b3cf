// jslib url (core-js's URL and URLSearchParams, as the jslib bundles them)
// imported by its URL: WHATWG parsing, IDNA hosts included.
import { URL, URLSearchParams } from 'https://jslib.k6.io/url/1.0.0/index.js';
export default function () {
  const u = new URL('https://User:pw@Example.com:443/a/b/../c?x=1&y=a+b#frag');
  u.searchParams.append('z', 'q r&s');
  const p = new URLSearchParams({ a: 1, b: 'x y' });
  const rel = new URL('../d?k=v', 'http://h.test/a/b/c');
  const idna = new URL('https://münchen.de/straße?q=ü');
  const sorted = new URLSearchParams('c=3&a=1&b=2&a=0');
  sorted.sort();
  let invalid = null;
  try { new URL('http://exa mple.com'); } catch (e) { invalid = e.constructor.name; }
  console.log(JSON.stringify([u.href, u.host, u.origin, u.pathname, u.searchParams.get('y'), p.toString(), rel.href,
    [...p.keys()], idna.host, idna.href, sorted.toString(), new URL('HTTP://[::1]:80/').href, invalid,
    new URL('https://xn--mnchen-3ya.de/').hostname, JSON.stringify({ u: new URL('http://a.test') })]));
}
