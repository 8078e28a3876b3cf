// k6/websockets against a hostile peer (tests/integration/test_hostile_ws.py):
// the global timers are recorded to show they keep firing on time while the
// peer floods.
import { WebSocket } from 'k6/websockets';

export const options = { vus: 1, iterations: 1 };

export default function () {
  const t0 = Date.now();
  const ticks = [];
  const sock = new WebSocket(__ENV.URL);
  const iv = setInterval(() => ticks.push(Date.now() - t0), 250);
  sock.onerror = (e) => console.log(`ERROR ${e.error}`);
  sock.onclose = (e) => {
    clearInterval(iv);
    let gap = ticks.length ? ticks[0] : 0;
    for (let i = 1; i < ticks.length; i++) gap = Math.max(gap, ticks[i] - ticks[i - 1]);
    console.log(`CLOSE ${e.code} at ${Date.now() - t0}`);
    console.log(`TICKS ${ticks.length} MAXGAP ${gap}`);
  };
}
