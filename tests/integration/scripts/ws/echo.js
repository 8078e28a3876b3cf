// Echo round trips (text and binary), ping/pong, a server ping, socket
// timers, tags and the response object.
import ws from 'k6/ws';

export const options = { vus: 1, iterations: 1 };

export default function () {
  const url = __ENV.TARGET.replace(/^http/, 'ws') + '/ws/echo?x=1';
  const seen = { texts: [], bins: [], pongs: 0, pings: 0, ticks: 0, opened: 0, closeCode: null, errors: [] };
  const res = ws.connect(url, { tags: { my: 'tag' }, headers: { 'Sec-WebSocket-Protocol': 'chat, other' } }, function (socket) {
    seen.inCallback = typeof socket.send;
    socket.on('open', () => {
      seen.opened++;
      socket.send('hello');
      socket.send('héllo wörld ✓');
      socket.send('x'.repeat(70000));          // 64-bit length frames both ways
      socket.sendBinary(new Uint8Array([0, 1, 2, 250, 255]).buffer);
      socket.ping();
      socket.send('!ping');                    // the server pings us
    });
    // closes after 250 ms, or once everything came back if that takes
    // longer (the target's TLS forwarding is slow with large messages)
    let due = false;
    const all = () => seen.texts.length === 3 && seen.bins.length === 1 && seen.pongs === 1 && seen.pings === 1;
    const maybeClose = () => { if (due && all()) socket.close(); };
    socket.on('message', (m) => { seen.texts.push(m.length > 100 ? 'long:' + m.length : m); maybeClose(); });
    socket.on('binaryMessage', (m) => { seen.bins.push(Array.from(new Uint8Array(m))); maybeClose(); });
    socket.on('pong', () => { seen.pongs++; maybeClose(); });
    socket.on('ping', () => { seen.pings++; maybeClose(); });
    socket.on('error', (e) => seen.errors.push(e.error()));
    const iv = socket.setInterval(() => { seen.ticks++; }, 20);
    socket.setTimeout(() => { due = true; maybeClose(); }, 250);
    socket.setTimeout(() => socket.close(), 5000);
    socket.on('close', (code) => { seen.closeCode = code; });
  });
  seen.status = res.status;
  seen.error = res.error;
  seen.url = res.url;
  seen.accept = typeof res.headers['Sec-Websocket-Accept'];
  seen.subproto = res.headers['Sec-Websocket-Protocol'];
  console.log('seen ' + JSON.stringify(seen));
}
