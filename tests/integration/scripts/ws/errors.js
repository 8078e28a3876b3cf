// Failed handshakes come back as a Response (options.throw unset): an HTTP
// answer as it is, any other failure with its error; wrong arguments throw.
import ws from 'k6/ws';

export const options = { vus: 1, iterations: 1 };

function tryIt(f) { try { return 'ok ' + JSON.stringify(f()); } catch (e) { return 'threw ' + e.name + ': ' + e.message; } }

export default function () {
  const base = __ENV.TARGET.replace(/^http/, 'ws');
  let called = false;
  const nf = ws.connect(base + '/no-such-page', function () { called = true; });
  const refused = ws.connect('ws://127.0.0.1:1/x', function () { called = true; });
  const notws = ws.connect(base + '/get', function () { called = true; });
  console.log('nf ' + JSON.stringify({ status: nf.status, error: nf.error, url: nf.url, body: nf.body.length > 0, called }));
  console.log('refused ' + JSON.stringify({ status: refused.status, error: refused.error, url: refused.url }));
  console.log('notws ' + JSON.stringify({ status: notws.status, error: notws.error }));
  console.log('badurl ' + tryIt(() => ws.connect('http://127.0.0.1:1/', () => {}).error));
  console.log('wss ' + tryIt(() => ws.connect('wss://127.0.0.1:1/', () => {}).error));
  console.log('nocb ' + tryIt(() => ws.connect(base + '/ws/echo')));
  console.log('badevent ' + tryIt(() => ws.connect(base + '/ws/echo', (s) => s.on('nope', () => {}))));
  console.log('badinterval ' + tryIt(() => ws.connect(base + '/ws/echo', (s) => s.setInterval(() => {}, 0))));
  console.log('badbinary ' + tryIt(() => ws.connect(base + '/ws/echo', (s) => s.sendBinary('text'))));
  console.log('handler ' + tryIt(() => ws.connect(base + '/ws/echo', (s) => {
    s.on('open', () => s.send('boom'));
    s.on('message', () => { throw new Error('from the handler'); });
  })));
}
