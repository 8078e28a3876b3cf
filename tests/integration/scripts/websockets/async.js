// async/await: open, one round trip and the close awaited as promises.
import { WebSocket } from 'k6/websockets';
import { group } from 'k6';

export const options = { vus: 1, iterations: 2 };

function opened(ws) { return new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = (e) => reject(new Error(e.error)); }); }
function next(ws) { return new Promise((resolve) => { ws.onmessage = (e) => resolve(e.data); }); }
function closed(ws) { return new Promise((resolve) => { ws.onclose = (e) => resolve(e.code); }); }

export default async function () {
  // made in a group that has ended by the time it opens: its metrics keep the group
  const ws = group('g', () => new WebSocket(__ENV.TARGET.replace(/^http/, 'ws') + '/ws/echo'));
  await opened(ws);
  ws.send('one');
  const a = await next(ws);
  ws.send('two');
  const b = await next(ws);
  const c = closed(ws);
  ws.close(4002);
  const code = await c;
  console.log(`async ${a} ${b} ${code} ${ws.readyState}`);
}
