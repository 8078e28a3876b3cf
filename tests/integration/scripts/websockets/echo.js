// Echo with onmessage and addEventListener, text and binary (blob and
// arraybuffer), ping/pong, a server ping, states, url and protocol; the
// iteration goes on until the socket is closed.
import { WebSocket } from 'k6/websockets';

export const options = { vus: 1, iterations: 1 };

export default function () {
  const url = __ENV.TARGET.replace(/^http/, 'ws') + '/ws/echo?x=1';
  const seen = { texts: [], listener: [], bins: [], blobs: [], pongs: 0, pings: 0, states: [], errors: [], removed: 0 };
  const ws = new WebSocket(url, ['chat', 'other'], { tags: { my: 'tag' } });
  seen.states.push(ws.readyState);
  seen.consts = [WebSocket.CONNECTING, WebSocket.OPEN, WebSocket.CLOSING, WebSocket.CLOSED, ws.OPEN];
  seen.url = ws.url;
  seen.defaultBinaryType = ws.binaryType;
  const gone = () => seen.removed++;
  ws.addEventListener('message', gone);
  ws.removeEventListener('message', gone);
  ws.onopen = (e) => {
    seen.openType = e.type;
    seen.states.push(ws.readyState);
    seen.protocol = ws.protocol;
    ws.send('hello');
    ws.send('héllo wörld ✓');
    ws.send(new Uint8Array([7, 0, 1, 2, 250, 255, 7]).subarray(1, 6)); // a view: its bytes, from its offset
    ws.ping();
    ws.send('!ping');
  };
  let phase = 0;
  const maybeNext = () => {
    if (phase === 0 && seen.texts.length === 2 && seen.blobs.length === 1 && seen.pongs === 1 && seen.pings === 1) {
      phase = 1;
      ws.binaryType = 'arraybuffer';
      ws.send(new Uint8Array([9, 8, 7]).buffer);
    } else if (phase === 1 && seen.bins.length === 1) {
      phase = 2;
      ws.close();
      seen.states.push(ws.readyState);
    }
  };
  ws.onmessage = (e) => {
    if (typeof e.data === 'string') seen.texts.push(e.data);
    else if (e.data instanceof ArrayBuffer) seen.bins.push(Array.from(new Uint8Array(e.data)));
    else {
      seen.blobSize = e.data.size;
      e.data.arrayBuffer().then((ab) => { seen.blobs.push(Array.from(new Uint8Array(ab))); maybeNext(); });
      return;
    }
    seen.targetOk = e.target === ws;
    maybeNext();
  };
  ws.addEventListener('message', (e) => seen.listener.push(typeof e.data));
  ws.onpong = () => { seen.pongs++; maybeNext(); };
  ws.addEventListener('ping', () => { seen.pings++; maybeNext(); });
  ws.onerror = (e) => seen.errors.push(e.error);
  ws.onclose = (e) => {
    seen.close = { code: e.code, type: e.type, state: ws.readyState };
    console.log('seen ' + JSON.stringify(seen));
  };
}
