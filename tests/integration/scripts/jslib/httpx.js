// jslib httpx imported by its URL: a session with base URL, headers and tags.
import { Httpx, Get } from 'https://jslib.k6.io/httpx/0.1.0/index.js';

const session = new Httpx({ baseURL: __ENV.TARGET, headers: { 'X-Session': 's1' }, tags: { api: 'demo' }, timeout: 5000 });

export default async function () {
  session.addHeader('X-Extra', 'e');
  const a = session.get('/headers');
  const b = session.post('/post', 'body!', { headers: { 'X-Call': 'c' } });
  const [c, d] = session.batch([Get('/get?n=1'), '/get?n=2']);
  const e = await session.asyncGet('/get?n=3');
  session.clearHeader('X-Extra');
  const f = session.get('/headers');
  console.log(JSON.stringify({
    a: [a.json('headers.X-Session'), a.json('headers.X-Extra')],
    b: [b.json('data'), b.json('headers.X-Call'), b.json('headers.X-Session')],
    batch: [c.json('args.n'), d.json('args.n')], e: e.json('args.n'), f: f.json('headers.X-Extra') || null,
  }));
}
