// Close codes both ways: the server's code and reason (/ws/close and the
// !close command), our code and reason echoed back, close() while still
// connecting; the reason is too long / the code not allowed: errors.
import { WebSocket } from 'k6/websockets';

export const options = { vus: 1, iterations: 1 };

export default function () {
  const base = __ENV.TARGET.replace(/^http/, 'ws');
  const res = { closes: {} };
  const done = (k, e) => {
    res.closes[k] = { code: e.code, reason: e.reason, clean: e.wasClean, state: e.target.readyState };
    if (Object.keys(res.closes).length === 4) console.log('codes ' + JSON.stringify(res));
  };
  const a = new WebSocket(base + '/ws/close?code=4001&reason=bye');
  a.onclose = (e) => done('server', e);
  const b = new WebSocket(base + '/ws/echo');
  b.onopen = () => {
    try { b.close(1005); } catch (e) { res.badCode = String(e); }
    try { b.close(4000, 'x'.repeat(124)); } catch (e) { res.longReason = e.name; }
    b.close(4321, 'mine');
  };
  b.onclose = (e) => { b.send('dropped'); done('client', e); };   // too late: no error, nothing sent
  const c = new WebSocket(base + '/ws/echo');
  c.onopen = () => c.send('!close 1001 going');
  c.onclose = (e) => done('command', e);
  const d = new WebSocket(base + '/ws/echo');
  d.close(4100);            // still connecting: closes once it opens, no open event
  d.onopen = () => { res.dOpened = true; };
  d.onclose = (e) => done('early', e);
}
