// jslib httpx imported by its URL: a session with base URL, headers, tags and
// other params, Request classes in batch(), the error metric.
import { Httpx, Get, Post } from 'https://jslib.k6.io/httpx/0.1.0/index.js';
import { Rate } from 'k6/metrics';

const failures = new Rate('httpx_failures');
const opts = { baseURL: __ENV.TARGET, headers: { 'X-Session': 's1' }, tags: { api: 'demo' }, timeout: 5000, errorMetric: failures };
const session = new Httpx(opts);

export default async function () {
  session.addHeader('X-Extra', 'e');
  const a = session.get('/headers');
  const b = session.post('/post', 'body!', { headers: { 'X-Call': 'c' } });
  const [c, d, e] = session.batch([new Get('/get?n=1'), ['GET', '/get?n=2'], '/get?n=ignored', new Post('/post', { body: 'pb' })]);
  const f = await session.asyncGet('/get?n=3');
  session.clearHeader('X-Extra');
  const g = session.get('/headers');
  const h = session.get('/status/404');
  let badMethod = null;
  try { session.request('FETCH', '/get'); } catch (err) { badMethod = err.message; }
  let fewArgs = null;
  try { session.request('GET'); } catch (err) { fewArgs = err.message; }
  console.log(JSON.stringify({
    a: [a.json('headers.X-Session'), a.json('headers.X-Extra')],
    b: [b.json('data'), b.json('headers.X-Call'), b.json('headers.X-Session')],
    batch: [c.json('args.n'), d.json('args.n'), e.json('data')], f: f.json('args.n'), g: g.json('headers.X-Extra') || null,
    h: h.status, badMethod, fewArgs, optsLeft: Object.keys(opts), chain: typeof session.lastRequestChainDuration,
  }));
}
