// Item 9: every relative URL is resolved as Go's url.URL.ResolveReference
// (RFC 3986, dot segments removed): a redirect's Location (net/http's
// redirect, which k6 follows), Response.clickLink and Response.submitForm
// (js/modules/k6/http/response.go: responseURL.ResolveReference(...)) and
// k6/html's href/action (js/modules/k6/html/elements.go attrAsURLString).
import http from 'k6/http';
import { parseHTML } from 'k6/html';
const T = __ENV.TARGET;
export const options = { iterations: 1 };
export default function () {
  // /redirect-to answers "Location: ../get": from /redirect-to that is /get
  const red = http.get(`${T}/redirect-to?url=../get`);
  console.log('redirect ' + JSON.stringify({ status: red.status, url: red.url }));
  const deep = http.get(`${T}/redirect-to?url=${encodeURIComponent('./a/../../anything/./x/..')}`);
  console.log('redirect2 ' + JSON.stringify({ status: deep.status, url: deep.url }));

  const base = http.get(`${T}/get`);
  const page = Object.create(Object.getPrototypeOf(base));
  Object.assign(page, { url: `${T}/anything/a/b/c`, status: 200,
    body: '<a href="../../x/./y">l</a><form action="../f/.." method="post"><input name="k" value="v"></form>' });
  const click = page.clickLink();
  console.log('click ' + JSON.stringify({ status: click.status, url: click.url }));
  const sub = page.submitForm();
  console.log('submit ' + JSON.stringify({ status: sub.status, url: sub.url }));
  const doc = parseHTML('<a href="../q/../r">r</a>');
  const el = page.html('a').get(0);
  console.log('href ' + JSON.stringify([el.href(), page.html('form').get(0).action(), doc.find('a').attr('href')]));
}
