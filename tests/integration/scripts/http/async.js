// http.asyncRequest: requests queued in one turn of the event loop go out
// together; .then() callbacks make the next round; errors resolve with an
// error Response, or reject with options.throw.
import http from 'k6/http';

export const options = { iterations: 1, throw: __ENV.THROW === '1' };

export default async function () {
  const T = __ENV.TARGET;
  const t0 = Date.now();
  const [a, b] = await Promise.all([
    http.asyncRequest('GET', `${T}/delay/300`),
    http.asyncRequest('GET', `${T}/delay/300`, null, { tags: { name: 'slow' } }),
  ]);
  const together = Date.now() - t0;
  const chained = await http.asyncRequest('POST', `${T}/post`, 'hi').then((r) => http.asyncRequest('GET', `${T}/get?from=${r.json('data')}`));
  let refused;
  try {
    const r = await http.asyncRequest('GET', 'http://127.0.0.1:1/');
    refused = { status: r.status, code: r.error_code };
  } catch (e) {
    refused = { thrown: e.message };
  }
  console.log(JSON.stringify({ a: a.status, b: b.status, together, chained: chained.json('args.from'), refused }));
}
