// Failures: a refused connection and a 404 handshake give an error event
// then a close event without a code; a bad URL and params.compression throw at
// once; a throwing handler fails the iteration.
import { WebSocket } from 'k6/websockets';

export const options = { vus: 1, iterations: 2 };

export default function () {
  const base = __ENV.TARGET.replace(/^http/, 'ws');
  if (__ITER === 1) {
    const ws = new WebSocket(base + '/ws/echo');
    ws.onopen = () => { throw new Error('boom in onopen'); };
    ws.onclose = () => console.log('closed after throw');   // never: the socket is dropped
    return;
  }
  const out = { events: {} };
  const watch = (name, url) => {
    const ws = new WebSocket(url);
    out.events[name] = [];
    ws.onopen = () => out.events[name].push('open');
    ws.onerror = (e) => out.events[name].push('error:' + e.type + ':' + e.error);
    ws.onclose = (e) => {
      out.events[name].push('close:' + e.code + ':' + ws.readyState);
      if (Object.keys(out.events).every((k) => out.events[k].some((x) => x.startsWith('close')))) {
        console.log('errors ' + JSON.stringify(out));
      }
    };
  };
  watch('refused', 'ws://127.0.0.1:' + __ENV.CLOSED_PORT + '/');
  watch('notfound', base + '/nothing-here');
  watch('badhost', 'ws://bad_host!name/');   // refused before any lookup
  try { new WebSocket('http://x/'); } catch (e) { out.badUrl = e.name + ': ' + e.message; }
  try { new WebSocket(base + '/ws/echo', null, { compression: 'deflate' }); } catch (e) { out.compression = e.message; }
  try { new WebSocket(); } catch (e) { out.noUrl = e.message; }
  const early = new WebSocket(base + '/ws/echo');
  try { early.send('x'); } catch (e) { out.sendEarly = e.message; }
  early.onopen = () => early.close();   // an open socket would keep the iteration going
}
