// A session that never ends by itself is cut off when the scenario's time is up.
import ws from 'k6/ws';

export const options = {
  scenarios: { forever: { executor: 'constant-vus', vus: 1, duration: '1s', gracefulStop: '0s' } },
};

export default function () {
  ws.connect(__ENV.TARGET.replace(/^http/, 'ws') + '/ws/echo', function (socket) {
    socket.setInterval(() => socket.send('tick'), 50);
  });
}
