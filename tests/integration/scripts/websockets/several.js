// Several sockets in one VU at once, driven by setTimeout/setInterval: each
// sends on a timer and closes after its third echo; the iteration lasts
// until the last one is closed.
import { WebSocket } from 'k6/websockets';
import { setTimeout, setInterval, clearInterval } from 'k6/timers';

export const options = { vus: 2, iterations: 4 };

export default function () {
  const base = __ENV.TARGET.replace(/^http/, 'ws') + '/ws/echo';
  const t0 = Date.now();
  const got = {};
  const order = [];
  for (let i = 0; i < 3; i++) {
    const ws = new WebSocket(base + '?n=' + i);
    ws.binaryType = 'arraybuffer';
    got[i] = [];
    ws.onopen = () => {
      let k = 0;
      const id = setInterval(() => ws.send(`s${i}-${k++}`), 20 + 10 * i);
      ws.onmessage = (e) => {
        if (got[i].length === 3) return; // echoes of sends that left before the interval was cleared
        got[i].push(e.data);
        if (got[i].length === 3) { clearInterval(id); setTimeout(() => ws.close(4000 + i), 5); }
      };
    };
    ws.onclose = (e) => {
      order.push(i);
      if (order.length === 3) {
        console.log(`several ${__VU} ${JSON.stringify({ got, codes: e.code, order, ms: Date.now() - t0 })}`);
      }
    };
  }
  console.log(`returned ${Date.now() - t0}`);
}
