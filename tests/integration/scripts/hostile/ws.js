// One k6/ws session with a hostile server; logs (console.log, one JSON line;
// the test runs with --log-format=json) the events the script saw, in order.
// Env: URL (ws://...), HOLD (ms before the script closes the socket itself).
import ws from 'k6/ws';

export const options = { iterations: 1, vus: 1 };

export default function () {
    const events = [];
    const res = ws.connect(__ENV.URL + '/ws', null, function (socket) {
        socket.on('open', () => events.push(['open']));
        socket.on('message', (m) => events.push(['message', m.length, m.slice(0, 16)]));
        socket.on('error', (e) => events.push(['error', e.error()]));
        socket.on('close', (code) => events.push(['close', code]));
        socket.setTimeout(() => { events.push(['timeout']); socket.close(); }, Number(__ENV.HOLD || 3000));
    });
    console.log(JSON.stringify({ status: res ? res.status : null, events: events }));
}
