// k6/ws against a hostile peer (tests/integration/test_hostile_ws.py):
// the session runs until the peer's behaviour ends it; the socket's timers
// are recorded to show they keep firing on time meanwhile.
import ws from 'k6/ws';

export const options = { vus: 1, iterations: 1 };

export default function () {
  const t0 = Date.now();
  const ticks = [];
  let timeoutAt = -1;
  const res = ws.connect(__ENV.URL, {}, function (socket) {
    socket.setInterval(() => ticks.push(Date.now() - t0), 250);
    socket.setTimeout(() => { timeoutAt = Date.now() - t0; }, 2000);
    socket.on('open', () => {
      // SEND_MB: the script itself sends that many 1 MB messages at once
      const mb = parseInt(__ENV.SEND_MB || '0', 10);
      const chunk = 'x'.repeat(1 << 20);
      for (let i = 0; i < mb; i++) socket.send(chunk);
    });
    let received = 0;
    socket.on('message', () => { received++; });
    socket.on('error', (e) => console.log(`ERROR ${e.error()}`));
    socket.on('close', (code) => console.log(`CLOSE ${code} at ${Date.now() - t0} after ${received} messages`));
  });
  let gap = ticks.length ? ticks[0] : 0;
  for (let i = 1; i < ticks.length; i++) gap = Math.max(gap, ticks[i] - ticks[i - 1]);
  console.log(`TICKS ${ticks.length} MAXGAP ${gap} TIMEOUT ${timeoutAt} STATUS ${res.status}`);
}
