// Several VUs hold sessions at once; each counts its own echoes.
import ws from 'k6/ws';
import { check } from 'k6';

export const options = { vus: 4, iterations: 8 };

export default function () {
  const url = __ENV.TARGET.replace(/^http/, 'ws') + '/ws/echo';
  let n = 0;
  const res = ws.connect(url, function (socket) {
    socket.on('open', () => { for (let i = 0; i < 5; i++) socket.send(`vu${__VU}-${i}`); });
    socket.on('message', (m) => { if (m.startsWith(`vu${__VU}-`)) n++; if (n === 5) socket.close(); });
  });
  check(res, { 'status 101': (r) => r.status === 101 });
  check(n, { 'five echoes': (x) => x === 5 });
}
