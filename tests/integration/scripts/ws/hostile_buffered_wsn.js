// k6/websockets bufferedAmount against a peer that reads nothing at first
// (tests/integration/test_hostile_ws.py): SEND_MB messages of 1 MB sent at
// the open, the amount read after each send and then every 100 ms until the
// peer, having read everything, closes.
import { WebSocket } from 'k6/websockets';

export const options = { vus: 1, iterations: 1 };

export default function () {
  const MB = 1 << 20;
  const n = parseInt(__ENV.SEND_MB || '32', 10);
  const t0 = Date.now();
  const sock = new WebSocket(__ENV.URL);
  const seen = { afterEach: [], samples: [], zeroAt: -1, errors: [] };
  let iv = null;
  sock.onopen = () => {
    const chunk = 'x'.repeat(MB);
    for (let i = 0; i < n; i++) {
      sock.send(chunk);
      seen.afterEach.push(sock.bufferedAmount);
    }
    iv = setInterval(() => {
      const b = sock.bufferedAmount;
      seen.samples.push([Date.now() - t0, b]);
      if (b === 0 && seen.zeroAt < 0) seen.zeroAt = Date.now() - t0;
    }, 100);
  };
  sock.onerror = (e) => seen.errors.push(e.error);
  sock.onclose = (e) => {
    if (iv !== null) clearInterval(iv);
    seen.code = e.code;
    seen.final = sock.bufferedAmount;
    console.log('BUFFERED ' + JSON.stringify(seen));
  };
}
